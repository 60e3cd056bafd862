//! Scalability models fitted to measurements. Amdahl's law, speedup(p) = 1 / (f + (1 - f)/p),
//! gives the serial fraction `f` of measured speedups; the Universal Scalability Law,
//! X(N) = λN / (1 + σ(N−1) + κN(N−1)), gives the contention (σ) and coherency (κ) coefficients
//! of measured throughputs and the concurrency where throughput peaks. Both by least squares with
//! 95% intervals; a fit the data cannot support says so (`NotMeaningful`) instead of producing
//! a number. [`scalability_fits`] fits the USL to every variant of a run (the fits as stored are
//! `parbench_schema::fit`).

use parbench_schema::fit::{
    NotMeaningful, ScalabilityFit, UslFit, UslOutcome, UslPeak, usl_throughput,
};
use parbench_schema::results::{Point, Status};

/// A fit needs at least this many distinct worker counts: with two, any curve through the points
/// fits, and the "serial fraction" would only restate the last speedup.
pub const MIN_DISTINCT_WORKERS: usize = 3;

/// Amdahl's law: the speedup on `p` workers of a program whose serial fraction is `f`.
pub fn amdahl_speedup(f: f64, p: f64) -> f64 {
    1.0 / (f + (1.0 - f) / p)
}

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
    /// Distinct worker counts among them.
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

/// A USL fit needs at least this many distinct worker counts: the law has three parameters
/// (λ, σ, κ), so three counts are matched exactly by some curve and leave nothing to judge the
/// fit (or its intervals) by; a fourth gives one degree of freedom.
pub const USL_MIN_DISTINCT_WORKERS: usize = 4;

/// A USL fit whose measurements lie further than this from the best curve (RMS of the relative
/// residuals) is not meaningful: the law does not describe them (noise, or effects it does not
/// model, such as a throughput that collapses at one worker count and recovers at the next).
pub const USL_MAX_RMS_RELATIVE_RESIDUAL: f64 = 0.25;

