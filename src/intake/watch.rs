//! The hot-folder watcher: the intake stage of the pipeline.
//!
//! The watcher lists every profile's hot folder when told to by file events
//! (`notify`; inotify on local disks) or, for network shares, on a polling
//! interval, and in both modes on a slower safety interval. Each file it
//! sees is a candidate; a candidate whose size and modification time stay
//! unchanged for the profile's settle time, and which can be opened, is
//! handed through a bounded channel to the intake worker, which owns the
//! station and runs [`take_file`] one file at a time. The worker reports
//! each outcome back; unreadable files that changed only moments ago are
//! retried later. Ctrl-C or SIGTERM stops the watcher after the file in
//! hand is finished.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::config::Config;
use crate::intake::profile::{BatchingMode, Profile, WatchMode};
use crate::intake::{IntakeError, Outcome, TakeOptions, resume_pending, take_file};
use crate::station::Station;

/// How often the watcher looks at its candidates.
const TICK: Duration = Duration::from_millis(100);
/// Capacity of the channel from watcher to intake worker.
const JOB_QUEUE: usize = 16;

/// Counts of what a watch run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchSummary {
    /// Files taken.
    pub files: u64,
    /// Pages recorded.
    pub pages: u64,
    /// Files finished after a crash.
    pub resumed: u64,
    /// Duplicates sent to quarantine.
    pub duplicates: u64,
    /// Unreadable files sent to quarantine.
    pub quarantined: u64,
    /// Entries that are not files the station may take (links, pipes,
    /// subfolders, files it may not read), each reported once.
    pub set_aside: u64,
    /// Station errors (disk, database) while taking a file; the file stays and is retried.
    pub errors: u64,
    /// What the processing stages did.
    pub processed: crate::pipeline::ProcessSummary,
    /// What the sync did.
    pub synced: crate::sync::SyncSummary,
}

/// Options of a watch run.
#[derive(Debug, Clone, Default)]
pub struct WatchOptions {
    /// Stop once every hot folder has been empty and nothing was pending for
    /// this long (the demo and tests); `None`: run until shut down.
    pub stop_when_idle: Option<Duration>,
    /// Run the processing stages (preparation, OCR) with this many OCR
    /// engines beside intake; `None`: intake only.
    pub ocr_workers: Option<usize>,
    /// Send finished batches to the DMS in a thread of its own (the
    /// configured `[dms]`), as `user`; `None`: no sync.
    pub sync_as: Option<String>,
}

#[derive(Debug)]
enum Job {
    /// Take one file of the folder with this index.
    Take { folder: usize, path: PathBuf },
    /// Close time-window batches whose window has passed.
    CloseExpiredBatches,
    /// Report an entry of the folder that is not a file to take, once.
    SetAside {
        folder: usize,
        path: PathBuf,
        oddity: Oddity,
    },
}

/// An entry of a hot folder that is not a file the station may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Oddity {
    /// A symbolic link: never followed out of the hot folder.
    Link,
    /// A pipe, socket or device: never opened.
    Special,
    /// A subfolder of a folder watched without its subfolders.
    Subfolder,
    /// A file the station may not read.
    Unreadable,
}

impl Oddity {
    /// The quarantine reason code and the reason in words, with advice.
    fn reason(self) -> (&'static str, &'static str) {
        match self {
            Oddity::Link => (
                "link",
                "Verknüpfung (symbolischer Link): die Station folgt keinen Verknüpfungen aus dem \
                 Eingangsordner heraus. Die Datei selbst in den Eingangsordner kopieren und die \
                 Verknüpfung löschen.",
            ),
            Oddity::Special => (
                "not_a_file",
                "Keine gewöhnliche Datei (Pipe, Socket oder Gerät): wird nicht geöffnet. \
                 Den Eintrag aus dem Eingangsordner entfernen.",
            ),
            Oddity::Subfolder => (
                "subfolder",
                "Unterordner: dieser Eingangsordner wird ohne Unterordner überwacht. Die Dateien \
                 in den Eingangsordner selbst legen oder im Profil `recursive = true` setzen.",
            ),
            Oddity::Unreadable => (
                "unreadable",
                "Die Datei darf von der Station nicht gelesen werden (Zugriffsrechte). Die \
                 Rechte prüfen; danach wird sie eingelesen.",
            ),
        }
    }
}

