//! The station home: database, blob store and quarantine, opened together.
//!
//! Layout of the home directory:
//! - `scanstelle.db` (+ `-wal`, `-shm`): the SQLite store, encrypted (SQLCipher);
//! - `blobs/`: content-addressed page images and original files, sealed;
//! - `quarantine/`: files that could not be taken, sealed under a keyed
//!   name, each with its reason sealed beside it (`.grund.sealed`; shown by
//!   the window and `scanstelle quarantine`);
//! - `outbox/`: sealed containers waiting for the DMS;
//! - `station.key`: the station key (unless `[security] key_file` moves it);
//! - `station.lock`: held while a process writes to the home, so that two
//!   station processes never take the same file.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::protect::crypto::{KeyError, Keys};
use crate::store::blob::BlobStore;
use crate::store::{Store, StoreError};

/// Takes the home's lock (held while the returned file is open).
fn lock_home(home: &Path) -> Result<File, StationError> {
    let lock_path = home.join("station.lock");
    let io = |source| StationError::Io {
        path: lock_path.clone(),
        source,
    };
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io)?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(fs::TryLockError::WouldBlock) => Err(StationError::Locked(home.to_owned())),
        Err(fs::TryLockError::Error(e)) => Err(io(e)),
    }
}

/// Replaces the home's database with a backup (`scanstelle db backup`),
/// while no station process works on the home: the backup is checked first
/// (key, integrity), the current database is kept beside it under a dated
/// name, and the copy is made durable before it takes the place. Returns
/// where the previous database was kept.
pub fn restore_database(
    home: &Path,
    keys: &Keys,
    backup: &Path,
) -> Result<Option<PathBuf>, StationError> {
    let _lock = lock_home(home)?;
    crate::store::health::check_backup(backup, keys)?;
    let db = home.join("scanstelle.db");
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| StationError::Io { path, source }
    };
    let now = crate::store::now().replace([':', '-'], "");
    let stamp = now.split('.').next().unwrap_or(&now);
    let kept = db
        .exists()
        .then(|| home.join(format!("scanstelle.db.vor-wiederherstellung-{stamp}")));
    let tmp = home.join("scanstelle.db.restore-tmp");
    fs::copy(backup, &tmp).map_err(io(&tmp))?;
    crate::fsutil::sync_file_and_dir(&tmp).map_err(io(&tmp))?;
    if let Some(kept) = &kept {
        fs::rename(&db, kept).map_err(io(&db))?;
    }
    // The old write-ahead log belongs to the old database.
    for side in ["scanstelle.db-wal", "scanstelle.db-shm"] {
        let p = home.join(side);
        if p.exists() {
            let to = kept.as_ref().map(|k| {
                PathBuf::from(format!(
                    "{}{}",
                    k.display(),
                    side.trim_start_matches("scanstelle.db")
                ))
            });
            match to {
                Some(to) => fs::rename(&p, to).map_err(io(&p))?,
                None => fs::remove_file(&p).map_err(io(&p))?,
            }
        }
    }
    fs::rename(&tmp, &db).map_err(io(&db))?;
    crate::fsutil::sync_dir(home).map_err(io(home))?;
    Ok(kept)
}

/// What a sealed quarantine note is bound to.
pub(crate) const NOTE_CONTEXT: &[u8] = b"scanstelle-quarantaene-grund";

/// Where the sealed note of a quarantined file lies.
pub(crate) fn note_path(stored_as: &Path) -> PathBuf {
    stored_as.with_extension("grund.sealed")
}

/// Seals the plain `.reason.txt` notes an older version wrote beside
/// quarantined files (they held size and digest in plain text) and
/// removes them.
fn seal_plain_notes(blobs: &BlobStore, dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".reason.txt"))
        else {
            continue;
        };
        let text = fs::read(&path)?;
        let sealed = note_path(&dir.join(format!("{stem}.sealed")));
        blobs.write_sealed(&sealed, NOTE_CONTEXT, |w| {
            std::io::Write::write_all(w, &text)
        })?;
        fs::remove_file(&path)?;
    }
    crate::fsutil::sync_dir(dir)
}

/// Errors opening a station home.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// A directory or file of the home could not be created or opened.
    #[error("Stationsverzeichnis {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Another Scanstelle process has the home open.
    #[error(
        "Im Stationsverzeichnis {0} arbeitet bereits ein anderer Scanstelle-Prozess (Sperrdatei station.lock)."
    )]
    Locked(PathBuf),
    /// The database could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The station key could not be read.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// An opened station home, exclusively owned by this process.
#[derive(Debug)]
pub struct Station {
    home: PathBuf,
    /// The database.
    pub store: Store,
    /// The blob store.
    pub blobs: BlobStore,
    _lock: File,
}

/// Folder under the home for conversions at work (emptied at each start).
const WORK_DIR: &str = "convert";

impl Station {
    /// The folder for conversions at work, emptied when the station opens.
    pub fn work_dir(&self) -> PathBuf {
        self.home.join(WORK_DIR)
    }

    /// Opens (creating if needed) the home at `home` with the station's
    /// keys and takes its lock.
    pub fn open(home: &Path, keys: &Keys) -> Result<Self, StationError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| StationError::Io { path, source }
        };
        crate::fsutil::create_dir_all_synced(home).map_err(io(home))?;
        crate::fsutil::create_dir_all_synced(&home.join("quarantine")).map_err(io(home))?;
        let lock = lock_home(home)?;
        let blobs_dir = home.join("blobs");
        let blobs = BlobStore::open(&blobs_dir, keys).map_err(io(&blobs_dir))?;
        blobs.clean_tmp().map_err(io(&blobs_dir))?;
        // What a conversion cut short (the station killed during one) left
        // behind: originals in plain form among it.
        let work = home.join(WORK_DIR);
        crate::fsutil::clear_dir(&work).map_err(io(&work))?;
        let store = Store::open(&home.join("scanstelle.db"), keys)?;
        let quarantine = home.join("quarantine");
        seal_plain_notes(&blobs, &quarantine).map_err(io(&quarantine))?;
        Ok(Self {
            home: home.to_owned(),
            store,
            blobs,
            _lock: lock,
        })
    }

    /// The reason note sealed beside a quarantined file (see
    /// [`Station::quarantine_dir`]), in words.
    pub fn quarantine_note(&self, stored_as: &Path) -> std::io::Result<String> {
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut self
                .blobs
                .read_sealed(&note_path(stored_as), NOTE_CONTEXT)?,
            &mut text,
        )?;
        Ok(text)
    }

    /// The home directory.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Where quarantined files go.
    pub fn quarantine_dir(&self) -> PathBuf {
        self.home.join("quarantine")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_process_on_the_same_home_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let keys = Keys::for_home(dir.path()).unwrap();
        let first = Station::open(dir.path(), &keys).unwrap();
        let err = Station::open(dir.path(), &keys).unwrap_err();
        assert!(matches!(err, StationError::Locked(_)), "{err}");
        drop(first);
        Station::open(dir.path(), &keys).unwrap();
    }
}
