//! The audit trail: the events table is append-only and every entry is
//! chained to the one before by SHA-256 (`hash` = SHA-256 of the previous
//! hash and the entry's fields). `audit_head` holds the newest entry's id
//! and hash, written in the same transaction, so removing entries at the
//! end shows too. Triggers refuse changes and deletions of sealed entries.
//!
//! [`Store::verify_audit`] walks the chain and names every entry that was
//! changed, removed or moved. The chain proves the log was not edited
//! within the database; an anchor outside it (e.g. the head hash sent to
//! the DMS or a log server) would also catch a rewrite of the whole chain.

use super::{Result, Store, Transaction, now};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry's fields as hashed.
struct Entry<'a> {
    id: i64,
    at: &'a str,
    kind: &'a str,
    batch_id: Option<i64>,
    document_id: Option<i64>,
    page_id: Option<i64>,
    actor: Option<&'a str>,
    detail: &'a str,
}

/// The columns [`StoredEntry::read`] reads, in its order (then `hash`).
const ENTRY_COLUMNS: &str = "id, at, kind, batch_id, document_id, page_id, actor, detail, hash";

/// An entry as read from the table, with its stored hash.
struct StoredEntry {
    id: i64,
    at: String,
    kind: String,
    batch_id: Option<i64>,
    document_id: Option<i64>,
    page_id: Option<i64>,
    actor: Option<String>,
    detail: String,
    hash: Option<String>,
}

impl StoredEntry {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(StoredEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            kind: r.get(2)?,
            batch_id: r.get(3)?,
            document_id: r.get(4)?,
            page_id: r.get(5)?,
            actor: r.get(6)?,
            detail: r.get(7)?,
            hash: r.get(8)?,
        })
    }

    fn entry(&self) -> Entry<'_> {
        Entry {
            id: self.id,
            at: &self.at,
            kind: &self.kind,
            batch_id: self.batch_id,
            document_id: self.document_id,
            page_id: self.page_id,
            actor: self.actor.as_deref(),
            detail: &self.detail,
        }
    }
}

/// SHA-256 of the previous hash and the fields, each length-prefixed (no
/// two different entries encode alike).
fn entry_hash(prev: &str, e: &Entry<'_>) -> String {
    let mut h = Sha256::new();
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for field in [
        prev,
        &e.id.to_string(),
        e.at,
        e.kind,
        &opt(e.batch_id),
        &opt(e.document_id),
        &opt(e.page_id),
        e.actor.unwrap_or(""),
        e.detail,
    ] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an entry and seals it into the chain (same transaction).
pub(super) fn append(
    tx: &Transaction<'_>,
    kind: &str,
    batch_id: Option<i64>,
    document_id: Option<i64>,
    detail: &str,
) -> Result<()> {
    let at = now();
    // Who acts through this connection (see `Store::set_actor`).
    let actor: Option<String> = tx
        .query_row("SELECT actor FROM temp.session_actor LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    tx.execute(
        "INSERT INTO events (at, kind, batch_id, document_id, detail, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at, kind, batch_id, document_id, detail, actor],
    )?;
    let id = tx.last_insert_rowid();
    let prev: String = tx
        .query_row("SELECT hash FROM audit_head WHERE id = 1", [], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| GENESIS.to_owned());
    let hash = entry_hash(
        &prev,
        &Entry {
            id,
            at: &at,
            kind,
            batch_id,
            document_id,
            page_id: None,
            actor: actor.as_deref(),
            detail,
        },
    );
    tx.execute(
        "UPDATE events SET hash = ?1 WHERE id = ?2",
        params![hash, id],
    )?;
    tx.execute(
        "INSERT INTO audit_head (id, last_id, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash",
        params![id, hash],
    )?;
    Ok(())
}

/// Seals the entries written before the chain existed (migration 11), in
/// id order, and records the head.
pub(super) fn seal_existing(tx: &Transaction<'_>) -> Result<()> {
    let mut prev = GENESIS.to_owned();
    let mut last = 0i64;
    {
        let mut stmt = tx.prepare(&format!("SELECT {ENTRY_COLUMNS} FROM events ORDER BY id"))?;
        let mut rows = stmt.query([])?;
        let mut update = tx.prepare("UPDATE events SET hash = ?1 WHERE id = ?2")?;
        while let Some(r) = rows.next()? {
            let stored = StoredEntry::read(r)?;
            let e = stored.entry();
            prev = entry_hash(&prev, &e);
            last = e.id;
            update.execute(params![prev, e.id])?;
        }
    }
    if last > 0 {
        tx.execute(
            "INSERT INTO audit_head (id, last_id, hash) VALUES (1, ?1, ?2)",
            params![last, prev],
        )?;
    }
    Ok(())
}

/// What a walk along the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries checked.
    pub entries: u64,
    /// The newest entry's hash.
    pub head: String,
    /// Every problem found, in words (empty: the log is intact).
    pub problems: Vec<String>,
}

