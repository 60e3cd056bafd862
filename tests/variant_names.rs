//! Variant names are spelled once: `parbench_schema::variant` defines them, the config parser
//! reads user text into them, and every other production file uses the constants
//! (`names::SERIAL`, `VariantId::SERIAL`, …). This scans the source of the library crates, the
//! binary, the examples and the benches (test modules and comments aside) for a string literal
//! equal to a known variant name, so that the rule stays true as code is added. The test-support
//! crate is test code and is not scanned.

use parbench_schema::VariantId;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Directories scanned, relative to the workspace root.
const SCANNED: [&str; 10] = [
    "src",
    "examples",
    "schema/src",
    "analysis/src",
    "harness/src",
    "suites/src",
    "suites/benches",
    "history/src",
    "reports/src",
    "build.rs",
];

/// Files allowed to spell variant names: the definition and the config parser.
const ALLOWED_FILES: [&str; 3] = [
    "schema/src/variant.rs",
    "harness/src/config.rs",
    "harness/src/config/",
];

/// Lines that contain a variant name's text meaning something else: (file, the trimmed line's
/// start, why). Each must still match a line, so that an entry goes when its line does.
const OTHER_MEANINGS: [(&str, &str, &str); 16] = [
    (
        "schema/src/results.rs",
        "ExecutionModel::Serial => ",
        "the execution model's name",
    ),
    (
        "schema/src/results.rs",
        "ExecutionModel::Threads => ",
        "the execution model's name",
    ),
    (
        "schema/src/results.rs",
        "ExecutionModel::Rayon => ",
        "the execution model's name",
    ),
    (
        "schema/src/results.rs",
        "ExecutionModel::Opencl => ",
        "the execution model's name",
    ),
    (
        "schema/src/results.rs",
        "ExecutionModel::Mpi => ",
        "the execution model's name",
    ),
    (
        "schema/src/results.rs",
        "ExecutionModel::Command => ",
        "the execution model's name",
    ),
    (
        "schema/src/results.rs",
        "SyncKind::Mutex => ",
        "the synchronization kind's name",
    ),
    (
        "schema/src/results.rs",
        "SyncKind::Atomic => ",
        "the synchronization kind's name",
    ),
    (
        "schema/src/results.rs",
        "SyncKind::Sharded => ",
        "the synchronization kind's name",
    ),
    (
        "schema/src/results.rs",
        "SyncKind::Channel => ",
        "the synchronization kind's name",
    ),
    (
        "schema/src/results.rs",
        "SyncKind::Unsync => ",
        "the synchronization kind's name",
    ),
    (
        "suites/src/workloads/command.rs",
        "name: \"command\",",
        "the workload's name",
    ),
    (
        "suites/src/workloads/command.rs",
        "return Err(WorkloadError::unknown_variant(\"command\",",
        "the workload's name",
    ),
    ("suites/src/mpi/mod.rs", "\"mpi\"", "the backend's name"),
    (
        "suites/src/opencl/mod.rs",
        "\"opencl\"",
        "the backend's name",
    ),
    (
        "reports/src/html/mod.rs",
        "names::SHARDED | names::SHARDED_UNPADDED => \"sharded\",",
        "the report's family label the sharded variants share",
    ),
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        if path.extension().is_some_and(|e| e == "rs") {
            out.push(path.to_path_buf());
        }
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for entry in entries {
        rust_files(&entry.expect("directory entry").path(), out);
    }
}

/// The production lines of a source file: up to its `#[cfg(test)] mod …`, comment lines left
/// out, each with its 1-based number.
fn production_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let t = line.trim();
        if t.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|(_, next)| next.trim_start().starts_with("mod "))
        {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push((i + 1, t));
    }
    out
}

/// The known variant names `line` holds as a whole string literal.
fn literals_in(line: &str) -> Vec<&'static str> {
    VariantId::KNOWN
        .iter()
        .copied()
        .filter(|name| line.contains(&format!("\"{name}\"")))
        .collect()
}

/// Whether `file` is a test module of its crate (declared under `#[cfg(test)]`).
fn is_test_module(rel: &str) -> bool {
    rel.ends_with("/tests.rs")
}

#[test]
fn no_variant_name_literal_outside_its_definition_and_the_config_parser() {
    let mut files = Vec::new();
    for dir in SCANNED {
        rust_files(&Path::new(ROOT).join(dir), &mut files);
    }
    files.sort();
    assert!(
        files.len() > 50,
        "the scan found only {} files: is the layout the one SCANNED lists?",
        files.len()
    );
    let mut found = Vec::new();
    let mut used = vec![false; OTHER_MEANINGS.len()];
    for file in &files {
        let rel = file
            .strip_prefix(ROOT)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        if is_test_module(&rel) || ALLOWED_FILES.iter().any(|a| rel.starts_with(a)) {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("readable source");
        for (number, line) in production_lines(&text) {
            let names = literals_in(line);
            if names.is_empty() {
                continue;
            }
            if let Some(k) = OTHER_MEANINGS
                .iter()
                .position(|(f, start, _)| *f == rel && line.starts_with(start))
            {
                used[k] = true;
                continue;
            }
            found.push(format!("{rel}:{number}: {names:?} in `{line}`"));
        }
    }
    assert!(
        found.is_empty(),
        "variant name literals outside schema/src/variant.rs and the config parser; use \
         parbench_schema::variant::names or VariantId's constants:\n{}",
        found.join("\n")
    );
    let stale: Vec<_> = OTHER_MEANINGS
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|((f, start, why), _)| format!("{f}: `{start}` ({why})"))
        .collect();
    assert!(
        stale.is_empty(),
        "OTHER_MEANINGS entries that match no line any more (remove them):\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_scan_sees_literals_and_skips_comments_and_test_modules() {
    let text = "let a = \"threads\";\n// \"rayon\" in a comment\nlet b = \"rayon-ish\";\n\
                #[cfg(test)]\nmod tests {\n    let c = \"serial\";\n}\n";
    let hits: Vec<_> = production_lines(text)
        .into_iter()
        .flat_map(|(n, l)| literals_in(l).into_iter().map(move |v| (n, v)))
        .collect();
    assert_eq!(hits, vec![(1, "threads")]);
    assert!(is_test_module("history/src/tests.rs"));
    assert!(!is_test_module("suites/src/workloads/pi.rs"));
}
