//! `parbench history` on databases that are not its own, and on databases it may only read.

mod common;
use common::parbench;

use predicates::prelude::*;
use std::path::Path;

const BASE: &str = "tests/data/compare/base.json";

#[test]
fn history_add_refuses_a_database_that_is_not_parbench_s() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.sqlite");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('a');")
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    parbench()
        .args(["history", "add", BASE, "--db"])
        .arg(&db)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a parbench history"))
        .stderr(predicate::str::contains("table `customers`"));
    // Untouched: same bytes, no WAL switched on, no tables or user_version added.
    assert_eq!(std::fs::read(&db).unwrap(), before);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 0);
}

/// Runs `parbench history list` as a user who may read `db` but not write it or its directory:
/// as `nobody` when this is root (root may write anything), else with the write bits removed.
fn list_read_only(dir: &Path, db: &Path) -> std::process::Output {
    use std::os::unix::fs::PermissionsExt;
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    std::fs::set_permissions(db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("parbench");
    let out = if is_root {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin)
            .args(["history", "list", "--db"])
            .arg(db)
            .output()
            .unwrap()
    } else {
        std::process::Command::new(&bin)
            .args(["history", "list", "--db"])
            .arg(db)
            .output()
            .unwrap()
    };
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    out
}

#[test]
fn a_read_only_history_is_listable() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("ro");
    std::fs::create_dir(&sub).unwrap();
    let db = sub.join("h.db");
    parbench()
        .args(["history", "add", BASE, "--db"])
        .arg(&db)
        .assert()
        .success();
    // `nobody` must reach the directory.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = list_read_only(&sub, &db);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("setpriv")
        || stderr.contains("Permission denied") && !stderr.contains("h.db")
    {
        // No way to drop privileges here (or the binary is not reachable for `nobody`).
        eprintln!("skipped: cannot run as a user without write access: {stderr}");
        return;
    }
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("RUN"), "{stdout}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
}
