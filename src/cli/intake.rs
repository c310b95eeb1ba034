//! Commands that bring pages in and work on them: `scan`, `process`,
//! `search`, `watch`, `ingest`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use scanstelle::config::Config;
use scanstelle::intake::watch::{self, WatchOptions, WatchSummary};
use scanstelle::intake::{Outcome, TakeOptions, take_file};
use scanstelle::station::Station;

use super::{open_store, runtime, shutdown_signal};

/// `scan`: lists scanners, or scans into a profile's hot folder.
pub(crate) fn scan_cmd(
    config: &Config,
    list: bool,
    device: Option<&str>,
    profile: &str,
    flatbed: bool,
    case: Option<&str>,
) -> Result<ExitCode> {
    use scanstelle::intake::scan;
    let sane = scan::sane_config(&config.home, &config.scanner)?;
    if list {
        let devices = scan::list_devices(sane.as_deref())?;
        if devices.is_empty() {
            println!(
                "SANE findet keinen Scanner (eingeschaltet, angeschlossen, Benutzer in der Gruppe scanner?)."
            );
        }
        for d in devices {
            println!("{:<36} {}", d.name, d.description);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let device = device.context("--device fehlt")?;
    let p = config.profile(profile).with_context(|| {
        format!(
            "Scannerprofil {profile:?} gibt es nicht ({})",
            config
                .profiles
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let source = if flatbed {
        scan::Source::Flatbed
    } else {
        scan::Source::Adf
    };
    let mut job = scan::ScanJob::from_profile(p, device, source);
    job.sane = sane;
    println!(
        "Scanne mit {device} ({} dpi, {}) in {} …",
        job.dpi,
        job.colour,
        p.hot_folder_path(&config.home).display()
    );
    let result = scan::scan_into(&job, p, &config.home, case, |n, _| {
        println!("Seite {n} übernommen");
    });
    let pages = result?;
    println!(
        "{} Seite(n) gescannt; die Station liest sie aus dem Eingangsordner ein.",
        pages.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// What a command needs the person running it to be allowed (none: the
pub(crate) fn process(config: &Config, ocr_threads: usize) -> Result<ExitCode> {
    let mut p = scanstelle::pipeline::Processor::new(
        &config.home,
        &config.keys()?,
        config.profiles.clone(),
        ocr_threads,
    )?
    .with_ocr(&config.ocr)?
    .with_classify(&config.classify)?;
    let stop = std::sync::atomic::AtomicBool::new(false);
    let s = p.run_pending(&stop)?;
    println!(
        "{} Seite(n) aufbereitet ({} leer), {} Seite(n) erkannt, {} Stapel fertig erkannt; {} Dokument(e) zugeordnet, {} zur Prüfung",
        s.prepared, s.blank, s.recognized, s.batches, s.classified, s.review
    );
    print_failed(p.store())?;
    Ok(ExitCode::SUCCESS)
}

/// Lists the pages set aside as failed, each with its reason.
pub(crate) fn print_failed(store: &scanstelle::store::Store) -> Result<()> {
    let failed = store.failed_pages(None)?;
    if failed.is_empty() {
        return Ok(());
    }
    println!(
        "{} Seite(n) fehlgeschlagen (ihre Dokumente warten in der Prüfung; nach Abhilfe `scanstelle process --retry`):",
        failed.len()
    );
    for f in &failed {
        println!(
            "  Stapel {} Seite {} ({}): {}",
            f.batch_id, f.seq, f.file_name, f.reason
        );
    }
    Ok(())
}

pub(crate) fn search(config: &Config, words: &[String], limit: usize) -> Result<ExitCode> {
    let store = open_store(config)?;
    let hits = store.search(words, limit)?;
    if hits.is_empty() {
        println!("Keine Treffer.");
        return Ok(ExitCode::FAILURE);
    }
    for h in &hits {
        println!(
            "Stapel {:>3}  {} Seite {}: {}",
            h.batch_id, h.file_name, h.page_number, h.snippet
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn watch_cmd(
    mut config: Config,
    only: &[String],
    ocr_workers: Option<usize>,
) -> Result<ExitCode> {
    if !only.is_empty() {
        for name in only {
            if config.profile(name).is_none() {
                bail!("Scannerprofil {name:?} gibt es nicht");
            }
        }
        config.profiles.retain(|p| only.contains(&p.name));
    }
    let rt = runtime()?;
    let shutdown = {
        let _in_runtime = rt.enter();
        shutdown_signal()
    };
    let station = Station::open(&config.home, &config.keys()?)?;
    tracing::info!(stationsverzeichnis = %config.home.display(), "Station bereit");
    if let Some(token) =
        scanstelle::protect::users::first_start_token(&station.store, &config.home)?
    {
        tracing::warn!(
            tokendatei = %token.display(),
            "Noch kein Konto: den ersten Administrator mit `scanstelle user add NAME --role admin --token` und dem Einmal-Token aus dieser Datei anlegen"
        );
    }
    let summary = rt.block_on(watch::run(
        &config,
        station,
        WatchOptions {
            ocr_workers,
            sync_as: ocr_workers.map(|_| scanstelle::protect::users::os_user()),
            ..Default::default()
        },
        shutdown,
    ))?;
    print_summary(&summary);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn ingest(
    config: &Config,
    files: &[PathBuf],
    profile: Option<&str>,
    remove: bool,
    follow_links: bool,
) -> Result<ExitCode> {
    let profile = match profile {
        Some(name) => config
            .profile(name)
            .with_context(|| format!("Scannerprofil {name:?} gibt es nicht"))?,
        None => config
            .profiles
            .iter()
            .find(|p| p.batching.mode == scanstelle::intake::profile::BatchingMode::PerFile)
            .or(config.profiles.first())
            .context("kein Scannerprofil konfiguriert")?,
    };
    let mut station = Station::open(&config.home, &config.keys()?)?;
    let opts = TakeOptions {
        remove_original: remove,
        quarantine_after: Duration::ZERO,
        limits: config.intake.limits,
        office: config.intake.office.clone(),
    };
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} Dateien  {wide_msg}")
            .expect("valid progress template"),
    );
    let mut summary = WatchSummary::default();
    let mut failed = false;
    for file in files {
        let path = std::path::absolute(file).unwrap_or_else(|_| file.clone());
        bar.set_message(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let link = path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink());
        let refusal = if link && !follow_links {
            Some(
                "ist eine Verknüpfung (symbolischer Link): nicht eingelesen; die Datei selbst angeben oder --follow-links",
            )
        } else if !path.is_file() {
            Some(
                "keine gewöhnliche Datei (Ordner, Pipe, Gerät oder nicht vorhanden): nicht eingelesen",
            )
        } else {
            None
        };
        if let Some(why) = refusal {
            bar.suspend(|| eprintln!("{}: {why}", path.display()));
            failed = true;
            bar.inc(1);
            continue;
        }
        let line = match take_file(&mut station, profile, &path, &opts) {
            Ok(Outcome::Ingested(i)) => {
                summary.files += 1;
                summary.pages += i.pages as u64;
                format!("eingelesen: {} Seite(n), Stapel {}", i.pages, i.batch_id)
            }
            Ok(Outcome::Resumed { .. }) => {
                summary.resumed += 1;
                "nach Unterbrechung abgeschlossen".into()
            }
            Ok(Outcome::Duplicate { of, stored_as }) => {
                summary.duplicates += 1;
                format!(
                    "DOPPELT (wie {} in Stapel {}), Kopie in {}",
                    of.file_name,
                    of.batch_id,
                    stored_as.display()
                )
            }
            Ok(Outcome::Quarantined { reason, stored_as }) => {
                summary.quarantined += 1;
                format!("QUARANTÄNE: {reason} → {}", stored_as.display())
            }
            Ok(Outcome::Retry { reason }) => reason,
            Ok(Outcome::Vanished) => "verschwunden, bevor sie gelesen werden konnte".into(),
            Err(e) => {
                failed = true;
                summary.errors += 1;
                format!("FEHLER: {e}")
            }
        };
        bar.suspend(|| println!("{}: {line}", path.display()));
        bar.inc(1);
    }
    bar.finish_and_clear();
    station.store.close_all_open_batches()?;
    print_summary(&summary);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub(crate) fn print_summary(s: &WatchSummary) {
    println!(
        "{} Datei(en) mit {} Seite(n) eingelesen, {} doppelt, {} in Quarantäne, {} nach Absturz abgeschlossen, {} Fehler",
        s.files, s.pages, s.duplicates, s.quarantined, s.resumed, s.errors
    );
    if s.set_aside > 0 {
        println!(
            "{} Eintrag/Einträge im Eingangsordner zurückgestellt (Verknüpfung, Unterordner, nicht lesbar; siehe `scanstelle quarantine`)",
            s.set_aside
        );
    }
    let p = &s.processed;
    if p.prepared > 0 || p.recognized > 0 {
        println!(
            "{} Seite(n) aufbereitet ({} leer), {} Seite(n) erkannt, {} fehlgeschlagen",
            p.prepared, p.blank, p.recognized, p.failed
        );
    }
}
