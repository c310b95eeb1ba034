//! xdomea 3.0.0 `FVDaten.GesamtprotokollAblegen.0623`: the station's audit
//! chain since the last upload, filed in the DMS as a document of the
//! station's protocol object. The entries travel as a file of JSON lines
//! (one entry with its hash per line, `<UUID>_Pruefprotokoll.jsonl`); the
//! message names the range and the chain's head hash, so a later rewrite
//! of the chain at the station shows against the DMS's copy
//! (`audit verify --against-dms`).

use super::{PackageError, container_name, derived_uuid, message_name, open_message, small_zip};
use crate::package::Sender;
use crate::package::xml::XmlWriter;
use crate::store::ChainEntry;
use std::io::{Seek, Write};

/// An upload of the chain.
#[derive(Debug, Clone)]
pub struct ProtocolPackage {
    /// Its ProzessID, for life.
    pub process_id: uuid::Uuid,
    /// When the message was made.
    pub created: time::OffsetDateTime,
    /// Sending institution, unit and user; `location` is the `Ablageort`.
    pub sender: Sender,
    /// The first and last entry it carries.
    pub range: (i64, i64),
    /// The chain's head hash at the last entry.
    pub head: String,
    /// The entries.
    pub entries: Vec<ChainEntry>,
}

impl ProtocolPackage {
    /// The station's protocol object in the DMS (`IDSGO`): one per
    /// institution and unit, the same for every upload.
    pub fn object_id(&self) -> uuid::Uuid {
        derived_uuid(&[
            b"scanstelle-pruefprotokoll",
            self.sender.institution.as_bytes(),
            self.sender.unit.as_bytes(),
        ])
    }

    /// This upload's document ID.
    fn document_id(&self) -> uuid::Uuid {
        derived_uuid(&[self.process_id.as_bytes(), b"protokoll"])
    }

    /// Name of the entries' file in the container.
    pub fn file_name(&self) -> String {
        format!("{}_Pruefprotokoll.jsonl", self.document_id())
    }

    /// Name of the container.
    pub fn zip_name(&self) -> String {
        container_name(&self.process_id.to_string(), "0623")
    }

    /// Name of the message in the container.
    pub fn xml_name(&self) -> String {
        format!("{}_{}.xml", self.process_id, message_name("0623"))
    }

