//! The window's logic: a message changes the state and may ask for effects.
//! Each screen decides its own messages ([`super::screen`]); this routes
//! them and decides what concerns the whole window: the refresh, screens,
//! keys, pages, undo and redo, notifications, signing in and out.

use super::effect::Effect;
use super::keys::shortcut;
use super::message::{Direction, LoadedPage, Message, Screen};
use super::screen::{document, login, review};
use super::state::{App, Engine, RedoStep, UndoStep, View};
use scanstelle::store::DocumentState;

/// Thumbnails loaded per refresh at most (the inbox shows the newest batches).
const THUMB_BATCHES: usize = 40;
/// Refreshes a notification that reports no problem stays (about 8 s).
const NOTICE_TICKS: u32 = 12;

/// Applies a message; returns what has to be done outside. Until someone
/// signed in (and after the window locked itself) only the login screen
/// takes input and nothing is read from the store.
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    if !message.is_answer() {
        app.last_input = std::time::Instant::now();
    }
    if app.session.is_none() {
        return signed_out(app, message);
    }
    if matches!(message, Message::Tick) && app.last_input.elapsed() >= app.idle_lock {
        return lock(app);
    }
    match message {
        // Signed in already: a late answer or keystroke of the login screen.
        Message::Login(_) => Vec::new(),
        Message::Inbox(m) => super::screen::inbox::update(app, m),
        Message::Review(m) => review::update(app, m),
        Message::Document(m) => document::update(app, m),
        Message::Cases(m) => super::screen::cases::update(app, m),
        Message::Qa(m) => super::screen::qa::update(app, m),
        Message::Tick => tick(app),
        // Between ticks: a new page's thumbnail shows within a fraction of
        // a second, not at the next tick.
        Message::Poll if !app.refreshing => vec![Effect::Poll],
        Message::Poll => Vec::new(),
        Message::Changed => app.refresh(),
        Message::Loaded(result) => {
            app.refreshing = false;
            let mut effects = match app.notify_err(result) {
                Some(overview) => loaded(app, *overview),
                None => Vec::new(),
            };
            // What the inbox lists changed meanwhile: read that.
            if std::mem::take(&mut app.inbox.stale) {
                effects.extend(app.refresh());
            }
            effects
        }
        Message::Show(screen) => show(app, screen),
        Message::Key(key, modifiers) => match shortcut(app.screen, &key, modifiers) {
            Some(m) => update(app, m),
            None => Vec::new(),
        },
        Message::Modifiers(m) => {
            app.modifiers = m;
            Vec::new()
        }
        Message::ThumbLoaded(sha, result) => {
            app.thumbs_pending.remove(&sha);
            if let Ok(handle) = result {
                // The thumbnail-latency bench waits for this line.
                tracing::debug!(sha = %sha, "Vorschaubild im Fenster");
                app.thumbs.insert(sha, handle);
            }
            Vec::new()
        }
        Message::PageLoaded(result) => page_loaded(app, result),
        Message::OpenDocument(id) => {
            // From another screen (quality control, a case): a way back.
            if matches!(app.screen, Screen::Qa | Screen::Cases | Screen::Sync) {
                app.document.back = Some(app.screen);
            } else if app.screen != Screen::Document {
                app.document.back = None;
            }
            app.screen = Screen::Document;
            vec![Effect::LoadDocument(id)]
        }
        Message::DocumentLoaded(result) => match app.notify_err(result) {
            // It goes to the screen that shows documents of its kind.
            Some(doc) if app.screen == Screen::Review => review::show(app, *doc),
            Some(doc) => document::show(app, *doc),
            None => Vec::new(),
        },
        Message::NextPage | Message::PrevPage | Message::SelectPage(_) => turn_page(app, &message),
        Message::Undo => undo(app),
        Message::Undone(result) => undone(app, result),
        Message::Redo => redo(app),
        Message::FileDropped(path) => vec![Effect::Drop(path)],
        Message::Dropped(result) => {
            if let Some(name) = app.notify_err(result) {
                let put = app
                    .lang
                    .t("In den Eingangsordner gelegt:", "Put into the hot folder:");
                app.notify(format!("{put} {name}"), false);
            }
            Vec::new()
        }
        Message::SyncNow => vec![Effect::SyncNow],
        Message::SyncRequested(result) => {
            if app.notify_err(result).is_some() {
                let text = app.lang.t(
                    "Übertragung angestoßen: die Station verbindet sich jetzt mit dem DMS",
                    "Transfer started: the station is contacting the DMS now",
                );
                app.notify(text.to_owned(), false);
            }
            Vec::new()
        }
        Message::SignOut => sign_out(app),
        m @ (Message::ToggleTheme
        | Message::ToggleLanguage
        | Message::Scale(_)
        | Message::Resized(_)
        | Message::DismissNotices
        | Message::Quit) => window(app, m),
    }
}

