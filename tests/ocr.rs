//! The OCR engine as the station drives it: the check before OCR (pages
//! without text are not given to Tesseract), the per-page deadline, German
//! read with German (umlauts kept) and a second set of languages for what
//! stays doubtful.

use crate::common;
use crate::stranger;

use scanstelle::ocr::{OcrEngine, OcrSettings};
use scanstelle::prepare::imaging;

/// Every page of a scanner file, decoded, with its resolution.
fn pages_of(path: &std::path::Path) -> Vec<(image::GrayImage, u32)> {
    scanstelle::intake::decode::decode(&std::fs::read(path).unwrap())
        .unwrap()
        .pages
        .into_iter()
        .map(|p| {
            let dpi = p.dpi.map_or(300, |d| d.0.round() as u32);
            (imaging::load_gray(&p.bytes, p.encoding).unwrap(), dpi)
        })
        .collect()
}

/// `OCR_FILE=scan.tif cargo test --test tests ocr::show -- --ignored
/// --nocapture` prints what the station reads on each page of a file.
#[test]
#[ignore = "a tool for looking at one file"]
fn show() {
    let Some(path) = std::env::var_os("OCR_FILE") else {
        return;
    };
    // `SCANSTELLE_LOG=scanstelle=debug`: each reading's decisions too.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("SCANSTELLE_LOG"))
        .with_writer(std::io::stderr)
        .try_init();
    let mut engine = OcrEngine::new(&OcrSettings::default()).unwrap();
    for (i, (page, dpi)) in pages_of(path.as_ref()).iter().enumerate() {
        let r = engine.recognize_upright(page, *dpi).unwrap();
        println!(
            "--- Seite {} ({} dpi, {:.0} %, {}, gedreht {:?})\n{}",
            i + 1,
            dpi,
            r.ocr.mean_conf,
            r.ocr.languages,
            r.turned.as_ref().map(|t| t.0),
            r.ocr.text
        );
        // `OCR_WORDS=1`: every word with its line and confidence.
        if std::env::var_os("OCR_WORDS").is_some() {
            for w in &r.ocr.words {
                println!("  Zeile {:3} {:5.1} % {}", w.line, w.conf, w.text);
            }
        }
    }
}

/// The check before OCR: on a desk mix, a duplex production stack and
/// duplex desk scans made by the corpus generator, every page with text
/// shows text and no empty backside (show-through, grain, dust, fibres,
/// punch holes) does.
#[test]
fn only_pages_with_text_go_to_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let desk = stranger::stacks::desk_mix(dir.path(), 11, 8);
    let mut text_pages = 0;
    for f in &desk.files {
        for (page, dpi) in pages_of(f) {
            assert!(
                imaging::shows_text(&page, dpi as f32),
                "{}: a page with text passed over",
                f.display()
            );
            text_pages += 1;
        }
    }
    assert_eq!(text_pages, desk.content);
    let duplex = stranger::stacks::noisy_duplex(dir.path(), 12, 3);
    let stack = stranger::stacks::duplex_stack(dir.path(), 13, 3);
    let (mut fronts, mut backs) = (0, 0);
    for f in duplex.files.iter().chain(&stack.files) {
        let pages = pages_of(f);
        // Sheet by sheet: the front, then its backside.
        for (i, (page, dpi)) in pages.iter().enumerate() {
            if i % 2 == 0 {
                // Fronts with text were checked above; Patch-T sheets are
                // read as barcodes and never reach OCR.
                fronts += 1;
            } else {
                backs += 1;
                assert!(
                    !imaging::shows_text(page, *dpi as f32),
                    "{} page {}: an empty backside counted as text",
                    f.display(),
                    i + 1
                );
            }
        }
    }
    assert_eq!(backs, duplex.backsides + stack.backsides);
    assert_eq!(fronts, duplex.content + stack.content + stack.separators);
}

/// A page of small print, dense enough to take the engine seconds.
fn dense_page() -> image::GrayImage {
    use stranger::page::{Font, Page, ScanLook};
    let mut page = Page::new();
    let text = "Hiermit beantrage ich die Übernahme der Kosten für Unterkunft und Heizung \
                gemäß § 22 SGB II ab dem 01.03.2026; die Nebenkostenabrechnung vom 14.02.2026 \
                über 412,37 EUR liegt bei, ebenso die Bescheinigung des Vermieters. ";
    let mut y = 40.0;
    while y < 800.0 {
        y = page.para(40.0, y, 515.0, Font::Times, 6.5, &text.repeat(3));
    }
    let mut rng = stranger::Rng::new(7);
    stranger::page::scan_grey(&mut rng, &page, &ScanLook::plain(300))
}

