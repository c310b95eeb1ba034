//! Born-digital documents: Office files become PDF/A before intake decodes
//! them.
//!
//! An Office file (DOCX, DOC, ODT, XLSX, XLS, ODS, RTF, plain text) is
//! recognised by its content, plain text by its name as well
//! ([`sniff`]). Before any program opens it, [`check`] refuses in words
//! what the station does not open: macros, password protection, a ZIP
//! container that unpacks to more than the limit (every entry is inflated
//! in a counting stream, containers inside containers too) and XML entity
//! declarations. [`to_pdf`] then converts it headless, with an empty
//! profile of its own, macros off, no network where the system allows it,
//! a deadline and a kill of its whole process group. The PDF/A it writes
//! is decoded like any PDF; its own text is the text of the pages, and the
//! original travels with the document to the DMS. An e-mail is taken apart
//! first ([`mail`]): its text and each attachment become documents.

mod check;
mod libreoffice;
pub mod mail;

pub use check::check;
pub use libreoffice::{OfficeSettings, to_pdf};

use std::io::{Cursor, Read};

/// An Office format the station converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeKind {
    /// Word 2007 and later (also templates).
    Docx,
    /// Word 97–2003.
    Doc,
    /// OpenDocument text.
    Odt,
    /// Excel 2007 and later.
    Xlsx,
    /// Excel 97–2003.
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Rich Text Format.
    Rtf,
    /// Plain text (UTF-8, UTF-16 with byte order mark, or Windows-1252).
    Text,
    /// An e-mail (RFC 5322, `.eml`): taken apart into its message and
    /// attachments ([`mail`]), not converted as a whole.
    Mail,
    /// An Outlook message (`.msg`), taken apart like an e-mail.
    Msg,
}

impl OfficeKind {
    /// Every kind (for the tests and the documentation).
    pub const ALL: [OfficeKind; 10] = [
        Self::Docx,
        Self::Doc,
        Self::Odt,
        Self::Xlsx,
        Self::Xls,
        Self::Ods,
        Self::Rtf,
        Self::Text,
        Self::Mail,
        Self::Msg,
    ];

    /// Stable lower-case name, as stored in the database; also the file
    /// extension LibreOffice is given.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Docx => "docx",
            Self::Doc => "doc",
            Self::Odt => "odt",
            Self::Xlsx => "xlsx",
            Self::Xls => "xls",
            Self::Ods => "ods",
            Self::Rtf => "rtf",
            Self::Text => "txt",
            Self::Mail => "eml",
            Self::Msg => "msg",
        }
    }

    /// The kind of a stored name.
    pub fn from_stored(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Name for people.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Docx => "DOCX",
            Self::Doc => "DOC",
            Self::Odt => "ODT",
            Self::Xlsx => "XLSX",
            Self::Xls => "XLS",
            Self::Ods => "ODS",
            Self::Rtf => "RTF",
            Self::Text => "Text",
            Self::Mail => "E-Mail",
            Self::Msg => "Outlook-Nachricht",
        }
    }

    /// Its code in the xdomea code list `Dateiformat` 1.0, and the format's
    /// version as the message states it.
    pub fn xdomea_format(self) -> (&'static str, &'static str) {
        match self {
            Self::Docx => ("035", "Office Open XML"),
            Self::Doc => ("003", "Word 97-2003"),
            Self::Odt => ("015", "OpenDocument"),
            Self::Xlsx => ("036", "Office Open XML"),
            Self::Xls => ("028", "BIFF8"),
            Self::Ods => ("014", "OpenDocument"),
            Self::Rtf => ("022", "RTF"),
            Self::Text => ("045", "Text"),
            Self::Mail => ("006", "RFC 5322"),
            Self::Msg => ("012", "MS-OXMSG"),
        }
    }

    /// A table: converted with the spreadsheet filter.
    fn spreadsheet(self) -> bool {
        matches!(self, Self::Xlsx | Self::Xls | Self::Ods)
    }
}

