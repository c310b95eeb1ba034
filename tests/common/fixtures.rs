//! Fixtures shared by the integration tests (`tests/common`), the window's
//! tests (`src/gui/tests.rs`) and the benches: station homes, their store
//! and blobs, the demo letters taken and processed, a median. Only the
//! library and `std`: every includer can compile it.
#![allow(dead_code)]

use scanstelle::config::{Config, ConfigFile};
use scanstelle::intake::{Outcome, TakeOptions, take_file};
use std::path::Path;

/// The station keys of `home` (its key file, made for a new home).
pub fn keys(home: &Path) -> scanstelle::protect::crypto::Keys {
    scanstelle::protect::crypto::Keys::for_home(home).unwrap()
}

/// A connection to the database of `home`.
pub fn store(home: &Path) -> scanstelle::store::Store {
    scanstelle::store::Store::open(&home.join("scanstelle.db"), &keys(home)).unwrap()
}

/// The blob store of `home`.
pub fn blobs(home: &Path) -> scanstelle::store::blob::BlobStore {
    scanstelle::store::blob::BlobStore::open(home.join("blobs"), &keys(home)).unwrap()
}

/// The station at `home`, with its lock.
pub fn station(home: &Path) -> scanstelle::station::Station {
    scanstelle::station::Station::open(home, &keys(home)).unwrap()
}

/// The default config (built-in profiles) for a home.
pub fn default_config(home: &Path) -> Config {
    Config::from_file(ConfigFile::default(), home.to_owned(), None).unwrap()
}

/// How the tests take a hot folder's files: removed once safe, an
/// unreadable one quarantined at once, the default limits and conversion.
pub fn hot_folder_options() -> TakeOptions {
    TakeOptions {
        remove_original: true,
        quarantine_after: std::time::Duration::ZERO,
        limits: Default::default(),
        office: Default::default(),
    }
}

/// Imports the demo register into `station` and takes these demo letters
/// (copied to `dir`) through the first profile, as its hot folder would;
/// the outcome of each, in order.
pub fn take_demo(
    station: &mut scanstelle::station::Station,
    config: &Config,
    dir: &Path,
    letters: &[&str],
) -> Vec<(&'static str, Outcome)> {
    scanstelle::demo::import_register(&mut station.store).unwrap();
    let opts = TakeOptions {
        remove_original: false,
        quarantine_after: std::time::Duration::ZERO,
        limits: Default::default(),
        office: Default::default(),
    };
    letters
        .iter()
        .map(|name| {
            let f = scanstelle::demo::FILES
                .iter()
                .find(|f| f.name == *name)
                .unwrap_or_else(|| panic!("no demo letter {name}"));
            let path = dir.join(f.name);
            std::fs::write(&path, f.bytes).unwrap();
            let outcome = take_file(station, &config.profiles[0], &path, &opts).unwrap();
            (f.name, outcome)
        })
        .collect()
}

/// Runs the stages after intake (OCR, classification, PDF/A) over
/// everything pending at `config.home`, on two workers.
pub fn process(config: &Config) -> scanstelle::pipeline::ProcessSummary {
    let home = &config.home;
    scanstelle::pipeline::Processor::new(home, &keys(home), config.profiles.clone(), 2)
        .unwrap()
        .with_classify(&config.classify)
        .unwrap()
        .run_pending(&std::sync::atomic::AtomicBool::new(false))
        .unwrap()
}

/// The median of some measurements.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
