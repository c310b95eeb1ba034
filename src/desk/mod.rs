//! What the station's window shows, as plain data: the inbox (recent
//! batches with their progress through the stages, quarantine, throughput,
//! new events), one document with its case candidates and evidence, the
//! register search, a case's holdings, the outbox — and the few actions a
//! person takes (confirm, undo). No GUI types here: the window (`src/gui/`)
//! calls these on a background thread and only draws the results.

use crate::classify::casefind::Candidate;
use crate::classify::register::Person;
use crate::classify::{Classifier, ConfirmError};
use crate::ocr::Word;
use crate::protect::users::Session;
use crate::store::blob::{BlobStore, Sha256Hex};
use crate::store::{
    BatchRow, DecisionState, DocumentState, EventRow, OutboxRow, OutboxState, QuarantineRow, Store,
    StoreError, SyncStatus,
};
use std::path::{Path, PathBuf};

mod views;

pub use views::*;
use views::{batch_view, household};

/// What the quarantine can show of a file ([`Desk::quarantine_preview`]).
#[derive(Debug, Clone)]
pub struct QuarantinePreview {
    /// The file format, for people ("PDF").
    pub format: &'static str,
    /// How many pages could be read.
    pub pages: usize,
    /// The first page as a JPEG thumbnail.
    pub thumbnail: Vec<u8>,
    /// Whether that page came out empty (nothing of it arrived).
    pub blank: bool,
}

/// Errors of the window's data layer.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A blob could not be read or decoded.
    #[error("Bild {sha}: {detail}")]
    Blob {
        /// Short hash.
        sha: String,
        /// What failed.
        detail: String,
    },
    /// The classifier's configuration is invalid.
    #[error(transparent)]
    Classify(#[from] crate::classify::ClassifyError),
    /// A confirmation was refused.
    #[error(transparent)]
    Confirm(#[from] ConfirmError),
    /// No such document.
    #[error("Dokument {0} gibt es nicht")]
    NoDocument(i64),
    /// The signed-in person may not do this.
    #[error("{0}")]
    Denied(String),
    /// Refused, with the reason in words (it names what it concerns).
    #[error("{0}")]
    Refused(String),
    /// Its pages were deleted after the DMS confirmed it.
    #[error(
        "Dokument {0} ist im DMS abgelegt; die Station hat ihre Kopie nach der Aufbewahrungsfrist gelöscht"
    )]
    Purged(i64),
    /// Signing in or making the first account failed.
    #[error(transparent)]
    User(#[from] crate::protect::users::UserError),
    /// No desk scanner is set up or chosen.
    #[error(
        "Kein Arbeitsplatzscanner gewählt: bitte einen Scanner auswählen oder von der Administration einrichten lassen"
    )]
    NoScanner,
    /// The desk scan failed.
    #[error(transparent)]
    Scan(#[from] crate::intake::scan::ScanError),
    /// A dropped file could not be put into the hot folder.
    #[error("{path}: {detail}")]
    Drop {
        /// The file.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
}

/// Result of the desk.
pub type Result<T> = std::result::Result<T, DeskError>;

/// Key of the desk scanner this workplace chose ([`Desk::remember_scanner`]).
const SCANNER_KEY: &str = "scanner";

/// A desk scan into a case (see [`Desk::desk_scan`]).
#[derive(Debug, Clone)]
pub struct DeskScan {
    job: crate::intake::scan::ScanJob,
    profile: crate::intake::profile::Profile,
    home: PathBuf,
    case: String,
}

impl DeskScan {
    /// Scans (a cover sheet leads the pages into the hot folder, where the
    /// station takes them page by page); returns the pages scanned and
    /// tells `progress` of each as it arrives (the window's live count and
    /// the last page's thumbnail).
    pub fn run(&self, progress: &ScanProgress) -> Result<usize> {
        crate::intake::scan::scan_into(
            &self.job,
            &self.profile,
            &self.home,
            Some(&self.case),
            |_, path| progress.page_arrived(path),
        )
        .map(|pages| pages.len())
        .map_err(DeskError::from)
    }
}

/// A desk scan as it runs, shared with the window: pages so far and a
/// thumbnail of the last.
#[derive(Debug, Default)]
pub struct ScanProgress {
    pages: std::sync::atomic::AtomicUsize,
    last: std::sync::Mutex<Option<Thumbnail>>,
}

/// A small picture of a page, RGBA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGBA pixels, row by row.
    pub rgba: Vec<u8>,
}

