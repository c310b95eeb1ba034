//! Persons of the register on a page: full name, address and date of birth.
//!
//! Names and streets are compared after folding (umlauts spelled out, ß as
//! ss, `Straße` as `str`); a word of five letters or more may differ by one
//! OCR error (edit distance 1), and a ß may be read as one of its
//! look-alikes (`Weill`, `GroB`); the evidence records either as repaired.
//! Dates of birth are found in every usual written form (`01.02.1980`,
//! `1.2.80`, `1. Februar 1980`, `1980-02-01`). An address of the person that
//! is only in an older register version is reported: the person may have
//! moved, and a person must look. An e-mail address on the page that the
//! register's contact data gives a person (the sender line of a message)
//! counts like an address.

use std::sync::LazyLock;

use regex::Regex;

use super::{Evidence, EvidenceKind, bbox};
use crate::classify::register::{Person, Register, edit_distance, fold, fold_street};
use crate::ocr::Word;

/// What the page says about the register's persons.
#[derive(Debug, Default)]
pub(super) struct PersonFindings {
    /// Evidence per case.
    pub evidence: Vec<(String, Evidence)>,
    /// Cases whose person is addressed at an address from an older register
    /// version only, with the reason in words.
    pub moved: Vec<(String, String)>,
}

/// A folded token of the page and the word it came from.
struct Token {
    text: String,
    word: usize,
    line: u32,
}

/// What OCR makes of a `ß` (folded `ss`): `B`, `ll`, `fs`, `li`, `13`, `8`.
const SHARP_S_READS: [&str; 6] = ["b", "ll", "fs", "li", "13", "8"];

/// The word with one of the ß look-alikes read back as `ss` (folded ß),
/// each occurrence in turn: `weill` → `weiss`, `grob` → `gross`.
pub(super) fn sharp_s_variants(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    for look in SHARP_S_READS {
        for (at, _) in word.match_indices(look) {
            out.push(format!("{}ss{}", &word[..at], &word[at + look.len()..]));
        }
    }
    out
}

/// Whether a page token is the register's word, allowing one OCR error in
/// words of five letters or more, or a ß read as one of its look-alikes.
/// `Some(true)` when it took the error.
fn same_word(page: &str, reg: &str) -> Option<bool> {
    if page == reg {
        return Some(false);
    }
    let n = page.chars().count().min(reg.chars().count());
    if n >= 5 && edit_distance(page, reg) <= 1 {
        return Some(true);
    }
    sharp_s_read(page, reg).then_some(true)
}

/// Whether `page` is `reg` with one `ss` (a folded ß) read as one of its
/// look-alikes (without building the variants: this runs per token and
/// register word).
fn sharp_s_read(page: &str, reg: &str) -> bool {
    // Every position of `ss`, overlapping ones too (`sss`).
    reg.char_indices()
        .filter(|&(at, _)| reg[at..].starts_with("ss"))
        .any(|(at, _)| {
            let (before, after) = (&reg[..at], &reg[at + 2..]);
            page.len() >= before.len() + after.len()
                && page.starts_with(before)
                && page.ends_with(after)
                && page
                    .get(before.len()..page.len() - after.len())
                    .is_some_and(|mid| SHARP_S_READS.contains(&mid))
        })
}

/// Where a sequence of register words is on the page (token index, and
/// whether an OCR error was forgiven). Alphabetic words may be written
/// together or apart (`Haupt-Straße` / `Hauptstr.`).
fn find_words(tokens: &[Token], want: &[&str]) -> Option<(usize, usize, bool)> {
    if want.is_empty() {
        return None;
    }
    let joined: String = want.concat();
    let mut best: Option<(usize, usize, bool)> = None;
    for i in 0..tokens.len() {
        // Word by word.
        let mut fuzzy = false;
        let ok = want.iter().enumerate().all(|(k, w)| {
            tokens
                .get(i + k)
                .and_then(|t| same_word(&t.text, w))
                .is_some_and(|f| {
                    fuzzy |= f;
                    true
                })
        });
        if ok && (!fuzzy || best.is_none()) {
            best = Some((i, want.len(), fuzzy));
            if !fuzzy {
                return best;
            }
        }
        // Written together or split differently (up to three page tokens).
        for n in 1..=3 {
            if n == want.len() || i + n > tokens.len() {
                continue;
            }
            let page: String = tokens[i..i + n].iter().map(|t| t.text.as_str()).collect();
            if let Some(f) = same_word(&page, &joined)
                && (best.is_none() || !f)
            {
                best = Some((i, n, f));
                if !f {
                    return best;
                }
            }
        }
    }
    best
}

