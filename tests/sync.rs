//! The sync to the DMS against a real drop folder and a real Apache WebDAV
//! server (TLS, Basic auth), with a test-side importer that validates every
//! message against the xdomea schema and files each object once. Every
//! test ends with each document imported exactly once.

use crate::common;

use common::dms::TestDms;
use scanstelle::classify::doctype::TypeRules;
use scanstelle::store::blob::BlobStore;
use scanstelle::store::{BatchState, DocumentState, OutboxState, Store};
use scanstelle::sync::{
    DmsSettings, FolderTransport, HttpOptions, HttpTransport, SyncSummary, Syncer, Transport,
};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Settings for tests: no waiting between retries unless a test wants it,
/// local copies deleted right after the import.
fn settings() -> DmsSettings {
    DmsSettings {
        backoff_secs: 0,
        hold_secs: 0,
        retention_days: 0,
        ..DmsSettings::default()
    }
}

fn syncer(transport: Box<dyn Transport>, settings: DmsSettings, home: &Path) -> Syncer {
    Syncer::new(transport, settings, TypeRules::builtin(), home, "scan01").unwrap()
}

fn pass(s: &Syncer, store: &mut Store, blobs: &BlobStore) -> SyncSummary {
    s.pass(store, blobs, &AtomicBool::new(false)).unwrap()
}

fn doc_states(store: &Store, batch: i64) -> Vec<DocumentState> {
    store
        .documents_of_batch(batch)
        .unwrap()
        .into_iter()
        .map(|d| d.state)
        .collect()
}

