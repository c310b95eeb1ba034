//! Scanner files and quarantine: a file with its pages, batch and document
//! recorded in one transaction, its way to `released`, and the files set
//! aside.

use super::*;

/// How files of a profile are grouped into batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// Each file is its own batch (production scanners: one stack, one file).
    PerFile,
    /// Files arriving within this time of the previous one join its batch.
    Window(Duration),
}

/// A page ready to be recorded: its image is already in the blob store.
#[derive(Debug, Clone)]
pub struct NewPage {
    /// Digest of the page image blob.
    pub sha: Sha256Hex,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Resolution, if known.
    pub dpi: Option<(f32, f32)>,
    /// Colour mode.
    pub colour: ColourMode,
    /// Encoding of the blob.
    pub encoding: PageEncoding,
    /// Scanned or rendered.
    pub origin: PageOrigin,
    /// Size of the blob in bytes.
    pub byte_size: u64,
    /// Text the file carried for this page.
    pub text: Option<String>,
    /// The words of a born-digital page with their boxes (no OCR needed).
    pub words: Vec<crate::intake::decode::TextWord>,
    /// Which document of its file it belongs to (an e-mail's parts); 0 otherwise.
    pub part: u32,
}

/// A born-digital page's words as the store keeps OCR words (read with
/// full confidence); `None` for a scan.
fn source_words(words: &[crate::intake::decode::TextWord]) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let words: Vec<crate::ocr::Word> = words
        .iter()
        .map(|w| crate::ocr::Word {
            left: w.left,
            top: w.top,
            width: w.width,
            height: w.height,
            conf: 100.0,
            line: w.line,
            text: w.text.clone(),
        })
        .collect();
    Some(crate::ocr::encode_words(&words))
}

/// A scanner file to record with its pages.
#[derive(Debug)]
pub struct NewSource<'a> {
    /// Name of the scanner profile it came through.
    pub profile: &'a str,
    /// SHA-256 of that profile's text (empty if unknown).
    pub profile_sha: &'a str,
    /// How the profile groups files.
    pub grouping: Grouping,
    /// Where the file was found.
    pub original_path: &'a Path,
    /// Digest of the whole file.
    pub sha: &'a Sha256Hex,
    /// Size in bytes.
    pub size: u64,
    /// Detected format.
    pub format: FileFormat,
    /// Its pages, in order.
    pub pages: &'a [NewPage],
}

/// What [`Store::ingest_source`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// The batch the file joined or started.
    pub batch_id: i64,
    /// The batch's stable UUID.
    pub batch_uuid: String,
    /// The new source-file row.
    pub source_id: i64,
    /// The document made of the file's pages.
    pub document_id: i64,
    /// Number of pages recorded.
    pub pages: usize,
}

/// A recorded scanner file.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    /// Row id.
    pub id: i64,
    /// Batch it belongs to.
    pub batch_id: i64,
    /// Where it was found.
    pub original_path: PathBuf,
    /// Its file name.
    pub file_name: String,
    /// Digest of the whole file.
    pub sha: Sha256Hex,
    /// Size in bytes.
    pub size: u64,
    /// Number of pages.
    pub page_count: u32,
    /// Lifecycle state.
    pub state: SourceState,
    /// When it was taken.
    pub received_at: String,
}

/// A recorded page (the columns tests and later stages need).
#[derive(Debug, Clone, PartialEq)]
pub struct PageRow {
    /// Row id.
    pub id: i64,
    /// Source file row.
    pub source_file_id: i64,
    /// 0-based index within the source file.
    pub page_index: u32,
    /// Position within the batch, 0-based.
    pub seq: u32,
    /// Digest of the page image blob.
    pub sha: Sha256Hex,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Horizontal resolution.
    pub dpi_x: Option<f64>,
    /// Colour mode name.
    pub colour: String,
    /// Encoding name.
    pub encoding: String,
    /// Text the file carried.
    pub source_text: Option<String>,
    /// State.
    pub state: PageState,
}

