//! Drawing pages: a small vector page model (text in several fonts, lines,
//! boxes, rotated stamps, jittered hand-writing), rendered at 300 dpi through
//! a hand-made PDF and the station's PDF renderer, then scanned: skew,
//! quarter turns, noise, paper colour, carbon-copy contrast, and the file
//! encoders (G4 TIFF, JPEG, grey PNG, image PDF).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use image::{GrayImage, RgbImage};

use super::Rng;

/// Page size in points (A4).
pub const PAGE_W: f32 = 595.0;
/// Page height in points.
pub const PAGE_H: f32 = 842.0;

/// The fonts a page can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Font {
    /// Helvetica.
    Helv,
    /// Helvetica-Bold.
    HelvB,
    /// Helvetica-Oblique.
    HelvO,
    /// Times-Roman.
    Times,
    /// Times-Bold.
    TimesB,
    /// Times-Italic.
    TimesI,
    /// Courier.
    Cour,
    /// Courier-Bold.
    CourB,
    /// DejaVu Sans (TrueType, full Unicode).
    Sans,
    /// DejaVu Sans Bold.
    SansB,
    /// DejaVu Sans Oblique.
    SansO,
    /// DejaVu Serif.
    Serif,
    /// DejaVu Serif Bold.
    SerifB,
    /// DejaVu Sans Mono.
    Mono,
    /// DejaVu Sans Condensed.
    SansC,
}

impl Font {
    fn base14(self) -> Option<&'static str> {
        Some(match self {
            Font::Helv => "Helvetica",
            Font::HelvB => "Helvetica-Bold",
            Font::HelvO => "Helvetica-Oblique",
            Font::Times => "Times-Roman",
            Font::TimesB => "Times-Bold",
            Font::TimesI => "Times-Italic",
            Font::Cour => "Courier",
            Font::CourB => "Courier-Bold",
            _ => return None,
        })
    }

    fn ttf_file(self) -> &'static str {
        match self {
            Font::SansB => "DejaVuSans-Bold.ttf",
            Font::SansO => "DejaVuSans-Oblique.ttf",
            Font::Serif => "DejaVuSerif.ttf",
            Font::SerifB => "DejaVuSerif-Bold.ttf",
            Font::Mono => "DejaVuSansMono.ttf",
            Font::SansC => "DejaVuSansCondensed.ttf",
            _ => "DejaVuSans.ttf",
        }
    }

    /// The bold face of the same family.
    pub fn bold(self) -> Font {
        match self {
            Font::Helv | Font::HelvO => Font::HelvB,
            Font::Times | Font::TimesI => Font::TimesB,
            Font::Cour => Font::CourB,
            Font::Sans | Font::SansO | Font::SansC => Font::SansB,
            Font::Serif => Font::SerifB,
            f => f,
        }
    }

    /// Whether the font draws every character (a TrueType font that is installed).
    pub fn unicode(self) -> bool {
        self.base14().is_none() && ttf_data(self).is_some()
    }

    /// The font actually used: DejaVu falls back to Helvetica when the
    /// fonts are not installed.
    fn resolved(self) -> Font {
        if self.base14().is_none() && ttf_data(self).is_none() {
            match self {
                Font::SansB | Font::SerifB => Font::HelvB,
                Font::SansO => Font::HelvO,
                Font::Serif => Font::Times,
                Font::Mono => Font::Cour,
                _ => Font::Helv,
            }
        } else {
            self
        }
    }
}

const DEJAVU_DIR: &str = "/usr/share/fonts/truetype/dejavu";

fn ttf_data(font: Font) -> Option<&'static [u8]> {
    static CACHE: OnceLock<BTreeMap<&'static str, Option<Vec<u8>>>> = OnceLock::new();
    let map = CACHE.get_or_init(|| {
        let files = [
            "DejaVuSans.ttf",
            "DejaVuSans-Bold.ttf",
            "DejaVuSans-Oblique.ttf",
            "DejaVuSerif.ttf",
            "DejaVuSerif-Bold.ttf",
            "DejaVuSansMono.ttf",
            "DejaVuSansCondensed.ttf",
        ];
        files
            .iter()
            .map(|f| (*f, std::fs::read(format!("{DEJAVU_DIR}/{f}")).ok()))
            .collect()
    });
    map.get(font.ttf_file())?.as_deref()
}

