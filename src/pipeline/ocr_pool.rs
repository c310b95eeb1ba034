//! The OCR threads: one Tesseract engine each, fed through a bounded
//! channel (a page no engine can take at once waits in the store as
//! `prepared`, not in memory).

use super::*;

/// A page for an OCR thread.
pub(super) struct OcrJob {
    pub(super) page_id: i64,
    pub(super) image: GrayImage,
    pub(super) dpi: u32,
    /// Whether the preparation turned the page by its own method.
    pub(super) turned: bool,
}

/// A pool of OCR threads, each with its own Tesseract engine.
pub struct OcrPool {
    pub(super) jobs: Option<mpsc::SyncSender<OcrJob>>,
    pub(super) results: mpsc::Receiver<(i64, Result<UprightPage, OcrError>)>,
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
    /// Starts `workers` engines with `settings` (fails if one cannot start).
    pub fn new(workers: usize, settings: &OcrSettings) -> Result<Self, OcrError> {
        let workers = workers.max(1);
        let (job_tx, job_rx) = mpsc::sync_channel::<OcrJob>(workers);
        let job_rx = std::sync::Arc::new(std::sync::Mutex::new(job_rx));
        let (res_tx, res_rx) = mpsc::channel();
        let mut threads = Vec::new();
        for i in 0..workers {
            let mut engine = OcrEngine::new(settings)?;
            let settings = settings.clone();
            let job_rx = job_rx.clone();
            let res_tx = res_tx.clone();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("ocr-{i}"))
                    .spawn(move || {
                        background();
                        loop {
                            let job = match job_rx.lock() {
                                Ok(rx) => rx.recv(),
                                Err(_) => break,
                            };
                            let Ok(job) = job else { break };
                            let result =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    engine.recognize_prepared(&job.image, job.dpi, job.turned)
                                }));
                            let result = match result {
                                Ok(r) => r,
                                Err(_) => {
                                    // The engine may be broken now: a new one reads on.
                                    tracing::error!(
                                        seite = job.page_id,
                                        "interner Fehler in der Texterkennung"
                                    );
                                    match OcrEngine::new(&settings) {
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
                        turned: false,
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

/// The error when the OCR threads are gone (a channel to them closed).
pub(super) fn pool_gone<T>(_: T) -> OcrError {
    OcrError::Recognize("OCR-Threads beendet".into())
}

/// Lowers the calling thread's priority (nice 10): OCR is the backlog's
/// work, while intake, preparation (the thumbnails) and the window answer
/// a person; with nothing else to do it runs as fast as before.
fn background() {
    let me = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(me), 10) {
        tracing::debug!(fehler = %e, "OCR-Thread: Priorität nicht gesenkt");
    }
}
