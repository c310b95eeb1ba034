//! The document type: one of a configurable list of classes (slugs), found
//! on day one by the phrases in `assets/doctypes.toml` (or the station's own
//! rules file), with a confidence and the phrases that decided it.
//!
//! A phrase counts once per document; in the title area (the first lines of
//! the first page) it counts twice, and a class's title (its name as printed
//! at the head of a document) ten times. The confidence is the top class's share
//! of a softmax over the scores, with `sonstiges` as the fallback that always
//! goes to review.

use crate::classify::register::fold;

/// The rules shipped with the station.
pub(crate) const DEFAULT_RULES: &str = include_str!("../../assets/doctypes.toml");

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
    /// What becomes of the paper after scanning (`return`, `keep`; none:
    /// destroyed after the retention period).
    #[serde(default)]
    pub paper: Option<PaperRule>,
    /// Days after the DMS confirmed the import before the paper may be
    /// destroyed (none: the station's `[originals]` default).
    #[serde(default)]
    pub destroy_after_days: Option<u32>,
}

/// What the rules say becomes of a type's paper originals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaperRule {
    /// Sent back to the person (identity documents, certificates,
    /// originals the person needs).
    Return,
    /// Never destroyed (the job centre's list of papers to keep).
    Keep,
    /// Destroyed after the retention period (the default).
    Destroy,
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
    /// Per class: (phrase as matched, phrase as written).
    folded: Vec<Vec<(String, String)>>,
    folded_titles: Vec<Vec<(String, String)>>,
}

/// Points of a title found in the title area.
const TITLE_POINTS: f64 = 10.0;

/// The fallback class.
pub(crate) const OTHER: &str = "sonstiges";

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
    /// Every class with its probability, best first (not stored).
    #[serde(skip)]
    pub all: Vec<(String, f64)>,
}

/// A rules file that cannot be used, in words.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct RulesError(pub String);

