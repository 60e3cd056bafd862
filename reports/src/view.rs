//! The shape every human-facing output shares: a results file seen as suites (in run order, each
//! with a safe page file name) split into problems (one size and parameter set, the points one
//! chart compares), with best speedups, problems grouped by status and reason, and Amdahl fits.

use crate::escape;
use crate::palette::Palette;
use parbench_analysis::crossover;
use parbench_analysis::derived::BASELINE_VARIANT;
use parbench_analysis::fit::{self, AmdahlFit};
use parbench_schema::calibration;
use parbench_schema::crossover::Crossover;
use parbench_schema::fit::NotMeaningful;
use parbench_schema::results::{ExecutionModel, Point, RunResults, Status};
use std::collections::{BTreeMap, BTreeSet};

/// Every status, in the order reports list them.
pub const STATUSES: [Status; 5] = [
    Status::Ok,
    Status::Wrong,
    Status::Failed,
    Status::Skipped,
    Status::ExpectedIncorrect,
];

/// Above this many points a run's site summarizes instead of drawing every point: suite pages
/// keep their tables and the charts across problems, but draw no charts per problem (time,
/// speedup, efficiency, throughput, sample distributions, phases); the raw figures stay in
/// `results.csv` and `samples.csv`. The plan limit of a single run is 10,000 points, so only
/// merged or generated files reach it. Keeps a report's size and memory proportional to what
/// is drawn.
pub const MAX_DRAWN_POINTS: usize = 10_000;

/// Above this many suites the navigation bar of a suite page links the overview and names
/// the page's own suite only (the overview lists every suite): otherwise every page of a run
/// with thousands of suites would repeat thousands of links.
pub const MAX_NAV_SUITES: usize = 40;

/// A results file arranged for rendering.
#[derive(Debug)]
pub struct ReportView<'a> {
    /// The results file being rendered.
    pub results: &'a RunResults,
    /// One per suite, in order of first appearance.
    pub suites: Vec<SuiteView<'a>>,
    /// Variant names in order of first appearance.
    pub variants: Vec<&'a str>,
    /// A colour per variant, stable across the report's pages.
    pub palette: Palette,
    /// Logical cores of the machine the results were measured on.
    pub cores: u32,
    /// The crossovers of files that do not store them, computed at first use.
    computed_crossovers: std::sync::OnceLock<Vec<Crossover>>,
}

/// One suite: one workload, its own page.
#[derive(Debug)]
pub struct SuiteView<'a> {
    /// Suite name from the config.
    pub name: &'a str,
    /// The workload it runs.
    pub workload: &'a str,
    /// The suite page's file name: a slug of the suite name, unique in the report.
    pub file: String,
    /// The suite's points, in run order.
    pub points: Vec<&'a Point>,
    /// Its problems (size and parameter set), in order of first appearance.
    pub problems: Vec<Problem<'a>>,
}

/// The points of one suite at one size and parameter set.
#[derive(Debug)]
pub struct Problem<'a> {
    /// Size label.
    pub size: &'a str,
    /// The problem size the label stands for.
    pub n: u64,
    /// `k=v,k=v`, empty without parameters.
    pub params: String,
    /// HTML id of the problem's section (generated, never from user text).
    pub anchor: String,
    /// The problem's points, in run order.
    pub points: Vec<&'a Point>,
}

impl Problem<'_> {
    /// `size S (n = 1,000,000) · bins=16`, or `n = 1,000 (10000 before --quick)`: always the n
    /// that ran.
    pub fn title(&self) -> String {
        let mut t = size_label(self.size, self.n);
        if !self.params.is_empty() {
            t.push_str(" · ");
            t.push_str(&self.params);
        }
        t
    }
}

/// A size as a reader should see it: the n that ran, with the configured label where it says
/// something else (a named size, or a number `--quick` shrank): `S (n = 1,000,000)`,
/// `n = 50,000`, `n = 1,000 (10000 before --quick)`, `S under --quick (n = 62,500)`.
pub fn size_label(label: &str, n: u64) -> String {
    let (base, quick) = match label.strip_suffix("-quick") {
        Some(b) => (b, true),
        None => (label, false),
    };
    let grouped = crate::format::grouped(n);
    match base.replace(['_', ','], "").parse::<u64>() {
        Ok(v) if v == n => format!("n = {grouped}"),
        Ok(_) if quick => format!("n = {grouped} ({base} before --quick)"),
        Ok(_) => format!("n = {grouped} (label {base})"),
        Err(_) if quick => format!("{base} under --quick (n = {grouped})"),
        Err(_) => format!("{base} (n = {grouped})"),
    }
}

