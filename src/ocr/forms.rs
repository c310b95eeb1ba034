//! What the engine sees of a form: the printed lines of boxes, comb fields
//! (one digit per box), tables and fill-in rules are taken out of the copy
//! that goes to Tesseract, so that the letters between them are read as
//! letters and not as `|`, `[`, `]` or `I`. The stored page keeps its lines.
//!
//! A line is a chain of thin ink runs (at most ~0.6 mm thick), one run per
//! column, each continuing the last (gaps of a few pixels bridged, so
//! crossings, teeth and specks do not break it), straight and mostly ink of
//! its own. Taken out are: horizontal lines from ~8 mm, or from ~2.5 mm
//! where both ends meet the ends of walls (the top and bottom of a short box
//! group); pieces that carry a taken line on in its direction; vertical
//! lines from ~15 mm, or from ~2 mm between two taken lines and ~3.5 mm on
//! one (comb teeth, cell walls). Letters are never that: their strokes are
//! short, thick where they cross, free-standing or meet others mid-stroke.
//! About 0.1 s per A4 page at 300 dpi.

use image::GrayImage;

/// A run of ink across one scan line of the buffer: (line, first, last).
type Segment = (u32, u32, u32);

/// A chain of segments on consecutive buffer lines (never empty).
#[derive(Debug)]
struct Chain {
    segments: Vec<Segment>,
    /// Lines with a run of its own (not bridged).
    own: u32,
}

impl Chain {
    /// The first and the last line it covers.
    fn lines(&self) -> (u32, u32) {
        let first = self.segments.first().map_or(0, |s| s.0);
        let last = self.segments.last().map_or(0, |s| s.0);
        (first, last)
    }

    fn length(&self) -> u32 {
        let (first, last) = self.lines();
        last - first + 1
    }

    /// Long, straight and mostly ink of its own: the tops of letters in a
    /// word also chain across the gaps between letters, but a third of
    /// such a chain is gaps.
    fn is_line(&self, min_len: u32) -> bool {
        self.length() >= min_len && self.own * 100 >= self.length() * 85 && self.straight()
    }

    /// Straight: the middle drifts by at most 1 in 12 (about 5°; the page
    /// was straightened before).
    fn straight(&self) -> bool {
        let mid = |s: &Segment| i64::from(s.1 + s.2);
        let (Some(a), Some(b)) = (self.segments.first(), self.segments.last()) else {
            return false;
        };
        (mid(a) - mid(b)).unsigned_abs() / 2 <= u64::from(self.length() / 12 + 2)
    }
}

/// Finds chains of thin runs in a buffer of `lines` scan lines of `len`
/// pixels each (1 = ink): runs of at most `thick` pixels, continued on the
/// next lines when they overlap within one pixel, across gaps of up to `gap`
/// lines (the gap is kept as segments, so a crossing is taken out with the
/// line).
fn chains(buf: &[u8], lines: usize, len: usize, thick: u32, gap: u32) -> Vec<Chain> {
    let mut out: Vec<Chain> = Vec::new();
    // For every position across: the chain that last had ink there, and on
    // which line.
    let mut last: Vec<(u32, u32)> = vec![(u32::MAX, 0); len];
    for (i, line) in buf.chunks_exact(len).take(lines).enumerate() {
        let i = i as u32;
        let mut x = 0usize;
        while x < len {
            if line[x] == 0 {
                x += 1;
                continue;
            }
            let a = x;
            while x < len && line[x] != 0 {
                x += 1;
            }
            let b = x - 1;
            if (b - a + 1) as u32 > thick {
                continue;
            }
            let lo = a.saturating_sub(1);
            let hi = (b + 1).min(len - 1);
            // A chain is a curve: one run per line, continuing its own
            // last run (not any run it ever had there).
            let found = (lo..=hi)
                .map(|p| last[p])
                .filter(|&(id, at)| {
                    id != u32::MAX && at < i && i - at <= gap + 1 && {
                        let &(line, pa, pb) = out[id as usize]
                            .segments
                            .last()
                            .expect("a chain has a segment");
                        line == at && pa <= hi as u32 && lo as u32 <= pb
                    }
                })
                .max_by_key(|&(id, at)| (at, out[id as usize].length()));
            let id = match found {
                Some((id, _)) => {
                    let chain = &mut out[id as usize];
                    let &(last, pa, pb) = chain.segments.last().expect("a chain has a segment");
                    let (ga, gb) = (pa.min(a as u32), pb.max(b as u32));
                    for g in last + 1..i {
                        chain.segments.push((g, ga, gb));
                    }
                    chain.segments.push((i, a as u32, b as u32));
                    chain.own += 1;
                    id
                }
                None => {
                    out.push(Chain {
                        segments: vec![(i, a as u32, b as u32)],
                        own: 1,
                    });
                    (out.len() - 1) as u32
                }
            };
            for slot in &mut last[a..=b] {
                *slot = (id, i);
            }
        }
    }
    out
}

