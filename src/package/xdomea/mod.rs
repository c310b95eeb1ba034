//! xdomea 3.0.0 `FVDaten.SGOAblegen.0605` messages: a released batch as one
//! message filing each document into its case file, and the ZIP container
//! the standard lays out (`<ProzessID>_FVDaten.SGOAblegen.0605.zip`, flat:
//! the message and one PDF/A per document named `<UUID>_<Betreff>.pdf`,
//! exactly as the message names it, and its OCR text as an `Anlage`). The
//! container is written streaming: one PDF in memory at a time.
//!
//! Each object carries its number in the batch (`NummerImStapel`), the
//! case file it belongs in (`IDContainer` and `Kennzeichen`: the
//! BG-Nummer) and the `Ablageort` the transfer mode asks for (the folder
//! name, or the URL for WebDAV and HTTP(S)). The DMS's replies (0629,
//! 0630) are read and, for the demo DMS and the tests, written in
//! [`reply`].

pub mod reply;

use crate::package::Sender;
use crate::package::xml::esc;
use crate::store::blob::{BlobStore, Sha256Hex};
use std::io::{Seek, Write};

/// One document to file.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageDocument {
    /// The station's stable ID of the document (`FachverfahrenObjektID`).
    pub object_id: String,
    /// Its number in the message (`NummerImStapel`, from 1): the 0630
    /// answers per number.
    pub number: u32,
    /// ID of the document in the message (`Identifikation/ID`).
    pub id: uuid::Uuid,
    /// ID of its PDF file (the file name starts with it).
    pub file_id: uuid::Uuid,
    /// Subject: the document type in words and its date.
    pub betreff: String,
    /// The case file: the BG-Nummer (`IDContainer` and `Kennzeichen`).
    pub bg: String,
    /// The document type in words (`Typ`).
    pub type_label: String,
    /// The day the paper arrived (`Posteingangsdatum`).
    pub received: Option<time::Date>,
    /// The PDF/A in the blob store.
    pub pdf: Sha256Hex,
    /// The recognised text of its pages, sent as an `Anlage` (plain
    /// text); `None` or empty: no attachment.
    pub text: Option<String>,
    /// Its transfer note (XML, [`crate::package::transfer`]), sent as an `Anlage`.
    pub note: Option<String>,
}

impl PackageDocument {
    /// File name of its PDF in the container: `<UUID>_<Betreff>.pdf`, the
    /// subject reduced to letters, digits, `-` and `_` (portable on every
    /// file system a DMS importer may use).
    pub fn file_name(&self) -> String {
        format!("{}{}.pdf", self.file_id, portable_subject(&self.betreff))
    }

    /// ID of the text attachment (derived from the file ID).
    pub(crate) fn text_id(&self) -> uuid::Uuid {
        derived_uuid(&[self.file_id.as_bytes(), b"text"])
    }

    /// File name of the text attachment: `<UUID>_Volltext.txt`.
    pub fn text_file_name(&self) -> String {
        format!("{}_Volltext.txt", self.text_id())
    }

    /// ID of the transfer note attachment (derived from the file ID).
    pub(crate) fn note_id(&self) -> uuid::Uuid {
        derived_uuid(&[self.file_id.as_bytes(), b"note"])
    }

    /// File name of the transfer note: `<UUID>_Transfervermerk.xml`.
    pub(crate) fn note_file_name(&self) -> String {
        format!("{}_Transfervermerk.xml", self.note_id())
    }

    /// The attachment's text, if there is any.
    fn attached_text(&self) -> Option<&str> {
        self.text.as_deref().filter(|t| !t.trim().is_empty())
    }
}

/// `_<subject>` reduced to letters, digits, `-` and `_` (portable on every
/// file system a DMS importer may use), or nothing.
fn portable_subject(betreff: &str) -> String {
    let mut subject = String::new();
    for c in betreff.chars() {
        match c {
            'ä' => subject.push_str("ae"),
            'ö' => subject.push_str("oe"),
            'ü' => subject.push_str("ue"),
            'Ä' => subject.push_str("Ae"),
            'Ö' => subject.push_str("Oe"),
            'Ü' => subject.push_str("Ue"),
            'ß' => subject.push_str("ss"),
            c if c.is_ascii_alphanumeric() || c == '-' => subject.push(c),
            _ if !subject.ends_with('_') => subject.push('_'),
            _ => {}
        }
    }
    let subject: String = subject.trim_matches('_').chars().take(60).collect();
    if subject.is_empty() {
        subject
    } else {
        format!("_{subject}")
    }
}

