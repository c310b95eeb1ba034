//! Local accounts: no default account, the first must be an admin, later
//! ones only by an admin; passwords only as Argon2id hashes; failed logins
//! logged and throttled.

use crate::common;

use scanstelle::protect::users::{self, Role, UserError};

fn user_add(home: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut all = vec!["user", "add"];
    all.extend_from_slice(args);
    common::run_cli(&all, home, stdin)
}

#[test]
fn accounts_start_with_an_admin_and_logins_are_hashed_logged_and_throttled() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    // No default account; the first must be an admin.
    let (ok, out) = user_add(&home, &["erika", "--role", "scan"], "sehr-geheim-1\n");
    assert!(
        !ok && out.contains("erste Konto muss ein Administrator"),
        "{out}"
    );
    let (ok, out) = user_add(&home, &["admin.kim", "--role", "admin"], "kurz\n");
    assert!(!ok && out.contains("mindestens 10 Zeichen"), "{out}");
    let (ok, out) = user_add(
        &home,
        &["admin.kim", "--role", "admin"],
        "admin-pass-2026\n",
    );
    assert!(ok, "{out}");
    // Now only an admin makes accounts.
    let (ok, out) = user_add(&home, &["erika", "--role", "scan"], "sehr-geheim-1\n");
    assert!(!ok && out.contains("braucht eine Anmeldung"), "{out}");
    let (ok, out) = user_add(
        &home,
        &["erika", "--role", "scan", "--user", "admin.kim"],
        "falsch-falsch\nsehr-geheim-1\n",
    );
    assert!(!ok && out.contains("Name oder Passwort falsch"), "{out}");
    let (ok, out) = user_add(
        &home,
        &["erika", "--role", "scan", "--user", "admin.kim"],
        "admin-pass-2026\nsehr-geheim-1\n",
    );
    assert!(ok, "{out}");

    let store = common::store(&home);
    let erika = store.account("erika").unwrap().unwrap();
    assert!(
        erika.password.starts_with("$argon2id$"),
        "{}",
        erika.password
    );
    assert_eq!(
        users::login(&store, "erika", "sehr-geheim-1").unwrap(),
        Role::Scan
    );
    // Unknown names and wrong passwords get the same answer.
    for (name, pw) in [("niemand", "sehr-geheim-1"), ("erika", "falsch")] {
        assert!(matches!(
            users::login(&store, name, pw),
            Err(UserError::Failed)
        ));
    }
    // Three failures in a row lock the account, even for the right password.
    for _ in 0..2 {
        assert!(matches!(
            users::login(&store, "erika", "falsch"),
            Err(UserError::Failed)
        ));
    }
    match users::login(&store, "erika", "sehr-geheim-1") {
        Err(UserError::Locked(secs)) => assert!((1..=30).contains(&secs), "{secs}"),
        other => panic!("not locked: {other:?}"),
    }
    drop(store);
    // No password in clear anywhere in the database; every attempt logged.
    let db = std::fs::read(home.join("scanstelle.db")).unwrap();
    for pw in ["sehr-geheim-1", "admin-pass-2026"] {
        assert!(
            !db.windows(pw.len()).any(|w| w == pw.as_bytes()),
            "{pw} in clear"
        );
    }
    let store = common::store(&home);
    let failed: i64 = store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM events WHERE kind = 'login.failed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(failed >= 5, "{failed} failed logins logged");
    assert!(store.verify_audit().unwrap().intact());
    let o = common::scanstelle(&["user", "list"], &home);
    let list = String::from_utf8_lossy(&o.stdout);
    assert!(
        list.contains("admin.kim") && list.contains("erika"),
        "{list}"
    );
    drop(store);
    // A second operator (erika is locked out for now).
    let (ok, out) = user_add(
        &home,
        &["olaf", "--role", "scan", "--user", "admin.kim"],
        "admin-pass-2026\nolafs-passwort\n",
    );
    assert!(ok, "{out}");
    let run = |args: &[&str], stdin: &str| common::run_cli(args, &home, stdin);
    // Without a session the commands that show social data refuse…
    let (ok, out) = run(&["quarantine"], "");
    assert!(!ok && out.contains("braucht eine Anmeldung"), "{out}");
    // …an operator may look, but not administer…
    let (ok, out) = run(&["--user", "olaf", "quarantine"], "olafs-passwort\n");
    assert!(ok, "{out}");
    for admin_only in [
        &[
            "--user",
            "olaf",
            "subject",
            "export",
            "--case",
            "12345BG0012345",
        ][..],
        &[
            "--user",
            "olaf",
            "audit",
            "show",
            "--case",
            "12345BG0012345",
        ],
        &[
            "--user",
            "olaf",
            "quarantine",
            "export",
            "1",
            "--to",
            "/tmp/x",
        ],
        &[
            "--user", "olaf", "user", "add", "mallory", "--role", "admin",
        ],
    ] {
        let (ok, out) = run(admin_only, "olafs-passwort\nneues-passwort-1\n");
        assert!(
            !ok && out.contains("olaf (Rolle scan) darf das nicht"),
            "{admin_only:?}: {out}"
        );
    }
    // …and the admin may.
    let (ok, out) = run(
        &[
            "--user",
            "admin.kim",
            "audit",
            "show",
            "--case",
            "12345BG0012345",
        ],
        "admin-pass-2026\n",
    );
    assert!(ok, "{out}");
    // An account mapped to the operating-system user signs in without a
    // password (the system checked who that is); a second one is refused.
    let os = users::os_user();
    let (ok, out) = run(
        &[
            "--user",
            "admin.kim",
            "user",
            "add",
            "qs.anna",
            "--role",
            "qs",
            "--os-user",
            &os,
        ],
        "admin-pass-2026\nannas-passwort\n",
    );
    assert!(ok, "{out}");
    let (ok, out) = run(&["quarantine"], "");
    assert!(ok, "{out}");
    let (ok, out) = run(&["subject", "export", "--case", "12345BG0012345"], "");
    assert!(
        !ok && out.contains("qs.anna (Rolle qs) darf das nicht"),
        "{out}"
    );
    let (ok, out) = run(
        &[
            "--user",
            "admin.kim",
            "user",
            "add",
            "zweit",
            "--role",
            "qs",
            "--os-user",
            &os,
        ],
        "admin-pass-2026\nzweites-passwort\n",
    );
    assert!(!ok && out.contains("schon qs.anna zugeordnet"), "{out}");
    // Every sign-in is in the chain, and who did what.
    let store = common::store(&home);
    let created_by: String = store
        .connection()
        .query_row(
            "SELECT actor FROM events WHERE kind = 'user.created' AND detail LIKE 'Konto qs.anna%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(created_by, "admin.kim");
}

