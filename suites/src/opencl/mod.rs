//! OpenCL variants of the workloads (the `ocl` crate): which platforms and devices this machine
//! has, which one a run uses, and each `opencl` variant's availability and preparation. The code
//! that calls OpenCL is compiled only where the build found an OpenCL library (cfg
//! `parbench_opencl`, see `build.rs`); elsewhere every OpenCL variant is listed as unavailable,
//! with the reason and how to get it. No OpenCL failure or panic reaches the caller.
//!
//! [`OpenClBackend`] implements [`crate::hooks::Backend`]; the kernel ids it runs ([`Kernel`])
//! and what they need of the device ([`Needs`]) are defined in [`crate::hooks`], below this
//! module, and re-exported here.

pub use crate::hooks::{Kernel, Needs};
pub use parbench_harness::config::DeviceMatch;

use crate::hooks::{Backend, Hooks, Support};
use crate::workload::{Execution, ParamKind, ParamSpec, Problem, VariantInfo, WorkloadError};
use parbench_schema::params::ParamValue;
use parbench_schema::results::{ExecutionModel, SyncKind};
use parbench_schema::variant::names;
use serde::Serialize;
use std::sync::{Mutex, OnceLock};

#[cfg(parbench_opencl)]
mod device;
#[cfg(parbench_opencl)]
mod execution;
#[cfg(parbench_opencl)]
mod histogram;
#[cfg(parbench_opencl)]
mod mandelbrot;
#[cfg(parbench_opencl)]
mod matmul;
#[cfg(parbench_opencl)]
mod particles;
#[cfg(parbench_opencl)]
mod pi;
#[cfg(parbench_opencl)]
mod program;
#[cfg(parbench_opencl)]
mod raw;
#[cfg(parbench_opencl)]
mod square;

/// The OpenCL variant of a workload.
pub const VARIANT: &str = names::OPENCL;
/// `histogram`'s second OpenCL variant: bins in local memory, merged once per work-group.
pub const VARIANT_LOCAL: &str = names::OPENCL_LOCAL;
/// The parameter that sets the work-group size (work-items per group) of OpenCL variants.
pub const WORK_GROUP_SIZE: &str = "work-group-size";
/// Its default: a multiple of every common SIMD and warp width, within every GPU's limit.
pub const DEFAULT_WORK_GROUP_SIZE: i64 = 128;
/// `matmul`'s default: 16 x 16 tiles.
pub const DEFAULT_MATMUL_WORK_GROUP_SIZE: i64 = 256;

/// Whether this parbench was built with OpenCL (an OpenCL library was found at build time).
pub const BUILT_WITH_OPENCL: bool = cfg!(parbench_opencl);

/// How this parbench was built with respect to OpenCL: `built with OpenCL (…)`, or why not
/// and how to get it.
pub fn build_info() -> &'static str {
    env!("PARBENCH_OPENCL_BUILD")
}

/// Whether `variant` is one of the OpenCL variants.
pub fn is_opencl_variant(variant: &str) -> bool {
    variant == VARIANT || variant == VARIANT_LOCAL
}

/// One OpenCL device as `parbench list --devices` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceInfo {
    /// Position among every device of every platform, in listing order: what
    /// `opencl-device = N` and `--opencl-device N` select.
    pub index: usize,
    /// Position of its platform in the listing.
    pub platform_index: usize,
    /// Its platform's name (`Portable Computing Language`, `NVIDIA CUDA`).
    pub platform: String,
    /// Its platform's version string.
    pub platform_version: String,
    /// The device's name as the driver reports it.
    pub name: String,
    /// The device's vendor.
    pub vendor: String,
    /// `GPU`, `CPU`, `ACCELERATOR`, …
    pub kind: String,
    /// The driver's version string.
    pub driver_version: String,
    /// The OpenCL version the device supports (`OpenCL 3.0 …`).
    pub opencl_version: String,
    /// Parallel compute units (SMs, CPU cores).
    pub compute_units: u32,
    /// Global memory, in bytes.
    pub global_memory_bytes: u64,
    /// Local (work-group shared) memory, in bytes.
    pub local_memory_bytes: u64,
    /// The most work-items in one work-group.
    pub max_work_group_size: usize,
    /// Per dimension.
    pub max_work_item_sizes: Vec<usize>,
    /// Double precision (`cl_khr_fp64`): needed by the f64 workloads.
    pub fp64: bool,
}

