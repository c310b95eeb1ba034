//! BG-Nummern and Kundennummern in the OCR words, however they are written.
//!
//! The page is cut into *pieces*: runs of letters and digits between
//! separators (spaces, hyphens, dots, slashes, box lines, line breaks).
//! Every run of neighbouring pieces (across at most one line break, at most
//! 16 characters) is read as a BG-Nummer (5 + 7 digits, with or without a
//! `BG` or `//` between) and as a Kundennummer (3 digits, a letter,
//! 6 digits). Letters in digit places are OCR confusions (O→0, l→1, S→5 …)
//! and each one costs a *repair*; a read counts only when the repaired value
//! is in the register, so any separator, spacing, comb box or label works
//! and only register values can win. A number written in the strict form
//! (`BG` or `//` marker or a real letter, real digits, one line) that is not
//! in the register is reported as unknown, never attached.

use crate::classify::register::{Register, fold};
use crate::ocr::{Word, lines};

/// Longest run of characters read as one identifier (a BG-Nummer with its
/// marker is 14; two more for a stray character).
const MAX_SPAN: usize = 16;

/// One piece of text between separators.
#[derive(Debug)]
struct Piece {
    /// Letters and digits only.
    text: String,
    /// The word it came from (index into the page's words).
    word: usize,
    /// The OCR line.
    line: usize,
    /// The separator characters right before it (empty inside a word where
    /// letters meet digits, `" "` between words, `"\n"` at a line start).
    before: String,
}

/// How the two parts of a BG-Nummer are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// `BG` (any case).
    Bg,
    /// `//` as separator characters.
    Slashes,
    /// Something that may be `BG` or `//` misread (`8G`, `11`, `l/` …).
    LookAlike,
    /// `BG` misread with a letter kept (`8G`, `B6`, `BC`): no plain number,
    /// so the digits around it stand as printed.
    Lettered,
    /// Nothing: twelve digits in a row or in groups.
    None,
}

/// An identifier read on a page.
#[derive(Debug, Clone)]
pub(super) struct Read {
    /// BG-Nummer or Kundennummer.
    pub kind: super::EvidenceKind,
    /// The normalised value (`NNNNNBGNNNNNNN` or `NNNLNNNNNN`).
    pub value: String,
    /// As printed (words of the span, joined by spaces).
    pub read: String,
    /// Letters read as digits (or digits as the letter) to get the value.
    pub repairs: u32,
    /// Read without a look-alike marker and, for a Kundennummer, with a
    /// real letter: the value stands as printed, up to repaired digit
    /// confusions (an OCR split or a line break inside is fine).
    pub clean: bool,
    /// Written as the format says: clean, a `BG`/`//` marker or a real
    /// letter, on one line; such a number not in the register is reported.
    pub strict: bool,
    /// A BG-Nummer whose only repair is a misread `BG` that kept a letter
    /// (`8G`): its digits were read as digits.
    pub lettered: bool,
    /// A label (BG-Nummer, Aktenzeichen …) before it on its line or the
    /// line above.
    pub labelled: bool,
    /// Lowest OCR confidence of its words.
    pub conf: f32,
    /// Page (1-based).
    pub page: u32,
    /// Box around its words.
    pub bbox: [u32; 4],
    /// Whether the value is in the register.
    pub known: bool,
}

/// The digit an OCR character may stand for, and whether it is a repair.
fn digit(c: char) -> Option<(char, bool)> {
    Some(match c {
        '0'..='9' => (c, false),
        'O' | 'o' | 'D' | 'Q' => ('0', true),
        'I' | 'l' | 'i' | 'J' | 'j' => ('1', true),
        'Z' | 'z' => ('2', true),
        'S' | 's' => ('5', true),
        'B' => ('8', true),
        'G' | 'b' => ('6', true),
        'T' => ('7', true),
        'g' | 'q' => ('9', true),
        _ => return None,
    })
}

