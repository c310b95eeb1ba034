//! Intake: one complete file from a hot folder becomes pages in the store.
//!
//! [`take_file`] is the whole, crash-safe path of one file:
//!
//! 1. read it and hash it (SHA-256 of the whole file);
//! 2. a file already recorded from the same place but not yet released is a
//!    restart after a crash: finish its steps (below) and record nothing new;
//!    any other file with a known hash is a duplicate: quarantined, reported;
//! 3. decode every page; a file that cannot be decoded is quarantined with
//!    its reason (or retried, if it changed only moments ago);
//! 4. write the page images to the blob store, then record the file, its
//!    pages, its batch and its document in **one** transaction;
//! 5. copy the original into the blob store (state `archived`), remove it
//!    from the hot folder, and mark it `released`.
//!
//! A crash between any two steps leaves either nothing recorded (the file is
//! taken again from the start) or a recorded file that step 2 finishes.
//! [`resume_pending`] does the same at start-up for files no longer there.

pub mod convert;
pub mod decode;
pub mod profile;
pub mod scan;
pub mod watch;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::fsutil::sync_dir;
use crate::intake::profile::Profile;
use crate::station::Station;
use crate::store::blob::Sha256Hex;
use crate::store::{
    Ingested, NewPage, NewQuarantine, NewSource, SourceFile, SourceState, StoreError,
};
use decode::{DecodeError, PageImage};

/// Errors of the station itself (disk, database), as opposed to a bad file.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// A file operation failed (said in words; the system's error is no
    /// `source`, so its English is not appended).
    #[error("{}: {}", path.display(), crate::fsutil::io_words(error))]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IntakeError + '_ {
    move |error| IntakeError::Io {
        path: path.to_owned(),
        error,
    }
}

/// How [`take_file`] treats the original.
#[derive(Debug, Clone)]
pub struct TakeOptions {
    /// Remove the file from where it was found once it is safe (hot folders: yes;
    /// `scanstelle ingest` of a user's files: only with `--move`).
    pub remove_original: bool,
    /// An unreadable file younger than this is retried instead of quarantined.
    pub quarantine_after: Duration,
    /// How much one file and each of its pages may take.
    pub limits: decode::Limits,
    /// How Office files are converted.
    pub office: convert::OfficeSettings,
}

/// What happened to a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Taken: pages recorded.
    Ingested(Ingested),
    /// It had been recorded before a crash; its remaining steps were finished.
    Resumed {
        /// The source-file row.
        source_id: i64,
    },
    /// The same content was taken before; the file went to quarantine.
    Duplicate {
        /// The earlier file.
        of: Box<SourceFile>,
        /// Where the duplicate lies now.
        stored_as: PathBuf,
    },
    /// Unreadable; the file went to quarantine.
    Quarantined {
        /// The reason in words.
        reason: String,
        /// Where it lies now.
        stored_as: PathBuf,
    },
    /// Unreadable but changed only moments ago: try again later.
    Retry {
        /// Why it could not be read yet.
        reason: String,
    },
    /// The file disappeared before it could be read.
    Vanished,
}

/// Takes one file (see the module documentation for the steps).
pub fn take_file(
    station: &mut Station,
    profile: &Profile,
    path: &Path,
    opts: &TakeOptions,
) -> Result<Outcome, IntakeError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Outcome::Vanished),
        Err(e) => return Err(io_err(path)(e)),
    };
    let sha = Sha256Hex::of(&bytes);
    if let Some(known) = station.store.source_by_sha(&sha)? {
        if known.state != SourceState::Released && known.original_path == path {
            finish_source(station, &known, opts)?;
            return Ok(Outcome::Resumed {
                source_id: known.id,
            });
        }
        let reason = format!(
            "Doppelt: Diese Datei wurde bereits am {} als {} (Stapel {}) eingelesen; sie ist inhaltsgleich (SHA-256 {}).",
            known.received_at,
            known.file_name,
            known.batch_id,
            sha.short()
        );
        let stored_as = quarantine(
            station,
            profile,
            path,
            &sha,
            bytes.len() as u64,
            "duplicate",
            &reason,
            opts,
        )?;
        return Ok(Outcome::Duplicate {
            of: Box::new(known),
            stored_as,
        });
    }
    let name = path
        .file_name()
        .map(crate::fsutil::readable_name)
        .unwrap_or_default();
    let decoded = match read_pages(station, &bytes, &name, opts) {
        Ok(d) => d,
        Err(e) => {
            let age = fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .unwrap_or(Duration::MAX);
            if age < opts.quarantine_after {
                return Ok(Outcome::Retry {
                    reason: e.to_string(),
                });
            }
            let reason = e.to_string();
            let stored_as = quarantine(
                station,
                profile,
                path,
                &sha,
                bytes.len() as u64,
                reason_code(&e),
                &reason,
                opts,
            )?;
            return Ok(Outcome::Quarantined { reason, stored_as });
        }
    };
    let size = bytes.len() as u64;
    drop(bytes);
    let pages = store_pages(station, decoded.pages)?;
    let ingested = station.store.ingest_source(&NewSource {
        profile: &profile.name,
        profile_sha: &profile.sha256,
        grouping: profile.grouping(),
        original_path: path,
        sha: &sha,
        size,
        format: decoded.format,
        pages: &pages,
    })?;
    let source = station
        .store
        .source_by_sha(&sha)?
        .expect("source recorded in the transaction above");
    finish_source(station, &source, opts)?;
    Ok(Outcome::Ingested(ingested))
}

