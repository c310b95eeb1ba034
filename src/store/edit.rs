//! Document boundaries edited by a person: split a document before a page,
//! merge it into the one before, take a page out or put it back, move a
//! page. Each edit is one transaction and returns its inverse, so the
//! window can undo and redo. The documents touched go back to `open`
//! (decision and PDF cleared) and their batch back to `recognized`: the
//! engine's next pass builds their PDFs and decides them again. Documents a
//! person released, or the DMS holds, are not edited.

use super::{BatchState, DocumentState, PageState, Result, Store, StoreError, event, now};
use rusqlite::{OptionalExtension, Transaction, params};

/// An edit of document boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Pages from `at` (0-based position) on become a new document.
    Split {
        /// The document.
        document: i64,
        /// First page of the new document.
        at: usize,
    },
    /// The document's pages are appended to the document before it in its
    /// batch; the document goes.
    Merge {
        /// The document.
        document: i64,
    },
    /// The page at `position` leaves the document (it stays in the store,
    /// `removed`).
    RemovePage {
        /// The document.
        document: i64,
        /// 0-based position.
        position: usize,
    },
    /// A removed page comes back at `position`.
    RestorePage {
        /// The document.
        document: i64,
        /// The page.
        page_id: i64,
        /// 0-based position.
        position: usize,
    },
    /// The page at `position` is turned by `clockwise` degrees (90, 180,
    /// 270) and recognised again.
    RotatePage {
        /// The document.
        document: i64,
        /// 0-based position.
        position: usize,
        /// Degrees clockwise.
        clockwise: u16,
    },
    /// A page moves within its document.
    MovePage {
        /// The document.
        document: i64,
        /// From this 0-based position…
        from: usize,
        /// …to this one.
        to: usize,
    },
}

/// A page turned by a person: the turned image and its thumbnail are in
/// the blob store already (see `Desk::edit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turned {
    /// The page.
    pub page_id: i64,
    /// Quarter turn applied, clockwise (90, 180, 270).
    pub clockwise: u16,
    /// The image before.
    pub before: crate::store::blob::Sha256Hex,
    /// The turned image.
    pub after: crate::store::blob::Sha256Hex,
    /// Its thumbnail.
    pub thumb: crate::store::blob::Sha256Hex,
}

/// A page to turn: what `Desk::edit` needs to make the turned image.
#[derive(Debug, Clone, PartialEq)]
pub struct PageToTurn {
    /// The page.
    pub page_id: i64,
    /// The image shown now (prepared, or as scanned).
    pub sha: crate::store::blob::Sha256Hex,
    /// Its encoding.
    pub encoding: String,
    /// Its resolution.
    pub dpi: Option<f64>,
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The document to show now (the one edited, the new one, or the one
    /// merged into).
    pub document: i64,
    /// Its batch.
    pub batch: i64,
    /// The edit that undoes this one.
    pub inverse: Edit,
    /// What was done, in words.
    pub words: String,
}

/// Refuses an edit, in words.
/// Records a quarter turn of a page: its prepared image and thumbnail
/// become the turned ones, its rotation grows, and the transform is kept
/// (`step`: who turned it — a person, or the recognition stage).
#[allow(clippy::too_many_arguments)]
pub(super) fn record_turn(
    tx: &Transaction<'_>,
    step: &str,
    page_id: i64,
    clockwise: u16,
    before: &str,
    after: &str,
    thumb: &str,
    at: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE page_prep SET prepared_sha = ?1, thumb_sha = ?2,
             rotation = (rotation + ?3) % 360 WHERE page_id = ?4",
        params![after, thumb, clockwise, page_id],
    )?;
    tx.execute(
        "INSERT INTO page_transforms (page_id, step, params, sha_before, sha_after, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            page_id,
            step,
            format!("clockwise={clockwise}"),
            before,
            after,
            at
        ],
    )?;
    Ok(())
}

fn refuse(why: impl Into<String>) -> StoreError {
    StoreError::Refused(why.into())
}