/// Why an Office file is not converted. The `Display` text is German and
/// meant for the people at the station (the quarantine's reason note); it
/// never quotes the file's content.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The document carries macros (program code).
    #[error(
        "Die {kind}-Datei enthält Makros (Programmcode{where_}); Dokumente mit Makros nimmt die \
         Station nicht an, sie werden nicht geöffnet."
    )]
    Macros {
        /// The format in words.
        kind: &'static str,
        /// Where they were found, in words (`, in einem eingebetteten Dokument`), or empty.
        where_: &'static str,
    },
    /// The document is password-protected.
    #[error(
        "Die {kind}-Datei ist kennwortgeschützt oder verschlüsselt und kann nicht geöffnet werden."
    )]
    Encrypted {
        /// The format in words.
        kind: &'static str,
    },
    /// The container unpacks to more than the station allows.
    #[error(
        "Die {kind}-Datei entpackt sich auf mehr als {max} MB (Archivbombe?) und wird nicht \
         geöffnet; erlaubt sind {max} MB."
    )]
    Unpacked {
        /// The format in words.
        kind: &'static str,
        /// The limit in MB.
        max: u64,
    },
    /// The container has too many parts, or containers nested too deep.
    #[error("Die {kind}-Datei ist ungewöhnlich aufgebaut ({detail}) und wird nicht geöffnet.")]
    Structure {
        /// The format in words.
        kind: &'static str,
        /// What is odd, in words.
        detail: String,
    },
    /// The file is damaged.
    #[error("Die {kind}-Datei ist beschädigt oder unvollständig: {detail}")]
    Corrupt {
        /// The format in words.
        kind: &'static str,
        /// What is wrong, in words.
        detail: String,
    },
    /// A document kind the station recognises but does not take.
    #[error(
        "Die Datei ist {0}; angenommen werden Scans (TIFF, JPEG, PNG, PDF), Office-Dokumente \
         (DOCX, DOC, ODT, XLSX, XLS, ODS, RTF, TXT) und E-Mails (EML, MSG)."
    )]
    Unsupported(&'static str),
    /// LibreOffice is not installed at this station.
    #[error(
        "Office-Dateien werden mit LibreOffice umgewandelt, das an dieser Station nicht \
         installiert ist ({program}). Die Datei ist in Ordnung."
    )]
    Missing {
        /// The program looked for.
        program: String,
    },
    /// The conversion took longer than allowed.
    #[error(
        "Die Umwandlung in PDF dauerte länger als {secs} Sekunden und wurde abgebrochen \
         (Dokument zu umfangreich oder fehlerhaft)."
    )]
    Timeout {
        /// The deadline in seconds.
        secs: u64,
    },
    /// LibreOffice ran but wrote no PDF.
    #[error("LibreOffice konnte die {kind}-Datei nicht in PDF umwandeln ({detail}).")]
    Failed {
        /// The format in words.
        kind: &'static str,
        /// What happened, in words.
        detail: String,
    },
}

impl ConvertError {
    /// Stable code of the reason, as the quarantine records it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Macros { .. } => "macros",
            Self::Encrypted { .. } => "encrypted",
            Self::Unpacked { .. } | Self::Structure { .. } => "unpack_bomb",
            Self::Corrupt { .. } => "corrupt",
            Self::Unsupported(_) => "unknown_format",
            Self::Missing { .. } => "converter_missing",
            Self::Timeout { .. } => "conversion_timeout",
            Self::Failed { .. } => "conversion_failed",
        }
    }
}

/// The Office kind of a file, from its content (plain text: from its name
/// and content). `Ok(None)`: no Office file (a scan, or something else);
/// an error: recognisably an Office file the station does not take.
pub fn sniff(bytes: &[u8], name: &str) -> Result<Option<OfficeKind>, ConvertError> {
    let lower = name.to_lowercase();
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(bytes, &lower);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return sniff_compound(bytes);
    }
    if bytes.starts_with(b"{\\rtf") {
        return Ok(Some(OfficeKind::Rtf));
    }
    if lower.ends_with(".txt") && is_text(bytes) {
        return Ok(Some(OfficeKind::Text));
    }
    Ok(None)
}

/// Whether bytes read as text: no NUL (unless UTF-16 with a byte order
/// mark), few control characters.
fn is_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let head = &bytes[..bytes.len().min(65_536)];
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C))
        .count();
    !head.is_empty() && !head.contains(&0) && controls * 100 <= head.len()
}

