//! Scanning at the desk through SANE: `scanimage` (sane-utils) runs as a
//! child process with the profile's resolution, mode, source and duplex;
//! each page it finishes (it writes `*.part` and renames) is moved at once
//! into the profile's hot folder, where intake takes it like any scanner
//! file — so a page is safe the moment it is scanned, and a paper jam or an
//! open cover loses nothing that was scanned before it. Scanner errors are
//! reported in words; a scanner that stops answering is given up after a
//! time limit per page.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::intake::profile::Profile;

/// The `[scanner]` section: the desk scanner of this workplace.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerSettings {
    /// SANE device name (`scanstelle scan --list`); none: no desk scanner.
    pub device: Option<String>,
    /// Profile the pages go through (default `sane-test`).
    pub profile: Option<String>,
    /// Scan from the glass instead of the feeder.
    pub flatbed: bool,
    /// Network scanners (eSCL or WSD, through Debian's `sane-airscan`)
    /// fixed by address, name → URL (`"Büro-MFP" = "http://10.0.0.5/eSCL"`,
    /// a WSD one with `, wsd` after the URL); they appear in `scan --list`
    /// as `airscan:e0:NAME` (WSD: `airscan:w0:NAME`) beside those the
    /// backend finds by itself.
    pub airscan: std::collections::BTreeMap<String, String>,
}

/// Writes the station's own SANE configuration when network scanners are
/// fixed by address (`<home>/sane.d`: the system's backends plus
/// `airscan`, and those devices) and returns its folder, for
/// `SANE_CONFIG_DIR`; none when there are none. Refused in words for a
/// name or address that would not be read as one entry.
pub fn sane_config(home: &Path, settings: &ScannerSettings) -> Result<Option<PathBuf>, ScanError> {
    use std::fmt::Write as _;
    if settings.airscan.is_empty() {
        return Ok(None);
    }
    let mut devices = String::from("[devices]\n");
    for (name, url) in &settings.airscan {
        let bad = |c: char| c.is_control() || matches!(c, '"' | ';' | '[' | ']');
        let (address, protocol) = match url.split_once(',') {
            Some((a, p)) => (a.trim(), Some(p.trim())),
            None => (url.trim(), None),
        };
        let ok = !name.trim().is_empty()
            && !name.chars().any(|c| bad(c) || c == '=')
            && (address.starts_with("http://") || address.starts_with("https://"))
            && !address.chars().any(|c| bad(c) || c.is_whitespace())
            && protocol.is_none_or(|p| p == "escl" || p == "wsd");
        if !ok {
            return Err(ScanError::Network(format!(
                "[scanner.airscan] {name:?} = {url:?}: erwartet ein Name ohne Anführungszeichen und eine Adresse wie \"http://10.0.0.5/eSCL\" (bei WSD mit \", wsd\")"
            )));
        }
        let _ = writeln!(
            devices,
            "\"{}\" = {address}, {}",
            name.trim(),
            protocol.unwrap_or("escl")
        );
    }
    let dir = home.join("sane.d");
    let io = |e: std::io::Error| ScanError::Network(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    // The system's backends stay; airscan is added if it is not listed.
    let mut backends = std::fs::read_to_string("/etc/sane.d/dll.conf").unwrap_or_default();
    if !backends.lines().any(|l| l.trim() == "airscan") {
        backends.push_str("\nairscan\n");
    }
    std::fs::write(dir.join("dll.conf"), backends).map_err(io)?;
    // Looking for scanners on the network needs the system's Avahi
    // daemon; without it sane-airscan finds nothing at all, not even the
    // scanners fixed here.
    let discovery = if Path::new("/run/avahi-daemon/socket").exists() {
        "enable"
    } else {
        "disable"
    };
    let _ = write!(devices, "[options]\ndiscovery = {discovery}\n");
    std::fs::write(dir.join("airscan.conf"), devices).map_err(io)?;
    Ok(Some(dir))
}

/// `scanimage`, with the station's own SANE configuration first if it has
/// one (the system's after it).
fn scanimage(sane: Option<&Path>) -> Command {
    let mut cmd = Command::new(SCANIMAGE);
    if let Some(dir) = sane {
        cmd.env("SANE_CONFIG_DIR", format!("{}:", dir.display()));
    }
    cmd
}

/// The program that talks to the scanner.
pub(crate) const SCANIMAGE: &str = "scanimage";

/// A scanner SANE found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// SANE device name (`fujitsu:fi-7160:1234`, `test:0`).
    pub name: String,
    /// Maker, model and kind in words.
    pub description: String,
}

