//! Eingang: the batches arriving, newest first, each with its thumbnails,
//! its progress through the five stages, counts and warnings; quarantined
//! files with their reasons beside them.

use crate::gui::effect::Effect;
use crate::gui::i18n::Lang;
use crate::gui::message::{Message as AppMessage, Screen};
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{count, empty, pace, size, thumb, title};
use iced::widget::image::Handle;
use iced::widget::{
    button, checkbox, column, container, pick_list, progress_bar, row, scrollable, space, text,
    text_input,
};
use iced::{Alignment, Element, Fill, Length};
use scanstelle::desk::{BatchView, STAGES};
use scanstelle::store::{BatchFilter, BatchGroup};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Batches the inbox shows more at a time (the store keeps them all).
pub const PAGE: usize = 100;

/// What the inbox remembers.
#[derive(Debug, Clone)]
pub struct State {
    /// The batch chosen (index into the batches shown, newest first).
    pub cursor: usize,
    /// The quarantine entry opened.
    pub quarantine_open: Option<i64>,
    /// What the entry opened shows: its first page, or why nothing.
    pub preview: Option<(i64, Result<Preview, String>)>,
    /// Where an administrator exports a quarantined file to.
    pub quarantine_to: String,
    /// Which batches are listed.
    pub filter: Filter,
    /// The filter changed while a read was under way: read again after it.
    pub stale: bool,
    /// Batches marked for releasing together (by id).
    pub selected: std::collections::BTreeSet<i64>,
}

/// Which batches the inbox lists, as the person chose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Where they stand.
    pub group: Option<BatchGroup>,
    /// Their scanner profile.
    pub profile: Option<String>,
    /// When they arrived.
    pub day: Day,
}

/// When listed batches arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Day {
    /// Any day.
    #[default]
    Any,
    /// Today.
    Today,
    /// Yesterday.
    Yesterday,
    /// The last seven days, today included.
    Week,
}

impl Day {
    const ALL: [Day; 4] = [Day::Any, Day::Today, Day::Yesterday, Day::Week];

    fn words(self, l: Lang) -> &'static str {
        match self {
            Day::Any => l.t("alle Tage", "any day"),
            Day::Today => l.t("heute", "today"),
            Day::Yesterday => l.t("gestern", "yesterday"),
            Day::Week => l.t("letzte 7 Tage", "last 7 days"),
        }
    }
}

impl Filter {
    /// The store's filter for it, days counted from `now`.
    pub fn to_store(&self, now: time::OffsetDateTime) -> BatchFilter {
        let start = |days_ago| Some(scanstelle::desk::local_day_start(now, days_ago));
        let (since, before) = match self.day {
            Day::Any => (None, None),
            Day::Today => (start(0), None),
            Day::Yesterday => (start(1), start(0)),
            Day::Week => (start(6), None),
        };
        BatchFilter {
            group: self.group,
            profile: self.profile.clone(),
            since,
            before,
        }
    }

    /// Whether it lists every batch.
    pub fn is_all(&self) -> bool {
        *self == Self::default()
    }
}

/// The words for a group of batches.
fn group_words(g: Option<BatchGroup>, l: Lang) -> &'static str {
    match g {
        None => l.t("alle Stände", "any state"),
        Some(BatchGroup::InWork) => l.t("in Arbeit", "in progress"),
        Some(BatchGroup::Review) => l.t("nur Prüfen", "to review only"),
        Some(BatchGroup::Release) => l.t("wartet auf Freigabe", "waits for release"),
        Some(BatchGroup::Failed) => l.t("mit Fehlern", "with failures"),
        Some(BatchGroup::Transferred) => l.t("übertragen", "transferred"),
    }
}

/// A choice of a pick list: the value and its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice<T> {
    value: T,
    words: String,
}

fn choice<T>(value: T, words: &str) -> Choice<T> {
    Choice {
        value,
        words: words.to_owned(),
    }
}

impl<T> std::fmt::Display for Choice<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words)
    }
}

impl Default for State {
    fn default() -> Self {
        Self {
            cursor: 0,
            quarantine_open: None,
            preview: None,
            filter: Filter::default(),
            stale: false,
            selected: std::collections::BTreeSet::new(),
            quarantine_to: std::env::var_os("HOME")
                .map(|h| {
                    std::path::Path::new(&h)
                        .join("Quarantäne-Export")
                        .display()
                        .to_string()
                })
                .unwrap_or_default(),
        }
    }
}

