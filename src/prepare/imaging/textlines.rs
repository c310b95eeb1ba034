//! Whether a page shows text at all, decided in milliseconds before OCR.
//!
//! Tesseract spends seconds on a page without text that is not clean: a
//! backside with show-through, dust and specks is cut into hundreds of
//! blobs, each analysed as a possible character. This check looks for what
//! text is made of instead: marks the size of letters (about 1–12 mm high)
//! standing side by side on one line, at least a short word's worth of them.
//! Show-through fainter than ink, grain and single specks are not letters;
//! dust does not line up. When in doubt the page counts as text (and is
//! read): only a page with no row of letter-sized marks is passed over.

use super::*;

/// Marks side by side on one line that make a page count as text (a short
/// word and a half: "Seite 2" has six).
const MIN_IN_ROWS: usize = 6;

/// How much darker than the paper a letter is somewhere, at the least: a
/// carbon copy at a third of full contrast is ~75 levels darker, what
/// shows through 80 g/m² paper from a printed other side at most ~45.
const PRINT_DELTA: f64 = 55.0;

/// Letter-sized marks, as boxes in pixels of the reduced copy.
#[derive(Debug, Clone, Copy)]
struct Mark {
    left: u32,
    right: u32,
    top: u32,
    bottom: u32,
    /// The darkest grey level in it.
    darkest: u8,
}

impl Mark {
    fn height(&self) -> u32 {
        self.bottom - self.top + 1
    }
    fn centre(&self) -> f32 {
        (self.top + self.bottom) as f32 / 2.0
    }
}

/// Whether the page (scanned at `dpi`) shows text, or anything that could
/// be text, anywhere outside a 5 mm edge.
pub fn shows_text(page: &GrayImage, dpi: f32) -> bool {
    let dpi = if dpi > 0.0 { dpi } else { 300.0 };
    // Halved by the darkest pixel of each 2 × 2 square from 250 dpi up: thin
    // strokes keep their darkness, single specks shrink below letter size.
    // A bilevel page is always halved so: a faint copy binarised at 200 dpi
    // breaks its strokes into specks, which join again.
    let (small, dpi) = if dpi >= 250.0 || (dpi >= 150.0 && is_bilevel(page)) {
        (min_halved(page), dpi / 2.0)
    } else {
        (page.clone(), dpi)
    };
    let mm = dpi / 25.4;
    let paper = f64::from(paper_level(&small));
    let below = (paper - INK_DELTA).max(0.0) as u8;
    // Print, even a faint carbon copy, is somewhere clearly dark; what
    // shows through the paper from the other side never is.
    let print = (paper - PRINT_DELTA).max(0.0) as u8;
    let marks = marks(&small, below, (5.0 * mm) as u32);
    let (lo, hi) = ((0.9 * mm).max(3.0) as u32, (12.0 * mm) as u32);
    let mut letters: Vec<Mark> = marks
        .into_iter()
        .filter(|m| {
            let (w, h) = (m.right - m.left + 1, m.height());
            (lo..=hi).contains(&h) && w <= 4 * hi && w * 8 >= h && m.darkest <= print
        })
        .collect();
    letters.sort_by_key(|m| m.left);
    in_rows(&letters) >= MIN_IN_ROWS
}

/// How many letters (sorted by their left edge) have a neighbour of like
/// height on their line, no more than one and a half heights away
/// (counting stops at enough).
fn in_rows(letters: &[Mark]) -> usize {
    let mut paired = vec![false; letters.len()];
    let mut count = 0;
    for (i, a) in letters.iter().enumerate() {
        let ha = a.height();
        // A neighbour is at most three times as high as this one.
        let reach = a.right + 9 * ha / 2;
        for (j, b) in letters.iter().enumerate().skip(i + 1) {
            if b.left > reach {
                break;
            }
            let hb = b.height();
            let alike = hb <= 3 * ha && ha <= 3 * hb;
            let near = b.left <= a.right + 3 * ha.max(hb) / 2;
            let level = (a.centre() - b.centre()).abs() < 0.6 * ha.max(hb) as f32;
            if alike && near && level {
                for k in [i, j] {
                    if !paired[k] {
                        paired[k] = true;
                        count += 1;
                    }
                }
                if count >= MIN_IN_ROWS {
                    return count;
                }
            }
        }
    }
    count
}

