//! Decoding scanner output into page images.
//!
//! Every file that intake takes is decoded completely before anything is
//! stored: a file that cannot be decoded to the last page is refused with a
//! [`DecodeError`] whose message says, in German, what is wrong with it.
//!
//! Supported: multi-page TIFF (CCITT G3/G4, LZW, Deflate, PackBits, JPEG),
//! JPEG, PNG and PDF. Image-only PDFs (one scanned image per page) yield the
//! page images at their native resolution; PDFs with text or vector content
//! are rendered at 300 dpi and keep their own text.

mod jpeg_scan;
mod pdf;
mod pdf_image;
mod raster;
mod tiff;

use std::fmt;

pub use self::pdf::RENDER_DPI;
pub use self::pdf_image::MAX_PAGE_OPERATORS;

/// The container format of an incoming file, detected from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Tagged Image File Format, possibly multi-page.
    Tiff,
    /// JPEG/JFIF.
    Jpeg,
    /// Portable Network Graphics.
    Png,
    /// Portable Document Format.
    Pdf,
    /// An Office file, converted to PDF/A before its pages were decoded.
    Office(crate::intake::convert::OfficeKind),
}

impl FileFormat {
    /// Detects the format from the file's magic bytes; `None` for anything else.
    pub(crate) fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
            Some(Self::Tiff)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 5
            && bytes[..bytes.len().min(1024)]
                .windows(5)
                .any(|w| w == b"%PDF-")
        {
            Some(Self::Pdf)
        } else {
            None
        }
    }

    /// Name for people.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Tiff => "TIFF",
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Pdf => "PDF",
            Self::Office(k) => k.display_name(),
        }
    }

    /// Stable lower-case name, as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tiff => "tiff",
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Pdf => "pdf",
            Self::Office(k) => k.as_str(),
        }
    }
}

/// Colour mode of a page image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourMode {
    /// One bit per pixel (black and white), as from a G4 production scan.
    Bilevel,
    /// Eight-bit greyscale.
    Gray,
    /// 24-bit colour.
    Colour,
}

impl ColourMode {
    /// Stable name, as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bilevel => "bilevel",
            Self::Gray => "gray",
            Self::Colour => "colour",
        }
    }
}

/// How a page image's bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageEncoding {
    /// Lossless PNG (1-bit, 8-bit grey or RGB).
    Png,
    /// The scanner's own JPEG data, kept byte for byte.
    Jpeg,
}

impl PageEncoding {
    /// Stable name, as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpeg",
        }
    }

    /// The encoding of a stored name (`jpeg`; anything else is PNG, the
    /// station's lossless form).
    pub(crate) fn from_stored(name: &str) -> Self {
        if name == Self::Jpeg.as_str() {
            Self::Jpeg
        } else {
            Self::Png
        }
    }
}

/// How a page was obtained from its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageOrigin {
    /// The scanned image itself (TIFF frame, JPEG/PNG file, image of an image-only PDF page).
    Scanned,
    /// A PDF page with text or vector content, rendered at [`RENDER_DPI`].
    Rendered,
}

impl PageOrigin {
    /// Stable name, as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scanned => "scanned",
            Self::Rendered => "rendered",
        }
    }
}

/// One decoded page, encoded for the blob store.
#[derive(Clone)]
pub struct PageImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Horizontal and vertical resolution in dots per inch, if the file says.
    pub dpi: Option<(f32, f32)>,
    /// Colour mode.
    pub colour: ColourMode,
    /// Encoding of [`PageImage::bytes`].
    pub encoding: PageEncoding,
    /// The encoded image.
    pub bytes: Vec<u8>,
    /// Where the pixels came from.
    pub origin: PageOrigin,
    /// Text the file itself carried for this page (born-digital PDFs).
    pub text: Option<String>,
    /// The visible words of a born-digital page with their boxes (in pixels
    /// of the page image): its text needs no OCR. Empty for scans.
    pub words: Vec<TextWord>,
    /// Which document of its file the page belongs to, when a file holds
    /// several (an e-mail: 0 its text, then its attachments); 0 otherwise.
    pub part: u32,
}

/// A word a born-digital page draws, with its box in pixels of the page image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextWord {
    /// Left edge.
    pub left: u32,
    /// Top edge.
    pub top: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Line number on the page (0-based, in reading order).
    pub line: u32,
    /// The word.
    pub text: String,
}

impl fmt::Debug for PageImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("dpi", &self.dpi)
            .field("colour", &self.colour)
            .field("encoding", &self.encoding)
            .field("bytes", &self.bytes.len())
            .field("origin", &self.origin)
            .field("text", &self.text.as_ref().map(String::len))
            .finish()
    }
}

