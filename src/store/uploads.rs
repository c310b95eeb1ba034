//! The audit chain's copies at the DMS (`FVDaten.GesamtprotokollAblegen.0623`):
//! an upload carries the entries since the last one and the chain's head
//! then. One is queued once the oldest entry not yet uploaded is a day old,
//! and at once after a correction after filing was recorded; it goes through the
//! outbox like every message (exactly once, acknowledged).

use super::audit::{ChainEntry, chain_entries};
use super::{ImportAnswer, ImportOutcome, OutboxState, Result, Store, Transaction, event, now};
use rusqlite::{OptionalExtension, params};

/// An upload of the chain as the sync packages it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditSegment {
    /// The outbox row.
    pub outbox_id: i64,
    /// Its ProzessID.
    pub process_id: String,
    /// The first entry it carries.
    pub first_id: i64,
    /// The last one.
    pub last_id: i64,
    /// The chain's head hash at the last one.
    pub head: String,
    /// The entries.
    pub entries: Vec<ChainEntry>,
}

impl Store {
    /// Queues an upload of the entries since the last upload when the
    /// oldest of them waited `every`, or a correction was recorded since.
    /// Returns the new message's outbox row.
    pub(crate) fn queue_audit_upload(&mut self, every: std::time::Duration) -> Result<Option<i64>> {
        let tx = self.conn.transaction()?;
        let head: Option<(i64, String)> = tx
            .query_row(
                "SELECT last_id, hash FROM audit_head WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((head_id, head_hash)) = head else {
            return Ok(None);
        };
        // The last upload the DMS did not refuse (a refused one is sent anew).
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT u.last_id, o.created_at FROM audit_uploads u
                 JOIN sync_outbox o ON o.id = u.outbox_id
                 WHERE o.state != 'rejected' ORDER BY u.last_id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (from, since) = match &last {
            Some((id, at)) => (id + 1, Some(at.as_str())),
            None => (1, None),
        };
        if head_id < from {
            return Ok(None);
        }
        let corrected: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM corrections WHERE ?1 IS NULL OR created_at > ?1)",
            [since],
            |r| r.get(0),
        )?;
        // Entries wait at most `every` for their upload.
        let oldest: String = tx.query_row(
            "SELECT at FROM events WHERE id >= ?1 ORDER BY id LIMIT 1",
            [from],
            |r| r.get(0),
        )?;
        let old =
            time::OffsetDateTime::parse(&oldest, &time::format_description::well_known::Rfc3339)
                .is_ok_and(|at| time::OffsetDateTime::now_utc() - at >= every);
        if !(old || corrected) {
            return Ok(None);
        }
        let process_id = uuid::Uuid::new_v4().to_string();
        let at = now();
        tx.execute(
            "INSERT INTO sync_outbox (batch_id, round, process_id, state, message, created_at,
                                      updated_at)
             VALUES (NULL, 1, ?1, 'packaged', '0623', ?2, ?2)",
            params![process_id, at],
        )?;
        let outbox_id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO audit_uploads (outbox_id, first_id, last_id, head) VALUES (?1, ?2, ?3, ?4)",
            params![outbox_id, from, head_id, head_hash],
        )?;
        event(
            &tx,
            "audit.upload_queued",
            None,
            None,
            &format!(
                "Prüfprotokoll, Einträge {from} bis {head_id}, Kettenende {head_hash}, an das DMS (0623, ProzessID {process_id}){}",
                if corrected {
                    " nach einer Berichtigung"
                } else {
                    ""
                }
            ),
        )?;
        tx.commit()?;
        Ok(Some(outbox_id))
    }

    /// The entries an upload carries, to package.
    pub(crate) fn audit_segment(&self, outbox_id: i64) -> Result<AuditSegment> {
        let (process_id, first_id, last_id, head): (String, i64, i64, String) =
            self.conn.query_row(
                "SELECT o.process_id, u.first_id, u.last_id, u.head FROM audit_uploads u
                 JOIN sync_outbox o ON o.id = u.outbox_id WHERE u.outbox_id = ?1",
                [outbox_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        Ok(AuditSegment {
            outbox_id,
            process_id,
            first_id,
            last_id,
            head,
            entries: chain_entries(&self.conn, first_id, last_id)?,
        })
    }
}

/// The 0630 of an upload: filed, or refused (then the next pass queues the
/// entries again). Part of the reply's transaction, which it commits.
pub(super) fn answered(
    tx: Transaction<'_>,
    id: i64,
    result: &ImportAnswer,
) -> Result<ImportOutcome> {
    let refusal = super::outbox::refusal(result.objects.first(), &result.general, "nicht abgelegt");
    let next = if refusal.is_some() {
        OutboxState::Rejected
    } else {
        OutboxState::Imported
    };
    super::outbox::close_message(&tx, id, next, refusal.as_deref(), &now())?;
    let (first, last, head): (i64, i64, String) = tx.query_row(
        "SELECT first_id, last_id, head FROM audit_uploads WHERE outbox_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    event(
        &tx,
        "audit.uploaded",
        None,
        None,
        &match &refusal {
            None => format!(
                "Prüfprotokoll, Einträge {first} bis {last} (Kettenende {head}), vom DMS abgelegt (0630)"
            ),
            Some(why) => format!(
                "Prüfprotokoll, Einträge {first} bis {last}, vom DMS abgelehnt: {why}; es geht erneut"
            ),
        },
    )?;
    tx.commit()?;
    Ok(ImportOutcome::default())
}
