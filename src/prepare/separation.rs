//! Separation: a stack of pages becomes documents.
//!
//! Barcodes are read on every page during preparation (QR, Code 128 and
//! Code 39, with rxing, one thorough pass on a copy reduced to ~150 dpi),
//! and so are Kodak patch codes (four black bars, see [`read_patch_bars`]).
//! Sheets that split a stack are kept in the store but left out of the
//! documents:
//! - patch sheets, as the profile says (`separation = "patch-t"`, `patch-2`,
//!   `patch-3` or a list): printed Kodak patch bars, or a barcode `PATCHT`,
//!   `PATCH2`, `PATCH3` (the convention of capture software such as
//!   paperless-ngx);
//! - Scanstelle cover sheets (`scanstelle coversheet`): a QR code
//!   `SCANSTELLE:BG=<BG-Nummer>[;TYP=<Dokumenttyp>][;SEITEN=<n>]` that
//!   starts a new document and pre-assigns its case, type and page count.
//!
//! An archive serial number (a barcode `ASN<digits>`, usually Code 39 on a
//! label) is stored with its document; with `asn_split` in the profile the
//! page carrying it starts a new document (and stays in it). Without any of
//! these, each file is one document, or the profile splits every `n` pages.

use image::GrayImage;
use rxing::{BarcodeFormat, DecodeHints};
use std::fmt::Write as _;

/// A barcode found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Barcode {
    /// Symbology (`QR_CODE`, `CODE_128`, `CODE_39`).
    pub format: String,
    /// The decoded content.
    pub text: String,
}

/// Reads every barcode the station uses on a page.
pub fn read_barcodes(page: &GrayImage, dpi: f32) -> Vec<Barcode> {
    let (small, small_dpi) = crate::prepare::imaging::layout_copy(page, dpi);
    read_barcodes_reduced(&small, small_dpi)
}

/// Reads the barcodes and patch codes on a page already reduced to about
/// 150 dpi ([`crate::prepare::imaging::layout_copy`]): a thorough pass there costs a
/// quarter of one at 300 dpi and copes better with noisy scans.
pub(crate) fn read_barcodes_reduced(small: &GrayImage, dpi: f32) -> Vec<Barcode> {
    // Specks of dust near a code make rxing miss it; a 3×3 median removes
    // them and keeps bars of two pixels and more.
    let mut found = read_at(&crate::prepare::imaging::median3(small), true);
    if let Some(patch) = read_patch_bars(small, dpi) {
        found.push(Barcode {
            format: PATCH_FORMAT.into(),
            text: patch.text().into(),
        });
    }
    found
}

/// The `format` under which printed patch bars are stored.
pub(crate) const PATCH_FORMAT: &str = "KODAK_PATCH";

/// The Kodak patch codes that control separation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patch {
    /// Patch 2 (wide, narrow, narrow, wide).
    Two,
    /// Patch 3 (wide, narrow, wide, narrow).
    Three,
    /// Patch T, the transfer patch (narrow, wide, narrow, wide).
    T,
}

impl Patch {
    /// The barcode text of this patch (`PATCH2`, `PATCH3`, `PATCHT`).
    pub fn text(self) -> &'static str {
        match self {
            Patch::Two => "PATCH2",
            Patch::Three => "PATCH3",
            Patch::T => "PATCHT",
        }
    }

    /// The patch a barcode text stands for (`PATCHT`, `PATCH 2`, `PATCH-III`…).
    pub(crate) fn of_text(text: &str) -> Option<Self> {
        let t: String = text
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_uppercase();
        match t.strip_prefix("PATCH")? {
            "T" => Some(Patch::T),
            "2" | "II" => Some(Patch::Two),
            "3" | "III" => Some(Patch::Three),
            _ => None,
        }
    }

    /// The patch of a bar sequence (`true` = wide), read from the leading edge.
    fn of_bars(wide: [bool; 4]) -> Option<Self> {
        match wide {
            [true, false, false, true] => Some(Patch::Two),
            [true, false, true, false] => Some(Patch::Three),
            [false, true, false, true] => Some(Patch::T),
            _ => None,
        }
    }
}

/// Finds a printed Kodak patch code: four black bars, two wide (0.2 inch)
/// and two narrow (0.08 inch), 0.08 inch apart, at least half an inch long,
/// with white around them. Bars parallel to the top edge are read from the
/// top down (the leading edge), bars parallel to the side edges from right to
/// left (Kodak's end-fed patches). Patches 1, 4 and 6 are not reported.
pub fn read_patch_bars(small: &GrayImage, dpi: f32) -> Option<Patch> {
    let dpi = if dpi > 0.0 { dpi } else { 150.0 };
    let ink = crate::prepare::imaging::ink_mask(small);
    let (w, h) = (small.width() as usize, small.height() as usize);
    // Vertical bars: scan rows, read right to left.
    let rows = |y: usize| -> Vec<bool> { (0..w).rev().map(|x| ink[y * w + x]).collect() };
    // Horizontal bars: scan columns, read top down.
    let cols = |x: usize| -> Vec<bool> { (0..h).map(|y| ink[y * w + x]).collect() };
    patch_in_lines(h, &rows, dpi).or_else(|| patch_in_lines(w, &cols, dpi))
}

