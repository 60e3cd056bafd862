//! Run history: an embedded SQLite database of results keyed by machine, branch, commit and
//! time, safe for several CI jobs writing at once (WAL journal, busy timeout, one immediate
//! transaction per run), and the trend series read back from it with their change-points.

use parbench_analysis::changepoint::{self, ChangePoint};
use parbench_analysis::stats;
use parbench_schema::duration::Nanos;
use parbench_schema::results::{PointKey, RunResults};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Version of the database layout (SQLite's `user_version`).
pub const HISTORY_SCHEMA_VERSION: i64 = 1;

/// How long a writer waits for another writer's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

const SCHEMA: &str = "
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

/// A history database that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "history database {path} has layout version {found}; this parbench reads version {HISTORY_SCHEMA_VERSION}"
    )]
    Version { path: PathBuf, found: i64 },
    #[error("cannot create the history database {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no history database at {path}; create one with `parbench history add RESULTS.json --db {path}`"
    )]
    Missing { path: PathBuf },
    #[error(
        "{path} is a SQLite database, but not a parbench history (it holds {tables}); parbench leaves it as it is: choose another --db"
    )]
    Foreign { path: PathBuf, tables: String },
}

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

/// Who recorded a run, where it belongs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMeta {
    pub branch: String,
    /// Falls back to the commit in the results' fingerprint.
    pub commit: Option<String>,
    /// RFC 3339 time of recording.
    pub recorded_at: String,
}

/// What `add` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New {
        run: i64,
        points: usize,
    },
    /// The very same results were recorded before (identical content).
    Duplicate {
        run: i64,
    },
}

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRun {
    pub id: i64,
    pub machine_id: String,
    pub hostname: String,
    pub branch: String,
    pub commit: Option<String>,
    pub started_at: String,
    pub recorded_at: String,
    pub run_id: String,
    pub points: usize,
}

/// A machine seen in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineInfo {
    pub id: String,
    pub hostname: String,
    pub cpu_model: String,
    pub logical_cores: u32,
    pub runs: usize,
    pub first: String,
    pub last: String,
}

/// One commit of a trend series (several runs of one commit are pooled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub commit: Option<String>,
    /// Short commit, or the run id when no commit is known.
    pub label: String,
    /// Start of the commit's first run.
    pub started_at: String,
    pub runs: usize,
    /// The problem size measured (a change here explains a step).
    pub n: u64,
    /// Median of the runs' medians.
    pub median: Nanos,
    /// The run's 95% interval; with several runs, from the lowest low to the highest high.
    pub ci_low: Nanos,
    pub ci_high: Nanos,
}

/// The history of one point on one machine and branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendSeries {
    pub machine_id: String,
    pub hostname: String,
    pub cpu_model: String,
    pub branch: String,
    pub key: PointKey,
    pub workload: String,
    pub model: String,
    pub points: Vec<TrendPoint>,
    pub change_points: Vec<ChangePoint>,
}

/// Everything a history report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistorySite {
    pub database: String,
    pub generated_at: String,
    pub runs: usize,
    pub machines: Vec<MachineInfo>,
    pub series: Vec<TrendSeries>,
    /// How change-points were found, in words.
    pub method: String,
}

/// Restricts the series read back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesFilter {
    pub machine: Option<String>,
    pub branch: Option<String>,
    pub suite: Option<String>,
}

/// An open history database.
#[derive(Debug)]
pub struct History {
    conn: Connection,
    path: PathBuf,
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

impl History {
    /// Opens the database at `path`, creating it (and its tables) if needed.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(sqlite_error(path))?;
        let mut h = History {
            conn,
            path: path.to_path_buf(),
        };
        h.prepare(true)?;
        Ok(h)
    }

