//! A labelled corpus of invented job-centre mail, made here so the
//! evaluation runs on any machine: a case register (CSV), scanner files
//! (multi-page G4 TIFF stacks with Patch-T sheets or cover sheets between
//! documents, single colour JPEG and grey PNG letters, 200–300 dpi, skewed,
//! noisy, some blurred) and the ground truth (`truth.json`).
//!
//! Every document class of the station appears; identifiers are written in
//! varied forms and places, some documents name only the person and
//! address, some nobody, and some carry a near-miss number that is not in
//! the register. All names, numbers and addresses are invented.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

use image::GrayImage;
use scanstelle::eval::{Truth, TruthDocument};

/// A small deterministic random generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// -1..1.
    pub fn unit(&mut self) -> f32 {
        (self.next() % 20001) as f32 / 10000.0 - 1.0
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const SURNAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Kaya",
    "Nowak",
    "Popescu",
];
const GIVEN: &[&str] = &[
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Jonas", "Lea", "Lukas",
    "Marie", "Noah", "Paul", "Sophie", "Tim", "Elif", "Mehmet", "Olga", "Piotr",
];
const STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Lindenweg",
    "Kirchplatz",
    "Marienstraße",
    "Portastraße",
    "Ringstraße",
    "Königstraße",
    "Rosenweg",
    "Simeonstraße",
];
const TOWNS: &[(&str, &str)] = &[
    ("32423", "Minden"),
    ("32427", "Minden"),
    ("32312", "Lübbecke"),
    ("32457", "Porta Westfalica"),
    ("32339", "Espelkamp"),
    ("32369", "Rahden"),
];

/// One person of the invented register.
#[derive(Debug, Clone)]
pub struct Person {
    pub bg: String,
    pub kunde: String,
    pub nachname: String,
    pub vorname: String,
    pub geburt: String,
    pub strasse: String,
    pub plz: String,
    pub ort: String,
}

/// The register: `cases` households of one to three persons. Every fifth
/// BG-Nummer has a neighbour one digit away (as real registers do).
pub fn register(rng: &mut Rng, cases: usize) -> Vec<Person> {
    let mut out = Vec::new();
    let mut serial = 10_000 + rng.below(80_000) as u32;
    for c in 0..cases {
        serial += if c % 5 == 1 {
            1
        } else {
            7 + rng.below(900) as u32
        };
        let bg = format!("32{:03}BG{:07}", 100 + rng.below(800), serial);
        let nachname = SURNAMES[(c * 7 + rng.below(3)) % SURNAMES.len()].to_owned();
        let (plz, ort) = *rng.pick(TOWNS);
        let strasse = format!("{} {}", rng.pick(STREETS), 1 + rng.below(80));
        for m in 0..1 + rng.below(3) {
            out.push(Person {
                bg: bg.clone(),
                kunde: format!(
                    "{:03}{}{:06}",
                    100 + rng.below(900),
                    (b'A' + rng.below(26) as u8) as char,
                    rng.below(1_000_000)
                ),
                nachname: nachname.clone(),
                vorname: GIVEN[(c * 3 + m * 5 + rng.below(2)) % GIVEN.len()].to_owned(),
                geburt: format!(
                    "{:02}.{:02}.{}",
                    1 + rng.below(28),
                    1 + rng.below(12),
                    1950 + rng.below(55)
                ),
                strasse: strasse.clone(),
                plz: plz.into(),
                ort: ort.into(),
            });
        }
    }
    out
}

/// The register as the specialist procedure exports it.
pub fn register_csv(persons: &[Person]) -> String {
    let mut s = "bg_nummer;kundennummer;nachname;vorname;geburtsdatum;strasse;plz;ort\n".to_owned();
    for p in persons {
        let _ = writeln!(
            s,
            "{};{};{};{};{};{};{};{}",
            p.bg, p.kunde, p.nachname, p.vorname, p.geburt, p.strasse, p.plz, p.ort
        );
    }
    s
}

