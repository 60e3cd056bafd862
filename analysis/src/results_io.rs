//! Reading, validating and serializing a results file: [`ResultsFile`] adds `load`, `from_json`,
//! `validate` and `to_json` to [`RunResults`] (the schema crate has the types only). Every
//! command that reads results goes through [`ResultsFile::load`], so they all refuse the same
//! files the same way.

use parbench_schema::duration::Nanos;
use parbench_schema::results::{Point, READABLE_VERSIONS, RunResults, SCHEMA_VERSION, Status};
use std::path::{Path, PathBuf};

/// A results file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read (missing, not a regular file, too large, unreadable).
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file's path.
        path: PathBuf,
        /// Why reading it failed.
        source: std::io::Error,
    },
    /// The file is not JSON of the results schema.
    #[error("{path} is not a parbench results file (line {line}, column {column}): {message}")]
    Parse {
        /// The file's path.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the JSON parser expected, in words.
        message: String,
    },
    /// The file has a schema version this parbench does not read.
    #[error(
        "{path} has results schema version {found}, this parbench reads versions 1 to {expected}; re-run it or render it with the parbench that wrote it"
    )]
    Version {
        /// The file's path.
        path: PathBuf,
        /// The `schema_version` the file declares.
        found: u64,
        /// The newest version this parbench reads ([`SCHEMA_VERSION`]).
        expected: u32,
    },
    /// A value no run can produce (a negative time, an ok point without samples): the file was
    /// edited or corrupted. Every command that reads results refuses it the same way.
    #[error("{path}: {point}: {message}")]
    Invalid {
        /// The file's path.
        path: PathBuf,
        /// `points[3] (pi/S/rayon/w2)`, or the run-level field.
        point: String,
        /// What is wrong with the value.
        message: String,
    },
}

/// Why a point of a results file cannot have been measured: the point's index and key, and
/// what is wrong. See [`RunResults::validate`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{point}: {message}")]
pub struct InvalidPoint {
    /// `points[3] (pi/S/rayon/w2)`.
    pub point: String,
    /// What is wrong with the value.
    pub message: String,
}

/// A time no measurement can produce: not a finite number above zero.
fn bad_time(name: &str, t: Nanos) -> Option<String> {
    (!(t.0.is_finite() && t.0 > 0.0)).then(|| {
        format!(
            "`{name}` is {}, but a measured time is a finite number of nanoseconds above zero",
            t.0
        )
    })
}

/// A spread or a phase's time: finite and not negative.
fn bad_nonnegative(name: &str, v: f64) -> Option<String> {
    (!(v.is_finite() && v >= 0.0))
        .then(|| format!("`{name}` is {v}, but it must be a finite number, not negative"))
}

/// What makes a point impossible, if anything (see [`ResultsFile::validate`]).
fn problem(p: &Point) -> Option<String> {
    if p.workers == 0 {
        return Some("`workers` is 0; a point runs on at least one worker".into());
    }
    let measured_status = matches!(p.status, Status::Ok);
    let Some(m) = &p.measurement else {
        return measured_status.then(|| {
            format!(
                "status `{}` without a `measurement`; a verified point has samples",
                p.status
            )
        });
    };
    if m.samples_ns.is_empty() {
        return Some(format!(
            "status `{}` with 0 samples in `measurement.samples_ns`; a measured point has at least one",
            p.status
        ));
    }
    if m.iters_per_sample == 0 {
        return Some(
            "`measurement.iters_per_sample` is 0; a sample times at least one iteration".into(),
        );
    }
    if let Some((i, t)) = m
        .samples_ns
        .iter()
        .enumerate()
        .find(|(_, t)| bad_time("", **t).is_some())
    {
        return bad_time(&format!("measurement.samples_ns[{i}]"), *t);
    }
    let st = &m.stats;
    for (name, t) in [
        ("median", st.median),
        ("mean", st.mean),
        ("min", st.min),
        ("max", st.max),
        ("ci_low", st.ci_low),
        ("ci_high", st.ci_high),
    ] {
        if let Some(e) = bad_time(&format!("measurement.stats.{name}"), t) {
            return Some(e);
        }
    }
    for (name, v) in [("stddev", st.stddev.0), ("mad", st.mad.0), ("cv", st.cv)] {
        if let Some(e) = bad_nonnegative(&format!("measurement.stats.{name}"), v) {
            return Some(e);
        }
    }
    for (name, v) in [
        ("warmup_ns", m.warmup_ns.0),
        ("first_iteration_ns", m.first_iteration_ns.0),
        ("timer_resolution_ns", m.timer_resolution_ns.0),
    ] {
        if let Some(e) = bad_nonnegative(&format!("measurement.{name}"), v) {
            return Some(e);
        }
    }
    for phase in &p.phases {
        for (what, v) in [("median", phase.median.0), ("mean", phase.mean.0)]
            .into_iter()
            .chain(phase.samples_ns.iter().map(|t| ("samples_ns", t.0)))
        {
            if let Some(e) = bad_nonnegative(&format!("phases.{}.{what}", phase.name), v) {
                return Some(e);
            }
        }
    }
    if let Some(t) = &p.throughput
        && let Some(e) = bad_nonnegative("throughput.value", t.value)
    {
        return Some(e);
    }
    None
}

