//! The outbox: every message to the DMS, its state and what the DMS
//! answered per document.
//!
//! A batch whose every document is decided is packaged: the transaction
//! that puts it into the outbox gives it its ProzessID, which is kept for
//! life, so a resend after a crash, a timeout or a lost reply carries the
//! same ID and file name and the DMS can discard the duplicate. Its
//! documents are locked from then on (no edit, no new decision). States:
//! packaged → sent → received (0629) → imported (0630) → purged. Documents
//! the DMS refused go back to review with its reason; once a person decided
//! them again they leave in a new message of the same batch (round 2, …).
//! Making a message of a batch is `outgoing`.

use super::{DocumentState, OutboxState, Result, Store, StoreError, Transaction, event, now};
use crate::store::blob::Sha256Hex;
use rusqlite::{OptionalExtension, params};

/// The DMS's import answer (0630) as the outbox records it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportAnswer {
    /// The process it answers.
    pub process_id: String,
    /// Errors of the whole message, in words (none: no message-level error).
    pub general: Vec<String>,
    /// The answer per object.
    pub objects: Vec<AnsweredObject>,
}

/// The DMS's answer for one object of a message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnsweredObject {
    /// Its `NummerImStapel`, if the DMS named it.
    pub number: Option<u32>,
    /// Filed.
    pub ok: bool,
    /// The DMS's ID of the filed object.
    pub dms_id: Option<String>,
    /// Where the DMS filed it.
    pub location: Option<String>,
    /// Why it was not filed, in words.
    pub reasons: Vec<String>,
}

/// A row of the outbox, as the sync and the window show it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// Row id.
    pub id: i64,
    /// The batch (0: a message of no batch, the audit chain's 0623).
    pub batch_id: i64,
    /// 1 for the batch's first message, 2… for later ones.
    pub round: u32,
    /// Its xdomea ProzessID.
    pub process_id: String,
    /// State.
    pub state: OutboxState,
    /// Failed attempts in a row.
    pub attempts: u32,
    /// The last error, in words.
    pub last_error: Option<String>,
    /// Not to be tried before (RFC 3339).
    pub next_attempt_at: Option<String>,
    /// The container's file name, once built.
    pub zip_name: Option<String>,
    /// Its size in bytes.
    pub zip_bytes: Option<u64>,
    /// Documents in the message.
    pub documents: u32,
    /// Of these, refused by the DMS.
    pub refused: u32,
    /// When it was delivered (last time).
    pub sent_at: Option<String>,
    /// When the DMS confirmed receipt.
    pub received_at: Option<String>,
    /// When the DMS reported the import.
    pub imported_at: Option<String>,
    /// When the local copies were deleted.
    pub purged_at: Option<String>,
    /// Last change.
    pub updated_at: String,
    /// Which xdomea message it is: `0605` (filing), `0617` (invalidation)
    /// or `0610` (metadata update).
    pub message: String,
}

/// The station's contact with the DMS.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncStatus {
    /// Last time the station tried to reach the DMS.
    pub last_attempt_at: Option<String>,
    /// Last time the DMS answered.
    pub last_contact_at: Option<String>,
    /// Error of the last attempt, if it failed.
    pub last_error: Option<String>,
}

impl SyncStatus {
    /// Whether the last attempt reached the DMS.
    pub fn online(&self) -> bool {
        self.last_contact_at.is_some() && self.last_error.is_none()
    }
}

/// What a 0630 did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    /// Documents filed in the DMS.
    pub imported: u32,
    /// Documents sent back to review with the DMS's reason.
    pub refused: u32,
    /// The reply was known already (nothing changed).
    pub repeated: bool,
}

