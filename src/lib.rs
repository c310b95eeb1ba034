//! Scanstelle engine.
pub mod decode;
