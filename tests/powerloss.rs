//! Power loss: what the database records must already be on disk.
//!
//! A power cut loses what the kernel had not yet written: file contents not
//! flushed with `fsync`, directory entries (new names, renames, new folders)
//! whose folder was not flushed. The station's promise is that no blob the
//! database refers to is missing or partial after a cut at any moment. That
//! holds when every blob, quarantined file and sealed note is written to a
//! temporary name, flushed, renamed into place, and its folder (and a folder
//! made for it, in its parent) flushed — all before the next write to the
//! database, whose commits SQLite flushes itself (`synchronous = FULL`).
//!
//! The real binary ingests and processes files under `strace`; the trace of
//! its file-system calls is checked for exactly that order, so a cut between
//! any two calls leaves the database pointing at nothing it does not have.

use crate::common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One traced system call: its name, arguments as printed, result, and its
/// place in the trace (line where it started and where it returned).
#[derive(Debug)]
struct Call {
    pid: String,
    name: String,
    args: String,
    ret: String,
    start: usize,
    end: usize,
}

/// Reads an `strace -f -y` trace, joining calls split by other threads
/// (`<unfinished ...>` / `<... name resumed>`).
fn parse(trace: &str) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut pending: HashMap<String, (String, String, usize)> = HashMap::new();
    for (i, line) in trace.lines().enumerate() {
        let Some((pid, rest)) = line.split_once(' ') else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(tail) = rest.strip_prefix("<... ") {
            // "<... fsync resumed>) = 0"
            let Some((_, after)) = tail.split_once(" resumed>") else {
                continue;
            };
            if let Some((name, args, start)) = pending.remove(pid) {
                let (more, ret) = split_ret(after);
                calls.push(Call {
                    pid: pid.to_owned(),
                    name,
                    args: format!("{args}{more}"),
                    ret,
                    start,
                    end: i,
                });
            }
            continue;
        }
        let Some((name, args)) = rest.split_once('(') else {
            continue;
        };
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(args) = args.strip_suffix(" <unfinished ...>") {
            pending.insert(pid.to_owned(), (name.to_owned(), args.to_owned(), i));
            continue;
        }
        let (args, ret) = split_ret(args);
        calls.push(Call {
            pid: pid.to_owned(),
            name: name.to_owned(),
            args,
            ret,
            start: i,
            end: i,
        });
    }
    calls
}

/// Splits `args) = ret` at the last `)` before ` = ` (strace pads resumed
/// calls with spaces there).
fn split_ret(s: &str) -> (String, String) {
    if let Some(eq) = s.rfind(" = ")
        && let Some(args) = s[..eq].trim_end().strip_suffix(')')
    {
        return (args.to_owned(), s[eq + 3..].to_owned());
    }
    (s.to_owned(), String::new())
}

/// The quoted strings among a call's arguments (paths), unescaped simply.
fn quoted(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = args.chars();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut s = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => s.extend(chars.next()),
                    '"' => break,
                    c => s.push(c),
                }
            }
            out.push(s);
        }
    }
    out
}

/// The path strace printed for the first file descriptor argument (`5</a/b>`).
fn fd_path(args: &str) -> Option<&str> {
    let start = args.find('<')? + 1;
    let end = args[start..].find('>')? + start;
    Some(&args[start..end])
}

/// What the trace shows in the order that matters; every event with the
/// thread that made it and its place in the trace.
struct Trace {
    /// Writes to the database or its journal (where they started).
    db_writes: Vec<(String, usize)>,
    /// Flushes: thread, path flushed, where the flush returned.
    flushes: Vec<(String, String, usize)>,
    /// Renames that succeeded: thread, from, to, where it started and returned.
    renames: Vec<(String, String, String, usize, usize)>,
    /// Folders made: thread, path, where the call returned.
    mkdirs: Vec<(String, String, usize)>,
}

/// Whether a call writes to the database or its journal.
fn is_db(args: &str) -> bool {
    fd_path(args).is_some_and(|p| {
        Path::new(p)
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("scanstelle.db"))
    })
}

