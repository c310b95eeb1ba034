//! `scanstelle originals`: the paper originals — what goes back, what may
//! be destroyed, what stays; confirming returns and destructions; the
//! return slip of a batch.

use std::process::ExitCode;

use anyhow::Result;
use scanstelle::config::Config;
use scanstelle::protect::originals::{self, Fate, Original};
use scanstelle::store::Store;

use super::OriginalsAction;

/// Runs one `originals` command.
pub fn run(
    config: &Config,
    action: Option<OriginalsAction>,
    actor: Option<&str>,
) -> Result<ExitCode> {
    let mut store = Store::open(&config.home.join("scanstelle.db"), &config.keys()?)?;
    store.set_actor(actor)?;
    let classifier = scanstelle::classify::Classifier::new(&config.classify)?;
    let rules = classifier.rules();
    let settings = &config.originals;
    let today = originals::today();
    match action.unwrap_or(OriginalsAction::List { all: false }) {
        OriginalsAction::List { all } => {
            let plan = originals::plan(&store, rules, settings, None)?;
            list(&plan, all, today);
        }
        OriginalsAction::Place { batch, place } => {
            store.set_paper_place(batch, &place)?;
            println!("Papier des Stapels {batch}: {}", place.trim());
        }
        OriginalsAction::Returned { documents } => {
            for d in documents {
                originals::confirm(&mut store, rules, settings, d, true, today)?;
                println!("Dokument {d}: Rückgabe des Originals bestätigt");
            }
        }
        OriginalsAction::Destroyed { documents } => {
            for d in documents {
                originals::confirm(&mut store, rules, settings, d, false, today)?;
                println!("Dokument {d}: Vernichtung des Papiers bestätigt");
            }
        }
        OriginalsAction::Slip { batch, output } => {
            let plan = originals::plan(&store, rules, settings, Some(batch))?;
            let office = if config.letter.office.trim().is_empty() {
                config.dms.institution.clone()
            } else {
                config.letter.office.clone()
            };
            let pdf = originals::return_slip(&store, &plan, &office, batch)?;
            let out = output.unwrap_or_else(|| format!("rueckgabe-stapel-{batch}.pdf").into());
            std::fs::write(&out, pdf)?;
            store.record_view(
                "paper.slip",
                None,
                &format!("Rückgabeschein des Stapels {batch}"),
            )?;
            println!("Rückgabeschein geschrieben: {}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the originals due now (or all), grouped by what is to do.
fn list(plan: &[Original], all: bool, today: time::Date) {
    let line = |o: &Original, what: String| {
        println!(
            "  Dokument {:<5} Stapel {:<4} {:<14} {:<32} {what}{}",
            o.row.document_id,
            o.row.batch_id,
            o.row.case_bg.as_deref().unwrap_or("—"),
            o.kind,
            o.row
                .place
                .as_deref()
                .map(|p| format!(" · {p}"))
                .unwrap_or_default()
        );
    };
    let returns: Vec<_> = plan.iter().filter(|o| o.fate == Fate::Return).collect();
    let destroy: Vec<_> = plan
        .iter()
        .filter(|o| matches!(o.fate, Fate::Destroy(on) if on <= today))
        .collect();
    println!("Zurückgeben ({}):", returns.len());
    for o in &returns {
        line(o, "an die Person zurück".into());
    }
    println!("Vernichten ({}):", destroy.len());
    for o in &destroy {
        line(o, o.words());
    }
    if returns.is_empty() && destroy.is_empty() {
        println!("Heute ist nichts fällig.");
    }
    if all {
        println!("Übrige ({}):", plan.len() - returns.len() - destroy.len());
        for o in plan.iter().filter(|o| !o.due(today)) {
            line(o, o.words());
        }
    }
}
