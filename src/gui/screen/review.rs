//! Prüfen: one document of the review queue at a time. The page on the
//! left with the evidence marked; on the right why it waits, the ranked
//! case candidates with their evidence, the type suggestions and the
//! register search. Enter accepts, 1–9 picks a case, Alt+1–9 a type, `/`
//! searches the register, arrows page and move through the queue, Ctrl+Z
//! undoes.

use crate::gui::effect::{Effect, SEARCH_FIELD};
use crate::gui::message::{Message as AppMessage, Screen};
use crate::gui::page_view::{marks, page_view};
use crate::gui::state::{App, UndoStep, View, Zoom};
use crate::gui::theme;
use crate::gui::view::{empty, size, title};
use iced::widget::{Column, button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Fill, Length};
use scanstelle::classify::casefind::EvidenceKind;
use scanstelle::desk::{CaseHit, DocumentView, Undo};

/// What the review screen holds.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// The document shown.
    pub doc: Option<DocumentView>,
    /// The case candidate picked (index into the candidates).
    pub case: usize,
    /// A case taken from the register search instead of a candidate.
    pub manual_case: Option<String>,
    /// The type picked (index into the suggestions, then all types).
    pub doc_type: usize,
    /// The page shown.
    pub page: usize,
    /// The register search field.
    pub query: String,
    /// Its hits.
    pub hits: Vec<CaseHit>,
    /// A confirmation is being stored.
    pub busy: bool,
    /// Case and type of the confirmation being stored.
    pub pending: (Option<String>, Option<String>),
    /// Zoom and position of the page (fitted for each new document).
    pub view: View,
    /// The uncertain item Tab went to (index into [`uncertain`]).
    pub focus: Option<usize>,
    /// Tab went past the last item: the next document opens at its first.
    pub focus_first: bool,
}

/// What in a document needs a person, in the order Tab visits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uncertain {
    /// A number on the page that is in no case (index into the doubts).
    Doubt(usize),
    /// The case is not certain.
    Case,
    /// The type is not certain.
    Type,
}

/// The uncertain items of a document: its unknown numbers (in page order),
/// then the case, then the type, when they are not certain.
pub fn uncertain(doc: &DocumentView) -> Vec<Uncertain> {
    let mut doubts: Vec<usize> = (0..doc.doubts.len()).collect();
    doubts.sort_by_key(|&i| (doc.doubts[i].page, doc.doubts[i].bbox.map(|b| (b[1], b[0]))));
    let mut items: Vec<Uncertain> = doubts.into_iter().map(Uncertain::Doubt).collect();
    if doc.case_status != "auto" {
        items.push(Uncertain::Case);
    }
    if doc.type_uncertain {
        items.push(Uncertain::Type);
    }
    items
}

/// What happens on the review screen.
#[derive(Debug, Clone)]
pub enum Message {
    /// Pick the n-th case candidate (0-based; then the register hits).
    PickCase(usize),
    /// Pick the n-th type suggestion (0-based).
    PickType(usize),
    /// Accept the document with the picked case and type.
    Accept,
    /// A confirmation was stored.
    Confirmed(Result<Undo, String>),
    /// Next document of the queue.
    NextDocument,
    /// Previous document of the queue.
    PrevDocument,
    /// The register search field changed.
    Query(String),
    /// Search the register with the field's text (Enter in the field).
    Search,
    /// `/`: into the search field for a new search.
    FocusSearch,
    /// Register hits arrived.
    Hits(Result<Vec<CaseHit>, String>),
    /// Take the n-th register hit as the document's case.
    TakeHit(usize),
    /// Zoom or move the page (+ − 0, the mouse wheel, dragging).
    Zoom(Zoom),
    /// Tab: the next uncertain item (past the last: the next document).
    NextUncertain,
    /// Shift+Tab: the previous uncertain item.
    PrevUncertain,
}

impl Message {
    /// Whether it answers the window's own work.
    pub fn is_answer(&self) -> bool {
        matches!(self, Message::Confirmed(_) | Message::Hits(_))
    }
}