/// Where the paper comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The glass.
    Flatbed,
    /// The document feeder.
    Adf,
}

/// What to scan with.
#[derive(Debug, Clone)]
pub struct ScanJob {
    /// SANE device name.
    pub device: String,
    /// Resolution in dpi.
    pub dpi: u32,
    /// `bilevel`, `gray` or `colour` (profile words).
    pub colour: String,
    /// Flatbed or feeder.
    pub source: Source,
    /// Both sides (feeder only).
    pub duplex: bool,
    /// Further `scanimage` options of the profile (backend specific).
    pub extra: Vec<String>,
    /// A page not finished within this time: the scanner is given up.
    pub page_timeout: Duration,
    /// The station's own SANE configuration ([`sane_config`]), if any.
    pub sane: Option<PathBuf>,
}

impl ScanJob {
    /// The job a profile describes for `device`.
    pub fn from_profile(profile: &Profile, device: &str, source: Source) -> Self {
        Self {
            device: device.to_owned(),
            dpi: profile.scan.dpi,
            colour: profile.scan.colour.clone(),
            source,
            duplex: profile.scan.duplex,
            extra: profile.scan.sane_options.clone(),
            page_timeout: Duration::from_secs(profile.scan.page_timeout_secs.max(1)),
            sane: None,
        }
    }
}

/// How a scan went wrong, in words a person at the desk can act on.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// scanimage is not installed.
    #[error("Das Programm scanimage fehlt (Debian-Paket sane-utils): {0}")]
    NoScanimage(std::io::Error),
    /// The device could not be opened.
    #[error(
        "Scanner {device} nicht gefunden oder belegt: {detail}. Ist er eingeschaltet und angeschlossen? (`scanstelle scan --list`)"
    )]
    Device {
        /// The device.
        device: String,
        /// What SANE said.
        detail: String,
    },
    /// The scanner reported a problem with the paper or itself.
    #[error("{words} ({pages} Seite(n) davor sind übernommen.)")]
    Scanner {
        /// What to do, in words.
        words: String,
        /// Pages delivered before.
        pages: usize,
    },
    /// No page within the time limit.
    #[error(
        "Der Scanner antwortet nicht mehr (keine Seite in {secs} s); abgebrochen. {pages} Seite(n) davor sind übernommen."
    )]
    Stalled {
        /// The time limit.
        secs: u64,
        /// Pages delivered before.
        pages: usize,
    },
    /// The network scanners' configuration cannot be used.
    #[error("Netzwerkscanner: {0}")]
    Network(String),
    /// Not a BG-Nummer.
    #[error("{0:?} ist keine BG-Nummer (erwartet z. B. 12345BG0012345)")]
    Case(String),
    /// A scanned page could not be put into the hot folder.
    #[error("Seite {path} nicht in den Eingangsordner übernommen: {source}")]
    Deliver {
        /// The page file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The scanners SANE finds (`scanimage -L`), with the station's own SANE
/// configuration `sane` if it has one ([`sane_config`]).
pub fn list_devices(sane: Option<&Path>) -> Result<Vec<Device>, ScanError> {
    let out = scanimage(sane)
        .arg("-L")
        .output()
        .map_err(ScanError::NoScanimage)?;
    Ok(parse_devices(&String::from_utf8_lossy(&out.stdout)))
}

/// Reads `scanimage -L` lines: ``device `NAME' is a DESCRIPTION``.
fn parse_devices(text: &str) -> Vec<Device> {
    text.lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("device `")?;
            let (name, description) = rest.split_once("' is a")?;
            Some(Device {
                name: name.to_owned(),
                description: description.trim().to_owned(),
            })
        })
        .collect()
}

/// The values a device offers for `--source`, from `scanimage -A`.
fn sources_of(device: &str, sane: Option<&Path>) -> Vec<String> {
    let Ok(out) = scanimage(sane).args(["-d", device, "-A"]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.trim().strip_prefix("--source "))
        .map(|values| {
            let values = values.split(" [").next().unwrap_or(values);
            values.split('|').map(|v| v.trim().to_owned()).collect()
        })
        .unwrap_or_default()
}

/// The device's name for `source` (and duplex): backends call the feeder
/// "ADF", "Automatic Document Feeder", "ADF Front", "ADF Duplex", …
fn pick_source(offered: &[String], source: Source, duplex: bool) -> Option<String> {
    let is_feeder = |v: &str| {
        let v = v.to_lowercase();
        v.contains("adf") || v.contains("feeder") || v.contains("einzug")
    };
    let find = |want: &dyn Fn(&str) -> bool| offered.iter().find(|v| want(v)).cloned();
    match source {
        Source::Flatbed => find(&|v| v.to_lowercase().contains("flatbed")),
        Source::Adf if duplex => find(&|v| is_feeder(v) && v.to_lowercase().contains("duplex"))
            .or_else(|| find(&is_feeder)),
        Source::Adf => find(&|v| is_feeder(v) && !v.to_lowercase().contains("duplex")),
    }
}

