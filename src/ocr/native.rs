//! The calls into Debian's Tesseract and Leptonica C libraries: the
//! recogniser ([`Recognizer`], with a per-page deadline through Tesseract's
//! progress monitor, which the safe bindings do not offer), Tesseract's
//! orientation and script detection (OSD, `osd.traineddata` of
//! `tesseract-ocr-osd`) and Leptonica's message handler, which sends its
//! messages (`Error in boxClipToRectangle …`) to the station's log at debug
//! level instead of the terminal.
//!
//! This is the only module of the station with `unsafe` code; each block
//! says what it relies on.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int};
use std::sync::Once;
use std::time::Duration;

use image::GrayImage;

/// Leptonica's messages go to the log (debug level, target `leptonica`)
/// from now on, for the whole process.
pub(crate) fn route_leptonica_messages() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: sets a process-wide function pointer in Leptonica; the
        // handler is a plain `extern "C"` function that lives forever.
        unsafe { leptonica_sys::leptSetStderrHandler(Some(leptonica_message)) }
    });
}

extern "C" fn leptonica_message(msg: *const c_char) {
    if msg.is_null() {
        return;
    }
    // SAFETY: Leptonica passes a NUL-terminated string valid for the call.
    let text = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
    tracing::debug!(target: "leptonica", "{}", text.trim_end());
}

/// Tesseract's orientation detector: one instance per thread (like the
/// recogniser, it is not thread-safe).
pub struct Osd {
    handle: *mut tesseract_sys::TessBaseAPI,
}

// SAFETY: the handle is owned by this value and used through `&mut self`
// only, so it is never used from two threads at once; Tesseract instances
// may move between threads.
unsafe impl Send for Osd {}

impl std::fmt::Debug for Osd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Osd")
    }
}

/// What the detector says about a page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Orientation {
    /// Clockwise quarter turn (0, 90, 180, 270) that makes the page upright.
    pub turn: u16,
    /// Tesseract's confidence in it (about 0–50; above ~2 it is a clear call).
    pub confidence: f32,
}

impl Osd {
    /// Starts the detector with the system's `osd` model; `None` when it
    /// is not installed.
    pub fn new() -> Option<Self> {
        let lang = CString::new("osd").expect("no NUL");
        // SAFETY: create/init/delete follow the C API's contract; on a
        // failed init the handle is deleted and not used again.
        unsafe {
            let handle = tesseract_sys::TessBaseAPICreate();
            if handle.is_null() {
                return None;
            }
            if tesseract_sys::TessBaseAPIInit3(handle, std::ptr::null(), lang.as_ptr()) != 0 {
                tesseract_sys::TessBaseAPIDelete(handle);
                return None;
            }
            Some(Self { handle })
        }
    }

    /// The orientation of a greyscale page scanned at `dpi`; `None` when the
    /// page has too little text to tell.
    pub fn detect(&mut self, page: &GrayImage, dpi: u32) -> Option<Orientation> {
        let (w, h) = page.dimensions();
        let (w, h) = (c_int::try_from(w).ok()?, c_int::try_from(h).ok()?);
        let mut deg: c_int = 0;
        let mut conf: f32 = 0.0;
        let mut script: *const c_char = std::ptr::null();
        let mut script_conf: f32 = 0.0;
        // The detector ignores the source resolution (and assumes 70 dpi,
        // tesseract#1702) but reads the resolution of a Leptonica image:
        // the page goes in as an 8-bit Pix with its dpi set.
        let dpi = dpi.clamp(70, 1200) as c_int;
        // SAFETY: the Pix is created here, filled within its bounds (rows
        // of `wpl` 32-bit words, bytes in Leptonica's big-endian order
        // within a word), handed to SetImage2 (which copies it) and
        // destroyed after Clear; the out-pointers are valid for the call.
        let ok = unsafe {
            let mut pix = leptonica_sys::pixCreate(w, h, 8);
            if pix.is_null() {
                return None;
            }
            leptonica_sys::pixSetResolution(pix, dpi, dpi);
            let wpl = leptonica_sys::pixGetWpl(pix) as usize;
            let data = leptonica_sys::pixGetData(pix);
            let words = std::slice::from_raw_parts_mut(data, wpl * h as usize);
            for (row, line) in page
                .as_raw()
                .chunks_exact(w as usize)
                .zip(words.chunks_exact_mut(wpl))
            {
                for (word, px) in line.iter_mut().zip(row.chunks(4)) {
                    let mut b = [0u8; 4];
                    b[..px.len()].copy_from_slice(px);
                    *word = u32::from_be_bytes(b);
                }
            }
            tesseract_sys::TessBaseAPISetImage2(self.handle, pix);
            tesseract_sys::TessBaseAPISetSourceResolution(self.handle, dpi);
            let ok = tesseract_sys::TessBaseAPIDetectOrientationScript(
                self.handle,
                &mut deg,
                &mut conf,
                &mut script,
                &mut script_conf,
            );
            tesseract_sys::TessBaseAPIClear(self.handle);
            leptonica_sys::pixDestroy(&mut pix);
            ok
        };
        // Tesseract gives the clockwise rotation the page has (measured:
        // a page turned 90° clockwise gives 90); turning back is the rest
        // of the circle.
        (ok != 0).then(|| Orientation {
            turn: (360 - (deg.rem_euclid(360) as u16 / 90 % 4) * 90) % 360,
            confidence: conf,
        })
    }
}

