//! `parbench calibrate`'s probes: small, fast measurements of what this machine can do at most,
//! with the instruction set the kernels use ([`crate::simd`]): read, write and copy bandwidth
//! over working sets from L1 to memory (at 1 and all cores), peak FP64 multiply+add and 32-bit
//! integer-hash throughput (per core and all cores), contended and uncontended atomics, a cache
//! line moving between cores, thread and process start-up and a pipe round trip. Each probe
//! keeps the best of a few short trials (a limit is what the machine reaches, not what it
//! usually reaches). The record and the bound arithmetic are
//! [`parbench_harness::calibration`].

use crate::counter_rng::lowbias32;
use parbench_schema::calibration::{
    ABOVE_BOUND, Bandwidth, BandwidthKind, CALIBRATION_VERSION, Calibration, METRIC_BOUND,
    METRIC_BOUND_BY, METRIC_OF_BOUND,
};
use parbench_schema::results::{ExecutionModel, Flag, FlagKind, Metric, RunResults};
use std::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Working sets of the bandwidth probes (all arrays of a probe together): L1, L2, L3-sized and
/// beyond.
pub const WORKING_SETS: [u64; 6] = [32 << 10, 256 << 10, 2 << 20, 16 << 20, 64 << 20, 256 << 20];

/// Each trial runs at least this long.
const TRIAL: Duration = Duration::from_millis(12);
/// Trials per probe; the best counts.
const TRIALS: usize = 5;

crate::multiversion! {
    fn read_kernel(a: &[f64]) -> f64 {
        read_inline(a)
    }
}

#[inline(always)]
fn read_inline(a: &[f64]) -> f64 {
    let mut acc = [0.0f64; 16];
    for c in a.chunks_exact(16) {
        for j in 0..16 {
            acc[j] += c[j];
        }
    }
    acc.iter().sum()
}

crate::multiversion! {
    fn write_kernel(a: &mut [f64], v: f64) {
        for x in a.iter_mut() {
            *x = v;
        }
    }
}

crate::multiversion! {
    fn copy_kernel(dst: &mut [f64], src: &[f64], s: f64) {
        for (d, x) in dst.iter_mut().zip(src) {
            *d = s * *x;
        }
    }
}

/// One multiply and one add per lane (separate instructions, as the kernels compute: no FMA).
#[inline(always)]
fn mul_add_step<const LANES: usize>(a: &mut [f64; LANES], m: &[f64; LANES], c: &[f64; LANES]) {
    for j in 0..LANES {
        a[j] = a[j] * m[j] + c[j];
    }
}

/// `acc = acc * m + c` on 12 independent vectors of `LANES` doubles (separate locals, so they
/// live in registers): enough chains in flight to hide the multiply's and the add's latency.
#[inline(always)]
fn fp64_inline<const LANES: usize>(steps: u64, seed: f64) -> f64 {
    let m = [0.999_999_9f64; LANES];
    let c = [1e-7f64; LANES];
    let init = |k: usize| -> [f64; LANES] {
        std::array::from_fn(|j| seed + (k * LANES + j) as f64 * 1e-3)
    };
    let (mut a0, mut a1, mut a2, mut a3) = (init(0), init(1), init(2), init(3));
    let (mut a4, mut a5, mut a6, mut a7) = (init(4), init(5), init(6), init(7));
    let (mut a8, mut a9, mut a10, mut a11) = (init(8), init(9), init(10), init(11));
    for _ in 0..steps {
        mul_add_step(&mut a0, &m, &c);
        mul_add_step(&mut a1, &m, &c);
        mul_add_step(&mut a2, &m, &c);
        mul_add_step(&mut a3, &m, &c);
        mul_add_step(&mut a4, &m, &c);
        mul_add_step(&mut a5, &m, &c);
        mul_add_step(&mut a6, &m, &c);
        mul_add_step(&mut a7, &m, &c);
        mul_add_step(&mut a8, &m, &c);
        mul_add_step(&mut a9, &m, &c);
        mul_add_step(&mut a10, &m, &c);
        mul_add_step(&mut a11, &m, &c);
    }
    [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11]
        .iter()
        .flatten()
        .sum()
}

