//! The real window under Xvfb: `scanstelle demo` opens it on the demo
//! data and a 12-page stack, the test presses the keys a person would
//! (xdotool), takes a screenshot of each screen in light and dark, zoomed
//! pages, a quarantine entry and a case opened, the window at 125 % (xwd),
//! at 1366×768 and 1920×1080, and checks that each shows something: the
//! expected size, enough variation, and different screens. The PNGs stay
//! in `target/screenshots/` to look at. Needs `xvfb`, `xdotool` and
//! `x11-apps` (installed by `installer/setup.sh`); without them the test
//! is skipped, except under CI, where it fails.
#![cfg(feature = "gui")]

use crate::common::xvfb::Xvfb;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether the X tools are here; under CI they must be.
fn tools() -> bool {
    let have = ["Xvfb", "xdotool", "xwd"].iter().all(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "Xvfb, xdotool and xwd are needed (installer/setup.sh installs them)"
        );
        eprintln!("Fenstertest übersprungen: Xvfb, xdotool oder xwd fehlt");
    }
    have
}

/// An RGB screenshot.
struct Shot {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Shot {
    /// Reads X's window dump format (ZPixmap, 24/32 bits per pixel).
    fn from_xwd(data: &[u8]) -> Shot {
        let word = |i: usize| u32::from_be_bytes(data[i * 4..i * 4 + 4].try_into().unwrap());
        let (header, format, width, height) = (word(0) as usize, word(2), word(4), word(5));
        let (byte_order, bpp, line) = (word(7), word(11), word(12) as usize);
        let (red, green, blue) = (word(14), word(15), word(16));
        let colours = word(19) as usize;
        assert_eq!((format, bpp), (2, 32), "ZPixmap with 32 bits per pixel");
        let pixels = &data[header + colours * 12..];
        let channel = |v: u32, mask: u32| ((v & mask) >> mask.trailing_zeros()) as u8;
        let mut rgb = Vec::with_capacity((width * height * 3) as usize);
        for y in 0..height as usize {
            for x in 0..width as usize {
                let b: [u8; 4] = pixels[y * line + x * 4..y * line + x * 4 + 4]
                    .try_into()
                    .unwrap();
                let v = if byte_order == 0 {
                    u32::from_le_bytes(b)
                } else {
                    u32::from_be_bytes(b)
                };
                rgb.extend_from_slice(&[channel(v, red), channel(v, green), channel(v, blue)]);
            }
        }
        Shot { width, height, rgb }
    }

    /// Distinct colours, and the share of pixels not of the commonest one
    /// (a blank or half-drawn window has few colours and one dominates).
    fn variety(&self) -> (usize, f64) {
        let mut counts = std::collections::HashMap::new();
        for p in self.rgb.chunks_exact(3) {
            *counts.entry([p[0], p[1], p[2]]).or_insert(0usize) += 1;
        }
        let top = counts.values().copied().max().unwrap_or(0);
        let n = self.rgb.len() / 3;
        (counts.len(), (n - top) as f64 / n as f64)
    }

    /// Share of pixels that differ from another shot.
    fn differs_from(&self, other: &Shot) -> f64 {
        let n = self
            .rgb
            .chunks_exact(3)
            .zip(other.rgb.chunks_exact(3))
            .filter(|(a, b)| a != b)
            .count();
        n as f64 / (self.rgb.len() / 3) as f64
    }

