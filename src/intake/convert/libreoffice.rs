//! LibreOffice, headless, as a child process the station keeps on a short
//! leash: a work folder of its own under the station's home (the plain
//! document never lies anywhere else), an empty profile with macros
//! disabled and links never updated, no network namespace where the
//! system allows one, an address-space limit, a deadline, and on the
//! deadline a kill of its whole process group.

use super::{ConvertError, OfficeKind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How Office files are converted (`[intake.office]`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfficeSettings {
    /// The LibreOffice program (a name looked up in `PATH`, or a path).
    pub program: String,
    /// Longest one conversion may take, in seconds.
    pub timeout_secs: u64,
    /// Most an Office file's containers may unpack to, in MB.
    pub unpacked_megabytes: u64,
    /// Most address space LibreOffice may take, in MB.
    pub memory_megabytes: u64,
}

impl Default for OfficeSettings {
    fn default() -> Self {
        Self {
            program: "soffice".into(),
            timeout_secs: 120,
            unpacked_megabytes: 300,
            memory_megabytes: 4_000,
        }
    }
}

impl OfficeSettings {
    /// What is wrong with the settings, in words; `None` if they can be used.
    pub fn problem(&self) -> Option<String> {
        if !(5..=3_600).contains(&self.timeout_secs) {
            return Some(format!(
                "timeout_secs = {}: erlaubt sind 5 bis 3600 Sekunden",
                self.timeout_secs
            ));
        }
        if !(1..=10_000).contains(&self.unpacked_megabytes) {
            return Some(format!(
                "unpacked_megabytes = {}: erlaubt sind 1 bis 10000 MB",
                self.unpacked_megabytes
            ));
        }
        if !(1_000..=64_000).contains(&self.memory_megabytes) {
            return Some(format!(
                "memory_megabytes = {}: erlaubt sind 1000 bis 64000 MB",
                self.memory_megabytes
            ));
        }
        if self.program.trim().is_empty() {
            return Some("program: der Name des LibreOffice-Programms fehlt".into());
        }
        None
    }

    /// The program's full path, if it is installed.
    pub fn installed(&self) -> Option<PathBuf> {
        let p = Path::new(&self.program);
        if p.components().count() > 1 {
            return p.is_file().then(|| p.to_owned());
        }
        std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join(p))
                .find(|c| c.is_file())
        })
    }
}

/// The profile a conversion starts with: macros never run, links and
/// external data never updated, untrusted referer links blocked.
const PROFILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>1</value></prop></item>
</oor:items>
"#;

