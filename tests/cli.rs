//! The command line, run as the real binary.

use crate::common;

use common::*;
use std::process::{Command, Output};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn help_names_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let o = scanstelle(&["--help"], dir.path());
    assert!(o.status.success());
    let text = stdout(&o);
    for cmd in [
        "watch",
        "ingest",
        "process",
        "cases",
        "documents",
        "eval",
        "status",
        "demo",
        "profiles",
    ] {
        assert!(text.contains(cmd), "{cmd} missing in:\n{text}");
    }
    let o = scanstelle(&["ingest", "--help"], dir.path());
    assert!(stdout(&o).contains("--move"));
}

#[test]
fn ingest_process_status_and_search() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    admin_os(&home);
    let a = dir.path().join("antrag.tif");
    let b = dir.path().join("kaputt.pdf");
    std::fs::write(&a, demo_g4_tiff()).unwrap();
    let pdf = text_pdf(&["x"]);
    std::fs::write(&b, &pdf[..pdf.len() - 20]).unwrap();
    let o = scanstelle(
        &[
            "ingest",
            "--intake-only",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        &home,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.contains("eingelesen: 2 Seite(n)"), "{out}");
    assert!(out.contains("QUARANTÄNE") && out.contains("%%EOF"), "{out}");
    assert!(
        a.exists() && b.exists(),
        "without --move the user's files stay"
    );

    let o = scanstelle(&["status"], &home);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("Seiten") && out.contains("eingelesen 2"),
        "{out}"
    );
    assert!(out.contains("kaputt.pdf"), "{out}");

    let o = scanstelle(&["status", "--as-json"], &home);
    let out = stdout(&o);
    assert!(
        out.contains("\"pages\":{\"ingested\":2}") && out.contains("\"quarantined\":1"),
        "{out}"
    );

    let o = scanstelle(&["process", "--ocr-threads", "2"], &home);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout(&o).contains("2 Seite(n) aufbereitet (0 leer), 2 Seite(n) erkannt"),
        "{}",
        stdout(&o)
    );

    let o = scanstelle(&["search", "Bürgergeld"], &home);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("antrag.tif Seite 1") && stdout(&o).contains("«Bürgergeldes»"),
        "{}",
        stdout(&o)
    );
    let o = scanstelle(&["search", "Kaltmiete"], &home);
    assert!(!o.status.success(), "no hit is exit code 1");

    // The same file again is reported as a duplicate; --move removes it from where it was.
    let o = scanstelle(&["ingest", "--move", a.to_str().unwrap()], &home);
    assert!(stdout(&o).contains("DOPPELT"), "{}", stdout(&o));
    assert!(!a.exists());
}

#[test]
fn search_finds_numbers_and_names_as_a_person_types_them() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    admin_os(&home);
    let pdf = dir.path().join("rechnung.pdf");
    std::fs::write(
        &pdf,
        text_pdf(&[
            "Rechnung Nr. RE-20140519/499",
            "Aktenzeichen 12345-BG-0012345 vom 3.4.2026",
            "Herrn Jürgen Müller, Weißdornweg 7",
            "Kundennummer 123 A 456789",
        ]),
    )
    .unwrap();
    let o = scanstelle(&["process", pdf.to_str().unwrap()], &home);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for typed in [
        &["RE-20140519/499"][..],
        &["RE20140519499"],
        &["re-20140519"],
        &["12345-BG-0012345"],
        &["12345BG0012345"],
        &["12345//0012345"],
        &["123A456789"],
        &["123-A-456789"],
        &["Müller", "Jürgen"],
        &["Mueller"],
        &["Weissdornweg"],
        &["Weißdornweg", "7"],
    ] {
        let mut args = vec!["search"];
        args.extend_from_slice(typed);
        let o = scanstelle(&args, &home);
        assert!(
            o.status.success() && stdout(&o).contains("rechnung.pdf Seite 1"),
            "{typed:?}: {}",
            stdout(&o)
        );
    }
    for typed in ["RE-20140519/498", "12345-BG-0012346", "Meier"] {
        let o = scanstelle(&["search", typed], &home);
        assert!(!o.status.success(), "{typed}: {}", stdout(&o));
    }
}

#[test]
fn ingest_of_a_missing_file_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let o = scanstelle(&["ingest", "/nirgends/scan.tif"], dir.path());
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("keine gewöhnliche Datei"));
}

