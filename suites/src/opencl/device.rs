//! Lists this machine's OpenCL platforms and devices, and opens the selected device: its
//! context, with the one-time start-up cost of the process (platform initialization and the
//! compiler's first run) measured.

use super::{DeviceInfo, Inventory, OpenClError, PlatformInfo, program, raw, selected};
use ocl::enums::{DeviceInfo as Query, DeviceInfoResult as Answer};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The text of a panic payload.
pub(super) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// An OpenCL error in one line: ocl's banners (`####…`) and blank lines dropped, at most a few
/// hundred characters of a build log kept.
pub(super) fn brief(e: impl std::fmt::Display) -> String {
    let text = e.to_string();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("###") && !l.starts_with("Please visit"))
        .collect();
    let mut one = lines.join("; ");
    if one.chars().count() > 600 {
        one = one.chars().take(600).collect::<String>() + " …";
    }
    if one.is_empty() {
        "unknown OpenCL error".into()
    } else {
        one
    }
}

fn no_platform_reason() -> String {
    let place = match std::env::var("OCL_ICD_VENDORS") {
        Ok(dir) if !dir.is_empty() => format!("the ICD files in OCL_ICD_VENDORS={dir}"),
        _ => "/etc/OpenCL/vendors".into(),
    };
    format!(
        "no OpenCL platform here: the ICD loader found no installable client driver ({place}); install a platform such as `pocl-opencl-icd` (OpenCL on the CPU) or a GPU vendor's OpenCL driver"
    )
}

/// How long listing the platforms took (it loads and initializes every platform), in ns.
static INVENTORY_NS: AtomicU64 = AtomicU64::new(0);

