//! `results.json`: the results file itself, in the documented schema.

use crate::{Exporter, OutputFile, ReportError};
use parbench_harness::results::RunResults;
use parbench_harness::results_io::ResultsFile;

#[derive(Debug, Default)]
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn render(&self, results: &RunResults) -> Result<Vec<OutputFile>, ReportError> {
        let mut contents = results.to_json();
        contents.push('\n');
        Ok(vec![OutputFile {
            name: "results.json".into(),
            contents,
        }])
    }
}
