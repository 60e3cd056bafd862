//! `parbench calibrate`: this machine's limits, measured by the probes of
//! `parbench_suites::calibrate` and cached per machine fingerprint
//! (`parbench_harness::calibration`); and the calibration `parbench run` measures its points
//! against.

use crate::Outcome;
use crate::cli::{CalibrateArgs, ListFormat};
use anyhow::Context;
use parbench_harness::calibration;
use parbench_schema::calibration::{BandwidthKind, Calibration};
use parbench_schema::machine::Machine;

/// The build profile of this binary (a debug build's probes do not show the machine's limits).
fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// Measures this machine now and caches the result.
fn measure(machine: &Machine) -> anyhow::Result<Calibration> {
    eprintln!(
        "parbench: calibrating this machine ({} logical cores): memory bandwidth, FP64 and integer peaks, atomics, start-up costs …",
        machine.logical_cores
    );
    if cfg!(debug_assertions) {
        eprintln!(
            "parbench: this is a debug build: its probes are far below the machine's limits (use --release)"
        );
    }
    let c = parbench_suites::calibrate::calibrate(
        &machine.id,
        machine.logical_cores,
        profile(),
        |probe| eprintln!("parbench: calibrate: {probe}"),
    );
    let dir = calibration::cache_dir()?;
    let path = calibration::store(&dir, &c)
        .with_context(|| format!("cannot cache the calibration in {}", dir.display()))?;
    eprintln!(
        "parbench: calibrated in {:.1} s; cached in {}",
        c.seconds,
        path.display()
    );
    Ok(c)
}

pub(crate) fn calibrate(args: CalibrateArgs) -> anyhow::Result<Outcome> {
    let machine = parbench_harness::fingerprint::detect();
    let dir = calibration::cache_dir()?;
    let cached = if args.recalibrate {
        None
    } else {
        calibration::load_cached(&dir, &machine.id)?
    };
    let c = match cached {
        Some(c) => {
            eprintln!(
                "parbench: the calibration of this machine cached in {} (measured {}; --recalibrate measures again)",
                calibration::cache_file(&dir, &machine.id).display(),
                c.measured_at
            );
            c
        }
        None => measure(&machine)?,
    };
    match args.format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&c)?),
        ListFormat::Table => print_table(&c),
    }
    Ok(Outcome::Success)
}

/// The calibration a run measures its points against: the cached one of this machine, or (in
/// a release build, when none is cached) one measured now. `None` when calibration is turned
/// off (`--no-calibrate`, `PARBENCH_CALIBRATE=0`) or cannot be had; a run goes on without it.
pub(crate) fn for_run(machine: &Machine, disabled: bool) -> Option<Calibration> {
    if disabled || std::env::var_os("PARBENCH_CALIBRATE").is_some_and(|v| v == "0") {
        return None;
    }
    let dir = match calibration::cache_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("parbench: no calibration ({e}); points get no % of bound");
            return None;
        }
    };
    match calibration::load_cached(&dir, &machine.id) {
        Ok(Some(c)) => return Some(c),
        Ok(None) => {}
        Err(e) => {
            eprintln!("parbench: {e}; points get no % of bound");
            return None;
        }
    }
    if cfg!(debug_assertions) {
        eprintln!(
            "parbench: no calibration of this machine is cached and a debug build does not measure one (`cargo run --release -- calibrate`); points get no % of bound"
        );
        return None;
    }
    match measure(machine) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("parbench: calibration failed ({e:#}); points get no % of bound");
            None
        }
    }
}

fn gbs(v: f64) -> String {
    format!("{:.1} GB/s", v / 1e9)
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

fn print_table(c: &Calibration) {
    println!(
        "machine {} · {} cores · ISA {} · {} build · measured {} in {:.1} s",
        c.machine_id, c.cores, c.isa, c.build_profile, c.measured_at, c.seconds
    );
    let mut threads: Vec<u32> = c.bandwidth.iter().map(|b| b.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    let mut sets: Vec<u64> = c.bandwidth.iter().map(|b| b.working_set_bytes).collect();
    sets.sort_unstable();
    sets.dedup();
    print!("{:<24}", "bandwidth (working set)");
    for ws in &sets {
        print!("{:>12}", size(*ws));
    }
    println!();
    for kind in [
        BandwidthKind::Read,
        BandwidthKind::Write,
        BandwidthKind::Copy,
    ] {
        for t in &threads {
            print!(
                "{:<24}",
                format!(
                    "  {} · {t} thread{}",
                    kind.name(),
                    if *t == 1 { "" } else { "s" }
                )
            );
            for ws in &sets {
                let v = c
                    .bandwidth
                    .iter()
                    .find(|b| b.kind == kind && b.threads == *t && b.working_set_bytes == *ws);
                print!("{:>12}", v.map_or("–".into(), |b| gbs(b.bytes_per_s)));
            }
            println!();
        }
    }
    println!(
        "FP64 multiply+add peak  {:.1} GFLOP/s per core, {:.1} GFLOP/s on {} cores",
        c.fp64_flops_per_core / 1e9,
        c.fp64_flops_all_cores / 1e9,
        c.cores
    );
    println!(
        "32-bit hash peak        {:.2} G/s per core, {:.2} G/s on {} cores",
        c.hash32_per_core / 1e9,
        c.hash32_all_cores / 1e9,
        c.cores
    );
    println!(
        "atomic fetch_add        {:.1} ns uncontended, {:.1} ns contended by {} threads",
        c.atomic_uncontended_ns, c.atomic_contended_ns, c.cores
    );
    let opt = |v: Option<f64>, unit: f64, suffix: &str| {
        v.map_or("not measured".to_string(), |v| {
            format!("{:.1} {suffix}", v / unit)
        })
    };
    println!(
        "cache-line transfer     {}",
        opt(c.cache_line_transfer_ns, 1.0, "ns")
    );
    println!("thread spawn + join     {:.1} µs", c.thread_spawn_ns / 1e3);
    println!(
        "process spawn + wait    {}",
        opt(c.process_spawn_ns, 1e3, "µs")
    );
    println!(
        "pipe round trip         {}",
        opt(c.pipe_round_trip_ns, 1e3, "µs")
    );
}
