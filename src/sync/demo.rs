//! The demo's DMS: a stand-in importer on the station's own drop folder,
//! so `scanstelle demo` shows the whole way (packaged → sent → received →
//! imported). It files every object of every complete container into
//! `dms/archiv/` and answers with a 0629 and a 0630; corrections (0617,
//! 0610) and uploads of the audit chain (0623) it confirms. Not for production:
//! it checks the message only as far as it needs to answer it.

use crate::package::xdomea::message_name;
use crate::package::xdomea::reply::{self, ObjectResult};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The demo DMS on a drop folder.
#[derive(Debug, Clone)]
pub struct DemoDms {
    inbox: PathBuf,
    replies: PathBuf,
    archive: PathBuf,
}

impl DemoDms {
    /// The demo DMS of the station at `home` (its default drop folder).
    pub fn new(home: &Path) -> Self {
        let dms = home.join("dms");
        DemoDms {
            inbox: dms.join("eingang"),
            replies: dms.join("antworten"),
            archive: dms.join("archiv"),
        }
    }

    /// Imports every complete container waiting; returns how many.
    pub fn run_once(&self) -> std::io::Result<usize> {
        std::fs::create_dir_all(&self.archive)?;
        std::fs::create_dir_all(&self.replies)?;
        let mut n = 0;
        let Ok(entries) = std::fs::read_dir(&self.inbox) else {
            return Ok(0);
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some((pid, code)) = ["0605", "0617", "0610", "0623"].iter().find_map(|code| {
                let suffix = format!("_{}.zip", message_name(code));
                name.strip_suffix(&suffix)
                    .map(|pid| (pid.to_owned(), *code))
            }) else {
                continue;
            };
            let pid = pid.as_str();
            if name.starts_with('.') {
                continue;
            }
            let objects = match self.objects(&e.path(), pid, code) {
                Ok(o) => o,
                Err(why) => {
                    tracing::warn!(container = %name, grund = %why, "Demo-DMS: Container unlesbar");
                    continue;
                }
            };
            let now = time::OffsetDateTime::now_utc();
            self.write(&reply::received_name(pid), &reply::write_received(pid, now))?;
            self.write(
                &reply::imported_name(pid),
                &reply::write_imported(pid, now, &["0000000"], &objects),
            )?;
            std::fs::rename(e.path(), self.archive.join(&name))?;
            n += 1;
        }
        Ok(n)
    }

    /// One result per object: filed into the case file it names (0605),
    /// marked invalid (0617) or given its new type (0610).
    fn objects(&self, zip: &Path, pid: &str, code: &str) -> Result<Vec<ObjectResult>, String> {
        let file = std::fs::File::open(zip).map_err(|e| e.to_string())?;
        let mut archive = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
        let mut xml = String::new();
        archive
            .by_name(&format!("{pid}_{}.xml", message_name(code)))
            .map_err(|e| e.to_string())?
            .read_to_string(&mut xml)
            .map_err(|e| e.to_string())?;
        let doc = roxmltree::Document::parse(&xml).map_err(|e| e.to_string())?;
        let field = |n: roxmltree::Node<'_, '_>, tag: &str| {
            n.children()
                .find(|c| c.tag_name().name() == tag)
                .and_then(|c| c.text())
                .map(str::to_owned)
        };
        if code != "0605" {
            return Ok(doc
                .root_element()
                .children()
                .filter(|c| {
                    matches!(
                        c.tag_name().name(),
                        "SchriftgutobjektZumUngueltigKennzeichnen"
                            | "MetadatenZumAktualisieren"
                            | "GesamtprotokollZumAblegen"
                    )
                })
                .map(|o| ObjectResult {
                    number: field(o, "NummerImStapel").and_then(|n| n.parse().ok()),
                    dms_id: field(o, "IDSGO"),
                    location: Some("Demo-DMS".into()),
                    ok: true,
                    errors: Vec::new(),
                })
                .collect());
        }
        Ok(doc
            .root_element()
            .children()
            .filter(|c| c.tag_name().name() == "SchriftgutobjektZumAblegen")
            .map(|o| ObjectResult {
                number: field(o, "NummerImStapel").and_then(|n| n.parse().ok()),
                dms_id: Some(uuid::Uuid::new_v4().to_string()),
                location: Some(format!(
                    "Demo-DMS, E-Akte {}",
                    field(o, "IDContainer").unwrap_or_default()
                )),
                ok: true,
                errors: Vec::new(),
            })
            .collect())
    }

    fn write(&self, name: &str, xml: &str) -> std::io::Result<()> {
        let tmp = self.replies.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, xml)?;
        std::fs::rename(tmp, self.replies.join(name))
    }
}
