//! Correctness checks for workload authors: run every variant of a [`Workload`] on a small
//! problem and verify it against the reference, as the runner does before and after timing.
//! Use it in your own workload's tests (the built-in workloads do).

use crate::workload::{Mismatch, Problem, Workload, WorkloadError, verify};
use parbench_harness::engine::IterationError;

/// Which variant failed [`every_variant_verifies`], and how.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The reference answer could not be computed.
    #[error("reference: {0}")]
    Reference(#[source] WorkloadError),
    /// A variant could not be prepared.
    #[error("{variant} w{workers}: setup: {source}")]
    Setup {
        /// The variant.
        variant: String,
        /// Its worker count.
        workers: usize,
        /// Why it could not be prepared.
        #[source]
        source: WorkloadError,
    },
    /// A run of a variant failed.
    #[error("{variant} w{workers}: run {run}: {source}")]
    Run {
        /// The variant.
        variant: String,
        /// Its worker count.
        workers: usize,
        /// The run (1 or 2).
        run: u32,
        /// Why it failed.
        #[source]
        source: IterationError,
    },
    /// A run of a variant gave a wrong answer.
    #[error("{variant} w{workers}: run {run}: {source}")]
    Wrong {
        /// The variant.
        variant: String,
        /// Its worker count.
        workers: usize,
        /// The run (1 or 2).
        run: u32,
        /// How its answer differs from the reference.
        #[source]
        source: Box<Mismatch>,
    },
}

/// Prepares every available variant that is not incorrect by design at each worker count of
/// `workers`, runs it twice (state left over from one iteration must not leak into the next)
/// and verifies its answer against [`Workload::reference`]. The workload's backend variants
/// (see [`crate::backend`]) are included; a workload without hooks implements
/// [`Hooked`](crate::backend::Hooked) with no items (`impl Hooked for MyWorkload {}`). The error names the variant, the
/// worker count and the first difference.
pub fn every_variant_verifies(
    workload: &dyn crate::backend::Hooked,
    problem: &Problem,
    workers: &[usize],
) -> Result<(), CheckError> {
    let workload = crate::backend::WithBackends(workload);
    let want = workload.reference(problem).map_err(CheckError::Reference)?;
    for variant in workload
        .variants()
        .into_iter()
        .filter(|v| v.is_available() && !v.expected_incorrect)
    {
        let counts: &[usize] = if variant.uses_workers { workers } else { &[1] };
        for &w in counts {
            let name = || variant.name.to_string();
            let mut e = workload
                .prepare(problem, variant.name, w)
                .map_err(|source| CheckError::Setup {
                    variant: name(),
                    workers: w,
                    source,
                })?;
            for run in 1..=2 {
                e.run().map_err(|source| CheckError::Run {
                    variant: name(),
                    workers: w,
                    run,
                    source,
                })?;
                verify(&want, &e.answer()).map_err(|m| CheckError::Wrong {
                    variant: name(),
                    workers: w,
                    run,
                    source: Box::new(m),
                })?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::pi::Pi;

    #[test]
    fn reports_unknown_setups_and_passes_correct_workloads() {
        every_variant_verifies(&Pi, &Problem::new("t", 10_000, 1), &[1, 2]).unwrap();
    }
}
