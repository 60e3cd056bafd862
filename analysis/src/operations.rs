//! Operations counted per worker, for variants that know what each worker did (the contention
//! suite): how evenly the operations were shared (min, max, standard deviation, Jain's index,
//! starvation), per iteration and in total, and sampled per-operation latencies kept in a
//! log-linear histogram. A point stores them in its optional `operations` field (the stored types
//! are `parbench_schema::operations`; this module counts and summarizes).

use parbench_schema::duration::Nanos;
use parbench_schema::results::Metric;

use std::collections::BTreeMap;

use parbench_schema::operations::*;

/// Accumulates per-worker counts iteration by iteration.
#[derive(Debug, Clone, Default)]
pub struct FairnessTracker {
    totals: Vec<u64>,
    jains: Vec<f64>,
    iterations: u64,
    starved_iterations: u64,
}

impl FairnessTracker {
    /// An empty tracker: no workers, no iterations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one iteration's per-worker counts.
    pub fn record(&mut self, counts: &[u64]) {
        if self.totals.len() < counts.len() {
            self.totals.resize(counts.len(), 0);
        }
        for (t, c) in self.totals.iter_mut().zip(counts) {
            *t += c;
        }
        self.iterations += 1;
        if let Some(f) = Fairness::of(counts) {
            self.jains.push(f.jain);
            if !f.starved.is_empty() {
                self.starved_iterations += 1;
            }
        }
    }

    /// Iterations recorded.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// Per-worker totals so far.
    pub fn totals(&self) -> &[u64] {
        &self.totals
    }

    /// Jain's index per iteration summarized (median, lowest) and the iterations with a starved
    /// worker.
    pub fn per_iteration(&self) -> IterationFairness {
        let mut j = self.jains.clone();
        j.sort_by(f64::total_cmp);
        IterationFairness {
            iterations: self.iterations,
            jain_median: (!j.is_empty()).then(|| crate::stats::median(&j)),
            jain_min: j.first().copied(),
            starved_iterations: self.starved_iterations,
        }
    }
}

/// Sub-buckets per power of two of the histogram: values are kept to within 1/64 (1.6%).
const SUB_BITS: u32 = 6;
const SUB: usize = 1 << SUB_BITS;
/// Buckets needed for every u64: the values below 2·SUB one each, then SUB per power of two.
const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB;

/// A histogram of durations in ns with bounded relative error (HdrHistogram's layout, small):
/// exact below 128 ns, then 64 buckets per power of two. Constant memory, mergeable.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    total: u64,
    sum: f64,
    max: u64,
}

impl LatencyHistogram {
    /// An empty histogram (allocates its buckets on the first value).
    pub fn new() -> Self {
        Self::default()
    }

    fn index(v: u64) -> usize {
        if v < 2 * SUB as u64 {
            return v as usize;
        }
        let exponent = 63 - v.leading_zeros();
        let shift = exponent - SUB_BITS;
        let mantissa = (v >> shift) as usize; // in SUB..2*SUB
        (shift as usize + 1) * SUB + (mantissa - SUB)
    }

    /// The smallest value and the width of bucket `i`.
    fn bucket(i: usize) -> (u64, u64) {
        if i < 2 * SUB {
            return (i as u64, 1);
        }
        let shift = (i / SUB - 1) as u32;
        let mantissa = (i % SUB + SUB) as u64;
        (mantissa << shift, 1u64 << shift)
    }

