//! Übertragung: the outbox and the connection to the DMS. The transfer
//! itself (xdomea 0605 messages) is not built yet; the screen says so and
//! shows what waits for it.

use crate::gui::message::Message;
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{size, title};
use iced::widget::{column, container, row, scrollable, text};
use iced::{Element, Fill, Length};

/// The sync screen.
pub fn view(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let released: usize = app
        .overview
        .batches
        .iter()
        .filter(|b| b.stage == Some(3))
        .count();
    let mut outbox = column![].spacing(6);
    for o in &app.overview.outbox {
        outbox = outbox.push(
            container(
                row![
                    text(format!("{} {}", l.t("Stapel", "Batch"), o.batch_id))
                        .width(Length::Fixed(110.0)),
                    text(&o.process_id).width(Fill),
                    text(&o.state).width(Length::Fixed(120.0)),
                    text(format!("{} {}", o.attempts, l.t("Versuche", "attempts"))),
                    text(o.last_error.as_deref().unwrap_or("")).style(text::danger),
                ]
                .spacing(10),
            )
            .padding(8)
            .style(theme::card),
        );
    }
    column![
        title(l.t("Übertragung", "Transfer"), text("")),
        container(
            column![
                text(l.t("Dokumentenmanagementsystem", "Document management system")).size(size::HEADING),
                text(l.t(
                    "Keine DMS-Verbindung eingerichtet. Die Übertragung als xdomea-Nachricht (FVDaten.SGOAblegen.0605) folgt; bis dahin bleiben alle Dokumente sicher in der Station.",
                    "No DMS connection set up. Transfer as xdomea messages (FVDaten.SGOAblegen.0605) follows; until then every document stays safe at the station.",
                ))
                .size(size::BODY),
                text(format!(
                    "{released} {}",
                    l.t("Stapel zugeordnet – sie warten auf die Übertragung", "batches classified – waiting for transfer")
                ))
                .size(size::BODY)
                .style(text::warning),
            ]
            .spacing(8)
            .padding(14),
        )
        .width(Fill)
        .style(theme::card),
        text(format!(
            "{} ({})",
            l.t("Postausgang", "Outbox"),
            app.overview.outbox.len()
        ))
        .size(size::HEADING),
        scrollable(outbox).height(Fill),
    ]
    .spacing(14)
    .into()
}
