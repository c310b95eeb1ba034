//! The pipeline: the order of the stages, and the processing stages after
//! intake (page preparation, OCR, classification).
//!
//! [`STAGES`] lists every stage of the station in order with the batch state
//! it consumes and the one it produces; each stage lives in the folder of
//! its name, and a batch moves only along this list (the store refuses any
//! other transition, `store::state`).
//!
//! The store says what is left to do, so every run resumes where the last
//! one stopped, after a crash too: a batch in state `ingested` has its
//! `ingested` pages prepared (thumbnail, blank-page and quality analysis;
//! one transaction per page) on one thread per core, and a prepared page
//! goes on at once to a pool of OCR threads (one Tesseract engine each) if
//! an engine can take it, else it waits as `prepared`; the batch is
//! separated into documents and becomes `prepared`. Prepared pages are
//! recognised next, and a batch whose last page is read becomes
//! `recognized` with one PDF/A per document. Preparation comes first
//! whenever a page waits for it: recognition looks for new pages between
//! the pages it hands out, so a file that arrives while a backlog is read
//! has its thumbnails within moments, not after the backlog. A page that
//! preparation or OCR fails on (its image cannot be opened, the engine
//! fails, a bug panics) is set aside as `failed` with its reason in words:
//! it stays in its document, which waits in review, and every other page
//! goes on; "Erneut versuchen" puts it back in line. Blank pages are kept
//! but skip OCR. Each document of a `recognized` batch then gets its case
//! and type (one transaction each) and the batch becomes `classified`.
//! Pages of many batches are worked on together, so single-page files keep
//! every core busy.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use image::GrayImage;

use crate::classify::{Classifier, ClassifySettings};
use crate::intake::decode::PageEncoding;
use crate::intake::profile::Profile;
use crate::ocr::{OcrEngine, OcrError, OcrPage, OcrSettings, UprightPage};
use crate::prepare::imaging::{self, PrepSettings};
use crate::prepare::separation::{self, SplitRule};
use crate::store::blob::{BlobStore, Sha256Hex};
mod ocr_pool;
mod pdfs;
mod prepare;
mod recognize;

pub use ocr_pool::OcrPool;
use ocr_pool::{OcrJob, pool_gone};
use prepare::load_page;
pub use recognize::OWN_TEXT_ENGINE;
use recognize::record_ocr_result;

use crate::store::{
    BatchState, DocumentState, NewDecision, NewOcr, NewPrep, PageState, PendingPage, Store,
    StoreError,
};

/// One stage of the station: where it lives, what it does, and the batch
/// state it takes and leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// The module (and folder) of the stage.
    pub module: &'static str,
    /// What the stage does, in a few words.
    pub does: &'static str,
    /// The batch state the stage works on.
    pub consumes: BatchState,
    /// The batch state it leaves behind.
    pub produces: BatchState,
}

/// Every stage, in the order a batch goes through them.
pub const STAGES: &[Stage] = &[
    Stage {
        module: "intake",
        does: "Dateien aus Eingangsordnern und Arbeitsplatzscans einlesen, Seiten decodieren",
        consumes: BatchState::Open,
        produces: BatchState::Ingested,
    },
    Stage {
        module: "prepare",
        does: "Seiten gerade richten, Leer- und Trennblätter erkennen, Dokumente trennen",
        consumes: BatchState::Ingested,
        produces: BatchState::Prepared,
    },
    Stage {
        module: "ocr",
        does: "Text jeder Seite erkennen, PDF/A je Dokument",
        consumes: BatchState::Prepared,
        produces: BatchState::Recognized,
    },
    Stage {
        module: "classify",
        does: "Akte und Dokumenttyp jedes Dokuments bestimmen",
        consumes: BatchState::Recognized,
        produces: BatchState::Classified,
    },
    Stage {
        module: "sync",
        does: "als xdomea-Nachricht (package) an das DMS übertragen, Quittung abwarten",
        consumes: BatchState::Classified,
        produces: BatchState::Transferred,
    },
    Stage {
        module: "sync",
        does: "lokale Kopien nach der Aufbewahrungsfrist löschen",
        consumes: BatchState::Transferred,
        produces: BatchState::Purged,
    },
];

