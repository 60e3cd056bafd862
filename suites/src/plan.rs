//! Resolves a parsed config against the registry into a [`Plan`]: workloads, sizes, variants and
//! parameters checked by name (errors point at the config line), sweeps expanded, `--quick` and
//! CLI filters applied. A command suite's workload is built here from its config
//! ([`CommandWorkload`](crate::workloads::command::CommandWorkload)).
#![warn(missing_docs)]

use crate::registry::Registry;
use crate::workload::{Problem, VariantInfo, Workload, WorkloadError, WorkloadInfo};
use parbench_analysis::units::format_bytes;
use parbench_harness::config::{
    Config, ConfigError, ConfigSource, MeasureSettings, SizeSpec, SuiteConfig,
};
use parbench_schema::params::ParamValue;
pub use parbench_schema::results::Shard;
use parbench_schema::variant::VariantId;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Suite and variant names given on the command line (empty: everything).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// `--suite` names: run only these suites.
    pub suites: Vec<String>,
    /// `--variant` names: run only these variants.
    pub variants: Vec<VariantId>,
}

/// The most points one plan may measure (and the most problems a suite's sizes and parameter
/// sweeps may expand to). Even at the smallest budgets a plan this large runs for hours; a config
/// above it is refused before anything is expanded (exit 2, with the count).
pub const MAX_POINTS: usize = 10_000;

/// Why a config cannot be run against a registry.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A name, size, variant or parameter the registry does not know, with its position.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A `--suite` or `--variant` filter that selects nothing.
    #[error("{0}")]
    Filter(String),
    /// The plan measures more than [`MAX_POINTS`] points.
    #[error(
        "{path}: the plan has {count} points, more than the limit of {MAX_POINTS}; split it into several configs, or sweep fewer sizes, workers or parameter values"
    )]
    TooManyPoints {
        /// The config file.
        path: String,
        /// Points the plan would measure.
        count: usize,
    },
}

/// One problem of a suite: the size and parameter values, and which of them the config set.
#[derive(Debug, Clone)]
pub struct PlannedProblem {
    /// The size and every parameter, defaults filled in.
    pub problem: Problem,
    /// Parameters written in the config (these identify the point); defaults are not listed.
    pub configured: BTreeMap<String, ParamValue>,
}

/// One suite, resolved: its workload, problems, variants, worker counts and settings.
#[derive(Clone)]
pub struct SuitePlan {
    /// The suite's name (unique in the config).
    pub name: String,
    /// The workload it runs.
    pub workload: Arc<dyn Workload>,
    /// `workload.info()`, kept.
    pub info: WorkloadInfo,
    /// Every size × parameter combination.
    pub problems: Vec<PlannedProblem>,
    /// Serial first (the baseline), then the configured order.
    pub variants: Vec<VariantInfo>,
    /// Worker counts, ascending (so the one-worker point comes first).
    pub workers: Vec<u32>,
    /// Measurement settings (shrunk under `--quick`).
    pub measure: MeasureSettings,
    /// `repeats[i][v]`: problem `i` repeats an earlier problem for variant `v` (same size, same
    /// parameters that variant reads); computed once, so [`SuitePlan::runs`] is constant-time.
    repeats: Vec<Vec<bool>>,
    /// `outside_shard[i]`: problem `i` belongs to another shard of a `--shard K/N` run (empty
    /// for a whole run; see [`Plan::select_shard`]).
    outside_shard: Vec<bool>,
}

impl std::fmt::Debug for SuitePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuitePlan")
            .field("name", &self.name)
            .field("workload", &self.info.name)
            .field("problems", &self.problems.len())
            .field(
                "variants",
                &self.variants.iter().map(|v| v.name).collect::<Vec<_>>(),
            )
            .field("workers", &self.workers)
            .finish()
    }
}

impl SuitePlan {
    /// Worker counts a variant runs at.
    pub fn workers_for(&self, variant: &VariantInfo) -> Vec<u32> {
        if variant.uses_workers {
            self.workers.clone()
        } else {
            vec![1]
        }
    }

