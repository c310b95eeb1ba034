//! Encryption at rest: the station key and what is derived from it.
//!
//! One random 256-bit station key lives in a key file (`[security]
//! key_file`, by default `station.key` in the home), readable only by the
//! user the station runs as, optionally wrapped by a passphrase (Argon2id +
//! XChaCha20-Poly1305). From it come, by SHA-256 with a label each: the
//! SQLCipher key of the database, the key of every sealed file (blobs,
//! quarantine, outgoing containers, see [`sealed`]) and the key that turns
//! a blob's digest into its file name, so the blob folder does not reveal
//! whether a known file is stored.
//!
//! The key file is made on the first start of a new home. A home whose
//! database is already encrypted but whose key file is missing is refused:
//! without the key nothing in it can be read, by design.

pub mod sealed;

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

pub use sealed::{SealKey, SealedReader, SealedWriter};

/// Environment variable holding the passphrase of a wrapped key file.
pub(crate) const PASSPHRASE_ENV: &str = "SCANSTELLE_PASSPHRASE";
const HEAD: &str = "scanstelle-key-v1";

/// The `[security]` section of `scanstelle.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// The key file; default `station.key` in the home.
    pub key_file: Option<PathBuf>,
    /// A file holding the passphrase of a wrapped key (e.g. a systemd
    /// credential); otherwise the environment variable `SCANSTELLE_PASSPHRASE`.
    pub passphrase_file: Option<PathBuf>,
    /// Minutes without a key or click after which the window locks itself.
    pub idle_lock_minutes: u64,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            key_file: None,
            passphrase_file: None,
            idle_lock_minutes: 10,
        }
    }
}

impl SecuritySettings {
    /// The key file used for the home `home`.
    pub(crate) fn key_path(&self, home: &Path) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| home.join("station.key"))
    }
}

/// Errors with the station key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read or written.
    #[error("Schlüsseldatei {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The database is encrypted but the key file is gone.
    #[error(
        "Die Schlüsseldatei {0} fehlt, die Datenbank ist aber verschlüsselt: ohne den Schlüssel sind Datenbank und Ablage nicht lesbar. Bitte die Schlüsseldatei aus der Sicherung zurückspielen (oder [security] key_file richtig setzen)."
    )]
    Missing(PathBuf),
    /// Others may read the key file.
    #[error(
        "Die Schlüsseldatei {path} ist für andere Benutzer lesbar (Modus {mode:o}): bitte `chmod 600 {path}`."
    )]
    Exposed {
        /// The key file.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// The file is not a key file.
    #[error("Die Schlüsseldatei {0} ist beschädigt oder keine Scanstelle-Schlüsseldatei.")]
    Malformed(PathBuf),
    /// A wrapped key and no passphrase.
    #[error(
        "Die Schlüsseldatei {0} ist mit einer Passphrase geschützt: bitte SCANSTELLE_PASSPHRASE setzen oder [security] passphrase_file angeben."
    )]
    NoPassphrase(PathBuf),
    /// A wrapped key and the wrong passphrase.
    #[error("Die Passphrase passt nicht zur Schlüsseldatei {0}.")]
    WrongPassphrase(PathBuf),
}

/// The keys of one station, derived from its station key.
#[derive(Clone)]
pub struct Keys(Arc<Derived>);

struct Derived {
    db: [u8; 32],
    seal: SealKey,
    names: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"scanstelle/v1/");
    h.update(label.as_bytes());
    h.update([0]);
    h.update(master);
    h.finalize().into()
}

fn cache() -> &'static Mutex<HashMap<PathBuf, Keys>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Keys>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

impl Keys {
    /// Keys from a station key (tests and tools that hold one).
    pub fn from_master(master: &[u8; 32]) -> Self {
        Self(Arc::new(Derived {
            db: derive(master, "sqlcipher"),
            seal: SealKey::new(&derive(master, "sealed-files")),
            names: derive(master, "blob-names"),
        }))
    }

    /// The keys of the home `home` under `settings`: the key file is read
    /// (once per process) or, for a new home, made.
    pub fn load(settings: &SecuritySettings, home: &Path) -> Result<Self, KeyError> {
        let path = settings.key_path(home);
        let mut cache = cache()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(k) = cache.get(&path) {
            return Ok(k.clone());
        }
        let master = match read_key_file(&path, settings) {
            Err(KeyError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                if is_encrypted(&home.join("scanstelle.db")) {
                    return Err(KeyError::Missing(path));
                }
                create_key_file(&path)?;
                read_key_file(&path, settings)?
            }
            other => other?,
        };
        let keys = Self::from_master(&master);
        cache.insert(path, keys.clone());
        Ok(keys)
    }

