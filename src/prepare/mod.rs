//! Preparation: what happens to a page between decoding and OCR — deskew,
//! orientation, blank pages ([`imaging`]), separator sheets, barcodes and
//! documents in a stack ([`separation`]), and the cover sheets the station
//! prints to start a document ([`coversheet`]).

pub mod coversheet;
pub mod imaging;
pub mod separation;
