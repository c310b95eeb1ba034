//! `scanstelle quarantine` (the sealed quarantine: list, take a file out)
//! and `scanstelle key passphrase` (wrap the station key).

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::ExitCode;

use scanstelle::config::Config;

/// Lists the quarantine: number, when, file name, reason.
pub fn list(config: &Config) -> Result<ExitCode> {
    let store = super::open_store(config)?;
    let entries = store.quarantine_entries()?;
    if entries.is_empty() {
        println!("Die Quarantäne ist leer.");
    }
    for q in entries {
        println!(
            "{:>4}  {}  {}  {}  {}\n      {}",
            q.id,
            &q.sha[..12],
            scanstelle::desk::local_time(&q.created_at),
            q.reason_code,
            q.file_name,
            q.reason
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the quarantined file `which` (number or SHA-256 prefix)
/// decrypted into `to`, under its original name; logged.
pub fn export(config: &Config, which: &str, to: &Path, actor: Option<&str>) -> Result<ExitCode> {
    let store = super::open_store(config)?;
    store.set_actor(actor)?;
    let entries = store.quarantine_entries()?;
    let found: Vec<_> = entries
        .iter()
        .filter(|q| q.id.to_string() == which || (which.len() >= 6 && q.sha.starts_with(which)))
        .collect();
    let q = match found.as_slice() {
        [q] => *q,
        [] => bail!("Kein Quarantäne-Eintrag {which:?} (siehe `scanstelle quarantine`)."),
        _ => bail!("{which:?} passt auf mehrere Einträge: bitte die Nummer angeben."),
    };
    if scanstelle::intake::SET_ASIDE_CODES.contains(&q.reason_code.as_str()) {
        bail!(
            "Eintrag {} ist keine gespeicherte Datei: er wurde im Eingangsordner vermerkt \
             und liegt dort ({}).",
            q.id,
            q.reason
        );
    }
    let blobs =
        scanstelle::store::blob::BlobStore::open(config.home.join("blobs"), &config.keys()?)?;
    let name = Path::new(&q.file_name)
        .file_name()
        .map(ToOwned::to_owned)
        .unwrap_or_else(|| format!("quarantaene-{}", q.id).into());
    std::fs::create_dir_all(to).with_context(|| to.display().to_string())?;
    let dest = to.join(name);
    if dest.exists() {
        bail!(
            "{} gibt es schon: bitte einen leeren Ordner angeben.",
            dest.display()
        );
    }
    let mut reader = blobs
        .read_sealed(Path::new(&q.stored_as), q.sha.as_bytes())
        .with_context(|| format!("Quarantäne-Eintrag {}", q.id))?;
    let mut out = std::fs::File::create(&dest).with_context(|| dest.display().to_string())?;
    std::io::copy(&mut reader, &mut out).with_context(|| dest.display().to_string())?;
    store.record_view("quarantine.exported", None, &format!("Eintrag {}", q.id))?;
    println!(
        "Quarantäne-Eintrag {} entschlüsselt: {}",
        q.id,
        dest.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Wraps the station key with a passphrase read from stdin (an empty
/// line stores it unwrapped again).
pub fn passphrase(config: &Config) -> Result<ExitCode> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let new = line.trim_end_matches(['\n', '\r']);
    let path = scanstelle::protect::crypto::set_passphrase(&config.security, &config.home, new)?;
    if new.is_empty() {
        println!(
            "Stationsschlüssel {} ohne Passphrase gespeichert.",
            path.display()
        );
    } else {
        println!(
            "Stationsschlüssel {} mit Passphrase geschützt. Die Station braucht sie künftig bei jedem Start (SCANSTELLE_PASSPHRASE oder [security] passphrase_file).",
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