impl Drop for Osd {
    fn drop(&mut self) {
        // SAFETY: the handle came from TessBaseAPICreate and is dropped once.
        unsafe {
            tesseract_sys::TessBaseAPIEnd(self.handle);
            tesseract_sys::TessBaseAPIDelete(self.handle);
        }
    }
}

/// The Tesseract library's version (`5.3.0`).
pub(crate) fn tesseract_version() -> String {
    // SAFETY: TessVersion returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(tesseract_sys::TessVersion()) }
        .to_string_lossy()
        .into_owned()
}

/// How Tesseract divides the image into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Full page layout analysis (columns, blocks), as the CLI does.
    Page,
    /// The image is one line of text.
    Line,
}

/// An image for the recogniser: 8-bit grey, or 1 bit per pixel packed in
/// rows of whole bytes with 1 = white.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The pixels.
    pub data: &'a [u8],
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Whether `data` is packed bilevel (else one byte per pixel).
    pub bilevel: bool,
    /// Scan resolution.
    pub dpi: u32,
}

/// What one recognition gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Tesseract's TSV (levels 1–5).
    pub tsv: String,
    /// Mean word confidence, 0–100.
    pub mean_conf: f32,
    /// Whether the deadline ended the recognition early (the TSV holds
    /// what was read until then).
    pub cut_off: bool,
}

/// One Tesseract recogniser for a set of languages; one per thread (an
/// instance is not thread-safe).
pub struct Recognizer {
    handle: *mut tesseract_sys::TessBaseAPI,
    layout: Layout,
}

// SAFETY: as for `Osd`: owned, used through `&mut self` only.
unsafe impl Send for Recognizer {}

impl std::fmt::Debug for Recognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recognizer")
    }
}

impl Recognizer {
    /// Starts Tesseract with the system's data for `languages` (`deu`,
    /// `deu+eng`) and sets `variables`; the error is Tesseract's complaint
    /// in words.
    pub fn new(languages: &str, variables: &[(&str, &str)]) -> Result<Self, String> {
        let lang =
            CString::new(languages).map_err(|_| "Sprachangabe mit NUL-Zeichen".to_owned())?;
        // SAFETY: create/init/delete follow the C API's contract; on a
        // failed init the handle is deleted and not used again.
        let handle = unsafe {
            let handle = tesseract_sys::TessBaseAPICreate();
            if handle.is_null() {
                return Err("Tesseract ließ sich nicht anlegen".into());
            }
            if tesseract_sys::TessBaseAPIInit3(handle, std::ptr::null(), lang.as_ptr()) != 0 {
                tesseract_sys::TessBaseAPIDelete(handle);
                return Err(format!("Sprachdaten für {languages} nicht gefunden"));
            }
            handle
        };
        let mut this = Self {
            handle,
            layout: Layout::Line,
        };
        this.set_layout(Layout::Page);
        for (name, value) in variables {
            let (n, v) = (
                CString::new(*name).map_err(|_| "Variable mit NUL-Zeichen".to_owned())?,
                CString::new(*value).map_err(|_| "Wert mit NUL-Zeichen".to_owned())?,
            );
            // SAFETY: both strings are NUL-terminated and live for the call.
            if unsafe { tesseract_sys::TessBaseAPISetVariable(this.handle, n.as_ptr(), v.as_ptr()) }
                == 0
            {
                return Err(format!("Tesseract kennt die Einstellung {name} nicht"));
            }
        }
        Ok(this)
    }

