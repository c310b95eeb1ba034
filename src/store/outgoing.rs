//! Packaging a batch into a message: the documents of a batch not yet in
//! the DMS get one message (state `packaged`) with its ProzessID, their
//! PDFs and the facts of each document's transfer note.

use super::outbox::{DECIDED, set_document};
use super::{BatchState, DocumentState, Result, Store, StoreError, Transaction, event, now};
use crate::package::transfer::{NoteEdit, NotePage, TransferFacts};
use crate::store::blob::Sha256Hex;
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
    /// The recognised text of its pages, pages separated by form feeds.
    pub text: String,
    /// What its transfer note says.
    pub facts: TransferFacts,
    /// How often the DMS filed it before and then marked that filing
    /// invalid (a correction after filing): 0 for the first filing.
    pub filing: u32,
    /// The born-digital files its pages were made from (Office files), to
    /// go with it as further formats, in page order.
    pub originals: Vec<OutgoingOriginal>,
}

/// A born-digital file a document was converted from.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingOriginal {
    /// The file as it arrived, in the blob store.
    pub sha: Sha256Hex,
    /// Its name as it arrived.
    pub file_name: String,
    /// What it is.
    pub kind: crate::intake::convert::OfficeKind,
}

/// A message in the outbox with its documents, in `NummerImStapel` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The outbox row.
    pub outbox_id: i64,
    /// The batch.
    pub batch_id: i64,
    /// Its ProzessID (a UUID), for life.
    pub process_id: String,
    /// Its documents, in order.
    pub documents: Vec<OutgoingDocument>,
}

