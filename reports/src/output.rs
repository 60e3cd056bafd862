//! What every exporter produces and how it can fail: [`OutputFile`], the [`Exporter`] trait,
//! [`ReportError`] (with [`CsvError`]), and the atomic write of a report file. Kept apart from
//! the crate root so that the exporters (which use these) and the root (which picks an exporter
//! per format) do not import each other.

use parbench_schema::results::RunResults;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A report file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Atomically replaces `path` with `bytes`: a temporary file beside it, flushed to disk, then
/// renamed over it, so that a reader never sees half a report.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// A CSV file could not be written (a serialization error of the `csv` crate).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {file}: {source}")]
pub struct CsvError {
    /// `results.csv` or `samples.csv`.
    pub file: &'static str,
    /// The `csv` crate's error.
    #[source]
    pub source: ::csv::Error,
}

/// Why a report could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    /// A CSV file could not be serialized.
    #[error(transparent)]
    Csv(#[from] CsvError),
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