/// The letters a digit in the Kundennummer's letter place may have been
/// read from.
pub(super) fn lookalike_letters(read: char) -> &'static [char] {
    match read {
        '0' => &['O', 'D', 'Q'],
        '1' => &['I', 'L', 'T', 'J'],
        '2' => &['Z'],
        '3' => &['B', 'E'],
        '4' => &['A'],
        '5' => &['S'],
        '6' => &['G'],
        '7' => &['T', 'Z'],
        '8' => &['B'],
        '9' => &['G', 'P', 'Q'],
        _ => &[],
    }
}

/// Digits of a part, with the number of repairs.
fn digits(part: &[char]) -> Option<(String, u32)> {
    let mut out = String::with_capacity(part.len());
    let mut repairs = 0;
    for &c in part {
        let (d, r) = digit(c)?;
        out.push(d);
        repairs += u32::from(r);
    }
    Some((out, repairs))
}

/// Cuts a page's words into pieces. Inside a word, letters are cut from
/// digits where at least two lower-case letters meet a digit
/// (`Nr12345BG0012345vom`), so glued words do not hide a number.
fn pieces(words: &[Word]) -> Vec<Piece> {
    let mut out = Vec::new();
    // `lines` keeps the words in order, so a running count is the index.
    let mut next_word = 0;
    for (li, line) in lines(words).into_iter().enumerate() {
        // Separators before the next piece: a line break, spaces and any
        // words without letters or digits (`//`, `|`).
        let mut before = "\n".to_owned();
        for (wi, w) in line.iter().enumerate() {
            let word = next_word;
            next_word += 1;
            if wi > 0 {
                before.push(' ');
            }
            let chars: Vec<char> = w.text.chars().collect();
            let mut cur = String::new();
            for (i, &c) in chars.iter().enumerate() {
                if !c.is_alphanumeric() {
                    if !cur.is_empty() {
                        out.push(Piece {
                            text: std::mem::take(&mut cur),
                            word,
                            line: li,
                            before: std::mem::take(&mut before),
                        });
                    }
                    before.push(c);
                    continue;
                }
                let lower = |k: usize| chars.get(k).is_some_and(|c| c.is_lowercase());
                let cut = !cur.is_empty()
                    && ((c.is_ascii_digit() && i >= 2 && lower(i - 1) && lower(i - 2))
                        || (chars[i - 1].is_ascii_digit() && lower(i) && lower(i + 1)));
                if cut {
                    out.push(Piece {
                        text: std::mem::take(&mut cur),
                        word,
                        line: li,
                        before: std::mem::take(&mut before),
                    });
                }
                cur.push(c);
            }
            if !cur.is_empty() {
                out.push(Piece {
                    text: cur,
                    word,
                    line: li,
                    before: std::mem::take(&mut before),
                });
            }
        }
    }
    out
}

/// A BG-Nummer in a run of characters: the normalised value, repairs and
/// how its parts are joined. `slashes_at` is the character offset at which
/// the pieces were separated by `//` (if any).
fn as_bg(chars: &[char], slashes_at: Option<usize>) -> Option<(String, u32, Marker)> {
    let (office, serial, marker, extra) = match chars.len() {
        12 => (
            &chars[..5],
            &chars[5..],
            if slashes_at == Some(5) {
                Marker::Slashes
            } else {
                Marker::None
            },
            0,
        ),
        13 if is_slash_like(chars[5]) => (&chars[..5], &chars[6..], Marker::LookAlike, 1),
        14 => {
            let mid: String = chars[5..7].iter().collect::<String>().to_uppercase();
            let marker = match mid.as_str() {
                "BG" => Marker::Bg,
                "8G" | "B6" | "BC" | "8C" | "EG" | "B0" | "BO" => Marker::Lettered,
                "86" => Marker::LookAlike,
                _ if chars[5..7].iter().all(|&c| is_slash_like(c)) => Marker::LookAlike,
                _ => return None,
            };
            let extra = u32::from(matches!(marker, Marker::LookAlike | Marker::Lettered));
            (&chars[..5], &chars[7..], marker, extra)
        }
        _ => return None,
    };
    let (o, r1) = digits(office)?;
    let (s, r2) = digits(serial)?;
    Some((format!("{o}BG{s}"), r1 + r2 + extra, marker))
}