#[test]
fn ingest_of_a_link_is_refused_unless_links_are_to_be_followed() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    admin_os(&home);
    let target = dir.path().join("ziel.png");
    std::fs::write(&target, png_page(60, 80, 77, 300)).unwrap();
    let link = dir.path().join("verknuepfung.png");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = scanstelle(&["ingest", "--intake-only", link.to_str().unwrap()], &home);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Verknüpfung") && err.contains("--follow-links"),
        "{err}"
    );
    assert_eq!(
        count(&station(&home), "SELECT COUNT(*) FROM source_files"),
        0
    );
    let o = scanstelle(
        &[
            "ingest",
            "--intake-only",
            "--follow-links",
            link.to_str().unwrap(),
        ],
        &home,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        count(&station(&home), "SELECT COUNT(*) FROM source_files"),
        1
    );
}

#[test]
fn a_second_watch_on_the_same_home_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    admin_os(&home);
    let _first = station(&home);
    let o = scanstelle(&["watch"], &home);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bereits ein anderer Scanstelle-Prozess"),
        "{err}"
    );
}

#[test]
fn the_demo_runs_the_pipeline_on_its_built_in_scans() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("demo");
    let o = scanstelle(&["demo", "--headless", "--log-json"], &home);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(
        out.contains("5 Datei(en) mit 6 Seite(n) eingelesen, 0 doppelt, 1 in Quarantäne"),
        "{out}"
    );
    assert!(
        out.contains("widerspruch-email.pdf") && out.contains("+Text"),
        "{out}"
    );
    assert!(out.contains("Endmarke %%EOF fehlt"), "{out}");
    // --log-json: every log line on stderr is a JSON object.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.lines().count() > 3);
    assert!(
        err.lines().all(|l| l.starts_with('{') && l.ends_with('}')),
        "{err}"
    );
    // With --home the station directory stays for inspection.
    assert!(home.join("scanstelle.db").exists());
    assert_eq!(files_in(&home.join("quarantine")).len(), 2);
}

#[test]
fn a_bad_config_file_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("scanstelle.toml");
    std::fs::write(&cfg, "profiles = [\"fehlt\"]\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_scanstelle"))
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "--home",
            dir.path().to_str().unwrap(),
            "status",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("fehlt") && err.contains("Scannerprofil"),
        "{err}"
    );
}

/// Socket inodes the process holds (`/proc/<pid>/fd` → `socket:[inode]`).
#[cfg(target_os = "linux")]
fn socket_inodes(pid: u32) -> std::collections::HashSet<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter_map(|l| {
                    let l = l.to_string_lossy().into_owned();
                    l.strip_prefix("socket:[")
                        .and_then(|s| s.strip_suffix(']'))
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Listening TCP sockets and bound UDP sockets among `inodes`, as
/// `proto local-address`.
#[cfg(target_os = "linux")]
fn listening(inodes: &std::collections::HashSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for proto in ["tcp", "tcp6", "udp", "udp6"] {
        let table = std::fs::read_to_string(format!("/proc/net/{proto}")).unwrap_or_default();
        for line in table.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // local, remote, state … inode is field 9.
            if f.len() > 9 && inodes.contains(f[9]) {
                let listens = if proto.starts_with("tcp") {
                    f[3] == "0A"
                } else {
                    f[2].ends_with(":0000") && f[3] == "07"
                };
                if listens {
                    found.push(format!("{proto} {}", f[1]));
                }
            }
        }
    }
    found
}

#[cfg(target_os = "linux")]
#[test]
fn the_running_station_opens_no_listening_port() {
    // The detector sees a listening socket (this test's own).
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    assert!(
        !listening(&socket_inodes(std::process::id())).is_empty(),
        "detector blind"
    );
    drop(probe);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    admin_os(&home);
    std::fs::create_dir_all(&home).unwrap();
    let log = dir.path().join("journal.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_scanstelle"))
        .args(["watch", "--ocr-threads", "1"])
        .arg("--home")
        .arg(&home)
        .env_remove("SCANSTELLE_CONFIG")
        .env_remove("DISPLAY")
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    // A letter on its way through intake, OCR and the sync meanwhile.
    let letter = scanstelle::demo::FILES
        .iter()
        .find(|f| f.name == "kontoauszug.jpg")
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    let folder = home.join("hotfolders/desk-mfp-pdf");
    std::fs::create_dir_all(&folder).unwrap();
    // Named after the person, as desk scans sometimes are.
    std::fs::write(folder.join("Mustermann_Erika.jpg"), letter.bytes).unwrap();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..30 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        seen.extend(socket_inodes(child.id()));
        let open = listening(&seen);
        assert!(open.is_empty(), "the station listens: {open:?}");
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the station is still running"
    );
    // The log (the journal of a service) follows the file without its name.
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap()
        .contains("eingelesen")
    {
        assert!(start.elapsed().as_secs() < 30, "not taken");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("Datei-") && !text.contains("Mustermann"),
        "{text}"
    );
}

