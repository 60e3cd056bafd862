//! Descriptive statistics of measured samples: location and spread, a seeded bootstrap
//! confidence interval of the median, and Tukey-fence outlier counts (counted, never dropped).

use crate::rng::SplitMix64;
use parbench_schema::duration::Nanos;
use parbench_schema::results::{OutlierCounts, relative_width};
use parbench_schema::results::{Phase, TimeStats};

/// Number of bootstrap resamples used for reported confidence intervals.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;
/// Confidence level of every reported interval.
pub const CONFIDENCE_LEVEL: f64 = 0.95;

/// Summary statistics of a sample set, in the unit of the samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Number of samples.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median (type 7 quantile at 0.5).
    pub median: f64,
    /// Sample standard deviation (n - 1 in the denominator).
    pub stddev: f64,
    /// Median absolute deviation, scaled by 1.4826 so that it estimates the standard deviation
    /// of normally distributed data (the convention of R and criterion).
    pub mad: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
    /// Coefficient of variation: stddev / mean.
    pub cv: f64,
    /// Lower end of the bootstrap interval of the median at [`CONFIDENCE_LEVEL`].
    pub ci_low: f64,
    /// Upper end of the bootstrap interval of the median.
    pub ci_high: f64,
    /// Tukey-fence outlier counts.
    pub outliers: OutlierCounts,
}

impl Summary {
    /// Summarizes `samples` (at least one); `seed` makes the bootstrap reproducible.
    pub fn of(samples: &[f64], seed: u64) -> Summary {
        assert!(!samples.is_empty(), "Summary::of needs at least one sample");
        let sorted = sorted(samples);
        let n = sorted.len();
        let mean = mean(&sorted);
        let median = quantile_sorted(&sorted, 0.5);
        let stddev = stddev(&sorted, mean);
        let (ci_low, ci_high) =
            bootstrap_median_ci(samples, CONFIDENCE_LEVEL, BOOTSTRAP_RESAMPLES, seed);
        Summary {
            n,
            mean,
            median,
            stddev,
            mad: mad(&sorted, median),
            min: sorted[0],
            max: sorted[n - 1],
            cv: if mean != 0.0 { stddev / mean } else { 0.0 },
            ci_low,
            ci_high,
            outliers: tukey_outliers(&sorted),
        }
    }

    /// Width of the confidence interval relative to the median.
    pub fn relative_ci_width(&self) -> f64 {
        relative_width(self.ci_low, self.ci_high, self.median)
    }
}

/// A sorted copy of `samples`, ascending (by `f64::total_cmp`).
pub fn sorted(samples: &[f64]) -> Vec<f64> {
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Arithmetic mean of `values` (NaN when empty).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample standard deviation; 0 for a single value.
pub fn stddev(values: &[f64], mean: f64) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (ss / (values.len() - 1) as f64).sqrt()
}

/// The `q` quantile of sorted values with linear interpolation between order statistics
/// (Hyndman and Fan's type 7, the default of R and NumPy).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty());
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// Median of `samples` (at least one), interpolated between the middle two when even.
pub fn median(samples: &[f64]) -> f64 {
    quantile_sorted(&sorted(samples), 0.5)
}

/// Median absolute deviation around `median`, scaled by 1.4826.
pub fn mad(sorted_values: &[f64], median: f64) -> f64 {
    let deviations: Vec<f64> = sorted_values.iter().map(|v| (v - median).abs()).collect();
    1.4826 * quantile_sorted(&sorted(&deviations), 0.5)
}

/// Counts the values outside Tukey's fences.
pub fn tukey_outliers(sorted_values: &[f64]) -> OutlierCounts {
    let q1 = quantile_sorted(sorted_values, 0.25);
    let q3 = quantile_sorted(sorted_values, 0.75);
    let iqr = q3 - q1;
    let (mild_lo, mild_hi) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
    let (severe_lo, severe_hi) = (q1 - 3.0 * iqr, q3 + 3.0 * iqr);
    let mut counts = OutlierCounts::default();
    for &v in sorted_values {
        if v < severe_lo {
            counts.low_severe += 1;
        } else if v < mild_lo {
            counts.low_mild += 1;
        } else if v > severe_hi {
            counts.high_severe += 1;
        } else if v > mild_hi {
            counts.high_mild += 1;
        }
    }
    counts
}

