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

    // A window open all along: its copy of the register has the household.
    let desk = config.open_desk().unwrap();
    assert_eq!(desk.find_cases("12345BG0012345", 5).unwrap().len(), 2);

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
    // The window's copy forgot them too, and the counts of the status line
    // still agree with the tables.
    assert!(desk.find_cases("12345BG0012345", 5).unwrap().is_empty());
    assert!(!desk.find_cases("12345BG0067890", 5).unwrap().is_empty());
    assert_eq!(store.check_integrity().unwrap(), Vec::<String>::new());
    drop((store, desk));
    let o = common::scanstelle(&["subject", "export", "--case", "12345BG0012345"], &home);
    assert!(String::from_utf8_lossy(&o.stderr).contains("hält die Station nichts"));
    // The erasure is in the chain, and the chain is whole.
    let o = common::scanstelle(&["audit", "show", "--case", "12345BG0012345"], &home);
    assert!(String::from_utf8_lossy(&o.stdout).contains("subject.erased"));
    let o = common::scanstelle(&["audit", "verify"], &home);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_letter_tells_a_household_what_arrived_where_it_is_and_its_rights() {
    use scanstelle::sync::{DemoDms, DmsSettings};
    let dir = tempfile::tempdir().unwrap();
    // The application and the bank statement of the Mustermann household
    // (12345BG0012345), the sick note of another household.
    let (mut config, station, _) = common::processed_station(
        dir.path(),
        &[
            "weiterbewilligungsantrag.tif",
            "kontoauszug.jpg",
            "arbeitsunfaehigkeit.tif",
        ],
    );
    drop(station);
    let home = config.home.clone();
    // A full cycle against the real Apache (WebDAV over TLS): sent, filed
    // by the test DMS behind it (every message checked against the
    // schema), local copies deleted.
    let dms_settings = DmsSettings {
        hold_secs: 0,
        retention_days: 0,
        ..DmsSettings::default()
    };
    let mut store = common::store(&home);
    let blobs = common::blobs(&home);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let apache = common::apache::Apache::start();
    let imported = match &apache {
        Some(apache) => {
            let syncer = scanstelle::sync::Syncer::new(
                apache.webdav(),
                dms_settings,
                scanstelle::classify::doctype::TypeRules::builtin(),
                &home,
                "scan01",
            )
            .unwrap();
            let mut dms =
                common::dms::TestDms::new(&apache.inbox, &apache.replies, common::schema());
            syncer.pass(&mut store, &blobs, &stop).unwrap();
            dms.run_once();
            syncer
                .pass(&mut store, &blobs, &stop)
                .unwrap()
                .documents_imported
        }
        // Without Apache (never under CI): the demo DMS on a folder.
        None => {
            config.dms = dms_settings;
            config.qa = scanstelle::protect::qa::QaSettings::off();
            let syncer = config.syncer("scan01").unwrap();
            syncer.pass(&mut store, &blobs, &stop).unwrap();
            DemoDms::new(&home).run_once().unwrap();
            syncer
                .pass(&mut store, &blobs, &stop)
                .unwrap()
                .documents_imported
        }
    };
    assert!(imported >= 1, "{imported}");
    drop(store);
    common::admin_os(&home);
    // Without [letter] the station refuses in words: the letter must name
    // who stores the documents.
    let out = dir.path().join("brief.pdf");
    let o = common::scanstelle(
        &[
            "subject",
            "letter",
            "--case",
            "12345BG0012345",
            "-o",
            out.to_str().unwrap(),
        ],
        &home,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("[letter]") && err.contains("processor"),
        "{err}"
    );
    let cfg = dir.path().join("brief.toml");
    std::fs::write(
        &cfg,
        "[letter]\noffice = \"Jobcenter Musterstadt\"\naddress = \"Am Markt 1, 12345 Musterstadt\"\n\
         processor = \"Rechenzentrum Beispiel GmbH\"\nprocessor_place = \"Beispielort\"\n\
         data_protection_officer = \"Datenschutzbeauftragte, Am Markt 1, 12345 Musterstadt\"\n\
         supervisory_authority = \"Landesbeauftragte für Datenschutz, Postfach 1, 40000 Beispiel\"\n\
         originals = \"Ihre Papiere bewahren wir drei Monate auf. Danach vernichten wir sie.\"\n",
    )
    .unwrap();
    let o = common::scanstelle(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "subject",
            "letter",
            "--case",
            "12345 BG 0012345",
            "-o",
            out.to_str().unwrap(),
        ],
        &home,
    );
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let pdf = std::fs::read(&out).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // PDF/A-2b, as krilla wrote it (its validator refuses anything else).
    assert!(
        String::from_utf8_lossy(&pdf).contains("pdfaid:part"),
        "no PDF/A identification"
    );
    let text = std::process::Command::new("pdftotext")
        .args([out.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
    for want in [
        "Ihre Unterlagen sind bei uns angekommen",
        "Bedarfsgemeinschaft 12345BG0012345",
        "Erika Mustermann",
        "Weiterbewilligungsantrag: angekommen am",
        "in Ihrer elektronischen Akte seit",
        "Rechenzentrum Beispiel GmbH in Beispielort",
        "Ihre Papiere bewahren wir drei Monate auf",
        "Was mit Ihren Papieren passiert",
        "das Papier wird ab dem",
        "Artikel 15 Datenschutz-Grundverordnung",
        "Landesbeauftragte für Datenschutz",
    ] {
        assert!(text.contains(want), "{want:?} missing in: {text}");
    }
    // Nothing of the other household: not its person, not its sick note.
    for never in [
        "Musterfrau",
        "Petra",
        "Arbeitsunfähigkeit",
        "12345BG0012346",
    ] {
        assert!(!text.contains(never), "{never:?} in: {text}");
    }
    // Looked at as a person would: the first page rendered.
    let png = dir.path().join("brief");
    let r = std::process::Command::new("pdftoppm")
        .args([
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            out.to_str().unwrap(),
            png.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(r.success());
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let page = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("page rendered");
    std::fs::copy(&page, shots.join("brief-seite-1.png")).unwrap();
    // Into the station: it lies in the hot folder, is taken like paper and
    // filed by the station's own classifier to that household, as
    // "Information an die Betroffenen" (so the next message carries it).
    let o = common::scanstelle(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "subject",
            "letter",
            "--case",
            "12345BG0012345",
            "--into-station",
            "-o",
            dir.path().join("brief2.pdf").to_str().unwrap(),
        ],
        &home,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let hot = scanstelle::config::Config::load(Some(&cfg), Some(&home))
        .unwrap()
        .desk_setup()
        .drop_folder
        .unwrap();
    let placed: Vec<_> = std::fs::read_dir(&hot)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("brief-12345BG0012345"))
        })
        .collect();
    assert_eq!(placed.len(), 1, "{placed:?}");
    let o = common::scanstelle(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "process",
            placed[0].to_str().unwrap(),
        ],
        &home,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The letter is logged, twice, and filed.
    let station = common::station(&home);
    assert_eq!(
        common::count(
            &station,
            "SELECT count(*) FROM events WHERE kind = 'subject.letter'"
        ),
        2
    );
    let filed: Vec<(String, Option<String>, Option<String>)> = {
        let mut stmt = station
            .store
            .connection()
            .prepare("SELECT COALESCE(doc_type, ''), case_bg, case_status FROM documents ORDER BY id DESC LIMIT 1")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        filed,
        [(
            "information_betroffene".to_owned(),
            Some("12345BG0012345".to_owned()),
            Some("auto".to_owned())
        )]
    );
}

