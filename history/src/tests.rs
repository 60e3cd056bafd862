//! Unit tests of the SQLite backend and of what [`History`] derives from the rows.
use crate::*;
use parbench_analysis::test_support::{point, run};
use parbench_schema::results::RunResults;
use rusqlite::Connection;
use std::path::Path;

fn sqlite(path: &Path) -> Location {
    Location::Sqlite(path.to_path_buf())
}

fn meta(branch: &str, commit: &str) -> RunMeta {
    RunMeta {
        branch: branch.into(),
        commit: Some(commit.into()),
        recorded_at: "2026-01-02T00:00:00Z".into(),
    }
}

fn run_at(i: usize, median: f64) -> RunResults {
    let mut r = run(vec![
        point("pi", "serial", 1, median, 0.01, i as u64),
        point("pi", "rayon", 2, median / 2.0, 0.01, 1000 + i as u64),
    ]);
    r.started_at = format!("2026-01-01T00:{:02}:{:02}Z", i / 60, i % 60);
    r.run_id = format!("run-{i}");
    r
}

#[test]
fn records_runs_and_detects_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let mut h = History::open(&sqlite(&db)).unwrap();
    let r = run_at(0, 1000.0);
    let added = h.add(&r, &meta("main", "aaaa")).unwrap();
    assert!(matches!(added, Added::New { points: 2, .. }), "{added:?}");
    assert!(matches!(
        h.add(&r, &meta("main", "aaaa")).unwrap(),
        Added::Duplicate { .. }
    ));
    let runs = h.runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].commit.as_deref(), Some("aaaa"));
    assert_eq!(runs[0].points, 2);
    drop(h);
    // Reopening keeps everything.
    let mut h = History::open_existing(&sqlite(&db)).unwrap();
    assert_eq!(h.machines().unwrap()[0].runs, 1);
}

#[test]
fn series_pool_commits_and_mark_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&sqlite(&dir.path().join("h.db"))).unwrap();
    for i in 0..24 {
        let median = if i < 14 { 1000.0 } else { 1150.0 };
        // Commit c3 has two runs.
        let commit = if i == 4 {
            "c3".to_string()
        } else {
            format!("c{i}")
        };
        h.add(
            &run_at(i, median * (1.0 + 0.005 * ((i * 7 % 5) as f64))),
            &meta("main", &commit),
        )
        .unwrap();
    }
    h.add(&run_at(99, 5000.0), &meta("feature", "x1")).unwrap();
    let all = h.series(&SeriesFilter::default()).unwrap();
    assert_eq!(all.len(), 4, "two points x two branches");
    let main: Vec<_> = all.iter().filter(|s| s.branch == "main").collect();
    let serial = main.iter().find(|s| s.key.variant == "serial").unwrap();
    assert_eq!(serial.points.len(), 23, "c3 pools two runs");
    assert_eq!(serial.points[3].runs, 2);
    assert_eq!(serial.change_points.len(), 1, "{:?}", serial.change_points);
    let cp = &serial.change_points[0];
    assert_eq!(serial.points[cp.index].label, "c14");
    assert!((cp.ratio - 1.15).abs() < 0.03);
    let only = h
        .series(&SeriesFilter {
            branch: Some("feature".into()),
            suite: Some("pi".into()),
            machine: None,
        })
        .unwrap();
    assert_eq!(only.len(), 2);
    assert!(only.iter().all(|s| s.change_points.is_empty()));
}

#[test]
fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let writers = 6;
    let per_writer = 8;
    std::thread::scope(|s| {
        for w in 0..writers {
            let db = db.clone();
            s.spawn(move || {
                // Each writer opens its own connection, as separate CI jobs would.
                let mut h = History::open(&sqlite(&db)).unwrap();
                for i in 0..per_writer {
                    let r = run_at(w * 100 + i, 1000.0 + (w * 100 + i) as f64);
                    h.add(&r, &meta(&format!("b{w}"), &format!("c{i}")))
                        .unwrap();
                }
            });
        }
    });
    let mut h = History::open_existing(&sqlite(&db)).unwrap();
    let runs = h.runs().unwrap();
    assert_eq!(runs.len(), writers * per_writer);
    assert!(runs.iter().all(|r| r.points == 2));
}

#[test]
fn missing_and_foreign_databases_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let e = History::open_existing(&sqlite(&dir.path().join("none.db"))).unwrap_err();
    assert!(e.to_string().contains("none.db"), "{e}");
    let junk = dir.path().join("junk.db");
    std::fs::write(
        &junk,
        b"this is not a database at all, not even close........",
    )
    .unwrap();
    let e = History::open(&sqlite(&junk)).unwrap_err();
    assert!(e.to_string().contains("junk.db"), "{e}");
    let newer = dir.path().join("newer.db");
    drop(History::open(&sqlite(&newer)).unwrap());
    Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 7")
        .unwrap();
    let e = History::open(&sqlite(&newer)).unwrap_err();
    assert!(e.to_string().contains("version 7"), "{e}");
}