#[test]
fn a_batch_goes_out_is_imported_once_and_its_local_copies_are_purged() {
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) = common::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "arbeitsunfaehigkeit.tif"],
    );
    let home = config.home.clone();
    let dms_dir = dir.path().join("dms");
    let mut dms = TestDms::new(
        &dms_dir.join("eingang"),
        &dms_dir.join("antworten"),
        common::schema(),
    );
    let s = syncer(
        Box::new(FolderTransport::new(&dms.inbox, &dms.replies)),
        settings(),
        &home,
    );
    let store = &mut station.store;
    let blobs = common::blobs(&home);
    let blobs_before = store.batch_blobs(batches[0]).unwrap();
    assert!(blobs_before.iter().all(|b| blobs.contains(b)));

    // Pass 1: the application's batch is packaged and delivered; the sick
    // note waits for review and stays.
    let s1 = pass(&s, store, &blobs);
    assert_eq!((s1.packaged, s1.sent, s1.failures), (1, 1, 0), "{s1:?}");
    let row = store.outbox().unwrap().remove(0);
    assert_eq!((row.batch_id, row.state), (batches[0], OutboxState::Sent));
    assert_eq!(doc_states(store, batches[0]), [DocumentState::Released]);
    // Locked while on its way: no edit, no new decision.
    let doc = store.documents_of_batch(batches[0]).unwrap()[0].id;
    let err = store
        .confirm_document(doc, "12345BG0067890", "sonstiges", &[])
        .unwrap_err();
    assert!(err.to_string().contains("übertragen"), "{err}");
    // Nothing half-written is ever visible in the drop folder.
    let names: Vec<String> = std::fs::read_dir(&dms.inbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [format!("{}_FVDaten.SGOAblegen.0605.zip", row.process_id)]
    );

    // The DMS imports; pass 2 reads its 0629 and 0630.
    assert_eq!(dms.run_once(), 1);
    let arrived = &dms.objects[&row.process_id];
    assert_eq!(arrived.len(), 1);
    assert_eq!(arrived[0].container, "12345BG0012345");
    assert_eq!(arrived[0].location, dms.inbox.display().to_string());
    assert!(arrived[0].pdf_bytes.starts_with(b"%PDF-"));
    let text = arrived[0].text.as_deref().expect("OCR text attached");
    assert!(text.contains("12345BG0012345"), "{text}");
    let xml = &dms.messages[&row.process_id];
    assert!(xml.contains("<xdomea:IDContainer>12345BG0012345</xdomea:IDContainer>"));
    assert!(xml.contains("<code>044</code>") && xml.contains("<code>045</code>"));
    // The transfer note: valid against the project's schema, with the
    // hash of every page as stored and of the PDF as delivered.
    let note = arrived[0].note.as_deref().expect("transfer note attached");
    let note_xsd = dir.path().join("transfervermerk.xsd");
    std::fs::write(&note_xsd, scanstelle::package::transfer::SCHEMA).unwrap();
    common::validate(&note_xsd, note).unwrap_or_else(|e| panic!("{e}\n{note}"));
    let pdf_sha = scanstelle::store::blob::Sha256Hex::of(&arrived[0].pdf_bytes);
    assert!(
        note.contains(&format!("<tv:Pdf sha256=\"{pdf_sha}\"")),
        "{note}"
    );
    let doc = store.documents_of_batch(batches[0]).unwrap()[0].id;
    let page_shas: Vec<String> = store
        .connection()
        .prepare(
            "SELECT p.sha256 FROM document_pages dp JOIN pages p ON p.id = dp.page_id
             WHERE dp.document_id = ?1 ORDER BY dp.position",
        )
        .unwrap()
        .query_map([doc], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(page_shas.len(), 2);
    for (i, sha) in page_shas.iter().enumerate() {
        assert!(
            note.contains(&format!("<tv:Seite nr=\"{}\" sha256=\"{sha}\"", i + 1)),
            "page {} hash missing: {note}",
            i + 1
        );
    }
    assert!(
        note.contains("profil=\"") && note.contains("profilSha256=\""),
        "{note}"
    );
    assert!(note.contains("<tv:Zuordnung art=\"automatisch\""), "{note}");
    // The schema can say no: a page without its hash is refused.
    let broken = note.replacen(&format!(" sha256=\"{}\"", page_shas[0]), "", 1);
    assert!(common::validate(&note_xsd, &broken).is_err());

    // The letter's text is in the station (found by its search), but in
    // no file in plain form (encrypted at rest)…
    let marker = b"bewilligungszeitraum";
    assert!(
        !store
            .search(&["bewilligungszeitraum".into()], 5)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        common::files_containing(&home, marker),
        Vec::<std::path::PathBuf>::new()
    );
    let s2 = pass(&s, store, &blobs);
    assert_eq!(
        (s2.imported, s2.documents_imported, s2.sent),
        (1, 1, 0),
        "{s2:?}"
    );
    // Retention 0: the local copies went in the same pass.
    assert_eq!(s2.purged, 1, "{s2:?}");
    let row = store.outbox_entry(&row.process_id).unwrap().unwrap();
    assert_eq!(row.state, OutboxState::Purged);
    assert_eq!(
        store.batch_state(batches[0]).unwrap(),
        Some(BatchState::Purged)
    );
    assert_eq!(doc_states(store, batches[0]), [DocumentState::Transferred]);
    for b in &blobs_before {
        assert!(!blobs.contains(b), "blob {} still there", b.short());
    }
    // …and after the purge not even there.
    assert!(
        store
            .search(&["bewilligungszeitraum".into()], 5)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        common::files_containing(&home, marker),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(
        common::files_containing(&home, marker),
        Vec::<std::path::PathBuf>::new()
    );
    // Replies are consumed, the spool is empty, the sick note's batch is
    // untouched.
    assert_eq!(std::fs::read_dir(&dms.replies).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(home.join("outbox")).unwrap().count(), 0);
    assert!(blobs_before.len() > 3);
    assert!(
        store
            .batch_blobs(batches[1])
            .unwrap()
            .iter()
            .all(|b| blobs.contains(b))
    );
    // A further pass has nothing to do; nothing was filed twice.
    assert_eq!(pass(&s, store, &blobs), SyncSummary::default());
    assert_eq!(dms.run_once(), 0);
    dms.assert_each_filed_once(1);
}

#[test]
fn a_document_the_dms_refuses_goes_back_to_review_and_out_again_once_corrected() {
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) =
        common::processed_station(dir.path(), &["weiterbewilligungsantrag.tif"]);
    let home = config.home.clone();
    let mut dms = TestDms::new(
        &dir.path().join("in"),
        &dir.path().join("out"),
        common::schema(),
    );
    // The DMS has no case file 12345BG0012345.
    dms.refuse = Box::new(|a| (a.container == "12345BG0012345").then_some("0605001"));
    let s = syncer(
        Box::new(FolderTransport::new(&dms.inbox, &dms.replies)),
        settings(),
        &home,
    );
    let store = &mut station.store;
    let blobs = common::blobs(&home);
    pass(&s, store, &blobs);
    dms.run_once();
    let s2 = pass(&s, store, &blobs);
    assert_eq!(
        (s2.documents_refused, s2.documents_imported),
        (1, 0),
        "{s2:?}"
    );
    let first = store.outbox().unwrap().remove(0);
    assert_eq!((first.state, first.refused), (OutboxState::Rejected, 1));
    let doc = store.documents_of_batch(batches[0]).unwrap()[0].id;
    assert_eq!(doc_states(store, batches[0]), [DocumentState::Review]);
    let desk = config.open_desk().unwrap();
    let view = desk.document(doc).unwrap();
    assert!(
        view.reasons[0].contains("vom DMS abgelehnt")
            && view.reasons[0].contains("Akte (Container-ID) im DMS unbekannt")
            && view.reasons[0].contains("0605001"),
        "{:?}",
        view.reasons
    );
    // Nothing was purged: the DMS has nothing yet.
    assert_eq!(s2.purged, 0);
    assert_eq!(
        store.batch_state(batches[0]).unwrap(),
        Some(BatchState::Classified)
    );

    // A person files it into another case; it leaves in a second message.
    store
        .confirm_document(doc, "12345BG0067890", "weiterbewilligungsantrag", &[])
        .unwrap();
    let s3 = pass(&s, store, &blobs);
    assert_eq!((s3.packaged, s3.sent), (1, 1), "{s3:?}");
    let second = store.outbox().unwrap().remove(0);
    assert_eq!(second.round, 2);
    assert_ne!(second.process_id, first.process_id);
    dms.run_once();
    let s4 = pass(&s, store, &blobs);
    assert_eq!((s4.documents_imported, s4.purged), (1, 1), "{s4:?}");
    assert_eq!(doc_states(store, batches[0]), [DocumentState::Transferred]);
    assert_eq!(
        dms.objects[&second.process_id][0].container,
        "12345BG0067890"
    );
    dms.assert_each_filed_once(1);
}