/// One multiply and one add per lane with the multiply off the chain: `a += m * b` (the shape
/// of the matmul register tile: only the adds depend on the previous step).
#[inline(always)]
fn add_mul_step<const LANES: usize>(a: &mut [f64; LANES], m: &[f64; LANES], b: f64) {
    for j in 0..LANES {
        a[j] += m[j] * b;
    }
}

/// `acc += m * b[step]` on 12 independent vectors, `b` loaded from a small table as the tile
/// loads its panel.
#[inline(always)]
fn fp64_tile_inline<const LANES: usize>(steps: u64, seed: f64) -> f64 {
    let table: [f64; 64] = std::array::from_fn(|i| seed + i as f64 * 1e-9);
    let mk = |k: usize| -> [f64; LANES] {
        std::array::from_fn(|j| 1e-3 + (k * LANES + j) as f64 * 1e-6)
    };
    let (m0, m1, m2, m3, m4, m5) = (mk(0), mk(1), mk(2), mk(3), mk(4), mk(5));
    let (m6, m7, m8, m9, m10, m11) = (mk(6), mk(7), mk(8), mk(9), mk(10), mk(11));
    let z = [0.0f64; LANES];
    let (mut a0, mut a1, mut a2, mut a3, mut a4, mut a5) = (z, z, z, z, z, z);
    let (mut a6, mut a7, mut a8, mut a9, mut a10, mut a11) = (z, z, z, z, z, z);
    for s in 0..steps {
        let b = table[(s & 63) as usize];
        add_mul_step(&mut a0, &m0, b);
        add_mul_step(&mut a1, &m1, b);
        add_mul_step(&mut a2, &m2, b);
        add_mul_step(&mut a3, &m3, b);
        add_mul_step(&mut a4, &m4, b);
        add_mul_step(&mut a5, &m5, b);
        add_mul_step(&mut a6, &m6, b);
        add_mul_step(&mut a7, &m7, b);
        add_mul_step(&mut a8, &m8, b);
        add_mul_step(&mut a9, &m9, b);
        add_mul_step(&mut a10, &m10, b);
        add_mul_step(&mut a11, &m11, b);
    }
    [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11]
        .iter()
        .flatten()
        .sum()
}

/// FLOPs one step of [`fp64_inline`] or [`fp64_tile_inline`] performs.
const fn fp64_flops_per_step(lanes: usize) -> f64 {
    (12 * lanes * 2) as f64
}

crate::multiversion! {
    fn fp64_wide(steps: u64, seed: f64) -> f64 {
        fp64_inline::<8>(steps, seed)
    }
}

crate::multiversion! {
    fn fp64_narrow(steps: u64, seed: f64) -> f64 {
        fp64_inline::<4>(steps, seed)
    }
}

crate::multiversion! {
    fn fp64_tile_wide(steps: u64, seed: f64) -> f64 {
        fp64_tile_inline::<8>(steps, seed)
    }
}

crate::multiversion! {
    fn fp64_tile_narrow(steps: u64, seed: f64) -> f64 {
        fp64_tile_inline::<4>(steps, seed)
    }
}

/// Vector lanes of the FP64 probes on this CPU.
fn fp64_lanes() -> usize {
    if crate::simd::level() == crate::simd::Level::Avx512 {
        8
    } else {
        4
    }
}

/// Runs an FP64 probe (`tile`: the matmul-shaped one) for `steps`; returns the FLOPs done.
fn fp64(steps: u64, tile: bool) -> f64 {
    let wide = fp64_lanes() == 8;
    let r = match (wide, tile) {
        (true, false) => fp64_wide(steps, black_box(0.5)),
        (false, false) => fp64_narrow(steps, black_box(0.5)),
        (true, true) => fp64_tile_wide(steps, black_box(0.5)),
        (false, true) => fp64_tile_narrow(steps, black_box(0.5)),
    };
    black_box(r);
    fp64_flops_per_step(fp64_lanes()) * steps as f64
}

crate::multiversion! {
    /// Sums `lowbias32(i ^ key)` over `0..n` (the hash the counter-based workloads draw with).
    fn hash_kernel(key: u32, n: u32) -> u64 {
        let mut s = 0u64;
        for i in 0..n {
            s += lowbias32(i ^ key) as u64;
        }
        s
    }
}

