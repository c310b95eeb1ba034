//! The transfer note (Transfervermerk) of a document, version 2: who was
//! at the station when it was scanned, from which files through which
//! profile (with the profile's hash), software and configuration (with its
//! hash), the SHA-256 of every page and of the PDF, the anomalies, the
//! manual edits, how case and type were decided, the quality control
//! (sample, checks, release) and on what the statement that image and
//! paper match rests. It travels in the xdomea package as an `Anlage`
//! beside the PDF/A; its schema is `assets/transfervermerk.xsd` ([`SCHEMA`]).

use crate::package::Sender;
use crate::package::xml::esc;

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
    let user = sender.user.as_str();
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv:Transfervermerk xmlns:tv=\"urn:scanstelle:transfervermerk:2\" version=\"2\">\n",
    );
    let in_pdf = f.pages.iter().filter(|p| !p.removed).count();
    x.push_str(&format!(
        "  <tv:Dokument id=\"{}\" akte=\"{}\" typ=\"{}\" typBezeichnung=\"{}\" seiten=\"{in_pdf}\"{}/>\n",
        esc(&f.document),
        esc(&f.case_bg),
        esc(&f.doc_type),
        esc(type_label),
        f.expected_pages
            .map(|n| format!(" erwarteteSeiten=\"{n}\""))
            .unwrap_or_default()
    ));
    x.push_str(&format!(
        "  <tv:Erfassung stapel=\"{}\" eingang=\"{}\" profil=\"{}\" gescanntVon=\"{}\"/>\n",
        esc(&f.batch),
        esc(&f.received_at),
        esc(&f.profile),
        esc(f.scanned_by.as_deref().unwrap_or("(niemand angemeldet)"))
    ));
    x.push_str(&format!(
        "  <tv:Software name=\"Scanstelle\" version=\"{}\"{}/>\n  <tv:Seiten>\n",
        env!("CARGO_PKG_VERSION"),
        sender
            .config_sha256
            .as_deref()
            .map(|h| format!(" konfigurationSha256=\"{}\"", esc(h)))
            .unwrap_or_default()
    ));
    let mut anomalies: Vec<(Option<usize>, String)> =
        f.anomalies.iter().map(|a| (None, a.clone())).collect();
    for (i, p) in f.pages.iter().enumerate() {
        let mut a = format!(
            "    <tv:Seite nr=\"{}\" sha256=\"{}\"",
            i + 1,
            esc(&p.sha256)
        );
        if let Some(s) = &p.prepared_sha256 {
            a.push_str(&format!(" aufbereitetSha256=\"{}\"", esc(s)));
        }
        a.push_str(&format!(
            " quelldatei=\"{}\" quellSha256=\"{}\" quellseite=\"{}\"",
            esc(&p.source_file),
            esc(&p.source_sha256),
            p.source_page
        ));
        if let Some(s) = &p.profile_sha256 {
            a.push_str(&format!(" profilSha256=\"{}\"", esc(s)));
        }
        if let Some(d) = p.dpi {
            a.push_str(&format!(" dpi=\"{d:.0}\""));
        }
        a.push_str(&format!(
            " farbe=\"{}\" drehung=\"{}\"",
            esc(&p.colour),
            p.rotation
        ));
        if let Some(s) = p.skew {
            a.push_str(&format!(" schraeglage=\"{s:.2}\""));
        }
        if p.removed {
            a.push_str(" entfernt=\"true\"");
        }
        a.push_str("/>\n");
        x.push_str(&a);
        anomalies.extend(p.flags.iter().map(|w| (Some(i + 1), w.clone())));
    }
    x.push_str("  </tv:Seiten>\n");
    x.push_str(&format!(
        "  <tv:Pdf sha256=\"{}\" format=\"PDF/A-2b\"/>\n  <tv:Auffaelligkeiten>\n",
        esc(&f.pdf_sha256)
    ));
    for (page, words) in &anomalies {
        match page {
            Some(n) => x.push_str(&format!(
                "    <tv:Auffaelligkeit seite=\"{n}\">{}</tv:Auffaelligkeit>\n",
                esc(words)
            )),
            None => x.push_str(&format!(
                "    <tv:Auffaelligkeit>{}</tv:Auffaelligkeit>\n",
                esc(words)
            )),
        }
    }
    x.push_str("  </tv:Auffaelligkeiten>\n  <tv:Bearbeitungen>\n");
    for e in &f.edits {
        x.push_str(&format!(
            "    <tv:Bearbeitung zeitpunkt=\"{}\" art=\"{}\">{}</tv:Bearbeitung>\n",
            esc(&e.at),
            esc(&e.kind),
            esc(&e.detail)
        ));
    }
    x.push_str("  </tv:Bearbeitungen>\n");
    let confidence = |name: &str, v: Option<f64>| {
        v.map(|v| format!(" {name}=\"{:.2}\"", v.clamp(0.0, 1.0)))
            .unwrap_or_default()
    };
    x.push_str(&format!(
        "  <tv:Zuordnung art=\"{}\"{}{}/>\n",
        if f.confirmed {
            "bestaetigt"
        } else {
            "automatisch"
        },
        confidence("aktenSicherheit", f.case_confidence),
        confidence("typSicherheit", f.type_confidence)
    ));
    // Quality control: the batch's sample, this document's check, the
    // release; and on what the statement about image and paper rests.
    let q = &f.qa;
    match (&sender.qa, &q.released_by) {
        (Some(settings), Some(by)) => {
            x.push_str(&format!(
                "  <tv:Qualitaetssicherung stichprobeProzent=\"{}\" vierAugen=\"{}\" geprueft=\"{}\" dokumente=\"{}\" freigegebenVon=\"{}\" freigegebenAm=\"{}\">\n",
                settings.sample_percent,
                settings.four_eyes,
                q.checked,
                q.documents,
                esc(by),
                esc(q.released_at.as_deref().unwrap_or(at))
            ));
            if let Some((reason, who, when)) = &q.own {
                x.push_str(&format!(
                    "    <tv:Pruefung grund=\"{}\" ergebnis=\"ok\" von=\"{}\" am=\"{}\"/>\n",
                    esc(reason),
                    esc(who),
                    esc(when)
                ));
            }
            x.push_str("  </tv:Qualitaetssicherung>\n");
            x.push_str(&match &q.own {
                Some((_, who, when)) => format!(
                    "  <tv:Uebereinstimmung bestaetigt=\"true\" grundlage=\"einzelpruefung\">Bild und Papier von {} am {} verglichen: sie stimmen überein.</tv:Uebereinstimmung>\n",
                    esc(who),
                    esc(when)
                ),
                None => format!(
                    "  <tv:Uebereinstimmung bestaetigt=\"true\" grundlage=\"stichprobe\">Nicht einzeln verglichen; der Stapel wurde nach bestandener Stichprobenprüfung ({} von {} Dokumenten) von {} freigegeben.</tv:Uebereinstimmung>\n",
                    q.checked,
                    q.documents,
                    esc(by)
                ),
            });
        }
        _ => x.push_str(if f.confirmed {
            "  <tv:Uebereinstimmung bestaetigt=\"false\" grundlage=\"keine\">Ohne Qualitätskontrolle übertragen; das Seitenbild hat bei der Prüfung der Zuordnung eine Person gesehen, ein Abgleich mit dem Papier ist nicht vermerkt.</tv:Uebereinstimmung>\n"
        } else {
            "  <tv:Uebereinstimmung bestaetigt=\"false\" grundlage=\"keine\">Ohne Qualitätskontrolle automatisch verarbeitet; ein Abgleich mit dem Papier ist nicht vermerkt.</tv:Uebereinstimmung>\n"
        }),
    }
    x.push_str(&format!(
        "  <tv:Erstellt zeitpunkt=\"{}\" von=\"{}\"/>\n</tv:Transfervermerk>\n",
        esc(at),
        esc(user)
    ));
    x
}
