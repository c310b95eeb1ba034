//! Local accounts and roles: `scan` (operator), `qs` (quality control),
//! `admin`. Passwords are stored only as Argon2id hashes (PHC strings).
//! There is no default password: the first account must be an admin, made
//! by whoever installs the station; later accounts are made by an admin.
//! Failed logins are logged and throttled: after three in a row the account
//! waits 30 s, doubling with each further failure up to 15 minutes.
//!
//! Every person's action goes through a [`Session`]: the window's login
//! (or its operating-system user, when an account is mapped to it), the
//! command line's `--user` (password on stdin) or mapped OS user. What a
//! role may do is [`Role::may`].

use crate::store::{Store, StoreError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::time::Duration;

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Scan operator.
    Scan,
    /// Quality control.
    Qs,
    /// Administrator.
    Admin,
}

impl Role {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Scan => "scan",
            Role::Qs => "qs",
            Role::Admin => "admin",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "scan" => Some(Role::Scan),
            "qs" => Some(Role::Qs),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// What a person may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Look at documents and cases, correct and confirm them.
    Review,
    /// Check the quality-control sample and release batches.
    Qa,
    /// Accounts, data subjects' rights, quarantine, register, key, audit view.
    Administer,
}

impl Action {
    /// The action in words (for refusals).
    pub fn words(self) -> &'static str {
        match self {
            Action::Review => "Dokumente ansehen und bearbeiten",
            Action::Qa => "Qualitätskontrolle und Freigabe",
            Action::Administer => "Verwaltung",
        }
    }
}

impl Role {
    /// Whether this role may do `action`: everyone reviews; `qs` and
    /// `admin` check samples and release; only `admin` administers.
    pub fn may(self, action: Action) -> bool {
        match action {
            Action::Review => true,
            Action::Qa => matches!(self, Role::Qs | Role::Admin),
            Action::Administer => self == Role::Admin,
        }
    }
}

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Account name.
    pub user: String,
    /// Its role.
    pub role: Role,
}

impl Session {
    /// This session, if its role may do `action`; else the refusal in words.
    pub fn require(&self, action: Action) -> Result<&Self, UserError> {
        if self.role.may(action) {
            Ok(self)
        } else {
            Err(UserError::Refused(format!(
                "{} (Rolle {}) darf das nicht: {} braucht die Rolle {}",
                self.user,
                self.role.as_str(),
                action.words(),
                match action {
                    Action::Review => "scan, qs oder admin",
                    Action::Qa => "qs oder admin",
                    Action::Administer => "admin",
                }
            )))
        }
    }
}

/// Signs in with name and password (see [`login`]).
pub fn sign_in(store: &Store, name: &str, password: &str) -> Result<Session, UserError> {
    let role = login(store, name, password)?;
    Ok(Session {
        user: name.to_owned(),
        role,
    })
}

/// Signs in the account mapped to the operating-system user `os_user`
/// (the system already checked who that is); logged like a login.
pub fn sign_in_os(store: &Store, os_user: &str) -> Result<Option<Session>, UserError> {
    let Some(account) = store.account_of_os_user(os_user)? else {
        return Ok(None);
    };
    if account.disabled {
        return Ok(None);
    }
    store.record_login(&account.name, true, None)?;
    let role = Role::parse(&account.role)
        .ok_or_else(|| UserError::Refused(format!("Rolle {} unbekannt", account.role)))?;
    Ok(Some(Session {
        user: account.name,
        role,
    }))
}

/// The login name of the operating-system user running this process,
/// from the real user id (not from `$USER`, which anyone can set).
pub fn os_user() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => user.name,
        _ => format!("uid{uid}"),
    }
}

/// The one-time token file of a home without accounts.
pub fn token_path(home: &std::path::Path) -> std::path::PathBuf {
    home.join("erstanmeldung.token")
}

/// For a headless install: while no account exists, the station writes a
/// one-time token (readable only by the user it runs as) that the first
/// `user add … --role admin` must present; returns the file if it made
/// one now. Once an account exists the token is gone.
pub fn first_start_token(
    store: &Store,
    home: &std::path::Path,
) -> Result<Option<std::path::PathBuf>, UserError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = token_path(home);
    if has_accounts(store)? {
        let _ = std::fs::remove_file(&path);
        return Ok(None);
    }
    if path.exists() {
        return Ok(None);
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let io = |e: std::io::Error| UserError::Refused(format!("{}: {e}", path.display()));
    let mut f = std::fs::File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(io)?;
    f.write_all(format!("{token}\n").as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(Some(path))
}

/// Checks the one-time token the first admin presents (none needed when
/// no token file exists: an interactive first start by whoever holds the
/// home); the token is used up by the account it made.
pub fn check_first_start_token(
    home: &std::path::Path,
    given: Option<&str>,
) -> Result<(), UserError> {
    let Ok(expected) = std::fs::read_to_string(token_path(home)) else {
        return Ok(());
    };
    match given {
        Some(t) if t.trim() == expected.trim() => Ok(()),
        _ => Err(UserError::Refused(format!(
            "Ersteinrichtung: bitte das Einmal-Token aus {} angeben (--token, dann erste Zeile der Standardeingabe)",
            token_path(home).display()
        ))),
    }
}

/// Whether any account exists (else the first start makes the admin).
pub fn has_accounts(store: &Store) -> Result<bool, UserError> {
    Ok(!store.users()?.is_empty())
}

/// Why an account could not be made or a login failed (in words; a
/// failed login never says whether the name or the password was wrong).
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A refused request, in words.
    #[error("{0}")]
    Refused(String),
    /// Name or password wrong.
    #[error("Anmeldung fehlgeschlagen: Name oder Passwort falsch")]
    Failed,
    /// Too many failures in a row.
    #[error("Zu viele Fehlversuche: Anmeldung erst in {0} s wieder möglich")]
    Locked(u64),
}

