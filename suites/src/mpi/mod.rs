//! The `mpi` execution model: a workload's kernel on MPI ranks (distributed memory), started by
//! Open MPI's `mpirun` (or Slurm's `srun`) running parbench's own hidden `mpi-rank` command, as
//! the processes variants re-execute parbench as `parbench worker`. The ranks live for one point;
//! rank 0 talks to parbench over the launcher's forwarded stdin/stdout (`launch`), and times
//! every iteration between two barriers. Each iteration's time splits into `compute` and
//! `communication` (time inside MPI calls, the closing barrier included, averaged over the
//! ranks); the job's launch cost (launcher start to every rank ready) is a metric outside the
//! timed region.
//!
//! MPI is found at build time (`build/mpi_detect.rs`, cfg `parbench_mpi`) and loaded at run time
//! by the rank processes only (`ffi`); without it the `mpi` variants are listed unavailable
//! with how to get them. Per workload, a [`JobSpec`] says what the ranks compute ([`job`]).
//!
//! [`MpiBackend`] implements [`crate::hooks::Backend`]; the hook it reads ([`MpiHook`]) and the
//! job types ([`JobSpec`], [`JobKind`], [`RankFault`]) are defined in [`crate::hooks`], below
//! this module, and re-exported here.

#[cfg(parbench_mpi)]
mod ffi;
pub mod job;
#[cfg(unix)]
mod launch;
pub mod rank;

pub use crate::hooks::MpiHook;
pub use job::{JobKind, JobSpec, RankFault};

use crate::hooks::{Backend, Hooks, Support};
use crate::workload::{Execution, ParamSpec, Problem, VariantInfo, WorkloadError};
use parbench_harness::config::{Config, ConfigError, MpiLauncher, MpiSettings};
use parbench_schema::results::ExecutionModel;
use parbench_schema::variant::names;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The MPI variant of a workload.
pub const VARIANT: &str = names::MPI;

/// Whether this parbench was built with MPI (Open MPI was found at build time).
pub const BUILT_WITH_MPI: bool = cfg!(parbench_mpi);

/// Makes rank `R` of every MPI job misbehave (tests): `crash:R`, `hang:R` or `wrong:R`.
pub const FAULT_ENV: &str = "PARBENCH_MPI_FAULT";

/// Metric names an MPI point reports (see docs/results-schema.md).
pub mod metric {
    /// Launcher start to every rank ready (outside the timed region).
    pub const LAUNCH: &str = "mpi_launch_ns";
    /// Ranks of the job.
    pub const RANKS: &str = "mpi_ranks";
    /// Median share of the iteration the ranks spent inside MPI calls.
    pub const COMMUNICATION_SHARE: &str = "mpi_communication_share";
    /// Distinct hosts the ranks ran on.
    pub const HOSTS: &str = "mpi_hosts";
}

/// How this parbench was built with respect to MPI: `built with Open MPI (…)`, or why not and
/// how to get it.
pub fn build_info() -> &'static str {
    env!("PARBENCH_MPI_BUILD")
}

/// How the ranks are launched: the config's `[mpi]` table, resolved.
#[derive(Debug, Clone, Default)]
pub struct LaunchSettings {
    /// `mpirun` or `srun`.
    pub launcher: MpiLauncher,
    /// Absolute, readable.
    pub hostfile: Option<PathBuf>,
    /// The config's extra launcher arguments: after the launcher's own (`-np`, `--hostfile`),
    /// before parbench's rank command.
    pub launcher_args: Vec<String>,
}

static SETTINGS: Mutex<Option<LaunchSettings>> = Mutex::new(None);
static HOSTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn settings() -> LaunchSettings {
    SETTINGS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_default()
}

/// Finds `program` on `PATH` (or as a path).
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Path::new(program).is_file().then(|| PathBuf::from(program));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