impl DeviceInfo {
    /// One line for the machine fingerprint and logs.
    pub fn describe(&self) -> String {
        format!(
            "OpenCL device {}: {} ({}) on {} ({}), driver {}, {} compute units, {} global memory, {} local memory, up to {} work-items per group{}",
            self.index,
            self.name,
            self.kind,
            self.platform,
            self.platform_version,
            self.driver_version,
            self.compute_units,
            bytes(self.global_memory_bytes),
            bytes(self.local_memory_bytes),
            self.max_work_group_size,
            if self.fp64 { ", fp64" } else { ", no fp64" }
        )
    }

    fn is_kind(&self, kind: &str) -> bool {
        self.kind
            .split([' ', '|'])
            .any(|k| k.eq_ignore_ascii_case(kind))
    }
}

/// `13.0 GiB`, `1.0 MiB`.
pub fn bytes(b: u64) -> String {
    let mut v = b as f64;
    let mut unit = 0;
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    while v >= 1024.0 && unit + 1 < units.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", units[unit])
}

/// One OpenCL platform and its devices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlatformInfo {
    /// Position in the listing: what `opencl-platform = N` selects.
    pub index: usize,
    /// The platform's name.
    pub name: String,
    /// The platform's vendor.
    pub vendor: String,
    /// The platform's version string.
    pub version: String,
    /// Its devices, in listing order.
    pub devices: Vec<DeviceInfo>,
    /// Why the devices could not be listed, if they could not.
    pub error: Option<String>,
}

/// What OpenCL this machine offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Inventory {
    /// This parbench was built without OpenCL.
    NotBuilt {
        /// Why, and how to build it with OpenCL.
        reason: String,
    },
    /// Built with OpenCL, but no platform (or no device) is usable here.
    Unavailable {
        /// What the OpenCL library said.
        reason: String,
    },
    /// At least one device.
    Platforms {
        /// Every platform, in listing order.
        platforms: Vec<PlatformInfo>,
    },
}

/// The platforms and devices of this machine, listed once per process.
pub fn inventory() -> &'static Inventory {
    static INVENTORY: OnceLock<Inventory> = OnceLock::new();
    INVENTORY.get_or_init(|| {
        #[cfg(parbench_opencl)]
        {
            device::inventory()
        }
        #[cfg(not(parbench_opencl))]
        {
            Inventory::NotBuilt {
                reason: build_info().to_string(),
            }
        }
    })
}

/// Which device the OpenCL variants run on: config `[defaults] opencl-platform` /
/// `opencl-device`, or `--opencl-platform` / `--opencl-device`. Unset parts choose the first
/// GPU, else the first accelerator, else the first device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// Which platform (`None`: any).
    pub platform: Option<DeviceMatch>,
    /// Which device of the platform (`None`: the default choice above).
    pub device: Option<DeviceMatch>,
}

