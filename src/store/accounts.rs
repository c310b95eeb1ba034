//! The accounts table's writes: a new account and each login attempt, each
//! one transaction with its audit entry ([`crate::protect::users`] decides).

use super::{Result, Store, event, now};
use rusqlite::params;

impl Store {
    /// Stores a new account (the hash made by [`crate::protect::users`]).
    pub fn insert_user(
        &self,
        name: &str,
        role: &str,
        hash: &str,
        os_user: Option<&str>,
    ) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO users (name, role, password, os_user, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, role, hash, os_user, now()],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                super::StoreError::Refused(format!("Konto {name} gibt es schon"))
            }
            e => e.into(),
        })?;
        event(
            &tx,
            "user.created",
            None,
            None,
            &format!("Konto {name}, Rolle {role}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records a login attempt: success clears the failure count; a failure
    /// counts up and may lock the account until `lock_until`.
    pub fn record_login(&self, name: &str, ok: bool, lock_until: Option<&str>) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        if ok {
            tx.execute(
                "UPDATE users SET failed = 0, locked_until = NULL WHERE name = ?1",
                [name],
            )?;
        } else {
            tx.execute(
                "UPDATE users SET failed = failed + 1,
                     locked_until = COALESCE(?2, locked_until) WHERE name = ?1",
                params![name, lock_until],
            )?;
        }
        event(
            &tx,
            if ok { "login.ok" } else { "login.failed" },
            None,
            None,
            &match (ok, lock_until) {
                (true, _) => format!("{name} angemeldet"),
                (false, Some(until)) => {
                    format!("{name}: Anmeldung fehlgeschlagen, gesperrt bis {until}")
                }
                (false, None) => format!("{name}: Anmeldung fehlgeschlagen"),
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}
