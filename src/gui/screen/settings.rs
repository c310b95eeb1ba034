//! Einstellungen: where the station keeps its data, its scanner profiles
//! and hot folders, language and theme. Settings are kept in
//! `scanstelle.toml`; editing them here follows with user roles (admins only).

use crate::gui::message::Message;
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{field, size, title};
use iced::widget::{button, column, container, row, text};
use iced::{Element, Fill};

/// The settings screen.
pub fn view(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let mut profiles = column![
        text(l.t(
            "Scannerprofile und Eingangsordner",
            "Scanner profiles and hot folders"
        ))
        .size(size::HEADING)
    ]
    .spacing(6);
    for (name, folder) in &app.profiles {
        profiles = profiles.push(field(name, text(folder).size(size::BODY)));
    }
    column![
        title(l.t("Einstellungen", "Settings"), text("")),
        container(
            column![
                field(l.t("Stationsverzeichnis", "Station home"), text(&app.home).size(size::BODY)),
                field(
                    l.t("Sprache", "Language"),
                    row![
                        text(l.t("Deutsch", "English")).size(size::BODY),
                        button(text(l.t("English", "Deutsch"))).on_press(Message::ToggleLanguage)
                    ]
                    .spacing(12)
                ),
                field(
                    l.t("Design", "Theme"),
                    row![
                        text(if app.dark { l.t("dunkel", "dark") } else { l.t("hell", "light") }).size(size::BODY),
                        button(text(l.t("Umschalten", "Switch"))).on_press(Message::ToggleTheme)
                    ]
                    .spacing(12)
                ),
            ]
            .spacing(10)
            .padding(14)
        )
        .width(Fill)
        .style(theme::card),
        container(profiles.padding(14)).width(Fill).style(theme::card),
        text(l.t(
            "Profile, Schwellen und das DMS-Ziel werden in scanstelle.toml gepflegt (scanstelle profiles zeigt sie).",
            "Profiles, thresholds and the DMS target live in scanstelle.toml (scanstelle profiles lists them).",
        ))
        .size(size::SMALL)
        .style(text::secondary),
    ]
    .spacing(14)
    .into()
}