/// A message: one batch, its documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// The batch's process ID, for life (resends use it again).
    pub process_id: uuid::Uuid,
    /// When the message was made.
    pub created: time::OffsetDateTime,
    /// Sending institution, e.g. "Jobcenter Minden-Lübbecke".
    pub institution: String,
    /// Sending unit, e.g. "Scanstelle".
    pub unit: String,
    /// Who made it (`Erstellerkennung`).
    pub user: String,
    /// Where the DMS finds the files (`Ablageort`): the folder name for a
    /// shared folder, the URL for WebDAV and HTTP(S).
    pub location: String,
    /// The documents, at least one.
    pub documents: Vec<PackageDocument>,
}

/// Name of the container of a process: `<ProzessID>_FVDaten.SGOAblegen.0605.zip`.
pub(crate) fn container_name(process_id: &str) -> String {
    format!("{process_id}_FVDaten.SGOAblegen.0605.zip")
}

/// A stable UUID made from some bytes (the same bytes give the same UUID,
/// so a resend names its files as before).
fn derived_uuid(parts: &[&[u8]]) -> uuid::Uuid {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
        h.update([0]);
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

impl Package {
    /// The package of a batch in the outbox: subjects from the type labels
    /// and the day the batch arrived; IDs and file names derived from the
    /// station's document IDs, so they are the same on every resend.
    pub fn from_outgoing(
        out: &crate::store::Outgoing,
        rules: &crate::classify::doctype::TypeRules,
        sender: &Sender,
    ) -> Result<Self, PackageError> {
        let process_id = uuid::Uuid::parse_str(&out.process_id)
            .map_err(|e| PackageError::Zip(format!("ProzessID {}: {e}", out.process_id)))?;
        let created = time::OffsetDateTime::now_utc();
        let now = created
            .replace_nanosecond(0)
            .unwrap_or(created)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let documents = out
            .documents
            .iter()
            .zip(1..)
            .map(|(d, number)| {
                let label = rules.label(&d.doc_type).unwrap_or(&d.doc_type);
                let received = time::OffsetDateTime::parse(
                    &d.received_at,
                    &time::format_description::well_known::Rfc3339,
                )
                .ok()
                .map(time::OffsetDateTime::date);
                let day = received
                    .map(|t| format!("{:02}.{:02}.{}", t.day(), u8::from(t.month()), t.year()))
                    .unwrap_or_default();
                PackageDocument {
                    object_id: d.uuid.clone(),
                    number,
                    id: uuid::Uuid::parse_str(&d.uuid)
                        .unwrap_or_else(|_| derived_uuid(&[d.uuid.as_bytes()])),
                    file_id: derived_uuid(&[d.uuid.as_bytes(), d.pdf.as_str().as_bytes()]),
                    betreff: format!("{label}, eingegangen am {day}"),
                    bg: d.case_bg.clone(),
                    type_label: label.to_owned(),
                    received,
                    pdf: d.pdf.clone(),
                    text: Some(d.text.clone()),
                    note: Some(crate::package::transfer::note_xml(
                        &d.facts, label, sender, &now,
                    )),
                }
            })
            .collect();
        Ok(Package {
            process_id,
            created,
            institution: sender.institution.clone(),
            unit: sender.unit.clone(),
            user: sender.user.clone(),
            location: sender.location.clone(),
            documents,
        })
    }
}

/// Errors writing a container.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// A PDF is missing from the blob store.
    #[error("PDF {sha} des Dokuments {object}: {detail}")]
    Pdf {
        /// Short hash.
        sha: String,
        /// The document.
        object: String,
        /// What failed.
        detail: String,
    },
    /// Writing the ZIP failed.
    #[error("ZIP-Container: {0}")]
    Zip(String),
    /// A message without documents.
    #[error("eine Nachricht ohne Dokumente wird nicht geschrieben")]
    Empty,
}

/// A `Version` with one format and its primary file.
fn version_xml(indent: &str, code: &str, version: &str, file: &str) -> String {
    format!(
        "{indent}<xdomea:Version>\n{indent}  <xdomea:Nummer>1</xdomea:Nummer>\n{indent}  <xdomea:Format>\n{indent}    <xdomea:Name listURI=\"urn:xoev-de:xdomea:codeliste:dateiformat\" listVersionID=\"1.0\"><code>{code}</code></xdomea:Name>\n{indent}    <xdomea:Version>{version}</xdomea:Version>\n{indent}    <xdomea:Primaerdokument><xdomea:Dateiname>{}</xdomea:Dateiname></xdomea:Primaerdokument>\n{indent}  </xdomea:Format>\n{indent}</xdomea:Version>\n",
        esc(file)
    )
}

