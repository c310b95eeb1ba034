//! The keyboard: which message a key stands for on the screen shown, so
//! that tests drive the window exactly as a person at the keyboard does.

use super::message::{Message, Screen};
use super::screen::{cases, document, inbox, review};
use super::state::Zoom;
use iced::keyboard::key::Named;
use iced::keyboard::{Key, Modifiers};

/// The message a key stands for on the screen shown, if any. Keys typed
/// into a text field never get here (the field takes them).
pub fn shortcut(screen: Screen, key: &Key, modifiers: Modifiers) -> Option<Message> {
    let digit = |c: &str| {
        c.parse::<usize>()
            .ok()
            .filter(|d| (1..=9).contains(d))
            .map(|d| d - 1)
    };
    if modifiers.command() {
        return match key.as_ref() {
            Key::Character(c) if c == "z" || c == "Z" => Some(if modifiers.shift() {
                Message::Redo
            } else {
                Message::Undo
            }),
            Key::Character("y") => Some(Message::Redo),
            Key::Character("+" | "=") => Some(Message::Scale(1)),
            Key::Character("-") => Some(Message::Scale(-1)),
            Key::Character("0") => Some(Message::Scale(0)),
            Key::Character("q") => Some(Message::Quit),
            Key::Character(c) => digit(c)
                .and_then(|d| Screen::ALL.get(d).copied())
                .map(Message::Show),
            _ => None,
        };
    }
    match key.as_ref() {
        Key::Named(Named::F5) => return Some(Message::SyncNow),
        Key::Named(Named::F10) => return Some(Message::ToggleLanguage),
        Key::Named(Named::F11) => return Some(Message::ToggleTheme),
        Key::Named(Named::Escape) => return Some(Message::DismissNotices),
        Key::Named(Named::F9) if screen == Screen::Cases => {
            return Some(Message::Cases(cases::Message::Scan));
        }
        _ => {}
    }
    match screen {
        Screen::Cases => match key.as_ref() {
            Key::Named(Named::ArrowDown) => Some(Message::Cases(cases::Message::Cursor(1))),
            Key::Named(Named::ArrowUp) => Some(Message::Cases(cases::Message::Cursor(-1))),
            Key::Named(Named::Enter) => Some(Message::Cases(cases::Message::OpenChosen)),
            _ => None,
        },
        Screen::Inbox => match key.as_ref() {
            Key::Named(Named::ArrowDown) => Some(Message::Inbox(inbox::Message::Cursor(1))),
            Key::Named(Named::ArrowUp) => Some(Message::Inbox(inbox::Message::Cursor(-1))),
            Key::Named(Named::Enter) => Some(Message::Inbox(inbox::Message::Open)),
            Key::Character("e" | "E") => Some(Message::Inbox(inbox::Message::Retry)),
            Key::Character("p" | "P") => Some(Message::Inbox(inbox::Message::ToggleReviewOnly)),
            Key::Named(Named::Space) => Some(Message::Inbox(inbox::Message::ToggleSelect(None))),
            Key::Character("f" | "F") => Some(Message::Inbox(inbox::Message::ReleaseSelected)),
            Key::Character("q" | "Q") => Some(Message::Inbox(inbox::Message::QuarantineKey)),
            _ => None,
        },
        Screen::Review => match key.as_ref() {
            Key::Named(Named::Enter) => Some(Message::Review(review::Message::Accept)),
            Key::Named(Named::Tab) if modifiers.shift() => {
                Some(Message::Review(review::Message::PrevUncertain))
            }
            Key::Named(Named::Tab) => Some(Message::Review(review::Message::NextUncertain)),
            Key::Named(Named::ArrowRight) => Some(Message::NextPage),
            Key::Named(Named::ArrowLeft) => Some(Message::PrevPage),
            Key::Named(Named::ArrowDown | Named::PageDown) => {
                Some(Message::Review(review::Message::NextDocument))
            }
            Key::Named(Named::ArrowUp | Named::PageUp) => {
                Some(Message::Review(review::Message::PrevDocument))
            }
            Key::Character("/") => Some(Message::Review(review::Message::FocusSearch)),
            Key::Character("+") => Some(Message::Review(review::Message::Zoom(Zoom::In))),
            Key::Character("-") => Some(Message::Review(review::Message::Zoom(Zoom::Out))),
            Key::Character("0") => Some(Message::Review(review::Message::Zoom(Zoom::Fit))),
            Key::Character(c) if modifiers.alt() => {
                digit(c).map(|x| Message::Review(review::Message::PickType(x)))
            }
            Key::Character(c) => digit(c).map(|x| Message::Review(review::Message::PickCase(x))),
            _ => None,
        },
        Screen::Document => match key.as_ref() {
            Key::Named(Named::ArrowRight) if modifiers.alt() => {
                Some(Message::Document(document::Message::MovePage(1)))
            }
            Key::Named(Named::ArrowLeft) if modifiers.alt() => {
                Some(Message::Document(document::Message::MovePage(-1)))
            }
            Key::Named(Named::ArrowRight | Named::PageDown) => Some(Message::NextPage),
            Key::Named(Named::ArrowLeft | Named::PageUp) => Some(Message::PrevPage),
            Key::Named(Named::Delete) => Some(Message::Document(document::Message::RemovePage)),
            Key::Named(Named::Backspace) => Some(Message::Document(document::Message::Back)),
            Key::Character("s") => Some(Message::Document(document::Message::SplitHere)),
            Key::Character("m") => Some(Message::Document(document::Message::MergePrevious)),
            Key::Character("r") => Some(Message::Document(document::Message::RotatePage(90))),
            Key::Character("R") => Some(Message::Document(document::Message::RotatePage(270))),
            Key::Character("+") => Some(Message::Document(document::Message::Zoom(Zoom::In))),
            Key::Character("-") => Some(Message::Document(document::Message::Zoom(Zoom::Out))),
            Key::Character("0") => Some(Message::Document(document::Message::Zoom(Zoom::Fit))),
            Key::Character("o") => Some(Message::Document(document::Message::ToggleOverlay)),
            _ => None,
        },
        _ => None,
    }
}
