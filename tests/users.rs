//! Local accounts: no default account, the first must be an admin, later
//! ones only by an admin; passwords only as Argon2id hashes; failed logins
//! logged and throttled.

mod common;

use scanstelle::store::Store;
use scanstelle::users::{self, Role, UserError};
use std::io::Write;
use std::process::{Command, Stdio};

fn user_add(home: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scanstelle"))
        .args(["user", "add"])
        .args(args)
        .arg("--home")
        .arg(home)
        .env_remove("SCANSTELLE_CONFIG")
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
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
    assert!(!ok && out.contains("Administrator"), "{out}");
    let (ok, out) = user_add(
        &home,
        &["erika", "--role", "scan", "--admin", "admin.kim"],
        "falsch-falsch\nsehr-geheim-1\n",
    );
    assert!(!ok && out.contains("Name oder Passwort falsch"), "{out}");
    let (ok, out) = user_add(
        &home,
        &["erika", "--role", "scan", "--admin", "admin.kim"],
        "admin-pass-2026\nsehr-geheim-1\n",
    );
    assert!(ok, "{out}");

    let store = Store::open(
        &home.join("scanstelle.db"),
        &scanstelle::crypto::Keys::for_home(&home).unwrap(),
    )
    .unwrap();
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
    let store = Store::open(
        &home.join("scanstelle.db"),
        &scanstelle::crypto::Keys::for_home(&home).unwrap(),
    )
    .unwrap();
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
}
