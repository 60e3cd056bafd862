//! Parameters shared by the shared-state workloads `counter` and `histogram`: how often a worker
//! touches the shared state (once per update, or once per batch of updates accumulated
//! privately) and how many updates a batch holds.

use crate::workload::{ParamKind, ParamSpec, Problem, WorkloadError};
use parbench_schema::params::ParamValue;

/// Parameter: `update` (touch the shared state on every update) or `batch`.
pub const GRANULARITY: &str = "granularity";
/// Parameter: updates per batch when the granularity is `batch` (at least 1).
pub const BATCH_SIZE: &str = "batch-size";

/// Default updates per batch: a lock taken once per 1024 updates costs well under 1% of them.
pub const DEFAULT_BATCH: i64 = 1024;

/// How often a worker of a shared-state variant (`mutex`, `parking_lot`, `rwlock`, `atomic`,
/// `sharded`, `channel`, `unsync`) touches the shared state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// Every update takes the lock, does its atomic operation or sends its message.
    Update,
    /// Updates are gathered privately and applied (or sent) `n` at a time.
    Batch(usize),
}

impl Granularity {
    /// Updates applied per touch of the shared state.
    pub fn per_touch(self) -> usize {
        match self {
            Granularity::Update => 1,
            Granularity::Batch(n) => n,
        }
    }

    /// The granularity `problem`'s parameters ask for; an error names an unknown
    /// `granularity` value.
    pub fn from_problem(problem: &Problem) -> Result<Granularity, WorkloadError> {
        match problem.string(GRANULARITY)? {
            "update" => Ok(Granularity::Update),
            "batch" => Ok(Granularity::Batch(problem.int(BATCH_SIZE)?.max(1) as usize)),
            other => Err(WorkloadError::new(format!(
                "parameter `{GRANULARITY}` should be \"update\" or \"batch\", found \"{other}\""
            ))),
        }
    }
}

/// The names of [`params`].
pub const PARAMS: &[&str] = &[GRANULARITY, BATCH_SIZE];

/// The `granularity` and `batch-size` parameters.
pub fn params() -> Vec<ParamSpec> {
    vec![
        ParamSpec {
            name: GRANULARITY,
            description: "how often a worker of mutex, parking_lot, rwlock, atomic, sharded, channel and unsync touches the shared state: \"update\" (every update locks, does an atomic operation or sends a message) or \"batch\" (once per batch-size updates gathered privately)",
            kind: ParamKind::Choice(&["update", "batch"]),
            default: ParamValue::Str("update".into()),
        },
        ParamSpec {
            name: BATCH_SIZE,
            description: "updates per batch when granularity = \"batch\"",
            kind: ParamKind::Int {
                min: 1,
                max: 1 << 20,
            },
            default: ParamValue::Int(DEFAULT_BATCH),
        },
    ]
}

/// Problem with the defaults of [`params`] filled in, plus `extra` (for tests).
#[cfg(test)]
pub(crate) fn problem(n: u64, granularity: &str, extra: &[(&str, ParamValue)]) -> Problem {
    let mut p = Problem::new("t", n, 3)
        .with_param(GRANULARITY, ParamValue::Str(granularity.into()))
        .with_param(BATCH_SIZE, ParamValue::Int(7));
    for (k, v) in extra {
        p = p.with_param(k, v.clone());
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granularity_reads_both_parameters() {
        assert_eq!(
            Granularity::from_problem(&problem(1, "update", &[])).unwrap(),
            Granularity::Update
        );
        let g = Granularity::from_problem(&problem(1, "batch", &[])).unwrap();
        assert_eq!((g, g.per_touch()), (Granularity::Batch(7), 7));
        assert!(Granularity::from_problem(&problem(1, "never", &[])).is_err());
    }
}
