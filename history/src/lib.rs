//! Run history: results keyed by machine, branch, commit and time, stored either in an embedded
//! SQLite file (feature `sqlite`, the default) or on a PostgreSQL server that a fleet of machines
//! shares (feature `postgres`), and the trend series and cross-machine comparisons read back
//! from it.
//!
//! This crate owns the history's data model ([`HistorySite`] and the rows it is built from), the
//! `Store` trait a backend implements (crate-private, with the rows it writes and reads), the
//! choice of backend from a `--db` value ([`Location`]) and the versioned layout both backends
//! share ([`HISTORY_SCHEMA_VERSION`]).
//! Without features it holds only the data model, so the report renderer can depend on it without
//! compiling a database client. It reads the results' types (`parbench-schema`) and uses
//! `parbench-analysis` for statistics and change points; it does not depend on the measuring
//! crate.

#![warn(missing_docs)]

use parbench_analysis::changepoint::{self, ChangePoint};
use parbench_analysis::stats;
use parbench_schema::duration::Nanos;
use parbench_schema::machine::Machine;
use parbench_schema::results::{PointKey, RunResults};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod location;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;

pub use location::{Location, redact_url};
pub use store::{Added, BUSY_TIMEOUT, HISTORY_SCHEMA_VERSION, HistoryError, RunMeta, SeriesFilter};
pub(crate) use store::{NewRun, PointRow, Store};

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRun {
    /// Row id of the run in the database.
    pub id: i64,
    /// Fingerprint id of the machine it ran on.
    pub machine_id: String,
    /// Host name of that machine.
    pub hostname: String,
    /// Branch it was recorded under: `history add --branch`, else `$PARBENCH_BRANCH`, the CI's
    /// branch variables or the checked-out git branch.
    pub branch: String,
    /// The run's commit (as given to `history add`, else the results' fingerprint's); `None`
    /// when unknown.
    pub commit: Option<String>,
    /// Start of the run, RFC 3339 UTC.
    pub started_at: String,
    /// When it was added to the history, RFC 3339 UTC.
    pub recorded_at: String,
    /// The results file's run id (its start time).
    pub run_id: String,
    /// Points the run recorded.
    pub points: usize,
}

/// A machine seen in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineInfo {
    /// Fingerprint id.
    pub id: String,
    /// Host name of its latest run.
    pub hostname: String,
    /// CPU model of its latest run.
    pub cpu_model: String,
    /// Logical cores of its latest run.
    pub logical_cores: u32,
    /// Runs recorded on it.
    pub runs: usize,
    /// Start of its first run, RFC 3339 UTC.
    pub first: String,
    /// Start of its latest run, RFC 3339 UTC.
    pub last: String,
    /// The fingerprint of its latest run, with the calibration where the run had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<Machine>,
}

/// One commit of a trend series (several runs of one commit are pooled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// The commit; `None` for runs without one (each such run is its own trend point).
    pub commit: Option<String>,
    /// Short commit, or the run id when no commit is known.
    pub label: String,
    /// Start of the commit's first run.
    pub started_at: String,
    /// Runs pooled into this point.
    pub runs: usize,
    /// The problem size measured (a change here explains a step).
    pub n: u64,
    /// Median of the runs' medians.
    pub median: Nanos,
    /// Lower end of the 95% interval: the run's own; with several runs, the lowest low.
    pub ci_low: Nanos,
    /// Upper end of the interval (the highest high over the runs).
    pub ci_high: Nanos,
}

/// The history of one point on one machine and branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendSeries {
    /// Fingerprint id of the machine.
    pub machine_id: String,
    /// Host name of the machine.
    pub hostname: String,
    /// Its CPU model.
    pub cpu_model: String,
    /// The branch the series follows.
    pub branch: String,
    /// The point followed (suite, size, variant, workers, parameters).
    pub key: PointKey,
    /// The workload the point runs.
    pub workload: String,
    /// Execution model of the variant (`serial`, `threads`, …).
    pub model: String,
    /// One per commit, oldest first.
    pub points: Vec<TrendPoint>,
    /// Steps in the series' medians, as indices into `points`.
    pub change_points: Vec<ChangePoint>,
}

/// One machine's latest figure of a point, for the cross-machine view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineFigure {
    /// Fingerprint id of the machine.
    pub machine_id: String,
    /// Its host name.
    pub hostname: String,
    /// Branch of the run the figure comes from.
    pub branch: String,
    /// Short commit, or the run id when no commit is known.
    pub label: String,
    /// Start of that run, RFC 3339 UTC.
    pub started_at: String,
    /// Problem size measured.
    pub n: u64,
    /// Median time per iteration.
    pub median: Nanos,
    /// Lower end of the run's 95% interval of the median.
    pub ci_low: Nanos,
    /// Upper end of that interval.
    pub ci_high: Nanos,
    /// The run's own speedup of this point over its baseline (`None` for the baseline itself,
    /// for points recorded before layout version 2, and where the run had no baseline).
    pub speedup: Option<f64>,
}

