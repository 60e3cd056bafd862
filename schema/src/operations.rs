//! Operations counted per worker, as a point stores them (its optional `operations` field):
//! how evenly the operations were shared (min, max, standard deviation, Jain's index,
//! starvation), per iteration and in total, and a summary of sampled per-operation latencies.
//! Counted and summarized by `parbench_analysis::operations`.

use crate::duration::Nanos;
use serde::{Deserialize, Serialize};

/// A worker is *starved* when it completed less than this fraction of its fair share (the
/// total divided by the number of workers).
pub const STARVATION_SHARE: f64 = 0.1;

/// The latency percentiles every summary reports.
pub const PERCENTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

/// Samples beyond a percentile needed before it is reported: a p99.9 from fewer than
/// 10 / (1 − 0.999) = 10,000 samples would rest on fewer than ten observations.
pub const SAMPLES_BEYOND_PERCENTILE: f64 = 10.0;

/// The operations of one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operations {
    /// What one operation is, in words (e.g. "outside work, then a critical section").
    pub operation: String,
    /// Operations each worker completed, in worker order, summed over the observed iterations.
    pub per_worker: Vec<u64>,
    /// How evenly `per_worker` is shared.
    pub fairness: Fairness,
    /// Fairness of each iteration on its own (a worker can be starved in many iterations and
    /// still catch up in the total).
    pub per_iteration: IterationFairness,
    /// Sampled latency of the shared part of an operation; absent when not sampled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencySummary>,
}

/// How evenly a set of per-worker counts is shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fairness {
    /// Workers counted.
    pub workers: usize,
    /// Operations of all workers together.
    pub total: u64,
    /// Fewest operations a worker completed.
    pub min: u64,
    /// Most operations a worker completed.
    pub max: u64,
    /// Operations per worker on average.
    pub mean: f64,
    /// Population standard deviation of the counts.
    pub stddev: f64,
    /// Jain's fairness index (Σx)² / (n·Σx²): 1 when every worker did the same, 1/n when one
    /// worker did everything.
    pub jain: f64,
    /// Workers (0-based) that completed less than [`STARVATION_SHARE`] of the fair share.
    pub starved: Vec<usize>,
}

impl Fairness {
    /// The fairness of `counts`; `None` without workers or without any operation.
    pub fn of(counts: &[u64]) -> Option<Fairness> {
        let total: u64 = counts.iter().sum();
        if counts.is_empty() || total == 0 {
            return None;
        }
        let n = counts.len() as f64;
        let mean = total as f64 / n;
        let variance = counts
            .iter()
            .map(|&c| (c as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        let sum_sq: f64 = counts.iter().map(|&c| (c as f64).powi(2)).sum();
        Some(Fairness {
            workers: counts.len(),
            total,
            min: *counts.iter().min().expect("non-empty"),
            max: *counts.iter().max().expect("non-empty"),
            mean,
            stddev: variance.sqrt(),
            jain: (total as f64).powi(2) / (n * sum_sq),
            starved: counts
                .iter()
                .enumerate()
                .filter(|(_, c)| (**c as f64) < STARVATION_SHARE * mean)
                .map(|(i, _)| i)
                .collect(),
        })
    }

    /// Coefficient of variation of the counts (stddev / mean).
    pub fn cv(&self) -> f64 {
        if self.mean > 0.0 {
            self.stddev / self.mean
        } else {
            0.0
        }
    }
}

/// Fairness iteration by iteration.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IterationFairness {
    /// Iterations the per-iteration figures cover.
    pub iterations: u64,
    /// Median Jain's index over the iterations; `None` without iterations.
    #[serde(default)]
    pub jain_median: Option<f64>,
    /// Lowest Jain's index over the iterations; `None` without iterations.
    #[serde(default)]
    pub jain_min: Option<f64>,
    /// Iterations in which at least one worker was starved.
    pub starved_iterations: u64,
}

/// Samples needed before percentile `q` is reported (see [`SAMPLES_BEYOND_PERCENTILE`]).
pub fn min_samples_for(q: f64) -> f64 {
    (SAMPLES_BEYOND_PERCENTILE / (1.0 - q)).round()
}

/// `p50`, `p99`, `p99.9` for 0.5, 0.99, 0.999.
pub fn percentile_label(q: f64) -> String {
    let pct = q * 100.0;
    let s = format!("{pct:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("p{s}")
}

/// Sampled latencies of the shared part of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Every `every`-th operation of each worker was timed.
    pub every: u64,
    /// Operations timed, all workers together.
    pub samples: u64,
    /// Median cost of timing an empty interval, subtracted from every figure.
    pub clock_overhead_ns: Nanos,
    /// The clock's smallest step: figures below it say only "shorter than this".
    #[serde(default)]
    pub resolution_ns: Nanos,
    /// Mean latency over the samples; `None` without samples.
    #[serde(default)]
    pub mean: Option<Nanos>,
    /// Largest latency sampled; `None` without samples.
    #[serde(default)]
    pub max: Option<Nanos>,
    /// [`PERCENTILES`], each `None` when there are too few samples for it.
    pub percentiles: Vec<Percentile>,
    /// Estimated slowdown of the measured operations from the sampling itself, as a fraction
    /// (two clock reads every `every` operations against a worker's mean time per operation).
    #[serde(default)]
    pub sampling_overhead: Option<f64>,
}

impl LatencySummary {
    /// The latency at quantile `q` (0.5, 0.99, …); `None` when not reported.
    pub fn percentile(&self, q: f64) -> Option<Nanos> {
        self.percentiles
            .iter()
            .find(|p| (p.q - q).abs() < 1e-12)
            .and_then(|p| p.ns)
    }
}

/// One latency percentile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percentile {
    /// The quantile, in 0..1 (0.99 for p99).
    pub q: f64,
    /// `None`: fewer than [`min_samples_for`] samples.
    #[serde(default)]
    pub ns: Option<Nanos>,
}
