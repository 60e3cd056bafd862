//! `parbench history` on a PostgreSQL server shared by several machines: concurrent writers,
//! duplicates, the cross-machine page, and the errors a user meets (refused password, a database
//! of another application, a newer layout, an unreachable server, a connection lost half way).
//!
//! They need the `postgres` feature (`cargo test --features postgres --test history_postgres`):
//! without it they are listed as ignored, and the one test that is left fails when
//! `PARBENCH_REQUIRE_POSTGRES=1`.
//!
//! The server comes from `PARBENCH_TEST_POSTGRES_URL` (`ci/start-postgres.sh` prints one; its
//! user must be allowed to create databases). Without it at build time (the root build script's
//! `parbench_postgres` cfg) these tests show as ignored with the reason, and run and fail
//! instead when `PARBENCH_REQUIRE_POSTGRES=1` (as `.ci/run` sets); set at build time but not at
//! run time, they print why they skip. Each test works in a database
//! of its own, so they run in parallel. The cross-machine page is also checked on SQLite, which
//! needs no server.

mod common;
use common::parbench;

use predicates::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const BASE: &str = "tests/data/compare/base.json";

#[test]
fn the_postgres_feature_is_built_when_required() {
    let required = std::env::var("PARBENCH_REQUIRE_POSTGRES").as_deref() == Ok("1");
    if required && !cfg!(feature = "postgres") {
        panic!(
            "PARBENCH_REQUIRE_POSTGRES=1 but this build has no postgres feature: \
             cargo test --features postgres --test history_postgres"
        );
    }
}

#[test]
#[cfg_attr(
    feature = "postgres",
    ignore = "this build has the postgres feature; the test checks a build without it"
)]
fn without_the_feature_a_postgres_url_is_refused_with_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    parbench()
        .args([
            "history",
            "add",
            "--db",
            "postgres://bench:secret@127.0.0.1:1/bench",
        ])
        .arg(results(dir.path(), "alpha", 1))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cargo build --release --features postgres",
        ))
        .stderr(predicate::str::contains("secret").not());
}

/// The test server's URL, or `None` after saying why the test is skipped.
fn server() -> Option<String> {
    match std::env::var("PARBENCH_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_string()),
        _ => {
            if std::env::var("PARBENCH_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!(
                    "PARBENCH_REQUIRE_POSTGRES=1 but PARBENCH_TEST_POSTGRES_URL is not set (start a server with ci/start-postgres.sh)"
                );
            }
            eprintln!(
                "skipped: no PostgreSQL server (set PARBENCH_TEST_POSTGRES_URL, e.g. from ci/start-postgres.sh)"
            );
            None
        }
    }
}

/// `url` naming database `db` instead of its own.
fn with_database(url: &str, db: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let (head, tail) = url.split_at(authority_start);
    let path_start = tail.find(['/', '?']).unwrap_or(tail.len());
    let query = tail[path_start..]
        .find('?')
        .map_or("", |q| &tail[path_start + q..]);
    format!("{head}{}/{db}{query}", &tail[..path_start])
}

/// A fresh, empty database of one test, dropped when the test ends (also when it fails).
struct Database {
    server: String,
    name: String,
    url: String,
}

