//! The window's frame: navigation on the left, the screen in the middle,
//! notifications above the always-visible status bar.

use super::i18n::Lang;
use super::message::{Message, Screen};
use super::screen;
use super::state::{App, Engine};
use super::theme::{self, Tone};
use iced::widget::{button, column, container, image, row, space, stack, text};
use iced::{Alignment, Element, Fill, Length};
use scanstelle::store::blob::Sha256Hex;

/// Text sizes.
pub mod size {
    /// Screen titles.
    pub const TITLE: f32 = 24.0;
    /// Section headings.
    pub const HEADING: f32 = 17.0;
    /// Body text.
    pub const BODY: f32 = 15.0;
    /// Small print.
    pub const SMALL: f32 = 13.0;
}

/// Words the engine gives in both languages, in the window's.
pub fn words(l: Lang, w: &scanstelle::desk::Words) -> &str {
    match l {
        Lang::De => &w.de,
        Lang::En => &w.en,
    }
}

/// A reason the engine gave (German) in the window's language: in English
/// its fixed words are translated, numbers and names stay as read.
pub fn reason(l: Lang, german: &str) -> String {
    match l {
        Lang::De => german.to_owned(),
        Lang::En => scanstelle::classify::reason_in_english(german),
    }
}

/// A document's state in the window's language.
pub fn document_state(l: Lang, state: scanstelle::store::DocumentState) -> &'static str {
    use scanstelle::store::DocumentState as S;
    match l {
        Lang::De => state.german(),
        Lang::En => match state {
            S::Open => "open",
            S::Classified => "filed",
            S::Review => "to review",
            S::Released => "released",
            S::Transferred => "transferred",
        },
    }
}

/// The whole window.
pub fn view(app: &App) -> Element<'_, Message> {
    if app.session.is_none() {
        return screen::login::view(app);
    }
    let body = match app.screen {
        Screen::Inbox => screen::inbox::view(app),
        Screen::Review => screen::review::view(app),
        Screen::Document => screen::document::view(app),
        Screen::Cases => screen::cases::view(app),
        Screen::Sync => screen::sync::view(app),
        Screen::Settings => screen::settings::view(app),
        Screen::Qa => screen::qa::view(app),
    };
    // Notifications float over the screen's bottom right corner; where
    // the right side holds the decision (Prüfen, Dokument), over the
    // bottom left, so that they never cover the evidence or Übernehmen.
    let corner = container(notices(app)).padding(16).align_bottom(Fill);
    let corner = if matches!(app.screen, Screen::Review | Screen::Document) {
        corner.align_left(Fill)
    } else {
        corner.align_right(Fill)
    };
    let main = stack![container(body).padding(20).width(Fill).height(Fill), corner];
    column![row![sidebar(app), main].height(Fill), status_bar(app)].into()
}

/// Name of a screen in the window's language.
pub fn screen_name(app: &App, s: Screen) -> &'static str {
    let l = app.lang;
    match s {
        Screen::Inbox => l.t("Eingang", "Inbox"),
        Screen::Review => l.t("Prüfen", "Review"),
        Screen::Document => l.t("Dokument", "Document"),
        Screen::Cases => l.t("Akten", "Cases"),
        Screen::Sync => l.t("Übertragung", "Transfer"),
        Screen::Settings => l.t("Einstellungen", "Settings"),
        Screen::Qa => l.t("Qualität", "Quality"),
    }
}

/// The name and, beneath it, the tag ("Demo") or "Jobcenter".
pub fn brand(app: &App, name_size: f32) -> iced::widget::Column<'_, Message> {
    column![
        text("Scanstelle").size(name_size),
        text(
            app.tag
                .clone()
                .unwrap_or_else(|| app.lang.t("Jobcenter", "Job centre").into())
        )
        .size(size::SMALL)
        .style(theme::muted),
    ]
}

