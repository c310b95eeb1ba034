//! The full-text search over the pages' text (SQLite FTS5).
//!
//! Index and query are cut into words by the same rule (letters and digits;
//! everything else separates, as FTS5's `unicode61` tokenizer does), so a
//! number typed as printed (`RE-20140519/499`, `12345-BG-0012345`) is found
//! as the sequence of its parts, and also when OCR or the writer left the
//! separators out: the index keeps, beside the text, each such number in one
//! piece (`re20140519499`) and each word with umlauts spelled out
//! (`Müller` also as `mueller`); ß is indexed as `ss`. Accents are folded by
//! the tokenizer (`remove_diacritics 2`).

use rusqlite::{Connection, params};

use super::{Result, Store};

/// Whether a character belongs to a word (as for `unicode61`).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// The words of a text, lower case, ß as `ss`.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('ß', "ss"))
        .collect()
}

/// Umlauts spelled out (`müller` → `mueller`), if there are any.
fn spelled_out(word: &str) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(word.len() + 2);
    for c in word.chars() {
        let rep = match c {
            'ä' | 'Ä' => "ae",
            'ö' | 'Ö' => "oe",
            'ü' | 'Ü' => "ue",
            _ => {
                out.extend(c.to_lowercase());
                continue;
            }
        };
        changed = true;
        out.push_str(rep);
    }
    changed.then_some(out)
}

/// A BG-Nummer in one piece (`12345bg0012345`) from the parts of a number
/// written in any form (`12345//0012345`, `12345 0012345`), so every form
/// finds every other.
fn bg_form(parts: &[String]) -> Option<String> {
    let compact = parts.concat();
    let digits = compact.replacen("bg", "", 1);
    (digits.len() == 12
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (compact.len() == 12 || compact.get(5..7) == Some("bg")))
    .then(|| format!("{}bg{}", &digits[..5], &digits[5..]))
}

/// Whether a printed word may be part of a number: it has a digit, or it is
/// a short code of capitals between digit groups (`BG`, `RE`).
fn number_part(w: &str) -> bool {
    w.chars().any(|c| c.is_ascii_digit())
        || (w.chars().count() <= 3 && w.chars().all(char::is_uppercase))
}

/// The text as indexed: the text itself (ß as `ss`), then the extra forms —
/// numbers in one piece and words with umlauts spelled out.
pub(super) fn index_text(text: &str) -> String {
    let mut extra: Vec<String> = Vec::new();
    for line in text.lines() {
        let printed: Vec<&str> = line.split_whitespace().collect();
        for w in &printed {
            if let Some(s) = spelled_out(w) {
                extra.extend(words(&s));
            }
            let parts = words(w);
            if parts.len() > 1 && w.chars().any(|c| c.is_ascii_digit()) {
                extra.push(parts.concat());
                extra.extend(bg_form(&parts));
            }
        }
        // Numbers printed in groups (`12345 BG 0012345`, `DE12 3704 0044`).
        let mut i = 0;
        while i < printed.len() {
            let mut j = i;
            while j < printed.len() && j - i < 8 && number_part(printed[j]) {
                j += 1;
            }
            let run = &printed[i..j];
            let digit_words = run
                .iter()
                .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
                .count();
            if run.len() >= 2 && digit_words >= 2 {
                let parts: Vec<String> = run.iter().flat_map(|w| words(w)).collect();
                extra.push(parts.concat());
                extra.extend(bg_form(&parts));
            }
            i = j.max(i + 1);
        }
    }
    let mut out = text.replace('ß', "ss").replace('ẞ', "SS");
    if !extra.is_empty() {
        out.push('\n');
        out.push_str(&extra.join(" "));
    }
    out
}