/// The ZIP-based formats: OOXML by its content types, OpenDocument by its
/// `mimetype`.
fn sniff_zip(bytes: &[u8], lower_name: &str) -> Result<Option<OfficeKind>, ConvertError> {
    let by_name = [
        (".docx", OfficeKind::Docx),
        (".docm", OfficeKind::Docx),
        (".dotx", OfficeKind::Docx),
        (".odt", OfficeKind::Odt),
        (".xlsx", OfficeKind::Xlsx),
        (".xlsm", OfficeKind::Xlsx),
        (".ods", OfficeKind::Ods),
    ]
    .into_iter()
    .find(|(ext, _)| lower_name.ends_with(ext))
    .map(|(_, k)| k);
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        // Named as an Office file but no readable container: damaged.
        Err(e) => {
            return match by_name {
                Some(kind) => Err(ConvertError::Corrupt {
                    kind: kind.display_name(),
                    detail: check::zip_words(&e),
                }),
                None => Ok(None),
            };
        }
    };
    if let Some(mime) = small_entry(&mut zip, "mimetype") {
        let mime = String::from_utf8_lossy(&mime);
        let mime = mime.trim();
        return match mime {
            m if m.starts_with("application/vnd.oasis.opendocument.text") => {
                Ok(Some(OfficeKind::Odt))
            }
            m if m.starts_with("application/vnd.oasis.opendocument.spreadsheet") => {
                Ok(Some(OfficeKind::Ods))
            }
            m if m.starts_with("application/vnd.oasis.opendocument.presentation") => Err(
                ConvertError::Unsupported("eine Präsentation (ODP), kein Schriftstück"),
            ),
            m if m.starts_with("application/vnd.oasis.opendocument") => Err(
                ConvertError::Unsupported("ein OpenDocument-Format, das die Station nicht liest"),
            ),
            _ => Ok(None),
        };
    }
    if let Some(types) = small_entry(&mut zip, "[Content_Types].xml") {
        let types = String::from_utf8_lossy(&types).to_lowercase();
        return if types.contains("wordprocessingml.document.main")
            || types.contains("wordprocessingml.template.main")
            || types.contains("ms-word.document.macroenabled.main")
            || types.contains("ms-word.template.macroenabledtemplate.main")
        {
            Ok(Some(OfficeKind::Docx))
        } else if types.contains("spreadsheetml.sheet.main")
            || types.contains("spreadsheetml.template.main")
            || types.contains("ms-excel.sheet.macroenabled.main")
        {
            Ok(Some(OfficeKind::Xlsx))
        } else if types.contains("presentationml") {
            Err(ConvertError::Unsupported(
                "eine Präsentation (PPTX), kein Schriftstück",
            ))
        } else {
            match by_name {
                Some(kind) => Err(ConvertError::Corrupt {
                    kind: kind.display_name(),
                    detail: "das Hauptdokument fehlt im Container".into(),
                }),
                None => Ok(None),
            }
        };
    }
    match by_name {
        Some(kind) => Err(ConvertError::Corrupt {
            kind: kind.display_name(),
            detail: "der Container enthält kein Office-Dokument".into(),
        }),
        None => Ok(None),
    }
}

/// An entry of at most 1 MB, read whole; `None` if missing, larger or
/// unreadable.
fn small_entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    let entry = zip.by_name(name).ok()?;
    let mut out = Vec::new();
    entry.take(1_000_001).read_to_end(&mut out).ok()?;
    (out.len() <= 1_000_000).then_some(out)
}

/// The compound-file formats (Word and Excel 97–2003) by their streams;
/// an encrypted OOXML file is a compound file too.
fn sniff_compound(bytes: &[u8]) -> Result<Option<OfficeKind>, ConvertError> {
    let Ok(cf) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Err(ConvertError::Corrupt {
            kind: "Office",
            detail: "die Verzeichnisstruktur des Dokuments ist nicht lesbar".into(),
        });
    };
    let names: Vec<String> = cf
        .read_root_storage()
        .map(|e| e.name().to_owned())
        .collect();
    let has = |n: &str| names.iter().any(|m| m.eq_ignore_ascii_case(n));
    if has("EncryptionInfo") || has("EncryptedPackage") {
        return Err(ConvertError::Encrypted { kind: "Office" });
    }
    if has("WordDocument") {
        return Ok(Some(OfficeKind::Doc));
    }
    if has("Workbook") || has("Book") {
        return Ok(Some(OfficeKind::Xls));
    }
    if names.iter().any(|n| n.starts_with("__substg1.0_")) || has("__properties_version1.0") {
        return Ok(Some(OfficeKind::Msg));
    }
    if has("PowerPoint Document") {
        return Err(ConvertError::Unsupported(
            "eine Präsentation (PPT), kein Schriftstück",
        ));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_recognised_by_name_and_content_only() {
        assert_eq!(
            sniff("Sehr geehrte Damen und Herren".as_bytes(), "Brief.TXT").unwrap(),
            Some(OfficeKind::Text)
        );
        assert_eq!(sniff(b"Text", "brief.dat").unwrap(), None);
        assert_eq!(sniff(b"\0\x01\x02binary", "x.txt").unwrap(), None);
        assert_eq!(
            sniff(b"{\\rtf1\\ansi Hallo}", "x").unwrap(),
            Some(OfficeKind::Rtf)
        );
    }

    #[test]
    fn a_zip_that_is_no_office_file_is_left_to_the_decoder() {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            z.start_file("a.txt", zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut z, b"x").unwrap();
            z.finish().unwrap();
        }
        assert_eq!(sniff(buf.get_ref(), "archiv.zip").unwrap(), None);
        assert!(matches!(
            sniff(buf.get_ref(), "brief.docx"),
            Err(ConvertError::Corrupt { .. })
        ));
        assert!(matches!(
            sniff(b"PK\x03\x04 cut", "brief.docx"),
            Err(ConvertError::Corrupt { .. })
        ));
    }

    #[test]
    fn stored_names_round_trip() {
        for k in OfficeKind::ALL {
            assert_eq!(OfficeKind::from_stored(k.as_str()), Some(k));
        }
    }
}