/// A file refused at intake, to record.
#[derive(Debug)]
pub struct NewQuarantine<'a> {
    /// Where it was found.
    pub original_path: &'a Path,
    /// Digest of what was read.
    pub sha: &'a Sha256Hex,
    /// Size in bytes.
    pub size: u64,
    /// Machine-readable reason (`unreadable`, `duplicate`, …).
    pub reason_code: &'a str,
    /// The reason in words.
    pub reason: &'a str,
    /// Where the file now lies.
    pub stored_as: &'a Path,
}

/// A quarantined file as listed by `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineRow {
    /// Row id.
    pub id: i64,
    /// SHA-256 of the file.
    pub sha: String,
    /// File name as delivered.
    pub file_name: String,
    /// Where it was found (its hot folder and name).
    pub original_path: PathBuf,
    /// Machine-readable reason.
    pub reason_code: String,
    /// Reason in words.
    pub reason: String,
    /// Where it lies now.
    pub stored_as: String,
    /// When.
    pub created_at: String,
}

impl Store {
    /// Records a scanner file with all its pages, the batch it belongs to and
    /// its document, in one transaction.
    pub fn ingest_source(&mut self, new: &NewSource<'_>) -> Result<Ingested> {
        let now_t = OffsetDateTime::now_utc();
        let now = fmt_time(now_t);
        let tx = self.conn.transaction()?;
        let (batch_id, batch_uuid) = match new.grouping {
            Grouping::Window(window) => match open_batch_within(&tx, new.profile, now_t, window)? {
                Some(found) => found,
                None => new_batch(&tx, new.profile, BatchState::Open, &now)?,
            },
            Grouping::PerFile => new_batch(&tx, new.profile, BatchState::Ingested, &now)?,
        };
        tx.execute(
            "UPDATE batches SET last_file_at = ?1, updated_at = ?1 WHERE id = ?2",
            params![now, batch_id],
        )?;
        let file_name = crate::fsutil::readable_file_name(new.original_path);
        tx.execute(
            "INSERT INTO source_files (batch_id, original_path, file_name, sha256, size, format,
                 page_count, state, received_at, updated_at, profile_sha)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, NULLIF(?10, ''))",
            params![
                batch_id,
                path_value(new.original_path),
                file_name,
                new.sha.as_str(),
                new.size as i64,
                new.format.as_str(),
                new.pages.len() as i64,
                SourceState::InHotFolder,
                now,
                new.profile_sha
            ],
        )?;
        let source_id = tx.last_insert_rowid();
        let first_seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq) + 1, 0) FROM pages WHERE batch_id = ?1",
            [batch_id],
            |r| r.get(0),
        )?;
        let document_uuid = uuid::Uuid::new_v4().to_string();
        tx.execute(
            "INSERT INTO documents (uuid, batch_id, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            params![document_uuid, batch_id, DocumentState::Open, now],
        )?;
        let document_id = tx.last_insert_rowid();
        {
            let mut page_stmt = tx.prepare(
                "INSERT INTO pages (batch_id, source_file_id, page_index, seq, sha256, width, height,
                     dpi_x, dpi_y, colour, encoding, origin, byte_size, source_text, source_words, part, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            )?;
            let mut link_stmt = tx.prepare(
                "INSERT INTO document_pages (document_id, page_id, position) VALUES (?1, ?2, ?3)",
            )?;
            for (i, p) in new.pages.iter().enumerate() {
                page_stmt.execute(params![
                    batch_id,
                    source_id,
                    i as i64,
                    first_seq + i as i64,
                    p.sha.as_str(),
                    p.width,
                    p.height,
                    p.dpi.map(|d| f64::from(d.0)),
                    p.dpi.map(|d| f64::from(d.1)),
                    p.colour.as_str(),
                    p.encoding.as_str(),
                    p.origin.as_str(),
                    p.byte_size as i64,
                    p.text,
                    source_words(&p.words),
                    p.part,
                    PageState::Ingested,
                    now
                ])?;
                link_stmt.execute(params![document_id, tx.last_insert_rowid(), i as i64])?;
            }
        }
        event(
            &tx,
            "file.ingested",
            Some(batch_id),
            Some(document_id),
            // No file name in the log: names of people end up in them.
            &format!(
                "Quelldatei {source_id}: {} Seiten, {}, SHA-256 {}",
                new.pages.len(),
                new.format.as_str(),
                new.sha.short()
            ),
        )?;
        tx.commit()?;
        Ok(Ingested {
            batch_id,
            batch_uuid,
            source_id,
            document_id,
            pages: new.pages.len(),
        })
    }

    /// The recorded file with this digest, if any.
    pub fn source_by_sha(&self, sha: &Sha256Hex) -> Result<Option<SourceFile>> {
        Ok(self
            .conn
            .query_row(
                &format!("{SOURCE_COLUMNS} WHERE sha256 = ?1"),
                [sha.as_str()],
                source_row,
            )
            .optional()?)
    }

    /// Files whose hot-folder copy has not been released yet (to resume after a crash).
    pub fn unreleased_sources(&self) -> Result<Vec<SourceFile>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SOURCE_COLUMNS} WHERE state != ?1 ORDER BY id"))?;
        let rows = stmt.query_map([SourceState::Released], source_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Moves a source file one step through its lifecycle.
    pub fn advance_source(&mut self, id: i64, from: SourceState, to: SourceState) -> Result<()> {
        let transition = || StoreError::Transition {
            what: "Quelldatei",
            id,
            from: from.to_string(),
            to: to.to_string(),
        };
        if !from.can_become(to) {
            return Err(transition());
        }
        let now = now();
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE source_files SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state = ?4",
            params![to, now, id, from],
        )?;
        if n != 1 {
            return Err(transition());
        }
        let batch_id: i64 = tx.query_row(
            "SELECT batch_id FROM source_files WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        event(
            &tx,
            &format!("file.{to}"),
            Some(batch_id),
            None,
            &format!("Quelldatei {id}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records a quarantined file; `false` if the same file from the same
    /// place was recorded before (a retry after a crash).
    pub(crate) fn record_quarantine(&mut self, q: &NewQuarantine<'_>) -> Result<bool> {
        let now = now();
        let tx = self.conn.transaction()?;
        let file_name = crate::fsutil::readable_file_name(q.original_path);
        // The same file from the same place again: nothing new (a retry
        // after a crash), unless its entry had ended (read again, and
        // quarantined again now): then it opens again with today's reason.
        let id: Option<i64> = tx
            .query_row(
                "INSERT INTO quarantine (original_path, file_name, sha256, size, reason_code, reason,
                     stored_as, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (sha256, original_path) DO UPDATE SET
                     reason_code = excluded.reason_code, reason = excluded.reason,
                     stored_as = excluded.stored_as, created_at = excluded.created_at,
                     requeued_at = NULL
                 WHERE quarantine.requeued_at IS NOT NULL
                 RETURNING id",
                params![
                    path_value(q.original_path),
                    file_name,
                    q.sha.as_str(),
                    q.size as i64,
                    q.reason_code,
                    q.reason,
                    q.stored_as.to_string_lossy(),
                    now
                ],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = id {
            // The log names the quarantine entry, not the file (the window
            // shows the name from the entry).
            event(
                &tx,
                &format!("file.quarantined.{}", q.reason_code),
                None,
                None,
                &format!("Quarantäne {id}: {}", q.reason),
            )?;
        }
        tx.commit()?;
        Ok(id.is_some())
    }

    /// Closes the open batches of `profile` whose last file arrived more than
    /// `window` ago; returns their ids.
    pub(crate) fn close_expired_batches(
        &mut self,
        profile: &str,
        window: Duration,
    ) -> Result<Vec<i64>> {
        let now_t = OffsetDateTime::now_utc();
        let tx = self.conn.transaction()?;
        let open: Vec<(i64, String)> = {
            let mut stmt = tx.prepare(
                "SELECT id, last_file_at FROM batches WHERE profile = ?1 AND state = ?2",
            )?;
            stmt.query_map(params![profile, BatchState::Open], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        let mut closed = Vec::new();
        for (id, last) in open {
            let expired = parse_time(&last).is_none_or(|t| now_t - t >= window);
            if expired {
                close_batch(&tx, id)?;
                closed.push(id);
            }
        }
        tx.commit()?;
        Ok(closed)
    }

    /// Closes every open batch at once (e.g. `ingest` of explicit files ends).
    pub fn close_all_open_batches(&mut self) -> Result<Vec<i64>> {
        let tx = self.conn.transaction()?;
        let ids: Vec<i64> = {
            let mut stmt = tx.prepare("SELECT id FROM batches WHERE state = ?1")?;
            stmt.query_map([BatchState::Open], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for id in &ids {
            close_batch(&tx, *id)?;
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Pages of one source file, in order.
    pub fn pages_of_source(&self, source_id: i64) -> Result<Vec<PageRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, source_file_id, page_index, seq, sha256, width, height, dpi_x, colour,
                    encoding, source_text, state
             FROM pages WHERE source_file_id = ?1 ORDER BY page_index",
        )?;
        let rows = stmt.query_map([source_id], |r| {
            Ok(PageRow {
                id: r.get(0)?,
                source_file_id: r.get(1)?,
                page_index: r.get(2)?,
                seq: r.get(3)?,
                sha: Sha256Hex::parse(&r.get::<_, String>(4)?)
                    .unwrap_or_else(|| Sha256Hex::of(b"")),
                width: r.get(5)?,
                height: r.get(6)?,
                dpi_x: r.get(7)?,
                colour: r.get(8)?,
                encoding: r.get(9)?,
                source_text: r.get(10)?,
                state: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All recorded source files, oldest first.
    pub fn sources(&self) -> Result<Vec<SourceFile>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SOURCE_COLUMNS} ORDER BY id"))?;
        let rows = stmt.query_map([], source_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The state of a batch.
    pub fn batch_state(&self, batch_id: i64) -> Result<Option<BatchState>> {
        Ok(self
            .conn
            .query_row("SELECT state FROM batches WHERE id = ?1", [batch_id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Every quarantine entry still open, oldest first.
    pub fn quarantine_entries(&self) -> Result<Vec<QuarantineRow>> {
        self.quarantine_query("ORDER BY id", -1)
    }

    /// Ends quarantine entry `id` because its file was put back into a hot
    /// folder to be read again (`to`, named in the log); `false` if there
    /// was no such entry (done before).
    pub(crate) fn requeue_quarantine(&mut self, id: i64, to: &str) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE quarantine SET requeued_at = ?2 WHERE id = ?1 AND requeued_at IS NULL",
            params![id, now()],
        )?;
        if n == 1 {
            event(
                &tx,
                "file.requeued",
                None,
                None,
                &format!("Quarantäne {id}: erneut in den Eingangsordner gelegt ({to})"),
            )?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// The file name of a quarantine entry.
    pub(crate) fn quarantine_file_name(&self, id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT file_name FROM quarantine WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub(super) fn quarantine_query(&self, order: &str, limit: i64) -> Result<Vec<QuarantineRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT file_name, reason_code, reason, stored_as, created_at, id, sha256, original_path
             FROM quarantine WHERE requeued_at IS NULL {order} LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], |r| {
            Ok(QuarantineRow {
                id: r.get(5)?,
                sha: r.get(6)?,
                file_name: r.get(0)?,
                original_path: path_column(r, 7)?,
                reason_code: r.get(1)?,
                reason: r.get(2)?,
                stored_as: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The columns of a [`SourceFile`], in the order [`source_row`] reads them.
const SOURCE_COLUMNS: &str = "SELECT id, batch_id, original_path, file_name, sha256, size, page_count, state, received_at FROM source_files";

fn source_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SourceFile> {
    let sha: String = r.get(4)?;
    Ok(SourceFile {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        original_path: path_column(r, 2)?,
        file_name: r.get(3)?,
        sha: Sha256Hex::parse(&sha).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                4,
                rusqlite::types::Type::Text,
                format!("bad sha256 {sha:?}").into(),
            )
        })?,
        size: r.get::<_, i64>(5)? as u64,
        page_count: r.get(6)?,
        state: r.get(7)?,
        received_at: r.get(8)?,
    })
}

fn new_batch(
    tx: &Transaction<'_>,
    profile: &str,
    state: BatchState,
    now: &str,
) -> Result<(i64, String)> {
    let uuid = uuid::Uuid::new_v4().to_string();
    let closed_at = (state != BatchState::Open).then_some(now);
    tx.execute(
        "INSERT INTO batches (uuid, profile, state, created_at, last_file_at, closed_at, updated_at,
                              scanned_by)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?4, (SELECT user FROM station_operator WHERE id = 1))",
        params![uuid, profile, state, now, closed_at],
    )?;
    let id = tx.last_insert_rowid();
    event(
        tx,
        "batch.created",
        Some(id),
        None,
        &format!("Profil {profile}"),
    )?;
    Ok((id, uuid))
}

fn open_batch_within(
    tx: &Transaction<'_>,
    profile: &str,
    now: OffsetDateTime,
    window: Duration,
) -> Result<Option<(i64, String)>> {
    let found: Option<(i64, String, String)> = tx
        .query_row(
            "SELECT id, uuid, last_file_at FROM batches WHERE profile = ?1 AND state = ?2
             ORDER BY id DESC LIMIT 1",
            params![profile, BatchState::Open],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(found.and_then(|(id, uuid, last)| {
        parse_time(&last)
            .is_some_and(|t| now - t < window)
            .then_some((id, uuid))
    }))
}

fn close_batch(tx: &Transaction<'_>, id: i64) -> Result<()> {
    let now = now();
    let n = tx.execute(
        "UPDATE batches SET state = ?1, closed_at = ?2, updated_at = ?2 WHERE id = ?3 AND state = ?4",
        params![BatchState::Ingested, now, id, BatchState::Open],
    )?;
    if n != 1 {
        return Err(StoreError::Transition {
            what: "Stapel",
            id,
            from: BatchState::Open.to_string(),
            to: BatchState::Ingested.to_string(),
        });
    }
    event(tx, "batch.closed", Some(id), None, "")
}

/// Forgets what the pages chosen by `pages` (a subquery on `?1 = arg`)
/// say: OCR text and words, full-text entries, barcode texts, the text their
/// file carried, and their scanner files' names (hashes stay). Shared by the
/// purge after the DMS's import and the erasure of a case.
pub(super) fn forget_pages(
    tx: &Transaction<'_>,
    pages: &str,
    arg: &dyn rusqlite::ToSql,
) -> Result<()> {
    for sql in [
        format!("DELETE FROM page_fts WHERE rowid IN ({pages})"),
        format!("UPDATE page_ocr SET text = '', words = '' WHERE page_id IN ({pages})"),
        format!("DELETE FROM page_barcodes WHERE page_id IN ({pages})"),
        format!("UPDATE pages SET source_text = NULL, source_words = NULL WHERE id IN ({pages})"),
        // File names may name people.
        format!(
            "UPDATE source_files SET file_name = '(gelöscht)', original_path = ''
             WHERE id IN (SELECT source_file_id FROM pages WHERE id IN ({pages}))"
        ),
    ] {
        tx.execute(&sql, [arg])?;
    }
    Ok(())
}