/// The same suite and point on each machine that measured it: the latest verified run of each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossPoint {
    /// The point (suite, size, variant, workers, parameters).
    pub key: PointKey,
    /// The workload it runs.
    pub workload: String,
    /// Execution model of the variant.
    pub model: String,
    /// One per machine, in the order of [`HistorySite::machines`].
    pub machines: Vec<MachineFigure>,
}

/// Everything a history report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistorySite {
    /// The database, a PostgreSQL URL without its password.
    pub database: String,
    /// When the report was generated, RFC 3339 UTC.
    pub generated_at: String,
    /// Runs in the database.
    pub runs: usize,
    /// Every machine seen, most recently used last.
    pub machines: Vec<MachineInfo>,
    /// One trend series per machine, branch and point.
    pub series: Vec<TrendSeries>,
    /// Points measured on more than one machine, side by side.
    #[serde(default)]
    pub cross: Vec<CrossPoint>,
    /// How change-points were found, in words.
    pub method: String,
}

/// An open history database of either backend.
pub struct History {
    store: Box<dyn Store>,
    location: Location,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("location", &self.location.to_string())
            .finish_non_exhaustive()
    }
}

impl History {
    /// Opens the database at `location` for recording, creating it (and its tables) if needed
    /// and migrating an older layout.
    pub fn open(location: &Location) -> Result<History, HistoryError> {
        Ok(History {
            store: connect(location, true)?,
            location: location.clone(),
        })
    }

    /// Opens an existing database for reading (trend reports, listings); a missing database is
    /// an error, not a new one, and nothing is written.
    pub fn open_existing(location: &Location) -> Result<History, HistoryError> {
        Ok(History {
            store: connect(location, false)?,
            location: location.clone(),
        })
    }

    /// Where the database is, as shown to users (a URL without its password).
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Records a run and all its points in one transaction. Recording identical results twice
    /// is detected (by their SHA-256) and changes nothing.
    pub fn add(&mut self, results: &RunResults, meta: &RunMeta) -> Result<Added, HistoryError> {
        self.store.add(&NewRun::of(results, meta))
    }

    /// Every recorded run, oldest first.
    pub fn runs(&mut self) -> Result<Vec<RecordedRun>, HistoryError> {
        let mut rows = self.store.run_rows()?;
        rows.sort_by(|a, b| (&a.started_at, a.id).cmp(&(&b.started_at, b.id)));
        Ok(rows
            .into_iter()
            .map(|r| RecordedRun {
                id: r.id,
                machine_id: r.machine_id,
                hostname: r.hostname,
                branch: r.branch,
                commit: r.git_commit,
                started_at: r.started_at,
                recorded_at: r.recorded_at,
                run_id: r.run_id,
                points: r.points as usize,
            })
            .collect())
    }

    /// Every machine with its run count and latest fingerprint, most recently used last.
    pub fn machines(&mut self) -> Result<Vec<MachineInfo>, HistoryError> {
        let mut rows = self.store.run_rows()?;
        rows.sort_by(|a, b| (&a.started_at, a.id).cmp(&(&b.started_at, b.id)));
        let mut out: Vec<MachineInfo> = Vec::new();
        for r in rows {
            let fingerprint = serde_json::from_str::<Machine>(&r.machine_json).ok();
            match out.iter_mut().find(|m| m.id == r.machine_id) {
                Some(m) => {
                    m.runs += 1;
                    m.last = r.started_at;
                    m.hostname = r.hostname;
                    m.cpu_model = r.cpu_model;
                    m.logical_cores = r.logical_cores as u32;
                    m.fingerprint = fingerprint.or(m.fingerprint.take());
                }
                None => out.push(MachineInfo {
                    id: r.machine_id,
                    hostname: r.hostname,
                    cpu_model: r.cpu_model,
                    logical_cores: r.logical_cores as u32,
                    runs: 1,
                    first: r.started_at.clone(),
                    last: r.started_at,
                    fingerprint,
                }),
            }
        }
        out.sort_by(|a, b| (&a.last, &a.id).cmp(&(&b.last, &b.id)));
        Ok(out)
    }

    /// Verified point rows passing `filter`, sorted by machine, branch, point and time (in
    /// Rust, so both backends order text the same way whatever the server's collation).
    fn sorted_points(&mut self, filter: &SeriesFilter) -> Result<Vec<PointRow>, HistoryError> {
        let mut rows = self.store.point_rows(filter)?;
        rows.sort_by(|a, b| {
            (&a.machine_id, &a.branch, &a.key, &a.started_at, a.run).cmp(&(
                &b.machine_id,
                &b.branch,
                &b.key,
                &b.started_at,
                b.run,
            ))
        });
        Ok(rows)
    }

    /// Trend series of every `ok` point, one per (machine, branch, point key), commits in the
    /// order of their first run, with change-points.
    pub fn series(&mut self, filter: &SeriesFilter) -> Result<Vec<TrendSeries>, HistoryError> {
        Ok(trend_series(self.sorted_points(filter)?))
    }

