//! The OpenCL variants: a verified run of every workload where a device is here (skipped visibly
//! otherwise, failing with `PARBENCH_REQUIRE_OPENCL=1`), unavailable variants without a platform,
//! and device selection. `.ci/run` runs this file again in a build without OpenCL.

mod common;
use common::{parbench, write};

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{RunResults, Status};
use predicates::prelude::*;

/// What `parbench list --devices --format json` says about OpenCL here.
fn opencl_here() -> serde_json::Value {
    let out = parbench()
        .args(["list", "--devices", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Whether an OpenCL device is here. Without one the test is skipped with the reason printed,
/// unless PARBENCH_REQUIRE_OPENCL=1 (as in CI), which makes it fail.
fn opencl_device(test: &str) -> bool {
    let v = opencl_here();
    if v["default_device"].is_u64() {
        return true;
    }
    let reason = v["unavailable_reason"].as_str().unwrap_or("?").to_string();
    if std::env::var_os("PARBENCH_REQUIRE_OPENCL").is_some_and(|v| v == "1") {
        panic!("{test}: OpenCL is required (PARBENCH_REQUIRE_OPENCL=1) but unavailable: {reason}");
    }
    eprintln!("{test}: skipped, no OpenCL device: {reason}");
    false
}

/// Every workload with an OpenCL variant, tiny, two sizes of square for a crossover.
const OPENCL_CONFIG: &str = r#"
[defaults]
warmup = "5ms"
min-samples = 3
max-samples = 5
budget = "20ms"
workers = [1, 2]

[[suite]]
name = "square"
workload = "square"
sizes = [1000, 200000]
variants = ["serial", "rayon", "opencl"]

[[suite]]
name = "pi"
workload = "pi"
sizes = [100000]
variants = ["serial", "opencl"]
[suite.params]
work-group-size = [32, 64]

[[suite]]
name = "histogram"
workload = "histogram"
sizes = [5000]
variants = ["serial", "opencl", "opencl-local"]
[suite.params]
bins = 7
granularity = ["update", "batch"]

[[suite]]
name = "mandelbrot"
workload = "mandelbrot"
sizes = [64]
variants = ["serial", "opencl"]

[[suite]]
name = "particles"
workload = "particles"
sizes = [300]
variants = ["serial", "opencl"]
[suite.params]
steps = 20

[[suite]]
name = "matmul"
workload = "matmul"
sizes = [40]
variants = ["serial", "opencl"]
[suite.params]
work-group-size = 64
"#;

#[test]
#[cfg_attr(
    not(parbench_opencl_device),
    ignore = "no OpenCL device: built without OpenCL (PARBENCH_OPENCL=0, or no OpenCL library at build time), or no OpenCL platform registered at build time (/etc/OpenCL/vendors/*.icd)"
)]
fn opencl_config_runs_every_workload_verified_with_the_phase_breakdown() {
    if !opencl_device("opencl config") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "opencl.toml", OPENCL_CONFIG);
    let out = dir.path().join("out");
    parbench()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "OpenCL against the best CPU point",
        ));
    let r = RunResults::load(&out.join("latest/results.json")).unwrap();
    assert_eq!(
        r.machine.accelerators.len(),
        1,
        "{:?}",
        r.machine.accelerators
    );
    assert!(r.machine.accelerators[0].starts_with("OpenCL device "));
    let mut seen = std::collections::BTreeSet::new();
    for p in &r.points {
        assert_eq!(p.status, Status::Ok, "{}: {:?}", p.key(), p.reason);
        if !p.variant.starts_with("opencl") {
            // CPU points do not list the OpenCL work-group size, nor run once per value of it.
            assert!(!p.params.contains_key("work-group-size"), "{}", p.key());
            continue;
        }
        seen.insert((p.suite.clone(), p.variant.clone()));
        assert_eq!(p.workers, 1);
        assert_eq!(p.derived.baseline.as_deref(), Some("serial"), "{}", p.key());
        assert!(p.derived.speedup.is_some());
        assert_eq!(p.derived.efficiency, None, "no efficiency for a device");
        let phases: Vec<&str> = p.phases.iter().map(|ph| ph.name.as_str()).collect();
        assert!(
            phases.contains(&"kernel") && phases.contains(&"d2h"),
            "{}: {phases:?}",
            p.key()
        );
        for k in [
            "build_cold_ns",
            "build_warm_ns",
            "first_run_ns",
            "opencl_startup_ns",
        ] {
            assert!(p.metrics[k].value > 0.0, "{}: {k}", p.key());
        }
        // Build time never enters the timed figures: the median is far below a build.
        assert!(p.median().unwrap().0 < p.metrics["build_warm_ns"].value * 10.0);
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert_eq!(
        r.points.iter().filter(|p| p.suite == "pi").count(),
        3,
        "serial once, opencl once per work-group size"
    );
    assert_eq!(
        r.points
            .iter()
            .filter(|p| p.suite == "histogram" && p.variant == "opencl")
            .count(),
        1,
        "granularity is not an OpenCL parameter"
    );
    // The square sweep has a crossover entry per measure.
    let sq: Vec<_> = r
        .crossovers
        .iter()
        .filter(|c| c.suite == "square")
        .collect();
    assert_eq!(sq.len(), 2, "{:?}", r.crossovers);
    assert!(sq.iter().all(|c| c.sizes.len() == 2));
    let page = std::fs::read_to_string(out.join("latest/suite-square.html")).unwrap();
    assert!(page.contains("OpenCL: what the device costs"));
}

