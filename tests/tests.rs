//! The integration tests, as one test binary (one link of the library
//! instead of one per file): each file is a module named after what it
//! tests; `common` makes every fixture, `corpus` and `stranger` generate the
//! two evaluation corpora. Run one group with `cargo test --test tests
//! eval::` (module path), one test by its name.

mod common;
mod corpus;
mod stranger;

mod audit;
mod cases;
mod cli;
mod correct;
mod crash;
mod decode;
mod deps;
mod encryption;
mod eval;
mod faults;
mod fuzz;
mod gui_window;
mod hostile;
mod intake;
mod mail;
mod ocr;
mod office;
mod originals;
mod pdfa;
mod powerloss;
mod process;
mod qa;
mod scan;
mod separation;
mod shared_samples;
mod subject;
mod sync;
mod users;
mod watch;
mod xdomea;
