//! Page preparation and OCR with the real Tesseract on project-made scans.

use crate::common;

use common::*;
use scanstelle::intake::{Outcome, take_file};
use scanstelle::pipeline::Processor;
use scanstelle::station::Station;
use scanstelle::store::{BatchState, PageState};
use std::sync::atomic::AtomicBool;

pub(crate) fn ingest(
    station: &mut Station,
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
) -> i64 {
    let hot = dir.join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let path = hot.join(name);
    std::fs::write(&path, bytes).unwrap();
    let profile = test_profile(&hot, 100, "");
    let opts = hot_folder_options();
    match take_file(station, &profile, &path, &opts).unwrap() {
        Outcome::Ingested(i) => i.batch_id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_demo_letter_is_recognised_with_word_boxes_and_found_by_search() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = station(&home);
    let batch = ingest(&mut station, dir.path(), "wba.tif", demo_g4_tiff());

    let mut p = Processor::new(&home, &keys(&home), Vec::new(), 2).unwrap();
    let s = p.run_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!((s.prepared, s.blank, s.recognized, s.batches), (2, 0, 2, 1));
    // No register imported: the document cannot be attached and waits for review.
    assert_eq!((s.classified, s.review), (0, 1));
    assert_eq!(
        station.store.batch_state(batch).unwrap(),
        Some(BatchState::Classified)
    );

    let src = &station.store.sources().unwrap()[0];
    let pages = station.store.pages_of_source(src.id).unwrap();
    assert!(pages.iter().all(|p| p.state == PageState::Recognized));
    let (text, conf) = station.store.ocr_text(pages[0].id).unwrap().unwrap();
    assert!(text.contains("Weiterbewilligung"), "{text}");
    assert!(text.contains("Mustermann"), "{text}");
    assert!(conf > 80.0, "mean confidence {conf}");

    // Word boxes: the BG number sits where the page has it (upper third, left half).
    let words: String = station
        .store
        .connection()
        .query_row(
            "SELECT words FROM page_ocr WHERE page_id = ?1",
            [pages[1].id],
            |r| r.get(0),
        )
        .unwrap();
    let words = scanstelle::ocr::decode_words(&words);
    let bg = words
        .iter()
        .find(|w| w.text == "12345BG0012345")
        .expect("BG number as one word");
    assert!(
        bg.top < 3508 / 3 && bg.left < 2480 / 2 && bg.width > 200,
        "{bg:?}"
    );
    assert!(bg.conf > 80.0);

    // Full-text search: prefixes, case and umlaut folding.
    let hits = station.store.search(&["weiterbewill".into()], 10).unwrap();
    assert_eq!(hits.len(), 2);
    let hits = station
        .store
        .search(&["lubbecke".into(), "erika".into()], 10)
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].page_number, 1);
    assert!(hits[0].snippet.contains('«'), "{}", hits[0].snippet);
    assert!(
        station
            .store
            .search(&["Kaltmiete".into()], 10)
            .unwrap()
            .is_empty()
    );
    // The document's PDF/A-2b: both pages, the text layer searchable.
    let doc = &station.store.documents_of_batch(batch).unwrap()[0];
    let sha = station
        .store
        .document_pdf(doc.id)
        .unwrap()
        .expect("PDF written");
    let pdf = station.blobs.get(&sha).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("pdfaid:part") && !text.contains("JBIG2"));
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok()
    {
        let f = dir.path().join("doc.pdf");
        std::fs::write(&f, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(&f)
            .arg("-")
            .output()
            .unwrap();
        let t = String::from_utf8_lossy(&out.stdout);
        assert!(
            t.contains("Weiterbewilligung") && t.contains("12345BG0012345"),
            "{t}"
        );
        assert_eq!(t.matches('\u{c}').count(), 2, "two pages");
    } else {
        assert!(std::env::var_os("CI").is_none(), "pdftotext missing in CI");
    }
}

