//! The window driven as a person drives it, headless: keys through
//! [`keys::shortcut`], clicks through iced's simulator, effects run
//! against a real station (real OCR, real store). Snapshots are drawn with
//! the tiny-skia renderer and compared with `tests/snapshots/`.

use super::effect::Effect;
use super::i18n::Lang;
use super::message::{Message, Screen};
use super::screen::{cases, document, inbox, login, qa, review};
use super::state::{App, Engine};
use super::{keys, theme, update, view};
use iced::keyboard::key::Named;
use iced::keyboard::{Key, Modifiers};
use iced_test::simulator;
use scanstelle::config::Config;
use scanstelle::desk::Desk;
use scanstelle::intake::Outcome;
use scanstelle::station::Station;
use std::path::Path;
use std::sync::Mutex;

#[path = "../../tests/common/fixtures.rs"]
mod fixtures;

/// A station home with the demo register and two demo letters processed:
/// the sick note (waits for review: its BG-Nummer is in no case) and the
/// bank statement (attached automatically).
fn station(dir: &Path) -> Config {
    station_with(dir, &["arbeitsunfaehigkeit.tif", "kontoauszug.jpg"], (1, 1))
}

/// A station home with the demo register and these demo letters processed;
/// `decided`: documents attached automatically and waiting for review.
fn station_with(dir: &Path, files: &[&str], decided: (u64, u64)) -> Config {
    let config = fixtures::default_config(&dir.join("home"));
    take_demo(&config, dir, files);
    let s = fixtures::process(&config);
    assert_eq!((s.classified, s.review), decided, "{s:?}");
    config
}

/// Imports the demo register and takes these demo letters (copied to
/// `dir`) into the station, as its hot folder would, in the demo's order.
fn take_demo(config: &Config, dir: &Path, files: &[&str]) {
    let mut station = fixtures::station(&config.home);
    let in_order: Vec<&str> = scanstelle::demo::FILES
        .iter()
        .map(|f| f.name)
        .filter(|name| files.contains(name))
        .collect();
    for (name, outcome) in fixtures::take_demo(&mut station, config, dir, &in_order) {
        // Every letter is taken, the broken PDF quarantined.
        let broken = name == "abgebrochen.pdf";
        assert!(
            matches!(
                (&outcome, broken),
                (Outcome::Ingested(_), false) | (Outcome::Quarantined { .. }, true)
            ),
            "{name}: {outcome:?}"
        );
    }
}

/// Runs a message and every effect it causes, in line, as the window's
/// runtime would (focus and exit are the runtime's own).
fn send(app: &mut App, desk: &Mutex<Desk>, message: Message) {
    let mut queue = update::update(app, message);
    while !queue.is_empty() {
        let effect = queue.remove(0);
        if let Some(m) = effect.perform(desk) {
            queue.extend(update::update(app, m));
        }
    }
}

/// A key press, through the same mapping the window uses.
fn key(app: &mut App, desk: &Mutex<Desk>, key: Key, modifiers: Modifiers) {
    send(app, desk, Message::Key(key, modifiers));
}

/// A named key without modifiers.
fn press(app: &mut App, desk: &Mutex<Desk>, named: Named) {
    key(app, desk, Key::Named(named), Modifiers::empty());
}

fn char_key(c: &str) -> Key {
    Key::Character(c.into())
}

/// Case, status and state of a document as stored.
fn stored(config: &Config, id: i64) -> (Option<String>, String, String) {
    let store = fixtures::store(&config.home);
    let r = store
        .document_reports()
        .unwrap()
        .into_iter()
        .find(|d| d.document_id == id)
        .unwrap();
    (r.case, r.case_status, r.state)
}

/// The password of the fixture's accounts.
const PASSWORD: &str = "fenster-passwort-1";

/// Types a name and password into the login screen and presses Enter.
fn sign_in(app: &mut App, desk: &Mutex<Desk>, name: &str, password: &str) {
    send(app, desk, Message::Login(login::Message::Name(name.into())));
    send(app, desk, Message::Login(login::Message::Next));
    send(
        app,
        desk,
        Message::Login(login::Message::Password(password.into())),
    );
    send(app, desk, Message::Login(login::Message::Submit));
}

/// The fixture's accounts: the admin admin.kim and the operator erika.
fn accounts(config: &Config) {
    use scanstelle::protect::users::{Role, add_user};
    let store = fixtures::store(&config.home);
    if store.account("erika").unwrap().is_none() {
        add_user(&store, None, "admin.kim", Role::Admin, PASSWORD).unwrap();
        add_user(&store, Some("admin.kim"), "erika", Role::Scan, PASSWORD).unwrap();
    }
}

/// The window on the station, signed in as the scan operator erika.
fn open(config: &Config) -> (App, Mutex<Desk>) {
    accounts(config);
    let desk = config.open_desk().unwrap();
    let mut app = App::new(desk.types(), Engine::Running, Lang::De);
    app.home = "/station".into();
    let desk = Mutex::new(desk);
    send(&mut app, &desk, Message::Tick);
    assert!(!app.loaded, "nothing is read before someone signed in");
    sign_in(&mut app, &desk, "erika", PASSWORD);
    assert_eq!(app.session.as_ref().map(|s| s.user.as_str()), Some("erika"));
    (app, desk)
}

#[test]
fn a_document_is_reviewed_corrected_undone_and_redone_by_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let (mut app, desk) = open(&config);
    assert_eq!(app.overview.review.len(), 1, "one document waits");
    let id = app.overview.review[0];

    // Ctrl+2: the review screen shows the document, its candidate first.
    key(&mut app, &desk, char_key("2"), Modifiers::CTRL);
    assert_eq!(app.screen, Screen::Review);
    let doc = app.review.doc.clone().expect("document shown");
    assert_eq!(doc.id, id);
    assert_eq!(doc.candidates[0].candidate.bg, "12345BG0012346");
    assert!(
        doc.reasons
            .iter()
            .any(|r| r.contains("nicht im Fallbestand"))
    );
    assert_eq!(app.picked_type().as_deref(), Some("arbeitsunfaehigkeit"));
    assert!(app.page.is_some(), "the page image is loaded");
    // The number in no case, the cause of the review, is marked on the page.
    let doc = app.review.doc.as_ref().unwrap();
    assert!(
        doc.doubts
            .iter()
            .any(|d| d.text.contains("12345BG0012348") && d.bbox.is_some() && d.page == 1),
        "{:?}",
        doc.doubts
    );
    assert!(
        super::page_view::marks(std::iter::empty(), &doc.doubts, 0, None)
            .iter()
            .any(|m| m.doubt)
    );
    // Tab goes through what is uncertain: the unknown number (marked
    // stronger on the page), then the case; the type is certain, so it is
    // not visited. Shift+Tab goes back; past the last nothing is left in
    // the queue, so the focus ends.
    let items = review::uncertain(doc);
    assert_eq!(
        items,
        [review::Uncertain::Doubt(0), review::Uncertain::Case],
        "{:?}",
        doc.doubts
    );
    assert!(
        simulator(view::view(&app))
            .find("2 unsichere Stellen · Tab springt zur nächsten (Umschalt+Tab zurück)")
            .is_ok()
    );
    press(&mut app, &desk, Named::Tab);
    assert_eq!(app.review.focus, Some(0));
    assert!(
        simulator(view::view(&app))
            .find("▶ Stelle 1 von 2: unbekannte Nummer „12345 BG 0012348“ (Seite 1)")
            .is_ok()
    );
    let doc = app.review.doc.as_ref().unwrap();
    assert!(
        super::page_view::marks(std::iter::empty(), &doc.doubts, 0, Some(0))
            .iter()
            .any(|m| m.doubt && m.focused)
    );
    press(&mut app, &desk, Named::Tab);
    assert_eq!(app.review.focus, Some(1));
    assert!(simulator(view::view(&app)).find("▶ Akte").is_ok());
    draw(&app, "review-next-uncertain");
    key(&mut app, &desk, Key::Named(Named::Tab), Modifiers::SHIFT);
    assert_eq!(app.review.focus, Some(0));
    press(&mut app, &desk, Named::Tab);
    press(&mut app, &desk, Named::Tab);
    assert_eq!(app.review.focus, None, "nothing after the last");
    assert_eq!(app.review.doc.as_ref().map(|d| d.id), Some(id));

    // The page zooms with + − 0 and stays inside its frame at 400 %:
    // the panel beside it and the sidebar look as at 100 %.
    key(&mut app, &desk, char_key("+"), Modifiers::empty());
    key(&mut app, &desk, char_key("+"), Modifiers::empty());
    assert!((app.review.view.zoom - 1.5625).abs() < 1e-4);
    key(&mut app, &desk, char_key("0"), Modifiers::empty());
    assert_eq!(app.review.view.zoom, 1.0);
    page_stays_in_frame(
        &mut app,
        "review",
        |app| &mut app.review.view.zoom,
        &[
            ("the sidebar", |_, h| [0.0, 0.0, 220.0, h]),
            ("the panel", |w, h| [w - 440.0, 0.0, w, h]),
        ],
        // The whole page area: at 100 % it shows the page's edges.
        |w, h| [260.0, h * 0.2, w - 480.0, h * 0.8],
    );

    // A person knows better: "/" into the register search, a name, Enter
    // (in the field), "2" picks the first hit after the one candidate.
    key(&mut app, &desk, char_key("/"), Modifiers::empty());
    send(
        &mut app,
        &desk,
        Message::Review(review::Message::Query("Mustermann Erika".into())),
    );
    send(&mut app, &desk, Message::Review(review::Message::Search));
    assert_eq!(app.review.hits[0].person.bg, "12345BG0012345");
    // After a search the field lets go, so that the digits pick; `/`
    // goes back into it.
    assert!(
        update::update(&mut app, Message::Review(review::Message::Search))
            .contains(&Effect::Unfocus)
    );
    assert!(matches!(
        keys::shortcut(Screen::Review, &char_key("/"), Modifiers::empty()),
        Some(Message::Review(review::Message::FocusSearch))
    ));
    key(&mut app, &desk, char_key("2"), Modifiers::empty());
    assert_eq!(app.picked_case().as_deref(), Some("12345BG0012345"));

    // Enter accepts: released with that case; the queue is empty.
    press(&mut app, &desk, Named::Enter);
    assert_eq!(
        stored(&config, id),
        (
            Some("12345BG0012345".into()),
            "confirmed".into(),
            "released".into()
        )
    );
    assert!(app.review.doc.is_none());

    // Ctrl+Z: back in review with the matcher's proposal.
    key(&mut app, &desk, char_key("z"), Modifiers::CTRL);
    assert_eq!(
        stored(&config, id),
        (
            Some("12345BG0012346".into()),
            "review".into(),
            "review".into()
        )
    );
    assert_eq!(app.review.doc.as_ref().map(|d| d.id), Some(id));

    // Ctrl+Y: confirmed again as corrected.
    key(&mut app, &desk, char_key("y"), Modifiers::CTRL);
    assert_eq!(stored(&config, id).0.as_deref(), Some("12345BG0012345"));
    assert_eq!(stored(&config, id).2, "released");
}

