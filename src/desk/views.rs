//! What the window shows, as plain data: the inbox, a document with its
//! candidates and pages, register hits, a case's holdings, page images —
//! and how stored rows become them.

use super::*;

/// The stages a batch passes, in order, as the inbox names them.
pub const STAGES: [&str; 5] = [
    "eingelesen",
    "aufbereitet",
    "erkannt",
    "zugeordnet",
    "übertragen",
];

/// A text the window shows in German or English (a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    /// German.
    pub de: String,
    /// English.
    pub en: String,
}

impl Words {
    /// The words of a stored flag code ("too_dark"); none for an empty one.
    pub(crate) fn of_flag(code: &str) -> Option<Self> {
        crate::prepare::imaging::flag_words_both(code).map(|(de, en)| Words { de, en })
    }

    /// The same with a page in front ("Seite 2: …", "Page 2: …").
    pub(crate) fn on_page(&self, page: usize) -> Self {
        Words {
            de: format!("Seite {page}: {}", self.de),
            en: format!("Page {page}: {}", self.en),
        }
    }
}

impl std::fmt::Display for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.de)
    }
}

/// The inbox: everything the first screen shows.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// Recent batches, newest first.
    pub batches: Vec<BatchView>,
    /// Quarantined files, newest first.
    pub quarantine: Vec<QuarantineRow>,
    /// Documents waiting for a person, oldest first.
    pub review: Vec<i64>,
    /// The current OCR rate and what is left.
    pub throughput: Throughput,
    /// Events newer than the ones asked about.
    pub events: Vec<EventRow>,
    /// The newest messages to the DMS.
    pub outbox: Vec<OutboxRow>,
    /// Messages per state.
    pub outbox_counts: Vec<(OutboxState, u64)>,
    /// The contact with the DMS.
    pub sync: SyncStatus,
    /// Pages in the store.
    pub pages: u64,
    /// Documents in the store.
    pub documents: u64,
    /// Batches in the store.
    pub batch_count: u64,
    /// Batches waiting for their quality-control release.
    pub qa: Vec<crate::store::QaBatch>,
    /// Whether batches wait for that release at all.
    pub qa_enabled: bool,
    /// The filter the batches were listed with.
    pub filter: crate::store::BatchFilter,
    /// How many batches that filter lists in all.
    pub batch_matches: u64,
    /// The scanner profiles batches came in with (for the filter).
    pub profiles: Vec<String>,
}

/// How fast pages are recognised now, and what is left.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Throughput {
    /// Pages per minute at the current pace (0: nothing is being recognised).
    pub per_minute: f64,
    /// Pages waiting for OCR.
    pub backlog: u64,
    /// Seconds until the backlog is done at this pace, if it moves.
    pub done_in_secs: Option<u64>,
}

impl Throughput {
    /// The pace from the recognition times of the newest pages (newest
    /// first): the pages over the time they took, so that 8 pages in 5
    /// seconds read as about 84 a minute, not as the hour's average. The
    /// pace is 0 once no page came for three of its intervals (and at
    /// least a minute): the station is idle or stuck, and says so.
    pub fn of(
        newest_first: &[time::OffsetDateTime],
        now: time::OffsetDateTime,
        backlog: u64,
    ) -> Self {
        let per_minute = match newest_first {
            [newest, .., oldest] => {
                let span = (*newest - *oldest).as_seconds_f64().max(1.0);
                let interval = span / (newest_first.len() - 1) as f64;
                let quiet = (now - *newest).as_seconds_f64();
                if quiet > (3.0 * interval).max(60.0) {
                    0.0
                } else {
                    (newest_first.len() - 1) as f64 * 60.0 / span
                }
            }
            // One page: one a minute if it is fresh, nothing otherwise.
            [only] if (now - *only).as_seconds_f64() <= 60.0 => 1.0,
            _ => 0.0,
        };
        let done_in_secs = (per_minute > 0.0 && backlog > 0)
            .then(|| (backlog as f64 * 60.0 / per_minute).ceil() as u64);
        Self {
            per_minute,
            backlog,
            done_in_secs,
        }
    }
}

