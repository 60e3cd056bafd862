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
    /// Run a config's suites, verify every variant, and write results.json and the report (HTML site, CSV, Markdown).
    #[command(
        after_help = "Examples:\n  # the embedded default config\n  parbench run\n  # same matrix, tiny sizes and budgets\n  parbench run --quick\n  parbench run --config configs/full.toml --out /tmp/pb\n  parbench run --suite pi --variant serial --variant rayon\n  # OpenCL variants on device 0 of `parbench list --devices`\n  parbench run --config configs/opencl.toml --opencl-device 0\n  # job 2 of a CI matrix of 4 (merge with parbench report)\n  parbench run --config configs/full.toml --shard 2/4"
    )]
    Run(RunArgs),
    /// List workloads, their variants, sizes and parameters, and which variants this machine can run.
    #[command(
        after_help = "Examples:\n  parbench list\n  parbench list --full\n  parbench list --format json \\\n      | jq '.[].variants[] | select(.available == false)'\n  # OpenCL platforms and devices\n  parbench list --devices"
    )]
    List(ListArgs),
    /// Check a config file without running anything.
    #[command(after_help = "Example:\n  parbench validate configs/full.toml")]
    Validate(ValidateArgs),
    /// Render the report again from a saved results file (or the files of one sharded run): index.html and a page per suite, results.csv, samples.csv, summary.md (and results.json when writing elsewhere).
    #[command(
        after_help = "Examples:\n  parbench report parbench-out/latest/results.json\n  parbench report results.json --out site/\n  parbench report results.json --out site/ \\\n      && cat site/summary.md >> \"$GITHUB_STEP_SUMMARY\"\n  # the results of a run sharded over 2 CI jobs, as one report\n  parbench report shard-1/results.json shard-2/results.json --out site/"
    )]
    Report(ReportArgs),
    /// Compare two results files point by point (ratio of medians with bootstrap intervals);
    /// exit 1 on a regression.
    #[command(
        after_help = "Examples:\n  parbench compare base/results.json new/results.json\n  parbench compare main.json pr.json --out review/ --threshold-serial 0.03\n  parbench compare a.json b.json --thresholds ci/thresholds.toml\n\nWrites compare.md (for a pull-request comment) and compare.json into --out.\nExit codes: 0 no regression; 1 a regression; 2 unusable input or different machines; 3 a point is newly wrong or failed."
    )]
    Compare(CompareArgs),
    /// The A/B regression gate: run two builds (or two configs) on this machine in randomized
    /// ABBA rounds of fresh processes and decide per point with a Student-t interval of the mean
    /// per-round log ratio; exit 1 on a regression.
    #[command(
        after_help = "Examples:\n  parbench ab --a-bin base/parbench --b-bin head/parbench \\\n      --config configs/gate.toml\n  parbench ab --a-config before.toml --b-config after.toml --rounds 12\n  # measure this machine's noise\n  parbench ab --aa --config configs/gate.toml \\\n      --write-thresholds ci/thresholds.toml\n\nWrites compare.md, compare.json and every round's results (runs/) into --out.\nExit codes: 0 no regression; 1 a regression; 2 bad input or a side that could not run; 3 a point is newly wrong or failed."
    )]
    Ab(AbArgs),
    /// Measure this machine's limits (memory bandwidth, peak FP64 and integer throughput,
    /// atomics, cache-line transfers, thread and process start-up, pipes) with small probes,
    /// cached per machine fingerprint; `parbench run` measures every point against them.
    #[command(
        after_help = "Examples:\n  parbench calibrate                 # show the cached calibration (measure it if there is none)\n  parbench calibrate --recalibrate   # measure again (after a hardware or BIOS change)\n  parbench calibrate --format json\n\nThe cache is $XDG_CACHE_HOME/parbench/ (else ~/.cache/parbench/), one file per machine fingerprint."
    )]
    Calibrate(CalibrateArgs),
    /// Record runs in a SQLite history and render trend pages with change-points.
    #[command(
        subcommand,
        after_help = "Examples:\n  parbench history add parbench-out/latest/results.json \\\n      --db bench.db --branch main\n  parbench history report --db bench.db --out site/history\n  parbench history list --db bench.db"
    )]
    History(HistoryCommand),
    /// Export a results file for other tools: the Bencher Metric Format or
    /// github-action-benchmark's customSmallerIsBetter JSON.
    #[command(
        after_help = "Examples:\n  parbench export parbench-out/latest/results.json --format bencher \\\n      > bmf.json\n  parbench export results.json --format github-action-benchmark --out gab.json"
    )]
    Export(ExportArgs),
    /// Import other tools' saved results (criterion's target/criterion) into a parbench results
    /// file and report.
    #[command(
        after_help = "Examples:\n  # target/criterion exists once `cargo bench` has run\n  cargo bench\n  parbench import criterion target/criterion --out parbench-out/criterion\n  parbench history add parbench-out/criterion/results.json --db bench.db"
    )]
    Import(ImportArgs),
    /// Serve tasks from a parent parbench over stdin/stdout (internal: the processes variants
    /// start parbench itself as their workers).
    #[command(hide = true)]
    Worker,
    /// One rank of an MPI job, or the launcher of one (internal: the mpi variants start parbench
    /// itself through mpirun).
    #[command(hide = true, name = "mpi-rank")]
    MpiRank {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
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
    pub(crate) variants: Vec<parbench_schema::VariantId>,
    /// Smoke run: the same matrix with shrunk sizes and budgets (seconds, not minutes).
    #[arg(long)]
    pub(crate) quick: bool,
    /// The OpenCL device of the opencl variants: its number in `parbench list --devices`, or a
    /// part of its name (overrides the config's `opencl-device`). Example: --opencl-device 1
    #[arg(long, value_name = "INDEX|NAME")]
    pub(crate) opencl_device: Option<parbench_harness::config::DeviceMatch>,
    /// The OpenCL platform to take the device from: its number or a part of its name
    /// (overrides the config's `opencl-platform`). Example: --opencl-platform pocl
    #[arg(long, value_name = "INDEX|NAME")]
    pub(crate) opencl_platform: Option<parbench_harness::config::DeviceMatch>,
    /// Do not measure against the machine's calibrated limits (no "% of bound"); also
    /// PARBENCH_CALIBRATE=0. Without it a run uses the cached calibration and measures one
    /// first (about 10 s) when a release build finds none for this machine.
    #[arg(long)]
    pub(crate) no_calibrate: bool,
    /// Measure only part K of N of the config's points (for a CI matrix of N jobs): problems
    /// are dealt round-robin in plan order; `parbench report` merges the N results files.
    /// Example: --shard 2/4
    #[arg(long, value_name = "K/N")]
    pub(crate) shard: Option<parbench_schema::results::Shard>,
}