#[test]
fn the_accept_button_and_the_candidates_answer_clicks() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let (mut app, desk) = open(&config);
    send(&mut app, &desk, Message::Show(Screen::Review));
    let mut ui = simulator(view::view(&app));
    ui.click("Alt+2").expect("second type suggestion");
    let msgs: Vec<Message> = ui.into_messages().collect();
    assert!(
        matches!(
            msgs.as_slice(),
            [Message::Review(review::Message::PickType(1))]
        ),
        "{msgs:?}"
    );
    // What Enter stores is said beside the button.
    let mut ui = simulator(view::view(&app));
    assert!(ui.find("Akte 12345BG0012346").is_ok());
    ui.click("Übernehmen (Enter)").expect("accept button");
    let msgs: Vec<Message> = ui.into_messages().collect();
    assert!(
        matches!(msgs.as_slice(), [Message::Review(review::Message::Accept)]),
        "{msgs:?}"
    );
}

#[test]
fn a_batch_opens_on_the_document_screen_with_zoom_and_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let (mut app, desk) = open(&config);
    assert_eq!(app.overview.batches.len(), 2);
    assert!(
        app.overview.batches.iter().all(|b| b.stage == Some(3)),
        "both batches classified"
    );
    // The newest batch (the sick note) is chosen; ↓ ↑ move, Enter opens.
    press(&mut app, &desk, Named::ArrowDown);
    assert_eq!(app.inbox.cursor, 1);
    press(&mut app, &desk, Named::ArrowDown);
    assert_eq!(app.inbox.cursor, 1, "stays on the last batch");
    press(&mut app, &desk, Named::ArrowUp);
    press(&mut app, &desk, Named::Enter);
    assert_eq!(app.screen, Screen::Document);
    let doc = app.document.doc.clone().expect("document");
    assert_eq!(doc.file_name, "arbeitsunfaehigkeit.tif");
    assert!(doc.pages[0].words.len() > 20, "OCR words for the overlay");
    let page = app.page.clone().expect("page image");
    assert!(page.reduced_by >= 1 && page.width > 500);
    key(&mut app, &desk, char_key("o"), Modifiers::empty());
    assert!(app.document.overlay);
    key(&mut app, &desk, char_key("+"), Modifiers::empty());
    key(&mut app, &desk, char_key("+"), Modifiers::empty());
    assert!((app.document.view.zoom - 1.5625).abs() < 1e-4);
    key(&mut app, &desk, char_key("0"), Modifiers::empty());
    assert_eq!(app.document.view.zoom, 1.0);
    // At 400 % the page stays inside its frame: the sidebar, the facts
    // beside the page and the status bar look as they do at 100 %.
    page_stays_in_frame(
        &mut app,
        "zoom",
        |app| &mut app.document.view.zoom,
        &[
            ("the sidebar", |_, h| [0.0, 0.0, 220.0, h]),
            ("the facts", |w, h| [w - 390.0, h * 0.25, w, h * 0.9]),
            ("the status bar", |w, h| [0.0, h - 18.0, w, h]),
        ],
        |w, h| [400.0, h * 0.3, w - 420.0, h * 0.7],
    );
    // Thumbnails of both batches and of the document's pages were asked
    // for and arrived; another refresh keeps exactly those.
    assert!(
        doc.pages
            .iter()
            .all(|p| app.thumbs.contains_key(p.thumb.as_ref().unwrap()))
    );
    assert!(app.thumbs.len() >= 2 && app.thumbs_pending.is_empty());
    send(&mut app, &desk, Message::Tick);
    assert_eq!(app.thumbs.len(), 2, "one page each, nothing else kept");
}

#[test]
fn shortcuts_depend_on_the_screen_and_text_fields_keep_theirs() {
    let enter = Key::Named(Named::Enter);
    assert!(matches!(
        keys::shortcut(Screen::Review, &enter, Modifiers::empty()),
        Some(Message::Review(review::Message::Accept))
    ));
    assert!(matches!(
        keys::shortcut(Screen::Inbox, &enter, Modifiers::empty()),
        Some(Message::Inbox(inbox::Message::Open))
    ));
    assert!(matches!(
        keys::shortcut(Screen::Review, &char_key("3"), Modifiers::ALT),
        Some(Message::Review(review::Message::PickType(2)))
    ));
    assert!(matches!(
        keys::shortcut(Screen::Cases, &char_key("6"), Modifiers::CTRL),
        Some(Message::Show(Screen::Settings))
    ));
    assert!(keys::shortcut(Screen::Cases, &char_key("3"), Modifiers::empty()).is_none());
    // Ctrl+1 typed into a field: the field's text stays.
    let mut app = App::new(Vec::new(), Engine::Service, Lang::De);
    app.session = Some(scanstelle::protect::users::Session {
        user: "erika".into(),
        role: scanstelle::protect::users::Role::Scan,
    });
    app.cases.query = "Muster".into();
    update::update(&mut app, Message::Modifiers(Modifiers::CTRL));
    assert!(
        update::update(
            &mut app,
            Message::Cases(cases::Message::Query("Muster1".into()))
        )
        .is_empty()
    );
    assert_eq!(app.cases.query, "Muster");
    update::update(&mut app, Message::Modifiers(Modifiers::empty()));
    assert_eq!(
        update::update(
            &mut app,
            Message::Cases(cases::Message::Query("Mustermann".into()))
        ),
        vec![Effect::CaseSearch("Mustermann".into())]
    );
}

/// Draws the window at 1366×768 with tiny-skia and compares it with
/// `tests/snapshots/NAME-tiny-skia.png` (written on the first run; delete
/// it to accept a new look after checking it).
fn assert_snapshot(app: &mut App, name: &str) {
    // A fixed pace: the real one is the test machine's.
    app.overview.throughput = scanstelle::desk::Throughput {
        per_minute: 12.5,
        backlog: 3,
        done_in_secs: Some(15),
    };
    let snapshot = render(app);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    assert!(
        snapshot.matches_image(&path).unwrap(),
        "{name} differs from tests/snapshots/{name}-tiny-skia.png (delete it to accept the new look)"
    );
}

/// The window at 1366×768, drawn with tiny-skia.
fn render(app: &App) -> simulator::Snapshot {
    render_at(app, (1366.0, 768.0))
}

/// The window at `size` with the window's font, laid out headless.
fn simulator_at(app: &App, size: (f32, f32)) -> iced_test::Simulator<'_, Message> {
    iced_test::Simulator::with_size(
        iced::Settings {
            fonts: vec![super::FONT.into()],
            default_font: iced::Font::with_name("DejaVu Sans"),
            ..iced::Settings::default()
        },
        size,
        view::view(app),
    )
}

/// The window at `size`, drawn with tiny-skia.
fn render_at(app: &App, size: (f32, f32)) -> simulator::Snapshot {
    simulator_at(app, size)
        .snapshot(&theme::theme(app.dark))
        .unwrap()
}

/// A region of the window (left, top, right, bottom in its pixels) for
/// a window of this width and height.
type Region = fn(f32, f32) -> [f32; 4];

/// Draws the window with the page fitted and at 400 % (`zoom` is the
/// screen's zoom), at 1366×768 and at 1920×1080, and checks that nothing
/// changes in the `untouched` regions while the `drawn` one does. The zoom
/// is fitted again after.
fn page_stays_in_frame(
    app: &mut App,
    name: &str,
    zoom: fn(&mut App) -> &mut f32,
    untouched: &[(&str, Region)],
    drawn: Region,
) {
    for size in [(1366.0, 768.0), (1920.0, 1080.0)] {
        app.width = size.0;
        let (fit, zoomed) = (
            format!("{name}-{}-100", size.0),
            format!("{name}-{}-400", size.0),
        );
        *zoom(app) = 1.0;
        draw_at(app, &fit, size);
        *zoom(app) = 4.0;
        draw_at(app, &zoomed, size);
        *zoom(app) = 1.0;
        let (fit, zoomed) = (screenshot(&fit), screenshot(&zoomed));
        // The pictures have the window's pixels times its scale factor.
        let scale = fit.width() as f32 / size.0;
        let region = |r: Region| r(size.0, size.1).map(|v| (v * scale) as u32);
        for (what, r) in untouched {
            assert_eq!(
                differ(&fit, &zoomed, region(*r)),
                0,
                "the page covers {what} at {size:?}"
            );
        }
        assert!(
            differ(&fit, &zoomed, region(drawn)) > 0,
            "not zoomed at {size:?}"
        );
    }
    app.width = 1366.0;
}

/// A picture drawn by [`draw`].
fn screenshot(name: &str) -> image::RgbaImage {
    image::open(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/screenshots")
            .join(format!("{name}-tiny-skia.png")),
    )
    .unwrap()
    .to_rgba8()
}

/// Pixels that differ between two pictures inside `[x0, y0, x1, y1)`.
fn differ(a: &image::RgbaImage, b: &image::RgbaImage, [x0, y0, x1, y1]: [u32; 4]) -> usize {
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| a.get_pixel(x, y) != b.get_pixel(x, y))
        .count()
}

/// Draws the window at 1366×768 into `target/screenshots/NAME-tiny-skia.png`
/// to look at (not compared).
fn draw(app: &App, name: &str) {
    draw_at(app, name, (1366.0, 768.0));
}

/// Like [`draw`], at `size`.
fn draw_at(app: &App, name: &str, size: (f32, f32)) {
    let snapshot = render_at(app, size);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let _ = std::fs::remove_file(dir.join(format!("{name}-tiny-skia.png")));
    assert!(snapshot.matches_image(dir.join(name)).unwrap());
}

