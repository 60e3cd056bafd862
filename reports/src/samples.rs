//! `samples.csv`: every raw sample in long format, one row per sample (the point's identity,
//! the sample's index and its time per iteration in ns), for plotting distributions elsewhere.
//! A row is a [`SampleRow`]; its field names are the header.

use crate::csv::{Text, finish, writer_with_header};
use crate::output::{CsvError, Exporter, OutputFile, ReportError};
use parbench_schema::results::RunResults;
use serde::Serialize;

#[derive(Debug, Default)]
pub struct SamplesExporter;

/// One row of `samples.csv`: one sample of one point.
#[derive(Debug, Default, Serialize)]
pub struct SampleRow<'a> {
    pub suite: Text<&'a str>,
    pub workload: Text<&'a str>,
    pub size: Text<&'a str>,
    pub n: u64,
    pub params: Text<&'a str>,
    pub variant: Text<&'a str>,
    pub model: Text<&'a str>,
    pub sync: Text<&'a str>,
    pub workers: u32,
    pub status: Text<&'a str>,
    /// The sample's index among the point's samples.
    pub sample: usize,
    /// Its time per iteration.
    pub ns: f64,
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
