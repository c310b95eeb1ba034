//! The local copy of the case register (Fallbestand) exported from the
//! specialist procedure: parsing and checking the CSV export, and searching
//! it by BG-Nummer, Kundennummer, name and address.
//!
//! The export is UTF-8 (a byte-order mark is accepted) or Windows-1252
//! (what German Windows software writes; detected and said in the report),
//! `;`-separated, with
//! a header row and one row per person:
//! `bg_nummer;kundennummer;nachname;vorname;geburtsdatum;strasse;plz;ort`,
//! optionally followed by `email` (the person's e-mail address from the
//! contact data, may be empty: a message from it is evidence for the case).
//! Several persons share a BG-Nummer. Storing a checked register (a new
//! version, the previous ones kept) is [`crate::store::Store::import_register`].

use std::collections::HashMap;

use crate::prepare::separation::normalize_bg;

/// The columns of the export, in order.
pub(crate) const COLUMNS: [&str; 8] = [
    "bg_nummer",
    "kundennummer",
    "nachname",
    "vorname",
    "geburtsdatum",
    "strasse",
    "plz",
    "ort",
];

/// The optional column after [`COLUMNS`]: the person's e-mail address.
pub(crate) const EMAIL_COLUMN: &str = "email";

/// One person of the register.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    /// Normalised BG-Nummer (`NNNNNBGNNNNNNN`).
    pub bg: String,
    /// Kundennummer (upper case, no spaces).
    pub kundennummer: String,
    /// Family name.
    pub nachname: String,
    /// Given name.
    pub vorname: String,
    /// Date of birth as written in the export (`TT.MM.JJJJ`).
    pub geburtsdatum: String,
    /// Street and house number.
    pub strasse: String,
    /// Postcode.
    pub plz: String,
    /// Town.
    pub ort: String,
    /// E-mail address from the contact data, lower case (empty: none).
    pub email: String,
}

/// A row of the export that could not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// Line in the file (1-based; the header is line 1).
    pub line: u64,
    /// What is wrong, in words.
    pub reason: String,
}

/// Everything read from an export.
#[derive(Debug, Clone, Default)]
pub struct ParsedRegister {
    /// The good rows.
    pub persons: Vec<Person>,
    /// The bad rows with their reasons.
    pub bad: Vec<BadRow>,
    /// The character encoding the file was read in (`UTF-8` or `Windows-1252`).
    pub encoding: &'static str,
}

/// Largest register file read by default (a register of 100,000 persons
/// is ~10 MB).
pub(crate) const MAX_REGISTER_BYTES: u64 = 200_000_000;

/// Longest value a field may hold by default (names and streets are far
/// shorter).
pub(crate) const MAX_FIELD_CHARS: usize = 200;

/// What a register import may hold (`[cases.register]` in the
/// configuration): a file above the size is refused before it is read, a
/// row with a longer value is a bad row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest file, in megabytes (10⁶ bytes).
    pub megabytes: u64,
    /// Longest value of a field, in characters.
    pub field_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            megabytes: MAX_REGISTER_BYTES / 1_000_000,
            field_chars: MAX_FIELD_CHARS,
        }
    }
}

impl Limits {
    /// The largest file in bytes.
    pub fn bytes(&self) -> u64 {
        self.megabytes.saturating_mul(1_000_000)
    }

    /// What is wrong with the values, in words (`None`: usable).
    pub fn problem(&self) -> Option<String> {
        if !(1..=4_000).contains(&self.megabytes) {
            return Some(format!(
                "megabytes = {}: erlaubt sind 1 bis 4000",
                self.megabytes
            ));
        }
        if !(20..=10_000).contains(&self.field_chars) {
            return Some(format!(
                "field_chars = {}: erlaubt sind 20 bis 10000",
                self.field_chars
            ));
        }
        None
    }

    /// The refusal of a file of `len` bytes, when it is larger than allowed.
    pub fn refuse_size(&self, len: u64) -> Option<RegisterError> {
        (len > self.bytes()).then(|| {
            RegisterError(format!(
                "die Datei ist mit {} MB größer als erlaubt ({} MB, einstellbar unter \
                 [cases.register] megabytes)",
                len.div_ceil(1_000_000),
                self.megabytes
            ))
        })
    }
}

