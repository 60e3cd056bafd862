//! `compare.md`: a comparison (from `parbench compare` or `parbench ab`) as Markdown for a
//! pull-request comment: the verdict first, regressions on top, every compared point, what could
//! not be compared, and how to read the numbers. Reads only harness's comparison model.

use parbench_analysis::compare::{Comparison, Method, PointComparison, Verdict};
use std::fmt::Write as _;

/// Escapes text for a Markdown table cell (GitHub and GitLab flavours): no markup, no pipes,
/// no HTML.
pub fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if crate::escape::is_hostile_control(c) => {
                out.push_str(&crate::escape::visible_control(c))
            }
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `+12.3%` for a time ratio of 1.123.
pub fn change(ratio: f64) -> String {
    format!("{:+.1}%", (ratio - 1.0) * 100.0)
}

/// `5%`, `2.5%`: a fraction as a percentage, without a needless decimal.
pub fn percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

fn verdict_cell(v: Verdict) -> &'static str {
    match v {
        Verdict::Regressed => "🔴 **regressed**",
        Verdict::Improved => "🟢 improved",
        Verdict::Unchanged => "unchanged",
        Verdict::Inconclusive => "❔ inconclusive",
    }
}

/// Regressions first, then inconclusive, improved, unchanged; by key within each.
pub fn display_order(c: &Comparison) -> Vec<&PointComparison> {
    let rank = |v: Verdict| match v {
        Verdict::Regressed => 0,
        Verdict::Inconclusive => 1,
        Verdict::Improved => 2,
        Verdict::Unchanged => 3,
    };
    let mut v: Vec<&PointComparison> = c.points.iter().collect();
    v.sort_by(|a, b| {
        rank(a.verdict)
            .cmp(&rank(b.verdict))
            .then(a.key.cmp(&b.key))
    });
    v
}

/// One sentence on how the intervals were computed.
pub fn method_sentence(c: &Comparison) -> String {
    match &c.method {
        Method::Bootstrap {
            family_level,
            point_level,
            resamples,
            ..
        } => format!(
            "two results files; ratio of medians with percentile-bootstrap intervals from the raw samples ({resamples} resamples), {} family-wise over {} points (Bonferroni: {} each). These intervals see only the noise inside each run, not the run-to-run noise of a shared machine: for a gate, prefer `parbench ab`.",
            percent(*family_level),
            c.points.len(),
            percent(*point_level),
        ),
        Method::AbRounds {
            family_level,
            point_level,
            rounds,
            seed,
            aa,
            ..
        } => format!(
            "{}{rounds} rounds of fresh processes in randomized ABBA order (seed {seed}); median of the per-round ratios with a distribution-free sign-test interval, {} family-wise over {} points (Bonferroni: at least {} each).",
            if *aa { "A/A noise run: " } else { "" },
            percent(*family_level),
            c.points.len(),
            percent(*point_level),
        ),
    }
}

/// Renders `compare.md`.
pub fn markdown(c: &Comparison) -> String {
    let mut out = String::new();
    let aa = matches!(c.method, Method::AbRounds { aa: true, .. });
    let with_rounds = c.points.iter().any(|p| p.rounds.is_some());
    write_summary(&mut out, c, aa);
    write_points(&mut out, c, aa, with_rounds);
    write_not_compared(&mut out, c);
    write_notes(&mut out, c);
    write_how_to_read(&mut out, c, with_rounds);
    out
}