impl AuditReport {
    /// Whether the log is intact.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Store {
    /// Walks the audit chain: every entry's hash is recomputed from the one
    /// before; gaps in the ids, a changed or moved entry and entries missing
    /// at the end (against `audit_head`) are named.
    pub fn verify_audit(&self) -> Result<AuditReport> {
        let mut problems = Vec::new();
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {ENTRY_COLUMNS} FROM events ORDER BY id"))?;
        let mut rows = stmt.query([])?;
        let mut prev = GENESIS.to_owned();
        let mut expected_id = 1i64;
        let mut entries = 0u64;
        while let Some(r) = rows.next()? {
            let row = StoredEntry::read(r)?;
            let e = row.entry();
            let stored = row.hash.clone();
            entries += 1;
            let gap = e.id != expected_id;
            if gap {
                problems.push(if e.id > expected_id {
                    format!(
                        "Einträge {expected_id} bis {} fehlen (gelöscht); Eintrag {} danach lässt sich nicht gegen seinen Vorgänger prüfen",
                        e.id - 1,
                        e.id
                    )
                } else {
                    format!("Eintrag {} steht nicht an seinem Platz", e.id)
                });
            }
            expected_id = e.id + 1;
            let computed = entry_hash(&prev, &e);
            match stored.as_deref() {
                Some(s) if s == computed => {}
                // After a gap the mismatch is the gap's doing.
                Some(_) if gap => {}
                Some(_) => problems.push(format!(
                    "Eintrag {} ({}, {}) wurde verändert oder umgestellt",
                    e.id, e.at, e.kind
                )),
                None => problems.push(format!("Eintrag {} ist nicht versiegelt", e.id)),
            }
            // Go on from what is stored, so one change is reported once.
            prev = stored.unwrap_or(computed);
        }
        let head: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT last_id, hash FROM audit_head WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match head {
            Some((last, hash)) if last != expected_id - 1 || hash != prev => {
                problems.push(if last > expected_id - 1 {
                    format!(
                        "die letzten Einträge fehlen: das Protokoll endete bei Eintrag {last}, jetzt bei {}",
                        expected_id - 1
                    )
                } else if last == expected_id - 1 {
                    format!("das Protokollende (Eintrag {last}) wurde verändert")
                } else {
                    format!(
                        "das Protokollende stimmt nicht: Eintrag {last} verzeichnet, {} gefunden",
                        expected_id - 1
                    )
                });
            }
            None if entries > 0 => problems.push("Protokollende nicht verzeichnet".into()),
            _ => {}
        }
        Ok(AuditReport {
            entries,
            head: prev,
            problems,
        })
    }
}

/// An entry of the chain as it leaves the station (the 0623's file: one
/// JSON line per entry) and as a copy comes back for comparison.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainEntry {
    /// Its number.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// What kind of event.
    pub kind: String,
    /// The batch it concerns.
    pub batch_id: Option<i64>,
    /// The document it concerns.
    pub document_id: Option<i64>,
    /// The page it concerns.
    pub page_id: Option<i64>,
    /// Who acted (none: the station).
    pub actor: Option<String>,
    /// What happened, in words.
    pub detail: String,
    /// Its hash in the chain.
    pub hash: String,
}

/// The entries `first..=last` of the chain, in order.
pub(super) fn chain_entries(
    conn: &rusqlite::Connection,
    first: i64,
    last: i64,
) -> Result<Vec<ChainEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ENTRY_COLUMNS} FROM events WHERE id BETWEEN ?1 AND ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map([first, last], StoredEntry::read)?;
    let mut out = Vec::new();
    for r in rows {
        let e = r?;
        out.push(ChainEntry {
            id: e.id,
            at: e.at,
            kind: e.kind,
            batch_id: e.batch_id,
            document_id: e.document_id,
            page_id: e.page_id,
            actor: e.actor,
            detail: e.detail,
            hash: e.hash.unwrap_or_default(),
        });
    }
    Ok(out)
}

