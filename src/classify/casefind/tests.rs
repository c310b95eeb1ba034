//! Unit tests of the case finder.

use super::*;
use crate::classify::register::{Person, Register};

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
        email: String::new(),
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

/// The decision on one clearly read page of these lines, against `reg`.
fn decide_in(reg: &Register, lines: &[&str]) -> CaseDecision {
    CaseFinder::new(CaseSettings::default())
        .unwrap()
        .decide(reg, None, &[page(lines, 95.0)])
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
        // An OCR split inside a digit group changes nothing.
        "BG-Nummer: 12345BG0012 345",
        "Az. 12345-BG-0012345",
        "BG-Nr. 12345/BG/0012345",
        // Found by the configured pattern too, which only allows the
        // separators: still a clean read.
        "Bedarfsgemeinschaft 12345/0012345",
        "Nummer der Bedarfsgemeinschaft 12345 BG001234 5",
    ] {
        // Read with middling confidence: the form alone must carry it.
        let d = decide(None, &[page(&["Jobcenter Minden", form], 70.0)]);
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
    for form in ["Aktenzeichen 1234510012345", "Ihr Zeichen: 12345 1 0012345"] {
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
    assert_eq!(d.status, CaseStatus::Review, "{d:?}");
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
    // `BG` read as `8G` (a letter kept: no plain number), digits read as
    // digits with high confidence: as good as printed. With low
    // confidence, or `//` read as `1` (a plain number), it is not.
    let d = decide(None, &[page(&["BG-Nummer 123458G0077777"], 96.0)]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert!(d.candidates[0].evidence[0].repaired);
    let d = decide(None, &[page(&["BG-Nummer 123458G0077777"], 70.0)]);
    assert_eq!(d.status, CaseStatus::Review, "{d:?}");
    let d = decide(None, &[page(&["Aktenzeichen 1234510077777"], 96.0)]);
    assert_eq!(d.status, CaseStatus::Review, "{d:?}");
    // The case's BG-Nummer and a member's Kundennummer, both doubtful, in
    // two places: they bear each other out.
    let two = ["BG-Nummer 123458G0077777", "Kundennummer 555B000001"];
    let d = decide(None, &[page(&two, 70.0)]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert_eq!(d.case.as_deref(), Some("12345BG0077777"));
    // The same number twice is one number; a neighbour's Kundennummer is
    // a conflict.
    let twice = ["BG-Nummer 123458G0077777", "BG 123458G0077777"];
    let d = decide(None, &[page(&twice, 70.0)]);
    assert_eq!(d.status, CaseStatus::Review, "{d:?}");
    let other = ["BG-Nummer 123458G0077777", "Kundennummer 555B000002"];
    let d = decide(None, &[page(&other, 70.0)]);
    assert_eq!(d.status, CaseStatus::Review, "{d:?}");
}

/// A register with the traps of person evidence: a namesake of Anna
/// Müller elsewhere, two households Yilmaz at one address, and Carla
/// Schulz who moved.
fn person_register() -> Register {
    let mut persons = register().persons().to_vec();
    let mut namesake = person(
        "12345BG0099999",
        "777C000001",
        "Müller",
        "Anna",
        "Lindenweg 3",
    );
    namesake.geburtsdatum = "05.06.1990".into();
    namesake.plz = "32427".into();
    persons.push(namesake);
    let mut emre = person("12345BG0055555", "555B000003", "Yilmaz", "Emre", "Weg 1");
    emre.geburtsdatum = "07.08.2001".into();
    persons.push(emre);
    Register::new(2, persons).with_former_addresses([(
        "555B000001".to_owned(),
        "Altstraße 9".to_owned(),
        "32423".to_owned(),
    )])
}

fn decide_persons(lines: &[&str]) -> CaseDecision {
    CaseFinder::new(CaseSettings::default()).unwrap().decide(
        &person_register(),
        None,
        &[page(lines, 95.0)],
    )
}

#[test]
fn full_name_with_address_or_birth_date_is_attached() {
    for lines in [
        &[
            "Frau",
            "Anna Müller",
            "Hauptstraße 12",
            "32423 Minden",
            "Kontoauszug",
        ][..],
        &["Anna Mueller, Hauptstr. 12, 32423 Minden"],
        &["Name: Müller, Anna", "geb. am 1. Februar 1980"],
        &["Herrn", "Ben Müller", "geboren 01.02.80"],
        // One OCR error in the name or the street still counts.
        &["Anna Mülller", "Hauptstraße 12", "32423 Minden"],
        &["Anna Müller", "Hanptstraße 12", "32423 Minden"],
        &["Anna Müller", "Hauptstrafse 12", "32423 Minden"],
    ] {
        let d = decide_persons(lines);
        assert_eq!(d.status, CaseStatus::Auto, "{lines:?}: {:?}", d.reasons);
        assert_eq!(d.case.as_deref(), Some("12345BG0012345"), "{lines:?}");
    }
    // The namesake is attached by her own address or date of birth.
    let d = decide_persons(&["Anna Müller", "Lindenweg 3", "32427 Minden"]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert_eq!(d.case.as_deref(), Some("12345BG0099999"));
    let d = decide_persons(&[
        "Anna Müller",
        "Emre Yilmaz",
        "geb. 07.08.2001",
        "Weg 1",
        "32423 Minden",
    ]);
    assert_eq!(d.status, CaseStatus::Review, "two persons named: {d:?}");
}

#[test]
fn the_number_tells_apart_what_the_person_evidence_cannot() {
    let mut persons = person_register().persons().to_vec();
    // A second Anna Müller at the same address (another household),
    // and an Anna Lange-Müller.
    let mut twin = person(
        "12345BG0044444",
        "777C000002",
        "Müller",
        "Anna",
        "Hauptstraße 12",
    );
    twin.geburtsdatum = "03.03.1955".into();
    persons.push(twin);
    persons.push(person(
        "12345BG0033333",
        "777C000003",
        "Lange-Müller",
        "Anna",
        "Birkenweg 8",
    ));
    let reg = Register::new(3, persons);
    let decide = |lines: &[&str]| decide_in(&reg, lines);
    let d = decide(&[
        "BG-Nummer 12345BG0044444",
        "Anna Müller, Hauptstraße 12, 32423 Minden",
    ]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert_eq!(d.case.as_deref(), Some("12345BG0044444"));
    let d = decide(&["Anna Müller, Hauptstraße 12, 32423 Minden"]);
    assert_eq!(d.status, CaseStatus::Review, "{d:?}");
    let d = decide(&["Az. 12345BG0033333", "Anna Lange-Müller", "Birkenweg 8"]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert_eq!(d.case.as_deref(), Some("12345BG0033333"));
    // Another person's full address beside the number still stops it,
    // and so does a number that is only read by repairs.
    for lines in [
        [
            "BG-Nummer 12345BG0044444",
            "Anna Müller, Lindenweg 3, 32427 Minden",
        ],
        [
            "BG-Nummer 12345BGOO44444",
            "Anna Müller, Hauptstraße 12, 32423 Minden",
        ],
    ] {
        let d = decide(&lines);
        assert_eq!(d.status, CaseStatus::Review, "{lines:?}: {d:?}");
    }
}

#[test]
fn an_unknown_number_one_digit_from_the_named_case_is_no_conflict() {
    // Anna Müller (12345BG0012345) named with her address; the number
    // beside it misread in one digit.
    let d = decide_persons(&[
        "BG-Nummer 12345BG0012845",
        "Anna Müller, Hauptstraße 12, 32423 Minden",
    ]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert_eq!(d.case.as_deref(), Some("12345BG0012345"));
    // A number near another case, or near none, still stops it.
    for number in ["12345BG0077770", "98765BG0000001"] {
        let d = decide_persons(&[
            &format!("BG-Nummer {number}"),
            "Anna Müller, Hauptstraße 12, 32423 Minden",
        ]);
        assert_eq!(d.status, CaseStatus::Review, "{number}: {:?}", d.reasons);
        assert!(
            d.reasons.iter().any(|r| r.contains(number)),
            "{number}: {:?}",
            d.reasons
        );
    }
    // Without the person's address or date of birth it is unknown.
    let d = decide_persons(&["BG-Nummer 12345BG0012845", "Anna Müller"]);
    assert_eq!(d.status, CaseStatus::Review, "{:?}", d.reasons);
    // The case named by a Kundennummer repaired from a misread (S for 5)
    // and borne out by a member's date of birth: the unknown BG number one
    // digit from the case's own is a misread too.
    let lines = [
        "BG-Nummer 12345BG0012845",
        "Kundennummer 123A4S6789",
        "geboren am 01.02.1980",
    ];
    let d = decide_persons(&lines);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert_eq!(d.case.as_deref(), Some("12345BG0012345"));
    assert!(d.candidates[0].evidence.iter().any(|e| e.repaired), "{d:?}");
    // Without the date of birth, the two misreads do not carry each other.
    let d = decide_persons(&lines[..2]);
    assert_eq!(d.status, CaseStatus::Review, "{:?}", d.reasons);
    // The same with the Kundennummer's letter lost (a doubtful read that
    // needs corroboration, which the date of birth gives).
    let lines = [
        "BG-Nummer 12345BG0012845",
        "Kundennummer 123 456789",
        "geboren am 01.02.1980",
    ];
    let d = decide_persons(&lines);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert_eq!(d.case.as_deref(), Some("12345BG0012345"));
    let d = decide_persons(&lines[..2]);
    assert_eq!(d.status, CaseStatus::Review, "{:?}", d.reasons);
    // The case's BG-Nummer read as printed, and a Kundennummer one digit
    // from a member's (Ben Müller's 123A456790): a misread of his.
    let d = decide_persons(&[
        "BG-Nummer 12345BG0012345",
        "Kundennummer 123A456780",
        "Anna Müller",
    ]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    // Its letter misread (E as F): a misread of his too.
    let d = decide_persons(&[
        "BG-Nummer 12345BG0012345",
        "Kundennummer 123F456790",
        "Anna Müller",
    ]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    // One letter from another household's: review.
    let d = decide_persons(&[
        "BG-Nummer 12345BG0012345",
        "Kundennummer 555C000001",
        "Anna Müller",
    ]);
    assert_eq!(d.status, CaseStatus::Review, "{:?}", d.reasons);
    // One digit from another household's Kundennummer: review.
    let d = decide_persons(&[
        "BG-Nummer 12345BG0012345",
        "Kundennummer 555B000009",
        "Anna Müller",
    ]);
    assert_eq!(d.status, CaseStatus::Review, "{:?}", d.reasons);
    assert!(
        d.reasons.iter().any(|r| r.contains("555B000009")),
        "{:?}",
        d.reasons
    );
}

#[test]
fn person_evidence_that_leaves_a_doubt_goes_to_review() {
    for (lines, why) in [
        (&["Anna Müller", "Minden"][..], "Nur der Name"),
        // Namesakes the page cannot tell apart.
        (&["Anna Müller", "32423 Minden"], "Nur der Name"),
        // Two households Yilmaz at Weg 1, no date of birth.
        (
            &["Emre Yilmaz", "Weg 1", "32423 Minden"],
            "derselben Anschrift",
        ),
        // Carla Schulz at the address of an older register version.
        (
            &["Carla Schulz", "Altstraße 9", "32423 Minden"],
            "älteren Fallbestand",
        ),
        // Errors in name and street at once.
        (&["Anna Mülller", "Hanptstraße 12", "32423 Minden"], "beide"),
        // A number on the letter that is not in the register.
        (
            &[
                "Anna Müller",
                "Hauptstraße 12",
                "32423 Minden",
                "BG-Nummer 99999BG0000001",
            ],
            "nicht im Fallbestand",
        ),
        // Another household's full name and address too.
        (
            &[
                "Anna Müller",
                "Hauptstraße 12",
                "32423 Minden",
                "Carla Schulz",
                "Ringstr. 5",
                "32423 Minden",
            ],
            "anderen Bedarfsgemeinschaft",
        ),
    ] {
        let d = decide_persons(lines);
        assert_eq!(d.status, CaseStatus::Review, "{lines:?}: {d:?}");
        assert!(
            d.reasons.iter().any(|r| r.contains(why)),
            "{lines:?}: {:?}",
            d.reasons
        );
    }
    // With the date of birth the Yilmaz households are told apart.
    let d = decide_persons(&["Emre Yilmaz", "geb. 07.08.2001", "Weg 1", "32423 Minden"]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert_eq!(d.case.as_deref(), Some("12345BG0055555"));
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

#[test]
fn evidence_found_on_many_pages_is_one_line_with_its_pages() {
    let e = |kind, page: u32, what: &str| Evidence {
        kind,
        page,
        read: String::new(),
        bbox: None,
        repaired: false,
        score: 0.9,
        text: format!("{what} auf Seite {page}"),
    };
    let mut found: Vec<Evidence> = [1, 2, 3, 5, 7, 8]
        .iter()
        .map(|&p| e(EvidenceKind::BgNumber, p, "BG-Nummer 12345BG0012345"))
        .collect();
    found.insert(1, e(EvidenceKind::Name, 1, "Name Erika Mustermann"));
    // The same number twice on one page counts the page once.
    found.push(e(EvidenceKind::BgNumber, 3, "BG-Nummer 12345BG0012345"));
    let groups = group_evidence(&found);
    let words: Vec<String> = groups.iter().map(EvidenceGroup::words).collect();
    assert_eq!(
        words,
        [
            "BG-Nummer 12345BG0012345 auf Seiten 1–3, 5, 7–8",
            "Name Erika Mustermann auf Seite 1",
        ]
    );
    assert_eq!(groups[0].kind, EvidenceKind::BgNumber);
    // Another number is another line.
    found.push(e(EvidenceKind::BgNumber, 2, "BG-Nummer 12345BG0099999"));
    assert_eq!(group_evidence(&found).len(), 3);
}

#[test]
fn every_reason_the_case_finder_gives_reads_in_english_too() {
    // Documents that give each kind of reason, decided for real.
    let decisions = [
        decide_persons(&[
            "BG-Nummer 12345BG0077770",
            "Anna Müller, Hauptstraße 12, 32423 Minden",
        ]),
        decide_persons(&[
            "Kundennummer 555B000009",
            "BG-Nummer 12345BG0012345",
            "Anna Müller",
        ]),
        decide_persons(&["Anna Müller"]),
        decide_persons(&["Emre Yilmaz", "Weg 1", "32423 Minden"]),
        decide_persons(&[
            "Anna Müller",
            "Hauptstraße 12",
            "32423 Minden",
            "Carla Schulz",
            "Ringstr. 5",
            "32423 Minden",
        ]),
        decide(
            None,
            &[
                page(&["BG-Nummer 12345BG0012345"], 95.0),
                page(&["Kundennummer 555B000001"], 95.0),
            ],
        ),
        decide(Some("99999BG0000001"), &[page(&["Anlage"], 95.0)]),
        decide(None, &[page(&["Sehr geehrte Damen und Herren"], 95.0)]),
    ];
    let reasons: Vec<&String> = decisions.iter().flat_map(|d| &d.reasons).collect();
    assert!(reasons.len() >= 8, "{reasons:?}");
    // German words of the reasons' fixed parts never survive translation
    // (names, streets and numbers do, as read).
    let german = [
        "nicht",
        "Seite",
        "Fallbestand",
        "Bedarfsgemeinschaft",
        "Anschrift",
        "Geburtsdatum",
        "Sicherheit",
        "Schwelle",
        "ähnlich",
        "Deckblatt",
        "nennt",
        "passt",
        "fehlen",
        "auf ",
    ];
    for r in reasons {
        let en = crate::classify::reason_in_english(r);
        assert_ne!(&en, r, "{r}");
        for w in german {
            assert!(!en.contains(w), "{w:?} left in {en:?} (from {r:?})");
        }
    }
}

#[test]
fn the_senders_email_address_from_the_register_names_the_household() {
    let mut persons = register().persons().to_vec();
    persons[0].email = "anna.mueller@example.org".into();
    // A namesake in another household, at another address, no e-mail.
    persons.push(person(
        "12345BG0055555",
        "555B000055",
        "Müller",
        "Anna",
        "Lindenweg 3",
    ));
    // One address both households of a family use.
    persons[2].email = "familie@example.org".into();
    persons[3].email = "familie@example.org".into();
    let reg = Register::new(4, persons);
    let decide = |lines: &[&str]| decide_in(&reg, lines);
    // Full name and the person's own address as sender: attached, the
    // namesake is no obstacle.
    let d = decide(&[
        "Von: Anna Müller <Anna.Mueller@example.org>",
        "Betreff: Kontoauszüge",
    ]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert_eq!(d.case.as_deref(), Some("12345BG0012345"));
    assert!(
        d.candidates[0]
            .evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::Email && e.text.contains("anna.mueller@example.org")),
        "{d:?}"
    );
    // The address alone: proposed, not attached.
    let d = decide(&["Von: <anna.mueller@example.org>", "Betreff: Unterlagen"]);
    assert_eq!(d.status, CaseStatus::Review, "{d:?}");
    assert_eq!(d.case.as_deref(), Some("12345BG0012345"));
    // The name alone (an unknown sender address): the namesakes stay apart.
    let d = decide(&["Von: Anna Müller <a.m@example.net>"]);
    assert_eq!(d.status, CaseStatus::Review, "{d:?}");
    // An address two households share says nothing on its own; the full
    // name of a person of one of them tells which.
    let d = decide(&["Von: <familie@example.org>"]);
    assert_eq!(d.status, CaseStatus::Review, "{d:?}");
    assert_eq!(d.candidates.len(), 2, "{d:?}");
    let d = decide(&["Von: Carla Schulz <familie@example.org>"]);
    assert_eq!(d.status, CaseStatus::Auto, "{:?}", d.reasons);
    assert_eq!(d.case.as_deref(), Some("12345BG0077777"));
    // Another case's number beside it: a conflict, for a person.
    let d = decide(&[
        "Von: Anna Müller <anna.mueller@example.org>",
        "Kundennummer 555B000001",
    ]);
    assert_eq!(d.status, CaseStatus::Review, "{d:?}");
}
