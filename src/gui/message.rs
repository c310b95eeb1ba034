//! Everything that can happen in the window, as messages to
//! [`super::update`]: the window's own, and each screen's in its module.

use super::screen::{cases, document, inbox, login, qa, review};
use iced::keyboard::{Key, Modifiers};
use iced::widget::image::Handle;
use scanstelle::desk::{DocumentView, Overview};
use scanstelle::store::blob::Sha256Hex;
use std::path::PathBuf;

/// The screens, in the order of the navigation (Ctrl+1 … Ctrl+6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    /// Eingang: batches arriving, quarantine.
    #[default]
    Inbox,
    /// Prüfen: the review queue.
    Review,
    /// Dokument: one document, large.
    Document,
    /// Akten: the register.
    Cases,
    /// Übertragung: the outbox.
    Sync,
    /// Einstellungen.
    Settings,
    /// Qualität: samples and releases.
    Qa,
}

impl Screen {
    /// All screens in navigation order.
    pub const ALL: [Screen; 7] = [
        Screen::Inbox,
        Screen::Review,
        Screen::Document,
        Screen::Cases,
        Screen::Sync,
        Screen::Settings,
        Screen::Qa,
    ];
}

/// Why an edit is made: asked for, or to undo or redo one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A person asked for it.
    Do,
    /// Undoes an edit.
    Undo,
    /// Redoes an undone edit.
    Redo,
}

/// A page image ready to draw: handle, size, and how much it was reduced
/// from the stored page (word boxes are in the stored page's pixels).
#[derive(Debug, Clone)]
pub struct LoadedPage {
    /// The stored page.
    pub sha: Sha256Hex,
    /// The image.
    pub handle: Handle,
    /// Width of the image.
    pub width: u32,
    /// Height of the image.
    pub height: u32,
    /// Stored pixels per image pixel.
    pub reduced_by: u32,
}

/// A message to the window: one of a screen's own, or one that concerns
/// the whole window (the refresh, navigation, keys, pages, undo, notices).
#[derive(Debug, Clone)]
pub enum Message {
    /// The login screen.
    Login(login::Message),
    /// The inbox.
    Inbox(inbox::Message),
    /// The review screen.
    Review(review::Message),
    /// The document screen.
    Document(document::Message),
    /// The cases screen.
    Cases(cases::Message),
    /// The quality-control screen.
    Qa(qa::Message),
    /// Time to look at the store again.
    Tick,
    /// Time to ask whether the station changed the store.
    Poll,
    /// The station changed the store: the inbox is read again.
    Changed,
    /// Sign out (another person takes the station).
    SignOut,
    /// Try the DMS again now (F5, or the button on the transfer screen).
    SyncNow,
    /// The sync was asked to try now.
    SyncRequested(Result<(), String>),
    /// The inbox data arrived.
    Loaded(Result<Box<Overview>, String>),
    /// Show a screen.
    Show(Screen),
    /// A key nobody else took (or a shortcut with Ctrl, Alt, F-key).
    Key(Key, Modifiers),
    /// The modifier keys changed.
    Modifiers(Modifiers),
    /// A thumbnail arrived.
    ThumbLoaded(Sha256Hex, Result<Handle, String>),
    /// A page image arrived.
    PageLoaded(Result<LoadedPage, String>),
    /// Open a document on the document screen.
    OpenDocument(i64),
    /// A document arrived (for the screen that asked).
    DocumentLoaded(Result<Box<DocumentView>, String>),
    /// Take the last confirmation or edit back.
    Undo,
    /// A confirmation was taken back.
    Undone(Result<i64, String>),
    /// Do again what was undone.
    Redo,
    /// Next page (review and document screens).
    NextPage,
    /// Previous page.
    PrevPage,
    /// Show page n (0-based).
    SelectPage(usize),
    /// A file was dropped onto the window.
    FileDropped(PathBuf),
    /// A dropped file was put into the hot folder (its name) or refused.
    Dropped(Result<String, String>),
    /// The window got this width (logical pixels).
    Resized(f32),
    /// Light or dark.
    ToggleTheme,
    /// Deutsch or English.
    ToggleLanguage,
    /// The whole window larger (1), smaller (−1) or at 100 % (0): Ctrl+Plus,
    /// Ctrl+Minus, Ctrl+0.
    Scale(i8),
    /// Close the notifications.
    DismissNotices,
    /// Close the window (the station stops cleanly).
    Quit,
}

impl Message {
    /// Whether it answers the window's own work (a read, a load, a
    /// sign-in), not a key or click of the person at it.
    pub fn is_answer(&self) -> bool {
        match self {
            Message::Login(m) => m.is_answer(),
            Message::Inbox(m) => m.is_answer(),
            Message::Review(m) => m.is_answer(),
            Message::Document(m) => m.is_answer(),
            Message::Cases(m) => m.is_answer(),
            Message::Qa(m) => m.is_answer(),
            Message::Tick
            | Message::Poll
            | Message::Changed
            | Message::SyncRequested(_)
            | Message::Loaded(_)
            | Message::Modifiers(_)
            | Message::ThumbLoaded(..)
            | Message::PageLoaded(_)
            | Message::DocumentLoaded(_)
            | Message::Undone(_)
            | Message::Dropped(_) => true,
            _ => false,
        }
    }
}
