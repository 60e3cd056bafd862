//! The fleet backend: a PostgreSQL server that many machines record into at once. The same
//! tables as the SQLite layout, in the connection's current schema (`search_path`), with the
//! layout version in a one-row `parbench_schema` table. Creating and migrating the layout holds
//! a transaction-scoped advisory lock, so writers starting together do it once; each run is
//! recorded in one transaction (a connection lost half way records nothing), and a repeated
//! run is recognised by its content hash even when two machines send it at the same moment
//! (`ON CONFLICT DO NOTHING` on the unique hash).

use crate::location::redact_url;
use crate::store::{
    Added, HISTORY_SCHEMA_VERSION, HistoryError, NewRun, PointRow, RunRow, SeriesFilter, Store,
};
use parbench_schema::results::PointKey;
use postgres::{Client, Config, NoTls};
use std::str::FromStr;
use std::time::Duration;

/// Key of the advisory lock held while the layout is created or migrated ("parbench" in ASCII).
const LAYOUT_LOCK: i64 = 0x7061_7262_656e_6368;

/// How long connecting may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Layout version 1, as on SQLite: the runs and their points.
const SCHEMA_V1: &str = "
CREATE TABLE parbench_schema (
    version BIGINT NOT NULL
);
CREATE TABLE runs (
    id               BIGSERIAL PRIMARY KEY,
    results_sha256   TEXT NOT NULL UNIQUE,
    machine_id       TEXT NOT NULL,
    hostname         TEXT NOT NULL,
    cpu_model        TEXT NOT NULL,
    logical_cores    BIGINT NOT NULL,
    branch           TEXT NOT NULL,
    git_commit       TEXT,
    started_at       TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    run_id           TEXT NOT NULL,
    parbench_version TEXT NOT NULL,
    config_path      TEXT NOT NULL,
    config_sha256    TEXT NOT NULL,
    quick            BOOLEAN NOT NULL,
    complete         BOOLEAN NOT NULL,
    machine_json     TEXT NOT NULL
);
CREATE INDEX runs_by_series ON runs (machine_id, branch, started_at);
CREATE TABLE points (
    run             BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    suite           TEXT NOT NULL,
    size            TEXT NOT NULL,
    variant         TEXT NOT NULL,
    workers         BIGINT NOT NULL,
    params          TEXT NOT NULL,
    workload        TEXT NOT NULL,
    model           TEXT NOT NULL,
    n               BIGINT NOT NULL,
    status          TEXT NOT NULL,
    reason          TEXT,
    median_ns       DOUBLE PRECISION,
    ci_low_ns       DOUBLE PRECISION,
    ci_high_ns      DOUBLE PRECISION,
    sample_count    BIGINT,
    samples_ns      TEXT,
    throughput      DOUBLE PRECISION,
    throughput_unit TEXT,
    PRIMARY KEY (run, suite, size, variant, workers, params)
);
INSERT INTO parbench_schema (version) VALUES (1);
";

/// Version 1 to 2: each point's speedup over its run's baseline.
const MIGRATE_V1_TO_V2: &str = "
ALTER TABLE points ADD COLUMN speedup DOUBLE PRECISION;
UPDATE parbench_schema SET version = 2;
";

/// An open PostgreSQL history.
pub(crate) struct PgStore {
    client: Client,
    /// The URL without its password, for messages.
    shown: String,
    /// The layout read (1 when a read-only open found an unmigrated database).
    version: i64,
}

impl PgStore {
    /// Connects to `url`; with `create`, creates or migrates the layout, else only checks it.
    pub(crate) fn open(url: &str, create: bool) -> Result<PgStore, HistoryError> {
        let shown = redact_url(url);
        let mut config = Config::from_str(url).map_err(|e| HistoryError::BadLocation {
            db: shown.clone(),
            // The parser's message names the part it could not read, never the password's
            // value; it is scrubbed anyway in case a future version quotes it.
            message: format!(
                "not a usable PostgreSQL URL (expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE): {}",
                scrub(&e.to_string(), url)
            ),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("parbench");
        }
        let client = config
            .connect(NoTls)
            .map_err(|source| HistoryError::Postgres {
                db: shown.clone(),
                source,
            })?;
        let mut store = PgStore {
            client,
            shown,
            version: HISTORY_SCHEMA_VERSION,
        };
        store.prepare(create)?;
        Ok(store)
    }

    fn err(&self) -> impl Fn(postgres::Error) -> HistoryError + '_ {
        |source| HistoryError::Postgres {
            db: self.shown.clone(),
            source,
        }
    }

