//! Eingang: the batches arriving, newest first, each with its thumbnails,
//! its progress through the five stages, counts and warnings; quarantined
//! files with their reasons beside them.

use crate::gui::message::Message;
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{count, empty, size, thumb, title};
use iced::widget::{button, column, container, progress_bar, row, scrollable, space, text};
use iced::{Alignment, Element, Fill, Length};
use scanstelle::desk::{BatchView, STAGES};

/// The inbox.
pub fn view(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let o = &app.overview;
    let shown = if o.batch_count > o.batches.len() as u64 {
        format!(
            " ({} {})",
            o.batches.len(),
            l.t("neueste gezeigt", "newest shown")
        )
    } else {
        String::new()
    };
    let summary = text(format!(
        "{}{shown} · {} {} · {:.1} {} · {}",
        count(
            app,
            o.batch_count,
            ("Stapel", "Stapel"),
            ("batch", "batches")
        ),
        o.review.len(),
        l.t("zur Prüfung", "to review"),
        o.pages_per_minute,
        l.t("Seiten/min", "pages/min"),
        l.t("↑ ↓ wählen, Enter öffnet", "↑ ↓ choose, Enter opens"),
    ))
    .size(size::BODY)
    .style(text::secondary);
    let batches: Element<'_, Message> = if o.batches.is_empty() {
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
            list = list.push(batch(app, b, i == app.inbox_cursor));
        }
        let rest = o.batch_count.saturating_sub(o.batches.len() as u64);
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
                .on_press(Message::MoreBatches),
            );
        }
        scrollable(list.padding([0, 12])).height(Fill).into()
    };
    column![
        title(l.t("Eingang", "Inbox"), summary),
        row![container(batches).width(Fill).height(Fill), quarantine(app)]
            .spacing(16)
            .height(Fill),
    ]
    .spacing(16)
    .into()
}

fn batch<'a>(app: &'a App, b: &'a BatchView, chosen: bool) -> Element<'a, Message> {
    let l = app.lang;
    let mut thumbs = row![].spacing(6);
    for sha in &b.thumbs {
        thumbs = thumbs.push(thumb(app, sha, 76.0));
    }
    if b.purged {
        thumbs = thumbs.push(
            text(l.t(
                "im DMS abgelegt,\nlokal gelöscht",
                "filed in the DMS,\ndeleted locally",
            ))
            .size(size::SMALL)
            .style(text::secondary)
            .width(Length::Fixed(120.0)),
        );
    }
    let mut stages = row![].spacing(4);
    for (i, s) in STAGES.iter().enumerate() {
        let reached = b.stage.is_some_and(|st| st >= i);
        stages = stages.push(text(*s).size(size::SMALL).width(Fill).style(if reached {
            text::primary
        } else {
            text::secondary
        }));
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
        counts.push_str(&format!(" · {} {}", b.blank, l.t("leer", "blank")));
    }
    if b.separators > 0 {
        counts.push_str(&format!(
            " · {}",
            count(
                app,
                b.separators,
                ("Trennblatt", "Trennblätter"),
                ("separator", "separators")
            )
        ));
    }
    let review: Element<'_, Message> = if b.review > 0 {
        container(
            text(format!("{} {}", b.review, l.t("zur Prüfung", "to review"))).size(size::SMALL),
        )
        .padding([1, 8])
        .style(container::warning)
        .into()
    } else {
        space().into()
    };
    let mut info = column![
        row![
            text(format!("{} {}", l.t("Stapel", "Batch"), b.id)).size(size::HEADING),
            text(format!("{}{files}", b.file_name)).size(size::BODY),
            space().width(Fill),
            text(format!("{} · {}", b.profile, b.received))
                .size(size::SMALL)
                .style(text::secondary),
        ]
        .spacing(12)
        .align_y(Alignment::Center),
        progress_bar(0.0..=5.0, b.progress).girth(8),
        stages,
        row![text(counts).size(size::SMALL), review]
            .spacing(12)
            .align_y(Alignment::Center),
    ]
    .spacing(6)
    .width(Fill);
    for w in &b.warnings {
        info = info.push(
            text(format!("⚠ {w}"))
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
                .on_press(Message::RetryFailed(b.id)),
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
    .on_press(Message::OpenBatch(b.id))
    .into()
}

fn quarantine(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let q = &app.overview.quarantine;
    let mut col = column![
        text(format!("{} ({})", l.t("Quarantäne", "Quarantine"), q.len())).size(size::HEADING)
    ]
    .spacing(10);
    if q.is_empty() {
        col = col.push(
            text(l.t("Keine Datei in Quarantäne.", "No file in quarantine."))
                .size(size::BODY)
                .style(text::secondary),
        );
    }
    for entry in q.iter().take(50) {
        col = col.push(
            column![
                text(&entry.file_name).size(size::BODY),
                text(&entry.reason).size(size::SMALL).style(text::danger),
                text(scanstelle::desk::local_time(&entry.created_at))
                    .size(size::SMALL)
                    .style(text::secondary),
            ]
            .spacing(2),
        );
    }
    container(scrollable(col.padding(14)))
        .width(340)
        .height(Fill)
        .style(theme::card)
        .into()
}