impl Package {
    /// Name of the container: `<ProzessID>_FVDaten.SGOAblegen.0605.zip`.
    pub fn zip_name(&self) -> String {
        container_name(&self.process_id.to_string())
    }

    /// Name of the message in the container.
    pub fn xml_name(&self) -> String {
        format!("{}_FVDaten.SGOAblegen.0605.xml", self.process_id)
    }

    /// The message (UTF-8 XML).
    pub fn message_xml(&self) -> String {
        let created = self
            .created
            .replace_nanosecond(0)
            .unwrap_or(self.created)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut x = String::new();
        x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.push_str(
            "<xdomea:FVDaten.SGOAblegen.0605 xmlns:xdomea=\"urn:xoev-de:xdomea:schema:3.0.0\">\n",
        );
        x.push_str("  <xdomea:Kopf>\n");
        x.push_str(&format!(
            "    <xdomea:ProzessID>{}</xdomea:ProzessID>\n",
            self.process_id
        ));
        x.push_str("    <xdomea:Nachrichtentyp><code>0605</code></xdomea:Nachrichtentyp>\n");
        x.push_str(&format!(
            "    <xdomea:Erstellungszeitpunkt>{created}</xdomea:Erstellungszeitpunkt>\n"
        ));
        x.push_str(&format!(
            "    <xdomea:Absender>\n      <xdomea:Institution><xdomea:Name>{}</xdomea:Name></xdomea:Institution>\n      <xdomea:Organisationseinheit><xdomea:Name>{}</xdomea:Name></xdomea:Organisationseinheit>\n    </xdomea:Absender>\n",
            esc(&self.institution),
            esc(&self.unit)
        ));
        x.push_str("    <xdomea:Empfaenger/>\n");
        x.push_str("    <xdomea:Empfangsbestaetigung>1</xdomea:Empfangsbestaetigung>\n");
        x.push_str("    <xdomea:Importbestaetigung>1</xdomea:Importbestaetigung>\n");
        x.push_str(&format!(
            "    <xdomea:Erstellerkennung>{}</xdomea:Erstellerkennung>\n",
            esc(&self.user)
        ));
        // A batch of several objects is a "Stapel" in xdomea's sense.
        x.push_str(&format!(
            "    <xdomea:Stapel>{}</xdomea:Stapel>\n",
            u8::from(self.documents.len() > 1)
        ));
        x.push_str("  </xdomea:Kopf>\n");
        for d in &self.documents {
            x.push_str("  <xdomea:SchriftgutobjektZumAblegen>\n");
            x.push_str(&format!(
                "    <xdomea:NummerImStapel>{}</xdomea:NummerImStapel>\n",
                d.number
            ));
            x.push_str(&format!(
                "    <xdomea:FachverfahrenObjektID>{}</xdomea:FachverfahrenObjektID>\n",
                esc(&d.object_id)
            ));
            x.push_str(&format!(
                "    <xdomea:IDContainer>{}</xdomea:IDContainer>\n",
                esc(&d.bg)
            ));
            x.push_str("    <xdomea:Schriftgutobjekt>\n      <xdomea:Dokument>\n");
            x.push_str(&format!(
                "        <xdomea:Identifikation><xdomea:ID>{}</xdomea:ID></xdomea:Identifikation>\n",
                d.id
            ));
            x.push_str(&format!(
                "        <xdomea:AllgemeineMetadaten>\n          <xdomea:Betreff>{}</xdomea:Betreff>\n          <xdomea:Kennzeichen>{}</xdomea:Kennzeichen>\n        </xdomea:AllgemeineMetadaten>\n",
                esc(&d.betreff),
                esc(&d.bg)
            ));
            if let Some(day) = d.received {
                x.push_str(&format!(
                    "        <xdomea:Posteingangsdatum>{:04}-{:02}-{:02}</xdomea:Posteingangsdatum>\n",
                    day.year(),
                    u8::from(day.month()),
                    day.day()
                ));
            }
            x.push_str(&format!(
                "        <xdomea:Typ>{}</xdomea:Typ>\n",
                esc(&d.type_label)
            ));
            // 044: PDF/A (Dateiformat code list 1.0).
            x.push_str(&version_xml("        ", "044", "PDF/A-2b", &d.file_name()));
            if d.attached_text().is_some() {
                x.push_str(&format!(
                    "        <xdomea:Anlage>\n          <xdomea:Identifikation><xdomea:ID>{}</xdomea:ID></xdomea:Identifikation>\n          <xdomea:AllgemeineMetadaten><xdomea:Betreff>Volltext (Texterkennung)</xdomea:Betreff></xdomea:AllgemeineMetadaten>\n",
                    d.text_id()
                ));
                // 045: plain Unicode text.
                x.push_str(&version_xml(
                    "          ",
                    "045",
                    "UTF-8",
                    &d.text_file_name(),
                ));
                x.push_str("        </xdomea:Anlage>\n");
            }
            if d.note.is_some() {
                x.push_str(&format!(
                    "        <xdomea:Anlage>\n          <xdomea:Identifikation><xdomea:ID>{}</xdomea:ID></xdomea:Identifikation>\n          <xdomea:AllgemeineMetadaten><xdomea:Betreff>Transfervermerk</xdomea:Betreff></xdomea:AllgemeineMetadaten>\n",
                    d.note_id()
                ));
                // 030: XML.
                x.push_str(&version_xml(
                    "          ",
                    "030",
                    "1.0",
                    &d.note_file_name(),
                ));
                x.push_str("        </xdomea:Anlage>\n");
            }
            x.push_str("      </xdomea:Dokument>\n    </xdomea:Schriftgutobjekt>\n");
            x.push_str(&format!(
                "    <xdomea:Ablageort>{}</xdomea:Ablageort>\n",
                esc(&self.location)
            ));
            x.push_str("  </xdomea:SchriftgutobjektZumAblegen>\n");
        }
        x.push_str("</xdomea:FVDaten.SGOAblegen.0605>\n");
        x
    }

