//! Übertragung: the connection to the DMS (online or offline, last contact,
//! the last error in words), the outbox per state and the newest messages
//! with their attempts and errors; F5 or the button tries the DMS now.

use crate::gui::message::Message;
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{dms_indicator, size, title};
use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Element, Fill, Length};
use scanstelle::desk::local_time;
use scanstelle::store::{OutboxRow, OutboxState};

fn state_text(app: &App, s: OutboxState) -> &'static str {
    let l = app.lang;
    match s {
        OutboxState::Packaged => l.t("verpackt", "packaged"),
        OutboxState::Sent => l.t("gesendet", "sent"),
        OutboxState::Received => l.t("empfangen", "received"),
        OutboxState::Imported => l.t("importiert", "imported"),
        OutboxState::Rejected => l.t("abgelehnt", "rejected"),
        OutboxState::Purged => l.t("gelöscht", "purged"),
    }
}

fn message_row<'a>(app: &'a App, o: &'a OutboxRow) -> Element<'a, Message> {
    let l = app.lang;
    let state = text(state_text(app, o.state)).width(Length::Fixed(110.0));
    let state = match o.state {
        OutboxState::Imported | OutboxState::Purged if o.refused == 0 => state.style(text::success),
        OutboxState::Rejected | OutboxState::Imported | OutboxState::Purged => {
            state.style(text::warning)
        }
        _ if o.last_error.is_some() => state.style(text::danger),
        _ => state,
    };
    let when = o
        .imported_at
        .as_ref()
        .or(o.received_at.as_ref())
        .or(o.sent_at.as_ref())
        .map(|t| local_time(t))
        .unwrap_or_default();
    let docs = if o.refused > 0 {
        format!(
            "{} {}, {} {}",
            o.documents,
            l.t("Dok.", "docs"),
            o.refused,
            l.t("zurück zur Prüfung", "back to review")
        )
    } else {
        match o.message.as_str() {
            "0617" => l.t("Berichtigung: Akte", "correction: case").to_owned(),
            "0610" => l.t("Berichtigung: Typ", "correction: type").to_owned(),
            "0623" => l.t("Prüfprotokoll", "audit log").to_owned(),
            _ => format!("{} {}", o.documents, l.t("Dok.", "docs")),
        }
    };
    let mut line = row![
        text(match (o.message.as_str(), o.round) {
            ("0623", _) => l.t("Station", "Station").to_owned(),
            (_, 1) => format!("{} {}", l.t("Stapel", "Batch"), o.batch_id),
            (_, round) => format!("{} {} ({round})", l.t("Stapel", "Batch"), o.batch_id),
        })
        .width(Length::Fixed(110.0)),
        state,
        text(docs).width(Length::Fixed(220.0)),
        text(when).width(Length::Fixed(110.0)),
    ]
    .spacing(10);
    if let Some(e) = &o.last_error {
        let retry = o
            .next_attempt_at
            .as_deref()
            .map(|t| format!(" – {} {}", l.t("neuer Versuch", "retry"), local_time(t)))
            .unwrap_or_default();
        line = line.push(
            text(format!("{} ({}×){retry}", e, o.attempts))
                .style(text::danger)
                .width(Fill),
        );
    } else {
        line = line.push(
            text(&o.process_id)
                .size(size::SMALL)
                .style(theme::muted)
                .width(Fill),
        );
    }
    container(line).padding(8).style(theme::card).into()
}

/// The sync screen.
pub fn view(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let o = &app.overview;
    let count = |s: OutboxState| {
        o.outbox_counts
            .iter()
            .find(|(k, _)| *k == s)
            .map_or(0, |(_, n)| *n)
    };
    let waiting =
        count(OutboxState::Packaged) + count(OutboxState::Sent) + count(OutboxState::Received);
    let done = count(OutboxState::Imported) + count(OutboxState::Purged);
    let mut status = column![
        row![
            text(l.t("Dokumentenmanagementsystem", "Document management system"))
                .size(size::HEADING)
                .width(Fill),
            button(text(l.t("Jetzt übertragen (F5)", "Transfer now (F5)")))
                .on_press(Message::SyncNow)
                .style(button::primary),
        ],
        text(&app.dms).size(size::BODY),
        dms_indicator(app).size(size::BODY),
    ]
    .spacing(8)
    .padding(14);
    if let Some(e) = &o.sync.last_error {
        status = status.push(text(e).size(size::BODY).style(text::danger));
        status = status.push(
            text(l.t(
                "Alle Dokumente bleiben sicher in der Station; die Übertragung wird automatisch wiederholt.",
                "Every document stays safe at the station; the transfer is retried automatically.",
            ))
            .size(size::SMALL),
        );
    }
    let counts = row![
        text(format!("{waiting} {}", l.t("unterwegs", "on their way"))).size(size::BODY),
        text(format!("{done} {}", l.t("importiert", "imported")))
            .size(size::BODY)
            .style(text::success),
        text(format!(
            "{} {}",
            count(OutboxState::Rejected),
            l.t("abgelehnt", "rejected")
        ))
        .size(size::BODY),
        text(format!(
            "{} {}",
            count(OutboxState::Purged),
            l.t("lokal gelöscht", "deleted locally")
        ))
        .size(size::BODY),
    ]
    .spacing(24);
    let mut list = column![].spacing(6);
    for m in &o.outbox {
        list = list.push(message_row(app, m));
    }
    let list: Element<'_, Message> = if o.outbox.is_empty() {
        text(if o.qa_enabled {
            l.t(
                "Noch keine Nachricht an das DMS: zugeordnete Stapel werden verpackt und gesendet, sobald die Qualitätskontrolle sie freigegeben hat (Strg+7).",
                "No message to the DMS yet: classified batches are packaged and sent once quality control has released them (Ctrl+7).",
            )
        } else {
            l.t(
                "Noch keine Nachricht an das DMS: zugeordnete Stapel werden beim nächsten Durchlauf der Übertragung verpackt und gesendet.",
                "No message to the DMS yet: classified batches are packaged and sent on the transfer's next pass.",
            )
        })
        .size(size::BODY)
        .into()
    } else {
        scrollable(list).height(Fill).into()
    };
    column![
        title(l.t("Übertragung", "Transfer"), text("")),
        container(status).width(Fill).style(theme::card),
        counts,
        text(l.t("Postausgang", "Outbox")).size(size::HEADING),
        list,
    ]
    .spacing(14)
    .into()
}
