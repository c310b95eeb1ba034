//! OCR with Tesseract (Debian's libtesseract through its C API, [`native`]).
//!
//! Every page is read in German (`deu`), the language of the mail, which
//! is faster than German and English together (1.3× on a dense page); a
//! page that stays doubtful, or whose numbers the German model doubts, is
//! read once more with the second set (`deu+eng`). No page holds an engine longer than its
//! deadline ([`OcrSettings::page_deadline_secs`]): a reading cut off is
//! kept as far as it went and marked, so its document waits for a person.
//!
//! The engine reads a copy of the page without the lines of boxes, comb
//! fields and tables ([`forms`]). A page whose text comes out doubtful
//! (low confidence, few real words) is
//! checked with Tesseract's own orientation detection ([`native::Osd`])
//! beside the preparation's method, recognised once more in the other
//! candidate orientation, and the better reading is kept (with the turn, so
//! the stored page is turned too). A doubtful bilevel page is read once
//! more with its strokes a pixel thicker (faint carbon copies, light 200 dpi
//! scans), and on a grey page each line holding digits read with little
//! confidence is read again alone, thresholded by its own ink and paper.
//! Tesseract's and Leptonica's messages go to the log at debug level, not to
//! the terminal.
//!
//! One [`OcrEngine`] per worker thread: a Tesseract instance is not thread-
//! safe, and with one engine per core the library's own OpenMP threads only
//! slow it down, so the process runs with `OMP_THREAD_LIMIT=1` (set by
//! `scanstelle` at start and by `.cargo/config.toml` for tests).
//! Recognition yields the page text, every word with its box and
//! confidence, and the mean confidence.

use std::fmt::Write as _;
pub mod forms;
pub mod native;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use image::GrayImage;
use serde::Deserialize;

/// Languages every page is read with by default: German.
pub const DEFAULT_LANGUAGES: &str = "deu";

/// What the store says read a page that shows no text (the check before
/// OCR found no row of letters on it).
pub const NO_TEXT_ENGINE: &str = "keine Texterkennung: kein Text auf der Seite";

/// Languages a doubtful page is read with once more by default.
pub const SECOND_LANGUAGES: &str = "deu+eng";

/// Errors of the OCR engine.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// Tesseract could not be started, usually because language data is missing.
    #[error(
        "Tesseract ließ sich mit den Sprachen {languages} nicht starten ({detail}); sind die Pakete tesseract-ocr-deu und tesseract-ocr-eng installiert?"
    )]
    Init {
        /// Requested languages.
        languages: String,
        /// What Tesseract reported.
        detail: String,
    },
    /// Recognition of a page failed.
    #[error("Texterkennung fehlgeschlagen: {0}")]
    Recognize(String),
}

/// A recognised word, in page pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// Left edge.
    pub left: u32,
    /// Top edge.
    pub top: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Confidence, 0–100.
    pub conf: f32,
    /// Line number on the page (0-based, in reading order).
    pub line: u32,
    /// The word.
    pub text: String,
}

/// Words grouped into their OCR lines, in reading order.
pub fn lines(words: &[Word]) -> Vec<Vec<&Word>> {
    let mut out: Vec<Vec<&Word>> = Vec::new();
    for w in words {
        match out.last_mut() {
            Some(l) if l[0].line == w.line => l.push(w),
            _ => out.push(vec![w]),
        }
    }
    out
}

/// The OCR result of one page.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrPage {
    /// The text, lines separated by `\n`, paragraphs by a blank line.
    pub text: String,
    /// Every word with its box.
    pub words: Vec<Word>,
    /// Mean word confidence, 0–100.
    pub mean_conf: f32,
    /// Languages used.
    pub languages: String,
    /// Tesseract version.
    pub engine: String,
    /// Whether the page deadline ended the recognition before the engine
    /// was through (the words are those read until then).
    pub cut_off: bool,
}

/// Whether a page's words are text a person could read: enough words of
/// three or more letters or digits read with confidence. An upside-down or
/// badly degraded page gives many short words of low confidence instead.
pub(crate) fn legible(words: &[Word]) -> bool {
    let good = words
        .iter()
        .filter(|w| w.conf >= 60.0 && w.text.chars().filter(|c| c.is_alphanumeric()).count() >= 3)
        .count();
    let n = words.len();
    n > 0 && (good == n || good >= 3.max(n * 2 / 5))
}