/// Best rate (`amount / seconds`) of `f`, which does `amount(reps)` units of work in `reps`
/// repetitions, over [`TRIALS`] trials of at least [`TRIAL`] each.
fn best_rate(mut f: impl FnMut(u64) -> f64) -> f64 {
    // Grow the repetitions until a trial lasts long enough.
    let mut reps = 1u64;
    loop {
        let t = Instant::now();
        let amount = f(reps);
        let e = t.elapsed();
        if e >= TRIAL || reps >= 1 << 40 {
            let mut best = amount / e.as_secs_f64().max(1e-9);
            for _ in 1..TRIALS {
                let t = Instant::now();
                let amount = f(reps);
                best = best.max(amount / t.elapsed().as_secs_f64().max(1e-9));
            }
            return best;
        }
        let grow = (TRIAL.as_secs_f64() / e.as_secs_f64().max(1e-7)).clamp(2.0, 64.0);
        reps = ((reps as f64) * grow).ceil() as u64;
    }
}

/// Runs `work(thread, reps)` on `threads` threads started together; returns the wall time.
fn together(threads: usize, reps: u64, work: &(dyn Fn(usize, u64) + Sync)) -> Duration {
    // Each worker reads the clock itself: with as many workers as cores, the thread that
    // released them may not run again until they are done, so its clock would miss the work.
    let barrier = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    work(t, reps);
                    (start, Instant::now())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("probe thread"))
            .collect()
    });
    let start = spans.iter().map(|s| s.0).min().expect("a thread");
    let end = spans.iter().map(|s| s.1).max().expect("a thread");
    end.duration_since(start)
}

fn bandwidth_probe(kind: BandwidthKind, threads: usize, working_set: u64) -> f64 {
    let arrays = if kind == BandwidthKind::Copy { 2 } else { 1 };
    let per_thread = (working_set as usize / 8 / arrays / threads).max(16) / 16 * 16;
    let bytes_per_rep = (per_thread * 8 * arrays) as f64;
    let bufs: Vec<std::sync::Mutex<(Vec<f64>, Vec<f64>)>> = (0..threads)
        .map(|t| {
            std::sync::Mutex::new((
                vec![1.0 + t as f64; per_thread],
                if arrays == 2 {
                    vec![0.0; per_thread]
                } else {
                    Vec::new()
                },
            ))
        })
        .collect();
    let work = |t: usize, reps: u64| {
        let mut guard = bufs[t].lock().expect("probe buffers");
        let (a, b) = &mut *guard;
        for r in 0..reps {
            match kind {
                BandwidthKind::Read => {
                    black_box(read_kernel(black_box(a.as_slice())));
                }
                BandwidthKind::Write => write_kernel(black_box(a.as_mut_slice()), r as f64),
                BandwidthKind::Copy => {
                    copy_kernel(black_box(b.as_mut_slice()), black_box(a.as_slice()), 0.5)
                }
            }
        }
    };
    // First touch outside the timing.
    together(threads, 1, &work);
    threads_rate(threads, bytes_per_rep, &work)
}

/// Rate of `work(thread, reps)` (doing `per_rep` units per repetition per thread) on `threads`
/// threads together, best of [`TRIALS`] timed by the barrier.
fn threads_rate(threads: usize, per_rep: f64, work: &(dyn Fn(usize, u64) + Sync)) -> f64 {
    if threads == 1 {
        return best_rate(|reps| {
            work(0, reps);
            per_rep * reps as f64
        });
    }
    let mut reps = 1u64;
    loop {
        let e = together(threads, reps, work);
        if e >= TRIAL || reps >= 1 << 40 {
            let mut best = per_rep * (threads as u64 * reps) as f64 / e.as_secs_f64();
            for _ in 1..TRIALS {
                let e = together(threads, reps, work);
                best = best.max(per_rep * (threads as u64 * reps) as f64 / e.as_secs_f64());
            }
            return best;
        }
        reps = (reps as f64 * (TRIAL.as_secs_f64() / e.as_secs_f64().max(1e-7)).clamp(2.0, 64.0))
            .ceil() as u64;
    }
}

const FP64_STEPS: u64 = 4096;
const HASHES: u32 = 1 << 16;