#[test]
fn the_main_screens_match_their_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let (mut app, desk) = open(&config);
    send(&mut app, &desk, Message::Show(Screen::Review));
    assert_snapshot(&mut app, "review-light");
    app.dark = true;
    assert_snapshot(&mut app, "review-dark");
    app.dark = false;
    // The document screen with the OCR words and evidence drawn.
    let sick_note = app.overview.batches[0].id;
    send(
        &mut app,
        &desk,
        Message::Inbox(inbox::Message::OpenBatch(sick_note)),
    );
    send(
        &mut app,
        &desk,
        Message::Document(document::Message::ToggleOverlay),
    );
    assert_snapshot(&mut app, "document");
    // The machine's scanners do not change the picture: none found.
    app.scanners = Some(Vec::new());
    send(&mut app, &desk, Message::Show(Screen::Cases));
    send(
        &mut app,
        &desk,
        Message::Cases(cases::Message::Query("Muster".into())),
    );
    // ↓ chooses the second hit, Enter opens it (the field keeps typing).
    assert!(app.cases.hits.len() >= 2, "{:?}", app.cases.hits);
    press(&mut app, &desk, Named::ArrowDown);
    press(&mut app, &desk, Named::Enter);
    assert_eq!(
        app.cases.file.as_ref().map(|f| f.bg.clone()),
        Some(app.cases.hits[1].person.bg.clone())
    );
    send(
        &mut app,
        &desk,
        Message::Cases(cases::Message::Open("12345BG0012346".into())),
    );
    assert_snapshot(&mut app, "cases");
    // The inbox with fixed times (the real ones are the test's).
    for b in &mut app.overview.batches {
        b.received = "29.11. 09:30".into();
    }
    send(&mut app, &desk, Message::Show(Screen::Inbox));
    assert_snapshot(&mut app, "inbox");
}

/// Pages (1-based, in the file) of every document, by document id.
fn documents(config: &Config) -> Vec<(i64, Vec<i64>)> {
    let store = fixtures::store(&config.home);
    store
        .document_reports()
        .unwrap()
        .into_iter()
        .map(|d| (d.document_id, d.pages))
        .collect()
}

/// The engine's next pass: PDFs of edited documents, decisions.
fn engine_pass(config: &Config) {
    let mut p = scanstelle::pipeline::Processor::new(
        &config.home,
        &fixtures::keys(&config.home),
        config.profiles.clone(),
        1,
    )
    .unwrap()
    .with_classify(&config.classify)
    .unwrap();
    p.run_pending(&std::sync::atomic::AtomicBool::new(false))
        .unwrap();
}

/// Pages in the PDF the store holds for a document.
fn pdf_pages(config: &Config, id: i64) -> usize {
    let store = fixtures::store(&config.home);
    let sha = store.document_pdf(id).unwrap().expect("PDF written");
    let blobs = fixtures::blobs(&config.home);
    lopdf::Document::load_mem(&blobs.get(&sha).unwrap())
        .unwrap()
        .get_pages()
        .len()
}

#[test]
fn documents_are_split_merged_and_pages_moved_removed_by_keyboard_with_undo() {
    let dir = tempfile::tempdir().unwrap();
    let config = station_with(dir.path(), &["weiterbewilligungsantrag.tif"], (1, 0));
    let (mut app, desk) = open(&config);
    let none = Modifiers::empty();
    let [(d, pages)] = documents(&config).try_into().unwrap();
    assert_eq!(pages, [1, 2]);
    // Enter opens the batch; → to page 2; S splits before it.
    press(&mut app, &desk, Named::Enter);
    assert_eq!(app.document.doc.as_ref().map(|x| x.id), Some(d));
    press(&mut app, &desk, Named::ArrowRight);
    key(&mut app, &desk, char_key("s"), none);
    let after = documents(&config);
    let n = after[1].0;
    assert_eq!(after, [(d, vec![1]), (n, vec![2])]);
    assert_eq!(
        app.document.doc.as_ref().map(|x| x.id),
        Some(n),
        "the new one shown"
    );
    // The engine writes both PDFs anew and decides both again.
    engine_pass(&config);
    assert_eq!((pdf_pages(&config, d), pdf_pages(&config, n)), (1, 1));
    assert_eq!(stored(&config, d).0.as_deref(), Some("12345BG0012345"));
    assert_ne!(stored(&config, n).2, "open");

    // Ctrl+Z merges them back; Ctrl+Y splits again (a new document).
    key(&mut app, &desk, char_key("z"), Modifiers::CTRL);
    assert_eq!(documents(&config), [(d, vec![1, 2])]);
    key(&mut app, &desk, char_key("y"), Modifiers::CTRL);
    let again = documents(&config);
    assert_eq!(again.len(), 2);
    assert_eq!(again[0], (d, vec![1]));
    // M appends the shown (second) document to the first again.
    key(&mut app, &desk, char_key("m"), none);
    assert_eq!(documents(&config), [(d, vec![1, 2])]);

    // The page shown is the first one appended; Delete takes it out (it
    // stays in the store), Ctrl+Z puts it back.
    assert_eq!(app.document.page, 1);
    press(&mut app, &desk, Named::Delete);
    assert_eq!(documents(&config), [(d, vec![1])]);
    key(&mut app, &desk, char_key("z"), Modifiers::CTRL);
    assert_eq!(documents(&config), [(d, vec![1, 2])]);
    // Alt+← moves the page shown one place forward.
    assert_eq!(app.document.page, 1);
    key(
        &mut app,
        &desk,
        Key::Named(Named::ArrowLeft),
        Modifiers::ALT,
    );
    assert_eq!(documents(&config), [(d, vec![2, 1])]);
    assert_eq!(app.document.page, 0, "the moved page stays shown");
    engine_pass(&config);
    assert_eq!(pdf_pages(&config, d), 2);

    // R turns the page shown a quarter clockwise: recognised anew from the
    // turned image (the scan stays); Ctrl+Z turns it back.
    // Text and shape (landscape?) of the first page as the window sees it.
    let page = |desk: &Mutex<Desk>| {
        let desk = desk.lock().unwrap();
        let doc = desk.document(d).unwrap();
        let p = &doc.pages[0];
        let img = desk.page_image(&p.sha, &p.encoding, 500).unwrap();
        (
            scanstelle::classify::page_text(&p.words),
            img.width > img.height,
        )
    };
    let (text, landscape) = page(&desk);
    assert!(
        text.contains("Weiterbewilligungsantrag") && !landscape,
        "{text}"
    );
    key(&mut app, &desk, char_key("r"), none);
    assert_eq!(page(&desk), (String::new(), true), "turned, words gone");
    engine_pass(&config);
    assert!(!page(&desk).0.is_empty(), "recognised again");
    key(&mut app, &desk, char_key("z"), Modifiers::CTRL);
    // Undoing a quarter turn says so, not "turned by 270°".
    let notice = &app.notices.last().expect("a notice").text;
    assert!(
        notice.contains("zurückgenommen") && !notice.contains("270"),
        "{notice}"
    );
    engine_pass(&config);
    let (text, landscape) = page(&desk);
    assert!(
        text.contains("Weiterbewilligungsantrag") && !landscape,
        "{text}"
    );
    assert_eq!(stored(&config, d).0.as_deref(), Some("12345BG0012345"));
    let store = fixtures::store(&config.home);
    let turns: i64 = store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM page_transforms WHERE step = 'manual_rotation'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(turns, 2, "both turns recorded");
    // Not before the first page; and the only page of a document is not
    // removed: the refusals in words.
    key(&mut app, &desk, char_key("s"), none);
    assert!(
        app.notices
            .last()
            .is_some_and(|n| n.error && n.text.contains("vor Seite 2"))
    );
    press(&mut app, &desk, Named::ArrowRight);
    key(&mut app, &desk, char_key("s"), none);
    press(&mut app, &desk, Named::Delete);
    assert!(
        app.notices
            .iter()
            .any(|n| n.error && n.text.contains("einzige Seite")),
        "{:?}",
        app.notices
    );
}

/// A station with `n` single-page batches recorded (no images, no OCR):
/// enough rows to page through.
fn many_batches(dir: &Path, n: usize) -> Config {
    use scanstelle::intake::decode::{ColourMode, FileFormat, PageEncoding, PageOrigin};
    use scanstelle::store::blob::Sha256Hex;
    use scanstelle::store::{Grouping, NewPage, NewSource};
    let home = dir.join("home");
    let config = fixtures::default_config(&home);
    std::fs::create_dir_all(&home).unwrap();
    let mut store = fixtures::store(&home);
    for i in 0..n {
        let page = NewPage {
            sha: Sha256Hex::of(format!("page {i}").as_bytes()),
            width: 2480,
            height: 3508,
            dpi: Some((300.0, 300.0)),
            colour: ColourMode::Bilevel,
            encoding: PageEncoding::Png,
            origin: PageOrigin::Scanned,
            byte_size: 1000,
            text: None,
            words: Vec::new(),
            part: 0,
        };
        store
            .ingest_source(&NewSource {
                profile: "fujitsu-fi-g4",
                profile_sha: "",
                grouping: Grouping::PerFile,
                original_path: &home.join(format!("scan-{i:04}.tif")),
                sha: &Sha256Hex::of(format!("file {i}").as_bytes()),
                size: 1000,
                format: FileFormat::Tiff,
                pages: &[page],
            })
            .unwrap();
    }
    config
}

#[test]
fn the_inbox_shows_the_newest_batches_and_pages_on_to_older_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = many_batches(dir.path(), 230);
    let (mut app, desk) = open(&config);
    let o = &app.overview;
    assert_eq!((o.batches.len(), o.batch_count), (100, 230));
    assert_eq!(o.batches[0].file_name, "scan-0229.tif", "newest first");
    assert_eq!(o.batches[0].stage, Some(0), "eingelesen");
    // ↓ past the last batch shown brings the next hundred.
    for _ in 0..100 {
        press(&mut app, &desk, Named::ArrowDown);
    }
    assert_eq!(app.overview.batches.len(), 200);
    press(&mut app, &desk, Named::ArrowDown);
    assert_eq!(app.inbox.cursor, 100);
    assert_eq!(app.overview.batches[100].file_name, "scan-0129.tif");
}

#[test]
fn a_dropped_file_goes_into_the_hot_folder_and_a_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = many_batches(dir.path(), 1);
    let (mut app, desk) = open(&config);
    let file = dir.path().join("brief.pdf");
    std::fs::write(&file, b"%PDF-1.4 dropped").unwrap();
    send(&mut app, &desk, Message::FileDropped(file.clone()));
    let hot = config.profiles[0].hot_folder_path(&config.home);
    let names: Vec<String> = std::fs::read_dir(&hot)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["brief.pdf"], "no temporary file left");
    assert_eq!(
        std::fs::read(hot.join("brief.pdf")).unwrap(),
        b"%PDF-1.4 dropped"
    );
    assert!(file.exists(), "the original stays where it was");
    let last = app.notices.last().unwrap();
    assert!(!last.error && last.text.contains("brief.pdf"), "{last:?}");
    // The same name again does not overwrite the first.
    send(&mut app, &desk, Message::FileDropped(file));
    assert_eq!(std::fs::read_dir(&hot).unwrap().count(), 2);
    send(&mut app, &desk, Message::FileDropped(dir.path().to_owned()));
    let last = app.notices.last().unwrap();
    assert!(last.error && last.text.contains("keine Datei"), "{last:?}");
}

