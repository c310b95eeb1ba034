//! The documents: letters after DIN 5008 (address window left, sender or
//! information block right), official forms with boxes, check boxes and
//! comb fields, tables (bank statements, pay slips, bills), certificates,
//! ID card copies and hand-written notes, with the person's data wherever
//! such papers carry it, and the identifiers where senders put them.

use super::page::{Font, Page, text_width};
use super::{Naming, Rng, body_font};

const L: f32 = 70.0;
const R: f32 = 530.0;
const JC: [&str; 3] = ["Jobcenter Mühlenkreis", "Postfach 1240", "32402 Minden"];

struct Ctx<'a> {
    rng: &'a mut Rng,
    n: &'a Naming,
    font: Font,
    date: (u32, u32, i32),
    id_done: bool,
    used_name: bool,
    used_street: bool,
    used_birth: bool,
}

fn eur(cents: i64) -> String {
    let neg = cents < 0;
    let c = cents.abs();
    let (e, ct) = (c / 100, c % 100);
    let mut s = e.to_string();
    let mut out = String::new();
    while s.len() > 3 {
        let tail = s.split_off(s.len() - 3);
        out = format!(".{tail}{out}");
    }
    format!("{}{s}{out},{ct:02}", if neg { "-" } else { "" })
}

fn d2(d: (u32, u32, i32)) -> String {
    format!("{:02}.{:02}.{}", d.0, d.1, d.2)
}

impl Ctx<'_> {
    fn r(&mut self, n: usize) -> usize {
        self.rng.below(n)
    }
    fn p(&mut self, v: &[&str]) -> String {
        self.rng.pick(v)
    }
    fn chance(&mut self, p: f32) -> bool {
        self.rng.chance(p)
    }
    fn cents(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.rng.below((hi - lo).max(1) as usize) as i64
    }
    fn today(&self) -> String {
        d2(self.date)
    }
    fn before(&mut self, days: u32) -> (u32, u32, i32) {
        // Dates within the autumn of 2026, good enough without a calendar.
        let (d, m, y) = self.date;
        let back = 1 + self.rng.below(days as usize) as u32;
        let total = (m - 1) * 28 + d.min(28);
        let t = total.saturating_sub(back).max(1);
        ((t - 1) % 28 + 1, (t - 1) / 28 + 1, y)
    }
    fn name(&mut self) -> Option<String> {
        let n = self.n.name()?;
        self.used_name = true;
        Some(n)
    }
    fn vorname(&mut self) -> String {
        self.used_name |= self.n.vorname.is_some() && self.n.nachname.is_some();
        self.n.vorname.clone().unwrap_or_default()
    }
    fn nachname(&mut self) -> String {
        self.n.nachname.clone().unwrap_or_default()
    }
    fn street(&mut self) -> Option<String> {
        let s = self.n.street.clone()?;
        self.used_street = true;
        Some(s)
    }
    fn town(&self) -> Option<String> {
        self.n.town.clone()
    }
    fn birth(&mut self) -> Option<String> {
        let b = self.n.birth.clone()?;
        self.used_birth = true;
        Some(b)
    }
    fn birth_plain(&mut self) -> String {
        if self.n.birth_plain.is_some() {
            self.used_birth = true;
        }
        self.n.birth_plain.clone().unwrap_or_default()
    }
    /// The address window lines of the person (empty if nobody).
    fn addressee(&mut self) -> Vec<String> {
        let Some(name) = self.name() else {
            return Vec::new();
        };
        let mut v = Vec::new();
        match (&self.n.salutation, self.rng.below(3)) {
            (Some(s), 0) => {
                v.push(s.clone());
                v.push(name);
            }
            (Some(s), 1) => v.push(format!("{s} {name}")),
            _ => v.push(name),
        }
        if let Some(s) = self.street() {
            v.push(s);
        }
        if let Some(t) = self.town() {
            v.push(t);
        }
        v
    }
    /// The identifiers for page `idx` (once).
    fn ids(&mut self, idx: usize) -> Vec<(String, String)> {
        if idx != self.n.id_page || self.id_done {
            return Vec::new();
        }
        self.id_done = true;
        self.n
            .bg
            .iter()
            .chain(self.n.kd.iter())
            .map(|i| (i.label.clone(), i.text.clone()))
            .collect()
    }
    /// Prints label/value lines; values with a line break go on two lines.
    fn put_pairs(
        &mut self,
        pg: &mut Page,
        x: f32,
        y: f32,
        size: f32,
        pairs: &[(String, String)],
    ) -> f32 {
        let mut y = y;
        let font = self.font;
        let lw = pairs
            .iter()
            .map(|(l, _)| text_width(font, size, l))
            .fold(0.0f32, f32::max);
        for (label, value) in pairs {
            pg.text(x, y, font, size, label);
            for (i, part) in value.split('\n').enumerate() {
                pg.text(x + lw + 5.0, y, font, size, part);
                if i == 0 && value.contains('\n') {
                    y += size * 1.3;
                }
            }
            y += size * 1.35;
        }
        y
    }
    fn put_ids(&mut self, pg: &mut Page, idx: usize, x: f32, y: f32, size: f32) -> f32 {
        let ids = self.ids(idx);
        self.put_pairs(pg, x, y, size, &ids)
    }
}

/// A third party's letterhead.
struct Sender {
    name: String,
    lines: Vec<String>,
    own: Vec<(String, String)>,
}

/// First page of a DIN 5008 letter. `to_person`: addressed to the person
/// (else to the job centre). Returns the page and the y of the body.
fn letter(c: &mut Ctx, s: &Sender, to_person: bool, subject: &str) -> (Page, f32) {
    let mut pg = Page::new();
    let f = c.font;
    // Letterhead.
    let layout = c.r(3);
    if layout == 0 {
        pg.text(L, 60.0, f.bold(), 16.0, &s.name);
        let mut y = 74.0;
        for l in &s.lines {
            pg.text(L, y, f, 8.0, l);
            y += 10.0;
        }
    } else {
        pg.text_right(R, 62.0, f.bold(), 14.0, &s.name);
        let mut y = 78.0;
        for l in &s.lines {
            pg.text_right(R, y, f, 8.5, l);
            y += 11.0;
        }
        if layout == 2 {
            pg.fill(L, 48.0, 40.0, 28.0, 0.35);
            pg.hline(L, R, 118.0, 0.5);
        }
    }
    // Return line and window.
    let ret = format!(
        "{} · {}",
        s.name,
        s.lines
            .iter()
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join(" · ")
    );
    pg.text(L, 140.0, f, 6.5, &ret);
    pg.hline(L, L + text_width(f, 6.5, &ret), 141.5, 0.3);
    let lines: Vec<String> = if to_person {
        c.addressee()
    } else {
        JC.iter().map(ToString::to_string).collect()
    };
    pg.lines(L, 160.0, f, 10.5, &lines);
    // Information block.
    let mut info: Vec<(String, String)> = s.own.clone();
    let ids = c.ids(0);
    let ids_in_subject = !ids.is_empty() && c.chance(0.25);
    if !ids_in_subject {
        info.extend(ids.iter().cloned());
    }
    info.push(("Datum:".into(), c.today()));
    let size = 8.5;
    c.put_pairs(&mut pg, 350.0, 160.0, size, &info);
    // Subject.
    let mut y = 290.0;
    pg.text(L, y, f.bold(), 11.0, subject);
    y += 14.0;
    if ids_in_subject {
        for (l, v) in ids {
            let line = format!("{} {}", l, v.replace('\n', " "));
            pg.text(L, y, f.bold(), 10.5, line.trim());
            y += 13.0;
        }
    }
    (pg, y + 16.0)
}

/// A following page: short header with the page number.
fn follow(c: &mut Ctx, who: &str, idx: usize, total: usize) -> (Page, f32) {
    let mut pg = Page::new();
    let f = c.font;
    pg.text(L, 50.0, f, 8.0, who);
    pg.text_right(R, 50.0, f, 8.0, &format!("Seite {} von {}", idx + 1, total));
    let y = c.put_ids(&mut pg, idx, L, 64.0, 8.5);
    (pg, y.max(64.0) + 20.0)
}

fn body(c: &mut Ctx, pg: &mut Page, y: f32, paras: &[String]) -> f32 {
    let f = c.font;
    let size = if matches!(f, Font::Cour | Font::Mono) {
        9.5
    } else {
        10.5
    };
    let mut y = y;
    for p in paras {
        y = pg.para(L, y, R - L, f, size, p) + 6.0;
    }
    y
}

fn sign(c: &mut Ctx, pg: &mut Page, y: f32, closing: &str, who: &str) {
    let f = c.font;
    pg.text(L, y + 6.0, f, 10.5, closing);
    let r = format!("{}.", c.r(9));
    let _ = r;
    pg.hand(
        c.rng,
        L + 5.0,
        y + 36.0,
        16.0,
        who.split(' ').next_back().unwrap_or(who),
    );
    pg.text(L, y + 52.0, f, 9.5, who);
}

fn person_sender(c: &mut Ctx) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(n) = c.name() {
        v.push(n);
    }
    if let Some(s) = c.street() {
        v.push(s);
    }
    if let Some(t) = c.town() {
        v.push(t);
    }
    v
}

fn form_head(c: &mut Ctx, pg: &mut Page, title: &str, sub: &str, idx: usize) -> f32 {
    let f = c.font;
    pg.fill(L - 10.0, 40.0, R - L + 20.0, 4.0, 0.2);
    pg.text(L, 62.0, Font::HelvB, 9.0, "Jobcenter");
    pg.text(L, 73.0, Font::Helv, 7.0, "Mühlenkreis");
    pg.text_right(R, 62.0, Font::Helv, 7.0, &format!("Seite {idx}"));
    pg.text(L + 80.0, 66.0, f.bold(), 13.0, title);
    pg.para(L + 80.0, 80.0, R - L - 80.0, f, 8.0, sub);
    // Number fields of the form.
    let mut y = 110.0;
    let ids = c.ids(idx - 1);
    let comb = c.n.comb;
    let bg = c.n.bg.clone().filter(|_| {
        ids.iter()
            .any(|i| c.n.bg.as_ref().is_some_and(|b| b.text == i.1))
    });
    let kd = c.n.kd.clone().filter(|_| {
        ids.iter()
            .any(|i| c.n.kd.as_ref().is_some_and(|k| k.text == i.1))
    });
    if comb {
        let bgc = bg.map_or("_____|__|_______".to_owned(), |b| {
            format!("{}|BG|{}", &b.canonical[..5], &b.canonical[7..])
        });
        let x = pg.comb(L, y, "Nummer der Bedarfsgemeinschaft", &bgc, Font::Cour);
        let kdc = kd.map_or("__________".to_owned(), |k| k.canonical);
        pg.comb(x + 25.0, y, "Kundennummer", &kdc, Font::Cour);
        y += 32.0;
    } else {
        let bgv = bg.map(|b| b.text.replace('\n', " ")).unwrap_or_default();
        let kdv = kd.map(|k| k.text.replace('\n', " ")).unwrap_or_default();
        pg.field(L, y, 230.0, 24.0, "BG-Nummer", &bgv, Font::Cour);
        pg.field(L + 240.0, y, 220.0, 24.0, "Kundennummer", &kdv, Font::Cour);
        y += 34.0;
    }
    y + 8.0
}

/// Fill-ins in a form: hand-written or typed.
fn fill_font(c: &mut Ctx) -> Font {
    if c.chance(0.3) { Font::Cour } else { c.font }
}

fn person_fields(c: &mut Ctx, pg: &mut Page, y: f32) -> f32 {
    let f = fill_font(c);
    let nach = c.nachname();
    let vor = c.vorname();
    let geb = c.birth_plain();
    let street = c.street().unwrap_or_default();
    let town = c.town().unwrap_or_default();
    pg.field(L, y, 200.0, 26.0, "Familienname", &nach, f);
    pg.field(L + 205.0, y, 160.0, 26.0, "Vorname", &vor, f);
    pg.field(L + 370.0, y, 90.0, 26.0, "Geburtsdatum", &geb, f);
    pg.field(L, y + 30.0, 260.0, 26.0, "Straße, Hausnummer", &street, f);
    pg.field(L + 265.0, y + 30.0, 195.0, 26.0, "PLZ, Wohnort", &town, f);
    y + 66.0
}