    /// Checks that the current schema is a parbench history (or empty, when creating), creates
    /// or migrates its layout under the advisory lock, and refuses any other version.
    fn prepare(&mut self, create: bool) -> Result<(), HistoryError> {
        let shown = self.shown.clone();
        let err = |source| HistoryError::Postgres {
            db: shown.clone(),
            source,
        };
        let mut tx = self.client.transaction().map_err(err)?;
        if create {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LAYOUT_LOCK])
                .map_err(err)?;
        }
        let tables: Vec<String> = tx
            .query(
                "SELECT table_name::TEXT FROM information_schema.tables
                 WHERE table_schema = current_schema() ORDER BY table_name",
                &[],
            )
            .map_err(err)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let version: Option<i64> = if tables.iter().any(|t| t == "parbench_schema") {
            let rows = tx
                .query("SELECT version FROM parbench_schema", &[])
                .map_err(err)?;
            match rows.as_slice() {
                [one] => Some(one.get(0)),
                _ => {
                    return Err(HistoryError::Foreign {
                        db: shown.clone(),
                        kind: "PostgreSQL",
                        tables: format!("a parbench_schema table with {} rows", rows.len()),
                    });
                }
            }
        } else {
            None
        };
        let foreign = |tables: &[String]| {
            let mut shown_tables: Vec<String> = tables
                .iter()
                .take(5)
                .map(|t| format!("table `{t}`"))
                .collect();
            if tables.len() > 5 {
                shown_tables.push(format!("{} more", tables.len() - 5));
            }
            HistoryError::Foreign {
                db: shown.clone(),
                kind: "PostgreSQL",
                tables: shown_tables.join(", "),
            }
        };
        match version {
            None if !tables.is_empty() => return Err(foreign(&tables)),
            None if !create => return Err(HistoryError::Missing { db: shown.clone() }),
            None => {
                tx.batch_execute(SCHEMA_V1).map_err(err)?;
                tx.batch_execute(MIGRATE_V1_TO_V2).map_err(err)?;
            }
            Some(1) if create => tx.batch_execute(MIGRATE_V1_TO_V2).map_err(err)?,
            Some(v) if (1..=HISTORY_SCHEMA_VERSION).contains(&v) => {
                self.version = v;
            }
            Some(found) => {
                return Err(HistoryError::Version {
                    db: shown.clone(),
                    found,
                });
            }
        }
        tx.commit().map_err(err)?;
        if create {
            self.version = HISTORY_SCHEMA_VERSION;
        }
        Ok(())
    }
}

/// `message` with the URL's password (if it has one) replaced.
fn scrub(message: &str, url: &str) -> String {
    let password = Config::from_str(url)
        .ok()
        .and_then(|c| {
            c.get_password()
                .map(|p| String::from_utf8_lossy(p).into_owned())
        })
        .filter(|p| !p.is_empty());
    match password {
        Some(p) => message.replace(&p, "***"),
        None => message.to_string(),
    }
}

