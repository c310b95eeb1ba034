//! Dokument: one document large. A strip of its pages on the left, the
//! page in the middle (wheel or +/− zooms, dragging moves, 0 fits), the
//! OCR words and, in colour, the evidence for its case over it (O), and
//! what was decided on the right.

use crate::gui::effect::Effect;
use crate::gui::message::{Direction, Message as AppMessage, Screen};
use crate::gui::page_view::{marks, page_view};
use crate::gui::state::{App, RedoStep, UndoStep, View, Zoom};
use crate::gui::theme;
use crate::gui::view::{document_state, empty, field_with, size, thumb, title};
use iced::widget::{button, column, container, row, scrollable, space, text};
use iced::{Alignment, Element, Fill, Length};
use scanstelle::desk::DocumentView;
use scanstelle::store::DocumentState;
use scanstelle::store::{Edit, Edited};

/// What the document screen holds.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// The document shown.
    pub doc: Option<DocumentView>,
    /// The other documents of its batch (ids, in order).
    pub batch_documents: Vec<i64>,
    /// The page shown.
    pub page: usize,
    /// Zoom and position.
    pub view: View,
    /// Whether the OCR words and evidence are drawn over the page.
    pub overlay: bool,
    /// The page to show once the document (re)loads, after an edit.
    pub focus: Option<usize>,
    /// The screen the document was opened from (quality control, a case),
    /// to go back to with Backspace.
    pub back: Option<Screen>,
    /// The correction of a filed document being filled in.
    pub fix: Fix,
}

/// The correction form of a document the DMS filed already.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fix {
    /// The right case, as typed.
    pub case: String,
    /// The right type (slug), if chosen.
    pub doc_type: Option<String>,
    /// Why (required; it goes into the audit chain).
    pub reason: String,
}

impl Fix {
    /// What it asks for: the case, or else the type; none while the reason
    /// or both are missing, or both are given.
    fn request(&self) -> Option<(Option<String>, Option<String>)> {
        let case = Some(self.case.trim().to_owned()).filter(|c| !c.is_empty());
        if self.reason.trim().is_empty() || case.is_some() == self.doc_type.is_some() {
            return None;
        }
        Some((case, self.doc_type.clone()))
    }
}

/// What happens on the document screen (the page view's zoom and pan too).
#[derive(Debug, Clone)]
pub enum Message {
    /// Back to the screen the document was opened from.
    Back,
    /// Split the document before the page shown.
    SplitHere,
    /// Append the document to the one before it.
    MergePrevious,
    /// Take the page shown out of the document.
    RemovePage,
    /// Turn the page shown clockwise by 90, 180 or 270 degrees.
    RotatePage(u16),
    /// Move the page shown one place earlier (-1) or later (1).
    MovePage(isize),
    /// An edit was stored (or refused).
    Edited(Direction, Result<Edited, String>),
    /// The documents of a batch arrived (the one shown stays).
    BatchListed(Result<Vec<i64>, String>),
    /// The documents of a batch opened from the inbox arrived.
    BatchDocuments(Result<Vec<i64>, String>),
    /// Zoom or move the page (+ − 0, the mouse wheel, dragging).
    Zoom(Zoom),
    /// Show or hide the OCR words and evidence.
    ToggleOverlay,
    /// The right case typed into the correction form.
    FixCase(String),
    /// The right type picked (its label).
    FixType(String),
    /// The reason typed.
    FixReason(String),
    /// Send the correction of this document.
    SendFix(i64),
    /// The correction was recorded (its number) or refused.
    Fixed(i64, Result<i64, String>),
}

impl Message {
    /// Whether it answers the window's own work.
    pub fn is_answer(&self) -> bool {
        matches!(
            self,
            Message::Edited(..)
                | Message::BatchListed(_)
                | Message::BatchDocuments(_)
                | Message::Fixed(..)
        )
    }
}

