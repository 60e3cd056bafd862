//! `parbench compare BASE.json NEW.json`: pair points, bootstrap the ratio of medians, classify,
//! print the table, write compare.md and compare.json. Also the gate plumbing `ab` shares:
//! threshold policy, table, output files and exit outcome.

use crate::Outcome;
use crate::cli::{CompareArgs, GateArgs};
use anyhow::Context;
use parbench_analysis::compare::{CompareOptions, Comparison, Method, compare_runs};
use parbench_analysis::results_io::ResultsFile;
use parbench_analysis::thresholds::{ThresholdPolicy, ThresholdsFile};
use parbench_harness::atomic_file::write_atomic;
use parbench_reports::compare::{change, display_order, markdown, method_sentence, percent};
use parbench_schema::results::RunResults;
use std::path::{Path, PathBuf};

/// The thresholds of the points of `new` (from its echoed config), a thresholds file and the
/// command line.
pub(crate) fn policy(
    new: &RunResults,
    new_label: &str,
    gate: &GateArgs,
) -> anyhow::Result<ThresholdPolicy> {
    let mut policy = parbench_harness::echoed_config::threshold_policy(new, new_label);
    if let Some(path) = &gate.thresholds {
        let file = ThresholdsFile::load(path)?;
        if let Some(id) = &file.machine_id
            && *id != new.machine.id
        {
            policy.warnings.push(format!(
                "the thresholds in {} were measured on machine {id}, not on this run's machine {}",
                path.display(),
                new.machine.id
            ));
        }
        policy = policy.with_file(&file);
    }
    Ok(policy.with_overrides(gate.threshold_serial, gate.threshold_parallel))
}

/// The comparison table on stdout; notes and warnings on stderr.
pub(crate) fn print_table(c: &Comparison) {
    let aa = matches!(c.method, Method::AbRounds { aa: true, .. });
    let with_rounds = c.points.iter().any(|p| p.rounds.is_some());
    let mut header = vec![
        "POINT".to_string(),
        c.base.label.to_uppercase(),
        c.new.label.to_uppercase(),
        "CHANGE".into(),
        "INTERVAL".into(),
        "THRESHOLD".into(),
        "VERDICT".into(),
    ];
    if with_rounds {
        header.push("DETECTABLE".into());
    }
    if aa {
        header.push("SUGGESTED".into());
    }
    let mut rows = vec![header];
    for p in display_order(c) {
        let mut row = vec![
            p.key.to_string(),
            p.base_median.to_string(),
            p.new_median.to_string(),
            change(p.ratio),
            format!("{} … {}", change(p.ci[0]), change(p.ci[1])),
            percent(p.threshold),
            if p.verdict == parbench_analysis::compare::Verdict::Regressed {
                "REGRESSED".into()
            } else {
                p.verdict.to_string()
            },
        ];
        if let Some(r) = &p.rounds {
            row.push(percent(r.detectable_change));
            if aa {
                row.push(r.suggested_threshold.map_or("–".into(), percent));
            }
        }
        rows.push(row);
    }
    crate::summary::print_rows(&rows);
    for u in &c.unmatched {
        let status = |s: Option<parbench_schema::results::Status>| {
            s.map_or("absent".to_string(), |s| s.to_string())
        };
        outln!(
            "not compared: {} ({}; {} {}, {} {}){}{}",
            u.key,
            u.kind,
            c.base.label,
            status(u.base_status),
            c.new.label,
            status(u.new_status),
            u.detail
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default(),
            if u.newly_failing() {
                "  ← NEWLY FAILING"
            } else {
                ""
            }
        );
    }
    for p in c.points.iter().filter(|p| !p.notes.is_empty()) {
        errln!("parbench: note: {}: {}", p.key, p.notes.join("; "));
    }
    for n in &c.notes {
        errln!("parbench: note: {n}");
    }
    if !c.machine_differences.is_empty() {
        errln!(
            "parbench: WARNING: the machine fingerprints differ ({}); compared only because --allow-machine-mismatch was given",
            c.machine_differences.join("; ")
        );
    }
    errln!("parbench: method: {}", method_sentence(c));
}

/// Writes compare.md and compare.json into `out`; returns their paths.
pub(crate) fn write_outputs(c: &Comparison, out: &Path) -> anyhow::Result<[PathBuf; 2]> {
    let md = out.join("compare.md");
    let json = out.join("compare.json");
    write_atomic(&md, markdown(c).as_bytes())?;
    let mut text = c.to_json();
    text.push('\n');
    write_atomic(&json, text.as_bytes())?;
    Ok([md, json])
}

/// The exit outcome of a comparison, with a closing line on stderr.
pub(crate) fn outcome(c: &Comparison) -> Outcome {
    let failing = c.newly_failing().count();
    let cn = &c.counts;
    errln!(
        "parbench: {} improved, {} regressed, {} unchanged, {} inconclusive, {} not compared",
        cn.improved,
        cn.regressed,
        cn.unchanged,
        cn.inconclusive,
        cn.not_compared
    );
    if c.has_regression() {
        let names: Vec<String> = c.regressions().map(|p| p.key.to_string()).collect();
        errln!("parbench: REGRESSION: {}", names.join(", "));
    }
    // A newly wrong or failed point outranks a regression (exit 3, not 1): a wrong answer is
    // worse than a slow one, and the README promises 3 for it.
    if failing > 0 {
        errln!(
            "parbench: {failing} point(s) are wrong or failed in {} but not in {}",
            c.new.label,
            c.base.label
        );
        Outcome::VariantFailures
    } else if c.has_regression() {
        Outcome::Regression
    } else {
        Outcome::Success
    }
}

pub(crate) fn compare(args: CompareArgs) -> anyhow::Result<Outcome> {
    let base = RunResults::load(&args.base)?;
    let new = RunResults::load(&args.new)?;
    let (base_src, new_src) = (
        args.base.display().to_string(),
        args.new.display().to_string(),
    );
    let policy = policy(&new, &new_src, &args.gate)?;
    let opts = CompareOptions {
        family_level: args.gate.level,
        seed: args.seed,
        allow_machine_mismatch: args.allow_machine_mismatch,
    };
    let c = compare_runs(&base, &new, &base_src, &new_src, &policy, &opts)
        .with_context(|| format!("cannot compare {base_src} with {new_src}"))?;
    print_table(&c);
    let [md, json] = write_outputs(&c, &args.out)?;
    errln!("parbench: wrote {} and {}", md.display(), json.display());
    Ok(outcome(&c))
}
