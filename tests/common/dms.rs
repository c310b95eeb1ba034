//! A DMS importer for the tests: it takes every container that arrived in
//! its inbox folder (a drop folder, or the directory Apache's WebDAV writes
//! to), validates the message against the XSD, files each object once
//! (a message whose ProzessID it processed before is discarded as a
//! duplicate), and writes a 0629 and a 0630 into its reply folder.

use scanstelle::package::xdomea::reply::{self, Feedback, ObjectResult};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One object of an arrived message.
#[derive(Debug, Clone)]
pub struct Arrived {
    /// `NummerImStapel`.
    pub number: u32,
    /// `FachverfahrenObjektID`.
    pub object_id: String,
    /// `IDContainer` (the BG-Nummer).
    pub container: String,
    /// `Ablageort`.
    pub location: String,
    /// The primary file's name, and whether the container holds it.
    pub pdf: String,
    /// Bytes of that PDF.
    pub pdf_bytes: Vec<u8>,
    /// The text attachment's content, if any.
    pub text: Option<String>,
    /// The transfer note's content, if any.
    pub note: Option<String>,
    /// `Typ`.
    pub typ: String,
    /// `Betreff`.
    pub betreff: String,
    /// The further formats of its version (the files as they arrived):
    /// format code, `DateinameOriginal`, bytes.
    pub originals: Vec<(String, String, Vec<u8>)>,
}

/// An object as the DMS holds it, by its `IDSGO`.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// `FachverfahrenObjektID`.
    pub object_id: String,
    /// The case file.
    pub container: String,
    /// Not marked invalid (0617).
    pub valid: bool,
    /// `Typ` (changed by a 0610).
    pub typ: String,
    /// `Betreff` (changed by a 0610).
    pub betreff: String,
}

/// Decides per object: `Some(code)` refuses it with that 0605 error code.
pub type Refuse = Box<dyn Fn(&Arrived) -> Option<&'static str> + Send>;

/// The importer.
pub struct TestDms {
    /// Where containers arrive.
    pub inbox: PathBuf,
    /// Where replies go.
    pub replies: PathBuf,
    xsd: Option<PathBuf>,
    /// Times each object was filed (must end at 1 each).
    pub filed: HashMap<String, u32>,
    /// ProzessIDs processed.
    pub processes: HashSet<String>,
    /// Containers discarded as duplicates.
    pub duplicates: u32,
    /// Every message XML seen, by ProzessID.
    pub messages: HashMap<String, String>,
    /// Objects of every message, by ProzessID.
    pub objects: HashMap<String, Vec<Arrived>>,
    /// Last 0630 written per process (rewritten for a duplicate).
    answers: HashMap<String, String>,
    /// Refusal rule.
    pub refuse: Refuse,
    /// Every object filed, by the ID the DMS gave it.
    pub held: HashMap<String, Held>,
    /// Correction messages seen (0617 and 0610), by ProzessID.
    pub corrections: HashMap<String, String>,
    /// Uploads of the station's audit chain (0623): the containers as
    /// filed, kept in `protocol_dir`.
    pub protocols: Vec<PathBuf>,
    /// Where the DMS keeps them.
    pub protocol_dir: PathBuf,
}

/// The containers the importer takes, with their message code.
const MESSAGES: [(&str, &str); 4] = [
    ("0605", "FVDaten.SGOAblegen.0605"),
    ("0617", "FVDaten.SGOUngueltigKennzeichnen.0617"),
    ("0610", "FVDaten.MetadatenAktualisieren.0610"),
    ("0623", "FVDaten.GesamtprotokollAblegen.0623"),
];

impl TestDms {
    /// An importer over these folders (created), validating with `xsd`.
    pub fn new(inbox: &Path, replies: &Path, xsd: Option<PathBuf>) -> Self {
        std::fs::create_dir_all(inbox).unwrap();
        std::fs::create_dir_all(replies).unwrap();
        TestDms {
            inbox: inbox.to_owned(),
            replies: replies.to_owned(),
            xsd,
            filed: HashMap::new(),
            processes: HashSet::new(),
            duplicates: 0,
            messages: HashMap::new(),
            objects: HashMap::new(),
            answers: HashMap::new(),
            refuse: Box::new(|_| None),
            held: HashMap::new(),
            corrections: HashMap::new(),
            protocols: Vec::new(),
            protocol_dir: inbox.with_file_name("protokolle"),
        }
    }

