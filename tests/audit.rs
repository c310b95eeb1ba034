//! The audit trail's hash chain: `scanstelle audit verify` finds a changed,
//! a removed, a reordered entry and entries cut off at the end (each on its
//! own copy of a real station's database, its guard triggers dropped as an
//! attacker would); `audit show --case` lists a case's entries.

use crate::common;

use std::path::{Path, PathBuf};

/// A copy of the station's home with `sql` done to its database.
fn tampered(home: &Path, dir: &Path, name: &str, sql: &str) -> PathBuf {
    let copy = dir.join(name);
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(home.join("scanstelle.db"), copy.join("scanstelle.db")).unwrap();
    std::fs::copy(home.join("station.key"), copy.join("station.key")).unwrap();
    let conn = keyed(&copy);
    conn.execute_batch("DROP TRIGGER events_sealed_no_update; DROP TRIGGER events_no_delete;")
        .unwrap();
    conn.execute_batch(sql).unwrap();
    copy
}

/// The database of `home` opened directly, as an attacker holding the key would.
fn keyed(home: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(home.join("scanstelle.db")).unwrap();
    let keys = common::keys(home);
    conn.pragma_update(None, "key", keys.db_pragma()).unwrap();
    conn
}

fn verify(home: &Path) -> (bool, String) {
    common::run_cli(&["audit", "verify"], home, "")
}

#[test]
fn the_chain_names_every_changed_removed_or_moved_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (config, station, _) = common::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "arbeitsunfaehigkeit.tif"],
    );
    drop(station);
    // A person at the window looks at a document and a case: logged with
    // the name, in the chain.
    let mut desk = config.open_desk().unwrap();
    desk.set_actor("s.beispiel").unwrap();
    // The sick note, waiting for review (case 12345BG0012346).
    let doc = desk.overview(0, 10, &Default::default()).unwrap().review[0];
    desk.document(doc).unwrap();
    desk.case_file("12345BG0012345").unwrap();
    drop(desk);
    let station = common::station(&config.home);
    common::admin_os(&config.home);
    let entries = common::count(&station, "SELECT COUNT(*) FROM events");
    assert!(entries > 10, "{entries} events");
    drop(station);
    let home = config.home;

    let (ok, out) = verify(&home);
    assert!(
        ok && out.contains("unversehrt") && out.contains(&format!("{entries} Einträge")),
        "{out}"
    );

    let changed = tampered(
        &home,
        dir.path(),
        "changed",
        "UPDATE events SET detail = detail || ' (geändert)' WHERE id = 5;",
    );
    let (ok, out) = verify(&changed);
    assert!(
        !ok && out.contains("Eintrag 5 (") && out.contains("verändert"),
        "{out}"
    );
    assert_eq!(
        out.matches("  - ").count(),
        1,
        "one change, one finding: {out}"
    );

    let removed = tampered(
        &home,
        dir.path(),
        "removed",
        "DELETE FROM events WHERE id = 7;",
    );
    let (ok, out) = verify(&removed);
    assert!(!ok && out.contains("Einträge 7 bis 7 fehlen"), "{out}");

    // Entries 3 and 4 trade places (contents and seals, ids stay).
    let swapped = tampered(
        &home,
        dir.path(),
        "swapped",
        "CREATE TEMP TABLE t AS SELECT * FROM events WHERE id IN (3, 4);
         UPDATE events SET at = (SELECT at FROM t WHERE id = 7 - events.id),
                           kind = (SELECT kind FROM t WHERE id = 7 - events.id),
                           detail = (SELECT detail FROM t WHERE id = 7 - events.id),
                           batch_id = (SELECT batch_id FROM t WHERE id = 7 - events.id),
                           document_id = (SELECT document_id FROM t WHERE id = 7 - events.id),
                           hash = (SELECT hash FROM t WHERE id = 7 - events.id)
         WHERE id IN (3, 4);",
    );
    let (ok, out) = verify(&swapped);
    assert!(
        !ok && out.contains("Eintrag 3 (") && out.contains("Eintrag 4 ("),
        "{out}"
    );

    let cut = tampered(
        &home,
        dir.path(),
        "cut",
        &format!("DELETE FROM events WHERE id > {};", entries - 2),
    );
    let (ok, out) = verify(&cut);
    assert!(!ok && out.contains("die letzten Einträge fehlen"), "{out}");

    // Untouched, the guard refuses an edit.
    let conn = keyed(&home);
    let e = conn
        .execute("UPDATE events SET detail = 'x' WHERE id = 1", [])
        .unwrap_err();
    assert!(e.to_string().contains("unveränderlich"), "{e}");
    drop(conn);

    // The data protection officer's view of one case.
    let o = common::scanstelle(&["audit", "show", "--case", "12345BG0012345"], &home);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("Protokoll zu 12345BG0012345"), "{out}");
    assert!(out.contains("document.classified"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("s.beispiel") && l.contains("case.viewed")),
        "{out}"
    );
    let o = common::scanstelle(&["audit", "show", "--case", "12345BG0012346"], &home);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.contains("s.beispiel") && l.contains("document.viewed")),
        "{out}"
    );
    assert!(
        !out.contains("12345BG0012348"),
        "another case's entries: {out}"
    );
}
