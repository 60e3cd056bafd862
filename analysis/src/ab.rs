//! The A/B gate's statistics: seeded, randomized ABBA round orders; per-round log ratios of the
//! two sides' figures; and a Student-t interval of their mean, Bonferroni-corrected over the
//! points compared (a distribution-free sign-test interval is kept for reference: with 10 rounds
//! and several points it is the whole min..max range, blind to a 10% change). Running the rounds
//! is the binary's business.

use crate::compare::{
    COMPARISON_FORMAT, CompareError, Comparison, Counts, Method, PointComparison, RoundsDetail,
    Side, Unmatched, UnmatchedKind, Verdict, check_machines, pair_notes, run_notes,
};
use crate::rng::SplitMix64;
use crate::stats;
use crate::thresholds::ThresholdPolicy;
use parbench_schema::duration::Nanos;
use parbench_schema::results::{Point, PointKey, RunResults, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Which side of a round runs first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoundOrder {
    /// Side A (the base) first, then B.
    AB,
    /// Side B (the new) first, then A.
    BA,
}

impl fmt::Display for RoundOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RoundOrder::AB => "AB",
            RoundOrder::BA => "BA",
        })
    }
}

/// Round orders in blocks of two: each block is `AB, BA` (ABBA) or `BA, AB` (BAAB), drawn from
/// a generator seeded with `seed`, so that slow drifts of the machine (warming up, a neighbour's
/// job starting) hit both sides alike and the sequence is reproducible. An odd last round gets
/// a random order of its own.
pub fn abba_orders(rounds: usize, seed: u64) -> Vec<RoundOrder> {
    let mut rng = SplitMix64::new(seed ^ 0xABBA_ABBA_ABBA_ABBA);
    let mut out = Vec::with_capacity(rounds);
    while out.len() < rounds {
        let first = if rng.next_u64() & 1 == 0 {
            RoundOrder::AB
        } else {
            RoundOrder::BA
        };
        out.push(first);
        if out.len() < rounds {
            out.push(match first {
                RoundOrder::AB => RoundOrder::BA,
                RoundOrder::BA => RoundOrder::AB,
            });
        }
    }
    out
}

/// P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space (exact enough for any n used here).
pub fn binomial_half_cdf(n: usize, k: usize) -> f64 {
    if k >= n {
        return 1.0;
    }
    let mut ln_term = -(n as f64) * std::f64::consts::LN_2;
    let mut sum = ln_term.exp();
    for i in 0..k {
        ln_term += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        sum += ln_term.exp();
    }
    sum.min(1.0)
}

/// A sign-test confidence interval of a median: the `rank`-th smallest and largest values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignInterval {
    /// Lower end: the `rank`-th smallest value.
    pub low: f64,
    /// Upper end: the `rank`-th largest value.
    pub high: f64,
    /// The interval's exact coverage for any continuous distribution: 1 - 2 P(X ≤ rank - 1).
    pub level: f64,
    /// Which order statistic bounds the interval (1 = the minimum and maximum).
    pub rank: usize,
}

/// The distribution-free interval of the median of `values` at level at least `1 - alpha`:
/// [x(k), x(n+1-k)] with the largest k such that 2 P(Binomial(n, 1/2) ≤ k - 1) ≤ alpha.
/// `None` when even the full range [min, max] is not confident enough (too few values).
pub fn sign_test_interval(values: &[f64], alpha: f64) -> Option<SignInterval> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let sorted = stats::sorted(values);
    let mut rank = 0;
    for k in 1..=n.div_ceil(2) {
        if 2.0 * binomial_half_cdf(n, k - 1) <= alpha {
            rank = k;
        } else {
            break;
        }
    }
    (rank >= 1).then(|| SignInterval {
        low: sorted[rank - 1],
        high: sorted[n - rank],
        level: 1.0 - 2.0 * binomial_half_cdf(n, rank - 1),
        rank,
    })
}

