//! JPEG and PNG files, and the PNG encoding used for every lossless page blob.

use super::{ColourMode, DecodeError, PageEncoding, PageImage, PageOrigin, check_size, jpeg_scan};
use std::io::Cursor;

/// A JPEG file is kept byte for byte; it is fully decoded once to prove it
/// is whole, after its header showed that it fits the memory allowed.
pub(super) fn decode_jpeg(bytes: &[u8], limits: &super::Limits) -> Result<PageImage, DecodeError> {
    use image::ImageDecoder;
    let corrupt = |e: image::ImageError| {
        tracing::debug!(fehler = %e, "JPEG nicht lesbar");
        DecodeError::Corrupt {
            format: "JPEG",
            detail: super::image_error_words(&e).to_owned(),
        }
    };
    let header = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
    let (width, height) = header.dimensions();
    check_size(
        limits,
        1,
        width,
        height,
        u64::from(header.color_type().bytes_per_pixel()),
    )?;
    let colour = if header.color_type().has_color() {
        ColourMode::Colour
    } else {
        ColourMode::Gray
    };
    jpeg_scan::check_whole(bytes).map_err(|detail| DecodeError::Corrupt {
        format: "JPEG",
        detail,
    })?;
    decode_jpeg_strictly(bytes)?;
    Ok(PageImage {
        width,
        height,
        dpi: jfif_density(bytes),
        colour,
        encoding: PageEncoding::Jpeg,
        bytes: bytes.to_vec(),
        origin: PageOrigin::Scanned,
        text: None,
        words: Vec::new(),
        part: 0,
    })
}

/// Decodes every pixel of a JPEG in strict mode: scan data that ends early
/// (a file cut off, with or without an end marker put back) or that holds a
/// marker where pixels belong is refused — the lenient decoder would paint
/// the rest of the page grey.
fn decode_jpeg_strictly(bytes: &[u8]) -> Result<(), DecodeError> {
    let options = zune_core::options::DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(u16::MAX.into())
        .set_max_height(u16::MAX.into());
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(
        zune_core::bytestream::ZCursor::new(bytes),
        options,
    );
    decoder.decode().map(drop).map_err(|e| {
        tracing::debug!(fehler = %e, "JPEG nicht vollständig lesbar");
        DecodeError::Corrupt {
            format: "JPEG",
            detail: "die Bilddaten enden vorzeitig oder sind beschädigt \
                     (Übertragung abgebrochen?), das Bild wäre unvollständig"
                .into(),
        }
    })
}

/// Reads the pixel density from a JFIF APP0 segment, if it gives one in dots per inch or cm.
pub(crate) fn jfif_density(bytes: &[u8]) -> Option<(f32, f32)> {
    // SOI, then APP0 "JFIF\0" version(2) units(1) xdensity(2) ydensity(2).
    let app0 = bytes.get(2..20)?;
    if app0[0] != 0xFF || app0[1] != 0xE0 || &app0[4..9] != b"JFIF\0" {
        return None;
    }
    let units = app0[11];
    let x = f32::from(u16::from_be_bytes([app0[12], app0[13]]));
    let y = f32::from(u16::from_be_bytes([app0[14], app0[15]]));
    match units {
        1 if x > 0.0 && y > 0.0 => Some((x, y)),
        2 if x > 0.0 && y > 0.0 => Some((x * 2.54, y * 2.54)),
        _ => None,
    }
}

/// A PNG file is kept byte for byte after a full decode.
pub(super) fn decode_png(bytes: &[u8], limits: &super::Limits) -> Result<PageImage, DecodeError> {
    let corrupt = |detail: String| DecodeError::Corrupt {
        format: "PNG",
        detail,
    };
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(|e| corrupt(png_words(&e)))?;
    let (out_colour, out_depth) = reader.output_color_type();
    let info = reader.info();
    let (width, height) = (info.width, info.height);
    check_size(
        limits,
        1,
        width,
        height,
        (u64::from(out_colour.samples() as u8) * u64::from(out_depth as u8)).div_ceil(8),
    )?;
    let dpi = info.pixel_dims.and_then(|d| match d.unit {
        png::Unit::Meter if d.xppu > 0 && d.yppu > 0 => {
            Some((d.xppu as f32 * 0.0254, d.yppu as f32 * 0.0254))
        }
        _ => None,
    });
    let colour = match (info.color_type, info.bit_depth) {
        (png::ColorType::Grayscale, png::BitDepth::One) => ColourMode::Bilevel,
        (png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha, _) => ColourMode::Gray,
        _ => ColourMode::Colour,
    };
    let mut buf = vec![
        0;
        reader
            .output_buffer_size()
            .ok_or_else(|| corrupt("Bild zu groß".into()))?
    ];
    reader
        .next_frame(&mut buf)
        .map_err(|e| corrupt(png_words(&e)))?;
    Ok(PageImage {
        width,
        height,
        dpi,
        colour,
        encoding: PageEncoding::Png,
        bytes: bytes.to_vec(),
        origin: PageOrigin::Scanned,
        text: None,
        words: Vec::new(),
        part: 0,
    })
}

/// What the PNG decoder's error means, in words (its English goes to the log).
fn png_words(e: &png::DecodingError) -> String {
    tracing::debug!(fehler = %e, "PNG nicht lesbar");
    match e {
        png::DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "die Bilddaten enden vorzeitig (Übertragung abgebrochen?)"
        }
        png::DecodingError::LimitsExceeded => "das Bild ist zu groß für die Station",
        _ => "der Aufbau der Datei ist beschädigt (Prüfsumme oder Block ungültig)",
    }
    .into()
}

fn png_writer<'a>(
    out: &'a mut Vec<u8>,
    width: u32,
    height: u32,
    colour: png::ColorType,
    depth: png::BitDepth,
    dpi: Option<(f32, f32)>,
) -> png::Encoder<'a, &'a mut Vec<u8>> {
    let mut enc = png::Encoder::new(out, width, height);
    enc.set_color(colour);
    enc.set_depth(depth);
    enc.set_compression(png::Compression::Fast);
    if let Some((x, y)) = dpi {
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: (x / 0.0254).round() as u32,
            yppu: (y / 0.0254).round() as u32,
            unit: png::Unit::Meter,
        }));
    }
    enc
}

/// Encodes 8-bit grey (`colour == Gray`) or RGB (`colour == Colour`) pixels as PNG.
pub fn encode_png(
    width: u32,
    height: u32,
    colour: ColourMode,
    pixels: &[u8],
    dpi: Option<(f32, f32)>,
) -> Vec<u8> {
    let ct = match colour {
        ColourMode::Colour => png::ColorType::Rgb,
        ColourMode::Gray | ColourMode::Bilevel => png::ColorType::Grayscale,
    };
    let mut out = Vec::with_capacity(pixels.len() / 4);
    {
        let enc = png_writer(&mut out, width, height, ct, png::BitDepth::Eight, dpi);
        let mut w = enc.write_header().expect("PNG header into memory");
        w.write_image_data(pixels).expect("PNG data into memory");
    }
    out
}

/// Encodes packed 1-bit rows (MSB first, each row padded to a byte, bit 1 = white) as PNG.
pub(crate) fn encode_bilevel_png(
    width: u32,
    height: u32,
    packed: &[u8],
    dpi: Option<(f32, f32)>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(packed.len() / 4);
    {
        let enc = png_writer(
            &mut out,
            width,
            height,
            png::ColorType::Grayscale,
            png::BitDepth::One,
            dpi,
        );
        let mut w = enc.write_header().expect("PNG header into memory");
        w.write_image_data(packed).expect("PNG data into memory");
    }
    out
}
