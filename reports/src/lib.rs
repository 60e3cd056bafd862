//! Renders a results file into reports: one [`Exporter`] per output format, chosen by
//! [`Format`] (as hyperfine's exporters): `results.json`, `results.csv`, `samples.csv`,
//! `summary.md` and the HTML site (`index.html` and a page per suite). Reads only the results'
//! types (`parbench-schema`) and the figures `parbench-analysis` derives from them; it does not
//! depend on the measuring crate (`parbench-harness`).

pub mod compare;
pub mod csv;
pub mod escape;
pub mod format;
// The history site renders `parbench_harness::history`'s row types. Temporary: behind the
// `history` feature (the binary enables it) so that reports does not depend on harness (and
// SQLite) otherwise; when history moves into its own crate (the fleet branch), depend on that
// crate's row types here and drop the feature.
#[cfg(feature = "history")]
pub mod history;
pub mod html;
pub mod json;
pub mod markdown;
pub mod output;
pub mod palette;
pub mod plot;
pub mod samples;
pub mod view;

use output::{Exporter, OutputFile, ReportError, write_atomic};
use parbench_schema::results::RunResults;
use std::path::{Path, PathBuf};

/// The output formats parbench writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `results.json` in the documented schema.
    Json,
    /// `results.csv`: one row per point.
    Csv,
    /// `samples.csv`: one row per raw sample (long format).
    Samples,
    /// `summary.md`: a Markdown digest for a pull request or CI job summary.
    Markdown,
    /// `index.html` and a page per suite, self-contained.
    Html,
}

impl Format {
    /// Every format, `results.json` first.
    pub const ALL: [Format; 5] = [
        Format::Json,
        Format::Csv,
        Format::Samples,
        Format::Markdown,
        Format::Html,
    ];

    /// The exporter that renders this format.
    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            Format::Json => Box::new(json::JsonExporter),
            Format::Csv => Box::new(csv::CsvExporter),
            Format::Samples => Box::new(samples::SamplesExporter),
            Format::Markdown => Box::new(markdown::MarkdownExporter),
            Format::Html => Box::new(html::HtmlExporter),
        }
    }
}

/// Renders every format in memory.
pub fn render_all(
    results: &RunResults,
    formats: &[Format],
) -> Result<Vec<OutputFile>, ReportError> {
    let mut files = Vec::new();
    for format in formats {
        for file in format.exporter().render(results)? {
            if !escape::is_safe_file_name(&file.name) {
                return Err(ReportError::UnsafeName { name: file.name });
            }
            files.push(file);
        }
    }
    Ok(files)
}

/// Renders every format into `dir` (atomically, file by file); returns the paths written.
/// Every file name is checked to be a plain name, so nothing is written outside `dir`.
pub fn write_reports(
    results: &RunResults,
    dir: &Path,
    formats: &[Format],
) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    for file in render_all(results, formats)? {
        let path = dir.join(&file.name);
        write_atomic(&path, file.contents.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}