/// A Student-t confidence interval of the mean of per-round log ratios.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanInterval {
    /// Mean of the values (per-round log ratios).
    pub mean: f64,
    /// Lower end of the interval of the mean.
    pub low: f64,
    /// Upper end of the interval of the mean.
    pub high: f64,
    /// The interval's confidence level.
    pub level: f64,
}

/// The fewest rounds for a t interval (two degrees of freedom).
pub const MIN_ROUNDS: usize = 3;

/// The fewest rounds the gate accepts for `points` points at `family_level` (a t interval
/// exists from [`MIN_ROUNDS`] on, whatever the number of points; more rounds narrow it).
pub fn min_rounds(_points: usize, _family_level: f64) -> usize {
    MIN_ROUNDS
}

/// The Student-t interval of the mean of `values` at level `1 - alpha`; `None` with fewer than
/// [`MIN_ROUNDS`] values. Rounds are independent fresh processes, and each round's log ratio is
/// already a ratio of medians of repetitions, so the mean of the log ratios is close to normal;
/// unlike the sign test, the interval narrows as rounds are added even at Bonferroni levels.
pub fn t_interval(values: &[f64], alpha: f64) -> Option<MeanInterval> {
    let n = values.len();
    if n < MIN_ROUNDS || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mean = stats::mean(values);
    let se = stats::stddev(values, mean) / (n as f64).sqrt();
    let half = crate::repeated::t_quantile(n - 1, 1.0 - alpha) * se;
    Some(MeanInterval {
        mean,
        low: mean - half,
        high: mean + half,
        level: 1.0 - alpha,
    })
}

/// One round: both sides' results, and which ran first.
#[derive(Debug, Clone)]
pub struct Round {
    /// Which side ran first in this round.
    pub order: RoundOrder,
    /// Side A's results of this round.
    pub a: RunResults,
    /// Side B's results of this round.
    pub b: RunResults,
}

/// Settings of an A/B (or A/A) comparison.
#[derive(Debug, Clone)]
pub struct AbOptions {
    /// Probability that every point's interval holds at once.
    pub family_level: f64,
    /// The seed the round orders were drawn with (recorded).
    pub seed: u64,
    /// Both sides are the same build and config: measure noise, suggest thresholds.
    pub aa: bool,
}

/// Rounds `ratio` up to the next half percent, at least 1%.
fn suggest(ratio_bound: f64) -> f64 {
    let t = ratio_bound - 1.0;
    ((t * 200.0 - 1e-9).ceil() / 200.0).max(0.01)
}

fn measured_median(p: &Point) -> Option<f64> {
    (p.status == Status::Ok)
        .then_some(p.measurement.as_ref()?)
        .filter(|m| !m.samples_ns.is_empty())
        .map(|m| m.stats.median.0)
        .filter(|m| *m > 0.0)
}

/// A run's points by key.
type PointIndex<'a> = BTreeMap<PointKey, &'a Point>;

/// A run's points by key (the first of duplicates).
fn index(r: &RunResults) -> PointIndex<'_> {
    let mut m = BTreeMap::new();
    for p in &r.points {
        m.entry(p.key()).or_insert(p);
    }
    m
}

/// Leaves out the rounds measured on a disturbed machine (the OS said a side's figure is not the
/// machine's: a busy machine, or parallel workers kept on one core; one such round widens or
/// moves the interval of every change), as long as at least half of the rounds, and
/// [`MIN_ROUNDS`], stay; otherwise keeps them all and says so.
fn leave_out_disturbed(
    a: &mut Vec<f64>,
    b: &mut Vec<f64>,
    disturbed: &[Option<String>],
    notes: &mut Vec<String>,
) {
    let clean = disturbed.iter().filter(|d| d.is_none()).count();
    let bad = disturbed.len() - clean;
    if bad == 0 {
        return;
    }
    if clean < MIN_ROUNDS || 2 * clean < disturbed.len() {
        notes.push(format!(
            "{bad} of {} rounds were measured on a disturbed machine and are kept (too many to leave out): the machine was busy",
            disturbed.len()
        ));
        return;
    }
    for (round, why) in disturbed.iter().enumerate() {
        if let Some(why) = why {
            notes.push(format!("round {} left out: {why}", round + 1));
        }
    }
    let mut keep = disturbed.iter().map(Option::is_none);
    a.retain(|_| keep.next().unwrap_or(true));
    let mut keep = disturbed.iter().map(Option::is_none);
    b.retain(|_| keep.next().unwrap_or(true));
}

