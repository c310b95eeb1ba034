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
