//! The backend adapter: how the execution models that run a workload's kernel outside its own
//! threads (worker processes, an OpenCL device, MPI ranks) join every workload that offers a
//! hook for them.
//!
//! A workload declares, per backend, a [`Hook`](crate::hooks::Hook) in [`Hooked::backends`]:
//! `Supported` with what the backend needs (a process job, an OpenCL kernel, an MPI job),
//! `NotApplicable` with the reason it has none, or `Absent`. One [`Backend`] per execution model
//! turns the hooks into the workload's extra variants, parameters, not-applicable cells, parameter
//! applicability and dispatch; [`WithBackends`] applies every backend in [`BACKENDS`] to a
//! workload (the [`Registry`] wraps every workload registered with hooks).
//!
//! This module owns the list ([`BACKENDS`]) and the wrapping ([`Hooked`],
//! [`WithBackends`]); it sits above the backends. The trait and the hook types they read sit
//! below them, in [`crate::hooks`], so that no backend imports this module. Adding a backend
//! means: a `Backend` implementation listed in [`BACKENDS`], a field in [`Hooks`] with its hook
//! type in `hooks`, and a hook in each workload that supports it (see `docs/backends.md`).
//!
//! [`Registry`]: crate::Registry
#![warn(missing_docs)]

use crate::hooks::{Backend, Hooks, Support};
use crate::workload::{
    Answer, Execution, NotApplicable, Problem, VariantInfo, Workload, WorkloadError, WorkloadInfo,
};
use parbench_schema::calibration::BoundModel;
use parbench_schema::results::Metric;
use std::collections::BTreeMap;

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

/// A workload with every backend's variants, parameters and dispatch added from its hooks.
#[derive(Debug, Default)]
pub struct WithBackends<W>(pub W);

// The backends' part of each method below is a function of the hooks only: written once here,
// not compiled again for every workload type `WithBackends` wraps.

/// The backends that support a workload with these hooks.
fn supporting(hooks: &Hooks) -> impl Iterator<Item = &'static dyn Backend> {
    BACKENDS
        .iter()
        .copied()
        .filter(move |b| b.support(hooks) == Support::Supported)
}

/// The backend whose variant `variant` is, among those supporting the hooks.
fn owner(hooks: &Hooks, variant: &str) -> Option<&'static dyn Backend> {
    supporting(hooks).find(|b| b.owns(variant))
}

fn backend_params(backend: &dyn Backend, hooks: &Hooks) -> Vec<&'static str> {
    backend.params(hooks).into_iter().map(|p| p.name).collect()
}

fn with_backend_params(mut info: WorkloadInfo, hooks: &Hooks) -> WorkloadInfo {
    for b in supporting(hooks) {
        info.params.extend(b.params(hooks));
    }
    info
}

fn with_backend_variants(mut v: Vec<VariantInfo>, hooks: &Hooks) -> Vec<VariantInfo> {
    for b in supporting(hooks) {
        v.extend(b.variants(hooks));
    }
    v
}

fn with_backends_not_applicable(mut v: Vec<NotApplicable>, hooks: &Hooks) -> Vec<NotApplicable> {
    for b in BACKENDS {
        match b.support(hooks) {
            Support::Absent => {}
            Support::NotApplicable(reason) => {
                v.extend(NotApplicable::all(b.variant_names(), reason))
            }
            Support::Supported => v.extend(b.not_applicable(hooks)),
        }
    }
    v
}

/// Whether the backends let `variant` read `param` (the workload has its own say too).
fn backends_allow(hooks: &Hooks, param: &str, variant: &str) -> bool {
    let supporting: Vec<_> = supporting(hooks).collect();
    match supporting.iter().find(|b| b.owns(variant)) {
        // A backend's variant reads none of the other backends' parameters.
        Some(b) => {
            b.reads(hooks, param)
                && !supporting
                    .iter()
                    .filter(|o| o.name() != b.name())
                    .any(|o| backend_params(*o, hooks).contains(&param))
        }
        // The workload's own variants read no parameter a backend keeps to itself.
        None => !supporting
            .iter()
            .any(|b| b.exclusive_params().contains(&param)),
    }
}

impl<W: Hooked> Workload for WithBackends<W> {
    fn info(&self) -> WorkloadInfo {
        with_backend_params(self.0.info(), &self.0.backends())
    }

    fn variants(&self) -> Vec<VariantInfo> {
        with_backend_variants(self.0.variants(), &self.0.backends())
    }

    fn not_applicable(&self) -> Vec<NotApplicable> {
        with_backends_not_applicable(self.0.not_applicable(), &self.0.backends())
    }

    fn param_applies(&self, param: &str, variant: &str) -> bool {
        backends_allow(&self.0.backends(), param, variant) && self.0.param_applies(param, variant)
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
        match owner(&hooks, variant) {
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
