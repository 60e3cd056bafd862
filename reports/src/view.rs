//! The shape every human-facing output shares: a results file seen as suites (in run order, each
//! with a safe page file name) split into problems (one size and parameter set, the points one
//! chart compares), with best speedups, problems grouped by status and reason, and Amdahl fits.

use crate::escape;
use crate::palette::Palette;
use parbench_harness::analysis::BASELINE_VARIANT;
use parbench_harness::fit::{self, AmdahlFit, NotMeaningful};
use parbench_harness::results::{ExecutionModel, Point, RunResults, Status};
use std::collections::{BTreeMap, BTreeSet};

/// Every status, in the order reports list them.
pub const STATUSES: [Status; 5] = [
    Status::Ok,
    Status::Wrong,
    Status::Failed,
    Status::Skipped,
    Status::ExpectedIncorrect,
];

/// A results file arranged for rendering.
#[derive(Debug)]
pub struct ReportView<'a> {
    pub results: &'a RunResults,
    pub suites: Vec<SuiteView<'a>>,
    /// Variant names in order of first appearance.
    pub variants: Vec<&'a str>,
    pub palette: Palette,
    /// Logical cores of the machine the results were measured on.
    pub cores: u32,
}

/// One suite: one workload, its own page.
#[derive(Debug)]
pub struct SuiteView<'a> {
    pub name: &'a str,
    pub workload: &'a str,
    /// The suite page's file name: a slug of the suite name, unique in the report.
    pub file: String,
    pub points: Vec<&'a Point>,
    pub problems: Vec<Problem<'a>>,
}

/// The points of one suite at one size and parameter set.
#[derive(Debug)]
pub struct Problem<'a> {
    pub size: &'a str,
    pub n: u64,
    /// `k=v,k=v`, empty without parameters.
    pub params: String,
    /// HTML id of the problem's section (generated, never from user text).
    pub anchor: String,
    pub points: Vec<&'a Point>,
}

impl Problem<'_> {
    /// `size S (n = 1,000,000) · bins=16`.
    pub fn title(&self) -> String {
        let mut t = format!(
            "size {} (n = {})",
            self.size,
            crate::format::grouped(self.n)
        );
        if !self.params.is_empty() {
            t.push_str(" · ");
            t.push_str(&self.params);
        }
        t
    }
}

impl<'a> ReportView<'a> {
    pub fn new(results: &'a RunResults) -> ReportView<'a> {
        let mut order: Vec<&str> = Vec::new();
        let mut by_suite: BTreeMap<&str, Vec<&Point>> = BTreeMap::new();
        let mut variants: Vec<&str> = Vec::new();
        for p in &results.points {
            if !by_suite.contains_key(p.suite.as_str()) {
                order.push(&p.suite);
            }
            by_suite.entry(&p.suite).or_default().push(p);
            if !variants.contains(&p.variant.as_str()) {
                variants.push(&p.variant);
            }
        }
        let mut taken: BTreeSet<String> = BTreeSet::new();
        let suites = order
            .into_iter()
            .map(|name| {
                let points = by_suite.remove(name).unwrap_or_default();
                let base = format!("suite-{}", escape::slug(name));
                let mut file = format!("{base}.html");
                let mut k = 2;
                while taken.contains(&file) {
                    file = format!("{base}-{k}.html");
                    k += 1;
                }
                taken.insert(file.clone());
                SuiteView {
                    name,
                    workload: points.first().map_or("", |p| p.workload.as_str()),
                    file,
                    problems: problems(&points),
                    points,
                }
            })
            .collect();
        ReportView {
            results,
            suites,
            palette: Palette::new(variants.iter().copied()),
            variants,
            cores: results.machine.logical_cores.max(1),
        }
    }

    pub fn suite_file(&self, suite: &str) -> Option<&str> {
        self.suites
            .iter()
            .find(|s| s.name == suite)
            .map(|s| s.file.as_str())
    }
}

/// Groups points into problems. A point joins a problem of its size whose first point sets every
/// parameter both list alike (a point lists only the parameters its variant reads: an OpenCL
/// point shares its problem with the CPU points) unless that problem already holds the same
/// variant at the same worker count (a second value of a parameter only it reads).
fn problems<'a>(points: &[&'a Point]) -> Vec<Problem<'a>> {
    let mut out: Vec<Problem<'a>> = Vec::new();
    for p in points {
        let params = p.params_label();
        match out.iter_mut().find(|q| {
            q.size == p.size
                && (q.params == params
                    || (parbench_harness::analysis::same_problem(q.points[0], p)
                        && !q
                            .points
                            .iter()
                            .any(|o| o.variant == p.variant && o.workers == p.workers)))
        }) {
            Some(q) => q.points.push(p),
            None => {
                let anchor = format!("problem-{}", out.len() + 1);
                out.push(Problem {
                    size: &p.size,
                    n: p.n,
                    params,
                    anchor,
                    points: vec![p],
                });
            }
        }
    }
    out
}

/// The point with the highest verified speedup among `points` (only `ok` points have one), the
/// baseline variant itself left out (its speedup is 1 by definition).
pub fn best_speedup<'a>(points: impl IntoIterator<Item = &'a Point>) -> Option<&'a Point> {
    points
        .into_iter()
        .filter(|p| p.status == Status::Ok && p.derived.speedup.is_some_and(f64::is_finite))
        .filter(|p| p.variant != BASELINE_VARIANT)
        .max_by(|a, b| {
            a.derived
                .speedup
                .unwrap_or(0.0)
                .total_cmp(&b.derived.speedup.unwrap_or(0.0))
        })
}

/// Points that share a status and a reason.
#[derive(Debug)]
pub struct StatusGroup<'a> {
    pub status: Status,
    pub reason: String,
    pub points: Vec<&'a Point>,
}

