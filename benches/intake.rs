//! Intake throughput, printed as ratios against a baseline measured in the
//! same process: the least any intake must do with a file (read it, hash
//! it, write a durable copy). Run with `cargo bench --bench intake`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use scanstelle::intake::{Outcome, TakeOptions, take_file};
use scanstelle::station::Station;
use scanstelle::store::blob::Sha256Hex;
use std::time::{Duration, Instant};

fn time<F: FnMut()>(rounds: u32, mut f: F) -> Duration {
    f(); // warm-up
    let start = Instant::now();
    for _ in 0..rounds {
        f();
    }
    start.elapsed() / rounds
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // A4 at 300 dpi, as production scanners deliver it.
    let (w, h) = (2480, 3508);
    let inputs: Vec<(&str, Vec<u8>, usize)> = vec![
        ("G4-TIFF, 2 Seiten (Demo)", demo_g4_tiff().to_vec(), 2),
        ("LZW-TIFF grau, 3 Seiten", tiff_pages(w, h, &[1, 2, 3]), 3),
        ("JPEG grau, 1 Seite", jpeg_page(w, h, 4), 1),
        (
            "Scanner-PDF (JPEG), 2 Seiten",
            image_pdf(
                &[
                    (
                        w,
                        h,
                        "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode",
                        jpeg_page(w, h, 5),
                    ),
                    (
                        w,
                        h,
                        "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode",
                        jpeg_page(w, h, 6),
                    ),
                ],
                300.0,
            ),
            2,
        ),
        (
            "Text-PDF, 1 Seite (gerendert)",
            text_pdf(&["Widerspruch gegen den Bescheid vom 02.11.2026"; 40]),
            1,
        ),
    ];
    println!(
        "{:<32} {:>10} {:>12} {:>10} {:>8}",
        "Eingabe", "Basis ms", "Einlesen ms", "Seiten/s", "Faktor"
    );
    let mut n = 0u32;
    for (name, bytes, pages) in &inputs {
        let src = dir.path().join("input");
        std::fs::write(&src, bytes).unwrap();
        // Baseline: read, hash, durable copy.
        let copy = dir.path().join("copy");
        let base = time(5, || {
            let b = std::fs::read(&src).unwrap();
            let _ = Sha256Hex::of(&b);
            std::fs::write(&copy, &b).unwrap();
            std::fs::File::open(&copy).unwrap().sync_all().unwrap();
        });
        // The real thing: take_file into a fresh station each round.
        let rounds = 5;
        let mut total = Duration::ZERO;
        for _ in 0..rounds {
            n += 1;
            let home = dir.path().join(format!("home-{n}"));
            let hot = dir.path().join(format!("hot-{n}"));
            std::fs::create_dir_all(&hot).unwrap();
            let path = hot.join("scan");
            std::fs::write(&path, bytes).unwrap();
            let mut station = Station::open(&home, &keys(&home)).unwrap();
            let profile = test_profile(&hot, 100, "");
            let opts = TakeOptions {
                remove_original: true,
                quarantine_after: Duration::ZERO,
                limits: Default::default(),
                office: Default::default(),
            };
            let start = Instant::now();
            let out = take_file(&mut station, &profile, &path, &opts).unwrap();
            total += start.elapsed();
            assert!(matches!(out, Outcome::Ingested(_)), "{name}: {out:?}");
        }
        let ingest = total / rounds;
        println!(
            "{:<32} {:>10.1} {:>12.1} {:>10.1} {:>7.1}×",
            name,
            base.as_secs_f64() * 1e3,
            ingest.as_secs_f64() * 1e3,
            *pages as f64 / ingest.as_secs_f64(),
            ingest.as_secs_f64() / base.as_secs_f64()
        );
    }
}