impl Store {
    /// Compares the chain with copies the DMS holds (0623 uploads): every
    /// entry of a copy must be here, unchanged, with the same hash — so a
    /// rewrite of the whole chain at the station, which its own walk cannot
    /// see, shows. The local walk's problems come first.
    pub fn verify_against(&self, copies: &[ChainEntry]) -> Result<AuditReport> {
        let mut report = self.verify_audit()?;
        let mut checked = 0u64;
        for copy in copies {
            checked += 1;
            let here = chain_entries(&self.conn, copy.id, copy.id)?.pop();
            match here {
                None => report.problems.push(format!(
                    "Eintrag {} ({}, {}) fehlt an der Station; das DMS hat ihn",
                    copy.id, copy.at, copy.kind
                )),
                Some(h) if h != *copy => {
                    let mut what = Vec::new();
                    if h.at != copy.at {
                        what.push("Zeit");
                    }
                    if h.kind != copy.kind {
                        what.push("Art");
                    }
                    if (h.batch_id, h.document_id, h.page_id)
                        != (copy.batch_id, copy.document_id, copy.page_id)
                    {
                        what.push("Bezug");
                    }
                    if h.actor != copy.actor {
                        what.push("wer");
                    }
                    if h.detail != copy.detail {
                        what.push("Angabe");
                    }
                    if what.is_empty() {
                        what.push("Prüfsumme");
                    }
                    report.problems.push(format!(
                        "Eintrag {} ({}, {}) weicht von der Kopie im DMS ab: {}",
                        copy.id,
                        copy.at,
                        copy.kind,
                        what.join(", ")
                    ));
                }
                Some(_) => {}
            }
        }
        report.entries = report.entries.max(checked);
        Ok(report)
    }

    /// Names who acts through this connection (a person at the window or
    /// the command line; `None`: the station itself). Every entry written
    /// through it from now on carries the name.
    pub fn set_actor(&self, actor: Option<&str>) -> Result<()> {
        self.conn.execute("DELETE FROM temp.session_actor", [])?;
        if let Some(a) = actor {
            self.conn
                .execute("INSERT INTO temp.session_actor (actor) VALUES (?1)", [a])?;
        }
        Ok(())
    }

