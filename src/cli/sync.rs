//! `scanstelle sync` (one pass to the DMS) and `scanstelle outbox` (where
//! every message is).

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use anyhow::{Result, bail};
use scanstelle::config::Config;
use scanstelle::desk::local_time;
use scanstelle::station::{Station, StationError};
use scanstelle::store::Store;
use scanstelle::sync::SyncSummary;

/// One pass: package, deliver, read replies, purge. Fails (exit 1) when
/// the DMS could not be reached or refused, after recording it.
pub fn sync_once(config: &Config) -> Result<ExitCode> {
    let syncer = config.syncer(&scanstelle::protect::users::os_user())?;
    // The station's lock: a running `watch` (or window) syncs by itself.
    let mut station = match Station::open(&config.home, &config.keys()?) {
        Ok(s) => s,
        Err(StationError::Locked(home)) => bail!(
            "Die Station in {} läuft bereits (Dienst oder Fenster) und überträgt selbst; `scanstelle outbox` zeigt den Stand",
            home.display()
        ),
        Err(e) => return Err(e.into()),
    };
    let s = syncer.pass(&mut station.store, &station.blobs, &AtomicBool::new(false))?;
    print_summary(&s, &syncer.location());
    Ok(if s.failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints what a pass did.
pub fn print_summary(s: &SyncSummary, location: &str) {
    println!(
        "DMS {location}: {} verpackt, {} gesendet, {} Empfang bestätigt, {} Import bestätigt ({} Dokument(e) abgelegt, {} zurück zur Prüfung), {} gelöscht",
        s.packaged,
        s.sent,
        s.received,
        s.imported,
        s.documents_imported,
        s.documents_refused,
        s.purged
    );
    if s.letters > 0 {
        println!(
            "{} Brief(e) an Bedarfsgemeinschaften geschrieben (in den Eingangsordner)",
            s.letters
        );
    }
    if let Some(e) = &s.last_error {
        println!("{} Fehlversuch(e), zuletzt: {e}", s.failures);
    }
}

/// `outbox`: every message, newest first, and the last contact.
pub fn outbox(config: &Config, as_json: bool) -> Result<ExitCode> {
    let store = Store::open(&config.home.join("scanstelle.db"), &config.keys()?)?;
    let rows = store.outbox()?;
    let status = store.sync_status()?;
    if as_json {
        for r in &rows {
            println!(
                "{}",
                serde_json::json!({
                    "batch": r.batch_id,
                    "round": r.round,
                    "message": r.message,
                    "process_id": r.process_id,
                    "state": r.state.as_str(),
                    "documents": r.documents,
                    "refused": r.refused,
                    "attempts": r.attempts,
                    "last_error": r.last_error,
                    "next_attempt_at": r.next_attempt_at,
                    "sent_at": r.sent_at,
                    "received_at": r.received_at,
                    "imported_at": r.imported_at,
                    "purged_at": r.purged_at,
                    "bytes": r.zip_bytes,
                })
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    match (&status.last_contact_at, &status.last_error) {
        (_, Some(e)) => println!(
            "DMS offline seit {}: {e}",
            status
                .last_attempt_at
                .as_deref()
                .map(local_time)
                .unwrap_or_default()
        ),
        (Some(at), None) => println!("DMS erreichbar, letzter Kontakt {}", local_time(at)),
        (None, None) => println!("DMS: noch kein Kontakt"),
    }
    if rows.is_empty() {
        println!("Postausgang leer.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>6} {:>5} {:<11} {:>5} {:>9} {:>8}  {:<36}  Hinweis",
        "Stapel", "Runde", "Zustand", "Dok.", "abgelehnt", "Versuche", "ProzessID"
    );
    for r in &rows {
        let note = match (&r.last_error, &r.next_attempt_at) {
            (Some(e), Some(at)) => format!("{e} (neuer Versuch ab {})", local_time(at)),
            (Some(e), None) => e.clone(),
            _ => r
                .imported_at
                .as_ref()
                .map(|t| format!("importiert {}", local_time(t)))
                .or_else(|| {
                    r.sent_at
                        .as_ref()
                        .map(|t| format!("gesendet {}", local_time(t)))
                })
                .unwrap_or_default(),
        };
        let note = match r.message.as_str() {
            "0617" => format!("Berichtigung: ungültig kennzeichnen (0617); {note}"),
            "0610" => format!("Berichtigung: Metadaten ändern (0610); {note}"),
            _ => note,
        };
        println!(
            "{:>6} {:>5} {:<11} {:>5} {:>9} {:>8}  {:<36}  {note}",
            r.batch_id,
            r.round,
            r.state.german(),
            r.documents,
            r.refused,
            r.attempts,
            r.process_id
        );
    }
    Ok(ExitCode::SUCCESS)
}
