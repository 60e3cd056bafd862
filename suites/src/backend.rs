//! The backend adapter: how an execution model that runs a workload's kernel outside its own
//! threads (worker processes, an OpenCL device, MPI ranks) joins every workload that offers a
//! hook for it.
//!
//! A workload declares, per backend, a [`Hook`] in [`Workload::backends`]: `Supported` with what
//! the backend needs (a process job, an OpenCL kernel, an MPI job), `NotApplicable` with the
//! reason it has none, or `Absent`. One [`Backend`] per execution model turns the hooks into the
//! workload's extra variants, parameters, not-applicable cells, parameter applicability and
//! dispatch; [`WithBackends`] applies every backend to a workload (the [`Registry`] wraps every
//! workload it holds). Adding a backend means: a `Backend` implementation listed in
//! [`BACKENDS`], a field in [`Hooks`], and a hook in each workload that supports it (see
//! `docs/backends.md`).
//!
//! [`Registry`]: crate::Registry
#![warn(missing_docs)]

use crate::workload::{
    Answer, Execution, NotApplicable, ParamSpec, Problem, VariantInfo, Workload, WorkloadError,
    WorkloadInfo,
};
use parbench_schema::calibration::BoundModel;
use parbench_schema::results::Metric;
use std::collections::BTreeMap;

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

/// One OpenCL kernel of a workload, and the variant it becomes.
#[derive(Debug, Clone)]
pub struct OpenClKernel {
    /// The variant's name ([`crate::opencl::VARIANT`] or [`crate::opencl::VARIANT_LOCAL`]).
    pub variant: &'static str,
    /// The program.
    pub kernel: crate::opencl::Kernel,
    /// How its work-items synchronize.
    pub sync: parbench_schema::results::SyncKind,
    /// One line for `parbench list`.
    pub description: &'static str,
    /// What it needs of the device.
    pub needs: crate::opencl::Needs,
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

/// Every backend hook of a workload.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// Worker processes (`processes-spawn`, `processes-pool`).
    pub processes: Hook<ProcessHook>,
    /// An OpenCL device (`opencl`, `opencl-local`).
    pub opencl: Hook<OpenClHook>,
    /// MPI ranks (`mpi`).
    pub mpi: Hook<crate::mpi::MpiHook>,
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
/// hooks into it.
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

/// Every backend, in the order its variants and parameters are added (the CPU's execution
/// models first, then devices).
pub static BACKENDS: &[&dyn Backend] = &[
    &crate::processes::ProcessesBackend,
    &crate::mpi::MpiBackend,
    &crate::opencl::OpenClBackend,
];

/// A workload's hooks into the backends (worker processes, an OpenCL device, MPI ranks): each
/// backend that finds a hook adds its variants, parameters and dispatch. A trait of its own,
/// beside [`Workload`] rather than in it, so that the workload module does not name the
/// backends' hook types (which name the workload's types back).
pub trait Hooked: Workload {
    /// The hooks. The default: none, only the workload's own variants.
    fn backends(&self) -> Hooks {
        Hooks::default()
    }
}

/// A workload without hooks (its backends' cells read "not implemented").
#[derive(Debug, Default)]
pub struct Unhooked<W>(pub W);

impl<W: Workload> Hooked for Unhooked<W> {}

impl<W: Workload> Workload for Unhooked<W> {
    fn info(&self) -> WorkloadInfo {
        self.0.info()
    }
    fn variants(&self) -> Vec<VariantInfo> {
        self.0.variants()
    }
    fn not_applicable(&self) -> Vec<NotApplicable> {
        self.0.not_applicable()
    }
    fn param_applies(&self, param: &str, variant: &str) -> bool {
        self.0.param_applies(param, variant)
    }
    fn check_problem(&self, problem: &Problem) -> Result<(), WorkloadError> {
        self.0.check_problem(problem)
    }
    fn memory_bytes(&self, problem: &Problem) -> Option<u64> {
        self.0.memory_bytes(problem)
    }
    fn work(&self, problem: &Problem) -> f64 {
        self.0.work(problem)
    }
    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        self.0.reference(problem)
    }
    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        self.0.prepare(problem, variant, workers)
    }
    fn metrics(&self, problem: &Problem, answer: &Answer<'_>) -> BTreeMap<String, Metric> {
        self.0.metrics(problem, answer)
    }
    fn bound(&self, problem: &Problem) -> Option<BoundModel> {
        self.0.bound(problem)
    }
    fn quick_size(&self, n: u64) -> u64 {
        self.0.quick_size(n)
    }
}

/// A workload with every backend's variants, parameters and dispatch added from its hooks.
#[derive(Debug, Default)]
pub struct WithBackends<W>(pub W);

