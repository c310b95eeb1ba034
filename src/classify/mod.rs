//! The classification stage: for each document of a recognised batch, the
//! case ([`crate::classify::casefind`]) and the type ([`crate::classify::doctype`]), recorded
//! with their evidence; certain documents are `classified`, the rest wait in
//! the review queue.

pub mod casefind;
pub mod doctype;
pub mod register;

use std::path::PathBuf;

use crate::classify::casefind::{CaseDecision, CaseFinder, CaseSettings};
use crate::classify::doctype::{OTHER, TypeDecision, TypeModel, TypeRules};
use crate::classify::register::Register;
use crate::ocr::Word;

/// `[types]` in the configuration.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TypeSettings {
    /// A rules file of the station's own (TOML like `assets/doctypes.toml`).
    pub rules: Option<PathBuf>,
    /// Confidence from which a type stands without a person.
    pub auto_threshold: f64,
}

impl Default for TypeSettings {
    fn default() -> Self {
        Self {
            rules: None,
            auto_threshold: 0.6,
        }
    }
}

/// Everything the classification stage is configured with.
#[derive(Debug, Clone, Default)]
pub struct ClassifySettings {
    /// Case finding.
    pub cases: CaseSettings,
    /// Document types.
    pub types: TypeSettings,
}

/// The configured classifier.
#[derive(Debug, Clone)]
pub struct Classifier {
    finder: CaseFinder,
    rules: TypeRules,
    type_threshold: f64,
}

