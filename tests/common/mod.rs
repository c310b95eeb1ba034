//! Fixtures the tests make themselves: scanner-like files in every format,
//! station homes with a test profile, helpers to read the store, the
//! xdomea schema check, a station with processed demo letters, a DMS
//! importer ([`dms`]) and a real Apache WebDAV server ([`apache`]).
#![allow(dead_code)]

pub mod apache;
pub mod dms;
pub mod fixtures;
pub mod mail;
pub mod mfp;
pub mod office;
pub mod proxy;
pub mod xvfb;

pub use fixtures::*;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use scanstelle::config::Config;
use scanstelle::intake::profile::Profile;

/// A single number from the station's database (`SELECT COUNT(*) …`).
pub fn count(station: &scanstelle::station::Station, sql: &str) -> i64 {
    station
        .store
        .connection()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// The real `scanstelle` binary with `args` on the station home `home`
/// (no configuration, account or display from the environment).
fn command(args: &[&str], home: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_scanstelle"));
    c.args(args)
        .arg("--home")
        .arg(home)
        .env_remove("SCANSTELLE_CONFIG")
        .env_remove("SCANSTELLE_USER")
        // No window: the commands run headless even on a desktop.
        .env_remove("DISPLAY")
        .env("XDG_CONFIG_HOME", home.join("xdg-config"));
    c
}

/// Runs the real `scanstelle` binary with `args` on the station home `home`.
pub fn scanstelle(args: &[&str], home: &Path) -> std::process::Output {
    command(args, home).output().unwrap()
}

/// Runs the binary like [`scanstelle`], with `stdin` as its standard input.
pub fn scanstelle_with_input(args: &[&str], home: &Path, stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = command(args, home)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Runs the binary with `stdin`; whether it succeeded, and stdout then
/// stderr as one text (for assertions on what a person reads).
pub fn run_cli(args: &[&str], home: &Path, stdin: &str) -> (bool, String) {
    let o = scanstelle_with_input(args, home, stdin);
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// Every file under `dir`, at any depth.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                todo.push(e.path());
            } else {
                found.push(e.path());
            }
        }
    }
    found
}

/// Makes `tester`, an admin mapped to the operating-system user running
/// the tests, so the binary's commands that need a signed-in person run as
/// that admin (as at a station whose operator is logged in to the system).
pub fn admin_os(home: &Path) {
    use scanstelle::protect::users::{self, Role};
    std::fs::create_dir_all(home).unwrap();
    let store = store(home);
    let os = users::os_user();
    if store.account_of_os_user(&os).unwrap().is_none() {
        let admin = store
            .users()
            .unwrap()
            .into_iter()
            .find(|(_, role)| role == "admin")
            .map(|(name, _)| name);
        users::add_user_for(
            &store,
            admin.as_deref(),
            "tester",
            Role::Admin,
            "test-passwort-1",
            Some(&os),
        )
        .unwrap();
    }
}

/// A grey A4-proportioned page with a pattern unique to `seed`.
pub fn gray_pixels(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut px = vec![255u8; (w * h) as usize];
    // A "text line" per bit of the seed, so every seed gives other pixels.
    for bit in 0..16 {
        if seed & (1 << bit) != 0 {
            let y0 = 20 + bit * (h - 40) / 16;
            for y in y0..(y0 + 4).min(h) {
                for x in 10..w - 10 {
                    px[(y * w + x) as usize] = 20;
                }
            }
        }
    }
    // Plus a seed-dependent column, and the seed itself in the first pixels,
    // so that no two seeds give the same image.
    let x = 5 + seed % (w - 10);
    for y in 0..h {
        px[(y * w + x) as usize] = 0;
    }
    px[..4].copy_from_slice(&seed.to_le_bytes());
    px
}

/// PNG of [`gray_pixels`] with a resolution chunk.
pub fn png_page(w: u32, h: u32, seed: u32, dpi: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let ppm = (dpi as f32 / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(&gray_pixels(w, h, seed)).unwrap();
    }
    out
}

/// JPEG of [`gray_pixels`].
pub fn jpeg_page(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let img = image::GrayImage::from_raw(w, h, gray_pixels(w, h, seed)).unwrap();
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// A multi-page LZW TIFF (8-bit grey, 300 dpi), one page per seed.
pub fn tiff_pages(w: u32, h: u32, seeds: &[u32]) -> Vec<u8> {
    use tiff::encoder::{Compression, Rational, TiffEncoder, colortype};
    use tiff::tags::ResolutionUnit;
    let mut out = Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut out)
            .unwrap()
            .with_compression(Compression::Lzw);
        for &s in seeds {
            let mut img = enc.new_image::<colortype::Gray8>(w, h).unwrap();
            img.resolution(ResolutionUnit::Inch, Rational { n: 300, d: 1 });
            img.write_data(&gray_pixels(w, h, s)).unwrap();
        }
    }
    out.into_inner()
}

