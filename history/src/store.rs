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
    /// SQLite refused an operation (open, query, migration, transaction).
    #[cfg(feature = "sqlite")]
    #[error("history database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The PostgreSQL server or client refused an operation (connect, query, transaction).
    #[cfg(feature = "postgres")]
    #[error("history database {db}: {source}")]
    Postgres {
        /// The database URL, without its password.
        db: String,
        /// The client's error.
        source: ::postgres::Error,
    },
    /// The database has a layout version this parbench cannot read or migrate.
    #[error(
        "history database {db} has layout version {found}; this parbench reads version {HISTORY_SCHEMA_VERSION}"
    )]
    Version {
        /// The database as the user gave it.
        db: String,
        /// The layout version it declares.
        found: i64,
    },
    /// The directory of a new SQLite file could not be created.
    #[error("cannot create the history database {path}: {source}")]
    Io {
        /// The database file.
        path: PathBuf,
        /// Why creating it failed.
        source: std::io::Error,
    },
    /// Reading from a database that does not exist (reads never create one).
    #[error(
        "no history database at {db}; create one with `parbench history add RESULTS.json --db {db}`"
    )]
    Missing {
        /// The database as the user gave it.
        db: String,
    },
    /// The database exists but holds another application's tables: it is left untouched.
    #[error(
        "{db} is a {kind} database, but not a parbench history (it holds {tables}); parbench leaves it as it is: choose another --db"
    )]
    Foreign {
        /// The database as the user gave it.
        db: String,
        /// `SQLite` or `PostgreSQL`.
        kind: &'static str,
        /// What it holds instead: its tables, comma-separated (or its `user_version`).
        tables: String,
    },
    /// A PostgreSQL URL the client cannot parse.
    #[error("{db}: {message}")]
    BadLocation {
        /// The value as given (a URL without its password).
        db: String,
        /// What was expected, in words.
        message: String,
    },
    /// The `--db` value needs a backend this binary was built without.
    #[error(
        "{db}: this parbench was built without {backend} support; rebuild it with the cargo feature `{feature}` (`cargo build --release --features {feature}`)"
    )]
    Unsupported {
        /// The database as the user gave it.
        db: String,
        /// `SQLite` or `PostgreSQL`.
        backend: &'static str,
        /// The cargo feature that adds it (`sqlite`, `postgres`).
        feature: &'static str,
    },
}

/// Who recorded a run, where it belongs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMeta {
    /// The branch the run is filed under (trend series follow one branch).
    pub branch: String,
    /// Falls back to the commit in the results' fingerprint.
    pub commit: Option<String>,
    /// RFC 3339 time of recording.
    pub recorded_at: String,
}

/// What `add` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// The run was recorded.
    New {
        /// Row id of the new run.
        run: i64,
        /// Points recorded with it.
        points: usize,
    },
    /// The very same results were recorded before (identical content).
    Duplicate {
        /// Row id of the earlier record.
        run: i64,
    },
}

/// Restricts the series read back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesFilter {
    /// Only this machine (its fingerprint id); `None`: every machine.
    pub machine: Option<String>,
    /// Only this branch; `None`: every branch.
    pub branch: Option<String>,
    /// Only this suite; `None`: every suite.
    pub suite: Option<String>,
}

/// A run as a backend stores it: the `runs` row and its `points` rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewRun {
    pub(crate) results_sha256: String,
    pub(crate) machine_id: String,
    pub(crate) hostname: String,
    pub(crate) cpu_model: String,
    pub(crate) logical_cores: i64,
    pub(crate) branch: String,
    pub(crate) git_commit: Option<String>,
    pub(crate) started_at: String,
    pub(crate) recorded_at: String,
    pub(crate) run_id: String,
    pub(crate) parbench_version: String,
    pub(crate) config_path: String,
    pub(crate) config_sha256: String,
    pub(crate) quick: bool,
    pub(crate) complete: bool,
    pub(crate) machine_json: String,
    pub(crate) points: Vec<NewPoint>,
}

/// One `points` row of a [`NewRun`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewPoint {
    pub(crate) suite: String,
    pub(crate) size: String,
    pub(crate) variant: String,
    pub(crate) workers: i64,
    pub(crate) params: String,
    pub(crate) workload: String,
    pub(crate) model: String,
    pub(crate) n: i64,
    pub(crate) status: String,
    pub(crate) reason: Option<String>,
    pub(crate) median_ns: Option<f64>,
    pub(crate) ci_low_ns: Option<f64>,
    pub(crate) ci_high_ns: Option<f64>,
    pub(crate) sample_count: Option<i64>,
    pub(crate) samples_ns: Option<String>,
    pub(crate) throughput: Option<f64>,
    pub(crate) throughput_unit: Option<String>,
    pub(crate) speedup: Option<f64>,
}

impl NewRun {
    /// The rows of `results` recorded with `meta`; the content hash identifies duplicates.
    pub(crate) fn of(results: &RunResults, meta: &RunMeta) -> NewRun {
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
pub(crate) struct RunRow {
    pub(crate) id: i64,
    pub(crate) machine_id: String,
    pub(crate) hostname: String,
    pub(crate) cpu_model: String,
    pub(crate) logical_cores: i64,
    pub(crate) branch: String,
    pub(crate) git_commit: Option<String>,
    pub(crate) started_at: String,
    pub(crate) recorded_at: String,
    pub(crate) run_id: String,
    pub(crate) points: i64,
    pub(crate) machine_json: String,
}

/// A verified (`ok`) point read back with its run's identity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PointRow {
    pub(crate) run: i64,
    pub(crate) machine_id: String,
    pub(crate) hostname: String,
    pub(crate) cpu_model: String,
    pub(crate) branch: String,
    pub(crate) commit: Option<String>,
    pub(crate) started_at: String,
    pub(crate) run_id: String,
    pub(crate) key: PointKey,
    pub(crate) workload: String,
    pub(crate) model: String,
    pub(crate) n: u64,
    pub(crate) median: f64,
    pub(crate) ci_low: f64,
    pub(crate) ci_high: f64,
    pub(crate) speedup: Option<f64>,
}

/// What a history backend does: record a run atomically (all its points or nothing, a repeated
/// run recognised by its content hash) and read the rows back. Everything derived (trend series,
/// change-points, the cross-machine view) is computed from those rows by [`History`], the same
/// for every backend.
pub(crate) trait Store {
    /// Records one run in one transaction.
    fn add(&mut self, run: &NewRun) -> Result<Added, HistoryError>;
    /// Every run, in any order.
    fn run_rows(&mut self) -> Result<Vec<RunRow>, HistoryError>;
    /// Every `ok` point with a median that passes `filter`, in any order.
    fn point_rows(&mut self, filter: &SeriesFilter) -> Result<Vec<PointRow>, HistoryError>;
}