#[test]
fn the_export_says_where_each_document_came_from_and_how_it_was_decided() {
    let dir = tempfile::tempdir().unwrap();
    let (config, station, _) =
        common::processed_station(dir.path(), &["weiterbewilligungsantrag.tif"]);
    drop(station);
    let home = config.home.clone();
    common::admin_os(&home);
    let export = |name: &str| -> serde_json::Value {
        let out = dir.path().join(name);
        let o = common::scanstelle(
            &[
                "subject",
                "export",
                "--case",
                "12345BG0012345",
                "-o",
                out.to_str().unwrap(),
            ],
            &home,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
        let mut summary = String::new();
        zip.by_name("auskunft.json")
            .unwrap()
            .read_to_string(&mut summary)
            .unwrap();
        serde_json::from_str(&summary).unwrap()
    };
    let v = export("vorher.zip");
    let doc = &v["dokumente"][0];
    let origin = &doc["herkunft"];
    // Taken from the hot folder with nobody signed in, filed automatically.
    assert_eq!(
        origin["gescannt_von"], "die Station (niemand angemeldet)",
        "{origin}"
    );
    assert_eq!(
        origin["akte"]["entschieden"], "automatisch (ohne Person), sicher genug",
        "{origin}"
    );
    assert!(
        origin["akte"]["sicherheit"].as_f64().unwrap() >= 0.9,
        "{origin}"
    );
    assert!(
        origin["dokumenttyp"]["sicherheit"].as_f64().is_some(),
        "{origin}"
    );
    assert_eq!(origin["korrekturen"].as_array().unwrap().len(), 0);
    // An administrator confirms it: the correction is listed with the role,
    // never the name.
    let id = doc["dokument"].as_i64().unwrap().to_string();
    let o = common::scanstelle(&["documents", "confirm", &id], &home);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = export("nachher.zip");
    let origin = &v["dokumente"][0]["herkunft"];
    let corrections = origin["korrekturen"].as_array().unwrap();
    assert_eq!(corrections.len(), 1, "{origin}");
    assert_eq!(corrections[0]["von"], "Administration");
    assert_eq!(corrections[0]["was"], "bestätigt oder berichtigt");
    assert_eq!(
        origin["akte"]["entschieden"], "von einer Person bestätigt",
        "{origin}"
    );
    assert!(
        !origin.to_string().contains("tester"),
        "no staff name: {origin}"
    );
}

#[test]
fn with_automatic_letters_each_household_gets_one_after_its_batch_and_it_goes_into_the_e_file() {
    use scanstelle::sync::DemoDms;
    let dir = tempfile::tempdir().unwrap();
    // Two households: the application and the bank statement.
    let (config, station, _) = common::processed_station(
        dir.path(),
        &["weiterbewilligungsantrag.tif", "kontoauszug.jpg"],
    );
    drop(station);
    let home = config.home.clone();
    let cfg = dir.path().join("brief.toml");
    // Without what a letter must say, automatic letters are refused at once.
    std::fs::write(&cfg, "[letter]\nautomatic = \"batch\"\n").unwrap();
    let e = scanstelle::config::Config::load(Some(&cfg), Some(&home)).unwrap_err();
    assert!(e.to_string().contains("processor"), "{e}");
    std::fs::write(
        &cfg,
        "[dms]\nhold_secs = 0\nbackoff_secs = 0\n[qa]\nenabled = false\n\
         [letter]\nautomatic = \"batch\"\noffice = \"Jobcenter Musterstadt\"\n\
         processor = \"Rechenzentrum Beispiel GmbH\"\nprocessor_place = \"Beispielort\"\n\
         data_protection_officer = \"Datenschutz, Am Markt 1\"\n\
         supervisory_authority = \"Landesbeauftragte, Postfach 1\"\n",
    )
    .unwrap();
    let mut config = scanstelle::config::Config::load(Some(&cfg), Some(&home)).unwrap();
    let print = dir.path().join("druck");
    config.letter.print_folder = Some(print.clone());
    let syncer = config.syncer("scan01").unwrap();
    let mut store = common::store(&home);
    let blobs = common::blobs(&home);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let hot = config.profiles[0].hot_folder_path(&home);
    let letters_in = |folder: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(folder)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with("brief-"))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Sent and imported: nothing before the DMS confirmed.
    let s = syncer.pass(&mut store, &blobs, &stop).unwrap();
    assert_eq!(s.letters, 0);
    assert!(letters_in(&hot).is_empty());
    DemoDms::new(&home).run_once().unwrap();
    let s = syncer.pass(&mut store, &blobs, &stop).unwrap();
    assert_eq!(s.documents_imported, 2, "{s:?}");
    // One letter per household, in the hot folder and for printing.
    assert_eq!(s.letters, 2, "{s:?}");
    let mut names = letters_in(&hot);
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].starts_with("brief-12345BG0012345-"), "{names:?}");
    assert!(names[1].starts_with("brief-12345BG0067890-"), "{names:?}");
    assert_eq!(letters_in(&print).len(), 2);
    // Each names its own household's document only.
    for (name, own, other) in [
        (&names[0], "Weiterbewilligungsantrag", "Kontoauszug"),
        (&names[1], "Kontoauszug", "Weiterbewilligungsantrag"),
    ] {
        let text = std::process::Command::new("pdftotext")
            .args([hot.join(name).to_str().unwrap(), "-"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
        assert!(text.contains(&format!("{own}: angekommen am")), "{text}");
        assert!(!text.contains(&format!("{other}: angekommen am")), "{text}");
    }
    // Nothing more is owed; the station takes the letters like paper and
    // files each to its household, which owes no further letter.
    assert_eq!(syncer.pass(&mut store, &blobs, &stop).unwrap().letters, 0);
    let mut station = common::fixtures::station(&home);
    let opts = common::hot_folder_options();
    for n in &names {
        let taken =
            scanstelle::intake::take_file(&mut station, &config.profiles[0], &hot.join(n), &opts)
                .unwrap();
        assert!(
            matches!(taken, scanstelle::intake::Outcome::Ingested(_)),
            "{taken:?}"
        );
    }
    drop(station);
    common::fixtures::process(&config);
    let letters: Vec<_> = store
        .document_reports()
        .unwrap()
        .into_iter()
        .filter(|d| d.doc_type.as_deref() == Some("information_betroffene"))
        .collect();
    assert_eq!(letters.len(), 2);
    assert!(
        letters.iter().all(|d| d.case_status == "auto"),
        "{letters:?}"
    );
    for _ in 0..2 {
        syncer.pass(&mut store, &blobs, &stop).unwrap();
        DemoDms::new(&home).run_once().unwrap();
    }
    let s = syncer.pass(&mut store, &blobs, &stop).unwrap();
    assert_eq!(s.letters, 0, "a filed letter owes no letter: {s:?}");
    assert!(letters_in(&hot).is_empty());
}
