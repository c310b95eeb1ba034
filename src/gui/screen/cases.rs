//! Akten: search the register by BG-Nummer, Kundennummer, name or address
//! and see what the station holds for a case.

use crate::gui::effect::{CASE_FIELD, Effect};
use crate::gui::message::Message as AppMessage;
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{document_state, empty, size, title};
use iced::widget::{
    button, column, container, pick_list, row, scrollable, space, text, text_input,
};
use iced::{Element, Fill, Length};
use scanstelle::desk::{CaseFile, CaseHit};
use scanstelle::intake::scan::Device;

/// What the cases screen holds.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// The search field.
    pub query: String,
    /// Register hits.
    pub hits: Vec<CaseHit>,
    /// The case opened.
    pub file: Option<CaseFile>,
    /// The hit ↑ ↓ have chosen (Enter opens it).
    pub cursor: usize,
    /// The filed document whose correction form is open (qs, admin).
    pub fixing: Option<i64>,
    /// Why the last desk scan stopped, shown beside its button.
    pub scan_error: Option<String>,
}

/// What happens on the cases screen.
#[derive(Debug, Clone)]
pub enum Message {
    /// The search field changed (searched from two characters on).
    Query(String),
    /// Register hits arrived.
    Hits(Result<Vec<CaseHit>, String>),
    /// Open what the station holds for a case.
    Open(String),
    /// Move the chosen hit by this many.
    Cursor(isize),
    /// Enter: open the chosen hit.
    OpenChosen,
    /// A case file arrived.
    Loaded(Result<Box<CaseFile>, String>),
    /// Scan at the desk into the case shown (F9).
    Scan,
    /// The scanner chosen was remembered for this workplace, or why not.
    Remembered(Result<(), String>),
    /// The desk scan ended: pages scanned, or why not.
    Scanned(Result<usize, String>),
    /// The scanners SANE found, or why none.
    Scanners(Result<Vec<Device>, String>),
    /// Scan with this device.
    PickScanner(String),
    /// Look for scanners again.
    FindScanners,
    /// Write the letter to the household shown (administrators).
    WriteLetter,
    /// The letter was written (where) or refused.
    LetterWritten(Result<std::path::PathBuf, String>),
    /// Open (or close) the correction form of a filed document.
    Fix(i64),
}

impl Message {
    /// Whether it answers the window's own work.
    pub fn is_answer(&self) -> bool {
        matches!(
            self,
            Message::Hits(_)
                | Message::Loaded(_)
                | Message::Scanned(_)
                | Message::Scanners(_)
                | Message::LetterWritten(_)
        )
    }
}

/// Applies a message of the cases screen.
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    match message {
        // A text field also takes the character of a shortcut (Ctrl+1):
        // with Ctrl or Alt held the text stays as it was.
        Message::Query(_) if app.typing_shortcut() => Vec::new(),
        Message::Query(q) => {
            app.cases.query = q.clone();
            if q.trim().len() < 2 {
                app.cases.hits.clear();
                return Vec::new();
            }
            vec![Effect::CaseSearch(q.trim().to_owned())]
        }
        Message::Hits(result) => {
            if let Some(hits) = app.notify_err(result) {
                app.cases.hits = hits;
                app.cases.cursor = 0;
            }
            Vec::new()
        }
        Message::Open(bg) => {
            if let Some(i) = app.cases.hits.iter().position(|h| h.person.bg == bg) {
                app.cases.cursor = i;
            }
            vec![Effect::LoadCase(bg)]
        }
        Message::Cursor(by) => {
            let last = app.cases.hits.len().saturating_sub(1);
            app.cases.cursor = app.cases.cursor.saturating_add_signed(by).min(last);
            Vec::new()
        }
        Message::OpenChosen => app
            .cases
            .hits
            .get(app.cases.cursor)
            .map(|h| vec![Effect::LoadCase(h.person.bg.clone())])
            .unwrap_or_default(),
        Message::Loaded(result) => {
            if let Some(file) = app.notify_err(result) {
                app.cases.file = Some(*file);
            }
            Vec::new()
        }
        Message::Scanners(found) => {
            match found {
                Ok(found) => {
                    // Nothing set up: the only scanner found is the one.
                    if app.scanner.is_none() && found.len() == 1 {
                        app.scanner = Some(found[0].name.clone());
                    }
                    app.scanners = Some(found);
                }
                Err(e) => {
                    app.scanners = Some(Vec::new());
                    app.notify(e, true);
                }
            }
            Vec::new()
        }
        Message::Remembered(result) => {
            app.notify_err(result);
            Vec::new()
        }
        Message::PickScanner(device) => {
            app.scanner = Some(device.clone());
            vec![Effect::RememberScanner(device)]
        }
        Message::WriteLetter => match &app.cases.file {
            Some(file) => vec![Effect::WriteLetter(file.bg.clone(), letters_folder())],
            None => Vec::new(),
        },
        Message::Fix(doc) => {
            app.cases.fixing = (app.cases.fixing != Some(doc)).then_some(doc);
            app.document.fix = crate::gui::screen::document::Fix::default();
            Vec::new()
        }
        Message::LetterWritten(result) => {
            app.notify_written(result, ("Brief geschrieben:", "Letter written:"));
            Vec::new()
        }
        Message::FindScanners => {
            app.scanners = None;
            vec![Effect::ListScanners]
        }
        Message::Scan => match (&app.cases.file, app.scanning) {
            (Some(file), false) if app.scanner.is_some() => {
                app.scanning = true;
                app.scanned = crate::gui::state::Counter::default();
                app.cases.scan_error = None;
                let bg = file.bg.clone();
                app.notify(
                    format!(
                        "{} {bg} …",
                        app.lang.t("Scanne in die Akte", "Scanning into case")
                    ),
                    false,
                );
                vec![Effect::ScanIntoCase(
                    bg,
                    app.scanner.clone(),
                    app.scanned.clone(),
                )]
            }
            _ => Vec::new(),
        },
        Message::Scanned(result) => {
            app.scanning = false;
            app.cases.scan_error = result.as_ref().err().cloned();
            if let Some(n) = app.notify_err(result) {
                app.notify(
                    format!(
                        "{n} {}",
                        app.lang.t(
                            "Seite(n) gescannt; die Station liest sie ein.",
                            "page(s) scanned; the station takes them in."
                        )
                    ),
                    false,
                );
            }
            Vec::new()
        }
    }
}