    /// Opens an existing database for reading (trend reports, listings); a missing file is an
    /// error, not a new database.
    pub fn open_existing(path: &Path) -> Result<History, HistoryError> {
        if !path.exists() {
            return Err(HistoryError::Missing {
                path: path.to_path_buf(),
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
                let mut h = History {
                    conn,
                    path: path.to_path_buf(),
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

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        sqlite_error(&self.path)
    }

    /// Busy timeout, WAL journal, foreign keys; creates or checks the layout.
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
            if version != HISTORY_SCHEMA_VERSION {
                return Err(HistoryError::Version {
                    path: self.path.clone(),
                    found: version,
                });
            }
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
                path: self.path.clone(),
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
                tx.execute_batch(SCHEMA).map_err(&err)?;
                tx.execute_batch(&format!("PRAGMA user_version = {HISTORY_SCHEMA_VERSION}"))
                    .map_err(&err)?;
            }
            HISTORY_SCHEMA_VERSION => {}
            found => {
                return Err(HistoryError::Version {
                    path: self.path.clone(),
                    found,
                });
            }
        }
        tx.commit().map_err(&err)?;
        Ok(())
    }

    /// Records a run and all its points in one transaction. Recording identical results twice
    /// is detected (by their SHA-256) and changes nothing.
    pub fn add(&mut self, results: &RunResults, meta: &RunMeta) -> Result<Added, HistoryError> {
        let path = self.path.clone();
        let err = sqlite_error(&path);
        let json = parbench_analysis::results_io::ResultsFile::to_json(results);
        let sha = parbench_analysis::digest::sha256_hex(json.as_bytes());
        let machine_json = serde_json::to_string(&results.machine).expect("machine serializes");
        let commit = meta
            .commit
            .clone()
            .or_else(|| results.machine.git_commit.clone());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        if let Some(run) = tx
            .query_row(
                "SELECT id FROM runs WHERE results_sha256 = ?1",
                [&sha],
                |r| r.get(0),
            )
            .optional()
            .map_err(&err)?
        {
            return Ok(Added::Duplicate { run });
        }
        let m = &results.machine;
        tx.execute(
            "INSERT INTO runs (results_sha256, machine_id, hostname, cpu_model, logical_cores, branch,
                git_commit, started_at, recorded_at, run_id, parbench_version, config_path,
                config_sha256, quick, complete, machine_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                sha,
                m.id,
                m.hostname,
                m.cpu_model,
                m.logical_cores,
                meta.branch,
                commit,
                results.started_at,
                meta.recorded_at,
                results.run_id,
                results.parbench_version,
                results.config.path,
                results.config.sha256,
                results.config.quick,
                results.complete,
                machine_json,
            ],
        )
        .map_err(&err)?;
        let run = tx.last_insert_rowid();
        let mut points = 0;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT OR IGNORE INTO points (run, suite, size, variant, workers, params, workload,
                        model, n, status, reason, median_ns, ci_low_ns, ci_high_ns, sample_count,
                        samples_ns, throughput, throughput_unit)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                )
                .map_err(&err)?;
            for p in &results.points {
                let meas = p.measurement.as_ref();
                let samples =
                    meas.map(|m| serde_json::to_string(&m.samples_ns).expect("samples serialize"));
                points += stmt
                    .execute(params![
                        run,
                        p.suite,
                        p.size,
                        p.variant,
                        p.workers,
                        p.params_label(),
                        p.workload,
                        p.model.to_string(),
                        p.n as i64,
                        p.status.to_string(),
                        p.reason,
                        meas.map(|m| m.stats.median.0),
                        meas.map(|m| m.stats.ci_low.0),
                        meas.map(|m| m.stats.ci_high.0),
                        meas.map(|m| m.samples_ns.len() as i64),
                        samples,
                        p.throughput.as_ref().map(|t| t.value),
                        p.throughput.as_ref().map(|t| t.unit.clone()),
                    ])
                    .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        Ok(Added::New { run, points })
    }

