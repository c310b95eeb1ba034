//! Finding the case (Bedarfsgemeinschaft) a document belongs to.
//!
//! Evidence, strongest first: the BG-Nummer of a cover sheet; a BG-Nummer
//! or Kundennummer in the OCR text, however it is written
//! (`identifiers`: any separators, spacing, comb boxes, splits over a
//! line; OCR confusions repaired only into register values); a person's
//! full name, address, date of birth and e-mail address (contact data)
//! from the register (`persons`).
//! Each piece says where it was (page, word box). Pieces for the same case
//! combine (noisy-or of the best piece of each kind).
//!
//! Precision comes first: a document is attached automatically only when
//! exactly one case is supported, its score reaches the threshold, no
//! identifier on the document is well-formed but unknown (unless it is one
//! digit from the case's own numbers and the case is named on its own, by
//! its person or its number read as printed), and an identifier
//! that is one character away from another register entry is corroborated
//! (name, address or date of birth of that case on the document, or read
//! cleanly with high confidence). Without an identifier, a full name with
//! full address or date of birth that fits exactly one household is
//! enough, unless namesakes, a second household of that name at the
//! address, an address from an older register version or more than one
//! forgiven OCR error leave a doubt. Everything else goes to review with
//! ranked candidates and the reasons in words.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;

mod identifiers;
mod patterns;
mod persons;

use crate::classify::register::{Register, fold};
use crate::ocr::{Word, lines};

/// Patterns and thresholds of the matcher (`[cases]` in the configuration).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaseSettings {
    /// BG-Nummer: named groups `office` and `serial`; digits may be read as
    /// their look-alike letters (repaired afterwards).
    pub bg_pattern: String,
    /// Kundennummer: named groups `a`, `letter`, `b`.
    pub kunde_pattern: String,
    /// Words that introduce an identifier (raise its weight).
    pub labels: Vec<String>,
    /// Score from which a single supported case is attached without a person.
    pub auto_threshold: f64,
    /// OCR confidence (0–100) an unrepaired identifier needs to stand alone
    /// when another register entry is one character away.
    pub min_digit_confidence: f32,
    /// What a register import may hold (`[cases.register]`).
    pub register: crate::classify::register::Limits,
}

impl Default for CaseSettings {
    fn default() -> Self {
        let d = "[0-9OoIlSsBZz]";
        Self {
            // `BG` or `//` between the parts; anything else in `sep` (`//`
            // read as `1` or `/`, `BG` as `8G`) counts only when the repaired
            // number is in the register. A stray space inside is forgiven.
            bg_pattern: format!(
                r"(?i)\b(?P<office>(?:{d} ?){{4}}{d}) ?(?P<sep>BG|B G|8G|//|/ /|11|/|\||1|l|I) ?(?P<serial>(?:{d} ?){{6}}{d})\b"
            ),
            // The letter may be read as a digit (L as 1, T as 7…).
            kunde_pattern: format!(
                r"\b(?P<a>{d}{{3}}) ?(?P<letter>[A-Za-z0-9]) ?(?P<b>{d}{{6}})\b"
            ),
            labels: [
                "bg-nummer",
                "bg nummer",
                "nummer der bedarfsgemeinschaft",
                "bedarfsgemeinschaft",
                "kundennummer",
                "kunden-nr",
                "kundennr",
                // `Kd.-Nr.`, `Kd-Nr`, `KdNr` as folded.
                "kd nr",
                "kdnr",
                "aktenzeichen",
                "geschaeftszeichen",
                "ihr zeichen",
                "unser zeichen",
            ]
            .map(String::from)
            .to_vec(),
            auto_threshold: 0.9,
            min_digit_confidence: 90.0,
            register: Default::default(),
        }
    }
}

/// What a piece of evidence is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// BG-Nummer on a cover sheet.
    CoverSheet,
    /// BG-Nummer in the text.
    BgNumber,
    /// Kundennummer in the text.
    CustomerNumber,
    /// First and family name of a member of the case.
    Name,
    /// Street and postcode of the case.
    Address,
    /// Date of birth of a member of the case.
    BirthDate,
    /// E-mail address of a member of the case (register contact data).
    Email,
}

