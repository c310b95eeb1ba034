//! The case register in the store (every import a new version, the older
//! ones kept for audit) and the decisions on each document's case and type.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{DocumentState, PageState, Result, Store, StoreError, event, now};
use crate::classify::casefind::{CaseDecision, CaseStatus};
use crate::classify::doctype::{TypeDecision, TypeModel};
use crate::classify::register::{Person, Register};

/// A document's case and type, each if set.
pub(crate) type CaseAndType = (Option<String>, Option<String>);

/// One imported version of the register.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegisterVersion {
    /// Version id.
    pub id: i64,
    /// When it was imported.
    pub imported_at: String,
    /// File name it came from.
    pub source_name: String,
    /// SHA-256 of that file.
    pub source_sha: String,
    /// Persons taken.
    pub persons: i64,
    /// Cases (distinct BG-Nummern).
    pub cases: i64,
    /// Rows skipped as bad.
    pub skipped: i64,
    /// Whether it is the one in use.
    pub current: bool,
}

/// A decision on a document, to be recorded.
#[derive(Debug)]
pub struct NewDecision<'a> {
    /// The document.
    pub document_id: i64,
    /// The case verdict.
    pub case: &'a CaseDecision,
    /// The type verdict.
    pub doc_type: &'a TypeDecision,
    /// Whether the type is certain enough to stand without a person.
    pub type_certain: bool,
}

/// One document as `scanstelle documents` reports it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DocumentReport {
    /// Document id.
    pub document_id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// The file its first page came from, as ingested.
    pub source_file: Option<String>,
    /// 1-based page numbers of its content pages in that file.
    pub pages: Vec<i64>,
    /// The case, if any.
    pub case: Option<String>,
    /// auto, review, confirmed or none.
    pub case_status: String,
    /// Confidence of the case, 0..1.
    pub case_confidence: f64,
    /// The type slug, if decided.
    pub doc_type: Option<String>,
    /// Confidence of the type, 0..1.
    pub type_confidence: f64,
    /// Blank pages of the same file between or around its pages (1-based).
    pub blank_pages: Vec<i64>,
    /// Separator sheets of the same file (1-based).
    pub separator_pages: Vec<i64>,
    /// The document's state.
    pub state: String,
    /// Why it waits for review, in words.
    pub reasons: Vec<String>,
    /// The candidates with their evidence and the type's phrases, in words.
    pub explanation: Vec<String>,
}

/// The blank and separator pages of a file (`page_index, state, document`
/// of every page, in order) with the document each belongs to: a blank page
/// to the document before it (a backside), a separator sheet to the one
/// after it; at the ends of the file, to the only neighbour there is.
/// Returns `(page_index, is_blank, document)`.
fn sheet_owners(pages: &[(i64, String, Option<i64>)]) -> Vec<(i64, bool, i64)> {
    let mut out = Vec::new();
    let mut before = None;
    for (k, (index, state, doc)) in pages.iter().enumerate() {
        if doc.is_some() {
            before = *doc;
            continue;
        }
        let after = || pages[k + 1..].iter().find_map(|p| p.2);
        let owner = match state.as_str() {
            "blank" => before.or_else(after),
            "separator" => after().or(before),
            _ => continue,
        };
        if let Some(owner) = owner {
            out.push((*index, state == "blank", owner));
        }
    }
    out
}

/// The stored decision in words: up to three case candidates with their
/// evidence (page and place), then the type candidates and their phrases.
fn explain(decision: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for c in decision["case_candidates"]
        .as_array()
        .into_iter()
        .flatten()
        .take(3)
    {
        let evidence: Vec<String> = c["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let at = e["bbox"]
                    .as_array()
                    .map(|b| format!(" bei x={} y={}", b[0], b[1]))
                    .unwrap_or_default();
                format!("{}{at}", e["text"].as_str().unwrap_or_default())
            })
            .collect();
        out.push(format!(
            "Akte {} ({:.0} %): {}",
            c["bg"].as_str().unwrap_or_default(),
            c["score"].as_f64().unwrap_or_default() * 100.0,
            evidence.join("; ")
        ));
    }
    let types: Vec<String> = decision["type_candidates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some(format!(
                "{} {:.0} %",
                t[0].as_str()?,
                t[1].as_f64()? * 100.0
            ))
        })
        .collect();
    if !types.is_empty() {
        let phrases: Vec<&str> = decision["type_phrases"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str())
            .collect();
        out.push(format!(
            "Typ: {} — gefunden: {}",
            types.join(", "),
            phrases.join(", ")
        ));
    }
    out
}