/// Transliteration of letters WinAnsi does not have (what many office
/// programs print for Polish, Turkish or Romanian names).
pub fn latinise(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ł' => 'l',
            'Ł' => 'L',
            'ś' | 'ş' | 'ș' | 'š' => 's',
            'Ś' | 'Ş' | 'Ș' | 'Š' => 'S',
            'ı' => 'i',
            'İ' => 'I',
            'ğ' => 'g',
            'Ğ' => 'G',
            'ț' | 'ţ' => 't',
            'Ț' | 'Ţ' => 'T',
            'ă' | 'ą' => 'a',
            'Ă' | 'Ą' => 'A',
            'ę' | 'ě' => 'e',
            'Ę' => 'E',
            'ż' | 'ź' | 'ž' => 'z',
            'Ż' | 'Ź' | 'Ž' => 'Z',
            'ć' | 'č' => 'c',
            'Ć' | 'Č' => 'C',
            'ń' => 'n',
            'ř' => 'r',
            c => c,
        })
        .collect()
}

fn win_ansi(c: char) -> u8 {
    match c {
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        c if (c as u32) < 256 => c as u32 as u8,
        _ => b'?',
    }
}

/// Approximate advance width (in em) of a character in a base-14 font.
fn approx_width(font: Font, c: char) -> f32 {
    if matches!(font, Font::Cour | Font::CourB) {
        return 0.6;
    }
    let w = match c {
        ' ' => 0.278,
        'i' | 'l' | 'j' | '.' | ',' | ';' | ':' | '\'' | '!' | '|' | 'I' => 0.25,
        'f' | 't' | 'r' | '(' | ')' | '/' | '-' => 0.34,
        '0'..='9' => 0.556,
        'm' | 'w' => 0.83,
        'M' | 'W' => 0.88,
        'A'..='Z' | 'Ä' | 'Ö' | 'Ü' => 0.68,
        '€' | '%' => 0.75,
        _ => 0.53,
    };
    let bold = if matches!(font, Font::HelvB | Font::TimesB) {
        1.06
    } else {
        1.0
    };
    let times = if matches!(font, Font::Times | Font::TimesB | Font::TimesI) {
        0.9
    } else {
        1.0
    };
    w * bold * times
}

/// Width of a text in points.
pub fn text_width(font: Font, size: f32, s: &str) -> f32 {
    let font = font.resolved();
    if let Some(face) = ttf_data(font).and_then(|d| ttf_parser::Face::parse(d, 0).ok())
        && font.base14().is_none()
    {
        let upem = f32::from(face.units_per_em());
        return s
            .chars()
            .map(|c| {
                face.glyph_index(c)
                    .and_then(|g| face.glyph_hor_advance(g))
                    .map_or(0.5, |a| f32::from(a) / upem)
            })
            .sum::<f32>()
            * size;
    }
    s.chars().map(|c| approx_width(font, c)).sum::<f32>() * size
}

/// One drawing operation (coordinates in points from the top left).
#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        font: Font,
        grey: f32,
        angle: f32,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        line: f32,
        grey: f32,
        fill: bool,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        grey: f32,
    },
}

/// A page to be printed: a print layer and an ink layer (hand-writing,
/// stamps) with its own colour.
#[derive(Debug, Clone)]
pub struct Page {
    print: Vec<Op>,
    ink: Vec<Op>,
    /// Colour of the ink layer (RGB).
    pub ink_colour: [u8; 3],
    /// Whether the next operations go to the ink layer.
    on_ink: bool,
    /// Grey of the printed text (0 black, 1 white).
    pub tone: f32,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            print: Vec::new(),
            ink: Vec::new(),
            ink_colour: [20, 40, 150],
            on_ink: false,
            tone: 0.0,
        }
    }
}