impl EvidenceKind {
    fn is_identifier(self) -> bool {
        matches!(
            self,
            EvidenceKind::CoverSheet | EvidenceKind::BgNumber | EvidenceKind::CustomerNumber
        )
    }
}

/// One reason to think a document belongs to a case.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// Kind.
    pub kind: EvidenceKind,
    /// Page of the document (1-based; 0: cover sheet).
    pub page: u32,
    /// What was read, as read.
    pub read: String,
    /// Box on the page (left, top, width, height in page pixels).
    pub bbox: Option<[u32; 4]>,
    /// Whether OCR confusions were repaired to get a register value.
    pub repaired: bool,
    /// Weight of this piece, 0..1.
    pub score: f64,
    /// The same in words, for the review screen.
    pub text: String,
}

/// A case the document may belong to.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Candidate {
    /// Normalised BG-Nummer.
    pub bg: String,
    /// Combined score, 0..1.
    pub score: f64,
    /// The evidence.
    pub evidence: Vec<Evidence>,
}

/// The same piece of evidence found on several pages, once: its words,
/// its kind, and the pages ("Name Petra Musterfrau", [1, 2, 3]).
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceGroup {
    /// Kind.
    pub kind: EvidenceKind,
    /// What was found, in words, without the page.
    pub what: String,
    /// The pages it was found on (1-based; 0: cover sheet), ascending.
    pub pages: Vec<u32>,
}

impl EvidenceGroup {
    /// The group in words: "Name Petra Musterfrau auf Seite 1" or
    /// "… auf Seiten 1–4, 7".
    pub fn words(&self) -> String {
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for &p in &self.pages {
            match runs.last_mut() {
                Some((_, end)) if *end + 1 == p => *end = p,
                _ => runs.push((p, p)),
            }
        }
        let list: Vec<String> = runs
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}–{b}")
                }
            })
            .collect();
        let noun = if self.pages.len() == 1 {
            "Seite"
        } else {
            "Seiten"
        };
        format!("{} auf {noun} {}", self.what, list.join(", "))
    }
}

/// Groups evidence that says the same on several pages (a case number in
/// every page's header), in the order first found: 12 lines become one.
pub fn group_evidence(evidence: &[Evidence]) -> Vec<EvidenceGroup> {
    let mut groups: Vec<EvidenceGroup> = Vec::new();
    for e in evidence {
        let suffix = format!(" auf Seite {}", e.page);
        let what = e.text.strip_suffix(&suffix).unwrap_or(&e.text);
        match groups
            .iter_mut()
            .find(|g| g.kind == e.kind && g.what == what)
        {
            Some(g) => {
                if !g.pages.contains(&e.page) {
                    g.pages.push(e.page);
                    g.pages.sort_unstable();
                }
            }
            None => groups.push(EvidenceGroup {
                kind: e.kind,
                what: what.to_owned(),
                pages: vec![e.page],
            }),
        }
    }
    groups
}

/// How a document's case was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Attached without a person.
    Auto,
    /// A person must decide (candidates given).
    Review,
    /// No candidate at all (a person must decide).
    None,
}

impl CaseStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Auto => "auto",
            CaseStatus::Review => "review",
            CaseStatus::None => "none",
        }
    }
}

/// The matcher's verdict on one document.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDecision {
    /// Auto, review or none.
    pub status: CaseStatus,
    /// The attached (auto) or best (review) case.
    pub case: Option<String>,
    /// Score of that case.
    pub confidence: f64,
    /// Every candidate, best first.
    pub candidates: Vec<Candidate>,
    /// Why it needs review, in words (empty for auto).
    pub reasons: Vec<String>,
    /// Identifiers read that are in no case (the usual cause of a review),
    /// with their place on the page, to be marked there.
    pub doubts: Vec<Evidence>,
}

