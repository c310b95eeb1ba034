//! What is refused before LibreOffice opens a file: macros, password
//! protection, archive bombs and XML entity declarations.
//!
//! A ZIP container (DOCX, XLSX, ODT, ODS) is not trusted for its declared
//! sizes: every entry is inflated in a counting stream against one budget
//! for the whole file, and containers inside it (embedded documents) are
//! checked the same way, a few levels deep. A compound file (DOC, XLS) is
//! walked for the storages that hold VBA projects.

use super::{ConvertError, OfficeKind};
use std::io::{Cursor, Read};

/// Most entries in one file, all containers together.
const MAX_ENTRIES: usize = 20_000;
/// Deepest nesting of containers in containers.
const MAX_DEPTH: u8 = 3;

/// Checks an Office file of `kind` before it is converted; `max_unpacked_mb`
/// bounds what its containers may unpack to, all together.
pub fn check(bytes: &[u8], kind: OfficeKind, max_unpacked_mb: u64) -> Result<(), ConvertError> {
    let mut budget = Budget {
        left: max_unpacked_mb.saturating_mul(1_000_000),
        max_mb: max_unpacked_mb,
        entries: 0,
        kind: kind.display_name(),
    };
    match kind {
        OfficeKind::Docx | OfficeKind::Xlsx | OfficeKind::Odt | OfficeKind::Ods => {
            check_zip(bytes, &mut budget, 0)
        }
        OfficeKind::Doc | OfficeKind::Xls => check_compound(bytes, &mut budget, 0),
        OfficeKind::Rtf => check_rtf(bytes),
        OfficeKind::Text | OfficeKind::Mail | OfficeKind::Msg => Ok(()),
    }
}

/// What is left to unpack, for one file and everything inside it.
struct Budget {
    left: u64,
    max_mb: u64,
    entries: usize,
    kind: &'static str,
}

impl Budget {
    fn take(&mut self, n: usize) -> Result<(), ConvertError> {
        match self.left.checked_sub(n as u64) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(ConvertError::Unpacked {
                kind: self.kind,
                max: self.max_mb,
            }),
        }
    }

    fn structure(&self, detail: impl Into<String>) -> ConvertError {
        ConvertError::Structure {
            kind: self.kind,
            detail: detail.into(),
        }
    }

    fn corrupt(&self, detail: impl Into<String>) -> ConvertError {
        ConvertError::Corrupt {
            kind: self.kind,
            detail: detail.into(),
        }
    }

    fn macros(&self, depth: u8) -> ConvertError {
        ConvertError::Macros {
            kind: self.kind,
            where_: if depth > 0 {
                ", in einem eingebetteten Dokument"
            } else {
                ""
            },
        }
    }
}

/// What a ZIP reader's error means, in words.
pub(super) fn zip_words(e: &zip::result::ZipError) -> String {
    use zip::result::ZipError as Z;
    match e {
        Z::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "der Container endet vorzeitig (Übertragung abgebrochen?)".into()
        }
        Z::Io(_) | Z::InvalidArchive(_) => {
            "das Inhaltsverzeichnis des Containers ist nicht lesbar (Datei abgeschnitten oder beschädigt)"
                .into()
        }
        Z::UnsupportedArchive(_) | Z::CompressionMethodNotSupported(_) => {
            "der Container ist auf eine Weise gepackt, die die Station nicht liest".into()
        }
        _ => "der Container ist nicht lesbar".into(),
    }
}

/// Whether an entry name (lower case) is a macro project.
fn macro_entry(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    // OOXML: the VBA project and its data.
    file == "vbaproject.bin"
        || file == "vbadata.xml"
        // OpenDocument: Basic modules (the library indexes alone are no
        // code) and scripts in other languages.
        || (name.starts_with("basic/")
            && !name.ends_with('/')
            && !matches!(file, "script-lc.xml" | "script-lb.xml" | "dialog-lc.xml" | "dialog-lb.xml"))
        || (name.starts_with("scripts/") && !name.ends_with('/'))
}

