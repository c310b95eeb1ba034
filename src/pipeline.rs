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
//! one transaction per page) on one thread per core, and each prepared page
//! goes on at once, through a bounded channel, to a pool of OCR threads
//! (one Tesseract engine each); the batch is separated into documents and
//! becomes `prepared`. Whatever `prepared` pages are left (after a crash)
//! are recognised next, and the batch becomes `recognized` with one PDF/A
//! per document. A page that preparation or OCR fails on (its image cannot
//! be opened, the engine fails, a bug panics) is set aside as `failed` with
//! its reason in words: it stays in its document, which waits in review,
//! and every other page goes on; "Erneut versuchen" puts it back in line. Blank pages are kept but skip OCR. Each
//! document of a `recognized` batch then gets its case and type (one
//! transaction each) and the batch becomes `classified`. Pages of many
//! batches are worked on together, so single-page files keep every core busy.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use image::GrayImage;

use crate::classify::{Classifier, ClassifySettings};
use crate::intake::decode::PageEncoding;
use crate::intake::profile::Profile;
use crate::ocr::{OcrEngine, OcrError, OcrPage, UprightPage};
use crate::prepare::imaging::{self, PrepSettings};
use crate::prepare::separation::{self, SplitRule};
use crate::store::blob::{BlobStore, Sha256Hex};
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
/// as `failed` with its reason, see [`Store::fail_page`]).
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
        tracing::error!(detail = %detail, "interner Fehler: {what}");
        Err(PageFault::Page(format!(
            "interner Fehler bei der {what} (bitte melden; die Seite kann erneut versucht werden)"
        )))
    })
}

struct OcrJob {
    page_id: i64,
    image: GrayImage,
    dpi: u32,
}

/// A pool of OCR threads, each with its own Tesseract engine.
pub struct OcrPool {
    jobs: Option<mpsc::SyncSender<OcrJob>>,
    results: mpsc::Receiver<(i64, Result<UprightPage, OcrError>)>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for OcrPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcrPool")
            .field("threads", &self.threads.len())
            .finish()
    }
}

impl OcrPool {
    /// Starts `workers` engines for `languages` (fails if one cannot start).
    pub fn new(workers: usize, languages: &str) -> Result<Self, OcrError> {
        let workers = workers.max(1);
        let (job_tx, job_rx) = mpsc::sync_channel::<OcrJob>(workers);
        let job_rx = std::sync::Arc::new(std::sync::Mutex::new(job_rx));
        let (res_tx, res_rx) = mpsc::channel();
        let mut threads = Vec::new();
        for i in 0..workers {
            let mut engine = OcrEngine::new(languages)?;
            let languages = languages.to_owned();
            let job_rx = job_rx.clone();
            let res_tx = res_tx.clone();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("ocr-{i}"))
                    .spawn(move || {
                        loop {
                            let job = match job_rx.lock() {
                                Ok(rx) => rx.recv(),
                                Err(_) => break,
                            };
                            let Ok(job) = job else { break };
                            let result =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    engine.recognize_upright(&job.image, job.dpi)
                                }));
                            let result = match result {
                                Ok(r) => r,
                                Err(_) => {
                                    // The engine may be broken now: a new one reads on.
                                    tracing::error!(
                                        seite = job.page_id,
                                        "interner Fehler in der Texterkennung"
                                    );
                                    match OcrEngine::new(&languages) {
                                        Ok(fresh) => engine = fresh,
                                        Err(_) => break,
                                    }
                                    Err(OcrError::Recognize(
                                        "interner Fehler in der Texterkennung (bitte melden)"
                                            .into(),
                                    ))
                                }
                            };
                            if res_tx.send((job.page_id, result)).is_err() {
                                break;
                            }
                        }
                    })
                    .expect("spawn OCR thread"),
            );
        }
        Ok(Self {
            jobs: Some(job_tx),
            results: res_rx,
            threads,
        })
    }

    /// Number of engines.
    pub fn workers(&self) -> usize {
        self.threads.len()
    }

    /// Recognises a set of pages `(image, dpi)` and returns the number of
    /// words found on each, in order (for benchmarks and checks).
    pub fn recognize_all(&self, pages: Vec<(GrayImage, u32)>) -> Vec<usize> {
        let n = pages.len();
        let jobs = self.jobs.clone().expect("pool running");
        let feeder = std::thread::spawn(move || {
            for (i, (image, dpi)) in pages.into_iter().enumerate() {
                if jobs
                    .send(OcrJob {
                        page_id: i as i64,
                        image,
                        dpi,
                    })
                    .is_err()
                {
                    break;
                }
            }
        });
        let mut words = vec![0; n];
        for _ in 0..n {
            match self.results.recv() {
                Ok((i, Ok(page))) => words[i as usize] = page.ocr.words.len(),
                Ok((_, Err(_))) => {}
                Err(_) => break,
            }
        }
        let _ = feeder.join();
        words
    }
}

