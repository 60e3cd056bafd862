//! `parbench validate FILE`: parse the config and resolve every name against the registry; run
//! nothing.

use super::load_config;
use crate::Outcome;
use crate::cli::ValidateArgs;
use parbench_suites::Registry;
use parbench_suites::plan::{Filters, resolve};

pub(crate) fn validate(args: ValidateArgs) -> anyhow::Result<Outcome> {
    let config = load_config(Some(&args.file))?;
    // The [mpi] launcher must be installed and its hostfile readable, as `run` checks.
    parbench_suites::mpi::configure(&config)?;
    let plan = resolve(&config, &Registry::builtin(), &Filters::default(), false)?;
    // An OpenCL platform or device the config names must exist here, as `run` checks.
    let opencl = &config.defaults.opencl;
    if opencl.platform.is_some() || opencl.device.is_some() {
        super::run::select_opencl_device(&config, None, None)?;
    }
    outln!(
        "{}: ok ({} suites, {} points)",
        args.file.display(),
        plan.suites.len(),
        plan.point_count()
    );
    Ok(Outcome::Success)
}
