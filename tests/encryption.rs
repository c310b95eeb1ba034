//! Encryption at rest: after a station took, read and packaged letters, no
//! file anywhere under its home (database, WAL, blobs, spool, quarantine,
//! temporary files) holds a word of a letter, its case number or the
//! signature of a plain image, PDF or ZIP; the database opens only with the
//! station key; a database and blobs of a version before encryption are
//! encrypted on the first start; a quarantined file comes out only through
//! the station.

use crate::common;

use scanstelle::classify::doctype::TypeRules;
use scanstelle::protect::crypto::Keys;
use scanstelle::store::Store;
use scanstelle::store::blob::BlobStore;
use scanstelle::sync::{DmsSettings, FolderTransport, Syncer};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Files under `dir` that start like a plain TIFF, JPEG, PNG, PDF or ZIP.
fn plain_signatures(dir: &Path) -> Vec<PathBuf> {
    const MAGIC: [&[u8]; 6] = [
        b"II*\0",
        b"MM\0*",
        b"\xFF\xD8\xFF",
        b"\x89PNG",
        b"%PDF",
        b"PK\x03\x04",
    ];
    common::files_under(dir)
        .into_iter()
        .filter(|p| std::fs::read(p).is_ok_and(|b| MAGIC.iter().any(|m| b.starts_with(m))))
        .collect()
}

