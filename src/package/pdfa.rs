//! PDF/A-2b output: the page images of a document with an invisible text
//! layer at the OCR word positions, written with krilla.
//!
//! JPEG pages are embedded as they are; bilevel (1-bit) pages as CCITT
//! Group 4, grey and colour pages losslessly (Flate); never JBIG2. krilla
//! has no CCITT input, so a bilevel page goes in as a tiny placeholder image
//! (1 pixel wide, as many high as its page number) that is swapped for the
//! G4 stream afterwards with lopdf; the swap must find every placeholder.
//!
//! The text layer puts every OCR word at its box, stretched horizontally to
//! the box's width and followed by a space (so selection matches the image
//! and text extraction keeps word boundaries), with fill opacity 0, which
//! PDF/A-2b allows; the font (DejaVu Sans, `assets/fonts`) is embedded.
//! krilla's own PDF/A validation refuses anything non-conforming.

use krilla::Document;
use krilla::color::luma;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{Point, Size, Transform};
use krilla::image::{BitsPerComponent, CustomImage, Image, ImageColorspace};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};

use crate::intake::decode::PageEncoding;
use crate::ocr::{Word, lines};

/// The font of the invisible text layer.
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// One page of an output document.
#[derive(Debug)]
pub struct PdfPage<'a> {
    /// The page image, as stored.
    pub image: &'a [u8],
    /// Its encoding.
    pub encoding: PageEncoding,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Resolution.
    pub dpi: f32,
    /// OCR words in page pixels.
    pub words: &'a [Word],
}

/// Why a document's PDF could not be written, in words; with the page
/// (1-based) where one page's image is the cause.
#[derive(Debug, thiserror::Error)]
#[error("{}", match .page { Some(n) => format!("Seite {n}: {}", .detail), None => .detail.clone() })]
pub struct PdfError {
    /// The page whose image could not be put in, if one was the cause.
    pub page: Option<usize>,
    /// What failed.
    pub detail: String,
}

impl From<String> for PdfError {
    fn from(detail: String) -> Self {
        Self { page: None, detail }
    }
}

impl From<&str> for PdfError {
    fn from(detail: &str) -> Self {
        detail.to_owned().into()
    }
}

/// A PDF/A-2b document titled `title` (German, the station as creator)
/// with the embedded font and its metrics.
fn new_document(title: &str) -> Result<(Document, Font, Metrics), PdfError> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| format!("PDF/A-Konfiguration: {e:?}"))?;
    let mut doc = Document::new_with(krilla::SerializeSettings {
        configuration,
        ..Default::default()
    });
    doc.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language("de".to_owned())
            .creator(format!("Scanstelle {}", env!("CARGO_PKG_VERSION")))
            .producer("Scanstelle (krilla)".to_owned())
            .creation_date(now()),
    );
    let font = Font::new(FONT.to_vec().into(), 0).ok_or("Schrift DejaVu Sans nicht ladbar")?;
    Ok((doc, font, Metrics::new()?))
}

