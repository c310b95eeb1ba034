//! What the window reads, at 1,000 and at 100,000 pages in the store (five
//! pages to a document; a tenth of them waiting for a person, as in the
//! newest fifth of the batches half the documents): opening the
//! station with its first inbox, the inbox it reads several times a second
//! (`Desk::overview`, with `Store::status` on its own), one document, a
//! register search, a case file, and the review list with its first
//! document; and the real window (`scanstelle` under Xvfb) from its start
//! until it has read its first inbox. Printed as times and as the ratio large/small (the window
//! stays fluid when the ratio stays near 1). Run with
//! `cargo bench --bench desk`.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/stranger/mod.rs"]
mod stranger;

use common::fixtures;

use scanstelle::config::Config;
use scanstelle::intake::decode::{ColourMode, FileFormat, PageEncoding, PageOrigin};
use scanstelle::store::blob::Sha256Hex;
use scanstelle::store::{Grouping, NewPage, NewSource};
use std::path::Path;
use std::time::{Duration, Instant};

/// Pages per file (one file, one batch, one document).
const PER_FILE: usize = 50;
/// Households in the register.
const HOUSEHOLDS: usize = 8_000;
/// Pages per document (20,000 documents at 100,000 pages).
const PER_DOCUMENT: usize = 5;

/// A station with `pages` pages: every page recognised with a page of text.
fn station(home: &Path, pages: usize) -> (Config, String) {
    let config = fixtures::default_config(home);
    std::fs::create_dir_all(home).unwrap();
    let mut store = fixtures::store(home);
    // A register of a job centre's size: 8,000 households.
    let register = stranger::register::build(&mut stranger::Rng::new(7), HOUSEHOLDS);
    let csv = stranger::register::csv(&register, false);
    // Whom the bench searches for: a person as a clerk types them.
    let searched = &register.households[HOUSEHOLDS / 3];
    let query = format!(
        "{} {}",
        searched.members[0].nachname,
        searched.address.street_line()
    );
    let persons = scanstelle::classify::register::parse_csv(csv.as_bytes())
        .unwrap()
        .persons;
    store
        .import_register(&persons, "fallbestand.csv", "bench", 0)
        .unwrap();
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
    // What the stages leave behind, in one transaction (a fixture, not the
    // stages: those are measured by `benches/ocr.rs` and `benches/chain.rs`):
    // every page prepared and recognised, five pages to a document, a
    // tenth of the documents waiting for a person, the rest attached to a
    // case of the register (most of them transferred), an event per step.
    let conn = store.connection();
    conn.execute_batch("BEGIN").unwrap();
    let at = "2026-01-01T00:00:00Z";
    conn.execute(
        "INSERT INTO page_prep (page_id, thumb_sha, ink, blank, mean, contrast, flags, created_at)
         SELECT id, printf('%064x', id), 0.06, 0, 231.0, 0.8, '', ?1 FROM pages",
        [at],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO page_ocr (page_id, text, words, mean_conf, languages, engine, created_at)
         SELECT id, ?1, '', 90.0, 'deu', 'bench', ?2 FROM pages",
        [text.as_str(), at],
    )
    .unwrap();
    conn.execute("UPDATE pages SET state = 'recognized'", [])
        .unwrap();
    // Intake made one document per file; separation splits it in five.
    conn.execute_batch("DELETE FROM document_pages; DELETE FROM documents")
        .unwrap();
    let bgs: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT DISTINCT bg FROM register_persons ORDER BY bg")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let decision = r#"{"case_candidates":[],"case_doubts":[],"reasons":["Sicherheit unter der Schwelle"],"type_candidates":[],"type_phrases":[]}"#;
    let mut doc = conn
        .prepare(
            "INSERT INTO documents (uuid, batch_id, state, case_bg, case_status, case_confidence,
                 doc_type, type_confidence, decision, created_at, updated_at)
             VALUES (lower(hex(randomblob(16))), ?1, ?2, ?3, ?4, 0.95, 'antrag', 0.9, ?5, ?6, ?6)",
        )
        .unwrap();
    let mut member = conn
        .prepare(
            "INSERT INTO document_pages (document_id, page_id, position)
             SELECT ?1, id, seq - ?2 FROM pages WHERE batch_id = ?3 AND seq >= ?2 AND seq < ?2 + ?4",
        )
        .unwrap();
    let mut event = conn
        .prepare(
            "INSERT INTO events (at, kind, batch_id, document_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .unwrap();
    let batches: Vec<(i64, i64)> = {
        let mut stmt = conn
            .prepare("SELECT batch_id, MIN(seq) FROM pages GROUP BY batch_id ORDER BY batch_id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    // The newest fifth of the batches is still at the station: half their
    // documents wait for a person, the rest is attached. The older ones
    // went to the DMS, which confirmed their import.
    let recent = batches.len() - batches.len() / 5;
    for (i, &(batch, first_seq)) in batches.iter().enumerate() {
        event
            .execute(rusqlite::params![
                at,
                "batch.ingested",
                batch,
                None::<i64>,
                "Stapel eingelesen"
            ])
            .unwrap();
        let done = i < recent;
        for d in 0..PER_FILE / PER_DOCUMENT {
            let case = (d % 2 == 1 || done).then(|| &bgs[(i * 7 + d) % bgs.len()]);
            let (state, status) = match (done, case) {
                (true, _) => ("transferred", "auto"),
                (false, Some(_)) => ("classified", "auto"),
                (false, None) => ("review", "review"),
            };
            doc.execute(rusqlite::params![batch, state, case, status, decision, at])
                .unwrap();
            let id = conn.last_insert_rowid();
            let from = first_seq + (d * PER_DOCUMENT) as i64;
            member
                .execute(rusqlite::params![id, from, batch, PER_DOCUMENT as i64])
                .unwrap();
            event
                .execute(rusqlite::params![
                    at,
                    "document.classified",
                    batch,
                    id,
                    "Dokument zugeordnet"
                ])
                .unwrap();
        }
        if done {
            conn.execute(
                "UPDATE batches SET state = 'transferred', qa_selected_at = ?1, released_at = ?1
                 WHERE id = ?2",
                rusqlite::params![at, batch],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO sync_outbox (batch_id, process_id, state, created_at, updated_at)
                 VALUES (?1, lower(hex(randomblob(16))), 'imported', ?2, ?2)",
                rusqlite::params![batch, at],
            )
            .unwrap();
            event
                .execute(rusqlite::params![
                    at,
                    "sync.imported",
                    batch,
                    None::<i64>,
                    "Import bestätigt"
                ])
                .unwrap();
        } else {
            conn.execute(
                "UPDATE batches SET state = 'classified' WHERE id = ?1",
                [batch],
            )
            .unwrap();
        }
    }
    drop((doc, member, event));
    conn.execute("UPDATE source_files SET state = 'released'", [])
        .unwrap();
    conn.execute_batch("COMMIT").unwrap();
    (config, query)
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

/// What is measured, in the order of [`measure`]'s results.
const QUERIES: [&str; 6] = [
    "Eingang (overview)",
    "davon Store::status",
    "Dokument (5 Seiten)",
    "Fallbestand-Suche",
    "Fallakte",
    "Prüfliste, 1. Dokument",
];

/// The window opened on the station at `home`, under Xvfb, until it has
/// read its first inbox (its log line; the next frame shows it): the
/// median of three starts, or `None` without Xvfb.
fn window_start(home: &Path) -> Option<Duration> {
    use std::io::BufRead;
    let x = common::xvfb::Xvfb::start((1366, 768))?;
    common::admin_os(home);
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let started = Instant::now();
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scanstelle"))
                .arg("--home")
                .arg(home)
                .env("DISPLAY", &x.display)
                .env("SCANSTELLE_LOG", "info")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("scanstelle startet");
            let stderr = child.stderr.take().unwrap();
            let mut shown = None;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("Eingang zum ersten Mal geladen") {
                    shown = Some(started.elapsed());
                    break;
                }
            }
            let _ = child.kill();
            let _ = child.wait();
            shown.expect("das Fenster zeigt den Eingang")
        })
        .collect();
    times.sort();
    Some(times[1])
}