/// `run_at(i)` as measured on another machine, with the run's own speedups recorded.
fn run_on(host: &str, i: usize, median: f64) -> RunResults {
    let mut r = run_at(i, median);
    r.machine.hostname = host.into();
    r.machine.cpu_model = format!("{host} CPU");
    // An id of its own, as the fingerprint's stable id (a digest of the hardware) would give.
    r.machine.id =
        parbench_analysis::digest::sha256_hex(r.machine.cpu_model.as_bytes())[..16].to_string();
    for p in &mut r.points {
        if p.variant != "serial" {
            p.derived.speedup = Some(2.0);
        }
    }
    r
}

#[test]
fn cross_machine_view_puts_each_machines_latest_run_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&sqlite(&dir.path().join("h.db"))).unwrap();
    h.add(&run_on("alpha", 1, 1000.0), &meta("main", "a1"))
        .unwrap();
    h.add(&run_on("alpha", 2, 900.0), &meta("main", "a2"))
        .unwrap();
    h.add(&run_on("beta", 3, 3000.0), &meta("main", "a2"))
        .unwrap();
    let site = h
        .site(&SeriesFilter::default(), "2026-01-03T00:00:00Z")
        .unwrap();
    assert_eq!(site.machines.len(), 2);
    assert!(site.machines.iter().all(|m| m.fingerprint.is_some()));
    assert_eq!(site.cross.len(), 2, "{:?}", site.cross);
    let rayon = site
        .cross
        .iter()
        .find(|c| c.key.variant == "rayon")
        .unwrap();
    let hosts: Vec<&str> = rayon.machines.iter().map(|m| m.hostname.as_str()).collect();
    assert_eq!(hosts, ["alpha", "beta"]);
    // alpha's latest run (a2), not its first.
    assert_eq!(rayon.machines[0].label, "a2");
    assert!((rayon.machines[0].median.0 - 450.0).abs() < 20.0);
    assert_eq!(rayon.machines[1].speedup, Some(2.0));
    let serial = site
        .cross
        .iter()
        .find(|c| c.key.variant == "serial")
        .unwrap();
    assert!(serial.machines.iter().all(|m| m.speedup.is_none()));
    // One machine only: nothing to put side by side.
    let alpha = site.machines[0].id.clone();
    let only = h
        .site(
            &SeriesFilter {
                machine: Some(alpha),
                ..SeriesFilter::default()
            },
            "now",
        )
        .unwrap();
    assert!(only.cross.is_empty());
}

#[test]
fn a_version_1_database_is_read_as_it_is_and_migrated_when_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.db");
    // What parbench wrote before layout version 2.
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, results_sha256 TEXT NOT NULL UNIQUE,
            machine_id TEXT NOT NULL, hostname TEXT NOT NULL, cpu_model TEXT NOT NULL,
            logical_cores INTEGER NOT NULL, branch TEXT NOT NULL, git_commit TEXT,
            started_at TEXT NOT NULL, recorded_at TEXT NOT NULL, run_id TEXT NOT NULL,
            parbench_version TEXT NOT NULL, config_path TEXT NOT NULL,
            config_sha256 TEXT NOT NULL, quick INTEGER NOT NULL, complete INTEGER NOT NULL,
            machine_json TEXT NOT NULL);
         CREATE TABLE points (run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            suite TEXT NOT NULL, size TEXT NOT NULL, variant TEXT NOT NULL,
            workers INTEGER NOT NULL, params TEXT NOT NULL, workload TEXT NOT NULL,
            model TEXT NOT NULL, n INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT,
            median_ns REAL, ci_low_ns REAL, ci_high_ns REAL, sample_count INTEGER,
            samples_ns TEXT, throughput REAL, throughput_unit TEXT,
            PRIMARY KEY (run, suite, size, variant, workers, params));
         INSERT INTO runs VALUES (1, 'abc', 'm1', 'host', 'cpu', 2, 'main', 'c0',
            '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', 'r0', '0.1.0', 'x.toml', '00',
            0, 1, '{}');
         INSERT INTO points VALUES (1, 'pi', 'S', 'serial', 1, '', 'pi', 'serial', 1000, 'ok',
            NULL, 10.0, 9.0, 11.0, 3, '[9,10,11]', NULL, NULL);
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let mut h = History::open_existing(&sqlite(&db)).unwrap();
    assert_eq!(h.series(&SeriesFilter::default()).unwrap().len(), 1);
    drop(h);
    let version = |db: &Path| -> i64 {
        Connection::open(db)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&db), 1, "reading changes nothing");
    let mut h = History::open(&sqlite(&db)).unwrap();
    assert_eq!(version(&db), HISTORY_SCHEMA_VERSION);
    h.add(&run_on("alpha", 1, 1000.0), &meta("main", "c1"))
        .unwrap();
    let series = h.series(&SeriesFilter::default()).unwrap();
    assert_eq!(series.len(), 3, "the old run's point and the new run's two");
}