/// Applies a message of the document screen.
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    match message {
        Message::SplitHere
        | Message::MergePrevious
        | Message::RemovePage
        | Message::MovePage(_)
        | Message::RotatePage(_) => edit(app, &message),
        Message::Edited(direction, result) => match app.notify_err(result) {
            Some(done) => edited(app, direction, done),
            None => Vec::new(),
        },
        Message::BatchListed(result) => {
            if let Some(ids) = app.notify_err(result) {
                app.document.batch_documents = ids;
            }
            Vec::new()
        }
        Message::BatchDocuments(result) => match app.notify_err(result) {
            Some(ids) => {
                let first = ids.first().copied();
                app.document.batch_documents = ids;
                first.map(Effect::LoadDocument).into_iter().collect()
            }
            None => Vec::new(),
        },
        Message::Zoom(z) => {
            app.document.view.apply(z);
            Vec::new()
        }
        Message::ToggleOverlay => {
            app.document.overlay = !app.document.overlay;
            Vec::new()
        }
        // A text field also takes the character of a shortcut (Ctrl+1).
        Message::FixCase(_) | Message::FixReason(_) if app.typing_shortcut() => Vec::new(),
        Message::FixCase(c) => {
            app.document.fix.case = c;
            Vec::new()
        }
        Message::FixReason(r) => {
            app.document.fix.reason = r;
            Vec::new()
        }
        Message::FixType(label) => {
            app.document.fix.doc_type = app
                .types
                .iter()
                .find(|(_, l)| *l == label)
                .map(|(slug, _)| slug.clone());
            Vec::new()
        }
        Message::SendFix(doc) => match app.document.fix.request() {
            Some((case, ty)) => vec![Effect::CorrectFiled(
                doc,
                case,
                ty,
                app.document.fix.reason.trim().to_owned(),
            )],
            None => Vec::new(),
        },
        Message::Fixed(doc, result) => match app.notify_err(result) {
            Some(n) => {
                app.document.fix = Fix::default();
                let l = app.lang;
                app.notify(
                    format!(
                        "{} {n} {}",
                        l.t("Berichtigung", "Correction"),
                        l.t(
                            "vorgemerkt: sie geht mit der nächsten Übertragung an das DMS.",
                            "recorded: it goes to the DMS with the next transfer.",
                        )
                    ),
                    false,
                );
                // Shown again where it was corrected.
                match (&app.screen, &app.cases.file) {
                    (Screen::Cases, Some(file)) => {
                        app.cases.fixing = None;
                        vec![Effect::LoadCase(file.bg.clone())]
                    }
                    _ => vec![Effect::LoadDocument(doc)],
                }
            }
            None => Vec::new(),
        },
        Message::Back => match app.document.back.take() {
            Some(screen) => {
                app.screen = screen;
                app.refresh()
            }
            None => Vec::new(),
        },
    }
}

/// The edit a button or key asks for, on the page shown.
fn edit(app: &App, message: &Message) -> Vec<Effect> {
    let Some(doc) = &app.document.doc else {
        return Vec::new();
    };
    let (document, page) = (doc.id, app.document.page);
    let edit = match *message {
        Message::SplitHere => Edit::Split { document, at: page },
        Message::MergePrevious => Edit::Merge { document },
        Message::RemovePage => Edit::RemovePage {
            document,
            position: page,
        },
        Message::RotatePage(clockwise) => Edit::RotatePage {
            document,
            position: page,
            clockwise,
        },
        Message::MovePage(by) => Edit::MovePage {
            document,
            from: page,
            to: match page.checked_add_signed(by) {
                Some(to) if to < doc.pages.len() => to,
                _ => return Vec::new(),
            },
        },
        _ => return Vec::new(),
    };
    vec![Effect::Edit(edit, Direction::Do)]
}

/// An edit was stored: its inverse goes on the undo (or redo) list, and the
/// document is shown again where the edit happened.
fn edited(app: &mut App, direction: Direction, edited: Edited) -> Vec<Effect> {
    let step = edited.inverse.clone();
    match direction {
        Direction::Do => {
            app.redo.clear();
            app.undo.push(UndoStep::Edit(step));
        }
        Direction::Undo => app.redo.push(RedoStep::Edit(step)),
        Direction::Redo => app.undo.push(UndoStep::Edit(step)),
    }
    let l = app.lang;
    let words = match (direction, &edited.inverse) {
        // The inverse of undoing a turn is the turn that was undone.
        (Direction::Undo, Edit::RotatePage { position, .. }) => format!(
            "{} {} {}",
            l.t("Drehung von Seite", "Rotation of page"),
            position + 1,
            l.t("zurückgenommen", "undone")
        ),
        (Direction::Undo, _) => {
            format!("{} {}", l.t("Rückgängig gemacht:", "Undone:"), edited.words)
        }
        _ => edited.words,
    };
    app.notify(words, false);
    app.screen = Screen::Document;
    app.document.focus = Some(match edited.inverse {
        Edit::Merge { .. } => 0,
        Edit::Split { at, .. } => at,
        Edit::RestorePage { position, .. }
        | Edit::RemovePage { position, .. }
        | Edit::RotatePage { position, .. } => position,
        Edit::MovePage { from, .. } => from,
    });
    vec![
        Effect::LoadDocument(edited.document),
        Effect::ListBatch(edited.batch),
    ]
}

