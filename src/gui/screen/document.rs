//! Dokument: one document large. A strip of its pages on the left, the
//! page in the middle (wheel or +/− zooms, dragging moves, 0 fits), the
//! OCR words and, in colour, the evidence for its case over it (O), and
//! what was decided on the right.

use crate::gui::message::Message;
use crate::gui::page_view::{marks, page_view};
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{empty, field, size, thumb, title};
use iced::widget::{button, column, container, row, scrollable, space, text};
use iced::{Alignment, Element, Fill, Length};
use scanstelle::desk::DocumentView;

/// The document screen.
pub fn view(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let Some(doc) = &app.document.doc else {
        return column![
            title(l.t("Dokument", "Document"), space()),
            empty(l.t(
                "Einen Stapel im Eingang oder eine Akte öffnen.",
                "Open a batch in the inbox or a case.",
            )),
        ]
        .spacing(16)
        .into();
    };
    let siblings = &app.document.batch_documents;
    let at = siblings.iter().position(|&d| d == doc.id);
    let nav = row![
        button(text("◀")).on_press_maybe(
            at.and_then(|i| i.checked_sub(1))
                .map(|i| Message::OpenDocument(siblings[i]))
        ),
        text(match at {
            Some(i) => format!(
                "{} {} {} {} {}",
                l.t("Dokument", "Document"),
                i + 1,
                l.t("von", "of"),
                siblings.len(),
                l.t("im Stapel", "in the batch")
            ),
            None => format!("{} {}", l.t("Dokument", "Document"), doc.id),
        })
        .size(size::BODY),
        button(text("▶")).on_press_maybe(
            at.and_then(|i| siblings.get(i + 1))
                .map(|&d| Message::OpenDocument(d))
        ),
    ]
    .spacing(8)
    .align_y(Alignment::Center);
    let tools = row![
        button(text("−")).on_press(Message::ZoomOut),
        button(text(l.t("Einpassen (0)", "Fit (0)"))).on_press(Message::Fit),
        button(text("+")).on_press(Message::ZoomIn),
        text(format!("{:.0} %", app.document.view.zoom * 100.0)).size(size::SMALL),
        button(text(if app.document.overlay {
            l.t("Texterkennung ausblenden (O)", "Hide OCR (O)")
        } else {
            l.t("Texterkennung zeigen (O)", "Show OCR (O)")
        }))
        .style(if app.document.overlay {
            button::primary
        } else {
            button::secondary
        })
        .on_press(Message::ToggleOverlay),
    ]
    .spacing(8)
    .align_y(Alignment::Center);
    let n = app.document.page;
    let pages = doc.pages.len();
    let edit = |label: &'static str, ok: bool, m: Message| {
        button(text(label).size(size::SMALL))
            .style(button::secondary)
            .on_press_maybe(ok.then_some(m))
    };
    let edits = row![
        edit(
            l.t("Hier teilen (S)", "Split here (S)"),
            n > 0,
            Message::SplitHere
        ),
        edit(
            l.t("An vorheriges anhängen (M)", "Append to previous (M)"),
            at.is_some_and(|i| i > 0),
            Message::MergePrevious
        ),
        edit(
            l.t("Seite entfernen (Entf)", "Remove page (Del)"),
            pages > 1,
            Message::RemovePage
        ),
        edit(
            l.t("↻ Drehen (R)", "↻ Rotate (R)"),
            true,
            Message::RotatePage(90)
        ),
        edit(
            l.t("◀ Seite (Alt+←)", "◀ Page (Alt+←)"),
            n > 0,
            Message::MovePage(-1)
        ),
        edit(
            l.t("Seite ▶ (Alt+→)", "Page ▶ (Alt+→)"),
            n + 1 < pages,
            Message::MovePage(1)
        ),
        edit(
            l.t("Rückgängig (Strg+Z)", "Undo (Ctrl+Z)"),
            !app.undo.is_empty(),
            Message::Undo
        ),
        edit(
            l.t("Wiederholen (Strg+Y)", "Redo (Ctrl+Y)"),
            !app.redo.is_empty(),
            Message::Redo
        ),
    ]
    .spacing(6)
    .align_y(Alignment::Center);
    column![
        row![
            title(
                l.t("Dokument", "Document"),
                text(&doc.file_name).size(size::BODY).style(text::secondary)
            ),
            space().width(Fill),
            nav
        ]
        .align_y(Alignment::Center),
        row![tools, space().width(Fill)].align_y(Alignment::Center),
        edits,
        row![
            strip(app, doc),
            page(app, doc),
            container(scrollable(facts(app, doc).padding([0, 12])))
                .width(Length::Fixed(380.0))
                .height(Fill)
        ]
        .spacing(14)
        .height(Fill),
    ]
    .spacing(10)
    .into()
}

