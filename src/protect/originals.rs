//! The paper originals after scanning (RESISCAN, BSI TR-03138): what
//! becomes of each document's paper. Its type's rule in
//! `assets/doctypes.toml` says it: `paper = "return"` (identity documents,
//! certificates, originals the person needs) goes back to the person,
//! `paper = "keep"` (the job centre's list of papers never destroyed) stays,
//! and everything else may be destroyed `destroy_after_days` after the DMS
//! confirmed the import (the type's own days, else the station's
//! `[originals] destroy_after_days`). Nothing is due before that
//! confirmation, nothing happens by itself: a person confirms each return
//! (with a printable return slip per household) and each destruction, and
//! the confirmation enters the audit chain. The letter to the household
//! says what became of its papers.

use crate::classify::doctype::{PaperRule, TypeRules};
use crate::store::{PaperRow, Store, StoreError};
use serde::Deserialize;

/// The station's rules for paper originals (`[originals]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginalsSettings {
    /// Days after the DMS confirmed the import before paper may be
    /// destroyed, for types that name no days of their own.
    #[serde(default = "default_days")]
    pub destroy_after_days: u32,
}

fn default_days() -> u32 {
    42
}

impl Default for OriginalsSettings {
    fn default() -> Self {
        OriginalsSettings {
            destroy_after_days: default_days(),
        }
    }
}

/// What becomes of a document's paper, and where that stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// The DMS has not confirmed the import yet: nothing may happen.
    Waiting,
    /// To be sent back to the person.
    Return,
    /// Kept for good.
    Keep,
    /// May be destroyed on and after this day (`JJJJ-MM-TT`).
    Destroy(time::Date),
    /// Sent back on this day.
    Returned(time::Date),
    /// Destroyed on this day.
    Destroyed(time::Date),
}

/// One document's paper.
#[derive(Debug, Clone, PartialEq)]
pub struct Original {
    /// As the store holds it.
    pub row: PaperRow,
    /// Its type in words.
    pub kind: String,
    /// Its rule.
    pub rule: PaperRule,
    /// Where it stands.
    pub fate: Fate,
}

impl Original {
    /// Whether a person has something to do for it on `today`.
    pub fn due(&self, today: time::Date) -> bool {
        match self.fate {
            Fate::Return => true,
            Fate::Destroy(on) => on <= today,
            _ => false,
        }
    }

    /// What happens to the paper, in words for the person it belongs to.
    pub fn words(&self) -> String {
        match self.fate {
            Fate::Waiting => match self.rule {
                PaperRule::Return => "das Original bekommen Sie zurück".into(),
                PaperRule::Keep => "das Original bewahrt das Jobcenter auf".into(),
                PaperRule::Destroy => {
                    "das Papier wird nach einer Frist vernichtet, sobald die elektronische Akte bestätigt ist"
                        .into()
                }
            },
            Fate::Return => "das Original bekommen Sie zurück".into(),
            Fate::Keep => "das Original bewahrt das Jobcenter auf".into(),
            Fate::Destroy(on) => format!("das Papier wird ab dem {} vernichtet", day(on)),
            Fate::Returned(on) => format!("das Original ging am {} an Sie zurück", day(on)),
            Fate::Destroyed(on) => format!("das Papier wurde am {} vernichtet", day(on)),
        }
    }
}

/// `TT.MM.JJJJ`.
pub fn day(d: time::Date) -> String {
    format!("{:02}.{:02}.{}", d.day(), u8::from(d.month()), d.year())
}

/// Today (UTC).
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

fn date_of(rfc3339: &str) -> Option<time::Date> {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::date)
}