/// Characters a slash may be read as.
fn is_slash_like(c: char) -> bool {
    matches!(c, '1' | 'l' | 'I' | 'i' | '7' | 'L' | 'J' | 'j')
}

/// Kundennummern in a run of characters (ten, or nine when the letter was
/// lost): every value the register has for
/// it (one, or none), the repairs and whether the letter was a letter.
fn as_kunde(chars: &[char], reg: &Register) -> Option<(String, u32, bool)> {
    if chars.len() == 9 {
        // The letter lost (a letter in a comb box read as nothing): the
        // register entry these digits leave, when exactly one does.
        let (a, r1) = digits(&chars[..3])?;
        let (b, r2) = digits(&chars[3..])?;
        let letters: Vec<char> = ('A'..='Z').collect();
        return only_entry(reg, &a, &letters, &b).map(|v| (v, r1 + r2 + 1, false));
    }
    if chars.len() != 10 {
        return None;
    }
    let (a, r1) = digits(&chars[..3])?;
    let (b, r2) = digits(&chars[4..])?;
    let letter = chars[3];
    if letter.is_ascii_alphabetic() {
        let v = format!("{a}{}{b}", letter.to_ascii_uppercase());
        return Some((v, r1 + r2, true));
    }
    // A digit in the letter's place: a look-alike letter, when exactly one
    // gives a register entry.
    only_entry(reg, &a, lookalike_letters(letter), &b).map(|v| (v, r1 + r2 + 1, false))
}

/// The Kundennummer `a`, one of `letters`, `b` that is in the register,
/// when exactly one is.
fn only_entry(reg: &Register, a: &str, letters: &[char], b: &str) -> Option<String> {
    let mut hits = letters
        .iter()
        .map(|l| format!("{a}{l}{b}"))
        .filter(|v| reg.person(v).is_some());
    let one = hits.next()?;
    hits.next().is_none().then_some(one)
}