fn yes_no(c: &mut Ctx, pg: &mut Page, y: f32, q: &str) -> f32 {
    let yes = c.chance(0.3);
    let f = c.font;
    let y2 = pg.para(L, y, 330.0, f, 9.0, q);
    pg.checkbox(L + 370.0, y, yes, "ja");
    pg.checkbox(L + 420.0, y, !yes, "nein");
    y2.max(y + 14.0) + 4.0
}

fn table(
    c: &mut Ctx,
    pg: &mut Page,
    y: f32,
    cols: &[(&str, f32, bool)],
    rows: &[Vec<String>],
    grid: bool,
) -> f32 {
    let f = c.font;
    let size = 8.5;
    let mut x = L;
    let xs: Vec<f32> = cols
        .iter()
        .map(|(_, w, _)| {
            let at = x;
            x += w;
            at
        })
        .collect();
    let width = x - L;
    pg.fill(L, y, width, 14.0, 0.85);
    for (i, (h, w, right)) in cols.iter().enumerate() {
        if *right {
            pg.text_right(xs[i] + w - 3.0, y + 10.0, f.bold(), size, h);
        } else {
            pg.text(xs[i] + 3.0, y + 10.0, f.bold(), size, h);
        }
    }
    let mut yy = y + 14.0;
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(cols.len()) {
            let (_, w, right) = cols[i];
            if right {
                pg.text_right(xs[i] + w - 3.0, yy + 10.5, f, size, cell);
            } else {
                pg.text(xs[i] + 3.0, yy + 10.5, f, size, cell);
            }
        }
        yy += 14.0;
        if grid {
            pg.hline(L, L + width, yy, 0.3);
        }
    }
    if grid {
        pg.rect(L, y, width, yy - y, 0.6);
        for &xi in xs.iter().skip(1) {
            pg.line(xi, y, xi, yy, 0.3);
        }
    }
    yy + 10.0
}

fn firm(c: &mut Ctx, names: &[&str], street: &str, town: &str) -> Sender {
    let name = c.p(names);
    let tel = format!("Telefon 0571 {}", 100_000 + c.r(899_999));
    Sender {
        name,
        lines: vec![street.into(), town.into(), tel],
        own: Vec::new(),
    }
}

fn hauptantrag(c: &mut Ctx, pages: usize) -> Vec<Page> {
    let mut out = Vec::new();
    let mut pg = Page::new();
    let mut y = form_head(
        c,
        &mut pg,
        "Antrag auf Bürgergeld",
        "Hauptantrag auf Leistungen zur Sicherung des Lebensunterhalts nach dem Zweiten Buch Sozialgesetzbuch (SGB II). Bitte füllen Sie den Antrag vollständig in Druckbuchstaben aus.",
        1,
    );
    pg.text(
        L,
        y,
        Font::HelvB,
        10.0,
        "1. Angaben zur antragstellenden Person",
    );
    y = person_fields(c, &mut pg, y + 8.0);
    let f = fill_font(c);
    let birthplace = c.p(&[
        "Minden",
        "Ankara",
        "Kraków",
        "Aleppo",
        "Iași",
        "Charkiw",
        "Bielefeld",
    ]);
    let nat = c.p(&[
        "deutsch",
        "türkisch",
        "polnisch",
        "syrisch",
        "rumänisch",
        "ukrainisch",
    ]);
    pg.field(L, y, 150.0, 26.0, "Geburtsort", &birthplace, f);
    pg.field(L + 155.0, y, 150.0, 26.0, "Staatsangehörigkeit", &nat, f);
    pg.field(L + 310.0, y, 150.0, 26.0, "Telefon (freiwillig)", "", f);
    y += 40.0;
    pg.text(L, y, c.font, 9.0, "Familienstand:");
    let st = c.r(4);
    for (i, l) in ["ledig", "verheiratet", "geschieden", "getrennt lebend"]
        .iter()
        .enumerate()
    {
        pg.checkbox(L + 80.0 + i as f32 * 95.0, y, i == st, l);
    }
    y += 24.0;
    for q in [
        "Beziehen Sie oder eine Person Ihrer Bedarfsgemeinschaft bereits andere Sozialleistungen (z. B. Wohngeld, Kinderzuschlag)?",
        "Sind Sie erwerbsfähig, d. h. können Sie mindestens drei Stunden täglich arbeiten?",
        "Befinden Sie sich in einer Ausbildung, Schule oder einem Studium?",
    ] {
        y = yes_no(c, &mut pg, y, q);
    }
    out.push(pg);
    if pages >= 2 {
        let mut pg = Page::new();
        let mut y = form_head(c, &mut pg, "Antrag auf Bürgergeld", "Fortsetzung", 2);
        pg.text(
            L,
            y,
            Font::HelvB,
            10.0,
            "2. Personen, die mit Ihnen in einem Haushalt leben",
        );
        let rows: Vec<Vec<String>> =
            c.n.others
                .iter()
                .map(|(n, v, g)| vec![n.clone(), v.clone(), g.clone(), String::new()])
                .chain(std::iter::repeat_n(vec![String::new(); 4], 3))
                .take(5)
                .collect();
        y = table(
            c,
            &mut pg,
            y + 8.0,
            &[
                ("Familienname", 140.0, false),
                ("Vorname", 120.0, false),
                ("Geburtsdatum", 90.0, false),
                ("Verwandtschaftsverhältnis", 110.0, false),
            ],
            &rows,
            true,
        );
        pg.text(L, y + 10.0, Font::HelvB, 10.0, "3. Bankverbindung");
        let iban = format!(
            "DE{:02} 4905 0101 {:04} {:04} {:02}",
            c.r(99),
            c.r(9999),
            c.r(9999),
            c.r(99)
        );
        pg.field(L, y + 18.0, 300.0, 26.0, "IBAN", &iban, Font::Cour);
        pg.field(
            L + 305.0,
            y + 18.0,
            155.0,
            26.0,
            "Kontoinhaber/in",
            &c.nachname(),
            c.font,
        );
        out.push(pg);
    }
    for i in 2..pages {
        let mut pg = Page::new();
        let mut y = form_head(c, &mut pg, "Antrag auf Bürgergeld", "Fortsetzung", i + 1);
        pg.text(
            L,
            y,
            Font::HelvB,
            10.0,
            if i + 1 == pages {
                "6. Erklärung und Unterschrift"
            } else {
                "4. Einkommen und Vermögen"
            },
        );
        y += 16.0;
        for q in [
            "Erzielen Sie oder eine Person der Bedarfsgemeinschaft Einkommen (Arbeitsentgelt, Renten, Unterhalt, Kindergeld)?",
            "Verfügen Sie über Vermögen (Bargeld, Guthaben, Fahrzeuge, Lebensversicherungen)?",
            "Wurde in den letzten zehn Jahren Vermögen verschenkt oder übertragen?",
        ] {
            y = yes_no(c, &mut pg, y, q);
        }
        let f = c.font;
        y = pg.para(L, y + 10.0, R - L, f, 8.5, "Ich versichere, dass meine Angaben vollständig und richtig sind. Änderungen teile ich dem Jobcenter unverzüglich mit. Mir ist bekannt, dass zu Unrecht erhaltene Leistungen zu erstatten sind.");
        let today = c.today();
        pg.ink(true);
        pg.hand(c.rng, L + 5.0, y + 30.0, 13.0, &format!("Minden, {today}"));
        pg.ink(false);
        pg.hline(L, L + 200.0, y + 36.0, 0.5);
        pg.hline(L + 250.0, R, y + 36.0, 0.5);
        pg.text(L, y + 46.0, Font::Helv, 7.0, "Ort, Datum");
        pg.text(
            L + 250.0,
            y + 46.0,
            Font::Helv,
            7.0,
            "Unterschrift der antragstellenden Person",
        );
        out.push(pg);
    }
    out
}

fn form_generic(c: &mut Ctx, class: &str, pages: usize) -> Vec<Page> {
    let (title, sub, questions): (&str, &str, &[&str]) = match class {
        "weiterbewilligungsantrag" => (
            "Weiterbewilligungsantrag (WBA)",
            "Antrag auf Weiterbewilligung der Leistungen zur Sicherung des Lebensunterhalts nach dem SGB II. Der Bewilligungszeitraum endet am 31.12.2026.",
            &[
                "Haben sich Ihre persönlichen Verhältnisse oder die der Mitglieder Ihrer Bedarfsgemeinschaft seit der letzten Antragstellung geändert?",
                "Hat sich die Zusammensetzung der Bedarfsgemeinschaft geändert (Einzug, Auszug, Geburt)?",
                "Haben sich Ihre Kosten für Unterkunft und Heizung geändert?",
                "Hat sich das Einkommen geändert oder erzielt jemand neues Einkommen?",
                "Hat sich Ihr Vermögen geändert?",
            ],
        ),
        "anlage_kdu" => (
            "Anlage KDU",
            "Angaben zu den Kosten der Unterkunft und Heizung. Bitte fügen Sie den Mietvertrag und die letzte Nebenkostenabrechnung bei.",
            &[
                "Wohnen Sie zur Miete?",
                "Wird die Wohnung zentral beheizt (Heizkosten in der Miete enthalten)?",
                "Wird das Warmwasser dezentral (Durchlauferhitzer, Boiler) erzeugt?",
                "Ist die Wohnung ganz oder teilweise untervermietet?",
            ],
        ),
        "anlage_vm" => (
            "Anlage VM",
            "Angaben zum Vermögen der Mitglieder der Bedarfsgemeinschaft. Bitte legen Sie Nachweise (z. B. Kontoauszüge der letzten drei Monate) bei.",
            &[
                "Girokonten, Sparbücher, Tagesgeld- oder Festgeldkonten",
                "Bausparverträge, Aktien, Fonds, Kryptowerte",
                "Kapitallebens- oder private Rentenversicherungen",
                "Kraftfahrzeuge (Pkw, Motorrad)",
                "Haus- oder Grundeigentum, Eigentumswohnung",
            ],
        ),
        "anlage_eks" => (
            "Anlage EKS",
            "Angaben zum Einkommen aus selbständiger Tätigkeit, Gewerbebetrieb oder Land- und Forstwirtschaft im Bewilligungszeitraum - vorläufige Erklärung",
            &[
                "Handelt es sich um eine vorläufige Erklärung?",
                "Beschäftigen Sie Arbeitnehmerinnen oder Arbeitnehmer?",
                "Nutzen Sie ein betriebliches Kraftfahrzeug?",
            ],
        ),
        _ => (
            "Veränderungsmitteilung (VÄM)",
            "Mitteilung über Änderungen in den persönlichen oder wirtschaftlichen Verhältnissen",
            &[
                "Arbeitsaufnahme oder Änderung des Einkommens",
                "Umzug / Änderung der Anschrift",
                "Änderung der Bankverbindung",
                "Geburt, Einzug oder Auszug eines Haushaltsmitglieds",
                "Krankenhausaufenthalt oder Ortsabwesenheit",
            ],
        ),
    };
    let mut out = Vec::new();
    let mut pg = Page::new();
    let mut y = form_head(c, &mut pg, title, sub, 1);
    pg.text(L, y, Font::HelvB, 10.0, "Angaben zur Person");
    y = person_fields(c, &mut pg, y + 8.0);
    y += 8.0;
    for q in questions {
        y = yes_no(c, &mut pg, y, q);
    }
    let f = fill_font(c);
    match class {
        "anlage_kdu" => {
            y += 10.0;
            let kalt = c.cents(32_000, 62_000);
            let nk = c.cents(8_000, 18_000);
            let hz = c.cents(5_000, 13_000);
            let qm = 38 + c.r(50);
            let fields = [
                ("Wohnfläche in m²", format!("{qm}")),
                ("Grundmiete (Kaltmiete) mtl.", format!("{} €", eur(kalt))),
                ("Nebenkosten mtl.", format!("{} €", eur(nk))),
                ("Heizkosten mtl.", format!("{} €", eur(hz))),
                ("Gesamtmiete", format!("{} €", eur(kalt + nk + hz))),
            ];
            for (i, (l, v)) in fields.iter().enumerate() {
                pg.field(
                    L + (i % 2) as f32 * 230.0,
                    y + (i / 2) as f32 * 30.0,
                    225.0,
                    26.0,
                    l,
                    v,
                    f,
                );
            }
            y += 100.0;
            let heat = c.r(4);
            pg.text(L, y, c.font, 9.0, "Art der Heizung:");
            for (i, l) in ["Gas", "Fernwärme", "Öl", "Strom (Nachtspeicher)"]
                .iter()
                .enumerate()
            {
                pg.checkbox(L + 90.0 + i as f32 * 90.0, y, i == heat, l);
            }
        }
        "anlage_vm" => {
            y += 10.0;
            let rows = vec![
                vec![
                    "Girokonto".into(),
                    "Sparkasse Weser-Wiehen".into(),
                    format!("{} €", eur(c.cents(1_000, 90_000))),
                ],
                vec![
                    "Sparbuch".into(),
                    "Volksbank Mühlenkreis eG".into(),
                    format!("{} €", eur(c.cents(0, 120_000))),
                ],
                vec![
                    "Pkw".into(),
                    c.p(&[
                        "VW Polo, Bj. 2011",
                        "Opel Corsa, Bj. 2009",
                        "Dacia Sandero, Bj. 2015",
                    ]),
                    format!("{} €", eur(c.cents(80_000, 350_000))),
                ],
            ];
            table(
                c,
                &mut pg,
                y,
                &[
                    ("Art", 120.0, false),
                    ("Institut / Beschreibung", 220.0, false),
                    ("Wert", 120.0, true),
                ],
                &rows,
                true,
            );
        }
        "anlage_eks" => {
            y += 10.0;
            let months = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun"];
            let mut cols: Vec<(&str, f32, bool)> = vec![("", 130.0, false)];
            for m in months {
                cols.push((m, 55.0, true));
            }
            let mut rows = Vec::new();
            for l in [
                "A1 Betriebseinnahmen",
                "B1 Wareneinkauf",
                "B2 Personalkosten",
                "B4 Fahrzeugkosten",
                "B7 Telefon/Porto",
            ] {
                let mut r = vec![l.to_owned()];
                for _ in 0..6 {
                    r.push(eur(c.cents(0, 250_000)));
                }
                rows.push(r);
            }
            table(c, &mut pg, y, &cols, &rows, true);
        }
        "veraenderungsmitteilung" => {
            y += 10.0;
            pg.text(L, y, c.font, 9.0, "Erläuterung:");
            let from = c.before(20);
            let why = c.p(&[
                "Ich habe ab dem 01.12.2026 eine Stelle als Lagerhelfer (Minijob, 538 €) angenommen.",
                "Meine Tochter ist am 15.11.2026 ausgezogen.",
                "Neue Bankverbindung ab sofort, siehe Anlage.",
                "Ich bin vom 03.12. bis 17.12.2026 ortsabwesend (Besuch bei der Familie).",
                "Mein Arbeitsverhältnis endet zum 30.11.2026, Kündigung liegt bei.",
            ]);
            pg.hand(c.rng, L + 10.0, y + 22.0, 12.5, &why);
            pg.text(
                L,
                y + 50.0,
                c.font,
                9.0,
                &format!("Die Änderung gilt ab: {}", d2(from)),
            );
        }
        _ => {}
    }
    out.push(pg);
    for i in 1..pages {
        let mut pg = Page::new();
        let mut y = form_head(c, &mut pg, title, "Fortsetzung", i + 1);
        let f = c.font;
        y = pg.para(L, y, R - L, f, 9.0, "Bitte beachten Sie: Alle Änderungen sind durch geeignete Unterlagen nachzuweisen. Ohne vollständige Unterlagen kann über Ihren Antrag nicht oder nur vorläufig entschieden werden (§ 60 SGB I, § 41a SGB II).");
        for q in ["Liegen Nachweise bei?", "Wünschen Sie eine Beratung?"] {
            y = yes_no(c, &mut pg, y + 6.0, q);
        }
        pg.hline(L + 250.0, R, y + 60.0, 0.5);
        pg.text(L + 250.0, y + 70.0, Font::Helv, 7.0, "Datum, Unterschrift");
        let today = c.today();
        pg.hand(c.rng, L + 255.0, y + 55.0, 12.0, &today);
        out.push(pg);
    }
    out
}

