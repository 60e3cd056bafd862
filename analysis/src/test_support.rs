//! Synthetic runs for unit tests: points with seeded, known sample distributions.

use crate::rng::SplitMix64;
use crate::stats::Summary;
use parbench_schema::duration::Nanos;
use parbench_schema::machine::Machine;
use parbench_schema::params::ParamValue;
use parbench_schema::results::*;
use parbench_schema::variant::names;
use std::collections::BTreeMap;

/// A fixed machine, so tests do not depend on the one they run on.
pub fn machine() -> Machine {
    let mut m = Machine {
        id: String::new(),
        hostname: "testhost".into(),
        cpu_model: "Test CPU".into(),
        logical_cores: 2,
        physical_cores: Some(2),
        memory_bytes: Some(8 << 30),
        os: "Test OS".into(),
        kernel: "1.0".into(),
        arch: "x86_64".into(),
        cpu_features: vec![],
        rustc: "rustc 1.95.0".into(),
        build_profile: "release".into(),
        load_average: None,
        cpu_governor: None,
        cpu_mhz: None,
        git_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        git_dirty: Some(false),
        accelerators: vec![],
        calibration: None,
    };
    // A fixed id (what `parbench_harness::fingerprint::stable_id` would give is beside the point).
    m.id = "7e57f1x7u3e0a11d".into();
    m
}

/// A run holding `points`.
pub fn run(points: Vec<Point>) -> RunResults {
    RunResults {
        schema_version: SCHEMA_VERSION,
        parbench_version: "0.1.0".into(),
        run_id: "2026-01-01T00-00-00Z".into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        finished_at: Some("2026-01-01T00:01:00Z".into()),
        complete: true,
        config: ConfigEcho {
            path: "test.toml".into(),
            sha256: "00".into(),
            text: String::new(),
            quick: false,
            suite_filter: vec![],
            variant_filter: vec![],
            shard: None,
        },
        machine: machine(),
        points,
        crossovers: Vec::new(),
        scalability: vec![],
        environment: None,
    }
}

/// 40 samples around `median` ns with relative spread `noise` (uniform ± noise), seeded.
pub fn samples(median: f64, noise: f64, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed);
    (0..40)
        .map(|_| median * (1.0 + noise * (2.0 * rng.next_f64() - 1.0)))
        .collect()
}

/// An ok point of size `S` (n = 1000) of workload `suite`.
pub fn point(
    suite: &str,
    variant: &str,
    workers: u32,
    median: f64,
    noise: f64,
    seed: u64,
) -> Point {
    point_from_samples(suite, variant, workers, &samples(median, noise, seed))
}

/// Like [`point`], with the given timing samples (ns) instead of generated ones; its summary
/// is computed from them.
pub fn point_from_samples(suite: &str, variant: &str, workers: u32, s: &[f64]) -> Point {
    let summary = Summary::of(s, 1);
    Point {
        suite: suite.into(),
        workload: suite.into(),
        size: "S".into(),
        n: 1000,
        variant: variant.into(),
        model: if variant == names::SERIAL {
            ExecutionModel::Serial
        } else {
            ExecutionModel::Threads
        },
        sync: SyncKind::None,
        workers,
        params: BTreeMap::<String, ParamValue>::new(),
        status: Status::Ok,
        reason: None,
        oversubscribed: false,
        measurement: Some(Measurement {
            samples_ns: s.iter().map(|&x| Nanos(x)).collect(),
            iters_per_sample: 1,
            stats: TimeStats::from(&summary),
            warmup_iters: 1,
            warmup_ns: Nanos(1.0),
            first_iteration_ns: Nanos(s[0]),
            timer_resolution_ns: Nanos(10.0),
            stop_reason: StopReason::Budget,
            checksum: "0".into(),
            repetitions: Vec::new(),
        }),
        throughput: None,
        derived: Derived::default(),
        phases: vec![],
        metrics: BTreeMap::new(),
        warnings: vec![],
        operations: None,
        stderr: None,
    }
}
