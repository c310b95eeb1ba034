//! First stage after intake: every waiting page is prepared (thumbnail,
//! blank-page and quality analysis) and handed to OCR at once when an
//! engine is free (else it waits as `prepared` for the second stage); a
//! batch is separated into documents when all its pages are prepared.

use super::*;

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
    /// The reading of a born-digital page (its own words), which needs no OCR.
    own: Option<OcrPage>,
    dpi: u32,
}

/// Loads a page image from the blob store; what fails is the page's fault.
pub(super) fn load_page(blobs: &BlobStore, page: &PendingPage) -> Result<GrayImage, PageFault> {
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
    // A born-digital page is upright and straight as it was written, and
    // its own words are its reading (a barcode sheet is not read at all).
    let own = codes
        .is_empty()
        .then(|| recognize::own_reading(page))
        .flatten();
    let (rotation, skew, prepared_img) = if analysis.blank || !codes.is_empty() || own.is_some() {
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
        && own.is_none()
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
    let ocr_image = (opts.ocr && own.is_none() && !analysis.blank && codes.is_empty())
        .then(|| prepared_img.unwrap_or(img));
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
        own,
        dpi: dpi.round() as u32,
    })
}

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

impl Processor {
    /// Prepares every waiting page, handing each to a free OCR engine at
    /// once (first stage; what the engines cannot take at once, and the
    /// batches, are finished by [`Processor::recognize_pending`]). Pages of
    /// several batches are worked on together (a desk scanner sends one
    /// page per file), newest first, one page per core at a time; a batch
    /// is separated into documents as soon as all its pages are prepared.
    /// Returns after the engines have read what they took.
    pub fn prepare_pending(&mut self, stop: &AtomicBool) -> Result<ProcessSummary, ProcessError> {
        let mut summary = ProcessSummary::default();
        self.prepare_waiting(stop, &mut summary)?;
        self.collect_in_flight(stop, &mut summary)?;
        Ok(summary)
    }

    /// [`Processor::prepare_pending`] without waiting for the engines.
    ///
    /// Newest batches first, one page per core at a time, looking again
    /// after each chunk: a file that arrives during a backlog is prepared
    /// (and its thumbnails shown) next, not after the backlog. A batch
    /// leaves the line for this call once all its waiting pages were in a
    /// chunk (or a chunk got nowhere), so one that cannot move on does not
    /// hold it.
    pub(super) fn prepare_waiting(
        &mut self,
        stop: &AtomicBool,
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        let mut taken = std::collections::HashSet::new();
        loop {
            let mut batches = self.store.batches_in_state(BatchState::Ingested)?;
            // Pages put back in line after failing ("Erneut versuchen") are
            // prepared like new ones; their batch is separated already.
            let again = self.store.batches_to_prepare_again()?;
            batches.extend(&again);
            batches.retain(|b| !taken.contains(b));
            batches.sort_unstable_by(|a, b| b.cmp(a));
            batches.dedup();
            if batches.is_empty() {
                return Ok(());
            }
            // One page per engine thread: a new file waits for at most one
            // page on each core. A long batch is taken a chunk at a time
            // (it is separated once none of its pages waits).
            let room = self.pool.workers().max(1);
            let mut chunk: Vec<(i64, usize, PendingPage)> = Vec::new();
            let mut options = Vec::new();
            for (k, &batch) in batches.iter().enumerate() {
                let profile = self.profile_of(batch)?.cloned();
                options.push((
                    PrepOptions::of(profile.as_ref()),
                    split_rule(profile.as_ref()),
                ));
                let left = room - chunk.len();
                // One more than fits: whether the batch has more waiting.
                let pages =
                    self.store
                        .first_pages_in_state(batch, PageState::Ingested, left + 1)?;
                let fits = pages.len() <= left;
                chunk.extend(pages.into_iter().take(left).map(|page| (batch, k, page)));
                if fits {
                    taken.insert(batch);
                }
                if chunk.len() >= room {
                    break;
                }
            }
            let before = summary.prepared + summary.failed;
            self.prepare_pages(&chunk, &options, stop, summary)?;
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            // A page that neither got prepared nor failed would come back
            // in the next chunk forever: its batches are done for this call.
            if summary.prepared + summary.failed == before {
                taken.extend(batches.iter().take(options.len()));
            }
            // The batches taken in this chunk (`options` has one per batch).
            for (batch, (_, rule)) in batches.iter().zip(&options) {
                if !again.contains(batch) {
                    self.separate(*batch, *rule, summary)?;
                }
                // The engines may have read all its pages before it was
                // separated: then it is finished now.
                self.page_done(*batch, summary)?;
            }
        }
    }

    /// Prepares pages on one thread per OCR engine (the cores); this
    /// thread records each result in its own transaction and hands the
    /// page to an OCR engine if one can take it now. OCR results that
    /// come in meanwhile are recorded between preparation results.
    fn prepare_pages(
        &mut self,
        pages: &[(i64, usize, PendingPage)],
        options: &[(PrepOptions, SplitRule)],
        stop: &AtomicBool,
        summary: &mut ProcessSummary,
    ) -> Result<(), ProcessError> {
        let workers = self.pool.workers().min(pages.len()).max(1);
        let next = AtomicUsize::new(0);
        let batch_of: std::collections::HashMap<i64, i64> =
            pages.iter().map(|(b, _, p)| (p.page_id, *b)).collect();
        let mut read = Vec::new();
        let (blobs, store, pool, in_flight) = (
            &self.blobs,
            &mut self.store,
            &self.pool,
            &mut self.in_flight,
        );
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
            let jobs = pool.jobs.clone().expect("pool running");
            for (page_id, prep) in rx {
                while let Ok(result) = pool.results.try_recv() {
                    read.extend(in_flight.remove(&result.0));
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
                    && let Some(own) = prep.own.take()
                {
                    let reading = UprightPage {
                        ocr: own,
                        turned: None,
                    };
                    record_ocr_result(store, blobs, summary, (prep.page_id, Ok(reading)))?;
                } else if state == PageState::Prepared
                    && let Some(image) = prep.ocr_image.take()
                {
                    // An engine free now reads the page from memory; else
                    // it waits as `prepared` and is read from its blob.
                    let job = OcrJob {
                        page_id: prep.page_id,
                        image,
                        dpi: prep.dpi,
                        turned: prep.rotation != 0,
                    };
                    match jobs.try_send(job) {
                        Ok(()) => {
                            in_flight.insert(prep.page_id, batch_of[&prep.page_id]);
                        }
                        Err(mpsc::TrySendError::Full(_)) => {}
                        Err(mpsc::TrySendError::Disconnected(_)) => {
                            return Err(pool_gone(()).into());
                        }
                    }
                }
            }
            Ok(())
        })?;
        if !stop.load(Ordering::Relaxed) {
            for batch in read {
                self.page_done(batch, summary)?;
            }
        }
        Ok(())
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
}
