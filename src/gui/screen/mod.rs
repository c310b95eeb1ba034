//! The screens of the window, one module each: its state, its `Message`,
//! its `update` (returning effects as data) and its view.

pub mod cases;
pub mod document;
pub mod inbox;
pub mod login;
pub mod qa;
pub mod review;
pub mod settings;
pub mod sync;
