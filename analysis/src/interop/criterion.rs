//! Import of criterion's saved results (`target/criterion/**/new/` with `benchmark.json`,
//! `estimates.json` and `sample.json`) into a parbench results file, so existing criterion
//! benches show up in parbench reports, comparisons and history. Each benchmark becomes a point
//! of the `external` model whose samples are criterion's per-iteration sample times.

use crate::digest::sha256_hex;
use crate::stats::Summary;
use crate::timefmt;
use parbench_schema::duration::Nanos;
use parbench_schema::machine::Machine;
use parbench_schema::results::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// A criterion directory that cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file of the directory is missing, unreadable or not what criterion writes.
    #[error("cannot import {path}: {message}")]
    File {
        /// The offending file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The directory holds no criterion benchmark at all.
    #[error(
        "no criterion results under {dir}: expected <benchmark>/new/estimates.json with benchmark.json and sample.json beside it (run `cargo bench` first; criterion writes to target/criterion)"
    )]
    Empty {
        /// The directory searched.
        dir: PathBuf,
    },
}

#[derive(Debug, Deserialize)]
struct BenchmarkJson {
    group_id: String,
    #[serde(default)]
    function_id: Option<String>,
    #[serde(default)]
    value_str: Option<String>,
    #[serde(default)]
    throughput: Option<CriterionThroughput>,
    #[serde(default)]
    full_id: Option<String>,
}

#[derive(Debug, Deserialize)]
enum CriterionThroughput {
    Bytes(u64),
    BytesDecimal(u64),
    Elements(u64),
    ElementsAndBytes { elements: u64 },
}

#[derive(Debug, Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: ConfidenceInterval,
}

#[derive(Debug, Deserialize)]
struct ConfidenceInterval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Debug, Deserialize)]
struct EstimatesJson {
    mean: Estimate,
    median: Estimate,
    #[serde(default)]
    slope: Option<Estimate>,
}

