//! Figures derived across points: speedup against the baseline, its bootstrap interval,
//! parallel efficiency and the Karp-Flatt serial fraction. Only verified points get them.

use crate::stats;
use parbench_schema::results::{Derived, ExecutionModel, Measurement, Point, Status};
use parbench_schema::variant::names;

pub mod checks;

/// The variant every other variant of a workload is compared with.
pub const BASELINE_VARIANT: &str = names::SERIAL;

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

/// Whether `q` measured the problem of `p`: same suite and size, and every parameter both list
/// set alike. A point lists only the parameters its variant reads, so an OpenCL point
/// (`work-group-size=64`) shares its problem with a serial point that lists none, and the
/// serial histogram (`granularity=update`) with the OpenCL one that does not read it.
pub fn same_problem(q: &Point, p: &Point) -> bool {
    q.suite == p.suite
        && q.size == p.size
        && q.params
            .iter()
            .all(|(k, v)| p.params.get(k).is_none_or(|w| w == v))
}

/// The 95% rerun interval of `median(base) / median(new)` from the repetitions the two points
/// measured in the same rounds (a paired two-level bootstrap, see [`crate::repeated`]); `None`
/// when fewer than two rounds have both.
pub fn paired_speedup_interval(
    base: &Measurement,
    new: &Measurement,
    seed: u64,
) -> Option<[f64; 2]> {
    let (b_reps, n_reps) = (base.repetition_samples(), new.repetition_samples());
    let (b_rounds, n_rounds) = (base.rounds(), new.rounds());
    let mut pairs: (Vec<&[f64]>, Vec<&[f64]>) = (Vec::new(), Vec::new());
    for (bi, round) in b_rounds.iter().enumerate() {
        if let Some(ni) = n_rounds.iter().position(|r| r == round)
            && !b_reps[bi].is_empty()
            && !n_reps[ni].is_empty()
        {
            pairs.0.push(&b_reps[bi]);
            pairs.1.push(&n_reps[ni]);
        }
    }
    if pairs.0.len() < 2 {
        return None;
    }
    let (estimate, [lo, hi]) = crate::repeated::paired_ratio(&pairs.0, &pairs.1, seed);
    // Centred on the figure shown (the ratio of the two points' own figures).
    let shown = base.stats.median.0 / new.stats.median.0;
    Some([lo * shown / estimate, hi * shown / estimate])
}

/// Finds the baseline of `points[i]`: the `serial` variant of the same suite, size and
/// parameters, or else the same variant at one worker (command suites, user workloads).
fn baseline_of(points: &[Point], i: usize) -> Option<(usize, String)> {
    let p = &points[i];
    let ok = |q: &Point| q.status == Status::Ok;
    if let Some(j) = points
        .iter()
        .position(|q| ok(q) && same_problem(q, p) && q.variant == BASELINE_VARIANT)
    {
        return Some((j, BASELINE_VARIANT.to_string()));
    }
    points
        .iter()
        .position(|q| {
            ok(q)
                && q.suite == p.suite
                && q.size == p.size
                && q.params == p.params
                && q.variant == p.variant
                && q.workers == 1
        })
        .map(|j| (j, format!("{} at 1 worker", p.variant)))
}

/// Whether efficiency and the Karp-Flatt fraction mean something for a point: speedup per
/// worker assumes workers are processors of the machine. An OpenCL point's one worker is a
/// whole device (its `workers` is 1): speedup / 1 would read as a "parallel efficiency" of
/// several hundred percent, so it gets neither.
pub fn has_efficiency(p: &Point) -> bool {
    p.model != ExecutionModel::Opencl
}

/// The derived figures of `points[i]`, with the self-checks it fails; points that are not `ok`
/// get none.
pub fn derive(points: &[Point], i: usize, seed: u64) -> Derived {
    let p = &points[i];
    if p.status != Status::Ok {
        return Derived::default();
    }
    let mut derived = Derived {
        flags: checks::own_flags(p),
        ..Derived::default()
    };
    let (Some(m), Some((j, label))) = (&p.measurement, baseline_of(points, i)) else {
        return derived;
    };
    let Some(b) = &points[j].measurement else {
        return derived;
    };
    let s = b.stats.median.0 / m.stats.median.0;
    let workers = p.workers as f64;
    let raw = |v: &[parbench_schema::Nanos]| v.iter().map(|x| x.0).collect::<Vec<f64>>();
    let ci = if i == j {
        [1.0, 1.0]
    } else if let Some([lo, hi]) = paired_speedup_interval(b, m, seed ^ i as u64) {
        [lo, hi]
    } else {
        ratio_ci(&raw(&b.samples_ns), &raw(&m.samples_ns), seed ^ i as u64)
    };
    let per_worker = has_efficiency(p);
    derived.baseline = Some(label);
    derived.speedup = Some(s);
    derived.speedup_ci = Some(ci);
    derived.efficiency = per_worker.then(|| s / workers);
    derived.karp_flatt = karp_flatt(s, workers).filter(|_| per_worker);
    if i != j {
        for flag in checks::speedup_flags(p, &points[j], s, ci) {
            if !derived.flags.iter().any(|f| f.kind == flag.kind) {
                derived.flags.push(flag);
            }
        }
    }
    derived
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
    fn accelerator_points_get_speedup_but_no_per_worker_figures() {
        use crate::test_support::point;
        use parbench_schema::params::ParamValue;
        let serial = point("sq", "serial", 1, 400.0, 0.01, 1);
        let mut rayon = point("sq", "rayon", 2, 220.0, 0.01, 2);
        rayon.params.clear();
        let mut gpu = point("sq", "opencl", 1, 100.0, 0.01, 3);
        gpu.model = ExecutionModel::Opencl;
        // The OpenCL point lists the parameter only it reads; serial is still its baseline.
        gpu.params
            .insert("work-group-size".into(), ParamValue::Int(64));
        let mut points = vec![serial, rayon, gpu];
        derive_all(&mut points, 7);
        let d = &points[2].derived;
        assert_eq!(d.baseline.as_deref(), Some("serial"));
        assert!((d.speedup.unwrap() - 4.0).abs() < 0.1, "{d:?}");
        assert_eq!((d.efficiency, d.karp_flatt), (None, None));
        let r = &points[1].derived;
        assert!((r.efficiency.unwrap() - 400.0 / 220.0 / 2.0).abs() < 0.05);
        assert!(r.karp_flatt.is_some());
        // A parameter only the baseline lists does not matter (the OpenCL variant does not
        // read it); one both list must match (else the fallback: itself at 1 worker).
        points[0]
            .params
            .insert("granularity".into(), ParamValue::Str("update".into()));
        assert_eq!(derive(&points, 2, 7).baseline.as_deref(), Some("serial"));
        points[0]
            .params
            .insert("work-group-size".into(), ParamValue::Int(32));
        assert_eq!(
            derive(&points, 2, 7).baseline.as_deref(),
            Some("opencl at 1 worker")
        );
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