fn kontoauszug(c: &mut Ctx, pages: usize) -> Vec<Page> {
    let bank = c.p(&[
        "Sparkasse Weser-Wiehen",
        "Volksbank Mühlenkreis eG",
        "Nordbank Direkt AG",
    ]);
    let iban = format!(
        "DE{:02} 4905 {:04} {:04} {:04} {:02}",
        10 + c.r(89),
        c.r(9999),
        c.r(9999),
        c.r(9999),
        c.r(99)
    );
    let mut bal = c.cents(-20_000, 80_000);
    let no = 8 + c.r(4);
    let mut out = Vec::new();
    let upper = c.chance(0.5);
    for i in 0..pages {
        let mut pg = Page::new();
        let f = c.font;
        pg.text(L, 55.0, f.bold(), 13.0, &bank);
        pg.text_right(
            R,
            55.0,
            f,
            9.0,
            &format!("Kontoauszug {no}/2026  Blatt {}", i + 1),
        );
        let mut y = 75.0;
        if i == 0 {
            let mut lines = c.addressee();
            if upper {
                lines = lines.iter().map(|l| l.to_uppercase()).collect();
            }
            y = pg.lines(L, 120.0, f, 10.0, &lines).max(190.0);
        }
        pg.text(
            L,
            y,
            f,
            8.5,
            &format!("IBAN {iban}   BIC WELADED1MIN   Girokonto"),
        );
        let name = c.n.name().unwrap_or_default();
        if i == 0 && !name.is_empty() {
            pg.text(
                L,
                y + 11.0,
                f,
                8.5,
                &format!(
                    "Kontoinhaber: {}",
                    if upper { name.to_uppercase() } else { name }
                ),
            );
            c.used_name = true;
        }
        y = c.put_ids(&mut pg, i, L, y + 24.0, 8.5).max(y + 24.0);
        pg.text(
            L,
            y + 4.0,
            f,
            9.0,
            &format!("Alter Kontostand vom {}", d2(c.before(30))),
        );
        pg.text_right(R, y + 4.0, f, 9.0, &format!("{} EUR", eur(bal)));
        let mut rows = Vec::new();
        for _ in 0..(8 + c.r(10)) {
            let d = d2(c.before(28));
            let (text, amt) = match c.r(9) {
                0 => (
                    "Bundesagentur f. Arbeit / Jobcenter Mühlenkreis Leistungen SGB II".to_owned(),
                    c.cents(40_000, 120_000),
                ),
                1 => ("Familienkasse Weser-Lippe KINDERGELD".to_owned(), 25_500),
                2 => (
                    "Wohnungsbau Weserbogen eG MIETE".to_owned(),
                    -c.cents(38_000, 72_000),
                ),
                3 => (
                    "Stadtwerke Weserland ABSCHLAG STROM".to_owned(),
                    -c.cents(3_500, 9_000),
                ),
                4 => (
                    "Kartenzahlung Discounter Minden".to_owned(),
                    -c.cents(500, 9_000),
                ),
                5 => (
                    "Bargeldauszahlung GA 0042".to_owned(),
                    -c.cents(2_000, 10_000),
                ),
                6 => (
                    "Lohn/Gehalt 11/2026 Bäckerei Oberdiek GmbH".to_owned(),
                    c.cents(20_000, 150_000),
                ),
                7 => (
                    "Mobilfunk Rechnung 0815-4711".to_owned(),
                    -c.cents(999, 3_999),
                ),
                _ => (
                    "Lastschrift Haftpflichtversicherung".to_owned(),
                    -c.cents(400, 2_000),
                ),
            };
            bal += amt;
            rows.push(vec![d.clone(), d, text, eur(amt)]);
        }
        y = table(
            c,
            &mut pg,
            y + 14.0,
            &[
                ("Buchungstag", 62.0, false),
                ("Valuta", 62.0, false),
                ("Verwendungszweck", 260.0, false),
                ("Betrag EUR", 76.0, true),
            ],
            &rows,
            c.n.comb,
        );
        if i + 1 == pages {
            pg.text(L, y + 4.0, f.bold(), 9.5, "Neuer Kontostand");
            pg.text_right(R, y + 4.0, f.bold(), 9.5, &format!("{} EUR", eur(bal)));
        } else {
            pg.text(L, y + 4.0, f, 8.5, "Übertrag auf Blatt folgend");
        }
        pg.text(L, 800.0, f, 6.5, "Bitte prüfen Sie Ihren Kontoauszug. Einwendungen sind unverzüglich zu erheben. Guthaben sind einlagengesichert.");
        out.push(pg);
    }
    out
}

fn lohnabrechnung(c: &mut Ctx, pages: usize) -> Vec<Page> {
    let employer = c.p(&[
        "Bäckerei Oberdiek GmbH",
        "Logistikzentrum Hille GmbH & Co. KG",
        "Pflegedienst Lichtblick",
        "Gebäudereinigung Glanzwerk UG",
        "Gaststätte Zum Wallgarten",
    ]);
    let mut pg = Page::new();
    let f = c.font;
    pg.text(L, 55.0, f.bold(), 12.0, &employer);
    pg.text_right(
        R,
        55.0,
        f.bold(),
        11.0,
        &format!(
            "Abrechnung der Brutto/Netto-Bezüge für {} 2026",
            c.p(&["September", "Oktober", "November"])
        ),
    );
    let lines = c.addressee();
    let y = pg.lines(L, 110.0, f, 10.0, &lines).max(160.0);
    let pnr = format!("{:05}", c.r(99999));
    let mut info = vec![
        ("Personal-Nr.".to_owned(), pnr),
        ("Steuerklasse".to_owned(), c.p(&["1", "2", "3", "4", "5"])),
        (
            "Kinderfreibeträge".to_owned(),
            c.p(&["0,0", "0,5", "1,0", "2,0"]),
        ),
        ("Konfession".to_owned(), c.p(&["--", "rk", "ev"])),
        (
            "Krankenkasse".to_owned(),
            "Nordwest Gesundheitskasse".to_owned(),
        ),
        (
            "SV-Nummer".to_owned(),
            format!(
                "{:02} {:06} {} {:03}",
                10 + c.r(80),
                c.r(999_999),
                c.p(&["M", "S", "K", "Y"]),
                c.r(999)
            ),
        ),
    ];
    if let Some(b) = c.birth() {
        info.push(("Geburtsdatum".into(), b));
    }
    info.extend(c.ids(0));
    let y2 = c.put_pairs(&mut pg, 330.0, 110.0, 8.5, &info);
    let mut y = y.max(y2) + 14.0;
    let hours = 40 + c.r(120);
    let rate = c.cents(1_290, 1_650);
    let brutto = hours as i64 * rate;
    let rows = vec![
        vec![
            "1000".into(),
            "Stundenlohn".into(),
            format!("{hours},00"),
            eur(rate),
            eur(brutto),
        ],
        vec![
            "1200".into(),
            "Zuschlag Nacht 25 %".into(),
            String::new(),
            String::new(),
            eur(c.cents(0, 9_000)),
        ],
        vec![
            "2100".into(),
            "VWL AG-Anteil".into(),
            String::new(),
            String::new(),
            "6,65".into(),
        ],
    ];
    let grid = c.chance(0.5);
    y = table(
        c,
        &mut pg,
        y,
        &[
            ("Lohnart", 50.0, false),
            ("Bezeichnung", 190.0, false),
            ("Menge", 60.0, true),
            ("Satz", 70.0, true),
            ("Betrag", 90.0, true),
        ],
        &rows,
        grid,
    );
    let lst = brutto / 12;
    let sv = brutto * 21 / 100;
    let netto = brutto - lst - sv;
    let sums = vec![
        vec!["Gesamtbrutto".into(), eur(brutto)],
        vec!["Lohnsteuer".into(), eur(-lst)],
        vec!["Solidaritätszuschlag".into(), "0,00".into()],
        vec!["KV-Beitrag".into(), eur(-sv * 8 / 21)],
        vec!["RV-Beitrag".into(), eur(-sv * 9 / 21)],
        vec!["AV-Beitrag".into(), eur(-sv / 21)],
        vec!["PV-Beitrag".into(), eur(-sv * 3 / 21)],
        vec!["Nettoverdienst".into(), eur(netto)],
        vec!["Auszahlungsbetrag".into(), eur(netto)],
    ];
    y = table(
        c,
        &mut pg,
        y + 6.0,
        &[("Gesetzliche Abzüge", 300.0, false), ("EUR", 160.0, true)],
        &sums,
        false,
    );
    let iban = format!(
        "DE{:02} 4905 **** **** {:04} {:02}",
        c.r(99),
        c.r(9999),
        c.r(99)
    );
    pg.text(L, y + 8.0, f, 8.5, &format!("Überweisung an IBAN {iban}"));
    let mut out = vec![pg];
    if pages > 1 {
        let who = employer.clone();
        let (mut pg, y) = follow(c, &who, 1, pages);
        let rest = c.r(20);
        let y = table(
            c,
            &mut pg,
            y,
            &[("Jahreswerte", 300.0, false), ("EUR", 160.0, true)],
            &[
                vec!["Steuerbrutto lfd. Jahr".into(), eur(brutto * 10)],
                vec!["Lohnsteuer lfd. Jahr".into(), eur(lst * 10)],
                vec!["Urlaubsanspruch (Tage)".into(), "24".into()],
                vec!["Resturlaub (Tage)".into(), format!("{rest}")],
            ],
            true,
        );
        pg.para(L, y + 10.0, R - L, c.font, 8.0, "Diese Abrechnung wurde maschinell erstellt und ist ohne Unterschrift gültig. Bitte bewahren Sie sie für Ihre Unterlagen auf.");
        out.push(pg);
    }
    out
}

