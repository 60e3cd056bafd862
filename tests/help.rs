//! `--help` examples read as commands at 80 columns: comments on their own `#` lines, long
//! commands continued with `\`, nothing wrapped by the terminal width into a fake command; every
//! subcommand has an example.

mod common;
use common::parbench;

use assert_cmd::Command;
use predicates::prelude::*;

#[test]
fn help_examples_stay_commands_at_80_columns() {
    let subcommands: [&[&str]; 12] = [
        &["run"],
        &["list"],
        &["validate"],
        &["report"],
        &["compare"],
        &["ab"],
        &["history"],
        &["history", "add"],
        &["history", "report"],
        &["history", "list"],
        &["export"],
        &["import"],
    ];
    for sub in subcommands {
        let out = Command::cargo_bin("parbench")
            .unwrap()
            .env("COLUMNS", "80")
            .args(sub)
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let examples: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("Example"))
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .collect();
        assert!(!examples.is_empty(), "{sub:?}: no examples in\n{text}");
        let mut continued = false;
        for line in &examples {
            let ok = line.starts_with("  parbench ")
                || line.starts_with("  cargo ")
                || line.starts_with("  # ")
                || (continued && line.starts_with("      "));
            assert!(
                ok,
                "{sub:?}: `{line}` is not a command, a comment or a continuation"
            );
            assert!(
                line.chars().count() <= 80,
                "{sub:?}: `{line}` is wider than 80"
            );
            continued = line.ends_with('\\');
        }
    }
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
