//! The processing stages after intake: page preparation, then OCR.
//!
//! The store says what is left to do, so every run resumes where the last
//! one stopped, after a crash too: a batch in state `ingested` has its
//! `ingested` pages prepared (thumbnail, blank-page and quality analysis;
//! one transaction per page), then becomes `prepared`; a `prepared` batch
//! has its `prepared` pages recognised by a pool of OCR threads, one
//! Tesseract engine each, fed through a bounded channel, and becomes
//! `recognized`. Blank pages are kept but skip OCR.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use image::GrayImage;

use crate::blob::BlobStore;
use crate::decode::PageEncoding;
use crate::imaging::{self, PrepSettings};
use crate::ocr::{OcrEngine, OcrError, OcrPage};
use crate::profile::Profile;
use crate::separation::{self, SplitRule};
use crate::store::{BatchState, NewOcr, NewPrep, PageState, PendingPage, Store, StoreError};

/// Errors that stop processing (a single bad page does not: it is logged and left).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The OCR engine could not be started.
    #[error(transparent)]
    Ocr(#[from] OcrError),
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
}

struct OcrJob {
    page_id: i64,
    image: GrayImage,
    dpi: u32,
}

/// A pool of OCR threads, each with its own Tesseract engine.
pub struct OcrPool {
    jobs: Option<mpsc::SyncSender<OcrJob>>,
    results: mpsc::Receiver<(i64, Result<OcrPage, OcrError>)>,
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
                            let result = engine.recognize(&job.image, job.dpi);
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
                Ok((i, Ok(page))) => words[i as usize] = page.words.len(),
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

/// Runs the stages after intake on one station home.
pub struct Processor {
    store: Store,
    blobs: BlobStore,
    profiles: Vec<Profile>,
    pool: OcrPool,
}

impl std::fmt::Debug for Processor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor")
            .field("pool", &self.pool)
            .finish()
    }
}

fn encoding_of(name: &str) -> PageEncoding {
    if name == "jpeg" {
        PageEncoding::Jpeg
    } else {
        PageEncoding::Png
    }
}

impl Processor {
    /// Opens its own connection to the station's database (intake keeps writing
    /// through another) and starts the OCR pool.
    pub fn new(
        home: &Path,
        profiles: Vec<Profile>,
        ocr_workers: usize,
    ) -> Result<Self, ProcessError> {
        let store = Store::open(&home.join("scanstelle.db"))?;
        let blobs = BlobStore::open(home.join("blobs")).map_err(|e| ProcessError::Blob {
            sha: String::new(),
            detail: e.to_string(),
        })?;
        let pool = OcrPool::new(ocr_workers, crate::ocr::DEFAULT_LANGUAGES)?;
        Ok(Self {
            store,
            blobs,
            profiles,
            pool,
        })
    }

