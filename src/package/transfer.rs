//! The transfer note (Transfervermerk) of a document, version 2: who was
//! at the station when it was scanned, from which files through which
//! profile (with the profile's hash), software and configuration (with its
//! hash), the SHA-256 of every page and of the PDF, the anomalies, the
//! manual edits, how case and type were decided, the quality control
//! (sample, checks, release) and on what the statement that image and
//! paper match rests. It travels in the xdomea package as an `Anlage`
//! beside the PDF/A; its schema is `assets/transfervermerk.xsd` ([`SCHEMA`]).

use crate::package::Sender;
use crate::package::xml::XmlWriter;

/// The note's XML schema.
pub const SCHEMA: &str = include_str!("../../assets/transfervermerk.xsd");

/// One page of the document, as captured and prepared.
#[derive(Debug, Clone, PartialEq)]
pub struct NotePage {
    /// SHA-256 of the page image as taken from the file.
    pub sha256: String,
    /// SHA-256 of the prepared page (turned, straightened), if different.
    pub prepared_sha256: Option<String>,
    /// The scanner file's name.
    pub source_file: String,
    /// SHA-256 of the whole scanner file.
    pub source_sha256: String,
    /// Page in that file (from 1).
    pub source_page: u32,
    /// SHA-256 of the profile the file came through.
    pub profile_sha256: Option<String>,
    /// Resolution, if known.
    pub dpi: Option<f64>,
    /// Colour mode (stored name).
    pub colour: String,
    /// Quarter turn applied (0, 90, 180, 270).
    pub rotation: u16,
    /// Measured skew in degrees.
    pub skew: Option<f64>,
    /// Taken out of the document by a person (kept, not in the PDF).
    pub removed: bool,
    /// Quality flags, in words.
    pub flags: Vec<String>,
}

/// A manual step on the document.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteEdit {
    /// When (RFC 3339).
    pub at: String,
    /// What kind (`bearbeitet`, `bestaetigt`, …).
    pub kind: String,
    /// In words.
    pub detail: String,
}

/// Everything the note says, gathered from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferFacts {
    /// The document's stable ID.
    pub document: String,
    /// Its case.
    pub case_bg: String,
    /// Its type (slug).
    pub doc_type: String,
    /// Pages the cover sheet announced.
    pub expected_pages: Option<u32>,
    /// The batch's ID.
    pub batch: String,
    /// When the batch arrived (RFC 3339).
    pub received_at: String,
    /// The scanner profile.
    pub profile: String,
    /// The pages, in document order.
    pub pages: Vec<NotePage>,
    /// SHA-256 of the PDF/A.
    pub pdf_sha256: String,
    /// Document-level anomalies, in words.
    pub anomalies: Vec<String>,
    /// Manual steps, oldest first.
    pub edits: Vec<NoteEdit>,
    /// Whether a person confirmed case and type.
    pub confirmed: bool,
    /// Confidence of the case decision (0–1).
    pub case_confidence: Option<f64>,
    /// Confidence of the type decision (0–1).
    pub type_confidence: Option<f64>,
    /// Who was signed in at the station when the batch was scanned.
    pub scanned_by: Option<String>,
    /// The quality control of the batch and of this document.
    pub qa: QaFacts,
}

/// What quality control says about the document and its batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QaFacts {
    /// Who released the batch (none: released without quality control).
    pub released_by: Option<String>,
    /// When (RFC 3339).
    pub released_at: Option<String>,
    /// Documents of the batch that were looked at.
    pub checked: u32,
    /// Documents of the batch.
    pub documents: u32,
    /// This document's check: why it was chosen, who, when (result `ok`).
    pub own: Option<(String, String, String)>,
}