#[derive(Debug, Args)]
pub(crate) struct CalibrateArgs {
    /// Measure again even when a calibration of this machine is cached.
    #[arg(long)]
    pub(crate) recalibrate: bool,
    /// Output format. Example: --format json
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: ListFormat,
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
    /// Only the OpenCL platforms and devices (compute units, memory, driver), and why there
    /// are none. Example: --devices --format json
    #[arg(long)]
    pub(crate) devices: bool,
    /// The whole workload x variant matrix with the reason for every empty cell, every
    /// variant's description, every size and parameter (wider than 100 columns). Example: --full
    #[arg(long, conflicts_with = "devices")]
    pub(crate) full: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The config file to check. Example: configs/default.toml
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// A results.json written by `parbench run`, or the N results files of one run sharded
    /// with `run --shard K/N` (merged into one report). Example: parbench-out/latest/results.json
    #[arg(value_name = "RESULTS.json", required = true)]
    pub(crate) results: Vec<PathBuf>,
    /// Where to write the report (default: the results file's directory; required for several
    /// files). Example: --out site/
    #[arg(long, short = 'o', value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
}

fn parse_fraction(text: &str) -> anyhow::Result<f64> {
    let v: f64 = text.parse().map_err(|_| {
        anyhow::anyhow!("`{text}` is not a number; expected a fraction such as 0.05 for 5%")
    })?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        anyhow::bail!("{v} is out of range: expected a fraction between 0 and 1, e.g. 0.05 for 5%")
    }
}