#[test]
fn a_blank_backside_is_kept_flagged_and_left_out_of_the_document_and_ocr() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = station(&home);
    // Page 1: the demo letter's first page; page 2: white with dust.
    let first = scanstelle::intake::decode::decode(demo_g4_tiff())
        .unwrap()
        .pages
        .remove(0);
    let letter = image::load_from_memory(&first.bytes).unwrap().to_luma8();
    let dusty = image::GrayImage::from_fn(2480, 3508, |x, y| {
        image::Luma([if x % 211 < 2 && y % 173 < 2 { 0 } else { 255 }])
    });
    let tiff = {
        use tiff::encoder::{Compression, Rational, TiffEncoder, colortype};
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut enc = TiffEncoder::new(&mut out)
                .unwrap()
                .with_compression(Compression::Lzw);
            for img in [&letter, &dusty] {
                let mut i = enc.new_image::<colortype::Gray8>(2480, 3508).unwrap();
                i.resolution(tiff::tags::ResolutionUnit::Inch, Rational { n: 300, d: 1 });
                i.write_data(img.as_raw()).unwrap();
            }
        }
        out.into_inner()
    };
    ingest(&mut station, dir.path(), "duplex.tif", &tiff);
    let mut p = Processor::new(&home, &keys(&home), Vec::new(), 1).unwrap();
    let s = p.run_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!((s.prepared, s.blank, s.recognized), (2, 1, 1));
    let pages = station.store.pages_of_source(1).unwrap();
    assert_eq!(
        pages[1].state,
        PageState::Blank,
        "kept in the store, flagged"
    );
    assert_eq!(count(&station, "SELECT COUNT(*) FROM document_pages"), 1);
    assert_eq!(count(&station, "SELECT COUNT(*) FROM page_ocr"), 1);
    // Both pages have a thumbnail and a record of what was done.
    let thumbs: Vec<String> = {
        let mut st = station
            .store
            .connection()
            .prepare("SELECT thumb_sha FROM page_prep ORDER BY page_id")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for t in thumbs {
        let bytes = station
            .blobs
            .get(&scanstelle::store::blob::Sha256Hex::parse(&t).unwrap())
            .unwrap();
        let img = image::load_from_memory(&bytes).unwrap();
        assert!(img.width().max(img.height()) <= scanstelle::prepare::imaging::THUMB_SIZE);
    }
    assert_eq!(
        count(
            &station,
            "SELECT COUNT(*) FROM page_transforms WHERE step = 'analyse'"
        ),
        2
    );
    assert_eq!(
        count(
            &station,
            "SELECT COUNT(*) FROM page_transforms WHERE step = 'thumbnail' AND sha_after IS NOT NULL"
        ),
        2
    );
}

#[test]
fn processing_stopped_between_stages_resumes_without_doing_anything_twice() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = station(&home);
    ingest(&mut station, dir.path(), "a.tif", demo_g4_tiff());
    ingest(
        &mut station,
        dir.path(),
        "b.jpg",
        include_bytes!("../assets/demo/kontoauszug.jpg"),
    );

    // A stop requested before anything runs leaves everything waiting.
    let mut p = Processor::new(&home, &keys(&home), Vec::new(), 1).unwrap();
    assert_eq!(
        p.run_pending(&AtomicBool::new(true)).unwrap(),
        Default::default()
    );
    // Preparation only (its pages go on to OCR at once while the one
    // engine can take them, and a batch all of whose pages it read is
    // finished; the other pages wait as prepared), then the processor goes
    // away (a crash between stages).
    let s = p.prepare_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!(s.prepared, 3);
    let read_first = s.recognized;
    assert!((1..=3).contains(&read_first), "{s:?}");
    drop(p);
    let batches = |state: &str| {
        count(
            &station,
            &format!("SELECT COUNT(*) FROM batches WHERE state = '{state}'"),
        )
    };
    let finished_first = batches("recognized") as u64;
    assert_eq!(finished_first, s.batches);
    assert_eq!(batches("prepared") + batches("recognized"), 2);
    assert_eq!(
        finished_first == 2,
        read_first == 3,
        "all read, all finished"
    );

    let mut p = Processor::new(&home, &keys(&home), Vec::new(), 2).unwrap();
    let s = p.run_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!(
        (
            s.prepared,
            read_first + s.recognized,
            finished_first + s.batches
        ),
        (0, 3, 2)
    );
    let again = p.run_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!(again, Default::default(), "nothing left, nothing redone");
    assert_eq!(count(&station, "SELECT COUNT(*) FROM page_ocr"), 3);
    assert_eq!(count(&station, "SELECT COUNT(*) FROM page_fts"), 3);
    assert_eq!(count(&station, "SELECT COUNT(*) FROM page_prep"), 3);
    let hits = station.store.search(&["Kontostand".into()], 5).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].file_name, "b.jpg");
}