/// Writes a PDF/A-2b document; the error says in words what failed.
pub fn document_pdf(pages: &[PdfPage<'_>], title: &str) -> Result<Vec<u8>, PdfError> {
    let (mut doc, font, metrics) = new_document(title)?;
    let mut embedded = std::collections::HashMap::new();
    for (n, p) in pages.iter().enumerate() {
        let dpi = if p.dpi > 0.0 { p.dpi } else { 300.0 };
        let pt = |px: f32| px * 72.0 / dpi;
        let (w, h) = (pt(p.width as f32), pt(p.height as f32));
        let on_page = |detail: String| PdfError {
            page: Some(n + 1),
            detail,
        };
        let size = Size::from_wh(w, h).ok_or_else(|| on_page("leere Seite".into()))?;
        let bilevel = n < MAX_G4_PAGES && is_bilevel_png(p.image);
        // A grey or colour page goes in with its PNG data as it is (PNG
        // rows are Flate with PNG predictors, which PDF reads): no decoding
        // and compressing again.
        let rows = (p.encoding == PageEncoding::Png && n < MAX_G4_PAGES && !bilevel)
            .then(|| png_rows(p.image))
            .flatten();
        let image = match (p.encoding, rows) {
            (PageEncoding::Jpeg, _) => Image::from_jpeg(p.image.to_vec().into(), false),
            (PageEncoding::Png, _) if bilevel => {
                let marker = n as u32 + 1;
                embedded.insert(marker, g4_of_png(p.image).map_err(on_page)?);
                Image::from_custom(Placeholder(marker, false), false)
            }
            (PageEncoding::Png, Some(rows)) => {
                let marker = n as u32 + 1;
                let colour = rows.colours == 3;
                embedded.insert(marker, rows);
                Image::from_custom(Placeholder(marker, colour), false)
            }
            (PageEncoding::Png, None) => Image::from_png(p.image.to_vec().into(), false),
        }
        .map_err(|e| on_page(format!("Bild nicht einbettbar: {e}")))?;
        let mut page = doc.start_page_with(PageSettings::from_wh(w, h).ok_or("Seitengröße")?);
        let mut surface = page.surface();
        surface.draw_image(image, size);
        surface.set_fill(Some(Fill {
            paint: luma::Color::black().into(),
            opacity: NormalizedF32::ZERO,
            rule: Default::default(),
        }));
        for line in lines(p.words) {
            let bottom = line.iter().map(|w| w.top + w.height).max().unwrap_or(0) as f32;
            let height = line.iter().map(|w| w.height).max().unwrap_or(0) as f32;
            // Baseline a little above the lowest box edge (descenders).
            let baseline = pt(bottom - height * 0.2);
            let size = pt(height * 0.9).max(1.0);
            for (i, w) in line.iter().enumerate() {
                // Each word at its own place, stretched to its box; a space
                // after it (but the last) keeps the word boundary for text
                // extraction.
                let text = if i + 1 < line.len() {
                    format!("{} ", w.text)
                } else {
                    w.text.clone()
                };
                let natural = metrics.width(&w.text, size);
                let scale = if natural > 0.0 {
                    (pt(w.width as f32) / natural).clamp(0.2, 5.0)
                } else {
                    1.0
                };
                surface.push_transform(&Transform::from_row(
                    scale,
                    0.0,
                    0.0,
                    1.0,
                    pt(w.left as f32),
                    baseline,
                ));
                surface.draw_text(
                    Point::from_xy(0.0, 0.0),
                    font.clone(),
                    size,
                    &text,
                    false,
                    TextDirection::Auto,
                );
                surface.pop();
            }
        }
        surface.finish();
        page.finish();
    }
    let pdf = doc
        .finish()
        .map_err(|e| format!("PDF/A-2b nicht erzeugbar: {e:?}"))?;
    let pdf = if embedded.is_empty() {
        pdf
    } else {
        insert_page_images(&pdf, &embedded)?
    };
    refuse_jbig2(&pdf)?;
    Ok(pdf)
}

/// A block of a text document ([`text_pdf`]).
#[derive(Debug, Clone, PartialEq)]
pub enum TextBlock {
    /// A heading.
    Heading(String),
    /// A paragraph, wrapped at the margins.
    Paragraph(String),
    /// An item of a list, with a dash, wrapped under itself.
    Item(String),
    /// Small print (the letterhead, a footer line).
    Small(String),
    /// Empty space of one line.
    Gap,
}

/// Writes a text document (a letter) as PDF/A-2b on A4: the blocks in
/// order, wrapped at 2.2 cm margins, on as many pages as they take, the
/// font embedded; every page numbered.
pub fn text_pdf(title: &str, blocks: &[TextBlock]) -> Result<Vec<u8>, PdfError> {
    const W: f32 = 595.0;
    const H: f32 = 842.0;
    const MARGIN: f32 = 62.0;
    let (mut doc, font, metrics) = new_document(title)?;
    // Lay out first: (page, x, baseline from the top, size, text).
    let mut placed: Vec<(usize, f32, f32, f32, String)> = Vec::new();
    let (mut page, mut y) = (0usize, MARGIN);
    for block in blocks {
        let (size, indent, before, text) = match block {
            TextBlock::Heading(t) => (13.0, 0.0, 10.0, t.as_str()),
            TextBlock::Paragraph(t) => (10.5, 0.0, 5.0, t.as_str()),
            TextBlock::Item(t) => (10.5, 14.0, 2.0, t.as_str()),
            TextBlock::Small(t) => (8.5, 0.0, 0.0, t.as_str()),
            TextBlock::Gap => {
                y += 10.5;
                continue;
            }
        };
        let lead = size * 1.35;
        y += before;
        let width = W - 2.0 * MARGIN - indent;
        for (n, line) in wrap(&metrics, text, size, width).into_iter().enumerate() {
            if y + lead > H - MARGIN {
                page += 1;
                y = MARGIN;
            }
            y += lead;
            // krilla measures from the top left, as the layout does.
            if matches!(block, TextBlock::Item(_)) && n == 0 {
                placed.push((page, MARGIN, y, size, "–".into()));
            }
            placed.push((page, MARGIN + indent, y, size, line));
        }
    }
    let pages = page + 1;
    for n in 0..pages {
        let mut p = doc.start_page_with(PageSettings::from_wh(W, H).ok_or("Seitengröße")?);
        let mut surface = p.surface();
        surface.set_fill(Some(Fill {
            paint: luma::Color::black().into(),
            opacity: NormalizedF32::ONE,
            rule: Default::default(),
        }));
        let mut draw = |x: f32, baseline: f32, size: f32, text: &str| {
            surface.draw_text(
                Point::from_xy(x, baseline),
                font.clone(),
                size,
                text,
                false,
                TextDirection::Auto,
            );
        };
        for (_, x, baseline, size, text) in placed.iter().filter(|l| l.0 == n) {
            draw(*x, *baseline, *size, text);
        }
        let number = format!("Seite {} von {pages}", n + 1);
        let nw = metrics.width(&number, 8.5);
        draw(W - MARGIN - nw, H - MARGIN * 0.6, 8.5, &number);
        surface.finish();
        p.finish();
    }
    let pdf = doc
        .finish()
        .map_err(|e| format!("PDF/A-2b nicht erzeugbar: {e:?}"))?;
    refuse_jbig2(&pdf)?;
    Ok(pdf)
}

/// `text` in lines no wider than `width` points at `size` (words kept
/// whole unless one alone is wider).
fn wrap(metrics: &Metrics, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if metrics.width(&candidate, size) <= width || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            }
        }
        lines.push(line);
    }
    lines
}