impl<W: Hooked> WithBackends<W> {
    fn supporting(&self, hooks: &Hooks) -> impl Iterator<Item = &'static dyn Backend> {
        let support: Vec<_> = BACKENDS
            .iter()
            .copied()
            .filter(|b| b.support(hooks) == Support::Supported)
            .collect();
        support.into_iter()
    }

    fn backend_params(&self, backend: &dyn Backend, hooks: &Hooks) -> Vec<&'static str> {
        backend.params(hooks).into_iter().map(|p| p.name).collect()
    }
}

impl<W: Hooked> Workload for WithBackends<W> {
    fn info(&self) -> WorkloadInfo {
        let mut info = self.0.info();
        let hooks = self.0.backends();
        for b in self.supporting(&hooks) {
            info.params.extend(b.params(&hooks));
        }
        info
    }

    fn variants(&self) -> Vec<VariantInfo> {
        let mut v = self.0.variants();
        let hooks = self.0.backends();
        for b in self.supporting(&hooks) {
            v.extend(b.variants(&hooks));
        }
        v
    }

    fn not_applicable(&self) -> Vec<NotApplicable> {
        let mut v = self.0.not_applicable();
        let hooks = self.0.backends();
        for b in BACKENDS {
            match b.support(&hooks) {
                Support::Absent => {}
                Support::NotApplicable(reason) => {
                    v.extend(NotApplicable::all(b.variant_names(), reason))
                }
                Support::Supported => v.extend(b.not_applicable(&hooks)),
            }
        }
        v
    }

    fn param_applies(&self, param: &str, variant: &str) -> bool {
        let hooks = self.0.backends();
        let supporting: Vec<_> = self.supporting(&hooks).collect();
        let own = match supporting.iter().find(|b| b.owns(variant)) {
            // A backend's variant reads none of the other backends' parameters.
            Some(b) => {
                b.reads(&hooks, param)
                    && !supporting
                        .iter()
                        .filter(|o| o.name() != b.name())
                        .any(|o| self.backend_params(*o, &hooks).contains(&param))
            }
            // The workload's own variants read no parameter a backend keeps to itself.
            None => !supporting
                .iter()
                .any(|b| b.exclusive_params().contains(&param)),
        };
        own && self.0.param_applies(param, variant)
    }

    fn check_problem(&self, problem: &Problem) -> Result<(), WorkloadError> {
        self.0.check_problem(problem)
    }

    fn memory_bytes(&self, problem: &Problem) -> Option<u64> {
        self.0.memory_bytes(problem)
    }

    fn work(&self, problem: &Problem) -> f64 {
        self.0.work(problem)
    }

    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        self.0.reference(problem)
    }

    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        let hooks = self.0.backends();
        match self.supporting(&hooks).find(|b| b.owns(variant)) {
            Some(b) => b.prepare(&hooks, problem, variant, workers),
            None => self.0.prepare(problem, variant, workers),
        }
    }

    fn metrics(&self, problem: &Problem, answer: &Answer<'_>) -> BTreeMap<String, Metric> {
        self.0.metrics(problem, answer)
    }

    fn bound(&self, problem: &Problem) -> Option<BoundModel> {
        self.0.bound(problem)
    }

    fn quick_size(&self, n: u64) -> u64 {
        self.0.quick_size(n)
    }
}

/// A reference to a workload is a workload (so that [`WithBackends`] can wrap a borrowed one).
impl<T: Workload + ?Sized> Workload for &T {
    fn info(&self) -> WorkloadInfo {
        (**self).info()
    }
    fn variants(&self) -> Vec<VariantInfo> {
        (**self).variants()
    }
    fn not_applicable(&self) -> Vec<NotApplicable> {
        (**self).not_applicable()
    }
    fn param_applies(&self, param: &str, variant: &str) -> bool {
        (**self).param_applies(param, variant)
    }
    fn check_problem(&self, problem: &Problem) -> Result<(), WorkloadError> {
        (**self).check_problem(problem)
    }
    fn memory_bytes(&self, problem: &Problem) -> Option<u64> {
        (**self).memory_bytes(problem)
    }
    fn work(&self, problem: &Problem) -> f64 {
        (**self).work(problem)
    }
    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        (**self).reference(problem)
    }
    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        (**self).prepare(problem, variant, workers)
    }
    fn metrics(&self, problem: &Problem, answer: &Answer<'_>) -> BTreeMap<String, Metric> {
        (**self).metrics(problem, answer)
    }
    fn bound(&self, problem: &Problem) -> Option<BoundModel> {
        (**self).bound(problem)
    }
    fn quick_size(&self, n: u64) -> u64 {
        (**self).quick_size(n)
    }
}

/// A reference to a hooked workload is one.
impl<T: Hooked + ?Sized> Hooked for &T {
    fn backends(&self) -> Hooks {
        (**self).backends()
    }
}
