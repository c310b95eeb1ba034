//! Finding the case (Bedarfsgemeinschaft) a document belongs to.
//!
//! Evidence, strongest first: the BG-Nummer of a cover sheet; a BG-Nummer
//! or Kundennummer in the OCR text (any written form, typical OCR
//! confusions O/0, I/l/1, S/5, B/8, Z/2 repaired only when the repaired
//! value is in the register); a person's full name, address and date of
//! birth from the register found on a page. Each piece says where it was
//! (page, word box). Pieces for the same case combine (noisy-or of the best
//! piece of each kind); pages after the first inherit the document's case.
//!
//! Precision comes first: a document is attached automatically only when
//! exactly one case has evidence, its score reaches the threshold, no
//! identifier on the document is well-formed but unknown, and an identifier
//! that is one character away from another register entry is corroborated
//! (name or address of that case on the document, or read unrepaired with
//! high confidence). Everything else goes to review with ranked candidates.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;

use crate::ocr::{Word, lines};
use crate::register::{Register, fold, fold_street};

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
                "aktenzeichen",
                "geschaeftszeichen",
                "ihr zeichen",
                "unser zeichen",
            ]
            .map(String::from)
            .to_vec(),
            auto_threshold: 0.9,
            min_digit_confidence: 90.0,
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
pub struct CaseFinder {
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

fn repair(raw: &str) -> (String, bool) {
    let mut repaired = false;
    let value = raw
        .chars()
        .map(|c| {
            let d = match c {
                'O' | 'o' => '0',
                'I' | 'l' => '1',
                'S' | 's' => '5',
                'B' => '8',
                'Z' | 'z' => '2',
                c => return c,
            };
            repaired = true;
            d
        })
        .collect();
    (value, repaired)
}

fn real_digits(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_digit).count()
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
    pub fn decide(
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
        let found: Vec<Found> = pages
            .iter()
            .enumerate()
            .flat_map(|(i, words)| self.identifiers(words, i as u32 + 1))
            .collect();
        // A Kundennummer whose letter was read as a digit counts only when
        // exactly one look-alike letter gives a register entry.
        let found: Vec<Found> = found
            .into_iter()
            .filter_map(|mut f| {
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
            })
            .collect();
        let mut unknown = Vec::new();
        let mut needs_corroboration: Vec<String> = Vec::new();
        for f in &found {
            let (bg, what) = match f.kind {
                EvidenceKind::BgNumber => {
                    (reg.has_case(&f.value).then(|| f.value.clone()), "BG-Nummer")
                }
                _ => (reg.person(&f.value).map(|p| p.bg.clone()), "Kundennummer"),
            };
            let Some(bg) = bg else {
                if !f.strict {
                    continue;
                }
                // Never attached, and it may be a misread of a number that
                // is in the register: the document goes to a person, unless
                // a registered cover sheet says where it belongs.
                unknown.push(format!(
                    "{what} {} auf Seite {} nicht im Fallbestand",
                    f.value, f.page
                ));
                continue;
            };
            // A number one digit from another entry, or one that only became
            // a number by reading a separator or letter differently, needs
            // more than itself.
            if !f.strict || self.near_miss(reg, f) {
                needs_corroboration.push(bg.clone());
            }
            let base = match (f.kind, f.repaired) {
                (EvidenceKind::BgNumber, false) => 0.93,
                (EvidenceKind::BgNumber, true) => 0.9,
                (_, false) => 0.92,
                (_, true) => 0.9,
            };
            let score: f64 = if f.labelled { base + 0.04 } else { base };
            evidence.entry(bg.clone()).or_default().push(Evidence {
                kind: f.kind,
                page: f.page,
                read: f.read.clone(),
                bbox: Some(f.bbox),
                repaired: f.repaired,
                score,
                text: format!(
                    "{what} {}{} auf Seite {}",
                    f.value,
                    if f.repaired {
                        format!(" (gelesen als „{}“)", f.read)
                    } else {
                        String::new()
                    },
                    f.page
                ),
            });
        }
        // Names, addresses and dates of birth, for every case named on the
        // document and every person whose full name appears.
        for (i, words) in pages.iter().enumerate() {
            for (bg, ev) in
                person_evidence(reg, words, i as u32 + 1, evidence.keys().cloned().collect())
            {
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
                score: combine(&evidence),
                bg,
                evidence,
            })
            .collect();
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.bg.cmp(&b.bg)));
        let Some(top) = candidates.first() else {
            reasons.append(&mut unknown);
            if reasons.is_empty() {
                reasons.push("kein Hinweis auf eine Bedarfsgemeinschaft gefunden".into());
            }
            return CaseDecision {
                status: CaseStatus::None,
                case: None,
                confidence: 0.0,
                candidates,
                reasons,
            };
        };
        let has_cover = top
            .evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::CoverSheet && e.score >= 0.9);
        if !has_cover {
            reasons.append(&mut unknown);
        }
        let with_ids = candidates
            .iter()
            .filter(|c| c.evidence.iter().any(|e| e.kind.is_identifier()))
            .count();
        if with_ids > 1 {
            reasons.push(format!(
                "Das Dokument nennt {with_ids} verschiedene Bedarfsgemeinschaften"
            ));
        } else if candidates.len() > 1 && candidates[1].score >= 0.5 {
            // Another case fits by name or address. Harmless only when the
            // first has an identifier and the other adds nothing it lacks
            // (people of the same name in two households).
            let top_id = top.evidence.iter().any(|e| e.kind.is_identifier());
            let adds = candidates[1].evidence.iter().any(|e| {
                !top.evidence
                    .iter()
                    .any(|t| t.kind == e.kind && t.read == e.read)
            });
            if !top_id || adds {
                reasons.push(
                    "Name oder Anschrift passen auch zu einer anderen Bedarfsgemeinschaft".into(),
                );
            }
        }
        if needs_corroboration.contains(&top.bg) {
            let has = |k| top.evidence.iter().any(|e| e.kind == k);
            let confident = found.iter().any(|f| {
                !f.repaired
                    && f.conf >= self.settings.min_digit_confidence
                    && top
                        .evidence
                        .iter()
                        .any(|e| e.read == f.read && e.page == f.page)
            });
            if !(has(EvidenceKind::Name)
                || has(EvidenceKind::Address)
                || has(EvidenceKind::CoverSheet)
                || confident)
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
        }
    }

    /// Whether another register entry is one character away from this one.
    fn near_miss(&self, reg: &Register, f: &Found) -> bool {
        let exists = |v: &str| match f.kind {
            EvidenceKind::BgNumber => reg.has_case(v),
            _ => reg.person(v).is_some(),
        };
        let mut chars: Vec<char> = f.value.chars().collect();
        for i in 0..chars.len() {
            let orig = chars[i];
            if !orig.is_ascii_digit() {
                continue;
            }
            for d in '0'..='9' {
                if d == orig {
                    continue;
                }
                chars[i] = d;
                let v: String = chars.iter().collect();
                if exists(&v) {
                    return true;
                }
            }
            chars[i] = orig;
        }
        false
    }

    /// The identifiers on one page.
    fn identifiers(&self, words: &[Word], page: u32) -> Vec<Found> {
        let mut out = Vec::new();
        for line in lines(words) {
            let (text, owner) = line_text(&line);
            let folded_line = fold(&text);
            let labelled_before = |start: usize| {
                let before = fold(&text[..start]);
                self.settings
                    .labels
                    .iter()
                    .any(|l| before.contains(&fold(l)))
                    || (start == 0
                        && self
                            .settings
                            .labels
                            .iter()
                            .any(|l| folded_line.starts_with(&fold(l))))
            };
            for c in self.bg.captures_iter(&text) {
                let compact = |k: &str| -> String {
                    c.name(k)
                        .map_or("", |m| m.as_str())
                        .chars()
                        .filter(|ch| !ch.is_whitespace())
                        .collect()
                };
                let (office, serial) = (compact("office"), compact("serial"));
                if real_digits(&office) + real_digits(&serial) < 9 {
                    continue;
                }
                let sep = compact("sep").to_uppercase();
                let strict = c.name("sep").is_none() || sep == "BG" || sep == "//";
                let spaced = office.len() + serial.len()
                    < c.name("office").map_or(0, |m| m.len())
                        + c.name("serial").map_or(0, |m| m.len());
                let (o, r1) = repair(&office);
                let (s, r2) = repair(&serial);
                let m = c.get(0).expect("whole match");
                let mut f = found(
                    EvidenceKind::BgNumber,
                    format!("{o}BG{s}"),
                    m.as_str(),
                    r1 || r2 || !strict || spaced,
                    labelled_before(m.start()),
                    &line,
                    &owner[m.start()..m.end()],
                    page,
                );
                f.strict = strict && !spaced;
                out.push(f);
            }
            for c in self.kunde.captures_iter(&text) {
                let (a, letter, b) = (&c["a"], &c["letter"], &c["b"]);
                if real_digits(a) + real_digits(b) < 7 {
                    continue;
                }
                let m = c.get(0).expect("whole match");
                let (ra, r1) = repair(a);
                let (rb, r2) = repair(b);
                let mut f = found(
                    EvidenceKind::CustomerNumber,
                    format!("{ra}{}{rb}", letter.to_uppercase()),
                    m.as_str(),
                    r1 || r2,
                    labelled_before(m.start()),
                    &line,
                    &owner[m.start()..m.end()],
                    page,
                );
                f.letter_alternatives = lookalike_letters(letter);
                f.strict = f.letter_alternatives.is_empty();
                out.push(f);
            }
        }
        out
    }
}