/// Looks for the same patch at the same place on enough consecutive lines.
fn patch_in_lines(n: usize, line: &dyn Fn(usize) -> Vec<bool>, dpi: f32) -> Option<Patch> {
    let step = ((dpi / 50.0) as usize).max(1);
    let needed = ((0.5 * dpi) as usize / step).max(3);
    let mut run: Option<(Patch, usize, usize)> = None; // patch, start position, lines
    for i in (0..n).step_by(step) {
        let found = patch_on_line(&line(i), dpi);
        run = match (run, found) {
            (Some((p, at, count)), Some((q, at2))) if p == q && at.abs_diff(at2) <= step + 2 => {
                if count + 1 >= needed {
                    return Some(p);
                }
                Some((p, at, count + 1))
            }
            (_, Some((q, at2))) => Some((q, at2, 1)),
            (_, None) => None,
        };
    }
    None
}

/// A patch pattern on one scan line (`true` = ink), with where it starts.
fn patch_on_line(line: &[bool], dpi: f32) -> Option<(Patch, usize)> {
    // Runs of equal colour: (is ink, start, length).
    let mut runs: Vec<(bool, usize, usize)> = Vec::new();
    for (i, &v) in line.iter().enumerate() {
        match runs.last_mut() {
            Some((c, _, len)) if *c == v => *len += 1,
            _ => runs.push((v, i, 1)),
        }
    }
    let inch = |len: usize| len as f32 / dpi;
    let narrow = |len: usize| (0.05..=0.12).contains(&inch(len));
    let wide = |len: usize| (0.15..=0.26).contains(&inch(len));
    let quiet =
        |r: Option<&(bool, usize, usize)>| r.is_none_or(|&(ink, _, len)| !ink && inch(len) >= 0.1);
    for k in 0..runs.len().saturating_sub(6) {
        let seven = &runs[k..k + 7];
        if !seven[0].0 || !quiet(k.checked_sub(1).map(|j| &runs[j])) || !quiet(runs.get(k + 7)) {
            continue;
        }
        if !(1..7)
            .step_by(2)
            .all(|j| (0.04..=0.13).contains(&inch(seven[j].2)))
        {
            continue;
        }
        let bars = [seven[0].2, seven[2].2, seven[4].2, seven[6].2];
        if bars.iter().all(|&b| narrow(b) || wide(b))
            && let Some(p) = Patch::of_bars(bars.map(wide))
        {
            return Some((p, seven[0].1));
        }
    }
    None
}

