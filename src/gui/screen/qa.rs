//! Qualität: the batches waiting for their quality-control release. Each
//! shows who scanned it and the documents of its sample (and those with
//! flagged pages): open one (Enter on the document screen shows it
//! large), compare it with the paper, mark it "stimmt überein" or
//! "beanstandet" with a note; then release the batch. Only `qs` and
//! `admin` may check and release, never the person who scanned the batch.
//! Below, the paper originals due today: what goes back to whom (with the
//! batch's return slip) and what may be destroyed (`qs` and `admin`).

use crate::gui::effect::Effect;
use crate::gui::message::Message as AppMessage;
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{empty, size, thumb, title};
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Fill};
use scanstelle::protect::originals::{Fate, Original};
use scanstelle::protect::users::Action;
use scanstelle::store::QaBatch;

/// What the quality-control screen holds.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// The defect note typed.
    pub note: String,
    /// When the last release was asked for: the list moves up after it,
    /// and a second click must not release the next batch unseen.
    pub released_at: Option<std::time::Instant>,
    /// The paper originals due today (read when the screen is shown).
    pub originals: Vec<Original>,
}

/// How long after a release another one is not taken (a double click).
const RELEASE_PAUSE: std::time::Duration = std::time::Duration::from_millis(1500);

/// What happens on the quality-control screen.
#[derive(Debug, Clone)]
pub enum Message {
    /// The defect note changed.
    Note(String),
    /// A sampled document matches its paper.
    Check(i64),
    /// A sampled document does not: the note says why.
    Defect(i64),
    /// Release a batch to the DMS.
    Release(i64),
    /// A check or release was stored (the notice) or refused.
    Done(Result<scanstelle::desk::Words, String>),
    /// The paper originals due today arrived.
    Originals(Result<Vec<Original>, String>),
    /// A document's original went back (`true`) or its paper was destroyed.
    Paper(i64, bool),
    /// That was recorded (the notice) or refused.
    PaperConfirmed(Result<scanstelle::desk::Words, String>),
    /// Write the return slip of a batch.
    Slip(i64),
    /// The slip was written (where) or refused.
    SlipWritten(Result<std::path::PathBuf, String>),
}

impl Message {
    /// Whether it answers the window's own work.
    pub fn is_answer(&self) -> bool {
        matches!(
            self,
            Message::Done(_)
                | Message::Originals(_)
                | Message::PaperConfirmed(_)
                | Message::SlipWritten(_)
        )
    }
}

/// Applies a message of the quality-control screen.
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    match message {
        Message::Note(note) => {
            app.qa.note = note;
            Vec::new()
        }
        Message::Check(doc) => vec![Effect::QaCheck(doc, None)],
        Message::Defect(doc) => {
            let note = std::mem::take(&mut app.qa.note);
            vec![Effect::QaCheck(doc, Some(note))]
        }
        Message::Release(batch) => {
            let now = std::time::Instant::now();
            if app
                .qa
                .released_at
                .is_some_and(|t| now.duration_since(t) < RELEASE_PAUSE)
            {
                app.notify(
                    app.lang
                        .t(
                            "Nicht freigegeben: gerade wurde schon ein Stapel freigegeben (Doppelklick?). Bitte den nächsten ansehen und erneut klicken.",
                            "Not released: a batch was released just now (double click?). Look at the next one and click again.",
                        )
                        .to_owned(),
                    true,
                );
                return Vec::new();
            }
            app.qa.released_at = Some(now);
            vec![Effect::QaRelease(batch)]
        }
        Message::Done(result) => {
            if let Some(done) = app.notify_err(result) {
                let done = crate::gui::view::words(app.lang, &done).to_owned();
                app.notify(done, false);
            }
            app.refresh()
        }
        Message::Originals(result) => {
            if let Some(due) = app.notify_err(result) {
                app.qa.originals = due;
            }
            Vec::new()
        }
        Message::Paper(doc, returned) => vec![Effect::ConfirmPaper(doc, returned)],
        Message::PaperConfirmed(result) => {
            if let Some(done) = app.notify_err(result) {
                let done = crate::gui::view::words(app.lang, &done).to_owned();
                app.notify(done, false);
            }
            vec![Effect::LoadOriginals]
        }
        Message::Slip(batch) => vec![Effect::WriteSlip(batch, slips_folder())],
        Message::SlipWritten(result) => {
            app.notify_written(
                result,
                ("Rückgabeschein geschrieben:", "Return slip written:"),
            );
            Vec::new()
        }
    }
}

