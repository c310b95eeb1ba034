//! Station configuration: one TOML file, `scanstelle.toml`.
//!
//! Looked up at `--config`, else in the platform config directory
//! (`$XDG_CONFIG_HOME/scanstelle/scanstelle.toml`). A missing file means
//! the embedded defaults: built-in profiles, data in the platform data
//! directory (`$XDG_DATA_HOME/scanstelle`), overridable with `--home`.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::intake::profile::{Profile, ProfileError, load_profiles};

/// The file as written by an administrator.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Station home (database, blobs, quarantine, default hot folders).
    pub home: Option<PathBuf>,
    /// Directories with additional scanner profiles (`*.toml`).
    #[serde(default)]
    pub profile_dirs: Vec<PathBuf>,
    /// Names of the profiles whose hot folders are watched; empty: all.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Intake tuning.
    #[serde(default)]
    pub intake: IntakeSettings,
    /// Text recognition: languages, per-page deadline.
    #[serde(default)]
    pub ocr: crate::ocr::OcrSettings,
    /// Case finding: identifier patterns, labels, thresholds.
    #[serde(default)]
    pub cases: crate::classify::casefind::CaseSettings,
    /// Document types: rules file, threshold.
    #[serde(default)]
    pub types: crate::classify::TypeSettings,
    /// The central DMS: transport, addresses, retries, retention.
    #[serde(default)]
    pub dms: crate::sync::DmsSettings,
    /// Encryption at rest: key file, passphrase.
    #[serde(default)]
    pub security: crate::protect::crypto::SecuritySettings,
    /// Quality control: sample share, four-eyes release.
    #[serde(default)]
    pub qa: crate::protect::qa::QaSettings,
    /// The desk scanner of this workplace.
    #[serde(default)]
    pub scanner: crate::intake::scan::ScannerSettings,
    /// The letter to the people whose papers these are.
    #[serde(default)]
    pub letter: crate::protect::letter::LetterSettings,
    /// The paper originals after scanning.
    #[serde(default)]
    pub originals: crate::protect::originals::OriginalsSettings,
}

/// Intake tuning.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IntakeSettings {
    /// A file that cannot be read is quarantined only once it has not
    /// changed for this long; before that it is retried (it may still be
    /// being written with long pauses).
    #[serde(default = "default_quarantine_after")]
    pub quarantine_after_secs: u64,
    /// Full re-listing of event-driven hot folders, as a safety net.
    #[serde(default = "default_rescan")]
    pub rescan_secs: u64,
    /// How much one file and each of its pages may take (`[intake.limits]`).
    #[serde(default)]
    pub limits: crate::intake::decode::Limits,
    /// How Office files are converted (`[intake.office]`).
    #[serde(default)]
    pub office: crate::intake::convert::OfficeSettings,
}

fn default_quarantine_after() -> u64 {
    30
}
fn default_rescan() -> u64 {
    30
}

impl Default for IntakeSettings {
    fn default() -> Self {
        Self {
            quarantine_after_secs: default_quarantine_after(),
            rescan_secs: default_rescan(),
            limits: Default::default(),
            office: Default::default(),
        }
    }
}

/// A configuration error, with the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("Konfiguration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("Konfiguration {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A profile could not be loaded.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A configured profile does not exist.
    #[error("Konfiguration: Scannerprofil {0:?} gibt es nicht (vorhanden: {1})")]
    UnknownProfile(String, String),
    /// No home directory could be determined.
    #[error("Kein Datenverzeichnis bestimmbar: bitte --home angeben")]
    NoHome,
    /// Automatic letters without what a letter must say.
    #[error(
        "Konfiguration: [letter] automatic braucht im Abschnitt [letter] auch: {}",
        .0.join(", ")
    )]
    LetterIncomplete(Vec<&'static str>),
}

/// The resolved configuration the station runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Station home.
    pub home: PathBuf,
    /// The file it was read from, if any.
    pub source: Option<PathBuf>,
    /// Active profiles.
    pub profiles: Vec<Profile>,
    /// Intake tuning.
    pub intake: IntakeSettings,
    /// Classification settings.
    pub classify: crate::classify::ClassifySettings,
    /// The central DMS.
    pub dms: crate::sync::DmsSettings,
    /// Encryption at rest.
    pub security: crate::protect::crypto::SecuritySettings,
    /// Quality control.
    pub qa: crate::protect::qa::QaSettings,
    /// The desk scanner.
    pub scanner: crate::intake::scan::ScannerSettings,
    /// Text recognition.
    pub ocr: crate::ocr::OcrSettings,
    /// The letter to the people whose papers these are.
    pub letter: crate::protect::letter::LetterSettings,
    /// The paper originals after scanning.
    pub originals: crate::protect::originals::OriginalsSettings,
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("de", "Scanstelle", "scanstelle")
}

/// Default location of `scanstelle.toml`.
pub(crate) fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("scanstelle.toml"))
}

