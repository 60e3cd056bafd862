//! The architecture rules of README's "Architecture" section, checked:
//! - crate dependencies point one way: schema ← analysis ← harness ← suites, history reads
//!   schema and analysis, reports reads only schema, analysis and history's data model (without
//!   its database features), the binary uses them all; the test-support crate is a dev-dependency
//!   only (`cargo metadata`, and `cargo tree` for what the report, history and schema crates
//!   compile);
//! - inside each library crate, no module imports another that imports it back (the `crate::`
//!   paths of every source file, test modules aside, folded into the crate's top-level modules).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The parbench crates each crate may depend on (normal and dev dependencies alike).
const ALLOWED: [(&str, &[&str]); 8] = [
    ("parbench-schema", &[]),
    ("parbench-analysis", &["parbench-schema"]),
    (
        "parbench-harness",
        &["parbench-analysis", "parbench-schema"],
    ),
    (
        "parbench-suites",
        &["parbench-harness", "parbench-analysis", "parbench-schema"],
    ),
    (
        "parbench-history",
        &["parbench-analysis", "parbench-schema"],
    ),
    (
        "parbench-reports",
        &["parbench-history", "parbench-analysis", "parbench-schema"],
    ),
    (
        "parbench",
        &[
            "parbench-suites",
            "parbench-reports",
            "parbench-history",
            "parbench-harness",
            "parbench-analysis",
            "parbench-schema",
        ],
    ),
    (
        "parbench-test-support",
        &["parbench-reports", "parbench-analysis", "parbench-schema"],
    ),
];

/// Crates that only tests use: any crate may take them as a dev-dependency (their tests' shared
/// data and checks), none as a normal or build dependency.
const DEV_ONLY: [&str; 1] = ["parbench-test-support"];

/// Module circles known and still to be removed: (crate, the modules of the circle). None is
/// left. The last one, in suites (`backend` ↔ `mpi`/`opencl`/`processes`), went when the
/// `Backend` trait and the hook types moved below the backends (`hooks`), leaving `backend`
/// (`BACKENDS`, `Hooked`, `WithBackends`) above them. The test fails when a circle appears, or
/// when one listed here changes or disappears, so that its entry is removed with it.
const KNOWN_CYCLES: [(&str, &[&str]); 0] = [];

/// The library crates whose modules are checked, by directory.
const LIBRARY_CRATES: [&str; 7] = [
    "schema",
    "analysis",
    "harness",
    "suites",
    "reports",
    "history",
    "test-support",
];

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