    /// The configured parameters of `planned` that `variant` reads: they identify its points
    /// (see [`Workload::param_applies`]).
    pub fn params_for(
        &self,
        planned: &PlannedProblem,
        variant: &VariantInfo,
    ) -> BTreeMap<String, ParamValue> {
        planned
            .configured
            .iter()
            .filter(|(k, _)| self.workload.param_applies(k, variant.name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Whether `variant` runs problem `index`: not when an earlier problem of the suite differs
    /// from it only in parameters the variant does not read (it was measured there already).
    pub fn runs(&self, index: usize, variant: &VariantInfo) -> bool {
        if self.outside_shard.get(index).copied().unwrap_or(false) {
            return false;
        }
        if let Some(v) = self.variants.iter().position(|v| v.name == variant.name)
            && let Some(repeats) = self.repeats.get(index)
        {
            return !repeats[v];
        }
        let planned = &self.problems[index];
        let mine = self.params_for(planned, variant);
        !self.problems[..index].iter().any(|q| {
            q.problem.size_label == planned.problem.size_label
                && q.problem.n == planned.problem.n
                && self.params_for(q, variant) == mine
        })
    }

    /// Fills `repeats` (see [`SuitePlan::runs`]) in one pass over the problems.
    fn index_repeats(&mut self) {
        let mut seen: Vec<std::collections::HashSet<(String, u64, String)>> =
            vec![Default::default(); self.variants.len()];
        let mut repeats = Vec::with_capacity(self.problems.len());
        for planned in &self.problems {
            let row = self
                .variants
                .iter()
                .zip(&mut seen)
                .map(|(variant, seen)| {
                    let key = (
                        planned.problem.size_label.clone(),
                        planned.problem.n,
                        format!("{:?}", self.params_for(planned, variant)),
                    );
                    !seen.insert(key)
                })
                .collect();
            repeats.push(row);
        }
        self.repeats = repeats;
    }

    /// How many points the suite measures.
    pub fn point_count(&self) -> usize {
        (0..self.problems.len())
            .map(|i| {
                self.variants
                    .iter()
                    .filter(|v| self.runs(i, v))
                    .map(|v| self.workers_for(v).len())
                    .sum::<usize>()
            })
            .sum()
    }
}

/// What a run measures: every selected suite, resolved.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The selected suites, in config order.
    pub suites: Vec<SuitePlan>,
    /// The config's seed (inputs and bootstrap).
    pub seed: u64,
    /// Whether `--quick` shrank sizes and budgets.
    pub quick: bool,
    /// The part of the points this run measures (`--shard K/N`), if not all.
    pub shard: Option<Shard>,
}

impl Plan {
    /// How many points the run measures.
    pub fn point_count(&self) -> usize {
        self.suites.iter().map(SuitePlan::point_count).sum()
    }

    /// Keeps only the points of `shard` (`run --shard K/N`).
    ///
    /// The unit of sharding is a problem (one suite's size and parameter set, with all its
    /// variants and worker counts), dealt round-robin in plan order: the problems that measure
    /// at least one point are numbered 0, 1, 2, … over the suites in config order, and problem
    /// `g` goes to shard `g mod N + 1`. A problem's points stay together, so every shard
    /// measures the serial baseline of its own points (their speedups stay right) and each
    /// reference answer is computed once. The numbering depends only on the config, the
    /// `--suite`/`--variant` filters and `--quick`, never on the machine, so N jobs on N
    /// machines cover each point of the config exactly once. A point that an earlier problem
    /// already measures (a parameter its variant does not read) is measured with that problem.
    pub fn select_shard(&mut self, shard: Shard) {
        let mut g = 0u64;
        for suite in &mut self.suites {
            // Dealt from the whole plan, also when a shard was selected before.
            suite.outside_shard.clear();
            let mut outside = vec![false; suite.problems.len()];
            for (i, out) in outside.iter_mut().enumerate() {
                let has_points = suite.variants.iter().any(|v| suite.runs(i, v));
                if !has_points {
                    continue;
                }
                *out = g % u64::from(shard.count) != u64::from(shard.index - 1);
                g += 1;
            }
            suite.outside_shard = outside;
        }
        self.shard = Some(shard);
    }

    /// How many problems (the unit [`Plan::select_shard`] deals out) have points to measure.
    pub fn problem_count(&self) -> usize {
        self.suites
            .iter()
            .map(|s| {
                (0..s.problems.len())
                    .filter(|&i| s.variants.iter().any(|v| s.runs(i, v)))
                    .count()
            })
            .sum()
    }
}

fn one_of(options: impl IntoIterator<Item = String>) -> String {
    options
        .into_iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a problem cannot run at all; the text says what was expected.
#[derive(Debug, thiserror::Error)]
enum ProblemError {
    /// The workload's own check refused it.
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    /// It needs more memory than this machine can hold.
    #[error(
        "size `{size}` (n = {n}) of workload `{workload}` needs at least {} of memory, more than {limit_source} ({}); choose a smaller size",
        format_bytes(*need),
        format_bytes(*limit)
    )]
    Memory {
        /// The size as configured.
        size: String,
        /// The problem size.
        n: u64,
        /// The workload's name.
        workload: &'static str,
        /// The bytes it needs.
        need: u64,
        /// The bytes available.
        limit: u64,
        /// What sets the limit (`this machine's memory`).
        limit_source: &'static str,
    },
}

/// Whether a problem can run at all: the workload's own check, then its memory against what
/// this machine can hold.
fn check_problem(
    workload: &dyn Workload,
    problem: &Problem,
    memory: Option<parbench_harness::memory::MemoryLimit>,
) -> Result<(), ProblemError> {
    workload.check_problem(problem)?;
    if let (Some(need), Some(limit)) = (workload.memory_bytes(problem), memory)
        && need > limit.bytes
    {
        return Err(ProblemError::Memory {
            size: problem.size_label.clone(),
            n: problem.n,
            workload: workload.info().name,
            need,
            limit: limit.bytes,
            limit_source: limit.source,
        });
    }
    Ok(())
}

/// Checks every name in `config` against `registry` and expands the matrix.
pub fn resolve(
    config: &Config,
    registry: &Registry,
    filters: &Filters,
    quick: bool,
) -> Result<Plan, PlanError> {
    let src = &config.source;
    check_suite_filters(config, filters)?;
    let memory = parbench_harness::memory::memory_limit();
    let mut suites = Vec::new();
    let mut variant_filter_used = vec![false; filters.variants.len()];
    for suite in &config.suites {
        if !filters.suites.is_empty() && !filters.suites.contains(suite.name.get_ref()) {
            continue;
        }
        let context = SuiteContext {
            config,
            suite,
            quick,
            memory,
        };
        if let Some(plan) = context.resolve(registry, filters, &mut variant_filter_used)? {
            suites.push(plan);
        }
    }
    if let Some(i) = variant_filter_used.iter().position(|used| !used) {
        return Err(PlanError::Filter(format!(
            "--variant {}: no selected suite has that variant",
            filters.variants[i]
        )));
    }
    if suites.is_empty() {
        return Err(PlanError::Filter(
            "the filters select no suite to run".into(),
        ));
    }
    let count: usize = suites.iter().map(SuitePlan::point_count).sum();
    if count > MAX_POINTS {
        return Err(PlanError::TooManyPoints {
            path: src.path.clone(),
            count,
        });
    }
    Ok(Plan {
        suites,
        seed: config.defaults.seed,
        quick,
        shard: None,
    })
}

/// Refuses a `--suite` filter that names no suite of the config.
fn check_suite_filters(config: &Config, filters: &Filters) -> Result<(), PlanError> {
    for f in &filters.suites {
        if !config.suites.iter().any(|s| s.name.get_ref() == f) {
            return Err(PlanError::Filter(format!(
                "--suite {f}: no suite of that name in {}; expected one of {}",
                config.source.path,
                one_of(config.suites.iter().map(|s| s.name.get_ref().clone()))
            )));
        }
    }
    Ok(())
}

/// A size of a suite: its label and `n`, with where it was written (the suite's workload for
/// default sizes).
struct PlannedSize {
    label: String,
    n: u64,
    span: std::ops::Range<usize>,
}

/// What resolving one `[[suite]]` table reads: the config it sits in and the run's options.
struct SuiteContext<'a> {
    config: &'a Config,
    suite: &'a SuiteConfig,
    quick: bool,
    memory: Option<parbench_harness::memory::MemoryLimit>,
}

