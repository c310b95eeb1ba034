//! The invented case register: households (Bedarfsgemeinschaften) of one to
//! four persons with German and non-German names, two versions (an older
//! export and the current one), and the traps a clerk knows: namesakes,
//! parents and an adult child in one house, numbers one digit apart,
//! people who moved, households that are new.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::Rng;

/// An address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Street name without number.
    pub street: String,
    /// House number.
    pub number: String,
    /// Postcode.
    pub plz: String,
    /// Town.
    pub town: String,
}

impl Address {
    /// "Lindenstraße 12".
    pub fn street_line(&self) -> String {
        format!("{} {}", self.street, self.number)
    }
    /// "32423 Minden".
    pub fn town_line(&self) -> String {
        format!("{} {}", self.plz, self.town)
    }
}

/// A person of a household.
#[derive(Debug, Clone)]
pub struct Member {
    /// Kundennummer, canonical.
    pub kdnr: String,
    /// Family name.
    pub nachname: String,
    /// Given name.
    pub vorname: String,
    /// Day, month, year of birth.
    pub born: (u32, u32, i32),
    /// Female.
    pub female: bool,
}

impl Member {
    /// "Vorname Nachname".
    pub fn full(&self) -> String {
        format!("{} {}", self.vorname, self.nachname)
    }
    /// Age at the end of 2026.
    pub fn age(&self) -> i32 {
        2026 - self.born.2
    }
}

/// A household.
#[derive(Debug, Clone)]
pub struct Household {
    /// Canonical BG-Nummer.
    pub bg: String,
    /// The persons, the head first.
    pub members: Vec<Member>,
    /// Current address.
    pub address: Address,
    /// Address in the older export, if the household moved since.
    pub old_address: Option<Address>,
    /// Absent from the older export.
    pub new: bool,
}

/// The register with its traps.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// Every household.
    pub households: Vec<Household>,
    /// Heads with the same name in two households: (a, b, same town).
    pub namesakes: Vec<(usize, usize, bool)>,
    /// Two households with one surname at one address: (parents, adult child).
    pub same_address: Vec<(usize, usize)>,
    /// Households that moved between the exports.
    pub moved: Vec<usize>,
}

const TOWNS: &[(&str, &str)] = &[
    ("32423", "Minden"),
    ("32425", "Minden"),
    ("32427", "Minden"),
    ("32429", "Minden"),
    ("32457", "Porta Westfalica"),
    ("32469", "Petershagen"),
    ("32479", "Hille"),
    ("32312", "Lübbecke"),
    ("32339", "Espelkamp"),
    ("32545", "Bad Oeynhausen"),
    ("32547", "Bad Oeynhausen"),
    ("32584", "Löhne"),
];

const STREETS: &[&str] = &[
    "Lindenstraße",
    "Bahnhofstraße",
    "Hauptstraße",
    "Kirchweg",
    "Am Mühlenbach",
    "Goethestraße",
    "Schillerplatz",
    "Königstraße",
    "Marienwall",
    "Portastraße",
    "Ringstraße",
    "Friedrich-Ebert-Straße",
    "Weserstraße",
    "Am Sandtrift",
    "Hermannstraße",
    "Bäckerstraße",
    "Stiftsallee",
    "Rosenweg",
    "Birkenallee",
    "Grüner Weg",
    "Heidestraße",
    "Im Dorfe",
    "Zum Sportplatz",
    "Dr.-Külz-Straße",
    "Fischerglacis",
    "Kuhlenstraße",
    "Am Weißen Stein",
    "Große Heide",
    "Brühlstraße",
    "Hahler Straße",
    "Sedanstraße",
    "An der Schäferei",
    "Mittelweg",
    "Drabertstraße",
    "Ulmenstraße",
    "Wittekindsallee",
    "Klausenwall",
    "Gartenstraße",
    "Hafenstraße",
    "Pöttcherstraße",
];

struct Origin {
    surnames: &'static [&'static str],
    male: &'static [&'static str],
    female: &'static [&'static str],
    weight: usize,
}

