//! The sync to the DMS against a real drop folder and a real Apache WebDAV
//! server (TLS, Basic auth), with a test-side importer that validates every
//! message against the xdomea schema and files each object once. Every
//! test ends with each document imported exactly once.

mod support;

use scanstelle::blob::BlobStore;
use scanstelle::doctype::TypeRules;
use scanstelle::store::{BatchState, DocumentState, OutboxState, Store};
use scanstelle::sync::{
    DmsSettings, FolderTransport, HttpOptions, SyncSummary, Syncer, Transport, WebDavTransport,
};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use support::dms::TestDms;

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
    let (config, mut station, batches) = support::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "arbeitsunfaehigkeit.tif"],
    );
    let home = config.home.clone();
    let dms_dir = dir.path().join("dms");
    let mut dms = TestDms::new(
        &dms_dir.join("eingang"),
        &dms_dir.join("antworten"),
        support::schema(),
    );
    let s = syncer(
        Box::new(FolderTransport::new(&dms.inbox, &dms.replies)),
        settings(),
        &home,
    );
    let store = &mut station.store;
    let blobs = BlobStore::open(home.join("blobs")).unwrap();
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
    assert!(dms.filed.values().all(|n| *n == 1), "{:?}", dms.filed);
    assert_eq!(dms.filed.len(), 1);
}

#[test]
fn a_document_the_dms_refuses_goes_back_to_review_and_out_again_once_corrected() {
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) =
        support::processed_station(dir.path(), &["weiterbewilligungsantrag.tif"]);
    let home = config.home.clone();
    let mut dms = TestDms::new(
        &dir.path().join("in"),
        &dir.path().join("out"),
        support::schema(),
    );
    // The DMS has no case file 12345BG0012345.
    dms.refuse = Box::new(|a| (a.container == "12345BG0012345").then_some("0605001"));
    let s = syncer(
        Box::new(FolderTransport::new(&dms.inbox, &dms.replies)),
        settings(),
        &home,
    );
    let store = &mut station.store;
    let blobs = BlobStore::open(home.join("blobs")).unwrap();
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
    let desk = scanstelle::desk::Desk::open(&config).unwrap();
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
    assert_eq!(dms.filed.len(), 1);
    assert!(dms.filed.values().all(|n| *n == 1));
}

#[test]
fn an_unreachable_share_backs_off_and_a_lost_reply_is_answered_by_a_resend() {
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) = support::processed_station(
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
    let blobs = BlobStore::open(home.join("blobs")).unwrap();
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
    let mut dms = TestDms::new(&inbox, &replies, support::schema());
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
    assert_eq!(dms.filed.len(), 2);
    assert!(dms.filed.values().all(|n| *n == 1), "{:?}", dms.filed);
}

fn webdav(a: &support::apache::Apache, password: &str, ca: bool) -> Box<dyn Transport> {
    Box::new(
        WebDavTransport::new(
            &a.url("eingang"),
            &a.url("antworten"),
            HttpOptions {
                user: Some(support::apache::USER.into()),
                password: Some(password.into()),
                ca_file: ca.then(|| a.ca.clone()),
                timeout: Duration::from_secs(20),
                min_rate: 64 * 1024,
                ..Default::default()
            },
        )
        .unwrap(),
    )
}

#[test]
fn webdav_over_tls_with_basic_auth_survives_errors_and_an_outage() {
    let Some(mut apache) = support::apache::Apache::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (config, mut station, batches) =
        support::processed_station(dir.path(), &["weiterbewilligungsantrag.tif"]);
    let home = config.home.clone();
    let store = &mut station.store;
    let blobs = BlobStore::open(home.join("blobs")).unwrap();

    // Refusals in words: an untrusted certificate, a wrong password.
    let untrusted = pass(
        &syncer(
            webdav(&apache, support::apache::PASSWORD, false),
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
        webdav(&apache, support::apache::PASSWORD, true),
        settings(),
        &home,
    );
    // 503 from the server: retried.
    apache.fail_with_503(true);
    let e = pass(&s, store, &blobs).last_error.unwrap();
    assert!(e.contains("503"), "{e}");
    apache.fail_with_503(false);
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
    let mut dms = TestDms::new(&apache.inbox, &apache.replies, support::schema());
    assert_eq!(dms.run_once(), 1);
    let pid = store.outbox().unwrap()[0].process_id.clone();
    assert_eq!(dms.objects[&pid][0].location, apache.url("eingang"));
    // Replies come back over WebDAV (GET), then are deleted there.
    let done = pass(&s, store, &blobs);
    assert_eq!((done.imported, done.documents_imported), (1, 1), "{done:?}");
    assert_eq!(doc_states(store, batches[0]), [DocumentState::Transferred]);
    assert_eq!(std::fs::read_dir(&apache.replies).unwrap().count(), 0);
    assert_eq!(dms.filed.len(), 1);
    assert!(dms.filed.values().all(|n| *n == 1));
}