impl TypeRules {
    /// Reads a rules file (TOML, `[[class]]` tables).
    pub fn from_toml(text: &str) -> Result<Self, RulesError> {
        let file: RulesFile = toml::from_str(text).map_err(|e| RulesError(e.to_string()))?;
        if !file.class.iter().any(|c| c.slug == OTHER) {
            return Err(RulesError(format!("Klasse {OTHER:?} fehlt")));
        }
        let folded = file
            .class
            .iter()
            .map(|c| c.phrases.iter().map(|p| (loose(p), p.clone())).collect())
            .collect();
        let folded_titles = file
            .class
            .iter()
            .map(|c| c.titles.iter().map(|p| (loose(p), p.clone())).collect())
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

    /// The class of a slug.
    pub fn class(&self, slug: &str) -> Option<&TypeClass> {
        self.classes.iter().find(|c| c.slug == slug)
    }

    /// The label of a slug.
    pub fn label(&self, slug: &str) -> Option<&str> {
        self.classes
            .iter()
            .find(|c| c.slug == slug)
            .map(|c| c.label.as_str())
    }

    /// Classifies a document from the text of its pages (rules only).
    pub fn classify(&self, pages: &[String]) -> TypeDecision {
        self.classify_with(pages, None)
    }

    /// Classifies a document from the rules and, once it has seen confirmed
    /// documents, the learned model: the two distributions are mixed, the
    /// model's share growing with its training documents.
    pub(crate) fn classify_with(
        &self,
        pages: &[String],
        model: Option<&TypeModel>,
    ) -> TypeDecision {
        let rules = self.classify_rules(pages);
        let Some(model) = model.filter(|m| m.documents() > 0) else {
            return rules;
        };
        let learned = model.posterior(&features(&pages.join("\n")));
        let w = model.documents() as f64 / (model.documents() as f64 + MODEL_HALF_WEIGHT);
        let rule_p = |slug: &str| {
            rules
                .all
                .iter()
                .find(|(s, _)| s == slug)
                .map_or(0.0, |(_, p)| *p)
        };
        let mut mixed: Vec<(String, f64)> = self
            .classes
            .iter()
            .map(|c| {
                let m = learned.get(&c.slug).copied().unwrap_or(0.0);
                (c.slug.clone(), (1.0 - w) * rule_p(&c.slug) + w * m)
            })
            .collect();
        mixed.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let (top, conf) = mixed[0].clone();
        let mut phrases = if top == rules.doc_type {
            rules.phrases.clone()
        } else {
            Vec::new()
        };
        phrases.push(format!(
            "gelernt aus {} bestätigten Dokumenten ({:.0} %)",
            model.documents(),
            learned.get(&top).copied().unwrap_or(0.0) * 100.0
        ));
        TypeDecision {
            doc_type: top,
            confidence: conf,
            candidates: mixed.iter().take(3).cloned().collect(),
            phrases,
            all: mixed,
        }
    }

    fn classify_rules(&self, pages: &[String]) -> TypeDecision {
        let title = pages.first().map_or(String::new(), |p| {
            format!(
                " {} ",
                loose(&p.lines().take(TITLE_LINES).collect::<Vec<_>>().join("\n"))
            )
        });
        let body = format!(" {} ", loose(&pages.join("\n")));
        let mut scores: Vec<(usize, f64, Vec<String>)> = Vec::new();
        for (i, phrases) in self.folded.iter().enumerate() {
            let mut score = 0.0;
            let mut found = Vec::new();
            for (p, written) in phrases {
                let needle = format!(" {p} ");
                if title.contains(&needle) {
                    score += 2.0;
                    found.push(written.clone());
                } else if body.contains(&needle) {
                    score += 1.0;
                    found.push(written.clone());
                }
            }
            for (t, written) in &self.folded_titles[i] {
                let needle = format!(" {t} ");
                if title.contains(&needle) {
                    score += TITLE_POINTS;
                    found.push(format!("Titel: {written}"));
                } else if body.contains(&needle) {
                    score += 1.0;
                    found.push(written.clone());
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
                all: Vec::new(),
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
            all: ranked
                .iter()
                .map(|(i, p, _)| (self.classes[*i].slug.clone(), *p))
                .collect(),
        }
    }
}

/// Folds text for phrase matching and forgets umlauts altogether, so that a
/// `Veränderung` read without its dots (`Veranderung`) still matches.
fn loose(text: &str) -> String {
    fold(text)
        .replace("ae", "a")
        .replace("oe", "o")
        .replace("ue", "u")
}

/// Training documents at which the learned model weighs as much as the rules.
const MODEL_HALF_WEIGHT: f64 = 40.0;

/// The features of a text for the learned model: folded words (numbers as
/// `#`) and word pairs, each once.
pub(crate) fn features(text: &str) -> Vec<String> {
    let words: Vec<String> = fold(text)
        .split(' ')
        .filter(|w| w.len() >= 2)
        .map(|w| {
            if w.bytes().any(|b| b.is_ascii_digit()) {
                "#".to_owned()
            } else {
                w.to_owned()
            }
        })
        .collect();
    let mut out: Vec<String> = words.clone();
    out.extend(words.windows(2).map(|p| format!("{} {}", p[0], p[1])));
    out.sort();
    out.dedup();
    out
}

/// A multinomial naive Bayes over `features`, trained from confirmed
/// documents (counts kept in the store, updated with every confirmation).
#[derive(Debug, Clone, Default)]
pub struct TypeModel {
    /// Training documents per class.
    pub docs: std::collections::HashMap<String, u64>,
    /// Feature counts per class.
    pub counts: std::collections::HashMap<String, std::collections::HashMap<String, u64>>,
}

impl TypeModel {
    /// Number of training documents.
    pub fn documents(&self) -> u64 {
        self.docs.values().sum()
    }

    /// Class probabilities for a document's features. The log-likelihoods
    /// are tempered (divided by the square root of the number of features)
    /// so that the many correlated word features do not make it certain of
    /// everything.
    pub(crate) fn posterior(&self, feats: &[String]) -> std::collections::HashMap<String, f64> {
        let total_docs = self.documents() as f64;
        let classes = self.docs.len() as f64;
        let vocab: std::collections::HashSet<&String> =
            self.counts.values().flat_map(|m| m.keys()).collect();
        let v = vocab.len() as f64 + 1.0;
        let temper = (feats.len().max(1) as f64).sqrt();
        let logs: Vec<(String, f64)> = self
            .docs
            .iter()
            .map(|(class, &n)| {
                let counts = self.counts.get(class);
                let total: f64 = counts.map_or(0.0, |m| m.values().sum::<u64>() as f64);
                let prior = ((n as f64 + 1.0) / (total_docs + classes)).ln();
                let lik: f64 = feats
                    .iter()
                    .filter(|f| vocab.contains(f))
                    .map(|f| {
                        let c = counts.and_then(|m| m.get(f)).copied().unwrap_or(0) as f64;
                        ((c + 1.0) / (total + v)).ln()
                    })
                    .sum();
                (class.clone(), prior + lik / temper)
            })
            .collect();
        let max = logs.iter().map(|l| l.1).fold(f64::MIN, f64::max);
        let z: f64 = logs.iter().map(|l| (l.1 - max).exp()).sum();
        logs.into_iter()
            .map(|(c, l)| (c, (l - max).exp() / z))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_know_every_class_of_the_issue() {
        let rules = TypeRules::builtin();
        let slugs: Vec<&str> = rules.classes().iter().map(|c| c.slug.as_str()).collect();
        // The issue's 22 and the station's own letter to the household.
        assert_eq!(slugs.len(), 24, "{slugs:?}");
        assert!(slugs.contains(&"veraenderungsmitteilung") && slugs.contains(&OTHER));
        assert!(slugs.contains(&"information_betroffene"));
    }

    #[test]
    fn titles_and_phrases_decide() {
        let rules = TypeRules::builtin();
        let d = rules.classify(&["Sparkasse Minden\nKontoauszug 3/2026\nIBAN DE12 3456\nBuchungstag Valuta Betrag\nNeuer Kontostand 12,00".into()]);
        assert_eq!(d.doc_type, "kontoauszug");
        assert!(d.confidence > 0.9, "{d:?}");
        assert!(d.phrases.contains(&"buchungstag".to_owned()));
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
        // Umlaut dots lost by OCR do not matter.
        let d = rules.classify(&["Veranderungsmitteilung\nAb dem 01.03. arbeite ich".into()]);
        assert_eq!(d.doc_type, "veraenderungsmitteilung");
        assert!(TypeRules::from_toml("[[class]]\nslug = \"x\"\nlabel = \"X\"\n").is_err());
        // The title beats the vocabulary of a neighbouring class.
        let d = rules.classify(&["Vermieterbescheinigung\nMieter: Jan Beispiel\nKaltmiete 430,00\nKaution 860,00\nVermieter: Wohnbau GmbH".into()]);
        assert_eq!(d.doc_type, "vermieterbescheinigung", "{d:?}");
    }

    #[test]
    fn confirmed_documents_teach_what_the_rules_do_not_know() {
        let rules = TypeRules::builtin();
        // A house form the rules know nothing about ("Zusatzblatt Mehrbedarf").
        let form = |n: u32| {
            format!(
                "Zusatzblatt Mehrbedarf\nErnährung kostenaufwändig Attest Nr {n}\nDiät ärztlich"
            )
        };
        assert_eq!(rules.classify(&[form(1)]).doc_type, OTHER);
        let mut model = TypeModel::default();
        let mut learn = |slug: &str, text: &str| {
            *model.docs.entry(slug.into()).or_default() += 1;
            let counts = model.counts.entry(slug.into()).or_default();
            for f in features(text) {
                *counts.entry(f).or_default() += 1;
            }
        };
        for n in 0..30 {
            learn("anlage_kdu", &form(n));
            learn(
                "kontoauszug",
                "Kontoauszug Buchungstag Valuta Kontostand IBAN",
            );
        }
        let d = rules.classify_with(&[form(99)], Some(&model));
        assert_eq!(d.doc_type, "anlage_kdu", "{d:?}");
        assert!(d.confidence > 0.3 && d.confidence < 1.0, "{d:?}");
        // What the rules are sure of stays.
        let d = rules.classify_with(&["Kontoauszug\nBuchungstag Valuta".into()], Some(&model));
        assert_eq!(d.doc_type, "kontoauszug");
        assert!(features("Miete 430,00 EUR").contains(&"miete #".to_owned()));
    }
}
