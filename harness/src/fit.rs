//! Scalability models fitted to measured speedups. Amdahl's law, speedup(p) = 1 / (f + (1 - f)/p),
//! gives the serial fraction `f` by least squares, with a standard error and a 95% interval; a fit
//! the data cannot support says so (`NotMeaningful`) instead of producing a number.

use std::fmt;

/// A fit needs at least this many distinct worker counts: with two, any curve through the points
/// fits, and the "serial fraction" would only restate the last speedup.
pub const MIN_DISTINCT_WORKERS: usize = 3;

/// Amdahl's law: the speedup on `p` workers of a program whose serial fraction is `f`.
pub fn amdahl_speedup(f: f64, p: f64) -> f64 {
    1.0 / (f + (1.0 - f) / p)
}

/// Why no fit is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMeaningful {
    pub reason: String,
}

impl fmt::Display for NotMeaningful {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not meaningful: {}", self.reason)
    }
}

impl std::error::Error for NotMeaningful {}

/// The least-squares serial fraction of a set of (workers, speedup) measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct AmdahlFit {
    /// The fitted serial fraction, in [0, 1].
    pub serial_fraction: f64,
    /// Asymptotic standard error of `serial_fraction` (from the residuals and the Jacobian).
    pub std_error: f64,
    /// 95% interval of `serial_fraction` (Student t with n - 1 degrees of freedom), clamped to
    /// [0, 1].
    pub ci: [f64; 2],
    /// Measurements used.
    pub points: usize,
    pub distinct_workers: usize,
    /// Root mean square of the speedup residuals.
    pub rmse: f64,
    /// The best fit lies on the boundary of [0, 1] (e.g. superlinear speedups give f = 0): the
    /// interval is then one-sided and the model describes the data poorly.
    pub at_bound: bool,
}

impl AmdahlFit {
    /// The fitted curve's speedup at `p` workers.
    pub fn speedup(&self, p: f64) -> f64 {
        amdahl_speedup(self.serial_fraction, p)
    }

    /// The speedup the fit predicts for unlimited workers, `1 / f` (none when f = 0).
    pub fn max_speedup(&self) -> Option<f64> {
        (self.serial_fraction > 0.0).then(|| 1.0 / self.serial_fraction)
    }
}