/// Messages that do the same signed in or not: theme, language, quit.
fn window(app: &mut App, message: Message) -> Vec<Effect> {
    match message {
        Message::ToggleTheme => app.dark = !app.dark,
        Message::ToggleLanguage => app.lang = app.lang.toggled(),
        Message::Scale(step) => app.scale = super::state::scaled(app.scale, step),
        Message::Resized(width) => app.width = width,
        Message::DismissNotices => app.notices.clear(),
        Message::Quit => return vec![Effect::Exit],
        _ => {}
    }
    Vec::new()
}

/// The refresh: notifications age, the store is read again, and a document
/// being decided again after an edit is loaded to show its verdict.
fn tick(app: &mut App) -> Vec<Effect> {
    for n in &mut app.notices {
        n.age += 1;
    }
    app.notices.retain(|n| n.error || n.age < NOTICE_TICKS);
    let mut effects: Vec<Effect> = app
        .document
        .doc
        .as_ref()
        .filter(|d| app.screen == Screen::Document && d.state == DocumentState::Open)
        .map(|d| Effect::LoadDocument(d.id))
        .into_iter()
        .collect();
    effects.extend(app.refresh());
    effects
}

/// A page image arrived: kept only if it is still the page shown (a slow
/// load may arrive late).
fn page_loaded(app: &mut App, result: Result<LoadedPage, String>) -> Vec<Effect> {
    if let Some(page) = app.notify_err(result)
        && app.current_page().is_some_and(|p| p.0 == page.sha)
    {
        app.page = Some(page);
    }
    Vec::new()
}

/// Next, previous or a chosen page of the document on the screen shown.
fn turn_page(app: &mut App, message: &Message) -> Vec<Effect> {
    let (page, count) = match app.screen {
        Screen::Review => (&mut app.review.page, app.review.doc.as_ref()),
        _ => (&mut app.document.page, app.document.doc.as_ref()),
    };
    let count = count.map_or(0, |d| d.pages.len());
    let want = match *message {
        Message::NextPage => *page + 1,
        Message::PrevPage => page.saturating_sub(1),
        Message::SelectPage(n) => n,
        _ => *page,
    };
    if want < count && want != *page {
        *page = want;
        app.document.view = View::default();
        return app.load_page();
    }
    Vec::new()
}

/// Ctrl+Z: the last confirmation or edit is taken back.
fn undo(app: &mut App) -> Vec<Effect> {
    match app.undo.pop() {
        Some(UndoStep::Confirm(undo, case, ty)) => {
            app.redo.push(RedoStep::Confirm(undo.document_id, case, ty));
            vec![Effect::Undo(undo)]
        }
        Some(UndoStep::Edit(inverse)) => vec![Effect::Edit(inverse, Direction::Undo)],
        None => Vec::new(),
    }
}

/// A confirmation was taken back: the document waits for review again.
fn undone(app: &mut App, result: Result<i64, String>) -> Vec<Effect> {
    let Some(id) = app.notify_err(result) else {
        return Vec::new();
    };
    if !app.overview.review.contains(&id) {
        app.overview.review.insert(0, id);
    }
    app.screen = Screen::Review;
    vec![Effect::LoadDocument(id), app.refresh_effect()]
}

/// Ctrl+Y: what was undone is done again.
fn redo(app: &mut App) -> Vec<Effect> {
    match app.redo.pop() {
        Some(RedoStep::Confirm(doc, case, ty)) => {
            app.review.busy = true;
            app.review.pending = (case.clone(), ty.clone());
            vec![Effect::Confirm(doc, case, ty)]
        }
        Some(RedoStep::Edit(edit)) => vec![Effect::Edit(edit, Direction::Redo)],
        None => Vec::new(),
    }
}

/// The window locks itself: the person's work stays (shown again after
/// their password), nothing of it is visible meanwhile.
fn lock(app: &mut App) -> Vec<Effect> {
    let Some(session) = app.session.take() else {
        return Vec::new();
    };
    app.login = login::State {
        name: session.user,
        locked: true,
        ..Default::default()
    };
    vec![
        Effect::SignOut("session.locked"),
        Effect::Focus(super::effect::LOGIN_PASSWORD),
    ]
}

/// The person leaves: their work and everything loaded for it is dropped.
fn sign_out(app: &mut App) -> Vec<Effect> {
    let was_signed_in = app.session.take().is_some() || app.login.locked;
    let fresh = App::new(app.types.clone(), app.engine.clone(), app.lang);
    *app = App {
        dark: app.dark,
        home: std::mem::take(&mut app.home),
        dms: std::mem::take(&mut app.dms),
        settings: std::mem::take(&mut app.settings),
        tag: app.tag.take(),
        idle_lock: app.idle_lock,
        login: login::State {
            no_accounts: app.login.no_accounts,
            hint: app.login.hint.take(),
            ..Default::default()
        },
        ..fresh
    };
    let mut effects = vec![Effect::Focus(super::effect::LOGIN_NAME)];
    if was_signed_in {
        effects.insert(0, Effect::SignOut("logout"));
    }
    effects
}

