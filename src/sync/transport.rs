//! One trait for the three exchange modes xdomea names (shared folder,
//! WebDAV, HTTP(S)), and the shared folder: a mounted share the DMS's
//! importer watches.
//!
//! The folder transport writes each container under a hidden temporary
//! name, flushes it to disk and renames it into place, so the importer
//! never sees half a file; it reads the DMS's replies from a reply folder.

use crate::protect::crypto::{SealKey, SealedReader};
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// What went wrong talking to the DMS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// What kind of failure (decides how the sync goes on).
    pub kind: FailureKind,
    /// In words, for the operator.
    pub message: String,
}

/// Kinds of transport failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The DMS cannot be reached (network, share not mounted, timeout):
    /// the station is offline and tries again later.
    Offline,
    /// The DMS answered with a server error (5xx): try again later.
    Server,
    /// The DMS refused the request (401/403/4xx): a configuration matter;
    /// retried too, but shown as such.
    Refused,
    /// The station's own problem with one message (its container cannot be
    /// built): says nothing about the DMS.
    Local,
}

impl TransportError {
    /// A failure of this kind.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
        }
    }
}

/// A message's container as it waits in the spool: sealed on disk,
/// decrypted only on its way to the DMS.
#[derive(Debug, Clone)]
pub struct Container {
    path: PathBuf,
    key: SealKey,
    context: Vec<u8>,
    len: u64,
}

impl Container {
    /// The sealed container at `path`, sealed with `context` (its name).
    pub fn sealed(path: &Path, key: &SealKey, context: &[u8]) -> io::Result<Self> {
        let len = SealedReader::open(File::open(path)?, key, context)?.plain_len();
        Ok(Self {
            path: path.to_owned(),
            key: key.clone(),
            context: context.to_vec(),
            len,
        })
    }

    /// Its bytes from the start, decrypted as they are read.
    pub fn reader(&self) -> io::Result<SealedReader<File>> {
        SealedReader::open(File::open(&self.path)?, &self.key, &self.context)
    }

    /// Its length in bytes (decrypted).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it is empty (never for a real container).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// How the station reaches the DMS.
pub trait Transport: Send {
    /// What goes into `Ablageort`: the folder name, or the URL.
    fn location(&self) -> String;

    /// Delivers the container under `name`. A transport whose
    /// DMS answers at once (HTTPS POST) returns that answer (a 0629).
    fn deliver(&self, name: &str, file: &Container) -> Result<Option<Vec<u8>>, TransportError>;

    /// The reply file `name`, if the DMS wrote it.
    fn fetch_reply(&self, name: &str) -> Result<Option<Vec<u8>>, TransportError>;

    /// Removes a reply once it is recorded (best effort: a reply read twice
    /// changes nothing).
    fn remove_reply(&self, name: &str) -> Result<(), TransportError>;

    /// The names of the replies waiting (to clear away answers to messages
    /// that are finished, e.g. a DMS repeating its 0630 for a resend).
    fn list_replies(&self) -> Result<Vec<String>, TransportError>;
}

/// A shared folder the DMS imports from, with a folder for its replies.
#[derive(Debug, Clone)]
pub struct FolderTransport {
    /// Where containers go.
    pub inbox: PathBuf,
    /// Where the DMS writes its 0629/0630.
    pub replies: PathBuf,
    /// Largest reply read, in bytes.
    pub max_reply: u64,
}

/// Largest reply of the DMS read by default (a 0629 or 0630 is a few
/// kilobytes; a reply of many megabytes is refused, not parsed).
pub const MAX_REPLY_BYTES: u64 = 4_000_000;

/// The error for a reply larger than `limit` bytes.
pub(crate) fn reply_too_big(len: Option<u64>, limit: u64) -> TransportError {
    let size = match len {
        Some(len) => format!(" mit {} MB", len.div_ceil(1_000_000)),
        None => String::new(),
    };
    TransportError::new(
        FailureKind::Refused,
        format!(
            "Antwort des DMS{size} zu groß (höchstens {} MB, einstellbar unter [dms] \
             reply_megabytes; eine Quittung hat wenige KB): nicht gelesen. Bitte beim Betrieb \
             des DMS nachfragen.",
            limit.div_ceil(1_000_000)
        ),
    )
}

/// Reads at most `limit` bytes of `r`; more is [`reply_too_big`].
pub(crate) fn read_reply(r: impl Read, limit: u64) -> io::Result<Result<Vec<u8>, TransportError>> {
    let mut bytes = Vec::new();
    r.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(if bytes.len() as u64 > limit {
        Err(reply_too_big(None, limit))
    } else {
        Ok(bytes)
    })
}

fn offline(what: &str, path: &Path, e: &io::Error) -> TransportError {
    TransportError::new(
        FailureKind::Offline,
        format!("{what} {} nicht erreichbar: {e}", path.display()),
    )
}

impl FolderTransport {
    /// A transport over these folders (they must exist: a missing folder is
    /// an unmounted share, reported as offline, never created here).
    pub fn new(inbox: impl Into<PathBuf>, replies: impl Into<PathBuf>) -> Self {
        FolderTransport {
            inbox: inbox.into(),
            replies: replies.into(),
            max_reply: MAX_REPLY_BYTES,
        }
    }