/// Title and body lines of each class (`{N}` name, `{A}` address, `{D}` a
/// date, `{B}` an amount).
const TEMPLATES: &[(&str, &str, &[&str])] = &[
    (
        "hauptantrag",
        "Antrag auf Bürgergeld",
        &[
            "Hauptantrag auf Leistungen zur Sicherung des Lebensunterhalts",
            "Antragstellende Person: {N}",
            "Ich beantrage Leistungen ab dem {D} für meine Bedarfsgemeinschaft.",
            "Angaben zur Person, zu Einkommen und Vermögen sind beigefügt.",
        ],
    ),
    (
        "weiterbewilligungsantrag",
        "Weiterbewilligungsantrag",
        &[
            "Antrag auf Weiterbewilligung des Bürgergeldes",
            "Ich beantrage die Weiterbewilligung ab dem {D}.",
            "Meine Verhältnisse haben sich nicht geändert.",
        ],
    ),
    (
        "anlage_kdu",
        "Anlage KdU",
        &[
            "Kosten der Unterkunft und Heizung",
            "Grundmiete monatlich {B} EUR, Heizkosten {B} EUR",
            "Die Wohnung wird von drei Personen bewohnt.",
        ],
    ),
    (
        "einkommensbescheinigung",
        "Einkommensbescheinigung",
        &[
            "Anlage EK - Bescheinigung des Arbeitgebers",
            "Arbeitsentgelt im Monat brutto {B} EUR",
            "Beschäftigt seit dem {D} als Lagerhelfer.",
        ],
    ),
    (
        "anlage_eks",
        "Anlage EKS",
        &[
            "Angaben zum Einkommen aus selbständiger Tätigkeit",
            "Voraussichtliche Betriebseinnahmen {B} EUR",
            "Betriebsausgaben im Bewilligungszeitraum {B} EUR",
        ],
    ),
    (
        "anlage_vm",
        "Anlage VM",
        &[
            "Angaben zum Vermögen",
            "Sparguthaben {B} EUR, Bausparvertrag keiner",
            "Kraftfahrzeug: keines",
        ],
    ),
    (
        "veraenderungsmitteilung",
        "Veränderungsmitteilung",
        &[
            "Mitteilung über Veränderungen in der Bedarfsgemeinschaft",
            "Ab dem {D} arbeite ich in Teilzeit.",
            "Bitte berücksichtigen Sie die Änderung.",
        ],
    ),
    (
        "kontoauszug",
        "Kontoauszug",
        &[
            "Sparkasse Minden-Lübbecke  IBAN DE12 4905 0101 0000 4711 00",
            "Buchungstag  Valuta  Vorgang  Betrag",
            "{D}  {D}  Lastschrift Stadtwerke  -{B}",
            "Neuer Kontostand {B} EUR",
        ],
    ),
    (
        "lohnabrechnung",
        "Lohnabrechnung",
        &[
            "Abrechnung der Brutto/Netto-Bezüge für den Monat",
            "Steuerklasse 1  Brutto {B} EUR  Netto {B} EUR",
            "Auszahlungsbetrag {B} EUR",
        ],
    ),
    (
        "arbeitsvertrag",
        "Arbeitsvertrag",
        &[
            "zwischen der Logistik GmbH (Arbeitgeber) und {N} (Arbeitnehmer)",
            "Das Arbeitsverhältnis beginnt am {D}. Die Probezeit beträgt sechs Monate.",
            "Die Vergütung beträgt {B} EUR brutto monatlich.",
        ],
    ),
    (
        "mietvertrag",
        "Mietvertrag",
        &[
            "zwischen Wohnbau Minden GmbH (Vermieter) und {N} (Mieter)",
            "Mietsache: Wohnung im zweiten Obergeschoss",
            "Kaltmiete {B} EUR, Kaution drei Monatsmieten",
        ],
    ),
    (
        "vermieterbescheinigung",
        "Vermieterbescheinigung",
        &[
            "Bescheinigung des Vermieters für das Jobcenter",
            "Mieter: {N}",
            "Kaltmiete {B} EUR, Nebenkosten {B} EUR",
        ],
    ),
    (
        "nebenkostenabrechnung",
        "Nebenkostenabrechnung",
        &[
            "Betriebskostenabrechnung für das Jahr 2025",
            "Abrechnungszeitraum 01.01.2025 bis 31.12.2025",
            "Nachzahlung {B} EUR, fällig am {D}",
        ],
    ),
    (
        "energieabrechnung",
        "Jahresabrechnung Strom",
        &[
            "Stadtwerke Minden - Energieversorgung",
            "Verbrauch 2.310 kWh, Zählerstand 48213",
            "Neuer monatlicher Abschlag {B} EUR",
        ],
    ),
    (
        "rechnung",
        "Rechnung",
        &[
            "Rechnungsnummer R-2026-{B}  Rechnungsdatum {D}",
            "Waschmaschine, Lieferung und Anschluss",
            "Gesamtbetrag {B} EUR inkl. Umsatzsteuer, zahlbar bis {D}",
        ],
    ),
    (
        "arbeitsunfaehigkeit",
        "Arbeitsunfähigkeitsbescheinigung",
        &[
            "Erstbescheinigung",
            "arbeitsunfähig seit {D}",
            "voraussichtlich arbeitsunfähig bis einschließlich {D}",
        ],
    ),
    (
        "widerspruch",
        "Widerspruch",
        &[
            "gegen den Bescheid vom {D}",
            "hiermit lege ich Widerspruch gegen den Bescheid ein.",
            "Die Heizkosten wurden nicht vollständig berücksichtigt.",
        ],
    ),
    (
        "bewerbungsnachweis",
        "Nachweis der Eigenbemühungen",
        &[
            "Bewerbungen im Monat",
            "{D}  Bewerbung als Verkäufer  Absage",
            "{D}  Bewerbung als Fahrer  offen",
        ],
    ),
    (
        "ausweisdokument",
        "Meldebescheinigung",
        &[
            "Einfache Meldebescheinigung der Stadt Minden",
            "{N}, wohnhaft {A}",
            "Einzug am {D}",
        ],
    ),
    (
        "bescheid_andere_stelle",
        "Rentenbescheid",
        &[
            "Deutsche Rentenversicherung Westfalen",
            "Rente wegen voller Erwerbsminderung ab {D}",
            "Monatlicher Zahlbetrag {B} EUR",
        ],
    ),
    (
        "schulbescheinigung",
        "Schulbescheinigung",
        &[
            "Städtisches Gymnasium Minden",
            "besucht im Schuljahr 2026/2027 die Klasse 9",
            "voraussichtlich bis {D}",
        ],
    ),
    (
        "krankenversicherung",
        "Mitgliedsbescheinigung",
        &[
            "AOK NordWest - Krankenkasse",
            "ist seit dem {D} bei uns versichert",
            "Versichertennummer A123456789",
        ],
    ),
    (
        "sonstiges",
        "Mitteilung",
        &[
            "Sehr geehrte Damen und Herren,",
            "anbei sende ich Ihnen die gewünschten Unterlagen zurück.",
            "Mit freundlichen Grüßen",
        ],
    ),
];