/// Shortest password accepted.
pub(crate) const MIN_PASSWORD: usize = 10;

/// Hashes a password with Argon2id and a random salt.
pub(crate) fn hash_password(password: &str) -> Result<String, UserError> {
    // 16 bytes from the system's random source (a v4 UUID is 122 of them).
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|e| UserError::Refused(format!("Passwort nicht speicherbar: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Refused(format!("Passwort nicht speicherbar: {e}")))
}

fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Makes an account. The first one must be an admin (no default account
/// exists); after that only an admin (`by`, already logged in) makes them.
pub fn add_user(
    store: &Store,
    by: Option<&str>,
    name: &str,
    role: Role,
    password: &str,
) -> Result<(), UserError> {
    add_user_for(store, by, name, role, password, None)
}

/// [`add_user`], mapped to the operating-system user `os_user` (who then
/// signs in without a password, as the system already checked them).
pub fn add_user_for(
    store: &Store,
    by: Option<&str>,
    name: &str,
    role: Role,
    password: &str,
    os_user: Option<&str>,
) -> Result<(), UserError> {
    let valid_name = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !valid_name {
        return Err(UserError::Refused(format!(
            "Benutzername {name:?}: nur Buchstaben, Ziffern, . - _ (höchstens 64)"
        )));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(UserError::Refused(format!(
            "Das Passwort braucht mindestens {MIN_PASSWORD} Zeichen"
        )));
    }
    let admins = store.admin_count()?;
    match by {
        None if admins == 0 && role != Role::Admin => {
            return Err(UserError::Refused(
                "Das erste Konto muss ein Administrator sein (--role admin)".into(),
            ));
        }
        None if admins > 0 => {
            return Err(UserError::Refused(
                "Konten legt ein Administrator an (Anmeldung nötig)".into(),
            ));
        }
        Some(admin)
            if store.account(admin)?.and_then(|a| Role::parse(&a.role)) != Some(Role::Admin) =>
        {
            return Err(UserError::Refused(format!(
                "{admin} ist kein Administrator"
            )));
        }
        _ => {}
    }
    if let Some(os) = os_user
        && let Some(other) = store.account_of_os_user(os)?
    {
        return Err(UserError::Refused(format!(
            "Das Betriebssystemkonto {os} ist schon {} zugeordnet",
            other.name
        )));
    }
    store.insert_user(name, role.as_str(), &hash_password(password)?, os_user)?;
    Ok(())
}

/// Checks a login; logs success and failure; throttles failures.
pub fn login(store: &Store, name: &str, password: &str) -> Result<Role, UserError> {
    let now = time::OffsetDateTime::now_utc();
    let Some(account) = store.account(name)? else {
        // Same cost and same answer as a wrong password.
        let dummy =
            DUMMY_HASH.get_or_init(|| hash_password("unbekannt-unbekannt").unwrap_or_default());
        let _ = verify(password, dummy);
        store.record_login(name, false, None)?;
        return Err(UserError::Failed);
    };
    if let Some(until) = account.locked_until.as_deref().and_then(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    }) && until > now
    {
        store.record_login(name, false, None)?;
        return Err(UserError::Locked(
            (until - now).whole_seconds().max(1) as u64
        ));
    }
    if account.disabled || !verify(password, &account.password) {
        let failed = account.failed + 1;
        let lock = (failed >= 3).then(|| {
            let secs = (30u64 << (failed - 3).min(5)).min(900);
            now + Duration::from_secs(secs)
        });
        store.record_login(name, false, lock.map(crate::store::fmt_time).as_deref())?;
        return Err(UserError::Failed);
    }
    store.record_login(name, true, None)?;
    Role::parse(&account.role)
        .ok_or_else(|| UserError::Refused(format!("Rolle {} unbekannt", account.role)))
}

/// An Argon2id hash to spend the same time on unknown names.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
