//! The window's state: what it last read from the store, where the person
//! is, and what they picked; each screen's own part lives with the screen.
//! Changed only by [`super::update`] and the screens' `update`.

use super::effect::Effect;
use super::i18n::Lang;
use super::message::{LoadedPage, Screen};
use super::screen::{cases, document, inbox, login, qa, review};
use iced::widget::image::Handle;
use iced::{Point, Vector};
use scanstelle::desk::{Overview, Undo};
use scanstelle::store::Edit;
use scanstelle::store::blob::Sha256Hex;
use std::collections::{HashMap, HashSet};

/// The window's zoom steps (Ctrl+Plus, Ctrl+Minus).
pub const SCALES: [f32; 7] = [0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0];

/// The zoom one step up (1), down (−1) from `now`, or 100 % (0).
pub fn scaled(now: f32, step: i8) -> f32 {
    let at = SCALES
        .iter()
        .position(|s| (s - now).abs() < 0.01)
        .unwrap_or(2);
    match step {
        0 => 1.0,
        s if s > 0 => SCALES[(at + 1).min(SCALES.len() - 1)],
        _ => SCALES[at.saturating_sub(1)],
    }
}

/// Longest side of a page image as loaded for the page view.
pub const PAGE_PIXELS: u32 = 2000;
/// Notifications kept.
const NOTICES: usize = 4;

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

/// What the page view is asked to do: zoom, fit, move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zoom {
    /// One step in (+).
    In,
    /// One step out (−).
    Out,
    /// Fit the page into the view (0).
    Fit,
    /// Zoom by a factor about a point (view coordinates relative to the
    /// view's centre): the mouse wheel.
    At(f32, Point),
    /// Move the page by this much: dragging.
    Pan(Vector),
}

/// The zoom range: a quarter of "fit" up to eight times it.
const ZOOM: (f32, f32) = (0.25, 8.0);

impl View {
    /// Applies a zoom step.
    pub fn apply(&mut self, z: Zoom) {
        match z {
            Zoom::In => self.zoom_by(1.25, None),
            Zoom::Out => self.zoom_by(0.8, None),
            Zoom::At(factor, at) => self.zoom_by(factor, Some(at)),
            Zoom::Fit => *self = View::default(),
            Zoom::Pan(by) => self.offset += by,
        }
    }

    /// Zooms by `factor` about `at` (relative to the view's centre) or the
    /// centre, keeping the point under the cursor where it is.
    fn zoom_by(&mut self, factor: f32, at: Option<Point>) {
        let new = (self.zoom * factor).clamp(ZOOM.0, ZOOM.1);
        let f = new / self.zoom;
        match at {
            Some(p) => {
                let at = Vector::new(p.x, p.y);
                self.offset = at + (self.offset - at) * f;
            }
            None => self.offset *= f,
        }
        self.zoom = new;
    }
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
    /// Resolution in dpi.
    pub dpi: u32,
    /// Colour mode as configured (`bilevel`, `gray`, `colour`).
    pub colour: String,
    /// Paper size name.
    pub paper: String,
    /// Backsides scanned too.
    pub duplex: bool,
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
    /// The size of the whole window's content (1 = 100 %; Ctrl+Plus).
    pub scale: f32,
    /// The window's width in logical pixels (before [`App::scale`]).
    pub width: f32,
    /// Screen shown.
    pub screen: Screen,
    /// Modifier keys held.
    pub modifiers: iced::keyboard::Modifiers,
    /// Inbox screen.
    pub inbox: inbox::State,
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
    pub review: review::State,
    /// Document screen.
    pub document: document::State,
    /// Cases screen.
    pub cases: cases::State,
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
    pub login: login::State,
    /// The last key or click of the person at the window.
    pub last_input: std::time::Instant,
    /// Idle time after which the window locks itself.
    pub idle_lock: std::time::Duration,
    /// The quality-control screen.
    pub qa: qa::State,
    /// The desk scanner's device: the one set up, or the one chosen.
    pub scanner: Option<String>,
    /// The scanners SANE found (none looked for yet: `None`).
    pub scanners: Option<Vec<scanstelle::intake::scan::Device>>,
    /// A desk scan is under way.
    pub scanning: bool,
    /// Pages the desk scan under way delivered so far.
    pub scanned: Counter,
}

/// The desk scan's progress, shared with the scan running beside the
/// window (pages so far, the last one's thumbnail); equal only to itself.
#[derive(Debug, Clone, Default)]
pub struct Counter(
    pub std::sync::Arc<scanstelle::desk::ScanProgress>,
    std::sync::Arc<std::sync::Mutex<Option<(usize, Handle)>>>,
);

impl Counter {
    /// The count now.
    pub fn get(&self) -> usize {
        self.0.pages()
    }

    /// The last page's thumbnail (made once per page, so the window
    /// uploads it once).
    pub fn thumbnail(&self) -> Option<Handle> {
        let pages = self.get();
        let mut cache = self.1.lock().ok()?;
        if cache.as_ref().is_none_or(|(n, _)| *n != pages) {
            *cache = self
                .0
                .last()
                .map(|t| (pages, Handle::from_rgba(t.width, t.height, t.rgba)));
        }
        cache.as_ref().map(|(_, h)| h.clone())
    }
}

