//! The embedded backend: one SQLite file, safe for several CI jobs writing at once (WAL journal,
//! busy timeout, one immediate transaction per run). The layout version is SQLite's
//! `user_version`.

use crate::store::{
    Added, BUSY_TIMEOUT, HISTORY_SCHEMA_VERSION, HistoryError, NewRun, PointRow, RunRow,
    SeriesFilter, Store,
};
use parbench_schema::results::PointKey;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Layout version 1: the tables without stored speedups.
const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id               INTEGER PRIMARY KEY,
    results_sha256   TEXT NOT NULL UNIQUE,
    machine_id       TEXT NOT NULL,
    hostname         TEXT NOT NULL,
    cpu_model        TEXT NOT NULL,
    logical_cores    INTEGER NOT NULL,
    branch           TEXT NOT NULL,
    git_commit       TEXT,
    started_at       TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    run_id           TEXT NOT NULL,
    parbench_version TEXT NOT NULL,
    config_path      TEXT NOT NULL,
    config_sha256    TEXT NOT NULL,
    quick            INTEGER NOT NULL,
    complete         INTEGER NOT NULL,
    machine_json     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_series ON runs (machine_id, branch, started_at);
CREATE TABLE IF NOT EXISTS points (
    run             INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    suite           TEXT NOT NULL,
    size            TEXT NOT NULL,
    variant         TEXT NOT NULL,
    workers         INTEGER NOT NULL,
    params          TEXT NOT NULL,
    workload        TEXT NOT NULL,
    model           TEXT NOT NULL,
    n               INTEGER NOT NULL,
    status          TEXT NOT NULL,
    reason          TEXT,
    median_ns       REAL,
    ci_low_ns       REAL,
    ci_high_ns      REAL,
    sample_count    INTEGER,
    samples_ns      TEXT,
    throughput      REAL,
    throughput_unit TEXT,
    PRIMARY KEY (run, suite, size, variant, workers, params)
);
";

/// Version 1 to 2: each point's speedup over its run's baseline (for the cross-machine view).
const MIGRATE_V1_TO_V2: &str = "ALTER TABLE points ADD COLUMN speedup REAL;";

/// Percent-encodes a path for a SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Runs `op` again while SQLite answers "busy" or "locked", backing off up to [`BUSY_TIMEOUT`].
fn retry_busy<T>(mut op: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match op() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Maps a SQLite error to a [`HistoryError`] that names the database file.
fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
    move |source| HistoryError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// An open SQLite history.
#[derive(Debug)]
pub(crate) struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// The layout read (1 when a read-only database has not been migrated yet).
    version: i64,
}