#[test]
fn an_unreachable_share_backs_off_and_a_lost_reply_is_answered_by_a_resend() {
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) = common::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "kontoauszug.jpg"],
    );
    let home = config.home.clone();
    let share = dir.path().join("share");
    let inbox = share.join("eingang");
    let replies = share.join("antworten");
    // The share is not mounted: offline, retried with backoff.
    let s = syncer(
        Box::new(FolderTransport::new(&inbox, &replies)),
        DmsSettings {
            backoff_secs: 3600,
            hold_secs: 0,
            reply_timeout_secs: 0,
            retention_days: 0,
            ..DmsSettings::default()
        },
        &home,
    );
    let store = &mut station.store;
    let blobs = common::blobs(&home);
    let s1 = pass(&s, store, &blobs);
    assert_eq!(
        (s1.sent, s1.failures),
        (0, 1),
        "offline stops after the first failure: {s1:?}"
    );
    assert!(
        s1.last_error
            .as_deref()
            .unwrap()
            .contains("nicht erreichbar"),
        "{s1:?}"
    );
    let status = store.sync_status().unwrap();
    assert!(!status.online(), "{status:?}");
    let failed: Vec<_> = store
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|r| r.attempts > 0)
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].next_attempt_at.is_some());
    // Within the backoff nothing is tried, even with the share back.
    let mut dms = TestDms::new(&inbox, &replies, common::schema());
    let s2 = pass(&s, store, &blobs);
    assert_eq!(
        (s2.sent, s2.failures),
        (1, 0),
        "the other message goes: {s2:?}"
    );

    // The backoff over (a short one now): both are delivered.
    let s = syncer(
        Box::new(FolderTransport::new(&inbox, &replies)),
        DmsSettings {
            reply_timeout_secs: 0,
            ..settings()
        },
        &home,
    );
    store
        .outbox_failed(failed[0].id, "test", "2000-01-01T00:00:00Z")
        .unwrap();
    let s3 = pass(&s, store, &blobs);
    assert!(s3.sent >= 1, "{s3:?}");
    assert!(store.sync_status().unwrap().online());
    assert_eq!(dms.run_once(), 2);

    // Both replies get lost on the way. With no receipt the station sends
    // again under the same name; the DMS discards the duplicate and
    // answers as before.
    for e in std::fs::read_dir(&replies).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let s4 = pass(&s, store, &blobs);
    assert_eq!(s4.sent, 2, "{s4:?}");
    assert_eq!(dms.run_once(), 2);
    assert_eq!(dms.duplicates, 2);
    let s5 = pass(&s, store, &blobs);
    assert_eq!(s5.documents_imported, 2, "{s5:?}");
    for b in &batches {
        assert_eq!(doc_states(store, *b), [DocumentState::Transferred]);
    }
    dms.assert_each_filed_once(2);
}

