//! Export to github-action-benchmark's `customSmallerIsBetter` JSON: an array of
//! `{name, unit, value, range, extra}` with the median in nanoseconds.

use super::{benchmark_name, exportable};
use parbench_schema::results::RunResults;
use serde::{Deserialize, Serialize};

/// One entry of the array github-action-benchmark reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The point's key, `suite/size/variant/wN[params]`.
    pub name: String,
    /// Unit of `value`: always `ns` (time per iteration; smaller is better).
    pub unit: String,
    /// The point's median time per iteration.
    pub value: f64,
    /// `± half the 95% interval`, in `unit`.
    pub range: String,
    /// The interval, sample count, execution model, synchronization, problem size and commit, in
    /// words.
    pub extra: String,
}

/// The run as `customSmallerIsBetter` entries (only verified points).
pub fn to_entries(results: &RunResults) -> Vec<Entry> {
    exportable(results)
        .map(|p| {
            let m = p
                .measurement
                .as_ref()
                .expect("exportable points are measured");
            let s = &m.stats;
            let mut extra = format!(
                "95% CI {:.1}–{:.1} ns; {} samples; {} / {}; n = {}",
                s.ci_low.0, s.ci_high.0, s.n, p.model, p.sync, p.n
            );
            if let Some(c) = &results.machine.git_commit {
                extra.push_str(&format!(
                    "; commit {}",
                    c.chars().take(12).collect::<String>()
                ));
            }
            Entry {
                name: benchmark_name(p),
                unit: "ns".into(),
                value: s.median.0,
                range: format!("± {:.1}", (s.ci_high.0 - s.ci_low.0) / 2.0),
                extra,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{point, run};

    #[test]
    fn entries_are_smaller_is_better_nanoseconds() {
        let r = run(vec![point("pi", "serial", 1, 1000.0, 0.01, 1)]);
        let e = to_entries(&r);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].name, "pi/S/serial/w1");
        assert_eq!(e[0].unit, "ns");
        assert!(e[0].range.starts_with("± "));
        assert!(e[0].extra.contains("commit 0123456789ab"));
        let v = serde_json::to_value(&e).unwrap();
        assert!(v[0]["value"].is_f64());
    }
}