/// Errors of the paper originals, in words.
#[derive(Debug, thiserror::Error)]
pub enum OriginalsError {
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What was asked does not fit the document's paper.
    #[error("{0}")]
    Refused(String),
    /// The return slip could not be written.
    #[error(transparent)]
    Pdf(#[from] crate::package::pdfa::PdfError),
}

/// The paper of every document (of `batch`, or all) with its fate.
pub fn plan(
    store: &Store,
    rules: &TypeRules,
    settings: &OriginalsSettings,
    batch: Option<i64>,
) -> Result<Vec<Original>, OriginalsError> {
    Ok(store
        .paper(batch, false)?
        .into_iter()
        .map(|row| original(row, rules, settings))
        .collect())
}

/// What a person has to do on `today`: originals to send back, paper whose
/// destruction date has come.
pub fn due(
    store: &Store,
    rules: &TypeRules,
    settings: &OriginalsSettings,
    today: time::Date,
) -> Result<Vec<Original>, OriginalsError> {
    Ok(store
        .paper(None, true)?
        .into_iter()
        .map(|row| original(row, rules, settings))
        .filter(|o| o.due(today))
        .collect())
}

fn original(row: PaperRow, rules: &TypeRules, settings: &OriginalsSettings) -> Original {
    let class = row.doc_type.as_deref().and_then(|t| rules.class(t));
    let rule = class.and_then(|c| c.paper).unwrap_or(PaperRule::Destroy);
    let days = class
        .and_then(|c| c.destroy_after_days)
        .unwrap_or(settings.destroy_after_days);
    let kind = class.map_or_else(|| "Schreiben".to_owned(), |c| c.label.clone());
    let filed = row.filed_at.as_deref().and_then(date_of);
    let fate = match (&row.done, filed) {
        (Some((action, at, _)), _) => {
            let on = date_of(at).unwrap_or_else(today);
            if action == "returned" {
                Fate::Returned(on)
            } else {
                Fate::Destroyed(on)
            }
        }
        (None, None) => Fate::Waiting,
        (None, Some(filed)) => match rule {
            PaperRule::Return => Fate::Return,
            PaperRule::Keep => Fate::Keep,
            PaperRule::Destroy => {
                Fate::Destroy(filed.saturating_add(time::Duration::days(i64::from(days))))
            }
        },
    };
    Original {
        row,
        kind,
        rule,
        fate,
    }
}

/// A person confirms that a document's paper went back (`returned`) or was
/// destroyed, on `today`. Refused in words when its rule says otherwise,
/// before the DMS confirmed the import, or before the destruction date.
pub fn confirm(
    store: &mut Store,
    rules: &TypeRules,
    settings: &OriginalsSettings,
    document: i64,
    returned: bool,
    today: time::Date,
) -> Result<(), OriginalsError> {
    let o = store
        .paper_of(document)?
        .map(|row| original(row, rules, settings))
        .ok_or_else(|| OriginalsError::Refused(format!("Dokument {document} hat kein Papier")))?;
    let refuse = |why: String| {
        Err(OriginalsError::Refused(format!(
            "Dokument {document}: {why}"
        )))
    };
    match (&o.fate, returned) {
        (Fate::Returned(_) | Fate::Destroyed(_), _) => {}
        (Fate::Waiting, _) => {
            return refuse(
                "das DMS hat den Import noch nicht bestätigt; bis dahin bleibt das Papier".into(),
            );
        }
        (Fate::Return, true) => {}
        (Fate::Destroy(on), false) if *on <= today => {}
        (Fate::Destroy(on), false) => {
            return refuse(format!(
                "das Papier darf erst ab dem {} vernichtet werden",
                day(*on)
            ));
        }
        (Fate::Keep, false) => {
            return refuse(format!(
                "{} wird nach den Regeln der Station nie vernichtet",
                o.kind
            ));
        }
        (Fate::Return, false) => {
            return refuse(format!(
                "{} geht an die Person zurück, es wird nicht vernichtet",
                o.kind
            ));
        }
        (Fate::Keep | Fate::Destroy(_), true) => {
            return refuse(format!(
                "{} geht nach den Regeln der Station nicht zurück",
                o.kind
            ));
        }
    }
    let detail = format!(
        "{}: {} ({}, Stapel {}, Akte {}, eingegangen {})",
        if returned {
            "Original zurückgegeben"
        } else {
            "Papier vernichtet"
        },
        o.kind,
        document_words(&o),
        o.row.batch_id,
        o.row.case_bg.as_deref().unwrap_or("—"),
        o.row.received_at.get(..10).unwrap_or(&o.row.received_at)
    );
    store.confirm_paper(document, returned, &detail)?;
    Ok(())
}

fn document_words(o: &Original) -> String {
    format!(
        "Dokument {}, {} Seite{}",
        o.row.document_id,
        o.row.pages,
        if o.row.pages == 1 { "" } else { "n" }
    )
}

/// The return slip of a batch: for each household one block with its
/// names and address and the originals that go back to it, and a line to
/// sign. Refused when nothing of the batch goes back.
pub fn return_slip(
    store: &Store,
    originals: &[Original],
    office: &str,
    batch: i64,
) -> Result<Vec<u8>, OriginalsError> {
    use crate::package::pdfa::TextBlock;
    let back: Vec<&Original> = originals
        .iter()
        .filter(|o| o.row.batch_id == batch && o.rule == PaperRule::Return)
        .collect();
    if back.is_empty() {
        return Err(OriginalsError::Refused(format!(
            "Aus Stapel {batch} geht kein Original zurück"
        )));
    }
    let register = store.register()?;
    let mut cases: Vec<&str> = back
        .iter()
        .map(|o| o.row.case_bg.as_deref().unwrap_or(""))
        .collect();
    cases.sort_unstable();
    cases.dedup();
    let mut b = vec![
        TextBlock::Small(format!("{office} · Scanstelle")),
        TextBlock::Heading(format!("Rückgabe von Originalen (Stapel {batch})")),
    ];
    if let Some(place) = back.iter().find_map(|o| o.row.place.as_deref()) {
        b.push(TextBlock::Small(format!("Papier des Stapels: {place}")));
    }
    for case in cases {
        let persons: Vec<_> = register.case(case).collect();
        b.push(TextBlock::Gap);
        let names = persons
            .iter()
            .map(|p| format!("{} {}", p.vorname, p.nachname))
            .collect::<Vec<_>>()
            .join(", ");
        b.push(TextBlock::Paragraph(if names.is_empty() {
            format!("Akte {case} (nicht im Fallbestand)")
        } else {
            names
        }));
        if let Some(p) = persons.first() {
            b.push(TextBlock::Paragraph(format!(
                "{}, {} {}",
                p.strasse, p.plz, p.ort
            )));
        }
        b.push(TextBlock::Small(format!("Bedarfsgemeinschaft {case}")));
        for o in back
            .iter()
            .filter(|o| o.row.case_bg.as_deref().unwrap_or("") == case)
        {
            let state = match o.fate {
                Fate::Returned(on) => format!(" — zurückgegeben am {}", day(on)),
                Fate::Waiting => " — nach der Bestätigung des DMS".to_owned(),
                _ => String::new(),
            };
            b.push(TextBlock::Item(format!(
                "{}, eingegangen am {}, {}{state}",
                o.kind,
                date_of(&o.row.received_at).map(day).unwrap_or_default(),
                document_words(o),
            )));
        }
        b.push(TextBlock::Gap);
        b.push(TextBlock::Paragraph(
            "Zurückgegeben am ____________  durch ______________________".into(),
        ));
    }
    Ok(crate::package::pdfa::text_pdf(
        &format!("Rückgabe von Originalen, Stapel {batch}"),
        &b,
    )?)
}