/// Solves `a x = b` (3x3, partial pivoting); `None` when singular.
fn solve3(mut a: [[f64; 3]; 3], mut b: [f64; 3]) -> Option<[f64; 3]> {
    for col in 0..3 {
        let pivot = (col..3).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col] == 0.0 || a[pivot][col].is_nan() {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = top[col];
        for (offset, row) in rest.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row.iter_mut().zip(pivot_row).skip(col) {
                *x -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = [0.0; 3];
    for row in (0..3).rev() {
        let mut v = b[row];
        for k in row + 1..3 {
            v -= a[row][k] * x[k];
        }
        x[row] = v / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Fits the USL to `(workers, throughput)` measurements (several per worker count allowed).
///
/// Least squares on the logarithm of throughput (every measurement counts by its relative
/// error, whatever its magnitude) over ln λ, σ ≥ 0 and κ ≥ 0: a grid over (σ, κ) with λ
/// profiled out finds the basin, projected Levenberg-Marquardt refines it. Intervals come from
/// the Jacobian's covariance at the optimum (Student t with n − 3 degrees of freedom); a
/// parameter on its bound gets a one-sided interval. Needs [`USL_MIN_DISTINCT_WORKERS`]
/// distinct worker counts (measurements with a non-finite or non-positive value are ignored),
/// a covariance that separates the parameters, and measurements within
/// [`USL_MAX_RMS_RELATIVE_RESIDUAL`] of the curve.
pub fn usl(measurements: &[(f64, f64)]) -> Result<UslFit, NotMeaningful> {
    let data: Vec<(f64, f64)> = measurements
        .iter()
        .copied()
        .filter(|(n, x)| n.is_finite() && x.is_finite() && *n >= 1.0 && *x > 0.0)
        .collect();
    let mut distinct: Vec<f64> = data.iter().map(|(n, _)| *n).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < USL_MIN_DISTINCT_WORKERS {
        return Err(NotMeaningful {
            reason: format!(
                "{} distinct worker count{} (the USL has three parameters; a fit needs at least {USL_MIN_DISTINCT_WORKERS})",
                distinct.len(),
                if distinct.len() == 1 { "" } else { "s" }
            ),
        });
    }
    let problem = LogUsl {
        ns: data.iter().map(|(n, _)| *n).collect(),
        y: data.iter().map(|(_, x)| x.ln()).collect(),
    };
    let (theta, best) = problem.grid_search();
    let (theta, best) = problem.refine(theta, best);
    let (theta, best) = problem.snap_to_bounds(theta, best);

    let not_meaningful = |why: &str| NotMeaningful {
        reason: why.to_string(),
    };
    let [a, sigma, kappa] = theta;
    let (jtj, _) = problem.normal_equations(&theta);
    let inverse = inverse3(jtj).ok_or_else(|| {
        not_meaningful("the worker counts cannot tell contention from coherency (singular fit)")
    })?;
    let n = data.len();
    let dof = n - 3;
    let s2 = best / dof as f64;
    let t = student_t_975(dof);
    let se = |p: usize| (s2 * inverse[p][p]).max(0.0).sqrt();
    let lambda = a.exp();
    let lambda_ci = [(a - t * se(0)).exp(), (a + t * se(0)).exp()];
    let sigma_ci = [(sigma - t * se(1)).max(0.0), sigma + t * se(1)];
    let kappa_ci = [(kappa - t * se(2)).max(0.0), kappa + t * se(2)];
    if ![lambda, sigma, kappa]
        .iter()
        .chain(&lambda_ci)
        .chain(&sigma_ci)
        .chain(&kappa_ci)
        .all(|v| v.is_finite())
    {
        return Err(not_meaningful(
            "the fit does not determine its parameters (unbounded intervals)",
        ));
    }
    let rms_relative_residual = (best / n as f64).sqrt().exp() - 1.0;
    if rms_relative_residual > USL_MAX_RMS_RELATIVE_RESIDUAL {
        return Err(NotMeaningful {
            reason: format!(
                "the USL does not describe these throughputs: they lie {:.0}% from the best curve (RMS; a fit is reported up to {:.0}%)",
                rms_relative_residual * 100.0,
                USL_MAX_RMS_RELATIVE_RESIDUAL * 100.0
            ),
        });
    }
    let max_workers = *distinct.last().expect("at least four");
    let peak = usl_peak(lambda, sigma, kappa, s2, t, &inverse, max_workers);
    Ok(UslFit {
        lambda,
        lambda_ci,
        sigma,
        sigma_ci,
        kappa,
        kappa_ci,
        peak,
        points: n,
        distinct_workers: distinct.len(),
        max_workers,
        rms_relative_residual,
        sigma_at_bound: sigma <= 0.0,
        kappa_at_bound: kappa <= 0.0,
    })
}

/// The USL fitted in logarithms: worker counts and the logarithm of their throughputs. A
/// parameter vector is `[ln λ, σ, κ]`.
struct LogUsl {
    ns: Vec<f64>,
    y: Vec<f64>,
}

impl LogUsl {
    fn denominator(s: f64, k: f64, n: f64) -> f64 {
        1.0 + s * (n - 1.0) + k * n * (n - 1.0)
    }

    /// ln X(n) under the parameters `t`.
    fn model(t: &[f64; 3], n: f64) -> f64 {
        t[0] + n.ln() - Self::denominator(t[1], t[2], n).ln()
    }

    /// The residual sum of squares at `t`.
    fn rss(&self, t: &[f64; 3]) -> f64 {
        self.ns
            .iter()
            .zip(&self.y)
            .map(|(&n, &y)| (y - Self::model(t, n)).powi(2))
            .sum()
    }

    /// ln λ that best fits given σ and κ: the mean offset of the data from the curve's shape.
    fn profile(&self, s: f64, k: f64) -> [f64; 3] {
        let a = self
            .ns
            .iter()
            .zip(&self.y)
            .map(|(&n, &y)| y - n.ln() + Self::denominator(s, k, n).ln())
            .sum::<f64>()
            / self.ns.len() as f64;
        [a, s, k]
    }

    /// The best point of a grid over σ in {0} ∪ [1e-4, 1e2] and κ in {0} ∪ [1e-7, 10], ten
    /// steps per decade, with its residual sum of squares.
    fn grid_search(&self) -> ([f64; 3], f64) {
        let axis = |lo: i32, hi: i32| -> Vec<f64> {
            std::iter::once(0.0)
                .chain((lo * 10..=hi * 10).map(|e| 10f64.powf(e as f64 / 10.0)))
                .collect()
        };
        let mut theta = self.profile(0.0, 0.0);
        let mut best = self.rss(&theta);
        for &s in &axis(-4, 2) {
            for &k in &axis(-7, 1) {
                let t = self.profile(s, k);
                let v = self.rss(&t);
                if v < best {
                    (theta, best) = (t, v);
                }
            }
        }
        (theta, best)
    }

    /// The Jacobian of the model at `t`: d/d ln λ, d/dσ, d/dκ.
    fn jacobian(t: &[f64; 3], n: f64) -> [f64; 3] {
        let d = Self::denominator(t[1], t[2], n);
        [1.0, -(n - 1.0) / d, -n * (n - 1.0) / d]
    }

    /// JᵀJ and Jᵀr at `t`.
    fn normal_equations(&self, t: &[f64; 3]) -> ([[f64; 3]; 3], [f64; 3]) {
        let mut a = [[0.0; 3]; 3];
        let mut g = [0.0; 3];
        for (&n, &y) in self.ns.iter().zip(&self.y) {
            let j = Self::jacobian(t, n);
            let r = y - Self::model(t, n);
            for p in 0..3 {
                g[p] += j[p] * r;
                for q in 0..3 {
                    a[p][q] += j[p] * j[q];
                }
            }
        }
        (a, g)
    }

    /// Projected Levenberg-Marquardt from `theta`: σ and κ at their bound of 0 stay fixed while
    /// the step would make them negative. Returns the refined parameters and their RSS.
    fn refine(&self, mut theta: [f64; 3], mut best: f64) -> ([f64; 3], f64) {
        let mut mu = 1e-3;
        for _ in 0..1000 {
            if best <= 0.0 {
                break;
            }
            let (a, g) = self.normal_equations(&theta);
            let Some(d) = projected_step(&a, &g, &theta, mu) else {
                mu *= 10.0;
                if mu > 1e12 {
                    break;
                }
                continue;
            };
            let candidate = [
                theta[0] + d[0],
                (theta[1] + d[1]).max(0.0),
                (theta[2] + d[2]).max(0.0),
            ];
            let v = self.rss(&candidate);
            if v.is_finite() && v < best {
                let gain = best - v;
                (theta, best) = (candidate, v);
                mu = (mu / 3.0).max(1e-12);
                if gain <= 1e-15 * best.max(1e-300) {
                    break;
                }
            } else {
                mu *= 4.0;
                if mu > 1e12 {
                    break;
                }
            }
        }
        (theta, best)
    }

    /// A coefficient that converged to a hair above its bound is at the bound if the bound fits
    /// as well (exact data with σ = 0 or κ = 0).
    fn snap_to_bounds(&self, mut theta: [f64; 3], mut best: f64) -> ([f64; 3], f64) {
        for p in 1..3 {
            if theta[p] > 0.0 && theta[p] < 1e-9 {
                let mut at = theta;
                at[p] = 0.0;
                let at = self.profile(at[1], at[2]);
                let v = self.rss(&at);
                if v <= best * (1.0 + 1e-6) + 1e-24 {
                    (theta, best) = (at, v.min(best));
                }
            }
        }
        (theta, best)
    }
}

/// One damped Gauss-Newton step for the normal equations `a`, `g` with damping `mu`, holding σ
/// or κ at 0 where `theta` is on that bound and the step would make it negative; `None` where
/// the damped system is singular.
fn projected_step(a: &[[f64; 3]; 3], g: &[f64; 3], theta: &[f64; 3], mu: f64) -> Option<[f64; 3]> {
    let mut fixed = [false; 3];
    for _ in 0..3 {
        let mut m = *a;
        let mut rhs = *g;
        for p in 0..3 {
            if fixed[p] {
                m[p] = [0.0; 3];
                for row in m.iter_mut() {
                    row[p] = 0.0;
                }
                m[p][p] = 1.0;
                rhs[p] = 0.0;
            } else {
                m[p][p] += mu * a[p][p].max(1e-300);
            }
        }
        let d = solve3(m, rhs)?;
        let newly: Vec<usize> = (1..3)
            .filter(|&p| !fixed[p] && theta[p] <= 0.0 && d[p] < 0.0)
            .collect();
        if newly.is_empty() {
            return Some(d);
        }
        for p in newly {
            fixed[p] = true;
        }
    }
    None
}

/// The inverse of a symmetric 3×3 matrix (its columns are its rows); `None` where singular.
fn inverse3(m: [[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let mut cols = [[0.0; 3]; 3];
    for (c, col) in cols.iter_mut().enumerate() {
        let mut e = [0.0; 3];
        e[c] = 1.0;
        *col = solve3(m, e)?;
    }
    Some(cols)
}

/// Where the fitted curve peaks, with an interval for the peak's worker count from the delta
/// method (`s2`: the residual variance, `t`: the Student t quantile, `inverse`: (JᵀJ)⁻¹).
fn usl_peak(
    lambda: f64,
    sigma: f64,
    kappa: f64,
    s2: f64,
    t: f64,
    inverse: &[[f64; 3]; 3],
    max_workers: f64,
) -> UslPeak {
    if sigma >= 1.0 {
        UslPeak::OneWorker
    } else if kappa <= 0.0 {
        UslPeak::Unbounded {
            ceiling: (sigma > 0.0).then(|| lambda / sigma),
        }
    } else {
        let workers = ((1.0 - sigma) / kappa).sqrt();
        if workers < 1.0 {
            UslPeak::OneWorker
        } else {
            // Delta method on ln N* = ½ ln(1 − σ) − ½ ln κ.
            let (gs, gk) = (-0.5 / (1.0 - sigma), -0.5 / kappa);
            let var = s2
                * (gs * gs * inverse[1][1]
                    + 2.0 * gs * gk * inverse[1][2]
                    + gk * gk * inverse[2][2]);
            let half = t * var.max(0.0).sqrt();
            let ci = [workers * (-half).exp(), workers * half.exp()];
            UslPeak::At {
                workers,
                ci: ci.iter().all(|v| v.is_finite()).then_some(ci),
                throughput: usl_throughput(lambda, sigma, kappa, workers),
                beyond_measured: workers > max_workers,
            }
        }
    }
}

/// Fits the USL to the verified throughputs (one per worker count) of every variant of every
/// problem of `points` that runs on more than one worker, in order of first appearance.
/// Variants measured at too few worker counts get a [`UslOutcome::NotMeaningful`] with the
/// reason.
pub fn scalability_fits<'a>(points: impl IntoIterator<Item = &'a Point>) -> Vec<ScalabilityFit> {
    type Key<'a> = (&'a str, &'a str, String, &'a str);
    let mut groups: Vec<(Key<'_>, Vec<&Point>)> = Vec::new();
    for p in points {
        let key = (
            p.suite.as_str(),
            p.size.as_str(),
            p.params_label(),
            p.variant.as_str(),
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(p),
            None => groups.push((key, vec![p])),
        }
    }
    groups
        .into_iter()
        .filter(|(_, ps)| ps.iter().any(|p| p.workers > 1))
        .map(|((suite, size, params, variant), ps)| {
            let mut fitted: Vec<&Point> = ps
                .iter()
                .copied()
                .filter(|p| p.status == Status::Ok)
                .filter(|p| p.throughput.as_ref().is_some_and(|t| t.value > 0.0))
                .collect();
            fitted.sort_by_key(|p| p.workers);
            let within: Vec<&Point> = fitted
                .iter()
                .copied()
                .filter(|p| !p.oversubscribed)
                .collect();
            let over: Vec<u32> = fitted
                .iter()
                .filter(|p| p.oversubscribed)
                .map(|p| p.workers)
                .collect();
            let data: Vec<(f64, f64)> = within
                .iter()
                .map(|p| {
                    (
                        p.workers as f64,
                        p.throughput.as_ref().expect("filtered").value,
                    )
                })
                .collect();
            let mut counts: Vec<u32> = within.iter().map(|p| p.workers).collect();
            counts.dedup();
            let usl = match usl(&data) {
                Ok(f) => UslOutcome::Fitted(f),
                // Too few counts because the oversubscribed ones are left out: say so.
                Err(_) if !over.is_empty() && counts.len() < USL_MIN_DISTINCT_WORKERS => {
                    UslOutcome::NotMeaningful {
                        reason: format!(
                            "needs at least {USL_MIN_DISTINCT_WORKERS} worker counts within the machine's logical cores, has {} ({}); the oversubscribed counts ({}) are left out of the fit, as of the Amdahl fit",
                            counts.len(),
                            list(&counts),
                            list(&over)
                        ),
                    }
                }
                Err(e) => {
                    let left_out = ps.iter().filter(|p| p.status != Status::Ok).count();
                    let reason = if left_out > 0 {
                        format!(
                            "{} ({left_out} point{} not verified or not measured)",
                            e.reason,
                            if left_out == 1 { "" } else { "s" }
                        )
                    } else {
                        e.reason
                    };
                    UslOutcome::NotMeaningful { reason }
                }
            };
            ScalabilityFit {
                suite: suite.to_string(),
                size: size.to_string(),
                params,
                variant: variant.to_string().into(),
                unit: fitted
                    .first()
                    .and_then(|p| p.throughput.as_ref())
                    .map(|t| t.unit.clone())
                    .unwrap_or_default(),
                workers: fitted.iter().map(|p| p.workers).collect(),
                oversubscribed: over,
                usl,
            }
        })
        .collect()
}

/// `1, 2, 4`.
fn list(counts: &[u32]) -> String {
    counts
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
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

    fn usl_data(lambda: f64, sigma: f64, kappa: f64, workers: &[f64]) -> Vec<(f64, f64)> {
        workers
            .iter()
            .map(|&n| (n, usl_throughput(lambda, sigma, kappa, n)))
            .collect()
    }

    const USL_WORKERS: [f64; 8] = [1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0];

    #[test]
    fn usl_recovers_known_coefficients_from_exact_data() {
        for (sigma, kappa) in [
            (0.05, 0.002),
            (0.3, 0.0),
            (0.0, 0.01),
            (0.1, 0.05),
            (0.0, 0.0),
            (0.02, 0.0005),
        ] {
            let fit = usl(&usl_data(2.5e7, sigma, kappa, &USL_WORKERS)).unwrap();
            assert!(
                (fit.sigma - sigma).abs() < 1e-7 && (fit.kappa - kappa).abs() < 1e-8,
                "σ {sigma} κ {kappa}: fitted σ {} κ {}",
                fit.sigma,
                fit.kappa
            );
            assert!((fit.lambda / 2.5e7 - 1.0).abs() < 1e-7, "{}", fit.lambda);
            assert!(fit.rms_relative_residual < 1e-9);
            assert_eq!((fit.points, fit.distinct_workers), (8, 8));
            assert_eq!(fit.sigma_at_bound, sigma == 0.0, "σ {sigma}");
            assert_eq!(fit.kappa_at_bound, kappa == 0.0, "κ {kappa}");
            match fit.peak {
                UslPeak::At {
                    workers,
                    beyond_measured,
                    throughput,
                    ..
                } => {
                    let want = ((1.0 - sigma) / kappa).sqrt();
                    assert!((workers - want).abs() < 1e-4 * want, "{workers} vs {want}");
                    assert_eq!(beyond_measured, want > 16.0);
                    assert!((throughput - fit.throughput(want)).abs() < 1e-6 * throughput);
                }
                UslPeak::Unbounded { ceiling } => {
                    assert_eq!(kappa, 0.0);
                    match ceiling {
                        Some(c) => assert!((c - 2.5e7 / sigma).abs() < 1e-4 * c),
                        None => assert_eq!(sigma, 0.0),
                    }
                }
                UslPeak::OneWorker => panic!("σ {sigma} κ {kappa}: no peak at one worker"),
            }
        }
    }

    #[test]
    fn usl_intervals_cover_the_truth_under_noise() {
        // 2% multiplicative noise, three repeats per worker count.
        let (lambda, sigma, kappa) = (1.0e7, 0.08, 0.004);
        let mut rng = SplitMix64::new(11);
        let mut data = Vec::new();
        for &n in &USL_WORKERS {
            for _ in 0..3 {
                let noise = 1.0 + 0.02 * (2.0 * rng.next_f64() - 1.0);
                data.push((n, usl_throughput(lambda, sigma, kappa, n) * noise));
            }
        }
        let fit = usl(&data).unwrap();
        let inside = |ci: [f64; 2], v: f64| ci[0] <= v && v <= ci[1];
        assert!(
            inside(fit.sigma_ci, sigma),
            "σ {sigma} not in {:?}",
            fit.sigma_ci
        );
        assert!(
            inside(fit.kappa_ci, kappa),
            "κ {kappa} not in {:?}",
            fit.kappa_ci
        );
        assert!(
            inside(fit.lambda_ci, lambda),
            "λ not in {:?}",
            fit.lambda_ci
        );
        assert!((fit.sigma - sigma).abs() < 0.03, "{}", fit.sigma);
        assert!((fit.kappa - kappa).abs() < 0.002, "{}", fit.kappa);
        assert!(fit.rms_relative_residual > 0.001 && fit.rms_relative_residual < 0.03);
        let want = ((1.0 - sigma) / kappa).sqrt(); // 15.2 workers
        let UslPeak::At { workers, ci, .. } = fit.peak else {
            panic!("{:?}", fit.peak)
        };
        let ci = ci.unwrap();
        assert!(ci[0] <= want && want <= ci[1], "{want} not in {ci:?}");
        assert!((workers - want).abs() < 0.3 * want, "{workers}");
        assert!(!fit.sigma_at_bound && !fit.kappa_at_bound);
    }

    #[test]
    fn usl_with_too_few_worker_counts_is_not_meaningful() {
        let e = usl(&usl_data(1e6, 0.1, 0.01, &[1.0, 2.0, 4.0, 4.0])).unwrap_err();
        assert!(e.to_string().starts_with("not meaningful"), "{e}");
        assert!(e.reason.contains("3 distinct worker counts"), "{e}");
        assert!(e.reason.contains("at least 4"), "{e}");
        // Unusable throughputs do not count.
        let mut data = usl_data(1e6, 0.1, 0.01, &[1.0, 2.0, 3.0]);
        data.push((8.0, 0.0));
        data.push((16.0, f64::NAN));
        assert!(usl(&data).unwrap_err().reason.contains("3 distinct"));
        assert!(
            usl(&data[..1])
                .unwrap_err()
                .reason
                .contains("1 distinct worker count ")
        );
        // Throughputs the law cannot follow (a collapse at four workers, recovered at six).
        let mut data = usl_data(1e6, 0.1, 0.01, &[1.0, 2.0, 3.0, 6.0, 8.0]);
        data.push((4.0, 2e4));
        let e = usl(&data).unwrap_err();
        assert!(
            e.reason.contains("does not describe these throughputs"),
            "{e}"
        );
    }

    #[test]
    fn usl_peak_kinds() {
        // Adding a worker costs more than it brings: never above one worker's throughput.
        let fit = usl(&usl_data(1e6, 1.5, 0.0, &USL_WORKERS)).unwrap();
        assert_eq!(fit.peak, UslPeak::OneWorker);
        assert!((fit.sigma - 1.5).abs() < 1e-6);
        // A peak inside the measured range.
        let fit = usl(&usl_data(1e6, 0.1, 0.02, &USL_WORKERS)).unwrap();
        let UslPeak::At {
            workers,
            beyond_measured,
            ..
        } = fit.peak
        else {
            panic!("{:?}", fit.peak)
        };
        assert!((workers - 45f64.sqrt()).abs() < 1e-3, "{workers}");
        assert!(!beyond_measured);
        // The serialized form round-trips (JSON has no infinity: every figure is finite).
        let json = serde_json::to_string(&fit).unwrap();
        assert!(json.contains("\"kind\":\"at\""), "{json}");
        let back: UslFit = serde_json::from_str(&json).unwrap();
        assert!((back.kappa / fit.kappa - 1.0).abs() < 1e-12);
        assert_eq!(back.peak_kind(), fit.peak_kind());
    }

    #[test]
    fn scalability_fits_per_problem_and_variant() {
        use crate::test_support::point;
        use parbench_schema::results::Throughput;
        let mut points = Vec::new();
        let mut add = |variant: &str, workers: u32, value: f64| {
            let mut p = point("lock", variant, workers, 1000.0, 0.01, workers as u64);
            p.throughput = Some(Throughput {
                value,
                unit: "ops/s".into(),
            });
            points.push(p);
        };
        add("serial", 1, 5e6);
        for &n in &USL_WORKERS {
            add("mutex", n as u32, usl_throughput(4e6, 0.2, 0.01, n));
        }
        add("atomic", 1, 1e7);
        add("atomic", 2, 1.5e7);
        let fits = scalability_fits(&points);
        assert_eq!(fits.len(), 2, "serial runs on one worker only: no fit");
        assert_eq!(fits[0].variant, "mutex");
        assert_eq!(fits[0].unit, "ops/s");
        assert_eq!(fits[0].workers, vec![1, 2, 3, 4, 6, 8, 12, 16]);
        let f = fits[0].result().unwrap();
        assert!((f.sigma - 0.2).abs() < 1e-6 && (f.kappa - 0.01).abs() < 1e-7);
        assert_eq!(fits[1].variant, "atomic");
        let e = fits[1].result().unwrap_err();
        assert!(e.reason.contains("2 distinct worker counts"), "{e}");
        let json = serde_json::to_string(&fits).unwrap();
        assert!(json.contains("\"status\":\"fitted\""));
        assert!(json.contains("\"status\":\"not-meaningful\""));
        let back: Vec<ScalabilityFit> = serde_json::from_str(&json).unwrap();
        assert_eq!(back[1], fits[1]);
        assert!((back[0].result().unwrap().sigma - f.sigma).abs() < 1e-12);
    }

    #[test]
    fn oversubscribed_counts_are_left_out_of_the_fit() {
        use crate::test_support::point;
        use parbench_schema::results::Throughput;
        let make = |variant: &str, counts: &[u32], cores: u32| {
            counts
                .iter()
                .map(|&n| {
                    let mut p = point("lock", variant, n, 1000.0, 0.01, n as u64);
                    p.throughput = Some(Throughput {
                        value: usl_throughput(4e6, 0.2, 0.01, n as f64),
                        unit: "ops/s".into(),
                    });
                    p.oversubscribed = n > cores;
                    p
                })
                .collect::<Vec<_>>()
        };
        // A 2-core machine: 1 and 2 are within its cores, 3 and 4 only share them. No fit, and
        // the reason says why (the fit on all four counts used to be reported).
        let points = make("mutex", &[1, 2, 3, 4], 2);
        let fits = scalability_fits(&points);
        assert_eq!(fits[0].workers, vec![1, 2, 3, 4]);
        assert_eq!(fits[0].oversubscribed, vec![3, 4]);
        let e = fits[0].result().unwrap_err();
        assert_eq!(
            e.reason,
            "needs at least 4 worker counts within the machine's logical cores, has 2 (1, 2); the oversubscribed counts (3, 4) are left out of the fit, as of the Amdahl fit"
        );
        // An 8-core machine measured up to 16: fitted on 1..8 only, the same coefficients as
        // without the oversubscribed points (which here deviate: they only share cores).
        let mut points = make("mutex", &[1, 2, 3, 4, 6, 8, 12, 16], 8);
        for p in points.iter_mut().filter(|p| p.oversubscribed) {
            p.throughput.as_mut().unwrap().value *= 0.3;
        }
        let fits = scalability_fits(&points);
        let f = fits[0].result().unwrap();
        assert_eq!(f.distinct_workers, 6);
        assert!(
            (f.sigma - 0.2).abs() < 1e-6 && (f.kappa - 0.01).abs() < 1e-7,
            "{f:?}"
        );
        assert_eq!(fits[0].oversubscribed, vec![12, 16]);
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