#[test]
fn finished_batches_and_problems_become_notifications() {
    let dir = tempfile::tempdir().unwrap();
    let config = many_batches(dir.path(), 0);
    let (mut app, desk) = open(&config);
    assert!(app.notices.is_empty(), "the first read notifies nothing");
    // The engine files the sick note and the bank statement meanwhile, and
    // quarantines a PDF cut off in transfer.
    take_demo(
        &config,
        dir.path(),
        &[
            "arbeitsunfaehigkeit.tif",
            "kontoauszug.jpg",
            "abgebrochen.pdf",
        ],
    );
    engine_pass(&config);
    send(&mut app, &desk, Message::Tick);
    let texts: Vec<&str> = app.notices.iter().map(|n| n.text.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("fertig zugeordnet (1 Dokument zur Prüfung)")),
        "{texts:?}"
    );
    assert_eq!(app.overview.quarantine.len(), 1);
    assert!(
        app.notices
            .iter()
            .any(|n| n.error && n.text.starts_with("abgebrochen.pdf: ")),
        "{texts:?}"
    );
    // Esc closes them.
    press(&mut app, &desk, Named::Escape);
    assert!(app.notices.is_empty());
    // The entry opens with what to do; erika (scan) cannot export it, an
    // administrator exports it decrypted, byte for byte.
    let entry = app.overview.quarantine[0].id;
    press_char(&mut app, &desk, "q");
    assert_eq!(app.inbox.quarantine_open, Some(entry), "Q opens the newest");
    assert!(
        simulator(view::view(&app))
            .find("Entschlüsselt exportieren")
            .is_err()
    );
    assert!(simulator(view::view(&app)).find("Die Datei ist verschlüsselt aufbewahrt. Bitte das Papier neu scannen. Ist die Ursache behoben (etwa am Scanner oder ein Grenzwert), „Erneut einlesen“ wählen.").is_ok());
    // What arrived of it is shown, leniently decoded: the page before the cut.
    match &app.inbox.preview {
        Some((id, Ok(p))) if *id == entry => {
            // Its page's content was cut off: the page is there, empty.
            assert_eq!((p.format, p.pages, p.blank), ("PDF", 1, true), "{p:?}");
        }
        other => panic!("no preview: {other:?}"),
    }
    assert!(
        simulator(view::view(&app))
            .find("PDF · die erste Seite ist leer: von ihrem Inhalt ist nichts angekommen")
            .is_ok()
    );
    draw(&app, "inbox-quarantine-open");
    // Read again while still cut off: refused now, with the reason, and
    // the entry stays.
    send(
        &mut app,
        &desk,
        Message::Inbox(inbox::Message::Requeue(entry)),
    );
    let last = app.notices.last().unwrap();
    assert!(
        last.error && last.text.contains("weiterhin nicht lesbar") && last.text.contains("%%EOF"),
        "{last:?}"
    );
    assert_eq!(app.overview.quarantine.len(), 1);
    let out = dir.path().join("export");
    app.inbox.quarantine_to = out.display().to_string();
    send(
        &mut app,
        &desk,
        Message::Inbox(inbox::Message::ExportQuarantine(entry)),
    );
    assert!(
        app.notices
            .last()
            .is_some_and(|n| n.error && n.text.contains("darf das nicht")),
        "{:?}",
        app.notices
    );
    send(&mut app, &desk, Message::SignOut);
    sign_in(&mut app, &desk, "admin.kim", PASSWORD);
    send(&mut app, &desk, Message::Show(Screen::Inbox));
    if app.inbox.quarantine_open != Some(entry) {
        send(
            &mut app,
            &desk,
            Message::Inbox(inbox::Message::OpenQuarantine(entry)),
        );
    }
    app.inbox.quarantine_to = out.display().to_string();
    assert!(
        simulator(view::view(&app))
            .find("Entschlüsselt exportieren")
            .is_ok()
    );
    send(
        &mut app,
        &desk,
        Message::Inbox(inbox::Message::ExportQuarantine(entry)),
    );
    let original = scanstelle::demo::FILES
        .iter()
        .find(|f| f.name == "abgebrochen.pdf")
        .unwrap();
    assert_eq!(
        std::fs::read(out.join("abgebrochen.pdf")).unwrap(),
        original.bytes
    );
    // A second export into the same folder is refused in words.
    send(
        &mut app,
        &desk,
        Message::Inbox(inbox::Message::ExportQuarantine(entry)),
    );
    assert!(
        app.notices
            .last()
            .is_some_and(|n| n.error && n.text.contains("gibt es schon")),
        "{:?}",
        app.notices
    );
}

#[test]
fn the_transfer_screen_shows_the_dms_and_a_purged_batch_stays_closed() {
    use scanstelle::store::OutboxState;
    use scanstelle::sync::{DemoDms, DmsSettings};
    let dir = tempfile::tempdir().unwrap();
    let mut config = station(dir.path());
    config.dms = DmsSettings {
        hold_secs: 0,
        retention_days: 0,
        backoff_secs: 3600,
        ..DmsSettings::default()
    };
    // The quality control has a test of its own; here batches just leave.
    config.qa = scanstelle::protect::qa::QaSettings::off();
    let (mut app, desk) = open(&config);
    assert!(app.overview.sync.last_contact_at.is_none());
    // The bank statement goes out, the demo DMS files it, the station
    // deletes its copies (retention 0).
    let syncer = config.syncer("scan01").unwrap();
    let mut store = fixtures::store(&config.home);
    let blobs = fixtures::blobs(&config.home);
    let stop = std::sync::atomic::AtomicBool::new(false);
    syncer.pass(&mut store, &blobs, &stop).unwrap();
    DemoDms::new(&config.home).run_once().unwrap();
    let s = syncer.pass(&mut store, &blobs, &stop).unwrap();
    assert_eq!((s.documents_imported, s.purged), (1, 1), "{s:?}");
    send(&mut app, &desk, Message::Tick);
    assert!(app.overview.sync.online());
    assert_eq!(app.overview.outbox[0].state, OutboxState::Purged);
    // The purged batch shows no thumbnails and does not open.
    let purged = app.overview.batches.iter().find(|b| b.purged).unwrap().id;
    assert!(
        app.overview
            .batches
            .iter()
            .any(|b| b.purged && b.thumbs.is_empty())
    );
    send(
        &mut app,
        &desk,
        Message::Inbox(inbox::Message::OpenBatch(purged)),
    );
    assert_eq!(app.screen, Screen::Inbox);
    // From the cases screen, too: a notice, not a missing page.
    let doc = desk.lock().unwrap().documents_of_batch(purged).unwrap()[0];
    send(&mut app, &desk, Message::OpenDocument(doc));
    assert!(
        app.notices
            .last()
            .unwrap()
            .text
            .contains("Aufbewahrungsfrist"),
        "{:?}",
        app.notices
    );
    assert!(
        app.notices
            .iter()
            .any(|n| n.text.contains("Stapel") && n.text.contains("Kopien")),
        "{:?}",
        app.notices
    );
    // The share goes away: offline in the status, with the reason; F5
    // drops the waiting time and wakes the sync.
    std::fs::remove_dir_all(config.home.join("dms/eingang")).unwrap();
    let id = store.outbox().unwrap()[0].id;
    store
        .outbox_failed(id, "Ablageordner nicht erreichbar", "2999-01-01T00:00:00Z")
        .unwrap();
    store
        .sync_contact(Err("Ablageordner nicht erreichbar"))
        .unwrap();
    send(&mut app, &desk, Message::Tick);
    assert!(!app.overview.sync.online());
    send(&mut app, &desk, Message::Show(Screen::Sync));
    {
        let mut ui = simulator(view::view(&app));
        assert!(ui.find("Ablageordner nicht erreichbar").is_ok());
        assert!(ui.find("Jetzt übertragen (F5)").is_ok());
    }
    press(&mut app, &desk, Named::F5);
    assert!(store.take_sync_wake().unwrap(), "F5 wakes the sync");
}

#[test]
fn the_window_shows_nothing_before_a_login_and_locks_itself_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    accounts(&config);
    let desk = Mutex::new(config.open_desk().unwrap());
    let mut app = App::new(Vec::new(), Engine::Running, Lang::De);

    // Signed out, keys do nothing and nothing is read.
    key(&mut app, &desk, char_key("2"), Modifiers::CTRL);
    send(&mut app, &desk, Message::Tick);
    assert!(app.session.is_none() && !app.loaded);
    assert_eq!(app.screen, Screen::Inbox);
    let ui = simulator(view::view(&app)).find("Anmelden").is_ok();
    assert!(ui, "the login screen is shown");

    // A wrong password is refused in words (not saying which was wrong).
    sign_in(&mut app, &desk, "erika", "falsch-falsch");
    assert!(app.session.is_none());
    let error = app.login.error.clone().unwrap();
    assert!(error.contains("Name oder Passwort falsch"), "{error}");
    assert!(app.login.password.is_empty(), "the password is not kept");

    sign_in(&mut app, &desk, "erika", PASSWORD);
    assert!(app.loaded, "signed in, the inbox is read");
    key(&mut app, &desk, char_key("2"), Modifiers::CTRL);
    assert_eq!(app.screen, Screen::Review);
    let doc = app.review.doc.as_ref().map(|d| d.id).unwrap();

    // Idle longer than allowed: the next tick locks the window, the work
    // stays but nothing of it is drawn; only erika's password unlocks.
    app.idle_lock = std::time::Duration::from_secs(60);
    app.last_input = std::time::Instant::now() - std::time::Duration::from_secs(61);
    send(&mut app, &desk, Message::Tick);
    assert!(app.session.is_none() && app.login.locked);
    assert!(simulator(view::view(&app)).find("Gesperrt").is_ok());
    assert!(
        simulator(view::view(&app)).find("Prüfen").is_err(),
        "no screen behind the lock"
    );
    send(
        &mut app,
        &desk,
        Message::Login(login::Message::Name("admin.kim".into())),
    );
    assert_eq!(app.login.name, "erika", "the name is fixed while locked");
    send(
        &mut app,
        &desk,
        Message::Login(login::Message::Password(PASSWORD.into())),
    );
    send(&mut app, &desk, Message::Login(login::Message::Submit));
    assert_eq!(app.screen, Screen::Review);
    assert_eq!(app.review.doc.as_ref().map(|d| d.id), Some(doc));

    // Signing out drops the person's work; the next person starts afresh.
    send(&mut app, &desk, Message::SignOut);
    assert!(app.session.is_none() && app.review.doc.is_none() && app.undo.is_empty());
    sign_in(&mut app, &desk, "admin.kim", PASSWORD);
    assert_eq!(
        app.session.as_ref().map(|s| s.role),
        Some(scanstelle::protect::users::Role::Admin)
    );

    // Each step is in the audit chain, under the person's name.
    let store = fixtures::store(&config.home);
    let events: Vec<(String, Option<String>)> = store
        .connection()
        .prepare(
            "SELECT kind, actor FROM events WHERE kind IN
             ('login.ok', 'login.failed', 'session.locked', 'logout', 'document.viewed')
             ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    let first = |k: &str| kinds.iter().position(|x| *x == k).unwrap();
    assert!(first("login.failed") < first("login.ok"), "{kinds:?}");
    assert!(first("session.locked") < first("logout"), "{kinds:?}");
    assert!(
        events
            .iter()
            .filter(|e| e.0 == "document.viewed" || e.0 == "session.locked")
            .all(|e| e.1.as_deref() == Some("erika")),
        "{events:?}"
    );
}