/// A batch in the inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchView {
    /// Row id.
    pub id: i64,
    /// Scanner profile.
    pub profile: String,
    /// Its (first) file.
    pub file_name: String,
    /// Files in the batch.
    pub files: u32,
    /// Arrival, local `TT.MM. HH:MM`.
    pub received: String,
    /// Index into [`STAGES`] of the last stage reached (`None`: still open).
    pub stage: Option<usize>,
    /// Progress through the five stages, 0–5 (whole stages plus the share
    /// of pages or documents through the next).
    pub progress: f32,
    /// Pages in all (blank and separator sheets included).
    pub pages: u32,
    /// Blank pages.
    pub blank: u32,
    /// Separator sheets.
    pub separators: u32,
    /// Documents in all.
    pub documents: u32,
    /// Documents waiting for review.
    pub review: u32,
    /// Warnings in words (quality flags, page-count mismatch).
    pub warnings: Vec<Words>,
    /// Pages that failed in preparation or OCR, each with its reason in
    /// words (`Seite N: …`); "Erneut versuchen" puts them back in line.
    pub failures: Vec<String>,
    /// Thumbnails of the first pages.
    pub thumbs: Vec<Sha256Hex>,
    /// Its local copies were deleted after the DMS imported it.
    pub purged: bool,
}

/// A document with everything the review and document screens show.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentView {
    /// Row id.
    pub id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// The file it came from.
    pub file_name: String,
    /// State.
    pub state: DocumentState,
    /// The decided (auto, confirmed) or best (review) case.
    pub case: Option<String>,
    /// auto, review, confirmed or none.
    pub case_status: String,
    /// Confidence of the case, 0–1.
    pub case_confidence: f64,
    /// The type slug.
    pub doc_type: Option<String>,
    /// Confidence of the type, 0–1.
    pub type_confidence: f64,
    /// Whether the type needs a person (unknown, or below the threshold).
    pub type_uncertain: bool,
    /// Why it waits for review, in words.
    pub reasons: Vec<String>,
    /// Case candidates, best first, with the household's names.
    pub candidates: Vec<CandidateView>,
    /// Identifiers read that are in no case, with their place (marked on
    /// the page as the cause of the review).
    pub doubts: Vec<crate::classify::casefind::Evidence>,
    /// Type suggestions, best first: slug, label, probability.
    pub types: Vec<(String, String, f64)>,
    /// Phrases that decided the type.
    pub type_phrases: Vec<String>,
    /// Warnings in words.
    pub warnings: Vec<Words>,
    /// Its pages.
    pub pages: Vec<PageView>,
    /// Its corrections after filing, newest first.
    pub corrections: Vec<crate::store::CorrectionRow>,
}

/// A case candidate with the names of its household.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateView {
    /// The candidate as the matcher found it.
    pub candidate: Candidate,
    /// Members and address, e.g. "Mustermann, Erika; Max — Lindenstraße 12, 32423 Minden".
    pub household: String,
}

/// A page of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct PageView {
    /// Row id.
    pub page_id: i64,
    /// The image shown.
    pub sha: Sha256Hex,
    /// Its encoding.
    pub encoding: String,
    /// The thumbnail.
    pub thumb: Option<Sha256Hex>,
    /// OCR words in the image's pixels.
    pub words: Vec<Word>,
    /// Quality flags in words.
    pub flags: Vec<Words>,
}

/// A register hit.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseHit {
    /// How well it matches, 0–1.
    pub score: f64,
    /// The person.
    pub person: Person,
}

/// What the station holds for a case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFile {
    /// The BG-Nummer.
    pub bg: String,
    /// Members.
    pub persons: Vec<Person>,
    /// Documents: id, state, type label.
    pub documents: Vec<(i64, Option<DocumentState>, String)>,
}

/// A greyscale image for display.
#[derive(Debug, Clone, PartialEq)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixels of the original per pixel here (1: full size).
    pub reduced_by: u32,
    /// One byte per pixel, rows top to bottom.
    pub pixels: Vec<u8>,
}

