//! `summary.md`: a Markdown digest of a run, fit for a pull-request comment or a CI job summary
//! (GitHub-flavoured): the machine and config, status counts, what needs attention with reasons,
//! the best verified speedup per suite and per suite x variant, and every point in a collapsed
//! table (capped so a comment stays within the usual size limits).

use crate::escape::markdown as md;
use crate::format;
use crate::output::{Exporter, OutputFile, ReportError};
use crate::view::{ReportView, STATUSES, amdahl_of, best_speedup, efficiency, status_groups};
use parbench_analysis::derived::BASELINE_VARIANT;
use parbench_schema::results::{Point, RunResults, Status};
use std::fmt::Write as _;

/// At most this many rows in the every-point table (the rest are in results.csv).
pub const MAX_POINT_ROWS: usize = 300;

/// Writes `summary.md`: the run's summary as Markdown.
#[derive(Debug, Default)]
pub struct MarkdownExporter;

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn place(p: &Point) -> String {
    let params = p.params_label();
    format!(
        "{} · {} · {} · {}w{}",
        md(&p.suite),
        md(&crate::view::size_label(&p.size, p.n)),
        md(&p.variant),
        p.workers,
        if params.is_empty() {
            String::new()
        } else {
            format!(" · {}", md(&params))
        }
    )
}

fn speedup_ci(p: &Point) -> String {
    match (p.derived.speedup, crate::view::speedup_interval(p)) {
        (Some(s), Some([lo, hi])) if lo != hi => format!(
            "{} ({}–{})",
            format::ratio(s),
            format::ratio(lo),
            format::ratio(hi)
        ),
        (Some(s), _) => format::ratio(s),
        (None, _) => "–".into(),
    }
}

pub(crate) fn render_summary(results: &RunResults) -> String {
    let view = ReportView::new(results);
    let mut out = String::new();
    write_header(&mut out, results, &view);
    write_needs_attention(&mut out, results);
    write_best_per_suite(&mut out, &view);
    write_best_per_variant(&mut out, &view);
    write_crossovers(&mut out, results);
    write_all_points(&mut out, results);
    out
}

/// The title, the machine, the config and the status counts.
fn write_header(out: &mut String, results: &RunResults, view: &ReportView) {
    let m = &results.machine;
    let _ = writeln!(out, "# parbench: run {}\n", md(&results.run_id));
    let _ = writeln!(
        out,
        "**Machine:** {} · {} logical / {} physical cores · {} · {} / {} · {} ({}){}  ",
        md(&m.cpu_model),
        m.logical_cores,
        m.physical_cores
            .map_or("unknown".to_string(), |c| c.to_string()),
        m.memory_bytes
            .map_or("memory unknown".to_string(), |b| format!(
                "{:.1} GiB",
                b as f64 / (1u64 << 30) as f64
            )),
        md(&m.os),
        md(&m.kernel),
        md(&m.rustc),
        md(&m.build_profile),
        m.git_commit.as_deref().map_or(String::new(), |c| format!(
            " · commit {}{}",
            md(&c[..c.len().min(12)]),
            if m.git_dirty == Some(true) {
                " (dirty)"
            } else {
                ""
            }
        )),
    );
    let _ = writeln!(
        out,
        "**Config:** {} (sha256 {}){} · started {} · {}\n",
        md(&results.config.path),
        md(&results.config.sha256[..results.config.sha256.len().min(12)]),
        if results.config.quick {
            " · --quick"
        } else {
            ""
        },
        md(&results.started_at),
        match &results.finished_at {
            Some(f) if results.complete => format!("finished {}", md(f)),
            _ => "**incomplete** (interrupted or still running)".into(),
        }
    );
    let counts: Vec<String> = STATUSES
        .iter()
        .map(|s| format!("{} {s}", results.count(*s)))
        .collect();
    let _ = writeln!(
        out,
        "**Status:** {} point{} in {} suite{}: {}\n",
        results.points.len(),
        plural(results.points.len()),
        view.suites.len(),
        plural(view.suites.len()),
        counts.join(" · ")
    );
}

/// Failed or untrustworthy points grouped by status and reason (nothing where there are none).
fn write_needs_attention(out: &mut String, results: &RunResults) {
    let groups = status_groups(&results.points);
    if !groups.is_empty() {
        out.push_str(
            "## Needs attention\n\n| status | reason | points | where |\n|---|---|---:|---|\n",
        );
        for g in &groups {
            let mut places: Vec<String> = g.points.iter().take(4).map(|p| place(p)).collect();
            if g.points.len() > 4 {
                places.push(format!("and {} more", g.points.len() - 4));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                g.status,
                md(&g.reason),
                g.points.len(),
                places.join("; ")
            );
        }
        out.push('\n');
    }
}