    /// The points measured on more than one machine, each machine's latest verified run side
    /// by side.
    pub fn cross_machine(
        &mut self,
        filter: &SeriesFilter,
        machines: &[MachineInfo],
    ) -> Result<Vec<CrossPoint>, HistoryError> {
        Ok(cross_machine(self.sorted_points(filter)?, machines))
    }

    /// The data of a history report.
    pub fn site(
        &mut self,
        filter: &SeriesFilter,
        generated_at: &str,
    ) -> Result<HistorySite, HistoryError> {
        let machines = self.machines()?;
        let cross = self.cross_machine(filter, &machines)?;
        Ok(HistorySite {
            database: self.location.to_string(),
            generated_at: generated_at.to_string(),
            runs: self.runs()?.len(),
            machines,
            series: self.series(filter)?,
            cross,
            method: changepoint::Settings::default().describe(),
        })
    }
}

/// The backend of `location`: opened for writing (`create`) or for reading only.
fn connect(location: &Location, create: bool) -> Result<Box<dyn Store>, HistoryError> {
    let _ = create; // unused in a build without backends
    match location {
        #[cfg(feature = "sqlite")]
        Location::Sqlite(path) if create => Ok(Box::new(sqlite::SqliteStore::open(path)?)),
        #[cfg(feature = "sqlite")]
        Location::Sqlite(path) => Ok(Box::new(sqlite::SqliteStore::open_existing(path)?)),
        #[cfg(feature = "postgres")]
        Location::Postgres(url) => Ok(Box::new(postgres::PgStore::open(url, create)?)),
        #[allow(unreachable_patterns)]
        other => Err(other.unsupported()),
    }
}

/// Groups sorted rows into series and pools the runs of each commit.
fn trend_series(rows: Vec<PointRow>) -> Vec<TrendSeries> {
    let mut out: Vec<TrendSeries> = Vec::new();
    let mut group: Vec<PointRow> = Vec::new();
    let flush = |group: &mut Vec<PointRow>, out: &mut Vec<TrendSeries>| {
        let Some(last) = group.last() else {
            return;
        };
        // Pool the runs of one commit; commits in the order of their first run.
        let mut commits: Vec<(Option<String>, String, Vec<&PointRow>)> = Vec::new();
        for row in group.iter() {
            let found = row
                .commit
                .as_ref()
                .and_then(|c| commits.iter().position(|(k, _, _)| k.as_ref() == Some(c)));
            match found {
                Some(i) => commits[i].2.push(row),
                None => {
                    commits.push((row.commit.clone(), label(row), vec![row]));
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
        let same = group.last().is_some_and(|g: &PointRow| {
            g.machine_id == row.machine_id && g.branch == row.branch && g.key == row.key
        });
        if !same {
            flush(&mut group, &mut out);
        }
        group.push(row);
    }
    flush(&mut group, &mut out);
    out
}

/// Short commit, or the run id when no commit is known.
fn label(row: &PointRow) -> String {
    match &row.commit {
        Some(c) => c.chars().take(10).collect(),
        None => row.run_id.clone(),
    }
}

/// Each machine's latest row of each point key; the keys seen on two machines or more.
fn cross_machine(rows: Vec<PointRow>, machines: &[MachineInfo]) -> Vec<CrossPoint> {
    let order: BTreeMap<&str, usize> = machines
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    // key -> machine -> latest row (rows are sorted by time within machine and key).
    let mut latest: BTreeMap<PointKey, BTreeMap<String, PointRow>> = BTreeMap::new();
    for row in rows {
        let per_machine = latest.entry(row.key.clone()).or_default();
        match per_machine.get(&row.machine_id) {
            Some(old) if (&old.started_at, old.run) > (&row.started_at, row.run) => {}
            _ => {
                per_machine.insert(row.machine_id.clone(), row);
            }
        }
    }
    latest
        .into_iter()
        .filter(|(_, m)| m.len() > 1)
        .map(|(key, per_machine)| {
            let mut figures: Vec<(usize, PointRow)> = per_machine
                .into_values()
                .map(|r| (order.get(r.machine_id.as_str()).copied().unwrap_or(0), r))
                .collect();
            figures.sort_by(|a, b| (a.0, &a.1.machine_id).cmp(&(b.0, &b.1.machine_id)));
            let first = &figures[0].1;
            CrossPoint {
                key,
                workload: first.workload.clone(),
                model: first.model.clone(),
                machines: figures
                    .into_iter()
                    .map(|(_, r)| MachineFigure {
                        label: label(&r),
                        machine_id: r.machine_id,
                        hostname: r.hostname,
                        branch: r.branch,
                        started_at: r.started_at,
                        n: r.n,
                        median: Nanos(r.median),
                        ci_low: Nanos(r.ci_low),
                        ci_high: Nanos(r.ci_high),
                        speedup: r.speedup,
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(all(test, feature = "sqlite"))]
mod tests;