    fn write_reply(&self, name: &str, xml: &str) {
        if let Some(xsd) = &self.xsd {
            super::validate(xsd, xml).unwrap_or_else(|e| panic!("reply {name}: {e}\n{xml}"));
        }
        let tmp = self.replies.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, xml).unwrap();
        std::fs::rename(&tmp, self.replies.join(name)).unwrap();
    }

    /// A DMS with its folders under `<dir>/dms`, validating every message
    /// against the xdomea schema.
    pub fn under(dir: &Path) -> Self {
        let dms = dir.join("dms");
        Self::new(
            &dms.join("eingang"),
            &dms.join("antworten"),
            crate::common::schema(),
        )
    }

    /// One sync pass of the station at `home` to this DMS's folders (no
    /// waiting between tries, local copies deleted right after the
    /// import), then one import run; the messages imported.
    pub fn take_from(&mut self, store: &mut scanstelle::store::Store, home: &Path) -> usize {
        let syncer = scanstelle::sync::Syncer::new(
            Box::new(scanstelle::sync::FolderTransport::new(
                &self.inbox,
                &self.replies,
            )),
            scanstelle::sync::DmsSettings {
                backoff_secs: 0,
                hold_secs: 0,
                retention_days: 0,
                ..Default::default()
            },
            scanstelle::classify::doctype::TypeRules::builtin(),
            home,
            "scan01",
        )
        .unwrap();
        let blobs = scanstelle::store::blob::BlobStore::open(
            home.join("blobs"),
            &crate::common::keys(home),
        )
        .unwrap();
        syncer
            .pass(store, &blobs, &std::sync::atomic::AtomicBool::new(false))
            .unwrap();
        self.run_once()
    }

    /// Asserts that exactly `n` objects were filed, each exactly once.
    pub fn assert_each_filed_once(&self, n: usize) {
        assert_eq!(self.filed.len(), n, "objects filed: {:?}", self.filed);
        assert!(
            self.filed.values().all(|times| *times == 1),
            "an object was filed twice: {:?}",
            self.filed
        );
    }

    /// The cases in which an object (`FachverfahrenObjektID`) is filed and
    /// valid, and those in which it is marked invalid.
    pub fn cases_of(&self, object_id: &str) -> (Vec<String>, Vec<String>) {
        let mut valid = Vec::new();
        let mut invalid = Vec::new();
        for h in self.held.values().filter(|h| h.object_id == object_id) {
            if h.valid {
                valid.push(h.container.clone());
            } else {
                invalid.push(h.container.clone());
            }
        }
        (valid, invalid)
    }

    /// Imports every complete container in the inbox; returns how many.
    pub fn run_once(&mut self) -> usize {
        let mut names: Vec<String> = std::fs::read_dir(&self.inbox)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                !n.starts_with('.')
                    && MESSAGES
                        .iter()
                        .any(|(_, m)| n.ends_with(&format!("_{m}.zip")))
            })
            .collect();
        names.sort();
        for name in &names {
            let path = self.inbox.join(name);
            self.import(&path, name);
            std::fs::remove_file(&path).unwrap();
        }
        names.len()
    }

    fn import(&mut self, path: &Path, name: &str) {
        let (code, message) = MESSAGES
            .iter()
            .find(|(_, m)| name.ends_with(&format!("_{m}.zip")))
            .copied()
            .unwrap();
        let pid = name.trim_end_matches(&format!("_{message}.zip")).to_owned();
        let at = time::OffsetDateTime::now_utc();
        if self.processes.contains(&pid) {
            self.duplicates += 1;
            let again = self.answers[&pid].clone();
            self.write_reply(&reply::imported_name(&pid), &again);
            return;
        }
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap())
            .unwrap_or_else(|e| panic!("{name} is no complete ZIP: {e}"));
        let xml_name = format!("{pid}_{message}.xml");
        let mut xml = String::new();
        zip.by_name(&xml_name)
            .unwrap_or_else(|e| panic!("{name}: no {xml_name}: {e}"))
            .read_to_string(&mut xml)
            .unwrap();
        if let Some(xsd) = &self.xsd {
            super::validate(xsd, &xml).unwrap_or_else(|e| panic!("{name}: {e}\n{xml}"));
        }
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let text_of = |n: roxmltree::Node<'_, '_>, tag: &str| -> Option<String> {
            n.descendants()
                .find(|c| c.tag_name().name() == tag)
                .and_then(|c| c.text())
                .map(str::to_owned)
        };
        if code == "0623" {
            let root = doc.root_element();
            let node = root
                .descendants()
                .find(|c| c.tag_name().name() == "GesamtprotokollZumAblegen")
                .unwrap();
            let file = node
                .descendants()
                .find(|c| c.tag_name().name() == "Dateiname")
                .and_then(|c| c.text())
                .unwrap()
                .to_owned();
            zip.by_name(&file)
                .unwrap_or_else(|e| panic!("{name}: {file} missing: {e}"));
            drop(zip);
            std::fs::create_dir_all(&self.protocol_dir).unwrap();
            let kept = self.protocol_dir.join(name);
            std::fs::copy(path, &kept).unwrap();
            self.protocols.push(kept);
            let id = node
                .children()
                .find(|c| c.tag_name().name() == "IDSGO")
                .and_then(|c| c.text())
                .map(str::to_owned);
            let results = vec![ObjectResult {
                number: Some(1),
                dms_id: id,
                location: Some("Protokollakte der Scanstelle".into()),
                ok: true,
                errors: vec![],
            }];
            self.answer(&pid, at, &results);
            return;
        }
        if code != "0605" {
            drop(zip);
            let results = self.correct(code, &doc);
            self.answer(&pid, at, &results);
            self.corrections.insert(pid, xml);
            return;
        }
        let mut arrived = Vec::new();
        for o in doc
            .root_element()
            .children()
            .filter(|c| c.tag_name().name() == "SchriftgutobjektZumAblegen")
        {
            let dokument = o
                .descendants()
                .find(|c| c.tag_name().name() == "Dokument")
                .unwrap();
            let version = dokument
                .children()
                .find(|c| c.tag_name().name() == "Version")
                .unwrap();
            let pdf = text_of(version, "Dateiname").unwrap();
            let originals = version
                .children()
                .filter(|c| c.tag_name().name() == "Format")
                .skip(1)
                .map(|f| {
                    let file = text_of(f, "Dateiname").unwrap();
                    let mut bytes = Vec::new();
                    zip.by_name(&file)
                        .unwrap_or_else(|e| panic!("{name}: {file} missing: {e}"))
                        .read_to_end(&mut bytes)
                        .unwrap();
                    (
                        text_of(f, "code").unwrap(),
                        text_of(f, "DateinameOriginal").unwrap_or_default(),
                        bytes,
                    )
                })
                .collect();
            let mut pdf_bytes = Vec::new();
            zip.by_name(&pdf)
                .unwrap_or_else(|e| panic!("{name}: {pdf} missing: {e}"))
                .read_to_end(&mut pdf_bytes)
                .unwrap();
            // BSI TR-03138: never JBIG2, in anything that reaches the DMS.
            scanstelle::package::pdfa::refuse_jbig2(&pdf_bytes)
                .unwrap_or_else(|e| panic!("{name}: {pdf}: {e}"));
            let mut attachment = |suffix: &str| {
                dokument
                    .children()
                    .filter(|c| c.tag_name().name() == "Anlage")
                    .filter_map(|a| text_of(a, "Dateiname"))
                    .find(|n| n.ends_with(suffix))
                    .map(|t| {
                        let mut s = String::new();
                        zip.by_name(&t)
                            .unwrap_or_else(|e| panic!("{t} missing: {e}"))
                            .read_to_string(&mut s)
                            .unwrap();
                        s
                    })
            };
            let text = attachment("_Volltext.txt");
            let note = attachment("_Transfervermerk.xml");
            arrived.push(Arrived {
                number: text_of(o, "NummerImStapel").unwrap().parse().unwrap(),
                object_id: text_of(o, "FachverfahrenObjektID").unwrap(),
                container: text_of(o, "IDContainer").unwrap(),
                location: text_of(o, "Ablageort").unwrap(),
                pdf,
                pdf_bytes,
                text,
                note,
                typ: text_of(dokument, "Typ").unwrap_or_default(),
                betreff: text_of(dokument, "Betreff").unwrap_or_default(),
                originals,
            });
        }
        self.write_reply(
            &reply::received_name(&pid),
            &reply::write_received(&pid, at),
        );
        let results: Vec<ObjectResult> = arrived
            .iter()
            .map(|a| match (self.refuse)(a) {
                Some(code) => ObjectResult {
                    number: Some(a.number),
                    dms_id: None,
                    location: None,
                    ok: false,
                    errors: vec![Feedback::code(code)],
                },
                None => {
                    *self.filed.entry(a.object_id.clone()).or_default() += 1;
                    let id = uuid::Uuid::new_v4().to_string();
                    self.held.insert(
                        id.clone(),
                        Held {
                            object_id: a.object_id.clone(),
                            container: a.container.clone(),
                            valid: true,
                            typ: a.typ.clone(),
                            betreff: a.betreff.clone(),
                        },
                    );
                    ObjectResult {
                        number: Some(a.number),
                        dms_id: Some(id),
                        location: Some(format!("E-Akte {}", a.container)),
                        ok: true,
                        errors: vec![],
                    }
                }
            })
            .collect();
        let answer = reply::write_imported(&pid, at, &["0000000"], &results);
        self.write_reply(&reply::imported_name(&pid), &answer);
        self.answers.insert(pid.clone(), answer);
        self.processes.insert(pid.clone());
        self.messages.insert(pid.clone(), xml);
        self.objects.insert(pid, arrived);
    }

    /// Writes the 0629 and the 0630 of a process (kept for a duplicate).
    fn answer(&mut self, pid: &str, at: time::OffsetDateTime, results: &[ObjectResult]) {
        self.write_reply(&reply::received_name(pid), &reply::write_received(pid, at));
        let answer = reply::write_imported(pid, at, &["0000000"], results);
        self.write_reply(&reply::imported_name(pid), &answer);
        self.answers.insert(pid.to_owned(), answer);
        self.processes.insert(pid.to_owned());
    }

    /// A 0617 marks the objects invalid, a 0610 sets their metadata; an
    /// unknown or already invalid object is refused with the code list's
    /// code.
    fn correct(&mut self, code: &str, doc: &roxmltree::Document<'_>) -> Vec<ObjectResult> {
        let tag = if code == "0617" {
            "SchriftgutobjektZumUngueltigKennzeichnen"
        } else {
            "MetadatenZumAktualisieren"
        };
        let child = |n: roxmltree::Node<'_, '_>, t: &str| {
            n.children()
                .find(|c| c.tag_name().name() == t)
                .and_then(|c| c.text())
                .map(str::to_owned)
        };
        let mut results = Vec::new();
        for o in doc
            .root_element()
            .children()
            .filter(|c| c.tag_name().name() == tag)
        {
            let number = child(o, "NummerImStapel").and_then(|n| n.parse().ok());
            let id = child(o, "IDSGO").unwrap_or_default();
            let Some(held) = self.held.get_mut(&id).filter(|h| h.valid) else {
                results.push(ObjectResult {
                    number,
                    dms_id: Some(id),
                    location: None,
                    ok: false,
                    errors: vec![Feedback::code(&format!("{code}001"))],
                });
                continue;
            };
            if code == "0617" {
                held.valid = false;
            } else {
                for m in o.children().filter(|c| c.tag_name().name() == "Metadatum") {
                    let value = child(m, "Wert").unwrap_or_default();
                    match child(m, "Name").as_deref() {
                        Some("Typ") => held.typ = value,
                        Some("Betreff") => held.betreff = value,
                        _ => {}
                    }
                }
            }
            results.push(ObjectResult {
                number,
                dms_id: Some(id),
                location: Some(format!("E-Akte {}", held.container)),
                ok: true,
                errors: vec![],
            });
        }
        results
    }
}
