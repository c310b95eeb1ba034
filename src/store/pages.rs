//! Pages through preparation and OCR: batches and pages per state, the
//! preparation and OCR results of each page.

use super::*;

/// The preparation result of one page, to record.
#[derive(Debug, Clone)]
pub struct NewPrep<'a> {
    /// The page.
    pub page_id: i64,
    /// Digest of the page image analysed (the raw page).
    pub page_sha: &'a Sha256Hex,
    /// Digest of the thumbnail blob.
    pub thumb_sha: &'a Sha256Hex,
    /// The analysis.
    pub analysis: &'a crate::prepare::imaging::Analysis,
    /// Parameters used, for the transformation record.
    pub params: String,
    /// Barcodes read on the page.
    pub barcodes: &'a [crate::prepare::separation::Barcode],
    /// Clockwise quarter turn applied (0, 90, 180, 270).
    pub rotation: u16,
    /// Measured skew in degrees, if any.
    pub skew: Option<f32>,
    /// The prepared page (turned, straightened, smoothed), if it differs from the raw one.
    pub prepared: Option<&'a Sha256Hex>,
    /// Whether a 3×3 median filter smoothed it (grainy page).
    pub denoised: bool,
}

/// The OCR result of one page, to record.
#[derive(Debug, Clone)]
pub struct NewOcr<'a> {
    /// The page.
    pub page_id: i64,
    /// The recognised page.
    pub ocr: &'a crate::ocr::OcrPage,
    /// The page had to be turned to be read (recorded with the reading).
    pub turned: Option<&'a OcrTurn>,
}

/// A page turned by the recognition stage: it read only upright after this
/// quarter turn.
#[derive(Debug, Clone)]
pub struct OcrTurn {
    /// Quarter turn, clockwise (90, 180, 270).
    pub clockwise: u16,
    /// The turned page image.
    pub after: Sha256Hex,
    /// Its thumbnail.
    pub thumb: Sha256Hex,
}

/// A page waiting for a pipeline step.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingPage {
    /// The page.
    pub page_id: i64,
    /// Its image blob: the prepared (deskewed) image once there is one, else the raw page.
    pub sha: Sha256Hex,
    /// How the blob is encoded.
    pub encoding: String,
    /// Resolution, if known.
    pub dpi: Option<f64>,
    /// Text the file carried (born-digital PDFs).
    pub source_text: Option<String>,
    /// The words of a born-digital page with their boxes: its text needs
    /// no OCR (empty for scans).
    pub source_words: Vec<crate::ocr::Word>,
    /// Quarter turns the preparation gave the page by its own method (0 if
    /// none or not prepared yet).
    pub rotation: u16,
}

