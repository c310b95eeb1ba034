//! A small network multifunction printer on 127.0.0.1 for the tests, in
//! either of the two driverless protocols Debian's `sane-airscan` speaks:
//! eSCL (AirScan: REST, XML over HTTP) or WSD (WS-Scan: SOAP 1.2 over
//! HTTP, images as the second part of a MIME multipart answer). Either
//! way it offers a grey 300 dpi flatbed and feeder, takes a scan job,
//! delivers its pages as JPEG, then "out of paper" — or a paper jam
//! after some pages, or it goes away (stops answering).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Which protocol the printer speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// eSCL / AirScan.
    Escl,
    /// WSD / WS-Scan.
    Wsd,
}

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

/// A running network scanner.
pub struct Mfp {
    port: u16,
    protocol: Protocol,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Scanner {
    protocol: Protocol,
    pages: Vec<Vec<u8>>,
    then: Then,
    served: AtomicUsize,
    jammed: AtomicBool,
    gone: AtomicBool,
    port: u16,
}

/// One HTTP answer.
struct Reply {
    code: u16,
    kind: String,
    body: Vec<u8>,
    location: Option<String>,
}

impl Reply {
    fn new(code: u16, kind: &str, body: Vec<u8>) -> Self {
        Reply {
            code,
            kind: kind.to_owned(),
            body,
            location: None,
        }
    }
}

impl Mfp {
    /// Starts a scanner speaking `protocol` that delivers `pages` (JPEG),
    /// then does `then`.
    pub fn start(protocol: Protocol, pages: Vec<Vec<u8>>, then: Then) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let scanner = Arc::new(Scanner {
            protocol,
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
        Mfp {
            port,
            protocol,
            stop,
            thread: Some(thread),
        }
    }

    /// The scanner's entry for `[scanner.airscan]`: its URL, and for WSD
    /// the protocol after it.
    pub fn entry(&self) -> String {
        match self.protocol {
            Protocol::Escl => format!("http://127.0.0.1:{}/eSCL", self.port),
            Protocol::Wsd => format!("http://127.0.0.1:{}/WSD/Scan, wsd", self.port),
        }
    }
}

impl Drop for Mfp {
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
        let reply = match self.protocol {
            Protocol::Escl => self.escl(method, path),
            Protocol::Wsd => self.wsd(&String::from_utf8_lossy(&buf[head_end..])),
        };
        let Some(reply) = reply else { return };
        let out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n",
            reply.code,
            if reply.code < 300 { "OK" } else { "Error" },
            reply.kind,
            reply.body.len(),
            reply
                .location
                .map(|l| format!("Location: {l}\r\n"))
                .unwrap_or_default()
        );
        let _ = stream.write_all(out.as_bytes());
        let _ = stream.write_all(&reply.body);
        let _ = stream.flush();
    }

    /// The next page of the job, or what happens after the last one
    /// (none: the scanner is gone).
    fn next_page(&self) -> Option<Result<Vec<u8>, Then>> {
        let n = self.served.fetch_add(1, Ordering::SeqCst);
        if let Some(page) = self.pages.get(n) {
            return Some(Ok(page.clone()));
        }
        match self.then {
            Then::Jam => self.jammed.store(true, Ordering::SeqCst),
            Then::Gone => {
                self.gone.store(true, Ordering::SeqCst);
                return None;
            }
            Then::Empty => {}
        }
        Some(Err(self.then))
    }

    fn escl(&self, method: &str, path: &str) -> Option<Reply> {
        let xml = |body: String| Reply::new(200, "text/xml", body.into_bytes());
        Some(match method {
            "GET" if path.ends_with("ScannerCapabilities") => {
                xml(ESCL_CAPS.replace("INPUT", ESCL_INPUT))
            }
            "GET" if path.ends_with("ScannerStatus") => {
                xml(escl_status(self.jammed.load(Ordering::SeqCst)))
            }
            "POST" if path.ends_with("ScanJobs") => {
                self.served.store(0, Ordering::SeqCst);
                Reply {
                    location: Some(format!("http://127.0.0.1:{}/eSCL/ScanJobs/1", self.port)),
                    ..Reply::new(201, "text/plain", Vec::new())
                }
            }
            "GET" if path.ends_with("NextDocument") => match self.next_page()? {
                Ok(page) => Reply::new(200, "image/jpeg", page),
                Err(Then::Jam) => Reply::new(503, "text/plain", Vec::new()),
                Err(_) => Reply::new(404, "text/plain", Vec::new()),
            },
            "DELETE" => Reply::new(200, "text/plain", Vec::new()),
            _ => Reply::new(404, "text/plain", Vec::new()),
        })
    }