/// The SANE mode for the profile's colour word.
fn mode(colour: &str) -> &'static str {
    match colour {
        "bilevel" | "lineart" => "Lineart",
        "colour" | "color" => "Color",
        _ => "Gray",
    }
}

/// What SANE's message means for the person at the scanner.
fn words_for(stderr: &str) -> Option<String> {
    let s = stderr.to_lowercase();
    let words = if s.contains("jammed") {
        "Papierstau im Einzug: Papier vorsichtig entnehmen, die nicht gescannten Blätter erneut einlegen und weiter scannen."
    } else if s.contains("cover is open") {
        "Die Abdeckung des Scanners ist offen: schließen und erneut scannen."
    } else if s.contains("out of documents") || s.contains("no docs") {
        "Kein Papier im Einzug: Blätter einlegen und erneut scannen."
    } else if s.contains("device busy") {
        "Der Scanner ist belegt (scannt gerade für jemand anderen?): kurz warten und erneut scannen."
    } else if s.contains("access to resource has been denied") || s.contains("access denied") {
        "Kein Zugriff auf den Scanner: der Benutzer braucht die Gruppe scanner."
    } else if s.contains("error during device i/o") {
        "Übertragungsfehler vom Scanner: Kabel prüfen, Scanner aus- und einschalten."
    } else {
        return None;
    };
    Some(words.to_owned())
}

/// A file put into the hot folder just before the first page (a cover
/// sheet that assigns the pages to a case); none if no page comes.
#[derive(Debug, Clone)]
struct Lead {
    /// Its file name.
    name: String,
    /// Its bytes.
    bytes: Vec<u8>,
}