/// Options for the test server: its user, this password, its CA if `ca`.
fn options(a: &common::apache::Apache, password: &str, ca: bool, timeout_secs: u64) -> HttpOptions {
    HttpOptions {
        user: Some(common::apache::USER.into()),
        password: Some(password.into()),
        ca_file: ca.then(|| a.ca.clone()),
        timeout: Duration::from_secs(timeout_secs),
        min_rate: 64 * 1024,
        ..Default::default()
    }
}

fn webdav(a: &common::apache::Apache, password: &str, ca: bool) -> Box<dyn Transport> {
    Box::new(
        HttpTransport::webdav(
            &a.url("eingang"),
            &a.url("antworten"),
            options(a, password, ca, 20),
        )
        .unwrap(),
    )
}

#[test]
fn webdav_over_tls_with_basic_auth_survives_errors_and_an_outage() {
    let Some(mut apache) = common::apache::Apache::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) =
        common::processed_station(dir.path(), &["weiterbewilligungsantrag.tif"]);
    let home = config.home.clone();
    let store = &mut station.store;
    let blobs = common::blobs(&home);

    // Refusals in words: an untrusted certificate, a wrong password.
    let untrusted = pass(
        &syncer(
            webdav(&apache, common::apache::PASSWORD, false),
            settings(),
            &home,
        ),
        store,
        &blobs,
    );
    let e = untrusted.last_error.unwrap();
    assert!(
        e.contains("Serverzertifikat nicht vertrauenswürdig") && e.contains("UnknownIssuer"),
        "{e}"
    );
    let wrong = pass(
        &syncer(webdav(&apache, "falsch", true), settings(), &home),
        store,
        &blobs,
    );
    let e = wrong.last_error.unwrap();
    assert!(e.contains("401") && e.contains("Passwort"), "{e}");

    let s = syncer(
        webdav(&apache, common::apache::PASSWORD, true),
        settings(),
        &home,
    );
    // 500 and 503 from the server: retried.
    for code in [500, 503] {
        apache.fail_with(Some(code));
        let e = pass(&s, store, &blobs).last_error.unwrap();
        assert!(e.contains(&code.to_string()), "{e}");
    }
    apache.fail_with(None);
    // Server down: offline.
    apache.stop();
    let down = pass(&s, store, &blobs);
    assert!(
        down.last_error
            .as_deref()
            .unwrap()
            .contains("keine Verbindung"),
        "{down:?}"
    );
    assert!(!store.sync_status().unwrap().online());
    // Back: delivered with PUT under a temporary name and MOVE.
    apache.resume();
    let up = pass(&s, store, &blobs);
    assert_eq!((up.sent, up.failures), (1, 0), "{up:?}");
    let log = apache.access_log();
    assert!(
        log.contains("PUT /eingang/.") && log.contains("MOVE /eingang/."),
        "{log}"
    );
    let mut dms = TestDms::new(&apache.inbox, &apache.replies, common::schema());
    assert_eq!(dms.run_once(), 1);
    let pid = store.outbox().unwrap()[0].process_id.clone();
    assert_eq!(dms.objects[&pid][0].location, apache.url("eingang"));
    // Replies come back over WebDAV (GET), then are deleted there.
    let done = pass(&s, store, &blobs);
    assert_eq!((done.imported, done.documents_imported), (1, 1), "{done:?}");
    assert_eq!(doc_states(store, batches[0]), [DocumentState::Transferred]);
    assert_eq!(std::fs::read_dir(&apache.replies).unwrap().count(), 0);
    dms.assert_each_filed_once(1);
    // The DMS repeats its answer to a finished message (found by PROPFIND
    // and deleted); another station's reply in the same collection stays.
    let repeated = scanstelle::package::xdomea::reply::imported_name(&pid);
    let foreign =
        scanstelle::package::xdomea::reply::imported_name("0b1c2d3e-0000-4000-8000-000000000000");
    for name in [&repeated, &foreign] {
        std::fs::write(apache.replies.join(name), "<x/>").unwrap();
    }
    pass(&s, store, &blobs);
    assert!(!apache.replies.join(&repeated).exists());
    assert!(apache.replies.join(&foreign).exists());
    assert!(apache.access_log().contains("PROPFIND /antworten/"));
}

