//! The sealed file format: a file encrypted and authenticated in chunks.
//!
//! Layout: the 8-byte magic `SCSEAL1\n`, a random 16-byte file id, then
//! chunk slots of 24-byte nonce + ciphertext + 16-byte tag. Every chunk but
//! the last holds `CHUNK` bytes of plaintext. Each chunk is sealed with
//! XChaCha20-Poly1305 under a fresh random nonce; the associated data binds
//! it to the file id, its index, whether it is the last chunk and a context
//! the caller chooses (a blob's digest, a container's name). So a changed,
//! swapped, moved, cut-off or extended file fails to open, and a sealed file
//! copied under another name does too.
//!
//! [`SealedWriter`] can seek back and overwrite (a ZIP writer patches each
//! entry's header after its data): a chunk written again gets a new nonce.
//! [`SealedReader`] reads sequentially, never more than one chunk in memory.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

/// The first bytes of every sealed file.
pub const MAGIC: &[u8; 8] = b"SCSEAL1\n";
/// Plaintext bytes per chunk.
pub(crate) const CHUNK: usize = 64 * 1024;
const ID: usize = 16;
const HEADER: u64 = (MAGIC.len() + ID) as u64;
const NONCE: usize = 24;
const TAG: usize = 16;
const SLOT: u64 = (NONCE + CHUNK + TAG) as u64;

/// A 256-bit key for sealed files.
#[derive(Clone)]
pub struct SealKey(XChaCha20Poly1305);

impl SealKey {
    /// A key from 32 bytes.
    pub fn new(bytes: &[u8; 32]) -> Self {
        Self(XChaCha20Poly1305::new(&(*bytes).into()))
    }
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(…)")
    }
}

fn damaged(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "verschlüsselte Datei nicht lesbar ({what}): beschädigt, verändert oder mit einem anderen Schlüssel geschrieben"
        ),
    )
}

fn random<const N: usize>() -> io::Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| io::Error::other(format!("Zufallsquelle: {e}")))?;
    Ok(b)
}

fn aad(id: &[u8; ID], index: u64, last: bool, context: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(ID + 9 + context.len());
    a.extend_from_slice(id);
    a.extend_from_slice(&index.to_be_bytes());
    a.push(u8::from(last));
    a.extend_from_slice(context);
    a
}

/// Whether `head` (the first bytes of a file) starts like a sealed file.
pub(crate) fn is_sealed(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

/// The plaintext length of a sealed file of `len` bytes, if that length is possible.
pub(crate) fn plain_len(len: u64) -> Option<u64> {
    let body = len.checked_sub(HEADER)?;
    if body < (NONCE + TAG) as u64 {
        return None;
    }
    let chunks = body.div_ceil(SLOT);
    let last = body - (chunks - 1) * SLOT - (NONCE + TAG) as u64;
    (last <= CHUNK as u64 && (last > 0 || chunks == 1))
        .then_some((chunks - 1) * CHUNK as u64 + last)
}

/// Writes a sealed file; [`SealedWriter::finish`] must be called, a
/// writer dropped before is an incomplete file that will not open.
pub struct SealedWriter {
    file: File,
    key: SealKey,
    id: [u8; ID],
    context: Vec<u8>,
    /// Index of the chunk in `buf`.
    index: u64,
    buf: Vec<u8>,
    dirty: bool,
    /// Chunks on disk.
    stored: u64,
    pos: u64,
    len: u64,
}

impl SealedWriter {
    /// Starts a sealed file in `file` (which must be empty and open for
    /// reading and writing).
    pub fn new(mut file: File, key: &SealKey, context: &[u8]) -> io::Result<Self> {
        let id = random::<ID>()?;
        file.write_all(MAGIC)?;
        file.write_all(&id)?;
        Ok(Self {
            file,
            key: key.clone(),
            id,
            context: context.to_vec(),
            index: 0,
            buf: Vec::with_capacity(CHUNK),
            dirty: false,
            stored: 0,
            pos: 0,
            len: 0,
        })
    }

    fn store(&mut self, last: bool) -> io::Result<()> {
        if !self.dirty && !last {
            return Ok(());
        }
        let nonce = random::<NONCE>()?;
        let mut slot = Vec::with_capacity(NONCE + self.buf.len() + TAG);
        slot.extend_from_slice(&nonce);
        slot.extend_from_slice(&self.buf);
        let tag = self
            .key
            .0
            .encrypt_inout_detached(
                &XNonce::from(nonce),
                &aad(&self.id, self.index, last, &self.context),
                (&mut slot[NONCE..]).into(),
            )
            .map_err(|_| io::Error::other("Verschlüsselung fehlgeschlagen"))?;
        slot.extend_from_slice(&tag);
        self.file.write_all_at(&slot, HEADER + self.index * SLOT)?;
        self.stored = self.stored.max(self.index + 1);
        self.dirty = false;
        Ok(())
    }

    fn load(&mut self, index: u64) -> io::Result<()> {
        if index == self.index {
            return Ok(());
        }
        self.store(false)?;
        self.index = index;
        self.buf.clear();
        if index < self.stored {
            let n = if index + 1 < self.stored {
                CHUNK as u64
            } else {
                self.len - index * CHUNK as u64
            };
            let mut slot = vec![0u8; NONCE + n as usize + TAG];
            self.file.read_exact_at(&mut slot, HEADER + index * SLOT)?;
            open_slot(&self.key, &self.id, index, false, &self.context, &mut slot)?;
            self.buf.extend_from_slice(&slot[NONCE..NONCE + n as usize]);
        }
        Ok(())
    }

    /// Seals the last chunk and returns the file (not yet synced).
    pub fn finish(mut self) -> io::Result<File> {
        let last = self.len.saturating_sub(1) / CHUNK as u64;
        self.load(last)?;
        self.store(true)?;
        let end = HEADER + last * SLOT + (NONCE + self.buf.len() + TAG) as u64;
        self.file.set_len(end)?;
        Ok(self.file)
    }
}

impl Write for SealedWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let index = self.pos / CHUNK as u64;
        let off = (self.pos % CHUNK as u64) as usize;
        self.load(index)?;
        let n = data.len().min(CHUNK - off);
        let end = off + n;
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        self.buf[off..end].copy_from_slice(&data[..n]);
        self.dirty = true;
        self.pos += n as u64;
        self.len = self.len.max(self.pos);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for SealedWriter {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match target {
            Some(p) if p <= self.len => {
                self.pos = p;
                Ok(p)
            }
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Sprung hinter das Ende einer verschlüsselten Datei",
            )),
        }
    }
}