/// Applies a message of the review screen.
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    match message {
        Message::PickCase(i) => {
            // The candidates are numbered first, then the register hits.
            if let Some(doc) = &app.review.doc {
                let n = doc.candidates.len();
                if i < n {
                    app.review.case = i;
                    app.review.manual_case = None;
                } else if i - n < app.review.hits.len() {
                    return update(app, Message::TakeHit(i - n));
                }
            }
            Vec::new()
        }
        Message::PickType(i) => {
            if i < app.type_choices().len() {
                app.review.doc_type = i;
            }
            Vec::new()
        }
        Message::Accept => confirm(app),
        Message::Confirmed(result) => {
            app.review.busy = false;
            let Some(undo) = app.notify_err(result) else {
                return Vec::new();
            };
            let id = undo.document_id;
            let (case, ty) = std::mem::take(&mut app.review.pending);
            app.undo.push(UndoStep::Confirm(undo, case, ty));
            app.overview.review.retain(|&d| d != id);
            next_in_queue(app, id)
        }
        Message::NextDocument | Message::PrevDocument => {
            let forward = matches!(message, Message::NextDocument);
            let queue = &app.overview.review;
            let current = app
                .review
                .doc
                .as_ref()
                .and_then(|d| queue.iter().position(|&q| q == d.id));
            let next = match (current, forward) {
                (Some(i), true) => queue.get(i + 1),
                (Some(i), false) => i.checked_sub(1).and_then(|i| queue.get(i)),
                (None, _) => queue.first(),
            };
            next.map(|&id| vec![Effect::LoadDocument(id)])
                .unwrap_or_default()
        }
        // A text field also takes the character of a shortcut (Ctrl+1):
        // with Ctrl or Alt held the text stays as it was.
        Message::Query(_) if app.typing_shortcut() => Vec::new(),
        Message::Query(q) => {
            app.review.query = q;
            Vec::new()
        }
        Message::FocusSearch => vec![Effect::Focus(SEARCH_FIELD)],
        Message::NextUncertain | Message::PrevUncertain => {
            let Some(doc) = &app.review.doc else {
                return Vec::new();
            };
            let items = uncertain(doc);
            let forward = matches!(message, Message::NextUncertain);
            let next = match (app.review.focus, forward) {
                (None, true) => Some(0),
                (Some(i), true) => Some(i + 1),
                (None, false) => items.len().checked_sub(1),
                (Some(i), false) => i.checked_sub(1),
            }
            .filter(|&i| i < items.len());
            match next {
                Some(i) => focus(app, i),
                None if forward => {
                    // Past the last: the next document of the queue, at its first item.
                    let effects = update(app, Message::NextDocument);
                    app.review.focus_first = !effects.is_empty();
                    if effects.is_empty() {
                        app.review.focus = None;
                    }
                    effects
                }
                None => {
                    app.review.focus = None;
                    Vec::new()
                }
            }
        }
        Message::Search => {
            if app.screen != Screen::Review {
                return Vec::new();
            }
            // The hits are picked with the digits: the field lets go of
            // the keyboard, and `/` takes it back for the next search.
            let q = app.review.query.trim().to_owned();
            if q.is_empty() {
                vec![Effect::Focus(SEARCH_FIELD)]
            } else {
                vec![Effect::RegisterSearch(q), Effect::Unfocus]
            }
        }
        Message::Hits(result) => {
            if let Some(hits) = app.notify_err(result) {
                app.review.hits = hits;
            }
            Vec::new()
        }
        Message::TakeHit(i) => {
            if let Some(hit) = app.review.hits.get(i) {
                app.review.manual_case = Some(hit.person.bg.clone());
            }
            Vec::new()
        }
        Message::Zoom(z) => {
            app.review.view.apply(z);
            Vec::new()
        }
    }
}

/// Enter: the document is confirmed with the case and type picked.
fn confirm(app: &mut App) -> Vec<Effect> {
    let Some(doc) = &app.review.doc else {
        return Vec::new();
    };
    if app.review.busy {
        return Vec::new();
    }
    let (id, case, ty) = (doc.id, app.picked_case(), app.picked_type());
    if case.is_none() {
        app.notify(
            app.lang
                .t(
                    "Keine Akte gewählt: 1–9 oder / für die Suche im Fallbestand",
                    "No case picked: 1–9 or / to search the register",
                )
                .to_owned(),
            true,
        );
        return Vec::new();
    }
    app.review.busy = true;
    app.review.pending = (case.clone(), ty.clone());
    app.redo.clear();
    vec![Effect::Confirm(id, case, ty)]
}