/// A completely decoded file.
#[derive(Debug)]
pub struct DecodedFile {
    /// Detected container format.
    pub format: FileFormat,
    /// Every page, in file order.
    pub pages: Vec<PageImage>,
}

/// Why a file could not be decoded. The `Display` text is German and meant
/// for the people at the station; it is written into the quarantine's
/// sealed reason note.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file is empty.
    #[error("Die Datei ist leer (0 Byte).")]
    Empty,
    /// An Office file that is not converted (macros, a bomb, no converter…).
    #[error(transparent)]
    Convert(#[from] crate::intake::convert::ConvertError),
    /// One document of a file that holds several (an e-mail's attachment)
    /// cannot be read.
    #[error("{what}: {source}")]
    Part {
        /// Which part, in words (`Anhang „antrag.pdf“`).
        what: String,
        /// Why.
        source: Box<DecodeError>,
    },
    /// Not a format the station reads.
    #[error(
        "Unbekanntes Dateiformat: angenommen werden Scans (TIFF, JPEG, PNG, PDF), Office-Dokumente (DOCX, DOC, ODT, XLSX, XLS, ODS, RTF, TXT) und E-Mails (EML, MSG); {0}."
    )]
    UnknownFormat(String),
    /// The PDF is encrypted and cannot be opened without a password.
    #[error(
        "Die PDF-Datei ist passwortgeschützt oder verschlüsselt und kann nicht geöffnet werden."
    )]
    Encrypted,
    /// The file is damaged or truncated.
    #[error("Die {format}-Datei ist beschädigt oder unvollständig: {detail}")]
    Corrupt {
        /// Format name in words.
        format: &'static str,
        /// What the decoder reported.
        detail: String,
    },
    /// The file has no pages at all.
    #[error("Die Datei enthält keine Seiten.")]
    NoPages,
    /// The file has more pages than one file may bring.
    #[error(
        "Die Datei hat {} Seiten; eine Datei darf höchstens {} Seiten haben.",
        crate::intake::thousands(*pages),
        crate::intake::thousands(*max)
    )]
    TooManyPages {
        /// Pages the file has (or declares).
        pages: usize,
        /// The limit.
        max: usize,
    },
    /// A PDF page draws more than the station renders in bounded time and memory.
    #[error(
        "Seite {page} der PDF-Datei besteht aus mehr als {} Zeichenbefehlen und ist zu \
         aufwendig zum Darstellen.",
        crate::intake::thousands(*max)
    )]
    TooComplex {
        /// 1-based page number.
        page: usize,
        /// The limit of content operators.
        max: usize,
    },
    /// A page would take more memory decoded than the station allows.
    #[error(
        "Seite {page} ist mit {width}×{height} Pixeln zu groß: entpackt bräuchte sie {megabytes} MB \
         Arbeitsspeicher, erlaubt sind {max} MB je Seite."
    )]
    TooMuchMemory {
        /// 1-based page number.
        page: usize,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// What it would take, in MB.
        megabytes: u64,
        /// The limit, in MB.
        max: u64,
    },
    /// A page is larger than the station accepts.
    #[error(
        "Seite {page} ist mit {width}×{height} Pixeln zu groß (höchstens {max} Pixel je Seite)."
    )]
    TooLarge {
        /// 1-based page number.
        page: usize,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The limit.
        max: u64,
    },
}

/// Most pages one file may bring by default: a full 500-sheet feeder
/// scanned duplex is 1,000. More is refused before any page is rendered.
pub(crate) const MAX_FILE_PAGES: usize = 2_000;

/// How much one file and each of its pages may take, checked before
/// anything is decoded or rendered (`[intake.limits]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Most memory one decoded page may take, in MB (decimal).
    pub page_megabytes: u64,
    /// Most pages in one file.
    pub file_pages: usize,
    /// Most content operators on one PDF page.
    pub page_operators: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            page_megabytes: MAX_PAGE_BYTES / 1_000_000,
            file_pages: MAX_FILE_PAGES,
            page_operators: MAX_PAGE_OPERATORS,
        }
    }
}

impl Limits {
    /// What is wrong with configured limits, in words; `None` if they can be used.
    pub fn problem(&self) -> Option<String> {
        if !(1..=8_000).contains(&self.page_megabytes) {
            return Some(format!(
                "page_megabytes = {}: erlaubt sind 1 bis 8000 (MB je Seite)",
                self.page_megabytes
            ));
        }
        if !(1..=100_000).contains(&self.file_pages) {
            return Some(format!(
                "file_pages = {}: erlaubt sind 1 bis 100000 (Seiten je Datei)",
                self.file_pages
            ));
        }
        if !(100..=100_000_000).contains(&self.page_operators) {
            return Some(format!(
                "page_operators = {}: erlaubt sind 100 bis 100000000 (Zeichenbefehle je PDF-Seite)",
                self.page_operators
            ));
        }
        None
    }
}

