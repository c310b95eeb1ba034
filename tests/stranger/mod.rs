//! A second, independent corpus of invented job-centre mail, written from
//! the domain description and ordinary German paperwork conventions (not
//! from the station's matching rules): a case register in two versions with
//! namesakes, shared addresses, near-miss numbers and removals; scanner
//! stacks (G4 TIFF with Patch-T sheets), desk scans (colour JPEG, grey PNG)
//! and image PDFs; letters, forms with boxes and comb fields, tables,
//! stamps, fax headers, hand-writing, coloured paper, skew and turned pages;
//! and the ground truth (`truth.json`).
//!
//! Everything is invented: names, numbers, addresses, firms.

#![allow(dead_code)]

pub mod docs;
pub mod page;
pub mod register;
pub mod stacks;

use std::path::Path;

use scanstelle::eval::{Truth, TruthDocument};

use page::{Font, Page, ScanLook};
use register::{Household, Member, Register};

/// A small deterministic random generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// -1..1.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f32) -> bool {
        (self.next_u64() >> 40) as f32 / ((1u64 << 24) as f32) < p
    }
    /// One of the strings.
    pub fn pick(&mut self, v: &[&str]) -> String {
        v[self.below(v.len())].to_owned()
    }
}

/// The document classes (slugs).
pub const CLASSES: &[&str] = &[
    "hauptantrag",
    "weiterbewilligungsantrag",
    "anlage_kdu",
    "einkommensbescheinigung",
    "anlage_eks",
    "anlage_vm",
    "veraenderungsmitteilung",
    "kontoauszug",
    "lohnabrechnung",
    "arbeitsvertrag",
    "mietvertrag",
    "vermieterbescheinigung",
    "nebenkostenabrechnung",
    "energieabrechnung",
    "rechnung",
    "arbeitsunfaehigkeit",
    "widerspruch",
    "bewerbungsnachweis",
    "ausweisdokument",
    "bescheid_andere_stelle",
    "schulbescheinigung",
    "krankenversicherung",
    "sonstiges",
];

/// How a document names its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The BG-Nummer (and usually name and address).
    IdBg,
    /// A Kundennummer.
    IdKd,
    /// Both numbers.
    IdBoth,
    /// Full name and full address.
    EvAddress,
    /// Full name and date of birth.
    EvBirth,
    /// Full name, full address and date of birth.
    EvBoth,
    /// Full name only.
    NameOnly,
    /// Nobody at all.
    Nothing,
    /// A well-formed number that is not in the register.
    Unknown,
    /// Name, address and date of birth, with one misprint in name or street.
    Typo,
    /// A namesake pair the page cannot tell apart.
    Namesake,
    /// Name and the address of the older export.
    OldAddress,
    /// Two households under one address, no date of birth.
    SameAddress,
}

impl Kind {
    /// Stable name for the report.
    pub fn name(self) -> &'static str {
        match self {
            Kind::IdBg => "id_bg",
            Kind::IdKd => "id_kundennummer",
            Kind::IdBoth => "id_beide",
            Kind::EvAddress => "name_anschrift",
            Kind::EvBirth => "name_geburtsdatum",
            Kind::EvBoth => "name_anschrift_geburtsdatum",
            Kind::NameOnly => "nur_name",
            Kind::Nothing => "niemand",
            Kind::Unknown => "unbekannte_nummer",
            Kind::Typo => "tippfehler",
            Kind::Namesake => "falle_namensvetter",
            Kind::OldAddress => "falle_alte_anschrift",
            Kind::SameAddress => "falle_gleiche_anschrift",
        }
    }
}

