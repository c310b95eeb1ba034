//! The letter to the people whose papers these are ("Eingangsbestätigung
//! und Information zur Verarbeitung"): which documents of their household
//! arrived, when they reached the e-file, who stores them for the job
//! centre, what became of the station's copies and of the paper, and their
//! rights — in plain German, as PDF/A, generated from the store and never
//! typed. It names only that household's documents and persons.
//!
//! The wording is in `assets/betroffenenbrief.toml` (text blocks with
//! placeholders); the office, the processor and the addresses come from
//! the configuration's `[letter]` section.

use crate::classify::doctype::TypeRules;
use crate::package::pdfa::TextBlock;
use crate::store::Store;

/// The document type the station's letters are filed as.
pub const LETTER_TYPE: &str = "information_betroffene";

/// The text blocks (see the file for the placeholders).
const TEXTS: &str = include_str!("../../assets/betroffenenbrief.toml");

/// `[letter]` in the configuration: who writes and who stores.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LetterSettings {
    /// The job centre ("Jobcenter Minden-Lübbecke").
    pub office: String,
    /// Its postal address, one line.
    pub address: String,
    /// Who scanned, as a body ("zentrale Scanstelle des Jobcenters").
    pub scan_office: String,
    /// Who runs the e-file for the job centre (the processor).
    pub processor: String,
    /// Where.
    pub processor_place: String,
    /// For what.
    pub purpose: String,
    /// The data protection officer with address.
    pub data_protection_officer: String,
    /// The supervisory authority with address.
    pub supervisory_authority: String,
    /// What happens to the paper originals (a paragraph after each
    /// document's own line).
    pub originals: String,
    /// Letters written by the station itself: after each batch the DMS
    /// imported (`batch`), once a day (`day`), or only on request (`off`).
    pub automatic: Automatic,
    /// Where the station also puts each automatic letter for printing
    /// (none: only into the e-file).
    pub print_folder: Option<std::path::PathBuf>,
}

/// When the station writes letters by itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Automatic {
    /// Only on request (`subject letter`, the window).
    #[default]
    Off,
    /// After each batch the DMS imported, to each household in it.
    Batch,
    /// Once a day, to each household with documents imported since its
    /// last letter.
    Day,
}

impl LetterSettings {
    /// The settings a letter cannot go without, by their key, if missing.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            ("office", &self.office),
            ("processor", &self.processor),
            ("processor_place", &self.processor_place),
            ("data_protection_officer", &self.data_protection_officer),
            ("supervisory_authority", &self.supervisory_authority),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| k)
        .collect()
    }
}

/// Why no letter was written, in words.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The configuration lacks what the letter must say.
    #[error(
        "Der Brief braucht in der Konfiguration im Abschnitt [letter]: {}",
        .0.join(", ")
    )]
    NotConfigured(Vec<&'static str>),
    /// The household is not in the register.
    #[error("{0} steht nicht im Fallbestand: an wen der Brief geht, ist unbekannt")]
    NoHousehold(String),
    /// The PDF could not be written.
    #[error(transparent)]
    Pdf(#[from] crate::package::pdfa::PdfError),
}

/// One document as the letter names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterDocument {
    /// Its type in words.
    pub kind: String,
    /// When it arrived (TT.MM.JJJJ).
    pub received: String,
    /// Pages.
    pub pages: u32,
    /// When it reached the e-file (TT.MM.JJJJ), if it did.
    pub filed: Option<String>,
    /// Whether the station's copies are deleted.
    pub purged: bool,
    /// What becomes of its paper, in words.
    pub paper: String,
}

/// What a letter says, gathered from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The household.
    pub bg: String,
    /// Its members' names, as the register has them.
    pub names: Vec<String>,
    /// The address of its first member.
    pub address: String,
    /// Its documents that arrived in the period, oldest first.
    pub documents: Vec<LetterDocument>,
}

/// Today as a letter is dated (`TT.MM.JJJJ`, UTC).
pub fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:02}.{:02}.{}",
        now.day(),
        u8::from(now.month()),
        now.year()
    )
}

/// `TT.MM.JJJJ` of a stored time (the date as given if it is none).
fn date(rfc3339: &str) -> String {
    match rfc3339.get(..10).map(|d| d.split('-').collect::<Vec<_>>()) {
        Some(p) if p.len() == 3 => format!("{}.{}.{}", p[2], p[1], p[0]),
        _ => rfc3339.to_owned(),
    }
}

/// Which documents a letter names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period<'a> {
    /// Those that arrived on or after this day (`JJJJ-MM-TT`).
    pub since: Option<&'a str>,
    /// Only those the DMS imported after this moment (RFC 3339): what an
    /// automatic letter names since the household's last one.
    pub filed_after: Option<&'a str>,
}

