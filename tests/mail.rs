//! E-mails (`.eml`) taken apart for real (mail-parser) and rendered by the
//! real LibreOffice: the message's text is one document, each attachment
//! another (an attached message gives its own), classified and filed like
//! scans, the e-mail itself going with its text's document to the DMS.

use crate::common;

use common::dms::TestDms;
use common::{mail, office};
use scanstelle::intake::{Outcome, take_file};
use scanstelle::station::Station;
use std::path::Path;
use std::time::{Duration, Instant};

fn take(station: &mut Station, hot: &Path, name: &str, bytes: &[u8]) -> Outcome {
    std::fs::create_dir_all(hot).unwrap();
    let path = hot.join(name);
    std::fs::write(&path, bytes).unwrap();
    let profile = common::test_profile(hot, 100, "");
    take_file(station, &profile, &path, &common::hot_folder_options()).unwrap()
}

fn demo(name: &str) -> &'static [u8] {
    scanstelle::demo::FILES
        .iter()
        .find(|f| f.name == name)
        .unwrap()
        .bytes
}

/// The text of a one-page document's page, as read (its own or OCR's).
fn page_text(station: &Station, doc: i64) -> String {
    station
        .store
        .connection()
        .query_row(
            "SELECT o.text FROM page_ocr o JOIN document_pages dp ON dp.page_id = o.page_id
             WHERE dp.document_id = ?1",
            [doc],
            |r| r.get(0),
        )
        .unwrap()
}

/// A person confirms each of these documents (id, type, state) that waits
/// for review, in her case with the type the station proposed.
fn confirm_waiting<'a>(station: &mut Station, docs: impl Iterator<Item = (i64, &'a str, &'a str)>) {
    for (id, doc_type, state) in docs {
        if state == "review" {
            station
                .store
                .confirm_document(id, "12345BG0012345", doc_type, &[])
                .unwrap();
        }
    }
}

/// A forwarded pay slip: how an employer's payroll office writes.
fn pay_slip_mail() -> Vec<u8> {
    mail::message(
        &[
            (
                "From",
                "Lohnbuchhaltung Weser-Logistik <lohn@weser-logistik.example>",
            ),
            ("To", "Erika Mustermann <e.mustermann@web.example>"),
            ("Date", "Mon, 30 Nov 2026 07:01:44 +0100"),
            ("Subject", "Entgeltabrechnung November 2026"),
            ("Message-ID", "<lohn-2026-11-0815@weser-logistik.example>"),
        ],
        "Guten Morgen Frau Mustermann,\n\nIhre Entgeltabrechnung für November 2026:\n\
         Bruttoentgelt 1.240,00 EUR, Nettoentgelt 987,16 EUR, ausgezahlt am 30.11.2026.\n\n\
         Freundliche Grüße\nIhre Lohnbuchhaltung",
        None,
        &[],
    )
}

/// Erika Mustermann sends what her caseworker asked for, from home.
fn her_mail() -> Vec<u8> {
    let nachweis = office::docx(&[
        "Erika Mustermann",
        "Lindenstraße 12, 32423 Minden",
        "BG-Nummer 12345BG0012345",
        "# Nachweis über Kinderbetreuungskosten",
        "Die Kindertagesstätte Sonnenschein bestätigt die Betreuung von Max Mustermann.",
    ]);
    let forwarded = pay_slip_mail();
    mail::message(
        &[
            ("From", "Erika Mustermann <e.mustermann@web.example>"),
            (
                "To",
                "Jobcenter Minden-Lübbecke <poststelle@jobcenter.example>",
            ),
            ("Date", "Fri, 04 Dec 2026 18:22:10 +0100"),
            (
                "Subject",
                "=?utf-8?q?Unterlagen_f=C3=BCr_meinen_Weiterbewilligungsantrag?=",
            ),
            ("Message-ID", "<b7c1e9a2@web.example>"),
        ],
        "Sehr geehrte Damen und Herren,\n\nanbei die fehlenden Unterlagen zu meinem \
         Weiterbewilligungsantrag und die weitergeleitete Lohnabrechnung.\n\
         Meine Kundennummer: 123A456700\n\nMit freundlichen Grüßen\nErika Mustermann\n\
         Lindenstraße 12, 32423 Minden",
        Some(
            "<html><body><p>Sehr geehrte Damen und Herren,</p><p>anbei die fehlenden \
             Unterlagen zu meinem Weiterbewilligungsantrag und die weitergeleitete \
             Lohnabrechnung.<br>Meine Kundennummer: 123A456700</p><p>Mit freundlichen \
             Grüßen<br>Erika Mustermann</p><img src=\"https://newsletter.example/t.gif\">\
             </body></html>",
        ),
        &[
            (
                "Antrag.tif",
                "image/tiff",
                demo("weiterbewilligungsantrag.tif"),
            ),
            (
                "Widerspruch.pdf",
                "application/pdf",
                demo("widerspruch-email.pdf"),
            ),
            (
                "Nachweis Kita.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                &nachweis,
            ),
            ("Lohnabrechnung.eml", "message/rfc822", &forwarded),
            (
                "smime.p7s",
                "application/pkcs7-signature",
                b"0\x82\x01\x00signatur",
            ),
        ],
    )
}

