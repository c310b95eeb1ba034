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

impl Processor {
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
                if let Some(own) = own_reading(&page) {
                    self.store.record_ocr(&NewOcr {
                        page_id: page.page_id,
                        ocr: &own,
                        turned: None,
                    })?;
                    summary.recognized += 1;
                    self.page_done(batch, &mut open, &mut summary)?;
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
                    turned: false,
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
}