#[derive(Debug)]
struct Report {
    path: PathBuf,
    result: Result<Outcome, IntakeError>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CandidateState {
    Waiting,
    InFlight,
    RetryAt(Instant),
}

#[derive(Debug)]
struct Candidate {
    folder: usize,
    size: u64,
    mtime: Option<SystemTime>,
    since: Instant,
    state: CandidateState,
    failures: u32,
}

struct Folder {
    profile: Profile,
    path: PathBuf,
    dirty: bool,
    last_scan: Option<Instant>,
    /// Entries set aside already (reported once while they stay).
    reported: std::collections::HashSet<PathBuf>,
}

/// What a listing of a hot folder found.
#[derive(Default)]
struct Listing {
    /// The files the profile would take: path, size, modification time.
    files: Vec<(PathBuf, u64, Option<SystemTime>)>,
    /// Entries that are not files to take.
    odd: Vec<(PathBuf, Oddity)>,
}

impl Folder {
    /// Lists the folder (and its subfolders, if the profile says so).
    fn list(&self) -> Listing {
        let mut seen = Listing::default();
        list_files(
            &self.path,
            &self.profile,
            self.profile.hot_folder.recursive,
            &mut seen,
        );
        seen
    }
}

/// Errors that stop the watcher.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// A hot folder could not be created or watched.
    #[error("Eingangsordner {path}: {message}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Resuming after a crash failed.
    #[error("Wiederaufnahme nach Absturz: {0}")]
    Resume(#[from] IntakeError),
    /// The intake worker stopped unexpectedly.
    #[error("Einlese-Thread beendet: {0}")]
    Worker(String),
    /// The processing stages could not start.
    #[error("Verarbeitung: {0}")]
    Process(#[from] crate::pipeline::ProcessError),
    /// The sync could not start (its settings).
    #[error("Übertragung: {0}")]
    Sync(#[from] crate::sync::SyncError),
    /// The station key could not be read.
    #[error(transparent)]
    Key(#[from] crate::protect::crypto::KeyError),
}

/// Runs the watcher until `shutdown` completes (or, with
/// [`WatchOptions::stop_when_idle`], until the folders stay empty).
pub async fn run(
    config: &Config,
    mut station: Station,
    options: WatchOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<WatchSummary, WatchError> {
    // A changed configuration is an audit event (its hash, and the file).
    station
        .store
        .record_config(&config.fingerprint(), config.source.as_deref())
        .map_err(IntakeError::from)?;
    let resumed = resume_pending(&mut station)?;
    if resumed > 0 {
        tracing::info!(anzahl = resumed, "nach Absturz abgeschlossene Dateien");
    }
    close_expired(&mut station, &config.profiles);
    let mut folders: Vec<Folder> = Vec::new();
    for profile in &config.profiles {
        let path = profile.hot_folder_path(&config.home);
        std::fs::create_dir_all(&path).map_err(|e| WatchError::Folder {
            path: path.clone(),
            message: e.to_string(),
        })?;
        tracing::info!(profil = %profile.name, ordner = %path.display(), modus = ?profile.hot_folder.watch, "Eingangsordner");
        folders.push(Folder {
            profile: profile.clone(),
            path,
            dirty: true,
            last_scan: None,
            reported: Default::default(),
        });
    }

    // File events only mark a folder for listing; the listing decides.
    let (event_tx, mut event_rx) = mpsc::channel::<usize>(256);
    let mut watchers = Vec::new();
    for (i, f) in folders.iter().enumerate() {
        if f.profile.hot_folder.watch != WatchMode::Inotify {
            continue;
        }
        let tx = event_tx.clone();
        let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            if res.is_ok() {
                let _ = tx.try_send(i);
            }
        })
        .map_err(|e| WatchError::Folder {
            path: f.path.clone(),
            message: e.to_string(),
        })?;
        let mode = if f.profile.hot_folder.recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        w.watch(&f.path, mode).map_err(|e| WatchError::Folder {
            path: f.path.clone(),
            message: e.to_string(),
        })?;
        watchers.push(w);
    }

    // Processing (preparation, OCR) runs in its own thread with its own
    // database connection; `progress` tells the watcher when it has caught up.
    let stop_processing = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(Progress::default());
    let processor = match options.ocr_workers {
        Some(n) => Some(spawn_processor(
            crate::pipeline::Processor::new(
                &config.home,
                &config.keys()?,
                config.profiles.clone(),
                n,
            )?
            .with_ocr(&config.ocr)?
            .with_classify(&config.classify)?,
            stop_processing.clone(),
            progress.clone(),
        )),
        None => None,
    };

    // The sync to the DMS, too: never in the way of intake or processing.
    let syncer = match &options.sync_as {
        // Its HTTP client runs a runtime of its own, which must not be made
        // (or dropped) where this async task would block.
        Some(user) => Some(crate::sync::spawn_worker(
            tokio::task::block_in_place(|| config.syncer(user))?,
            config.home.clone(),
            config.keys()?,
            stop_processing.clone(),
        )),
        None => None,
    };

    let (job_tx, job_rx) = mpsc::channel::<Job>(JOB_QUEUE);
    let (report_tx, mut report_rx) = mpsc::channel::<Report>(JOB_QUEUE * 2);
    let take_opts = TakeOptions {
        remove_original: true,
        quarantine_after: config.quarantine_after(),
        limits: config.intake.limits,
        office: config.intake.office.clone(),
    };
    let worker_profiles: Vec<Profile> = folders.iter().map(|f| f.profile.clone()).collect();
    let work = progress.clone();
    let worker = tokio::task::spawn_blocking(move || {
        intake_worker(
            station,
            worker_profiles,
            take_opts,
            job_rx,
            report_tx,
            move || {
                work.work.fetch_add(1, Ordering::SeqCst);
            },
        );
    });

    let mut summary = WatchSummary {
        resumed: resumed as u64,
        ..Default::default()
    };
    let mut candidates: HashMap<PathBuf, Candidate> = HashMap::new();
    let mut idle_since: Option<Instant> = None;
    let rescan = Duration::from_secs(config.intake.rescan_secs.max(1));
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    let mut last_window_check = Instant::now();

    loop {
        tokio::select! {
            _ = &mut shutdown => {
                tracing::info!("Beenden angefordert: die laufende Datei wird noch fertig eingelesen");
                break;
            }
            Some(i) = event_rx.recv() => {
                folders[i].dirty = true;
            }
            Some(report) = report_rx.recv() => {
                handle_report(report, &mut candidates, &mut summary);
            }
            _ = ticker.tick() => {
                let now = Instant::now();
                for (i, folder) in folders.iter_mut().enumerate() {
                    let has_waiting = candidates.values().any(|c| c.folder == i && c.state != CandidateState::InFlight);
                    let interval = match folder.profile.hot_folder.watch {
                        WatchMode::Poll => Duration::from_millis(folder.profile.hot_folder.poll_interval_ms),
                        WatchMode::Inotify if has_waiting => TICK,
                        WatchMode::Inotify => rescan,
                    };
                    let due = folder.last_scan.is_none_or(|t| now.duration_since(t) >= interval);
                    if folder.dirty || due {
                        folder.dirty = false;
                        folder.last_scan = Some(now);
                        for (path, oddity) in scan_folder(i, folder, &mut candidates, now) {
                            if job_tx.try_send(Job::SetAside { folder: i, path: path.clone(), oddity }).is_ok() {
                                folder.reported.insert(path);
                                summary.set_aside += 1;
                            }
                        }
                    }
                }
                for (path, c) in &mut candidates {
                    let ready = match c.state {
                        CandidateState::Waiting => now.duration_since(c.since) >= folders[c.folder].profile.settle(),
                        CandidateState::RetryAt(t) => now >= t,
                        CandidateState::InFlight => false,
                    };
                    if ready && std::fs::File::open(path).is_ok() {
                        match job_tx.try_send(Job::Take { folder: c.folder, path: path.clone() }) {
                            Ok(()) => c.state = CandidateState::InFlight,
                            Err(_) => break,
                        }
                    }
                }
                if now.duration_since(last_window_check) >= Duration::from_secs(1) {
                    last_window_check = now;
                    // Batches are closed by the worker, which owns the store.
                    let _ = job_tx.try_send(Job::CloseExpiredBatches);
                }
                if let Some(idle) = options.stop_when_idle {
                    if candidates.is_empty()
                        && (processor.is_none() || progress.caught_up())
                        && folders.iter().all(folder_is_empty)
                    {
                        let since = *idle_since.get_or_insert(now);
                        if now.duration_since(since) >= idle {
                            break;
                        }
                    } else {
                        idle_since = None;
                    }
                }
            }
        }
    }
    drop(job_tx);
    drop(watchers);
    // Drain the reports of the files still in hand.
    while let Some(report) = report_rx.recv().await {
        handle_report(report, &mut candidates, &mut summary);
    }
    worker
        .await
        .map_err(|e| WatchError::Worker(e.to_string()))?;
    stop_processing.store(true, Ordering::SeqCst);
    if let Some(p) = processor {
        let processed = tokio::task::spawn_blocking(move || p.join())
            .await
            .map_err(|e| WatchError::Worker(e.to_string()))?
            .map_err(|_| WatchError::Worker("Verarbeitungs-Thread abgestürzt".into()))?;
        summary.processed = processed;
    }
    if let Some(s) = syncer {
        summary.synced = tokio::task::spawn_blocking(move || s.join())
            .await
            .map_err(|e| WatchError::Worker(e.to_string()))?
            .map_err(|_| WatchError::Worker("Übertragungs-Thread abgestürzt".into()))?;
    }
    Ok(summary)
}

fn handle_report(
    report: Report,
    candidates: &mut HashMap<PathBuf, Candidate>,
    summary: &mut WatchSummary,
) {
    let name = report
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Logs (journal, files) never name files: a file name may be a
    // person's name. A short pseudonym lets staff follow one file.
    let pseudonym = format!(
        "Datei-{}",
        &crate::store::blob::Sha256Hex::of(name.as_bytes()).short()[..8]
    );
    let hide = |s: &str| {
        if name.is_empty() {
            s.to_owned()
        } else {
            s.replace(&name, &pseudonym)
        }
    };
    let retry = |candidates: &mut HashMap<PathBuf, Candidate>, delay: Duration| {
        if let Some(c) = candidates.get_mut(&report.path) {
            c.failures += 1;
            c.state = CandidateState::RetryAt(Instant::now() + delay);
        }
    };
    match report.result {
        Ok(Outcome::Ingested(i)) => {
            summary.files += 1;
            summary.pages += i.pages as u64;
            tracing::info!(datei = %pseudonym, quelle = i.source_id, seiten = i.pages, stapel = i.batch_id, "eingelesen");
            candidates.remove(&report.path);
        }
        Ok(Outcome::Resumed { source_id }) => {
            summary.resumed += 1;
            tracing::info!(datei = %pseudonym, quelle = source_id, "nach Absturz abgeschlossen");
            candidates.remove(&report.path);
        }
        Ok(Outcome::Duplicate { of, .. }) => {
            summary.duplicates += 1;
            tracing::warn!(datei = %pseudonym, wie_quelle = of.id, "Duplikat in Quarantäne");
            candidates.remove(&report.path);
        }
        Ok(Outcome::Quarantined { .. }) => {
            summary.quarantined += 1;
            candidates.remove(&report.path);
        }
        Ok(Outcome::Vanished) => {
            candidates.remove(&report.path);
        }
        Ok(Outcome::Retry { reason }) => {
            let reason = hide(&reason);
            tracing::debug!(datei = %pseudonym, grund = %reason, "noch nicht lesbar, später erneut");
            retry(candidates, Duration::from_secs(1));
        }
        Err(e) => {
            summary.errors += 1;
            let failures = candidates.get(&report.path).map_or(0, |c| c.failures);
            let delay = Duration::from_secs(1 << failures.min(6));
            let e = hide(&e.to_string());
            tracing::error!(datei = %pseudonym, fehler = %e, "Einlesen fehlgeschlagen, neuer Versuch in {} s", delay.as_secs());
            retry(candidates, delay);
        }
    }
}

/// Whether processing has caught up with intake.
#[derive(Debug)]
struct Progress {
    /// Files intake has taken so far.
    work: AtomicU64,
    /// The value of `work` when a processing pass started and found nothing to do.
    idle_at: AtomicU64,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            work: AtomicU64::new(0),
            idle_at: AtomicU64::new(u64::MAX),
        }
    }
}

impl Progress {
    fn caught_up(&self) -> bool {
        self.idle_at.load(Ordering::SeqCst) == self.work.load(Ordering::SeqCst)
    }
}

/// Runs the processing stages until `stop`, a pass every 300 ms.
fn spawn_processor(
    mut p: crate::pipeline::Processor,
    stop: Arc<AtomicBool>,
    progress: Arc<Progress>,
) -> std::thread::JoinHandle<crate::pipeline::ProcessSummary> {
    std::thread::Builder::new()
        .name("verarbeitung".into())
        .spawn(move || {
            let mut total = crate::pipeline::ProcessSummary::default();
            while !stop.load(Ordering::SeqCst) {
                // Read before the pass: a file taken during it counts as new work.
                let seen = progress.work.load(Ordering::SeqCst);
                match p.run_pending(&stop) {
                    Ok(s) if s == crate::pipeline::ProcessSummary::default() => {
                        progress.idle_at.store(seen, Ordering::SeqCst);
                    }
                    Ok(s) => {
                        if s.batches > 0 {
                            tracing::info!(stapel = s.batches, seiten = s.recognized, leer = s.blank, "erkannt");
                        }
                        if s.failed > 0 {
                            tracing::warn!(seiten = s.failed, "Seiten fehlgeschlagen und zurückgestellt; die übrigen laufen weiter");
                        }
                        total.prepared += s.prepared;
                        total.blank += s.blank;
                        total.recognized += s.recognized;
                        total.failed += s.failed;
                        total.batches += s.batches;
                    }
                    Err(e) => {
                        tracing::error!(fehler = %e, "Verarbeitung fehlgeschlagen, neuer Versuch in 5 s");
                        std::thread::sleep(Duration::from_secs(5));
                    }
                }
                std::thread::sleep(Duration::from_millis(300));
            }
            total
        })
        .expect("spawn processing thread")
}

fn intake_worker(
    mut station: Station,
    profiles: Vec<Profile>,
    opts: TakeOptions,
    mut jobs: mpsc::Receiver<Job>,
    reports: mpsc::Sender<Report>,
    on_ingest: impl Fn(),
) {
    while let Some(job) = jobs.blocking_recv() {
        let (folder, path) = match job {
            Job::Take { folder, path } => (folder, path),
            Job::CloseExpiredBatches => {
                close_expired(&mut station, &profiles);
                continue;
            }
            Job::SetAside {
                folder,
                path,
                oddity,
            } => {
                let (code, reason) = oddity.reason();
                if let Err(e) =
                    crate::intake::set_aside(&mut station, &profiles[folder], &path, code, reason)
                {
                    tracing::error!(fehler = %e, "Eintrag nicht vermerkt");
                }
                continue;
            }
        };
        let result = take_file(&mut station, &profiles[folder], &path, &opts);
        if matches!(result, Ok(Outcome::Ingested(_) | Outcome::Resumed { .. })) {
            on_ingest();
        }
        if reports.blocking_send(Report { path, result }).is_err() {
            break;
        }
    }
}

/// Closes the time-window batches whose window has passed.
fn close_expired(station: &mut Station, profiles: &[Profile]) {
    for p in profiles
        .iter()
        .filter(|p| p.batching.mode == BatchingMode::Window)
    {
        let window = Duration::from_secs(p.batching.window_secs);
        match station.store.close_expired_batches(&p.name, window) {
            Ok(ids) if !ids.is_empty() => tracing::info!(stapel = ?ids, "Stapel abgeschlossen"),
            Ok(_) => {}
            Err(e) => tracing::error!(fehler = %e, "Stapel abschließen fehlgeschlagen"),
        }
    }
}

/// Lists a folder and updates the candidates found in it; returns the odd
/// entries not reported yet.
fn scan_folder(
    index: usize,
    folder: &mut Folder,
    candidates: &mut HashMap<PathBuf, Candidate>,
    now: Instant,
) -> Vec<(PathBuf, Oddity)> {
    let Listing { files, odd } = folder.list();
    // An entry that went away is reported again should it come back.
    folder.reported.retain(|p| odd.iter().any(|(q, _)| q == p));
    let fresh: Vec<(PathBuf, Oddity)> = odd
        .into_iter()
        .filter(|(p, _)| !folder.reported.contains(p))
        .collect();
    let mut present = std::collections::HashSet::new();
    for (path, size, mtime) in files {
        present.insert(path.clone());
        match candidates.get_mut(&path) {
            Some(c) if c.state == CandidateState::InFlight => {}
            Some(c) => {
                if c.size != size || c.mtime != mtime {
                    c.size = size;
                    c.mtime = mtime;
                    c.since = now;
                    c.state = CandidateState::Waiting;
                }
            }
            None => {
                candidates.insert(
                    path,
                    Candidate {
                        folder: index,
                        size,
                        mtime,
                        since: now,
                        state: CandidateState::Waiting,
                        failures: 0,
                    },
                );
            }
        }
    }
    candidates.retain(|p, c| {
        c.folder != index || c.state == CandidateState::InFlight || present.contains(p)
    });
    fresh
}

fn list_files(dir: &Path, profile: &Profile, recursive: bool, out: &mut Listing) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if profile.ignores(&name) {
            continue;
        }
        // The entry itself, never what a link points to.
        let Ok(meta) = entry.metadata() else { continue };
        let kind = meta.file_type();
        if kind.is_symlink() {
            out.odd.push((entry.path(), Oddity::Link));
        } else if kind.is_dir() {
            if recursive {
                list_files(&entry.path(), profile, true, out);
            } else {
                out.odd.push((entry.path(), Oddity::Subfolder));
            }
        } else if !kind.is_file() {
            out.odd.push((entry.path(), Oddity::Special));
        } else if std::fs::File::open(entry.path())
            .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
        {
            out.odd.push((entry.path(), Oddity::Unreadable));
        } else {
            out.files
                .push((entry.path(), meta.len(), meta.modified().ok()));
        }
    }
}

fn folder_is_empty(folder: &Folder) -> bool {
    folder.list().files.is_empty()
}
