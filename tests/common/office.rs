//! Office files the tests write themselves, the way a stranger's word
//! processor would lay them out (minimal but complete packages): DOCX, ODT
//! and XLSX with the `zip` crate, DOC with the `cfb` crate, RTF and text by
//! hand. Parts can be added to make hostile variants (macros, bombs).
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{Cursor, Write};

/// Text with XML's five characters escaped.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A ZIP of `(name, bytes)` parts, deflated (the first stored, as ODF's
/// `mimetype` must be).
pub fn zip_parts(parts: &[(&str, Vec<u8>)], first_stored: bool) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (i, (name, bytes)) in parts.iter().enumerate() {
        let method = if i == 0 && first_stored {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .large_file(bytes.len() > u32::MAX as usize / 2);
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The parts of a Word document (DOCX) with these paragraphs; a paragraph
/// starting with `# ` is a bold heading.
pub fn docx_parts(paragraphs: &[&str]) -> Vec<(&'static str, Vec<u8>)> {
    let body: String = paragraphs
        .iter()
        .map(|p| match p.strip_prefix("# ") {
            Some(h) => format!(
                "<w:p><w:r><w:rPr><w:b/><w:sz w:val=\"28\"/></w:rPr>\
                 <w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                esc(h)
            ),
            None => format!(
                "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                esc(p)
            ),
        })
        .collect();
    vec![
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#
                .to_vec(),
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#
                .to_vec(),
        ),
        (
            "word/document.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
                 <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
                 <w:body>{body}<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/></w:sectPr></w:body></w:document>"
            )
            .into_bytes(),
        ),
    ]
}

/// A Word document (DOCX) with these paragraphs.
pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
    zip_parts(&docx_parts(paragraphs), false)
}

/// The parts of an OpenDocument text (ODT) with these paragraphs.
pub fn odt_parts(paragraphs: &[&str]) -> Vec<(&'static str, Vec<u8>)> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<text:p>{}</text:p>", esc(p)))
        .collect();
    vec![
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.text".to_vec(),
        ),
        (
            "META-INF/manifest.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#
                .to_vec(),
        ),
        (
            "content.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content \
                 xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
                 xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\">\
                 <office:body><office:text>{body}</office:text></office:body></office:document-content>"
            )
            .into_bytes(),
        ),
    ]
}

/// An OpenDocument text (ODT) with these paragraphs.
pub fn odt(paragraphs: &[&str]) -> Vec<u8> {
    zip_parts(&odt_parts(paragraphs), true)
}

/// An Excel workbook (XLSX) with one sheet of these rows (inline strings
/// and numbers).
pub fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut sheet = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet \
         xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
    );
    // Columns as wide as their longest entry, as a person would drag them.
    sheet.push_str("<cols>");
    for c in 0..rows.iter().map(Vec::len).max().unwrap_or(0) {
        let chars = rows
            .iter()
            .filter_map(|r| r.get(c))
            .map(|s| s.chars().count())
            .max();
        write!(
            sheet,
            "<col min=\"{n}\" max=\"{n}\" width=\"{}\" customWidth=\"1\"/>",
            chars.unwrap_or(8) + 2,
            n = c + 1
        )
        .unwrap();
    }
    sheet.push_str("</cols><sheetData>");
    for (r, row) in rows.iter().enumerate() {
        write!(sheet, "<row r=\"{}\">", r + 1).unwrap();
        for (c, cell) in row.iter().enumerate() {
            let col = (b'A' + c as u8) as char;
            if cell.parse::<f64>().is_ok() {
                write!(sheet, "<c r=\"{col}{}\"><v>{cell}</v></c>", r + 1).unwrap();
            } else {
                write!(
                    sheet,
                    "<c r=\"{col}{}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    r + 1,
                    esc(cell)
                )
                .unwrap();
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    zip_parts(
        &[
            (
                "[Content_Types].xml",
                br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
                    .to_vec(),
            ),
            (
                "_rels/.rels",
                br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                    .to_vec(),
            ),
            (
                "xl/workbook.xml",
                br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Umsaetze" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                    .to_vec(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
                    .to_vec(),
            ),
            ("xl/worksheets/sheet1.xml", sheet.into_bytes()),
        ],
        false,
    )
}

/// A compound file (the container of DOC and XLS) with these streams
/// (paths like `/WordDocument` or `/Macros/VBA/dir`).
pub fn compound(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for (path, bytes) in streams {
        let path = std::path::Path::new(path);
        if let Some(parent) = path.parent()
            && parent != std::path::Path::new("/")
        {
            file.create_storage_all(parent).unwrap();
        }
        file.create_stream(path).unwrap().write_all(bytes).unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// An RTF letter with these paragraphs (German letters as RTF escapes).
pub fn rtf(paragraphs: &[&str]) -> Vec<u8> {
    let mut s =
        String::from("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Arial;}}\\f0\\fs22 ");
    for p in paragraphs {
        for c in p.chars() {
            match c {
                '\\' | '{' | '}' => {
                    s.push('\\');
                    s.push(c);
                }
                c if c.is_ascii() => s.push(c),
                c => write!(s, "\\u{}?", c as u32).unwrap(),
            }
        }
        s.push_str("\\par\n");
    }
    s.push('}');
    s.into_bytes()
}
