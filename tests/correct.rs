//! Corrections after filing against the test DMS (which validates every
//! message against the xdomea 3.0.0 schema): a document filed into the
//! wrong case is marked invalid there (0617) and filed once into the right
//! one (0605); a wrong type is updated (0610); with the local copies gone
//! the invalidation still goes and the record says that only the DMS can
//! move it; a correction the DMS refuses ends in words. Every correction is
//! in the audit chain; a wrong case is listed as an incident.

use crate::common;

use common::dms::TestDms;
use scanstelle::classify::doctype::TypeRules;
use scanstelle::classify::{CorrectionRequest, correct_filed};
use scanstelle::store::blob::BlobStore;
use scanstelle::store::{CorrectionState, DocumentState, OutboxState, Store};
use scanstelle::sync::{DmsSettings, FolderTransport, Syncer};
use std::sync::atomic::AtomicBool;

struct Setup {
    _dir: tempfile::TempDir,
    station: scanstelle::station::Station,
    blobs: BlobStore,
    dms: TestDms,
    syncer: Syncer,
    doc: i64,
    uuid: String,
}

/// The application letter, filed automatically into 12345BG0012345 and
/// imported by the test DMS; local copies kept for `retention_days`.
fn filed(retention_days: u64) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) =
        common::processed_station(dir.path(), &["weiterbewilligungsantrag.tif"]);
    let home = config.home.clone();
    let dms_dir = dir.path().join("dms");
    let mut dms = TestDms::new(
        &dms_dir.join("eingang"),
        &dms_dir.join("antworten"),
        common::schema(),
    );
    let settings = DmsSettings {
        backoff_secs: 0,
        hold_secs: 0,
        retention_days,
        ..DmsSettings::default()
    };
    let syncer = Syncer::new(
        Box::new(FolderTransport::new(&dms.inbox, &dms.replies)),
        settings,
        TypeRules::builtin(),
        &home,
        "scan01",
    )
    .unwrap();
    let blobs = common::blobs(&home);
    let store = &mut station.store;
    cycle(&syncer, store, &blobs, &mut dms);
    let doc = store.documents_of_batch(batches[0]).unwrap()[0].clone();
    assert_eq!(doc.state, DocumentState::Transferred);
    assert_eq!(doc.case_bg.as_deref(), Some("12345BG0012345"));
    let uuid = dms.objects.values().next().unwrap()[0].object_id.clone();
    Setup {
        _dir: dir,
        station,
        blobs,
        dms,
        syncer,
        doc: doc.id,
        uuid,
    }
}

/// What the letter to household `bg` names.
fn letter(store: &Store, bg: &str) -> scanstelle::protect::letter::Letter {
    scanstelle::protect::letter::gather(
        store,
        &TypeRules::builtin(),
        &Default::default(),
        bg,
        Default::default(),
    )
    .unwrap()
}

/// Sync passes and DMS runs until nothing is on its way.
fn cycle(syncer: &Syncer, store: &mut Store, blobs: &BlobStore, dms: &mut TestDms) {
    for _ in 0..6 {
        syncer.pass(store, blobs, &AtomicBool::new(false)).unwrap();
        dms.run_once();
        syncer.pass(store, blobs, &AtomicBool::new(false)).unwrap();
        let active = store.outbox().unwrap().iter().any(|r| {
            matches!(
                r.state,
                OutboxState::Packaged | OutboxState::Sent | OutboxState::Received
            )
        });
        let packable = store
            .corrections()
            .unwrap()
            .iter()
            .any(|c| c.state == CorrectionState::Invalidated);
        if !active && !packable {
            return;
        }
    }
    panic!("the outbox did not settle: {:#?}", store.outbox().unwrap());
}

