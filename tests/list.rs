//! `parbench list`: a newcomer's overview fits a terminal; the whole matrix is behind `--full`.

use assert_cmd::Command;

fn list(args: &[&str], env: Option<(&str, &str)>) -> String {
    let mut c = Command::cargo_bin("parbench").unwrap();
    c.env("NO_COLOR", "1").arg("list").args(args);
    if let Some((k, v)) = env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_default_list_fits_100_columns_and_points_at_the_full_matrix() {
    // Also with OpenCL unavailable (a long reason to wrap).
    for env in [None, Some(("OCL_ICD_VENDORS", "/nonexistent-parbench-icd"))] {
        let text = list(&[], env);
        for line in text.lines() {
            assert!(
                line.chars().count() <= 100,
                "{} wide: {line}",
                line.chars().count()
            );
        }
        assert!(text.lines().count() <= 40, "{text}");
        assert!(
            text.contains("\ncounter     serial threads rayon mutex"),
            "{text}"
        );
        assert!(text.contains("unsync*"), "{text}");
        assert!(text.contains("parbench list --full"), "{text}");
    }
    let full = list(&["--full"], None);
    assert!(full.contains("Why cells are empty:"));
    assert!(full.lines().count() > 100);
}
