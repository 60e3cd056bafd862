//! Combining the repetitions of a point into its measurement: every sample kept, the figure
//! and its rerun interval from the two-level bootstrap of `parbench_analysis::repeated` (see
//! there why), phases pooled, warnings for unstable or too wide results.

use crate::config::MeasureSettings;
use crate::engine::{Outcome, SLOW_FIRST_FACTOR, UNSTABLE_CV};
use parbench_analysis::repeated::{figure_and_spread, rerun_bounds, rerun_bounds_with};
use parbench_analysis::stats::{self, Summary};
use parbench_schema::duration::Nanos;
use parbench_schema::interference::Interference;
use parbench_schema::results::{Measurement, Phase, Repetition, TimeStats};

/// One measured repetition, as the runner hands it over.
#[derive(Debug, Clone)]
pub struct RepetitionOutcome {
    /// The round it was measured in.
    pub round: u32,
    /// The engine's measurement of this repetition.
    pub outcome: Outcome,
    /// Attempts measured (see [`Repetition::attempts`]).
    pub attempts: u32,
    /// What the operating system reported while it ran.
    pub interference: Option<Interference>,
    /// Why it counts as disturbed (busy machine, crowded workers), or `None`.
    pub disturbed: Option<String>,
}

/// Pools the phases of every repetition: samples one repetition after another, figures over all.
fn pool_phases(reps: &[RepetitionOutcome], mean_iteration: f64) -> Vec<Phase> {
    let mut pooled: Vec<(String, Vec<Nanos>)> = Vec::new();
    for phase in reps.iter().flat_map(|r| &r.outcome.phases) {
        match pooled.iter_mut().find(|(n, _)| *n == phase.name) {
            Some((_, v)) => v.extend(&phase.samples_ns),
            None => pooled.push((phase.name.clone(), phase.samples_ns.clone())),
        }
    }
    pooled
        .into_iter()
        .map(|(name, v)| stats::phase_from_samples(name, v, mean_iteration))
        .collect()
}

/// The point-level warnings of a repeated measurement.
fn warnings(
    stats: &TimeStats,
    own_width: f64,
    rep_medians: &[f64],
    first: Nanos,
    settings: &MeasureSettings,
) -> Vec<String> {
    let mut out = Vec::new();
    let spread = stats::stddev(rep_medians, stats::mean(rep_medians)) / stats::mean(rep_medians);
    if spread > UNSTABLE_CV {
        out.push(format!(
            "unstable: the {} repetitions' medians vary by {:.1}% (coefficient of variation), above {:.0}%",
            rep_medians.len(),
            spread * 100.0,
            UNSTABLE_CV * 100.0
        ));
    }
    if first.0 > SLOW_FIRST_FACTOR * stats.median.0 && first.0 - stats.median.0 > 1e5 {
        out.push(format!(
            "slow first iteration: {first} is {:.1}x the median (cold caches, page faults or lazy initialization)",
            first.0 / stats.median.0
        ));
    }
    if own_width > settings.target_ci {
        out.push(format!(
            "the 95% interval for a rerun is {:.1}% wide, above the {:.1}% target, before the machine's run-to-run drift ({} repetitions)",
            own_width * 100.0,
            settings.target_ci * 100.0,
            rep_medians.len()
        ));
    }
    out
}

/// Folds the repetitions' checksums into one.
fn fold_checksums(reps: &[RepetitionOutcome]) -> String {
    let folded = reps.iter().fold(0u64, |acc, r| {
        acc.rotate_left(7) ^ u64::from_str_radix(&r.outcome.measurement.checksum, 16).unwrap_or(0)
    });
    format!("{folded:016x}")
}

/// Combines a point's repetitions (in the order measured, at least one) into one outcome: every
/// sample kept, the figure and its interval over repetitions (see the module docs), phases
/// pooled. A single repetition is returned as the engine measured it.
pub fn combine(reps: Vec<RepetitionOutcome>, settings: &MeasureSettings, seed: u64) -> Outcome {
    assert!(!reps.is_empty(), "combine needs at least one repetition");
    let repetitions: Vec<Repetition> = reps
        .iter()
        .map(|r| Repetition {
            round: r.round,
            samples: r.outcome.measurement.samples_ns.len(),
            iters_per_sample: r.outcome.measurement.iters_per_sample,
            median_ns: r.outcome.measurement.stats.median,
            attempts: r.attempts,
            interference: r.interference,
            disturbed: r.disturbed.clone(),
        })
        .collect();
    if reps.len() == 1 {
        let mut only = reps.into_iter().next().expect("one repetition");
        only.outcome.measurement.repetitions = repetitions;
        return only.outcome;
    }
    let blocks: Vec<Vec<f64>> = reps
        .iter()
        .map(|r| {
            r.outcome
                .measurement
                .samples_ns
                .iter()
                .map(|x| x.0)
                .collect()
        })
        .collect();
    let all: Vec<f64> = blocks.concat();
    let rep_medians: Vec<f64> = blocks.iter().map(|b| stats::median(b)).collect();
    let mut summary = Summary::of(&all, seed);
    let (estimate, sd_log) =
        figure_and_spread(&blocks.iter().map(Vec::as_slice).collect::<Vec<_>>(), seed);
    summary.median = estimate;
    let [lo, hi] = rerun_bounds_with(estimate, sd_log, blocks.len(), settings.run_drift);
    (summary.ci_low, summary.ci_high) = (lo, hi);
    let stats = TimeStats::from(&summary);
    // The target judges what this run controls: its interval without the machine's drift.
    let [own_lo, own_hi] = rerun_bounds(estimate, sd_log, blocks.len());
    let own_width = parbench_schema::results::relative_width(own_lo, own_hi, estimate);
    let first = &reps[0].outcome.measurement;
    let phases = pool_phases(&reps, summary.mean);
    let warnings = warnings(
        &stats,
        own_width,
        &rep_medians,
        first.first_iteration_ns,
        settings,
    );
    let measurement = Measurement {
        samples_ns: all.into_iter().map(Nanos).collect(),
        iters_per_sample: first.iters_per_sample,
        stats,
        warmup_iters: reps
            .iter()
            .map(|r| r.outcome.measurement.warmup_iters)
            .sum(),
        warmup_ns: Nanos(reps.iter().map(|r| r.outcome.measurement.warmup_ns.0).sum()),
        first_iteration_ns: first.first_iteration_ns,
        timer_resolution_ns: first.timer_resolution_ns,
        stop_reason: first.stop_reason,
        checksum: fold_checksums(&reps),
        repetitions,
    };
    Outcome {
        measurement,
        phases,
        warnings,
    }
}