/// The note as XML (UTF-8), made at `at` for the message of `sender`.
pub(crate) fn note_xml(f: &TransferFacts, type_label: &str, sender: &Sender, at: &str) -> String {
    let mut x = XmlWriter::new();
    x.element("tv:Transfervermerk")
        .attr("xmlns:tv", "urn:scanstelle:transfervermerk:2")
        .attr("version", 2)
        .open();
    let in_pdf = f.pages.iter().filter(|p| !p.removed).count();
    x.element("tv:Dokument")
        .attr("id", &f.document)
        .attr("akte", &f.case_bg)
        .attr("typ", &f.doc_type)
        .attr("typBezeichnung", type_label)
        .attr("seiten", in_pdf)
        .attr_opt("erwarteteSeiten", f.expected_pages)
        .empty();
    x.element("tv:Erfassung")
        .attr("stapel", &f.batch)
        .attr("eingang", &f.received_at)
        .attr("profil", &f.profile)
        .attr(
            "gescanntVon",
            f.scanned_by.as_deref().unwrap_or("(niemand angemeldet)"),
        )
        .empty();
    x.element("tv:Software")
        .attr("name", "Scanstelle")
        .attr("version", env!("CARGO_PKG_VERSION"))
        .attr_opt("konfigurationSha256", sender.config_sha256.as_deref())
        .empty();
    x.open("tv:Seiten");
    let mut anomalies: Vec<(Option<usize>, &str)> =
        f.anomalies.iter().map(|a| (None, a.as_str())).collect();
    for (i, p) in f.pages.iter().enumerate() {
        x.element("tv:Seite")
            .attr("nr", i + 1)
            .attr("sha256", &p.sha256)
            .attr_opt("aufbereitetSha256", p.prepared_sha256.as_deref())
            .attr("quelldatei", &p.source_file)
            .attr("quellSha256", &p.source_sha256)
            .attr("quellseite", p.source_page)
            .attr_opt("profilSha256", p.profile_sha256.as_deref())
            .attr_opt("dpi", p.dpi.map(|d| format!("{d:.0}")))
            .attr("farbe", &p.colour)
            .attr("drehung", p.rotation)
            .attr_opt("schraeglage", p.skew.map(|s| format!("{s:.2}")))
            .attr_opt("entfernt", p.removed.then_some("true"))
            .empty();
        anomalies.extend(p.flags.iter().map(|w| (Some(i + 1), w.as_str())));
    }
    x.close();
    x.element("tv:Pdf")
        .attr("sha256", &f.pdf_sha256)
        .attr("format", "PDF/A-2b")
        .empty();
    x.open("tv:Auffaelligkeiten");
    for (page, words) in anomalies {
        x.element("tv:Auffaelligkeit")
            .attr_opt("seite", page)
            .text(words);
    }
    x.close();
    x.open("tv:Bearbeitungen");
    for e in &f.edits {
        x.element("tv:Bearbeitung")
            .attr("zeitpunkt", &e.at)
            .attr("art", &e.kind)
            .text(&e.detail);
    }
    x.close();
    let confidence = |v: Option<f64>| v.map(|v| format!("{:.2}", v.clamp(0.0, 1.0)));
    x.element("tv:Zuordnung")
        .attr(
            "art",
            if f.confirmed {
                "bestaetigt"
            } else {
                "automatisch"
            },
        )
        .attr_opt("aktenSicherheit", confidence(f.case_confidence))
        .attr_opt("typSicherheit", confidence(f.type_confidence))
        .empty();
    // Quality control: the batch's sample, this document's check, the
    // release; and on what the statement about image and paper rests.
    let q = &f.qa;
    match (&sender.qa, &q.released_by) {
        (Some(settings), Some(by)) => {
            x.element("tv:Qualitaetssicherung")
                .attr("stichprobeProzent", settings.sample_percent)
                .attr("vierAugen", settings.four_eyes)
                .attr("geprueft", q.checked)
                .attr("dokumente", q.documents)
                .attr("freigegebenVon", by)
                .attr("freigegebenAm", q.released_at.as_deref().unwrap_or(at))
                .open();
            if let Some((reason, who, when)) = &q.own {
                x.element("tv:Pruefung")
                    .attr("grund", reason)
                    .attr("ergebnis", "ok")
                    .attr("von", who)
                    .attr("am", when)
                    .empty();
            }
            x.close();
            let agreement = x.element("tv:Uebereinstimmung").attr("bestaetigt", true);
            match &q.own {
                Some((_, who, when)) => {
                    agreement
                        .attr("grundlage", "einzelpruefung")
                        .text(format_args!(
                            "Bild und Papier von {who} am {when} verglichen: sie stimmen überein."
                        ));
                }
                None => agreement.attr("grundlage", "stichprobe").text(format_args!(
                    "Nicht einzeln verglichen; der Stapel wurde nach bestandener \
                     Stichprobenprüfung ({} von {} Dokumenten) von {by} freigegeben.",
                    q.checked, q.documents
                )),
            }
        }
        _ => x
            .element("tv:Uebereinstimmung")
            .attr("bestaetigt", false)
            .attr("grundlage", "keine")
            .text(if f.confirmed {
                "Ohne Qualitätskontrolle übertragen; das Seitenbild hat bei der Prüfung der \
                 Zuordnung eine Person gesehen, ein Abgleich mit dem Papier ist nicht vermerkt."
            } else {
                "Ohne Qualitätskontrolle automatisch verarbeitet; ein Abgleich mit dem Papier \
                 ist nicht vermerkt."
            }),
    }
    x.element("tv:Erstellt")
        .attr("zeitpunkt", at)
        .attr("von", sender.user.as_str())
        .empty();
    x.finish()
}
