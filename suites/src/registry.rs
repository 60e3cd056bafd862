//! The set of workloads a run can name: the built-ins, plus any a user registers from their own
//! binary.
#![warn(missing_docs)]

use crate::backend::{Hooked, WithBackends};
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
        r.register_hooked(workloads::square::Square);
        r.register_hooked(workloads::pi::Pi);
        r.register_hooked(workloads::counter::Counter);
        r.register_hooked(workloads::histogram::Histogram);
        r.register_hooked(workloads::particles::Particles);
        r.register_hooked(workloads::stencil::Stencil);
        r.register_hooked(workloads::mandelbrot::Mandelbrot);
        r.register_hooked(workloads::matmul::Matmul);
        r.register_hooked(workloads::fault::Fault);
        r.register_hooked(workloads::contention::Contention);
        r
    }

    /// Adds a workload with its own variants only (its cells of the backends read "not
    /// implemented"); a later one with the same name replaces the earlier. A workload with
    /// backend hooks uses [`register_hooked`](Self::register_hooked).
    pub fn register(&mut self, workload: impl Workload + 'static) -> &mut Self {
        // Without hooks every backend is absent, and `WithBackends` would add nothing.
        self.insert(Arc::new(workload))
    }

    /// Adds a workload with the variants its backend hooks give it (see [`crate::backend`]);
    /// a later one with the same name replaces the earlier.
    pub fn register_hooked(&mut self, workload: impl Hooked + 'static) -> &mut Self {
        self.insert(Arc::new(WithBackends(workload)))
    }

    /// Adds `workload`, replacing one of the same name.
    fn insert(&mut self, workload: Arc<dyn Workload>) -> &mut Self {
        let name = workload.info().name;
        self.workloads.retain(|w| w.info().name != name);
        self.workloads.push(workload);
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