/// The letters a digit in a letter place may have been read from.
fn lookalike_letters(read: &str) -> &'static [char] {
    match read {
        "0" => &['O', 'D', 'Q'],
        "1" => &['I', 'L', 'T', 'J'],
        "2" => &['Z'],
        "3" => &['B', 'E'],
        "4" => &['A'],
        "5" => &['S'],
        "6" => &['G'],
        "7" => &['T', 'Z'],
        "8" => &['B'],
        "9" => &['G', 'P', 'Q'],
        _ => &[],
    }
}

#[allow(clippy::too_many_arguments)]
fn found(
    kind: EvidenceKind,
    value: String,
    read: &str,
    repaired: bool,
    labelled: bool,
    line: &[&Word],
    owners: &[usize],
    page: u32,
) -> Found {
    let mut idx: Vec<usize> = owners
        .iter()
        .copied()
        .filter(|&o| o != usize::MAX)
        .collect();
    idx.dedup();
    let ws: Vec<&Word> = idx.iter().map(|&i| line[i]).collect();
    Found {
        kind,
        value,
        letter_alternatives: &[],
        strict: true,
        read: read.to_owned(),
        repaired,
        labelled,
        conf: ws.iter().map(|w| w.conf).fold(100.0, f32::min),
        page,
        bbox: bbox(&ws),
    }
}