impl Store {
    /// Stores a checked register as a new version and makes it the current
    /// one, in one transaction; the earlier versions stay.
    pub fn import_register(
        &mut self,
        persons: &[Person],
        source_name: &str,
        source_sha: &str,
        skipped: usize,
    ) -> Result<RegisterVersion> {
        let tx = self.conn.transaction()?;
        let cases = persons
            .iter()
            .map(|p| p.bg.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len();
        tx.execute(
            "INSERT INTO register_versions (imported_at, source_name, source_sha, persons, cases, skipped)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![now(), source_name, source_sha, persons.len() as i64, cases as i64, skipped as i64],
        )?;
        let version = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare(
                "INSERT INTO register_persons (version_id, bg, kundennummer, nachname, vorname,
                     geburtsdatum, strasse, plz, ort, email)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for p in persons {
                insert.execute(params![
                    version,
                    p.bg,
                    p.kundennummer,
                    p.nachname,
                    p.vorname,
                    p.geburtsdatum,
                    p.strasse,
                    p.plz,
                    p.ort,
                    p.email
                ])?;
            }
        }
        tx.execute(
            "UPDATE register_versions SET is_current = (id = ?1)",
            [version],
        )?;
        event(
            &tx,
            "register.import",
            None,
            None,
            &format!(
                "Fallbestand Version {version}: {} Personen, {cases} Bedarfsgemeinschaften, {skipped} Zeilen übersprungen",
                persons.len()
            ),
        )?;
        tx.commit()?;
        Ok(self
            .register_versions()?
            .into_iter()
            .find(|v| v.id == version)
            .expect("just inserted"))
    }

