//! Queries for the station's window (see [`crate::desk`]): recent batches
//! with their progress, the review queue, one document with its pages, the
//! documents of a case, the outbox, new events — and undoing a confirmation.

use super::{DocumentState, PageState, Result, Store, StoreError, event, now};
use crate::store::blob::Sha256Hex;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Which batches the inbox lists ([`Store::recent_batches`]); the default
/// lists all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchFilter {
    /// Only batches in this group.
    pub group: Option<BatchGroup>,
    /// Only batches of this scanner profile.
    pub profile: Option<String>,
    /// Only batches that arrived at or after this time (RFC 3339, UTC).
    pub since: Option<String>,
    /// Only batches that arrived before this time (RFC 3339, UTC).
    pub before: Option<String>,
}

/// A group of batches by where they stand, as the inbox filters them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchGroup {
    /// Still being read, prepared or recognised.
    InWork,
    /// With a document waiting for a person.
    Review,
    /// Decided, waiting for the quality-control release.
    Release,
    /// With a page that failed.
    Failed,
    /// Sent to the DMS.
    Transferred,
}

impl BatchGroup {
    /// Every group, in the order the inbox offers them.
    pub const ALL: [BatchGroup; 5] = [
        BatchGroup::InWork,
        BatchGroup::Review,
        BatchGroup::Release,
        BatchGroup::Failed,
        BatchGroup::Transferred,
    ];

    /// The condition on batch `b` (fixed SQL, no input in it).
    fn condition(self) -> &'static str {
        match self {
            BatchGroup::InWork => "b.state IN ('open', 'ingested', 'prepared', 'recognized')",
            BatchGroup::Review => {
                "EXISTS (SELECT 1 FROM documents d WHERE d.batch_id = b.id AND d.state = 'review')"
            }
            BatchGroup::Release => {
                "b.qa_selected_at IS NOT NULL AND b.released_at IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.batch_id = b.id AND d.state = 'review')"
            }
            BatchGroup::Failed => {
                "EXISTS (SELECT 1 FROM pages p WHERE p.batch_id = b.id AND p.state = 'failed')"
            }
            BatchGroup::Transferred => "b.state IN ('transferred', 'purged')",
        }
    }
}

impl BatchFilter {
    /// Whether it lists every batch.
    pub fn is_all(&self) -> bool {
        *self == Self::default()
    }

    /// The WHERE clause on batches `b` and its values, numbered from
    /// `?first` on.
    fn clause(&self, first: usize) -> (String, Vec<String>) {
        let mut terms = Vec::new();
        let mut values = Vec::new();
        if let Some(g) = self.group {
            terms.push(g.condition().to_owned());
        }
        for (column, op, value) in [
            ("b.profile", "=", &self.profile),
            ("b.created_at", ">=", &self.since),
            ("b.created_at", "<", &self.before),
        ] {
            if let Some(v) = value {
                values.push(v.clone());
                terms.push(format!("{column} {op} ?{}", first + values.len() - 1));
            }
        }
        if terms.is_empty() {
            (String::new(), values)
        } else {
            (format!("WHERE {}", terms.join(" AND ")), values)
        }
    }
}

/// A batch as the inbox lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    /// Row id.
    pub id: i64,
    /// Scanner profile.
    pub profile: String,
    /// Name of its first file.
    pub file_name: String,
    /// Files in the batch.
    pub files: u32,
    /// When its first file arrived (RFC 3339).
    pub received_at: String,
    /// Pipeline state (stored name).
    pub state: String,
    /// Flags of the batch (comma-separated codes).
    pub flags: String,
    /// Pages per page state (stored names).
    pub pages: HashMap<String, u32>,
    /// Documents per document state (stored names).
    pub documents: HashMap<String, u32>,
    /// Quality flags of its pages (comma-separated codes per page).
    pub page_flags: Vec<String>,
    /// Thumbnails of its first pages, in order.
    pub thumbs: Vec<Sha256Hex>,
}

/// A document as the review screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentDetail {
    /// Row id.
    pub id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// The file its first page came from.
    pub file_name: Option<String>,
    /// State.
    pub state: DocumentState,
    /// Case, if any.
    pub case_bg: Option<String>,
    /// auto, review, confirmed or none.
    pub case_status: Option<String>,
    /// Confidence of the case.
    pub case_confidence: Option<f64>,
    /// Type slug, if any.
    pub doc_type: Option<String>,
    /// Confidence of the type.
    pub type_confidence: Option<f64>,
    /// The stored decision (JSON), if classified.
    pub decision: Option<String>,
    /// Why the DMS refused it, if it did.
    pub dms_error: Option<String>,
    /// Flags (comma-separated codes).
    pub flags: String,
    /// Its pages in order.
    pub pages: Vec<DetailPage>,
}

