//! Strict checks of what a PDF page draws.
//!
//! The renderer decodes leniently: a Flate stream cut short, raw data too
//! short for its image, fax data that is garbage or a filter nobody knows
//! still give a picture, white or grey where data is missing, and an image
//! the page names but the file lacks is simply not drawn. A damaged scan
//! would become a blank or partial page without a word. Each image stream is
//! therefore checked here as a whole before its page is taken, and each page
//! is checked for images it names that are not there and for more content
//! than the station renders in bounded time and memory.

use hayro::hayro_interpret::hayro_syntax::content::ops::TypedInstruction;
use hayro::hayro_interpret::hayro_syntax::object::{Array, Dict, Name, Object, Stream};
use hayro::hayro_interpret::hayro_syntax::page::Page;

use super::DecodeError;

/// Most content operators one page may have by default. A dense letter or bank
/// statement has a few thousand; 200,000 line segments (600,000
/// operators) took the renderer 24 s and 2.9 GB here.
pub const MAX_PAGE_OPERATORS: usize = 100_000;

/// Checks what a page's own content stream names and how much it is.
pub(super) fn check_page(page: &Page<'_>, n: usize, max: usize) -> Result<(), DecodeError> {
    let mut operators = 0usize;
    let mut ops = page.typed_operations();
    while let Some(op) = ops.next() {
        operators += 1;
        if operators > max {
            return Err(DecodeError::TooComplex { page: n, max });
        }
        if let TypedInstruction::XObject(x) = op
            && page.resources().get_x_object(x.0).is_none()
        {
            return Err(DecodeError::Corrupt {
                format: "PDF",
                detail: format!(
                    "Seite {n}: das Bild oder Element /{} der Seite fehlt in der Datei",
                    printable(x.0)
                ),
            });
        }
    }
    Ok(())
}

/// What a page-tree entry is instead of a page (an image or font listed
/// among the pages), in words: its type is given, is not `/Page`, and it
/// has no content of its own. `None` for a page.
pub(super) fn not_a_page(page: &Page<'_>) -> Option<String> {
    let dict = page.raw();
    let kind = dict.get::<Name<'_>>(b"Type".as_slice())?;
    if &*kind == b"Page" || dict.contains_key(b"Contents".as_slice()) {
        return None;
    }
    let subtype = dict.get::<Name<'_>>(b"Subtype".as_slice());
    Some(match (&*kind, subtype.as_deref()) {
        (b"XObject", Some(b"Image")) => "ein Bild".to_owned(),
        (b"XObject", _) => "ein eingebettetes Element".to_owned(),
        (b"Font", _) => "eine Schriftart".to_owned(),
        (b"Catalog", _) => "das Inhaltsverzeichnis der Datei".to_owned(),
        (b"Annot", _) => "eine Anmerkung".to_owned(),
        _ => format!("ein Objekt vom Typ /{}", printable(&kind)),
    })
}

