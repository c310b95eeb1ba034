//! Content-addressed blob store beside the database, encrypted at rest.
//!
//! Every page image and every original scanner file is stored once, keyed
//! by the SHA-256 of its content. On disk a blob is a sealed file (see
//! [`crate::protect::crypto::sealed`]) bound to that digest, under a name derived
//! from the digest with a key of the station (`blobs/ab/cd/abcd…`), so the
//! folder reveals neither content nor which known files it holds. Writes go
//! to a temporary file, are fsynced and renamed into place, so a blob
//! either exists whole or not at all; writing the same content twice is a
//! no-op. This is the only place that touches blob files.

use crate::protect::crypto::{Keys, SealedReader, SealedWriter, sealed};
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
    pub(crate) fn of_reader(input: impl Read) -> io::Result<(Self, u64)> {
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
    keys: Keys,
}

/// Marks a blob folder whose every blob is sealed.
const SEALED_MARK: &str = ".sealed-v1";

fn damaged(sha: &Sha256Hex) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "blob {} is damaged: its content no longer matches its hash",
            sha.short()
        ),
    )
}

impl BlobStore {
    /// Opens (and creates) the store at `root`, sealing blobs a version
    /// without encryption left there.
    pub fn open(root: impl Into<PathBuf>, keys: &Keys) -> io::Result<Self> {
        let root = root.into();
        crate::fsutil::create_dir_all_synced(&root.join("tmp"))?;
        let store = Self {
            root,
            keys: keys.clone(),
        };
        if !store.root.join(SEALED_MARK).exists() {
            let n = store.seal_plain_blobs()?;
            if n > 0 {
                tracing::info!(anzahl = n, "unverschlüsselte Ablagedateien verschlüsselt");
            }
            fs::write(store.root.join(SEALED_MARK), b"")?;
        }
        Ok(store)
    }

    /// Where the blob with this digest lives.
    pub fn path_of(&self, sha: &Sha256Hex) -> PathBuf {
        let s = self.keys.blob_name(sha.as_str());
        self.root.join(&s[..2]).join(&s[2..4]).join(s)
    }