/// Grey level below which a pixel is ink: the middle for a bilevel page,
/// else the layout analysis' threshold (clearly darker than the paper).
fn ink_below(page: &GrayImage) -> u8 {
    if crate::prepare::imaging::is_bilevel(page) {
        128
    } else {
        crate::prepare::imaging::ink_threshold(page).clamp(40, 200)
    }
}

/// A map of marked pixels (line pixels, wall ends).
struct Marks {
    w: usize,
    h: usize,
    at: Vec<bool>,
}

impl Marks {
    fn new(w: usize, h: usize) -> Self {
        Marks {
            w,
            h,
            at: vec![false; w * h],
        }
    }

    fn set(&mut self, x: u32, y: u32) {
        self.at[y as usize * self.w + x as usize] = true;
    }

    fn get(&self, x: i64, y: i64) -> bool {
        x >= 0
            && y >= 0
            && (x as usize) < self.w
            && (y as usize) < self.h
            && self.at[y as usize * self.w + x as usize]
    }

    /// Whether a mark lies within `r` pixels of (x, y).
    fn near(&self, x: i64, y: i64, r: i64) -> bool {
        (y - r..=y + r).any(|yy| (x - r..=x + r).any(|xx| self.get(xx, yy)))
    }
}

/// The two end points of a chain as (x, y) page positions; `across` says
/// the buffer lines were page columns (a horizontal chain).
fn ends(c: &Chain, across: bool) -> [(i64, i64); 2] {
    let point = |s: &Segment| {
        let mid = i64::from(s.1 + s.2) / 2;
        if across {
            (i64::from(s.0), mid)
        } else {
            (mid, i64::from(s.0))
        }
    };
    let first = c.segments.first().map_or((0, 0), point);
    let last = c.segments.last().map_or((0, 0), point);
    [first, last]
}