#[test]
fn an_email_with_attachments_and_a_forwarded_message_becomes_a_document_each_and_is_filed() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::default_config(&dir.path().join("home"));
    let mut station = common::station(&config.home);
    scanstelle::demo::import_register(&mut station.store).unwrap();
    let eml = her_mail();
    let out = take(
        &mut station,
        &dir.path().join("hot"),
        "Unterlagen.eml",
        &eml,
    );
    let Outcome::Ingested(ingested) = out else {
        panic!("{out:?}")
    };
    // Her text, the two-page application, the objection, the DOCX, the
    // forwarded pay slip: six pages.
    assert_eq!(ingested.pages, 6);
    common::process(&config);

    let docs: Vec<(i64, String, String, String, i64, String)> = station
        .store
        .connection()
        .prepare(
            "SELECT d.id, COALESCE(d.case_bg, ''), COALESCE(d.doc_type, ''), d.state,
                    COUNT(dp.page_id), GROUP_CONCAT(COALESCE(o.engine, ''), '|')
             FROM documents d JOIN document_pages dp ON dp.document_id = d.id
             LEFT JOIN page_ocr o ON o.page_id = dp.page_id
             WHERE d.batch_id = ?1 GROUP BY d.id ORDER BY d.id",
        )
        .unwrap()
        .query_map([ingested.batch_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let pages: Vec<i64> = docs.iter().map(|d| d.4).collect();
    assert_eq!(pages, [1, 2, 1, 1, 1], "{docs:#?}");
    for d in &docs {
        assert_eq!(d.1, "12345BG0012345", "{docs:#?}");
    }
    let own = scanstelle::pipeline::OWN_TEXT_ENGINE;
    // Her text, the born-digital PDF, the DOCX and the pay slip are read
    // from their own text; only the scanned application goes through OCR.
    for (i, d) in docs.iter().enumerate() {
        assert_eq!(d.5.split('|').all(|e| e == own), i != 1, "{docs:#?}");
    }
    assert_eq!(docs[1].2, "weiterbewilligungsantrag", "{docs:#?}");
    // What is not certain waits for a person; here she confirms it.
    confirm_waiting(
        &mut station,
        docs.iter().map(|d| (d.0, d.2.as_str(), d.3.as_str())),
    );
    let text = page_text(&station, docs[0].0);
    assert!(
        text.contains("Von: Erika Mustermann <e.mustermann@web.example>"),
        "{text}"
    );
    assert!(text.contains("Datum: 04.12.2026 18:22 Uhr"), "{text}");
    assert!(text.contains("Weiterbewilligungsantrag"), "{text}");
    assert!(text.contains("smime.p7s"), "{text}");
    assert!(!text.contains("newsletter.example"), "{text}");

    // Filed: five documents in her case, the e-mail with its text's one.
    let mut dms = TestDms::under(dir.path());
    assert_eq!(dms.take_from(&mut station.store, &config.home), 1);
    let mut arrived: Vec<_> = dms.objects.values().flatten().cloned().collect();
    arrived.sort_by_key(|a| a.number);
    assert_eq!(arrived.len(), 5);
    assert!(arrived.iter().all(|a| a.container == "12345BG0012345"));
    assert_eq!(
        arrived[0].originals,
        [("006".to_owned(), "Unterlagen.eml".to_owned(), eml.clone())]
    );
    assert!(arrived[1..].iter().all(|a| a.originals.is_empty()));
    assert_eq!(dms.take_from(&mut station.store, &config.home), 0);
    dms.assert_each_filed_once(5);
    assert_eq!(
        common::files_containing(&config.home, b"Kinderbetreuungskosten"),
        Vec::<std::path::PathBuf>::new()
    );
}

/// An uncompressed grey TIFF of `pages` A4-sized pages with a few black
/// bars: large on disk, cheap to decode.
fn big_tiff(pages: usize) -> Vec<u8> {
    use tiff::encoder::{Rational, TiffEncoder, colortype};
    use tiff::tags::ResolutionUnit;
    let (w, h) = (4000u32, 4400u32);
    let mut px = vec![255u8; (w * h) as usize];
    for y in (400..4000).step_by(120) {
        for x in 400..3600 {
            for t in 0..30 {
                px[((y + t) * w + x) as usize] = 0;
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut out).unwrap();
        for _ in 0..pages {
            let mut img = enc.new_image::<colortype::Gray8>(w, h).unwrap();
            img.resolution(ResolutionUnit::Inch, Rational { n: 400, d: 1 });
            img.write_data(&px).unwrap();
        }
    }
    out.into_inner()
}

#[test]
fn a_mail_with_a_50_mb_attachment_is_taken_whole_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut station = common::station(&dir.path().join("home"));
    let tiff = big_tiff(3);
    assert!(tiff.len() > 50_000_000, "{}", tiff.len());
    let eml = mail::message(
        &[
            ("From", "Kopierladen Minden <scan@kopierladen.example>"),
            ("To", "poststelle@jobcenter.example"),
            ("Date", "Thu, 03 Dec 2026 11:00:00 +0100"),
            ("Subject", "Ihr Scanauftrag"),
        ],
        "Im Anhang Ihr Scanauftrag (3 Seiten, 400 dpi).",
        None,
        &[("scanauftrag.tif", "image/tiff", &tiff)],
    );
    let started = Instant::now();
    let out = take(
        &mut station,
        &dir.path().join("hot"),
        "scanauftrag.eml",
        &eml,
    );
    let took = started.elapsed();
    let Outcome::Ingested(i) = out else {
        panic!("{out:?}")
    };
    eprintln!(
        "{} MB e-mail: {} pages in {:.1} s",
        eml.len() >> 20,
        i.pages,
        took.as_secs_f64()
    );
    assert_eq!(i.pages, 4);
    assert!(took < Duration::from_secs(120), "{took:?}");
}

#[test]
fn a_mail_whose_attachment_cannot_be_read_waits_in_quarantine_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut station = common::station(&dir.path().join("home"));
    let docm = office::zip_parts(
        &[
            office::docx_parts(&["Antrag"]),
            vec![("word/vbaProject.bin", vec![0xCC; 1024])],
        ]
        .concat(),
        false,
    );
    let pdf = demo("abgebrochen.pdf");
    for (attachments, words) in [
        (
            vec![("Antrag.docm", "application/octet-stream", &docm[..])],
            "Anhang „Antrag.docm“: Die DOCX-Datei enthält Makros",
        ),
        (
            vec![("scan.pdf", "application/pdf", pdf)],
            "Anhang „scan.pdf“",
        ),
    ] {
        let eml = mail::message(
            &[
                ("From", "jemand@example.org"),
                ("Subject", "Unterlagen"),
                ("Date", "Thu, 03 Dec 2026 11:00:00 +0100"),
            ],
            "Anbei.",
            None,
            &attachments,
        );
        let out = take(&mut station, &dir.path().join("hot"), "post.eml", &eml);
        let Outcome::Quarantined { reason, .. } = out else {
            panic!("{out:?}")
        };
        assert!(reason.starts_with(words), "{reason}");
    }
    assert_eq!(station.store.quarantine_entries().unwrap().len(), 2);
}

