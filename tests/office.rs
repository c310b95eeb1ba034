//! Born-digital documents: Office files converted by the real LibreOffice
//! (Debian's, headless, its own profile, no network, no macros) into pages
//! whose own text needs no OCR, attached to their case and filed in the
//! test DMS with the file as it arrived; and every way such a file is
//! refused in words (macros, password, bombs, no LibreOffice, too slow).

use crate::common;

use common::dms::TestDms;
use common::office;
use scanstelle::intake::convert::{OfficeKind, OfficeSettings};
use scanstelle::intake::{Outcome, TakeOptions, take_file};
use scanstelle::station::Station;
use std::path::Path;
use std::time::{Duration, Instant};

fn opts(office: OfficeSettings) -> TakeOptions {
    TakeOptions {
        office,
        ..common::hot_folder_options()
    }
}

/// Drops `bytes` as `name` into the hot folder and takes it.
fn take(station: &mut Station, hot: &Path, name: &str, bytes: &[u8], o: &TakeOptions) -> Outcome {
    std::fs::create_dir_all(hot).unwrap();
    let path = hot.join(name);
    std::fs::write(&path, bytes).unwrap();
    let profile = common::test_profile(hot, 100, "");
    take_file(station, &profile, &path, o).unwrap()
}

/// The reason of a quarantined outcome (panics on any other).
fn refused(out: Outcome) -> String {
    match out {
        Outcome::Quarantined { reason, .. } => reason,
        other => panic!("expected quarantine, got {other:?}"),
    }
}

/// `(format, engine, text)` of every page of the station, in order.
fn pages(station: &Station) -> Vec<(String, String, String)> {
    station
        .store
        .connection()
        .prepare(
            "SELECT s.format, COALESCE(o.engine, ''), COALESCE(o.text, '')
             FROM pages p JOIN source_files s ON s.id = p.source_file_id
             LEFT JOIN page_ocr o ON o.page_id = p.id ORDER BY p.id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// No LibreOffice left running from a conversion of this test's home.
fn no_converter_left(home: &Path) {
    let me = home.join("convert").display().to_string();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            assert!(!cmd.contains(&me), "still running: {cmd}");
        }
    }
    let left: Vec<_> = std::fs::read_dir(home.join("convert"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left in the work folder: {left:?}");
}

/// A letter as someone types it at home: sender block, the job centre's
/// address, the BG-Nummer written with spaces, an objection.
const LETTER: &[&str] = &[
    "Jan Beispiel",
    "Kuhlenstraße 3",
    "32427 Minden",
    "",
    "Jobcenter Minden-Lübbecke",
    "Leistungsabteilung",
    "",
    "Minden, 3. November 2026",
    "",
    "# Widerspruch gegen den Bescheid vom 20.10.2026",
    "Bedarfsgemeinschaft: 12345 BG 0067890",
    "",
    "Sehr geehrte Damen und Herren,",
    "gegen Ihren Bescheid lege ich hiermit Widerspruch ein. Die Heizkosten meiner Wohnung \
     wurden nicht in voller Höhe anerkannt; die Abrechnung des Vermieters liegt bei.",
    "",
    "Mit freundlichen Grüßen",
    "Jan Beispiel",
];

#[test]
fn an_office_letter_is_converted_read_without_ocr_attached_and_filed_with_its_original() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::default_config(&dir.path().join("home"));
    let mut station = common::station(&config.home);
    scanstelle::demo::import_register(&mut station.store).unwrap();
    let docx = office::docx(LETTER);
    let started = Instant::now();
    let out = take(
        &mut station,
        &dir.path().join("hot"),
        "Widerspruch Heizkosten.docx",
        &docx,
        &opts(OfficeSettings::default()),
    );
    let took = started.elapsed();
    let Outcome::Ingested(ingested) = out else {
        panic!("{out:?}")
    };
    assert_eq!(ingested.pages, 1);
    eprintln!("DOCX → PDF/A → page: {:.1} s", took.as_secs_f64());
    no_converter_left(&config.home);
    common::process(&config);

    // Its own text is the page's reading: no OCR ran over it.
    let p = pages(&station);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, "docx");
    assert_eq!(p[0].1, scanstelle::pipeline::OWN_TEXT_ENGINE);
    assert!(p[0].2.contains("Die Heizkosten meiner"), "{}", p[0].2);
    assert!(p[0].2.contains("Grüßen"), "umlauts kept: {}", p[0].2);
    let decided: (String, String, String) = station
        .store
        .connection()
        .query_row(
            "SELECT case_bg, doc_type, case_status FROM documents WHERE id = ?1",
            [ingested.document_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        decided,
        (
            "12345BG0067890".to_owned(),
            "widerspruch".to_owned(),
            "auto".to_owned()
        )
    );
    // Found by search as typed.
    let hits = station
        .store
        .search(&["12345 BG 0067890".into()], 5)
        .unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");

    // Filed: the PDF/A is the primary document, the DOCX goes with it.
    let mut dms = TestDms::under(dir.path());
    assert_eq!(dms.take_from(&mut station.store, &config.home), 1);
    let arrived: Vec<_> = dms.objects.values().flatten().collect();
    assert_eq!(arrived.len(), 1);
    assert_eq!(arrived[0].container, "12345BG0067890");
    assert!(arrived[0].pdf_bytes.starts_with(b"%PDF-"));
    assert_eq!(
        arrived[0].originals,
        [(
            "035".to_owned(),
            "Widerspruch Heizkosten.docx".to_owned(),
            docx.clone()
        )]
    );
    // The PDF's text layer says what the letter says.
    let pdf = dir.path().join("filed.pdf");
    std::fs::write(&pdf, &arrived[0].pdf_bytes).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Heizkosten"), "{text}");
    let xml = dms.messages.values().next().unwrap();
    assert!(xml.contains("<code>035</code>"), "{xml}");
    assert!(xml.contains("<code>044</code>"), "{xml}");
    // The letter in plain form is nowhere under the home.
    assert_eq!(
        common::files_containing(&config.home, b"Heizkosten"),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(dms.take_from(&mut station.store, &config.home), 0);
    dms.assert_each_filed_once(1);
}

/// Converts `bytes` (a file ending in `from`) to `to` with the real
/// LibreOffice, the way someone's office would have written it.
fn written_by_libreoffice(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(format!("in.{from}"));
    std::fs::write(&input, bytes).unwrap();
    let status = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}/profile",
            dir.path().display()
        ))
        .args(["--headless", "--norestore", "--convert-to", to, "--outdir"])
        .arg(dir.path())
        .arg(&input)
        .output()
        .expect("LibreOffice installed (installer/setup.sh)");
    assert!(status.status.success(), "{status:?}");
    std::fs::read(dir.path().join(format!("in.{to}"))).unwrap()
}