/// Lines of a page that may hold a number read badly: five or more digits
/// in words read with less than 60 % confidence. Each as (line, [x, y,
/// width, height]) with a margin of half a line height; at most four, the
/// least confident first (a line costs the engine about 0.2 s).
fn doubtful_number_lines(words: &[Word], width: u32, height: u32) -> Vec<(u32, [u32; 4])> {
    let mut out: Vec<(f32, u32, [u32; 4])> = lines(words)
        .into_iter()
        .filter_map(|l| {
            let doubtful = || l.iter().filter(|w| w.conf < 60.0);
            let digits: usize = doubtful()
                .map(|w| w.text.chars().filter(char::is_ascii_digit).count())
                .sum();
            (digits >= 5).then_some(())?;
            let worst = doubtful().map(|w| w.conf).reduce(f32::min)?;
            let left = l.iter().map(|w| w.left).min()?;
            let top = l.iter().map(|w| w.top).min()?;
            let right = l.iter().map(|w| w.left + w.width).max()?;
            let bottom = l.iter().map(|w| w.top + w.height).max()?;
            let m = (bottom - top) / 2 + 2;
            let (x, y) = (left.saturating_sub(m), top.saturating_sub(m));
            let r = [
                x,
                y,
                (right + m).min(width).saturating_sub(x),
                (bottom + m).min(height).saturating_sub(y),
            ];
            (r[2] > 0 && r[3] > 0).then_some((worst, l[0].line, r))
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.truncate(4);
    out.into_iter().map(|(_, line, r)| (line, r)).collect()
}

/// The rectangle `r` of `page` in black and white, split at the Otsu
/// threshold of the rectangle's own grey levels.
fn binarized(page: &GrayImage, [x, y, w, h]: [u32; 4]) -> GrayImage {
    let part = image::imageops::crop_imm(page, x, y, w, h).to_image();
    let mut hist = [0u64; 256];
    part.pixels().for_each(|p| hist[usize::from(p.0[0])] += 1);
    let split = otsu(&hist);
    GrayImage::from_fn(w, h, |xx, yy| {
        image::Luma([if part.get_pixel(xx, yy).0[0] > split {
            255
        } else {
            0
        }])
    })
}

/// Otsu's threshold of a grey-level histogram: values at or below it are
/// one class, values above the other.
fn otsu(hist: &[u64; 256]) -> u8 {
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut below, mut below_sum, mut best, mut split) = (0u64, 0f64, -1f64, 127u8);
    for (v, &n) in hist.iter().enumerate() {
        below += n;
        below_sum += v as f64 * n as f64;
        let above = total - below;
        if below == 0 || above == 0 {
            continue;
        }
        let (m0, m1) = (below_sum / below as f64, (sum - below_sum) / above as f64);
        let between = below as f64 * above as f64 * (m0 - m1).powi(2);
        if between > best {
            best = between;
            split = v as u8;
        }
    }
    split
}

/// A bilevel page with its dark strokes one pixel thicker on every side
/// (a 3 × 3 minimum filter, done as a row and a column pass).
fn thickened(page: &GrayImage) -> GrayImage {
    let (w, h) = (page.width() as usize, page.height() as usize);
    let src = page.as_raw();
    let mut rows = vec![255u8; src.len()];
    for (out, row) in rows
        .chunks_exact_mut(w.max(1))
        .zip(src.chunks_exact(w.max(1)))
    {
        for x in 0..w {
            out[x] = row[x.saturating_sub(1)..(x + 2).min(w)]
                .iter()
                .copied()
                .min()
                .unwrap_or(255);
        }
    }
    let mut out = vec![255u8; src.len()];
    for y in 0..h {
        for x in 0..w {
            out[y * w + x] = (y.saturating_sub(1)..(y + 2).min(h))
                .map(|yy| rows[yy * w + x])
                .min()
                .unwrap_or(255);
        }
    }
    GrayImage::from_raw(page.width(), page.height(), out).unwrap_or_else(|| page.clone())
}

/// The mean confidence of words (0 without words).
fn mean_conf<'a>(words: impl Iterator<Item = &'a Word>) -> f32 {
    let (n, sum) = words.fold((0u32, 0f32), |(n, s), w| (n + 1, s + w.conf));
    if n == 0 { 0.0 } else { sum / n as f32 }
}