/// Every identifier read on a page: register values (repaired as needed)
/// and, separately marked, strictly written ones that are not in the
/// register.
pub(super) fn read_page(reg: &Register, words: &[Word], page: u32, labels: &[String]) -> Vec<Read> {
    use super::EvidenceKind::{BgNumber, CustomerNumber};
    let pieces = pieces(words);
    let folded_labels: Vec<String> = labels.iter().map(|l| fold(l)).collect();
    // Folded text of each line, and per piece the folded text before it on
    // its line, for the labels.
    let line_words = lines(words);
    let line_text: Vec<String> = line_words
        .iter()
        .map(|l| {
            fold(
                &l.iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect();
    let labelled = |p: &Piece| {
        let line = &line_words[p.line];
        let before: Vec<&str> = line
            .iter()
            .take_while(|w| !std::ptr::eq(**w, &words[p.word]))
            .map(|w| w.text.as_str())
            .collect();
        let before = fold(&before.join(" "));
        let above = p.line.checked_sub(1).map_or("", |l| line_text[l].as_str());
        folded_labels
            .iter()
            .any(|l| before.contains(l.as_str()) || above.contains(l.as_str()))
    };
    let mut out: Vec<Read> = Vec::new();
    for start in 0..pieces.len() {
        let mut chars: Vec<char> = Vec::new();
        let mut slashes_at = None;
        let mut breaks = 0;
        for end in start..pieces.len() {
            let p = &pieces[end];
            if end > start {
                if p.line != pieces[end - 1].line {
                    breaks += 1;
                }
                if p.before.contains("//") {
                    slashes_at = Some(chars.len());
                }
            }
            if breaks > 1 {
                break;
            }
            chars.extend(p.text.chars());
            if chars.len() > MAX_SPAN {
                break;
            }
            let span = &pieces[start..=end];
            let make = |kind, value: String, repairs, clean: bool, strict: bool, known| {
                let mut idx: Vec<usize> = span.iter().map(|p| p.word).collect();
                idx.dedup();
                let ws: Vec<&Word> = idx.iter().map(|&i| &words[i]).collect();
                Read {
                    kind,
                    value,
                    read: ws
                        .iter()
                        .map(|w| w.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                    repairs,
                    clean,
                    strict,
                    lettered: false,
                    labelled: labelled(&span[0]),
                    conf: ws.iter().map(|w| w.conf).fold(100.0, f32::min),
                    page,
                    bbox: super::bbox(&ws),
                    known,
                }
            };
            let bg = as_bg(&chars, slashes_at);
            if let Some((value, repairs, marker)) = &bg {
                let known = reg.has_case(value);
                let clean = !matches!(marker, Marker::LookAlike | Marker::Lettered);
                let lettered = *marker == Marker::Lettered && *repairs == 1;
                let strict = matches!(marker, Marker::Bg | Marker::Slashes)
                    && clean
                    && breaks == 0
                    && *repairs == 0;
                if known || strict {
                    let mut read = make(BgNumber, value.clone(), *repairs, clean, strict, known);
                    read.lettered = lettered;
                    out.push(read);
                }
            }
            // One character too many (the engine read a box edge or a
            // speck as a letter: `32117BGC 0085102`): a repair, for
            // register values only.
            if bg.is_none_or(|(v, ..)| !reg.has_case(&v)) {
                for (value, repairs) in without_one(&chars, |c| {
                    as_bg(c, None)
                        .filter(|(v, ..)| reg.has_case(v))
                        .map(|(v, r, _)| (v, r))
                }) {
                    out.push(make(BgNumber, value, repairs + 1, false, false, true));
                }
            }
            let kunde = as_kunde(&chars, reg);
            if kunde.is_none() {
                for (value, repairs) in without_one(&chars, |c| {
                    as_kunde(c, reg)
                        .filter(|(v, ..)| reg.person(v).is_some())
                        .map(|(v, r, _)| (v, r))
                }) {
                    out.push(make(CustomerNumber, value, repairs + 1, false, false, true));
                }
            }
            if let Some((value, repairs, real_letter)) = kunde {
                let known = reg.person(&value).is_some();
                // Unknown Kundennummern only count when written tightly
                // (at most three groups), not from scattered digits; and
                // when the letter could be a digit misread (`0571 747424`
                // read `057l 747424`: a fax number), only under a label.
                let ambiguous = chars.len() == 10
                    && (digit(chars[3]).is_some()
                        || ('0'..='9').any(|d| {
                            lookalike_letters(d).contains(&chars[3].to_ascii_uppercase())
                        }));
                let strict = real_letter
                    && span.len() <= 3
                    && breaks == 0
                    && repairs == 0
                    && (!ambiguous || labelled(&span[0]));
                if known || strict {
                    out.push(make(
                        CustomerNumber,
                        value,
                        repairs,
                        real_letter,
                        strict,
                        known,
                    ));
                }
            }
        }
    }
    dedupe(out)
}

/// The values `read` finds in `chars` with one character left out (each
/// value once, with its fewest repairs).
fn without_one(
    chars: &[char],
    read: impl Fn(&[char]) -> Option<(String, u32)>,
) -> Vec<(String, u32)> {
    let mut found: Vec<(String, u32)> = Vec::new();
    if chars.len() < 11 {
        return found;
    }
    let mut shorter = Vec::with_capacity(chars.len());
    for skip in 0..chars.len() {
        shorter.clear();
        shorter.extend(
            chars
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != skip)
                .map(|(_, &c)| c),
        );
        if let Some((v, r)) = read(&shorter) {
            match found.iter_mut().find(|(f, _)| *f == v) {
                Some(f) => f.1 = f.1.min(r),
                None => found.push((v, r)),
            }
        }
    }
    found
}

/// One read per value and place: the cleanest (fewest repairs, strict
/// first) of the reads whose boxes overlap.
pub(super) fn dedupe(mut reads: Vec<Read>) -> Vec<Read> {
    reads.sort_by(|a, b| {
        (a.page, a.kind, &a.value, a.repairs, !a.clean, !a.strict)
            .cmp(&(b.page, b.kind, &b.value, b.repairs, !b.clean, !b.strict))
    });
    let mut out: Vec<Read> = Vec::new();
    for r in reads {
        let dup = out.iter().any(|o| {
            o.page == r.page && o.kind == r.kind && o.value == r.value && overlaps(o.bbox, r.bbox)
        });
        if !dup {
            out.push(r);
        }
    }
    // A strict unknown read that lies inside a known read is part of it
    // (e.g. a Kundennummer-shaped part of a longer register number).
    let known: Vec<(u32, [u32; 4])> = out
        .iter()
        .filter(|r| r.known)
        .map(|r| (r.page, r.bbox))
        .collect();
    out.retain(|r| {
        r.known
            || !known
                .iter()
                .any(|&(p, k)| p == r.page && overlaps(k, r.bbox))
    });
    out
}

/// Whether two boxes (left, top, width, height) overlap.
pub(super) fn overlaps(a: [u32; 4], b: [u32; 4]) -> bool {
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::casefind::EvidenceKind;
    use crate::classify::register::Person;

    pub(super) fn reg() -> Register {
        let p = |bg: &str, kunde: &str| Person {
            bg: bg.into(),
            kundennummer: kunde.into(),
            nachname: "Muster".into(),
            vorname: "Eva".into(),
            geburtsdatum: "01.02.1980".into(),
            strasse: "Weg 1".into(),
            plz: "32423".into(),
            ort: "Minden".into(),
            email: String::new(),
        };
        Register::new(
            1,
            vec![
                p("12345BG0012345", "123A456789"),
                p("54321BG7654321", "987Z000001"),
            ],
        )
    }

    /// Words from lines, split at spaces.
    pub(super) fn words(lines: &[&str]) -> Vec<Word> {
        let mut out = Vec::new();
        for (l, text) in lines.iter().enumerate() {
            for (i, w) in text.split(' ').filter(|w| !w.is_empty()).enumerate() {
                out.push(Word {
                    left: 60 * i as u32,
                    top: 40 * l as u32,
                    width: 50,
                    height: 30,
                    conf: 93.0,
                    line: l as u32,
                    text: w.into(),
                });
            }
        }
        out
    }

    fn values(lines: &[&str]) -> Vec<(EvidenceKind, String, bool, u32)> {
        read_page(
            &reg(),
            &words(lines),
            1,
            &super::super::CaseSettings::default().labels,
        )
        .into_iter()
        .map(|r| (r.kind, r.value, r.known, r.repairs))
        .collect()
    }

    #[test]
    fn every_separator_spacing_and_split_reads_the_register_value() {
        for form in [
            "12345BG0012345",
            "12345 BG 0012345",
            "12345-BG-0012345",
            "12345/BG/0012345",
            "12345.BG.0012345",
            "12345//0012345",
            "12345 // 0012345",
            "BG 12345 0012345",
            "12345 001 2345",
            "1 2 3 4 5 B G 0 0 1 2 3 4 5",
            "|1|2|3|4|5|0|0|1|2|3|4|5|",
            "Nr.12345BG0012345vom",
            "12345-BG-",
        ] {
            let lines: Vec<&str> = if form == "12345-BG-" {
                vec!["Az.: 12345-BG-", "0012345 vom 3.4."]
            } else {
                vec!["Aktenzeichen", form]
            };
            let v = values(&lines);
            assert!(
                v.contains(&(EvidenceKind::BgNumber, "12345BG0012345".into(), true, 0)),
                "{form}: {v:?}"
            );
        }
        for form in [
            "123A456789",
            "123 A 456789",
            "123-A-456789",
            "123A 456 789",
            "123 a 456 789",
        ] {
            let v = values(&[form]);
            assert_eq!(
                v,
                [(EvidenceKind::CustomerNumber, "123A456789".into(), true, 0)],
                "{form}"
            );
        }
    }

    #[test]
    fn confusions_are_repairs_and_only_register_values_win() {
        let v = values(&["l2345 BG OO12345"]);
        assert_eq!(
            v,
            [(EvidenceKind::BgNumber, "12345BG0012345".into(), true, 3)]
        );
        // `//` read as `11` or `l/`: a look-alike marker, repaired.
        for form in ["12345110012345", "12345l/0012345", "123458G0012345"] {
            let v = values(&[form]);
            assert_eq!(v.len(), 1, "{form}: {v:?}");
            assert!(v[0].2 && v[0].3 >= 1, "{form}: {v:?}");
        }
        // The Kundennummer's letter read as a digit.
        assert_eq!(
            values(&["9872000001"]),
            [(EvidenceKind::CustomerNumber, "987Z000001".into(), true, 1)]
        );
        // Digit groups that only look like a number: nothing.
        for text in [
            "IBAN DE12 3704 0044 0532 0130 00",
            "Telefon 0571 887042 10",
            "am 01.02.1980 um 10:15",
            "99999 0000001",
        ] {
            assert!(values(&[text]).is_empty(), "{text}: {:?}", values(&[text]));
        }
    }

    #[test]
    fn a_stray_character_or_a_lost_letter_is_a_repair_into_register_values_only() {
        for form in ["12345BGC 0012345", "12345 BG 00123I45", "123.A.4567890"] {
            let v = values(&[form]);
            assert_eq!(v.len(), 1, "{form}: {v:?}");
            assert!(v[0].2 && v[0].3 >= 1, "{form}: {v:?}");
        }
        // Not into a number the register does not have.
        assert!(values(&["99999BGC 0000001"]).iter().all(|v| !v.2));
        // The Kundennummer's letter lost: the one register entry it leaves.
        assert_eq!(
            values(&["Kundennummer 123456789"]),
            [(EvidenceKind::CustomerNumber, "123A456789".into(), true, 1)]
        );
        assert!(values(&["Kundennummer 123456780"]).is_empty());
    }

    #[test]
    fn strictly_written_unknown_numbers_are_reported() {
        let v = values(&["BG-Nummer 99999BG0000001"]);
        assert_eq!(
            v,
            [(EvidenceKind::BgNumber, "99999BG0000001".into(), false, 0)]
        );
        let v = values(&["Ihr Zeichen: 99999 // 0000001"]);
        assert_eq!(v.len(), 1, "{v:?}");
        let v = values(&["Kd.-Nr. 555 B 000001"]);
        assert_eq!(
            v,
            [(EvidenceKind::CustomerNumber, "555B000001".into(), false, 0)]
        );
        // Split over two lines or repaired: not strict, so not reported.
        assert!(values(&["99999BG", "0000001"]).is_empty());
        assert!(values(&["9999OBG0000001"]).is_empty());
        // Ten digits whose fourth was read as a letter like a digit (a
        // phone number in a fax header): a Kundennummer only under a label.
        assert!(values(&["21.09.26 10:09 FAX 057l 747424 Kanzlei"]).is_empty());
        assert!(values(&["21.09.26 10:09 FAX 057L 737424 Kanzlei"]).is_empty());
        assert!(values(&["Tel. 040S 123456"]).is_empty());
        assert_eq!(
            values(&["Kundennummer 057l 747424"]),
            [(EvidenceKind::CustomerNumber, "057L747424".into(), false, 0)]
        );
    }
}
