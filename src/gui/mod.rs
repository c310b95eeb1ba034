//! The station's window (iced 0.14, software rendering): a thin Elm-style
//! layer over the engine. Each [`screen`] owns its state, its messages,
//! its `update` and its view; [`state`] holds the window around them,
//! [`message`] what can happen, [`keys`] what a key means, [`update`] routes
//! and decides what concerns the whole window, [`view`] draws the frame,
//! and [`effect`] — effects as data — reads and writes the station through
//! [`scanstelle::desk`] on blocking threads. The station's engine (intake, preparation, OCR, classification)
//! runs beside the window in its own thread and runtime; the window learns
//! of its progress from the store, the single source of truth, several
//! times a second, and so never waits for OCR, disk or network.

use std::fmt::Write as _;
mod effect;
mod i18n;
mod keys;
mod message;
mod page_view;
mod screen;
mod state;
mod theme;
mod update;
mod view;

#[cfg(test)]
mod tests;

use anyhow::{Context, Result};
use effect::Effect;
use iced::keyboard;
use iced::{Event, Font, Subscription, Task, window};
use message::Message;
use scanstelle::config::Config;
use scanstelle::desk::Desk;
use state::{App, Engine};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use i18n::Lang;

/// How often the window reads the store.
const REFRESH: Duration = Duration::from_millis(700);
/// How often the window asks whether the station changed the store (and
/// reads it then).
const POLL: Duration = Duration::from_millis(150);
/// The window's font (shipped, so every station looks the same).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// How the window is started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Shown under the name (e.g. "Demo").
    pub tag: Option<String>,
    /// OCR engines of the station's engine.
    pub ocr_workers: usize,
    /// The demo's account: its name is filled in, name and password shown.
    pub login_hint: Option<(String, String)>,
}

/// The window with its connection to the station.
struct Gui {
    app: App,
    desk: Arc<Mutex<Desk>>,
    /// Set when the engine thread stops with an error.
    engine_error: Arc<Mutex<Option<String>>>,
}

/// The engine running beside the window.
struct EngineThread {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

/// Opens the window on the station of `config`; returns when it is closed.
/// The engine runs in the background unless another process (the
/// `scanstelle watch` service) holds the station already.
pub fn run(config: Config, options: Options) -> Result<()> {
    let desk = config.open_desk().context("Station öffnen")?;
    let engine_error = Arc::new(Mutex::new(None));
    let (engine, thread) = match scanstelle::station::Station::open(&config.home, &config.keys()?) {
        Ok(station) => (
            Engine::Running,
            Some(start_engine(
                config.clone(),
                station,
                options.ocr_workers,
                engine_error.clone(),
            )?),
        ),
        Err(scanstelle::station::StationError::Locked(_)) => (Engine::Service, None),
        Err(e) => return Err(e).context("Station öffnen"),
    };
    let mut app = App::new(desk.types(), engine, Lang::from_env());
    app.home = config.home.display().to_string();
    app.dms = desk.dms().to_owned();
    app.settings = state::Settings {
        profiles: config
            .profiles
            .iter()
            .map(|p| state::ProfileInfo {
                name: p.name.clone(),
                folder: p.hot_folder_path(&config.home).display().to_string(),
                dpi: p.scan.dpi,
                colour: p.scan.colour.clone(),
                paper: p.scan.paper.clone(),
                duplex: p.scan.duplex,
                blank_below: p.steps.blank_ink_threshold,
                separation: p.steps.separation.clone(),
            })
            .collect(),
        case_auto: config.classify.cases.auto_threshold,
        type_auto: config.classify.types.auto_threshold,
        file: config.source.as_ref().map(|p| p.display().to_string()),
    };
    app.tag = options.tag.clone();
    // The scanner chosen here last, else the configured one.
    app.scanner = desk
        .remembered_scanner()
        .or_else(|| desk.scanner().map(str::to_owned));
    app.login.no_accounts = !desk.has_accounts();
    app.login.needs_token = app.login.no_accounts && desk.needs_first_start_token();
    if let Some((name, password)) = &options.login_hint {
        app.login.name = name.clone();
        app.login.hint = Some(format!("Demo: {name} / {password}"));
    }
    let first_field = if options.login_hint.is_some() {
        effect::LOGIN_PASSWORD
    } else {
        effect::LOGIN_NAME
    };
    app.idle_lock = Duration::from_secs(config.security.idle_lock_minutes.max(1) * 60);
    app.dark = std::env::var("SCANSTELLE_THEME").is_ok_and(|t| t == "dark");
    // The width until the window reports its own (a maximised window may
    // report none).
    app.width = window_size().width;
    // `SCANSTELLE_SCALE=1.25`: the window's zoom at start (large screens, tests).
    if let Some(s) = std::env::var("SCANSTELLE_SCALE")
        .ok()
        .and_then(|s| s.parse::<f32>().ok())
        .filter(|s| (0.5..=3.0).contains(s))
    {
        app.scale = s;
    }
    let gui = Gui {
        app,
        desk: Arc::new(Mutex::new(desk)),
        engine_error,
    };
    let boot = move || {
        let g = Gui {
            app: gui.app.clone(),
            desk: gui.desk.clone(),
            engine_error: gui.engine_error.clone(),
        };
        // The account of the OS user signs in at once; else the login screen.
        let start = Task::batch([
            task(&g.desk, Effect::SignInOs),
            task(&g.desk, Effect::Focus(first_field)),
        ]);
        (g, start)
    };
    let result = iced::application(boot, update, view)
        .title(title)
        .subscription(subscription)
        .theme(|g: &Gui| theme::theme(g.app.dark))
        .scale_factor(|g: &Gui| g.app.scale)
        .font(FONT)
        .default_font(Font::with_name("DejaVu Sans"))
        .window(window::Settings {
            size: window_size(),
            maximized: true,
            min_size: Some(iced::Size::new(1024.0, 640.0)),
            ..window::Settings::default()
        })
        .run();
    if let Some(engine) = thread {
        // The engine finishes the file in hand and stops.
        let _ = engine.stop.send(());
        let _ = engine.thread.join();
    }
    result.context("Fenster")
}

/// Starts intake and processing in a thread of their own.
fn start_engine(
    config: Config,
    station: scanstelle::station::Station,
    ocr_workers: usize,
    error: Arc<Mutex<Option<String>>>,
) -> Result<EngineThread> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("station".into())
        .spawn(move || {
            let fail = |e: String| {
                tracing::error!("Station angehalten: {e}");
                *error
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
            };
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return fail(e.to_string()),
            };
            let options = scanstelle::intake::watch::WatchOptions {
                stop_when_idle: None,
                ocr_workers: Some(ocr_workers.max(1)),
                sync_as: Some(scanstelle::protect::users::os_user()),
            };
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = rt.block_on(scanstelle::intake::watch::run(
                &config, station, options, shutdown,
            )) {
                fail(e.to_string());
            }
        })
        .context("Station-Thread starten")?;
    Ok(EngineThread { stop, thread })
}