/// A document arrived for this screen. The same document again (decided
/// anew, edited) keeps its page and zoom.
pub fn show(app: &mut App, doc: DocumentView) -> Vec<Effect> {
    let same = app.document.doc.as_ref().is_some_and(|d| d.id == doc.id);
    let page = match app.document.focus.take() {
        Some(p) => p,
        None if same => app.document.page,
        None => 0,
    };
    app.document.page = page.min(doc.pages.len().saturating_sub(1));
    if !same {
        app.document.view = View::default();
        app.document.fix = Fix::default();
    }
    let thumbs: Vec<_> = doc.pages.iter().filter_map(|p| p.thumb.clone()).collect();
    app.document.doc = Some(doc);
    let mut effects = app.load_thumbs(thumbs);
    effects.extend(app.load_page());
    effects
}

/// The document screen.
pub fn view(app: &App) -> Element<'_, AppMessage> {
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
    let back: Element<'_, AppMessage> = match app.document.back {
        Some(screen) => button(text(format!(
            "← {} ({})",
            crate::gui::view::screen_name(app, screen),
            l.t("Rücktaste", "Backspace")
        )))
        .style(button::secondary)
        .on_press(AppMessage::Document(Message::Back))
        .into(),
        None => space().into(),
    };
    let nav = row![
        back,
        button(text("◀")).on_press_maybe(
            at.and_then(|i| i.checked_sub(1))
                .map(|i| AppMessage::OpenDocument(siblings[i]))
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
        // The number notices and the log use.
        text(format!("(Nr. {})", doc.id))
            .size(size::SMALL)
            .style(theme::muted),
        button(text("▶")).on_press_maybe(
            at.and_then(|i| siblings.get(i + 1))
                .map(|&d| AppMessage::OpenDocument(d))
        ),
    ]
    .spacing(8)
    .align_y(Alignment::Center);
    let tools = row![
        button(text("−")).on_press(AppMessage::Document(Message::Zoom(Zoom::Out))),
        button(text(l.t("Einpassen (0)", "Fit (0)")))
            .on_press(AppMessage::Document(Message::Zoom(Zoom::Fit))),
        button(text("+")).on_press(AppMessage::Document(Message::Zoom(Zoom::In))),
        text(format!("{:.0}\u{a0}%", app.document.view.zoom * 100.0)).size(size::SMALL),
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
        .on_press(AppMessage::Document(Message::ToggleOverlay)),
    ]
    .spacing(8)
    .align_y(Alignment::Center);
    let n = app.document.page;
    let pages = doc.pages.len();
    // Released and transferred documents are locked: the DMS has them.
    let locked = matches!(
        doc.state,
        DocumentState::Released | DocumentState::Transferred
    );
    let edit = |label: &'static str, ok: bool, m: AppMessage| {
        button(text(label).size(size::SMALL))
            .style(button::secondary)
            .on_press_maybe((ok && !locked).then_some(m))
    };
    let edits = row![
        edit(
            l.t("Hier teilen (S)", "Split here (S)"),
            n > 0,
            AppMessage::Document(Message::SplitHere)
        ),
        edit(
            l.t("An vorheriges anhängen (M)", "Append to previous (M)"),
            at.is_some_and(|i| i > 0),
            AppMessage::Document(Message::MergePrevious)
        ),
        edit(
            l.t("Seite entfernen (Entf)", "Remove page (Del)"),
            pages > 1,
            AppMessage::Document(Message::RemovePage)
        ),
        edit(
            l.t("↻ Drehen (R)", "↻ Rotate (R)"),
            true,
            AppMessage::Document(Message::RotatePage(90))
        ),
        edit(
            l.t("◀ Seite (Alt+←)", "◀ Page (Alt+←)"),
            n > 0,
            AppMessage::Document(Message::MovePage(-1))
        ),
        edit(
            l.t("Seite ▶ (Alt+→)", "Page ▶ (Alt+→)"),
            n + 1 < pages,
            AppMessage::Document(Message::MovePage(1))
        ),
        edit(
            l.t("Rückgängig (Strg+Z)", "Undo (Ctrl+Z)"),
            !app.undo.is_empty(),
            AppMessage::Undo
        ),
        edit(
            l.t("Wiederholen (Strg+Y)", "Redo (Ctrl+Y)"),
            !app.redo.is_empty(),
            AppMessage::Redo
        ),
    ]
    .spacing(6)
    .align_y(Alignment::Center)
    // At 1366 pixels the buttons go on in a second line, not out of theirs.
    .wrap()
    .vertical_spacing(6);
    column![
        row![
            title(
                l.t("Dokument", "Document"),
                text(&doc.file_name).size(size::BODY).style(theme::muted)
            ),
            space().width(Fill),
            nav
        ]
        .align_y(Alignment::Center),
        row![tools, space().width(Fill)].align_y(Alignment::Center),
        if locked {
            Element::from(
                text(if doc.state == DocumentState::Transferred {
                    l.t(
                        "Im DMS abgelegt: die Seiten sind nicht mehr zu ändern, Akte oder Typ werden rechts berichtigt.",
                        "Filed in the DMS: pages can no longer be changed; case or type are corrected on the right.",
                    )
                } else {
                    l.t(
                        "An das DMS übergeben: Seiten und Zuordnung sind hier nicht mehr zu ändern.",
                        "Handed to the DMS: pages and filing can no longer be changed here.",
                    )
                })
                .size(size::SMALL)
                .style(theme::muted),
            )
        } else {
            edits.into()
        },
        row![
            strip(app, doc),
            page(app, doc),
            container(scrollable(facts(app, doc).padding([0, 12])))
                .width(Length::Fixed(404.0))
                .height(Fill)
        ]
        .spacing(14)
        .height(Fill),
    ]
    .spacing(10)
    .into()
}