/// The page ids of a document in order.
fn pages_of(tx: &Transaction<'_>, document: i64) -> Result<Vec<i64>> {
    let mut stmt = tx.prepare_cached(
        "SELECT page_id FROM document_pages WHERE document_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([document], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Writes a document's pages in this order (positions 0…).
fn set_pages(tx: &Transaction<'_>, document: i64, pages: &[i64]) -> Result<()> {
    tx.execute(
        "DELETE FROM document_pages WHERE document_id = ?1",
        [document],
    )?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO document_pages (document_id, page_id, position) VALUES (?1, ?2, ?3)",
    )?;
    for (i, p) in pages.iter().enumerate() {
        stmt.execute(params![document, p, i as i64])?;
    }
    Ok(())
}

/// Checks that a document may be edited; returns its batch.
fn editable(tx: &Transaction<'_>, document: i64) -> Result<i64> {
    let (state, batch): (DocumentState, i64) = tx
        .query_row(
            "SELECT state, batch_id FROM documents WHERE id = ?1",
            [document],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| refuse(format!("Dokument {document} gibt es nicht")))?;
    match state {
        _ if super::outbox::in_transfer(tx, document)? => Err(refuse(format!(
            "Dokument {document} wird gerade an das DMS übertragen"
        ))),
        DocumentState::Released => Err(refuse(format!(
            "Dokument {document} ist freigegeben: erst die Bestätigung zurücknehmen"
        ))),
        DocumentState::Transferred => {
            Err(refuse(format!("Dokument {document} ist schon übertragen")))
        }
        _ => {
            let batch_state: BatchState =
                tx.query_row("SELECT state FROM batches WHERE id = ?1", [batch], |r| {
                    r.get(0)
                })?;
            if matches!(batch_state, BatchState::Recognized | BatchState::Classified) {
                Ok(batch)
            } else {
                Err(refuse(format!(
                    "Stapel {batch} ist {}: erst nach der Texterkennung bearbeitbar",
                    batch_state.german()
                )))
            }
        }
    }
}

/// The document before `document` in its batch (by the order of pages).
fn previous(tx: &Transaction<'_>, batch: i64, document: i64) -> Result<Option<i64>> {
    Ok(tx
        .query_row(
            "WITH firsts AS (
                 SELECT dp.document_id AS doc, MIN(p.seq) AS first
                 FROM document_pages dp JOIN pages p ON p.id = dp.page_id
                 JOIN documents d ON d.id = dp.document_id
                 WHERE d.batch_id = ?1 GROUP BY dp.document_id)
             SELECT doc FROM firsts
             WHERE first < (SELECT first FROM firsts WHERE doc = ?2)
             ORDER BY first DESC LIMIT 1",
            params![batch, document],
            |r| r.get(0),
        )
        .optional()?)
}

/// Sends documents back to be decided again and their batch to the
/// classification stage.
pub(super) fn reopen(tx: &Transaction<'_>, batch: i64, documents: &[i64]) -> Result<()> {
    super::qa::reset(tx, batch)?;
    for d in documents {
        tx.execute(
            "UPDATE documents SET state = ?1, case_bg = NULL, doc_type = NULL, case_status = NULL,
                 case_confidence = NULL, type_confidence = NULL, decision = NULL, pdf_sha = NULL,
                 updated_at = ?2 WHERE id = ?3",
            params![DocumentState::Open, now(), d],
        )?;
    }
    tx.execute(
        "UPDATE batches SET state = ?1, updated_at = ?2 WHERE id = ?3",
        params![BatchState::Recognized, now(), batch],
    )?;
    Ok(())
}

