//! Change-point detection on a history series: where did a step in the median happen? Optimal
//! partitioning of the log medians under an absolute-deviation (L1) cost with a BIC-like
//! penalty per change: median-based, so a single outlier run moves nothing, and it finds several
//! steps at once (a step and its reversal too). Steps smaller than a minimum are merged away.

use crate::stats;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Tuning of [`detect`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Penalty per change-point, in units of ln(n) noise-scaled deviations.
    pub penalty: f64,
    /// Fewest values on each side of a change-point.
    pub min_segment: usize,
    /// Smallest step worth marking, relative (0.02 = the medians differ by 2%).
    pub min_step: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            penalty: 2.5,
            min_segment: 3,
            min_step: 0.02,
        }
    }
}

impl Settings {
    /// The method in words, for reports.
    pub fn describe(&self) -> String {
        format!(
            "Change-points: optimal partitioning of the log medians with an absolute-deviation cost (robust to outlier runs), a penalty of {} ln(n) per change in units of the noise (estimated from the median absolute difference of consecutive commits), at least {} commits per segment, and steps of at least {:.0}%.",
            self.penalty,
            self.min_segment,
            self.min_step * 100.0
        )
    }
}

/// A step: the series changes level at `index` (the first value of the new level).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePoint {
    /// Index in the series of the first value of the new level.
    pub index: usize,
    /// Median of the segment before the step, in the series' unit.
    pub before: f64,
    /// Median of the segment after it (up to the next change-point).
    pub after: f64,
    /// after / before: above 1 is slower.
    pub ratio: f64,
}

/// f64 ordered by `total_cmp`, for heaps.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ordered(f64);
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Sum of absolute deviations from the median of a growing set, in O(log n) per value.
#[derive(Debug, Default)]
struct RunningL1 {
    low: BinaryHeap<Ordered>,
    high: BinaryHeap<Reverse<Ordered>>,
    low_sum: f64,
    high_sum: f64,
}

impl RunningL1 {
    fn push(&mut self, x: f64) {
        if self.low.peek().is_none_or(|m| x <= m.0) {
            self.low.push(Ordered(x));
            self.low_sum += x;
        } else {
            self.high.push(Reverse(Ordered(x)));
            self.high_sum += x;
        }
        // Keep |low| = |high| or |high| + 1: the median is the top of `low`.
        if self.low.len() > self.high.len() + 1 {
            let v = self.low.pop().expect("non-empty").0;
            self.low_sum -= v;
            self.high.push(Reverse(Ordered(v)));
            self.high_sum += v;
        } else if self.high.len() > self.low.len() {
            let v = self.high.pop().expect("non-empty").0.0;
            self.high_sum -= v;
            self.low.push(Ordered(v));
            self.low_sum += v;
        }
    }

    fn cost(&self) -> f64 {
        let Some(m) = self.low.peek().map(|m| m.0) else {
            return 0.0;
        };
        (self.high_sum - self.high.len() as f64 * m) + (self.low.len() as f64 * m - self.low_sum)
    }
}

/// The segment starts of the penalized L1 optimum (excluding 0), by optimal partitioning.
fn partition(x: &[f64], scale: f64, beta: f64, min_segment: usize) -> Vec<usize> {
    let n = x.len();
    let mut best = vec![f64::INFINITY; n + 1];
    let mut from = vec![0usize; n + 1];
    best[0] = -beta;
    for a in 0..n {
        if !best[a].is_finite() {
            continue;
        }
        let mut seg = RunningL1::default();
        for (b, &v) in x.iter().enumerate().skip(a) {
            seg.push(v);
            let end = b + 1;
            if end - a < min_segment || (end < n && n - end < min_segment) {
                continue;
            }
            let total = best[a] + seg.cost() / scale + beta;
            if total < best[end] {
                best[end] = total;
                from[end] = a;
            }
        }
    }
    let mut starts = Vec::new();
    let mut end = n;
    while end > 0 {
        let a = from[end];
        if a > 0 {
            starts.push(a);
        }
        end = a;
    }
    starts.reverse();
    starts
}