    fn save(&self, path: &Path) {
        let file = std::fs::File::create(path).unwrap();
        let mut enc = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()
            .unwrap()
            .write_image_data(&self.rgb)
            .unwrap();
    }
}

fn screenshot(x: &Xvfb) -> Shot {
    let o = x.run("xwd", &["-root", "-silent"]);
    assert!(
        o.status.success(),
        "xwd: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Shot::from_xwd(&o.stdout)
}

fn screenshots_dir() -> PathBuf {
    // target/screenshots beside the test binaries (CI keeps it as an artifact).
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "target"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|| {
            exe.parent()
                .and_then(Path::parent)
                .and_then(Path::parent)
                .unwrap()
                .to_path_buf()
        });
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until `ready` holds, polling.
fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < timeout,
            "{what}: nach {timeout:?} nicht erreicht"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A 12-page G4 stack made of the demo application's pages (as a
/// production scanner writes one), for the inbox's many-page card.
fn twelve_page_stack() -> Vec<u8> {
    let decoded = scanstelle::intake::decode::decode(crate::common::demo_g4_tiff()).unwrap();
    let pages: Vec<(image::GrayImage, u32)> = decoded
        .pages
        .iter()
        .map(|p| {
            let img = scanstelle::prepare::imaging::load_gray(&p.bytes, p.encoding).unwrap();
            (img, p.dpi.map_or(300, |d| d.0.round() as u32))
        })
        .cycle()
        .take(12)
        .collect();
    crate::common::g4_tiff(&pages)
}

/// Runs the demo window at `size`, adds a 12-page stack, and photographs
/// every screen in light and dark (F11), the inbox with a quarantine entry
/// opened, Prüfen and Dokument zoomed, Akten with a hit opened; then the
/// whole window zoomed to 125 % (Ctrl+Plus). Returns the shots by name.
fn tour(size: (u32, u32)) -> Vec<(String, Shot)> {
    let x = Xvfb::start(size).expect("Xvfb startet");
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("demo");
    let mut window = Command::new(env!("CARGO_BIN_EXE_scanstelle"))
        .args(["demo", "--home"])
        .arg(&home)
        .env("DISPLAY", &x.display)
        .env("SCANSTELLE_THEME", "light")
        // Xvfb has no window manager to maximise the window.
        .env("SCANSTELLE_WINDOW", format!("{}x{}", size.0, size.1))
        .env_remove("SCANSTELLE_CONFIG")
        .env_remove("SCANSTELLE_SCALE")
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The window appears, and the station files the demo letters.
    wait_for("Fenster", Duration::from_secs(60), || {
        x.run("xdotool", &["search", "--name", "Scanstelle"])
            .status
            .success()
    });
    let db = home.join("scanstelle.db");
    let batches_done = |n: usize| {
        let Ok(store) = scanstelle::store::Store::open(
            &db,
            &scanstelle::protect::crypto::Keys::for_home(db.parent().unwrap()).unwrap(),
        ) else {
            return false;
        };
        let batches = store
            .recent_batches(10, 0, &Default::default())
            .unwrap_or_default();
        batches.len() == n && batches.iter().all(|b| b.state == "classified")
    };
    wait_for("Demo verarbeitet", Duration::from_secs(180), || {
        batches_done(5)
    });
    // A production stack of 12 pages into the document scanner's folder.
    let config = scanstelle::config::Config::from_file(
        scanstelle::config::ConfigFile::default(),
        home.clone(),
        None,
    )
    .unwrap();
    let hot = config
        .profile("fujitsu-fi-g4")
        .unwrap()
        .hot_folder_path(&home);
    std::fs::write(hot.join(".stapel-12.tif.part"), twelve_page_stack()).unwrap();
    std::fs::rename(hot.join(".stapel-12.tif.part"), hot.join("stapel-12.tif")).unwrap();
    wait_for("12 Seiten verarbeitet", Duration::from_secs(240), || {
        batches_done(6)
    });
    // The window reads the store about every 0.7 s.
    std::thread::sleep(Duration::from_secs(2));
    let id =
        String::from_utf8(x.run("xdotool", &["search", "--name", "Scanstelle"]).stdout).unwrap();
    let id = id.lines().next().unwrap().to_owned();
    x.run("xdotool", &["mousemove", "5", "5", "windowfocus", &id]);
    let mut shots = Vec::new();
    let keys = |keys: &[&str]| {
        if !keys.is_empty() {
            let mut args = vec!["key", "--delay", "150"];
            args.extend_from_slice(keys);
            x.run("xdotool", &args);
        }
    };
    // Each screen light, then dark (F11), then light again.
    let mut shoot = |name: &str, before: &[&str], both: bool| {
        keys(before);
        std::thread::sleep(Duration::from_millis(1500));
        shots.push((name.to_owned(), screenshot(&x)));
        if both {
            keys(&["F11"]);
            std::thread::sleep(Duration::from_millis(1200));
            shots.push((format!("{name}-dunkel"), screenshot(&x)));
            keys(&["F11"]);
        }
    };
    // The login screen first (the demo fills in its account's name and
    // puts the cursor into the password field).
    shoot("0-anmeldung", &[], false);
    x.run("xdotool", &["type", "--delay", "60", "scanstelle-demo"]);
    x.run("xdotool", &["key", "Return"]);
    shoot("1-eingang", &[], true);
    shoot("1-eingang-quarantaene", &["q"], true);
    shoot("2-pruefen-zoom", &["q", "ctrl+2", "plus", "plus"], true);
    // The newest batch is the 12-page stack: its first document, zoomed,
    // with the recognised words over the page.
    shoot(
        "3-dokument-zoom",
        &["ctrl+1", "Return", "o", "plus", "plus"],
        true,
    );
    shoot(
        "4-akten-treffer",
        &["ctrl+4", "M", "u", "s", "t", "e", "r", "Return", "Escape"],
        true,
    );
    shoot("5-uebertragung", &["ctrl+5"], true);
    shoot("6-einstellungen", &["ctrl+6"], true);
    shoot("7-qualitaet", &["ctrl+7"], true);
    // The whole window at 125 %.
    shoot(
        "8-eingang-125",
        &["ctrl+1", "ctrl+plus", "ctrl+plus"],
        false,
    );
    shoot("9-pruefen-125", &["ctrl+2"], false);
    // Ctrl+Q closes the window; the station stops cleanly.
    x.run("xdotool", &["key", "ctrl+q"]);
    let start = Instant::now();
    let status = loop {
        if let Some(s) = window.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = window.kill();
            panic!("das Fenster schließt nicht auf Strg+Q");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success(), "scanstelle demo endet mit {status}");
    shots
}

fn check(shots: &[(String, Shot)], size: (u32, u32), suffix: &str) {
    let dir = screenshots_dir();
    for (name, shot) in shots {
        shot.save(&dir.join(format!("{name}{suffix}.png")));
        assert_eq!((shot.width, shot.height), size, "{name}");
        let (colours, rest) = shot.variety();
        // The login screen is a small card on an empty window.
        let least = if name.starts_with("0-") { 0.03 } else { 0.10 };
        assert!(
            colours > 100 && rest > least,
            "{name} looks empty: {colours} colours, {:.1} % besides the background",
            rest * 100.0
        );
    }
    // Every screen looks different from every other.
    for (i, (a, sa)) in shots.iter().enumerate() {
        for (b, sb) in &shots[i + 1..] {
            let d = sa.differs_from(sb);
            assert!(
                d > 0.02,
                "{a} and {b} look alike ({:.1} % differ)",
                d * 100.0
            );
        }
    }
}

#[test]
fn the_demo_window_shows_every_screen() {
    if !tools() {
        return;
    }
    let small = (1366, 768);
    check(&tour(small), small, "-1366");
    let large = (1920, 1080);
    check(&tour(large), large, "-1920");
}
