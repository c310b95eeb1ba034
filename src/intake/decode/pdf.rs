//! PDF files: scanner PDFs (one image per page) and born-digital PDFs.
//!
//! Each page is first interpreted with a probing device that records the
//! images, glyphs and paths it draws. A page that shows exactly one upright
//! image covering most of the page is a scan: its image is taken at native
//! resolution (JPEG data byte for byte, everything else losslessly). Any
//! other page is rendered at [`RENDER_DPI`]; text the PDF carries is kept.

use super::pdf_image::{check_image, check_page, not_a_page};
use super::{
    ColourMode, DecodeError, Limits, PageEncoding, PageImage, PageOrigin, TextWord,
    check_page_count, check_size, encode_png,
};
use hayro::hayro_interpret::font::GlyphRun;
use hayro::hayro_interpret::hayro_syntax::Filter;
use hayro::hayro_interpret::hayro_syntax::Pdf;
use hayro::hayro_interpret::hayro_syntax::page::Page;
use hayro::hayro_interpret::{
    BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageData, ImageDrawProps,
    InterpreterCache, InterpreterSettings, SoftMask, TransformExt, interpret_page,
};
use hayro::hayro_syntax::LoadPdfError;
use hayro::kurbo::{Affine, BezPath, Point, Rect};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings, render};

/// Resolution at which pages with text or vector content are rendered.
pub const RENDER_DPI: f32 = 300.0;

/// Share of the page area a single image must cover to count as a scan.
const SCAN_COVERAGE: f64 = 0.8;

/// Share of the page area images may cover on a page whose own words are
/// its text (beyond it an image may hold text too, and OCR reads the page).
const TEXT_PAGE_IMAGES: f64 = 0.25;

fn corrupt(detail: impl Into<String>) -> DecodeError {
    DecodeError::Corrupt {
        format: "PDF",
        detail: detail.into(),
    }
}

/// Decodes every page of a PDF.
pub(super) fn decode(bytes: &[u8], limits: &Limits) -> Result<Vec<PageImage>, DecodeError> {
    let pdf = Pdf::new(bytes.to_vec()).map_err(|e| match e {
        LoadPdfError::Decryption(_) => DecodeError::Encrypted,
        LoadPdfError::Invalid => {
            corrupt("Aufbau der Datei nicht lesbar (Querverweistabelle oder Seitenbaum fehlt)")
        }
    })?;
    // A file cut short loses pages silently when its structure is rebuilt:
    // the page tree's own count must agree with the pages found.
    let declared = pdf
        .xref()
        .get::<hayro::hayro_syntax::object::Dict<'_>>(pdf.xref().root_id())
        .and_then(|root| root.get::<hayro::hayro_syntax::object::Dict<'_>>(b"Pages".as_slice()))
        .and_then(|tree| tree.get::<u32>(b"Count".as_slice()));
    if let Some(declared) = declared
        && declared as usize > pdf.pages().len()
    {
        return Err(corrupt(format!(
            "laut Seitenverzeichnis {declared} Seiten, lesbar sind nur {} \
             (Datei abgeschnitten, oder Seiten fehlen in ihr)",
            pdf.pages().len()
        )));
    }
    check_page_count(limits, pdf.pages().len())?;
    let settings = InterpreterSettings::default();
    let cache = RenderCache::new();
    let probe_cache = InterpreterCache::new();
    let mut pages = Vec::new();
    for (i, page) in pdf.pages().iter().enumerate() {
        let n = i + 1;
        if let Some(kind) = not_a_page(page) {
            return Err(corrupt(format!(
                "Eintrag {n} des Seitenverzeichnisses ist keine Seite, sondern {kind}"
            )));
        }
        check_page(page, n, limits.page_operators)?;
        let probe = probe_page(page, &probe_cache, &settings);
        // An image that cannot be decoded would be left out of the page
        // without a word: the page would look blank or partial.
        if let Some(broken) = probe.images.iter().find_map(|i| i.broken.as_ref()) {
            return Err(corrupt(format!("Seite {n}: {broken}")));
        }
        if probe.images.iter().any(|i| i.pixels.is_none()) {
            return Err(corrupt(format!(
                "Seite {n}: ein Bild der Seite lässt sich nicht lesen"
            )));
        }
        let text = probe.text();
        let words = probe.words(page);
        let scanned = probe
            .single_scan(page)
            .and_then(|img| img.into_page(limits, n).transpose());
        let mut image = match scanned {
            Some(result) => result?,
            None => render_page(page, &cache, &settings, limits, n)?,
        };
        image.text = text;
        if image.origin == PageOrigin::Rendered {
            image.words = words;
        }
        pages.push(image);
    }
    Ok(pages)
}

fn render_page<'a>(
    page: &'a Page<'a>,
    cache: &RenderCache<'a>,
    settings: &InterpreterSettings,
    limits: &Limits,
    n: usize,
) -> Result<PageImage, DecodeError> {
    let (w_pt, h_pt) = page.render_dimensions();
    let scale = RENDER_DPI / 72.0;
    let (w, h) = ((w_pt * scale) as u32, (h_pt * scale) as u32);
    // vello_cpu pixmaps are limited to u16 per side.
    if w == 0 || h == 0 || w > u32::from(u16::MAX) || h > u32::from(u16::MAX) {
        return Err(DecodeError::TooLarge {
            page: n,
            width: w,
            height: h,
            max: super::MAX_PAGE_PIXELS,
        });
    }
    // Rendered as RGBA.
    check_size(limits, n, w, h, 4)?;
    let pixmap = render(
        page,
        cache,
        settings,
        &RenderSettings::default(),
        &PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: WHITE,
        },
    );
    let (pw, ph) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    let rgba = pixmap.data_as_u8_slice();
    let grey = rgba.chunks_exact(4).all(|p| p[0] == p[1] && p[1] == p[2]);
    let (colour, px): (ColourMode, Vec<u8>) = if grey {
        (
            ColourMode::Gray,
            rgba.chunks_exact(4).map(|p| p[0]).collect(),
        )
    } else {
        (
            ColourMode::Colour,
            rgba.chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect(),
        )
    };
    let dpi = Some((RENDER_DPI, RENDER_DPI));
    Ok(PageImage {
        width: pw,
        height: ph,
        dpi,
        colour,
        encoding: PageEncoding::Png,
        bytes: encode_png(pw, ph, colour, &px, dpi),
        origin: PageOrigin::Rendered,
        text: None,
        words: Vec::new(),
        part: 0,
    })
}

