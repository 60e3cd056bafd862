//! Renders a results file into reports: one [`Exporter`] per output format, chosen by
//! [`Format`] (as hyperfine's exporters): `results.json`, `results.csv`, `samples.csv`,
//! `summary.md` and the HTML site (`index.html` and a page per suite). Reads only the result
//! model of `parbench-harness`.

pub mod compare;
pub mod csv;
pub mod escape;
pub mod format;
pub mod history;
pub mod html;
pub mod json;
pub mod markdown;
pub mod palette;
pub mod plot;
pub mod samples;
pub mod unit;
pub mod view;

use parbench_harness::atomic_file::{WriteError, write_atomic};
use parbench_harness::results::RunResults;
use std::path::{Path, PathBuf};

/// Why a report could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] plot::PlotError),
    /// A CSV file could not be serialized.
    #[error(transparent)]
    Csv(#[from] csv::CsvError),
    /// A file could not be written (the error names it).
    #[error(transparent)]
    Write(#[from] WriteError),
    /// An exporter produced a file name that would leave the report directory.
    #[error(
        "refusing to write `{name}`: a report file name must be a plain name inside the report directory"
    )]
    UnsafeName {
        /// The refused name.
        name: String,
    },
}

/// A file an exporter produces, relative to the report directory.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    /// A plain file name (`index.html`, `suite-pi.html`).
    pub name: String,
    /// The file's text.
    pub contents: String,
}

/// One output format.
pub trait Exporter {
    /// Renders `results` into one or more files.
    fn render(&self, results: &RunResults) -> Result<Vec<OutputFile>, ReportError>;

    /// Renders `results` file by file, handing each to `emit` as soon as it is rendered, so a
    /// caller that writes them keeps one file in memory, not the whole report (the HTML site
    /// of a huge run has thousands of pages). By default [`Exporter::render`], then each file.
    fn render_each(
        &self,
        results: &RunResults,
        emit: &mut dyn FnMut(OutputFile) -> Result<(), ReportError>,
    ) -> Result<(), ReportError> {
        for file in self.render(results)? {
            emit(file)?;
        }
        Ok(())
    }
}

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
