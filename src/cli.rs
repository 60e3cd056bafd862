//! The command line: clap definitions only. Each subcommand's behaviour lives in `cmd/`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Benchmark harness and report generator for parallel code: the same workloads under serial,
/// threads, rayon, locks, atomics, processes and OpenCL, verified, with speedup and efficiency.
#[derive(Debug, Parser)]
#[command(name = "parbench", version, propagate_version = true, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

pub(crate) const EXIT_CODES: &str = "Exit codes: 0 success; 1 a regression was detected; 2 bad input (config, arguments, results file); 3 a variant failed or computed a wrong answer.";

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a config's suites, verify every variant, and write results.json and an HTML report.
    #[command(
        after_help = "Examples:\n  parbench run                                  # the embedded default config\n  parbench run --quick                          # same matrix, tiny sizes and budgets\n  parbench run --config configs/full.toml --out /tmp/pb\n  parbench run --suite pi --variant serial --variant rayon"
    )]
    Run(RunArgs),
    /// List workloads, their variants, sizes and parameters, and which variants this machine can run.
    #[command(
        after_help = "Examples:\n  parbench list\n  parbench list --format json | jq '.[].variants[] | select(.available == false)'"
    )]
    List(ListArgs),
    /// Check a config file without running anything.
    #[command(after_help = "Example:\n  parbench validate configs/full.toml")]
    Validate(ValidateArgs),
    /// Render the report again from a saved results file.
    #[command(
        after_help = "Examples:\n  parbench report parbench-out/latest/results.json\n  parbench report results.json --out site/"
    )]
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Config file (TOML). Without it, the default config embedded in the binary runs.
    /// Example: --config configs/full.toml
    #[arg(long, short = 'c', value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Directory that receives the run directory `<UTC timestamp>/` and the `latest` link.
    /// Example: --out /tmp/parbench
    #[arg(long, short = 'o', value_name = "DIR", default_value = "parbench-out")]
    pub(crate) out: PathBuf,
    /// Run only this suite (repeat for several). Example: --suite pi --suite square
    #[arg(long = "suite", value_name = "NAME")]
    pub(crate) suites: Vec<String>,
    /// Run only this variant (repeat for several). Example: --variant serial --variant rayon
    #[arg(long = "variant", value_name = "NAME")]
    pub(crate) variants: Vec<String>,
    /// Smoke run: the same matrix with shrunk sizes and budgets (seconds, not minutes).
    #[arg(long)]
    pub(crate) quick: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Output format. Example: --format json
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: ListFormat,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The config file to check. Example: configs/default.toml
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// A results.json written by `parbench run`. Example: parbench-out/latest/results.json
    #[arg(value_name = "RESULTS.json")]
    pub(crate) results: PathBuf,
    /// Where to write the report (default: the results file's directory). Example: --out site/
    #[arg(long, short = 'o', value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
}