impl<'a> Period<'a> {
    /// Everything that arrived on or after `since` (none: everything).
    pub fn since(since: Option<&'a str>) -> Self {
        Period {
            since,
            filed_after: None,
        }
    }
}

/// Gathers the letter of household `bg`: its documents in `period`.
pub fn gather(
    store: &Store,
    rules: &TypeRules,
    paper: &crate::protect::originals::OriginalsSettings,
    bg: &str,
    period: Period<'_>,
) -> Result<Letter, LetterError> {
    let since = period.since;
    let fates: std::collections::HashMap<i64, String> =
        crate::protect::originals::plan(store, rules, paper, None)
            .map_err(|e| match e {
                crate::protect::originals::OriginalsError::Store(e) => LetterError::Store(e),
                other => LetterError::Store(crate::store::StoreError::Refused(other.to_string())),
            })?
            .into_iter()
            .map(|o| (o.row.document_id, o.words()))
            .collect();
    let register = store.register()?;
    let persons: Vec<_> = register.case(bg).collect();
    let first = persons
        .first()
        .ok_or_else(|| LetterError::NoHousehold(bg.to_owned()))?;
    let documents = store
        .case_documents(bg)?
        .into_iter()
        .filter(|d| since.is_none_or(|s| d.received_at.as_str() >= s))
        .filter(|d| {
            period
                .filed_after
                .is_none_or(|after| d.imported_at.as_deref().is_some_and(|at| at > after))
        })
        // Earlier letters are no news to the household.
        .filter(|d| d.doc_type.as_deref() != Some(LETTER_TYPE))
        .map(|d| LetterDocument {
            kind: d
                .doc_type
                .as_deref()
                .and_then(|t| rules.label(t))
                .unwrap_or("Schreiben")
                .to_owned(),
            received: date(&d.received_at),
            pages: d.pages,
            filed: d.imported_at.as_deref().map(date),
            purged: d.purged_at.is_some(),
            paper: fates.get(&d.id).cloned().unwrap_or_default(),
        })
        .collect();
    Ok(Letter {
        bg: bg.to_owned(),
        names: persons
            .iter()
            .map(|p| format!("{} {}", p.vorname, p.nachname))
            .collect(),
        address: format!("{}, {} {}", first.strasse, first.plz, first.ort),
        documents,
    })
}

/// The letter's text blocks, filled in.
fn blocks(letter: &Letter, s: &LetterSettings, today: &str) -> Vec<TextBlock> {
    let texts: std::collections::HashMap<String, String> =
        toml::from_str(TEXTS).expect("assets/betroffenenbrief.toml is valid");
    let names = match letter.names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} und {last}", init.join(", ")),
    };
    let scan_office = if s.scan_office.trim().is_empty() {
        format!("Scanstelle im {}", s.office)
    } else {
        s.scan_office.clone()
    };
    let purpose = if s.purpose.trim().is_empty() {
        "die elektronische Akte des Jobcenters führen".to_owned()
    } else {
        s.purpose.clone()
    };
    let fill = |key: &str| {
        texts
            .get(key)
            .map(String::as_str)
            .unwrap_or_default()
            .replace("{namen}", &names)
            .replace("{bg}", &letter.bg)
            .replace("{amt}", &s.office)
            .replace("{anschrift_amt}", &s.address)
            .replace("{scanstelle}", &scan_office)
            .replace("{betreiber}", &s.processor)
            .replace("{betreiber_ort}", &s.processor_place)
            .replace("{zweck}", &purpose)
            .replace("{datenschutz}", &s.data_protection_officer)
            .replace("{aufsicht}", &s.supervisory_authority)
    };
    let mut b = vec![
        // Its name first: the station's own classifier files it by it
        // (type `information_betroffene`) when it goes into the e-file.
        TextBlock::Small("Eingangsbestätigung und Information zur Verarbeitung".into()),
        TextBlock::Small(format!("{} · {}", s.office, s.address)),
        TextBlock::Gap,
        TextBlock::Paragraph(names.clone()),
        TextBlock::Paragraph(letter.address.clone()),
        TextBlock::Gap,
        TextBlock::Small(format!(
            "Datum: {today} · Bedarfsgemeinschaft {}",
            letter.bg
        )),
        TextBlock::Heading(fill("titel")),
        TextBlock::Paragraph(fill("anrede")),
        TextBlock::Paragraph(fill("einleitung")),
    ];
    if letter.documents.is_empty() {
        b.push(TextBlock::Paragraph(fill("keine")));
    } else {
        b.push(TextBlock::Paragraph(fill("liste")));
        for d in &letter.documents {
            let pages = if d.pages == 1 {
                "1 Seite".to_owned()
            } else {
                format!("{} Seiten", d.pages)
            };
            let where_ = match &d.filed {
                Some(on) => format!("in Ihrer elektronischen Akte seit {on}"),
                None => "noch auf dem Weg in Ihre elektronische Akte".to_owned(),
            };
            b.push(TextBlock::Item(format!(
                "{}: angekommen am {}, {pages}, {where_}",
                d.kind, d.received
            )));
        }
    }
    b.push(TextBlock::Heading(fill("ort_titel")));
    b.push(TextBlock::Paragraph(fill("ort")));
    let all_purged = !letter.documents.is_empty() && letter.documents.iter().all(|d| d.purged);
    b.push(TextBlock::Paragraph(fill(if all_purged {
        "kopien_geloescht"
    } else {
        "kopien_bleiben"
    })));
    let papers: Vec<&LetterDocument> = letter
        .documents
        .iter()
        .filter(|d| !d.paper.is_empty())
        .collect();
    if !papers.is_empty() || !s.originals.trim().is_empty() {
        b.push(TextBlock::Heading(fill("papier_titel")));
        for d in papers {
            b.push(TextBlock::Item(format!(
                "{} vom {}: {}",
                d.kind, d.received, d.paper
            )));
        }
        if !s.originals.trim().is_empty() {
            b.push(TextBlock::Paragraph(s.originals.clone()));
        }
    }
    b.push(TextBlock::Heading(fill("rechte_titel")));
    b.push(TextBlock::Paragraph(fill("rechte")));
    for key in [
        "recht_auskunft",
        "recht_berichtigung",
        "recht_loeschung",
        "recht_einschraenkung",
        "recht_widerspruch",
    ] {
        b.push(TextBlock::Item(fill(key)));
    }
    b.push(TextBlock::Paragraph(fill("kontakt")));
    b.push(TextBlock::Paragraph(fill("beschwerde")));
    b.push(TextBlock::Paragraph(fill("fehler")));
    b.push(TextBlock::Gap);
    b.push(TextBlock::Small(fill("fuss")));
    b
}