impl Drop for OcrPool {
    fn drop(&mut self) {
        self.jobs.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// What the profile asks preparation to do.
#[derive(Debug, Clone)]
struct PrepOptions {
    settings: PrepSettings,
    detect_blank: bool,
    ocr: bool,
    barcodes: bool,
    deskew: bool,
    orientation: bool,
}

impl PrepOptions {
    fn of(profile: Option<&Profile>) -> Self {
        let on = |f: fn(&Profile) -> bool| profile.is_none_or(f);
        Self {
            settings: match profile {
                Some(p) => PrepSettings {
                    min_dpi: p.scan.dpi as f32,
                    blank_ink_threshold: p.steps.blank_ink_threshold,
                    ..PrepSettings::default()
                },
                None => PrepSettings::default(),
            },
            detect_blank: on(|p| p.steps.blank_pages),
            ocr: on(|p| p.steps.ocr),
            barcodes: on(|p| p.steps.barcodes),
            deskew: on(|p| p.steps.deskew),
            orientation: on(|p| p.steps.orientation),
        }
    }
}

/// The result of preparing one page, blobs already stored.
struct PagePrep {
    page_id: i64,
    page_sha: Sha256Hex,
    thumb_sha: Sha256Hex,
    prepared_sha: Option<Sha256Hex>,
    analysis: imaging::Analysis,
    codes: Vec<separation::Barcode>,
    skew: Option<f32>,
    rotation: u16,
    params: String,
    denoised: bool,
    /// The page as OCR should see it, unless it skips OCR (blank, barcode
    /// sheets, profile without OCR).
    ocr_image: Option<GrayImage>,
    dpi: u32,
}

/// Loads a page image from the blob store; what fails is the page's fault.
fn load_page(blobs: &BlobStore, page: &PendingPage) -> Result<GrayImage, PageFault> {
    let bytes = blobs.get(&page.sha).map_err(|e| {
        tracing::error!(seite = page.page_id, fehler = %e, "Seitenbild nicht lesbar");
        PageFault::Page(
            if e.kind() == std::io::ErrorKind::NotFound {
                "Das gespeicherte Seitenbild fehlt in der Ablage der Station (nicht lesbar). \
                 Die Datei erneut scannen oder einlesen."
            } else {
                "Das gespeicherte Seitenbild ist beschädigt (nicht lesbar). \
                 Die Datei erneut scannen oder einlesen."
            }
            .into(),
        )
    })?;
    imaging::load_gray(&bytes, PageEncoding::from_stored(&page.encoding)).map_err(|e| {
        tracing::error!(seite = page.page_id, fehler = %e, "Seitenbild nicht decodierbar");
        PageFault::Page(format!(
            "Das Seitenbild lässt sich nicht öffnen: {}. Die Seite erneut scannen.",
            crate::intake::decode::image_error_words(&e)
        ))
    })
}

/// Prepares one page (no database access, so it runs on any thread):
/// analysis, barcodes, straightening and turning, thumbnail.
fn prepare_page(
    blobs: &BlobStore,
    page: &PendingPage,
    opts: &PrepOptions,
) -> Result<PagePrep, PageFault> {
    let put = |bytes: &[u8]| {
        blobs.put(bytes).map_err(|e| ProcessError::Blob {
            sha: page.sha.short().to_owned(),
            detail: e.to_string(),
        })
    };
    let img = load_page(blobs, page)?;
    let dpi = page.dpi.unwrap_or(300.0) as f32;
    let settings = &opts.settings;
    let mut analysis = imaging::analyse(&img, dpi, settings);
    let (small, small_dpi) = imaging::layout_copy(&img, dpi);
    let codes = if opts.barcodes && !analysis.blank {
        separation::read_barcodes_reduced(&small, small_dpi)
    } else {
        Vec::new()
    };
    // Never blank: a sheet with a barcode (separator or cover sheet), a
    // born-digital page with text of its own, or any page of a profile
    // without blank-page detection.
    if !codes.is_empty()
        || !opts.detect_blank
        || page
            .source_text
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty())
    {
        analysis.blank = false;
    }
    // Straighten and turn the page upright; the raw page stays as it was.
    let (rotation, skew, prepared_img) = if analysis.blank || !codes.is_empty() {
        (0, None, None)
    } else {
        let (img2, quarter, skew) =
            imaging::upright_from(&img, &small, small_dpi, opts.orientation, opts.deskew);
        let changed = quarter != 0
            || skew.is_some_and(|a| {
                a.abs() >= imaging::MIN_DESKEW_DEG && a.abs() < imaging::MAX_DESKEW_DEG - 0.05
            });
        (quarter, skew, changed.then_some(img2))
    };
    if skew.is_some_and(|a| a.abs() >= imaging::MAX_DESKEW_DEG - 0.05) {
        analysis.flags.push(imaging::QualityFlag::TooSkewed);
    }
    // Grainy grey pages (cheap colour scans, fax copies) are smoothed: OCR
    // finds nothing on some of them otherwise.
    let bilevel = imaging::is_bilevel(&img);
    let denoised = !bilevel
        && !analysis.blank
        && codes.is_empty()
        && imaging::noise_level(&img) > imaging::NOISY;
    let prepared_img = if denoised {
        Some(imaging::median3(prepared_img.as_ref().unwrap_or(&img)))
    } else if bilevel {
        // A bilevel scan stays bilevel (stored, OCRed and put into the PDF
        // as such): the grey edges from straightening go.
        prepared_img.map(|mut p| {
            imaging::threshold(&mut p);
            p
        })
    } else {
        prepared_img
    };
    let prepared_sha = match &prepared_img {
        // A bilevel scan stays bilevel (and goes into the PDF as G4).
        Some(p) => Some(put(&imaging::page_png(p, dpi, bilevel))?),
        None => None,
    };
    let thumb_sha = put(&imaging::thumbnail(prepared_img.as_ref().unwrap_or(&small)))?;
    // What OCR gets is what it would load from the store: the prepared page
    // or the raw one.
    let ocr_image =
        (opts.ocr && !analysis.blank && codes.is_empty()).then(|| prepared_img.unwrap_or(img));
    let params = format!(
        "blank_ink_threshold={} margin_mm={} min_dpi={} ink={:.5}",
        settings.blank_ink_threshold, settings.margin_mm, settings.min_dpi, analysis.ink
    );
    Ok(PagePrep {
        page_id: page.page_id,
        page_sha: page.sha.clone(),
        thumb_sha,
        prepared_sha,
        analysis,
        codes,
        skew,
        rotation,
        params,
        denoised,
        ocr_image,
        dpi: dpi.round() as u32,
    })
}

/// The error when the OCR threads are gone (a channel to them closed).
fn pool_gone<T>(_: T) -> OcrError {
    OcrError::Recognize("OCR-Threads beendet".into())
}

/// Records one OCR result; a page the engine failed on is set aside
/// (`failed`, with the reason), the others go on.
fn record_ocr_result(
    store: &mut Store,
    blobs: &BlobStore,
    summary: &mut ProcessSummary,
    result: (i64, Result<UprightPage, OcrError>),
) -> Result<(), ProcessError> {
    match result {
        (page_id, Ok(UprightPage { ocr, turned })) => {
            // A page that was read only after turning is stored turned, so
            // that its image, thumbnail and PDF agree with its text.
            let turned = match turned {
                Some((clockwise, image)) => {
                    let put = |bytes: &[u8]| {
                        blobs.put(bytes).map_err(|e| ProcessError::Blob {
                            sha: format!("Seite {page_id}"),
                            detail: e.to_string(),
                        })
                    };
                    let dpi = store.page_dpi(page_id)?.unwrap_or(300.0) as f32;
                    let bilevel = imaging::is_bilevel(&image);
                    Some(crate::store::OcrTurn {
                        clockwise,
                        after: put(&imaging::page_png(&image, dpi, bilevel))?,
                        thumb: put(&imaging::thumbnail(&image))?,
                    })
                }
                None => None,
            };
            store.record_ocr(&NewOcr {
                page_id,
                ocr: &ocr,
                turned: turned.as_ref(),
            })?;
            summary.recognized += 1;
        }
        (page_id, Err(e)) => {
            tracing::error!(seite = page_id, fehler = %e, "Texterkennung fehlgeschlagen");
            store.fail_page(
                page_id,
                PageState::Prepared,
                &format!("Die Texterkennung ist an dieser Seite gescheitert: {e}"),
            )?;
            summary.failed += 1;
        }
    }
    Ok(())
}

/// Pages prepared together before their batches are separated.
const PREP_CHUNK: usize = 32;

/// How the profile splits a stack into documents.
fn split_rule(profile: Option<&Profile>) -> SplitRule {
    let Some(p) = profile else {
        return SplitRule::default();
    };
    SplitRule {
        asn: p.steps.asn_split,
        every: p.steps.split_every,
        // Checked when the profile was loaded.
        ..SplitRule::from_separation(&p.steps.separation).unwrap_or_default()
    }
}

/// Runs the stages after intake on one station home.
pub struct Processor {
    store: Store,
    blobs: BlobStore,
    profiles: Vec<Profile>,
    pool: OcrPool,
    classifier: Classifier,
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
        let pool = OcrPool::new(ocr_workers, crate::ocr::DEFAULT_LANGUAGES)?;
        Ok(Self {
            store,
            blobs,
            profiles,
            pool,
            classifier: Classifier::new(&ClassifySettings::default())?,
        })
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
    pub fn run_pending(&mut self, stop: &AtomicBool) -> Result<ProcessSummary, ProcessError> {
        let mut summary = self.prepare_pending(stop)?;
        let ocr = self.recognize_pending(stop)?;
        debug_assert_eq!(ocr.prepared, 0);
        summary.recognized += ocr.recognized;
        summary.batches = ocr.batches;
        if !stop.load(Ordering::Relaxed) {
            let decided = self.classify_pending()?;
            summary.classified = decided.classified;
            summary.review = decided.review;
        }
        Ok(summary)
    }