/// What an undo needs to put a confirmed document back.
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    /// The document.
    pub document_id: i64,
    /// Its decision before.
    pub prior: DecisionState,
}

/// Members and address of a household, for a candidate line.
pub(super) fn household<'a>(persons: impl Iterator<Item = &'a Person>) -> String {
    let persons: Vec<&Person> = persons.collect();
    let Some(first) = persons.first() else {
        return "nicht im Fallbestand".into();
    };
    let mut names: Vec<String> = Vec::new();
    for p in &persons {
        match names
            .iter_mut()
            .find(|n| n.starts_with(&format!("{}, ", p.nachname)))
        {
            Some(n) => {
                n.push_str("; ");
                n.push_str(&p.vorname);
            }
            None => names.push(format!("{}, {}", p.nachname, p.vorname)),
        }
    }
    format!(
        "{} — {}, {} {}",
        names.join(" / "),
        first.strasse,
        first.plz,
        first.ort
    )
}

/// A stored batch as the inbox shows it, with its failed pages (of all
/// `failed` pages, those of this batch).
pub(super) fn batch_view(b: BatchRow, failed: &[crate::store::FailedPage]) -> BatchView {
    use crate::store::{BatchState, PageState};
    let count = |state: &str| b.pages.get(state).copied().unwrap_or(0);
    let pages: u32 = b.pages.values().sum();
    let blank = count(PageState::Blank.as_str());
    let separators = count(PageState::Separator.as_str());
    let documents: u32 = b.documents.values().sum();
    let docs = |state: DocumentState| b.documents.get(state.as_str()).copied().unwrap_or(0);
    let state = BatchState::parse(&b.state);
    let stage = match state {
        None | Some(BatchState::Open) => None,
        Some(BatchState::Ingested) => Some(0),
        Some(BatchState::Prepared) => Some(1),
        Some(BatchState::Recognized) => Some(2),
        Some(BatchState::Classified) => Some(3),
        Some(BatchState::Transferred | BatchState::Purged) => Some(4),
    };
    // Share of the next stage done: pages prepared (or set aside), pages
    // recognised, documents decided.
    let share = |done: u32, of: u32| {
        if of == 0 {
            0.0
        } else {
            done as f32 / of as f32
        }
    };
    let content = pages - blank - separators - count(PageState::Removed.as_str());
    let next = match stage {
        None => 0.0,
        Some(0) => share(pages - count(PageState::Ingested.as_str()), pages),
        Some(1) => share(count(PageState::Recognized.as_str()), content),
        Some(2) => share(
            docs(DocumentState::Classified)
                + docs(DocumentState::Review)
                + docs(DocumentState::Released),
            documents,
        ),
        Some(_) => 0.0,
    };
    let progress = stage.map_or(0.0, |s| s as f32 + 1.0 + next).min(5.0);
    let mut warnings: Vec<Words> = b.flags.split(',').filter_map(Words::of_flag).collect();
    let mut page_flags: Vec<Words> = b
        .page_flags
        .iter()
        .flat_map(|f| f.split(','))
        .filter_map(Words::of_flag)
        .collect();
    page_flags.sort_by(|a, b| a.de.cmp(&b.de));
    page_flags.dedup();
    warnings.extend(page_flags);
    let failures: Vec<String> = failed
        .iter()
        .filter(|f| f.batch_id == b.id)
        .map(|f| format!("Seite {}: {}", f.seq, f.reason))
        .collect();
    BatchView {
        id: b.id,
        profile: b.profile,
        file_name: b.file_name,
        files: b.files,
        received: local_time(&b.received_at),
        stage,
        progress,
        pages,
        blank,
        separators,
        documents,
        review: docs(DocumentState::Review),
        warnings,
        failures,
        thumbs: b.thumbs,
        purged: state == Some(BatchState::Purged),
    }
}

/// The local time zone's offset, found once at start-up.
static LOCAL_OFFSET: std::sync::OnceLock<time::UtcOffset> = std::sync::OnceLock::new();