fn sidebar(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let mut nav = column![
        brand(app, 22.0).spacing(2).padding([8, 12]),
        space().height(12),
    ]
    .spacing(4);
    for (i, s) in Screen::ALL.into_iter().enumerate() {
        let count = match s {
            Screen::Review => app.overview.review.len(),
            Screen::Inbox => app.overview.quarantine.len(),
            _ => 0,
        };
        let badge: Element<'_, Message> = if count > 0 {
            container(text(count.to_string()).size(size::SMALL))
                .padding([1, 8])
                .style(if s == Screen::Review {
                    container::warning
                } else {
                    container::danger
                })
                .into()
        } else {
            space().into()
        };
        nav = nav.push(
            button(
                row![
                    text(screen_name(app, s)).size(size::BODY),
                    space().width(Fill),
                    badge,
                    text(format!("{}{}", l.t("Strg+", "Ctrl+"), i + 1))
                        .size(11)
                        .style(move |t| if app.screen == s {
                            // On the highlight: its own text colour.
                            text::Style::default()
                        } else {
                            theme::muted(t)
                        }),
                ]
                .spacing(8)
                .align_y(Alignment::Center),
            )
            .width(Fill)
            .padding([9, 12])
            .style(theme::nav(app.screen == s))
            .on_press(Message::Show(s)),
        );
    }
    nav = nav.push(space().height(Fill));
    if let Some(s) = &app.session {
        nav = nav.push(
            row![
                column![
                    text(s.user.as_str()).size(size::BODY),
                    text(match s.role {
                        scanstelle::protect::users::Role::Scan => l.t("Scannen", "Scan operator"),
                        scanstelle::protect::users::Role::Qs => {
                            l.t("Qualitätssicherung", "Quality control")
                        }
                        scanstelle::protect::users::Role::Admin => {
                            l.t("Administration", "Administrator")
                        }
                    })
                    .size(size::SMALL)
                    .style(theme::muted),
                ]
                .spacing(2),
                space().width(Fill),
                button(text(l.t("Abmelden", "Sign out")).size(size::SMALL))
                    .style(button::text)
                    .on_press(Message::SignOut),
            ]
            .align_y(Alignment::Center)
            .padding([4, 12]),
        );
    }
    nav = nav.push(
        column![
            button(
                text(if app.dark {
                    l.t("Helles Design (F11)", "Light theme (F11)")
                } else {
                    l.t("Dunkles Design (F11)", "Dark theme (F11)")
                })
                .size(size::SMALL)
            )
            .style(button::text)
            .on_press(Message::ToggleTheme),
            button(text(l.t("English (F10)", "Deutsch (F10)")).size(size::SMALL))
                .style(button::text)
                .on_press(Message::ToggleLanguage),
            button(
                text(format!(
                    "{} {:.0}\u{a0}% ({})",
                    l.t("Ansicht", "View"),
                    app.scale * 100.0,
                    l.t("Strg ±", "Ctrl ±")
                ))
                .size(size::SMALL)
            )
            .style(button::text)
            .on_press(Message::Scale(0)),
        ]
        .spacing(2),
    );
    container(nav.padding(10))
        .width(230)
        .height(Fill)
        .style(theme::sidebar)
        .into()
}

/// Notifications shown at once.
const NOTICES_SHOWN: usize = 3;

fn notices(app: &App) -> Element<'_, Message> {
    if app.notices.is_empty() {
        return space().into();
    }
    let mut col = column![].spacing(6).width(420);
    // The three newest; the rest are counted (Esc closes all).
    let hidden = app.notices.len().saturating_sub(NOTICES_SHOWN);
    if hidden > 0 {
        col = col.push(
            text(format!(
                "+{}",
                count(
                    app,
                    hidden as u64,
                    ("ältere Meldung", "ältere Meldungen"),
                    ("older notice", "older notices")
                )
            ))
            .size(size::SMALL)
            .style(theme::muted),
        );
    }
    for n in app.notices.iter().skip(hidden) {
        col = col.push(
            container(text(&n.text).size(size::BODY))
                .padding([8, 12])
                .width(Fill)
                .style(theme::notice(n.error)),
        );
    }
    col = col.push(
        container(
            button(text(app.lang.t("Schließen (Esc)", "Dismiss (Esc)")).size(size::SMALL))
                .style(button::secondary)
                .on_press(Message::DismissNotices),
        )
        .align_right(Fill),
    );
    col.into()
}

fn status_bar(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let engine = match &app.engine {
        Engine::Running => {
            text(l.t("● Station läuft", "● Station running")).style(theme::tone(Tone::Good))
        }
        Engine::Service => text(l.t("● Station läuft als Dienst", "● Station runs as a service"))
            .style(theme::tone(Tone::Good)),
        Engine::Failed(_) => {
            text(l.t("● Station angehalten", "● Station stopped")).style(theme::tone(Tone::Bad))
        }
    };
    let o = &app.overview;
    let dms = dms_indicator(app);
    container(
        row![
            engine.size(size::SMALL),
            dms.size(size::SMALL),
            text(pace(app)).size(size::SMALL),
            text(format!(
                "{} {} · {} {}",
                o.pages,
                l.t("Seiten", "pages"),
                o.documents,
                l.t("Dokumente", "documents")
            ))
            .size(size::SMALL),
            space().width(Fill),
            text(&app.home).size(size::SMALL),
        ]
        .spacing(24)
        .align_y(Alignment::Center),
    )
    .padding([5, 14])
    .width(Fill)
    .style(theme::status_bar)
    .into()
}