const OUTBOX_COLUMNS: &str =
    "o.id, COALESCE(o.batch_id, 0), o.round, o.process_id, o.state, o.attempts,
    o.last_error, o.next_attempt_at, o.zip_name, o.zip_bytes,
    (SELECT COUNT(*) FROM sync_documents sd WHERE sd.outbox_id = o.id),
    (SELECT COUNT(*) FROM sync_documents sd WHERE sd.outbox_id = o.id AND sd.error IS NOT NULL),
    o.sent_at, o.received_at, o.imported_at, o.purged_at, o.updated_at, o.message";

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        round: r.get(2)?,
        process_id: r.get(3)?,
        state: r.get(4)?,
        attempts: r.get(5)?,
        last_error: r.get(6)?,
        next_attempt_at: r.get(7)?,
        zip_name: r.get(8)?,
        zip_bytes: r.get::<_, Option<i64>>(9)?.map(|b| b as u64),
        documents: r.get(10)?,
        refused: r.get(11)?,
        sent_at: r.get(12)?,
        received_at: r.get(13)?,
        imported_at: r.get(14)?,
        purged_at: r.get(15)?,
        updated_at: r.get(16)?,
        message: r.get(17)?,
    })
}

/// Whether a document is in a message still on its way to the DMS.
pub(super) fn in_transfer(tx: &Transaction<'_>, document: i64) -> Result<bool> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sync_documents sd JOIN sync_outbox o ON o.id = sd.outbox_id
                        WHERE sd.document_id = ?1 AND o.state IN ('packaged', 'sent', 'received'))",
        [document],
        |r| r.get(0),
    )?)
}

/// Refuses a change of a document that is on its way to the DMS.
pub(super) fn refuse_in_transfer(tx: &Transaction<'_>, document: i64) -> Result<()> {
    if in_transfer(tx, document)? {
        return Err(StoreError::Refused(format!(
            "Dokument {document} wird gerade an das DMS übertragen: erst nach dessen Antwort änderbar"
        )));
    }
    Ok(())
}

/// SQL condition on a batch `b`: processed, with at least one decided
/// document and none (with pages) still open or in review.
pub(super) const DECIDED: &str = "b.state = 'classified'
    AND EXISTS (SELECT 1 FROM documents d WHERE d.batch_id = b.id
            AND d.state IN ('classified', 'released'))
    AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.batch_id = b.id
                AND d.state IN ('open', 'review')
                AND EXISTS (SELECT 1 FROM document_pages dp
                            WHERE dp.document_id = d.id))";