impl Store for PgStore {
    fn add(&mut self, run: &NewRun) -> Result<Added, HistoryError> {
        let shown = self.shown.clone();
        let err = |source| HistoryError::Postgres {
            db: shown.clone(),
            source,
        };
        let mut tx = self.client.transaction().map_err(err)?;
        // Another machine may be recording the very same results right now: the unique hash
        // makes this insert wait for it and then do nothing.
        let inserted = tx
            .query_opt(
                "INSERT INTO runs (results_sha256, machine_id, hostname, cpu_model, logical_cores,
                    branch, git_commit, started_at, recorded_at, run_id, parbench_version,
                    config_path, config_sha256, quick, complete, machine_json)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                 ON CONFLICT (results_sha256) DO NOTHING
                 RETURNING id",
                &[
                    &run.results_sha256,
                    &run.machine_id,
                    &run.hostname,
                    &run.cpu_model,
                    &run.logical_cores,
                    &run.branch,
                    &run.git_commit,
                    &run.started_at,
                    &run.recorded_at,
                    &run.run_id,
                    &run.parbench_version,
                    &run.config_path,
                    &run.config_sha256,
                    &run.quick,
                    &run.complete,
                    &run.machine_json,
                ],
            )
            .map_err(err)?;
        let Some(row) = inserted else {
            let existing = tx
                .query_one(
                    "SELECT id FROM runs WHERE results_sha256 = $1",
                    &[&run.results_sha256],
                )
                .map_err(err)?;
            tx.rollback().map_err(err)?;
            return Ok(Added::Duplicate {
                run: existing.get(0),
            });
        };
        let id: i64 = row.get(0);
        let stmt = tx
            .prepare(
                "INSERT INTO points (run, suite, size, variant, workers, params, workload, model, n,
                    status, reason, median_ns, ci_low_ns, ci_high_ns, sample_count, samples_ns,
                    throughput, throughput_unit, speedup)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                    $17, $18, $19)
                 ON CONFLICT DO NOTHING",
            )
            .map_err(err)?;
        let mut points = 0;
        for p in &run.points {
            points += tx
                .execute(
                    &stmt,
                    &[
                        &id,
                        &p.suite,
                        &p.size,
                        &p.variant,
                        &p.workers,
                        &p.params,
                        &p.workload,
                        &p.model,
                        &p.n,
                        &p.status,
                        &p.reason,
                        &p.median_ns,
                        &p.ci_low_ns,
                        &p.ci_high_ns,
                        &p.sample_count,
                        &p.samples_ns,
                        &p.throughput,
                        &p.throughput_unit,
                        &p.speedup,
                    ],
                )
                .map_err(err)? as usize;
        }
        tx.commit().map_err(err)?;
        Ok(Added::New { run: id, points })
    }

    fn run_rows(&mut self) -> Result<Vec<RunRow>, HistoryError> {
        let rows = self
            .client
            .query(
                "SELECT r.id, r.machine_id, r.hostname, r.cpu_model, r.logical_cores, r.branch,
                        r.git_commit, r.started_at, r.recorded_at, r.run_id,
                        (SELECT COUNT(*) FROM points p WHERE p.run = r.id), r.machine_json
                 FROM runs r",
                &[],
            )
            .map_err(self.err())?;
        Ok(rows
            .iter()
            .map(|r| RunRow {
                id: r.get(0),
                machine_id: r.get(1),
                hostname: r.get(2),
                cpu_model: r.get(3),
                logical_cores: r.get(4),
                branch: r.get(5),
                git_commit: r.get(6),
                started_at: r.get(7),
                recorded_at: r.get(8),
                run_id: r.get(9),
                points: r.get(10),
                machine_json: r.get(11),
            })
            .collect())
    }

    fn point_rows(&mut self, filter: &SeriesFilter) -> Result<Vec<PointRow>, HistoryError> {
        // A version-1 database opened read-only has no speedup column yet.
        let speedup = if self.version >= 2 {
            "p.speedup"
        } else {
            "NULL::DOUBLE PRECISION"
        };
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT r.id, r.machine_id, r.hostname, r.cpu_model, r.branch, r.git_commit,
                            r.started_at, r.run_id, p.suite, p.size, p.variant, p.workers,
                            p.params, p.workload, p.model, p.n, p.median_ns, p.ci_low_ns,
                            p.ci_high_ns, {speedup}
                     FROM points p JOIN runs r ON r.id = p.run
                     WHERE p.status = 'ok' AND p.median_ns IS NOT NULL
                       AND ($1::TEXT IS NULL OR r.machine_id = $1::TEXT)
                       AND ($2::TEXT IS NULL OR r.branch = $2::TEXT)
                       AND ($3::TEXT IS NULL OR p.suite = $3::TEXT)"
                ),
                &[&filter.machine, &filter.branch, &filter.suite],
            )
            .map_err(self.err())?;
        Ok(rows
            .iter()
            .map(|r| PointRow {
                run: r.get(0),
                machine_id: r.get(1),
                hostname: r.get(2),
                cpu_model: r.get(3),
                branch: r.get(4),
                commit: r.get(5),
                started_at: r.get(6),
                run_id: r.get(7),
                key: PointKey {
                    suite: r.get(8),
                    size: r.get(9),
                    variant: r.get::<_, String>(10).into(),
                    workers: r.get::<_, i64>(11) as u32,
                    params: r.get(12),
                },
                workload: r.get(13),
                model: r.get(14),
                n: r.get::<_, i64>(15) as u64,
                median: r.get(16),
                ci_low: r.get::<_, Option<f64>>(17).unwrap_or(f64::NAN),
                ci_high: r.get::<_, Option<f64>>(18).unwrap_or(f64::NAN),
                speedup: r.get(19),
            })
            .collect())
    }
}