fn strip<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, AppMessage> {
    let mut col = column![].spacing(8).align_x(Alignment::Center);
    for (i, p) in doc.pages.iter().enumerate() {
        let t: Element<'_, AppMessage> = match &p.thumb {
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
            .on_press(AppMessage::SelectPage(i)),
        );
    }
    container(scrollable(col.padding(4)))
        .width(Length::Fixed(116.0))
        .height(Fill)
        .into()
}

fn page<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, AppMessage> {
    let l = app.lang;
    let n = app.document.page;
    let Some(p) = doc.pages.get(n) else {
        return empty(l.t(
            "Das Dokument hat keine Seiten.",
            "The document has no pages.",
        ));
    };
    let body: Element<'_, AppMessage> = match &app.page {
        Some(loaded) if loaded.sha == p.sha => {
            let case = doc.case.as_deref();
            let decided = doc
                .candidates
                .iter()
                .map(|c| &c.candidate)
                .filter(|c| Some(c.bg.as_str()) == case);
            let marks = marks(decided, &doc.doubts, n, None);
            page_view(
                loaded,
                &p.words,
                marks,
                app.document.overlay,
                app.document.view,
                |z| AppMessage::Document(Message::Zoom(z)),
            )
        }
        _ => empty(l.t("Lade die Seite …", "Loading the page …")),
    };
    container(body)
        .width(Fill)
        .height(Fill)
        .padding(1)
        .style(theme::card)
        .into()
}

/// Width of the label column beside the page: narrow enough that
/// "Arbeitsunfähigkeitsbescheinigung" fits beside it at 1366 pixels.
const FACT_LABEL: f32 = 112.0;