fn simple_letter(c: &mut Ctx, class: &str, pages: usize) -> Vec<Page> {
    let who_name = c.n.name().unwrap_or_default();
    let greeting = match (&c.n.salutation, c.n.female, c.n.nachname.clone()) {
        (Some(_), true, Some(n)) if !c.n.family => format!("Sehr geehrte Frau {n},"),
        (Some(_), false, Some(n)) if !c.n.family => format!("Sehr geehrter Herr {n},"),
        _ => "Sehr geehrte Damen und Herren,".to_owned(),
    };
    let birth = c.n.birth.clone();
    let born = birth
        .as_ref()
        .map(|b| format!(", geb. am {b}"))
        .unwrap_or_default();
    let (sender, to_person, subject, paras): (Sender, bool, String, Vec<String>) = match class {
        "arbeitsvertrag" => {
            let mut s = firm(
                c,
                &[
                    "Logistikzentrum Hille GmbH & Co. KG",
                    "Bäckerei Oberdiek GmbH",
                    "Pflegedienst Lichtblick",
                ],
                "Industriestraße 7",
                "32479 Hille",
            );
            s.own
                .push(("Personal-Nr.".into(), format!("{:05}", c.r(99999))));
            let start = d2(c.before(10));
            match c.r(3) {
                0 => (s, true, "Arbeitsvertrag (befristet)".into(), vec![
                    format!("Zwischen der Firma und {who_name}{born} wird folgender Arbeitsvertrag geschlossen:"),
                    format!("§ 1 Beginn und Dauer. Das Arbeitsverhältnis beginnt am {start} und ist bis zum 30.06.2027 befristet. Die ersten sechs Monate gelten als Probezeit."),
                    "§ 2 Tätigkeit. Der Arbeitnehmer / die Arbeitnehmerin wird als Helfer/in im Lager eingestellt.".into(),
                    format!("§ 3 Arbeitszeit. Die regelmäßige wöchentliche Arbeitszeit beträgt {} Stunden.", 15 + c.r(25)),
                    format!("§ 4 Vergütung. Der Stundenlohn beträgt {} € brutto. Die Vergütung wird jeweils zum Monatsende auf das benannte Konto überwiesen.", eur(c.cents(1_290, 1_600))),
                    "§ 5 Urlaub. Der Urlaubsanspruch beträgt 24 Werktage im Kalenderjahr.".into(),
                ]),
                1 => (s, true, "Kündigung Ihres Arbeitsverhältnisses".into(), vec![
                    greeting.clone(),
                    format!("hiermit kündigen wir das mit Ihnen bestehende Arbeitsverhältnis ordentlich und fristgerecht zum {}, hilfsweise zum nächstmöglichen Termin.", d2((30, 11, 2026))),
                    "Wir weisen Sie darauf hin, dass Sie verpflichtet sind, sich spätestens drei Tage nach Kenntnis des Beendigungszeitpunktes persönlich bei der Agentur für Arbeit arbeitsuchend zu melden.".into(),
                    "Ihre Arbeitspapiere und die Arbeitsbescheinigung erhalten Sie mit der letzten Abrechnung.".into(),
                ]),
                _ => (s, false, "Arbeitsbescheinigung nach § 312 SGB III".into(), vec![
                    format!("Angaben zur Arbeitnehmerin / zum Arbeitnehmer: {who_name}{born}."),
                    format!("Das Beschäftigungsverhältnis bestand vom {} bis {}. Es wurde durch Kündigung des Arbeitgebers beendet.", d2((1, 3, 2025)), d2((31, 10, 2026))),
                    format!("Das beitragspflichtige Arbeitsentgelt in den letzten zwölf Monaten betrug insgesamt {} €.", eur(c.cents(900_000, 2_400_000))),
                ]),
            }
        }
        "widerspruch" => {
            let bdate = d2(c.before(25));
            if c.chance(0.4) {
                let mut s = Sender {
                    name: "Rechtsanwälte Kemper & Sadiq".into(),
                    lines: vec![
                        "Simeonstraße 21".into(),
                        "32423 Minden".into(),
                        "Telefon 0571 388 20-0".into(),
                    ],
                    own: vec![],
                };
                s.own
                    .push(("Unser Zeichen:".into(), format!("{}/26 KS", 100 + c.r(800))));
                (s, false, format!("Widerspruch gegen den Bescheid vom {bdate}"), vec![
                    "Sehr geehrte Damen und Herren,".into(),
                    format!("in der Angelegenheit {who_name}{born} zeigen wir an, dass wir die rechtlichen Interessen unserer Mandantschaft vertreten. Eine auf uns lautende Vollmacht ist beigefügt."),
                    format!("Namens und in Vollmacht unserer Mandantschaft legen wir gegen den Bescheid vom {bdate} Widerspruch ein. Die Kosten der Unterkunft wurden zu Unrecht nur in Höhe der Angemessenheitsgrenze berücksichtigt."),
                    "Wir bitten um Akteneinsicht durch Übersendung der Verwaltungsakte an unsere Kanzlei. Eine weitere Begründung bleibt vorbehalten.".into(),
                ])
            } else {
                let lines = person_sender(c);
                let s = Sender {
                    name: lines.first().cloned().unwrap_or_default(),
                    lines: lines.iter().skip(1).cloned().collect(),
                    own: vec![],
                };
                (s, false, format!("Widerspruch gegen den Bescheid vom {bdate}"), vec![
                    "Sehr geehrte Damen und Herren,".into(),
                    format!("hiermit lege ich Widerspruch gegen Ihren Bescheid vom {bdate} ein."),
                    c.p(&[
                        "Sie haben mein Einkommen aus dem Minijob doppelt angerechnet. Ich habe im Oktober nur einmal Lohn bekommen, die Abrechnung lege ich bei.",
                        "Die Heizkostennachzahlung wurde nicht übernommen, obwohl ich die Abrechnung rechtzeitig eingereicht habe.",
                        "Der Mehrbedarf für Alleinerziehende fehlt in der Berechnung. Ich lebe seit Juli allein mit meinen Kindern.",
                    ]),
                    "Bitte prüfen Sie den Bescheid noch einmal und schicken Sie mir einen neuen.".into(),
                ])
            }
        }
        "rechnung" => {
            let mut s = firm(
                c,
                &[
                    "Möbelhaus Weserland GmbH",
                    "Elektro Tiemann Meisterbetrieb",
                    "Zahnarztpraxis Dr. Rohlfing",
                    "Kabelnetz Mühlenkreis GmbH",
                ],
                "Ringstraße 104",
                "32427 Minden",
            );
            s.own.push((
                "Rechnungs-Nr.:".into(),
                format!("RE-2026-{:05}", c.r(99999)),
            ));
            s.own
                .push(("Kunden-Nr.:".into(), format!("{:06}", c.r(999_999))));
            let y_items =
                vec!["Die Ware bleibt bis zur vollständigen Bezahlung unser Eigentum.".to_owned()];
            (s, true, "Rechnung".into(), y_items)
        }
        "bewerbungsnachweis" => {
            let s = firm(
                c,
                &[
                    "Spedition Habighorst GmbH",
                    "Kaufhaus am Markt",
                    "Hotel Weserblick",
                    "Stadtreinigung Minden",
                ],
                "Am Hafen 3",
                "32423 Minden",
            );
            (s, true, "Ihre Bewerbung".into(), vec![
                greeting.clone(),
                format!("vielen Dank für Ihre Bewerbung vom {} und das Interesse an unserem Unternehmen.", d2(c.before(30))),
                "Nach sorgfältiger Prüfung müssen wir Ihnen leider mitteilen, dass wir uns für eine andere Bewerberin / einen anderen Bewerber entschieden haben. Ihre Unterlagen senden wir Ihnen zurück.".into(),
                "Für Ihre weitere berufliche Zukunft wünschen wir Ihnen alles Gute.".into(),
            ])
        }
        "schulbescheinigung" => {
            if c.chance(0.35) {
                let mut s = firm(
                    c,
                    &["Fachhochschule Weserbergland", "Hochschule Mühlenkreis"],
                    "Campusallee 1",
                    "32427 Minden",
                );
                s.own.push((
                    "Matrikel-Nr.:".into(),
                    format!("{}", 1_000_000 + c.r(8_999_999)),
                ));
                (s, true, "Immatrikulationsbescheinigung Wintersemester 2026/27".into(), vec![
                    format!("Hiermit wird bescheinigt, dass {who_name}{born} im Wintersemester 2026/27 (01.09.2026 bis 28.02.2027) als ordentliche/r Studierende/r eingeschrieben ist."),
                    format!("Studiengang: {} (Bachelor), {}. Fachsemester, Vollzeitstudium.", c.p(&["Soziale Arbeit", "Maschinenbau", "Pflege", "Wirtschaftsinformatik"]), 1 + c.r(7)),
                    "Diese Bescheinigung wurde maschinell erstellt und ist ohne Unterschrift gültig.".into(),
                ])
            } else {
                let s = firm(
                    c,
                    &[
                        "Städtische Gesamtschule Minden",
                        "Grundschule Am Weißen Stein",
                        "Berufskolleg Porta",
                    ],
                    "Schulweg 2",
                    "32425 Minden",
                );
                (s, false, "Schulbescheinigung".into(), vec![
                    format!("Hiermit wird bescheinigt, dass {who_name}{born} seit dem 01.08.2026 die Klasse {}{} unserer Schule besucht.", 1 + c.r(12), c.p(&["a", "b", "c"])),
                    "Der Schulbesuch wird voraussichtlich bis zum 31.07.2027 dauern. Es handelt sich um eine allgemeinbildende Schule in Vollzeit.".into(),
                    "Diese Bescheinigung wird zur Vorlage beim Jobcenter (Leistungen für Bildung und Teilhabe) ausgestellt.".into(),
                ])
            }
        }
        "krankenversicherung" => {
            let mut s = firm(
                c,
                &[
                    "Nordwest Gesundheitskasse",
                    "BKK Weserland",
                    "IKK Mühlenkreis",
                ],
                "Postfach 10 20",
                "32421 Minden",
            );
            s.own.push((
                "Versicherten-Nr.:".into(),
                format!("{}{:09}", c.p(&["A", "K", "M", "T"]), c.r(999_999_999)),
            ));
            (s, true, "Mitgliedsbescheinigung".into(), vec![
                greeting.clone(),
                format!("wir bestätigen, dass {who_name}{born} seit dem {} bei uns versichert ist.", d2((1, 1 + c.r(10) as u32, 2020 + c.r(6) as i32))),
                "Art der Versicherung: Pflichtversicherung nach § 5 Abs. 1 Nr. 2a SGB V (Bezug von Bürgergeld). Die Versicherung besteht auch in der sozialen Pflegeversicherung.".into(),
                "Familienversichert sind: keine weiteren Angehörigen.".into(),
            ])
        }
        "vermieterbescheinigung" => {
            let mut s = firm(
                c,
                &[
                    "Hausverwaltung Plöger & Partner",
                    "Wohnungsbau Weserbogen eG",
                    "Gerda Stockhecke",
                ],
                "Marktplatz 4",
                "32423 Minden",
            );
            s.own.push((
                "Objekt-Nr.:".into(),
                format!("{:03}-{:04}", c.r(999), c.r(9999)),
            ));
            let kalt = c.cents(30_000, 60_000);
            let nk = c.cents(8_000, 17_000);
            let hz = c.cents(5_000, 12_000);
            (s, false, "Vermieterbescheinigung / Mietbescheinigung".into(), vec![
                format!("Hiermit bestätigen wir als Vermieter, dass {who_name}{born} die Wohnung {} seit dem {} bewohnt.", c.n.street.clone().unwrap_or_else(|| "im 2. OG links".into()), d2((1, 1 + c.r(11) as u32, 2015 + c.r(10) as i32))),
                format!("Wohnfläche: {} m², Zimmer: {}. Die monatliche Miete setzt sich zusammen aus Grundmiete {} €, Vorauszahlung Betriebskosten {} € und Vorauszahlung Heizkosten {} €, insgesamt {} €.", 35 + c.r(55), 1 + c.r(4), eur(kalt), eur(nk), eur(hz), eur(kalt + nk + hz)),
                "Die Warmwasserbereitung erfolgt zentral über die Heizungsanlage. Mietrückstände bestehen nicht.".into(),
            ])
        }
        _ => {
            // sonstiges: a flyer or greeting card (a note by hand is handled elsewhere).
            let s = Sender {
                name: c.p(&[
                    "Pizzeria Da Michele",
                    "Umzugsservice Flink",
                    "Gemeindebrief St. Marien",
                ]),
                lines: vec!["Bäckerstraße 12".into(), "32423 Minden".into()],
                own: vec![],
            };
            (s, true, c.p(&["Jetzt NEU: Lieferservice!", "Einladung zum Adventsbasar", "Ihr Umzug - stressfrei und günstig"]), vec![
                "Liebe Nachbarinnen und Nachbarn,".into(),
                "wir freuen uns, Sie auch in diesem Jahr begrüßen zu dürfen. Kommen Sie vorbei, es gibt Kaffee, Kuchen und Musik für Groß und Klein.".into(),
                "Mit diesem Gutschein erhalten Sie 10 % Rabatt auf Ihre nächste Bestellung. Gültig bis 31.12.2026.".into(),
            ])
        }
    };
    if c.n.birth.is_some()
        && paras
            .iter()
            .any(|p| p.contains(birth.as_deref().unwrap_or("\u{0}")))
    {
        c.used_birth = true;
    }
    if !who_name.is_empty() && paras.iter().any(|p| p.contains(&who_name)) {
        c.used_name = true;
    }
    let (mut pg, mut y) = letter(c, &sender, to_person, &subject);
    let mut out = Vec::new();
    if class == "rechnung" {
        let mut rows = Vec::new();
        let mut sum = 0;
        for i in 0..(2 + c.r(5)) {
            let price = c.cents(500, 40_000);
            let qty = 1 + c.r(3) as i64;
            sum += price * qty;
            rows.push(vec![
                format!("{}", i + 1),
                c.p(&[
                    "Montage und Anfahrt",
                    "Kleiderschrank 2-türig",
                    "Arbeitszeit Geselle je Std.",
                    "Zuzahlung Kunststofffüllung",
                    "Kabelanschluss Monatsentgelt",
                    "Material",
                ]),
                qty.to_string(),
                eur(price),
                eur(price * qty),
            ]);
        }
        let grid = c.chance(0.5);
        y = table(
            c,
            &mut pg,
            y,
            &[
                ("Pos.", 30.0, false),
                ("Bezeichnung", 220.0, false),
                ("Menge", 50.0, true),
                ("Einzelpreis", 80.0, true),
                ("Gesamt", 80.0, true),
            ],
            &rows,
            grid,
        );
        let mwst = sum * 19 / 119;
        for (l, v) in [
            ("Nettobetrag", sum - mwst),
            ("zzgl. 19 % MwSt.", mwst),
            ("Rechnungsbetrag", sum),
        ] {
            pg.text(L + 250.0, y, c.font, 9.5, l);
            pg.text_right(R, y, c.font, 9.5, &format!("{} €", eur(v)));
            y += 13.0;
        }
        y += 10.0;
        let due = d2(c.before(3));
        y = body(
            c,
            &mut pg,
            y,
            &[format!(
                "Bitte überweisen Sie den Betrag bis zum {due} ohne Abzug auf das unten genannte Konto."
            )],
        );
    }
    let per_page = paras.len().div_ceil(pages).max(1);
    let mut chunks = paras.chunks(per_page);
    if let Some(first) = chunks.next() {
        y = body(c, &mut pg, y, first);
    }
    let sender_name = sender.name.clone();
    let closing = if to_person || class == "widerspruch" {
        "Mit freundlichen Grüßen"
    } else {
        "Mit freundlichem Gruß"
    };
    if pages == 1 {
        let signer = if class == "widerspruch" && sender_name == who_name {
            who_name.clone()
        } else {
            c.p(&["i. A. Plöger", "Tiemann", "i. A. Rohlfing", "Dr. Wehrmann"])
        };
        sign(c, &mut pg, y, closing, &signer);
    }
    out.push(pg);
    for i in 1..pages {
        let (mut pg, y0) = follow(c, &sender_name, i, pages);
        let mut y = y0;
        if let Some(chunk) = chunks.next() {
            y = body(c, &mut pg, y, chunk);
        } else {
            y = body(c, &mut pg, y, &["Anlagen: wie erwähnt".to_owned()]);
        }
        if i + 1 == pages {
            let signer = if sender_name == who_name {
                who_name.clone()
            } else {
                "i. A. Habighorst".to_owned()
            };
            sign(c, &mut pg, y, closing, &signer);
        }
        out.push(pg);
    }
    out
}