    /// Sets how the next images are divided into text.
    pub fn set_layout(&mut self, layout: Layout) {
        if self.layout == layout {
            return;
        }
        let mode = match layout {
            Layout::Page => tesseract_sys::TessPageSegMode_PSM_AUTO,
            Layout::Line => tesseract_sys::TessPageSegMode_PSM_SINGLE_LINE,
        };
        // SAFETY: a valid handle and a mode of the enumeration.
        unsafe { tesseract_sys::TessBaseAPISetPageSegMode(self.handle, mode) };
        self.layout = layout;
    }

    /// Recognises `frame`, stopping once `deadline` has passed (Tesseract
    /// looks at it between words, not during layout analysis).
    pub fn read(
        &mut self,
        frame: Frame<'_>,
        deadline: Option<Duration>,
    ) -> Result<Reading, String> {
        let (w, h) = (
            c_int::try_from(frame.width).map_err(|_| "Bild zu breit")?,
            c_int::try_from(frame.height).map_err(|_| "Bild zu hoch")?,
        );
        let (bpp, stride) = if frame.bilevel {
            (0, frame.width.div_ceil(8))
        } else {
            (1, frame.width)
        };
        if w == 0 || h == 0 || frame.data.len() < stride as usize * frame.height as usize {
            return Err("Bilddaten unvollständig".into());
        }
        // SAFETY: `data` holds `height` rows of `stride` bytes (checked
        // above) and outlives the recognition (Clear drops Tesseract's
        // reference before returning); the monitor is created, used for
        // this one call and deleted; the TSV string is copied and freed
        // with TessDeleteText.
        unsafe {
            tesseract_sys::TessBaseAPISetImage(
                self.handle,
                frame.data.as_ptr(),
                w,
                h,
                bpp,
                stride as c_int,
            );
            tesseract_sys::TessBaseAPISetSourceResolution(
                self.handle,
                frame.dpi.clamp(70, 1200) as c_int,
            );
            let monitor = tesseract_sys::TessMonitorCreate();
            if let Some(d) = deadline {
                let ms = c_int::try_from(d.as_millis()).unwrap_or(c_int::MAX).max(1);
                tesseract_sys::TessMonitorSetDeadlineMSecs(monitor, ms);
            }
            let started = std::time::Instant::now();
            let status = tesseract_sys::TessBaseAPIRecognize(self.handle, monitor);
            let late = deadline.is_some_and(|d| started.elapsed() >= d);
            tesseract_sys::TessMonitorDelete(monitor);
            let tsv_ptr = tesseract_sys::TessBaseAPIGetTsvText(self.handle, 0);
            let tsv = if tsv_ptr.is_null() {
                String::new()
            } else {
                let s = CStr::from_ptr(tsv_ptr).to_string_lossy().into_owned();
                tesseract_sys::TessDeleteText(tsv_ptr);
                s
            };
            let mean_conf = tesseract_sys::TessBaseAPIMeanTextConf(self.handle) as f32;
            tesseract_sys::TessBaseAPIClear(self.handle);
            if status != 0 && !late {
                return Err("Tesseract brach die Erkennung ab".into());
            }
            Ok(Reading {
                tsv,
                mean_conf,
                cut_off: status != 0,
            })
        }
    }
}

impl Drop for Recognizer {
    fn drop(&mut self) {
        // SAFETY: the handle came from TessBaseAPICreate and is dropped once.
        unsafe {
            tesseract_sys::TessBaseAPIEnd(self.handle);
            tesseract_sys::TessBaseAPIDelete(self.handle);
        }
    }
}