/// Change-points of a series of positive values (medians), in index order.
pub fn detect(values: &[f64], settings: Settings) -> Vec<ChangePoint> {
    let n = values.len();
    let min_segment = settings.min_segment.max(1);
    if n < 2 * min_segment {
        return Vec::new();
    }
    let logs: Vec<f64> = values
        .iter()
        .map(|v| v.max(f64::MIN_POSITIVE).ln())
        .collect();
    // Noise scale from consecutive differences (a step adds one large difference, which the
    // median ignores); MAD·1.4826/√2 estimates the standard deviation of one value. Floored at
    // 0.1% so that a perfectly flat series does not make every wiggle a change.
    let diffs: Vec<f64> = logs.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let scale = (stats::median(&diffs) * 1.4826 / std::f64::consts::SQRT_2).max(1e-3);
    let beta = settings.penalty * (n as f64).ln();
    let mut starts = partition(&logs, scale, beta, min_segment);
    // Merge away steps below the minimum, smallest first.
    loop {
        let bounds: Vec<usize> = std::iter::once(0)
            .chain(starts.iter().copied())
            .chain(std::iter::once(n))
            .collect();
        let steps: Vec<f64> = (0..starts.len())
            .map(|i| {
                let before = stats::median(&logs[bounds[i]..bounds[i + 1]]);
                let after = stats::median(&logs[bounds[i + 1]..bounds[i + 2]]);
                (after - before).abs()
            })
            .collect();
        match steps
            .iter()
            .enumerate()
            .filter(|(_, s)| **s < (1.0 + settings.min_step).ln())
            .min_by(|a, b| a.1.total_cmp(b.1))
        {
            Some((i, _)) => {
                starts.remove(i);
            }
            None => break,
        }
    }
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(starts.iter().copied())
        .chain(std::iter::once(n))
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(i, &index)| {
            let before = stats::median(&values[bounds[i]..bounds[i + 1]]);
            let after = stats::median(&values[bounds[i + 1]..bounds[i + 2]]);
            ChangePoint {
                index,
                before,
                after,
                ratio: after / before,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    /// Approximately normal noise (Irwin-Hall, 12 uniforms), standard deviation `sd`, relative.
    fn noisy(levels: &[(usize, f64)], sd: f64, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        let mut v = Vec::new();
        for &(len, level) in levels {
            for _ in 0..len {
                let z: f64 = (0..12).map(|_| rng.next_f64()).sum::<f64>() - 6.0;
                v.push(level * (1.0 + sd * z));
            }
        }
        v
    }

    #[test]
    fn finds_a_known_step() {
        for seed in 0..20 {
            let v = noisy(&[(18, 100.0), (14, 112.0)], 0.02, seed);
            let cps = detect(&v, Settings::default());
            assert_eq!(cps.len(), 1, "seed {seed}: {cps:?}");
            assert!(cps[0].index.abs_diff(18) <= 1, "seed {seed}: {cps:?}");
            assert!((cps[0].ratio - 1.12).abs() < 0.04, "{cps:?}");
        }
    }

    #[test]
    fn finds_a_step_and_its_reversal() {
        let v = noisy(&[(15, 100.0), (12, 130.0), (15, 100.0)], 0.02, 3);
        let cps = detect(&v, Settings::default());
        let at: Vec<usize> = cps.iter().map(|c| c.index).collect();
        assert_eq!(at.len(), 2, "{cps:?}");
        assert!(at[0].abs_diff(15) <= 1 && at[1].abs_diff(27) <= 1, "{at:?}");
        assert!(cps[0].ratio > 1.2 && cps[1].ratio < 0.85);
    }

    #[test]
    fn stays_quiet_on_pure_noise() {
        let mut alarms = 0;
        for seed in 0..200 {
            let v = noisy(&[(40, 100.0)], 0.03, 1000 + seed);
            alarms += !detect(&v, Settings::default()).is_empty() as usize;
        }
        assert!(
            alarms <= 4,
            "{alarms} of 200 noise series had a change-point"
        );
    }

    #[test]
    fn ignores_outliers_and_tiny_steps() {
        let mut v = noisy(&[(30, 100.0)], 0.01, 9);
        // Isolated outlier runs (a neighbour's job, a frequency dip) are not steps.
        v[10] = 400.0;
        v[20] = 30.0;
        v[27] = 250.0;
        assert!(detect(&v, Settings::default()).is_empty());
        // A real but 1% step is below the default minimum step.
        let v = noisy(&[(30, 100.0), (30, 101.0)], 0.001, 4);
        assert!(detect(&v, Settings::default()).is_empty());
        assert_eq!(
            detect(
                &v,
                Settings {
                    min_step: 0.005,
                    ..Settings::default()
                }
            )
            .len(),
            1
        );
    }

    #[test]
    fn running_l1_matches_a_direct_computation() {
        let mut rng = SplitMix64::new(1);
        let mut seg = RunningL1::default();
        let mut v = Vec::new();
        for _ in 0..50 {
            let x = rng.next_f64();
            seg.push(x);
            v.push(x);
            let mut s = v.clone();
            s.sort_by(f64::total_cmp);
            let m = s[(s.len() - 1) / 2];
            let direct: f64 = s.iter().map(|y| (y - m).abs()).sum();
            assert!((seg.cost() - direct).abs() < 1e-9);
        }
    }

    #[test]
    fn short_series_have_no_change_points() {
        assert!(detect(&[], Settings::default()).is_empty());
        assert!(detect(&[1.0, 2.0, 3.0, 4.0, 5.0], Settings::default()).is_empty());
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]

            #[test]
            fn a_constant_series_has_no_change_point(level in 1e-3f64..1e9, n in 0usize..80) {
                prop_assert!(detect(&vec![level; n], Settings::default()).is_empty());
            }

            #[test]
            fn noise_without_a_step_has_no_change_point(
                level in 1e-3f64..1e9,
                noise in prop::collection::vec(-0.005f64..0.005, 0..80),
            ) {
                let v: Vec<f64> = noise.iter().map(|e| level * (1.0 + e)).collect();
                let cps = detect(&v, Settings::default());
                prop_assert!(cps.is_empty(), "{:?}", cps);
            }

            #[test]
            fn a_big_step_is_found_at_its_index(
                level in 1e-3f64..1e9,
                // At least 30% up or down.
                step in prop_oneof![1.3f64..5.0, 0.2f64..0.77],
                before in prop::collection::vec(-0.005f64..0.005, 3..40),
                after in prop::collection::vec(-0.005f64..0.005, 3..40),
            ) {
                let v: Vec<f64> = before
                    .iter()
                    .map(|e| level * (1.0 + e))
                    .chain(after.iter().map(|e| level * step * (1.0 + e)))
                    .collect();
                let cps = detect(&v, Settings::default());
                prop_assert_eq!(cps.len(), 1, "{:?}", cps);
                prop_assert!(cps[0].index.abs_diff(before.len()) <= 1, "{:?}", cps);
                prop_assert!((cps[0].ratio / step - 1.0).abs() < 0.02, "{:?}", cps);
            }
        }
    }
}