#[test]
fn the_quality_screen_checks_a_sample_and_releases_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let (mut app, desk) = open(&config);
    // Ctrl+7: the bank statement's batch waits (its page is flagged).
    key(&mut app, &desk, char_key("7"), Modifiers::CTRL);
    assert_eq!(app.screen, Screen::Qa);
    assert_eq!(app.overview.qa.len(), 1, "{:?}", app.overview.qa);
    let batch = app.overview.qa[0].clone();
    let doc = batch.items[0].document_id;
    // The sampled document's first page is shown beside it (loaded).
    let first = batch.items[0]
        .thumb
        .clone()
        .expect("thumbnail of the sample");
    assert!(app.thumbs.contains_key(&first));
    // In the inbox its card says it waits for the release, not only
    // "zugeordnet"; the transfer screen says what it waits for.
    send(&mut app, &desk, Message::Show(Screen::Inbox));
    assert!(
        simulator(view::view(&app))
            .find("wartet auf Freigabe (Qualität, Strg+7)")
            .is_ok()
    );
    // In English the stage labels are English too.
    send(&mut app, &desk, Message::ToggleLanguage);
    assert!(simulator(view::view(&app)).find("recognised").is_ok());
    assert!(simulator(view::view(&app)).find("erkannt").is_err());
    // The warnings too (the bank statement's page is flagged).
    assert!(
        simulator(view::view(&app))
            .find("⚠ resolution too low")
            .is_ok()
    );
    assert!(
        simulator(view::view(&app))
            .find("⚠ Auflösung zu gering")
            .is_err()
    );
    // And the reasons of the review.
    send(&mut app, &desk, Message::Show(Screen::Review));
    assert!(
        simulator(view::view(&app))
            .find(
                "• BG number 12345BG0012348 on page 1 not in the register (similar: 12345BG0012345)"
            )
            .is_ok()
    );
    send(&mut app, &desk, Message::ToggleLanguage);
    send(&mut app, &desk, Message::Show(Screen::Sync));
    assert!(
        simulator(view::view(&app))
            .find("Noch keine Nachricht an das DMS: zugeordnete Stapel werden verpackt und gesendet, sobald die Qualitätskontrolle sie freigegeben hat (Strg+7).")
            .is_ok()
    );
    key(&mut app, &desk, char_key("7"), Modifiers::CTRL);
    // erika (scan) sees it but may not check or release.
    let ui = simulator(view::view(&app)).find("Stimmt überein").is_err();
    assert!(ui, "no check buttons for the scan role");
    send(&mut app, &desk, Message::Qa(qa::Message::Check(doc)));
    assert!(
        app.notices
            .last()
            .is_some_and(|n| n.error && n.text.contains("darf das nicht")),
        "{:?}",
        app.notices
    );
    // admin.kim clicks "Stimmt überein", then "Freigeben".
    send(&mut app, &desk, Message::SignOut);
    sign_in(&mut app, &desk, "admin.kim", PASSWORD);
    key(&mut app, &desk, char_key("7"), Modifiers::CTRL);
    // A sampled document opens large, and Backspace leads back.
    send(&mut app, &desk, Message::OpenDocument(doc));
    assert_eq!(app.screen, Screen::Document);
    assert!(
        simulator(view::view(&app))
            .find("← Qualität (Rücktaste)")
            .is_ok()
    );
    press(&mut app, &desk, Named::Backspace);
    assert_eq!(app.screen, Screen::Qa);
    let mut ui = simulator(view::view(&app));
    ui.click("Stimmt überein").unwrap();
    for m in ui.into_messages() {
        send(&mut app, &desk, m);
    }
    assert_eq!(app.overview.qa[0].items[0].result.as_deref(), Some("ok"));
    let mut ui = simulator(view::view(&app));
    ui.click("Freigeben").unwrap();
    for m in ui.into_messages() {
        send(&mut app, &desk, m);
    }
    assert!(app.overview.qa.is_empty(), "{:?}", app.overview.qa);
    // A second click right after (the list moved up under the mouse)
    // releases nothing, and says so.
    assert!(update::update(&mut app, Message::Qa(qa::Message::Release(batch.batch_id))).is_empty());
    assert!(
        app.notices
            .last()
            .is_some_and(|n| n.error && n.text.contains("Doppelklick")),
        "{:?}",
        app.notices
    );
    send(&mut app, &desk, Message::Show(Screen::Inbox));
    assert!(
        simulator(view::view(&app))
            .find("wartet auf Freigabe (Qualität, Strg+7)")
            .is_err(),
        "released: no longer waiting"
    );
    let store = fixtures::store(&config.home);
    let released: Option<String> = store
        .connection()
        .query_row(
            "SELECT released_by FROM batches WHERE id = ?1",
            [batch.batch_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(released.as_deref(), Some("admin.kim"));
}

#[test]
fn the_first_start_makes_the_first_admin_with_the_one_time_token() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    // A headless start left a one-time token (no account exists yet).
    let token_file = {
        let store = fixtures::store(&config.home);
        scanstelle::protect::users::first_start_token(&store, &config.home)
            .unwrap()
            .unwrap()
    };
    let desk = Mutex::new(config.open_desk().unwrap());
    let mut app = App::new(Vec::new(), Engine::Running, Lang::De);
    app.login.no_accounts = !desk.lock().unwrap().has_accounts();
    app.login.needs_token = desk.lock().unwrap().needs_first_start_token();
    assert!(app.login.no_accounts && app.login.needs_token);
    assert!(
        simulator(view::view(&app))
            .find("Ersteinrichtung: ersten Administrator anlegen")
            .is_ok()
    );
    let fill = |app: &mut App, again: &str, token: &str| {
        send(
            app,
            &desk,
            Message::Login(login::Message::Name("kim".into())),
        );
        send(
            app,
            &desk,
            Message::Login(login::Message::Password(PASSWORD.into())),
        );
        send(
            app,
            &desk,
            Message::Login(login::Message::Password2(again.into())),
        );
        send(
            app,
            &desk,
            Message::Login(login::Message::Token(token.into())),
        );
        send(app, &desk, Message::Login(login::Message::Submit));
    };
    fill(&mut app, "anderes-passwort", "x");
    assert!(
        app.login
            .error
            .as_deref()
            .is_some_and(|e| e.contains("verschieden"))
    );
    fill(&mut app, PASSWORD, "falsches-token");
    assert!(app.session.is_none());
    assert!(
        app.login
            .error
            .as_deref()
            .is_some_and(|e| e.contains("Einmal-Token")),
        "{:?}",
        app.login.error
    );
    let token = std::fs::read_to_string(&token_file).unwrap();
    fill(&mut app, PASSWORD, token.trim());
    assert_eq!(
        app.session.as_ref().map(|s| (s.user.as_str(), s.role)),
        Some(("kim", scanstelle::protect::users::Role::Admin))
    );
    assert!(!token_file.exists(), "the token is used up");
    assert!(app.loaded);
}

#[test]
fn f9_on_a_case_scans_at_the_desk_into_it() {
    let present = std::process::Command::new("scanimage")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        present || std::env::var_os("CI").is_none(),
        "scanimage fehlt (installer/setup.sh installiert sane-utils)"
    );
    if !present {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = station(dir.path());
    config.scanner.device = Some("test".into());
    let (mut app, desk) = open(&config);
    app.scanner = desk.lock().unwrap().scanner().map(str::to_owned);
    key(&mut app, &desk, char_key("4"), Modifiers::CTRL);
    send(
        &mut app,
        &desk,
        Message::Cases(cases::Message::Open("12345BG0012345".into())),
    );
    assert!(
        simulator(view::view(&app))
            .find("Scannen in diese Akte (F9)")
            .is_ok()
    );
    // SANE's test backend (sane-backends 1.2.1) hangs by itself now and then
    // after the first sheet, also with scanimage alone; the window then says
    // so after the profile's page timeout. Such a try starts again with an
    // empty hot folder, at most five times.
    let folder = config.home.join("hotfolders/sane-test");
    for _ in 0..5 {
        let _ = std::fs::remove_dir_all(&folder);
        press(&mut app, &desk, Named::F9);
        let stalled = app
            .cases
            .scan_error
            .as_ref()
            .is_some_and(|e| e.contains("antwortet nicht mehr"));
        if !stalled {
            break;
        }
    }
    assert!(!app.scanning);
    // Each page was counted as it came (the button's live count), and the
    // last is shown small beside the button.
    assert_eq!(app.scanned.get(), 10);
    let thumb = app.scanned.0.last().expect("thumbnail of the last page");
    assert_eq!(thumb.width, 150);
    assert!(thumb.height > 150, "{}×{}", thumb.width, thumb.height);
    assert!(app.scanned.thumbnail().is_some());
    // Drawn for a person to look at (target/screenshots), light and dark.
    draw_at(&app, "cases-desk-scan-1366", (1366.0, 768.0));
    app.dark = true;
    app.width = 1920.0;
    draw_at(&app, "cases-desk-scan-1920-dark", (1920.0, 1080.0));
    app.dark = false;
    app.width = 1366.0;
    let said = app
        .notices
        .last()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(said.starts_with("10 Seite(n) gescannt"), "{said}");
    // A cover sheet for the case, then the ten pages, in the hot folder.
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 11, "{files:?}");
    assert!(files[0].ends_with("-0000-deckblatt.pdf"), "{files:?}");
}

