//! Page preparation: thumbnails, blank-page detection and quality flags.
//!
//! Works on the decoded page; the raw page blob is never changed. The
//! margins are ignored (punch holes, scanner edges). Ink is every pixel
//! clearly darker than the paper, counted only in ~0.7 mm cells that hold a
//! stroke's worth of it: dust and speckles (a few isolated pixels) do not
//! count, faint writing does.

use image::{DynamicImage, GrayImage};
use std::io::Cursor;

use crate::decode::PageEncoding;

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

impl QualityFlag {
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

/// A JPEG thumbnail of the page.
pub fn thumbnail(page: &GrayImage) -> Vec<u8> {
    let thumb = DynamicImage::ImageLuma8(page.clone()).thumbnail(THUMB_SIZE, THUMB_SIZE);
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
    let mut hist = [0u64; 256];
    for y in y0..y1 {
        for x in x0..x1 {
            hist[page.get_pixel(x, y).0[0] as usize] += 1;
        }
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
    let (p1, p99) = (percentile(0.01), percentile(0.99));
    let contrast = p99 - p1;
    // Most of a page is paper: the 80th percentile is the paper's brightness.
    let ink_below = (percentile(0.8) - INK_DELTA).max(0.0) as u8;
    // Despeckle: ink counts only in cells (~0.7 mm) that hold a stroke's worth of it.
    let cell = ((dpi / CELLS_PER_INCH).round() as u32).max(2);
    let min_in_cell = (cell * cell).div_ceil(10);
    let mut ink_pixels = 0u64;
    let mut cy = y0;
    while cy < y1 {
        let mut cx = x0;
        while cx < x1 {
            let mut c = 0;
            for y in cy..(cy + cell).min(y1) {
                for x in cx..(cx + cell).min(x1) {
                    c += u32::from(page.get_pixel(x, y).0[0] < ink_below);
                }
            }
            if c >= min_in_cell {
                ink_pixels += u64::from(c);
            }
            cx += cell;
        }
        cy += cell;
    }
    let ink = ink_pixels as f64 / n;
    let blank = ink < settings.blank_ink_threshold;
    let mut flags = Vec::new();
    if mean < 100.0 {
        flags.push(QualityFlag::TooDark);
    }
    // Faint writing: something is there, but even the darkest 0.2 % is light grey.
    if !blank && mean >= 100.0 && percentile(0.002) > 150.0 {
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
    fn thumbnail_is_small_jpeg() {
        let t = thumbnail(&page(|x, _| (x % 256) as u8));
        let img = image::load_from_memory(&t).unwrap();
        assert!(img.width() <= THUMB_SIZE && img.height() == THUMB_SIZE);
    }
}

/// Grey level below which a pixel of a reduced page counts as ink for layout
/// analysis: clearly (60 levels) darker than the paper, which is the 80th
/// percentile of brightness on any page that is mostly paper.
fn ink_threshold(small: &GrayImage) -> u8 {
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
/// angle of the lines; coarse search over ±[`MAX_DESKEW_DEG`], then 0.02° steps.
/// `None` for pages with too little ink to tell.
pub fn detect_skew(page: &GrayImage, dpi: f32) -> Option<f32> {
    let dpi = if dpi > 0.0 { dpi } else { 300.0 };
    let scale = (150.0 / dpi).min(1.0);
    let small = if scale < 1.0 {
        image::imageops::resize(
            page,
            ((page.width() as f32 * scale) as u32).max(1),
            ((page.height() as f32 * scale) as u32).max(1),
            image::imageops::FilterType::Triangle,
        )
    } else {
        page.clone()
    };
    let ink_below = ink_threshold(&small);
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
    let score = |deg: f32| -> f64 {
        let (s, c) = deg.to_radians().sin_cos();
        let offset = width * s.abs() + 1.0;
        let rows = (height + 2.0 * offset) as usize + 2;
        let mut bins = vec![0u32; rows];
        for &(x, y) in &ink {
            // Row of the point in a frame turned by `deg`.
            let r = (y * c - x * s + offset) as usize;
            if let Some(b) = bins.get_mut(r) {
                *b += 1;
            }
        }
        bins.iter().map(|&b| f64::from(b) * f64::from(b)).sum()
    };
    let search = |from: f32, to: f32, step: f32| {
        let mut best = (from, f64::MIN);
        let mut a = from;
        while a <= to + 1e-6 {
            let sc = score(a);
            if sc > best.1 {
                best = (a, sc);
            }
            a += step;
        }
        best.0
    };
    let coarse = search(-MAX_DESKEW_DEG, MAX_DESKEW_DEG, 0.25);
    let fine = search(coarse - 0.25, coarse + 0.25, 0.02);
    Some(fine)
}

/// Turns a page by `deg` degrees counter-clockwise (to undo a clockwise
/// skew of `deg`), bilinear, paper-white outside; same size.
pub fn rotate(page: &GrayImage, deg: f32) -> GrayImage {
    let (w, h) = page.dimensions();
    let (s, c) = deg.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let src = page.as_raw();
    GrayImage::from_fn(w, h, |x, y| {
        // Inverse mapping: where in the source does this pixel come from?
        let dx = x as f32 - cx;
        let dy = y as f32 - cy;
        let sx = c * dx - s * dy + cx;
        let sy = s * dx + c * dy + cy;
        if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f32 || sy >= (h - 1) as f32 {
            return image::Luma([255]);
        }
        let (x0, y0) = (sx as usize, sy as usize);
        let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
        let at = |xx: usize, yy: usize| f32::from(src[yy * w as usize + xx]);
        let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
        let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
        image::Luma([(top * (1.0 - fy) + bottom * fy).round() as u8])
    })
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

/// Ink rows of a page at ~100 dpi, as (row profile, width), for layout tests.
fn ink_profile(page: &GrayImage, dpi: f32) -> Option<GrayImage> {
    let dpi = if dpi > 0.0 { dpi } else { 300.0 };
    let scale = (100.0 / dpi).min(1.0);
    let small = image::imageops::resize(
        page,
        ((page.width() as f32 * scale) as u32).max(1),
        ((page.height() as f32 * scale) as u32).max(1),
        image::imageops::FilterType::Triangle,
    );
    let below = ink_threshold(&small);
    // Binary: 255 = ink.
    let bin = GrayImage::from_fn(small.width(), small.height(), |x, y| {
        image::Luma([if small.get_pixel(x, y).0[0] < below {
            255
        } else {
            0
        }])
    });
    let ink = bin.pixels().filter(|p| p.0[0] == 255).count();
    (ink >= 300).then_some(bin)
}

/// How strongly the ink forms horizontal lines: the squared coefficient of
/// variation of the row sums (rows alternate between full and empty for
/// horizontal text, are even for vertical text), independent of page size.
fn line_strength(bin: &GrayImage) -> f64 {
    let rows: Vec<f64> = (0..bin.height())
        .map(|y| {
            (0..bin.width())
                .filter(|&x| bin.get_pixel(x, y).0[0] == 255)
                .count() as f64
        })
        .collect();
    let n = rows.len().max(1) as f64;
    let mean = rows.iter().sum::<f64>() / n;
    let mean_sq = rows.iter().map(|r| r * r).sum::<f64>() / n;
    mean_sq / (mean * mean).max(1e-9) - 1.0
}

/// Whether Latin text on a binary page stands upright: in each text line
/// the ascenders (b, d, h, k, l, t, capitals) put more ink above the
/// x-height band than the descenders (g, p, q, y) put below it.
/// Returns (ascender ink, descender ink).
fn ascender_balance(bin: &GrayImage) -> (u64, u64) {
    let rows: Vec<u64> = (0..bin.height())
        .map(|y| {
            (0..bin.width())
                .filter(|&x| bin.get_pixel(x, y).0[0] == 255)
                .count() as u64
        })
        .collect();
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
    let bin = ink_profile(page, dpi)?;
    let turned = image::imageops::rotate90(&bin);
    let sideways = line_strength(&turned) > 1.5 * line_strength(&bin);
    let candidates: [(u16, GrayImage); 2] = if sideways {
        [
            (90, turned.clone()),
            (270, image::imageops::rotate180(&turned)),
        ]
    } else {
        [(0, bin.clone()), (180, image::imageops::rotate180(&bin))]
    };
    let (up, down) = ascender_balance(&candidates[0].1);
    // Require a clear majority either way; undecided pages stay as they are.
    if up as f64 > down as f64 * 1.25 {
        Some(candidates[0].0)
    } else if down as f64 > up as f64 * 1.25 {
        Some(candidates[1].0)
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
    let straighten = |img: &GrayImage| -> (Option<GrayImage>, Option<f32>) {
        if !deskew {
            return (None, None);
        }
        match detect_skew(img, dpi) {
            Some(a) if a.abs() >= MIN_DESKEW_DEG && a.abs() < MAX_DESKEW_DEG - 0.05 => {
                (Some(rotate(img, a)), Some(a))
            }
            other => (None, other),
        }
    };
    let (first, skew1) = straighten(page);
    let base = first.unwrap_or_else(|| page.clone());
    let quarter = if orientation {
        detect_orientation(&base, dpi).unwrap_or(0)
    } else {
        0
    };
    if quarter == 0 {
        return (base, 0, skew1);
    }
    let turned = rotate_quarter(&base, quarter);
    let (second, skew2) = straighten(&turned);
    let total = match (skew1, skew2) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    };
    (second.unwrap_or(turned), quarter, total)
}