impl StatusGroup<'_> {
    /// Suite names, each once, in order.
    pub fn suites(&self) -> Vec<&str> {
        let mut s: Vec<&str> = Vec::new();
        for p in &self.points {
            if !s.contains(&p.suite.as_str()) {
                s.push(&p.suite);
            }
        }
        s
    }
}

/// The points that are not `ok`, grouped by (status, reason), in status order then first
/// appearance.
pub fn status_groups<'a>(points: impl IntoIterator<Item = &'a Point>) -> Vec<StatusGroup<'a>> {
    let mut groups: Vec<StatusGroup<'a>> = Vec::new();
    for p in points {
        if p.status == Status::Ok {
            continue;
        }
        let reason = p
            .reason
            .clone()
            .unwrap_or_else(|| "no reason recorded".into());
        match groups
            .iter_mut()
            .find(|g| g.status == p.status && g.reason == reason)
        {
            Some(g) => g.points.push(p),
            None => groups.push(StatusGroup {
                status: p.status,
                reason,
                points: vec![p],
            }),
        }
    }
    groups.sort_by_key(|g| STATUSES.iter().position(|s| *s == g.status));
    groups
}

/// Amdahl's law fitted to one variant's verified speedups in one problem, on the worker counts
/// that do not oversubscribe the machine (Amdahl's model assumes a processor per worker).
/// `None` when the variant never runs on more than one worker (nothing scales). A fit that
/// lands on the boundary of [0, 1] is reported as not meaningful, with what the data shows
/// instead: no speedup at all, or superlinear speedup.
pub fn amdahl_of(points: &[&Point], variant: &str) -> Option<Result<AmdahlFit, NotMeaningful>> {
    let of_variant: Vec<&&Point> = points.iter().filter(|p| p.variant == variant).collect();
    if !of_variant.iter().any(|p| p.workers > 1) {
        return None;
    }
    let data: Vec<(f64, f64)> = of_variant
        .iter()
        .filter(|p| p.status == Status::Ok && !p.oversubscribed)
        .filter_map(|p| Some((p.workers as f64, p.derived.speedup?)))
        .collect();
    if data.is_empty() {
        return Some(Err(NotMeaningful {
            reason: "no verified speedups to fit".into(),
        }));
    }
    let fitted = fit::amdahl(&data).and_then(|f| {
        if !f.at_bound {
            Ok(f)
        } else if f.serial_fraction > 0.5 {
            Err(NotMeaningful {
                reason: "no speedup from more workers (the best fit is a serial fraction of 100%)"
                    .into(),
            })
        } else {
            Err(NotMeaningful {
                reason: "superlinear speedup (the best fit is a serial fraction of 0%; caches or memory effects, not Amdahl's law, dominate)".into(),
            })
        }
    });
    Some(fitted.map_err(|e| {
        let over = of_variant
            .iter()
            .filter(|p| p.oversubscribed)
            .map(|p| p.workers)
            .collect::<BTreeSet<_>>();
        if over.is_empty() {
            e
        } else {
            NotMeaningful {
                reason: format!(
                    "{}; oversubscribed worker counts ({}) are left out",
                    e.reason,
                    over.iter()
                        .map(|w| w.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    }))
}

/// Parallel efficiency (speedup per worker) where it means something: not for accelerators,
/// whose one "worker" is a whole device.
pub fn efficiency(p: &Point) -> Option<f64> {
    if p.model == ExecutionModel::Opencl {
        None
    } else {
        p.derived.efficiency
    }
}

/// Variants of `points` in order of first appearance.
pub fn variants_of<'a>(points: &[&'a Point]) -> Vec<&'a str> {
    let mut v: Vec<&str> = Vec::new();
    for p in points {
        if !v.contains(&p.variant.as_str()) {
            v.push(&p.variant);
        }
    }
    v
}

/// Counts per status of `points`, in [`STATUSES`] order, leaving out zeros.
pub fn status_counts<'a>(points: impl IntoIterator<Item = &'a Point>) -> Vec<(Status, usize)> {
    let mut counts = [0usize; STATUSES.len()];
    for p in points {
        if let Some(i) = STATUSES.iter().position(|s| *s == p.status) {
            counts[i] += 1;
        }
    }
    STATUSES
        .iter()
        .zip(counts)
        .filter(|(_, c)| *c > 0)
        .map(|(s, c)| (*s, c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(variant: &str, workers: u32, params: serde_json::Value) -> Point {
        serde_json::from_value(serde_json::json!({
            "suite": "s", "workload": "pi", "size": "S", "n": 10, "variant": variant,
            "model": if variant.starts_with("opencl") { "opencl" } else { "threads" },
            "sync": "none", "workers": workers, "params": params, "status": "ok",
            "oversubscribed": false
        }))
        .unwrap()
    }

    #[test]
    fn opencl_points_share_the_problem_of_the_cpu_points() {
        use serde_json::json;
        let pts = [
            point("serial", 1, json!({"granularity": "update"})),
            point("threads", 2, json!({"granularity": "update"})),
            point("serial", 1, json!({"granularity": "batch"})),
            point("opencl", 1, json!({"work-group-size": 32})),
            point("opencl", 1, json!({"work-group-size": 64})),
        ];
        let refs: Vec<&Point> = pts.iter().collect();
        let q = problems(&refs);
        let shape: Vec<(String, Vec<&str>)> = q
            .iter()
            .map(|q| {
                (
                    q.params.clone(),
                    q.points.iter().map(|p| p.variant.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (
                    "granularity=update".into(),
                    vec!["serial", "threads", "opencl"]
                ),
                ("granularity=batch".into(), vec!["serial", "opencl"]),
            ]
        );
        assert_eq!(q[1].points[1].params_label(), "work-group-size=64");
    }
}