/// The first page of a quarantined file, as the window shows it.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The file format ("PDF").
    pub format: &'static str,
    /// Pages that could be read.
    pub pages: usize,
    /// Whether the first page came out empty.
    pub blank: bool,
    /// The thumbnail.
    pub image: Handle,
}

/// What happens in the inbox.
#[derive(Debug, Clone)]
pub enum Message {
    /// Move the choice by this many batches.
    Cursor(isize),
    /// Show the next page of older batches.
    More,
    /// Open the batch chosen.
    Open,
    /// Try the failed pages of the batch chosen again.
    Retry,
    /// Open the first document of a batch.
    OpenBatch(i64),
    /// Put a batch's failed pages back in line ("Erneut versuchen").
    RetryFailed(i64),
    /// The failed pages were put back in line (the notice) or refused.
    Retried(Result<scanstelle::desk::Words, String>),
    /// Open (or close) a quarantine entry.
    OpenQuarantine(i64),
    /// Q: open the newest quarantine entry, or close the one open.
    QuarantineKey,
    /// What an entry's file shows (its first page), or why nothing.
    Previewed(i64, Result<Preview, String>),
    /// Put an entry's file back into its hot folder ("Erneut einlesen").
    Requeue(i64),
    /// The file was put back (where) or refused.
    Requeued(Result<PathBuf, String>),
    /// List only batches in this group (none: all).
    Group(Option<BatchGroup>),
    /// List only batches of this profile (none: all).
    Profile(Option<String>),
    /// List only batches of this day.
    Day(Day),
    /// "nur Prüfen" on or off (key P).
    ToggleReviewOnly,
    /// List all batches again.
    ClearFilter,
    /// Mark (or unmark) a batch for releasing together (Space: the chosen one).
    ToggleSelect(Option<i64>),
    /// Release the marked batches that wait for it.
    ReleaseSelected,
    /// The export folder typed.
    QuarantineTo(String),
    /// Export the entry opened (administrators).
    ExportQuarantine(i64),
    /// The export was written (where) or refused.
    Exported(Result<PathBuf, String>),
}

impl Message {
    /// Whether it answers the window's own work.
    pub fn is_answer(&self) -> bool {
        matches!(
            self,
            Message::Retried(_)
                | Message::Exported(_)
                | Message::Previewed(..)
                | Message::Requeued(_)
        )
    }
}

