//! Prüfen: one document of the review queue at a time. The page on the
//! left with the evidence marked; on the right why it waits, the ranked
//! case candidates with their evidence, the type suggestions and the
//! register search. Enter accepts, 1–9 picks a case, Alt+1–9 a type, `/`
//! searches the register, arrows page and move through the queue, Ctrl+Z
//! undoes.

use crate::gui::effect::SEARCH_FIELD;
use crate::gui::message::Message;
use crate::gui::page_view::{marks, page_view};
use crate::gui::state::{App, View};
use crate::gui::theme;
use crate::gui::view::{empty, size, title};
use iced::widget::{Column, button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Fill, Length};
use scanstelle::desk::DocumentView;

/// The review screen.
pub fn view(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let queue = &app.overview.review;
    let Some(doc) = &app.review.doc else {
        return column![
            title(l.t("Prüfen", "Review"), space()),
            empty(if queue.is_empty() {
                l.t(
                    "Nichts zu prüfen: alle Dokumente sind zugeordnet.",
                    "Nothing to review: every document is filed.",
                )
            } else {
                l.t("Lade das nächste Dokument …", "Loading the next document …")
            }),
        ]
        .spacing(16)
        .into();
    };
    let position = queue.iter().position(|&d| d == doc.id).map_or_else(
        || l.t("bearbeitet", "done").to_owned(),
        |i| format!("{} {} {}", i + 1, l.t("von", "of"), queue.len()),
    );
    let head = title(
        l.t("Prüfen", "Review"),
        text(format!(
            "{} {} · {} · {position}",
            l.t("Dokument", "Document"),
            doc.id,
            doc.file_name
        ))
        .size(size::BODY)
        .style(text::secondary),
    );
    let panel = scrollable(
        column![
            reasons(app, doc),
            candidates(app, doc),
            search(app, doc),
            types(app),
            accept(app),
        ]
        .spacing(18)
        .padding([0, 14]),
    )
    .height(Fill);
    column![
        head,
        row![
            page(app, doc),
            container(panel).width(Length::Fixed(460.0)).height(Fill)
        ]
        .spacing(16)
        .height(Fill),
    ]
    .spacing(12)
    .into()
}

/// The page with the picked candidate's evidence marked.
fn page<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, Message> {
    let l = app.lang;
    let n = app.review.page;
    let Some(p) = doc.pages.get(n) else {
        return empty(l.t(
            "Das Dokument hat keine Seiten.",
            "The document has no pages.",
        ));
    };
    let view: Element<'_, Message> = match &app.page {
        Some(loaded) if loaded.sha == p.sha => {
            let picked = doc
                .candidates
                .get(app.review.case)
                .filter(|_| app.review.manual_case.is_none());
            let marks = marks(picked.into_iter().map(|c| &c.candidate), n);
            page_view(loaded, &[], marks, true, View::default())
        }
        _ => empty(l.t("Lade die Seite …", "Loading the page …")),
    };
    column![
        container(view).width(Fill).height(Fill).style(theme::card),
        row![
            button(text("◀")).on_press_maybe((n > 0).then_some(Message::PrevPage)),
            text(format!(
                "{} {} {} {}",
                l.t("Seite", "Page"),
                n + 1,
                l.t("von", "of"),
                doc.pages.len()
            ))
            .size(size::BODY),
            button(text("▶"))
                .on_press_maybe((n + 1 < doc.pages.len()).then_some(Message::NextPage)),
            space().width(Fill),
            text(l.t("← → Seiten · ↑ ↓ Dokumente", "← → pages · ↑ ↓ documents"))
                .size(size::SMALL)
                .style(text::secondary),
        ]
        .spacing(10)
        .align_y(Alignment::Center),
    ]
    .spacing(8)
    .width(Fill)
    .into()
}

fn reasons<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, Message> {
    let mut col =
        column![text(app.lang.t("Warum prüfen?", "Why review?")).size(size::HEADING)].spacing(4);
    for r in doc.reasons.iter().chain(&doc.warnings) {
        col = col.push(text(format!("• {r}")).size(size::BODY).style(text::warning));
    }
    if doc.reasons.is_empty() && doc.warnings.is_empty() {
        col = col.push(
            text(
                app.lang
                    .t("Zur Kontrolle vorgelegt.", "Put forward for checking."),
            )
            .size(size::BODY),
        );
    }
    col.into()
}