#[test]
fn opencl_variants_without_a_platform_are_unavailable_and_skipped() {
    // An ICD directory with no driver in it: the loader finds no platform. (A build without
    // OpenCL, PARBENCH_OPENCL=0, has no loader at all: the same outcome, another reason.)
    let dir = tempfile::tempdir().unwrap();
    let icd = dir.path().join("empty-icd");
    std::fs::create_dir(&icd).unwrap();
    let built_with = opencl_here()["built_with_opencl"].as_bool().unwrap();
    let why = if built_with {
        "no OpenCL platform here"
    } else {
        "this parbench was built without OpenCL"
    };
    let start = std::time::Instant::now();
    parbench()
        .env("OCL_ICD_VENDORS", &icd)
        .args(["list", "--full"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"\nsquare +yes +yes +yes .* +no[ -]*\n").unwrap())
        .stdout(predicate::str::contains(format!(
            "square x opencl: not on this machine: {why}"
        )))
        .stdout(predicate::str::contains("pocl-opencl-icd"));
    assert!(
        start.elapsed().as_secs() < 5,
        "no waiting for platforms that never come"
    );
    parbench()
        .env("OCL_ICD_VENDORS", &icd)
        .args(["list", "--devices"])
        .assert()
        .success()
        .stdout(predicate::str::contains(why));
    let cfg = write(
        dir.path(),
        "t.toml",
        "[defaults]\nwarmup = \"5ms\"\nmin-samples = 3\nmax-samples = 3\nbudget = \"10ms\"\nopencl-device = 0\n[[suite]]\nworkload = \"square\"\nsizes = [1000]\nvariants = [\"serial\", \"opencl\"]\n",
    );
    let out = dir.path().join("out");
    parbench()
        .env("OCL_ICD_VENDORS", &icd)
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("OpenCL is not available here"));
    let r = RunResults::load(&out.join("latest/results.json")).unwrap();
    let serial = r.points.iter().find(|p| p.variant == "serial").unwrap();
    assert_eq!(serial.status, Status::Ok);
    let opencl = r.points.iter().find(|p| p.variant == "opencl").unwrap();
    assert_eq!(opencl.status, Status::Skipped);
    assert!(
        opencl.reason.as_deref().unwrap().contains(why),
        "{:?}",
        opencl.reason
    );
    assert!(r.machine.accelerators.is_empty());
}

#[test]
#[cfg_attr(
    not(parbench_opencl_device),
    ignore = "no OpenCL device: built without OpenCL (PARBENCH_OPENCL=0, or no OpenCL library at build time), or no OpenCL platform registered at build time (/etc/OpenCL/vendors/*.icd)"
)]
fn opencl_device_selection_names_what_exists() {
    if !opencl_device("opencl device selection") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "d.toml",
        "[defaults]\nopencl-device = \"no-such-device\"\n[[suite]]\nworkload = \"pi\"\nsizes = [1000]\nvariants = [\"opencl\"]\n",
    );
    parbench()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("d.toml:2:17"))
        .stderr(predicate::str::contains("defaults.opencl-device"))
        .stderr(predicate::str::contains(
            "no OpenCL device matches \"no-such-device\"",
        ))
        .stderr(predicate::str::contains("devices here: 0 `"));
    parbench()
        .args(["run", "--config"])
        .arg(&cfg)
        .args(["--opencl-device", "99", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--opencl-device: no OpenCL device matches 99",
        ));
    let cfg = write(
        dir.path(),
        "bad.toml",
        "[defaults]\nopencl-device = -1\n[[suite]]\nworkload = \"pi\"\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:2:17"));
}
