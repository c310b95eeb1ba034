//! Separation with cover sheets made by `scanstelle coversheet`, end to end:
//! the sheet is rendered, scanned in with a letter, found, removed from the
//! document and its case assigned.

use crate::common;

use common::*;
use scanstelle::intake::take_file;
use scanstelle::pipeline::Processor;
use scanstelle::prepare::coversheet::cover_sheet_pdf;
use scanstelle::prepare::separation::CoverSheet;
use scanstelle::station::Station;
use scanstelle::store::PageState;
use std::sync::atomic::AtomicBool;

fn run(pages: Option<u32>) -> (Station, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let hot = dir.path().join("hot");
    std::fs::create_dir_all(&hot).unwrap();
    let home = dir.path().join("home");
    let mut station = station(&home);
    // Single files within a minute form one batch: cover sheet, then the letter.
    let profile = test_profile(
        &hot,
        100,
        "[batching]\nmode = \"window\"\nwindow_secs = 60\n",
    );
    let opts = hot_folder_options();
    let sheet = CoverSheet {
        bg: "12345BG0012345".into(),
        doc_type: Some("weiterbewilligungsantrag".into()),
        pages,
    };
    for (name, bytes) in [
        ("0001-deckblatt.pdf", cover_sheet_pdf(&sheet).unwrap()),
        ("0002-antrag.tif", demo_g4_tiff().to_vec()),
    ] {
        let path = hot.join(name);
        std::fs::write(&path, bytes).unwrap();
        take_file(&mut station, &profile, &path, &opts).unwrap();
    }
    station.store.close_all_open_batches().unwrap();
    let mut p = Processor::new(&home, &keys(&home), vec![profile], 2).unwrap();
    let s = p.run_pending(&AtomicBool::new(false)).unwrap();
    assert_eq!((s.prepared, s.separators, s.recognized), (3, 1, 2));
    (station, dir)
}

#[test]
fn a_cover_sheet_starts_the_document_assigns_its_case_and_is_left_out() {
    let (station, _dir) = run(Some(2));
    let docs = station.store.documents_of_batch(1).unwrap();
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    assert_eq!(d.case_bg.as_deref(), Some("12345BG0012345"));
    assert_eq!(d.doc_type.as_deref(), Some("weiterbewilligungsantrag"));
    assert_eq!(d.pages.len(), 2);
    assert_eq!(d.flags, "");
    let sheet = station.store.pages_of_source(1).unwrap();
    assert_eq!(sheet[0].state, PageState::Separator, "kept in the store");
    assert!(!d.pages.contains(&sheet[0].id));
}

#[test]
fn a_page_count_mismatch_flags_document_and_batch() {
    let (station, _dir) = run(Some(3));
    let d = &station.store.documents_of_batch(1).unwrap()[0];
    assert_eq!(d.flags, "page_count_mismatch");
    let flags: String = station
        .store
        .connection()
        .query_row("SELECT flags FROM batches WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(flags, "page_count_mismatch");
}
