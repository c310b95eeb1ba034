//! Subcommands of the CLI that have grown beyond a few lines.

pub mod audit;
pub mod cases;
pub mod qa;
pub mod security;
pub mod session;
pub mod sync;