/// The archive serial number of an `ASN<digits>` barcode (`ASN00123` → 123).
pub(crate) fn asn_of(text: &str) -> Option<u64> {
    let digits = text.trim().strip_prefix("ASN")?;
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
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
pub(crate) const COVER_PREFIX: &str = "SCANSTELLE:";

impl CoverSheet {
    /// The QR payload.
    pub(crate) fn payload(&self) -> String {
        let mut s = format!("{COVER_PREFIX}BG={}", self.bg);
        if let Some(t) = &self.doc_type {
            let _ = write!(s, ";TYP={t}");
        }
        if let Some(n) = self.pages {
            let _ = write!(s, ";SEITEN={n}");
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

/// One page as the planner sees it.
#[derive(Debug, Clone)]
pub struct PlanPage {
    /// Page id.
    pub page_id: i64,
    /// Source file it came from.
    pub source_file_id: i64,
    /// Which document of that file it belongs to (an e-mail's text and
    /// attachments); 0 for a file that is one document.
    pub part: u32,
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
    /// Its archive serial number (first `ASN…` barcode on its pages).
    pub asn: Option<u64>,
}

/// The planner's result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// The documents.
    pub documents: Vec<PlannedDocument>,
    /// Separator and cover-sheet pages (kept, but in no document).
    pub separators: Vec<i64>,
}

/// How a batch is split into documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SplitRule {
    /// Patch T sheets split (profile `separation` names `patch-t`).
    pub patch_t: bool,
    /// Patch 2 sheets split (`patch-2`).
    pub patch_2: bool,
    /// Patch 3 sheets split (`patch-3`).
    pub patch_3: bool,
    /// A page with an ASN barcode starts a new document (`asn_split`).
    pub asn: bool,
    /// Without sheets, split every `n` pages (0: off).
    pub every: u32,
}

/// A `separation` list that names an unknown sheet, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct SeparationError(pub String);

impl SplitRule {
    /// The rule of a profile's `separation` list (`none`, or any of
    /// `patch-t`, `patch-2`, `patch-3`, comma-separated).
    pub(crate) fn from_separation(separation: &str) -> Result<Self, SeparationError> {
        let mut rule = SplitRule::default();
        for part in separation.split(',').map(str::trim) {
            match part {
                "none" | "" => {}
                "patch-t" => rule.patch_t = true,
                "patch-2" => rule.patch_2 = true,
                "patch-3" => rule.patch_3 = true,
                other => {
                    return Err(SeparationError(format!(
                        "separation {other:?} unbekannt (none, patch-t, patch-2, patch-3)"
                    )));
                }
            }
        }
        Ok(rule)
    }

    fn splits_on(&self, patch: Patch) -> bool {
        match patch {
            Patch::T => self.patch_t,
            Patch::Two => self.patch_2,
            Patch::Three => self.patch_3,
        }
    }
}

/// What a page means for separation.
enum Mark {
    /// A sheet that ends the document before it and is left out.
    Sheet(Option<CoverSheet>),
    /// A content page that starts a new document (ASN split).
    Starts,
    /// An ordinary page.
    None,
}

/// Splits a batch's pages (in batch order) into documents.
pub fn plan(pages: &[PlanPage], rule: SplitRule) -> Plan {
    let mut plan = Plan::default();
    let asn = |p: &PlanPage| p.barcodes.iter().find_map(|b| asn_of(&b.text));
    let marks: Vec<Mark> = pages
        .iter()
        .map(|p| {
            if let Some(c) = p.barcodes.iter().find_map(|b| CoverSheet::parse(&b.text)) {
                Mark::Sheet(Some(c))
            } else if p
                .barcodes
                .iter()
                .filter_map(|b| Patch::of_text(&b.text))
                .any(|patch| rule.splits_on(patch))
            {
                Mark::Sheet(None)
            } else if rule.asn && asn(p).is_some() {
                Mark::Starts
            } else {
                Mark::None
            }
        })
        .collect();
    let has_sheets = marks.iter().any(|m| !matches!(m, Mark::None));
    let mut current = PlannedDocument::default();
    let mut last_source = None;
    for (p, mark) in pages.iter().zip(marks) {
        match mark {
            Mark::Sheet(cover) => {
                if !current.pages.is_empty() || current.cover.is_some() {
                    plan.documents.push(std::mem::take(&mut current));
                }
                current.cover = cover;
                plan.separators.push(p.page_id);
                continue;
            }
            Mark::Starts if !current.pages.is_empty() => {
                plan.documents.push(std::mem::take(&mut current));
            }
            _ => {}
        }
        if p.blank {
            continue;
        }
        let new_file = last_source.is_some_and(|s| s != (p.source_file_id, p.part));
        let full = rule.every > 0 && current.pages.len() as u32 >= rule.every;
        if !has_sheets && (new_file || full) && !current.pages.is_empty() {
            plan.documents.push(std::mem::take(&mut current));
        }
        last_source = Some((p.source_file_id, p.part));
        current.pages.push(p.page_id);
        if current.asn.is_none() {
            current.asn = asn(p);
        }
    }
    if !current.pages.is_empty() || current.cover.is_some() {
        plan.documents.push(current);
    }
    plan
}

/// Renders the QR code of a payload as a square 1-bit matrix (`true` = black),
/// with the quiet zone, `size` modules per side scaled to `pixels`.
pub(crate) fn qr_matrix(payload: &str, pixels: u32) -> Result<(u32, Vec<bool>), String> {
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
            part: 0,
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
        patch_2: false,
        patch_3: false,
        asn: false,
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
            SplitRule::default(),
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
                every: 1,
                ..SplitRule::default()
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
        let found = read_barcodes(&img, 150.0);
        assert_eq!(
            found.first().map(|b| b.text.as_str()),
            Some(payload.as_str())
        );
    }

    /// An A4 page at `dpi` with the bars `pattern` (W/N) printed 1 inch from
    /// the top edge as horizontal bars, or as vertical bars near the right
    /// edge (read right to left), plus some "text" lines.
    fn patch_sheet(pattern: &str, dpi: f32, horizontal: bool) -> GrayImage {
        let px = |inch: f32| (inch * dpi).round() as u32;
        let (w, h) = (px(8.27), px(11.69));
        let mut spans = Vec::new(); // (from, to) in inches along the reading direction
        let mut at = 1.0;
        for c in pattern.chars() {
            let width = if c == 'W' { 0.2 } else { 0.08 };
            spans.push((at, at + width));
            at += width + 0.08;
        }
        GrayImage::from_fn(w, h, |x, y| {
            let (xi, yi) = (x as f32 / dpi, y as f32 / dpi);
            let bar = if horizontal {
                (2.0..5.0).contains(&xi) && spans.iter().any(|&(a, b)| (a..b).contains(&yi))
            } else {
                // Read right to left: the first bar is nearest the right edge.
                let from_right = 8.27 - xi;
                (3.0..6.0).contains(&yi) && spans.iter().any(|&(a, b)| (a..b).contains(&from_right))
            };
            let text = yi > 7.0 && yi < 10.0 && (y % px(0.25)) < px(0.08) && (x / 3) % 5 != 0;
            image::Luma([if bar || text { 20 } else { 235 }])
        })
    }

    #[test]
    fn kodak_patch_bars_are_read_in_both_directions_and_nothing_else_is() {
        for dpi in [100.0, 150.0, 200.0] {
            for horizontal in [true, false] {
                for (pattern, want) in [
                    ("NWNW", Some(Patch::T)),
                    ("WNNW", Some(Patch::Two)),
                    ("WNWN", Some(Patch::Three)),
                    ("WWNN", None), // Patch 1: not used for separation
                    ("NNNN", None),
                    ("WWWW", None),
                ] {
                    let page = patch_sheet(pattern, dpi, horizontal);
                    assert_eq!(
                        read_patch_bars(&page, dpi),
                        want,
                        "{pattern} at {dpi} dpi, horizontal: {horizontal}"
                    );
                }
            }
        }
        // A ruled form (thin lines) and a plain page are no patch sheets.
        let ruled = GrayImage::from_fn(1240, 1754, |_, y| {
            image::Luma([if y % 40 < 3 { 0 } else { 255 }])
        });
        assert_eq!(read_patch_bars(&ruled, 150.0), None);
        let found = read_barcodes_reduced(&patch_sheet("NWNW", 150.0, true), 150.0);
        assert_eq!(
            found
                .iter()
                .map(|b| (b.format.as_str(), b.text.as_str()))
                .collect::<Vec<_>>(),
            [(PATCH_FORMAT, "PATCHT")]
        );
    }

    #[test]
    fn patch_texts_and_asn_numbers() {
        assert_eq!(Patch::of_text("PATCHT"), Some(Patch::T));
        assert_eq!(Patch::of_text("Patch II"), Some(Patch::Two));
        assert_eq!(Patch::of_text("PATCH-3"), Some(Patch::Three));
        assert_eq!(Patch::of_text("PATCH4"), None);
        assert_eq!(asn_of("ASN00123"), Some(123));
        assert_eq!(asn_of("ASN000123"), Some(123));
        assert_eq!(asn_of("ASN"), None);
        assert_eq!(asn_of("ASN12X"), None);
        assert_eq!(asn_of("XASN12"), None);
        assert_eq!(
            SplitRule::from_separation("patch-2, patch-t"),
            Ok(SplitRule {
                patch_t: true,
                patch_2: true,
                ..SplitRule::default()
            })
        );
        assert!(SplitRule::from_separation("patch-9").is_err());
    }

    #[test]
    fn asn_pages_start_documents_when_the_profile_says_so() {
        let pages = [
            page(1, 1, &["ASN00123"]),
            page(2, 1, &[]),
            page(3, 1, &["PATCHT"]),
            page(4, 1, &[]),
            page(5, 1, &["ASN00124"]),
            page(6, 1, &["ASN00125"]),
            page(7, 1, &[]),
        ];
        let split = |asn| SplitRule { asn, ..SPLIT };
        let p = plan(&pages, split(true));
        let docs: Vec<(Vec<i64>, Option<u64>)> = p
            .documents
            .iter()
            .map(|d| (d.pages.clone(), d.asn))
            .collect();
        assert_eq!(
            docs,
            [
                (vec![1, 2], Some(123)),
                (vec![4], None),
                (vec![5], Some(124)),
                (vec![6, 7], Some(125))
            ]
        );
        assert_eq!(p.separators, [3]);
        // Without asn_split the numbers are kept, the stack is not split by them.
        let p = plan(&pages, split(false));
        assert_eq!(p.documents.len(), 2);
        assert_eq!(p.documents[1].asn, Some(124));
        // Patch 2 splits only when configured.
        let two = [page(1, 1, &[]), page(2, 1, &["PATCH2"]), page(3, 1, &[])];
        assert_eq!(plan(&two, SPLIT).documents.len(), 1);
        let p = plan(
            &two,
            SplitRule {
                patch_2: true,
                ..SplitRule::default()
            },
        );
        assert_eq!((p.documents.len(), p.separators.clone()), (2, vec![2]));
    }
}