/// Each suite's best verified speedup, with its interval, efficiency and Amdahl fit.
fn write_best_per_suite(out: &mut String, view: &ReportView) {
    out.push_str("## Best verified speedup per suite\n\n| suite | workload | variant | workers | median | speedup (95% CI) | efficiency | Amdahl serial fraction |\n|---|---|---|---:|---:|---:|---:|---|\n");
    for s in &view.suites {
        match best_speedup(s.points.iter().copied()) {
            Some(best) => {
                let b = best.point;
                let problem = s
                    .problems
                    .iter()
                    .find(|q| q.size == b.size && q.params == b.params_label());
                let fit = problem
                    .and_then(|q| amdahl_of(&q.points, &b.variant))
                    .map_or("–".to_string(), |f| match f {
                        Ok(f) => format!(
                            "{} ({}–{})",
                            format::percent(f.serial_fraction),
                            format::percent(f.ci[0]),
                            format::percent(f.ci[1])
                        ),
                        Err(e) => md(&e.to_string()),
                    });
                let mut variant = md(&b.variant);
                if !best.ties.is_empty() {
                    variant.push_str(&format!(
                        " (tied with {}: intervals overlap)",
                        md(&best
                            .ties
                            .iter()
                            .map(|t| format!("{} at {}w", t.variant, t.workers))
                            .collect::<Vec<_>>()
                            .join(", "))
                    ));
                }
                if best.within_noise_of_baseline {
                    variant.push_str(" (not faster than the baseline beyond its interval)");
                }
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    md(s.name),
                    md(s.workload),
                    variant,
                    b.workers,
                    b.median().map_or("–".to_string(), |m| m.to_string()),
                    speedup_ci(b),
                    efficiency(b).map_or("–".to_string(), format::percent),
                    fit
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {} | {} | no verified speedup from a trustworthy point | | | | | |",
                    md(s.name),
                    md(s.workload)
                );
            }
        }
    }
    out.push('\n');
}

/// The best speedup of each suite in each non-baseline variant (a suite × variant table).
fn write_best_per_variant(out: &mut String, view: &ReportView) {
    let columns: Vec<&str> = view
        .variants
        .iter()
        .copied()
        .filter(|v| *v != BASELINE_VARIANT)
        .collect();
    if !columns.is_empty() {
        out.push_str("## Best speedup per suite and variant\n\n| suite |");
        for c in &columns {
            let _ = write!(out, " {} |", md(c));
        }
        out.push_str("\n|---|");
        for _ in &columns {
            out.push_str("---:|");
        }
        out.push('\n');
        for s in &view.suites {
            let _ = write!(out, "| {} |", md(s.name));
            for c in &columns {
                let of: Vec<&Point> = s
                    .points
                    .iter()
                    .copied()
                    .filter(|p| p.variant == *c)
                    .collect();
                let cell = if of.is_empty() {
                    String::new()
                } else if let Some(b) = best_speedup(of.iter().copied()) {
                    format!("{} ({}w)", format::ratio(b.speedup()), b.point.workers)
                } else if of.iter().all(|p| p.status == Status::ExpectedIncorrect) {
                    "by design".into()
                } else if of.iter().any(|p| p.status == Status::Ok) {
                    "not trustworthy".into()
                } else {
                    of.iter()
                        .find(|p| p.status != Status::Ok)
                        .map_or("–".to_string(), |p| p.status.to_string())
                };
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
        let _ = write!(
            out,
            "\nSpeedup is against the serial variant (or the same variant at one worker where a suite has none), only for points whose answer matched the serial reference; a cell shows only points that are verified, not oversubscribed, not flagged by a self-check and have at least {} samples (\"not trustworthy\": none is). `w`: workers.\n\n",
            crate::view::MIN_SAMPLES
        );
    }
}

/// The OpenCL-against-CPU crossovers (nothing where the run has none).
fn write_crossovers(out: &mut String, results: &RunResults) {
    if !results.crossovers.is_empty() {
        out.push_str("## OpenCL against the CPU (crossover)\n\n| suite | variant | compared on | crossover |\n|---|---|---|---|\n");
        for c in &results.crossovers {
            let params = c.params_label();
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {} |",
                md(&c.suite),
                md(&c.variant),
                if params.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", md(&params))
                },
                c.measure,
                md(&c.summary())
            );
        }
        out.push_str("\nThe smallest swept size from which the OpenCL variant beats the best CPU point at every larger size, with the 95% interval from the time ratios' bootstrap intervals.\n\n");
    }
}

/// Every point (at most [`MAX_POINT_ROWS`]) in a collapsed table.
fn write_all_points(out: &mut String, results: &RunResults) {
    let _ = writeln!(
        out,
        "<details><summary>All {} point{}</summary>\n\n| suite | size | params | variant | workers | median | 95% CI | speedup | efficiency | status |\n|---|---|---|---|---:|---:|---:|---:|---:|---|",
        results.points.len(),
        plural(results.points.len())
    );
    for p in results.points.iter().take(MAX_POINT_ROWS) {
        // No interval from fewer than the minimum samples.
        let s = p.measurement.as_ref().map(|m| &m.stats);
        let ci = s.filter(|_| crate::view::enough_samples(p));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {}{} | {} | {} | {} | {} | {} |",
            md(&p.suite),
            md(&crate::view::size_label(&p.size, p.n)),
            md(&p.params_label()),
            md(&p.variant),
            p.workers,
            if p.oversubscribed { "\\*" } else { "" },
            s.map_or("–".to_string(), |s| s.median.to_string()),
            ci.map_or("–".to_string(), |s| format!("{}–{}", s.ci_low, s.ci_high)),
            p.derived.speedup.map_or("–".to_string(), format::ratio),
            efficiency(p).map_or("–".to_string(), format::percent),
            p.status
        );
    }
    if results.points.len() > MAX_POINT_ROWS {
        let _ = writeln!(
            out,
            "\n… and {} more points: see results.csv.",
            results.points.len() - MAX_POINT_ROWS
        );
    }
    out.push_str("\n\\* oversubscribed (more workers than logical cores).\n\n</details>\n");
}

impl Exporter for MarkdownExporter {
    fn render(&self, results: &RunResults) -> Result<Vec<OutputFile>, ReportError> {
        Ok(vec![OutputFile {
            name: "summary.md".into(),
            contents: render_summary(results),
        }])
    }
}