/// Applies a message of the inbox.
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    match message {
        Message::Cursor(by) => {
            let last = app.overview.batches.len().saturating_sub(1);
            let want = app.inbox.cursor.saturating_add_signed(by);
            app.inbox.cursor = want.min(last);
            // Past the last batch shown: the next page of older ones.
            if want > last && app.overview.batch_matches > app.overview.batches.len() as u64 {
                return update(app, Message::More);
            }
            Vec::new()
        }
        Message::OpenQuarantine(id) => {
            app.inbox.quarantine_open = (app.inbox.quarantine_open != Some(id)).then_some(id);
            let shown = app.inbox.preview.as_ref().is_some_and(|(p, _)| *p == id);
            if app.inbox.quarantine_open.is_some() && !shown {
                app.inbox.preview = None;
                return vec![Effect::PreviewQuarantine(id)];
            }
            Vec::new()
        }
        Message::QuarantineKey => {
            match (app.inbox.quarantine_open, app.overview.quarantine.first()) {
                (Some(open), _) => update(app, Message::OpenQuarantine(open)),
                (None, Some(q)) => {
                    let id = q.id;
                    update(app, Message::OpenQuarantine(id))
                }
                (None, None) => Vec::new(),
            }
        }
        Message::Previewed(id, preview) => {
            if app.inbox.quarantine_open == Some(id) {
                app.inbox.preview = Some((id, preview));
            }
            Vec::new()
        }
        Message::Requeue(id) => vec![Effect::RequeueQuarantine(id)],
        Message::Requeued(result) => {
            let said = (
                "Liegt wieder im Eingangsordner und wird gleich eingelesen:",
                "Back in the hot folder, to be read shortly:",
            );
            if app.notify_written(result, said) {
                app.inbox.quarantine_open = None;
                app.inbox.preview = None;
            }
            app.refresh()
        }
        Message::QuarantineTo(_) if app.typing_shortcut() => Vec::new(),
        Message::QuarantineTo(to) => {
            app.inbox.quarantine_to = to;
            Vec::new()
        }
        Message::ExportQuarantine(id) => {
            let to = app.inbox.quarantine_to.trim();
            if to.is_empty() {
                return Vec::new();
            }
            vec![Effect::ExportQuarantine(id, to.into())]
        }
        Message::Exported(result) => {
            app.notify_written(result, ("Entschlüsselt gespeichert:", "Saved decrypted:"));
            Vec::new()
        }
        Message::More => {
            app.inbox_limit += PAGE;
            app.refresh_now()
        }
        Message::Group(group) => filter(app, |f| f.group = group),
        Message::Profile(profile) => filter(app, |f| f.profile = profile),
        Message::Day(day) => filter(app, |f| f.day = day),
        Message::ToggleReviewOnly => filter(app, |f| {
            f.group = (f.group != Some(BatchGroup::Review)).then_some(BatchGroup::Review);
        }),
        Message::ClearFilter => filter(app, |f| *f = Filter::default()),
        Message::ToggleSelect(batch) => {
            let Some(id) =
                batch.or_else(|| app.overview.batches.get(app.inbox.cursor).map(|b| b.id))
            else {
                return Vec::new();
            };
            // Only a batch that waits for its release can be marked for it,
            // by a person who may release.
            if !app.inbox.selected.remove(&id) && waits_for_release(app, id) && may_release(app) {
                app.inbox.selected.insert(id);
            }
            Vec::new()
        }
        Message::ReleaseSelected => {
            let waiting: Vec<i64> = app
                .inbox
                .selected
                .iter()
                .copied()
                .filter(|id| waits_for_release(app, *id))
                .collect();
            app.inbox.selected.clear();
            waiting.into_iter().map(Effect::QaRelease).collect()
        }
        Message::Open => match app.overview.batches.get(app.inbox.cursor) {
            Some(b) => update(app, Message::OpenBatch(b.id)),
            None => Vec::new(),
        },
        Message::Retry => match app.overview.batches.get(app.inbox.cursor) {
            Some(b) if !b.failures.is_empty() => vec![Effect::RetryFailed(b.id)],
            _ => Vec::new(),
        },
        Message::OpenBatch(batch)
            if app
                .overview
                .batches
                .iter()
                .any(|b| b.id == batch && b.purged) =>
        {
            let text = format!(
                "{} {batch} {}",
                app.lang.t("Stapel", "Batch"),
                app.lang.t(
                    "ist im DMS abgelegt; die Station hat ihre Kopien nach der Aufbewahrungsfrist gelöscht.",
                    "is filed in the DMS; the station deleted its copies after the retention period.",
                )
            );
            app.notify(text, false);
            Vec::new()
        }
        Message::OpenBatch(batch) => {
            app.screen = Screen::Document;
            vec![Effect::BatchDocuments(batch)]
        }
        Message::RetryFailed(batch) => vec![Effect::RetryFailed(batch)],
        Message::Retried(result) => {
            if let Some(done) = app.notify_err(result) {
                let done = crate::gui::view::words(app.lang, &done).to_owned();
                app.notify(done, false);
            }
            app.refresh()
        }
    }
}

/// Changes the filter: the list starts again at its newest batch.
fn filter(app: &mut App, change: impl FnOnce(&mut Filter)) -> Vec<Effect> {
    let before = app.inbox.filter.clone();
    change(&mut app.inbox.filter);
    if app.inbox.filter == before {
        return Vec::new();
    }
    app.inbox.cursor = 0;
    app.inbox_limit = PAGE;
    app.refresh_now()
}

/// Whether a decided batch waits for its quality-control release.
fn waits_for_release(app: &App, batch: i64) -> bool {
    app.overview.qa_enabled && app.overview.qa.iter().any(|q| q.batch_id == batch)
}

/// Whether the person signed in may release batches.
fn may_release(app: &App) -> bool {
    app.may(scanstelle::protect::users::Action::Qa)
}

