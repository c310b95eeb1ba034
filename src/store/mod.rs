//! The local SQLite store: the single source of truth of the station.
//!
//! Every state change is one transaction. The database runs in WAL mode with
//! `synchronous = FULL` and foreign keys on; the schema is migrated in code
//! ([`schema`]). Opening goes through [`Store::open`] only, so encryption at
//! rest is a change in one place.

mod accounts;
pub mod audit;
pub mod blob;
mod cases;
mod desk;
mod edit;
mod erase;
mod outbox;
mod qa;
mod schema;
mod search;
pub mod state;

use crate::intake::decode::{ColourMode, FileFormat, PageEncoding, PageOrigin};
use crate::protect::crypto::Keys;
use crate::store::blob::Sha256Hex;
pub use audit::{AuditReport, CaseDocument};
pub use cases::{DocumentReport, NewDecision, RegisterVersion};
pub use desk::{BatchRow, DecisionState, DetailPage, DocumentDetail, EventRow};
pub use edit::{Edit, Edited, PageToTurn, Turned};
pub use erase::ErasePlan;
pub use outbox::{ImportOutcome, OutboxRow, Outgoing, OutgoingDocument, SyncStatus};
pub use qa::{QaBatch, QaItem};
pub use search::SearchHit;
pub use state::{BatchState, DocumentState, OutboxState, PageState, SourceState};

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("Datenbankfehler: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
        "Die Datenbank {0} lässt sich mit dem Stationsschlüssel nicht öffnen: falsche Schlüsseldatei oder beschädigte Datenbank."
    )]
    WrongKey(PathBuf),
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
    tracing::info!(db = %path.display(), "unverschlüsselte Datenbank verschlüsselt");
    Ok(())
}

/// Result type of the store.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Current time as stored (RFC 3339, UTC).
pub fn now() -> String {
    fmt_time(OffsetDateTime::now_utc())
}

/// A time as stored (RFC 3339, UTC).
pub fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .expect("RFC 3339 formatting of a valid time")
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// How files of a profile are grouped into batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// Each file is its own batch (production scanners: one stack, one file).
    PerFile,
    /// Files arriving within this time of the previous one join its batch.
    Window(Duration),
}

/// A page ready to be recorded: its image is already in the blob store.
#[derive(Debug, Clone)]
pub struct NewPage {
    /// Digest of the page image blob.
    pub sha: Sha256Hex,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Resolution, if known.
    pub dpi: Option<(f32, f32)>,
    /// Colour mode.
    pub colour: ColourMode,
    /// Encoding of the blob.
    pub encoding: PageEncoding,
    /// Scanned or rendered.
    pub origin: PageOrigin,
    /// Size of the blob in bytes.
    pub byte_size: u64,
    /// Text the file carried for this page.
    pub text: Option<String>,
}

/// A scanner file to record with its pages.
#[derive(Debug)]
pub struct NewSource<'a> {
    /// Name of the scanner profile it came through.
    pub profile: &'a str,
    /// SHA-256 of that profile's text (empty if unknown).
    pub profile_sha: &'a str,
    /// How the profile groups files.
    pub grouping: Grouping,
    /// Where the file was found.
    pub original_path: &'a Path,
    /// Digest of the whole file.
    pub sha: &'a Sha256Hex,
    /// Size in bytes.
    pub size: u64,
    /// Detected format.
    pub format: FileFormat,
    /// Its pages, in order.
    pub pages: &'a [NewPage],
}

/// What [`Store::ingest_source`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// The batch the file joined or started.
    pub batch_id: i64,
    /// The batch's stable UUID.
    pub batch_uuid: String,
    /// The new source-file row.
    pub source_id: i64,
    /// The document made of the file's pages.
    pub document_id: i64,
    /// Number of pages recorded.
    pub pages: usize,
}

/// A recorded scanner file.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    /// Row id.
    pub id: i64,
    /// Batch it belongs to.
    pub batch_id: i64,
    /// Where it was found.
    pub original_path: PathBuf,
    /// Its file name.
    pub file_name: String,
    /// Digest of the whole file.
    pub sha: Sha256Hex,
    /// Size in bytes.
    pub size: u64,
    /// Number of pages.
    pub page_count: u32,
    /// Lifecycle state.
    pub state: SourceState,
    /// When it was taken.
    pub received_at: String,
}

/// A recorded page (the columns tests and later stages need).
#[derive(Debug, Clone, PartialEq)]
pub struct PageRow {
    /// Row id.
    pub id: i64,
    /// Source file row.
    pub source_file_id: i64,
    /// 0-based index within the source file.
    pub page_index: u32,
    /// Position within the batch, 0-based.
    pub seq: u32,
    /// Digest of the page image blob.
    pub sha: Sha256Hex,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Horizontal resolution.
    pub dpi_x: Option<f64>,
    /// Colour mode name.
    pub colour: String,
    /// Encoding name.
    pub encoding: String,
    /// Text the file carried.
    pub source_text: Option<String>,
    /// State.
    pub state: PageState,
}