const ORIGINS: &[Origin] = &[
    Origin {
        surnames: &[
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
            "Krause",
            "Lehmann",
            "Köhler",
            "König",
            "Weiß",
            "Groß",
            "Brökelmann",
            "Niehaus",
            "Oberdiek",
            "Rehling",
            "Kleine-Wächter",
            "Meyer zu Hartum",
            "Große-Kathöfer",
            "von Bergen",
            "von der Heyde",
            "de Vries",
            "Düsterhöft",
            "Strüßmann",
            "Fuß",
            "Jäger",
            "Büscher",
        ],
        male: &[
            "Thomas",
            "Michael",
            "Andreas",
            "Stefan",
            "Jürgen",
            "Uwe",
            "Dirk",
            "Sven",
            "Jörg",
            "Kevin",
            "Dennis",
            "Marcel",
            "Lukas",
            "Jonas",
            "Leon",
            "Finn",
            "Paul",
            "Ben",
            "Maximilian",
            "Hans-Peter",
            "Karl-Heinz",
            "Björn",
        ],
        female: &[
            "Sabine",
            "Petra",
            "Claudia",
            "Nicole",
            "Stefanie",
            "Jessica",
            "Jennifer",
            "Sandra",
            "Anja",
            "Birgit",
            "Marie",
            "Sophie",
            "Emma",
            "Lea",
            "Hannah",
            "Mia",
            "Lena",
            "Anna-Lena",
            "Jana",
            "Jörgine",
            "Gülsen",
            "Käthe",
        ],
        weight: 10,
    },
    Origin {
        surnames: &[
            "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir",
            "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Koç", "Kurt", "Özkan", "Şimşek",
        ],
        male: &[
            "Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "Emre", "Murat",
            "Yusuf", "Can", "Eren",
        ],
        female: &[
            "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Merve", "Özlem", "Gülsüm",
            "Esra", "Derya",
        ],
        weight: 4,
    },
    Origin {
        surnames: &[
            "Nowak",
            "Kowalczyk",
            "Wójcik",
            "Mazur",
            "Krawczyk",
            "Woźniak",
            "Kowalski",
            "Wiśniewski",
            "Lewandowski",
            "Zieliński",
            "Dąbrowski",
            "Kozłowski",
            "Grabowski",
            "Pawłowski",
        ],
        male: &[
            "Łukasz",
            "Piotr",
            "Krzysztof",
            "Tomasz",
            "Paweł",
            "Michał",
            "Marek",
            "Jakub",
            "Bartosz",
        ],
        female: &[
            "Agnieszka",
            "Małgorzata",
            "Katarzyna",
            "Joanna",
            "Magdalena",
            "Anna",
            "Zofia",
            "Ewa",
        ],
        weight: 3,
    },
    Origin {
        surnames: &[
            "Al-Hassan",
            "Haddad",
            "Khalil",
            "Mansour",
            "Nasser",
            "Saleh",
            "Abdullah",
            "Hamdan",
            "Al-Khatib",
            "Darwish",
            "Youssef",
            "Othman",
            "Suleiman",
            "El-Amin",
            "Abu Zaid",
        ],
        male: &[
            "Mohammed", "Ahmad", "Omar", "Khaled", "Yousef", "Mahmoud", "Tarek", "Hamza", "Samir",
        ],
        female: &[
            "Fatima", "Amal", "Rania", "Layla", "Nour", "Huda", "Aisha", "Reem", "Dima",
        ],
        weight: 3,
    },
    Origin {
        surnames: &[
            "Popescu",
            "Ionescu",
            "Popa",
            "Radu",
            "Dumitru",
            "Stoica",
            "Gheorghe",
            "Munteanu",
            "Constantin",
            "Țăranu",
            "Ștefănescu",
        ],
        male: &[
            "Ion", "Andrei", "Mihai", "Florin", "Gheorghe", "Ștefan", "Vasile",
        ],
        female: &[
            "Ioana",
            "Elena",
            "Maria",
            "Andreea",
            "Mihaela",
            "Cristina",
            "Ștefania",
        ],
        weight: 2,
    },
    Origin {
        surnames: &[
            "Kovalenko",
            "Shevchenko",
            "Bondarenko",
            "Tkachenko",
            "Kravchenko",
            "Oliinyk",
            "Melnyk",
            "Boiko",
            "Moroz",
            "Lysenko",
            "Savchenko",
        ],
        male: &[
            "Oleksandr",
            "Andrii",
            "Serhii",
            "Dmytro",
            "Mykola",
            "Bohdan",
            "Vitalii",
        ],
        female: &[
            "Olena", "Iryna", "Tetiana", "Nataliia", "Oksana", "Yuliia", "Svitlana", "Daryna",
        ],
        weight: 3,
    },
    Origin {
        surnames: &[
            "da Silva",
            "dos Santos",
            "de Oliveira",
            "Rossi",
            "Esposito",
            "Papadopoulos",
            "Nguyen",
            "Tran",
            "Hoxha",
            "Berisha",
        ],
        male: &["João", "Marco", "Giorgos", "Minh", "Arben", "Luca"],
        female: &["Ana", "Giulia", "Eleni", "Thi Lan", "Drita", "Sofia"],
        weight: 2,
    },
];

