//! `scanstelle audit verify`, `scanstelle audit show --case BG`,
//! `scanstelle subject export --case BG` and `subject erase --case BG`.

use std::process::ExitCode;

use anyhow::{Context, Result};
use scanstelle::desk::{local_time, local_time_full};
use scanstelle::store::Store;

/// Walks the chain (and compares it with the DMS's copies in `against`);
/// exit 1 with every problem named when it is broken.
pub fn verify(store: &Store, against: &[std::path::PathBuf]) -> Result<ExitCode> {
    let copies = dms_copies(against)?;
    let report = if against.is_empty() {
        store.verify_audit()?
    } else {
        store.verify_against(&copies)?
    };
    if report.intact() {
        println!(
            "Protokoll unversehrt: {} Einträge, Kettenende {}",
            report.entries, report.head
        );
        if !against.is_empty() {
            println!(
                "Gleich der Kopie im DMS: {} Einträge verglichen",
                copies.len()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "Protokoll NICHT unversehrt ({} Einträge geprüft):",
        report.entries
    );
    for p in &report.problems {
        eprintln!("  - {p}");
    }
    Ok(ExitCode::FAILURE)
}

/// Every entry about a case, oldest first.
pub fn show(store: &Store, case: &str) -> Result<ExitCode> {
    let bg = scanstelle::prepare::separation::normalize_bg(case)
        .with_context(|| format!("{case:?} ist keine BG-Nummer"))?;
    let rows = store.audit_for_case(&bg)?;
    if rows.is_empty() {
        println!("Keine Protokolleinträge zu {bg}.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("Protokoll zu {bg} ({} Einträge):", rows.len());
    for r in rows {
        let target = match (r.batch_id, r.document_id) {
            (_, Some(d)) => format!("Dokument {d}"),
            (Some(b), None) => format!("Stapel {b}"),
            (None, None) => String::new(),
        };
        println!(
            "{:>6}  {}  {:<12} {:<28} {:<14} {}",
            r.id,
            local_time(&r.at),
            r.actor.as_deref().unwrap_or("Station"),
            r.kind,
            target,
            r.detail
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `subject export --case BG [-o FILE]`: the Art. 15 export of a case.
/// Writes the letter to household `case` as PDF/A (`subject letter`);
/// logged.
pub fn letter(
    config: &scanstelle::config::Config,
    case: &str,
    since: Option<&str>,
    output: Option<&std::path::Path>,
    into_station: bool,
    actor: Option<&str>,
) -> Result<ExitCode> {
    let bg = scanstelle::prepare::separation::normalize_bg(case)
        .with_context(|| format!("{case:?} ist keine BG-Nummer"))?;
    if let Some(s) = since
        && time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).is_err()
    {
        anyhow::bail!("--since {s:?}: bitte als JJJJ-MM-TT angeben (z. B. 2026-12-01)");
    }
    let store = Store::open(&config.home.join("scanstelle.db"), &config.keys()?)?;
    store.set_actor(actor)?;
    let rules = scanstelle::classify::Classifier::new(&config.classify)?
        .rules()
        .clone();
    let letter = scanstelle::protect::letter::gather(
        &store,
        &rules,
        &config.originals,
        &bg,
        scanstelle::protect::letter::Period::since(since),
    )?;
    let pdf = scanstelle::protect::letter::letter_pdf(
        &letter,
        &config.letter,
        &scanstelle::protect::letter::today(),
    )?;
    let path = output
        .map(std::path::Path::to_owned)
        .unwrap_or_else(|| format!("brief-{bg}.pdf").into());
    std::fs::write(&path, &pdf).with_context(|| path.display().to_string())?;
    store.record_view(
        "subject.letter",
        None,
        &format!("Brief an {bg}: {} Dokument(e)", letter.documents.len()),
    )?;
    println!(
        "Brief an die Bedarfsgemeinschaft {bg} geschrieben: {} ({} Unterlage(n))",
        path.display(),
        letter.documents.len()
    );
    if into_station {
        // Into the first profile's hot folder: the station takes it like
        // any file, its classifier files it, the next message carries it.
        let folder = config
            .desk_setup()
            .drop_folder
            .context("kein Scannerprofil mit Eingangsordner")?;
        let placed = scanstelle::intake::place_letter(&folder, &bg, &pdf)
            .with_context(|| folder.display().to_string())?;
        println!(
            "Der Brief liegt im Eingangsordner und geht mit der nächsten Nachricht in die E-Akte: {}",
            placed.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export(
    config: &scanstelle::config::Config,
    case: &str,
    output: Option<&std::path::Path>,
    actor: Option<&str>,
) -> Result<ExitCode> {
    let bg = scanstelle::prepare::separation::normalize_bg(case)
        .with_context(|| format!("{case:?} ist keine BG-Nummer"))?;
    let store = Store::open(&config.home.join("scanstelle.db"), &config.keys()?)?;
    store.set_actor(actor)?;
    let blobs =
        scanstelle::store::blob::BlobStore::open(config.home.join("blobs"), &config.keys()?)?;
    let rules = scanstelle::classify::Classifier::new(&config.classify)?
        .rules()
        .clone();
    let path = output
        .map(std::path::Path::to_owned)
        .unwrap_or_else(|| format!("auskunft-{bg}.zip").into());
    let tmp = path.with_extension("zip.part");
    let file = std::fs::File::create(&tmp).with_context(|| tmp.display().to_string())?;
    let result = scanstelle::protect::subject::export_case(&store, &blobs, &rules, &bg, file);
    let exported = match result {
        Ok(e) => e,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
    };
    std::fs::rename(&tmp, &path).with_context(|| path.display().to_string())?;
    println!(
        "Auskunft zu {bg} geschrieben: {} ({} Dokument(e), davon {} mit PDF, {} Person(en), {} Protokolleinträge)",
        path.display(),
        exported.documents,
        exported.pdfs,
        exported.persons,
        exported.log_entries
    );
    Ok(ExitCode::SUCCESS)
}

/// `subject erase --case BG [--yes]`: without `--yes` only what would go.
pub fn erase(
    config: &scanstelle::config::Config,
    case: &str,
    yes: bool,
    actor: Option<&str>,
) -> Result<ExitCode> {
    let bg = scanstelle::prepare::separation::normalize_bg(case)
        .with_context(|| format!("{case:?} ist keine BG-Nummer"))?;
    // The station's lock: nothing may work on these pages meanwhile.
    let mut station = match scanstelle::station::Station::open(&config.home, &config.keys()?) {
        Ok(s) => s,
        Err(scanstelle::station::StationError::Locked(home)) => anyhow::bail!(
            "Die Station in {} läuft (Dienst oder Fenster): zum Löschen einer Akte bitte erst beenden",
            home.display()
        ),
        Err(e) => return Err(e.into()),
    };
    station.store.set_actor(actor)?;
    if !yes {
        let plan = station.store.plan_erase(&bg)?;
        println!(
            "Würde zu {bg} löschen: {}. Mit --yes ausführen.",
            plan.describe()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let blobs = station.blobs.clone();
    let plan = scanstelle::protect::subject::erase_case(&mut station.store, &blobs, &bg)?;
    println!("Akte {bg} gelöscht: {}", plan.describe());
    Ok(ExitCode::SUCCESS)
}

/// `user add NAME --role ROLE [--os-user LOGIN]` by the signed-in admin
/// `admin` (none for the first account); the new password from stdin.
pub fn user_add(
    config: &scanstelle::config::Config,
    name: &str,
    role: &str,
    os_user: Option<&str>,
    admin: Option<&str>,
    token: bool,
) -> Result<ExitCode> {
    use scanstelle::protect::users::{self, Role};
    let role = Role::parse(role)
        .with_context(|| format!("Rolle {role:?} gibt es nicht (scan, qs, admin)"))?;
    let store = Store::open(&config.home.join("scanstelle.db"), &config.keys()?)?;
    store.set_actor(admin)?;
    let first = admin.is_none();
    if first {
        let given = if token {
            Some(super::session::stdin_line("Einmal-Token")?)
        } else {
            None
        };
        users::check_first_start_token(&config.home, given.as_deref())?;
    }
    let password = super::session::stdin_line("Neues Passwort")?;
    users::add_user_for(&store, admin, name, role, &password, os_user)?;
    if first {
        let _ = std::fs::remove_file(users::token_path(&config.home));
    }
    println!("Konto {name} angelegt (Rolle {})", role.as_str());
    Ok(ExitCode::SUCCESS)
}

/// `user list`.
pub fn user_list(store: &Store) -> Result<ExitCode> {
    let all = store.users()?;
    if all.is_empty() {
        println!("Noch kein Konto: das erste legt `scanstelle user add NAME --role admin` an.");
    }
    for (name, role) in all {
        println!("{name:<24} {role}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `audit incidents`: documents that lay in another household's case, for
/// the data protection officer.
pub fn incidents(store: &Store) -> Result<ExitCode> {
    let rows: Vec<_> = store
        .corrections()?
        .into_iter()
        .filter(|c| c.wrong_case)
        .collect();
    if rows.is_empty() {
        println!(
            "Keine Datenschutzvorfälle verzeichnet (kein Dokument lag in einer falschen Akte)."
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Datenschutzvorfälle: {} Dokument(e) lagen in einer falschen Akte. Wer sie dort sah, weiß das DMS; die Station hält fest, wann sie dort lagen.",
        rows.len()
    );
    for c in rows.iter().rev() {
        let when = |t: &Option<String>| t.as_deref().map(local_time_full);
        println!(
            "{:>4}  Dokument {} ({}), Akte {} statt {}",
            c.id, c.document_id, c.document_uuid, c.old_value, c.new_value
        );
        println!(
            "      dort abgelegt: {}; zurückgenommen: {}",
            when(&c.filed_at).unwrap_or_else(|| "unbekannt".into()),
            when(&c.withdrawn_at).unwrap_or_else(|| "noch nicht (wartet auf das DMS)".into())
        );
        println!(
            "      berichtigt am {} von {}: {}",
            local_time_full(&c.created_at),
            c.by_user,
            c.reason
        );
        println!(
            "      Stand: {}{}",
            c.state.german(),
            c.outcome
                .as_deref()
                .map(|o| format!(" — {o}"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The entries of the DMS's copies: 0623 containers or their entries'
/// files, given as files or folders.
fn dms_copies(paths: &[std::path::PathBuf]) -> Result<Vec<scanstelle::store::ChainEntry>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<_> = std::fs::read_dir(p)
                .with_context(|| format!("{}", p.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|f| {
                    let name = f.file_name().unwrap_or_default().to_string_lossy();
                    name.ends_with(".0623.zip") || name.ends_with("_Pruefprotokoll.jsonl")
                })
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    if !paths.is_empty() && files.is_empty() {
        anyhow::bail!(
            "keine Kopie des Prüfprotokolls gefunden (…0623.zip oder …_Pruefprotokoll.jsonl)"
        );
    }
    let mut entries = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).with_context(|| format!("{}", f.display()))?;
        let copy = scanstelle::package::xdomea::protocol::read_copy(&bytes)
            .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        entries.extend(copy);
    }
    Ok(entries)
}
