//! `results.json`: the results file itself, in the documented schema.

use crate::output::{Exporter, OutputFile, ReportError};
use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::RunResults;

/// Writes `results.json` beside the report: the results rendered, re-serialized.
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
