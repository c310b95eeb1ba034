//! Page preparation: thumbnails, blank-page detection and quality flags.
//!
//! Works on the decoded page; the raw page blob is never changed. The
//! margins are ignored (punch holes, scanner edges). Ink is every pixel
//! clearly darker than the paper, counted only in ~0.7 mm cells that hold a
//! stroke's worth of it: dust and speckles (a few isolated pixels) do not
//! count, faint writing does.

use image::{DynamicImage, GrayImage};
use std::io::Cursor;

use crate::intake::decode::PageEncoding;

mod geometry;
mod textlines;

pub use geometry::*;
pub use textlines::shows_text;

/// Longest side of a thumbnail, in pixels.
pub const THUMB_SIZE: u32 = 240;
/// Despeckle cells per inch (a cell is ~0.7 mm: 8 pixels at 300 dpi).
const CELLS_PER_INCH: f32 = 37.5;
/// A pixel of the analysis copy this much darker than the paper is ink.
const INK_DELTA: f64 = 30.0;

/// Settings for the analysis (from the scanner profile).
#[derive(Debug, Clone, PartialEq)]
pub struct PrepSettings {
    /// A page with less ink than this share of its area (margins excluded) is blank.
    pub blank_ink_threshold: f64,
    /// Margin ignored on every side, in millimetres.
    pub margin_mm: f32,
    /// Expected resolution; pages below 90 % of it are flagged.
    pub min_dpi: f32,
    /// Paper height in millimetres; pages more than 15 % longer are a probable double feed.
    pub paper_height_mm: f32,
}

impl Default for PrepSettings {
    fn default() -> Self {
        Self {
            blank_ink_threshold: 0.0005,
            margin_mm: 10.0,
            min_dpi: 200.0,
            paper_height_mm: 297.0,
        }
    }
}

/// A quality problem a person should look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualityFlag {
    /// The page is very dark overall.
    TooDark,
    /// The writing is very faint.
    TooLight,
    /// Little difference between paper and ink.
    LowContrast,
    /// Resolution below what the profile expects.
    LowResolution,
    /// Much longer than the paper size: probably two sheets fed at once.
    DoubleFeed,
    /// Skewed more than can be corrected.
    TooSkewed,
}

/// A stored flag code of a page or document in words (`None` for an
/// empty code): a quality flag, or the separation's page-count check.
pub(crate) fn flag_words(code: &str) -> Option<String> {
    flag_words_both(code).map(|(de, _)| de)
}

/// A stored flag code in German and in English (the window's languages).
pub(crate) fn flag_words_both(code: &str) -> Option<(String, String)> {
    let (de, en) = match code.trim() {
        "" => return None,
        "page_count_mismatch" => (
            "Seitenzahl weicht vom Deckblatt ab",
            "page count differs from the cover sheet",
        ),
        c => QualityFlag::from_code(c).map_or((c, c), |f| (f.german(), f.english())),
    };
    Some((de.to_owned(), en.to_owned()))
}

impl QualityFlag {
    /// Every flag.
    pub const ALL: [QualityFlag; 6] = [
        Self::TooDark,
        Self::TooLight,
        Self::LowContrast,
        Self::LowResolution,
        Self::DoubleFeed,
        Self::TooSkewed,
    ];

    /// The flag of a stored code.
    pub(crate) fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    /// Stable code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooDark => "too_dark",
            Self::TooLight => "too_light",
            Self::LowContrast => "low_contrast",
            Self::LowResolution => "low_resolution",
            Self::DoubleFeed => "double_feed",
            Self::TooSkewed => "too_skewed",
        }
    }

    /// German description.
    pub fn german(self) -> &'static str {
        match self {
            Self::TooDark => "Seite zu dunkel",
            Self::TooLight => "Schrift zu blass",
            Self::LowContrast => "zu wenig Kontrast",
            Self::LowResolution => "Auflösung zu gering",
            Self::DoubleFeed => "vermutlich Doppeleinzug (Seite zu lang)",
            Self::TooSkewed => "Seite zu schief eingezogen",
        }
    }

    /// English description.
    pub fn english(self) -> &'static str {
        match self {
            Self::TooDark => "page too dark",
            Self::TooLight => "print too faint",
            Self::LowContrast => "too little contrast",
            Self::LowResolution => "resolution too low",
            Self::DoubleFeed => "probably a double feed (page too long)",
            Self::TooSkewed => "page fed in too skewed",
        }
    }
}