/// A number with German thousands separators (`250.000`).
pub(crate) fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Decodes a file's pages; an Office file is checked and converted to
/// PDF/A first, and its pages are those of the PDF/A; an e-mail is taken
/// apart into its text and attachments, each its own part.
fn read_pages(
    station: &Station,
    bytes: &[u8],
    name: &str,
    opts: &TakeOptions,
) -> Result<decode::DecodedFile, DecodeError> {
    read_document(station, bytes, name, opts, 0)
}

/// One document's pages (an e-mail: its documents' pages): a scan, an
/// Office file through LibreOffice, or an e-mail or Outlook message taken
/// apart; `depth` counts the messages it is attached in.
fn read_document(
    station: &Station,
    bytes: &[u8],
    name: &str,
    opts: &TakeOptions,
    depth: usize,
) -> Result<decode::DecodedFile, DecodeError> {
    if convert::mail::is_mail(bytes) {
        return read_mail(station, bytes, convert::OfficeKind::Mail, opts, depth);
    }
    match convert::sniff(bytes, name)? {
        None => decode::decode_with(bytes, &opts.limits),
        Some(convert::OfficeKind::Msg) => {
            read_mail(station, bytes, convert::OfficeKind::Msg, opts, depth)
        }
        Some(kind) => convert_office(station, bytes, kind, name, opts),
    }
}

/// An Office file's pages: checked, converted to PDF/A in the station's
/// work folder, decoded; `name` only for the log.
fn convert_office(
    station: &Station,
    bytes: &[u8],
    kind: convert::OfficeKind,
    name: &str,
    opts: &TakeOptions,
) -> Result<decode::DecodedFile, DecodeError> {
    convert::check(bytes, kind, opts.office.unpacked_megabytes)?;
    let started = std::time::Instant::now();
    let pdf = convert::to_pdf(bytes, kind, &opts.office, &station.work_dir())?;
    let mut decoded = decode::decode_with(&pdf, &opts.limits)?;
    tracing::info!(
        datei = name,
        format = kind.display_name(),
        seiten = decoded.pages.len(),
        sekunden = format_args!("{:.1}", started.elapsed().as_secs_f64()),
        "Office-Datei in PDF/A umgewandelt"
    );
    decoded.format = decode::FileFormat::Office(kind);
    Ok(decoded)
}