/// The FTS5 query for what a person typed: every typed word must match; a
/// word of several parts matches as the sequence of its parts or in one
/// piece; the last part may be the start of a longer word. `None` when
/// nothing searchable was typed.
pub(super) fn query(typed: &[String]) -> Option<String> {
    let mut terms = Vec::new();
    for w in typed.iter().flat_map(|w| w.split_whitespace()) {
        let parts = words(w);
        if parts.is_empty() {
            continue;
        }
        let mut alternatives = vec![format!("\"{}\"*", parts.join(" "))];
        if parts.len() > 1 {
            alternatives.push(format!("\"{}\"*", parts.concat()));
        }
        if let Some(bg) = bg_form(&parts) {
            alternatives.push(format!("\"{bg}\""));
        }
        if let Some(s) = spelled_out(w) {
            let spelled = words(&s);
            alternatives.push(format!("\"{}\"*", spelled.join(" ")));
        }
        alternatives.dedup();
        terms.push(if alternatives.len() == 1 {
            alternatives.remove(0)
        } else {
            format!("({})", alternatives.join(" OR "))
        });
    }
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// Puts a page's text into the index (OCR text and the text a born-digital
/// PDF brought along).
pub(super) fn index_page(
    conn: &Connection,
    page_id: i64,
    ocr_text: &str,
    source_text: Option<&str>,
) -> rusqlite::Result<()> {
    let text = match source_text {
        Some(t) => format!("{ocr_text}\n{t}"),
        None => ocr_text.to_owned(),
    };
    conn.execute(
        "INSERT INTO page_fts (rowid, text) VALUES (?1, ?2)",
        params![page_id, index_text(&text)],
    )?;
    Ok(())
}

/// Builds the index anew from the stored texts (a migration, when the way
/// of indexing changed).
pub(super) fn reindex(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM page_fts", [])?;
    let mut stmt = conn.prepare(
        "SELECT o.page_id, o.text, p.source_text FROM page_ocr o JOIN pages p ON p.id = o.page_id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, text, source) in rows {
        index_page(conn, id, &text, source.as_deref())?;
    }
    Ok(())
}

/// A page found by the full-text search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// Page id.
    pub page_id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// Its scanner file.
    pub file_name: String,
    /// Page number in that file (1-based).
    pub page_number: u32,
    /// The matching text with the hits in «».
    pub snippet: String,
}

impl Store {
    /// Full-text search; every typed word must occur (as printed, in one
    /// piece, umlauts spelled out or not; the last part may be the start of
    /// a word). Best matches first.
    pub fn search(&self, typed: &[String], limit: usize) -> Result<Vec<SearchHit>> {
        let Some(query) = query(typed) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare(
            "SELECT p.id, p.batch_id, s.file_name, p.page_index,
                    snippet(page_fts, 0, '«', '»', ' … ', 12)
             FROM page_fts JOIN pages p ON p.id = page_fts.rowid
             JOIN source_files s ON s.id = p.source_file_id
             WHERE page_fts MATCH ?1 ORDER BY rank LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![query, limit as i64], |r| {
            Ok(SearchHit {
                page_id: r.get(0)?,
                batch_id: r.get(1)?,
                file_name: r.get(2)?,
                page_number: r.get::<_, u32>(3)? + 1,
                snippet: r.get::<_, String>(4)?.replace('\n', " "),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_indexed_as_parts_and_in_one_piece() {
        let t =
            index_text("Rechnung RE-20140519/499 vom\nAz. 12345 BG 0012345\nHerr Müller, Straße");
        assert!(t.contains("re20140519499"), "{t}");
        assert!(t.contains("12345bg0012345"), "{t}");
        assert!(t.contains("mueller"), "{t}");
        assert!(t.contains("Strasse"), "{t}");
        assert_eq!(
            query(&["RE-20140519/499".into()]).unwrap(),
            "(\"re 20140519 499\"* OR \"re20140519499\"*)"
        );
        assert_eq!(
            query(&["Müller".into(), "Rechnung".into()]).unwrap(),
            "(\"müller\"* OR \"mueller\"*) AND \"rechnung\"*"
        );
        assert!(query(&["-- //".into()]).is_none());
        assert!(
            query(&["12345//0012345".into()])
                .unwrap()
                .contains("\"12345bg0012345\""),
        );
    }
}
