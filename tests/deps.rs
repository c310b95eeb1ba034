//! The dependency tree, checked offline from `Cargo.lock` (`cargo
//! metadata`): every crate comes from crates.io (no git or path sources)
//! and carries a licence under which the station, itself EUPL-1.2, may be
//! shipped — permissive ones and MPL-2.0's file-level copyleft; nothing
//! GPL-only. The licences are printed, counted. (Advisories need the
//! RustSec database, a download from GitHub that CI must not make; see the
//! README.)

use std::collections::BTreeMap;

/// Licences (SPDX identifiers) the station may ship with.
const ALLOWED: &[&str] = &[
    "0BSD",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSL-1.0",
    "CC0-1.0",
    "ISC",
    "MIT",
    "MIT-0",
    "MPL-2.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "Zlib",
    // SQLite's dedication and a public-domain-like licence (sqlcipher-src).
    "blessing",
    "WTFPL",
];

/// Exceptions that only widen what a licence permits.
const EXCEPTIONS: &[&str] = &["LLVM-exception"];

/// Whether an SPDX licence expression (`A OR B`, `A AND (B OR C)`,
/// `A WITH E`, the old `A/B`) leaves a way that uses allowed licences only.
fn allowed(expression: &str) -> bool {
    let spaced = expression
        .replace('/', " OR ")
        .replace('(', " ( ")
        .replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut at = 0;
    let ok = or_expr(&tokens, &mut at);
    ok == Some(true) && at == tokens.len()
}

fn or_expr(t: &[&str], at: &mut usize) -> Option<bool> {
    let mut ok = and_expr(t, at)?;
    while t.get(*at) == Some(&"OR") {
        *at += 1;
        ok |= and_expr(t, at)?;
    }
    Some(ok)
}

fn and_expr(t: &[&str], at: &mut usize) -> Option<bool> {
    let mut ok = atom(t, at)?;
    while t.get(*at) == Some(&"AND") {
        *at += 1;
        ok &= atom(t, at)?;
    }
    Some(ok)
}

fn atom(t: &[&str], at: &mut usize) -> Option<bool> {
    let token = *t.get(*at)?;
    *at += 1;
    if token == "(" {
        let ok = or_expr(t, at)?;
        (t.get(*at) == Some(&")")).then(|| *at += 1)?;
        return Some(ok);
    }
    if matches!(token, ")" | "AND" | "OR" | "WITH") {
        return None;
    }
    let mut ok = ALLOWED.contains(&token);
    if t.get(*at) == Some(&"WITH") {
        let exception = *t.get(*at + 1)?;
        *at += 2;
        ok &= EXCEPTIONS.contains(&exception);
    }
    Some(ok)
}

#[test]
fn licence_expressions_are_read_as_spdx_means_them() {
    for yes in [
        "MIT",
        "MIT OR Apache-2.0",
        "MIT/Apache-2.0",
        "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT",
        "(MIT OR Apache-2.0) AND Unicode-3.0",
        "Apache-2.0 OR GPL-2.0-only",
    ] {
        assert!(allowed(yes), "{yes}");
    }
    for no in [
        "GPL-3.0-only",
        "MIT AND GPL-2.0-only",
        "(MIT OR Apache-2.0) AND LGPL-2.1-or-later",
        "AGPL-3.0-or-later OR SSPL-1.0",
        "MIT WITH Classpath-exception-2.0",
        "MIT OR",
        "(MIT",
        "",
    ] {
        assert!(!allowed(no), "{no}");
    }
}

#[test]
fn every_dependency_comes_from_crates_io_under_an_allowed_licence() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Only this platform's crates: the others are not downloaded here.
    let platform = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &platform])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    assert!(packages.len() > 100, "{} packages", packages.len());
    let mut licences: BTreeMap<String, usize> = BTreeMap::new();
    let mut versions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for p in packages {
        let name = p["name"].as_str().unwrap();
        let version = p["version"].as_str().unwrap();
        if name == env!("CARGO_PKG_NAME") {
            continue;
        }
        let source = p["source"].as_str().unwrap_or("(path)");
        if source != "registry+https://github.com/rust-lang/crates.io-index" {
            wrong.push(format!("{name} {version}: source {source}"));
        }
        let licence = p["license"].as_str().unwrap_or("");
        if !allowed(licence) {
            wrong.push(format!("{name} {version}: licence {licence:?}"));
        }
        *licences.entry(licence.to_owned()).or_default() += 1;
        versions.entry(name).or_default().push(version);
    }
    for (licence, n) in &licences {
        eprintln!("{n:4}  {licence}");
    }
    let twice: Vec<String> = versions
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(n, v)| format!("{n} {}", v.join("/")))
        .collect();
    eprintln!(
        "{} crates in more than one version: {}",
        twice.len(),
        twice.join(", ")
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