impl<'a> ReportView<'a> {
    /// Arranges `results` by suite and problem, and assigns the variants their colours.
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
            computed_crossovers: std::sync::OnceLock::new(),
        }
    }

    /// The crossovers stored with the run, or computed from its points (older files) once per
    /// report. A crossover compares points of one suite, so they are computed suite by suite
    /// (each suite's points are consecutive in a results file): linear in the number of
    /// suites, not quadratic in the number of points.
    pub fn crossovers(&self) -> &[Crossover] {
        if !self.results.crossovers.is_empty() {
            return &self.results.crossovers;
        }
        self.computed_crossovers.get_or_init(|| {
            let points = &self.results.points;
            let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            for (i, p) in points.iter().enumerate() {
                match runs.last_mut() {
                    Some(r) if points[r.start].suite == p.suite => r.end = i + 1,
                    _ => {
                        if !seen.insert(&p.suite) {
                            // A suite in two places: compare across the whole file.
                            return crossover::find_all(points, 0);
                        }
                        runs.push(i..i + 1);
                    }
                }
            }
            runs.into_iter()
                .flat_map(|r| crossover::find_all(&points[r], 0))
                .collect()
        })
    }

    /// Whether the site summarizes instead of drawing every point (see [`MAX_DRAWN_POINTS`]).
    pub fn summarized(&self) -> bool {
        self.results.points.len() > MAX_DRAWN_POINTS
    }

    /// [`size_label`] of a point.
    pub fn size_label(&self, p: &Point) -> String {
        size_label(&p.size, p.n)
    }

    /// The page file name of suite `suite`; `None` when the results have no such suite.
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
                    || (parbench_analysis::derived::same_problem(q.points[0], p)
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

/// The fewest samples from which a point's interval is printed and the point may be a
/// headline: below it a bootstrap interval of the median is an artefact of the few values
/// ("1.80 ms (1.80–1.80), CV 0.0%" from three samples), not a statement about the point.
pub const MIN_SAMPLES: usize = 5;

/// Why a point may not be a headline (a heatmap colour, a "best" or a "fastest"), or `None`
/// when it may: verified, measured, not oversubscribed, not flagged by a self-check and with at
/// least [`MIN_SAMPLES`] samples.
pub fn not_headline_because(p: &Point) -> Option<&'static str> {
    if p.status != Status::Ok {
        return Some("not verified");
    }
    if p.measurement.is_none() {
        return Some("not measured");
    }
    if p.oversubscribed {
        return Some("oversubscribed");
    }
    if !p.derived.flags.is_empty() {
        return Some("flagged by a self-check");
    }
    if !enough_samples(p) {
        return Some("too few samples");
    }
    if !p.headline_eligible() {
        return Some("not eligible");
    }
    None
}

/// Whether `p` may be a headline (see [`not_headline_because`]).
pub fn headline_eligible(p: &Point) -> bool {
    not_headline_because(p).is_none()
}

/// Whether a point has enough samples for its interval to be printed ([`MIN_SAMPLES`]).
pub fn enough_samples(p: &Point) -> bool {
    p.measurement
        .as_ref()
        .is_some_and(|m| m.stats.n >= MIN_SAMPLES)
}

/// The 95% interval of a point's speedup, where it may be printed.
pub fn speedup_interval(p: &Point) -> Option<[f64; 2]> {
    p.derived
        .speedup_ci
        .filter(|[a, b]| a.is_finite() && b.is_finite() && a <= b)
        .filter(|_| enough_samples(p))
}

/// Whether two closed intervals overlap.
pub fn overlap(a: [f64; 2], b: [f64; 2]) -> bool {
    a[0] <= b[1] && b[0] <= a[1]
}

/// The best speedup among some points, with the points it cannot be told apart from.
#[derive(Debug)]
pub struct Best<'a> {
    /// The eligible point with the highest speedup.
    pub point: &'a Point,
    /// Other eligible points whose speedup interval overlaps the best's: a tie, not a loss.
    pub ties: Vec<&'a Point>,
    /// The best's interval contains 1: it is not faster than the baseline beyond its interval.
    pub within_noise_of_baseline: bool,
}

impl Best<'_> {
    /// The best point's speedup (NaN if it has none, which eligibility excludes).
    pub fn speedup(&self) -> f64 {
        self.point.derived.speedup.unwrap_or(f64::NAN)
    }
}