/// One choice line: key, main text, detail lines; highlighted when chosen.
fn choice<'a>(
    key: String,
    main: String,
    details: Vec<String>,
    chosen: bool,
    on_press: Message,
) -> Element<'a, Message> {
    let mut col: Column<'_, Message> = column![text(main).size(size::BODY)].spacing(2).width(Fill);
    for d in details {
        col = col.push(text(d).size(size::SMALL));
    }
    let body = row![
        container(text(key).size(size::BODY))
            .padding([2, 8])
            .style(container::rounded_box),
        col
    ]
    .spacing(10)
    .align_y(Alignment::Start);
    button(container(body).padding(8).width(Fill).style(if chosen {
        theme::selected
    } else {
        theme::card
    }))
    .padding(0)
    .style(button::text)
    .on_press(on_press)
    .into()
}

fn candidates<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, Message> {
    let l = app.lang;
    let mut col = column![text(l.t("Akte", "Case")).size(size::HEADING)].spacing(6);
    if doc.candidates.is_empty() {
        col = col.push(
            text(l.t(
                "Kein Kandidat gefunden: mit / im Fallbestand suchen.",
                "No candidate found: search the register with /.",
            ))
            .size(size::BODY)
            .style(text::secondary),
        );
    }
    for (i, c) in doc.candidates.iter().enumerate().take(9) {
        let details = std::iter::once(c.household.clone())
            .chain(c.candidate.evidence.iter().map(|e| format!("✓ {}", e.text)))
            .collect();
        col = col.push(choice(
            (i + 1).to_string(),
            format!("{}  ·  {:.0} %", c.candidate.bg, c.candidate.score * 100.0),
            details,
            app.review.manual_case.is_none() && app.review.case == i,
            Message::PickCase(i),
        ));
    }
    col.into()
}

fn search<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, Message> {
    let l = app.lang;
    let mut col = column![
        text_input(
            l.t(
                "/ Fallbestand durchsuchen: BG-Nummer, Name, Anschrift …",
                "/ search the register: BG number, name, address …"
            ),
            &app.review.query
        )
        .id(SEARCH_FIELD)
        .on_input(Message::RegisterQuery)
        .on_submit(Message::RegisterSearch)
        .padding(8)
        .size(size::BODY),
    ]
    .spacing(6);
    let first = doc.candidates.len().min(9);
    for (k, hit) in app.review.hits.iter().enumerate().take(9 - first) {
        let p = &hit.person;
        col = col.push(choice(
            (first + k + 1).to_string(),
            format!("{}  ·  {}, {}", p.bg, p.nachname, p.vorname),
            vec![format!(
                "{} · {}, {} {} · {}",
                p.kundennummer, p.strasse, p.plz, p.ort, p.geburtsdatum
            )],
            app.review.manual_case.as_deref() == Some(p.bg.as_str()),
            Message::TakeHit(k),
        ));
    }
    col.into()
}

fn types(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let mut col = column![
        row![
            text(l.t("Dokumenttyp", "Document type")).size(size::HEADING),
            text(l.t("Alt+1–9", "Alt+1–9"))
                .size(size::SMALL)
                .style(text::secondary)
        ]
        .spacing(10)
        .align_y(Alignment::Center)
    ]
    .spacing(6);
    let choices = app.type_choices();
    // The suggestions, and the picked type if it is further down.
    let shown = choices
        .iter()
        .take_while(|c| c.2.is_some())
        .count()
        .clamp(3, 9);
    for (i, (_, label, p)) in choices.iter().enumerate() {
        if i >= shown && i != app.review.doc_type {
            continue;
        }
        let main = match p {
            Some(p) => format!("{label}  ·  {:.0} %", p * 100.0),
            None => label.clone(),
        };
        let key = if i < 9 {
            format!("Alt+{}", i + 1)
        } else {
            String::from("·")
        };
        col = col.push(choice(
            key,
            main,
            Vec::new(),
            app.review.doc_type == i,
            Message::PickType(i),
        ));
    }
    col.into()
}

fn accept(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let case = app.picked_case().unwrap_or_else(|| "—".into());
    let ty = app
        .picked_type()
        .map(|t| app.type_label(&t).to_owned())
        .unwrap_or_else(|| "—".into());
    column![
        button(
            text(format!(
                "{} {case} · {ty}   (Enter)",
                l.t("Übernehmen:", "Accept:")
            ))
            .size(size::BODY)
        )
        .padding([10, 16])
        .width(Fill)
        .style(button::primary)
        .on_press_maybe((!app.review.busy).then_some(Message::Accept)),
        text(l.t(
            "Strg+Z macht die letzte Bestätigung rückgängig.",
            "Ctrl+Z undoes the last confirmation."
        ))
        .size(size::SMALL)
        .style(text::secondary),
    ]
    .spacing(6)
    .into()
}
