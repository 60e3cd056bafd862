//! The workload x variant matrix that `parbench list` prints: for every workload and every variant
//! name any registered workload offers, whether it runs on this machine and, for every empty cell,
//! why (not applicable to the workload, or not available here).

use crate::registry::Registry;
use crate::workload::{Availability, Workload};
use parbench_schema::variant::names;

/// The thread-based variants, in the matrix's column order. Variants of other execution models
/// (worker processes, OpenCL, user-defined ones) follow in the order the registry first lists
/// them.
pub const THREAD_VARIANTS: &[&str] = &[
    names::SERIAL,
    names::THREADS,
    names::RAYON,
    names::MUTEX,
    names::PARKING_LOT,
    names::RWLOCK,
    names::ATOMIC,
    names::SHARDED,
    names::CHANNEL,
    names::UNSYNC,
];

/// What one (workload, variant) cell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// The workload offers the variant and this machine can run it.
    Runs {
        /// The variant loses updates by design (measured, never ranked).
        expected_incorrect: bool,
    },
    /// Offered, but not on this machine.
    Unavailable {
        /// Why it cannot run here, and how to get it.
        reason: String,
    },
    /// Deliberately not offered by the workload.
    NotApplicable {
        /// The workload's reason (or which other workload alone offers the variant).
        reason: String,
    },
    /// Not offered, and the workload declares no reason.
    NotImplemented,
}

impl Cell {
    /// A stable machine-readable name: `runs`, `expected-incorrect`, `unavailable`,
    /// `not-applicable`, `not-implemented`.
    pub fn state(&self) -> &'static str {
        match self {
            Cell::Runs {
                expected_incorrect: false,
            } => "runs",
            Cell::Runs {
                expected_incorrect: true,
            } => "expected-incorrect",
            Cell::Unavailable { .. } => "unavailable",
            Cell::NotApplicable { .. } => "not-applicable",
            Cell::NotImplemented => "not-implemented",
        }
    }

    /// Why the cell is empty (None when the variant runs).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Cell::Runs { .. } => None,
            Cell::Unavailable { reason } | Cell::NotApplicable { reason } => Some(reason),
            Cell::NotImplemented => Some("not implemented by this workload"),
        }
    }
}

/// One workload's row.
#[derive(Debug, Clone)]
pub struct MatrixRow {
    /// The workload's registered name.
    pub workload: &'static str,
    /// One cell per column of the matrix, in column order.
    pub cells: Vec<Cell>,
}

/// Every registered workload against every variant name.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// Variant names, one per column: the offered [`THREAD_VARIANTS`] first, then every other
    /// variant in the order the registry first lists it.
    pub columns: Vec<&'static str>,
    /// One row per workload, in registry order.
    pub rows: Vec<MatrixRow>,
}

impl Matrix {
    /// The matrix of every workload in `registry` against every variant name any of them offers.
    pub fn of(registry: &Registry) -> Matrix {
        let offered: Vec<Vec<&'static str>> = registry
            .iter()
            .map(|w| w.variants().iter().map(|v| v.name).collect())
            .collect();
        let mut columns: Vec<&'static str> = THREAD_VARIANTS
            .iter()
            .copied()
            .filter(|c| offered.iter().flatten().any(|v| v == c))
            .collect();
        for v in offered.iter().flatten() {
            if !columns.contains(v) {
                columns.push(v);
            }
        }
        // Variants a workload offers only for itself explain the other workloads' empty cells.
        let only_here: Vec<(&str, &'static str, &'static str)> = registry
            .iter()
            .flat_map(|w| {
                let name = w.info().name;
                w.variants()
                    .into_iter()
                    .filter_map(move |v| Some((name, v.name, v.only_here?)))
            })
            .collect();
        let rows = registry
            .iter()
            .map(|w| MatrixRow {
                workload: w.info().name,
                cells: columns
                    .iter()
                    .map(|c| match cell(w.as_ref(), c) {
                        Cell::NotImplemented => only_here.iter().find(|(_, v, _)| v == c).map_or(
                            Cell::NotImplemented,
                            |(owner, _, why)| Cell::NotApplicable {
                                reason: format!("only `{owner}` offers it: {why}"),
                            },
                        ),
                        other => other,
                    })
                    .collect(),
            })
            .collect();
        Matrix { columns, rows }
    }
}

/// The cell of `variant` for `workload`.
pub fn cell(workload: &dyn Workload, variant: &str) -> Cell {
    if let Some(v) = workload.variants().into_iter().find(|v| v.name == variant) {
        return match v.availability {
            Availability::Available => Cell::Runs {
                expected_incorrect: v.expected_incorrect,
            },
            Availability::Unavailable { reason } => Cell::Unavailable { reason },
        };
    }
    match workload
        .not_applicable()
        .into_iter()
        .find(|n| n.variant == variant)
    {
        Some(n) => Cell::NotApplicable {
            reason: n.reason.into_owned(),
        },
        None => Cell::NotImplemented,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_workload_explains_each_thread_variant_it_lacks() {
        let registry = Registry::builtin();
        for w in registry.iter() {
            let name = w.info().name;
            let offered: Vec<_> = w.variants().iter().map(|v| v.name).collect();
            for n in w.not_applicable() {
                assert!(
                    !offered.contains(&n.variant),
                    "{name} both offers `{}` and declares it not applicable",
                    n.variant
                );
                assert!(!n.reason.trim().is_empty(), "{name}: empty reason");
            }
            for v in THREAD_VARIANTS {
                let c = cell(w.as_ref(), v);
                assert_ne!(
                    c,
                    Cell::NotImplemented,
                    "{name} neither offers `{v}` nor says why not"
                );
            }
        }
    }

    #[test]
    fn variant_names_mean_the_same_model_everywhere() {
        use parbench_schema::results::ExecutionModel;
        // Other execution models (processes, OpenCL) bring their own variant names.
        for w in Registry::builtin().iter() {
            for v in w.variants() {
                if !THREAD_VARIANTS.contains(&v.name) {
                    continue;
                }
                let model = match v.name {
                    "serial" => ExecutionModel::Serial,
                    "rayon" => ExecutionModel::Rayon,
                    _ => ExecutionModel::Threads,
                };
                assert_eq!(v.model, model, "{} {}", w.info().name, v.name);
                assert_eq!(v.expected_incorrect, v.name == "unsync");
            }
        }
    }

    #[test]
    fn matrix_has_thread_columns_first_and_a_cell_per_column() {
        let m = Matrix::of(&Registry::builtin());
        assert_eq!(&m.columns[..THREAD_VARIANTS.len()], THREAD_VARIANTS);
        for row in &m.rows {
            assert_eq!(row.cells.len(), m.columns.len());
            for c in &row.cells {
                assert_eq!(c.reason().is_none(), matches!(c, Cell::Runs { .. }));
            }
        }
        let counter = m.rows.iter().find(|r| r.workload == "counter").unwrap();
        let unsync = m.columns.iter().position(|c| *c == "unsync").unwrap();
        assert_eq!(counter.cells[unsync].state(), "expected-incorrect");
        // A variant only the contention suite offers is explained in every other row.
        let spin = m.columns.iter().position(|c| *c == "spin").unwrap();
        assert_eq!(counter.cells[spin].state(), "not-applicable");
        assert!(
            counter.cells[spin]
                .reason()
                .unwrap()
                .starts_with("only `contention` offers it")
        );
    }
}
