//! Statistics over repetitions (combined into a point by `parbench_harness::repeated`). A point is measured in several independent repetitions (fresh
//! buffers and threads, interleaved with the other points of its problem); its figure is the
//! median of the repetitions' medians, and its interval comes from a two-level bootstrap
//! (repetitions, then the samples inside each), widened so that it covers a rerun's figure.
//!
//! Why two levels and a rerun interval: on the machines this was built on most of the variation
//! lives between allocations and processes, not inside one block of samples
//! (docs/variance.md), so an interval from one block's samples claims a precision the next run
//! does not have. The published 95% interval is a prediction interval for the figure an
//! identical rerun would report: √2 times the standard error of this run's figure (the
//! difference of two independent estimates), with Student's t for the few repetitions there are.

use crate::rng::SplitMix64;
use crate::stats::{self, median_in_place};

/// Resamples of the two-level bootstrap.
pub const RESAMPLES: usize = 1000;

/// The figure of a point from its repetitions' medians: their median (robust to one disturbed
/// repetition, the same unit as each repetition's figure).
pub fn center(rep_medians: &[f64]) -> f64 {
    stats::median(rep_medians)
}

/// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    crate::fit::student_t_975(df)
}

/// One bootstrap draw of a repetition's median: its samples resampled with replacement.
fn draw_median(samples: &[f64], rng: &mut SplitMix64, scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    scratch.extend((0..samples.len()).map(|_| samples[rng.below(samples.len())]));
    median_in_place(scratch)
}

/// One two-level bootstrap draw of [`center`] over `reps` (each a repetition's samples).
fn draw_center(
    reps: &[&[f64]],
    picks: &[usize],
    rng: &mut SplitMix64,
    scratch: &mut Vec<f64>,
) -> f64 {
    let mut medians: Vec<f64> = picks
        .iter()
        .map(|&i| draw_median(reps[i], rng, scratch))
        .collect();
    median_in_place(&mut medians)
}

fn pick(n: usize, rng: &mut SplitMix64) -> Vec<usize> {
    (0..n).map(|_| rng.below(n)).collect()
}

/// Standard deviation of the logarithms of `draws`.
fn log_sd(draws: &[f64]) -> f64 {
    let logs: Vec<f64> = draws
        .iter()
        .map(|d| d.max(f64::MIN_POSITIVE).ln())
        .collect();
    stats::stddev(&logs, stats::mean(&logs))
}

/// `estimate` times/divided by exp(t · √2 · sd): the 95% interval for a rerun's figure.
pub fn rerun_bounds(estimate: f64, sd_log: f64, repetitions: usize) -> [f64; 2] {
    rerun_bounds_with(estimate, sd_log, repetitions, 0.0)
}

/// [`rerun_bounds`] with a run-to-run drift (relative sd) that one run cannot see: the next
/// run's figure differs by both runs' errors and both runs' drifts.
pub fn rerun_bounds_with(estimate: f64, sd_log: f64, repetitions: usize, drift: f64) -> [f64; 2] {
    let spread = (sd_log * sd_log + drift * drift).sqrt();
    let half = t975(repetitions.saturating_sub(1)) * std::f64::consts::SQRT_2 * spread;
    if !half.is_finite() {
        return [0.0, f64::INFINITY];
    }
    [estimate * (-half).exp(), estimate * half.exp()]
}

/// The 95% interval for the figure ([`center`]) that a rerun would report, from the samples of
/// each repetition (at least two repetitions; each non-empty), with the machine's run-to-run
/// `drift` (relative sd; 0 for none).
pub fn rerun_interval(reps: &[&[f64]], seed: u64, drift: f64) -> [f64; 2] {
    let (estimate, sd_log) = figure_and_spread(reps, seed);
    rerun_bounds_with(estimate, sd_log, reps.len(), drift)
}

