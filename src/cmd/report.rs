//! `parbench report RESULTS.json [--out DIR]`: render the report again from a saved results file.

use crate::Outcome;
use crate::cli::ReportArgs;
use parbench_analysis::results_io::ResultsFile;
use parbench_reports::{Format, write_reports};
use parbench_schema::results::RunResults;

pub(crate) fn report(args: ReportArgs) -> anyhow::Result<Outcome> {
    let results = RunResults::load(&args.results)?;
    let source_dir = args
        .results
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(std::path::Path::new("."));
    let out = args.out.clone().unwrap_or_else(|| source_dir.to_path_buf());
    // Beside its own results file the JSON is already there; elsewhere, copy it so the report
    // directory is complete.
    let same_dir = std::fs::canonicalize(&out).ok() == std::fs::canonicalize(source_dir).ok();
    let formats: Vec<Format> = Format::ALL
        .into_iter()
        .filter(|f| !(same_dir && *f == Format::Json))
        .collect();
    let written = write_reports(&results, &out, &formats)?;
    for p in written {
        outln!("{}", p.display());
    }
    Ok(Outcome::Success)
}
