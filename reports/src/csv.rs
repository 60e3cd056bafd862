//! `results.csv`: one row per point, for spreadsheets and data frames. Fixed columns first
//! (identity, status, statistics in ns, throughput, derived figures), then one column per
//! parameter, phase and metric that occurs in the run. Fields are quoted per RFC 4180.

use crate::escape::csv_field;
use crate::output::{Exporter, OutputFile, ReportError};
use parbench_schema::results::{Point, RunResults, StopReason};

#[derive(Debug, Default)]
pub struct CsvExporter;

const FIXED: [&str; 38] = [
    "suite",
    "workload",
    "size",
    "n",
    "params",
    "variant",
    "model",
    "sync",
    "workers",
    "oversubscribed",
    "status",
    "reason",
    "samples",
    "iters_per_sample",
    "median_ns",
    "mean_ns",
    "stddev_ns",
    "mad_ns",
    "min_ns",
    "max_ns",
    "cv",
    "ci_low_ns",
    "ci_high_ns",
    "ci_level",
    "outliers_low",
    "outliers_high",
    "stop_reason",
    "first_iteration_ns",
    "throughput",
    "throughput_unit",
    "baseline",
    "speedup",
    "speedup_ci_low",
    "speedup_ci_high",
    "efficiency",
    "karp_flatt",
    "checksum",
    "warnings",
];

/// Names in order of first appearance across points.
fn union<'a>(points: &'a [Point], names: impl Fn(&'a Point) -> Vec<&'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for p in points {
        for n in names(p) {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

fn num(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

pub(crate) fn write_row(out: &mut String, fields: impl IntoIterator<Item = String>) {
    let mut first = true;
    for f in fields {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&csv_field(&f));
    }
    out.push('\n');
}

impl Exporter for CsvExporter {
    fn render(&self, results: &RunResults) -> Result<Vec<OutputFile>, ReportError> {
        let points = &results.points;
        let params = union(points, |p| p.params.keys().map(String::as_str).collect());
        let phases = union(points, |p| {
            p.phases.iter().map(|ph| ph.name.as_str()).collect()
        });
        let metrics = union(points, |p| p.metrics.keys().map(String::as_str).collect());
        let mut out = String::new();
        let header = FIXED
            .iter()
            .map(|s| s.to_string())
            .chain(params.iter().map(|n| format!("param:{n}")))
            .chain(phases.iter().map(|n| format!("phase:{n}:mean_ns")))
            .chain(
                metrics
                    .iter()
                    .flat_map(|n| [format!("metric:{n}"), format!("metric:{n}:unit")]),
            );
        write_row(&mut out, header);
        for p in points {
            let m = p.measurement.as_ref();
            let s = m.map(|m| &m.stats);
            let d = &p.derived;
            let mut row: Vec<String> = vec![
                p.suite.clone(),
                p.workload.clone(),
                p.size.clone(),
                p.n.to_string(),
                p.params_label(),
                p.variant.clone(),
                p.model.to_string(),
                p.sync.to_string(),
                p.workers.to_string(),
                p.oversubscribed.to_string(),
                p.status.to_string(),
                p.reason.clone().unwrap_or_default(),
                s.map(|s| s.n.to_string()).unwrap_or_default(),
                m.map(|m| m.iters_per_sample.to_string())
                    .unwrap_or_default(),
                num(s.map(|s| s.median.0)),
                num(s.map(|s| s.mean.0)),
                num(s.map(|s| s.stddev.0)),
                num(s.map(|s| s.mad.0)),
                num(s.map(|s| s.min.0)),
                num(s.map(|s| s.max.0)),
                num(s.map(|s| s.cv)),
                num(s.map(|s| s.ci_low.0)),
                num(s.map(|s| s.ci_high.0)),
                num(s.map(|s| s.ci_level)),
                s.map(|s| (s.outliers.low_mild + s.outliers.low_severe).to_string())
                    .unwrap_or_default(),
                s.map(|s| (s.outliers.high_mild + s.outliers.high_severe).to_string())
                    .unwrap_or_default(),
                m.map(|m| {
                    match m.stop_reason {
                        StopReason::TargetCi => "target-ci",
                        StopReason::Budget => "budget",
                        StopReason::MaxSamples => "max-samples",
                    }
                    .to_string()
                })
                .unwrap_or_default(),
                num(m.map(|m| m.first_iteration_ns.0)),
                num(p.throughput.as_ref().map(|t| t.value)),
                p.throughput
                    .as_ref()
                    .map(|t| t.unit.clone())
                    .unwrap_or_default(),
                d.baseline.clone().unwrap_or_default(),
                num(d.speedup),
                num(d.speedup_ci.map(|c| c[0])),
                num(d.speedup_ci.map(|c| c[1])),
                num(d.efficiency),
                num(d.karp_flatt),
                m.map(|m| m.checksum.clone()).unwrap_or_default(),
                p.warnings.join("; "),
            ];
            for n in &params {
                row.push(p.params.get(*n).map(|v| v.to_string()).unwrap_or_default());
            }
            for n in &phases {
                row.push(num(p
                    .phases
                    .iter()
                    .find(|ph| ph.name == *n)
                    .map(|ph| ph.mean.0)));
            }
            for n in &metrics {
                let metric = p.metrics.get(*n);
                row.push(num(metric.map(|m| m.value)));
                row.push(metric.map(|m| m.unit.clone()).unwrap_or_default());
            }
            write_row(&mut out, row);
        }
        Ok(vec![OutputFile {
            name: "results.csv".into(),
            contents: out,
        }])
    }
}