    /// Writes the container: the message, then each PDF (stored as is:
    /// PDFs are compressed already) and its text, streamed from the blob
    /// store 1 MiB at a time: memory stays flat however large the batch.
    pub fn write_zip<W: Write + Seek>(&self, blobs: &BlobStore, out: W) -> Result<W, PackageError> {
        if self.documents.is_empty() {
            return Err(PackageError::Empty);
        }
        let zip_err = |e: zip::result::ZipError| PackageError::Zip(e.to_string());
        let io_err = |e: std::io::Error| PackageError::Zip(e.to_string());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        let mut zip = zip::ZipWriter::new(out);
        zip.start_file(self.xml_name(), options).map_err(zip_err)?;
        zip.write_all(self.message_xml().as_bytes())
            .map_err(io_err)?;
        for d in &self.documents {
            let pdf_err = |e: std::io::Error| PackageError::Pdf {
                sha: d.pdf.short().to_owned(),
                object: d.object_id.clone(),
                detail: e.to_string(),
            };
            if !blobs.contains(&d.pdf) {
                return Err(pdf_err(std::io::ErrorKind::NotFound.into()));
            }
            zip.start_file(d.file_name(), options).map_err(zip_err)?;
            blobs.copy_to(&d.pdf, &mut zip).map_err(pdf_err)?;
            if let Some(text) = d.attached_text() {
                zip.start_file(d.text_file_name(), options)
                    .map_err(zip_err)?;
                zip.write_all(text.as_bytes()).map_err(io_err)?;
            }
            if let Some(note) = &d.note {
                zip.start_file(d.note_file_name(), options)
                    .map_err(zip_err)?;
                zip.write_all(note.as_bytes()).map_err(io_err)?;
            }
        }
        zip.finish().map_err(zip_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_start_with_the_uuid_and_keep_the_subject_portable() {
        let d = PackageDocument {
            object_id: "x".into(),
            number: 1,
            id: uuid::Uuid::nil(),
            file_id: uuid::Uuid::nil(),
            betreff: "Arbeitsunfähigkeitsbescheinigung vom 23.11.2026 <&>".into(),
            bg: "12345BG0012345".into(),
            type_label: "AU".into(),
            received: None,
            pdf: Sha256Hex::of(b""),
            text: None,
            note: None,
        };
        assert_eq!(
            d.file_name(),
            "00000000-0000-0000-0000-000000000000_Arbeitsunfaehigkeitsbescheinigung_vom_23_11_2026.pdf"
        );
        assert_eq!(esc("a<b>&\"c\u{1}"), "a&lt;b&gt;&amp;&quot;c");
    }
}