/// The headline, the two sides, the verdict counts and warnings on the machines and on newly
/// failing points.
fn write_summary(out: &mut String, c: &Comparison, aa: bool) {
    let (a, b) = (&c.base, &c.new);
    let regressed = c.counts.regressed;
    let failing = c.newly_failing().count();
    let headline = if regressed > 0 {
        format!(
            "🔴 {regressed} regression{}",
            if regressed == 1 { "" } else { "s" }
        )
    } else if aa {
        "A/A noise measurement".to_string()
    } else {
        "✅ no regression".to_string()
    };
    let _ = writeln!(out, "## parbench: {headline}\n");
    let _ = writeln!(
        out,
        "**{}** `{}` vs **{}** `{}` on {} (machine {})\n",
        md_escape(&b.label),
        md_escape(&b.source),
        md_escape(&a.label),
        md_escape(&a.source),
        md_escape(&b.hostname),
        md_escape(&b.machine_id),
    );
    let _ = writeln!(
        out,
        "{} improved · {} regressed · {} unchanged · {} inconclusive · {} not compared\n",
        c.counts.improved,
        c.counts.regressed,
        c.counts.unchanged,
        c.counts.inconclusive,
        c.counts.not_compared
    );
    if !c.machine_differences.is_empty() {
        let _ = writeln!(
            out,
            "> ⚠️ **The machine fingerprints differ** ({}): timings from different machines are not comparable, and were compared only because it was asked for.\n",
            md_escape(&c.machine_differences.join("; "))
        );
    }
    if failing > 0 {
        let _ = writeln!(
            out,
            "> 🔴 **{failing} point(s) are wrong or failed in {} but not in {}**: see *Not compared*.\n",
            md_escape(&b.label),
            md_escape(&a.label)
        );
    }
}

/// The table of compared points (with the rounds' columns where the comparison has rounds).
fn write_points(out: &mut String, c: &Comparison, aa: bool, with_rounds: bool) {
    let (a, b) = (&c.base, &c.new);
    let _ = write!(
        out,
        "| point | {} | {} | change | interval | threshold | verdict |",
        md_escape(&a.label),
        md_escape(&b.label)
    );
    if with_rounds {
        out.push_str(" detectable |");
        if aa {
            out.push_str(" suggested threshold |");
        }
    }
    out.push_str("\n|---|---:|---:|---:|---:|---:|---|");
    if with_rounds {
        out.push_str("---:|");
        if aa {
            out.push_str("---:|");
        }
    }
    out.push('\n');
    for p in display_order(c) {
        let mut name = md_escape(&p.key.to_string());
        if !p.notes.is_empty() {
            let _ = write!(name, " <sub>{}</sub>", md_escape(&p.notes.join("; ")));
        }
        let _ = write!(
            out,
            "| {name} | {} | {} | {} | {} … {} | {} | {} |",
            p.base_median,
            p.new_median,
            change(p.ratio),
            change(p.ci[0]),
            change(p.ci[1]),
            percent(p.threshold),
            verdict_cell(p.verdict),
        );
        if with_rounds {
            match &p.rounds {
                Some(r) => {
                    let _ = write!(out, " {} |", percent(r.detectable_change));
                    if aa {
                        let _ = write!(
                            out,
                            " {} |",
                            r.suggested_threshold.map_or("–".into(), percent)
                        );
                    }
                }
                None => out.push_str(if aa { " – | – |" } else { " – |" }),
            }
        }
        out.push('\n');
    }
    if c.points.is_empty() {
        out.push_str("| *no point could be compared* | | | | | | |\n");
    }
}

/// The points that could not be compared, with why.
fn write_not_compared(out: &mut String, c: &Comparison) {
    let (a, b) = (&c.base, &c.new);
    if !c.unmatched.is_empty() {
        let _ = writeln!(
            out,
            "\n### Not compared\n\n| point | {} | {} | why |\n|---|---|---|---|",
            md_escape(&a.label),
            md_escape(&b.label)
        );
        for u in &c.unmatched {
            let status = |s: Option<parbench_schema::results::Status>| {
                s.map_or("absent".to_string(), |s| s.to_string())
            };
            let mut why = u.kind.to_string();
            if let Some(d) = &u.detail {
                why.push_str(": ");
                why.push_str(d);
            }
            if u.newly_failing() {
                why = format!("**newly failing** ({why})");
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md_escape(&u.key.to_string()),
                status(u.base_status),
                status(u.new_status),
                if u.newly_failing() {
                    why
                } else {
                    md_escape(&why)
                }
            );
        }
    }
}

/// The comparison's notes.
fn write_notes(out: &mut String, c: &Comparison) {
    if !c.notes.is_empty() {
        out.push_str("\n### Notes\n\n");
        for n in &c.notes {
            let _ = writeln!(out, "- {}", md_escape(n));
        }
    }
}