impl Page {
    /// An empty page.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, op: Op) {
        if self.on_ink {
            self.ink.push(op);
        } else {
            self.print.push(op);
        }
    }

    /// Text at (x, y = baseline from the top).
    pub fn text(&mut self, x: f32, y: f32, font: Font, size: f32, s: &str) {
        let grey = self.tone;
        self.text_grey(x, y, font, size, grey, s);
    }

    /// Text in a grey.
    pub fn text_grey(&mut self, x: f32, y: f32, font: Font, size: f32, grey: f32, s: &str) {
        if s.is_empty() {
            return;
        }
        self.push(Op::Text {
            x,
            y,
            size,
            font,
            grey,
            angle: 0.0,
            text: s.to_owned(),
        });
    }

    /// Text ending at x.
    pub fn text_right(&mut self, x: f32, y: f32, font: Font, size: f32, s: &str) {
        let w = text_width(font, size, s);
        self.text(x - w, y, font, size, s);
    }

    /// Text turned by `angle` degrees counter-clockwise.
    pub fn text_rot(&mut self, x: f32, y: f32, font: Font, size: f32, angle: f32, s: &str) {
        let grey = self.tone;
        self.push(Op::Text {
            x,
            y,
            size,
            font,
            grey,
            angle,
            text: s.to_owned(),
        });
    }

    /// Several lines from (x, y) downwards; returns the y below them.
    pub fn lines(&mut self, x: f32, y: f32, font: Font, size: f32, lines: &[String]) -> f32 {
        let mut y = y;
        for l in lines {
            self.text(x, y, font, size, l);
            y += size * 1.3;
        }
        y
    }

    /// A paragraph wrapped to `width`; returns the y below it.
    pub fn para(&mut self, x: f32, y: f32, width: f32, font: Font, size: f32, s: &str) -> f32 {
        let mut y = y;
        let mut line = String::new();
        for word in s.split_whitespace() {
            let cand = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if text_width(font, size, &cand) > width && !line.is_empty() {
                self.text(x, y, font, size, &line);
                y += size * 1.35;
                line = word.to_owned();
            } else {
                line = cand;
            }
        }
        if !line.is_empty() {
            self.text(x, y, font, size, &line);
            y += size * 1.35;
        }
        y
    }

    /// A box outline.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, line: f32) {
        let grey = self.tone;
        self.push(Op::Rect {
            x,
            y,
            w,
            h,
            line,
            grey,
            fill: false,
        });
    }

    /// A filled box in a grey.
    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, grey: f32) {
        self.push(Op::Rect {
            x,
            y,
            w,
            h,
            line: 0.0,
            grey,
            fill: true,
        });
    }

    /// A line.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        let grey = self.tone;
        self.push(Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            grey,
        });
    }

    /// A horizontal rule.
    pub fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        self.line(x1, y, x2, y, width);
    }

    /// A form field: small label in the top left of a box, the value inside.
    #[allow(clippy::too_many_arguments)]
    pub fn field(&mut self, x: f32, y: f32, w: f32, h: f32, label: &str, value: &str, font: Font) {
        self.rect(x, y, w, h, 0.6);
        self.text(x + 2.5, y + 7.0, Font::Helv, 6.0, label);
        if !value.is_empty() {
            self.text(x + 4.0, y + h - 5.0, font, 10.5, value);
        }
    }

    /// A comb field: one character per box (spaces leave a box empty).
    pub fn comb(&mut self, x: f32, y: f32, label: &str, chars: &str, font: Font) -> f32 {
        self.text(x, y - 3.0, Font::Helv, 6.5, label);
        let cw = 13.5;
        let h = 17.0;
        let mut cx = x;
        for c in chars.chars() {
            if c == '|' {
                cx += 6.0;
                continue;
            }
            self.rect(cx, y, cw, h, 0.7);
            if c != '_' {
                let s = c.to_string();
                let tw = text_width(font, 11.0, &s);
                self.text(cx + (cw - tw) / 2.0, y + h - 4.0, font, 11.0, &s);
            }
            cx += cw;
        }
        cx
    }

    /// A check box, ticked or not, with its label.
    pub fn checkbox(&mut self, x: f32, y: f32, ticked: bool, label: &str) {
        self.rect(x, y - 8.0, 8.0, 8.0, 0.6);
        if ticked {
            let ink = self.on_ink;
            self.on_ink = true;
            self.line(x + 0.5, y - 8.5, x + 8.5, y + 0.5, 1.2);
            self.line(x + 0.5, y + 0.5, x + 8.5, y - 8.5, 1.2);
            self.on_ink = ink;
        }
        self.text(x + 12.0, y, Font::Helv, 9.0, label);
    }

    /// Writes on the ink layer from now on.
    pub fn ink(&mut self, on: bool) {
        self.on_ink = on;
    }

    /// Hand-writing-like text on the ink layer: an oblique font, each word
    /// with its own small slant, size and baseline wobble.
    pub fn hand(&mut self, rng: &mut Rng, x: f32, y: f32, size: f32, s: &str) -> f32 {
        let was = self.on_ink;
        self.on_ink = true;
        let font = if Font::SansO.unicode() {
            Font::SansO
        } else {
            Font::HelvO
        };
        let mut cx = x;
        let drift = rng.unit() * 1.5;
        let mut line_y = y;
        for (i, word) in s.split(' ').enumerate() {
            let sz = size * (1.0 + rng.unit() * 0.08);
            if i > 0 && cx + text_width(font, sz, word) > PAGE_W - 40.0 {
                cx = x;
                line_y += size * 1.5;
            }
            let y = line_y;
            let dy = rng.unit() * 1.2 + drift * i as f32 * 0.15;
            let angle = rng.unit() * 3.0 + 1.0;
            self.push(Op::Text {
                x: cx,
                y: y + dy,
                size: sz,
                font,
                grey: 0.0,
                angle,
                text: word.to_owned(),
            });
            cx += text_width(font, sz, word) + size * (0.3 + rng.unit().abs() * 0.25);
        }
        self.on_ink = was;
        cx
    }

    /// A rubber stamp on the ink layer: a framed, turned block of lines.
    pub fn stamp(&mut self, x: f32, y: f32, angle: f32, lines: &[String]) {
        let was = self.on_ink;
        self.on_ink = true;
        let (s, c) = angle.to_radians().sin_cos();
        let w = lines
            .iter()
            .map(|l| text_width(Font::HelvB, 11.0, l))
            .fold(0.0f32, f32::max)
            + 16.0;
        let h = lines.len() as f32 * 15.0 + 10.0;
        // The frame as four turned lines (y grows downwards on the page).
        let pt = |dx: f32, dy: f32| (x + dx * c + dy * s, y - dx * s + dy * c);
        let corners = [pt(0.0, 0.0), pt(w, 0.0), pt(w, h), pt(0.0, h)];
        for i in 0..4 {
            let (a, b) = (corners[i], corners[(i + 1) % 4]);
            self.push(Op::Line {
                x1: a.0,
                y1: a.1,
                x2: b.0,
                y2: b.1,
                width: 1.6,
                grey: 0.0,
            });
        }
        for (i, l) in lines.iter().enumerate() {
            let (tx, ty) = pt(8.0, 17.0 + i as f32 * 15.0);
            self.push(Op::Text {
                x: tx,
                y: ty,
                size: 11.0,
                font: Font::HelvB,
                grey: 0.0,
                angle,
                text: l.clone(),
            });
        }
        self.on_ink = was;
    }

    /// Whether the ink layer has anything.
    pub fn has_ink(&self) -> bool {
        !self.ink.is_empty()
    }

    /// Renders both layers at 300 dpi: (print, ink).
    pub fn render(&self) -> (GrayImage, Option<GrayImage>) {
        let print = render_ops(&self.print);
        let ink = if self.ink.is_empty() {
            None
        } else {
            Some(render_ops(&self.ink))
        };
        (print, ink)
    }
}