/// The point with the highest verified speedup among `points` that may be a headline (see
/// [`headline_eligible`]), the baseline variant itself left out (its speedup is 1 by
/// definition) and accelerators too (a device is compared with the best CPU point, not with
/// serial), with every other eligible point whose interval overlaps it (a tie).
pub fn best_speedup<'a>(points: impl IntoIterator<Item = &'a Point>) -> Option<Best<'a>> {
    let eligible: Vec<&Point> = points
        .into_iter()
        .filter(|p| headline_eligible(p) && p.derived.speedup.is_some_and(f64::is_finite))
        .filter(|p| p.variant != BASELINE_VARIANT && p.model != ExecutionModel::Opencl)
        .collect();
    let best = eligible.iter().copied().max_by(|a, b| {
        a.derived
            .speedup
            .unwrap_or(0.0)
            .total_cmp(&b.derived.speedup.unwrap_or(0.0))
    })?;
    let ci = speedup_interval(best);
    let ties = match ci {
        Some(ci) => eligible
            .iter()
            .copied()
            .filter(|p| !std::ptr::eq(*p, best))
            .filter(|p| speedup_interval(p).is_some_and(|o| overlap(ci, o)))
            .collect(),
        None => Vec::new(),
    };
    Some(Best {
        point: best,
        ties,
        within_noise_of_baseline: ci.is_some_and(|[a, b]| a <= 1.0 && 1.0 <= b),
    })
}

/// Karp-Flatt's serial fraction where it means something: at 2 to `cores` workers (it assumes
/// a processor per worker), on a verified point, within [0, 1] (outside it the speedup is
/// superlinear or the overhead dominates, and the number is not a fraction of anything).
pub fn karp_flatt_shown(p: &Point, cores: u32) -> Option<f64> {
    let kf = p.derived.karp_flatt?;
    (p.status == Status::Ok
        && p.workers > 1
        && p.workers <= cores
        && !p.oversubscribed
        && p.model != ExecutionModel::Opencl
        && (0.0..=1.0).contains(&kf))
    .then_some(kf)
}

/// A point's throughput against the machine's bound (from the metrics the run computed with
/// the calibration and the workload's bound model).
#[derive(Debug, Clone, PartialEq)]
pub struct PointBound {
    /// Throughput / bound.
    pub fraction: f64,
    /// The bound, in the point's throughput unit.
    pub limit: f64,
    /// Unit of `limit`.
    pub unit: String,
    /// What limits it, for a reader: `copy bandwidth at this working set`.
    pub by: &'static str,
    /// The calibrated figure the bound used, with its unit.
    pub by_value: f64,
    /// Unit of `by_value`: `B/s`, `FLOP/s` or `hashes/s`.
    pub by_unit: String,
}

/// Whether a metric key is one of the bound figures (shown in their own column).
pub fn is_bound_metric(key: &str) -> bool {
    key == calibration::METRIC_OF_BOUND
        || key == calibration::METRIC_BOUND
        || key.starts_with(calibration::METRIC_BOUND_BY)
}

/// The bound of a point, where the run computed one.
pub fn bound_of(p: &Point) -> Option<PointBound> {
    let fraction = p.metrics.get(calibration::METRIC_OF_BOUND)?.value;
    let limit = p.metrics.get(calibration::METRIC_BOUND)?;
    let (key, by) = p
        .metrics
        .iter()
        .find_map(|(k, m)| Some((k.strip_prefix(calibration::METRIC_BOUND_BY)?, m)))?;
    fraction.is_finite().then(|| PointBound {
        fraction,
        limit: limit.value,
        unit: limit.unit.clone(),
        by: calibration::Resource::describe_key(key),
        by_value: by.value,
        by_unit: by.unit.clone(),
    })
}

/// What a report says when a point that is not `ok` carries no reason of its own.
pub fn default_reason(status: Status) -> &'static str {
    match status {
        Status::ExpectedIncorrect => {
            "incorrect by design: the variant skips synchronization and loses updates; measured to show what correctness costs, never ranked"
        }
        Status::Wrong => "the answer differed from the serial reference",
        Status::Failed => "failed (the run recorded no further reason)",
        Status::Skipped => "not run on this machine (the run recorded no further reason)",
        Status::Ok => "",
    }
}

/// A point's reason, or the default reason of its status.
pub fn reason_of(p: &Point) -> String {
    p.reason
        .clone()
        .unwrap_or_else(|| default_reason(p.status).to_string())
}

/// Points that share a status and a reason.
#[derive(Debug)]
pub struct StatusGroup<'a> {
    /// The status the points share.
    pub status: Status,
    /// The reason they share (a status's default reason where a point gave none).
    pub reason: String,
    /// The points with that status and reason.
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
        let reason = reason_of(p);
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
