//! Einstellungen: where the station keeps its data, its scanner profiles
//! and hot folders, language and theme. Settings are kept in
//! `scanstelle.toml`; editing them here follows with user roles (admins only).

use crate::gui::i18n::Lang;
use crate::gui::message::Message;
use crate::gui::state::App;
use crate::gui::theme;
use crate::gui::view::{decimal, field_with, size, title};

/// Width of the label column.
const LABEL: f32 = 210.0;
use iced::widget::{button, column, container, row, text};
use iced::{Element, Fill};

/// The settings screen.
pub fn view(app: &App) -> Element<'_, Message> {
    let l = app.lang;
    let set = &app.settings;
    let mut profiles = column![
        text(l.t(
            "Scannerprofile und Eingangsordner",
            "Scanner profiles and hot folders"
        ))
        .size(size::HEADING)
    ]
    .spacing(6);
    for p in &set.profiles {
        profiles = profiles.push(field_with(
            LABEL,
            &p.name,
            column![
                text(&p.folder).size(size::BODY),
                text(format!(
                    "{}\u{a0}dpi, {}, {}{} · {} {}\u{a0}% {} · {}: {}",
                    p.dpi,
                    colour_words(l, &p.colour),
                    p.paper,
                    if p.duplex {
                        l.t(", beidseitig", ", duplex")
                    } else {
                        ""
                    },
                    l.t("leer unter", "blank below"),
                    decimal(app, p.blank_below * 100.0, 2),
                    l.t("Tinte", "ink"),
                    l.t("Trennblätter", "separators"),
                    separation_words(l, &p.separation)
                ))
                .size(size::SMALL)
                .style(theme::muted),
            ]
            .spacing(2),
        ));
    }
    let thresholds = column![
        text(l.t("Schwellen", "Thresholds")).size(size::HEADING),
        field_with(
            LABEL,
            l.t("Akte automatisch ab", "Case automatic from"),
            text(format!("{:.0}\u{a0}%", set.case_auto * 100.0)).size(size::BODY)
        ),
        field_with(
            LABEL,
            l.t("Typ automatisch ab", "Type automatic from"),
            text(format!("{:.0}\u{a0}%", set.type_auto * 100.0)).size(size::BODY)
        ),
        field_with(
            LABEL,
            l.t("Konfigurationsdatei", "Configuration file"),
            text(
                set.file
                    .as_deref()
                    .unwrap_or(l.t("keine (eingebaute Vorgaben)", "none (built-in defaults)"))
            )
            .size(size::BODY)
        ),
    ]
    .spacing(6);
    column![
        title(l.t("Einstellungen", "Settings"), text("")),
        container(
            column![
                field_with(LABEL, l.t("Stationsverzeichnis", "Station home"), text(&app.home).size(size::BODY)),
                field_with(LABEL,
                    l.t("Sprache", "Language"),
                    row![
                        text(l.t("Deutsch", "English")).size(size::BODY),
                        button(text(l.t("English", "Deutsch"))).on_press(Message::ToggleLanguage)
                    ]
                    .spacing(12)
                ),
                field_with(LABEL,
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
        container(thresholds.padding(14)).width(Fill).style(theme::card),
        text(l.t(
            "Profile, Schwellen und das DMS-Ziel werden in scanstelle.toml gepflegt (scanstelle profiles zeigt sie).",
            "Profiles, thresholds and the DMS target live in scanstelle.toml (scanstelle profiles lists them).",
        ))
        .size(size::SMALL)
        .style(theme::muted),
    ]
    .spacing(14)
    .into()
}

/// A profile's colour mode in words.
fn colour_words(l: Lang, colour: &str) -> String {
    match colour {
        "bilevel" => l.t("schwarz-weiß", "black and white").to_owned(),
        "gray" | "grey" => l.t("Graustufen", "greyscale").to_owned(),
        "colour" | "color" => l.t("Farbe", "colour").to_owned(),
        other => other.to_owned(),
    }
}

/// A profile's separator sheets in words ("none", "patch-t,patch-2").
fn separation_words(l: Lang, separation: &str) -> String {
    let words: Vec<String> = separation
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "none")
        .map(|p| match p {
            "patch-t" => "Patch-T".to_owned(),
            "patch-2" => "Patch 2".to_owned(),
            "patch-3" => "Patch 3".to_owned(),
            other => other.to_owned(),
        })
        .collect();
    if words.is_empty() {
        l.t("keine", "none").to_owned()
    } else {
        words.join(", ")
    }
}
