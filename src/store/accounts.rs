//! The accounts table's writes: a new account and each login attempt, each
//! one transaction with its audit entry ([`crate::protect::users`] decides).

use super::{Result, Store, event, now};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Stores a new account (the hash made by [`crate::protect::users`]).
    pub(crate) fn insert_user(
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
    pub(crate) fn record_login(
        &self,
        name: &str,
        ok: bool,
        lock_until: Option<&str>,
    ) -> Result<()> {
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

/// An account as stored.
#[derive(Debug, Clone)]
pub struct Account {
    /// Name.
    pub name: String,
    /// Role (stored name).
    pub role: String,
    /// PHC hash.
    pub password: String,
    /// Disabled.
    pub disabled: bool,
    /// Failed logins in a row.
    pub failed: u32,
    /// Locked until (RFC 3339).
    pub locked_until: Option<String>,
}

impl Store {
    /// How many enabled accounts have the admin role.
    pub(crate) fn admin_count(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0",
            [],
            |r| r.get(0),
        )?)
    }

    /// An account by name.
    pub fn account(&self, name: &str) -> Result<Option<Account>> {
        self.account_where("name", name)
    }

    /// The account mapped to an operating-system user.
    pub fn account_of_os_user(&self, os_user: &str) -> Result<Option<Account>> {
        self.account_where("os_user", os_user)
    }

    fn account_where(&self, column: &str, value: &str) -> Result<Option<Account>> {
        Ok(self
            .connection()
            .query_row(
                &format!(
                    "SELECT name, role, password, disabled, failed, locked_until FROM users
                     WHERE {column} = ?1"
                ),
                [value],
                |r| {
                    Ok(Account {
                        name: r.get(0)?,
                        role: r.get(1)?,
                        password: r.get(2)?,
                        disabled: r.get(3)?,
                        failed: r.get(4)?,
                        locked_until: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// Every account: name and role.
    pub fn users(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .connection()
            .prepare("SELECT name, role FROM users ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
