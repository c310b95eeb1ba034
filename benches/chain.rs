//! The whole chain against the bare OCR engine on three kinds of stack,
//! made by the corpus generator (`tests/stranger/stacks.rs`):
//!
//! 1. a caseworker's desk mix: one letter per file, PDF, G4 TIFF, JPEG and
//!    PNG, every page with text (profile `desk-mfp-pdf`);
//! 2. one duplex production stack, G4: Patch-T sheets between the letters,
//!    every sheet with its empty backside (profile `fujitsu-fi-g4`);
//! 3. duplex desk scans in grey whose backsides are empty but noisy
//!    (show-through, grain, dust), under a profile that keeps empty pages
//!    as pages (`desk-mfp-pdf`, `blank_pages = false`).
//!
//! Each stack, round after round, interleaved: `scanstelle process` on a
//! fresh station (intake, preparation, OCR, classification, PDF/A), the
//! tesseract CLI on every page (`-l deu`, one process per core at a time,
//! OCR only) and, where it is installed, `ocrmypdf --jobs N`. Printed:
//! pages/minute per way and round, the ratios, their medians.
//!
//! `cargo bench --bench chain`; `SCANSTELLE_BENCH_ROUNDS` (3),
//! `SCANSTELLE_BENCH_SCALE` (1.0 = 30 desk files, 7 letters in the
//! production stack, 10 noisy duplex files), `SCANSTELLE_BENCH_KEEP=DIR`
//! (keeps the stacks), `SCANSTELLE_BENCH_OCRMYPDF`
//! (the `ocrmypdf` to run; `benches/ocrmypdf-venv.sh` installs one from
//! PyPI into a virtual environment).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/stranger/mod.rs"]
mod stranger;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every page of the stack's files as a file of its own, as the scanner
/// stored it (JPEG kept as it is, G4 as 1-bit PNG), for the CLI.
fn page_files(files: &[PathBuf], dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let mut out = Vec::new();
    for f in files {
        let pages = scanstelle::intake::decode::decode(&std::fs::read(f).unwrap())
            .unwrap()
            .pages;
        for (i, p) in pages.into_iter().enumerate() {
            let ext = match p.encoding {
                scanstelle::intake::decode::PageEncoding::Jpeg => "jpg",
                scanstelle::intake::decode::PageEncoding::Png => "png",
            };
            let name = format!(
                "{}-{:03}.{ext}",
                f.file_stem().unwrap().to_string_lossy(),
                i + 1
            );
            std::fs::write(dir.join(&name), &p.bytes).unwrap();
            out.push(dir.join(name));
        }
    }
    out
}

/// The tesseract CLI on every page, one process per core at a time.
fn cli(pages: &[PathBuf]) -> f64 {
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..cores() {
            s.spawn(|| {
                while let Some(p) = pages.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let st = Command::new("tesseract")
                        .arg(p)
                        .args(["stdout", "-l", "deu"])
                        .env("OMP_THREAD_LIMIT", "1")
                        .stdout(std::process::Stdio::null())
                        .stderr(std::process::Stdio::null())
                        .status()
                        .expect("tesseract CLI");
                    assert!(st.success());
                }
            });
        }
    });
    pages.len() as f64 / start.elapsed().as_secs_f64() * 60.0
}

/// `scanstelle process --profile …` on a fresh station.
fn station(files: &[PathBuf], profile: &str, pages: usize, tmp: &Path) -> f64 {
    let home = tmp.join("home");
    common::admin_os(&home);
    std::fs::write(tmp.join("none.toml"), "").unwrap();
    let mut args = vec!["process".to_owned(), "--profile".into(), profile.into()];
    args.extend(files.iter().map(|f| f.to_string_lossy().into_owned()));
    let start = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_scanstelle"))
        .args(&args)
        .env("SCANSTELLE_HOME", &home)
        .env("SCANSTELLE_CONFIG", tmp.join("none.toml"))
        .output()
        .unwrap();
    let took = start.elapsed().as_secs_f64();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    print!(
        "    Station: {}",
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );
    println!();
    pages as f64 / took * 60.0
}