    /// A WS-Scan request: the SOAP action decides.
    fn wsd(&self, request: &str) -> Option<Reply> {
        let action = between(request, "Action>", "</").unwrap_or_default();
        let soap = |code: u16, action: &str, body: &str| {
            Reply::new(
                code,
                "application/soap+xml",
                envelope(action, body).into_bytes(),
            )
        };
        Some(if action.ends_with("/GetScannerElements") {
            let element = if request.contains("ScannerStatus") {
                let jammed = self.jammed.load(Ordering::SeqCst);
                format!(
                    "<sca:ScannerStatus><sca:ScannerState>{}</sca:ScannerState>\
                     <sca:ScannerStateReasons><sca:ScannerStateReason>{}</sca:ScannerStateReason>\
                     </sca:ScannerStateReasons></sca:ScannerStatus>",
                    if jammed { "Stopped" } else { "Idle" },
                    if jammed { "MediaJam" } else { "None" }
                )
            } else {
                WSD_CONFIGURATION
                    .replace("PLATEN", &wsd_source("Platen"))
                    .replace("ADF_FRONT", &wsd_source("ADF"))
            };
            soap(
                200,
                "GetScannerElementsResponse",
                &format!(
                    "<sca:GetScannerElementsResponse><sca:ScannerElements>\
                     <sca:ElementData Name=\"sca:Element\" Valid=\"true\">{element}</sca:ElementData>\
                     </sca:ScannerElements></sca:GetScannerElementsResponse>"
                ),
            )
        } else if action.ends_with("/CreateScanJob") {
            self.served.store(0, Ordering::SeqCst);
            soap(
                200,
                "CreateScanJobResponse",
                "<sca:CreateScanJobResponse><sca:JobId>7</sca:JobId>\
                 <sca:JobToken>auftrag-7</sca:JobToken></sca:CreateScanJobResponse>",
            )
        } else if action.ends_with("/RetrieveImage") {
            match self.next_page()? {
                Ok(page) => retrieved(&page),
                Err(Then::Jam) => fault("ServerErrorInternalError"),
                Err(_) => fault("ClientErrorNoImagesAvailable"),
            }
        } else if action.ends_with("/CancelJob") {
            soap(200, "CancelJobResponse", "<sca:CancelJobResponse/>")
        } else {
            fault("ClientErrorInvalidArgs")
        })
    }
}

const ESCL_CAPS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<scan:ScannerCapabilities xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">
<pwg:Version>2.63</pwg:Version>
<pwg:MakeAndModel>Testbuero MFP</pwg:MakeAndModel>
<scan:Platen><scan:PlatenInputCaps>INPUT</scan:PlatenInputCaps></scan:Platen>
<scan:Adf><scan:AdfSimplexInputCaps>INPUT</scan:AdfSimplexInputCaps></scan:Adf>
</scan:ScannerCapabilities>"#;

const ESCL_INPUT: &str = "<scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>2550</scan:MaxWidth>\
<scan:MinHeight>16</scan:MinHeight><scan:MaxHeight>3508</scan:MaxHeight>\
<scan:MaxScanRegions>1</scan:MaxScanRegions><scan:SettingProfiles><scan:SettingProfile>\
<scan:ColorModes><scan:ColorMode>Grayscale8</scan:ColorMode></scan:ColorModes>\
<scan:DocumentFormats><pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat>\
<scan:DocumentFormatExt>image/jpeg</scan:DocumentFormatExt></scan:DocumentFormats>\
<scan:SupportedResolutions><scan:DiscreteResolutions><scan:DiscreteResolution>\
<scan:XResolution>300</scan:XResolution><scan:YResolution>300</scan:YResolution>\
</scan:DiscreteResolution></scan:DiscreteResolutions></scan:SupportedResolutions>\
</scan:SettingProfile></scan:SettingProfiles>";

