//! The letters the station writes by itself (`[letter] automatic`): which
//! households have documents the DMS imported since their last automatic
//! letter, and each letter written (in the audit chain).

use super::{Result, Store, event, now};
use rusqlite::{OptionalExtension, params};

/// A household that is owed a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterDue {
    /// The household (BG-Nummer).
    pub case_bg: String,
    /// The DMS's import of its last automatic letter's newest document
    /// (none: no letter yet); the new one names what was imported after.
    pub after: Option<String>,
    /// The newest import it will cover.
    pub through: String,
}

impl Store {
    /// Households with documents (not letters of type `letter_type`) the
    /// DMS imported after their last automatic letter.
    pub fn letters_due(&self, letter_type: &str) -> Result<Vec<LetterDue>> {
        let mut stmt = self.conn.prepare(
            "WITH filed AS (
                 SELECT d.case_bg AS case_bg, MAX(o.imported_at) AS at
                 FROM documents d JOIN sync_documents sd ON sd.document_id = d.id
                 JOIN sync_outbox o ON o.id = sd.outbox_id
                 WHERE d.case_bg IS NOT NULL AND COALESCE(d.doc_type, '') != ?1
                   AND o.message = '0605' AND sd.error IS NULL AND sd.invalid_at IS NULL
                   AND o.state IN ('imported', 'purged')
                 GROUP BY d.id),
             last AS (SELECT case_bg, MAX(through) AS through FROM auto_letters GROUP BY case_bg)
             SELECT f.case_bg, l.through, MAX(f.at) FROM filed f
             LEFT JOIN last l ON l.case_bg = f.case_bg
             WHERE l.through IS NULL OR f.at > l.through
             GROUP BY f.case_bg ORDER BY f.case_bg",
        )?;
        let rows = stmt.query_map([letter_type], |r| {
            Ok(LetterDue {
                case_bg: r.get(0)?,
                after: r.get(1)?,
                through: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the station last wrote a letter by itself.
    pub fn last_auto_letter(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT MAX(at) FROM auto_letters", [], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Records an automatic letter to `due.case_bg` naming `documents`
    /// documents (`placed`: where it went, in words).
    pub fn record_auto_letter(
        &mut self,
        due: &LetterDue,
        documents: usize,
        placed: &str,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO auto_letters (case_bg, through, documents, at) VALUES (?1, ?2, ?3, ?4)",
            params![due.case_bg, due.through, documents as i64, now()],
        )?;
        event(
            &tx,
            "subject.letter",
            None,
            None,
            &format!(
                "Brief an {} von der Station geschrieben: {documents} Dokument(e); {placed}",
                due.case_bg
            ),
        )?;
        tx.commit()?;
        Ok(())
    }
}
