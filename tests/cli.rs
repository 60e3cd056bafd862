//! End-to-end tests of the `parbench` binary: configs, runs, reports, exit codes.

mod common;
use common::{parbench, write};

use parbench_analysis::results_io::ResultsFile;
use parbench_harness::results_file::WriteResults;
use parbench_schema::results::{ExecutionModel, RunResults, SCHEMA_VERSION, Status};
use predicates::prelude::*;
use std::path::Path;

// Synthetic results covering every workload, model and status (test data, built in code).
#[path = "../reports/tests/fixture/mod.rs"]
mod fixture;

#[test]
fn every_shipped_config_validates() {
    let mut n = 0;
    for entry in std::fs::read_dir("configs").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            parbench()
                .arg("validate")
                .arg(&path)
                .assert()
                .success()
                .stdout(predicate::str::contains(": ok ("));
            n += 1;
        }
    }
    assert!(n >= 3, "default, quick and full must ship");
}

#[test]
fn validate_rejects_unknown_key_with_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "bad.toml",
        "[defaults]\nbudget = \"1s\"\n\n[[suite]]\nworkload = \"pi\"\nsamples-please = 3\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:6:1"))
        .stderr(predicate::str::contains("samples-please"))
        .stderr(predicate::str::contains("expected one of"));
}

#[test]
fn validate_rejects_unknown_workload_and_out_of_range_values() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "w.toml", "[[suite]]\nworkload = \"fft\"\n");
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("w.toml:2:12"))
        .stderr(predicate::str::contains("unknown workload `fft`"));
    let cfg = write(
        dir.path(),
        "r.toml",
        "[[suite]]\nworkload = \"pi\"\ntarget-ci = 0\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("r.toml:3:13"))
        .stderr(predicate::str::contains("target-ci"));
    parbench()
        .arg("validate")
        .arg(dir.path().join("missing.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
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
fn report_turns_results_covering_every_workload_into_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let results = fixture::every_workload();
    let file = dir.path().join("results.json");
    results.write(&file).unwrap();
    let site = dir.path().join("site");
    let out = parbench()
        .arg("report")
        .arg(&file)
        .arg("--out")
        .arg(&site)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let listed = String::from_utf8(out).unwrap();
    let mut suites: Vec<&str> = results.points.iter().map(|p| p.suite.as_str()).collect();
    suites.dedup();
    let pages = std::fs::read_dir(&site)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.starts_with("suite-") && name.ends_with(".html")
        })
        .count();
    assert_eq!(pages, suites.len(), "a page per suite");
    for f in [
        "index.html",
        "results.json",
        "results.csv",
        "samples.csv",
        "summary.md",
    ] {
        assert!(site.join(f).is_file(), "{f}");
        assert!(listed.contains(f), "stdout lists {f}");
    }
    for workload in [
        "pi",
        "square",
        "counter",
        "histogram",
        "particles",
        "stencil",
        "mandelbrot",
        "matmul",
        "contention",
    ] {
        let page = std::fs::read_to_string(site.join(format!("suite-{workload}.html"))).unwrap();
        assert!(page.contains("Time vs workers"), "{workload}");
    }
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!index.contains(fixture::XSS));
    let summary = std::fs::read_to_string(site.join("summary.md")).unwrap();
    assert!(summary.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!summary.contains(fixture::XSS));

    // Rendered again beside its own results file: the JSON is left as it is.
    let before = std::fs::read(&file).unwrap();
    parbench().arg("report").arg(&file).assert().success();
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert!(dir.path().join("index.html").is_file());
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

#[test]
fn report_rejects_truncated_and_foreign_results() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        "trunc.json",
        "{\"schema_version\": 1, \"points\": [",
    );
    parbench()
        .arg("report")
        .arg(&t)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("trunc.json"))
        .stderr(predicate::str::contains("truncated"));
    let v = write(dir.path(), "v9.json", "{\"schema_version\": 9}");
    parbench()
        .arg("report")
        .arg(&v)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("schema version 9"));
}

#[test]
fn list_shows_the_matrix_in_table_and_json() {
    parbench()
        .args(["list", "--full"])
        .assert()
        .success()
        .stdout(predicate::str::contains("WORKLOAD"))
        .stdout(predicate::str::is_match(
            r"WORKLOAD +serial +threads +rayon +mutex +parking_lot +rwlock +atomic +sharded +channel +unsync",
        ).unwrap())
        .stdout(predicate::str::is_match(r"\ncounter +yes +yes +yes +yes +yes +- +yes +yes +yes +racy +- +-[ -]*\n").unwrap())
        .stdout(predicate::str::contains("Why cells are empty:"))
        .stdout(predicate::str::contains("counter x rwlock: every access increments"));
    let out = parbench()
        .args(["list", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["workload"].as_str().unwrap())
        .collect();
    for w in [
        "square",
        "pi",
        "counter",
        "histogram",
        "particles",
        "stencil",
        "mandelbrot",
        "matmul",
    ] {
        assert!(names.contains(&w), "{w} missing from {names:?}");
    }
    // Every cell of the matrix says what it is, and every empty one why.
    for w in v.as_array().unwrap() {
        let cells = w["matrix"].as_array().unwrap();
        assert!(cells.len() >= 10, "{w}");
        for c in cells {
            let state = c["state"].as_str().unwrap();
            assert!(
                [
                    "runs",
                    "expected-incorrect",
                    "unavailable",
                    "not-applicable"
                ]
                .contains(&state),
                "{c}"
            );
            assert_eq!(
                c["reason"].is_string(),
                state != "runs" && state != "expected-incorrect",
                "{c}"
            );
        }
    }
}

#[test]
fn a_variant_that_does_not_apply_is_rejected_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "na.toml",
        "[[suite]]\nworkload = \"particles\"\nvariants = [\"serial\", \"mutex\"]\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("na.toml:3"))
        .stderr(predicate::str::contains(
            "no variant `mutex` (particles never interact",
        ));
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in ["run", "list", "validate", "report"] {
        parbench()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
    parbench()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"));
}

// ---- regression tracking: compare, ab, history, export, import, ci/ ----

const COMPARE_FIXTURE: &str = "tests/data/compare/base.json";

/// A copy of the base fixture with every sample of `variant` scaled by `factor`.
fn scaled_fixture(dir: &Path, variant: &str, factor: f64) -> std::path::PathBuf {
    let mut r = RunResults::load(Path::new(COMPARE_FIXTURE)).unwrap();
    for p in r.points.iter_mut().filter(|p| p.variant == variant) {
        let m = p.measurement.as_mut().unwrap();
        for s in &mut m.samples_ns {
            s.0 *= factor;
        }
        for v in [
            &mut m.stats.mean,
            &mut m.stats.median,
            &mut m.stats.min,
            &mut m.stats.max,
            &mut m.stats.ci_low,
            &mut m.stats.ci_high,
        ] {
            v.0 *= factor;
        }
    }
    let path = dir.join(format!("{variant}-x{factor}.json"));
    r.write(&path).unwrap();
    path
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn compare_with_itself_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    parbench()
        .args(["compare", COMPARE_FIXTURE, COMPARE_FIXTURE, "--out"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("unchanged"))
        .stdout(predicate::str::contains("REGRESSED").not())
        .stdout(predicate::str::contains("inconclusive").not());
    let c = read_json(&out.join("compare.json"));
    let n = RunResults::load(Path::new(COMPARE_FIXTURE))
        .unwrap()
        .points
        .len();
    assert_eq!(c["counts"]["unchanged"], n, "{c}");
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.starts_with("## parbench: ✅ no regression"), "{md}");
}

#[test]
fn compare_flags_a_variant_thirty_percent_slower() {
    let dir = tempfile::tempdir().unwrap();
    let slower = scaled_fixture(dir.path(), "threads", 1.3);
    let out = dir.path().join("cmp");
    let assert = parbench()
        .args(["compare", COMPARE_FIXTURE])
        .arg(&slower)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("REGRESSION: "));
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let regressed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("REGRESSED"))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    // Seeded bootstrap: deterministic. The fourth threads point of the fixture is too noisy
    // (CV of its samples) for its interval to clear 10%, and stays inconclusive.
    assert_eq!(
        regressed,
        [
            "pi/XS/threads/w1",
            "pi/XS/threads/w2",
            "square/XS/threads/w1"
        ],
        "{stdout}"
    );
    let c = read_json(&out.join("compare.json"));
    for p in c["points"].as_array().unwrap() {
        if p["key"]["variant"] == "threads" {
            assert!((p["ratio"].as_f64().unwrap() - 1.3).abs() < 1e-9, "{p}");
            assert!(
                p["verdict"] == "regressed" || p["verdict"] == "inconclusive",
                "{p}"
            );
        } else {
            assert_eq!(p["verdict"], "unchanged", "{p}");
        }
    }
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("regression"), "{md}");
    assert!(md.contains("🔴 **regressed**"), "{md}");
}

