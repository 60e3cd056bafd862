//! The machine's own limits and what they bound: the [`Calibration`] record `parbench
//! calibrate` measures (memory bandwidth by working set, peak FP64 and integer-hash throughput,
//! atomics, cache-line transfers, thread and process start-up, pipe round trips), and the bound
//! model of a workload ([`BoundModel`]) turned into a throughput no point can honestly exceed
//! ([`Calibration::bound`]). The probes live in `parbench-suites` (they need its SIMD kernels),
//! the per-machine cache in `parbench_harness::calibration`; this module owns the record and
//! the arithmetic.

use serde::{Deserialize, Serialize};

/// Version of the calibration record: a cached record of another version is measured again.
pub const CALIBRATION_VERSION: u32 = 1;

/// Metric of a point: its throughput as a fraction of its bound (`0.62` = 62%).
pub const METRIC_OF_BOUND: &str = "of_bound";
/// Metric of a point: the bound itself, in the point's throughput unit.
pub const METRIC_BOUND: &str = "bound_throughput";
/// Prefix of the metric naming what limits a point (`bound_by_copy_bandwidth`), valued with the
/// calibrated figure it used (B/s, FLOP/s, hashes/s).
pub const METRIC_BOUND_BY: &str = "bound_by_";
/// A point faster than this fraction of its bound is flagged
/// [`crate::results::FlagKind::AboveBound`].
pub const ABOVE_BOUND: f64 = 1.10;

/// What a bandwidth probe does to its working set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BandwidthKind {
    /// Sums every f64 (8 bytes read per element).
    Read,
    /// Stores every f64 (8 bytes written per element).
    Write,
    /// `b[i] = s * a[i]` (STREAM's scale: 16 bytes per element, read plus write).
    Copy,
}

impl BandwidthKind {
    /// The serde name (`read`, `write`, `copy`), as stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            BandwidthKind::Read => "read",
            BandwidthKind::Write => "write",
            BandwidthKind::Copy => "copy",
        }
    }
}

/// One bandwidth figure: `kind` over `working_set_bytes` (all arrays, all threads together) on
/// `threads` threads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bandwidth {
    /// What the probe does to its working set.
    pub kind: BandwidthKind,
    /// Threads that ran the probe at once.
    pub threads: u32,
    /// Bytes of all arrays of all threads together.
    pub working_set_bytes: u64,
    /// Bytes moved per second (read plus written for `copy`), all threads together.
    pub bytes_per_s: f64,
}

/// The limits of one machine, measured by small probes (`parbench calibrate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Version of this record ([`CALIBRATION_VERSION`] when written).
    pub version: u32,
    /// The machine fingerprint's id this was measured on.
    pub machine_id: String,
    /// When it was measured, RFC 3339 UTC.
    pub measured_at: String,
    /// Version of the parbench that measured it.
    pub parbench_version: String,
    /// Build profile of the binary that measured (a debug build's probes are not limits).
    pub build_profile: String,
    /// The instruction set the kernels (and the compute probes) run with: `avx512`, `avx2`,
    /// `baseline`.
    pub isa: String,
    /// Threads the "all cores" figures used (the logical cores).
    pub cores: u32,
    /// Wall time of the whole calibration, in seconds.
    pub seconds: f64,
    /// Read, write and copy bandwidth over working sets from L1 to memory, at 1 and all cores.
    pub bandwidth: Vec<Bandwidth>,
    /// FP64 multiplies and adds (separate instructions, as the kernels use: no FMA) per second
    /// on one core: the best of a dependent multiply-add chain and a register tile on 12
    /// independent `isa` vectors, and the matmul kernel itself on a cache-resident product.
    pub fp64_flops_per_core: f64,
    /// The same on every core at once.
    pub fp64_flops_all_cores: f64,
    /// 32-bit integer hashes (`lowbias32`, multiply-xorshift) per second on one core, vectorized:
    /// the integer throughput the counter-based random workloads need.
    pub hash32_per_core: f64,
    /// The same on every core at once.
    pub hash32_all_cores: f64,
    /// `fetch_add` on a line no other core touches, ns per operation.
    pub atomic_uncontended_ns: f64,
    /// `fetch_add` on one shared line from every core at once, ns per operation (all threads'
    /// operations over the wall time).
    pub atomic_contended_ns: f64,
    /// One cache line moving between two cores (half a ping-pong round trip), ns; `None` on one
    /// core.
    #[serde(default)]
    pub cache_line_transfer_ns: Option<f64>,
    /// Spawning and joining one thread, ns.
    pub thread_spawn_ns: f64,
    /// Spawning and waiting for one process (`/bin/true` or the closest equivalent), ns.
    #[serde(default)]
    pub process_spawn_ns: Option<f64>,
    /// One byte to a thread and back over a pair of pipes, ns.
    #[serde(default)]
    pub pipe_round_trip_ns: Option<f64>,
}