/// What a page draws, as seen by [`Probe`].
#[derive(Default)]
struct Probe {
    images: Vec<ProbedImage>,
    glyphs: Vec<Glyph>,
    paths: usize,
}

/// A character drawn on the page, in page points (y down).
struct Glyph {
    origin: Point,
    /// End of the glyph's advance.
    end: Point,
    size: f64,
    text: String,
    /// Drawn (not an invisible text layer).
    visible: bool,
}

/// An image drawn on the page, decoded at native resolution.
struct ProbedImage {
    transform: Affine,
    width: u32,
    height: u32,
    jpeg: Option<Vec<u8>>,
    one_bit: bool,
    pixels: Option<ImageData>,
    /// Why the image's data is not whole, if it is not.
    broken: Option<String>,
}

fn probe_page<'a>(
    page: &Page<'a>,
    cache: &InterpreterCache<'a>,
    settings: &InterpreterSettings,
) -> Probe {
    let (w, h) = page.render_dimensions();
    let mut ctx = Context::new(
        page.initial_transform(true).to_kurbo(),
        Rect::new(0.0, 0.0, f64::from(w), f64::from(h)),
        cache,
        page.xref(),
        settings.clone(),
    );
    let mut probe = Probe::default();
    interpret_page(page, &mut ctx, &mut probe);
    probe
}

impl Probe {
    /// The page's glyphs as lines of words, in reading order (top to
    /// bottom, left to right); `visible_only` leaves out invisible text
    /// (an OCR layer another program laid over a scan).
    fn lines(&self, visible_only: bool) -> Vec<Vec<Vec<&Glyph>>> {
        let mut glyphs: Vec<&Glyph> = self
            .glyphs
            .iter()
            .filter(|g| g.visible || !visible_only)
            .collect();
        glyphs.sort_by(|a, b| a.origin.y.total_cmp(&b.origin.y));
        let mut lines: Vec<Vec<&Glyph>> = Vec::new();
        for g in glyphs {
            match lines.last_mut() {
                Some(line) if (line[0].origin.y - g.origin.y).abs() < line[0].size * 0.5 => {
                    line.push(g);
                }
                _ => lines.push(vec![g]),
            }
        }
        lines
            .into_iter()
            .map(|mut line| {
                line.sort_by(|a, b| a.origin.x.total_cmp(&b.origin.x));
                let mut words: Vec<Vec<&Glyph>> = Vec::new();
                let mut last_end: Option<f64> = None;
                for g in line {
                    // A gap wider than a fifth of the font size is a word
                    // break the PDF positioned instead of writing a space.
                    let gap = last_end.is_some_and(|end| g.origin.x - end > g.size * 0.2);
                    last_end = Some(g.end.x);
                    if g.text.trim().is_empty() {
                        words.push(Vec::new());
                        continue;
                    }
                    match words.last_mut() {
                        Some(word) if !gap => word.push(g),
                        _ => words.push(vec![g]),
                    }
                }
                words.retain(|w| !w.is_empty());
                words
            })
            .filter(|line| !line.is_empty())
            .collect()
    }