/// `ocrmypdf --jobs N -l deu` on the stack as one PDF, if an ocrmypdf is
/// there (`SCANSTELLE_BENCH_OCRMYPDF`, else on the PATH).
fn ocrmypdf(pages: &[PathBuf], tmp: &Path) -> Option<f64> {
    let exe = std::env::var("SCANSTELLE_BENCH_OCRMYPDF").unwrap_or_else(|_| "ocrmypdf".into());
    Command::new(&exe).arg("--version").output().ok()?;
    let pdf = tmp.join("stapel.pdf");
    if !common::img2pdf(pages, &pdf) {
        return None;
    }
    let start = Instant::now();
    let o = Command::new(&exe)
        .args(["--jobs", &cores().to_string(), "-l", "deu"])
        .args(["--output-type", "pdf", "--quiet", "--force-ocr"])
        .arg(&pdf)
        .arg(tmp.join("out.pdf"))
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .ok()?;
    if !o.status.success() {
        println!(
            "    ocrmypdf: {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    Some(pages.len() as f64 / start.elapsed().as_secs_f64() * 60.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds = env_f64("SCANSTELLE_BENCH_ROUNDS", 3.0).max(1.0) as usize;
    let scale = env_f64("SCANSTELLE_BENCH_SCALE", 1.0).max(0.05);
    let n = |base: f64| ((base * scale).round() as usize).max(1);
    let tmp = tempfile::tempdir().unwrap();
    // SCANSTELLE_BENCH_KEEP=DIR keeps the stacks there for a closer look.
    let keep = std::env::var_os("SCANSTELLE_BENCH_KEEP").map(PathBuf::from);
    let base = keep.as_deref().unwrap_or(tmp.path());
    let made = Instant::now();
    let stacks = [
        (
            "Schreibtisch-Mischung (nur Seiten mit Text)",
            "desk-mfp-pdf",
            stranger::stacks::desk_mix(&base.join("desk"), 2101, n(30.0)),
        ),
        (
            "Duplex-Produktionsstapel mit Trennblättern",
            "fujitsu-fi-g4",
            stranger::stacks::duplex_stack(&base.join("duplex"), 2102, n(7.0)),
        ),
        (
            "Duplex mit verrauschten leeren Rückseiten, Profil ohne Leerseitenerkennung",
            "desk-mfp-pdf",
            stranger::stacks::noisy_duplex(&base.join("noisy"), 2103, n(10.0)),
        ),
    ];
    println!(
        "{} Kerne, {rounds} Runden, Stapel erzeugt in {:.0} s",
        cores(),
        made.elapsed().as_secs_f64()
    );
    for (k, (name, profile, stack)) in stacks.iter().enumerate() {
        let pages = page_files(&stack.files, &base.join(format!("pages-{k}")));
        assert_eq!(pages.len(), stack.pages());
        println!(
            "\n{name}: {} Dateien, {} Seiten ({} mit Text, {} leere Rückseiten, {} Trennblätter), Profil {profile}",
            stack.files.len(),
            stack.pages(),
            stack.content,
            stack.backsides,
            stack.separators
        );
        let (mut ratios, mut omp_ratios) = (Vec::new(), Vec::new());
        let (mut cli_rates, mut ours_rates, mut omp_rates) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let c = cli(&pages);
            let run = tempfile::tempdir().unwrap();
            let s = station(&stack.files, profile, stack.pages(), run.path());
            let o = ocrmypdf(&pages, run.path());
            print!(
                "  Runde {}: tesseract CLI {c:.1}, Scanstelle {s:.1} Seiten/min ({:.2}×)",
                round + 1,
                s / c
            );
            if let Some(o) = o {
                print!(", ocrmypdf {o:.1} (Scanstelle {:.1}× schneller)", s / o);
                omp_ratios.push(s / o);
                omp_rates.push(o);
            }
            println!();
            ratios.push(s / c);
            cli_rates.push(c);
            ours_rates.push(s);
        }
        let spread = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::MAX, f64::min);
            let hi = v.iter().copied().fold(f64::MIN, f64::max);
            format!("{lo:.2}–{hi:.2}")
        };
        print!(
            "  Median: CLI {:.1}, Scanstelle {:.1} Seiten/min; Scanstelle/CLI {:.2}× ({})",
            median(cli_rates),
            median(ours_rates),
            median(ratios.clone()),
            spread(&ratios)
        );
        if !omp_ratios.is_empty() {
            print!(
                "; ocrmypdf {:.1} Seiten/min, Scanstelle/ocrmypdf {:.2}× ({})",
                median(omp_rates),
                median(omp_ratios.clone()),
                spread(&omp_ratios)
            );
        }
        println!();
    }
}
