//! Qualität: the batches waiting for their quality-control release. Each
//! shows who scanned it and the documents of its sample (and those with
//! flagged pages): open one (Enter on the document screen shows it
//! large), compare it with the paper, mark it "stimmt überein" or
//! "beanstandet" with a note; then release the batch. Only `qs` and
//! `admin` may check and release, never the person who scanned the batch.

use crate::gui::effect::Effect;
use crate::gui::message::Message as AppMessage;
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{empty, size, thumb, title};
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Fill};
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
}

impl Message {
    /// Whether it answers the window's own work.
    pub fn is_answer(&self) -> bool {
        matches!(self, Message::Done(_))
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
    }
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
    body.push(scrollable(list).height(Fill)).into()
}
