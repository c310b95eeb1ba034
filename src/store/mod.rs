//! The local SQLite store: the single source of truth of the station.
//!
//! Every state change is one transaction. The database runs in WAL mode with
//! `synchronous = FULL` and foreign keys on; the schema is migrated in code
//! (`schema`). Opening goes through [`Store::open`] only, so encryption at
//! rest is a change in one place.

mod accounts;
pub mod audit;
pub mod blob;
mod cases;
mod corrections;
mod desk;
mod documents;
mod edit;
mod erase;
pub mod health;
mod letters;
mod originals;
mod outbox;
mod outgoing;
mod pages;
mod qa;
mod schema;
mod search;
mod sources;
pub mod state;
mod uploads;

use crate::intake::decode::{ColourMode, FileFormat, PageEncoding, PageOrigin};
use crate::protect::crypto::Keys;
use crate::store::blob::Sha256Hex;
pub use accounts::Account;
pub use audit::{AuditReport, CaseDocument, ChainEntry};
pub use cases::{DocumentReport, NewDecision, RegisterVersion};
pub use corrections::{Change, CorrectionRow, OutgoingCorrection};
pub use desk::{
    BatchFilter, BatchGroup, BatchRow, DecisionState, DetailPage, DocumentDetail, EventRow,
};
pub use documents::{DocumentPage, DocumentRow};
pub use edit::{Edit, Edited, PageToTurn, Turned};
pub use erase::ErasePlan;
pub use letters::LetterDue;
pub use originals::PaperRow;
pub use outbox::{AnsweredObject, ImportAnswer, ImportOutcome, OutboxRow, SyncStatus};
pub use outgoing::{Outgoing, OutgoingDocument};
pub use pages::{FailedPage, NewOcr, NewPrep, OcrTurn, PendingPage};
pub use qa::{QaBatch, QaItem};
pub use search::SearchHit;
use sources::forget_pages;
pub use sources::{
    Grouping, Ingested, NewPage, NewQuarantine, NewSource, PageRow, QuarantineRow, SourceFile,
};
pub use state::{BatchState, CorrectionState, DocumentState, OutboxState, PageState, SourceState};
pub use uploads::AuditSegment;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error (said in words; not a `source`, so that
    /// its English is not appended to the message).
    #[error("Datenbankfehler: {}", sqlite_words(.0))]
    Sqlite(rusqlite::Error),
    /// The database was written by a newer Scanstelle.
    #[error(
        "Die Datenbank hat Schema-Version {found}, dieses Programm kennt nur bis {known}: bitte Scanstelle aktualisieren."
    )]
    TooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// A state change the state machine does not allow, or a row not in the expected state.
    #[error("Unzulässiger Zustandswechsel für {what} {id}: {from} → {to}")]
    Transition {
        /// Kind of row.
        what: &'static str,
        /// Row id.
        id: i64,
        /// Expected current state.
        from: String,
        /// Requested state.
        to: String,
    },
    /// A change a person asked for that cannot be made, with the reason.
    #[error("{0}")]
    Refused(String),
    /// The database does not open with the station key.
    #[error(
        "Die Datenbank {0} lässt sich mit dem Stationsschlüssel nicht öffnen: falsche Schlüsseldatei oder beschädigte Datenbank. Eine Sicherung spielt `scanstelle db restore DATEI` ein."
    )]
    WrongKey(PathBuf),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

