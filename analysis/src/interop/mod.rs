//! Interoperability with the benchmark tools people already use: export parbench results to
//! the Bencher Metric Format and to github-action-benchmark's JSON, and import criterion's saved
//! results into a parbench results file.

pub mod bencher;
pub mod criterion;
pub mod github_action_benchmark;

use parbench_schema::results::{Point, RunResults, Status};

/// The points worth exporting: verified, measured, with a positive median.
pub(crate) fn exportable(results: &RunResults) -> impl Iterator<Item = &Point> {
    results.points.iter().filter(|p| {
        p.status == Status::Ok
            && p.measurement
                .as_ref()
                .is_some_and(|m| m.stats.median.0 > 0.0)
    })
}

/// The benchmark name other tools show: `suite/size/variant/w2`, with `[k=v]` for parameters.
pub fn benchmark_name(p: &Point) -> String {
    p.key().to_string()
}