/// After a confirmation: the next document of the queue, or none.
fn next_in_queue(app: &mut App, confirmed: i64) -> Vec<Effect> {
    let next = app
        .overview
        .review
        .iter()
        .copied()
        .find(|&d| d > confirmed)
        .or_else(|| app.overview.review.first().copied());
    match next {
        Some(id) => vec![Effect::LoadDocument(id)],
        None => {
            app.review.doc = None;
            app.page = None;
            Vec::new()
        }
    }
}

/// A document arrived for this screen: shown from its first page, with the
/// type decided so far picked.
pub fn show(app: &mut App, doc: DocumentView) -> Vec<Effect> {
    let decided_type = doc.doc_type.clone();
    let focus_first = app.review.focus_first;
    app.review = State {
        query: std::mem::take(&mut app.review.query),
        hits: std::mem::take(&mut app.review.hits),
        doc: Some(doc),
        pending: std::mem::take(&mut app.review.pending),
        // The zoom a person chose stays for the next document, centred.
        view: View {
            zoom: app.review.view.zoom,
            ..View::default()
        },
        ..State::default()
    };
    // The type decided so far is the one picked (a cover sheet's type,
    // say, need not be the text's best suggestion).
    app.review.doc_type = app
        .type_choices()
        .iter()
        .position(|c| Some(&c.0) == decided_type.as_ref())
        .unwrap_or(0);
    let mut effects = app.load_page();
    let has_items = app
        .review
        .doc
        .as_ref()
        .is_some_and(|d| !uncertain(d).is_empty());
    if focus_first && has_items {
        effects.extend(focus(app, 0));
    }
    effects
}

/// Goes to uncertain item `i`: a number's page is shown.
fn focus(app: &mut App, i: usize) -> Vec<Effect> {
    app.review.focus = Some(i);
    let Some(doc) = &app.review.doc else {
        return Vec::new();
    };
    if let Some(Uncertain::Doubt(d)) = uncertain(doc).get(i).copied() {
        let page = (doc.doubts[d].page as usize).saturating_sub(1);
        if page != app.review.page && page < doc.pages.len() {
            app.review.page = page;
            return app.load_page();
        }
    }
    Vec::new()
}

/// The uncertain item Tab went to.
fn focused(app: &App) -> Option<Uncertain> {
    let doc = app.review.doc.as_ref()?;
    uncertain(doc).get(app.review.focus?).copied()
}