impl SqliteStore {
    /// Opens the database at `path`, creating it (and its tables) if needed.
    pub(crate) fn open(path: &Path) -> Result<SqliteStore, HistoryError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(sqlite_error(path))?;
        let mut h = SqliteStore {
            conn,
            path: path.to_path_buf(),
            version: HISTORY_SCHEMA_VERSION,
        };
        h.prepare(true)?;
        Ok(h)
    }

    /// Opens an existing database for reading; a missing file is an error, not a new database.
    pub(crate) fn open_existing(path: &Path) -> Result<SqliteStore, HistoryError> {
        if !path.exists() {
            return Err(HistoryError::Missing {
                db: path.display().to_string(),
            });
        }
        // Read-only: listing and reporting never need write access (to the file or its
        // directory). A WAL database whose directory is read-only cannot make its shared-memory
        // index, so it is then read as immutable (no locks; nobody can be writing it anyway).
        let open = |uri: &str, extra: OpenFlags| {
            Connection::open_with_flags(
                uri,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | extra,
            )
            .map_err(sqlite_error(path))
            .and_then(|conn| {
                let mut h = SqliteStore {
                    conn,
                    path: path.to_path_buf(),
                    version: HISTORY_SCHEMA_VERSION,
                };
                h.prepare(false)?;
                Ok(h)
            })
        };
        let plain = open(&path.to_string_lossy(), OpenFlags::empty());
        match plain {
            Err(HistoryError::Sqlite { .. }) => {
                let immutable = format!("file:{}?immutable=1", uri_path(path));
                open(&immutable, OpenFlags::SQLITE_OPEN_URI).or(plain)
            }
            other => other,
        }
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        sqlite_error(&self.path)
    }

    fn version_error(&self, found: i64) -> HistoryError {
        HistoryError::Version {
            db: self.path.display().to_string(),
            found,
        }
    }

    /// Busy timeout, WAL journal, foreign keys; creates, migrates or checks the layout.
    fn prepare(&mut self, create: bool) -> Result<(), HistoryError> {
        let path = self.path.clone();
        let err = sqlite_error(&path);
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(&err)?;
        if !create {
            // Reading only: check the layout, take no write lock.
            let version: i64 = self
                .conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(&err)?;
            if !(1..=HISTORY_SCHEMA_VERSION).contains(&version) {
                return Err(self.version_error(version));
            }
            self.version = version;
            return Ok(());
        }
        // A database of something else is left alone: no tables, no user_version, no WAL.
        let (version, tables): (i64, Vec<String>) = retry_busy(|| {
            let version = self
                .conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let mut stmt = self
                .conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
            let tables = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok((version, tables))
        })
        .map_err(&err)?;
        let ours = tables.iter().all(|t| t == "runs" || t == "points");
        if version == 0 && !tables.is_empty() && !ours
            || version != 0 && !tables.iter().any(|t| t == "runs")
        {
            let mut shown: Vec<String> = tables
                .iter()
                .take(5)
                .map(|t| format!("table `{t}`"))
                .collect();
            if tables.len() > 5 {
                shown.push(format!("{} more", tables.len() - 5));
            }
            if shown.is_empty() {
                shown.push(format!("user_version {version} and no tables"));
            }
            return Err(HistoryError::Foreign {
                db: self.path.display().to_string(),
                kind: "SQLite",
                tables: shown.join(", "),
            });
        }
        // WAL lets readers go on while one writer commits. Switching to it needs a moment alone,
        // and SQLite does not always consult the busy handler for that (a fresh database opened
        // by several writers at once answers SQLITE_BUSY at once), so it is retried here.
        let current: String =
            retry_busy(|| self.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
                .map_err(&err)?;
        if !current.eq_ignore_ascii_case("wal") {
            let _mode: String = retry_busy(|| {
                self.conn
                    .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            })
            .map_err(&err)?;
        }
        self.conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(&err)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&err)?;
        match version {
            0 => {
                tx.execute_batch(SCHEMA_V1).map_err(&err)?;
                tx.execute_batch(MIGRATE_V1_TO_V2).map_err(&err)?;
            }
            1 => tx.execute_batch(MIGRATE_V1_TO_V2).map_err(&err)?,
            HISTORY_SCHEMA_VERSION => {}
            found => {
                return Err(HistoryError::Version {
                    db: path.display().to_string(),
                    found,
                });
            }
        }
        if version != HISTORY_SCHEMA_VERSION {
            tx.execute_batch(&format!("PRAGMA user_version = {HISTORY_SCHEMA_VERSION}"))
                .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        self.version = HISTORY_SCHEMA_VERSION;
        Ok(())
    }
}

