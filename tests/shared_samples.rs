//! Real third-party scans from `../shared/samples` (never copied into the
//! project). Without the folder these tests are skipped on a developer's
//! machine, but fail when `CI` is set.

mod common;

use common::*;
use scanstelle::decode::{ColourMode, FileFormat, PageEncoding, PageOrigin, decode};
use scanstelle::intake::{Outcome, TakeOptions, take_file};
use scanstelle::station::Station;
use std::path::PathBuf;
use std::time::Duration;

fn samples() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {} is missing: the shared samples are required in CI",
        dir.display()
    );
    eprintln!("{} missing: shared-sample tests skipped", dir.display());
    None
}

fn read(rel: &str) -> Option<Vec<u8>> {
    let dir = samples()?;
    Some(std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")))
}

#[test]
fn multi_page_g4_tiff_batch() {
    let Some(bytes) = read("batches/batch-0001.tif") else {
        return;
    };
    let f = decode(&bytes).unwrap();
    assert_eq!(f.format, FileFormat::Tiff);
    assert_eq!(f.pages.len(), 5);
    assert!(f.pages.iter().all(|p| p.colour == ColourMode::Bilevel));
    assert!(f.pages.iter().all(|p| p.dpi == Some((300.0, 300.0))));
}

#[test]
fn the_same_batch_as_pdf_gives_the_same_pages() {
    let (Some(tif), Some(pdf)) = (
        read("batches/batch-0001.tif"),
        read("batches/batch-0001.pdf"),
    ) else {
        return;
    };
    let t = decode(&tif).unwrap();
    let p = decode(&pdf).unwrap();
    assert_eq!(t.pages.len(), p.pages.len());
    for (a, b) in t.pages.iter().zip(&p.pages) {
        assert_eq!(
            b.origin,
            PageOrigin::Scanned,
            "img2pdf pages are extracted, not rendered"
        );
        assert_eq!((a.width, a.height), (b.width, b.height));
        let pa = image::load_from_memory(&a.bytes).unwrap().to_luma8();
        let pb = image::load_from_memory(&b.bytes).unwrap().to_luma8();
        assert!(
            pa == pb,
            "G4 page from the PDF must equal the TIFF page pixel for pixel"
        );
    }
}

#[test]
fn scanner_pdfs_kodak_epson_ccitt_are_extracted_at_native_resolution() {
    for (rel, w, h, dpi) in [
        ("ocrmypdf/ccitt.pdf", 2550, 3300, 300.0),
        ("ocrmypdf/kcs.pdf", 1914, 930, 300.0),
        ("ocrmypdf/epson.pdf", 2480, 3507, 300.0),
    ] {
        let Some(bytes) = read(rel) else { return };
        let f = decode(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let p = &f.pages[0];
        assert_eq!(p.origin, PageOrigin::Scanned, "{rel}");
        assert_eq!((p.width, p.height), (w, h), "{rel}");
        assert_eq!(p.dpi, Some((dpi, dpi)), "{rel}");
        assert_eq!(p.colour, ColourMode::Bilevel, "{rel}");
    }
}

#[test]
fn jpeg_pages_in_pdfs_are_kept_unrecompressed() {
    let Some(bytes) = read("paperless/multi-page-images.pdf") else {
        return;
    };
    let f = decode(&bytes).unwrap();
    assert_eq!(f.pages.len(), 3);
    for p in &f.pages {
        assert_eq!(p.encoding, PageEncoding::Jpeg);
        assert!(p.bytes.starts_with(&[0xFF, 0xD8]));
        // The JPEG data is found verbatim in the PDF.
        assert!(
            bytes
                .windows(p.bytes.len())
                .any(|w| w == p.bytes.as_slice())
        );
    }
}

#[test]
fn jpeg_in_tiff_lzw_tiff_and_deflate_tiff() {
    for (rel, pages) in [
        ("paperless/simple.tiff", 1),
        ("paperless/patch-code-t-middle.tiff", 3),
        ("paperless/multi-page-images.tiff", 3),
        ("tesseract-test/8087_054.3B.tif", 1),
    ] {
        let Some(bytes) = read(rel) else { return };
        let f = decode(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(f.pages.len(), pages, "{rel}");
        for p in &f.pages {
            let img = image::load_from_memory(&p.bytes).unwrap().to_luma8();
            let white = img.pixels().filter(|px| px.0[0] > 200).count() as f64 / img.len() as f64;
            assert!(
                white > 0.5,
                "{rel}: page looks inverted or black ({white:.2} light)"
            );
        }
    }
}

#[test]
fn born_digital_pdf_keeps_its_german_text() {
    let Some(bytes) = read("zugferd/pdf/EN16931_Miete.pdf") else {
        return;
    };
    let f = decode(&bytes).unwrap();
    let p = &f.pages[0];
    assert_eq!(p.origin, PageOrigin::Rendered);
    let text = p.text.as_deref().unwrap();
    assert!(text.contains("Mietrechnung"), "{text}");
    assert!(text.contains("DUESSELDORF"), "{text}");
}

#[test]
fn invalid_and_password_protected_pdfs_are_quarantined_with_reasons() {
    let Some(dir) = samples() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let hot = tmp.path().join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let mut station = Station::open(&tmp.path().join("home")).unwrap();
    let profile = test_profile(&hot, 100, "");
    let opts = TakeOptions {
        remove_original: true,
        quarantine_after: Duration::ZERO,
    };
    for (name, expected) in [
        ("paperless/password-is-test.pdf", "passwortgeschützt"),
        ("paperless/invalid_pdf.pdf", "fremde Byte"),
        ("paperless/content.txt", "Unbekanntes Dateiformat"),
    ] {
        let path = hot.join(std::path::Path::new(name).file_name().unwrap());
        std::fs::copy(dir.join(name), &path).unwrap();
        match take_file(&mut station, &profile, &path, &opts).unwrap() {
            Outcome::Quarantined { reason, stored_as } => {
                assert!(reason.contains(expected), "{name}: {reason}");
                let note =
                    std::fs::read_to_string(format!("{}.reason.txt", stored_as.display())).unwrap();
                assert!(note.contains(expected), "{note}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert_eq!(station.store.quarantine_entries().unwrap().len(), 3);
}

#[test]
fn every_sample_scan_is_either_taken_or_quarantined_never_an_error() {
    let Some(dir) = samples() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let hot = tmp.path().join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let mut station = Station::open(&tmp.path().join("home")).unwrap();
    let profile = test_profile(&hot, 100, "");
    let opts = TakeOptions {
        remove_original: false,
        quarantine_after: Duration::ZERO,
    };
    let mut n = 0;
    for sub in [
        "ocrmypdf",
        "paperless",
        "tesseract-test",
        "zugferd/scans",
        "batches",
    ] {
        for path in files_in(&dir.join(sub)) {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !["pdf", "tif", "tiff", "png", "jpg"].contains(&ext) {
                continue;
            }
            let out = take_file(&mut station, &profile, &path, &opts)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                matches!(
                    out,
                    Outcome::Ingested(_) | Outcome::Quarantined { .. } | Outcome::Duplicate { .. }
                ),
                "{}: {out:?}",
                path.display()
            );
            n += 1;
        }
    }
    assert!(n > 50, "only {n} samples seen");
    assert!(station.store.check_integrity().unwrap().is_empty());
}
