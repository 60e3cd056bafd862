//! Scalability fits as stored in a results file (`scalability`): the Universal Scalability Law,
//! X(N) = λN / (1 + σ(N−1) + κN(N−1)), fitted to a variant's throughputs, or why no fit is
//! meaningful. Fitted by `parbench_analysis::fit`.

use crate::variant::VariantId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why no fit is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMeaningful {
    /// What the fit could not do, for a reader (e.g. too few worker counts).
    pub reason: String,
}

impl fmt::Display for NotMeaningful {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not meaningful: {}", self.reason)
    }
}

impl std::error::Error for NotMeaningful {}

/// The Universal Scalability Law: throughput of `n` workers when one worker delivers `lambda`,
/// a share `sigma` of the work serializes and every pair of workers pays `kappa` to keep shared
/// data coherent.
pub fn usl_throughput(lambda: f64, sigma: f64, kappa: f64, n: f64) -> f64 {
    lambda * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))
}

/// The USL fitted to (workers, throughput) measurements. Every figure is finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UslFit {
    /// One worker's throughput as the model sees it, in the measurements' unit.
    pub lambda: f64,
    /// 95% interval of `lambda` (from the fit's covariance, Student t with n − 3 degrees of
    /// freedom).
    pub lambda_ci: [f64; 2],
    /// Contention: the share of the work that serializes (waiting for a lock, a queue).
    pub sigma: f64,
    /// 95% interval of `sigma` (one-sided when `sigma_at_bound`).
    pub sigma_ci: [f64; 2],
    /// Coherency: the cost every pair of workers pays to agree on shared data (cache lines
    /// bouncing between cores); makes throughput fall beyond a peak.
    pub kappa: f64,
    /// 95% interval of `kappa` (one-sided when `kappa_at_bound`).
    pub kappa_ci: [f64; 2],
    /// Where the fitted curve peaks.
    pub peak: UslPeak,
    /// Measurements fitted, and their distinct worker counts.
    pub points: usize,
    /// Distinct worker counts among `points`.
    pub distinct_workers: usize,
    /// The largest worker count fitted: a peak beyond it is an extrapolation.
    pub max_workers: f64,
    /// Typical relative distance of a measurement from the curve: exp(RMS of the log
    /// residuals) − 1.
    pub rms_relative_residual: f64,
    /// σ lies on its bound of 0: its interval is one-sided.
    pub sigma_at_bound: bool,
    /// κ lies on its bound of 0: its interval is one-sided.
    pub kappa_at_bound: bool,
}

/// Where a USL curve peaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum UslPeak {
    /// Throughput peaks at `workers` = √((1 − σ)/κ) and falls beyond (retrograde scaling);
    /// `ci` is the delta-method 95% interval (absent when unbounded).
    At {
        /// Worker count at the peak (fractional).
        workers: f64,
        /// Delta-method 95% interval of `workers`; `None` when it is unbounded.
        #[serde(default)]
        ci: Option<[f64; 2]>,
        /// The curve's throughput at the peak, in the measurements' unit.
        throughput: f64,
        /// The peak lies beyond the largest worker count measured.
        beyond_measured: bool,
    },
    /// κ = 0: no peak. Throughput approaches `ceiling` = λ/σ, or grows linearly when σ = 0
    /// too (no ceiling).
    Unbounded {
        /// λ/σ, the throughput approached with many workers; `None` when σ = 0 too (linear growth).
        #[serde(default)]
        ceiling: Option<f64>,
    },
    /// Throughput never rises above one worker's: σ ≥ 1 (adding a worker costs more than it
    /// brings), or a peak below one worker.
    OneWorker,
}

impl UslFit {
    /// The fitted curve's throughput at `n` workers.
    pub fn throughput(&self, n: f64) -> f64 {
        usl_throughput(self.lambda, self.sigma, self.kappa, n)
    }

    /// `at`, `unbounded` or `one-worker`.
    pub fn peak_kind(&self) -> &'static str {
        match self.peak {
            UslPeak::At { .. } => "at",
            UslPeak::Unbounded { .. } => "unbounded",
            UslPeak::OneWorker => "one-worker",
        }
    }
}

/// The USL fitted to one variant of one problem (suite, size, parameters) of a run, as stored
/// in `results.json` (`scalability`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalabilityFit {
    /// Suite name from the config.
    pub suite: String,
    /// Size label.
    pub size: String,
    /// The points' parameters, `k=v,k=v` (empty when none).
    pub params: String,
    /// The variant whose throughputs were fitted.
    pub variant: VariantId,
    /// Unit of the throughputs fitted (`ops/s`).
    pub unit: String,
    /// Worker counts of the verified throughputs, ascending (those in `oversubscribed` are
    /// left out of the fit).
    pub workers: Vec<u32>,
    /// Those beyond the machine's logical cores: left out of the fit, as the Amdahl fit leaves
    /// them out: there more workers only share the same cores, which measures the scheduler,
    /// not the contention the law models. Where that leaves fewer than
    /// `USL_MIN_DISTINCT_WORKERS` (parbench-analysis) counts (a 2-core machine) there is no
    /// fit, with that reason.
    #[serde(default)]
    pub oversubscribed: Vec<u32>,
    /// The fit, or why there is none.
    pub usl: UslOutcome,
}

/// A stored USL fit, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum UslOutcome {
    /// The law fitted to at least 4 worker counts.
    Fitted(UslFit),
    /// No fit: fewer than 4 distinct worker counts, σ and κ inseparable, or measurements too far
    /// from any curve.
    NotMeaningful {
        /// Why, for a reader.
        reason: String,
    },
}

impl ScalabilityFit {
    /// The fit, or why there is none as an error.
    pub fn result(&self) -> Result<&UslFit, NotMeaningful> {
        match &self.usl {
            UslOutcome::Fitted(f) => Ok(f),
            UslOutcome::NotMeaningful { reason } => Err(NotMeaningful {
                reason: reason.clone(),
            }),
        }
    }
}
