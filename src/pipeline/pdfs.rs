//! The PDF/A of each document, written on all cores; a page whose image
//! cannot go into its PDF is set aside and the document written without it.

use super::*;

impl Processor {
    /// Writes the PDFs of documents and records them, on all cores, a few
    /// documents at a time. A page whose image cannot be put into its PDF
    /// is set aside as failed (its document then waits for a person) and
    /// the document is written without it; the other documents go on.
    pub(super) fn build_pdfs(&mut self, documents: &[i64]) -> Result<(), ProcessError> {
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