/// The result of preparing a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Share of the page (margins excluded) covered by ink, 0–1.
    pub ink: f64,
    /// Whether the page counts as blank.
    pub blank: bool,
    /// Mean brightness, 0–255.
    pub mean: f64,
    /// Brightness spread between the darkest and lightest 1 %.
    pub contrast: f64,
    /// Quality flags.
    pub flags: Vec<QualityFlag>,
}

/// Decodes a page blob into greyscale.
pub fn load_gray(bytes: &[u8], encoding: PageEncoding) -> image::ImageResult<GrayImage> {
    let format = match encoding {
        PageEncoding::Png => image::ImageFormat::Png,
        PageEncoding::Jpeg => image::ImageFormat::Jpeg,
    };
    Ok(image::load_from_memory_with_format(bytes, format)?.into_luma8())
}

/// Whether a page holds only black and white (a bilevel scan).
pub(crate) fn is_bilevel(page: &GrayImage) -> bool {
    page.as_raw().iter().all(|&v| v == 0 || v == 255)
}

/// Grain noise above which a grey page is smoothed before OCR (mean absolute
/// difference of neighbouring paper pixels, in grey levels).
pub(crate) const NOISY: f32 = 6.0;

/// How grainy the paper of a grey page is: the mean absolute difference
/// between horizontally neighbouring pixels where both are paper (brighter
/// than the ink threshold), on every fourth row. Clean scans give 1–5,
/// grainy ones 20 and more.
pub(crate) fn noise_level(page: &GrayImage) -> f32 {
    let paper_from = ink_threshold(page).saturating_add(30);
    let w = page.width() as usize;
    let (mut sum, mut n) = (0u64, 0u64);
    for row in page.as_raw().chunks_exact(w.max(1)).step_by(4) {
        for pair in row.windows(2) {
            if pair[0] >= paper_from && pair[1] >= paper_from {
                sum += u64::from(pair[0].abs_diff(pair[1]));
                n += 1;
            }
        }
    }
    if n == 0 { 0.0 } else { sum as f32 / n as f32 }
}