#[test]
fn a_misfiled_document_is_withdrawn_and_filed_once_in_the_right_case_and_a_wrong_type_updated() {
    let Setup {
        _dir,
        mut station,
        blobs,
        mut dms,
        syncer,
        doc,
        uuid,
    } = filed(30);
    let store = &mut station.store;
    let rules = TypeRules::builtin();
    let wrong = CorrectionRequest::Case("12345 BG 0067890");

    // Refused in words: without an account, without a reason, into a case
    // the register does not hold, to the case it is in already.
    let e = correct_filed(store, &rules, doc, &wrong, "Name passt nicht").unwrap_err();
    assert!(e.to_string().contains("nur mit Anmeldung"), "{e}");
    store.set_actor(Some("qs.olaf")).unwrap();
    let e = correct_filed(store, &rules, doc, &wrong, "  ").unwrap_err();
    assert!(e.to_string().contains("braucht einen Grund"), "{e}");
    let e = correct_filed(
        store,
        &rules,
        doc,
        &CorrectionRequest::Case("99999BG9999999"),
        "x",
    )
    .unwrap_err();
    assert!(e.to_string().contains("nicht im Fallbestand"), "{e}");
    let e = correct_filed(
        store,
        &rules,
        doc,
        &CorrectionRequest::Case("12345BG0012345"),
        "x",
    )
    .unwrap_err();
    assert!(e.to_string().contains("nichts zu berichtigen"), "{e}");
    assert!(store.corrections().unwrap().is_empty());

    let n = correct_filed(
        store,
        &rules,
        doc,
        &wrong,
        "Antrag von Jan Beispiel, nicht von Frau Mustermann",
    )
    .unwrap();
    // One correction at a time per document.
    let e = correct_filed(
        store,
        &rules,
        doc,
        &CorrectionRequest::Type("kontoauszug"),
        "x",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("noch nicht vom DMS bestätigt"),
        "{e}"
    );
    // Nothing changes at the station before the DMS confirmed.
    let row = &store.documents_of_batch(1).unwrap()[0];
    assert_eq!(row.case_bg.as_deref(), Some("12345BG0012345"));

    // The 0617 goes out, and with it the audit chain (0623: a correction
    // sends it at once); the DMS marks the object invalid where it lies.
    syncer.pass(store, &blobs, &AtomicBool::new(false)).unwrap();
    assert_eq!(dms.run_once(), 2);
    assert_eq!(dms.protocols.len(), 1);
    let xml = dms.corrections.values().next().unwrap();
    assert!(
        xml.contains("SGOUngueltigKennzeichnen.0617") && xml.contains("qs.olaf"),
        "{xml}"
    );
    assert_eq!(
        dms.cases_of(&uuid),
        (vec![], vec!["12345BG0012345".to_owned()])
    );
    // Its confirmation releases the document for the right case; the next
    // pass files it there, with the same FachverfahrenObjektID.
    syncer.pass(store, &blobs, &AtomicBool::new(false)).unwrap();
    let c = &store.corrections().unwrap()[0];
    assert_eq!(c.state, CorrectionState::Invalidated, "{c:?}");
    assert!(c.withdrawn_at.is_some());
    cycle(&syncer, store, &blobs, &mut dms);
    assert_eq!(
        dms.cases_of(&uuid),
        (
            vec!["12345BG0067890".to_owned()],
            vec!["12345BG0012345".to_owned()]
        )
    );
    let c = store
        .corrections()
        .unwrap()
        .into_iter()
        .find(|c| c.id == n)
        .unwrap();
    assert_eq!(c.state, CorrectionState::Done, "{c:?}");
    assert!(c.outcome.as_deref().unwrap().contains("12345BG0067890"));
    let row = &store.documents_of_batch(1).unwrap()[0];
    assert_eq!(
        (row.state, row.case_bg.as_deref()),
        (DocumentState::Transferred, Some("12345BG0067890"))
    );
    // The new filing is a new object in the DMS (the invalid one stays).
    let refiled: Vec<_> = dms
        .messages
        .values()
        .filter(|m| m.contains("<xdomea:IDContainer>12345BG0067890</xdomea:IDContainer>"))
        .collect();
    assert_eq!(refiled.len(), 1);
    assert!(refiled[0].contains(&uuid));
    assert!(
        !refiled[0].contains(&format!("<xdomea:ID>{uuid}</xdomea:ID>")),
        "{}",
        refiled[0]
    );

    // The households' letters follow: the document is the other one's.
    assert!(letter(store, "12345BG0012345").documents.is_empty());
    let theirs = letter(store, "12345BG0067890").documents;
    assert_eq!(theirs.len(), 1);
    assert!(theirs[0].filed.is_some());

    // The exports say what happened, but neither the other household's
    // case nor the corrector's words (which name a person).
    for (bg, other) in [
        ("12345BG0012345", "12345BG0067890"),
        ("12345BG0067890", "12345BG0012345"),
    ] {
        let mut zip = std::io::Cursor::new(Vec::new());
        scanstelle::protect::subject::export_case(store, &blobs, &rules, bg, &mut zip).unwrap();
        let mut zip = zip::ZipArchive::new(zip).unwrap();
        let mut text = String::new();
        for name in ["auskunft.json", "protokoll.json"] {
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        }
        assert!(!text.contains(other), "{bg}: {text}");
        assert!(!text.contains("Jan Beispiel"), "{bg}: {text}");
        assert!(text.contains("nach der Ablage berichtigt"), "{bg}: {text}");
    }

    // A wrong type: 0610 sets type and subject; the station follows.
    let n2 = correct_filed(
        store,
        &rules,
        doc,
        &CorrectionRequest::Type("kontoauszug"),
        "Es ist ein Kontoauszug",
    )
    .unwrap();
    cycle(&syncer, store, &blobs, &mut dms);
    let held: Vec<_> = dms.held.values().filter(|h| h.valid).collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].typ, "Kontoauszug");
    assert!(
        held[0].betreff.starts_with("Kontoauszug, eingegangen am "),
        "{}",
        held[0].betreff
    );
    let row = &store.documents_of_batch(1).unwrap()[0];
    assert_eq!(row.doc_type.as_deref(), Some("kontoauszug"));
    let c2 = store
        .corrections()
        .unwrap()
        .into_iter()
        .find(|c| c.id == n2)
        .unwrap();
    assert_eq!(c2.state, CorrectionState::Done, "{c2:?}");

    // A correction the DMS refuses (it lost the object) ends in words and
    // changes nothing at the station.
    dms.held.clear();
    let n3 = correct_filed(
        store,
        &rules,
        doc,
        &CorrectionRequest::Type("sonstiges"),
        "Probe",
    )
    .unwrap();
    cycle(&syncer, store, &blobs, &mut dms);
    let c3 = store
        .corrections()
        .unwrap()
        .into_iter()
        .find(|c| c.id == n3)
        .unwrap();
    assert_eq!(c3.state, CorrectionState::Refused);
    assert!(
        c3.outcome.as_deref().unwrap().contains("unbekannt"),
        "{c3:?}"
    );
    let row = &store.documents_of_batch(1).unwrap()[0];
    assert_eq!(row.doc_type.as_deref(), Some("kontoauszug"));

    // Every message once; the chain whole, with who, why and what, and
    // the same as the DMS's copies.
    assert_eq!(dms.duplicates, 0);
    assert!(store.verify_audit().unwrap().intact());
    let copies = dms_copies(&dms);
    assert!(copies.len() > 10, "{}", copies.len());
    let report = store.verify_against(&copies).unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    let log: Vec<String> = store
        .audit_for_case("12345BG0067890")
        .unwrap()
        .into_iter()
        .chain(store.audit_for_case("12345BG0012345").unwrap())
        .map(|e| format!("{} {} {}", e.kind, e.actor.unwrap_or_default(), e.detail))
        .collect();
    for want in [
        "document.corrected qs.olaf",
        "Antrag von Jan Beispiel",
        "incident.recorded",
        "incident.withdrawn",
        "document.correction_done",
        "document.correction_refused",
    ] {
        assert!(log.iter().any(|l| l.contains(want)), "{want}: {log:#?}");
    }
}

