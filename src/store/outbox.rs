//! The outbox: a batch whose every document is decided is packaged for the
//! DMS. Its ProzessID is given once, in the transaction that puts it into
//! the outbox, and kept for life, so a resend after a crash or a lost reply
//! carries the same ID and file name.

use super::{BatchState, DocumentState, Result, Store, StoreError, event, now};
use crate::blob::Sha256Hex;
use rusqlite::{OptionalExtension, params};

/// A document as the xdomea package needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingDocument {
    /// Row id.
    pub id: i64,
    /// The station's stable ID (`FachverfahrenObjektID`).
    pub uuid: String,
    /// The case (BG-Nummer).
    pub case_bg: String,
    /// The type slug.
    pub doc_type: String,
    /// When the batch arrived (RFC 3339).
    pub received_at: String,
    /// Its PDF/A.
    pub pdf: Sha256Hex,
}

/// A batch in the outbox with its documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The batch.
    pub batch_id: i64,
    /// Its ProzessID (a UUID), for life.
    pub process_id: String,
    /// Its documents, in order.
    pub documents: Vec<OutgoingDocument>,
}

impl Store {
    /// Puts a batch into the outbox (state `packaged`) unless it is there
    /// already, and returns it with its documents. Refused, in words, while
    /// a document waits for review or has no case, type or PDF.
    pub fn outgoing(&mut self, batch_id: i64) -> Result<Outgoing> {
        let tx = self.conn.transaction()?;
        let state: BatchState = tx
            .query_row("SELECT state FROM batches WHERE id = ?1", [batch_id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| StoreError::Refused(format!("Stapel {batch_id} gibt es nicht")))?;
        if state != BatchState::Classified {
            return Err(StoreError::Refused(format!(
                "Stapel {batch_id} ist {}, noch nicht zugeordnet",
                state.german()
            )));
        }
        let mut stmt = tx.prepare(
            "SELECT d.id, d.uuid, d.case_bg, d.doc_type, d.state, d.pdf_sha, b.created_at
             FROM documents d JOIN batches b ON b.id = d.batch_id
             WHERE d.batch_id = ?1
               AND EXISTS (SELECT 1 FROM document_pages dp WHERE dp.document_id = d.id)
             ORDER BY d.id",
        )?;
        type Row = (
            i64,
            String,
            Option<String>,
            Option<String>,
            DocumentState,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = stmt
            .query_map([batch_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        let mut documents = Vec::new();
        for (id, uuid, case_bg, doc_type, state, pdf, received_at) in rows {
            let refuse = |why: &str| StoreError::Refused(format!("Dokument {id}: {why}"));
            if !matches!(state, DocumentState::Classified | DocumentState::Released) {
                return Err(refuse(&format!("ist {}", state.german())));
            }
            documents.push(OutgoingDocument {
                id,
                uuid,
                case_bg: case_bg.ok_or_else(|| refuse("keine Akte"))?,
                doc_type: doc_type.ok_or_else(|| refuse("kein Dokumenttyp"))?,
                received_at,
                pdf: pdf
                    .as_deref()
                    .and_then(Sha256Hex::parse)
                    .ok_or_else(|| refuse("kein PDF"))?,
            });
        }
        if documents.is_empty() {
            return Err(StoreError::Refused(format!(
                "Stapel {batch_id} hat keine Dokumente"
            )));
        }
        let existing: Option<String> = tx
            .query_row(
                "SELECT process_id FROM sync_outbox WHERE batch_id = ?1",
                [batch_id],
                |r| r.get(0),
            )
            .optional()?;
        let process_id = match existing {
            Some(p) => p,
            None => {
                let p = uuid::Uuid::new_v4().to_string();
                tx.execute(
                    "INSERT INTO sync_outbox (batch_id, process_id, state, updated_at)
                     VALUES (?1, ?2, 'packaged', ?3)",
                    params![batch_id, p, now()],
                )?;
                event(
                    &tx,
                    "batch.packaged",
                    Some(batch_id),
                    None,
                    &format!("ProzessID {p}, {} Dokument(e)", documents.len()),
                )?;
                p
            }
        };
        tx.commit()?;
        Ok(Outgoing {
            batch_id,
            process_id,
            documents,
        })
    }
}