/// A value as it is quoted in a reason: at most 40 characters.
fn quoted(value: &str) -> String {
    if value.chars().count() > 40 {
        let head: String = value.chars().take(40).collect();
        format!("{head:?}… ({} Zeichen)", value.chars().count())
    } else {
        format!("{value:?}")
    }
}

/// The file as a whole cannot be read (wrong header, not UTF-8).
#[derive(Debug, thiserror::Error)]
#[error("Fallbestand nicht lesbar: {0}")]
pub struct RegisterError(pub String);

/// The pattern a Kundennummer must have (three digits, a letter, six digits).
pub(crate) const KUNDENNUMMER_PATTERN: &str = r"^[0-9]{3}[A-Z][0-9]{6}$";

/// Reads and checks an export within the default [`Limits`].
pub fn parse_csv(bytes: &[u8]) -> Result<ParsedRegister, RegisterError> {
    parse_csv_with(bytes, &Limits::default())
}

/// Reads and checks an export. Rows with errors are reported (line,
/// column, reason), not taken.
pub fn parse_csv_with(bytes: &[u8], limits: &Limits) -> Result<ParsedRegister, RegisterError> {
    if let Some(e) = limits.refuse_size(bytes.len() as u64) {
        return Err(e);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(RegisterError(
            "die Datei ist UTF-16 kodiert; bitte als UTF-8 oder Windows-1252 (ANSI) exportieren"
                .into(),
        ));
    }
    if bytes.contains(&0) {
        return Err(RegisterError(
            "die Datei enthält Binärdaten (Nullbytes), keine CSV-Tabelle".into(),
        ));
    }
    let (text, encoding) = match std::str::from_utf8(bytes) {
        Ok(t) => (std::borrow::Cow::Borrowed(t), "UTF-8"),
        // Not UTF-8: what German Windows software writes — line by line, so
        // that one row pasted in from elsewhere does not garble the others.
        Err(_) => {
            let (mut utf8, mut ansi) = (0usize, 0usize);
            let mut text = String::with_capacity(bytes.len());
            for line in bytes.split_inclusive(|&b| b == b'\n') {
                match std::str::from_utf8(line) {
                    Ok(l) => {
                        utf8 += usize::from(!l.is_ascii());
                        text.push_str(l);
                    }
                    Err(_) => {
                        ansi += 1;
                        text.push_str(
                            &encoding_rs::WINDOWS_1252
                                .decode_without_bom_handling(line)
                                .0,
                        );
                    }
                }
            }
            let said = if utf8 > 0 && ansi > 0 {
                "UTF-8 und Windows-1252 gemischt"
            } else {
                "Windows-1252"
            };
            (std::borrow::Cow::Owned(text), said)
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // A quote opened and never closed would swallow every following line
    // into one field: such a line is reported and left out on its own
    // (a register field never spans lines; line breaks in values are
    // refused below anyway).
    let mut unclosed = Vec::new();
    let text: std::borrow::Cow<'_, str> = if text.contains('"') {
        let mut kept = String::with_capacity(text.len());
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if i > 0 && opens_unclosed_quote(line.trim_end_matches(['\r', '\n'])) {
                unclosed.push(i as u64 + 1);
                kept.push('\n');
            } else {
                kept.push_str(line);
            }
        }
        std::borrow::Cow::Owned(kept)
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| RegisterError(e.to_string()))?
        .iter()
        .map(str::to_lowercase)
        .collect();
    let with_email =
        header.len() == COLUMNS.len() + 1 && header.last().is_some_and(|h| h == EMAIL_COLUMN);
    if header[..header.len().min(COLUMNS.len())] != COLUMNS
        || !(header.len() == COLUMNS.len() || with_email)
    {
        return Err(RegisterError(format!(
            "Kopfzeile {} statt {:?} (danach darf {EMAIL_COLUMN:?} folgen)",
            quoted(&header.join(";")),
            COLUMNS.join(";")
        )));
    }
    let columns = header.len();
    let kunde = regex::Regex::new(KUNDENNUMMER_PATTERN).expect("valid pattern");
    let mut out = ParsedRegister {
        encoding,
        ..ParsedRegister::default()
    };
    out.bad.extend(unclosed.into_iter().map(|line| BadRow {
        line,
        reason: "Anführungszeichen in der Zeile nicht geschlossen".into(),
    }));
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let (line, record) = match record {
            Ok(r) => (r.position().map_or(0, csv::Position::line), r),
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                tracing::debug!(fehler = %e, "Fallbestand: Zeile nicht lesbar");
                out.bad.push(BadRow {
                    line,
                    reason: "Zeile nicht als CSV lesbar (Anführungszeichen?)".into(),
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        match check_row(&record, columns, &kunde, limits.field_chars) {
            Ok(p) => {
                if let Some(first) = seen.insert(p.kundennummer.clone(), line) {
                    out.bad.push(BadRow {
                        line,
                        reason: format!(
                            "Kundennummer {} doppelt (schon in Zeile {first})",
                            p.kundennummer
                        ),
                    });
                } else {
                    out.persons.push(p);
                }
            }
            Err(reason) => out.bad.push(BadRow { line, reason }),
        }
    }
    out.bad.sort_by_key(|b| b.line);
    Ok(out)
}

/// Whether a line, read as CSV with `;` between fields, opens a quoted
/// field it does not close (a quote counts only at the start of a field,
/// `""` inside one is a quote).
fn opens_unclosed_quote(line: &str) -> bool {
    let (mut quoted, mut at_start) = (false, true);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    quoted = false;
                }
            }
        } else if c == ';' {
            at_start = true;
        } else if at_start && c == '"' {
            quoted = true;
            at_start = false;
        } else {
            at_start = false;
        }
    }
    quoted
}

