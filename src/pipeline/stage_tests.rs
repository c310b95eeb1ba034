//! Checks of the pipeline's shape: the stages in order, no module circles,
//! SQL only in the store.

use super::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Folders whose files are modules of their own for the circle check
/// (the others — `ocr`, `store`, `sync` — are one module each).
const SPLIT: &[&str] = &["intake", "prepare", "classify", "package", "protect"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module a path inside the crate belongs to for the check.
fn unit(src: &Path, parts: &[&str]) -> String {
    match parts {
        [folder, sub, ..]
            if SPLIT.contains(folder)
                && *sub != "mod"
                && (src.join(folder).join(format!("{sub}.rs")).is_file()
                    || src.join(folder).join(sub).is_dir()) =>
        {
            format!("{folder}::{sub}")
        }
        [first, ..] => (*first).to_owned(),
        [] => String::new(),
    }
}

/// Module → modules it names through `crate::…` (comments left out).
fn engine_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().with_extension("");
        let parts: Vec<&str> = rel.iter().map(|c| c.to_str().unwrap()).collect();
        // The window and the command line sit on top of the engine.
        if matches!(parts[0], "main" | "lib" | "gui" | "cli") {
            continue;
        }
        let from = unit(&src, &parts);
        let entry = deps.entry(from.clone()).or_default();
        for line in std::fs::read_to_string(&f).unwrap().lines() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (i, _) in line.match_indices("crate::") {
                let path: Vec<&str> = line[i + 7..]
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .next()
                    .unwrap_or("")
                    .split("::")
                    .filter(|p| !p.is_empty())
                    .collect();
                let to = unit(&src, &path);
                let family = |a: &str, b: &str| a.split("::").next() == Some(b);
                if !to.is_empty() && to != from && !family(&to, &from) && !family(&from, &to) {
                    entry.insert(to);
                }
            }
        }
    }
    deps
}

#[test]
fn only_the_store_runs_sql() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(src.join("store")) && !f.ends_with("gui/tests.rs"))
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .any(|l| !l.trim_start().starts_with("//") && l.contains(concat!("rus", "qlite")))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(outside.is_empty(), "SQL outside src/store: {outside:?}");
}

#[test]
fn the_engine_modules_form_no_circle() {
    let deps = engine_dependencies();
    // Depth-first search for a path back to where it started.
    fn visit<'a>(
        deps: &'a BTreeMap<String, BTreeSet<String>>,
        at: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| *p == at) {
            return Some(
                path[i..]
                    .iter()
                    .map(|s| (*s).to_owned())
                    .chain([at.to_owned()])
                    .collect(),
            );
        }
        if !done.insert(at) {
            return None;
        }
        path.push(at);
        for next in deps.get(at).into_iter().flatten() {
            if let Some(circle) = visit(deps, next, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for m in deps.keys() {
        let mut path = Vec::new();
        if let Some(circle) = visit(&deps, m, &mut path, &mut done) {
            panic!("module circle: {}", circle.join(" → "));
        }
    }
    assert!(deps.contains_key("store") && deps.contains_key("classify::casefind"));
}

#[test]
fn the_stages_follow_the_batch_states_in_order() {
    // Each stage starts where the one before stopped, every step is a
    // transition the store allows, and together they cover every state.
    for pair in STAGES.windows(2) {
        assert_eq!(pair[0].produces, pair[1].consumes, "{pair:?}");
    }
    for s in STAGES {
        assert!(s.consumes.can_become(s.produces), "{s:?}");
    }
    let mut states: Vec<BatchState> = STAGES.iter().map(|s| s.consumes).collect();
    states.extend(STAGES.last().map(|s| s.produces));
    assert_eq!(states, BatchState::ALL);
    for s in STAGES {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(s.module);
        assert!(dir.is_dir(), "no folder for stage {}", s.module);
    }
}