    /// Decides case and type of every document of the recognised batches
    /// (against the current register) and moves the batches on.
    pub fn classify_pending(&mut self) -> Result<ProcessSummary, ProcessError> {
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

    /// Prepares every waiting page and recognises it as soon as it is
    /// prepared (first stage; batches are finished by
    /// [`Processor::recognize_pending`]). Pages of several
    /// batches are worked on together (a desk scanner sends one page per
    /// file), a few dozen at a time; a batch is separated into documents as
    /// soon as all its pages are prepared.
    pub fn prepare_pending(&mut self, stop: &AtomicBool) -> Result<ProcessSummary, ProcessError> {
        let mut summary = ProcessSummary::default();
        let mut batches = self.store.batches_in_state(BatchState::Ingested)?;
        // Pages put back in line after failing ("Erneut versuchen") are
        // prepared like new ones; their batch is separated already.
        let again = self.store.batches_to_prepare_again()?;
        batches.extend(&again);
        let mut chunk: Vec<(i64, usize, PendingPage)> = Vec::new();
        let mut chunk_batches = Vec::new();
        let mut options = Vec::new();
        for (k, &batch) in batches.iter().enumerate() {
            let profile = self.profile_of(batch)?.cloned();
            options.push((
                PrepOptions::of(profile.as_ref()),
                split_rule(profile.as_ref()),
            ));
            for page in self.store.pages_in_state(batch, PageState::Ingested)? {
                chunk.push((batch, k, page));
            }
            chunk_batches.push((batch, k));
            if chunk.len() >= PREP_CHUNK || k + 1 == batches.len() {
                self.prepare_pages(&chunk, &options, stop, &mut summary)?;
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                for (batch, k) in chunk_batches.drain(..) {
                    if !again.contains(&batch) {
                        self.separate(batch, options[k].1, &mut summary)?;
                    }
                }
                chunk.clear();
            }
        }
        Ok(summary)
    }

    /// Prepares pages on one thread per OCR engine (the cores); this
    /// thread records each result in its own transaction.
    fn prepare_pages(
        &mut self,
        pages: &[(i64, usize, PendingPage)],
        options: &[(PrepOptions, SplitRule)],
        stop: &AtomicBool,
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        let workers = self.pool.workers().min(pages.len()).max(1);
        let next = AtomicUsize::new(0);
        let (blobs, store, pool) = (&self.blobs, &mut self.store, &self.pool);
        std::thread::scope(|scope| -> Result<(), ProcessError> {
            let (tx, rx) = mpsc::sync_channel(workers);
            for _ in 0..workers {
                let (tx, next) = (tx.clone(), &next);
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let Some((_, k, page)) = pages.get(next.fetch_add(1, Ordering::Relaxed))
                        else {
                            break;
                        };
                        let prep =
                            guarded("Aufbereitung", || prepare_page(blobs, page, &options[*k].0));
                        if tx.send((page.page_id, prep)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            // Prepared pages go straight on to the OCR engines (no waiting
            // for the rest of the chunk); their results are recorded between
            // preparation results and at the end.
            let jobs = pool.jobs.clone().expect("pool running");
            let mut in_flight = 0usize;
            for (page_id, prep) in rx {
                while let Ok(result) = pool.results.try_recv() {
                    in_flight -= 1;
                    record_ocr_result(store, blobs, summary, result)?;
                }
                let mut prep = match prep {
                    Ok(prep) => prep,
                    Err(PageFault::Page(why)) => {
                        store.fail_page(page_id, PageState::Ingested, &why)?;
                        summary.failed += 1;
                        continue;
                    }
                    Err(PageFault::Station(e)) => return Err(e),
                };
                let state = store.record_prep(&NewPrep {
                    page_id: prep.page_id,
                    page_sha: &prep.page_sha,
                    thumb_sha: &prep.thumb_sha,
                    analysis: &prep.analysis,
                    params: prep.params,
                    barcodes: &prep.codes,
                    skew: prep.skew,
                    rotation: prep.rotation,
                    prepared: prep.prepared_sha.as_ref(),
                    denoised: prep.denoised,
                })?;
                summary.prepared += 1;
                if state == PageState::Blank {
                    summary.blank += 1;
                }
                if state == PageState::Prepared
                    && let Some(image) = prep.ocr_image.take()
                {
                    jobs.send(OcrJob {
                        page_id: prep.page_id,
                        image,
                        dpi: prep.dpi,
                    })
                    .map_err(pool_gone)?;
                    in_flight += 1;
                }
            }
            for _ in 0..in_flight {
                let result = pool.results.recv().map_err(pool_gone)?;
                record_ocr_result(store, blobs, summary, result)?;
            }
            Ok(())
        })
    }

    /// Splits a batch whose pages are all prepared into documents.
    fn separate(
        &mut self,
        batch: i64,
        rule: SplitRule,
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        if !self
            .store
            .pages_in_state(batch, PageState::Ingested)?
            .is_empty()
        {
            return Ok(());
        }
        let plan = separation::plan(&self.store.plan_pages(batch)?, rule);
        self.store.apply_plan(batch, &plan)?;
        summary.separators += plan.separators.len() as u64;
        Ok(())
    }

    /// Recognises every prepared page (second stage only), keeping every
    /// engine busy across batches; a batch gets its PDFs and moves on as
    /// soon as its last page is recognised.
    pub fn recognize_pending(&mut self, stop: &AtomicBool) -> Result<ProcessSummary, ProcessError> {
        let mut summary = ProcessSummary::default();
        let mut recognized = Vec::new();
        let mut queue = std::collections::VecDeque::new();
        let mut open: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
        for batch in self.store.batches_in_state(BatchState::Prepared)? {
            let ocr_enabled = self.profile_of(batch)?.is_none_or(|p| p.steps.ocr);
            let pages = self.store.pages_in_state(batch, PageState::Prepared)?;
            open.insert(batch, pages.len());
            if pages.is_empty() {
                recognized.push(batch);
            }
            queue.extend(pages.into_iter().map(|p| (batch, ocr_enabled, p)));
        }
        // Batches recognised during preparation are finished together.
        self.finish_batches(&recognized, &mut summary)?;
        let jobs = self.pool.jobs.clone().expect("pool running");
        let mut in_flight: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
        let mut stopped = false;
        loop {
            // Keep every engine busy, and at most one page per engine waiting.
            while !stopped && in_flight.len() < 2 * self.pool.workers() {
                let Some((batch, ocr_enabled, page)) = queue.pop_front() else {
                    break;
                };
                if stop.load(Ordering::Relaxed) {
                    stopped = true;
                    break;
                }
                if !ocr_enabled {
                    let empty = OcrPage {
                        text: String::new(),
                        words: Vec::new(),
                        mean_conf: 0.0,
                        languages: String::new(),
                        engine: "keine Texterkennung (Profil)".into(),
                    };
                    self.store.record_ocr(&NewOcr {
                        page_id: page.page_id,
                        ocr: &empty,
                        turned: None,
                    })?;
                    self.page_done(batch, &mut open, &mut summary)?;
                    continue;
                }
                let image = match load_page(&self.blobs, &page) {
                    Ok(image) => image,
                    Err(PageFault::Page(why)) => {
                        self.store
                            .fail_page(page.page_id, PageState::Prepared, &why)?;
                        summary.failed += 1;
                        self.page_done(batch, &mut open, &mut summary)?;
                        continue;
                    }
                    Err(PageFault::Station(e)) => return Err(e),
                };
                let dpi = page.dpi.unwrap_or(300.0).round() as u32;
                jobs.send(OcrJob {
                    page_id: page.page_id,
                    image,
                    dpi,
                })
                .map_err(pool_gone)?;
                in_flight.insert(page.page_id, batch);
            }
            if in_flight.is_empty() {
                break;
            }
            let (page_id, result) = self.pool.results.recv().map_err(pool_gone)?;
            let batch = in_flight.remove(&page_id).unwrap_or_default();
            record_ocr_result(
                &mut self.store,
                &self.blobs,
                &mut summary,
                (page_id, result),
            )?;
            if !stopped {
                self.page_done(batch, &mut open, &mut summary)?;
            }
        }
        Ok(summary)
    }

    /// Counts a page of `batch` as done and finishes the batch after its last.
    fn page_done(
        &mut self,
        batch: i64,
        open: &mut std::collections::HashMap<i64, usize>,
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        if let Some(left) = open.get_mut(&batch) {
            *left -= 1;
            if *left == 0 {
                self.finish_batches(&[batch], summary)?;
            }
        }
        Ok(())
    }

    /// Writes the PDFs of recognised batches and moves them on; a batch with
    /// a page still to prepare or recognise stays (a failed page does not
    /// hold it: its document waits in review). The PDFs are built on all
    /// cores, a few documents at a time.
    fn finish_batches(
        &mut self,
        batches: &[i64],
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        let mut done = Vec::new();
        let mut documents = Vec::new();
        for &batch in batches {
            if !self
                .store
                .pages_in_state(batch, PageState::Prepared)?
                .is_empty()
                || !self
                    .store
                    .pages_in_state(batch, PageState::Ingested)?
                    .is_empty()
            {
                continue;
            }
            done.push(batch);
            // Documents with a PDF keep it (a batch back here after a page
            // was turned by hand has only that page's document without one).
            for d in self.store.documents_of_batch(batch)? {
                if !d.pages.is_empty() && self.store.document_pdf(d.id)?.is_none() {
                    documents.push(d.id);
                }
            }
        }
        // One PDF/A-2b per document; written before the batch moves on, so a
        // crash in between writes it again (same content, same blob).
        self.build_pdfs(&documents)?;
        for batch in done {
            self.store
                .advance_batch(batch, BatchState::Prepared, BatchState::Recognized)?;
            summary.batches += 1;
        }
        Ok(())
    }

    /// Writes the PDFs of documents and records them, on all cores, a few
    /// documents at a time. A page whose image cannot be put into its PDF
    /// is set aside as failed (its document then waits for a person) and
    /// the document is written without it; the other documents go on.
    fn build_pdfs(&mut self, documents: &[i64]) -> Result<(), ProcessError> {
        let workers = self.pool.workers().max(1);
        // Documents that lost a page here, written again without it: each
        // round fails at least one more page, so this ends.
        let mut again = Vec::new();
        for chunk in documents.chunks(2 * workers) {
            let mut inputs = Vec::with_capacity(chunk.len());
            for &id in chunk {
                match self.pdf_input(id)? {
                    Ok(pages) => inputs.push((id, pages)),
                    Err(fault) => {
                        self.fail_pdf_page(fault)?;
                        again.push(id);
                    }
                }
            }
            // A document whose every page failed gets its PDF once one is read.
            inputs.retain(|(_, pages)| !pages.is_empty());
            let next = AtomicUsize::new(0);
            let blobs = &self.blobs;
            let built: Vec<(i64, Result<Sha256Hex, PdfFault>)> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers.min(inputs.len()))
                    .map(|_| {
                        scope.spawn(|| {
                            let mut out = Vec::new();
                            while let Some((id, pages)) =
                                inputs.get(next.fetch_add(1, Ordering::Relaxed))
                            {
                                out.push((*id, build_pdf(blobs, *id, pages)));
                            }
                            out
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("PDF thread"))
                    .collect()
            });
            for (id, result) in built {
                match result {
                    Ok(sha) => self.store.set_document_pdf(id, &sha)?,
                    Err(PdfFault::Station(e)) => return Err(e),
                    Err(fault) => {
                        self.fail_pdf_page(fault)?;
                        again.push(id);
                    }
                }
            }
        }
        if again.is_empty() {
            Ok(())
        } else {
            self.build_pdfs(&again)
        }
    }

    /// Sets a page aside whose image could not go into its document's PDF.
    fn fail_pdf_page(&mut self, fault: PdfFault) -> Result<(), ProcessError> {
        match fault {
            PdfFault::Page { page_id, reason } => {
                tracing::warn!(seite = page_id, grund = %reason, "Seite nicht ins PDF übernehmbar");
                self.store.fail_page(
                    page_id,
                    PageState::Recognized,
                    &format!("nicht ins PDF übernehmbar: {reason}"),
                )?;
                Ok(())
            }
            PdfFault::Station(e) => Err(e),
        }
    }

    /// What the PDF of a document is made of: its prepared pages (as
    /// stored) with their OCR words. A page whose stored image cannot be
    /// read is the inner error.
    fn pdf_input(&self, document_id: i64) -> Result<Result<Vec<PdfInput>, PdfFault>, ProcessError> {
        let pages = self.store.document_pages(document_id)?;
        let mut loaded = Vec::with_capacity(pages.len());
        // A failed page has no image to show; it waits to be tried again.
        for p in pages.iter().filter(|p| p.failure.is_none()) {
            let fault = |detail: String| {
                if p.state == PageState::Recognized {
                    PdfFault::Page {
                        page_id: p.page_id,
                        reason: format!("gespeichertes Bild nicht lesbar: {detail}"),
                    }
                } else {
                    PdfFault::Station(ProcessError::Blob {
                        sha: p.sha.short().to_owned(),
                        detail,
                    })
                }
            };
            let bytes = match self.blobs.get(&p.sha) {
                Ok(b) => b,
                Err(e) => return Ok(Err(fault(e.to_string()))),
            };
            let encoding = PageEncoding::from_stored(&p.encoding);
            let (width, height) = match image_size(&bytes, encoding) {
                Ok(size) => size,
                Err(e) => return Ok(Err(fault(e))),
            };
            loaded.push(PdfInput {
                page_id: p.page_id,
                state: p.state,
                bytes,
                encoding,
                width,
                height,
                dpi: p.dpi.unwrap_or(300.0) as f32,
                words: crate::ocr::decode_words(&p.words),
            });
        }
        Ok(Ok(loaded))
    }
}

/// Why a document's PDF was not written: one page's image (set aside, the
/// rest goes on) or the station itself (the pass stops).
enum PdfFault {
    Page { page_id: i64, reason: String },
    Station(ProcessError),
}

/// One page of a document's PDF, loaded from the store.
struct PdfInput {
    page_id: i64,
    state: PageState,
    bytes: Vec<u8>,
    encoding: PageEncoding,
    width: u32,
    height: u32,
    dpi: f32,
    words: Vec<crate::ocr::Word>,
}

/// Writes the PDF/A-2b of a document into the blob store (no database
/// access, so it runs on any thread).
fn build_pdf(
    blobs: &BlobStore,
    document_id: i64,
    pages: &[PdfInput],
) -> Result<Sha256Hex, PdfFault> {
    let pdf_pages: Vec<crate::package::pdfa::PdfPage<'_>> = pages
        .iter()
        .map(|p| crate::package::pdfa::PdfPage {
            image: &p.bytes,
            encoding: p.encoding,
            width: p.width,
            height: p.height,
            dpi: p.dpi,
            words: &p.words,
        })
        .collect();
    let station = |detail: String| {
        PdfFault::Station(ProcessError::Blob {
            sha: String::new(),
            detail,
        })
    };
    let pdf = crate::package::pdfa::document_pdf(
        &pdf_pages,
        &format!("Scanstelle Dokument {document_id}"),
    )
    .map_err(|e| match e.page.and_then(|n| pages.get(n - 1)) {
        Some(p) if p.state == PageState::Recognized => PdfFault::Page {
            page_id: p.page_id,
            reason: e.detail,
        },
        _ => station(e.to_string()),
    })?;
    blobs.put(&pdf).map_err(|e| station(e.to_string()))
}

/// Width and height of an encoded page image.
fn image_size(bytes: &[u8], encoding: PageEncoding) -> Result<(u32, u32), String> {
    let format = match encoding {
        PageEncoding::Png => image::ImageFormat::Png,
        PageEncoding::Jpeg => image::ImageFormat::Jpeg,
    };
    image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod stage_tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// Folders whose files are modules of their own for the circle check
    /// (the others — `ocr`, `store`, `sync` — are one module each).
    const SPLIT: &[&str] = &["intake", "prepare", "classify", "package", "protect"];

    /// Dependencies that still close a circle, to be taken out (issue 16);
    /// the list may only shrink.
    const KNOWN_CIRCLE_EDGES: &[(&str, &str)] = &[
        // The outbox stores message types of the packaging stage.
        ("store", "package::xdomea"),
    ];

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// The module a path inside the crate belongs to for the check.
    fn unit(src: &Path, parts: &[&str]) -> String {
        match parts {
            [folder, sub, ..]
                if SPLIT.contains(folder)
                    && *sub != "mod"
                    && (src.join(folder).join(format!("{sub}.rs")).is_file()
                        || src.join(folder).join(sub).is_dir()) =>
            {
                format!("{folder}::{sub}")
            }
            [first, ..] => (*first).to_owned(),
            [] => String::new(),
        }
    }

    /// Module → modules it names through `crate::…` (comments left out).
    fn engine_dependencies() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in files {
            let rel = f.strip_prefix(&src).unwrap().with_extension("");
            let parts: Vec<&str> = rel.iter().map(|c| c.to_str().unwrap()).collect();
            // The window and the command line sit on top of the engine.
            if matches!(parts[0], "main" | "lib" | "gui" | "cli") {
                continue;
            }
            let from = unit(&src, &parts);
            let entry = deps.entry(from.clone()).or_default();
            for line in std::fs::read_to_string(&f).unwrap().lines() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for (i, _) in line.match_indices("crate::") {
                    let path: Vec<&str> = line[i + 7..]
                        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                        .next()
                        .unwrap_or("")
                        .split("::")
                        .filter(|p| !p.is_empty())
                        .collect();
                    let to = unit(&src, &path);
                    let family = |a: &str, b: &str| a.split("::").next() == Some(b);
                    if !to.is_empty() && to != from && !family(&to, &from) && !family(&from, &to) {
                        entry.insert(to);
                    }
                }
            }
        }
        deps
    }

    #[test]
    fn only_the_store_runs_sql() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let outside: Vec<String> = files
            .iter()
            .filter(|f| !f.starts_with(src.join("store")) && !f.ends_with("gui/tests.rs"))
            .filter(|f| {
                std::fs::read_to_string(f).unwrap().lines().any(|l| {
                    !l.trim_start().starts_with("//") && l.contains(concat!("rus", "qlite"))
                })
            })
            .map(|f| f.display().to_string())
            .collect();
        assert!(outside.is_empty(), "SQL outside src/store: {outside:?}");
    }

