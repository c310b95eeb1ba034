//! Faults of the station itself: a damaged or missing blob, a damaged
//! database, a restore while the station runs — found by `db check`, put
//! right by `db backup` and `db restore`, each said in words.

use crate::common;

use common::*;

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn db_check_finds_missing_and_damaged_blobs_and_a_backup_replaces_a_damaged_database() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    admin_os(&home);
    let scan = dir.path().join("antrag.png");
    std::fs::write(&scan, png_page(300, 420, 4711, 300)).unwrap();
    let o = scanstelle(&["ingest", "--intake-only", scan.to_str().unwrap()], &home);
    assert!(o.status.success(), "{}", out(&o));

    let o = scanstelle(&["db", "check", "--full"], &home);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("in Ordnung (2 Verweise"), "{}", out(&o));

    // An online backup: encrypted like the database itself.
    let backup = dir.path().join("sicherung.db");
    let o = scanstelle(&["db", "backup", backup.to_str().unwrap()], &home);
    assert!(o.status.success(), "{}", out(&o));
    let bytes = std::fs::read(&backup).unwrap();
    assert!(
        !bytes.starts_with(b"SQLite format 3"),
        "the backup is sealed"
    );
    let o = scanstelle(&["db", "backup", backup.to_str().unwrap()], &home);
    assert!(
        !o.status.success() && out(&o).contains("überschreibt nichts"),
        "{}",
        out(&o)
    );

    // A page image gone from the store, then one damaged: named, exit code 1.
    let station = station(&home);
    let page = station
        .store
        .pages_in_state(1, scanstelle::store::PageState::Ingested)
        .unwrap();
    let blob = station.blobs.path_of(&page[0].sha);
    drop(station);
    let good = std::fs::read(&blob).unwrap();
    std::fs::remove_file(&blob).unwrap();
    let o = scanstelle(&["db", "check"], &home);
    assert!(!o.status.success());
    assert!(
        out(&o).contains("fehlt in der Ablage") && out(&o).contains("NICHT in Ordnung"),
        "{}",
        out(&o)
    );
    let mut damaged = good.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x5A;
    std::fs::write(&blob, &damaged).unwrap();
    let o = scanstelle(&["db", "check"], &home);
    assert!(
        o.status.success(),
        "present is enough without --full: {}",
        out(&o)
    );
    let o = scanstelle(&["db", "check", "--full"], &home);
    assert!(
        !o.status.success() && out(&o).contains("beschädigt oder unvollständig"),
        "{}",
        out(&o)
    );
    std::fs::write(&blob, &good).unwrap();

    // The database file damaged in the middle: a clear message that names
    // the way back, not an SQLite code.
    let db = home.join("scanstelle.db");
    // Everything after the first page, in the file and its write-ahead log.
    let mut file = std::fs::read(&db).unwrap();
    for b in &mut file[4096..] {
        *b = 0x42;
    }
    std::fs::write(&db, &file).unwrap();
    let wal = home.join("scanstelle.db-wal");
    if wal.exists() {
        let mut w = std::fs::read(&wal).unwrap();
        for b in w.iter_mut().skip(32) {
            *b = 0x42;
        }
        std::fs::write(&wal, &w).unwrap();
    }
    let o = scanstelle(&["status"], &home);
    assert!(!o.status.success());
    let said = out(&o);
    assert!(
        said.contains("db restore") || said.contains("beschädigt"),
        "{said}"
    );
    assert!(
        !said.contains("malformed") && !said.contains("not a database"),
        "{said}"
    );

    // A garbage "backup" is refused and changes nothing.
    let junk = dir.path().join("unsinn.db");
    std::fs::write(&junk, b"keine Datenbank").unwrap();
    let o = scanstelle(&["db", "restore", junk.to_str().unwrap()], &home);
    assert!(!o.status.success(), "{}", out(&o));
    assert_eq!(std::fs::read(&db).unwrap(), file, "nothing replaced");

    // While a station works on the home, no restore.
    let running = {
        // The damaged database does not open: hold the lock as a station would.
        let lock = std::fs::File::options()
            .write(true)
            .open(home.join("station.lock"))
            .unwrap();
        lock.try_lock().unwrap();
        lock
    };
    let o = scanstelle(&["db", "restore", backup.to_str().unwrap()], &home);
    assert!(
        !o.status.success() && out(&o).contains("arbeitet bereits"),
        "{}",
        out(&o)
    );
    drop(running);

    // The backup restored: the station works again with what it held, the
    // damaged file kept beside it.
    let o = scanstelle(&["db", "restore", backup.to_str().unwrap()], &home);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("vor-wiederherstellung"), "{}", out(&o));
    let o = scanstelle(&["status"], &home);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("eingelesen 1"), "{}", out(&o));
    let o = scanstelle(&["db", "check", "--full"], &home);
    assert!(o.status.success(), "{}", out(&o));
}