impl SuiteContext<'_> {
    fn src(&self) -> &ConfigSource {
        &self.config.source
    }

    fn is_command(&self) -> bool {
        self.suite.command.is_some()
    }

    /// The suite's plan; `None` where the `--variant` filters leave it no variant (each filter
    /// that matches a variant here is marked in `variant_filter_used`).
    fn resolve(
        &self,
        registry: &Registry,
        filters: &Filters,
        variant_filter_used: &mut [bool],
    ) -> Result<Option<SuitePlan>, PlanError> {
        let suite = self.suite;
        let workload = self.workload(registry)?;
        let info = workload.info();
        let mut sizes = self.sizes(&info)?;
        if self.quick {
            for size in &mut sizes {
                size.n = workload.quick_size(size.n);
                size.label.push_str("-quick");
            }
        }
        let mut variants = self.variants(&*workload, &info)?;
        retain_filtered_variants(&mut variants, &filters.variants, variant_filter_used);
        if variants.is_empty() {
            return Ok(None);
        }
        variants.sort_by_key(|v| v.model != parbench_schema::results::ExecutionModel::Serial);
        self.check_param_names(&info)?;
        self.check_problem_count(&info, sizes.len())?;
        let combos = self.param_combos(&info)?;
        let problems = self.problems(&*workload, &info, &sizes, &combos)?;
        let mut plan = SuitePlan {
            name: suite.name.get_ref().clone(),
            workload,
            info,
            problems,
            variants,
            workers: suite.workers.clone(),
            measure: if self.quick {
                suite.measure.quick()
            } else {
                suite.measure.clone()
            },
            repeats: Vec::new(),
            outside_shard: Vec::new(),
        };
        plan.index_repeats();
        Ok(Some(plan))
    }

    /// A command suite's workload is made from its config; others come from the registry.
    fn workload(&self, registry: &Registry) -> Result<Arc<dyn Workload>, PlanError> {
        let suite = self.suite;
        Ok(match &suite.command {
            Some(command) => Arc::new(crate::workloads::command::CommandWorkload::new(
                suite.name.get_ref().clone(),
                command.clone(),
                suite.measure.timeout.0,
            )),
            None => registry.get(suite.workload.get_ref()).ok_or_else(|| {
                self.src().error_at(
                    suite.workload.span(),
                    Some("workload"),
                    format!(
                        "unknown workload `{}`; expected one of {} (or run an external program with `command = [...]`)",
                        suite.workload.get_ref(),
                        one_of(registry.names().into_iter().map(String::from))
                    ),
                )
            })?,
        })
    }

    /// The sizes the suite lists (or the workload's defaults), each checked by name.
    fn sizes(&self, info: &WorkloadInfo) -> Result<Vec<PlannedSize>, PlanError> {
        let suite = self.suite;
        let mut sizes: Vec<PlannedSize> = Vec::new();
        match &suite.sizes {
            // A command suite without sizes runs one problem (its command uses no {size}).
            None if self.is_command() => {
                sizes.push(PlannedSize {
                    label: "default".to_string(),
                    n: 0,
                    span: suite.span.clone(),
                });
            }
            None => {
                for label in &info.default_sizes {
                    let s = info.size(label).expect("default sizes are declared");
                    sizes.push(PlannedSize {
                        label: s.label.to_string(),
                        n: s.n,
                        span: suite.workload.span(),
                    });
                }
            }
            Some(list) => {
                for spec in list {
                    let (label, n) = self.size(info, spec)?;
                    // Points are matched by size label: two sizes under one label would be
                    // two different problems with the same identity.
                    if let Some(first) = sizes.iter().find(|s| s.label == label) {
                        return Err(self
                            .src()
                            .error_at(
                                spec.span(),
                                Some("sizes"),
                                format!(
                                    "size `{label}` appears twice in this suite (n = {} and n = {n}); points are identified by the size's label, so give each size its own",
                                    first.n
                                ),
                            )
                            .into());
                    }
                    sizes.push(PlannedSize {
                        label,
                        n,
                        span: spec.span(),
                    });
                }
            }
        }
        Ok(sizes)
    }

    /// One size written in the config: its label and `n`.
    fn size(
        &self,
        info: &WorkloadInfo,
        spec: &toml::Spanned<SizeSpec>,
    ) -> Result<(String, u64), PlanError> {
        Ok(match spec.get_ref() {
            SizeSpec::Named(label) => {
                let s = info.size(label).ok_or_else(|| {
                    self.src().error_at(
                        spec.span(),
                        Some("sizes"),
                        format!(
                            "workload `{}` has no size `{label}`; expected one of {} or a positive number of {}",
                            info.name,
                            one_of(info.sizes.iter().map(|s| s.label.to_string())),
                            info.size_meaning
                        ),
                    )
                })?;
                (s.label.to_string(), s.n)
            }
            SizeSpec::Value(0) | SizeSpec::Labeled { n: 0, .. } => {
                return Err(self
                    .src()
                    .error_at(
                        spec.span(),
                        Some("sizes"),
                        "a size must be a positive number",
                    )
                    .into());
            }
            SizeSpec::Value(n) => (n.to_string(), *n),
            SizeSpec::Labeled { label, n } => (label.clone(), *n),
        })
    }

    /// The variants the suite lists (or every available one), each checked by name.
    fn variants(
        &self,
        workload: &dyn Workload,
        info: &WorkloadInfo,
    ) -> Result<Vec<VariantInfo>, PlanError> {
        let all_variants = workload.variants();
        let Some(names) = &self.suite.variants else {
            return Ok(all_variants
                .iter()
                .filter(|v| v.is_available())
                .cloned()
                .collect());
        };
        let mut out: Vec<VariantInfo> = Vec::new();
        for name in names {
            let v = all_variants
                .iter()
                .find(|v| v.name == name.get_ref())
                .ok_or_else(|| {
                    let why = workload
                        .not_applicable()
                        .into_iter()
                        .find(|n| n.variant == name.get_ref())
                        .map(|n| format!(" ({})", n.reason))
                        .unwrap_or_default();
                    self.src().error_at(
                        name.span(),
                        Some("variants"),
                        format!(
                            "workload `{}` has no variant `{}`{why}; expected one of {}",
                            info.name,
                            name.get_ref(),
                            one_of(all_variants.iter().map(|v| v.name.to_string()))
                        ),
                    )
                })?;
            if !out.iter().any(|o| o.name == v.name) {
                out.push(v.clone());
            }
        }
        Ok(out)
    }

    /// Refuses a parameter the workload does not take. A command suite takes any parameter
    /// (each is a placeholder; the config checked their use).
    fn check_param_names(&self, info: &WorkloadInfo) -> Result<(), PlanError> {
        for (key, value) in &self.suite.params {
            if !self.is_command() && !info.params.iter().any(|p| p.name == key) {
                return Err(self
                    .src()
                    .error_at(
                        value.span(),
                        Some(&format!("params.{key}")),
                        if info.params.is_empty() {
                            format!("workload `{}` takes no parameters", info.name)
                        } else {
                            format!(
                                "workload `{}` has no parameter `{key}`; expected one of {}",
                                info.name,
                                one_of(info.params.iter().map(|p| p.name.to_string()))
                            )
                        },
                    )
                    .into());
            }
        }
        Ok(())
    }

    /// Refuses a suite whose sizes × parameter values exceed [`MAX_POINTS`], counted before
    /// expanding anything (a sweep of a few hundred values in each of three parameters would
    /// otherwise fill memory).
    fn check_problem_count(&self, info: &WorkloadInfo, sizes: usize) -> Result<(), PlanError> {
        let suite = self.suite;
        let is_command = self.is_command();
        let problem_count = suite
            .params
            .iter()
            .filter(|(k, _)| is_command || info.params.iter().any(|p| p.name == k.as_str()))
            .fold(sizes, |acc, (_, v)| {
                acc.saturating_mul(v.get_ref().values().len())
            });
        if problem_count > MAX_POINTS {
            let span = suite
                .params
                .values()
                .map(|v| v.span())
                .next()
                .unwrap_or_else(|| suite.span.clone());
            return Err(self
                .src()
                .error_at(
                    span,
                    Some("params"),
                    format!(
                        "sizes × parameter values expand to {problem_count} problems, more than the limit of {MAX_POINTS} points per plan; sweep fewer values"
                    ),
                )
                .into());
        }
        Ok(())
    }

    /// The configured parameter values, each checked, expanded into their cartesian product.
    fn param_combos(
        &self,
        info: &WorkloadInfo,
    ) -> Result<Vec<BTreeMap<String, ParamValue>>, PlanError> {
        let suite = self.suite;
        let mut combos: Vec<BTreeMap<String, ParamValue>> = vec![BTreeMap::new()];
        let free_params = suite
            .params
            .iter()
            .filter(|_| self.is_command())
            .map(|(k, v)| (k.clone(), v.get_ref().values()));
        for (name, values) in free_params {
            combos = cartesian(combos, &name, &values);
        }
        for spec in &info.params {
            let Some(setting) = suite.params.get(spec.name) else {
                continue;
            };
            let mut checked = Vec::new();
            for v in setting.get_ref().values() {
                checked.push(spec.check(&v).map_err(|m| {
                    self.src()
                        .error_at(setting.span(), Some(&format!("params.{}", spec.name)), m)
                })?);
            }
            combos = cartesian(combos, spec.name, &checked);
        }
        Ok(combos)
    }

    /// Every size with every parameter combination, defaults filled in, each checked against
    /// the workload and this machine's memory.
    fn problems(
        &self,
        workload: &dyn Workload,
        info: &WorkloadInfo,
        sizes: &[PlannedSize],
        combos: &[BTreeMap<String, ParamValue>],
    ) -> Result<Vec<PlannedProblem>, PlanError> {
        let mut problems = Vec::new();
        for size in sizes {
            for configured in combos {
                let mut problem =
                    Problem::new(size.label.clone(), size.n, self.config.defaults.seed);
                if self.is_command() {
                    problem.params = configured.clone();
                }
                for spec in &info.params {
                    let v = configured
                        .get(spec.name)
                        .cloned()
                        .unwrap_or_else(|| spec.default.clone());
                    problem.params.insert(spec.name.to_string(), v);
                }
                check_problem(workload, &problem, self.memory)
                    .map_err(|m| self.src().error_at(size.span.clone(), Some("sizes"), m))?;
                problems.push(PlannedProblem {
                    problem,
                    configured: configured.clone(),
                });
            }
        }
        Ok(problems)
    }
}

