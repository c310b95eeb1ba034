//! The geometry of a page: skew measured and corrected, orientation found
//! and turned upright, copies reduced for layout analysis.

use super::*;

/// Largest skew corrected, in degrees; beyond it a page is flagged instead.
pub(crate) const MAX_DESKEW_DEG: f32 = 5.0;
/// Skews below this are left alone (no resampling for nothing).
pub(crate) const MIN_DESKEW_DEG: f32 = 0.1;

/// Measures the skew of the text lines, in degrees (positive: the page
/// is turned clockwise, lines fall to the right). Projection profiles of the
/// ink at ~150 dpi: the angle at which the row sums are most uneven is the
/// angle of the lines; coarse search over ±`MAX_DESKEW_DEG`, then 0.05°
/// and 0.02° steps.
/// `None` for pages with too little ink to tell.
pub fn detect_skew(page: &GrayImage, dpi: f32) -> Option<f32> {
    skew_of(&reduce_to(page, dpi, LAYOUT_DPI).0)
}

/// Resolution at which layout (skew, orientation) is measured.
const LAYOUT_DPI: f32 = 150.0;

/// Box-averages a page down by an integer `factor` (fast, no filtering
/// artefacts that matter for layout measurements and barcode retries).
pub(crate) fn downsample(page: &GrayImage, factor: u32) -> GrayImage {
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
/// (see `upright_from`), with its resolution.
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
pub(crate) fn upright_from(
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
    let straight = if applied == 0.0 {
        page.clone()
    } else {
        rotate(page, applied)
    };
    let prepared = if quarter == 0 {
        straight
    } else {
        rotate_quarter(&straight, quarter)
    };
    (prepared, quarter, skew)
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