#[test]
fn with_the_local_copies_gone_the_wrong_filing_is_withdrawn_and_only_the_dms_can_move_it() {
    let Setup {
        _dir,
        mut station,
        blobs,
        mut dms,
        syncer,
        doc,
        uuid,
    } = filed(0);
    let store = &mut station.store;
    assert_eq!(
        store.batch_state(1).unwrap(),
        Some(scanstelle::store::BatchState::Purged)
    );
    store.set_actor(Some("admin.kim")).unwrap();
    correct_filed(
        store,
        &TypeRules::builtin(),
        doc,
        &CorrectionRequest::Case("12345BG0067890"),
        "falscher Haushalt",
    )
    .unwrap();
    cycle(&syncer, store, &blobs, &mut dms);
    assert_eq!(dms.cases_of(&uuid), (vec![], vec!["12345BG0012345".into()]));
    let c = &store.corrections().unwrap()[0];
    assert_eq!(c.state, CorrectionState::DmsOnly);
    assert!(c.wrong_case && c.filed_at.is_some() && c.withdrawn_at.is_some());
    assert!(
        c.outcome.as_deref().unwrap().contains("nur im DMS"),
        "{c:?}"
    );
    // The station's record: the document is the other household's, not
    // filed there by the station.
    assert!(letter(store, "12345BG0012345").documents.is_empty());
    assert_eq!(letter(store, "12345BG0067890").documents[0].filed, None);
    // No second filing was attempted.
    assert_eq!(dms.messages.len(), 1);
    assert!(store.verify_audit().unwrap().intact());
}

