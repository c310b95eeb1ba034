//! Quality control by sampling: decided batches get a seeded, logged
//! sample (plus every document with a flagged page); a batch leaves only
//! after a `qs`/`admin` person checked its sample and released it, never
//! the person who scanned it; the transfer note says who scanned, under
//! which configuration, who checked and released, and on what the
//! statement "image and paper match" rests.

use crate::common;

use common::dms::TestDms;
use scanstelle::protect::qa::QaSettings;
use scanstelle::protect::users::{Role, add_user};
use scanstelle::store::Store;
use std::path::Path;
use std::sync::atomic::AtomicBool;

fn run(home: &Path, args: &[&str], stdin: &str) -> (bool, String) {
    common::run_cli(args, home, stdin)
}

#[test]
fn a_batch_leaves_after_its_sample_is_checked_and_another_person_released_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    // The admin "tester" is the OS user running the tests; anna (qs) and
    // erika (scan) sign in with passwords.
    common::admin_os(&home);
    {
        let s = common::store(&home);
        add_user(&s, Some("tester"), "anna", Role::Qs, "annas-passwort").unwrap();
        add_user(&s, Some("tester"), "erika", Role::Scan, "erikas-passwort").unwrap();
        // anna is at the station while the letters are scanned.
        s.set_operator(Some("anna")).unwrap();
    }
    let (_config, station, batches) = common::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "kontoauszug.jpg"],
    );
    drop(station);

    let dms_dir = dir.path().join("dms");
    let mut dms = TestDms::new(
        &dms_dir.join("eingang"),
        &dms_dir.join("antworten"),
        common::schema(),
    );
    let file = scanstelle::config::ConfigFile {
        dms: scanstelle::sync::DmsSettings {
            folder: Some(dms.inbox.clone()),
            reply_folder: Some(dms.replies.clone()),
            hold_secs: 0,
            backoff_secs: 0,
            ..Default::default()
        },
        qa: QaSettings {
            sample_percent: 50.0,
            ..QaSettings::default()
        },
        ..Default::default()
    };
    let config = scanstelle::config::Config::from_file(file, home.clone(), None).unwrap();
    let syncer = config.syncer("scan01").unwrap();
    let keys = common::keys(&home);
    let blobs = scanstelle::store::blob::BlobStore::open(home.join("blobs"), &keys).unwrap();
    let mut s = common::store(&home);
    let pass = |s: &mut Store| syncer.pass(s, &blobs, &AtomicBool::new(false)).unwrap();

    // Decided, but nothing leaves before its release.
    let first = pass(&mut s);
    assert_eq!(first.packaged, 0, "{first:?}");
    let waiting = s.qa_batches().unwrap();
    assert_eq!(
        waiting.iter().map(|b| b.batch_id).collect::<Vec<_>>(),
        batches
    );
    assert!(
        waiting
            .iter()
            .all(|b| b.scanned_by.as_deref() == Some("anna"))
    );
    // The sample is what the logged seed gives; flagged pages always count.
    let seed: String = s
        .connection()
        .query_row("SELECT seed FROM qa_state", [], |r| r.get(0))
        .unwrap();
    let logged: String = s
        .connection()
        .query_row(
            "SELECT detail FROM events WHERE kind = 'qa.seed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(logged.contains(&seed), "{logged}");
    for b in &waiting {
        for d in s.documents_of_batch(b.batch_id).unwrap() {
            let uuid: String = s
                .connection()
                .query_row("SELECT uuid FROM documents WHERE id = ?1", [d.id], |r| {
                    r.get(0)
                })
                .unwrap();
            let item = b.items.iter().find(|i| i.document_id == d.id);
            let flagged = item.is_some_and(|i| i.reason.starts_with("markiert"));
            assert_eq!(
                item.is_some(),
                flagged || scanstelle::protect::qa::sampled(&seed, &uuid, 50.0),
                "document {}: {item:?}",
                d.id
            );
        }
    }
    let statement = &waiting[1];
    let item = statement.items[0].clone();
    assert!(
        item.reason.contains("Auflösung"),
        "the low-resolution bank statement is flagged: {item:?}"
    );
    let batch = statement.batch_id.to_string();
    let doc = item.document_id.to_string();
    let sampled: i64 = s
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM events WHERE kind = 'qa.sampled'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(sampled, 2);

    // An operator may not; the one who scanned may not; nobody before the
    // sample is checked; a defect holds the batch back.
    let (ok, out) = run(&home, &["--user", "erika", "qa"], "erikas-passwort\n");
    assert!(
        !ok && out.contains("erika (Rolle scan) darf das nicht"),
        "{out}"
    );
    let (ok, out) = run(&home, &["qa"], "");
    assert!(ok && out.contains("gescannt von anna"), "{out}");
    let (ok, out) = run(
        &home,
        &["--user", "anna", "qa", "release", &batch],
        "annas-passwort\n",
    );
    assert!(!ok && out.contains("Vier-Augen-Prinzip"), "{out}");
    let (ok, out) = run(&home, &["qa", "release", &batch], "");
    assert!(!ok && out.contains("nicht geprüft"), "{out}");
    let (ok, out) = run(
        &home,
        &["qa", "check", &doc, "--defect", "Seite 2 fehlt im Bild"],
        "",
    );
    assert!(ok, "{out}");
    let (ok, out) = run(&home, &["qa", "release", &batch], "");
    assert!(!ok && out.contains("beanstandet"), "{out}");
    assert_eq!(pass(&mut s).packaged, 0);

    // Checked again as matching: released by tester, the batch leaves.
    let (ok, out) = run(&home, &["qa", "check", &doc], "");
    assert!(ok, "{out}");
    let (ok, out) = run(&home, &["qa", "release", &batch], "");
    assert!(ok && out.contains("freigegeben"), "{out}");
    let sent = pass(&mut s);
    assert_eq!((sent.packaged, sent.sent), (1, 1), "{sent:?}");
    assert_eq!(dms.run_once(), 1);
    let row = s.outbox().unwrap().remove(0);
    assert_eq!(row.batch_id, statement.batch_id);

    // The transfer note, valid against its schema, says it all.
    let note = dms.objects[&row.process_id][0].note.clone().unwrap();
    let xsd = dir.path().join("transfervermerk.xsd");
    std::fs::write(&xsd, scanstelle::package::transfer::SCHEMA).unwrap();
    common::validate(&xsd, &note).unwrap_or_else(|e| panic!("{e}\n{note}"));
    for part in [
        "version=\"2\"",
        "gescanntVon=\"anna\"",
        &format!("konfigurationSha256=\"{}\"", config.fingerprint()),
        "stichprobeProzent=\"50\" vierAugen=\"true\"",
        "freigegebenVon=\"tester\"",
        "ergebnis=\"ok\" von=\"tester\"",
        "bestaetigt=\"true\" grundlage=\"einzelpruefung\"",
    ] {
        assert!(note.contains(part), "{part}\n{note}");
    }
    // Each step is in the audit chain under the person's name.
    let actors: Vec<(String, Option<String>)> = s
        .connection()
        .prepare("SELECT kind, actor FROM events WHERE kind LIKE 'qa.%' ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (kind, who) in [
        ("qa.checked.beanstandet", "tester"),
        ("qa.checked.ok", "tester"),
        ("qa.released", "tester"),
    ] {
        assert!(
            actors
                .iter()
                .any(|(k, a)| k == kind && a.as_deref() == Some(who)),
            "{kind}: {actors:?}"
        );
    }
    assert!(s.verify_audit().unwrap().intact());
}
