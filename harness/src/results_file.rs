//! Writing a results file: atomically, as the JSON `parbench_analysis::results_io` reads.

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::RunResults;
use std::path::Path;

/// Writing [`RunResults`] to a file.
pub trait WriteResults {
    /// Writes the results atomically (temp file, then rename).
    fn write(&self, path: &Path) -> Result<(), crate::atomic_file::WriteError>;
}

impl WriteResults for RunResults {
    fn write(&self, path: &Path) -> Result<(), crate::atomic_file::WriteError> {
        let mut text = self.to_json();
        text.push('\n');
        crate::atomic_file::write_atomic(path, text.as_bytes())
    }
}