fn pick_kind(rng: &mut Rng) -> Kind {
    let table: &[(Kind, usize)] = &[
        (Kind::IdBg, 20),
        (Kind::IdKd, 10),
        (Kind::IdBoth, 10),
        (Kind::EvAddress, 18),
        (Kind::EvBirth, 10),
        (Kind::EvBoth, 12),
        (Kind::NameOnly, 3),
        (Kind::Nothing, 4),
        (Kind::Unknown, 3),
        (Kind::Typo, 3),
        (Kind::Namesake, 3),
        (Kind::OldAddress, 2),
        (Kind::SameAddress, 2),
    ];
    let total: usize = table.iter().map(|t| t.1).sum();
    let mut r = rng.below(total);
    for &(k, w) in table {
        if r < w {
            return k;
        }
        r -= w;
    }
    Kind::Nothing
}

/// A printed identifier: label, text as written (may hold a line break),
/// and the canonical number.
#[derive(Debug, Clone)]
pub struct Ident {
    /// Label before the number (may be empty).
    pub label: String,
    /// The number as written.
    pub text: String,
    /// Canonical form.
    pub canonical: String,
}

/// What a document prints about its person.
#[derive(Debug, Clone, Default)]
pub struct Naming {
    /// "Herrn" / "Frau".
    pub salutation: Option<String>,
    /// Given name as printed.
    pub vorname: Option<String>,
    /// Family name as printed.
    pub nachname: Option<String>,
    /// Street and number as printed.
    pub street: Option<String>,
    /// Postcode and town as printed.
    pub town: Option<String>,
    /// Date of birth as printed.
    pub birth: Option<String>,
    /// Date of birth as TT.MM.JJJJ (for forms).
    pub birth_plain: Option<String>,
    /// The BG-Nummer.
    pub bg: Option<Ident>,
    /// A Kundennummer.
    pub kd: Option<Ident>,
    /// Page (0-based) that carries the identifiers.
    pub id_page: usize,
    /// Forms write numbers into comb boxes.
    pub comb: bool,
    /// The person is female (for salutations).
    pub female: bool,
    /// The other persons of the household, for forms that list them.
    pub others: Vec<(String, String, String)>,
    /// "Familie X" instead of a person.
    pub family: bool,
}

impl Naming {
    /// "Vorname Nachname", or what of it is printed.
    pub fn name(&self) -> Option<String> {
        match (&self.vorname, &self.nachname) {
            (Some(v), Some(n)) => Some(format!("{v} {n}")),
            (None, Some(n)) if self.family => Some(format!("Familie {n}")),
            (None, Some(n)) => Some(n.clone()),
            _ => None,
        }
    }
    /// Whether anyone is named.
    pub fn has_person(&self) -> bool {
        self.nachname.is_some()
    }
}

fn month_name(m: u32) -> &'static str {
    [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ][(m as usize + 11) % 12]
}

/// A date written one of the ways people write it.
pub fn date_style(rng: &mut Rng, d: (u32, u32, i32)) -> String {
    match rng.below(6) {
        0 | 1 => format!("{:02}.{:02}.{}", d.0, d.1, d.2),
        2 => format!("{}.{}.{}", d.0, d.1, d.2),
        3 => format!("{:02}.{:02}.{:02}", d.0, d.1, d.2 % 100),
        4 => format!("{}. {} {}", d.0, month_name(d.1), d.2),
        _ => format!("{:02}. {} {}", d.0, month_name(d.1), d.2),
    }
}

/// A BG-Nummer as senders write it.
pub fn bg_style(rng: &mut Rng, bg: &str) -> String {
    let (office, serial) = (&bg[..5], &bg[7..]);
    let short = serial.trim_start_matches('0');
    match rng.below(22) {
        0..=2 => bg.to_owned(),
        3 | 4 => format!("{office} BG {serial}"),
        5 => format!("{office}//{serial}"),
        6 => format!("{office}-BG-{serial}"),
        7 => format!("{office}/BG/{serial}"),
        8 => format!("{office}.BG.{serial}"),
        9 => format!("BG {office} {serial}"),
        10 => format!("{office} {} {}", &serial[..3], &serial[3..]),
        11 => format!("{office}BG {serial}"),
        12 => format!("{office} / BG / {serial}"),
        13 => format!("{office}bg{serial}"),
        14 => format!("{office}/{serial}"),
        15 => format!("{office} BG{serial}"),
        16 => format!("{office} BG {short}"),
        // Broken over a line.
        17 | 18 => format!("{office} BG\n{serial}"),
        19 => format!("{office}BG{}\n{}", &serial[..2], &serial[2..]),
        20 => format!("{office} - BG - {serial}"),
        _ => format!(
            "{} {} BG {} {}",
            &office[..2],
            &office[2..],
            &serial[..3],
            &serial[3..]
        ),
    }
}

