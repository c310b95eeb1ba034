//! The paper originals of each batch: where its box is, and every return
//! and destruction a person confirmed (each an entry of the audit chain).
//! What is due is not stored: it follows from each document's type and the
//! DMS's confirmed import ([`crate::protect::originals`]).

use super::{Result, Store, StoreError, event, now};
use rusqlite::{OptionalExtension, params};

/// A document's paper as the store knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PaperRow {
    /// The document.
    pub document_id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// Its case (BG-Nummer), if decided.
    pub case_bg: Option<String>,
    /// Its type (slug), if decided.
    pub doc_type: Option<String>,
    /// When its batch arrived (RFC 3339).
    pub received_at: String,
    /// Pages.
    pub pages: u32,
    /// When the DMS confirmed its (valid) filing, RFC 3339.
    pub filed_at: Option<String>,
    /// Where its batch's box is, if recorded.
    pub place: Option<String>,
    /// A confirmed return or destruction: `returned` or `destroyed`, when, by whom.
    pub done: Option<(String, String, String)>,
}

impl Store {
    /// The paper of every document (with pages) of `batch`, or of all
    /// batches (`open`: only those filed and not yet returned or
    /// destroyed); in batch and document order.
    pub fn paper(&self, batch: Option<i64>, open: bool) -> Result<Vec<PaperRow>> {
        self.paper_where(
            "(?1 IS NULL OR d.batch_id = ?1)
             AND (?2 = 0 OR (pd.document_id IS NULL AND d.state = 'transferred'))",
            params![batch, open],
        )
    }

    /// The paper of one document (none: it has no pages or does not exist).
    pub fn paper_of(&self, document: i64) -> Result<Option<PaperRow>> {
        Ok(self.paper_where("d.id = ?1", params![document])?.pop())
    }

    fn paper_where(&self, condition: &str, args: impl rusqlite::Params) -> Result<Vec<PaperRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT d.id, d.batch_id, d.case_bg, d.doc_type, b.created_at,
                    (SELECT COUNT(*) FROM document_pages dp WHERE dp.document_id = d.id),
                    (SELECT MAX(o.imported_at) FROM sync_documents sd
                     JOIN sync_outbox o ON o.id = sd.outbox_id
                     WHERE sd.document_id = d.id AND o.message = '0605'
                       AND sd.error IS NULL AND sd.invalid_at IS NULL
                       AND o.state IN ('imported', 'purged')),
                    pb.place, pd.action, pd.at, pd.by_user
             FROM documents d JOIN batches b ON b.id = d.batch_id
             LEFT JOIN paper_boxes pb ON pb.batch_id = d.batch_id
             LEFT JOIN paper_done pd ON pd.document_id = d.id
             WHERE EXISTS (SELECT 1 FROM document_pages dp WHERE dp.document_id = d.id)
               AND {condition}
             ORDER BY d.batch_id, d.id"
        ))?;
        let rows = stmt.query_map(args, |r| {
            let action: Option<String> = r.get(8)?;
            Ok(PaperRow {
                document_id: r.get(0)?,
                batch_id: r.get(1)?,
                case_bg: r.get(2)?,
                doc_type: r.get(3)?,
                received_at: r.get(4)?,
                pages: r.get(5)?,
                filed_at: r.get(6)?,
                place: r.get(7)?,
                done: match action {
                    Some(a) => Some((a, r.get(9)?, r.get(10)?)),
                    None => None,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records where a batch's paper is kept (a box, a shelf).
    pub fn set_paper_place(&mut self, batch: i64, place: &str) -> Result<()> {
        let place = place.trim();
        if place.is_empty() {
            return Err(StoreError::Refused(
                "Wo liegt der Karton? Bitte einen Ort angeben (z. B. Regal 3, Karton 12)".into(),
            ));
        }
        let tx = self.conn.transaction()?;
        let known: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM batches WHERE id = ?1)",
            [batch],
            |r| r.get(0),
        )?;
        if !known {
            return Err(StoreError::Refused(format!("Stapel {batch} gibt es nicht")));
        }
        tx.execute(
            "INSERT INTO paper_boxes (batch_id, place, at, by_user)
             VALUES (?1, ?2, ?3, (SELECT actor FROM temp.session_actor LIMIT 1))
             ON CONFLICT (batch_id) DO UPDATE SET place = excluded.place, at = excluded.at,
                 by_user = excluded.by_user",
            params![batch, place, now()],
        )?;
        event(
            &tx,
            "paper.placed",
            Some(batch),
            None,
            &format!("Papier des Stapels {batch}: {place}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A person confirms that a document's paper was `returned` or
    /// `destroyed` (`detail`: what it was, in words, for the chain). Refused
    /// without an account or when it was confirmed already.
    pub fn confirm_paper(&mut self, document: i64, returned: bool, detail: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let actor: String = tx
            .query_row("SELECT actor FROM temp.session_actor LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| {
                StoreError::Refused(
                    "Rückgabe und Vernichtung bestätigt nur eine angemeldete Person".into(),
                )
            })?;
        let done: Option<(String, String)> = tx
            .query_row(
                "SELECT action, at FROM paper_done WHERE document_id = ?1",
                [document],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((action, at)) = done {
            return Err(StoreError::Refused(format!(
                "Das Papier von Dokument {document} ist schon {} ({at})",
                if action == "returned" {
                    "zurückgegeben"
                } else {
                    "vernichtet"
                }
            )));
        }
        let batch: i64 = tx
            .query_row(
                "SELECT batch_id FROM documents WHERE id = ?1",
                [document],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::Refused(format!("Dokument {document} gibt es nicht")))?;
        let action = if returned { "returned" } else { "destroyed" };
        tx.execute(
            "INSERT INTO paper_done (document_id, action, at, by_user) VALUES (?1, ?2, ?3, ?4)",
            params![document, action, now(), actor],
        )?;
        event(
            &tx,
            if returned {
                "paper.returned"
            } else {
                "paper.destroyed"
            },
            Some(batch),
            Some(document),
            detail,
        )?;
        tx.commit()?;
        Ok(())
    }
}
