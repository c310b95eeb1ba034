//! Separation: a stack of pages becomes documents.
//!
//! Barcodes are read on every page during preparation (QR, Code 128 and
//! Code 39, with rxing, one thorough pass on a copy reduced to ~150 dpi).
//! Two kinds of sheets split a stack and are kept in the store but left out
//! of the documents:
//! - separator sheets: a barcode `PATCHT` (the convention of capture
//!   software such as paperless-ngx) when the profile says `patch-t`;
//! - Scanstelle cover sheets (`scanstelle coversheet`): a QR code
//!   `SCANSTELLE:BG=<BG-Nummer>[;TYP=<Dokumenttyp>][;SEITEN=<n>]` that
//!   starts a new document and pre-assigns its case, type and page count.
//!
//! Without any such sheet, each file is one document, or the profile splits
//! every `n` pages.

use image::GrayImage;
use rxing::{BarcodeFormat, DecodeHints};

/// A barcode found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Barcode {
    /// Symbology (`QR_CODE`, `CODE_128`, `CODE_39`).
    pub format: String,
    /// The decoded content.
    pub text: String,
}

/// Reads every barcode the station uses on a page.
pub fn read_barcodes(page: &GrayImage) -> Vec<Barcode> {
    if page.width() > 1200 {
        read_barcodes_reduced(&crate::imaging::downsample(page, 2))
    } else {
        read_barcodes_reduced(page)
    }
}

/// Reads the barcodes on a page already reduced to about 150 dpi
/// ([`crate::imaging::layout_copy`]): a thorough pass there costs a quarter
/// of one at 300 dpi and copes better with noisy scans.
pub fn read_barcodes_reduced(small: &GrayImage) -> Vec<Barcode> {
    read_at(small, true)
}

/// One pass over the page for all formats (one binarisation).
fn read_at(page: &GrayImage, try_harder: bool) -> Vec<Barcode> {
    let mut hints = DecodeHints {
        PossibleFormats: Some(
            [
                BarcodeFormat::QR_CODE,
                BarcodeFormat::CODE_128,
                BarcodeFormat::CODE_39,
            ]
            .into(),
        ),
        TryHarder: Some(try_harder),
        ..DecodeHints::default()
    };
    rxing::helpers::detect_in_luma_slice_with_hints(
        page.as_raw(),
        page.width(),
        page.height(),
        None,
        &mut hints,
    )
    .map(|r| Barcode {
        format: format!("{:?}", r.getBarcodeFormat()),
        text: r.getText().to_owned(),
    })
    .into_iter()
    .collect()
}

/// What a cover sheet says about the document that follows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoverSheet {
    /// The case (normalised BG-Nummer).
    pub bg: String,
    /// The document type slug, if given.
    pub doc_type: Option<String>,
    /// Expected number of pages, if given.
    pub pages: Option<u32>,
}

/// Prefix of the cover-sheet payload.
pub const COVER_PREFIX: &str = "SCANSTELLE:";

impl CoverSheet {
    /// The QR payload.
    pub fn payload(&self) -> String {
        let mut s = format!("{COVER_PREFIX}BG={}", self.bg);
        if let Some(t) = &self.doc_type {
            s.push_str(&format!(";TYP={t}"));
        }
        if let Some(n) = self.pages {
            s.push_str(&format!(";SEITEN={n}"));
        }
        s
    }

    /// Parses a payload; `None` if it is not a (valid) cover sheet.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.trim().strip_prefix(COVER_PREFIX)?;
        let mut sheet = CoverSheet::default();
        for part in rest.split(';') {
            let (k, v) = part.split_once('=')?;
            match k.trim() {
                "BG" => sheet.bg = normalize_bg(v)?,
                "TYP" => sheet.doc_type = Some(v.trim().to_owned()),
                "SEITEN" => sheet.pages = Some(v.trim().parse().ok()?),
                _ => {}
            }
        }
        (!sheet.bg.is_empty()).then_some(sheet)
    }
}