/// Where the window writes return slips: `Rueckgabescheine` in the
/// operator's home.
fn slips_folder() -> std::path::PathBuf {
    std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("Rueckgabescheine")
}

/// The paper originals due today: what goes back to whom (with the batch's
/// return slip), what may be destroyed; each confirmed by a button.
fn originals(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let due = &app.qa.originals;
    let mut col = column![
        text(format!(
            "{} ({})",
            l.t("Papieroriginale heute", "Paper originals today"),
            due.len()
        ))
        .size(size::HEADING)
    ]
    .spacing(6);
    if due.is_empty() {
        return col
            .push(
                text(l.t(
                    "Kein Original ist zurückzugeben oder zu vernichten.",
                    "No original is to be returned or destroyed.",
                ))
                .size(size::SMALL)
                .style(theme::muted),
            )
            .into();
    }
    let may_destroy = app.may(Action::Qa);
    let mut slips: Vec<i64> = Vec::new();
    const SHOWN: usize = 12;
    for o in due.iter().take(SHOWN) {
        let back = o.fate == Fate::Return;
        let mut line = row![
            text(format!(
                "{} {} · {}",
                l.t("Dokument", "Document"),
                o.row.document_id,
                o.kind
            ))
            .size(size::SMALL)
            .width(Fill),
            text(format!(
                "{} · {} {}{}",
                o.row.case_bg.as_deref().unwrap_or("—"),
                l.t("Stapel", "batch"),
                o.row.batch_id,
                o.row
                    .place
                    .as_deref()
                    .map(|p| format!(" · {p}"))
                    .unwrap_or_default()
            ))
            .size(size::SMALL)
            .style(theme::muted),
        ]
        .spacing(10)
        .align_y(Alignment::Center);
        if back && !slips.contains(&o.row.batch_id) {
            slips.push(o.row.batch_id);
            line = line.push(
                button(text(l.t("Rückgabeschein", "Return slip")).size(size::SMALL))
                    .style(button::secondary)
                    .on_press(AppMessage::Qa(Message::Slip(o.row.batch_id))),
            );
        }
        line = line.push(if back {
            button(text(l.t("Zurückgegeben", "Returned")).size(size::SMALL))
                .on_press(AppMessage::Qa(Message::Paper(o.row.document_id, true)))
        } else {
            button(text(l.t("Vernichtet", "Destroyed")).size(size::SMALL))
                .style(button::danger)
                .on_press_maybe(
                    may_destroy.then_some(AppMessage::Qa(Message::Paper(o.row.document_id, false))),
                )
        });
        col = col.push(line);
    }
    if due.len() > SHOWN {
        col = col.push(
            text(format!(
                "+{} {}",
                due.len() - SHOWN,
                l.t(
                    "weitere: scanstelle originals",
                    "more: scanstelle originals"
                )
            ))
            .size(size::SMALL)
            .style(theme::muted),
        );
    }
    container(col)
        .padding(14)
        .style(container::bordered_box)
        .width(Fill)
        .into()
}