/// A Kundennummer as senders write it.
pub fn kd_style(rng: &mut Rng, kd: &str) -> String {
    let (a, l, b) = (&kd[..3], &kd[3..4], &kd[4..]);
    match rng.below(9) {
        0..=2 => kd.to_owned(),
        3 => format!("{a} {l} {b}"),
        4 => format!("{a}-{l}-{b}"),
        5 => format!("{a}{l} {} {}", &b[..3], &b[3..]),
        6 => format!("{a}{} {b}", l.to_lowercase()),
        7 => format!("{a} {l}{b}"),
        _ => format!("{a}{l}{}\n{}", &b[..2], &b[2..]),
    }
}

fn bg_label(rng: &mut Rng) -> String {
    rng.pick(&[
        "BG-Nummer:",
        "BG-Nummer:",
        "BG-Nr.:",
        "BG-Nr.",
        "Nummer der Bedarfsgemeinschaft:",
        "Bedarfsgem.-Nr.:",
        "Aktenzeichen:",
        "Az.:",
        "Geschäftszeichen:",
        "Ihr Zeichen:",
        "Vorgangsnummer:",
        "BG",
        "Bedarfsgemeinschaft",
        "",
    ])
}

fn kd_label(rng: &mut Rng) -> String {
    rng.pick(&[
        "Kundennummer:",
        "Kundennummer:",
        "Kd.-Nr.:",
        "Ihre Kundennummer:",
        "Kunden-Nr.",
        "Kundennr.:",
        "Kd-Nr",
        "Ihr Zeichen:",
        "",
    ])
}

/// OCR-ish misprints: one letter swapped for a look-alike, dropped or doubled.
fn misprint(rng: &mut Rng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let pairs = [
        ("rn", "m"),
        ("m", "rn"),
        ("ü", "u"),
        ("ö", "o"),
        ("ä", "a"),
        ("ß", "ss"),
        ("ie", "ei"),
        ("ei", "ie"),
        ("tt", "t"),
        ("e", "c"),
        ("l", "I"),
        ("h", "b"),
        ("a", "o"),
        ("i", "l"),
        ("n", "u"),
    ];
    for _ in 0..12 {
        let (from, to) = pairs[rng.below(pairs.len())];
        let hits: Vec<usize> = s.match_indices(from).map(|(i, _)| i).collect();
        // Not the first letter: people and OCR get that right.
        let hits: Vec<usize> = hits.into_iter().filter(|&i| i > 0).collect();
        if !hits.is_empty() {
            let at = hits[rng.below(hits.len())];
            return format!("{}{}{}", &s[..at], to, &s[at + from.len()..]);
        }
    }
    if chars.len() > 3 {
        let at = 1 + rng.below(chars.len() - 2);
        let mut c = chars.clone();
        c.insert(at, chars[at]);
        return c.into_iter().collect();
    }
    s.to_owned()
}

/// A street written as senders do ("Lindenstr. 12", "Lindenstraße 12a").
fn street_style(rng: &mut Rng, street: &str, number: &str) -> String {
    let street = match rng.below(5) {
        0 => street.replace("straße", "str.").replace("Straße", "Str."),
        1 => street
            .replace("straße", "strasse")
            .replace("Straße", "Strasse"),
        _ => street.to_owned(),
    };
    let number = match rng.below(4) {
        0 => number.replace(' ', ""),
        _ => number.to_owned(),
    };
    format!("{street} {number}")
}

fn date_plain(d: (u32, u32, i32)) -> String {
    format!("{:02}.{:02}.{}", d.0, d.1, d.2)
}

