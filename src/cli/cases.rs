//! `scanstelle cases …` (the case register) and `scanstelle documents`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use scanstelle::classify::register;
use scanstelle::config::Config;
use scanstelle::store::Store;

/// `cases import FILE [--skip-bad]`: a file with bad rows is refused as a
/// whole unless `skip_bad`; each bad row is named with line and reason.
pub fn import(config: &Config, file: &Path, skip_bad: bool) -> Result<ExitCode> {
    let size = std::fs::metadata(file)
        .with_context(|| file.display().to_string())?
        .len();
    let limits = &config.classify.cases.register;
    // Refused before it is read: the file may be as large as the disk.
    if let Some(e) = limits.refuse_size(size) {
        bail!("{}: {e}: nicht gelesen", file.display());
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(file).with_context(|| file.display().to_string())?,
            limits.bytes() + 1,
        ),
        &mut bytes,
    )
    .with_context(|| file.display().to_string())?;
    let parsed = register::parse_csv_with(&bytes, limits)?;
    if parsed.encoding != "UTF-8" {
        println!(
            "{}: als {} gelesen (nicht UTF-8)",
            file.display(),
            parsed.encoding
        );
    }
    for bad in &parsed.bad {
        eprintln!("{}:{}: {}", file.display(), bad.line, bad.reason);
    }
    if !parsed.bad.is_empty() && !skip_bad {
        bail!(
            "{} fehlerhafte Zeile(n): Fallbestand nicht übernommen (mit --skip-bad werden sie übersprungen)",
            parsed.bad.len()
        );
    }
    if parsed.persons.is_empty() {
        bail!("{}: keine Person im Fallbestand", file.display());
    }
    let mut station = scanstelle::station::Station::open(&config.home, &config.keys()?)?;
    let version = station.store.import_register(
        &parsed.persons,
        &file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        &scanstelle::store::blob::Sha256Hex::of(&bytes).to_string(),
        parsed.bad.len(),
    )?;
    println!(
        "Fallbestand Version {} übernommen: {} Personen in {} Bedarfsgemeinschaften{}",
        version.id,
        version.persons,
        version.cases,
        if version.skipped > 0 {
            format!(", {} Zeile(n) übersprungen", version.skipped)
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `cases find TEXT`: BG-Nummer, Kundennummer, name, address (fuzzy).
pub fn find(store: &Store, words: &[String], limit: usize) -> Result<ExitCode> {
    let reg = store.register()?;
    if reg.is_empty() {
        bail!("Noch kein Fallbestand eingelesen (scanstelle cases import DATEI.csv)");
    }
    let hits = reg.find(&words.join(" "), limit);
    if hits.is_empty() {
        println!("Keine Treffer.");
        return Ok(ExitCode::FAILURE);
    }
    for (score, p) in hits {
        println!(
            "{}  {}  {}, {}  geb. {}  {}, {} {}  ({:.0} %)",
            p.bg,
            p.kundennummer,
            p.nachname,
            p.vorname,
            p.geburtsdatum,
            p.strasse,
            p.plz,
            p.ort,
            score * 100.0
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `cases versions`: every imported version, newest first.
pub fn versions(store: &Store) -> Result<ExitCode> {
    for v in store.register_versions()? {
        println!(
            "{}{:>4}  {}  {:>6} Personen  {:>6} BG  {:>3} übersprungen  {}  {}",
            if v.current { '*' } else { ' ' },
            v.id,
            v.imported_at,
            v.persons,
            v.cases,
            v.skipped,
            &v.source_sha[..12.min(v.source_sha.len())],
            v.source_name
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `documents [--json] [--explain]`: every document with its decision.
pub fn documents(store: &Store, json: bool, explain: bool) -> Result<ExitCode> {
    for d in store.document_reports()? {
        if json {
            let mut v = serde_json::json!({
                "document_id": d.document_id,
                "batch_id": d.batch_id,
                "source_file": d.source_file,
                "pages": d.pages,
                "case": d.case,
                "case_status": d.case_status,
                "case_confidence": d.case_confidence,
                "doc_type": d.doc_type,
                "type_confidence": d.type_confidence,
                "blank_pages": d.blank_pages,
                "separator_pages": d.separator_pages,
            });
            if explain {
                v["reasons"] = serde_json::json!(d.reasons);
                v["explanation"] = serde_json::json!(d.explanation);
            }
            println!("{v}");
            continue;
        }
        println!(
            "Dokument {:>4}  Stapel {:>3}  {:<14} {:<7} {:>3.0} %  {:<24} {:>3.0} %  Seiten {:?}  {}",
            d.document_id,
            d.batch_id,
            d.case.as_deref().unwrap_or("–"),
            d.case_status,
            d.case_confidence * 100.0,
            d.doc_type.as_deref().unwrap_or("–"),
            d.type_confidence * 100.0,
            d.pages,
            d.source_file.as_deref().unwrap_or("")
        );
        if explain {
            for r in &d.reasons {
                println!("      ! {r}");
            }
            for e in &d.explanation {
                println!("      {e}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `documents confirm ID [--case BG] [--typ TYP]`.
pub fn confirm(
    config: &Config,
    id: i64,
    case: Option<&str>,
    doc_type: Option<&str>,
    actor: Option<&str>,
) -> Result<ExitCode> {
    let classifier = scanstelle::classify::Classifier::new(&config.classify)?;
    let mut station = scanstelle::station::Station::open(&config.home, &config.keys()?)?;
    station.store.set_actor(actor)?;
    let (case, doc_type) =
        scanstelle::classify::confirm(&mut station.store, classifier.rules(), id, case, doc_type)?;
    println!("Dokument {id} freigegeben: Akte {case}, Typ {doc_type}");
    Ok(ExitCode::SUCCESS)
}

/// `documents correct ID (--case BG | --typ TYP) --grund TEXT`: a document
/// the DMS filed already is corrected through the outbox.
pub fn correct(
    config: &Config,
    id: i64,
    case: Option<&str>,
    doc_type: Option<&str>,
    reason: &str,
    actor: Option<&str>,
) -> Result<ExitCode> {
    use scanstelle::classify::CorrectionRequest;
    let classifier = scanstelle::classify::Classifier::new(&config.classify)?;
    let mut store = Store::open(&config.home.join("scanstelle.db"), &config.keys()?)?;
    store.set_actor(actor)?;
    let request = match (case, doc_type) {
        (Some(c), None) => CorrectionRequest::Case(c),
        (None, Some(t)) => CorrectionRequest::Type(t),
        _ => bail!("bitte genau eines angeben: --case BG oder --typ TYP"),
    };
    let n =
        scanstelle::classify::correct_filed(&mut store, classifier.rules(), id, &request, reason)?;
    let row = store
        .corrections()?
        .into_iter()
        .find(|c| c.id == n)
        .context("Berichtigung nicht gespeichert")?;
    println!(
        "Berichtigung {n} für Dokument {id} ({}) vorgemerkt: {}",
        if row.wrong_case {
            format!("Akte {} → {}", row.old_value, row.new_value)
        } else {
            format!("Typ {} → {}", row.old_value, row.new_value)
        },
        if row.wrong_case {
            "das DMS kennzeichnet es in der falschen Akte ungültig (0617), dann wird es neu abgelegt"
        } else {
            "das DMS ändert die Metadaten (0610)"
        }
    );
    println!(
        "Es geht mit der nächsten Übertragung hinaus (ProzessID {}).",
        row.process_id
    );
    Ok(ExitCode::SUCCESS)
}

/// `documents corrections`: every correction after filing with its state.
pub fn corrections(store: &Store) -> Result<ExitCode> {
    let rows = store.corrections()?;
    if rows.is_empty() {
        println!("Keine Berichtigungen nach der Ablage.");
    }
    for c in rows {
        println!(
            "{:>4}  Dokument {:<5} {:<5} {} → {}  {}  von {}: {}",
            c.id,
            c.document_id,
            if c.wrong_case { "Akte" } else { "Typ" },
            c.old_value,
            c.new_value,
            scanstelle::desk::local_time_full(&c.created_at),
            c.by_user,
            c.reason
        );
        println!(
            "      {} — {}",
            c.state.german(),
            c.outcome
                .as_deref()
                .unwrap_or(&format!("Nachricht {}", c.message_state))
        );
    }
    Ok(ExitCode::SUCCESS)
}
