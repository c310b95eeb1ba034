//! Shared by the integration tests that need the xdomea schema, a station
//! with processed letters, a DMS importer or a real Apache WebDAV server.
//! Each test file uses a part of it.
#![allow(dead_code)]

pub mod apache;
pub mod dms;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The xdomea 3.0.0 schema in `../shared` (never copied into the project);
/// `None` on a developer's machine without it, a failure under CI.
pub fn schema() -> Option<PathBuf> {
    let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/xdomea/schema/3.0.0/xdomea/xdomea.xsd");
    if xsd.is_file() {
        return Some(xsd);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {} is missing: the xdomea schemas are required in CI",
        xsd.display()
    );
    eprintln!("{} missing: xdomea validation skipped", xsd.display());
    None
}

/// xmllint's verdict on a message: Ok, or its complaint.
pub fn validate(xsd: &Path, xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("message.xml");
    std::fs::write(&file, xml).unwrap();
    let o = Command::new("xmllint")
        .args(["--nonet", "--noout", "--schema"])
        .arg(xsd)
        .arg(&file)
        .output()
        .expect("xmllint (libxml2-utils) installed");
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    }
}

/// A station at `<dir>/home` with the demo register and these demo letters
/// taken and processed (OCR, classification); returns the config and the
/// batch of each letter, in order.
pub fn processed_station(
    dir: &Path,
    letters: &[&str],
) -> (
    scanstelle::config::Config,
    scanstelle::station::Station,
    Vec<i64>,
) {
    use scanstelle::intake::{Outcome, TakeOptions, take_file};
    let home = dir.join("home");
    let config =
        scanstelle::config::Config::from_file(Default::default(), home.clone(), None).unwrap();
    let mut station = scanstelle::station::Station::open(&home).unwrap();
    let parsed =
        scanstelle::register::parse_csv(scanstelle::demo::REGISTER_CSV.as_bytes()).unwrap();
    station
        .store
        .import_register(&parsed.persons, "demo", "0", 0)
        .unwrap();
    let mut batches = Vec::new();
    for name in letters {
        let f = scanstelle::demo::FILES
            .iter()
            .find(|f| f.name == *name)
            .unwrap_or_else(|| panic!("no demo letter {name}"));
        let path = dir.join(f.name);
        std::fs::write(&path, f.bytes).unwrap();
        let opts = TakeOptions {
            remove_original: false,
            quarantine_after: std::time::Duration::ZERO,
        };
        match take_file(&mut station, &config.profiles[0], &path, &opts).unwrap() {
            Outcome::Ingested(i) => batches.push(i.batch_id),
            other => panic!("{other:?}"),
        }
    }
    let mut p = scanstelle::process::Processor::new(&home, config.profiles.clone(), 2)
        .unwrap()
        .with_classify(&config.classify)
        .unwrap();
    p.run_pending(&std::sync::atomic::AtomicBool::new(false))
        .unwrap();
    (config, station, batches)
}