fn measure(pages: usize) -> [Duration; QUERIES.len()] {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let home = dir.path().join("home");
    let (config, query) = station(&home, pages);
    println!(
        "  {pages} Seiten, {} Dokumente angelegt in {:.1} s",
        pages / PER_DOCUMENT,
        start.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let mut desk = config.open_desk().unwrap();
    let first = desk.overview(0, 100, &Default::default()).unwrap();
    println!(
        "  Station geöffnet und Eingang gelesen in {:.0} ms ({} zu prüfen)",
        started.elapsed().as_secs_f64() * 1e3,
        first.review.len()
    );
    let newest = first.batches[0].id;
    let doc = desk.documents_of_batch(newest).unwrap()[0];
    let bg = desk.find_cases(&query, 9).unwrap()[0].person.bg.clone();
    let store = fixtures::store(&home);
    match window_start(&home) {
        Some(t) => println!(
            "  Fenster gestartet bis zum Eingang: {:.0} ms (Median von 3, Xvfb 1366×768)",
            t.as_secs_f64() * 1e3
        ),
        None => println!("  Fensterstart nicht gemessen: kein Xvfb"),
    }
    [
        time(|| {
            desk.overview(i64::MAX, 100, &Default::default()).unwrap();
        }),
        time(|| {
            store.status().unwrap();
        }),
        time(|| {
            desk.document(doc).unwrap();
        }),
        time(|| {
            desk.find_cases(&query, 9).unwrap();
        }),
        time(|| {
            desk.case_file(&bg).unwrap();
        }),
        time(|| {
            let review = desk
                .overview(i64::MAX, 100, &Default::default())
                .unwrap()
                .review;
            desk.document(review[0]).unwrap();
        }),
    ]
}

fn main() {
    let small = measure(1_000);
    let large = measure(100_000);
    for (i, what) in QUERIES.iter().enumerate() {
        println!(
            "{what:24} 1.000 Seiten: {:7.2} ms   100.000 Seiten: {:7.2} ms   Verhältnis {:.1}×",
            small[i].as_secs_f64() * 1e3,
            large[i].as_secs_f64() * 1e3,
            large[i].as_secs_f64() / small[i].as_secs_f64()
        );
    }
}
