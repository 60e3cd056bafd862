//! `parbench export RESULTS.json --format bencher|github-action-benchmark`: a results file in
//! another tool's format, on stdout or into a file.

use crate::Outcome;
use crate::cli::{ExportArgs, ExportFormat};
use parbench_analysis::interop::{bencher, github_action_benchmark};
use parbench_analysis::results_io::ResultsFile;
use parbench_harness::atomic_file::write_atomic;
use parbench_schema::results::RunResults;

pub(crate) fn export(args: ExportArgs) -> anyhow::Result<Outcome> {
    let results = RunResults::load(&args.results)?;
    let value = match args.format {
        ExportFormat::Bencher => bencher::to_bmf(&results),
        ExportFormat::GithubActionBenchmark => {
            serde_json::to_value(github_action_benchmark::to_entries(&results))?
        }
    };
    let mut text = serde_json::to_string_pretty(&value)?;
    text.push('\n');
    let skipped = results.points.len()
        - match &value {
            serde_json::Value::Object(m) => m.len(),
            serde_json::Value::Array(a) => a.len(),
            _ => 0,
        };
    if skipped > 0 {
        errln!("parbench: note: {skipped} point(s) not ok were left out");
    }
    match &args.out {
        Some(path) => {
            write_atomic(path, text.as_bytes())?;
            errln!("parbench: wrote {}", path.display());
        }
        None => {
            use std::io::Write as _;
            if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes()) {
                crate::stdout_failed(e)
            }
        }
    }
    Ok(Outcome::Success)
}
