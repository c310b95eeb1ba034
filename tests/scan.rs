//! Scanning at the desk through SANE's `test` backend (a simulated
//! scanner, from sane-utils as installed by installer/setup.sh): the
//! scanner list, a 10-page feeder run whose pages reach the hot folder one
//! by one and are taken by intake as scanned by the signed-in person, and a
//! paper jam, an open cover and a missing scanner reported in words with
//! nothing half-written delivered and nothing delivered before lost; and a
//! network scanner of either driverless protocol (eSCL and WSD, through
//! Debian's sane-airscan) whose scanned letter ends in its case in the
//! test DMS.

use crate::common;

use std::path::Path;

fn scanimage_present() -> bool {
    let ok = std::process::Command::new("scanimage")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "scanimage fehlt (installer/setup.sh installiert sane-utils)"
    );
    ok
}

/// A profile like the built-in sane-test one, with further scanimage options.
fn profile(dir: &Path, name: &str, options: &str) {
    let text = include_str!("../scanner-profiles/sane-test.toml")
        .replace("name = \"sane-test\"", &format!("name = \"{name}\""))
        .replace("hotfolders/sane-test", &format!("hotfolders/{name}"))
        .replace(
            "sane_options = [\"--test-picture=Grid\"]",
            &format!("sane_options = [\"--test-picture=Grid\", {options}]"),
        );
    std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
}

/// Runs a scan until it does not stall, at most `tries` times, `before`
/// ahead of each: SANE's test backend (sane-backends 1.2.1) hangs by itself
/// now and then, also with scanimage alone, and the station gives up after
/// the profile's page timeout of `secs` and says so.
fn unstalled(
    secs: u64,
    tries: usize,
    mut before: impl FnMut(),
    mut scan: impl FnMut() -> (bool, String),
) -> (bool, String) {
    let stalled = format!("Der Scanner antwortet nicht mehr (keine Seite in {secs} s)");
    let mut last = (false, String::new());
    for _ in 0..tries {
        before();
        last = scan();
        if !last.1.contains(&stalled) {
            break;
        }
    }
    last
}

