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

pub mod correction;
pub mod protocol;
pub mod reply;

use crate::package::Sender;
use crate::package::xml::XmlWriter;
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
    /// The born-digital files it was converted from, sent as further
    /// formats of its version (the PDF/A stays the first).
    pub originals: Vec<PackageOriginal>,
}

/// A born-digital file (an Office file) a document was converted from.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageOriginal {
    /// The file in the blob store.
    pub sha: Sha256Hex,
    /// ID of the file in the container (its name starts with it).
    pub file_id: uuid::Uuid,
    /// What it is.
    pub kind: crate::intake::convert::OfficeKind,
    /// Its name as it arrived (`DateinameOriginal`).
    pub name: String,
}

impl PackageOriginal {
    /// File name in the container: `<UUID>_Original.<ext>`.
    pub fn file_name(&self) -> String {
        format!("{}_Original.{}", self.file_id, self.kind.as_str())
    }
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

/// The full name of a message the station sends, by its code (`0605`
/// filing, `0617` invalidation, `0610` metadata update, `0623` the audit
/// chain).
pub fn message_name(code: &str) -> &'static str {
    let root = root_element(code);
    root.strip_prefix("xdomea:").unwrap_or(root)
}

/// The root element of a message the station sends, by its code.
fn root_element(code: &str) -> &'static str {
    match code {
        "0617" => "xdomea:FVDaten.SGOUngueltigKennzeichnen.0617",
        "0610" => "xdomea:FVDaten.MetadatenAktualisieren.0610",
        "0623" => "xdomea:FVDaten.GesamtprotokollAblegen.0623",
        _ => "xdomea:FVDaten.SGOAblegen.0605",
    }
}

/// Name of the container of a process: `<ProzessID>_<Nachricht>.zip`,
/// e.g. `…_FVDaten.SGOAblegen.0605.zip`.
pub(crate) fn container_name(process_id: &str, code: &str) -> String {
    format!("{process_id}_{}.zip", message_name(code))
}

/// Writes a container of a few files held in memory (a correction, an
/// upload of the audit chain), each stored as is, in order.
fn small_zip<W: Write + Seek>(out: W, files: &[(&str, &[u8])]) -> Result<W, PackageError> {
    let zip_err = |e: zip::result::ZipError| PackageError::Zip(e.to_string());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    let mut zip = zip::ZipWriter::new(out);
    for (name, bytes) in files {
        zip.start_file(*name, options).map_err(zip_err)?;
        zip.write_all(bytes)
            .map_err(|e| PackageError::Zip(e.to_string()))?;
    }
    zip.finish().map_err(zip_err)
}

