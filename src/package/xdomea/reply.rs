//! The DMS's replies to a 0605: `FVDaten.EmpfangBestaetigen.0629` (the
//! message arrived) and `FVDaten.ImportBestaetigen.0630` (what was filed,
//! per object by its `NummerImStapel`, with the DMS's ID and location or an
//! error code 0605001–008). Both share the 0605's ProzessID and are named
//! `<ProzessID>_<Nachricht>.xml`.
//!
//! The writers serve the station's demo DMS and the tests' importer; what
//! they write validates against the xdomea 3.0.0 schema (tested).

use crate::package::xml::XmlWriter;

/// File name of a 0629 for a process.
pub fn received_name(process_id: &str) -> String {
    format!("{process_id}_FVDaten.EmpfangBestaetigen.0629.xml")
}

/// File name of a 0630 for a process.
pub fn imported_name(process_id: &str) -> String {
    format!("{process_id}_FVDaten.ImportBestaetigen.0630.xml")
}

/// A reply from the DMS.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// 0629: the message arrived.
    Received {
        /// The process it answers.
        process_id: String,
    },
    /// 0630: the import's result.
    Imported(ImportResult),
}

impl Reply {
    /// The process it answers.
    pub fn process_id(&self) -> &str {
        match self {
            Reply::Received { process_id } => process_id,
            Reply::Imported(r) => &r.process_id,
        }
    }
}

/// A code from an xdomea code list, with its meaning in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    /// The code, e.g. `0605004`; empty for a free-text message.
    pub code: String,
    /// What it means (the code list's words, or the DMS's own text).
    pub text: String,
}

impl Feedback {
    /// A code with the code list's words.
    pub fn code(code: &str) -> Self {
        Feedback {
            code: code.to_owned(),
            text: meaning(code).to_owned(),
        }
    }

    /// Whether it says "carried out successfully" (`0000000`).
    pub(crate) fn is_success(&self) -> bool {
        self.code == "0000000"
    }
}

impl std::fmt::Display for Feedback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.code.is_empty() {
            f.write_str(&self.text)
        } else {
            write!(f, "{} ({})", self.text, self.code)
        }
    }
}

/// The result for one object of the message.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectResult {
    /// Its `NummerImStapel`.
    pub number: Option<u32>,
    /// Its ID in the DMS (`IDSGO`).
    pub dms_id: Option<String>,
    /// Where the DMS filed it (`Ablageort`).
    pub location: Option<String>,
    /// Filed or not.
    pub ok: bool,
    /// Why not.
    pub errors: Vec<Feedback>,
}

/// A 0630.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportResult {
    /// The process it answers.
    pub process_id: String,
    /// Message-level feedback (`Rueckmeldung`).
    pub general: Vec<Feedback>,
    /// Per-object results (`Rueckgabeparameter`).
    pub objects: Vec<ObjectResult>,
}

impl ImportResult {
    /// The DMS says it processed this message before (`0000009`): a resend
    /// it discarded.
    pub fn already_processed(&self) -> bool {
        self.general.iter().any(|g| g.code == "0000009")
    }

    /// Message-level errors (anything but success and "already processed").
    pub(crate) fn general_errors(&self) -> Vec<&Feedback> {
        self.general
            .iter()
            .filter(|g| !g.is_success() && g.code != "0000009")
            .collect()
    }
}

/// A reply that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("Antwort des DMS unlesbar: {0}")]
pub struct ReplyError(String);

/// What a code means, in the code lists' words (German).
pub fn meaning(code: &str) -> &'static str {
    match code {
        "0000000" => "Ausführung erfolgreich beendet",
        "0000001" => "DMS nicht verfügbar oder Zeitüberschreitung",
        "0000002" => "Verbindungsabbruch",
        "0000003" => "Kennung im DMS unbekannt",
        "0000004" => "fehlende Rechte im DMS",
        "0000008" => "Nachricht entspricht nicht dem Schema",
        "0000009" => "Nachricht bereits verarbeitet",
        "0000015" => "Übertragungsfehler",
        "0000016" => "Verzeichnis ungültig",
        "0000017" => "URL ungültig",
        "0000018" => "Datei nicht gefunden",
        "0000499" => "unbekannter Fehler im DMS",
        "0605001" => "Akte (Container-ID) im DMS unbekannt oder ungültig",
        "0605002" => "Verzeichnis ungültig",
        "0605003" => "URL ungültig",
        "0605004" => "Datei nicht gefunden",
        "0605005" => "Datei kann im DMS nicht abgelegt werden",
        "0605006" => "Name eines Metadatums enthält ungültige Zeichen",
        "0605007" => "Wert eines Metadatums enthält ungültige Zeichen",
        "0605008" => "Beschreibung eines Metadatums enthält ungültige Zeichen",
        "0610001" | "0617001" => "Objekt im DMS unbekannt oder ungültig",
        "0610002" => "Name des Metadatums ungültig",
        "0610004" => "Wert des Metadatums ungültig oder außerhalb des Wertebereichs",
        "0610005" => "Metadatum kann nicht aktualisiert werden",
        "0617002" => "Objekt kann im DMS nicht als ungültig gekennzeichnet werden",
        _ => "Rückmeldung des DMS",
    }
}