/// The inbox.
pub fn view(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let o = &app.overview;
    let shown = if !o.filter.is_all() {
        format!(" ({} {})", o.batch_matches, l.t("gefiltert", "filtered"))
    } else if o.batch_count > o.batches.len() as u64 {
        format!(
            " ({} {})",
            o.batches.len(),
            l.t("neueste gezeigt", "newest shown")
        )
    } else {
        String::new()
    };
    let summary = text(format!(
        "{}{shown} · {} {} · {} · {}",
        count(
            app,
            o.batch_count,
            ("Stapel", "Stapel"),
            ("batch", "batches")
        ),
        o.review.len(),
        l.t("zur Prüfung", "to review"),
        pace(app),
        l.t("↑ ↓ wählen, Enter öffnet", "↑ ↓ choose, Enter opens"),
    ))
    .size(size::BODY)
    .style(theme::muted);
    let batches: Element<'_, AppMessage> = if o.batches.is_empty() && !o.filter.is_all() {
        empty(l.t(
            "Kein Stapel passt zum Filter.",
            "No batch matches the filter.",
        ))
    } else if o.batches.is_empty() {
        empty(if app.loaded {
            l.t(
                "Noch keine Stapel. Scans in den Eingangsordner legen oder auf das Fenster ziehen.",
                "No batches yet. Put scans into the hot folder or drop them onto the window.",
            )
        } else {
            l.t("Lese die Station …", "Reading the station …")
        })
    } else {
        let mut list = column![].spacing(10);
        for (i, b) in o.batches.iter().enumerate() {
            list = list.push(batch(app, b, i == app.inbox.cursor));
        }
        let rest = o.batch_matches.saturating_sub(o.batches.len() as u64);
        if rest > 0 {
            list = list.push(
                button(
                    text(format!(
                        "{} ({} {})",
                        l.t("Ältere Stapel zeigen", "Show older batches"),
                        rest,
                        l.t("weitere", "more")
                    ))
                    .size(size::BODY),
                )
                .style(button::secondary)
                .on_press(AppMessage::Inbox(Message::More)),
            );
        }
        scrollable(list.padding([0, 12])).height(Fill).into()
    };
    column![
        title(l.t("Eingang", "Inbox"), summary),
        row![
            column![filters(app), container(batches).width(Fill).height(Fill)].spacing(10),
            quarantine(app)
        ]
        .spacing(16)
        .height(Fill),
    ]
    .spacing(16)
    .into()
}

/// The filter bar: where batches stand, their profile and day; and the
/// batches marked for releasing together.
fn filters(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let f = &app.inbox.filter;
    let groups: Vec<Choice<Option<BatchGroup>>> = std::iter::once(None)
        .chain(BatchGroup::ALL.map(Some))
        .map(|g| choice(g, group_words(g, l)))
        .collect();
    let profiles: Vec<Choice<Option<String>>> =
        std::iter::once(choice(None, l.t("alle Profile", "any profile")))
            .chain(
                app.overview
                    .profiles
                    .iter()
                    .map(|p| choice(Some(p.clone()), p)),
            )
            .collect();
    let days: Vec<Choice<Day>> = Day::ALL.iter().map(|d| choice(*d, d.words(l))).collect();
    let picked_group = groups.iter().find(|c| c.value == f.group).cloned();
    let picked_profile = profiles.iter().find(|c| c.value == f.profile).cloned();
    let picked_day = days.iter().find(|c| c.value == f.day).cloned();
    let mut bar = row![
        pick_list(groups, picked_group, |c| AppMessage::Inbox(Message::Group(
            c.value
        )))
        .text_size(size::SMALL),
        pick_list(profiles, picked_profile, |c| AppMessage::Inbox(
            Message::Profile(c.value)
        ))
        .text_size(size::SMALL),
        pick_list(days, picked_day, |c| AppMessage::Inbox(Message::Day(
            c.value
        )))
        .text_size(size::SMALL),
    ]
    .spacing(8)
    .align_y(Alignment::Center);
    if f.is_all() {
        bar = bar.push(
            text(l.t("P: nur Prüfen", "P: to review only"))
                .size(size::SMALL)
                .style(theme::muted),
        );
    } else {
        bar = bar.push(
            button(text(l.t("Alle zeigen", "Show all")).size(size::SMALL))
                .style(button::secondary)
                .on_press(AppMessage::Inbox(Message::ClearFilter)),
        );
    }
    let n = app.inbox.selected.len();
    if n > 0 {
        bar = bar.push(
            button(
                text(format!(
                    "{} ({n}) (F)",
                    l.t("Ausgewählte freigeben", "Release selected")
                ))
                .size(size::SMALL),
            )
            .on_press(AppMessage::Inbox(Message::ReleaseSelected)),
        );
    } else if app.overview.qa_enabled && !app.overview.qa.is_empty() && may_release(app) {
        bar = bar.push(
            text(l.t(
                "Leertaste markiert zum Freigeben",
                "Space marks for release",
            ))
            .size(size::SMALL)
            .style(theme::muted),
        );
    }
    bar.wrap().vertical_spacing(6).into()
}