/// Side of the cache-resident matrix product of the FP64 probe (three 256 x 256 matrices:
/// 1.5 MiB, within a core's L2 on current CPUs).
const TILE_N: usize = 256;

/// The matmul workload's own kernel (packing included) on a product that fits in cache: what
/// the kernels' instruction mix reaches when memory is no limit. Returns the FLOPs per call.
fn matmul_probe() -> (f64, impl Fn()) {
    use crate::workloads::matmul::{NR, input, multiply_rows, pack_b_panel, panels};
    let n = TILE_N;
    let (a, b) = input(n, 7);
    let panel_len = n * NR;
    let mut packed = vec![0.0; panels(n) * panel_len];
    for (q, out) in packed.chunks_exact_mut(panel_len).enumerate() {
        pack_b_panel(&b, n, q, out);
    }
    let state = std::sync::Mutex::new((vec![0.0; n * n], Vec::new()));
    let flops = 2.0 * (n as f64).powi(3);
    (flops, move || {
        let panels: Vec<&[f64]> = packed.chunks_exact(panel_len).collect();
        let mut guard = state.lock().expect("probe state");
        let (c, a_pack) = &mut *guard;
        multiply_rows(&a, n, 0..n, &panels, c, a_pack);
        black_box(&c[0]);
    })
}

/// The best of three FP64 probes (a dependent multiply-add chain, the register tile's shape, and
/// the matmul kernel on a cache-resident product) on `threads` threads.
fn fp64_rate(threads: usize) -> f64 {
    let per_rep = fp64_flops_per_step(fp64_lanes()) * FP64_STEPS as f64;
    let synthetic = [false, true]
        .into_iter()
        .map(|tile| {
            threads_rate(threads, per_rep, &|_, reps| {
                for _ in 0..reps {
                    black_box(fp64(black_box(FP64_STEPS), tile));
                }
            })
        })
        .fold(0.0, f64::max);
    let probes: Vec<(f64, Box<dyn Fn() + Sync + Send>)> = (0..threads)
        .map(|_| {
            let (flops, run) = matmul_probe();
            (flops, Box::new(run) as Box<dyn Fn() + Sync + Send>)
        })
        .collect();
    let kernel = threads_rate(threads, probes[0].0, &|t, reps| {
        for _ in 0..reps {
            (probes[t].1)();
        }
    });
    synthetic.max(kernel)
}

fn hash_rate(threads: usize) -> f64 {
    threads_rate(threads, HASHES as f64, &|t, reps| {
        for r in 0..reps {
            black_box(hash_kernel(black_box((r as u32) ^ t as u32), HASHES));
        }
    })
}

/// Nanoseconds per `fetch_add` on one line: private to each thread (`shared = false`) or one
/// line for all `threads`.
fn atomic_ns(threads: usize, shared: bool) -> f64 {
    const OPS: u64 = 20_000;
    let lines: Vec<crossbeam::utils::CachePadded<AtomicU64>> = (0..threads)
        .map(|_| crossbeam::utils::CachePadded::new(AtomicU64::new(0)))
        .collect();
    let rate = threads_rate(threads, OPS as f64, &|t, reps| {
        let a = if shared { &lines[0] } else { &lines[t] };
        for _ in 0..reps * OPS {
            a.fetch_add(1, Ordering::Relaxed);
        }
    });
    // Operations per second per thread -> ns per operation as each thread sees it.
    1e9 / (rate / threads as f64)
}

/// Half a ping-pong round trip of one cache line between two threads, ns: the best of the
/// trials that finished (a trial whose threads were descheduled for a second is dropped, not
/// counted as fast). `None` when none finished.
fn line_transfer_ns() -> Option<f64> {
    const ROUNDS: u64 = 20_000;
    let flag = crossbeam::utils::CachePadded::new(AtomicU64::new(0));
    let mut best: Option<f64> = None;
    for _ in 0..TRIALS {
        flag.store(0, Ordering::SeqCst);
        let gave_up = std::sync::atomic::AtomicBool::new(false);
        let deadline = Instant::now() + Duration::from_secs(1);
        let e = together(2, ROUNDS, &|t, rounds| {
            let me = t as u64;
            for r in 0..rounds {
                let want = 2 * r + me;
                while flag.load(Ordering::Acquire) != want {
                    if gave_up.load(Ordering::Relaxed) || Instant::now() > deadline {
                        gave_up.store(true, Ordering::Relaxed);
                        return;
                    }
                    std::hint::spin_loop();
                }
                flag.store(want + 1, Ordering::Release);
            }
        });
        if !gave_up.load(Ordering::Relaxed) {
            let ns = e.as_secs_f64() * 1e9 / (2 * ROUNDS) as f64;
            best = Some(best.map_or(ns, |b: f64| b.min(ns)));
        }
    }
    best
}

