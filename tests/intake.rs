//! Taking files into the store: exactly once, with duplicates, quarantine
//! and resumption after a crash at every step.

use crate::common;

use common::*;
use scanstelle::intake::{Outcome, TakeOptions, take_file};
use scanstelle::station::Station;
use scanstelle::store::blob::Sha256Hex;
use scanstelle::store::{NewSource, SourceState};
use std::path::Path;
use std::time::Duration;

fn setup() -> (
    tempfile::TempDir,
    Station,
    scanstelle::intake::profile::Profile,
) {
    let dir = tempfile::tempdir().unwrap();
    let hot = dir.path().join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let station = station(&dir.path().join("home"));
    let profile = test_profile(&hot, 100, "");
    (dir, station, profile)
}

#[test]
fn a_file_becomes_a_batch_with_its_pages_and_leaves_the_hot_folder() {
    let (dir, mut station, profile) = setup();
    let path = dir.path().join("hot/stapel-0001.tif");
    let bytes = tiff_pages(120, 170, &[11, 12, 13]);
    std::fs::write(&path, &bytes).unwrap();

    let Outcome::Ingested(i) =
        take_file(&mut station, &profile, &path, &hot_folder_options()).unwrap()
    else {
        panic!("not ingested")
    };
    assert_eq!(i.pages, 3);
    assert!(!path.exists(), "original must leave the hot folder");

    let sha = Sha256Hex::of(&bytes);
    let src = station.store.source_by_sha(&sha).unwrap().unwrap();
    assert_eq!(src.state, SourceState::Released);
    assert_eq!(src.page_count, 3);
    assert_eq!(src.file_name, "stapel-0001.tif");
    // The original is kept whole in the blob store.
    assert_eq!(station.blobs.get(&sha).unwrap(), bytes);

    let pages = station.store.pages_of_source(src.id).unwrap();
    assert_eq!(
        pages.iter().map(|p| p.page_index).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    for p in &pages {
        let blob = station.blobs.get(&p.sha).unwrap();
        assert_eq!(Sha256Hex::of(&blob), p.sha);
        assert_eq!((p.width, p.height, p.dpi_x), (120, 170, Some(300.0)));
    }
    assert_eq!(count(&station, "SELECT COUNT(*) FROM documents"), 1);
    assert_eq!(count(&station, "SELECT COUNT(*) FROM document_pages"), 3);
    assert!(station.store.check_integrity().unwrap().is_empty());
}

#[test]
fn a_duplicate_is_quarantined_and_reported_not_taken_again() {
    let (dir, mut station, profile) = setup();
    let bytes = jpeg_page(100, 140, 4);
    let first = dir.path().join("hot/brief.jpg");
    std::fs::write(&first, &bytes).unwrap();
    assert!(matches!(
        take_file(&mut station, &profile, &first, &hot_folder_options()).unwrap(),
        Outcome::Ingested(_)
    ));

    let again = dir.path().join("hot/brief-kopie.jpg");
    std::fs::write(&again, &bytes).unwrap();
    let Outcome::Duplicate { of, stored_as } =
        take_file(&mut station, &profile, &again, &hot_folder_options()).unwrap()
    else {
        panic!("duplicate not detected")
    };
    assert_eq!(of.file_name, "brief.jpg");
    assert!(!again.exists());
    // Kept in quarantine, sealed: only the station's key opens it.
    let sha = Sha256Hex::of(&bytes);
    let mut kept = Vec::new();
    std::io::Read::read_to_end(
        &mut station
            .blobs
            .read_sealed(&stored_as, sha.as_str().as_bytes())
            .unwrap(),
        &mut kept,
    )
    .unwrap();
    assert_eq!(kept, bytes, "the duplicate is kept in quarantine");
    assert!(!std::fs::read(&stored_as).unwrap().starts_with(&bytes[..4]));
    // The note beside it says why, without naming files.
    let note = station.quarantine_note(&stored_as).unwrap();
    assert!(
        note.contains("Doppelt") && !note.contains("brief"),
        "{note}"
    );
    assert_eq!(count(&station, "SELECT COUNT(*) FROM pages"), 1);
    let q = station.store.quarantine_entries().unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].reason_code, "duplicate");
}

