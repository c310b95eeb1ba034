//! Colours and styles: a calm light theme for the day's work and a dark
//! one, both with the same meaning of colour (blue acts, green is done,
//! amber waits, red is wrong).

use iced::widget::{button, container};
use iced::{Border, Color, Theme, color};

/// The window's theme.
pub fn theme(dark: bool) -> Theme {
    if dark {
        Theme::custom(
            "Scanstelle dunkel",
            iced::theme::Palette {
                background: color!(0x1d2127),
                text: color!(0xe6e8eb),
                primary: color!(0x5b9bd5),
                success: color!(0x4caf78),
                warning: color!(0xe0a030),
                danger: color!(0xe5534b),
            },
        )
    } else {
        Theme::custom(
            "Scanstelle hell",
            iced::theme::Palette {
                background: color!(0xf4f5f7),
                text: color!(0x1f2328),
                primary: color!(0x1f5fa8),
                success: color!(0x2e7d4f),
                warning: color!(0xb36b00),
                danger: color!(0xc62828),
            },
        )
    }
}

/// Quiet text (hints, times, details): grey, but at least 4.5 : 1 against
/// the background in both themes (iced's own secondary grey is near 3 : 1).
pub fn muted(theme: &Theme) -> iced::widget::text::Style {
    let dark = theme.extended_palette().is_dark;
    iced::widget::text::Style {
        color: Some(if dark {
            color!(0xa9b0ba)
        } else {
            color!(0x4a515c)
        }),
    }
}

/// What a state says: good, waiting, wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Running, online, done.
    Good,
    /// Waiting, not tried yet.
    Waiting,
    /// Stopped, offline, failed.
    Bad,
}

/// Text in a state's colour, dark or light enough for 4.5 : 1 on the
/// status bar and the cards of both themes (the palette's own green and
/// amber are too pale on the bar).
pub fn tone(t: Tone) -> impl Fn(&Theme) -> iced::widget::text::Style {
    move |theme: &Theme| {
        let dark = theme.extended_palette().is_dark;
        let c = match (t, dark) {
            (Tone::Good, false) => color!(0x1b5e35),
            (Tone::Waiting, false) => color!(0x7a4a00),
            (Tone::Bad, false) => color!(0x9b1c1c),
            (Tone::Good, true) => color!(0x7ddc9f),
            (Tone::Waiting, true) => color!(0xf0c060),
            (Tone::Bad, true) => color!(0xff8a80),
        };
        iced::widget::text::Style { color: Some(c) }
    }
}

/// Colour of an evidence box by kind: identifiers red, names and
/// addresses green, dates amber.
pub fn evidence_colour(kind: scanstelle::classify::casefind::EvidenceKind) -> Color {
    use scanstelle::classify::casefind::EvidenceKind::*;
    // Found evidence is never red: red reads as an error.
    match kind {
        CoverSheet | BgNumber | CustomerNumber => color!(0x1565c0),
        Name | Address | Email => color!(0x2e7d32),
        BirthDate => color!(0x7b1fa2),
    }
}

/// A number read that is in no case: the reason the document waits.
pub const DOUBT: Color = color!(0xe65100);

/// A card: a raised panel on the background.
pub fn card(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(p.background.base.color.into()),
        border: Border {
            color: p.background.strong.color,
            width: 1.0,
            radius: 6.0.into(),
        },
        ..container::Style::default()
    }
}

/// The card chosen with the keyboard.
pub fn chosen_card(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        border: Border {
            color: p.primary.base.color,
            width: 2.0,
            radius: 6.0.into(),
        },
        ..card(theme)
    }
}

/// The side bar.
pub fn sidebar(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(p.background.weak.color.into()),
        ..container::Style::default()
    }
}

/// The status bar.
pub fn status_bar(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(p.background.strong.color.into()),
        text_color: Some(p.background.strong.text),
        ..container::Style::default()
    }
}

/// A chosen row or choice.
pub fn selected(theme: &Theme) -> container::Style {
    let p = theme.extended_palette();
    container::Style {
        background: Some(p.primary.weak.color.into()),
        text_color: Some(p.primary.weak.text),
        border: Border {
            color: p.primary.base.color,
            width: 2.0,
            radius: 6.0.into(),
        },
        ..container::Style::default()
    }
}

/// A navigation entry: highlighted when it is the screen shown.
pub fn nav(active: bool) -> impl Fn(&Theme, button::Status) -> button::Style {
    move |theme, status| {
        let p = theme.extended_palette();
        let base = if active {
            button::Style {
                background: Some(p.primary.base.color.into()),
                text_color: p.primary.base.text,
                border: Border::default().rounded(6),
                ..button::Style::default()
            }
        } else {
            button::Style {
                background: None,
                text_color: p.background.weak.text,
                border: Border::default().rounded(6),
                ..button::Style::default()
            }
        };
        match status {
            button::Status::Hovered if !active => button::Style {
                background: Some(p.background.strong.color.into()),
                ..base
            },
            _ => base,
        }
    }
}

/// A notice: red for problems, else the primary colour.
pub fn notice(error: bool) -> impl Fn(&Theme) -> container::Style {
    move |theme| {
        let p = theme.extended_palette();
        let accent = if error {
            p.danger.base.color
        } else {
            p.success.base.color
        };
        container::Style {
            background: Some(p.background.base.color.into()),
            text_color: Some(p.background.base.text),
            border: Border {
                color: accent,
                width: 2.0,
                radius: 6.0.into(),
            },
            ..container::Style::default()
        }
    }
}
