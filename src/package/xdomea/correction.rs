//! xdomea 3.0.0 corrections of an object the DMS filed:
//! `FVDaten.SGOUngueltigKennzeichnen.0617` marks it invalid where it lies
//! (a wrong case), `FVDaten.MetadatenAktualisieren.0610` sets its type and
//! subject anew (a wrong type). Each is one message with one object, named
//! by the DMS's ID (`IDSGO`), in a ZIP container like the filing's
//! (`<ProzessID>_<Nachricht>.zip`, the message as
//! `<ProzessID>_<Nachricht>.xml`), and answered like it with a 0629 and a
//! 0630.

use super::{PackageError, container_name, message_name, open_message, small_zip};
use crate::package::Sender;
use crate::package::xml::XmlWriter;
use std::io::{Seek, Write};

/// What a correction asks of the DMS.
#[derive(Debug, Clone, PartialEq)]
pub enum Fix {
    /// Mark the object invalid (0617).
    Invalidate,
    /// Set its type and subject (0610).
    Metadata {
        /// The type in words (`Typ`).
        type_label: String,
        /// The subject (`Betreff`).
        betreff: String,
    },
}

/// A correction message.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionPackage {
    /// Its ProzessID, for life (resends use it again).
    pub process_id: uuid::Uuid,
    /// When the message was made.
    pub created: time::OffsetDateTime,
    /// Sending institution, unit and user.
    pub sender: Sender,
    /// The object in the DMS (`IDSGO`).
    pub object: uuid::Uuid,
    /// What to do with it.
    pub fix: Fix,
}

impl CorrectionPackage {
    /// The message's code: `0617` or `0610`.
    pub fn code(&self) -> &'static str {
        match self.fix {
            Fix::Invalidate => "0617",
            Fix::Metadata { .. } => "0610",
        }
    }

    /// Name of the container: `<ProzessID>_<Nachricht>.zip`.
    pub fn zip_name(&self) -> String {
        container_name(&self.process_id.to_string(), self.code())
    }

    /// Name of the message in the container.
    pub fn xml_name(&self) -> String {
        format!("{}_{}.xml", self.process_id, message_name(self.code()))
    }

    /// The message (UTF-8 XML).
    pub fn message_xml(&self) -> String {
        let mut x = XmlWriter::new();
        let s = &self.sender;
        open_message(
            &mut x,
            self.code(),
            self.process_id,
            self.created,
            (&s.institution, &s.unit, &s.user),
            false,
        );
        match &self.fix {
            Fix::Invalidate => {
                x.open("xdomea:SchriftgutobjektZumUngueltigKennzeichnen");
                x.leaf(&["xdomea:NummerImStapel"], 1);
                x.leaf(&["xdomea:IDSGO"], self.object);
                x.close();
            }
            Fix::Metadata {
                type_label,
                betreff,
            } => {
                x.open("xdomea:MetadatenZumAktualisieren");
                x.leaf(&["xdomea:NummerImStapel"], 1);
                x.leaf(&["xdomea:IDSGO"], self.object);
                for (name, value) in [("Typ", type_label), ("Betreff", betreff)] {
                    x.open("xdomea:Metadatum");
                    x.leaf(&["xdomea:Name"], name);
                    x.leaf(&["xdomea:Wert"], value);
                    x.close();
                }
                x.close();
            }
        }
        x.finish()
    }

    /// Writes the container (the message alone).
    pub fn write_zip<W: Write + Seek>(&self, out: W) -> Result<W, PackageError> {
        small_zip(out, &[(&self.xml_name(), self.message_xml().as_bytes())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_corrections_name_the_object_and_what_to_do() {
        let mut c = CorrectionPackage {
            process_id: uuid::Uuid::nil(),
            created: time::OffsetDateTime::UNIX_EPOCH,
            sender: Sender::default(),
            object: uuid::Uuid::from_u128(7),
            fix: Fix::Invalidate,
        };
        assert_eq!(
            c.zip_name(),
            "00000000-0000-0000-0000-000000000000_FVDaten.SGOUngueltigKennzeichnen.0617.zip"
        );
        let xml = c.message_xml();
        assert!(xml.contains("<xdomea:FVDaten.SGOUngueltigKennzeichnen.0617 "));
        assert!(xml.contains("<xdomea:IDSGO>00000000-0000-0000-0000-000000000007</xdomea:IDSGO>"));
        c.fix = Fix::Metadata {
            type_label: "Kontoauszug".into(),
            betreff: "Kontoauszug, eingegangen am 01.12.2026".into(),
        };
        let xml = c.message_xml();
        assert!(xml.contains("<code>0610</code>"), "{xml}");
        assert!(
            xml.contains("<xdomea:Wert>Kontoauszug</xdomea:Wert>"),
            "{xml}"
        );
    }
}
