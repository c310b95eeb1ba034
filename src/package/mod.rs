//! Packaging: what leaves the station for the DMS — the PDF/A of each
//! document ([`pdfa`]), the xdomea messages and replies ([`xdomea`]) and the
//! transfer note of each document ([`transfer`]); both name the sending
//! station ([`Sender`]) and escape their text alike (`xml`).

pub mod pdfa;
pub mod transfer;
pub mod xdomea;
pub(crate) mod xml;

/// Who sends, and where the DMS finds the files.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sender {
    /// SHA-256 of the station's configuration (transfer note).
    pub config_sha256: Option<String>,
    /// The quality control the batches went through (none: off).
    pub qa: Option<crate::protect::qa::QaSettings>,
    /// Sending institution, e.g. "Jobcenter Minden-Lübbecke".
    pub institution: String,
    /// Sending unit, e.g. "Scanstelle".
    pub unit: String,
    /// Who made the message (`Erstellerkennung`).
    pub user: String,
    /// `Ablageort`: the transport's folder name or URL.
    pub location: String,
}
