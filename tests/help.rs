//! `--help` examples read as commands at 80 columns: comments on their own `#` lines, long
//! commands continued with `\`, nothing wrapped by the terminal width into a fake command.

use assert_cmd::Command;

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