    /// The keys of `home` with the default settings (key file in the home).
    pub fn for_home(home: &Path) -> Result<Self, KeyError> {
        Self::load(&SecuritySettings::default(), home)
    }

    /// The SQLCipher raw key as `PRAGMA key` expects it (`x'…'`).
    pub fn db_pragma(&self) -> String {
        format!("x'{}'", hex::encode(self.0.db))
    }

    /// The key of sealed files.
    pub(crate) fn seal(&self) -> &SealKey {
        &self.0.seal
    }

    /// The file name of the blob with this digest.
    pub(crate) fn blob_name(&self, sha: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.0.names);
        h.update(sha.as_bytes());
        hex::encode(h.finalize())
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

fn random32() -> Result<[u8; 32], std::io::Error> {
    let mut k = [0u8; 32];
    getrandom::fill(&mut k).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(k)
}

/// Writes `text` to `path` readable by the owner only, durably and never
/// over an existing file (two first starts at once keep the first key).
fn write_private(path: &Path, text: &str, replace: bool) -> Result<(), KeyError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if replace {
            fs::rename(&tmp, path)
        } else {
            fs::hard_link(&tmp, path).or_else(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Ok(())
                } else {
                    Err(e)
                }
            })
        }
    })();
    let _ = fs::remove_file(&tmp);
    result.map_err(io_err(path))?;
    if let Some(dir) = path.parent() {
        crate::fsutil::sync_dir(dir).map_err(io_err(dir))?;
    }
    Ok(())
}

fn create_key_file(path: &Path) -> Result<(), KeyError> {
    let key = random32().map_err(io_err(path))?;
    tracing::info!(schluesseldatei = %path.display(), "neuer Stationsschlüssel");
    write_private(path, &raw_text(&key), false)
}

fn raw_text(key: &[u8; 32]) -> String {
    format!(
        "# Scanstelle-Stationsschlüssel: ohne diese Datei sind Datenbank und Ablage nicht lesbar.\n# Sicher aufbewahren, getrennt von den Daten sichern, niemals weitergeben.\n{HEAD} raw {}\n",
        hex::encode(key)
    )
}

fn passphrase(settings: &SecuritySettings) -> Option<String> {
    match &settings.passphrase_file {
        Some(p) => fs::read_to_string(p)
            .ok()
            .map(|s| s.trim_end_matches(['\n', '\r']).to_owned()),
        None => std::env::var(PASSPHRASE_ENV).ok(),
    }
    .filter(|p| !p.is_empty())
}

/// The Argon2id parameters of a wrapped key: 64 MiB, 3 passes.
const WRAP_M_KIB: u32 = 64 * 1024;
const WRAP_T: u32 = 3;

fn kek(pass: &str, salt: &[u8], m: u32, t: u32) -> Option<[u8; 32]> {
    let params = argon2::Params::new(m, t, 1, Some(32)).ok()?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    argon
        .hash_password_into(pass.as_bytes(), salt, &mut out)
        .ok()?;
    Some(out)
}

fn read_key_file(path: &Path, settings: &SecuritySettings) -> Result<[u8; 32], KeyError> {
    let meta = fs::metadata(path).map_err(io_err(path))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Exposed {
            path: path.to_owned(),
            mode,
        });
    }
    let text = fs::read_to_string(path).map_err(io_err(path))?;
    let bad = || KeyError::Malformed(path.to_owned());
    let line = text.lines().find(|l| l.starts_with(HEAD)).ok_or_else(bad)?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let hex32 = |s: &str| -> Option<[u8; 32]> { hex::decode(s).ok()?.try_into().ok() };
    match fields.as_slice() {
        [_, "raw", key] => hex32(key).ok_or_else(bad),
        [_, "argon2id", m, t, salt, sealed] => {
            let pass =
                passphrase(settings).ok_or_else(|| KeyError::NoPassphrase(path.to_owned()))?;
            let (m, t): (u32, u32) = (m.parse().map_err(|_| bad())?, t.parse().map_err(|_| bad())?);
            let salt = hex::decode(salt).map_err(|_| bad())?;
            let sealed = hex::decode(sealed).map_err(|_| bad())?;
            let kek = kek(&pass, &salt, m, t).ok_or_else(bad)?;
            let plain = unwrap_key(&kek, &salt, &sealed)
                .ok_or_else(|| KeyError::WrongPassphrase(path.to_owned()))?;
            Ok(plain)
        }
        _ => Err(bad()),
    }
}