    /// Logs the configuration the station runs with when it differs from
    /// the last one logged (`config.changed`, with its hash and file);
    /// returns whether it did.
    pub(crate) fn record_config(
        &self,
        fingerprint: &str,
        file: Option<&std::path::Path>,
    ) -> Result<bool> {
        let tx = self.conn.unchecked_transaction()?;
        let last: Option<String> = tx
            .query_row(
                "SELECT detail FROM events WHERE kind = 'config.changed' ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if last.as_deref().is_some_and(|d| d.starts_with(fingerprint)) {
            return Ok(false);
        }
        let source = file.map_or_else(
            || "eingebaute Voreinstellungen".to_owned(),
            |f| f.display().to_string(),
        );
        append(
            &tx,
            "config.changed",
            None,
            None,
            &format!("{fingerprint} ({source})"),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Records that someone looked at a document or a case (`kind`:
    /// `document.viewed`, `case.viewed`), in the chain like every entry.
    pub fn record_view(&self, kind: &str, document_id: Option<i64>, detail: &str) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        append(&tx, kind, None, document_id, detail)?;
        tx.commit()?;
        Ok(())
    }

    /// Every entry about a case, oldest first: its documents' and their
    /// batches' entries, and entries naming the BG-Nummer (e.g. a
    /// confirmation that moved a document away from it). For the data
    /// protection officer.
    pub fn audit_for_case(&self, bg: &str) -> Result<Vec<super::EventRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, kind, batch_id, document_id, detail, actor FROM events
             WHERE document_id IN (SELECT id FROM documents WHERE case_bg = ?1)
                OR (document_id IS NULL AND batch_id IN
                    (SELECT batch_id FROM documents WHERE case_bg = ?1))
                OR instr(detail, ?1) > 0
             ORDER BY id",
        )?;
        let rows = stmt.query_map([bg], super::desk::event_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A document of a case, as an Art. 15 export lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDocument {
    /// Row id.
    pub id: i64,
    /// Stable ID.
    pub uuid: String,
    /// State (stored name).
    pub state: String,
    /// Type slug.
    pub doc_type: Option<String>,
    /// Its batch.
    pub batch_id: i64,
    /// When the batch arrived.
    pub received_at: String,
    /// Its PDF, if built.
    pub pdf_sha: Option<String>,
    /// Pages in it.
    pub pages: u32,
    /// Its recognised text (empty once purged).
    pub text: String,
    /// Where the DMS filed it, if it did.
    pub dms_location: Option<String>,
    /// When the DMS reported it imported (RFC 3339).
    pub imported_at: Option<String>,
    /// When the station deleted its local copies after that.
    pub purged_at: Option<String>,
    /// Who was signed in at the station when its batch was scanned.
    pub scanned_by: Option<String>,
    /// How its case was decided (`auto`, `review`, `confirmed`, `none`).
    pub case_status: Option<String>,
    /// The case's confidence, 0–1.
    pub case_confidence: Option<f64>,
    /// The type's confidence, 0–1.
    pub type_confidence: Option<f64>,
}

impl Store {
    /// Every document the station holds for a case, oldest first.
    pub fn case_documents(&self, bg: &str) -> Result<Vec<CaseDocument>> {
        let mut stmt = self.conn.prepare(
            "SELECT d.id, d.uuid, d.state, d.doc_type, d.batch_id, b.created_at, d.pdf_sha,
                    (SELECT COUNT(*) FROM document_pages dp WHERE dp.document_id = d.id),
                    (SELECT sd.dms_location FROM sync_documents sd JOIN sync_outbox o
                       ON o.id = sd.outbox_id WHERE sd.document_id = d.id AND o.message = '0605'
                       AND sd.dms_location IS NOT NULL AND sd.invalid_at IS NULL
                       ORDER BY o.id DESC LIMIT 1),
                    (SELECT o.imported_at FROM sync_documents sd JOIN sync_outbox o ON o.id = sd.outbox_id
                       WHERE sd.document_id = d.id AND o.message = '0605'
                       AND sd.dms_location IS NOT NULL AND sd.invalid_at IS NULL
                       ORDER BY o.imported_at DESC LIMIT 1),
                    (SELECT o.purged_at FROM sync_documents sd JOIN sync_outbox o ON o.id = sd.outbox_id
                       WHERE sd.document_id = d.id AND o.purged_at IS NOT NULL
                       ORDER BY o.purged_at DESC LIMIT 1),
                    b.scanned_by, d.case_status, d.case_confidence, d.type_confidence
             FROM documents d JOIN batches b ON b.id = d.batch_id
             WHERE d.case_bg = ?1 ORDER BY d.batch_id, d.id",
        )?;
        let mut text = self.conn.prepare(
            "SELECT COALESCE(o.text, '') FROM document_pages dp
             LEFT JOIN page_ocr o ON o.page_id = dp.page_id
             WHERE dp.document_id = ?1 ORDER BY dp.position",
        )?;
        let rows = stmt
            .query_map([bg], |r| {
                Ok(CaseDocument {
                    id: r.get(0)?,
                    uuid: r.get(1)?,
                    state: r.get(2)?,
                    doc_type: r.get(3)?,
                    batch_id: r.get(4)?,
                    received_at: r.get(5)?,
                    pdf_sha: r.get(6)?,
                    pages: r.get(7)?,
                    dms_location: r.get(8)?,
                    imported_at: r.get(9)?,
                    purged_at: r.get(10)?,
                    scanned_by: r.get(11)?,
                    case_status: r.get(12)?,
                    case_confidence: r.get(13)?,
                    type_confidence: r.get(14)?,
                    text: String::new(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for mut d in rows {
            let pages: Vec<String> = text
                .query_map([d.id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            d.text = pages.join("\n\u{c}\n");
            out.push(d);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_configuration_is_logged_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            &dir.path().join("s.db"),
            &crate::protect::crypto::Keys::from_master(&[4; 32]),
        )
        .unwrap();
        let file = std::path::Path::new("/etc/scanstelle/scanstelle.toml");
        assert!(store.record_config("aaaa", Some(file)).unwrap());
        assert!(!store.record_config("aaaa", Some(file)).unwrap());
        assert!(store.record_config("bbbb", None).unwrap());
        let details: Vec<String> = store
            .conn
            .prepare("SELECT detail FROM events WHERE kind = 'config.changed' ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(std::result::Result::unwrap)
            .collect();
        assert_eq!(
            details,
            [
                "aaaa (/etc/scanstelle/scanstelle.toml)",
                "bbbb (eingebaute Voreinstellungen)"
            ]
        );
        assert!(store.verify_audit().unwrap().intact());
    }

    #[test]
    fn events_written_before_the_chain_are_sealed_by_the_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &super::super::schema::MIGRATIONS[..10] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 10).unwrap();
            for i in 0..5 {
                conn.execute(
                    "INSERT INTO events (at, kind, detail) VALUES ('2026-01-01T00:00:00Z', 'old', ?1)",
                    [format!("Eintrag {i}")],
                )
                .unwrap();
            }
        }
        let mut store =
            Store::open(&path, &crate::protect::crypto::Keys::from_master(&[3; 32])).unwrap();
        let r = store.verify_audit().unwrap();
        assert!(r.intact() && r.entries == 5, "{r:?}");
        // New entries go on from the sealed ones.
        let tx = store.conn.transaction().unwrap();
        append(&tx, "new", None, None, "danach").unwrap();
        tx.commit().unwrap();
        let r2 = store.verify_audit().unwrap();
        assert!(r2.intact() && r2.entries == 6, "{r2:?}");
        assert_ne!(r.head, r2.head);
        // Sealed entries refuse changes and deletion.
        let e = store
            .conn
            .execute("UPDATE events SET detail = 'x' WHERE id = 1", [])
            .unwrap_err();
        assert!(e.to_string().contains("unveränderlich"), "{e}");
        assert!(store.conn.execute("DELETE FROM events", []).is_err());
    }
}
