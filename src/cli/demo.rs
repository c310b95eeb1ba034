//! `demo`: the station on its built-in scans in a temporary home, in the
//! window or as a report on the console.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use scanstelle::config::Config;
use scanstelle::intake::watch::{self, WatchOptions};
use scanstelle::station::Station;

use super::{backlog, print_status, print_summary, process, runtime, shutdown_signal, threads};
#[cfg(feature = "gui")]
use crate::gui;

/// The demo DMS in a thread of its own, answering every 2 s until `stop`.
#[cfg(feature = "gui")]
pub(crate) fn demo_dms(
    home: &Path,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let dms = scanstelle::sync::DemoDms::new(home);
    std::thread::spawn(move || {
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            if let Err(e) = dms.run_once() {
                tracing::warn!(fehler = %e, "Demo-DMS");
            }
            for _ in 0..20 {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    })
}

/// Whether a window can be opened (an X11 display; Wayland desktops
/// provide one through XWayland).
#[cfg(feature = "gui")]
pub(crate) fn has_display() -> bool {
    std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
}

/// The demo's account (made only in demo homes).
pub(crate) const DEMO_USER: &str = "demo";
/// Its password, printed and shown on the demo's login screen.
pub(crate) const DEMO_PASSWORD: &str = "scanstelle-demo";

pub(crate) fn demo(home: Option<&Path>, keep: bool, headless: bool) -> Result<ExitCode> {
    let (home, temp) = match home {
        Some(h) => (h.to_owned(), false),
        None => (
            std::env::temp_dir().join(format!("scanstelle-demo-{}", uuid::Uuid::new_v4().simple())),
            true,
        ),
    };
    // The demo's broken file is fresh: quarantine it after 2 s, not the usual 30.
    // Its DMS is the built-in demo importer on the local drop folder; the
    // demo sends a few seconds after a batch is decided and keeps the local
    // copies (retention as configured) so the window can show them.
    let file = scanstelle::config::ConfigFile {
        intake: scanstelle::config::IntakeSettings {
            quarantine_after_secs: 2,
            ..Default::default()
        },
        dms: scanstelle::sync::DmsSettings {
            hold_secs: 5,
            interval_secs: 3,
            institution: "Jobcenter (Demo)".into(),
            ..Default::default()
        },
        // The letter to the households names invented bodies in the demo.
        letter: scanstelle::protect::letter::LetterSettings {
            office: "Jobcenter Demostadt".into(),
            address: "Rathausplatz 1, 12345 Demostadt".into(),
            processor: "Kommunales Rechenzentrum (Demo)".into(),
            processor_place: "Demostadt".into(),
            data_protection_officer: "Datenschutzbeauftragte des Jobcenters, Rathausplatz 1, 12345 Demostadt".into(),
            supervisory_authority: "Landesbeauftragte für Datenschutz (Demo), Postfach 1, 12345 Demostadt".into(),
            originals: "Ihre Papiere bewahren wir drei Monate auf. Danach vernichten wir sie. Ausweise und Urkunden schicken wir Ihnen zurück.".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let config = Config::from_file(file, home.clone(), None)?;
    println!("Scanstelle-Demo im Stationsverzeichnis {}", home.display());
    let keys = config.keys()?;
    let mut station = Station::open(&home, &keys)?;
    if station.store.register()?.is_empty() {
        let v = scanstelle::demo::import_register(&mut station.store)
            .map_err(|e| anyhow::anyhow!(e))?;
        println!(
            "Demo-Fallbestand: {} Personen in {} Bedarfsgemeinschaften",
            v.persons, v.cases
        );
    }
    // The demo's only account (there is no default account anywhere else).
    if !scanstelle::protect::users::has_accounts(&station.store)? {
        scanstelle::protect::users::add_user(
            &station.store,
            None,
            DEMO_USER,
            scanstelle::protect::users::Role::Admin,
            DEMO_PASSWORD,
        )?;
    }
    println!("Anmeldung im Fenster: {DEMO_USER} / {DEMO_PASSWORD} (Rolle admin, nur in der Demo)");
    for f in scanstelle::demo::FILES {
        println!(
            "  → {:<30} in Eingangsordner {:<14} ({})",
            f.name, f.profile, f.what
        );
    }
    let dropped = scanstelle::demo::drop_files(|name| {
        config.profile(name).map(|p| p.hot_folder_path(&home))
    })?;
    #[cfg(feature = "gui")]
    if !headless && has_display() {
        println!(
            "{dropped} Beispielscans abgelegt; das Fenster zeigt, wie die Station sie einliest."
        );
        drop(station);
        let dms_stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let dms = demo_dms(&home, dms_stop.clone());
        gui::run(
            config,
            gui::Options {
                tag: Some("Demo".into()),
                ocr_workers: threads(None),
                login_hint: Some((DEMO_USER.into(), DEMO_PASSWORD.into())),
            },
        )?;
        dms_stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = dms.join();
        if keep || !temp {
            println!("Stationsverzeichnis bleibt erhalten: {}", home.display());
        } else {
            std::fs::remove_dir_all(&home).ok();
        }
        return Ok(ExitCode::SUCCESS);
    }
    #[cfg(not(feature = "gui"))]
    let _ = headless;
    println!("{dropped} Beispielscans abgelegt; Einlesen läuft …");
    let rt = runtime()?;
    let shutdown = {
        let _in_runtime = rt.enter();
        shutdown_signal()
    };
    let summary = rt.block_on(watch::run(
        &config,
        station,
        WatchOptions {
            stop_when_idle: Some(Duration::from_millis(500)),
            ocr_workers: Some(threads(None)),
            sync_as: None,
        },
        shutdown,
    ))?;
    print_summary(&summary);
    println!();
    let mut store = scanstelle::store::Store::open(&home.join("scanstelle.db"), &keys)?;
    // Single pages wait for more of their batch; the demo has no more.
    store.close_all_open_batches()?;
    process(&config, threads(None))?;
    for src in store.sources()? {
        let pages = store.pages_of_source(src.id)?;
        println!(
            "Stapel {:>2}  {:<30} {} Seite(n)  {}",
            src.batch_id,
            src.file_name,
            pages.len(),
            pages
                .iter()
                .map(|p| format!(
                    "{}×{} {} {}{}",
                    p.width,
                    p.height,
                    p.colour,
                    p.dpi_x
                        .map(|d| format!("{d:.0} dpi"))
                        .unwrap_or_else(|| "? dpi".into()),
                    if p.source_text.is_some() {
                        " +Text"
                    } else {
                        ""
                    }
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
        if let Some((text, conf)) = pages
            .first()
            .map(|p| store.ocr_text(p.id))
            .transpose()?
            .flatten()
        {
            let first: String = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .chars()
                .take(60)
                .collect();
            println!("           erkannt ({conf:.0} %): {first}");
        }
    }
    let probe = "12345BG0012345".to_owned();
    let hits = store.search(std::slice::from_ref(&probe), 10)?;
    println!("\nVolltextsuche nach {probe}: {} Treffer", hits.len());
    for h in &hits {
        println!("  {} Seite {}: {}", h.file_name, h.page_number, h.snippet);
    }
    println!("\nDokumente (Akte, Zuordnung, Typ):");
    super::cases::documents(&store, false, true)?;
    // To the DMS: the demo DMS answers on the local drop folder.
    println!();
    let mut quick = config.clone();
    quick.dms.hold_secs = 0;
    // Nobody is there to release batches: the headless demo sends without
    // the quality-control release (the window's demo asks for it).
    quick.qa = scanstelle::protect::qa::QaSettings::off();
    println!("(Ohne Fenster: Stapel gehen ohne Qualitätskontroll-Freigabe an das Demo-DMS.)");
    let syncer = quick.syncer(&scanstelle::protect::users::os_user())?;
    let blobs = scanstelle::store::blob::BlobStore::open(home.join("blobs"), &keys)?;
    let no_stop = std::sync::atomic::AtomicBool::new(false);
    let mut synced = syncer.pass(&mut store, &blobs, &no_stop)?;
    scanstelle::sync::DemoDms::new(&home).run_once()?;
    synced.add(&syncer.pass(&mut store, &blobs, &no_stop)?);
    super::sync::print_summary(&synced, &syncer.location());
    super::sync::outbox(&quick, false)?;
    println!();
    print_status(&home, &store.status()?, backlog(&config));
    drop(store);
    if keep || !temp {
        println!("\nStationsverzeichnis bleibt erhalten: {}", home.display());
    } else {
        std::fs::remove_dir_all(&home).ok();
    }
    Ok(ExitCode::SUCCESS)
}