fn pdf_literal(s: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in s.chars() {
        let b = win_ansi(c);
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
}

/// Renders operations onto a white A4 page at 300 dpi.
fn render_ops(ops: &[Op]) -> GrayImage {
    use scanstelle::prepare::coversheet::{build_pdf, stream_object};
    let mut fonts: BTreeMap<Font, usize> = BTreeMap::new();
    let mut glyphs: BTreeMap<Font, BTreeMap<u16, u16>> = BTreeMap::new();
    let mut content = Vec::new();
    for op in ops {
        match op {
            Op::Text {
                x,
                y,
                size,
                font,
                grey,
                angle,
                text,
            } => {
                let font = font.resolved();
                let mut text = text.clone();
                if font.base14().is_some() {
                    text = latinise(&text);
                }
                let n = fonts.len();
                let idx = *fonts.entry(font).or_insert(n);
                let (s, c) = angle.to_radians().sin_cos();
                content.extend_from_slice(
                    format!(
                        "BT {grey:.2} g /F{idx} {size:.2} Tf {c:.4} {s:.4} {:.4} {c:.4} {x:.2} {:.2} Tm ",
                        -s,
                        PAGE_H - y
                    )
                    .as_bytes(),
                );
                if font.base14().is_some() {
                    content.extend_from_slice(&pdf_literal(&text));
                } else {
                    let face = ttf_parser::Face::parse(ttf_data(font).expect("resolved"), 0)
                        .expect("DejaVu parses");
                    let upem = f32::from(face.units_per_em());
                    let used = glyphs.entry(font).or_default();
                    content.push(b'<');
                    for ch in text.chars() {
                        let g = face.glyph_index(ch).map_or(0, |g| g.0);
                        let adv = face
                            .glyph_hor_advance(ttf_parser::GlyphId(g))
                            .map_or(500.0, |a| f32::from(a) * 1000.0 / upem);
                        used.insert(g, adv.round() as u16);
                        content.extend_from_slice(format!("{g:04X}").as_bytes());
                    }
                    content.push(b'>');
                }
                content.extend_from_slice(b" Tj ET\n");
            }
            Op::Rect {
                x,
                y,
                w,
                h,
                line,
                grey,
                fill,
            } => {
                let (px, py) = (*x, PAGE_H - y - h);
                if *fill {
                    content.extend_from_slice(
                        format!("{grey:.2} g {px:.2} {py:.2} {w:.2} {h:.2} re f\n").as_bytes(),
                    );
                } else {
                    content.extend_from_slice(
                        format!("{grey:.2} G {line:.2} w {px:.2} {py:.2} {w:.2} {h:.2} re S\n")
                            .as_bytes(),
                    );
                }
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                grey,
            } => {
                content.extend_from_slice(
                    format!(
                        "{grey:.2} G {width:.2} w 1 J {x1:.2} {:.2} m {x2:.2} {:.2} l S\n",
                        PAGE_H - y1,
                        PAGE_H - y2
                    )
                    .as_bytes(),
                );
            }
        }
    }
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        Vec::new(), // the page, once the font objects are known
        stream_object("", &content),
    ];
    let mut font_refs = String::new();
    for (font, idx) in &fonts {
        let id = objects.len() + 1;
        let _ = write!(font_refs, "/F{idx} {id} 0 R ");
        if let Some(base) = font.base14() {
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>"
                )
                .into_bytes(),
            );
        } else {
            let data = ttf_data(*font).expect("resolved");
            let name = font.ttf_file().trim_end_matches(".ttf").replace('-', "");
            let mut widths = String::new();
            for (g, w) in glyphs.get(font).into_iter().flatten() {
                let _ = write!(widths, "{g} [{w}] ");
            }
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [{} 0 R] >>",
                    id + 1
                )
                .into_bytes(),
            );
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {} 0 R /CIDToGIDMap /Identity /DW 600 /W [{widths}] >>",
                    id + 2
                )
                .into_bytes(),
            );
            objects.push(
                format!(
                    "<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [-1021 -463 1793 1232] /ItalicAngle 0 /Ascent 928 /Descent -236 /CapHeight 729 /StemV 80 /FontFile2 {} 0 R >>",
                    id + 3
                )
                .into_bytes(),
            );
            objects.push(stream_object(&format!("/Length1 {}", data.len()), data));
        }
    }
    objects[2] = format!(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /Font << {font_refs}>> >> /Contents 4 0 R >>"
    )
    .into_bytes();
    let pdf = build_pdf(&objects);
    let page = scanstelle::intake::decode::decode(&pdf)
        .expect("own PDF decodes")
        .pages
        .remove(0);
    scanstelle::prepare::imaging::load_gray(&page.bytes, page.encoding).expect("own page loads")
}