/// Why the classifier cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A pattern is wrong.
    #[error(transparent)]
    Pattern(#[from] casefind::PatternError),
    /// The rules file cannot be read.
    #[error("Regeln für Dokumenttypen {path}: {detail}")]
    Rules {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

/// The verdict on one document.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Case.
    pub case: CaseDecision,
    /// Type.
    pub doc_type: TypeDecision,
    /// Whether the type may stand without a person.
    pub type_certain: bool,
}

impl Classifier {
    /// Sets up the classifier.
    pub fn new(settings: &ClassifySettings) -> Result<Self, ClassifyError> {
        let rules = match &settings.types.rules {
            Some(path) => {
                let err = |detail: String| ClassifyError::Rules {
                    path: path.display().to_string(),
                    detail,
                };
                TypeRules::from_toml(
                    &std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?,
                )
                .map_err(|e| err(e.0))?
            }
            None => TypeRules::builtin(),
        };
        Ok(Self {
            finder: CaseFinder::new(settings.cases.clone())?,
            rules,
            type_threshold: settings.types.auto_threshold,
        })
    }

    /// Whether a type stands without a person: a known type at or above
    /// the threshold.
    pub fn type_certain(&self, slug: &str, confidence: f64) -> bool {
        slug != OTHER && confidence >= self.type_threshold
    }

    /// The type rules.
    pub fn rules(&self) -> &TypeRules {
        &self.rules
    }

    /// Classifies one document: its cover-sheet case and type (if any) and
    /// the OCR words of its pages.
    pub fn classify(
        &self,
        register: &Register,
        model: Option<&TypeModel>,
        cover_bg: Option<&str>,
        cover_type: Option<&str>,
        pages: &[Vec<Word>],
    ) -> Verdict {
        let mut case = self.finder.decide(register, cover_bg, pages);
        // A page whose text stays unreadable (after the second orientation)
        // may hold the very number that decides: a person looks, and is told.
        let unreadable: Vec<String> = pages
            .iter()
            .enumerate()
            .filter(|(_, w)| !w.is_empty() && !crate::ocr::legible(w))
            .map(|(i, _)| (i + 1).to_string())
            .collect();
        if !unreadable.is_empty() {
            case.reasons.push(format!(
                "Text kaum lesbar (Seite {}): Ausrichtung und Scanqualität prüfen",
                unreadable.join(", ")
            ));
            if case.status == casefind::CaseStatus::Auto {
                case.status = casefind::CaseStatus::Review;
            }
        }
        let texts: Vec<String> = pages.iter().map(|w| page_text(w)).collect();
        let mut doc_type = self.rules.classify_with(&texts, model);
        // A type from the cover sheet is what the person who scanned said.
        if let Some(t) = cover_type.filter(|t| self.rules.label(t).is_some()) {
            doc_type = TypeDecision {
                doc_type: t.to_owned(),
                confidence: 1.0,
                candidates: vec![(t.to_owned(), 1.0)],
                phrases: vec!["Deckblatt".into()],
                all: vec![(t.to_owned(), 1.0)],
            };
        }
        let type_certain = self.type_certain(&doc_type.doc_type, doc_type.confidence);
        Verdict {
            case,
            doc_type,
            type_certain,
        }
    }
}

/// The fixed German words of the reasons the engine gives (case finder,
/// classifier, pipeline) and their English, longest first: a reason in
/// English is the German one with these replaced (numbers, names and
/// addresses stay as read). Kept here, beside the code that writes them.
const REASON_WORDS: &[(&str, &str)] = &[
    (
        " ist unsicher gelesen oder nur ein Zeichen von einem anderen Eintrag entfernt und nicht durch Name oder Anschrift bestätigt",
        " was read uncertainly or is one character away from another entry, and is not confirmed by name or address",
    ),
    (
        "Unter derselben Anschrift lebt ein anderer Haushalt gleichen Namens (",
        "Another household of the same name lives at the same address (",
    ),
    (
        "); kein Geburtsdatum auf dem Dokument",
        "); no date of birth on the document",
    ),
    (
        "Nur der Name passt; Anschrift oder Geburtsdatum fehlen auf dem Dokument",
        "Only the name fits; address or date of birth are missing on the document",
    ),
    (
        "Name oder Anschrift passen auch zu einer anderen Bedarfsgemeinschaft",
        "Name or address also fit another household",
    ),
    (
        "Name und Anschrift weichen beide vom Fallbestand ab",
        "Name and address both differ from the register",
    ),
    (
        "kein Hinweis auf eine Bedarfsgemeinschaft gefunden",
        "no sign of a household found",
    ),
    (
        "): Ausrichtung und Scanqualität prüfen",
        "): check orientation and scan quality",
    ),
    (
        "Anschrift aus einem älteren Fallbestand: ",
        "Address from an older register: ",
    ),
    (
        " verschiedene Bedarfsgemeinschaften",
        " different households",
    ),
    ("Das Dokument nennt ", "The document names "),
    ("Text kaum lesbar (Seite ", "Text barely legible (page "),
    (
        "Texterkennung nach Zeitlimit abgebrochen (Seite ",
        "Text recognition stopped at its time limit (page ",
    ),
    (
        "): Seite ansehen, ihr Text ist unvollständig",
        "): look at the page, its text is incomplete",
    ),
    (" unter der Schwelle von ", " below the threshold of "),
    (" nicht im Fallbestand", " not in the register"),
    (" vom Deckblatt", " from the cover sheet"),
    ("vom DMS abgelehnt: ", "refused by the DMS: "),
    (" fehlgeschlagen: ", " failed: "),
    (" auf Seite ", " on page "),
    (" (ähnlich: ", " (similar: "),
    ("Die Nummer von ", "The number of "),
    ("Sicherheit ", "Confidence "),
    ("Kundennummer ", "customer number "),
    ("BG-Nummer ", "BG number "),
    ("Seite ", "Page "),
];

/// A reason the engine gave, in English (the window in English); parts it
/// does not know stay as they are.
pub fn reason_in_english(reason: &str) -> String {
    let mut out = reason.to_owned();
    for (de, en) in REASON_WORDS {
        if out.contains(de) {
            out = out.replace(de, en);
        }
    }
    out
}

/// Why a confirmation is refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// The store failed or the document is in no state to be confirmed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// No such document.
    #[error("Dokument {0} gibt es nicht")]
    NoDocument(i64),
    /// The case is not in the register.
    #[error("BG-Nummer {0} ist nicht im Fallbestand")]
    UnknownCase(String),
    /// The type is not one of the classes.
    #[error("Dokumenttyp {0:?} unbekannt")]
    UnknownType(String),
    /// Neither given nor decided before.
    #[error("Dokument {0}: {1} fehlt (angeben)")]
    Missing(i64, &'static str),
}

/// A person confirms a document, taking its decided case and type unless
/// given others; the document is released and teaches the type model.
pub fn confirm(
    store: &mut crate::store::Store,
    rules: &TypeRules,
    document_id: i64,
    case: Option<&str>,
    doc_type: Option<&str>,
) -> Result<(String, String), ConfirmError> {
    let (cur_case, cur_type) = store
        .document_decision(document_id)?
        .ok_or(ConfirmError::NoDocument(document_id))?;
    let case = match case {
        Some(c) => crate::prepare::separation::normalize_bg(c)
            .ok_or_else(|| ConfirmError::UnknownCase(c.to_owned()))?,
        None => cur_case.ok_or(ConfirmError::Missing(document_id, "BG-Nummer"))?,
    };
    if !store.register()?.has_case(&case) {
        return Err(ConfirmError::UnknownCase(case));
    }
    let doc_type = match doc_type {
        Some(t) => t.to_owned(),
        None => cur_type.ok_or(ConfirmError::Missing(document_id, "Dokumenttyp"))?,
    };
    if rules.label(&doc_type).is_none() {
        return Err(ConfirmError::UnknownType(doc_type));
    }
    let feats = document_features(store, document_id)?;
    store.confirm_document(document_id, &case, &doc_type, &feats)?;
    Ok((case, doc_type))
}

/// A person corrects a document the DMS imported already: into the case
/// `case` (a register BG-Nummer) or to the type `doc_type` (one of the
/// classes), with `reason`. Checked like a confirmation; the correction
/// goes to the DMS through the outbox ([`crate::store::Store::correct_filed`]).
/// A type correction teaches the type model when the text is still here.
pub fn correct_filed(
    store: &mut crate::store::Store,
    rules: &TypeRules,
    document_id: i64,
    change: &CorrectionRequest<'_>,
    reason: &str,
) -> Result<i64, ConfirmError> {
    let (change, features) = match *change {
        CorrectionRequest::Case(c) => {
            let case = crate::prepare::separation::normalize_bg(c)
                .ok_or_else(|| ConfirmError::UnknownCase(c.to_owned()))?;
            if !store.register()?.has_case(&case) {
                return Err(ConfirmError::UnknownCase(case));
            }
            (crate::store::Change::Case(case), Vec::new())
        }
        CorrectionRequest::Type(t) => {
            if rules.label(t).is_none() {
                return Err(ConfirmError::UnknownType(t.to_owned()));
            }
            let features = document_features(store, document_id)?;
            (crate::store::Change::Type(t.to_owned()), features)
        }
    };
    Ok(store.correct_filed(document_id, &change, reason, &features)?)
}

/// What a person asks to correct after filing (as typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrectionRequest<'a> {
    /// The right case, a BG-Nummer in any written form.
    Case(&'a str),
    /// The right type (slug).
    Type(&'a str),
}

/// The type-model features of a document's OCR text (what a confirmation
/// teaches the model).
pub(crate) fn document_features(
    store: &crate::store::Store,
    document_id: i64,
) -> Result<Vec<String>, crate::store::StoreError> {
    let text: Vec<String> = store
        .document_pages(document_id)?
        .iter()
        .map(|p| page_text(&crate::ocr::decode_words(&p.words)))
        .collect();
    Ok(doctype::features(&text.join("\n")))
}

/// A page's text from its words: one line per OCR line.
pub fn page_text(words: &[Word]) -> String {
    let mut out = String::new();
    let mut line = None;
    for w in words {
        if line.is_some() {
            out.push(if line == Some(w.line) { ' ' } else { '\n' });
        }
        out.push_str(&w.text);
        line = Some(w.line);
    }
    out
}