/// Refuses a PDF that uses JBIG2 (BSI TR-03138: its symbol coding can
/// swap look-alike characters). Stream dictionaries are never inside
/// object streams, so a filter name in the file is plain to see. Every
/// PDF the station writes passes through here.
pub fn refuse_jbig2(pdf: &[u8]) -> Result<(), PdfError> {
    let needle = b"/JBIG2";
    if pdf.windows(needle.len()).any(|w| w == needle) {
        return Err(PdfError::from(
            "PDF mit JBIG2-Kompression verweigert (BSI TR-03138)".to_owned(),
        ));
    }
    Ok(())
}

/// Bilevel pages beyond this page number go in as Flate (placeholder limit).
const MAX_G4_PAGES: usize = 4096;

/// A page image written into the PDF as it is: a bilevel page encoded as
/// CCITT Group 4 (K = -1, black is 0, `colours` 0), or the rows of a PNG
/// (`colours` 1 or 3: Flate with PNG predictors).
#[derive(Debug)]
struct PageImage {
    width: u32,
    height: u32,
    colours: u8,
    data: Vec<u8>,
}

/// The compressed rows of an 8-bit, non-interlaced grey or RGB PNG (its
/// IDAT chunks joined), which a PDF reads as Flate with PNG predictors;
/// `None` for any other PNG (krilla converts those).
fn png_rows(png: &[u8]) -> Option<PageImage> {
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if png.len() < 33 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let (width, height) = (be(&png[16..20]), be(&png[20..24]));
    let colours = match (png[24], png[25], png[28]) {
        (8, 0, 0) => 1,
        (8, 2, 0) => 3,
        _ => return None,
    };
    let mut data = Vec::with_capacity(png.len());
    let mut at = 8;
    while at + 8 <= png.len() {
        let len = be(&png[at..at + 4]) as usize;
        let kind = &png[at + 4..at + 8];
        let end = at.checked_add(12)?.checked_add(len)?;
        if end > png.len() {
            return None;
        }
        if kind == b"IDAT" {
            data.extend_from_slice(&png[at + 8..at + 8 + len]);
        }
        if kind == b"IEND" {
            break;
        }
        at = end;
    }
    (!data.is_empty() && width > 0 && height > 0).then_some(PageImage {
        width,
        height,
        colours,
        data,
    })
}

/// Whether a PNG holds 1-bit greyscale (the IHDR's bit depth and colour type).
fn is_bilevel_png(png: &[u8]) -> bool {
    png.len() > 25 && &png[12..16] == b"IHDR" && png[24] == 1 && png[25] == 0
}

/// Encodes a 1-bit greyscale PNG as CCITT Group 4 (lossless).
fn g4_of_png(png: &[u8]) -> Result<PageImage, String> {
    use fax::{Color, VecWriter, encoder::Encoder};
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("1-Bit-Bild nicht lesbar: {e}"))?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("1-Bit-Bild nicht lesbar: {e}"))?;
    let width = u16::try_from(info.width).map_err(|_| "Seite zu breit für G4".to_owned())?;
    let mut encoder = Encoder::new(VecWriter::new());
    for row in buf.chunks_exact(info.line_size).take(info.height as usize) {
        let pels = (0..usize::from(width)).map(|x| {
            // PNG grey, 1 bit: 1 is white.
            if row[x / 8] & (0x80 >> (x % 8)) != 0 {
                Color::White
            } else {
                Color::Black
            }
        });
        let Ok(()) = encoder.encode_line(pels, width);
    }
    let Ok(writer) = encoder.finish();
    Ok(PageImage {
        width: info.width,
        height: info.height,
        colours: 0,
        data: writer.finish(),
    })
}