fn escl_status(jammed: bool) -> String {
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

/// WS-Scan's ScannerConfiguration: JPEG (JFIF) only, a platen and a
/// simplex feeder; sizes in thousandths of an inch (A4 fits).
const WSD_CONFIGURATION: &str = "<sca:ScannerConfiguration><sca:DeviceSettings>\
<sca:FormatsSupported><sca:FormatValue>jfif</sca:FormatValue></sca:FormatsSupported>\
<sca:CompressionQualityFactorSupported><sca:MinValue>1</sca:MinValue><sca:MaxValue>100</sca:MaxValue>\
</sca:CompressionQualityFactorSupported></sca:DeviceSettings>\
<sca:Platen>PLATEN</sca:Platen>\
<sca:ADF><sca:ADFSupportsDuplex>false</sca:ADFSupportsDuplex><sca:ADFFront>ADF_FRONT</sca:ADFFront></sca:ADF>\
</sca:ScannerConfiguration>";

/// One WS-Scan input source (`Platen` or `ADF`): sizes, 300 dpi, grey.
fn wsd_source(p: &str) -> String {
    format!(
        "<sca:{p}OpticalResolution><sca:Width>300</sca:Width><sca:Height>300</sca:Height></sca:{p}OpticalResolution>\
         <sca:{p}Resolutions><sca:Widths><sca:Width>300</sca:Width></sca:Widths>\
         <sca:Heights><sca:Height>300</sca:Height></sca:Heights></sca:{p}Resolutions>\
         <sca:{p}Color><sca:ColorEntry>Grayscale8</sca:ColorEntry></sca:{p}Color>\
         <sca:{p}MinimumSize><sca:Width>500</sca:Width><sca:Height>500</sca:Height></sca:{p}MinimumSize>\
         <sca:{p}MaximumSize><sca:Width>8500</sca:Width><sca:Height>11690</sca:Height></sca:{p}MaximumSize>"
    )
}

const WSD_NAMESPACES: &str = "xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" \
xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" \
xmlns:sca=\"http://schemas.microsoft.com/windows/2006/08/wdp/scan\"";

/// A SOAP 1.2 envelope around `body`, answering with `action`.
fn envelope(action: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope {WSD_NAMESPACES}><soap:Header>\
         <wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>\
         <wsa:Action>http://schemas.microsoft.com/windows/2006/08/wdp/scan/{action}</wsa:Action>\
         </soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>"
    )
}

/// A SOAP fault with a WS-Scan subcode, as HTTP 400 (client) or 500.
fn fault(code: &str) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope {WSD_NAMESPACES}><soap:Header>\
         <wsa:Action>http://schemas.xmlsoap.org/ws/2004/08/addressing/fault</wsa:Action>\
         </soap:Header><soap:Body><soap:Fault><soap:Code><soap:Value>soap:{}</soap:Value>\
         <soap:Subcode><soap:Value>sca:{code}</soap:Value></soap:Subcode></soap:Code>\
         <soap:Reason><soap:Text xml:lang=\"en\">{code}</soap:Text></soap:Reason>\
         </soap:Fault></soap:Body></soap:Envelope>",
        if code.starts_with("Client") {
            "Sender"
        } else {
            "Receiver"
        }
    );
    Reply::new(
        if code.starts_with("Client") { 400 } else { 500 },
        "application/soap+xml",
        body.into_bytes(),
    )
}

/// RetrieveImageResponse: XOP/MTOM, the SOAP part first, the image second.
fn retrieved(page: &[u8]) -> Reply {
    const BOUNDARY: &str = "bildgrenze-5b1f";
    let soap = envelope(
        "RetrieveImageResponse",
        "<sca:RetrieveImageResponse><sca:ScanData><xop:Include \
         xmlns:xop=\"http://www.w3.org/2004/08/xop/include\" href=\"cid:seite@mfp\"/>\
         </sca:ScanData></sca:RetrieveImageResponse>",
    );
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"\r\n\
         Content-ID: <antwort@mfp>\r\n\r\n{soap}\r\n--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n\
         Content-Transfer-Encoding: binary\r\nContent-ID: <seite@mfp>\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(page);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Reply::new(
        200,
        &format!(
            "multipart/related; type=\"application/xop+xml\"; boundary=\"{BOUNDARY}\"; \
             start=\"<antwort@mfp>\"; start-info=\"application/soap+xml\""
        ),
        body,
    )
}

/// The text between the first `start` and the `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}