fn mietvertrag(c: &mut Ctx, pages: usize) -> Vec<Page> {
    let landlord = c.p(&[
        "Wohnungsbau Weserbogen eG",
        "Hausverwaltung Plöger & Partner",
        "Eheleute Gerda und Horst Stockhecke",
    ]);
    let who = c
        .name()
        .unwrap_or_else(|| "..............................".into());
    let born = c
        .birth()
        .map(|b| format!(", geboren am {b}"))
        .unwrap_or_default();
    let street = c.street().unwrap_or_else(|| "Wittekindsallee 9".into());
    let town = c.town().unwrap_or_else(|| "32427 Minden".into());
    let kalt = c.cents(30_000, 65_000);
    let nk = c.cents(8_000, 18_000);
    let hz = c.cents(5_000, 12_000);
    let clauses = [
        format!("§ 1 Mietsache. Vermietet wird die Wohnung im {}. Obergeschoss des Hauses {street}, {town}, bestehend aus {} Zimmern, Küche, Bad/WC, Flur und Kellerraum. Die Wohnfläche beträgt ca. {} m².", 1 + c.r(3), 2 + c.r(3), 40 + c.r(45)),
        format!("§ 2 Mietzeit. Das Mietverhältnis beginnt am {} und läuft auf unbestimmte Zeit. Es kann nach den gesetzlichen Vorschriften gekündigt werden.", d2((1, 1 + c.r(12) as u32, 2019 + c.r(8) as i32))),
        format!("§ 3 Miete. Die Grundmiete (Kaltmiete) beträgt monatlich {} €. Daneben zahlt der Mieter eine Vorauszahlung auf die Betriebskosten von {} € sowie auf die Heiz- und Warmwasserkosten von {} €. Die Gesamtmiete beträgt somit {} €.", eur(kalt), eur(nk), eur(hz), eur(kalt + nk + hz)),
        "§ 4 Zahlung. Die Miete ist monatlich im Voraus, spätestens am dritten Werktag des Monats, kostenfrei auf das Konto des Vermieters zu zahlen.".to_owned(),
        format!("§ 5 Mietsicherheit (Kaution). Der Mieter leistet eine Kaution in Höhe von {} €, zahlbar in drei Monatsraten.", eur(kalt * 3)),
        "§ 6 Betriebskosten. Umgelegt werden die Betriebskosten nach § 2 BetrKV, insbesondere Grundsteuer, Wasser, Entwässerung, Müllbeseitigung, Hausreinigung, Gartenpflege, Allgemeinstrom und Sachversicherung.".to_owned(),
        "§ 7 Schönheitsreparaturen und Tierhaltung. Kleintiere sind erlaubt; Hunde und Katzen nur mit Zustimmung des Vermieters.".to_owned(),
        "§ 8 Hausordnung. Die beigefügte Hausordnung ist Bestandteil dieses Vertrages.".to_owned(),
    ];
    let mut out = Vec::new();
    let per = clauses.len().div_ceil(pages);
    for (i, chunk) in clauses.chunks(per).enumerate() {
        let mut pg = Page::new();
        let f = c.font;
        let mut y;
        if i == 0 {
            pg.text(L + 150.0, 70.0, f.bold(), 18.0, "Mietvertrag");
            pg.text(L + 120.0, 88.0, f, 9.0, "für Wohnraum (frei finanziert)");
            y = 120.0;
            y = pg.para(L, y, R - L, f, 10.0, &format!("Zwischen {landlord} - nachstehend Vermieter genannt - und {who}{born}, derzeit wohnhaft wie unten - nachstehend Mieter genannt - wird folgender Mietvertrag geschlossen:"));
            y = c.put_ids(&mut pg, 0, L, y + 6.0, 9.0) + 6.0;
        } else {
            pg.text_right(
                R,
                50.0,
                f,
                8.0,
                &format!("Mietvertrag - Seite {} von {}", i + 1, pages),
            );
            y = c.put_ids(&mut pg, i, L, 66.0, 9.0).max(66.0) + 14.0;
        }
        for cl in chunk {
            y = pg.para(L, y, R - L, f, 10.0, cl) + 8.0;
        }
        if i + 1 == pages.min(clauses.len().div_ceil(per)) {
            pg.hline(L, L + 180.0, y + 50.0, 0.5);
            pg.hline(L + 260.0, R, y + 50.0, 0.5);
            pg.text(L, y + 60.0, Font::Helv, 7.5, "Vermieter");
            pg.text(L + 260.0, y + 60.0, Font::Helv, 7.5, "Mieter");
            pg.hand(c.rng, L + 10.0, y + 45.0, 15.0, "Plöger");
            let sig = c.n.nachname.clone().unwrap_or_else(|| "xx".into());
            pg.hand(c.rng, L + 270.0, y + 45.0, 15.0, &sig);
        }
        out.push(pg);
    }
    while out.len() < pages {
        let mut pg = Page::new();
        pg.text(L, 70.0, c.font.bold(), 12.0, "Anlage: Hausordnung");
        let idx = out.len();
        let y = c.put_ids(&mut pg, idx, L, 90.0, 9.0).max(90.0);
        let f = c.font;
        pg.para(L, y + 10.0, R - L, f, 10.0, "Ruhezeiten sind von 13 bis 15 Uhr und von 22 bis 6 Uhr einzuhalten. Treppenhaus und Keller sind im wöchentlichen Wechsel zu reinigen. Fahrräder dürfen nicht im Hausflur abgestellt werden.");
        out.push(pg);
    }
    out
}