/// Checks that an image stream holds the whole image the image declares;
/// the reason in words when it does not.
pub(super) fn check_image(
    stream: &Stream<'_>,
    width: u32,
    height: u32,
    mask: bool,
) -> Result<(), String> {
    let dict = stream.dict();
    let filters = filter_names(dict);
    for name in &filters {
        if !KNOWN_FILTERS.contains(&name.as_slice()) {
            return Err(format!(
                "die Bilddaten sind mit einem unbekannten Verfahren /{} gepackt",
                printable(name)
            ));
        }
    }
    let filters: Vec<&[u8]> = filters
        .iter()
        .map(Vec::as_slice)
        .filter(|f| *f != b"Crypt")
        .collect();
    let params = decode_params(dict, filters.len());
    match filters.as_slice() {
        [b"DCTDecode" | b"DCT"] => super::jpeg_scan::check_whole(&stream.raw_data()),
        [b"CCITTFaxDecode" | b"CCF"] => check_fax(&stream.raw_data(), params.first(), height),
        // Further image codecs are strict in the renderer; chains that end in
        // one are rare and left to it.
        [
            ..,
            b"JPXDecode" | b"JBIG2Decode" | b"DCTDecode" | b"DCT" | b"CCITTFaxDecode" | b"CCF",
        ] => Ok(()),
        _ => {
            let row = row_bytes(width, components(dict, mask), bits(dict, mask));
            let needed = row.saturating_mul(u64::from(height));
            let got = match filters.as_slice() {
                [b"FlateDecode" | b"Fl"] => {
                    let pre = predicted_size(params.first(), row, height);
                    let (out, ended) = inflate_count(&stream.raw_data(), pre);
                    // Every pixel arrived: what follows does not matter.
                    if out >= pre {
                        return Ok(());
                    }
                    let what = if ended {
                        "die Bilddaten reichen nicht für das ganze Bild"
                    } else {
                        "die gepackten Bilddaten sind beschädigt oder brechen ab"
                    };
                    return Err(short(out, pre, what));
                }
                [b"RunLengthDecode" | b"RL"] => match stream.decoded() {
                    Ok(data) => data.len() as u64,
                    Err(_) => {
                        let got = run_length_count(&stream.raw_data(), needed);
                        if got >= needed {
                            // Every pixel is there but the end marker is
                            // not: the renderer cannot read it; say why.
                            return Err("die lauflängenkodierten Bilddaten haben kein \
                                        Endezeichen (EOD) und sind so nicht sicher lesbar"
                                .into());
                        }
                        got
                    }
                },
                _ => match stream.decoded() {
                    Ok(data) => data.len() as u64,
                    Err(_) => 0,
                },
            };
            if got < needed {
                Err(short(
                    got,
                    needed,
                    "die Bilddaten reichen nicht für das ganze Bild",
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// Bytes RunLength data (PDF 32000 7.4.5) gives, counted up to `enough`
/// without making them: a length byte, then that many plus one literal
/// bytes (0–127) or one byte repeated 257 − length times (129–255); 128
/// ends the data.
fn run_length_count(data: &[u8], enough: u64) -> u64 {
    let (mut out, mut i) = (0u64, 0usize);
    while out < enough {
        let Some(&length) = data.get(i) else { break };
        i += 1;
        match length {
            0..=127 => {
                let n = (usize::from(length) + 1).min(data.len() - i);
                out += n as u64;
                i += n;
            }
            128 => break,
            _ if i < data.len() => {
                out += 257 - u64::from(length);
                i += 1;
            }
            _ => break,
        }
    }
    out
}

/// Filters whose names the PDF standard defines (full and abbreviated).
const KNOWN_FILTERS: &[&[u8]] = &[
    b"FlateDecode",
    b"Fl",
    b"LZWDecode",
    b"LZW",
    b"ASCIIHexDecode",
    b"AHx",
    b"ASCII85Decode",
    b"A85",
    b"RunLengthDecode",
    b"RL",
    b"CCITTFaxDecode",
    b"CCF",
    b"DCTDecode",
    b"DCT",
    b"JPXDecode",
    b"JBIG2Decode",
    b"Crypt",
];

fn short(got: u64, needed: u64, what: &str) -> String {
    let missing = 100 - (got.saturating_mul(100) / needed.max(1)).min(100);
    format!("{what} (etwa {} % des Bildes fehlen)", missing.max(1))
}

/// The filter names of a stream, in order (`/Filter` or inline `/F`).
fn filter_names(dict: &Dict<'_>) -> Vec<Vec<u8>> {
    for key in [b"Filter".as_slice(), b"F".as_slice()] {
        if let Some(name) = dict.get::<Name<'_>>(key) {
            return vec![name.to_vec()];
        }
        if let Some(list) = dict.get::<Array<'_>>(key) {
            return list.iter::<Name<'_>>().map(|n| n.to_vec()).collect();
        }
    }
    Vec::new()
}

/// The decode parameters per filter (`/DecodeParms` or inline `/DP`).
fn decode_params<'a>(dict: &Dict<'a>, filters: usize) -> Vec<Dict<'a>> {
    for key in [b"DecodeParms".as_slice(), b"DP".as_slice()] {
        if let Some(params) = dict.get::<Dict<'_>>(key) {
            return vec![params];
        }
        if let Some(list) = dict.get::<Array<'_>>(key) {
            return list
                .iter::<Object<'_>>()
                .take(filters)
                .map(|o| o.into_dict().unwrap_or_default())
                .collect();
        }
    }
    Vec::new()
}

fn bits(dict: &Dict<'_>, mask: bool) -> u32 {
    if mask {
        return 1;
    }
    [b"BitsPerComponent".as_slice(), b"BPC".as_slice()]
        .iter()
        .find_map(|k| dict.get::<u32>(*k))
        .filter(|b| matches!(b, 1 | 2 | 4 | 8 | 16))
        .unwrap_or(8)
}

