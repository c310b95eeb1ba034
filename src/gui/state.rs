//! The window's state: what it last read from the store, where the person
//! is, and what they picked. Changed only by [`super::update`].

use super::i18n::Lang;
use super::message::{LoadedPage, Screen};
use iced::Vector;
use iced::widget::image::Handle;
use scanstelle::desk::{CaseFile, CaseHit, DocumentView, Overview, Undo};
use scanstelle::store::Edit;
use scanstelle::store::blob::Sha256Hex;
use std::collections::{HashMap, HashSet};

/// Longest side of a page image as loaded for the page view.
pub const PAGE_PIXELS: u32 = 2000;

/// A notification (batch finished, file quarantined, an error).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// In words.
    pub text: String,
    /// Whether it reports a problem (problems stay until dismissed).
    pub error: bool,
    /// Refreshes it has been shown for.
    pub age: u32,
}

/// Whether the station's engine runs in this window.
#[derive(Debug, Clone, PartialEq)]
pub enum Engine {
    /// Intake, preparation and OCR run in the background.
    Running,
    /// Another process (the `scanstelle watch` service) runs the station;
    /// the window shows and decides, the service works.
    Service,
    /// The engine stopped with an error.
    Failed(String),
}

/// Zoom and position of the page view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Scale relative to "fit the page"; 1 = fit.
    pub zoom: f32,
    /// Offset of the page from its fitted, centred place, in view pixels.
    pub offset: Vector,
}

impl Default for View {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            offset: Vector::new(0.0, 0.0),
        }
    }
}

/// The review screen.
#[derive(Debug, Clone, Default)]
pub struct Review {
    /// The document shown.
    pub doc: Option<DocumentView>,
    /// The case candidate picked (index into the candidates).
    pub case: usize,
    /// A case taken from the register search instead of a candidate.
    pub manual_case: Option<String>,
    /// The type picked (index into the suggestions, then all types).
    pub doc_type: usize,
    /// The page shown.
    pub page: usize,
    /// The register search field.
    pub query: String,
    /// Its hits.
    pub hits: Vec<CaseHit>,
    /// A confirmation is being stored.
    pub busy: bool,
    /// Case and type of the confirmation being stored.
    pub pending: (Option<String>, Option<String>),
}

/// The document screen.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The document shown.
    pub doc: Option<DocumentView>,
    /// The other documents of its batch (ids, in order).
    pub batch_documents: Vec<i64>,
    /// The page shown.
    pub page: usize,
    /// Zoom and position.
    pub view: View,
    /// Whether the OCR words and evidence are drawn over the page.
    pub overlay: bool,
    /// The page to show once the document (re)loads, after an edit.
    pub focus: Option<usize>,
}

/// The cases screen.
#[derive(Debug, Clone, Default)]
pub struct Cases {
    /// The search field.
    pub query: String,
    /// Register hits.
    pub hits: Vec<CaseHit>,
    /// The case opened.
    pub file: Option<CaseFile>,
}

/// The station's configuration as the settings screen shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// Scanner profiles.
    pub profiles: Vec<ProfileInfo>,
    /// Confidence from which a case is attached without a person.
    pub case_auto: f64,
    /// Confidence from which a type stands without a person.
    pub type_auto: f64,
    /// The configuration file, if any.
    pub file: Option<String>,
}

/// A scanner profile in brief.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileInfo {
    /// Name.
    pub name: String,
    /// Its hot folder.
    pub folder: String,
    /// Resolution, colour, paper.
    pub scan: String,
    /// Ink share below which a page is blank.
    pub blank_below: f64,
    /// Separator sheets.
    pub separation: String,
}

/// Something a person did that Ctrl+Z takes back.
#[derive(Debug, Clone, PartialEq)]
pub enum UndoStep {
    /// A confirmation (with the case and type given).
    Confirm(Undo, Option<String>, Option<String>),
    /// An edit of document boundaries: its inverse.
    Edit(Edit),
}

/// Something undone that Ctrl+Y does again.
#[derive(Debug, Clone, PartialEq)]
pub enum RedoStep {
    /// A confirmation: document, case, type.
    Confirm(i64, Option<String>, Option<String>),
    /// An edit.
    Edit(Edit),
}

