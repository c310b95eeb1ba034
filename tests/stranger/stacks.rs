//! Whole scanner stacks for throughput measurements, made from the corpus's
//! documents: a caseworker's desk mix (one file per letter, PDF, TIFF, JPEG,
//! PNG), a duplex production stack (Patch-T sheets between documents, every
//! sheet scanned on both sides, the backsides empty) and duplex desk files
//! whose backsides are empty but not clean: the front's print showing
//! through the paper, grain, dust and fibres, punch holes — what a real
//! duplex scan of one-sided mail gives.

use std::path::{Path, PathBuf};

use image::GrayImage;

use super::page::{self, Page, ScanLook};
use super::{Rng, docs, register};

/// A stack written to disk: its files and how many of its pages are
/// content, backsides and separator sheets.
#[derive(Debug, Default)]
pub struct Stack {
    /// The files, in order.
    pub files: Vec<PathBuf>,
    /// Pages with text.
    pub content: usize,
    /// Empty backsides.
    pub backsides: usize,
    /// Separator sheets (Patch-T).
    pub separators: usize,
}

impl Stack {
    /// Every page of the stack.
    pub fn pages(&self) -> usize {
        self.content + self.backsides + self.separators
    }
}

/// `n` documents of the corpus's classes and namings, as pages to scan.
fn documents(rng: &mut Rng, n: usize) -> Vec<Vec<Page>> {
    let reg = register::build(rng, n.div_ceil(3).max(2));
    (0..n)
        .map(|i| {
            let class = super::CLASSES[(i * 7 + rng.below(3)) % super::CLASSES.len()];
            let pages = super::pages_for(rng, class);
            let kind = super::pick_kind(rng);
            let chosen = super::choose(rng, &reg, kind, class, pages);
            let mut doc_rng = Rng::new(rng.next_u64());
            docs::compose(&mut doc_rng, class, &chosen.naming, pages, false)
        })
        .collect()
}

/// The empty backside of a sheet whose front is `front` (grey, as scanned):
/// the front's print mirrored and faint as it shows through 80 g/m² paper,
/// grain, dust specks, a few fibres and, on some sheets, the two punch
/// holes (black: the scanner's backing shows through them).
pub fn backside(rng: &mut Rng, front: &GrayImage, dpi: u32) -> GrayImage {
    let (w, h) = front.dimensions();
    let paper = 236 + rng.below(16) as i32;
    // Show-through: 5–16 % of the front's darkness (thin paper, strong
    // print), softened.
    let strength = 5 + rng.below(12) as i32;
    let grain = 4 + rng.below(10) as i32;
    let mut state = (rng.next_u64() as u32) | 1;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state >> 24) as i32 - 128
    };
    let src = front.as_raw();
    let mut out = vec![0u8; src.len()];
    for y in 0..h as usize {
        for x in 0..w as usize {
            let mx = w as usize - 1 - x;
            let at = y * w as usize + mx;
            let mut dark = 255 - i32::from(src[at]);
            if mx + 1 < w as usize {
                dark = (dark + 255 - i32::from(src[at + 1])) / 2;
            }
            let v = paper - dark * strength / 100 + noise() * grain / 128;
            out[y * w as usize + x] = v.clamp(0, 255) as u8;
        }
    }
    let mut img = GrayImage::from_raw(w, h, out).expect("size");
    let px_mm = dpi as f32 / 25.4;
    let dot = |img: &mut GrayImage, x: i64, y: i64, r: i64, v: u8| {
        for dy in -r..=r {
            for dx in -r..=r {
                let (xx, yy) = (x + dx, y + dy);
                if dx * dx + dy * dy <= r * r
                    && (0..i64::from(w)).contains(&xx)
                    && (0..i64::from(h)).contains(&yy)
                {
                    img.put_pixel(xx as u32, yy as u32, image::Luma([v]));
                }
            }
        }
    };
    // Dust: single specks and a few larger crumbs.
    for _ in 0..50 + rng.below(400) {
        let (x, y) = (rng.below(w as usize) as i64, rng.below(h as usize) as i64);
        let r = if rng.chance(0.08) {
            2 + rng.below(3)
        } else {
            rng.below(2)
        } as i64;
        dot(&mut img, x, y, r, 20 + rng.below(60) as u8);
    }
    // Fibres: thin curved hairs, 3–15 mm long.
    for _ in 0..rng.below(6) {
        let (mut x, mut y) = (rng.below(w as usize) as f32, rng.below(h as usize) as f32);
        let mut angle = rng.unit() * std::f32::consts::PI;
        let len = (3.0 + rng.unit().abs() * 12.0) * px_mm;
        let v = 40 + rng.below(80) as u8;
        for _ in 0..len as usize {
            dot(&mut img, x as i64, y as i64, 0, v);
            x += angle.cos();
            y += angle.sin();
            angle += rng.unit() * 0.05;
        }
    }
    // Punch holes, 5.5 mm, 12 mm from the left edge, 80 mm apart.
    if rng.chance(0.4) {
        let r = (2.75 * px_mm) as i64;
        let x = (12.0 * px_mm) as i64;
        let mid = i64::from(h) / 2;
        for y in [mid - (40.0 * px_mm) as i64, mid + (40.0 * px_mm) as i64] {
            dot(&mut img, x, y, r, 15);
        }
    }
    img
}