/// The cases screen.
pub fn view(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let input = text_input(
        l.t(
            "BG-Nummer, Kundennummer, Name oder Anschrift",
            "BG number, customer number, name or address",
        ),
        &app.cases.query,
    )
    .id(CASE_FIELD)
    .on_input(|x| AppMessage::Cases(Message::Query(x)))
    .on_submit(AppMessage::Cases(Message::OpenChosen))
    .padding(10)
    .size(size::BODY);
    let mut hits = column![].spacing(6);
    for (i, h) in app.cases.hits.iter().enumerate() {
        let p = &h.person;
        hits = hits.push(
            button(
                container(
                    // Name above address: both stay on one line each at 1366.
                    row![
                        column![
                            text(&p.bg).size(size::BODY),
                            text(&p.kundennummer).size(size::SMALL).style(theme::muted),
                        ]
                        .spacing(2)
                        .width(Length::Fixed(136.0)),
                        column![
                            text(format!("{}, {}", p.nachname, p.vorname)).size(size::BODY),
                            text(format!("{}, {} {}", p.strasse, p.plz, p.ort))
                                .size(size::SMALL)
                                .style(theme::muted),
                        ]
                        .spacing(2)
                        .width(Fill),
                        text(&p.geburtsdatum)
                            .size(size::SMALL)
                            .width(Length::Fixed(78.0)),
                    ]
                    .spacing(10),
                )
                .padding(8)
                .width(Fill)
                .style(if i == app.cases.cursor {
                    theme::selected
                } else {
                    theme::card
                }),
            )
            .padding(0)
            .style(button::text)
            .on_press(AppMessage::Cases(Message::Open(p.bg.clone()))),
        );
    }
    let results: Element<'_, AppMessage> = if app.cases.hits.is_empty() {
        empty(if app.cases.query.trim().len() < 2 {
            l.t(
                "Mindestens zwei Zeichen eingeben.",
                "Type at least two characters.",
            )
        } else {
            l.t("Nichts gefunden.", "Nothing found.")
        })
    } else {
        scrollable(hits).height(Fill).into()
    };
    column![
        title(
            l.t("Akten", "Cases"),
            text(l.t(
                "Tippen sucht · ↑ ↓ wählen · Enter öffnet",
                "Type to search · ↑ ↓ choose · Enter opens"
            ))
            .size(size::SMALL)
            .style(theme::muted)
        ),
        input,
        row![container(results).width(Fill).height(Fill), case_file(app)]
            .spacing(16)
            .height(Fill),
    ]
    .spacing(14)
    .into()
}