#[test]
fn an_unreadable_file_goes_to_quarantine_with_its_reason_and_intake_goes_on() {
    let (dir, mut station, profile) = setup();
    let bad = dir.path().join("hot/kaputt.pdf");
    let pdf = text_pdf(&["Antrag"]);
    std::fs::write(&bad, &pdf[..pdf.len() / 2]).unwrap();
    let Outcome::Quarantined { reason, stored_as } =
        take_file(&mut station, &profile, &bad, &hot_folder_options()).unwrap()
    else {
        panic!("not quarantined")
    };
    assert!(reason.contains("%%EOF"), "{reason}");
    assert!(!bad.exists());
    assert!(stored_as.starts_with(station.quarantine_dir()));
    let note = station.quarantine_note(&stored_as).unwrap();
    assert!(
        !note.contains("kaputt.pdf") && note.contains("Grund:") && note.contains("Was tun:"),
        "{note}"
    );
    let entry = &station.store.quarantine_entries().unwrap()[0];
    assert_eq!(entry.reason_code, "corrupt");
    assert_eq!(entry.file_name, "kaputt.pdf");

    let good = dir.path().join("hot/gut.png");
    std::fs::write(&good, png_page(90, 120, 1, 300)).unwrap();
    assert!(matches!(
        take_file(&mut station, &profile, &good, &hot_folder_options()).unwrap(),
        Outcome::Ingested(_)
    ));
}

#[test]
fn an_unreadable_file_that_just_changed_is_retried_not_quarantined() {
    let (dir, mut station, profile) = setup();
    let growing = dir.path().join("hot/wird-geschrieben.tif");
    let tiff = tiff_pages(100, 100, &[1, 2]);
    std::fs::write(&growing, &tiff[..tiff.len() / 2]).unwrap();
    let patient = TakeOptions {
        remove_original: true,
        quarantine_after: Duration::from_secs(3600),
        limits: Default::default(),
        office: Default::default(),
    };
    assert!(matches!(
        take_file(&mut station, &profile, &growing, &patient).unwrap(),
        Outcome::Retry { .. }
    ));
    assert!(growing.exists());
    assert!(station.store.quarantine_entries().unwrap().is_empty());
    std::fs::write(&growing, &tiff).unwrap();
    let Outcome::Ingested(i) = take_file(&mut station, &profile, &growing, &patient).unwrap()
    else {
        panic!("complete file not taken")
    };
    assert_eq!(i.pages, 2);
}

/// Records a file as `take_file` does up to its transaction, then stops:
/// the state a crash right after the commit leaves behind.
fn record_only(
    station: &mut Station,
    profile: &scanstelle::intake::profile::Profile,
    path: &Path,
) -> i64 {
    let bytes = std::fs::read(path).unwrap();
    let sha = Sha256Hex::of(&bytes);
    let decoded = scanstelle::intake::decode::decode(&bytes).unwrap();
    let pages = scanstelle::intake::store_pages(station, decoded.pages).unwrap();
    station
        .store
        .ingest_source(&NewSource {
            profile: &profile.name,
            profile_sha: "",
            grouping: profile.grouping(),
            original_path: path,
            sha: &sha,
            size: bytes.len() as u64,
            format: decoded.format,
            pages: &pages,
        })
        .unwrap()
        .source_id
}

#[test]
fn a_crash_after_the_commit_is_finished_on_restart_without_a_second_copy() {
    let (dir, mut station, profile) = setup();
    let path = dir.path().join("hot/a.tif");
    std::fs::write(&path, tiff_pages(80, 80, &[1, 2])).unwrap();
    let id = record_only(&mut station, &profile, &path);

    // Restart: the file is still in the hot folder.
    let home = station.home().to_owned();
    drop(station);
    let mut station = common::station(&home);
    let out = take_file(&mut station, &profile, &path, &hot_folder_options()).unwrap();
    assert_eq!(out, Outcome::Resumed { source_id: id });
    assert!(!path.exists());
    assert_eq!(count(&station, "SELECT COUNT(*) FROM pages"), 2);
    assert_eq!(count(&station, "SELECT COUNT(*) FROM source_files"), 1);
    assert!(station.store.quarantine_entries().unwrap().is_empty());
}