/// An e-mail's documents: its text (rendered through LibreOffice as plain
/// text) and each attachment, their pages numbered by part. One part that
/// cannot be read refuses the whole e-mail, saying which part; the
/// attachments are read first, so such a mail is refused before any of
/// its texts is rendered.
fn read_mail(
    station: &Station,
    bytes: &[u8],
    kind: convert::OfficeKind,
    opts: &TakeOptions,
    depth: usize,
) -> Result<decode::DecodedFile, DecodeError> {
    use convert::mail::PartContent;
    // A message attached as a file to a message …: as deep as attached
    // messages are taken apart.
    if depth > convert::mail::MAX_DEPTH {
        return Err(convert::mail::too_deep(kind.display_name()).into());
    }
    let parts = if kind == convert::OfficeKind::Msg {
        convert::mail::msg_parts(bytes)?
    } else {
        convert::mail::parts(bytes)?
    };
    let read = |i: usize, part: &convert::mail::MailPart| {
        let (decoded, what) = match &part.content {
            // The log names no subject: it may name a person.
            PartContent::Text(text) => (
                convert_office(
                    station,
                    text.as_bytes(),
                    convert::OfficeKind::Text,
                    "Text der E-Mail",
                    opts,
                ),
                if i == 0 {
                    "Text der E-Mail".to_owned()
                } else {
                    format!("Text der angehängten {}", part.name)
                },
            ),
            PartContent::File(file) => (
                read_document(station, file, &part.name, opts, depth + 1),
                format!("Anhang „{}“", part.name),
            ),
        };
        decoded.map_err(|e| DecodeError::Part {
            what,
            source: Box::new(e),
        })
    };
    let is_text = |p: &convert::mail::MailPart| matches!(p.content, PartContent::Text(_));
    let mut read_parts: Vec<Vec<PageImage>> = parts.iter().map(|_| Vec::new()).collect();
    let mut total = 0;
    for texts in [false, true] {
        for (i, part) in parts.iter().enumerate() {
            if is_text(part) != texts {
                continue;
            }
            read_parts[i] = read(i, part)?.pages;
            total += read_parts[i].len();
            if total > opts.limits.file_pages {
                return Err(DecodeError::TooManyPages {
                    pages: total,
                    max: opts.limits.file_pages,
                });
            }
        }
    }
    let pages: Vec<PageImage> = read_parts
        .into_iter()
        .enumerate()
        .flat_map(|(i, pages)| {
            pages.into_iter().map(move |mut p| {
                p.part = i as u32;
                p
            })
        })
        .collect();
    tracing::info!(
        dokumente = parts.len(),
        seiten = pages.len(),
        "E-Mail in Text und Anhänge zerlegt"
    );
    Ok(decode::DecodedFile {
        format: decode::FileFormat::Office(kind),
        pages,
    })
}

/// Writes decoded pages to the blob store and describes them for the store
/// (step 4 of [`take_file`], before its transaction).
pub fn store_pages(station: &Station, pages: Vec<PageImage>) -> Result<Vec<NewPage>, IntakeError> {
    pages
        .into_iter()
        .map(|p| {
            let sha = station
                .blobs
                .put(&p.bytes)
                .map_err(io_err(station.home()))?;
            Ok(NewPage {
                sha,
                width: p.width,
                height: p.height,
                dpi: p.dpi,
                colour: p.colour,
                encoding: p.encoding,
                origin: p.origin,
                byte_size: p.bytes.len() as u64,
                text: p.text,
                words: p.words,
                part: p.part,
            })
        })
        .collect()
}

/// Archives the original into the blob store and releases it from its
/// folder; each step is skipped if already done, so this can run again
/// after a crash at any point.
fn finish_source(
    station: &mut Station,
    src: &SourceFile,
    opts: &TakeOptions,
) -> Result<(), IntakeError> {
    let path = &src.original_path;
    let mut state = src.state;
    if state == SourceState::InHotFolder {
        if !station.blobs.contains(&src.sha) {
            station
                .blobs
                .put_file(path, &src.sha)
                .map_err(io_err(path))?;
        }
        station
            .store
            .advance_source(src.id, SourceState::InHotFolder, SourceState::Archived)?;
        state = SourceState::Archived;
    }
    if state == SourceState::Archived {
        if opts.remove_original {
            remove_if_unchanged(path, &src.sha)?;
        }
        station
            .store
            .advance_source(src.id, SourceState::Archived, SourceState::Released)?;
    }
    Ok(())
}