/// What one unit of a workload's work costs the machine, for its bound: each resource sets a
/// least time per unit, and the largest of them is the bound (a roofline with three roofs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BoundModel {
    /// Bytes read plus written per unit, streamed (compared with copy bandwidth).
    pub bytes: f64,
    /// FP64 operations (multiplies and adds) per unit.
    pub flops: f64,
    /// 32-bit integer hashes per unit.
    pub hashes: f64,
    /// Bytes the problem touches, all workers together (selects the bandwidth of that cache
    /// level).
    pub working_set_bytes: f64,
}

/// The resource a bound comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Memory bandwidth (the copy probe at the point's working set and workers).
    CopyBandwidth,
    /// Peak FP64 multiplies and adds.
    Fp64,
    /// Peak 32-bit integer hashes.
    Hash32,
}

impl Resource {
    /// The key after [`METRIC_BOUND_BY`].
    pub fn key(self) -> &'static str {
        match self {
            Resource::CopyBandwidth => "copy_bandwidth",
            Resource::Fp64 => "fp64_peak",
            Resource::Hash32 => "hash32_peak",
        }
    }

    /// Unit of the calibrated figure: `B/s`, `FLOP/s` or `hashes/s`.
    pub fn unit(self) -> &'static str {
        match self {
            Resource::CopyBandwidth => "B/s",
            Resource::Fp64 => "FLOP/s",
            Resource::Hash32 => "hashes/s",
        }
    }

    /// Words for a reader, from a metric key after [`METRIC_BOUND_BY`].
    pub fn describe_key(key: &str) -> &'static str {
        match key {
            "copy_bandwidth" => "copy bandwidth at this working set",
            "fp64_peak" => "peak FP64 multiply+add",
            "hash32_peak" => "peak 32-bit hash throughput",
            _ => "a calibrated limit",
        }
    }
}

/// The most a point may do: `units_per_s` of the workload's unit of work, set by `resource`
/// (whose calibrated figure, for the point's workers and working set, is `resource_value`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// The bound, in units of the workload's work per second.
    pub units_per_s: f64,
    /// The resource that sets it (the slowest for this unit of work).
    pub resource: Resource,
    /// That resource's calibrated figure for the point's workers and working set, in
    /// [`Resource::unit`].
    pub resource_value: f64,
}

impl Calibration {
    /// `kind` bandwidth over `working_set` bytes on `threads` threads (at most the calibrated
    /// cores): the probe at the largest working set not above it, at 1 thread scaled by the
    /// thread count up to the all-cores figure.
    pub fn bandwidth(&self, kind: BandwidthKind, threads: u32, working_set: f64) -> Option<f64> {
        let at = |t: u32| interpolate(&self.bandwidth, kind, t, working_set);
        let one = at(1)?;
        if threads <= 1 || self.cores <= 1 {
            return Some(one);
        }
        let all = at(self.cores).unwrap_or(one * self.cores as f64);
        let t = threads.min(self.cores) as f64;
        Some((one * t).min(all.max(one)))
    }

    /// The bound of a unit of work with `model` on `workers` workers (oversubscribed counts
    /// get the machine's cores, no more). `None` when the model declares no resource.
    pub fn bound(&self, model: &BoundModel, workers: u32) -> Option<Bound> {
        let w = workers.clamp(1, self.cores.max(1));
        // Compute scales with the cores: one core's peak times the workers (the all-cores probe,
        // short and on a shared machine, can read low, and a bound must not be too low).
        let all_cores = w >= self.cores;
        let scaled = |per_core: f64, all: f64| {
            let s = per_core * w as f64;
            if all_cores { s.max(all) } else { s }
        };
        let mut candidates: Vec<(f64, Resource, f64)> = Vec::new();
        if model.bytes > 0.0
            && let Some(bw) = self.bandwidth(BandwidthKind::Copy, w, model.working_set_bytes)
            && bw > 0.0
        {
            candidates.push((model.bytes / bw, Resource::CopyBandwidth, bw));
        }
        if model.flops > 0.0 && self.fp64_flops_per_core > 0.0 {
            let peak = scaled(self.fp64_flops_per_core, self.fp64_flops_all_cores);
            candidates.push((model.flops / peak, Resource::Fp64, peak));
        }
        if model.hashes > 0.0 && self.hash32_per_core > 0.0 {
            let peak = scaled(self.hash32_per_core, self.hash32_all_cores);
            candidates.push((model.hashes / peak, Resource::Hash32, peak));
        }
        let (seconds, resource, value) =
            candidates.into_iter().max_by(|a, b| a.0.total_cmp(&b.0))?;
        (seconds > 0.0).then(|| Bound {
            units_per_s: 1.0 / seconds,
            resource,
            resource_value: value,
        })
    }
}

