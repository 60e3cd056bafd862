//! A command suite's program that starts a process outside its process group (`setsid`, a
//! daemon) does not leave it running: parbench adopts such orphans as child subreaper and ends
//! them after every command run (Linux).
#![cfg(target_os = "linux")]

mod common;
use common::{run_config, write};
use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{RunResults, Status};
use std::time::{Duration, Instant};

/// Pids and command lines of the processes whose command line contains `marker` (parbench's
/// own and the shells excluded).
fn processes_with(marker: &str) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.contains(marker) && !text.contains("parbench") && !text.contains("sh -c") {
                found.push((pid, text));
            }
        }
    }
    found
}

#[test]
fn processes_a_command_starts_with_setsid_do_not_outlive_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // One orphan lets go of the output pipes, the other holds them (parbench used to wait for
    // them and fail the point); both leave the process group with setsid.
    let cfg = write(
        dir.path(),
        "setsid.toml",
        "[defaults]\nwarmup = \"1ms\"\nmin-samples = 2\nmax-samples = 3\nbudget = \"10ms\"\nrepetitions = 1\ntimeout = \"30s\"\nworkers = [1]\n\n[[suite]]\nname = \"detached\"\ncommand = [\"/bin/sh\", \"-c\", \"setsid sleep 47.71 </dev/null >/dev/null 2>&1 &\"]\n\n[[suite]]\nname = \"holding\"\ncommand = [\"/bin/sh\", \"-c\", \"setsid sleep 47.72 &\"]\n",
    );
    let output = run_config(&cfg, &out, Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The kernel may take a moment to finish off a killed process.
    let started = Instant::now();
    while !processes_with("sleep 47.7").is_empty() && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left = processes_with("sleep 47.7");
    for (pid, cmdline) in &left {
        // Ours (started by this test's run): end them so that reruns start clean.
        eprintln!("left behind: {pid} {cmdline}");
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert!(
        left.is_empty(),
        "processes outlived the run: {left:?}\n{stderr}"
    );
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let r = RunResults::load(&out.join("latest/results.json")).unwrap();
    for p in &r.points {
        assert_eq!(p.status, Status::Ok, "{}: {:?}", p.suite, p.reason);
    }
}
