//! The quality-control records: who is at the station (the operator a new
//! batch is attributed to), each batch's sample, the checks and the release
//! (see [`crate::protect::qa`]). Every step is one transaction with its audit entry.

use super::{Result, Store, StoreError, event, now};
use crate::protect::qa::{QaSettings, sampled};
use rusqlite::{OptionalExtension, Transaction, params};

/// A document to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaItem {
    /// The document.
    pub document_id: i64,
    /// Why it is looked at: `Stichprobe` or the flags of its pages.
    pub reason: String,
    /// `ok`, `beanstandet`, or none yet.
    pub result: Option<String>,
    /// The checker's note.
    pub note: Option<String>,
    /// Who checked.
    pub checked_by: Option<String>,
    /// The thumbnail of its first page (none before preparation).
    pub thumb: Option<crate::store::blob::Sha256Hex>,
}

/// A batch waiting for its quality-control release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaBatch {
    /// The batch.
    pub batch_id: i64,
    /// Who was at the station when it was scanned.
    pub scanned_by: Option<String>,
    /// Its documents.
    pub documents: u64,
    /// What must be looked at.
    pub items: Vec<QaItem>,
}

impl QaBatch {
    /// Items not yet checked.
    pub fn open_items(&self) -> usize {
        self.items.iter().filter(|i| i.result.is_none()).count()
    }
}

/// Drops a batch's sample and release: its documents changed, so the
/// quality control starts again once they are decided.
pub(super) fn reset(tx: &Transaction<'_>, batch: i64) -> Result<()> {
    tx.execute("DELETE FROM qa_items WHERE batch_id = ?1", [batch])?;
    tx.execute(
        "UPDATE batches SET qa_selected_at = NULL, released_at = NULL, released_by = NULL
         WHERE id = ?1",
        [batch],
    )?;
    Ok(())
}

impl Store {
    /// Names the person at the station: batches created from now on were
    /// scanned by them (none: nobody signed in).
    pub fn set_operator(&self, user: Option<&str>) -> Result<()> {
        match user {
            Some(u) => self.conn.execute(
                "INSERT INTO station_operator (id, user, since) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET user = ?1, since = ?2",
                params![u, now()],
            )?,
            None => self.conn.execute("DELETE FROM station_operator", [])?,
        };
        Ok(())
    }

    /// The station's sampling seed, made (and logged) on first use.
    fn qa_seed(tx: &Transaction<'_>) -> Result<String> {
        if let Some(seed) = tx
            .query_row("SELECT seed FROM qa_state WHERE id = 1", [], |r| r.get(0))
            .optional()?
        {
            return Ok(seed);
        }
        let seed = uuid::Uuid::new_v4().simple().to_string();
        tx.execute("INSERT INTO qa_state (id, seed) VALUES (1, ?1)", [&seed])?;
        event(
            tx,
            "qa.seed",
            None,
            None,
            &format!("Stichprobe mit Startwert {seed}"),
        )?;
        Ok(seed)
    }