/// Why an OpenCL variant cannot be set up or run; the text is one line, and is the point's
/// reason.
#[derive(Debug, thiserror::Error)]
pub enum OpenClError {
    /// No usable OpenCL here (built without it, no platform or device): what to install.
    #[error("{0}")]
    Unavailable(String),
    /// The configured device selector names nothing that exists here.
    #[error(transparent)]
    Select(#[from] SelectError),
    /// A parameter of the problem is missing or out of range.
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    /// An OpenCL call failed; `context` says what was being done (ending in `: `) or is empty.
    /// The text is the error's in one line (ocl's banners dropped, a build log shortened).
    #[cfg(parbench_opencl)]
    #[error("{context}{}", device::brief(source))]
    Ocl {
        /// What was being done, as the message's start.
        context: String,
        /// ocl's error.
        #[source]
        source: ocl::Error,
    },
    /// The device cannot run the problem as configured (its memory, a work-group size it does
    /// not allow); the text says why and what to choose.
    #[error("{0}")]
    Refused(String),
}

#[cfg(parbench_opencl)]
impl From<ocl::Error> for OpenClError {
    fn from(source: ocl::Error) -> Self {
        OpenClError::Ocl {
            context: String::new(),
            source,
        }
    }
}

#[cfg(parbench_opencl)]
impl OpenClError {
    /// Wraps an ocl error in the message `context` (ending in `: `).
    fn ocl(context: impl Into<String>) -> impl FnOnce(ocl::Error) -> OpenClError {
        let context = context.into();
        move |source| OpenClError::Ocl { context, source }
    }
}

/// The selector named nothing that exists here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SelectError {
    /// True when the platform part matched nothing (else the device part).
    pub platform: bool,
    /// What matched nothing, and what there is to choose from.
    pub message: String,
}

fn device_list(platforms: &[PlatformInfo]) -> String {
    let list: Vec<String> = platforms
        .iter()
        .flat_map(|p| &p.devices)
        .map(|d| format!("{} `{}` ({}, {})", d.index, d.name, d.kind, d.platform))
        .collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join("; ")
    }
}