/// What an SQLite error means, in words with the advice (other errors keep
/// SQLite's own text, which names the table or column concerned).
fn sqlite_words(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked) => {
            "die Datenbank ist gerade gesperrt (arbeitet ein anderer Scanstelle-Prozess?); \
             später erneut versuchen"
                .into()
        }
        Some(C::DatabaseCorrupt) => "die Datenbankdatei ist beschädigt: `scanstelle db check`; \
             eine Sicherung mit `scanstelle db restore DATEI` einspielen"
            .into(),
        Some(C::NotADatabase) => {
            "die Datei ist keine Datenbank der Station oder der Schlüssel passt nicht".into()
        }
        Some(C::DiskFull) => "der Datenträger des Stationsverzeichnisses ist voll".into(),
        Some(C::ReadOnly) => "die Datenbank darf nicht beschrieben werden (Zugriffsrechte)".into(),
        Some(C::CannotOpen) => "die Datenbankdatei lässt sich nicht öffnen".into(),
        Some(C::SystemIoFailure) => "Lese- oder Schreibfehler des Datenträgers".into(),
        _ => e.to_string(),
    }
}

/// Overwrites with zeros and removes the plain copy an encryption left.
fn wipe_plain_leftover(path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let old = path.with_extension("db.plain");
    let Ok(len) = std::fs::metadata(&old).map(|m| m.len()) else {
        return Ok(());
    };
    let mut f = std::fs::File::options().write(true).open(&old)?;
    let zeros = vec![0u8; 1 << 16];
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    f.sync_all()?;
    std::fs::remove_file(&old)
}

/// Encrypts a database written before encryption at rest: everything is
/// copied into an encrypted file (`sqlcipher_export`), the plain file is
/// overwritten with zeros and replaced.
fn encrypt_plain_database(path: &Path, keys: &Keys) -> Result<()> {
    let tmp = path.with_extension("db.encrypting");
    let _ = std::fs::remove_file(&tmp);
    {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            params![tmp.to_string_lossy(), keys.db_pragma()],
        )?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.pragma_update(Some("encrypted"), "user_version", version)?;
        conn.execute_batch("DETACH DATABASE encrypted")?;
        conn.pragma_update(None, "journal_mode", "DELETE")?;
    }
    let io = |e: std::io::Error| StoreError::Refused(format!("Verschlüsseln der Datenbank: {e}"));
    // The plain file keeps a second name until the encrypted one is in
    // place; then it is overwritten and removed (also after a crash here,
    // by the next open).
    let old = path.with_extension("db.plain");
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    let _ = std::fs::remove_file(&old);
    std::fs::hard_link(path, &old).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Some(dir) = path.parent() {
        crate::fsutil::sync_dir(dir).map_err(io)?;
    }
    wipe_plain_leftover(path).map_err(io)?;
    for side in ["-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(side);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    tracing::info!(datenbank = %path.display(), "unverschlüsselte Datenbank verschlüsselt");
    Ok(())
}

/// Result type of the store.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Current time as stored (RFC 3339, UTC).
pub fn now() -> String {
    fmt_time(OffsetDateTime::now_utc())
}

/// A time as stored (RFC 3339, UTC).
pub(crate) fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .expect("RFC 3339 formatting of a valid time")
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// Counts per state, for `scanstelle status` and the GUI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreStatus {
    /// Batches per state.
    pub batches: Vec<(BatchState, u64)>,
    /// Pages per state.
    pub pages: Vec<(PageState, u64)>,
    /// Documents per state.
    pub documents: Vec<(DocumentState, u64)>,
    /// Source files not yet released from their hot folder.
    pub sources_pending: u64,
    /// Quarantined files in all.
    pub quarantined: u64,
    /// The most recent quarantine entries.
    pub recent_quarantine: Vec<QuarantineRow>,
}