/// [`center`] of `reps` and the two-level bootstrap standard deviation of its logarithm.
pub fn figure_and_spread(reps: &[&[f64]], seed: u64) -> (f64, f64) {
    assert!(reps.len() >= 2 && reps.iter().all(|r| !r.is_empty()));
    let medians: Vec<f64> = reps.iter().map(|r| stats::median(r)).collect();
    let estimate = center(&medians);
    let mut rng = SplitMix64::new(seed);
    let mut scratch = Vec::new();
    let draws: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let picks = pick(reps.len(), &mut rng);
            draw_center(reps, &picks, &mut rng, &mut scratch)
        })
        .collect();
    (estimate, log_sd(&draws))
}

/// The ratio `center(base) / center(new)` (a speedup when `new` is the faster variant) and its
/// 95% rerun interval. `base[i]` and `new[i]` were measured in the same round, so the bootstrap
/// resamples rounds in pairs: drift that hits both sides of a round alike cancels.
pub fn paired_ratio(base: &[&[f64]], new: &[&[f64]], seed: u64) -> (f64, [f64; 2]) {
    assert_eq!(base.len(), new.len());
    assert!(base.len() >= 2);
    let med = |reps: &[&[f64]]| center(&reps.iter().map(|r| stats::median(r)).collect::<Vec<_>>());
    let estimate = med(base) / med(new);
    let mut rng = SplitMix64::new(seed);
    let mut scratch = Vec::new();
    let draws: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let picks = pick(base.len(), &mut rng);
            draw_center(base, &picks, &mut rng, &mut scratch)
                / draw_center(new, &picks, &mut rng, &mut scratch)
        })
        .collect();
    (estimate, rerun_bounds(estimate, log_sd(&draws), base.len()))
}

/// The ratio `center(base) / center(new)` of two independent runs and its interval at `level`
/// (two-sided; for a comparison of runs, where each side's own between-run variation counts).
/// The standard errors of both sides add, and each run's `drift` (relative sd) once; `t` uses
/// the smaller side's repetitions.
pub fn unpaired_ratio(
    base: &[&[f64]],
    new: &[&[f64]],
    level: f64,
    seed: u64,
    drift: f64,
) -> (f64, [f64; 2]) {
    assert!(base.len() >= 2 && new.len() >= 2);
    let mut rng = SplitMix64::new(seed);
    let mut scratch = Vec::new();
    let mut side = |reps: &[&[f64]]| -> (f64, f64) {
        let medians: Vec<f64> = reps.iter().map(|r| stats::median(r)).collect();
        let draws: Vec<f64> = (0..RESAMPLES)
            .map(|_| {
                let picks = pick(reps.len(), &mut rng);
                draw_center(reps, &picks, &mut rng, &mut scratch)
            })
            .collect();
        (center(&medians), log_sd(&draws))
    };
    let (b, sb) = side(base);
    let (n, sn) = side(new);
    let estimate = b / n;
    let df = base.len().min(new.len()) - 1;
    let half = t_quantile(df, level) * (sb * sb + sn * sn + 2.0 * drift * drift).sqrt();
    (estimate, [estimate * (-half).exp(), estimate * half.exp()])
}

/// Two-sided quantile of Student's t at `level` (approximation of Cornish-Fisher type from the
/// normal quantile; exact table at 95%).
pub fn t_quantile(df: usize, level: f64) -> f64 {
    if (level - 0.95).abs() < 1e-12 {
        return t975(df);
    }
    if df == 0 {
        return f64::INFINITY;
    }
    let z = normal_quantile(1.0 - (1.0 - level) / 2.0);
    let d = df as f64;
    // Fisher's expansion (Abramowitz and Stegun 26.7.5), good to a few percent for df >= 3.
    z + (z.powi(3) + z) / (4.0 * d)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * d.powi(3))
}