#[test]
fn a_crash_after_archiving_but_before_removal_is_finished_too() {
    let (dir, mut station, profile) = setup();
    let path = dir.path().join("hot/b.tif");
    let bytes = tiff_pages(80, 80, &[3]);
    std::fs::write(&path, &bytes).unwrap();
    let id = record_only(&mut station, &profile, &path);
    station
        .blobs
        .put_file(&path, &Sha256Hex::of(&bytes))
        .unwrap();
    station
        .store
        .advance_source(id, SourceState::InHotFolder, SourceState::Archived)
        .unwrap();

    // Case 1: the file is still there → finished when it is seen again.
    assert_eq!(
        take_file(&mut station, &profile, &path, &hot_folder_options()).unwrap(),
        Outcome::Resumed { source_id: id }
    );
    assert!(!path.exists());

    // Case 2: the file was removed but the crash came before `released`.
    let path2 = dir.path().join("hot/c.tif");
    let bytes2 = tiff_pages(80, 80, &[4]);
    std::fs::write(&path2, &bytes2).unwrap();
    let id2 = record_only(&mut station, &profile, &path2);
    station
        .blobs
        .put_file(&path2, &Sha256Hex::of(&bytes2))
        .unwrap();
    station
        .store
        .advance_source(id2, SourceState::InHotFolder, SourceState::Archived)
        .unwrap();
    std::fs::remove_file(&path2).unwrap();
    assert_eq!(scanstelle::intake::resume_pending(&mut station).unwrap(), 1);
    assert!(station.store.unreleased_sources().unwrap().is_empty());
}

#[test]
fn a_new_file_under_a_released_name_is_a_new_file() {
    let (dir, mut station, profile) = setup();
    let path = dir.path().join("hot/scan0001.jpg");
    std::fs::write(&path, jpeg_page(60, 80, 1)).unwrap();
    take_file(&mut station, &profile, &path, &hot_folder_options()).unwrap();
    std::fs::write(&path, jpeg_page(60, 80, 2)).unwrap();
    assert!(matches!(
        take_file(&mut station, &profile, &path, &hot_folder_options()).unwrap(),
        Outcome::Ingested(_)
    ));
    assert_eq!(count(&station, "SELECT COUNT(*) FROM source_files"), 2);
}

#[test]
fn ingest_without_move_keeps_the_users_file() {
    let (dir, mut station, profile) = setup();
    let path = dir.path().join("brief.png");
    std::fs::write(&path, png_page(60, 80, 1, 300)).unwrap();
    let keep = TakeOptions {
        remove_original: false,
        quarantine_after: Duration::ZERO,
        limits: Default::default(),
        office: Default::default(),
    };
    assert!(matches!(
        take_file(&mut station, &profile, &path, &keep).unwrap(),
        Outcome::Ingested(_)
    ));
    assert!(path.exists());
    // Taking it again is a duplicate, reported, and the user's file still stays.
    assert!(matches!(
        take_file(&mut station, &profile, &path, &keep).unwrap(),
        Outcome::Duplicate { .. }
    ));
    assert!(path.exists());
}

#[test]
fn plain_quarantine_notes_of_an_older_version_are_sealed_on_opening() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    drop(station(&home));
    let plain = home.join("quarantine/0123456789ab.reason.txt");
    std::fs::write(
        &plain,
        "Grund: Die Datei ist leer (0 Byte).\nSHA-256: 0123456789ab…\n",
    )
    .unwrap();
    let station = station(&home);
    assert!(!plain.exists(), "the plain note is gone");
    let note = station
        .quarantine_note(&home.join("quarantine/0123456789ab.sealed"))
        .unwrap();
    assert!(note.contains("Die Datei ist leer"), "{note}");
    assert!(files_containing(&home, b"Die Datei ist leer").is_empty());
}

#[test]
fn configured_limits_refuse_a_file_before_it_is_decoded() {
    let (dir, mut station, profile) = setup();
    let limits = scanstelle::intake::decode::Limits {
        file_pages: 3,
        page_megabytes: 1,
        ..Default::default()
    };
    let strict = TakeOptions {
        limits,
        ..hot_folder_options()
    };
    let take = |station: &mut Station, name: &str, bytes: Vec<u8>| {
        let path = dir.path().join("hot").join(name);
        std::fs::write(&path, bytes).unwrap();
        take_file(station, &profile, &path, &strict).unwrap()
    };
    // Four pages where three are allowed.
    let Outcome::Quarantined { reason, .. } = take(
        &mut station,
        "vier.tif",
        tiff_pages(120, 170, &[1, 2, 3, 4]),
    ) else {
        panic!("four pages taken")
    };
    assert!(reason.contains("höchstens 3 Seiten"), "{reason}");
    // A page of 1,200 × 1,000 pixels in grey takes 1.2 MB decoded.
    let Outcome::Quarantined { reason, .. } =
        take(&mut station, "gross.tif", tiff_pages(1200, 1000, &[5]))
    else {
        panic!("a page over the memory limit taken")
    };
    assert!(reason.contains("erlaubt sind 1 MB"), "{reason}");
    // Within the limits: taken.
    let taken = take(&mut station, "drei.tif", tiff_pages(120, 170, &[6, 7, 8]));
    assert!(matches!(taken, Outcome::Ingested(_)), "{taken:?}");
}