impl Store {
    /// The outbox, newest first.
    pub fn outbox(&self) -> Result<Vec<OutboxRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM sync_outbox o ORDER BY o.id DESC"
        ))?;
        let rows = stmt.query_map([], outbox_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The newest `limit` messages (for the window).
    pub(crate) fn outbox_recent(&self, limit: usize) -> Result<Vec<OutboxRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM sync_outbox o ORDER BY o.id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], outbox_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Messages per state.
    pub fn outbox_counts(&self) -> Result<Vec<(OutboxState, u64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT state, COUNT(*) FROM sync_outbox GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A person asks to try again now: waiting times are dropped and the
    /// sync is woken.
    pub(crate) fn sync_retry_now(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE sync_outbox SET next_attempt_at = NULL
             WHERE state IN ('packaged', 'sent', 'received')",
            [],
        )?;
        tx.execute("UPDATE sync_status SET wake = 1", [])?;
        tx.commit()?;
        Ok(())
    }

    /// Whether someone asked for a pass now (and clears the request).
    pub fn take_sync_wake(&mut self) -> Result<bool> {
        Ok(self
            .conn
            .execute("UPDATE sync_status SET wake = 0 WHERE wake = 1", [])?
            == 1)
    }

    /// One outbox row by its ProzessID.
    pub fn outbox_entry(&self, process_id: &str) -> Result<Option<OutboxRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {OUTBOX_COLUMNS} FROM sync_outbox o WHERE o.process_id = ?1"),
                [process_id],
                outbox_row,
            )
            .optional()?)
    }

    /// Messages on their way (packaged, sent, received), oldest first.
    pub(crate) fn outbox_active(&self) -> Result<Vec<OutboxRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM sync_outbox o
             WHERE o.state IN ('packaged', 'sent', 'received') ORDER BY o.id"
        ))?;
        let rows = stmt.query_map([], outbox_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records the container built for a message.
    pub(crate) fn outbox_packed(
        &mut self,
        id: i64,
        name: &str,
        sha: &Sha256Hex,
        bytes: u64,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_outbox SET zip_name = ?1, zip_sha = ?2, zip_bytes = ?3, updated_at = ?4
             WHERE id = ?5",
            params![name, sha.as_str(), bytes as i64, now(), id],
        )?;
        Ok(())
    }

    /// The message was delivered to `location` (again, on a resend).
    pub(crate) fn outbox_sent(&mut self, id: i64, location: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let (state, batch, pid): (OutboxState, Option<i64>, String) = tx.query_row(
            "SELECT state, batch_id, process_id FROM sync_outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let at = now();
        match state {
            OutboxState::Packaged | OutboxState::Sent => {
                tx.execute(
                    "UPDATE sync_outbox SET state = 'sent', sent_at = ?1, location = ?2,
                         attempts = 0, last_error = NULL, next_attempt_at = NULL, updated_at = ?1
                     WHERE id = ?3",
                    params![at, location, id],
                )?;
            }
            // A resend after a receipt was lost: the state stays.
            _ => {
                tx.execute(
                    "UPDATE sync_outbox SET sent_at = ?1, attempts = 0, last_error = NULL,
                         next_attempt_at = NULL, updated_at = ?1 WHERE id = ?2",
                    params![at, id],
                )?;
            }
        }
        event(
            &tx,
            "batch.sent",
            batch,
            None,
            &format!("ProzessID {pid} an {location}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// An attempt for a message failed; it is tried again from `retry_at`.
    pub fn outbox_failed(&mut self, id: i64, error: &str, retry_at: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_outbox SET attempts = attempts + 1, last_error = ?1, next_attempt_at = ?2,
                 updated_at = ?3 WHERE id = ?4",
            params![error, retry_at, now(), id],
        )?;
        Ok(())
    }

    /// A 0629 arrived. Returns false if it was known already or answers no
    /// message of this station.
    pub(crate) fn outbox_received(&mut self, process_id: &str) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let Some((id, batch, state)) = message_by_process(&tx, process_id)? else {
            return Ok(false);
        };
        if !state.can_become(OutboxState::Received) {
            return Ok(false);
        }
        let at = now();
        tx.execute(
            "UPDATE sync_outbox SET state = 'received', received_at = ?1, last_error = NULL,
                 next_attempt_at = NULL, attempts = 0, updated_at = ?1 WHERE id = ?2",
            params![at, id],
        )?;
        event(
            &tx,
            "batch.received",
            batch,
            None,
            &format!("Empfang bestätigt (0629), ProzessID {process_id}"),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// A 0630 arrived: documents filed become `transferred` (with the DMS's
    /// ID and location), refused ones go back to review with the DMS's
    /// reason, the batch is `transferred` once all its documents are. All
    /// in one transaction; a repeated reply changes nothing.
    pub(crate) fn outbox_imported(&mut self, result: &ImportAnswer) -> Result<ImportOutcome> {
        let tx = self.conn.transaction()?;
        let Some((id, batch, state)) = message_by_process(&tx, &result.process_id)? else {
            return Ok(ImportOutcome {
                repeated: true,
                ..Default::default()
            });
        };
        if !state.is_active() {
            return Ok(ImportOutcome {
                repeated: true,
                ..Default::default()
            });
        }
        let message: String =
            tx.query_row("SELECT message FROM sync_outbox WHERE id = ?1", [id], |r| {
                r.get(0)
            })?;
        if message == "0623" {
            return super::uploads::answered(tx, id, result);
        }
        let batch = batch.unwrap_or_default();
        if message != "0605" {
            return correction_imported(tx, id, batch, &message, result);
        }
        let docs: Vec<(i64, u32)> = {
            let mut stmt = tx.prepare(
                "SELECT document_id, number FROM sync_documents WHERE outbox_id = ?1 ORDER BY number",
            )?;
            stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let count = docs.len();
        let general = &result.general;
        let mut outcome = ImportOutcome::default();
        let at = now();
        for (doc, number) in docs {
            let object = result
                .objects
                .iter()
                .find(|o| o.number == Some(number))
                .or_else(|| {
                    // Results without numbers answer the objects in order,
                    // if there is one for each.
                    let unnumbered = result.objects.len() == count
                        && result.objects.iter().all(|o| o.number.is_none());
                    unnumbered
                        .then(|| result.objects.get((number as usize).saturating_sub(1)))
                        .flatten()
                });
            // Without a word on the object: the message-level verdict (a
            // resend the DMS discarded as processed counts as filed).
            let refusal = refusal(object, general, "nicht abgelegt");
            match refusal {
                None => {
                    tx.execute(
                        "UPDATE sync_documents SET dms_id = ?1, dms_location = ?2, error = NULL
                         WHERE outbox_id = ?3 AND document_id = ?4",
                        params![
                            object.and_then(|o| o.dms_id.clone()),
                            object.and_then(|o| o.location.clone()),
                            id,
                            doc
                        ],
                    )?;
                    set_document(&tx, doc, DocumentState::Transferred, None)?;
                    super::corrections::refiled(
                        &tx,
                        doc,
                        object.and_then(|o| o.dms_id.as_deref()),
                    )?;
                    outcome.imported += 1;
                }
                Some(reason) => {
                    tx.execute(
                        "UPDATE sync_documents SET error = ?1 WHERE outbox_id = ?2 AND document_id = ?3",
                        params![reason, id, doc],
                    )?;
                    set_document(&tx, doc, DocumentState::Review, Some(&reason))?;
                    event(
                        &tx,
                        "document.refused_by_dms",
                        Some(batch),
                        Some(doc),
                        &reason,
                    )?;
                    outcome.refused += 1;
                }
            }
        }
        let next = if outcome.imported == 0 {
            OutboxState::Rejected
        } else {
            OutboxState::Imported
        };
        close_message(&tx, id, next, None, &at)?;
        let remaining: i64 = tx.query_row(
            "SELECT COUNT(*) FROM documents d WHERE d.batch_id = ?1 AND d.state != 'transferred'
               AND EXISTS (SELECT 1 FROM document_pages dp WHERE dp.document_id = d.id)",
            [batch],
            |r| r.get(0),
        )?;
        if remaining == 0 {
            tx.execute(
                "UPDATE batches SET state = 'transferred', updated_at = ?1
                 WHERE id = ?2 AND state = 'classified'",
                params![at, batch],
            )?;
        }
        event(
            &tx,
            "batch.imported",
            Some(batch),
            None,
            &format!(
                "Import bestätigt (0630): {} abgelegt, {} zurück zur Prüfung",
                outcome.imported, outcome.refused
            ),
        )?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Records an attempt to reach the DMS: `Ok` it answered, `Err` why not.
    pub fn sync_contact(&mut self, result: std::result::Result<(), &str>) -> Result<()> {
        let at = now();
        match result {
            Ok(()) => self.conn.execute(
                "UPDATE sync_status SET last_attempt_at = ?1, last_contact_at = ?1, last_error = NULL",
                [at],
            )?,
            Err(e) => self.conn.execute(
                "UPDATE sync_status SET last_attempt_at = ?1, last_error = ?2",
                params![at, e],
            )?,
        };
        Ok(())
    }

    /// The station's contact with the DMS.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_attempt_at, last_contact_at, last_error FROM sync_status",
                [],
                |r| {
                    Ok(SyncStatus {
                        last_attempt_at: r.get(0)?,
                        last_contact_at: r.get(1)?,
                        last_error: r.get(2)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    /// Batches whose every document is in the DMS and whose last import was
    /// confirmed before `before` (RFC 3339), not yet purged.
    pub(crate) fn batches_to_purge(&self, before: &str) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT b.id FROM batches b WHERE b.state = 'transferred'
               AND (SELECT MAX(o.imported_at) FROM sync_outbox o WHERE o.batch_id = b.id) <= ?1
             ORDER BY b.id",
        )?;
        let rows = stmt.query_map([before], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The blobs of a batch no other batch still holds: its scans, prepared
    /// pages, thumbnails and PDFs (to delete before `Store::purge_batch`).
    pub fn batch_blobs(&self, batch: i64) -> Result<Vec<Sha256Hex>> {
        let mut stmt = self.conn.prepare(
            "WITH mine(sha) AS (
                 SELECT sha256 FROM source_files WHERE batch_id = ?1
                 UNION SELECT p.sha256 FROM pages p WHERE p.batch_id = ?1
                 UNION SELECT pp.thumb_sha FROM page_prep pp JOIN pages p ON p.id = pp.page_id
                       WHERE p.batch_id = ?1
                 UNION SELECT pp.prepared_sha FROM page_prep pp JOIN pages p ON p.id = pp.page_id
                       WHERE p.batch_id = ?1 AND pp.prepared_sha IS NOT NULL
                 UNION SELECT t.sha_after FROM page_transforms t JOIN pages p ON p.id = t.page_id
                       WHERE p.batch_id = ?1 AND t.sha_after IS NOT NULL
                 UNION SELECT pdf_sha FROM documents WHERE batch_id = ?1 AND pdf_sha IS NOT NULL
             ),
             others(sha) AS (
                 SELECT sha256 FROM source_files s JOIN batches b ON b.id = s.batch_id
                       WHERE s.batch_id != ?1 AND b.state != 'purged'
                 UNION SELECT p.sha256 FROM pages p JOIN batches b ON b.id = p.batch_id
                       WHERE p.batch_id != ?1 AND b.state != 'purged'
                 UNION SELECT pp.thumb_sha FROM page_prep pp JOIN pages p ON p.id = pp.page_id
                       JOIN batches b ON b.id = p.batch_id WHERE p.batch_id != ?1 AND b.state != 'purged'
                 UNION SELECT pp.prepared_sha FROM page_prep pp JOIN pages p ON p.id = pp.page_id
                       JOIN batches b ON b.id = p.batch_id WHERE p.batch_id != ?1 AND b.state != 'purged'
                 UNION SELECT d.pdf_sha FROM documents d JOIN batches b ON b.id = d.batch_id
                       WHERE d.batch_id != ?1 AND b.state != 'purged'
             )
             SELECT sha FROM mine WHERE sha NOT IN (SELECT sha FROM others WHERE sha IS NOT NULL)",
        )?;
        let rows = stmt.query_map([batch], |r| r.get::<_, String>(0))?;
        Ok(rows
            .filter_map(std::result::Result::ok)
            .filter_map(|s| Sha256Hex::parse(&s))
            .collect())
    }

    /// Marks a batch purged once its blobs are deleted: its OCR text and
    /// decisions are dropped too; hashes, ProzessIDs and the DMS's IDs and
    /// locations stay for audit. One transaction.
    pub(crate) fn purge_batch(&mut self, batch: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        let at = now();
        super::forget_pages(&tx, "SELECT id FROM pages WHERE batch_id = ?1", &batch)?;
        tx.execute(
            "UPDATE documents SET decision = NULL WHERE batch_id = ?1",
            [batch],
        )?;
        tx.execute(
            "UPDATE qa_items SET note = NULL WHERE batch_id = ?1",
            [batch],
        )?;
        tx.execute(
            "UPDATE sync_outbox SET state = 'purged', purged_at = ?1, updated_at = ?1
             WHERE batch_id = ?2 AND state = 'imported'",
            params![at, batch],
        )?;
        let n = tx.execute(
            "UPDATE batches SET state = 'purged', updated_at = ?1 WHERE id = ?2 AND state = 'transferred'",
            params![at, batch],
        )?;
        if n == 1 {
            event(
                &tx,
                "batch.purged",
                Some(batch),
                None,
                "lokale Kopien nach bestätigtem Import und Aufbewahrungsfrist gelöscht",
            )?;
        }
        tx.commit()?;
        self.truncate_wal();
        Ok(())
    }
}

/// The 0630 of a correction message (0617 or 0610): one object, the
/// correction takes effect or ends refused; the batch's documents stay as
/// they are otherwise.
fn correction_imported(
    tx: Transaction<'_>,
    id: i64,
    batch: i64,
    message: &str,
    result: &ImportAnswer,
) -> Result<ImportOutcome> {
    let object = result
        .objects
        .iter()
        .find(|o| o.number.is_none_or(|n| n == 1));
    let refusal = refusal(object, &result.general, "nicht ausgeführt");
    super::corrections::answered(&tx, id, refusal.as_deref())?;
    let next = if refusal.is_some() {
        OutboxState::Rejected
    } else {
        OutboxState::Imported
    };
    close_message(&tx, id, next, None, &now())?;
    event(
        &tx,
        "batch.imported",
        Some(batch),
        None,
        &format!(
            "Berichtigung ({message}) {}",
            match &refusal {
                None => "vom DMS bestätigt (0630)".to_owned(),
                Some(why) => format!("vom DMS abgelehnt (0630): {why}"),
            }
        ),
    )?;
    tx.commit()?;
    // Counted as documents: filings only.
    Ok(ImportOutcome::default())
}

/// Why the DMS did not carry out an object (none: it did): its own
/// reasons, else the message's, else that it gave none (`undone`: what was
/// not done, e.g. "nicht abgelegt"). Without a word on the object and on
/// the message, the object counts as done.
pub(super) fn refusal(
    object: Option<&AnsweredObject>,
    general: &[String],
    undone: &str,
) -> Option<String> {
    match object {
        Some(o) if o.ok => None,
        Some(o) if o.reasons.is_empty() => {
            Some(format!("vom DMS {undone} (ohne Angabe eines Grundes)"))
        }
        Some(o) => Some(o.reasons.join("; ")),
        None if !general.is_empty() => Some(general.join("; ")),
        None => None,
    }
}

/// The DMS answered a message (0630): its final state, when, and the
/// error to show with it (none: cleared); no further attempts.
pub(super) fn close_message(
    tx: &Transaction<'_>,
    id: i64,
    next: OutboxState,
    error: Option<&str>,
    at: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE sync_outbox SET state = ?1, imported_at = ?2, last_error = ?3,
             next_attempt_at = NULL, updated_at = ?2 WHERE id = ?4",
        params![next, at, error, id],
    )?;
    Ok(())
}

fn message_by_process(
    tx: &Transaction<'_>,
    process_id: &str,
) -> Result<Option<(i64, Option<i64>, OutboxState)>> {
    Ok(tx
        .query_row(
            "SELECT id, batch_id, state FROM sync_outbox WHERE process_id = ?1",
            [process_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// Moves a document on (the DMS's reason kept for the review screen).
pub(super) fn set_document(
    tx: &Transaction<'_>,
    doc: i64,
    next: DocumentState,
    dms_error: Option<&str>,
) -> Result<()> {
    let state: DocumentState =
        tx.query_row("SELECT state FROM documents WHERE id = ?1", [doc], |r| {
            r.get(0)
        })?;
    if state == next {
        return Ok(());
    }
    if !state.can_become(next) {
        return Err(StoreError::Transition {
            what: "Dokument",
            id: doc,
            from: state.to_string(),
            to: next.to_string(),
        });
    }
    tx.execute(
        "UPDATE documents SET state = ?1, dms_error = ?2, updated_at = ?3 WHERE id = ?4",
        params![next, dms_error, now(), doc],
    )?;
    Ok(())
}
