//! Property tests (proptest) on what strangers send: format sniffing and
//! decoding of arbitrary and of damaged scanner files, PDF page
//! extraction, identifier reading, register import and DMS replies. Each
//! runs a fixed budget here (64 cases, a few seconds); `tests/fuzz-long.sh`
//! runs them with thousands. Nothing may panic, nothing damaged may come
//! back as whole pages, and no garbage may attach a document to a case.

use crate::common;

use common::*;
use proptest::prelude::*;
use scanstelle::intake::decode::decode;

/// Valid scanner files to damage: small, in every format.
fn seeds() -> Vec<Vec<u8>> {
    vec![
        jpeg_page(64, 80, 3),
        png_page(64, 80, 4, 300),
        tiff_pages(64, 80, &[5, 6]),
        image_pdf(
            &[(
                64,
                80,
                "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode",
                jpeg_page(64, 80, 7),
            )],
            200.0,
        ),
        text_pdf(&["Antrag auf Weiterbewilligung"]),
    ]
}

/// One way of damaging a file.
#[derive(Debug, Clone)]
enum Damage {
    /// Cut at this share of the length (per mille), optionally with the
    /// format's end marker put back.
    Cut(u16, bool),
    /// Bytes set to a value at positions (per mille of the length).
    Flip(Vec<(u16, u8)>),
    /// A run of bytes inserted at a position.
    Insert(u16, Vec<u8>),
    /// A stretch removed.
    Remove(u16, u16),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0u16..1000, any::<bool>()).prop_map(|(at, end)| Damage::Cut(at, end)),
        prop::collection::vec((0u16..1000, any::<u8>()), 1..8).prop_map(Damage::Flip),
        (0u16..1000, prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(at, b)| Damage::Insert(at, b)),
        (0u16..1000, 1u16..200).prop_map(|(at, n)| Damage::Remove(at, n)),
    ]
}

fn apply(file: &[u8], d: &Damage) -> Vec<u8> {
    let at = |p: u16| (file.len() * usize::from(p) / 1000).min(file.len());
    let mut out = file.to_vec();
    match d {
        Damage::Cut(p, end) => {
            out.truncate(at(*p));
            if *end {
                let marker: &[u8] = if file.starts_with(b"%PDF") {
                    b"\n%%EOF\n"
                } else if file.starts_with(&[0xFF, 0xD8]) {
                    &[0xFF, 0xD9]
                } else {
                    b"IEND\xaeB`\x82"
                };
                out.extend_from_slice(marker);
            }
        }
        Damage::Flip(spots) => {
            for (p, v) in spots {
                let i = at(*p).min(out.len().saturating_sub(1));
                if let Some(b) = out.get_mut(i) {
                    *b = *v;
                }
            }
        }
        Damage::Insert(p, bytes) => {
            let i = at(*p);
            out.splice(i..i, bytes.iter().copied());
        }
        Damage::Remove(p, n) => {
            let i = at(*p);
            let j = (i + usize::from(*n)).min(out.len());
            out.drain(i..j);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_are_refused_in_words_or_decoded_whole(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        match decode(&bytes) {
            Err(e) => prop_assert!(!e.to_string().is_empty()),
            Ok(f) => prop_assert!(!f.pages.is_empty() && f.pages.iter().all(|p| p.width > 0 && p.height > 0)),
        }
    }

    #[test]
    fn a_damaged_scanner_file_never_panics_and_never_loses_a_page_silently(
        which in 0usize..5,
        d in damage(),
    ) {
        let seeds = seeds();
        let file = &seeds[which];
        let whole = decode(file).unwrap().pages.len();
        let damaged = apply(file, &d);
        match decode(&damaged) {
            Err(e) => {
                let words = e.to_string();
                prop_assert!(!words.is_empty());
                for english in ["failed to", "unexpected end", "Memory limit"] {
                    prop_assert!(!words.contains(english), "{}", words);
                }
            }
            // Damage the decoder cannot see (a flipped pixel, padding) may
            // be taken, but never with fewer pages than the file had.
            Ok(f) => prop_assert!(f.pages.len() >= whole || damaged == *file,
                "{:?}: {} of {} pages", d, f.pages.len(), whole),
        }
    }

    #[test]
    fn a_register_of_any_bytes_is_read_or_refused_with_short_reasons(
        rows in prop::collection::vec("[0-9A-Za-zäöüß ;\"\\n\\r=.,/-]{0,80}", 0..20),
        raw in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let header = "bg_nummer;kundennummer;nachname;vorname;geburtsdatum;strasse;plz;ort\n";
        let text = format!("{header}{}", rows.join("\n"));
        for bytes in [text.as_bytes().to_vec(), [text.as_bytes(), &raw].concat(), raw.clone()] {
            match scanstelle::classify::register::parse_csv(&bytes) {
                Ok(r) => for b in &r.bad {
                    prop_assert!(b.reason.chars().count() < 300, "{}", b.reason);
                    prop_assert!(b.line >= 2);
                },
                Err(e) => prop_assert!(e.to_string().chars().count() < 300),
            }
        }
    }

    #[test]
    fn a_reply_of_any_shape_is_read_or_refused_without_panic(
        cut in 0usize..400,
        junk in prop::collection::vec(any::<u8>(), 0..64),
        at in 0usize..400,
    ) {
        let valid = scanstelle::package::xdomea::reply::write_received(
            "p-1",
            time::OffsetDateTime::UNIX_EPOCH,
        );
        let mut bytes = valid.as_bytes().to_vec();
        let at = at.min(bytes.len());
        bytes.splice(at..at, junk.iter().copied());
        bytes.truncate(cut.max(1) * bytes.len() / 400 + 1);
        // Either a reply or a refusal in words; never a panic.
        if let Err(e) = scanstelle::package::xdomea::reply::parse(&bytes) {
            prop_assert!(e.to_string().starts_with("Antwort des DMS unlesbar"));
        }
    }

    #[test]
    fn garbage_words_never_attach_a_document_to_a_case(
        words in prop::collection::vec("[0-9A-Za-z/ .:-]{1,16}", 1..60),
    ) {
        let register = scanstelle::classify::register::Register::new(
            1,
            scanstelle::classify::register::parse_csv(scanstelle::demo::REGISTER_CSV.as_bytes())
                .unwrap()
                .persons,
        );
        let classifier = scanstelle::classify::Classifier::new(&Default::default()).unwrap();
        let page: Vec<scanstelle::ocr::Word> = words
            .iter()
            .enumerate()
            .map(|(i, t)| scanstelle::ocr::Word {
                left: 100 + (i as u32 % 8) * 250,
                top: 200 + (i as u32 / 8) * 60,
                width: 200,
                height: 40,
                conf: 90.0,
                line: i as u32 / 8,
                text: t.clone(),
            })
            .collect();
        // Words made of the register's numbers would attach rightly: only
        // garbage that names none of them is asked here.
        let text = words.join(" ");
        prop_assume!(!register.case_numbers().any(|bg| text.replace([' ', '/', '-', '.'], "").contains(&bg[9..])));
        let verdict = classifier.classify(&register, None, None, None, &[page]);
        prop_assert_ne!(verdict.case.status, scanstelle::classify::casefind::CaseStatus::Auto,
            "{:?} attached by {:?}", verdict.case.case, text);
    }
}
