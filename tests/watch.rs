//! The hot-folder watcher with real files and real filesystem events.

use crate::common;

use common::*;
use scanstelle::config::Config;
use scanstelle::intake::watch::{self, WatchError, WatchOptions, WatchSummary};
use scanstelle::store::{BatchState, Store};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

struct Running {
    stop: oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<Result<WatchSummary, WatchError>>,
    db: PathBuf,
}

impl Running {
    async fn stop(self) -> WatchSummary {
        self.stop.send(()).unwrap();
        self.handle.await.unwrap().unwrap()
    }
}

fn start(config: Config) -> Running {
    let station = station(&config.home);
    let db = config.home.join("scanstelle.db");
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        watch::run(&config, station, WatchOptions::default(), async {
            let _ = rx.await;
        })
        .await
    });
    Running {
        stop: tx,
        handle,
        db,
    }
}

fn count(db: &Path, sql: &str) -> i64 {
    let store = Store::open(
        db,
        &scanstelle::protect::crypto::Keys::for_home(db.parent().unwrap()).unwrap(),
    )
    .unwrap();
    store.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

async fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < timeout, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    hot: PathBuf,
    config: Config,
}

fn setup(settle_ms: u64, hot_folder_extra: &str, tail: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let hot = dir.path().join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let cfg = write_config(dir.path(), &hot, settle_ms, hot_folder_extra, tail);
    let config = load_config(&cfg, &dir.path().join("home"));
    Setup {
        _dir: dir,
        hot,
        config,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_written_slowly_in_chunks_is_taken_once_whole() {
    let s = setup(800, "", "");
    let r = start(s.config.clone());
    let bytes = tiff_pages(300, 400, &[1, 2, 3, 4]);
    let path = s.hot.join("langsam.tif");
    let mut f = std::fs::File::create(&path).unwrap();
    for chunk in bytes.chunks(bytes.len().div_ceil(8)) {
        f.write_all(chunk).unwrap();
        f.flush().unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(f);
    wait_until("file taken", Duration::from_secs(20), || !path.exists()).await;
    let summary = r.stop().await;
    assert_eq!(summary.files, 1);
    assert_eq!(summary.pages, 4);
    assert_eq!(
        count(
            &s.config.home.join("scanstelle.db"),
            "SELECT COUNT(*) FROM source_files"
        ),
        1
    );
    assert_eq!(
        count(
            &s.config.home.join("scanstelle.db"),
            "SELECT COUNT(*) FROM pages"
        ),
        4
    );
    assert_eq!(
        count(
            &s.config.home.join("scanstelle.db"),
            "SELECT COUNT(*) FROM quarantine"
        ),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_200_files_is_all_taken_none_twice() {
    let s = setup(300, "", "");
    let r = start(s.config.clone());
    for i in 0..200u32 {
        std::fs::write(
            s.hot.join(format!("seite-{i:03}.png")),
            png_page(40, 56, i + 1, 300),
        )
        .unwrap();
    }
    let db = r.db.clone();
    wait_until("200 files taken", Duration::from_secs(60), || {
        db.exists()
            && count(
                &db,
                "SELECT COUNT(*) FROM source_files WHERE state = 'released'",
            ) == 200
    })
    .await;
    let summary = r.stop().await;
    assert_eq!(
        (
            summary.files,
            summary.pages,
            summary.duplicates,
            summary.quarantined
        ),
        (200, 200, 0, 0)
    );
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT sha256) FROM source_files"),
        200
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM pages"), 200);
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT file_name) FROM source_files"),
        200
    );
    assert!(files_in(&s.hot).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scanner_writing_tmp_and_renaming_is_taken_once_after_the_rename() {
    let s = setup(300, "", "");
    let r = start(s.config.clone());
    let bytes = tiff_pages(200, 280, &[5, 6]);
    let tmp = s.hot.join("stapel.tif.tmp");
    let mut f = std::fs::File::create(&tmp).unwrap();
    // Pauses longer than the settle time: only the ignore pattern protects the file.
    for chunk in bytes.chunks(bytes.len().div_ceil(3)) {
        f.write_all(chunk).unwrap();
        f.flush().unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    drop(f);
    assert!(tmp.exists(), "a .tmp file must not be taken");
    let db = r.db.clone();
    assert!(!db.exists() || count(&db, "SELECT COUNT(*) FROM source_files") == 0);
    let fin = s.hot.join("stapel.tif");
    std::fs::rename(&tmp, &fin).unwrap();
    wait_until("renamed file taken", Duration::from_secs(20), || {
        !fin.exists()
    })
    .await;
    let summary = r.stop().await;
    assert_eq!(
        (summary.files, summary.pages, summary.quarantined),
        (1, 2, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_mode_finds_files_without_events_and_files_present_at_start() {
    let s = setup(200, "watch = \"poll\"\nrecursive = true", "");
    std::fs::create_dir_all(s.hot.join("unterordner")).unwrap();
    std::fs::write(s.hot.join("vorher.jpg"), jpeg_page(50, 70, 1)).unwrap();
    let r = start(s.config.clone());
    std::fs::write(s.hot.join("unterordner/danach.jpg"), jpeg_page(50, 70, 2)).unwrap();
    let db = r.db.clone();
    wait_until("both files taken", Duration::from_secs(20), || {
        db.exists()
            && count(
                &db,
                "SELECT COUNT(*) FROM source_files WHERE state = 'released'",
            ) == 2
    })
    .await;
    let summary = r.stop().await;
    assert_eq!(summary.files, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_pages_within_the_window_form_one_batch_closed_after_it() {
    let s = setup(200, "", "[batching]\nmode = \"window\"\nwindow_secs = 2\n");
    let r = start(s.config.clone());
    for i in 0..3u32 {
        std::fs::write(
            s.hot.join(format!("blatt-{i}.png")),
            png_page(50, 70, 10 + i, 300),
        )
        .unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let db = r.db.clone();
    wait_until("three pages taken", Duration::from_secs(20), || {
        db.exists() && count(&db, "SELECT COUNT(*) FROM pages") == 3
    })
    .await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM batches"), 1);
    assert_eq!(count(&db, "SELECT COUNT(DISTINCT seq) FROM pages"), 3);
    wait_until(
        "batch closed after its window",
        Duration::from_secs(20),
        || {
            Store::open(
                &db,
                &scanstelle::protect::crypto::Keys::for_home(db.parent().unwrap()).unwrap(),
            )
            .unwrap()
            .batch_state(1)
            .unwrap()
                == Some(BatchState::Ingested)
        },
    )
    .await;
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_file_is_quarantined_once_it_stays_unchanged() {
    // write_config sets quarantine_after_secs = 2.
    let s = setup(200, "", "");
    let r = start(s.config.clone());
    let bad = s.hot.join("defekt.jpg");
    let j = jpeg_page(60, 60, 3);
    std::fs::write(&bad, &j[..j.len() / 2]).unwrap();
    wait_until("quarantined", Duration::from_secs(20), || !bad.exists()).await;
    let summary = r.stop().await;
    assert_eq!((summary.files, summary.quarantined), (0, 1));
    let q = files_in(&s.config.home.join("quarantine"));
    assert_eq!(q.len(), 2, "{q:?}");
    // The file and its note, both sealed, under a keyed name that is not
    // the file's digest.
    let sha = scanstelle::store::blob::Sha256Hex::of(&j[..j.len() / 2]);
    assert!(
        q.iter()
            .any(|p| p.to_string_lossy().ends_with(".grund.sealed"))
            && q.iter().all(|p| p.to_string_lossy().ends_with(".sealed")),
        "{q:?}"
    );
    assert!(
        q.iter().all(|p| !p.to_string_lossy().contains(sha.short())),
        "{q:?}"
    );
    for p in &q {
        let bytes = std::fs::read(p).unwrap();
        assert!(
            !bytes.windows(5).any(|w| w == b"Grund" || w == b"SHA-2"),
            "{p:?} readable"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_latin1_name_is_taken_once_and_links_pipes_folders_and_locked_files_are_named_once() {
    use std::os::unix::ffi::OsStrExt;
    let s = setup(200, "", "");
    let outside = s._dir.path().join("woanders.png");
    std::fs::write(&outside, png_page(40, 56, 901, 300)).unwrap();
    // A name in Latin-1 from an old scanner or a Windows share.
    let latin1 = s
        .hot
        .join(std::ffi::OsStr::from_bytes(b"Bescheid M\xfcller.png"));
    std::fs::write(&latin1, png_page(40, 56, 902, 300)).unwrap();
    // A link out of the hot folder, a named pipe, a subfolder and a file
    // the station may not read.
    std::os::unix::fs::symlink(&outside, s.hot.join("verknuepft.png")).unwrap();
    let fifo = s.hot.join("rohr.tif");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::fs::create_dir(s.hot.join("unterordner")).unwrap();
    let locked = s.hot.join("gesperrt.png");
    std::fs::write(&locked, png_page(40, 56, 903, 300)).unwrap();
    let root = std::fs::File::open("/etc/shadow").is_ok();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();

    let r = start(s.config.clone());
    let db = r.db.clone();
    let expected = if root { 3 } else { 4 };
    wait_until(
        "the file taken and the odd entries named",
        Duration::from_secs(20),
        || {
            !latin1.exists()
                && db.exists()
                && count(&db, "SELECT COUNT(*) FROM quarantine") >= expected
        },
    )
    .await;
    // Listed many times more, each odd entry is named once.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let summary = r.stop().await;
    assert_eq!(summary.files, if root { 2 } else { 1 }, "{summary:?}");
    assert_eq!(summary.quarantined + summary.duplicates, 0, "{summary:?}");
    assert_eq!(summary.set_aside, expected as u64, "{summary:?}");
    let store = Store::open(
        &db,
        &scanstelle::protect::crypto::Keys::for_home(&s.config.home).unwrap(),
    )
    .unwrap();
    let names: Vec<String> = store
        .sources()
        .unwrap()
        .iter()
        .map(|f| f.file_name.clone())
        .collect();
    assert!(
        names.contains(&"Bescheid Müller.png".to_owned()),
        "{names:?}"
    );
    let released = store
        .sources()
        .unwrap()
        .into_iter()
        .find(|f| f.file_name == "Bescheid Müller.png")
        .unwrap();
    assert_eq!(released.state, scanstelle::store::SourceState::Released);
    assert_eq!(
        released.original_path, latin1,
        "the exact bytes of the name"
    );
    let q = store.quarantine_entries().unwrap();
    let codes: Vec<&str> = q.iter().map(|e| e.reason_code.as_str()).collect();
    for code in ["link", "not_a_file", "subfolder"] {
        assert!(codes.contains(&code), "{codes:?}");
    }
    if !root {
        assert!(codes.contains(&"unreadable"), "{codes:?}");
    }
    assert!(
        q.iter()
            .all(|e| !e.reason.is_empty() && e.reason.is_char_boundary(0))
    );
    // Nothing was followed or opened: the link's target is still outside and
    // not in the store; the odd entries are where they were.
    assert!(outside.exists() && fifo.exists() && s.hot.join("verknuepft.png").exists());
    assert!(
        !names.contains(&"woanders.png".to_owned())
            && !names.contains(&"verknuepft.png".to_owned())
    );
}