#[test]
fn the_desk_scanner_is_chosen_from_those_found_and_counts_its_pages() {
    use scanstelle::intake::scan::Device;
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let (mut app, desk) = open(&config);
    // No scanner set up: the cases screen looks for them.
    let effects = update::update(&mut app, Message::Show(Screen::Cases));
    assert!(effects.contains(&Effect::ListScanners), "{effects:?}");
    send(
        &mut app,
        &desk,
        Message::Cases(cases::Message::Open("12345BG0012345".into())),
    );
    let found = |names: &[&str]| {
        Message::Cases(cases::Message::Scanners(Ok(names
            .iter()
            .map(|n| Device {
                name: (*n).into(),
                description: format!("Scanner {n}"),
            })
            .collect())))
    };
    // None found: said, with a way to look again; F9 does nothing.
    send(&mut app, &desk, found(&[]));
    assert!(
        simulator(view::view(&app))
            .find("Kein Arbeitsplatzscanner gefunden")
            .is_ok()
    );
    assert!(
        update::update(
            &mut app,
            Message::Key(Key::Named(Named::F9), Modifiers::empty())
        )
        .is_empty()
    );
    // One found: it is the one.
    send(&mut app, &desk, found(&["fujitsu:fi-7160:1"]));
    assert_eq!(app.scanner.as_deref(), Some("fujitsu:fi-7160:1"));
    assert!(
        simulator(view::view(&app))
            .find("Scanner fujitsu:fi-7160:1 (fujitsu:fi-7160:1)")
            .is_ok()
    );
    // Two: the person picks one; F9 scans with it.
    send(
        &mut app,
        &desk,
        found(&["fujitsu:fi-7160:1", "epson2:net:10.0.0.7"]),
    );
    send(
        &mut app,
        &desk,
        Message::Cases(cases::Message::PickScanner("epson2:net:10.0.0.7".into())),
    );
    // Remembered for this workplace: the next window starts with it.
    assert_eq!(
        desk.lock().unwrap().remembered_scanner().as_deref(),
        Some("epson2:net:10.0.0.7")
    );
    let effects = update::update(
        &mut app,
        Message::Key(Key::Named(Named::F9), Modifiers::empty()),
    );
    assert!(
        matches!(effects.as_slice(), [Effect::ScanIntoCase(bg, Some(d), _)] if bg == "12345BG0012345" && d == "epson2:net:10.0.0.7"),
        "{effects:?}"
    );
    // While it runs the button counts the pages delivered.
    for _ in 0..3 {
        app.scanned.0.page_arrived(Path::new("/keine/seite.tif"));
    }
    assert!(
        simulator(view::view(&app))
            .find("Scanne … Seiten bisher: 3")
            .is_ok()
    );
    // Why it stopped is said beside the button, not only in a notice.
    send(
        &mut app,
        &desk,
        Message::Cases(cases::Message::Scanned(Err(
            "Papierstau im Einzug; 3 Seite(n) davor sind übernommen".into(),
        ))),
    );
    assert!(!app.scanning);
    assert!(
        simulator(view::view(&app))
            .find("Papierstau im Einzug; 3 Seite(n) davor sind übernommen")
            .is_ok()
    );
}

#[test]
fn a_failed_page_is_named_on_its_batch_and_e_tries_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let config = fixtures::default_config(&home);
    take_demo(&config, dir.path(), &["arbeitsunfaehigkeit.tif"]);
    // The page's stored image is damaged before preparation.
    let keys = scanstelle::protect::crypto::Keys::for_home(&home).unwrap();
    let station = Station::open(&home, &keys).unwrap();
    let page = station
        .store
        .pages_in_state(1, scanstelle::store::PageState::Ingested)
        .unwrap();
    let blob = station.blobs.path_of(&page[0].sha);
    let good = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, b"kaputt").unwrap();
    engine_pass(&config);

    let (mut app, desk) = open(&config);
    let b = &app.overview.batches[0];
    assert_eq!(b.failures.len(), 1, "{b:?}");
    assert!(b.failures[0].starts_with("Seite 1: "), "{:?}", b.failures);
    assert_eq!(b.review, 1, "its document waits in review");
    for dark in [false, true] {
        app.dark = dark;
        draw(
            &app,
            if dark {
                "inbox-failed-dark"
            } else {
                "inbox-failed"
            },
        );
    }
    app.dark = false;
    // E on the chosen batch puts the page back in line; mended, the next
    // pass reads it and the card is clean.
    std::fs::write(&blob, good).unwrap();
    key(&mut app, &desk, char_key("e"), Modifiers::empty());
    assert!(
        app.notices
            .iter()
            .any(|n| !n.error && n.text.contains("1 Seite(n) werden erneut verarbeitet")),
        "{:?}",
        app.notices.iter().map(|n| &n.text).collect::<Vec<_>>()
    );
    engine_pass(&config);
    send(&mut app, &desk, Message::Tick);
    let b = &app.overview.batches[0];
    assert!(b.failures.is_empty(), "{:?}", b.failures);
    assert_eq!(station.store.failed_pages(None).unwrap(), Vec::new());
}

#[test]
fn only_the_three_newest_notices_are_shown_and_the_rest_counted() {
    let mut app = App::new(Vec::new(), Engine::Running, Lang::De);
    app.session = Some(scanstelle::protect::users::Session {
        user: "erika".into(),
        role: scanstelle::protect::users::Role::Scan,
    });
    // Four are kept at most; three shown.
    for i in 1..=5 {
        app.notify(format!("Meldung {i}"), false);
    }
    let mut ui = simulator(view::view(&app));
    assert!(ui.find("+1 ältere Meldung").is_ok());
    assert!(ui.find("Meldung 5").is_ok() && ui.find("Meldung 3").is_ok());
    assert!(ui.find("Meldung 2").is_err());
}