/// Colour components per pixel, as far as the dictionary says; one where
/// it names a colour space of the page's resources (a lower bound).
fn components(dict: &Dict<'_>, mask: bool) -> u32 {
    if mask {
        return 1;
    }
    let space = [b"ColorSpace".as_slice(), b"CS".as_slice()]
        .iter()
        .find_map(|k| dict.get::<Object<'_>>(*k));
    match space {
        Some(Object::Name(n)) => name_components(&n),
        Some(Object::Array(a)) => {
            let mut items = a.iter::<Object<'_>>();
            let Some(Object::Name(family)) = items.next() else {
                return 1;
            };
            match &*family {
                b"ICCBased" => match items.next() {
                    Some(Object::Stream(s)) => s
                        .dict()
                        .get::<u32>(b"N".as_slice())
                        .unwrap_or(1)
                        .clamp(1, 4),
                    _ => 1,
                },
                b"DeviceN" => match items.next() {
                    Some(Object::Array(names)) => {
                        (names.iter::<Object<'_>>().count() as u32).clamp(1, 32)
                    }
                    _ => 1,
                },
                b"CalRGB" | b"Lab" => 3,
                other => name_components(other),
            }
        }
        _ => 1,
    }
}

fn name_components(name: &[u8]) -> u32 {
    match name {
        b"DeviceRGB" | b"RGB" | b"CalRGB" | b"Lab" => 3,
        b"DeviceCMYK" | b"CMYK" => 4,
        _ => 1,
    }
}

fn row_bytes(width: u32, components: u32, bits: u32) -> u64 {
    (u64::from(width) * u64::from(components) * u64::from(bits)).div_ceil(8)
}

/// Bytes the Flate data must inflate to: PNG predictors add a tag byte per
/// row and work on their own column layout.
fn predicted_size(params: Option<&Dict<'_>>, row: u64, height: u32) -> u64 {
    let Some(p) = params else {
        return row * u64::from(height);
    };
    let predictor = p.get::<u32>(b"Predictor".as_slice()).unwrap_or(1);
    if predictor < 10 {
        return row * u64::from(height);
    }
    let columns = p.get::<u32>(b"Columns".as_slice()).unwrap_or(1);
    let colors = p.get::<u32>(b"Colors".as_slice()).unwrap_or(1).clamp(1, 32);
    let bpc = p.get::<u32>(b"BitsPerComponent".as_slice()).unwrap_or(8);
    (row_bytes(columns, colors, bpc) + 1) * u64::from(height)
}

/// Inflates Flate data strictly, up to `limit` bytes: how many bytes came
/// out, and whether the data ended properly (final block, or `limit`
/// reached) rather than being cut off or broken. The checksum after the
/// data is not checked, as other readers do not either.
fn inflate_count(data: &[u8], limit: u64) -> (u64, bool) {
    use flate2::{Decompress, FlushDecompress, Status};
    let zlib_header = data.len() >= 2
        && data[0] & 0x0F == 8
        && (u16::from(data[0]) << 8 | u16::from(data[1])).is_multiple_of(31)
        && data[1] & 0x20 == 0;
    let mut input = if zlib_header { &data[2..] } else { data };
    let mut inflater = Decompress::new(false);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let before_in = inflater.total_in();
        let before_out = inflater.total_out();
        let status = inflater.decompress(input, &mut buf, FlushDecompress::None);
        let used = (inflater.total_in() - before_in) as usize;
        input = &input[used..];
        let out = inflater.total_out();
        match status {
            Ok(Status::StreamEnd) => return (out, true),
            Ok(_) if out >= limit => return (out, true),
            Ok(_) if used == 0 && out == before_out => return (out, false),
            Ok(_) => {}
            Err(_) => return (out, false),
        }
    }
}

/// Decodes CCITT fax data strictly and counts its rows.
fn check_fax(data: &[u8], params: Option<&Dict<'_>>, height: u32) -> Result<(), String> {
    use hayro_ccitt::{DecodeSettings, DecoderContext, EncodingMode};
    struct Rows(u32);
    impl hayro_ccitt::Decoder for Rows {
        fn push_row(&mut self, _: &[u32]) {
            self.0 += 1;
        }
    }
    let empty = Dict::default();
    let p = params.unwrap_or(&empty);
    let k = p.get::<i32>(b"K".as_slice()).unwrap_or(0);
    let settings = DecodeSettings {
        columns: p.get::<u32>(b"Columns".as_slice()).unwrap_or(1728),
        rows: height,
        end_of_block: p.get::<bool>(b"EndOfBlock".as_slice()).unwrap_or(true),
        end_of_line: p.get::<bool>(b"EndOfLine".as_slice()).unwrap_or(false),
        rows_are_byte_aligned: p
            .get::<bool>(b"EncodedByteAlign".as_slice())
            .unwrap_or(false),
        encoding: match k {
            k if k < 0 => EncodingMode::Group4,
            0 => EncodingMode::Group3_1D,
            _ => EncodingMode::Group3_2D,
        },
        strict: true,
    };
    let mut rows = Rows(0);
    let result = hayro_ccitt::decode(data, &mut rows, &mut DecoderContext::new(settings));
    match result {
        Ok(_) => Ok(()),
        // Everything arrived before the damage.
        Err(_) if rows.0 >= height => Ok(()),
        Err(_) => Err(short(
            u64::from(rows.0),
            u64::from(height),
            "die Fax-kodierten Bilddaten sind beschädigt",
        )),
    }
}

/// A PDF name for a message: printable ASCII only, at most 40 characters.
fn printable(name: &[u8]) -> String {
    name.iter()
        .take(40)
        .map(|&b| {
            if b.is_ascii_graphic() {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deflate(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn inflate_counts_whole_cut_and_broken_data() {
        let raw: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let z = deflate(&raw);
        assert_eq!(inflate_count(&z, u64::MAX), (100_000, true));
        // Without its checksum, as some writers leave it.
        assert_eq!(inflate_count(&z[..z.len() - 4], u64::MAX), (100_000, true));
        let (out, ended) = inflate_count(&z[..z.len() / 2], u64::MAX);
        assert!(!ended && out < 100_000, "{out}");
        let mut broken = z.clone();
        for b in &mut broken[z.len() / 3..z.len() / 3 + 40] {
            *b ^= 0x5A;
        }
        assert!(
            !inflate_count(&broken, u64::MAX).1 || inflate_count(&broken, u64::MAX).0 != 100_000
        );
    }
}