/// Puts `new` in place of the words of `line`, in the words and in the
/// text (whose non-empty lines are the word lines in order).
fn replace_line(ocr: &mut OcrPage, line: u32, new: Vec<Word>) {
    let text_line = new
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let at = ocr
        .words
        .iter()
        .position(|w| w.line == line)
        .unwrap_or(ocr.words.len());
    let end = at
        + ocr.words[at..]
            .iter()
            .take_while(|w| w.line == line)
            .count();
    // The line's text is the one after those of the lines before it.
    let index = lines(&ocr.words[..at]).len();
    ocr.words.splice(at..end, new);
    let mut n = 0;
    let mut out: Vec<&str> = Vec::new();
    for l in ocr.text.split('\n') {
        if l.is_empty() {
            out.push(l);
            continue;
        }
        out.push(if n == index { &text_line } else { l });
        n += 1;
    }
    ocr.text = out.join("\n");
}

/// How well a reading went, for choosing between two orientations: the
/// letters of the words read with confidence.
fn reading_score(page: &OcrPage) -> usize {
    page.words
        .iter()
        .filter(|w| w.conf >= 60.0)
        .map(|w| w.text.chars().filter(|c| c.is_alphanumeric()).count())
        .sum()
}

/// The file Tesseract writes its messages to (`debug_file`): a pipe whose
/// lines become debug-level log events (target `tesseract`). Linux only;
/// elsewhere they stay on the terminal.
fn tesseract_debug_file() -> Option<&'static str> {
    static PATH: OnceLock<Option<String>> = OnceLock::new();
    PATH.get_or_init(|| {
        #[cfg(target_os = "linux")]
        {
            use std::io::BufRead;
            use std::os::fd::AsRawFd;
            let (reader, writer) = std::io::pipe().ok()?;
            let path = format!("/proc/self/fd/{}", writer.as_raw_fd());
            // The write end stays open for the life of the process:
            // Tesseract opens it by name at its first message.
            std::mem::forget(writer);
            std::thread::Builder::new()
                .name("tesseract-log".into())
                .spawn(move || {
                    let mut lines = std::io::BufReader::new(reader).split(b'\n');
                    while let Some(Ok(line)) = lines.next() {
                        let line = String::from_utf8_lossy(&line);
                        if !line.trim().is_empty() {
                            tracing::debug!(target: "tesseract", "{}", line.trim_end());
                        }
                    }
                })
                .ok()?;
            Some(path)
        }
        #[cfg(not(target_os = "linux"))]
        None
    })
    .as_deref()
}

/// How pages are recognised (`[ocr]` in `scanstelle.toml`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OcrSettings {
    /// Languages every page is read with (Tesseract's names, joined by
    /// `+`): German alone, faster than German and English together.
    #[serde(default = "default_languages")]
    pub languages: String,
    /// Languages a page is read with once more when its first reading
    /// stays doubtful; the better reading is kept. Empty: none.
    #[serde(default = "default_second_languages")]
    pub second_languages: String,
    /// Seconds the engine may spend on one page, all readings together
    /// (0: no limit). A page over it keeps what was read by then, is
    /// flagged and its document waits for a person.
    #[serde(default = "default_page_deadline")]
    pub page_deadline_secs: u64,
}

fn default_languages() -> String {
    DEFAULT_LANGUAGES.to_owned()
}
fn default_second_languages() -> String {
    SECOND_LANGUAGES.to_owned()
}
fn default_page_deadline() -> u64 {
    20
}

impl Default for OcrSettings {
    fn default() -> Self {
        Self {
            languages: default_languages(),
            second_languages: default_second_languages(),
            page_deadline_secs: default_page_deadline(),
        }
    }
}

impl OcrSettings {
    /// The per-page time limit, if any.
    pub fn deadline(&self) -> Option<Duration> {
        (self.page_deadline_secs > 0).then(|| Duration::from_secs(self.page_deadline_secs))
    }
}

/// One Tesseract instance for the station's languages (and, started at the
/// first page that needs it, one for the second set).
pub struct OcrEngine {
    first: native::Recognizer,
    second: Option<Option<native::Recognizer>>,
    settings: OcrSettings,
    /// The orientation detector, started at the first doubtful page
    /// (`None` inside when `osd.traineddata` is missing).
    osd: Option<Option<native::Osd>>,
}