fn tifs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn desk_scans_reach_the_hot_folder_page_by_page_and_errors_are_said_in_words() {
    if !scanimage_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    common::admin_os(&home);

    // The list: SANE's test backend, enabled through a configuration of our own.
    let sane = dir.path().join("sane.d");
    std::fs::create_dir_all(&sane).unwrap();
    std::fs::write(sane.join("dll.conf"), "test\n").unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_scanstelle"))
        .args(["scan", "--list", "--home"])
        .arg(&home)
        .env("SANE_CONFIG_DIR", &sane)
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && list.contains("test:0"), "{list}");

    // Ten sheets in the feeder: ten pages, each a whole TIFF in the hot folder
    // (a stalled try starts again with an empty hot folder).
    let folder = home.join("hotfolders/sane-test");
    let (ok, out) = unstalled(
        20,
        5,
        || {
            let _ = std::fs::remove_dir_all(&folder);
        },
        || common::run_cli(&["scan", "--device", "test"], &home, ""),
    );
    assert!(ok, "{out}");
    for n in 1..=10 {
        assert!(out.contains(&format!("Seite {n} übernommen")), "{out}");
    }
    let pages = tifs(&folder);
    assert_eq!(pages.len(), 10, "{pages:?}");
    for p in &pages {
        let bytes = std::fs::read(p).unwrap();
        let decoded = scanstelle::intake::decode::decode(&bytes).unwrap();
        assert_eq!(decoded.pages.len(), 1, "{}", p.display());
    }

    // Intake takes them, as scanned by the person who ran the scan.
    {
        let keys = common::keys(&home);
        let mut station = scanstelle::station::Station::open(&home, &keys).unwrap();
        let config =
            scanstelle::config::Config::from_file(Default::default(), home.clone(), None).unwrap();
        let profile = config.profile("sane-test").unwrap().clone();
        let opts = common::hot_folder_options();
        // The test backend draws the same grid on every sheet, so the
        // pages are byte for byte the same: the first is taken, the others
        // are set aside as duplicates (as two identical files always are).
        for (i, p) in pages.iter().enumerate() {
            let o = scanstelle::intake::take_file(&mut station, &profile, p, &opts).unwrap();
            match (i, &o) {
                (0, scanstelle::intake::Outcome::Ingested(_))
                | (_, scanstelle::intake::Outcome::Duplicate { .. }) => {}
                _ => panic!("page {}: {o:?}", i + 1),
            }
        }
        let who: Vec<Option<String>> = station
            .store
            .connection()
            .prepare("SELECT DISTINCT scanned_by FROM batches")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(who, [Some("tester".to_owned())]);
        assert_eq!(common::count(&station, "SELECT COUNT(*) FROM pages"), 1);
        assert_eq!(station.store.quarantine_entries().unwrap().len(), 9);
    }

    // A jam, an open cover, a missing scanner: said in words, nothing
    // half-scanned delivered, the ten pages before untouched.
    let profiles = dir.path().join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    profile(
        &profiles,
        "stau",
        "\"--read-return-value=SANE_STATUS_JAMMED\"",
    );
    profile(
        &profiles,
        "deckel",
        "\"--read-return-value=SANE_STATUS_COVER_OPEN\"",
    );
    for name in ["stau", "deckel"] {
        let path = profiles.join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("page_timeout_secs = 20", "page_timeout_secs = 3");
        assert!(text.contains("page_timeout_secs = 3"), "{text}");
        std::fs::write(path, text).unwrap();
    }
    let cfg = dir.path().join("scanstelle.toml");
    std::fs::write(
        &cfg,
        format!("profile_dirs = [{:?}]\n", profiles.display().to_string()),
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    let scan_with = |profile: &str, more: &[&str]| {
        let mut args = vec![
            "--config",
            cfg,
            "scan",
            "--device",
            "test",
            "--profile",
            profile,
        ];
        args.extend_from_slice(more);
        common::run_cli(&args, &home, "")
    };
    for (name, words) in [("stau", "Papierstau"), ("deckel", "Abdeckung")] {
        // The backend hangs on these simulated faults about one run in four.
        let (ok, out) = unstalled(3, 8, || {}, || scan_with(name, &[]));
        assert!(!ok, "{name}: {out}");
        assert!(out.contains(words), "{name}: {out}");
        assert!(out.contains("0 Seite(n) davor sind übernommen"), "{out}");
        let left = tifs(&home.join("hotfolders").join(name));
        assert!(left.is_empty(), "{name}: {left:?}");
    }
    // Scanned into a case: a cover sheet goes first, and the page becomes
    // that case's document (another geometry, so not a duplicate).
    profile(&profiles, "akte", "\"-x\", \"70\"");
    let (ok, out) = scan_with("akte", &["--flatbed", "--case", "12345 BG 0012345"]);
    assert!(ok && out.contains("Seite 1 übernommen"), "{out}");
    let delivered = tifs(&home.join("hotfolders/akte"));
    assert_eq!(delivered.len(), 2, "cover sheet and page: {delivered:?}");
    assert!(
        delivered[0]
            .to_string_lossy()
            .ends_with("-0000-deckblatt.pdf")
    );
    {
        let keys = common::keys(&home);
        let mut station = scanstelle::station::Station::open(&home, &keys).unwrap();
        scanstelle::demo::import_register(&mut station.store).unwrap();
        let config = scanstelle::config::Config::load(Some(Path::new(cfg)), Some(&home)).unwrap();
        let akte = config.profile("akte").unwrap().clone();
        let opts = common::hot_folder_options();
        for p in &delivered {
            scanstelle::intake::take_file(&mut station, &akte, p, &opts).unwrap();
        }
        station.store.close_all_open_batches().unwrap();
        drop(station);
        let mut p = scanstelle::pipeline::Processor::new(&home, &keys, config.profiles.clone(), 1)
            .unwrap()
            .with_classify(&config.classify)
            .unwrap();
        p.run_pending(&std::sync::atomic::AtomicBool::new(false))
            .unwrap();
        let store = scanstelle::store::Store::open(&home.join("scanstelle.db"), &keys).unwrap();
        let reports = store.document_reports().unwrap();
        let newest = reports.iter().map(|d| d.batch_id).max().unwrap();
        let cased: Vec<Option<String>> = reports
            .into_iter()
            .filter(|d| d.batch_id == newest)
            .map(|d| d.case)
            .collect();
        assert_eq!(cased, [Some("12345BG0012345".to_owned())], "{cased:?}");
    }

    let (ok, out) = common::run_cli(&["scan", "--device", "nirgends:0"], &home, "");
    assert!(!ok && out.contains("nicht gefunden"), "{out}");
    // Without a signed-in person nobody scans.
    let (ok, out) = common::run_cli(
        &["--user", "niemand", "scan", "--device", "test"],
        &home,
        "x\n",
    );
    assert!(!ok && out.contains("Name oder Passwort falsch"), "{out}");
}

/// Debian's sane-airscan backend (installer/setup.sh installs it).
fn airscan_present() -> bool {
    let ok = [
        "/usr/lib/x86_64-linux-gnu/sane",
        "/usr/lib/aarch64-linux-gnu/sane",
    ]
    .iter()
    .any(|d| Path::new(d).join("libsane-airscan.so.1").exists());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "sane-airscan fehlt (installer/setup.sh installiert es)"
    );
    ok
}

#[test]
fn an_escl_scanner_fixed_by_address_scans_through_sane_airscan_and_a_jam_is_said_in_words() {
    network_scanner(common::mfp::Protocol::Escl);
}

#[test]
fn a_wsd_scanner_fixed_by_address_scans_through_sane_airscan_and_a_jam_is_said_in_words() {
    network_scanner(common::mfp::Protocol::Wsd);
}