/// Who is named, with the truth about it.
struct Chosen {
    naming: Naming,
    case: Option<String>,
    identifier: bool,
    evidence: bool,
    trap: Option<String>,
}

/// Households (indices) whose current persons match name and the given details.
fn matching(
    reg: &Register,
    vorname: &str,
    nachname: &str,
    addr: Option<&register::Address>,
    born: Option<(u32, u32, i32)>,
) -> Vec<usize> {
    reg.households
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            h.members.iter().any(|m| {
                m.vorname == vorname
                    && m.nachname == nachname
                    && addr.is_none_or(|a| {
                        a.street == h.address.street
                            && a.number == h.address.number
                            && a.plz == h.address.plz
                    })
                    && born.is_none_or(|b| b == m.born)
            })
        })
        .map(|(i, _)| i)
        .collect()
}

fn person_naming(rng: &mut Rng, h: &Household, m: &Member) -> Naming {
    Naming {
        salutation: Some(if m.female { "Frau" } else { "Herrn" }.to_owned()),
        vorname: Some(m.vorname.clone()),
        nachname: Some(m.nachname.clone()),
        female: m.female,
        others: h
            .members
            .iter()
            .filter(|o| o.kdnr != m.kdnr)
            .map(|o| (o.nachname.clone(), o.vorname.clone(), date_plain(o.born)))
            .collect(),
        comb: rng.chance(0.5),
        ..Naming::default()
    }
}

fn with_address(rng: &mut Rng, n: &mut Naming, a: &register::Address) {
    n.street = Some(street_style(rng, &a.street, &a.number));
    n.town = Some(a.town_line());
}

fn with_birth(rng: &mut Rng, n: &mut Naming, born: (u32, u32, i32)) {
    n.birth = Some(date_style(rng, born));
    n.birth_plain = Some(date_plain(born));
}

/// The member a document of this class is about (children for schools).
fn member_for<'a>(rng: &mut Rng, h: &'a Household, class: &str) -> &'a Member {
    let kids: Vec<&Member> = h.members.iter().filter(|m| m.age() < 21).collect();
    let adults: Vec<&Member> = h.members.iter().filter(|m| m.age() >= 18).collect();
    if class == "schulbescheinigung" && !kids.is_empty() {
        return kids[rng.below(kids.len())];
    }
    if !adults.is_empty() && rng.chance(0.25) {
        return adults[rng.below(adults.len())];
    }
    &h.members[0]
}

fn invented_person(rng: &mut Rng) -> Naming {
    let female = rng.chance(0.5);
    Naming {
        salutation: Some(if female { "Frau" } else { "Herrn" }.to_owned()),
        vorname: Some(if female {
            rng.pick(&["Renate", "Yasemin", "Olga", "Doris", "Marta"])
        } else {
            rng.pick(&["Herbert", "Volkan", "Grzegorz", "Rüdiger", "Nikolai"])
        }),
        nachname: Some(rng.pick(&[
            "Wesselmann",
            "Karakuş",
            "Brzęczek",
            "Tiedemann",
            "Hollenberg",
            "Pankratz",
        ])),
        female,
        ..Naming::default()
    }
}

