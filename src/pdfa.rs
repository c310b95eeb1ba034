//! PDF/A-2b output: the page images of a document with an invisible text
//! layer at the OCR word positions, written with krilla.
//!
//! JPEG pages are embedded as they are; lossless pages losslessly (Flate);
//! never JBIG2. The text layer is drawn a line at a time, words separated by
//! spaces (so text extraction keeps word boundaries), with fill opacity 0,
//! which PDF/A-2b allows; the font (DejaVu Sans, `assets/fonts`) is embedded.
//! krilla's own PDF/A validation refuses anything non-conforming.

use krilla::Document;
use krilla::color::luma;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{Point, Size};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};

use crate::decode::PageEncoding;
use crate::ocr::Word;

/// The font of the invisible text layer.
const FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

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

/// Writes a PDF/A-2b document; the error says in words what failed.
pub fn document_pdf(pages: &[PdfPage<'_>], title: &str) -> Result<Vec<u8>, String> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| format!("PDF/A-Konfiguration: {e:?}"))?;
    let settings = krilla::SerializeSettings {
        configuration,
        ..Default::default()
    };
    let mut doc = Document::new_with(settings);
    doc.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language("de".to_owned())
            .creator(format!("Scanstelle {}", env!("CARGO_PKG_VERSION")))
            .producer("Scanstelle (krilla)".to_owned())
            .creation_date(now()),
    );
    let font = Font::new(FONT.to_vec().into(), 0).ok_or("Schrift DejaVu Sans nicht ladbar")?;
    for (n, p) in pages.iter().enumerate() {
        let dpi = if p.dpi > 0.0 { p.dpi } else { 300.0 };
        let pt = |px: f32| px * 72.0 / dpi;
        let (w, h) = (pt(p.width as f32), pt(p.height as f32));
        let size = Size::from_wh(w, h).ok_or(format!("Seite {}: leere Seite", n + 1))?;
        let image = match p.encoding {
            PageEncoding::Jpeg => Image::from_jpeg(p.image.to_vec().into(), false),
            PageEncoding::Png => Image::from_png(p.image.to_vec().into(), false),
        }
        .map_err(|e| format!("Seite {}: Bild nicht einbettbar: {e}", n + 1))?;
        let mut page = doc.start_page_with(PageSettings::from_wh(w, h).ok_or("Seitengröße")?);
        let mut surface = page.surface();
        surface.draw_image(image, size);
        surface.set_fill(Some(Fill {
            paint: luma::Color::black().into(),
            opacity: NormalizedF32::ZERO,
            rule: Default::default(),
        }));
        for line in lines(p.words) {
            let first = line[0];
            let bottom = line.iter().map(|w| w.top + w.height).max().unwrap_or(0) as f32;
            let height = line.iter().map(|w| w.height).max().unwrap_or(0) as f32;
            let text = line
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            // Baseline a little above the lowest box edge (descenders).
            let baseline = bottom - height * 0.2;
            surface.draw_text(
                Point::from_xy(pt(first.left as f32), pt(baseline)),
                font.clone(),
                pt(height * 0.9).max(1.0),
                &text,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| format!("PDF/A-2b nicht erzeugbar: {e:?}"))
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

/// Words grouped into their OCR lines, in order.
fn lines(words: &[Word]) -> Vec<Vec<&Word>> {
    let mut out: Vec<Vec<&Word>> = Vec::new();
    for w in words {
        match out.last_mut() {
            Some(l) if l[0].line == w.line => l.push(w),
            _ => out.push(vec![w]),
        }
    }
    out
}