fn read(calls: &[Call]) -> Trace {
    let mut t = Trace {
        db_writes: Vec::new(),
        flushes: Vec::new(),
        renames: Vec::new(),
        mkdirs: Vec::new(),
    };
    for c in calls {
        let pid = c.pid.clone();
        match c.name.as_str() {
            "write" | "pwrite64" | "writev" | "pwritev" | "pwritev2" if is_db(&c.args) => {
                t.db_writes.push((pid, c.start));
            }
            "fsync" | "fdatasync" if c.ret.trim() == "0" => {
                if let Some(p) = fd_path(&c.args) {
                    t.flushes.push((pid, p.to_owned(), c.end));
                }
            }
            "rename" | "renameat" | "renameat2" if c.ret.trim() == "0" => {
                let q = quoted(&c.args);
                if q.len() >= 2 {
                    t.renames
                        .push((pid, q[0].clone(), q[1].clone(), c.start, c.end));
                }
            }
            "mkdir" | "mkdirat" if c.ret.trim() == "0" => {
                if let Some(p) = quoted(&c.args).into_iter().next() {
                    t.mkdirs.push((pid, p, c.end));
                }
            }
            _ => {}
        }
    }
    t
}

impl Trace {
    /// Where the thread's next step of consequence starts after `at`: its
    /// next database write or its next rename (the next file it places).
    /// What a thread hands to another it hands over after that point.
    fn next_step(&self, pid: &str, at: usize) -> usize {
        let writes = self.db_writes.iter().filter(|(p, _)| p == pid).map(|w| w.1);
        let renames = self.renames.iter().filter(|r| r.0 == pid).map(|r| r.3);
        writes
            .chain(renames)
            .filter(|&w| w > at)
            .min()
            .unwrap_or(usize::MAX)
    }

    /// Whether `path` was flushed by the thread, returning between `after` and `before`.
    fn flushed(&self, pid: Option<&str>, path: &Path, after: usize, before: usize) -> bool {
        self.flushes.iter().any(|(p, f, at)| {
            pid.is_none_or(|pid| pid == p) && Path::new(f) == path && *at > after && *at < before
        })
    }
}

/// What a cut at the worst moment would lose, in words; empty if nothing.
fn losses(t: &Trace, home: &Path) -> Vec<String> {
    let kept = ["blobs", "quarantine", "outbox"].map(|d| home.join(d));
    let under_kept = |p: &Path| kept.iter().any(|k| p.starts_with(k) && p != k.as_path());
    let mut out = Vec::new();
    for (pid, from, to, start, end) in &t.renames {
        let (from, to) = (PathBuf::from(from), PathBuf::from(to));
        if !under_kept(&to) || to.starts_with(home.join("blobs/tmp")) {
            continue;
        }
        // The content, flushed under its temporary name before the rename.
        if !t.flushed(None, &from, 0, *start) {
            out.push(format!(
                "{} renamed before its content was flushed",
                to.display()
            ));
        }
        // The new name, flushed with its folder before the thread moves on.
        let dir = to.parent().unwrap();
        if !t.flushed(Some(pid), dir, *end, t.next_step(pid, *end)) {
            out.push(format!(
                "{}: folder not flushed after the rename, before the next step",
                to.display()
            ));
        }
    }
    for (pid, dir, end) in &t.mkdirs {
        let dir = PathBuf::from(dir);
        if !under_kept(&dir) && !kept.contains(&dir) {
            continue;
        }
        let parent = dir.parent().unwrap();
        if !t.flushed(Some(pid), parent, *end, t.next_step(pid, *end)) {
            out.push(format!(
                "folder {} made but {} not flushed before the next step",
                dir.display(),
                parent.display()
            ));
        }
    }
    out
}

