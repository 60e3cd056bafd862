//! `parbench import criterion DIR`: criterion's saved results as a parbench results file and
//! report, ready for `compare` and `history add`.

use crate::Outcome;
use crate::cli::{ImportArgs, ImportSource};
use parbench_analysis::interop::criterion;
use parbench_reports::{Format, write_reports};
use std::time::SystemTime;

pub(crate) fn import(args: ImportArgs) -> anyhow::Result<Outcome> {
    let results = match args.source {
        ImportSource::Criterion => criterion::import(
            &args.dir,
            parbench_harness::fingerprint::detect(),
            SystemTime::now(),
        )?,
    };
    let written = write_reports(&results, &args.out, &[Format::Json, Format::Html])?;
    errln!(
        "parbench: imported {} benchmark(s) from {}",
        results.points.len(),
        args.dir.display()
    );
    for p in written {
        outln!("{}", p.display());
    }
    Ok(Outcome::Success)
}