/// The bandwidth probe of one kind and thread count at the largest probed working set not
/// above `ws` (the smallest probe below that): an upper bound, since bandwidth only falls as a
/// working set grows, and a cache's cliff lies somewhere between two probes.
fn interpolate(probes: &[Bandwidth], kind: BandwidthKind, threads: u32, ws: f64) -> Option<f64> {
    let mut pts: Vec<(u64, f64)> = probes
        .iter()
        .filter(|b| b.kind == kind && b.threads == threads && b.bytes_per_s > 0.0)
        .map(|b| (b.working_set_bytes, b.bytes_per_s))
        .collect();
    pts.sort_by_key(|p| p.0);
    let first = *pts.first()?;
    Some(
        pts.iter()
            .rev()
            .find(|(w, _)| *w as f64 <= ws)
            .copied()
            .unwrap_or(first)
            .1,
    )
}

/// A plausible calibration of a 2-core machine (id `abc`), for tests here and in other crates.
#[cfg(any(test, feature = "test-support"))]
pub fn example() -> Calibration {
    let bw = |kind, threads, ws: u64, gbs: f64| Bandwidth {
        kind,
        threads,
        working_set_bytes: ws,
        bytes_per_s: gbs * 1e9,
    };
    Calibration {
        version: CALIBRATION_VERSION,
        machine_id: "abc".into(),
        measured_at: "2026-01-01T00:00:00Z".into(),
        parbench_version: "0.1.0".into(),
        build_profile: "release".into(),
        isa: "avx2".into(),
        cores: 2,
        seconds: 3.0,
        bandwidth: vec![
            bw(BandwidthKind::Copy, 1, 1 << 15, 100.0),
            bw(BandwidthKind::Copy, 1, 1 << 25, 20.0),
            bw(BandwidthKind::Copy, 2, 1 << 15, 200.0),
            bw(BandwidthKind::Copy, 2, 1 << 25, 30.0),
        ],
        fp64_flops_per_core: 16e9,
        fp64_flops_all_cores: 32e9,
        hash32_per_core: 4e9,
        hash32_all_cores: 8e9,
        atomic_uncontended_ns: 2.0,
        atomic_contended_ns: 20.0,
        cache_line_transfer_ns: Some(60.0),
        thread_spawn_ns: 20_000.0,
        process_spawn_ns: Some(500_000.0),
        pipe_round_trip_ns: Some(8_000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Calibration {
        example()
    }

    #[test]
    fn bandwidth_bounds_from_the_next_smaller_working_set_and_scales_with_threads() {
        let c = sample();
        assert_eq!(c.bandwidth(BandwidthKind::Copy, 1, 1000.0), Some(100e9));
        assert_eq!(c.bandwidth(BandwidthKind::Copy, 1, 1e12), Some(20e9));
        // Between two probes: the smaller working set's (an upper bound).
        let mid = c
            .bandwidth(BandwidthKind::Copy, 1, (1u64 << 20) as f64)
            .unwrap();
        assert_eq!(mid, 100e9);
        // Two threads at memory size: the all-cores figure, not twice one core.
        assert_eq!(c.bandwidth(BandwidthKind::Copy, 2, 1e12), Some(30e9));
        assert_eq!(c.bandwidth(BandwidthKind::Copy, 8, 1e12), Some(30e9));
        assert_eq!(c.bandwidth(BandwidthKind::Read, 1, 1e6), None);
    }

    #[test]
    fn the_bound_is_the_slowest_resource() {
        let c = sample();
        // Streaming 16 B per element at memory size: 20 GB/s / 16 B.
        let square = BoundModel {
            bytes: 16.0,
            working_set_bytes: 1e12,
            ..BoundModel::default()
        };
        let b = c.bound(&square, 1).unwrap();
        assert_eq!(b.resource, Resource::CopyBandwidth);
        assert!((b.units_per_s - 20e9 / 16.0).abs() < 1.0);
        // One FLOP per unit: 16 GFLOP/s on one core, 32 on two, never more on more workers.
        let flops = BoundModel {
            flops: 1.0,
            ..BoundModel::default()
        };
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b;
        assert!(close(c.bound(&flops, 1).unwrap().units_per_s, 16e9));
        assert!(close(c.bound(&flops, 4).unwrap().units_per_s, 32e9));
        assert_eq!(c.bound(&BoundModel::default(), 1), None);
    }
}