/// Errors that stop processing (a single bad page does not: it is set aside
/// as `failed` with its reason, see `Store::fail_page`).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The OCR engine could not be started.
    #[error(transparent)]
    Ocr(#[from] OcrError),
    /// The classifier could not be set up.
    #[error(transparent)]
    Classify(#[from] crate::classify::ClassifyError),
    /// A page blob could not be read.
    #[error("Seitenbild {sha} nicht lesbar: {detail}")]
    Blob {
        /// Its digest.
        sha: String,
        /// What went wrong.
        detail: String,
    },
}

/// Counts of one processing pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessSummary {
    /// Pages prepared (including blank ones).
    pub prepared: u64,
    /// Pages found blank.
    pub blank: u64,
    /// Separator and cover sheets found.
    pub separators: u64,
    /// Pages recognised.
    pub recognized: u64,
    /// Batches that reached `recognized`.
    pub batches: u64,
    /// Documents attached and typed without a person.
    pub classified: u64,
    /// Documents sent to the review queue.
    pub review: u64,
    /// Pages set aside because preparation or OCR failed on them.
    pub failed: u64,
}

/// Why one page could not be worked on.
enum PageFault {
    /// The page itself: it is set aside with this reason, the others go on.
    Page(String),
    /// The station (a blob could not be written, the store failed): the
    /// pass stops and is tried again.
    Station(ProcessError),
}

impl From<ProcessError> for PageFault {
    fn from(e: ProcessError) -> Self {
        PageFault::Station(e)
    }
}

/// Runs `work` on one page, turning a panic into a fault of that page (a
/// bug met by one odd page must not take the others down).
fn guarded<T>(what: &str, work: impl FnOnce() -> Result<T, PageFault>) -> Result<T, PageFault> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(einzelheiten = %detail, "interner Fehler: {what}");
        Err(PageFault::Page(format!(
            "interner Fehler bei der {what} (bitte melden; die Seite kann erneut versucht werden)"
        )))
    })
}

/// Runs the stages after intake on one station home.
pub struct Processor {
    store: Store,
    blobs: BlobStore,
    profiles: Vec<Profile>,
    pool: OcrPool,
    classifier: Classifier,
    /// Pages with the OCR engines now, and their batches.
    in_flight: std::collections::HashMap<i64, i64>,
}

impl std::fmt::Debug for Processor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor")
            .field("pool", &self.pool)
            .finish()
    }
}

impl Processor {
    /// Opens its own connection to the station's database (intake keeps writing
    /// through another) and starts the OCR pool.
    pub fn new(
        home: &Path,
        keys: &crate::protect::crypto::Keys,
        profiles: Vec<Profile>,
        ocr_workers: usize,
    ) -> Result<Self, ProcessError> {
        let store = Store::open(&home.join("scanstelle.db"), keys)?;
        let blobs = BlobStore::open(home.join("blobs"), keys).map_err(|e| ProcessError::Blob {
            sha: String::new(),
            detail: e.to_string(),
        })?;
        let pool = OcrPool::new(ocr_workers, &OcrSettings::default())?;
        Ok(Self {
            store,
            blobs,
            profiles,
            pool,
            classifier: Classifier::new(&ClassifySettings::default())?,
            in_flight: std::collections::HashMap::new(),
        })
    }

    /// Reads with these OCR settings instead of the defaults (the engines
    /// are started anew when they differ).
    pub fn with_ocr(mut self, settings: &OcrSettings) -> Result<Self, ProcessError> {
        if *settings != OcrSettings::default() {
            let workers = self.pool.workers();
            drop(std::mem::replace(
                &mut self.pool,
                OcrPool::new(workers, settings)?,
            ));
        }
        Ok(self)
    }

    /// Uses these classification settings instead of the defaults.
    pub fn with_classify(mut self, settings: &ClassifySettings) -> Result<Self, ProcessError> {
        self.classifier = Classifier::new(settings)?;
        Ok(self)
    }

