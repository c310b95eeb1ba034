//! Crash safety: `scanstelle watch` is killed with SIGKILL at random moments
//! while a stream of files arrives, restarted each time, and in the end every
//! page of every file must be in the store exactly once, nothing half-done.

use crate::common;

use common::*;
use scanstelle::store::Store;
use scanstelle::store::blob::Sha256Hex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FILES: u32 = 60;
const KILLS: u32 = 24;

/// The run's random seed: `CRASH_SEED`, or the clock (printed, so that a
/// failing run can be repeated).
fn seed() -> u64 {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("CRASH_SEED={seed}");
    seed
}

fn spawn(cfg: &Path, home: &Path, log: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_scanstelle"))
        .arg("--config")
        .arg(cfg)
        .arg("--home")
        .arg(home)
        .arg("watch")
        // Intake is under test here; processing has its own resumption tests.
        .arg("--intake-only")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// The files the scanner "delivers": name, bytes.
fn stream() -> Vec<(String, Vec<u8>)> {
    (0..FILES)
        .map(|i| match i % 4 {
            0 | 1 => {
                let seeds: Vec<u32> = (0..2 + i % 3).map(|p| i * 10 + p + 1).collect();
                (format!("stapel-{i:03}.tif"), tiff_pages(1240, 1754, &seeds))
            }
            2 => (format!("brief-{i:03}.jpg"), jpeg_page(500, 700, i + 1)),
            _ => (
                format!("scan-{i:03}.pdf"),
                image_pdf(
                    &[
                        (
                            400,
                            560,
                            "/ColorSpace /DeviceGray /BitsPerComponent 8",
                            gray_pixels(400, 560, i * 10 + 1),
                        ),
                        (
                            400,
                            560,
                            "/ColorSpace /DeviceGray /BitsPerComponent 8",
                            gray_pixels(400, 560, i * 10 + 2),
                        ),
                    ],
                    300.0,
                ),
            ),
        })
        .collect()
}

#[test]
fn sigkill_at_random_moments_loses_and_doubles_nothing() {
    let seed = seed();
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().unwrap();
    let hot = dir.path().join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let home = dir.path().join("home");
    let cfg = write_config(dir.path(), &hot, 150, "", "");
    let log = dir.path().join("watch.log");

    let files = stream();
    // Expected: per file, its digest and its pages' digests, from the decoder itself.
    let expected: HashMap<String, (Sha256Hex, Vec<Sha256Hex>)> = files
        .iter()
        .map(|(name, bytes)| {
            let pages = scanstelle::intake::decode::decode(bytes)
                .unwrap()
                .pages
                .iter()
                .map(|p| Sha256Hex::of(&p.bytes))
                .collect();
            (name.clone(), (Sha256Hex::of(bytes), pages))
        })
        .collect();

    // The scanner: a file every ~120 ms, half written directly in two parts,
    // half under a temporary name and renamed.
    let feeder = {
        let hot = hot.clone();
        let files = files.clone();
        let mut rng = Rng(seed.rotate_left(17) | 1);
        std::thread::spawn(move || {
            for (i, (name, bytes)) in files.iter().enumerate() {
                if i % 2 == 0 {
                    let tmp = hot.join(format!("{name}.tmp"));
                    std::fs::write(&tmp, bytes).unwrap();
                    std::fs::rename(&tmp, hot.join(name)).unwrap();
                } else {
                    use std::io::Write;
                    let mut f = std::fs::File::create(hot.join(name)).unwrap();
                    let half = bytes.len() / 2;
                    f.write_all(&bytes[..half]).unwrap();
                    f.flush().unwrap();
                    std::thread::sleep(Duration::from_millis(30));
                    f.write_all(&bytes[half..]).unwrap();
                }
                std::thread::sleep(Duration::from_millis(60 + rng.below(120)));
            }
        })
    };

    let mut kills = 0;
    while kills < KILLS {
        let mut child = spawn(&cfg, &home, &log);
        std::thread::sleep(Duration::from_millis(150 + rng.below(500)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
    }
    feeder.join().unwrap();

    // Final, undisturbed run until the hot folder is empty and all is released.
    let ready = |log: &Path| {
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .matches("Station bereit")
            .count()
    };
    let started_before = ready(&log);
    let mut child = spawn(&cfg, &home, &log);
    while ready(&log) == started_before {
        std::thread::sleep(Duration::from_millis(20));
    }
    let db = home.join("scanstelle.db");
    let start = Instant::now();
    loop {
        let hot_empty = files_in(&hot).is_empty();
        let pending: i64 = Store::open(
            &db,
            &scanstelle::protect::crypto::Keys::for_home(db.parent().unwrap()).unwrap(),
        )
        .unwrap()
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM source_files WHERE state != 'released'",
            [],
            |r| r.get(0),
        )
        .unwrap();
        if hot_empty && pending == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "intake did not finish: hot folder {:?}, {pending} pending; log:\n{}",
            files_in(&hot),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let st = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(st.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "clean shutdown on SIGTERM, got {exit:?}");

    // Every page of every file exactly once, nothing half-done.
    let store = Store::open(
        &db,
        &scanstelle::protect::crypto::Keys::for_home(db.parent().unwrap()).unwrap(),
    )
    .unwrap();
    let blobs = blobs(&home);
    assert!(store.check_integrity().unwrap().is_empty());
    assert!(
        store.quarantine_entries().unwrap().is_empty(),
        "{:?}",
        store.quarantine_entries()
    );
    let sources = store.sources().unwrap();
    assert_eq!(sources.len(), FILES as usize, "each file recorded once");
    for src in &sources {
        let (sha, pages) = &expected[&src.file_name];
        assert_eq!(&src.sha, sha, "{}", src.file_name);
        assert_eq!(blobs.get(sha).unwrap().len() as u64, src.size);
        let rows = store.pages_of_source(src.id).unwrap();
        let got: Vec<Sha256Hex> = rows.iter().map(|p| p.sha.clone()).collect();
        assert_eq!(&got, pages, "pages of {}", src.file_name);
        for p in &got {
            blobs.get(p).unwrap();
        }
    }
    let conn = store.connection();
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let total_pages: usize = expected.values().map(|(_, p)| p.len()).sum();
    assert_eq!(q("SELECT COUNT(*) FROM pages") as usize, total_pages);
    assert_eq!(
        q("SELECT COUNT(*) FROM batches WHERE state != 'ingested'"),
        0
    );
    assert_eq!(q("SELECT COUNT(*) FROM documents"), FILES as i64);
    assert_eq!(
        q("SELECT COUNT(*) FROM document_pages") as usize,
        total_pages
    );
    // Every batch holds exactly one file (per-file profile) and no page is orphaned.
    assert_eq!(q("SELECT COUNT(*) FROM batches"), FILES as i64);
    assert_eq!(
        q("SELECT COUNT(*) FROM pages WHERE id NOT IN (SELECT page_id FROM document_pages)"),
        0
    );
    let leftovers: Vec<PathBuf> = files_in(&home.join("blobs/tmp"));
    assert!(
        leftovers.is_empty(),
        "temporary blob files left: {leftovers:?}"
    );
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    eprintln!(
        "{kills} kills, {} files, {total_pages} pages; resumptions logged after kills: {}",
        sources.len(),
        log.matches("nach Absturz abgeschlossen").count()
    );
}

/// SIGKILLs across the whole chain: `scanstelle watch` with preparation,
/// OCR, classification, packaging and upload to the real Apache, killed
/// this many times while letters arrive and the DMS imports.
const CHAIN_KILLS: u32 = 50;

#[test]
fn fifty_sigkills_across_the_whole_chain_file_every_document_once() {
    let Some(apache) = apache::Apache::start() else {
        return;
    };
    let seed = seed();
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let (hot, home) = (dir.path().join("hot"), dir.path().join("home"));
    std::fs::create_dir_all(&hot).unwrap();
    {
        let mut station = station(&home);
        scanstelle::demo::import_register(&mut station.store).unwrap();
    }
    let profiles = dir.path().join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(
        profiles.join("test.toml"),
        format!(
            "name = \"test\"\n[hot_folder]\npath = {:?}\nsettle_ms = 150\npoll_interval_ms = 200\n",
            hot.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("pw"), format!("{}\n", apache::PASSWORD)).unwrap();
    let cfg = dir.path().join("scanstelle.toml");
    std::fs::write(
        &cfg,
        format!(
            "profile_dirs = [{profiles:?}]\nprofiles = [\"test\"]\n\
             [intake]\nquarantine_after_secs = 2\nrescan_secs = 1\n\
             [dms]\ntransport = \"webdav\"\nurl = \"https://127.0.0.1:{p}/eingang/\"\n\
             reply_url = \"https://127.0.0.1:{p}/antworten/\"\nuser = \"{u}\"\n\
             password_file = \"{pw}\"\nca_file = \"{ca}\"\nhold_secs = 0\nbackoff_secs = 0\n\
             reply_timeout_secs = 0\nretention_days = 0\ntimeout_secs = 10\n\
             [qa]\nenabled = false\n",
            profiles = profiles.display().to_string(),
            p = apache.port,
            u = apache::USER,
            pw = dir.path().join("pw").display(),
            ca = apache.ca.display(),
        ),
    )
    .unwrap();
    let letters = [
        "weiterbewilligungsantrag.tif",
        "vermieterbescheinigung.pdf",
        "widerspruch-email.pdf",
        "kontoauszug.jpg",
    ];
    let log = dir.path().join("watch.log");
    let spawn = || {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        Command::new(env!("CARGO_BIN_EXE_scanstelle"))
            .arg("--config")
            .arg(&cfg)
            .arg("--home")
            .arg(&home)
            .args(["watch", "--ocr-threads", "2"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    };
    let mut dms = dms::TestDms::new(&apache.inbox, &apache.replies, schema());
    // The letters arrive one after another while the kills go on; the DMS
    // imports what arrived whole between two kills.
    let kills: u32 = std::env::var("CHAIN_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(CHAIN_KILLS);
    for kill in 0..kills {
        if let Some(name) = letters.get(kill as usize / 3)
            && kill % 3 == 0
        {
            let f = scanstelle::demo::FILES
                .iter()
                .find(|f| f.name == *name)
                .unwrap();
            let tmp = hot.join(format!("{name}.tmp"));
            std::fs::write(&tmp, f.bytes).unwrap();
            std::fs::rename(&tmp, hot.join(name)).unwrap();
        }
        let mut child = spawn();
        std::thread::sleep(Duration::from_millis(250 + rng.below(2250)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if kill % 2 == 1 {
            dms.run_once();
        }
    }
    // Letters not delivered yet (a shorter run) arrive now.
    for name in &letters {
        if !store_has(&home, name) && !hot.join(name).exists() {
            let f = scanstelle::demo::FILES
                .iter()
                .find(|f| f.name == *name)
                .unwrap();
            std::fs::write(hot.join(name), f.bytes).unwrap();
        }
    }
    // Then one undisturbed run until every letter is filed (killed even if
    // the test fails, so that no station outlives it).
    struct Reaped(Child);
    impl Drop for Reaped {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let child = Reaped(spawn());
    let store = || {
        Store::open(
            &home.join("scanstelle.db"),
            &scanstelle::protect::crypto::Keys::for_home(&home).unwrap(),
        )
        .unwrap()
    };
    let start = Instant::now();
    loop {
        dms.run_once();
        let transferred: i64 = store()
            .connection()
            .query_row(
                "SELECT COUNT(*) FROM documents WHERE state = 'transferred'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if transferred == letters.len() as i64 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "{transferred} of {} documents transferred; log:\n{}",
            letters.len(),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.0.id().to_string())
        .status();
    let mut child = child;
    let _ = child.0.wait();
    drop(child);
    // Each document once in the DMS, each file and page once in the store,
    // no blob it refers to missing or partial.
    dms.assert_each_filed_once(letters.len());
    assert_eq!(dms.processes.len(), letters.len(), "one message per batch");
    let store = store();
    let sources = store.sources().unwrap();
    assert_eq!(sources.len(), letters.len(), "each file recorded once");
    assert!(store.quarantine_entries().unwrap().is_empty());
    let pages: i64 = store
        .connection()
        .query_row("SELECT COUNT(*) FROM pages", [], |r| r.get(0))
        .unwrap();
    let expected: usize = letters
        .iter()
        .map(|n| {
            let f = scanstelle::demo::FILES
                .iter()
                .find(|f| f.name == *n)
                .unwrap();
            scanstelle::intake::decode::decode(f.bytes)
                .unwrap()
                .pages
                .len()
        })
        .sum();
    assert_eq!(pages as usize, expected, "each page once");
    let report = store.check(&blobs(&home), true).unwrap();
    assert!(report.healthy(), "{:?}", report.problems);
    eprintln!(
        "{kills} kills across the chain; {} duplicate deliveries discarded by the DMS",
        dms.duplicates
    );
}

/// Whether the store of `home` holds a file of this name.
fn store_has(home: &Path, name: &str) -> bool {
    home.join("scanstelle.db").exists()
        && Store::open(
            &home.join("scanstelle.db"),
            &scanstelle::protect::crypto::Keys::for_home(home).unwrap(),
        )
        .unwrap()
        .sources()
        .unwrap()
        .iter()
        .any(|s| s.file_name == name)
}