#[test]
fn an_upside_down_page_is_read_upright_by_the_recognition_stage() {
    // Preparation's own turning is off, so only the recognition stage
    // (doubtful reading, Tesseract's orientation detection, second reading)
    // can bring this page upright.
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = station(&home);
    let decoded = scanstelle::intake::decode::decode(demo_g4_tiff()).unwrap();
    let page = &decoded.pages[0];
    let img = scanstelle::prepare::imaging::load_gray(&page.bytes, page.encoding).unwrap();
    let turned = scanstelle::prepare::imaging::rotate_quarter(&img, 180);
    let png = scanstelle::intake::decode::encode_png(
        turned.width(),
        turned.height(),
        scanstelle::intake::decode::ColourMode::Gray,
        turned.as_raw(),
        Some((300.0, 300.0)),
    );
    ingest(&mut station, dir.path(), "kopfueber.png", &png);
    let profile = test_profile(
        &dir.path().join("hot"),
        100,
        "[steps]\norientation = false\n",
    );
    let mut p = Processor::new(&home, &keys(&home), vec![profile], 1).unwrap();
    p.run_pending(&AtomicBool::new(false)).unwrap();
    let src = &station.store.sources().unwrap()[0];
    let pages = station.store.pages_of_source(src.id).unwrap();
    let (text, conf) = station.store.ocr_text(pages[0].id).unwrap().unwrap();
    assert!(text.contains("Weiterbewilligung"), "{text}");
    assert!(conf > 70.0, "{conf}");
    let (step, params): (String, String) = station
        .store
        .connection()
        .query_row(
            "SELECT step, params FROM page_transforms WHERE page_id = ?1 AND step = 'ocr_orientation'",
            [pages[0].id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (step.as_str(), params.as_str()),
        ("ocr_orientation", "clockwise=180")
    );
    let rotation: i64 = station
        .store
        .connection()
        .query_row(
            "SELECT rotation FROM page_prep WHERE page_id = ?1",
            [pages[0].id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rotation, 180, "the stored page is turned with its text");
}

#[test]
fn tesseracts_orientation_detection_names_the_turn_that_makes_a_page_upright() {
    let decoded = scanstelle::intake::decode::decode(demo_g4_tiff()).unwrap();
    let page = &decoded.pages[0];
    let img = scanstelle::prepare::imaging::load_gray(&page.bytes, page.encoding).unwrap();
    let mut osd = scanstelle::ocr::native::Osd::new().expect("tesseract-ocr-osd installed");
    for clockwise in [0u16, 90, 180, 270] {
        let turned = scanstelle::prepare::imaging::rotate_quarter(&img, clockwise);
        let o = osd.detect(&turned, 300).expect("a letter has text");
        assert_eq!(
            o.turn,
            (360 - clockwise) % 360,
            "turned {clockwise}°: {o:?}"
        );
    }
}

/// A stack of 320×440 pages under `dir/hot`, taken with one document per
/// page and no blank-page detection: its profile and batch.
fn one_document_per_page(
    dir: &std::path::Path,
    station: &mut Station,
    seeds: &[u32],
) -> (scanstelle::intake::profile::Profile, i64) {
    let hot = dir.join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let path = hot.join("stapel.tif");
    std::fs::write(&path, tiff_pages(320, 440, seeds)).unwrap();
    let profile = test_profile(&hot, 100, "[steps]\nsplit_every = 1\nblank_pages = false\n");
    let opts = hot_folder_options();
    match take_file(station, &profile, &path, &opts).unwrap() {
        Outcome::Ingested(i) => (profile, i.batch_id),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_poison_page_among_fifty_is_set_aside_with_its_reason_and_the_fifty_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = station(&home);
    // One stack of 51 pages, one document per page.
    let seeds: Vec<u32> = (1..=51).map(|i| i * 2_654_435 % 65_521).collect();
    let (profile, batch) = one_document_per_page(dir.path(), &mut station, &seeds);
    // Page 26's stored image is damaged after intake (a disk fault): it
    // cannot be opened by preparation.
    let pages = station
        .store
        .pages_of_source(station.store.sources().unwrap()[0].id)
        .unwrap();
    assert_eq!(pages.len(), 51);
    let poison = &pages[25];
    let blob = station.blobs.path_of(&poison.sha);
    let good = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, b"kaputt").unwrap();

    let mut p = Processor::new(&home, &keys(&home), vec![profile.clone()], 2).unwrap();
    let s = p.run_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!((s.prepared, s.recognized, s.failed), (50, 50, 1), "{s:?}");
    assert_eq!(s.classified + s.review, 51, "every document decided: {s:?}");
    assert_eq!(
        station.store.batch_state(batch).unwrap(),
        Some(BatchState::Classified)
    );
    let failed = station.store.failed_pages(None).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].page_id, failed[0].seq), (poison.id, 26));
    assert!(
        failed[0].reason.contains("nicht lesbar") && failed[0].reason.contains("erneut"),
        "{}",
        failed[0].reason
    );
    // The page stays in its document, which waits in review with the
    // reason, and cannot be released as it is.
    let doc = failed[0].document_id.expect("in its document");
    let reasons: String = station
        .store
        .connection()
        .query_row("SELECT decision FROM documents WHERE id = ?1", [doc], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(reasons.contains("Seite 1 fehlgeschlagen"), "{reasons}");
    assert_eq!(
        count(
            &station,
            &format!("SELECT COUNT(*) FROM documents WHERE id = {doc} AND state = 'review'")
        ),
        1
    );
    let refused = station
        .store
        .confirm_document(doc, "12345BG0012345", "sonstiges", &[])
        .unwrap_err();
    assert!(
        refused.to_string().contains("fehlgeschlagene Seite"),
        "{refused}"
    );
    assert_eq!(
        count(
            &station,
            "SELECT COUNT(*) FROM pages WHERE state = 'recognized'"
        ),
        50
    );
    // A second pass does not hammer the page again.
    assert_eq!(
        p.run_pending(&AtomicBool::new(false)).unwrap(),
        Default::default()
    );

    // The image is mended; "Erneut versuchen" puts the page back in line and
    // the next pass prepares, recognises and decides it, nothing else.
    std::fs::write(&blob, good).unwrap();
    assert_eq!(station.store.retry_failed_pages(Some(batch)).unwrap(), 1);
    let s = p.run_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!((s.prepared, s.recognized, s.failed), (1, 1, 0), "{s:?}");
    assert_eq!(s.classified + s.review, 1, "{s:?}");
    assert!(station.store.failed_pages(None).unwrap().is_empty());
    assert_eq!(
        count(
            &station,
            "SELECT COUNT(*) FROM pages WHERE state = 'recognized'"
        ),
        51
    );
    assert_eq!(
        station.store.batch_state(batch).unwrap(),
        Some(BatchState::Classified)
    );
    assert!(station.store.document_pdf(doc).unwrap().is_some());
}