/// Reading, validating and serializing [`RunResults`] as JSON.
pub trait ResultsFile: Sized {
    /// Reads and validates the results file at `path`.
    fn load(path: &Path) -> Result<Self, LoadError>;
    /// Parses results text; `path` is only used in errors.
    fn from_json(text: &str, path: &Path) -> Result<Self, LoadError>;
    /// Checks for values no run can produce (see [`RunResults`]'s points).
    fn validate(&self) -> Result<(), InvalidPoint>;
    /// Pretty-printed JSON, as written to `results.json`.
    fn to_json(&self) -> String;
}

impl ResultsFile for RunResults {
    fn load(path: &Path) -> Result<RunResults, LoadError> {
        let text = crate::input_file::read_text(path, crate::input_file::MAX_RESULTS_BYTES)
            .map_err(|source| LoadError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Self::from_json(&text, path)
    }

    /// Parses results text; `path` is only used in errors.
    fn from_json(text: &str, path: &Path) -> Result<RunResults, LoadError> {
        let parse_err = |e: serde_json::Error| LoadError::Parse {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: if e.is_eof() {
                format!("the file ends early (truncated?): {e}")
            } else {
                e.to_string()
            },
        };
        // The version first, from a pass that skips everything else without building it (a
        // `serde_json::Value` of the whole file takes about 16x its size), then the file
        // straight into its types.
        #[derive(serde::Deserialize)]
        struct Head {
            /// `None` when absent; `Some(Null)` for `null`.
            #[serde(default, deserialize_with = "present")]
            schema_version: Option<serde_json::Value>,
        }
        fn present<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> Result<Option<serde_json::Value>, D::Error> {
            <serde_json::Value as serde::Deserialize>::deserialize(d).map(Some)
        }
        let head: Head = serde_json::from_str(text).map_err(parse_err)?;
        match head.schema_version.as_ref().and_then(|v| v.as_u64()) {
            Some(v) if READABLE_VERSIONS.contains(&(v as u32)) && v <= u32::MAX as u64 => {}
            Some(found) => {
                return Err(LoadError::Version {
                    path: path.to_path_buf(),
                    found,
                    expected: SCHEMA_VERSION,
                });
            }
            None => {
                let message = match &head.schema_version {
                    None => "no `schema_version` field".to_string(),
                    Some(other) => {
                        format!(
                            "`schema_version` is {other}, expected a number (this parbench reads versions 1 to {SCHEMA_VERSION})"
                        )
                    }
                };
                return Err(LoadError::Parse {
                    path: path.to_path_buf(),
                    line: 1,
                    column: 1,
                    message,
                });
            }
        }
        let results: RunResults = serde_json::from_str(text).map_err(parse_err)?;
        results.validate().map_err(|e| LoadError::Invalid {
            path: path.to_path_buf(),
            point: e.point,
            message: e.message,
        })?;
        Ok(results)
    }

    /// Checks for values no run can produce: a time that is not a finite number above zero, an
    /// ok point without samples, zero workers. Every
    /// command that reads a results file calls this (through [`RunResults::load`]), so they
    /// all refuse the same files; the error names the first such point.
    fn validate(&self) -> Result<(), InvalidPoint> {
        for (i, p) in self.points.iter().enumerate() {
            if let Some(message) = problem(p) {
                return Err(InvalidPoint {
                    point: format!("points[{i}] ({})", p.key()),
                    message,
                });
            }
        }
        Ok(())
    }

    fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("results serialize")
    }
}

#[cfg(test)]
mod tests {
    use parbench_schema::results::{ExecutionModel, SyncKind};

    #[test]
    fn names_shown_are_the_names_stored() {
        use SyncKind::*;
        for k in [
            None, Mutex, RwLock, SpinLock, Atomic, Sharded, Channel, Unsync, Message, Barrier,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.to_string());
        }
        use ExecutionModel::*;
        for m in [Serial, Threads, Rayon, Processes, Opencl, Command, External] {
            assert_eq!(serde_json::to_value(m).unwrap(), m.to_string());
        }
    }
}
