//! `parbench run` end to end: the quick config verified and reported, filters, and the contention
//! workload's throughput, fairness, latency and scalability fits.

mod common;
use common::{parbench, write};

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{RunResults, SCHEMA_VERSION, Status};
use predicates::prelude::*;

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one end-to-end scenario, read top to bottom"
)]
fn quick_run_writes_verified_results_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    parbench()
        .args(["run", "--config", "configs/quick.toml", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("SPEEDUP"))
        .stdout(predicate::str::contains("EFFICIENCY"))
        .stderr(predicate::str::contains("[  1/"));
    let latest = out.join("latest");
    let results =
        RunResults::load(&latest.join("results.json")).expect("results parse against the schema");
    assert_eq!(results.schema_version, SCHEMA_VERSION);
    assert!(results.complete && results.finished_at.is_some());
    assert!(!results.points.is_empty());
    for p in &results.points {
        // Every variant verifies; `unsync` loses updates by design and is never ranked.
        if p.variant == "unsync" {
            assert_eq!(p.status, Status::ExpectedIncorrect, "{:?}", p.reason);
            assert!(p.derived.speedup.is_none());
            assert!(p.metrics.contains_key("lost_updates"), "{:?}", p.metrics);
        } else {
            assert_eq!(
                p.status,
                Status::Ok,
                "{} {}: {:?}",
                p.suite,
                p.variant,
                p.reason
            );
            assert!(p.derived.speedup.is_some());
        }
        let m = p.measurement.as_ref().unwrap();
        assert_eq!(m.samples_ns.len(), m.stats.n);
    }
    // The tiny matrix: every workload under every thread-based variant it offers.
    let list = parbench()
        .args(["list", "--format", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    for w in list.as_array().unwrap() {
        let name = w["workload"].as_str().unwrap();
        for v in w["variants"].as_array().unwrap() {
            let variant = v["name"].as_str().unwrap();
            if v["available"] == false {
                continue; // not on this machine (OpenCL without a platform): not configured
            }
            // Serial and a device run once, at one worker.
            let once = variant == "serial" || v["model"] == "opencl";
            for workers in [1, 2] {
                assert!(
                    results.points.iter().any(|p| p.workload == name
                        && p.variant == variant
                        && (p.workers == workers || once)),
                    "quick.toml misses {name} {variant} w{workers}"
                );
            }
        }
    }
    let point = |w: &str, v: &str, workers: u32| {
        results
            .points
            .iter()
            .find(|p| p.workload == w && p.variant == v && p.workers == workers)
            .unwrap_or_else(|| panic!("no point {w} {v} w{workers}"))
    };
    let stencil = point("stencil", "threads", 2);
    let phases: Vec<&str> = stencil.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(phases, ["compute", "exchange"]);
    assert_eq!(
        point("matmul", "rayon", 2)
            .throughput
            .as_ref()
            .unwrap()
            .unit,
        "FLOP/s"
    );
    assert_eq!(
        point("square", "serial", 1)
            .throughput
            .as_ref()
            .unwrap()
            .unit,
        "B/s"
    );
    assert_eq!(
        point("counter", "mutex", 2).metrics["lost_updates"].value,
        0.0
    );
    let html = std::fs::read_to_string(latest.join("index.html")).unwrap();
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<script"));
    for f in [
        "results.csv",
        "samples.csv",
        "summary.md",
        "suite-pi.html",
        "suite-square.html",
    ] {
        assert!(latest.join(f).is_file(), "the run directory has {f}");
    }

    // The report renders again from the saved file, into another directory.
    let site = dir.path().join("site");
    parbench()
        .arg("report")
        .arg(latest.join("results.json"))
        .arg("--out")
        .arg(&site)
        .assert()
        .success();
    assert!(site.join("index.html").exists());
    assert!(RunResults::load(&site.join("results.json")).is_ok());
}

#[test]
fn run_filters_and_bad_filters() {
    let dir = tempfile::tempdir().unwrap();
    parbench()
        .args([
            "run",
            "--config",
            "configs/quick.toml",
            "--suite",
            "pi",
            "--variant",
            "serial",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let r = RunResults::load(&dir.path().join("latest/results.json")).unwrap();
    assert_eq!(r.points.len(), 1);
    assert_eq!(r.config.suite_filter, vec!["pi"]);
    parbench()
        .args([
            "run",
            "--config",
            "configs/quick.toml",
            "--suite",
            "nope",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--suite nope"));
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one end-to-end scenario, read top to bottom"
)]
fn contention_run_carries_throughput_fairness_latency_and_fits_per_primitive() {
    use parbench_schema::fit::UslOutcome;
    let dir = tempfile::tempdir().unwrap();
    // Four worker counts: the fewest a USL fit accepts. A second suite with two gets none.
    let cfg = write(
        dir.path(),
        "contention.toml",
        "[defaults]\nwarmup = \"5ms\"\nmin-samples = 3\nmax-samples = 5\nbudget = \"20ms\"\ntimeout = \"30s\"\n\n[[suite]]\nname = \"contention\"\nworkload = \"contention\"\nsizes = [\"XS\"]\nworkers = [1, 2, 3, 4]\n[suite.params]\nwork-inside = 2\nwork-outside = 2\nlatency-every = 2\n\n[[suite]]\nname = \"two-counts\"\nworkload = \"contention\"\nsizes = [\"XS\"]\nvariants = [\"mutex\"]\nworkers = [1, 2]\n",
    );
    let out = dir.path().join("out");
    parbench()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let latest = out.join("latest");
    let r = RunResults::load(&latest.join("results.json")).unwrap();
    let list = parbench()
        .args(["list", "--format", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let primitives: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workload"] == "contention")
        .unwrap()["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .filter(|v| *v != "serial")
        .collect();
    assert!(primitives.len() >= 11, "{primitives:?}");
    for variant in &primitives {
        for workers in 1..=4u32 {
            let p = r
                .points
                .iter()
                .find(|p| p.suite == "contention" && p.variant == *variant && p.workers == workers)
                .unwrap_or_else(|| panic!("no point {variant} w{workers}"));
            let label = format!("{variant} w{workers}");
            assert_eq!(p.status, Status::Ok, "{label}: {:?}", p.reason);
            let t = p.throughput.as_ref().unwrap();
            assert_eq!(t.unit, "ops/s", "{label}");
            assert!(t.value > 0.0, "{label}");
            // Fairness: the operations of every worker, summing to the iterations' total.
            let ops = p.operations.as_ref().unwrap_or_else(|| panic!("{label}"));
            assert_eq!(ops.per_worker.len(), workers as usize, "{label}");
            let total: u64 = ops.per_worker.iter().sum();
            assert_eq!(total, ops.fairness.total, "{label}");
            assert_eq!(total, 4_000 * ops.per_iteration.iterations, "{label}");
            assert!(ops.fairness.jain > 0.0 && ops.fairness.jain <= 1.0 + 1e-12);
            assert!(ops.fairness.min <= ops.fairness.max);
            // Latency: every other operation timed, p50, p90 and p99 reported.
            let lat = ops.latency.as_ref().unwrap_or_else(|| panic!("{label}"));
            assert_eq!(lat.every, 2);
            assert!(lat.samples >= 1000, "{label}: {} samples", lat.samples);
            for q in [0.5, 0.9, 0.99] {
                assert!(lat.percentile(q).is_some(), "{label} p{q}");
            }
            for m in [
                "jain_index",
                "starved_workers",
                "latency_p50",
                "latency_p99",
            ] {
                assert!(p.metrics.contains_key(m), "{label} lacks {m}");
            }
        }
        // A fit per primitive over the four worker counts: coefficients with intervals, or
        // the plain reason there is none.
        let fit = r
            .scalability
            .iter()
            .find(|f| f.suite == "contention" && f.variant == *variant)
            .unwrap_or_else(|| panic!("no USL fit for {variant}"));
        assert_eq!(fit.workers, vec![1, 2, 3, 4]);
        assert_eq!(fit.unit, "ops/s");
        match &fit.usl {
            UslOutcome::Fitted(u) => {
                assert!(
                    u.lambda > 0.0 && u.sigma >= 0.0 && u.kappa >= 0.0,
                    "{variant}"
                );
                assert!(
                    u.sigma_ci[0] <= u.sigma && u.sigma <= u.sigma_ci[1],
                    "{variant}"
                );
                assert!(
                    u.kappa_ci[0] <= u.kappa && u.kappa <= u.kappa_ci[1],
                    "{variant}"
                );
                assert_eq!(u.distinct_workers, 4);
            }
            // Four counts are enough; a noisy machine can still put the data off the curve.
            UslOutcome::NotMeaningful { reason } => {
                assert!(!reason.contains("distinct"), "{variant}: {reason}")
            }
        }
    }
    assert!(
        !r.scalability
            .iter()
            .any(|f| f.suite == "contention" && f.variant == "serial"),
        "serial runs on one worker: nothing to fit"
    );
    let two = r
        .scalability
        .iter()
        .find(|f| f.suite == "two-counts")
        .unwrap();
    let UslOutcome::NotMeaningful { reason } = &two.usl else {
        panic!("{:?}", two.usl)
    };
    assert!(reason.contains("2 distinct worker counts"), "{reason}");
    // The report shows them.
    let page = std::fs::read_to_string(latest.join("suite-contention.html")).unwrap();
    for title in [
        "Scalability: the Universal Scalability Law",
        "Fairness over the whole point",
        "Fairness within an iteration",
        "Latency of one operation",
        "Tail latency (p99) vs workers",
    ] {
        assert!(page.contains(title), "the contention page lacks {title}");
    }
    let csv = std::fs::read_to_string(latest.join("results.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains("jain_index"));
}
