//! Anmeldung: who works at the window. Also the lock screen after idle
//! time (the name fixed, only that person's password, or "Abmelden" for
//! another person), and on a station without accounts the first start
//! that makes the first admin (with the one-time token a headless start
//! left, if any). Nothing of the station's data is shown here.

use crate::gui::effect::{LOGIN_NAME, LOGIN_PASSWORD};
use crate::gui::message::Message;
use crate::gui::state::App;
use crate::gui::view::{brand, size};
use iced::widget::{button, column, container, row, space, text, text_input};
use iced::{Alignment, Element, Fill};

/// The login (or lock) screen, filling the window.
pub fn view(app: &App) -> Element<'_, Message> {
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
            .on_input(Message::LoginName)
            .on_submit(Message::LoginNext);
    }
    let password = text_input(l.t("Passwort", "Password"), &login.password)
        .id(LOGIN_PASSWORD)
        .secure(true)
        .on_input(Message::LoginPassword)
        .on_submit(Message::LoginSubmit)
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
        submit = submit.on_press(Message::LoginSubmit);
    }
    let mut actions = row![submit].spacing(12).align_y(Alignment::Center);
    if login.locked {
        actions = actions.push(
            button(text(
                l.t("Abmelden (andere Person)", "Sign out (another person)"),
            ))
            .style(button::text)
            .on_press(Message::SignOut),
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
            .style(text::secondary),
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
            .on_input(Message::LoginPassword2)
            .on_submit(Message::LoginSubmit)
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
                .on_input(Message::LoginToken)
                .on_submit(Message::LoginSubmit)
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
        card = card.push(text(h.as_str()).size(size::SMALL).style(text::secondary));
    }
    if login.no_accounts {
        card = card.push(
            text(l.t(
                "Die Station hat noch kein Konto. Dieses erste Konto verwaltet die weiteren (mindestens 10 Zeichen Passwort).",
                "The station has no account yet. This first one manages the others (password at least 10 characters).",
            ))
            .size(size::SMALL)
            .style(text::secondary),
        );
    }
    container(container(card).padding(28).style(container::rounded_box))
        .center_x(Fill)
        .center_y(Fill)
        .into()
}