/// Why `p` (side `side` of a round) was measured on a disturbed machine, if it was.
fn disturbed(p: Option<&&Point>, side: &str) -> Option<String> {
    let flag = p?
        .derived
        .flags
        .iter()
        .find(|f| f.kind == parbench_schema::results::FlagKind::Disturbed)?;
    Some(format!("{side}'s point was disturbed ({})", flag.message))
}

/// The A/B decision over completed rounds.
pub fn ab_comparison(
    rounds: &[Round],
    a_source: &str,
    b_source: &str,
    policy: &ThresholdPolicy,
    opts: &AbOptions,
) -> Result<Comparison, CompareError> {
    let first = rounds
        .first()
        .ok_or_else(|| CompareError::Invalid("no rounds were run".into()))?;
    let mut notes = run_notes(&first.a, &first.b, "A", "B");
    if opts.aa {
        notes.retain(|n| !n.starts_with("the configs differ"));
    }
    notes.extend(policy.warnings.iter().cloned());
    let machine_differences = check_machines(&first.a.machine, &first.b.machine, true)?;

    let indexed: Vec<(PointIndex, PointIndex)> =
        rounds.iter().map(|r| (index(&r.a), index(&r.b))).collect();
    let mut series: Vec<RoundSeries> = Vec::new();
    let mut unmatched = Vec::new();
    for key in point_keys(rounds) {
        match RoundSeries::collect(key, &indexed) {
            Some(Ok(s)) => series.push(s),
            Some(Err(u)) => unmatched.push(u),
            None => {}
        }
    }

    let m = series.len().max(1);
    let alpha = (1.0 - opts.family_level) / m as f64;
    let points = series
        .into_iter()
        .map(|s| s.comparison(alpha, m, policy, opts))
        .collect::<Result<Vec<_>, _>>()?;
    let mut c = Comparison {
        format: COMPARISON_FORMAT,
        method: Method::AbRounds {
            family_level: opts.family_level,
            point_level: 1.0 - alpha,
            rounds: rounds.len(),
            seed: opts.seed,
            order: rounds.iter().map(|r| r.order.to_string()).collect(),
            aa: opts.aa,
        },
        base: Side::of("A", a_source, &first.a),
        new: Side::of("B", b_source, &first.b),
        machine_differences,
        notes,
        points,
        unmatched,
        counts: Counts::default(),
    };
    c.recount();
    Ok(c)
}

/// Every point key of the rounds: B's order, then A-only keys.
fn point_keys(rounds: &[Round]) -> Vec<PointKey> {
    let mut keys: Vec<PointKey> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in rounds {
        for p in r.b.points.iter().chain(&r.a.points) {
            if seen.insert(p.key()) {
                keys.push(p.key());
            }
        }
    }
    keys
}

/// One point's medians on both sides over the rounds.
struct RoundSeries<'a> {
    key: PointKey,
    a0: &'a Point,
    b0: &'a Point,
    a_medians: Vec<f64>,
    b_medians: Vec<f64>,
    /// Per round, why a side's point was measured on a disturbed machine.
    disturbed: Vec<Option<String>>,
    /// Notes on rounds left out.
    dropped: Vec<String>,
}