/// How a document names its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    /// A BG-Nummer in one of its written forms, with a label.
    Bg(usize),
    /// A Kundennummer.
    Kunde,
    /// Only name and address.
    NameOnly,
    /// Nobody.
    Nothing,
    /// A number one digit off (not in the register) plus name and address.
    NearMiss,
    /// Name and address with a typing error in the family name.
    NameTypo,
}

fn bg_form(bg: &str, form: usize) -> String {
    let (office, serial) = bg.split_once("BG").expect("normalised");
    match form % 4 {
        0 => format!("BG-Nummer: {office}BG{serial}"),
        1 => format!("Nummer der Bedarfsgemeinschaft {office} BG {serial}"),
        2 => format!("Aktenzeichen {office}//{serial}"),
        _ => format!("Ihr Zeichen: {office} // {serial}"),
    }
}

/// A page: lines of (font size, text), drawn from the top.
type PageLines = Vec<(u32, String)>;

fn fill(rng: &mut Rng, text: &str, p: &Person) -> String {
    let mut s = text.replace("{N}", &format!("{} {}", p.vorname, p.nachname));
    s = s.replace("{A}", &format!("{}, {} {}", p.strasse, p.plz, p.ort));
    while s.contains("{D}") {
        let d = format!("{:02}.{:02}.2026", 1 + rng.below(28), 1 + rng.below(12));
        s = s.replacen("{D}", &d, 1);
    }
    while s.contains("{B}") {
        let b = format!("{},{:02}", 20 + rng.below(1400), rng.below(100));
        s = s.replacen("{B}", &b, 1);
    }
    s
}

