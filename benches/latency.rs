//! How soon a new file's thumbnails are there while a backlog is read.
//!
//! The real station on a hot folder: the window (`scanstelle` under Xvfb at
//! 1366×768, which runs intake and processing itself; `scanstelle watch`
//! where there is no Xvfb), release build. First a few new files while it
//! is idle (the baseline), then a backlog of about 200 pages with text (the
//! corpus generator's desk mix, `tests/stranger/stacks.rs`) is dropped in
//! at once, and while it is being recognised a new file arrives every few
//! seconds. For each new file the bench times, from the moment intake has
//! recorded it (seen from a second connection to the store): until every
//! one of its pages has its thumbnail in the store, and until the window
//! has loaded one of its thumbnails (the window's debug log line; under
//! any digest the page had, as recognition may turn a page upright). Printed: p50, p95 and the largest, idle and under the backlog,
//! their ratio, and how much of the backlog was still waiting at each
//! arrival.
//!
//! `cargo bench --bench latency`; `SCANSTELLE_BENCH_BACKLOG` (pages, 200),
//! `SCANSTELLE_BENCH_NEW` (new files under the backlog, 20),
//! `SCANSTELLE_BENCH_DEADLINE` (seconds a file may take, 600).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/stranger/mod.rs"]
mod stranger;

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Pages of `file` as the store has them: (pages recorded, of them with a
/// thumbnail), or `None` before intake recorded the file.
fn progress(store: &scanstelle::store::Store, file: &str) -> Option<(i64, i64)> {
    store
        .connection()
        .query_row(
            "SELECT s.page_count, COUNT(pp.thumb_sha) FROM source_files s
             JOIN pages p ON p.source_file_id = s.id
             LEFT JOIN page_prep pp ON pp.page_id = p.id
             WHERE s.file_name = ?1 GROUP BY s.id",
            [file],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok()
}

/// Pages not yet recognised (the backlog still to read).
fn unread(store: &scanstelle::store::Store) -> i64 {
    store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM pages WHERE state IN ('ingested', 'prepared')",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0)
}

/// The thumbnails of the pages of `file` as stored now (recognition may
/// turn a page upright and give it a new one).
fn thumbs_of(store: &scanstelle::store::Store, file: &str) -> Vec<String> {
    store
        .connection()
        .prepare(
            "SELECT pp.thumb_sha FROM source_files s
             JOIN pages p ON p.source_file_id = s.id
             JOIN page_prep pp ON pp.page_id = p.id
             WHERE s.file_name = ?1",
        )
        .and_then(|mut stmt| {
            stmt.query_map([file], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .unwrap_or_default()
}

/// When the window loaded each thumbnail (by digest), from its log.
type Shown = Arc<Mutex<HashMap<String, Instant>>>;

/// What one new file took, from intake's record of it.
struct Arrival {
    /// Until all its thumbnails were in the store.
    store: Duration,
    /// Until the window had loaded one of its thumbnails.
    window: Option<Duration>,
    /// Pages still unread when intake took it.
    backlog: i64,
    /// Its name in the hot folder and its pages.
    name: String,
    pages: i64,
}

/// Drops `file` into the hot folder (written beside it, then renamed, as a
/// scanner does) and waits for its thumbnails, in the store and, with
/// `shown`, in the window.
fn arrive(
    store: &scanstelle::store::Store,
    file: &Path,
    hot: &Path,
    shown: Option<&Shown>,
) -> Arrival {
    // Its own name: the backlog's generator names its files alike.
    let name = format!("neu_{}", file.file_name().unwrap().to_string_lossy());
    let part = hot.join(format!(".{name}.part"));
    std::fs::copy(file, &part).unwrap();
    std::fs::rename(&part, hot.join(&name)).unwrap();
    let deadline =
        Instant::now() + Duration::from_secs(env_usize("SCANSTELLE_BENCH_DEADLINE", 600) as u64);
    let mut taken: Option<(Instant, i64)> = None;
    let (at, backlog, in_store, pages) = loop {
        assert!(
            Instant::now() < deadline,
            "{name}: nach 10 min nicht da (Seiten, Vorschaubilder: {:?})",
            progress(store, &name)
        );
        if let Some((pages, thumbs)) = progress(store, &name) {
            let (at, backlog) = *taken.get_or_insert_with(|| (Instant::now(), unread(store)));
            if thumbs == pages {
                break (at, backlog, at.elapsed(), pages);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // The first of its thumbnails the window loaded, under any digest the
    // page had meanwhile.
    let window = shown.map(|shown| {
        let mut digests = std::collections::HashSet::new();
        loop {
            digests.extend(thumbs_of(store, &name));
            assert!(
                Instant::now() < deadline,
                "{name}: kein Vorschaubild ({digests:?}) nach {} s im Fenster",
                deadline.duration_since(at).as_secs()
            );
            let seen = shown.lock().unwrap();
            if let Some(when) = digests.iter().filter_map(|d| seen.get(d)).min() {
                break when.saturating_duration_since(at);
            }
            drop(seen);
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    Arrival {
        store: in_store,
        window,
        backlog,
        name,
        pages,
    }
}

fn percentile(v: &[Duration], p: f64) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn report(label: &str, v: &[Duration]) -> Duration {
    let p50 = percentile(v, 0.5);
    println!(
        "  {label}: {} Dateien, p50 {:.0} ms, p95 {:.0} ms, größte {:.0} ms",
        v.len(),
        p50.as_secs_f64() * 1e3,
        percentile(v, 0.95).as_secs_f64() * 1e3,
        percentile(v, 1.0).as_secs_f64() * 1e3
    );
    p50
}

fn main() {
    let backlog_pages = env_usize("SCANSTELLE_BENCH_BACKLOG", 200);
    let new_files = env_usize("SCANSTELLE_BENCH_NEW", 20).max(1);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let hot = root.join("hot");
    let home = root.join("home");
    std::fs::create_dir_all(&hot).unwrap();
    common::admin_os(&home);
    let cfg = common::write_config(root, &hot, 300, "", "");

    let made = Instant::now();
    // The desk mix has about 1.2 pages per file.
    let backlog = stranger::stacks::desk_mix(
        &root.join("backlog"),
        2301,
        (backlog_pages * 5).div_ceil(6).max(1),
    );
    let arrivals: Vec<PathBuf> =
        stranger::stacks::desk_mix(&root.join("new"), 2302, new_files + 5).files;
    println!(
        "Rückstand: {} Dateien, {} Seiten; {} neue Dateien; erzeugt in {:.0} s",
        backlog.files.len(),
        backlog.pages(),
        arrivals.len(),
        made.elapsed().as_secs_f64()
    );

    // The window where it can run, else the headless station.
    let x = common::xvfb::Xvfb::start((1366, 768));
    let mut station = Command::new(env!("CARGO_BIN_EXE_scanstelle"));
    station.arg("--config").arg(&cfg).arg("--home").arg(&home);
    match &x {
        Some(x) => station
            .env("DISPLAY", &x.display)
            .env("SCANSTELLE_LOG", "info,scanstelle::gui=debug"),
        None => station.args(["watch", "--ocr-threads", "2"]),
    };
    let mut station = station
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let shown: Option<Shown> = x.as_ref().map(|_| Arc::default());
    let reader = {
        let stderr = station.stderr.take().unwrap();
        let shown = shown.clone();
        let mut log = std::fs::File::create(root.join("station.log")).unwrap();
        std::thread::spawn(move || {
            use std::io::Write;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let (Some(shown), Some(at)) = (&shown, line.find("sha=")) {
                    let sha: String = line[at + 4..]
                        .chars()
                        .take_while(char::is_ascii_hexdigit)
                        .collect();
                    shown
                        .lock()
                        .unwrap()
                        .entry(sha)
                        .or_insert_with(Instant::now);
                }
                let _ = writeln!(log, "{line}");
            }
        })
    };
    let store = common::fixtures::store(&home);
    println!(
        "{}",
        if x.is_some() {
            "Station: das Fenster unter Xvfb, 1366×768"
        } else {
            "Station: scanstelle watch (kein Xvfb: nur der Speicher wird gemessen)"
        }
    );

    // Idle: the station has nothing else to do.
    let idle: Vec<Arrival> = arrivals[..5]
        .iter()
        .map(|f| {
            let took = arrive(&store, f, &hot, shown.as_ref());
            // Let its OCR finish, so the next one meets an idle station.
            while unread(&store) > 0 {
                std::thread::sleep(Duration::from_millis(50));
            }
            took
        })
        .collect();

    // The backlog at once, then a new file every 3 s while it is read.
    for f in &backlog.files {
        let name = f.file_name().unwrap();
        std::fs::copy(f, hot.join(name)).unwrap();
    }
    while unread(&store) < backlog.pages() as i64 / 2 {
        std::thread::sleep(Duration::from_millis(50));
    }
    let started = Instant::now();
    let mut busy = Vec::new();
    for f in &arrivals[5..] {
        std::thread::sleep(Duration::from_secs(3));
        busy.push(arrive(&store, f, &hot, shown.as_ref()));
    }
    let left = unread(&store);
    // Measured: the station may stop as after a power cut (it resumes).
    let _ = station.kill();
    let _ = station.wait();
    let _ = reader.join();

    println!(
        "Vorschaubilder ab dem Einlesen der Datei ({:.0} s unter Rückstand):",
        started.elapsed().as_secs_f64()
    );
    // Both phases of one measure, and their ratio.
    let compare = |place: &str, of: fn(&Arrival) -> Option<Duration>| {
        let times = |v: &[Arrival]| v.iter().filter_map(of).collect::<Vec<_>>();
        let base = report(&format!("{place}, ohne Rückstand"), &times(&idle));
        let under = report(&format!("{place}, unter Rückstand"), &times(&busy));
        println!(
            "    p50 unter/ohne Rückstand {:.2}×",
            under.as_secs_f64() / base.as_secs_f64()
        );
    };
    compare("im Speicher", |a| Some(a.store));
    if x.is_some() {
        compare("im Fenster", |a| a.window);
    }
    if let Some(slow) = busy.iter().max_by_key(|a| a.store) {
        println!(
            "  am langsamsten im Speicher: {} ({} Seiten), {:.0} ms",
            slow.name,
            slow.pages,
            slow.store.as_secs_f64() * 1e3
        );
    }
    let waiting: Vec<i64> = busy.iter().map(|a| a.backlog).collect();
    println!(
        "  noch nicht erkannte Seiten bei Ankunft: {}–{} (am Ende {left})",
        waiting.iter().min().unwrap(),
        waiting.iter().max().unwrap(),
    );
    if waiting.iter().any(|&w| w < 20) {
        println!("  Achtung: der Rückstand war vor der letzten Ankunft fast abgearbeitet");
    }
}
