//! Anmeldung: who works at the window. Also the lock screen after idle
//! time (the name fixed, only that person's password, or "Abmelden" for
//! another person), and on a station without accounts the first start
//! that makes the first admin (with the one-time token a headless start
//! left, if any). Nothing of the station's data is shown here.

use crate::gui::effect::{Effect, LOGIN_NAME, LOGIN_PASSWORD};
use crate::gui::message::Message as AppMessage;
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{brand, size};
use iced::widget::{button, column, container, row, space, text, text_input};
use iced::{Alignment, Element, Fill};

/// What the login screen holds (also the lock screen: then the name is
/// fixed).
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Name typed.
    pub name: String,
    /// Password typed (cleared after each attempt).
    pub password: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Locked after idle time: only this person (or another after "Abmelden").
    pub locked: bool,
    /// A sign-in is under way.
    pub busy: bool,
    /// No account exists yet: the screen makes the first admin.
    pub no_accounts: bool,
    /// The password again (first admin).
    pub password2: String,
    /// The one-time token, when a headless start left one.
    pub token: String,
    /// Whether that token is asked for.
    pub needs_token: bool,
    /// A line shown under the fields (the demo's account).
    pub hint: Option<String>,
}

/// What happens on the login screen.
#[derive(Debug, Clone)]
pub enum Message {
    /// The name field changed.
    Name(String),
    /// The password field changed.
    Password(String),
    /// Enter in the name field: on to the password.
    Next,
    /// The first admin's password, repeated.
    Password2(String),
    /// The one-time token of a headless first start.
    Token(String),
    /// Sign in with the name and password typed.
    Submit,
    /// A sign-in answered (none: no account is mapped to the OS user).
    SignedIn(Result<Option<scanstelle::protect::users::Session>, String>),
}

impl Message {
    /// Whether it answers the window's own work.
    pub fn is_answer(&self) -> bool {
        matches!(self, Message::SignedIn(_))
    }
}

/// Applies a message of the login screen (nobody is signed in). A signed-in
/// session is handed on as the first refresh.
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    let login = &mut app.login;
    match message {
        Message::Name(name) if !login.locked => {
            login.name = name;
            Vec::new()
        }
        Message::Name(_) => Vec::new(),
        Message::Password(password) => {
            login.password = password;
            Vec::new()
        }
        Message::Password2(password) => {
            login.password2 = password;
            Vec::new()
        }
        Message::Token(token) => {
            login.token = token;
            Vec::new()
        }
        Message::Next => vec![Effect::Focus(LOGIN_PASSWORD)],
        Message::Submit if login.busy => Vec::new(),
        Message::Submit => {
            let name = login.name.trim().to_owned();
            if name.is_empty() {
                return vec![Effect::Focus(LOGIN_NAME)];
            }
            if login.no_accounts {
                let password = std::mem::take(&mut login.password);
                if password != std::mem::take(&mut login.password2) {
                    login.error = Some(
                        app.lang
                            .t(
                                "Die beiden Passwörter sind verschieden.",
                                "The two passwords differ.",
                            )
                            .into(),
                    );
                    return vec![Effect::Focus(LOGIN_PASSWORD)];
                }
                login.busy = true;
                login.error = None;
                let token = login.needs_token.then(|| login.token.trim().to_owned());
                return vec![Effect::CreateAdmin(name, password, token)];
            }
            login.busy = true;
            login.error = None;
            vec![Effect::SignIn(name, std::mem::take(&mut login.password))]
        }
        Message::SignedIn(result) => {
            login.busy = false;
            match result {
                Ok(Some(session)) => {
                    app.session = Some(session);
                    app.login = State {
                        hint: app.login.hint.take(),
                        ..Default::default()
                    };
                    app.refreshing = false;
                    crate::gui::update::update(app, AppMessage::Tick)
                }
                // No account for the OS user: the person types theirs.
                Ok(None) if login.name.is_empty() => vec![Effect::Focus(LOGIN_NAME)],
                Ok(None) => vec![Effect::Focus(LOGIN_PASSWORD)],
                Err(e) => {
                    login.error = Some(e);
                    vec![Effect::Focus(LOGIN_PASSWORD)]
                }
            }
        }
    }
}

