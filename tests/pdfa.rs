//! PDF/A-2b output: image plus invisible text at the word positions.

use crate::common;

use common::*;
use scanstelle::package::pdfa::{PdfPage, document_pdf};
use std::process::Command;

fn tool(name: &str) -> bool {
    let ok = Command::new(name).arg("-v").output().is_ok();
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "{name} missing in CI (poppler-utils)"
    );
    ok
}

#[test]
fn the_demo_letter_becomes_a_searchable_pdfa_2b() {
    let page = scanstelle::intake::decode::decode(demo_g4_tiff())
        .unwrap()
        .pages
        .remove(0);
    let img = scanstelle::prepare::imaging::load_gray(&page.bytes, page.encoding).unwrap();
    let mut engine =
        scanstelle::ocr::OcrEngine::new(&scanstelle::ocr::OcrSettings::default()).unwrap();
    let ocr = engine.recognize(&img, 300).unwrap();
    let pdf = document_pdf(
        &[PdfPage {
            image: &page.bytes,
            encoding: page.encoding,
            width: page.width,
            height: page.height,
            dpi: 300.0,
            words: &ocr.words,
        }],
        "Weiterbewilligungsantrag",
    )
    .unwrap();
    if let Some(p) = std::env::var_os("PDFA_DUMP") {
        std::fs::write(p, &pdf).unwrap();
    }
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("pdfaid:part") && raw.contains(">2<") || raw.contains("pdfaid:part=\"2\""),
        "XMP pdfaid part 2"
    );
    assert!(
        raw.contains("pdfaid:conformance")
            && (raw.contains(">B<") || raw.contains("conformance=\"B\""))
    );
    assert!(raw.contains("/OutputIntents"), "output intent");
    assert!(!raw.contains("JBIG2"), "never JBIG2");

    if !tool("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Weiterbewilligung") && text.contains("12345"),
        "{text}"
    );
    // The word sits where the OCR found it: compare pdftotext's box with the OCR box.
    let out = Command::new("pdftotext")
        .arg("-bbox")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&out.stdout);
    let line = html
        .lines()
        .find(|l| l.contains(">Mustermann,<"))
        .expect("word in bbox output");
    let attr = |name: &str| -> f32 {
        let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    let w = ocr.words.iter().find(|w| w.text == "Mustermann,").unwrap();
    let to_pt = |px: u32| px as f32 * 72.0 / 300.0;
    // Each word sits at its own box, stretched to its width.
    assert!(
        (attr("xMin") - to_pt(w.left)).abs() < 1.5,
        "x {} vs {}",
        attr("xMin"),
        to_pt(w.left)
    );
    assert!(
        (attr("xMax") - to_pt(w.left + w.width)).abs() < 3.0,
        "right edge {} vs {}",
        attr("xMax"),
        to_pt(w.left + w.width)
    );
    assert!(
        (attr("yMin") - to_pt(w.top)).abs() < 8.0,
        "y {} vs {}",
        attr("yMin"),
        to_pt(w.top)
    );
    let fonts = Command::new("pdffonts").arg(&file).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "embedded fonts:\n{fonts}"
    );
}

#[test]
fn jpeg_pages_are_embedded_without_recompression() {
    let jpeg = include_bytes!("../assets/demo/kontoauszug.jpg");
    let pdf = document_pdf(
        &[PdfPage {
            image: jpeg,
            encoding: scanstelle::intake::decode::PageEncoding::Jpeg,
            width: 1240,
            height: 1754,
            dpi: 150.0,
            words: &[],
        }],
        "Kontoauszug",
    )
    .unwrap();
    // The scanner's JPEG data (after its header segments) appears verbatim.
    let body = &jpeg[jpeg.len() / 2..];
    assert!(
        pdf.windows(body.len()).any(|w| w == body),
        "JPEG recompressed"
    );
    assert!(String::from_utf8_lossy(&pdf).contains("/DCTDecode"));
}

