//! Multi-page TIFF as production scanners write it (G4, LZW, Deflate, JPEG).

use super::{
    ColourMode, DecodeError, PageEncoding, PageImage, PageOrigin, check_size, encode_bilevel_png,
    encode_png,
};
use std::io::Cursor;
use tiff::ColorType;
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::{ResolutionUnit, Tag};

fn corrupt(e: impl std::fmt::Display) -> DecodeError {
    DecodeError::Corrupt {
        format: "TIFF",
        detail: e.to_string(),
    }
}

/// What the TIFF decoder's error means, in words (its English goes to the log).
fn words(e: &tiff::TiffError) -> &'static str {
    use tiff::TiffError as E;
    tracing::debug!(fehler = %e, "TIFF nicht lesbar");
    match e {
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "die Bilddaten enden vorzeitig (Übertragung abgebrochen?)"
        }
        E::UnsupportedError(_) => {
            "diese TIFF-Variante (Kompression oder Farbtiefe) kann die Station nicht lesen"
        }
        E::LimitsExceeded => "das Bild ist zu groß für den Arbeitsspeicher der Station",
        _ => "der Aufbau der Datei ist beschädigt",
    }
}

/// A TIFF decoder error as a refusal in words, with the page if known.
fn refuse(page: Option<usize>, e: &tiff::TiffError) -> DecodeError {
    match page {
        Some(p) => corrupt(format!("Seite {p}: {}", words(e))),
        None => corrupt(words(e)),
    }
}

/// Decodes every image of a TIFF file into a page.
pub(super) fn decode(bytes: &[u8], limits: &super::Limits) -> Result<Vec<PageImage>, DecodeError> {
    let mut buffers = Limits::default();
    buffers.decoding_buffer_size = super::MAX_PAGE_PIXELS as usize * 3;
    buffers.intermediate_buffer_size = super::MAX_PAGE_PIXELS as usize * 3;
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(|e| refuse(None, &e))?
        .with_limits(buffers);
    let mut pages = Vec::new();
    loop {
        super::check_page_count(limits, pages.len() + 1)?;
        pages.push(decode_frame(&mut dec, limits, pages.len() + 1)?);
        if !dec.more_images() {
            break;
        }
        dec.next_image()
            .map_err(|e| refuse(Some(pages.len() + 1), &e))?;
    }
    Ok(pages)
}

fn rational(dec: &mut Decoder<Cursor<&[u8]>>, tag: Tag) -> Option<f32> {
    use tiff::decoder::ifd::Value;
    let v = match dec.find_tag(tag).ok()?? {
        Value::Rational(n, d) if d != 0 => n as f32 / d as f32,
        Value::Float(f) => f,
        Value::Double(f) => f as f32,
        Value::Short(n) => f32::from(n),
        Value::Unsigned(n) => n as f32,
        _ => return None,
    };
    (v.is_finite() && v > 0.0).then_some(v)
}

fn resolution(dec: &mut Decoder<Cursor<&[u8]>>) -> Option<(f32, f32)> {
    let x = rational(dec, Tag::XResolution)?;
    let y = rational(dec, Tag::YResolution).unwrap_or(x);
    let unit = dec
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()
        .flatten();
    match unit.and_then(ResolutionUnit::from_u16) {
        Some(ResolutionUnit::Centimeter) => Some((x * 2.54, y * 2.54)),
        Some(ResolutionUnit::None) => None,
        _ => Some((x, y)),
    }
}

/// What one pixel of this colour type takes decoded, in bytes (as the
/// station keeps it: bilevel pages are worked on in 8-bit grey).
fn decoded_bytes_per_pixel(colortype: ColorType) -> u64 {
    let (samples, bits) = match colortype {
        ColorType::Gray(b) => (1, b),
        ColorType::GrayA(b) => (2, b),
        ColorType::RGB(b) | ColorType::YCbCr(b) | ColorType::Lab(b) => (3, b),
        ColorType::RGBA(b) | ColorType::CMYK(b) => (4, b),
        ColorType::CMYKA(b) => (5, b),
        ColorType::Palette(_) => (3, 8),
        _ => (4, 16),
    };
    (samples * u64::from(bits)).div_ceil(8).max(1)
}

