//! The built-in demo: invented German letters with case numbers, made by
//! `assets/demo/make-demo.sh` and compiled into the binary, so the demo runs
//! from an installed binary without any file on disk.

use std::path::Path;

/// One demo scan: file name, the profile whose hot folder it is put into, and its bytes.
pub struct DemoFile {
    /// File name.
    pub name: &'static str,
    /// Profile (hot folder) it arrives through.
    pub profile: &'static str,
    /// Content.
    pub bytes: &'static [u8],
    /// What it shows the user.
    pub what: &'static str,
}

/// The demo's case register (invented persons; one BG-Nummer a digit away
/// from another, as in real registers).
pub const REGISTER_CSV: &str = include_str!("../assets/demo/fallbestand.csv");

/// Imports the demo's invented case register into `store` as a register
/// version of its own (source `fallbestand.csv (Demo)` with its SHA-256).
pub fn import_register(
    store: &mut crate::store::Store,
) -> Result<crate::store::RegisterVersion, Box<dyn std::error::Error + Send + Sync>> {
    let parsed = crate::classify::register::parse_csv(REGISTER_CSV.as_bytes())?;
    Ok(store.import_register(
        &parsed.persons,
        "fallbestand.csv (Demo)",
        crate::store::blob::Sha256Hex::of(REGISTER_CSV.as_bytes()).as_str(),
        0,
    )?)
}

/// The demo scans.
pub const FILES: &[DemoFile] = &[
    DemoFile {
        name: "weiterbewilligungsantrag.tif",
        profile: "fujitsu-fi-g4",
        bytes: include_bytes!("../assets/demo/weiterbewilligungsantrag.tif"),
        what: "zweiseitiges G4-TIFF vom Produktionsscanner",
    },
    DemoFile {
        name: "vermieterbescheinigung.pdf",
        profile: "desk-mfp-pdf",
        bytes: include_bytes!("../assets/demo/vermieterbescheinigung.pdf"),
        what: "Scanner-PDF mit G4-Bild (Bild wird in Originalauflösung übernommen)",
    },
    DemoFile {
        name: "widerspruch-email.pdf",
        profile: "desk-mfp-pdf",
        bytes: include_bytes!("../assets/demo/widerspruch-email.pdf"),
        what: "PDF mit echtem Text (wird mit 300 dpi gerendert, Text bleibt erhalten)",
    },
    DemoFile {
        name: "kontoauszug.jpg",
        profile: "desk-mfp-pdf",
        bytes: include_bytes!("../assets/demo/kontoauszug.jpg"),
        what: "JPEG-Einzelseite vom Arbeitsplatzscanner",
    },
    DemoFile {
        name: "arbeitsunfaehigkeit.tif",
        profile: "fujitsu-fi-g4",
        bytes: include_bytes!("../assets/demo/arbeitsunfaehigkeit.tif"),
        what: "Krankmeldung mit unbekannter BG-Nummer: wartet auf Prüfung",
    },
    DemoFile {
        name: "abgebrochen.pdf",
        profile: "desk-mfp-pdf",
        bytes: include_bytes!("../assets/demo/abgebrochen.pdf"),
        what: "abgebrochene Übertragung: kommt mit Begründung in die Quarantäne",
    },
];

/// Writes the demo files into the hot folders (resolved by `hot_folder`),
/// each under a temporary name first and then renamed, as scanners do.
pub fn drop_files(
    hot_folder: impl Fn(&str) -> Option<std::path::PathBuf>,
) -> std::io::Result<usize> {
    let mut n = 0;
    for f in FILES {
        let Some(dir) = hot_folder(f.profile) else {
            continue;
        };
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!("{}.tmp", f.name));
        std::fs::write(&tmp, f.bytes)?;
        std::fs::rename(&tmp, Path::new(&dir).join(f.name))?;
        n += 1;
    }
    Ok(n)
}
