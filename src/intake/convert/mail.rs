//! E-mails (`.eml`: RFC 5322 with MIME), taken apart with `mail-parser`:
//! one document of the message itself (sender, recipients, date, subject,
//! text) and one per attachment; an attached message gives its own
//! document and attachments in turn, a few levels deep.
//!
//! An HTML body becomes plain text by the parser's own conversion, so
//! nothing it refers to (remote images, style sheets) is ever fetched or
//! opened. What is no document (signatures, vCards, calendar entries,
//! images shown inside the HTML text) is not taken apart but named in the
//! message's document; the e-mail itself goes with that document as it
//! arrived, with everything in it.

use super::ConvertError;
use mail_parser::{MessageParser, MimeHeaders, PartType};
use std::fmt::Write as _;

/// Deepest nesting of messages in messages taken apart.
pub const MAX_DEPTH: usize = 3;
/// Most characters of a message's text rendered as its document; the
/// rest stays in the e-mail that goes with it.
pub const MAX_BODY_CHARS: usize = 100_000;
/// Most documents one e-mail gives, attached messages included.
const MAX_PARTS: usize = 60;

/// One document an e-mail gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPart {
    /// What it is called: the attachment's file name, or `E-Mail` with
    /// the subject for a message's own text.
    pub name: String,
    /// What it holds.
    pub content: PartContent,
}

/// What a document of an e-mail holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartContent {
    /// A message's own text, to be rendered: its header lines and body.
    Text(String),
    /// An attachment, byte for byte as it was attached.
    File(Vec<u8>),
}

/// Whether `bytes` are an e-mail: a header block of RFC 5322 fields at the
/// start (a field name, a colon) with `From:` and one more field only
/// messages have (`Date:`, `Subject:`, `Message-ID:`, `Received:`,
/// `MIME-Version:`).
pub fn is_mail(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(65_536)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(head);
    let mut names = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue; // a folded continuation of the field before
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return false;
        }
        names.push(name.to_ascii_lowercase());
    }
    names.iter().any(|n| n == "from")
        && names.iter().any(|n| {
            ["date", "subject", "message-id", "received", "mime-version"].contains(&n.as_str())
        })
}

/// Takes an e-mail apart into its documents: the message's text first,
/// then each attachment (an attached message: its text, then its
/// attachments).
pub fn parts(bytes: &[u8]) -> Result<Vec<MailPart>, ConvertError> {
    let message = MessageParser::default()
        .parse(bytes)
        .ok_or_else(|| corrupt("der Kopf der Nachricht ist nicht lesbar"))?;
    let mut out = Vec::new();
    take_apart(&&message, 0, &mut out)?;
    Ok(out)
}

fn corrupt(detail: impl Into<String>) -> ConvertError {
    ConvertError::Corrupt {
        kind: "E-Mail",
        detail: detail.into(),
    }
}

/// Why messages attached deeper than [`MAX_DEPTH`] are refused (`kind`:
/// the format in words).
pub fn too_deep(kind: &'static str) -> ConvertError {
    ConvertError::Structure {
        kind,
        detail: format!("Nachrichten mehr als {MAX_DEPTH}-fach ineinander angehängt"),
    }
}