/// The whole window.
#[derive(Debug, Clone)]
pub struct App {
    /// Language.
    pub lang: Lang,
    /// Dark theme.
    pub dark: bool,
    /// Screen shown.
    pub screen: Screen,
    /// Modifier keys held.
    pub modifiers: iced::keyboard::Modifiers,
    /// The batch chosen in the inbox (index, newest first).
    pub inbox_cursor: usize,
    /// Batches the inbox shows (newest first; grows by pages).
    pub inbox_limit: usize,
    /// The inbox as last read.
    pub overview: Overview,
    /// Whether the store was read at least once.
    pub loaded: bool,
    /// A read of the store is under way.
    pub refreshing: bool,
    /// The newest event seen.
    pub last_event: i64,
    /// Notifications, newest last.
    pub notices: Vec<Notice>,
    /// Thumbnails loaded.
    pub thumbs: HashMap<Sha256Hex, Handle>,
    /// Thumbnails asked for.
    pub thumbs_pending: HashSet<Sha256Hex>,
    /// The page image of the screen shown.
    pub page: Option<LoadedPage>,
    /// Review screen.
    pub review: Review,
    /// Document screen.
    pub document: Document,
    /// Cases screen.
    pub cases: Cases,
    /// What can be undone, newest last.
    pub undo: Vec<UndoStep>,
    /// What can be redone, newest last.
    pub redo: Vec<RedoStep>,
    /// Every document type: slug, label.
    pub types: Vec<(String, String)>,
    /// The engine.
    pub engine: Engine,
    /// The station home, shown in the settings.
    pub home: String,
    /// Where the DMS is, in words.
    pub dms: String,
    /// What the settings screen shows.
    pub settings: Settings,
    /// A label for the title bar (e.g. "Demo").
    pub tag: Option<String>,
    /// Who is signed in (none: the login screen is shown, nothing else).
    pub session: Option<scanstelle::protect::users::Session>,
    /// The login screen.
    pub login: Login,
    /// The last key or click of the person at the window.
    pub last_input: std::time::Instant,
    /// Idle time after which the window locks itself.
    pub idle_lock: std::time::Duration,
    /// The quality-control screen's defect note.
    pub qa_note: String,
    /// The desk scanner's device, if one is set up.
    pub scanner: Option<String>,
    /// A desk scan is under way.
    pub scanning: bool,
}

/// The login screen (also the lock screen: then the name is fixed).
#[derive(Debug, Clone, Default)]
pub struct Login {
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

impl App {
    /// A fresh window state.
    pub fn new(types: Vec<(String, String)>, engine: Engine, lang: Lang) -> Self {
        Self {
            lang,
            dark: false,
            screen: Screen::Inbox,
            modifiers: iced::keyboard::Modifiers::default(),
            inbox_cursor: 0,
            inbox_limit: super::update::INBOX_PAGE,
            overview: Overview::default(),
            loaded: false,
            refreshing: false,
            last_event: 0,
            notices: Vec::new(),
            thumbs: HashMap::new(),
            thumbs_pending: HashSet::new(),
            page: None,
            review: Review::default(),
            document: Document::default(),
            cases: Cases::default(),
            undo: Vec::new(),
            redo: Vec::new(),
            types,
            engine,
            home: String::new(),
            dms: String::new(),
            settings: Settings::default(),
            tag: None,
            session: None,
            login: Login::default(),
            last_input: std::time::Instant::now(),
            idle_lock: std::time::Duration::from_secs(10 * 60),
            qa_note: String::new(),
            scanner: None,
            scanning: false,
        }
    }

    /// The type choices of the review screen: the suggestions, then every
    /// other type (slug, label, probability if suggested).
    pub fn type_choices(&self) -> Vec<(String, String, Option<f64>)> {
        let mut out: Vec<(String, String, Option<f64>)> = self
            .review
            .doc
            .iter()
            .flat_map(|d| d.types.iter())
            .filter(|t| t.2 > 0.005)
            .map(|(s, l, p)| (s.clone(), l.clone(), Some(*p)))
            .collect();
        for (slug, label) in &self.types {
            if !out.iter().any(|o| &o.0 == slug) {
                out.push((slug.clone(), label.clone(), None));
            }
        }
        out
    }

    /// The case the review screen would confirm.
    pub fn picked_case(&self) -> Option<String> {
        if let Some(m) = &self.review.manual_case {
            return Some(m.clone());
        }
        let doc = self.review.doc.as_ref()?;
        doc.candidates
            .get(self.review.case)
            .map(|c| c.candidate.bg.clone())
            .or_else(|| doc.case.clone())
    }

    /// The type the review screen would confirm.
    pub fn picked_type(&self) -> Option<String> {
        self.type_choices()
            .get(self.review.doc_type)
            .map(|t| t.0.clone())
    }

    /// Label of a type slug.
    pub fn type_label<'a>(&'a self, slug: &'a str) -> &'a str {
        self.types
            .iter()
            .find(|t| t.0 == slug)
            .map_or(slug, |t| t.1.as_str())
    }
}
