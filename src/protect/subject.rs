//! Data subjects' rights while data is buffered at the station: an Art. 15
//! GDPR export of everything the station holds for one case (BG-Nummer) —
//! its documents as PDF/A with their recognised text, the metadata, the
//! register entries and the access log — as one ZIP; and the Art. 17
//! erasure of a case ([`erase_case`]). Both are logged.

use crate::classify::doctype::TypeRules;
use crate::store::Store;
use crate::store::blob::{BlobStore, Sha256Hex};
use std::io::{Seek, Write};

/// Errors of an export.
#[derive(Debug, thiserror::Error)]
pub enum SubjectError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Writing the ZIP failed.
    #[error("Auskunftsdatei: {0}")]
    Write(String),
    /// Nothing held for the case.
    #[error("Zu {0} hält die Station nichts (keine Dokumente, kein Eintrag im Fallbestand)")]
    Nothing(String),
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exported {
    /// Documents listed.
    pub documents: usize,
    /// Of these, with their PDF (the others were deleted after the DMS
    /// confirmed them).
    pub pdfs: usize,
    /// Register entries.
    pub persons: usize,
    /// Access-log entries.
    pub log_entries: usize,
}

/// Writes the export of case `bg` to `out` (a ZIP: `auskunft.json`,
/// `protokoll.json`, `dokumente/<id>_<type>.pdf` and `.txt`) and logs it.
pub fn export_case<W: Write + Seek>(
    store: &Store,
    blobs: &BlobStore,
    rules: &TypeRules,
    bg: &str,
    out: W,
) -> Result<Exported, SubjectError> {
    let register = store.register()?;
    let persons: Vec<_> = register.case(bg).cloned().collect();
    let documents = store.case_documents(bg)?;
    if persons.is_empty() && documents.is_empty() {
        return Err(SubjectError::Nothing(bg.to_owned()));
    }
    let log = store.audit_for_case(bg)?;
    let err = |e: &dyn std::fmt::Display| SubjectError::Write(e.to_string());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    // Staff appear by their role, never by name.
    let roles: std::collections::HashMap<String, String> = store.users()?.into_iter().collect();
    let role = |who: Option<&str>| -> &'static str {
        match who.and_then(|w| roles.get(w)).map(String::as_str) {
            Some("scan") => "Scanstelle",
            Some("qs") => "Qualitätssicherung",
            Some("admin") => "Administration",
            Some(_) => "Beschäftigte(r)",
            None => "die Station (niemand angemeldet)",
        }
    };
    let mut zip = zip::ZipWriter::new(out);
    let mut pdfs = 0;
    let mut listed = Vec::new();
    for d in &documents {
        let label = d
            .doc_type
            .as_deref()
            .map(|t| rules.label(t).unwrap_or(t).to_owned())
            .unwrap_or_default();
        let base = format!("dokumente/{}_{}", d.id, label.replace([' ', '/'], "_"));
        let pdf = d
            .pdf_sha
            .as_deref()
            .and_then(Sha256Hex::parse)
            .filter(|s| blobs.contains(s));
        let mut files = Vec::new();
        if let Some(sha) = &pdf {
            zip.start_file(format!("{base}.pdf"), options)
                .map_err(|e| err(&e))?;
            blobs.copy_to(sha, &mut zip).map_err(|e| err(&e))?;
            files.push(format!("{base}.pdf"));
            pdfs += 1;
        }
        if !d.text.trim().is_empty() {
            zip.start_file(format!("{base}.txt"), options)
                .map_err(|e| err(&e))?;
            zip.write_all(d.text.as_bytes()).map_err(|e| err(&e))?;
            files.push(format!("{base}.txt"));
        }
        listed.push(serde_json::json!({
            "dokument": d.id,
            "id": d.uuid,
            "typ": label,
            "zustand": crate::store::DocumentState::parse(&d.state)
                .map_or(d.state.as_str(), |s| s.german()),
            "stapel": d.batch_id,
            "eingegangen": d.received_at,
            "seiten": d.pages,
            "pdf_sha256": d.pdf_sha,
            "im_dms": d.dms_location,
            "lokal_geloescht": d.pdf_sha.is_some() && pdf.is_none(),
            "dateien": files,
            "herkunft": provenance(d, bg, &log, &role),
        }));
    }
    let now = crate::store::now();
    let summary = serde_json::json!({
        "auskunft_zu": bg,
        "erstellt": now,
        "quelle": format!("Scanstelle {}", env!("CARGO_PKG_VERSION")),
        "personen": persons.iter().map(|p| serde_json::json!({
            "kundennummer": p.kundennummer,
            "nachname": p.nachname,
            "vorname": p.vorname,
            "geburtsdatum": p.geburtsdatum,
            "strasse": p.strasse,
            "plz": p.plz,
            "ort": p.ort,
        })).collect::<Vec<_>>(),
        "dokumente": listed,
    });
    zip.start_file("auskunft.json", options)
        .map_err(|e| err(&e))?;
    zip.write_all(
        serde_json::to_string_pretty(&summary)
            .map_err(|e| err(&e))?
            .as_bytes(),
    )
    .map_err(|e| err(&e))?;
    let entries: Vec<_> = log
        .iter()
        .map(|e| {
            serde_json::json!({
                "nr": e.id,
                "zeit": e.at,
                "wer": e.actor.as_deref().unwrap_or("Station"),
                "art": e.kind,
                "stapel": e.batch_id,
                "dokument": e.document_id,
                "angabe": correction_words(&e.kind)
                    .map_or_else(|| other_cases_hidden(&e.detail, bg), str::to_owned),
            })
        })
        .collect();
    zip.start_file("protokoll.json", options)
        .map_err(|e| err(&e))?;
    zip.write_all(
        serde_json::to_string_pretty(&entries)
            .map_err(|e| err(&e))?
            .as_bytes(),
    )
    .map_err(|e| err(&e))?;
    zip.finish().map_err(|e| err(&e))?;
    let exported = Exported {
        documents: documents.len(),
        pdfs,
        persons: persons.len(),
        log_entries: entries.len(),
    };
    store.record_view(
        "subject.exported",
        None,
        &format!(
            "Auskunft zu Akte {bg}: {} Dokument(e), {} Person(en)",
            exported.documents, exported.persons
        ),
    )?;
    Ok(exported)
}