#[test]
fn the_inbox_filters_batches_and_releases_the_marked_ones() {
    use scanstelle::store::BatchGroup;
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let (mut app, desk) = open(&config);
    let ids = |app: &App| {
        app.overview
            .batches
            .iter()
            .map(|b| b.id)
            .collect::<Vec<_>>()
    };
    // Batch 2 (sick note) has a document to review; batch 1 (bank
    // statement) is decided and waits for its release.
    assert_eq!(ids(&app), [2, 1]);
    // P: only batches with something to review, said in the summary.
    press_char(&mut app, &desk, "p");
    assert_eq!(ids(&app), [2]);
    assert!(simulator(view::view(&app)).find("Alle zeigen").is_ok());
    assert!(app.overview.batch_matches == 1);
    press_char(&mut app, &desk, "p");
    assert_eq!(ids(&app), [2, 1]);
    for (group, want) in [
        (BatchGroup::Release, vec![1]),
        (BatchGroup::Review, vec![2]),
        (BatchGroup::InWork, vec![]),
        (BatchGroup::Failed, vec![]),
        (BatchGroup::Transferred, vec![]),
    ] {
        send(
            &mut app,
            &desk,
            Message::Inbox(inbox::Message::Group(Some(group))),
        );
        assert_eq!(ids(&app), want, "{group:?}");
    }
    assert!(
        simulator(view::view(&app))
            .find("Kein Stapel passt zum Filter.")
            .is_ok()
    );
    send(&mut app, &desk, Message::Inbox(inbox::Message::ClearFilter));
    // By profile and by day (both came in today, with the demo's profile).
    assert_eq!(app.overview.profiles, ["desk-mfp-pdf"]);
    send(
        &mut app,
        &desk,
        Message::Inbox(inbox::Message::Profile(Some("fujitsu-fi-g4".into()))),
    );
    assert_eq!(ids(&app), Vec::<i64>::new());
    send(
        &mut app,
        &desk,
        Message::Inbox(inbox::Message::Profile(Some("desk-mfp-pdf".into()))),
    );
    assert_eq!(ids(&app), [2, 1]);
    for (day, want) in [
        (inbox::Day::Yesterday, vec![]),
        (inbox::Day::Today, vec![2, 1]),
        (inbox::Day::Week, vec![2, 1]),
    ] {
        send(&mut app, &desk, Message::Inbox(inbox::Message::Day(day)));
        assert_eq!(ids(&app), want, "{day:?}");
    }
    send(&mut app, &desk, Message::Inbox(inbox::Message::ClearFilter));
    assert!(app.inbox.filter.is_all());
    // Marking for release: admin.kim checks the sample, marks batch 1 with
    // Space (batch 2 does not wait: Space there marks nothing), F releases.
    send(&mut app, &desk, Message::SignOut);
    sign_in(&mut app, &desk, "admin.kim", PASSWORD);
    let sample = app.overview.qa[0].items[0].document_id;
    send(&mut app, &desk, Message::Qa(qa::Message::Check(sample)));
    send(&mut app, &desk, Message::Show(Screen::Inbox));
    assert!(
        simulator(view::view(&app))
            .find("Leertaste markiert zum Freigeben")
            .is_ok()
    );
    press(&mut app, &desk, Named::Space);
    assert!(app.inbox.selected.is_empty(), "batch 2 does not wait");
    press(&mut app, &desk, Named::ArrowDown);
    press(&mut app, &desk, Named::Space);
    assert_eq!(app.inbox.selected.iter().copied().collect::<Vec<_>>(), [1]);
    assert!(
        simulator(view::view(&app))
            .find("Ausgewählte freigeben (1) (F)")
            .is_ok()
    );
    // Space again unmarks; the checkbox on the card marks it again.
    press(&mut app, &desk, Named::Space);
    assert!(app.inbox.selected.is_empty());
    let mut ui = simulator(view::view(&app));
    ui.click("zum Freigeben (Leertaste)").unwrap();
    for m in ui.into_messages() {
        send(&mut app, &desk, m);
    }
    assert!(app.inbox.selected.contains(&1));
    draw(&app, "inbox-filter-marked");
    press_char(&mut app, &desk, "f");
    assert!(app.inbox.selected.is_empty());
    assert!(app.overview.qa.is_empty(), "{:?}", app.overview.qa);
    let released: Vec<(i64, Option<String>)> = {
        let store = fixtures::store(&config.home);
        let mut stmt = store
            .connection()
            .prepare("SELECT id, released_by FROM batches ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(released, [(1, Some("admin.kim".into())), (2, None)]);
}

#[test]
fn ctrl_plus_and_minus_zoom_the_whole_window() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let (mut app, desk) = open(&config);
    for (key, want) in [
        ("+", 1.1),
        ("=", 1.25),
        ("+", 1.5),
        ("0", 1.0),
        ("-", 0.9),
        ("-", 0.8),
        ("-", 0.8),
    ] {
        send(
            &mut app,
            &desk,
            Message::Key(char_key(key), Modifiers::CTRL),
        );
        assert!(
            (app.scale - want).abs() < 1e-6,
            "{key}: {} != {want}",
            app.scale
        );
    }
    assert!(
        simulator(view::view(&app))
            .find("Ansicht 80\u{a0}% (Strg ±)")
            .is_ok()
    );
    // Without Ctrl, + and − zoom the page, not the window.
    send(&mut app, &desk, Message::Show(Screen::Review));
    press_char(&mut app, &desk, "+");
    assert!((app.scale - 0.8).abs() < 1e-6);
    assert!(app.review.view.zoom > 1.0);
}

fn press_char(app: &mut App, desk: &Mutex<Desk>, c: &str) {
    key(app, desk, char_key(c), Modifiers::default());
}

/// Every text widget of the window as laid out at 1366×768: its content
/// and bounds (found by a selector that takes none, so it sees them all).
fn laid_out_texts(app: &App) -> Vec<(String, iced::Rectangle)> {
    // The window's 1366×768 at its zoom (at 125 % the content has 1093×614).
    let size = (1366.0 / app.scale, 768.0 / app.scale);
    use iced_test::selector::{Candidate, Selector};
    use std::sync::{Arc, Mutex as StdMutex};
    struct All(Arc<StdMutex<Vec<(String, iced::Rectangle)>>>);
    impl Selector for All {
        type Output = ();
        fn select(&mut self, candidate: Candidate<'_>) -> Option<()> {
            if let Candidate::Text {
                content, bounds, ..
            } = candidate
            {
                self.0.lock().unwrap().push((content.to_owned(), bounds));
            }
            None
        }
        fn description(&self) -> String {
            "alle Texte".into()
        }
    }
    let found = Arc::new(StdMutex::new(Vec::new()));
    let _ = simulator_at(app, size).find(All(found.clone()));
    std::mem::take(&mut *found.lock().unwrap())
}

/// The labels of the window that do not fit their widget: wrapped onto a
/// second line or wider than their bounds. A label is a text of at most
/// 60 characters on one line (sentences may wrap); the window's sizes are
/// 11–24 px at the default line height (1.3), so one line is at most 32 px
/// high and its size is its height / 1.3.
fn labels_that_do_not_fit(app: &App) -> Vec<String> {
    use iced::advanced::text::Paragraph as _;
    type Paragraph = <iced::Renderer as iced::advanced::text::Renderer>::Paragraph;
    let mut bad = Vec::new();
    for (content, b) in laid_out_texts(app) {
        if content.chars().count() > 60 || content.contains('\n') || content.trim().is_empty() {
            continue;
        }
        if b.height > 32.0 {
            bad.push(format!("umbrochen ({:.0} px hoch): {content:?}", b.height));
            continue;
        }
        let size = b.height / 1.3;
        let natural = Paragraph::with_text(iced::advanced::Text {
            content: content.as_str(),
            bounds: iced::Size::INFINITE,
            size: size.into(),
            line_height: iced::widget::text::LineHeight::default(),
            font: iced::Font::with_name("DejaVu Sans"),
            align_x: iced::widget::text::Alignment::Default,
            align_y: iced::alignment::Vertical::Top,
            shaping: iced::widget::text::Shaping::Advanced,
            wrapping: iced::widget::text::Wrapping::None,
        })
        .min_width();
        if natural > b.width + 1.0 {
            bad.push(format!(
                "abgeschnitten ({natural:.0} px in {:.0} px): {content:?}",
                b.width
            ));
        }
    }
    bad
}

#[test]
fn no_label_is_cut_or_wrapped_at_1366_in_german_or_english_or_zoomed() {
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let (mut app, desk) = open(&config);
    // An administrator sees every screen with all its buttons.
    send(&mut app, &desk, Message::SignOut);
    sign_in(&mut app, &desk, "admin.kim", PASSWORD);
    let mut problems = Vec::new();
    // German and English at 100 %, German with the window at 125 %.
    for (english, scale) in [(false, 1.0), (true, 1.0), (false, 1.25)] {
        if english != (app.lang == Lang::En) {
            send(&mut app, &desk, Message::ToggleLanguage);
        }
        app.scale = scale;
        for screen in Screen::ALL {
            send(&mut app, &desk, Message::Show(screen));
            match screen {
                Screen::Document => {
                    let batch = app.overview.batches[0].id;
                    send(
                        &mut app,
                        &desk,
                        Message::Inbox(inbox::Message::OpenBatch(batch)),
                    );
                }
                Screen::Cases => {
                    send(
                        &mut app,
                        &desk,
                        Message::Cases(cases::Message::Query("Muster".into())),
                    );
                    press(&mut app, &desk, Named::Enter);
                }
                _ => {}
            }
            assert_eq!(app.screen, screen);
            draw(
                &app,
                &format!("fit-{screen:?}-{}", if english { "en" } else { "de" }),
            );
            for p in labels_that_do_not_fit(&app) {
                problems.push(format!(
                    "{screen:?} ({}, {:.0} %): {p}",
                    if english { "en" } else { "de" },
                    scale * 100.0
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_many_page_batch_shows_some_thumbnails_and_how_many_more() {
    use scanstelle::desk::BatchView;
    use scanstelle::store::blob::Sha256Hex;
    let dir = tempfile::tempdir().unwrap();
    let config = station(dir.path());
    let (mut app, desk) = open(&config);
    let stack = BatchView {
        id: 99,
        profile: "fujitsu-fi-g4".into(),
        file_name: "stapel-12.tif".into(),
        files: 1,
        received: "06.12. 09:30".into(),
        stage: Some(3),
        progress: 4.0,
        pages: 12,
        blank: 0,
        separators: 0,
        documents: 1,
        review: 0,
        warnings: Vec::new(),
        failures: Vec::new(),
        thumbs: (0..6).map(|i| Sha256Hex::of(&[i])).collect(),
        purged: false,
    };
    // It waits for its release, seen by someone who may release it.
    send(&mut app, &desk, Message::SignOut);
    sign_in(&mut app, &desk, "admin.kim", PASSWORD);
    app.overview.batches.insert(0, stack);
    app.overview.qa.push(scanstelle::store::QaBatch {
        batch_id: 99,
        scanned_by: None,
        documents: 1,
        items: Vec::new(),
    });
    // At 1366 three thumbnails and "+9"; on a wide window six and "+6".
    assert!(simulator(view::view(&app)).find("+9").is_ok());
    assert!(
        labels_that_do_not_fit(&app).is_empty(),
        "{:?}",
        labels_that_do_not_fit(&app)
    );
    app.width = 1920.0;
    assert!(simulator(view::view(&app)).find("+6").is_ok());
    // Zoomed to 125 %, 1920 is not wide any more.
    app.scale = 1.25;
    assert!(simulator(view::view(&app)).find("+9").is_ok());
    // 1366 at 125 %: one thumbnail, "+11" under it, every label whole.
    app.width = 1366.0;
    assert!(simulator(view::view(&app)).find("+11").is_ok());
    assert!(
        simulator(view::view(&app))
            .find("wartet auf Freigabe (Strg+7)")
            .is_ok()
    );
    assert!(simulator(view::view(&app)).find("markieren").is_ok());
    assert!(
        labels_that_do_not_fit(&app).is_empty(),
        "{:?}",
        labels_that_do_not_fit(&app)
    );
}

#[test]
fn an_administrator_writes_the_letter_to_a_household_from_its_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = station(dir.path());
    config.letter = scanstelle::protect::letter::LetterSettings {
        office: "Jobcenter Musterstadt".into(),
        processor: "Rechenzentrum Beispiel GmbH".into(),
        processor_place: "Beispielort".into(),
        data_protection_officer: "Datenschutz, Am Markt 1, 12345 Musterstadt".into(),
        supervisory_authority: "Landesbeauftragte für Datenschutz, Postfach 1".into(),
        ..Default::default()
    };
    let (mut app, desk) = open(&config);
    let open_case = |app: &mut App| {
        send(app, &desk, Message::Show(Screen::Cases));
        send(
            app,
            &desk,
            Message::Cases(cases::Message::Open("12345BG0012346".into())),
        );
    };
    // erika (scan) has no such button.
    app.scanners = Some(Vec::new());
    open_case(&mut app);
    let label = "Brief an die Bedarfsgemeinschaft (PDF)";
    assert!(simulator(view::view(&app)).find(label).is_err());
    send(&mut app, &desk, Message::SignOut);
    sign_in(&mut app, &desk, "admin.kim", PASSWORD);
    app.scanners = Some(Vec::new());
    open_case(&mut app);
    let mut ui = simulator(view::view(&app));
    ui.click(label).unwrap();
    let effects: Vec<Effect> = ui
        .into_messages()
        .flat_map(|m| update::update(&mut app, m))
        .collect();
    assert!(
        matches!(effects.as_slice(), [Effect::WriteLetter(bg, _)] if bg == "12345BG0012346"),
        "{effects:?}"
    );
    // Into a folder of the test's, not the operator's home.
    let folder = dir.path().join("Briefe");
    let answer = Effect::WriteLetter("12345BG0012346".into(), folder.clone())
        .perform(&desk)
        .unwrap();
    update::update(&mut app, answer);
    let said = app.notices.last().unwrap();
    assert!(
        !said.error && said.text.starts_with("Brief geschrieben:"),
        "{said:?}"
    );
    let files: Vec<_> = std::fs::read_dir(&folder).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    assert!(
        std::fs::read(files[0].path())
            .unwrap()
            .starts_with(b"%PDF-")
    );
}

/// Draws the window at 1366×768 zoomed to 125 % (as the window shows it
/// after Ctrl+Plus) and checks that no label is cut or wrapped there nor
/// at 100 %, in German and English.
fn draw_zoomed_and_fitting(app: &mut App, name: &str) {
    for lang in [Lang::De, Lang::En] {
        app.lang = lang;
        for scale in [1.0, 1.25] {
            app.scale = scale;
            let bad = labels_that_do_not_fit(app);
            assert!(bad.is_empty(), "{name} {lang:?} {scale}: {bad:#?}");
        }
    }
    app.lang = Lang::De;
    draw_at(app, &format!("{name}-125"), (1366.0 / 1.25, 768.0 / 1.25));
    app.scale = 1.0;
}

/// The fixture station with batches leaving at once (no hold, no quality
/// control) to the demo DMS on its drop folder.
fn sending(dir: &Path) -> Config {
    let mut config = station(dir);
    config.dms = scanstelle::sync::DmsSettings {
        hold_secs: 0,
        backoff_secs: 0,
        ..scanstelle::sync::DmsSettings::default()
    };
    config.qa = scanstelle::protect::qa::QaSettings::off();
    config
}

/// Sync passes with the demo DMS filing in between, until what is decided
/// is filed (local copies stay for the retention period).
fn file_all(config: &Config) {
    let syncer = config.syncer("scan01").unwrap();
    let blobs = fixtures::blobs(&config.home);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut store = fixtures::store(&config.home);
    for _ in 0..3 {
        syncer.pass(&mut store, &blobs, &stop).unwrap();
        scanstelle::sync::DemoDms::new(&config.home)
            .run_once()
            .unwrap();
    }
    syncer.pass(&mut store, &blobs, &stop).unwrap();
}

#[test]
fn quality_control_corrects_a_filed_document_from_the_document_screen() {
    use scanstelle::store::CorrectionState;
    let dir = tempfile::tempdir().unwrap();
    let config = sending(dir.path());
    // The bank statement goes out and the demo DMS files it.
    file_all(&config);
    let filed = {
        let store = fixtures::store(&config.home);
        store
            .document_reports()
            .unwrap()
            .into_iter()
            .find(|d| d.state == "transferred")
            .expect("the bank statement is filed")
    };
    let (mut app, desk) = open(&config);
    let heading = "Nach der Ablage berichtigen";
    let send_label = "Berichtigung an das DMS senden";
    // erika (scan) sees that quality control corrects it, not the form.
    send(&mut app, &desk, Message::OpenDocument(filed.document_id));
    assert_eq!(app.screen, Screen::Document);
    {
        let mut ui = simulator(view::view(&app));
        assert!(ui.find(heading).is_ok());
        assert!(ui.find(send_label).is_err());
    }
    send(&mut app, &desk, Message::SignOut);
    sign_in(&mut app, &desk, "admin.kim", PASSWORD);
    send(&mut app, &desk, Message::OpenDocument(filed.document_id));
    let fix = |m| Message::Document(m);
    // Without a reason, or with both a case and a type, nothing is sent.
    send(
        &mut app,
        &desk,
        fix(document::Message::FixCase("12345 BG 0012345".into())),
    );
    send(
        &mut app,
        &desk,
        fix(document::Message::SendFix(filed.document_id)),
    );
    let type_label = app.types[0].1.clone();
    send(&mut app, &desk, fix(document::Message::FixType(type_label)));
    send(
        &mut app,
        &desk,
        fix(document::Message::FixReason(
            "Kontoauszug von Frau Mustermann".into(),
        )),
    );
    send(
        &mut app,
        &desk,
        fix(document::Message::SendFix(filed.document_id)),
    );
    assert!(
        fixtures::store(&config.home)
            .corrections()
            .unwrap()
            .is_empty()
    );
    app.document.fix.doc_type = None;
    draw(&app, "document-correct");
    draw_zoomed_and_fitting(&mut app, "document-correct");
    // Wide and dark, too.
    send(&mut app, &desk, Message::ToggleTheme);
    draw_at(&app, "document-correct-dark-1920", (1920.0, 1080.0));
    send(&mut app, &desk, Message::ToggleTheme);
    let mut ui = simulator(view::view(&app));
    ui.click(send_label).unwrap();
    for m in ui.into_messages().collect::<Vec<_>>() {
        send(&mut app, &desk, m);
    }
    let said = app.notices.last().unwrap();
    assert!(!said.error && said.text.contains("vorgemerkt"), "{said:?}");
    let mut store = fixtures::store(&config.home);
    let c = store.corrections().unwrap().remove(0);
    assert_eq!(
        (
            c.document_id,
            c.new_value.as_str(),
            c.by_user.as_str(),
            c.state
        ),
        (
            filed.document_id,
            "12345BG0012345",
            "admin.kim",
            CorrectionState::Pending
        )
    );
    assert!(store.take_sync_wake().unwrap(), "the sync is woken");
    // The DMS confirms; the document shows where it is now and how.
    file_all(&config);
    send(&mut app, &desk, Message::OpenDocument(filed.document_id));
    let doc = app.document.doc.as_ref().unwrap();
    assert_eq!(doc.case.as_deref(), Some("12345BG0012345"));
    assert_eq!(doc.corrections[0].state, CorrectionState::Done);
    let mut ui = simulator(view::view(&app));
    let outcome = doc.corrections[0].outcome.clone().unwrap();
    assert!(
        outcome.starts_with("In der Akte 12345BG0012345 neu abgelegt"),
        "{outcome}"
    );
    assert!(
        ui.find("in der Akte 12345BG0012345 neu abgelegt").is_ok(),
        "{outcome}"
    );
    drop(ui);
    // In English, too.
    send(&mut app, &desk, Message::ToggleLanguage);
    let mut ui = simulator(view::view(&app));
    assert!(ui.find("filed anew into case 12345BG0012345").is_ok());
    drop(ui);
    send(&mut app, &desk, Message::ToggleLanguage);
    draw(&app, "document-corrected");
    draw_zoomed_and_fitting(&mut app, "document-corrected");
}

#[test]
fn the_quality_screen_lists_the_originals_due_and_confirms_their_return() {
    let dir = tempfile::tempdir().unwrap();
    let config = sending(dir.path());
    // The bank statement, confirmed by a person as an identity document
    // (its paper goes back), filed by the demo DMS.
    let doc = {
        let mut store = fixtures::store(&config.home);
        let id = store
            .document_reports()
            .unwrap()
            .into_iter()
            .find(|d| d.case_status == "auto")
            .unwrap()
            .document_id;
        let rules = scanstelle::classify::doctype::TypeRules::builtin();
        scanstelle::classify::confirm(&mut store, &rules, id, None, Some("ausweisdokument"))
            .unwrap();
        id
    };
    file_all(&config);
    let (mut app, desk) = open(&config);
    send(&mut app, &desk, Message::Show(Screen::Qa));
    assert_eq!(app.qa.originals.len(), 1, "{:?}", app.qa.originals);
    assert_eq!(app.qa.originals[0].row.document_id, doc);
    draw(&app, "qualitaet-originale");
    draw_zoomed_and_fitting(&mut app, "qualitaet-originale");
    send(&mut app, &desk, Message::ToggleTheme);
    draw_at(&app, "qualitaet-originale-dark-1920", (1920.0, 1080.0));
    send(&mut app, &desk, Message::ToggleTheme);
    let mut ui = simulator(view::view(&app));
    assert!(ui.find("Papieroriginale heute (1)").is_ok());
    ui.click("Rückgabeschein").unwrap();
    let effects: Vec<Effect> = ui
        .into_messages()
        .flat_map(|m| update::update(&mut app, m))
        .collect();
    let [Effect::WriteSlip(batch, _)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    // Into a folder of the test's, not the operator's home.
    let folder = dir.path().join("Rueckgabescheine");
    let answer = Effect::WriteSlip(*batch, folder.clone())
        .perform(&desk)
        .unwrap();
    update::update(&mut app, answer);
    assert!(
        app.notices
            .last()
            .unwrap()
            .text
            .starts_with("Rückgabeschein geschrieben:"),
        "{:?}",
        app.notices
    );
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 1);
    // erika confirms the return: it is in the chain under her name and
    // the list is empty.
    let mut ui = simulator(view::view(&app));
    ui.click("Zurückgegeben").unwrap();
    for m in ui.into_messages().collect::<Vec<_>>() {
        send(&mut app, &desk, m);
    }
    assert!(app.qa.originals.is_empty(), "{:?}", app.notices);
    let store = fixtures::store(&config.home);
    let returned: i64 = store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM events WHERE kind = 'paper.returned' AND actor = 'erika'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(returned, 1);
}

#[test]
fn a_filed_document_whose_copies_are_gone_is_corrected_from_its_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = sending(dir.path());
    // Filed, and the station's copies deleted at once.
    config.dms.retention_days = 0;
    file_all(&config);
    let (mut app, desk) = open(&config);
    app.scanners = Some(Vec::new());
    let show_case = |app: &mut App| {
        send(app, &desk, Message::Show(Screen::Cases));
        send(
            app,
            &desk,
            Message::Cases(cases::Message::Open("12345BG0067890".into())),
        );
    };
    // erika (scan) has no such button.
    show_case(&mut app);
    assert!(simulator(view::view(&app)).find("Berichtigen").is_err());
    send(&mut app, &desk, Message::SignOut);
    sign_in(&mut app, &desk, "admin.kim", PASSWORD);
    app.scanners = Some(Vec::new());
    show_case(&mut app);
    let mut ui = simulator(view::view(&app));
    ui.click("Berichtigen").unwrap();
    for m in ui.into_messages().collect::<Vec<_>>() {
        send(&mut app, &desk, m);
    }
    let doc = app.cases.fixing.expect("the form is open");
    send(
        &mut app,
        &desk,
        Message::Document(document::Message::FixCase("12345BG0012345".into())),
    );
    send(
        &mut app,
        &desk,
        Message::Document(document::Message::FixReason(
            "Auszug von Frau Mustermann".into(),
        )),
    );
    draw(&app, "akten-berichtigen");
    draw_at(&app, "akten-berichtigen-1920", (1920.0, 1080.0));
    draw_zoomed_and_fitting(&mut app, "akten-berichtigen");
    let mut ui = simulator(view::view(&app));
    ui.click("Berichtigung an das DMS senden").unwrap();
    for m in ui.into_messages().collect::<Vec<_>>() {
        send(&mut app, &desk, m);
    }
    let said = app.notices.last().unwrap();
    assert!(!said.error && said.text.contains("vorgemerkt"), "{said:?}");
    assert_eq!(app.cases.fixing, None);
    // The DMS marks it invalid; only the DMS can move it (copies gone).
    file_all(&config);
    let c = fixtures::store(&config.home)
        .corrections()
        .unwrap()
        .remove(0);
    assert_eq!(c.document_id, doc);
    assert_eq!(
        c.state,
        scanstelle::store::CorrectionState::DmsOnly,
        "{c:?}"
    );
}
