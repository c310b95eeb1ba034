//! A small eSCL (AirScan) scanner on 127.0.0.1 for the tests: the
//! capabilities of a grey 300 dpi flatbed and feeder, a scan job, its
//! pages as JPEG, then "out of paper" — or a paper jam after some pages
//! (503 and `ScannerAdfJam` in the status), or the device going away (it
//! stops answering). Debian's `sane-airscan` talks to it as to a network
//! multifunction printer.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the scanner does after its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// The feeder runs empty.
    Empty,
    /// Paper jam.
    Jam,
    /// It goes away (no answer any more).
    Gone,
}

/// A running eSCL scanner.
pub struct Escl {
    /// Its port.
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Scanner {
    pages: Vec<Vec<u8>>,
    then: Then,
    served: AtomicUsize,
    jammed: AtomicBool,
    gone: AtomicBool,
    port: u16,
}

const CAPS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<scan:ScannerCapabilities xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">
<pwg:Version>2.63</pwg:Version>
<pwg:MakeAndModel>Testbuero MFP</pwg:MakeAndModel>
<scan:Platen><scan:PlatenInputCaps>INPUT</scan:PlatenInputCaps></scan:Platen>
<scan:Adf><scan:AdfSimplexInputCaps>INPUT</scan:AdfSimplexInputCaps></scan:Adf>
</scan:ScannerCapabilities>"#;

const INPUT: &str = "<scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>2550</scan:MaxWidth>\
<scan:MinHeight>16</scan:MinHeight><scan:MaxHeight>3508</scan:MaxHeight>\
<scan:MaxScanRegions>1</scan:MaxScanRegions><scan:SettingProfiles><scan:SettingProfile>\
<scan:ColorModes><scan:ColorMode>Grayscale8</scan:ColorMode></scan:ColorModes>\
<scan:DocumentFormats><pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat>\
<scan:DocumentFormatExt>image/jpeg</scan:DocumentFormatExt></scan:DocumentFormats>\
<scan:SupportedResolutions><scan:DiscreteResolutions><scan:DiscreteResolution>\
<scan:XResolution>300</scan:XResolution><scan:YResolution>300</scan:YResolution>\
</scan:DiscreteResolution></scan:DiscreteResolutions></scan:SupportedResolutions>\
</scan:SettingProfile></scan:SettingProfiles>";

fn status(jammed: bool) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><scan:ScannerStatus \
         xmlns:scan=\"http://schemas.hp.com/imaging/escl/2011/05/03\" \
         xmlns:pwg=\"http://www.pwg.org/schemas/2010/12/sm\"><pwg:Version>2.63</pwg:Version>\
         <pwg:State>Idle</pwg:State>{}</scan:ScannerStatus>",
        if jammed {
            "<scan:AdfState>ScannerAdfJam</scan:AdfState>"
        } else {
            ""
        }
    )
}

impl Escl {
    /// Starts a scanner that delivers `pages` (JPEG), then does `then`.
    pub fn start(pages: Vec<Vec<u8>>, then: Then) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let scanner = Arc::new(Scanner {
            pages,
            then,
            served: AtomicUsize::new(0),
            jammed: AtomicBool::new(false),
            gone: AtomicBool::new(false),
            port,
        });
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let workers = Mutex::new(Vec::new());
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let s = scanner.clone();
                        workers
                            .lock()
                            .unwrap()
                            .push(std::thread::spawn(move || s.answer(stream)));
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        });
        Escl {
            port,
            stop,
            thread: Some(thread),
        }
    }

    /// Its eSCL root URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/eSCL", self.port)
    }
}

impl Drop for Escl {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Scanner {
    fn answer(&self, mut stream: TcpStream) {
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        // The request head, then its body (Content-Length).
        let head_end = loop {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0);
        while buf.len() < head_end + length {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        if self.gone.load(Ordering::SeqCst) {
            // Gone: the connection closes without an answer.
            return;
        }
        let mut parts = head.split_whitespace();
        let method = parts.next().unwrap_or_default();
        let path = parts.next().unwrap_or_default();
        let (code, kind, body, location): (u16, &str, Vec<u8>, Option<String>) = match method {
            "GET" if path.ends_with("ScannerCapabilities") => (
                200,
                "text/xml",
                CAPS.replace("INPUT", INPUT).into_bytes(),
                None,
            ),
            "GET" if path.ends_with("ScannerStatus") => (
                200,
                "text/xml",
                status(self.jammed.load(Ordering::SeqCst)).into_bytes(),
                None,
            ),
            "POST" if path.ends_with("ScanJobs") => {
                self.served.store(0, Ordering::SeqCst);
                (
                    201,
                    "text/plain",
                    Vec::new(),
                    Some(format!("http://127.0.0.1:{}/eSCL/ScanJobs/1", self.port)),
                )
            }
            "GET" if path.ends_with("NextDocument") => {
                let n = self.served.fetch_add(1, Ordering::SeqCst);
                match self.pages.get(n) {
                    Some(page) => (200, "image/jpeg", page.clone(), None),
                    None => match self.then {
                        Then::Empty => (404, "text/plain", Vec::new(), None),
                        Then::Jam => {
                            self.jammed.store(true, Ordering::SeqCst);
                            (503, "text/plain", Vec::new(), None)
                        }
                        Then::Gone => {
                            self.gone.store(true, Ordering::SeqCst);
                            return;
                        }
                    },
                }
            }
            "DELETE" => (200, "text/plain", Vec::new(), None),
            _ => (404, "text/plain", Vec::new(), None),
        };
        let out = format!(
            "HTTP/1.1 {code} {}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n",
            if code < 300 { "OK" } else { "Error" },
            body.len(),
            location
                .map(|l| format!("Location: {l}\r\n"))
                .unwrap_or_default()
        );
        let _ = stream.write_all(out.as_bytes());
        let _ = stream.write_all(&body);
        let _ = stream.flush();
    }
}