/// An attachment of a message, as [`take_apart`] sees it.
enum Attached<'m, M> {
    /// An attached message, taken apart in turn; `None`: unreadable.
    Message(Option<M>),
    /// No document of its own: why, in words.
    Skipped(&'static str),
    /// A file to take as a document.
    File(&'m [u8]),
    /// Only structure (a multipart container).
    Nothing,
}

/// A message as either parser read it (`.eml`, `.msg`).
trait Message: Sized {
    /// The format in words, for reasons.
    const KIND: &'static str;
    /// Its attachments in order: the name given (empty if none) and what
    /// each is.
    fn attached(&self) -> Vec<(String, Attached<'_, Self>)>;
    /// Its subject.
    fn subject(&self) -> Option<&str>;
    /// The text of its document ([`compose`]), naming what was `skipped`.
    fn text(&self, skipped: &[String]) -> String;
}

/// Appends a message's documents to `out`: its text, its attachments, then
/// the messages attached to it, each in turn (`depth`: how deep it is
/// attached).
fn take_apart<M: Message>(
    message: &M,
    depth: usize,
    out: &mut Vec<MailPart>,
) -> Result<(), ConvertError> {
    if depth > MAX_DEPTH {
        return Err(too_deep(M::KIND));
    }
    let text_at = out.len();
    out.push(MailPart {
        name: String::new(),
        content: PartContent::Text(String::new()),
    });
    let mut skipped = Vec::new();
    let mut nested = Vec::new();
    for (name, attached) in message.attached() {
        let name = Some(name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("Anhang {}", out.len() + nested.len()));
        match attached {
            Attached::Nothing => {}
            Attached::Message(Some(inner)) => nested.push(inner),
            Attached::Message(None) => {
                return Err(ConvertError::Corrupt {
                    kind: M::KIND,
                    detail: format!("die angehängte Nachricht „{name}“ ist nicht lesbar"),
                });
            }
            Attached::Skipped(what) => skipped.push(format!("{name} ({what})")),
            Attached::File(bytes) => {
                if out.len() >= MAX_PARTS {
                    return Err(ConvertError::Structure {
                        kind: M::KIND,
                        detail: format!("mehr als {MAX_PARTS} Anhänge"),
                    });
                }
                out.push(MailPart {
                    name,
                    content: PartContent::File(bytes.to_vec()),
                });
            }
        }
    }
    out[text_at] = MailPart {
        name: match message.subject() {
            Some(s) if !s.trim().is_empty() => format!("E-Mail „{}“", clean_name(s)),
            _ => "E-Mail ohne Betreff".to_owned(),
        },
        content: PartContent::Text(message.text(&skipped)),
    };
    for inner in &nested {
        take_apart(inner, depth + 1, out)?;
    }
    Ok(())
}

impl<'a> Message for &'a mail_parser::Message<'a> {
    const KIND: &'static str = "E-Mail";

    fn attached(&self) -> Vec<(String, Attached<'_, Self>)> {
        self.attachments()
            .map(|part| {
                let name = part.attachment_name().map(clean_name).unwrap_or_default();
                let attached = match &part.body {
                    PartType::Message(inner) => Attached::Message(Some(inner)),
                    PartType::Multipart(_) => Attached::Nothing,
                    PartType::Text(_)
                    | PartType::Html(_)
                    | PartType::Binary(_)
                    | PartType::InlineBinary(_) => match no_document(part) {
                        Some(what) => Attached::Skipped(what),
                        None => Attached::File(part.contents()),
                    },
                };
                (name, attached)
            })
            .collect()
    }

    fn subject(&self) -> Option<&str> {
        mail_parser::Message::subject(self)
    }

    fn text(&self, skipped: &[String]) -> String {
        text_of(self, skipped)
    }
}

impl Message for msg_parser::Outlook {
    const KIND: &'static str = "MSG";

    fn attached(&self) -> Vec<(String, Attached<'_, Self>)> {
        self.attachments
            .iter()
            .map(|a| {
                let name = [&a.long_file_name, &a.file_name, &a.display_name]
                    .into_iter()
                    .map(|n| clean_name(n))
                    .find(|n| !n.is_empty())
                    .unwrap_or_default();
                let attached = if a.is_embedded_message() {
                    Attached::Message(a.as_message().and_then(Result::ok))
                } else {
                    match no_document_kind(&a.mime_tag, &name, !a.content_id.is_empty()) {
                        Some(what) => Attached::Skipped(what),
                        None => Attached::File(&a.payload_bytes),
                    }
                };
                (name, attached)
            })
            .collect()
    }

    fn subject(&self) -> Option<&str> {
        Some(&self.subject)
    }

    fn text(&self, skipped: &[String]) -> String {
        let people = |list: &[msg_parser::Person]| {
            list.iter()
                .map(|p| person(Some(&p.name), Some(&p.email)))
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let body = if self.body.trim().is_empty() && !self.html.trim().is_empty() {
            mail_parser::decoders::html::html_to_text(&self.html)
        } else {
            self.body.clone()
        };
        let date = [&self.client_submit_time, &self.message_delivery_time]
            .into_iter()
            .find(|d| !d.trim().is_empty())
            .cloned()
            .unwrap_or_default();
        compose(
            &[
                (
                    "Von: ",
                    person(Some(&self.sender.name), Some(&self.sender.email)),
                ),
                ("An: ", people(&self.to)),
                ("Kopie: ", people(&self.cc)),
                ("Datum: ", date),
                ("Betreff: ", self.subject.clone()),
            ],
            &body,
            skipped,
        )
    }
}

/// Why an attachment is no document of its own, if it is none: a
/// signature, a contact, a calendar entry, or an image shown inside the
/// message's HTML text.
fn no_document(part: &mail_parser::MessagePart<'_>) -> Option<&'static str> {
    let (main, sub) = part
        .content_type()
        .map(|c| {
            (
                c.ctype().to_ascii_lowercase(),
                c.subtype().unwrap_or("").to_ascii_lowercase(),
            )
        })
        .unwrap_or_default();
    let attached = part
        .content_disposition()
        .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"));
    no_document_kind(
        &format!("{main}/{sub}"),
        part.attachment_name().unwrap_or(""),
        part.content_id().is_some() && !attached,
    )
}

/// [`no_document`] from an attachment's MIME type, name, and whether the
/// text shows it by its Content-ID (and it was not explicitly attached).
fn no_document_kind(mime: &str, name: &str, shown_in_text: bool) -> Option<&'static str> {
    let mime = mime.to_ascii_lowercase();
    let name = name.to_lowercase();
    let (main, sub) = mime.split_once('/').unwrap_or((&mime, ""));
    if sub.contains("signature") || name.ends_with(".p7s") || name.ends_with(".asc") {
        return Some("elektronische Signatur");
    }
    if sub == "vcard" || sub == "x-vcard" || name.ends_with(".vcf") {
        return Some("Kontaktdaten");
    }
    if sub == "calendar" || name.ends_with(".ics") {
        return Some("Termin");
    }
    if main == "image" && shown_in_text {
        return Some("Bild im Text der Nachricht");
    }
    None
}

/// A name as it may be shown and stored: no control characters, no path.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The text of a message's document: who wrote to whom and when, the
/// subject, the body (an HTML body as plain text), and what was not taken
/// apart.
fn text_of(message: &mail_parser::Message<'_>, skipped: &[String]) -> String {
    let addresses = |a: Option<&mail_parser::Address<'_>>| -> String {
        a.map(|a| {
            a.iter()
                .map(|x| person(x.name(), x.address()))
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
    };
    let date = message.date().map(|d| {
        format!(
            "{:02}.{:02}.{:04} {:02}:{:02} Uhr",
            d.day, d.month, d.year, d.hour, d.minute
        )
    });
    let mut body = String::new();
    for i in 0..message.text_body_count() {
        if let Some(t) = message.body_text(i) {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(&t);
        }
    }
    compose(
        &[
            ("Von: ", addresses(message.from())),
            ("An: ", addresses(message.to())),
            ("Kopie: ", addresses(message.cc())),
            ("Datum: ", date.unwrap_or_default()),
            ("Betreff: ", message.subject().unwrap_or("").to_owned()),
        ],
        &body,
        skipped,
    )
}

/// A person as a header line names them: `Name <address>`.
fn person(name: Option<&str>, address: Option<&str>) -> String {
    match (
        name.filter(|n| !n.is_empty()),
        address.filter(|a| !a.is_empty()),
    ) {
        (Some(n), Some(a)) if n != a => format!("{n} <{a}>"),
        (_, Some(a)) => a.to_owned(),
        (Some(n), None) => n.to_owned(),
        (None, None) => String::new(),
    }
}

/// A message's document text from its header lines (label, value; empty
/// values left out), its body and what was not taken apart.
fn compose(lines: &[(&str, String)], body: &str, skipped: &[String]) -> String {
    let mut text = String::new();
    for (label, value) in lines {
        if !value.trim().is_empty() {
            text.push_str(label);
            text.push_str(&value.replace(['\r', '\n'], " "));
            text.push('\n');
        }
    }
    text.push('\n');
    let body: String = body
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    let total = body.chars().count();
    if total > MAX_BODY_CHARS {
        text.extend(body.chars().take(MAX_BODY_CHARS));
        let _ = write!(
            text,
            "\n\n[Der Text der Nachricht ist {} Zeichen lang; hier stehen die ersten {}. \
             Die vollständige Nachricht liegt als Originaldatei bei.]\n",
            crate::intake::thousands(total),
            crate::intake::thousands(MAX_BODY_CHARS)
        );
    } else {
        text.push_str(body.trim_end());
        text.push('\n');
    }
    if !skipped.is_empty() {
        text.push_str(
            "\nNicht als eigene Dokumente übernommen (in der Originaldatei enthalten):\n",
        );
        for s in skipped {
            text.push_str("- ");
            text.push_str(s);
            text.push('\n');
        }
    }
    text
}

/// Takes an Outlook message (`.msg`) apart like an e-mail ([`parts`]),
/// read with `msg_parser`.
pub fn msg_parts(bytes: &[u8]) -> Result<Vec<MailPart>, ConvertError> {
    let message = msg_parser::Outlook::from_slice(bytes).map_err(|_| ConvertError::Corrupt {
        kind: "MSG",
        detail: "die Outlook-Nachricht ist nicht lesbar".into(),
    })?;
    let mut out = Vec::new();
    take_apart(&message, 0, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_is_known_by_its_header_block_not_by_a_word_in_it() {
        assert!(is_mail(
            b"Received: from x\r\nFrom: A <a@b.de>\r\nSubject: Antrag\r\n\r\nText"
        ));
        assert!(is_mail(
            b"From: a@b.de\nDate: Mon, 7 Dec 2026 10:00:00 +0100\n  (folded)\n\nText"
        ));
        // A letter that talks about mail headers is a letter.
        assert!(!is_mail(
            b"Sehr geehrte Damen und Herren,\nFrom: steht oben\n"
        ));
        // From alone is not enough.
        assert!(!is_mail(b"From: a@b.de\n\nText"));
    }

    #[test]
    fn the_text_names_sender_date_subject_and_what_was_left_in_the_original() {
        let mail = "From: Erika Mustermann <erika@example.org>\r\nTo: jobcenter@example.org\r\n\
            Date: Mon, 7 Dec 2026 09:15:00 +0100\r\nSubject: Nachweise\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
            Content-Type: text/html; charset=utf-8\r\n\r\n<p>Anbei die <b>Nachweise</b>.\
            <img src=\"https://tracker.example/pixel.gif\"></p>\r\n--b\r\n\
            Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n\
            Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\nMIIB\r\n--b\r\n\
            Content-Type: text/plain; name=\"notiz.txt\"\r\n\
            Content-Disposition: attachment; filename=\"../../notiz.txt\"\r\n\r\nNotiz\r\n--b--\r\n";
        let parts = parts(mail.as_bytes()).unwrap();
        assert_eq!(parts.len(), 2, "{parts:?}");
        let PartContent::Text(text) = &parts[0].content else {
            panic!("{parts:?}")
        };
        assert!(
            text.contains("Von: Erika Mustermann <erika@example.org>"),
            "{text}"
        );
        assert!(text.contains("Datum: 07.12.2026 09:15 Uhr"), "{text}");
        assert!(text.contains("Anbei die Nachweise"), "{text}");
        assert!(!text.contains("tracker.example"), "{text}");
        assert!(
            text.contains("smime.p7s (elektronische Signatur)"),
            "{text}"
        );
        assert_eq!(parts[0].name, "E-Mail „Nachweise“");
        assert_eq!(parts[1].name, "notiz.txt");
        assert_eq!(parts[1].content, PartContent::File(b"Notiz".to_vec()));
    }

    #[test]
    fn a_logo_the_html_shows_is_no_document_but_an_attached_photo_is() {
        let mail = "From: a@b.de\r\nSubject: Foto\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n\
            Content-Type: multipart/related; boundary=\"r\"\r\n\r\n--r\r\n\
            Content-Type: text/html\r\n\r\n<p>Hallo <img src=\"cid:logo\"></p>\r\n--r\r\n\
            Content-Type: image/png\r\nContent-ID: <logo>\r\n\r\nPNG\r\n--r--\r\n--m\r\n\
            Content-Type: image/jpeg; name=\"ausweis.jpg\"\r\nContent-ID: <x>\r\n\
            Content-Disposition: attachment; filename=\"ausweis.jpg\"\r\n\r\nJPG\r\n--m--\r\n";
        let parts = parts(mail.as_bytes()).unwrap();
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["E-Mail „Foto“", "ausweis.jpg"], "{parts:?}");
        let PartContent::Text(text) = &parts[0].content else {
            panic!("{parts:?}")
        };
        assert!(text.contains("(Bild im Text der Nachricht)"), "{text}");
    }
}