/// Removes `path` only if it still holds the content with digest `sha`
/// (a scanner may have written a new file under the same name since).
fn remove_if_unchanged(path: &Path, sha: &Sha256Hex) -> Result<(), IntakeError> {
    match fs::read(path) {
        Ok(b) if Sha256Hex::of(&b) == *sha => {
            fs::remove_file(path).map_err(io_err(path))?;
            if let Some(dir) = path.parent() {
                sync_dir(dir).map_err(io_err(dir))?;
            }
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// Finishes, at start-up, files recorded before a crash whose steps were
/// not all done. Files still in their folder are finished when the folder
/// is listed; here only those already gone are settled. Returns how many.
pub fn resume_pending(station: &mut Station) -> Result<usize, IntakeError> {
    let mut n = 0;
    for src in station.store.unreleased_sources()? {
        if src.original_path.exists() {
            continue;
        }
        if !station.blobs.contains(&src.sha) {
            tracing::error!(
                datei = %src.original_path.display(),
                "Originaldatei fehlt und ist nicht archiviert; ihre Seiten sind gespeichert"
            );
            continue;
        }
        let opts = TakeOptions {
            remove_original: true,
            quarantine_after: Duration::ZERO,
            limits: Default::default(),
            office: Default::default(),
        };
        finish_source(station, &src, &opts)?;
        n += 1;
    }
    Ok(n)
}

fn reason_code(e: &DecodeError) -> &'static str {
    match e {
        DecodeError::Empty => "empty",
        DecodeError::Convert(c) => c.code(),
        DecodeError::Part { source, .. } => reason_code(source),
        DecodeError::UnknownFormat(_) => "unknown_format",
        DecodeError::Encrypted => "encrypted",
        DecodeError::Corrupt { .. } => "corrupt",
        DecodeError::NoPages => "no_pages",
        DecodeError::TooLarge { .. } | DecodeError::TooMuchMemory { .. } => "too_large",
        DecodeError::TooComplex { .. } => "too_complex",
        DecodeError::TooManyPages { .. } => "too_many_pages",
    }
}

fn advice(code: &str) -> &'static str {
    match code {
        "duplicate" => {
            "Die Seiten sind bereits im Bestand. Prüfen, ob die Datei versehentlich doppelt abgelegt wurde; dann kann sie gelöscht werden."
        }
        "macros" => {
            "Dokumente mit Makros werden nicht geöffnet. Bitte beim Absender eine Fassung ohne Makros (DOCX, ODT oder PDF) anfordern oder ausdrucken und scannen."
        }
        "unpack_bomb" => {
            "Die Datei ist auffällig aufgebaut und wurde nicht geöffnet. Bitte beim Absender eine PDF-Fassung anfordern."
        }
        "converter_missing" => {
            "LibreOffice installieren (installer/setup.sh) und die Datei danach aus der Quarantäne erneut einlesen."
        }
        "conversion_timeout" | "conversion_failed" => {
            "Bitte die Datei am Arbeitsplatz öffnen und als PDF speichern, oder ausdrucken und scannen."
        }
        "encrypted" => {
            "Bitte ohne Kennwort neu scannen oder beim Absender eine ungeschützte Fassung anfordern."
        }
        "unknown_format" => {
            "Verarbeitet werden TIFF, JPEG, PNG und PDF, Office-Dokumente (DOCX, DOC, ODT, XLSX, XLS, ODS, RTF, TXT) und E-Mails (EML, MSG). Bitte die Scanner-Einstellung prüfen."
        }
        "too_large" => "Bitte mit geringerer Auflösung (300 dpi) oder in Graustufen neu scannen.",
        "too_complex" => {
            "Die Seite ist eine aufwendige Zeichnung: bitte ausdrucken und als Scan einliefern."
        }
        "too_many_pages" => {
            "Bitte den Stapel in mehrere Dateien teilen (Scanner-Einstellung: Datei nach höchstens 1.000 Seiten)."
        }
        _ => {
            "Bitte das Papier neu scannen. Tritt der Fehler wiederholt auf, Scanner und Übertragung prüfen."
        }
    }
}

/// Copies the file into `quarantine/` with its sealed reason note, records it and
/// removes the original (when allowed and unchanged). Idempotent.
#[allow(clippy::too_many_arguments)]
fn quarantine(
    station: &mut Station,
    profile: &Profile,
    path: &Path,
    sha: &Sha256Hex,
    size: u64,
    code: &str,
    reason: &str,
    opts: &TakeOptions,
) -> Result<PathBuf, IntakeError> {
    let dir = station.quarantine_dir();
    // On disk: the file sealed like every blob, and a note without the
    // file's name or origin (both are in the encrypted database, shown by
    // `scanstelle quarantine` and the window).
    // Keyed names: the digest of a file must not be readable either (it
    // would confirm that a known document is here).
    let dest = dir.join(format!("{}.sealed", station.blobs.keyed_name(sha)));
    let note = crate::station::note_path(&dest);
    let said = if code == "duplicate" {
        format!(
            "Doppelt: inhaltsgleich mit einer bereits eingelesenen Datei (SHA-256 {}).",
            sha.short()
        )
    } else {
        reason.to_owned()
    };
    let text = format!(
        "Scannerprofil: {}\nZeitpunkt:     {}\nGröße:         {size} Byte\nSHA-256:       {sha}\n\nGrund:         {said}\n\nWas tun:       {}\n\nName und Herkunft zeigt `scanstelle quarantine`; herausholen mit\n`scanstelle quarantine export {} --to ORDNER`.\n",
        profile.name,
        crate::store::now(),
        advice(code),
        sha.short(),
    );
    // Sealed like the file: nothing under the home is readable.
    station
        .blobs
        .write_sealed(&note, crate::station::NOTE_CONTEXT, |w| {
            std::io::Write::write_all(w, text.as_bytes())
        })
        .map_err(io_err(&note))?;
    if !dest.exists() {
        station
            .blobs
            .write_sealed(&dest, sha.as_str().as_bytes(), |w| {
                std::io::copy(&mut fs::File::open(path)?, w).map(|_| ())
            })
            .map_err(io_err(path))?;
    }
    station.store.record_quarantine(&NewQuarantine {
        original_path: path,
        sha,
        size,
        reason_code: code,
        reason,
        stored_as: &dest,
    })?;
    if opts.remove_original {
        remove_if_unchanged(path, sha)?;
    }
    tracing::warn!(sha = sha.short(), code, "in Quarantäne");
    Ok(dest)
}

/// The whole file of quarantine entry `q`, decrypted (for a preview or to
/// read it again; an export streams it instead).
pub fn read_quarantined(
    blobs: &crate::store::blob::BlobStore,
    q: &crate::store::QuarantineRow,
) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut blobs.read_sealed(Path::new(&q.stored_as), q.sha.as_bytes())?,
        &mut bytes,
    )?;
    Ok(bytes)
}