#[test]
fn a_headless_first_start_asks_for_the_one_time_token() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    // The service starts first, with nobody to type a password: it leaves
    // a one-time token only its user can read.
    let mut watch = std::process::Command::new(env!("CARGO_BIN_EXE_scanstelle"))
        .args(["watch", "--intake-only", "--home"])
        .arg(&home)
        .env_remove("SCANSTELLE_CONFIG")
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let token_file = users::token_path(&home);
    let start = std::time::Instant::now();
    while !token_file.exists() {
        assert!(start.elapsed().as_secs() < 30, "no token file");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = watch.kill();
    let _ = watch.wait();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let token = std::fs::read_to_string(&token_file).unwrap();

    let (ok, out) = user_add(&home, &["kim", "--role", "admin"], "admin-pass-2026\n");
    assert!(!ok && out.contains("Einmal-Token"), "{out}");
    let (ok, out) = user_add(
        &home,
        &["kim", "--role", "admin", "--token"],
        "falsches-token\nadmin-pass-2026\n",
    );
    assert!(!ok && out.contains("Einmal-Token"), "{out}");
    let (ok, out) = user_add(
        &home,
        &["kim", "--role", "admin", "--token"],
        &format!("{token}admin-pass-2026\n"),
    );
    assert!(ok, "{out}");
    assert!(!token_file.exists(), "the token is used up");
}