/// Normalises a BG-Nummer written as `12345BG0012345`, `12345 BG 0012345` or
/// `12345//0012345` to `12345BG0012345`; `None` if it is not one.
pub fn normalize_bg(s: &str) -> Option<String> {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let compact = compact.replace("//", "BG");
    let (office, serial) = compact.split_once("BG")?;
    (office.len() == 5
        && serial.len() == 7
        && office.bytes().all(|b| b.is_ascii_digit())
        && serial.bytes().all(|b| b.is_ascii_digit()))
    .then(|| format!("{office}BG{serial}"))
}

/// Whether a barcode marks a separator sheet.
pub fn is_patch_t(text: &str) -> bool {
    let t: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_uppercase();
    t == "PATCHT"
}

/// One page as the planner sees it.
#[derive(Debug, Clone)]
pub struct PlanPage {
    /// Page id.
    pub page_id: i64,
    /// Source file it came from.
    pub source_file_id: i64,
    /// Blank pages are in no document.
    pub blank: bool,
    /// Barcodes on it.
    pub barcodes: Vec<Barcode>,
}

/// A document the planner made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlannedDocument {
    /// Its pages, in order.
    pub pages: Vec<i64>,
    /// The cover sheet that started it.
    pub cover: Option<CoverSheet>,
}

/// The planner's result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// The documents.
    pub documents: Vec<PlannedDocument>,
    /// Separator and cover-sheet pages (kept, but in no document).
    pub separators: Vec<i64>,
}

/// How a batch is split when it has no separator sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitRule {
    /// Separator sheets with `PATCHT` split (profile `separation = "patch-t"`).
    pub patch_t: bool,
    /// Split every `n` pages (0: off).
    pub every: u32,
}

/// Splits a batch's pages (in batch order) into documents.
pub fn plan(pages: &[PlanPage], rule: SplitRule) -> Plan {
    let mut plan = Plan::default();
    let marks: Vec<Option<Option<CoverSheet>>> = pages
        .iter()
        .map(|p| {
            if let Some(c) = p.barcodes.iter().find_map(|b| CoverSheet::parse(&b.text)) {
                Some(Some(c))
            } else if rule.patch_t && p.barcodes.iter().any(|b| is_patch_t(&b.text)) {
                Some(None)
            } else {
                None
            }
        })
        .collect();
    let has_sheets = marks.iter().any(Option::is_some);
    let mut current = PlannedDocument::default();
    let mut last_source = None;
    for (p, mark) in pages.iter().zip(marks) {
        if let Some(cover) = mark {
            if !current.pages.is_empty() || current.cover.is_some() {
                plan.documents.push(std::mem::take(&mut current));
            }
            current.cover = cover;
            plan.separators.push(p.page_id);
            continue;
        }
        if p.blank {
            continue;
        }
        let new_file = last_source.is_some_and(|s| s != p.source_file_id);
        let full = rule.every > 0 && current.pages.len() as u32 >= rule.every;
        if !has_sheets && (new_file || full) && !current.pages.is_empty() {
            plan.documents.push(std::mem::take(&mut current));
        }
        last_source = Some(p.source_file_id);
        current.pages.push(p.page_id);
    }
    if !current.pages.is_empty() || current.cover.is_some() {
        plan.documents.push(current);
    }
    plan
}

