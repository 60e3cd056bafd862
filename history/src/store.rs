//! What a backend stores and how it is told to: the [`Store`] trait, the rows it writes
//! ([`NewRun`], built from a results file) and reads back ([`RunRow`], [`PointRow`]), the
//! layout version both backends share and [`HistoryError`]. The SQLite and PostgreSQL modules
//! implement the trait; the crate root derives the history's data model from the rows.

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{PointKey, RunResults, Status};
use std::path::PathBuf;
use std::time::Duration;

/// Version of the database layout, the same for both backends (SQLite's `user_version`, the
/// `parbench_schema` table on PostgreSQL). Version 1 (no stored speedups) is migrated forward
/// when a database is opened for writing; any other version is refused.
pub const HISTORY_SCHEMA_VERSION: i64 = 2;

/// How long a writer waits for another writer's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

/// A history database that cannot be used. `db` fields name the database as the user gave it,
/// a PostgreSQL URL without its password.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[cfg(feature = "sqlite")]
    #[error("history database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[cfg(feature = "postgres")]
    #[error("history database {db}: {source}")]
    Postgres {
        db: String,
        source: ::postgres::Error,
    },
    #[error(
        "history database {db} has layout version {found}; this parbench reads version {HISTORY_SCHEMA_VERSION}"
    )]
    Version { db: String, found: i64 },
    #[error("cannot create the history database {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no history database at {db}; create one with `parbench history add RESULTS.json --db {db}`"
    )]
    Missing { db: String },
    #[error(
        "{db} is a {kind} database, but not a parbench history (it holds {tables}); parbench leaves it as it is: choose another --db"
    )]
    Foreign {
        db: String,
        kind: &'static str,
        tables: String,
    },
    #[error("{db}: {message}")]
    BadLocation { db: String, message: String },
    #[error(
        "{db}: this parbench was built without {backend} support; rebuild it with the cargo feature `{feature}`"
    )]
    Unsupported {
        db: String,
        backend: &'static str,
        feature: &'static str,
    },
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

/// Restricts the series read back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesFilter {
    pub machine: Option<String>,
    pub branch: Option<String>,
    pub suite: Option<String>,
}

/// A run as a backend stores it: the `runs` row and its `points` rows.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    pub results_sha256: String,
    pub machine_id: String,
    pub hostname: String,
    pub cpu_model: String,
    pub logical_cores: i64,
    pub branch: String,
    pub git_commit: Option<String>,
    pub started_at: String,
    pub recorded_at: String,
    pub run_id: String,
    pub parbench_version: String,
    pub config_path: String,
    pub config_sha256: String,
    pub quick: bool,
    pub complete: bool,
    pub machine_json: String,
    pub points: Vec<NewPoint>,
}

/// One `points` row of a [`NewRun`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewPoint {
    pub suite: String,
    pub size: String,
    pub variant: String,
    pub workers: i64,
    pub params: String,
    pub workload: String,
    pub model: String,
    pub n: i64,
    pub status: String,
    pub reason: Option<String>,
    pub median_ns: Option<f64>,
    pub ci_low_ns: Option<f64>,
    pub ci_high_ns: Option<f64>,
    pub sample_count: Option<i64>,
    pub samples_ns: Option<String>,
    pub throughput: Option<f64>,
    pub throughput_unit: Option<String>,
    pub speedup: Option<f64>,
}

impl NewRun {
    /// The rows of `results` recorded with `meta`; the content hash identifies duplicates.
    pub fn of(results: &RunResults, meta: &RunMeta) -> NewRun {
        let json = results.to_json();
        let m = &results.machine;
        NewRun {
            results_sha256: parbench_analysis::digest::sha256_hex(json.as_bytes()),
            machine_id: m.id.clone(),
            hostname: m.hostname.clone(),
            cpu_model: m.cpu_model.clone(),
            logical_cores: i64::from(m.logical_cores),
            branch: meta.branch.clone(),
            git_commit: meta.commit.clone().or_else(|| m.git_commit.clone()),
            started_at: results.started_at.clone(),
            recorded_at: meta.recorded_at.clone(),
            run_id: results.run_id.clone(),
            parbench_version: results.parbench_version.clone(),
            config_path: results.config.path.clone(),
            config_sha256: results.config.sha256.clone(),
            quick: results.config.quick,
            complete: results.complete,
            machine_json: serde_json::to_string(m).expect("machine serializes"),
            points: results
                .points
                .iter()
                .map(|p| {
                    let meas = p.measurement.as_ref();
                    NewPoint {
                        suite: p.suite.clone(),
                        size: p.size.clone(),
                        variant: p.variant.to_string(),
                        workers: i64::from(p.workers),
                        params: p.params_label(),
                        workload: p.workload.clone(),
                        model: p.model.to_string(),
                        n: p.n as i64,
                        status: p.status.to_string(),
                        reason: p.reason.clone(),
                        median_ns: meas.map(|m| m.stats.median.0),
                        ci_low_ns: meas.map(|m| m.stats.ci_low.0),
                        ci_high_ns: meas.map(|m| m.stats.ci_high.0),
                        sample_count: meas.map(|m| m.samples_ns.len() as i64),
                        samples_ns: meas.map(|m| {
                            serde_json::to_string(&m.samples_ns).expect("samples serialize")
                        }),
                        throughput: p.throughput.as_ref().map(|t| t.value),
                        throughput_unit: p.throughput.as_ref().map(|t| t.unit.clone()),
                        // A wrong or failed point never carries a speedup.
                        speedup: p
                            .derived
                            .speedup
                            .filter(|s| p.status == Status::Ok && s.is_finite()),
                    }
                })
                .collect(),
        }
    }
}

/// A `runs` row read back, with its point count.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: i64,
    pub machine_id: String,
    pub hostname: String,
    pub cpu_model: String,
    pub logical_cores: i64,
    pub branch: String,
    pub git_commit: Option<String>,
    pub started_at: String,
    pub recorded_at: String,
    pub run_id: String,
    pub points: i64,
    pub machine_json: String,
}

/// A verified (`ok`) point read back with its run's identity.
#[derive(Debug, Clone, PartialEq)]
pub struct PointRow {
    pub run: i64,
    pub machine_id: String,
    pub hostname: String,
    pub cpu_model: String,
    pub branch: String,
    pub commit: Option<String>,
    pub started_at: String,
    pub run_id: String,
    pub key: PointKey,
    pub workload: String,
    pub model: String,
    pub n: u64,
    pub median: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub speedup: Option<f64>,
}

/// What a history backend does: record a run atomically (all its points or nothing, a repeated
/// run recognised by its content hash) and read the rows back. Everything derived (trend series,
/// change-points, the cross-machine view) is computed from those rows by [`History`], the same
/// for every backend.
pub trait Store {
    /// Records one run in one transaction.
    fn add(&mut self, run: &NewRun) -> Result<Added, HistoryError>;
    /// Every run, in any order.
    fn run_rows(&mut self) -> Result<Vec<RunRow>, HistoryError>;
    /// Every `ok` point with a median that passes `filter`, in any order.
    fn point_rows(&mut self, filter: &SeriesFilter) -> Result<Vec<PointRow>, HistoryError>;
}