/// Keeps the variants a `--variant` filter names (all where there is none), marking each filter
/// that matched one.
fn retain_filtered_variants(
    variants: &mut Vec<VariantInfo>,
    filters: &[VariantId],
    filter_used: &mut [bool],
) {
    if filters.is_empty() {
        return;
    }
    variants.retain(|v| {
        let pos = filters.iter().position(|f| f == v.name);
        if let Some(i) = pos {
            filter_used[i] = true;
        }
        pos.is_some()
    });
}

/// Each combination in `combos` once per value of parameter `name`.
fn cartesian(
    combos: Vec<BTreeMap<String, ParamValue>>,
    name: &str,
    values: &[ParamValue],
) -> Vec<BTreeMap<String, ParamValue>> {
    combos
        .into_iter()
        .flat_map(|c| {
            values.iter().map(move |v| {
                let mut c = c.clone();
                c.insert(name.to_string(), v.clone());
                c
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parbench_harness::config::ConfigSource;

    fn config(text: &str) -> Config {
        Config::parse(ConfigSource::new("t.toml", text), 2).unwrap()
    }

    fn plan(text: &str) -> Result<Plan, PlanError> {
        resolve(
            &config(text),
            &Registry::builtin(),
            &Filters::default(),
            false,
        )
    }

    /// Every point a plan measures: (suite, size, variant, workers, parameters it reads).
    fn point_ids(p: &Plan) -> Vec<String> {
        let mut ids = Vec::new();
        for s in &p.suites {
            for (i, planned) in s.problems.iter().enumerate() {
                for v in &s.variants {
                    if !s.runs(i, v) {
                        continue;
                    }
                    for w in s.workers_for(v) {
                        ids.push(format!(
                            "{}/{}/{}/w{w}/{:?}",
                            s.name,
                            planned.problem.size_label,
                            v.name,
                            s.params_for(planned, v)
                        ));
                    }
                }
            }
        }
        ids
    }

    #[test]
    fn shards_cover_every_point_exactly_once() {
        let text = "[[suite]]\nworkload = \"pi\"\nsizes = [\"XS\", \"S\", 5000]\nworkers = [1, 2]\n\n[[suite]]\nname = \"c\"\nworkload = \"contention\"\nsizes = [\"XS\"]\nworkers = [1, 2]\n[suite.params]\nwork-inside = [1, 2, 3]\n\n[[suite]]\nworkload = \"square\"\nsizes = [\"XS\"]\n";
        let whole = plan(text).unwrap();
        let mut all = point_ids(&whole);
        assert_eq!(all.len(), whole.point_count());
        all.sort();
        for count in 1..=7u32 {
            let mut union = Vec::new();
            for index in 1..=count {
                let mut p = plan(text).unwrap();
                p.select_shard(Shard { index, count });
                let ids = point_ids(&p);
                assert_eq!(ids.len(), p.point_count());
                if count <= whole.problem_count() as u32 {
                    assert!(!ids.is_empty(), "shard {index}/{count} is empty");
                }
                union.extend(ids);
            }
            union.sort();
            assert_eq!(union, all, "{count} shards: every point exactly once");
        }
        // Dealt by problem: a problem's points (serial baseline included) stay together.
        let mut p = plan(text).unwrap();
        p.select_shard(Shard { index: 1, count: 3 });
        p.select_shard(Shard { index: 2, count: 3 });
        let mut again = plan(text).unwrap();
        again.select_shard(Shard { index: 2, count: 3 });
        assert_eq!(
            point_ids(&p),
            point_ids(&again),
            "selecting again starts afresh"
        );
        for s in &p.suites {
            for i in 0..s.problems.len() {
                let running: Vec<bool> = s.variants.iter().map(|v| s.runs(i, v)).collect();
                if running.iter().any(|&r| r) {
                    assert!(s.runs(i, &s.variants[0]), "the serial baseline runs too");
                }
            }
        }
    }

    #[test]
    fn shard_values_parse() {
        assert_eq!(
            "2/5".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 5 }
        );
        assert_eq!(Shard { index: 2, count: 5 }.to_string(), "2/5");
        for bad in ["0/2", "3/2", "1/0", "1", "a/b", "1/2/3", ""] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.to_string().contains("K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn expands_sizes_variants_and_workers() {
        let p = plan("[[suite]]\nworkload = \"pi\"\nsizes = [\"S\", 5000]\nvariants = [\"rayon\", \"serial\"]\nworkers = [1, 2, 4]\n").unwrap();
        let s = &p.suites[0];
        assert_eq!(s.variants[0].name, "serial");
        assert_eq!(s.problems.len(), 2);
        assert_eq!(s.problems[1].problem.n, 5000);
        // serial once, rayon at 3 worker counts, for 2 sizes
        assert_eq!(p.point_count(), 2 * (1 + 3));
    }

    #[test]
    fn a_sweep_of_a_parameter_only_opencl_reads_does_not_repeat_cpu_points() {
        let p = plan("[[suite]]\nworkload = \"pi\"\nsizes = [1000, 2000]\nvariants = [\"serial\", \"rayon\", \"opencl\"]\nworkers = [1, 2]\n[suite.params]\nwork-group-size = [32, 64]\n").unwrap();
        let s = &p.suites[0];
        assert_eq!(s.problems.len(), 4);
        // Per size: serial once, rayon at two worker counts, opencl once per work-group size.
        assert_eq!(p.point_count(), 2 * (1 + 2 + 2));
        let opencl = s.variants.iter().find(|v| v.name == "opencl").unwrap();
        let serial = &s.variants[0];
        assert!(s.runs(0, serial) && !s.runs(1, serial) && s.runs(2, serial));
        assert!(s.runs(0, opencl) && s.runs(1, opencl));
        assert!(s.params_for(&s.problems[1], serial).is_empty());
        assert_eq!(
            s.params_for(&s.problems[1], opencl).get("work-group-size"),
            Some(&ParamValue::Int(64))
        );
    }

    #[test]
    fn unknown_names_point_at_the_config_line() {
        let e = plan("[[suite]]\nworkload = \"pie\"\n").unwrap_err();
        let PlanError::Config(e) = e else { panic!() };
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unknown workload `pie`"), "{e}");
        assert!(e.message.contains("`pi`"), "{e}");

        let PlanError::Config(e) =
            plan("[[suite]]\nworkload = \"pi\"\nvariants = [\"serial\",\n \"gpu\"]\n").unwrap_err()
        else {
            panic!()
        };
        assert_eq!(e.line, 4);
        assert!(e.message.contains("no variant `gpu`"), "{e}");

        // A variant the workload declares not applicable carries the reason.
        let PlanError::Config(e) =
            plan("[[suite]]\nworkload = \"matmul\"\nvariants = [\"mutex\"]\n").unwrap_err()
        else {
            panic!()
        };
        assert_eq!(e.line, 3);
        assert!(
            e.message
                .contains("no variant `mutex` (A and B are only read"),
            "{e}"
        );

        let PlanError::Config(e) =
            plan("[[suite]]\nworkload = \"pi\"\nsizes = [\"XL\"]\n").unwrap_err()
        else {
            panic!()
        };
        assert!(e.message.contains("no size `XL`"), "{e}");

        let PlanError::Config(e) =
            plan("[[suite]]\nworkload = \"pi\"\n[suite.params]\nbins = 4\n").unwrap_err()
        else {
            panic!()
        };
        assert_eq!(e.line, 4);
        assert!(e.message.contains("no parameter `bins`"), "{e}");
        assert!(e.message.contains("`chunksize`"), "{e}");
        assert!(e.message.contains("`work-group-size`"), "{e}");
    }

    #[test]
    fn quick_shrinks_and_filters_select() {
        let c = config(
            "[[suite]]\nname = \"a\"\nworkload = \"pi\"\nsizes = [\"S\"]\n[[suite]]\nname = \"b\"\nworkload = \"square\"\n",
        );
        let f = Filters {
            suites: vec!["a".into()],
            variants: vec!["rayon".into()],
        };
        let p = resolve(&c, &Registry::builtin(), &f, true).unwrap();
        assert_eq!(p.suites.len(), 1);
        assert_eq!(p.suites[0].variants.len(), 1);
        assert!(p.suites[0].problems[0].problem.n < 20_000_000);
        assert!(
            p.suites[0].problems[0]
                .problem
                .size_label
                .ends_with("-quick")
        );

        let f = Filters {
            suites: vec!["zzz".into()],
            variants: vec![],
        };
        assert!(matches!(
            resolve(&c, &Registry::builtin(), &f, false),
            Err(PlanError::Filter(_))
        ));
        let f = Filters {
            suites: vec![],
            variants: vec!["nope".into()],
        };
        assert!(matches!(
            resolve(&c, &Registry::builtin(), &f, false),
            Err(PlanError::Filter(_))
        ));
    }

    fn config_error(text: &str) -> ConfigError {
        match plan(text) {
            Err(PlanError::Config(e)) => e,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn sizes_the_machine_cannot_hold_are_refused_at_their_line() {
        let e = config_error(
            "[[suite]]\nworkload = \"square\"\nsizes = [\"XS\",\n 1000000000000000000]\n",
        );
        assert_eq!((e.line, e.column), (4, 2), "{e}");
        assert!(
            e.message.contains("size `1000000000000000000` (n = 1000000000000000000) of workload `square` needs at least"),
            "{e}"
        );
        assert!(e.message.contains("choose a smaller size"), "{e}");
        let e = config_error("[[suite]]\nworkload = \"matmul\"\nsizes = [100000000]\n");
        assert!(
            e.message.contains("matmul side 100000000 is too large"),
            "{e}"
        );
        let e = config_error("[[suite]]\nworkload = \"mandelbrot\"\nsizes = [10000000]\n");
        assert!(e.message.contains("needs at least"), "{e}");
        // Workloads that hold no per-element memory take any size.
        assert!(plan("[[suite]]\nworkload = \"pi\"\nsizes = [1000000000000000000]\n").is_ok());
    }

    #[test]
    fn what_run_would_find_validate_finds() {
        let e = config_error("[[suite]]\nworkload = \"stencil\"\nsizes = [64, 2]\n");
        assert_eq!((e.line, e.column), (3, 14), "{e}");
        assert!(e.message.contains("at least 3, found 2"), "{e}");
        let e = config_error(
            "[[suite]]\nworkload = \"pi\"\nsizes = [\"XS\", { label = \"XS\", n = 5 }]\n",
        );
        assert_eq!(e.line, 3);
        assert!(e.message.contains("size `XS` appears twice"), "{e}");
        let e = config_error("[[suite]]\nworkload = \"pi\"\nsizes = [500, 500]\n");
        assert!(e.message.contains("size `500` appears twice"), "{e}");
    }

    #[test]
    fn plans_above_the_limit_are_refused_with_the_count() {
        // 300 × 300 × 300 values would be 27 million problems: refused before expanding.
        let values = (1..=300)
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let text = format!(
            "[[suite]]\nworkload = \"histogram\"\nsizes = [1000]\n[suite.params]\nbins = [{values}]\nbatch-size = [{values}]\ngranularity = [\"update\", \"batch\"]\n"
        );
        let e = config_error(&text);
        assert!(e.message.contains("expand to 180000 problems"), "{e}");
        assert!(e.message.contains(&MAX_POINTS.to_string()), "{e}");
        // Under the problem limit, above the point limit: refused with the count of points.
        let values = (1..=4000)
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let text = format!(
            "[[suite]]\nworkload = \"histogram\"\nsizes = [1000]\nvariants = [\"serial\", \"atomic\"]\nworkers = [1, 2]\n[suite.params]\nbins = [{values}]\n"
        );
        match plan(&text) {
            Err(e @ PlanError::TooManyPoints { count: 12000, .. }) => {
                assert!(e.to_string().contains("12000 points"), "{e}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_large_sweep_expands_in_linear_time() {
        // 10,000 values: quadratic expansion took minutes (16k values: 36 s in release);
        // linear takes milliseconds. Counted, not timed: `runs` must not rescan the problems.
        let values = (1..=9_999)
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let text = format!(
            "[[suite]]\nworkload = \"histogram\"\nsizes = [1000]\nvariants = [\"serial\"]\n[suite.params]\nbins = [{values}]\n"
        );
        let p = plan(&text).unwrap();
        assert_eq!(p.point_count(), 9_999);
        let s = &p.suites[0];
        assert_eq!(s.repeats.len(), 9_999);
        assert!(s.runs(9_998, &s.variants[0]));
    }
}
