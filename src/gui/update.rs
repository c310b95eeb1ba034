//! The window's logic: a message changes the state and may ask for effects.
//! Keyboard shortcuts are mapped here too ([`shortcut`]), so tests drive the
//! window exactly as a person at the keyboard does.

use super::effect::Effect;
use super::message::{Direction, Message, Screen};
use super::state::{App, Engine, Notice, RedoStep, UndoStep, View};
use iced::keyboard::key::Named;
use iced::keyboard::{Key, Modifiers};
use iced::{Point, Vector};
use scanstelle::store::{DocumentState, Edit};

/// Thumbnails loaded per refresh at most (the inbox shows the newest batches).
const THUMB_BATCHES: usize = 40;
/// Batches the inbox shows more at a time (the store keeps them all).
pub const INBOX_PAGE: usize = 100;
/// Notifications kept.
const NOTICES: usize = 4;
/// Refreshes a notification that reports no problem stays (about 8 s).
const NOTICE_TICKS: u32 = 12;
/// Zoom limits relative to "fit".
const ZOOM: (f32, f32) = (0.25, 8.0);

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
        Key::Named(Named::F9) if screen == Screen::Cases => return Some(Message::ScanIntoCase),
        _ => {}
    }
    match screen {
        Screen::Inbox => match key.as_ref() {
            Key::Named(Named::ArrowDown) => Some(Message::InboxCursor(1)),
            Key::Named(Named::ArrowUp) => Some(Message::InboxCursor(-1)),
            Key::Named(Named::Enter) => Some(Message::InboxOpen),
            Key::Character("e" | "E") => Some(Message::InboxRetry),
            _ => None,
        },
        Screen::Review => match key.as_ref() {
            Key::Named(Named::Enter) => Some(Message::Accept),
            Key::Named(Named::ArrowRight) => Some(Message::NextPage),
            Key::Named(Named::ArrowLeft) => Some(Message::PrevPage),
            Key::Named(Named::ArrowDown | Named::PageDown) => Some(Message::NextDocument),
            Key::Named(Named::ArrowUp | Named::PageUp) => Some(Message::PrevDocument),
            Key::Character("/") => Some(Message::RegisterSearch),
            Key::Character(c) if modifiers.alt() => digit(c).map(Message::PickType),
            Key::Character(c) => digit(c).map(Message::PickCase),
            _ => None,
        },
        Screen::Document => match key.as_ref() {
            Key::Named(Named::ArrowRight) if modifiers.alt() => Some(Message::MovePage(1)),
            Key::Named(Named::ArrowLeft) if modifiers.alt() => Some(Message::MovePage(-1)),
            Key::Named(Named::ArrowRight | Named::PageDown) => Some(Message::NextPage),
            Key::Named(Named::ArrowLeft | Named::PageUp) => Some(Message::PrevPage),
            Key::Named(Named::Delete) => Some(Message::RemovePage),
            Key::Character("s") => Some(Message::SplitHere),
            Key::Character("m") => Some(Message::MergePrevious),
            Key::Character("r") => Some(Message::RotatePage(90)),
            Key::Character("R") => Some(Message::RotatePage(270)),
            Key::Character("+") => Some(Message::ZoomIn),
            Key::Character("-") => Some(Message::ZoomOut),
            Key::Character("0") => Some(Message::Fit),
            Key::Character("o") => Some(Message::ToggleOverlay),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a message answers the window's own work (a read, a load, a
/// sign-in), not a key or click of the person at it.
fn is_answer(message: &Message) -> bool {
    matches!(
        message,
        Message::Tick
            | Message::SignedIn(_)
            | Message::SyncRequested(_)
            | Message::Loaded(_)
            | Message::Modifiers(_)
            | Message::ThumbLoaded(..)
            | Message::PageLoaded(_)
            | Message::BatchDocuments(_)
            | Message::DocumentLoaded(_)
            | Message::Confirmed(_)
            | Message::Undone(_)
            | Message::Edited(..)
            | Message::BatchListed(_)
            | Message::RegisterHits(_)
            | Message::CaseHits(_)
            | Message::CaseLoaded(_)
            | Message::Dropped(_)
            | Message::QaDone(_)
            | Message::Retried(_)
            | Message::Scanned(_)
    )
}

/// Applies a message; returns what has to be done outside. Until someone
/// signed in (and after the window locked itself) only the login screen
/// takes input and nothing is read from the store.
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    if !is_answer(&message) {
        app.last_input = std::time::Instant::now();
    }
    if app.session.is_none() {
        return signed_out(app, message);
    }
    if matches!(message, Message::Tick) && app.last_input.elapsed() >= app.idle_lock {
        return lock(app);
    }
    match message {
        Message::LoginName(_)
        | Message::LoginPassword(_)
        | Message::LoginPassword2(_)
        | Message::LoginToken(_)
        | Message::LoginNext
        | Message::LoginSubmit
        | Message::SignedIn(_) => Vec::new(),
        Message::SignOut => sign_out(app),
        Message::ScanIntoCase => match (&app.cases.file, app.scanning) {
            (Some(file), false) if app.scanner.is_some() => {
                app.scanning = true;
                let bg = file.bg.clone();
                notify(
                    app,
                    format!(
                        "{} {bg} …",
                        app.lang.t("Scanne in die Akte", "Scanning into case")
                    ),
                    false,
                );
                vec![Effect::ScanIntoCase(bg)]
            }
            _ => Vec::new(),
        },
        Message::Scanned(result) => {
            app.scanning = false;
            match result {
                Ok(n) => notify(
                    app,
                    format!(
                        "{n} {}",
                        app.lang.t(
                            "Seite(n) gescannt; die Station liest sie ein.",
                            "page(s) scanned; the station takes them in."
                        )
                    ),
                    false,
                ),
                Err(e) => notify(app, e, true),
            }
            Vec::new()
        }
        Message::QaNote(note) => {
            app.qa_note = note;
            Vec::new()
        }
        Message::QaCheck(doc) => vec![Effect::QaCheck(doc, None)],
        Message::QaDefect(doc) => {
            let note = std::mem::take(&mut app.qa_note);
            vec![Effect::QaCheck(doc, Some(note))]
        }
        Message::QaRelease(batch) => vec![Effect::QaRelease(batch)],
        Message::RetryFailed(batch) => vec![Effect::RetryFailed(batch)],
        Message::QaDone(result) | Message::Retried(result) => {
            match result {
                Ok(done) => notify(app, done, false),
                Err(e) => notify(app, e, true),
            }
            if !app.refreshing {
                app.refreshing = true;
                return vec![Effect::Refresh(app.last_event, app.inbox_limit)];
            }
            Vec::new()
        }
        Message::Tick => {
            for n in &mut app.notices {
                n.age += 1;
            }
            app.notices.retain(|n| n.error || n.age < NOTICE_TICKS);
            // A document being decided again after an edit: show its verdict.
            let mut effects: Vec<Effect> = app
                .document
                .doc
                .as_ref()
                .filter(|d| app.screen == Screen::Document && d.state == DocumentState::Open)
                .map(|d| Effect::LoadDocument(d.id))
                .into_iter()
                .collect();
            if !app.refreshing {
                app.refreshing = true;
                effects.push(Effect::Refresh(app.last_event, app.inbox_limit));
            }
            effects
        }
        Message::Loaded(result) => {
            app.refreshing = false;
            match result {
                Ok(overview) => loaded(app, *overview),
                Err(e) => {
                    notify(app, e, true);
                    Vec::new()
                }
            }
        }
        Message::Show(screen) => show(app, screen),
        Message::Key(key, modifiers) => match shortcut(app.screen, &key, modifiers) {
            Some(m) => update(app, m),
            None => Vec::new(),
        },
        Message::ThumbLoaded(sha, result) => {
            app.thumbs_pending.remove(&sha);
            if let Ok(handle) = result {
                app.thumbs.insert(sha, handle);
            }
            Vec::new()
        }
        Message::PageLoaded(result) => {
            match result {
                // Only the page still shown (a slow load may arrive late).
                Ok(page) if current_page(app).is_some_and(|p| p.0 == page.sha) => {
                    app.page = Some(page);
                }
                Ok(_) => {}
                Err(e) => notify(app, e, true),
            }
            Vec::new()
        }
        Message::OpenDocument(id) => {
            app.screen = Screen::Document;
            vec![Effect::LoadDocument(id)]
        }
        Message::InboxCursor(by) => {
            let last = app.overview.batches.len().saturating_sub(1);
            let want = app.inbox_cursor.saturating_add_signed(by);
            app.inbox_cursor = want.min(last);
            // Past the last batch shown: the next page of older ones.
            if want > last && app.overview.batch_count > app.overview.batches.len() as u64 {
                return update(app, Message::MoreBatches);
            }
            Vec::new()
        }
        Message::MoreBatches => {
            app.inbox_limit += INBOX_PAGE;
            vec![Effect::Refresh(app.last_event, app.inbox_limit)]
        }
        Message::InboxOpen => match app.overview.batches.get(app.inbox_cursor) {
            Some(b) => update(app, Message::OpenBatch(b.id)),
            None => Vec::new(),
        },
        Message::InboxRetry => match app.overview.batches.get(app.inbox_cursor) {
            Some(b) if !b.failures.is_empty() => vec![Effect::RetryFailed(b.id)],
            _ => Vec::new(),
        },
        Message::OpenBatch(batch)
            if app
                .overview
                .batches
                .iter()
                .any(|b| b.id == batch && b.purged) =>
        {
            let text = format!(
                "{} {batch} {}",
                app.lang.t("Stapel", "Batch"),
                app.lang.t(
                    "ist im DMS abgelegt; die Station hat ihre Kopien nach der Aufbewahrungsfrist gelöscht.",
                    "is filed in the DMS; the station deleted its copies after the retention period.",
                )
            );
            notify(app, text, false);
            Vec::new()
        }
        Message::OpenBatch(batch) => {
            app.screen = Screen::Document;
            vec![Effect::BatchDocuments(batch)]
        }
        Message::BatchDocuments(result) => match result {
            Ok(ids) => {
                let first = ids.first().copied();
                app.document.batch_documents = ids;
                first.map(Effect::LoadDocument).into_iter().collect()
            }
            Err(e) => {
                notify(app, e, true);
                Vec::new()
            }
        },
        Message::DocumentLoaded(result) => match result {
            Ok(doc) => document_loaded(app, *doc),
            Err(e) => {
                notify(app, e, true);
                Vec::new()
            }
        },
        Message::PickCase(i) => {
            // The candidates are numbered first, then the register hits.
            if let Some(doc) = &app.review.doc {
                let n = doc.candidates.len();
                if i < n {
                    app.review.case = i;
                    app.review.manual_case = None;
                } else if i - n < app.review.hits.len() {
                    return update(app, Message::TakeHit(i - n));
                }
            }
            Vec::new()
        }
        Message::PickType(i) => {
            if i < app.type_choices().len() {
                app.review.doc_type = i;
            }
            Vec::new()
        }
        Message::Accept => {
            let Some(doc) = &app.review.doc else {
                return Vec::new();
            };
            if app.review.busy {
                return Vec::new();
            }
            let (case, ty) = (app.picked_case(), app.picked_type());
            if case.is_none() {
                notify(
                    app,
                    app.lang
                        .t(
                            "Keine Akte gewählt: 1–9 oder / für die Suche im Fallbestand",
                            "No case picked: 1–9 or / to search the register",
                        )
                        .to_owned(),
                    true,
                );
                return Vec::new();
            }
            app.review.busy = true;
            app.review.pending = (case.clone(), ty.clone());
            app.redo.clear();
            vec![Effect::Confirm(doc.id, case, ty)]
        }
        Message::Confirmed(result) => {
            app.review.busy = false;
            match result {
                Ok(undo) => {
                    let id = undo.document_id;
                    let (case, ty) = std::mem::take(&mut app.review.pending);
                    app.undo.push(UndoStep::Confirm(undo, case, ty));
                    app.overview.review.retain(|&d| d != id);
                    next_in_queue(app, id)
                }
                Err(e) => {
                    notify(app, e, true);
                    Vec::new()
                }
            }
        }
        Message::Undo => match app.undo.pop() {
            Some(UndoStep::Confirm(undo, case, ty)) => {
                app.redo.push(RedoStep::Confirm(undo.document_id, case, ty));
                vec![Effect::Undo(undo)]
            }
            Some(UndoStep::Edit(inverse)) => vec![Effect::Edit(inverse, Direction::Undo)],
            None => Vec::new(),
        },
        Message::Undone(result) => match result {
            Ok(id) => {
                if !app.overview.review.contains(&id) {
                    app.overview.review.insert(0, id);
                }
                app.screen = Screen::Review;
                vec![
                    Effect::LoadDocument(id),
                    Effect::Refresh(app.last_event, app.inbox_limit),
                ]
            }
            Err(e) => {
                notify(app, e, true);
                Vec::new()
            }
        },
        Message::Redo => match app.redo.pop() {
            Some(RedoStep::Confirm(doc, case, ty)) => {
                app.review.busy = true;
                app.review.pending = (case.clone(), ty.clone());
                vec![Effect::Confirm(doc, case, ty)]
            }
            Some(RedoStep::Edit(edit)) => vec![Effect::Edit(edit, Direction::Redo)],
            None => Vec::new(),
        },
        Message::SplitHere
        | Message::MergePrevious
        | Message::RemovePage
        | Message::MovePage(_)
        | Message::RotatePage(_) => {
            let Some(doc) = &app.document.doc else {
                return Vec::new();
            };
            let (document, page) = (doc.id, app.document.page);
            let edit = match message {
                Message::SplitHere => Edit::Split { document, at: page },
                Message::MergePrevious => Edit::Merge { document },
                Message::RemovePage => Edit::RemovePage {
                    document,
                    position: page,
                },
                Message::RotatePage(clockwise) => Edit::RotatePage {
                    document,
                    position: page,
                    clockwise,
                },
                Message::MovePage(by) => Edit::MovePage {
                    document,
                    from: page,
                    to: match page.checked_add_signed(by) {
                        Some(to) if to < doc.pages.len() => to,
                        _ => return Vec::new(),
                    },
                },
                _ => return Vec::new(),
            };
            vec![Effect::Edit(edit, Direction::Do)]
        }
        Message::Edited(direction, result) => match result {
            Ok(edited) => {
                let step = edited.inverse.clone();
                match direction {
                    Direction::Do => {
                        app.redo.clear();
                        app.undo.push(UndoStep::Edit(step));
                    }
                    Direction::Undo => app.redo.push(RedoStep::Edit(step)),
                    Direction::Redo => app.undo.push(UndoStep::Edit(step)),
                }
                notify(app, edited.words, false);
                app.screen = Screen::Document;
                // The page to show: where the edit happened.
                app.document.focus = Some(match edited.inverse {
                    Edit::Merge { .. } => 0,
                    Edit::Split { at, .. } => at,
                    Edit::RestorePage { position, .. }
                    | Edit::RemovePage { position, .. }
                    | Edit::RotatePage { position, .. } => position,
                    Edit::MovePage { from, .. } => from,
                });
                vec![
                    Effect::LoadDocument(edited.document),
                    Effect::ListBatch(edited.batch),
                ]
            }
            Err(e) => {
                notify(app, e, true);
                Vec::new()
            }
        },
        Message::BatchListed(result) => {
            match result {
                Ok(ids) => app.document.batch_documents = ids,
                Err(e) => notify(app, e, true),
            }
            Vec::new()
        }
        Message::NextDocument | Message::PrevDocument => {
            let forward = matches!(message, Message::NextDocument);
            let queue = &app.overview.review;
            let current = app
                .review
                .doc
                .as_ref()
                .and_then(|d| queue.iter().position(|&q| q == d.id));
            let next = match (current, forward) {
                (Some(i), true) => queue.get(i + 1),
                (Some(i), false) => i.checked_sub(1).and_then(|i| queue.get(i)),
                (None, _) => queue.first(),
            };
            next.map(|&id| vec![Effect::LoadDocument(id)])
                .unwrap_or_default()
        }
        Message::NextPage | Message::PrevPage | Message::SelectPage(_) => {
            let (page, count) = match app.screen {
                Screen::Review => (&mut app.review.page, app.review.doc.as_ref()),
                _ => (&mut app.document.page, app.document.doc.as_ref()),
            };
            let count = count.map_or(0, |d| d.pages.len());
            let want = match message {
                Message::NextPage => *page + 1,
                Message::PrevPage => page.saturating_sub(1),
                Message::SelectPage(n) => n,
                _ => *page,
            };
            if want < count && want != *page {
                *page = want;
                app.document.view = View::default();
                return load_page(app);
            }
            Vec::new()
        }
        Message::Modifiers(m) => {
            app.modifiers = m;
            Vec::new()
        }
        // A text field also takes the character of a shortcut (Ctrl+1):
        // with Ctrl or Alt held the text stays as it was.
        Message::RegisterQuery(_) | Message::CaseQuery(_)
            if app.modifiers.command() || app.modifiers.alt() =>
        {
            Vec::new()
        }
        Message::RegisterQuery(q) => {
            app.review.query = q;
            Vec::new()
        }
        Message::RegisterSearch => {
            if app.screen != Screen::Review {
                return Vec::new();
            }
            let q = app.review.query.trim().to_owned();
            let focus = Effect::Focus(super::effect::SEARCH_FIELD);
            if q.is_empty() {
                vec![focus]
            } else {
                vec![Effect::RegisterSearch(q), focus]
            }
        }
        Message::RegisterHits(result) => {
            match result {
                Ok(hits) => app.review.hits = hits,
                Err(e) => notify(app, e, true),
            }
            Vec::new()
        }
        Message::TakeHit(i) => {
            if let Some(hit) = app.review.hits.get(i) {
                app.review.manual_case = Some(hit.person.bg.clone());
            }
            Vec::new()
        }
        Message::ZoomIn => zoom(app, 1.25, None),
        Message::ZoomOut => zoom(app, 0.8, None),
        Message::ZoomAt(factor, at) => zoom(app, factor, Some(at)),
        Message::Fit => {
            app.document.view = View::default();
            Vec::new()
        }
        Message::Pan(by) => {
            app.document.view.offset += by;
            Vec::new()
        }
        Message::ToggleOverlay => {
            app.document.overlay = !app.document.overlay;
            Vec::new()
        }
        Message::CaseQuery(q) => {
            app.cases.query = q.clone();
            if q.trim().len() < 2 {
                app.cases.hits.clear();
                return Vec::new();
            }
            vec![Effect::CaseSearch(q.trim().to_owned())]
        }
        Message::CaseHits(result) => {
            match result {
                Ok(hits) => app.cases.hits = hits,
                Err(e) => notify(app, e, true),
            }
            Vec::new()
        }
        Message::OpenCase(bg) => vec![Effect::LoadCase(bg)],
        Message::CaseLoaded(result) => {
            match result {
                Ok(file) => app.cases.file = Some(*file),
                Err(e) => notify(app, e, true),
            }
            Vec::new()
        }
        Message::FileDropped(path) => vec![Effect::Drop(path)],
        Message::SyncNow => vec![Effect::SyncNow],
        Message::SyncRequested(result) => {
            match result {
                Ok(()) => notify(
                    app,
                    app.lang
                        .t(
                            "Übertragung angestoßen: die Station versucht das DMS jetzt",
                            "Transfer started: the station tries the DMS now",
                        )
                        .to_owned(),
                    false,
                ),
                Err(e) => notify(app, e, true),
            }
            vec![]
        }
        Message::Dropped(result) => {
            match result {
                Ok(name) => notify(
                    app,
                    format!(
                        "{} {name}",
                        app.lang
                            .t("In den Eingangsordner gelegt:", "Put into the hot folder:")
                    ),
                    false,
                ),
                Err(e) => notify(app, e, true),
            }
            Vec::new()
        }
        Message::ToggleTheme => {
            app.dark = !app.dark;
            Vec::new()
        }
        Message::ToggleLanguage => {
            app.lang = app.lang.toggled();
            Vec::new()
        }
        Message::DismissNotices => {
            app.notices.clear();
            Vec::new()
        }
        Message::Quit => vec![Effect::Exit],
    }
}

/// The window locks itself: the person's work stays (shown again after
/// their password), nothing of it is visible meanwhile.
fn lock(app: &mut App) -> Vec<Effect> {
    let Some(session) = app.session.take() else {
        return Vec::new();
    };
    app.login = super::state::Login {
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
        login: super::state::Login {
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

/// Messages while nobody is signed in.
fn signed_out(app: &mut App, message: Message) -> Vec<Effect> {
    let login = &mut app.login;
    match message {
        Message::LoginName(name) if !login.locked => {
            login.name = name;
            Vec::new()
        }
        Message::LoginPassword(password) => {
            login.password = password;
            Vec::new()
        }
        Message::LoginPassword2(password) => {
            login.password2 = password;
            Vec::new()
        }
        Message::LoginToken(token) => {
            login.token = token;
            Vec::new()
        }
        Message::LoginNext => vec![Effect::Focus(super::effect::LOGIN_PASSWORD)],
        Message::LoginSubmit if !login.busy => {
            let name = login.name.trim().to_owned();
            if name.is_empty() {
                return vec![Effect::Focus(super::effect::LOGIN_NAME)];
            }
            if login.no_accounts {
                let password = std::mem::take(&mut login.password);
                if password != std::mem::take(&mut login.password2) {
                    login.error = Some(
                        app.lang
                            .t(
                                "Die beiden Passwörter sind verschieden.",
                                "The two passwords differ.",
                            )
                            .into(),
                    );
                    return vec![Effect::Focus(super::effect::LOGIN_PASSWORD)];
                }
                login.busy = true;
                login.error = None;
                let token = login.needs_token.then(|| login.token.trim().to_owned());
                return vec![Effect::CreateAdmin(name, password, token)];
            }
            login.busy = true;
            login.error = None;
            vec![Effect::SignIn(name, std::mem::take(&mut login.password))]
        }
        Message::SignedIn(result) => {
            login.busy = false;
            match result {
                Ok(Some(session)) => {
                    app.session = Some(session);
                    app.login = super::state::Login {
                        hint: app.login.hint.take(),
                        ..Default::default()
                    };
                    app.refreshing = false;
                    update(app, Message::Tick)
                }
                // No account for the OS user: the person types theirs.
                Ok(None) if login.name.is_empty() => {
                    vec![Effect::Focus(super::effect::LOGIN_NAME)]
                }
                Ok(None) => vec![Effect::Focus(super::effect::LOGIN_PASSWORD)],
                Err(e) => {
                    login.error = Some(e);
                    vec![Effect::Focus(super::effect::LOGIN_PASSWORD)]
                }
            }
        }
        Message::SignOut => sign_out(app),
        Message::Key(key, modifiers) => match shortcut(app.screen, &key, modifiers) {
            Some(m @ (Message::Quit | Message::ToggleLanguage | Message::ToggleTheme)) => {
                update(app, m)
            }
            _ => Vec::new(),
        },
        Message::Quit => vec![Effect::Exit],
        Message::ToggleTheme => {
            app.dark = !app.dark;
            Vec::new()
        }
        Message::ToggleLanguage => {
            app.lang = app.lang.toggled();
            Vec::new()
        }
        Message::Loaded(_) => {
            app.refreshing = false;
            Vec::new()
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
        Screen::Review | Screen::Document => load_page(app),
        Screen::Cases => vec![Effect::Focus(super::effect::CASE_FIELD)],
        _ => Vec::new(),
    }
}

/// The inbox data arrived: keep it, turn new events into notifications,
/// ask for the thumbnails of the batches shown.
fn loaded(app: &mut App, mut overview: scanstelle::desk::Overview) -> Vec<Effect> {
    let first = !app.loaded;
    app.loaded = true;
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
                notify(app, e.detail.clone(), true);
            }
            _ => {}
        }
    }
    if !finished.is_empty() {
        let text = finished_notice(app, &finished);
        notify(app, text, false);
    }
    // Only the thumbnails near the inbox's choice and of the document
    // shown stay in memory (~0.4 MB each).
    let near = app.inbox_cursor.saturating_sub(THUMB_BATCHES / 2);
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
        .collect();
    let wanted: Vec<scanstelle::store::blob::Sha256Hex> = shown.into_iter().cloned().collect();
    app.thumbs.retain(|sha, _| wanted.contains(sha));
    let mut effects = load_thumbs(app, wanted);
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

/// Asks for the thumbnails not loaded or asked for yet.
fn load_thumbs(
    app: &mut App,
    shas: impl IntoIterator<Item = scanstelle::store::blob::Sha256Hex>,
) -> Vec<Effect> {
    shas.into_iter()
        .filter(|sha| !app.thumbs.contains_key(sha) && app.thumbs_pending.insert(sha.clone()))
        .map(Effect::LoadThumb)
        .collect()
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

/// A document arrived: it goes to the screen that shows documents of its
/// kind (review if it waits for a person and that screen asked).
fn document_loaded(app: &mut App, doc: scanstelle::desk::DocumentView) -> Vec<Effect> {
    if app.screen == Screen::Review {
        let decided_type = doc.doc_type.clone();
        app.review = super::state::Review {
            query: std::mem::take(&mut app.review.query),
            hits: std::mem::take(&mut app.review.hits),
            doc: Some(doc),
            case: 0,
            manual_case: None,
            doc_type: 0,
            page: 0,
            busy: false,
            pending: std::mem::take(&mut app.review.pending),
        };
        // The type decided so far is the one picked (a cover sheet's type,
        // say, need not be the text's best suggestion).
        app.review.doc_type = app
            .type_choices()
            .iter()
            .position(|c| Some(&c.0) == decided_type.as_ref())
            .unwrap_or(0);
    } else {
        // The same document again (decided anew, edited): the page stays.
        let same = app.document.doc.as_ref().is_some_and(|d| d.id == doc.id);
        let page = match app.document.focus.take() {
            Some(p) => p,
            None if same => app.document.page,
            None => 0,
        };
        app.document.page = page.min(doc.pages.len().saturating_sub(1));
        if !same {
            app.document.view = View::default();
        }
        let thumbs: Vec<_> = doc.pages.iter().filter_map(|p| p.thumb.clone()).collect();
        app.document.doc = Some(doc);
        let mut effects = load_thumbs(app, thumbs);
        effects.extend(load_page(app));
        return effects;
    }
    load_page(app)
}

/// The page shown on the current screen: blob and encoding.
fn current_page(app: &App) -> Option<(scanstelle::store::blob::Sha256Hex, String)> {
    let (doc, page) = match app.screen {
        Screen::Review => (app.review.doc.as_ref()?, app.review.page),
        _ => (app.document.doc.as_ref()?, app.document.page),
    };
    doc.pages
        .get(page)
        .map(|p| (p.sha.clone(), p.encoding.clone()))
}

/// Loads the page shown unless it is loaded already.
fn load_page(app: &mut App) -> Vec<Effect> {
    match current_page(app) {
        Some((sha, _)) if app.page.as_ref().is_some_and(|p| p.sha == sha) => Vec::new(),
        Some((sha, encoding)) => vec![Effect::LoadPage(sha, encoding)],
        None => Vec::new(),
    }
}

/// After a confirmation: the next document of the queue, or none.
fn next_in_queue(app: &mut App, confirmed: i64) -> Vec<Effect> {
    let next = app
        .overview
        .review
        .iter()
        .copied()
        .find(|&d| d > confirmed)
        .or_else(|| app.overview.review.first().copied());
    match next {
        Some(id) => vec![Effect::LoadDocument(id)],
        None => {
            app.review.doc = None;
            app.page = None;
            Vec::new()
        }
    }
}

/// Zooms the page view by `factor`, about `at` (view coordinates relative
/// to the view's centre) or the centre.
fn zoom(app: &mut App, factor: f32, at: Option<Point>) -> Vec<Effect> {
    let view = &mut app.document.view;
    let new = (view.zoom * factor).clamp(ZOOM.0, ZOOM.1);
    let f = new / view.zoom;
    if let Some(p) = at {
        // Keep the point under the cursor where it is.
        let at = Vector::new(p.x, p.y);
        view.offset = at + (view.offset - at) * f;
    } else {
        view.offset *= f;
    }
    view.zoom = new;
    Vec::new()
}

/// Adds a notification (the oldest goes when there are too many).
pub fn notify(app: &mut App, text: String, error: bool) {
    // The same problem again (a store that cannot be read, every refresh)
    // stays one notification.
    if app.notices.last().is_some_and(|n| n.text == text) {
        return;
    }
    if error {
        tracing::warn!("{text}");
    }
    app.notices.push(Notice {
        text,
        error,
        age: 0,
    });
    if app.notices.len() > NOTICES {
        app.notices.remove(0);
    }
}

/// The engine stopped: say so, keep the window usable.
pub fn engine_failed(app: &mut App, why: String) {
    notify(app, why.clone(), true);
    app.engine = Engine::Failed(why);
}