/// Takes the config's `[mpi]` table for the run's MPI variants. Bad input is a config error at
/// its line: a launcher that is not installed (where the config names one) or a hostfile that
/// cannot be read.
pub fn configure(config: &Config) -> Result<(), ConfigError> {
    let resolved = match &config.mpi {
        None => LaunchSettings::default(),
        Some(table) => {
            let m: &MpiSettings = table.get_ref();
            if find_program(m.launcher.program()).is_none() {
                return Err(config.source.error_at(
                    table.span(),
                    Some("mpi.launcher"),
                    format!(
                        "the MPI launcher `{}` is not installed here (not on PATH); install it (Open MPI: `sudo apt-get install openmpi-bin libopenmpi-dev`) or remove the [mpi] table",
                        m.launcher.program()
                    ),
                ));
            }
            let hostfile = match &m.hostfile {
                None => None,
                Some(h) => {
                    let base = Path::new(&config.source.path)
                        .parent()
                        .unwrap_or(Path::new("."));
                    let path = base.join(h.get_ref());
                    if let Err(e) = std::fs::read_to_string(&path) {
                        return Err(config.source.error_at(
                            h.span(),
                            Some("hostfile"),
                            format!("cannot read the hostfile {}: {e}", path.display()),
                        ));
                    }
                    Some(std::path::absolute(&path).unwrap_or(path))
                }
            };
            LaunchSettings {
                launcher: m.launcher,
                hostfile,
                launcher_args: m.launcher_args.clone(),
            }
        }
    };
    *SETTINGS.lock().unwrap_or_else(|e| e.into_inner()) = Some(resolved);
    Ok(())
}

/// The hosts the MPI jobs of this process ran on so far (for the run's fingerprint).
pub fn hosts_seen() -> Vec<String> {
    HOSTS.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

pub(crate) fn record_hosts(hosts: &[String]) {
    let mut seen = HOSTS.lock().unwrap_or_else(|e| e.into_inner());
    for h in hosts {
        if !seen.contains(h) {
            seen.push(h.clone());
        }
    }
}

/// Why the MPI variants cannot run here, if they cannot.
pub fn unavailable_reason() -> Option<String> {
    if !BUILT_WITH_MPI {
        return Some(build_info().to_string());
    }
    #[cfg(unix)]
    if parbench_harness::worker_process::worker_program().is_none() {
        return Some(parbench_harness::worker_process::NOT_CONFIGURED.to_string());
    }
    #[cfg(not(unix))]
    return Some("MPI ranks need a Unix platform".to_string());
    let launcher = settings().launcher.program();
    #[allow(unreachable_code)]
    find_program(launcher).is_none().then(|| {
        format!(
            "the MPI launcher `{launcher}` is not on PATH; install Open MPI (Debian/Ubuntu: `sudo apt-get install openmpi-bin libopenmpi-dev`)"
        )
    })
}

/// The MPI backend: adds the `mpi` variant to workloads with an [`MpiHook`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MpiBackend;

impl Backend for MpiBackend {
    fn name(&self) -> &'static str {
        "mpi"
    }

    fn variant_names(&self) -> &'static [&'static str] {
        &[VARIANT]
    }

    fn support(&self, hooks: &Hooks) -> Support {
        (&hooks.mpi).into()
    }

    fn params(&self, _hooks: &Hooks) -> Vec<ParamSpec> {
        Vec::new()
    }

    fn variants(&self, hooks: &Hooks) -> Vec<VariantInfo> {
        let Some(h) = hooks.mpi.supported() else {
            return Vec::new();
        };
        let v = VariantInfo::new(VARIANT, ExecutionModel::Mpi, h.sync, h.description);
        match unavailable_reason() {
            Some(r) => vec![v.unavailable(r)],
            None => vec![v],
        }
    }

    fn prepare(
        &self,
        hooks: &Hooks,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        let Some(h) = hooks.mpi.supported() else {
            return Err(WorkloadError::new(format!(
                "`{variant}`: this workload has no MPI job"
            )));
        };
        if let Some(reason) = unavailable_reason() {
            return Err(WorkloadError::new(reason));
        }
        let mut spec = (h.job)(problem)?;
        spec.fault = RankFault::from_env()?;
        #[cfg(unix)]
        {
            launch::prepare(spec, workers.max(1), &settings())
        }
        #[cfg(not(unix))]
        {
            let _ = (spec, workers);
            Err(WorkloadError::new("MPI ranks need a Unix platform"))
        }
    }
}
