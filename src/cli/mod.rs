//! The command line: a thin `clap` layer over the engine. [`args`] holds
//! every command and option; [`run`] dispatches them; the commands that
//! have grown beyond a few lines live in their own files.

mod args;
pub mod audit;
pub mod cases;
mod demo;
mod intake;
pub mod originals;
pub mod qa;
pub mod security;
pub mod session;
mod status;
pub mod sync;

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use scanstelle::config::Config;

pub(crate) use args::*;
pub(crate) use demo::*;
pub(crate) use intake::*;
pub(crate) use status::*;

#[cfg(feature = "gui")]
use crate::gui;

pub(crate) fn init_logging(json: bool, verbose: u8) {
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCANSTELLE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colours only for a person at a terminal: a log file or the journal
    // gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
pub(crate) fn ensure_single_threaded_openmp() {
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

pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
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
                Some(action) => Some(session::sign_in(&config, cli.user.as_deref(), action)?),
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
                    follow_links,
                    intake_only,
                } => {
                    let code = ingest(&config, &files, profile.as_deref(), remove, follow_links)?;
                    if !intake_only {
                        process(&config, threads(None))?;
                    }
                    Ok(code)
                }
                Command::Process {
                    ocr_threads,
                    cases,
                    profile,
                    retry,
                    paths,
                } => {
                    if let Some(csv) = cases {
                        cases::import(&config, &csv, false)?;
                    }
                    if retry {
                        let n = open_store(&config)?.retry_failed_pages(None)?;
                        println!("{n} fehlgeschlagene Seite(n) wieder eingereiht");
                    }
                    let mut code = ExitCode::SUCCESS;
                    if !paths.is_empty() {
                        code = ingest(&config, &paths, profile.as_deref(), false, false)?;
                    }
                    process(&config, threads(ocr_threads))?;
                    Ok(code)
                }
                Command::Sync => sync::sync_once(&config),
                Command::Outbox { as_json } => sync::outbox(&config, as_json),
                Command::Originals { action } => originals::run(&config, action, actor),
                Command::Quarantine { action } => match action {
                    None | Some(QuarantineAction::List) => security::list(&config),
                    Some(QuarantineAction::Export { which, to }) => {
                        security::export(&config, &which, &to, actor)
                    }
                    Some(QuarantineAction::Retry { which }) => {
                        security::retry(&config, &which, actor)
                    }
                },
                Command::Key {
                    action: KeyAction::Passphrase,
                } => security::passphrase(&config),
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
                        None | Some(QaAction::List) => qa::list(&config),
                        Some(QaAction::Check { document, defect }) => {
                            qa::check(&config, session, document, defect.as_deref())
                        }
                        Some(QaAction::Release { batch }) => qa::release(&config, session, batch),
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
                } => audit::export(&config, &case, output.as_deref(), actor),
                Command::Subject {
                    action: SubjectAction::Erase { case, yes },
                } => audit::erase(&config, &case, yes, actor),
                Command::Subject {
                    action:
                        SubjectAction::Letter {
                            case,
                            since,
                            output,
                            into_station,
                        },
                } => audit::letter(
                    &config,
                    &case,
                    since.as_deref(),
                    output.as_deref(),
                    into_station,
                    actor,
                ),
                Command::User { action } => match action {
                    UserAction::Add {
                        name,
                        role,
                        os_user,
                        token,
                    } => audit::user_add(&config, &name, &role, os_user.as_deref(), actor, token),
                    UserAction::List => audit::user_list(&open_store(&config)?),
                },
                Command::Audit { action } => match action {
                    AuditAction::Verify { against } => {
                        audit::verify(&open_store(&config)?, &against)
                    }
                    AuditAction::Incidents => audit::incidents(&open_store(&config)?),
                    AuditAction::Show { case } => {
                        let store = open_store(&config)?;
                        store.set_actor(actor)?;
                        audit::show(&store, &case)
                    }
                },
                Command::Cases { action } => match action {
                    CasesAction::Import { file, skip_bad } => {
                        cases::import(&config, &file, skip_bad)
                    }
                    CasesAction::Find { words, limit } => {
                        cases::find(&open_store(&config)?, &words, limit)
                    }
                    CasesAction::Versions => cases::versions(&open_store(&config)?),
                },
                Command::Documents {
                    action: None,
                    json,
                    explain,
                } => cases::documents(&open_store(&config)?, json, explain),
                Command::Documents {
                    action: Some(DocumentsAction::Confirm { id, case, doc_type }),
                    ..
                } => cases::confirm(&config, id, case.as_deref(), doc_type.as_deref(), actor),
                Command::Documents {
                    action:
                        Some(DocumentsAction::Correct {
                            id,
                            case,
                            doc_type,
                            reason,
                        }),
                    ..
                } => cases::correct(
                    &config,
                    id,
                    case.as_deref(),
                    doc_type.as_deref(),
                    &reason,
                    actor,
                ),
                Command::Documents {
                    action: Some(DocumentsAction::Corrections),
                    ..
                } => cases::corrections(&open_store(&config)?),
                Command::Search { words, limit } => search(&config, &words, limit),
                Command::Status { as_json } => status(&config, as_json),
                Command::Db { action } => db(&config, action),
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

/// station's own work, status and checks, run by the service user).
pub(crate) fn needs(
    command: &Command,
    config: &Config,
) -> Result<Option<scanstelle::protect::users::Action>> {
    use scanstelle::protect::users::Action;
    Ok(match command {
        Command::Subject { .. }
        | Command::Key { .. }
        | Command::Audit {
            action: AuditAction::Show { .. } | AuditAction::Incidents,
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
        Command::Qa { .. }
        | Command::Documents {
            action: Some(DocumentsAction::Correct { .. }),
            ..
        }
        | Command::Originals {
            action: Some(OriginalsAction::Destroyed { .. }),
        } => Some(Action::Qa),
        Command::Originals { .. } => Some(Action::Review),
        // Who scans is named in every batch's transfer note.
        Command::Scan { list: false, .. } => Some(Action::Review),
        Command::Documents { .. }
        | Command::Search { .. }
        | Command::Quarantine { .. }
        | Command::Cases { .. } => Some(Action::Review),
        _ => None,
    })
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Installs the Ctrl-C and SIGTERM handlers at once (so a signal that comes
/// during start-up is not lost) and returns a future that completes on either.
pub(crate) fn shutdown_signal() -> impl Future<Output = ()> {
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
pub(crate) fn threads(asked: Option<usize>) -> usize {
    asked.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
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