fn open_slot(
    key: &SealKey,
    id: &[u8; ID],
    index: u64,
    last: bool,
    context: &[u8],
    slot: &mut [u8],
) -> io::Result<()> {
    let (nonce, rest) = slot.split_at_mut(NONCE);
    let (body, tag) = rest.split_at_mut(rest.len() - TAG);
    let nonce = XNonce::try_from(&*nonce).map_err(|_| damaged("Nonce"))?;
    let tag = Tag::try_from(&*tag).map_err(|_| damaged("Prüfsumme"))?;
    key.0
        .decrypt_inout_detached(&nonce, &aad(id, index, last, context), body.into(), &tag)
        .map_err(|_| damaged(&format!("Abschnitt {}", index + 1)))
}

/// Reads a sealed file from its start, one chunk at a time.
pub struct SealedReader<R> {
    inner: R,
    key: SealKey,
    id: [u8; ID],
    context: Vec<u8>,
    chunks: u64,
    last_len: usize,
    index: u64,
    buf: Vec<u8>,
    at: usize,
    plain: u64,
}

impl SealedReader<File> {
    /// Opens the sealed file `file` sealed with `context`.
    pub fn open(file: File, key: &SealKey, context: &[u8]) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Self::new(file, len, key, context)
    }
}

impl<R: Read> SealedReader<R> {
    /// Reads a sealed file of `len` bytes from `inner`.
    pub fn new(mut inner: R, len: u64, key: &SealKey, context: &[u8]) -> io::Result<Self> {
        let mut head = [0u8; HEADER as usize];
        inner
            .read_exact(&mut head)
            .map_err(|_| damaged("zu kurz"))?;
        if !is_sealed(&head) {
            return Err(damaged("kein verschlüsseltes Format"));
        }
        let plain = plain_len(len).ok_or_else(|| damaged("Länge"))?;
        let body = len - HEADER;
        let chunks = body.div_ceil(SLOT);
        let last_len = (body - (chunks - 1) * SLOT) as usize - NONCE - TAG;
        let mut id = [0u8; ID];
        id.copy_from_slice(&head[MAGIC.len()..]);
        Ok(Self {
            inner,
            key: key.clone(),
            id,
            context: context.to_vec(),
            chunks,
            last_len,
            index: 0,
            buf: Vec::new(),
            at: 0,
            plain,
        })
    }

    /// The plaintext length.
    pub(crate) fn plain_len(&self) -> u64 {
        self.plain
    }