/// A page recognised upright: the reading, and the clockwise quarter turn
/// with the turned image when the page had to be turned for it.
#[derive(Debug)]
pub struct UprightPage {
    /// The reading.
    pub ocr: OcrPage,
    /// Turn (90, 180, 270) and the turned page, if it was turned.
    pub turned: Option<(u16, GrayImage)>,
}

impl std::fmt::Debug for OcrEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcrEngine")
            .field("settings", &self.settings)
            .finish()
    }
}

/// The Tesseract library version.
pub(crate) fn engine_version() -> String {
    format!("tesseract {}", native::tesseract_version())
}

/// Starts one recogniser the way the station reads: no inverted second
/// try of doubtful lines (scanned mail is dark on light), the libraries'
/// messages to the log.
fn start(languages: &str) -> Result<native::Recognizer, OcrError> {
    native::route_leptonica_messages();
    let mut vars = vec![("tessedit_do_invert", "0")];
    if let Some(path) = tesseract_debug_file() {
        vars.push(("debug_file", path));
    }
    native::Recognizer::new(languages, &vars).map_err(|detail| OcrError::Init {
        languages: languages.to_owned(),
        detail,
    })
}

/// The time left of a page's budget that started at `started`; `None`
/// without a limit, zero when it is used up.
fn left(limit: Option<Duration>, started: Instant) -> Option<Duration> {
    limit.map(|d| d.saturating_sub(started.elapsed()))
}

impl OcrEngine {
    /// Starts Tesseract with the system's language data.
    pub fn new(settings: &OcrSettings) -> Result<Self, OcrError> {
        Ok(Self {
            first: start(&settings.languages)?,
            second: None,
            settings: settings.clone(),
            osd: None,
        })
    }

    /// Recognises a page and makes sure it was read upright: a doubtful
    /// reading is tried again in the orientation Tesseract's detector
    /// proposes (or upside down when it proposes none), and the better of
    /// the two is kept. All readings of the page share its deadline: a
    /// first reading cut off by it is returned as it is (`cut_off`), a
    /// later one cut off is dropped.
    pub fn recognize_upright(
        &mut self,
        page: &GrayImage,
        dpi: u32,
    ) -> Result<UprightPage, OcrError> {
        self.recognize_prepared(page, dpi, false)
    }

    /// Like [`Self::recognize_upright`], for a page the preparation turned
    /// by its own method (`turned`): Tesseract's detector looks first, and
    /// where it clearly sees the page the wrong way up, the page is turned
    /// before the first reading instead of being read twice.
    pub fn recognize_prepared(
        &mut self,
        page: &GrayImage,
        dpi: u32,
        turned: bool,
    ) -> Result<UprightPage, OcrError> {
        // A page without a row of letters (a backside with show-through
        // and dust) is not given to the engine, which would spend seconds
        // on its specks for nothing.
        if !crate::prepare::imaging::shows_text(page, dpi as f32) {
            return Ok(UprightPage {
                ocr: OcrPage {
                    text: String::new(),
                    words: Vec::new(),
                    mean_conf: 0.0,
                    languages: String::new(),
                    engine: NO_TEXT_ENGINE.to_owned(),
                    cut_off: false,
                },
                turned: None,
            });
        }
        if turned {
            let osd = self.osd.get_or_insert_with(native::Osd::new);
            let wrong = osd
                .as_mut()
                .and_then(|o| o.detect(page, dpi))
                .filter(|o| o.turn != 0 && o.confidence >= 2.0);
            if let Some(o) = wrong {
                tracing::debug!(
                    drehung = o.turn,
                    sicherheit = o.confidence,
                    "von der Aufbereitung falsch gedreht"
                );
                let turned = crate::prepare::imaging::rotate_quarter(page, o.turn);
                let mut up = self.read_upright(&turned, dpi)?;
                up.turned = Some(match up.turned {
                    Some((more, image)) => ((o.turn + more) % 360, image),
                    None => (o.turn, turned),
                });
                return Ok(up);
            }
        }
        self.read_upright(page, dpi)
    }