pub use scanstelle::prepare::coversheet::build_pdf as pdf_from_objects;
use scanstelle::prepare::coversheet::stream_object as stream;

/// A scanner PDF: one page per image, each image filling its page at `dpi`.
/// `images` are (width, height, filter-and-colour dict entries, data).
pub fn image_pdf(images: &[(u32, u32, &str, Vec<u8>)], dpi: f32) -> Vec<u8> {
    pdf_from_objects(&image_pdf_objects(images, dpi))
}

/// The objects of [`image_pdf`] (1 catalog, 2 pages, then page, content and
/// image of each page), for tests that tamper with them.
pub fn image_pdf_objects(images: &[(u32, u32, &str, Vec<u8>)], dpi: f32) -> Vec<Vec<u8>> {
    let n = images.len();
    // 1 catalog, 2 pages, then per page: page, content, image.
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 3 + 3 * i)).collect();
    let mut objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
    ];
    for (i, (w, h, dict, data)) in images.iter().enumerate() {
        let (pw, ph) = (*w as f32 * 72.0 / dpi, *h as f32 * 72.0 / dpi);
        let page = 3 + 3 * i;
        objs.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw} {ph}] /Resources << /XObject << /Im0 {} 0 R >> >> /Contents {} 0 R >>",
                page + 2,
                page + 1
            )
            .into_bytes(),
        );
        objs.push(stream(
            "",
            format!("q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q").as_bytes(),
        ));
        objs.push(stream(
            &format!("/Type /XObject /Subtype /Image /Width {w} /Height {h} {dict}"),
            data,
        ));
    }
    objs
}

/// A born-digital PDF with real text lines (Helvetica, WinAnsi).
pub fn text_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = b"BT /F1 12 Tf 72 770 Td 16 TL\n".to_vec();
    for l in lines {
        content.push(b'(');
        for ch in l.chars() {
            let b = match ch {
                'ä' => 0xE4,
                'ö' => 0xF6,
                'ü' => 0xFC,
                'ß' => 0xDF,
                'Ä' => 0xC4,
                'Ö' => 0xD6,
                'Ü' => 0xDC,
                '(' | ')' | '\\' => {
                    content.push(b'\\');
                    ch as u8
                }
                c => c as u8,
            };
            content.push(b);
        }
        content.extend_from_slice(b") Tj T*\n");
    }
    content.extend_from_slice(b"ET");
    pdf_from_objects(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        stream("", &content),
    ])
}

/// The demo's two-page G4 TIFF (made by the project, see assets/demo).
pub fn demo_g4_tiff() -> &'static [u8] {
    include_bytes!("../../assets/demo/weiterbewilligungsantrag.tif")
}

/// A profile for tests: hot folder `dir`, short settle time.
pub fn test_profile(dir: &Path, settle_ms: u64, extra: &str) -> Profile {
    let text = format!(
        "name = \"test\"\n[hot_folder]\npath = {:?}\nsettle_ms = {settle_ms}\npoll_interval_ms = 200\n{extra}",
        dir.display().to_string()
    );
    Profile::from_toml(&text, "test").unwrap()
}

/// Writes a config with one test profile into `root` and returns its path.
/// `hot_folder_extra` goes into the `[hot_folder]` table, `tail` after it.
pub fn write_config(
    root: &Path,
    hot: &Path,
    settle_ms: u64,
    hot_folder_extra: &str,
    tail: &str,
) -> PathBuf {
    let profiles = root.join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(
        profiles.join("test.toml"),
        format!(
            "name = \"test\"\n[hot_folder]\npath = {:?}\nsettle_ms = {settle_ms}\npoll_interval_ms = 200\n{hot_folder_extra}\n{tail}",
            hot.display().to_string()
        ),
    )
    .unwrap();
    let cfg = root.join("scanstelle.toml");
    std::fs::write(
        &cfg,
        format!(
            "profile_dirs = [{:?}]\nprofiles = [\"test\"]\n[intake]\nquarantine_after_secs = 2\nrescan_secs = 1\n",
            profiles.display().to_string()
        ),
    )
    .unwrap();
    cfg
}