#[test]
fn a_quarantined_file_is_read_again_once_its_cause_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let hot = dir.path().join("eingang");
    std::fs::create_dir_all(&hot).unwrap();
    admin_os(&home);
    let cfg = write_config(dir.path(), &hot, 200, "", "");
    let base = std::fs::read_to_string(&cfg).unwrap();
    let limit = |pages: u32| {
        std::fs::write(
            &cfg,
            format!("{base}[intake.limits]\nfile_pages = {pages}\n"),
        )
        .unwrap();
    };
    let run = |args: &[&str]| {
        let mut all = vec!["--config", cfg.to_str().unwrap()];
        all.extend_from_slice(args);
        let o = scanstelle(&all, &home);
        (
            o.status.success(),
            format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr)),
        )
    };
    // Three pages over a limit of two: quarantined.
    limit(2);
    let stack = tiff_pages(400, 560, &[1, 2, 3]);
    let file = hot.join("stapel.tif");
    std::fs::write(&file, &stack).unwrap();
    let (ok, out) = run(&["ingest", "--move", "--intake-only", file.to_str().unwrap()]);
    assert!(ok && out.contains("1 in Quarantäne"), "{out}");
    assert!(!file.exists());
    // While the limit stands, reading it again is refused with the reason
    // of now, and the entry stays.
    let (ok, out) = run(&["quarantine", "retry", "1"]);
    assert!(
        !ok && out.contains("weiterhin nicht lesbar") && out.contains("3 Seiten"),
        "{out}"
    );
    assert!(!file.exists());
    let (_, list) = run(&["quarantine"]);
    assert!(list.contains("stapel.tif"), "{list}");
    // The limit raised: the file goes back into its hot folder, byte for
    // byte, the entry and its sealed copies are gone.
    limit(10);
    let (ok, out) = run(&["quarantine", "retry", "1"]);
    assert!(ok && out.contains("wieder im Eingangsordner"), "{out}");
    assert_eq!(std::fs::read(&file).unwrap(), stack);
    assert!(files_in(&home.join("quarantine")).is_empty());
    let (_, list) = run(&["quarantine"]);
    assert!(list.contains("Die Quarantäne ist leer."), "{list}");
    // Quarantined again (the limit lowered once more in between): the same
    // entry opens again, with the reason of then.
    limit(1);
    let (ok, out) = run(&["ingest", "--move", "--intake-only", file.to_str().unwrap()]);
    assert!(ok && out.contains("1 in Quarantäne"), "{out}");
    let (_, list) = run(&["quarantine"]);
    assert!(
        list.trim_start().starts_with("1 ") && list.contains("höchstens 1 Seiten"),
        "{list}"
    );
    limit(10);
    let (ok, out) = run(&["quarantine", "retry", "1"]);
    assert!(ok, "{out}");
    // Read like any new file: three pages in a batch.
    let (ok, out) = run(&["ingest", "--move", "--intake-only", file.to_str().unwrap()]);
    assert!(
        ok && out.contains("1 Datei(en) mit 3 Seite(n) eingelesen"),
        "{out}"
    );
    // The same file once more is a duplicate; reading that again would only
    // quarantine it again, so it is refused in words.
    let again = dir.path().join("nochmal.tif");
    std::fs::write(&again, &stack).unwrap();
    let (ok, out) = run(&["ingest", "--intake-only", again.to_str().unwrap()]);
    assert!(ok && out.contains("1 doppelt"), "{out}");
    let (ok, out) = run(&["quarantine", "retry", "2"]);
    assert!(!ok && out.contains("inhaltsgleich mit stapel.tif"), "{out}");
    // No such entry.
    let (ok, out) = run(&["quarantine", "retry", "9"]);
    assert!(!ok && out.contains("Kein Quarantäne-Eintrag"), "{out}");
    // The log names what happened.
    let station = station(&home);
    assert_eq!(
        count(
            &station,
            "SELECT count(*) FROM events WHERE kind = 'file.requeued' \
             AND detail LIKE 'Quarantäne 1: erneut in den Eingangsordner gelegt (%stapel.tif)'"
        ),
        2
    );
}
