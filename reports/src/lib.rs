//! Renders a results file into reports: one [`Exporter`] per output format, chosen by
//! [`Format`]. Reads only the result model of `parbench-harness`.

pub mod compare;
pub mod escape;
pub mod format;
pub mod history;
pub mod html;
pub mod json;
pub mod palette;
pub mod plot;

use parbench_harness::atomic_file::{WriteError, write_atomic};
use parbench_harness::results::RunResults;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Plot(#[from] plot::PlotError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// A file an exporter produces, relative to the report directory.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    pub name: String,
    pub contents: String,
}

/// One output format.
pub trait Exporter {
    /// Renders `results` into one or more files.
    fn render(&self, results: &RunResults) -> Result<Vec<OutputFile>, ReportError>;
}

/// The output formats parbench writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `results.json` in the documented schema.
    Json,
    /// `index.html` and the pages it links, self-contained.
    Html,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Json, Format::Html];

    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            Format::Json => Box::new(json::JsonExporter),
            Format::Html => Box::new(html::HtmlExporter),
        }
    }
}

/// Renders every format into `dir` (atomically, file by file); returns the paths written.
pub fn write_reports(
    results: &RunResults,
    dir: &Path,
    formats: &[Format],
) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    for format in formats {
        for file in format.exporter().render(results)? {
            let path = dir.join(&file.name);
            write_atomic(&path, file.contents.as_bytes())?;
            written.push(path);
        }
    }
    Ok(written)
}