fn thread_spawn_ns() -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..TRIALS {
        let n = 200;
        let t = Instant::now();
        for i in 0..n {
            std::thread::spawn(move || black_box(i))
                .join()
                .expect("probe thread");
        }
        best = best.min(t.elapsed().as_secs_f64() * 1e9 / n as f64);
    }
    best
}

fn process_spawn_ns() -> Option<f64> {
    let program = ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())?;
    let mut best = f64::INFINITY;
    for _ in 0..TRIALS {
        let n = 20;
        let t = Instant::now();
        for _ in 0..n {
            std::process::Command::new(program).status().ok()?;
        }
        best = best.min(t.elapsed().as_secs_f64() * 1e9 / n as f64);
    }
    Some(best)
}

/// One byte to `cat` and back over its stdin and stdout pipes.
fn pipe_round_trip_ns() -> Option<f64> {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let mut stdout = child.stdout.take()?;
    let mut byte = [0u8; 1];
    let mut round = |n: usize| -> Option<f64> {
        let t = Instant::now();
        for _ in 0..n {
            stdin.write_all(b"x").ok()?;
            stdout.read_exact(&mut byte).ok()?;
        }
        Some(t.elapsed().as_secs_f64() * 1e9 / n as f64)
    };
    round(100)?;
    let mut best = f64::INFINITY;
    for _ in 0..TRIALS {
        best = best.min(round(1000)?);
    }
    drop(stdin);
    let _ = child.wait();
    Some(best)
}

/// Measures this machine (`cores` threads for the all-cores figures); `progress` hears the name
/// of each probe as it starts.
pub fn calibrate(
    machine_id: &str,
    cores: u32,
    build_profile: &str,
    mut progress: impl FnMut(&str),
) -> Calibration {
    let start = Instant::now();
    let cores = cores.max(1);
    let mut thread_counts = vec![1usize];
    if cores > 1 {
        thread_counts.push(cores as usize);
    }
    let mut bandwidth = Vec::new();
    for kind in [
        BandwidthKind::Read,
        BandwidthKind::Write,
        BandwidthKind::Copy,
    ] {
        progress(&format!("{} bandwidth", kind.name()));
        for &threads in &thread_counts {
            for ws in WORKING_SETS {
                bandwidth.push(Bandwidth {
                    kind,
                    threads: threads as u32,
                    working_set_bytes: ws,
                    bytes_per_s: bandwidth_probe(kind, threads, ws),
                });
            }
        }
    }
    progress("FP64 peak");
    let fp64_flops_per_core = fp64_rate(1);
    let fp64_flops_all_cores = if cores > 1 {
        fp64_rate(cores as usize)
    } else {
        fp64_flops_per_core
    };
    progress("integer hash peak");
    let hash32_per_core = hash_rate(1);
    let hash32_all_cores = if cores > 1 {
        hash_rate(cores as usize)
    } else {
        hash32_per_core
    };
    progress("atomics");
    let atomic_uncontended_ns = atomic_ns(1, false);
    let atomic_contended_ns = atomic_ns(cores as usize, true);
    let cache_line_transfer_ns = if cores > 1 { line_transfer_ns() } else { None };
    progress("thread and process start-up, pipes");
    let thread_spawn_ns = thread_spawn_ns();
    let process_spawn_ns = process_spawn_ns();
    let pipe_round_trip_ns = pipe_round_trip_ns();
    Calibration {
        version: CALIBRATION_VERSION,
        machine_id: machine_id.to_string(),
        measured_at: parbench_analysis::timefmt::rfc3339(std::time::SystemTime::now()),
        parbench_version: env!("CARGO_PKG_VERSION").to_string(),
        build_profile: build_profile.to_string(),
        isa: crate::simd::best_level().to_string(),
        cores,
        seconds: start.elapsed().as_secs_f64(),
        bandwidth,
        fp64_flops_per_core,
        fp64_flops_all_cores,
        hash32_per_core,
        hash32_all_cores,
        atomic_uncontended_ns,
        atomic_contended_ns,
        cache_line_transfer_ns,
        thread_spawn_ns,
        process_spawn_ns,
        pipe_round_trip_ns,
    }
}