    /// Every imported version, newest first.
    pub fn register_versions(&self) -> Result<Vec<RegisterVersion>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, imported_at, source_name, source_sha, persons, cases, skipped, is_current
             FROM register_versions ORDER BY id DESC",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RegisterVersion {
                    id: r.get(0)?,
                    imported_at: r.get(1)?,
                    source_name: r.get(2)?,
                    source_sha: r.get(3)?,
                    persons: r.get(4)?,
                    cases: r.get(5)?,
                    skipped: r.get(6)?,
                    current: r.get::<_, i64>(7)? != 0,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// What identifies the register's content: the current version and
    /// the number of persons ever erased from it. Equal stamps, equal
    /// [`Self::register`].
    pub fn register_stamp(&self) -> Result<(Option<i64>, i64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT id FROM register_versions WHERE is_current = 1),
                    (SELECT n FROM register_changes WHERE id = 1)",
            [],
            |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0))),
        )?)
    }

    /// The current register (empty before the first import).
    pub fn register(&self) -> Result<Register> {
        let version: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM register_versions WHERE is_current = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(version) = version else {
            return Ok(Register::default());
        };
        let mut stmt = self.conn.prepare(
            "SELECT bg, kundennummer, nachname, vorname, geburtsdatum, strasse, plz, ort, email
             FROM register_persons WHERE version_id = ?1 ORDER BY rowid",
        )?;
        let persons = stmt
            .query_map([version], |r| {
                Ok(Person {
                    bg: r.get(0)?,
                    kundennummer: r.get(1)?,
                    nachname: r.get(2)?,
                    vorname: r.get(3)?,
                    geburtsdatum: r.get(4)?,
                    strasse: r.get(5)?,
                    plz: r.get(6)?,
                    ort: r.get(7)?,
                    email: r.get(8)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        // Where the persons lived in older versions: a letter to an old
        // address is for a person to look at, not for the machine.
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT kundennummer, strasse, plz FROM register_persons WHERE version_id < ?1",
        )?;
        let former = stmt
            .query_map([version], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<(String, String, String)>>>()?;
        Ok(Register::new(version, persons).with_former_addresses(former))
    }

    /// Records the decision on an open document: case, type, confidences,
    /// candidates with evidence, and its new state (`classified` when both
    /// are certain, else `review`), in one transaction.
    pub(crate) fn record_decision(&mut self, d: &NewDecision<'_>) -> Result<DocumentState> {
        let auto = d.case.status == CaseStatus::Auto && d.type_certain;
        let state = if auto {
            DocumentState::Classified
        } else {
            DocumentState::Review
        };
        let mut reasons = d.case.reasons.clone();
        if !d.type_certain {
            reasons.push(format!(
                "Dokumenttyp unsicher ({} {:.0} %)",
                d.doc_type.doc_type,
                d.doc_type.confidence * 100.0
            ));
        }
        let decision = serde_json::json!({
            "case_candidates": d.case.candidates,
            "case_doubts": d.case.doubts,
            "reasons": reasons,
            "type_candidates": d.doc_type.candidates,
            "type_phrases": d.doc_type.phrases,
        });
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE documents SET case_bg = ?1, case_status = ?2, case_confidence = ?3,
                 doc_type = ?4, type_confidence = ?5, decision = ?6, state = ?7, updated_at = ?8
             WHERE id = ?9 AND state = ?10",
            params![
                d.case.case,
                d.case.status.as_str(),
                d.case.confidence,
                d.doc_type.doc_type,
                d.doc_type.confidence,
                decision.to_string(),
                state,
                now(),
                d.document_id,
                DocumentState::Open
            ],
        )?;
        if changed != 1 {
            return Err(StoreError::Transition {
                what: "Dokument",
                id: d.document_id,
                from: DocumentState::Open.to_string(),
                to: state.to_string(),
            });
        }
        event(
            &tx,
            if auto {
                "document.classified"
            } else {
                "document.review"
            },
            None,
            Some(d.document_id),
            &format!(
                "Fall {} ({}, {:.2}), Typ {} ({:.2})",
                d.case.case.as_deref().unwrap_or("–"),
                d.case.status.as_str(),
                d.case.confidence,
                d.doc_type.doc_type,
                d.doc_type.confidence
            ),
        )?;
        tx.commit()?;
        Ok(state)
    }

    /// A document's current case and type, if the document exists.
    pub(crate) fn document_decision(&self, document_id: i64) -> Result<Option<CaseAndType>> {
        Ok(self
            .conn
            .query_row(
                "SELECT case_bg, doc_type FROM documents WHERE id = ?1",
                [document_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// The learned document-type model.
    pub(crate) fn type_model(&self) -> Result<TypeModel> {
        let mut model = TypeModel::default();
        let mut stmt = self
            .conn
            .prepare("SELECT class, docs FROM type_model_docs")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (class, docs) = row?;
            if docs > 0 {
                model.docs.insert(class, docs as u64);
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT class, feature, count FROM type_model_counts WHERE count > 0")?;
        for row in stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (class, feature, count) = row?;
            model
                .counts
                .entry(class)
                .or_default()
                .insert(feature, count as u64);
        }
        Ok(model)
    }

    /// A person confirms (or corrects) a document's case and type: it is
    /// released, and its features teach the type model (moved from the type
    /// it taught before, if it was confirmed already), in one transaction.
    pub fn confirm_document(
        &mut self,
        document_id: i64,
        case: &str,
        doc_type: &str,
        features: &[String],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let (state, learned): (DocumentState, Option<String>) = tx
            .query_row(
                "SELECT state, learned_type FROM documents WHERE id = ?1",
                [document_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or(StoreError::Transition {
                what: "Dokument",
                id: document_id,
                from: "unbekannt".into(),
                to: DocumentState::Released.to_string(),
            })?;
        if state != DocumentState::Released && !state.can_become(DocumentState::Released) {
            return Err(StoreError::Transition {
                what: "Dokument",
                id: document_id,
                from: state.to_string(),
                to: DocumentState::Released.to_string(),
            });
        }
        super::outbox::refuse_in_transfer(&tx, document_id)?;
        let failed: i64 = tx.query_row(
            "SELECT COUNT(*) FROM document_pages dp JOIN pages p ON p.id = dp.page_id
             WHERE dp.document_id = ?1 AND p.state = ?2",
            params![document_id, PageState::Failed],
            |r| r.get(0),
        )?;
        if failed > 0 {
            return Err(StoreError::Refused(format!(
                "Dokument {document_id} hat {failed} fehlgeschlagene Seite(n): erst erneut versuchen oder die Seite entfernen"
            )));
        }
        if let Some(old) = &learned {
            super::desk::teach(&tx, old, features, -1)?;
        }
        super::desk::teach(&tx, doc_type, features, 1)?;
        tx.execute(
            "UPDATE documents SET case_bg = ?1, doc_type = ?2, case_status = 'confirmed',
                 case_confidence = 1.0, type_confidence = 1.0, learned_type = ?2, state = ?3,
                 updated_at = ?4 WHERE id = ?5",
            params![case, doc_type, DocumentState::Released, now(), document_id],
        )?;
        event(
            &tx,
            "document.confirmed",
            None,
            Some(document_id),
            &format!("Fall {case}, Typ {doc_type} bestätigt"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every document with its decision, oldest first (`scanstelle
    /// documents`): by batch, the order files arrived in, then in the batch
    /// (document numbers follow preparation, which takes the newest batch
    /// first).
    pub fn document_reports(&self) -> Result<Vec<DocumentReport>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, batch_id, case_bg, case_status, case_confidence, doc_type, type_confidence,
                    state, decision FROM documents ORDER BY batch_id, id",
        )?;
        let docs: Vec<DocumentReport> = stmt
            .query_map([], |r| {
                let decision: Option<String> = r.get(8)?;
                let decision = decision
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                    .unwrap_or_default();
                let reasons = decision["reasons"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(DocumentReport {
                    document_id: r.get(0)?,
                    batch_id: r.get(1)?,
                    source_file: None,
                    pages: Vec::new(),
                    case: r.get(2)?,
                    case_status: r
                        .get::<_, Option<String>>(3)?
                        .unwrap_or_else(|| "none".into()),
                    case_confidence: r.get::<_, Option<f64>>(4)?.unwrap_or(0.0),
                    doc_type: r.get(5)?,
                    type_confidence: r.get::<_, Option<f64>>(6)?.unwrap_or(0.0),
                    blank_pages: Vec::new(),
                    separator_pages: Vec::new(),
                    state: r.get(7)?,
                    reasons,
                    explanation: explain(&decision),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut pages = self.conn.prepare(
            "SELECT s.original_path, p.source_file_id, p.page_index FROM document_pages dp
             JOIN pages p ON p.id = dp.page_id JOIN source_files s ON s.id = p.source_file_id
             WHERE dp.document_id = ?1 ORDER BY dp.position",
        )?;
        let mut file_pages = self.conn.prepare(
            "SELECT p.page_index, p.state, dp.document_id FROM pages p
             LEFT JOIN document_pages dp ON dp.page_id = p.id
             WHERE p.source_file_id = ?1 ORDER BY p.page_index",
        )?;
        // Blank and separator pages of each file, with the document each
        // belongs to, worked out once per file.
        let mut sheets: HashMap<i64, Vec<(i64, bool, i64)>> = HashMap::new();
        docs.into_iter()
            .map(|mut d| {
                let rows: Vec<(String, i64, i64)> = pages
                    .query_map([d.document_id], |r| {
                        let path = super::path_column(r, 0)?;
                        Ok((path.to_string_lossy().into_owned(), r.get(1)?, r.get(2)?))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                if let Some((path, source, _)) = rows.first() {
                    d.source_file = Some(path.clone());
                    if !sheets.contains_key(source) {
                        let all: Vec<(i64, String, Option<i64>)> = file_pages
                            .query_map([source], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                            .collect::<rusqlite::Result<_>>()?;
                        sheets.insert(*source, sheet_owners(&all));
                    }
                    for &(index, blank, owner) in &sheets[source] {
                        if owner == d.document_id {
                            if blank {
                                d.blank_pages.push(index + 1);
                            } else {
                                d.separator_pages.push(index + 1);
                            }
                        }
                    }
                }
                d.pages = rows.iter().map(|r| r.2 + 1).collect();
                Ok(d)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::sheet_owners;

    #[test]
    fn blank_pages_follow_their_document_and_separators_lead_theirs() {
        let page = |i: i64, s: &str, d: Option<i64>| (i, s.to_owned(), d);
        let pages = [
            page(0, "blank", None),
            page(1, "recognized", Some(7)),
            page(2, "blank", None),
            page(3, "separator", None),
            page(4, "recognized", Some(8)),
            page(5, "separator", None),
        ];
        assert_eq!(
            sheet_owners(&pages),
            [(0, true, 7), (2, true, 7), (3, false, 8), (5, false, 8)]
        );
    }
}