    /// The entries, one JSON line each.
    pub fn lines(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            out.push_str(&serde_json::to_string(e).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// The message (UTF-8 XML).
    pub fn message_xml(&self) -> String {
        let mut x = XmlWriter::new();
        let s = &self.sender;
        open_message(
            &mut x,
            "0623",
            self.process_id,
            self.created,
            (&s.institution, &s.unit, &s.user),
            false,
        );
        let (first, last) = self.range;
        x.open("xdomea:GesamtprotokollZumAblegen");
        x.leaf(&["xdomea:NummerImStapel"], 1);
        x.leaf(&["xdomea:IDSGO"], self.object_id());
        x.leaf(&["xdomea:Ablageort"], &s.location);
        x.open("xdomea:Dokument");
        x.leaf(&["xdomea:Identifikation", "xdomea:ID"], self.document_id());
        x.leaf(
            &["xdomea:AllgemeineMetadaten", "xdomea:Betreff"],
            format_args!(
                "Prüfprotokoll der Scanstelle, Einträge {first} bis {last}, Kettenende {}",
                self.head
            ),
        );
        x.leaf(&["xdomea:Typ"], "Prüfprotokoll");
        // 045: plain Unicode text (one JSON object per line).
        super::one_format_xml(&mut x, "045", "UTF-8", &self.file_name());
        x.close();
        x.open("xdomea:HistorienProtokollInformation");
        x.leaf(&["xdomea:MetadatumName"], "Kettenende");
        x.leaf(&["xdomea:MetadatumNeuerWert"], &self.head);
        x.leaf(&["xdomea:Akteur"], &s.user);
        x.leaf(&["xdomea:DatumUhrzeit"], super::stamp(self.created));
        x.leaf(
            &["xdomea:Bemerkung"],
            format_args!("Einträge {first} bis {last}"),
        );
        x.leaf(&["xdomea:Aktion"], "Prüfprotokoll abgelegt");
        x.close();
        x.close();
        x.finish()
    }

    /// Writes the container: the message and the entries' file.
    pub fn write_zip<W: Write + Seek>(&self, out: W) -> Result<W, PackageError> {
        small_zip(
            out,
            &[
                (&self.xml_name(), self.message_xml().as_bytes()),
                (&self.file_name(), self.lines().as_bytes()),
            ],
        )
    }
}

/// Largest entries' file a copy may hold (a year of a busy station's
/// chain is well below it).
const MAX_COPY_BYTES: u64 = 512 << 20;

/// Reads the entries of a DMS copy: a 0623 container (its entries' file)
/// or the entries' file itself. Refused in words when it holds neither.
pub fn read_copy(bytes: &[u8]) -> Result<Vec<ChainEntry>, String> {
    let text = if bytes.starts_with(b"PK") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| format!("kein lesbarer ZIP-Container: {e}"))?;
        let name = (0..zip.len())
            .filter_map(|i| {
                zip.name_for_index(i)?
                    .ok()
                    .map(std::borrow::Cow::into_owned)
            })
            .find(|n| n.ends_with("_Pruefprotokoll.jsonl"))
            .ok_or("im Container ist kein Prüfprotokoll (…_Pruefprotokoll.jsonl)")?;
        let entry = zip.by_name(&name).map_err(|e| e.to_string())?;
        if entry.size() > MAX_COPY_BYTES {
            return Err(format!(
                "das Prüfprotokoll im Container ist größer als {} MB",
                MAX_COPY_BYTES >> 20
            ));
        }
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(entry, MAX_COPY_BYTES), &mut s)
            .map_err(|e| e.to_string())?;
        s
    } else {
        String::from_utf8(bytes.to_vec()).map_err(|_| "nicht UTF-8-kodiert".to_owned())?
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| format!("Zeile {}: kein Protokolleintrag ({e})", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64) -> ChainEntry {
        ChainEntry {
            id,
            at: "2026-12-07T01:00:00Z".into(),
            kind: "batch.sent".into(),
            batch_id: Some(1),
            document_id: None,
            page_id: None,
            actor: None,
            detail: "ProzessID …".into(),
            hash: "ab".repeat(32),
        }
    }

    #[test]
    fn a_copy_reads_back_and_anything_else_is_refused_in_words() {
        let p = ProtocolPackage {
            process_id: uuid::Uuid::nil(),
            created: time::OffsetDateTime::UNIX_EPOCH,
            sender: Sender::default(),
            range: (1, 2),
            head: "ab".repeat(32),
            entries: vec![entry(1), entry(2)],
        };
        let zip = p
            .write_zip(std::io::Cursor::new(Vec::new()))
            .unwrap()
            .into_inner();
        assert_eq!(read_copy(&zip).unwrap(), p.entries);
        assert_eq!(read_copy(p.lines().as_bytes()).unwrap(), p.entries);
        let xml = p.message_xml();
        assert!(xml.contains("<code>0623</code>") && xml.contains("Einträge 1 bis 2"));
        let e = read_copy(b"{\"id\": 1}\n").unwrap_err();
        assert!(e.starts_with("Zeile 1: kein Protokolleintrag"), "{e}");
        let e = read_copy(b"\xff\xfe").unwrap_err();
        assert!(e.contains("UTF-8"), "{e}");
        let mut other = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        other
            .start_file("x.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        let other = other.finish().unwrap().into_inner();
        let e = read_copy(&other).unwrap_err();
        assert!(e.contains("kein Prüfprotokoll"), "{e}");
    }
}
