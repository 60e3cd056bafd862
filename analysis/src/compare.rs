//! Comparing two runs point by point: the comparison model shared by `parbench compare` (two
//! results files, bootstrap intervals from the raw samples) and `parbench ab` (interleaved
//! rounds, see [`crate::ab`]), the verdict rule, and the bootstrap comparison itself.

use crate::derived::ratio_ci_at;
use crate::stats;
use crate::thresholds::ThresholdPolicy;
use parbench_schema::duration::Nanos;
use parbench_schema::machine::Machine;
use parbench_schema::results::{ExecutionModel, Point, PointKey, RunResults, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Version of the `compare.json` format.
pub const COMPARISON_FORMAT: u32 = 1;

/// What a comparison concluded about one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The whole interval lies below 1 / (1 + threshold): faster beyond the threshold.
    Improved,
    /// The whole interval lies above 1 + threshold: slower beyond the threshold.
    Regressed,
    /// The whole interval lies within [1 / (1 + threshold), 1 + threshold].
    Unchanged,
    /// The interval straddles a threshold: the data cannot tell.
    Inconclusive,
}

impl Verdict {
    /// The verdict of a time-ratio interval `[low, high]` (new / base) against `threshold`.
    /// Symmetric on a log scale: a 10% threshold calls a ratio above 1.10 slower and one below
    /// 1/1.10 = 0.909 faster.
    pub fn of_interval(low: f64, high: f64, threshold: f64) -> Verdict {
        let up = 1.0 + threshold;
        if low > up {
            Verdict::Regressed
        } else if high < 1.0 / up {
            Verdict::Improved
        } else if low >= 1.0 / up && high <= up {
            Verdict::Unchanged
        } else {
            Verdict::Inconclusive
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Improved => "improved",
            Verdict::Regressed => "regressed",
            Verdict::Unchanged => "unchanged",
            Verdict::Inconclusive => "inconclusive",
        })
    }
}

/// How the intervals were computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Method {
    /// Two results files: percentile bootstrap of the ratio of medians from the raw samples of
    /// each, resampling both sides independently.
    Bootstrap {
        /// Probability that every interval covers its true ratio at once.
        family_level: f64,
        /// Level of each interval after the Bonferroni correction.
        point_level: f64,
        /// Bootstrap resamples per interval.
        resamples: usize,
        /// Seed of the resampling (equal seeds give equal intervals).
        seed: u64,
    },
    /// `parbench ab`: per-round log ratios of medians from fresh processes in randomized ABBA
    /// order; Student-t interval of their mean, Bonferroni-corrected.
    AbRounds {
        /// Probability that every interval covers its true ratio at once.
        family_level: f64,
        /// Nominal level of each interval after the Bonferroni correction (the achieved level
        /// of each point, at least this, is in its `ci_level`).
        point_level: f64,
        /// Rounds run, each a fresh process per side.
        rounds: usize,
        /// Seed the round orders were drawn with.
        seed: u64,
        /// `AB` or `BA` per round: which side ran first.
        order: Vec<String>,
        /// Both sides were the same build and config (a noise measurement).
        aa: bool,
    },
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// `base`, `new`, `A`, `B`.
    pub label: String,
    /// The results file, or the binary and config of an A/B side.
    pub source: String,
    /// The results file's run id (its start time); for an A/B side, that of its first round.
    pub run_id: String,
    /// The fingerprint id of the machine it ran on.
    pub machine_id: String,
    /// Host name of that machine.
    pub hostname: String,
    /// Commit of the working directory it ran in; `None` outside a git checkout.
    #[serde(default)]
    pub git_commit: Option<String>,
    /// Hex SHA-256 of the config text.
    pub config_sha256: String,
    /// Version of the parbench that measured it.
    pub parbench_version: String,
}

impl Side {
    /// The side `label` read from `source`, with `r`'s run, machine and config identity.
    pub fn of(label: &str, source: &str, r: &RunResults) -> Side {
        Side {
            label: label.into(),
            source: source.into(),
            run_id: r.run_id.clone(),
            machine_id: r.machine.id.clone(),
            hostname: r.machine.hostname.clone(),
            git_commit: r.machine.git_commit.clone(),
            config_sha256: r.config.sha256.clone(),
            parbench_version: r.parbench_version.clone(),
        }
    }
}