/// The desk scan: the scanner (chosen from those SANE finds when more than
/// one is there, or none is set up), the button, and while it runs the
/// pages delivered so far.
fn scan_controls(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let found = app.scanners.as_deref().unwrap_or_default();
    let button_row = |device: &str| -> Element<'_, AppMessage> {
        let mut b = button(text(if app.scanning {
            format!(
                "{} {}",
                l.t("Scanne … Seiten bisher:", "Scanning … pages so far:"),
                app.scanned.get()
            )
        } else {
            l.t("Scannen in diese Akte (F9)", "Scan into this case (F9)")
                .to_owned()
        }));
        if !app.scanning {
            b = b.on_press(AppMessage::Cases(Message::Scan));
        }
        let described = found
            .iter()
            .find(|d| d.name == device)
            .map_or(device.to_owned(), |d| {
                format!("{} ({})", d.description, d.name)
            });
        let mut shown =
            column![b, text(described).size(size::SMALL).style(theme::muted)].spacing(4);
        // Where the operator looks while the feeder runs: why it stopped,
        // and the last page as it arrived.
        if let Some(why) = &app.cases.scan_error {
            shown = shown.push(text(why.as_str()).size(size::SMALL).style(text::danger));
        }
        if let Some(thumb) = app.scanned.thumbnail() {
            shown = shown.push(
                text(format!(
                    "{} {}",
                    l.t("Zuletzt gescannt: Seite", "Last scanned: page"),
                    app.scanned.get()
                ))
                .size(size::SMALL)
                .style(theme::muted),
            );
            shown = shown.push(
                container(iced::widget::image(thumb).width(Length::Fixed(app.panel(150.0))))
                    .padding(2)
                    .style(container::bordered_box),
            );
        }
        shown.into()
    };
    let mut col = column![].spacing(6);
    if found.len() > 1 || (app.scanner.is_none() && !found.is_empty()) {
        let names: Vec<String> = found.iter().map(|d| d.name.clone()).collect();
        col = col.push(
            row![
                text(l.t("Scanner", "Scanner")).size(size::SMALL),
                pick_list(names, app.scanner.clone(), |d| {
                    AppMessage::Cases(Message::PickScanner(d))
                })
                .text_size(size::SMALL)
                .placeholder(l.t("auswählen", "choose")),
            ]
            .spacing(8)
            .align_y(iced::Alignment::Center),
        );
    }
    match &app.scanner {
        Some(device) => col = col.push(button_row(device)),
        None if app.scanners.is_none() => {
            col = col.push(
                text(l.t("Suche Scanner …", "Looking for scanners …"))
                    .size(size::SMALL)
                    .style(theme::muted),
            );
        }
        None if found.is_empty() => {
            col = col.push(
                column![
                    text(l.t("Kein Arbeitsplatzscanner gefunden", "No desk scanner found",))
                        .size(size::SMALL)
                        .style(theme::muted),
                    button(text(l.t("Erneut suchen", "Look again")).size(size::SMALL))
                        .style(button::secondary)
                        .on_press(AppMessage::Cases(Message::FindScanners)),
                ]
                .spacing(6),
            );
        }
        None => {}
    }
    col.into()
}

/// Where the window writes letters: `Briefe` in the operator's home.
fn letters_folder() -> std::path::PathBuf {
    std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("Briefe")
}

fn case_file(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let Some(file) = &app.cases.file else {
        return container(text(""))
            .width(Length::Fixed(app.panel(420.0)))
            .into();
    };
    let mut col = column![text(&file.bg).size(size::HEADING)].spacing(6);
    // Scanning at the desk straight into this case.
    let scan = scan_controls(app);
    for p in &file.persons {
        col = col.push(
            column![
                text(format!("{}, {}", p.nachname, p.vorname)).size(size::BODY),
                text(format!("{} · {}", p.geburtsdatum, p.kundennummer))
                    .size(size::SMALL)
                    .style(theme::muted),
            ]
            .spacing(2),
        );
    }
    col = col.push(scan);
    // The letter telling the household what arrived (administrators).
    if app.may(scanstelle::protect::users::Action::Administer) {
        col = col.push(
            button(
                text(l.t(
                    "Brief an die Bedarfsgemeinschaft (PDF)",
                    "Letter to the household (PDF)",
                ))
                .size(size::SMALL),
            )
            .style(button::secondary)
            .on_press(AppMessage::Cases(Message::WriteLetter)),
        );
    }
    col = col.push(
        text(format!(
            "{} ({})",
            l.t("Dokumente der Station", "Documents at the station"),
            file.documents.len()
        ))
        .size(size::HEADING),
    );
    // A filed document is corrected here too (also once the station's
    // copies are gone and it no longer opens).
    let may_fix = app.may(scanstelle::protect::users::Action::Qa);
    for (id, state, ty) in &file.documents {
        let filed = *state == Some(scanstelle::store::DocumentState::Transferred);
        let words = state.map_or("—", |s| document_state(l, s));
        let open = button(
            column![
                text(ty.as_str()).size(size::BODY),
                text(format!("{} {id} · {words}", l.t("Dokument", "Document")))
                    .size(size::SMALL)
                    .style(theme::muted),
            ]
            .spacing(2),
        )
        .style(button::text)
        .on_press(AppMessage::OpenDocument(*id));
        if !(filed && may_fix) {
            col = col.push(open);
            continue;
        }
        col = col.push(
            row![
                open,
                space().width(Fill),
                button(text(l.t("Berichtigen", "Correct")).size(size::SMALL))
                    .style(button::secondary)
                    .on_press(AppMessage::Cases(Message::Fix(*id))),
            ]
            .align_y(iced::Alignment::Center),
        );
        if app.cases.fixing == Some(*id) {
            col = col.push(crate::gui::screen::document::fix_form(app, *id));
        }
    }
    container(scrollable(col.padding(14)))
        .width(Length::Fixed(app.panel(420.0)))
        .height(Fill)
        .style(theme::card)
        .into()
}