fn pick<'a>(rng: &mut Rng, v: &'a [&'a str]) -> &'a str {
    v[rng.below(v.len())]
}

/// Polish family names take the feminine form for women.
fn gendered(surname: &str, female: bool) -> String {
    if female {
        if let Some(stem) = surname.strip_suffix("ski") {
            return format!("{stem}ska");
        }
        if let Some(stem) = surname.strip_suffix("cki") {
            return format!("{stem}cka");
        }
    }
    surname.to_owned()
}

fn address(rng: &mut Rng) -> Address {
    let (plz, town) = TOWNS[rng.below(TOWNS.len())];
    let mut number = (1 + rng.below(140)).to_string();
    match rng.below(10) {
        0 => number.push('a'),
        1 => number.push_str(" b"),
        2 => number = format!("{number}-{}", number.parse::<u32>().unwrap_or(1) + 2),
        _ => {}
    }
    Address {
        street: pick(rng, STREETS).to_owned(),
        number,
        plz: plz.into(),
        town: town.into(),
    }
}

struct Numbers {
    bgs: BTreeSet<String>,
    kdnrs: BTreeSet<String>,
}

const OFFICES: &[&str] = &["32101", "32104", "32117", "32150"];

impl Numbers {
    fn bg(&mut self, rng: &mut Rng) -> String {
        loop {
            let office = OFFICES[rng.below(OFFICES.len())];
            let serial = if rng.below(3) == 0 {
                1 + rng.below(9_999_999)
            } else {
                1 + rng.below(99_999)
            };
            let bg = format!("{office}BG{serial:07}");
            if self.bgs.insert(bg.clone()) {
                return bg;
            }
        }
    }
    fn kdnr(&mut self, rng: &mut Rng) -> String {
        loop {
            let prefix = ["321", "322", "841", "845"][rng.below(4)];
            let letter = ["A", "B", "D", "E", "K"][rng.below(5)];
            let k = format!("{prefix}{letter}{:06}", rng.below(1_000_000));
            if self.kdnrs.insert(k.clone()) {
                return k;
            }
        }
    }
}

/// A number with one digit changed (not the first), not yet taken.
pub fn one_digit_off(rng: &mut Rng, number: &str, taken: &BTreeSet<String>) -> Option<String> {
    let digits: Vec<usize> = number
        .char_indices()
        .filter(|(i, c)| *i > 0 && c.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    for _ in 0..20 {
        let at = digits[rng.below(digits.len())];
        let old = number.as_bytes()[at] - b'0';
        let new = (old + 1 + rng.below(9) as u8) % 10;
        let mut s = number.as_bytes().to_vec();
        s[at] = b'0' + new;
        let s = String::from_utf8(s).expect("ascii");
        if !taken.contains(&s) {
            return Some(s);
        }
    }
    None
}

fn birth(rng: &mut Rng, from: i32, to: i32) -> (u32, u32, i32) {
    let y = from + rng.below((to - from + 1) as usize) as i32;
    let m = 1 + rng.below(12) as u32;
    let d = 1 + rng.below(28) as u32;
    (d, m, y)
}

fn household(rng: &mut Rng, nums: &mut Numbers) -> Household {
    let total: usize = ORIGINS.iter().map(|o| o.weight).sum();
    let mut r = rng.below(total);
    let mut origin = &ORIGINS[0];
    for o in ORIGINS {
        if r < o.weight {
            origin = o;
            break;
        }
        r -= o.weight;
    }
    let surname = pick(rng, origin.surnames);
    let size = [1, 1, 1, 2, 2, 3, 3, 4][rng.below(8)];
    let head_female = rng.below(2) == 0;
    let mut members = Vec::new();
    let head_born = birth(rng, 1958, 2004);
    let first = |rng: &mut Rng, female: bool| {
        if female {
            pick(rng, origin.female).to_owned()
        } else {
            pick(rng, origin.male).to_owned()
        }
    };
    members.push(Member {
        kdnr: nums.kdnr(rng),
        nachname: gendered(surname, head_female),
        vorname: first(rng, head_female),
        born: head_born,
        female: head_female,
    });
    let mut rest = size - 1;
    if rest > 0 && rng.below(3) > 0 {
        // A partner: same name, a double name, or their own.
        let female = !head_female;
        let nachname = match rng.below(4) {
            0 | 1 => gendered(surname, female),
            2 => {
                let other = pick(rng, ORIGINS[0].surnames);
                if other.contains(' ') || surname.contains(' ') || surname.contains('-') {
                    other.to_owned()
                } else {
                    format!("{other}-{surname}")
                }
            }
            _ => {
                let o = rng.below(ORIGINS.len());
                pick(rng, ORIGINS[o].surnames).to_owned()
            }
        };
        let y = (head_born.2 + rng.below(9) as i32 - 4).clamp(1956, 2004);
        members.push(Member {
            kdnr: nums.kdnr(rng),
            nachname,
            vorname: first(rng, female),
            born: birth(rng, y, y),
            female,
        });
        rest -= 1;
    }
    for _ in 0..rest {
        let female = rng.below(2) == 0;
        let from = (head_born.2 + 18).max(2008);
        members.push(Member {
            kdnr: nums.kdnr(rng),
            nachname: gendered(surname, female),
            vorname: first(rng, female),
            born: birth(rng, from.min(2024), 2024),
            female,
        });
    }
    Household {
        bg: nums.bg(rng),
        members,
        address: address(rng),
        old_address: None,
        new: false,
    }
}

/// Builds the register with `households` households (at least 60).
pub fn build(rng: &mut Rng, households: usize) -> Register {
    let n = households.max(60);
    let mut nums = Numbers {
        bgs: BTreeSet::new(),
        kdnrs: BTreeSet::new(),
    };
    let mut reg = Register::default();
    for _ in 0..n {
        reg.households.push(household(rng, &mut nums));
    }
    let traps = (n / 25).max(3);
    // Namesakes: another household whose head has the same name.
    for i in 0..traps {
        let a = rng.below(n);
        if reg.namesakes.iter().any(|&(x, y, _)| x == a || y == a) {
            continue;
        }
        let mut b = household(rng, &mut nums);
        let head = reg.households[a].members[0].clone();
        b.members[0].vorname = head.vorname.clone();
        b.members[0].nachname = head.nachname.clone();
        b.members[0].female = head.female;
        let same_town = i % 2 == 1;
        if same_town {
            let mut addr = address(rng);
            addr.plz = reg.households[a].address.plz.clone();
            addr.town = reg.households[a].address.town.clone();
            if addr.street == reg.households[a].address.street {
                addr.street = "Nordring".into();
            }
            b.address = addr;
        } else {
            while b.address.town == reg.households[a].address.town {
                b.address = address(rng);
            }
        }
        reg.households.push(b);
        reg.namesakes.push((a, reg.households.len() - 1, same_town));
    }
    // Parents and an adult child in separate households in one house.
    for i in 0..traps {
        let a = rng.below(n);
        if reg.households[a].members[0].age() < 45 {
            continue;
        }
        let parent = reg.households[a].members[0].clone();
        let mut child = household(rng, &mut nums);
        child.members.truncate(1 + rng.below(2));
        child.members[0].nachname = parent.nachname.clone();
        child.members[0].female = parent.female;
        if i % 2 == 0 {
            // Junior carries the parent's given name.
            child.members[0].vorname = parent.vorname.clone();
        }
        child.members[0].born = birth(rng, parent.born.2 + 20, (parent.born.2 + 32).min(2006));
        child.address = reg.households[a].address.clone();
        reg.households.push(child);
        reg.same_address.push((a, reg.households.len() - 1));
    }
    // BG-Nummern one digit apart.
    for _ in 0..traps {
        let a = rng.below(reg.households.len());
        if let Some(bg) = one_digit_off(rng, &reg.households[a].bg, &nums.bgs) {
            nums.bgs.insert(bg.clone());
            let mut h = household(rng, &mut nums);
            nums.bgs.remove(&h.bg);
            h.bg = bg;
            reg.households.push(h);
        }
    }
    // Kundennummern one digit apart.
    for _ in 0..traps {
        let a = rng.below(reg.households.len());
        let k = reg.households[a].members[0].kdnr.clone();
        if let Some(k2) = one_digit_off(rng, &k, &nums.kdnrs) {
            let b = rng.below(reg.households.len());
            let m = rng.below(reg.households[b].members.len());
            nums.kdnrs.insert(k2.clone());
            reg.households[b].members[m].kdnr = k2;
        }
    }
    // Moves and new households (not trap households themselves).
    let moves = (reg.households.len() / 20).max(3);
    let trap_idx: BTreeSet<usize> = reg
        .namesakes
        .iter()
        .flat_map(|&(a, b, _)| [a, b])
        .chain(reg.same_address.iter().flat_map(|&(a, b)| [a, b]))
        .collect();
    let mut guard = 0;
    while reg.moved.len() < moves && guard < 1000 {
        guard += 1;
        let a = rng.below(n);
        if trap_idx.contains(&a) || reg.moved.contains(&a) {
            continue;
        }
        let old = reg.households[a].address.clone();
        let mut new = address(rng);
        if rng.below(2) == 0 {
            // Moved within the town.
            new.town = old.town.clone();
            new.plz = old.plz.clone();
        }
        if new.street == old.street {
            new.street = "Neue Straße".into();
        }
        reg.households[a].address = new;
        reg.households[a].old_address = Some(old);
        reg.moved.push(a);
    }
    let fresh = (reg.households.len() / 25).max(3);
    for _ in 0..fresh {
        let mut h = household(rng, &mut nums);
        h.new = true;
        reg.households.push(h);
    }
    reg
}

fn date(d: (u32, u32, i32)) -> String {
    format!("{:02}.{:02}.{}", d.0, d.1, d.2)
}

/// The register as CSV, current (`old == false`) or the older export.
pub fn csv(reg: &Register, old: bool) -> String {
    let mut out =
        String::from("bg_nummer;kundennummer;nachname;vorname;geburtsdatum;strasse;plz;ort\n");
    for h in &reg.households {
        if old && h.new {
            continue;
        }
        let addr = if old {
            h.old_address.as_ref().unwrap_or(&h.address)
        } else {
            &h.address
        };
        for m in &h.members {
            let _ = writeln!(
                out,
                "{};{};{};{};{};{};{};{}",
                h.bg,
                m.kdnr,
                m.nachname,
                m.vorname,
                date(m.born),
                addr.street_line(),
                addr.plz,
                addr.town
            );
        }
    }
    out
}