impl std::ops::Deref for Database {
    type Target = str;
    fn deref(&self) -> &str {
        &self.url
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A database named after the test and this process, so tests (and test runs) never share one.
fn fresh_database(server: &str, name: &str) -> Database {
    let db = format!("parbench_test_{name}_{}", std::process::id());
    let mut admin = postgres::Client::connect(server, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    Database {
        server: server.to_string(),
        url: with_database(server, &db),
        name: db,
    }
}

fn client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

/// The password in `url` (what must never be shown).
fn password_of(url: &str) -> String {
    let config: postgres::Config = url.parse().unwrap();
    String::from_utf8(
        config
            .get_password()
            .expect("the test URL has a password")
            .to_vec(),
    )
    .unwrap()
}

/// The fixture as run `i` of host `host` (a different fingerprint per host; distinct content
/// per `i`, so each is a new run).
fn results(dir: &Path, host: &str, i: usize) -> PathBuf {
    let mut r: Value = serde_json::from_str(&std::fs::read_to_string(BASE).unwrap()).unwrap();
    r["run_id"] = json!(format!("{host}-run-{i}"));
    r["started_at"] = json!(format!("2026-02-01T{:02}:{:02}:00Z", i / 60, i % 60));
    r["machine"]["hostname"] = json!(host);
    let id = host.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    r["machine"]["id"] = json!(format!("{id:016x}"));
    r["machine"]["git_commit"] = json!(format!("{i:040x}"));
    let path = dir.join(format!("{host}-{i}.json"));
    std::fs::write(&path, serde_json::to_string(&r).unwrap()).unwrap();
    path
}

/// `parbench history list` rows (without the header).
fn listed(db: &str) -> usize {
    let out = parbench()
        .args(["history", "list", "--db", db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).lines().count() - 1
}

/// Runs `history add` of each group of files in its own process, all at once.
fn add_concurrently(db: &str, groups: &[Vec<PathBuf>]) -> Vec<String> {
    let children: Vec<_> = groups
        .iter()
        .map(|files| {
            std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
                .args(["history", "add", "--branch", "main", "--db", db])
                .args(files)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(feature = "postgres"),
    ignore = "needs the postgres feature: cargo test --features postgres"
)]
#[cfg_attr(
    all(feature = "postgres", not(parbench_postgres)),
    ignore = "no PostgreSQL server at build time: set PARBENCH_TEST_POSTGRES_URL (ci/start-postgres.sh prints one); PARBENCH_REQUIRE_POSTGRES=1 fails instead"
)]
fn postgres_concurrent_writers_lose_nothing_and_see_duplicates() {
    let Some(server) = server() else { return };
    let db = fresh_database(&server, "concurrent");
    let dir = tempfile::tempdir().unwrap();
    let (writers, rounds) = (8, 5);
    let mut all = Vec::new();
    for round in 0..rounds {
        // Eight machines record at the same moment, five times over; the first round also
        // creates the layout (all eight race for it).
        let groups: Vec<Vec<PathBuf>> = (0..writers)
            .map(|w| vec![results(dir.path(), &format!("m{w}"), round)])
            .collect();
        add_concurrently(&db, &groups);
        all.extend(groups.into_iter().flatten());
    }
    assert_eq!(listed(&db), writers * rounds, "nothing lost");
    let points: i64 = client(&db)
        .query_one("SELECT COUNT(*) FROM points", &[])
        .unwrap()
        .get(0);
    assert_eq!(points as usize, writers * rounds * 10);
    // Everything again, the same file from two writers at once: all recognised, nothing added.
    let again: Vec<Vec<PathBuf>> = all.chunks(5).map(|c| c.to_vec()).collect();
    let twice: Vec<Vec<PathBuf>> = again.iter().chain(again.iter()).cloned().collect();
    for out in add_concurrently(&db, &twice) {
        assert_eq!(out.matches("already recorded").count(), 5, "{out}");
    }
    assert_eq!(listed(&db), writers * rounds);
}

/// Two machines (one calibrated) in `db`, and the cross-machine page of `history report`.
fn check_cross_machine_page(db: &str, dir: &Path) {
    let alpha = results(dir, "alpha", 1);
    let mut beta: Value =
        serde_json::from_str(&std::fs::read_to_string(results(dir, "beta<lab>", 2)).unwrap())
            .unwrap();
    // beta takes twice as long everywhere.
    for p in beta["points"].as_array_mut().unwrap() {
        let stats = &mut p["measurement"]["stats"];
        for k in ["median", "ci_low", "ci_high"] {
            stats[k] = json!(stats[k].as_f64().unwrap() * 2.0);
        }
    }
    beta["machine"]["calibration"] = json!({
        "version": 1, "machine_id": beta["machine"]["id"], "measured_at": "2026-02-01T00:00:00Z",
        "parbench_version": "0.1.0", "build_profile": "release", "isa": "avx2", "cores": 2,
        "seconds": 3.0,
        "bandwidth": [{"kind": "copy", "threads": 2, "working_set_bytes": 1073741824u64,
                       "bytes_per_s": 1.25e10}],
        "fp64_flops_per_core": 8.0e9, "fp64_flops_all_cores": 1.6e10,
        "hash32_per_core": 1.0e9, "hash32_all_cores": 2.0e9,
        "atomic_uncontended_ns": 5.0, "atomic_contended_ns": 50.0, "thread_spawn_ns": 20000.0
    });
    let beta_path = dir.join("beta.json");
    std::fs::write(&beta_path, serde_json::to_string(&beta).unwrap()).unwrap();
    parbench()
        .args(["history", "add", "--branch", "main", "--db", db])
        .arg(&alpha)
        .arg(&beta_path)
        .assert()
        .success();
    let site = dir.join("site");
    parbench()
        .args(["history", "report", "--db", db, "--out"])
        .arg(&site)
        .assert()
        .success();
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("machines.html"), "{index}");
    let page = std::fs::read_to_string(site.join("machines.html")).unwrap();
    assert!(page.contains("alpha") && page.contains("beta&lt;lab&gt;"));
    assert!(!page.contains("beta<lab>"));
    // Both machines' figures of the same point side by side, with speedups and the fingerprint
    // and calibration of the calibrated one.
    assert!(page.contains("pi/XS/threads/w2"), "{page}");
    assert!(page.contains("2.00× of alpha"), "{page}");
    assert!(page.contains("speedup 0.87×"), "{page}");
    assert!(
        page.contains("avx2") && page.contains("12.5 GB/s"),
        "{page}"
    );
    assert!(page.contains("not recorded"), "alpha has no calibration");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("history.json")).unwrap()).unwrap();
    let cross = json["cross"].as_array().unwrap();
    assert_eq!(cross.len(), 10, "every point on both machines");
    assert!(
        cross
            .iter()
            .all(|c| c["machines"].as_array().unwrap().len() == 2)
    );
    // The filters narrow the page as they narrow the trend pages.
    let pi = dir.join("pi");
    parbench()
        .args([
            "history", "report", "--db", db, "--branch", "main", "--suite", "pi",
        ])
        .arg("--out")
        .arg(&pi)
        .assert()
        .success();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(pi.join("history.json")).unwrap()).unwrap();
    assert_eq!(json["cross"].as_array().unwrap().len(), 5);
    let none = dir.join("none");
    parbench()
        .args([
            "history", "report", "--db", db, "--branch", "other", "--out",
        ])
        .arg(&none)
        .assert()
        .success();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(none.join("history.json")).unwrap()).unwrap();
    assert!(json["cross"].as_array().unwrap().is_empty());
}

