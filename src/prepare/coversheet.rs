//! Cover sheets: a printed A4 page with a QR code that starts a document
//! and pre-assigns its case (BG-Nummer), type and page count
//! (see [`crate::prepare::separation`]). Written as a small PDF by hand: one
//! uncompressed 1-bit image and base-14 Helvetica text.

use crate::prepare::separation::{CoverSheet, qr_matrix};

/// Builds a PDF from object bodies; object 1 must be the catalog.
pub fn build_pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A stream object with the given dictionary entries.
pub fn stream_object(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

/// PDF string literal in WinAnsi (Latin-1 for German text).
fn pdf_text(s: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for ch in s.chars() {
        match ch {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                out.push(ch as u8);
            }
            c if (c as u32) < 256 => out.push(c as u32 as u8),
            _ => out.push(b'?'),
        }
    }
    out.push(b')');
    out
}

/// The cover sheet as a one-page A4 PDF.
pub fn cover_sheet_pdf(sheet: &CoverSheet) -> Result<Vec<u8>, crate::package::pdfa::PdfError> {
    let payload = sheet.payload();
    let (n, bits) = qr_matrix(&payload, 600)?;
    // 1-bit image rows, 1 = white (DeviceGray, no Decode array).
    let stride = (n as usize).div_ceil(8);
    let mut data = vec![0u8; stride * n as usize];
    for y in 0..n as usize {
        for x in 0..n as usize {
            if !bits[y * n as usize + x] {
                data[y * stride + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    let mut lines = vec![
        (24, "Scanstelle - Deckblatt".to_owned()),
        (16, format!("BG-Nummer: {}", sheet.bg)),
    ];
    if let Some(t) = &sheet.doc_type {
        lines.push((16, format!("Dokumenttyp: {t}")));
    }
    if let Some(p) = sheet.pages {
        lines.push((16, format!("Seitenzahl: {p}")));
    }
    lines.push((
        11,
        "Dieses Blatt vor das Dokument legen und mitscannen.".into(),
    ));
    lines.push((
        11,
        "Es wird erkannt, aus dem Dokument entfernt und bleibt im Bestand.".into(),
    ));
    let mut content = b"q 300 0 0 300 148 200 cm /Qr Do Q\nBT\n".to_vec();
    let mut y = 770;
    for (size, text) in &lines {
        content.extend_from_slice(format!("/F1 {size} Tf 1 0 0 1 72 {y} Tm ").as_bytes());
        content.extend_from_slice(&pdf_text(text));
        content.extend_from_slice(b" Tj\n");
        y -= size + 14;
    }
    content.extend_from_slice(b"ET\n");
    let pdf = build_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> /XObject << /Qr 6 0 R >> >> /Contents 5 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        stream_object("", &content),
        stream_object(
            &format!("/Type /XObject /Subtype /Image /Width {n} /Height {n} /ColorSpace /DeviceGray /BitsPerComponent 1"),
            &data,
        ),
    ]);
    crate::package::pdfa::refuse_jbig2(&pdf)?;
    Ok(pdf)
}