/// How a page is scanned.
#[derive(Debug, Clone)]
pub struct ScanLook {
    /// Resolution of the file.
    pub dpi: u32,
    /// Skew in degrees.
    pub skew: f32,
    /// Quarter turns clockwise (0..4).
    pub quarter: u8,
    /// Paper colour (RGB).
    pub paper: [u8; 3],
    /// Print contrast (1 full, 0.35 a faint carbon copy).
    pub contrast: f32,
    /// Grey noise amplitude.
    pub noise: f32,
    /// Specks of dust per page.
    pub specks: usize,
    /// Gaussian blur sigma (0 for none).
    pub blur: f32,
    /// Binarisation threshold for bilevel output.
    pub threshold: u8,
}

impl ScanLook {
    /// An ordinary scan.
    pub fn plain(dpi: u32) -> Self {
        ScanLook {
            dpi,
            skew: 0.0,
            quarter: 0,
            paper: [250, 250, 248],
            contrast: 1.0,
            noise: 6.0,
            specks: 0,
            blur: 0.0,
            threshold: 140,
        }
    }
}

fn turn(img: &GrayImage, quarter: u8) -> GrayImage {
    match quarter % 4 {
        1 => image::imageops::rotate90(img),
        2 => image::imageops::rotate180(img),
        3 => image::imageops::rotate270(img),
        _ => img.clone(),
    }
}