#[test]
fn what_the_database_records_is_on_disk_before_it_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let mut args: Vec<PathBuf> = Vec::new();
    for (name, bytes) in [
        ("stapel.tif", common::tiff_pages(320, 440, &[3, 4, 5])),
        ("brief.png", common::png_page(400, 560, 7, 300)),
        ("kaputt.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n".to_vec()),
    ] {
        let p = files.join(name);
        std::fs::write(&p, bytes).unwrap();
        args.push(p);
    }
    let trace = dir.path().join("trace");
    let out = Command::new("strace")
        .args(["-f", "-y", "-qq", "-s", "256", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=openat,mkdir,mkdirat,rename,renameat,renameat2,fsync,fdatasync,write,pwrite64,writev,pwritev",
        ])
        .arg(env!("CARGO_BIN_EXE_scanstelle"))
        .arg("--home")
        .arg(&home)
        .arg("ingest")
        .args(&args)
        .env_remove("SCANSTELLE_CONFIG")
        .env_remove("SCANSTELLE_USER")
        .env_remove("DISPLAY")
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .output()
        .expect("strace runs (Debian package strace, installed by installer/setup.sh)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("QUARANTÄNE"), "{stdout}");
    let text = std::fs::read_to_string(&trace).unwrap();
    if let Ok(keep) = std::env::var("POWERLOSS_KEEP") {
        std::fs::write(keep, &text).unwrap();
    }
    let t = read(&parse(&text));
    // The trace saw the work: blobs renamed into place, the database written.
    let home = std::fs::canonicalize(&home).unwrap();
    let placed = t
        .renames
        .iter()
        .filter(|r| Path::new(&r.2).starts_with(home.join("blobs")))
        .count();
    assert!(
        placed >= 8,
        "{placed} blobs placed: pages, prepared pages, PDFs"
    );
    assert!(
        t.renames
            .iter()
            .any(|r| Path::new(&r.2).starts_with(home.join("quarantine"))),
        "the damaged file was quarantined"
    );
    assert!(
        t.db_writes.len() > 10,
        "{} database writes",
        t.db_writes.len()
    );
    let lost = losses(&t, &home);
    assert!(
        lost.is_empty(),
        "a power cut could lose what the database already records:\n{}",
        lost.join("\n")
    );
}

#[test]
fn the_checker_finds_a_rename_before_a_flush_and_a_folder_never_flushed() {
    // A made-up trace of a careless writer: it must be caught.
    let trace = "\
10 openat(AT_FDCWD</>, \"/h/blobs/tmp/a.1\", O_RDWR|O_CREAT|O_EXCL, 0666) = 5</h/blobs/tmp/a.1>
10 write(5</h/blobs/tmp/a.1>, \"x\", 1) = 1
10 mkdir(\"/h/blobs/ab\", 0777) = 0
10 rename(\"/h/blobs/tmp/a.1\", \"/h/blobs/ab/a\") = 0
11 fsync(6</h/blobs/ab> <unfinished ...>
10 pwrite64(7</h/scanstelle.db-wal>, \"...\", 4096, 0) = 4096
11 <... fsync resumed>)            = 0
";
    let t = read(&parse(trace));
    let lost = losses(&t, Path::new("/h"));
    assert_eq!(lost.len(), 3, "{lost:#?}");
    assert!(lost[0].contains("before its content was flushed"));
    assert!(lost[1].contains("folder not flushed"), "{lost:#?}");
    assert!(lost[2].contains("/h/blobs not flushed"));
    // The same writer done right passes.
    let trace = "\
10 openat(AT_FDCWD</>, \"/h/blobs/tmp/a.1\", O_RDWR|O_CREAT|O_EXCL, 0666) = 5</h/blobs/tmp/a.1>
10 write(5</h/blobs/tmp/a.1>, \"x\", 1) = 1
10 fsync(5</h/blobs/tmp/a.1>) = 0
10 mkdir(\"/h/blobs/ab\", 0777) = 0
10 fsync(4</h/blobs>) = 0
10 rename(\"/h/blobs/tmp/a.1\", \"/h/blobs/ab/a\") = 0
10 fsync(6</h/blobs/ab>) = 0
10 pwrite64(7</h/scanstelle.db-wal>, \"...\", 4096, 0) = 4096
";
    let t = read(&parse(trace));
    assert!(losses(&t, Path::new("/h")).is_empty());
}