/// Renders the QR code of a payload as a square 1-bit matrix (`true` = black),
/// with the quiet zone, `size` modules per side scaled to `pixels`.
pub fn qr_matrix(payload: &str, pixels: u32) -> Result<(u32, Vec<bool>), String> {
    use rxing::Writer;
    let m = rxing::MultiFormatWriter
        .encode(
            payload,
            &BarcodeFormat::QR_CODE,
            pixels as i32,
            pixels as i32,
        )
        .map_err(|e| e.to_string())?;
    let (w, h) = (m.width(), m.height());
    let mut bits = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            bits.push(m.get(x, y));
        }
    }
    Ok((w, bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(id: i64, src: i64, codes: &[&str]) -> PlanPage {
        PlanPage {
            page_id: id,
            source_file_id: src,
            blank: false,
            barcodes: codes
                .iter()
                .map(|t| Barcode {
                    format: "QR_CODE".into(),
                    text: (*t).into(),
                })
                .collect(),
        }
    }

    const SPLIT: SplitRule = SplitRule {
        patch_t: true,
        every: 0,
    };

    #[test]
    fn patch_t_splits_and_is_left_out() {
        let p = plan(
            &[
                page(1, 1, &[]),
                page(2, 1, &["PATCHT"]),
                page(3, 1, &[]),
                page(4, 1, &[]),
            ],
            SPLIT,
        );
        assert_eq!(p.separators, [2]);
        assert_eq!(
            p.documents
                .iter()
                .map(|d| d.pages.clone())
                .collect::<Vec<_>>(),
            [vec![1], vec![3, 4]]
        );
        // Two separators in a row do not make an empty document.
        let p = plan(
            &[
                page(1, 1, &[]),
                page(2, 1, &["PATCHT"]),
                page(3, 1, &["PATCHT"]),
                page(4, 1, &[]),
            ],
            SPLIT,
        );
        assert_eq!(p.documents.len(), 2);
        // Without patch-t in the profile the sheet is just a page.
        let p = plan(
            &[page(1, 1, &[]), page(2, 1, &["PATCHT"])],
            SplitRule {
                patch_t: false,
                every: 0,
            },
        );
        assert_eq!(p.documents.len(), 1);
        assert_eq!(p.documents[0].pages, [1, 2]);
    }

    #[test]
    fn cover_sheets_assign_the_following_document() {
        let cover = "SCANSTELLE:BG=12345 BG 0012345;TYP=kontoauszug;SEITEN=2";
        let p = plan(
            &[page(1, 1, &[cover]), page(2, 1, &[]), page(3, 1, &[])],
            SPLIT,
        );
        assert_eq!(p.separators, [1]);
        assert_eq!(p.documents.len(), 1);
        let c = p.documents[0].cover.as_ref().unwrap();
        assert_eq!(
            (c.bg.as_str(), c.doc_type.as_deref(), c.pages),
            ("12345BG0012345", Some("kontoauszug"), Some(2))
        );
        assert_eq!(CoverSheet::parse(&c.payload()).as_ref(), Some(c));
    }

    #[test]
    fn without_sheets_each_file_or_every_n_pages() {
        let pages = [
            page(1, 1, &[]),
            page(2, 1, &[]),
            page(3, 2, &[]),
            page(4, 2, &[]),
            page(5, 2, &[]),
        ];
        let p = plan(&pages, SPLIT);
        assert_eq!(
            p.documents
                .iter()
                .map(|d| d.pages.len())
                .collect::<Vec<_>>(),
            [2, 3]
        );
        let p = plan(
            &pages,
            SplitRule {
                patch_t: false,
                every: 1,
            },
        );
        assert_eq!(p.documents.len(), 5);
    }

    #[test]
    fn bg_numbers_are_normalised_or_refused() {
        assert_eq!(
            normalize_bg("12345//0012345").as_deref(),
            Some("12345BG0012345")
        );
        assert_eq!(
            normalize_bg("12345 bg 0012345").as_deref(),
            Some("12345BG0012345")
        );
        assert_eq!(normalize_bg("1234BG0012345"), None);
        assert_eq!(normalize_bg("12345BG00123O5"), None);
    }

    #[test]
    fn qr_round_trip() {
        let payload = CoverSheet {
            bg: "12345BG0012345".into(),
            doc_type: None,
            pages: Some(3),
        }
        .payload();
        let (w, bits) = qr_matrix(&payload, 400).unwrap();
        let img = GrayImage::from_fn(w + 80, w + 80, |x, y| {
            let inside = x >= 40 && y >= 40 && x < w + 40 && y < w + 40;
            let black = inside && bits[((y - 40) * w + (x - 40)) as usize];
            image::Luma([if black { 0 } else { 255 }])
        });
        let found = read_barcodes(&img);
        assert_eq!(
            found.first().map(|b| b.text.as_str()),
            Some(payload.as_str())
        );
    }
}