/// Lists every platform and device; never panics.
pub(super) fn inventory() -> Inventory {
    let start = Instant::now();
    let inventory = catch_unwind(list).unwrap_or_else(|p| Inventory::Unavailable {
        reason: format!("listing the OpenCL platforms panicked: {}", panic_text(&*p)),
    });
    INVENTORY_NS.store(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
    inventory
}

fn text(r: ocl::Result<String>) -> String {
    r.unwrap_or_else(|e| format!("? ({})", brief(e)))
}

fn describe_device(
    d: &ocl::Device,
    index: usize,
    platform: &PlatformInfo,
) -> Result<DeviceInfo, OpenClError> {
    let q = |what: Query| d.info(what).map_err(OpenClError::from);
    let kind = match q(Query::Type)? {
        Answer::Type(t) => format!("{t:?}"),
        other => other.to_string(),
    };
    let number = |what: Query| -> Result<u64, OpenClError> {
        Ok(match q(what)? {
            Answer::MaxComputeUnits(v) => v as u64,
            Answer::GlobalMemSize(v) | Answer::LocalMemSize(v) => v,
            Answer::MaxWorkGroupSize(v) => v as u64,
            other => {
                return Err(OpenClError::Refused(format!("unexpected answer {other:?}")));
            }
        })
    };
    let sizes = match q(Query::MaxWorkItemSizes)? {
        Answer::MaxWorkItemSizes(v) => v,
        _ => Vec::new(),
    };
    let extensions = q(Query::Extensions)?.to_string();
    let fp64 = extensions.split_whitespace().any(|e| e == "cl_khr_fp64")
        || matches!(q(Query::DoubleFpConfig), Ok(Answer::DoubleFpConfig(c)) if !c.is_empty());
    Ok(DeviceInfo {
        index,
        platform_index: platform.index,
        platform: platform.name.clone(),
        platform_version: platform.version.clone(),
        name: text(d.name()).trim().to_string(),
        vendor: text(d.vendor()).trim().to_string(),
        kind,
        driver_version: q(Query::DriverVersion)?.to_string().trim().to_string(),
        opencl_version: q(Query::Version)?.to_string(),
        compute_units: number(Query::MaxComputeUnits)? as u32,
        global_memory_bytes: number(Query::GlobalMemSize)?,
        local_memory_bytes: number(Query::LocalMemSize)?,
        max_work_group_size: number(Query::MaxWorkGroupSize)? as usize,
        max_work_item_sizes: sizes,
        fp64,
    })
}

/// A platform, its devices, and why they could not be listed (if they could not).
type Listed = (ocl::Platform, Vec<ocl::Device>, Option<String>);

/// Every OpenCL device in listing order (the order `DeviceInfo::index` counts).
fn devices() -> Result<Vec<Listed>, OpenClError> {
    let ids = ocl::core::get_platform_ids().map_err(|e| OpenClError::from(ocl::Error::from(e)))?;
    Ok(ids
        .into_iter()
        .map(|id| {
            let p = ocl::Platform::new(id);
            match ocl::Device::list_all(p) {
                Ok(ds) => (p, ds, None),
                Err(e) => (p, Vec::new(), Some(brief(e))),
            }
        })
        .collect())
}

fn list() -> Inventory {
    match raw::platform_count() {
        Err(status) => {
            return Inventory::Unavailable {
                reason: format!(
                    "the OpenCL ICD loader could not list platforms (status {status}); {}",
                    no_platform_reason()
                ),
            };
        }
        Ok(0) => {
            return Inventory::Unavailable {
                reason: no_platform_reason(),
            };
        }
        Ok(_) => {}
    }
    let listed = match devices() {
        Ok(l) => l,
        Err(e) => {
            return Inventory::Unavailable {
                reason: format!("the OpenCL platforms could not be listed: {e}"),
            };
        }
    };
    let mut platforms = Vec::new();
    let mut next = 0;
    for (index, (p, devs, error)) in listed.into_iter().enumerate() {
        let mut info = PlatformInfo {
            index,
            name: text(p.name()).trim().to_string(),
            vendor: text(p.vendor()).trim().to_string(),
            version: text(p.version()).trim().to_string(),
            devices: Vec::new(),
            error,
        };
        for d in devs {
            match describe_device(&d, next, &info) {
                Ok(di) => info.devices.push(di),
                Err(e) => {
                    info.error
                        .get_or_insert_with(|| format!("device {next} could not be queried: {e}"));
                }
            }
            next += 1;
        }
        platforms.push(info);
    }
    if platforms.iter().all(|p| p.devices.is_empty()) {
        let why: Vec<String> = platforms
            .iter()
            .map(|p| match &p.error {
                Some(e) => format!("`{}`: {e}", p.name),
                None => format!("`{}` lists no device", p.name),
            })
            .collect();
        return Inventory::Unavailable {
            reason: format!("no usable OpenCL device: {}", why.join("; ")),
        };
    }
    Inventory::Platforms { platforms }
}

/// An opened device: what its variants need to build programs and create queues.
pub(super) struct DeviceContext {
    pub(super) info: DeviceInfo,
    pub(super) device: ocl::Device,
    pub(super) context: ocl::Context,
    /// Listing the platforms (loading and initializing them), creating the context, and the
    /// process's first build and launch of a never-seen trivial program: the one-time cost
    /// before any workload's program (on PoCL most of it is the compiler starting).
    pub(super) startup_ns: f64,
}

static OPENED: Mutex<Vec<Arc<DeviceContext>>> = Mutex::new(Vec::new());

/// The selected device, opened (once per process and device).
pub(super) fn open() -> Result<Arc<DeviceContext>, OpenClError> {
    let info = selected()?;
    let mut opened = OPENED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = opened.iter().find(|c| c.info.index == info.index) {
        return Ok(c.clone());
    }
    let ctx = catch_unwind(AssertUnwindSafe(|| open_device(info))).unwrap_or_else(|p| {
        Err(OpenClError::Refused(format!(
            "opening the OpenCL device panicked: {}",
            panic_text(&*p)
        )))
    })?;
    let ctx = Arc::new(ctx);
    opened.push(ctx.clone());
    Ok(ctx)
}

fn open_device(info: DeviceInfo) -> Result<DeviceContext, OpenClError> {
    let start = Instant::now();
    let (platform, device) = devices()?
        .into_iter()
        .flat_map(|(p, ds, _)| ds.into_iter().map(move |d| (p, d)))
        .nth(info.index)
        .ok_or_else(|| OpenClError::Refused(format!("OpenCL device {} is gone", info.index)))?;
    let context = ocl::Context::builder()
        .platform(platform)
        .devices(device)
        .build()
        .map_err(OpenClError::ocl(format!(
            "cannot create an OpenCL context on `{}`: ",
            info.name
        )))?;
    let mut ctx = DeviceContext {
        info,
        device,
        context,
        startup_ns: 0.0,
    };
    program::warm_up_compiler(&ctx)?;
    ctx.startup_ns =
        start.elapsed().as_secs_f64() * 1e9 + INVENTORY_NS.load(Ordering::Relaxed) as f64;
    Ok(ctx)
}