/// Settings shared by the regression gates (`compare`, `ab`).
#[derive(Debug, Args)]
pub(crate) struct GateArgs {
    /// Regression threshold of serial variants (and imported benchmarks), overriding the
    /// config's `threshold-serial` and any thresholds file. Example: --threshold-serial 0.03
    #[arg(long, value_name = "FRACTION", value_parser = parse_fraction, allow_negative_numbers = true)]
    pub(crate) threshold_serial: Option<f64>,
    /// Regression threshold of parallel variants, overriding the config's `threshold-parallel`
    /// and any thresholds file. Example: --threshold-parallel 0.15
    #[arg(long, value_name = "FRACTION", value_parser = parse_fraction, allow_negative_numbers = true)]
    pub(crate) threshold_parallel: Option<f64>,
    /// Per-point thresholds (TOML) written by `parbench ab --aa --write-thresholds`; they
    /// override the config. Example: --thresholds ci/thresholds.toml
    #[arg(long, value_name = "FILE")]
    pub(crate) thresholds: Option<PathBuf>,
    /// Probability that every point's interval holds at once (Bonferroni over the points
    /// compared). Example: --level 0.99
    #[arg(long, value_name = "LEVEL", default_value = "0.95", value_parser = parse_fraction)]
    pub(crate) level: f64,
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The baseline results file. Example: main/results.json
    #[arg(value_name = "BASE.json")]
    pub(crate) base: PathBuf,
    /// The results file to judge. Example: pr/results.json
    #[arg(value_name = "NEW.json")]
    pub(crate) new: PathBuf,
    #[command(flatten)]
    pub(crate) gate: GateArgs,
    /// Directory for compare.md and compare.json. Example: --out review/
    #[arg(
        long,
        short = 'o',
        value_name = "DIR",
        default_value = "parbench-out/compare"
    )]
    pub(crate) out: PathBuf,
    /// Compare even when the machine fingerprints differ (the output says so loudly).
    #[arg(long)]
    pub(crate) allow_machine_mismatch: bool,
    /// Seed of the bootstrap. Example: --seed 7
    #[arg(long, default_value_t = 0x00C0_4FA2_E5EE_D000)]
    pub(crate) seed: u64,
}

#[derive(Debug, Args)]
pub(crate) struct AbArgs {
    /// The parbench binary of side A (the baseline, e.g. built from the merge base); default:
    /// this binary. Example: --a-bin /tmp/base/parbench
    #[arg(long, value_name = "FILE")]
    pub(crate) a_bin: Option<PathBuf>,
    /// The parbench binary of side B (the change); default: side A's. Example: --b-bin target/release/parbench
    #[arg(long, value_name = "FILE")]
    pub(crate) b_bin: Option<PathBuf>,
    /// Config of both sides (default: each binary's embedded default). Example: --config configs/gate.toml
    #[arg(long, short = 'c', value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Config of side A, overriding --config. Example: --a-config base/configs/gate.toml
    #[arg(long, value_name = "FILE")]
    pub(crate) a_config: Option<PathBuf>,
    /// Config of side B, overriding --config. Example: --b-config configs/gate.toml
    #[arg(long, value_name = "FILE")]
    pub(crate) b_config: Option<PathBuf>,
    /// A/A mode: run side A against itself to measure this machine's noise, report the smallest
    /// change each point can detect, and suggest thresholds.
    #[arg(long)]
    pub(crate) aa: bool,
    /// Rounds (each runs both sides once); default: at least 10, more when many points need it.
    /// Example: --rounds 16
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) rounds: Option<u32>,
    /// Seed of the randomized ABBA order (recorded in compare.json); default: drawn from the
    /// clock. Example: --seed 42
    #[arg(long, value_name = "N")]
    pub(crate) seed: Option<u64>,
    /// Run only this suite on both sides (repeat for several). Example: --suite pi
    #[arg(long = "suite", value_name = "NAME")]
    pub(crate) suites: Vec<String>,
    /// Run only this variant on both sides (repeat for several). Example: --variant serial
    #[arg(long = "variant", value_name = "NAME")]
    pub(crate) variants: Vec<String>,
    /// Pass --quick to both sides (a smoke run; too noisy for a real gate).
    #[arg(long)]
    pub(crate) quick: bool,
    /// A/A only: write the suggested per-point thresholds to this TOML file for
    /// `--thresholds`. Example: --write-thresholds ci/thresholds.toml
    #[arg(long, value_name = "FILE", requires = "aa")]
    pub(crate) write_thresholds: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) gate: GateArgs,
    /// Directory for compare.md, compare.json and the rounds' runs. Example: --out ab/
    #[arg(
        long,
        short = 'o',
        value_name = "DIR",
        default_value = "parbench-out/ab"
    )]
    pub(crate) out: PathBuf,
}

/// Default history database.
pub(crate) const DEFAULT_HISTORY_DB: &str = "parbench-history.db";

/// The history database named by `--db`, else by `$PARBENCH_DB`, else the default file.
pub(crate) fn history_db(db: Option<&str>) -> parbench_history::Location {
    let env = std::env::var("PARBENCH_DB")
        .ok()
        .filter(|v| !v.trim().is_empty());
    parbench_history::Location::parse(db.or(env.as_deref()).unwrap_or(DEFAULT_HISTORY_DB))
}