impl<'a> RoundSeries<'a> {
    /// The series of `key` over the rounds, disturbed rounds left out; `Err` where the point is
    /// on one side only or not measured in some round.
    fn collect(
        key: PointKey,
        indexed: &[(PointIndex<'a>, PointIndex<'a>)],
    ) -> Option<Result<RoundSeries<'a>, Unmatched>> {
        let in_a = indexed.iter().find_map(|(a, _)| a.get(&key).copied());
        let in_b = indexed.iter().find_map(|(_, b)| b.get(&key).copied());
        let (a0, b0) = match (in_a, in_b) {
            (None, Some(b)) => {
                return Some(Err(Unmatched {
                    key,
                    kind: UnmatchedKind::OnlyInNew,
                    base_status: None,
                    new_status: Some(b.status),
                    detail: b.reason.clone(),
                }));
            }
            (Some(a), None) => {
                return Some(Err(Unmatched {
                    key,
                    kind: UnmatchedKind::OnlyInBase,
                    base_status: Some(a.status),
                    new_status: None,
                    detail: None,
                }));
            }
            (Some(a), Some(b)) => (a, b),
            (None, None) => return None,
        };
        let mut s = RoundSeries {
            key,
            a0,
            b0,
            a_medians: Vec::new(),
            b_medians: Vec::new(),
            disturbed: Vec::new(),
            dropped: Vec::new(),
        };
        if let Some(u) = s.add_rounds(indexed) {
            return Some(Err(u));
        }
        leave_out_disturbed(
            &mut s.a_medians,
            &mut s.b_medians,
            &s.disturbed,
            &mut s.dropped,
        );
        Some(Ok(s))
    }

    /// Adds each round's medians; the first round without a measured median on both sides
    /// stops it and is returned.
    fn add_rounds(&mut self, indexed: &[(PointIndex<'a>, PointIndex<'a>)]) -> Option<Unmatched> {
        let key = &self.key;
        for (round, (a, b)) in indexed.iter().enumerate() {
            let (pa, pb) = (a.get(key), b.get(key));
            match (
                pa.and_then(|p| measured_median(p)),
                pb.and_then(|p| measured_median(p)),
            ) {
                (Some(ma), Some(mb)) => {
                    self.a_medians.push(ma);
                    self.b_medians.push(mb);
                    self.disturbed
                        .push(disturbed(pa, "A").or_else(|| disturbed(pb, "B")));
                }
                _ => {
                    let status = |p: Option<&&Point>| p.map(|p| p.status);
                    let reason = pb
                        .filter(|p| p.status != Status::Ok)
                        .or(pa.filter(|p| p.status != Status::Ok))
                        .and_then(|p| p.reason.clone())
                        .unwrap_or_else(|| "missing from one side".into());
                    return Some(Unmatched {
                        key: key.clone(),
                        kind: UnmatchedKind::NotOk,
                        base_status: status(pa),
                        new_status: status(pb),
                        detail: Some(format!("round {}: {reason}", round + 1)),
                    });
                }
            }
        }
        None
    }

    /// The point's verdict: a t interval at level `1 - alpha` (Bonferroni over `m` points) on
    /// the rounds' log ratios against its threshold.
    fn comparison(
        self,
        alpha: f64,
        m: usize,
        policy: &ThresholdPolicy,
        opts: &AbOptions,
    ) -> Result<PointComparison, CompareError> {
        let s = self;
        let log_ratios: Vec<f64> = s
            .a_medians
            .iter()
            .zip(&s.b_medians)
            .map(|(a, b)| (b / a).ln())
            .collect();
        let interval = t_interval(&log_ratios, alpha).ok_or_else(|| {
            CompareError::Invalid(format!(
                "{} rounds are too few for a {:.0}% interval on each of {m} points (Bonferroni); use at least {} rounds",
                log_ratios.len(),
                opts.family_level * 100.0,
                min_rounds(m, opts.family_level)
            ))
        })?;
        let threshold = policy.for_point(s.b0);
        let ci = [interval.low.exp(), interval.high.exp()];
        let suggested = opts
            .aa
            .then(|| suggest(interval.low.abs().max(interval.high.abs()).exp()));
        let effective = suggested.unwrap_or(threshold.value);
        // Under a shift of the per-round ratios, the interval moves with its mean: a change is
        // declared once threshold + (mean - lower end) is exceeded.
        let detectable = ((1.0 + effective).ln() + (interval.mean - interval.low)).exp() - 1.0;
        let mut notes = pair_notes(s.a0, s.b0);
        notes.extend(s.dropped.iter().cloned());
        if let Some(pos) = log_ratios.iter().position(|r| !r.is_finite()) {
            notes.push(format!("round {} has a non-finite ratio", pos + 1));
        }
        Ok(PointComparison {
            key: s.key,
            workload: s.b0.workload.clone(),
            model: s.b0.model,
            base_n: s.a0.n,
            new_n: s.b0.n,
            base_median: Nanos(stats::median(&s.a_medians)),
            new_median: Nanos(stats::median(&s.b_medians)),
            ratio: interval.mean.exp(),
            ci,
            ci_level: interval.level,
            threshold: threshold.value,
            threshold_source: threshold.source,
            verdict: Verdict::of_interval(ci[0], ci[1], threshold.value),
            notes,
            rounds: Some(RoundsDetail {
                log_ratios,
                detectable_change: detectable,
                suggested_threshold: suggested,
            }),
        })
    }
}