impl Config {
    /// The syncer this configuration describes, sending as `user`.
    pub fn syncer(&self, user: &str) -> Result<crate::sync::Syncer, crate::sync::SyncError> {
        let transport = crate::sync::transport_for(&self.dms, &self.home)?;
        let rules = crate::classify::Classifier::new(&self.classify)
            .map(|c| c.rules().clone())
            .map_err(|e| crate::sync::SetupError(e.to_string()))?;
        let mut syncer =
            crate::sync::Syncer::new(transport, self.dms.clone(), rules, &self.home, user)?
                .with_qa(self.qa.clone())
                .with_config_sha256(self.fingerprint());
        if self.letter.automatic != crate::protect::letter::Automatic::Off
            && let Some(profile) = self.profiles.first()
        {
            syncer = syncer.with_letters(crate::sync::LetterJob {
                settings: self.letter.clone(),
                originals: self.originals.clone(),
                hot_folder: profile.hot_folder_path(&self.home),
            });
        }
        Ok(syncer)
    }

    /// Loads the configuration: `config` (or the default path, if it
    /// exists), with `home` overriding the file's home.
    pub fn load(config: Option<&Path>, home: Option<&Path>) -> Result<Self, ConfigError> {
        let (file, source) = match config {
            Some(p) => (read_file(p)?, Some(p.to_owned())),
            None => match default_config_path().filter(|p| p.is_file()) {
                Some(p) => (read_file(&p)?, Some(p)),
                None => (ConfigFile::default(), None),
            },
        };
        let home = match home.map(Path::to_owned).or(file.home.clone()) {
            Some(h) => h,
            None => project_dirs()
                .map(|d| d.data_dir().to_owned())
                .ok_or(ConfigError::NoHome)?,
        };
        Self::from_file(file, home, source)
    }

    /// Resolves a parsed file with a given home.
    pub fn from_file(
        file: ConfigFile,
        home: PathBuf,
        source: Option<PathBuf>,
    ) -> Result<Self, ConfigError> {
        let missing = file.letter.missing();
        if file.letter.automatic != crate::protect::letter::Automatic::Off && !missing.is_empty() {
            return Err(ConfigError::LetterIncomplete(missing));
        }
        let mut dirs = file.profile_dirs.clone();
        if let Some(d) = project_dirs() {
            dirs.insert(0, d.config_dir().join("scanner-profiles"));
        }
        let mut profiles = load_profiles(&dirs)?;
        if !file.profiles.is_empty() {
            let known: Vec<String> = profiles.iter().map(|p| p.name.clone()).collect();
            for wanted in &file.profiles {
                if !known.contains(wanted) {
                    return Err(ConfigError::UnknownProfile(
                        wanted.clone(),
                        known.join(", "),
                    ));
                }
            }
            profiles.retain(|p| file.profiles.contains(&p.name));
        }
        Ok(Self {
            home,
            source,
            profiles,
            intake: file.intake,
            classify: crate::classify::ClassifySettings {
                cases: file.cases,
                types: file.types,
            },
            dms: file.dms,
            security: file.security,
            qa: file.qa,
            letter: file.letter,
            originals: file.originals,
            scanner: file.scanner,
            ocr: file.ocr,
        })
    }

    /// SHA-256 over the settings that shape what the station produces
    /// (intake, classification, DMS, quality control) and the software
    /// version: the transfer note names it, so two documents handled under
    /// different settings can be told apart. Profiles have their own hash.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let text = format!(
            "scanstelle {}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            env!("CARGO_PKG_VERSION"),
            self.intake,
            self.classify,
            self.dms,
            self.qa,
            self.profiles.iter().map(|p| &p.name).collect::<Vec<_>>()
        );
        hex::encode(Sha256::digest(text.as_bytes()))
    }

    /// The station's keys (read once per process, made for a new home).
    pub fn keys(&self) -> Result<crate::protect::crypto::Keys, crate::protect::crypto::KeyError> {
        crate::protect::crypto::Keys::load(&self.security, &self.home)
    }

    /// What the window's station needs ([`crate::desk::Desk::open`]).
    pub fn desk_setup(&self) -> crate::desk::DeskSetup {
        // The desk scan's profile, also without a configured device: the
        // window offers the scanners SANE finds.
        let scanner = {
            let name = self.scanner.profile.as_deref().unwrap_or("sane-test");
            self.profile(name).map(|profile| {
                let source = if self.scanner.flatbed {
                    crate::intake::scan::Source::Flatbed
                } else {
                    crate::intake::scan::Source::Adf
                };
                let device = self.scanner.device.clone().unwrap_or_default();
                let mut job = crate::intake::scan::ScanJob::from_profile(profile, &device, source);
                // Network scanners fixed by address; a bad entry is said
                // by `scan --list` and leaves the window with SANE's own.
                job.sane = crate::intake::scan::sane_config(&self.home, &self.scanner)
                    .unwrap_or_else(|e| {
                        tracing::warn!(fehler = %e, "Netzwerkscanner nicht eingerichtet");
                        None
                    });
                (job, profile.clone())
            })
        };
        crate::desk::DeskSetup {
            home: self.home.clone(),
            classify: self.classify.clone(),
            drop_folder: self.profiles.first().map(|p| p.hot_folder_path(&self.home)),
            limits: self.intake.limits,
            letter: self.letter.clone(),
            originals: self.originals.clone(),
            dms: self.dms.describe(&self.home),
            qa: self.qa.clone(),
            scanner,
        }
    }

    /// Opens the window's station with this configuration and its keys.
    pub fn open_desk(&self) -> crate::desk::Result<crate::desk::Desk> {
        let keys = self.keys().map_err(|e| crate::desk::DeskError::Blob {
            sha: String::new(),
            detail: e.to_string(),
        })?;
        crate::desk::Desk::open(self.desk_setup(), &keys)
    }

    /// The profile with this name.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// How long an unreadable file must stay unchanged before quarantine.
    pub fn quarantine_after(&self) -> Duration {
        Duration::from_secs(self.intake.quarantine_after_secs)
    }
}

