//! The case register and the classification stage, through the real binary:
//! import, search, and the demo letters attached to their cases.

use crate::common;

use common::scanstelle;
use std::path::Path;
use std::process::Output;

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const DEMO_REGISTER: &str = include_str!("../assets/demo/fallbestand.csv");

#[test]
fn import_refuses_bad_files_unless_told_and_keeps_every_version() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    common::admin_os(&home);
    let good = dir.path().join("gut.csv");
    std::fs::write(&good, format!("\u{feff}{DEMO_REGISTER}")).unwrap();
    let o = scanstelle(&["cases", "import", good.to_str().unwrap()], &home);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("4 Personen in 3 Bedarfsgemeinschaften"),
        "{}",
        out(&o)
    );

    let bad = dir.path().join("schlecht.csv");
    std::fs::write(
        &bad,
        format!("{DEMO_REGISTER}12345BG001;999A000001;X;Y;01.01.2000;Weg 1;32423;Minden\n"),
    )
    .unwrap();
    let o = scanstelle(&["cases", "import", bad.to_str().unwrap()], &home);
    assert!(!o.status.success());
    assert!(
        err(&o).contains("schlecht.csv:6: Spalte 1 (bg_nummer): BG-Nummer"),
        "{}",
        err(&o)
    );
    assert!(err(&o).contains("nicht übernommen"), "{}", err(&o));
    let o = scanstelle(&["cases", "versions"], &home);
    assert_eq!(out(&o).lines().count(), 1, "refused file made no version");

    let o = scanstelle(
        &["cases", "import", "--skip-bad", bad.to_str().unwrap()],
        &home,
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("1 Zeile(n) übersprungen"));
    let versions = out(&scanstelle(&["cases", "versions"], &home));
    let lines: Vec<&str> = versions.lines().collect();
    assert_eq!(lines.len(), 2, "{versions}");
    assert!(lines[0].starts_with('*') && lines[0].contains("schlecht.csv"));
    assert!(lines[1].starts_with(' ') && lines[1].contains("gut.csv"));

    let o = scanstelle(&["cases", "find", "12345//0012345"], &home);
    assert_eq!(out(&o).lines().count(), 2, "{}", out(&o));
    let o = scanstelle(&["cases", "find", "Kuhlenstrasse", "3"], &home);
    assert!(out(&o).contains("Beispiel, Jan"), "{}", out(&o));
    let o = scanstelle(&["cases", "find", "Nobody"], &home);
    assert!(!o.status.success());

    // A file over the configured size is refused before it is read, and
    // the reason says where the limit is set.
    let config = dir.path().join("scanstelle.toml");
    std::fs::write(&config, "[cases.register]\nmegabytes = 1\n").unwrap();
    let big = dir.path().join("gross.csv");
    std::fs::write(&big, format!("{DEMO_REGISTER}{}", "\n".repeat(2_000_000))).unwrap();
    let config_arg = config.to_str().unwrap();
    let o = scanstelle(
        &[
            "--config",
            config_arg,
            "cases",
            "import",
            big.to_str().unwrap(),
        ],
        &home,
    );
    assert!(!o.status.success());
    assert!(
        err(&o).contains(
            "mit 3 MB größer als erlaubt (1 MB, einstellbar unter [cases.register] megabytes)"
        ),
        "{}",
        err(&o)
    );
    // Without that limit the same file is read (blank lines are nothing).
    let o = scanstelle(&["cases", "import", big.to_str().unwrap()], &home);
    assert!(o.status.success(), "{}", err(&o));
}

#[derive(Debug, serde::Deserialize)]
struct Doc {
    source_file: String,
    pages: Vec<i64>,
    case: Option<String>,
    case_status: String,
    case_confidence: f64,
    doc_type: Option<String>,
    blank_pages: Vec<i64>,
    separator_pages: Vec<i64>,
}

/// File name, pages, case, case status, type.
type Row<'a> = (&'a str, Vec<i64>, Option<&'a str>, &'a str, Option<&'a str>);

fn documents(home: &Path) -> Vec<Doc> {
    let o = scanstelle(&["documents", "--json"], home);
    assert!(o.status.success(), "{}", err(&o));
    out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn demo_files(dir: &Path) -> Vec<String> {
    [
        "weiterbewilligungsantrag.tif",
        "kontoauszug.jpg",
        "vermieterbescheinigung.pdf",
        "widerspruch-email.pdf",
    ]
    .iter()
    .map(|f| {
        let to = dir.join(f);
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/demo")
                .join(f),
            &to,
        )
        .unwrap();
        to.to_string_lossy().into_owned()
    })
    .collect()
}

