//! The database's own health: a check of the file and of every blob it
//! refers to, an online backup (consistent while the station works) and
//! what a restore needs to know about a backup before it replaces the
//! database.

use super::{
    BatchState, DocumentState, PageState, Result, SourceState, Store, StoreError, StoreStatus,
};
use crate::store::blob::{BlobStore, Sha256Hex};
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// What [`Store::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthReport {
    /// Blob references checked.
    pub blobs: u64,
    /// Every problem, in words (empty: healthy).
    pub problems: Vec<String>,
}

impl HealthReport {
    /// Whether nothing is wrong.
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Every blob the database refers to, with what refers to it (only blobs
/// whose local copy must still be there: purged batches have none).
const BLOB_REFERENCES: &str = "
    SELECT p.sha256, 'Seite ' || p.id FROM pages p JOIN batches b ON b.id = p.batch_id
     WHERE b.state != 'purged'
    UNION ALL
    SELECT pp.prepared_sha, 'aufbereitete Seite ' || pp.page_id FROM page_prep pp
     JOIN pages p ON p.id = pp.page_id JOIN batches b ON b.id = p.batch_id
     WHERE pp.prepared_sha IS NOT NULL AND b.state != 'purged'
    UNION ALL
    SELECT s.sha256, 'Originaldatei ' || s.id FROM source_files s
     JOIN batches b ON b.id = s.batch_id
     WHERE s.state IN ('archived', 'released') AND b.state != 'purged'
    UNION ALL
    SELECT d.pdf_sha, 'PDF von Dokument ' || d.id FROM documents d
     JOIN batches b ON b.id = d.batch_id
     WHERE d.pdf_sha IS NOT NULL AND b.state != 'purged'";

impl Store {
    /// Checks the database file (SQLite's integrity and foreign-key checks)
    /// and that every blob it refers to is in `blobs` — with `full`, also
    /// that each one is whole (read and its digest compared).
    pub fn check(&self, blobs: &BlobStore, full: bool) -> Result<HealthReport> {
        let mut report = HealthReport::default();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if lines != ["ok"] {
            report.problems.extend(
                lines
                    .into_iter()
                    .take(20)
                    .map(|l| format!("Datenbankdatei beschädigt: {l}")),
            );
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        let dangling: Vec<(String, i64)> = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0)))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (table, row) in dangling.iter().take(20) {
            report
                .problems
                .push(format!("Tabelle {table}, Zeile {row}: Verweis ins Leere"));
        }
        let mut stmt = self.conn.prepare(BLOB_REFERENCES)?;
        let refs: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (sha, what) in refs {
            report.blobs += 1;
            let Some(sha) = Sha256Hex::parse(&sha) else {
                report.problems.push(format!("{what}: ungültiger Verweis"));
                continue;
            };
            if !blobs.contains(&sha) {
                report
                    .problems
                    .push(format!("{what}: Datei {} fehlt in der Ablage", sha.short()));
            } else if full && blobs.get(&sha).is_err() {
                report.problems.push(format!(
                    "{what}: Datei {} in der Ablage beschädigt oder unvollständig",
                    sha.short()
                ));
            }
        }
        Ok(report)
    }

    /// Writes a consistent copy of the database to `dest` while the
    /// station may go on working (SQLite's online backup, encrypted with
    /// the same key), then checks the copy. `dest` must not exist.
    pub fn backup_to(&self, dest: &Path, keys: &crate::protect::crypto::Keys) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Refused(format!(
                "{} gibt es schon: die Sicherung überschreibt nichts",
                dest.display()
            )));
        }
        let mut copy = Connection::open(dest)?;
        copy.pragma_update(None, "cipher_log_level", "NONE")?;
        copy.pragma_update(None, "key", keys.db_pragma())?;
        {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy)?;
            backup.run_to_completion(256, Duration::from_millis(5), None)?;
        }
        let ok: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        drop(copy);
        if ok != "ok" {
            let _ = std::fs::remove_file(dest);
            return Err(StoreError::Refused(format!(
                "die Sicherung ist nicht in Ordnung ({ok}) und wurde verworfen"
            )));
        }
        crate::fsutil::sync_file_and_dir(dest)
            .map_err(|e| StoreError::Refused(format!("Sicherung nicht dauerhaft: {e}")))?;
        Ok(())
    }
}

/// Checks that `backup` is a station database this key opens and that it is
/// whole; returns its schema version.
pub(crate) fn check_backup(backup: &Path, keys: &crate::protect::crypto::Keys) -> Result<i64> {
    let conn = Connection::open_with_flags(backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.pragma_update(None, "cipher_log_level", "NONE")?;
    conn.pragma_update(None, "key", keys.db_pragma())?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|_| StoreError::WrongKey(backup.to_owned()))?;
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(StoreError::Refused(format!(
            "{} ist beschädigt ({ok})",
            backup.display()
        )));
    }
    let batches: rusqlite::Result<i64> =
        conn.query_row("SELECT COUNT(*) FROM batches", [], |r| r.get(0));
    if batches.is_err() {
        return Err(StoreError::Refused(format!(
            "{} ist keine Datenbank einer Scanstelle",
            backup.display()
        )));
    }
    Ok(version)
}

impl Store {
    /// A number that changes whenever another connection committed a
    /// change (SQLite's `data_version`; microseconds to read): the window
    /// asks it often and reads the inbox only when it moved.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Counts per state and the latest quarantine entries.
    pub fn status(&self) -> Result<StoreStatus> {
        // Kept by triggers (migration 26): no table is counted here.
        fn counts<S: rusqlite::types::FromSql>(
            conn: &Connection,
            table: &str,
        ) -> Result<Vec<(S, u64)>> {
            let mut stmt = conn.prepare_cached(
                "SELECT state, n FROM state_counts WHERE tbl = ?1 AND n > 0 ORDER BY state",
            )?;
            let rows = stmt.query_map([table], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
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
        let quarantined = self.conn.query_row(
            "SELECT COUNT(*) FROM quarantine WHERE requeued_at IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64;
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
        // The counters of `status` against the tables they count.
        for table in ["batches", "pages", "documents"] {
            let drift: i64 = self.conn.query_row(
                &format!(
                    "SELECT COUNT(*) FROM (
                         SELECT state, COUNT(*) AS n FROM {table} GROUP BY state
                         EXCEPT SELECT state, n FROM state_counts WHERE tbl = ?1 AND n > 0)"
                ),
                [table],
                |r| r.get(0),
            )?;
            let stale: i64 = self.conn.query_row(
                &format!(
                    "SELECT COUNT(*) FROM state_counts c WHERE c.tbl = ?1 AND c.n !=
                         (SELECT COUNT(*) FROM {table} t WHERE t.state = c.state)"
                ),
                [table],
                |r| r.get(0),
            )?;
            if drift + stale > 0 {
                problems.push(format!("state counts of {table} differ from the table"));
            }
        }
        Ok(problems)
    }
}