impl Store {
    /// Applies an edit of document boundaries (see [`Edit`]).
    pub fn edit_documents(&mut self, edit: &Edit) -> Result<Edited> {
        let tx = self.conn.transaction()?;
        let done = match *edit {
            Edit::Split { document, at } => {
                let batch = editable(&tx, document)?;
                let pages = pages_of(&tx, document)?;
                if at == 0 || at >= pages.len() {
                    return Err(refuse(format!(
                        "Dokument {document} hat {} Seite(n): geteilt wird vor Seite 2 bis {}",
                        pages.len(),
                        pages.len()
                    )));
                }
                let t = now();
                tx.execute(
                    "INSERT INTO documents (uuid, batch_id, state, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![
                        uuid::Uuid::new_v4().to_string(),
                        batch,
                        DocumentState::Open,
                        t
                    ],
                )?;
                let new = tx.last_insert_rowid();
                set_pages(&tx, document, &pages[..at])?;
                set_pages(&tx, new, &pages[at..])?;
                reopen(&tx, batch, &[document, new])?;
                Edited {
                    document: new,
                    batch,
                    inverse: Edit::Merge { document: new },
                    words: format!("Dokument {document} vor Seite {} geteilt", at + 1),
                }
            }
            Edit::Merge { document } => {
                let batch = editable(&tx, document)?;
                let before = previous(&tx, batch, document)?.ok_or_else(|| {
                    refuse(format!("Dokument {document} ist das erste seines Stapels"))
                })?;
                editable(&tx, before)?;
                let mut pages = pages_of(&tx, before)?;
                let at = pages.len();
                pages.extend(pages_of(&tx, document)?);
                set_pages(&tx, document, &[])?;
                set_pages(&tx, before, &pages)?;
                tx.execute("DELETE FROM documents WHERE id = ?1", [document])?;
                reopen(&tx, batch, &[before])?;
                Edited {
                    document: before,
                    batch,
                    inverse: Edit::Split {
                        document: before,
                        at,
                    },
                    words: format!("Dokument {document} an Dokument {before} angehängt"),
                }
            }
            Edit::RemovePage { document, position } => {
                let batch = editable(&tx, document)?;
                let mut pages = pages_of(&tx, document)?;
                if pages.len() < 2 || position >= pages.len() {
                    return Err(refuse(
                        "die einzige Seite eines Dokuments bleibt: das Dokument stattdessen anhängen",
                    ));
                }
                let page_id = pages.remove(position);
                set_pages(&tx, document, &pages)?;
                // A failed page can be taken out too (it keeps its reason).
                tx.execute(
                    "UPDATE pages SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state IN (?4, ?5)",
                    params![
                        PageState::Removed,
                        now(),
                        page_id,
                        PageState::Recognized,
                        PageState::Failed
                    ],
                )?;
                reopen(&tx, batch, &[document])?;
                Edited {
                    document,
                    batch,
                    inverse: Edit::RestorePage {
                        document,
                        page_id,
                        position,
                    },
                    words: format!("Seite {} aus Dokument {document} entfernt", position + 1),
                }
            }
            Edit::RestorePage {
                document,
                page_id,
                position,
            } => {
                let batch = editable(&tx, document)?;
                let state: PageState =
                    tx.query_row("SELECT state FROM pages WHERE id = ?1", [page_id], |r| {
                        r.get(0)
                    })?;
                if state != PageState::Removed {
                    return Err(refuse(format!("Seite {page_id} ist nicht entfernt")));
                }
                let mut pages = pages_of(&tx, document)?;
                pages.insert(position.min(pages.len()), page_id);
                set_pages(&tx, document, &pages)?;
                // A page that had failed comes back failed.
                tx.execute(
                    "UPDATE pages SET state = CASE WHEN failure IS NULL THEN ?1 ELSE ?2 END,
                         updated_at = ?3 WHERE id = ?4",
                    params![PageState::Recognized, PageState::Failed, now(), page_id],
                )?;
                reopen(&tx, batch, &[document])?;
                Edited {
                    document,
                    batch,
                    inverse: Edit::RemovePage { document, position },
                    words: format!(
                        "Seite wieder in Dokument {document} an Stelle {}",
                        position + 1
                    ),
                }
            }
            Edit::RotatePage { .. } => {
                return Err(refuse("Drehen braucht das gedrehte Bild (Desk::edit)"));
            }
            Edit::MovePage { document, from, to } => {
                let batch = editable(&tx, document)?;
                let mut pages = pages_of(&tx, document)?;
                if from >= pages.len() || to >= pages.len() || from == to {
                    return Err(refuse("die Seite kann nicht dorthin"));
                }
                let p = pages.remove(from);
                pages.insert(to, p);
                set_pages(&tx, document, &pages)?;
                reopen(&tx, batch, &[document])?;
                Edited {
                    document,
                    batch,
                    inverse: Edit::MovePage {
                        document,
                        from: to,
                        to: from,
                    },
                    words: format!(
                        "Seite {} in Dokument {document} an Stelle {} verschoben",
                        from + 1,
                        to + 1
                    ),
                }
            }
        };
        event(
            &tx,
            "document.edited",
            Some(done.batch),
            Some(done.document),
            &done.words,
        )?;
        tx.commit()?;
        Ok(done)
    }

    /// The page at `position` of a document, for turning it.
    pub(crate) fn page_to_turn(&self, document: i64, position: usize) -> Result<PageToTurn> {
        self.conn
            .query_row(
                "SELECT p.id, COALESCE(pp.prepared_sha, p.sha256),
                        CASE WHEN pp.prepared_sha IS NULL THEN p.encoding ELSE 'png' END, p.dpi_x
                 FROM document_pages dp JOIN pages p ON p.id = dp.page_id
                 LEFT JOIN page_prep pp ON pp.page_id = p.id
                 WHERE dp.document_id = ?1 AND dp.position = ?2",
                params![document, position as i64],
                |r| {
                    let sha: String = r.get(1)?;
                    Ok(PageToTurn {
                        page_id: r.get(0)?,
                        sha: crate::store::blob::Sha256Hex::parse(&sha)
                            .unwrap_or_else(|| crate::store::blob::Sha256Hex::of(b"")),
                        encoding: r.get(2)?,
                        dpi: r.get(3)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| {
                refuse(format!(
                    "Dokument {document} hat keine Seite {}",
                    position + 1
                ))
            })
    }

    /// Records a page turned by a person: the turned image becomes the
    /// prepared page (the scan stays as it was), the transformation is
    /// recorded, the page is recognised again and its documents decided
    /// again — one transaction. `edit` is the [`Edit::RotatePage`] asked for.
    pub fn turn_page(&mut self, edit: &Edit, turned: &Turned) -> Result<Edited> {
        let Edit::RotatePage {
            document,
            position,
            clockwise,
        } = *edit
        else {
            return Err(refuse("keine Drehung"));
        };
        let tx = self.conn.transaction()?;
        let batch = editable(&tx, document)?;
        let t = now();
        record_turn(
            &tx,
            "manual_rotation",
            turned.page_id,
            turned.clockwise,
            turned.before.as_str(),
            turned.after.as_str(),
            turned.thumb.as_str(),
            &t,
        )?;
        // Recognised again: the old text and words go, the page waits for OCR.
        tx.execute("DELETE FROM page_ocr WHERE page_id = ?1", [turned.page_id])?;
        tx.execute("DELETE FROM page_fts WHERE rowid = ?1", [turned.page_id])?;
        tx.execute(
            "UPDATE pages SET state = ?1, updated_at = ?2 WHERE id = ?3",
            params![PageState::Prepared, t, turned.page_id],
        )?;
        reopen(&tx, batch, &[document])?;
        tx.execute(
            "UPDATE batches SET state = ?1, updated_at = ?2 WHERE id = ?3",
            params![BatchState::Prepared, t, batch],
        )?;
        let words = format!(
            "Seite {} von Dokument {document} um {clockwise}° gedreht",
            position + 1
        );
        event(&tx, "document.edited", Some(batch), Some(document), &words)?;
        tx.commit()?;
        Ok(Edited {
            document,
            batch,
            inverse: Edit::RotatePage {
                document,
                position,
                clockwise: (360 - clockwise % 360) % 360,
            },
            words,
        })
    }

    /// Documents waiting to be decided again that have no PDF (after an
    /// edit), in all batches at the classification stage.
    pub(crate) fn documents_without_pdf(&self) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT d.id FROM documents d JOIN batches b ON b.id = d.batch_id
             WHERE b.state = ?1 AND d.state = ?2 AND d.pdf_sha IS NULL
               AND EXISTS (SELECT 1 FROM document_pages dp WHERE dp.document_id = d.id)
             ORDER BY d.id",
        )?;
        let rows = stmt.query_map(params![BatchState::Recognized, DocumentState::Open], |r| {
            r.get(0)
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