    /// The reading behind [`Self::recognize_upright`], of a page that
    /// shows text.
    fn read_upright(&mut self, page: &GrayImage, dpi: u32) -> Result<UprightPage, OcrError> {
        let started = Instant::now();
        let limit = self.settings.deadline();
        let time_left = || left(limit, started).is_none_or(|d| !d.is_zero());
        // The engine reads a copy without the lines of boxes and tables.
        let clean = forms::without_form_lines(page, dpi);
        let mut seen = clean.unwrap_or_else(|| page.clone());
        let mut first = self.read(&seen, dpi, left(limit, started))?;
        if first.cut_off {
            return Ok(UprightPage {
                ocr: first,
                turned: None,
            });
        }
        let doubtful = |r: &OcrPage| !(legible(&r.words) && r.mean_conf >= 70.0);
        // A faint or thin bilevel page (a carbon copy, a light setting at
        // 200 dpi) breaks its strokes apart: read once more with the
        // strokes a pixel thicker and keep the better reading.
        if doubtful(&first)
            && crate::prepare::imaging::is_bilevel(&seen)
            && first.words.len() >= 8
            && time_left()
        {
            let thick = thickened(&seen);
            let again = self.read(&thick, dpi, left(limit, started))?;
            tracing::debug!(
                vorher = reading_score(&first),
                nachher = reading_score(&again),
                "Seite blass, Striche verstärkt gelesen"
            );
            if !again.cut_off && reading_score(&again) > reading_score(&first) * 5 / 4 + 10 {
                first = again;
                seen = thick;
            }
        }
        let mut upright = if doubtful(&first) && time_left() {
            self.turn_if_better(page, &seen, dpi, first, left(limit, started))?
        } else {
            UprightPage {
                ocr: first,
                turned: None,
            }
        };
        let image = match &upright.turned {
            Some((turn, _)) => crate::prepare::imaging::rotate_quarter(&seen, *turn),
            None => seen,
        };
        // Numbers read with little confidence (a case's number among them,
        // perhaps) or a page read badly: the second set of languages reads
        // the page too. The English model reads digits differently: on the
        // stranger corpus's default seed, German alone lost 2 of 12
        // documents' identifiers that the pair reads.
        let numbers =
            !doubtful_number_lines(&upright.ocr.words, image.width(), image.height()).is_empty();
        let bad = doubtful(&upright.ocr) && upright.ocr.words.len() >= 8;
        if (numbers || bad) && time_left() {
            self.other_languages(&image, dpi, &mut upright.ocr, numbers, left(limit, started))?;
        }
        if time_left() {
            self.second_look(&image, dpi, &mut upright.ocr, left(limit, started))?;
        }
        Ok(upright)
    }

    /// The page read once more in the orientation the detector proposes
    /// (upside down when it proposes none); kept when it clearly reads
    /// better, with the turned page.
    fn turn_if_better(
        &mut self,
        page: &GrayImage,
        seen: &GrayImage,
        dpi: u32,
        first: OcrPage,
        budget: Option<Duration>,
    ) -> Result<UprightPage, OcrError> {
        let osd = self.osd.get_or_insert_with(native::Osd::new);
        let proposed = osd
            .as_mut()
            .and_then(|o| o.detect(seen, dpi))
            .filter(|o| o.turn != 0 && o.confidence >= 1.0)
            .map_or(180, |o| o.turn);
        let turned = crate::prepare::imaging::rotate_quarter(seen, proposed);
        let second = self.read(&turned, dpi, budget)?;
        tracing::debug!(
            drehung = proposed,
            vorher = reading_score(&first),
            nachher = reading_score(&second),
            "Ausrichtung zweifelhaft, zweite Lesung"
        );
        // The turn must clearly win: a page read equally badly both ways
        // stays as it was.
        Ok(
            if !second.cut_off && reading_score(&second) > reading_score(&first) * 3 / 2 + 10 {
                UprightPage {
                    ocr: second,
                    turned: Some((
                        proposed,
                        crate::prepare::imaging::rotate_quarter(page, proposed),
                    )),
                }
            } else {
                UprightPage {
                    ocr: first,
                    turned: None,
                }
            },
        )
    }

