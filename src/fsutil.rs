//! Small filesystem helpers shared by the stages.

use std::fs::File;
use std::io;
use std::path::Path;

/// Makes a rename or create in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` and any missing parents, each new folder made durable in
/// its parent before the next is made in it: after a power cut a folder
/// the database already points into is there, not only its contents.
pub(crate) fn create_dir_all_synced(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => return std::fs::create_dir(dir),
    };
    create_dir_all_synced(parent)?;
    match std::fs::create_dir(dir) {
        // Made by another thread a moment ago: its name may not be durable yet.
        Ok(()) => sync_dir(parent),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => sync_dir(parent),
        Err(e) => Err(e),
    }
}

/// What a file-system error means, in words (the English detail of other
/// errors stays as the system says it).
pub(crate) fn io_words(e: &io::Error) -> String {
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
pub(crate) fn readable_name(name: &std::ffi::OsStr) -> String {
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
pub(crate) fn readable_file_name(path: &Path) -> String {
    path.file_name().map(readable_name).unwrap_or_default()
}

/// Puts a new file named `name` into the hot folder `folder` as scanners
/// do: written under a temporary name the watcher ignores, made durable,
/// then renamed, so the station never takes it half written. A file of that
/// name not yet taken is never overwritten (the new one gets a unique
/// prefix). Returns the path it got.
pub(crate) fn place_in_folder(
    folder: &Path,
    name: &str,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<std::path::PathBuf> {
    create_dir_all_synced(folder)?;
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let tmp = folder.join(format!(".{name}.{unique}.part"));
    let mut to = folder.join(name);
    if to.exists() {
        to = folder.join(format!("{unique}-{name}"));
    }
    let written = File::create(&tmp).and_then(|mut f| {
        fill(&mut f)?;
        f.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&tmp, &to)) {
        Ok(()) => {
            sync_dir(folder)?;
            Ok(to)
        }
        Err(e) => {
            std::fs::remove_file(&tmp).ok();
            Err(e)
        }
    }
}

/// Removes everything inside `dir` (not `dir` itself); a missing `dir` is
/// empty already.
pub fn clear_dir(dir: &Path) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for e in entries {
        let e = e?;
        if e.file_type()?.is_dir() {
            std::fs::remove_dir_all(e.path())?;
        } else {
            std::fs::remove_file(e.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_made_with_their_parents() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_dir_all_synced(&deep).unwrap();
        assert!(deep.is_dir());
        create_dir_all_synced(&deep).unwrap();
        std::fs::write(dir.path().join("f"), b"x").unwrap();
        assert!(create_dir_all_synced(&dir.path().join("f/g")).is_err());
    }
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn names_that_are_not_utf8_read_as_windows_1252() {
        let latin1 = std::ffi::OsStr::from_bytes(b"Bescheid M\xfcller \x80 5.pdf");
        assert_eq!(readable_name(latin1), "Bescheid Müller € 5.pdf");
        let utf8 = std::ffi::OsStr::new("Kündigung.tif");
        assert_eq!(readable_name(utf8), "Kündigung.tif");
    }
}
