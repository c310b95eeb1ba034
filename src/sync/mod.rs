//! The sync stage: finished batches to the central DMS as xdomea 0605
//! messages, exactly once, offline-proof.
//!
//! One [`Syncer::pass`] packages every batch whose documents are all
//! decided, delivers what is due over the configured [`Transport`], reads
//! the DMS's replies (0629 received, 0630 imported) and, after the
//! retention period, deletes the local copies of what the DMS imported.
//! Every step is recorded in the store before the next begins, so a pass
//! interrupted anywhere (crash, `kill -9`, network cut) is simply repeated:
//! a message keeps its ProzessID and file name for life, and the DMS
//! discards a duplicate. Failed attempts are retried with exponential
//! backoff and jitter; while the DMS cannot be reached the station counts
//! as offline and nothing else waits for it.

mod demo;
mod http;
mod letters;
mod settings;
mod transport;

pub use demo::DemoDms;
pub use letters::LetterJob;

pub use http::{HttpOptions, HttpTransport, SetupError};
use settings::create;
pub use settings::{DmsSettings, TransportKind, transport_for};
pub use transport::{
    Container, FailureKind, FolderTransport, MAX_REPLY_BYTES, Transport, TransportError,
};

use crate::classify::doctype::TypeRules;
use crate::package::Sender;
use crate::package::xdomea::correction::{CorrectionPackage, Fix};
use crate::package::xdomea::protocol::ProtocolPackage;
use crate::package::xdomea::reply::{self, Reply};
use crate::package::xdomea::{Package, container_name};
use crate::store::Change;
use crate::store::blob::{BlobStore, Sha256Hex};
use crate::store::{OutboxRow, OutboxState, Store, StoreError};
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Errors that stop a pass (the store or the station's own disk; the DMS
/// being away is not one: it is recorded and retried).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The settings cannot be used.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// Building a container failed.
    #[error("Container für ProzessID {process}: {detail}")]
    Package {
        /// The message.
        process: String,
        /// What failed.
        detail: String,
    },
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSummary {
    /// Messages newly packaged.
    pub packaged: u32,
    /// Deliveries made (first sends and resends).
    pub sent: u32,
    /// Receipts (0629) recorded.
    pub received: u32,
    /// Import reports (0630) recorded.
    pub imported: u32,
    /// Documents the DMS filed.
    pub documents_imported: u32,
    /// Documents the DMS refused (back to review).
    pub documents_refused: u32,
    /// Failed attempts (delivery or reading replies).
    pub failures: u32,
    /// Batches whose local copies were deleted.
    pub purged: u32,
    /// Letters to households the station wrote by itself.
    pub letters: u32,
    /// The last failure, in words.
    pub last_error: Option<String>,
}

/// The delay before attempt `attempts + 1`: `base · 2^attempts`, at most
/// `max`, of which a random-ish quarter is left off (jitter, so stations
/// coming back together do not knock at the same second).
pub fn backoff(base: Duration, max: Duration, attempts: u32, seed: &str) -> Duration {
    // A zero base (tests) means: try again at the next pass.
    let full = base.saturating_mul(1u32 << attempts.min(20)).min(max);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(
        &(seed, attempts, OffsetDateTime::now_utc().nanosecond()),
        &mut h,
    );
    let jitter = std::hash::Hasher::finish(&h) % 1000;
    full - full.mul_f64(jitter as f64 / 4000.0)
}

fn stamp(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A 0630 as the outbox records it: the reasons in words.
fn import_answer(result: &reply::ImportResult) -> crate::store::ImportAnswer {
    crate::store::ImportAnswer {
        process_id: result.process_id.clone(),
        general: result
            .general_errors()
            .iter()
            .map(ToString::to_string)
            .collect(),
        objects: result
            .objects
            .iter()
            .map(|o| crate::store::AnsweredObject {
                number: o.number,
                ok: o.ok,
                dms_id: o.dms_id.clone(),
                location: o.location.clone(),
                reasons: o.errors.iter().map(ToString::to_string).collect(),
            })
            .collect(),
    }
}

fn parse_stamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// What reading a message's replies found.
enum Replies {
    /// The 0630 is recorded: the message is finished.
    Finished,
    /// Nothing final yet (maybe a 0629).
    Waiting,
    /// The DMS could not be asked.
    Failed(TransportError),
}

/// The sync stage: one transport, the station's spool folder for built
/// containers, and the settings.
pub struct Syncer {
    transport: Box<dyn Transport>,
    settings: DmsSettings,
    sender: Sender,
    rules: TypeRules,
    spool: PathBuf,
    qa: crate::protect::qa::QaSettings,
    letters: Option<LetterJob>,
    /// Letters may be owed without new imports (at start, after a failed
    /// one, while a day is not over): the next pass looks.
    letters_owed: AtomicBool,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer")
            .field("location", &self.transport.location())
            .field("spool", &self.spool)
            .finish()
    }
}

impl Syncer {
    /// A syncer for the station at `home` (containers are built in
    /// `<home>/outbox`). Batches leave as soon as they are decided; the
    /// station's quality control comes with `Syncer::with_qa` (as
    /// [`crate::config::Config::syncer`] does).
    pub fn new(
        transport: Box<dyn Transport>,
        settings: DmsSettings,
        rules: TypeRules,
        home: &Path,
        user: &str,
    ) -> Result<Self, SyncError> {
        let spool = create(home.join("outbox"))?;
        let sender = Sender {
            institution: settings.institution.clone(),
            unit: settings.unit.clone(),
            user: user.to_owned(),
            location: transport.location(),
            ..Sender::default()
        };
        Ok(Syncer {
            transport,
            settings,
            sender,
            rules,
            spool,
            qa: crate::protect::qa::QaSettings::off(),
            letters: None,
            letters_owed: AtomicBool::new(true),
        })
    }

    /// Batches leave only after the quality-control release `qa` asks for.
    pub(crate) fn with_qa(mut self, qa: crate::protect::qa::QaSettings) -> Self {
        self.sender.qa = qa.enabled.then(|| qa.clone());
        self.qa = qa;
        self
    }

    /// Writes the letters to the households by itself after each pass
    /// (`[letter] automatic`).
    pub fn with_letters(mut self, job: LetterJob) -> Self {
        self.letters = Some(job);
        self
    }

    /// Records the fingerprint of the configuration the messages are sent
    /// under (in each message's sender block).
    pub(crate) fn with_config_sha256(mut self, sha256: String) -> Self {
        self.sender.config_sha256 = Some(sha256);
        self
    }

    /// Where the DMS is (`Ablageort`).
    pub fn location(&self) -> String {
        self.transport.location()
    }

    /// How long `watch` and the window wait between passes.
    pub(crate) fn interval(&self) -> Duration {
        Duration::from_secs(self.settings.interval_secs.max(1))
    }

    /// One pass: package, deliver, read replies, purge. Stops early (between
    /// messages) when `stop` is set.
    pub fn pass(
        &self,
        store: &mut Store,
        blobs: &BlobStore,
        stop: &AtomicBool,
    ) -> Result<SyncSummary, SyncError> {
        let mut summary = SyncSummary::default();
        // Decided batches get their sample (or, without quality control,
        // their release); only released ones are packaged.
        store.qa_prepare(&self.qa)?;
        let settled =
            stamp(OffsetDateTime::now_utc() - Duration::from_secs(self.settings.hold_secs));
        for batch in store.batches_to_package(&settled)? {
            match store.outgoing(batch) {
                Ok(_) => summary.packaged += 1,
                // Not ready after all (a document went back to review).
                Err(StoreError::Refused(why)) => {
                    tracing::debug!(stapel = batch, grund = %why, "nicht verpackt");
                }
                Err(e) => return Err(e.into()),
            }
        }
        // The audit chain since the last upload, daily and after a correction.
        store.queue_audit_upload(Duration::from_secs(
            self.settings.audit_upload_hours.saturating_mul(3600),
        ))?;
        let now = OffsetDateTime::now_utc();
        let mut offline = false;
        for row in store.outbox_active()? {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            self.sync_message(store, blobs, &row, now, &mut offline, &mut summary)?;
        }
        if !offline {
            self.clear_stale_replies(store);
        }
        self.clean_spool(store)?;
        // The households' letters before the purge: the letter still
        // finds what the station held (the purge says so later).
        // Which households are owed one is asked only after imports (or
        // while some may still be owed), not on every pass.
        if let Some(job) = &self.letters
            && (summary.imported > 0 || self.letters_owed.swap(false, Ordering::SeqCst))
        {
            let (written, again) = job.run(store, &self.rules);
            summary.letters += written;
            self.letters_owed.store(again, Ordering::SeqCst);
        }
        self.purge(store, blobs, OffsetDateTime::now_utc(), &mut summary)?;
        Ok(summary)
    }

    fn sync_message(
        &self,
        store: &mut Store,
        blobs: &BlobStore,
        row: &OutboxRow,
        now: OffsetDateTime,
        offline: &mut bool,
        summary: &mut SyncSummary,
    ) -> Result<(), SyncError> {
        let due = row
            .next_attempt_at
            .as_deref()
            .and_then(parse_stamp)
            .is_none_or(|t| t <= now);
        if !due || *offline {
            return Ok(());
        }
        // Replies first: a message already answered is not sent again.
        if row.state != OutboxState::Packaged {
            match self.read_replies(store, row, summary)? {
                Replies::Finished => return Ok(()),
                Replies::Waiting => {}
                Replies::Failed(e) => {
                    *offline = e.kind == FailureKind::Offline;
                    return self.failed(store, row, &e, summary);
                }
            }
        }
        let resend = row.state == OutboxState::Sent
            && row
                .sent_at
                .as_deref()
                .and_then(parse_stamp)
                .is_some_and(|t| now - t >= Duration::from_secs(self.settings.reply_timeout_secs));
        if row.state != OutboxState::Packaged && !resend {
            return Ok(());
        }
        // A container that cannot be built (a PDF missing or damaged) is
        // this message's problem, shown and retried; the others go on.
        let zip = match self.container(store, blobs, row) {
            Ok(zip) => zip,
            Err(SyncError::Package { detail, .. }) => {
                let e = TransportError::new(FailureKind::Local, format!("Container: {detail}"));
                return self.failed(store, row, &e, summary);
            }
            Err(e) => return Err(e),
        };
        let name = container_name(&row.process_id, &row.message);
        match self.transport.deliver(&name, &zip) {
            Ok(answer) => {
                store.sync_contact(Ok(()))?;
                store.outbox_sent(row.id, &self.transport.location())?;
                summary.sent += 1;
                if let Some(answer) = answer {
                    // An unusable answer is recorded; the 0629 may still
                    // come by the reply address.
                    self.record_reply(store, row, &answer, summary)?;
                }
                Ok(())
            }
            Err(e) => {
                *offline = e.kind == FailureKind::Offline;
                self.failed(store, row, &e, summary)
            }
        }
    }

    fn failed(
        &self,
        store: &mut Store,
        row: &OutboxRow,
        e: &TransportError,
        summary: &mut SyncSummary,
    ) -> Result<(), SyncError> {
        let wait = backoff(
            Duration::from_secs(self.settings.backoff_secs),
            Duration::from_secs(self.settings.max_backoff_secs),
            row.attempts,
            &row.process_id,
        );
        let retry = stamp(OffsetDateTime::now_utc() + wait);
        tracing::warn!(prozess = %row.process_id, fehler = %e, warten = ?wait, "Übertragung an das DMS fehlgeschlagen");
        if e.kind != FailureKind::Local {
            store.sync_contact(Err(&e.message))?;
        }
        store.outbox_failed(row.id, &e.message, &retry)?;
        summary.failures += 1;
        summary.last_error = Some(e.message.clone());
        Ok(())
    }

    /// Reads the 0630 and 0629 of a message.
    fn read_replies(
        &self,
        store: &mut Store,
        row: &OutboxRow,
        summary: &mut SyncSummary,
    ) -> Result<Replies, SyncError> {
        let imported = reply::imported_name(&row.process_id);
        let received = reply::received_name(&row.process_id);
        let found = match self.transport.fetch_reply(&imported) {
            Ok(found) => found,
            Err(e) => return Ok(Replies::Failed(e)),
        };
        if let Some(bytes) = found {
            store.sync_contact(Ok(()))?;
            if !self.record_reply(store, row, &bytes, summary)? {
                return Ok(Replies::Waiting);
            }
            // Recorded: the reply and the receipt are not needed any more
            // (a failed removal is retried by the clean-up of old replies).
            let _ = self.transport.remove_reply(&imported);
            let _ = self.transport.remove_reply(&received);
            return Ok(Replies::Finished);
        }
        if row.state == OutboxState::Sent {
            let found = match self.transport.fetch_reply(&received) {
                Ok(found) => found,
                Err(e) => return Ok(Replies::Failed(e)),
            };
            if let Some(bytes) = found {
                store.sync_contact(Ok(()))?;
                if self.record_reply(store, row, &bytes, summary)? {
                    let _ = self.transport.remove_reply(&received);
                }
            }
        }
        Ok(Replies::Waiting)
    }

    /// Records one reply (true). A reply that cannot be read or belongs to
    /// another process is recorded as the message's error and left where
    /// it is (false).
    fn record_reply(
        &self,
        store: &mut Store,
        row: &OutboxRow,
        bytes: &[u8],
        summary: &mut SyncSummary,
    ) -> Result<bool, SyncError> {
        let parsed = reply::parse(bytes)
            .map_err(|e| e.to_string())
            .and_then(|r| {
                if r.process_id() == row.process_id {
                    Ok(r)
                } else {
                    Err(format!(
                        "Antwort des DMS für ProzessID {} statt {}",
                        r.process_id(),
                        row.process_id
                    ))
                }
            });
        match parsed {
            Ok(Reply::Received { process_id }) => {
                if store.outbox_received(&process_id)? {
                    summary.received += 1;
                }
                Ok(true)
            }
            Ok(Reply::Imported(result)) => {
                let outcome = store.outbox_imported(&import_answer(&result))?;
                if !outcome.repeated {
                    summary.imported += 1;
                    summary.documents_imported += outcome.imported;
                    summary.documents_refused += outcome.refused;
                }
                Ok(true)
            }
            Err(why) => {
                let retry = stamp(
                    OffsetDateTime::now_utc() + Duration::from_secs(self.settings.backoff_secs),
                );
                tracing::warn!(prozess = %row.process_id, grund = %why, "Antwort des DMS unbrauchbar");
                store.outbox_failed(row.id, &why, &retry)?;
                summary.failures += 1;
                summary.last_error = Some(why);
                Ok(false)
            }
        }
    }

    /// The message's container in the spool, built once (sealed, under a
    /// temporary name, flushed, renamed) and reused by every resend.
    fn container(
        &self,
        store: &mut Store,
        blobs: &BlobStore,
        row: &OutboxRow,
    ) -> Result<Container, SyncError> {
        let name = container_name(&row.process_id, &row.message);
        let path = self.spool.join(&name);
        let err = |detail: String| SyncError::Package {
            process: row.process_id.clone(),
            detail,
        };
        let open = || Container::sealed(&path, blobs.seal_key(), name.as_bytes());
        if path.is_file() && row.zip_name.is_some() {
            return open().map_err(|e| err(e.to_string()));
        }
        // Corrections and the audit chain: small, built in memory.
        if row.message != "0605" {
            let bytes = self.small_message(store, row).map_err(err)?;
            blobs
                .write_sealed(&path, name.as_bytes(), |w| w.write_all(&bytes))
                .map_err(|e| err(e.to_string()))?;
            return self.packed(store, row, &name, open().map_err(|e| err(e.to_string()))?);
        }
        let out = store.outgoing(row.batch_id)?;
        if out.process_id != row.process_id {
            return Err(err(format!(
                "Stapel {} hat ProzessID {}",
                row.batch_id, out.process_id
            )));
        }
        let package = Package::from_outgoing(&out, &self.rules, &self.sender)
            .map_err(|e| err(e.to_string()))?;
        let mut failure = None;
        blobs
            .write_sealed(&path, name.as_bytes(), |w| {
                let mut buffered = std::io::BufWriter::with_capacity(1 << 20, w);
                match package.write_zip(blobs, &mut buffered) {
                    Ok(_) => buffered.flush(),
                    Err(e) => {
                        failure = Some(e.to_string());
                        Err(std::io::Error::other("Container"))
                    }
                }
            })
            .map_err(|e| err(failure.take().unwrap_or_else(|| e.to_string())))?;
        self.packed(store, row, &name, open().map_err(|e| err(e.to_string()))?)
    }

    /// Records a container just built (its hash and size) and hands it on.
    fn packed(
        &self,
        store: &mut Store,
        row: &OutboxRow,
        name: &str,
        container: Container,
    ) -> Result<Container, SyncError> {
        let (sha, bytes) = container
            .reader()
            .and_then(Sha256Hex::of_reader)
            .map_err(|e| SyncError::Package {
                process: row.process_id.clone(),
                detail: e.to_string(),
            })?;
        store.outbox_packed(row.id, name, &sha, bytes)?;
        Ok(container)
    }

    /// The container of a message that is no filing: a correction (0617,
    /// 0610) or an upload of the audit chain (0623).
    fn small_message(&self, store: &Store, row: &OutboxRow) -> Result<Vec<u8>, String> {
        let out = std::io::Cursor::new(Vec::new());
        let written = if row.message == "0623" {
            let segment = store.audit_segment(row.id).map_err(|e| e.to_string())?;
            ProtocolPackage {
                process_id: uuid::Uuid::parse_str(&segment.process_id)
                    .map_err(|e| e.to_string())?,
                created: OffsetDateTime::now_utc(),
                sender: self.sender.clone(),
                range: (segment.first_id, segment.last_id),
                head: segment.head,
                entries: segment.entries,
            }
            .write_zip(out)
        } else {
            self.correction(store, row)?.write_zip(out)
        };
        Ok(written.map_err(|e| e.to_string())?.into_inner())
    }

    /// The correction message of an outbox row: the object by the DMS's ID,
    /// the type and subject in words for a 0610; made by the person who
    /// corrected it.
    fn correction(&self, store: &Store, row: &OutboxRow) -> Result<CorrectionPackage, String> {
        let c = store
            .outgoing_correction(row.id)
            .map_err(|e| e.to_string())?;
        let parse = |s: &str| uuid::Uuid::parse_str(s).map_err(|e| format!("{s}: {e}"));
        let fix = match &c.change {
            Change::Case(_) => Fix::Invalidate,
            Change::Type(slug) => {
                let label = self.rules.label(slug).unwrap_or(slug).to_owned();
                let (betreff, _) = crate::package::xdomea::subject(&label, &c.received_at);
                Fix::Metadata {
                    type_label: label,
                    betreff,
                }
            }
        };
        Ok(CorrectionPackage {
            process_id: parse(&c.process_id)?,
            created: OffsetDateTime::now_utc(),
            sender: Sender {
                user: c.by_user.clone(),
                ..self.sender.clone()
            },
            object: parse(&c.dms_id)?,
            fix,
        })
    }

    /// Removes replies to this station's finished messages (a DMS that
    /// answers a resend again leaves one behind); replies to messages it
    /// does not know (another station's, in a shared folder) stay.
    fn clear_stale_replies(&self, store: &Store) {
        let Ok(names) = self.transport.list_replies() else {
            return;
        };
        for name in names {
            let Some((pid, _)) = name.split_once('_') else {
                continue;
            };
            if name != reply::received_name(pid) && name != reply::imported_name(pid) {
                continue;
            }
            if let Ok(Some(row)) = store.outbox_entry(pid)
                && !row.state.is_active()
            {
                let _ = self.transport.remove_reply(&name);
            }
        }
    }

    /// Removes containers of messages that are finished, and half-built ones.
    fn clean_spool(&self, store: &Store) -> Result<(), SyncError> {
        let active: std::collections::HashSet<String> = store
            .outbox_active()?
            .into_iter()
            .map(|r| container_name(&r.process_id, &r.message))
            .collect();
        if let Ok(entries) = std::fs::read_dir(&self.spool) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !active.contains(&name) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(())
    }

    /// Deletes the local copies of batches the DMS imported longer ago than
    /// the retention period (blobs first, then the record: a pass cut off
    /// in between repeats the purge).
    fn purge(
        &self,
        store: &mut Store,
        blobs: &BlobStore,
        now: OffsetDateTime,
        summary: &mut SyncSummary,
    ) -> Result<(), SyncError> {
        let before = stamp(now - Duration::from_secs(self.settings.retention_days * 86_400));
        for batch in store.batches_to_purge(&before)? {
            for sha in store.batch_blobs(batch)? {
                if let Err(e) = blobs.remove(&sha) {
                    tracing::warn!(stapel = batch, sha = sha.short(), fehler = %e, "Ablagedatei nicht gelöscht");
                    return Ok(());
                }
            }
            store.purge_batch(batch)?;
            summary.purged += 1;
        }
        Ok(())
    }
}

/// Runs sync passes in a thread of its own (its own database connection)
/// every [`Syncer::interval`] until `stop` is set; returns the totals.
/// Errors of a pass are logged and the next pass tries again.
pub(crate) fn spawn_worker(
    syncer: Syncer,
    home: PathBuf,
    keys: crate::protect::crypto::Keys,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<SyncSummary> {
    std::thread::Builder::new()
        .name("dms-sync".into())
        .spawn(move || {
            let mut total = SyncSummary::default();
            let open = || -> Result<(Store, BlobStore), String> {
                let store =
                    Store::open(&home.join("scanstelle.db"), &keys).map_err(|e| e.to_string())?;
                let blobs =
                    BlobStore::open(home.join("blobs"), &keys).map_err(|e| e.to_string())?;
                Ok((store, blobs))
            };
            let mut opened = None;
            while !stop.load(Ordering::SeqCst) {
                if opened.is_none() {
                    match open() {
                        Ok(o) => opened = Some(o),
                        Err(e) => tracing::error!(fehler = %e, "Übertragung: Station nicht lesbar"),
                    }
                }
                if let Some((store, blobs)) = opened.as_mut() {
                    match syncer.pass(store, blobs, &stop) {
                        Ok(s) => {
                            if s != SyncSummary::default() {
                                tracing::info!(
                                    gesendet = s.sent,
                                    empfangen = s.received,
                                    importiert = s.imported,
                                    abgelehnt = s.documents_refused,
                                    fehler = s.failures,
                                    "Übertragung"
                                );
                            }
                            total.add(&s);
                        }
                        Err(e) => tracing::error!(fehler = %e, "Übertragung fehlgeschlagen"),
                    }
                }
                // Sleep until the next pass, or until someone asks for one.
                let until = std::time::Instant::now() + syncer.interval();
                let mut ticks = 0u32;
                while !stop.load(Ordering::SeqCst) && std::time::Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(100));
                    ticks += 1;
                    if ticks.is_multiple_of(10)
                        && let Some((store, _)) = opened.as_mut()
                        && store.take_sync_wake().unwrap_or(false)
                    {
                        break;
                    }
                }
            }
            total
        })
        .expect("spawn sync thread")
}

impl SyncSummary {
    /// Adds another pass's counts.
    pub fn add(&mut self, o: &SyncSummary) {
        self.packaged += o.packaged;
        self.sent += o.sent;
        self.received += o.received;
        self.imported += o.imported;
        self.documents_imported += o.documents_imported;
        self.documents_refused += o.documents_refused;
        self.failures += o.failures;
        self.purged += o.purged;
        self.letters += o.letters;
        if o.last_error.is_some() {
            self.last_error.clone_from(&o.last_error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_limit_with_jitter() {
        let base = Duration::from_secs(10);
        let max = Duration::from_secs(900);
        for attempts in 0..12 {
            let d = backoff(base, max, attempts, "p");
            let full = (base * (1 << attempts)).min(max);
            assert!(d <= full && d >= full.mul_f64(0.75), "{attempts}: {d:?}");
        }
    }

    #[test]
    fn empty_settings_mean_the_local_drop_folder() {
        let s = DmsSettings::default();
        assert_eq!(s.transport, TransportKind::Folder);
        assert_eq!(s.retention_days, 30);
        let e = toml::from_str::<DmsSettings>("transport = \"ftp\"").unwrap_err();
        assert!(e.to_string().contains("ftp"), "{e}");
    }
}