#[test]
fn https_post_gets_its_receipt_at_once_and_the_import_report_later() {
    let Some(apache) = common::apache::Apache::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) =
        common::processed_station(dir.path(), &["kontoauszug.jpg"]);
    let home = config.home.clone();
    let store = &mut station.store;
    let blobs = common::blobs(&home);
    let endpoint = format!("https://127.0.0.1:{}/import", apache.port);
    let s = syncer(
        Box::new(
            HttpTransport::post(
                &endpoint,
                &apache.url("antworten"),
                options(&apache, common::apache::PASSWORD, true, 20),
            )
            .unwrap(),
        ),
        settings(),
        &home,
    );
    // The endpoint answers the POST with the 0629 itself.
    let s1 = pass(&s, store, &blobs);
    assert_eq!((s1.sent, s1.received, s1.failures), (1, 1, 0), "{s1:?}");
    let row = store.outbox().unwrap().remove(0);
    assert_eq!(row.state, OutboxState::Received);
    let log = apache.access_log();
    assert!(log.contains("POST /import"), "{log}");
    // The import report comes later, from the reply collection.
    let mut dms = TestDms::new(&apache.inbox, &apache.replies, common::schema());
    assert_eq!(dms.run_once(), 1);
    assert_eq!(dms.objects[&row.process_id][0].location, endpoint);
    let s2 = pass(&s, store, &blobs);
    assert_eq!((s2.imported, s2.documents_imported), (1, 1), "{s2:?}");
    assert_eq!(doc_states(store, batches[0]), [DocumentState::Transferred]);
    dms.assert_each_filed_once(1);
}