fn unwrap_key(kek: &[u8; 32], salt: &[u8], sealed: &[u8]) -> Option<[u8; 32]> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(&(*kek).into());
    let (nonce, ct) = sealed.split_at_checked(24)?;
    let nonce = chacha20poly1305::XNonce::try_from(nonce).ok()?;
    let plain = cipher
        .decrypt(&nonce, Payload { msg: ct, aad: salt })
        .ok()?;
    plain.try_into().ok()
}

/// Rewrites the key file of `home` so that the key is wrapped by
/// `new_passphrase` (or stored unwrapped when it is empty); the key itself
/// stays, so nothing else changes. The old passphrase comes from `settings`.
pub fn set_passphrase(
    settings: &SecuritySettings,
    home: &Path,
    new_passphrase: &str,
) -> Result<PathBuf, KeyError> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let path = settings.key_path(home);
    let key = read_key_file(&path, settings)?;
    let text = if new_passphrase.is_empty() {
        raw_text(&key)
    } else {
        let salt = random32().map_err(io_err(&path))?;
        let nonce: [u8; 24] = random32().map_err(io_err(&path))?[..24]
            .try_into()
            .expect("24 of 32 bytes");
        let kek = kek(new_passphrase, &salt, WRAP_M_KIB, WRAP_T)
            .ok_or_else(|| KeyError::Malformed(path.clone()))?;
        let cipher = chacha20poly1305::XChaCha20Poly1305::new(&kek.into());
        let ct = cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: &key,
                    aad: &salt,
                },
            )
            .map_err(|_| KeyError::Malformed(path.clone()))?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ct);
        format!(
            "# Scanstelle-Stationsschlüssel, mit Passphrase geschützt (Argon2id, XChaCha20-Poly1305).\n{HEAD} argon2id {WRAP_M_KIB} {WRAP_T} {} {}\n",
            hex::encode(salt),
            hex::encode(sealed)
        )
    };
    write_private(&path, &text, true)?;
    cache()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(&path);
    Ok(path)
}

const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

fn header(path: &Path) -> Option<[u8; 16]> {
    use std::io::Read;
    let mut head = [0u8; 16];
    fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    Some(head)
}

/// Whether `path` is a database file encrypted with SQLCipher (not empty,
/// not plain SQLite).
pub fn is_encrypted(path: &Path) -> bool {
    header(path).is_some_and(|h| &h != PLAIN_HEADER)
}

/// Whether `path` is a plain (unencrypted) SQLite database file.
pub(crate) fn is_plain_database(path: &Path) -> bool {
    header(path).is_some_and(|h| &h == PLAIN_HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_home_gets_a_private_key_file_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let settings = SecuritySettings {
            key_file: Some(dir.path().join("k/station.key")),
            ..Default::default()
        };
        let a = Keys::load(&settings, dir.path()).unwrap();
        let path = settings.key_path(dir.path());
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        cache().lock().unwrap().clear();
        let b = Keys::load(&settings, dir.path()).unwrap();
        assert_eq!(a.db_pragma(), b.db_pragma());
        assert_ne!(a.blob_name("x"), hex::encode(Sha256::digest(b"x")));

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        cache().lock().unwrap().clear();
        let err = Keys::load(&settings, dir.path()).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn a_passphrase_wraps_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let pass = dir.path().join("pass");
        fs::write(&pass, "richtig\n").unwrap();
        let settings = SecuritySettings {
            key_file: Some(dir.path().join("station.key")),
            passphrase_file: Some(pass.clone()),
            ..Default::default()
        };
        let before = Keys::load(&settings, dir.path()).unwrap().db_pragma();
        let path = set_passphrase(&settings, dir.path(), "richtig").unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("argon2id") && !text.contains(" raw "),
            "{text}"
        );
        assert_eq!(
            Keys::load(&settings, dir.path()).unwrap().db_pragma(),
            before
        );

        cache().lock().unwrap().clear();
        fs::write(&pass, "falsch").unwrap();
        let err = Keys::load(&settings, dir.path()).unwrap_err();
        assert!(matches!(err, KeyError::WrongPassphrase(_)), "{err}");
        let none = SecuritySettings {
            passphrase_file: Some(dir.path().join("leer")),
            ..settings.clone()
        };
        fs::write(dir.path().join("leer"), "").unwrap();
        let err = Keys::load(&none, dir.path()).unwrap_err();
        assert!(matches!(err, KeyError::NoPassphrase(_)), "{err}");

        fs::write(&pass, "richtig").unwrap();
        set_passphrase(&settings, dir.path(), "").unwrap();
        assert!(fs::read_to_string(&path).unwrap().contains(" raw "));
        assert_eq!(
            Keys::load(&settings, dir.path()).unwrap().db_pragma(),
            before
        );
    }
}