    /// Chooses the sample of every batch whose documents are all decided
    /// and that has none yet; without quality control such batches are
    /// released at once. Returns the batches handled.
    pub fn qa_prepare(&mut self, settings: &QaSettings) -> Result<Vec<i64>> {
        let query = format!(
            "SELECT b.id FROM batches b
             WHERE b.qa_selected_at IS NULL AND b.released_at IS NULL AND {}
               AND NOT EXISTS (SELECT 1 FROM sync_outbox o WHERE o.batch_id = b.id)
             ORDER BY b.id",
            super::outbox::DECIDED
        );
        let ready = |conn: &rusqlite::Connection| -> Result<Vec<i64>> {
            let mut stmt = conn.prepare_cached(&query)?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        // The window asks several times a second: only read until a batch
        // is ready, then take the write lock (immediately: the window and
        // the sync may both get here) and look again.
        if ready(&self.conn)?.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let ready = ready(&tx)?;
        if ready.is_empty() {
            return Ok(ready);
        }
        let seed = if settings.enabled {
            Self::qa_seed(&tx)?
        } else {
            String::new()
        };
        let at = now();
        for &batch in &ready {
            if !settings.enabled {
                tx.execute(
                    "UPDATE batches SET qa_selected_at = ?1, released_at = ?1 WHERE id = ?2",
                    params![at, batch],
                )?;
                continue;
            }
            let docs: Vec<(i64, String, String)> = {
                let mut stmt = tx.prepare(
                    "SELECT d.id, d.uuid,
                            d.flags || ',' || b.flags || ',' || coalesce(
                              (SELECT group_concat(pp.flags, ',') FROM document_pages dp
                               JOIN page_prep pp ON pp.page_id = dp.page_id
                               WHERE dp.document_id = d.id AND pp.flags != ''), '')
                     FROM documents d JOIN batches b ON b.id = d.batch_id
                     WHERE d.batch_id = ?1 AND d.state IN ('classified', 'released')
                     ORDER BY d.id",
                )?;
                stmt.query_map([batch], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let mut chosen = Vec::new();
            for (id, uuid, codes) in &docs {
                let mut flags: Vec<String> = codes
                    .split(',')
                    .filter_map(crate::prepare::imaging::flag_words)
                    .collect();
                flags.sort();
                flags.dedup();
                let reason = if !flags.is_empty() {
                    format!("markiert: {}", flags.join(", "))
                } else if sampled(&seed, uuid, settings.sample_percent) {
                    "Stichprobe".to_owned()
                } else {
                    continue;
                };
                tx.execute(
                    "INSERT INTO qa_items (document_id, batch_id, reason) VALUES (?1, ?2, ?3)",
                    params![id, batch, reason],
                )?;
                chosen.push(id.to_string());
            }
            tx.execute(
                "UPDATE batches SET qa_selected_at = ?1 WHERE id = ?2",
                params![at, batch],
            )?;
            event(
                &tx,
                "qa.sampled",
                Some(batch),
                None,
                &format!(
                    "{} von {} Dokumenten zu prüfen ({} % Stichprobe und markierte Seiten): {}",
                    chosen.len(),
                    docs.len(),
                    settings.sample_percent,
                    if chosen.is_empty() {
                        "keine".to_owned()
                    } else {
                        chosen.join(", ")
                    }
                ),
            )?;
        }
        tx.commit()?;
        Ok(ready)
    }

    /// Batches whose sample is chosen and that wait for their release, oldest first.
    pub fn qa_batches(&self) -> Result<Vec<QaBatch>> {
        let rows: Vec<(i64, Option<String>, i64)> = {
            let mut stmt = self.conn.prepare(
                "SELECT b.id, b.scanned_by,
                        (SELECT COUNT(*) FROM documents d WHERE d.batch_id = b.id
                         AND d.state IN ('classified', 'released'))
                 FROM batches b
                 WHERE b.qa_selected_at IS NOT NULL AND b.released_at IS NULL
                 ORDER BY b.id",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        rows.into_iter()
            .map(|(batch_id, scanned_by, documents)| {
                Ok(QaBatch {
                    batch_id,
                    scanned_by,
                    documents: documents as u64,
                    items: self.qa_items(batch_id)?,
                })
            })
            .collect()
    }

    /// The items of a batch.
    pub(crate) fn qa_items(&self, batch: i64) -> Result<Vec<QaItem>> {
        let mut stmt = self.conn.prepare(
            "SELECT q.document_id, q.reason, q.result, q.note, q.checked_by,
                    (SELECT pp.thumb_sha FROM document_pages dp
                     JOIN page_prep pp ON pp.page_id = dp.page_id
                     WHERE dp.document_id = q.document_id ORDER BY dp.position LIMIT 1)
             FROM qa_items q WHERE q.batch_id = ?1 ORDER BY q.document_id",
        )?;
        let rows = stmt.query_map([batch], |r| {
            Ok(QaItem {
                document_id: r.get(0)?,
                reason: r.get(1)?,
                result: r.get(2)?,
                note: r.get(3)?,
                checked_by: r.get(4)?,
                thumb: r
                    .get::<_, Option<String>>(5)?
                    .and_then(|t| crate::store::blob::Sha256Hex::parse(&t)),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records that `by` looked at a sampled document and compared it with
    /// the paper: `ok`, or a defect in words (which holds the batch back
    /// until someone checks it again as ok).
    pub fn qa_check(&self, document: i64, defect: Option<&str>, by: &str) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        let batch: Option<i64> = tx
            .query_row(
                "SELECT batch_id FROM qa_items WHERE document_id = ?1",
                [document],
                |r| r.get(0),
            )
            .optional()?;
        let batch = batch.ok_or_else(|| {
            StoreError::Refused(format!(
                "Dokument {document} gehört zu keiner offenen Stichprobe"
            ))
        })?;
        let (result, note) = match defect {
            None => ("ok", None),
            Some(n) if n.trim().is_empty() => {
                return Err(StoreError::Refused(
                    "Eine Beanstandung braucht eine Beschreibung".into(),
                ));
            }
            Some(n) => ("beanstandet", Some(n.trim())),
        };
        tx.execute(
            "UPDATE qa_items SET result = ?1, note = ?2, checked_by = ?3, checked_at = ?4
             WHERE document_id = ?5",
            params![result, note, by, now(), document],
        )?;
        event(
            &tx,
            &format!("qa.checked.{result}"),
            Some(batch),
            Some(document),
            "",
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Releases a batch to the DMS: every item checked and none with a
    /// defect; with `four_eyes`, not by the person who scanned it.
    pub fn qa_release(&self, batch: i64, by: &str, four_eyes: bool) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        let row: Option<(Option<String>, Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT qa_selected_at, released_at, scanned_by FROM batches WHERE id = ?1",
                [batch],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let refuse = |why: String| Err(StoreError::Refused(why));
        let Some((selected, released, scanned_by)) = row else {
            return refuse(format!("Stapel {batch} gibt es nicht"));
        };
        if released.is_some() {
            return refuse(format!("Stapel {batch} ist bereits freigegeben"));
        }
        if selected.is_none() {
            return refuse(format!(
                "Stapel {batch} ist noch nicht fertig entschieden (keine Stichprobe)"
            ));
        }
        if four_eyes && scanned_by.as_deref() == Some(by) {
            return refuse(format!(
                "Vier-Augen-Prinzip: {by} hat Stapel {batch} gescannt und darf ihn nicht freigeben"
            ));
        }
        let (open, defects): (i64, i64) = tx.query_row(
            "SELECT COUNT(*) FILTER (WHERE result IS NULL),
                    COUNT(*) FILTER (WHERE result = 'beanstandet')
             FROM qa_items WHERE batch_id = ?1",
            [batch],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if open > 0 {
            return refuse(format!(
                "Stapel {batch}: noch {open} Dokument(e) der Stichprobe nicht geprüft"
            ));
        }
        if defects > 0 {
            return refuse(format!(
                "Stapel {batch}: {defects} Dokument(e) beanstandet; erst nach Korrektur und erneuter Prüfung freigeben"
            ));
        }
        tx.execute(
            "UPDATE batches SET released_at = ?1, released_by = ?2 WHERE id = ?3",
            params![now(), by, batch],
        )?;
        event(&tx, "qa.released", Some(batch), None, "")?;
        tx.commit()?;
        Ok(())
    }
}