/// Whether `unshare` can give the child an empty network namespace here
/// (unprivileged user namespaces may be switched off).
fn without_network() -> bool {
    static CAN: OnceLock<bool> = OnceLock::new();
    *CAN.get_or_init(|| {
        Command::new("unshare")
            .args(["--net", "--map-root-user", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Converts an Office file to PDF/A-2b in a fresh folder under `work`
/// (removed afterwards, whatever happens) and returns the PDF.
pub fn to_pdf(
    bytes: &[u8],
    kind: OfficeKind,
    settings: &OfficeSettings,
    work: &Path,
) -> Result<Vec<u8>, ConvertError> {
    let program = settings.installed().ok_or_else(|| ConvertError::Missing {
        program: settings.program.clone(),
    })?;
    let dir = work.join(uuid::Uuid::new_v4().to_string());
    let result = run(bytes, kind, settings, &program, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn failed(kind: OfficeKind, detail: impl Into<String>) -> ConvertError {
    ConvertError::Failed {
        kind: kind.display_name(),
        detail: detail.into(),
    }
}

fn run(
    bytes: &[u8],
    kind: OfficeKind,
    settings: &OfficeSettings,
    program: &Path,
    dir: &Path,
) -> Result<Vec<u8>, ConvertError> {
    let io = |e: std::io::Error| {
        failed(
            kind,
            format!(
                "Arbeitsordner der Umwandlung: {}",
                crate::fsutil::io_words(&e)
            ),
        )
    };
    crate::fsutil::create_dir_all_synced(&dir.join("profile/user")).map_err(io)?;
    // The original lies here in plain form while it is converted: only
    // the station's own account may look.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    std::fs::create_dir_all(dir.join("out")).map_err(io)?;
    std::fs::create_dir_all(dir.join("tmp")).map_err(io)?;
    std::fs::write(dir.join("profile/user/registrymodifications.xcu"), PROFILE).map_err(io)?;
    let input = dir.join(format!("dokument.{}", kind.as_str()));
    let text;
    let content = if kind == OfficeKind::Text {
        text = utf8_text(bytes);
        text.as_bytes()
    } else {
        bytes
    };
    std::fs::write(&input, content).map_err(io)?;
    let filter = if kind.spreadsheet() {
        "calc_pdf_Export"
    } else {
        "writer_pdf_Export"
    };
    // PDF/A-2b, tagged.
    let export = format!(
        "pdf:{filter}:{{\"SelectPdfVersion\":{{\"type\":\"long\",\"value\":\"2\"}},\
         \"UseTaggedPDF\":{{\"type\":\"boolean\",\"value\":\"true\"}}}}"
    );
    let profile_url = format!("file://{}", dir.join("profile").display());
    let mut args: Vec<String> = vec![
        "-env:UserInstallation=".to_owned() + &profile_url,
        "--headless".into(),
        "--invisible".into(),
        "--nologo".into(),
        "--nodefault".into(),
        "--nolockcheck".into(),
        "--norestore".into(),
    ];
    if kind == OfficeKind::Text {
        args.push("--infilter=Text (encoded):UTF8,LF,,,".into());
    }
    args.extend([
        "--convert-to".into(),
        export,
        "--outdir".into(),
        dir.join("out").display().to_string(),
        input.display().to_string(),
    ]);
    // The address-space limit is set by the shell that then becomes
    // LibreOffice; the network namespace by `unshare` around it.
    let limit_kb = settings.memory_megabytes.saturating_mul(1_000);
    let mut cmd = if without_network() {
        let mut c = Command::new("unshare");
        c.args(["--net", "--map-root-user", "--", "sh"]);
        c
    } else {
        Command::new("sh")
    };
    cmd.arg("-c")
        .arg(format!("ulimit -v {limit_kb} && exec \"$0\" \"$@\""))
        .arg(program)
        .args(&args)
        .env("HOME", dir)
        .env("TMPDIR", dir.join("tmp"))
        .env("SAL_USE_VCLPLUGIN", "svp")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let log = std::fs::File::create(dir.join("messages.txt")).map_err(io)?;
    cmd.stderr(log);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().map_err(|e| ConvertError::Missing {
        program: format!("{}: {}", program.display(), crate::fsutil::io_words(&e)),
    })?;
    let group = nix::unistd::Pid::from_raw(child.id() as i32);
    let deadline = Instant::now() + Duration::from_secs(settings.timeout_secs);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(25)),
            Err(_) => break None,
        }
    };
    // Whatever it started goes with it, on the deadline or after.
    let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
    let _ = child.wait();
    let messages = std::fs::read_to_string(dir.join("messages.txt")).unwrap_or_default();
    if !messages.trim().is_empty() {
        tracing::debug!(meldungen = %messages.trim(), "LibreOffice");
    }
    let Some(status) = status else {
        return Err(ConvertError::Timeout {
            secs: settings.timeout_secs,
        });
    };
    let pdf = dir.join("out/dokument.pdf");
    match std::fs::read(&pdf) {
        Ok(b) if b.starts_with(b"%PDF-") => Ok(b),
        _ if !status.success() => Err(failed(
            kind,
            format!(
                "das Programm endete mit Fehler {}",
                status
                    .code()
                    .map_or_else(|| "durch ein Signal".to_owned(), |c| c.to_string())
            ),
        )),
        _ => Err(failed(
            kind,
            "es entstand keine PDF-Datei; das Dokument ist vermutlich beschädigt",
        )),
    }
}

/// Plain text as UTF-8: UTF-8 as it is (without a byte order mark),
/// UTF-16 by its byte order mark, anything else as Windows-1252.
fn utf8_text(bytes: &[u8]) -> String {
    let (text, _) = match encoding_rs::Encoding::for_bom(bytes) {
        Some((enc, bom)) => enc.decode_without_bom_handling(&bytes[bom..]),
        None => match std::str::from_utf8(bytes) {
            Ok(s) => return s.to_owned(),
            Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes),
        },
    };
    text.into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_in_any_usual_encoding_becomes_utf8() {
        assert_eq!(super::utf8_text("Müller".as_bytes()), "Müller");
        assert_eq!(super::utf8_text(b"M\xfcller"), "Müller");
        assert_eq!(super::utf8_text(b"\xEF\xBB\xBFM\xC3\xBCller"), "Müller");
        assert_eq!(super::utf8_text(b"\xFF\xFEM\0\xFC\0"), "Mü");
    }
}
