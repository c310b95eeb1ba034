//! The few calls into Debian's Tesseract and Leptonica C libraries that the
//! safe bindings do not offer: Tesseract's orientation and script detection
//! (OSD, `osd.traineddata` of `tesseract-ocr-osd`) and Leptonica's message
//! handler, which sends its messages (`Error in boxClipToRectangle …`) to
//! the station's log at debug level instead of the terminal.
//!
//! This is the only module of the station with `unsafe` code; each block
//! says what it relies on.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int};
use std::sync::Once;

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
