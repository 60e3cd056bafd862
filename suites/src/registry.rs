//! The set of workloads a run can name: the built-ins, plus any a user registers from their own
//! binary.
#![warn(missing_docs)]

use crate::backend::WithBackends;
use crate::workload::Workload;
use crate::workloads;
use std::sync::Arc;

/// Workloads by name: what a config's `workload` keys resolve against ([`crate::plan::resolve`]).
#[derive(Clone, Default)]
pub struct Registry {
    workloads: Vec<Arc<dyn Workload>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Registry {
    /// A registry with no workloads (register your own).
    pub fn empty() -> Self {
        Registry::default()
    }

    /// Every built-in workload.
    pub fn builtin() -> Self {
        let mut r = Registry::empty();
        r.register(workloads::square::Square);
        r.register(workloads::pi::Pi);
        r.register(workloads::counter::Counter);
        r.register(workloads::histogram::Histogram);
        r.register(workloads::particles::Particles);
        r.register(workloads::stencil::Stencil);
        r.register(workloads::mandelbrot::Mandelbrot);
        r.register(workloads::matmul::Matmul);
        r.register(workloads::fault::Fault);
        r.register(workloads::contention::Contention);
        r
    }

    /// Adds a workload, with the variants its backend hooks give it (see
    /// [`crate::backend`]); a later one with the same name replaces the earlier.
    pub fn register(&mut self, workload: impl Workload + 'static) -> &mut Self {
        let name = workload.info().name;
        self.workloads.retain(|w| w.info().name != name);
        self.workloads.push(Arc::new(WithBackends(workload)));
        self
    }

    /// The workload called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Workload>> {
        self.workloads
            .iter()
            .find(|w| w.info().name == name)
            .cloned()
    }

    /// Every workload's name, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.workloads.iter().map(|w| w.info().name).collect()
    }

    /// Every workload, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Workload>> {
        self.workloads.iter()
    }
}
