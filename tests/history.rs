//! `parbench history`: concurrent recording and trend pages, databases that are not its own, and
//! databases it may only read.

mod common;
use common::{BASE, parbench, read_json};

use parbench_analysis::results_io::ResultsFile;
use parbench_harness::results_file::WriteResults;
use parbench_schema::results::RunResults;
use predicates::prelude::*;
use std::path::Path;

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

#[test]
fn history_records_concurrently_and_renders_trends() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    // Several results files (distinct runs of distinct commits) written by parallel jobs.
    let mut files = Vec::new();
    for i in 0..8u32 {
        let mut r = RunResults::load(Path::new(BASE)).unwrap();
        r.run_id = format!("run-{i}");
        r.started_at = format!("2026-01-0{}T00:00:00Z", i + 1);
        let factor = if i < 4 { 1.0 } else { 1.25 };
        for p in &mut r.points {
            let m = p.measurement.as_mut().unwrap();
            m.stats.median.0 *= factor * (1.0 + 0.003 * (i % 3) as f64);
        }
        r.machine.git_commit = Some(format!("{i:040x}"));
        let path = dir.path().join(format!("r{i}.json"));
        r.write(&path).unwrap();
        files.push(path);
    }
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
                .args(["history", "add", "--branch", "main", "--db"])
                .arg(&db)
                .arg(f)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = parbench()
        .args(["history", "list", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert_eq!(
        text.lines().count(),
        1 + files.len(),
        "nothing lost:\n{text}"
    );
    // Recording the same file again changes nothing.
    parbench()
        .args(["history", "add", "--db"])
        .arg(&db)
        .arg(&files[0])
        .assert()
        .success()
        .stdout(predicate::str::contains("already recorded"));

    let site = dir.path().join("site");
    parbench()
        .args(["history", "report", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&site)
        .assert()
        .success()
        .stderr(predicate::str::contains("step(s) detected"));
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("Content-Security-Policy"));
    assert!(
        index.contains(&format!("<code>{:040x}</code>", 4)),
        "the step at commit 4 is listed"
    );
    let pages: Vec<String> = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("trend-"))
        .collect();
    assert_eq!(pages.len(), 2, "pi and square: {pages:?}");
    let page = std::fs::read_to_string(site.join(&pages[0])).unwrap();
    assert!(page.contains("<svg") && page.contains("change-point") && !page.contains("<script"));
    let json = read_json(&site.join("history.json"));
    assert!(
        json["series"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["change_points"].as_array().unwrap().len() == 1)
    );

    parbench()
        .args(["history", "report", "--db"])
        .arg(dir.path().join("none.db"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("none.db"));
    parbench()
        .args(["history", "add", "--db"])
        .arg(&db)
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.json"));
}
