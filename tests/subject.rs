//! The Art. 15 export of one case: its documents (PDF/A and text), the
//! register entries and the access log, nothing of another case; the
//! export itself is logged.

use crate::common;

use std::io::Read;

#[test]
fn a_case_export_holds_its_documents_persons_and_log_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (config, station, _) = common::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "kontoauszug.jpg"],
    );
    drop(station);
    let home = config.home.clone();
    common::admin_os(&home);
    let out = dir.path().join("auskunft.zip");
    let o = common::scanstelle(
        &[
            "subject",
            "export",
            "--case",
            "12345 BG 0012345",
            "--output",
            out.to_str().unwrap(),
        ],
        &home,
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("1 Dokument(e), davon 1 mit PDF"), "{text}");

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    let pdf = names.iter().find(|n| n.ends_with(".pdf")).expect("a PDF");
    assert!(pdf.contains("Weiterbewilligungsantrag"), "{names:?}");
    let mut bytes = Vec::new();
    zip.by_name(pdf).unwrap().read_to_end(&mut bytes).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let mut summary = String::new();
    zip.by_name("auskunft.json")
        .unwrap()
        .read_to_string(&mut summary)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(v["auskunft_zu"], "12345BG0012345");
    let persons: Vec<&str> = v["personen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["nachname"].as_str().unwrap())
        .collect();
    assert!(persons.contains(&"Mustermann"), "{persons:?}");
    assert_eq!(v["dokumente"].as_array().unwrap().len(), 1);
    let mut log = String::new();
    zip.by_name("protokoll.json")
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("document.classified"), "{log}");
    // Nothing of the bank statement's case.
    assert!(!summary.contains("12345BG0067890") && !summary.contains("Beispiel"));
    let txt = names.iter().find(|n| n.ends_with(".txt")).unwrap();
    let mut t = String::new();
    zip.by_name(txt).unwrap().read_to_string(&mut t).unwrap();
    assert!(
        t.contains("Weiterbewilligung") && !t.contains("IBAN"),
        "{t}"
    );

    // The export is in the log, under the case.
    let o = common::scanstelle(&["audit", "show", "--case", "12345BG0012345"], &home);
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(shown.contains("subject.exported"), "{shown}");
    // A case the station knows nothing of is refused in words.
    let o = common::scanstelle(&["subject", "export", "--case", "99999BG9999999"], &home);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("hält die Station nichts"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn erasing_a_case_destroys_its_data_and_nothing_of_another_case() {
    let dir = tempfile::tempdir().unwrap();
    let (config, station, batches) = common::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "kontoauszug.jpg"],
    );
    let home = config.home.clone();
    common::admin_os(&home);
    let mine = station.store.batch_blobs(batches[0]).unwrap();
    let other = station.store.batch_blobs(batches[1]).unwrap();
    drop(station);
    let blobs = common::blobs(&home);
    let marker = b"bewilligungszeitraum";
    // In the station (its search finds it), in no file in plain form.
    let search = |home: &std::path::Path| {
        common::store(home)
            .search(&["bewilligungszeitraum".into()], 5)
            .unwrap()
            .len()
    };
    assert!(search(&home) > 0);
    assert_eq!(
        common::files_containing(&home, marker),
        Vec::<std::path::PathBuf>::new()
    );

    // Without --yes: only what would go.
    let o = common::scanstelle(&["subject", "erase", "--case", "12345BG0012345"], &home);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success()
            && out.contains("Würde zu 12345BG0012345 löschen: 1 Dokument(e), 2 Seite(n)"),
        "{out}"
    );
    assert!(mine.iter().all(|b| blobs.contains(b)));

    let o = common::scanstelle(
        &["subject", "erase", "--case", "12345BG0012345", "--yes"],
        &home,
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("Akte 12345BG0012345 gelöscht: 1 Dokument(e), 2 Seite(n)"),
        "{out}"
    );
    for b in &mine {
        assert!(!blobs.contains(b), "{} still there", b.short());
    }
    assert!(
        other.iter().all(|b| blobs.contains(b)),
        "another case's files stay"
    );
    assert_eq!(search(&home), 0);
    assert_eq!(
        common::files_containing(&home, marker),
        Vec::<std::path::PathBuf>::new()
    );
    // The register copy forgot the household; the other case is untouched.
    let store = common::store(&home);
    let register = store.register().unwrap();
    assert_eq!(register.case("12345BG0012345").count(), 0);
    assert!(register.case("12345BG0067890").count() > 0);
    assert_eq!(store.case_documents("12345BG0067890").unwrap().len(), 1);
    drop(store);
    let o = common::scanstelle(&["subject", "export", "--case", "12345BG0012345"], &home);
    assert!(String::from_utf8_lossy(&o.stderr).contains("hält die Station nichts"));
    // The erasure is in the chain, and the chain is whole.
    let o = common::scanstelle(&["audit", "show", "--case", "12345BG0012345"], &home);
    assert!(String::from_utf8_lossy(&o.stdout).contains("subject.erased"));
    let o = common::scanstelle(&["audit", "verify"], &home);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