/// A small file system of its own for the home (tmpfs), unmounted on drop.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    /// `None` where the test may not mount (no root, no tmpfs).
    fn mount(at: &std::path::Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(at).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| SmallDisk(at.to_owned()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_pauses_intake_in_words_corrupts_nothing_and_intake_goes_on_when_space_returns() {
    use scanstelle::intake::{Outcome, take_file};
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let Some(_disk) = SmallDisk::mount(&home, "6m") else {
        eprintln!("faults: tmpfs cannot be mounted here (no root): disk-full test not run");
        return;
    };
    let hot = dir.path().join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let profile = test_profile(&hot, 100, "");
    let opts = hot_folder_options();
    let mut station = station(&home);
    // Fill the home's disk but for a little more than a megabyte.
    let filler = home.join("fueller");
    std::fs::write(&filler, vec![0x33u8; 4_700_000]).unwrap();
    // Files of incompressible pages, taken until the disk is full.
    let mut taken = Vec::new();
    let mut refused = None;
    for i in 0..40u32 {
        let path = hot.join(format!("seite-{i:02}.png"));
        let noise: Vec<u8> = (0..400 * 560)
            .map(|k: u32| (k.wrapping_mul(2_654_435_761).wrapping_add(i * 7919) >> 13) as u8)
            .collect();
        std::fs::write(
            &path,
            scanstelle::intake::decode::encode_png(
                400,
                560,
                scanstelle::intake::decode::ColourMode::Gray,
                &noise,
                Some((300.0, 300.0)),
            ),
        )
        .unwrap();
        match take_file(&mut station, &profile, &path, &opts) {
            Ok(Outcome::Ingested(_)) => taken.push(path),
            Ok(other) => panic!("{other:?}"),
            Err(e) => {
                refused = Some((path, e.to_string()));
                break;
            }
        }
    }
    let (waiting, words) = refused.expect("the disk filled up");
    assert!(!taken.is_empty(), "some files fitted before");
    // Whichever fills it, the scanner file's copy or the database.
    assert!(
        words.contains("Datenträger ist voll")
            || words.contains("Datenträger des Stationsverzeichnisses ist voll"),
        "{words}"
    );
    assert!(!words.contains("os error"), "{words}");
    // The file that did not fit stays where it was and nothing
    // half-written is recorded — or, when the disk filled after its pages
    // were committed (archiving the scanner's file, or noting that it is
    // gone), only those later steps wait; a file is removed only once
    // recorded.
    let recorded = station.store.sources().unwrap().len();
    let stayed = waiting.exists();
    let committed = recorded == taken.len() + 1;
    assert!(committed || recorded == taken.len(), "{recorded}: {words}");
    assert!(stayed || committed, "{words}");
    // Space returns: the same file is taken (or its later steps finished),
    // once, and the store is whole.
    std::fs::remove_file(&filler).unwrap();
    match (stayed, committed) {
        (true, false) => match take_file(&mut station, &profile, &waiting, &opts).unwrap() {
            Outcome::Ingested(_) => {}
            other => panic!("{other:?}"),
        },
        (true, true) => match take_file(&mut station, &profile, &waiting, &opts).unwrap() {
            Outcome::Resumed { .. } => {}
            other => panic!("{other:?}"),
        },
        (false, _) => assert_eq!(scanstelle::intake::resume_pending(&mut station).unwrap(), 1),
    }
    assert!(!waiting.exists());
    assert_eq!(station.store.sources().unwrap().len(), taken.len() + 1);
    let report = station.store.check(&station.blobs, true).unwrap();
    assert!(report.healthy(), "{:?}", report.problems);
    assert!(station.blobs.clean_tmp().is_ok());
}
