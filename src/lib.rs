//! # Scanstelle engine
//!
//! Everything a scan station does, without any user interface: the CLI
//! (`src/main.rs`, `src/cli/`) and the GUI (`src/gui/`, feature `gui`)
//! are thin layers over this crate.
//!
//! The folders are the stages of the pipeline, in the order a page goes
//! through them; [`pipeline`] runs them in that order, and the SQLite
//! [`store`] is the single source of truth between them:
//!
//! 1. [`intake`]: hot folders and desk scans ([`intake::watch`],
//!    [`intake::scan`], scanner [`intake::profile`]s) → complete files →
//!    decoded pages ([`intake::decode`]) in the store, exactly once;
//! 2. [`prepare`]: deskew, orientation, blank pages ([`prepare::imaging`]),
//!    separator sheets, barcodes and cover sheets ([`prepare::separation`],
//!    [`prepare::coversheet`]);
//! 3. [`ocr`]: Tesseract, one engine per core;
//! 4. [`classify`]: the case ([`classify::casefind`] against the case
//!    [`classify::register`]) and the type ([`classify::doctype`]) of each
//!    document;
//! 5. [`package`]: PDF/A ([`package::pdfa`]), the xdomea messages
//!    ([`package::xdomea`]) and the transfer note ([`package::transfer`]);
//! 6. [`sync`]: the outbox to the DMS over a drop folder, WebDAV or HTTPS,
//!    exactly once, with retries and the purge after the import.
//!
//! Beside the stages: [`store`] (the database and the content-addressed
//! [`store::blob`] store), [`protect`] (encryption at rest, accounts, quality
//! control, data subjects' rights), [`station`] (the home directory, locked
//! per process), [`config`] (`scanstelle.toml`), [`desk`] (what the window
//! shows and the actions it takes), [`demo`] (the built-in demo) and
//! [`eval`] (comparison with a ground truth).

pub mod classify;
pub mod config;
pub mod demo;
pub mod desk;
pub mod eval;
mod fsutil;
pub mod intake;
pub mod ocr;
pub mod package;
pub mod pipeline;
pub mod prepare;
pub mod protect;
pub mod station;
pub mod store;
pub mod sync;