#[test]
fn a_stalled_server_and_a_cut_upload_end_with_one_import() {
    let Some(apache) = common::apache::Apache::start() else {
        return;
    };
    let proxy = common::proxy::Proxy::start(apache.port);
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) =
        common::processed_station(dir.path(), &["weiterbewilligungsantrag.tif"]);
    let home = config.home.clone();
    let store = &mut station.store;
    let blobs = common::blobs(&home);
    let via_proxy = |path: &str| format!("https://127.0.0.1:{}/{path}/", proxy.port);
    let s = syncer(
        Box::new(
            HttpTransport::webdav(
                &via_proxy("eingang"),
                &via_proxy("antworten"),
                HttpOptions {
                    min_rate: 1024 * 1024,
                    ..options(&apache, common::apache::PASSWORD, true, 2)
                },
            )
            .unwrap(),
        ),
        settings(),
        &home,
    );
    // Handshake, OPTIONS and the PUT's head fit in 16 KiB; the container
    // does not.
    proxy.set(common::proxy::Mode::StallAfter(16 * 1024));
    let t = std::time::Instant::now();
    let stalled = pass(&s, store, &blobs);
    assert!(t.elapsed() < Duration::from_secs(20), "gave up in time");
    let e = stalled.last_error.unwrap();
    assert!(
        e.contains("Zeitüberschreitung") || e.contains("abgebrochen"),
        "{e}"
    );
    let bytes = store.outbox().unwrap()[0].zip_bytes.unwrap();
    assert!(
        bytes > 32 * 1024,
        "container of {bytes} bytes too small for this test"
    );

    proxy.set(common::proxy::Mode::CutAfter(16 * 1024));
    let cut = pass(&s, store, &blobs);
    assert_eq!((cut.sent, cut.failures), (0, 1), "{cut:?}");
    // A half upload never shows under the real name.
    let mut dms = TestDms::new(&apache.inbox, &apache.replies, common::schema());
    assert_eq!(dms.run_once(), 0);

    proxy.set(common::proxy::Mode::Pass);
    let ok = pass(&s, store, &blobs);
    assert_eq!((ok.sent, ok.failures), (1, 0), "{ok:?}");
    assert_eq!(dms.run_once(), 1);
    let done = pass(&s, store, &blobs);
    assert_eq!(done.documents_imported, 1, "{done:?}");
    assert_eq!(doc_states(store, batches[0]), [DocumentState::Transferred]);
    dms.assert_each_filed_once(1);
}