fn child<'a>(n: roxmltree::Node<'a, 'a>, name: &str) -> Option<roxmltree::Node<'a, 'a>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a>(
    n: roxmltree::Node<'a, 'a>,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'a>> {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn text(n: roxmltree::Node<'_, '_>) -> String {
    n.text().unwrap_or_default().trim().to_owned()
}

/// The feedback inside a `Rueckmeldung`: a code element (its `code` child)
/// or a free text.
fn feedback(n: roxmltree::Node<'_, '_>) -> Option<Feedback> {
    let e = n.children().find(roxmltree::Node::is_element)?;
    if e.tag_name().name() == "SonstigeFehlermeldung" {
        return Some(Feedback {
            code: String::new(),
            text: text(e),
        });
    }
    let code = child(e, "code").map(text).unwrap_or_else(|| text(e));
    Some(Feedback::code(&code))
}

/// Most `=` signs (attributes) a reply may hold: a 0629 or 0630 has a few
/// dozen; the XML parser's time grows with the square of their number.
const MAX_ATTRIBUTES: usize = 10_000;

/// Reads a 0629 or 0630.
pub fn parse(xml: &[u8]) -> Result<Reply, ReplyError> {
    if xml.iter().filter(|&&b| b == b'=').count() > MAX_ATTRIBUTES {
        return Err(ReplyError(
            "die Antwort ist zu umfangreich (mehr als 10.000 Attribute)".into(),
        ));
    }
    let xml = std::str::from_utf8(xml).map_err(|e| {
        ReplyError(format!(
            "die Antwort ist nicht UTF-8-kodiert (ungültiges Zeichen nach Byte {})",
            e.valid_up_to()
        ))
    })?;
    let doc = roxmltree::Document::parse(xml).map_err(|e| {
        tracing::debug!(fehler = %e, "Antwort kein XML");
        ReplyError(crate::package::xml::parse_error_words(&e))
    })?;
    let root = doc.root_element();
    let process_id = child(root, "Kopf")
        .and_then(|k| child(k, "ProzessID"))
        .map(text)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ReplyError("keine ProzessID".into()))?;
    match root.tag_name().name() {
        "FVDaten.EmpfangBestaetigen.0629" => Ok(Reply::Received { process_id }),
        "FVDaten.ImportBestaetigen.0630" => {
            let body = child(root, "ErfolgOderMisserfolg")
                .ok_or_else(|| ReplyError("0630 ohne ErfolgOderMisserfolg".into()))?;
            let general = children(body, "Rueckmeldung")
                .filter_map(feedback)
                .collect();
            let objects = children(body, "Rueckgabeparameter")
                .map(|p| {
                    let number = child(p, "NummerImStapel").and_then(|n| text(n).parse().ok());
                    let location = child(p, "Parameter")
                        .and_then(|x| child(x, "Ablageort"))
                        .map(text);
                    let ok = child(p, "Erfolgreich")
                        .map(|e| matches!(text(e).as_str(), "1" | "true"))
                        .unwrap_or(false);
                    ObjectResult {
                        number,
                        dms_id: child(p, "IDSGO").map(text),
                        location,
                        ok,
                        errors: children(p, "Rueckmeldung").filter_map(feedback).collect(),
                    }
                })
                .collect();
            Ok(Reply::Imported(ImportResult {
                process_id,
                general,
                objects,
            }))
        }
        other => Err(ReplyError(format!("unerwartete Nachricht {other}"))),
    }
}

/// A DMS reply of `kind` with its `Kopf` (`session`: an `FVSessionID`).
fn head(
    root: &'static str,
    process_id: &str,
    kind: &str,
    at: time::OffsetDateTime,
    session: Option<&str>,
) -> XmlWriter {
    let at = at
        .replace_nanosecond(0)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut x = XmlWriter::new();
    x.element(root)
        .attr("xmlns:xdomea", "urn:xoev-de:xdomea:schema:3.0.0")
        .open();
    x.open("xdomea:Kopf");
    x.leaf(&["xdomea:ProzessID"], process_id);
    x.leaf(&["xdomea:Nachrichtentyp", "code"], kind);
    x.leaf(&["xdomea:Erstellungszeitpunkt"], at);
    x.leaf(&["xdomea:Absender", "xdomea:Taetigkeit"], "DMS");
    x.leaf(
        &[
            "xdomea:Empfaenger",
            "xdomea:Organisationseinheit",
            "xdomea:Name",
        ],
        "Scanstelle",
    );
    if let Some(session) = session {
        x.leaf(&["xdomea:FVSessionID"], session);
    }
    x.close();
    x
}

/// A 0629 for a process (what a DMS writes on arrival).
pub fn write_received(process_id: &str, at: time::OffsetDateTime) -> String {
    head(
        "xdomea:FVDaten.EmpfangBestaetigen.0629",
        process_id,
        "0629",
        at,
        None,
    )
    .finish()
}