    /// The same transport reading replies of at most `bytes`.
    pub fn reply_limit(mut self, bytes: u64) -> Self {
        self.max_reply = bytes;
        self
    }
}

impl Transport for FolderTransport {
    fn location(&self) -> String {
        self.inbox.display().to_string()
    }

    fn deliver(&self, name: &str, file: &Container) -> Result<Option<Vec<u8>>, TransportError> {
        let dir = &self.inbox;
        if !dir.is_dir() {
            return Err(TransportError::new(
                FailureKind::Offline,
                format!(
                    "Ablageordner {} nicht erreichbar (Freigabe nicht eingehängt?)",
                    dir.display()
                ),
            ));
        }
        let tmp = dir.join(format!(".{name}.part"));
        let dest = dir.join(name);
        let result = (|| {
            let mut out = File::create(&tmp)?;
            io::copy(&mut file.reader()?, &mut out)?;
            out.sync_all()?;
            drop(out);
            fs::rename(&tmp, &dest)?;
            // The rename itself must reach the disk of the share.
            File::open(dir)?.sync_all()
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(offline("Ablageordner", dir, &e));
        }
        Ok(None)
    }

    fn fetch_reply(&self, name: &str) -> Result<Option<Vec<u8>>, TransportError> {
        if !self.replies.is_dir() {
            return Err(TransportError::new(
                FailureKind::Offline,
                format!(
                    "Antwortordner {} nicht erreichbar (Freigabe nicht eingehängt?)",
                    self.replies.display()
                ),
            ));
        }
        let path = self.replies.join(name);
        let read = File::open(&path).and_then(|f| {
            let len = f.metadata()?.len();
            if len > self.max_reply {
                return Ok(Err(reply_too_big(Some(len), self.max_reply)));
            }
            // Bounded also when the file grows while it is read.
            read_reply(f, self.max_reply)
        });
        match read {
            Ok(r) => r.map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(offline("Antwortordner", &self.replies, &e)),
        }
    }

    fn remove_reply(&self, name: &str) -> Result<(), TransportError> {
        match fs::remove_file(self.replies.join(name)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(offline("Antwortordner", &self.replies, &e)),
        }
    }

    fn list_replies(&self) -> Result<Vec<String>, TransportError> {
        let entries =
            fs::read_dir(&self.replies).map_err(|e| offline("Antwortordner", &self.replies, &e))?;
        Ok(entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_larger_than_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let t = FolderTransport::new(dir.path(), dir.path());
        // Sparse: 200 MB on paper, nothing on the disk.
        let f = File::create(dir.path().join("gross.xml")).unwrap();
        f.set_len(200_000_000).unwrap();
        let e = t.fetch_reply("gross.xml").unwrap_err();
        assert_eq!(e.kind, FailureKind::Refused);
        assert!(e.message.contains("200 MB zu groß"), "{}", e.message);
        fs::write(dir.path().join("klein.xml"), b"<a/>").unwrap();
        assert_eq!(t.fetch_reply("klein.xml").unwrap().unwrap(), b"<a/>");
    }
}