#[test]
#[cfg_attr(
    not(feature = "postgres"),
    ignore = "needs the postgres feature: cargo test --features postgres"
)]
#[cfg_attr(
    all(feature = "postgres", not(parbench_postgres)),
    ignore = "no PostgreSQL server at build time: set PARBENCH_TEST_POSTGRES_URL (ci/start-postgres.sh prints one); PARBENCH_REQUIRE_POSTGRES=1 fails instead"
)]
fn postgres_history_renders_the_cross_machine_page() {
    let Some(server) = server() else { return };
    let db = fresh_database(&server, "cross");
    let dir = tempfile::tempdir().unwrap();
    check_cross_machine_page(&db, dir.path());
}

#[test]
fn sqlite_history_renders_the_cross_machine_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    check_cross_machine_page(db.to_str().unwrap(), dir.path());
}

/// `history add` (and `list`) of `db` exits 2 naming the URL without `password`.
fn refused(db: &str, password: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = results(dir.path(), "alpha", 1);
    for args in [
        vec!["history", "add", "--db", db, file.to_str().unwrap()],
        vec!["history", "list", "--db", db],
    ] {
        let out = parbench().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains(password), "password shown: {stderr}");
        assert!(
            stderr.contains(":***@") || !db.contains('@'),
            "the URL is named: {stderr}"
        );
    }
}

