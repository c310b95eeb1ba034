//! The letters the station writes by itself (`[letter] automatic`): after
//! a pass recorded the DMS's imports, each household with documents
//! imported since its last letter gets one (per batch, or once a day),
//! put into the hot folder so the station files it into the e-file like
//! paper (type `information_betroffene`, the next message carries it) and,
//! if configured, into a folder for printing. A letter that cannot be
//! written is logged and tried again at the next pass; it never stops the
//! sync.

use crate::classify::doctype::TypeRules;
use crate::protect::letter::{self, Automatic, LetterSettings, Period};
use crate::protect::originals::OriginalsSettings;
use crate::store::{LetterDue, Store};
use std::path::PathBuf;
use time::OffsetDateTime;

/// What the station needs to write its letters.
#[derive(Debug, Clone)]
pub struct LetterJob {
    /// `[letter]`, with `automatic` not `off`.
    pub settings: LetterSettings,
    /// `[originals]` (what the letter says about the paper).
    pub originals: OriginalsSettings,
    /// The hot folder the letters go into.
    pub hot_folder: PathBuf,
}

impl LetterJob {
    /// Writes the letters due now; returns how many, and whether some may
    /// still be owed (one failed, or the day is not over) so that the next
    /// pass looks again even without new imports.
    pub(super) fn run(&self, store: &mut Store, rules: &TypeRules) -> (u32, bool) {
        if self.settings.automatic == Automatic::Day {
            let recent = store
                .last_auto_letter()
                .ok()
                .flatten()
                .and_then(|at| {
                    OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339).ok()
                })
                .is_some_and(|at| OffsetDateTime::now_utc() - at < time::Duration::days(1));
            if recent {
                return (0, true);
            }
        }
        let due = match store.letters_due(letter::LETTER_TYPE) {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(fehler = %e, "Briefe: Station nicht lesbar");
                return (0, true);
            }
        };
        let mut written = 0;
        let mut failed = false;
        for d in due {
            match self.write(store, rules, &d) {
                Ok(()) => written += 1,
                Err(e) => {
                    failed = true;
                    tracing::warn!(akte = %d.case_bg, fehler = %e, "Brief nicht geschrieben");
                }
            }
        }
        (written, failed)
    }

    fn write(&self, store: &mut Store, rules: &TypeRules, due: &LetterDue) -> Result<(), String> {
        let period = Period {
            since: None,
            filed_after: due.after.as_deref(),
        };
        let l = letter::gather(store, rules, &self.originals, &due.case_bg, period)
            .map_err(|e| e.to_string())?;
        let pdf =
            letter::letter_pdf(&l, &self.settings, &letter::today()).map_err(|e| e.to_string())?;
        let name = format!(
            "brief-{}-{}.pdf",
            due.case_bg,
            OffsetDateTime::now_utc().date()
        );
        let mut placed = Vec::new();
        if let Some(print) = &self.settings.print_folder {
            let at = crate::fsutil::place_in_folder(print, &name, |f| {
                std::io::Write::write_all(f, &pdf)
            })
            .map_err(|e| format!("{}: {}", print.display(), crate::fsutil::io_words(&e)))?;
            placed.push(format!("zum Drucken in {}", at.display()));
        }
        crate::fsutil::place_in_folder(&self.hot_folder, &name, |f| {
            std::io::Write::write_all(f, &pdf)
        })
        .map_err(|e| {
            format!(
                "{}: {}",
                self.hot_folder.display(),
                crate::fsutil::io_words(&e)
            )
        })?;
        placed.push("in den Eingangsordner (für die E-Akte)".into());
        store
            .record_auto_letter(due, l.documents.len(), &placed.join(", "))
            .map_err(|e| e.to_string())
    }
}
