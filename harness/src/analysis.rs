//! Figures derived across points: speedup against the baseline, its bootstrap interval,
//! parallel efficiency and the Karp-Flatt serial fraction. Only verified points get them.

use crate::results::{Derived, Point, Status};
use crate::stats;

/// The variant every other variant of a workload is compared with.
pub const BASELINE_VARIANT: &str = "serial";

/// Karp-Flatt experimentally determined serial fraction for speedup `s` on `p > 1` workers.
pub fn karp_flatt(s: f64, p: f64) -> Option<f64> {
    (p > 1.0 && s > 0.0).then(|| (1.0 / s - 1.0 / p) / (1.0 - 1.0 / p))
}

/// Bootstrap interval of `median(base) / median(new)`, resampling both sides independently.
pub fn ratio_ci(base: &[f64], new: &[f64], seed: u64) -> [f64; 2] {
    ratio_ci_at(
        base,
        new,
        seed,
        stats::CONFIDENCE_LEVEL,
        stats::BOOTSTRAP_RESAMPLES,
    )
}

/// [`ratio_ci`] at confidence `level` with `resamples` bootstrap resamples (percentile method).
pub fn ratio_ci_at(base: &[f64], new: &[f64], seed: u64, level: f64, resamples: usize) -> [f64; 2] {
    let mut rng = crate::rng::SplitMix64::new(seed);
    let (mut a, mut b) = (vec![0.0; base.len()], vec![0.0; new.len()]);
    let mut ratios = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for x in a.iter_mut() {
            *x = base[rng.below(base.len())];
        }
        for x in b.iter_mut() {
            *x = new[rng.below(new.len())];
        }
        ratios.push(stats::median_in_place(&mut a) / stats::median_in_place(&mut b));
    }
    ratios.sort_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    [
        stats::quantile_sorted(&ratios, alpha),
        stats::quantile_sorted(&ratios, 1.0 - alpha),
    ]
}

/// Finds the baseline of `points[i]`: the `serial` variant of the same suite, size and
/// parameters, or else the same variant at one worker (command suites, user workloads).
fn baseline_of(points: &[Point], i: usize) -> Option<(usize, String)> {
    let p = &points[i];
    let same_problem = |q: &Point| {
        q.suite == p.suite && q.size == p.size && q.params == p.params && q.status == Status::Ok
    };
    if let Some(j) = points
        .iter()
        .position(|q| same_problem(q) && q.variant == BASELINE_VARIANT)
    {
        return Some((j, BASELINE_VARIANT.to_string()));
    }
    points
        .iter()
        .position(|q| same_problem(q) && q.variant == p.variant && q.workers == 1)
        .map(|j| (j, format!("{} at 1 worker", p.variant)))
}

/// The derived figures of `points[i]`; points that are not `ok` get none.
pub fn derive(points: &[Point], i: usize, seed: u64) -> Derived {
    let p = &points[i];
    if p.status != Status::Ok {
        return Derived::default();
    }
    let (Some(m), Some((j, label))) = (&p.measurement, baseline_of(points, i)) else {
        return Derived::default();
    };
    let Some(b) = &points[j].measurement else {
        return Derived::default();
    };
    let s = b.stats.median.0 / m.stats.median.0;
    let workers = p.workers as f64;
    let raw = |v: &[crate::Nanos]| v.iter().map(|x| x.0).collect::<Vec<f64>>();
    let ci = if i == j {
        [1.0, 1.0]
    } else {
        ratio_ci(&raw(&b.samples_ns), &raw(&m.samples_ns), seed ^ i as u64)
    };
    Derived {
        baseline: Some(label),
        speedup: Some(s),
        speedup_ci: Some(ci),
        efficiency: Some(s / workers),
        karp_flatt: karp_flatt(s, workers),
    }
}

/// Fills `derived` for every point.
pub fn derive_all(points: &mut [Point], seed: u64) {
    let derived: Vec<Derived> = (0..points.len()).map(|i| derive(points, i, seed)).collect();
    for (p, d) in points.iter_mut().zip(derived) {
        p.derived = d;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn karp_flatt_hand_values() {
        // Perfect speedup: no serial fraction.
        assert!((karp_flatt(4.0, 4.0).unwrap()).abs() < 1e-12);
        // S = 1.6 on 2 workers: (0.625 - 0.5) / 0.5 = 0.25
        assert!((karp_flatt(1.6, 2.0).unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(karp_flatt(1.0, 1.0), None);
    }

    #[test]
    fn ratio_ci_brackets_the_true_ratio() {
        let base: Vec<f64> = (0..50).map(|i| 200.0 + (i % 5) as f64).collect();
        let new: Vec<f64> = (0..50).map(|i| 100.0 + (i % 5) as f64 * 0.5).collect();
        let [lo, hi] = ratio_ci(&base, &new, 3);
        assert!(lo <= 2.0 && 2.0 <= hi, "{lo} {hi}");
        assert!(hi - lo < 0.1);
    }
}