/// The box around some words.
fn bbox(ws: &[&Word]) -> [u32; 4] {
    let left = ws.iter().map(|w| w.left).min().unwrap_or(0);
    let top = ws.iter().map(|w| w.top).min().unwrap_or(0);
    let right = ws.iter().map(|w| w.left + w.width).max().unwrap_or(0);
    let bottom = ws.iter().map(|w| w.top + w.height).max().unwrap_or(0);
    [left, top, right - left, bottom - top]
}

/// A line's text (words joined by spaces) and, per byte, the index of the
/// word it belongs to (`usize::MAX` for the spaces).
fn line_text(line: &[&Word]) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut owner = Vec::new();
    for (i, w) in line.iter().enumerate() {
        if i > 0 {
            text.push(' ');
            owner.push(usize::MAX);
        }
        text.push_str(&w.text);
        owner.extend(std::iter::repeat_n(i, w.text.len()));
    }
    (text, owner)
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

/// Name, address and birth-date evidence on one page: for the persons of
/// the `named` cases, and for anyone whose first and family name appear
/// next to each other.
fn person_evidence(
    reg: &Register,
    words: &[Word],
    page: u32,
    named: Vec<String>,
) -> Vec<(String, Evidence)> {
    // Folded tokens with the word each came from.
    let mut tokens: Vec<(String, usize)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        for t in fold_street(&w.text).split(' ').filter(|t| !t.is_empty()) {
            tokens.push((t.to_owned(), i));
        }
    }
    let mut persons: Vec<&crate::register::Person> =
        named.iter().flat_map(|bg| reg.case(bg)).collect();
    for (t, _) in &tokens {
        if t.len() >= 3 {
            persons.extend(reg.by_family_name(t));
        }
    }
    persons.sort_by(|a, b| a.kundennummer.cmp(&b.kundennummer));
    persons.dedup_by(|a, b| a.kundennummer == b.kundennummer);
    let mut out = Vec::new();
    let find_seq = |seq: &[&str]| -> Option<usize> {
        if seq.is_empty() {
            return None;
        }
        (0..tokens.len()).find(|&i| {
            seq.iter()
                .enumerate()
                .all(|(k, s)| tokens.get(i + k).is_some_and(|(t, _)| t == s))
        })
    };
    let word_box = |ti: usize, n: usize| {
        let ws: Vec<&Word> = tokens[ti..(ti + n).min(tokens.len())]
            .iter()
            .map(|(_, wi)| &words[*wi])
            .collect();
        bbox(&ws)
    };
    for p in persons {
        let family = fold(&p.nachname);
        let family: Vec<&str> = family.split(' ').collect();
        let given = fold(&p.vorname);
        let first_given = given.split(' ').next().unwrap_or_default();
        if let Some(at) = find_seq(&family) {
            let near = tokens
                .iter()
                .enumerate()
                .filter(|(i, _)| i.abs_diff(at) <= 3 + family.len())
                .any(|(_, (t, _))| !first_given.is_empty() && t == first_given);
            if near {
                out.push((
                    p.bg.clone(),
                    Evidence {
                        kind: EvidenceKind::Name,
                        page,
                        read: format!("{} {}", p.vorname, p.nachname),
                        bbox: Some(word_box(at, family.len())),
                        repaired: false,
                        score: 0.5,
                        text: format!("Name {} {} auf Seite {page}", p.vorname, p.nachname),
                    },
                ));
            }
        }
        let street = fold_street(&p.strasse);
        let street: Vec<&str> = street.split(' ').collect();
        if let Some(at) = find_seq(&street) {
            let plz = tokens.iter().any(|(t, _)| *t == p.plz);
            out.push((
                p.bg.clone(),
                Evidence {
                    kind: EvidenceKind::Address,
                    page,
                    read: p.strasse.clone(),
                    bbox: Some(word_box(at, street.len())),
                    repaired: false,
                    score: if plz { 0.4 } else { 0.25 },
                    text: format!(
                        "Anschrift {}{} auf Seite {page}",
                        p.strasse,
                        if plz {
                            format!(", {}", p.plz)
                        } else {
                            String::new()
                        }
                    ),
                },
            ));
        }
        if let Some(wi) = words.iter().position(|w| w.text.contains(&p.geburtsdatum)) {
            out.push((
                p.bg.clone(),
                Evidence {
                    kind: EvidenceKind::BirthDate,
                    page,
                    read: p.geburtsdatum.clone(),
                    bbox: Some(bbox(&[&words[wi]])),
                    repaired: false,
                    score: 0.35,
                    text: format!("Geburtsdatum {} auf Seite {page}", p.geburtsdatum),
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::{Person, Register};

    fn person(bg: &str, kunde: &str, nach: &str, vor: &str, street: &str) -> Person {
        Person {
            bg: bg.into(),
            kundennummer: kunde.into(),
            nachname: nach.into(),
            vorname: vor.into(),
            geburtsdatum: "01.02.1980".into(),
            strasse: street.into(),
            plz: "32423".into(),
            ort: "Minden".into(),
        }
    }

    fn register() -> Register {
        Register::new(
            1,
            vec![
                person(
                    "12345BG0012345",
                    "123A456789",
                    "Müller",
                    "Anna",
                    "Hauptstraße 12",
                ),
                person(
                    "12345BG0012345",
                    "123A456790",
                    "Müller",
                    "Ben",
                    "Hauptstraße 12",
                ),
                person(
                    "12345BG0077777",
                    "555B000001",
                    "Schulz",
                    "Carla",
                    "Ringstr. 5",
                ),
                // One digit away from Schulz's case.
                person("12345BG0077778", "555B000002", "Yilmaz", "Deniz", "Weg 1"),
            ],
        )
    }

    /// Words of a page from lines of text (each word 100 px wide).
    fn page(lines: &[&str], conf: f32) -> Vec<Word> {
        let mut out = Vec::new();
        for (l, text) in lines.iter().enumerate() {
            for (i, w) in text.split(' ').enumerate() {
                out.push(Word {
                    left: 100 * i as u32,
                    top: 50 * l as u32,
                    width: 90,
                    height: 30,
                    conf,
                    line: l as u32,
                    text: w.into(),
                });
            }
        }
        out
    }

    fn decide(cover: Option<&str>, pages: &[Vec<Word>]) -> CaseDecision {
        CaseFinder::new(CaseSettings::default())
            .unwrap()
            .decide(&register(), cover, pages)
    }

    #[test]
    fn every_written_form_of_a_bg_number_is_attached() {
        for form in [
            "BG-Nummer: 12345BG0012345",
            "Nummer der Bedarfsgemeinschaft 12345 BG 0012345",
            "Aktenzeichen 12345//0012345",
            "Ihr Zeichen: 12345 // 0012345",
            "12345BG0012345",
        ] {
            let d = decide(None, &[page(&["Jobcenter Minden", form], 95.0)]);
            assert_eq!(d.status, CaseStatus::Auto, "{form}: {:?}", d.reasons);
            assert_eq!(d.case.as_deref(), Some("12345BG0012345"), "{form}");
            let e = &d.candidates[0].evidence[0];
            assert_eq!((e.kind, e.page), (EvidenceKind::BgNumber, 1));
            assert_eq!(e.bbox.unwrap()[1], 50, "{form}: on the second line");
        }
    }

    #[test]
    fn ocr_confusions_are_repaired_only_into_register_values() {
        // O for 0 and l for 1: repaired, in the register -> attached.
        let d = decide(None, &[page(&["Kundennummer l23A4567B9"], 95.0)]);
        assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
        assert_eq!(d.case.as_deref(), Some("12345BG0012345"));
        assert!(d.candidates[0].evidence[0].repaired);
        // The letter of a Kundennummer read as a digit (B as 8): repaired
        // when exactly one look-alike letter gives a register entry.
        let d = decide(None, &[page(&["Kundennummer: 5558000001"], 95.0)]);
        assert_eq!(d.case.as_deref(), Some("12345BG0077777"), "{d:?}");
        assert!(d.candidates[0].evidence[0].repaired);
        // Any other ten-digit number is no Kundennummer at all.
        let d = decide(None, &[page(&["Telefon 0571887042"], 95.0)]);
        assert_eq!((d.status, d.reasons.len()), (CaseStatus::None, 1), "{d:?}");
        // `//` read as `1`, a stray space: repaired into the register only.
        for form in [
            "Aktenzeichen 1234510012345",
            "Ihr Zeichen: 12345 1 0012345",
            "BG-Nummer: 12345BG0012 345",
        ] {
            // Alone: proposed, not attached.
            let d = decide(None, &[page(&[form], 95.0)]);
            assert_eq!(d.case.as_deref(), Some("12345BG0012345"), "{form}: {d:?}");
            assert_eq!(d.status, CaseStatus::Review, "{form}");
            // With the name of a member of that household: attached.
            let d = decide(None, &[page(&["Anna Müller", form], 95.0)]);
            assert_eq!(d.status, CaseStatus::Auto, "{form}: {:?}", d.reasons);
        }
        let d = decide(None, &[page(&["Vorgang 5432110000001"], 95.0)]);
        assert_eq!((d.status, d.reasons.len()), (CaseStatus::None, 1), "{d:?}");
        // Well-formed but not in the register: never attached.
        let d = decide(None, &[page(&["BG-Nummer 99999BG0000001"], 99.0)]);
        assert_eq!(d.status, CaseStatus::None);
        assert!(
            d.reasons[0].contains("nicht im Fallbestand"),
            "{:?}",
            d.reasons
        );
        // A known number next to an unknown one: review.
        let d = decide(
            None,
            &[page(
                &["BG-Nummer 12345BG0012345", "Aktenzeichen 54321BG7654321"],
                99.0,
            )],
        );
        assert_eq!(d.status, CaseStatus::Review);
    }

    #[test]
    fn a_number_one_digit_from_another_case_needs_corroboration() {
        // Read with low confidence and nothing else on the page: review.
        let d = decide(None, &[page(&["BG-Nummer 12345BG0077777"], 70.0)]);
        assert_eq!(d.status, CaseStatus::Review, "{:?}", d);
        assert_eq!(d.case.as_deref(), Some("12345BG0077777"));
        // Read cleanly with high confidence: enough.
        let d = decide(None, &[page(&["BG-Nummer 12345BG0077777"], 96.0)]);
        assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
        // Low confidence but the name and address of that case: attached.
        let d = decide(
            None,
            &[page(
                &[
                    "Carla Schulz",
                    "Ringstr. 5",
                    "32423 Minden",
                    "BG-Nummer 12345BG0077777",
                ],
                70.0,
            )],
        );
        assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
        assert!(
            d.candidates[0]
                .evidence
                .iter()
                .any(|e| e.kind == EvidenceKind::Name)
        );
    }

    #[test]
    fn names_and_addresses_alone_go_to_review_ranked() {
        let d = decide(
            None,
            &[page(
                &[
                    "Frau",
                    "Anna Müller",
                    "Hauptstraße 12",
                    "32423 Minden",
                    "Kontoauszug",
                ],
                95.0,
            )],
        );
        assert_eq!(d.status, CaseStatus::Review);
        assert_eq!(d.case.as_deref(), Some("12345BG0012345"));
        let kinds: Vec<EvidenceKind> = d.candidates[0].evidence.iter().map(|e| e.kind).collect();
        assert!(kinds.contains(&EvidenceKind::Name) && kinds.contains(&EvidenceKind::Address));
        assert!(
            decide(None, &[page(&["Sehr geehrte Damen und Herren"], 95.0)])
                .candidates
                .is_empty()
        );
    }

    #[test]
    fn two_cases_on_one_document_are_a_conflict_and_cover_sheets_win_alone() {
        let d = decide(
            None,
            &[
                page(&["BG-Nummer 12345BG0012345"], 95.0),
                page(&["Kundennummer 555B000001"], 95.0),
            ],
        );
        assert_eq!(d.status, CaseStatus::Review);
        assert_eq!(d.candidates.len(), 2);
        assert!(d.reasons[0].contains("2 verschiedene"), "{:?}", d.reasons);
        let d = decide(Some("12345BG0012345"), &[page(&["Anlage"], 95.0)]);
        assert_eq!(d.status, CaseStatus::Auto);
        let d = decide(Some("99999BG0000001"), &[page(&["Anlage"], 95.0)]);
        assert_eq!(d.status, CaseStatus::Review);
        assert_eq!(
            d.case.as_deref(),
            Some("99999BG0000001"),
            "proposed, not attached"
        );
    }

    #[test]
    fn bad_patterns_are_refused() {
        let s = CaseSettings {
            bg_pattern: "(?P<office>[0-9]{5})".into(),
            ..CaseSettings::default()
        };
        assert!(
            CaseFinder::new(s)
                .unwrap_err()
                .to_string()
                .contains("serial")
        );
    }
}