fn check_row(
    record: &csv::StringRecord,
    columns: usize,
    kunde: &regex::Regex,
    max_chars: usize,
) -> Result<Person, String> {
    if record.len() != columns {
        return Err(format!("{} Felder statt {columns}", record.len()));
    }
    // The column of a bad value is named: "Spalte 2 (kundennummer)".
    let at = |i: usize| {
        format!(
            "Spalte {} ({})",
            i + 1,
            COLUMNS.get(i).copied().unwrap_or(EMAIL_COLUMN)
        )
    };
    if let Some(i) =
        (0..columns).find(|&i| record.get(i).is_some_and(|v| v.chars().count() > max_chars))
    {
        return Err(format!(
            "{}: Wert zu lang ({} Zeichen, höchstens {max_chars})",
            at(i),
            record.get(i).unwrap_or_default().chars().count()
        ));
    }
    // Control characters (terminal escapes, an undefined Windows-1252 byte)
    // have no place in a register and would reach screens and letters.
    if let Some(i) = (0..columns).find(|&i| {
        record
            .get(i)
            .is_some_and(|v| v.chars().any(char::is_control))
    }) {
        return Err(format!("{}: Steuerzeichen im Wert", at(i)));
    }
    let f = |i: usize| record.get(i).unwrap_or_default().to_owned();
    let bg = normalize_bg(&f(0))
        .ok_or_else(|| format!("{}: BG-Nummer {} ungültig", at(0), quoted(&f(0))))?;
    let kundennummer: String = f(1)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if !kunde.is_match(&kundennummer) {
        return Err(format!(
            "{}: Kundennummer {} ungültig",
            at(1),
            quoted(&f(1))
        ));
    }
    if f(2).is_empty() {
        return Err(format!("{}: Nachname fehlt", at(2)));
    }
    let geburtsdatum = f(4);
    if parse_date(&geburtsdatum).is_none() {
        return Err(format!(
            "{}: Geburtsdatum {} ungültig (TT.MM.JJJJ)",
            at(4),
            quoted(&geburtsdatum)
        ));
    }
    let plz = f(6);
    if !(plz.len() == 5 && plz.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("{}: PLZ {} ungültig", at(6), quoted(&plz)));
    }
    let email = f(8).to_lowercase();
    if !email.is_empty() && !is_email_address(&email) {
        return Err(format!(
            "{}: E-Mail-Adresse {} ungültig",
            at(8),
            quoted(&email)
        ));
    }
    Ok(Person {
        bg,
        kundennummer,
        nachname: f(2),
        vorname: f(3),
        geburtsdatum,
        strasse: f(5),
        plz,
        ort: f(7),
        email,
    })
}

/// Whether `s` has the form of an e-mail address: one `@`, a local part,
/// a domain with a dot and no empty label, no spaces or brackets.
pub(crate) fn is_email_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let plain = |c: char| {
        !c.is_whitespace()
            && !c.is_control()
            && !matches!(
                c,
                '@' | '<' | '>' | '(' | ')' | ',' | ';' | ':' | '"' | '[' | ']' | '\\'
            )
    };
    !local.is_empty()
        && local.chars().all(plain)
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