/// Width of the scan's live thumbnail, in pixels.
const THUMB_WIDTH: u32 = 150;

impl ScanProgress {
    /// Pages delivered so far.
    pub fn pages(&self) -> usize {
        self.pages.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The last page delivered, small.
    pub fn last(&self) -> Option<Thumbnail> {
        self.last.lock().ok().and_then(|l| l.clone())
    }

    /// Counts a page that arrived at `path` and keeps its thumbnail (a page
    /// that cannot be shown keeps the one before: intake says why).
    pub fn page_arrived(&self, path: &Path) {
        if let Some(thumb) = std::fs::read(path).ok().and_then(|b| thumbnail(&b))
            && let Ok(mut last) = self.last.lock()
        {
            *last = Some(thumb);
        }
        self.pages
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A page file's first page, [`THUMB_WIDTH`] pixels wide.
fn thumbnail(file: &[u8]) -> Option<Thumbnail> {
    let page = crate::intake::decode::decode(file)
        .ok()?
        .pages
        .into_iter()
        .next()?;
    let grey = crate::prepare::imaging::load_gray(&page.bytes, page.encoding).ok()?;
    let small = image::DynamicImage::ImageLuma8(grey)
        .thumbnail(THUMB_WIDTH, THUMB_WIDTH * 2)
        .to_rgba8();
    Some(Thumbnail {
        width: small.width(),
        height: small.height(),
        rgba: small.into_raw(),
    })
}

/// What the window's station needs from the configuration (assembled
/// by `Config::desk_setup`).
#[derive(Debug, Clone)]
pub struct DeskSetup {
    /// The station home.
    pub home: PathBuf,
    /// The classifier's settings (rules, thresholds).
    pub classify: crate::classify::ClassifySettings,
    /// Where dropped files go (the first profile's hot folder).
    pub drop_folder: Option<PathBuf>,
    /// How much one file and its pages may take (`[intake.limits]`).
    pub limits: crate::intake::decode::Limits,
    /// The letter to the households (`[letter]`).
    pub letter: crate::protect::letter::LetterSettings,
    /// The paper originals (`[originals]`).
    pub originals: crate::protect::originals::OriginalsSettings,
    /// The DMS in words.
    pub dms: String,
    /// Quality control.
    pub qa: crate::protect::qa::QaSettings,
    /// The desk scan: its job (device empty when none is configured) and
    /// profile; none without that profile.
    pub scanner: Option<(
        crate::intake::scan::ScanJob,
        crate::intake::profile::Profile,
    )>,
}

/// The window's connection to the station: its own store connection, the
/// blobs and the classifier's rules.
pub struct Desk {
    store: Store,
    blobs: BlobStore,
    classifier: Classifier,
    home: PathBuf,
    drop_folder: Option<PathBuf>,
    limits: crate::intake::decode::Limits,
    letter: crate::protect::letter::LetterSettings,
    originals: crate::protect::originals::OriginalsSettings,
    /// The batches' profiles, read again only when the number of batches
    /// changed (the inbox reads several times a second).
    profiles: (u64, Vec<String>),
    /// The register as last read, with its stamp: read again only when an
    /// import or an erasure changed it (20,000 persons take 100 ms to read,
    /// and every document view and search needs them).
    register: std::cell::RefCell<Option<RegisterCopy>>,
    /// The store's [`Store::data_version`] when [`Desk::changed`] last looked.
    seen_version: std::cell::Cell<i64>,
    dms: String,
    qa: crate::protect::qa::QaSettings,
    /// Who is signed in at the window.
    session: Option<Session>,
    /// The desk scanner, if one is set up: the job and its profile.
    scanner: Option<(
        crate::intake::scan::ScanJob,
        crate::intake::profile::Profile,
    )>,
}

/// The register as the window last read it.
type RegisterCopy = (
    (Option<i64>, i64),
    std::sync::Arc<crate::classify::register::Register>,
);

/// Pages whose recognition times give the current rate.
const RATE_PAGES: usize = 30;

/// Messages the window lists (the newest).
const OUTBOX_SHOWN: usize = 200;

impl Desk {
    /// Opens the station at `setup.home` for the window with the
    /// station's `keys`: a connection of its own to the store, the blobs
    /// and the classifier's rules, beside the connection the running
    /// station holds (the station's lock stays with the watcher).
    pub fn open(setup: DeskSetup, keys: &crate::protect::crypto::Keys) -> Result<Self> {
        Ok(Self {
            blobs: BlobStore::open(setup.home.join("blobs"), keys).map_err(|e| {
                DeskError::Blob {
                    sha: String::new(),
                    detail: e.to_string(),
                }
            })?,
            store: Store::open(&setup.home.join("scanstelle.db"), keys)?,
            classifier: Classifier::new(&setup.classify)?,
            home: setup.home,
            drop_folder: setup.drop_folder,
            limits: setup.limits,
            letter: setup.letter,
            originals: setup.originals,
            profiles: (u64::MAX, Vec::new()),
            register: std::cell::RefCell::new(None),
            seen_version: std::cell::Cell::new(-1),
            dms: setup.dms,
            qa: setup.qa,
            session: None,
            scanner: setup.scanner,
        })
    }

    /// Whether the station (intake, processing, sync: the other
    /// connections) changed the store since the last call; cheap enough to
    /// ask several times a second.
    pub fn changed(&self) -> Result<bool> {
        let now = self.store.data_version()?;
        Ok(self.seen_version.replace(now) != now)
    }

    /// The documents of a batch, in order.
    pub fn documents_of_batch(&self, batch: i64) -> Result<Vec<i64>> {
        Ok(self
            .store
            .documents_of_batch(batch)?
            .into_iter()
            .map(|d| d.id)
            .collect())
    }

    /// Puts a file dropped onto the window into the hot folder of the first
    /// profile (under a temporary name, then renamed, as scanners do); the
    /// station takes it from there. Returns the file name.
    pub fn take_dropped(&self, path: &Path) -> Result<String> {
        let err = |detail: String| DeskError::Drop {
            path: path.to_owned(),
            detail,
        };
        let folder = self
            .drop_folder
            .as_ref()
            .ok_or_else(|| err("kein Scannerprofil mit Eingangsordner".into()))?;
        if !path.is_file() {
            return Err(err("keine Datei (Ordner werden nicht übernommen)".into()));
        }
        let name = path
            .file_name()
            .ok_or_else(|| err("kein Dateiname".into()))?
            .to_string_lossy()
            .into_owned();
        crate::fsutil::place_in_folder(folder, &name, |f| {
            std::io::copy(&mut std::fs::File::open(path)?, f).map(|_| ())
        })
        .map_err(|e| err(crate::fsutil::io_words(&e)))?;
        Ok(name)
    }

    /// The station home.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The type label of a slug (the slug itself if unknown).
    pub fn type_label(&self, slug: &str) -> String {
        self.classifier
            .rules()
            .label(slug)
            .unwrap_or(slug)
            .to_owned()
    }

    /// Every document type: slug and label.
    pub fn types(&self) -> Vec<(String, String)> {
        self.classifier
            .rules()
            .classes()
            .iter()
            .map(|c| (c.slug.clone(), c.label.clone()))
            .collect()
    }

    /// The inbox with the `batches` newest batches `filter` lists and the
    /// events after `after_event`.
    pub fn overview(
        &mut self,
        after_event: i64,
        batches: usize,
        filter: &crate::store::BatchFilter,
    ) -> Result<Overview> {
        // Decided batches get their quality-control sample right away.
        self.store.qa_prepare(&self.qa)?;
        let status = self.store.status()?;
        let recent = self.store.recent_recognitions(RATE_PAGES)?;
        let backlog = self.store.ocr_backlog()?;
        let rate = Throughput::of(&recent, time::OffsetDateTime::now_utc(), backlog);
        // Events first: a batch an event reports on is then at least as far
        // along in the rows read after them.
        let mut events = self.store.events_after(after_event, 200)?;
        // The log names quarantine entries by number; people want the file.
        for e in &mut events {
            if e.kind.starts_with("file.quarantined")
                && let Some(rest) = e.detail.strip_prefix("Quarantäne ")
                && let Some((id, reason)) = rest.split_once(": ")
                && let Ok(id) = id.parse::<i64>()
                && let Some(name) = self.store.quarantine_file_name(id)?
            {
                e.detail = format!("{name}: {reason}");
            }
        }
        let failed = self.store.failed_pages(None)?;
        let batch_count: u64 = status.batches.iter().map(|b| b.1).sum();
        if self.profiles.0 != batch_count {
            self.profiles = (batch_count, self.store.batch_profiles()?);
        }
        Ok(Overview {
            batches: self
                .store
                .recent_batches(batches, 6, filter)?
                .into_iter()
                .map(|b| batch_view(b, &failed))
                .collect(),
            quarantine: self.store.quarantine_entries()?,
            review: self.store.review_queue()?,
            throughput: rate,
            events,
            outbox: self.store.outbox_recent(OUTBOX_SHOWN)?,
            outbox_counts: self.store.outbox_counts()?,
            sync: self.store.sync_status()?,
            pages: status.pages.iter().map(|p| p.1).sum(),
            documents: status.documents.iter().map(|d| d.1).sum(),
            batch_count,
            qa: self.store.qa_batches()?,
            qa_enabled: self.qa.enabled,
            batch_matches: if filter.is_all() {
                batch_count
            } else {
                self.store.batches_matching(filter)?
            },
            filter: filter.clone(),
            profiles: self.profiles.1.clone(),
        })
    }

    /// The signed-in person, if their role allows `action`.
    fn allowed(&self, action: crate::protect::users::Action) -> Result<&Session> {
        let s = self
            .session
            .as_ref()
            .ok_or_else(|| DeskError::Denied("Niemand angemeldet".into()))?;
        s.require(action)
            .map_err(|e| DeskError::Denied(e.to_string()))
    }

    /// The signed-in person, if allowed to do quality control.
    fn checker(&self) -> Result<&Session> {
        self.allowed(crate::protect::users::Action::Qa)
    }

    /// Records the check of a sampled document (none: image and paper
    /// match; else the defect in words).
    pub fn qa_check(&self, document: i64, defect: Option<&str>) -> Result<()> {
        let by = self.checker()?.user.clone();
        Ok(self.store.qa_check(document, defect, &by)?)
    }

    /// Puts the failed pages of a batch back in line ("Erneut versuchen");
    /// the engine's next pass prepares and recognises them again.
    pub fn retry_failed(&mut self, batch: i64) -> Result<usize> {
        Ok(self.store.retry_failed_pages(Some(batch))?)
    }

    /// Releases a batch to the DMS (four-eyes rule as configured).
    pub fn qa_release(&self, batch: i64) -> Result<()> {
        let by = self.checker()?.user.clone();
        Ok(self.store.qa_release(batch, &by, self.qa.four_eyes)?)
    }

    /// Writes quarantine entry `id` decrypted into the folder `to`
    /// (administrators only; logged) and returns the file's path.
    pub fn export_quarantined(&self, id: i64, to: &Path) -> Result<PathBuf> {
        let s = self.allowed(crate::protect::users::Action::Administer)?;
        self.store.set_actor(Some(&s.user))?;
        let q = self.quarantine_entry(id)?;
        let dest =
            crate::intake::export_quarantined(&self.blobs, &q, to).map_err(DeskError::Refused)?;
        self.store
            .record_view("quarantine.exported", None, &format!("Eintrag {id}"))?;
        Ok(dest)
    }

    /// Puts the file of quarantine entry `id` back into its hot folder to be
    /// read again ("erneut einlesen"; logged) and returns where it lies.
    pub fn requeue_quarantined(&mut self, id: i64) -> Result<PathBuf> {
        let s = self.allowed(crate::protect::users::Action::Review)?;
        self.store.set_actor(Some(&s.user))?;
        let q = self.quarantine_entry(id)?;
        crate::intake::requeue_quarantined(
            &self.blobs,
            &mut self.store,
            &q,
            self.drop_folder.as_deref(),
            &self.limits,
        )
        .map_err(DeskError::Refused)
    }

    /// What can be shown of quarantine entry `id`'s file, for a person to
    /// see which paper it was: its first page as a thumbnail (decoded
    /// leniently: a cut-off scan shows what arrived) and how many pages
    /// were found. Refused in words when nothing can be shown.
    pub fn quarantine_preview(&self, id: i64) -> Result<QuarantinePreview> {
        let s = self.allowed(crate::protect::users::Action::Review)?;
        self.store.set_actor(Some(&s.user))?;
        let q = self.quarantine_entry(id)?;
        let nothing = |why: String| DeskError::Refused(format!("Keine Vorschau: {why}"));
        if crate::intake::SET_ASIDE_CODES.contains(&q.reason_code.as_str()) {
            return Err(nothing(
                "die Station öffnet Einträge im Eingangsordner nicht".into(),
            ));
        }
        let bytes = crate::intake::read_quarantined(&self.blobs, &q)
            .map_err(|e| nothing(crate::fsutil::io_words(&e)))?;
        let decoded = crate::intake::decode::decode_for_preview(&bytes, &self.limits)
            .map_err(|e| nothing(e.to_string()))?;
        let first = &decoded.pages[0];
        let page = crate::prepare::imaging::load_gray(&first.bytes, first.encoding)
            .map_err(|e| nothing(e.to_string()))?;
        self.store
            .record_view("quarantine.previewed", None, &format!("Eintrag {id}"))?;
        // Blank as the preparation counts it (ink below its threshold).
        let analysis = crate::prepare::imaging::analyse(&page, 300.0, &Default::default());
        Ok(QuarantinePreview {
            format: decoded.format.display_name(),
            pages: decoded.pages.len(),
            thumbnail: crate::prepare::imaging::thumbnail(&page),
            blank: analysis.blank,
        })
    }

    fn quarantine_entry(&self, id: i64) -> Result<QuarantineRow> {
        self.store
            .quarantine_entries()?
            .into_iter()
            .find(|q| q.id == id)
            .ok_or_else(|| DeskError::Denied(format!("Kein Quarantäne-Eintrag {id}")))
    }

    /// Where the DMS is, in words.
    pub fn dms(&self) -> &str {
        &self.dms
    }

    /// Try the DMS again now (drops waiting times, wakes the sync).
    pub fn sync_now(&mut self) -> Result<()> {
        Ok(self.store.sync_retry_now()?)
    }

    /// The id of the newest event.
    pub fn last_event(&self) -> Result<i64> {
        Ok(self.store.last_event_id()?)
    }

    /// Signs a person in with name and password (logged, throttled); from
    /// then on every view, confirmation and edit is logged with the name.
    pub fn sign_in(&mut self, name: &str, password: &str) -> Result<Session> {
        let s = crate::protect::users::sign_in(&self.store, name, password)?;
        self.begin(&s)?;
        Ok(s)
    }

    /// The person works at the station from now on: the log names them
    /// and batches scanned meanwhile are theirs.
    fn begin(&mut self, s: &Session) -> Result<()> {
        self.set_actor(&s.user)?;
        self.store.set_operator(Some(&s.user))?;
        self.session = Some(s.clone());
        Ok(())
    }

    /// Signs in the account mapped to the operating-system user, if any.
    pub fn sign_in_os(&mut self) -> Result<Option<Session>> {
        let s = crate::protect::users::sign_in_os(&self.store, &crate::protect::users::os_user())?;
        if let Some(s) = &s {
            self.begin(s)?;
        }
        Ok(s)
    }

    /// Makes the first account, an admin, from the window's first start
    /// (with the one-time token if a headless start left one) and signs
    /// it in.
    pub fn create_first_admin(
        &mut self,
        name: &str,
        password: &str,
        token: Option<&str>,
    ) -> Result<Session> {
        crate::protect::users::check_first_start_token(&self.home, token)?;
        crate::protect::users::add_user(
            &self.store,
            None,
            name,
            crate::protect::users::Role::Admin,
            password,
        )?;
        let _ = std::fs::remove_file(crate::protect::users::token_path(&self.home));
        self.sign_in(name, password)
    }

    /// The desk scanner's device, if one is set up (`[scanner] device`).
    pub fn scanner(&self) -> Option<&str> {
        self.scanner
            .as_ref()
            .map(|(job, _)| job.device.as_str())
            .filter(|d| !d.is_empty())
    }

    /// The desk scanner this workplace chose last in the window, if any.
    pub fn remembered_scanner(&self) -> Option<String> {
        self.store.workplace_value(SCANNER_KEY).ok().flatten()
    }

    /// Remembers the desk scanner chosen in the window for this workplace.
    pub fn remember_scanner(&self, device: &str) -> Result<()> {
        Ok(self.store.set_workplace_value(SCANNER_KEY, device)?)
    }

    /// Writes the letter to household `bg` (all its documents) as PDF/A
    /// into the folder `to` (made if missing) and returns the file
    /// (administrators; logged).
    pub fn write_letter(&self, bg: &str, to: &Path) -> Result<PathBuf> {
        let s = self.allowed(crate::protect::users::Action::Administer)?;
        self.store.set_actor(Some(&s.user))?;
        let refused = |e: crate::protect::letter::LetterError| DeskError::Refused(e.to_string());
        let letter = crate::protect::letter::gather(
            &self.store,
            self.classifier.rules(),
            &self.originals,
            bg,
            crate::protect::letter::Period::default(),
        )
        .map_err(refused)?;
        let today = crate::protect::letter::today();
        let pdf =
            crate::protect::letter::letter_pdf(&letter, &self.letter, &today).map_err(refused)?;
        let path = crate::intake::place_letter(to, bg, &pdf).map_err(|e| {
            DeskError::Refused(format!("{}: {}", to.display(), crate::fsutil::io_words(&e)))
        })?;
        self.store.record_view(
            "subject.letter",
            None,
            &format!("Brief an {bg}: {} Dokument(e)", letter.documents.len()),
        )?;
        Ok(path)
    }

    /// Whether a desk scan can run here (its profile exists), so the
    /// window offers the scanners SANE finds.
    pub fn can_scan(&self) -> bool {
        self.scanner.is_some()
    }

    /// The station's own SANE configuration (network scanners fixed by
    /// address), for looking for scanners without holding the desk.
    pub fn sane_config(&self) -> Option<PathBuf> {
        self.scanner.as_ref().and_then(|(job, _)| job.sane.clone())
    }

    /// A desk scan into `case` with `device` (none: the configured one) for
    /// the signed-in person, ready to run without the desk (the window keeps
    /// reading the store meanwhile, so the pages show up as the station
    /// takes them).
    pub fn desk_scan(&self, case: &str, device: Option<&str>) -> Result<DeskScan> {
        self.allowed(crate::protect::users::Action::Review)?;
        let (mut job, profile) = self.scanner.clone().ok_or(DeskError::NoScanner)?;
        if let Some(d) = device {
            d.clone_into(&mut job.device);
        }
        if job.device.is_empty() {
            return Err(DeskError::NoScanner);
        }
        Ok(DeskScan {
            job,
            profile,
            home: self.home.clone(),
            case: case.to_owned(),
        })
    }

    /// Whether a headless first start left a one-time token to present.
    pub fn needs_first_start_token(&self) -> bool {
        crate::protect::users::token_path(&self.home).exists()
    }

    /// Whether any account exists yet.
    pub fn has_accounts(&self) -> bool {
        crate::protect::users::has_accounts(&self.store).unwrap_or(true)
    }

    /// Records that the person left (signed out, or the window locked
    /// itself after idle time); nothing is logged under their name after.
    pub fn sign_out(&mut self, why: &str) -> Result<()> {
        self.store.record_view(why, None, "")?;
        self.session = None;
        if why == "logout" {
            self.store.set_operator(None)?;
        }
        Ok(self.store.set_actor(None)?)
    }

    /// Names the person at the window: every view, confirmation and edit
    /// is logged with the name.
    pub fn set_actor(&self, actor: &str) -> Result<()> {
        Ok(self.store.set_actor(Some(actor))?)
    }

    /// One document for the review or document screen (the view is
    /// logged).
    pub fn document(&self, id: i64) -> Result<DocumentView> {
        let d = self
            .store
            .document_detail(id)?
            .ok_or(DeskError::NoDocument(id))?;
        if self.store.batch_state(d.batch_id)? == Some(crate::store::BatchState::Purged) {
            return Err(DeskError::Purged(id));
        }
        self.store.record_view("document.viewed", Some(id), "")?;
        let decision: serde_json::Value = d
            .decision
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default();
        let strings = |v: &serde_json::Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        };
        let register = self.register()?;
        let doubts: Vec<crate::classify::casefind::Evidence> =
            serde_json::from_value(decision["case_doubts"].clone()).unwrap_or_default();
        let candidates: Vec<Candidate> =
            serde_json::from_value(decision["case_candidates"].clone()).unwrap_or_default();
        let candidates = candidates
            .into_iter()
            .map(|c| CandidateView {
                household: household(register.case(&c.bg)),
                candidate: c,
            })
            .collect();
        let types = decision["type_candidates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let slug = t[0].as_str()?;
                Some((slug.to_owned(), self.type_label(slug), t[1].as_f64()?))
            })
            .collect();
        let mut warnings: Vec<Words> = d.flags.split(',').filter_map(Words::of_flag).collect();
        let pages: Vec<PageView> = d
            .pages
            .into_iter()
            .map(|p| PageView {
                page_id: p.page_id,
                sha: p.sha,
                encoding: p.encoding,
                thumb: p.thumb,
                words: crate::ocr::decode_words(&p.words),
                flags: p.flags.split(',').filter_map(Words::of_flag).collect(),
            })
            .collect();
        for (i, p) in pages.iter().enumerate() {
            warnings.extend(p.flags.iter().map(|f| f.on_page(i + 1)));
        }
        let type_uncertain = !self.classifier.type_certain(
            d.doc_type.as_deref().unwrap_or_default(),
            d.type_confidence.unwrap_or(0.0),
        );
        Ok(DocumentView {
            id: d.id,
            batch_id: d.batch_id,
            file_name: d.file_name.unwrap_or_default(),
            state: d.state,
            case: d.case_bg,
            case_status: d.case_status.unwrap_or_else(|| "none".into()),
            case_confidence: d.case_confidence.unwrap_or(0.0),
            doc_type: d.doc_type,
            type_confidence: d.type_confidence.unwrap_or(0.0),
            type_uncertain,
            reasons: d
                .dms_error
                .iter()
                .map(|e| format!("vom DMS abgelehnt: {e}"))
                .chain(strings(&decision["reasons"]))
                .collect(),
            candidates,
            doubts,
            types,
            type_phrases: strings(&decision["type_phrases"]),
            warnings,
            pages,
            corrections: self.store.corrections_of(id)?,
        })
    }

    /// The paper originals due today: to send back, or to destroy.
    pub fn originals_due(&self) -> Result<Vec<crate::protect::originals::Original>> {
        self.allowed(crate::protect::users::Action::Review)?;
        crate::protect::originals::due(
            &self.store,
            self.classifier.rules(),
            &self.originals,
            crate::protect::originals::today(),
        )
        .map_err(|e| DeskError::Refused(e.to_string()))
    }

    /// A person confirms that a document's original went back (`returned`)
    /// or its paper was destroyed (`qs` or `admin` only).
    pub fn confirm_paper(&mut self, document: i64, returned: bool) -> Result<()> {
        let s = self.allowed(if returned {
            crate::protect::users::Action::Review
        } else {
            crate::protect::users::Action::Qa
        })?;
        self.store.set_actor(Some(&s.user))?;
        crate::protect::originals::confirm(
            &mut self.store,
            self.classifier.rules(),
            &self.originals,
            document,
            returned,
            crate::protect::originals::today(),
        )
        .map_err(|e| DeskError::Refused(e.to_string()))
    }

    /// Writes the return slip of a batch into the folder `to`.
    pub fn write_slip(&self, batch: i64, to: &Path) -> Result<PathBuf> {
        let s = self.allowed(crate::protect::users::Action::Review)?;
        self.store.set_actor(Some(&s.user))?;
        let refused =
            |e: crate::protect::originals::OriginalsError| DeskError::Refused(e.to_string());
        let plan = crate::protect::originals::plan(
            &self.store,
            self.classifier.rules(),
            &self.originals,
            Some(batch),
        )
        .map_err(refused)?;
        let pdf =
            crate::protect::originals::return_slip(&self.store, &plan, &self.letter.office, batch)
                .map_err(refused)?;
        let path =
            crate::fsutil::place_in_folder(to, &format!("rueckgabe-stapel-{batch}.pdf"), |f| {
                std::io::Write::write_all(f, &pdf)
            })
            .map_err(|e| {
                DeskError::Refused(format!("{}: {}", to.display(), crate::fsutil::io_words(&e)))
            })?;
        self.store.record_view(
            "paper.slip",
            None,
            &format!("Rückgabeschein des Stapels {batch}"),
        )?;
        Ok(path)
    }

    /// A person at the window corrects a document the DMS filed already
    /// (`qs` or `admin`); the sync is woken to send it. Returns the
    /// correction's number.
    pub fn correct_filed(
        &mut self,
        document: i64,
        request: &crate::classify::CorrectionRequest<'_>,
        reason: &str,
    ) -> Result<i64> {
        let s = self.allowed(crate::protect::users::Action::Qa)?;
        self.store.set_actor(Some(&s.user))?;
        let n = crate::classify::correct_filed(
            &mut self.store,
            self.classifier.rules(),
            document,
            request,
            reason,
        )
        .map_err(|e| DeskError::Refused(e.to_string()))?;
        self.store.sync_retry_now()?;
        Ok(n)
    }

    /// The current register, read from the store only when it changed.
    fn register(&self) -> Result<std::sync::Arc<crate::classify::register::Register>> {
        let stamp = self.store.register_stamp()?;
        let mut copy = self.register.borrow_mut();
        if let Some((seen, register)) = copy.as_ref()
            && *seen == stamp
        {
            return Ok(register.clone());
        }
        let register = std::sync::Arc::new(self.store.register()?);
        *copy = Some((stamp, register.clone()));
        Ok(register)
    }

    /// Searches the register by BG-Nummer, Kundennummer, name or address.
    pub fn find_cases(&self, query: &str, limit: usize) -> Result<Vec<CaseHit>> {
        let register = self.register()?;
        Ok(register
            .find(query, limit)
            .into_iter()
            .map(|(score, p)| CaseHit {
                score,
                person: p.clone(),
            })
            .collect())
    }

    /// What the station holds for a case (the view is logged).
    pub fn case_file(&self, bg: &str) -> Result<CaseFile> {
        self.store
            .record_view("case.viewed", None, &format!("Akte {bg}"))?;
        let register = self.register()?;
        let documents = self
            .store
            .documents_of_case(bg)?
            .into_iter()
            .map(|(id, state, ty)| {
                (
                    id,
                    DocumentState::parse(&state),
                    ty.map(|t| self.type_label(&t)).unwrap_or_default(),
                )
            })
            .collect();
        Ok(CaseFile {
            bg: bg.to_owned(),
            persons: register.case(bg).cloned().collect(),
            documents,
        })
    }

    /// A person confirms a document (with another case or type if given):
    /// it is released and teaches the type model. Returns what undoes it.
    pub fn confirm(&mut self, id: i64, case: Option<&str>, doc_type: Option<&str>) -> Result<Undo> {
        let prior = self
            .store
            .decision_state(id)?
            .ok_or(DeskError::NoDocument(id))?;
        crate::classify::confirm(&mut self.store, self.classifier.rules(), id, case, doc_type)?;
        Ok(Undo {
            document_id: id,
            prior,
        })
    }

    /// Edits document boundaries (split, merge, remove, restore, move a
    /// page); the documents go back to be decided again.
    pub fn edit(&mut self, edit: &crate::store::Edit) -> Result<crate::store::Edited> {
        let crate::store::Edit::RotatePage {
            document,
            position,
            clockwise,
        } = *edit
        else {
            return Ok(self.store.edit_documents(edit)?);
        };
        // Turning a page: the turned image is made here (lossless: a
        // bilevel page stays bilevel), the store records it.
        let page = self.store.page_to_turn(document, position)?;
        let img = self.load(&page.sha, &page.encoding)?;
        let turned = crate::prepare::imaging::rotate_quarter(&img, clockwise);
        let png = crate::prepare::imaging::page_png(
            &turned,
            page.dpi.unwrap_or(300.0) as f32,
            crate::prepare::imaging::is_bilevel(&img),
        );
        let put = |b: &[u8]| {
            self.blobs.put(b).map_err(|e| DeskError::Blob {
                sha: page.sha.short().to_owned(),
                detail: e.to_string(),
            })
        };
        let after = put(&png)?;
        let thumb = put(&crate::prepare::imaging::thumbnail(&turned))?;
        Ok(self.store.turn_page(
            edit,
            &crate::store::Turned {
                page_id: page.page_id,
                clockwise,
                before: page.sha.clone(),
                after,
                thumb,
            },
        )?)
    }

    /// Takes a confirmation back.
    pub fn undo(&mut self, undo: &Undo) -> Result<()> {
        let features = crate::classify::document_features(&self.store, undo.document_id)?;
        self.store
            .restore_decision(undo.document_id, &undo.prior, &features)?;
        Ok(())
    }

    /// A page image for display, box-reduced by an integer factor until
    /// its longer side is at most `max_side` pixels.
    pub fn page_image(&self, sha: &Sha256Hex, encoding: &str, max_side: u32) -> Result<GrayImage> {
        let img = self.load(sha, encoding)?;
        let factor = img
            .width()
            .max(img.height())
            .div_ceil(max_side.max(1))
            .max(1);
        let small = crate::prepare::imaging::downsample(&img, factor);
        Ok(GrayImage {
            width: small.width(),
            height: small.height(),
            reduced_by: factor,
            pixels: small.into_raw(),
        })
    }

    /// A page blob decoded to grey (`encoding` as stored).
    fn load(&self, sha: &Sha256Hex, encoding: &str) -> Result<image::GrayImage> {
        let err = |detail: String| DeskError::Blob {
            sha: sha.short().to_owned(),
            detail,
        };
        let bytes = self.blobs.get(sha).map_err(|e| err(e.to_string()))?;
        crate::prepare::imaging::load_gray(
            &bytes,
            crate::intake::decode::PageEncoding::from_stored(encoding),
        )
        .map_err(|e| err(e.to_string()))
    }

    /// A thumbnail (JPEG in the store) as pixels.
    pub fn thumbnail(&self, sha: &Sha256Hex) -> Result<GrayImage> {
        self.page_image(sha, "jpeg", u32::MAX)
    }
}
