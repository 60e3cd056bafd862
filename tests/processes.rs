//! The worker-process variants (`processes-spawn`, `processes-pool`): verified runs with their
//! costs, every fault contained with its reason, and no worker outliving Ctrl-C or a killed run.

mod common;
use common::{interrupt, spawn_run, wait_until, workers_of, write};

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{ExecutionModel, RunResults, Status};
use std::path::Path;

/// Runs `parbench run` on `config`, returning its pid, exit code and stderr; checks afterwards
/// that no worker of the run is left and that the run reaped every worker it started.
fn run_and_account(config: &Path, out: &Path) -> (i32, String) {
    let child = spawn_run(config, out, true);
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
#[expect(
    clippy::too_many_lines,
    reason = "one end-to-end scenario, read top to bottom"
)]
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
    let child = spawn_run(&cfg, &out, true);
    let pid = child.id();
    // Wait until the hanging point's workers are up (the first two points are checkpointed).
    wait_until(
        std::time::Duration::from_secs(60),
        "the run did not reach the hanging point",
        || {
            let measured = RunResults::load(&out.join("latest/results.json"))
                .map(|r| r.points.len())
                .unwrap_or(0);
            measured == 2 && !workers_of(pid).is_empty()
        },
    );
    let sent = std::time::Instant::now();
    interrupt(pid);
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
    let mut child = spawn_run(&cfg, &dir.path().join("out"), false);
    let pid = child.id();
    wait_until(
        std::time::Duration::from_secs(60),
        "the workers did not start",
        || workers_of(pid).len() >= 2,
    );
    // No chance to clean up: the kernel's parent-death signal must end the workers.
    child.kill().unwrap();
    child.wait().unwrap();
    wait_until(
        std::time::Duration::from_secs(10),
        "workers outlived their parent",
        || workers_of(pid).is_empty(),
    );
}
