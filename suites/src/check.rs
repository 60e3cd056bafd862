//! Correctness checks for workload authors: run every variant of a [`Workload`] on a small
//! problem and verify it against the reference, as the runner does before and after timing.
//! Use it in your own workload's tests (the built-in workloads do).

use crate::workload::{Problem, Workload, verify};

/// Prepares every available variant that is not incorrect by design at each worker count of
/// `workers`, runs it twice (state left over from one iteration must not leak into the next)
/// and verifies its answer against [`Workload::reference`]. The workload's backend variants
/// (see [`crate::backend`]) are included. The error names the variant, the
/// worker count and the first difference.
pub fn every_variant_verifies(
    workload: &dyn Workload,
    problem: &Problem,
    workers: &[usize],
) -> Result<(), String> {
    let workload = crate::backend::WithBackends(workload);
    let want = workload
        .reference(problem)
        .map_err(|e| format!("reference: {e}"))?;
    for variant in workload
        .variants()
        .into_iter()
        .filter(|v| v.is_available() && !v.expected_incorrect)
    {
        let counts: &[usize] = if variant.uses_workers { workers } else { &[1] };
        for &w in counts {
            let at = || format!("{} w{w}", variant.name);
            let mut e = workload
                .prepare(problem, variant.name, w)
                .map_err(|e| format!("{}: setup: {e}", at()))?;
            for run in 1..=2 {
                e.run().map_err(|e| format!("{}: run {run}: {e}", at()))?;
                verify(&want, &e.answer()).map_err(|m| format!("{}: run {run}: {m}", at()))?;
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
        assert_eq!(
            every_variant_verifies(&Pi, &Problem::new("t", 10_000, 1), &[1, 2]),
            Ok(())
        );
    }
}