/// One paired point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointComparison {
    /// The point compared (suite, size, variant, workers, parameters).
    pub key: PointKey,
    /// The workload it runs.
    pub workload: String,
    /// How it executes.
    pub model: ExecutionModel,
    /// Problem size in the base run.
    pub base_n: u64,
    /// Problem size in the new run (differs from `base_n` when a size label was redefined).
    pub new_n: u64,
    /// Base median time per iteration.
    pub base_median: Nanos,
    /// New median time per iteration.
    pub new_median: Nanos,
    /// New time / base time: above 1 is slower.
    pub ratio: f64,
    /// Interval of `ratio`.
    pub ci: [f64; 2],
    /// Confidence level of `ci`, after the Bonferroni correction.
    pub ci_level: f64,
    /// The regression threshold, a fraction (0.05 = 5%).
    pub threshold: f64,
    /// Where the threshold came from: `command line`, `thresholds file`, `config` or `default`.
    pub threshold_source: String,
    /// Regressed, improved, unchanged or inconclusive, from `ci` against `threshold`.
    pub verdict: Verdict,
    /// Things the reader must know about this point (sizes differ, few samples, …).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Per-round detail of an A/B comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<RoundsDetail>,
}

/// What an A/B comparison adds per point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundsDetail {
    /// ln(B median / A median) of every round, in round order.
    pub log_ratios: Vec<f64>,
    /// The smallest change this run could have declared a regression: the threshold in force
    /// (for A/A: the suggested one) plus the distance from the median of the per-round ratios
    /// to the lower end of its interval, i.e. how far the interval reaches below its centre.
    pub detectable_change: f64,
    /// A/A only: the smallest threshold under which this run called the point unchanged,
    /// rounded up to 0.5% and at least 1%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_threshold: Option<f64>,
}

/// Why a point was not compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnmatchedKind {
    /// The point exists only in the base run.
    OnlyInBase,
    /// The point exists only in the new run.
    OnlyInNew,
    /// Present in both, but not `ok` (with a measurement) in at least one.
    NotOk,
}

impl fmt::Display for UnmatchedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnmatchedKind::OnlyInBase => "only in base",
            UnmatchedKind::OnlyInNew => "only in new",
            UnmatchedKind::NotOk => "not ok",
        })
    }
}

/// A point that could not be compared, reported rather than dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unmatched {
    /// The point.
    pub key: PointKey,
    /// Why it was not compared.
    pub kind: UnmatchedKind,
    /// Its status in the base run; `None` when absent there.
    #[serde(default)]
    pub base_status: Option<Status>,
    /// Its status in the new run; `None` when absent there.
    #[serde(default)]
    pub new_status: Option<Status>,
    /// The reason the failing side gave, if any.
    #[serde(default)]
    pub detail: Option<String>,
}

impl Unmatched {
    /// The new side is wrong or failed where the base was fine (or absent): a correctness
    /// regression.
    pub fn newly_failing(&self) -> bool {
        self.new_status.is_some_and(Status::is_failure)
            && !self.base_status.is_some_and(Status::is_failure)
    }
}

/// Verdict counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Points whose interval lies entirely beyond the threshold, faster.
    pub improved: usize,
    /// Points whose interval lies entirely beyond the threshold, slower.
    pub regressed: usize,
    /// Points whose interval lies within ± the threshold.
    pub unchanged: usize,
    /// Points whose interval straddles the threshold.
    pub inconclusive: usize,
    /// Points not compared (see [`Comparison::unmatched`]).
    pub not_compared: usize,
}

/// A whole comparison: what `compare.json` holds and `compare.md` renders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Version of this layout ([`COMPARISON_FORMAT`]).
    pub format: u32,
    /// How the intervals were computed.
    pub method: Method,
    /// The base (A) side.
    pub base: Side,
    /// The new (B) side.
    pub new: Side,
    /// `field: a != b` where the machine fingerprints differ (empty when comparable).
    #[serde(default)]
    pub machine_differences: Vec<String>,
    /// Things the reader must know (configs differ, a run was interrupted, thresholds ignored…).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Every point both sides measured `ok`.
    pub points: Vec<PointComparison>,
    /// Points in one side only, or not `ok` in one.
    #[serde(default)]
    pub unmatched: Vec<Unmatched>,
    /// Verdicts counted over `points` and `unmatched`.
    pub counts: Counts,
}

