//! `[dms]`: how the station reaches the DMS, how patiently it retries,
//! and the transport those settings describe.

use super::*;

/// Which exchange mode.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// A shared folder (the default: `<home>/dms/eingang` and `…/antworten`).
    #[default]
    Folder,
    /// WebDAV: PUT + MOVE.
    Webdav,
    /// HTTPS POST to an import endpoint.
    Https,
}

/// `[dms]` in `scanstelle.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DmsSettings {
    /// Exchange mode.
    #[serde(default)]
    pub transport: TransportKind,
    /// Folder mode: where containers go (default `<home>/dms/eingang`).
    pub folder: Option<PathBuf>,
    /// Folder mode: where the DMS writes replies (default `<home>/dms/antworten`).
    pub reply_folder: Option<PathBuf>,
    /// WebDAV collection or HTTPS import endpoint.
    pub url: Option<String>,
    /// Where replies are read over HTTP(S) (a collection URL).
    pub reply_url: Option<String>,
    /// Basic-auth user.
    pub user: Option<String>,
    /// File holding the password (else `SCANSTELLE_DMS_PASSWORD`).
    pub password_file: Option<PathBuf>,
    /// CA bundle (PEM) to trust instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// Client certificate (PEM).
    pub client_cert: Option<PathBuf>,
    /// Client key (PEM).
    pub client_key: Option<PathBuf>,
    /// Time limit of a request in seconds (uploads get more per megabyte).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Slowest upload still accepted, KiB/s (a stalled upload is given up).
    #[serde(default = "default_min_rate")]
    pub min_upload_kib_per_sec: u64,
    /// A batch leaves only when none of its documents changed for this
    /// many seconds (a person may still undo a confirmation).
    #[serde(default = "default_hold")]
    pub hold_secs: u64,
    /// Seconds between sync passes in `watch` and the window.
    #[serde(default = "default_interval")]
    pub interval_secs: u64,
    /// First retry delay; doubles per failure up to `max_backoff_secs`.
    #[serde(default = "default_backoff")]
    pub backoff_secs: u64,
    /// Longest retry delay.
    #[serde(default = "default_max_backoff")]
    pub max_backoff_secs: u64,
    /// Without a receipt (0629) this long after delivery, deliver again.
    #[serde(default = "default_reply_timeout")]
    pub reply_timeout_secs: u64,
    /// Days local copies stay after the DMS confirmed the import.
    #[serde(default = "default_retention")]
    pub retention_days: u64,
    /// Hours between uploads of the audit chain (0623); after a
    /// correction it goes at once.
    #[serde(default = "default_audit_hours")]
    pub audit_upload_hours: u64,
    /// Sender institution.
    #[serde(default = "default_institution")]
    pub institution: String,
    /// Sender unit.
    #[serde(default = "default_unit")]
    pub unit: String,
    /// Largest reply of the DMS read, in megabytes (a receipt is a few
    /// kilobytes; a larger reply is refused unread).
    #[serde(default = "default_reply_megabytes")]
    pub reply_megabytes: u64,
}

fn default_timeout() -> u64 {
    60
}
fn default_min_rate() -> u64 {
    256
}
fn default_hold() -> u64 {
    60
}
fn default_interval() -> u64 {
    30
}
fn default_backoff() -> u64 {
    10
}
fn default_max_backoff() -> u64 {
    900
}
fn default_reply_timeout() -> u64 {
    3600
}
fn default_retention() -> u64 {
    30
}
fn default_audit_hours() -> u64 {
    24
}
fn default_institution() -> String {
    "Jobcenter".into()
}
fn default_unit() -> String {
    "Scanstelle".into()
}
fn default_reply_megabytes() -> u64 {
    MAX_REPLY_BYTES / 1_000_000
}

impl Default for DmsSettings {
    fn default() -> Self {
        // The same defaults as an empty `[dms]` table.
        toml::from_str("").expect("empty DMS settings parse")
    }
}

impl DmsSettings {
    /// What is wrong with the values, in words (`None`: usable).
    pub fn problem(&self) -> Option<String> {
        (!(1..=1_000).contains(&self.reply_megabytes)).then(|| {
            format!(
                "reply_megabytes = {}: erlaubt sind 1 bis 1000",
                self.reply_megabytes
            )
        })
    }

    /// The largest reply read, in bytes.
    pub fn reply_bytes(&self) -> u64 {
        self.reply_megabytes.saturating_mul(1_000_000)
    }
}

impl DmsSettings {
    /// Where the DMS is, in words (the folder or URL), for the window.
    pub fn describe(&self, home: &Path) -> String {
        match self.transport {
            TransportKind::Folder => format!(
                "Ablageordner {}",
                self.folder
                    .clone()
                    .unwrap_or_else(|| home.join("dms").join("eingang"))
                    .display()
            ),
            TransportKind::Webdav => format!("WebDAV {}", self.url.as_deref().unwrap_or("?")),
            TransportKind::Https => format!("HTTPS {}", self.url.as_deref().unwrap_or("?")),
        }
    }
}

/// The transport the settings describe. The folder mode's default folders
/// under `home` are created (a configured share is not: missing means
/// not mounted).
pub fn transport_for(
    settings: &DmsSettings,
    home: &Path,
) -> Result<Box<dyn Transport>, SetupError> {
    match settings.transport {
        TransportKind::Folder => {
            let inbox = match &settings.folder {
                Some(f) => f.clone(),
                None => create(home.join("dms").join("eingang"))?,
            };
            let replies = match &settings.reply_folder {
                Some(f) => f.clone(),
                None => create(home.join("dms").join("antworten"))?,
            };
            Ok(Box::new(
                FolderTransport::new(inbox, replies).reply_limit(settings.reply_bytes()),
            ))
        }
        TransportKind::Webdav | TransportKind::Https => {
            let url = settings
                .url
                .as_deref()
                .ok_or_else(|| SetupError("[dms] url fehlt".into()))?;
            let reply_url = settings
                .reply_url
                .as_deref()
                .ok_or_else(|| SetupError("[dms] reply_url fehlt".into()))?;
            let password = match &settings.password_file {
                Some(p) => Some(
                    std::fs::read_to_string(p)
                        .map_err(|e| SetupError(format!("Passwortdatei {}: {e}", p.display())))?
                        .trim_end_matches(['\r', '\n'])
                        .to_owned(),
                ),
                None => std::env::var("SCANSTELLE_DMS_PASSWORD").ok(),
            };
            let options = HttpOptions {
                user: settings.user.clone(),
                password,
                ca_file: settings.ca_file.clone(),
                client_cert: settings.client_cert.clone(),
                client_key: settings.client_key.clone(),
                timeout: Duration::from_secs(settings.timeout_secs.max(1)),
                min_rate: settings.min_upload_kib_per_sec.max(1) * 1024,
                max_reply: settings.reply_bytes(),
            };
            Ok(Box::new(if settings.transport == TransportKind::Webdav {
                HttpTransport::webdav(url, reply_url, options)?
            } else {
                HttpTransport::post(url, reply_url, options)?
            }))
        }
    }
}

pub(super) fn create(dir: PathBuf) -> Result<PathBuf, SetupError> {
    crate::fsutil::create_dir_all_synced(&dir)
        .map_err(|e| SetupError(format!("Ordner {}: {e}", dir.display())))?;
    Ok(dir)
}
