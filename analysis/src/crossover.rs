//! The crossover of an accelerator (OpenCL) variant against the CPU: over a size sweep, the
//! smallest problem size from which the accelerator beats the best CPU point at the same size,
//! end to end and on kernel time alone, with an interval from the bootstrap intervals of the
//! time ratios at the neighbouring sizes. "GPUs win on throughput, CPUs on latency", measured.
//! The crossovers as stored are `parbench_schema::crossover`; this module finds them.

use crate::derived::{ratio_ci, same_problem};
use parbench_schema::duration::Nanos;
use parbench_schema::params::ParamValue;
use parbench_schema::results::{ExecutionModel, Point, Status};

use std::collections::BTreeMap;

use parbench_schema::crossover::{Crossover, KERNEL_PHASE, Measure, Outcome, SizeComparison};

/// Whether a point ran on the CPU (the side an accelerator is compared with).
fn is_cpu(p: &Point) -> bool {
    matches!(
        p.model,
        ExecutionModel::Serial
            | ExecutionModel::Threads
            | ExecutionModel::Rayon
            | ExecutionModel::Processes
    )
}

fn ok_measured(p: &Point) -> bool {
    p.status == Status::Ok && p.measurement.is_some()
}

fn raw(v: &[Nanos]) -> Vec<f64> {
    v.iter().map(|x| x.0).collect()
}

/// The accelerator's time of `p` under `measure`: median and raw samples.
fn accelerator_time(p: &Point, measure: Measure) -> Option<(Nanos, Vec<f64>)> {
    let m = p.measurement.as_ref()?;
    match measure {
        Measure::EndToEnd => Some((m.stats.median, raw(&m.samples_ns))),
        Measure::Kernel => {
            let ph = p.phases.iter().find(|ph| ph.name == KERNEL_PHASE)?;
            (!ph.samples_ns.is_empty()).then(|| (ph.median, raw(&ph.samples_ns)))
        }
    }
}

/// Every crossover the points allow: per suite, per OpenCL variant and parameter set, per
/// measure, where at least two sizes have both a verified accelerator point and a verified CPU
/// point. `seed` makes the bootstrap intervals reproducible.
pub fn find_all(points: &[Point], seed: u64) -> Vec<Crossover> {
    // Accelerator series: (suite, variant, params) -> points, in first-appearance order.
    type Series<'a> = (
        &'a str,
        &'a str,
        &'a BTreeMap<String, ParamValue>,
        Vec<&'a Point>,
    );
    let mut series: Vec<Series<'_>> = Vec::new();
    for p in points
        .iter()
        .filter(|p| p.model == ExecutionModel::Opencl && ok_measured(p))
    {
        match series
            .iter_mut()
            .find(|(s, v, params, _)| *s == p.suite && *v == p.variant && **params == p.params)
        {
            Some((_, _, _, list)) => list.push(p),
            None => series.push((&p.suite, &p.variant, &p.params, vec![p])),
        }
    }
    let mut out = Vec::new();
    for (i, (suite, variant, params, mut accel)) in series.into_iter().enumerate() {
        accel.sort_by_key(|p| p.n);
        accel.dedup_by_key(|p| p.n);
        for measure in [Measure::EndToEnd, Measure::Kernel] {
            let mut sizes = Vec::new();
            let mut notes = Vec::new();
            for (k, p) in accel.iter().enumerate() {
                let Some((acc_ns, acc_samples)) = accelerator_time(p, measure) else {
                    continue;
                };
                let best = points
                    .iter()
                    .filter(|q| is_cpu(q) && ok_measured(q) && same_problem(q, p))
                    .min_by(|a, b| {
                        let m = |x: &Point| x.median().map_or(f64::INFINITY, |v| v.0);
                        m(a).total_cmp(&m(b))
                    });
                let Some(cpu) = best else {
                    notes.push(format!(
                        "size {} has no verified CPU point to compare with",
                        p.size
                    ));
                    continue;
                };
                let cm = cpu.measurement.as_ref().expect("filtered on measurement");
                let cpu_ns = cm.stats.median;
                let ratio_seed = seed ^ ((i as u64) << 32) ^ ((k as u64) << 8) ^ measure as u64;
                sizes.push(SizeComparison {
                    size: p.size.clone(),
                    n: p.n,
                    accelerator_ns: acc_ns,
                    cpu_variant: cpu.variant.clone(),
                    cpu_workers: cpu.workers,
                    cpu_ns,
                    ratio: acc_ns.0 / cpu_ns.0,
                    ratio_ci: ratio_ci(&acc_samples, &raw(&cm.samples_ns), ratio_seed),
                });
            }
            if sizes.len() < 2 {
                continue;
            }
            let (outcome, more) = locate(&sizes);
            notes.extend(more);
            out.push(Crossover {
                suite: suite.to_string(),
                workload: accel[0].workload.clone(),
                variant: variant.to_string().into(),
                params: params.clone(),
                measure,
                sizes,
                outcome,
                notes,
            });
        }
    }
    out
}