/// A page of a [`DocumentDetail`].
#[derive(Debug, Clone, PartialEq)]
pub struct DetailPage {
    /// Row id.
    pub page_id: i64,
    /// The image shown (prepared if there is one, else as scanned).
    pub sha: Sha256Hex,
    /// Its encoding name.
    pub encoding: String,
    /// The thumbnail, once prepared.
    pub thumb: Option<Sha256Hex>,
    /// OCR words (encoded, see `crate::ocr::encode_words`).
    pub words: String,
    /// Quality flags (comma-separated codes).
    pub flags: String,
}

/// An entry of the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Row id (increasing).
    pub id: i64,
    /// When.
    pub at: String,
    /// Kind, e.g. `batch.recognized`.
    pub kind: String,
    /// The batch concerned.
    pub batch_id: Option<i64>,
    /// The document concerned.
    pub document_id: Option<i64>,
    /// In words.
    pub detail: String,
    /// Who acted (`None`: the station itself).
    pub actor: Option<String>,
}

/// An event from `SELECT id, at, kind, batch_id, document_id, detail, actor`.
pub(super) fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        at: r.get(1)?,
        kind: r.get(2)?,
        batch_id: r.get(3)?,
        document_id: r.get(4)?,
        detail: r.get(5)?,
        actor: r.get(6)?,
    })
}

/// A document's decision fields, as an undo puts them back.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionState {
    /// State.
    pub state: DocumentState,
    /// Case.
    pub case_bg: Option<String>,
    /// Type.
    pub doc_type: Option<String>,
    /// auto, review, confirmed or none.
    pub case_status: Option<String>,
    /// Confidence of the case.
    pub case_confidence: Option<f64>,
    /// Confidence of the type.
    pub type_confidence: Option<f64>,
    /// The type its confirmation taught the model, if any.
    pub learned_type: Option<String>,
}

/// Moves one document's worth of features into (`delta` 1) or out of
/// (`delta` -1) a class of the learned type model.
pub(super) fn teach(
    tx: &Transaction<'_>,
    class: &str,
    features: &[String],
    delta: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO type_model_docs (class, docs) VALUES (?1, ?2)
         ON CONFLICT (class) DO UPDATE SET docs = docs + ?2",
        params![class, delta],
    )?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO type_model_counts (class, feature, count) VALUES (?1, ?2, ?3)
         ON CONFLICT (class, feature) DO UPDATE SET count = count + ?3",
    )?;
    for f in features {
        stmt.execute(params![class, f, delta])?;
    }
    Ok(())
}