/// The thresholds an A/A comparison suggests, as a thresholds file.
pub fn suggested_thresholds(
    c: &Comparison,
    machine: &parbench_schema::machine::Machine,
    measured_at: &str,
) -> crate::thresholds::ThresholdsFile {
    crate::thresholds::ThresholdsFile {
        machine_id: Some(machine.id.clone()),
        hostname: Some(machine.hostname.clone()),
        measured_at: Some(measured_at.to_string()),
        rounds: match &c.method {
            Method::AbRounds { rounds, .. } => Some(*rounds),
            Method::Bootstrap { .. } => None,
        },
        points: c
            .points
            .iter()
            .filter_map(|p| {
                let t = p.rounds.as_ref()?.suggested_threshold?;
                Some(crate::thresholds::PointThreshold {
                    suite: p.key.suite.clone(),
                    size: p.key.size.clone(),
                    variant: p.key.variant.clone(),
                    workers: p.key.workers,
                    params: p.key.params.clone(),
                    threshold: t,
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{point, run};

    #[test]
    fn binomial_cdf_matches_hand_values() {
        assert!((binomial_half_cdf(10, 0) - 1.0 / 1024.0).abs() < 1e-15);
        assert!((binomial_half_cdf(10, 1) - 11.0 / 1024.0).abs() < 1e-15);
        assert!((binomial_half_cdf(10, 2) - 56.0 / 1024.0).abs() < 1e-15);
        assert_eq!(binomial_half_cdf(4, 4), 1.0);
        assert!((binomial_half_cdf(5, 2) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn sign_interval_picks_order_statistics() {
        let v: Vec<f64> = (1..=10).map(f64::from).rev().collect();
        // n = 10, alpha 0.05: 2 P(X <= 1) = 22/1024 <= 0.05 < 2 P(X <= 2) = 112/1024 -> k = 2.
        let i = sign_test_interval(&v, 0.05).unwrap();
        assert_eq!((i.low, i.high, i.rank), (2.0, 9.0, 2));
        assert!((i.level - (1.0 - 22.0 / 1024.0)).abs() < 1e-12);
        // Five values cannot give 95%: 2 / 32 > 0.05.
        assert!(sign_test_interval(&v[..5], 0.05).is_none());
        assert_eq!(sign_test_interval(&v[..6], 0.05).unwrap().rank, 1);
    }

    #[test]
    fn min_rounds_is_what_a_t_interval_needs() {
        assert_eq!(min_rounds(1, 0.95), 3);
        assert_eq!(min_rounds(100, 0.95), 3);
    }

    #[test]
    fn sign_interval_covers_the_median_at_its_level() {
        // Skewed noise (exponential): the distribution-free interval still covers the true
        // median (ln 2) at least as often as it promises.
        let mut rng = SplitMix64::new(5);
        let trials = 4000;
        let mut covered = 0;
        let mut level = 0.0;
        for _ in 0..trials {
            let v: Vec<f64> = (0..12).map(|_| -(1.0 - rng.next_f64()).ln()).collect();
            let i = sign_test_interval(&v, 0.05).unwrap();
            level = i.level;
            covered +=
                (i.low <= std::f64::consts::LN_2 && std::f64::consts::LN_2 <= i.high) as usize;
        }
        let rate = covered as f64 / trials as f64;
        assert!(rate >= level - 0.01, "coverage {rate} < level {level}");
    }

    #[test]
    fn abba_orders_are_seeded_balanced_blocks() {
        let o = abba_orders(10, 7);
        assert_eq!(o, abba_orders(10, 7));
        assert_eq!(o.len(), 10);
        for block in o.chunks(2) {
            assert_ne!(block[0], block[1], "{o:?}");
        }
        let a_first = o.iter().filter(|r| **r == RoundOrder::AB).count();
        assert_eq!(a_first, 5);
        // Different seeds give different block directions somewhere.
        assert!((0..20).any(|s| abba_orders(10, s) != o));
        assert_eq!(abba_orders(3, 1).len(), 3);
    }

    fn rounds(n: usize, slowdown: f64, noise: f64) -> Vec<Round> {
        let orders = abba_orders(n, 3);
        (0..n)
            .map(|i| {
                let seed = 100 * i as u64;
                // Round-to-round drift common to both sides, as on a shared machine.
                let drift = 1.0 + 0.05 * ((i as f64) * 1.7).sin();
                Round {
                    order: orders[i],
                    a: run(vec![
                        point("pi", "serial", 1, 1000.0 * drift, noise, seed + 1),
                        point("pi", "threads", 2, 600.0 * drift, noise, seed + 2),
                    ]),
                    b: run(vec![
                        point(
                            "pi",
                            "serial",
                            1,
                            1000.0 * drift * slowdown,
                            noise,
                            seed + 3,
                        ),
                        point("pi", "threads", 2, 600.0 * drift, noise, seed + 4),
                    ]),
                }
            })
            .collect()
    }

    fn opts(aa: bool) -> AbOptions {
        AbOptions {
            family_level: 0.95,
            seed: 3,
            aa,
        }
    }

    #[test]
    fn equal_sides_do_not_regress_and_aa_suggests_thresholds() {
        let r = rounds(12, 1.0, 0.01);
        let c = ab_comparison(&r, "a", "a", &ThresholdPolicy::default(), &opts(true)).unwrap();
        assert!(!c.has_regression(), "{c:#?}");
        assert_eq!(c.points.len(), 2);
        for p in &c.points {
            let d = p.rounds.as_ref().unwrap();
            assert_eq!(d.log_ratios.len(), 12);
            let t = d.suggested_threshold.unwrap();
            assert!((0.01..0.05).contains(&t), "{t}");
            assert!(d.detectable_change > 0.0 && d.detectable_change < 0.1);
            // The suggestion is what the run itself would call unchanged.
            assert_eq!(
                Verdict::of_interval(p.ci[0], p.ci[1], t),
                Verdict::Unchanged
            );
        }
        let file = suggested_thresholds(&c, &r[0].b.machine, "now");
        assert_eq!(file.points.len(), 2);
        match &c.method {
            Method::AbRounds { order, rounds, .. } => {
                assert_eq!(*rounds, 12);
                assert_eq!(order.len(), 12);
            }
            m => panic!("{m:?}"),
        }
    }

    #[test]
    fn a_slower_side_regresses_despite_drift() {
        let r = rounds(10, 1.2, 0.01);
        let c = ab_comparison(&r, "a", "b", &ThresholdPolicy::default(), &opts(false)).unwrap();
        let serial = c.points.iter().find(|p| p.key.variant == "serial").unwrap();
        assert_eq!(serial.verdict, Verdict::Regressed, "{serial:#?}");
        assert!((serial.ratio - 1.2).abs() < 0.03);
        let threads = c
            .points
            .iter()
            .find(|p| p.key.variant == "threads")
            .unwrap();
        assert_ne!(threads.verdict, Verdict::Regressed);
        assert_eq!(c.counts.regressed, 1);
    }

    #[test]
    fn a_busy_machine_keeps_its_rounds_and_says_so() {
        let (mut a, mut b) = (vec![1.0; 6], vec![1.1; 6]);
        let busy = |d: bool| d.then(|| "B's point was disturbed".to_string());
        let flags: Vec<Option<String>> = [true, true, false, true, false, true]
            .into_iter()
            .map(busy)
            .collect();
        let mut notes = Vec::new();
        leave_out_disturbed(&mut a, &mut b, &flags, &mut notes);
        assert_eq!((a.len(), b.len()), (6, 6));
        assert!(notes[0].contains("4 of 6 rounds"), "{notes:?}");
        // One disturbed round of six is left out.
        let flags: Vec<Option<String>> = [false, false, true, false, false, false]
            .into_iter()
            .map(busy)
            .collect();
        let mut notes = Vec::new();
        leave_out_disturbed(&mut a, &mut b, &flags, &mut notes);
        assert_eq!((a.len(), b.len()), (5, 5));
        assert_eq!(notes, ["round 3 left out: B's point was disturbed"]);
    }

    #[test]
    fn disturbed_rounds_are_left_out_with_a_note() {
        let mut r = rounds(10, 1.2, 0.01);
        // Round 4's B side ran its threads crowded on one core: twice as slow, and flagged.
        let p = r[3]
            .b
            .points
            .iter_mut()
            .find(|p| p.variant == "threads")
            .unwrap();
        p.measurement.as_mut().unwrap().stats.median.0 *= 2.0;
        p.derived.flags.push(parbench_schema::results::Flag {
            kind: parbench_schema::results::FlagKind::Disturbed,
            message: "its 2 workers got 1.00 cores".into(),
        });
        let c = ab_comparison(&r, "a", "b", &ThresholdPolicy::default(), &opts(false)).unwrap();
        let threads = c
            .points
            .iter()
            .find(|p| p.key.variant == "threads")
            .unwrap();
        assert_eq!(threads.rounds.as_ref().unwrap().log_ratios.len(), 9);
        assert!(
            threads
                .notes
                .iter()
                .any(|n| n.contains("round 4 left out: B's point was disturbed")),
            "{:?}",
            threads.notes
        );
        assert_ne!(threads.verdict, Verdict::Regressed);
    }

    #[test]
    fn too_few_rounds_are_refused_with_the_minimum() {
        let r = rounds(2, 1.0, 0.01);
        let e = ab_comparison(&r, "a", "b", &ThresholdPolicy::default(), &opts(false)).unwrap_err();
        assert!(e.to_string().contains("at least 3 rounds"), "{e}");
    }

    #[test]
    fn t_intervals_narrow_with_rounds_where_sign_tests_cannot() {
        // Ten rounds of a 10% slowdown with 2% noise, at a Bonferroni level for 18 points.
        let alpha = 0.05 / 18.0;
        let values: Vec<f64> = (0..10)
            .map(|i| (1.10f64 * (1.0 + 0.02 * ((i as f64) * 2.3).sin())).ln())
            .collect();
        let t = t_interval(&values, alpha).unwrap();
        assert!(t.low.exp() > 1.05, "{t:?}");
        let sign = sign_test_interval(&values, alpha).unwrap();
        assert!(
            sign.low <= t.low,
            "the sign test is at least as wide: {sign:?}"
        );
        assert!(t_interval(&values[..2], alpha).is_none());
    }

    #[test]
    fn a_point_failing_in_one_round_is_reported() {
        let mut r = rounds(8, 1.0, 0.01);
        let p = r[3]
            .b
            .points
            .iter_mut()
            .find(|p| p.variant == "threads")
            .unwrap();
        p.status = Status::Failed;
        p.reason = Some("panicked".into());
        let c = ab_comparison(&r, "a", "b", &ThresholdPolicy::default(), &opts(false)).unwrap();
        assert_eq!(c.points.len(), 1);
        assert_eq!(c.unmatched.len(), 1);
        assert!(
            c.unmatched[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("round 4: panicked")
        );
        assert!(c.unmatched[0].newly_failing());
    }
}