fn desk_look(rng: &mut Rng, dpi: u32) -> ScanLook {
    ScanLook {
        skew: rng.unit() * 1.5,
        noise: 3.0 + rng.below(8) as f32,
        specks: rng.below(30),
        ..ScanLook::plain(dpi)
    }
}

/// A caseworker's desk: `files` letters, one file each, in turn a scanner
/// PDF (grey or colour JPEG pages), a G4 TIFF, a colour JPEG and a grey
/// PNG, at 200–300 dpi.
pub fn desk_mix(dir: &Path, seed: u64, files: usize) -> Stack {
    std::fs::create_dir_all(dir).expect("stack folder");
    let mut rng = Rng::new(seed);
    let mut stack = Stack::default();
    for (i, doc) in documents(&mut rng, files).into_iter().enumerate() {
        let dpi = [300, 200, 300, 240][i % 4];
        let (name, bytes) = match i % 4 {
            0 => {
                let colour = rng.chance(0.5);
                let pages: Vec<_> = doc
                    .iter()
                    .map(|p| {
                        let look = desk_look(&mut rng, dpi);
                        if colour {
                            let img = page::scan(&mut rng, p, &look);
                            let (w, h) = img.dimensions();
                            (page::jpeg_rgb(&img, dpi, 75), w, h, dpi, true)
                        } else {
                            let img = page::scan_grey(&mut rng, p, &look);
                            let (w, h) = img.dimensions();
                            (page::jpeg_grey(&img, dpi, 75), w, h, dpi, false)
                        }
                    })
                    .collect();
                (format!("brief_{i:03}.pdf"), page::image_pdf(&pages))
            }
            1 => {
                let pages: Vec<_> = doc
                    .iter()
                    .map(|p| {
                        let look = desk_look(&mut rng, dpi);
                        let grey = page::scan_grey(&mut rng, p, &look);
                        (page::bilevel(&grey, look.threshold), dpi)
                    })
                    .collect();
                (format!("brief_{i:03}.tif"), page::g4_tiff(&pages))
            }
            2 => {
                let look = desk_look(&mut rng, dpi);
                let img = page::scan(&mut rng, &doc[0], &look);
                (format!("brief_{i:03}.jpg"), page::jpeg_rgb(&img, dpi, 80))
            }
            _ => {
                let look = desk_look(&mut rng, dpi);
                let img = page::scan_grey(&mut rng, &doc[0], &look);
                (format!("brief_{i:03}.png"), page::png_grey(&img, dpi))
            }
        };
        stack.content += if i % 4 < 2 { doc.len() } else { 1 };
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write desk file");
        stack.files.push(path);
    }
    stack
}

/// One duplex production stack, G4 at 300 dpi: `documents` one-sided
/// letters, each behind a Patch-T sheet, every sheet with its (empty,
/// dusty) backside.
pub fn duplex_stack(dir: &Path, seed: u64, documents: usize) -> Stack {
    std::fs::create_dir_all(dir).expect("stack folder");
    let mut rng = Rng::new(seed);
    let dpi = 300;
    let mut pages = Vec::new();
    let mut stack = Stack::default();
    for doc in self::documents(&mut rng, documents) {
        let caption = rng.chance(0.5);
        let sheet = page::patch_t(&mut rng, dpi, caption);
        let back = backside(&mut rng, &sheet, dpi);
        let threshold = 140;
        pages.push((sheet, dpi));
        pages.push((page::bilevel(&back, threshold), dpi));
        stack.separators += 1;
        stack.backsides += 1;
        for p in &doc {
            let look = ScanLook {
                noise: 10.0 + rng.below(20) as f32,
                specks: rng.below(300),
                ..desk_look(&mut rng, dpi)
            };
            let grey = page::scan_grey(&mut rng, p, &look);
            let back = backside(&mut rng, &grey, dpi);
            pages.push((page::bilevel(&grey, look.threshold), dpi));
            pages.push((page::bilevel(&back, look.threshold), dpi));
            stack.content += 1;
            stack.backsides += 1;
        }
    }
    let path = dir.join("stapel_duplex.tif");
    std::fs::write(&path, page::g4_tiff(&pages)).expect("write stack");
    stack.files.push(path);
    stack
}

/// Duplex desk scans in grey: `files` PDFs of one-sided letters, each
/// sheet followed by its empty backside with show-through and dust.
pub fn noisy_duplex(dir: &Path, seed: u64, files: usize) -> Stack {
    std::fs::create_dir_all(dir).expect("stack folder");
    let mut rng = Rng::new(seed);
    let mut stack = Stack::default();
    for (i, doc) in documents(&mut rng, files).into_iter().enumerate() {
        let dpi = 300;
        let mut pages = Vec::new();
        for p in &doc {
            let look = desk_look(&mut rng, dpi);
            let front = page::scan_grey(&mut rng, p, &look);
            let back = backside(&mut rng, &front, dpi);
            for img in [front, back] {
                let (w, h) = img.dimensions();
                pages.push((page::jpeg_grey(&img, dpi, 70), w, h, dpi, false));
            }
            stack.content += 1;
            stack.backsides += 1;
        }
        let path = dir.join(format!("duplex_{i:03}.pdf"));
        std::fs::write(&path, page::image_pdf(&pages)).expect("write duplex file");
        stack.files.push(path);
    }
    stack
}
