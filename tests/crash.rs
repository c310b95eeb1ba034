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

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
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
    let blobs = common::blobs(&home);
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