#[test]
fn nothing_under_the_home_is_readable_without_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) = common::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "kontoauszug.jpg"],
    );
    let home = config.home.clone();
    common::admin_os(&home);

    // A letter as a PDF with a text layer, and a broken JPEG for the quarantine.
    let marker = "Zitronenfalter";
    let pdf = common::text_pdf(&[&format!("{marker} BG-Nummer 12345BG0012345")]);
    let letter = dir.path().join("brief.pdf");
    std::fs::write(&letter, &pdf).unwrap();
    let broken = dir.path().join("defekt.jpg");
    let jpeg = common::jpeg_page(60, 60, 3);
    std::fs::write(&broken, &jpeg[..jpeg.len() / 2]).unwrap();
    let opts = scanstelle::intake::TakeOptions {
        remove_original: false,
        quarantine_after: std::time::Duration::ZERO,
        limits: Default::default(),
        office: Default::default(),
    };
    for f in [&letter, &broken] {
        scanstelle::intake::take_file(&mut station, &config.profiles[0], f, &opts).unwrap();
    }
    assert_eq!(station.store.quarantine_entries().unwrap().len(), 1);

    // The application leaves for a DMS outside the home and waits there
    // for its receipt: its container stays in the spool.
    let dms = dir.path().join("dms");
    std::fs::create_dir_all(dms.join("eingang")).unwrap();
    std::fs::create_dir_all(dms.join("antworten")).unwrap();
    let syncer = Syncer::new(
        Box::new(FolderTransport::new(
            dms.join("eingang"),
            dms.join("antworten"),
        )),
        DmsSettings {
            hold_secs: 0,
            ..DmsSettings::default()
        },
        TypeRules::builtin(),
        &home,
        "scan01",
    )
    .unwrap();
    let summary = syncer
        .pass(&mut station.store, &station.blobs, &AtomicBool::new(false))
        .unwrap();
    assert!(summary.sent >= 1, "{summary:?}");
    assert_eq!(
        std::fs::read_dir(home.join("outbox")).unwrap().count(),
        summary.sent as usize
    );
    let delivered = common::files_under(&dms.join("eingang"));
    assert!(
        std::fs::read(&delivered[0])
            .unwrap()
            .starts_with(b"PK\x03\x04"),
        "the DMS gets a plain ZIP"
    );

    // The station itself reads everything…
    let words = |w: &str| station.store.search(&[w.into()], 5).unwrap().len();
    assert!(words("bewilligungszeitraum") > 0);
    assert_eq!(
        common::count(
            &station,
            "SELECT COUNT(*) FROM pages WHERE source_text LIKE '%Zitronenfalter%12345BG0012345%'"
        ),
        1
    );
    assert!(!station.store.batch_blobs(batches[0]).unwrap().is_empty());

    // …and no file under its home does, the database's WAL included
    // (the station is still open, so nothing is checkpointed away).
    assert!(
        home.join("scanstelle.db-wal").exists(),
        "WAL present while open"
    );
    let files = common::files_under(&home);
    assert!(files.len() > 10, "{files:?}");
    for needle in [
        "bewilligungszeitraum",
        marker,
        "12345BG0012345",
        "Zitronen",
        "defekt.jpg",
        "brief.pdf",
    ] {
        assert_eq!(
            common::files_containing(&home, needle.as_bytes()),
            Vec::<PathBuf>::new(),
            "{needle}"
        );
    }
    assert_eq!(plain_signatures(&home), Vec::<PathBuf>::new());
    // The check can fail: it sees the plain copies outside the home.
    assert!(!common::files_containing(dir.path(), marker.as_bytes()).is_empty());
    assert!(!plain_signatures(dir.path()).is_empty());
    drop(station);

    // The quarantined file comes out only through the station, logged.
    let out = dir.path().join("heraus");
    let o = common::scanstelle(&["quarantine"], &home);
    let list = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && list.contains("defekt.jpg"), "{list}");
    let o = common::scanstelle(
        &["quarantine", "export", "1", "--to", out.to_str().unwrap()],
        &home,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(out.join("defekt.jpg")).unwrap(),
        &jpeg[..jpeg.len() / 2]
    );
    let o = common::scanstelle(&["audit", "show", "--case", "12345BG0012345"], &home);
    assert!(o.status.success());

    // Without the key file nothing opens, and the station says why.
    let key = home.join("station.key");
    let saved = dir.path().join("station.key.sicherung");
    std::fs::rename(&key, &saved).unwrap();
    let o = common::scanstelle(&["status"], &home);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("Schlüsseldatei") && err.contains("fehlt"),
        "{err}"
    );
    assert!(
        !key.exists(),
        "no new key is made for an encrypted database"
    );
    // Another key does not open it either.
    let wrong = Store::open(&home.join("scanstelle.db"), &Keys::from_master(&[9; 32]));
    let err = wrong.unwrap_err().to_string();
    assert!(err.contains("Stationsschlüssel"), "{err}");
    std::fs::rename(&saved, &key).unwrap();
    let o = common::scanstelle(&["status"], &home);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_home_from_before_encryption_is_encrypted_on_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("blobs/ab/cd")).unwrap();
    // A plain database with social data in it, as an older version left it.
    let db = home.join("scanstelle.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE notiz (t TEXT); INSERT INTO notiz VALUES ('Zitronenfalter 12345BG0012345');",
        )
        .unwrap();
    }
    // And a plain blob under its digest.
    let page = common::png_page(40, 40, 1, 300);
    let sha = scanstelle::store::blob::Sha256Hex::of(&page);
    let s = sha.as_str();
    let old_blob = home.join("blobs").join(&s[..2]).join(&s[2..4]).join(s);
    std::fs::create_dir_all(old_blob.parent().unwrap()).unwrap();
    std::fs::write(&old_blob, &page).unwrap();
    assert!(!common::files_containing(&home, b"Zitronenfalter").is_empty());

    let keys = common::keys(&home);
    let station = scanstelle::station::Station::open(&home, &keys).unwrap();
    let kept: String = station
        .store
        .connection()
        .query_row("SELECT t FROM notiz", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, "Zitronenfalter 12345BG0012345");
    assert_eq!(station.blobs.get(&sha).unwrap(), page);
    assert!(station.store.schema_version().unwrap() > 0, "migrated too");
    drop(station);
    assert_eq!(
        common::files_containing(&home, b"Zitronenfalter"),
        Vec::<PathBuf>::new()
    );
    assert_eq!(plain_signatures(&home), Vec::<PathBuf>::new());
    assert!(!old_blob.exists());
    assert!(scanstelle::protect::crypto::is_encrypted(&db));
    let blobs = BlobStore::open(home.join("blobs"), &keys).unwrap();
    assert_eq!(blobs.get(&sha).unwrap(), page);
}
