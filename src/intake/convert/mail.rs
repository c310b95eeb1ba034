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
const MAX_DEPTH: usize = 3;
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
    take_apart(&message, 0, &mut out)?;
    Ok(out)
}

fn corrupt(detail: impl Into<String>) -> ConvertError {
    ConvertError::Corrupt {
        kind: "E-Mail",
        detail: detail.into(),
    }
}

fn take_apart(
    message: &mail_parser::Message<'_>,
    depth: usize,
    out: &mut Vec<MailPart>,
) -> Result<(), ConvertError> {
    if depth > MAX_DEPTH {
        return Err(ConvertError::Structure {
            kind: "E-Mail",
            detail: format!("Nachrichten mehr als {MAX_DEPTH}-fach ineinander angehängt"),
        });
    }
    let text_at = out.len();
    out.push(MailPart {
        name: String::new(),
        content: PartContent::Text(String::new()),
    });
    let mut skipped = Vec::new();
    let mut nested = Vec::new();
    for part in message.attachments() {
        let name = part
            .attachment_name()
            .map(clean_name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("Anhang {}", out.len() + nested.len()));
        match &part.body {
            PartType::Message(inner) => nested.push(inner),
            PartType::Text(_)
            | PartType::Html(_)
            | PartType::Binary(_)
            | PartType::InlineBinary(_) => {
                if let Some(what) = no_document(part) {
                    skipped.push(format!("{name} ({what})"));
                    continue;
                }
                if out.len() >= MAX_PARTS {
                    return Err(ConvertError::Structure {
                        kind: "E-Mail",
                        detail: format!("mehr als {MAX_PARTS} Anhänge"),
                    });
                }
                out.push(MailPart {
                    name,
                    content: PartContent::File(part.contents().to_vec()),
                });
            }
            PartType::Multipart(_) => {}
        }
    }
    out[text_at] = MailPart {
        name: match message.subject() {
            Some(s) if !s.trim().is_empty() => format!("E-Mail „{}“", clean_name(s)),
            _ => "E-Mail ohne Betreff".to_owned(),
        },
        content: PartContent::Text(text_of(message, &skipped)),
    };
    for inner in nested {
        take_apart(inner, depth + 1, out)?;
    }
    Ok(())
}

/// Why an attachment is no document of its own, if it is none: a
/// signature, a contact, a calendar entry, or an image shown inside the
/// message's HTML text.
fn no_document(part: &mail_parser::MessagePart<'_>) -> Option<&'static str> {
    let ctype = part.content_type();
    let (main, sub) = ctype
        .map(|c| {
            (
                c.ctype().to_ascii_lowercase(),
                c.subtype().unwrap_or("").to_ascii_lowercase(),
            )
        })
        .unwrap_or_default();
    let name = part.attachment_name().unwrap_or("").to_lowercase();
    if sub.contains("signature") || name.ends_with(".p7s") || name.ends_with(".asc") {
        return Some("elektronische Signatur");
    }
    if sub == "vcard" || sub == "x-vcard" || name.ends_with(".vcf") {
        return Some("Kontaktdaten");
    }
    if sub == "calendar" || name.ends_with(".ics") {
        return Some("Termin");
    }
    // An image the HTML text refers to by its Content-ID (a logo, a
    // signature picture), unless it was explicitly attached.
    let attached = part
        .content_disposition()
        .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"));
    if main == "image" && part.content_id().is_some() && !attached {
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
                .map(|x| match (x.name(), x.address()) {
                    (Some(n), Some(addr)) => format!("{n} <{addr}>"),
                    (None, Some(addr)) => addr.to_owned(),
                    (Some(n), None) => n.to_owned(),
                    (None, None) => String::new(),
                })
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
    };
    let mut text = String::new();
    let mut line = |label: &str, value: String| {
        if !value.trim().is_empty() {
            text.push_str(label);
            text.push_str(&value.replace(['\r', '\n'], " "));
            text.push('\n');
        }
    };
    line("Von: ", addresses(message.from()));
    line("An: ", addresses(message.to()));
    line("Kopie: ", addresses(message.cc()));
    if let Some(d) = message.date() {
        line(
            "Datum: ",
            format!(
                "{:02}.{:02}.{:04} {:02}:{:02} Uhr",
                d.day, d.month, d.year, d.hour, d.minute
            ),
        );
    }
    line("Betreff: ", message.subject().unwrap_or("").to_owned());
    text.push('\n');
    let mut body = String::new();
    for i in 0..message.text_body_count() {
        if let Some(t) = message.body_text(i) {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(&t);
        }
    }
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