/// The letter as PDF/A, dated `today` (TT.MM.JJJJ); refused in words when
/// the configuration does not say who stores the documents.
pub fn letter_pdf(
    letter: &Letter,
    settings: &LetterSettings,
    today: &str,
) -> Result<Vec<u8>, LetterError> {
    let missing = settings.missing();
    if !missing.is_empty() {
        return Err(LetterError::NotConfigured(missing));
    }
    let title = format!("Information zu Ihren Unterlagen ({})", letter.bg);
    Ok(crate::package::pdfa::text_pdf(
        &title,
        &blocks(letter, settings, today),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LetterSettings {
        LetterSettings {
            office: "Jobcenter Musterstadt".into(),
            address: "Am Markt 1, 12345 Musterstadt".into(),
            processor: "Rechenzentrum Beispiel GmbH".into(),
            processor_place: "Beispielort".into(),
            data_protection_officer: "Datenschutz, Am Markt 1, 12345 Musterstadt".into(),
            supervisory_authority: "Landesbeauftragte für Datenschutz, Postfach 1, 40000 Beispiel"
                .into(),
            ..LetterSettings::default()
        }
    }

    #[test]
    fn every_placeholder_of_the_texts_is_filled() {
        let letter = Letter {
            bg: "12345BG0012345".into(),
            names: vec!["Erika Mustermann".into(), "Max Mustermann".into()],
            address: "Lindenstraße 12, 32423 Minden".into(),
            documents: vec![LetterDocument {
                kind: "Kontoauszug".into(),
                received: "01.12.2026".into(),
                pages: 2,
                filed: Some("02.12.2026".into()),
                purged: true,
                paper: "das Papier wird ab dem 13.01.2027 vernichtet".into(),
            }],
        };
        let text: Vec<String> = blocks(&letter, &settings(), "06.12.2026")
            .into_iter()
            .map(|b| format!("{b:?}"))
            .collect();
        let all = text.join("\n");
        assert!(!all.contains('{') && !all.contains('}'), "{all}");
        assert!(
            all.contains("Guten Tag Erika Mustermann und Max Mustermann,"),
            "{all}"
        );
        assert!(all.contains("Kontoauszug: angekommen am 01.12.2026, 2 Seiten, in Ihrer elektronischen Akte seit 02.12.2026"), "{all}");
        assert!(
            all.contains("In der Scanstelle gibt es keine Kopie mehr."),
            "{all}"
        );
        assert!(
            all.contains("von Rechenzentrum Beispiel GmbH in Beispielort"),
            "{all}"
        );
    }

    #[test]
    fn a_letter_without_its_processor_is_refused_in_words() {
        let letter = Letter {
            bg: "12345BG0012345".into(),
            names: vec!["Erika Mustermann".into()],
            address: String::new(),
            documents: Vec::new(),
        };
        let err = letter_pdf(&letter, &LetterSettings::default(), "06.12.2026")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[letter]") && err.contains("processor"),
            "{err}"
        );
        assert_eq!(date("2026-12-01T09:30:00Z"), "01.12.2026");
    }
}