impl Store for SqliteStore {
    fn add(&mut self, run: &NewRun) -> Result<Added, HistoryError> {
        let path = self.path.clone();
        let err = sqlite_error(&path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        if let Some(id) = tx
            .query_row(
                "SELECT id FROM runs WHERE results_sha256 = ?1",
                [&run.results_sha256],
                |r| r.get(0),
            )
            .optional()
            .map_err(&err)?
        {
            return Ok(Added::Duplicate { run: id });
        }
        tx.execute(
            "INSERT INTO runs (results_sha256, machine_id, hostname, cpu_model, logical_cores, branch,
                git_commit, started_at, recorded_at, run_id, parbench_version, config_path,
                config_sha256, quick, complete, machine_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                run.results_sha256,
                run.machine_id,
                run.hostname,
                run.cpu_model,
                run.logical_cores,
                run.branch,
                run.git_commit,
                run.started_at,
                run.recorded_at,
                run.run_id,
                run.parbench_version,
                run.config_path,
                run.config_sha256,
                run.quick,
                run.complete,
                run.machine_json,
            ],
        )
        .map_err(&err)?;
        let id = tx.last_insert_rowid();
        let mut points = 0;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT OR IGNORE INTO points (run, suite, size, variant, workers, params, workload,
                        model, n, status, reason, median_ns, ci_low_ns, ci_high_ns, sample_count,
                        samples_ns, throughput, throughput_unit, speedup)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
                )
                .map_err(&err)?;
            for p in &run.points {
                points += stmt
                    .execute(params![
                        id,
                        p.suite,
                        p.size,
                        p.variant,
                        p.workers,
                        p.params,
                        p.workload,
                        p.model,
                        p.n,
                        p.status,
                        p.reason,
                        p.median_ns,
                        p.ci_low_ns,
                        p.ci_high_ns,
                        p.sample_count,
                        p.samples_ns,
                        p.throughput,
                        p.throughput_unit,
                        p.speedup,
                    ])
                    .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        Ok(Added::New { run: id, points })
    }

    fn run_rows(&mut self) -> Result<Vec<RunRow>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.machine_id, r.hostname, r.cpu_model, r.logical_cores, r.branch,
                        r.git_commit, r.started_at, r.recorded_at, r.run_id,
                        (SELECT COUNT(*) FROM points p WHERE p.run = r.id), r.machine_json
                 FROM runs r",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    machine_id: r.get(1)?,
                    hostname: r.get(2)?,
                    cpu_model: r.get(3)?,
                    logical_cores: r.get(4)?,
                    branch: r.get(5)?,
                    git_commit: r.get(6)?,
                    started_at: r.get(7)?,
                    recorded_at: r.get(8)?,
                    run_id: r.get(9)?,
                    points: r.get(10)?,
                    machine_json: r.get(11)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    fn point_rows(&mut self, filter: &SeriesFilter) -> Result<Vec<PointRow>, HistoryError> {
        // A version-1 database opened read-only has no speedup column yet.
        let speedup = if self.version >= 2 {
            "p.speedup"
        } else {
            "NULL"
        };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT r.id, r.machine_id, r.hostname, r.cpu_model, r.branch, r.git_commit,
                        r.started_at, r.run_id, p.suite, p.size, p.variant, p.workers, p.params,
                        p.workload, p.model, p.n, p.median_ns, p.ci_low_ns, p.ci_high_ns, {speedup}
                 FROM points p JOIN runs r ON r.id = p.run
                 WHERE p.status = 'ok' AND p.median_ns IS NOT NULL
                   AND (?1 IS NULL OR r.machine_id = ?1)
                   AND (?2 IS NULL OR r.branch = ?2)
                   AND (?3 IS NULL OR p.suite = ?3)"
            ))
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![filter.machine, filter.branch, filter.suite], |r| {
                Ok(PointRow {
                    run: r.get(0)?,
                    machine_id: r.get(1)?,
                    hostname: r.get(2)?,
                    cpu_model: r.get(3)?,
                    branch: r.get(4)?,
                    commit: r.get(5)?,
                    started_at: r.get(6)?,
                    run_id: r.get(7)?,
                    key: PointKey {
                        suite: r.get(8)?,
                        size: r.get(9)?,
                        variant: r.get::<_, String>(10)?.into(),
                        workers: r.get(11)?,
                        params: r.get(12)?,
                    },
                    workload: r.get(13)?,
                    model: r.get(14)?,
                    n: r.get::<_, i64>(15)? as u64,
                    median: r.get(16)?,
                    ci_low: r.get::<_, Option<f64>>(17)?.unwrap_or(f64::NAN),
                    ci_high: r.get::<_, Option<f64>>(18)?.unwrap_or(f64::NAN),
                    speedup: r.get(19)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }
}
