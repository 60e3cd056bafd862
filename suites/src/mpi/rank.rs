//! The rank side: what `parbench mpi-rank` runs. Two forms:
//!
//! - `mpi-rank --exec-launcher PARENT -- LAUNCHER ARGS…`: asks the kernel to kill this process
//!   when parbench (`PARENT`) dies, then becomes the launcher (`exec`), which keeps that setting:
//!   a SIGKILLed parbench takes `mpirun` with it, and `mpirun`'s ranks die with `mpirun`.
//! - `mpi-rank JOB-JSON`: one rank of a job. Every rank sets up its part of the [`JobSpec`](crate::hooks::JobSpec);
//!   rank 0 then reads commands from its stdin (forwarded by the launcher) and answers on
//!   stdout with lines that start with [`PREFIX`]: `READY` (every rank is up), `SET` (every rank
//!   has set up its part of the job), then per `run` a `DONE` (rank 0's
//!   time between the opening and closing barriers, every rank's compute and communication
//!   time), per `answer` an `ANSWER`; `stop` or end of input ends the job. Other ranks follow
//!   rank 0's commands through a broadcast.

/// Every protocol line of rank 0 starts with this (other output of the job is ignored).
pub const PREFIX: &str = "PARBENCH-MPI ";

/// The hidden subcommand's name.
pub const COMMAND: &str = "mpi-rank";

/// The first argument of the launcher form.
pub const EXEC_LAUNCHER: &str = "--exec-launcher";

/// What rank 0 reports when every rank is ready.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Ready {
    /// How many ranks the job runs (`MPI_Comm_size`).
    pub ranks: usize,
    /// Each rank's host name, in rank order.
    pub hosts: Vec<String>,
}

/// What rank 0 reports after an iteration.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Done {
    /// Rank 0's time from the opening to the closing barrier.
    pub wall_ns: f64,
    /// A hash of the iteration's result on rank 0, so that every iteration's work is used.
    pub digest: u64,
    /// Per rank: time outside MPI calls.
    pub compute_ns: Vec<f64>,
    /// Per rank: time inside MPI calls (the closing barrier included).
    pub communication_ns: Vec<f64>,
}