    /// A doubtful page read once more with the second set of languages
    /// (a letter in English, names and words the German model does not
    /// know); kept when it reads clearly better, or, for a page whose
    /// numbers are in doubt, about as well.
    fn other_languages(
        &mut self,
        page: &GrayImage,
        dpi: u32,
        ocr: &mut OcrPage,
        numbers: bool,
        budget: Option<Duration>,
    ) -> Result<(), OcrError> {
        let langs = self.settings.second_languages.trim().to_owned();
        let Some(second) = self.second_engine() else {
            return Ok(());
        };
        let again = read_page(second, &langs, page, dpi, budget)?;
        tracing::debug!(
            sprachen = %langs,
            vorher = reading_score(ocr),
            nachher = reading_score(&again),
            "Seite zweifelhaft, mit weiteren Sprachen gelesen"
        );
        let (before, after) = (reading_score(ocr), reading_score(&again));
        let better = if numbers {
            after * 10 >= before * 9
        } else {
            after > before * 5 / 4 + 10
        };
        if !again.cut_off && better {
            *ocr = again;
        }
        Ok(())
    }

    /// The engine for the second set of languages, started at its first
    /// use; `None` without a second set (or when it cannot start).
    fn second_engine(&mut self) -> Option<&mut native::Recognizer> {
        let langs = self.settings.second_languages.trim();
        if langs.is_empty() || langs == self.settings.languages {
            return None;
        }
        self.second
            .get_or_insert_with(|| {
                start(langs)
                    .inspect_err(|e| tracing::warn!(fehler = %e, "zweite Sprachen nicht verfügbar"))
                    .ok()
            })
            .as_mut()
    }

    /// A second look at the lines of a page that hold digits read with
    /// little confidence (numbers in comb fields, on tinted or grainy
    /// paper, broken strokes): each is read once more alone, by the second
    /// set of languages when there is one (another model, another look at
    /// the same digits), a grey page thresholded by the line's own ink and
    /// paper; the new reading replaces the old one where it is clearly more
    /// confident.
    fn second_look(
        &mut self,
        page: &GrayImage,
        dpi: u32,
        ocr: &mut OcrPage,
        budget: Option<Duration>,
    ) -> Result<(), OcrError> {
        let doubtful = doubtful_number_lines(&ocr.words, page.width(), page.height());
        if doubtful.is_empty() {
            return Ok(());
        }
        let bilevel = crate::prepare::imaging::is_bilevel(page);
        let started = Instant::now();
        let engine = match self.second_engine() {
            Some(second) => second,
            None => &mut self.first,
        };
        engine.set_layout(native::Layout::Line);
        let mut replaced = false;
        let mut outcome = Ok(());
        for (line, r @ [x, y, w, h]) in doubtful {
            let remaining = left(budget, started);
            if remaining.is_some_and(|d| d.is_zero()) {
                break;
            }
            // The line alone, as a small frame of its own: far cheaper for
            // the engine than the whole page with a rectangle.
            let line_image = if bilevel {
                image::imageops::crop_imm(page, x, y, w, h).to_image()
            } else {
                binarized(page, r)
            };
            let packed = crate::prepare::imaging::pack_bits(&line_image);
            let frame = native::Frame {
                data: &packed,
                width: w,
                height: h,
                bilevel: true,
                dpi,
            };
            let reading = match engine.read(frame, remaining) {
                Ok(r) if !r.cut_off => r,
                Ok(_) => break,
                Err(e) => {
                    outcome = Err(OcrError::Recognize(e));
                    break;
                }
            };
            let new: Vec<Word> = parse_tsv(&reading.tsv)
                .into_iter()
                .map(|mut w| {
                    w.line = line;
                    w.left += x;
                    w.top += y;
                    w
                })
                .collect();
            let old: Vec<&Word> = ocr.words.iter().filter(|w| w.line == line).collect();
            if new.is_empty() || mean_conf(new.iter()) < mean_conf(old.iter().copied()) + 15.0 {
                continue;
            }
            tracing::debug!(
                vorher = %old.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" "),
                nachher = %new.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" "),
                "Zeile ein zweites Mal gelesen"
            );
            replace_line(ocr, line, new);
            replaced = true;
        }
        engine.set_layout(native::Layout::Page);
        if replaced {
            ocr.mean_conf = mean_conf(ocr.words.iter());
        }
        outcome
    }

    /// Recognises a greyscale page scanned at `dpi` once, within the
    /// page deadline.
    pub fn recognize(&mut self, page: &GrayImage, dpi: u32) -> Result<OcrPage, OcrError> {
        let limit = self.settings.deadline();
        self.read(page, dpi, limit)
    }

    /// One reading with the station's languages within `budget`.
    fn read(
        &mut self,
        page: &GrayImage,
        dpi: u32,
        budget: Option<Duration>,
    ) -> Result<OcrPage, OcrError> {
        read_page(&mut self.first, &self.settings.languages, page, dpi, budget)
    }
}