/// Fast noise source for pixel loops (xorshift32).
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> i32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 >> 24) as i32 - 128
    }
}

/// The rendered, turned, skewed and resized layers of a page.
fn layers(page: &Page, look: &ScanLook) -> (GrayImage, Option<GrayImage>) {
    let (mut print, ink) = page.render();
    if look.contrast < 1.0 {
        let k = (look.contrast * 256.0) as u32;
        for p in print.iter_mut() {
            *p = 255 - (((255 - u32::from(*p)) * k) >> 8) as u8;
        }
    }
    let prep = |img: GrayImage| {
        let mut img = turn(&img, look.quarter);
        if look.skew.abs() > 0.01 {
            img = scanstelle::prepare::imaging::rotate(&img, look.skew);
        }
        if look.dpi != 300 {
            let w = img.width() * look.dpi / 300;
            let h = img.height() * look.dpi / 300;
            img = downscale(&img, w, h);
        }
        img
    };
    (prep(print), ink.map(prep))
}

fn specks(rng: &mut Rng, raw: &mut [u8], w: u32, h: u32, channels: usize, n: usize) {
    for _ in 0..n {
        let (x, y) = (rng.below(w as usize) as u32, rng.below(h as usize) as u32);
        let r = 1 + rng.below(2) as u32;
        for dy in 0..r {
            for dx in 0..r {
                if x + dx < w && y + dy < h {
                    let at = ((y + dy) * w + x + dx) as usize * channels;
                    for c in 0..channels {
                        raw[at + c] = 30;
                    }
                }
            }
        }
    }
}

/// Scans a page in colour at the target resolution.
pub fn scan(rng: &mut Rng, page: &Page, look: &ScanLook) -> RgbImage {
    let (print, ink) = layers(page, look);
    let (w, h) = print.dimensions();
    let inkc = page.ink_colour.map(u32::from);
    let paper = look.paper.map(u32::from);
    let mut raw = vec![0u8; (w * h * 3) as usize];
    let amp = (look.noise * 256.0 / 128.0) as i32;
    let mut noise = Noise(rng.next_u64() as u32 | 1);
    let pr = print.as_raw();
    let ir = ink.as_ref().map(image::ImageBuffer::as_raw);
    for (i, px) in raw.chunks_exact_mut(3).enumerate() {
        let p = u32::from(pr[i]);
        let a = ir.map_or(0, |r| 255 - u32::from(r[i]));
        let n = (noise.next() * amp) >> 8;
        for c in 0..3 {
            let base = paper[c] * p / 255;
            let v = (base * (255 - a) + inkc[c] * a * p.max(80) / 255) / 255;
            px[c] = (v as i32 + n).clamp(0, 255) as u8;
        }
    }
    specks(rng, &mut raw, w, h, 3, look.specks);
    if look.blur > 0.0 {
        soften(&mut raw, w as usize, h as usize, 3, look.blur);
    }
    RgbImage::from_raw(w, h, raw).expect("size")
}