/// A file refused at intake, to record.
#[derive(Debug)]
pub struct NewQuarantine<'a> {
    /// Where it was found.
    pub original_path: &'a Path,
    /// Digest of what was read.
    pub sha: &'a Sha256Hex,
    /// Size in bytes.
    pub size: u64,
    /// Machine-readable reason (`unreadable`, `duplicate`, …).
    pub reason_code: &'a str,
    /// The reason in words.
    pub reason: &'a str,
    /// Where the file now lies.
    pub stored_as: &'a Path,
}

/// A quarantined file as listed by `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineRow {
    /// Row id.
    pub id: i64,
    /// SHA-256 of the file.
    pub sha: String,
    /// File name as delivered.
    pub file_name: String,
    /// Machine-readable reason.
    pub reason_code: String,
    /// Reason in words.
    pub reason: String,
    /// Where it lies now.
    pub stored_as: String,
    /// When.
    pub created_at: String,
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
            let tx = self.conn.transaction()?;
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
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Records a scanner file with all its pages, the batch it belongs to and
    /// its document, in one transaction.
    pub fn ingest_source(&mut self, new: &NewSource<'_>) -> Result<Ingested> {
        let now_t = OffsetDateTime::now_utc();
        let now = fmt_time(now_t);
        let tx = self.conn.transaction()?;
        let (batch_id, batch_uuid) = match new.grouping {
            Grouping::Window(window) => match open_batch_within(&tx, new.profile, now_t, window)? {
                Some(found) => found,
                None => new_batch(&tx, new.profile, BatchState::Open, &now)?,
            },
            Grouping::PerFile => new_batch(&tx, new.profile, BatchState::Ingested, &now)?,
        };
        tx.execute(
            "UPDATE batches SET last_file_at = ?1, updated_at = ?1 WHERE id = ?2",
            params![now, batch_id],
        )?;
        let file_name = new
            .original_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        tx.execute(
            "INSERT INTO source_files (batch_id, original_path, file_name, sha256, size, format,
                 page_count, state, received_at, updated_at, profile_sha)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, NULLIF(?10, ''))",
            params![
                batch_id,
                new.original_path.to_string_lossy(),
                file_name,
                new.sha.as_str(),
                new.size as i64,
                new.format.as_str(),
                new.pages.len() as i64,
                SourceState::InHotFolder,
                now,
                new.profile_sha
            ],
        )?;
        let source_id = tx.last_insert_rowid();
        let first_seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq) + 1, 0) FROM pages WHERE batch_id = ?1",
            [batch_id],
            |r| r.get(0),
        )?;
        let document_uuid = uuid::Uuid::new_v4().to_string();
        tx.execute(
            "INSERT INTO documents (uuid, batch_id, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            params![document_uuid, batch_id, DocumentState::Open, now],
        )?;
        let document_id = tx.last_insert_rowid();
        {
            let mut page_stmt = tx.prepare(
                "INSERT INTO pages (batch_id, source_file_id, page_index, seq, sha256, width, height,
                     dpi_x, dpi_y, colour, encoding, origin, byte_size, source_text, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )?;
            let mut link_stmt = tx.prepare(
                "INSERT INTO document_pages (document_id, page_id, position) VALUES (?1, ?2, ?3)",
            )?;
            for (i, p) in new.pages.iter().enumerate() {
                page_stmt.execute(params![
                    batch_id,
                    source_id,
                    i as i64,
                    first_seq + i as i64,
                    p.sha.as_str(),
                    p.width,
                    p.height,
                    p.dpi.map(|d| f64::from(d.0)),
                    p.dpi.map(|d| f64::from(d.1)),
                    p.colour.as_str(),
                    p.encoding.as_str(),
                    p.origin.as_str(),
                    p.byte_size as i64,
                    p.text,
                    PageState::Ingested,
                    now
                ])?;
                link_stmt.execute(params![document_id, tx.last_insert_rowid(), i as i64])?;
            }
        }
        event(
            &tx,
            "file.ingested",
            Some(batch_id),
            Some(document_id),
            // No file name in the log: names of people end up in them.
            &format!(
                "Quelldatei {source_id}: {} Seiten, {}, SHA-256 {}",
                new.pages.len(),
                new.format.as_str(),
                new.sha.short()
            ),
        )?;
        tx.commit()?;
        Ok(Ingested {
            batch_id,
            batch_uuid,
            source_id,
            document_id,
            pages: new.pages.len(),
        })
    }

    /// The recorded file with this digest, if any.
    pub fn source_by_sha(&self, sha: &Sha256Hex) -> Result<Option<SourceFile>> {
        Ok(self
            .conn
            .query_row(
                &format!("{SOURCE_COLUMNS} WHERE sha256 = ?1"),
                [sha.as_str()],
                source_row,
            )
            .optional()?)
    }

    /// Files whose hot-folder copy has not been released yet (to resume after a crash).
    pub fn unreleased_sources(&self) -> Result<Vec<SourceFile>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SOURCE_COLUMNS} WHERE state != ?1 ORDER BY id"))?;
        let rows = stmt.query_map([SourceState::Released], source_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Moves a source file one step through its lifecycle.
    pub fn advance_source(&mut self, id: i64, from: SourceState, to: SourceState) -> Result<()> {
        let transition = || StoreError::Transition {
            what: "Quelldatei",
            id,
            from: from.to_string(),
            to: to.to_string(),
        };
        if !from.can_become(to) {
            return Err(transition());
        }
        let now = now();
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE source_files SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state = ?4",
            params![to, now, id, from],
        )?;
        if n != 1 {
            return Err(transition());
        }
        let batch_id: i64 = tx.query_row(
            "SELECT batch_id FROM source_files WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        event(
            &tx,
            &format!("file.{to}"),
            Some(batch_id),
            None,
            &format!("Quelldatei {id}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records a quarantined file; `false` if the same file from the same
    /// place was recorded before (a retry after a crash).
    pub fn record_quarantine(&mut self, q: &NewQuarantine<'_>) -> Result<bool> {
        let now = now();
        let tx = self.conn.transaction()?;
        let file_name = q
            .original_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let n = tx.execute(
            "INSERT INTO quarantine (original_path, file_name, sha256, size, reason_code, reason,
                 stored_as, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (sha256, original_path) DO NOTHING",
            params![
                q.original_path.to_string_lossy(),
                file_name,
                q.sha.as_str(),
                q.size as i64,
                q.reason_code,
                q.reason,
                q.stored_as.to_string_lossy(),
                now
            ],
        )?;
        if n == 1 {
            // The log names the quarantine entry, not the file (the window
            // shows the name from the entry).
            event(
                &tx,
                &format!("file.quarantined.{}", q.reason_code),
                None,
                None,
                &format!("Quarantäne {}: {}", tx.last_insert_rowid(), q.reason),
            )?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// Closes the open batches of `profile` whose last file arrived more than
    /// `window` ago; returns their ids.
    pub fn close_expired_batches(&mut self, profile: &str, window: Duration) -> Result<Vec<i64>> {
        let now_t = OffsetDateTime::now_utc();
        let tx = self.conn.transaction()?;
        let open: Vec<(i64, String)> = {
            let mut stmt = tx.prepare(
                "SELECT id, last_file_at FROM batches WHERE profile = ?1 AND state = ?2",
            )?;
            stmt.query_map(params![profile, BatchState::Open], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        let mut closed = Vec::new();
        for (id, last) in open {
            let expired = parse_time(&last).is_none_or(|t| now_t - t >= window);
            if expired {
                close_batch(&tx, id)?;
                closed.push(id);
            }
        }
        tx.commit()?;
        Ok(closed)
    }

    /// Closes every open batch at once (e.g. `ingest` of explicit files ends).
    pub fn close_all_open_batches(&mut self) -> Result<Vec<i64>> {
        let tx = self.conn.transaction()?;
        let ids: Vec<i64> = {
            let mut stmt = tx.prepare("SELECT id FROM batches WHERE state = ?1")?;
            stmt.query_map([BatchState::Open], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for id in &ids {
            close_batch(&tx, *id)?;
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Pages of one source file, in order.
    pub fn pages_of_source(&self, source_id: i64) -> Result<Vec<PageRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, source_file_id, page_index, seq, sha256, width, height, dpi_x, colour,
                    encoding, source_text, state
             FROM pages WHERE source_file_id = ?1 ORDER BY page_index",
        )?;
        let rows = stmt.query_map([source_id], |r| {
            Ok(PageRow {
                id: r.get(0)?,
                source_file_id: r.get(1)?,
                page_index: r.get(2)?,
                seq: r.get(3)?,
                sha: Sha256Hex::parse(&r.get::<_, String>(4)?)
                    .unwrap_or_else(|| Sha256Hex::of(b"")),
                width: r.get(5)?,
                height: r.get(6)?,
                dpi_x: r.get(7)?,
                colour: r.get(8)?,
                encoding: r.get(9)?,
                source_text: r.get(10)?,
                state: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All recorded source files, oldest first.
    pub fn sources(&self) -> Result<Vec<SourceFile>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SOURCE_COLUMNS} ORDER BY id"))?;
        let rows = stmt.query_map([], source_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The state of a batch.
    pub fn batch_state(&self, batch_id: i64) -> Result<Option<BatchState>> {
        Ok(self
            .conn
            .query_row("SELECT state FROM batches WHERE id = ?1", [batch_id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Every quarantine entry, oldest first.
    pub fn quarantine_entries(&self) -> Result<Vec<QuarantineRow>> {
        self.quarantine_query("ORDER BY id", -1)
    }

    /// The file name of a quarantine entry.
    pub fn quarantine_file_name(&self, id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT file_name FROM quarantine WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn quarantine_query(&self, order: &str, limit: i64) -> Result<Vec<QuarantineRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT file_name, reason_code, reason, stored_as, created_at, id, sha256 FROM quarantine {order} LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], |r| {
            Ok(QuarantineRow {
                id: r.get(5)?,
                sha: r.get(6)?,
                file_name: r.get(0)?,
                reason_code: r.get(1)?,
                reason: r.get(2)?,
                stored_as: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Counts per state and the latest quarantine entries.
    pub fn status(&self) -> Result<StoreStatus> {
        fn counts<S: rusqlite::types::FromSql>(
            conn: &Connection,
            table: &str,
        ) -> Result<Vec<(S, u64)>> {
            let mut stmt = conn.prepare(&format!(
                "SELECT state, COUNT(*) FROM {table} GROUP BY state ORDER BY state"
            ))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        }
        let mut batches: Vec<(BatchState, u64)> = counts(&self.conn, "batches")?;
        batches.sort_by_key(|(s, _)| BatchState::ALL.iter().position(|x| x == s));
        let mut pages: Vec<(PageState, u64)> = counts(&self.conn, "pages")?;
        pages.sort_by_key(|(s, _)| PageState::ALL.iter().position(|x| x == s));
        let mut documents: Vec<(DocumentState, u64)> = counts(&self.conn, "documents")?;
        documents.sort_by_key(|(s, _)| DocumentState::ALL.iter().position(|x| x == s));
        let sources_pending = self.conn.query_row(
            "SELECT COUNT(*) FROM source_files WHERE state != ?1",
            [SourceState::Released],
            |r| r.get::<_, i64>(0),
        )? as u64;
        let quarantined = self
            .conn
            .query_row("SELECT COUNT(*) FROM quarantine", [], |r| {
                r.get::<_, i64>(0)
            })? as u64;
        Ok(StoreStatus {
            batches,
            pages,
            documents,
            sources_pending,
            quarantined,
            recent_quarantine: self.quarantine_query("ORDER BY id DESC", 10)?,
        })
    }

    /// Runs SQLite's own consistency checks (integrity and foreign keys).
    pub fn check_integrity(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let row = row?;
            if row != "ok" {
                problems.push(row);
            }
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            problems.push(format!("foreign key violation in {}", row?));
        }
        Ok(problems)
    }

    /// Direct read access for reports and tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// What the search index cannot fold itself: ß is searched as ss
/// (umlauts and accents are folded by the tokenizer).
const SOURCE_COLUMNS: &str = "SELECT id, batch_id, original_path, file_name, sha256, size, page_count, state, received_at FROM source_files";

fn source_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SourceFile> {
    let sha: String = r.get(4)?;
    Ok(SourceFile {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        original_path: PathBuf::from(r.get::<_, String>(2)?),
        file_name: r.get(3)?,
        sha: Sha256Hex::parse(&sha).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                4,
                rusqlite::types::Type::Text,
                format!("bad sha256 {sha:?}").into(),
            )
        })?,
        size: r.get::<_, i64>(5)? as u64,
        page_count: r.get(6)?,
        state: r.get(7)?,
        received_at: r.get(8)?,
    })
}

fn new_batch(
    tx: &Transaction<'_>,
    profile: &str,
    state: BatchState,
    now: &str,
) -> Result<(i64, String)> {
    let uuid = uuid::Uuid::new_v4().to_string();
    let closed_at = (state != BatchState::Open).then_some(now);
    tx.execute(
        "INSERT INTO batches (uuid, profile, state, created_at, last_file_at, closed_at, updated_at,
                              scanned_by)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?4, (SELECT user FROM station_operator WHERE id = 1))",
        params![uuid, profile, state, now, closed_at],
    )?;
    let id = tx.last_insert_rowid();
    event(
        tx,
        "batch.created",
        Some(id),
        None,
        &format!("Profil {profile}"),
    )?;
    Ok((id, uuid))
}

fn open_batch_within(
    tx: &Transaction<'_>,
    profile: &str,
    now: OffsetDateTime,
    window: Duration,
) -> Result<Option<(i64, String)>> {
    let found: Option<(i64, String, String)> = tx
        .query_row(
            "SELECT id, uuid, last_file_at FROM batches WHERE profile = ?1 AND state = ?2
             ORDER BY id DESC LIMIT 1",
            params![profile, BatchState::Open],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(found.and_then(|(id, uuid, last)| {
        parse_time(&last)
            .is_some_and(|t| now - t < window)
            .then_some((id, uuid))
    }))
}

fn close_batch(tx: &Transaction<'_>, id: i64) -> Result<()> {
    let now = now();
    let n = tx.execute(
        "UPDATE batches SET state = ?1, closed_at = ?2, updated_at = ?2 WHERE id = ?3 AND state = ?4",
        params![BatchState::Ingested, now, id, BatchState::Open],
    )?;
    if n != 1 {
        return Err(StoreError::Transition {
            what: "Stapel",
            id,
            from: BatchState::Open.to_string(),
            to: BatchState::Ingested.to_string(),
        });
    }
    event(tx, "batch.closed", Some(id), None, "")
}

/// Forgets what the pages chosen by `pages` (a subquery on `?1 = arg`)
/// say: OCR text and words, full-text entries, barcode texts, the text their
/// file carried, and their scanner files' names (hashes stay). Shared by the
/// purge after the DMS's import and the erasure of a case.
fn forget_pages(tx: &Transaction<'_>, pages: &str, arg: &dyn rusqlite::ToSql) -> Result<()> {
    for sql in [
        format!("DELETE FROM page_fts WHERE rowid IN ({pages})"),
        format!("UPDATE page_ocr SET text = '', words = '' WHERE page_id IN ({pages})"),
        format!("DELETE FROM page_barcodes WHERE page_id IN ({pages})"),
        format!("UPDATE pages SET source_text = NULL WHERE id IN ({pages})"),
        // File names may name people.
        format!(
            "UPDATE source_files SET file_name = '(gelöscht)', original_path = ''
             WHERE id IN (SELECT source_file_id FROM pages WHERE id IN ({pages}))"
        ),
    ] {
        tx.execute(&sql, [arg])?;
    }
    Ok(())
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
fn event(
    tx: &Transaction<'_>,
    kind: &str,
    batch_id: Option<i64>,
    document_id: Option<i64>,
    detail: &str,
) -> Result<()> {
    audit::append(tx, kind, batch_id, document_id, detail)
}

/// The preparation result of one page, to record.
#[derive(Debug, Clone)]
pub struct NewPrep<'a> {
    /// The page.
    pub page_id: i64,
    /// Digest of the page image analysed (the raw page).
    pub page_sha: &'a Sha256Hex,
    /// Digest of the thumbnail blob.
    pub thumb_sha: &'a Sha256Hex,
    /// The analysis.
    pub analysis: &'a crate::prepare::imaging::Analysis,
    /// Parameters used, for the transformation record.
    pub params: String,
    /// Barcodes read on the page.
    pub barcodes: &'a [crate::prepare::separation::Barcode],
    /// Clockwise quarter turn applied (0, 90, 180, 270).
    pub rotation: u16,
    /// Measured skew in degrees, if any.
    pub skew: Option<f32>,
    /// The prepared page (turned, straightened, smoothed), if it differs from the raw one.
    pub prepared: Option<&'a Sha256Hex>,
    /// Whether a 3×3 median filter smoothed it (grainy page).
    pub denoised: bool,
}

/// The OCR result of one page, to record.
#[derive(Debug, Clone)]
pub struct NewOcr<'a> {
    /// The page.
    pub page_id: i64,
    /// The recognised page.
    pub ocr: &'a crate::ocr::OcrPage,
    /// The page had to be turned to be read (recorded with the reading).
    pub turned: Option<&'a OcrTurn>,
}

/// A page turned by the recognition stage: it read only upright after this
/// quarter turn.
#[derive(Debug, Clone)]
pub struct OcrTurn {
    /// Quarter turn, clockwise (90, 180, 270).
    pub clockwise: u16,
    /// The turned page image.
    pub after: Sha256Hex,
    /// Its thumbnail.
    pub thumb: Sha256Hex,
}

/// A page waiting for a pipeline step.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingPage {
    /// The page.
    pub page_id: i64,
    /// Its image blob: the prepared (deskewed) image once there is one, else the raw page.
    pub sha: Sha256Hex,
    /// How the blob is encoded.
    pub encoding: String,
    /// Resolution, if known.
    pub dpi: Option<f64>,
    /// Text the file carried (born-digital PDFs).
    pub source_text: Option<String>,
}

impl Store {
    /// Batches in a state, oldest first.
    pub fn batches_in_state(&self, state: BatchState) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM batches WHERE state = ?1 ORDER BY id")?;
        let rows = stmt.query_map([state], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Pages of a batch in a state, in batch order.
    pub fn pages_in_state(&self, batch_id: i64, state: PageState) -> Result<Vec<PendingPage>> {
        let mut stmt = self.conn.prepare(
            "SELECT p.id, COALESCE(pp.prepared_sha, p.sha256),
                    CASE WHEN pp.prepared_sha IS NULL THEN p.encoding ELSE 'png' END,
                    p.dpi_x, p.source_text
             FROM pages p LEFT JOIN page_prep pp ON pp.page_id = p.id
             WHERE p.batch_id = ?1 AND p.state = ?2 ORDER BY p.seq",
        )?;
        let rows = stmt.query_map(params![batch_id, state], |r| {
            let sha: String = r.get(1)?;
            Ok(PendingPage {
                page_id: r.get(0)?,
                sha: Sha256Hex::parse(&sha).unwrap_or_else(|| Sha256Hex::of(b"")),
                encoding: r.get(2)?,
                dpi: r.get(3)?,
                source_text: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Moves a batch one step; fails if it is not in `from`.
    pub fn advance_batch(&mut self, batch_id: i64, from: BatchState, to: BatchState) -> Result<()> {
        let transition = || StoreError::Transition {
            what: "Stapel",
            id: batch_id,
            from: from.to_string(),
            to: to.to_string(),
        };
        if !from.can_become(to) {
            return Err(transition());
        }
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE batches SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state = ?4",
            params![to, now(), batch_id, from],
        )?;
        if n != 1 {
            return Err(transition());
        }
        event(&tx, &format!("batch.{to}"), Some(batch_id), None, "")?;
        tx.commit()?;
        Ok(())
    }

    /// Records a page's preparation: analysis, thumbnail, transformation
    /// record, and its new state (`prepared`, or `blank`, which also takes
    /// it out of its document) — one transaction.
    pub fn record_prep(&mut self, prep: &NewPrep<'_>) -> Result<PageState> {
        let now = now();
        let a = prep.analysis;
        let to = if a.blank {
            PageState::Blank
        } else {
            PageState::Prepared
        };
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE pages SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state = ?4",
            params![to, now, prep.page_id, PageState::Ingested],
        )?;
        if n != 1 {
            return Err(StoreError::Transition {
                what: "Seite",
                id: prep.page_id,
                from: PageState::Ingested.to_string(),
                to: to.to_string(),
            });
        }
        let flags: Vec<&str> = a.flags.iter().map(|f| f.code()).collect();
        tx.execute(
            "INSERT INTO page_prep (page_id, thumb_sha, ink, blank, mean, contrast, flags, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                prep.page_id,
                prep.thumb_sha.as_str(),
                a.ink,
                a.blank,
                a.mean,
                a.contrast,
                flags.join(","),
                now
            ],
        )?;
        let mut t = tx.prepare(
            "INSERT INTO page_transforms (page_id, step, params, sha_before, sha_after, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        t.execute(params![
            prep.page_id,
            "analyse",
            prep.params,
            prep.page_sha.as_str(),
            None::<String>,
            now
        ])?;
        t.execute(params![
            prep.page_id,
            "thumbnail",
            "jpeg",
            prep.page_sha.as_str(),
            prep.thumb_sha.as_str(),
            now
        ])?;
        if let Some(after) = prep.prepared {
            t.execute(params![
                prep.page_id,
                "orient_deskew",
                format!(
                    "rotate_cw={} deskew={:.2} bilinear{}",
                    prep.rotation,
                    prep.skew.unwrap_or(0.0),
                    if prep.denoised { " median3x3" } else { "" }
                ),
                prep.page_sha.as_str(),
                after.as_str(),
                now
            ])?;
        }
        drop(t);
        tx.execute(
            "UPDATE page_prep SET rotation = ?1, skew = ?2, prepared_sha = ?3 WHERE page_id = ?4",
            params![
                prep.rotation,
                prep.skew,
                prep.prepared.map(|s| s.as_str().to_owned()),
                prep.page_id
            ],
        )?;
        for b in prep.barcodes {
            tx.execute(
                "INSERT INTO page_barcodes (page_id, format, text) VALUES (?1, ?2, ?3)",
                params![prep.page_id, b.format, b.text],
            )?;
        }
        if a.blank {
            tx.execute(
                "DELETE FROM document_pages WHERE page_id = ?1",
                [prep.page_id],
            )?;
        }
        tx.commit()?;
        Ok(to)
    }

    /// Records a page's OCR result, makes it searchable and marks it `recognized`.
    pub fn record_ocr(&mut self, rec: &NewOcr<'_>) -> Result<()> {
        let now = now();
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE pages SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state = ?4",
            params![PageState::Recognized, now, rec.page_id, PageState::Prepared],
        )?;
        if n != 1 {
            return Err(StoreError::Transition {
                what: "Seite",
                id: rec.page_id,
                from: PageState::Prepared.to_string(),
                to: PageState::Recognized.to_string(),
            });
        }
        if let Some(turn) = rec.turned {
            let before: Option<String> = tx
                .query_row(
                    "SELECT COALESCE(pp.prepared_sha, p.sha256) FROM pages p
                     LEFT JOIN page_prep pp ON pp.page_id = p.id WHERE p.id = ?1",
                    [rec.page_id],
                    |r| r.get(0),
                )
                .optional()?;
            edit::record_turn(
                &tx,
                "ocr_orientation",
                rec.page_id,
                turn.clockwise,
                &before.unwrap_or_default(),
                turn.after.as_str(),
                turn.thumb.as_str(),
                &now,
            )?;
        }
        let o = rec.ocr;
        tx.execute(
            "INSERT INTO page_ocr (page_id, text, words, mean_conf, languages, engine, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                rec.page_id,
                o.text,
                crate::ocr::encode_words(&o.words),
                o.mean_conf,
                o.languages,
                o.engine,
                now
            ],
        )?;
        let source_text: Option<String> = tx.query_row(
            "SELECT source_text FROM pages WHERE id = ?1",
            [rec.page_id],
            |r| r.get(0),
        )?;
        search::index_page(&tx, rec.page_id, &o.text, source_text.as_deref())?;
        tx.commit()?;
        Ok(())
    }

    /// The resolution a page was scanned at, if known.
    pub fn page_dpi(&self, page_id: i64) -> Result<Option<f64>> {
        Ok(self
            .conn
            .query_row("SELECT dpi_x FROM pages WHERE id = ?1", [page_id], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    /// The OCR text of a page, if recognised.
    pub fn ocr_text(&self, page_id: i64) -> Result<Option<(String, f64)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT text, mean_conf FROM page_ocr WHERE page_id = ?1",
                [page_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Quality flags and blank marks of the pages of a batch, for reports.
    pub fn prep_flags(&self, batch_id: i64) -> Result<Vec<(i64, bool, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT p.id, pp.blank, pp.flags FROM page_prep pp JOIN pages p ON p.id = pp.page_id
             WHERE p.batch_id = ?1 ORDER BY p.seq",
        )?;
        let rows = stmt.query_map([batch_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Store {
    /// The profile a batch came through.
    pub fn batch_profile(&self, batch_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT profile FROM batches WHERE id = ?1",
                [batch_id],
                |r| r.get(0),
            )
            .optional()?)
    }
}

/// A document as listed for reports and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    /// Row id.
    pub id: i64,
    /// State.
    pub state: DocumentState,
    /// Case, if assigned.
    pub case_bg: Option<String>,
    /// Type, if assigned.
    pub doc_type: Option<String>,
    /// Expected pages (from a cover sheet).
    pub expected_pages: Option<u32>,
    /// Flags (comma-separated codes).
    pub flags: String,
    /// Archive serial number, if an ASN barcode gave one.
    pub asn: Option<i64>,
    /// Its pages, in order.
    pub pages: Vec<i64>,
}

impl Store {
    /// The pages of a batch as the separation planner needs them: every
    /// prepared (or already recognised), separator or blank page, in batch
    /// order, with its barcodes.
    pub fn plan_pages(&self, batch_id: i64) -> Result<Vec<crate::prepare::separation::PlanPage>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, source_file_id, state FROM pages
             WHERE batch_id = ?1 AND state IN ('prepared', 'recognized', 'separator', 'blank') ORDER BY seq",
        )?;
        let rows: Vec<(i64, i64, PageState)> = stmt
            .query_map([batch_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut codes = self
            .conn
            .prepare("SELECT format, text FROM page_barcodes WHERE page_id = ?1 ORDER BY id")?;
        rows.into_iter()
            .map(|(id, src, state)| {
                let barcodes = codes
                    .query_map([id], |r| {
                        Ok(crate::prepare::separation::Barcode {
                            format: r.get(0)?,
                            text: r.get(1)?,
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(crate::prepare::separation::PlanPage {
                    page_id: id,
                    source_file_id: src,
                    blank: state == PageState::Blank,
                    barcodes,
                })
            })
            .collect()
    }

    /// Replaces a batch's provisional documents by the planned ones, marks
    /// separator pages, flags page-count mismatches and moves the batch to
    /// `prepared` — one transaction, so a crash leaves the old or the new.
    pub fn apply_plan(
        &mut self,
        batch_id: i64,
        plan: &crate::prepare::separation::Plan,
    ) -> Result<()> {
        let now = now();
        let tx = self.conn.transaction()?;
        let open_docs: i64 = tx.query_row(
            "SELECT COUNT(*) FROM documents WHERE batch_id = ?1 AND state != ?2",
            params![batch_id, DocumentState::Open],
            |r| r.get(0),
        )?;
        if open_docs > 0 {
            return Err(StoreError::Transition {
                what: "Stapel",
                id: batch_id,
                from: "Dokumente bereits bearbeitet".into(),
                to: "neu getrennt".into(),
            });
        }
        tx.execute(
            "DELETE FROM document_pages WHERE document_id IN (SELECT id FROM documents WHERE batch_id = ?1)",
            [batch_id],
        )?;
        tx.execute("DELETE FROM documents WHERE batch_id = ?1", [batch_id])?;
        for id in &plan.separators {
            tx.execute(
                "UPDATE pages SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state IN ('prepared', 'separator')",
                params![PageState::Separator, now, id],
            )?;
        }
        let mut batch_flags = Vec::new();
        for doc in &plan.documents {
            let cover = doc.cover.as_ref();
            let expected = cover.and_then(|c| c.pages);
            let mismatch = expected.is_some_and(|n| n as usize != doc.pages.len());
            if mismatch {
                batch_flags.push("page_count_mismatch");
            }
            tx.execute(
                "INSERT INTO documents (uuid, batch_id, state, case_bg, doc_type, expected_pages, flags,
                     asn, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?8, ?8)",
                params![
                    uuid::Uuid::new_v4().to_string(),
                    batch_id,
                    DocumentState::Open,
                    cover.map(|c| c.bg.clone()),
                    cover.and_then(|c| c.doc_type.clone()),
                    expected,
                    if mismatch { "page_count_mismatch" } else { "" },
                    now,
                    doc.asn.and_then(|a| i64::try_from(a).ok()),
                ],
            )?;
            let doc_id = tx.last_insert_rowid();
            for (pos, page) in doc.pages.iter().enumerate() {
                tx.execute(
                    "INSERT INTO document_pages (document_id, page_id, position) VALUES (?1, ?2, ?3)",
                    params![doc_id, page, pos as i64],
                )?;
            }
            if mismatch {
                event(
                    &tx,
                    "document.page_count_mismatch",
                    Some(batch_id),
                    Some(doc_id),
                    &format!(
                        "Deckblatt: {} Seiten erwartet, {} gescannt",
                        expected.unwrap_or(0),
                        doc.pages.len()
                    ),
                )?;
            }
        }
        batch_flags.dedup();
        let n = tx.execute(
            "UPDATE batches SET state = ?1, flags = ?2, updated_at = ?3 WHERE id = ?4 AND state = ?5",
            params![BatchState::Prepared, batch_flags.join(","), now, batch_id, BatchState::Ingested],
        )?;
        if n != 1 {
            return Err(StoreError::Transition {
                what: "Stapel",
                id: batch_id,
                from: BatchState::Ingested.to_string(),
                to: BatchState::Prepared.to_string(),
            });
        }
        event(
            &tx,
            "batch.prepared",
            Some(batch_id),
            None,
            &format!(
                "{} Dokument(e), {} Trennblatt/Deckblatt",
                plan.documents.len(),
                plan.separators.len()
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The documents of a batch with their pages.
    pub fn documents_of_batch(&self, batch_id: i64) -> Result<Vec<DocumentRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, state, case_bg, doc_type, expected_pages, flags, asn FROM documents
             WHERE batch_id = ?1 ORDER BY id",
        )?;
        let docs: Vec<DocumentRow> = stmt
            .query_map([batch_id], |r| {
                Ok(DocumentRow {
                    id: r.get(0)?,
                    state: r.get(1)?,
                    case_bg: r.get(2)?,
                    doc_type: r.get(3)?,
                    expected_pages: r.get(4)?,
                    flags: r.get(5)?,
                    asn: r.get(6)?,
                    pages: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut pages = self.conn.prepare(
            "SELECT page_id FROM document_pages WHERE document_id = ?1 ORDER BY position",
        )?;
        docs.into_iter()
            .map(|mut d| {
                d.pages = pages
                    .query_map([d.id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(d)
            })
            .collect()
    }
}

/// A page of a document as the PDF writer needs it.
#[derive(Debug, Clone)]
pub struct DocumentPage {
    /// The page image blob (prepared if there is one).
    pub sha: Sha256Hex,
    /// Its encoding name.
    pub encoding: String,
    /// Resolution.
    pub dpi: Option<f64>,
    /// OCR words (encoded, see [`crate::ocr::encode_words`]).
    pub words: String,
}

impl Store {
    /// The pages of a document in order, with their prepared images and words.
    pub fn document_pages(&self, document_id: i64) -> Result<Vec<DocumentPage>> {
        let mut stmt = self.conn.prepare(
            "SELECT COALESCE(pp.prepared_sha, p.sha256),
                    CASE WHEN pp.prepared_sha IS NULL THEN p.encoding ELSE 'png' END,
                    p.dpi_x, COALESCE(o.words, '')
             FROM document_pages dp JOIN pages p ON p.id = dp.page_id
             LEFT JOIN page_prep pp ON pp.page_id = p.id
             LEFT JOIN page_ocr o ON o.page_id = p.id
             WHERE dp.document_id = ?1 ORDER BY dp.position",
        )?;
        let rows = stmt.query_map([document_id], |r| {
            let sha: String = r.get(0)?;
            Ok(DocumentPage {
                sha: Sha256Hex::parse(&sha).unwrap_or_else(|| Sha256Hex::of(b"")),
                encoding: r.get(1)?,
                dpi: r.get(2)?,
                words: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records the PDF/A of a document.
    pub fn set_document_pdf(&mut self, document_id: i64, pdf: &Sha256Hex) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE documents SET pdf_sha = ?1, updated_at = ?2 WHERE id = ?3",
            params![pdf.as_str(), now(), document_id],
        )?;
        event(
            &tx,
            "document.pdf",
            None,
            Some(document_id),
            &format!("PDF/A-2b {}", pdf.short()),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The PDF/A blob of a document, if written.
    pub fn document_pdf(&self, document_id: i64) -> Result<Option<Sha256Hex>> {
        let s: Option<String> = self
            .conn
            .query_row(
                "SELECT pdf_sha FROM documents WHERE id = ?1",
                [document_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(s.and_then(|s| Sha256Hex::parse(&s)))
    }
}