    /// Adds one duration of `ns` nanoseconds.
    pub fn record(&mut self, ns: u64) {
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
        }
        self.counts[Self::index(ns)] += 1;
        self.total += 1;
        self.sum += ns as f64;
        self.max = self.max.max(ns);
    }

    /// Adds every value of `other` (histograms of several workers merge into one).
    pub fn merge(&mut self, other: &LatencyHistogram) {
        if other.total == 0 {
            return;
        }
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.sum += other.sum;
        self.max = self.max.max(other.max);
    }

    /// Forgets every value, keeping the buckets' memory.
    pub fn clear(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.total = 0;
        self.sum = 0.0;
        self.max = 0;
    }

    /// Values recorded.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Mean of the values recorded, exact (not bucketed), in ns; `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.total > 0).then(|| self.sum / self.total as f64)
    }

    /// Largest value recorded, in ns; `None` when empty.
    pub fn max(&self) -> Option<u64> {
        (self.total > 0).then_some(self.max)
    }

    /// The `q` quantile by nearest rank: the middle of the bucket holding the ⌈q·count⌉-th
    /// smallest value (exact below 128 ns), never above the largest value recorded.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, width) = Self::bucket(i);
                let mid = lo as f64 + (width as f64 - 1.0) / 2.0;
                return Some(mid.min(self.max as f64));
            }
        }
        Some(self.max as f64)
    }

    /// The summary reported in a point: percentiles (those with enough samples beyond them),
    /// mean and max, each with `clock_overhead_ns` (the cost of reading the clock, measured on
    /// an empty interval) subtracted and clamped at zero; `resolution_ns` is the clock's step.
    pub fn summary(
        &self,
        every: u64,
        clock_overhead_ns: f64,
        resolution_ns: f64,
    ) -> LatencySummary {
        let less = |v: f64| Nanos((v - clock_overhead_ns).max(0.0));
        LatencySummary {
            every,
            samples: self.total,
            clock_overhead_ns: Nanos(clock_overhead_ns),
            resolution_ns: Nanos(resolution_ns),
            mean: self.mean().map(less),
            max: self.max().map(|m| less(m as f64)),
            percentiles: PERCENTILES
                .iter()
                .map(|&q| Percentile {
                    q,
                    ns: (self.total as f64 >= min_samples_for(q))
                        .then(|| self.quantile(q).map(less))
                        .flatten(),
                })
                .collect(),
            sampling_overhead: None,
        }
    }
}