fn read_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let problems = [
        ("[intake.limits]", file.intake.limits.problem()),
        ("[intake.office]", file.intake.office.problem()),
        ("[cases.register]", file.cases.register.problem()),
        ("[dms]", file.dms.problem()),
    ];
    if let Some((table, Some(problem))) = problems.into_iter().find(|(_, p)| p.is_some()) {
        return Err(ConfigError::Parse {
            path: path.to_owned(),
            message: format!("{table} {problem}"),
        });
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_selects_profiles_and_home_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("scanstelle.toml");
        std::fs::write(
            &cfg,
            "home = \"/nowhere\"\nprofiles = [\"sane-test\"]\n[intake]\nquarantine_after_secs = 5\n",
        )
        .unwrap();
        let c = Config::load(Some(&cfg), Some(dir.path())).unwrap();
        assert_eq!(c.home, dir.path());
        assert_eq!(c.profiles.len(), 1);
        assert_eq!(c.quarantine_after(), Duration::from_secs(5));
    }

    #[test]
    fn intake_limits_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("scanstelle.toml");
        std::fs::write(&cfg, "[intake.limits]\nfile_pages = 300\n").unwrap();
        let c = Config::load(Some(&cfg), Some(dir.path())).unwrap();
        assert_eq!(c.intake.limits.file_pages, 300);
        assert_eq!(
            c.intake.limits.page_megabytes,
            crate::intake::decode::Limits::default().page_megabytes
        );
        std::fs::write(&cfg, "[intake.limits]\npage_megabytes = 0\n").unwrap();
        let err = Config::load(Some(&cfg), None).unwrap_err().to_string();
        assert!(
            err.contains("page_megabytes") && err.contains("erlaubt"),
            "{err}"
        );
        std::fs::write(&cfg, "[intake.limits]\nseiten = 3\n").unwrap();
        let err = Config::load(Some(&cfg), None).unwrap_err().to_string();
        assert!(err.contains("seiten"), "{err}");
    }

    #[test]
    fn register_and_reply_limits_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("scanstelle.toml");
        std::fs::write(
            &cfg,
            "[cases.register]\nmegabytes = 20\n[dms]\nreply_megabytes = 16\n",
        )
        .unwrap();
        let c = Config::load(Some(&cfg), Some(dir.path())).unwrap();
        assert_eq!(c.classify.cases.register.megabytes, 20);
        assert_eq!(
            c.classify.cases.register.field_chars,
            crate::classify::register::MAX_FIELD_CHARS
        );
        assert_eq!(c.dms.reply_bytes(), 16_000_000);
        let c = Config::load(None, Some(dir.path())).unwrap();
        assert_eq!(c.dms.reply_bytes(), crate::sync::MAX_REPLY_BYTES);
        for (text, key) in [
            (
                "[cases.register]\nfield_chars = 0\n",
                "[cases.register] field_chars = 0",
            ),
            ("[dms]\nreply_megabytes = 0\n", "[dms] reply_megabytes = 0"),
        ] {
            std::fs::write(&cfg, text).unwrap();
            let err = Config::load(Some(&cfg), None).unwrap_err().to_string();
            assert!(err.contains(key) && err.contains("erlaubt"), "{err}");
        }
    }

    #[test]
    fn unknown_keys_and_profiles_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("scanstelle.toml");
        std::fs::write(&cfg, "hoem = \"/x\"\n").unwrap();
        let err = Config::load(Some(&cfg), None).unwrap_err();
        assert!(err.to_string().contains("hoem"), "{err}");
        std::fs::write(&cfg, "profiles = [\"gibtsnicht\"]\n").unwrap();
        let err = Config::load(Some(&cfg), Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("gibtsnicht"), "{err}");
    }
}