/// A stamp as the messages write it (RFC 3339, whole seconds).
fn stamp(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Opens a message of the station (`code`) and writes its `Kopf`: the
/// sender, a receipt and an import report asked for, and whether it is a
/// batch of several objects (a "Stapel" in xdomea's sense).
fn open_message(
    x: &mut XmlWriter,
    code: &str,
    process_id: uuid::Uuid,
    created: time::OffsetDateTime,
    from: (&str, &str, &str),
    stapel: bool,
) {
    x.element(root_element(code))
        .attr("xmlns:xdomea", "urn:xoev-de:xdomea:schema:3.0.0")
        .open();
    x.open("xdomea:Kopf");
    x.leaf(&["xdomea:ProzessID"], process_id);
    x.leaf(&["xdomea:Nachrichtentyp", "code"], code);
    x.leaf(&["xdomea:Erstellungszeitpunkt"], stamp(created));
    x.open("xdomea:Absender");
    x.leaf(&["xdomea:Institution", "xdomea:Name"], from.0);
    x.leaf(&["xdomea:Organisationseinheit", "xdomea:Name"], from.1);
    x.close();
    x.element("xdomea:Empfaenger").empty();
    x.leaf(&["xdomea:Empfangsbestaetigung"], 1);
    x.leaf(&["xdomea:Importbestaetigung"], 1);
    x.leaf(&["xdomea:Erstellerkennung"], from.2);
    x.leaf(&["xdomea:Stapel"], u8::from(stapel));
    x.close();
}

/// The subject of a document: its type in words and the day it arrived
/// (`received_at`, RFC 3339).
pub(crate) fn subject(label: &str, received_at: &str) -> (String, Option<time::Date>) {
    let received =
        time::OffsetDateTime::parse(received_at, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(time::OffsetDateTime::date);
    let day = received
        .map(|t| format!("{:02}.{:02}.{}", t.day(), u8::from(t.month()), t.year()))
        .unwrap_or_default();
    (format!("{label}, eingegangen am {day}"), received)
}

/// A stable UUID made from some bytes (the same bytes give the same UUID,
/// so a resend names its files as before).
pub(crate) fn derived_uuid(parts: &[&[u8]]) -> uuid::Uuid {
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
        let now = stamp(created);
        let documents = out
            .documents
            .iter()
            .zip(1..)
            .map(|(d, number)| {
                let label = rules.label(&d.doc_type).unwrap_or(&d.doc_type);
                let (betreff, received) = subject(label, &d.received_at);
                // Filed again after a correction: a new object in the DMS
                // (the one in the wrong case stays there, invalid), with the
                // same FachverfahrenObjektID.
                let id = match (uuid::Uuid::parse_str(&d.uuid), d.filing) {
                    (Ok(id), 0) => id,
                    _ => derived_uuid(&[d.uuid.as_bytes(), &d.filing.to_be_bytes()]),
                };
                let file_id = derived_uuid(&[
                    d.uuid.as_bytes(),
                    d.pdf.as_str().as_bytes(),
                    &d.filing.to_be_bytes(),
                ]);
                let originals = d
                    .originals
                    .iter()
                    .map(|o| PackageOriginal {
                        sha: o.sha.clone(),
                        file_id: derived_uuid(&[
                            file_id.as_bytes(),
                            b"original",
                            o.sha.as_str().as_bytes(),
                        ]),
                        kind: o.kind,
                        name: o.file_name.clone(),
                    })
                    .collect();
                PackageDocument {
                    object_id: d.uuid.clone(),
                    number,
                    id,
                    file_id,
                    betreff,
                    bg: d.case_bg.clone(),
                    type_label: label.to_owned(),
                    received,
                    pdf: d.pdf.clone(),
                    text: Some(d.text.clone()),
                    note: Some(crate::package::transfer::note_xml(
                        &d.facts, label, sender, &now,
                    )),
                    originals,
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

/// One `Format` of a version: code (Dateiformat code list), format
/// version, file in the container and, for a file as it arrived, its name
/// then.
struct FormatXml<'a> {
    code: &'a str,
    version: &'a str,
    file: &'a str,
    original: Option<&'a str>,
}

/// A `Version` with its formats (the same content in each) and their files.
fn version_xml(x: &mut XmlWriter, formats: &[FormatXml<'_>]) {
    x.open("xdomea:Version");
    x.leaf(&["xdomea:Nummer"], 1);
    for f in formats {
        x.open("xdomea:Format");
        x.element("xdomea:Name")
            .attr("listURI", "urn:xoev-de:xdomea:codeliste:dateiformat")
            .attr("listVersionID", "1.0")
            .inline(&["code"], f.code);
        x.leaf(&["xdomea:Version"], f.version);
        x.open("xdomea:Primaerdokument");
        x.leaf(&["xdomea:Dateiname"], f.file);
        if let Some(name) = f.original {
            x.leaf(&["xdomea:DateinameOriginal"], name);
        }
        x.close();
        x.close();
    }
    x.close();
}

/// A `Version` with one format and its file.
fn one_format_xml(x: &mut XmlWriter, code: &str, version: &str, file: &str) {
    version_xml(
        x,
        &[FormatXml {
            code,
            version,
            file,
            original: None,
        }],
    );
}

/// An `Anlage` of a document: its own ID, subject and one version.
fn attachment_xml(x: &mut XmlWriter, id: uuid::Uuid, subject: &str, format: (&str, &str, &str)) {
    x.open("xdomea:Anlage");
    x.leaf(&["xdomea:Identifikation", "xdomea:ID"], id);
    x.leaf(&["xdomea:AllgemeineMetadaten", "xdomea:Betreff"], subject);
    one_format_xml(x, format.0, format.1, format.2);
    x.close();
}

impl Package {
    /// Name of the container: `<ProzessID>_FVDaten.SGOAblegen.0605.zip`.
    pub fn zip_name(&self) -> String {
        container_name(&self.process_id.to_string(), "0605")
    }

    /// Name of the message in the container.
    pub fn xml_name(&self) -> String {
        format!("{}_FVDaten.SGOAblegen.0605.xml", self.process_id)
    }

    /// The message (UTF-8 XML).
    pub fn message_xml(&self) -> String {
        let mut x = XmlWriter::new();
        open_message(
            &mut x,
            "0605",
            self.process_id,
            self.created,
            (&self.institution, &self.unit, &self.user),
            self.documents.len() > 1,
        );
        for d in &self.documents {
            x.open("xdomea:SchriftgutobjektZumAblegen");
            x.leaf(&["xdomea:NummerImStapel"], d.number);
            x.leaf(&["xdomea:FachverfahrenObjektID"], &d.object_id);
            x.leaf(&["xdomea:IDContainer"], &d.bg);
            x.open("xdomea:Schriftgutobjekt");
            x.open("xdomea:Dokument");
            x.leaf(&["xdomea:Identifikation", "xdomea:ID"], d.id);
            x.open("xdomea:AllgemeineMetadaten");
            x.leaf(&["xdomea:Betreff"], &d.betreff);
            x.leaf(&["xdomea:Kennzeichen"], &d.bg);
            x.close();
            if let Some(day) = d.received {
                x.leaf(
                    &["xdomea:Posteingangsdatum"],
                    format_args!(
                        "{:04}-{:02}-{:02}",
                        day.year(),
                        u8::from(day.month()),
                        day.day()
                    ),
                );
            }
            x.leaf(&["xdomea:Typ"], &d.type_label);
            // 044: PDF/A (Dateiformat code list 1.0); a born-digital
            // document's files as they arrived are further formats.
            let pdf = d.file_name();
            let names: Vec<String> = d.originals.iter().map(PackageOriginal::file_name).collect();
            let mut formats = vec![FormatXml {
                code: "044",
                version: "PDF/A-2b",
                file: &pdf,
                original: None,
            }];
            for (o, file) in d.originals.iter().zip(&names) {
                let (code, version) = o.kind.xdomea_format();
                formats.push(FormatXml {
                    code,
                    version,
                    file,
                    original: Some(&o.name),
                });
            }
            version_xml(&mut x, &formats);
            if d.attached_text().is_some() {
                // 045: plain Unicode text.
                let file = d.text_file_name();
                attachment_xml(
                    &mut x,
                    d.text_id(),
                    "Volltext (Texterkennung)",
                    ("045", "UTF-8", &file),
                );
            }
            if d.note.is_some() {
                // 030: XML.
                let file = d.note_file_name();
                attachment_xml(
                    &mut x,
                    d.note_id(),
                    "Transfervermerk",
                    ("030", "1.0", &file),
                );
            }
            x.close();
            x.close();
            x.leaf(&["xdomea:Ablageort"], &self.location);
            x.close();
        }
        x.finish()
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
            for o in &d.originals {
                let original_err = |e: std::io::Error| PackageError::Pdf {
                    sha: o.sha.short().to_owned(),
                    object: d.object_id.clone(),
                    detail: format!("Originaldatei {}: {e}", o.name),
                };
                if !blobs.contains(&o.sha) {
                    return Err(original_err(std::io::ErrorKind::NotFound.into()));
                }
                zip.start_file(o.file_name(), options).map_err(zip_err)?;
                blobs.copy_to(&o.sha, &mut zip).map_err(original_err)?;
            }
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
            originals: Vec::new(),
        };
        assert_eq!(
            d.file_name(),
            "00000000-0000-0000-0000-000000000000_Arbeitsunfaehigkeitsbescheinigung_vom_23_11_2026.pdf"
        );
    }
}