/// Where a document came from and how it was decided (Art. 15: the
/// logic of the processing): who scanned (by role), when it arrived and
/// reached the e-file, how case and type were decided with what
/// confidence, and every correction since, with the role that made it.
fn provenance(
    d: &crate::store::CaseDocument,
    bg: &str,
    log: &[crate::store::EventRow],
    role: &dyn Fn(Option<&str>) -> &'static str,
) -> serde_json::Value {
    let decided = |status: Option<&str>| match status {
        Some("auto") => "automatisch (ohne Person), sicher genug",
        Some("confirmed") => "von einer Person bestätigt",
        Some("review") => "wartet auf eine Person",
        _ => "noch nicht entschieden",
    };
    let corrections: Vec<serde_json::Value> = log
        .iter()
        .filter(|e| e.document_id == Some(d.id))
        .filter_map(|e| {
            let what = match e.kind.as_str() {
                "document.confirmed" => "bestätigt oder berichtigt",
                "document.edited" => "bearbeitet (Seiten, Grenzen, Drehung)",
                "document.reopened" => "Bestätigung zurückgenommen",
                "document.refused_by_dms" => "vom DMS abgelehnt, erneut zu prüfen",
                kind => {
                    let what = correction_words(kind)?;
                    return Some(serde_json::json!({
                        "zeit": e.at,
                        "was": what,
                        "von": role(e.actor.as_deref()),
                    }));
                }
            };
            Some(serde_json::json!({
                "zeit": e.at,
                "was": what,
                "von": role(e.actor.as_deref()),
                "angabe": other_cases_hidden(&e.detail, bg),
            }))
        })
        .collect();
    serde_json::json!({
        "gescannt_von": role(d.scanned_by.as_deref()),
        "eingegangen": d.received_at,
        "in_der_e_akte_seit": d.imported_at,
        "kopien_der_station_geloescht": d.purged_at,
        "akte": {
            "entschieden": decided(d.case_status.as_deref()),
            "sicherheit": d.case_confidence,
        },
        "dokumenttyp": {
            "sicherheit": d.type_confidence,
        },
        "korrekturen": corrections,
    })
}

/// `detail` with every BG-Nummer but `bg`'s replaced by "eine andere
/// Akte": an entry may name where a document was before a correction.
fn other_cases_hidden(detail: &str, bg: &str) -> String {
    static BG: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\b\d{5}BG\d{7}\b").expect("valid pattern"));
    BG.replace_all(detail, |c: &regex::Captures<'_>| {
        if &c[0] == bg {
            bg.to_owned()
        } else {
            "eine andere Akte".to_owned()
        }
    })
    .into_owned()
}

/// What a correction after filing or a misfiling incident did, in words.
/// Their entries name the other household's case and the corrector's own
/// words (which may name persons), so an export says only this.
fn correction_words(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "document.corrected" => "nach der Ablage berichtigt (Akte oder Dokumenttyp)",
        "incident.recorded" => "lag in einer falschen Akte (Fehlablage); Rücknahme angestoßen",
        "incident.withdrawn" => "in der falschen Akte vom DMS ungültig gekennzeichnet",
        "document.correction_done" => "Berichtigung vom DMS bestätigt",
        "document.correction_refused" => "Berichtigung vom DMS abgelehnt",
        "document.correction_dms_only" => {
            "in der falschen Akte ungültig gekennzeichnet; in die richtige Akte nur im DMS verschiebbar"
        }
        _ => return None,
    })
}

/// Erases case `bg` (Art. 17 GDPR, § 84 SGB X): the plan first (refused
/// while a document is on its way to the DMS), then its files, then the
/// database records in one transaction — a crash in between is repeated
/// safely (deleting a deleted file is no error).
pub fn erase_case(
    store: &mut Store,
    blobs: &BlobStore,
    bg: &str,
) -> Result<crate::store::ErasePlan, SubjectError> {
    let plan = store.plan_erase(bg)?;
    if plan.documents.is_empty() && plan.persons == 0 {
        return Err(SubjectError::Nothing(bg.to_owned()));
    }
    for sha in &plan.blobs {
        blobs.remove(sha).map_err(|e| {
            SubjectError::Write(format!("Datei {} nicht gelöscht: {e}", sha.short()))
        })?;
    }
    store.erase(&plan)?;
    Ok(plan)
}