/// Messages while nobody is signed in: the login screen's, and what the
/// window does for anyone (theme, language, quit).
fn signed_out(app: &mut App, message: Message) -> Vec<Effect> {
    match message {
        Message::Login(m) => login::update(app, m),
        Message::SignOut => sign_out(app),
        Message::Key(key, modifiers) => match shortcut(app.screen, &key, modifiers) {
            Some(
                m @ (Message::Quit
                | Message::ToggleLanguage
                | Message::ToggleTheme
                | Message::Scale(_)),
            ) => window(app, m),
            _ => Vec::new(),
        },
        Message::Loaded(_) => {
            app.refreshing = false;
            Vec::new()
        }
        m
        @ (Message::Quit | Message::ToggleTheme | Message::ToggleLanguage | Message::Scale(_)) => {
            window(app, m)
        }
        _ => Vec::new(),
    }
}

/// Switches screens, loading what the new one shows first.
fn show(app: &mut App, screen: Screen) -> Vec<Effect> {
    app.screen = screen;
    match screen {
        Screen::Review if app.review.doc.is_none() => app
            .overview
            .review
            .first()
            .map(|&id| vec![Effect::LoadDocument(id)])
            .unwrap_or_default(),
        Screen::Review | Screen::Document => app.load_page(),
        // The scanners SANE finds, looked for once (the choice of scanner).
        Screen::Cases if app.scanners.is_none() => vec![
            Effect::Focus(super::effect::CASE_FIELD),
            Effect::ListScanners,
        ],
        Screen::Cases => vec![Effect::Focus(super::effect::CASE_FIELD)],
        // The paper originals due today, read when the screen is shown.
        Screen::Qa => vec![Effect::LoadOriginals],
        _ => Vec::new(),
    }
}

/// The inbox data arrived: keep it, turn new events into notifications,
/// ask for the thumbnails of the batches shown.
fn loaded(app: &mut App, mut overview: scanstelle::desk::Overview) -> Vec<Effect> {
    let first = !app.loaded;
    app.loaded = true;
    if first {
        // The window's start-up bench waits for this line.
        tracing::info!(
            stapel = overview.batch_count,
            seiten = overview.pages,
            "Eingang zum ersten Mal geladen"
        );
    }
    let had_review = !app.overview.review.is_empty();
    let events = std::mem::take(&mut overview.events);
    app.overview = overview;
    let mut finished = Vec::new();
    for e in &events {
        app.last_event = app.last_event.max(e.id);
        // The first read only finds where the log stands.
        if first {
            continue;
        }
        match e.kind.as_str() {
            "batch.classified" => finished.extend(e.batch_id),
            // `file.quarantined.<reason>`: "name: reason in words".
            k if k.starts_with("file.quarantined") || k == "document.page_count_mismatch" => {
                app.notify(e.detail.clone(), true);
            }
            _ => {}
        }
    }
    if !finished.is_empty() {
        let text = finished_notice(app, &finished);
        app.notify(text, false);
    }
    // Only the thumbnails near the inbox's choice and of the document
    // shown stay in memory (~0.4 MB each).
    let near = app.inbox.cursor.saturating_sub(THUMB_BATCHES / 2);
    let shown: std::collections::HashSet<&scanstelle::store::blob::Sha256Hex> = app
        .overview
        .batches
        .iter()
        .skip(near)
        .take(THUMB_BATCHES)
        .flat_map(|b| b.thumbs.iter())
        .chain(
            app.document
                .doc
                .iter()
                .flat_map(|d| d.pages.iter().filter_map(|p| p.thumb.as_ref())),
        )
        // The first pages of the quality-control sample.
        .chain(
            app.overview
                .qa
                .iter()
                .flat_map(|b| b.items.iter().filter_map(|i| i.thumb.as_ref())),
        )
        .collect();
    let wanted: Vec<scanstelle::store::blob::Sha256Hex> = shown.into_iter().cloned().collect();
    app.thumbs.retain(|sha, _| wanted.contains(sha));
    let mut effects = app.load_thumbs(wanted);
    // The review screen waits for work: show the first document as it comes.
    if app.screen == Screen::Review
        && app.review.doc.is_none()
        && !had_review
        && let Some(&id) = app.overview.review.first()
    {
        effects.push(Effect::LoadDocument(id));
    }
    effects
}

/// "Stapel 4 fertig zugeordnet (1 Dokument zur Prüfung)" for the batches
/// finished since the last refresh.
fn finished_notice(app: &App, batches: &[i64]) -> String {
    let review: u32 = app
        .overview
        .batches
        .iter()
        .filter(|b| batches.contains(&b.id))
        .map(|b| b.review)
        .sum();
    let ids: Vec<String> = batches.iter().map(i64::to_string).collect();
    let ids = ids.join(", ");
    match app.lang {
        super::i18n::Lang::De => format!(
            "Stapel {ids} fertig zugeordnet ({} zur Prüfung)",
            if review == 1 {
                "1 Dokument".to_owned()
            } else {
                format!("{review} Dokumente")
            }
        ),
        super::i18n::Lang::En => format!(
            "{} {ids} classified ({review} to review)",
            if batches.len() == 1 {
                "Batch"
            } else {
                "Batches"
            }
        ),
    }
}

/// The engine stopped: say so, keep the window usable.
pub fn engine_failed(app: &mut App, why: String) {
    app.notify(why.clone(), true);
    app.engine = Engine::Failed(why);
}