#[test]
fn a_correction_on_the_command_line_needs_qs_and_a_reason_and_the_incident_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (config, station, _) =
        common::processed_station(dir.path(), &["weiterbewilligungsantrag.tif"]);
    drop(station);
    let home = config.home.clone();
    let cfg = dir.path().join("scanstelle.toml");
    std::fs::write(
        &cfg,
        "[dms]\nhold_secs = 0\nbackoff_secs = 0\n[qa]\nenabled = false\n",
    )
    .unwrap();
    let run = |args: &[&str], stdin: &str| {
        let mut all = vec!["--config", cfg.to_str().unwrap()];
        all.extend_from_slice(args);
        common::run_cli(&all, &home, stdin)
    };
    let dms = scanstelle::sync::DemoDms::new(&home);
    let settle = || {
        for _ in 0..4 {
            let (ok, out) = run(&["sync"], "");
            assert!(ok, "{out}");
            dms.run_once().unwrap();
        }
    };
    settle();
    let (ok, out) = run(
        &["user", "add", "admin.kim", "--role", "admin"],
        "admin-pass-2026\n",
    );
    assert!(ok, "{out}");
    let (ok, out) = run(
        &[
            "--user",
            "admin.kim",
            "user",
            "add",
            "erika",
            "--role",
            "scan",
        ],
        "admin-pass-2026\nsehr-geheim-1\n",
    );
    assert!(ok, "{out}");
    let correct = ["documents", "correct", "1", "--case", "12345BG0067890"];

    // A scan account may not; a reason is required.
    let mut args = vec!["--user", "erika"];
    args.extend_from_slice(&correct);
    args.extend_from_slice(&["--grund", "falscher Haushalt"]);
    let (ok, out) = run(&args, "sehr-geheim-1\n");
    assert!(!ok, "{out}");
    let mut args = vec!["--user", "admin.kim"];
    args.extend_from_slice(&correct);
    let (ok, out) = run(&args, "admin-pass-2026\n");
    assert!(!ok && out.contains("--grund"), "{out}");

    args.extend_from_slice(&["--grund", "Antrag von Jan Beispiel"]);
    let (ok, out) = run(&args, "admin-pass-2026\n");
    assert!(
        ok && out.contains("Akte 12345BG0012345 → 12345BG0067890"),
        "{out}"
    );
    let (_, out) = run(&["outbox"], "");
    assert!(out.contains("ungültig kennzeichnen (0617)"), "{out}");
    settle();

    let (ok, out) = run(
        &["--user", "admin.kim", "documents", "corrections"],
        "admin-pass-2026\n",
    );
    assert!(
        ok && out.contains("berichtigt") && out.contains("neu abgelegt"),
        "{out}"
    );
    let (ok, out) = run(
        &["--user", "admin.kim", "audit", "incidents"],
        "admin-pass-2026\n",
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("1 Dokument(e) lagen in einer falschen Akte")
            && out.contains("Akte 12345BG0012345 statt 12345BG0067890")
            && out.contains("zurückgenommen: ")
            && !out.contains("noch nicht")
            && out.contains("admin.kim: Antrag von Jan Beispiel"),
        "{out}"
    );
    // The correction sent the chain to the DMS at once; it matches.
    let archive = home.join("dms/archiv");
    let (ok, out) = run(
        &[
            "audit",
            "verify",
            "--against-dms",
            archive.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok && out.contains("Gleich der Kopie im DMS"), "{out}");
}

