//! XML: a small writer that escapes by construction (element and attribute
//! names are literals of the program, every value goes through the
//! escaping), and what a parser's error means in words. Reading stays with
//! `roxmltree`.

use std::fmt::{Display, Write as _};

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

/// Appends `s` escaped for XML content; in an attribute value (`attr`)
/// tabs and line breaks become character references, so that a parser's
/// normalisation of attribute values gives them back unchanged.
fn push_escaped(out: &mut String, s: &str, attr: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            // Characters XML 1.0 does not allow are left out.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n') => {}
            '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

/// A value as text (numbers and strings alike), escaped.
fn escaped(value: impl Display, attr: bool) -> String {
    let mut plain = String::new();
    let _ = write!(plain, "{value}");
    let mut out = String::with_capacity(plain.len());
    push_escaped(&mut out, &plain, attr);
    out
}

/// Writes an XML document, one element per line, indented by two spaces
/// per level. Names are `&'static str` (the program's own literals); all
/// text and attribute values are escaped here, so no caller can forget it.
#[derive(Debug)]
pub(crate) struct XmlWriter {
    out: String,
    open: Vec<&'static str>,
}

impl XmlWriter {
    /// A document with the XML declaration (UTF-8).
    pub(crate) fn new() -> Self {
        Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    /// An element at the current level; finish it with
    /// [`Element::open`], [`Element::empty`] or [`Element::text`].
    pub(crate) fn element(&mut self, name: &'static str) -> Element<'_> {
        let depth = self.open.len();
        for _ in 0..depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        Element { w: self, name }
    }

    /// Opens `name` without attributes (closed by [`XmlWriter::close`]).
    pub(crate) fn open(&mut self, name: &'static str) {
        self.element(name).open();
    }

    /// `<a><b>text</b></a>` on one line, for the path `[a, b]`.
    pub(crate) fn leaf(&mut self, path: &[&'static str], text: impl Display) {
        if let Some((first, rest)) = path.split_first() {
            self.element(first).inline(rest, text);
        }
    }

    /// Closes the innermost open element.
    pub(crate) fn close(&mut self) {
        debug_assert!(!self.open.is_empty(), "close without an open element");
        let name = self.open.pop().unwrap_or_default();
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// The document, with every element still open closed.
    pub(crate) fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

/// An element being written: its start tag, attribute by attribute.
#[derive(Debug)]
#[must_use = "an element is written by open, empty or text"]
pub(crate) struct Element<'w> {
    w: &'w mut XmlWriter,
    name: &'static str,
}

impl Element<'_> {
    /// An attribute (the value escaped).
    pub(crate) fn attr(self, name: &'static str, value: impl Display) -> Self {
        self.w.out.push(' ');
        self.w.out.push_str(name);
        self.w.out.push_str("=\"");
        let v = escaped(value, true);
        self.w.out.push_str(&v);
        self.w.out.push('"');
        self
    }

    /// An attribute only if there is a value.
    pub(crate) fn attr_opt(self, name: &'static str, value: Option<impl Display>) -> Self {
        match value {
            Some(v) => self.attr(name, v),
            None => self,
        }
    }

    /// The start tag; children follow until [`XmlWriter::close`].
    pub(crate) fn open(self) {
        self.w.out.push_str(">\n");
        self.w.open.push(self.name);
    }

    /// `<name …/>`.
    pub(crate) fn empty(self) {
        self.w.out.push_str("/>\n");
    }

    /// `<name …>text</name>`.
    pub(crate) fn text(self, text: impl Display) {
        self.inline(&[], text);
    }

    /// `<name …><a><b>text</b></a></name>` on one line, for the path `[a, b]`.
    pub(crate) fn inline(self, path: &[&'static str], text: impl Display) {
        let out = &mut self.w.out;
        out.push('>');
        for p in path {
            out.push('<');
            out.push_str(p);
            out.push('>');
        }
        let t = escaped(text, false);
        out.push_str(&t);
        for p in path.iter().rev().chain([&self.name]) {
            out.push_str("</");
            out.push_str(p);
            out.push('>');
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_and_nesting_indents() {
        let mut x = XmlWriter::new();
        x.element("r")
            .attr("a", "x\"<&\n\u{1}")
            .attr_opt("b", None::<u8>)
            .open();
        x.leaf(&["p", "q"], "a<b>&\"c\u{1}\r");
        x.element("e").attr("n", 7).empty();
        x.open("o");
        x.element("t").text("ü");
        let s = x.finish();
        assert_eq!(
            s,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r a=\"x&quot;&lt;&amp;&#10;\">\n  \
             <p><q>a&lt;b&gt;&amp;&quot;c&#13;</q></p>\n  <e n=\"7\"/>\n  <o>\n    <t>ü</t>\n  </o>\n</r>\n"
        );
        let doc = roxmltree::Document::parse(&s).unwrap();
        let r = doc.root_element();
        assert_eq!(r.attribute("a"), Some("x\"<&\n"));
        let q = r.descendants().find(|n| n.has_tag_name("q")).unwrap();
        assert_eq!(q.text(), Some("a<b>&\"c\r"));
    }
}