    /// The page's own text, lines separated by `\n`.
    fn text(&self) -> Option<String> {
        let out = self
            .lines(false)
            .iter()
            .map(|line| {
                line.iter()
                    .map(|w| w.iter().map(|g| g.text.trim()).collect::<String>())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n");
        let trimmed = out.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }

    /// The page's visible words with their boxes in pixels of the page
    /// rendered at [`RENDER_DPI`], when the page is born-digital text: no
    /// image covers more than a quarter of it (else the image may hold text
    /// of its own, and the page is read by OCR as well).
    fn words(&self, page: &Page<'_>) -> Vec<TextWord> {
        let page_rect = page_rect(page);
        let covered: f64 = self
            .images
            .iter()
            .map(|img| img.shown_area(page_rect))
            .sum();
        if covered > TEXT_PAGE_IMAGES * page_rect.area() {
            return Vec::new();
        }
        let scale = f64::from(RENDER_DPI) / 72.0;
        let px = |v: f64| (v * scale).max(0.0).round() as u32;
        let mut out = Vec::new();
        for (n, line) in self.lines(true).iter().enumerate() {
            for word in line {
                let (first, last) = (word[0], word[word.len() - 1]);
                let size = word.iter().map(|g| g.size).fold(0.0, f64::max);
                let (x0, x1) = (
                    first.origin.x.min(last.end.x),
                    first.origin.x.max(last.end.x),
                );
                let baseline = first.origin.y;
                let (top, bottom) = (baseline - 0.8 * size, baseline + 0.2 * size);
                out.push(TextWord {
                    left: px(x0),
                    top: px(top),
                    width: px(x1 - x0).max(1),
                    height: px(bottom - top).max(1),
                    line: n as u32,
                    text: word.iter().map(|g| g.text.trim()).collect(),
                });
            }
        }
        out
    }

    /// The page's scanned image, if the page is a scan: exactly one upright
    /// image covering most of the page (an invisible OCR text layer is allowed).
    fn single_scan(self, page: &Page<'_>) -> Option<ProbedImage> {
        if self.images.len() != 1 || self.paths > 0 {
            return None;
        }
        let img = self.images.into_iter().next()?;
        let [a, b, c, d, _, _] = img.transform.as_coeffs();
        // Upright: no rotation or mirroring between image rows and the page.
        if b.abs() > 1e-6 || c.abs() > 1e-6 || a <= 0.0 || d <= 0.0 {
            return None;
        }
        let page_rect = page_rect(page);
        (img.shown_area(page_rect) >= SCAN_COVERAGE * page_rect.area()).then_some(img)
    }
}

/// The page in page points (y down).
fn page_rect(page: &Page<'_>) -> Rect {
    let (w, h) = page.render_dimensions();
    Rect::new(0.0, 0.0, f64::from(w), f64::from(h))
}

impl ProbedImage {
    /// How much of `page` (in page points) the image covers.
    fn shown_area(&self, page: Rect) -> f64 {
        self.transform
            .transform_rect_bbox(Rect::new(
                0.0,
                0.0,
                f64::from(self.width),
                f64::from(self.height),
            ))
            .intersect(page)
            .area()
    }

    /// Turns the probed image into a page; `Ok(None)` when it should be rendered instead.
    fn into_page(self, limits: &Limits, n: usize) -> Result<Option<PageImage>, DecodeError> {
        let Some(pixels) = self.pixels else {
            return Err(corrupt(format!("Seite {n}: Bilddaten nicht dekodierbar")));
        };
        let (sx, sy) = pixels.scale_factors();
        if (sx - 1.0).abs() > 1e-3 || (sy - 1.0).abs() > 1e-3 {
            return Ok(None);
        }
        let (width, height) = (pixels.width(), pixels.height());
        if width != self.width || height != self.height {
            return Ok(None);
        }
        // Opened by preparation as RGB (colour) or 8-bit grey (grey and
        // bilevel). A scanner's JPEG is kept as it is; the probe checked
        // that it is whole.
        let bytes_per_pixel = match &pixels {
            ImageData::Rgb(_) => 3,
            _ => 1,
        };
        check_size(limits, n, width, height, bytes_per_pixel)?;
        // The transform maps image pixels to page points: its scale is the resolution.
        let [a, _, _, d, _, _] = self.transform.as_coeffs();
        let dpi = Some((round_dpi(72.0 / a), round_dpi(72.0 / d)));
        let (colour, encoding, bytes) = match (pixels, self.jpeg) {
            (ImageData::Rgb(rgb), Some(jpeg)) => {
                let grey = rgb
                    .data
                    .chunks_exact(3)
                    .all(|p| p[0] == p[1] && p[1] == p[2]);
                let colour = if grey {
                    ColourMode::Gray
                } else {
                    ColourMode::Colour
                };
                (colour, PageEncoding::Jpeg, jpeg)
            }
            (ImageData::Luma(_), Some(jpeg)) => (ColourMode::Gray, PageEncoding::Jpeg, jpeg),
            (ImageData::Luma(l), None) if self.one_bit => {
                let stride = (width as usize).div_ceil(8);
                let mut packed = vec![0u8; stride * height as usize];
                for (y, row) in l.data.chunks_exact(width as usize).enumerate() {
                    for (x, &v) in row.iter().enumerate() {
                        if v >= 128 {
                            packed[y * stride + x / 8] |= 0x80 >> (x % 8);
                        }
                    }
                }
                let png = super::encode_bilevel_png(width, height, &packed, dpi);
                (ColourMode::Bilevel, PageEncoding::Png, png)
            }
            (ImageData::Luma(l), None) => (
                ColourMode::Gray,
                PageEncoding::Png,
                encode_png(width, height, ColourMode::Gray, &l.data, dpi),
            ),
            (ImageData::Rgb(rgb), None) => {
                let grey = rgb
                    .data
                    .chunks_exact(3)
                    .all(|p| p[0] == p[1] && p[1] == p[2]);
                if grey {
                    let l: Vec<u8> = rgb.data.chunks_exact(3).map(|p| p[0]).collect();
                    let png = encode_png(width, height, ColourMode::Gray, &l, dpi);
                    (ColourMode::Gray, PageEncoding::Png, png)
                } else {
                    let png = encode_png(width, height, ColourMode::Colour, &rgb.data, dpi);
                    (ColourMode::Colour, PageEncoding::Png, png)
                }
            }
        };
        Ok(Some(PageImage {
            width,
            height,
            dpi,
            colour,
            encoding,
            bytes,
            origin: PageOrigin::Scanned,
            text: None,
            words: Vec::new(),
            part: 0,
        }))
    }
}

/// Scanner resolutions are whole numbers; PDF page sizes in points are not exact.
fn round_dpi(v: f64) -> f32 {
    let r = v.round();
    if (v - r).abs() < 0.5 {
        r as f32
    } else {
        v as f32
    }
}

impl<'a> Device<'a> for Probe {
    fn draw_path(&mut self, _: &BezPath, _: DrawProps<'a>, _: &DrawMode) {
        self.paths += 1;
    }
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_clip_rect(&mut self, _: &Rect) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, mode: &DrawMode) {
        for g in run.glyphs() {
            let Some(s) = g.as_unicode() else { continue };
            let s = match s {
                hayro::hayro_interpret::hayro_cmap::BfString::Char(c) => c.to_string(),
                hayro::hayro_interpret::hayro_cmap::BfString::String(s) => s,
            };
            // Glyph space → user space → page (y down).
            let t = props.transform * g.transform();
            let origin = t * Point::ZERO;
            // Glyph space has 1000 units per em (hayro-font's UNITS_PER_EM).
            let em = 1000.0;
            let size = (t * Point::new(0.0, em) - origin).hypot();
            let advance = match &**g {
                hayro::hayro_interpret::font::Glyph::Outline(o) => o.advance_width(),
                hayro::hayro_interpret::font::Glyph::Type3(_) => None,
            };
            let end = t * Point::new(f64::from(advance.unwrap_or(500.0)), 0.0);
            self.glyphs.push(Glyph {
                origin,
                end,
                size,
                text: s,
                visible: !matches!(mode, DrawMode::Invisible),
            });
        }
    }
    fn draw_image(&mut self, image: Image<'a, '_>, props: ImageDrawProps<'a>) {
        let (width, height) = (image.width(), image.height());
        let mut probed = ProbedImage {
            transform: props.transform,
            width,
            height,
            jpeg: None,
            one_bit: false,
            pixels: None,
            broken: None,
        };
        match image {
            Image::Raster(r) => {
                let stream = r.stream();
                probed.broken = check_image(stream, width, height, false).err();
                let filters = stream.filters();
                if filters.as_slice() == [Filter::DctDecode] {
                    probed.jpeg = Some(stream.raw_data().into_owned());
                }
                probed.one_bit = stream.dict().get::<u8>(b"BitsPerComponent".as_slice()) == Some(1);
                r.with_rgba(|data, _alpha| probed.pixels = Some(data), None);
            }
            Image::Stencil(s) => {
                probed.one_bit = true;
                probed.broken = check_image(s.stream(), width, height, true).err();
                s.with_stencil(
                    |mut luma, _paint| {
                        // The mask marks painted (ink) pixels; paper is white.
                        luma.data.iter_mut().for_each(|v| *v = 255 - *v);
                        probed.pixels = Some(ImageData::Luma(luma));
                    },
                    None,
                );
            }
        }
        self.images.push(probed);
    }
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}