impl Comparison {
    /// The points that got slower beyond the threshold.
    pub fn regressions(&self) -> impl Iterator<Item = &PointComparison> {
        self.points
            .iter()
            .filter(|p| p.verdict == Verdict::Regressed)
    }

    /// Whether any point regressed (the exit code 1 of `compare` and `ab`).
    pub fn has_regression(&self) -> bool {
        self.regressions().next().is_some()
    }

    /// Points that are wrong or failed in the new run but were not in the base.
    pub fn newly_failing(&self) -> impl Iterator<Item = &Unmatched> {
        self.unmatched.iter().filter(|u| u.newly_failing())
    }

    /// Recomputes `counts` from `points` and `unmatched`.
    pub fn recount(&mut self) {
        let mut c = Counts {
            not_compared: self.unmatched.len(),
            ..Counts::default()
        };
        for p in &self.points {
            match p.verdict {
                Verdict::Improved => c.improved += 1,
                Verdict::Regressed => c.regressed += 1,
                Verdict::Unchanged => c.unchanged += 1,
                Verdict::Inconclusive => c.inconclusive += 1,
            }
        }
        self.counts = c;
    }

    /// `compare.json`'s text: pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("comparison serializes")
    }
}

/// Refused comparisons.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The two runs were measured on different machines and the caller did not allow it.
    #[error(
        "the machine fingerprints differ ({}): timings from different machines are not comparable; pass --allow-machine-mismatch to compare anyway",
        differences.join("; ")
    )]
    MachineMismatch {
        /// `field: a != b` for every fingerprint field that differs.
        differences: Vec<String>,
    },
    /// A comparison that cannot be made as asked (e.g. too few rounds for the intervals), in
    /// words.
    #[error("{0}")]
    Invalid(String),
}

/// Settings of a bootstrap comparison.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Probability that all intervals hold at once (Bonferroni over the compared points).
    pub family_level: f64,
    /// Seed of the bootstrap resampling.
    pub seed: u64,
    /// Compare even when the machine fingerprints differ (flagged in the output).
    pub allow_machine_mismatch: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            family_level: stats::CONFIDENCE_LEVEL,
            seed: 0x00C0_4FA2_E5EE_D000,
            allow_machine_mismatch: false,
        }
    }
}

/// Machine differences between two runs, or the refusal to compare them.
pub fn check_machines(
    base: &Machine,
    new: &Machine,
    allow: bool,
) -> Result<Vec<String>, CompareError> {
    let differences = base.differences(new);
    if !differences.is_empty() && !allow {
        return Err(CompareError::MachineMismatch { differences });
    }
    Ok(differences)
}

/// Notes about the runs as a whole that change how a comparison reads.
pub fn run_notes(
    base: &RunResults,
    new: &RunResults,
    base_label: &str,
    new_label: &str,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (r, label) in [(base, base_label), (new, new_label)] {
        if !r.complete {
            notes.push(format!(
                "{label} is incomplete (interrupted or still running): points it never reached are listed as missing"
            ));
        }
    }
    if base.config.sha256 != new.config.sha256 {
        notes.push(format!(
            "the configs differ ({} sha256 {}…, {} sha256 {}…): sizes or budgets may not match",
            base_label,
            base.config.sha256.get(..12).unwrap_or(&base.config.sha256),
            new_label,
            new.config.sha256.get(..12).unwrap_or(&new.config.sha256)
        ));
    }
    if base.config.quick != new.config.quick {
        notes.push("one run used --quick and the other did not".into());
    }
    if base.machine.build_profile != new.machine.build_profile {
        notes.push(format!(
            "build profiles differ: {} vs {}",
            base.machine.build_profile, new.machine.build_profile
        ));
    }
    notes
}

/// Notes about one pair of points.
pub fn pair_notes(base: &Point, new: &Point) -> Vec<String> {
    let mut notes = Vec::new();
    if base.n != new.n {
        notes.push(format!("problem size differs: n {} → {}", base.n, new.n));
    }
    if new.oversubscribed {
        notes.push("oversubscribed".into());
    }
    if new.model != base.model {
        notes.push(format!(
            "execution model differs: {} → {}",
            base.model, new.model
        ));
    }
    notes
}

