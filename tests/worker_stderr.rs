//! A crashed worker's point says in one line that it crashed and how (exit status, signal); the
//! worker's raw stderr (panic message, backtrace) is kept in the point's `stderr` field, its
//! last 4 KiB.

mod common;
use common::{parbench, write};
use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{RunResults, Status};

#[test]
fn a_crashed_worker_is_one_line_and_its_stderr_is_kept_in_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cfg = write(
        dir.path(),
        "crash.toml",
        "[defaults]\nwarmup = \"1ms\"\nmin-samples = 2\nmax-samples = 3\nbudget = \"10ms\"\nrepetitions = 1\ntimeout = \"10s\"\nworkers = [2]\n\n[[suite]]\nname = \"faults\"\nworkload = \"fault\"\nsizes = [\"XS\"]\nvariants = [\"processes-pool\"]\n[suite.params]\nfault = [\"crash\", \"signal\", \"none\"]\n",
    );
    let output = parbench()
        .args(["run", "--no-calibrate", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        // The worker's panic comes with a backtrace: it must not reach the reason.
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let r = RunResults::load(&out.join("latest/results.json")).unwrap();
    let point = |fault: &str| {
        r.points
            .iter()
            .find(|p| {
                p.params
                    .get("fault")
                    .is_some_and(|f| f.to_string() == fault)
            })
            .unwrap()
    };
    let crash = point("crash");
    assert_eq!(crash.status, Status::Failed);
    let reason = crash.reason.as_deref().unwrap();
    assert!(
        reason.contains("crashed: it exited with status 101"),
        "{reason}"
    );
    assert!(
        reason.contains("panicked: fault injected: the worker crashed"),
        "{reason}"
    );
    for noise in ["stack backtrace", "panicked at", ".rs:", "\n"] {
        assert!(!reason.contains(noise), "{noise:?} in the reason: {reason}");
    }
    let raw = crash.stderr.as_deref().expect("the raw stderr is kept");
    assert!(raw.contains("panicked at"), "{raw}");
    assert!(raw.contains("fault injected: the worker crashed"), "{raw}");
    assert!(raw.contains("stack backtrace"), "{raw}");
    assert!(raw.len() <= 4096, "{}", raw.len());

    let signal = point("signal");
    assert_eq!(signal.status, Status::Failed);
    assert!(
        signal
            .reason
            .as_deref()
            .unwrap()
            .contains("crashed: it was killed by signal 6 (SIGABRT)"),
        "{:?}",
        signal.reason
    );
    let ok = point("none");
    assert_eq!(ok.status, Status::Ok);
    assert_eq!(ok.stderr, None);
    // The raw text is in results.json under `stderr`, as documented.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("latest/results.json")).unwrap()).unwrap();
    let crashed = json["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["params"]["fault"] == "crash")
        .unwrap();
    assert!(crashed["stderr"].as_str().unwrap().contains("panicked at"));
}
