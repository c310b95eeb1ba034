//! The configured patterns: a BG-Nummer or Kundennummer as the settings'
//! regular expressions find it on a line, look-alike letters repaired.

use super::*;

impl CaseFinder {
    /// The identifiers on one page.
    pub(super) fn identifiers(&self, words: &[Word], page: u32) -> Vec<Found> {
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
                f.letter_alternatives =
                    identifiers::lookalike_letters(letter.chars().next().unwrap_or(' '));
                f.strict = f.letter_alternatives.is_empty();
                out.push(f);
            }
        }
        out
    }
}

pub(super) fn repair(raw: &str) -> (String, bool) {
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
