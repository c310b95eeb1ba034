//! Scanner profiles: how a scanner delivers its files and what happens to them.
//!
//! A profile is a TOML file (`scanner-profiles/*.toml`). The ones shipped in
//! the repository are compiled into the binary, so a fresh station works
//! without any file on disk; profiles found in configured directories
//! replace built-in ones of the same name.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::store::Grouping;

/// Profiles compiled into the binary.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    (
        "fujitsu-fi-g4.toml",
        include_str!("../../scanner-profiles/fujitsu-fi-g4.toml"),
    ),
    (
        "desk-mfp-pdf.toml",
        include_str!("../../scanner-profiles/desk-mfp-pdf.toml"),
    ),
    (
        "sane-test.toml",
        include_str!("../../scanner-profiles/sane-test.toml"),
    ),
];

/// A scanner profile.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Unique name, used in the database and on the command line.
    pub name: String,
    /// Description for people.
    #[serde(default)]
    pub description: String,
    /// Where and how files arrive.
    pub hot_folder: HotFolder,
    /// What the scanner is set up to deliver.
    #[serde(default)]
    pub scan: ScanSettings,
    /// How files become batches.
    #[serde(default)]
    pub batching: Batching,
    /// Which later processing steps apply.
    #[serde(default)]
    pub steps: Steps,
    /// SHA-256 of the profile's text as loaded (recorded with every file
    /// taken through it, for the transfer note).
    #[serde(skip)]
    pub sha256: String,
}

/// How file arrival is noticed.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum WatchMode {
    /// Kernel file events (local disks).
    #[default]
    Inotify,
    /// Periodic listing (SMB/NFS shares deliver no events).
    Poll,
}

/// The hot folder of a profile.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HotFolder {
    /// Folder path; relative paths are below the station home.
    pub path: PathBuf,
    /// Whether subfolders are watched too.
    #[serde(default)]
    pub recursive: bool,
    /// Event or polling mode.
    #[serde(default)]
    pub watch: WatchMode,
    /// Listing interval in polling mode.
    #[serde(default = "default_poll_ms")]
    pub poll_interval_ms: u64,
    /// How long size and mtime must stay unchanged before a file is taken.
    #[serde(default = "default_settle_ms")]
    pub settle_ms: u64,
    /// File-name patterns (`*`, `?`) that are never taken.
    #[serde(default = "default_ignore")]
    pub ignore: Vec<String>,
}

fn default_poll_ms() -> u64 {
    2000
}
fn default_settle_ms() -> u64 {
    2000
}
fn default_ignore() -> Vec<String> {
    ["*.tmp", "*.part", "~*", ".*"].map(String::from).to_vec()
}

/// Expected scanner settings (checked by later stages).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScanSettings {
    /// Resolution in dpi.
    pub dpi: u32,
    /// `bilevel`, `gray` or `colour`.
    pub colour: String,
    /// Whether backsides are scanned.
    pub duplex: bool,
    /// Paper size name (`A4`, `A3`, `letter`).
    pub paper: String,
    /// Further options for `scanimage` when scanning at the desk through
    /// this profile (backend specific, e.g. `--test-picture=Grid`).
    #[serde(default)]
    pub sane_options: Vec<String>,
    /// Seconds a page may take before the scanner is given up as not
    /// answering (slow flatbeds at high resolution need more).
    #[serde(default = "default_page_timeout")]
    pub page_timeout_secs: u64,
}

fn default_page_timeout() -> u64 {
    120
}

impl Default for ScanSettings {
    fn default() -> Self {
        Self {
            dpi: 300,
            colour: "gray".into(),
            duplex: false,
            paper: "A4".into(),
            sane_options: Vec::new(),
            page_timeout_secs: default_page_timeout(),
        }
    }
}

/// How files are grouped into batches.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Batching {
    /// `per-file` or `window`.
    pub mode: BatchingMode,
    /// For `window`: files within this many seconds of the previous one join its batch.
    #[serde(default = "default_window")]
    pub window_secs: u64,
}

fn default_window() -> u64 {
    60
}

impl Default for Batching {
    fn default() -> Self {
        Self {
            mode: BatchingMode::PerFile,
            window_secs: default_window(),
        }
    }
}

/// Batching mode.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum BatchingMode {
    /// One file, one batch.
    PerFile,
    /// Files within a time window form one batch.
    Window,
}

/// Which processing steps apply (used by the later pipeline stages).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Steps {
    /// Detect and correct 90/180/270° rotation.
    #[serde(default = "yes")]
    pub orientation: bool,
    /// Straighten skewed pages.
    #[serde(default = "yes")]
    pub deskew: bool,
    /// Set blank backsides aside as blank pages (`false`: keep them as
    /// pages of their document). Either way a page that shows no text is
    /// not given to OCR.
    #[serde(default = "yes")]
    pub blank_pages: bool,
    /// A page with less ink than this share of its area (margins excluded) is blank.
    #[serde(default = "default_blank_threshold")]
    pub blank_ink_threshold: f64,
    /// Separator sheets: `none`, or any of `patch-t`, `patch-2`, `patch-3`
    /// (comma-separated).
    #[serde(default = "default_separation")]
    pub separation: String,
    /// A page with an ASN barcode starts a new document.
    #[serde(default)]
    pub asn_split: bool,
    /// Read cover-sheet barcodes.
    #[serde(default = "yes")]
    pub barcodes: bool,
    /// Without separator sheets, split every this many pages (0: one document per file).
    #[serde(default)]
    pub split_every: u32,
    /// Run OCR.
    #[serde(default = "yes")]
    pub ocr: bool,
}