/// The headline figures as point metrics (the generic channel: CSV columns, the metrics
/// table): Jain's index, starved workers, and the p50, p99 and p99.9 latencies. The rest
/// (per-worker counts, their spread, per-iteration fairness, p90) stays in the operations.
pub fn metrics(ops: &Operations) -> BTreeMap<String, Metric> {
    let mut m = BTreeMap::new();
    let mut put = |name: &str, value: f64, unit: &str| {
        m.insert(
            name.to_string(),
            Metric {
                value,
                unit: unit.to_string(),
            },
        );
    };
    let f = &ops.fairness;
    put("jain_index", f.jain, "");
    put("starved_workers", f.starved.len() as f64, "workers");
    if let Some(l) = &ops.latency {
        for p in l.percentiles.iter().filter(|p| p.q != 0.9) {
            if let Some(ns) = p.ns {
                let name = format!("latency_{}", percentile_label(p.q).replace('.', ""));
                put(&name, ns.0, "ns");
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jain_and_spread_by_hand() {
        // Equal shares: perfectly fair.
        let f = Fairness::of(&[5, 5, 5, 5]).unwrap();
        assert_eq!((f.jain, f.stddev, f.min, f.max), (1.0, 0.0, 5, 5));
        assert!(f.starved.is_empty());
        // One worker did everything: 1/n.
        let f = Fairness::of(&[0, 0, 12, 0]).unwrap();
        assert_eq!(f.jain, 0.25);
        assert_eq!(f.starved, vec![0, 1, 3]);
        // [1, 2, 3]: (6)^2 / (3 * 14) = 36/42 = 6/7; mean 2, population variance 2/3.
        let f = Fairness::of(&[1, 2, 3]).unwrap();
        assert!((f.jain - 6.0 / 7.0).abs() < 1e-15, "{}", f.jain);
        assert!((f.stddev - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!((f.total, f.mean), (6, 2.0));
        assert!((f.cv() - (2.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-15);
        // [10, 30]: 1600 / (2 * 1000) = 0.8.
        assert!((Fairness::of(&[10, 30]).unwrap().jain - 0.8).abs() < 1e-15);
        assert_eq!(Fairness::of(&[]), None);
        assert_eq!(Fairness::of(&[0, 0]), None);
        assert_eq!(Fairness::of(&[7]).unwrap().jain, 1.0);
    }

    #[test]
    fn starvation_rule_is_a_tenth_of_the_fair_share() {
        // Fair share 100: 9 is starved, 10 is not.
        let f = Fairness::of(&[9, 191, 100]).unwrap();
        assert_eq!(f.starved, vec![0]);
        let f = Fairness::of(&[10, 190, 100]).unwrap();
        assert!(f.starved.is_empty());
    }

    #[test]
    fn tracker_keeps_totals_and_per_iteration_fairness() {
        let mut t = FairnessTracker::new();
        t.record(&[10, 0]); // one worker starved, Jain 0.5
        t.record(&[0, 10]); // the other, Jain 0.5
        t.record(&[5, 5]); // fair
        assert_eq!(t.totals(), &[15, 15]);
        let it = t.per_iteration();
        assert_eq!(it.iterations, 3);
        assert_eq!(it.starved_iterations, 2);
        assert_eq!(it.jain_min, Some(0.5));
        assert_eq!(it.jain_median, Some(0.5));
        // The total looks perfectly fair although two iterations of three starved a worker.
        assert_eq!(Fairness::of(t.totals()).unwrap().jain, 1.0);
    }

    #[test]
    fn histogram_buckets_are_contiguous_and_tight() {
        let mut last_end = 0u64;
        for i in 0..BUCKETS {
            let (lo, width) = LatencyHistogram::bucket(i);
            assert_eq!(lo, last_end, "bucket {i}");
            assert_eq!(LatencyHistogram::index(lo), i);
            assert_eq!(LatencyHistogram::index(lo + (width - 1)), i);
            // Relative width at most 1/64.
            assert!(lo < 128 || width as f64 / lo as f64 <= 1.0 / 64.0);
            last_end = lo.wrapping_add(width);
        }
        assert_eq!(LatencyHistogram::index(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let mut h = LatencyHistogram::new();
        for v in 1..=100 {
            h.record(v);
        }
        assert_eq!(h.quantile(0.5), Some(50.0));
        assert_eq!(h.quantile(0.99), Some(99.0));
        assert_eq!(h.quantile(1.0), Some(100.0));
        assert_eq!(h.mean(), Some(50.5));
        // Large values land within 1/64 of the truth.
        let mut h = LatencyHistogram::new();
        for _ in 0..999 {
            h.record(1_000);
        }
        h.record(1_000_000);
        let p50 = h.quantile(0.5).unwrap();
        assert!((p50 - 1000.0).abs() / 1000.0 < 1.0 / 64.0, "{p50}");
        assert_eq!(h.quantile(0.9999), Some(1_000_000.0));
        let mut merged = LatencyHistogram::new();
        merged.merge(&h);
        merged.merge(&h);
        assert_eq!(merged.count(), 2000);
        assert_eq!(merged.quantile(0.5), h.quantile(0.5));
        merged.clear();
        assert_eq!(merged.quantile(0.5), None);
    }

    #[test]
    fn summary_subtracts_the_clock_and_withholds_thin_percentiles() {
        let mut h = LatencyHistogram::new();
        for v in 0..1000u64 {
            h.record(40 + v % 50);
        }
        let s = h.summary(64, 20.0, 1.0);
        assert_eq!(s.samples, 1000);
        // p50 of 40..=89 repeated: 64 - 20.
        assert_eq!(s.percentile(0.5), Some(Nanos(44.0)));
        assert!(
            s.percentile(0.99).is_some(),
            "1000 samples are enough for p99"
        );
        assert_eq!(s.percentile(0.999), None, "p99.9 needs 10,000 samples");
        assert_eq!(s.max, Some(Nanos(69.0)));
        assert_eq!(min_samples_for(0.999), 10_000.0);
        assert_eq!(percentile_label(0.999), "p99.9");
        assert_eq!(percentile_label(0.5), "p50");
    }

    #[test]
    fn metrics_name_the_headline_figures() {
        let mut h = LatencyHistogram::new();
        for v in 0..20_000u64 {
            h.record(100 + v % 7);
        }
        let ops = Operations {
            operation: "test".into(),
            per_worker: vec![3, 1],
            fairness: Fairness::of(&[3, 1]).unwrap(),
            per_iteration: IterationFairness::default(),
            latency: Some(h.summary(8, 0.0, 1.0)),
        };
        let m = metrics(&ops);
        assert_eq!(m["jain_index"].value, 16.0 / 20.0);
        assert_eq!(m["starved_workers"].value, 0.0);
        for name in ["latency_p50", "latency_p99", "latency_p999"] {
            assert_eq!(m[name].unit, "ns", "{name}");
        }
        assert_eq!(m.len(), 5, "{m:?}");
        let json = serde_json::to_string(&ops).unwrap();
        let back: Operations = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ops);
    }
}