/// Writes the file of quarantine entry `q` decrypted into the folder
/// `to` (made if missing) under its original name and returns the path.
/// Refused in words: an entry only noted in the hot folder (nothing is
/// stored), a file that is there already.
pub fn export_quarantined(
    blobs: &crate::store::blob::BlobStore,
    q: &crate::store::QuarantineRow,
    to: &Path,
) -> Result<PathBuf, String> {
    if SET_ASIDE_CODES.contains(&q.reason_code.as_str()) {
        return Err(format!(
            "Eintrag {} ist keine gespeicherte Datei: er wurde im Eingangsordner vermerkt \
             und liegt dort ({}).",
            q.id, q.reason
        ));
    }
    let name = Path::new(&q.file_name)
        .file_name()
        .map(ToOwned::to_owned)
        .unwrap_or_else(|| format!("quarantaene-{}", q.id).into());
    fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let dest = to.join(name);
    if dest.exists() {
        return Err(format!(
            "{} gibt es schon: bitte einen leeren Ordner angeben.",
            dest.display()
        ));
    }
    let mut reader = blobs
        .read_sealed(Path::new(&q.stored_as), q.sha.as_bytes())
        .map_err(|e| format!("Quarantäne-Eintrag {}: {e}", q.id))?;
    let mut out = fs::File::create(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    std::io::copy(&mut reader, &mut out).map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(dest)
}

/// Puts the file of quarantine entry `q` back into a hot folder to be read
/// again ("erneut einlesen": after the scanner's files were repaired, a
/// limit was raised or the station was updated) and ends the entry; the
/// station takes it like any new file, and quarantines it again, with the
/// reason of then, if it cannot be read after all. The folder is the one it
/// was found in, so its scanner profile applies again, or `fallback` if that
/// folder is gone. Returns the path it got. Refused in words, the entry
/// kept: an entry only noted in its hot folder, a duplicate of a file still
/// in the store, a file that still cannot be decoded within `limits` (the
/// reason of now).
///
/// Order for a crash at any point: the file is placed first, the entry
/// ended after, the sealed copy removed last, so nothing is ever lost (at
/// worst the file is read while its entry still shows, and a second
/// attempt finds it a duplicate).
pub fn requeue_quarantined(
    blobs: &crate::store::blob::BlobStore,
    store: &mut crate::store::Store,
    q: &crate::store::QuarantineRow,
    fallback: Option<&Path>,
    limits: &decode::Limits,
) -> Result<PathBuf, String> {
    if SET_ASIDE_CODES.contains(&q.reason_code.as_str()) {
        return Err(format!(
            "Eintrag {} ist keine gespeicherte Datei: er liegt weiter im Eingangsordner ({}). \
             Die Station liest ihn, sobald er dort als lesbare Datei liegt.",
            q.id, q.reason
        ));
    }
    if let Some(earlier) = Sha256Hex::parse(&q.sha)
        .map(|sha| store.source_by_sha(&sha))
        .transpose()
        .map_err(|e| e.to_string())?
        .flatten()
    {
        return Err(format!(
            "Eintrag {} ist inhaltsgleich mit {} (Stapel {}), die schon eingelesen ist; \
             erneut eingelesen käme sie wieder in die Quarantäne.",
            q.id, earlier.file_name, earlier.batch_id
        ));
    }
    let folder = q
        .original_path
        .parent()
        .filter(|d| d.is_dir())
        .or(fallback)
        .ok_or_else(|| {
            format!(
                "Der Eingangsordner von Eintrag {} ({}) ist nicht mehr da, und kein Scannerprofil hat einen.",
                q.id,
                q.original_path.parent().unwrap_or(Path::new("")).display()
            )
        })?;
    let name = q
        .original_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("quarantaene-{}", q.id));
    let stored = Path::new(&q.stored_as);
    let bytes = read_quarantined(blobs, q).map_err(|e| {
        format!(
            "Quarantäne-Eintrag {}: {}",
            q.id,
            crate::fsutil::io_words(&e)
        )
    })?;
    // Still unreadable: said now, not in half a minute from the watcher.
    if let Err(e) = decode::decode_with(&bytes, limits) {
        return Err(format!(
            "Eintrag {} ist weiterhin nicht lesbar und bleibt in der Quarantäne: {e}",
            q.id
        ));
    }
    let to =
        crate::fsutil::place_in_folder(folder, &name, |f| std::io::Write::write_all(f, &bytes))
            .map_err(|e| {
                format!(
                    "Quarantäne-Eintrag {} nach {}: {}",
                    q.id,
                    folder.display(),
                    crate::fsutil::io_words(&e)
                )
            })?;
    store
        .requeue_quarantine(q.id, &to.display().to_string())
        .map_err(|e| e.to_string())?;
    // The sealed copy and its note are no longer needed (the entry is gone).
    for f in [stored.to_owned(), crate::station::note_path(stored)] {
        if let Err(e) = fs::remove_file(&f)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(datei = %f.display(), fehler = %e, "Quarantäne-Kopie nicht entfernt");
        }
    }
    tracing::info!(
        eintrag = q.id,
        "Quarantäne: erneut in den Eingangsordner gelegt"
    );
    Ok(to)
}