impl Store {
    /// The most recent `limit` batches, newest first, with page and
    /// document counts per state, quality flags and up to `thumbs`
    /// thumbnails each.
    pub fn recent_batches(
        &self,
        limit: usize,
        thumbs: usize,
        filter: &BatchFilter,
    ) -> Result<Vec<BatchRow>> {
        let (clause, values) = filter.clause(2);
        let mut stmt = self.conn.prepare(&format!(
            "SELECT b.id, b.profile, b.created_at, b.state, b.flags,
                    (SELECT s.file_name FROM source_files s WHERE s.batch_id = b.id ORDER BY s.id LIMIT 1),
                    (SELECT COUNT(*) FROM source_files s WHERE s.batch_id = b.id)
             FROM batches b {clause} ORDER BY b.id DESC LIMIT ?1"
        ))?;
        let limit = limit as i64;
        let mut bound: Vec<&dyn rusqlite::ToSql> = vec![&limit];
        bound.extend(values.iter().map(|v| v as &dyn rusqlite::ToSql));
        let mut batches: Vec<BatchRow> = stmt
            .query_map(bound.as_slice(), |r| {
                Ok(BatchRow {
                    id: r.get(0)?,
                    profile: r.get(1)?,
                    received_at: r.get(2)?,
                    state: r.get(3)?,
                    flags: r.get(4)?,
                    file_name: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    files: r.get(6)?,
                    pages: HashMap::new(),
                    documents: HashMap::new(),
                    page_flags: Vec::new(),
                    thumbs: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let Some(oldest) = batches.last().map(|b| b.id) else {
            return Ok(batches);
        };
        let index: HashMap<i64, usize> =
            batches.iter().enumerate().map(|(i, b)| (b.id, i)).collect();
        // Rows per batch and state, of pages and of documents.
        let per_state = |table: &str| -> Result<Vec<(i64, String, u32)>> {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT batch_id, state, COUNT(*) FROM {table} WHERE batch_id >= ?1
                 GROUP BY batch_id, state"
            ))?;
            let rows = stmt.query_map([oldest], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        for (batch, state, n) in per_state("pages")? {
            if let Some(&i) = index.get(&batch) {
                batches[i].pages.insert(state, n);
            }
        }
        for (batch, state, n) in per_state("documents")? {
            if let Some(&i) = index.get(&batch) {
                batches[i].documents.insert(state, n);
            }
        }
        let mut prep = self.conn.prepare(
            "SELECT p.batch_id, pp.thumb_sha, pp.flags FROM pages p JOIN page_prep pp ON pp.page_id = p.id
             JOIN batches b ON b.id = p.batch_id
             WHERE p.batch_id >= ?1 AND b.state != 'purged' ORDER BY p.batch_id, p.seq",
        )?;
        for row in prep.query_map([oldest], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (batch, thumb, flags) = row?;
            let Some(&i) = index.get(&batch) else {
                continue;
            };
            let b = &mut batches[i];
            if b.thumbs.len() < thumbs
                && let Some(sha) = Sha256Hex::parse(&thumb)
            {
                b.thumbs.push(sha);
            }
            if !flags.is_empty() {
                b.page_flags.push(flags);
            }
        }
        Ok(batches)
    }

    /// How many batches `filter` lists.
    pub fn batches_matching(&self, filter: &BatchFilter) -> Result<u64> {
        let (clause, values) = filter.clause(1);
        Ok(self.conn.query_row(
            &format!("SELECT COUNT(*) FROM batches b {clause}"),
            rusqlite::params_from_iter(&values),
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// The scanner profiles of the stored batches, by name.
    pub fn batch_profiles(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT profile FROM batches ORDER BY profile")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Documents waiting for a person, oldest first: by batch (the order
    /// files arrived in), then in the batch (the newest batch is prepared,
    /// and its documents numbered, first).
    pub(crate) fn review_queue(&self) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM documents WHERE state = ?1 ORDER BY batch_id, id")?;
        let rows = stmt.query_map([DocumentState::Review], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One document with its decision and pages.
    pub(crate) fn document_detail(&self, id: i64) -> Result<Option<DocumentDetail>> {
        let detail = self
            .conn
            .query_row(
                "SELECT d.id, d.batch_id, d.state, d.case_bg, d.case_status, d.case_confidence,
                        d.doc_type, d.type_confidence, d.decision, d.flags,
                        (SELECT s.file_name FROM document_pages dp JOIN pages p ON p.id = dp.page_id
                         JOIN source_files s ON s.id = p.source_file_id
                         WHERE dp.document_id = d.id ORDER BY dp.position LIMIT 1),
                        d.dms_error
                 FROM documents d WHERE d.id = ?1",
                [id],
                |r| {
                    Ok(DocumentDetail {
                        id: r.get(0)?,
                        batch_id: r.get(1)?,
                        state: r.get(2)?,
                        case_bg: r.get(3)?,
                        case_status: r.get(4)?,
                        case_confidence: r.get(5)?,
                        doc_type: r.get(6)?,
                        type_confidence: r.get(7)?,
                        decision: r.get(8)?,
                        flags: r.get(9)?,
                        file_name: r.get(10)?,
                        dms_error: r.get(11)?,
                        pages: Vec::new(),
                    })
                },
            )
            .optional()?;
        let Some(mut detail) = detail else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(
            "SELECT p.id, COALESCE(pp.prepared_sha, p.sha256),
                    CASE WHEN pp.prepared_sha IS NULL THEN p.encoding ELSE 'png' END,
                    pp.thumb_sha, COALESCE(o.words, ''), COALESCE(pp.flags, '')
             FROM document_pages dp JOIN pages p ON p.id = dp.page_id
             LEFT JOIN page_prep pp ON pp.page_id = p.id
             LEFT JOIN page_ocr o ON o.page_id = p.id
             WHERE dp.document_id = ?1 ORDER BY dp.position",
        )?;
        detail.pages = stmt
            .query_map([id], |r| {
                let sha: String = r.get(1)?;
                let thumb: Option<String> = r.get(3)?;
                Ok(DetailPage {
                    page_id: r.get(0)?,
                    sha: Sha256Hex::parse(&sha).unwrap_or_else(|| Sha256Hex::of(b"")),
                    encoding: r.get(2)?,
                    thumb: thumb.as_deref().and_then(Sha256Hex::parse),
                    words: r.get(4)?,
                    flags: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(detail))
    }

    /// The documents filed (or proposed) for a case, newest first.
    pub(crate) fn documents_of_case(&self, bg: &str) -> Result<Vec<(i64, String, Option<String>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, state, doc_type FROM documents WHERE case_bg = ?1
             ORDER BY batch_id DESC, id DESC",
        )?;
        let rows = stmt.query_map([bg], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    /// Events after `after` (an event id), oldest first, at most `limit`.
    pub(crate) fn events_after(&self, after: i64, limit: usize) -> Result<Vec<EventRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, kind, batch_id, document_id, detail, actor FROM events
             WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, limit as i64], event_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The id of the newest event (0 without any).
    pub(crate) fn last_event_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?)
    }

    /// When the newest `limit` pages were recognised, newest first, for
    /// the current throughput.
    pub(crate) fn recent_recognitions(&self, limit: usize) -> Result<Vec<OffsetDateTime>> {
        let mut stmt = self
            .conn
            .prepare("SELECT created_at FROM page_ocr ORDER BY created_at DESC LIMIT ?1")?;
        let stamps = stmt
            .query_map([limit as i64], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(stamps.iter().filter_map(|s| super::parse_time(s)).collect())
    }

    /// Pages that still wait for OCR (taken, or prepared).
    pub(crate) fn ocr_backlog(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM pages WHERE state IN (?1, ?2)",
            [PageState::Ingested, PageState::Prepared],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// A document's decision fields (for undoing a confirmation).
    pub(crate) fn decision_state(&self, id: i64) -> Result<Option<DecisionState>> {
        Ok(self
            .conn
            .query_row(
                "SELECT state, case_bg, doc_type, case_status, case_confidence, type_confidence,
                        learned_type FROM documents WHERE id = ?1",
                [id],
                |r| {
                    Ok(DecisionState {
                        state: r.get(0)?,
                        case_bg: r.get(1)?,
                        doc_type: r.get(2)?,
                        case_status: r.get(3)?,
                        case_confidence: r.get(4)?,
                        type_confidence: r.get(5)?,
                        learned_type: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// Undoes a confirmation: the released document gets its earlier
    /// decision back, and the type model forgets what the confirmation
    /// taught it (`features`: the document's), in one transaction.
    pub(crate) fn restore_decision(
        &mut self,
        id: i64,
        prior: &DecisionState,
        features: &[String],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let (state, learned): (DocumentState, Option<String>) = tx.query_row(
            "SELECT state, learned_type FROM documents WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if state != DocumentState::Released {
            return Err(StoreError::Transition {
                what: "Dokument",
                id,
                from: state.to_string(),
                to: prior.state.to_string(),
            });
        }
        super::outbox::refuse_in_transfer(&tx, id)?;
        if learned != prior.learned_type {
            if let Some(l) = &learned {
                teach(&tx, l, features, -1)?;
            }
            if let Some(l) = &prior.learned_type {
                teach(&tx, l, features, 1)?;
            }
        }
        tx.execute(
            "UPDATE documents SET state = ?1, case_bg = ?2, doc_type = ?3, case_status = ?4,
                 case_confidence = ?5, type_confidence = ?6, learned_type = ?7, updated_at = ?8
             WHERE id = ?9",
            params![
                prior.state,
                prior.case_bg,
                prior.doc_type,
                prior.case_status,
                prior.case_confidence,
                prior.type_confidence,
                prior.learned_type,
                now(),
                id
            ],
        )?;
        event(
            &tx,
            "document.reopened",
            None,
            Some(id),
            "Bestätigung zurückgenommen",
        )?;
        tx.commit()?;
        Ok(())
    }
}

impl Store {
    /// What this workplace remembers under `key` (the window's choices).
    pub fn workplace_value(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM workplace WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Remembers `value` under `key` for this workplace.
    pub fn set_workplace_value(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO workplace (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, value, now()],
        )?;
        Ok(())
    }
}