/// Scans a page in grey at the target resolution.
pub fn scan_grey(rng: &mut Rng, page: &Page, look: &ScanLook) -> GrayImage {
    let (print, ink) = layers(page, look);
    let (w, h) = print.dimensions();
    let lum =
        |c: [u8; 3]| (u32::from(c[0]) * 299 + u32::from(c[1]) * 587 + u32::from(c[2]) * 114) / 1000;
    let inkl = lum(page.ink_colour);
    let paper = lum(look.paper);
    let mut raw = vec![0u8; (w * h) as usize];
    let amp = (look.noise * 256.0 / 128.0) as i32;
    let mut noise = Noise(rng.next_u64() as u32 | 1);
    let pr = print.as_raw();
    let ir = ink.as_ref().map(image::ImageBuffer::as_raw);
    for (i, px) in raw.iter_mut().enumerate() {
        let p = u32::from(pr[i]);
        let a = ir.map_or(0, |r| 255 - u32::from(r[i]));
        let base = paper * p / 255;
        let v = (base * (255 - a) + inkl * a * p.max(80) / 255) / 255;
        let n = (noise.next() * amp) >> 8;
        *px = (v as i32 + n).clamp(0, 255) as u8;
    }
    specks(rng, &mut raw, w, h, 1, look.specks);
    if look.blur > 0.0 {
        soften(&mut raw, w as usize, h as usize, 1, look.blur);
    }
    GrayImage::from_raw(w, h, raw).expect("size")
}

/// Downscaling by area averaging (bilinear over the covered 2×2 source
/// pixels), fixed point.
fn downscale(img: &GrayImage, w: u32, h: u32) -> GrayImage {
    let (sw, sh) = img.dimensions();
    let src = img.as_raw();
    let mut out = vec![0u8; (w * h) as usize];
    let fx = (u64::from(sw) << 16) / u64::from(w);
    let fy = (u64::from(sh) << 16) / u64::from(h);
    let swu = sw as usize;
    for y in 0..h as usize {
        let sy = ((y as u64 * fy) >> 16) as usize;
        let sy2 = (sy + 1).min(sh as usize - 1);
        let row = &mut out[y * w as usize..(y + 1) * w as usize];
        for (x, px) in row.iter_mut().enumerate() {
            let sx = ((x as u64 * fx) >> 16) as usize;
            let sx2 = (sx + 1).min(swu - 1);
            let sum = u32::from(src[sy * swu + sx])
                + u32::from(src[sy * swu + sx2])
                + u32::from(src[sy2 * swu + sx])
                + u32::from(src[sy2 * swu + sx2]);
            *px = (sum / 4) as u8;
        }
    }
    GrayImage::from_raw(w, h, out).expect("size")
}

/// A small separable blur ([1 2 1] kernel, blended by `strength`).
fn soften(raw: &mut [u8], w: usize, h: usize, ch: usize, strength: f32) {
    let k = (strength.clamp(0.0, 1.0) * 256.0) as u32;
    let stride = w * ch;
    let mut tmp = raw.to_vec();
    for y in 0..h {
        let row = &raw[y * stride..(y + 1) * stride];
        let out = &mut tmp[y * stride..(y + 1) * stride];
        for i in ch..stride - ch {
            let b = (u32::from(row[i - ch]) + 2 * u32::from(row[i]) + u32::from(row[i + ch])) / 4;
            out[i] = ((b * k + u32::from(row[i]) * (256 - k)) >> 8) as u8;
        }
    }
    for y in 1..h - 1 {
        for i in 0..stride {
            let at = y * stride + i;
            let b = (u32::from(tmp[at - stride])
                + 2 * u32::from(tmp[at])
                + u32::from(tmp[at + stride]))
                / 4;
            raw[at] = ((b * k + u32::from(tmp[at]) * (256 - k)) >> 8) as u8;
        }
    }
}

/// Luminance of a colour scan.
pub fn grey(img: &RgbImage) -> GrayImage {
    let raw: Vec<u8> = img
        .as_raw()
        .chunks_exact(3)
        .map(|c| {
            ((u32::from(c[0]) * 299 + u32::from(c[1]) * 587 + u32::from(c[2]) * 114) / 1000) as u8
        })
        .collect();
    GrayImage::from_raw(img.width(), img.height(), raw).expect("size")
}

/// Bilevel: black below the threshold.
pub fn bilevel(img: &GrayImage, threshold: u8) -> GrayImage {
    let raw: Vec<u8> = img
        .as_raw()
        .iter()
        .map(|&v| if v < threshold { 0 } else { 255 })
        .collect();
    GrayImage::from_raw(img.width(), img.height(), raw).expect("size")
}