/// The page at half size, each pixel the darkest of its 2 × 2 square.
fn min_halved(page: &GrayImage) -> GrayImage {
    let (w, h) = (page.width() / 2, page.height() / 2);
    let src = page.as_raw();
    let stride = page.width() as usize;
    let mut out = vec![255u8; (w * h) as usize];
    for (y, row) in out.chunks_exact_mut(w.max(1) as usize).enumerate() {
        let (r0, r1) = (&src[2 * y * stride..], &src[(2 * y + 1) * stride..]);
        for (x, o) in row.iter_mut().enumerate() {
            *o = r0[2 * x]
                .min(r0[2 * x + 1])
                .min(r1[2 * x])
                .min(r1[2 * x + 1]);
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| page.clone())
}

/// The boxes of the 8-connected regions darker than `below` inside an
/// edge of `edge` pixels, by runs per row joined with a union-find.
fn marks(page: &GrayImage, below: u8, edge: u32) -> Vec<Mark> {
    let (w, h) = page.dimensions();
    let raw = page.as_raw();
    if w <= 2 * edge || h <= 2 * edge {
        return Vec::new();
    }
    let (x0, x1, y0, y1) = (edge, w - edge, edge, h - edge);
    let mut parent: Vec<usize> = Vec::new();
    let mut boxes: Vec<Mark> = Vec::new();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    // Runs of the row above: (start, end inclusive, label).
    let mut above: Vec<(u32, u32, usize)> = Vec::new();
    let mut here: Vec<(u32, u32, usize)> = Vec::new();
    for y in y0..y1 {
        here.clear();
        let row = &raw[(y * w) as usize..((y + 1) * w) as usize];
        let mut x = x0;
        let mut k = 0;
        while x < x1 {
            if row[x as usize] >= below {
                x += 1;
                continue;
            }
            let start = x;
            let mut darkest = 255;
            while x < x1 && row[x as usize] < below {
                darkest = darkest.min(row[x as usize]);
                x += 1;
            }
            let end = x - 1;
            let label = parent.len();
            parent.push(label);
            boxes.push(Mark {
                left: start,
                right: end,
                top: y,
                bottom: y,
                darkest,
            });
            // Runs above that touch this one, diagonals included.
            while k < above.len() && above[k].1 + 1 < start {
                k += 1;
            }
            let mut j = k;
            while j < above.len() && above[j].0 <= end + 1 {
                let (a, b) = (root(&mut parent, above[j].2), root(&mut parent, label));
                if a != b {
                    parent[b] = a;
                    let (mb, ma) = (boxes[b], &mut boxes[a]);
                    ma.left = ma.left.min(mb.left);
                    ma.right = ma.right.max(mb.right);
                    ma.top = ma.top.min(mb.top);
                    ma.bottom = ma.bottom.max(mb.bottom);
                    ma.darkest = ma.darkest.min(mb.darkest);
                }
                j += 1;
            }
            here.push((start, end, label));
        }
        std::mem::swap(&mut above, &mut here);
    }
    (0..parent.len())
        .filter(|&i| root(&mut parent, i) == i)
        .map(|i| boxes[i])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(w: u32, h: u32) -> GrayImage {
        GrayImage::from_pixel(w, h, image::Luma([240]))
    }

    fn rect(p: &mut GrayImage, x: u32, y: u32, w: u32, h: u32, v: u8) {
        for yy in y..y + h {
            for xx in x..x + w {
                p.put_pixel(xx, yy, image::Luma([v]));
            }
        }
    }

    #[test]
    fn a_row_of_letter_sized_marks_is_text_scattered_dust_is_not() {
        // 300 dpi: letters 3 mm high (35 px), 2 mm wide, 1 mm apart.
        let mut text = page(2480, 3508);
        for i in 0..8 {
            rect(&mut text, 400 + i * 36, 800, 24, 35, 20);
        }
        assert!(shows_text(&text, 300.0));
        // The same marks far apart, one per line: dust, not text.
        let mut dust = page(2480, 3508);
        for i in 0..40 {
            rect(&mut dust, 300 + (i * 397) % 1800, 300 + i * 70, 24, 30, 20);
        }
        assert!(!shows_text(&dust, 300.0));
        // Letters fainter than ink, or only a little darker than the paper
        // (show-through), are not text either; a faint carbon copy is.
        for (grey, text) in [(220, false), (200, false), (160, true)] {
            let mut faint = page(2480, 3508);
            for i in 0..8 {
                rect(&mut faint, 400 + i * 36, 800, 24, 35, grey);
            }
            assert_eq!(shows_text(&faint, 300.0), text, "letters at {grey}");
        }
        // Specks of one and two pixels, however many, are not letters.
        let mut specks = page(2480, 3508);
        for i in 0..20_000u32 {
            let (x, y) = (200 + (i * 7919) % 2000, 200 + (i * 104_729) % 3000);
            rect(&mut specks, x, y, 1 + i % 2, 1 + i % 2, 0);
        }
        assert!(!shows_text(&specks, 300.0));
    }

    #[test]
    fn touching_marks_join_into_one() {
        let mut img = GrayImage::from_pixel(10, 10, image::Luma([250]));
        for (i, v) in [(11, 90), (22, 40), (33, 90), (34, 90), (35, 90), (80, 0)] {
            img.put_pixel(i % 10, i / 10, image::Luma([v]));
        }
        // 10 × 10: a diagonal chain from (1,1) to (5,3), and one at (0,8);
        // nothing within the edge of one pixel counts.
        let m = marks(&img, 200, 1);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].left, m[0].right, m[0].top, m[0].bottom), (1, 5, 1, 3));
        assert_eq!(m[0].darkest, 40);
    }
}
