//! The `parbench` binary: parse the command line, call the subcommand, turn the outcome into an
//! exit code (0 ok, 1 regression, 2 bad input, 3 failed or wrong variant).

/// `println!` for data on stdout. A closed pipe (`parbench list | head`) ends the process quietly
/// with success, as it does for other Unix tools; any other write error exits 2. Control
/// characters that configs and results files may carry (ANSI escapes, NUL) are made visible
/// instead of reaching the terminal.
macro_rules! outln {
    () => {
        outln!("")
    };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        let line = parbench_reports::escape::terminal(&line);
        if let Err(e) = writeln!(std::io::stdout().lock(), "{line}") {
            $crate::stdout_failed(e)
        }
    }};
}

/// `eprintln!` for text that may carry user input (names and reasons from configs and results
/// files): control characters are made visible, as [`outln!`] does on stdout.
macro_rules! errln {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        eprintln!("{}", parbench_reports::escape::terminal(&line));
    }};
}

mod cli;
mod cmd;
mod progress;
mod summary;

use clap::Parser;
use std::process::ExitCode;

/// Ends the process after a failed write to stdout (see `outln!`).
pub(crate) fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    errln!("error: cannot write to stdout: {e}");
    std::process::exit(2);
}

/// What a subcommand asks the process to exit with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    /// A comparison found a regression.
    Regression,
    VariantFailures,
    Interrupted,
}

/// The process exit code of an outcome; errors (bad input) exit 2 from `main`.
pub(crate) fn exit_code(outcome: Outcome) -> ExitCode {
    match outcome {
        Outcome::Success => ExitCode::SUCCESS,
        Outcome::Regression => ExitCode::from(1),
        Outcome::VariantFailures => ExitCode::from(3),
        Outcome::Interrupted => ExitCode::from(130),
    }
}

/// The error and its causes, `: `-separated, skipping a cause whose text the message before it
/// already contains (library errors often print their source themselves).
fn error_chain(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}

fn main() -> ExitCode {
    // The launcher of a command suite's program: served before anything else runs, because its
    // memory is the floor of every peak-RSS figure (see parbench_harness::command).
    #[cfg(unix)]
    if let Some(code) = parbench_harness::command::launcher_entry() {
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    let cli = cli::Cli::parse();
    cmd::worker::configure_worker_program();
    let result = match cli.command {
        cli::Command::Run(args) => cmd::run::run(args),
        cli::Command::List(args) => cmd::list::list(args),
        cli::Command::Validate(args) => cmd::validate::validate(args),
        cli::Command::Report(args) => cmd::report::report(args),
        cli::Command::Compare(args) => cmd::compare::compare(args),
        cli::Command::Ab(args) => cmd::ab::ab(args),
        cli::Command::Calibrate(args) => cmd::calibrate::calibrate(args),
        cli::Command::History(command) => cmd::history::history(command),
        cli::Command::Export(args) => cmd::export::export(args),
        cli::Command::Import(args) => cmd::import::import(args),
        cli::Command::Worker => cmd::worker::worker(),
        cli::Command::MpiRank { args } => cmd::worker::mpi_rank(&args),
    };
    match result {
        Ok(outcome) => exit_code(outcome),
        Err(e) => {
            errln!("error: {}", error_chain(&e));
            ExitCode::from(2)
        }
    }
}