/// An identifier found in the text.
#[derive(Debug, Clone)]
struct Found {
    kind: EvidenceKind,
    value: String,
    /// Letters a digit in the Kundennummer's letter place may have been.
    letter_alternatives: &'static [char],
    /// Written as the format says (else only a look-alike that counts
    /// when the register has it, and is ignored when not).
    strict: bool,
    read: String,
    repaired: bool,
    labelled: bool,
    conf: f32,
    page: u32,
    bbox: [u32; 4],
}

/// The compiled matcher.
#[derive(Debug, Clone)]
pub(crate) struct CaseFinder {
    settings: CaseSettings,
    bg: Regex,
    kunde: Regex,
}

/// A pattern in the settings does not compile or lacks its groups.
#[derive(Debug, thiserror::Error)]
#[error("Muster für {what} ungültig: {detail}")]
pub struct PatternError {
    /// Which pattern.
    pub what: &'static str,
    /// Why.
    pub detail: String,
}

impl CaseFinder {
    /// Compiles the patterns.
    pub fn new(settings: CaseSettings) -> Result<Self, PatternError> {
        let compile = |what: &'static str, p: &str, groups: &[&str]| {
            let re = Regex::new(p).map_err(|e| PatternError {
                what,
                detail: e.to_string(),
            })?;
            for g in groups {
                if !re.capture_names().flatten().any(|n| n == *g) {
                    return Err(PatternError {
                        what,
                        detail: format!("Gruppe (?P<{g}>…) fehlt"),
                    });
                }
            }
            Ok(re)
        };
        Ok(Self {
            bg: compile("BG-Nummer", &settings.bg_pattern, &["office", "serial"])?,
            kunde: compile(
                "Kundennummer",
                &settings.kunde_pattern,
                &["a", "letter", "b"],
            )?,
            settings,
        })
    }

    /// Decides the case of a document from its cover sheet (if any) and the
    /// OCR words of its pages, in order.
    pub(crate) fn decide(
        &self,
        reg: &Register,
        cover_bg: Option<&str>,
        pages: &[Vec<Word>],
    ) -> CaseDecision {
        let mut evidence: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
        let mut reasons = Vec::new();
        if let Some(bg) = cover_bg {
            // A cover sheet not in the register stays the proposal of the
            // person at the scanner, but is never attached without a look.
            let known = reg.has_case(bg);
            evidence.entry(bg.to_owned()).or_default().push(Evidence {
                kind: EvidenceKind::CoverSheet,
                page: 0,
                read: bg.to_owned(),
                bbox: None,
                repaired: false,
                score: if known { 0.99 } else { 0.5 },
                text: if known {
                    format!("BG-Nummer {bg} auf dem Deckblatt")
                } else {
                    format!("BG-Nummer {bg} auf dem Deckblatt, nicht im Fallbestand")
                },
            });
            if !known {
                reasons.push(format!("BG-Nummer {bg} vom Deckblatt nicht im Fallbestand"));
            }
        }
        let reads = self.reads(reg, pages);
        // Unknown numbers, with the case of the register value one digit
        // away (if there is one).
        let mut unknown: Vec<(String, Option<String>)> = Vec::new();
        let mut doubts: Vec<Evidence> = Vec::new();
        let mut needs_corroboration: Vec<String> = Vec::new();
        for r in &reads {
            let what = if r.kind == EvidenceKind::BgNumber {
                "BG-Nummer"
            } else {
                "Kundennummer"
            };
            let bg = match r.kind {
                EvidenceKind::BgNumber => r.known.then(|| r.value.clone()),
                _ => reg.person(&r.value).map(|p| p.bg.clone()),
            };
            let Some(bg) = bg else {
                // Never attached, and it may be a misread of a number that
                // is in the register: the document goes to a person, unless
                // a registered cover sheet says where it belongs.
                let near_value = self.one_digit_away(reg, r.kind, &r.value);
                let near = near_value
                    .as_ref()
                    .map(|v| format!(" (ähnlich: {v})"))
                    .unwrap_or_default();
                let near_case = near_value.and_then(|v| match r.kind {
                    EvidenceKind::BgNumber => Some(v),
                    _ => reg.person(&v).map(|p| p.bg.clone()),
                });
                let reason = format!(
                    "{what} {} auf Seite {} nicht im Fallbestand{near}",
                    r.value, r.page
                );
                if !doubts
                    .iter()
                    .any(|d| d.page == r.page && d.bbox == Some(r.bbox))
                {
                    doubts.push(Evidence {
                        kind: r.kind,
                        page: r.page,
                        read: r.read.clone(),
                        bbox: Some(r.bbox),
                        repaired: r.repairs > 0,
                        score: 0.0,
                        text: reason.clone(),
                    });
                }
                if !unknown.iter().any(|(u, _)| *u == reason) {
                    unknown.push((reason, near_case));
                }
                continue;
            };
            // A number one digit from another entry, or one that only became
            // a number by repairs or a look-alike marker, needs more than itself.
            if !r.clean || self.one_digit_away(reg, r.kind, &r.value).is_some() {
                needs_corroboration.push(bg.clone());
            }
            let base = match (r.kind, r.repairs > 0 || !r.clean) {
                (EvidenceKind::BgNumber, false) => 0.93,
                (EvidenceKind::BgNumber, true) => 0.9,
                (_, false) => 0.92,
                (_, true) => 0.9,
            };
            let score: f64 = if r.labelled { base + 0.04 } else { base };
            let repaired = r.repairs > 0 || !r.clean;
            evidence.entry(bg.clone()).or_default().push(Evidence {
                kind: r.kind,
                page: r.page,
                read: r.read.clone(),
                bbox: Some(r.bbox),
                repaired,
                score,
                text: format!(
                    "{what} {}{} auf Seite {}",
                    r.value,
                    if repaired {
                        format!(" (gelesen als „{}“)", r.read)
                    } else {
                        String::new()
                    },
                    r.page
                ),
            });
        }
        // Names, addresses and dates of birth, for every case named on the
        // document and every person whose full name appears.
        let named: Vec<String> = evidence.keys().cloned().collect();
        let mut moved: Vec<(String, String)> = Vec::new();
        for (i, words) in pages.iter().enumerate() {
            let found = persons::on_page(reg, words, i as u32 + 1, &named);
            moved.extend(found.moved);
            for (bg, ev) in found.evidence {
                // Members of one household share the address: once is enough.
                let list = evidence.entry(bg).or_default();
                if !list
                    .iter()
                    .any(|e| e.kind == ev.kind && e.page == ev.page && e.read == ev.read)
                {
                    list.push(ev);
                }
            }
        }
        let mut candidates: Vec<Candidate> = evidence
            .into_iter()
            .map(|(bg, evidence)| Candidate {
                score: combine(&evidence).max(person_score(&evidence)),
                bg,
                evidence,
            })
            .collect();
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.bg.cmp(&b.bg)));
        let Some(top) = candidates.first() else {
            reasons.extend(unknown.into_iter().map(|(u, _)| u));
            if reasons.is_empty() {
                reasons.push("kein Hinweis auf eine Bedarfsgemeinschaft gefunden".into());
            }
            return CaseDecision {
                status: CaseStatus::None,
                case: None,
                confidence: 0.0,
                candidates,
                reasons,
                doubts,
            };
        };
        let has = |c: &Candidate, k: EvidenceKind| c.evidence.iter().any(|e| e.kind == k);
        let has_cover = top
            .evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::CoverSheet && e.score >= 0.9);
        let top_id = top.evidence.iter().any(|e| e.kind.is_identifier());
        let top_person = person_supported(&top.evidence);
        // The number tells the two apart only when it was read as printed
        // and is not one digit from another entry (a slip between two
        // households' numbers would go unnoticed).
        let solid_id = top
            .evidence
            .iter()
            .any(|e| e.kind.is_identifier() && !e.repaired)
            && !needs_corroboration.contains(&top.bg);
        // A number of the case repaired from a misread (or doubtful), which
        // the household's own name, address or date of birth on the
        // document bears out.
        let corroborated_id = top_id
            && top.evidence.iter().any(|e| {
                matches!(
                    e.kind,
                    EvidenceKind::Name | EvidenceKind::Address | EvidenceKind::BirthDate
                ) && (e.kind != EvidenceKind::Address || e.score >= 0.35)
            });
        if !has_cover {
            for (reason, near_case) in unknown {
                // One digit from this very case's numbers, on a document
                // that names the case on its own (person evidence, its
                // number read as printed, or repaired and borne out): a
                // misread or a slip of that number, not another case.
                if (top_person || solid_id || corroborated_id)
                    && near_case.as_deref() == Some(top.bg.as_str())
                {
                    continue;
                }
                reasons.push(reason);
            }
        }
        let with_ids = candidates
            .iter()
            .filter(|c| c.evidence.iter().any(|e| e.kind.is_identifier()))
            .count();
        if with_ids > 1 {
            reasons.push(format!(
                "Das Dokument nennt {with_ids} verschiedene Bedarfsgemeinschaften"
            ));
        } else {
            // Other cases that fit by name or address. Harmless only when the
            // first is supported on its own (an identifier, or full name with
            // address or date of birth) and the other adds nothing the first
            // lacks — its evidence stands on the same words (a namesake in
            // another household, `Anna Müller` inside `Anna Lange-Müller`) —
            // and, without an identifier, the other is not supported by the
            // person evidence just as well.
            let same_place = |e: &Evidence, t: &Evidence| {
                t.kind == e.kind
                    && t.page == e.page
                    && (t.read == e.read
                        || e.bbox
                            .zip(t.bbox)
                            .is_some_and(|(a, b)| identifiers::overlaps(a, b)))
            };
            let conflicting = candidates[1..].iter().filter(|c| c.score >= 0.5).any(|c| {
                let adds = c
                    .evidence
                    .iter()
                    .any(|e| !top.evidence.iter().any(|t| same_place(e, t)));
                !(top_id || top_person) || adds || (!solid_id && person_supported(&c.evidence))
            });
            if conflicting {
                reasons.push(
                    "Name oder Anschrift passen auch zu einer anderen Bedarfsgemeinschaft".into(),
                );
            }
        }
        if !top_id && !has_cover {
            if top_person {
                self.check_person_path(reg, top, &mut reasons);
            } else if has(top, EvidenceKind::Name) {
                reasons.push(
                    "Nur der Name passt; Anschrift oder Geburtsdatum fehlen auf dem Dokument"
                        .into(),
                );
            }
        }
        for (bg, why) in &moved {
            if *bg == top.bg && !top_id && !has_cover {
                reasons.push(format!("Anschrift aus einem älteren Fallbestand: {why}"));
            }
        }
        if needs_corroboration.contains(&top.bg) {
            let of_top = |r: &&identifiers::Read| match r.kind {
                EvidenceKind::BgNumber => r.known && r.value == top.bg,
                _ => reg.person(&r.value).is_some_and(|p| p.bg == top.bg),
            };
            let numbers: Vec<&identifiers::Read> = reads.iter().filter(of_top).collect();
            // Read as printed with high confidence, or with only the `BG`
            // misread as `8G` and its digits read as digits.
            let confident = numbers.iter().any(|r| {
                r.conf >= self.settings.min_digit_confidence
                    && ((r.clean && r.repairs == 0) || r.lettered)
            });
            // Two numbers of this household in two places (its BG-Nummer
            // and a member's Kundennummer): two misreads landing on one
            // household bear each other out.
            let two_numbers = numbers.iter().enumerate().any(|(i, a)| {
                numbers[i + 1..]
                    .iter()
                    .any(|b| (a.kind, &a.value) != (b.kind, &b.value) && apart(a, b))
            });
            if !(has(top, EvidenceKind::Name)
                || has(top, EvidenceKind::Address)
                || has(top, EvidenceKind::BirthDate)
                || has(top, EvidenceKind::CoverSheet)
                || confident
                || two_numbers)
            {
                reasons.push(format!(
                    "Die Nummer von {} ist unsicher gelesen oder nur ein Zeichen von einem anderen Eintrag entfernt und nicht durch Name oder Anschrift bestätigt",
                    top.bg
                ));
            }
        }
        if top.score < self.settings.auto_threshold {
            reasons.push(format!(
                "Sicherheit {:.0} % unter der Schwelle von {:.0} %",
                top.score * 100.0,
                self.settings.auto_threshold * 100.0
            ));
        }
        CaseDecision {
            status: if reasons.is_empty() {
                CaseStatus::Auto
            } else {
                CaseStatus::Review
            },
            case: Some(top.bg.clone()),
            confidence: top.score,
            candidates,
            reasons,
            doubts,
        }
    }

    /// The checks for a case supported by person evidence alone: at most one
    /// OCR error forgiven, and, without a date of birth, no other household
    /// of the same family name at that address (a date of birth or the
    /// person's own e-mail address tells them apart).
    fn check_person_path(&self, reg: &Register, top: &Candidate, reasons: &mut Vec<String>) {
        let forgiven = top
            .evidence
            .iter()
            .filter(|e| matches!(e.kind, EvidenceKind::Name | EvidenceKind::Address) && e.repaired)
            .count();
        if forgiven > 1 {
            reasons.push("Name und Anschrift weichen beide vom Fallbestand ab".into());
        }
        if !top
            .evidence
            .iter()
            .any(|e| matches!(e.kind, EvidenceKind::BirthDate | EvidenceKind::Email))
        {
            let named: Vec<&crate::classify::register::Person> = reg
                .case(&top.bg)
                .filter(|p| {
                    top.evidence.iter().any(|e| {
                        e.kind == EvidenceKind::Name
                            && e.read == format!("{} {}", p.vorname, p.nachname)
                    })
                })
                .collect();
            let others: Vec<&str> = named
                .iter()
                .flat_map(|p| reg.other_households_at(&top.bg, p))
                .collect();
            if let Some(other) = others.first() {
                reasons.push(format!(
                    "Unter derselben Anschrift lebt ein anderer Haushalt gleichen Namens ({other}); kein Geburtsdatum auf dem Dokument"
                ));
            }
        }
    }

    /// Every identifier read on the pages: the general reading of digit and
    /// letter groups, and the configured patterns (for other formats).
    fn reads(&self, reg: &Register, pages: &[Vec<Word>]) -> Vec<identifiers::Read> {
        let mut reads = Vec::new();
        for (i, words) in pages.iter().enumerate() {
            let page = i as u32 + 1;
            reads.extend(identifiers::read_page(
                reg,
                words,
                page,
                &self.settings.labels,
            ));
            for f in self.identifiers(words, page) {
                let Some(f) = resolve_letter(reg, f) else {
                    continue;
                };
                let known = match f.kind {
                    EvidenceKind::BgNumber => reg.has_case(&f.value),
                    _ => reg.person(&f.value).is_some(),
                };
                if !known && !f.strict {
                    continue;
                }
                reads.push(identifiers::Read {
                    kind: f.kind,
                    value: f.value,
                    read: f.read,
                    repairs: u32::from(f.repaired),
                    clean: f.strict,
                    strict: f.strict,
                    lettered: false,
                    labelled: f.labelled,
                    conf: f.conf,
                    page: f.page,
                    bbox: f.bbox,
                    known,
                });
            }
        }
        // A number the configured patterns find again where the general
        // reading found it counts once, as its cleanest reading: a pattern
        // that merely allows the separators must not make a clean read look
        // repaired.
        identifiers::dedupe(reads)
    }

    /// Another register entry of this kind one digit away from the value,
    /// or, for a Kundennummer, one letter (`322F158595` for `322E158595`:
    /// the engine reads letters for letters too).
    fn one_digit_away(&self, reg: &Register, kind: EvidenceKind, value: &str) -> Option<String> {
        let exists = |v: &str| match kind {
            EvidenceKind::BgNumber => reg.has_case(v),
            _ => reg.person(v).is_some(),
        };
        let mut chars: Vec<char> = value.chars().collect();
        for i in 0..chars.len() {
            let orig = chars[i];
            let others = if orig.is_ascii_digit() {
                '0'..='9'
            } else if kind == EvidenceKind::CustomerNumber && orig.is_ascii_uppercase() {
                'A'..='Z'
            } else {
                continue;
            };
            for d in others {
                if d == orig {
                    continue;
                }
                chars[i] = d;
                let v: String = chars.iter().collect();
                if exists(&v) {
                    return Some(v);
                }
            }
            chars[i] = orig;
        }
        None
    }
}