/// Dates on a page, as (day, month, year) with the year possibly two digits.
fn dates(text: &str) -> Vec<(u32, u32, u32)> {
    static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(\d{1,2}) ?[./] ?(\d{1,2}) ?[./] ?(\d{4}|\d{2})\b").expect("valid")
    });
    static ISO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})\b").expect("valid"));
    static WORDS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b(\d{1,2})\.? ?(januar|jan|februar|feb|maerz|märz|mär|mar|april|apr|mai|juni|jun|juli|jul|august|aug|september|sept|sep|oktober|okt|november|nov|dezember|dez)\.? ?(\d{4})\b",
        )
        .expect("valid")
    });
    let n = |s: &str| s.parse::<u32>().unwrap_or(0);
    let mut out: Vec<(u32, u32, u32)> = NUMERIC
        .captures_iter(text)
        .map(|c| (n(&c[1]), n(&c[2]), n(&c[3])))
        .collect();
    out.extend(
        ISO.captures_iter(text)
            .map(|c| (n(&c[3]), n(&c[2]), n(&c[1]))),
    );
    out.extend(WORDS.captures_iter(text).map(|c| {
        let month = match &c[2].to_lowercase()[..3] {
            "jan" => 1,
            "feb" => 2,
            "mae" | "mär" | "mar" => 3,
            "apr" => 4,
            "mai" => 5,
            "jun" => 6,
            "jul" => 7,
            "aug" => 8,
            "sep" => 9,
            "okt" => 10,
            "nov" => 11,
            _ => 12,
        };
        (n(&c[1]), month, n(&c[3]))
    }));
    out
}

/// Whether a date read on the page is this date of birth (`TT.MM.JJJJ`);
/// a two-digit year matches its last two digits.
fn is_birth_date(read: (u32, u32, u32), birth: &str) -> bool {
    let Some(b) = crate::classify::register::parse_date(birth) else {
        return false;
    };
    let (d, m, y) = read;
    let year = b.year() as u32;
    d == u32::from(b.day())
        && m == u32::from(u8::from(b.month()))
        && (y == year || (y < 100 && y == year % 100))
}