impl Store {
    /// Whether a page waits for preparation in a batch that preparation
    /// takes (a new file, or a page put back in line; not a batch still
    /// open for more pages).
    pub(crate) fn has_pages_to_prepare(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pages p JOIN batches b ON b.id = p.batch_id
                 WHERE p.state = ?1 AND b.state IN (?2, ?3))",
            params![
                PageState::Ingested,
                BatchState::Ingested,
                BatchState::Prepared
            ],
            |r| r.get(0),
        )?)
    }

    /// Whether every page of a batch is past preparation and recognition
    /// (recognised, blank, separator or failed).
    pub(crate) fn batch_pages_done(&self, batch_id: i64) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM pages
                 WHERE batch_id = ?1 AND state IN (?2, ?3))",
            params![batch_id, PageState::Ingested, PageState::Prepared],
            |r| r.get(0),
        )?)
    }

    /// Batches in a state, oldest first.
    pub(crate) fn batches_in_state(&self, state: BatchState) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM batches WHERE state = ?1 ORDER BY id")?;
        let rows = stmt.query_map([state], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Pages of a batch in a state, in batch order.
    pub fn pages_in_state(&self, batch_id: i64, state: PageState) -> Result<Vec<PendingPage>> {
        self.first_pages_in_state(batch_id, state, usize::MAX)
    }

    /// The first `limit` pages of a batch in a state, in batch order (a
    /// long batch is prepared a few pages at a time).
    pub fn first_pages_in_state(
        &self,
        batch_id: i64,
        state: PageState,
        limit: usize,
    ) -> Result<Vec<PendingPage>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, COALESCE(pp.prepared_sha, p.sha256),
                    CASE WHEN pp.prepared_sha IS NULL THEN p.encoding ELSE 'png' END,
                    p.dpi_x, p.source_text, p.source_words, COALESCE(pp.rotation, 0)
             FROM pages p LEFT JOIN page_prep pp ON pp.page_id = p.id
             WHERE p.batch_id = ?1 AND p.state = ?2 ORDER BY p.seq LIMIT ?3",
        )?;
        let limit = i64::try_from(limit).unwrap_or(-1);
        let rows = stmt.query_map(params![batch_id, state, limit], |r| {
            let sha: String = r.get(1)?;
            Ok(PendingPage {
                page_id: r.get(0)?,
                sha: Sha256Hex::parse(&sha).unwrap_or_else(|| Sha256Hex::of(b"")),
                encoding: r.get(2)?,
                dpi: r.get(3)?,
                source_text: r.get(4)?,
                source_words: r
                    .get::<_, Option<String>>(5)?
                    .map(|w| crate::ocr::decode_words(&w))
                    .unwrap_or_default(),
                rotation: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Moves a batch one step; fails if it is not in `from`.
    pub(crate) fn advance_batch(
        &mut self,
        batch_id: i64,
        from: BatchState,
        to: BatchState,
    ) -> Result<()> {
        let transition = || StoreError::Transition {
            what: "Stapel",
            id: batch_id,
            from: from.to_string(),
            to: to.to_string(),
        };
        if !from.can_become(to) {
            return Err(transition());
        }
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE batches SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state = ?4",
            params![to, now(), batch_id, from],
        )?;
        if n != 1 {
            return Err(transition());
        }
        event(&tx, &format!("batch.{to}"), Some(batch_id), None, "")?;
        tx.commit()?;
        Ok(())
    }

    /// Records a page's preparation: analysis, thumbnail, transformation
    /// record, and its new state (`prepared`, or `blank`, which also takes
    /// it out of its document) — one transaction.
    pub(crate) fn record_prep(&mut self, prep: &NewPrep<'_>) -> Result<PageState> {
        let now = now();
        let a = prep.analysis;
        let to = if a.blank {
            PageState::Blank
        } else {
            PageState::Prepared
        };
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE pages SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state = ?4",
            params![to, now, prep.page_id, PageState::Ingested],
        )?;
        if n != 1 {
            return Err(StoreError::Transition {
                what: "Seite",
                id: prep.page_id,
                from: PageState::Ingested.to_string(),
                to: to.to_string(),
            });
        }
        let flags: Vec<&str> = a.flags.iter().map(|f| f.code()).collect();
        tx.execute(
            "INSERT INTO page_prep (page_id, thumb_sha, ink, blank, mean, contrast, flags, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                prep.page_id,
                prep.thumb_sha.as_str(),
                a.ink,
                a.blank,
                a.mean,
                a.contrast,
                flags.join(","),
                now
            ],
        )?;
        let mut t = tx.prepare(
            "INSERT INTO page_transforms (page_id, step, params, sha_before, sha_after, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        t.execute(params![
            prep.page_id,
            "analyse",
            prep.params,
            prep.page_sha.as_str(),
            None::<String>,
            now
        ])?;
        t.execute(params![
            prep.page_id,
            "thumbnail",
            "jpeg",
            prep.page_sha.as_str(),
            prep.thumb_sha.as_str(),
            now
        ])?;
        if let Some(after) = prep.prepared {
            t.execute(params![
                prep.page_id,
                "orient_deskew",
                format!(
                    "rotate_cw={} deskew={:.2} bilinear{}",
                    prep.rotation,
                    prep.skew.unwrap_or(0.0),
                    if prep.denoised { " median3x3" } else { "" }
                ),
                prep.page_sha.as_str(),
                after.as_str(),
                now
            ])?;
        }
        drop(t);
        tx.execute(
            "UPDATE page_prep SET rotation = ?1, skew = ?2, prepared_sha = ?3 WHERE page_id = ?4",
            params![
                prep.rotation,
                prep.skew,
                prep.prepared.map(|s| s.as_str().to_owned()),
                prep.page_id
            ],
        )?;
        for b in prep.barcodes {
            tx.execute(
                "INSERT INTO page_barcodes (page_id, format, text) VALUES (?1, ?2, ?3)",
                params![prep.page_id, b.format, b.text],
            )?;
        }
        if a.blank {
            tx.execute(
                "DELETE FROM document_pages WHERE page_id = ?1",
                [prep.page_id],
            )?;
        }
        tx.commit()?;
        Ok(to)
    }

    /// Records a page's OCR result, makes it searchable and marks it `recognized`.
    pub(crate) fn record_ocr(&mut self, rec: &NewOcr<'_>) -> Result<()> {
        let now = now();
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE pages SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state = ?4",
            params![PageState::Recognized, now, rec.page_id, PageState::Prepared],
        )?;
        if n != 1 {
            return Err(StoreError::Transition {
                what: "Seite",
                id: rec.page_id,
                from: PageState::Prepared.to_string(),
                to: PageState::Recognized.to_string(),
            });
        }
        if let Some(turn) = rec.turned {
            let before: Option<String> = tx
                .query_row(
                    "SELECT COALESCE(pp.prepared_sha, p.sha256) FROM pages p
                     LEFT JOIN page_prep pp ON pp.page_id = p.id WHERE p.id = ?1",
                    [rec.page_id],
                    |r| r.get(0),
                )
                .optional()?;
            edit::record_turn(
                &tx,
                "ocr_orientation",
                rec.page_id,
                turn.clockwise,
                &before.unwrap_or_default(),
                turn.after.as_str(),
                turn.thumb.as_str(),
                &now,
            )?;
        }
        let o = rec.ocr;
        tx.execute(
            "INSERT INTO page_ocr (page_id, text, words, mean_conf, languages, engine, created_at,
                                   cut_off)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                rec.page_id,
                o.text,
                crate::ocr::encode_words(&o.words),
                o.mean_conf,
                o.languages,
                o.engine,
                now,
                o.cut_off
            ],
        )?;
        let source_text: Option<String> = tx.query_row(
            "SELECT source_text FROM pages WHERE id = ?1",
            [rec.page_id],
            |r| r.get(0),
        )?;
        search::index_page(&tx, rec.page_id, &o.text, source_text.as_deref())?;
        tx.commit()?;
        Ok(())
    }

    /// The resolution a page was scanned at, if known.
    pub(crate) fn page_dpi(&self, page_id: i64) -> Result<Option<f64>> {
        Ok(self
            .conn
            .query_row("SELECT dpi_x FROM pages WHERE id = ?1", [page_id], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    /// The OCR text of a page, if recognised.
    pub fn ocr_text(&self, page_id: i64) -> Result<Option<(String, f64)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT text, mean_conf FROM page_ocr WHERE page_id = ?1",
                [page_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}

impl Store {
    /// The profile a batch came through.
    pub(crate) fn batch_profile(&self, batch_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT profile FROM batches WHERE id = ?1",
                [batch_id],
                |r| r.get(0),
            )
            .optional()?)
    }
}

/// A page set aside because preparation or OCR failed on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedPage {
    /// The page.
    pub page_id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// 1-based position in its batch.
    pub seq: i64,
    /// The file it came from.
    pub file_name: String,
    /// Its document, if it is in one.
    pub document_id: Option<i64>,
    /// Why it failed, in words.
    pub reason: String,
}