/// Percentile-bootstrap confidence interval of a statistic computed on resamples of `samples`.
pub fn bootstrap_ci(
    samples: &[f64],
    level: f64,
    resamples: usize,
    seed: u64,
    statistic: impl Fn(&mut [f64]) -> f64,
) -> (f64, f64) {
    let n = samples.len();
    if n < 2 {
        return (samples[0], samples[0]);
    }
    let mut rng = SplitMix64::new(seed);
    let mut scratch = vec![0.0; n];
    let mut estimates = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for slot in scratch.iter_mut() {
            *slot = samples[rng.below(n)];
        }
        estimates.push(statistic(&mut scratch));
    }
    estimates.sort_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    (
        quantile_sorted(&estimates, alpha),
        quantile_sorted(&estimates, 1.0 - alpha),
    )
}

/// Median of a scratch buffer, reordering it (linear-time selection).
pub fn median_in_place(values: &mut [f64]) -> f64 {
    let n = values.len();
    let mid = n / 2;
    let (_, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        upper
    } else {
        let lower = values[..mid]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// Bootstrap confidence interval of the median.
pub fn bootstrap_median_ci(samples: &[f64], level: f64, resamples: usize, seed: u64) -> (f64, f64) {
    bootstrap_ci(samples, level, resamples, seed, median_in_place)
}

impl From<&Summary> for TimeStats {
    fn from(s: &Summary) -> Self {
        TimeStats {
            n: s.n,
            mean: Nanos(s.mean),
            median: Nanos(s.median),
            stddev: Nanos(s.stddev),
            mad: Nanos(s.mad),
            min: Nanos(s.min),
            max: Nanos(s.max),
            cv: s.cv,
            ci_low: Nanos(s.ci_low),
            ci_high: Nanos(s.ci_high),
            ci_level: CONFIDENCE_LEVEL,
            outliers: s.outliers,
        }
    }
}

/// A phase from its per-sample times, against the mean iteration time `mean_iteration`.
pub fn phase_from_samples(name: String, samples_ns: Vec<Nanos>, mean_iteration: f64) -> Phase {
    let raw: Vec<f64> = samples_ns.iter().map(|x| x.0).collect();
    let mean = mean(&raw);
    Phase {
        name,
        median: Nanos(median(&raw)),
        mean: Nanos(mean),
        share: if mean_iteration > 0.0 {
            mean / mean_iteration
        } else {
            0.0
        },
        samples_ns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn hand_computed_summary() {
        // Values 1..=9 and one outlier at 100: computed by hand.
        let data = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 100.0];
        let s = Summary::of(&data, 1);
        assert_eq!(s.n, 10);
        assert!(close(s.mean, 13.6));
        // sorted: 1 1 2 3 4 5 5 6 9 100 -> median (4 + 5) / 2
        assert!(close(s.median, 4.5));
        assert!(close(s.min, 1.0));
        assert!(close(s.max, 100.0));
        // sum of squared deviations from 13.6 = 8348.4 -> variance 927.6
        assert!(close(s.stddev, (8348.4f64 / 9.0).sqrt()), "{}", s.stddev);
        // |x - 4.5| sorted: 0.5 0.5 0.5 1.5 1.5 2.5 3.5 3.5 4.5 95.5 -> median 2.0
        assert!(close(s.mad, 1.4826 * 2.0));
        assert!(close(s.cv, s.stddev / 13.6));
        // q1 = 2.25, q3 = 5.75 (type 7), iqr 3.5: severe fence 16.25 -> 100 is severe
        assert_eq!(
            s.outliers,
            OutlierCounts {
                low_severe: 0,
                low_mild: 0,
                high_mild: 0,
                high_severe: 1
            }
        );
        assert!(s.ci_low <= s.median && s.median <= s.ci_high);
    }

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!(close(quantile_sorted(&v, 0.5), 2.5));
        assert!(close(quantile_sorted(&v, 0.25), 1.75));
        assert!(close(quantile_sorted(&v, 1.0), 4.0));
    }

    #[test]
    fn median_in_place_matches_sorting() {
        let mut rng = SplitMix64::new(3);
        for n in 1..40 {
            let v: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
            let mut w = v.clone();
            assert!(close(median_in_place(&mut w), median(&v)));
        }
    }

    #[test]
    fn bootstrap_is_seeded_and_covers_the_median() {
        let mut rng = SplitMix64::new(11);
        let data: Vec<f64> = (0..200).map(|_| 100.0 + rng.next_f64()).collect();
        let a = bootstrap_median_ci(&data, 0.95, 1000, 42);
        let b = bootstrap_median_ci(&data, 0.95, 1000, 42);
        assert_eq!(a, b);
        let m = median(&data);
        assert!(a.0 <= m && m <= a.1);
        // Uniform(100, 101): the median's standard error is about 0.5/sqrt(200) * sqrt(pi/2)
        // ~ 0.044, so the 95% interval is around 0.17 wide.
        let width = a.1 - a.0;
        assert!(width > 0.05 && width < 0.4, "{width}");
    }

    #[test]
    fn constant_samples_have_zero_width() {
        let s = Summary::of(&[5.0; 8], 0);
        assert_eq!(s.relative_ci_width(), 0.0);
        assert_eq!(s.stddev, 0.0);
        assert_eq!(s.outliers.total(), 0);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Sample sets as timings come: 1 to 60 positive values over nine orders of magnitude.
        fn samples() -> impl Strategy<Value = Vec<f64>> {
            prop::collection::vec(1e-3f64..1e6, 1..60)
        }

        fn close(a: f64, b: f64) -> bool {
            (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn the_summary_is_ordered_and_its_interval_holds_the_median(
                s in samples(), seed in any::<u64>()
            ) {
                let sum = Summary::of(&s, seed);
                prop_assert_eq!(sum.n, s.len());
                prop_assert!(sum.min <= sum.median && sum.median <= sum.max, "{:?}", sum);
                prop_assert!(sum.min <= sum.mean * (1.0 + 1e-12), "{:?}", sum);
                prop_assert!(sum.mean <= sum.max * (1.0 + 1e-12), "{:?}", sum);
                prop_assert!(sum.min <= sum.ci_low && sum.ci_high <= sum.max, "{:?}", sum);
                prop_assert!(sum.ci_low <= sum.median && sum.median <= sum.ci_high, "{:?}", sum);
                prop_assert!(sum.stddev >= 0.0 && sum.mad >= 0.0 && sum.cv >= 0.0);
                prop_assert!(sum.outliers.total() <= s.len());
            }

            #[test]
            fn the_summary_scales_with_the_unit(
                s in samples(), k in 1e-6f64..1e6, seed in any::<u64>()
            ) {
                let a = Summary::of(&s, seed);
                let scaled: Vec<f64> = s.iter().map(|x| x * k).collect();
                let b = Summary::of(&scaled, seed);
                for (x, y) in [
                    (a.median, b.median),
                    (a.mean, b.mean),
                    (a.min, b.min),
                    (a.max, b.max),
                    (a.ci_low, b.ci_low),
                    (a.ci_high, b.ci_high),
                ] {
                    prop_assert!(close(x * k, y), "{} * {} != {}", x, k, y);
                }
                prop_assert!((a.cv - b.cv).abs() <= 1e-9 * a.cv.max(1.0));
                prop_assert_eq!(a.outliers, b.outliers);
            }

            #[test]
            fn quantiles_rise_with_q_and_the_selection_median_is_the_sorted_one(
                s in samples(), q1 in 0.0f64..=1.0, q2 in 0.0f64..=1.0
            ) {
                let sorted = sorted(&s);
                let (lo, hi) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
                prop_assert!(quantile_sorted(&sorted, lo) <= quantile_sorted(&sorted, hi));
                let mut scratch = s.clone();
                prop_assert!(close(median_in_place(&mut scratch), median(&s)));
            }

            #[test]
            fn the_bootstrap_is_seeded_and_nested_by_level(
                s in samples(), seed in any::<u64>()
            ) {
                let (l90, h90) = bootstrap_median_ci(&s, 0.90, 400, seed);
                let (l99, h99) = bootstrap_median_ci(&s, 0.99, 400, seed);
                prop_assert_eq!(bootstrap_median_ci(&s, 0.90, 400, seed), (l90, h90));
                // The same resamples at a higher level: an interval at least as wide.
                prop_assert!(l99 <= l90 && h90 <= h99);
            }
        }
    }
}
