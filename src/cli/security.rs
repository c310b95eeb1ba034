//! `scanstelle quarantine` (the sealed quarantine: list, take a file out)
//! and `scanstelle key passphrase` (wrap the station key).

use anyhow::{Result, bail};
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
    let q = entry(&store, which)?;
    let blobs =
        scanstelle::store::blob::BlobStore::open(config.home.join("blobs"), &config.keys()?)?;
    let dest =
        scanstelle::intake::export_quarantined(&blobs, &q, to).map_err(anyhow::Error::msg)?;
    store.record_view("quarantine.exported", None, &format!("Eintrag {}", q.id))?;
    println!(
        "Quarantäne-Eintrag {} entschlüsselt: {}",
        q.id,
        dest.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Puts the quarantined file `which` back into its hot folder (or the
/// first profile's, if that is gone) to be read again; logged.
pub fn retry(config: &Config, which: &str, actor: Option<&str>) -> Result<ExitCode> {
    let mut store = super::open_store(config)?;
    store.set_actor(actor)?;
    let q = entry(&store, which)?;
    let blobs =
        scanstelle::store::blob::BlobStore::open(config.home.join("blobs"), &config.keys()?)?;
    let fallback = config.desk_setup().drop_folder;
    let to = scanstelle::intake::requeue_quarantined(
        &blobs,
        &mut store,
        &q,
        fallback.as_deref(),
        &config.intake.limits,
    )
    .map_err(anyhow::Error::msg)?;
    println!(
        "Quarantäne-Eintrag {} liegt wieder im Eingangsordner: {}\n\
         Die Station liest die Datei beim nächsten Durchgang (`scanstelle watch` oder `process`); \
         ist sie weiter nicht lesbar, kommt sie mit dem Grund von dann wieder in die Quarantäne.",
        q.id,
        to.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The quarantine entry named by number or SHA-256 prefix.
fn entry(
    store: &scanstelle::store::Store,
    which: &str,
) -> Result<scanstelle::store::QuarantineRow> {
    let entries = store.quarantine_entries()?;
    let mut found = entries
        .into_iter()
        .filter(|q| q.id.to_string() == which || (which.len() >= 6 && q.sha.starts_with(which)));
    match (found.next(), found.next()) {
        (Some(q), None) => Ok(q),
        (None, _) => bail!("Kein Quarantäne-Eintrag {which:?} (siehe `scanstelle quarantine`)."),
        (Some(_), Some(_)) => {
            bail!("{which:?} passt auf mehrere Einträge: bitte die Nummer angeben.")
        }
    }
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