impl PartialEq for Counter {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl App {
    /// A fresh window state.
    pub fn new(types: Vec<(String, String)>, engine: Engine, lang: Lang) -> Self {
        Self {
            lang,
            dark: false,
            scale: 1.0,
            width: 1366.0,
            screen: Screen::Inbox,
            modifiers: iced::keyboard::Modifiers::default(),
            inbox: inbox::State::default(),
            inbox_limit: inbox::PAGE,
            overview: Overview::default(),
            loaded: false,
            refreshing: false,
            last_event: 0,
            notices: Vec::new(),
            thumbs: HashMap::new(),
            thumbs_pending: HashSet::new(),
            page: None,
            review: review::State::default(),
            document: document::State::default(),
            cases: cases::State::default(),
            undo: Vec::new(),
            redo: Vec::new(),
            types,
            engine,
            home: String::new(),
            dms: String::new(),
            settings: Settings::default(),
            tag: None,
            session: None,
            login: login::State::default(),
            last_input: std::time::Instant::now(),
            idle_lock: std::time::Duration::from_secs(10 * 60),
            qa: qa::State::default(),
            scanner: None,
            scanners: None,
            scanning: false,
            scanned: Counter::default(),
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

    /// Adds a notification (the oldest goes when there are too many).
    pub fn notify(&mut self, text: String, error: bool) {
        // The same problem again (a store that cannot be read, every
        // refresh) stays one notification.
        if self.notices.last().is_some_and(|n| n.text == text) {
            return;
        }
        if error {
            tracing::warn!("{text}");
        }
        self.notices.push(Notice {
            text,
            error,
            age: 0,
        });
        if self.notices.len() > NOTICES {
            self.notices.remove(0);
        }
    }

    /// A notification of where a file was written (`said` and the path, in
    /// the window's language), or of why not; whether it was written.
    pub fn notify_written(
        &mut self,
        result: Result<std::path::PathBuf, String>,
        said: (&'static str, &'static str),
    ) -> bool {
        let Some(path) = self.notify_err(result) else {
            return false;
        };
        let done = format!("{} {}", self.lang.t(said.0, said.1), path.display());
        self.notify(done, false);
        true
    }

    /// Whether the person signed in may do `action`.
    pub fn may(&self, action: scanstelle::protect::users::Action) -> bool {
        self.session.as_ref().is_some_and(|s| s.role.may(action))
    }

    /// A notification of a problem, when `result` is one; its value if not.
    pub fn notify_err<T>(&mut self, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.notify(e, true);
                None
            }
        }
    }

    /// Reads the store again unless a read is under way.
    pub fn refresh(&mut self) -> Vec<Effect> {
        if self.refreshing {
            return Vec::new();
        }
        self.refreshing = true;
        vec![self.refresh_effect()]
    }

    /// Whether the window is wide enough for larger thumbnails (as at
    /// 1920 pixels, at the zoom chosen).
    pub fn wide(&self) -> bool {
        self.width / self.scale >= 1700.0
    }

    /// Whether the window (at its zoom) is narrower than 1250 pixels, as
    /// 1366 at 125 %: side panels narrower, fewer thumbnails.
    pub fn narrow(&self) -> bool {
        self.width / self.scale < 1250.0
    }

    /// The width of a screen's side panel: `wide` on a normal window, less
    /// where the window is [`App::narrow`].
    pub fn panel(&self, wide: f32) -> f32 {
        if self.narrow() {
            (wide * 0.78).round()
        } else {
            wide
        }
    }

    /// Reads the store again as soon as it can: a read under way (with what
    /// the inbox listed before) is followed by another.
    pub fn refresh_now(&mut self) -> Vec<Effect> {
        if self.refreshing {
            self.inbox.stale = true;
            return Vec::new();
        }
        self.refresh()
    }

    /// The read of the store for what the window shows now.
    pub fn refresh_effect(&self) -> Effect {
        Effect::Refresh(
            self.last_event,
            self.inbox_limit,
            self.inbox.filter.to_store(time::OffsetDateTime::now_utc()),
        )
    }

    /// Whether Ctrl or Alt is held: a text field also gets the character
    /// of a shortcut (Ctrl+1), which must not change its text.
    pub fn typing_shortcut(&self) -> bool {
        self.modifiers.command() || self.modifiers.alt()
    }

    /// The page shown on the current screen: blob and encoding.
    pub fn current_page(&self) -> Option<(Sha256Hex, String)> {
        let (doc, page) = match self.screen {
            Screen::Review => (self.review.doc.as_ref()?, self.review.page),
            _ => (self.document.doc.as_ref()?, self.document.page),
        };
        doc.pages
            .get(page)
            .map(|p| (p.sha.clone(), p.encoding.clone()))
    }

    /// Loads the page shown unless it is loaded already.
    pub fn load_page(&mut self) -> Vec<Effect> {
        match self.current_page() {
            Some((sha, _)) if self.page.as_ref().is_some_and(|p| p.sha == sha) => Vec::new(),
            Some((sha, encoding)) => vec![Effect::LoadPage(sha, encoding)],
            None => Vec::new(),
        }
    }

    /// Asks for the thumbnails not loaded or asked for yet.
    pub fn load_thumbs(&mut self, shas: impl IntoIterator<Item = Sha256Hex>) -> Vec<Effect> {
        shas.into_iter()
            .filter(|sha| !self.thumbs.contains_key(sha) && self.thumbs_pending.insert(sha.clone()))
            .map(Effect::LoadThumb)
            .collect()
    }
}