/// Stand-in for a page image while krilla writes the document: a grey
/// (or colour) column one pixel wide and `marker` pixels high (unique per
/// document), so that krilla chooses the colour space.
#[derive(Debug, Clone, Hash)]
struct Placeholder(u32, bool);

impl CustomImage for Placeholder {
    fn color_channel(&self) -> &[u8] {
        static WHITE: [u8; 3 * MAX_G4_PAGES] = [255; 3 * MAX_G4_PAGES];
        &WHITE[..self.0 as usize * if self.1 { 3 } else { 1 }]
    }
    fn alpha_channel(&self) -> Option<&[u8]> {
        None
    }
    fn bits_per_component(&self) -> BitsPerComponent {
        BitsPerComponent::Eight
    }
    fn size(&self) -> (u32, u32) {
        (1, self.0)
    }
    fn icc_profile(&self) -> Option<&[u8]> {
        None
    }
    fn color_space(&self) -> ImageColorspace {
        if self.1 {
            ImageColorspace::Rgb
        } else {
            ImageColorspace::Luma
        }
    }
}

/// Swaps every placeholder image for its page's G4 or PNG-row stream,
/// keeping the colour space krilla chose; fails unless each is found
/// exactly once.
fn insert_page_images(
    pdf: &[u8],
    pages: &std::collections::HashMap<u32, PageImage>,
) -> Result<Vec<u8>, String> {
    use lopdf::{Object, Stream, dictionary};
    let mut doc =
        lopdf::Document::load_mem(pdf).map_err(|e| format!("PDF nicht nachbearbeitbar: {e}"))?;
    let mut found = std::collections::HashSet::new();
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        let int = |key: &[u8]| stream.dict.get(key).and_then(Object::as_i64).ok();
        let is_image = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Image");
        if !is_image || int(b"Width") != Some(1) {
            continue;
        }
        let Some((marker, g4)) = int(b"Height")
            .and_then(|h| u32::try_from(h).ok())
            .and_then(|h| pages.get_key_value(&h))
        else {
            continue;
        };
        let mut dict = stream.dict.clone();
        dict.remove(b"DecodeParms");
        dict.set("Width", i64::from(g4.width));
        dict.set("Height", i64::from(g4.height));
        if g4.colours == 0 {
            dict.set("BitsPerComponent", 1);
            dict.set("Filter", Object::Name(b"CCITTFaxDecode".to_vec()));
            dict.set(
                "DecodeParms",
                dictionary! {
                    "K" => -1,
                    "Columns" => i64::from(g4.width),
                    "Rows" => i64::from(g4.height),
                    "BlackIs1" => false,
                },
            );
        } else {
            dict.set("BitsPerComponent", 8);
            dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            dict.set(
                "DecodeParms",
                dictionary! {
                    "Predictor" => 15,
                    "Colors" => i64::from(g4.colours),
                    "BitsPerComponent" => 8,
                    "Columns" => i64::from(g4.width),
                },
            );
        }
        *stream = Stream::new(dict, g4.data.clone()).with_compression(false);
        if !found.insert(*marker) {
            return Err(format!("Platzhalter {marker} doppelt"));
        }
    }
    if found.len() != pages.len() {
        return Err(format!(
            "nur {} von {} Seitenbildern eingesetzt",
            found.len(),
            pages.len()
        ));
    }
    let mut out = Vec::with_capacity(pdf.len());
    doc.save_to(&mut out)
        .map_err(|e| format!("PDF nicht schreibbar: {e}"))?;
    Ok(out)
}

/// Advance widths of the text-layer font, to fit each word to its box.
struct Metrics {
    face: ttf_parser::Face<'static>,
}

impl Metrics {
    fn new() -> Result<Self, String> {
        Ok(Self {
            face: ttf_parser::Face::parse(FONT, 0)
                .map_err(|e| format!("Schrift DejaVu Sans nicht lesbar: {e}"))?,
        })
    }

    /// Width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| {
                self.face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g))
                    .map_or(0.0, f32::from)
            })
            .sum();
        units * size / f32::from(self.face.units_per_em())
    }
}

/// The current time (UTC) for the document metadata.
fn now() -> DateTime {
    let t = time::OffsetDateTime::now_utc();
    DateTime::new(t.year() as u16)
        .month(t.month() as u8)
        .day(t.day())
        .hour(t.hour())
        .minute(t.minute())
        .second(t.second())
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

#[cfg(test)]
mod jbig2_tests {
    use super::*;

    #[test]
    fn a_pdf_with_jbig2_is_refused() {
        let bad =
            b"%PDF-1.7\n1 0 obj << /Filter /JBIG2Decode /Length 0 >> stream\nendstream endobj";
        assert!(refuse_jbig2(bad).unwrap_err().to_string().contains("JBIG2"));
        assert!(refuse_jbig2(b"%PDF-1.7 /Filter /CCITTFaxDecode").is_ok());
    }
}