fn choose(rng: &mut Rng, reg: &Register, kind: Kind, class: &str, pages: usize) -> Chosen {
    let current: Vec<usize> = (0..reg.households.len()).collect();
    let hi = current[rng.below(current.len())];
    let h = &reg.households[hi];
    let m = member_for(rng, h, class);
    let mut out = Chosen {
        naming: Naming::default(),
        case: Some(h.bg.clone()),
        identifier: false,
        evidence: false,
        trap: None,
    };
    let id_page = if pages > 1 && rng.chance(0.3) {
        1 + rng.below(pages - 1)
    } else {
        0
    };
    match kind {
        Kind::IdBg | Kind::IdKd | Kind::IdBoth => {
            let mut n = person_naming(rng, h, m);
            if rng.chance(0.7) {
                with_address(rng, &mut n, &h.address);
            }
            if rng.chance(0.3) {
                with_birth(rng, &mut n, m.born);
            }
            if rng.chance(0.12) {
                // A number alone, no name.
                n.vorname = None;
                n.nachname = None;
                n.street = None;
                n.town = None;
                n.birth = None;
            }
            if kind != Kind::IdKd {
                n.bg = Some(Ident {
                    label: bg_label(rng),
                    text: bg_style(rng, &h.bg),
                    canonical: h.bg.clone(),
                });
            }
            if kind != Kind::IdBg {
                n.kd = Some(Ident {
                    label: kd_label(rng),
                    text: kd_style(rng, &m.kdnr),
                    canonical: m.kdnr.clone(),
                });
            }
            n.id_page = id_page;
            out.naming = n;
            out.identifier = true;
        }
        Kind::EvAddress | Kind::EvBirth | Kind::EvBoth | Kind::Typo => {
            let mut n = person_naming(rng, h, m);
            let mut addr = kind != Kind::EvBirth;
            let mut birth = kind != Kind::EvAddress;
            if kind == Kind::Typo {
                addr = true;
                birth = true;
            }
            // Exactly one household must fit; add the date of birth if not.
            let a = addr.then_some(&h.address);
            if matching(reg, &m.vorname, &m.nachname, a, birth.then_some(m.born)).len() != 1 {
                birth = true;
                addr = true;
            }
            if matching(reg, &m.vorname, &m.nachname, Some(&h.address), Some(m.born)).len() != 1 {
                // Hopeless (identical twins of the register): treat as a namesake.
                return choose(rng, reg, Kind::Namesake, class, pages);
            }
            if addr {
                with_address(rng, &mut n, &h.address);
            }
            if birth {
                with_birth(rng, &mut n, m.born);
            }
            if kind == Kind::Typo {
                if rng.chance(0.6) {
                    n.nachname = Some(misprint(rng, &m.nachname));
                } else {
                    n.street = Some(format!(
                        "{} {}",
                        misprint(rng, &h.address.street),
                        h.address.number
                    ));
                }
            }
            out.naming = n;
            out.evidence = true;
        }
        Kind::NameOnly => {
            let mut n = person_naming(rng, h, m);
            n.others.clear();
            out.naming = n;
            if matching(reg, &m.vorname, &m.nachname, None, None).len() != 1 {
                out.case = None;
                out.trap = Some("Namensvetter ohne unterscheidende Angaben".into());
            }
        }
        Kind::Nothing => {
            out.case = None;
        }
        Kind::Unknown => {
            let mut n = if rng.chance(0.6) {
                invented_person(rng)
            } else {
                Naming::default()
            };
            let taken: std::collections::BTreeSet<String> =
                reg.households.iter().map(|h| h.bg.clone()).collect();
            if rng.chance(0.65) {
                let bg = if rng.chance(0.5) {
                    register::one_digit_off(rng, &h.bg, &taken)
                } else {
                    None
                }
                .unwrap_or_else(|| format!("32109BG{:07}", 1 + rng.below(9_999_999)));
                n.bg = Some(Ident {
                    label: bg_label(rng),
                    text: bg_style(rng, &bg),
                    canonical: bg,
                });
            } else {
                let kds: std::collections::BTreeSet<String> = reg
                    .households
                    .iter()
                    .flat_map(|h| h.members.iter().map(|m| m.kdnr.clone()))
                    .collect();
                let kd = register::one_digit_off(rng, &m.kdnr, &kds)
                    .unwrap_or_else(|| "999Z000001".into());
                n.kd = Some(Ident {
                    label: kd_label(rng),
                    text: kd_style(rng, &kd),
                    canonical: kd,
                });
            }
            out.naming = n;
            out.case = None;
        }
        Kind::Namesake => {
            let Some(&(a, b, same_town)) = reg.namesakes.get(rng.below(reg.namesakes.len().max(1)))
            else {
                return choose(rng, reg, Kind::NameOnly, class, pages);
            };
            let which = if rng.chance(0.5) { a } else { b };
            let h = &reg.households[which];
            let mut n = person_naming(rng, h, &h.members[0]);
            n.others.clear();
            if same_town && rng.chance(0.7) {
                n.town = Some(h.address.town_line());
            }
            out.naming = n;
            out.case = None;
            out.trap = Some(if same_town {
                "Namensvetter im selben Ort ohne unterscheidende Angaben".into()
            } else {
                "Namensvetter ohne unterscheidende Angaben".into()
            });
        }
        Kind::OldAddress => {
            let Some(&mi) = reg.moved.get(rng.below(reg.moved.len().max(1))) else {
                return choose(rng, reg, Kind::NameOnly, class, pages);
            };
            let h = &reg.households[mi];
            let m = &h.members[0];
            let mut n = person_naming(rng, h, m);
            n.others.clear();
            with_address(rng, &mut n, h.old_address.as_ref().expect("moved"));
            out.naming = n;
            out.case = Some(h.bg.clone());
            out.trap = Some("Anschrift aus älterem Fallbestand (Person umgezogen)".into());
        }
        Kind::SameAddress => {
            let Some(&(a, b)) = reg
                .same_address
                .get(rng.below(reg.same_address.len().max(1)))
            else {
                return choose(rng, reg, Kind::NameOnly, class, pages);
            };
            let (pa, pb) = (&reg.households[a].members[0], &reg.households[b].members[0]);
            let which = if rng.chance(0.5) { a } else { b };
            let h = &reg.households[which];
            let mut n = person_naming(rng, h, &h.members[0]);
            n.others.clear();
            if pa.vorname != pb.vorname {
                // Only the family is named, or the shared initial.
                if pa.vorname.chars().next() == pb.vorname.chars().next() && rng.chance(0.5) {
                    n.vorname = Some(format!("{}.", pa.vorname.chars().next().unwrap_or('X')));
                } else {
                    n.vorname = None;
                    n.family = true;
                    n.salutation = None;
                }
            }
            with_address(rng, &mut n, &h.address);
            out.naming = n;
            out.case = None;
            out.trap = Some("zwei Haushalte unter einer Anschrift, kein Geburtsdatum".into());
        }
    }
    out
}