/// The login (or lock) screen, filling the window.
pub fn view(app: &App) -> Element<'_, AppMessage> {
    let l = app.lang;
    let login = &app.login;
    let heading = if login.locked {
        l.t("Gesperrt", "Locked")
    } else if login.no_accounts {
        l.t(
            "Ersteinrichtung: ersten Administrator anlegen",
            "First start: create the first administrator",
        )
    } else {
        l.t("Anmelden", "Sign in")
    };
    let mut name = text_input(l.t("Benutzername", "User name"), &login.name)
        .id(LOGIN_NAME)
        .padding(10)
        .size(size::BODY);
    if !login.locked {
        name = name
            .on_input(|x| AppMessage::Login(Message::Name(x)))
            .on_submit(AppMessage::Login(Message::Next));
    }
    let password = text_input(l.t("Passwort", "Password"), &login.password)
        .id(LOGIN_PASSWORD)
        .secure(true)
        .on_input(|x| AppMessage::Login(Message::Password(x)))
        .on_submit(AppMessage::Login(Message::Submit))
        .padding(10)
        .size(size::BODY);
    let mut submit = button(text(if login.locked {
        l.t("Entsperren", "Unlock")
    } else if login.no_accounts {
        l.t("Administrator anlegen", "Create administrator")
    } else {
        l.t("Anmelden", "Sign in")
    }))
    .padding([8, 18]);
    if !login.busy {
        submit = submit.on_press(AppMessage::Login(Message::Submit));
    }
    let mut actions = row![submit].spacing(12).align_y(Alignment::Center);
    if login.locked {
        actions = actions.push(
            button(text(
                l.t("Abmelden (andere Person)", "Sign out (another person)"),
            ))
            .style(button::text)
            .on_press(AppMessage::SignOut),
        );
    }
    let mut card = column![
        brand(app, size::TITLE).spacing(8),
        space().height(8),
        text(heading).size(size::HEADING),
    ]
    .spacing(8)
    .width(380);
    if login.locked {
        card = card.push(
            text(l.t(
                "Die Station war länger unbenutzt. Die Arbeit bleibt erhalten.",
                "The station was idle. Your work is kept.",
            ))
            .size(size::SMALL)
            .style(theme::muted),
        );
    }
    card = card.push(name).push(password);
    if login.no_accounts {
        card = card.push(
            text_input(
                l.t("Passwort wiederholen", "Repeat password"),
                &login.password2,
            )
            .secure(true)
            .on_input(|x| AppMessage::Login(Message::Password2(x)))
            .on_submit(AppMessage::Login(Message::Submit))
            .padding(10)
            .size(size::BODY),
        );
        if login.needs_token {
            card = card.push(
                text_input(
                    l.t(
                        "Einmal-Token aus erstanmeldung.token",
                        "One-time token from erstanmeldung.token",
                    ),
                    &login.token,
                )
                .on_input(|x| AppMessage::Login(Message::Token(x)))
                .on_submit(AppMessage::Login(Message::Submit))
                .padding(10)
                .size(size::BODY),
            );
        }
    }
    card = card.push(actions);
    if let Some(e) = &login.error {
        card = card.push(text(e.as_str()).size(size::SMALL).style(text::danger));
    }
    if let Some(h) = &login.hint {
        card = card.push(text(h.as_str()).size(size::SMALL).style(theme::muted));
    }
    if login.no_accounts {
        card = card.push(
            text(l.t(
                "Die Station hat noch kein Konto. Dieses erste Konto verwaltet die weiteren (mindestens 10 Zeichen Passwort).",
                "The station has no account yet. This first one manages the others (password at least 10 characters).",
            ))
            .size(size::SMALL)
            .style(theme::muted),
        );
    }
    container(container(card).padding(28).style(container::rounded_box))
        .center_x(Fill)
        .center_y(Fill)
        .into()
}