fn measured(p: &Point) -> bool {
    p.status == Status::Ok
        && p.measurement
            .as_ref()
            .is_some_and(|m| !m.samples_ns.is_empty())
}

/// Points of a run by key; later duplicates of a key are ignored (and noted).
pub fn index_points<'a>(
    r: &'a RunResults,
    label: &str,
    notes: &mut Vec<String>,
) -> BTreeMap<PointKey, &'a Point> {
    let mut map = BTreeMap::new();
    for p in &r.points {
        match map.entry(p.key()) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(p);
            }
            std::collections::btree_map::Entry::Occupied(_) => notes.push(format!(
                "{label} has {} more than once; the first is used",
                p.key()
            )),
        }
    }
    map
}

/// Splits two runs' points into pairs to compare (in the new run's order) and the rest.
pub fn pair_points<'a>(
    base: &'a RunResults,
    new: &'a RunResults,
    notes: &mut Vec<String>,
) -> (Vec<(&'a Point, &'a Point)>, Vec<Unmatched>) {
    let base_map = index_points(base, "base", notes);
    let new_map = index_points(new, "new", notes);
    let mut pairs = Vec::new();
    let mut unmatched = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for p in &new.points {
        let key = p.key();
        if !seen.insert(key.clone()) {
            continue;
        }
        let n = new_map[&key];
        match base_map.get(&key) {
            None => unmatched.push(Unmatched {
                key,
                kind: UnmatchedKind::OnlyInNew,
                base_status: None,
                new_status: Some(n.status),
                detail: n.reason.clone(),
            }),
            Some(b) if measured(b) && measured(n) => pairs.push((*b, n)),
            Some(b) => unmatched.push(Unmatched {
                key,
                kind: UnmatchedKind::NotOk,
                base_status: Some(b.status),
                new_status: Some(n.status),
                detail: if n.status != Status::Ok {
                    n.reason.clone()
                } else {
                    b.reason.clone()
                },
            }),
        }
    }
    for (key, b) in &base_map {
        if !new_map.contains_key(key) {
            unmatched.push(Unmatched {
                key: key.clone(),
                kind: UnmatchedKind::OnlyInBase,
                base_status: Some(b.status),
                new_status: None,
                detail: None,
            });
        }
    }
    (pairs, unmatched)
}

/// Bootstrap resamples for a per-interval level: enough that at least 25 resamples lie beyond
/// each tail quantile, between 2,000 and 20,000.
pub fn resamples_for(point_level: f64) -> usize {
    let tail = (1.0 - point_level) / 2.0;
    ((25.0 / tail).ceil() as usize).clamp(stats::BOOTSTRAP_RESAMPLES, 20_000)
}

/// The time ratio `new / base` of two points measured in repetitions (at least two each) and its
/// interval at `level`: each side's figure varies between its repetitions, and that variation
/// (not only the samples inside one block) is what a second run sees.
fn repeated_ratio(
    base: &Point,
    new: &Point,
    level: f64,
    seed: u64,
    drift: f64,
) -> Option<(f64, [f64; 2])> {
    let (b, n) = (base.measurement.as_ref()?, new.measurement.as_ref()?);
    if b.repetitions.len() < 2 || n.repetitions.len() < 2 {
        return None;
    }
    let (br, nr) = (b.repetition_samples(), n.repetition_samples());
    if br.iter().chain(&nr).any(Vec::is_empty) {
        return None;
    }
    fn refs(v: &[Vec<f64>]) -> Vec<&[f64]> {
        v.iter().map(Vec::as_slice).collect()
    }
    Some(crate::repeated::unpaired_ratio(
        &refs(&nr),
        &refs(&br),
        level,
        seed,
        drift,
    ))
}