/// The entries of every 0623 the test DMS filed.
fn dms_copies(dms: &TestDms) -> Vec<scanstelle::store::ChainEntry> {
    dms.protocols
        .iter()
        .flat_map(|p| {
            scanstelle::package::xdomea::protocol::read_copy(&std::fs::read(p).unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn the_audit_chain_is_filed_in_the_dms_and_a_rewritten_chain_shows_against_it() {
    let Setup {
        _dir,
        mut station,
        blobs,
        mut dms,
        syncer,
        doc,
        ..
    } = filed(30);
    let store = &mut station.store;
    store.set_actor(Some("qs.olaf")).unwrap();
    correct_filed(
        store,
        &TypeRules::builtin(),
        doc,
        &CorrectionRequest::Type("kontoauszug"),
        "Typ falsch",
    )
    .unwrap();
    cycle(&syncer, store, &blobs, &mut dms);
    // One upload (the correction sent it at once); the next pass has
    // nothing to send until a day has passed or another correction.
    assert_eq!(dms.protocols.len(), 1);
    syncer.pass(store, &blobs, &AtomicBool::new(false)).unwrap();
    assert_eq!(dms.run_once(), 0);
    let uploaded = store
        .outbox()
        .unwrap()
        .into_iter()
        .find(|r| r.message == "0623")
        .unwrap();
    assert_eq!(uploaded.state, OutboxState::Imported);
    let copies = dms_copies(&dms);
    assert_eq!(copies[0].id, 1);
    assert!(store.verify_against(&copies).unwrap().intact());

    // Someone with the key rewrites an entry at the station and seals the
    // whole chain anew: the station's own walk cannot see it, the DMS's
    // copy can.
    let victim = copies
        .iter()
        .find(|e| e.kind == "document.corrected")
        .unwrap()
        .id;
    reseal_with(store, victim, "Berichtigung ohne Grund");
    assert!(
        store.verify_audit().unwrap().intact(),
        "the rewrite is whole"
    );
    let report = store.verify_against(&copies).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains(&format!("Eintrag {victim} ")) && p.contains("Angabe")),
        "{:?}",
        report.problems
    );
}

type Row = (
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
);

/// An attacker's rewrite: the triggers dropped, one entry's detail
/// changed, every hash from there on computed anew by the documented rule
/// (SHA-256 over the previous hash and the length-prefixed fields), the
/// head moved along.
fn reseal_with(store: &Store, id: i64, detail: &str) {
    use sha2::{Digest, Sha256};
    let c = store.connection();
    c.execute_batch("DROP TRIGGER events_sealed_no_update; DROP TRIGGER events_no_delete;")
        .unwrap();
    c.execute(
        "UPDATE events SET detail = ?1 WHERE id = ?2",
        rusqlite::params![detail, id],
    )
    .unwrap();
    let mut prev: String = c
        .query_row("SELECT hash FROM events WHERE id = ?1", [id - 1], |r| {
            r.get(0)
        })
        .unwrap();
    let rows: Vec<Row> = c
        .prepare(
            "SELECT id, at, kind, batch_id, document_id, page_id, actor, detail FROM events
             WHERE id >= ?1 ORDER BY id",
        )
        .unwrap()
        .query_map([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for (eid, at, kind, b, d, p, actor, detail) in rows {
        let mut h = Sha256::new();
        for field in [
            prev.as_str(),
            &eid.to_string(),
            &at,
            &kind,
            &opt(b),
            &opt(d),
            &opt(p),
            actor.as_deref().unwrap_or(""),
            &detail,
        ] {
            h.update((field.len() as u64).to_le_bytes());
            h.update(field.as_bytes());
        }
        prev = hex::encode(h.finalize());
        c.execute(
            "UPDATE events SET hash = ?1 WHERE id = ?2",
            rusqlite::params![prev, eid],
        )
        .unwrap();
        c.execute(
            "UPDATE audit_head SET last_id = ?1, hash = ?2",
            rusqlite::params![eid, prev],
        )
        .unwrap();
    }
}