/// Puts a letter the station wrote for household `bg` into the hot folder
/// `folder`, as scanners deliver files, to be taken, decided and sent like
/// any paper; returns where it lies.
pub fn place_letter(folder: &Path, bg: &str, pdf: &[u8]) -> std::io::Result<PathBuf> {
    let name = format!("brief-{bg}-{}.pdf", time::OffsetDateTime::now_utc().date());
    crate::fsutil::place_in_folder(folder, &name, |f| std::io::Write::write_all(f, pdf))
}

/// Reason codes of entries [`set_aside`] in their hot folder (nothing of
/// theirs is stored).
pub const SET_ASIDE_CODES: &[&str] = &["link", "not_a_file", "subfolder", "unreadable"];

/// Records, once, an entry of a hot folder that is not a file to take (a
/// link, a pipe, a subfolder, a file the station may not read): it is named
/// in the quarantine list with its reason and stays where it is — the
/// station neither follows nor opens it. `true` if it was new.
pub fn set_aside(
    station: &mut Station,
    profile: &Profile,
    path: &Path,
    code: &str,
    reason: &str,
) -> Result<bool, IntakeError> {
    use std::os::unix::ffi::OsStrExt;
    debug_assert!(SET_ASIDE_CODES.contains(&code));
    // No content is read: the entry is named by what it is and where.
    let id = Sha256Hex::of(&[code.as_bytes(), b":", path.as_os_str().as_bytes()].concat());
    let new = station.store.record_quarantine(&NewQuarantine {
        original_path: path,
        sha: &id,
        size: 0,
        reason_code: code,
        reason,
        stored_as: path,
    })?;
    if new {
        tracing::warn!(profil = %profile.name, code, "Eintrag im Eingangsordner zurückgestellt");
    }
    Ok(new)
}