fn check_zip(bytes: &[u8], budget: &mut Budget, depth: u8) -> Result<(), ConvertError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| budget.corrupt(zip_words(&e)))?;
    budget.entries += zip.len();
    if budget.entries > MAX_ENTRIES {
        return Err(budget.structure(format!(
            "mehr als {} Bestandteile",
            crate::intake::thousands(MAX_ENTRIES)
        )));
    }
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(zip::result::ZipError::UnsupportedArchive(m)) if m.contains("assword") => {
                return Err(ConvertError::Encrypted { kind: budget.kind });
            }
            Err(e) => return Err(budget.corrupt(zip_words(&e))),
        };
        if entry.encrypted() {
            return Err(ConvertError::Encrypted { kind: budget.kind });
        }
        let name = entry
            .name()
            .map(|n| n.to_lowercase())
            .map_err(|e| budget.corrupt(zip_words(&e)))?;
        if macro_entry(&name) {
            return Err(budget.macros(depth));
        }
        if entry.is_dir() {
            continue;
        }
        let xml = name.ends_with(".xml") || name.ends_with(".rels") || name.ends_with(".xcu");
        // Inflated in pieces, counted, never held whole unless it is a
        // container of its own that must be looked into.
        let mut head = Vec::new();
        let mut kept: Option<Vec<u8>> = None;
        let mut carry: Vec<u8> = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(_) => {
                    return Err(budget.corrupt(format!(
                        "der Bestandteil {} lässt sich nicht entpacken (Prüfsumme falsch oder Daten beschädigt)",
                        i + 1
                    )));
                }
            };
            budget.take(n)?;
            let chunk = &buf[..n];
            if head.len() < 8 {
                head.extend_from_slice(&chunk[..chunk.len().min(8 - head.len())]);
                if head.len() >= 4 && kept.is_none() && nested_kind(&head).is_some() {
                    kept = Some(Vec::new());
                }
            }
            if let Some(k) = kept.as_mut() {
                k.extend_from_slice(chunk);
            }
            if xml {
                carry.extend_from_slice(chunk);
                if carry.windows(8).any(|w| w == b"<!ENTITY") {
                    return Err(budget.structure(
                        "XML-Entitätsdeklarationen, die in Office-Dokumenten nicht vorkommen",
                    ));
                }
                let keep_from = carry.len().saturating_sub(7);
                carry.drain(..keep_from);
            }
        }
        if let Some(inner) = kept {
            if depth + 1 > MAX_DEPTH {
                return Err(budget.structure(format!(
                    "Container mehr als {MAX_DEPTH}-fach ineinander verschachtelt"
                )));
            }
            match nested_kind(&head) {
                Some(Nested::Zip) => check_zip(&inner, budget, depth + 1)?,
                Some(Nested::Compound) => check_compound(&inner, budget, depth + 1)?,
                None => {}
            }
        }
    }
    Ok(())
}

enum Nested {
    Zip,
    Compound,
}

fn nested_kind(head: &[u8]) -> Option<Nested> {
    if head.starts_with(b"PK\x03\x04") {
        Some(Nested::Zip)
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Some(Nested::Compound)
    } else {
        None
    }
}

/// Storages of a compound file that hold macro projects.
fn macro_storage(name: &str) -> bool {
    ["Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA"]
        .iter()
        .any(|m| name.eq_ignore_ascii_case(m))
}

fn check_compound(bytes: &[u8], budget: &mut Budget, depth: u8) -> Result<(), ConvertError> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|_| budget.corrupt("die Verzeichnisstruktur des Dokuments ist nicht lesbar"))?;
    let mut packages = Vec::new();
    for e in cf.walk() {
        budget.entries += 1;
        if budget.entries > MAX_ENTRIES {
            return Err(budget.structure("zu viele Bestandteile"));
        }
        if macro_storage(e.name()) {
            return Err(budget.macros(depth));
        }
        // Embedded OOXML documents (`ObjectPool`, `Package` streams).
        if e.is_stream() && e.name() == "Package" {
            packages.push(e.path().to_owned());
        }
    }
    if depth == 0 {
        encrypted_binary(&mut cf, budget)?;
    }
    for path in packages {
        let Ok(stream) = cf.open_stream(&path) else {
            continue;
        };
        let mut inner = Vec::new();
        let limit = budget.left.saturating_add(1);
        stream
            .take(limit)
            .read_to_end(&mut inner)
            .map_err(|_| budget.corrupt("ein eingebettetes Dokument ist nicht lesbar"))?;
        budget.take(inner.len())?;
        if depth + 1 > MAX_DEPTH {
            return Err(budget.structure("Container zu tief verschachtelt"));
        }
        if inner.starts_with(b"PK\x03\x04") {
            check_zip(&inner, budget, depth + 1)?;
        }
    }
    Ok(())
}

