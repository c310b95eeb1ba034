//! What the window reads several times a second, at 1,000 and at 100,000
//! pages in the store: the inbox (`Desk::overview`), one document, and a
//! register search. Printed as times and as the ratio large/small (the
//! window stays fluid when the ratio stays near 1). Run with
//! `cargo bench --bench desk`.

#[path = "../tests/common/fixtures.rs"]
mod fixtures;

use scanstelle::config::Config;
use scanstelle::intake::decode::{ColourMode, FileFormat, PageEncoding, PageOrigin};
use scanstelle::store::blob::Sha256Hex;
use scanstelle::store::{Grouping, NewPage, NewSource};
use std::path::Path;
use std::time::{Duration, Instant};

/// Pages per file (one file, one batch, one document).
const PER_FILE: usize = 50;

/// A station with `pages` pages: every page recognised with a page of text.
fn station(home: &Path, pages: usize) -> Config {
    let config = fixtures::default_config(home);
    std::fs::create_dir_all(home).unwrap();
    let mut store = fixtures::store(home);
    scanstelle::demo::import_register(&mut store).unwrap();
    let text =
        "Sehr geehrte Damen und Herren, hiermit beantrage ich die Weiterbewilligung. ".repeat(25);
    for f in 0..pages / PER_FILE {
        let new: Vec<NewPage> = (0..PER_FILE)
            .map(|p| NewPage {
                sha: Sha256Hex::of(format!("{f}/{p}").as_bytes()),
                width: 2480,
                height: 3508,
                dpi: Some((300.0, 300.0)),
                colour: ColourMode::Bilevel,
                encoding: PageEncoding::Png,
                origin: PageOrigin::Scanned,
                byte_size: 40_000,
                text: None,
                words: Vec::new(),
                part: 0,
            })
            .collect();
        let sha = Sha256Hex::of(format!("file {f}").as_bytes());
        let path = home.join(format!("scan-{f:05}.tif"));
        store
            .ingest_source(&NewSource {
                profile: "fujitsu-fi-g4",
                profile_sha: "",
                grouping: Grouping::PerFile,
                original_path: &path,
                sha: &sha,
                size: 2_000_000,
                format: FileFormat::Tiff,
                pages: &new,
            })
            .unwrap();
    }
    // OCR text for every page, in one transaction (a fixture, not the OCR
    // stage: that is measured by `benches/ocr.rs`).
    let conn = store.connection();
    conn.execute_batch("BEGIN").unwrap();
    conn.execute(
        "INSERT INTO page_ocr (page_id, text, words, mean_conf, languages, engine, created_at)
         SELECT id, ?1, '', 90.0, 'deu', 'bench', '2026-01-01T00:00:00Z' FROM pages",
        [&text],
    )
    .unwrap();
    conn.execute("UPDATE pages SET state = 'recognized'", [])
        .unwrap();
    conn.execute_batch("COMMIT").unwrap();
    config
}

/// Median time of `f` over some runs.
fn time(mut f: impl FnMut()) -> Duration {
    f();
    let mut t: Vec<Duration> = (0..15)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[t.len() / 2]
}

fn measure(pages: usize) -> [Duration; 3] {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let config = station(&dir.path().join("home"), pages);
    println!(
        "  {pages} Seiten angelegt in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let mut desk = config.open_desk().unwrap();
    let newest = desk.overview(0, 100, &Default::default()).unwrap().batches[0].id;
    let doc = desk.documents_of_batch(newest).unwrap()[0];
    [
        time(|| {
            desk.overview(i64::MAX, 100, &Default::default()).unwrap();
        }),
        time(|| {
            desk.document(doc).unwrap();
        }),
        time(|| {
            desk.find_cases("Mustermann Lindenstraße", 9).unwrap();
        }),
    ]
}

fn main() {
    let small = measure(1_000);
    let large = measure(100_000);
    for (i, what) in [
        "Eingang (overview)",
        "Dokument (50 Seiten)",
        "Fallbestand-Suche",
    ]
    .iter()
    .enumerate()
    {
        println!(
            "{what:22} 1.000 Seiten: {:7.2} ms   100.000 Seiten: {:7.2} ms   Verhältnis {:.1}×",
            small[i].as_secs_f64() * 1e3,
            large[i].as_secs_f64() * 1e3,
            large[i].as_secs_f64() / small[i].as_secs_f64()
        );
    }
}