/// The stages of [`STAGES`] in English.
const STAGES_EN: [&str; 5] = ["taken in", "prepared", "recognised", "filed", "transferred"];

fn batch<'a>(app: &'a App, b: &'a BatchView, chosen: bool) -> Element<'a, AppMessage> {
    let l = app.lang;
    // Three small thumbnails beside the card's text at 1366, six larger
    // ones on a wide window, one on a narrow one (zoomed); "+N" says how
    // many pages more.
    let (shown, height) = if app.wide() {
        (6, 112.0)
    } else if app.narrow() {
        (1, 76.0)
    } else {
        (3, 76.0)
    };
    let mut thumbs = row![].spacing(6);
    for sha in b.thumbs.iter().take(shown) {
        thumbs = thumbs.push(thumb(app, sha, height));
    }
    // More pages than thumbnails: say how many more.
    let more = u64::from(b.pages).saturating_sub(b.thumbs.len().min(shown) as u64);
    let more = (more > 0 && !b.thumbs.is_empty()).then(|| {
        text(format!("+{more}"))
            .size(size::BODY)
            .style(theme::muted)
    });
    if b.purged {
        thumbs = thumbs.push(
            text(l.t(
                "im DMS abgelegt,\nlokal gelöscht",
                "filed in the DMS,\ndeleted locally",
            ))
            .size(size::SMALL)
            .style(theme::muted)
            .width(Length::Fixed(120.0)),
        );
    }
    // Beside the thumbnails, or under the one a narrow window shows.
    let thumbs: Element<'_, AppMessage> = match more {
        Some(more) if app.narrow() => column![thumbs, more]
            .spacing(2)
            .align_x(Alignment::Center)
            .into(),
        Some(more) => thumbs.push(container(more).center_y(height)).into(),
        None => thumbs.into(),
    };
    let mut stages = row![].spacing(4);
    for (i, (s, en)) in STAGES.iter().zip(STAGES_EN).enumerate() {
        let reached = b.stage.is_some_and(|st| st >= i);
        stages = stages.push(
            text(l.t(s, en))
                .size(size::SMALL)
                .width(Fill)
                .style(if reached { text::primary } else { theme::muted }),
        );
    }
    let files = if b.files > 1 {
        format!(
            " (+{})",
            count(app, b.files - 1, ("Datei", "Dateien"), ("file", "files"))
        )
    } else {
        String::new()
    };
    let mut counts = format!(
        "{} · {}",
        count(app, b.pages, ("Seite", "Seiten"), ("page", "pages")),
        count(
            app,
            b.documents,
            ("Dokument", "Dokumente"),
            ("document", "documents")
        ),
    );
    if b.blank > 0 {
        let _ = write!(counts, " · {} {}", b.blank, l.t("leer", "blank"));
    }
    if b.separators > 0 {
        let _ = write!(
            counts,
            " · {}",
            count(
                app,
                b.separators,
                ("Trennblatt", "Trennblätter"),
                ("separator", "separators")
            )
        );
    }
    // A decided batch waiting for its release in quality control says so
    // (it is not on its way to the DMS yet).
    let waits = waits_for_release(app, b.id);
    let narrow = app.narrow();
    let label = container(
        text(if narrow {
            l.t("wartet auf Freigabe (Strg+7)", "waits for release (Ctrl+7)")
        } else {
            l.t(
                "wartet auf Freigabe (Qualität, Strg+7)",
                "waits for release (quality, Ctrl+7)",
            )
        })
        .size(size::SMALL),
    )
    .padding([1, 8])
    .style(container::secondary);
    let review: Element<'_, AppMessage> = if waits && b.review == 0 && !may_release(app) {
        label.into()
    } else if waits && b.review == 0 {
        row![
            checkbox(app.inbox.selected.contains(&b.id))
                .label(if narrow {
                    l.t("markieren", "mark")
                } else {
                    l.t("zum Freigeben (Leertaste)", "to release (Space)")
                })
                .text_size(size::SMALL)
                .on_toggle(move |_| AppMessage::Inbox(Message::ToggleSelect(Some(b.id)))),
            label,
        ]
        .spacing(8)
        .align_y(Alignment::Center)
        .into()
    } else if b.review > 0 {
        container(
            text(format!("{} {}", b.review, l.t("zur Prüfung", "to review"))).size(size::SMALL),
        )
        .padding([1, 8])
        .style(container::warning)
        .into()
    } else {
        space().into()
    };
    // Profile and time beside the name, or under it on a narrow window.
    let name = row![
        text(format!("{} {}", l.t("Stapel", "Batch"), b.id)).size(size::HEADING),
        text(format!("{}{files}", b.file_name)).size(size::BODY),
    ]
    .spacing(12)
    .align_y(Alignment::Center);
    let when = text(format!("{} · {}", b.profile, b.received))
        .size(size::SMALL)
        .style(theme::muted);
    let head: Element<'_, AppMessage> = if narrow {
        column![name, when].spacing(2).into()
    } else {
        row![name, space().width(Fill), when]
            .spacing(12)
            .align_y(Alignment::Center)
            .into()
    };
    let mut info = column![
        head,
        progress_bar(0.0..=5.0, b.progress).girth(8),
        stages,
        row![text(counts).size(size::SMALL), review]
            .spacing(12)
            .align_y(Alignment::Center)
            .wrap()
            .vertical_spacing(4),
    ]
    .spacing(6)
    .width(Fill);
    for w in &b.warnings {
        info = info.push(
            text(format!("⚠ {}", crate::gui::view::words(l, w)))
                .size(size::SMALL)
                .style(text::warning),
        );
    }
    if !b.failures.is_empty() {
        // A page that failed is named with its reason; the others went on.
        for f in b.failures.iter().take(3) {
            info = info.push(text(format!("✖ {f}")).size(size::SMALL).style(text::danger));
        }
        if b.failures.len() > 3 {
            info = info.push(
                text(format!(
                    "✖ +{} {}",
                    b.failures.len() - 3,
                    l.t("weitere Seiten fehlgeschlagen", "more pages failed")
                ))
                .size(size::SMALL)
                .style(text::danger),
            );
        }
        info = info.push(
            button(text(l.t("Erneut versuchen (E)", "Try again (E)")).size(size::SMALL))
                .style(button::secondary)
                .on_press(AppMessage::Inbox(Message::RetryFailed(b.id))),
        );
    }
    button(
        container(row![thumbs, info].spacing(16).align_y(Alignment::Center))
            .padding(12)
            .width(Fill)
            .style(if chosen {
                theme::chosen_card
            } else {
                theme::card
            }),
    )
    .padding(0)
    .style(button::text)
    .on_press(AppMessage::Inbox(Message::OpenBatch(b.id)))
    .into()
}

