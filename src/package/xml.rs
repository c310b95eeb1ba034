//! XML text: escaping for content and attribute values, and what a parser
//! error means in words.

/// What an XML parser's error means, in German words with the place
/// (the parser's English stays in the log).
pub(crate) fn parse_error_words(e: &roxmltree::Error) -> String {
    let pos = e.pos();
    match e {
        roxmltree::Error::DtdDetected => {
            "die Antwort enthält eine Dokumenttyp-Definition (DTD); das ist nicht erlaubt \
             (Schutz vor XML-Angriffen)"
                .into()
        }
        roxmltree::Error::NodesLimitReached
        | roxmltree::Error::AttributesLimitReached
        | roxmltree::Error::NamespacesLimitReached => {
            "die Antwort ist zu umfangreich (zu viele Elemente)".into()
        }
        roxmltree::Error::EntityReferenceLoop(_) => {
            "die Antwort enthält sich selbst aufrufende Entitäten (XML-Angriff?)".into()
        }
        _ => format!(
            "kein wohlgeformtes XML (Zeile {}, Spalte {})",
            pos.row, pos.col
        ),
    }
}

/// Escapes text for XML content.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 does not allow are left out.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}
