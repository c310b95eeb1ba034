//! Small filesystem helpers shared by the stages.

use std::fs::File;
use std::io;
use std::path::Path;

/// Makes a rename or create in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// What a file-system error means, in words (the English detail of other
/// errors stays as the system says it).
pub fn io_words(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            "der Datenträger ist voll (Platz schaffen; die Station macht dann weiter)".into()
        }
        io::ErrorKind::PermissionDenied => "keine Berechtigung".into(),
        io::ErrorKind::NotFound => "nicht vorhanden".into(),
        io::ErrorKind::ReadOnlyFilesystem => "der Datenträger ist nur lesbar eingehängt".into(),
        io::ErrorKind::UnexpectedEof => "die Datei endet vorzeitig".into(),
        _ => e.to_string(),
    }
}

/// Makes a written file and its name durable.
pub(crate) fn sync_file_and_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// A file name as people read it: as it is when it is UTF-8, else decoded
/// as Windows-1252 (what old scanners and Windows shares write: `M\xfcller`
/// is "Müller"), so that no name is shown as replacement characters.
pub fn readable_name(name: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    match name.to_str() {
        Some(s) => s.to_owned(),
        None => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(name.as_bytes())
            .0
            .into_owned(),
    }
}

/// The readable name of a path's last component (empty without one).
pub fn readable_file_name(path: &Path) -> String {
    path.file_name().map(readable_name).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn names_that_are_not_utf8_read_as_windows_1252() {
        let latin1 = std::ffi::OsStr::from_bytes(b"Bescheid M\xfcller \x80 5.pdf");
        assert_eq!(readable_name(latin1), "Bescheid Müller € 5.pdf");
        let utf8 = std::ffi::OsStr::new("Kündigung.tif");
        assert_eq!(readable_name(utf8), "Kündigung.tif");
    }
}