/// How to read the verdicts, and the method.
fn write_how_to_read(out: &mut String, c: &Comparison, with_rounds: bool) {
    let (a, b) = (&c.base, &c.new);
    let _ = writeln!(
        out,
        "\n<details><summary>How to read this</summary>\n\n\
         *change* is the {b} time over the {a} time minus one (positive: slower); *interval* is its confidence interval. \
         A point **regressed** only when the whole interval lies above +threshold, **improved** when it lies below −threshold \
         (symmetric in ratio: 1/(1+t)), **unchanged** when it lies within both, and is **inconclusive** otherwise. \
         Thresholds: 5% for serial variants and 10% for parallel ones unless the config (`threshold-serial`, \
         `threshold-parallel`), a thresholds file or the command line says otherwise.{}\n\n\
         Method: {}\n\n</details>",
        if with_rounds {
            " *detectable* is the smallest slowdown this run could have declared a regression: the threshold in force (for A/A: the suggested one) plus how far the interval reaches below its median."
        } else {
            ""
        },
        method_sentence(c),
        a = md_escape(&a.label),
        b = md_escape(&b.label),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use parbench_analysis::compare::*;
    use parbench_schema::Nanos;
    use parbench_schema::results::{ExecutionModel, PointKey, Status};

    fn side(label: &str) -> Side {
        Side {
            label: label.into(),
            source: format!("{label}.json"),
            run_id: "r".into(),
            machine_id: "m1".into(),
            hostname: "host".into(),
            git_commit: None,
            config_sha256: "x".into(),
            parbench_version: "0.1.0".into(),
        }
    }

    fn pc(variant: &str, ratio: f64, ci: [f64; 2], verdict: Verdict) -> PointComparison {
        PointComparison {
            key: PointKey {
                suite: "pi|<b>".into(),
                size: "S".into(),
                variant: variant.into(),
                workers: 1,
                params: String::new(),
            },
            workload: "pi".into(),
            model: ExecutionModel::Serial,
            base_n: 1,
            new_n: 1,
            base_median: Nanos(1000.0),
            new_median: Nanos(1000.0 * ratio),
            ratio,
            ci,
            ci_level: 0.99,
            threshold: 0.05,
            threshold_source: "default".into(),
            verdict,
            notes: vec![],
            rounds: None,
        }
    }

    #[test]
    fn regressions_come_first_and_text_is_escaped() {
        let mut c = Comparison {
            format: 1,
            method: Method::Bootstrap {
                family_level: 0.95,
                point_level: 0.975,
                resamples: 2000,
                seed: 1,
            },
            base: side("base"),
            new: side("new"),
            machine_differences: vec![],
            notes: vec!["the configs differ".into()],
            points: vec![
                pc("serial", 1.0, [0.99, 1.01], Verdict::Unchanged),
                pc("rayon", 1.3, [1.25, 1.35], Verdict::Regressed),
            ],
            unmatched: vec![Unmatched {
                key: PointKey {
                    suite: "pi".into(),
                    size: "S".into(),
                    variant: "threads".into(),
                    workers: 2,
                    params: String::new(),
                },
                kind: UnmatchedKind::NotOk,
                base_status: Some(Status::Ok),
                new_status: Some(Status::Wrong),
                detail: Some("hits differ".into()),
            }],
            counts: Counts::default(),
        };
        c.recount();
        let md = markdown(&c);
        assert!(md.starts_with("## parbench: 🔴 1 regression\n"), "{md}");
        let rayon = md.find("rayon").unwrap();
        let serial = md.find("/serial/").unwrap();
        assert!(rayon < serial, "regressions first:\n{md}");
        assert!(
            md.contains("+30.0%") && md.contains("+25.0% … +35.0%"),
            "{md}"
        );
        assert!(md.contains("pi\\|&lt;b&gt;"), "{md}");
        assert!(!md.contains("<b>"));
        assert!(md.contains("**newly failing**"));
        assert!(md.contains("### Notes"));
        assert!(md.contains("Bonferroni"));
    }

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(md_escape("a|b"), "a\\|b");
        assert_eq!(md_escape("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(md_escape("[x](y)"), "\\[x\\](y)");
    }
}