fn nebenkosten(c: &mut Ctx, pages: usize) -> Vec<Page> {
    let mut s = firm(
        c,
        &[
            "Wohnungsbau Weserbogen eG",
            "Hausverwaltung Plöger & Partner",
        ],
        "Marktplatz 4",
        "32423 Minden",
    );
    s.own.push((
        "Mieter-Nr.:".into(),
        format!("{:04}/{:03}", c.r(9999), c.r(999)),
    ));
    let (mut pg, y) = letter(
        c,
        &s,
        true,
        "Betriebskostenabrechnung für den Abrechnungszeitraum 01.01.2025 - 31.12.2025",
    );
    let f = c.font;
    let mut y = pg.para(L, y, R - L, f, 10.0, "Sehr geehrte Mieterin, sehr geehrter Mieter, nachstehend erhalten Sie die Abrechnung der Betriebs- und Heizkosten für Ihre Wohnung.");
    let kinds = [
        ("Grundsteuer", "Wohnfläche"),
        ("Wasser/Abwasser", "Personen"),
        ("Müllabfuhr", "Personen"),
        ("Hausreinigung", "Wohnfläche"),
        ("Gartenpflege", "Wohnfläche"),
        ("Allgemeinstrom", "Wohnfläche"),
        ("Gebäudeversicherung", "Wohnfläche"),
        ("Heizung/Warmwasser", "Verbrauch"),
    ];
    let mut total = 0;
    let rows: Vec<Vec<String>> = kinds
        .iter()
        .map(|(k, key)| {
            let all = c.cents(100_000, 900_000);
            let share = all * (3 + c.r(8) as i64) / 100;
            total += share;
            vec![k.to_string(), key.to_string(), eur(all), eur(share)]
        })
        .collect();
    y = table(
        c,
        &mut pg,
        y + 6.0,
        &[
            ("Kostenart", 150.0, false),
            ("Umlageschlüssel", 100.0, false),
            ("Gesamtkosten", 100.0, true),
            ("Ihr Anteil", 100.0, true),
        ],
        &rows,
        true,
    );
    let pre = c.cents(total * 8 / 10, total * 12 / 10);
    let diff = total - pre;
    let mut lines = vec![
        ("Summe Ihrer Kosten".to_owned(), eur(total)),
        ("abzüglich Ihrer Vorauszahlungen".to_owned(), eur(-pre)),
    ];
    lines.push((
        if diff > 0 { "Nachzahlung" } else { "Guthaben" }.to_owned(),
        eur(diff.abs()),
    ));
    for (l, v) in lines {
        pg.text(L + 200.0, y, f.bold(), 9.5, &l);
        pg.text_right(R, y, f.bold(), 9.5, &format!("{v} €"));
        y += 13.0;
    }
    let text = if diff > 0 {
        format!(
            "Bitte überweisen Sie die Nachzahlung bis zum {} auf unser Konto. Ab dem nächsten Monat erhöhen sich Ihre Vorauszahlungen auf {} € monatlich.",
            d2(c.before(3)),
            eur(pre / 12 + 500)
        )
    } else {
        "Das Guthaben wird Ihrem Mieterkonto gutgeschrieben bzw. mit der nächsten Miete verrechnet."
            .to_owned()
    };
    pg.para(L, y + 10.0, R - L, f, 10.0, &text);
    let mut out = vec![pg];
    for i in 1..pages {
        let name = s.name.clone();
        let (mut pg, y) = follow(c, &name, i, pages);
        let rows: Vec<Vec<String>> = (0..6)
            .map(|k| {
                vec![
                    format!("Wohnung {}", k + 1),
                    format!("{:.1}", 40.0 + c.r(50) as f32).replace('.', ","),
                    format!("{}", 1 + c.r(4)),
                ]
            })
            .collect();
        let y = table(
            c,
            &mut pg,
            y,
            &[
                ("Einheit", 150.0, false),
                ("m²", 80.0, true),
                ("Personen", 80.0, true),
            ],
            &rows,
            true,
        );
        pg.para(L, y + 6.0, R - L, c.font, 9.0, "Die Belege können nach vorheriger Terminvereinbarung in unseren Geschäftsräumen eingesehen werden. Einwendungen sind innerhalb von zwölf Monaten nach Zugang der Abrechnung geltend zu machen.");
        out.push(pg);
    }
    out
}

fn energie(c: &mut Ctx, pages: usize) -> Vec<Page> {
    let gas = c.chance(0.4);
    let mut s = firm(
        c,
        &[
            "Stadtwerke Weserland GmbH",
            "Energieversorgung Mühlenkreis AG",
        ],
        "Kundenzentrum, Ringstraße 2",
        "32427 Minden",
    );
    s.own
        .push(("Vertragskonto:".into(), format!("{:012}", c.r(999_999_999))));
    s.own.push((
        "Zählernummer:".into(),
        format!("{}{:08}", if gas { "G" } else { "1ESY" }, c.r(99_999_999)),
    ));
    let subject = format!(
        "Jahresabrechnung {} 2025/2026",
        if gas { "Erdgas" } else { "Strom" }
    );
    let (mut pg, y) = letter(c, &s, true, &subject);
    let f = c.font;
    let old = c.r(40_000);
    let used = if gas {
        6_000 + c.r(9_000)
    } else {
        1_200 + c.r(2_500)
    };
    let ct = if gas { 11.9 } else { 36.4 };
    let rows = vec![
        vec![
            "Zählerstand alt (01.10.2025)".into(),
            format!("{old}"),
            String::new(),
        ],
        vec![
            "Zählerstand neu (30.09.2026)".into(),
            format!("{}", old + used),
            String::new(),
        ],
        vec!["Verbrauch".into(), format!("{used} kWh"), String::new()],
        vec![
            format!("Arbeitspreis {ct:.2} ct/kWh").replace('.', ","),
            String::new(),
            eur((used as f32 * ct) as i64),
        ],
        vec!["Grundpreis 12 Monate".into(), String::new(), eur(14_388)],
    ];
    let grid = c.chance(0.5);
    let mut y = table(
        c,
        &mut pg,
        y,
        &[
            ("Position", 220.0, false),
            ("Menge", 110.0, true),
            ("Betrag €", 110.0, true),
        ],
        &rows,
        grid,
    );
    let total = (used as f32 * ct) as i64 + 14_388;
    let paid = c.cents(total * 8 / 10, total * 12 / 10);
    let diff = total - paid;
    for (l, v) in [
        ("Gesamtbetrag brutto".to_owned(), total),
        ("abzüglich geleistete Abschläge".to_owned(), -paid),
        (
            if diff > 0 {
                "Nachzahlung".to_owned()
            } else {
                "Guthaben".to_owned()
            },
            diff.abs(),
        ),
    ] {
        pg.text(L + 200.0, y, f.bold(), 9.5, &l);
        pg.text_right(R, y, f.bold(), 9.5, &format!("{} €", eur(v)));
        y += 13.0;
    }
    pg.para(L, y + 10.0, R - L, f, 10.0, &format!("Ihr neuer monatlicher Abschlag beträgt ab Dezember 2026 {} €. Wir buchen den Betrag wie gewohnt von Ihrem Konto ab.", eur(total / 11)));
    let mut out = vec![pg];
    for i in 1..pages {
        let name = s.name.clone();
        let (mut pg, y) = follow(c, &name, i, pages);
        let rows: Vec<Vec<String>> = [
            "Dez", "Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt",
        ]
        .iter()
        .map(|m| vec![format!("Abschlag {m}"), eur(total / 11)])
        .collect();
        let y = table(
            c,
            &mut pg,
            y,
            &[("Abschlagsplan", 200.0, false), ("Betrag €", 100.0, true)],
            &rows,
            true,
        );
        pg.para(L, y, R - L, c.font, 8.0, "Informationen nach § 40 EnWG: Ihr Verbrauch im Vergleich zum Vorjahr und zu Vergleichskundengruppen finden Sie auf der Rückseite. Streitbeilegung: Schlichtungsstelle Energie e. V.");
        out.push(pg);
    }
    out
}

fn au(c: &mut Ctx) -> Vec<Page> {
    // Muster 1: a small form, printed in a box on the upper part of the page.
    let mut pg = Page::new();
    let f = Font::Cour;
    pg.tone = 0.0;
    let (x0, y0) = (L, 70.0);
    pg.rect(x0, y0, 300.0, 330.0, 1.0);
    pg.text(
        x0 + 8.0,
        y0 + 16.0,
        Font::HelvB,
        10.0,
        "Arbeitsunfähigkeitsbescheinigung",
    );
    pg.text(
        x0 + 8.0,
        y0 + 27.0,
        Font::Helv,
        6.5,
        "Ausfertigung zur Vorlage bei der Krankenkasse / beim Jobcenter",
    );
    pg.field(
        x0 + 8.0,
        y0 + 34.0,
        284.0,
        20.0,
        "Krankenkasse bzw. Kostenträger",
        "Nordwest Gesundheitskasse",
        f,
    );
    let name = format!("{}, {}", c.nachname(), c.vorname());
    let name = if name == ", " { String::new() } else { name };
    let street = c.street().unwrap_or_default();
    let town = c.town().unwrap_or_default();
    pg.rect(x0 + 8.0, y0 + 58.0, 284.0, 54.0, 0.6);
    pg.text(
        x0 + 10.0,
        y0 + 65.0,
        Font::Helv,
        6.0,
        "Name, Vorname des Versicherten",
    );
    pg.text(x0 + 12.0, y0 + 77.0, f, 9.5, &name);
    pg.text(x0 + 12.0, y0 + 89.0, f, 9.5, &street);
    pg.text(x0 + 12.0, y0 + 101.0, f, 9.5, &town);
    let geb = c.birth_plain();
    pg.text(x0 + 200.0, y0 + 65.0, Font::Helv, 6.0, "geb. am");
    pg.text(x0 + 200.0, y0 + 77.0, f, 9.5, &geb);
    let vnr = format!("{}{:09}", c.p(&["A", "K", "M"]), c.r(999_999_999));
    pg.field(
        x0 + 8.0,
        y0 + 116.0,
        100.0,
        20.0,
        "Kostenträgerkennung",
        &format!("10{:07}", c.r(9_999_999)),
        f,
    );
    pg.field(
        x0 + 110.0,
        y0 + 116.0,
        110.0,
        20.0,
        "Versicherten-Nr.",
        &vnr,
        f,
    );
    pg.field(x0 + 222.0, y0 + 116.0, 70.0, 20.0, "Status", "1000000", f);
    pg.field(
        x0 + 8.0,
        y0 + 140.0,
        100.0,
        20.0,
        "Betriebsstätten-Nr.",
        &format!("{:09}", c.r(999_999_999)),
        f,
    );
    pg.field(
        x0 + 110.0,
        y0 + 140.0,
        110.0,
        20.0,
        "Arzt-Nr.",
        &format!("{:09}", c.r(999_999_999)),
        f,
    );
    pg.field(x0 + 222.0, y0 + 140.0, 70.0, 20.0, "Datum", &c.today(), f);
    let first = c.chance(0.6);
    pg.checkbox(x0 + 10.0, y0 + 178.0, first, "Erstbescheinigung");
    pg.checkbox(x0 + 150.0, y0 + 178.0, !first, "Folgebescheinigung");
    let since = d2(c.before(6));
    let until = d2((c.date.0.min(20) + 7, c.date.1, c.date.2));
    pg.text(
        x0 + 10.0,
        y0 + 200.0,
        Font::Helv,
        8.0,
        "arbeitsunfähig seit",
    );
    pg.text(x0 + 160.0, y0 + 200.0, f, 10.0, &since);
    pg.text(
        x0 + 10.0,
        y0 + 216.0,
        Font::Helv,
        8.0,
        "voraussichtlich arbeitsunfähig bis einschließlich",
    );
    pg.text(x0 + 200.0, y0 + 216.0, f, 10.0, &until);
    pg.text(x0 + 10.0, y0 + 232.0, Font::Helv, 8.0, "festgestellt am");
    pg.text(x0 + 160.0, y0 + 232.0, f, 10.0, &c.today());
    pg.text(x0 + 10.0, y0 + 252.0, Font::Helv, 8.0, "Diagnose (ICD-10)");
    pg.text(
        x0 + 110.0,
        y0 + 252.0,
        f,
        10.0,
        &c.p(&["J06.9 G", "M54.5 G", "K52.9 G", "F32.1 G"]),
    );
    pg.stamp(
        x0 + 150.0,
        y0 + 300.0,
        2.0,
        &[
            "Dr. med. Ingrid Wehrmann".into(),
            "Allgemeinmedizin".into(),
            "Portastraße 88 · 32429 Minden".into(),
        ],
    );
    let ids = c.ids(0);
    if !ids.is_empty() {
        let y = c.put_pairs(&mut pg, x0 + 320.0, y0 + 60.0, 8.5, &ids);
        let _ = y;
    }
    vec![pg]
}