/// No page holds an engine longer than its deadline: a reading cut off
/// keeps what was read, says so, and its document waits for a person
/// with the reason in words.
#[test]
fn a_page_over_its_deadline_is_cut_off_and_its_document_waits() {
    let page = dense_page();
    let full = OcrEngine::new(&OcrSettings::default())
        .unwrap()
        .recognize_upright(&page, 300)
        .unwrap()
        .ocr;
    assert!(!full.cut_off);
    let quick = OcrSettings {
        page_deadline_secs: 1,
        ..OcrSettings::default()
    };
    let start = std::time::Instant::now();
    let cut = OcrEngine::new(&quick)
        .unwrap()
        .recognize_upright(&page, 300)
        .unwrap()
        .ocr;
    let took = start.elapsed();
    assert!(cut.cut_off, "not cut off after {took:?}");
    assert!(
        cut.words.len() < full.words.len(),
        "{} of {} words",
        cut.words.len(),
        full.words.len()
    );
    eprintln!(
        "whole page {} words; with a 1 s deadline {} words in {took:?}",
        full.words.len(),
        cut.words.len()
    );

    // Through the station: the document waits, saying why.
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = common::station(&home);
    let png = stranger::page::png_grey(&page, 300);
    crate::process::ingest(&mut station, dir.path(), "antrag.png", &png);
    let mut p = scanstelle::pipeline::Processor::new(&home, &common::keys(&home), Vec::new(), 1)
        .unwrap()
        .with_ocr(&quick)
        .unwrap();
    p.run_pending(&std::sync::atomic::AtomicBool::new(false))
        .unwrap();
    let docs = station.store.document_reports().unwrap();
    assert_eq!(docs.len(), 1);
    assert!(
        docs[0]
            .reasons
            .iter()
            .any(|r| r.contains("Texterkennung nach Zeitlimit abgebrochen (Seite 1)")),
        "{:?}",
        docs[0].reasons
    );
}

/// German text read in German keeps its umlauts and ß: on letters set in
/// four fonts, the station's reading holds at least as many of the words
/// with umlauts as a German-and-English reading, and nearly all of them.
#[test]
fn german_words_keep_their_umlauts() {
    use stranger::page::{Font, Page, ScanLook};
    let sentences = [
        "Änderungsbescheid über die Bewilligung von Leistungen zur Sicherung des Lebensunterhalts",
        "Sehr geehrte Frau Müller, für den Monat März übernehmen wir die Gebühren nicht.",
        "Die Überprüfung Ihrer Unterlagen ergab, dass die Größe der Wohnung angemessen ist.",
        "Bitte reichen Sie die Bescheinigung Ihres früheren Arbeitgebers in Bückeburg nach.",
        "Mit freundlichen Grüßen, Ihr Jobcenter Minden-Lübbecke, Königstraße 12, Straßenbahnhof",
        "Gegen diesen Bescheid können Sie innerhalb eines Monats Widerspruch erheben; Öffnungszeiten",
    ];
    let umlaut_words: Vec<String> = sentences
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
        .filter(|w| w.chars().any(|c| "äöüÄÖÜß".contains(c)))
        .collect();
    let mut station = OcrEngine::new(&OcrSettings::default()).unwrap();
    let mut pair = OcrEngine::new(&OcrSettings {
        languages: "deu+eng".into(),
        second_languages: String::new(),
        ..OcrSettings::default()
    })
    .unwrap();
    let (mut ours, mut theirs, mut total) = (0, 0, 0);
    let mut rng = stranger::Rng::new(3);
    for font in [Font::Times, Font::Helv, Font::Cour, Font::Sans] {
        let mut page = Page::new();
        let mut y = 80.0;
        for s in sentences {
            y = page.para(60.0, y, 480.0, font, 11.0, s) + 8.0;
        }
        // A faint 200 dpi fax-like copy: where the models differ.
        let look = ScanLook {
            noise: 18.0,
            blur: 0.7,
            contrast: 0.8,
            ..ScanLook::plain(200)
        };
        let img = stranger::page::bilevel(&stranger::page::scan_grey(&mut rng, &page, &look), 150);
        let found = |text: &str| {
            let words: std::collections::HashSet<&str> = text
                .split_whitespace()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                .collect();
            umlaut_words
                .iter()
                .filter(|w| words.contains(w.as_str()))
                .count()
        };
        let a = found(&station.recognize_upright(&img, 200).unwrap().ocr.text);
        let b = found(&pair.recognize_upright(&img, 200).unwrap().ocr.text);
        eprintln!(
            "{font:?}: umlaut words {a} (deu) / {b} (deu+eng) of {}",
            umlaut_words.len()
        );
        ours += a;
        theirs += b;
        total += umlaut_words.len();
    }
    assert!(ours >= theirs, "deu {ours}, deu+eng {theirs} of {total}");
    assert!(ours * 100 >= total * 90, "deu {ours} of {total}");
}