/// The review screen.
pub fn view(app: &App) -> Element<'_, AppMessage> {
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
        .style(theme::muted),
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
fn page<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, AppMessage> {
    let l = app.lang;
    let n = app.review.page;
    let Some(p) = doc.pages.get(n) else {
        return empty(l.t(
            "Das Dokument hat keine Seiten.",
            "The document has no pages.",
        ));
    };
    let view: Element<'_, AppMessage> = match &app.page {
        Some(loaded) if loaded.sha == p.sha => {
            let picked = doc
                .candidates
                .get(app.review.case)
                .filter(|_| app.review.manual_case.is_none());
            let doubt = match focused(app) {
                Some(Uncertain::Doubt(d)) => Some(d),
                _ => None,
            };
            let marks = marks(
                picked.into_iter().map(|c| &c.candidate),
                &doc.doubts,
                n,
                doubt,
            );
            page_view(loaded, &[], marks, true, app.review.view, |z| {
                AppMessage::Review(Message::Zoom(z))
            })
        }
        _ => empty(l.t("Lade die Seite …", "Loading the page …")),
    };
    let key = |colour: iced::Color, words: &'static str| {
        row![
            text("■").size(size::SMALL).color(colour),
            text(words).size(size::SMALL).style(theme::muted)
        ]
        .spacing(4)
    };
    let legend = row![
        text(l.t("Markiert:", "Marked:"))
            .size(size::SMALL)
            .style(theme::muted),
        key(
            theme::evidence_colour(EvidenceKind::BgNumber),
            l.t("Nummer", "number")
        ),
        key(
            theme::evidence_colour(EvidenceKind::Name),
            l.t("Name, Anschrift, E-Mail", "name, address, e-mail")
        ),
        key(
            theme::evidence_colour(EvidenceKind::BirthDate),
            l.t("Geburtsdatum", "date of birth")
        ),
        key(theme::DOUBT, l.t("unbekannte Nummer", "unknown number")),
    ]
    .spacing(12)
    .wrap()
    .vertical_spacing(4);
    column![
        container(view).width(Fill).height(Fill).style(theme::card),
        legend,
        row![
            button(text("◀")).on_press_maybe((n > 0).then_some(AppMessage::PrevPage)),
            text(format!(
                "{} {} {} {}",
                l.t("Seite", "Page"),
                n + 1,
                l.t("von", "of"),
                doc.pages.len()
            ))
            .size(size::BODY),
            button(text("▶"))
                .on_press_maybe((n + 1 < doc.pages.len()).then_some(AppMessage::NextPage)),
            space().width(12),
            // The zoom's buttons stay together when the row wraps.
            row![
                button(text("−")).on_press(AppMessage::Review(Message::Zoom(Zoom::Out))),
                button(text(l.t("Einpassen (0)", "Fit (0)")))
                    .on_press(AppMessage::Review(Message::Zoom(Zoom::Fit))),
                button(text("+")).on_press(AppMessage::Review(Message::Zoom(Zoom::In))),
                text(format!("{:.0}\u{a0}%", app.review.view.zoom * 100.0)).size(size::SMALL),
            ]
            .spacing(10)
            .align_y(Alignment::Center),
            space().width(12),
            text(l.t("↑↓ Dokumente", "↑↓ documents"))
                .size(size::SMALL)
                .style(theme::muted),
        ]
        .spacing(10)
        .align_y(Alignment::Center)
        .wrap()
        .vertical_spacing(6),
    ]
    .spacing(8)
    .width(Fill)
    .into()
}

fn reasons<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, AppMessage> {
    let mut col =
        column![text(app.lang.t("Warum prüfen?", "Why review?")).size(size::HEADING)].spacing(4);
    let reasons = doc
        .reasons
        .iter()
        .map(|r| crate::gui::view::reason(app.lang, r));
    let warnings = doc
        .warnings
        .iter()
        .map(|w| crate::gui::view::words(app.lang, w).to_owned());
    for r in reasons.chain(warnings) {
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
    let l = app.lang;
    let items = uncertain(doc);
    let at = match (app.review.focus, focused(app)) {
        (Some(i), Some(item)) => {
            let what = match item {
                Uncertain::Doubt(d) => format!(
                    "{} „{}“ ({} {})",
                    l.t("unbekannte Nummer", "unknown number"),
                    doc.doubts[d].read,
                    l.t("Seite", "page"),
                    doc.doubts[d].page
                ),
                Uncertain::Case => l.t("die Akte", "the case").to_owned(),
                Uncertain::Type => l.t("der Dokumenttyp", "the document type").to_owned(),
            };
            format!(
                "▶ {} {} {} {}: {what}",
                l.t("Stelle", "Item"),
                i + 1,
                l.t("von", "of"),
                items.len()
            )
        }
        _ => format!(
            "{} {} · {}",
            items.len(),
            l.t("unsichere Stellen", "uncertain items"),
            l.t(
                "Tab springt zur nächsten (Umschalt+Tab zurück)",
                "Tab goes to the next (Shift+Tab back)"
            )
        ),
    };
    if !items.is_empty() {
        col = col.push(
            text(at)
                .size(size::SMALL)
                .style(if app.review.focus.is_some() {
                    text::warning
                } else {
                    theme::muted
                }),
        );
    }
    col.into()
}

/// A section heading; the uncertain ones say so, the one Tab went to is
/// marked.
fn heading<'a>(app: &App, words: &'a str, item: Uncertain) -> Element<'a, AppMessage> {
    let l = app.lang;
    let Some(doc) = &app.review.doc else {
        return text(words).size(size::HEADING).into();
    };
    let here = focused(app) == Some(item);
    let unsure = uncertain(doc).contains(&item);
    let mut head = row![
        text(if here {
            format!("▶ {words}")
        } else {
            words.to_owned()
        })
        .size(size::HEADING)
        .style(if here { text::warning } else { text::default })
    ]
    .spacing(10)
    .align_y(Alignment::Center);
    if unsure {
        head = head.push(
            container(text(l.t("unsicher", "uncertain")).size(size::SMALL))
                .padding([1, 8])
                .style(container::warning),
        );
    }
    head.into()
}

