//! The only `unsafe` of the OpenCL code: counting platforms through the C API (ocl's own call
//! retries for ten seconds when the ICD loader finds no platform) and enqueueing kernels (ocl
//! marks every kernel enqueue unsafe, since the device may touch any memory its arguments
//! reach).

use ocl::core::ffi;
use ocl::{Event, Kernel, Queue, SpatialDims};

/// `CL_PLATFORM_NOT_FOUND_KHR`: the ICD loader found no installable client driver.
const PLATFORM_NOT_FOUND_KHR: i32 = -1001;

/// The number of OpenCL platforms, `Ok(0)` when the ICD loader has none, or the error status.
pub(super) fn platform_count() -> Result<u32, i32> {
    let mut count: ffi::cl_uint = 0;
    // SAFETY: clGetPlatformIDs with num_entries = 0 and a null platform array only writes the
    // platform count through the pointer to `count`, which is valid for the call's duration.
    let status = unsafe { ffi::clGetPlatformIDs(0, std::ptr::null_mut(), &mut count) };
    match status {
        0 => Ok(count),
        PLATFORM_NOT_FOUND_KHR => Ok(0),
        other => Err(other),
    }
}

/// Enqueues `kernel` over `global` work-items in groups of `local` on `queue`, recording its
/// profiling event in `event`.
///
/// The kernel's arguments must be buffers of the kernel's declared element types, each as long
/// as the indices the kernel reaches for the sizes it is passed (every kernel in this module
/// guards its indices against the length arguments it gets), and the caller must keep those
/// buffers alive until the command completes (callers finish the queue before dropping them).
pub(super) fn launch(
    kernel: &Kernel,
    queue: &Queue,
    global: SpatialDims,
    local: SpatialDims,
    event: &mut Event,
) -> ocl::Result<()> {
    // SAFETY: ocl checked every argument's type against the kernel's signature when the kernel
    // was built (`Kernel::builder` with type checking on); the callers in this module size every
    // buffer for the length arguments they pass, the kernels only index below those lengths, and
    // the buffers are owned by the job that owns the kernel, which waits for the queue to finish
    // before it is dropped, so the device never touches freed or foreign memory.
    unsafe {
        kernel
            .cmd()
            .queue(queue)
            .global_work_size(global)
            .local_work_size(local)
            .enew(event)
            .enq()
    }
}