/// The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let poly = |c: &[f64], x: f64| c.iter().fold(0.0, |acc, k| acc * x + k);
    if p < 0.02425 {
        let q = (-2.0 * p.ln()).sqrt();
        poly(&C, q) / (poly(&D, q) * q + 1.0)
    } else if p <= 1.0 - 0.02425 {
        let q = p - 0.5;
        let r = q * q;
        poly(&A, r) * q / (poly(&B, r) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -poly(&C, q) / (poly(&D, q) * q + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reps_around(centers: &[f64], spread: f64, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = SplitMix64::new(seed);
        centers
            .iter()
            .map(|c| {
                (0..15)
                    .map(|_| c * (1.0 + spread * (rng.next_f64() - 0.5)))
                    .collect()
            })
            .collect()
    }

    fn refs(v: &[Vec<f64>]) -> Vec<&[f64]> {
        v.iter().map(Vec::as_slice).collect()
    }

    #[test]
    fn normal_and_t_quantiles() {
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-5);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.001) + 3.090232).abs() < 1e-5);
        assert_eq!(t975(5), 2.571);
        assert!((t975(1000) - 1.962).abs() < 0.001);
        // t at 99% with 10 df is 3.169.
        assert!(
            (t_quantile(10, 0.99) - 3.169).abs() < 0.02,
            "{}",
            t_quantile(10, 0.99)
        );
    }

    #[test]
    fn the_interval_sees_the_spread_between_repetitions() {
        // Tight samples inside each repetition, repetitions 20% apart: the interval must span
        // roughly the repetitions, not the 0.1% inside each.
        let reps = reps_around(&[1.0, 1.2, 1.1, 0.95, 1.15, 1.05], 0.001, 1);
        let [lo, hi] = rerun_interval(&refs(&reps), 7, 0.0);
        assert!(lo < 0.98 && hi > 1.15, "[{lo}, {hi}]");
        // Identical repetitions: a narrow interval around them.
        let same = reps_around(&[1.0; 6], 0.001, 2);
        let [lo, hi] = rerun_interval(&refs(&same), 7, 0.0);
        assert!(lo > 0.99 && hi < 1.01, "[{lo}, {hi}]");
        // ... unless the machine drifts between runs: 3% drift, t(5) · √2 · 3% ≈ 11% each way.
        let [lo, hi] = rerun_interval(&refs(&same), 7, 0.03);
        assert!(
            (0.88..0.91).contains(&lo) && (1.10..1.13).contains(&hi),
            "[{lo}, {hi}]"
        );
    }

    #[test]
    fn paired_ratios_cancel_common_drift() {
        // Both sides drift together by round: the ratio is exactly 2 in every round.
        let drift = [1.0, 1.3, 0.9, 1.2, 1.1, 1.0];
        let base = reps_around(&drift.map(|d| 2.0 * d), 0.0, 3);
        let new = reps_around(&drift, 0.0, 4);
        let (r, [lo, hi]) = paired_ratio(&refs(&base), &refs(&new), 5);
        assert!((r - 2.0).abs() < 1e-9);
        assert!(
            (lo - 2.0).abs() < 1e-9 && (hi - 2.0).abs() < 1e-9,
            "[{lo}, {hi}]"
        );
        // Unpaired, the same data shows the drift as uncertainty.
        let (_, [lo, hi]) = unpaired_ratio(&refs(&base), &refs(&new), 0.95, 5, 0.0);
        assert!(lo < 1.8 && hi > 2.2, "[{lo}, {hi}]");
    }

    #[test]
    fn the_rerun_interval_covers_reruns() {
        // Simulated runs: each repetition's level is drawn from N(1, 0.05); 6 repetitions per run.
        // The interval of one run must contain the next run's figure about 95% of the time.
        let mut rng = SplitMix64::new(11);
        let mut normal = || {
            let (u, v) = (rng.next_f64().max(1e-12), rng.next_f64());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        };
        let mut runs = Vec::new();
        for _ in 0..200 {
            let levels: Vec<f64> = (0..6).map(|_| 1.0 + 0.05 * normal()).collect();
            runs.push(reps_around(&levels, 0.01, 99));
        }
        let mut covered = 0;
        for pair in runs.windows(2) {
            let [lo, hi] = rerun_interval(&refs(&pair[0]), 1, 0.0);
            let next = center(&pair[1].iter().map(|r| stats::median(r)).collect::<Vec<_>>());
            covered += usize::from(lo <= next && next <= hi);
        }
        let share = covered as f64 / (runs.len() - 1) as f64;
        assert!(share > 0.88, "rerun coverage {share}");
    }
}
