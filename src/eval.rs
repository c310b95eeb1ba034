//! Evaluation against a ground truth (`scanstelle eval --truth truth.json`):
//! misfiled documents, the share attached automatically, case recall after
//! review routing, type accuracy with its confusion matrix, and separation
//! errors.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::store::DocumentReport;

/// The ground truth of a corpus.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Truth {
    /// Every document.
    pub documents: Vec<TruthDocument>,
}

/// One document as it really is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TruthDocument {
    /// File name of the scanner file.
    pub source_file: String,
    /// Its pages in that file (1-based, content pages only).
    pub pages: Vec<i64>,
    /// The case it belongs to.
    pub case: Option<String>,
    /// Its type slug.
    pub doc_type: String,
    /// Whether it carries an identifier of the register (BG-Nummer,
    /// Kundennummer, cover sheet).
    pub identifier: bool,
    /// Whether, without an identifier, it names a person of the register
    /// with full name and full address or date of birth, so that exactly
    /// one household fits (what a careful clerk attaches without asking).
    #[serde(default)]
    pub person_evidence: bool,
    /// A trap a person must look at (namesakes the page cannot tell apart,
    /// a person who moved, two households at one address…): in words.
    /// Such a document must not be attached without a person.
    #[serde(default)]
    pub trap: Option<String>,
}

/// The figures.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct EvalReport {
    /// Documents in the truth.
    pub documents: usize,
    /// Truth documents the station cut exactly so.
    pub separated: usize,
    /// Truth documents not found as such plus station documents not in the truth.
    pub separation_errors: usize,
    /// Attached automatically to a wrong case.
    pub misfiled: usize,
    /// Attached automatically (all matched documents).
    pub auto: usize,
    /// Documents with a register identifier.
    pub with_identifier: usize,
    /// Of those, attached automatically (to the right case).
    pub with_identifier_auto: usize,
    /// Documents without an identifier that name their person with full
    /// name and address or date of birth.
    pub with_person: usize,
    /// Of those, attached automatically (to the right case).
    pub with_person_auto: usize,
    /// Documents with a trap (namesakes, a moved person …).
    pub traps: usize,
    /// Of those, attached automatically all the same (right or wrong).
    pub traps_auto: usize,
    /// Right case either attached or proposed for review.
    pub case_recall: usize,
    /// Right type.
    pub type_correct: usize,
    /// (truth, predicted) → count, wrong ones only.
    pub confusion: BTreeMap<String, usize>,
    /// Calibration of the type confidence: per band of confidence (lower
    /// bound in %), the documents in it and how many of them were right.
    pub type_calibration: BTreeMap<u32, (usize, usize)>,
    /// Reliability of the case confidence: per band (lower bound in %), the
    /// documents whose best case had that confidence, how many of those
    /// cases were right, and how many were attached automatically.
    pub case_calibration: BTreeMap<u32, (usize, usize, usize)>,
}

/// Lower bounds (in %) of the confidence bands of the calibration table.
const BANDS: [u32; 5] = [0, 50, 80, 95, 99];

/// Lower bounds (in %) of the bands of the case reliability table (finer
/// where the threshold is chosen).
const CASE_BANDS: [u32; 10] = [0, 50, 70, 80, 85, 90, 92, 94, 96, 98];

/// The band of a confidence (0..1).
fn band(bands: &[u32], confidence: f64) -> u32 {
    bands
        .iter()
        .rev()
        .find(|&&b| confidence * 100.0 >= f64::from(b) - 1e-9)
        .copied()
        .unwrap_or(0)
}