fn yes() -> bool {
    true
}
fn default_blank_threshold() -> f64 {
    0.0005
}
fn default_separation() -> String {
    "none".into()
}

impl Default for Steps {
    fn default() -> Self {
        Self {
            orientation: true,
            deskew: true,
            blank_pages: true,
            blank_ink_threshold: default_blank_threshold(),
            separation: default_separation(),
            asn_split: false,
            barcodes: true,
            split_every: 0,
            ocr: true,
        }
    }
}

/// A profile file that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("Scannerprofil {origin}: {message}")]
pub struct ProfileError {
    /// File or built-in name.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

impl Profile {
    /// Parses a profile from TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let mut p: Profile = toml::from_str(text).map_err(|e| ProfileError {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        p.sha256 = crate::store::blob::Sha256Hex::of(text.as_bytes()).to_string();
        p.validate().map_err(|message| ProfileError {
            origin: origin.to_owned(),
            message,
        })?;
        Ok(p)
    }

    fn validate(&self) -> Result<(), String> {
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!(
                "Name {:?} ungültig: nur Buchstaben, Ziffern, - und _",
                self.name
            ));
        }
        if self.hot_folder.settle_ms == 0 || self.hot_folder.poll_interval_ms == 0 {
            return Err("settle_ms und poll_interval_ms müssen größer als 0 sein".into());
        }
        if !(0.0..0.1).contains(&self.steps.blank_ink_threshold) {
            return Err("blank_ink_threshold muss zwischen 0 und 0.1 liegen".into());
        }
        crate::prepare::separation::SplitRule::from_separation(&self.steps.separation)
            .map_err(|e| e.to_string())?;
        if !["bilevel", "gray", "colour"].contains(&self.scan.colour.as_str()) {
            return Err(format!(
                "colour {:?} unbekannt (bilevel, gray, colour)",
                self.scan.colour
            ));
        }
        Ok(())
    }

    /// The hot folder, resolved against the station home.
    pub fn hot_folder_path(&self, home: &Path) -> PathBuf {
        if self.hot_folder.path.is_absolute() {
            self.hot_folder.path.clone()
        } else {
            home.join(&self.hot_folder.path)
        }
    }

    /// Time a file must stay unchanged.
    pub fn settle(&self) -> Duration {
        Duration::from_millis(self.hot_folder.settle_ms)
    }

    /// Batch grouping for the store.
    pub fn grouping(&self) -> Grouping {
        match self.batching.mode {
            BatchingMode::PerFile => Grouping::PerFile,
            BatchingMode::Window => {
                Grouping::Window(Duration::from_secs(self.batching.window_secs))
            }
        }
    }

    /// Whether a file name is excluded by the ignore patterns.
    pub fn ignores(&self, file_name: &str) -> bool {
        self.hot_folder
            .ignore
            .iter()
            .any(|p| wildcard_match(p, file_name))
    }
}

/// Loads the built-in profiles, then those in `dirs` (later ones replace
/// earlier ones of the same name). Sorted by name.
pub(crate) fn load_profiles(dirs: &[PathBuf]) -> Result<Vec<Profile>, ProfileError> {
    let mut profiles: Vec<Profile> = BUILTIN
        .iter()
        .map(|(name, text)| Profile::from_toml(text, &format!("(eingebaut) {name}")))
        .collect::<Result<_, _>>()?;
    for dir in dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(ProfileError {
                    origin: dir.display().to_string(),
                    message: e.to_string(),
                });
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| ProfileError {
                origin: f.display().to_string(),
                message: e.to_string(),
            })?;
            let p = Profile::from_toml(&text, &f.display().to_string())?;
            profiles.retain(|q| q.name != p.name);
            profiles.push(p);
        }
    }
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(profiles)
}

/// Matches `*` (any run) and `?` (one character) against a whole name.
pub(crate) fn wildcard_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_load() {
        let ps = load_profiles(&[]).unwrap();
        let names: Vec<&str> = ps.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["desk-mfp-pdf", "fujitsu-fi-g4", "sane-test"]);
        let mfp = ps.iter().find(|p| p.name == "desk-mfp-pdf").unwrap();
        assert_eq!(mfp.hot_folder.watch, WatchMode::Poll);
        let sane = ps.iter().find(|p| p.name == "sane-test").unwrap();
        assert_eq!(sane.grouping(), Grouping::Window(Duration::from_secs(20)));
    }

    #[test]
    fn bad_profiles_are_refused_with_the_reason() {
        let err = Profile::from_toml("name = \"x y\"\n[hot_folder]\npath = \"a\"\n", "t.toml")
            .unwrap_err();
        assert!(err.to_string().contains("ungültig"), "{err}");
        let err = Profile::from_toml(
            "name = \"x\"\n[hot_folder]\npath = \"a\"\nbogus = 1\n",
            "t.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*.tmp", "scan001.tif.tmp"));
        assert!(!wildcard_match("*.tmp", "scan001.tif"));
        assert!(wildcard_match(".*", ".hidden"));
        assert!(wildcard_match("~*", "~lock"));
        assert!(wildcard_match("scan?.tif", "scan1.tif"));
        assert!(!wildcard_match("scan?.tif", "scan12.tif"));
        assert!(wildcard_match("*", ""));
    }
}