/// One reading of a page by `engine` (for `languages`) within `budget`.
fn read_page(
    engine: &mut native::Recognizer,
    languages: &str,
    page: &GrayImage,
    dpi: u32,
    budget: Option<Duration>,
) -> Result<OcrPage, OcrError> {
    let (width, height) = page.dimensions();
    // A bilevel page goes in packed, 1 bit per pixel (1 = white), which
    // spares Tesseract its own thresholding.
    let packed =
        crate::prepare::imaging::is_bilevel(page).then(|| crate::prepare::imaging::pack_bits(page));
    let frame = native::Frame {
        data: packed.as_deref().unwrap_or(page.as_raw()),
        width,
        height,
        bilevel: packed.is_some(),
        dpi,
    };
    let reading = engine
        .read(frame, budget.map(|d| d.max(Duration::from_millis(1))))
        .map_err(OcrError::Recognize)?;
    let words = parse_tsv(&reading.tsv);
    Ok(OcrPage {
        text: text_from_words(&words, &reading.tsv),
        words,
        mean_conf: reading.mean_conf,
        languages: languages.to_owned(),
        engine: engine_version(),
        cut_off: reading.cut_off,
    })
}

/// Parses Tesseract's TSV output into words (level 5 rows).
fn parse_tsv(tsv: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut line_keys: Vec<(u32, u32, u32)> = Vec::new();
    for row in tsv.lines() {
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<i64>().unwrap_or(0).max(0) as u32;
        let text = cols[11].trim();
        if text.is_empty() {
            continue;
        }
        let key = (num(2), num(3), num(4));
        let line = match line_keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                line_keys.push(key);
                line_keys.len() - 1
            }
        } as u32;
        words.push(Word {
            left: num(6),
            top: num(7),
            width: num(8),
            height: num(9),
            conf: cols[10].trim().parse().unwrap_or(0.0),
            line,
            text: text.to_owned(),
        });
    }
    words
}

/// Lines from the words; a blank line between paragraphs.
fn text_from_words(words: &[Word], tsv: &str) -> String {
    // Paragraph of each line, from the TSV's block/paragraph numbers.
    let mut para_of_line: Vec<(u32, u32)> = Vec::new();
    for row in tsv.lines() {
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        if cols.len() >= 12 && cols[0] == "4" {
            let n = |i: usize| cols[i].trim().parse::<u32>().unwrap_or(0);
            para_of_line.push((n(2), n(3)));
        }
    }
    let mut out = String::new();
    let mut last_line = None;
    for w in words {
        if last_line == Some(w.line) {
            out.push(' ');
        } else {
            if let Some(prev) = last_line {
                let new_para = para_of_line.get(prev as usize) != para_of_line.get(w.line as usize);
                out.push('\n');
                if new_para {
                    out.push('\n');
                }
            }
            last_line = Some(w.line);
        }
        out.push_str(&w.text);
    }
    out
}

/// Encodes words compactly for the store: one per line,
/// `left top width height conf line<TAB>text`.
pub fn encode_words(words: &[Word]) -> String {
    let mut s = String::new();
    for w in words {
        let _ = writeln!(
            s,
            "{} {} {} {} {:.1} {}\t{}",
            w.left, w.top, w.width, w.height, w.conf, w.line, w.text
        );
    }
    s
}