/// The window's size before the desktop maximises it:
/// `SCANSTELLE_WINDOW=1920x1080` (kiosk stations, tests), else 1366×768.
fn window_size() -> iced::Size {
    std::env::var("SCANSTELLE_WINDOW")
        .ok()
        .and_then(|s| {
            let (w, h) = s.split_once('x')?;
            Some(iced::Size::new(
                w.trim().parse().ok()?,
                h.trim().parse().ok()?,
            ))
        })
        .unwrap_or(iced::Size::new(1366.0, 768.0))
}

fn title(g: &Gui) -> String {
    let review = g.app.overview.review.len();
    let mut t = format!("Scanstelle – {}", view::screen_name(&g.app, g.app.screen));
    if review > 0 {
        let _ = write!(
            t,
            " ({review} {})",
            g.app.lang.t("zur Prüfung", "to review")
        );
    }
    if let Some(tag) = &g.app.tag {
        let _ = write!(t, " · {tag}");
    }
    t
}

fn update(g: &mut Gui, message: Message) -> Task<Message> {
    if matches!(message, Message::Tick)
        && let Some(e) = g
            .engine_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    {
        update::engine_failed(&mut g.app, e);
    }
    let effects = update::update(&mut g.app, message);
    Task::batch(effects.into_iter().map(|e| task(&g.desk, e)))
}

/// Turns an effect into a task: station work on a blocking thread.
fn task(desk: &Arc<Mutex<Desk>>, effect: Effect) -> Task<Message> {
    match effect {
        Effect::Exit => iced::exit(),
        Effect::Focus(id) => iced::widget::operation::focus(id),
        Effect::Unfocus => {
            iced::advanced::widget::operate(iced::advanced::widget::operation::focusable::unfocus())
        }
        effect => {
            let desk = desk.clone();
            Task::future(async move {
                tokio::task::spawn_blocking(move || effect.perform(&desk))
                    .await
                    .ok()
                    .flatten()
            })
            .and_then(Task::done)
        }
    }
}

fn view(g: &Gui) -> iced::Element<'_, Message> {
    view::view(&g.app)
}

fn subscription(_: &Gui) -> Subscription<Message> {
    Subscription::batch([
        iced::time::every(REFRESH).map(|_| Message::Tick),
        iced::time::every(POLL).map(|_| Message::Poll),
        iced::event::listen_with(on_event),
    ])
}

/// F1–F12.
fn is_function_key(key: keyboard::key::Named) -> bool {
    use keyboard::key::Named::*;
    matches!(
        key,
        F1 | F2 | F3 | F4 | F5 | F6 | F7 | F8 | F9 | F10 | F11 | F12
    )
}

/// Keys no widget took, and files dropped onto the window.
fn on_event(event: Event, status: iced::event::Status, _: window::Id) -> Option<Message> {
    match event {
        Event::Keyboard(keyboard::Event::ModifiersChanged(m)) => Some(Message::Modifiers(m)),
        // Shortcuts with Ctrl or Alt and the function keys work in text
        // fields too (a field takes their character; see `Message::Modifiers`).
        Event::Keyboard(keyboard::Event::KeyPressed {
            key,
            modified_key,
            modifiers,
            ..
        }) if status == iced::event::Status::Ignored
            || modifiers.command()
            || modifiers.alt()
            || matches!(key, keyboard::Key::Named(n) if is_function_key(n)) =>
        {
            // Characters as typed ("/" is Shift+7 on a German keyboard),
            // except with Ctrl or Alt, where the key itself counts.
            let key = if modifiers.command() || modifiers.alt() {
                key
            } else {
                modified_key
            };
            Some(Message::Key(key, modifiers))
        }
        Event::Window(window::Event::FileDropped(path)) => Some(Message::FileDropped(path)),
        Event::Window(window::Event::Resized(size) | window::Event::Opened { size, .. }) => {
            Some(Message::Resized(size.width))
        }
        _ => None,
    }
}