/// Refuses a file with more pages than the limits allow.
fn check_page_count(limits: &Limits, pages: usize) -> Result<(), DecodeError> {
    if pages > limits.file_pages {
        return Err(DecodeError::TooManyPages {
            pages,
            max: limits.file_pages,
        });
    }
    Ok(())
}

/// Largest page the station accepts, in pixels (A3 at 1200 dpi is ~280 MP).
pub(crate) const MAX_PAGE_PIXELS: u64 = 300_000_000;

/// Most memory one decoded page may take by default, in bytes: checked
/// from the file's header before its pixels are decoded, so that no page
/// is taken that preparation could not open later. A3 at 600 dpi in colour takes
/// 210 MB; 17,000 × 17,000 pixels in colour would take 867 MB.
pub(crate) const MAX_PAGE_BYTES: u64 = 256_000_000;

/// Checks a page's size before it is decoded: `bytes_per_pixel` is what
/// one pixel takes decoded (at least one: preparation works in 8-bit grey).
fn check_size(
    limits: &Limits,
    page: usize,
    width: u32,
    height: u32,
    bytes_per_pixel: u64,
) -> Result<(), DecodeError> {
    let pixels = u64::from(width) * u64::from(height);
    if width == 0 || height == 0 || pixels > MAX_PAGE_PIXELS {
        return Err(DecodeError::TooLarge {
            page,
            width,
            height,
            max: MAX_PAGE_PIXELS,
        });
    }
    let bytes = pixels.saturating_mul(bytes_per_pixel.max(1));
    if bytes > limits.page_megabytes.saturating_mul(1_000_000) {
        return Err(DecodeError::TooMuchMemory {
            page,
            width,
            height,
            megabytes: bytes.div_ceil(1_000_000),
            max: limits.page_megabytes,
        });
    }
    Ok(())
}

/// What an image decoder's error means, in words for the scan office (the
/// decoder's English detail belongs in the log).
pub(crate) fn image_error_words(e: &image::ImageError) -> &'static str {
    use image::ImageError as E;
    match e {
        E::Limits(_) => "das Bild ist zu groß für den Arbeitsspeicher der Station",
        E::Unsupported(_) => {
            "diese Bildvariante kann die Station nicht lesen \
             (ungewöhnliche Farbunterabtastung, Kompression oder Farbtiefe)"
        }
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "die Bilddaten enden vorzeitig (Übertragung abgebrochen?)"
        }
        E::IoError(_) | E::Decoding(_) | E::Parameter(_) | E::Encoding(_) => {
            "die Bilddaten sind beschädigt und lassen sich nicht vollständig lesen"
        }
    }
}

/// Decodes a whole file into its pages, within the default [`Limits`].
pub fn decode(bytes: &[u8]) -> Result<DecodedFile, DecodeError> {
    decode_with(bytes, &Limits::default())
}

/// Decodes a whole file into its pages, within `limits`.
pub(crate) fn decode_with(bytes: &[u8], limits: &Limits) -> Result<DecodedFile, DecodeError> {
    decode_checked(bytes, limits, true)
}

/// Decodes what can be shown of a file refused as incomplete, for a person
/// to see which paper it was (the quarantine's preview): like
/// the decoding of intake but without the end-marker check, so the lenient
/// decoders show a cut-off JPEG with its missing rows grey and rebuild a
/// PDF cut short. Never used to take a file in.
pub fn decode_for_preview(bytes: &[u8], limits: &Limits) -> Result<DecodedFile, DecodeError> {
    decode_checked(bytes, limits, false)
}

fn decode_checked(bytes: &[u8], limits: &Limits, whole: bool) -> Result<DecodedFile, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    // Containers that may hold a PDF uncompressed are named as what they
    // are, not as a PDF with bytes in front of it.
    if let Some(kind) = other_kind(bytes) {
        return Err(DecodeError::UnknownFormat(kind.into()));
    }
    let format = FileFormat::sniff(bytes)
        .ok_or_else(|| DecodeError::UnknownFormat(describe_unknown(bytes).into()))?;
    if whole {
        check_complete(format, bytes)?;
    }
    let pages = match format {
        FileFormat::Tiff => tiff::decode(bytes, limits)?,
        FileFormat::Jpeg => vec![raster::decode_jpeg(bytes, limits)?],
        FileFormat::Png => vec![raster::decode_png(bytes, limits)?],
        FileFormat::Pdf => pdf::decode(bytes, limits)?,
        FileFormat::Office(_) => unreachable!("sniff finds no Office files"),
    };
    if pages.is_empty() {
        return Err(DecodeError::NoPages);
    }
    Ok(DecodedFile { format, pages })
}

