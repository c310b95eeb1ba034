//! Unit tests of register import and search.

use super::*;

const CSV: &str = "\u{feff}bg_nummer;kundennummer;nachname;vorname;geburtsdatum;strasse;plz;ort\n\
    12345BG0012345;123A456789;Müller;Anna;01.02.1980;Hauptstraße 12a;32423;Minden\n\
    12345 BG 0012345;123A456790;Müller;Ben;03.04.2010;Hauptstraße 12a;32423;Minden\n\
    12345//0099999;987Z654321;Özdemir;Ayşe;31.12.1975;Bäckerstr. 3;32312;Lübbecke\n";

#[test]
fn a_good_export_is_read_with_bom_and_all_bg_forms() {
    let r = parse_csv(CSV.as_bytes()).unwrap();
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(r.persons.len(), 3);
    assert_eq!(r.persons[1].bg, "12345BG0012345");
    assert_eq!(r.persons[2].bg, "12345BG0099999");
    let reg = Register::new(1, r.persons);
    assert_eq!(reg.case("12345BG0012345").count(), 2);
    assert_eq!(reg.person("987Z654321").unwrap().nachname, "Özdemir");
}

#[test]
fn an_unclosed_quote_costs_its_own_line_only() {
    let text = format!(
        "{CSV}12345BG0012346;111A111111;\"Schmidt;Y;01.01.2000;S 1;32423;Minden\n\
         12345BG0012347;111A111112;\"Lange\";Y;01.01.2000;\"Weg \"\"A\"\"\";32423;Minden\n\
         12345BG0012348;111A111113;Mei\"er;Y;01.01.2000;S 1;32423;Minden\n"
    );
    let r = parse_csv(text.as_bytes()).unwrap();
    let lines: Vec<u64> = r.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, [5], "{:?}", r.bad);
    assert!(r.bad[0].reason.contains("Anführungszeichen"), "{:?}", r.bad);
    assert_eq!(r.persons.len(), 5);
    assert_eq!(r.persons[3].nachname, "Lange");
    assert_eq!(r.persons[3].strasse, "Weg \"A\"");
    assert_eq!(r.persons[4].nachname, "Mei\"er");
    assert!(opens_unclosed_quote("a;\"b"));
    assert!(opens_unclosed_quote("\"a\"\";b"));
    assert!(!opens_unclosed_quote("a;\"b;c\";d"));
    assert!(!opens_unclosed_quote("a\";b"));
}

#[test]
fn bad_rows_are_reported_with_line_and_reason() {
    let text = format!(
        "{CSV}12345BG001234;111A111111;X;Y;01.01.2000;S 1;32423;Minden\n\
         12345BG0012346;11A1111111;X;Y;01.01.2000;S 1;32423;Minden\n\
         12345BG0012346;111A111112;X;Y;31.02.2000;S 1;32423;Minden\n\
         12345BG0012346;111A111113;X;Y;01.01.2000;S 1;3242;Minden\n\
         12345BG0012346;123A456789;X;Y;01.01.2000;S 1;32423;Minden\n\
         12345BG0012346;111A111114;;Y;01.01.2000;S 1;32423;Minden\n\
         12345BG0012346;111A111115;X;Y\n"
    );
    let r = parse_csv(text.as_bytes()).unwrap();
    assert_eq!(r.persons.len(), 3);
    let lines: Vec<u64> = r.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, [5, 6, 7, 8, 9, 10, 11], "{:?}", r.bad);
    assert!(r.bad[0].reason.contains("BG-Nummer"));
    assert!(r.bad[1].reason.contains("Kundennummer"));
    assert!(r.bad[2].reason.contains("Geburtsdatum"));
    assert!(r.bad[3].reason.contains("PLZ"));
    assert!(r.bad[4].reason.contains("doppelt"));
    assert!(r.bad[5].reason.contains("Nachname"));
    assert!(r.bad[6].reason.contains("Felder"));
    assert!(parse_csv(b"a;b\n1;2\n").is_err(), "wrong header");
    // A garbage first line is quoted shortened (found by tests/fuzz.rs).
    let e = parse_csv(&[b'x'; 5000]).unwrap_err().to_string();
    assert!(e.chars().count() < 300, "{e}");
    assert!(parse_csv(&[0xff, 0xfe, 0x00]).is_err(), "UTF-16");
    assert!(
        r.bad[1].reason.contains("Spalte 2 (kundennummer)"),
        "{:?}",
        r.bad
    );
}