/// An opened quarantine entry: its facts, what to do, and for an
/// administrator the decrypted export.
fn quarantine_entry<'a>(
    app: &'a App,
    entry: &'a scanstelle::store::QuarantineRow,
    admin: bool,
) -> Element<'a, AppMessage> {
    let l = app.lang;
    let noted_only = scanstelle::intake::SET_ASIDE_CODES.contains(&entry.reason_code.as_str());
    let mut col = column![
        text(format!(
            "{} {} · SHA-256 {}…",
            l.t("Eintrag", "Entry"),
            entry.id,
            entry.sha.get(..16).unwrap_or(&entry.sha)
        ))
        .size(size::SMALL)
        .style(theme::muted),
        text(if noted_only {
            l.t(
                "Die Datei liegt weiter im Eingangsordner; die Station nimmt sie nicht. Bitte dort entfernen oder als Datei neu ablegen.",
                "The file stays in the hot folder; the station does not take it. Remove it there or put it in again as a file.",
            )
        } else {
            l.t(
                "Die Datei ist verschlüsselt aufbewahrt. Bitte das Papier neu scannen. Ist die Ursache behoben (etwa am Scanner oder ein Grenzwert), „Erneut einlesen“ wählen.",
                "The file is kept encrypted. Please scan the paper again. Once the cause is fixed (at the scanner, or a limit), choose “Read again”.",
            )
        })
        .size(size::SMALL),
    ]
    .spacing(6);
    if !noted_only {
        col = col.push(preview(app, entry.id));
        col = col.push(
            button(text(l.t("Erneut einlesen", "Read again")).size(size::SMALL))
                .on_press(AppMessage::Inbox(Message::Requeue(entry.id))),
        );
    }
    if admin && !noted_only {
        col = col.push(
            text_input(
                l.t(
                    "Zielordner (außerhalb der Station)",
                    "Target folder (outside the station)",
                ),
                &app.inbox.quarantine_to,
            )
            .on_input(|t| AppMessage::Inbox(Message::QuarantineTo(t)))
            .size(size::SMALL),
        );
        col = col.push(
            button(text(l.t("Entschlüsselt exportieren", "Export decrypted")).size(size::SMALL))
                .style(button::secondary)
                .on_press(AppMessage::Inbox(Message::ExportQuarantine(entry.id))),
        );
    }
    container(col).padding(8).style(theme::card).into()
}

