//! `parbench worker` and `parbench mpi-rank` (hidden): the worker process of the processes
//! variants, and a rank (or the launcher) of the mpi variants' jobs. parbench starts
//! itself with this subcommand and feeds it tasks over stdin/stdout; nothing else may write to
//! stdout here. Also tells the library which program to start as a worker, and as the launcher
//! of command suites: this one.

use crate::Outcome;

/// Points the worker-process machinery at this executable (`<this program> worker`), and command
/// suites' launcher too (`<this program> __parbench-launch …`, served by `main` before parsing).
/// Without a locatable executable the processes and command variants are reported unavailable,
/// with the reason.
pub(crate) fn configure_worker_program() {
    #[cfg(unix)]
    if let Ok(exe) = std::env::current_exe() {
        use parbench_harness::worker_process::{WorkerProgram, set_worker_program};
        set_worker_program(WorkerProgram::new(exe.clone(), ["worker"]));
        parbench_harness::command::set_launcher(WorkerProgram::new(
            exe,
            [parbench_harness::command::LAUNCH_ARG],
        ));
    }
}

pub(crate) fn worker() -> anyhow::Result<Outcome> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() || std::io::stdin().is_terminal() {
        anyhow::bail!(
            "`parbench worker` is internal: parbench starts it itself, with pipes, for the processes variants (try `parbench run`)"
        );
    }
    #[cfg(unix)]
    {
        parbench_suites::processes::worker::run()?;
        Ok(Outcome::Success)
    }
    #[cfg(not(unix))]
    {
        anyhow::bail!("worker processes need a Unix platform")
    }
}

/// `parbench mpi-rank ARGS` (see `parbench_suites::mpi::rank`).
pub(crate) fn mpi_rank(args: &[String]) -> anyhow::Result<Outcome> {
    parbench_suites::mpi::rank::run(args)?;
    Ok(Outcome::Success)
}
