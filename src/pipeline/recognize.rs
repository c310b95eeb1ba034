//! Second stage: pages left prepared are recognised, and a batch whose
//! last page is recognised gets its PDFs and becomes `recognized`.

use super::*;

/// The reading of a born-digital page: the words its file carries, in
/// place of OCR (which would only read back, worse, what is there).
pub(super) fn own_reading(page: &PendingPage) -> Option<OcrPage> {
    if page.source_words.is_empty() {
        return None;
    }
    let mut text = String::new();
    let mut line = None;
    for w in &page.source_words {
        match line {
            Some(l) if l == w.line => text.push(' '),
            Some(_) => text.push('\n'),
            None => {}
        }
        line = Some(w.line);
        text.push_str(&w.text);
    }
    Some(OcrPage {
        text,
        words: page.source_words.clone(),
        mean_conf: 100.0,
        languages: String::new(),
        engine: OWN_TEXT_ENGINE.into(),
        cut_off: false,
    })
}

/// What the store says read a born-digital page.
pub const OWN_TEXT_ENGINE: &str = "Text der Datei (keine Texterkennung nötig)";

/// Records one OCR result; a page the engine failed on is set aside
/// (`failed`, with the reason), the others go on.
pub(super) fn record_ocr_result(
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

/// How long recognition waits for an engine's result before it looks for
/// new pages to prepare.
const POLL: std::time::Duration = std::time::Duration::from_millis(100);

impl Processor {
    /// Recognises every prepared page (second stage only), keeping every
    /// engine busy across batches; a batch gets its PDFs and moves on as
    /// soon as its last page is recognised.
    pub fn recognize_pending(&mut self, stop: &AtomicBool) -> Result<ProcessSummary, ProcessError> {
        let mut summary = ProcessSummary::default();
        self.recognize(stop, false, &mut summary)?;
        self.collect_in_flight(stop, &mut summary)?;
        Ok(summary)
    }

    /// Hands the prepared pages to the engines and records what they read,
    /// until nothing is left to hand out. With `yield_to_new`, returns
    /// `true` as soon as a page waits for preparation (pages already with
    /// the engines stay there; see [`Processor::collect_in_flight`]).
    pub(super) fn recognize(
        &mut self,
        stop: &AtomicBool,
        yield_to_new: bool,
        summary: &mut ProcessSummary,
    ) -> Result<bool, ProcessError> {
        let mut queue = std::collections::VecDeque::new();
        let mut finished = Vec::new();
        for batch in self.store.batches_in_state(BatchState::Prepared)? {
            let ocr_enabled = self.profile_of(batch)?.is_none_or(|p| p.steps.ocr);
            let pages = self.store.pages_in_state(batch, PageState::Prepared)?;
            if pages.is_empty() {
                finished.push(batch);
            }
            queue.extend(
                pages
                    .into_iter()
                    .filter(|p| !self.in_flight.contains_key(&p.page_id))
                    .map(|p| (batch, ocr_enabled, p)),
            );
        }
        // Batches recognised during preparation are finished together.
        self.finish_batches(&finished, summary)?;
        let jobs = self.pool.jobs.clone().expect("pool running");
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(false);
            }
            // Keep every engine busy, and at most one page per engine waiting.
            while self.in_flight.len() < 2 * self.pool.workers() {
                let Some((batch, ocr_enabled, page)) = queue.pop_front() else {
                    break;
                };
                if let Some(own) = own_reading(&page) {
                    self.store.record_ocr(&NewOcr {
                        page_id: page.page_id,
                        ocr: &own,
                        turned: None,
                    })?;
                    summary.recognized += 1;
                    self.page_done(batch, summary)?;
                    continue;
                }
                if !ocr_enabled {
                    let empty = OcrPage {
                        text: String::new(),
                        words: Vec::new(),
                        mean_conf: 0.0,
                        languages: String::new(),
                        engine: "keine Texterkennung (Profil)".into(),
                        cut_off: false,
                    };
                    self.store.record_ocr(&NewOcr {
                        page_id: page.page_id,
                        ocr: &empty,
                        turned: None,
                    })?;
                    self.page_done(batch, summary)?;
                    continue;
                }
                let image = match load_page(&self.blobs, &page) {
                    Ok(image) => image,
                    Err(PageFault::Page(why)) => {
                        self.store
                            .fail_page(page.page_id, PageState::Prepared, &why)?;
                        summary.failed += 1;
                        self.page_done(batch, summary)?;
                        continue;
                    }
                    Err(PageFault::Station(e)) => return Err(e),
                };
                let dpi = page.dpi.unwrap_or(300.0).round() as u32;
                jobs.send(OcrJob {
                    page_id: page.page_id,
                    image,
                    dpi,
                    turned: page.rotation != 0,
                })
                .map_err(pool_gone)?;
                self.in_flight.insert(page.page_id, batch);
            }
            if self.in_flight.is_empty() {
                return Ok(false);
            }
            if yield_to_new && self.store.has_pages_to_prepare()? {
                return Ok(true);
            }
            match self.pool.results.recv_timeout(POLL) {
                Ok(result) => self.record_result(result, true, summary)?,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err(pool_gone(()).into()),
            }
        }
    }

    /// Waits for the pages still with the engines and records them (their
    /// batches are finished unless `stop` is set: the next run does it).
    pub(super) fn collect_in_flight(
        &mut self,
        stop: &AtomicBool,
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        while !self.in_flight.is_empty() {
            let result = self.pool.results.recv().map_err(pool_gone)?;
            let finish = !stop.load(Ordering::Relaxed);
            self.record_result(result, finish, summary)?;
        }
        Ok(())
    }

    /// Records what an engine read and, with `finish`, finishes the page's
    /// batch if it was the last.
    fn record_result(
        &mut self,
        result: (i64, Result<UprightPage, OcrError>),
        finish: bool,
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        let batch = self.in_flight.remove(&result.0);
        record_ocr_result(&mut self.store, &self.blobs, summary, result)?;
        match batch {
            Some(batch) if finish => self.page_done(batch, summary),
            _ => Ok(()),
        }
    }

    /// Finishes `batch` if it is separated and none of its pages is left
    /// to prepare or recognise.
    pub(super) fn page_done(
        &mut self,
        batch: i64,
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        // `finish_batches` leaves it if a page is still to do.
        if self.store.batch_state(batch)? == Some(BatchState::Prepared) {
            self.finish_batches(&[batch], summary)?;
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
            if !self.store.batch_pages_done(batch)? {
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
}