/// Longest failure reason kept (a decoder may say a lot).
const MAX_REASON_CHARS: usize = 300;

impl Store {
    /// Sets a page aside as failed, with its reason in words (one
    /// transaction): it stays in its document, which then waits for a
    /// person, and every other page goes on. `from` is the state it failed
    /// in (`ingested`: preparation, `prepared`: OCR, `recognized`: its PDF).
    pub(crate) fn fail_page(&mut self, page_id: i64, from: PageState, reason: &str) -> Result<()> {
        let reason: String = if reason.chars().count() > MAX_REASON_CHARS {
            let mut short: String = reason.chars().take(MAX_REASON_CHARS).collect();
            short.push('…');
            short
        } else {
            reason.to_owned()
        };
        let transition = || StoreError::Transition {
            what: "Seite",
            id: page_id,
            from: from.to_string(),
            to: PageState::Failed.to_string(),
        };
        if !from.can_become(PageState::Failed) {
            return Err(transition());
        }
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE pages SET state = ?1, failure = ?2, updated_at = ?3 WHERE id = ?4 AND state = ?5",
            params![PageState::Failed, reason, now(), page_id, from],
        )?;
        if n != 1 {
            return Err(transition());
        }
        let batch: i64 =
            tx.query_row("SELECT batch_id FROM pages WHERE id = ?1", [page_id], |r| {
                r.get(0)
            })?;
        event(
            &tx,
            "page.failed",
            Some(batch),
            None,
            &format!("Seite {page_id}: {reason}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Failed pages, of one batch or of all, in batch order.
    pub fn failed_pages(&self, batch_id: Option<i64>) -> Result<Vec<FailedPage>> {
        let mut stmt = self.conn.prepare(
            "SELECT p.id, p.batch_id, p.seq + 1, s.file_name, dp.document_id, COALESCE(p.failure, '')
             FROM pages p JOIN source_files s ON s.id = p.source_file_id
             LEFT JOIN document_pages dp ON dp.page_id = p.id
             WHERE p.state = ?1 AND (?2 IS NULL OR p.batch_id = ?2)
             ORDER BY p.batch_id, p.seq",
        )?;
        let rows = stmt.query_map(params![PageState::Failed, batch_id], |r| {
            Ok(FailedPage {
                page_id: r.get(0)?,
                batch_id: r.get(1)?,
                seq: r.get(2)?,
                file_name: r.get(3)?,
                document_id: r.get(4)?,
                reason: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Puts failed pages (of one batch, or all) back in line, one
    /// transaction: a page that failed in preparation is prepared again, one
    /// that failed in OCR or in its PDF is recognised again; their documents are decided
    /// anew and their batches go back to the preparation stage. Returns the
    /// number of pages.
    pub fn retry_failed_pages(&mut self, batch_id: Option<i64>) -> Result<usize> {
        let failed = self.failed_pages(batch_id)?;
        if failed.is_empty() {
            return Ok(0);
        }
        let tx = self.conn.transaction()?;
        let t = now();
        let mut batches = std::collections::BTreeMap::<i64, Vec<i64>>::new();
        for f in &failed {
            let prepared: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM page_prep WHERE page_id = ?1)",
                [f.page_id],
                |r| r.get(0),
            )?;
            let to = if prepared {
                PageState::Prepared
            } else {
                PageState::Ingested
            };
            tx.execute(
                "UPDATE pages SET state = ?1, failure = NULL, updated_at = ?2 WHERE id = ?3 AND state = ?4",
                params![to, t, f.page_id, PageState::Failed],
            )?;
            // A page that was read but could not go into its PDF is read
            // again from its prepared image.
            tx.execute("DELETE FROM page_ocr WHERE page_id = ?1", [f.page_id])?;
            tx.execute("DELETE FROM page_fts WHERE rowid = ?1", [f.page_id])?;
            let docs = batches.entry(f.batch_id).or_default();
            docs.extend(f.document_id);
        }
        for (batch, docs) in &batches {
            let state: BatchState =
                tx.query_row("SELECT state FROM batches WHERE id = ?1", [batch], |r| {
                    r.get(0)
                })?;
            if matches!(state, BatchState::Open | BatchState::Ingested) {
                // Not separated yet: the page is simply prepared with the rest.
                continue;
            }
            for d in docs {
                let doc_state: DocumentState =
                    tx.query_row("SELECT state FROM documents WHERE id = ?1", [d], |r| {
                        r.get(0)
                    })?;
                if matches!(
                    doc_state,
                    DocumentState::Released | DocumentState::Transferred
                ) || outbox::in_transfer(&tx, *d)?
                {
                    return Err(StoreError::Refused(format!(
                        "Dokument {d} ist schon freigegeben oder übertragen: die Seite wird nicht erneut verarbeitet"
                    )));
                }
            }
            edit::reopen(&tx, *batch, docs)?;
            tx.execute(
                "UPDATE batches SET state = ?1, updated_at = ?2 WHERE id = ?3",
                params![BatchState::Prepared, t, batch],
            )?;
            event(
                &tx,
                "page.retry",
                Some(*batch),
                None,
                &format!(
                    "{} fehlgeschlagene Seite(n) erneut in Arbeit",
                    failed.iter().filter(|f| f.batch_id == *batch).count()
                ),
            )?;
        }
        tx.commit()?;
        Ok(failed.len())
    }

    /// Batches back at the preparation stage that have pages to prepare
    /// again (after [`Store::retry_failed_pages`]).
    pub(crate) fn batches_to_prepare_again(&self) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT b.id FROM batches b JOIN pages p ON p.batch_id = b.id
             WHERE b.state = ?1 AND p.state = ?2 ORDER BY b.id",
        )?;
        let rows = stmt.query_map(params![BatchState::Prepared, PageState::Ingested], |r| {
            r.get(0)
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
