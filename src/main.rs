//! `scanstelle`: the command line of the scan station.

mod commands;
#[cfg(feature = "gui")]
mod gui;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use scanstelle::config::Config;
use scanstelle::intake::watch::{self, WatchOptions, WatchSummary};
use scanstelle::intake::{Outcome, TakeOptions, take_file};
use scanstelle::station::Station;
use scanstelle::store::StoreStatus;

/// Scanstelle: Posteingang-Scanstation für Jobcenter (SGB II).
#[derive(Debug, Parser)]
#[command(name = "scanstelle", version, about, long_about = None)]
struct Cli {
    /// Konfigurationsdatei (Standard: $XDG_CONFIG_HOME/scanstelle/scanstelle.toml).
    #[arg(long, global = true, env = "SCANSTELLE_CONFIG", value_name = "DATEI")]
    config: Option<PathBuf>,
    /// Stationsverzeichnis mit Datenbank, Ablage und Quarantäne (Standard: $XDG_DATA_HOME/scanstelle).
    #[arg(long, global = true, env = "SCANSTELLE_HOME", value_name = "ORDNER")]
    home: Option<PathBuf>,
    /// Konto, unter dem der Befehl läuft (Passwort als erste Zeile der
    /// Standardeingabe); ohne: das dem Betriebssystemkonto zugeordnete Konto.
    #[arg(long, global = true, env = "SCANSTELLE_USER", value_name = "NAME")]
    user: Option<String>,
    /// Protokoll als JSON-Zeilen (für zentrale Protokollierung).
    #[arg(long = "log-json", global = true)]
    log_json: bool,
    /// Ausführlicheres Protokoll (-v: debug, -vv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum QuarantineAction {
    /// Listet die Einträge (Standard).
    List,
    /// Schreibt eine Datei der Quarantäne entschlüsselt in einen Ordner (protokolliert).
    Export {
        /// Nummer des Eintrags oder Anfang seiner SHA-256.
        which: String,
        /// Zielordner (außerhalb des Stationsverzeichnisses).
        #[arg(long, value_name = "ORDNER")]
        to: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum QaAction {
    /// Listet die Stapel, die auf ihre Freigabe warten, mit der Stichprobe (Standard).
    List,
    /// Hält fest, dass ein Dokument der Stichprobe mit dem Papier verglichen wurde.
    Check {
        /// Nummer des Dokuments.
        document: i64,
        /// Statt "stimmt überein": was nicht stimmt (hält den Stapel zurück).
        #[arg(long, value_name = "TEXT")]
        defect: Option<String>,
    },
    /// Gibt einen Stapel für das DMS frei (alle Stichproben geprüft, Vier-Augen-Prinzip).
    Release {
        /// Nummer des Stapels.
        batch: i64,
    },
}

#[derive(Debug, Subcommand)]
enum KeyAction {
    /// Schützt den Stationsschlüssel mit einer Passphrase (von der Standardeingabe;
    /// eine leere Zeile hebt den Schutz auf). Die alte kommt aus SCANSTELLE_PASSPHRASE.
    Passphrase,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Überwacht die Eingangsordner aller Scannerprofile und liest neue Dateien ein, bis Strg-C.
    Watch {
        /// Nur diese Profile überwachen (mehrfach angebbar).
        #[arg(long = "profile", value_name = "NAME")]
        profiles: Vec<String>,
        /// Nur einlesen, keine Aufbereitung und Texterkennung.
        #[arg(long)]
        intake_only: bool,
        /// Anzahl der Texterkennungs-Threads (Standard: Anzahl der Prozessorkerne).
        #[arg(long, value_name = "N")]
        ocr_threads: Option<usize>,
    },
    /// Liest die angegebenen Dateien ein (TIFF, JPEG, PNG, PDF).
    Ingest {
        /// Die Dateien.
        #[arg(required = true, value_name = "DATEI")]
        files: Vec<PathBuf>,
        /// Scannerprofil, nach dem sie behandelt werden (Standard: das erste Profil mit einem Stapel je Datei).
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
        /// Originale nach dem sicheren Einlesen löschen (Standard: sie bleiben liegen).
        #[arg(long = "move")]
        remove: bool,
        /// Nur einlesen, keine Aufbereitung und Texterkennung.
        #[arg(long)]
        intake_only: bool,
    },
    /// Bereitet eingelesene Seiten auf, erkennt ihren Text und ordnet die
    /// Dokumente zu (was noch aussteht); mit Dateien liest es diese vorher ein.
    Process {
        /// Anzahl der Texterkennungs-Threads (Standard: Anzahl der Prozessorkerne).
        #[arg(long, value_name = "N")]
        ocr_threads: Option<usize>,
        /// Fallbestand (CSV), der vorher eingelesen wird.
        #[arg(long, value_name = "DATEI.csv")]
        cases: Option<PathBuf>,
        /// Scannerprofil für die Dateien (Standard wie bei `ingest`).
        #[arg(long)]
        profile: Option<String>,
        /// Dateien, die vorher eingelesen werden (sie bleiben liegen).
        #[arg(value_name = "DATEI")]
        paths: Vec<PathBuf>,
    },
    /// Der Fallbestand: einlesen, suchen, Versionen.
    Cases {
        #[command(subcommand)]
        action: CasesAction,
    },
    /// Rechte der Betroffenen: Auskunft über alles, was die Station zu einer Akte hält.
    Subject {
        #[command(subcommand)]
        action: SubjectAction,
    },
    /// Konten der Station (Rollen scan, qs, admin).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Das Prüfprotokoll: Verkettung prüfen, Einträge zu einer Akte zeigen.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Listet die Dokumente mit Akte, Dokumenttyp und Sicherheit.
    Documents {
        #[command(subcommand)]
        action: Option<DocumentsAction>,
        /// Eine JSON-Zeile je Dokument.
        #[arg(long)]
        json: bool,
        /// Mit den Gründen, warum ein Dokument geprüft werden muss.
        #[arg(long)]
        explain: bool,
    },
    /// Vergleicht die Dokumente der Station mit einer Wahrheit (truth.json) und
    /// gibt Fehlablagen, Automatisierungsgrad, Typgenauigkeit und Trennfehler aus.
    Eval {
        /// Die Wahrheit (JSON: documents mit source_file, pages, case, doc_type, identifier).
        #[arg(long, value_name = "DATEI")]
        truth: PathBuf,
        /// Ausgabe als JSON.
        #[arg(long = "as-json")]
        as_json: bool,
    },
    /// Volltextsuche über alle erkannten Seiten.
    Search {
        /// Suchwörter (alle müssen vorkommen; Wortanfänge genügen).
        #[arg(required = true, value_name = "WORT")]
        words: Vec<String>,
        /// Höchstens so viele Treffer.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Zeigt Stapel, Seiten und Dokumente je Zustand, die Quarantäne und den Rückstand.
    Status {
        /// Ausgabe als JSON.
        #[arg(long = "as-json")]
        as_json: bool,
    },
    /// Führt die Station mit eingebauten Beispielscans in einem temporären
    /// Stationsverzeichnis vor: im Fenster, oder ohne Bildschirm (bzw. mit
    /// --headless) als Bericht auf der Konsole.
    Demo {
        /// Stationsverzeichnis behalten und den Pfad ausgeben.
        #[arg(long)]
        keep: bool,
        /// Ohne Fenster: verarbeiten, berichten, beenden.
        #[arg(long)]
        headless: bool,
    },
    /// Listet die Scannerprofile mit ihren Eingangsordnern.
    Profiles,
    /// Ein Übertragungsdurchgang zum DMS: fertige Stapel verpacken (xdomea 0605),
    /// senden, Antworten (0629/0630) lesen, nach der Aufbewahrungsfrist löschen.
    Sync,
    /// Scannt am Arbeitsplatz über SANE (scanimage): jede fertige Seite geht sofort in den
    /// Eingangsordner des Profils; Papierstau oder offene Abdeckung werden in Worten
    /// gemeldet, bis dahin gescannte Seiten bleiben erhalten.
    Scan {
        /// Die Scanner auflisten, die SANE findet.
        #[arg(long)]
        list: bool,
        /// SANE-Gerät (aus `--list`, z. B. fujitsu:fi-7160:12345 oder test).
        #[arg(long, value_name = "GERÄT", required_unless_present = "list")]
        device: Option<String>,
        /// Scannerprofil (Auflösung, Farbe, Duplex, Eingangsordner); Standard: sane-test.
        #[arg(long, value_name = "NAME", default_value = "sane-test")]
        profile: String,
        /// Papier vom Vorlagenglas statt aus dem Einzug.
        #[arg(long)]
        flatbed: bool,
        /// Die Seiten dieser Akte zuordnen (ein Deckblatt geht ihnen im Eingangsordner voraus).
        #[arg(long, value_name = "BG")]
        case: Option<String>,
    },
    /// Die Quarantäne: Dateien, die nicht eingelesen werden konnten (verschlüsselt abgelegt).
    Quarantine {
        #[command(subcommand)]
        action: Option<QuarantineAction>,
    },
    /// Qualitätskontrolle: Stichprobe prüfen, Stapel freigeben (Rolle qs oder admin).
    Qa {
        #[command(subcommand)]
        action: Option<QaAction>,
    },
    /// Der Stationsschlüssel (Verschlüsselung von Datenbank und Ablage).
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Zeigt jede Nachricht an das DMS mit Zustand, Versuchen und letztem Fehler.
    Outbox {
        /// Eine JSON-Zeile je Nachricht.
        #[arg(long = "as-json")]
        as_json: bool,
    },
    /// Erzeugt ein Deckblatt (PDF) mit QR-Code, das ein Dokument beginnt und einer Akte zuordnet.
    Coversheet {
        /// BG-Nummer (z. B. 12345BG0012345, 12345 BG 0012345 oder 12345//0012345).
        #[arg(long)]
        bg: String,
        /// Dokumenttyp (z. B. kontoauszug).
        #[arg(long = "typ", value_name = "TYP")]
        doc_type: Option<String>,
        /// Erwartete Seitenzahl des Dokuments (Vollständigkeitsprüfung).
        #[arg(long = "seiten", value_name = "N")]
        pages: Option<u32>,
        /// Ausgabedatei.
        #[arg(short, long, default_value = "deckblatt.pdf", value_name = "DATEI")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum DocumentsAction {
    /// Bestätigt (oder berichtigt) Akte und Typ eines Dokuments und gibt es frei;
    /// die Bestätigung lehrt die Typerkennung.
    Confirm {
        /// Dokumentnummer.
        id: i64,
        /// Andere BG-Nummer als die vorgeschlagene.
        #[arg(long)]
        case: Option<String>,
        /// Anderer Dokumenttyp als der vorgeschlagene.
        #[arg(long = "typ", value_name = "TYP")]
        doc_type: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum SubjectAction {
    /// Schreibt eine ZIP-Datei mit allen Dokumenten (PDF/A und Text), den
    /// Angaben aus dem Fallbestand und dem Zugriffsprotokoll einer Akte
    /// (Auskunft nach Art. 15 DSGVO); die Auskunft wird protokolliert.
    Export {
        /// BG-Nummer.
        #[arg(long = "case", value_name = "BG")]
        case: String,
        /// Ausgabedatei (Standard: auskunft-<BG>.zip).
        #[arg(short, long, value_name = "DATEI")]
        output: Option<PathBuf>,
    },
    /// Löscht alles, was die Station zu einer Akte hält (Art. 17 DSGVO,
    /// § 84 SGB X): Seitenbilder, PDFs, Texte, Einträge im Fallbestand.
    /// Das Protokoll vermerkt die Löschung. (Auch: `subject purge`.)
    #[command(alias = "purge")]
    Erase {
        /// BG-Nummer.
        #[arg(long = "case", value_name = "BG")]
        case: String,
        /// Ohne diese Bestätigung wird nur gezeigt, was gelöscht würde.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Legt ein Konto an. Das erste Konto muss ein Administrator sein; danach
    /// legt ein Administrator Konten an (angemeldet mit --user oder über das
    /// Betriebssystemkonto). Passwörter kommen zeilenweise über die
    /// Standardeingabe: erst das des Administrators (bei --user), dann das
    /// neue (nie als Argument).
    Add {
        /// Benutzername.
        name: String,
        /// Rolle: scan, qs oder admin.
        #[arg(long)]
        role: String,
        /// Betriebssystemkonto, das sich ohne Passwort als dieses Konto anmeldet.
        #[arg(long, value_name = "LOGIN")]
        os_user: Option<String>,
        /// Ersteinrichtung einer Station ohne Bildschirm: das Einmal-Token aus
        /// `erstanmeldung.token` im Stationsverzeichnis als erste Zeile der
        /// Standardeingabe (vor dem Passwort).
        #[arg(long)]
        token: bool,
    },
    /// Listet die Konten mit ihren Rollen.
    List,
}

#[derive(Debug, Subcommand)]
enum AuditAction {
    /// Prüft die Hash-Kette des Protokolls: jeder veränderte, entfernte oder
    /// umgestellte Eintrag wird genannt (Exit-Code 1).
    Verify,
    /// Zeigt alle Einträge zu einer Akte (für die Datenschutzbeauftragte).
    Show {
        /// BG-Nummer.
        #[arg(long = "case", value_name = "BG")]
        case: String,
    },
}

#[derive(Debug, Subcommand)]
enum CasesAction {
    /// Liest den Fallbestand (CSV aus dem Fachverfahren) als neue Version ein.
    Import {
        /// Die CSV-Datei (bg_nummer;kundennummer;nachname;vorname;geburtsdatum;strasse;plz;ort).
        file: PathBuf,
        /// Fehlerhafte Zeilen überspringen statt die Datei abzulehnen.
        #[arg(long)]
        skip_bad: bool,
    },
    /// Sucht im Fallbestand nach BG-Nummer, Kundennummer, Name oder Anschrift.
    Find {
        /// Suchtext.
        #[arg(required = true, value_name = "TEXT")]
        words: Vec<String>,
        /// Höchstens so viele Treffer.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Zeigt alle eingelesenen Versionen des Fallbestands.
    Versions,
}

fn init_logging(json: bool, verbose: u8) {
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCANSTELLE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.with_target(false).init();
    }
}

/// Debian's libtesseract uses OpenMP, which reads `OMP_THREAD_LIMIT` when the
/// library is loaded, before `main`. With one engine per core its own threads
/// make OCR 2.5–3× slower, so without the variable the program starts itself
/// again with it set.
#[cfg(unix)]
fn ensure_single_threaded_openmp() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    if let Ok(exe) = std::env::current_exe() {
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("OMP_THREAD_LIMIT", "1")
            .exec();
        // Only reached if the exec failed: run on, just slower.
        eprintln!(
            "Hinweis: Neustart mit OMP_THREAD_LIMIT=1 fehlgeschlagen ({err}); Texterkennung langsamer"
        );
    }
}

fn main() -> ExitCode {
    #[cfg(unix)]
    ensure_single_threaded_openmp();
    scanstelle::desk::init_local_offset();
    let cli = Cli::parse();
    init_logging(cli.log_json, cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Fehler: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let Some(command) = cli.command else {
        // Without a subcommand: the window, where there is a screen.
        #[cfg(feature = "gui")]
        if has_display() {
            let config = Config::load(cli.config.as_deref(), cli.home.as_deref())?;
            gui::run(
                config,
                gui::Options {
                    tag: None,
                    ocr_workers: threads(None),
                    login_hint: None,
                },
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        use clap::CommandFactory;
        Cli::command().print_help()?;
        return Ok(ExitCode::SUCCESS);
    };
    match command {
        Command::Demo { keep, headless } => demo(cli.home.as_deref(), keep, headless),
        Command::Coversheet {
            bg,
            doc_type,
            pages,
            output,
        } => {
            let bg = scanstelle::prepare::separation::normalize_bg(&bg).with_context(|| {
                format!("{bg:?} ist keine BG-Nummer (erwartet 5 Ziffern, BG, 7 Ziffern, z. B. 12345BG0012345)")
            })?;
            let sheet = scanstelle::prepare::separation::CoverSheet {
                bg,
                doc_type,
                pages,
            };
            let pdf = scanstelle::prepare::coversheet::cover_sheet_pdf(&sheet)
                .map_err(anyhow::Error::msg)?;
            std::fs::write(&output, pdf).with_context(|| output.display().to_string())?;
            println!(
                "Deckblatt für {} geschrieben: {}",
                sheet.bg,
                output.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        command => {
            let config = Config::load(cli.config.as_deref(), cli.home.as_deref())?;
            let session = match needs(&command, &config)? {
                Some(action) => Some(commands::session::sign_in(
                    &config,
                    cli.user.as_deref(),
                    action,
                )?),
                None => None,
            };
            let actor = session.as_ref().map(|s| s.user.as_str());
            match command {
                Command::Watch {
                    profiles,
                    intake_only,
                    ocr_threads,
                } => watch_cmd(
                    config,
                    &profiles,
                    (!intake_only).then(|| threads(ocr_threads)),
                ),
                Command::Ingest {
                    files,
                    profile,
                    remove,
                    intake_only,
                } => {
                    let code = ingest(&config, &files, profile.as_deref(), remove)?;
                    if !intake_only {
                        process(&config, threads(None))?;
                    }
                    Ok(code)
                }
                Command::Process {
                    ocr_threads,
                    cases,
                    profile,
                    paths,
                } => {
                    if let Some(csv) = cases {
                        commands::cases::import(&config, &csv, false)?;
                    }
                    let mut code = ExitCode::SUCCESS;
                    if !paths.is_empty() {
                        code = ingest(&config, &paths, profile.as_deref(), false)?;
                    }
                    process(&config, threads(ocr_threads))?;
                    Ok(code)
                }
                Command::Sync => commands::sync::sync_once(&config),
                Command::Outbox { as_json } => commands::sync::outbox(&config, as_json),
                Command::Quarantine { action } => match action {
                    None | Some(QuarantineAction::List) => commands::security::list(&config),
                    Some(QuarantineAction::Export { which, to }) => {
                        commands::security::export(&config, &which, &to, actor)
                    }
                },
                Command::Key {
                    action: KeyAction::Passphrase,
                } => commands::security::passphrase(&config),
                Command::Scan {
                    list,
                    device,
                    profile,
                    flatbed,
                    case,
                } => {
                    if let Some(s) = &session {
                        // Batches from these pages were scanned by this person.
                        open_store(&config)?.set_operator(Some(&s.user))?;
                    }
                    scan_cmd(
                        &config,
                        list,
                        device.as_deref(),
                        &profile,
                        flatbed,
                        case.as_deref(),
                    )
                }
                Command::Qa { action } => {
                    let session = session.as_ref().expect("qa needs a session");
                    match action {
                        None | Some(QaAction::List) => commands::qa::list(&config),
                        Some(QaAction::Check { document, defect }) => {
                            commands::qa::check(&config, session, document, defect.as_deref())
                        }
                        Some(QaAction::Release { batch }) => {
                            commands::qa::release(&config, session, batch)
                        }
                    }
                }
                Command::Eval { truth, as_json } => {
                    let text = std::fs::read_to_string(&truth)
                        .with_context(|| truth.display().to_string())?;
                    let truth: scanstelle::eval::Truth = serde_json::from_str(&text)
                        .with_context(|| format!("{}: keine Wahrheit", truth.display()))?;
                    let report = scanstelle::eval::evaluate(
                        &truth,
                        &open_store(&config)?.document_reports()?,
                    );
                    if as_json {
                        println!("{}", serde_json::to_string_pretty(&report)?);
                    } else {
                        print!("{report}");
                    }
                    Ok(if report.misfiled == 0 {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    })
                }
                Command::Subject {
                    action: SubjectAction::Export { case, output },
                } => commands::audit::export(&config, &case, output.as_deref(), actor),
                Command::Subject {
                    action: SubjectAction::Erase { case, yes },
                } => commands::audit::erase(&config, &case, yes, actor),
                Command::User { action } => match action {
                    UserAction::Add {
                        name,
                        role,
                        os_user,
                        token,
                    } => commands::audit::user_add(
                        &config,
                        &name,
                        &role,
                        os_user.as_deref(),
                        actor,
                        token,
                    ),
                    UserAction::List => commands::audit::user_list(&open_store(&config)?),
                },
                Command::Audit { action } => match action {
                    AuditAction::Verify => commands::audit::verify(&open_store(&config)?),
                    AuditAction::Show { case } => {
                        let store = open_store(&config)?;
                        store.set_actor(actor)?;
                        commands::audit::show(&store, &case)
                    }
                },
                Command::Cases { action } => match action {
                    CasesAction::Import { file, skip_bad } => {
                        commands::cases::import(&config, &file, skip_bad)
                    }
                    CasesAction::Find { words, limit } => {
                        commands::cases::find(&open_store(&config)?, &words, limit)
                    }
                    CasesAction::Versions => commands::cases::versions(&open_store(&config)?),
                },
                Command::Documents {
                    action: None,
                    json,
                    explain,
                } => commands::cases::documents(&open_store(&config)?, json, explain),
                Command::Documents {
                    action: Some(DocumentsAction::Confirm { id, case, doc_type }),
                    ..
                } => commands::cases::confirm(
                    &config,
                    id,
                    case.as_deref(),
                    doc_type.as_deref(),
                    actor,
                ),
                Command::Search { words, limit } => search(&config, &words, limit),
                Command::Status { as_json } => status(&config, as_json),
                Command::Profiles => {
                    for p in &config.profiles {
                        println!(
                            "{:<16} {:<8} {}  ({})",
                            p.name,
                            format!("{:?}", p.hot_folder.watch).to_lowercase(),
                            p.hot_folder_path(&config.home).display(),
                            p.description
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Command::Demo { .. } | Command::Coversheet { .. } => unreachable!("handled above"),
            }
        }
    }
}

/// `scan`: lists scanners, or scans into a profile's hot folder.
fn scan_cmd(
    config: &Config,
    list: bool,
    device: Option<&str>,
    profile: &str,
    flatbed: bool,
    case: Option<&str>,
) -> Result<ExitCode> {
    use scanstelle::intake::scan;
    if list {
        let devices = scan::list_devices()?;
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
    let job = scan::ScanJob::from_profile(p, device, source);
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
/// station's own work, status and checks, run by the service user).
fn needs(command: &Command, config: &Config) -> Result<Option<scanstelle::protect::users::Action>> {
    use scanstelle::protect::users::Action;
    Ok(match command {
        Command::Subject { .. }
        | Command::Key { .. }
        | Command::Audit {
            action: AuditAction::Show { .. },
        }
        | Command::Cases {
            action: CasesAction::Import { .. },
        }
        | Command::Quarantine {
            action: Some(QuarantineAction::Export { .. }),
        } => Some(Action::Administer),
        // The first account is made without one (there is nobody yet).
        Command::User {
            action: UserAction::Add { .. },
        } => {
            let db = config.home.join("scanstelle.db");
            let first =
                !db.exists() || !scanstelle::protect::users::has_accounts(&open_store(config)?)?;
            (!first).then_some(Action::Administer)
        }
        Command::Qa { .. } => Some(Action::Qa),
        // Who scans is named in every batch's transfer note.
        Command::Scan { list: false, .. } => Some(Action::Review),
        Command::Documents { .. }
        | Command::Search { .. }
        | Command::Quarantine { .. }
        | Command::Cases { .. } => Some(Action::Review),
        _ => None,
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Installs the Ctrl-C and SIGTERM handlers at once (so a signal that comes
/// during start-up is not lost) and returns a future that completes on either.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// OCR threads: as asked, else one per core.
fn threads(asked: Option<usize>) -> usize {
    asked.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

pub(crate) fn open_store(config: &Config) -> Result<scanstelle::store::Store> {
    let db = config.home.join("scanstelle.db");
    if !db.exists() {
        bail!(
            "Im Stationsverzeichnis {} gibt es noch keine Datenbank (erst `scanstelle watch` oder `scanstelle ingest`)",
            config.home.display()
        );
    }
    Ok(scanstelle::store::Store::open(&db, &config.keys()?)?)
}

fn process(config: &Config, ocr_threads: usize) -> Result<ExitCode> {
    let mut p = scanstelle::pipeline::Processor::new(
        &config.home,
        &config.keys()?,
        config.profiles.clone(),
        ocr_threads,
    )?
    .with_classify(&config.classify)?;
    let stop = std::sync::atomic::AtomicBool::new(false);
    let s = p.run_pending(&stop)?;
    println!(
        "{} Seite(n) aufbereitet ({} leer), {} Seite(n) erkannt, {} Stapel fertig erkannt; {} Dokument(e) zugeordnet, {} zur Prüfung",
        s.prepared, s.blank, s.recognized, s.batches, s.classified, s.review
    );
    Ok(ExitCode::SUCCESS)
}

fn search(config: &Config, words: &[String], limit: usize) -> Result<ExitCode> {
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

fn watch_cmd(mut config: Config, only: &[String], ocr_workers: Option<usize>) -> Result<ExitCode> {
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
    tracing::info!(home = %config.home.display(), "Station bereit");
    if let Some(token) =
        scanstelle::protect::users::first_start_token(&station.store, &config.home)?
    {
        tracing::warn!(
            token = %token.display(),
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

fn ingest(
    config: &Config,
    files: &[PathBuf],
    profile: Option<&str>,
    remove: bool,
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
        if !path.is_file() {
            bar.suspend(|| eprintln!("{}: keine Datei", path.display()));
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

fn print_summary(s: &WatchSummary) {
    println!(
        "{} Datei(en) mit {} Seite(n) eingelesen, {} doppelt, {} in Quarantäne, {} nach Absturz abgeschlossen, {} Fehler",
        s.files, s.pages, s.duplicates, s.quarantined, s.resumed, s.errors
    );
    let p = &s.processed;
    if p.prepared > 0 || p.recognized > 0 {
        println!(
            "{} Seite(n) aufbereitet ({} leer), {} Seite(n) erkannt",
            p.prepared, p.blank, p.recognized
        );
    }
}

fn backlog(config: &Config) -> u64 {
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

fn status(config: &Config, as_json: bool) -> Result<ExitCode> {
    // Status only reads: it must work while `watch` holds the station lock.
    let store = open_store(config)?;
    let s = store.status()?;
    let waiting = backlog(config);
    if as_json {
        println!("{}", status_json(&s, waiting));
    } else {
        print_status(&config.home, &s, waiting);
    }
    Ok(ExitCode::SUCCESS)
}

fn status_json(s: &StoreStatus, backlog: u64) -> String {
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

fn print_status(home: &Path, s: &StoreStatus, backlog: u64) {
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

/// The demo DMS in a thread of its own, answering every 2 s until `stop`.
#[cfg(feature = "gui")]
fn demo_dms(
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
fn has_display() -> bool {
    std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
}

/// The demo's account (made only in demo homes).
const DEMO_USER: &str = "demo";
/// Its password, printed and shown on the demo's login screen.
const DEMO_PASSWORD: &str = "scanstelle-demo";

fn demo(home: Option<&Path>, keep: bool, headless: bool) -> Result<ExitCode> {
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
    let probe = "12345BG0012345".to_string();
    let hits = store.search(std::slice::from_ref(&probe), 10)?;
    println!("\nVolltextsuche nach {probe}: {} Treffer", hits.len());
    for h in &hits {
        println!("  {} Seite {}: {}", h.file_name, h.page_number, h.snippet);
    }
    println!("\nDokumente (Akte, Zuordnung, Typ):");
    commands::cases::documents(&store, false, true)?;
    // To the DMS: the demo DMS answers on the local drop folder.
    println!();
    let mut quick = config.clone();
    quick.dms.hold_secs = 0;
    // Nobody is there to release batches: the headless demo sends without
    // the quality-control release (the window's demo asks for it).
    quick.qa = scanstelle::protect::qa::QaSettings::off();
    println!("(Ohne Fenster: Stapel gehen ohne Qualitätskontroll-Freigabe an das Demo-DMS.)");
    let syncer =
        scanstelle::sync::Syncer::from_config(&quick, &scanstelle::protect::users::os_user())?;
    let blobs = scanstelle::store::blob::BlobStore::open(home.join("blobs"), &keys)?;
    let no_stop = std::sync::atomic::AtomicBool::new(false);
    let mut synced = syncer.pass(&mut store, &blobs, &no_stop)?;
    scanstelle::sync::DemoDms::new(&home).run_once()?;
    synced.add(&syncer.pass(&mut store, &blobs, &no_stop)?);
    commands::sync::print_summary(&synced, &syncer.location());
    commands::sync::outbox(&quick, false)?;
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