/// The street of a person split for matching: the name's words and the
/// house number's (`Hauptstr 12 a` → `[hauptstr]`, `[12, a]`).
fn street_parts(strasse: &str) -> (Vec<String>, Vec<String>) {
    let folded = fold_street(strasse);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let first_number = words
        .iter()
        .position(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(words.len());
    (
        words[..first_number]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        words[first_number..]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    )
}

/// A street word with the usual misreadings of `straße` shortened to `str`
/// (`Hauptstrafse`, `Hauptstrabe` → `hauptstr`), so that one OCR error in
/// the suffix does not make the street another.
fn canon_street_word(w: &str) -> String {
    for suffix in [
        "strasse", "strafse", "strasze", "strase", "strabe", "strafe",
    ] {
        if let Some(stem) = w.strip_suffix(suffix) {
            return format!("{stem}str");
        }
    }
    w.to_owned()
}

/// Where a street with its house number is on the page: token index, token
/// count and whether an OCR error was forgiven in the name.
fn find_street(tokens: &[Token], strasse: &str) -> Option<(usize, usize, bool)> {
    let (name, number) = street_parts(strasse);
    let name: Vec<String> = name.iter().map(|w| canon_street_word(w)).collect();
    let name: Vec<&str> = name.iter().map(String::as_str).collect();
    let canon: Vec<Token> = tokens
        .iter()
        .map(|t| Token {
            text: canon_street_word(&t.text),
            word: t.word,
            line: t.line,
        })
        .collect();
    let tokens = canon.as_slice();
    let (at, n, fuzzy) = find_words(tokens, &name)?;
    // The house number must follow as written; a letter after it may be
    // missing on the page, but not be another letter.
    let mut k = at + n;
    for (i, part) in number.iter().enumerate() {
        match tokens.get(k) {
            Some(t) if t.text == *part => k += 1,
            _ if i > 0
                && i == number.len() - 1
                && !part.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                let next_is_letter = tokens
                    .get(k)
                    .is_some_and(|t| t.text.len() == 1 && t.text.chars().all(char::is_alphabetic));
                if next_is_letter {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some((at, k - at, fuzzy))
}

/// Name, address and birth-date evidence on one page: for the persons of
/// the `named` cases, and for anyone whose family name (or a word one OCR
/// error from it) appears.
pub(super) fn on_page(
    reg: &Register,
    words: &[Word],
    page: u32,
    named: &[String],
) -> PersonFindings {
    let mut tokens: Vec<Token> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        // An e-mail address spells names (`anna.mueller@…`) but is not
        // one: it counts as itself below.
        if email_in(&w.text).is_some() {
            continue;
        }
        for t in fold_street(&w.text).split(' ').filter(|t| !t.is_empty()) {
            tokens.push(Token {
                text: t.to_owned(),
                word: i,
                line: w.line,
            });
        }
    }
    let mut persons: Vec<&Person> = named.iter().flat_map(|bg| reg.case(bg)).collect();
    for t in &tokens {
        if t.text.len() >= 3 {
            persons.extend(reg.by_family_name_fuzzy(&t.text));
            for v in sharp_s_variants(&t.text) {
                persons.extend(reg.by_family_name(&v));
            }
        }
    }
    let mut out = PersonFindings::default();
    for (wi, w) in words.iter().enumerate() {
        let Some(address) = email_in(&w.text) else {
            continue;
        };
        for p in reg.by_email(&address) {
            persons.push(p);
            out.evidence.push((
                p.bg.clone(),
                Evidence {
                    kind: EvidenceKind::Email,
                    page,
                    read: address.clone(),
                    bbox: words.get(wi).map(|w| bbox(&[w])),
                    repaired: false,
                    score: 0.4,
                    text: format!(
                        "E-Mail-Adresse {address} von {} {} auf Seite {page}",
                        p.vorname, p.nachname
                    ),
                },
            ));
        }
    }
    persons.sort_by(|a, b| a.kundennummer.cmp(&b.kundennummer));
    persons.dedup_by(|a, b| a.kundennummer == b.kundennummer);
    let page_dates = dates(
        &words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    );
    let word_box = |ti: usize, n: usize| {
        let ws: Vec<&Word> = tokens[ti..(ti + n).min(tokens.len())]
            .iter()
            .map(|t| &words[t.word])
            .collect();
        bbox(&ws)
    };
    let near_plz = |at: usize, plz: &str| {
        let line = tokens[at].line;
        tokens
            .iter()
            .any(|t| t.text == plz && t.line.abs_diff(line) <= 3)
    };
    for p in persons {
        let family = fold(&p.nachname);
        let family: Vec<&str> = family.split(' ').collect();
        let given = fold(&p.vorname);
        let first_given = given.split(' ').next().unwrap_or_default();
        if let Some((at, n, fuzzy_family)) = find_words(&tokens, &family) {
            // The given name next to it, or in a form field a few words on
            // (`Familienname Vorname` / `Müller Anna`), on the same or the
            // next line.
            let lo = at.saturating_sub(6);
            let hi = (at + n + 6).min(tokens.len());
            let line = tokens[at].line;
            let given_at = (lo..hi)
                .filter(|&i| (i < at || i >= at + n) && tokens[i].line.abs_diff(line) <= 1)
                .filter_map(|i| same_word(&tokens[i].text, first_given))
                .min();
            if let Some(fuzzy_given) = given_at.filter(|_| !first_given.is_empty()) {
                let fuzzy = fuzzy_family || fuzzy_given;
                out.evidence.push((
                    p.bg.clone(),
                    Evidence {
                        kind: EvidenceKind::Name,
                        page,
                        read: format!("{} {}", p.vorname, p.nachname),
                        bbox: Some(word_box(at, n)),
                        repaired: fuzzy,
                        score: if fuzzy { 0.45 } else { 0.5 },
                        text: format!(
                            "Name {} {} auf Seite {page}{}",
                            p.vorname,
                            p.nachname,
                            if fuzzy {
                                " (ein Zeichen abweichend)"
                            } else {
                                ""
                            }
                        ),
                    },
                ));
            }
        }
        if let Some((at, n, fuzzy)) = find_street(&tokens, &p.strasse) {
            let plz = near_plz(at, &p.plz);
            out.evidence.push((
                p.bg.clone(),
                Evidence {
                    kind: EvidenceKind::Address,
                    page,
                    read: p.strasse.clone(),
                    bbox: Some(word_box(at, n)),
                    repaired: fuzzy,
                    score: match (plz, fuzzy) {
                        (true, false) => 0.4,
                        (true, true) => 0.35,
                        (false, _) => 0.25,
                    },
                    text: format!(
                        "Anschrift {}{} auf Seite {page}{}",
                        p.strasse,
                        if plz {
                            format!(", {}", p.plz)
                        } else {
                            String::new()
                        },
                        if fuzzy {
                            " (ein Zeichen abweichend)"
                        } else {
                            ""
                        }
                    ),
                },
            ));
        } else {
            for (strasse, plz) in reg.former_addresses(&p.kundennummer) {
                if let Some((at, _, _)) = find_street(&tokens, strasse)
                    && near_plz(at, plz)
                {
                    out.moved.push((
                        p.bg.clone(),
                        format!(
                            "{} {} steht mit der früheren Anschrift {strasse}, {plz} auf Seite {page}; im aktuellen Fallbestand: {}, {}",
                            p.vorname, p.nachname, p.strasse, p.plz
                        ),
                    ));
                }
            }
        }
        if page_dates
            .iter()
            .any(|&d| is_birth_date(d, &p.geburtsdatum))
        {
            let wi = words
                .iter()
                .position(|w| {
                    dates(&w.text)
                        .iter()
                        .any(|&d| is_birth_date(d, &p.geburtsdatum))
                })
                .unwrap_or(0);
            out.evidence.push((
                p.bg.clone(),
                Evidence {
                    kind: EvidenceKind::BirthDate,
                    page,
                    read: p.geburtsdatum.clone(),
                    bbox: words.get(wi).map(|w| bbox(&[w])),
                    repaired: false,
                    score: 0.35,
                    text: format!("Geburtsdatum {} auf Seite {page}", p.geburtsdatum),
                },
            ));
        }
    }
    out
}

/// The e-mail address a word is, without what surrounds it in a header
/// or a sentence (`<anna@example.org>,`, `mailto:anna@example.org`), in
/// lower case.
fn email_in(word: &str) -> Option<String> {
    if !word.contains('@') {
        return None;
    }
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    let word = word
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("mailto:"))
        .map_or(word, |_| &word[7..]);
    let address = word.to_lowercase();
    crate::classify::register::is_email_address(&address).then_some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_address_is_taken_out_of_its_header_or_sentence() {
        for (word, address) in [
            ("<Anna.Lange@Example.org>,", Some("anna.lange@example.org")),
            ("mailto:anna@example.org", Some("anna@example.org")),
            (
                "(anna+amt@mail.example.de).",
                Some("anna+amt@mail.example.de"),
            ),
            ("anna@example", None),
            ("@", None),
            ("Anna", None),
            ("a@b@example.org", None),
        ] {
            assert_eq!(email_in(word).as_deref(), address, "{word}");
        }
    }

    #[test]
    fn dates_of_birth_in_every_usual_form() {
        for text in [
            "geb. 01.02.1980",
            "geboren am 1.2.1980",
            "Geb.-Datum: 01.02.80",
            "geb. am 1. Februar 1980",
            "1 Feb 1980",
            "1980-02-01",
            "01/02/1980",
            "01 . 02 . 1980",
        ] {
            assert!(
                dates(text).iter().any(|&d| is_birth_date(d, "01.02.1980")),
                "{text}: {:?}",
                dates(text)
            );
        }
        for text in ["02.01.1980", "01.02.1981", "1. März 1980", "01.02.81"] {
            assert!(
                !dates(text).iter().any(|&d| is_birth_date(d, "01.02.1980")),
                "{text}"
            );
        }
    }

    #[test]
    fn a_sharp_s_read_as_its_look_alikes_is_one_forgiven_error() {
        let person = Person {
            bg: "12345BG0012345".into(),
            kundennummer: "123A456789".into(),
            nachname: "Weiß".into(),
            vorname: "Kevin".into(),
            geburtsdatum: "20.04.1990".into(),
            strasse: "Heideweg 4".into(),
            plz: "32425".into(),
            ort: "Minden".into(),
            email: String::new(),
        };
        let reg = Register::new(1, vec![person]);
        let words = |text: &str| -> Vec<Word> {
            text.split(' ')
                .enumerate()
                .map(|(i, w)| Word {
                    left: 60 * i as u32,
                    top: 10,
                    width: 50,
                    height: 30,
                    conf: 90.0,
                    line: 0,
                    text: w.into(),
                })
                .collect()
        };
        for (text, repaired) in [
            ("und Kevin Weiß, geboren", false),
            ("und Kevin Weiss, geboren", false),
            ("und Kevin Weill, geboren", true),
            ("und Kevin WeiB, geboren", true),
            ("und Kevin Weifs, geboren", true),
        ] {
            let found = on_page(&reg, &words(text), 1, &[]);
            let name = found
                .evidence
                .iter()
                .find(|(_, e)| e.kind == EvidenceKind::Name)
                .unwrap_or_else(|| panic!("{text}: no name"));
            assert_eq!(name.1.repaired, repaired, "{text}");
        }
        for text in ["und Kevin Weil, geboren", "und Kevin Wein, geboren"] {
            let found = on_page(&reg, &words(text), 1, &[]);
            assert!(
                !found
                    .evidence
                    .iter()
                    .any(|(_, e)| e.kind == EvidenceKind::Name),
                "{text}"
            );
        }
    }

    #[test]
    fn streets_match_however_they_are_written() {
        let toks = |s: &str| -> Vec<Token> {
            fold_street(s)
                .split(' ')
                .map(|t| Token {
                    text: t.into(),
                    word: 0,
                    line: 0,
                })
                .collect()
        };
        for (page, reg, fuzzy) in [
            ("Hauptstraße 12a", "Hauptstr. 12 a", false),
            ("Haupt-Straße 12 a", "Hauptstraße 12a", false),
            ("Hauptstrasse 12", "Hauptstraße 12", false),
            ("Hauptstrafe 12", "Hauptstraße 12", false),
            ("Hanptstraße 12", "Hauptstraße 12", true),
            ("Am Lindenhof 3", "Am Lindenhof 3", false),
            ("Hauptstraße 12", "Hauptstraße 12a", false),
        ] {
            let found = find_street(&toks(page), reg);
            assert_eq!(found.map(|f| f.2), Some(fuzzy), "{page} / {reg}");
        }
        for (page, reg) in [
            ("Hauptstraße 13", "Hauptstraße 12"),
            ("Hauptstraße 12 b", "Hauptstraße 12 a"),
            ("Bahnhofstraße 12", "Hauptstraße 12"),
        ] {
            assert!(find_street(&toks(page), reg).is_none(), "{page} / {reg}");
        }
    }
}
