//! OCR throughput: the same pages three ways in one run, as pages/minute and
//! ratios: Scanstelle's OCR pool (one engine per core), the tesseract CLI
//! with one process per core, and `ocrmypdf --jobs N` if installed.
//! Pages: the degraded 300 dpi G4 invoice scans from `../shared/samples`
//! (or, without them, the demo letter). Run: `cargo bench --bench ocr`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn pages() -> Vec<PathBuf> {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/zugferd/scans");
    let mut v = common::files_in(&shared);
    if v.is_empty() {
        let tmp = std::env::temp_dir().join("scanstelle-bench-demo.tif");
        std::fs::write(&tmp, common::demo_g4_tiff()).unwrap();
        v = vec![tmp; 4];
    }
    v.truncate(12);
    v
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Scanstelle: decode, load, OCR pool with one engine per core.
fn scanstelle(pages: &[PathBuf]) -> f64 {
    use scanstelle::process::OcrPool;
    let pool = OcrPool::new(cores(), scanstelle::ocr::DEFAULT_LANGUAGES).unwrap();
    let start = Instant::now();
    let images: Vec<(image::GrayImage, u32)> = pages
        .iter()
        .flat_map(|p| {
            scanstelle::decode::decode(&std::fs::read(p).unwrap())
                .unwrap()
                .pages
        })
        .map(|pg| {
            let dpi = pg.dpi.map_or(300, |d| d.0.round() as u32);
            (
                scanstelle::imaging::load_gray(&pg.bytes, pg.encoding).unwrap(),
                dpi,
            )
        })
        .collect();
    let n = images.len();
    let words = pool.recognize_all(images);
    assert!(
        words.iter().all(|w| *w > 10),
        "every page has text: {words:?}"
    );
    n as f64 / start.elapsed().as_secs_f64() * 60.0
}

/// tesseract CLI, one process per core at a time.
fn cli(pages: &[PathBuf]) -> f64 {
    let start = Instant::now();
    for chunk in pages.chunks(cores()) {
        let children: Vec<_> = chunk
            .iter()
            .map(|p| {
                Command::new("tesseract")
                    .arg(p)
                    .args(["stdout", "-l", scanstelle::ocr::DEFAULT_LANGUAGES])
                    .env("OMP_THREAD_LIMIT", "1")
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("tesseract CLI")
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
    }
    pages.len() as f64 / start.elapsed().as_secs_f64() * 60.0
}

fn ocrmypdf(pages: &[PathBuf], tmp: &Path) -> Option<f64> {
    Command::new("ocrmypdf").arg("--version").output().ok()?;
    let pdf = tmp.join("in.pdf");
    let st = Command::new("img2pdf")
        .args(pages)
        .arg("-o")
        .arg(&pdf)
        .status()
        .ok()?;
    if !st.success() {
        return None;
    }
    let start = Instant::now();
    let st = Command::new("ocrmypdf")
        .args([
            "--jobs",
            &cores().to_string(),
            "-l",
            "deu+eng",
            "--output-type",
            "pdf",
            "--quiet",
        ])
        .arg(&pdf)
        .arg(tmp.join("out.pdf"))
        .status()
        .ok()?;
    st.success()
        .then(|| pages.len() as f64 / start.elapsed().as_secs_f64() * 60.0)
}

/// Milliseconds per page for each preparation step, one thread.
fn preparation(pages: &[PathBuf]) {
    let imgs: Vec<image::GrayImage> = pages
        .iter()
        .flat_map(|p| {
            scanstelle::decode::decode(&std::fs::read(p).unwrap())
                .unwrap()
                .pages
        })
        .map(|pg| scanstelle::imaging::load_gray(&pg.bytes, pg.encoding).unwrap())
        .collect();
    let n = imgs.len() as f64;
    let settings = scanstelle::imaging::PrepSettings::default();
    let time = |f: &dyn Fn(&image::GrayImage)| {
        let start = Instant::now();
        imgs.iter().for_each(f);
        start.elapsed().as_secs_f64() * 1e3 / n
    };
    let analyse = time(&|i| {
        scanstelle::imaging::analyse(i, 300.0, &settings);
    });
    let thumb = time(&|i| {
        scanstelle::imaging::thumbnail(i);
    });
    let upright = time(&|i| {
        scanstelle::imaging::upright(i, 300.0, true, true);
    });
    let codes = time(&|i| {
        scanstelle::separation::read_barcodes(i);
    });
    println!(
        "Aufbereitung je Seite (1 Thread): Analyse {analyse:.0} ms, Vorschau {thumb:.0} ms, Lage+Schräglage {upright:.0} ms, Barcodes {codes:.0} ms"
    );
}

fn main() {
    let pages = pages();
    let tmp = tempfile::tempdir().unwrap();
    println!(
        "{} Seiten, {} Kerne, OMP_THREAD_LIMIT={:?}",
        pages.len(),
        cores(),
        std::env::var("OMP_THREAD_LIMIT").ok()
    );
    let cli_rate = cli(&pages);
    let ours = scanstelle(&pages);
    println!("tesseract CLI (1 Prozess je Kern): {cli_rate:7.1} Seiten/min  1.00×");
    println!(
        "Scanstelle (1 Engine je Kern):     {ours:7.1} Seiten/min  {:.2}×",
        ours / cli_rate
    );
    preparation(&pages);
    match ocrmypdf(&pages, tmp.path()) {
        Some(r) => println!(
            "ocrmypdf --jobs {}:                {r:7.1} Seiten/min  {:.2}×",
            cores(),
            r / cli_rate
        ),
        None => println!("ocrmypdf: nicht installiert"),
    }
}