/// A network MFP speaking `protocol`, fixed by address: found, three
/// sheets scanned, a jam and the device going away said in words with
/// the pages before kept, and a scanned bank statement filed in its case.
fn network_scanner(protocol: common::mfp::Protocol) {
    use common::mfp::{Mfp, Then};
    if !scanimage_present() || !airscan_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    common::admin_os(&home);
    // A profile for the office MFP: grey, 300 dpi, from the feeder, no
    // options of SANE's test backend.
    let profiles = dir.path().join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(
        profiles.join("netz.toml"),
        include_str!("../scanner-profiles/sane-test.toml")
            .replace("name = \"sane-test\"", "name = \"netz\"")
            .replace("hotfolders/sane-test", "hotfolders/netz")
            .replace(
                "sane_options = [\"--test-picture=Grid\"]",
                "sane_options = []",
            ),
    )
    .unwrap();
    let page = |seed| common::jpeg_page(620, 877, seed);
    let cfg = dir.path().join("scanstelle.toml");
    let configure = |entry: &str| {
        std::fs::write(
            &cfg,
            format!(
                "profile_dirs = [{:?}]\n[scanner.airscan]\n\"Büro-MFP\" = \"{entry}\"\n",
                profiles.display().to_string()
            ),
        )
        .unwrap();
    };
    let run = |args: &[&str]| {
        let mut all = vec!["--config", cfg.to_str().unwrap()];
        all.extend_from_slice(args);
        common::run_cli(&all, &home, "")
    };
    let folder = home.join("hotfolders/netz");
    // sane-airscan names them by protocol: e for eSCL, w for WSD.
    let device = match protocol {
        common::mfp::Protocol::Escl => "airscan:e0:Büro-MFP",
        common::mfp::Protocol::Wsd => "airscan:w0:Büro-MFP",
    };

    // Found by `scan --list`, from the station's own SANE configuration.
    let mfp = Mfp::start(protocol, vec![page(1), page(2), page(3)], Then::Empty);
    configure(&mfp.entry());
    let (ok, out) = run(&["scan", "--list"]);
    assert!(ok && out.contains(device), "{out}");
    // Three sheets in its feeder: three pages in the hot folder, whole.
    let (ok, out) = run(&["scan", "--device", device, "--profile", "netz"]);
    assert!(ok && out.contains("3 Seite(n) gescannt"), "{out}");
    let pages = tifs(&folder);
    assert_eq!(pages.len(), 3, "{pages:?}");
    for p in &pages {
        let decoded = scanstelle::intake::decode::decode(&std::fs::read(p).unwrap()).unwrap();
        assert_eq!(decoded.pages.len(), 1);
    }
    drop(mfp);

    // A jam after two sheets: said in words, the two kept.
    let mfp = Mfp::start(protocol, vec![page(4), page(5)], Then::Jam);
    configure(&mfp.entry());
    let (ok, out) = run(&["scan", "--device", device, "--profile", "netz"]);
    assert!(!ok && out.contains("Papierstau"), "{out}");
    assert!(out.contains("2 Seite(n) davor sind übernommen"), "{out}");
    assert_eq!(tifs(&folder).len(), 5);
    drop(mfp);

    // The device goes away after one sheet: said in words, that one kept.
    let mfp = Mfp::start(protocol, vec![page(6)], Then::Gone);
    configure(&mfp.entry());
    let (ok, out) = run(&["scan", "--device", device, "--profile", "netz"]);
    assert!(
        !ok && out.contains("1 Seite(n) davor sind übernommen"),
        "{out}"
    );
    assert_eq!(tifs(&folder).len(), 6);
    drop(mfp);

    // An address that would not be read as one entry is refused in words.
    configure(r#"http://127.0.0.1:1/eSCL\"; rm"#);
    let (ok, out) = run(&["scan", "--list"]);
    assert!(!ok && out.contains("[scanner.airscan]"), "{out}");

    // A bank statement scanned at the MFP ends in its case in the DMS.
    let statement = scanstelle::demo::FILES
        .iter()
        .find(|f| f.name == "kontoauszug.jpg")
        .unwrap()
        .bytes
        .to_vec();
    let mfp = Mfp::start(protocol, vec![statement], Then::Empty);
    configure(&mfp.entry());
    let before = tifs(&folder);
    let (ok, out) = run(&["scan", "--device", device, "--profile", "netz"]);
    assert!(ok && out.contains("1 Seite(n) gescannt"), "{out}");
    drop(mfp);
    let scanned: Vec<_> = tifs(&folder)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert_eq!(scanned.len(), 1, "{scanned:?}");
    let config = common::default_config(&dir.path().join("station"));
    let mut station = common::station(&config.home);
    scanstelle::demo::import_register(&mut station.store).unwrap();
    let profile = common::test_profile(&folder, 100, "");
    let opts = common::hot_folder_options();
    let taken = scanstelle::intake::take_file(&mut station, &profile, &scanned[0], &opts).unwrap();
    assert!(
        matches!(taken, scanstelle::intake::Outcome::Ingested(_)),
        "{taken:?}"
    );
    common::process(&config);
    let mut dms = common::dms::TestDms::under(dir.path());
    assert_eq!(dms.take_from(&mut station.store, &config.home), 1);
    let arrived: Vec<_> = dms.objects.values().flatten().collect();
    assert_eq!(arrived.len(), 1);
    assert_eq!(arrived[0].container, "12345BG0067890");
    assert!(arrived[0].pdf_bytes.starts_with(b"%PDF-"));
}