fn facts<'a>(app: &'a App, doc: &'a DocumentView) -> iced::widget::Column<'a, AppMessage> {
    let l = app.lang;
    let status = match doc.case_status.as_str() {
        "auto" => l.t("automatisch", "automatic"),
        "confirmed" => l.t("bestätigt", "confirmed"),
        "review" => l.t("zu prüfen", "to review"),
        _ => l.t("keine", "none"),
    };
    let mut col = column![
        field_with(
            FACT_LABEL,
            l.t("Zustand", "State"),
            text(document_state(l, doc.state)).size(size::BODY)
        ),
        field_with(
            FACT_LABEL,
            l.t("Akte", "Case"),
            column![
                text(doc.case.as_deref().unwrap_or("—")).size(size::BODY),
                text(format!(
                    "{status} · {:.0}\u{a0}%",
                    doc.case_confidence * 100.0
                ))
                .size(size::SMALL)
                .style(theme::muted),
            ]
        ),
        field_with(
            FACT_LABEL,
            l.t("Dokumenttyp", "Type"),
            column![
                // A type longer than the panel breaks inside the word
                // rather than running out of it.
                text(doc.doc_type.as_deref().map_or("—", |t| app.type_label(t)))
                    .size(size::BODY)
                    .wrapping(text::Wrapping::WordOrGlyph),
                text(format!("{:.0}\u{a0}%", doc.type_confidence * 100.0))
                    .size(size::SMALL)
                    .style(theme::muted),
            ]
        ),
        field_with(
            FACT_LABEL,
            l.t("Seiten", "Pages"),
            text(doc.pages.len().to_string()).size(size::BODY)
        ),
        field_with(
            FACT_LABEL,
            l.t("Stapel", "Batch"),
            text(doc.batch_id.to_string()).size(size::BODY)
        ),
    ]
    .spacing(8);
    // Filed: what was corrected, and the correction first of all.
    if doc.state == DocumentState::Transferred || !doc.corrections.is_empty() {
        col = col.push(correction(app, doc));
    }
    col = col.push(text(l.t("Belege", "Evidence")).size(size::HEADING));
    for c in doc.candidates.iter().take(3) {
        col = col.push(
            text(format!(
                "{} · {:.0}\u{a0}%",
                c.candidate.bg,
                c.candidate.score * 100.0
            ))
            .size(size::BODY),
        );
        // The same number on every page is one line with its pages.
        for g in scanstelle::classify::casefind::group_evidence(&c.candidate.evidence) {
            col = col.push(
                text(format!("✓ {}", g.words()))
                    .size(size::SMALL)
                    .color(theme::evidence_colour(g.kind)),
            );
        }
    }
    // Numbers on the pages that are in no case (why it may need a person).
    for d in &doc.doubts {
        col = col.push(
            text(format!("? {}", crate::gui::view::reason(app.lang, &d.text)))
                .size(size::SMALL)
                .color(theme::DOUBT),
        );
    }
    if !doc.type_phrases.is_empty() {
        col = col.push(text(l.t("Typ erkannt an", "Type recognised by")).size(size::HEADING));
        col = col.push(text(doc.type_phrases.join(", ")).size(size::SMALL));
    }
    for w in &doc.warnings {
        col = col.push(
            text(format!("⚠ {}", crate::gui::view::words(l, w)))
                .size(size::SMALL)
                .style(text::warning),
        );
    }
    col
}

/// Where a correction stands, in the window's language (a refusal with
/// the DMS's own reason, as it gave it).
fn correction_state(l: crate::gui::i18n::Lang, c: &scanstelle::store::CorrectionRow) -> String {
    use scanstelle::store::CorrectionState::*;
    let (old, new) = (&c.old_value, &c.new_value);
    let (de, en) = match (c.state, c.wrong_case) {
        (Pending, _) => (
            "an das DMS unterwegs".to_owned(),
            "on its way to the DMS".to_owned(),
        ),
        (Invalidated, _) => (
            format!("in der Akte {old} ungültig gekennzeichnet; Neuablage in die Akte {new} folgt"),
            format!("marked invalid in case {old}; filing into case {new} follows"),
        ),
        (Done, true) => (
            format!("in der Akte {new} neu abgelegt"),
            format!("filed anew into case {new}"),
        ),
        (Done, false) => (
            "Typ im DMS geändert".to_owned(),
            "type changed in the DMS".to_owned(),
        ),
        (DmsOnly, _) => (
            format!(
                "in der Akte {old} ungültig gekennzeichnet; die lokalen Kopien sind gelöscht, in die Akte {new} verschiebt es nur das DMS"
            ),
            format!(
                "marked invalid in case {old}; the local copies are gone, only the DMS can move it into case {new}"
            ),
        ),
        (Refused, _) => {
            let why = c.outcome.clone().unwrap_or_default();
            (why.clone(), why)
        }
    };
    match l {
        crate::gui::i18n::Lang::De => de,
        crate::gui::i18n::Lang::En => en,
    }
}