#[test]
#[cfg_attr(
    not(feature = "postgres"),
    ignore = "needs the postgres feature: cargo test --features postgres"
)]
#[cfg_attr(
    all(feature = "postgres", not(parbench_postgres)),
    ignore = "no PostgreSQL server at build time: set PARBENCH_TEST_POSTGRES_URL (ci/start-postgres.sh prints one); PARBENCH_REQUIRE_POSTGRES=1 fails instead"
)]
fn postgres_errors_exit_2_and_never_show_the_password() {
    let Some(server) = server() else { return };
    let password = password_of(&server);
    let db = fresh_database(&server, "errors");

    // A refused password.
    let wrong = db.replacen(&format!(":{password}@"), ":not-the-password-42@", 1);
    assert_ne!(wrong, &*db);
    refused(
        &wrong,
        "not-the-password-42",
        "password authentication failed",
    );

    // A database of another application: left untouched.
    let foreign = fresh_database(&server, "foreign");
    client(&foreign)
        .batch_execute("CREATE TABLE customers (id BIGINT PRIMARY KEY, name TEXT)")
        .unwrap();
    refused(&foreign, &password, "not a parbench history");
    let tables: i64 = client(&foreign)
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 1, "nothing created beside the foreign table");

    // A layout of a newer parbench.
    let dir = tempfile::tempdir().unwrap();
    parbench()
        .args(["history", "add", "--db", &db])
        .arg(results(dir.path(), "alpha", 1))
        .assert()
        .success();
    client(&db)
        .batch_execute("UPDATE parbench_schema SET version = 99")
        .unwrap();
    refused(&db, &password, "layout version 99");

    // Nothing listening, and a URL that is not one.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    refused(
        &format!("postgres://parbench:{password}@127.0.0.1:{closed}/x"),
        &password,
        "error connecting",
    );
    refused(
        &format!("postgres://parbench:{password}@127.0.0.1:notaport/x"),
        &password,
        "not a usable PostgreSQL URL",
    );

    // A history that does not exist yet is not created by reading it.
    let empty = fresh_database(&server, "empty");
    parbench()
        .args(["history", "report", "--db", &empty])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no history database"));
}

#[test]
#[cfg_attr(
    not(feature = "postgres"),
    ignore = "needs the postgres feature: cargo test --features postgres"
)]
#[cfg_attr(
    all(feature = "postgres", not(parbench_postgres)),
    ignore = "no PostgreSQL server at build time: set PARBENCH_TEST_POSTGRES_URL (ci/start-postgres.sh prints one); PARBENCH_REQUIRE_POSTGRES=1 fails instead"
)]
fn postgres_connection_lost_during_add_records_nothing() {
    let Some(server) = server() else { return };
    let password = password_of(&server);
    let db = fresh_database(&server, "lost");
    let dir = tempfile::tempdir().unwrap();
    parbench()
        .args(["history", "add", "--db", &db])
        .arg(results(dir.path(), "alpha", 1))
        .assert()
        .success();
    // The server drops the connection of whoever inserts a second point of one run: the
    // connection is lost half way through recording a run.
    client(&db)
        .batch_execute(
            "CREATE FUNCTION drop_connection() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF (SELECT COUNT(*) FROM points WHERE run = NEW.run) >= 1 THEN
                 PERFORM pg_terminate_backend(pg_backend_pid());
                 PERFORM pg_sleep(5);
               END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER drop_connection BEFORE INSERT ON points
               FOR EACH ROW EXECUTE FUNCTION drop_connection();",
        )
        .unwrap();
    let second = results(dir.path(), "alpha", 2);
    let out = parbench()
        .args(["history", "add", "--db", &db])
        .arg(&second)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains(&password), "{stderr}");
    let mut c = client(&db);
    let runs: i64 = c
        .query_one("SELECT COUNT(*) FROM runs", &[])
        .unwrap()
        .get(0);
    let points: i64 = c
        .query_one("SELECT COUNT(*) FROM points", &[])
        .unwrap()
        .get(0);
    assert_eq!((runs, points), (1, 10), "no partial run");
    // Once the connection holds, the same file is recorded in full (it was not half there).
    c.batch_execute("DROP TRIGGER drop_connection ON points")
        .unwrap();
    parbench()
        .args(["history", "add", "--db", &db])
        .arg(&second)
        .assert()
        .success()
        .stdout(predicate::str::contains("(10 points"));
}