/// Loads a config written by [`write_config`].
pub fn load_config(cfg: &Path, home: &Path) -> Config {
    Config::load(Some(cfg), Some(home)).unwrap()
}

/// Files (not directories) directly in `dir`.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The xdomea 3.0.0 schema in `../shared` (never copied into the project);
/// `None` on a developer's machine without it, a failure under CI.
pub fn schema() -> Option<PathBuf> {
    let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/xdomea/schema/3.0.0/xdomea/xdomea.xsd");
    if xsd.is_file() {
        return Some(xsd);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {} is missing: the xdomea schemas are required in CI",
        xsd.display()
    );
    eprintln!("{} missing: xdomea validation skipped", xsd.display());
    None
}

/// xmllint's verdict on a message: Ok, or its complaint.
pub fn validate(xsd: &Path, xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("message.xml");
    std::fs::write(&file, xml).unwrap();
    let o = std::process::Command::new("xmllint")
        .args(["--nonet", "--noout", "--schema"])
        .arg(xsd)
        .arg(&file)
        .output()
        .expect("xmllint (libxml2-utils) installed");
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    }
}

/// A station at `<dir>/home` with the demo register and these demo letters
/// taken and processed (OCR, classification); returns the config and the
/// batch of each letter, in order.
pub fn processed_station(
    dir: &Path,
    letters: &[&str],
) -> (Config, scanstelle::station::Station, Vec<i64>) {
    let config = default_config(&dir.join("home"));
    let mut station = station(&config.home);
    let batches = take_demo(&mut station, &config, dir, letters)
        .into_iter()
        .map(|(name, outcome)| match outcome {
            scanstelle::intake::Outcome::Ingested(i) => i.batch_id,
            other => panic!("{name}: {other:?}"),
        })
        .collect();
    process(&config);
    (config, station, batches)
}

/// Files under `dir` that contain `needle` (ASCII, any case).
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| {
            std::fs::read(p).is_ok_and(|b| {
                b.windows(needle.len())
                    .any(|w| w.eq_ignore_ascii_case(needle))
            })
        })
        .collect()
}

/// A multi-page CCITT G4 TIFF (WhiteIsZero, one strip per page).
pub fn g4_tiff(pages: &[(image::GrayImage, u32)]) -> Vec<u8> {
    use fax::{Color, VecWriter, encoder::Encoder};
    let mut out = b"II*\0\0\0\0\0".to_vec();
    let mut link = 4usize; // where the offset of the next IFD goes
    for (img, dpi) in pages {
        let (w, h) = img.dimensions();
        let mut enc = Encoder::new(VecWriter::new());
        for row in img.rows() {
            let pels = row.map(|p| {
                if p.0[0] < 128 {
                    Color::Black
                } else {
                    Color::White
                }
            });
            let Ok(()) = enc.encode_line(pels, w as u16);
        }
        let Ok(writer) = enc.finish();
        let data = writer.finish();
        let strip = out.len();
        out.extend_from_slice(&data);
        if out.len() % 2 == 1 {
            out.push(0);
        }
        let ifd = out.len();
        out[link..link + 4].copy_from_slice(&(ifd as u32).to_le_bytes());
        let entries: u16 = 12;
        // The resolutions go right after the IFD and its next-IFD link.
        let res = ifd + 2 + 12 * entries as usize + 4;
        out.extend_from_slice(&entries.to_le_bytes());
        let mut e = |tag: u16, typ: u16, val: u32| {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&typ.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            if typ == 3 {
                out.extend_from_slice(&(val as u16).to_le_bytes());
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&val.to_le_bytes());
            }
        };
        e(256, 4, w);
        e(257, 4, h);
        e(258, 3, 1);
        e(259, 3, 4);
        e(262, 3, 0);
        e(273, 4, strip as u32);
        e(277, 3, 1);
        e(278, 4, h);
        e(279, 4, data.len() as u32);
        e(282, 5, res as u32);
        e(283, 5, res as u32 + 8);
        e(296, 3, 2);
        link = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
        for _ in 0..2 {
            out.extend_from_slice(&dpi.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
    }
    out
}

/// A small xorshift generator: the same seed, the same bytes.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// CRC-32 as PNG chunks carry it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// Joins page images into one PDF with `img2pdf` (for ocrmypdf in the
/// benches); `false` when img2pdf is missing or fails.
pub fn img2pdf(pages: &[PathBuf], out: &Path) -> bool {
    std::process::Command::new("img2pdf")
        .args(pages)
        .arg("-o")
        .arg(out)
        .status()
        .is_ok_and(|s| s.success())
}
