//! An OpenCL kernel cannot be stopped once enqueued: a first run that outlasts its deadline (or
//! a Ctrl-C) stops being waited for at once, and the kernel is left to finish on the device
//! (detached). Its own test binary: the detached kernel keeps the device busy afterwards.

use parbench_harness::cancel::{Cancelled, Deadline};
use parbench_suites::{Problem, Registry};
use std::time::{Duration, Instant};

#[test]
#[cfg_attr(
    not(parbench_opencl_device),
    ignore = "no OpenCL device: built without OpenCL (PARBENCH_OPENCL=0, or no OpenCL library at build time), or no OpenCL platform registered at build time (/etc/OpenCL/vendors/*.icd)"
)]
fn an_opencl_first_run_past_its_deadline_is_left_to_finish_on_the_device() {
    if let Err(reason) = parbench_suites::opencl::selected() {
        if std::env::var_os("PARBENCH_REQUIRE_OPENCL").is_some_and(|v| v == "1") {
            panic!("OpenCL is required (PARBENCH_REQUIRE_OPENCL=1) but unavailable: {reason}");
        }
        // Built with OpenCL, but no device at run time: only known now (see the README).
        eprintln!("SKIPPED: no OpenCL device: {reason}");
        return;
    }
    let w = Registry::builtin().get("pi").unwrap();
    // 2^38 samples: minutes on a CPU device, seconds on a fast GPU: a deadline of 200 ms
    // passes first either way.
    let mut p = Problem::new("huge", 1 << 38, 1);
    for spec in w.info().params {
        p.params.insert(spec.name.to_string(), spec.default.clone());
    }
    let mut e = w.prepare(&p, "opencl", 1).unwrap();
    let limit = Duration::from_millis(200);
    let deadline = Deadline::arm(limit);
    let t = Instant::now();
    let r = e.run();
    let took = t.elapsed();
    eprintln!("the OpenCL first run returned after {took:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert_eq!(deadline.check(), Err(Cancelled::TimedOut(limit)));
    let err = r.map(|_| ()).unwrap_err();
    assert!(
        err.to_string().contains("left to finish on the device"),
        "{err}"
    );
    // The execution no longer holds the device; dropping it does not wait for the kernel.
    let t = Instant::now();
    drop(e);
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
}