/// Gives every measured point of `results` whose workload declares a bound model its bound
/// against `calibration` (the metrics [`METRIC_OF_BOUND`], [`METRIC_BOUND`] and
/// `bound_by_<resource>`), and flags [`FlagKind::AboveBound`] on a point faster than
/// [`ABOVE_BOUND`] times it. Accelerator (OpenCL) points are left out: the calibration measures
/// the CPU. Returns how many points got a bound.
pub fn apply_bounds(
    results: &mut RunResults,
    registry: &crate::Registry,
    calibration: &Calibration,
) -> usize {
    let mut bounded = 0;
    for p in results.points.iter_mut() {
        if p.model == ExecutionModel::Opencl || p.measurement.is_none() {
            continue;
        }
        let Some(t) = p.throughput.as_ref().filter(|t| t.value > 0.0) else {
            continue;
        };
        let Some(workload) = registry.get(&p.workload) else {
            continue;
        };
        let mut problem = crate::Problem::new(p.size.clone(), p.n, 0);
        for spec in workload.info().params {
            problem
                .params
                .insert(spec.name.to_string(), spec.default.clone());
        }
        problem
            .params
            .extend(p.params.iter().map(|(k, v)| (k.clone(), v.clone())));
        let Some(model) = workload.bound(&problem) else {
            continue;
        };
        let Some(bound) = calibration.bound(&model, p.workers) else {
            continue;
        };
        let fraction = t.value / bound.units_per_s;
        let unit = t.unit.clone();
        p.metrics.insert(
            METRIC_OF_BOUND.into(),
            Metric {
                value: fraction,
                unit: String::new(),
            },
        );
        p.metrics.insert(
            METRIC_BOUND.into(),
            Metric {
                value: bound.units_per_s,
                unit,
            },
        );
        p.metrics.retain(|k, _| !k.starts_with(METRIC_BOUND_BY));
        p.metrics.insert(
            format!("{METRIC_BOUND_BY}{}", bound.resource.key()),
            Metric {
                value: bound.resource_value,
                unit: bound.resource.unit().into(),
            },
        );
        p.derived.flags.retain(|f| f.kind != FlagKind::AboveBound);
        if fraction > ABOVE_BOUND {
            p.derived.flags.push(Flag {
                kind: FlagKind::AboveBound,
                message: format!(
                    "{:.0}% of the machine's calibrated bound ({}): faster than the machine can be; a measurement error (a workload that does less than its declared work, timing, or a stale calibration: `parbench calibrate --recalibrate`)",
                    fraction * 100.0,
                    bound.resource.key().replace('_', " ")
                ),
            });
        }
        bounded += 1;
    }
    bounded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_compute_what_they_claim() {
        let a: Vec<f64> = (0..64).map(|i| i as f64).collect();
        assert_eq!(read_kernel(&a), (0..64).sum::<i32>() as f64);
        let mut b = vec![0.0; 64];
        copy_kernel(&mut b, &a, 0.5);
        assert_eq!(b[10], 5.0);
        write_kernel(&mut b, 3.0);
        assert!(b.iter().all(|x| *x == 3.0));
        let h: u64 = (0..100u32).map(|i| lowbias32(i ^ 7) as u64).sum();
        assert_eq!(hash_kernel(7, 100), h);
        assert!(fp64(10, false) > 0.0 && fp64(10, true) > 0.0);
        let (flops, run) = matmul_probe();
        run();
        assert_eq!(flops, 2.0 * (TILE_N as f64).powi(3));
    }

    fn calibration() -> Calibration {
        Calibration {
            version: CALIBRATION_VERSION,
            machine_id: "m".into(),
            measured_at: String::new(),
            parbench_version: String::new(),
            build_profile: "release".into(),
            isa: "avx2".into(),
            cores: 2,
            seconds: 1.0,
            bandwidth: vec![Bandwidth {
                kind: BandwidthKind::Copy,
                threads: 1,
                working_set_bytes: 1 << 20,
                bytes_per_s: 10e9,
            }],
            fp64_flops_per_core: 4e9,
            fp64_flops_all_cores: 8e9,
            hash32_per_core: 2e9,
            hash32_all_cores: 4e9,
            atomic_uncontended_ns: 1.0,
            atomic_contended_ns: 10.0,
            cache_line_transfer_ns: None,
            thread_spawn_ns: 1.0,
            process_spawn_ns: None,
            pipe_round_trip_ns: None,
        }
    }

    fn point(
        workload: &str,
        variant: &str,
        throughput: f64,
        unit: &str,
    ) -> parbench_schema::results::Point {
        serde_json::from_value(serde_json::json!({
            "suite": workload, "workload": workload, "size": "S", "n": 1000, "variant": variant,
            "model": if variant == "opencl" { "opencl" } else { "serial" }, "sync": "none",
            "workers": 1, "status": "ok", "oversubscribed": false,
            "measurement": {
                "samples_ns": [1.0], "iters_per_sample": 1,
                "stats": {"n": 1, "mean": 1.0, "median": 1.0, "stddev": 0.0, "mad": 0.0, "min": 1.0,
                          "max": 1.0, "cv": 0.0, "ci_low": 1.0, "ci_high": 1.0, "ci_level": 0.95,
                          "outliers": {"low_severe": 0, "low_mild": 0, "high_mild": 0, "high_severe": 0}},
                "warmup_iters": 0, "warmup_ns": 0.0, "first_iteration_ns": 1.0,
                "timer_resolution_ns": 1.0, "stop_reason": "budget", "checksum": ""
            },
            "throughput": {"value": throughput, "unit": unit}
        }))
        .expect("a point")
    }

    #[test]
    fn bounds_are_attached_and_a_point_above_its_bound_is_flagged() {
        let mut results: RunResults = serde_json::from_value(serde_json::json!({
            "schema_version": 1, "parbench_version": "0", "run_id": "r", "started_at": "",
            "complete": true,
            "config": {"path": "", "sha256": "", "text": "", "quick": false},
            "machine": {"id": "m", "hostname": "", "cpu_model": "", "logical_cores": 2, "os": "",
                        "kernel": "", "arch": "", "rustc": "", "build_profile": ""},
            "points": []
        }))
        .expect("results");
        results.points = vec![
            // pi: 2 hashes per sample at 2e9 hashes/s: at most 1e9 samples/s.
            point("pi", "serial", 0.5e9, "samples/s"),
            // matmul: one FLOP per FLOP at 4e9: 5e9 is 125% of the bound.
            point("matmul", "serial", 5e9, "FLOP/s"),
            point("pi", "opencl", 9e9, "samples/s"),
        ];
        let registry = crate::Registry::builtin();
        assert_eq!(apply_bounds(&mut results, &registry, &calibration()), 2);
        let pi = &results.points[0];
        assert!((pi.metrics[METRIC_OF_BOUND].value - 0.5).abs() < 1e-9);
        assert_eq!(pi.metrics[METRIC_BOUND].unit, "samples/s");
        assert!(pi.metrics.contains_key("bound_by_hash32_peak"));
        assert!(pi.derived.flags.is_empty());
        let matmul = &results.points[1];
        assert!((matmul.metrics[METRIC_OF_BOUND].value - 1.25).abs() < 1e-9);
        assert_eq!(matmul.derived.flags[0].kind, FlagKind::AboveBound);
        assert!(
            results.points[2].metrics.is_empty(),
            "devices get no CPU bound"
        );
    }

    #[test]
    fn a_cache_line_transfer_takes_time() {
        // Timed by the workers themselves: 40,000 hand-offs between two threads cannot take
        // less than a nanosecond each (the releasing thread's clock once said 0.4 ns).
        if let Some(ns) = line_transfer_ns() {
            assert!(ns > 1.0, "{ns} ns");
        }
    }

    #[test]
    fn best_rate_measures_a_rate() {
        let r = best_rate(|reps| {
            black_box((0..reps).sum::<u64>());
            reps as f64
        });
        assert!(r > 0.0 && r.is_finite());
    }
}