fn decode_frame(
    dec: &mut Decoder<Cursor<&[u8]>>,
    limits: &super::Limits,
    page: usize,
) -> Result<PageImage, DecodeError> {
    let (width, height) = dec.dimensions().map_err(|e| refuse(Some(page), &e))?;
    let colortype = dec.colortype().map_err(|e| refuse(Some(page), &e))?;
    check_size(
        limits,
        page,
        width,
        height,
        decoded_bytes_per_pixel(colortype),
    )?;
    let dpi = resolution(dec);
    let data = dec.read_image().map_err(|e| refuse(Some(page), &e))?;
    let w = width as usize;
    let h = height as usize;
    let (colour, bytes) = match (colortype, data) {
        // The decoder already turns WhiteIsZero data into BlackIsZero (1 = white),
        // which is also what PNG greyscale means.
        (ColorType::Gray(1), DecodingResult::U8(mut packed)) => {
            let stride = w.div_ceil(8);
            if packed.len() < stride * h {
                return Err(corrupt(format!("Seite {page}: zu wenig Bilddaten")));
            }
            packed.truncate(stride * h);
            (
                ColourMode::Bilevel,
                encode_bilevel_png(width, height, &packed, dpi),
            )
        }
        (ColorType::Gray(8), DecodingResult::U8(px)) => (
            ColourMode::Gray,
            encode_png(width, height, ColourMode::Gray, &px, dpi),
        ),
        (ColorType::Gray(16), DecodingResult::U16(px)) => {
            let g: Vec<u8> = px.iter().map(|v| (v >> 8) as u8).collect();
            (
                ColourMode::Gray,
                encode_png(width, height, ColourMode::Gray, &g, dpi),
            )
        }
        (ColorType::RGB(8), DecodingResult::U8(px)) => (
            ColourMode::Colour,
            encode_png(width, height, ColourMode::Colour, &px, dpi),
        ),
        (ColorType::RGBA(8), DecodingResult::U8(px)) => {
            let rgb: Vec<u8> = px
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            (
                ColourMode::Colour,
                encode_png(width, height, ColourMode::Colour, &rgb, dpi),
            )
        }
        (ColorType::YCbCr(8), DecodingResult::U8(px)) => {
            let rgb: Vec<u8> = px
                .chunks_exact(3)
                .flat_map(|p| ycbcr_to_rgb(p[0], p[1], p[2]))
                .collect();
            (
                ColourMode::Colour,
                encode_png(width, height, ColourMode::Colour, &rgb, dpi),
            )
        }
        (ColorType::CMYK(8), DecodingResult::U8(px)) => {
            let rgb: Vec<u8> = px
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - u16::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| ((255 - u16::from(c)) * k / 255) as u8)
                })
                .collect();
            (
                ColourMode::Colour,
                encode_png(width, height, ColourMode::Colour, &rgb, dpi),
            )
        }
        (ColorType::Palette(8), DecodingResult::U8(px)) => {
            let map = dec
                .get_tag_u16_vec(Tag::ColorMap)
                .map_err(|_| corrupt(format!("Seite {page}: Farbpalette fehlt")))?;
            if map.len() < 3 * 256 {
                return Err(corrupt(format!("Seite {page}: Farbpalette unvollständig")));
            }
            let rgb: Vec<u8> = px
                .iter()
                .flat_map(|&i| {
                    let i = usize::from(i);
                    [map[i], map[256 + i], map[512 + i]].map(|v| (v >> 8) as u8)
                })
                .collect();
            (
                ColourMode::Colour,
                encode_png(width, height, ColourMode::Colour, &rgb, dpi),
            )
        }
        (other, _) => {
            return Err(corrupt(format!(
                "Seite {page}: Farbformat {other:?} wird nicht unterstützt"
            )));
        }
    };
    Ok(PageImage {
        width,
        height,
        dpi,
        colour,
        encoding: PageEncoding::Png,
        bytes,
        origin: PageOrigin::Scanned,
        text: None,
        words: Vec::new(),
        part: 0,
    })
}

/// JFIF YCbCr to RGB (JPEG-in-TIFF data comes out of the decoder unconverted).
fn ycbcr_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let y = f32::from(y);
    let cb = f32::from(cb) - 128.0;
    let cr = f32::from(cr) - 128.0;
    let c = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    [
        c(y + 1.402 * cr),
        c(y - 0.344_136 * cb - 0.714_136 * cr),
        c(y + 1.772 * cb),
    ]
}
