//! Everything that can happen in the window, as messages to [`super::update`].

use iced::keyboard::{Key, Modifiers};
use iced::widget::image::Handle;
use iced::{Point, Vector};
use scanstelle::desk::{CaseFile, CaseHit, DocumentView, Overview, Undo};
use scanstelle::store::Edited;
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

/// A message to the window.
#[derive(Debug, Clone)]
pub enum Message {
    /// Time to look at the store again.
    Tick,
    /// The login screen's name field changed.
    LoginName(String),
    /// The login screen's password field changed.
    LoginPassword(String),
    /// Enter in the name field: on to the password.
    LoginNext,
    /// The first admin's password, repeated.
    LoginPassword2(String),
    /// The one-time token of a headless first start.
    LoginToken(String),
    /// Sign in with the name and password typed.
    LoginSubmit,
    /// A sign-in answered (none: no account is mapped to the OS user).
    SignedIn(Result<Option<scanstelle::protect::users::Session>, String>),
    /// Sign out (another person takes the station).
    SignOut,
    /// Scan at the desk into the case shown (F9 on the cases screen).
    ScanIntoCase,
    /// The desk scan ended: pages scanned, or why not.
    Scanned(Result<usize, String>),
    /// The quality-control note changed.
    QaNote(String),
    /// A sampled document matches its paper.
    QaCheck(i64),
    /// A sampled document does not: the note says why.
    QaDefect(i64),
    /// Release a batch to the DMS.
    QaRelease(i64),
    /// A check or release was stored (the notice) or refused.
    QaDone(Result<String, String>),
    /// Put a batch's failed pages back in line ("Erneut versuchen", E in the inbox).
    RetryFailed(i64),
    /// The failed pages were put back in line (the notice) or refused.
    Retried(Result<String, String>),
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
    /// Move the inbox's choice by this many batches.
    InboxCursor(isize),
    /// Show the next page of older batches in the inbox.
    MoreBatches,
    /// Open the batch chosen in the inbox.
    InboxOpen,
    /// Try the failed pages of the batch chosen in the inbox again.
    InboxRetry,
    /// Open the first document of a batch.
    OpenBatch(i64),
    /// The documents of a batch arrived.
    BatchDocuments(Result<Vec<i64>, String>),
    /// A document arrived (for the screen that asked).
    DocumentLoaded(Result<Box<DocumentView>, String>),
    /// Pick the n-th case candidate (0-based).
    PickCase(usize),
    /// Pick the n-th type suggestion (0-based).
    PickType(usize),
    /// Accept the document with the picked case and type.
    Accept,
    /// A confirmation was stored.
    Confirmed(Result<Undo, String>),
    /// Take the last confirmation back.
    Undo,
    /// A confirmation was taken back.
    Undone(Result<i64, String>),
    /// Confirm again what was undone.
    Redo,
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
    /// Next document of the queue.
    NextDocument,
    /// Previous document of the queue.
    PrevDocument,
    /// Next page.
    NextPage,
    /// Previous page.
    PrevPage,
    /// Show page n (0-based).
    SelectPage(usize),
    /// The register search field changed (review screen).
    RegisterQuery(String),
    /// Search the register with the field's text.
    RegisterSearch,
    /// Register hits arrived (review screen).
    RegisterHits(Result<Vec<CaseHit>, String>),
    /// Take the n-th register hit as the document's case.
    TakeHit(usize),
    /// Zoom in (page view).
    ZoomIn,
    /// Zoom out.
    ZoomOut,
    /// Fit the page into the view.
    Fit,
    /// Zoom by a factor about a point of the view.
    ZoomAt(f32, Point),
    /// Move the page.
    Pan(Vector),
    /// Show or hide the OCR words and evidence.
    ToggleOverlay,
    /// The case search field changed (cases screen).
    CaseQuery(String),
    /// Register hits arrived (cases screen).
    CaseHits(Result<Vec<CaseHit>, String>),
    /// Open what the station holds for a case.
    OpenCase(String),
    /// A case file arrived.
    CaseLoaded(Result<Box<CaseFile>, String>),
    /// A file was dropped onto the window.
    FileDropped(PathBuf),
    /// A dropped file was put into the hot folder (its name) or refused.
    Dropped(Result<String, String>),
    /// Light or dark.
    ToggleTheme,
    /// Deutsch or English.
    ToggleLanguage,
    /// Close the notifications.
    DismissNotices,
    /// Close the window (the station stops cleanly).
    Quit,
}