/// The open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path, keys: &Keys) -> Result<Self> {
        if crate::protect::crypto::is_plain_database(path) {
            encrypt_plain_database(path, keys)?;
        }
        wipe_plain_leftover(path)
            .map_err(|e| StoreError::Refused(format!("Unverschlüsselte Altdatei: {e}")))?;
        let conn = Connection::open(path)?;
        // A wrong key is reported below in words, not logged by SQLCipher.
        conn.pragma_update(None, "cipher_log_level", "NONE")?;
        conn.pragma_update(None, "key", keys.db_pragma())?;
        // The first read tells whether the key fits.
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())) {
            return Err(match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => StoreError::WrongKey(path.to_owned()),
                _ => e.into(),
            });
        }
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted content is overwritten, not just unlinked (social data is
        // destroyed for real after the DMS confirmed it); temporary tables
        // and indices stay in memory, never in temporary files.
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Pages are decrypted into SQLite's cache; SQLite's default of 2 MB
        // holds a tenth of a 100,000-page station's indices, so the window's
        // inbox, read several times a second, would decrypt them again each
        // time. 64 MB, in memory only as far as it is used.
        conn.pragma_update(None, "cache_size", -65_536)?;
        let mut store = Self {
            conn,
            path: path.to_owned(),
        };
        store.migrate()?;
        // Who acts through this connection (none: the station itself).
        store
            .conn
            .execute_batch("CREATE TEMP TABLE IF NOT EXISTS session_actor (actor TEXT NOT NULL)")?;
        Ok(store)
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Schema version in force.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<()> {
        let known = schema::MIGRATIONS.len() as i64;
        let found = self.schema_version()?;
        if found > known {
            return Err(StoreError::TooNew { found, known });
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(found as usize) {
            // Outside a transaction: the pragma is a no-op inside one.
            let keys_off = sql.contains(schema::FOREIGN_KEYS_OFF);
            if keys_off {
                self.conn.pragma_update(None, "foreign_keys", "OFF")?;
            }
            let result = self.migrate_one(i, sql, keys_off);
            if keys_off {
                self.conn.pragma_update(None, "foreign_keys", "ON")?;
            }
            result?;
        }
        Ok(())
    }

    /// Runs migration `i` in one transaction.
    fn migrate_one(&mut self, i: usize, sql: &str, check_keys: bool) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            if let Some((before, after)) = sql.split_once(schema::SEAL_MARKER) {
                tx.execute_batch(before)?;
                audit::seal_existing(&tx)?;
                tx.execute_batch(after)?;
            } else if let Some((before, after)) = sql.split_once(schema::REINDEX_MARKER) {
                tx.execute_batch(before)?;
                search::reindex(&tx)?;
                tx.execute_batch(after)?;
            } else {
                tx.execute_batch(sql)?;
            }
            if check_keys {
                let broken: i64 =
                    tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                        r.get(0)
                    })?;
                if broken > 0 {
                    return Err(StoreError::Refused(format!(
                        "Schema-Version {}: {broken} Verweis(e) ins Leere nach dem Umbau; die Datenbank bleibt unverändert",
                        i + 1
                    )));
                }
            }
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
        Ok(())
    }
}

impl Store {
    /// Direct read access for reports and tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

impl Store {
    /// Empties the write-ahead log after deleting, so old page versions go
    /// too (best effort: a reader holding the log keeps it until next time).
    fn truncate_wal(&self) {
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
}

/// Appends an event to the audit trail (sealed into its hash chain, in
/// the caller's transaction).
/// A path as the store keeps it: text when it is UTF-8, else its bytes (a
/// Latin-1 name from an old scanner), so the file is found again exactly.
fn path_value(path: &Path) -> rusqlite::types::Value {
    use std::os::unix::ffi::OsStrExt;
    match path.to_str() {
        Some(s) => rusqlite::types::Value::Text(s.to_owned()),
        None => rusqlite::types::Value::Blob(path.as_os_str().as_bytes().to_vec()),
    }
}

/// A path read back from the store (text or bytes, see [`path_value`]).
fn path_column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    let bytes = match r.get_ref(i)? {
        rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => b.to_vec(),
        _ => Vec::new(),
    };
    Ok(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

fn event(
    tx: &Transaction<'_>,
    kind: &str,
    batch_id: Option<i64>,
    document_id: Option<i64>,
    detail: &str,
) -> Result<()> {
    audit::append(tx, kind, batch_id, document_id, detail)
}
