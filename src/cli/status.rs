//! `status`: batches, pages and documents per state, quarantine and backlog;
//! `db`: the database checked, backed up online, restored.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use scanstelle::config::Config;
use scanstelle::store::StoreStatus;

use super::open_store;

/// Files waiting in the hot folders of every profile.
pub(crate) fn backlog(config: &Config) -> u64 {
    fn count(dir: &Path, p: &scanstelle::intake::profile::Profile) -> u64 {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                match e.file_type() {
                    Ok(t) if t.is_dir() && p.hot_folder.recursive => count(&e.path(), p),
                    Ok(t) if t.is_file() && !p.ignores(&name) => 1,
                    _ => 0,
                }
            })
            .sum()
    }
    config
        .profiles
        .iter()
        .map(|p| count(&p.hot_folder_path(&config.home), p))
        .sum()
}

pub(crate) fn status(config: &Config, as_json: bool) -> Result<ExitCode> {
    // Status only reads: it must work while `watch` holds the station lock.
    let store = open_store(config)?;
    let s = store.status()?;
    let waiting = backlog(config);
    if as_json {
        println!("{}", status_json(&s, waiting));
    } else {
        print_status(&config.home, &s, waiting);
        super::intake::print_failed(&store)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn status_json(s: &StoreStatus, backlog: u64) -> String {
    fn obj<T: std::fmt::Display>(items: &[(T, u64)]) -> String {
        let inner: Vec<String> = items.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", inner.join(","))
    }
    format!(
        "{{\"batches\":{},\"pages\":{},\"documents\":{},\"sources_pending\":{},\"quarantined\":{},\"backlog\":{}}}",
        obj(&s.batches),
        obj(&s.pages),
        obj(&s.documents),
        s.sources_pending,
        s.quarantined,
        backlog
    )
}

pub(crate) fn print_status(home: &Path, s: &StoreStatus, backlog: u64) {
    println!("Station: {}", home.display());
    let line = |label: &str, items: Vec<(&str, u64)>| {
        let total: u64 = items.iter().map(|(_, n)| n).sum();
        let parts: Vec<String> = items.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!(
            "{label:<12} {total:>6}   {}",
            if parts.is_empty() {
                "-".into()
            } else {
                parts.join(", ")
            }
        );
    };
    line(
        "Stapel",
        s.batches.iter().map(|(k, n)| (k.german(), *n)).collect(),
    );
    line(
        "Seiten",
        s.pages.iter().map(|(k, n)| (k.german(), *n)).collect(),
    );
    line(
        "Dokumente",
        s.documents.iter().map(|(k, n)| (k.german(), *n)).collect(),
    );
    println!(
        "{:<12} {:>6}   Dateien in den Eingangsordnern, noch nicht eingelesen",
        "Rückstand", backlog
    );
    if s.sources_pending > 0 {
        println!(
            "{:<12} {:>6}   Originale noch nicht aus dem Eingangsordner übernommen",
            "", s.sources_pending
        );
    }
    println!("{:<12} {:>6}", "Quarantäne", s.quarantined);
    for q in &s.recent_quarantine {
        println!("  {}  {}: {}", q.created_at, q.file_name, q.reason);
    }
}

/// `db check | backup | restore`.
pub(crate) fn db(config: &Config, action: super::DbAction) -> Result<ExitCode> {
    use super::DbAction;
    let keys = config.keys()?;
    match action {
        DbAction::Check { full } => {
            // Read only: it works beside a running station, and on a
            // database too damaged to migrate it says so in words.
            let store = open_store(config)?;
            let blobs = scanstelle::store::blob::BlobStore::open(config.home.join("blobs"), &keys)?;
            let report = store.check(&blobs, full)?;
            for p in &report.problems {
                println!("FEHLER  {p}");
            }
            println!(
                "Datenbank {}: {} ({} Verweise auf die Ablage{})",
                store.path().display(),
                if report.healthy() {
                    "in Ordnung"
                } else {
                    "NICHT in Ordnung"
                },
                report.blobs,
                if full { ", jede Datei gelesen" } else { "" }
            );
            Ok(if report.healthy() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        DbAction::Backup { to } => {
            let store = open_store(config)?;
            store.backup_to(&to, &keys)?;
            println!(
                "Datenbank gesichert: {} (verschlüsselt mit dem Stationsschlüssel; die Ablage {} gesondert sichern)",
                to.display(),
                config.home.join("blobs").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        DbAction::Restore { from } => {
            let kept = scanstelle::station::restore_database(&config.home, &keys, &from)?;
            println!("Sicherung {} eingespielt.", from.display());
            if let Some(kept) = kept {
                println!("Die bisherige Datenbank liegt als {}.", kept.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
