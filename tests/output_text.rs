//! User text (suite names, parameters, reasons) from configs and results files reaches the
//! terminal, Markdown, HTML and CSV without control characters and without spreadsheet formulas.

mod common;
use common::parbench;

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::RunResults;
use std::path::Path;

const BASE: &str = "tests/data/compare/base.json";
const HOSTILE: &str = "pi\u{1b}[2J\u{1b}]0;owned\u{7}\0";

fn has_control(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes)
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn control_characters_from_results_files_never_reach_an_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = RunResults::load(Path::new(BASE)).unwrap();
    for p in &mut r.points {
        p.suite = p.suite.replace("pi", HOSTILE);
        p.reason = Some(format!("reason {HOSTILE}"));
    }
    let file = dir.path().join("hostile.json");
    std::fs::write(&file, r.to_json()).unwrap();
    // The same file on both sides: every point pairs, so names appear in the table.
    let out = parbench()
        .arg("compare")
        .arg(&file)
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("cmp"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("piU+001B[2J"), "{stdout}");
    assert!(!has_control(&out.stdout), "{stdout:?}");
    assert!(!has_control(&out.stderr));
    let site = dir.path().join("site");
    parbench()
        .arg("report")
        .arg(&file)
        .arg("--out")
        .arg(&site)
        .assert()
        .success();
    for f in files_under(&dir.path().join("cmp"))
        .into_iter()
        .chain(files_under(&site))
        // JSON and CSV are data: they keep the text as it is (quoted).
        .filter(|f| f.extension().is_some_and(|e| e != "json" && e != "csv"))
    {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !has_control(&bytes),
            "{} holds control characters",
            f.display()
        );
    }
}

#[test]
fn a_run_prints_no_control_characters_from_its_config() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[defaults]\nwarmup = \"1ms\"\nbudget = \"5ms\"\nmin-samples = 2\nmax-samples = 3\n[[suite]]\nname = \"pi\\u001b[31mred\"\nworkload = \"pi\"\nsizes = [1000]\nvariants = [\"serial\"]\n",
    )
    .unwrap();
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
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("piU+001B[31mred"), "{stdout}");
    assert!(!has_control(&out.stdout), "{stdout:?}");
    assert!(
        !has_control(&out.stderr),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn csv_cells_never_start_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = RunResults::load(Path::new(BASE)).unwrap();
    for p in &mut r.points {
        p.suite = format!("=HYPERLINK(\"http://x\",\"{}\")", p.suite);
    }
    let file = dir.path().join("formula.json");
    std::fs::write(&file, r.to_json()).unwrap();
    let site = dir.path().join("site");
    parbench()
        .arg("report")
        .arg(&file)
        .arg("--out")
        .arg(&site)
        .assert()
        .success();
    for name in ["results.csv", "samples.csv"] {
        let text = std::fs::read_to_string(site.join(name)).unwrap();
        assert!(text.contains("\"'=HYPERLINK("), "{name}: {text}");
        for line in text.lines() {
            assert!(!line.starts_with('='), "{name}: {line}");
            assert!(
                !line.contains(",=") && !line.contains(",\"="),
                "{name}: {line}"
            );
        }
    }
}

#[test]
fn a_thread_that_cannot_be_spawned_fails_its_point_without_panic_text() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("many.toml");
    std::fs::write(
        &cfg,
        "[defaults]\nwarmup = \"1ms\"\nbudget = \"5ms\"\nmin-samples = 2\nmax-samples = 3\n[[suite]]\nworkload = \"pi\"\nsizes = [100000]\nvariants = [\"threads\"]\nworkers = [4096]\n",
    )
    .unwrap();
    // 4096 thread stacks do not fit in 2 GiB of address space: spawning fails part way.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2000000 && exec \"$0\" run --config \"$1\" --out \"$2\"")
        .arg(assert_cmd::cargo::cargo_bin("parbench"))
        .arg(&cfg)
        .arg(dir.path().join("out"))
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(!stderr.contains("panicked at"), "{stderr}");
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
    let results = RunResults::load(&dir.path().join("out/latest/results.json")).unwrap();
    let reason = results.points[0].reason.as_deref().unwrap_or_default();
    assert!(reason.contains("spawn"), "{reason}");
}