/// Password protection of Word and Excel 97–2003 files: Word's file
/// information block flag `fEncrypted`, Excel's `FILEPASS` record.
fn encrypted_binary(
    cf: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    budget: &Budget,
) -> Result<(), ConvertError> {
    let encrypted = ConvertError::Encrypted { kind: budget.kind };
    if let Ok(mut s) = cf.open_stream("/WordDocument") {
        let mut fib = [0u8; 12];
        if s.read_exact(&mut fib).is_ok() && u16::from_le_bytes([fib[10], fib[11]]) & 0x0100 != 0 {
            return Err(encrypted);
        }
    }
    for name in ["/Workbook", "/Book"] {
        let Ok(s) = cf.open_stream(name) else {
            continue;
        };
        let mut head = Vec::new();
        let _ = s.take(64 * 1024).read_to_end(&mut head);
        // BIFF records: type, length, data; FILEPASS (0x2F) comes among
        // the first records of the workbook globals, before EOF (0x0A).
        let mut at = 0;
        for _ in 0..500 {
            let Some(rec) = head.get(at..at + 4) else {
                break;
            };
            let (ty, len) = (
                u16::from_le_bytes([rec[0], rec[1]]),
                u16::from_le_bytes([rec[2], rec[3]]) as usize,
            );
            if ty == 0x002F {
                return Err(encrypted);
            }
            if ty == 0x000A {
                break;
            }
            at += 4 + len;
        }
    }
    Ok(())
}

/// RTF carries no macros of its own, but embedded OLE objects (`\objdata`)
/// are how programs are smuggled in it.
fn check_rtf(bytes: &[u8]) -> Result<(), ConvertError> {
    if bytes
        .windows(8)
        .any(|w| w.eq_ignore_ascii_case(b"\\objdata"))
    {
        return Err(ConvertError::Structure {
            kind: "RTF",
            detail: "eingebettete Objekte (OLE), über die Programmcode ausgeführt werden kann"
                .into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in files {
            z.start_file(*name, o).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn macros_are_found_by_their_parts_not_by_the_file_name() {
        let plain = zip_of(&[("word/document.xml", b"<w:document/>")]);
        assert!(check(&plain, OfficeKind::Docx, 10).is_ok());
        let vba = zip_of(&[
            ("word/document.xml", b"<w:document/>"),
            ("word/vbaProject.bin", b"\xD0\xCF\x11\xE0"),
        ]);
        assert!(matches!(
            check(&vba, OfficeKind::Docx, 10),
            Err(ConvertError::Macros { .. })
        ));
        let basic = zip_of(&[
            ("content.xml", b"<office:document-content/>"),
            ("Basic/Standard/Module1.xml", b"<script:module/>"),
        ]);
        assert!(matches!(
            check(&basic, OfficeKind::Odt, 10),
            Err(ConvertError::Macros { .. })
        ));
        // A document inside a document with a macro project.
        let inner = zip_of(&[("xl/vbaProject.bin", b"x")]);
        let outer = zip_of(&[
            ("word/document.xml", b"<w:document/>"),
            ("word/embeddings/Tabelle.xlsm", &inner),
        ]);
        assert!(matches!(
            check(&outer, OfficeKind::Docx, 10),
            Err(ConvertError::Macros {
                where_: ", in einem eingebetteten Dokument",
                ..
            })
        ));
    }

    #[test]
    fn what_a_container_unpacks_to_is_counted_not_believed() {
        let big = vec![b'a'; 3_000_000];
        let bomb = zip_of(&[("word/document.xml", &big)]);
        assert!(bomb.len() < 100_000, "compresses well: {}", bomb.len());
        assert!(matches!(
            check(&bomb, OfficeKind::Docx, 2),
            Err(ConvertError::Unpacked { max: 2, .. })
        ));
        assert!(check(&bomb, OfficeKind::Docx, 4).is_ok());
        let entities = zip_of(&[(
            "word/document.xml",
            b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>",
        )]);
        assert!(matches!(
            check(&entities, OfficeKind::Docx, 10),
            Err(ConvertError::Structure { .. })
        ));
    }

    #[test]
    fn rtf_with_embedded_objects_is_refused() {
        assert!(check(b"{\\rtf1 Hallo}", OfficeKind::Rtf, 10).is_ok());
        assert!(check(b"{\\rtf1 {\\object\\objdata 0102}}", OfficeKind::Rtf, 10).is_err());
    }
}
