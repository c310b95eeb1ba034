//! Erasure of one case (Art. 17 GDPR, § 84 SGB X) while its data is still
//! buffered at the station: its documents' page images, thumbnails, PDFs,
//! OCR text, barcode texts and decisions, its register entries (every
//! version), and each scanner file whose pages all belong to it. A scanner
//! file that also holds other cases' pages stays (named in the result)
//! until those are erased or purged after the DMS's import. The documents
//! remain as empty records without their case; the audit trail records the
//! erasure.

use super::{Result, Store, StoreError, event};
use crate::store::blob::Sha256Hex;
use rusqlite::params;

/// What erasing a case deletes, planned before anything is deleted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErasePlan {
    /// The case.
    pub bg: String,
    /// Its documents.
    pub documents: Vec<i64>,
    /// Their pages.
    pub pages: u32,
    /// Register entries (all versions).
    pub persons: u32,
    /// Blobs only this case holds.
    pub blobs: Vec<Sha256Hex>,
    /// Scanner files kept because other cases' pages are in them.
    pub kept_sources: Vec<i64>,
}

impl ErasePlan {
    /// What the plan deletes, in words.
    pub fn describe(&self) -> String {
        let kept = if self.kept_sources.is_empty() {
            String::new()
        } else {
            format!(
                "; {} Scannerdatei(en) mit Seiten anderer Akten bleiben",
                self.kept_sources.len()
            )
        };
        format!(
            "{} Dokument(e), {} Seite(n), {} Person(en) im Fallbestand, {} Datei(en){kept}",
            self.documents.len(),
            self.pages,
            self.persons,
            self.blobs.len()
        )
    }
}

impl Store {
    /// Plans the erasure of case `bg`; refused in words while one of its
    /// documents is on its way to the DMS.
    pub fn plan_erase(&self, bg: &str) -> Result<ErasePlan> {
        let docs: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM documents WHERE case_bg = ?1 ORDER BY id")?
            .query_map([bg], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let busy: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM sync_documents sd JOIN sync_outbox o ON o.id = sd.outbox_id
             JOIN documents d ON d.id = sd.document_id
             WHERE d.case_bg = ?1 AND o.state IN ('packaged', 'sent', 'received')",
            [bg],
            |r| r.get(0),
        )?;
        if busy > 0 {
            return Err(StoreError::Refused(format!(
                "{busy} Dokument(e) der Akte {bg} werden gerade an das DMS übertragen: erst nach dessen Antwort löschen"
            )));
        }
        let persons: u32 = self.conn.query_row(
            "SELECT COUNT(*) FROM register_persons WHERE bg = ?1",
            [bg],
            |r| r.get(0),
        )?;
        let pages: u32 = self.conn.query_row(
            "SELECT COUNT(*) FROM document_pages dp JOIN documents d ON d.id = dp.document_id
             WHERE d.case_bg = ?1",
            [bg],
            |r| r.get(0),
        )?;
        // Scanner files all of whose pages are this case's, and the others.
        let sources: Vec<(i64, bool)> = self
            .conn
            .prepare(
                "SELECT s.id, NOT EXISTS (
                     SELECT 1 FROM pages p2 WHERE p2.source_file_id = s.id
                       AND p2.id NOT IN (SELECT dp.page_id FROM document_pages dp
                                         JOIN documents d ON d.id = dp.document_id
                                         WHERE d.case_bg = ?1))
                 FROM source_files s
                 WHERE s.id IN (SELECT p.source_file_id FROM pages p
                                JOIN document_pages dp ON dp.page_id = p.id
                                JOIN documents d ON d.id = dp.document_id
                                WHERE d.case_bg = ?1)",
            )?
            .query_map([bg], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare(
            "WITH mine_pages(id) AS (
                 SELECT dp.page_id FROM document_pages dp JOIN documents d ON d.id = dp.document_id
                 WHERE d.case_bg = ?1),
             mine(sha) AS (
                 SELECT p.sha256 FROM pages p WHERE p.id IN mine_pages
                 UNION SELECT pp.thumb_sha FROM page_prep pp WHERE pp.page_id IN mine_pages
                 UNION SELECT pp.prepared_sha FROM page_prep pp
                       WHERE pp.page_id IN mine_pages AND pp.prepared_sha IS NOT NULL
                 UNION SELECT t.sha_after FROM page_transforms t
                       WHERE t.page_id IN mine_pages AND t.sha_after IS NOT NULL
                 UNION SELECT pdf_sha FROM documents WHERE case_bg = ?1 AND pdf_sha IS NOT NULL),
             others(sha) AS (
                 SELECT p.sha256 FROM pages p WHERE p.id NOT IN mine_pages
                 UNION SELECT pp.thumb_sha FROM page_prep pp WHERE pp.page_id NOT IN mine_pages
                 UNION SELECT pp.prepared_sha FROM page_prep pp
                       WHERE pp.page_id NOT IN mine_pages AND pp.prepared_sha IS NOT NULL
                 UNION SELECT pdf_sha FROM documents
                       WHERE (case_bg IS NULL OR case_bg != ?1) AND pdf_sha IS NOT NULL)
             SELECT sha FROM mine WHERE sha NOT IN (SELECT sha FROM others WHERE sha IS NOT NULL)",
        )?;
        let mut blobs: Vec<Sha256Hex> = stmt
            .query_map([bg], |r| r.get::<_, String>(0))?
            .filter_map(std::result::Result::ok)
            .filter_map(|s| Sha256Hex::parse(&s))
            .collect();
        let mut kept_sources = Vec::new();
        for (id, only_this_case) in sources {
            if only_this_case {
                let sha: String = self.conn.query_row(
                    "SELECT sha256 FROM source_files WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )?;
                blobs.extend(Sha256Hex::parse(&sha));
            } else {
                kept_sources.push(id);
            }
        }
        Ok(ErasePlan {
            bg: bg.to_owned(),
            documents: docs,
            pages,
            persons,
            blobs,
            kept_sources,
        })
    }

    /// Carries out the database part of a plan (after its blobs were
    /// deleted), in one transaction, and records it in the audit trail.
    pub fn erase(&mut self, plan: &ErasePlan) -> Result<()> {
        let tx = self.conn.transaction()?;
        let bg = &plan.bg;
        let pages = "SELECT dp.page_id FROM document_pages dp JOIN documents d
                     ON d.id = dp.document_id WHERE d.case_bg = ?1";
        super::forget_pages(&tx, pages, bg)?;
        tx.execute("DELETE FROM register_persons WHERE bg = ?1", [bg])?;
        // A checker's note may describe the paper.
        tx.execute(
            "UPDATE qa_items SET note = NULL
             WHERE document_id IN (SELECT id FROM documents WHERE case_bg = ?1)",
            [bg],
        )?;
        tx.execute(
            "UPDATE documents SET decision = NULL, dms_error = NULL, case_bg = NULL,
                 case_status = 'erased', updated_at = ?2
             WHERE case_bg = ?1",
            params![bg, super::now()],
        )?;
        event(
            &tx,
            "subject.erased",
            None,
            None,
            &format!("Akte {bg} gelöscht: {}", plan.describe()),
        )?;
        tx.commit()?;
        self.truncate_wal();
        Ok(())
    }
}