    /// Whether `to` can be reached from `from`.
    fn reaches(deps: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut next = vec![from];
        while let Some(at) = next.pop() {
            if at == to {
                return true;
            }
            if seen.insert(at) {
                next.extend(deps.get(at).into_iter().flatten().map(String::as_str));
            }
        }
        false
    }

    #[test]
    fn the_engine_modules_form_no_new_circle() {
        let all = engine_dependencies();
        let mut deps = all.clone();
        for (from, to) in KNOWN_CIRCLE_EDGES {
            assert!(
                deps.get_mut(*from).is_some_and(|d| d.remove(*to)) && reaches(&all, to, from),
                "{from} → {to} is gone or closes no circle any more: take it off KNOWN_CIRCLE_EDGES"
            );
        }
        // Depth-first search for a path back to where it started.
        fn visit<'a>(
            deps: &'a BTreeMap<String, BTreeSet<String>>,
            at: &'a str,
            path: &mut Vec<&'a str>,
            done: &mut BTreeSet<&'a str>,
        ) -> Option<Vec<String>> {
            if let Some(i) = path.iter().position(|p| *p == at) {
                return Some(
                    path[i..]
                        .iter()
                        .map(|s| (*s).to_owned())
                        .chain([at.to_owned()])
                        .collect(),
                );
            }
            if !done.insert(at) {
                return None;
            }
            path.push(at);
            for next in deps.get(at).into_iter().flatten() {
                if let Some(circle) = visit(deps, next, path, done) {
                    return Some(circle);
                }
            }
            path.pop();
            None
        }
        let mut done = BTreeSet::new();
        for m in deps.keys() {
            let mut path = Vec::new();
            if let Some(circle) = visit(&deps, m, &mut path, &mut done) {
                panic!("module circle: {}", circle.join(" → "));
            }
        }
        assert!(deps.contains_key("store") && deps.contains_key("classify::casefind"));
    }

    #[test]
    fn the_stages_follow_the_batch_states_in_order() {
        // Each stage starts where the one before stopped, every step is a
        // transition the store allows, and together they cover every state.
        for pair in STAGES.windows(2) {
            assert_eq!(pair[0].produces, pair[1].consumes, "{pair:?}");
        }
        for s in STAGES {
            assert!(s.consumes.can_become(s.produces), "{s:?}");
        }
        let mut states: Vec<BatchState> = STAGES.iter().map(|s| s.consumes).collect();
        states.extend(STAGES.last().map(|s| s.produces));
        assert_eq!(states, BatchState::ALL);
        for s in STAGES {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src")
                .join(s.module);
            assert!(dir.is_dir(), "no folder for stage {}", s.module);
        }
    }
}
