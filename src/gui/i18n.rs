//! Languages of the window: German by default, English by setting (F10 or
//! `SCANSTELLE_LANG=en`). Each label is written in place as a German and an
//! English pair, so no text can go missing in one language.

/// A language of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Deutsch.
    #[default]
    De,
    /// English.
    En,
}

impl Lang {
    /// The label in this language.
    pub fn t(self, de: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::De => de,
            Lang::En => en,
        }
    }

    /// The language from `SCANSTELLE_LANG` (`en…` for English).
    pub fn from_env() -> Self {
        match std::env::var("SCANSTELLE_LANG") {
            Ok(l) if l.to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::De,
        }
    }

    /// The other language.
    pub fn toggled(self) -> Self {
        match self {
            Lang::De => Lang::En,
            Lang::En => Lang::De,
        }
    }
}