/// The pages of one document.
fn document_pages(
    rng: &mut Rng,
    class: usize,
    p: &Person,
    naming: Naming,
    pages: usize,
    register: &[Person],
) -> PageLines {
    let (_, title, body) = TEMPLATES[class];
    let mut lines: PageLines = Vec::new();
    let addressed = !matches!(naming, Naming::Nothing);
    if addressed {
        let mut family = p.nachname.clone();
        if naming == Naming::NameTypo {
            // Swap two letters in the middle, as a hurried writer does.
            let mut c: Vec<char> = family.chars().collect();
            let i = 1 + rng.below(c.len().saturating_sub(3).max(1));
            c.swap(i, i + 1);
            family = c.into_iter().collect();
        }
        lines.push((10, format!("{} {family}", p.vorname)));
        lines.push((10, p.strasse.clone()));
        lines.push((10, format!("{} {}", p.plz, p.ort)));
        lines.push((10, String::new()));
    }
    let id_line = match naming {
        Naming::Bg(form) => Some(bg_form(&p.bg, form)),
        Naming::Kunde => Some(format!("Kundennummer: {}", p.kunde)),
        Naming::NearMiss => {
            // Change one digit of the serial so that no register entry has it.
            let near = loop {
                let i = 7 + rng.below(7);
                let d = (b'0' + rng.below(10) as u8) as char;
                let mut c: Vec<char> = p.bg.chars().collect();
                c[i] = d;
                let n: String = c.into_iter().collect();
                if n != p.bg && !register.iter().any(|q| q.bg == n) {
                    break n;
                }
            };
            Some(bg_form(&near, 0))
        }
        _ => None,
    };
    let id_on_top = rng.below(3) > 0;
    if id_on_top && let Some(l) = &id_line {
        lines.push((11, l.clone()));
    }
    lines.push((18, title.to_owned()));
    for b in body {
        lines.push((11, fill(rng, b, p)));
    }
    if !id_on_top && let Some(l) = &id_line {
        lines.push((11, String::new()));
        lines.push((11, l.clone()));
    }
    let mut out = lines;
    // Further pages: continuation text, joined by a form-feed marker line.
    for n in 2..=pages {
        out.push((0, String::new()));
        out.push((11, format!("Seite {n} von {pages}")));
        out.push((
            11,
            "Weitere Angaben und Erläuterungen zu den Unterlagen.".into(),
        ));
        out.push((11, fill(rng, "Datum {D}, Betrag {B} EUR", p)));
    }
    out
}

/// Splits document lines at the page markers (size 0).
fn split_pages(lines: PageLines) -> Vec<PageLines> {
    let mut pages = vec![Vec::new()];
    for l in lines {
        if l.0 == 0 {
            pages.push(Vec::new());
        } else {
            pages.last_mut().expect("one page").push(l);
        }
    }
    pages
}

/// WinAnsi bytes of a PDF string.
fn pdf_string(s: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in s.chars() {
        let b = match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                c as u8
            }
            c if (c as u32) < 256 => c as u8,
            _ => b'?',
        };
        out.push(b);
    }
    out.push(b')');
    out
}

/// Renders lines of text onto an A4 page at 300 dpi (through a small PDF
/// with Helvetica and the station's own PDF renderer).
fn render(lines: &[(u32, String)]) -> GrayImage {
    use scanstelle::prepare::coversheet::{build_pdf, stream_object};
    let mut content = b"BT\n".to_vec();
    let mut y = 780i32;
    for (size, text) in lines {
        content.extend_from_slice(format!("/F1 {size} Tf 1 0 0 1 70 {y} Tm ").as_bytes());
        content.extend_from_slice(&pdf_string(text));
        content.extend_from_slice(b" Tj\n");
        y -= *size as i32 + 9;
    }
    content.extend_from_slice(b"ET\n");
    let pdf = build_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        stream_object("", &content),
    ]);
    let page = scanstelle::intake::decode::decode(&pdf)
        .expect("own PDF")
        .pages
        .remove(0);
    scanstelle::prepare::imaging::load_gray(&page.bytes, page.encoding).expect("own page")
}