#[test]
#[cfg_attr(
    not(feature = "postgres"),
    ignore = "needs the postgres feature: cargo test --features postgres"
)]
#[cfg_attr(
    all(feature = "postgres", not(parbench_postgres)),
    ignore = "no PostgreSQL server at build time: set PARBENCH_TEST_POSTGRES_URL (ci/start-postgres.sh prints one); PARBENCH_REQUIRE_POSTGRES=1 fails instead"
)]
fn postgres_layout_version_1_is_read_as_it_is_and_migrated_when_written() {
    let Some(server) = server() else { return };
    let db = fresh_database(&server, "v1");
    // What a parbench of layout version 1 created.
    client(&db)
        .batch_execute(
            "CREATE TABLE parbench_schema (version BIGINT NOT NULL);
             INSERT INTO parbench_schema VALUES (1);
             CREATE TABLE runs (id BIGSERIAL PRIMARY KEY, results_sha256 TEXT NOT NULL UNIQUE,
                machine_id TEXT NOT NULL, hostname TEXT NOT NULL, cpu_model TEXT NOT NULL,
                logical_cores BIGINT NOT NULL, branch TEXT NOT NULL, git_commit TEXT,
                started_at TEXT NOT NULL, recorded_at TEXT NOT NULL, run_id TEXT NOT NULL,
                parbench_version TEXT NOT NULL, config_path TEXT NOT NULL,
                config_sha256 TEXT NOT NULL, quick BOOLEAN NOT NULL, complete BOOLEAN NOT NULL,
                machine_json TEXT NOT NULL);
             CREATE TABLE points (run BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                suite TEXT NOT NULL, size TEXT NOT NULL, variant TEXT NOT NULL,
                workers BIGINT NOT NULL, params TEXT NOT NULL, workload TEXT NOT NULL,
                model TEXT NOT NULL, n BIGINT NOT NULL, status TEXT NOT NULL, reason TEXT,
                median_ns DOUBLE PRECISION, ci_low_ns DOUBLE PRECISION,
                ci_high_ns DOUBLE PRECISION, sample_count BIGINT, samples_ns TEXT,
                throughput DOUBLE PRECISION, throughput_unit TEXT,
                PRIMARY KEY (run, suite, size, variant, workers, params));
             INSERT INTO runs VALUES (DEFAULT, 'abc', 'm1', 'old-host', 'cpu', 2, 'main', 'c0',
                '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', 'r0', '0.1.0', 'x.toml', '00',
                false, true, '{}');
             INSERT INTO points VALUES (1, 'pi', 'XS', 'serial', 1, '', 'pi', 'serial', 1000,
                'ok', NULL, 10.0, 9.0, 11.0, 3, '[9,10,11]', NULL, NULL);",
        )
        .unwrap();
    let version = |db: &str| -> i64 {
        client(db)
            .query_one("SELECT version FROM parbench_schema", &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(listed(&db), 1);
    let dir = tempfile::tempdir().unwrap();
    parbench()
        .args(["history", "report", "--db", &db, "--out"])
        .arg(dir.path().join("site"))
        .assert()
        .success();
    assert_eq!(version(&db), 1, "reading changes nothing");
    parbench()
        .args(["history", "add", "--branch", "main", "--db", &db])
        .arg(results(dir.path(), "alpha", 1))
        .assert()
        .success();
    assert_eq!(version(&db), 2, "migrated by the first write");
    assert_eq!(listed(&db), 2);
    let speedups: i64 = client(&db)
        .query_one("SELECT COUNT(speedup) FROM points", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        speedups, 10,
        "the new run's speedups are stored, the old point has none"
    );
}

#[test]
#[cfg_attr(
    not(feature = "postgres"),
    ignore = "needs the postgres feature: cargo test --features postgres"
)]
#[cfg_attr(
    all(feature = "postgres", not(parbench_postgres)),
    ignore = "no PostgreSQL server at build time: set PARBENCH_TEST_POSTGRES_URL (ci/start-postgres.sh prints one); PARBENCH_REQUIRE_POSTGRES=1 fails instead"
)]
fn the_url_may_come_from_parbench_db() {
    let Some(server) = server() else { return };
    let db = fresh_database(&server, "env");
    let dir = tempfile::tempdir().unwrap();
    parbench()
        .env("PARBENCH_DB", &*db)
        .args(["history", "add"])
        .arg(results(dir.path(), "alpha", 1))
        .assert()
        .success()
        .stdout(predicate::str::contains(":***@"));
    assert_eq!(listed(&db), 1);
}

#[test]
fn url_with_another_database() {
    assert_eq!(
        with_database("postgres://u:p@h:1/postgres", "x"),
        "postgres://u:p@h:1/x"
    );
    assert_eq!(
        with_database("postgres://u@h/postgres?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}