/// What a file that is no scan is, recognised by its first bytes (no
/// content is quoted: a reason must not reveal what a file holds).
fn other_kind(bytes: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| bytes.starts_with(m);
    Some(if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        "die Datei ist ein ZIP-Archiv"
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0]) {
        "die Datei ist ein Office-Dokument im alten Verbundformat, aber weder Word noch Excel"
    } else if starts(b"{\\rtf") {
        "die Datei ist ein RTF-Textdokument"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "die Datei ist ein GIF-Bild"
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        "die Datei ist ein WebP-Bild"
    } else if bytes.get(4..8) == Some(b"ftyp") {
        "die Datei ist ein HEIC-Foto oder Video (Mobiltelefon?)"
    } else if starts(&[0x1F, 0x8B]) || starts(b"7z\xBC\xAF") || starts(b"Rar!") {
        "die Datei ist ein gepacktes Archiv"
    } else {
        return None;
    })
}

/// What an unrecognised file looks like, in words.
fn describe_unknown(bytes: &[u8]) -> &'static str {
    let head = &bytes[..bytes.len().min(4096)];
    let text = std::str::from_utf8(head).is_ok_and(|t| {
        t.chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
    });
    let lower = String::from_utf8_lossy(&head[..head.len().min(512)]).to_lowercase();
    if bytes.starts_with(&[0xFF, 0xD8]) {
        "die Datei beginnt wie ein JPEG, ist aber zu kurz oder beschädigt"
    } else if lower.contains("<html") || lower.contains("<!doctype html") {
        "die Datei ist eine Webseite (HTML)"
    } else if ["received:", "return-path:", "mime-version:", "from:"]
        .iter()
        .any(|h| lower.starts_with(h) || lower.contains(&format!("\n{h}")))
    {
        "die Datei ist eine E-Mail"
    } else if text {
        "die Datei ist reiner Text, kein Bild"
    } else {
        "der Inhalt gehört zu keinem bekannten Bild- oder Dokumentformat"
    }
}

/// Checks the end marker a complete file of this format carries. Lenient
/// decoders accept truncated JPEG and PDF data (missing rows turn grey,
/// missing objects are reconstructed), so a file cut off in transfer would
/// otherwise pass as readable.
fn check_complete(format: FileFormat, bytes: &[u8]) -> Result<(), DecodeError> {
    if format == FileFormat::Pdf && !bytes.starts_with(b"%PDF-") {
        let junk = bytes.windows(5).position(|w| w == b"%PDF-").unwrap_or(0);
        return Err(DecodeError::Corrupt {
            format: "PDF",
            detail: format!("vor dem PDF-Kopf stehen {junk} fremde Byte"),
        });
    }
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    // Every PDF ends with the offset of its cross-reference table; a file
    // cut short and given a new end marker has none.
    if format == FileFormat::Pdf
        && tail.windows(5).any(|w| w == b"%%EOF")
        && !tail.windows(9).any(|w| w == b"startxref")
    {
        return Err(DecodeError::Corrupt {
            format: "PDF",
            detail: "der Verweis auf die Querverweistabelle am Dateiende fehlt \
                     (Datei abgeschnitten?)"
                .into(),
        });
    }
    let (ok, what) = match format {
        FileFormat::Pdf => (
            tail.windows(5).any(|w| w == b"%%EOF"),
            "die Endmarke %%EOF fehlt (Übertragung abgebrochen?)",
        ),
        // EOI; entropy-coded data never contains FF D9 (FF is stuffed).
        FileFormat::Jpeg => (
            tail.windows(2).any(|w| w == [0xFF, 0xD9]),
            "die Endmarke (EOI) fehlt (Übertragung abgebrochen?)",
        ),
        FileFormat::Png => (
            tail.windows(4).any(|w| w == b"IEND"),
            "der Abschluss-Block IEND fehlt (Übertragung abgebrochen?)",
        ),
        FileFormat::Tiff | FileFormat::Office(_) => (true, ""),
    };
    if ok {
        Ok(())
    } else {
        Err(DecodeError::Corrupt {
            format: format.display_name(),
            detail: what.to_owned(),
        })
    }
}

pub(crate) use raster::encode_bilevel_png;
pub use raster::encode_png;

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped_the_german_way() {
        assert_eq!(crate::intake::thousands(250_000), "250.000");
        assert_eq!(crate::intake::thousands(1_000), "1.000");
        assert_eq!(crate::intake::thousands(999), "999");
        assert_eq!(crate::intake::thousands(1_234_567), "1.234.567");
    }
}