/// One choice line: key, main text, detail lines; highlighted when chosen.
fn choice<'a>(
    key: String,
    main: String,
    details: Vec<String>,
    chosen: bool,
    on_press: AppMessage,
) -> Element<'a, AppMessage> {
    let mut col: Column<'_, AppMessage> =
        column![text(main).size(size::BODY)].spacing(2).width(Fill);
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

fn candidates<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, AppMessage> {
    let l = app.lang;
    let mut col = column![heading(app, l.t("Akte", "Case"), Uncertain::Case)].spacing(6);
    if doc.candidates.is_empty() {
        col = col.push(
            text(l.t(
                "Kein Kandidat gefunden: mit / im Fallbestand suchen.",
                "No candidate found: search the register with /.",
            ))
            .size(size::BODY)
            .style(theme::muted),
        );
    }
    for (i, c) in doc.candidates.iter().enumerate().take(9) {
        let details = std::iter::once(c.household.clone())
            .chain(
                scanstelle::classify::casefind::group_evidence(&c.candidate.evidence)
                    .iter()
                    .map(|g| format!("✓ {}", g.words())),
            )
            .collect();
        col = col.push(choice(
            (i + 1).to_string(),
            format!(
                "{}  ·  {:.0}\u{a0}%",
                c.candidate.bg,
                c.candidate.score * 100.0
            ),
            details,
            app.review.manual_case.is_none() && app.review.case == i,
            AppMessage::Review(Message::PickCase(i)),
        ));
    }
    col.into()
}

fn search<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, AppMessage> {
    let l = app.lang;
    let mut col = column![
        text_input(
            l.t(
                "/ Fallbestand: BG-Nr., Name, Anschrift",
                "/ register: BG number, name, address"
            ),
            &app.review.query
        )
        .id(SEARCH_FIELD)
        .on_input(|x| AppMessage::Review(Message::Query(x)))
        .on_submit(AppMessage::Review(Message::Search))
        .padding(8)
        .size(size::BODY),
        text(l.t(
            "Enter sucht; dann wählen die Ziffern einen Treffer, / sucht neu",
            "Enter searches; then the digits pick a hit, / searches again"
        ))
        .size(size::SMALL)
        .style(theme::muted),
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
            AppMessage::Review(Message::TakeHit(k)),
        ));
    }
    col.into()
}

fn types(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let mut col = column![
        row![
            heading(app, l.t("Dokumenttyp", "Document type"), Uncertain::Type),
            text(l.t("Alt+1–9", "Alt+1–9"))
                .size(size::SMALL)
                .style(theme::muted)
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
            Some(p) => format!("{label}  ·  {:.0}\u{a0}%", p * 100.0),
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
            AppMessage::Review(Message::PickType(i)),
        ));
    }
    col.into()
}

fn accept(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let case = app.picked_case().unwrap_or_else(|| "—".into());
    let ty = app
        .picked_type()
        .map(|t| app.type_label(&t).to_owned())
        .unwrap_or_else(|| "—".into());
    column![
        // What Enter stores, each on its own line (a long type fits).
        text(format!("{} {case}", l.t("Akte", "Case"))).size(size::BODY),
        text(format!("{} {ty}", l.t("Typ", "Type"))).size(size::BODY),
        button(text(l.t("Übernehmen (Enter)", "Accept (Enter)")).size(size::BODY))
            .padding([10, 16])
            .width(Fill)
            .style(button::primary)
            .on_press_maybe((!app.review.busy).then_some(AppMessage::Review(Message::Accept))),
        text(l.t(
            "Strg+Z macht die letzte Bestätigung rückgängig.",
            "Ctrl+Z undoes the last confirmation."
        ))
        .size(size::SMALL)
        .style(theme::muted),
    ]
    .spacing(6)
    .into()
}
