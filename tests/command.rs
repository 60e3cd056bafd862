//! Command suites (external programs): the shipped config, placeholders as literal arguments,
//! timeouts and failures contained, config errors, the program's own memory, and no program or
//! child of it outliving Ctrl-C or a killed parbench.

mod common;
use common::{example, interrupt, parbench, spawn_run, wait_until, write};

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{ExecutionModel, RunResults, Status};
use predicates::prelude::*;

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
#[expect(
    clippy::too_many_lines,
    reason = "one end-to-end scenario, read top to bottom"
)]
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
    let child = spawn_run(&cfg, &out, true);
    let pid = child.id();
    wait_until(
        std::time::Duration::from_secs(60),
        "the run did not reach the stuck command",
        || !processes_with("sleep 47.3").is_empty(),
    );
    let sent = std::time::Instant::now();
    interrupt(pid);
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
    let mut child = spawn_run(&cfg, &dir.path().join("out"), false);
    wait_until(
        std::time::Duration::from_secs(60),
        "the run did not reach the command",
        || !processes_with("sleep 48.1").is_empty(),
    );
    child.kill().unwrap();
    child.wait().unwrap();
    wait_until(
        std::time::Duration::from_secs(10),
        "the command outlived parbench",
        || processes_with("sleep 48.1").is_empty(),
    );
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
