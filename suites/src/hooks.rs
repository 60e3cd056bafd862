//! What a workload tells the backends, and what a backend is: the [`Backend`] trait, a
//! workload's [`Hooks`] (one [`Hook`] per backend) and the plain data each hook carries (a
//! processes job's [`PrepareFn`], an OpenCL [`Kernel`] and what it [`Needs`], an MPI [`JobSpec`]).
//!
//! This module sits below the backends (`processes`, `opencl`, `mpi`), which implement
//! [`Backend`] and read the hooks, and below the workloads, which fill them in; it names none of
//! them, only [`crate::workload`]. The adapter that lists every backend and applies them to a
//! workload ([`crate::backend`]: `BACKENDS`, `Hooked`, `WithBackends`) sits above them all.
#![warn(missing_docs)]

use crate::workload::{Execution, NotApplicable, ParamSpec, Problem, VariantInfo, WorkloadError};
use parbench_schema::results::SyncKind;
use serde::{Deserialize, Serialize};

/// Builds a backend's execution of one variant of a workload on `workers` workers.
pub type PrepareFn = fn(&Problem, &str, usize) -> Result<Box<dyn Execution>, WorkloadError>;

/// A workload's stance towards one backend.
#[derive(Debug, Clone, Default)]
pub enum Hook<T> {
    /// No hook and no reason: the backend's cells read "not implemented".
    #[default]
    Absent,
    /// The workload deliberately has no such variants, and why (shown in `parbench list`).
    NotApplicable(&'static str),
    /// The workload runs under the backend with this hook.
    Supported(T),
}

impl<T> Hook<T> {
    /// The hook, where supported.
    pub fn supported(&self) -> Option<&T> {
        match self {
            Hook::Supported(t) => Some(t),
            _ => None,
        }
    }
}

/// The processes backend's hook: the workload's job in worker processes.
#[derive(Debug, Clone)]
pub struct ProcessHook {
    /// Builds the execution (see [`crate::processes::prepare`]).
    pub prepare: PrepareFn,
    /// Whether the workload's inputs are large enough to offer the `transport` parameter (pipe
    /// or shared memory).
    pub transport: bool,
}

/// The OpenCL programs parbench runs, one per workload (built and run by [`crate::opencl`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// `square`: y = x².
    Square,
    /// `pi`: Monte Carlo hits in the quarter circle.
    Pi,
    /// `histogram`: global atomics per value (`local: false`) or local-memory bins
    /// (`local: true`).
    Histogram {
        /// Bins counted in local memory and merged once per work-group.
        local: bool,
    },
    /// `mandelbrot`: escape iterations per pixel.
    Mandelbrot,
    /// `particles`: one step of the particle system.
    Particles,
    /// `matmul`: tiled matrix product.
    Matmul,
}

/// What an OpenCL variant needs of the device beyond OpenCL 1.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// OpenCL 1.2 is enough.
    Nothing,
    /// Double precision (`cl_khr_fp64`).
    Fp64,
}

/// One OpenCL kernel of a workload, and the variant it becomes.
#[derive(Debug, Clone)]
pub struct OpenClKernel {
    /// The variant's name ([`crate::opencl::VARIANT`] or [`crate::opencl::VARIANT_LOCAL`]).
    pub variant: &'static str,
    /// The program.
    pub kernel: Kernel,
    /// How its work-items synchronize.
    pub sync: SyncKind,
    /// One line for `parbench list`.
    pub description: &'static str,
    /// What it needs of the device.
    pub needs: Needs,
}

/// The OpenCL backend's hook: the workload's kernels.
#[derive(Debug, Clone)]
pub struct OpenClHook {
    /// The kernels, one variant each.
    pub kernels: Vec<OpenClKernel>,
    /// The default of `work-group-size`.
    pub default_work_group_size: i64,
    /// A description of `work-group-size` where the kernel reads it differently (a square
    /// tile); `None`: the common one.
    pub work_group_size_note: Option<&'static str>,
    /// Workload parameters the kernels do not read (their points are not multiplied by them).
    pub ignores: &'static [&'static str],
}

/// The workloads with an MPI job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobKind {
    /// Each rank counts the hits of its block of samples; one reduction to rank 0.
    Pi,
    /// Rank 0 scatters x, each rank squares its block, rank 0 gathers y.
    Square,
    /// Each rank owns a strip of rows and exchanges halo rows with its neighbours every step.
    Stencil,
}

/// An MPI rank told to misbehave (tests, through [`crate::mpi::FAULT_ENV`]; read by
/// `RankFault::from_env` in [`crate::mpi::job`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RankFault {
    /// Aborts in its first iteration.
    Crash(usize),
    /// Never finishes its first iteration.
    Hang(usize),
    /// Contributes a wrong partial result.
    Wrong(usize),
}

