//! Packaging: what leaves the station for the DMS — the PDF/A of each
//! document ([`pdfa`]), the xdomea messages and replies ([`xdomea`]) and the
//! transfer note of each document ([`transfer`]).

pub mod pdfa;
pub mod transfer;
pub mod xdomea;
