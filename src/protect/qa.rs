//! Quality control by sampling (BSI TR-03138): a configured share of the
//! documents, chosen by a seeded sampler, and every document with a flagged
//! page must be looked at by a `qs` person before their batch may leave;
//! the release itself is a `qs` person's act, never the one who scanned the
//! batch when the four-eyes rule is on.
//!
//! The sampler is reproducible: a document is in the sample when the
//! SHA-256 of the station's seed and the document's UUID, read as a number
//! in [0, 1), is below the share. The seed is made once per station and
//! logged; each batch's selection is logged with the share it used.

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The `[qa]` section of `scanstelle.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QaSettings {
    /// Whether batches wait for a quality-control release.
    pub enabled: bool,
    /// Share of documents in the sample, in percent.
    pub sample_percent: f64,
    /// The person who scanned a batch may not release it.
    pub four_eyes: bool,
}

impl Default for QaSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            sample_percent: 3.0,
            four_eyes: true,
        }
    }
}

impl QaSettings {
    /// Batches leave as soon as they are decided (tools and tests that
    /// look at other things; a station runs with [`QaSettings::default`]).
    pub fn off() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }
}

/// Whether the document `uuid` is in the sample of `percent` % under `seed`.
pub fn sampled(seed: &str, uuid: &str, percent: f64) -> bool {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update([0]);
    h.update(uuid.as_bytes());
    let d = h.finalize();
    let x =
        u64::from_be_bytes(d[..8].try_into().expect("8 bytes")) as f64 / (u64::MAX as f64 + 1.0);
    x < percent / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sampler_takes_about_the_share_and_is_reproducible() {
        let docs: Vec<String> = (0..20_000)
            .map(|i| uuid::Uuid::from_u128(i * 7919 + 13).to_string())
            .collect();
        let taken = |seed: &str, p: f64| docs.iter().filter(|d| sampled(seed, d, p)).count();
        let n = taken("seed-a", 3.0);
        assert!((480..=720).contains(&n), "{n} of 20000 at 3 %");
        assert_eq!(n, taken("seed-a", 3.0), "same seed, same sample");
        assert_ne!(
            docs.iter()
                .filter(|d| sampled("seed-a", d, 3.0))
                .collect::<Vec<_>>(),
            docs.iter()
                .filter(|d| sampled("seed-b", d, 3.0))
                .collect::<Vec<_>>()
        );
        assert_eq!(taken("seed-a", 0.0), 0);
        assert_eq!(taken("seed-a", 100.0), docs.len());
    }
}