fn pages_for(rng: &mut Rng, class: &str) -> usize {
    let (lo, hi) = match class {
        "hauptantrag" => (2, 4),
        "mietvertrag" => (2, 4),
        "weiterbewilligungsantrag" | "nebenkostenabrechnung" | "arbeitsvertrag" => (1, 3),
        "kontoauszug" | "anlage_eks" | "bescheid_andere_stelle" | "energieabrechnung" => (1, 3),
        "lohnabrechnung" | "widerspruch" | "anlage_vm" | "anlage_kdu" | "rechnung" => (1, 2),
        "bewerbungsnachweis" | "einkommensbescheinigung" => (1, 2),
        _ => (1, 1),
    };
    if rng.chance(0.4) {
        lo
    } else {
        lo + rng.below(hi - lo + 1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Stack,
    Jpeg,
    Png,
    Pdf,
}

struct Planned {
    class: &'static str,
    chosen: Chosen,
    pages: Vec<Page>,
    kind: Kind,
    fax: bool,
}

fn paper(rng: &mut Rng) -> [u8; 3] {
    match rng.below(10) {
        0 => [252, 244, 196],
        1 => [228, 244, 222],
        2 => [250, 226, 232],
        3 => [236, 233, 222],
        _ => [250, 250, 247],
    }
}

fn desk_look(rng: &mut Rng) -> ScanLook {
    let dpi = [200, 240, 300][rng.below(3)];
    ScanLook {
        dpi,
        skew: rng.unit() * 3.0,
        quarter: if rng.chance(0.06) {
            [1, 2, 3][rng.below(3)]
        } else {
            0
        },
        paper: paper(rng),
        contrast: if rng.chance(0.1) { 0.45 } else { 1.0 },
        noise: 3.0 + rng.below(12) as f32,
        specks: rng.below(40),
        blur: if rng.chance(0.3) {
            0.5 + rng.unit().abs() * 0.7
        } else {
            0.0
        },
        threshold: 140,
    }
}

fn stack_look(rng: &mut Rng, dpi: u32, fax: bool) -> ScanLook {
    ScanLook {
        dpi,
        skew: if rng.chance(0.7) {
            rng.unit() * 1.5
        } else {
            rng.unit() * 3.0
        },
        quarter: if rng.chance(0.05) {
            [2, 2, 1, 3][rng.below(4)]
        } else {
            0
        },
        paper: [250, 250, 250],
        contrast: if rng.chance(0.08) { 0.5 } else { 1.0 },
        noise: 10.0 + rng.below(30) as f32,
        specks: rng.below(if fax { 1500 } else { 500 }),
        blur: if fax { 0.9 } else { 0.0 },
        threshold: 115 + rng.below(60) as u8,
    }
}

/// Writes the corpus (registers, scanner files, `truth.json`) into `dir`
/// and returns the truth.
pub fn write(dir: &Path, seed: u64, documents: usize) -> Truth {
    write_with_stats(dir, seed, documents).0
}

/// Like [`write`], also returning per document (in truth order) the naming
/// kind and the file kind, for statistics.
pub fn write_with_stats(
    dir: &Path,
    seed: u64,
    documents: usize,
) -> (Truth, Vec<(&'static str, &'static str)>) {
    let mut rng = Rng::new(seed);
    let reg = register::build(&mut rng, documents / 3);
    std::fs::write(dir.join("register-1.csv"), register::csv(&reg, true)).expect("write register");
    std::fs::write(dir.join("register.csv"), register::csv(&reg, false)).expect("write register");

    // Plan the documents.
    let mut order: Vec<&'static str> = CLASSES.to_vec();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut planned = Vec::with_capacity(documents);
    for i in 0..documents {
        let class = if i < order.len() {
            order[i]
        } else {
            CLASSES[rng.below(CLASSES.len())]
        };
        let mut kind = pick_kind(&mut rng);
        if class == "sonstiges" && rng.chance(0.3) {
            kind = Kind::Nothing;
        }
        let npages = pages_for(&mut rng, class);
        let chosen = choose(&mut rng, &reg, kind, class, npages);
        let mut doc_rng = Rng::new(rng.next_u64());
        let fax = rng.chance(0.07);
        let pages = docs::compose(&mut doc_rng, class, &chosen.naming, npages, fax);
        planned.push(Planned {
            class,
            chosen,
            pages,
            kind,
            fax,
        });
    }

    // Put them into files.
    let mut truth = Truth::default();
    let mut stats = Vec::new();
    let mut stack: Vec<(image::GrayImage, u32)> = Vec::new();
    let mut stack_name = String::new();
    let mut stack_docs = 0usize;
    let mut stack_target = 3 + rng.below(6);
    let mut stack_dpi = if rng.chance(0.5) { 200 } else { 300 };
    let mut file_no = 0usize;
    let n_planned = planned.len();
    for (i, p) in planned.into_iter().enumerate() {
        let r = rng.below(100);
        let single = p.pages.len() == 1;
        let kind = if p.fax || (single && r < 45) || (!single && r < 65) {
            FileKind::Stack
        } else if single && r < 85 {
            if rng.chance(0.65) {
                FileKind::Jpeg
            } else {
                FileKind::Png
            }
        } else {
            FileKind::Pdf
        };
        let truth_doc = |file: &str, pages: Vec<i64>| TruthDocument {
            source_file: file.to_owned(),
            pages,
            case: p.chosen.case.clone(),
            doc_type: p.class.to_owned(),
            identifier: p.chosen.identifier,
            person_evidence: p.chosen.evidence,
            trap: p.chosen.trap.clone(),
        };
        let file_kind = match kind {
            FileKind::Stack => "tiff_stapel",
            FileKind::Jpeg => "jpeg",
            FileKind::Png => "png",
            FileKind::Pdf => "pdf",
        };
        stats.push((p.kind.name(), file_kind));
        match kind {
            FileKind::Stack => {
                if stack.is_empty() {
                    file_no += 1;
                    stack_name = format!("stapel_{file_no:04}.tif");
                    if rng.chance(0.2) {
                        let cap = rng.chance(0.5);
                        stack.push((page::patch_t(&mut rng, stack_dpi, cap), stack_dpi));
                    }
                } else {
                    let cap = rng.chance(0.4);
                    stack.push((page::patch_t(&mut rng, stack_dpi, cap), stack_dpi));
                }
                let first = stack.len() as i64 + 1;
                for pg in &p.pages {
                    let look = stack_look(&mut rng, stack_dpi, p.fax);
                    let g = page::bilevel(&page::scan_grey(&mut rng, pg, &look), look.threshold);
                    stack.push((g, stack_dpi));
                }
                let pages: Vec<i64> = (first..first + p.pages.len() as i64).collect();
                truth.documents.push(truth_doc(&stack_name, pages));
                stack_docs += 1;
                if stack_docs >= stack_target || i + 1 == n_planned {
                    std::fs::write(dir.join(&stack_name), page::g4_tiff(&stack))
                        .expect("write tiff");
                    stack.clear();
                    stack_docs = 0;
                    stack_target = 3 + rng.below(6);
                    stack_dpi = if rng.chance(0.5) { 200 } else { 300 };
                }
            }
            FileKind::Jpeg | FileKind::Png => {
                file_no += 1;
                let look = desk_look(&mut rng);
                let (name, bytes) = if kind == FileKind::Jpeg {
                    let img = page::scan(&mut rng, &p.pages[0], &look);
                    let q = if rng.chance(0.3) {
                        35 + rng.below(26) as u8
                    } else {
                        60 + rng.below(36) as u8
                    };
                    (
                        format!("scan_{file_no:04}.jpg"),
                        page::jpeg_rgb(&img, look.dpi, q),
                    )
                } else {
                    (
                        format!("scan_{file_no:04}.png"),
                        page::png_grey(&page::scan_grey(&mut rng, &p.pages[0], &look), look.dpi),
                    )
                };
                std::fs::write(dir.join(&name), bytes).expect("write desk scan");
                truth.documents.push(truth_doc(&name, vec![1]));
            }
            FileKind::Pdf => {
                file_no += 1;
                let colour = rng.chance(0.6);
                let mut pdf_pages = Vec::new();
                for pg in &p.pages {
                    let look = desk_look(&mut rng);
                    let q = 45 + rng.below(40) as u8;
                    let (jpeg, w, h) = if colour {
                        let img = page::scan(&mut rng, pg, &look);
                        (page::jpeg_rgb(&img, look.dpi, q), img.width(), img.height())
                    } else {
                        let img = page::scan_grey(&mut rng, pg, &look);
                        (
                            page::jpeg_grey(&img, look.dpi, q),
                            img.width(),
                            img.height(),
                        )
                    };
                    pdf_pages.push((jpeg, w, h, look.dpi, colour));
                }
                let name = format!("post_{file_no:04}.pdf");
                std::fs::write(dir.join(&name), page::image_pdf(&pdf_pages)).expect("write pdf");
                let pages = (1..=p.pages.len() as i64).collect();
                truth.documents.push(truth_doc(&name, pages));
            }
        }
    }
    if !stack.is_empty() {
        std::fs::write(dir.join(&stack_name), page::g4_tiff(&stack)).expect("write tiff");
    }
    let json = serde_json::to_string_pretty(&truth).expect("truth as JSON");
    std::fs::write(dir.join("truth.json"), json).expect("write truth");
    (truth, stats)
}

/// Helper for templates: the font a page body is set in.
pub fn body_font(rng: &mut Rng) -> Font {
    [
        Font::Helv,
        Font::Helv,
        Font::Times,
        Font::Sans,
        Font::Serif,
        Font::SansC,
        Font::Cour,
    ][rng.below(7)]
}