/// Compares two results files point by point (bootstrap intervals of the ratio of medians).
pub fn compare_runs(
    base: &RunResults,
    new: &RunResults,
    base_source: &str,
    new_source: &str,
    policy: &ThresholdPolicy,
    opts: &CompareOptions,
) -> Result<Comparison, CompareError> {
    if !(opts.family_level > 0.0 && opts.family_level < 1.0) {
        return Err(CompareError::Invalid(format!(
            "the confidence level must lie between 0 and 1, not {}",
            opts.family_level
        )));
    }
    let machine_differences =
        check_machines(&base.machine, &new.machine, opts.allow_machine_mismatch)?;
    let mut notes = run_notes(base, new, "base", "new");
    notes.extend(policy.warnings.iter().cloned());
    let (pairs, unmatched) = pair_points(base, new, &mut notes);
    let m = pairs.len().max(1);
    let point_level = 1.0 - (1.0 - opts.family_level) / m as f64;
    let resamples = resamples_for(point_level);
    let raw = |p: &Point| -> Vec<f64> {
        p.measurement
            .as_ref()
            .map(|m| m.samples_ns.iter().map(|x| x.0).collect())
            .unwrap_or_default()
    };
    // Two runs differ by the machine's run-to-run drift too (what each run was measured with).
    let drift = [base, new]
        .iter()
        .filter_map(|r| r.environment.as_ref().map(|e| e.run_drift))
        .fold(0.0, f64::max);
    let mut points = Vec::new();
    for (i, (b, n)) in pairs.iter().enumerate() {
        let (bs, ns) = (raw(b), raw(n));
        let base_median = Nanos(stats::median(&bs));
        let new_median = Nanos(stats::median(&ns));
        let ratio = new_median.0 / base_median.0;
        let mut point_notes = pair_notes(b, n);
        // The very same samples (a run compared with itself) carry no evidence of any change.
        let repeated = repeated_ratio(b, n, point_level, opts.seed ^ i as u64, drift);
        let ratio = repeated.map_or(ratio, |(r, _)| r);
        let ci = if bs == ns {
            point_notes.push("identical samples".into());
            [1.0, 1.0]
        } else if let Some((_, ci)) = repeated {
            ci
        } else {
            ratio_ci_at(
                &ns,
                &bs,
                opts.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                point_level,
                resamples,
            )
        };
        let threshold = policy.for_point(n);
        if bs.len() < 5 || ns.len() < 5 {
            point_notes.push(format!(
                "few samples ({} vs {}): the interval is rough",
                bs.len(),
                ns.len()
            ));
        }
        points.push(PointComparison {
            key: n.key(),
            workload: n.workload.clone(),
            model: n.model,
            base_n: b.n,
            new_n: n.n,
            base_median,
            new_median,
            ratio,
            ci,
            ci_level: point_level,
            threshold: threshold.value,
            threshold_source: threshold.source,
            verdict: Verdict::of_interval(ci[0], ci[1], threshold.value),
            notes: point_notes,
            rounds: None,
        });
    }
    let mut c = Comparison {
        format: COMPARISON_FORMAT,
        method: Method::Bootstrap {
            family_level: opts.family_level,
            point_level,
            resamples,
            seed: opts.seed,
        },
        base: Side::of("base", base_source, base),
        new: Side::of("new", new_source, new),
        machine_differences,
        notes,
        points,
        unmatched,
        counts: Counts::default(),
    };
    c.recount();
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{point, run};

    #[test]
    fn verdicts_follow_the_whole_interval() {
        assert_eq!(Verdict::of_interval(1.06, 1.2, 0.05), Verdict::Regressed);
        assert_eq!(Verdict::of_interval(1.04, 1.2, 0.05), Verdict::Inconclusive);
        assert_eq!(Verdict::of_interval(0.97, 1.04, 0.05), Verdict::Unchanged);
        assert_eq!(Verdict::of_interval(0.8, 0.95, 0.05), Verdict::Improved);
        assert_eq!(Verdict::of_interval(0.8, 0.96, 0.05), Verdict::Inconclusive);
    }

    #[test]
    fn self_comparison_is_unchanged() {
        let r = run(vec![
            point("pi", "serial", 1, 1000.0, 0.01, 1),
            point("pi", "rayon", 2, 520.0, 0.02, 2),
        ]);
        let policy = ThresholdPolicy::default();
        let c = compare_runs(&r, &r, "a", "a", &policy, &CompareOptions::default()).unwrap();
        assert_eq!(c.counts.unchanged, 2, "{c:#?}");
        assert!(!c.has_regression());
        assert!(c.unmatched.is_empty());
        for p in &c.points {
            assert_eq!((p.ratio, p.ci), (1.0, [1.0, 1.0]));
            assert_eq!(p.notes, ["identical samples"]);
        }
        // Two runs of one distribution (different samples) are unchanged too.
        let other = run(vec![
            point("pi", "serial", 1, 1000.0, 0.01, 11),
            point("pi", "rayon", 2, 520.0, 0.02, 12),
        ]);
        let c = compare_runs(&r, &other, "a", "b", &policy, &CompareOptions::default()).unwrap();
        assert_eq!(c.counts.unchanged, 2, "{c:#?}");
        for p in &c.points {
            assert!(p.ci[0] <= 1.0 && 1.0 <= p.ci[1] && p.ci[0] < p.ci[1]);
        }
    }

    #[test]
    fn thirty_percent_slower_variant_is_a_regression() {
        let base = run(vec![
            point("pi", "serial", 1, 1000.0, 0.01, 1),
            point("pi", "rayon", 2, 520.0, 0.02, 2),
        ]);
        let new = run(vec![
            point("pi", "serial", 1, 1000.0, 0.01, 3),
            point("pi", "rayon", 2, 520.0 * 1.3, 0.02, 4),
        ]);
        let policy = ThresholdPolicy::default();
        let c = compare_runs(&base, &new, "a", "b", &policy, &CompareOptions::default()).unwrap();
        let rayon = c.points.iter().find(|p| p.key.variant == "rayon").unwrap();
        assert_eq!(rayon.verdict, Verdict::Regressed, "{rayon:#?}");
        assert!((rayon.ratio - 1.3).abs() < 0.05);
        assert_eq!(rayon.threshold, 0.10);
        let serial = c.points.iter().find(|p| p.key.variant == "serial").unwrap();
        assert_eq!(serial.threshold, 0.05);
        assert_ne!(serial.verdict, Verdict::Regressed);
        assert_eq!(c.counts.regressed, 1);
    }

    #[test]
    fn unpaired_and_failed_points_are_reported() {
        let base = run(vec![
            point("pi", "serial", 1, 1000.0, 0.01, 1),
            point("pi", "threads", 2, 520.0, 0.02, 2),
            point("pi", "gone", 2, 520.0, 0.02, 2),
        ]);
        let mut broken = point("pi", "threads", 2, 520.0, 0.02, 2);
        broken.status = Status::Wrong;
        broken.reason = Some("hits differ".into());
        let new = run(vec![
            point("pi", "serial", 1, 1000.0, 0.01, 1),
            broken,
            point("pi", "fresh", 2, 520.0, 0.02, 2),
        ]);
        let policy = ThresholdPolicy::default();
        let c = compare_runs(&base, &new, "a", "b", &policy, &CompareOptions::default()).unwrap();
        assert_eq!(c.points.len(), 1);
        let kinds: Vec<_> = c
            .unmatched
            .iter()
            .map(|u| (u.key.variant.as_str(), u.kind))
            .collect();
        assert!(
            kinds.contains(&("threads", UnmatchedKind::NotOk)),
            "{kinds:?}"
        );
        assert!(kinds.contains(&("fresh", UnmatchedKind::OnlyInNew)));
        assert!(kinds.contains(&("gone", UnmatchedKind::OnlyInBase)));
        let failing: Vec<_> = c.newly_failing().collect();
        assert_eq!(failing.len(), 1);
        assert_eq!(failing[0].detail.as_deref(), Some("hits differ"));
        assert_eq!(c.counts.not_compared, 3);
    }

    #[test]
    fn machine_mismatch_is_refused_unless_allowed() {
        let base = run(vec![point("pi", "serial", 1, 1000.0, 0.01, 1)]);
        let mut new = base.clone();
        new.machine.cpu_model = "Another CPU".into();
        let policy = ThresholdPolicy::default();
        let e =
            compare_runs(&base, &new, "a", "b", &policy, &CompareOptions::default()).unwrap_err();
        assert!(e.to_string().contains("cpu_model"), "{e}");
        assert!(e.to_string().contains("--allow-machine-mismatch"));
        let c = compare_runs(
            &base,
            &new,
            "a",
            "b",
            &policy,
            &CompareOptions {
                allow_machine_mismatch: true,
                ..CompareOptions::default()
            },
        )
        .unwrap();
        assert_eq!(c.machine_differences.len(), 1);
    }
}