impl Store {
    /// The message of a batch now on its way, or a new one for its
    /// documents not yet in the DMS (state `packaged`, a new ProzessID, its
    /// documents locked). Refused, in words, while a document waits for
    /// review or has no case, type or PDF, or when nothing is left to send.
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
                "Stapel {batch_id} ist {}, nicht zum Senden bereit",
                state.german()
            )));
        }
        let active: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, process_id FROM sync_outbox
                 WHERE batch_id = ?1 AND state IN ('packaged', 'sent', 'received')
                 ORDER BY round DESC LIMIT 1",
                [batch_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (outbox_id, process_id) = match active {
            Some(a) => a,
            None => new_message(&tx, batch_id)?,
        };
        let documents = message_documents(&tx, outbox_id)?;
        tx.commit()?;
        Ok(Outgoing {
            outbox_id,
            batch_id,
            process_id,
            documents,
        })
    }

    /// Batches ready to be packaged: decided (`classified`), no document
    /// changed after `settled_before` (RFC 3339: a person may still undo a
    /// confirmation), with no message on its way and documents not yet in
    /// the DMS.
    pub(crate) fn batches_to_package(&self, settled_before: &str) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT b.id FROM batches b
             WHERE b.released_at IS NOT NULL AND {DECIDED}
               AND NOT EXISTS (SELECT 1 FROM sync_outbox o WHERE o.batch_id = b.id
                               AND o.state IN ('packaged', 'sent', 'received'))
               AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.batch_id = b.id
                               AND d.updated_at > ?1)
             ORDER BY b.id"
        ))?;
        let rows = stmt.query_map([settled_before], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A new message for the batch's documents not yet in the DMS.
pub(super) fn new_message(tx: &Transaction<'_>, batch_id: i64) -> Result<(i64, String)> {
    let mut stmt = tx.prepare(
        "SELECT d.id, d.state, d.case_bg, d.doc_type, d.pdf_sha FROM documents d
         WHERE d.batch_id = ?1 AND d.state != 'transferred'
           AND EXISTS (SELECT 1 FROM document_pages dp WHERE dp.document_id = d.id)
         ORDER BY (SELECT MIN(p.seq) FROM document_pages dp JOIN pages p ON p.id = dp.page_id
                   WHERE dp.document_id = d.id)",
    )?;
    type Row = (
        i64,
        DocumentState,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = stmt
        .query_map([batch_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    let mut docs = Vec::new();
    for (id, state, case, doc_type, pdf) in rows {
        let refuse = |why: &str| StoreError::Refused(format!("Dokument {id}: {why}"));
        if !matches!(state, DocumentState::Classified | DocumentState::Released) {
            return Err(refuse(&format!("ist {}", state.german())));
        }
        if case.is_none() {
            return Err(refuse("keine Akte"));
        }
        if doc_type.is_none() {
            return Err(refuse("kein Dokumenttyp"));
        }
        let pdf = pdf
            .filter(|p| Sha256Hex::parse(p).is_some())
            .ok_or_else(|| refuse("kein PDF"))?;
        docs.push((id, state, pdf));
    }
    if docs.is_empty() {
        return Err(StoreError::Refused(format!(
            "Stapel {batch_id}: nichts mehr zu senden"
        )));
    }
    let round: u32 = tx.query_row(
        "SELECT COALESCE(MAX(round), 0) + 1 FROM sync_outbox WHERE batch_id = ?1",
        [batch_id],
        |r| r.get(0),
    )?;
    let process_id = uuid::Uuid::new_v4().to_string();
    let at = now();
    tx.execute(
        "INSERT INTO sync_outbox (batch_id, round, process_id, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'packaged', ?4, ?4)",
        params![batch_id, round, process_id, at],
    )?;
    let outbox_id = tx.last_insert_rowid();
    for (number, (doc, state, pdf)) in (1..).zip(&docs) {
        tx.execute(
            "INSERT INTO sync_documents (outbox_id, document_id, number, pdf_sha)
             VALUES (?1, ?2, ?3, ?4)",
            params![outbox_id, doc, number, pdf],
        )?;
        // Automatically decided documents are released by packaging.
        if *state == DocumentState::Classified {
            set_document(tx, *doc, DocumentState::Released, None)?;
        }
    }
    event(
        tx,
        "batch.packaged",
        Some(batch_id),
        None,
        &format!(
            "ProzessID {process_id}, {} Dokument(e){}",
            docs.len(),
            if round > 1 {
                format!(", Nachlieferung {round}")
            } else {
                String::new()
            }
        ),
    )?;
    Ok((outbox_id, process_id))
}

/// The documents of a message, in `NummerImStapel` order, with their text.
pub(super) fn message_documents(
    tx: &Transaction<'_>,
    outbox_id: i64,
) -> Result<Vec<OutgoingDocument>> {
    let mut stmt = tx.prepare(
        "SELECT d.id, d.uuid, d.case_bg, d.doc_type, b.created_at, sd.pdf_sha,
                (SELECT COUNT(*) FROM sync_documents x WHERE x.document_id = d.id
                 AND x.invalid_at IS NOT NULL)
         FROM sync_documents sd JOIN documents d ON d.id = sd.document_id
         JOIN batches b ON b.id = d.batch_id
         WHERE sd.outbox_id = ?1 ORDER BY sd.number",
    )?;
    let mut text = tx.prepare(
        "SELECT COALESCE(o.text, '') FROM document_pages dp
         LEFT JOIN page_ocr o ON o.page_id = dp.page_id
         JOIN pages p ON p.id = dp.page_id
         WHERE dp.document_id = ?1 AND p.state != 'removed' ORDER BY dp.position",
    )?;
    // An e-mail goes with the document of its own text (part 0); its
    // attachments' documents are made from what it holds.
    let mut originals = tx.prepare(
        "SELECT s.sha256, s.file_name, s.format FROM document_pages dp
         JOIN pages p ON p.id = dp.page_id JOIN source_files s ON s.id = p.source_file_id
         WHERE dp.document_id = ?1 AND p.state != 'removed' AND p.part = 0
         GROUP BY s.id ORDER BY MIN(dp.position)",
    )?;
    let rows = stmt
        .query_map([outbox_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, u32>(6)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, uuid, case, doc_type, received_at, pdf, filing) in rows {
        let pages: Vec<String> = text
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let facts = transfer_facts(tx, id, &pdf)?;
        let originals = originals
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter_map(|(sha, file_name, format)| {
                Some(OutgoingOriginal {
                    sha: Sha256Hex::parse(&sha)?,
                    file_name,
                    kind: crate::intake::convert::OfficeKind::from_stored(&format)?,
                })
            })
            .collect();
        out.push(OutgoingDocument {
            id,
            uuid,
            case_bg: case.unwrap_or_default(),
            doc_type: doc_type.unwrap_or_default(),
            received_at,
            pdf: Sha256Hex::parse(&pdf).ok_or_else(|| {
                StoreError::Refused(format!("Dokument {id}: PDF-Prüfsumme {pdf:?} ungültig"))
            })?,
            text: pages.join("\n\u{c}\n"),
            facts,
            filing,
            originals,
        });
    }
    Ok(out)
}

/// What a document's transfer note says, from the store.
pub(super) fn transfer_facts(tx: &Transaction<'_>, doc: i64, pdf: &str) -> Result<TransferFacts> {
    type Head = (
        String,
        Option<String>,
        Option<String>,
        Option<u32>,
        String,
        Option<String>,
        Option<f64>,
        Option<f64>,
        String,
        String,
        String,
    );
    let h: Head = tx.query_row(
        "SELECT d.uuid, d.case_bg, d.doc_type, d.expected_pages, d.flags, d.case_status,
                d.case_confidence, d.type_confidence, b.uuid, b.created_at, b.profile
         FROM documents d JOIN batches b ON b.id = d.batch_id WHERE d.id = ?1",
        [doc],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
            ))
        },
    )?;
    let words = |codes: &str| -> Vec<String> {
        codes
            .split(',')
            .filter_map(crate::prepare::imaging::flag_words)
            .collect()
    };
    let mut stmt = tx.prepare(
        "SELECT p.sha256, pp.prepared_sha, s.file_name, s.sha256, p.page_index, s.profile_sha,
                p.dpi_x, p.colour, COALESCE(pp.rotation, 0), pp.skew, p.state,
                COALESCE(pp.flags, '')
         FROM document_pages dp JOIN pages p ON p.id = dp.page_id
         JOIN source_files s ON s.id = p.source_file_id
         LEFT JOIN page_prep pp ON pp.page_id = p.id
         WHERE dp.document_id = ?1 ORDER BY dp.position",
    )?;
    let pages = stmt
        .query_map([doc], |r| {
            Ok(NotePage {
                sha256: r.get(0)?,
                prepared_sha256: r.get(1)?,
                source_file: r.get(2)?,
                source_sha256: r.get(3)?,
                source_page: r.get::<_, u32>(4)? + 1,
                profile_sha256: r.get(5)?,
                dpi: r.get(6)?,
                colour: r.get(7)?,
                rotation: r.get(8)?,
                skew: r.get(9)?,
                removed: r.get::<_, String>(10)? == "removed",
                flags: words(&r.get::<_, String>(11)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = tx.prepare(
        "SELECT at, kind, detail FROM events WHERE document_id = ?1
           AND kind IN ('document.edited', 'document.confirmed', 'document.reopened',
                        'document.refused_by_dms', 'document.corrected',
                        'incident.withdrawn')
         ORDER BY id",
    )?;
    let edits = stmt
        .query_map([doc], |r| {
            let kind: String = r.get(1)?;
            Ok(NoteEdit {
                at: r.get(0)?,
                kind: match kind.as_str() {
                    "document.edited" => "bearbeitet",
                    "document.confirmed" => "bestaetigt",
                    "document.reopened" => "zurueckgenommen",
                    "document.corrected" => "nach Ablage berichtigt",
                    "incident.withdrawn" => "in falscher Akte ungueltig",
                    _ => "vom DMS abgelehnt",
                }
                .to_owned(),
                detail: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let (scanned_by, released_by, released_at, checked, documents): (
        Option<String>,
        Option<String>,
        Option<String>,
        u32,
        u32,
    ) = tx.query_row(
        "SELECT b.scanned_by, b.released_by, b.released_at,
                (SELECT COUNT(*) FROM qa_items q WHERE q.batch_id = b.id AND q.result = 'ok'),
                (SELECT COUNT(*) FROM documents o WHERE o.batch_id = b.id
                 AND o.state IN ('classified', 'released', 'transferred'))
         FROM documents d JOIN batches b ON b.id = d.batch_id WHERE d.id = ?1",
        [doc],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let own = tx
        .query_row(
            "SELECT reason, checked_by, checked_at FROM qa_items
             WHERE document_id = ?1 AND result = 'ok'",
            [doc],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let qa = crate::package::transfer::QaFacts {
        released_by,
        released_at,
        checked,
        documents,
        own,
    };
    Ok(TransferFacts {
        document: h.0,
        case_bg: h.1.unwrap_or_default(),
        doc_type: h.2.unwrap_or_default(),
        expected_pages: h.3,
        anomalies: words(&h.4),
        confirmed: h.5.as_deref() == Some("confirmed"),
        case_confidence: h.6,
        type_confidence: h.7,
        batch: h.8,
        received_at: h.9,
        profile: h.10,
        pages,
        pdf_sha256: pdf.to_owned(),
        edits,
        scanned_by,
        qa,
    })
}