#[test]
fn killing_the_station_while_it_packages_and_uploads_loses_and_doubles_nothing() {
    use std::process::{Command, Stdio};
    let Some(apache) = common::apache::Apache::start() else {
        return;
    };
    // A slow line: every upload takes about a second, so kills land in it.
    let proxy = common::proxy::Proxy::start(apache.port);
    proxy.set(common::proxy::Mode::Throttle(150 * 1024));
    let dir = tempfile::tempdir().unwrap();
    let letters = [
        "weiterbewilligungsantrag.tif",
        "vermieterbescheinigung.pdf",
        "widerspruch-email.pdf",
        "kontoauszug.jpg",
    ];
    let (config, station, batches) = common::processed_station(dir.path(), &letters);
    drop(station);
    let home = config.home.clone();
    std::fs::write(
        dir.path().join("pw"),
        format!("{}\n", common::apache::PASSWORD),
    )
    .unwrap();
    let cfg = dir.path().join("scanstelle.toml");
    std::fs::write(
        &cfg,
        format!(
            "[dms]\ntransport = \"webdav\"\nurl = \"https://127.0.0.1:{p}/eingang/\"\n\
             reply_url = \"https://127.0.0.1:{p}/antworten/\"\nuser = \"{u}\"\n\
             password_file = \"{pw}\"\nca_file = \"{ca}\"\nhold_secs = 0\nbackoff_secs = 0\n\
             reply_timeout_secs = 0\nretention_days = 0\ntimeout_secs = 10\n\
             [qa]\nenabled = false\n",
            p = proxy.port,
            u = common::apache::USER,
            pw = dir.path().join("pw").display(),
            ca = apache.ca.display(),
        ),
    )
    .unwrap();
    let sync = || {
        Command::new(env!("CARGO_BIN_EXE_scanstelle"))
            .arg("--config")
            .arg(&cfg)
            .arg("--home")
            .arg(&home)
            .arg("sync")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut dms = TestDms::new(&apache.inbox, &apache.replies, common::schema());
    // SIGKILL at moments from early (packaging) to late (uploads, replies).
    for (i, ms) in [30u64, 120, 400, 900, 1500, 250, 2200, 700]
        .iter()
        .enumerate()
    {
        let mut child = sync();
        std::thread::sleep(Duration::from_millis(*ms));
        child.kill().unwrap();
        child.wait().unwrap();
        // The DMS imports what arrived whole meanwhile (every other round).
        if i % 2 == 1 {
            dms.run_once();
        }
    }
    // Then the line is fine again and the station runs to the end.
    proxy.set(common::proxy::Mode::Pass);
    let store = common::store(&home);
    for _ in 0..10 {
        let status = sync().wait().unwrap();
        dms.run_once();
        let done = batches.iter().all(|b| {
            doc_states(&store, *b)
                .iter()
                .all(|s| *s == DocumentState::Transferred)
        });
        if done && status.success() {
            break;
        }
    }
    for b in &batches {
        assert_eq!(
            doc_states(&store, *b),
            [DocumentState::Transferred],
            "batch {b}"
        );
    }
    dms.assert_each_filed_once(letters.len());
    // One message per batch, however often it was sent.
    let rows = store.outbox().unwrap();
    assert_eq!(rows.len(), letters.len());
    assert_eq!(dms.processes.len(), letters.len());
    // Nothing left over: spool empty, no reply waiting.
    sync().wait().unwrap();
    assert_eq!(std::fs::read_dir(home.join("outbox")).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(&apache.replies).unwrap().count(), 0);
    eprintln!(
        "{} duplicate deliveries discarded by the DMS; {} connections",
        dms.duplicates,
        proxy.connections.load(std::sync::atomic::Ordering::SeqCst)
    );
}

#[test]
fn sync_and_outbox_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (config, station, _) = common::processed_station(dir.path(), &["kontoauszug.jpg"]);
    let home = config.home.clone();
    let cfg = dir.path().join("scanstelle.toml");
    // Quality control has its own test (tests/qa.rs); here batches just leave.
    std::fs::write(&cfg, "[dms]\nhold_secs = 0\n[qa]\nenabled = false\n").unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_scanstelle"))
            .arg("--config")
            .arg(&cfg)
            .arg("--home")
            .arg(&home)
            .args(args)
            .output()
            .unwrap()
    };
    // While the station runs elsewhere, it syncs by itself.
    let busy = run(&["sync"]);
    assert!(!busy.status.success());
    let err = String::from_utf8_lossy(&busy.stderr);
    assert!(err.contains("läuft bereits"), "{err}");
    drop(station);

    let first = run(&["sync"]);
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{out}");
    assert!(out.contains("1 verpackt, 1 gesendet"), "{out}");
    assert_eq!(scanstelle::sync::DemoDms::new(&home).run_once().unwrap(), 1);
    let second = run(&["sync"]);
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(
        out.contains("1 Import bestätigt (1 Dokument(e) abgelegt"),
        "{out}"
    );

    let list = run(&["outbox"]);
    let out = String::from_utf8_lossy(&list.stdout);
    assert!(
        out.contains("DMS erreichbar") && out.contains("importiert"),
        "{out}"
    );
    let json = run(&["outbox", "--as-json"]);
    let line: serde_json::Value =
        serde_json::from_slice(json.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(line["state"], "imported");
    assert_eq!(line["documents"], 1);
}

#[test]
fn a_message_whose_pdf_is_missing_waits_in_words_and_the_others_go() {
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) = common::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "kontoauszug.jpg"],
    );
    let home = config.home.clone();
    let mut dms = TestDms::new(
        &dir.path().join("in"),
        &dir.path().join("out"),
        common::schema(),
    );
    let s = syncer(
        Box::new(FolderTransport::new(&dms.inbox, &dms.replies)),
        settings(),
        &home,
    );
    let store = &mut station.store;
    let blobs = common::blobs(&home);
    // The first letter's PDF is lost from the disk.
    let doc = store.documents_of_batch(batches[0]).unwrap()[0].id;
    let pdf: String = store
        .connection()
        .query_row("SELECT pdf_sha FROM documents WHERE id = ?1", [doc], |r| {
            r.get(0)
        })
        .unwrap();
    let sha = scanstelle::store::blob::Sha256Hex::parse(&pdf).unwrap();
    std::fs::remove_file(blobs.path_of(&sha)).unwrap();
    let s1 = pass(&s, store, &blobs);
    assert_eq!((s1.sent, s1.failures), (1, 1), "{s1:?}");
    let e = s1.last_error.unwrap();
    assert!(e.starts_with("Container:") && e.contains("PDF"), "{e}");
    // Not the DMS's fault: the station stays online.
    assert!(store.sync_status().unwrap().online());
    let waiting = store
        .outbox()
        .unwrap()
        .into_iter()
        .find(|r| r.batch_id == batches[0])
        .unwrap();
    assert_eq!(waiting.state, OutboxState::Packaged);
    assert!(waiting.last_error.unwrap().contains("PDF"));
    dms.run_once();
    let s2 = pass(&s, store, &blobs);
    assert_eq!(s2.documents_imported, 1, "{s2:?}");
    assert_eq!(doc_states(store, batches[1]), [DocumentState::Transferred]);
    dms.assert_each_filed_once(1);
}