#[test]
fn a_page_that_cannot_go_into_its_pdf_is_set_aside_and_the_pass_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = station(&home);
    let (profile, batch) = one_document_per_page(dir.path(), &mut station, &[11, 12, 13]);
    let mut p = Processor::new(&home, &keys(&home), vec![profile.clone()], 2).unwrap();
    let s = p.run_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!((s.recognized, s.failed), (3, 0), "{s:?}");
    let docs = station.store.documents_of_batch(batch).unwrap();
    assert_eq!(docs.len(), 3);
    // Page 3's prepared image is damaged after it was read (a disk fault),
    // then a person merges documents 2 and 3: the merged document's PDF is
    // written anew and page 3 cannot go in.
    let prepared: String = station
        .store
        .connection()
        .query_row(
            "SELECT pp.prepared_sha FROM page_prep pp JOIN document_pages dp ON dp.page_id = pp.page_id
             WHERE dp.document_id = ?1",
            [docs[2].id],
            |r| r.get(0),
        )
        .unwrap();
    let sha = scanstelle::store::blob::Sha256Hex::parse(&prepared).unwrap();
    let blob = station.blobs.path_of(&sha);
    let good = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, b"kaputt").unwrap();
    station
        .store
        .edit_documents(&scanstelle::store::Edit::Merge {
            document: docs[2].id,
        })
        .unwrap();
    let s = p
        .run_pending(&AtomicBool::new(false))
        .expect("the pass goes on");
    assert_eq!(
        (s.classified, s.review),
        (0, 1),
        "the merged document waits: {s:?}"
    );
    let failed = station.store.failed_pages(None).unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].reason.contains("PDF"), "{}", failed[0].reason);
    let merged = docs[1].id;
    assert_eq!(failed[0].document_id, Some(merged));
    let (state, decision): (String, String) = station
        .store
        .connection()
        .query_row(
            "SELECT state, decision FROM documents WHERE id = ?1",
            [merged],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(state, "review");
    assert!(decision.contains("Seite 2 fehlgeschlagen"), "{decision}");
    // Its PDF holds the page that could be read; the first document is untouched.
    assert!(station.store.document_pdf(merged).unwrap().is_some());
    assert!(station.store.document_pdf(docs[0].id).unwrap().is_some());

    // Mended and tried again: the page is read again and goes in.
    std::fs::write(&blob, good).unwrap();
    assert_eq!(station.store.retry_failed_pages(Some(batch)).unwrap(), 1);
    let s = p.run_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!((s.recognized, s.failed), (1, 0), "{s:?}");
    assert!(station.store.failed_pages(None).unwrap().is_empty());
    let pdf = station
        .store
        .document_pdf(merged)
        .unwrap()
        .expect("written");
    let bytes = station.blobs.get(&pdf).unwrap();
    let pages = scanstelle::intake::decode::decode(&bytes)
        .unwrap()
        .pages
        .len();
    assert_eq!(pages, 2, "the merged document's PDF has both pages");
    // Merged (a document row deleted), failed, retried: the status line's
    // counts still agree with the tables.
    assert_eq!(
        station.store.check_integrity().unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn the_newest_file_is_prepared_first_and_a_long_batch_a_page_per_core_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut station = station(&home);
    // A two-page file waits; then two single-page files arrive.
    let long = ingest(&mut station, dir.path(), "a.tif", demo_g4_tiff());
    let first = ingest(
        &mut station,
        dir.path(),
        "b.jpg",
        include_bytes!("../assets/demo/kontoauszug.jpg"),
    );
    let newest = ingest(
        &mut station,
        dir.path(),
        "c.tif",
        include_bytes!("../assets/demo/arbeitsunfaehigkeit.tif"),
    );
    // One engine: one page at a time, so the order is the preparation's.
    let mut p = Processor::new(&home, &keys(&home), Vec::new(), 1).unwrap();
    let s = p.prepare_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!(s.prepared, 4, "{s:?}");
    let order: Vec<(i64, i64)> = station
        .store
        .connection()
        .prepare(
            "SELECT p.batch_id, p.seq FROM page_transforms t JOIN pages p ON p.id = t.page_id
             WHERE t.step = 'analyse' ORDER BY t.id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let seqs = |b: i64| -> Vec<i64> {
        order
            .iter()
            .filter(|(batch, _)| *batch == b)
            .map(|(_, s)| *s)
            .collect()
    };
    let batches: Vec<i64> = order.iter().map(|(b, _)| *b).collect();
    assert_eq!(batches, [newest, first, long, long], "{order:?}");
    // The long batch's pages in their order, taken in two chunks and
    // separated once both were prepared: every batch has its document.
    assert!(seqs(long).windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert_eq!(
        count(&station, "SELECT COUNT(DISTINCT batch_id) FROM documents"),
        3
    );
    assert_eq!(
        count(
            &station,
            "SELECT COUNT(*) FROM batches WHERE state = 'ingested'"
        ),
        0
    );
}
