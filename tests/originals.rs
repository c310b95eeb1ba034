//! The paper originals: a batch with an identity card and a bank statement
//! yields a return slip for the card and a destruction date for the
//! statement, nothing before the DMS confirmed the import; both
//! confirmations are in the audit chain and in the household's letter.

use crate::common;

use common::dms::TestDms;
use scanstelle::classify::doctype::TypeRules;
use scanstelle::protect::originals::{self, Fate, OriginalsSettings};
use scanstelle::store::{DocumentState, Edit};
use scanstelle::sync::{DmsSettings, FolderTransport, Syncer};
use std::sync::atomic::AtomicBool;
use time::Duration;

#[test]
fn an_identity_card_goes_back_with_a_slip_and_a_bank_statement_is_destroyed_on_its_date() {
    let dir = tempfile::tempdir().unwrap();
    // The two-page application, taken apart by a person into an identity
    // card (page 1) and a bank statement (page 2) of one batch.
    let (config, mut station, batches) =
        common::processed_station(dir.path(), &["weiterbewilligungsantrag.tif"]);
    let store = &mut station.store;
    store.set_actor(Some("qs.olaf")).unwrap();
    let first = store.documents_of_batch(batches[0]).unwrap()[0].id;
    store
        .edit_documents(&Edit::Split {
            document: first,
            at: 1,
        })
        .unwrap();
    // The station decides both parts anew (new PDFs); a person confirms.
    common::fixtures::process(&config);
    let docs = store.documents_of_batch(batches[0]).unwrap();
    assert_eq!(docs.len(), 2);
    let (card, statement) = (docs[0].id, docs[1].id);
    let rules = TypeRules::builtin();
    for (doc, ty) in [(card, "ausweisdokument"), (statement, "kontoauszug")] {
        scanstelle::classify::confirm(store, &rules, doc, Some("12345BG0012345"), Some(ty))
            .unwrap();
    }
    let settings = OriginalsSettings::default();
    let today = originals::today();
    // Nothing happens to the paper before the DMS confirmed the import.
    let plan = originals::plan(store, &rules, &settings, Some(batches[0])).unwrap();
    assert!(plan.iter().all(|o| o.fate == Fate::Waiting), "{plan:#?}");
    let e = originals::confirm(store, &rules, &settings, card, true, today).unwrap_err();
    assert!(e.to_string().contains("noch nicht bestätigt"), "{e}");

    let dms_dir = dir.path().join("dms");
    let mut dms = TestDms::new(
        &dms_dir.join("eingang"),
        &dms_dir.join("antworten"),
        common::schema(),
    );
    let syncer = Syncer::new(
        Box::new(FolderTransport::new(&dms.inbox, &dms.replies)),
        DmsSettings {
            hold_secs: 0,
            backoff_secs: 0,
            ..DmsSettings::default()
        },
        TypeRules::builtin(),
        &config.home,
        "scan01",
    )
    .unwrap();
    let blobs = common::blobs(&config.home);
    for _ in 0..2 {
        syncer.pass(store, &blobs, &AtomicBool::new(false)).unwrap();
        dms.run_once();
    }
    syncer.pass(store, &blobs, &AtomicBool::new(false)).unwrap();
    assert!(
        store
            .documents_of_batch(batches[0])
            .unwrap()
            .iter()
            .all(|d| d.state == DocumentState::Transferred)
    );

    // Now: the card goes back, the statement may go 42 days after the import.
    store
        .set_paper_place(batches[0], "Regal 3, Karton 12")
        .unwrap();
    let plan = originals::plan(store, &rules, &settings, Some(batches[0])).unwrap();
    let fate = |doc: i64| {
        plan.iter()
            .find(|o| o.row.document_id == doc)
            .unwrap()
            .fate
            .clone()
    };
    assert_eq!(fate(card), Fate::Return);
    let destroy_on = today + Duration::days(42);
    assert_eq!(fate(statement), Fate::Destroy(destroy_on));
    assert!(
        plan.iter()
            .all(|o| o.row.place.as_deref() == Some("Regal 3, Karton 12"))
    );

    // The return slip names the household, its address and the card only.
    let pdf = originals::return_slip(store, &plan, "Jobcenter Musterstadt", batches[0]).unwrap();
    let slip = dir.path().join("rueckgabe.pdf");
    std::fs::write(&slip, &pdf).unwrap();
    let text = pdf_text(&slip);
    for want in [
        "Rückgabe von Originalen",
        "Erika Mustermann",
        "Lindenstraße 12, 32423 Minden",
        "Ausweisdokument",
        "Regal 3, Karton 12",
        "Zurückgegeben am",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    assert!(!text.contains("Kontoauszug"), "{text}");
    let shot = dir.path().join("slip");
    let o = std::process::Command::new("pdftoppm")
        .args(["-r", "60", "-png", "-f", "1", "-l", "1"])
        .arg(&slip)
        .arg(&shot)
        .output()
        .unwrap();
    assert!(o.status.success());
    let page = image::open(dir.path().join("slip-1.png"))
        .unwrap()
        .to_luma8();
    assert!(page.width() > 400 && page.pixels().any(|p| p.0[0] < 100));
    let keep = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::copy(
        dir.path().join("slip-1.png"),
        keep.join("rueckgabeschein-1.png"),
    )
    .unwrap();

    // Refused in words: destroying the card, destroying the statement
    // before its date, returning the statement.
    for (doc, returned, at, want) in [
        (card, false, destroy_on, "nicht vernichtet"),
        (statement, false, today, "erst ab dem"),
        (statement, true, destroy_on, "nicht zurück"),
    ] {
        let e = originals::confirm(store, &rules, &settings, doc, returned, at).unwrap_err();
        assert!(e.to_string().contains(want), "{want}: {e}");
    }
    originals::confirm(store, &rules, &settings, card, true, today).unwrap();
    originals::confirm(store, &rules, &settings, statement, false, destroy_on).unwrap();
    let e = originals::confirm(store, &rules, &settings, card, true, today).unwrap_err();
    assert!(e.to_string().contains("schon zurückgegeben"), "{e}");

    // Both confirmations are in the chain, with who did it.
    assert!(store.verify_audit().unwrap().intact());
    let log: Vec<String> = store
        .audit_for_case("12345BG0012345")
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {} {}", e.kind, e.actor.unwrap_or_default(), e.detail))
        .collect();
    for want in [
        "paper.returned qs.olaf Original zurückgegeben: Ausweisdokument",
        "paper.destroyed qs.olaf Papier vernichtet: Kontoauszug",
    ] {
        assert!(log.iter().any(|l| l.starts_with(want)), "{want}: {log:#?}");
    }
    // The household's letter says what became of its papers.
    let letter = scanstelle::protect::letter::gather(
        store,
        &rules,
        &settings,
        "12345BG0012345",
        Default::default(),
    )
    .unwrap();
    let papers: Vec<&str> = letter.documents.iter().map(|d| d.paper.as_str()).collect();
    assert!(
        papers.iter().any(|p| p.starts_with("das Original ging am")),
        "{papers:?}"
    );
    assert!(
        papers.iter().any(|p| p.starts_with("das Papier wurde am")),
        "{papers:?}"
    );
}

/// The text of a PDF (poppler's `pdftotext`), lines joined.
fn pdf_text(pdf: &std::path::Path) -> String {
    let o = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn originals_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (config, station, _) = common::processed_station(dir.path(), &["kontoauszug.jpg"]);
    drop(station);
    let home = config.home.clone();
    let cfg = dir.path().join("scanstelle.toml");
    std::fs::write(
        &cfg,
        "[dms]\nhold_secs = 0\nbackoff_secs = 0\n[qa]\nenabled = false\n[originals]\ndestroy_after_days = 30\n",
    )
    .unwrap();
    common::admin_os(&home);
    let run = |args: &[&str]| {
        let mut all = vec!["--config", cfg.to_str().unwrap()];
        all.extend_from_slice(args);
        common::run_cli(&all, &home, "")
    };
    // Before the DMS confirmed the import nothing is due.
    let (ok, out) = run(&["originals"]);
    assert!(ok && out.contains("Heute ist nichts fällig."), "{out}");
    let dms = scanstelle::sync::DemoDms::new(&home);
    for _ in 0..3 {
        assert!(run(&["sync"]).0);
        dms.run_once().unwrap();
    }
    let (ok, out) = run(&["originals", "place", "--batch", "1", "--ort", "Karton 7"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["originals", "list", "--all"]);
    // The type's own days (42 for bank statements) come before the
    // station's default.
    let on = originals::day(originals::today() + Duration::days(42));
    assert!(
        ok && out.contains("Kontoauszug")
            && out.contains(&format!("das Papier wird ab dem {on} vernichtet"))
            && out.contains("Karton 7"),
        "{out}"
    );
    let (ok, out) = run(&["originals", "destroyed", "1"]);
    assert!(!ok && out.contains(&format!("erst ab dem {on}")), "{out}");
    let (ok, out) = run(&["originals", "slip", "--batch", "1"]);
    assert!(!ok && out.contains("kein Original zurück"), "{out}");
}
