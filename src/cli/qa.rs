//! `scanstelle qa`: the quality-control sample, its checks and the release
//! (role `qs` or `admin`; the four-eyes rule as configured).

use anyhow::Result;
use scanstelle::config::Config;
use scanstelle::protect::users::Session;
use std::process::ExitCode;

/// Lists the batches waiting for their release and what must be looked at.
pub fn list(config: &Config) -> Result<ExitCode> {
    let mut store = super::open_store(config)?;
    store.qa_prepare(&config.qa)?;
    let batches = store.qa_batches()?;
    if !config.qa.enabled {
        println!("Qualitätskontrolle ist ausgeschaltet ([qa] enabled = false).");
    }
    if batches.is_empty() {
        println!("Kein Stapel wartet auf die Freigabe.");
    }
    for b in batches {
        println!(
            "Stapel {}: {} Dokument(e), gescannt von {}, {} zu prüfen, {} offen",
            b.batch_id,
            b.documents,
            b.scanned_by.as_deref().unwrap_or("(niemand angemeldet)"),
            b.items.len(),
            b.open_items()
        );
        for i in &b.items {
            println!(
                "  Dokument {:>5}  {:<12} {}{}",
                i.document_id,
                i.result.as_deref().unwrap_or("offen"),
                i.reason,
                i.note
                    .as_deref()
                    .map(|n| format!(" – {n}"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Records the check of one sampled document.
pub fn check(
    config: &Config,
    session: &Session,
    document: i64,
    defect: Option<&str>,
) -> Result<ExitCode> {
    let store = super::open_store(config)?;
    store.set_actor(Some(&session.user))?;
    store.qa_check(document, defect, &session.user)?;
    match defect {
        None => println!("Dokument {document}: geprüft, Bild und Papier stimmen überein."),
        Some(d) => println!("Dokument {document}: beanstandet ({d})."),
    }
    Ok(ExitCode::SUCCESS)
}

/// Releases a batch to the DMS.
pub fn release(config: &Config, session: &Session, batch: i64) -> Result<ExitCode> {
    let store = super::open_store(config)?;
    store.set_actor(Some(&session.user))?;
    store.qa_release(batch, &session.user, config.qa.four_eyes)?;
    println!("Stapel {batch} freigegeben: er geht mit der nächsten Übertragung an das DMS.");
    Ok(ExitCode::SUCCESS)
}