/// The DMS connection in a few words: online (last contact), offline
/// (since when), or not tried yet.
pub fn dms_indicator(app: &App) -> iced::widget::Text<'_> {
    let l = app.lang;
    let s = &app.overview.sync;
    let local = |t: &Option<String>| {
        t.as_deref()
            .map(scanstelle::desk::local_time)
            .unwrap_or_default()
    };
    if s.online() {
        text(format!(
            "● {} {}",
            l.t("DMS online, letzter Kontakt", "DMS online, last contact"),
            local(&s.last_contact_at)
        ))
        .style(theme::tone(Tone::Good))
    } else if s.last_error.is_some() {
        text(format!(
            "● {} {}",
            l.t("DMS offline seit", "DMS offline since"),
            local(&s.last_attempt_at)
        ))
        .style(theme::tone(Tone::Bad))
    } else {
        text(l.t("● DMS: noch kein Kontakt", "● DMS: no contact yet"))
            .style(theme::tone(Tone::Waiting))
    }
}

/// "1 Seite", "2 Seiten": a count with its noun in the window's language
/// (German singular, plural; English singular, plural).
pub fn count(app: &App, n: impl Into<u64>, de: (&str, &str), en: (&str, &str)) -> String {
    let n = n.into();
    let (one, many) = match app.lang {
        Lang::De => de,
        Lang::En => en,
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A number with `places` decimals: a decimal comma in German.
pub fn decimal(app: &App, v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    match app.lang {
        Lang::De => s.replace('.', ","),
        Lang::En => s,
    }
}

/// The OCR pace now and what is left, in words: "84 Seiten/min · 42 offen,
/// fertig in etwa 1 min"; "OCR ruht" when nothing is being recognised.
pub fn pace(app: &App) -> String {
    let l = app.lang;
    let t = &app.overview.throughput;
    let rate = if t.per_minute <= 0.0 {
        l.t("Texterkennung ruht", "OCR idle").to_owned()
    } else {
        let places = usize::from(t.per_minute < 10.0);
        format!(
            "{}\u{a0}{}",
            decimal(app, t.per_minute, places),
            l.t("Seiten/min", "pages/min")
        )
    };
    if t.backlog == 0 {
        return rate;
    }
    let left = format!("{}\u{a0}{}", t.backlog, l.t("offen", "waiting"));
    match t.done_in_secs {
        Some(secs) => {
            let minutes = secs.div_ceil(60);
            let when = if minutes < 2 {
                l.t("fertig in unter 2\u{a0}min", "done in under 2\u{a0}min")
                    .to_owned()
            } else if minutes < 120 {
                format!(
                    "{} {minutes}\u{a0}min",
                    l.t("fertig in etwa", "done in about")
                )
            } else {
                format!(
                    "{} {}\u{a0}h",
                    l.t("fertig in etwa", "done in about"),
                    minutes.div_ceil(60)
                )
            };
            format!("{rate} · {left}, {when}")
        }
        None => format!("{rate} · {left}"),
    }
}

/// A thumbnail, or a grey placeholder while it loads.
pub fn thumb<'a>(app: &'a App, sha: &Sha256Hex, height: f32) -> Element<'a, Message> {
    let width = height * 0.72;
    match app.thumbs.get(sha) {
        Some(h) => container(image(h.clone()).width(width).height(height))
            .style(container::bordered_box)
            .into(),
        None => container(space())
            .width(width)
            .height(height)
            .style(container::bordered_box)
            .into(),
    }
}

/// A screen title with an optional line beside it.
pub fn title<'a>(
    heading: &'a str,
    beside: impl Into<Element<'a, Message>>,
) -> Element<'a, Message> {
    row![text(heading).size(size::TITLE), beside.into()]
        .spacing(16)
        .align_y(Alignment::Center)
        .into()
}

/// An empty screen's message.
pub fn empty<'a>(what: &'a str) -> Element<'a, Message> {
    container(text(what).size(size::HEADING).style(theme::muted))
        .center_x(Fill)
        .padding(40)
        .into()
}

/// A key–value row with a label column of `width` pixels.
pub fn field_with<'a>(
    width: f32,
    key: &'a str,
    value: impl Into<Element<'a, Message>>,
) -> Element<'a, Message> {
    row![
        text(key)
            .size(size::BODY)
            .style(theme::muted)
            .width(Length::Fixed(width)),
        value.into()
    ]
    .spacing(8)
    .into()
}