    /// The processor's store connection (for reports and tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn profile_of(&self, batch_id: i64) -> Result<Option<&Profile>, ProcessError> {
        let name: Option<String> = self.store.batch_profile(batch_id)?;
        Ok(name.and_then(|n| self.profiles.iter().find(|p| p.name == n)))
    }

    /// Does everything that is waiting, stopping early (between pages) when
    /// `stop` is set. Returns what it did.
    ///
    /// Preparation goes first whenever a page waits for it: recognition
    /// hands it the cores back between pages, so a new file's thumbnails
    /// do not wait for the OCR of the pages before it.
    pub fn run_pending(&mut self, stop: &AtomicBool) -> Result<ProcessSummary, ProcessError> {
        let mut summary = ProcessSummary::default();
        let mut first = true;
        loop {
            let before = summary.prepared + summary.failed;
            self.prepare_waiting(stop, &mut summary)?;
            if stop.load(Ordering::Relaxed) {
                break;
            }
            // Yield again only after preparation got on: a page it cannot
            // take must not make the two spin.
            let yield_to_new = first || summary.prepared + summary.failed > before;
            first = false;
            if !self.recognize(stop, yield_to_new, &mut summary)? {
                break;
            }
        }
        self.collect_in_flight(stop, &mut summary)?;
        if !stop.load(Ordering::Relaxed) {
            let decided = self.classify_pending()?;
            summary.classified = decided.classified;
            summary.review = decided.review;
        }
        Ok(summary)
    }

    /// Decides case and type of every document of the recognised batches
    /// (against the current register) and moves the batches on.
    pub(crate) fn classify_pending(&mut self) -> Result<ProcessSummary, ProcessError> {
        let mut summary = ProcessSummary::default();
        let batches = self.store.batches_in_state(BatchState::Recognized)?;
        if batches.is_empty() {
            return Ok(summary);
        }
        // Documents a person edited have lost their PDF: written anew first.
        let edited = self.store.documents_without_pdf()?;
        self.build_pdfs(&edited)?;
        let register = self.store.register()?;
        let model = self.store.type_model()?;
        for batch in batches {
            for doc in self.store.documents_of_batch(batch)? {
                if doc.state != DocumentState::Open {
                    continue;
                }
                let stored = self.store.document_pages(doc.id)?;
                let pages: Vec<Vec<crate::ocr::Word>> = stored
                    .iter()
                    .map(|p| crate::ocr::decode_words(&p.words))
                    .collect();
                let mut verdict = self.classifier.classify(
                    &register,
                    Some(&model),
                    doc.case_bg.as_deref(),
                    doc.doc_type.as_deref(),
                    &pages,
                );
                // A document with a page that failed is never filed without
                // a person: that page is not in it yet.
                for (i, p) in stored.iter().enumerate() {
                    if let Some(why) = &p.failure {
                        verdict.case.status = crate::classify::casefind::CaseStatus::Review;
                        verdict
                            .case
                            .reasons
                            .push(format!("Seite {} fehlgeschlagen: {why}", i + 1));
                    }
                    // Nor one whose text the deadline cut short.
                    if p.cut_off {
                        verdict.case.status = crate::classify::casefind::CaseStatus::Review;
                        verdict.case.reasons.push(format!(
                            "Texterkennung nach Zeitlimit abgebrochen (Seite {}): Seite ansehen, ihr Text ist unvollständig",
                            i + 1
                        ));
                    }
                }
                let state = self.store.record_decision(&NewDecision {
                    document_id: doc.id,
                    case: &verdict.case,
                    doc_type: &verdict.doc_type,
                    type_certain: verdict.type_certain,
                })?;
                if state == DocumentState::Classified {
                    summary.classified += 1;
                } else {
                    summary.review += 1;
                }
            }
            self.store
                .advance_batch(batch, BatchState::Recognized, BatchState::Classified)?;
        }
        Ok(summary)
    }
}

#[cfg(test)]
mod stage_tests;