#[test]
fn compare_rejects_unusable_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(COMPARE_FIXTURE).unwrap();
    let truncated = write(dir.path(), "truncated.json", &text[..text.len() / 2]);
    parbench()
        .args(["compare", COMPARE_FIXTURE])
        .arg(&truncated)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("truncated.json"))
        .stderr(predicate::str::contains("truncated"));
    // A version this parbench does not know is refused; version 1 (the fixture) still reads.
    let v3 = write(
        dir.path(),
        "v3.json",
        &text.replacen("\"schema_version\": 1", "\"schema_version\": 3", 1),
    );
    parbench()
        .arg("compare")
        .arg(&v3)
        .arg(COMPARE_FIXTURE)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("v3.json"))
        .stderr(predicate::str::contains("schema version 3"));
    parbench()
        .args(["compare", COMPARE_FIXTURE])
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.json"));

    // Another machine: refused, unless asked for, and then flagged.
    let mut other = RunResults::load(Path::new(COMPARE_FIXTURE)).unwrap();
    other.machine.cpu_model = "Some Other CPU".into();
    let other_path = dir.path().join("other.json");
    other.write(&other_path).unwrap();
    parbench()
        .args(["compare", COMPARE_FIXTURE])
        .arg(&other_path)
        .arg("--out")
        .arg(dir.path().join("c1"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("machine fingerprints differ"))
        .stderr(predicate::str::contains("--allow-machine-mismatch"));
    parbench()
        .args(["compare", COMPARE_FIXTURE])
        .arg(&other_path)
        .arg("--allow-machine-mismatch")
        .arg("--out")
        .arg(dir.path().join("c2"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "WARNING: the machine fingerprints differ",
        ));
    let md = std::fs::read_to_string(dir.path().join("c2/compare.md")).unwrap();
    assert!(md.contains("machine fingerprints differ"), "{md}");
}