/// A Kodak Patch-T sheet (bars across the top, read downwards).
fn patch_t_sheet() -> GrayImage {
    let spans = [(300, 324), (348, 408), (432, 456), (480, 540)];
    GrayImage::from_fn(2480, 3508, |x, y| {
        let bar = (600..1800).contains(&x) && spans.iter().any(|&(a, b)| (a..b).contains(&y));
        image::Luma([if bar { 0 } else { 255 }])
    })
}

/// A Scanstelle cover sheet for a case.
fn cover_sheet(bg: &str) -> GrayImage {
    let sheet = scanstelle::prepare::separation::CoverSheet {
        bg: bg.into(),
        doc_type: None,
        pages: None,
    };
    let pdf = scanstelle::prepare::coversheet::cover_sheet_pdf(&sheet).expect("cover sheet");
    let page = scanstelle::intake::decode::decode(&pdf)
        .expect("own PDF")
        .pages
        .remove(0);
    scanstelle::prepare::imaging::load_gray(&page.bytes, page.encoding).expect("own page")
}

/// Scanner look: a small skew, noise, sometimes blur, and the resolution.
fn degrade(rng: &mut Rng, page: &GrayImage, dpi: u32, blur: bool) -> GrayImage {
    let skew = rng.unit() * 2.5;
    let mut img = scanstelle::prepare::imaging::rotate(page, skew);
    if dpi != 300 {
        let w = img.width() * dpi / 300;
        let h = img.height() * dpi / 300;
        img = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
    }
    if blur {
        img = image::imageops::blur(&img, 0.9);
    }
    // Grey noise, a greyish paper, and specks of dust.
    let paper = 230 + rng.below(20) as i32;
    for p in img.pixels_mut() {
        let n = (rng.unit() * 45.0) as i32;
        let v = i32::from(p.0[0]) * paper / 255;
        p.0[0] = (v + n).clamp(0, 255) as u8;
    }
    for _ in 0..200 + rng.below(400) {
        let (x, y) = (
            rng.below(img.width() as usize) as u32,
            rng.below(img.height() as usize) as u32,
        );
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            if x + dx < img.width() && y + dy < img.height() {
                img.put_pixel(x + dx, y + dy, image::Luma([20]));
            }
        }
    }
    img
}

fn bilevel(img: &GrayImage) -> GrayImage {
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        image::Luma([if img.get_pixel(x, y).0[0] < 150 {
            0
        } else {
            255
        }])
    })
}

pub use crate::common::g4_tiff;

fn jpeg_colour(img: &GrayImage, dpi: u16) -> Vec<u8> {
    use image::codecs::jpeg::{JpegEncoder, PixelDensity};
    let rgb = image::RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let v = img.get_pixel(x, y).0[0];
        // Slightly yellow recycled paper.
        image::Rgb([v, v, (f32::from(v) * 0.93) as u8])
    });
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, 80);
    enc.set_pixel_density(PixelDensity::dpi(dpi));
    enc.encode_image(&rgb).expect("JPEG into memory");
    out
}