/// A Kundennummer from a pattern whose letter was read as a digit counts
/// only when exactly one look-alike letter gives a register entry.
fn resolve_letter(reg: &Register, mut f: Found) -> Option<Found> {
    if f.letter_alternatives.is_empty() {
        return Some(f);
    }
    let hits: Vec<String> = f
        .letter_alternatives
        .iter()
        .map(|l| format!("{}{l}{}", &f.value[..3], &f.value[4..]))
        .filter(|v| reg.person(v).is_some())
        .collect();
    let [one] = hits.as_slice() else {
        return None;
    };
    f.value = one.clone();
    f.repaired = true;
    Some(f)
}

/// Whether a case's evidence names a person with full name and full
/// address (street, house number, postcode), e-mail address from the
/// register's contact data, or date of birth.
fn person_supported(evidence: &[Evidence]) -> bool {
    let has = |k: EvidenceKind, min: f64| evidence.iter().any(|e| e.kind == k && e.score >= min);
    has(EvidenceKind::Name, 0.0)
        && (has(EvidenceKind::Address, 0.35)
            || has(EvidenceKind::Email, 0.0)
            || has(EvidenceKind::BirthDate, 0.0))
}

/// The confidence person evidence alone gives a case: full name with full
/// address or date of birth; both, higher; an OCR error forgiven, lower.
fn person_score(evidence: &[Evidence]) -> f64 {
    if !person_supported(evidence) {
        return 0.0;
    }
    let has = |k: EvidenceKind| evidence.iter().any(|e| e.kind == k);
    let address = evidence.iter().any(|e| {
        (e.kind == EvidenceKind::Address && e.score >= 0.35) || e.kind == EvidenceKind::Email
    });
    let forgiven = evidence
        .iter()
        .any(|e| matches!(e.kind, EvidenceKind::Name | EvidenceKind::Address) && e.repaired);
    let base = if address && has(EvidenceKind::BirthDate) {
        0.97
    } else {
        0.93
    };
    if forgiven { base - 0.02 } else { base }
}