#[test]
fn an_outlook_message_is_taken_apart_like_an_email_and_goes_with_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::default_config(&dir.path().join("home"));
    let mut station = common::station(&config.home);
    scanstelle::demo::import_register(&mut station.store).unwrap();
    let nachweis = office::docx(&[
        "Erika Mustermann, Lindenstraße 12, 32423 Minden",
        "BG-Nummer 12345BG0012345",
        "# Bescheinigung über Kinderbetreuungskosten",
    ]);
    let msg = mail::outlook_msg(
        ("Erika Mustermann", "e.mustermann@web.example"),
        ("Jobcenter Minden-Lübbecke", "poststelle@jobcenter.example"),
        "Nachweis Kita",
        "Sehr geehrte Damen und Herren,\r\nanbei der Nachweis.\r\nKundennummer 123A456700\r\n\
         Mit freundlichen Grüßen\r\nErika Mustermann",
        &[
            ("Nachweis Kita.docx", &nachweis),
            ("smime.p7s", b"0\x82signatur"),
        ],
    );
    let out = take(&mut station, &dir.path().join("hot"), "Nachweis.msg", &msg);
    let Outcome::Ingested(ingested) = out else {
        panic!("{out:?}")
    };
    assert_eq!(ingested.pages, 2);
    common::process(&config);
    let docs: Vec<(i64, String, String, String)> = station
        .store
        .connection()
        .prepare(
            "SELECT id, COALESCE(case_bg, ''), COALESCE(doc_type, ''), state FROM documents
             WHERE batch_id = ?1 AND EXISTS (SELECT 1 FROM document_pages dp
                                             WHERE dp.document_id = documents.id)
             ORDER BY id",
        )
        .unwrap()
        .query_map([ingested.batch_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(docs.len(), 2, "{docs:?}");
    assert!(docs.iter().all(|d| d.1 == "12345BG0012345"), "{docs:?}");
    let text = page_text(&station, docs[0].0);
    assert!(
        text.contains("Von: Erika Mustermann <e.mustermann@web.example>"),
        "{text}"
    );
    assert!(
        text.contains("smime.p7s (elektronische Signatur)"),
        "{text}"
    );
    confirm_waiting(
        &mut station,
        docs.iter().map(|d| (d.0, d.2.as_str(), d.3.as_str())),
    );
    let mut dms = TestDms::under(dir.path());
    assert_eq!(dms.take_from(&mut station.store, &config.home), 1);
    let mut arrived: Vec<_> = dms.objects.values().flatten().cloned().collect();
    arrived.sort_by_key(|a| a.number);
    assert_eq!(arrived.len(), 2);
    assert_eq!(
        arrived[0].originals,
        [("012".to_owned(), "Nachweis.msg".to_owned(), msg.clone())]
    );
}

/// The demo register with the e-mail column of the contact data: Erika
/// Mustermann's address, none for the others.
fn register_with_email(station: &mut Station) {
    let csv: String = scanstelle::demo::REGISTER_CSV
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{l};email\n"),
            _ if l.contains(";Erika;") => format!("{l};E.Mustermann@web.example\n"),
            _ => format!("{l};\n"),
        })
        .collect();
    let parsed = scanstelle::classify::register::parse_csv(csv.as_bytes()).unwrap();
    assert!(parsed.bad.is_empty(), "{:?}", parsed.bad);
    station
        .store
        .import_register(&parsed.persons, "fallbestand.csv", "kontakt", 0)
        .unwrap();
}