fn batch_card<'a>(app: &'a App, b: &'a QaBatch, may: bool) -> Element<'a, AppMessage> {
    let l = app.lang;
    let me = app.session.as_ref().map(|s| s.user.as_str());
    let own = b.scanned_by.is_some() && b.scanned_by.as_deref() == me;
    let mut items = column![].spacing(6);
    if b.items.is_empty() {
        items = items.push(
            text(l.t(
                "Kein Dokument in der Stichprobe, keine markierte Seite.",
                "No document sampled, no flagged page.",
            ))
            .size(size::SMALL)
            .style(theme::muted),
        );
    }
    for i in &b.items {
        let state: Element<'_, AppMessage> = match i.result.as_deref() {
            Some("ok") => text(l.t("stimmt überein", "matches"))
                .style(text::success)
                .into(),
            Some(_) => text(format!(
                "{}: {}",
                l.t("beanstandet", "defect"),
                i.note.as_deref().unwrap_or("")
            ))
            .style(text::danger)
            .into(),
            None => text(l.t("offen", "open")).style(text::warning).into(),
        };
        // Its first page, to hold beside the paper; a click opens it large.
        let preview: Element<'_, AppMessage> = match &i.thumb {
            Some(sha) => button(thumb(app, sha, 84.0))
                .padding(0)
                .style(button::text)
                .on_press(AppMessage::OpenDocument(i.document_id))
                .into(),
            None => space().width(60).into(),
        };
        let mut line = row![
            preview,
            button(text(format!(
                "{} {}",
                l.t("Dokument", "Document"),
                i.document_id
            )))
            .style(button::text)
            .on_press(AppMessage::OpenDocument(i.document_id)),
            text(i.reason.as_str())
                .size(size::SMALL)
                .style(theme::muted)
                .width(260),
            state,
            space().width(Fill),
        ]
        .spacing(12)
        .align_y(Alignment::Center);
        if may {
            line = line
                .push(
                    button(text(l.t("Stimmt überein", "Matches")).size(size::SMALL))
                        .on_press(AppMessage::Qa(Message::Check(i.document_id))),
                )
                .push(
                    button(text(l.t("Beanstanden", "Report defect")).size(size::SMALL))
                        .style(button::danger)
                        .on_press_maybe(
                            (!app.qa.note.trim().is_empty())
                                .then_some(AppMessage::Qa(Message::Defect(i.document_id))),
                        ),
                );
        }
        items = items.push(line);
    }
    let ready = b.open_items() == 0
        && b.items
            .iter()
            .all(|i| i.result.as_deref() != Some("beanstandet"));
    let mut release = button(text(l.t("Freigeben", "Release")));
    if may && ready && !own {
        release = release.on_press(AppMessage::Qa(Message::Release(b.batch_id)));
    }
    let why: &str = if !may {
        l.t("Freigabe: Rolle qs oder admin", "Release: role qs or admin")
    } else if own {
        l.t(
            "Vier-Augen-Prinzip: selbst gescannt",
            "Four eyes: scanned by you",
        )
    } else if !ready {
        l.t("erst alle Stichproben prüfen", "check every sample first")
    } else {
        ""
    };
    container(
        column![
            row![
                column![
                    text(format!("{} {}", l.t("Stapel", "Batch"), b.batch_id)).size(size::HEADING),
                    text(format!(
                        "{} {} · {}",
                        b.documents,
                        if b.documents == 1 {
                            l.t("Dokument", "document")
                        } else {
                            l.t("Dokumente", "documents")
                        },
                        match &b.scanned_by {
                            Some(who) => format!("{} {who}", l.t("gescannt von", "scanned by")),
                            None => l
                                .t(
                                    "im Eingangsordner abgelegt (niemand angemeldet)",
                                    "put into the hot folder (nobody signed in)"
                                )
                                .to_owned(),
                        }
                    ))
                    .size(size::SMALL)
                    .style(theme::muted),
                ]
                .spacing(2)
                .width(Fill),
                text(why).size(size::SMALL).style(theme::muted),
                release,
            ]
            .spacing(12)
            .align_y(Alignment::Center),
            items,
        ]
        .spacing(10),
    )
    .padding(14)
    .style(container::bordered_box)
    .width(Fill)
    .into()
}

/// The quality-control screen.
pub fn view(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let may = app.may(Action::Qa);
    let waiting = &app.overview.qa;
    let head = title(
        l.t("Qualität", "Quality"),
        text(if app.overview.qa_enabled {
            format!(
                "{} {}",
                waiting.len(),
                l.t("Stapel warten auf die Freigabe", "batches wait for release")
            )
        } else {
            l.t(
                "Qualitätskontrolle ausgeschaltet: Stapel gehen ohne Freigabe",
                "Quality control off: batches leave without release",
            )
            .to_owned()
        })
        .style(theme::muted),
    );
    let mut body = column![head].spacing(14);
    if may {
        body = body.push(
            text_input(
                l.t(
                    "Beanstandung (was stimmt nicht mit dem Papier überein?)",
                    "Defect (what does not match the paper?)",
                ),
                &app.qa.note,
            )
            .on_input(|x| AppMessage::Qa(Message::Note(x)))
            .padding(8)
            .size(size::BODY),
        );
    }
    if waiting.is_empty() {
        body = body.push(empty(l.t(
            "Kein Stapel wartet auf die Freigabe.",
            "No batch waits for release.",
        )));
    }
    let mut list = column![].spacing(10);
    for b in waiting {
        list = list.push(batch_card(app, b, may));
    }
    list = list.push(originals(app));
    body.push(scrollable(list).height(Fill)).into()
}