/// A Kodak Patch-T separator sheet at `dpi`: four bars across the top
/// (the same physical patch as the station's reference sheet), sometimes
/// with a small caption further down.
pub fn patch_t(rng: &mut Rng, dpi: u32, caption: bool) -> GrayImage {
    let spans = [(300u32, 324u32), (348, 408), (432, 456), (480, 540)];
    let mut raw = vec![255u8; 2480 * 3508];
    for (a, b) in spans {
        for y in a..b {
            raw[(y * 2480 + 600) as usize..(y * 2480 + 1800) as usize].fill(0);
        }
    }
    let mut img = GrayImage::from_raw(2480, 3508, raw).expect("size");
    if caption {
        // A printed caption, rendered once.
        static CAPTION: OnceLock<GrayImage> = OnceLock::new();
        let cap = CAPTION.get_or_init(|| {
            let mut page = Page::new();
            page.text(190.0, 520.0, Font::Helv, 9.0, "Trennblatt  -  Patch T");
            page.render().0
        });
        for (a, b) in img.iter_mut().zip(cap.iter()) {
            *a = (*a).min(*b);
        }
    }
    let skew = rng.unit();
    img = scanstelle::prepare::imaging::rotate(&img, skew);
    if dpi != 300 {
        img = image::imageops::resize(
            &img,
            2480 * dpi / 300,
            3508 * dpi / 300,
            image::imageops::FilterType::Triangle,
        );
    }
    let (w, h) = img.dimensions();
    let mut raw = img.into_raw();
    let n = rng.below(60);
    specks(rng, &mut raw, w, h, 1, n);
    bilevel(&GrayImage::from_raw(w, h, raw).expect("size"), 128)
}

pub use crate::common::g4_tiff;

/// A colour JPEG with its resolution.
pub fn jpeg_rgb(img: &RgbImage, dpi: u32, quality: u8) -> Vec<u8> {
    use image::codecs::jpeg::{JpegEncoder, PixelDensity};
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
    enc.set_pixel_density(PixelDensity::dpi(dpi as u16));
    enc.encode_image(img).expect("JPEG into memory");
    out
}

/// A grey JPEG with its resolution.
pub fn jpeg_grey(img: &GrayImage, dpi: u32, quality: u8) -> Vec<u8> {
    use image::codecs::jpeg::{JpegEncoder, PixelDensity};
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
    enc.set_pixel_density(PixelDensity::dpi(dpi as u16));
    enc.encode_image(img).expect("JPEG into memory");
    out
}

/// A grey PNG with its resolution.
pub fn png_grey(img: &GrayImage, dpi: u32) -> Vec<u8> {
    scanstelle::intake::decode::encode_png(
        img.width(),
        img.height(),
        scanstelle::intake::decode::ColourMode::Gray,
        img.as_raw(),
        Some((dpi as f32, dpi as f32)),
    )
}

/// A scanner PDF: one JPEG image per page (colour or grey), page size from
/// the image and its resolution.
pub fn image_pdf(pages: &[(Vec<u8>, u32, u32, u32, bool)]) -> Vec<u8> {
    use scanstelle::prepare::coversheet::{build_pdf, stream_object};
    let n = pages.len();
    let kids: String = (0..n).map(|i| format!("{} 0 R ", 3 + i * 3)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{kids}] /Count {n} >>").into_bytes(),
    ];
    for (i, (jpeg, w, h, dpi, colour)) in pages.iter().enumerate() {
        let first = 3 + i * 3;
        let (pw, ph) = (
            *w as f32 * 72.0 / *dpi as f32,
            *h as f32 * 72.0 / *dpi as f32,
        );
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2} {ph:.2}] /Resources << /XObject << /Im0 {} 0 R >> >> /Contents {} 0 R >>",
                first + 1,
                first + 2
            )
            .into_bytes(),
        );
        let cs = if *colour { "/DeviceRGB" } else { "/DeviceGray" };
        objects.push(stream_object(
            &format!(
                "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace {cs} /BitsPerComponent 8 /Filter /DCTDecode"
            ),
            jpeg,
        ));
        objects.push(stream_object(
            "",
            format!("q {pw:.2} 0 0 {ph:.2} 0 0 cm /Im0 Do Q").as_bytes(),
        ));
    }
    build_pdf(&objects)
}