/// A 0630 (what a DMS writes after the import): message-level codes, then
/// one `Rueckgabeparameter` per object. A failed object names its
/// `FachverfahrenObjektID` as a general parameter when it has no location.
pub fn write_imported(
    process_id: &str,
    at: time::OffsetDateTime,
    general: &[&str],
    objects: &[ObjectResult],
) -> String {
    let mut x = head(
        "xdomea:FVDaten.ImportBestaetigen.0630",
        process_id,
        "0630",
        at,
        Some("scanstelle"),
    );
    x.open("xdomea:ErfolgOderMisserfolg");
    for code in general {
        x.leaf(
            &[
                "xdomea:Rueckmeldung",
                "xdomea:AllgemeineRueckmeldung",
                "code",
            ],
            code,
        );
    }
    for o in objects {
        x.open("xdomea:Rueckgabeparameter");
        if let Some(n) = o.number {
            x.leaf(&["xdomea:NummerImStapel"], n);
        }
        if let Some(id) = &o.dms_id {
            x.leaf(&["xdomea:IDSGO"], id);
        }
        match &o.location {
            Some(l) => x.leaf(&["xdomea:Parameter", "xdomea:Ablageort"], l),
            None => {
                x.open("xdomea:Parameter");
                x.open("xdomea:AllgemeinerRueckgabeparameter");
                x.leaf(&["xdomea:Name"], "Import");
                x.leaf(&["xdomea:Wert"], "abgelehnt");
                x.close();
                x.close();
            }
        }
        x.leaf(&["xdomea:Erfolgreich"], u8::from(o.ok));
        for e in &o.errors {
            if e.code.is_empty() {
                x.leaf(
                    &["xdomea:Rueckmeldung", "xdomea:SonstigeFehlermeldung"],
                    &e.text,
                );
            } else {
                x.leaf(&["xdomea:Rueckmeldung", specific(&e.code), "code"], &e.code);
            }
        }
        x.close();
    }
    x.finish()
}

/// The element of a message's specific error code (`0617001` →
/// `SpezifischeFehlermeldung0617`); general codes otherwise.
fn specific(code: &str) -> &'static str {
    match code.get(..4) {
        Some("0610") => "xdomea:SpezifischeFehlermeldung0610",
        Some("0617") => "xdomea:SpezifischeFehlermeldung0617",
        Some("0605") => "xdomea:SpezifischeFehlermeldung0605",
        _ => "xdomea:AllgemeineRueckmeldung",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_that_is_no_xml_or_carries_a_dtd_is_refused_in_words() {
        let dtd = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>";
        let words = parse(dtd).unwrap_err().to_string();
        assert!(
            words.contains("DTD") && !words.contains("detected"),
            "{words}"
        );
        let many = format!(
            "<a {}/>",
            (0..20_000)
                .map(|i| format!("x{i}=\"1\" "))
                .collect::<String>()
        );
        let words = parse(many.as_bytes()).unwrap_err().to_string();
        assert!(words.contains("zu umfangreich"), "{words}");
        let words = parse(b"<a>\n<b></a>").unwrap_err().to_string();
        assert!(words.contains("kein wohlgeformtes XML (Zeile 2"), "{words}");
    }

    #[test]
    fn replies_written_are_read_back() {
        let at = time::OffsetDateTime::UNIX_EPOCH;
        let r = parse(write_received("p-1", at).as_bytes()).unwrap();
        assert_eq!(
            r,
            Reply::Received {
                process_id: "p-1".into()
            }
        );
        let objects = vec![
            ObjectResult {
                number: Some(1),
                dms_id: Some("5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b".into()),
                location: Some("Akte 12345BG0012345".into()),
                ok: true,
                errors: vec![],
            },
            ObjectResult {
                number: Some(2),
                dms_id: None,
                location: None,
                ok: false,
                errors: vec![Feedback::code("0605001")],
            },
        ];
        let Reply::Imported(r) =
            parse(write_imported("p-1", at, &["0000000"], &objects).as_bytes()).unwrap()
        else {
            panic!("not a 0630")
        };
        assert_eq!(r.objects, objects);
        assert!(r.general_errors().is_empty());
        assert!(!r.already_processed());
        assert_eq!(
            r.objects[1].errors[0].to_string(),
            "Akte (Container-ID) im DMS unbekannt oder ungültig (0605001)"
        );
    }

    #[test]
    fn bad_replies_are_refused_in_words() {
        for (xml, want) in [
            (&b"\xff"[..], "UTF-8"),
            (b"<a>", "Antwort des DMS"),
            (
                b"<x:FVDaten.EmpfangBestaetigen.0629 xmlns:x=\"u\"><x:Kopf/></x:FVDaten.EmpfangBestaetigen.0629>",
                "keine ProzessID",
            ),
            (
                b"<x:Foo xmlns:x=\"u\"><x:Kopf><x:ProzessID>1</x:ProzessID></x:Kopf></x:Foo>",
                "unerwartete Nachricht Foo",
            ),
        ] {
            let e = parse(xml).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
    }
}