#[test]
fn compare_thresholds_from_flags_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let slower = scaled_fixture(dir.path(), "serial", 1.3);
    // A threshold above the slowdown turns the regression off.
    parbench()
        .args(["compare", COMPARE_FIXTURE])
        .arg(&slower)
        .args(["--threshold-serial", "0.5", "--out"])
        .arg(dir.path().join("c"))
        .assert()
        .code(0);
    let t = write(
        dir.path(),
        "t.toml",
        "[[point]]\nsuite = \"pi\"\nsize = \"XS\"\nvariant = \"serial\"\nworkers = 1\nthreshold = 0.6\n",
    );
    let assert = parbench()
        .args(["compare", COMPARE_FIXTURE])
        .arg(&slower)
        .arg("--thresholds")
        .arg(&t)
        .arg("--out")
        .arg(dir.path().join("c"))
        .assert()
        .code(1);
    // square's serial point still regresses at the default 5%; pi's does not at 60%.
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("square/XS/serial/w1") && l.contains("REGRESSED")),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("pi/XS/serial/w1")
            && l.contains("60%")
            && !l.contains("REGRESSED")),
        "{stdout}"
    );
    let bad = write(
        dir.path(),
        "bad.toml",
        "[[point]]\nsuite = \"pi\"\nthreshold = \"x\"\n",
    );
    parbench()
        .args(["compare", COMPARE_FIXTURE, COMPARE_FIXTURE, "--thresholds"])
        .arg(&bad)
        .arg("--out")
        .arg(dir.path().join("c"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:"));
    parbench()
        .args([
            "compare",
            COMPARE_FIXTURE,
            COMPARE_FIXTURE,
            "--threshold-parallel",
            "2",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("out of range"));
}

/// A tiny gate config: one pi point, fast even in a debug build.
fn tiny_gate_config(dir: &Path, name: &str, n: u64) -> std::path::PathBuf {
    write(
        dir,
        name,
        &format!(
            "[defaults]\nwarmup = \"10ms\"\nmin-samples = 5\nmax-samples = 20\ntarget-ci = 0.01\nbudget = \"60ms\"\nworkers = [1]\n\n[[suite]]\nname = \"pi\"\nworkload = \"pi\"\nsizes = [{{ label = \"gate\", n = {n} }}]\nvariants = [\"serial\"]\n"
        ),
    )
}

/// Serializes the tests that time things against each other, so that they do not measure one
/// another on a 2-core CI machine.
fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Two copies of the parbench under test, as a CI job has for base and head.
fn two_binaries(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_parbench"));
    let a = dir.join("base-parbench");
    let b = dir.join("head-parbench");
    std::fs::copy(&bin, &a).unwrap();
    std::fs::copy(&bin, &b).unwrap();
    (a, b)
}

#[test]
fn ab_on_two_copies_of_one_binary_reports_no_regression() {
    let _timing = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_binaries(dir.path());
    let cfg = tiny_gate_config(dir.path(), "gate.toml", 300_000);
    let out = dir.path().join("ab");
    parbench()
        .arg("ab")
        .arg("--a-bin")
        .arg(&a)
        .arg("--b-bin")
        .arg(&b)
        .arg("--config")
        .arg(&cfg)
        .args(["--rounds", "8", "--seed", "11", "--out"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("pi/gate/serial/w1"))
        .stdout(predicate::str::contains("REGRESSED").not())
        .stderr(predicate::str::contains("round 8/8"));
    let c = read_json(&out.join("compare.json"));
    assert_eq!(c["method"]["kind"], "ab-rounds");
    assert_eq!(c["method"]["seed"], 11);
    let order = c["method"]["order"].as_array().unwrap();
    assert_eq!(order.len(), 8);
    for block in order.chunks(2) {
        assert_ne!(block[0], block[1], "ABBA blocks: {order:?}");
    }
    assert_eq!(c["counts"]["regressed"], 0);
    // Rounds a side measured disturbed (a busy test machine) may be left out, with a note each.
    let left_out = c["points"][0]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n.as_str().unwrap().contains("left out"))
        .count();
    assert_eq!(
        c["points"][0]["rounds"]["log_ratios"]
            .as_array()
            .unwrap()
            .len()
            + left_out,
        8
    );
    assert!(out.join("compare.md").exists());
    // Every round's results are kept.
    let runs: Vec<_> = std::fs::read_dir(out.join("runs")).unwrap().collect();
    assert_eq!(runs.len(), 1);
}

#[test]
fn ab_with_a_raised_problem_size_reports_a_regression() {
    let _timing = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_binaries(dir.path());
    let base = tiny_gate_config(dir.path(), "base.toml", 300_000);
    // Three times the work: a slowdown no scheduling hiccup of a shared 2-core machine hides
    // in 3 of 12 rounds (the sign-test interval at 12 rounds spans the 3rd to 10th ratio).
    let head = tiny_gate_config(dir.path(), "head.toml", 900_000);
    let out = dir.path().join("ab");
    parbench()
        .arg("ab")
        .arg("--a-bin")
        .arg(&a)
        .arg("--b-bin")
        .arg(&b)
        .arg("--a-config")
        .arg(&base)
        .arg("--b-config")
        .arg(&head)
        .args(["--rounds", "12", "--seed", "5", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("REGRESSED"))
        .stderr(predicate::str::contains(
            "problem size differs: n 300000 → 900000",
        ));
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.starts_with("## parbench: 🔴 1 regression"), "{md}");
}

#[test]
fn ab_aa_mode_suggests_thresholds_that_compare_reads() {
    let _timing = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let cfg = tiny_gate_config(dir.path(), "gate.toml", 300_000);
    let thresholds = dir.path().join("thresholds.toml");
    let out = dir.path().join("aa");
    parbench()
        .args(["ab", "--aa", "--rounds", "6", "--seed", "3", "--config"])
        .arg(&cfg)
        .arg("--write-thresholds")
        .arg(&thresholds)
        .arg("--out")
        .arg(&out)
        .assert()
        .stdout(predicate::str::contains("SUGGESTED"))
        .stdout(predicate::str::contains("DETECTABLE"));
    let text = std::fs::read_to_string(&thresholds).unwrap();
    assert!(
        text.contains("[[point]]") && text.contains("variant = \"serial\""),
        "{text}"
    );
    let c = read_json(&out.join("compare.json"));
    assert_eq!(c["method"]["aa"], true);
    assert!(
        c["points"][0]["rounds"]["suggested_threshold"]
            .as_f64()
            .unwrap()
            >= 0.01
    );
    // The file is a valid --thresholds input.
    parbench()
        .args(["compare", COMPARE_FIXTURE, COMPARE_FIXTURE, "--thresholds"])
        .arg(&thresholds)
        .arg("--out")
        .arg(dir.path().join("c"))
        .assert()
        .code(0);
    // Misuse is explained.
    parbench()
        .args(["ab", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--aa"));
    parbench()
        .args(["ab", "--rounds", "2", "--aa", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("few"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--rounds 3 or more"));
    parbench()
        .args(["ab", "--a-bin", "/nonexistent/parbench", "--aa"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/parbench"));
}

#[test]
fn history_records_concurrently_and_renders_trends() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    // Several results files (distinct runs of distinct commits) written by parallel jobs.
    let mut files = Vec::new();
    for i in 0..8u32 {
        let mut r = RunResults::load(Path::new(COMPARE_FIXTURE)).unwrap();
        r.run_id = format!("run-{i}");
        r.started_at = format!("2026-01-0{}T00:00:00Z", i + 1);
        let factor = if i < 4 { 1.0 } else { 1.25 };
        for p in &mut r.points {
            let m = p.measurement.as_mut().unwrap();
            m.stats.median.0 *= factor * (1.0 + 0.003 * (i % 3) as f64);
        }
        r.machine.git_commit = Some(format!("{i:040x}"));
        let path = dir.path().join(format!("r{i}.json"));
        r.write(&path).unwrap();
        files.push(path);
    }
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
                .args(["history", "add", "--branch", "main", "--db"])
                .arg(&db)
                .arg(f)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = parbench()
        .args(["history", "list", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert_eq!(
        text.lines().count(),
        1 + files.len(),
        "nothing lost:\n{text}"
    );
    // Recording the same file again changes nothing.
    parbench()
        .args(["history", "add", "--db"])
        .arg(&db)
        .arg(&files[0])
        .assert()
        .success()
        .stdout(predicate::str::contains("already recorded"));

    let site = dir.path().join("site");
    parbench()
        .args(["history", "report", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&site)
        .assert()
        .success()
        .stderr(predicate::str::contains("step(s) detected"));
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("Content-Security-Policy"));
    assert!(
        index.contains(&format!("<code>{:040x}</code>", 4)),
        "the step at commit 4 is listed"
    );
    let pages: Vec<String> = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("trend-"))
        .collect();
    assert_eq!(pages.len(), 2, "pi and square: {pages:?}");
    let page = std::fs::read_to_string(site.join(&pages[0])).unwrap();
    assert!(page.contains("<svg") && page.contains("change-point") && !page.contains("<script"));
    let json = read_json(&site.join("history.json"));
    assert!(
        json["series"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["change_points"].as_array().unwrap().len() == 1)
    );

    parbench()
        .args(["history", "report", "--db"])
        .arg(dir.path().join("none.db"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("none.db"));
    parbench()
        .args(["history", "add", "--db"])
        .arg(&db)
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.json"));
}

#[test]
fn export_to_bencher_and_github_action_benchmark() {
    let dir = tempfile::tempdir().unwrap();
    let out = parbench()
        .args(["export", COMPARE_FIXTURE, "--format", "bencher"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let bmf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lat = &bmf["pi/XS/serial/w1"]["latency"];
    assert!(lat["value"].as_f64().unwrap() > 0.0);
    assert!(lat["lower_value"].as_f64().unwrap() <= lat["value"].as_f64().unwrap());
    let file = dir.path().join("gab.json");
    parbench()
        .args([
            "export",
            COMPARE_FIXTURE,
            "--format",
            "github-action-benchmark",
            "--out",
        ])
        .arg(&file)
        .assert()
        .success();
    let gab = read_json(&file);
    let entries = gab.as_array().unwrap();
    assert_eq!(entries.len(), 10);
    assert!(
        entries
            .iter()
            .all(|e| e["unit"] == "ns" && e["value"].as_f64().unwrap() > 0.0)
    );
}

#[test]
fn import_criterion_results_into_reports_and_comparisons() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("imported");
    parbench()
        .args(["import", "criterion", "tests/data/criterion", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("imported 5 benchmark(s)"));
    let r = RunResults::load(&out.join("results.json")).unwrap();
    assert_eq!(r.points.len(), 5);
    assert!(r.points.iter().all(|p| p.model.to_string() == "external"));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("sum") && html.contains("fib 15"));
    parbench()
        .arg("compare")
        .arg(out.join("results.json"))
        .arg(out.join("results.json"))
        .arg("--out")
        .arg(dir.path().join("c"))
        .assert()
        .code(0);
    parbench()
        .args(["import", "criterion"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no criterion results"));
}

#[test]
fn ci_scripts_parse_and_pass_shellcheck() {
    let mut n = 0;
    for entry in std::fs::read_dir("ci").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sh") {
            let st = std::process::Command::new("bash")
                .arg("-n")
                .arg(&path)
                .status()
                .unwrap();
            assert!(st.success(), "bash -n {}", path.display());
            n += 1;
        }
    }
    assert!(n >= 3, "bench-pr.sh, publish.sh and measure-gate.sh");
    match std::process::Command::new("shellcheck")
        .arg("--version")
        .output()
    {
        Ok(_) => {
            let out = std::process::Command::new("shellcheck")
                .args([
                    "ci/bench-pr.sh",
                    "ci/publish.sh",
                    "ci/measure-gate.sh",
                    "ci/measure-command.sh",
                ])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        Err(_) if std::env::var_os("PARBENCH_REQUIRE_SHELLCHECK").is_some() => {
            panic!("shellcheck is required (PARBENCH_REQUIRE_SHELLCHECK is set) but not installed")
        }
        Err(_) => eprintln!("skipped shellcheck: not installed (apt-get install shellcheck)"),
    }
}

#[test]
fn bench_pr_script_runs_the_gate_with_prebuilt_binaries() {
    let _timing = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_binaries(dir.path());
    let cfg = tiny_gate_config(dir.path(), "gate.toml", 300_000);
    let out = dir.path().join("gate");
    let dry = std::process::Command::new("bash")
        .args(["ci/bench-pr.sh", "--dry-run", "--base", "HEAD", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&dry.stderr);
    assert!(dry.status.success(), "{err}");
    assert!(err.contains("cargo build --release --locked"), "{err}");
    assert!(err.contains(" ab --a-bin "), "{err}");
    let run = std::process::Command::new("bash")
        .args([
            "ci/bench-pr.sh",
            "--base",
            "HEAD",
            "--rounds",
            "6",
            "--config",
        ])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .env("PARBENCH_BASE_BIN", &a)
        .env("PARBENCH_HEAD_BIN", &b)
        .env("PARBENCH_AB_ARGS", "--seed 9")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(err.contains("compare.md is ready"), "{err}");
    let c = read_json(&out.join("compare.json"));
    assert_eq!(c["method"]["seed"], 9);
    assert_eq!(c["method"]["rounds"], 6);
}

#[test]
fn regression_subcommands_have_help_with_examples() {
    for sub in [
        vec!["compare"],
        vec!["ab"],
        vec!["history"],
        vec!["history", "add"],
        vec!["history", "report"],
        vec!["history", "list"],
        vec!["export"],
        vec!["import"],
    ] {
        let mut args = sub.clone();
        args.push("--help");
        parbench()
            .args(&args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}

#[test]
fn publish_script_builds_a_static_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let db = dir.path().join("h.db");
    let out = std::process::Command::new("bash")
        .args(["ci/publish.sh", "--site"])
        .arg(&site)
        .args([
            "--results",
            COMPARE_FIXTURE,
            "--branch",
            "main",
            "--commit",
            "abc123",
            "--db",
        ])
        .arg(&db)
        .env("PARBENCH", env!("CARGO_BIN_EXE_parbench"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in [
        "index.html",
        "latest/index.html",
        "latest/results.json",
        "history/index.html",
    ] {
        assert!(site.join(page).is_file(), "{page} missing");
    }
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("Content-Security-Policy") && index.contains("history/index.html"));
    let history = std::fs::read_to_string(site.join("history/index.html")).unwrap();
    assert!(history.contains("1 run on 1 machine"), "{history}");
}

// ---- worker processes ----------------------------------------------------------------------

/// Live processes whose environment names `parent` as their parbench parent: workers of that
/// run that are still around (orphans). Zombies have no readable environment; the run's own
/// "started, reaped, left" line accounts for those.
fn workers_of(parent: u32) -> Vec<u32> {
    let marker = format!("PARBENCH_WORKER_PARENT={parent}\0");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(env) = std::fs::read(entry.path().join("environ"))
            && String::from_utf8_lossy(&env).contains(&marker)
        {
            found.push(pid);
        }
    }
    found
}

/// Runs `parbench run` on `config`, returning its pid, exit code and stderr; checks afterwards
/// that no worker of the run is left and that the run reaped every worker it started.
fn run_and_account(config: &Path, out: &Path) -> (i32, String) {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(["run", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(workers_of(pid), Vec::<u32>::new(), "orphaned workers");
    assert_no_worker_left(&stderr);
    (output.status.code().unwrap_or(-1), stderr)
}

/// The run's own accounting: every worker started was reaped.
fn assert_no_worker_left(stderr: &str) {
    let line = stderr
        .lines()
        .find(|l| l.contains("worker processes started"))
        .unwrap_or_else(|| panic!("no worker accounting line in:\n{stderr}"));
    assert!(line.ends_with(" 0 left"), "{line}");
    let started: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(started > 0, "{line}");
}

const PROCESSES_CONFIG: &str = r#"
[defaults]
warmup = "20ms"
min-samples = 3
max-samples = 8
target-ci = 0.05
budget = "100ms"
timeout = "30s"
workers = [1, 2]

[[suite]]
name = "pi"
workload = "pi"
sizes = ["XS"]
variants = ["serial", "threads", "processes-spawn", "processes-pool"]

[[suite]]
name = "square"
workload = "square"
sizes = [50000]
variants = ["serial", "threads", "processes-spawn", "processes-pool"]
[suite.params]
transport = ["pipe", "shm"]
chunksize = [0, 7000]

[[suite]]
name = "mandelbrot"
workload = "mandelbrot"
sizes = ["XS"]
variants = ["serial", "threads", "processes-spawn", "processes-pool"]
"#;

#[test]
fn processes_run_in_both_modes_verify_and_report_their_costs() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "processes.toml", PROCESSES_CONFIG);
    let (code, stderr) = run_and_account(&cfg, &dir.path().join("out"));
    assert_eq!(code, 0, "{stderr}");
    let latest = dir.path().join("out/latest");
    let r = RunResults::load(&latest.join("results.json")).unwrap();
    let processes: Vec<_> = r
        .points
        .iter()
        .filter(|p| p.model == ExecutionModel::Processes)
        .collect();
    // pi and mandelbrot: 2 variants x 2 worker counts; square: the same for 2 transports x 2
    // chunk sizes.
    assert_eq!(processes.len(), 4 + 16 + 4);
    for p in &r.points {
        assert_eq!(p.status, Status::Ok, "{} {:?}", p.key(), p.reason);
        assert!(p.derived.speedup.is_some());
    }
    for p in &processes {
        let phase = |name: &str| {
            p.phases
                .iter()
                .find(|ph| ph.name == name)
                .map(|ph| ph.median.0)
        };
        let metric = |name: &str| p.metrics.get(name).map(|m| m.value);
        assert!(phase("compute").unwrap() > 0.0, "{}", p.key());
        assert!(phase("ipc").unwrap() > 0.0, "{}", p.key());
        if p.variant == "processes-spawn" {
            assert!(phase("startup").unwrap() > 0.0, "{}", p.key());
            assert!(phase("teardown").is_some(), "{}", p.key());
        } else {
            assert!(phase("startup").is_none(), "pool start-up is not timed");
            assert!(metric("pool_startup_ns").unwrap() > 0.0);
        }
        assert!(metric("spawn_to_ready_ns").unwrap() > 0.0, "{}", p.key());
        assert!(metric("ipc_per_task_ns").unwrap() > 0.0, "{}", p.key());
        assert!(
            metric("workers_peak_rss_bytes").unwrap() > 1e5,
            "{}",
            p.key()
        );
        if let Some(total) = metric("peak_rss_bytes") {
            assert!(total >= metric("workers_peak_rss_bytes").unwrap());
        }
        assert_eq!(p.sync, parbench_schema::results::SyncKind::Message);
    }
    // An explicit chunk size makes as many tasks as it says.
    let chunked = processes
        .iter()
        .find(|p| p.params_label().contains("chunksize=7000"))
        .unwrap();
    assert_eq!(chunked.metrics["tasks_per_iteration"].value, 8.0);
    // The threads variant's memory is measured too, for the comparison (where this kernel lets
    // a process reset its peak RSS, as parbench does per point).
    if std::fs::write("/proc/self/clear_refs", "5").is_ok() {
        let threads = r
            .points
            .iter()
            .find(|p| p.variant == "threads" && p.suite == "square")
            .unwrap();
        assert!(threads.metrics["peak_rss_bytes"].value >= 50000.0 * 16.0 * 0.9);
    } else {
        eprintln!("skipped the threads memory check: /proc/self/clear_refs is not writable here");
    }

    let html = std::fs::read_to_string(latest.join("index.html")).unwrap();
    assert!(html.contains("id=\"processes\""), "processes overview");
    assert!(html.contains("spawn to ready") && html.contains("IPC per task"));
    // Each suite page splits the processes' iteration time and compares memory with threads.
    for suite in [
        "suite-pi.html",
        "suite-square.html",
        "suite-mandelbrot.html",
    ] {
        let page = std::fs::read_to_string(latest.join(suite)).unwrap();
        assert!(page.contains("Worker processes beside threads"), "{suite}");
        assert!(
            page.contains("Peak resident memory each point needed"),
            "{suite}"
        );
        assert!(
            page.contains("startup") && page.contains("teardown"),
            "{suite}"
        );
    }
}

#[test]
fn every_worker_fault_is_contained_with_its_reason_and_exit_code_3() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "faults.toml",
        r#"
[defaults]
warmup = "10ms"
min-samples = 3
max-samples = 5
budget = "50ms"
timeout = "1s"
workers = [2]

[[suite]]
name = "faults"
workload = "fault"
sizes = ["XS"]
variants = ["serial", "processes-spawn", "processes-pool"]
[suite.params]
fault = ["crash", "signal", "hang", "wrong", "slow-start", "malformed", "none"]
start-delay-ms = 5000

[[suite]]
name = "late"
workload = "fault"
sizes = ["XS"]
variants = ["processes-pool"]
[suite.params]
fault = ["crash", "wrong"]
on-iteration = 3

[[suite]]
name = "after"
workload = "pi"
sizes = ["XS"]
variants = ["serial", "processes-pool"]
"#,
    );
    let (code, stderr) = run_and_account(&cfg, &dir.path().join("out"));
    assert_eq!(code, 3, "{stderr}");
    let r = RunResults::load(&dir.path().join("out/latest/results.json")).unwrap();
    assert!(r.complete, "the run goes on after failures");
    let point = |suite: &str, fault: &str, variant: &str| {
        r.points
            .iter()
            .find(|p| {
                p.suite == suite
                    && p.variant == variant
                    && p.params
                        .get("fault")
                        .is_some_and(|f| f.to_string() == fault)
            })
            .unwrap_or_else(|| panic!("{suite} {fault} {variant}"))
    };
    let expect = [
        ("crash", Status::Failed, "exited with status 101"),
        ("signal", Status::Failed, "killed by signal 6 (SIGABRT)"),
        (
            "hang",
            Status::Failed,
            "did not finish its task within the timeout",
        ),
        (
            "wrong",
            Status::Wrong,
            "answer differs from the serial reference",
        ),
        (
            "slow-start",
            Status::Failed,
            "did not become ready within the timeout",
        ),
        ("malformed", Status::Failed, "sent a malformed frame"),
    ];
    for variant in ["processes-spawn", "processes-pool"] {
        for (fault, status, reason) in expect {
            let p = point("faults", fault, variant);
            let why = p.reason.as_deref().unwrap_or("");
            assert_eq!(p.status, status, "{fault} {variant}: {why}");
            assert!(why.contains(reason), "{fault} {variant}: {why}");
            assert!(p.derived.speedup.is_none());
        }
        // The tail of the worker's stderr comes with the reason.
        let crash = point("faults", "crash", variant);
        assert!(
            crash
                .reason
                .as_deref()
                .unwrap()
                .contains("fault injected: the worker crashed"),
            "{:?}",
            crash.reason
        );
        assert!(
            point("faults", "hang", variant)
                .reason
                .as_deref()
                .unwrap()
                .contains("fault injected: the worker hangs")
        );
        assert!(
            point("faults", "malformed", variant)
                .reason
                .as_deref()
                .unwrap()
                .contains("fault injected: a stray print")
        );
        assert_eq!(point("faults", "none", variant).status, Status::Ok);
    }
    // Faults that strike after verification: while timing, and in the answer after timing.
    assert!(
        point("late", "crash", "processes-pool")
            .reason
            .as_deref()
            .unwrap()
            .starts_with("failed while timing: worker process")
    );
    assert!(
        point("late", "wrong", "processes-pool")
            .reason
            .as_deref()
            .unwrap()
            .starts_with("after timing:")
    );
    // And the run went on with the other points.
    assert!(
        r.points
            .iter()
            .filter(|p| p.suite == "after")
            .all(|p| p.status == Status::Ok)
    );
}

#[test]
fn sigint_mid_run_stops_the_workers_and_keeps_a_valid_results_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // The second suite's worker hangs for up to a minute: Ctrl-C must not wait for that.
    let cfg = write(
        dir.path(),
        "int.toml",
        r#"
[defaults]
warmup = "10ms"
min-samples = 3
max-samples = 5
budget = "50ms"
timeout = "60s"
workers = [2]

[[suite]]
name = "first"
workload = "pi"
sizes = ["XS"]
variants = ["serial", "processes-pool"]

[[suite]]
name = "stuck"
workload = "fault"
sizes = ["XS"]
variants = ["processes-pool"]
[suite.params]
fault = "hang"

[[suite]]
name = "never"
workload = "pi"
sizes = ["XS"]
variants = ["serial"]
"#,
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Wait until the hanging point's workers are up (the first two points are checkpointed).
    let started = std::time::Instant::now();
    loop {
        let measured = RunResults::load(&out.join("latest/results.json"))
            .map(|r| r.points.len())
            .unwrap_or(0);
        if measured == 2 && !workers_of(pid).is_empty() {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the run did not reach the hanging point"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let sent = std::time::Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(20),
        "Ctrl-C waited for the hanging worker: {:?}",
        sent.elapsed()
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(workers_of(pid), Vec::<u32>::new(), "orphaned workers");
    assert_no_worker_left(&stderr);
    let r = RunResults::load(&out.join("latest/results.json")).expect("a valid results file");
    assert!(!r.complete && r.finished_at.is_none());
    assert_eq!(r.points.len(), 2, "the interrupted point is not recorded");
    assert!(r.points.iter().all(|p| p.status == Status::Ok));
    assert!(out.join("latest/index.html").exists());
}

#[test]
fn workers_die_with_a_killed_parbench() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "stuck.toml",
        "[defaults]\ntimeout = \"60s\"\nworkers = [2]\n[[suite]]\nworkload = \"fault\"\nvariants = [\"processes-pool\"]\n[suite.params]\nfault = \"hang\"\n",
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("out"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let started = std::time::Instant::now();
    while workers_of(pid).len() < 2 {
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // No chance to clean up: the kernel's parent-death signal must end the workers.
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = std::time::Instant::now();
    while !workers_of(pid).is_empty() {
        assert!(
            killed.elapsed() < std::time::Duration::from_secs(10),
            "workers outlived their parent: {:?}",
            workers_of(pid)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn list_shows_the_processes_variants_and_the_fault_workload() {
    let out = parbench()
        .args(["list", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let workloads = v.as_array().unwrap();
    assert!(workloads.iter().any(|w| w["workload"] == "fault"));
    for name in ["pi", "square", "mandelbrot"] {
        let w = workloads.iter().find(|w| w["workload"] == name).unwrap();
        for variant in ["processes-spawn", "processes-pool"] {
            let entry = w["variants"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["name"] == variant)
                .unwrap_or_else(|| panic!("{name} {variant}"));
            assert_eq!(entry["available"], true, "{entry}");
            assert_eq!(entry["model"], "processes");
        }
    }
    // Workloads about shared-memory contention say why they have no processes variants.
    for name in ["counter", "histogram"] {
        let w = workloads.iter().find(|w| w["workload"] == name).unwrap();
        let cell = w["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["variant"] == "processes-pool")
            .unwrap();
        assert_eq!(cell["state"], "not-applicable", "{cell}");
        assert!(cell["reason"].as_str().unwrap().contains("share no memory"));
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // The reader goes away before parbench writes (as with `parbench list | head -0`): the write
    // fails with EPIPE, which must end the process with success and no panic message.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(["list", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

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
    not(parbench_opencl),
    ignore = "built without OpenCL (PARBENCH_OPENCL=0, or no OpenCL library at build time)"
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
    not(parbench_opencl),
    ignore = "built without OpenCL (PARBENCH_OPENCL=0, or no OpenCL library at build time)"
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

// ---- Command suites (external programs) and the Rust API example ----

/// The path of example `name` built in this test's profile, building it when it is missing
/// (`cargo test` builds every example; `cargo test --test cli` alone does not).
fn example(name: &str) -> std::path::PathBuf {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_parbench")).parent().unwrap();
    let path = bin_dir.join("examples").join(name);
    if !path.exists() {
        let mut cargo = std::process::Command::new(env!("CARGO"));
        cargo.args(["build", "--quiet", "--example", name]);
        if bin_dir.ends_with("release") {
            cargo.arg("--release");
        }
        let status = cargo.status().unwrap();
        assert!(status.success(), "cargo build --example {name} failed");
    }
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// The processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if entry.file_name().to_string_lossy().parse::<u32>().is_err() {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.contains(marker) && !text.contains("parbench") {
                found.push(text);
            }
        }
    }
    found
}

/// The run's accounting line for command runs: every launcher started was reaped.
fn assert_no_command_left(stderr: &str) {
    let line = stderr
        .lines()
        .find(|l| l.contains("command runs started"))
        .unwrap_or_else(|| panic!("no command accounting line in:\n{stderr}"));
    assert!(line.ends_with(" 0 left"), "{line}");
}

#[test]
fn the_shipped_command_config_benchmarks_a_threaded_program_over_workers_1_to_4() {
    // configs/command.toml as shipped, but with the debug build of examples/spin (the one this
    // test run has) and a smaller problem: everything else (setup through cargo, placeholders,
    // environment, checksum verification, working-dir) as a user runs it.
    let shipped = std::fs::read_to_string("configs/command.toml").unwrap();
    let root = std::env::current_dir().unwrap();
    let profile = if example("spin").to_string_lossy().contains("/release/") {
        "release"
    } else {
        "debug"
    };
    let mut text = shipped.clone();
    for (from, to) in [
        (
            "setup = [\"cargo\", \"build\", \"--release\", ",
            if profile == "release" {
                "setup = [\"cargo\", \"build\", \"--release\", ".to_string()
            } else {
                "setup = [\"cargo\", \"build\", ".to_string()
            },
        ),
        (
            "\"target/release/examples/spin\"",
            format!("\"target/{profile}/examples/spin\""),
        ),
        ("sizes = [400000000]", "sizes = [3000000]".to_string()),
        (
            "working-dir = \"..\"",
            format!("working-dir = {:?}", root.display().to_string()),
        ),
    ] {
        assert!(
            text.contains(from),
            "configs/command.toml no longer has `{from}`"
        );
        text = text.replace(from, &to);
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "command.toml", &text);
    let out = parbench()
        .args(["run", "--quick", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_no_command_left(&stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("spin"), "{stdout}");

    let latest = dir.path().join("out/latest");
    let r = RunResults::load(&latest.join("results.json")).unwrap();
    let workers: Vec<u32> = r.points.iter().map(|p| p.workers).collect();
    assert_eq!(workers, [1, 2, 3, 4]);
    for p in &r.points {
        assert_eq!(p.status, Status::Ok, "{} {:?}", p.key(), p.reason);
        assert_eq!(p.model, ExecutionModel::Command);
        assert_eq!(
            (p.workload.as_str(), p.variant.as_str()),
            ("command", "command")
        );
        let speedup = p.derived.speedup.expect("a speedup");
        assert!(speedup > 0.0);
        assert_eq!(p.derived.baseline.as_deref(), Some("command at 1 worker"));
        assert!(p.derived.efficiency.is_some());
        for m in [
            "user_cpu_ns",
            "system_cpu_ns",
            "cpu_utilization",
            "program_peak_rss_bytes",
            "rss_floor_bytes",
            "launch_overhead_ns",
            "peak_rss_bytes",
        ] {
            assert!(
                p.metrics.contains_key(m),
                "{} lacks {m}: {:?}",
                p.key(),
                p.metrics
            );
        }
        // The program computed for some of its wall time. (Linux splits CPU time into user
        // and system by tick samples, so only their sum is exact for short runs.)
        assert!(p.metrics["user_cpu_ns"].value + p.metrics["system_cpu_ns"].value > 0.0);
        assert!(p.metrics["cpu_utilization"].value > 0.0);
        assert!(p.metrics["program_peak_rss_bytes"].value > 1e6);
    }
    assert_eq!(r.points[0].derived.speedup, Some(1.0));
    assert!(r.points[2].oversubscribed || parbench_harness::fingerprint::logical_cores() >= 3);
    // In the report like any workload: the suite page with its speedup plot and fit.
    let index = std::fs::read_to_string(latest.join("index.html")).unwrap();
    assert!(index.contains("suite-spin.html"), "index lists the suite");
    let page = std::fs::read_to_string(latest.join("suite-spin.html")).unwrap();
    assert!(page.contains("Speedup"), "suite page has the speedup plot");
    assert!(page.contains("Amdahl"), "suite page has the Amdahl fit");
    assert!(
        page.contains("cpu_utilization"),
        "suite page lists the metrics"
    );
}

#[test]
fn placeholders_reach_the_program_as_one_literal_argument_with_and_without_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    // Shell metacharacters, quotes, a backslash, braces and spaces: all one argument.
    let tag = r#"a b; echo pwned $(id) `id` | cat > x & 'q' "d" \ {x} * ?"#;
    let plain = dir.path().join("plain.txt");
    let shell = dir.path().join("shell.txt");
    let config = format!(
        r#"
[defaults]
warmup = "1ms"
min-samples = 2
max-samples = 2
budget = "1ms"
workers = [3]

[[suite]]
name = "plain"
# $0 is the output file; the script writes how many arguments follow, then each on a line.
command = ["/bin/sh", "-c", "printf '%s\n' \"$#\" \"$@\" > \"$0\"", "{{out}}", "--tag={{tag}}", "{{tag}}", "w{{workers}}"]
[suite.params]
tag = {tag:?}
out = {plain:?}

[[suite]]
name = "shell"
shell = true
command = "printf '%s\n' {{tag}} \"$TAG\" > {{out}}"
env = {{ TAG = "{{tag}}" }}
[suite.params]
tag = {tag:?}
out = {shell:?}
"#,
        plain = plain.display().to_string(),
        shell = shell.display().to_string(),
    );
    let cfg = write(dir.path(), "args.toml", &config);
    let out = parbench()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&plain).unwrap(),
        format!("3\n--tag={tag}\n{tag}\nw3\n")
    );
    assert_eq!(
        std::fs::read_to_string(&shell).unwrap(),
        format!("{tag}\n{tag}\n")
    );
    assert!(processes_with("pwned").is_empty());
}

#[test]
fn command_timeouts_failing_exits_and_wrong_output_are_contained_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let config = r#"
[defaults]
warmup = "1ms"
min-samples = 2
max-samples = 3
budget = "10ms"
timeout = "2s"
workers = [1]

[[suite]]
name = "hang"
command = ["/bin/sh", "-c", "echo about to hang >&2; sleep 31.7; echo never"]
timeout = "300ms"

[[suite]]
name = "bad-exit"
command = ["/bin/sh", "-c", "echo out of cheese >&2; exit 3"]

[[suite]]
name = "expected-exit"
command = ["/bin/sh", "-c", "echo fine; exit 3"]
expected-exit-code = 3

[[suite]]
name = "missing"
command = ["/nonexistent/solver", "--n", "3"]

[[suite]]
name = "wrong"
command = ["/bin/sh", "-c", "echo checksum: $0", "{workers}"]
workers = [1, 2]
[suite.verify]
checksum = "checksum: (\\d+)"

[[suite]]
name = "after"
command = ["/bin/sh", "-c", "echo ok"]
[suite.verify]
matches = "^ok$"
same-output = true
"#;
    let cfg = write(dir.path(), "faults.toml", config);
    let t = std::time::Instant::now();
    let out = parbench()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        t.elapsed() < std::time::Duration::from_secs(25),
        "{:?}",
        t.elapsed()
    );
    assert_no_command_left(&stderr);
    assert!(
        processes_with("sleep 31.7").is_empty(),
        "the timed-out program was not killed"
    );
    let r = RunResults::load(&dir.path().join("out/latest/results.json")).unwrap();
    let point = |suite: &str, workers: u32| {
        r.points
            .iter()
            .find(|p| p.suite == suite && p.workers == workers)
            .unwrap_or_else(|| panic!("no point {suite} w{workers}"))
    };
    let reason =
        |suite: &str, workers: u32| point(suite, workers).reason.clone().unwrap_or_default();

    assert_eq!(point("hang", 1).status, Status::Failed);
    assert!(
        reason("hang", 1).contains("did not finish within the timeout of 300ms"),
        "{}",
        reason("hang", 1)
    );
    assert!(
        reason("hang", 1).contains("about to hang"),
        "stderr tail: {}",
        reason("hang", 1)
    );

    assert_eq!(point("bad-exit", 1).status, Status::Failed);
    assert!(
        reason("bad-exit", 1).contains("exited with status 3 (expected exit code 0)"),
        "{}",
        reason("bad-exit", 1)
    );
    assert!(
        reason("bad-exit", 1).contains("out of cheese"),
        "{}",
        reason("bad-exit", 1)
    );

    assert_eq!(
        point("expected-exit", 1).status,
        Status::Ok,
        "{}",
        reason("expected-exit", 1)
    );

    assert_eq!(point("missing", 1).status, Status::Failed);
    assert!(
        reason("missing", 1).contains("cannot start `/nonexistent/solver`"),
        "{}",
        reason("missing", 1)
    );

    assert_eq!(
        point("wrong", 1).status,
        Status::Ok,
        "{}",
        reason("wrong", 1)
    );
    assert_eq!(point("wrong", 2).status, Status::Wrong);
    assert!(
        reason("wrong", 2).contains("expected `checksum 1`, found `checksum 2`"),
        "{}",
        reason("wrong", 2)
    );
    assert_eq!(
        point("wrong", 2).derived.speedup,
        None,
        "never a speedup when wrong"
    );

    assert_eq!(
        point("after", 1).status,
        Status::Ok,
        "the run went on: {}",
        reason("after", 1)
    );
}

#[test]
fn command_suite_config_errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "both.toml",
            "[[suite]]\nworkload = \"pi\"\ncommand = [\"./solver\"]\n",
            "both.toml:3:11",
            "not both",
        ),
        (
            "typo.toml",
            "[[suite]]\nworkers = [1, 2]\ncommand = [\"./solver\", \"--threads\", \"{wrkers}\"]\n",
            "typo.toml:3:37",
            "unknown placeholder {wrkers}: did you mean {workers}?",
        ),
        (
            "regex.toml",
            "[[suite]]\nworkers = [1]\ncommand = [\"./solver\"]\n[suite.verify]\nmatches = \"(unclosed\"\n",
            "regex.toml:5:11",
            "invalid regular expression",
        ),
        (
            "neither.toml",
            "[[suite]]\nname = \"nothing\"\n",
            "neither.toml:",
            "missing field `workload`",
        ),
    ];
    for (name, text, position, message) in cases {
        let cfg = write(dir.path(), name, text);
        parbench()
            .arg("validate")
            .arg(&cfg)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(position))
            .stderr(predicate::str::contains(message));
    }
    // The key is named, qualified by its suite.
    let cfg = write(
        dir.path(),
        "key.toml",
        "[[suite]]\nworkers = [1]\ncommand = [\"./solver\"]\n[suite.verify]\nchecksum = \"(\"\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("key `suite[1].verify.checksum`"));
}

#[test]
fn the_custom_workload_example_runs_its_workload_through_parbench() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(example("custom_workload"))
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report = dir.path().join("report");
    for file in [
        "results.json",
        "index.html",
        "suite-collatz.html",
        "results.csv",
        "samples.csv",
        "summary.md",
    ] {
        assert!(report.join(file).is_file(), "{file} missing");
    }
    let r = RunResults::load(&report.join("results.json")).unwrap();
    assert!(r.complete);
    let mut variants: Vec<&str> = r.points.iter().map(|p| p.variant.as_str()).collect();
    variants.dedup();
    assert_eq!(variants, ["serial", "rayon", "mutex"]);
    for p in &r.points {
        assert_eq!(p.workload, "collatz");
        assert_eq!(p.status, Status::Ok, "{} {:?}", p.key(), p.reason);
        assert!(p.derived.speedup.is_some(), "{}", p.key());
        assert_eq!(p.derived.baseline.as_deref(), Some("serial"));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("collatz mutex w1: speedup"), "{stdout}");
    let page = std::fs::read_to_string(report.join("suite-collatz.html")).unwrap();
    assert!(page.contains("Content-Security-Policy"));
}

#[test]
fn a_commands_peak_rss_is_the_programs_own() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"
[defaults]
warmup = "1ms"
min-samples = 2
max-samples = 2
budget = "1ms"
workers = [1]

[[suite]]
name = "alloc"
command = [{spin:?}, "--work", "1", "--alloc-mib", "{{mib}}"]
[suite.params]
mib = [1, 48]
"#,
        spin = example("spin").display().to_string()
    );
    let cfg = write(dir.path(), "rss.toml", &config);
    let out = parbench()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = RunResults::load(&dir.path().join("out/latest/results.json")).unwrap();
    let mib =
        |p: &parbench_schema::results::Point, m: &str| p.metrics[m].value / (1u64 << 20) as f64;
    let small = &r.points[0];
    let big = &r.points[1];
    // 48 MiB touched: the figure is that plus the program's own few MiB (binary, stack, heap),
    // not parbench's memory.
    let peak = mib(big, "program_peak_rss_bytes");
    assert!(
        (48.0..48.0 + 8.0).contains(&peak),
        "48 MiB program: {peak} MiB"
    );
    // A program smaller than the launcher's floor shows the floor, and says so.
    let floor = mib(small, "rss_floor_bytes");
    assert!(floor > 0.5 && floor < 16.0, "floor {floor} MiB");
    assert!(mib(small, "program_peak_rss_bytes") <= floor + 0.25);
    assert!(
        small
            .warnings
            .iter()
            .any(|w| w.contains("launcher's floor")),
        "{:?}",
        small.warnings
    );
    assert!(!big.warnings.iter().any(|w| w.contains("launcher's floor")));
}

#[test]
fn ctrl_c_kills_a_running_command_and_its_children_and_keeps_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // The second suite's program starts a child of its own and waits: both must die at Ctrl-C.
    let cfg = write(
        dir.path(),
        "int.toml",
        r#"
[defaults]
warmup = "1ms"
min-samples = 2
max-samples = 2
budget = "1ms"
timeout = "60s"
workers = [1]

[[suite]]
name = "first"
command = ["/bin/sh", "-c", "true"]

[[suite]]
name = "stuck"
command = ["/bin/sh", "-c", "sleep 47.3 & wait"]
"#,
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let started = std::time::Instant::now();
    while processes_with("sleep 47.3").is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the run did not reach the stuck command"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sent = std::time::Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(20),
        "Ctrl-C waited for the command: {:?}",
        sent.elapsed()
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert_no_command_left(&stderr);
    assert!(
        processes_with("sleep 47.3").is_empty(),
        "the command's child outlived the run"
    );
    let r = RunResults::load(&out.join("latest/results.json")).expect("a valid results file");
    assert!(!r.complete);
    assert_eq!(r.points.len(), 1, "the interrupted point is not recorded");
    assert_eq!(r.points[0].status, Status::Ok);
}

#[test]
fn a_command_and_its_children_die_with_a_killed_parbench() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "orphan.toml",
        "[defaults]\nworkers = [1]\ntimeout = \"60s\"\n[[suite]]\ncommand = [\"/bin/sh\", \"-c\", \"sleep 48.1 & wait\"]\n",
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("out"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while processes_with("sleep 48.1").is_empty() {
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = std::time::Instant::now();
    while !processes_with("sleep 48.1").is_empty() {
        assert!(
            killed.elapsed() < std::time::Duration::from_secs(10),
            "the command outlived parbench: {:?}",
            processes_with("sleep 48.1")
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_readme_command_suite_example_validates() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = readme
        .split("### Command suites")
        .nth(1)
        .expect("the README has a command suites section");
    let toml = section
        .split("```toml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a toml block");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "readme.toml", toml);
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .success()
        .stdout(predicate::str::contains("(1 suites, 16 points)"));
}