/// A reply of the DMS larger than `[dms] reply_megabytes` is refused by its
/// size, in words and unread, over WebDAV and from a reply folder; one
/// below the limit is read whole.
#[test]
fn a_reply_larger_than_the_configured_limit_is_refused_unread() {
    let mb = 1_000_000u64;
    let limit = DmsSettings {
        reply_megabytes: 1,
        ..settings()
    };
    let check_refused = |r: Result<Option<Vec<u8>>, scanstelle::sync::TransportError>| {
        let e = r.expect_err("too large a reply is refused");
        assert_eq!(e.kind, scanstelle::sync::FailureKind::Refused, "{e}");
        assert!(
            e.message
                .contains("zu groß (höchstens 1 MB, einstellbar unter [dms] reply_megabytes"),
            "{e}"
        );
    };
    // A folder: the configured limit reaches the transport.
    let dir = tempfile::tempdir().unwrap();
    let folder = DmsSettings {
        folder: Some(dir.path().join("eingang")),
        reply_folder: Some(dir.path().join("antworten")),
        ..limit.clone()
    };
    std::fs::create_dir_all(dir.path().join("antworten")).unwrap();
    let transport = scanstelle::sync::transport_for(&folder, dir.path()).unwrap();
    for (name, size) in [("gross.xml", 2 * mb), ("klein.xml", mb / 2)] {
        std::fs::File::create(dir.path().join("antworten").join(name))
            .unwrap()
            .set_len(size)
            .unwrap();
    }
    check_refused(transport.fetch_reply("gross.xml"));
    assert_eq!(
        transport.fetch_reply("klein.xml").unwrap().unwrap().len() as u64,
        mb / 2
    );

    // WebDAV: refused by the announced length, before the body is read.
    let Some(apache) = common::apache::Apache::start() else {
        return;
    };
    for (name, size) in [("gross.xml", 50 * mb), ("klein.xml", mb / 2)] {
        std::fs::File::create(apache.replies.join(name))
            .unwrap()
            .set_len(size)
            .unwrap();
    }
    let http = |max_reply| {
        HttpTransport::webdav(
            &apache.url("eingang"),
            &apache.url("antworten"),
            HttpOptions {
                max_reply,
                ..options(&apache, common::apache::PASSWORD, true, 20)
            },
        )
        .unwrap()
    };
    check_refused(http(limit.reply_bytes()).fetch_reply("gross.xml"));
    assert_eq!(
        http(limit.reply_bytes())
            .fetch_reply("klein.xml")
            .unwrap()
            .unwrap()
            .len() as u64,
        mb / 2
    );
    // The default limit refuses the 50 MB too, and names its 4 MB.
    let e = http(HttpOptions::default().max_reply)
        .fetch_reply("gross.xml")
        .unwrap_err();
    assert!(
        e.message.contains("mit 50 MB zu groß (höchstens 4 MB"),
        "{e}"
    );
    // The listing is bounded by the same limit.
    assert!(
        http(limit.reply_bytes())
            .list_replies()
            .unwrap()
            .contains(&"gross.xml".to_owned())
    );
}