#[test]
fn a_windows_1252_export_is_read_and_said_and_long_values_are_shortened() {
    let text = format!(
        "{CSV}12345BG0012347;111A111116;Müßig;Jürgen;01.01.1970;Hauptstraße 1;32423;Minden\n"
    )
    .replace('\u{feff}', "")
    // Windows-1252 has no ş: an export in it holds "Ayse".
    .replace("Ayşe", "Ayse");
    let (cp1252, _, lossy) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!lossy && std::str::from_utf8(&cp1252).is_err());
    let r = parse_csv(&cp1252).unwrap();
    assert_eq!(r.encoding, "Windows-1252");
    let p = r
        .persons
        .iter()
        .find(|p| p.kundennummer == "111A111116")
        .unwrap();
    assert_eq!(
        (p.nachname.as_str(), p.strasse.as_str()),
        ("Müßig", "Hauptstraße 1")
    );
    assert_eq!(parse_csv(CSV.as_bytes()).unwrap().encoding, "UTF-8");
    // One row in Windows-1252 among UTF-8 rows garbles none of them.
    let mixed = [
        CSV.as_bytes(),
        &encoding_rs::WINDOWS_1252
            .encode("12345BG0012349;111A111117;Weiß;Jörg;01.01.1971;Am Bach 2;32423;Minden\n")
            .0,
    ]
    .concat();
    let r = parse_csv(&mixed).unwrap();
    assert_eq!(r.encoding, "UTF-8 und Windows-1252 gemischt");
    assert!(r.persons.iter().any(|p| p.nachname == "Weiß"));
    assert!(r.persons.iter().any(|p| p.strasse == "Hauptstraße 12a"));
    // A 10,000-character field is named, not echoed.
    let long = format!(
        "{CSV}12345BG0012348;{};X;Y;01.01.2000;S 1;32423;Minden\n",
        "7".repeat(10_000)
    );
    let r = parse_csv(long.as_bytes()).unwrap();
    let reason = &r.bad[0].reason;
    assert!(
        reason.contains("Spalte 2 (kundennummer): Wert zu lang (10000 Zeichen"),
        "{reason}"
    );
    assert!(reason.len() < 200, "{reason}");
    // Control characters are reported, not taken.
    let esc = format!("{CSV}12345BG0012350;111A111118;\u{1b}[2JX;Y;01.01.2000;S 1;32423;Minden\n");
    let r = parse_csv(esc.as_bytes()).unwrap();
    assert!(
        r.bad[0]
            .reason
            .contains("Spalte 3 (nachname): Steuerzeichen"),
        "{:?}",
        r.bad
    );
}

#[test]
fn the_limits_are_configurable_and_named_in_the_reason() {
    // A name of 30 characters: fine by default, a bad row under a
    // limit of 20, with the limit in the reason.
    let text = format!(
        "{CSV}12345BG0012351;111A111119;{};Y;01.01.2000;S 1;32423;Minden\n",
        "Müller-Lüdenscheidt-Gröninger"
    );
    assert!(parse_csv(text.as_bytes()).unwrap().bad.is_empty());
    let tight = Limits {
        field_chars: 20,
        ..Limits::default()
    };
    let r = parse_csv_with(text.as_bytes(), &tight).unwrap();
    assert_eq!(r.bad.len(), 1, "{:?}", r.bad);
    assert!(
        r.bad[0]
            .reason
            .contains("Spalte 3 (nachname): Wert zu lang (29 Zeichen, höchstens 20)"),
        "{:?}",
        r.bad
    );
    // A file over the size: refused before anything is parsed.
    let one = Limits {
        megabytes: 1,
        ..Limits::default()
    };
    let big = format!("{CSV}{}", "\n".repeat(1_000_001));
    let e = parse_csv_with(big.as_bytes(), &one)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("mit 2 MB größer als erlaubt (1 MB, einstellbar unter [cases.register]"),
        "{e}"
    );
    assert!(parse_csv(big.as_bytes()).is_ok(), "fine by default");
    // Nonsense values are named.
    assert!(Limits::default().problem().is_none());
    assert!(
        Limits {
            megabytes: 0,
            ..Limits::default()
        }
        .problem()
        .unwrap()
        .contains("megabytes = 0")
    );
    assert!(
        Limits {
            field_chars: 3,
            ..Limits::default()
        }
        .problem()
        .unwrap()
        .contains("field_chars = 3")
    );
}