/// Whether two reads are in different places (pages, or boxes that do not
/// overlap), so that they are two readings and not one.
fn apart(a: &identifiers::Read, b: &identifiers::Read) -> bool {
    let [ax, ay, aw, ah] = a.bbox;
    let [bx, by, bw, bh] = b.bbox;
    a.page != b.page || ax + aw <= bx || bx + bw <= ax || ay + ah <= by || by + bh <= ay
}

/// The box around some words.
fn bbox(ws: &[&Word]) -> [u32; 4] {
    let left = ws.iter().map(|w| w.left).min().unwrap_or(0);
    let top = ws.iter().map(|w| w.top).min().unwrap_or(0);
    let right = ws.iter().map(|w| w.left + w.width).max().unwrap_or(0);
    let bottom = ws.iter().map(|w| w.top + w.height).max().unwrap_or(0);
    [left, top, right - left, bottom - top]
}

/// Noisy-or of the best piece of each kind.
fn combine(evidence: &[Evidence]) -> f64 {
    let mut best: HashMap<EvidenceKind, f64> = HashMap::new();
    for e in evidence {
        let b = best.entry(e.kind).or_insert(0.0);
        *b = b.max(e.score);
    }
    1.0 - best.values().map(|s| 1.0 - s).product::<f64>()
}

#[cfg(test)]
mod tests;