/// Writes the corpus into `dir`: `register.csv`, the scanner files and
/// `truth.json`. `per_class` documents of every class.
pub fn write(dir: &Path, seed: u64, per_class: usize) -> Truth {
    std::fs::create_dir_all(dir).unwrap();
    let mut rng = Rng::new(seed);
    let register = register(&mut rng, 30);
    std::fs::write(dir.join("register.csv"), register_csv(&register)).unwrap();
    // The documents: every class `per_class` times, namings in rotation.
    let namings = [
        Naming::Bg(0),
        Naming::Kunde,
        Naming::Bg(1),
        Naming::NameOnly,
        Naming::Bg(2),
        Naming::NameTypo,
        Naming::Bg(3),
        Naming::NearMiss,
        Naming::Nothing,
    ];
    let mut docs = Vec::new();
    for k in 0..per_class {
        for class in 0..TEMPLATES.len() {
            let naming = namings[(class + k * 3) % namings.len()];
            let person = rng.pick(&register).clone();
            // Mostly one page, some two to four.
            let pages = if rng.below(3) == 0 {
                2 + rng.below(3)
            } else {
                1
            };
            docs.push((class, person, naming, pages));
        }
    }
    // Shuffle (Fisher-Yates).
    for i in (1..docs.len()).rev() {
        let j = rng.below(i + 1);
        docs.swap(i, j);
    }
    let mut truth = Truth::default();
    let mut stack: Vec<(GrayImage, u32)> = Vec::new();
    let mut stack_docs: Vec<TruthDocument> = Vec::new();
    let mut stack_no = 0;
    let flush = |stack: &mut Vec<(GrayImage, u32)>,
                 stack_docs: &mut Vec<TruthDocument>,
                 stack_no: &mut usize,
                 truth: &mut Truth| {
        if stack.is_empty() {
            return;
        }
        *stack_no += 1;
        let name = format!("stapel-{:03}.tif", *stack_no);
        std::fs::write(dir.join(&name), g4_tiff(stack)).unwrap();
        for mut d in stack_docs.drain(..) {
            d.source_file = name.clone();
            truth.documents.push(d);
        }
        stack.clear();
    };
    for (n, (class, person, naming, pages)) in docs.into_iter().enumerate() {
        let lines = document_pages(&mut rng, class, &person, naming, pages, &register);
        let rendered: Vec<GrayImage> = split_pages(lines).iter().map(|p| render(p)).collect();
        let truth_doc = |source: &str, first: usize| TruthDocument {
            source_file: source.into(),
            pages: (first as i64..(first + rendered.len()) as i64).collect(),
            case: Some(person.bg.clone()),
            doc_type: TEMPLATES[class].0.into(),
            identifier: matches!(naming, Naming::Bg(_) | Naming::Kunde),
            // Full name and address, nothing else (a swapped pair of letters
            // is two edits: a person looks).
            person_evidence: naming == Naming::NameOnly,
            trap: None,
        };
        match n % 4 {
            // Desk scans: one colour JPEG (one page) or grey PNG per letter.
            0 if rendered.len() == 1 => {
                let dpi = if rng.below(2) == 0 { 200 } else { 300 };
                let blur = rng.below(3) == 0;
                let img = degrade(&mut rng, &rendered[0], dpi, blur);
                let name = format!("brief-{n:03}.jpg");
                std::fs::write(dir.join(&name), jpeg_colour(&img, dpi as u16)).unwrap();
                truth.documents.push(truth_doc(&name, 1));
            }
            1 if rendered.len() == 1 => {
                let img = degrade(&mut rng, &rendered[0], 300, false);
                let name = format!("brief-{n:03}.png");
                let png = scanstelle::intake::decode::encode_png(
                    img.width(),
                    img.height(),
                    scanstelle::intake::decode::ColourMode::Gray,
                    img.as_raw(),
                    Some((300.0, 300.0)),
                );
                std::fs::write(dir.join(&name), png).unwrap();
                truth.documents.push(truth_doc(&name, 1));
            }
            // Production scanner: into the current G4 stack, with a Patch-T
            // sheet or (every third) a cover sheet in front of each but the first.
            _ => {
                let dpi = if stack_no % 2 == 0 { 300 } else { 200 };
                if !stack.is_empty() {
                    let sheet = if n % 3 == 0 {
                        cover_sheet(&person.bg)
                    } else {
                        patch_t_sheet()
                    };
                    stack.push((bilevel(&degrade(&mut rng, &sheet, dpi, false)), dpi));
                }
                let first = stack.len() + 1;
                let mut d = truth_doc("", first);
                if n % 3 == 0 && first > 1 {
                    // The cover sheet names the case: a person said so.
                    d.identifier = true;
                }
                for page in &rendered {
                    stack.push((bilevel(&degrade(&mut rng, page, dpi, false)), dpi));
                }
                stack_docs.push(d);
                if stack_docs.len() >= 5 {
                    flush(&mut stack, &mut stack_docs, &mut stack_no, &mut truth);
                }
            }
        }
    }
    flush(&mut stack, &mut stack_docs, &mut stack_no, &mut truth);
    std::fs::write(
        dir.join("truth.json"),
        serde_json::to_string_pretty(&truth).unwrap(),
    )
    .unwrap();
    truth
}