/// Why `parbench mpi-rank` failed.
#[derive(Debug, thiserror::Error)]
pub enum RankError {
    /// Not started by parbench the way it expects.
    #[error("{0}")]
    Usage(String),
    /// The job description on the command line is not one.
    #[error("bad job description")]
    Job(#[from] serde_json::Error),
    /// The kernel refused the parent-death signal, or the parent is already gone.
    #[error("cannot tie this process to its parent")]
    Parent(#[source] std::io::Error),
    /// The launcher could not be executed.
    #[error("cannot start the MPI launcher `{program}`")]
    Launcher {
        /// The launcher that was to be executed (`mpirun`, `mpiexec`, ...).
        program: String,
        /// Why executing it failed.
        #[source]
        source: std::io::Error,
    },
    /// MPI (loading, a call) failed.
    #[cfg(parbench_mpi)]
    #[error(transparent)]
    Mpi(#[from] super::ffi::MpiError),
    /// This build has no MPI (what the build found instead).
    #[cfg(not(parbench_mpi))]
    #[error("{0}")]
    NotBuilt(&'static str),
}

/// The body of `parbench mpi-rank ARGS`.
pub fn run(args: &[String]) -> Result<(), RankError> {
    if args.first().map(String::as_str) == Some(EXEC_LAUNCHER) {
        return exec_launcher(&args[1..]);
    }
    let [json] = args else {
        return Err(RankError::Usage(format!(
            "`parbench {COMMAND}` is internal: the mpi variants start it through an MPI launcher (try `parbench run`)"
        )));
    };
    let spec: super::JobSpec = serde_json::from_str(json)?;
    serve(&spec)
}

#[cfg(unix)]
fn exec_launcher(args: &[String]) -> Result<(), RankError> {
    use std::os::unix::process::CommandExt;
    let usage = || {
        RankError::Usage(format!(
            "usage: {COMMAND} {EXEC_LAUNCHER} PARENT -- LAUNCHER ARGS…"
        ))
    };
    let (parent, rest) = match args {
        [parent, sep, rest @ ..] if sep == "--" && !rest.is_empty() => (parent, rest),
        _ => return Err(usage()),
    };
    let parent: u32 = parent.parse().map_err(|_| usage())?;
    parbench_harness::worker_process::die_with_parent(parent).map_err(RankError::Parent)?;
    let source = std::process::Command::new(&rest[0]).args(&rest[1..]).exec();
    Err(RankError::Launcher {
        program: rest[0].clone(),
        source,
    })
}

#[cfg(not(unix))]
fn exec_launcher(_args: &[String]) -> Result<(), RankError> {
    Err(RankError::Usage("MPI ranks need a Unix platform".into()))
}

#[cfg(not(parbench_mpi))]
fn serve(_spec: &super::JobSpec) -> Result<(), RankError> {
    Err(RankError::NotBuilt(super::build_info()))
}

/// Host names of every rank (fixed-width, gathered) on rank 0; empty on the others.
#[cfg(parbench_mpi)]
fn gather_hosts(mpi: &super::ffi::Mpi) -> Result<Vec<String>, super::ffi::MpiError> {
    const HOST_BYTES: usize = 256;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| std::env::var("HOSTNAME").unwrap_or_else(|_| "unknown".into()));
    let mut mine = [0u8; HOST_BYTES];
    let take = host.len().min(HOST_BYTES);
    mine[..take].copy_from_slice(&host.as_bytes()[..take]);
    let mut all = vec![
        0u8;
        if mpi.rank() == 0 {
            HOST_BYTES * mpi.size()
        } else {
            0
        }
    ];
    mpi.gather_bytes(&mine, &mut all)?;
    Ok(all
        .chunks_exact(HOST_BYTES)
        .map(|c| {
            let end = c.iter().position(|&b| b == 0).unwrap_or(c.len());
            String::from_utf8_lossy(&c[..end]).into_owned()
        })
        .collect())
}

/// Crashes or hangs this rank when the job's fault names it (tests only).
#[cfg(parbench_mpi)]
fn fault_if_asked(fault: Option<super::RankFault>, rank: usize) {
    use super::RankFault;
    match fault {
        Some(RankFault::Crash(r)) if r == rank => {
            eprintln!(
                "parbench mpi rank {rank}: crashing on purpose ({})",
                super::FAULT_ENV
            );
            std::process::abort();
        }
        Some(RankFault::Hang(r)) if r == rank => loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        },
        _ => {}
    }
}

/// One timed iteration between two barriers; rank 0 gets the times of every rank.
#[cfg(parbench_mpi)]
fn run_once(
    mpi: &super::ffi::Mpi,
    job: &mut dyn super::job::RankJob,
) -> Result<Option<Done>, super::ffi::MpiError> {
    let (rank, size) = (mpi.rank(), mpi.size());
    mpi.barrier()?;
    let mut comm = super::job::CommTimer::default();
    let t0 = std::time::Instant::now();
    let digest = job.iterate(mpi, &mut comm)?;
    comm.time(|| mpi.barrier())?;
    let wall = t0.elapsed();
    let split = [
        wall.saturating_sub(comm.0).as_nanos() as f64,
        comm.0.as_nanos() as f64,
    ];
    let mut splits = vec![0.0; if rank == 0 { 2 * size } else { 0 }];
    mpi.gather_f64(&split, &mut splits)?;
    Ok((rank == 0).then(|| Done {
        wall_ns: wall.as_nanos() as f64,
        digest,
        compute_ns: splits.iter().step_by(2).copied().collect(),
        communication_ns: splits.iter().skip(1).step_by(2).copied().collect(),
    }))
}

#[cfg(parbench_mpi)]
fn serve(spec: &super::JobSpec) -> Result<(), RankError> {
    use super::ffi::Mpi;
    use super::job::build;
    use std::io::{BufRead, Write};

    // A rank dies with its local launcher (mpirun, or orted on another host).
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        parbench_harness::worker_process::die_with_parent(parent).map_err(RankError::Parent)?;
    }
    let library = env!("PARBENCH_MPI_LIB");
    let mpi = Mpi::init(library)?;
    let (rank, size) = (mpi.rank(), mpi.size());
    let fail = |mpi: &Mpi, e: super::ffi::MpiError| -> ! {
        eprintln!("parbench mpi rank {rank}: {e}");
        mpi.abort(3)
    };

    let hosts = gather_hosts(&mpi).unwrap_or_else(|e| fail(&mpi, e));

    let stdout = std::io::stdout();
    let say = |line: String| {
        let mut out = stdout.lock();
        // parbench gone: the next read of stdin ends the job.
        let _ = writeln!(out, "{PREFIX}{line}").and_then(|_| out.flush());
    };
    if rank == 0 {
        let ready = Ready { ranks: size, hosts };
        say(format!(
            "READY {}",
            serde_json::to_string(&ready).expect("serializable")
        ));
    }
    // The job's setup (inputs, buffers) is not part of the launch cost.
    let mut job = match build(spec, &mpi) {
        Ok(j) => j,
        Err(e) => fail(&mpi, e),
    };
    if let Err(e) = mpi.barrier() {
        fail(&mpi, e)
    }
    if rank == 0 {
        say("SET".to_string());
    }

    const STOP: u8 = 0;
    const RUN: u8 = 1;
    const ANSWER: u8 = 2;
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        let mut cmd = [STOP];
        if rank == 0 {
            line.clear();
            cmd[0] = match stdin.lock().read_line(&mut line) {
                Ok(0) | Err(_) => STOP,
                Ok(_) => match line.trim() {
                    "run" => RUN,
                    "answer" => ANSWER,
                    _ => STOP,
                },
            };
        }
        if let Err(e) = mpi.bcast_bytes(&mut cmd) {
            fail(&mpi, e)
        }
        match cmd[0] {
            RUN => {
                fault_if_asked(spec.fault, rank);
                let done = run_once(&mpi, job.as_mut()).unwrap_or_else(|e| fail(&mpi, e));
                if let Some(done) = done {
                    say(format!(
                        "DONE {}",
                        serde_json::to_string(&done).expect("serializable")
                    ));
                }
            }
            ANSWER => match job.answer(&mpi) {
                Ok(Some(a)) => say(format!(
                    "ANSWER {}",
                    serde_json::to_string(&a).expect("serializable")
                )),
                Ok(None) => {}
                Err(e) => fail(&mpi, e),
            },
            _ => break,
        }
    }
    drop(job);
    Ok(mpi.finalize()?)
}