#[test]
fn find_by_number_name_address_with_typos() {
    let reg = Register::new(1, parse_csv(CSV.as_bytes()).unwrap().persons);
    assert_eq!(reg.find("12345 // 0012345", 10).len(), 2);
    assert_eq!(reg.find("123a 456789", 10)[0].1.vorname, "Anna");
    let hits = reg.find("Mueller Ben", 10);
    assert_eq!(hits[0].1.vorname, "Ben");
    assert_eq!(reg.find("Mülller", 10).len(), 2, "one typo forgiven");
    assert_eq!(reg.find("Baeckerstrasse 3", 10)[0].1.nachname, "Özdemir");
    assert_eq!(reg.find("Lübbecke", 10).len(), 1);
    assert!(reg.find("Schmidt", 10).is_empty());
    assert_eq!(
        fold_street("Hauptstr. 12 a"),
        fold_street("Hauptstraße 12a")
    );
    assert_eq!(fold("Müller-Lüdenscheidt"), "mueller luedenscheidt");
    assert_eq!(
        fold("Ayşe Łukasz Doğan Ştefănescu"),
        "ayse lukasz dogan stefanescu"
    );
}

#[test]
fn an_email_column_may_follow_and_is_checked() {
    let text = "bg_nummer;kundennummer;nachname;vorname;geburtsdatum;strasse;plz;ort;EMail\n\
        12345BG0012345;123A456789;Müller;Anna;01.02.1980;Hauptstraße 12a;32423;Minden;Anna.Mueller@Example.org\n\
        12345BG0012345;123A456790;Müller;Ben;03.04.2010;Hauptstraße 12a;32423;Minden;\n\
        12345BG0099999;987Z654321;Özdemir;Ayşe;31.12.1975;Bäckerstr. 3;32312;Lübbecke;ayse at example.org\n\
        12345BG0099998;987Z654322;Kaya;Ali;31.12.1975;Bäckerstr. 3;32312;Lübbecke\n";
    // "e_mail" is not the column's name: the header is refused in words.
    let e = parse_csv(text.replacen(";EMail", ";e_mail", 1).as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"email\""), "{e}");
    // Header names are read regardless of case, as the others are.
    let r = parse_csv(text.as_bytes()).unwrap();
    assert_eq!(r.persons.len(), 2, "{:?}", r.bad);
    assert_eq!(r.persons[0].email, "anna.mueller@example.org");
    assert_eq!(r.persons[1].email, "");
    let lines: Vec<u64> = r.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, [4, 5], "{:?}", r.bad);
    assert!(
        r.bad[0].reason.contains("Spalte 9 (email)") && r.bad[0].reason.contains("ungültig"),
        "{:?}",
        r.bad
    );
    assert!(r.bad[1].reason.contains("8 Felder statt 9"), "{:?}", r.bad);
    let reg = Register::new(1, r.persons);
    let found: Vec<&str> = reg
        .by_email("anna.mueller@example.org")
        .map(|p| p.vorname.as_str())
        .collect();
    assert_eq!(found, ["Anna"]);
    assert_eq!(reg.by_email("").count(), 0);
    // Without the column, nobody has an address.
    assert!(
        parse_csv(CSV.as_bytes())
            .unwrap()
            .persons
            .iter()
            .all(|p| p.email.is_empty())
    );
}