/// Fits Amdahl's law to `(workers, speedup)` measurements (several per worker count allowed).
///
/// Minimizes the sum of squared speedup residuals over f in [0, 1]: a grid search finds the
/// basin, golden-section search refines it. Points with a non-finite or non-positive value are
/// ignored. Needs [`MIN_DISTINCT_WORKERS`] distinct worker counts, at least one of them above 1.
pub fn amdahl(measurements: &[(f64, f64)]) -> Result<AmdahlFit, NotMeaningful> {
    let data: Vec<(f64, f64)> = measurements
        .iter()
        .copied()
        .filter(|(p, s)| p.is_finite() && s.is_finite() && *p >= 1.0 && *s > 0.0)
        .collect();
    let mut distinct: Vec<f64> = data.iter().map(|(p, _)| *p).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT_WORKERS {
        return Err(NotMeaningful {
            reason: format!(
                "{} distinct worker count{} (a fit needs at least {MIN_DISTINCT_WORKERS})",
                distinct.len(),
                if distinct.len() == 1 { "" } else { "s" }
            ),
        });
    }
    let rss = |f: f64| -> f64 {
        data.iter()
            .map(|&(p, s)| {
                let r = s - amdahl_speedup(f, p);
                r * r
            })
            .sum()
    };

    // Grid search, then golden-section refinement inside the best grid cell's neighbours.
    const GRID: usize = 1000;
    let mut best = (0usize, f64::INFINITY);
    for i in 0..=GRID {
        let v = rss(i as f64 / GRID as f64);
        if v < best.1 {
            best = (i, v);
        }
    }
    let (mut lo, mut hi) = (
        best.0.saturating_sub(1) as f64 / GRID as f64,
        (best.0 + 1).min(GRID) as f64 / GRID as f64,
    );
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (hi - phi * (hi - lo), lo + phi * (hi - lo));
    let (mut fa, mut fb) = (rss(a), rss(b));
    for _ in 0..100 {
        if fa <= fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - phi * (hi - lo);
            fa = rss(a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + phi * (hi - lo);
            fb = rss(b);
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    let mut f = (lo + hi) / 2.0;
    // The boundaries themselves are candidates (golden section never evaluates them exactly).
    for edge in [0.0, 1.0] {
        if rss(edge) <= rss(f) {
            f = edge;
        }
    }
    let residual_ss = rss(f);
    let n = data.len();

    // Jacobian of the model with respect to f: d/df 1/(f + (1-f)/p) = -(1 - 1/p) / (.)^2.
    let jj: f64 = data
        .iter()
        .map(|&(p, _)| {
            let d = f + (1.0 - f) / p;
            let j = -(1.0 - 1.0 / p) / (d * d);
            j * j
        })
        .sum();
    let dof = n.saturating_sub(1).max(1);
    let sigma2 = residual_ss / dof as f64;
    let std_error = if jj > 0.0 {
        (sigma2 / jj).sqrt()
    } else {
        f64::INFINITY
    };
    let half = student_t_975(dof) * std_error;
    let at_bound = f <= 1e-9 || f >= 1.0 - 1e-9;
    Ok(AmdahlFit {
        serial_fraction: f,
        std_error,
        ci: [(f - half).max(0.0), (f + half).min(1.0)],
        points: n,
        distinct_workers: distinct.len(),
        rmse: (residual_ss / n as f64).sqrt(),
        at_bound,
    })
}

/// The 97.5% quantile of Student's t distribution with `dof` degrees of freedom (two-sided 95%):
/// tabulated up to 30, a Cornish-Fisher expansion around the normal quantile beyond.
pub fn student_t_975(dof: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match dof {
        0 => f64::INFINITY,
        d if d <= 30 => TABLE[d - 1],
        d => {
            let z: f64 = 1.959_963_985;
            let v = d as f64;
            z + (z.powi(3) + z) / (4.0 * v)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z)
                    / (384.0 * v * v * v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    fn synthetic(f: f64, workers: &[f64]) -> Vec<(f64, f64)> {
        workers.iter().map(|&p| (p, amdahl_speedup(f, p))).collect()
    }

    #[test]
    fn recovers_known_serial_fraction_from_exact_data() {
        for f in [0.0, 0.01, 0.05, 0.2, 0.5, 0.9] {
            let fit = amdahl(&synthetic(f, &[1.0, 2.0, 4.0, 8.0, 16.0])).unwrap();
            assert!(
                (fit.serial_fraction - f).abs() < 1e-6,
                "f = {f}: fitted {}",
                fit.serial_fraction
            );
            assert!(fit.rmse < 1e-6);
            assert!(fit.std_error < 1e-5, "{}", fit.std_error);
            assert_eq!(fit.distinct_workers, 5);
        }
    }

    #[test]
    fn interval_covers_the_truth_under_noise() {
        // 3% multiplicative noise on 4 repeats at each worker count, f = 0.08.
        let truth = 0.08;
        let mut rng = SplitMix64::new(7);
        let mut data = Vec::new();
        for p in [1.0, 2.0, 3.0, 4.0, 6.0, 8.0] {
            for _ in 0..4 {
                let noise = 1.0 + 0.03 * (2.0 * rng.next_f64() - 1.0);
                data.push((p, amdahl_speedup(truth, p) * noise));
            }
        }
        let fit = amdahl(&data).unwrap();
        assert!(
            fit.ci[0] <= truth && truth <= fit.ci[1],
            "{truth} not in {:?} (f = {})",
            fit.ci,
            fit.serial_fraction
        );
        assert!((fit.serial_fraction - truth).abs() < 0.02);
        assert!(fit.std_error > 0.0 && fit.ci[1] - fit.ci[0] < 0.05);
        assert_eq!(fit.points, 24);
        assert!(!fit.at_bound);
        assert!((fit.max_speedup().unwrap() - 1.0 / fit.serial_fraction).abs() < 1e-9);
    }

    #[test]
    fn too_few_worker_counts_is_not_meaningful() {
        let e = amdahl(&synthetic(0.1, &[1.0, 2.0, 2.0, 1.0])).unwrap_err();
        assert!(e.to_string().starts_with("not meaningful"), "{e}");
        assert!(e.reason.contains("2 distinct worker counts"), "{e}");
        let e = amdahl(&[(4.0, 3.0)]).unwrap_err();
        assert!(e.reason.contains("1 distinct worker count "), "{e}");
        // Unusable values do not count towards the distinct worker counts.
        let e = amdahl(&[(1.0, 1.0), (2.0, f64::NAN), (4.0, -1.0), (8.0, 5.0)]).unwrap_err();
        assert!(e.reason.contains("2 distinct"), "{e}");
    }

    #[test]
    fn superlinear_speedup_sits_at_the_boundary() {
        let data = [(1.0, 1.0), (2.0, 2.3), (4.0, 4.8)];
        let fit = amdahl(&data).unwrap();
        assert_eq!(fit.serial_fraction, 0.0);
        assert!(fit.at_bound);
        assert_eq!(fit.max_speedup(), None);
        assert_eq!(fit.ci[0], 0.0);
    }

    #[test]
    fn no_speedup_at_all_is_a_serial_fraction_of_one() {
        let fit = amdahl(&[(1.0, 1.0), (2.0, 1.0), (4.0, 1.0)]).unwrap();
        assert!((fit.serial_fraction - 1.0).abs() < 1e-9);
        assert!(fit.at_bound);
    }

    #[test]
    fn t_quantiles() {
        assert_eq!(student_t_975(1), 12.706);
        assert_eq!(student_t_975(30), 2.042);
        // Reference values: t(0.975; 40) = 2.0211, t(0.975; 120) = 1.9799.
        assert!((student_t_975(40) - 2.0211).abs() < 5e-4);
        assert!((student_t_975(120) - 1.9799).abs() < 5e-4);
        assert!(student_t_975(0).is_infinite());
    }
}
