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
pub fn flag_words(code: &str) -> Option<String> {
    let words = match code.trim() {
        "" => return None,
        "page_count_mismatch" => "Seitenzahl weicht vom Deckblatt ab",
        c => QualityFlag::from_code(c).map_or(c, |f| f.german()),
    };
    Some(words.to_owned())
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
    pub fn from_code(code: &str) -> Option<Self> {
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
pub fn is_bilevel(page: &GrayImage) -> bool {
    page.as_raw().iter().all(|&v| v == 0 || v == 255)
}

/// Grain noise above which a grey page is smoothed before OCR (mean absolute
/// difference of neighbouring paper pixels, in grey levels).
pub const NOISY: f32 = 6.0;

/// How grainy the paper of a grey page is: the mean absolute difference
/// between horizontally neighbouring pixels where both are paper (brighter
/// than the ink threshold), on every fourth row. Clean scans give 1–5,
/// grainy ones 20 and more.
pub fn noise_level(page: &GrayImage) -> f32 {
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
pub fn median3(page: &GrayImage) -> GrayImage {
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
pub fn pack_bits(page: &GrayImage) -> Vec<u8> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_put_in_words() {
        assert_eq!(flag_words("too_dark").as_deref(), Some("Seite zu dunkel"));
        assert_eq!(
            flag_words("page_count_mismatch").as_deref(),
            Some("Seitenzahl weicht vom Deckblatt ab")
        );
        assert_eq!(flag_words(""), None);
    }

    fn page(f: impl Fn(u32, u32) -> u8) -> GrayImage {
        GrayImage::from_fn(2480, 3508, |x, y| image::Luma([f(x, y)]))
    }

    fn settings() -> PrepSettings {
        PrepSettings::default()
    }

    #[test]
    fn white_page_with_dust_is_blank_a_signature_is_not() {
        // Dust: isolated 2-pixel specks every 97 pixels.
        let dusty = page(|x, y| if x % 97 < 2 && y % 97 < 2 { 0 } else { 255 });
        let a = analyse(&dusty, 300.0, &settings());
        assert!(a.blank, "dust only: ink {}", a.ink);
        // A signature: a 6 cm × 1 cm scribble of 3-pixel strokes.
        let signed = page(|x, y| {
            let in_box = (1500..2200).contains(&x) && (3000..3120).contains(&y);
            if in_box && (x + y) % 24 < 3 { 0 } else { 255 }
        });
        let a = analyse(&signed, 300.0, &settings());
        assert!(!a.blank, "signature: ink {}", a.ink);
        // Punch holes and a dark scanner edge sit in the margin and do not count.
        let edges = page(|x, _| if x < 60 { 0 } else { 255 });
        assert!(analyse(&edges, 300.0, &settings()).blank);
    }

    #[test]
    fn quality_flags() {
        let dark = page(|x, y| if (x / 20 + y / 20) % 2 == 0 { 30 } else { 90 });
        assert!(
            analyse(&dark, 300.0, &settings())
                .flags
                .contains(&QualityFlag::TooDark)
        );
        let faint = page(|x, y| if y % 60 < 4 && x % 10 < 7 { 185 } else { 250 });
        let a = analyse(&faint, 300.0, &settings());
        assert!(a.flags.contains(&QualityFlag::TooLight), "{a:?}");
        let text = page(|x, y| if y % 60 < 4 && x % 10 < 7 { 10 } else { 250 });
        let a = analyse(&text, 300.0, &settings());
        assert!(a.flags.is_empty(), "{a:?}");
        // A short letter: a few lines, well under 1 % ink, black on white.
        let short = page(|x, y| {
            if y % 60 < 4 && y < 400 && x % 10 < 7 && x < 600 {
                0
            } else {
                255
            }
        });
        let a = analyse(&short, 300.0, &settings());
        assert!(a.ink < 0.01 && a.flags.is_empty(), "{a:?}");
        assert!(
            analyse(&text, 150.0, &settings())
                .flags
                .contains(&QualityFlag::LowResolution)
        );
        let long = GrayImage::from_pixel(2480, 7000, image::Luma([255]));
        assert!(
            analyse(&long, 300.0, &settings())
                .flags
                .contains(&QualityFlag::DoubleFeed)
        );
    }

    #[test]
    fn grainy_pages_are_found_and_smoothed() {
        let grainy = page(|x, y| {
            // A hash of the position as the grain.
            let h = (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663))
                .wrapping_mul(2_654_435_761);
            let text = y % 40 < 6 && x % 9 < 5;
            let base: i32 = if text { 30 } else { 215 };
            (base + (h >> 16) as i32 % 81 - 40).clamp(0, 255) as u8
        });
        let clean = page(|x, y| if y % 40 < 6 && x % 9 < 5 { 30 } else { 230 });
        assert!(noise_level(&grainy) > NOISY, "{}", noise_level(&grainy));
        assert!(noise_level(&clean) < 2.0, "{}", noise_level(&clean));
        let smooth = median3(&grainy);
        // The network gives the true median (checked against sorting).
        for (x, y) in [(1, 1), (500, 700), (2478, 3506), (63, 9), (64, 10)] {
            let mut v: Vec<u8> = (0..9)
                .map(|k| grainy.get_pixel(x + k % 3 - 1, y + k / 3 - 1).0[0])
                .collect();
            v.sort_unstable();
            assert_eq!(smooth.get_pixel(x, y).0[0], v[4], "at {x},{y}");
        }
        assert!(noise_level(&smooth) < noise_level(&grainy) / 2.0);
        assert_eq!(smooth.dimensions(), grainy.dimensions());
    }

    #[test]
    fn thumbnail_is_small_jpeg() {
        let t = thumbnail(&page(|x, _| (x % 256) as u8));
        let img = image::load_from_memory(&t).unwrap();
        assert!(img.width() <= THUMB_SIZE && img.height() == THUMB_SIZE);
    }
}

/// Which pixels of a (reduced) page are ink, row by row, by the same
/// threshold as the layout measurements.
pub fn ink_mask(small: &GrayImage) -> Vec<bool> {
    let below = ink_threshold(small);
    small.as_raw().iter().map(|&v| v < below).collect()
}

/// Grey level below which a pixel of a reduced page counts as ink for layout
/// analysis: clearly (60 levels) darker than the paper, which is the 80th
/// percentile of brightness on any page that is mostly paper.
pub(crate) fn ink_threshold(small: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    small.pixels().for_each(|p| hist[p.0[0] as usize] += 1);
    let n = small.len() as u64;
    let mut acc = 0;
    let paper = hist
        .iter()
        .position(|c| {
            acc += c;
            acc > n * 8 / 10
        })
        .unwrap_or(255) as i32;
    (paper - 60).max(0) as u8
}

/// Largest skew corrected, in degrees; beyond it a page is flagged instead.
pub const MAX_DESKEW_DEG: f32 = 5.0;
/// Skews below this are left alone (no resampling for nothing).
pub const MIN_DESKEW_DEG: f32 = 0.1;

/// Measures the skew of the text lines, in degrees (positive: the page
/// is turned clockwise, lines fall to the right). Projection profiles of the
/// ink at ~150 dpi: the angle at which the row sums are most uneven is the
/// angle of the lines; coarse search over ±[`MAX_DESKEW_DEG`], then 0.05°
/// and 0.02° steps.
/// `None` for pages with too little ink to tell.
pub fn detect_skew(page: &GrayImage, dpi: f32) -> Option<f32> {
    skew_of(&reduce_to(page, dpi, LAYOUT_DPI).0)
}

/// Resolution at which layout (skew, orientation) is measured.
const LAYOUT_DPI: f32 = 150.0;

/// Box-averages a page down by an integer `factor` (fast, no filtering
/// artefacts that matter for layout measurements and barcode retries).
pub fn downsample(page: &GrayImage, factor: u32) -> GrayImage {
    let (w, h) = page.dimensions();
    if factor <= 1 || w < factor || h < factor {
        return page.clone();
    }
    let f = factor as usize;
    let (sw, sh) = ((w / factor) as usize, (h / factor) as usize);
    let src = page.as_raw();
    let w = w as usize;
    let mut out = vec![0u8; sw * sh];
    let mut acc = vec![0u32; sw];
    let n = (f * f) as u32;
    for (sy, out_row) in out.chunks_exact_mut(sw).enumerate() {
        acc.fill(0);
        for y in sy * f..(sy + 1) * f {
            let row = &src[y * w..y * w + sw * f];
            for (a, cell) in acc.iter_mut().zip(row.chunks_exact(f)) {
                *a += cell.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        for (o, a) in out_row.iter_mut().zip(&acc) {
            *o = ((a + n / 2) / n) as u8;
        }
    }
    GrayImage::from_raw(sw as u32, sh as u32, out).expect("buffer of the right size")
}

/// The page reduced to about 150 dpi for layout measurements and barcodes
/// (see [`upright_from`]), with its resolution.
pub fn layout_copy(page: &GrayImage, dpi: f32) -> (GrayImage, f32) {
    reduce_to(page, dpi, LAYOUT_DPI)
}

/// The page reduced by an integer factor to about `target` dpi (never
/// enlarged), with its resulting resolution.
fn reduce_to(page: &GrayImage, dpi: f32, target: f32) -> (GrayImage, f32) {
    let dpi = if dpi > 0.0 { dpi } else { 300.0 };
    let factor = (dpi / target).floor().max(1.0) as u32;
    (downsample(page, factor), dpi / factor as f32)
}

/// [`detect_skew`] on a page already reduced to layout resolution.
fn skew_of(small: &GrayImage) -> Option<f32> {
    let ink_below = ink_threshold(small);
    let ink: Vec<(f32, f32)> = small
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0[0] < ink_below)
        .map(|(x, y, _)| (x as f32, y as f32))
        .collect();
    if ink.len() < 500 {
        return None;
    }
    let height = small.height() as f32;
    let width = small.width() as f32;
    // The coarse search looks at every fourth ink pixel, the last at all.
    let score_every = |deg: f32, every: usize| -> f64 {
        let (s, c) = deg.to_radians().sin_cos();
        let offset = width * s.abs() + 1.0;
        let rows = (height + 2.0 * offset) as usize + 2;
        let mut bins = vec![0u32; rows];
        for &(x, y) in ink.iter().step_by(every) {
            // Row of the point in a frame turned by `deg`.
            let r = (y * c - x * s + offset) as usize;
            if let Some(b) = bins.get_mut(r) {
                *b += 1;
            }
        }
        bins.iter().map(|&b| f64::from(b) * f64::from(b)).sum()
    };
    let search = |from: f32, to: f32, step: f32, every: usize| {
        let mut best = (from, f64::MIN);
        let mut a = from;
        while a <= to + 1e-6 {
            let sc = score_every(a, every);
            if sc > best.1 {
                best = (a, sc);
            }
            a += step;
        }
        best.0
    };
    let coarse = search(-MAX_DESKEW_DEG, MAX_DESKEW_DEG, 0.25, 4);
    let medium = search(coarse - 0.25, coarse + 0.25, 0.05, 2);
    let fine = search(medium - 0.04, medium + 0.04, 0.02, 1);
    Some(fine)
}

/// Turns a page by `deg` degrees counter-clockwise (to undo a clockwise
/// skew of `deg`), bilinear, paper-white outside; same size.
pub fn rotate(page: &GrayImage, deg: f32) -> GrayImage {
    // Fixed point with 16 fractional bits: exact enough for pages up to
    // 32,000 pixels, and several times faster than floats per pixel.
    const ONE: f64 = 65536.0;
    let (w, h) = page.dimensions();
    let (s, c) = f64::from(deg).to_radians().sin_cos();
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    let (max_x, max_y) = (i64::from(w) - 1, i64::from(h) - 1);
    let src = page.as_raw();
    let wu = w as usize;
    let mut out = vec![255u8; src.len()];
    let (step_x, step_y) = ((c * ONE) as i64, (s * ONE) as i64);
    let (lim_x, lim_y) = (max_x << 16, max_y << 16);
    for (y, row) in out.chunks_exact_mut(wu.max(1)).enumerate() {
        // Inverse mapping: where in the source does each pixel come from?
        let dy = y as f64 - cy;
        let sx0 = ((-c * cx - s * dy + cx) * ONE) as i64;
        let sy0 = ((-s * cx + c * dy + cy) * ONE) as i64;
        // The pixels whose source lies inside the page form one run.
        let (a1, b1) = inside(sx0, step_x, lim_x, wu);
        let (a2, b2) = inside(sy0, step_y, lim_y, wu);
        let (from, to) = (a1.max(a2), b1.min(b2));
        let (mut sx, mut sy) = (sx0 + from as i64 * step_x, sy0 + from as i64 * step_y);
        for o in row.iter_mut().take(to).skip(from) {
            let i = (sy >> 16) as usize * wu + (sx >> 16) as usize;
            let (a, b) = (src[i], src[i + 1]);
            let (d, e) = (src[i + wu], src[i + wu + 1]);
            sx += step_x;
            sy += step_y;
            if a & b & d & e == 255 {
                // Paper all round (most of a page): stays paper.
                continue;
            }
            let (fx, fy) = (
                ((sx - step_x) & 0xffff) as u32 >> 8,
                ((sy - step_y) & 0xffff) as u32 >> 8,
            );
            let (a, b, d, e) = (u32::from(a), u32::from(b), u32::from(d), u32::from(e));
            let top = a * (256 - fx) + b * fx;
            let bottom = d * (256 - fx) + e * fx;
            *o = ((top * (256 - fy) + bottom * fy + (1 << 15)) >> 16) as u8;
        }
    }
    GrayImage::from_raw(w, h, out).expect("buffer of the right size")
}

/// The run of `x` in `0..n` for which `start + x * step` lies in
/// `0..limit` (a linear coordinate in 16.16 fixed point), as `from..to`.
fn inside(start: i64, step: i64, limit: i64, n: usize) -> (usize, usize) {
    let n = n as i64;
    let (from, to) = if step == 0 {
        if (0..limit).contains(&start) {
            (0, n)
        } else {
            (0, 0)
        }
    } else if step > 0 {
        // start + x*step >= 0  and  start + x*step < limit
        (
            (-start).div_euclid(step) + i64::from((-start).rem_euclid(step) != 0),
            (limit - start).div_euclid(step) + i64::from((limit - start).rem_euclid(step) != 0),
        )
    } else {
        let step = -step;
        // start - x*step < limit  and  start - x*step >= 0
        (
            (start - limit).div_euclid(step) + 1,
            start.div_euclid(step) + 1,
        )
    };
    let (from, to) = (from.clamp(0, n), to.clamp(0, n));
    (from as usize, to.max(from) as usize)
}

#[cfg(test)]
mod skew_tests {
    use super::*;

    /// A page of "text lines" (dashes), turned clockwise by `deg`.
    fn lines(deg: f32) -> GrayImage {
        let flat = GrayImage::from_fn(1240, 1754, |x, y| {
            let in_line = (y % 40) < 6
                && (100..1140).contains(&x)
                && (150..1600).contains(&y)
                && (x / 9) % 6 != 0;
            image::Luma([if in_line { 0 } else { 255 }])
        });
        rotate(&flat, -deg)
    }

    /// Bilinear rotation in floating point, pixel by pixel: the reference
    /// for the fixed-point [`rotate`] and its run bounds.
    fn rotate_reference(page: &GrayImage, deg: f32) -> GrayImage {
        let (w, h) = page.dimensions();
        let (s, c) = f64::from(deg).to_radians().sin_cos();
        let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
        GrayImage::from_fn(w, h, |x, y| {
            let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
            let (sx, sy) = (c * dx - s * dy + cx, s * dx + c * dy + cy);
            let (x0, y0) = (sx.floor(), sy.floor());
            if x0 < 0.0 || y0 < 0.0 || x0 >= f64::from(w - 1) || y0 >= f64::from(h - 1) {
                return image::Luma([255]);
            }
            let (fx, fy) = (sx - x0, sy - y0);
            let p = |xx: f64, yy: f64| f64::from(page.get_pixel(xx as u32, yy as u32).0[0]);
            let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1.0, y0) * fx;
            let bottom = p(x0, y0 + 1.0) * (1.0 - fx) + p(x0 + 1.0, y0 + 1.0) * fx;
            image::Luma([(top * (1.0 - fy) + bottom * fy).round() as u8])
        })
    }

    #[test]
    fn fixed_point_rotation_matches_the_reference() {
        let page = GrayImage::from_fn(301, 207, |x, y| {
            image::Luma([
                ((x * 7 + y * 13) % 256) as u8 | (u8::from((x / 20 + y / 20) % 2 == 0) * 200)
            ])
        });
        for deg in [0.0f32, 0.3, -0.8, 4.9, -30.0, 45.0, 90.0, -135.0, 180.0] {
            let (got, want) = (rotate(&page, deg), rotate_reference(&page, deg));
            // A few pixels whose source lies on the page's edge may fall
            // either side in rounding; all others agree within 2 levels.
            let off = got
                .pixels()
                .zip(want.pixels())
                .filter(|(a, b)| a.0[0].abs_diff(b.0[0]) > 2)
                .count();
            assert!(off <= 40, "{deg}°: {off} pixels differ");
        }
    }

    #[test]
    fn skew_is_measured_within_a_tenth_of_a_degree_and_undone() {
        for deg in [-3.0f32, -0.8, 0.0, 0.5, 2.2] {
            let page = lines(deg);
            let got = detect_skew(&page, 150.0).unwrap();
            assert!((got - deg).abs() < 0.1, "skew {deg}: measured {got}");
            let straight = rotate(&page, got);
            let rest = detect_skew(&straight, 150.0).unwrap();
            assert!(rest.abs() < 0.1, "after deskew of {deg}: {rest}");
        }
        assert_eq!(
            detect_skew(&GrayImage::from_pixel(800, 1000, image::Luma([255])), 100.0),
            None
        );
    }
}

/// Ink pixels per row and per column of a page at ~100 dpi, for the
/// orientation tests; `None` for pages with too little ink.
fn ink_sums(page: &GrayImage, dpi: f32) -> Option<(Vec<u64>, Vec<u64>)> {
    let (small, _) = reduce_to(page, dpi, 100.0);
    let below = ink_threshold(&small);
    let w = small.width() as usize;
    let mut rows = Vec::with_capacity(small.height() as usize);
    let mut cols = vec![0u64; w];
    for row in small.as_raw().chunks_exact(w.max(1)) {
        let mut n = 0;
        for (c, &v) in cols.iter_mut().zip(row) {
            let ink = u64::from(v < below);
            *c += ink;
            n += ink;
        }
        rows.push(n);
    }
    (rows.iter().sum::<u64>() >= 300).then_some((rows, cols))
}

/// How strongly the ink forms lines along the profile: the squared
/// coefficient of variation of the sums (rows alternate between full and
/// empty across text lines, are even along them), independent of page size.
fn line_strength(sums: &[u64]) -> f64 {
    let n = sums.len().max(1) as f64;
    let mean = sums.iter().map(|&r| r as f64).sum::<f64>() / n;
    let mean_sq = sums.iter().map(|&r| (r as f64) * (r as f64)).sum::<f64>() / n;
    mean_sq / (mean * mean).max(1e-9) - 1.0
}

/// Whether Latin text stands upright, from the ink per row (top to bottom):
/// in each text line the ascenders (b, d, h, k, l, t, capitals) put more ink
/// above the x-height band than the descenders (g, p, q, y) put below it.
/// Returns (ascender ink, descender ink).
fn ascender_balance(rows: &[u64]) -> (u64, u64) {
    let (mut up, mut down) = (0, 0);
    let mut y = 0;
    while y < rows.len() {
        if rows[y] == 0 {
            y += 1;
            continue;
        }
        let start = y;
        while y < rows.len() && rows[y] > 0 {
            y += 1;
        }
        let line = &rows[start..y];
        if line.len() < 4 {
            continue;
        }
        let peak = *line.iter().max().unwrap_or(&0);
        // The x-height band: rows with at least half the peak ink.
        let core: Vec<usize> = (0..line.len()).filter(|&i| line[i] * 2 >= peak).collect();
        let (first, last) = (core[0], core[core.len() - 1]);
        up += line[..first].iter().sum::<u64>();
        down += line[last + 1..].iter().sum::<u64>();
    }
    (up, down)
}

/// The clockwise rotation (0, 90, 180 or 270°) that turns the page upright,
/// for pages with enough Latin text; `None` when it cannot tell.
pub fn detect_orientation(page: &GrayImage, dpi: f32) -> Option<u16> {
    let (rows, cols) = ink_sums(page, dpi)?;
    // Turned a quarter clockwise, the page's columns (left to right) become
    // its rows (top to bottom); a half turn reverses the order.
    let sideways = line_strength(&cols) > 1.5 * line_strength(&rows);
    let (profile, upright, flipped) = if sideways {
        (cols, 90, 270)
    } else {
        (rows, 0, 180)
    };
    let (up, down) = ascender_balance(&profile);
    // Require a clear majority either way; undecided pages stay as they are.
    if up as f64 > down as f64 * 1.25 {
        Some(upright)
    } else if down as f64 > up as f64 * 1.25 {
        Some(flipped)
    } else {
        None
    }
}

/// Rotates a page clockwise by a multiple of 90°.
pub fn rotate_quarter(page: &GrayImage, clockwise: u16) -> GrayImage {
    match clockwise % 360 {
        90 => image::imageops::rotate90(page),
        180 => image::imageops::rotate180(page),
        270 => image::imageops::rotate270(page),
        _ => page.clone(),
    }
}

/// Prepares a page for OCR: straighten, turn upright, straighten again.
/// Returns the prepared page, the quarter turn applied (clockwise) and the
/// total skew corrected. Straightening first makes the line tests reliable
/// on skewed pages; after a quarter turn the lines are measured again.
pub fn upright(
    page: &GrayImage,
    dpi: f32,
    orientation: bool,
    deskew: bool,
) -> (GrayImage, u16, Option<f32>) {
    let (small, small_dpi) = layout_copy(page, dpi);
    upright_from(page, &small, small_dpi, orientation, deskew)
}

/// [`upright`] with the page's [`layout_copy`] already made. Everything is
/// measured on the reduced copy; the full page is resampled once at the end
/// (the turns about the centre commute).
pub fn upright_from(
    page: &GrayImage,
    small: &GrayImage,
    small_dpi: f32,
    orientation: bool,
    deskew: bool,
) -> (GrayImage, u16, Option<f32>) {
    let straighten = |img: &GrayImage| -> (Option<GrayImage>, Option<f32>, f32) {
        if !deskew {
            return (None, None, 0.0);
        }
        match skew_of(img) {
            // Below a degree the line tests work on the page as it is.
            Some(a) if a.abs() >= MIN_DESKEW_DEG && a.abs() < 1.0 => (None, Some(a), a),
            Some(a) if a.abs() >= MIN_DESKEW_DEG && a.abs() < MAX_DESKEW_DEG - 0.05 => {
                (Some(rotate(img, a)), Some(a), a)
            }
            other => (None, other, 0.0),
        }
    };
    let (first, skew1, applied1) = straighten(small);
    let base = first.as_ref().unwrap_or(small);
    let quarter = if orientation {
        detect_orientation(base, small_dpi).unwrap_or(0)
    } else {
        0
    };
    let (skew, applied) = if quarter == 0 {
        (skew1, applied1)
    } else {
        let (_, skew2, applied2) = straighten(&rotate_quarter(base, quarter));
        let total = match (skew1, skew2) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        (total, applied1 + applied2)
    };
    let straight = if applied != 0.0 {
        rotate(page, applied)
    } else {
        page.clone()
    };
    let prepared = if quarter == 0 {
        straight
    } else {
        rotate_quarter(&straight, quarter)
    };
    (prepared, quarter, skew)
}