#[derive(Debug, Subcommand)]
pub(crate) enum HistoryCommand {
    /// Record results files in the history database (created if missing). Safe while other
    /// jobs write to the same database.
    #[command(
        after_help = "Examples:\n  parbench history add parbench-out/latest/results.json\n  parbench history add results.json --db /srv/bench/history.db \\\n      --branch main --commit \"$GITHUB_SHA\"\n  # one history for a fleet of machines (or set PARBENCH_DB)\n  parbench history add results.json \\\n      --db postgres://bench@db.example/bench"
    )]
    Add(HistoryAddArgs),
    /// Render trend pages (median and interval per commit, with change-points) from the history.
    #[command(
        after_help = "Examples:\n  parbench history report --db bench.db --out site/history\n  parbench history report --branch main --suite pi"
    )]
    Report(HistoryReportArgs),
    /// List the recorded runs.
    #[command(after_help = "Example:\n  parbench history list --db bench.db")]
    List(HistoryListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct HistoryAddArgs {
    /// Results files to record. Example: parbench-out/latest/results.json
    #[arg(value_name = "RESULTS.json", required = true)]
    pub(crate) results: Vec<PathBuf>,
    /// The history database: a SQLite file, or a PostgreSQL URL shared by many machines
    /// (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE). Default: $PARBENCH_DB, else
    /// parbench-history.db. Example: --db bench.db
    #[arg(long, value_name = "PATH|URL")]
    pub(crate) db: Option<String>,
    /// Branch the run belongs to; default: $PARBENCH_BRANCH, the CI's branch variables, or the
    /// checked-out git branch. Example: --branch main
    #[arg(long, value_name = "NAME")]
    pub(crate) branch: Option<String>,
    /// Commit the run measured; default: the git commit in the results' fingerprint.
    /// Example: --commit 4f2c1e9
    #[arg(long, value_name = "SHA")]
    pub(crate) commit: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct HistoryReportArgs {
    /// The history database: a SQLite file, or a PostgreSQL URL shared by many machines
    /// (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE). Default: $PARBENCH_DB, else
    /// parbench-history.db. Example: --db bench.db
    #[arg(long, value_name = "PATH|URL")]
    pub(crate) db: Option<String>,
    /// Directory for index.html, the trend pages and history.json. Example: --out site/history
    #[arg(
        long,
        short = 'o',
        value_name = "DIR",
        default_value = "parbench-out/history"
    )]
    pub(crate) out: PathBuf,
    /// Only this machine fingerprint id. Example: --machine 3f2a9c0d1e2b4a5f
    #[arg(long, value_name = "ID")]
    pub(crate) machine: Option<String>,
    /// Only this branch. Example: --branch main
    #[arg(long, value_name = "NAME")]
    pub(crate) branch: Option<String>,
    /// Only this suite. Example: --suite pi
    #[arg(long, value_name = "NAME")]
    pub(crate) suite: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct HistoryListArgs {
    /// The history database: a SQLite file, or a PostgreSQL URL shared by many machines
    /// (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE). Default: $PARBENCH_DB, else
    /// parbench-history.db. Example: --db bench.db
    #[arg(long, value_name = "PATH|URL")]
    pub(crate) db: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ExportFormat {
    /// Bencher Metric Format: {"name": {"latency": {value, lower_value, upper_value}}} in ns.
    Bencher,
    /// github-action-benchmark's customSmallerIsBetter: [{name, unit, value, range, extra}].
    GithubActionBenchmark,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// A results file. Example: parbench-out/latest/results.json
    #[arg(value_name = "RESULTS.json")]
    pub(crate) results: PathBuf,
    /// Target format. Example: --format bencher
    #[arg(long, short = 'f', value_enum)]
    pub(crate) format: ExportFormat,
    /// Write here instead of stdout. Example: --out bmf.json
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ImportSource {
    /// criterion's saved results: <dir>/**/new/{benchmark,estimates,sample}.json
    Criterion,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// What produced the results. Example: criterion
    #[arg(value_enum)]
    pub(crate) source: ImportSource,
    /// Where they are. Example: target/criterion
    #[arg(value_name = "DIR", default_value = "target/criterion")]
    pub(crate) dir: PathBuf,
    /// Directory for results.json and index.html. Example: --out parbench-out/criterion
    #[arg(
        long,
        short = 'o',
        value_name = "DIR",
        default_value = "parbench-out/criterion"
    )]
    pub(crate) out: PathBuf,
}