#[test]
fn the_demo_letters_are_attached_to_their_cases_and_typed() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    common::admin_os(&home);
    let csv = dir.path().join("fallbestand.csv");
    std::fs::write(&csv, DEMO_REGISTER).unwrap();
    let files = demo_files(dir.path());
    let mut args = vec!["process", "--cases", csv.to_str().unwrap()];
    args.extend(files.iter().map(String::as_str));
    let o = scanstelle(&args, &home);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    assert!(
        out(&o).contains("4 Dokument(e) zugeordnet, 0 zur Prüfung"),
        "{}",
        out(&o)
    );
    let docs = documents(&home);
    let got: Vec<Row<'_>> = docs
        .iter()
        .map(|d| {
            (
                Path::new(&d.source_file)
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap(),
                d.pages.clone(),
                d.case.as_deref(),
                d.case_status.as_str(),
                d.doc_type.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "weiterbewilligungsantrag.tif",
                vec![1, 2],
                Some("12345BG0012345"),
                "auto",
                Some("weiterbewilligungsantrag")
            ),
            (
                "kontoauszug.jpg",
                vec![1],
                Some("12345BG0067890"),
                "auto",
                Some("kontoauszug")
            ),
            (
                "vermieterbescheinigung.pdf",
                vec![1],
                Some("12345BG0067890"),
                "auto",
                Some("vermieterbescheinigung")
            ),
            (
                "widerspruch-email.pdf",
                vec![1],
                Some("12345BG0012345"),
                "auto",
                Some("widerspruch")
            ),
        ]
    );
    let o = scanstelle(&["documents", "--explain"], &home);
    assert!(
        out(&o).contains("Akte 12345BG0012345 (99 %): BG-Nummer 12345BG0012345 auf Seite 1 bei x="),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains("Typ: kontoauszug 100 %"), "{}", out(&o));
    assert!(docs.iter().all(|d| d.case_confidence >= 0.9
        && d.blank_pages.is_empty()
        && d.separator_pages.is_empty()));
}

#[test]
fn without_the_person_in_the_register_the_letter_waits_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    common::admin_os(&home);
    let csv = dir.path().join("fallbestand.csv");
    // Jan Beispiel (Kundennummer 123A456789) is not in this register.
    let without: String = DEMO_REGISTER
        .lines()
        .filter(|l| !l.contains("Beispiel"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&csv, without).unwrap();
    let files = demo_files(dir.path());
    let o = scanstelle(
        &["process", "--cases", csv.to_str().unwrap(), &files[1]],
        &home,
    );
    assert!(o.status.success(), "{}", err(&o));
    let docs = documents(&home);
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (docs[0].case.as_deref(), docs[0].case_status.as_str()),
        (None, "none")
    );
    let o = scanstelle(&["documents", "--explain"], &home);
    assert!(
        out(&o).contains("Kundennummer 123A456789 auf Seite 1 nicht im Fallbestand"),
        "{}",
        out(&o)
    );

    // A person confirms it: the case must exist, the type must be known.
    let o = scanstelle(&["documents", "confirm", "1"], &home);
    assert!(err(&o).contains("BG-Nummer fehlt"), "{}", err(&o));
    let o = scanstelle(
        &["documents", "confirm", "1", "--case", "12345BG0067890"],
        &home,
    );
    assert!(err(&o).contains("nicht im Fallbestand"), "{}", err(&o));
    std::fs::write(&csv, DEMO_REGISTER).unwrap();
    assert!(
        scanstelle(&["cases", "import", csv.to_str().unwrap()], &home)
            .status
            .success()
    );
    let o = scanstelle(
        &[
            "documents",
            "confirm",
            "1",
            "--case",
            "12345 BG 0067890",
            "--typ",
            "kontoauszg",
        ],
        &home,
    );
    assert!(err(&o).contains("unbekannt"), "{}", err(&o));
    let o = scanstelle(
        &["documents", "confirm", "1", "--case", "12345 BG 0067890"],
        &home,
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("Akte 12345BG0067890, Typ kontoauszug"),
        "{}",
        out(&o)
    );
    let docs = documents(&home);
    assert_eq!(
        (
            docs[0].case.as_deref(),
            docs[0].case_status.as_str(),
            docs[0].case_confidence
        ),
        (Some("12345BG0067890"), "confirmed", 1.0)
    );
}