#[derive(Debug, Deserialize)]
struct SampleJson {
    iters: Vec<f64>,
    times: Vec<f64>,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ImportError> {
    let text =
        crate::input_file::read_text(path, crate::input_file::MAX_RESULTS_BYTES).map_err(|e| {
            ImportError::File {
                path: path.to_path_buf(),
                message: e.to_string(),
            }
        })?;
    serde_json::from_str(&text).map_err(|e| ImportError::File {
        path: path.to_path_buf(),
        message: format!("not the criterion format this parbench reads: {e}"),
    })
}

/// Every `new/` directory holding criterion's estimates under `dir`, sorted.
fn find_new_dirs(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ImportError::File {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        let name = sub.file_name().map(|n| n.to_string_lossy().into_owned());
        match name.as_deref() {
            Some("new") if sub.join("estimates.json").is_file() => out.push(sub),
            // Criterion's previous run, its HTML report and change estimates: not this run.
            Some("base" | "report" | "change") => {}
            _ => find_new_dirs(&sub, out)?,
        }
    }
    Ok(())
}

/// One criterion benchmark as a parbench point.
fn import_benchmark(new_dir: &Path, seed: u64) -> Result<Point, ImportError> {
    let bench_path = new_dir.join("benchmark.json");
    let bench: BenchmarkJson = read_json(&bench_path)?;
    let estimates: EstimatesJson = read_json(&new_dir.join("estimates.json"))?;
    let sample_path = new_dir.join("sample.json");
    let sample: SampleJson = read_json(&sample_path)?;
    let bad = |message: String| ImportError::File {
        path: sample_path.clone(),
        message,
    };
    if sample.iters.is_empty() || sample.iters.len() != sample.times.len() {
        return Err(bad(format!(
            "{} iteration counts for {} sample times; expected the same, non-zero number",
            sample.iters.len(),
            sample.times.len()
        )));
    }
    let samples: Vec<f64> = sample
        .iters
        .iter()
        .zip(&sample.times)
        .map(|(&i, &t)| if i > 0.0 { t / i } else { f64::NAN })
        .collect();
    if samples.iter().any(|s| !s.is_finite() || *s < 0.0) {
        return Err(bad("a sample has zero iterations or a negative time".into()));
    }
    let summary = Summary::of(&samples, seed);
    let n = bench
        .value_str
        .as_deref()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let median_secs = summary.median / 1e9;
    let throughput = throughput_of(&bench, median_secs);
    let metrics = criterion_metrics(&estimates);
    let mean_iters = sample.iters.iter().sum::<f64>() / sample.iters.len() as f64;
    Ok(Point {
        suite: bench.group_id.clone(),
        workload: bench.group_id.clone(),
        size: bench.value_str.clone().unwrap_or_else(|| "default".into()),
        n,
        variant: bench
            .function_id
            .clone()
            .unwrap_or_else(|| "criterion".into())
            .into(),
        model: ExecutionModel::External,
        sync: SyncKind::None,
        workers: 1,
        params: BTreeMap::new(),
        status: Status::Ok,
        reason: None,
        oversubscribed: false,
        measurement: Some(Measurement {
            samples_ns: samples.iter().map(|&s| Nanos(s)).collect(),
            iters_per_sample: mean_iters.round().max(1.0) as u64,
            stats: TimeStats::from(&summary),
            warmup_iters: 0,
            warmup_ns: Nanos::ZERO,
            first_iteration_ns: Nanos::ZERO,
            timer_resolution_ns: Nanos::ZERO,
            stop_reason: StopReason::MaxSamples,
            checksum: String::new(),
            repetitions: Vec::new(),
        }),
        throughput,
        derived: Derived::default(),
        phases: Vec::new(),
        metrics,
        warnings: vec![format!(
            "imported from criterion ({}): timed by criterion, answer not verified by parbench",
            bench.full_id.as_deref().unwrap_or(&bench.group_id)
        )],
        operations: None,
        stderr: None,
    })
}

/// The benchmark's throughput at its median time, where criterion was given one.
fn throughput_of(bench: &BenchmarkJson, median_secs: f64) -> Option<Throughput> {
    bench.throughput.as_ref().and_then(|t| {
        let (count, unit) = match t {
            CriterionThroughput::Bytes(b) | CriterionThroughput::BytesDecimal(b) => (*b, "B"),
            CriterionThroughput::Elements(e) => (*e, "elements"),
            CriterionThroughput::ElementsAndBytes { elements, .. } => (*elements, "elements"),
        };
        (median_secs > 0.0).then(|| Throughput {
            value: count as f64 / median_secs,
            unit: format!("{unit}/s"),
        })
    })
}

/// Criterion's own estimates (median with its interval, mean, slope), kept as metrics in ns.
fn criterion_metrics(estimates: &EstimatesJson) -> BTreeMap<String, Metric> {
    let ns = |v: f64| Metric {
        value: v,
        unit: "ns".into(),
    };
    let mut metrics = BTreeMap::new();
    metrics.insert(
        "criterion_median".into(),
        ns(estimates.median.point_estimate),
    );
    metrics.insert(
        "criterion_median_ci_low".into(),
        ns(estimates.median.confidence_interval.lower_bound),
    );
    metrics.insert(
        "criterion_median_ci_high".into(),
        ns(estimates.median.confidence_interval.upper_bound),
    );
    metrics.insert("criterion_mean".into(), ns(estimates.mean.point_estimate));
    if let Some(slope) = &estimates.slope {
        metrics.insert("criterion_slope".into(), ns(slope.point_estimate));
    }
    metrics
}

/// Imports every criterion benchmark under `dir` (usually `target/criterion`). `machine` is
/// the fingerprint to record: import on the machine that ran the benches.
pub fn import(
    dir: &Path,
    mut machine: Machine,
    now: SystemTime,
) -> Result<RunResults, ImportError> {
    let mut dirs = Vec::new();
    find_new_dirs(dir, &mut dirs)?;
    if dirs.is_empty() {
        return Err(ImportError::Empty {
            dir: dir.to_path_buf(),
        });
    }
    let mut points = Vec::with_capacity(dirs.len());
    for (i, d) in dirs.iter().enumerate() {
        points.push(import_benchmark(d, crate::rng::DEFAULT_SEED ^ i as u64)?);
    }
    // The compiler and profile of the benches are criterion's, not this binary's.
    machine.rustc = "unknown (imported from criterion)".into();
    machine.build_profile = "unknown (criterion bench profile)".into();
    let at = timefmt::rfc3339(now);
    Ok(RunResults {
        schema_version: SCHEMA_VERSION,
        parbench_version: env!("CARGO_PKG_VERSION").to_string(),
        run_id: timefmt::run_id(now),
        started_at: at.clone(),
        finished_at: Some(at),
        complete: true,
        config: ConfigEcho {
            path: format!("<imported from criterion: {}>", dir.display()),
            sha256: sha256_hex(b""),
            text: String::new(),
            quick: false,
            suite_filter: Vec::new(),
            variant_filter: Vec::new(),
            shard: None,
        },
        machine,
        points,
        crossovers: Vec::new(),
        scalability: vec![],
        environment: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/criterion")
    }

    #[test]
    fn imports_the_real_criterion_fixture() {
        let r = import(
            &fixture(),
            crate::test_support::machine(),
            SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        let names: Vec<String> = r.points.iter().map(|p| p.key().to_string()).collect();
        assert_eq!(
            names,
            [
                "fib 15/default/criterion/w1",
                "sum/1000/fold/w1",
                "sum/10000/fold/w1",
                "sum/1000/iter/w1",
                "sum/10000/iter/w1",
            ],
            "base/ directories are not imported"
        );
        let p = r
            .points
            .iter()
            .find(|p| p.key().to_string() == "sum/1000/iter/w1")
            .unwrap();
        assert_eq!(p.model, ExecutionModel::External);
        assert_eq!(p.n, 1000);
        let m = p.measurement.as_ref().unwrap();
        assert_eq!(m.samples_ns.len(), 10);
        // The fixture's first sample: 5440182 ns over 72442 iterations.
        assert!((m.samples_ns[0].0 - 5440182.0 / 72442.0).abs() < 1e-9);
        // Our median of the per-iteration samples agrees with criterion's own estimate.
        let theirs = p.metrics["criterion_median"].value;
        assert!(
            (m.stats.median.0 / theirs - 1.0).abs() < 0.02,
            "{} vs {theirs}",
            m.stats.median.0
        );
        let t = p.throughput.as_ref().unwrap();
        assert_eq!(t.unit, "elements/s");
        assert!((t.value - 1000.0 / (m.stats.median.0 / 1e9)).abs() < 1.0);
        // The file round-trips through the schema.
        use crate::results_io::ResultsFile;
        let back = RunResults::from_json(&r.to_json(), Path::new("x.json")).unwrap();
        assert_eq!(back.points.len(), 5);
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let e = import(
            dir.path(),
            crate::test_support::machine(),
            SystemTime::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(e.to_string().contains("no criterion results"), "{e}");
        let new = dir.path().join("g/f/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(new.join("estimates.json"), "{}").unwrap();
        std::fs::write(new.join("benchmark.json"), "{\"group_id\": \"g\"}").unwrap();
        let e = import(
            dir.path(),
            crate::test_support::machine(),
            SystemTime::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(e.to_string().contains("estimates.json"), "{e}");
    }
}
