//! The document type: one of a configurable list of classes (slugs), found
//! on day one by the phrases in `assets/doctypes.toml` (or the station's own
//! rules file), with a confidence and the phrases that decided it.
//!
//! A phrase counts once per document; in the title area (the first lines of
//! the first page) it counts twice, and a class's title (its name as printed
//! at the head of a document) ten times. The confidence is the top class's share
//! of a softmax over the scores, with `sonstiges` as the fallback that always
//! goes to review.

use crate::register::fold;

/// The rules shipped with the station.
pub const DEFAULT_RULES: &str = include_str!("../assets/doctypes.toml");

/// Lines of the first page that count as its title area.
const TITLE_LINES: usize = 8;

/// One class and its phrases.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeClass {
    /// The slug (`kontoauszug`).
    pub slug: String,
    /// The name in words (`Kontoauszug`).
    pub label: String,
    /// Phrases that point to it.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Its names as printed at the head of such a document.
    #[serde(default)]
    pub titles: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    class: Vec<TypeClass>,
}

/// The classes with their folded phrases.
#[derive(Debug, Clone)]
pub struct TypeRules {
    classes: Vec<TypeClass>,
    folded: Vec<Vec<String>>,
    folded_titles: Vec<Vec<String>>,
}

/// Points of a title found in the title area.
const TITLE_POINTS: f64 = 10.0;

/// The fallback class.
pub const OTHER: &str = "sonstiges";

/// The verdict on one document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TypeDecision {
    /// The best class (`sonstiges` when nothing points anywhere).
    pub doc_type: String,
    /// Its confidence, 0..1.
    pub confidence: f64,
    /// The best three classes with their confidences.
    pub candidates: Vec<(String, f64)>,
    /// The phrases found for the best class (for `--explain`).
    pub phrases: Vec<String>,
}

impl TypeRules {
    /// Reads a rules file (TOML, `[[class]]` tables).
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: RulesFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if !file.class.iter().any(|c| c.slug == OTHER) {
            return Err(format!("Klasse {OTHER:?} fehlt"));
        }
        let folded = file
            .class
            .iter()
            .map(|c| c.phrases.iter().map(|p| fold(p)).collect())
            .collect();
        let folded_titles = file
            .class
            .iter()
            .map(|c| c.titles.iter().map(|p| fold(p)).collect())
            .collect();
        Ok(Self {
            classes: file.class,
            folded,
            folded_titles,
        })
    }

    /// The shipped rules.
    pub fn builtin() -> Self {
        Self::from_toml(DEFAULT_RULES).expect("shipped rules are valid")
    }

    /// The classes.
    pub fn classes(&self) -> &[TypeClass] {
        &self.classes
    }

    /// The label of a slug.
    pub fn label(&self, slug: &str) -> Option<&str> {
        self.classes
            .iter()
            .find(|c| c.slug == slug)
            .map(|c| c.label.as_str())
    }

    /// Classifies a document from the text of its pages.
    pub fn classify(&self, pages: &[String]) -> TypeDecision {
        let title = pages.first().map_or(String::new(), |p| {
            format!(
                " {} ",
                fold(&p.lines().take(TITLE_LINES).collect::<Vec<_>>().join("\n"))
            )
        });
        let body = format!(" {} ", fold(&pages.join("\n")));
        let mut scores: Vec<(usize, f64, Vec<String>)> = Vec::new();
        for (i, phrases) in self.folded.iter().enumerate() {
            let mut score = 0.0;
            let mut found = Vec::new();
            for p in phrases {
                let needle = format!(" {p} ");
                if title.contains(&needle) {
                    score += 2.0;
                    found.push(p.clone());
                } else if body.contains(&needle) {
                    score += 1.0;
                    found.push(p.clone());
                }
            }
            for t in &self.folded_titles[i] {
                let needle = format!(" {t} ");
                if title.contains(&needle) {
                    score += TITLE_POINTS;
                    found.push(format!("Titel: {t}"));
                } else if body.contains(&needle) {
                    score += 1.0;
                    found.push(t.clone());
                }
            }
            scores.push((i, score, found));
        }
        let max = scores.iter().map(|s| s.1).fold(0.0, f64::max);
        if max == 0.0 {
            return TypeDecision {
                doc_type: OTHER.into(),
                confidence: 0.0,
                candidates: vec![(OTHER.into(), 0.0)],
                phrases: Vec::new(),
            };
        }
        // Softmax with an extra "none of these" at score 0.
        let z: f64 = scores.iter().map(|s| (s.1 - max).exp()).sum::<f64>() + (-max).exp();
        let mut ranked: Vec<(usize, f64, Vec<String>)> = scores
            .into_iter()
            .map(|(i, s, f)| (i, (s - max).exp() / z, f))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        TypeDecision {
            doc_type: self.classes[ranked[0].0].slug.clone(),
            confidence: ranked[0].1,
            candidates: ranked
                .iter()
                .take(3)
                .map(|(i, p, _)| (self.classes[*i].slug.clone(), *p))
                .collect(),
            phrases: ranked[0].2.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_know_every_class_of_the_issue() {
        let rules = TypeRules::builtin();
        let slugs: Vec<&str> = rules.classes().iter().map(|c| c.slug.as_str()).collect();
        assert_eq!(slugs.len(), 23, "{slugs:?}");
        assert!(slugs.contains(&"veraenderungsmitteilung") && slugs.contains(&OTHER));
    }

    #[test]
    fn titles_and_phrases_decide() {
        let rules = TypeRules::builtin();
        let d = rules.classify(&["Sparkasse Minden\nKontoauszug 3/2026\nIBAN DE12 3456\nBuchungstag Valuta Betrag\nNeuer Kontostand 12,00".into()]);
        assert_eq!(d.doc_type, "kontoauszug");
        assert!(d.confidence > 0.9, "{d:?}");
        assert!(d.phrases.contains(&"buchungstag".to_string()));
        let d = rules.classify(&[
            "Max Muster\nAn das Jobcenter\n\nWiderspruch\n\nGegen den Bescheid vom 01.03.2026 lege ich Widerspruch ein.".into(),
        ]);
        assert_eq!(d.doc_type, "widerspruch");
        let d = rules.classify(&["Sehr geehrte Damen und Herren, anbei die Unterlagen.".into()]);
        assert_eq!((d.doc_type.as_str(), d.confidence), (OTHER, 0.0));
        // Umlauts and ß in the text are folded like the phrases.
        let d = rules.classify(&[
            "Arbeitsunfähigkeitsbescheinigung\nErstbescheinigung\narbeitsunfähig seit 02.03."
                .into(),
        ]);
        assert_eq!(d.doc_type, "arbeitsunfaehigkeit");
        assert!(TypeRules::from_toml("[[class]]\nslug = \"x\"\nlabel = \"X\"\n").is_err());
        // The title beats the vocabulary of a neighbouring class.
        let d = rules.classify(&["Vermieterbescheinigung\nMieter: Jan Beispiel\nKaltmiete 430,00\nKaution 860,00\nVermieter: Wohnbau GmbH".into()]);
        assert_eq!(d.doc_type, "vermieterbescheinigung", "{d:?}");
    }
}
