//! `samples.csv`: every raw sample in long format, one row per sample (the point's identity,
//! the sample's index and its time per iteration in ns), for plotting distributions elsewhere.

use crate::csv::write_row;
use crate::output::{Exporter, OutputFile, ReportError};
use parbench_schema::results::RunResults;

#[derive(Debug, Default)]
pub struct SamplesExporter;

impl Exporter for SamplesExporter {
    fn render(&self, results: &RunResults) -> Result<Vec<OutputFile>, ReportError> {
        let total: usize = results
            .points
            .iter()
            .filter_map(|p| p.measurement.as_ref())
            .map(|m| m.samples_ns.len())
            .sum();
        let mut out = String::with_capacity(80 * (total + 1));
        write_row(
            &mut out,
            [
                "suite",
                "workload",
                "size",
                "n",
                "params",
                "variant",
                "model",
                "sync",
                "workers",
                "status",
                "sample",
                "ns",
                "iters_per_sample",
            ]
            .map(String::from),
        );
        for p in &results.points {
            let Some(m) = &p.measurement else { continue };
            // The point's identity is the same on every row: quote it once.
            let mut prefix = String::new();
            write_row(
                &mut prefix,
                [
                    p.suite.clone(),
                    p.workload.clone(),
                    p.size.clone(),
                    p.n.to_string(),
                    p.params_label(),
                    p.variant.clone(),
                    p.model.to_string(),
                    p.sync.to_string(),
                    p.workers.to_string(),
                    p.status.to_string(),
                ],
            );
            prefix.pop();
            for (i, s) in m.samples_ns.iter().enumerate() {
                out.push_str(&prefix);
                out.push(',');
                out.push_str(&i.to_string());
                out.push(',');
                out.push_str(&s.0.to_string());
                out.push(',');
                out.push_str(&m.iters_per_sample.to_string());
                out.push('\n');
            }
        }
        Ok(vec![OutputFile {
            name: "samples.csv".into(),
            contents: out,
        }])
    }
}