/// The device `selector` picks among `platforms`.
pub fn choose<'a>(
    platforms: &'a [PlatformInfo],
    selector: &Selector,
) -> Result<&'a DeviceInfo, SelectError> {
    let candidates: Vec<&PlatformInfo> = match &selector.platform {
        None => platforms.iter().collect(),
        Some(m) => platforms
            .iter()
            .filter(|p| match m {
                DeviceMatch::Index(i) => p.index == *i,
                DeviceMatch::Name(_) => m.matches_name(&p.name) || m.matches_name(&p.vendor),
            })
            .collect(),
    };
    if candidates.is_empty() {
        return Err(SelectError {
            platform: true,
            message: format!(
                "no OpenCL platform matches {}; platforms here: {}",
                selector.platform.as_ref().expect("a platform was named"),
                platforms
                    .iter()
                    .map(|p| format!("{} `{}`", p.index, p.name))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    let devices: Vec<&DeviceInfo> = candidates.iter().flat_map(|p| &p.devices).collect();
    let found = match &selector.device {
        Some(DeviceMatch::Index(i)) => devices.iter().find(|d| d.index == *i).copied(),
        Some(m) => devices.iter().find(|d| m.matches_name(&d.name)).copied(),
        None => ["GPU", "ACCELERATOR"]
            .iter()
            .find_map(|k| devices.iter().find(|d| d.is_kind(k)))
            .or(devices.first())
            .copied(),
    };
    found.ok_or_else(|| SelectError {
        platform: false,
        message: match &selector.device {
            Some(m) => format!(
                "no OpenCL device matches {m}{}; devices here: {}",
                if selector.platform.is_some() {
                    " on the selected platform"
                } else {
                    ""
                },
                device_list(platforms)
            ),
            None => format!(
                "the selected OpenCL platform has no device; devices here: {}",
                device_list(platforms)
            ),
        },
    })
}

static SELECTOR: Mutex<Selector> = Mutex::new(Selector {
    platform: None,
    device: None,
});

fn current_selector() -> Selector {
    SELECTOR.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Makes `selector` choose the device of every later OpenCL variant of this process. Returns the
/// device, `None` when OpenCL is not available here (the variants then say why), or an error
/// when the selector names nothing that exists (the selection is left unchanged).
pub fn select(selector: Selector) -> Result<Option<DeviceInfo>, SelectError> {
    let device = match inventory() {
        Inventory::Platforms { platforms } => Some(choose(platforms, &selector)?.clone()),
        _ => None,
    };
    *SELECTOR.lock().unwrap_or_else(|e| e.into_inner()) = selector;
    Ok(device)
}

/// The device OpenCL variants use, or why there is none.
pub fn selected() -> Result<DeviceInfo, OpenClError> {
    match inventory() {
        Inventory::NotBuilt { reason } | Inventory::Unavailable { reason } => {
            Err(OpenClError::Unavailable(reason.clone()))
        }
        Inventory::Platforms { platforms } => Ok(choose(platforms, &current_selector())?.clone()),
    }
}

/// An OpenCL variant's description, available where the selected device can run it.
fn variant(
    name: &'static str,
    sync: SyncKind,
    description: &'static str,
    needs: Needs,
) -> VariantInfo {
    let mut v = VariantInfo::new(name, ExecutionModel::Opencl, sync, description);
    // One device is one worker: the point runs once, at workers = 1.
    v.uses_workers = false;
    match selected() {
        Err(reason) => v.unavailable(reason.to_string()),
        Ok(d) if needs == Needs::Fp64 && !d.fp64 => v.unavailable(format!(
            "the OpenCL device `{}` has no double precision (cl_khr_fp64), which this workload computes in; select another with `opencl-device` or --opencl-device",
            d.name
        )),
        Ok(_) => v,
    }
}

/// Why a workload other than `histogram` has no `opencl-local` variant.
fn local_not_applicable() -> crate::workload::NotApplicable {
    crate::workload::NotApplicable::new(
        VARIANT_LOCAL,
        "bins counted in local memory and merged once per work-group are histogram's second OpenCL variant; this workload has no shared bins (see its `opencl` variant)",
    )
}

/// The `work-group-size` parameter of OpenCL variants, with a default that suits most devices.
fn work_group_size_param(default: i64, note: &'static str) -> ParamSpec {
    ParamSpec {
        name: WORK_GROUP_SIZE,
        description: note,
        kind: ParamKind::Int {
            min: 1,
            max: 1 << 16,
        },
        default: ParamValue::Int(default),
    }
}

/// The OpenCL backend: adds one variant per kernel of the workload's hook, the
/// `work-group-size` parameter, and dispatches to the kernel on the selected device.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenClBackend;

/// `work-group-size`'s description, unless the hook has its own.
const WORK_GROUP_SIZE_NOTE: &str = "work-items per OpenCL work-group (OpenCL variants only); at most the device's limit (`parbench list --devices`)";

impl Backend for OpenClBackend {
    fn name(&self) -> &'static str {
        "opencl"
    }

    fn variant_names(&self) -> &'static [&'static str] {
        &[VARIANT, VARIANT_LOCAL]
    }

    fn support(&self, hooks: &Hooks) -> Support {
        (&hooks.opencl).into()
    }

    fn params(&self, hooks: &Hooks) -> Vec<ParamSpec> {
        hooks
            .opencl
            .supported()
            .map(|h| {
                vec![work_group_size_param(
                    h.default_work_group_size,
                    h.work_group_size_note.unwrap_or(WORK_GROUP_SIZE_NOTE),
                )]
            })
            .unwrap_or_default()
    }

    fn variants(&self, hooks: &Hooks) -> Vec<VariantInfo> {
        let Some(h) = hooks.opencl.supported() else {
            return Vec::new();
        };
        h.kernels
            .iter()
            .map(|k| variant(k.variant, k.sync, k.description, k.needs))
            .collect()
    }

    fn not_applicable(&self, hooks: &Hooks) -> Vec<crate::workload::NotApplicable> {
        let has_local = hooks
            .opencl
            .supported()
            .is_some_and(|h| h.kernels.iter().any(|k| k.variant == VARIANT_LOCAL));
        if has_local {
            Vec::new()
        } else {
            vec![local_not_applicable()]
        }
    }

    fn exclusive_params(&self) -> &'static [&'static str] {
        &[WORK_GROUP_SIZE]
    }

    fn reads(&self, hooks: &Hooks, param: &str) -> bool {
        !hooks
            .opencl
            .supported()
            .is_some_and(|h| h.ignores.contains(&param))
    }

    fn prepare(
        &self,
        hooks: &Hooks,
        problem: &Problem,
        variant: &str,
        _workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        match hooks
            .opencl
            .supported()
            .and_then(|h| h.kernels.iter().find(|k| k.variant == variant))
        {
            Some(k) => prepare(k.kernel, problem),
            None => Err(WorkloadError::new(format!(
                "this workload has no OpenCL kernel for `{variant}`"
            ))),
        }
    }
}

/// The work-group size of a problem (`default` where a hand-made problem does not set it).
#[cfg_attr(not(parbench_opencl), allow(dead_code))]
pub(crate) fn work_group_size(problem: &Problem, default: i64) -> Result<usize, WorkloadError> {
    let v = match problem.params.get(WORK_GROUP_SIZE) {
        None => default,
        Some(_) => problem.int(WORK_GROUP_SIZE)?,
    };
    usize::try_from(v).ok().filter(|&v| v >= 1).ok_or_else(|| {
        WorkloadError::new(format!("`{WORK_GROUP_SIZE}` must be at least 1, found {v}"))
    })
}

/// Prepares the OpenCL variant of `kernel` for `problem` on the selected device: device
/// buffers, the program built (cold and warm build times measured), inputs ready.
pub(crate) fn prepare(
    kernel: Kernel,
    problem: &Problem,
) -> Result<Box<dyn Execution>, WorkloadError> {
    #[cfg(parbench_opencl)]
    {
        execution::prepare(kernel, problem)
    }
    #[cfg(not(parbench_opencl))]
    {
        let _ = (kernel, problem);
        Err(WorkloadError::new(build_info()))
    }
}

/// For tests: whether an OpenCL device is here. Without one the test is skipped with the reason
/// printed, unless `PARBENCH_REQUIRE_OPENCL=1` (as in CI), which makes it fail.
#[cfg(test)]
pub(crate) fn device_for_tests(test: &str) -> Option<DeviceInfo> {
    match selected() {
        Ok(d) => Some(d),
        Err(reason) if std::env::var_os("PARBENCH_REQUIRE_OPENCL").is_some_and(|v| v == "1") => {
            panic!(
                "{test}: OpenCL is required (PARBENCH_REQUIRE_OPENCL=1) but unavailable: {reason}"
            )
        }
        Err(reason) => {
            eprintln!("{test}: skipped, no OpenCL device: {reason}");
            None
        }
    }
}

#[cfg(test)]
#[path = "../../build/opencl_detect.rs"]
mod opencl_detect;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn device(index: usize, platform: usize, name: &str, kind: &str) -> DeviceInfo {
        DeviceInfo {
            index,
            platform_index: platform,
            platform: format!("Platform {platform}"),
            platform_version: "OpenCL 3.0".into(),
            name: name.into(),
            vendor: "v".into(),
            kind: kind.into(),
            driver_version: "1".into(),
            opencl_version: "3.0".into(),
            compute_units: 2,
            global_memory_bytes: 1 << 30,
            local_memory_bytes: 1 << 16,
            max_work_group_size: 256,
            max_work_item_sizes: vec![256, 256, 256],
            fp64: true,
        }
    }

    fn platforms() -> Vec<PlatformInfo> {
        let p = |index: usize, name: &str, devices: Vec<DeviceInfo>| PlatformInfo {
            index,
            name: name.into(),
            vendor: format!("{name} vendor"),
            version: "OpenCL 3.0".into(),
            devices,
            error: None,
        };
        vec![
            p(
                0,
                "Portable Computing Language",
                vec![device(0, 0, "pthread-skylake", "CPU")],
            ),
            p(
                1,
                "NVIDIA CUDA",
                vec![
                    device(1, 1, "NVIDIA H100", "GPU"),
                    device(2, 1, "NVIDIA A100", "GPU"),
                ],
            ),
        ]
    }

    #[test]
    fn default_prefers_a_gpu_and_selectors_match_index_or_name() {
        let ps = platforms();
        let pick = |platform: Option<DeviceMatch>, device: Option<DeviceMatch>| {
            choose(&ps, &Selector { platform, device }).map(|d| d.index)
        };
        assert_eq!(pick(None, None), Ok(1), "the first GPU");
        assert_eq!(
            pick(Some(DeviceMatch::Name("portable".into())), None),
            Ok(0)
        );
        assert_eq!(pick(Some(DeviceMatch::Index(1)), None), Ok(1));
        assert_eq!(pick(None, Some(DeviceMatch::Index(2))), Ok(2));
        assert_eq!(pick(None, Some(DeviceMatch::Name("a100".into()))), Ok(2));
        assert_eq!(
            pick(
                Some(DeviceMatch::Name("nvidia".into())),
                Some(DeviceMatch::Index(2))
            ),
            Ok(2)
        );
        // A device index outside the selected platform is no match.
        let e = pick(Some(DeviceMatch::Index(0)), Some(DeviceMatch::Index(2))).unwrap_err();
        assert!(
            !e.platform && e.message.contains("on the selected platform"),
            "{e}"
        );
        let e = pick(Some(DeviceMatch::Name("intel".into())), None).unwrap_err();
        assert!(e.platform && e.message.contains("`NVIDIA CUDA`"), "{e}");
        let e = pick(None, Some(DeviceMatch::Name("mi300".into()))).unwrap_err();
        assert!(
            e.message.contains("1 `NVIDIA H100` (GPU, Platform 1)"),
            "{e}"
        );
    }

    #[test]
    fn variants_are_unavailable_with_the_reason_or_run_once() {
        let v = variant("opencl", SyncKind::Message, "d", Needs::Nothing);
        assert!(!v.uses_workers, "a device is one worker");
        assert_eq!(v.model, ExecutionModel::Opencl);
        match selected() {
            Ok(_) => assert!(v.is_available()),
            Err(reason) => {
                assert!(!v.is_available());
                let reason = reason.to_string();
                assert!(!reason.is_empty());
                if !BUILT_WITH_OPENCL {
                    assert!(reason.contains("ocl-icd-opencl-dev"), "{reason}");
                }
            }
        }
        // Through the backend adapter, as the registry sees the workloads.
        use crate::workload::Workload;
        let h = crate::backend::WithBackends(crate::workloads::histogram::Histogram);
        let pi = crate::backend::WithBackends(crate::workloads::pi::Pi);
        assert!(h.param_applies(WORK_GROUP_SIZE, VARIANT_LOCAL));
        assert!(!h.param_applies(WORK_GROUP_SIZE, "rayon"));
        assert!(!pi.param_applies(WORK_GROUP_SIZE, "processes-pool"));
        assert!(h.param_applies("bins", "rayon") && h.param_applies("bins", VARIANT));
        assert!(
            !pi.param_applies("chunksize", VARIANT) && !h.param_applies("granularity", VARIANT)
        );
        assert!(pi.param_applies("chunksize", "processes-pool"));
    }

    #[test]
    fn the_build_watches_what_installing_or_removing_opencl_changes() {
        use opencl_detect::{Probe, watched};
        let have = [
            "/usr/lib/x86_64-linux-gnu/libOpenCL.so",
            "/usr/lib/x86_64-linux-gnu/pkgconfig",
            "/usr/share/pkgconfig",
            "/opt/ocl/lib",
        ];
        let exists = |p: &Path| have.iter().any(|h| p == Path::new(h));
        let w = watched(&Probe {
            force: None,
            target_os: "linux".into(),
            target_arch: "x86_64".into(),
            lib_dir: Some("/opt/ocl/lib".into()),
            library_path: None,
            // Debian's pkg-config names no directory: the library is found in the defaults.
            pkg_config_dirs: Some(Vec::new()),
            exists: &exists,
        });
        let w: Vec<&str> = w.iter().map(|p| p.to_str().unwrap()).collect();
        // Removal (the library), installation (OpenCL.pc lands in pkgconfig), OPENCL_LIB_DIR;
        // nothing that does not exist (cargo would rerun the build script every time).
        assert_eq!(
            w,
            [
                "/opt/ocl/lib",
                "/usr/lib/x86_64-linux-gnu/libOpenCL.so",
                "/usr/lib/x86_64-linux-gnu/pkgconfig",
                "/usr/share/pkgconfig"
            ]
        );
    }

    #[test]
    fn build_detection_decides_from_the_environment() {
        use opencl_detect::{Decision, Probe, decide};
        let files =
            |have: &'static [&'static str]| move |p: &Path| have.iter().any(|h| p == Path::new(h));
        let probe =
            |force: Option<&str>, pkg: Option<Vec<PathBuf>>, have: &'static [&'static str]| {
                let exists = files(have);
                decide(&Probe {
                    force: force.map(String::from),
                    target_os: "linux".into(),
                    target_arch: "x86_64".into(),
                    lib_dir: None,
                    library_path: Some("/opt/ocl/lib".into()),
                    pkg_config_dirs: pkg,
                    exists: &exists,
                })
            };
        // Nothing installed: off, saying how to get it.
        let Decision::Disabled { reason } = probe(None, None, &[]) else {
            panic!()
        };
        assert!(
            reason.contains("ocl-icd-opencl-dev") && reason.contains("pocl-opencl-icd"),
            "{reason}"
        );
        // Only the run-time library: off, naming it.
        let Decision::Disabled { reason } =
            probe(None, None, &["/usr/lib/x86_64-linux-gnu/libOpenCL.so.1"])
        else {
            panic!()
        };
        assert!(reason.contains("libOpenCL.so.1 exists"), "{reason}");
        // The Debian multiarch directory, LIBRARY_PATH, pkg-config.
        assert!(matches!(
            probe(None, None, &["/usr/lib/x86_64-linux-gnu/libOpenCL.so"]),
            Decision::Enabled { .. }
        ));
        let Decision::Enabled { search, .. } = probe(None, None, &["/opt/ocl/lib/libOpenCL.so"])
        else {
            panic!()
        };
        assert_eq!(search, vec![PathBuf::from("/opt/ocl/lib")]);
        assert!(matches!(
            probe(None, Some(vec![]), &[]),
            Decision::Enabled { .. }
        ));
        // The override wins both ways.
        assert!(matches!(
            probe(Some("0"), Some(vec![]), &["/usr/lib/libOpenCL.so"]),
            Decision::Disabled { .. }
        ));
        assert!(matches!(
            probe(Some("1"), None, &[]),
            Decision::Enabled { .. }
        ));
    }

    #[test]
    fn descriptions_name_the_device() {
        let d = device(3, 1, "gfx90a", "GPU");
        let text = d.describe();
        assert!(
            text.starts_with("OpenCL device 3: gfx90a (GPU) on Platform 1"),
            "{text}"
        );
        assert!(
            text.contains("1.0 GiB global memory") && text.contains("fp64"),
            "{text}"
        );
        assert_eq!(bytes(1536), "1.5 KiB");
    }
}

