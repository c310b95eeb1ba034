//! Content-addressed blob store beside the database.
//!
//! Every page image and every original scanner file is stored once, under
//! the hex SHA-256 of its content: `blobs/ab/cd/abcd…`. Writes go to a
//! temporary file, are fsynced and renamed into place, so a blob either
//! exists whole or not at all; writing the same content twice is a no-op.
//! This is the only place that touches blob files, so encryption at rest
//! is a change here alone.

use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// A SHA-256 digest as 64 lower-case hex characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Hex(String);

impl Sha256Hex {
    /// Hashes a byte slice.
    pub fn of(bytes: &[u8]) -> Self {
        Self(hex::encode(Sha256::digest(bytes)))
    }

    /// Hashes everything a reader gives, 1 MiB at a time; returns the
    /// digest and the byte count.
    pub fn of_reader(input: impl Read) -> io::Result<(Self, u64)> {
        copy_hashing(input, &mut io::sink())
    }

    /// Accepts an already computed hex digest (64 hex characters).
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(s.to_ascii_lowercase()))
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 characters, enough to tell files apart in messages.
    pub fn short(&self) -> &str {
        &self.0[..12]
    }
}

impl std::fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Copies `input` to `out` in 1 MiB pieces, hashing on the way.
fn copy_hashing(mut input: impl Read, out: &mut impl Write) -> io::Result<(Sha256Hex, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        total += n as u64;
    }
    Ok((Sha256Hex(hex::encode(hasher.finalize())), total))
}

/// The blob store rooted at one directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// Opens (and creates) the store at `root`.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        fs::create_dir_all(root.join("tmp"))?;
        Ok(Self { root })
    }

    /// Where the blob with this digest lives.
    pub fn path_of(&self, sha: &Sha256Hex) -> PathBuf {
        let s = sha.as_str();
        self.root.join(&s[..2]).join(&s[2..4]).join(s)
    }

    /// Whether the blob exists.
    pub fn contains(&self, sha: &Sha256Hex) -> bool {
        self.path_of(sha).is_file()
    }

    /// Stores bytes and returns their digest.
    pub fn put(&self, bytes: &[u8]) -> io::Result<Sha256Hex> {
        let sha = Sha256Hex::of(bytes);
        if !self.contains(&sha) {
            self.write_new(&sha, |f| f.write_all(bytes))?;
        }
        Ok(sha)
    }

    /// Copies a file into the store, checking on the way that its content
    /// still has the digest `expected` (a file changed since it was hashed
    /// is refused rather than stored under a wrong name).
    pub fn put_file(&self, src: &Path, expected: &Sha256Hex) -> io::Result<()> {
        if self.contains(expected) {
            return Ok(());
        }
        self.write_new(expected, |out| {
            let (got, _) = copy_hashing(File::open(src)?, out)?;
            if got != *expected {
                return Err(io::Error::other(format!(
                    "{} changed while it was being stored (SHA-256 {} instead of {})",
                    src.display(),
                    got.short(),
                    expected.short()
                )));
            }
            Ok(())
        })
    }

    /// Reads a whole blob, verifying its digest.
    pub fn get(&self, sha: &Sha256Hex) -> io::Result<Vec<u8>> {
        let bytes = fs::read(self.path_of(sha))?;
        if Sha256Hex::of(&bytes) != *sha {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "blob {} is damaged: its content no longer matches its hash",
                    sha.short()
                ),
            ));
        }
        Ok(bytes)
    }

    /// Streams a blob into `out` (1 MiB at a time, never whole in memory),
    /// verifying its digest on the way; a damaged blob is an error after
    /// the fact, so `out` must be discarded then.
    pub fn copy_to(&self, sha: &Sha256Hex, out: &mut impl Write) -> io::Result<u64> {
        let (got, n) = copy_hashing(File::open(self.path_of(sha))?, out)?;
        if got != *sha {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "blob {} is damaged: its content no longer matches its hash",
                    sha.short()
                ),
            ));
        }
        Ok(n)
    }

    fn write_new(
        &self,
        sha: &Sha256Hex,
        fill: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> io::Result<()> {
        let dest = self.path_of(sha);
        let dir = dest.parent().expect("blob path has a parent");
        fs::create_dir_all(dir)?;
        let tmp = self.root.join("tmp").join(format!(
            "{}.{}",
            sha.short(),
            uuid::Uuid::new_v4().simple()
        ));
        let result = (|| {
            let mut f = File::create(&tmp)?;
            fill(&mut f)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &dest)?;
            sync_dir(dir)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Deletes a blob (gone already is fine).
    pub fn remove(&self, sha: &Sha256Hex) -> io::Result<()> {
        match fs::remove_file(self.path_of(sha)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Removes leftovers of writes that a crash interrupted.
    pub fn clean_tmp(&self) -> io::Result<usize> {
        let mut n = 0;
        for entry in fs::read_dir(self.root.join("tmp"))? {
            fs::remove_file(entry?.path())?;
            n += 1;
        }
        Ok(n)
    }
}

/// Makes a rename or create in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_idempotent_and_get_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let a = store.put(b"Seite 1").unwrap();
        let b = store.put(b"Seite 1").unwrap();
        assert_eq!(a, b);
        assert_eq!(store.get(&a).unwrap(), b"Seite 1");
        fs::write(store.path_of(&a), b"manipuliert").unwrap();
        let err = store.get(&a).unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
    }

    #[test]
    fn put_file_refuses_a_file_that_changed() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().join("blobs")).unwrap();
        let src = dir.path().join("scan.tif");
        fs::write(&src, b"original").unwrap();
        let sha = Sha256Hex::of(b"original");
        fs::write(&src, b"overwritten").unwrap();
        assert!(store.put_file(&src, &sha).is_err());
        assert!(!store.contains(&sha));
        assert_eq!(
            fs::read_dir(dir.path().join("blobs/tmp")).unwrap().count(),
            0
        );
        fs::write(&src, b"original").unwrap();
        store.put_file(&src, &sha).unwrap();
        assert_eq!(store.get(&sha).unwrap(), b"original");
    }
}