/// Finds the local time zone's offset for [`local_time`]. Call it at the
/// start of `main`, while the process has one thread (the only time the
/// `time` crate may read it); later calls change nothing.
pub fn init_local_offset() {
    LOCAL_OFFSET
        .get_or_init(|| time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC));
}

/// The start of the local day `days_ago` days before `now` (0: today), as
/// a UTC time for a [`crate::store::BatchFilter`]: `YYYY-MM-DDTHH:MM:SS`,
/// which sorts before every stored time of that second and after every
/// earlier one (stored times go on with fractions and `Z`).
pub fn local_day_start(now: time::OffsetDateTime, days_ago: i64) -> String {
    let local = now.to_offset(LOCAL_OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC));
    let day = local.date() - time::Duration::days(days_ago);
    let t = day
        .midnight()
        .assume_offset(local.offset())
        .to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `TT.MM. HH:MM` in local time of an RFC 3339 timestamp (as given if it
/// does not parse).
pub fn local_time(rfc3339: &str) -> String {
    local(rfc3339, false)
}

/// `TT.MM.JJJJ HH:MM:SS` in local time (for records that outlive the
/// year: incidents, corrections).
pub fn local_time_full(rfc3339: &str) -> String {
    local(rfc3339, true)
}

fn local(rfc3339: &str, full: bool) -> String {
    let Ok(t) =
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
    else {
        return rfc3339.to_owned();
    };
    let t = t.to_offset(LOCAL_OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC));
    if full {
        return format!(
            "{:02}.{:02}.{} {:02}:{:02}:{:02}",
            t.day(),
            u8::from(t.month()),
            t.year(),
            t.hour(),
            t.minute(),
            t.second()
        );
    }
    format!(
        "{:02}.{:02}. {:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::{Duration, OffsetDateTime};

    #[test]
    fn households_list_members_by_family_and_the_address() {
        let p = |n: &str, v: &str| Person {
            bg: "12345BG0012345".into(),
            kundennummer: String::new(),
            nachname: n.into(),
            vorname: v.into(),
            geburtsdatum: String::new(),
            strasse: "Lindenstraße 12".into(),
            plz: "32423".into(),
            ort: "Minden".into(),
            email: String::new(),
        };
        let people = [
            p("Mustermann", "Erika"),
            p("Mustermann", "Max"),
            p("Beispiel", "Jan"),
        ];
        assert_eq!(
            household(people.iter()),
            "Mustermann, Erika; Max / Beispiel, Jan — Lindenstraße 12, 32423 Minden"
        );
        assert_eq!(household([].iter()), "nicht im Fallbestand");
    }

    fn stamps(now: OffsetDateTime, ago_secs: &[f64]) -> Vec<OffsetDateTime> {
        ago_secs
            .iter()
            .map(|s| now - Duration::seconds_f64(*s))
            .collect()
    }

    #[test]
    fn the_pace_is_the_current_one_and_the_backlog_gets_an_end() {
        let now = OffsetDateTime::now_utc();
        // 8 pages in 5 seconds, the last one just now: about 84 a minute.
        let burst: Vec<f64> = (0..8).map(|i| f64::from(i) * 5.0 / 7.0).collect();
        let t = Throughput::of(&stamps(now, &burst), now, 42);
        assert!((t.per_minute - 84.0).abs() < 0.5, "{t:?}");
        assert_eq!(t.done_in_secs, Some(30));
        // The same burst half an hour ago: idle now, no end to promise.
        let old: Vec<f64> = burst.iter().map(|s| s + 1800.0).collect();
        let t = Throughput::of(&stamps(now, &old), now, 42);
        assert_eq!((t.per_minute, t.done_in_secs, t.backlog), (0.0, None, 42));
        // A slow steady pace (one page every 20 s) is not idle after 50 s.
        let slow: Vec<f64> = (0..10).map(|i| 50.0 + f64::from(i) * 20.0).collect();
        let t = Throughput::of(&stamps(now, &slow), now, 0);
        assert!((t.per_minute - 3.0).abs() < 0.01, "{t:?}");
        assert_eq!(t.done_in_secs, None, "nothing left");
        assert_eq!(Throughput::of(&[], now, 5).per_minute, 0.0);
    }
}