#[test]
fn bilevel_pages_go_in_as_ccitt_g4_pixel_for_pixel() {
    // Two bilevel pages (one from a G4 TIFF, one drawn here) around a grey one.
    let letter = scanstelle::intake::decode::decode(demo_g4_tiff())
        .unwrap()
        .pages
        .remove(0);
    let letter_img =
        scanstelle::prepare::imaging::load_gray(&letter.bytes, letter.encoding).unwrap();
    let drawn = image::GrayImage::from_fn(601, 403, |x, y| {
        image::Luma([if (x / 7 + y / 5) % 3 == 0 { 0 } else { 255 }])
    });
    let drawn_png = scanstelle::prepare::imaging::page_png(&drawn, 200.0, true);
    let grey = png_page(300, 200, 7, 100);
    fn page(image: &[u8], width: u32, height: u32, dpi: f32) -> PdfPage<'_> {
        PdfPage {
            image,
            encoding: scanstelle::intake::decode::PageEncoding::Png,
            width,
            height,
            dpi,
            words: &[],
        }
    }
    let pdf = document_pdf(
        &[
            page(&letter.bytes, letter.width, letter.height, 300.0),
            page(&grey, 300, 200, 100.0),
            page(&drawn_png, 601, 403, 200.0),
        ],
        "Gemischt",
    )
    .unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert_eq!(raw.matches("/CCITTFaxDecode").count(), 2, "two G4 images");
    assert!(raw.contains("pdfaid:part"), "still PDF/A");
    assert!(!raw.contains("JBIG2"), "never JBIG2");
    if !tool("pdfimages") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g4.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let list = Command::new("pdfimages")
        .arg("-list")
        .arg(&file)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    let rows: Vec<Vec<&str>> = list
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{list}");
    // page, num, type, width, height, color (ICC grey), comp, bpc, enc
    assert_eq!(
        &rows[0][3..9],
        &[
            &letter.width.to_string(),
            &letter.height.to_string(),
            "icc",
            "1",
            "1",
            "ccitt"
        ],
        "{list}"
    );
    assert_eq!(&rows[1][8], &"image", "{list}");
    assert_eq!(
        &rows[2][3..9],
        &["601", "403", "icc", "1", "1", "ccitt"],
        "{list}"
    );
    // Extracted again, the pixels are exactly the page's.
    let back = extracted(&file, 0).into_luma8();
    assert_eq!(back.dimensions(), letter_img.dimensions());
    let differing = back
        .pixels()
        .zip(letter_img.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differing, 0, "G4 round trip changed {differing} pixels");
}

#[test]
fn grey_and_colour_pages_go_in_with_their_png_rows_pixel_for_pixel() {
    use scanstelle::intake::decode::{ColourMode, PageEncoding, encode_png};
    let grey = image::GrayImage::from_fn(411, 287, |x, y| {
        image::Luma([((x * 7 + y * 3) % 256) as u8])
    });
    let colour = image::RgbImage::from_fn(203, 151, |x, y| {
        image::Rgb([(x % 256) as u8, (y * 2 % 256) as u8, ((x + y) % 256) as u8])
    });
    let grey_png = encode_png(
        411,
        287,
        ColourMode::Gray,
        grey.as_raw(),
        Some((150.0, 150.0)),
    );
    let colour_png = encode_png(
        203,
        151,
        ColourMode::Colour,
        colour.as_raw(),
        Some((100.0, 100.0)),
    );
    fn page(image: &[u8], width: u32, height: u32, dpi: f32) -> PdfPage<'_> {
        PdfPage {
            image,
            encoding: PageEncoding::Png,
            width,
            height,
            dpi,
            words: &[],
        }
    }
    let pdf = document_pdf(
        &[
            page(&grey_png, 411, 287, 150.0),
            page(&colour_png, 203, 151, 100.0),
        ],
        "Grau und Farbe",
    )
    .unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert_eq!(
        raw.matches("/Predictor 15").count(),
        2,
        "PNG rows as they were"
    );
    assert!(raw.contains("pdfaid:part"), "still PDF/A");
    if !tool("pdfimages") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("grau.pdf");
    std::fs::write(&file, &pdf).unwrap();
    assert_eq!(extracted(&file, 0).into_luma8(), grey, "grey page changed");
    let back = extracted(&file, 1).into_rgb8();
    assert_eq!(back, colour, "colour page changed");
}

/// Image `n` (0-based) of a PDF as `pdfimages -png` extracts it.
fn extracted(pdf: &std::path::Path, n: usize) -> image::DynamicImage {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        Command::new("pdfimages")
            .arg("-png")
            .arg(pdf)
            .arg(dir.path().join("img"))
            .status()
            .unwrap()
            .success()
    );
    image::open(dir.path().join(format!("img-{n:03}.png"))).unwrap()
}
