//! # Scanstelle engine
//!
//! Everything a scan station does, without any user interface: the CLI
//! (`src/main.rs`) and the GUI (`src/gui/`, feature `gui`) are thin layers
//! over this crate.
//!
//! The pipeline is a chain of stages, each a module with a small typed
//! interface; the SQLite [`store`] is the single source of truth between
//! them:
//!
//! - [`watch`]: hot folders → complete files (intake stage);
//! - [`intake`]: one file → decoded pages in the store, exactly once;
//! - [`decode`]: TIFF/JPEG/PNG/PDF → page images;
//! - [`store`], [`blob`]: the database and the content-addressed blob store;
//! - [`station`]: the home directory holding both, locked per process;
//! - [`config`], [`profile`]: `scanstelle.toml` and scanner profiles;
//! - [`process`]: preparation ([`imaging`], [`separation`]), OCR ([`ocr`]),
//!   PDF/A ([`pdfa`]) and classification ([`classify`]: [`casefind`] against
//!   the case [`register`], [`doctype`]);
//! - [`desk`]: what the station's window shows and the actions it takes;
//! - [`demo`]: the built-in demo scans and register;
//! - [`xdomea`]: the `FVDaten.SGOAblegen.0605` message, its ZIP container
//!   and the DMS's replies (0629, 0630);
//! - [`sync`]: the outbox to the DMS over a drop folder, WebDAV or HTTPS,
//!   exactly once, with retries and the purge after the import;
//! - [`transfer`]: the transfer note (Transfervermerk) of each document;
//! - [`subject`]: data subjects' rights (Art. 15 export, Art. 17 erasure);
//! - [`users`]: local accounts, roles and throttled logins.

pub mod blob;
pub mod casefind;
pub mod classify;
pub mod config;
pub mod coversheet;
pub mod crypto;
pub mod decode;
pub mod demo;
pub mod desk;
pub mod doctype;
pub mod eval;
pub mod imaging;
pub mod intake;
pub mod ocr;
pub mod pdfa;
pub mod process;
pub mod profile;
pub mod qa;
pub mod register;
pub mod scan;
pub mod separation;
pub mod station;
pub mod store;
pub mod subject;
pub mod sync;
pub mod transfer;
pub mod users;
pub mod watch;
pub mod xdomea;
