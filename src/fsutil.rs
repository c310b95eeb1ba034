//! Small filesystem helpers shared by the stages.

use std::fs::File;
use std::io;
use std::path::Path;

/// Makes a rename or create in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}