#[test]
fn every_office_format_is_taken_with_its_own_text() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = common::station(&home);
    let hot = dir.path().join("hot");
    let o = opts(OfficeSettings::default());
    let note = [
        "Arbeitsunfähigkeitsbescheinigung nachgereicht",
        "Kundennummer 123A456700, Erika Mustermann",
        "Bitte um Weiterleitung an die Sachbearbeitung.",
    ];
    let docx = office::docx(&note);
    let rows: Vec<Vec<String>> = vec![
        vec!["Datum".into(), "Verwendungszweck".into(), "Betrag".into()],
        vec![
            "01.11.2026".into(),
            "Miete November Grünstraße".into(),
            "-450.5".into(),
        ],
        vec!["15.11.2026".into(), "Stromabschlag".into(), "-62".into()],
    ];
    let xlsx = office::xlsx(&rows);
    let latin1: Vec<u8> =
        "Schreiben an das Jobcenter\r\nÄnderungsmitteilung: Umzug zum 1. Dezember\r\n"
            .chars()
            .map(|c| c as u32 as u8)
            .collect();
    let files: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("brief.docx", docx.clone(), "docx", "Weiterleitung"),
        (
            "brief.odt",
            office::odt(&note),
            "odt",
            "Arbeitsunfähigkeitsbescheinigung",
        ),
        (
            "brief.rtf",
            office::rtf(&note),
            "rtf",
            "Arbeitsunfähigkeitsbescheinigung",
        ),
        (
            "brief.doc",
            written_by_libreoffice(&docx, "docx", "doc"),
            "doc",
            "Weiterleitung",
        ),
        ("umsaetze.xlsx", xlsx.clone(), "xlsx", "Grünstraße"),
        (
            "umsaetze.ods",
            written_by_libreoffice(&xlsx, "xlsx", "ods"),
            "ods",
            "Stromabschlag",
        ),
        (
            "umsaetze.xls",
            written_by_libreoffice(&xlsx, "xlsx", "xls"),
            "xls",
            "Stromabschlag",
        ),
        ("mitteilung.txt", latin1, "txt", "Änderungsmitteilung"),
    ];
    for (name, bytes, _, _) in &files {
        match take(&mut station, &hot, name, bytes, &o) {
            Outcome::Ingested(i) => assert!(i.pages >= 1, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    no_converter_left(&home);
    let config = common::default_config(&home);
    common::process(&config);
    let p = pages(&station);
    assert_eq!(p.len(), files.len(), "{p:?}");
    for ((name, _, format, word), (got_format, engine, text)) in files.iter().zip(&p) {
        assert_eq!(got_format, format, "{name}");
        assert_eq!(engine, scanstelle::pipeline::OWN_TEXT_ENGINE, "{name}");
        assert!(text.contains(word), "{name}: {text}");
    }
    // (E-mails and Outlook messages are taken apart, not converted whole:
    // tests/mail.rs.)
    for kind in OfficeKind::ALL
        .into_iter()
        .filter(|k| ![OfficeKind::Mail, OfficeKind::Msg].contains(k))
    {
        assert!(
            files.iter().any(|f| f.2 == kind.as_str()),
            "{kind:?} untested"
        );
    }
}

#[test]
fn a_born_digital_pdf_is_not_read_again_by_ocr_but_a_scan_is() {
    let dir = tempfile::tempdir().unwrap();
    let (_, station, _) = common::processed_station(
        dir.path(),
        &["widerspruch-email.pdf", "vermieterbescheinigung.pdf"],
    );
    let p = pages(&station);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(p[0].1, scanstelle::pipeline::OWN_TEXT_ENGINE, "{p:?}");
    assert!(p[0].2.contains("Widerspruch"), "{}", p[0].2);
    assert!(p[1].1.to_lowercase().contains("tesseract"), "{p:?}");
}

#[test]
fn macros_passwords_and_bombs_are_refused_in_words_before_libreoffice_opens_them() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = common::station(&home);
    let hot = dir.path().join("hot");
    let small = OfficeSettings {
        unpacked_megabytes: 20,
        ..Default::default()
    };
    let o = opts(small);
    let with = |mut parts: Vec<(&'static str, Vec<u8>)>, extra: (&'static str, Vec<u8>)| {
        parts.push(extra);
        parts
    };
    let docx_parts = office::docx_parts(LETTER);
    // A macro-enabled Word document saved under .docx.
    let docm = office::zip_parts(
        &with(
            docx_parts.clone(),
            ("word/vbaProject.bin", vec![0xCC; 4096]),
        ),
        false,
    );
    // ODF with a Basic library.
    let odt_basic = office::zip_parts(
        &with(
            office::odt_parts(LETTER),
            (
                "Basic/Standard/Module1.xml",
                b"<script:module>Sub Main\nShell(\"sh\")\nEnd Sub</script:module>".to_vec(),
            ),
        ),
        true,
    );
    // A Word 97 file with a VBA project.
    let doc_macros = office::compound(&[
        ("/WordDocument", {
            let mut fib = vec![0u8; 1024];
            fib[0] = 0xEC;
            fib[1] = 0xA5;
            fib
        }),
        ("/Macros/VBA/dir", vec![1; 64]),
        ("/Macros/PROJECT", b"ID=\"{00000000}\"".to_vec()),
    ]);
    // A DOCX inside a DOCX, carrying macros.
    let nested = office::zip_parts(
        &with(
            docx_parts.clone(),
            ("word/embeddings/Dokument1.docx", docm.clone()),
        ),
        false,
    );
    // Password-protected OOXML: a compound file with the encrypted package.
    let encrypted = office::compound(&[
        ("/EncryptionInfo", vec![4, 0, 4, 0, 0x40, 0, 0, 0]),
        ("/EncryptedPackage", vec![0x5A; 8192]),
    ]);
    // 64 MB of zeros in 64 KB: more than this station unpacks.
    let bomb = office::zip_parts(
        &with(
            docx_parts.clone(),
            ("word/media/image1.bin", vec![0; 64 << 20]),
        ),
        false,
    );
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    // A billion laughs in the document's XML.
    let mut laughs = docx_parts.clone();
    laughs[2].1 = br#"<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"#.to_vec();
    let laughs = office::zip_parts(&laughs, false);
    // A slide show is no letter.
    let pptx = office::zip_parts(
        &[(
            "[Content_Types].xml",
            br#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>"#.to_vec(),
        ), ("ppt/presentation.xml", b"<p:presentation/>".to_vec())],
        false,
    );
    // Cut off in the middle.
    let docx = office::docx(LETTER);
    let truncated = docx[..docx.len() / 2].to_vec();
    for (name, bytes, words) in [
        ("antrag.docx", docm, "Makros"),
        ("antrag.odt", odt_basic, "Makros"),
        ("antrag.doc", doc_macros, "Makros"),
        ("mit-anlage.docx", nested, "eingebetteten Dokument"),
        ("geschuetzt.docx", encrypted, "kennwortgeschützt"),
        ("bombe.docx", bomb, "mehr als 20 MB"),
        ("lachen.docx", laughs, "DOCX"),
        ("folien.pptx", pptx, "angenommen werden"),
        ("abgeschnitten.docx", truncated, "beschädigt"),
    ] {
        let reason = refused(take(&mut station, &hot, name, &bytes, &o));
        assert!(reason.contains(words), "{name}: {reason}");
    }
    // Nothing was converted (no LibreOffice was started), nothing is lost.
    no_converter_left(&home);
    assert_eq!(station.store.quarantine_entries().unwrap().len(), 9);
    assert!(pages(&station).is_empty());
}

#[test]
fn a_200_page_spreadsheet_is_converted_in_bounded_time_and_memory_or_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = common::station(&home);
    let hot = dir.path().join("hot");
    // A year of account movements someone exported: 12,000 rows.
    let rows: Vec<Vec<String>> = (0..12_000)
        .map(|i| {
            vec![
                format!("{:02}.{:02}.2026", i % 28 + 1, i % 12 + 1),
                format!("Lastschrift Nr. {i} Verwendungszweck Einkauf"),
                format!("-{}.{:02}", i % 300, i % 100),
            ]
        })
        .collect();
    let xlsx = office::xlsx(&rows);
    let started = Instant::now();
    let out = take(
        &mut station,
        &hot,
        "umsaetze-2026.xlsx",
        &xlsx,
        &opts(OfficeSettings {
            memory_megabytes: 1500,
            ..Default::default()
        }),
    );
    let took = started.elapsed();
    let Outcome::Ingested(i) = out else {
        panic!("{out:?}")
    };
    eprintln!("{} pages in {:.1} s", i.pages, took.as_secs_f64());
    assert!(i.pages >= 200, "{} pages", i.pages);
    assert!(took < Duration::from_secs(120), "{took:?}");
    no_converter_left(&home);

    // Given too little time, the conversion is stopped, its process
    // group killed, and the file waits in quarantine saying why.
    let started = Instant::now();
    let reason = refused(take(
        &mut station,
        &hot,
        "umsaetze-2025.xlsx",
        &office::xlsx(&rows[1..]),
        &opts(OfficeSettings {
            timeout_secs: 1,
            ..Default::default()
        }),
    ));
    assert!(reason.contains("länger als 1 Sekunden"), "{reason}");
    assert!(started.elapsed() < Duration::from_secs(20));
    no_converter_left(&home);
}

#[test]
fn without_libreoffice_an_office_file_waits_in_quarantine_saying_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = common::station(&home);
    let out = take(
        &mut station,
        &dir.path().join("hot"),
        "brief.docx",
        &office::docx(LETTER),
        &opts(OfficeSettings {
            program: "/opt/keinoffice/soffice".into(),
            ..Default::default()
        }),
    );
    let Outcome::Quarantined { reason, stored_as } = out else {
        panic!("{out:?}")
    };
    assert!(reason.contains("LibreOffice"), "{reason}");
    assert!(reason.contains("nicht installiert"), "{reason}");
    // The note beside it says what to do.
    let note = station.quarantine_note(&stored_as).unwrap();
    assert!(note.contains("setup.sh"), "{note}");
}