    /// The processor's store connection (for reports and tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn profile_of(&self, batch_id: i64) -> Result<Option<&Profile>, ProcessError> {
        let name: Option<String> = self.store.batch_profile(batch_id)?;
        Ok(name.and_then(|n| self.profiles.iter().find(|p| p.name == n)))
    }

    fn load(&self, page: &PendingPage) -> Result<GrayImage, ProcessError> {
        let blob_err = |detail: String| ProcessError::Blob {
            sha: page.sha.short().to_owned(),
            detail,
        };
        let bytes = self
            .blobs
            .get(&page.sha)
            .map_err(|e| blob_err(e.to_string()))?;
        imaging::load_gray(&bytes, encoding_of(&page.encoding)).map_err(|e| blob_err(e.to_string()))
    }

    /// Does everything that is waiting, stopping early (between pages) when
    /// `stop` is set. Returns what it did.
    pub fn run_pending(&mut self, stop: &AtomicBool) -> Result<ProcessSummary, ProcessError> {
        let mut summary = self.prepare_pending(stop)?;
        let ocr = self.recognize_pending(stop)?;
        debug_assert_eq!(ocr.prepared, 0);
        summary.recognized = ocr.recognized;
        summary.batches = ocr.batches;
        Ok(summary)
    }

    /// Prepares every waiting page (first stage only).
    pub fn prepare_pending(&mut self, stop: &AtomicBool) -> Result<ProcessSummary, ProcessError> {
        let mut summary = ProcessSummary::default();
        for batch in self.store.batches_in_state(BatchState::Ingested)? {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            self.prepare_batch(batch, stop, &mut summary)?;
        }
        Ok(summary)
    }

    /// Recognises every prepared page (second stage only).
    pub fn recognize_pending(&mut self, stop: &AtomicBool) -> Result<ProcessSummary, ProcessError> {
        let mut summary = ProcessSummary::default();
        for batch in self.store.batches_in_state(BatchState::Prepared)? {
            if stop.load(Ordering::Relaxed) {
                return Ok(summary);
            }
            self.recognize_batch(batch, stop, &mut summary)?;
        }
        Ok(summary)
    }

    fn prepare_batch(
        &mut self,
        batch: i64,
        stop: &AtomicBool,
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        let profile = self.profile_of(batch)?.cloned();
        let settings = match &profile {
            Some(p) => PrepSettings {
                min_dpi: p.scan.dpi as f32,
                blank_ink_threshold: p.steps.blank_ink_threshold,
                ..PrepSettings::default()
            },
            None => PrepSettings::default(),
        };
        let detect_blank = profile.as_ref().is_none_or(|p| p.steps.blank_pages);
        let barcodes = profile.as_ref().is_none_or(|p| p.steps.barcodes);
        let deskew = profile.as_ref().is_none_or(|p| p.steps.deskew);
        let orientation = profile.as_ref().is_none_or(|p| p.steps.orientation);
        let rule = SplitRule {
            patch_t: profile
                .as_ref()
                .is_some_and(|p| p.steps.separation == "patch-t"),
            every: profile.as_ref().map_or(0, |p| p.steps.split_every),
        };
        for page in self.store.pages_in_state(batch, PageState::Ingested)? {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let img = self.load(&page)?;
            let dpi = page.dpi.unwrap_or(300.0) as f32;
            let mut analysis = imaging::analyse(&img, dpi, &settings);
            let codes = if barcodes && !analysis.blank {
                separation::read_barcodes(&img)
            } else {
                Vec::new()
            };
            // Never blank: a sheet with a barcode (separator or cover sheet), a
            // born-digital page with text of its own, or any page of a profile
            // without blank-page detection.
            if !codes.is_empty()
                || !detect_blank
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
                let (img2, quarter, skew) = imaging::upright(&img, dpi, orientation, deskew);
                let changed = quarter != 0
                    || skew.is_some_and(|a| {
                        a.abs() >= imaging::MIN_DESKEW_DEG
                            && a.abs() < imaging::MAX_DESKEW_DEG - 0.05
                    });
                (quarter, skew, changed.then_some(img2))
            };
            if skew.is_some_and(|a| a.abs() >= imaging::MAX_DESKEW_DEG - 0.05) {
                analysis.flags.push(imaging::QualityFlag::TooSkewed);
            }
            let prepared_img = prepared_img.as_ref();
            let prepared = match prepared_img {
                Some(p) => {
                    let png = crate::decode::encode_png(
                        p.width(),
                        p.height(),
                        crate::decode::ColourMode::Gray,
                        p.as_raw(),
                        Some((dpi, dpi)),
                    );
                    Some(self.blobs.put(&png).map_err(|e| ProcessError::Blob {
                        sha: page.sha.short().to_owned(),
                        detail: e.to_string(),
                    })?)
                }
                None => None,
            };
            let thumb = self
                .blobs
                .put(&imaging::thumbnail(prepared_img.unwrap_or(&img)))
                .map_err(|e| ProcessError::Blob {
                    sha: page.sha.short().to_owned(),
                    detail: e.to_string(),
                })?;
            let params = format!(
                "blank_ink_threshold={} margin_mm={} min_dpi={} ink={:.5}",
                settings.blank_ink_threshold, settings.margin_mm, settings.min_dpi, analysis.ink
            );
            let state = self.store.record_prep(&NewPrep {
                page_id: page.page_id,
                page_sha: &page.sha,
                thumb_sha: &thumb,
                analysis: &analysis,
                params,
                barcodes: &codes,
                skew,
                rotation,
                prepared: prepared.as_ref(),
            })?;
            summary.prepared += 1;
            if state == PageState::Blank {
                summary.blank += 1;
            }
        }
        let plan = separation::plan(&self.store.plan_pages(batch)?, rule);
        self.store.apply_plan(batch, &plan)?;
        summary.separators += plan.separators.len() as u64;
        Ok(())
    }

    fn recognize_batch(
        &mut self,
        batch: i64,
        stop: &AtomicBool,
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        let ocr_enabled = self.profile_of(batch)?.is_none_or(|p| p.steps.ocr);
        let pages = self.store.pages_in_state(batch, PageState::Prepared)?;
        let jobs = self.pool.jobs.clone().expect("pool running");
        let mut sent = 0usize;
        let mut done = 0usize;
        let mut next = pages.iter();
        let mut stopped = false;
        loop {
            // Keep every engine busy, and at most one page per engine waiting.
            while !stopped && sent - done < 2 * self.pool.workers() {
                let Some(page) = next.next() else { break };
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
                    })?;
                    continue;
                }
                let image = self.load(page)?;
                let dpi = page.dpi.unwrap_or(300.0).round() as u32;
                jobs.send(OcrJob {
                    page_id: page.page_id,
                    image,
                    dpi,
                })
                .map_err(|_| OcrError::Recognize("OCR-Threads beendet".into()))?;
                sent += 1;
            }
            if done == sent {
                break;
            }
            let (page_id, result) = self
                .pool
                .results
                .recv()
                .map_err(|_| OcrError::Recognize("OCR-Threads beendet".into()))?;
            done += 1;
            match result {
                Ok(ocr) => {
                    self.store.record_ocr(&NewOcr { page_id, ocr: &ocr })?;
                    summary.recognized += 1;
                }
                Err(e) => {
                    tracing::error!(seite = page_id, fehler = %e, "Texterkennung fehlgeschlagen")
                }
            }
        }
        if stopped
            || !self
                .store
                .pages_in_state(batch, PageState::Prepared)?
                .is_empty()
        {
            return Ok(());
        }
        // One PDF/A-2b per document; written before the batch moves on, so a
        // crash in between writes it again (same content, same blob).
        for doc in self.store.documents_of_batch(batch)? {
            if doc.pages.is_empty() {
                continue;
            }
            let pdf = self.document_pdf(doc.id)?;
            let sha = self.blobs.put(&pdf).map_err(|e| ProcessError::Blob {
                sha: String::new(),
                detail: e.to_string(),
            })?;
            self.store.set_document_pdf(doc.id, &sha)?;
        }
        self.store
            .advance_batch(batch, BatchState::Prepared, BatchState::Recognized)?;
        summary.batches += 1;
        Ok(())
    }

    /// Writes the PDF/A-2b of a document from its prepared pages and OCR words.
    fn document_pdf(&self, document_id: i64) -> Result<Vec<u8>, ProcessError> {
        let pages = self.store.document_pages(document_id)?;
        let mut loaded = Vec::with_capacity(pages.len());
        for p in &pages {
            let bytes = self.blobs.get(&p.sha).map_err(|e| ProcessError::Blob {
                sha: p.sha.short().to_owned(),
                detail: e.to_string(),
            })?;
            let encoding = encoding_of(&p.encoding);
            let (w, h) = image_size(&bytes, encoding).map_err(|detail| ProcessError::Blob {
                sha: p.sha.short().to_owned(),
                detail,
            })?;
            loaded.push((
                bytes,
                encoding,
                w,
                h,
                p.dpi.unwrap_or(300.0) as f32,
                crate::ocr::decode_words(&p.words),
            ));
        }
        let pdf_pages: Vec<crate::pdfa::PdfPage<'_>> = loaded
            .iter()
            .map(|(bytes, encoding, w, h, dpi, words)| crate::pdfa::PdfPage {
                image: bytes,
                encoding: *encoding,
                width: *w,
                height: *h,
                dpi: *dpi,
                words,
            })
            .collect();
        crate::pdfa::document_pdf(&pdf_pages, &format!("Scanstelle Dokument {document_id}"))
            .map_err(|detail| ProcessError::Blob {
                sha: String::new(),
                detail,
            })
    }
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