fn bescheid(c: &mut Ctx, pages: usize) -> Vec<Page> {
    let which = c.r(5);
    let (name, subject, own, paras): (&str, &str, (&str, String), Vec<String>) = match which {
        0 => ("Familienkasse Weser-Lippe", "Bescheid über Kindergeld", ("Kindergeld-Nr.:", format!("{:03}FK{:06}", c.r(999), c.r(999_999))), vec![
            "für die nachstehend genannten Kinder wird Ihnen Kindergeld nach dem Einkommensteuergesetz (EStG) in Höhe von monatlich 259,00 € je Kind festgesetzt.".into(),
            "Die Festsetzung gilt ab Januar 2026. Das Kindergeld wird auf das uns benannte Konto überwiesen.".into(),
            "Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Einspruch eingelegt werden.".into(),
        ]),
        1 => ("Deutsche Rentenversicherung Weserbergland", "Rentenbescheid - Rente wegen voller Erwerbsminderung", ("Versicherungsnummer:", format!("{:02} {:06} {} {:03}", 10 + c.r(80), c.r(999_999), c.p(&["M", "S", "K"]), c.r(999))), vec![
            format!("auf Ihren Antrag vom {} erhalten Sie Rente wegen voller Erwerbsminderung.", d2(c.before(60))),
            format!("Die Rente beginnt am 01.{:02}.2026. Die monatliche Rente beträgt {} €; nach Abzug der Beiträge zur Kranken- und Pflegeversicherung werden {} € ausgezahlt.", 1 + c.r(10), eur(c.cents(60_000, 140_000)), eur(c.cents(50_000, 120_000))),
            "Die Rente ist befristet bis zum 31.10.2029.".into(),
        ]),
        2 => ("Stadt Minden - Wohngeldstelle", "Bescheid über Wohngeld (Mietzuschuss)", ("Aktenzeichen:", format!("50.2-WG-{:05}/26", c.r(99999))), vec![
            format!("auf Ihren Antrag wird Ihnen für den Zeitraum 01.{:02}.2026 bis 31.{:02}.2027 Wohngeld in Höhe von monatlich {} € bewilligt.", 1 + c.r(10), 1 + c.r(10), eur(c.cents(5_000, 40_000))),
            "Bei der Berechnung wurden zwei zu berücksichtigende Haushaltsmitglieder und ein Gesamteinkommen von 1.412,00 € zugrunde gelegt.".into(),
            "Sie sind verpflichtet, Änderungen der Miete oder des Einkommens unverzüglich mitzuteilen.".into(),
        ]),
        3 => ("Kreis Minden-Lübbecke - Jugendamt, Unterhaltsvorschusskasse", "Bescheid über Leistungen nach dem Unterhaltsvorschussgesetz", ("Geschäftszeichen:", format!("51.3-UV-{:04}", c.r(9999))), vec![
            "für Ihr Kind werden ab dem 01.10.2026 Leistungen nach dem Unterhaltsvorschussgesetz in Höhe von monatlich 227,00 € bewilligt.".into(),
            "Das Kindergeld wurde in voller Höhe angerechnet. Die Zahlung erfolgt monatlich im Voraus.".into(),
        ]),
        _ => ("Studierendenwerk Weserbergland - Amt für Ausbildungsförderung", "Bescheid über Ausbildungsförderung nach dem BAföG", ("Förderungsnummer:", format!("{:03} {:05} {:02}", c.r(999), c.r(99999), c.r(99))), vec![
            "für den Bewilligungszeitraum 10/2026 bis 09/2027 wird Ihnen Ausbildungsförderung in Höhe von monatlich 855,00 € geleistet, davon 50 % als Zuschuss und 50 % als unverzinsliches Staatsdarlehen.".into(),
            "Einkommen der Eltern wurde in Höhe von 0,00 € angerechnet.".into(),
        ]),
    };
    let s = Sender {
        name: name.into(),
        lines: vec![
            "Postfach 30 11".into(),
            "32423 Minden".into(),
            "Servicetelefon 0800 455 5530".into(),
        ],
        own: vec![(own.0.into(), own.1)],
    };
    let (mut pg, y) = letter(c, &s, true, subject);
    let greeting = match (c.n.female, c.n.nachname.clone(), c.n.family) {
        (true, Some(n), false) => format!("Sehr geehrte Frau {n},"),
        (false, Some(n), false) => format!("Sehr geehrter Herr {n},"),
        _ => "Sehr geehrte Damen und Herren,".into(),
    };
    let mut y = body(c, &mut pg, y, &[greeting]);
    if let Some(b) = c.birth() {
        let nm = c.name().unwrap_or_default();
        y = body(c, &mut pg, y, &[format!("betrifft: {nm}, geboren am {b}")]);
    }
    let split = if pages > 1 { 2 } else { paras.len() };
    y = body(c, &mut pg, y, &paras[..split.min(paras.len())]);
    let _ = y;
    let mut out = vec![pg];
    for i in 1..pages {
        let (mut pg, y) = follow(c, name, i, pages);
        let rest: Vec<String> = if i == 1 && split < paras.len() {
            paras[split..].to_vec()
        } else {
            vec!["Berechnung im Einzelnen: siehe Anlage. Dieser Bescheid wurde maschinell erstellt und ist ohne Unterschrift gültig.".into()]
        };
        let y = body(c, &mut pg, y, &rest);
        let rows: Vec<Vec<String>> = (0..4)
            .map(|k| vec![format!("{:02}/2026", 9 + k), eur(c.cents(20_000, 90_000))])
            .collect();
        table(
            c,
            &mut pg,
            y + 6.0,
            &[("Monat", 120.0, false), ("Betrag €", 100.0, true)],
            &rows,
            true,
        );
        out.push(pg);
    }
    out
}

fn ausweis(c: &mut Ctx) -> Vec<Page> {
    let mut pg = Page::new();
    let kind = c.r(3);
    if kind == 2 {
        // Meldebescheinigung.
        let s = Sender {
            name: "Stadt Minden - Bürgerbüro".into(),
            lines: vec!["Kleiner Domhof 17".into(), "32423 Minden".into()],
            own: vec![],
        };
        let (mut pg, y) = letter(
            c,
            &s,
            false,
            "Meldebescheinigung (einfach) gemäß § 18 Abs. 1 Bundesmeldegesetz",
        );
        let f = c.font;
        let nm = c.name().unwrap_or_default();
        let b = c.birth().unwrap_or_default();
        let st = c.street().unwrap_or_default();
        let tw = c.town().unwrap_or_default();
        let rows = vec![
            ("Familienname, Vorname:".to_owned(), nm),
            ("Geburtsdatum:".to_owned(), b),
            (
                "Anschrift (Hauptwohnung):".to_owned(),
                format!("{st}, {tw}").trim_matches([',', ' ']).to_owned(),
            ),
            (
                "Einzugsdatum:".to_owned(),
                d2((1, 1 + c.r(11) as u32, 2010 + c.r(16) as i32)),
            ),
        ];
        let y = c.put_pairs(&mut pg, L, y, 10.0, &rows);
        pg.para(
            L,
            y + 10.0,
            R - L,
            f,
            9.0,
            "Diese Bescheinigung wurde elektronisch erstellt und ist ohne Unterschrift gültig.",
        );
        pg.stamp(
            L + 260.0,
            y + 60.0,
            -4.0,
            &["STADT MINDEN".into(), "Bürgerbüro".into()],
        );
        return vec![pg];
    }
    // A copy of an ID card or residence permit, both sides on one page.
    let title = if kind == 0 {
        "BUNDESREPUBLIK DEUTSCHLAND   PERSONALAUSWEIS"
    } else {
        "AUFENTHALTSTITEL   RESIDENCE PERMIT"
    };
    let (x, y) = (L + 40.0, 90.0);
    pg.rect(x, y, 245.0, 155.0, 1.2);
    pg.fill(x + 10.0, y + 30.0, 70.0, 90.0, 0.55);
    pg.text(x + 8.0, y + 16.0, Font::HelvB, 7.5, title);
    let f = Font::Sans;
    let nach = c.nachname().to_uppercase();
    let vor = c.vorname().to_uppercase();
    let geb = c.birth_plain();
    pg.text(x + 90.0, y + 36.0, Font::Helv, 5.5, "Name / Surname");
    pg.text(x + 90.0, y + 46.0, f, 9.0, &nach);
    pg.text(
        x + 90.0,
        y + 60.0,
        Font::Helv,
        5.5,
        "Vornamen / Given names",
    );
    pg.text(x + 90.0, y + 70.0, f, 9.0, &vor);
    pg.text(
        x + 90.0,
        y + 84.0,
        Font::Helv,
        5.5,
        "Geburtstag / Date of birth",
    );
    pg.text(x + 90.0, y + 94.0, f, 9.0, &geb);
    pg.text(
        x + 90.0,
        y + 108.0,
        Font::Helv,
        5.5,
        "Staatsangehörigkeit / Nationality",
    );
    pg.text(
        x + 90.0,
        y + 118.0,
        f,
        9.0,
        if kind == 0 { "DEUTSCH" } else { "UKR" },
    );
    pg.text(
        x + 90.0,
        y + 132.0,
        Font::Helv,
        5.5,
        "Gültig bis / Date of expiry",
    );
    pg.text(
        x + 90.0,
        y + 142.0,
        f,
        9.0,
        &format!("{:02}.{:02}.{}", 1 + c.r(28), 1 + c.r(12), 2027 + c.r(8)),
    );
    // Back side with address and the machine readable zone.
    let y2 = y + 185.0;
    pg.rect(x, y2, 245.0, 155.0, 1.2);
    pg.text(x + 8.0, y2 + 20.0, Font::Helv, 5.5, "Anschrift / Address");
    let st = c.street().unwrap_or_default().to_uppercase();
    let tw = c.town().unwrap_or_default().to_uppercase();
    pg.text(x + 8.0, y2 + 32.0, f, 8.5, &tw);
    pg.text(x + 8.0, y2 + 43.0, f, 8.5, &st);
    let mrz_name = format!(
        "{}<<{}",
        super::page::latinise(&nach).replace([' ', '-'], "<"),
        super::page::latinise(&vor).replace([' ', '-'], "<")
    );
    let mrz1 = format!(
        "{}D<<T{:08}<<<<<<<<<<<<<<<",
        if kind == 0 { "ID" } else { "AR" },
        c.r(99_999_999)
    );
    let mrz3 = format!("{mrz_name:<<30}");
    pg.text(x + 8.0, y2 + 115.0, Font::Mono, 8.0, &mrz1);
    pg.text(
        x + 8.0,
        y2 + 127.0,
        Font::Mono,
        8.0,
        &format!(
            "{:06}{}<{}",
            c.r(999_999),
            c.r(9),
            "2908155D<<<<<<<<<<<<<<4"
        ),
    );
    pg.text(
        x + 8.0,
        y2 + 139.0,
        Font::Mono,
        8.0,
        &mrz3.chars().take(30).collect::<String>(),
    );
    let ids = c.ids(0);
    if !ids.is_empty() {
        c.put_pairs(&mut pg, L, y2 + 220.0, 10.0, &ids);
    }
    vec![pg]
}