/// Everything an MPI rank needs to set up its part of a point (handed to every rank on its
/// command line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct JobSpec {
    /// What the ranks compute.
    pub kind: JobKind,
    /// The problem size.
    pub n: u64,
    /// The problem's seed.
    pub seed: u64,
    /// Stencil steps per iteration (0 elsewhere).
    #[serde(default)]
    pub steps: u32,
    /// A rank told to misbehave (tests).
    #[serde(default)]
    pub fault: Option<RankFault>,
}

/// The MPI backend's hook: what a workload's ranks compute for a problem.
#[derive(Debug, Clone)]
pub struct MpiHook {
    /// The job for a problem (sizes and parameters checked; see [`crate::mpi::job`]).
    pub job: fn(&Problem) -> Result<JobSpec, WorkloadError>,
    /// How the ranks communicate.
    pub sync: SyncKind,
    /// One line for `parbench list`.
    pub description: &'static str,
}

/// Every backend hook of a workload.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// Worker processes (`processes-spawn`, `processes-pool`).
    pub processes: Hook<ProcessHook>,
    /// An OpenCL device (`opencl`, `opencl-local`).
    pub opencl: Hook<OpenClHook>,
    /// MPI ranks (`mpi`).
    pub mpi: Hook<MpiHook>,
}

/// Whether a workload supports a backend, has none with a reason, or says nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// [`Hook::Absent`].
    Absent,
    /// [`Hook::NotApplicable`], with the reason.
    NotApplicable(&'static str),
    /// [`Hook::Supported`].
    Supported,
}

impl<T> From<&Hook<T>> for Support {
    fn from(h: &Hook<T>) -> Self {
        match h {
            Hook::Absent => Support::Absent,
            Hook::NotApplicable(r) => Support::NotApplicable(r),
            Hook::Supported(_) => Support::Supported,
        }
    }
}

/// One execution model outside the workload's own threads: what it adds to a workload that
/// hooks into it. Every implementation is listed in [`crate::backend::BACKENDS`].
pub trait Backend: Send + Sync {
    /// Short name (`processes`, `opencl`).
    fn name(&self) -> &'static str;
    /// Every variant name the backend can add (for not-applicable cells).
    fn variant_names(&self) -> &'static [&'static str];
    /// Whether `variant` is one of its variants.
    fn owns(&self, variant: &str) -> bool {
        self.variant_names().contains(&variant)
    }
    /// The workload's stance towards this backend.
    fn support(&self, hooks: &Hooks) -> Support;
    /// Parameters added to a workload that supports the backend.
    fn params(&self, hooks: &Hooks) -> Vec<ParamSpec>;
    /// Variants added to a workload that supports the backend.
    fn variants(&self, hooks: &Hooks) -> Vec<VariantInfo>;
    /// Not-applicable cells of a workload that supports the backend (a second variant it lacks).
    fn not_applicable(&self, _hooks: &Hooks) -> Vec<NotApplicable> {
        Vec::new()
    }
    /// Parameters read by this backend's variants only: the workload's own variants are not
    /// multiplied by them.
    fn exclusive_params(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether this backend's variant reads the workload's own parameter `param` (the other
    /// backends' parameters it never reads).
    fn reads(&self, _hooks: &Hooks, _param: &str) -> bool {
        true
    }
    /// Builds `variant` (one of [`owns`](Self::owns)) on `workers` workers.
    fn prepare(
        &self,
        hooks: &Hooks,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_follows_the_hook() {
        assert_eq!(Support::from(&Hook::<()>::Absent), Support::Absent);
        assert_eq!(
            Support::from(&Hook::<()>::NotApplicable("why")),
            Support::NotApplicable("why")
        );
        assert_eq!(Support::from(&Hook::Supported(())), Support::Supported);
        assert_eq!(Hook::Supported(7).supported(), Some(&7));
        assert_eq!(Hook::<i32>::NotApplicable("why").supported(), None);
    }

    #[test]
    fn a_job_spec_reads_back_and_rejects_unknown_keys() {
        let spec = JobSpec {
            kind: JobKind::Stencil,
            n: 9,
            seed: 3,
            steps: 2,
            fault: Some(RankFault::Hang(1)),
        };
        let json = serde_json::to_string(&spec).expect("serializes");
        assert_eq!(
            serde_json::from_str::<JobSpec>(&json).expect("parses"),
            spec
        );
        let err = serde_json::from_str::<JobSpec>(r#"{"kind":"pi","n":1,"seed":0,"extra":1}"#)
            .expect_err("an unknown key");
        assert!(err.to_string().contains("extra"), "{err}");
    }
}