/// A filed document: its corrections so far and, for `qs` and `admin`, the
/// form to correct its case or type at the DMS.
fn correction<'a>(app: &'a App, doc: &'a DocumentView) -> Element<'a, AppMessage> {
    let l = app.lang;
    let mut col = column![
        text(l.t("Nach der Ablage berichtigen", "Correct after filing")).size(size::HEADING)
    ]
    .spacing(6);
    for c in &doc.corrections {
        let (what, change) = if c.wrong_case {
            (
                l.t("Akte", "case"),
                format!("{} → {}", c.old_value, c.new_value),
            )
        } else {
            (
                l.t("Typ", "type"),
                format!(
                    "{} → {}",
                    app.type_label(&c.old_value),
                    app.type_label(&c.new_value)
                ),
            )
        };
        col = col.push(
            column![
                text(format!(
                    "{} {} · {what}",
                    l.t("Berichtigung", "Correction"),
                    c.id
                ))
                .size(size::SMALL),
                text(change)
                    .size(size::SMALL)
                    .wrapping(text::Wrapping::WordOrGlyph),
                text(correction_state(l, c))
                    .size(size::SMALL)
                    .style(theme::muted),
            ]
            .spacing(2),
        );
    }
    let open = doc.corrections.iter().any(|c| c.state.is_open());
    if doc.state != DocumentState::Transferred || open {
        return col.into();
    }
    if !app.may(scanstelle::protect::users::Action::Qa) {
        return col
            .push(
                text(l.t(
                    "Eine falsche Akte oder einen falschen Typ berichtigt die Qualitätssicherung (qs) oder ein Administrator.",
                    "A wrong case or type is corrected by quality control (qs) or an administrator.",
                ))
                .size(size::SMALL)
                .style(theme::muted),
            )
            .into();
    }
    col.push(fix_form(app, doc.id)).into()
}

/// The form to correct a filed document (`document`) at the DMS: the right
/// BG-Nummer or type, the reason, the button. The window's Akten screen
/// shows it too (for documents whose local copies are gone).
pub fn fix_form(app: &App, document: i64) -> Element<'_, AppMessage> {
    let l = app.lang;
    let fix = &app.document.fix;
    let labels: Vec<String> = app.types.iter().map(|(_, label)| label.clone()).collect();
    let chosen = fix
        .doc_type
        .as_deref()
        .map(|t| app.type_label(t).to_owned());
    let send = fix
        .request()
        .map(|_| AppMessage::Document(Message::SendFix(document)));
    column![
        text(l.t(
            "Das DMS erhält eine Berichtigung: eine falsche Akte wird dort ungültig gekennzeichnet und das Dokument in die richtige abgelegt. Der Grund steht im Protokoll.",
            "The DMS receives a correction: in a wrong case the document is marked invalid and filed into the right one. The reason goes into the log.",
        ))
        .size(size::SMALL)
        .style(theme::muted),
        iced::widget::text_input(l.t("Richtige BG-Nummer", "Right BG number"), &fix.case)
            .on_input(|c| AppMessage::Document(Message::FixCase(c)))
            .size(size::SMALL)
            .padding(6),
        iced::widget::pick_list(labels, chosen, |t| AppMessage::Document(Message::FixType(t)))
            .placeholder(l.t("oder richtiger Dokumenttyp", "or right document type"))
            .text_size(size::SMALL)
            .width(Fill),
        iced::widget::text_input(l.t("Grund (Pflicht)", "Reason (required)"), &fix.reason)
            .on_input(|r| AppMessage::Document(Message::FixReason(r)))
            .on_submit_maybe(send.clone())
            .size(size::SMALL)
            .padding(6),
        button(
            text(l.t(
                "Berichtigung an das DMS senden",
                "Send the correction to the DMS"
            ))
            .size(size::SMALL)
        )
        .on_press_maybe(send),
    ]
    .spacing(6)
    .into()
}