fn bewerbungen(c: &mut Ctx, pages: usize) -> Vec<Page> {
    let mut out = Vec::new();
    for i in 0..pages {
        let mut pg = Page::new();
        let f = c.font;
        pg.text(L, 60.0, f.bold(), 14.0, "Nachweis der Eigenbemühungen");
        pg.text(
            L,
            76.0,
            f,
            9.0,
            &format!(
                "gemäß Eingliederungsvereinbarung / Kooperationsplan - Zeitraum {} 2026",
                c.p(&["September", "Oktober", "November"])
            ),
        );
        let mut y = 96.0;
        if i == 0 {
            let nm = c.name().unwrap_or_default();
            let mut pairs = vec![("Name:".to_owned(), nm)];
            if let Some(b) = c.birth() {
                pairs.push(("Geburtsdatum:".into(), b));
            }
            if let Some(s) = c.street() {
                let t = c.town().unwrap_or_default();
                pairs.push(("Anschrift:".into(), format!("{s}, {t}")));
            }
            y = c.put_pairs(&mut pg, L, y, 9.5, &pairs);
        }
        y = c.put_ids(&mut pg, i, L, y, 9.5) + 8.0;
        let rows: Vec<Vec<String>> = (0..(6 + c.r(8)))
            .map(|_| {
                vec![
                    d2(c.before(28)),
                    c.p(&[
                        "Spedition Habighorst",
                        "Hotel Weserblick",
                        "Kaufhaus am Markt",
                        "Zeitarbeit Porta GmbH",
                        "Seniorenheim Abendrot",
                        "Getränke Lüking",
                    ]),
                    c.p(&[
                        "Lagerhelfer/in",
                        "Reinigungskraft",
                        "Verkäufer/in",
                        "Küchenhilfe",
                        "Fahrer/in B",
                    ]),
                    c.p(&["online", "schriftlich", "persönlich", "telefonisch"]),
                    c.p(&["Absage", "offen", "Vorstellungsgespräch", "keine Antwort"]),
                ]
            })
            .collect();
        let hand = c.chance(0.4);
        if hand {
            // Filled in by hand into a printed grid.
            let empty: Vec<Vec<String>> = rows.iter().map(|_| vec![String::new(); 5]).collect();
            let cols = [
                ("Datum", 60.0, false),
                ("Arbeitgeber", 140.0, false),
                ("Stelle", 110.0, false),
                ("Art", 70.0, false),
                ("Ergebnis", 80.0, false),
            ];
            let top = y;
            table(c, &mut pg, y, &cols, &empty, true);
            for (r, row) in rows.iter().enumerate() {
                let mut x = L + 3.0;
                for (k, cell) in row.iter().enumerate() {
                    pg.hand(c.rng, x, top + 14.0 + r as f32 * 14.0 + 10.5, 8.5, cell);
                    x += cols[k].1;
                }
            }
        } else {
            table(
                c,
                &mut pg,
                y,
                &[
                    ("Datum", 60.0, false),
                    ("Arbeitgeber", 140.0, false),
                    ("Stelle", 110.0, false),
                    ("Art", 70.0, false),
                    ("Ergebnis", 80.0, false),
                ],
                &rows,
                true,
            );
        }
        out.push(pg);
    }
    out
}

fn einkommen(c: &mut Ctx, pages: usize) -> Vec<Page> {
    let mut pg = Page::new();
    let mut y = form_head(
        c,
        &mut pg,
        "Einkommensbescheinigung (Anlage EK)",
        "Vom Arbeitgeber auszufüllen. Bescheinigung über das Arbeitsentgelt nach § 58 SGB II. Die Angaben sind zur Berechnung der Leistungen erforderlich.",
        1,
    );
    pg.text(L, y, Font::HelvB, 10.0, "Angaben zur beschäftigten Person");
    y = person_fields(c, &mut pg, y + 8.0);
    let f = fill_font(c);
    let emp = c.p(&[
        "Bäckerei Oberdiek GmbH, Industriestraße 7, 32479 Hille",
        "Gebäudereinigung Glanzwerk UG, Am Hafen 9, 32423 Minden",
        "Pflegedienst Lichtblick, Sedanstraße 3, 32423 Minden",
    ]);
    pg.field(L, y, 460.0, 26.0, "Arbeitgeber (Name, Anschrift)", &emp, f);
    let since = d2((1, 1 + c.r(11) as u32, 2020 + c.r(7) as i32));
    pg.field(L, y + 30.0, 150.0, 26.0, "beschäftigt seit", &since, f);
    pg.field(
        L + 155.0,
        y + 30.0,
        150.0,
        26.0,
        "wöchentliche Arbeitszeit (Std.)",
        &format!("{}", 10 + c.r(30)),
        f,
    );
    pg.field(
        L + 310.0,
        y + 30.0,
        150.0,
        26.0,
        "Art der Beschäftigung",
        &c.p(&["Minijob", "Teilzeit", "Vollzeit", "Midijob"]),
        f,
    );
    y += 70.0;
    let rows: Vec<Vec<String>> = ["Juli", "August", "September", "Oktober"]
        .iter()
        .map(|m| {
            let b = c.cents(40_000, 200_000);
            vec![
                format!("{m} 2026"),
                eur(b),
                eur(b * 80 / 100),
                d2((28, 1 + c.r(11) as u32, 2026)),
            ]
        })
        .collect();
    pg.text(L, y, Font::HelvB, 10.0, "Arbeitsentgelt");
    y = table(
        c,
        &mut pg,
        y + 6.0,
        &[
            ("Monat", 110.0, false),
            ("Brutto €", 110.0, true),
            ("Netto €", 110.0, true),
            ("ausgezahlt am", 110.0, false),
        ],
        &rows,
        true,
    );
    pg.stamp(
        L + 250.0,
        y + 40.0,
        3.0,
        &["Bäckerei Oberdiek GmbH".into(), "Lohnbuchhaltung".into()],
    );
    let mut out = vec![pg];
    for i in 1..pages {
        let mut pg = Page::new();
        let mut y = form_head(
            c,
            &mut pg,
            "Einkommensbescheinigung (Anlage EK)",
            "Fortsetzung",
            i + 1,
        );
        for q in [
            "Werden Sonderzahlungen (Urlaubs-, Weihnachtsgeld) gezahlt?",
            "Besteht Anspruch auf Entgeltfortzahlung im Krankheitsfall?",
            "Ist das Arbeitsverhältnis gekündigt?",
        ] {
            y = yes_no(c, &mut pg, y, q);
        }
        out.push(pg);
    }
    out
}

fn note(c: &mut Ctx) -> Vec<Page> {
    // A hand-written note or a greeting card text.
    let mut pg = Page::new();
    let mut y = 90.0;
    let texts = if c.n.has_person() {
        vec![
            "Hallo liebes Jobcenter,".to_owned(),
            "anbei die Unterlagen die noch".to_owned(),
            "gefehlt haben. Die Bescheinigung".to_owned(),
            "vom Arzt reiche ich nach.".to_owned(),
            "Bitte rufen Sie mich an.".to_owned(),
            "Danke und Gruß".to_owned(),
        ]
    } else {
        vec![
            "Frohe Weihnachten".to_owned(),
            "und ein gutes neues Jahr".to_owned(),
            "wünschen Euch".to_owned(),
            "Oma und Opa".to_owned(),
        ]
    };
    for t in &texts {
        pg.hand(c.rng, L + 10.0, y, 17.0, t);
        y += 30.0;
    }
    if let Some(n) = c.name() {
        pg.hand(c.rng, L + 10.0, y, 17.0, &n);
        y += 28.0;
    }
    if let Some(s) = c.street() {
        pg.hand(c.rng, L + 10.0, y, 15.0, &s);
        y += 25.0;
    }
    if let Some(t) = c.town() {
        pg.hand(c.rng, L + 10.0, y, 15.0, &t);
        y += 25.0;
    }
    if let Some(b) = c.birth() {
        pg.hand(c.rng, L + 10.0, y, 15.0, &format!("geb. {b}"));
        y += 25.0;
    }
    let ids = c.ids(0);
    for (l, v) in ids {
        pg.hand(
            c.rng,
            L + 10.0,
            y,
            15.0,
            &format!("{l} {}", v.replace('\n', " ")),
        );
        y += 25.0;
    }
    vec![pg]
}

/// Composes the pages of one document.
pub fn compose(rng: &mut Rng, class: &str, n: &Naming, pages: usize, fax: bool) -> Vec<Page> {
    let font = body_font(rng);
    let date = (1 + rng.below(28) as u32, 9 + rng.below(3) as u32, 2026);
    let mut c = Ctx {
        rng,
        n,
        font,
        date,
        id_done: false,
        used_name: false,
        used_street: false,
        used_birth: false,
    };
    let mut out = match class {
        "hauptantrag" => hauptantrag(&mut c, pages),
        "weiterbewilligungsantrag"
        | "anlage_kdu"
        | "anlage_vm"
        | "anlage_eks"
        | "veraenderungsmitteilung" => form_generic(&mut c, class, pages),
        "einkommensbescheinigung" => einkommen(&mut c, pages),
        "kontoauszug" => kontoauszug(&mut c, pages),
        "lohnabrechnung" => lohnabrechnung(&mut c, pages),
        "mietvertrag" => mietvertrag(&mut c, pages),
        "nebenkostenabrechnung" => nebenkosten(&mut c, pages),
        "energieabrechnung" => energie(&mut c, pages),
        "arbeitsunfaehigkeit" => au(&mut c),
        "bescheid_andere_stelle" => bescheid(&mut c, pages),
        "ausweisdokument" => ausweis(&mut c),
        "bewerbungsnachweis" if c.rng.chance(0.6) => bewerbungen(&mut c, pages),
        "sonstiges" if n.has_person() || c.rng.chance(0.4) => note(&mut c),
        _ => simple_letter(&mut c, class, pages),
    };
    out.truncate(pages.max(1));
    while out.len() < pages {
        let mut pg = Page::new();
        pg.para(L, 80.0, R - L, c.font, 10.0, "- Fortsetzung / Anlage -");
        out.push(pg);
    }
    // What the template did not print, the person writes on by hand
    // (job centres ask people to write name and number on every sheet).
    let mut extra = Vec::new();
    if !c.used_name
        && let Some(nm) = n.name()
    {
        extra.push(nm);
    }
    if !c.used_street
        && let Some(s) = n.street.clone()
    {
        extra.push(format!("{s}, {}", n.town.clone().unwrap_or_default()));
    }
    if !c.used_birth
        && let Some(b) = n.birth.clone()
    {
        extra.push(format!("geb. {b}"));
    }
    let id_page = n.id_page.min(out.len() - 1);
    let mut hand_lines: Vec<(usize, String)> = extra.into_iter().map(|e| (0, e)).collect();
    if !c.id_done {
        for i in n.bg.iter().chain(n.kd.iter()) {
            for (k, part) in format!("{} {}", i.label, i.text)
                .trim()
                .split('\n')
                .enumerate()
            {
                let _ = k;
                hand_lines.push((id_page, part.to_owned()));
            }
        }
    }
    let mut ys = vec![30.0f32; out.len()];
    for (p, line) in hand_lines {
        let x = 300.0 + c.rng.unit() * 20.0;
        let y = ys[p] + 4.0;
        out[p].hand(c.rng, x, y + 6.0, 11.5, &line);
        ys[p] = y + 14.0;
    }
    // Fax header on every page, the receiving stamp on the first.
    if fax {
        let total = out.len();
        let sender = c.rng.pick(&[
            "Kanzlei Kemper",
            "Praxis Dr. Wehrmann",
            "Hausverw. Ploeger",
            "Fam.kasse",
        ]);
        let t = format!("{:02}:{:02}", 7 + c.rng.below(10), c.rng.below(60));
        for (i, pg) in out.iter_mut().enumerate() {
            let head = format!(
                "{:02}.{:02}.{:02} {t} FAX 0571 {:06}   {sender:<22}   S. {}/{}",
                date.0,
                date.1,
                date.2 % 100,
                c.rng.below(999_999),
                i + 1,
                total
            );
            pg.text(30.0, 14.0, Font::Cour, 7.5, &head);
        }
    }
    if c.rng.chance(0.3) {
        let day = (date.0 + 2).min(28);
        let mon = ["Sep.", "Okt.", "Nov."][(date.1 - 9) as usize];
        let colour = if c.rng.chance(0.5) {
            [190, 30, 40]
        } else {
            [40, 60, 170]
        };
        let pg = &mut out[0];
        pg.ink_colour = colour;
        let x = 330.0 + c.rng.unit() * 60.0;
        let y = 230.0 + c.rng.unit() * 150.0;
        let angle = c.rng.unit() * 12.0;
        pg.stamp(
            x,
            y,
            angle,
            &[
                "Jobcenter Mühlenkreis".into(),
                format!("Eingegangen {day}. {mon} 2026"),
                "Posteingang".into(),
            ],
        );
    }
    out
}