/// A date `TT.MM.JJJJ`, if it is one.
pub(crate) fn parse_date(s: &str) -> Option<time::Date> {
    let mut parts = s.split('.');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || d.len() != 2 || m.len() != 2 || y.len() != 4 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// Folds text for matching: lower case, umlauts and ß spelled out, every
/// run of other characters a single space (`Müller-Lüdenscheidt` →
/// `mueller luedenscheidt`).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars() {
        let rep: &str = match c {
            'ä' | 'Ä' => "ae",
            'ö' | 'Ö' => "oe",
            'ü' | 'Ü' => "ue",
            'ß' | 'ẞ' => "ss",
            // Letters of other alphabets are written, typed and read by OCR
            // without their marks (`Ayşe` as `Ayse`, `Łukasz` as `Lukasz`).
            'á' | 'à' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' | 'Á' | 'À' | 'Â' | 'Ã' | 'Å' | 'Ā'
            | 'Ă' | 'Ą' => "a",
            'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => "c",
            'ď' | 'đ' | 'Ď' | 'Đ' => "d",
            'é' | 'è' | 'ê' | 'ë' | 'ė' | 'ę' | 'ě' | 'É' | 'È' | 'Ê' | 'Ë' | 'Ė' | 'Ę' | 'Ě' => {
                "e"
            }
            'ğ' | 'Ğ' => "g",
            'í' | 'ì' | 'î' | 'ï' | 'ı' | 'İ' | 'Í' | 'Ì' | 'Î' | 'Ï' => "i",
            'ł' | 'Ł' => "l",
            'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => "n",
            'ó' | 'ò' | 'ô' | 'õ' | 'ø' | 'ő' | 'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ø' | 'Ő' => {
                "o"
            }
            'ř' | 'Ř' => "r",
            'ś' | 'š' | 'ş' | 'ș' | 'Ś' | 'Š' | 'Ş' | 'Ș' => "s",
            'ţ' | 'ț' | 'ť' | 'Ţ' | 'Ț' | 'Ť' => "t",
            'ú' | 'ù' | 'û' | 'ů' | 'ű' | 'Ú' | 'Ù' | 'Û' | 'Ů' | 'Ű' => "u",
            'ý' | 'Ý' => "y",
            'ž' | 'ź' | 'ż' | 'Ž' | 'Ź' | 'Ż' => "z",
            _ => "",
        };
        if !rep.is_empty() {
            out.push_str(rep);
            space = false;
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Folds a street for matching: `Hauptstraße 12a` and `Hauptstr. 12 a`
/// both become `hauptstr 12 a`.
pub(crate) fn fold_street(text: &str) -> String {
    let folded = fold(text);
    let mut words: Vec<String> = Vec::new();
    for w in folded.split(' ') {
        let w = w
            .strip_suffix("strasse")
            .map(|s| format!("{s}str"))
            .unwrap_or_else(|| w.to_owned());
        // Split house numbers from their letter: 12a -> 12 a.
        let digits = w.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && digits < w.len() {
            words.push(w[..digits].to_owned());
            words.push(w[digits..].to_owned());
        } else {
            words.push(w);
        }
    }
    words.join(" ")
}

/// The register in memory, indexed for the matcher and the search.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// Its version in the store (0: empty).
    pub version: i64,
    persons: Vec<Person>,
    by_bg: HashMap<String, Vec<usize>>,
    by_kunde: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
    /// Family-name words of five letters or more and each of them with one
    /// letter left out (symmetric deletion: one lookup finds every word one
    /// edit away).
    by_name_deletion: HashMap<String, Vec<usize>>,
    /// Addresses of persons (by Kundennummer) in older register versions
    /// that differ from the current one: street, postcode.
    former: HashMap<String, Vec<(String, String)>>,
    /// The words [`Register::find`] compares, built at its first search.
    search: std::sync::OnceLock<SearchWords>,
}

/// Every distinct word of the persons' searchable fields (folded names,
/// street, postcode, town, date of birth) once, and each person's words
/// as indices into them: a search compares a typed word with each
/// distinct word once, not with every person's fields.
#[derive(Debug, Clone, Default)]
struct SearchWords {
    words: Vec<String>,
    /// Each word's length in characters.
    lengths: Vec<usize>,
    of_person: Vec<Vec<u32>>,
}

impl SearchWords {
    fn of(persons: &[Person]) -> Self {
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut words = Vec::new();
        let of_person = persons
            .iter()
            .map(|p| {
                let fields = [
                    fold(&p.nachname),
                    fold(&p.vorname),
                    fold_street(&p.strasse),
                    p.plz.clone(),
                    fold(&p.ort),
                    p.geburtsdatum.clone(),
                ]
                .join(" ");
                let mut mine: Vec<u32> = fields
                    .split(' ')
                    .map(|w| {
                        *index.entry(w.to_owned()).or_insert_with(|| {
                            words.push(w.to_owned());
                            (words.len() - 1) as u32
                        })
                    })
                    .collect();
                mine.sort_unstable();
                mine.dedup();
                mine
            })
            .collect();
        let lengths = words.iter().map(|w: &String| w.chars().count()).collect();
        SearchWords {
            words,
            lengths,
            of_person,
        }
    }
}

/// A word and every form of it with one character left out.
fn deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = vec![word.to_owned()];
    for i in 0..chars.len() {
        let d: String = chars[..i].iter().chain(&chars[i + 1..]).collect();
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

impl Register {
    /// Indexes a list of persons.
    pub fn new(version: i64, persons: Vec<Person>) -> Self {
        let mut r = Register {
            version,
            ..Register::default()
        };
        for (i, p) in persons.iter().enumerate() {
            r.by_bg.entry(p.bg.clone()).or_default().push(i);
            r.by_kunde.insert(p.kundennummer.clone(), i);
            if !p.email.is_empty() {
                r.by_email.entry(p.email.clone()).or_default().push(i);
            }
            for part in fold(&p.nachname).split(' ').filter(|w| w.len() >= 2) {
                r.by_name.entry(part.to_owned()).or_default().push(i);
                if part.chars().count() >= 5 {
                    for d in deletions(part) {
                        r.by_name_deletion.entry(d).or_default().push(i);
                    }
                }
            }
        }
        r.persons = persons;
        r
    }

    /// Number of persons.
    pub fn len(&self) -> usize {
        self.persons.len()
    }

    /// Whether the register is empty (nothing imported yet).
    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }

    /// All persons.
    pub fn persons(&self) -> &[Person] {
        &self.persons
    }

    /// The persons an index lists under `key`.
    fn listed<'a>(
        &'a self,
        index: &'a HashMap<String, Vec<usize>>,
        key: &str,
    ) -> impl Iterator<Item = &'a Person> {
        index
            .get(key)
            .into_iter()
            .flatten()
            .map(|&i| &self.persons[i])
    }

    /// The persons of a case (normalised BG-Nummer).
    pub fn case(&self, bg: &str) -> impl Iterator<Item = &Person> {
        self.listed(&self.by_bg, bg)
    }

    /// Whether a case exists.
    pub(crate) fn has_case(&self, bg: &str) -> bool {
        self.by_bg.contains_key(bg)
    }

    /// The person with a Kundennummer.
    pub fn person(&self, kundennummer: &str) -> Option<&Person> {
        self.by_kunde.get(kundennummer).map(|&i| &self.persons[i])
    }

    /// The persons whose contact data has this e-mail address (lower case).
    pub(crate) fn by_email(&self, address: &str) -> impl Iterator<Item = &Person> {
        self.listed(&self.by_email, address)
    }

    /// Every BG-Nummer in the register.
    pub fn case_numbers(&self) -> impl Iterator<Item = &str> {
        self.by_bg.keys().map(String::as_str)
    }

    /// Every Kundennummer in the register.
    pub fn customer_numbers(&self) -> impl Iterator<Item = &str> {
        self.by_kunde.keys().map(String::as_str)
    }

    /// The persons whose family name contains this folded word.
    pub(crate) fn by_family_name(&self, folded_word: &str) -> impl Iterator<Item = &Person> {
        self.listed(&self.by_name, folded_word)
    }

    /// The persons one of whose family-name words is this folded word or,
    /// for words of five letters or more, one edit away from it.
    pub(crate) fn by_family_name_fuzzy(&self, folded_word: &str) -> Vec<&Person> {
        let mut idx: Vec<usize> = self.by_name.get(folded_word).cloned().unwrap_or_default();
        if folded_word.chars().count() >= 5 {
            for d in deletions(folded_word) {
                idx.extend(self.by_name_deletion.get(&d).into_iter().flatten());
            }
        }
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter()
            .map(|i| &self.persons[i])
            .filter(|p| {
                fold(&p.nachname)
                    .split(' ')
                    .any(|w| w == folded_word || edit_distance(w, folded_word) <= 1)
            })
            .collect()
    }

    /// Adds the addresses persons had in older register versions (street,
    /// postcode by Kundennummer); only those differing from the current
    /// address are kept.
    pub(crate) fn with_former_addresses(
        mut self,
        former: impl IntoIterator<Item = (String, String, String)>,
    ) -> Self {
        for (kunde, strasse, plz) in former {
            let Some(p) = self.person(&kunde) else {
                continue;
            };
            if fold_street(&p.strasse) == fold_street(&strasse) && p.plz == plz {
                continue;
            }
            let list = self.former.entry(kunde).or_default();
            if !list.contains(&(strasse.clone(), plz.clone())) {
                list.push((strasse, plz));
            }
        }
        self
    }

    /// A person's addresses in older register versions (street, postcode).
    pub(crate) fn former_addresses(
        &self,
        kundennummer: &str,
    ) -> impl Iterator<Item = (&str, &str)> {
        self.former
            .get(kundennummer)
            .into_iter()
            .flatten()
            .map(|(s, p)| (s.as_str(), p.as_str()))
    }

    /// The cases other than `bg` with a person of this family name at this
    /// address (street and postcode).
    pub(crate) fn other_households_at(&self, bg: &str, person: &Person) -> Vec<&str> {
        let street = fold_street(&person.strasse);
        let family = fold(&person.nachname);
        let mut out: Vec<&str> = self
            .by_family_name(family.split(' ').next().unwrap_or_default())
            .filter(|p| p.bg != bg && p.plz == person.plz && fold_street(&p.strasse) == street)
            .map(|p| p.bg.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Searches by BG-Nummer or Kundennummer (exactly, in any written form)
    /// or by name, address and date of birth (every word must match a field
    /// closely; small typing errors are forgiven). Best matches first.
    pub fn find(&self, query: &str, limit: usize) -> Vec<(f64, &Person)> {
        if let Some(bg) = normalize_bg(query) {
            return self.case(&bg).map(|p| (1.0, p)).take(limit).collect();
        }
        let compact: String = query
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if let Some(p) = self.person(&compact) {
            return vec![(1.0, p)];
        }
        let words: Vec<String> = fold_street(query).split(' ').map(str::to_owned).collect();
        if words.iter().all(String::is_empty) {
            return Vec::new();
        }
        let index = self.search.get_or_init(|| SearchWords::of(&self.persons));
        // How alike each typed word is to each distinct word of the register.
        // Below 0.75 a word does not count, and the edit distance is at
        // least the difference in length: such pairs are not compared.
        let alike: Vec<Vec<f64>> = words
            .iter()
            .map(|w| {
                let n = w.chars().count();
                index
                    .words
                    .iter()
                    .zip(&index.lengths)
                    .map(|(f, &m)| {
                        let far = n.abs_diff(m) * 4 > n.max(m);
                        if far && !(w.len() >= 3 && f.starts_with(w.as_str())) {
                            0.0
                        } else {
                            similarity(w, f)
                        }
                    })
                    .collect()
            })
            .collect();
        let mut hits: Vec<(f64, &Person)> = self
            .persons
            .iter()
            .zip(&index.of_person)
            .filter_map(|(p, mine)| {
                let mut total = 0.0;
                for scores in &alike {
                    let best = mine.iter().map(|&i| scores[i as usize]).fold(0.0, f64::max);
                    if best < 0.75 {
                        return None;
                    }
                    total += best;
                }
                Some((total / words.len() as f64, p))
            })
            .collect();
        hits.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.nachname.cmp(&b.1.nachname))
        });
        hits.truncate(limit);
        hits
    }
}

/// How alike two folded words are, 0..1: 1 for equal, a prefix of at
/// least three letters scores 0.9, else one minus the edit distance over
/// the longer length.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if a.len() >= 3 && b.starts_with(a) {
        return 0.9;
    }
    let d = edit_distance(a, b);
    let n = a.chars().count().max(b.chars().count()).max(1);
    1.0 - d as f64 / n as f64
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests;