    fn next_chunk(&mut self) -> io::Result<bool> {
        if self.index == self.chunks {
            return Ok(false);
        }
        let last = self.index + 1 == self.chunks;
        let n = if last { self.last_len } else { CHUNK };
        self.buf.resize(NONCE + n + TAG, 0);
        self.inner
            .read_exact(&mut self.buf)
            .map_err(|_| damaged("abgeschnitten"))?;
        open_slot(
            &self.key,
            &self.id,
            self.index,
            last,
            &self.context,
            &mut self.buf,
        )?;
        self.buf.truncate(NONCE + n);
        self.at = NONCE;
        self.index += 1;
        Ok(true)
    }
}

impl<R: Read> Read for SealedReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.buf.len() {
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SealKey {
        SealKey::new(&[b; 32])
    }

    fn seal(path: &std::path::Path, data: &[u8], ctx: &[u8]) {
        let f = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .unwrap();
        let mut w = SealedWriter::new(f, &key(1), ctx).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap();
    }

    fn unseal(path: &std::path::Path, k: &SealKey, ctx: &[u8]) -> io::Result<Vec<u8>> {
        let mut r = SealedReader::open(File::open(path)?, k, ctx)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        assert_eq!(out.len() as u64, r.plain_len());
        Ok(out)
    }

    #[test]
    fn round_trips_every_length_around_chunk_borders() {
        let dir = tempfile::tempdir().unwrap();
        for (i, n) in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7]
            .into_iter()
            .enumerate()
        {
            let data: Vec<u8> = (0..n).map(|i| (i * 7 % 251) as u8).collect();
            let p = dir.path().join(format!("f{i}"));
            seal(&p, &data, b"ctx");
            let raw = std::fs::read(&p).unwrap();
            assert!(is_sealed(&raw));
            assert_eq!(plain_len(raw.len() as u64), Some(n as u64));
            assert_eq!(unseal(&p, &key(1), b"ctx").unwrap(), data, "length {n}");
        }
    }

    #[test]
    fn refuses_changed_cut_extended_swapped_or_misnamed_files() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..CHUNK * 2 + 100).map(|i| (i % 256) as u8).collect();
        let p = dir.path().join("f");
        seal(&p, &data, b"ctx");
        let good = std::fs::read(&p).unwrap();
        let check = |bytes: Vec<u8>, k: &SealKey, ctx: &[u8]| {
            std::fs::write(&p, bytes).unwrap();
            unseal(&p, k, ctx).unwrap_err()
        };
        let mut flipped = good.clone();
        flipped[HEADER as usize + NONCE + 10] ^= 1;
        check(flipped, &key(1), b"ctx");
        // Cut at a chunk border: the new last chunk was not sealed as last.
        check(
            good[..(HEADER + 2 * SLOT) as usize].to_vec(),
            &key(1),
            b"ctx",
        );
        check(good[..good.len() - 1].to_vec(), &key(1), b"ctx");
        let mut longer = good.clone();
        longer.extend_from_slice(&good[HEADER as usize..]);
        check(longer, &key(1), b"ctx");
        let mut swapped = good[..HEADER as usize].to_vec();
        swapped.extend_from_slice(&good[(HEADER + SLOT) as usize..(HEADER + 2 * SLOT) as usize]);
        swapped.extend_from_slice(&good[HEADER as usize..(HEADER + SLOT) as usize]);
        swapped.extend_from_slice(&good[(HEADER + 2 * SLOT) as usize..]);
        check(swapped, &key(1), b"ctx");
        check(good.clone(), &key(2), b"ctx");
        let err = check(good.clone(), &key(1), b"other");
        assert!(err.to_string().contains("beschädigt"), "{err}");
        std::fs::write(&p, &good).unwrap();
        assert_eq!(unseal(&p, &key(1), b"ctx").unwrap(), data);
    }

    #[test]
    fn seeking_back_overwrites_like_a_plain_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let f = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&p)
            .unwrap();
        let mut w = SealedWriter::new(f, &key(1), b"").unwrap();
        let mut plain = io::Cursor::new(Vec::new());
        for step in 0..40u64 {
            let piece = vec![step as u8; (step as usize * 4099) % 20_000 + 1];
            w.write_all(&piece).unwrap();
            plain.write_all(&piece).unwrap();
            if step % 3 == 0 {
                let back = SeekFrom::Start(step * 3_001 % plain.get_ref().len() as u64);
                w.seek(back).unwrap();
                plain.seek(back).unwrap();
                w.write_all(b"HEADER").unwrap();
                plain.write_all(b"HEADER").unwrap();
                w.seek(SeekFrom::End(0)).unwrap();
                plain.seek(SeekFrom::End(0)).unwrap();
            }
        }
        w.finish().unwrap();
        assert_eq!(unseal(&p, &key(1), b"").unwrap(), plain.into_inner());
    }
}
