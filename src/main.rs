//! `scanstelle`: the command line of the scan station.

mod cli;
#[cfg(feature = "gui")]
mod gui;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    #[cfg(unix)]
    cli::ensure_single_threaded_openmp();
    scanstelle::desk::init_local_offset();
    let args = cli::Cli::parse();
    cli::init_logging(args.log_json, args.verbose);
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Fehler: {e:#}");
            ExitCode::FAILURE
        }
    }
}