#[test]
fn a_message_from_the_address_in_the_register_is_filed_by_its_sender() {
    // A short note: her name, no number, no postal address.
    let note = mail::message(
        &[
            ("From", "Erika Mustermann <e.mustermann@web.example>"),
            ("To", "poststelle@jobcenter.example"),
            ("Date", "Sat, 05 Dec 2026 09:12:00 +0100"),
            ("Subject", "Nachricht"),
        ],
        "Hallo,\n\nich bin ab dem 14.12. wieder erreichbar.\n\nViele Grüße\nErika Mustermann",
        None,
        &[],
    );
    let decided =
        |with_email: bool| {
            let dir = tempfile::tempdir().unwrap();
            let config = common::default_config(&dir.path().join("home"));
            let mut station = common::station(&config.home);
            if with_email {
                register_with_email(&mut station);
            } else {
                scanstelle::demo::import_register(&mut station.store).unwrap();
            }
            let out = take(&mut station, &dir.path().join("hot"), "n.eml", &note);
            assert!(matches!(out, Outcome::Ingested(_)), "{out:?}");
            common::process(&config);
            station
            .store
            .connection()
            .query_row(
                "SELECT COALESCE(case_bg, ''), COALESCE(case_status, ''), COALESCE(decision, '')
                 FROM documents",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
            )
            .unwrap()
        };
    // The register knows her address: attached without a person.
    let (case, status, decision) = decided(true);
    assert_eq!(
        (case.as_str(), status.as_str()),
        ("12345BG0012345", "auto"),
        "{decision}"
    );
    assert!(decision.contains("e.mustermann@web.example"), "{decision}");
    // Without contact data, her name alone is not enough.
    let (_, status, decision) = decided(false);
    assert_eq!(status, "review", "{decision}");
}
