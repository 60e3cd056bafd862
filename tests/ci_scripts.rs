//! The scripts in `ci/`: they parse, pass shellcheck (where installed), and `publish.sh` builds a
//! static site. (`bench-pr.sh` runs the A/B gate: tests/ab.rs.)

mod common;
use common::BASE;

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
fn publish_script_builds_a_static_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let db = dir.path().join("h.db");
    let out = std::process::Command::new("bash")
        .args(["ci/publish.sh", "--site"])
        .arg(&site)
        .args([
            "--results",
            BASE,
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