impl EvalReport {
    /// Share of documents named by person evidence that were attached
    /// automatically.
    pub fn auto_share_with_person(&self) -> f64 {
        ratio(self.with_person_auto, self.with_person)
    }
    /// Share of documents with an identifier that were attached automatically.
    pub fn auto_share_with_identifier(&self) -> f64 {
        ratio(self.with_identifier_auto, self.with_identifier)
    }
    /// Top-1 type accuracy.
    pub fn type_accuracy(&self) -> f64 {
        ratio(self.type_correct, self.separated)
    }
    /// Case recall after review routing.
    pub(crate) fn recall(&self) -> f64 {
        ratio(self.case_recall, self.separated)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn file_name(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}

/// Compares the station's documents with the truth.
pub fn evaluate(truth: &Truth, docs: &[DocumentReport]) -> EvalReport {
    let mut r = EvalReport {
        documents: truth.documents.len(),
        ..EvalReport::default()
    };
    let key = |file: &str, pages: &[i64]| (file_name(file).to_owned(), pages.to_vec());
    let by_key: BTreeMap<_, &DocumentReport> = docs
        .iter()
        .filter_map(|d| Some((key(d.source_file.as_deref()?, &d.pages), d)))
        .collect();
    let mut matched = 0;
    for t in &truth.documents {
        if t.identifier {
            r.with_identifier += 1;
        }
        if t.person_evidence && !t.identifier {
            r.with_person += 1;
        }
        if t.trap.is_some() {
            r.traps += 1;
        }
        let Some(d) = by_key.get(&key(&t.source_file, &t.pages)) else {
            continue;
        };
        matched += 1;
        let auto = d.case_status == "auto";
        let right = d.case == t.case;
        if auto {
            r.auto += 1;
            if !right {
                r.misfiled += 1;
            }
        }
        if auto && right && t.identifier {
            r.with_identifier_auto += 1;
        }
        if auto && right && t.person_evidence && !t.identifier {
            r.with_person_auto += 1;
        }
        if auto && t.trap.is_some() {
            r.traps_auto += 1;
        }
        if d.case.is_some() {
            let cell = r
                .case_calibration
                .entry(band(&CASE_BANDS, d.case_confidence))
                .or_default();
            cell.0 += 1;
            cell.1 += usize::from(right);
            cell.2 += usize::from(auto);
        }
        if right {
            r.case_recall += 1;
        }
        let cell = r
            .type_calibration
            .entry(band(&BANDS, d.type_confidence))
            .or_default();
        cell.0 += 1;
        if d.doc_type.as_deref() == Some(t.doc_type.as_str()) {
            r.type_correct += 1;
            cell.1 += 1;
        } else {
            *r.confusion
                .entry(format!(
                    "{} → {}",
                    t.doc_type,
                    d.doc_type.as_deref().unwrap_or("–")
                ))
                .or_default() += 1;
        }
    }
    r.separated = matched;
    r.separation_errors = (truth.documents.len() - matched) + (docs.len() - matched);
    r
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |x: f64| x * 100.0;
        writeln!(
            f,
            "Dokumente (Wahrheit)                  {:>5}",
            self.documents
        )?;
        writeln!(
            f,
            "Trennfehler                           {:>5}",
            self.separation_errors
        )?;
        writeln!(
            f,
            "falsch abgelegt (automatisch)         {:>5}",
            self.misfiled
        )?;
        writeln!(
            f,
            "automatisch zugeordnet (mit Kennung)  {:>5} von {} = {:.1} %",
            self.with_identifier_auto,
            self.with_identifier,
            pct(self.auto_share_with_identifier())
        )?;
        writeln!(
            f,
            "automatisch zugeordnet (ohne Kennung) {:>5} von {} = {:.1} %",
            self.with_person_auto,
            self.with_person,
            pct(self.auto_share_with_person())
        )?;
        writeln!(
            f,
            "Fallen automatisch zugeordnet         {:>5} von {}",
            self.traps_auto, self.traps
        )?;
        writeln!(
            f,
            "automatisch zugeordnet (alle)         {:>5} von {}",
            self.auto, self.separated
        )?;
        writeln!(
            f,
            "richtige Akte zugeordnet/vorgeschlagen{:>5} von {} = {:.1} %",
            self.case_recall,
            self.separated,
            pct(self.recall())
        )?;
        writeln!(
            f,
            "Dokumenttyp richtig (Top-1)           {:>5} von {} = {:.1} %",
            self.type_correct,
            self.separated,
            pct(self.type_accuracy())
        )?;
        writeln!(f, "Typ-Sicherheit → Anteil richtig:")?;
        for (band, (n, right)) in &self.type_calibration {
            writeln!(
                f,
                "  ab {band:>2} %: {n:>4} Dokumente, {:.1} % richtig",
                ratio(*right, *n) * 100.0
            )?;
        }
        writeln!(
            f,
            "Akten-Sicherheit → Anteil richtig (Zuverlässigkeit; automatisch):"
        )?;
        for (band, (n, right, auto)) in &self.case_calibration {
            writeln!(
                f,
                "  ab {band:>2} %: {n:>4} Dokumente, {:.1} % richtig, {auto} automatisch",
                ratio(*right, *n) * 100.0
            )?;
        }
        if !self.confusion.is_empty() {
            writeln!(f, "Verwechslungen (Wahrheit → erkannt):")?;
            for (pair, n) in &self.confusion {
                writeln!(f, "  {n:>3}  {pair}")?;
            }
        }
        Ok(())
    }
}
