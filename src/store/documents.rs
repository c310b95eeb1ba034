//! Documents and their plans: the separation's plan of a batch, its
//! documents and their pages and PDFs.

use super::*;

/// A document as listed for reports and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    /// Row id.
    pub id: i64,
    /// State.
    pub state: DocumentState,
    /// Case, if assigned.
    pub case_bg: Option<String>,
    /// Type, if assigned.
    pub doc_type: Option<String>,
    /// Expected pages (from a cover sheet).
    pub expected_pages: Option<u32>,
    /// Flags (comma-separated codes).
    pub flags: String,
    /// Archive serial number, if an ASN barcode gave one.
    pub asn: Option<i64>,
    /// Its pages, in order.
    pub pages: Vec<i64>,
}

impl Store {
    /// The pages of a batch as the separation planner needs them: every
    /// prepared (or already recognised), separator, blank or failed page (a
    /// failed page stays in its document), in batch order, with its barcodes.
    pub(crate) fn plan_pages(
        &self,
        batch_id: i64,
    ) -> Result<Vec<crate::prepare::separation::PlanPage>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, source_file_id, state, part FROM pages
             WHERE batch_id = ?1 AND state IN ('prepared', 'recognized', 'separator', 'blank', 'failed')
             ORDER BY seq",
        )?;
        let rows: Vec<(i64, i64, PageState, u32)> = stmt
            .query_map([batch_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut codes = self
            .conn
            .prepare("SELECT format, text FROM page_barcodes WHERE page_id = ?1 ORDER BY id")?;
        rows.into_iter()
            .map(|(id, src, state, part)| {
                let barcodes = codes
                    .query_map([id], |r| {
                        Ok(crate::prepare::separation::Barcode {
                            format: r.get(0)?,
                            text: r.get(1)?,
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(crate::prepare::separation::PlanPage {
                    page_id: id,
                    source_file_id: src,
                    part,
                    blank: state == PageState::Blank,
                    barcodes,
                })
            })
            .collect()
    }

    /// Replaces a batch's provisional documents by the planned ones, marks
    /// separator pages, flags page-count mismatches and moves the batch to
    /// `prepared` — one transaction, so a crash leaves the old or the new.
    pub(crate) fn apply_plan(
        &mut self,
        batch_id: i64,
        plan: &crate::prepare::separation::Plan,
    ) -> Result<()> {
        let now = now();
        let tx = self.conn.transaction()?;
        let open_docs: i64 = tx.query_row(
            "SELECT COUNT(*) FROM documents WHERE batch_id = ?1 AND state != ?2",
            params![batch_id, DocumentState::Open],
            |r| r.get(0),
        )?;
        if open_docs > 0 {
            return Err(StoreError::Transition {
                what: "Stapel",
                id: batch_id,
                from: "Dokumente bereits bearbeitet".into(),
                to: "neu getrennt".into(),
            });
        }
        tx.execute(
            "DELETE FROM document_pages WHERE document_id IN (SELECT id FROM documents WHERE batch_id = ?1)",
            [batch_id],
        )?;
        tx.execute("DELETE FROM documents WHERE batch_id = ?1", [batch_id])?;
        for id in &plan.separators {
            tx.execute(
                "UPDATE pages SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state IN ('prepared', 'separator')",
                params![PageState::Separator, now, id],
            )?;
        }
        let mut batch_flags = Vec::new();
        for doc in &plan.documents {
            let cover = doc.cover.as_ref();
            let expected = cover.and_then(|c| c.pages);
            let mismatch = expected.is_some_and(|n| n as usize != doc.pages.len());
            if mismatch {
                batch_flags.push("page_count_mismatch");
            }
            tx.execute(
                "INSERT INTO documents (uuid, batch_id, state, case_bg, doc_type, expected_pages, flags,
                     asn, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?8, ?8)",
                params![
                    uuid::Uuid::new_v4().to_string(),
                    batch_id,
                    DocumentState::Open,
                    cover.map(|c| c.bg.clone()),
                    cover.and_then(|c| c.doc_type.clone()),
                    expected,
                    if mismatch { "page_count_mismatch" } else { "" },
                    now,
                    doc.asn.and_then(|a| i64::try_from(a).ok()),
                ],
            )?;
            let doc_id = tx.last_insert_rowid();
            for (pos, page) in doc.pages.iter().enumerate() {
                tx.execute(
                    "INSERT INTO document_pages (document_id, page_id, position) VALUES (?1, ?2, ?3)",
                    params![doc_id, page, pos as i64],
                )?;
            }
            if mismatch {
                event(
                    &tx,
                    "document.page_count_mismatch",
                    Some(batch_id),
                    Some(doc_id),
                    &format!(
                        "Deckblatt: {} Seiten erwartet, {} gescannt",
                        expected.unwrap_or(0),
                        doc.pages.len()
                    ),
                )?;
            }
        }
        batch_flags.dedup();
        let n = tx.execute(
            "UPDATE batches SET state = ?1, flags = ?2, updated_at = ?3 WHERE id = ?4 AND state = ?5",
            params![BatchState::Prepared, batch_flags.join(","), now, batch_id, BatchState::Ingested],
        )?;
        if n != 1 {
            return Err(StoreError::Transition {
                what: "Stapel",
                id: batch_id,
                from: BatchState::Ingested.to_string(),
                to: BatchState::Prepared.to_string(),
            });
        }
        event(
            &tx,
            "batch.prepared",
            Some(batch_id),
            None,
            &format!(
                "{} Dokument(e), {} Trennblatt/Deckblatt",
                plan.documents.len(),
                plan.separators.len()
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The documents of a batch with their pages.
    pub fn documents_of_batch(&self, batch_id: i64) -> Result<Vec<DocumentRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, state, case_bg, doc_type, expected_pages, flags, asn FROM documents
             WHERE batch_id = ?1 ORDER BY id",
        )?;
        let docs: Vec<DocumentRow> = stmt
            .query_map([batch_id], |r| {
                Ok(DocumentRow {
                    id: r.get(0)?,
                    state: r.get(1)?,
                    case_bg: r.get(2)?,
                    doc_type: r.get(3)?,
                    expected_pages: r.get(4)?,
                    flags: r.get(5)?,
                    asn: r.get(6)?,
                    pages: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut pages = self.conn.prepare(
            "SELECT page_id FROM document_pages WHERE document_id = ?1 ORDER BY position",
        )?;
        docs.into_iter()
            .map(|mut d| {
                d.pages = pages
                    .query_map([d.id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(d)
            })
            .collect()
    }
}

/// A page of a document as the PDF writer needs it.
#[derive(Debug, Clone)]
pub struct DocumentPage {
    /// The page's id.
    pub page_id: i64,
    /// Its state.
    pub state: PageState,
    /// The page image blob (prepared if there is one).
    pub sha: Sha256Hex,
    /// Its encoding name.
    pub encoding: String,
    /// Resolution.
    pub dpi: Option<f64>,
    /// OCR words (encoded, see `crate::ocr::encode_words`).
    pub words: String,
    /// Why the page failed, if it did (it has no text and stays out of the PDF).
    pub failure: Option<String>,
    /// Whether its reading was cut off by the page deadline.
    pub cut_off: bool,
}

impl Store {
    /// The pages of a document in order, with their prepared images and words.
    pub fn document_pages(&self, document_id: i64) -> Result<Vec<DocumentPage>> {
        let mut stmt = self.conn.prepare(
            "SELECT COALESCE(pp.prepared_sha, p.sha256),
                    CASE WHEN pp.prepared_sha IS NULL THEN p.encoding ELSE 'png' END,
                    p.dpi_x, COALESCE(o.words, ''),
                    CASE WHEN p.state = 'failed' THEN COALESCE(p.failure, '') END,
                    p.id, p.state, COALESCE(o.cut_off, 0)
             FROM document_pages dp JOIN pages p ON p.id = dp.page_id
             LEFT JOIN page_prep pp ON pp.page_id = p.id
             LEFT JOIN page_ocr o ON o.page_id = p.id
             WHERE dp.document_id = ?1 ORDER BY dp.position",
        )?;
        let rows = stmt.query_map([document_id], |r| {
            let sha: String = r.get(0)?;
            Ok(DocumentPage {
                sha: Sha256Hex::parse(&sha).unwrap_or_else(|| Sha256Hex::of(b"")),
                encoding: r.get(1)?,
                dpi: r.get(2)?,
                words: r.get(3)?,
                failure: r.get(4)?,
                page_id: r.get(5)?,
                state: r.get(6)?,
                cut_off: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records the PDF/A of a document.
    pub(crate) fn set_document_pdf(&mut self, document_id: i64, pdf: &Sha256Hex) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE documents SET pdf_sha = ?1, updated_at = ?2 WHERE id = ?3",
            params![pdf.as_str(), now(), document_id],
        )?;
        event(
            &tx,
            "document.pdf",
            None,
            Some(document_id),
            &format!("PDF/A-2b {}", pdf.short()),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The PDF/A blob of a document, if written.
    pub fn document_pdf(&self, document_id: i64) -> Result<Option<Sha256Hex>> {
        let s: Option<String> = self
            .conn
            .query_row(
                "SELECT pdf_sha FROM documents WHERE id = ?1",
                [document_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(s.and_then(|s| Sha256Hex::parse(&s)))
    }
}