#[test]
fn crate_dependencies_point_one_way() {
    let out = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(ROOT)
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.into_iter().collect();
    let mut seen = BTreeSet::new();
    let mut wrong = Vec::new();
    for package in meta["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let Some(ok) = allowed.get(name) else {
            wrong.push(format!(
                "{name} is not in ALLOWED: add it, with the crates it may use"
            ));
            continue;
        };
        seen.insert(name);
        for dep in package["dependencies"].as_array().unwrap() {
            let dep_name = dep["name"].as_str().unwrap();
            let kind = dep["kind"].as_str().unwrap_or("normal");
            if DEV_ONLY.contains(&dep_name) {
                if kind != "dev" {
                    wrong.push(format!(
                        "{name} depends on {dep_name} ({kind}): it is a dev-dependency only"
                    ));
                }
                continue;
            }
            if !dep_name.starts_with("parbench") || ok.contains(&dep_name) {
                continue;
            }
            wrong.push(format!(
                "{name} depends on {dep_name} ({kind}): dependencies point one way (README, Architecture)"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(seen.len(), ALLOWED.len(), "missing packages: {seen:?}");
}

/// The packages `package` compiles (normal dependencies, default features).
fn compiled_by(package: &str) -> String {
    let out = cargo()
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "-p",
            package,
        ])
        .current_dir(ROOT)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Database clients: the history's stores, behind its `sqlite` and `postgres` features.
const DATABASE_CLIENTS: [&str; 3] = ["rusqlite", "libsqlite3-sys", "postgres"];

#[test]
fn the_report_crate_does_not_compile_a_database_or_the_harness() {
    // reports renders history's data model: it takes parbench-history without its features.
    let tree = compiled_by("parbench-reports");
    assert!(tree.contains("parbench-history"), "{tree}");
    for forbidden in DATABASE_CLIENTS.iter().chain(&["parbench-harness"]) {
        assert!(!tree.contains(forbidden), "{forbidden} in:\n{tree}");
    }
}

#[test]
fn the_history_crate_does_not_compile_the_harness() {
    let tree = compiled_by("parbench-history");
    assert!(
        !tree.contains("parbench-harness"),
        "parbench-harness in:\n{tree}"
    );
    // Its default store is SQLite; PostgreSQL only with the `postgres` feature.
    assert!(tree.contains("rusqlite"), "{tree}");
    assert!(!tree.contains("postgres "), "postgres in:\n{tree}");
}

#[test]
fn the_schema_crate_depends_on_serde_only() {
    let direct: BTreeSet<String> = compiled_by("parbench-schema")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    let allowed = [
        "parbench-schema",
        "serde",
        "serde_core",
        "serde_derive",
        "proc-macro2",
        "quote",
        "syn",
        "unicode-ident",
    ];
    let extra: Vec<_> = direct
        .iter()
        .filter(|p| !allowed.contains(&p.as_str()))
        .collect();
    assert!(extra.is_empty(), "parbench-schema compiles {extra:?}");
}

/// Source text without comments (`//` lines) and without a trailing `#[cfg(test)] mod tests`.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segments of every `crate::` path in `text`, groups (`crate::{a, b::c}`) included.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        // `$crate::` in macros and `parbench_harness::crate_x` are not this crate's paths.
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(
                group
                    .split(',')
                    .map(|item| ident(item.trim()))
                    .filter(|s| !s.is_empty()),
            );
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The import graph between the top-level modules of the library crate in `dir` (`<root>` for
/// items defined in lib.rs itself; names re-exported by lib.rs count as their module's).
fn module_graph(dir: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(ROOT).join(dir).join("src");
    let lib = code(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut modules = BTreeSet::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for line in lib.lines().map(str::trim) {
        let line = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        if let Some(m) = line.strip_prefix("mod ").and_then(|m| m.strip_suffix(';')) {
            modules.insert(m.to_string());
        } else if let Some(path) = line.strip_prefix("use ").and_then(|u| u.strip_suffix(';')) {
            // `pub use module::{A, B}` / `pub use module::A`: the names belong to `module`.
            if let Some((module, names)) = path.split_once("::") {
                for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
                    let name = name.rsplit(" as ").next().unwrap().trim();
                    if !name.is_empty() {
                        owner.insert(name.to_string(), module.to_string());
                    }
                }
            }
        }
    }
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let unit = |path: &Path| -> String {
        let rel = path.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let name = first.trim_end_matches(".rs").to_string();
        if name == "lib" { "<root>".into() } else { name }
    };
    // `#[macro_export]` macros are used as `crate::name!`: they belong to their file's module.
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for (i, _) in text.match_indices("#[macro_export]") {
            if let Some(rest) = text[i..].split("macro_rules!").nth(1) {
                let name: String = rest
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                owner.insert(name, unit(path));
            }
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &files {
        let from = unit(path);
        let text = code(&std::fs::read_to_string(path).unwrap());
        for name in crate_paths(&text) {
            let to = if modules.contains(&name) {
                name
            } else {
                owner.get(&name).cloned().unwrap_or_else(|| "<root>".into())
            };
            if to != from {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    // lib.rs's own uses of its modules (`module::item` outside `mod` and `use` lines).
    for line in lib.lines().map(str::trim) {
        if line.starts_with("pub use") || line.starts_with("use") || line.contains("mod ") {
            continue;
        }
        for m in &modules {
            let pat = format!("{m}::");
            if line.match_indices(&pat).any(|(i, _)| {
                !line[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            }) {
                graph.entry("<root>".into()).or_default().insert(m.clone());
            }
        }
    }
    graph
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            if !s.index.contains_key(w.as_str()) {
                visit(s, w);
                let lw = s.low[w.as_str()];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.stack.contains(&w.as_str()) {
                let iw = s.index[w.as_str()];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                component.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut problems = Vec::new();
    for dir in LIBRARY_CRATES {
        let graph = module_graph(dir);
        let known: Vec<BTreeSet<String>> = KNOWN_CYCLES
            .iter()
            .filter(|(c, _)| *c == dir)
            .map(|(_, m)| m.iter().map(|s| s.to_string()).collect())
            .collect();
        let found = cycles(&graph);
        for cycle in &found {
            if !known.contains(cycle) {
                let edges: Vec<String> = cycle
                    .iter()
                    .map(|m| {
                        let to: Vec<&str> = graph[m]
                            .iter()
                            .filter(|t| cycle.contains(*t))
                            .map(String::as_str)
                            .collect();
                        format!("{m} -> {}", to.join(", "))
                    })
                    .collect();
                problems.push(format!(
                    "{dir}: modules import each other: {}",
                    edges.join("; ")
                ));
            }
        }
        for k in &known {
            if !found.contains(k) {
                problems.push(format!(
                    "{dir}: the known circle {k:?} is gone or changed: update KNOWN_CYCLES"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_module_graph_sees_imports_and_circles() {
    // The parser itself: groups, `$crate`, comments and test modules.
    let paths = crate_paths(
        "use crate::{a::X, b};\nlet y = crate::c::f();\n$crate::d::g();\nother_crate::e;",
    );
    assert_eq!(
        paths,
        ["a", "b", "c"].map(String::from).into_iter().collect()
    );
    assert_eq!(
        code("use crate::a;\n// crate::b\n#[cfg(test)]\nmod tests {\n use crate::c;\n}"),
        "use crate::a;"
    );
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    let found = cycles(&graph);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0],
        ["a", "b", "c"].map(String::from).into_iter().collect()
    );
}