/// Decodes `encode_words`.
pub fn decode_words(s: &str) -> Vec<Word> {
    s.lines()
        .filter_map(|l| {
            let (nums, text) = l.split_once('\t')?;
            let n: Vec<&str> = nums.split(' ').collect();
            if n.len() != 6 {
                return None;
            }
            Some(Word {
                left: n[0].parse().ok()?,
                top: n[1].parse().ok()?,
                width: n[2].parse().ok()?,
                height: n[3].parse().ok()?,
                conf: n[4].parse().ok()?,
                line: n[5].parse().ok()?,
                text: text.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_rows_become_words_and_lines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   4\t1\t1\t1\t1\t0\t10\t10\t300\t30\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t10\t100\t30\t96.5\tBG-Nummer:\n\
                   5\t1\t1\t1\t1\t2\t120\t10\t190\t30\t91\t12345BG0012345\n\
                   4\t1\t2\t1\t1\t0\t10\t80\t300\t30\t-1\t\n\
                   5\t1\t2\t1\t1\t1\t10\t80\t100\t30\t88\tMinden\n";
        let words = parse_tsv(tsv);
        assert_eq!(words.len(), 3);
        assert_eq!(words[1].text, "12345BG0012345");
        assert_eq!(
            (words[1].left, words[1].width, words[1].line),
            (120, 190, 0)
        );
        assert_eq!(words[2].line, 1);
        assert_eq!(
            text_from_words(&words, tsv),
            "BG-Nummer: 12345BG0012345\n\nMinden"
        );
        assert_eq!(decode_words(&encode_words(&words)), words);
    }

    fn word(line: u32, left: u32, conf: f32, text: &str) -> Word {
        Word {
            left,
            top: 100 * line + 10,
            width: 80,
            height: 30,
            conf,
            line,
            text: text.into(),
        }
    }

    #[test]
    fn only_lines_with_doubtful_numbers_get_a_second_look() {
        let words = [
            word(0, 10, 40.0, "Telefon"),
            word(0, 100, 30.0, "Seite 2/3"),
            word(1, 10, 95.0, "Kundennummer"),
            word(1, 100, 20.0, "854111:"),
            word(1, 200, 35.0, "D1"),
            word(2, 10, 96.0, "BG-Nummer"),
            word(2, 100, 91.0, "12345BG0012345"),
            word(3, 10, 55.0, "am"),
            word(3, 100, 58.0, "01.02.2026"),
        ];
        let lines = doubtful_number_lines(&words, 1000, 400);
        // Least confident first; confident numbers, text without digits
        // and short numbers are left alone.
        assert_eq!(lines.iter().map(|l| l.0).collect::<Vec<_>>(), [1, 3]);
        // The line's box with a margin of half its height, inside the page.
        assert_eq!(lines[0].1, [0, 93, 297, 64]);
    }

    #[test]
    fn a_line_read_again_replaces_its_words_and_its_text() {
        let mut ocr = OcrPage {
            text: "Antrag\n\nKundennummer 854111: D1\nSeite 1".into(),
            words: vec![
                word(0, 10, 95.0, "Antrag"),
                word(1, 10, 95.0, "Kundennummer"),
                word(1, 100, 10.0, "854111:"),
                word(1, 200, 10.0, "D1"),
                word(2, 10, 95.0, "Seite"),
                word(2, 100, 95.0, "1"),
            ],
            mean_conf: 0.0,
            languages: DEFAULT_LANGUAGES.into(),
            engine: String::new(),
            cut_off: false,
        };
        replace_line(
            &mut ocr,
            1,
            vec![
                word(1, 10, 90.0, "Kundennummer"),
                word(1, 100, 80.0, "841D014422"),
            ],
        );
        assert_eq!(ocr.text, "Antrag\n\nKundennummer 841D014422\nSeite 1");
        let texts: Vec<&str> = ocr.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Antrag", "Kundennummer", "841D014422", "Seite", "1"]
        );
    }

    #[test]
    fn thickening_grows_strokes_by_one_pixel() {
        let mut page = GrayImage::from_pixel(7, 5, image::Luma([255]));
        page.put_pixel(3, 2, image::Luma([0]));
        page.put_pixel(0, 0, image::Luma([0]));
        let t = thickened(&page);
        let black: std::collections::BTreeSet<(u32, u32)> = t
            .enumerate_pixels()
            .filter(|p| p.2.0[0] == 0)
            .map(|p| (p.0, p.1))
            .collect();
        let mut want = std::collections::BTreeSet::from([(0, 0), (1, 0), (0, 1), (1, 1)]);
        for x in 2..=4 {
            for y in 1..=3 {
                want.insert((x, y));
            }
        }
        assert_eq!(black, want);
    }

    #[test]
    fn otsu_splits_ink_from_paper() {
        let mut hist = [0u64; 256];
        hist[20] = 100;
        hist[30] = 50;
        hist[230] = 800;
        hist[245] = 900;
        let t = otsu(&hist);
        assert!((30..230).contains(&t), "{t}");
    }
}