    /// A name for a file of the station that stands for `sha` without
    /// revealing it (keyed with the station's naming key, like the blobs').
    pub(crate) fn keyed_name(&self, sha: &Sha256Hex) -> String {
        self.keys.blob_name(sha.as_str())[..24].to_owned()
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
                    "{} hat sich beim Speichern geändert (SHA-256 {} statt {}); die Datei wird erneut eingelesen",
                    src.display(),
                    got.short(),
                    expected.short()
                )));
            }
            Ok(())
        })
    }

    /// Opens a blob for reading (decrypting on the way; the digest is not
    /// checked: use [`BlobStore::get`] or [`BlobStore::copy_to`]).
    fn reader(&self, sha: &Sha256Hex) -> io::Result<SealedReader<File>> {
        SealedReader::open(
            File::open(self.path_of(sha))?,
            self.keys.seal(),
            sha.as_str().as_bytes(),
        )
    }

    /// Reads a whole blob, verifying its digest.
    pub fn get(&self, sha: &Sha256Hex) -> io::Result<Vec<u8>> {
        let mut r = self.reader(sha).map_err(|_| damaged(sha))?;
        let mut bytes = Vec::with_capacity(r.plain_len() as usize);
        r.read_to_end(&mut bytes).map_err(|_| damaged(sha))?;
        if Sha256Hex::of(&bytes) != *sha {
            return Err(damaged(sha));
        }
        Ok(bytes)
    }

    /// Streams a blob into `out` (1 MiB at a time, never whole in memory),
    /// verifying its digest on the way; a damaged blob is an error after
    /// the fact, so `out` must be discarded then.
    pub(crate) fn copy_to(&self, sha: &Sha256Hex, out: &mut impl Write) -> io::Result<u64> {
        let r = match self.reader(sha) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(e),
            r => r.map_err(|_| damaged(sha))?,
        };
        let (got, n) = copy_hashing(r, out).map_err(|e| {
            if e.kind() == io::ErrorKind::InvalidData {
                damaged(sha)
            } else {
                e
            }
        })?;
        if got != *sha {
            return Err(damaged(sha));
        }
        Ok(n)
    }

    /// A sealed file of this store's key bound to `context`, written
    /// durably under `dest` (temporary name, fsync, rename, directory
    /// fsync): for files that belong to the station but are not blobs
    /// (quarantined files, outgoing containers).
    pub fn write_sealed(
        &self,
        dest: &Path,
        context: &[u8],
        fill: impl FnOnce(&mut SealedWriter) -> io::Result<()>,
    ) -> io::Result<()> {
        let dir = dest.parent().expect("sealed file has a parent");
        let tmp = dir.join(format!(".{}.part", uuid::Uuid::new_v4().simple()));
        self.seal_to(&tmp, dest, context, fill)
    }

    /// Writes a sealed file at `tmp`, makes it durable and renames it to
    /// `dest` (the temporary file is removed if anything fails).
    fn seal_to(
        &self,
        tmp: &Path,
        dest: &Path,
        context: &[u8],
        fill: impl FnOnce(&mut SealedWriter) -> io::Result<()>,
    ) -> io::Result<()> {
        let result = (|| {
            let f = File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(tmp)?;
            let mut w = SealedWriter::new(f, self.keys.seal(), context)?;
            fill(&mut w)?;
            w.finish()?.sync_all()?;
            fs::rename(tmp, dest)?;
            crate::fsutil::sync_dir(dest.parent().expect("sealed file has a parent"))
        })();
        if result.is_err() {
            let _ = fs::remove_file(tmp);
        }
        result
    }

    /// The key sealed files of this store are written with.
    pub fn seal_key(&self) -> &crate::protect::crypto::SealKey {
        self.keys.seal()
    }

    /// Opens a file written by [`BlobStore::write_sealed`] with `context`.
    pub fn read_sealed(&self, path: &Path, context: &[u8]) -> io::Result<SealedReader<File>> {
        SealedReader::open(File::open(path)?, self.keys.seal(), context)
    }

    /// Seals every blob stored in plain form (by a version before
    /// encryption at rest), overwriting the plain file before removing it.
    fn seal_plain_blobs(&self) -> io::Result<usize> {
        let mut n = 0;
        for a in fs::read_dir(&self.root)? {
            let a = a?.path();
            if !a.is_dir() || a.file_name().is_some_and(|f| f == "tmp") {
                continue;
            }
            for b in fs::read_dir(&a)? {
                for f in fs::read_dir(b?.path())? {
                    let path = f?.path();
                    let mut head = [0u8; 8];
                    let len = File::open(&path)?.read(&mut head)?;
                    if sealed::is_sealed(&head[..len]) {
                        continue;
                    }
                    let bytes = fs::read(&path)?;
                    let sha = Sha256Hex::of(&bytes);
                    if path.file_name().and_then(|f| f.to_str()) != Some(sha.as_str()) {
                        tracing::warn!(datei = %path.display(), "unverschlüsselte Ablagedatei passt nicht zu ihrem Namen; unverändert gelassen");
                        continue;
                    }
                    if !self.contains(&sha) {
                        self.write_new(&sha, |f| f.write_all(&bytes))?;
                    }
                    let zeros = vec![0u8; bytes.len()];
                    let mut old = File::options().write(true).open(&path)?;
                    old.write_all(&zeros)?;
                    old.sync_all()?;
                    fs::remove_file(&path)?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    fn write_new(
        &self,
        sha: &Sha256Hex,
        fill: impl FnOnce(&mut SealedWriter) -> io::Result<()>,
    ) -> io::Result<()> {
        let dest = self.path_of(sha);
        let dir = dest.parent().expect("blob path has a parent");
        crate::fsutil::create_dir_all_synced(dir)?;
        let tmp = self.root.join("tmp").join(format!(
            "{}.{}",
            &dest.file_name().expect("blob name").to_string_lossy()[..12],
            uuid::Uuid::new_v4().simple()
        ));
        self.seal_to(&tmp, &dest, sha.as_str().as_bytes(), fill)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_master(&[7; 32])
    }

    #[test]
    fn put_is_idempotent_and_get_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path(), &keys()).unwrap();
        let a = store.put(b"Seite 1").unwrap();
        let b = store.put(b"Seite 1").unwrap();
        assert_eq!(a, b);
        assert_eq!(store.get(&a).unwrap(), b"Seite 1");
        let on_disk = fs::read(store.path_of(&a)).unwrap();
        assert!(sealed::is_sealed(&on_disk));
        assert!(!on_disk.windows(7).any(|w| w == b"Seite 1"));
        assert!(!store.path_of(&a).to_string_lossy().contains(a.as_str()));
        fs::write(store.path_of(&a), b"manipuliert").unwrap();
        let err = store.get(&a).unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        // Another station's key does not open it.
        let b = store.put(b"Seite 2").unwrap();
        let other = BlobStore::open(dir.path(), &Keys::from_master(&[8; 32])).unwrap();
        fs::create_dir_all(other.path_of(&b).parent().unwrap()).unwrap();
        fs::copy(store.path_of(&b), other.path_of(&b)).unwrap();
        assert!(other.get(&b).is_err());
    }

    #[test]
    fn put_file_refuses_a_file_that_changed() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().join("blobs"), &keys()).unwrap();
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
        let mut out = Vec::new();
        assert_eq!(store.copy_to(&sha, &mut out).unwrap(), 8);
        assert_eq!(out, b"original");
    }

    #[test]
    fn plain_blobs_of_an_older_version_are_sealed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let sha = Sha256Hex::of(b"alte Seite");
        let s = sha.as_str();
        let old = dir.path().join(&s[..2]).join(&s[2..4]).join(s);
        fs::create_dir_all(old.parent().unwrap()).unwrap();
        fs::write(&old, b"alte Seite").unwrap();
        let store = BlobStore::open(dir.path(), &keys()).unwrap();
        assert!(!old.exists());
        assert_eq!(store.get(&sha).unwrap(), b"alte Seite");
    }
}