/// Scans into `hot_folder`: each finished page is moved there at once (as
/// `<prefix>-NNNN.tif`, after `lead` if given) and reported to `page`.
/// Returns the pages delivered; an error says how many were delivered
/// before it.
fn scan(
    job: &ScanJob,
    work: &Path,
    hot_folder: &Path,
    prefix: &str,
    lead: Option<&Lead>,
    mut page: impl FnMut(usize, &Path),
) -> Result<Vec<PathBuf>, ScanError> {
    let deliver_err = |path: &Path| {
        let path = path.to_owned();
        move |source| ScanError::Deliver { path, source }
    };
    std::fs::create_dir_all(work).map_err(deliver_err(work))?;
    std::fs::create_dir_all(hot_folder).map_err(deliver_err(hot_folder))?;
    let mut cmd = scanimage(job.sane.as_deref());
    cmd.args(["-d", &job.device])
        .arg("--format=tiff")
        .arg(format!("--batch={}", work.join("page-%04d.tif").display()))
        .arg("--batch-print")
        .arg(format!("--resolution={}", job.dpi))
        .arg(format!("--mode={}", mode(&job.colour)));
    if let Some(source) = pick_source(
        &sources_of(&job.device, job.sane.as_deref()),
        job.source,
        job.duplex,
    ) {
        cmd.arg(format!("--source={source}"));
    }
    if job.source == Source::Flatbed {
        cmd.arg("--batch-count=1");
    }
    cmd.args(&job.extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(ScanError::NoScanimage)?;
    // Pages as scanimage finishes them, and its messages, on threads of
    // their own so that a silent scanner can be timed out.
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().expect("piped");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut delivered = Vec::new();
    let stalled = loop {
        match rx.recv_timeout(job.page_timeout) {
            Ok(line) => {
                let file = PathBuf::from(line.trim());
                if !file.is_file() {
                    continue;
                }
                let n = delivered.len() + 1;
                if let (1, Some(lead)) = (n, lead) {
                    let path = hot_folder.join(&lead.name);
                    let staged = work.join(format!("lead-{}", lead.name));
                    std::fs::write(&staged, &lead.bytes)
                        .and_then(|()| move_durably(&staged, &path))
                        .map_err(deliver_err(&path))?;
                }
                let dest = hot_folder.join(format!("{prefix}-{n:04}.tif"));
                move_durably(&file, &dest).map_err(deliver_err(&file))?;
                page(n, &dest);
                delivered.push(dest);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break false,
            Err(mpsc::RecvTimeoutError::Timeout) => break true,
        }
    };
    if stalled {
        let _ = child.kill();
    }
    let status = child.wait().map_err(ScanError::NoScanimage)?;
    let messages = errors.join().unwrap_or_default();
    // What scanimage left half-written is not a page.
    if let Ok(rest) = std::fs::read_dir(work) {
        for e in rest.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
    if stalled {
        return Err(ScanError::Stalled {
            secs: job.page_timeout.as_secs(),
            pages: delivered.len(),
        });
    }
    if messages.contains("open of device") {
        return Err(ScanError::Device {
            device: job.device.clone(),
            detail: messages
                .lines()
                .find(|l| l.contains("open of device"))
                .unwrap_or_default()
                .trim()
                .to_owned(),
        });
    }
    // A feeder running empty ends a feeder scan normally.
    let empty_after_pages =
        !delivered.is_empty() && messages.to_lowercase().contains("out of documents");
    if !status.success() || (delivered.is_empty() && !empty_after_pages) {
        let words = words_for(&messages).unwrap_or_else(|| {
            format!(
                "Der Scan ist fehlgeschlagen: {}",
                messages
                    .lines()
                    .rfind(|l| l.starts_with("scanimage:"))
                    .unwrap_or("scanimage meldet einen Fehler")
            )
        });
        return Err(ScanError::Scanner {
            words,
            pages: delivered.len(),
        });
    }
    Ok(delivered)
}

/// Scans with `job` into `profile`'s hot folder under `home`, led by a
/// cover sheet for `case` if given (so the pages become that case's
/// document); `page` hears of each page delivered.
pub fn scan_into(
    job: &ScanJob,
    profile: &Profile,
    home: &Path,
    case: Option<&str>,
    page: impl FnMut(usize, &Path),
) -> Result<Vec<PathBuf>, ScanError> {
    let folder = profile.hot_folder_path(home);
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    let prefix = format!("scan-{stamp}");
    let work = folder.join(format!(".{prefix}"));
    let lead = match case {
        Some(c) => {
            let bg = crate::prepare::separation::normalize_bg(c)
                .ok_or_else(|| ScanError::Case(c.to_owned()))?;
            let sheet = crate::prepare::separation::CoverSheet {
                bg,
                doc_type: None,
                pages: None,
            };
            Some(Lead {
                name: format!("{prefix}-0000-deckblatt.pdf"),
                bytes: crate::prepare::coversheet::cover_sheet_pdf(&sheet).map_err(|e| {
                    ScanError::Deliver {
                        path: folder.clone(),
                        source: std::io::Error::other(e),
                    }
                })?,
            })
        }
        None => None,
    };
    let result = scan(job, &work, &folder, &prefix, lead.as_ref(), page);
    let _ = std::fs::remove_dir(&work);
    result
}

/// Moves a finished page into the hot folder so that intake sees it whole:
/// copied under a hidden name the profiles ignore, flushed, renamed.
fn move_durably(from: &Path, to: &Path) -> std::io::Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let dir = to.parent().expect("hot folder");
    let tmp = dir.join(format!(
        ".{}.part",
        to.file_name().expect("page name").to_string_lossy()
    ));
    std::fs::copy(from, &tmp)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, to)?;
    crate::fsutil::sync_dir(dir)?;
    std::fs::remove_file(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_sources_are_read_as_backends_name_them() {
        let d = parse_devices(
            "device `test:0' is a Noname frontend-tester virtual device\ndevice `fujitsu:fi-7160:1' is a FUJITSU fi-7160 scanner\n",
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].name, "fujitsu:fi-7160:1");
        let fujitsu: Vec<String> = ["Flatbed", "ADF Front", "ADF Back", "ADF Duplex"]
            .map(String::from)
            .into();
        assert_eq!(
            pick_source(&fujitsu, Source::Adf, true).as_deref(),
            Some("ADF Duplex")
        );
        assert_eq!(
            pick_source(&fujitsu, Source::Adf, false).as_deref(),
            Some("ADF Front")
        );
        let test: Vec<String> = ["Flatbed", "Automatic Document Feeder"]
            .map(String::from)
            .into();
        assert_eq!(
            pick_source(&test, Source::Adf, true).as_deref(),
            Some("Automatic Document Feeder")
        );
        assert_eq!(
            pick_source(&test, Source::Flatbed, false).as_deref(),
            Some("Flatbed")
        );
        assert!(
            words_for("scanimage: sane_read: Document feeder jammed")
                .unwrap()
                .contains("Papierstau")
        );
    }
}
