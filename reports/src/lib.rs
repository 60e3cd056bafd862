//! Renders a results file into reports: one [`Exporter`] per output format, chosen by
//! [`Format`] (as hyperfine's exporters): `results.json`, `results.csv`, `samples.csv`,
//! `summary.md` and the HTML site (`index.html` and a page per suite), and the history's trend
//! and cross-machine pages. Reads only the results' types (`parbench-schema`), the figures
//! `parbench-analysis` derives from them and the history's data model (`parbench-history` without
//! its database features); it does not depend on the measuring crate (`parbench-harness`).

#![warn(missing_docs)]

pub mod compare;
pub mod csv;
pub mod escape;
pub mod format;
pub mod history;
pub mod history_fleet;
pub mod html;
pub mod json;
pub mod markdown;
pub mod output;
pub mod palette;
pub mod plot;
pub mod samples;
pub mod unit;
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
    render_each(results, formats, &mut |file| {
        files.push(file);
        Ok(())
    })?;
    Ok(files)
}

/// Renders every format, handing `emit` one file at a time (its name checked to be a plain
/// name).
fn render_each(
    results: &RunResults,
    formats: &[Format],
    emit: &mut dyn FnMut(OutputFile) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    for format in formats {
        format.exporter().render_each(results, &mut |file| {
            if !escape::is_safe_file_name(&file.name) {
                return Err(ReportError::UnsafeName { name: file.name });
            }
            emit(file)
        })?;
    }
    Ok(())
}

/// Renders every format into `dir` (atomically, file by file, each written as soon as it is
/// rendered, so memory holds one file at a time); returns the paths written. Every file name
/// is checked to be a plain name, so nothing is written outside `dir`.
pub fn write_reports(
    results: &RunResults,
    dir: &Path,
    formats: &[Format],
) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    render_each(results, formats, &mut |file| {
        let path = dir.join(&file.name);
        write_atomic(&path, file.contents.as_bytes())?;
        written.push(path);
        Ok(())
    })?;
    Ok(written)
}
