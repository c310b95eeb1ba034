//! Unit tests of page preparation.

use super::*;

#[test]
fn flags_are_put_in_words() {
    assert_eq!(flag_words("too_dark").as_deref(), Some("Seite zu dunkel"));
    assert_eq!(
        flag_words("page_count_mismatch").as_deref(),
        Some("Seitenzahl weicht vom Deckblatt ab")
    );
    assert_eq!(flag_words(""), None);
}

fn page(f: impl Fn(u32, u32) -> u8) -> GrayImage {
    GrayImage::from_fn(2480, 3508, |x, y| image::Luma([f(x, y)]))
}

fn settings() -> PrepSettings {
    PrepSettings::default()
}

#[test]
fn white_page_with_dust_is_blank_a_signature_is_not() {
    // Dust: isolated 2-pixel specks every 97 pixels.
    let dusty = page(|x, y| if x % 97 < 2 && y % 97 < 2 { 0 } else { 255 });
    let a = analyse(&dusty, 300.0, &settings());
    assert!(a.blank, "dust only: ink {}", a.ink);
    // A signature: a 6 cm × 1 cm scribble of 3-pixel strokes.
    let signed = page(|x, y| {
        let in_box = (1500..2200).contains(&x) && (3000..3120).contains(&y);
        if in_box && (x + y) % 24 < 3 { 0 } else { 255 }
    });
    let a = analyse(&signed, 300.0, &settings());
    assert!(!a.blank, "signature: ink {}", a.ink);
    // Punch holes and a dark scanner edge sit in the margin and do not count.
    let edges = page(|x, _| if x < 60 { 0 } else { 255 });
    assert!(analyse(&edges, 300.0, &settings()).blank);
}

#[test]
fn quality_flags() {
    let dark = page(|x, y| if (x / 20 + y / 20) % 2 == 0 { 30 } else { 90 });
    assert!(
        analyse(&dark, 300.0, &settings())
            .flags
            .contains(&QualityFlag::TooDark)
    );
    let faint = page(|x, y| if y % 60 < 4 && x % 10 < 7 { 185 } else { 250 });
    let a = analyse(&faint, 300.0, &settings());
    assert!(a.flags.contains(&QualityFlag::TooLight), "{a:?}");
    let text = page(|x, y| if y % 60 < 4 && x % 10 < 7 { 10 } else { 250 });
    let a = analyse(&text, 300.0, &settings());
    assert!(a.flags.is_empty(), "{a:?}");
    // A short letter: a few lines, well under 1 % ink, black on white.
    let short = page(|x, y| {
        if y % 60 < 4 && y < 400 && x % 10 < 7 && x < 600 {
            0
        } else {
            255
        }
    });
    let a = analyse(&short, 300.0, &settings());
    assert!(a.ink < 0.01 && a.flags.is_empty(), "{a:?}");
    assert!(
        analyse(&text, 150.0, &settings())
            .flags
            .contains(&QualityFlag::LowResolution)
    );
    let long = GrayImage::from_pixel(2480, 7000, image::Luma([255]));
    assert!(
        analyse(&long, 300.0, &settings())
            .flags
            .contains(&QualityFlag::DoubleFeed)
    );
}

#[test]
fn grainy_pages_are_found_and_smoothed() {
    let grainy = page(|x, y| {
        // A hash of the position as the grain.
        let h =
            (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663)).wrapping_mul(2_654_435_761);
        let text = y % 40 < 6 && x % 9 < 5;
        let base: i32 = if text { 30 } else { 215 };
        (base + (h >> 16) as i32 % 81 - 40).clamp(0, 255) as u8
    });
    let clean = page(|x, y| if y % 40 < 6 && x % 9 < 5 { 30 } else { 230 });
    assert!(noise_level(&grainy) > NOISY, "{}", noise_level(&grainy));
    assert!(noise_level(&clean) < 2.0, "{}", noise_level(&clean));
    let smooth = median3(&grainy);
    // The network gives the true median (checked against sorting).
    for (x, y) in [(1, 1), (500, 700), (2478, 3506), (63, 9), (64, 10)] {
        let mut v: Vec<u8> = (0..9)
            .map(|k| grainy.get_pixel(x + k % 3 - 1, y + k / 3 - 1).0[0])
            .collect();
        v.sort_unstable();
        assert_eq!(smooth.get_pixel(x, y).0[0], v[4], "at {x},{y}");
    }
    assert!(noise_level(&smooth) < noise_level(&grainy) / 2.0);
    assert_eq!(smooth.dimensions(), grainy.dimensions());
}

#[test]
fn thumbnail_is_small_jpeg() {
    let t = thumbnail(&page(|x, _| (x % 256) as u8));
    let img = image::load_from_memory(&t).unwrap();
    assert!(img.width() <= THUMB_SIZE && img.height() == THUMB_SIZE);
}
