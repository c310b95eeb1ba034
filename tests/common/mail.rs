//! E-mails the tests write, as mail programs send them: multipart/mixed
//! with a text/HTML alternative, quoted-printable German text, base64
//! attachments in 76-column lines, attached messages (message/rfc822).
#![allow(dead_code)]

use std::fmt::Write as _;

/// An attachment: file name, content type, bytes.
pub type Attachment<'a> = (&'a str, &'a str, &'a [u8]);

/// Base64 in lines of 76 characters, as MIME wants it.
pub fn base64_lines(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b = String::with_capacity(data.len() / 3 * 4 + 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                b.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                b.push('=');
            }
        }
    }
    let mut out = String::with_capacity(b.len() + b.len() / 38);
    for chunk in b.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push_str("\r\n");
    }
    out
}

/// Text as quoted-printable (UTF-8), lines kept.
pub fn quoted_printable(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut col = 0;
        for b in line.bytes() {
            let piece = if b == b'=' || b >= 0x80 {
                format!("={b:02X}")
            } else {
                (b as char).to_string()
            };
            if col + piece.len() > 73 {
                out.push_str("=\r\n");
                col = 0;
            }
            col += piece.len();
            out.push_str(&piece);
        }
        out.push_str("\r\n");
    }
    out
}

/// A whole message: headers, a text body (with an HTML alternative when
/// `html` is given), and the attachments, each with a disposition.
pub fn message(
    headers: &[(&str, &str)],
    text: &str,
    html: Option<&str>,
    attachments: &[Attachment<'_>],
) -> Vec<u8> {
    let mut m = String::new();
    for (k, v) in headers {
        write!(m, "{k}: {v}\r\n").unwrap();
    }
    m.push_str("MIME-Version: 1.0\r\n");
    let outer = "=_grenze_aussen_4711";
    let inner = "=_grenze_innen_0815";
    write!(
        m,
        "Content-Type: multipart/mixed; boundary=\"{outer}\"\r\n\r\n\
         Dies ist eine mehrteilige Nachricht im MIME-Format.\r\n\r\n--{outer}\r\n"
    )
    .unwrap();
    let text_part = format!(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}",
        quoted_printable(text)
    );
    match html {
        Some(h) => write!(m,
            "Content-Type: multipart/alternative; boundary=\"{inner}\"\r\n\r\n--{inner}\r\n{text_part}\r\n--{inner}\r\n\
             Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n--{inner}--\r\n",
            quoted_printable(h)
        ).unwrap(),
        None => m.push_str(&text_part),
    }
    for (name, ctype, bytes) in attachments {
        write!(m, "\r\n--{outer}\r\n").unwrap();
        if *ctype == "message/rfc822" {
            write!(m,
                "Content-Type: message/rfc822; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\n{}",
                String::from_utf8_lossy(bytes)
            ).unwrap();
        } else {
            write!(
                m,
                "Content-Type: {ctype}; name=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\
                 Content-Disposition: attachment; filename=\"{name}\"\r\n\r\n{}",
                base64_lines(bytes)
            )
            .unwrap();
        }
    }
    write!(m, "\r\n--{outer}--\r\n").unwrap();
    m.into_bytes()
}

/// An Outlook message (`.msg`, compound file version 3 as Outlook writes
/// it) with its sender, one recipient, subject, plain-text body and
/// attachments (file name, bytes).
pub fn outlook_msg(
    sender: (&str, &str),
    to: (&str, &str),
    subject: &str,
    body: &str,
    attachments: &[(&str, &[u8])],
) -> Vec<u8> {
    use std::io::Write;
    type Msg = cfb::CompoundFile<std::io::Cursor<Vec<u8>>>;
    fn put(f: &mut Msg, path: &str, bytes: &[u8]) {
        f.create_stream(path).unwrap().write_all(bytes).unwrap();
    }
    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }
    let mut f =
        Msg::create_with_version(cfb::Version::V3, std::io::Cursor::new(Vec::new())).unwrap();
    put(&mut f, "/__properties_version1.0", &[0; 32]);
    put(&mut f, "/__substg1.0_001A001F", &utf16("IPM.Note"));
    put(&mut f, "/__substg1.0_0037001F", &utf16(subject));
    put(&mut f, "/__substg1.0_1000001F", &utf16(body));
    put(&mut f, "/__substg1.0_0C1A001F", &utf16(sender.0));
    put(&mut f, "/__substg1.0_0C1F001F", &utf16(sender.1));
    let recip = "/__recip_version1.0_#00000000";
    f.create_storage(recip).unwrap();
    put(&mut f, &format!("{recip}/__properties_version1.0"), &[0; 8]);
    put(
        &mut f,
        &format!("{recip}/__substg1.0_3001001F"),
        &utf16(to.0),
    );
    put(
        &mut f,
        &format!("{recip}/__substg1.0_39FE001F"),
        &utf16(to.1),
    );
    for (i, (name, bytes)) in attachments.iter().enumerate() {
        let dir = format!("/__attach_version1.0_#{i:08X}");
        f.create_storage(&dir).unwrap();
        put(&mut f, &format!("{dir}/__properties_version1.0"), &[0; 8]);
        put(&mut f, &format!("{dir}/__substg1.0_3707001F"), &utf16(name));
        put(&mut f, &format!("{dir}/__substg1.0_37010102"), bytes);
    }
    f.flush().unwrap();
    f.into_inner().into_inner()
}