/// The smallest index from which `faster(i)` holds at every later size too, if any.
fn first_of_final_run(len: usize, faster: impl Fn(usize) -> bool) -> Option<usize> {
    let mut k = None;
    for i in (0..len).rev() {
        if faster(i) {
            k = Some(i);
        } else {
            break;
        }
    }
    k
}

/// Where the ratios `r` (at sizes `n`, both by index) cross 1 between indices `k - 1` and `k`,
/// interpolated linearly in log size and log ratio.
fn interpolate(n: &[f64], r: &[f64], k: usize) -> f64 {
    let (ra, rb) = (r[k - 1].max(1e-300).ln(), r[k].max(1e-300).ln());
    let (na, nb) = (n[k - 1].ln(), n[k].ln());
    let t = if ra - rb > 0.0 {
        (ra / (ra - rb)).clamp(0.0, 1.0)
    } else {
        1.0
    };
    (na + t * (nb - na)).exp()
}

/// The outcome of one series of comparisons (smallest size first), with notes.
fn locate(sizes: &[SizeComparison]) -> (Outcome, Vec<String>) {
    let n: Vec<f64> = sizes.iter().map(|s| s.n as f64).collect();
    let mid: Vec<f64> = sizes.iter().map(|s| s.ratio).collect();
    let lo: Vec<f64> = sizes.iter().map(|s| s.ratio_ci[0].min(s.ratio)).collect();
    let hi: Vec<f64> = sizes.iter().map(|s| s.ratio_ci[1].max(s.ratio)).collect();
    let len = sizes.len();
    let mut notes = Vec::new();
    let Some(k) = first_of_final_run(len, |i| mid[i] < 1.0) else {
        if let Some(s) = sizes.iter().find(|s| s.ratio < 1.0) {
            notes.push(format!(
                "faster at size {} (n = {}) but not at the largest size",
                s.size, s.n
            ));
        }
        return (
            Outcome::NotInRange {
                n: sizes[len - 1].n,
            },
            notes,
        );
    };
    if let Some(s) = sizes[..k].iter().find(|s| s.ratio < 1.0) {
        notes.push(format!(
            "also faster at the smaller size {} (n = {}), then slower again: the crossover is where it stays faster",
            s.size, s.n
        ));
    }
    if k == 0 {
        return (Outcome::AtOrBelow { n: sizes[0].n }, notes);
    }
    let estimate = interpolate(&n, &mid, k);
    let k_lo = first_of_final_run(len, |i| lo[i] < 1.0).unwrap_or(k);
    let low = if k_lo == 0 {
        n[0]
    } else {
        interpolate(&n, &lo, k_lo)
    };
    let high = first_of_final_run(len, |i| hi[i] < 1.0).map(|k_hi| {
        if k_hi == 0 {
            n[0]
        } else {
            interpolate(&n, &hi, k_hi)
        }
    });
    if sizes[k - 1].ratio_ci[0] < 1.0 {
        notes.push(format!(
            "at size {} the interval of the ratio includes 1: the two were not told apart there",
            sizes[k - 1].size
        ));
    }
    (
        Outcome::Found {
            n: estimate,
            low: low.min(estimate),
            high: high.map(|h| h.max(estimate)),
            slower_at: sizes[k - 1].n,
            faster_from: sizes[k].n,
        },
        notes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::point;
    use parbench_schema::results::Phase;

    /// A CPU point and an OpenCL point at size `n` with the given medians (1% noise).
    fn pair(n: u64, cpu_ns: f64, gpu_ns: f64, seed: u64) -> [Point; 2] {
        let mut cpu = point("sq", "rayon", 2, cpu_ns, 0.01, seed);
        let mut gpu = point("sq", "opencl", 1, gpu_ns, 0.01, seed + 1);
        for p in [&mut cpu, &mut gpu] {
            p.n = n;
            p.size = n.to_string();
        }
        cpu.model = ExecutionModel::Rayon;
        gpu.model = ExecutionModel::Opencl;
        // The kernel is a tenth of the end-to-end time.
        let m = gpu.measurement.as_ref().unwrap();
        gpu.phases.push(Phase {
            name: KERNEL_PHASE.into(),
            median: Nanos(m.stats.median.0 / 10.0),
            mean: Nanos(m.stats.mean.0 / 10.0),
            share: 0.1,
            samples_ns: m.samples_ns.iter().map(|s| Nanos(s.0 / 10.0)).collect(),
        });
        [cpu, gpu]
    }

    fn sweep(cases: &[(u64, f64, f64)]) -> Vec<Point> {
        cases
            .iter()
            .enumerate()
            .flat_map(|(i, &(n, c, g))| pair(n, c, g, 10 * i as u64))
            .collect()
    }

    fn end_to_end(c: &[Crossover]) -> &Crossover {
        c.iter().find(|c| c.measure == Measure::EndToEnd).unwrap()
    }

    #[test]
    fn crossing_is_interpolated_between_neighbouring_sizes() {
        // CPU time grows like n; the accelerator pays a fixed 1 ms plus n/10: they cross where
        // n = 1e6 + n/10 (in ns per element), n ≈ 1.11e6.
        let cases: Vec<(u64, f64, f64)> = [1e4, 1e5, 1e6, 1e7, 1e8]
            .iter()
            .map(|&n| (n as u64, n, 1e6 + n / 10.0))
            .collect();
        let c = find_all(&sweep(&cases), 1);
        let e = end_to_end(&c);
        assert_eq!(e.sizes.len(), 5);
        assert_eq!(e.sizes[0].cpu_variant, "rayon");
        let Outcome::Found {
            n,
            low,
            high,
            slower_at,
            faster_from,
        } = e.outcome.clone()
        else {
            panic!("{:?}", e.outcome)
        };
        assert_eq!((slower_at, faster_from), (1_000_000, 10_000_000));
        // Log-log interpolation between (1e6, 1.1) and (1e7, 0.2): n ≈ 1.06e6 (true 1.11e6).
        assert!((1.0e6..1.5e6).contains(&n), "{n}");
        let high = high.unwrap();
        assert!(low <= n && n <= high && high < 1e7, "{low} {n} {high}");
        assert!(
            e.summary().starts_with("faster from n ≈ 1.1M"),
            "{}",
            e.summary()
        );
        // Kernel only: a tenth of the time, faster from a smaller size.
        let k = c.iter().find(|c| c.measure == Measure::Kernel).unwrap();
        let Outcome::Found { n: nk, .. } = k.outcome else {
            panic!("{:?}", k.outcome)
        };
        assert!(nk < n, "{nk} {n}");
    }

    #[test]
    fn always_faster_never_faster_and_noise() {
        let always = find_all(&sweep(&[(10, 100.0, 50.0), (100, 1000.0, 60.0)]), 1);
        assert_eq!(end_to_end(&always).outcome, Outcome::AtOrBelow { n: 10 });
        let never = find_all(&sweep(&[(10, 10.0, 50.0), (100, 100.0, 160.0)]), 1);
        assert_eq!(end_to_end(&never).outcome, Outcome::NotInRange { n: 100 });
        assert!(end_to_end(&never).summary().contains("no crossover"));
        // Faster at the smallest size only by luck, slower in the middle, faster at the top.
        let noisy = find_all(
            &sweep(&[
                (10, 100.0, 90.0),
                (100, 100.0, 150.0),
                (1000, 1000.0, 200.0),
            ]),
            1,
        );
        let e = end_to_end(&noisy);
        assert!(
            matches!(
                e.outcome,
                Outcome::Found {
                    slower_at: 100,
                    faster_from: 1000,
                    ..
                }
            ),
            "{:?}",
            e.outcome
        );
        assert!(
            e.notes.iter().any(|n| n.contains("also faster")),
            "{:?}",
            e.notes
        );
    }

    #[test]
    fn indistinguishable_times_leave_the_interval_open() {
        // Equal within noise at the largest size: the interval's upper end is beyond the sweep.
        let c = find_all(&sweep(&[(10, 10.0, 50.0), (100, 100.0, 99.5)]), 1);
        let Outcome::Found { high, .. } = end_to_end(&c).outcome else {
            panic!()
        };
        assert_eq!(high, None);
        assert!(end_to_end(&c).summary().contains("beyond the largest size"));
    }

    #[test]
    fn one_size_or_no_cpu_point_gives_no_crossover() {
        assert!(find_all(&sweep(&[(10, 100.0, 50.0)]), 1).is_empty());
        let mut points = sweep(&[(10, 100.0, 50.0), (100, 1000.0, 60.0)]);
        points.retain(|p| p.model == ExecutionModel::Opencl);
        assert!(find_all(&points, 1).is_empty());
    }
}
