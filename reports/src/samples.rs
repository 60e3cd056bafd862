//! `samples.csv`: every raw sample in long format, one row per sample (the point's identity,
//! the sample's index and its time per iteration in ns), for plotting distributions elsewhere.
//! A row is a [`SampleRow`]; its field names are the header.

use crate::csv::{Text, finish, writer_with_header};
use crate::output::{CsvError, Exporter, OutputFile, ReportError};
use parbench_schema::results::RunResults;
use serde::Serialize;

/// Writes `samples.csv` (see the module documentation).
#[derive(Debug, Default)]
pub struct SamplesExporter;

/// One row of `samples.csv`: one sample of one point.
#[derive(Debug, Default, Serialize)]
pub struct SampleRow<'a> {
    /// Suite name from the config.
    pub suite: Text<&'a str>,
    /// The workload the suite runs.
    pub workload: Text<&'a str>,
    /// Size label.
    pub size: Text<&'a str>,
    /// The problem size the label stands for.
    pub n: u64,
    /// Parameters the variant reads, `k=v,k=v`.
    pub params: Text<&'a str>,
    /// Variant name.
    pub variant: Text<&'a str>,
    /// Execution model.
    pub model: Text<&'a str>,
    /// Synchronization kind.
    pub sync: Text<&'a str>,
    /// Threads, processes or ranks used.
    pub workers: u32,
    /// The point's status (`ok`, `wrong`, …).
    pub status: Text<&'a str>,
    /// The sample's index among the point's samples.
    pub sample: usize,
    /// Its time per iteration.
    pub ns: f64,
    /// Iterations per sample of the point.
    pub iters_per_sample: u64,
}

fn render(results: &RunResults) -> Result<String, ::csv::Error> {
    let mut w = writer_with_header::<SampleRow>([])?;
    for p in &results.points {
        let Some(m) = &p.measurement else { continue };
        let (params, model, sync, status) = (
            p.params_label(),
            p.model.to_string(),
            p.sync.to_string(),
            p.status.to_string(),
        );
        for (i, s) in m.samples_ns.iter().enumerate() {
            w.serialize(SampleRow {
                suite: Text(&p.suite),
                workload: Text(&p.workload),
                size: Text(&p.size),
                n: p.n,
                params: Text(&params),
                variant: Text(&p.variant),
                model: Text(&model),
                sync: Text(&sync),
                workers: p.workers,
                status: Text(&status),
                sample: i,
                ns: s.0,
                iters_per_sample: m.iters_per_sample,
            })?;
        }
    }
    finish(w)
}

impl Exporter for SamplesExporter {
    fn render(&self, results: &RunResults) -> Result<Vec<OutputFile>, ReportError> {
        let contents = render(results).map_err(|source| CsvError {
            file: "samples.csv",
            source,
        })?;
        Ok(vec![OutputFile {
            name: "samples.csv".into(),
            contents,
        }])
    }
}