/// Every OpenCL variant of every built-in workload, run on the selected device at small sizes
/// (odd ones, so partial work-groups and tiles occur) and checked against the reference.
#[cfg(test)]
mod device_tests {
    use super::*;
    use crate::registry::Registry;
    use crate::workload::verify;

    fn problem(workload: &str, n: u64, params: &[(&str, i64)]) -> Problem {
        let info = Registry::builtin().get(workload).unwrap().info();
        let mut p = Problem::new("t", n, 7);
        for spec in &info.params {
            p.params.insert(spec.name.to_string(), spec.default.clone());
        }
        for (k, v) in params {
            p.params.insert(k.to_string(), ParamValue::Int(*v));
        }
        p
    }

    #[test]
    #[cfg_attr(
        not(parbench_opencl_device),
        ignore = "no OpenCL device: built without OpenCL (PARBENCH_OPENCL=0, or no OpenCL library at build time), or no OpenCL platform registered at build time (/etc/OpenCL/vendors/*.icd)"
    )]
    fn every_opencl_variant_computes_the_reference_answer_with_phases_and_build_times() {
        if device_for_tests("every OpenCL variant").is_none() {
            return;
        }
        type Case = (&'static str, u64, &'static [(&'static str, i64)]);
        let cases: &[Case] = &[
            ("square", 10_007, &[]),
            ("square", 3, &[(WORK_GROUP_SIZE, 32)]),
            ("pi", 300_001, &[]),
            ("pi", 1, &[(WORK_GROUP_SIZE, 7)]),
            ("histogram", 5_003, &[("bins", 3)]),
            (
                "histogram",
                20_000,
                &[("bins", 4096), (WORK_GROUP_SIZE, 64)],
            ),
            ("mandelbrot", 70, &[("max-iter", 200)]),
            ("particles", 70, &[("steps", 25)]),
            ("matmul", 37, &[(WORK_GROUP_SIZE, 64)]),
            ("matmul", 8, &[]),
        ];
        let registry = Registry::builtin();
        let mut seen = std::collections::BTreeSet::new();
        for (name, n, params) in cases {
            let w = registry.get(name).unwrap();
            let p = problem(name, *n, params);
            let want = w.reference(&p).unwrap();
            for v in w
                .variants()
                .into_iter()
                .filter(|v| is_opencl_variant(v.name))
            {
                assert!(v.is_available(), "{name} {}: {:?}", v.name, v.availability);
                let label = format!("{name} n={n} {params:?} {}", v.name);
                let mut e = w
                    .prepare(&p, v.name, 1)
                    .unwrap_or_else(|e| panic!("{label}: {e}"));
                for _ in 0..2 {
                    let out = e.run().unwrap_or_else(|e| panic!("{label}: {e}"));
                    verify(&want, &e.answer()).unwrap_or_else(|m| panic!("{label}: {m}"));
                    let names: Vec<&str> = out.phases.iter().map(|(n, _)| n.as_ref()).collect();
                    assert!(names.contains(&"kernel"), "{label}: {names:?}");
                    assert!(names.contains(&"d2h"), "{label}: {names:?}");
                    if ["square", "histogram", "particles", "matmul"].contains(name) {
                        assert!(names.contains(&"h2d"), "{label}: {names:?}");
                    }
                    assert!(out.phases.iter().all(|(_, t)| t.0 >= 0.0));
                }
                let m = e.finish(2);
                for key in [
                    "build_cold_ns",
                    "build_warm_ns",
                    "first_run_ns",
                    "opencl_startup_ns",
                ] {
                    assert!(m[key].value > 0.0, "{label}: {key} {:?}", m.get(key));
                }
                seen.insert((*name, v.name));
            }
        }
        assert_eq!(seen.len(), 7, "six workloads, histogram twice: {seen:?}");
    }

    #[test]
    #[cfg_attr(
        not(parbench_opencl_device),
        ignore = "no OpenCL device: built without OpenCL (PARBENCH_OPENCL=0, or no OpenCL library at build time), or no OpenCL platform registered at build time (/etc/OpenCL/vendors/*.icd)"
    )]
    fn impossible_work_groups_are_refused_with_the_reason() {
        let Some(device) = device_for_tests("impossible work-groups") else {
            return;
        };
        let registry = Registry::builtin();
        let refuse = |name: &str, variant: &str, params: &[(&str, i64)], want: &str| {
            let p = problem(name, 64, params);
            let err = match registry.get(name).unwrap().prepare(&p, variant, 1) {
                Ok(_) => panic!("{name} {params:?} was accepted"),
                Err(e) => e.message,
            };
            assert!(err.contains(want), "{name} {params:?}: {err}");
        };
        refuse(
            "matmul",
            VARIANT,
            &[(WORK_GROUP_SIZE, 50)],
            "must be a square",
        );
        let too_many = device.max_work_group_size as i64 * 2;
        refuse(
            "square",
            VARIANT,
            &[(WORK_GROUP_SIZE, too_many)],
            "more than",
        );
        let bins = (device.local_memory_bytes / 4 + 1) as i64;
        refuse(
            "histogram",
            VARIANT_LOCAL,
            &[("bins", bins)],
            "local memory",
        );
    }
}