fn strip<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, Message> {
    let mut col = column![].spacing(8).align_x(Alignment::Center);
    for (i, p) in doc.pages.iter().enumerate() {
        let t: Element<'_, Message> = match &p.thumb {
            Some(sha) => thumb(app, sha, 120.0),
            None => container(text((i + 1).to_string())).padding(20).into(),
        };
        let chosen = app.document.page == i;
        col = col.push(
            button(
                container(
                    column![t, text((i + 1).to_string()).size(size::SMALL)]
                        .spacing(2)
                        .align_x(Alignment::Center),
                )
                .padding(4)
                .style(if chosen {
                    theme::selected
                } else {
                    container::transparent
                }),
            )
            .padding(0)
            .style(button::text)
            .on_press(Message::SelectPage(i)),
        );
    }
    container(scrollable(col.padding(4)))
        .width(Length::Fixed(116.0))
        .height(Fill)
        .into()
}

fn page<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, Message> {
    let l = app.lang;
    let n = app.document.page;
    let Some(p) = doc.pages.get(n) else {
        return empty(l.t(
            "Das Dokument hat keine Seiten.",
            "The document has no pages.",
        ));
    };
    let body: Element<'_, Message> = match &app.page {
        Some(loaded) if loaded.sha == p.sha => {
            let case = doc.case.as_deref();
            let decided = doc
                .candidates
                .iter()
                .map(|c| &c.candidate)
                .filter(|c| Some(c.bg.as_str()) == case);
            let marks = marks(decided, n);
            page_view(
                loaded,
                &p.words,
                marks,
                app.document.overlay,
                app.document.view,
            )
        }
        _ => empty(l.t("Lade die Seite …", "Loading the page …")),
    };
    container(body)
        .width(Fill)
        .height(Fill)
        .style(theme::card)
        .into()
}

fn facts<'a>(app: &'a App, doc: &'a DocumentView) -> iced::widget::Column<'a, Message> {
    let l = app.lang;
    let status = match doc.case_status.as_str() {
        "auto" => l.t("automatisch", "automatic"),
        "confirmed" => l.t("bestätigt", "confirmed"),
        "review" => l.t("zu prüfen", "to review"),
        _ => l.t("keine", "none"),
    };
    let mut col = column![
        field(
            l.t("Zustand", "State"),
            text(doc.state.german()).size(size::BODY)
        ),
        field(
            l.t("Akte", "Case"),
            text(format!(
                "{} ({status}, {:.0} %)",
                doc.case.as_deref().unwrap_or("—"),
                doc.case_confidence * 100.0
            ))
            .size(size::BODY)
        ),
        field(
            l.t("Dokumenttyp", "Type"),
            text(format!(
                "{} ({:.0} %)",
                doc.doc_type.as_deref().map_or("—", |t| app.type_label(t)),
                doc.type_confidence * 100.0
            ))
            .size(size::BODY)
        ),
        field(
            l.t("Seiten", "Pages"),
            text(doc.pages.len().to_string()).size(size::BODY)
        ),
        field(
            l.t("Stapel", "Batch"),
            text(doc.batch_id.to_string()).size(size::BODY)
        ),
        text(l.t("Belege", "Evidence")).size(size::HEADING),
    ]
    .spacing(8);
    for c in doc.candidates.iter().take(3) {
        col = col.push(
            text(format!(
                "{} · {:.0} %",
                c.candidate.bg,
                c.candidate.score * 100.0
            ))
            .size(size::BODY),
        );
        for e in &c.candidate.evidence {
            col = col.push(
                text(format!("✓ {}", e.text))
                    .size(size::SMALL)
                    .color(crate::gui::theme::evidence_colour(e.kind)),
            );
        }
    }
    if !doc.type_phrases.is_empty() {
        col = col.push(text(l.t("Typ erkannt an", "Type recognised by")).size(size::HEADING));
        col = col.push(text(doc.type_phrases.join(", ")).size(size::SMALL));
    }
    for w in &doc.warnings {
        col = col.push(
            text(format!("⚠ {w}"))
                .size(size::SMALL)
                .style(text::warning),
        );
    }
    col
}