    /// Every recorded run, oldest first.
    pub fn runs(&self) -> Result<Vec<RecordedRun>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.machine_id, r.hostname, r.branch, r.git_commit, r.started_at,
                        r.recorded_at, r.run_id, (SELECT COUNT(*) FROM points p WHERE p.run = r.id)
                 FROM runs r ORDER BY r.started_at, r.id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RecordedRun {
                    id: r.get(0)?,
                    machine_id: r.get(1)?,
                    hostname: r.get(2)?,
                    branch: r.get(3)?,
                    commit: r.get(4)?,
                    started_at: r.get(5)?,
                    recorded_at: r.get(6)?,
                    run_id: r.get(7)?,
                    points: r.get::<_, i64>(8)? as usize,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Every machine with its run count, most recently used last.
    pub fn machines(&self) -> Result<Vec<MachineInfo>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT machine_id, MAX(hostname), MAX(cpu_model), MAX(logical_cores), COUNT(*),
                        MIN(started_at), MAX(started_at)
                 FROM runs GROUP BY machine_id ORDER BY MAX(started_at)",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(MachineInfo {
                    id: r.get(0)?,
                    hostname: r.get(1)?,
                    cpu_model: r.get(2)?,
                    logical_cores: r.get(3)?,
                    runs: r.get::<_, i64>(4)? as usize,
                    first: r.get(5)?,
                    last: r.get(6)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Trend series of every `ok` point, one per (machine, branch, point key), commits in the
    /// order of their first run, with change-points.
    pub fn series(&self, filter: &SeriesFilter) -> Result<Vec<TrendSeries>, HistoryError> {
        struct Row {
            machine_id: String,
            hostname: String,
            cpu_model: String,
            branch: String,
            commit: Option<String>,
            started_at: String,
            run_id: String,
            key: PointKey,
            workload: String,
            model: String,
            n: u64,
            median: f64,
            ci_low: f64,
            ci_high: f64,
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.machine_id, r.hostname, r.cpu_model, r.branch, r.git_commit, r.started_at,
                        r.run_id, p.suite, p.size, p.variant, p.workers, p.params, p.workload,
                        p.model, p.n, p.median_ns, p.ci_low_ns, p.ci_high_ns
                 FROM points p JOIN runs r ON r.id = p.run
                 WHERE p.status = 'ok' AND p.median_ns IS NOT NULL
                   AND (?1 IS NULL OR r.machine_id = ?1)
                   AND (?2 IS NULL OR r.branch = ?2)
                   AND (?3 IS NULL OR p.suite = ?3)
                 ORDER BY r.machine_id, r.branch, p.suite, p.size, p.variant, p.workers, p.params,
                          r.started_at, r.id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![filter.machine, filter.branch, filter.suite], |r| {
                Ok(Row {
                    machine_id: r.get(0)?,
                    hostname: r.get(1)?,
                    cpu_model: r.get(2)?,
                    branch: r.get(3)?,
                    commit: r.get(4)?,
                    started_at: r.get(5)?,
                    run_id: r.get(6)?,
                    key: PointKey {
                        suite: r.get(7)?,
                        size: r.get(8)?,
                        variant: r.get(9)?,
                        workers: r.get(10)?,
                        params: r.get(11)?,
                    },
                    workload: r.get(12)?,
                    model: r.get(13)?,
                    n: r.get::<_, i64>(14)? as u64,
                    median: r.get(15)?,
                    ci_low: r.get::<_, Option<f64>>(16)?.unwrap_or(f64::NAN),
                    ci_high: r.get::<_, Option<f64>>(17)?.unwrap_or(f64::NAN),
                })
            })
            .map_err(self.err())?
            .collect::<Result<Vec<Row>, _>>()
            .map_err(self.err())?;

        let mut out: Vec<TrendSeries> = Vec::new();
        let mut group: Vec<Row> = Vec::new();
        let flush = |group: &mut Vec<Row>, out: &mut Vec<TrendSeries>| {
            let Some(last) = group.last() else {
                return;
            };
            // Pool the runs of one commit; commits in the order of their first run.
            let mut commits: Vec<(Option<String>, String, Vec<&Row>)> = Vec::new();
            for row in group.iter() {
                let found = row
                    .commit
                    .as_ref()
                    .and_then(|c| commits.iter().position(|(k, _, _)| k.as_ref() == Some(c)));
                match found {
                    Some(i) => commits[i].2.push(row),
                    None => {
                        let label = match &row.commit {
                            Some(c) => c.chars().take(10).collect(),
                            None => row.run_id.clone(),
                        };
                        commits.push((row.commit.clone(), label, vec![row]));
                    }
                }
            }
            let points: Vec<TrendPoint> = commits
                .into_iter()
                .map(|(commit, label, rows)| {
                    let medians: Vec<f64> = rows.iter().map(|r| r.median).collect();
                    let (lo, hi) = rows.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), r| {
                        (lo.min(r.ci_low), hi.max(r.ci_high))
                    });
                    let median = stats::median(&medians);
                    TrendPoint {
                        commit,
                        label,
                        started_at: rows[0].started_at.clone(),
                        runs: rows.len(),
                        n: rows[rows.len() - 1].n,
                        median: Nanos(median),
                        ci_low: Nanos(if lo.is_finite() { lo } else { median }),
                        ci_high: Nanos(if hi > 0.0 { hi } else { median }),
                    }
                })
                .collect();
            let medians: Vec<f64> = points.iter().map(|p| p.median.0).collect();
            out.push(TrendSeries {
                machine_id: last.machine_id.clone(),
                hostname: last.hostname.clone(),
                cpu_model: last.cpu_model.clone(),
                branch: last.branch.clone(),
                key: last.key.clone(),
                workload: last.workload.clone(),
                model: last.model.clone(),
                change_points: changepoint::detect(&medians, changepoint::Settings::default()),
                points,
            });
            group.clear();
        };
        for row in rows {
            let same = group.last().is_some_and(|g: &Row| {
                g.machine_id == row.machine_id && g.branch == row.branch && g.key == row.key
            });
            if !same {
                flush(&mut group, &mut out);
            }
            group.push(row);
        }
        flush(&mut group, &mut out);
        Ok(out)
    }

    /// The data of a history report.
    pub fn site(
        &self,
        filter: &SeriesFilter,
        generated_at: &str,
    ) -> Result<HistorySite, HistoryError> {
        Ok(HistorySite {
            database: self.path.display().to_string(),
            generated_at: generated_at.to_string(),
            runs: self.runs()?.len(),
            machines: self.machines()?,
            series: self.series(filter)?,
            method: changepoint::Settings::default().describe(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parbench_analysis::test_support::{point, run};

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
        let mut h = History::open(&db).unwrap();
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
        let h = History::open_existing(&db).unwrap();
        assert_eq!(h.machines().unwrap()[0].runs, 1);
    }

    #[test]
    fn series_pool_commits_and_mark_the_step() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(&dir.path().join("h.db")).unwrap();
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
                    let mut h = History::open(&db).unwrap();
                    for i in 0..per_writer {
                        let r = run_at(w * 100 + i, 1000.0 + (w * 100 + i) as f64);
                        h.add(&r, &meta(&format!("b{w}"), &format!("c{i}")))
                            .unwrap();
                    }
                });
            }
        });
        let h = History::open_existing(&db).unwrap();
        let runs = h.runs().unwrap();
        assert_eq!(runs.len(), writers * per_writer);
        assert!(runs.iter().all(|r| r.points == 2));
    }

    #[test]
    fn missing_and_foreign_databases_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = History::open_existing(&dir.path().join("none.db")).unwrap_err();
        assert!(e.to_string().contains("none.db"), "{e}");
        let junk = dir.path().join("junk.db");
        std::fs::write(
            &junk,
            b"this is not a database at all, not even close........",
        )
        .unwrap();
        let e = History::open(&junk).unwrap_err();
        assert!(e.to_string().contains("junk.db"), "{e}");
        let newer = dir.path().join("newer.db");
        drop(History::open(&newer).unwrap());
        Connection::open(&newer)
            .unwrap()
            .execute_batch("PRAGMA user_version = 7")
            .unwrap();
        let e = History::open(&newer).unwrap_err();
        assert!(e.to_string().contains("version 7"), "{e}");
    }
}