/// A 3×3 median filter: removes grain and specks, keeps strokes' edges
/// (lines of two pixels and more survive). A sorting network (Devillard's
/// `opt_med9`) over 64 pixels at a time, so the compiler can vectorise it.
pub(crate) fn median3(page: &GrayImage) -> GrayImage {
    const L: usize = 64;
    const NET: [(usize, usize); 19] = [
        (1, 2),
        (4, 5),
        (7, 8),
        (0, 1),
        (3, 4),
        (6, 7),
        (1, 2),
        (4, 5),
        (7, 8),
        (0, 3),
        (5, 8),
        (4, 7),
        (3, 6),
        (1, 4),
        (2, 5),
        (4, 7),
        (4, 2),
        (6, 4),
        (4, 2),
    ];
    let (w, h) = (page.width() as usize, page.height() as usize);
    if w < 3 || h < 3 {
        return page.clone();
    }
    let src = page.as_raw();
    let mut out = src.clone();
    let mut p = [[0u8; L]; 9];
    for y in 1..h - 1 {
        let mut x = 1;
        while x < w - 1 {
            let n = L.min(w - 1 - x);
            for dy in 0..3 {
                let row = &src[(y + dy - 1) * w..(y + dy) * w];
                for dx in 0..3 {
                    p[dy * 3 + dx][..n].copy_from_slice(&row[x + dx - 1..x + dx - 1 + n]);
                }
            }
            for &(a, b) in &NET {
                let (mut lo, mut hi) = (p[a], p[b]);
                for i in 0..L {
                    let (u, v) = (lo[i], hi[i]);
                    lo[i] = u.min(v);
                    hi[i] = u.max(v);
                }
                p[a] = lo;
                p[b] = hi;
            }
            out[y * w + x..y * w + x + n].copy_from_slice(&p[4][..n]);
            x += n;
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("buffer of the right size")
}

/// Encodes a page as PNG: 1 bit per pixel when `bilevel` (grey levels from
/// resampling are thresholded at the middle), else 8-bit grey.
pub fn page_png(page: &GrayImage, dpi: f32, bilevel: bool) -> Vec<u8> {
    let (w, h) = page.dimensions();
    if !bilevel {
        return crate::intake::decode::encode_png(
            w,
            h,
            crate::intake::decode::ColourMode::Gray,
            page.as_raw(),
            Some((dpi, dpi)),
        );
    }
    crate::intake::decode::encode_bilevel_png(w, h, &pack_bits(page), Some((dpi, dpi)))
}

/// Black and white at the middle grey (as [`page_png`] stores a bilevel
/// page), in place.
pub fn threshold(page: &mut GrayImage) {
    for v in page.iter_mut() {
        *v = if *v >= 128 { 255 } else { 0 };
    }
}

/// Packs a page into 1 bit per pixel, rows padded to whole bytes, first
/// pixel in the high bit, 1 = white (grey levels of 128 and up).
pub(crate) fn pack_bits(page: &GrayImage) -> Vec<u8> {
    let w = page.width() as usize;
    let stride = w.div_ceil(8);
    let mut packed = vec![0u8; stride * page.height() as usize];
    for (row, out) in page
        .as_raw()
        .chunks_exact(w.max(1))
        .zip(packed.chunks_exact_mut(stride.max(1)))
    {
        for (x, &v) in row.iter().enumerate() {
            if v >= 128 {
                out[x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    packed
}

/// A JPEG thumbnail of the page.
pub fn thumbnail(page: &GrayImage) -> Vec<u8> {
    // Box-average most of the way down first (fast), filter the rest.
    let factor = (page.width().max(page.height()) / (2 * THUMB_SIZE)).max(1);
    let thumb =
        DynamicImage::ImageLuma8(downsample(page, factor)).thumbnail(THUMB_SIZE, THUMB_SIZE);
    let mut out = Cursor::new(Vec::new());
    thumb
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("JPEG into memory");
    out.into_inner()
}

/// Measures ink, brightness and contrast and sets the quality flags.
pub fn analyse(page: &GrayImage, dpi: f32, settings: &PrepSettings) -> Analysis {
    let dpi = if dpi > 0.0 { dpi } else { 300.0 };
    let (w, h) = page.dimensions();
    let margin = (settings.margin_mm / 25.4 * dpi).round() as u32;
    let (x0, y0, x1, y1) = if w > 2 * margin + 8 && h > 2 * margin + 8 {
        (margin, margin, w - margin, h - margin)
    } else {
        (0, 0, w, h)
    };
    let raw = page.as_raw();
    let row = |y: u32| &raw[(y * w + x0) as usize..(y * w + x1) as usize];
    // Four histograms side by side: runs of equal pixels (paper) do not
    // wait on one counter.
    let mut lanes = [[0u32; 256]; 4];
    for y in y0..y1 {
        let r = row(y);
        let mut quads = r.chunks_exact(4);
        for q in &mut quads {
            for (lane, &v) in lanes.iter_mut().zip(q) {
                lane[v as usize] += 1;
            }
        }
        for &v in quads.remainder() {
            lanes[0][v as usize] += 1;
        }
    }
    let mut hist = [0u64; 256];
    for (i, h) in hist.iter_mut().enumerate() {
        *h = lanes.iter().map(|l| u64::from(l[i])).sum();
    }
    let n = hist.iter().sum::<u64>().max(1) as f64;
    let mean = hist
        .iter()
        .enumerate()
        .map(|(v, c)| v as f64 * *c as f64)
        .sum::<f64>()
        / n;
    let percentile = |q: f64| {
        let target = (q * n) as u64;
        let mut acc = 0;
        for (v, c) in hist.iter().enumerate() {
            acc += c;
            if acc > target {
                return v as f64;
            }
        }
        255.0
    };
    // Most of a page is paper: the 80th percentile is the paper's brightness.
    let ink_below = (percentile(0.8) - INK_DELTA).max(0.0) as u8;
    // Despeckle: ink counts only in cells (~0.7 mm) that hold a stroke's worth of it.
    let cell = ((dpi / CELLS_PER_INCH).round() as u32).max(2);
    let min_in_cell = (cell * cell).div_ceil(10);
    let mut ink_pixels = 0u64;
    let mut counts = vec![0u32; (x1 - x0).div_ceil(cell) as usize];
    for band in (y0..y1).step_by(cell as usize) {
        counts.fill(0);
        for y in band..(band + cell).min(y1) {
            for (c, chunk) in counts.iter_mut().zip(row(y).chunks(cell as usize)) {
                *c += chunk.iter().map(|&v| u32::from(v < ink_below)).sum::<u32>();
            }
        }
        ink_pixels += counts
            .iter()
            .filter(|&&c| c >= min_in_cell)
            .map(|&c| u64::from(c))
            .sum::<u64>();
    }
    let ink = ink_pixels as f64 / n;
    let blank = ink < settings.blank_ink_threshold;
    // The ink's darkness: the darkest 0.2 % of the page, or of the ink
    // itself on a short letter (far less than 1 % ink, where a fixed low
    // percentile would be paper).
    let darkest = percentile((ink / 2.0).clamp(1e-5, 0.002));
    let contrast = percentile(0.99) - darkest;
    let mut flags = Vec::new();
    if mean < 100.0 {
        flags.push(QualityFlag::TooDark);
    }
    // Faint writing: something is there, but even the darkest 0.2 % is light grey.
    if !blank && mean >= 100.0 && darkest > 150.0 {
        flags.push(QualityFlag::TooLight);
    }
    if !blank && contrast < 60.0 {
        flags.push(QualityFlag::LowContrast);
    }
    if dpi < settings.min_dpi * 0.9 {
        flags.push(QualityFlag::LowResolution);
    }
    let height_mm = h as f32 / dpi * 25.4;
    if height_mm > settings.paper_height_mm * 1.15 {
        flags.push(QualityFlag::DoubleFeed);
    }
    Analysis {
        ink,
        blank,
        mean,
        contrast,
        flags,
    }
}

/// Which pixels of a (reduced) page are ink, row by row, by the same
/// threshold as the layout measurements.
pub(crate) fn ink_mask(small: &GrayImage) -> Vec<bool> {
    let below = ink_threshold(small);
    small.as_raw().iter().map(|&v| v < below).collect()
}

/// Grey level below which a pixel of a reduced page counts as ink for layout
/// analysis: clearly (60 levels) darker than the paper, which is the 80th
/// percentile of brightness on any page that is mostly paper.
pub(crate) fn ink_threshold(small: &GrayImage) -> u8 {
    paper_level(small).saturating_sub(60)
}

/// The brightness of the paper: the 80th percentile of a page's grey
/// levels (any page that is mostly paper).
pub(crate) fn paper_level(page: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    page.pixels().for_each(|p| hist[p.0[0] as usize] += 1);
    let n = page.len() as u64;
    let mut acc = 0;
    hist.iter()
        .position(|c| {
            acc += c;
            acc > n * 8 / 10
        })
        .unwrap_or(255) as u8
}

#[cfg(test)]
mod tests;