/// The first page of an opened entry's file, or why there is none.
fn preview(app: &App, id: i64) -> Element<'_, AppMessage> {
    let l = app.lang;
    match &app.inbox.preview {
        Some((p, Ok(shown))) if *p == id => column![
            container(iced::widget::image(shown.image.clone()).height(220.0))
                .center_x(Fill)
                .style(container::bordered_box),
            text(if shown.blank {
                format!(
                    "{} · {}",
                    shown.format,
                    l.t(
                        "die erste Seite ist leer: von ihrem Inhalt ist nichts angekommen",
                        "the first page is empty: nothing of its content arrived",
                    )
                )
            } else {
                format!(
                    "{} · {} {}",
                    shown.format,
                    count(
                        app,
                        shown.pages as u64,
                        ("Seite", "Seiten"),
                        ("page", "pages")
                    ),
                    l.t("lesbar (Vorschau)", "readable (preview)"),
                )
            })
            .size(size::SMALL)
            .style(theme::muted),
        ]
        .spacing(4)
        .into(),
        Some((p, Err(why))) if *p == id => text(why.as_str())
            .size(size::SMALL)
            .style(theme::muted)
            .into(),
        _ => text(l.t("Vorschau wird gelesen …", "Reading the preview …"))
            .size(size::SMALL)
            .style(theme::muted)
            .into(),
    }
}

fn quarantine(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let q = &app.overview.quarantine;
    let mut col = column![
        row![
            text(format!("{} ({})", l.t("Quarantäne", "Quarantine"), q.len())).size(size::HEADING),
            text(l.t("Q öffnet", "Q opens"))
                .size(size::SMALL)
                .style(theme::muted)
        ]
        .spacing(10)
        .align_y(Alignment::Center)
    ]
    .spacing(10);
    if q.is_empty() {
        col = col.push(
            text(l.t("Keine Datei in Quarantäne.", "No file in quarantine."))
                .size(size::BODY)
                .style(theme::muted),
        );
    }
    let admin = app.may(scanstelle::protect::users::Action::Administer);
    for entry in q.iter().take(50) {
        let open = app.inbox.quarantine_open == Some(entry.id);
        col = col.push(
            button(
                column![
                    text(&entry.file_name).size(size::BODY),
                    text(&entry.reason).size(size::SMALL).style(text::danger),
                    text(scanstelle::desk::local_time(&entry.created_at))
                        .size(size::SMALL)
                        .style(theme::muted),
                ]
                .spacing(2),
            )
            .padding(0)
            .style(button::text)
            .on_press(AppMessage::Inbox(Message::OpenQuarantine(entry.id))),
        );
        if open {
            col = col.push(quarantine_entry(app, entry, admin));
        }
    }
    container(scrollable(col.padding(14)))
        .width(app.panel(340.0))
        .height(Fill)
        .style(theme::card)
        .into()
}