/// The page without its form lines, or `None` when it has none.
pub(crate) fn without_form_lines(page: &GrayImage, dpi: u32) -> Option<GrayImage> {
    let (w, h) = (page.width() as usize, page.height() as usize);
    if w < 16 || h < 16 {
        return None;
    }
    let dpi = dpi.clamp(70, 1200) as f32;
    let mm = |v: f32| ((v * dpi / 25.4).round() as u32).max(1);
    let thick = mm(0.65).max(2);
    let gap = mm(0.4).max(2);
    let r = i64::from(gap + thick / 2);
    let below = ink_below(page);
    let raw = page.as_raw();
    let ink: Vec<u8> = raw.iter().map(|&v| u8::from(v < below)).collect();

    // Horizontal candidates: chains along x of thin runs down each column;
    // vertical ones: chains down y of thin runs along each row.
    let mut cols = vec![0u8; w * h];
    for (y, row) in ink.chunks_exact(w).enumerate() {
        for (x, &v) in row.iter().enumerate() {
            cols[x * h + y] = v;
        }
    }
    let short = mm(2.0);
    let hs: Vec<Chain> = chains(&cols, w, h, thick, gap)
        .into_iter()
        .filter(|c| c.is_line(mm(1.0)))
        .collect();
    drop(cols);
    let vs: Vec<Chain> = chains(&ink, h, w, thick, gap)
        .into_iter()
        .filter(|c| c.is_line(short))
        .collect();
    if hs.is_empty() {
        return None;
    }
    let paint = |marks: &mut Marks, c: &Chain, across: bool| {
        for &(i, a, b) in &c.segments {
            for p in a..=b {
                if across {
                    marks.set(i, p);
                } else {
                    marks.set(p, i);
                }
            }
        }
    };

    // Walls: vertical candidates standing between two horizontal ones
    // (box sides, comb teeth). Edges: horizontal candidates that end at
    // the ends of walls on both sides (the top and bottom of a box).
    let mut h_marks = Marks::new(w, h);
    for c in hs.iter().filter(|c| c.length() >= short) {
        paint(&mut h_marks, c, true);
    }
    let mut wall_ends = Marks::new(w, h);
    for c in &vs {
        let [top, bottom] = ends(c, false);
        let on = |(x, y): (i64, i64), dy: i64| h_marks.near(x, y + dy, r);
        if on(top, -1) && on(bottom, 1) {
            wall_ends.set(top.0 as u32, top.1 as u32);
            wall_ends.set(bottom.0 as u32, bottom.1 as u32);
        }
    }
    drop(h_marks);
    let mut taken = Marks::new(w, h);
    let mut open: Vec<&Chain> = Vec::new();
    for c in &hs {
        let [left, right] = ends(c, true);
        let edge = c.length() >= mm(2.5)
            && wall_ends.near(left.0, left.1, r)
            && wall_ends.near(right.0, right.1, r);
        if c.length() >= mm(8.0) || edge {
            paint(&mut taken, c, true);
        } else {
            open.push(c);
        }
    }
    drop(wall_ends);
    // A line broken by specks or a crossing continues: pieces that carry
    // on from the end of a line taken out, in its direction, go with it.
    let carries_on = |taken: &Marks, (x, y): (i64, i64), dir: i64| {
        (1..=i64::from(gap) + 1).any(|d| (-2..=2).any(|e| taken.get(x + dir * d, y + e)))
    };
    for _ in 0..8 {
        let before = open.len();
        open.retain(|c| {
            let [left, right] = ends(c, true);
            let on = carries_on(&taken, left, -1) || carries_on(&taken, right, 1);
            if on {
                paint(&mut taken, c, true);
            }
            !on
        });
        if open.len() == before {
            break;
        }
    }
    drop(open);
    if !taken.at.iter().any(|&v| v) {
        return None;
    }
    // Vertical lines: long ones, and shorter ones standing on a line that
    // is taken out (the teeth of comb fields, the walls of table cells),
    // found again without the horizontal lines, so they run through the
    // crossings and corners.
    drop(vs);
    let rest: Vec<u8> = ink
        .iter()
        .zip(&taken.at)
        .map(|(&v, &t)| if t { 0 } else { v })
        .collect();
    let vs: Vec<Chain> = chains(&rest, h, w, thick, gap)
        .into_iter()
        .filter(|c| c.is_line(short))
        .collect();
    drop(rest);
    let mut walls = Vec::new();
    for c in &vs {
        let [top, bottom] = ends(c, false);
        let on_top = taken.near(top.0, top.1 - 1, r);
        let on_bottom = taken.near(bottom.0, bottom.1 + 1, r);
        if c.length() >= mm(15.0)
            || (on_top && on_bottom)
            || ((on_top || on_bottom) && c.length() >= mm(3.5))
        {
            walls.push(c);
        }
    }
    for c in walls {
        paint(&mut taken, c, false);
    }
    let taken = taken.at;

    // Out with them, and with the grey fringe one pixel around them.
    let fringe = below.saturating_add((255 - below) / 2);
    let mut out = page.clone();
    let px = out.as_mut();
    for y in 0..h {
        for x in 0..w {
            if !taken[y * w + x] {
                continue;
            }
            px[y * w + x] = 255;
            for (dx, dy) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1)] {
                let (xx, yy) = (x as i64 + dx, y as i64 + dy);
                if xx >= 0 && yy >= 0 && (xx as usize) < w && (yy as usize) < h {
                    let at = yy as usize * w + xx as usize;
                    if !taken[at] && raw[at] >= below && raw[at] < fringe {
                        px[at] = 255;
                    }
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white page at 300 dpi with `f` painting ink.
    fn page(f: impl Fn(u32, u32) -> bool) -> GrayImage {
        GrayImage::from_fn(1200, 900, |x, y| {
            image::Luma([if f(x, y) { 0 } else { 255 }])
        })
    }

    fn ink_in(img: &GrayImage, x0: u32, y0: u32, x1: u32, y1: u32) -> u32 {
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                n += u32::from(img.get_pixel(x, y).0[0] < 128);
            }
        }
        n
    }

    /// A comb field of 10 boxes (30 px wide, 60 high, lines 3 px) at
    /// (100, 100), slightly skewed (1 px per 200), with a "digit" (a thick
    /// block) inside every box.
    fn comb(x: u32, y: u32) -> bool {
        let drift = x / 200;
        let y = y.wrapping_sub(drift);
        let inside_x = (100..403).contains(&x);
        let on_h = (100..103).contains(&y) || (157..160).contains(&y);
        let on_v = (100..160).contains(&y) && inside_x && (x - 100) % 30 < 3;
        let digit =
            (115..145).contains(&y) && inside_x && (x - 100) % 30 >= 10 && (x - 100) % 30 < 22;
        (inside_x && on_h) || on_v || digit
    }

    #[test]
    fn comb_fields_lose_their_lines_and_keep_their_digits() {
        let img = page(comb);
        let out = without_form_lines(&img, 300).expect("lines found");
        // The lines are gone …
        assert_eq!(ink_in(&out, 90, 95, 410, 106), 0, "top line left");
        assert_eq!(ink_in(&out, 90, 155, 410, 166), 0, "bottom line left");
        assert_eq!(ink_in(&out, 98, 106, 105, 114), 0, "first tooth left");
        // … every digit is whole.
        for k in 0..10 {
            let x = 100 + 30 * k;
            assert_eq!(ink_in(&out, x + 10, 114, x + 22, 148), 12 * 30, "digit {k}");
        }
    }

    #[test]
    fn letters_stay_even_tall_ones_and_long_free_strokes() {
        // A tall thin stem (a 24 pt "l", 70 px), a short horizontal stroke
        // (an "E" arm, 25 px), a long diagonal (a signature) and a thick bar.
        let img = page(|x, y| {
            let stem = (600..604).contains(&x) && (300..370).contains(&y);
            let arm = (700..725).contains(&x) && (300..304).contains(&y);
            let diag = (100..500).contains(&x) && (y as i64 - (500 + x as i64 / 2)).abs() < 2;
            let bar = (800..1100).contains(&x) && (600..640).contains(&y);
            stem || arm || diag || bar
        });
        assert!(without_form_lines(&img, 300).is_none());
    }

    #[test]
    fn a_short_box_group_is_a_box_and_a_serif_letter_is_not() {
        // Two boxes (28 px, lines 3 px, walls 3 px) with a block inside
        // each, and a large serif "I" (serifs 36 px, stem 70 px) beside.
        let img = page(|x, y| {
            let inside = (100..159).contains(&x) && (100..134).contains(&y);
            let line = inside && ((100..103).contains(&y) || (131..134).contains(&y));
            let wall = inside && (x - 100) % 28 < 3;
            let block =
                (108..125).contains(&y) && inside && (x - 100) % 28 >= 9 && (x - 100) % 28 < 20;
            let serif =
                (400..436).contains(&x) && ((300..304).contains(&y) || (370..374).contains(&y));
            let stem = (414..421).contains(&x) && (300..374).contains(&y);
            line || wall || block || serif || stem
        });
        let out = without_form_lines(&img, 300).expect("box found");
        assert_eq!(ink_in(&out, 95, 95, 165, 104), 0, "top of the boxes left");
        assert_eq!(
            ink_in(&out, 95, 130, 165, 140),
            0,
            "bottom of the boxes left"
        );
        assert_eq!(ink_in(&out, 155, 104, 165, 130), 0, "right wall left");
        assert_eq!(ink_in(&out, 109, 108, 120, 125), 11 * 17);
        assert_eq!(
            ink_in(&out, 390, 290, 450, 380),
            ink_in(&img, 390, 290, 450, 380)
        );
    }

    #[test]
    fn a_word_of_small_bold_letters_is_no_line() {
        // Letters like "n" at 200 dpi: flat tops 10 px wide, stems 2 px,
        // 1 px between letters, forty of them in a row (above 8 mm).
        let img = page(|x, y| {
            if !(100..540).contains(&x) {
                return false;
            }
            let at = (x - 100) % 11;
            let top = (200..202).contains(&y) && at < 10;
            let stems = (200..214).contains(&y) && (at < 2 || (8..10).contains(&at));
            top || stems
        });
        assert!(without_form_lines(&img, 200).is_none());
    }

    #[test]
    fn a_letter_touching_a_rule_keeps_its_body() {
        // An underline 300 px long with a thick letter body standing on it.
        let img = page(|x, y| {
            let rule = (100..400).contains(&x) && (200..203).contains(&y);
            let body = (200..220).contains(&x) && (170..200).contains(&y);
            rule || body
        });
        let out = without_form_lines(&img, 300).expect("rule found");
        assert_eq!(ink_in(&out, 100, 200, 197, 205), 0);
        assert_eq!(ink_in(&out, 223, 200, 400, 205), 0);
        assert_eq!(ink_in(&out, 200, 170, 220, 200), 20 * 30);
    }

    #[test]
    fn grey_pages_lose_their_lines_with_the_fringe() {
        let img = GrayImage::from_fn(1200, 900, |x, y| {
            let v = if comb(x, y) {
                40
            } else if comb(x, y + 1) || comb(x, y.wrapping_sub(1)) {
                150
            } else {
                235
            };
            image::Luma([v])
        });
        let out = without_form_lines(&img, 300).expect("lines found");
        let dark = |x0, y0, x1, y1| {
            let mut n = 0;
            for y in y0..y1 {
                for x in x0..x1 {
                    n += u32::from(out.get_pixel(x, y).0[0] < 200);
                }
            }
            n
        };
        assert_eq!(dark(90, 95, 410, 106), 0);
        assert!(dark(110, 115, 122, 145) > 300);
    }
}
