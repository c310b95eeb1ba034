//! OCR throughput: the same pages three ways in one run, as pages/minute and
//! ratios: Scanstelle's whole chain (intake, preparation, OCR, PDF/A) and its
//! OCR pool alone (one engine per core), the tesseract CLI
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
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

/// Scanstelle: decode, load, OCR pool with one engine per core.
fn scanstelle(pages: &[PathBuf]) -> f64 {
    use scanstelle::pipeline::OcrPool;
    let pool = OcrPool::new(cores(), &scanstelle::ocr::OcrSettings::default()).unwrap();
    let start = Instant::now();
    let images: Vec<(image::GrayImage, u32)> = pages
        .iter()
        .flat_map(|p| {
            scanstelle::intake::decode::decode(&std::fs::read(p).unwrap())
                .unwrap()
                .pages
        })
        .map(|pg| {
            let dpi = pg.dpi.map_or(300, |d| d.0.round() as u32);
            (
                scanstelle::prepare::imaging::load_gray(&pg.bytes, pg.encoding).unwrap(),
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

/// Scanstelle's whole chain on a fresh station: intake (hash, decode, store),
/// preparation (analysis, barcodes, orientation, deskew, thumbnails), OCR
/// and one PDF/A per document. The engines start before the clock, as a
/// running station has them.
fn pipeline(pages: &[PathBuf], tmp: &Path) -> f64 {
    use scanstelle::intake::{Outcome, TakeOptions, take_file};
    let home = tmp.join("home");
    let hot = tmp.join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let copies: Vec<PathBuf> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let to = hot.join(format!(
                "{i:03}_{}",
                p.file_name().unwrap().to_string_lossy()
            ));
            let mut bytes = std::fs::read(p).unwrap();
            // The demo fallback repeats one file: make each copy distinct.
            bytes.extend_from_slice(format!("{i:08}").as_bytes());
            std::fs::write(&to, bytes).unwrap();
            to
        })
        .collect();
    let mut station = scanstelle::station::Station::open(&home, &common::keys(&home)).unwrap();
    let profile = common::test_profile(&hot, 100, "");
    let mut processor = scanstelle::pipeline::Processor::new(
        &home,
        &common::keys(&home),
        vec![profile.clone()],
        cores(),
    )
    .unwrap();
    let opts = TakeOptions {
        remove_original: true,
        quarantine_after: std::time::Duration::ZERO,
        limits: Default::default(),
        office: Default::default(),
    };
    let start = Instant::now();
    for f in &copies {
        let outcome = take_file(&mut station, &profile, f, &opts).unwrap();
        assert!(matches!(outcome, Outcome::Ingested(_)), "{outcome:?}");
    }
    let t_intake = start.elapsed();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut done = processor.prepare_pending(&stop).unwrap();
    let t_prep = start.elapsed();
    let ocr = processor.recognize_pending(&stop).unwrap();
    done.recognized += ocr.recognized;
    println!(
        "  Kette: Eingang {:.2} s, Aufbereitung mit Texterkennung {:.2} s, übrige Texterkennung + PDF/A {:.2} s",
        t_intake.as_secs_f64(),
        (t_prep - t_intake).as_secs_f64(),
        (start.elapsed() - t_prep).as_secs_f64()
    );
    let elapsed = start.elapsed();
    assert_eq!(done.recognized as usize, pages.len(), "{done:?}");
    pages.len() as f64 / elapsed.as_secs_f64() * 60.0
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
    if !common::img2pdf(pages, &pdf) {
        return None;
    }
    let start = Instant::now();
    let st = Command::new("ocrmypdf")
        .args([
            "--jobs",
            &cores().to_string(),
            "-l",
            "deu",
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
            scanstelle::intake::decode::decode(&std::fs::read(p).unwrap())
                .unwrap()
                .pages
        })
        .map(|pg| scanstelle::prepare::imaging::load_gray(&pg.bytes, pg.encoding).unwrap())
        .collect();
    let n = imgs.len() as f64;
    let settings = scanstelle::prepare::imaging::PrepSettings::default();
    let time = |f: &dyn Fn(&image::GrayImage)| {
        let start = Instant::now();
        imgs.iter().for_each(f);
        start.elapsed().as_secs_f64() * 1e3 / n
    };
    let analyse = time(&|i| {
        scanstelle::prepare::imaging::analyse(i, 300.0, &settings);
    });
    let thumb = time(&|i| {
        scanstelle::prepare::imaging::thumbnail(i);
    });
    let upright = time(&|i| {
        scanstelle::prepare::imaging::upright(i, 300.0, true, true);
    });
    let codes = time(&|i| {
        scanstelle::prepare::separation::read_barcodes(i, 300.0);
    });
    println!(
        "Aufbereitung je Seite (1 Thread): Analyse {analyse:.0} ms, Vorschau {thumb:.0} ms, Lage+Schräglage {upright:.0} ms, Barcodes {codes:.0} ms"
    );
}

fn main() {
    let pages = pages();
    // The machine may be shared: the three ways run interleaved, round
    // after round, and each round's ratios compare runs made seconds apart.
    let rounds: usize = std::env::var("SCANSTELLE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    println!(
        "{} Seiten, {} Kerne, OMP_THREAD_LIMIT={:?}, {rounds} Runden",
        pages.len(),
        cores(),
        std::env::var("OMP_THREAD_LIMIT").ok()
    );
    let (mut cli_rates, mut ours_ratio, mut chain_ratio) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ours_rates, mut chain_rates) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let cli_rate = cli(&pages);
        let ours = scanstelle(&pages);
        let tmp = tempfile::tempdir().unwrap();
        let chain = pipeline(&pages, tmp.path());
        println!(
            "  Runde {}: CLI {cli_rate:.1}, nur OCR {ours:.1} ({:.2}×), ganze Kette {chain:.1} ({:.2}×) Seiten/min",
            round + 1,
            ours / cli_rate,
            chain / cli_rate
        );
        cli_rates.push(cli_rate);
        ours_rates.push(ours);
        chain_rates.push(chain);
        ours_ratio.push(ours / cli_rate);
        chain_ratio.push(chain / cli_rate);
    }
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::MAX, f64::min);
        let hi = v.iter().copied().fold(f64::MIN, f64::max);
        format!("{lo:.2}–{hi:.2}")
    };
    println!("Median über die Runden (Verhältnis je Runde, Spanne):");
    println!(
        "tesseract CLI (1 Prozess je Kern): {:7.1} Seiten/min  1.00×",
        common::median(cli_rates.clone())
    );
    println!(
        "Scanstelle, nur OCR:               {:7.1} Seiten/min  {:.2}×  ({})",
        common::median(ours_rates),
        common::median(ours_ratio.clone()),
        range(&ours_ratio)
    );
    println!(
        "Scanstelle, ganze Kette:           {:7.1} Seiten/min  {:.2}×  ({})",
        common::median(chain_rates),
        common::median(chain_ratio.clone()),
        range(&chain_ratio)
    );
    preparation(&pages);
    let tmp = tempfile::tempdir().unwrap();
    match ocrmypdf(&pages, tmp.path()) {
        Some(r) => println!(
            "ocrmypdf --jobs {}:                {r:7.1} Seiten/min  {:.2}×",
            cores(),
            r / common::median(cli_rates)
        ),
        None => println!("ocrmypdf: nicht installiert"),
    }
}
