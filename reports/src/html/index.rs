//! `index.html`: what was measured, on what, and how it went, at a glance: the run, status
//! counts with their reasons, a heatmap of the best speedup per suite and variant (linking to the
//! suite pages), the suites, how to read the figures, the machine fingerprint and the config.

use super::{Section, nav, page_foot, page_head, status_badge, variant_cell};
use crate::format;
use crate::output::ReportError;
use crate::plot::{ColorScale, HeatCell, HeatmapChart, tick};
use crate::view::{
    MIN_SAMPLES, ReportView, STATUSES, best_speedup, headline_eligible, not_headline_because,
    speedup_interval, status_counts, status_groups,
};
use maud::{Markup, PreEscaped, Render, html};
use parbench_analysis::derived::BASELINE_VARIANT;
use parbench_schema::Nanos;
use parbench_schema::results::{ExecutionModel, Point, RunResults, Status};
use parbench_schema::variant::names;

pub(super) fn render(
    view: &ReportView<'_>,
    sections: &[Box<dyn Section>],
) -> Result<String, ReportError> {
    let r = view.results;
    let mut out = page_head(&format!("parbench report {}", r.run_id));
    nav(&mut out, view, None);
    intro(&mut out, view);

    super::summary_note(&mut out, view);
    let body_start = out.len();
    status_section(&mut out, view);

    heatmap(&mut out, view)?;
    flags_section(&mut out, view);
    suites_table(&mut out, view);
    for s in sections {
        s.overview(view, &mut out)?;
    }
    how_measured(&mut out, view);
    how_to_read(&mut out, view);
    machine(&mut out, view);
    calibration(&mut out, view);
    config(&mut out, view);
    files_section(&mut out);
    let body = out.split_off(body_start);
    contents_nav(&mut out, &body);
    out.push_str(&super::with_top_links(&body));
    page_foot(&mut out, r);
    Ok(out)
}

/// The title line and what was measured: workloads, suites, variants and points.
fn intro(out: &mut String, view: &ReportView<'_>) {
    let r = view.results;
    let m = &r.machine;
    // What this is.
    let workloads: Vec<&str> = {
        let mut w: Vec<&str> = Vec::new();
        for s in &view.suites {
            if !w.contains(&s.workload) {
                w.push(s.workload);
            }
        }
        w
    };
    html! {
        h1 #top { "parbench report" } "\n"
        p.sub {
            "Run " (r.run_id) " · " (m.cpu_model) " (" (m.logical_cores) " logical cores) · started "
            (r.started_at) " · "
            @match &r.finished_at {
                Some(f) if r.complete => { "finished " (f) }
                _ => strong { "incomplete (interrupted or still running)" },
            }
            " · config " (r.config.path)
            @if r.config.quick { " (" strong { "--quick" } ": shrunk sizes and budgets)" }
            " · parbench " (r.parbench_version)
        } "\n"
        p.lead {
            "parbench ran " (workloads.len()) " workload" (plural(workloads.len())) " ("
            (workloads.join(", ")) ") in " (view.suites.len()) " suite" (plural(view.suites.len()))
            " under " (view.variants.len()) " variant" (plural(view.variants.len())) " ("
            (view.variants.join(", ")) ") on the machine below, and timed " (r.points.len())
            " point" (plural(r.points.len())) ". A " em { "point" }
            " is one suite, size, parameter set, variant and worker count; every point's answer was checked against the serial answer before and after timing, and only verified points get a speedup."
        } "\n"
    }
    .render_to(out);
}

/// Status counts, the headline and the points that need attention, grouped by reason.
fn status_section(out: &mut String, view: &ReportView<'_>) {
    let r = view.results;
    // Status.
    html! {
        h2 #status { "Status" } "\n"
        p.badges { @for s in STATUSES { span { (status_badge(s)) ": " (r.count(s)) } } } "\n"
    }
    .render_to(out);
    headline(out, view);
    let groups = status_groups(&r.points);
    html! {
        @if groups.is_empty() {
            p { "Every point was measured and verified." } "\n"
        } @else {
            div.scroll { table {
                "\n"
                thead { tr { th { "status" } th { "reason" } th.num { "points" } th { "where" } } } "\n"
                tbody {
                    "\n"
                    @for g in &groups {
                        tr {
                            td { (status_badge(g.status)) }
                            td.wrap { (g.reason) }
                            td.num { (g.points.len()) }
                            td.wrap {
                                @for (i, p) in g.points.iter().take(6).enumerate() {
                                    @if i > 0 { "; " }
                                    a href={ (view.suite_file(&p.suite).unwrap_or("index.html")) "#" (problem_anchor(view, p)) } { (p.suite) }
                                    " " (p.size) " · " (p.variant) " · " (p.workers) "w" (params_suffix(p))
                                }
                                @if g.points.len() > 6 { "; and " (g.points.len() - 6) " more" }
                            }
                        } "\n"
                    }
                } "\n"
            } } "\n"
            p.note {
                "wrong: the answer differed from the serial reference (never given a speedup); failed: crashed, timed out or could not be set up; skipped: not available on this machine; expected-incorrect: a variant that loses updates by design, measured to show the cost of correctness, never ranked."
            } "\n"
        }
    }
    .render_to(out);
}

/// Links to the other files of the report.
fn files_section(out: &mut String) {
    html! {
        h2 #files { "Files" } "\n"
        ul {
            "\n"
            li { a href="results.json" { "results.json" } ": everything, in the documented schema (raw samples included)" } "\n"
            li { a href="results.csv" { "results.csv" } ": one row per point" } "\n"
            li { a href="samples.csv" { "samples.csv" } ": one row per raw sample (long format)" } "\n"
            li { a href="summary.md" { "summary.md" } ": a Markdown digest for a pull request or CI job summary" } "\n"
        } "\n"
    }
    .render_to(out);
}

/// The table of contents: a link to each heading of `body`.
fn contents_nav(out: &mut String, body: &str) {
    html! {
        nav.toc aria-label="contents" {
            strong { "Contents:" } " "
            @for (i, (id, text)) in super::headings(body).iter().enumerate() {
                @if i > 0 { " · " }
                a href={ "#" (id) } { (text) }
            }
        } "\n"
    }
    .render_to(out);
}

/// How the points were measured: in repetitions spread over the run (schema 2), or in one block
/// each (files written before repetitions existed).
fn repetitions_sentence(r: &RunResults) -> String {
    match r.environment.as_ref().filter(|e| e.repetitions > 1) {
        Some(env) => format!(
            "Each point was measured in {} repetitions spread over the run: a round gives every point one repetition (fresh buffers, threads or worker processes; verification; a short warm-up; a few samples, each a batch of back-to-back iterations, divided), the points of a problem in a seeded random order. The figure is the median of the repetitions' medians.{}",
            env.repetitions,
            if env.remeasured > 0 {
                format!(
                    " {} repetitions measured while the machine was disturbed were measured again.",
                    env.remeasured
                )
            } else {
                String::new()
            }
        ),
        None => "Each point is one process's measurement in one block: warm-up, then samples (each a batch of back-to-back iterations, divided) until the median's interval is within the target or the budget is spent.".into(),
    }
}

/// How the intervals were computed, for this run.
fn intervals_sentence(r: &RunResults) -> String {
    let ties = format!(
        "Two intervals that overlap are reported as a tie, not a winner. None is printed from fewer than {MIN_SAMPLES} samples."
    );
    match r.environment.as_ref().filter(|e| e.repetitions > 1) {
        Some(env) => format!(
            "95% intervals for a rerun: the range an identical rerun's figure falls in, 95% of the time. A two-level bootstrap (repetitions, then samples inside each; no normality assumed) of the median of medians, widened by √2 and Student's t for the {} repetitions, plus the machine's run-to-run drift of {:.0}% (a shift of whole runs one run cannot see). Speedups are ratios within a round, resampled in pairs of rounds, so drift cancels. {ties}",
            env.repetitions,
            env.run_drift * 100.0
        ),
        None => format!(
            "95% bootstrap percentile intervals of the median (resampling the samples of one block; they see only the variation inside it), and of the speedup (resampling both points). {ties}"
        ),
    }
}

/// `1.98× (95% CI 1.95–2.01)`, the interval left out where it may not be printed.
pub(super) fn speedup_with_ci(p: &Point) -> String {
    match (p.derived.speedup, speedup_interval(p)) {
        (Some(s), Some([lo, hi])) => format!(
            "{} (95% CI {}–{})",
            format::ratio(s),
            format::number2(lo),
            format::number2(hi)
        ),
        (Some(s), None) => format::ratio(s),
        (None, _) => "–".into(),
    }
}

/// The run's best speedup, only from a point that may be a headline, with its interval, ties
/// and what was left out.
fn headline(out: &mut String, view: &ReportView<'_>) {
    let r = view.results;
    let left_out = r
        .points
        .iter()
        .filter(|p| p.status == Status::Ok && p.derived.speedup.is_some())
        .filter(|p| p.variant != BASELINE_VARIANT && !headline_eligible(p))
        .count();
    let flagged = r
        .points
        .iter()
        .filter(|p| !p.derived.flags.is_empty())
        .count();
    match best_speedup(&r.points) {
        Some(best) => {
            let b = best.point;
            html! {
                p {
                    "Best verified speedup of the run: " strong { (speedup_with_ci(b)) } " by "
                    (variant_cell(view, &b.variant)) " at " (b.workers) " worker"
                    (plural(b.workers as usize)) " in suite "
                    a href={ (view.suite_file(&b.suite).unwrap_or("index.html")) "#" (problem_anchor(view, b)) } { (b.suite) }
                    " (" (view.size_label(b)) (params_suffix(b)) ")."
                    @if best.within_noise_of_baseline {
                        " Its interval contains 1×: "
                        strong { "no variant is faster than the baseline beyond its interval" } "."
                    }
                    @if !best.ties.is_empty() {
                        " " strong { "A tie" } ": the intervals of "
                        @for (i, t) in best.ties.iter().take(4).enumerate() {
                            @if i > 0 { "; " }
                            (t.variant) " at " (t.workers) " worker" (plural(t.workers as usize))
                            " in " (t.suite) " (" (speedup_with_ci(t)) ")"
                        }
                        @if best.ties.len() > 4 { " and " (best.ties.len() - 4) " more" }
                        " overlap it, so none of them is the winner."
                    }
                } "\n"
            }
            .render_to(out);
        }
        None => html! {
            p {
                "No point may be a headline: none is verified, measured on at most the logical cores, free of self-check flags and sampled often enough."
            } "\n"
        }
        .render_to(out),
    }
    // The device against the best CPU point, once, naming the device.
    let devices: Vec<HeatCell> = view
        .suites
        .iter()
        .flat_map(|s| {
            crate::view::variants_of(&s.points)
                .into_iter()
                .filter(|v| {
                    s.points
                        .iter()
                        .any(|p| p.variant == *v && p.model == ExecutionModel::Opencl)
                })
                .filter_map(move |v| device_cell(view, s, v))
        })
        .collect();
    if let Some(best) = devices
        .iter()
        .max_by(|a, b| a.value.unwrap_or(0.0).total_cmp(&b.value.unwrap_or(0.0)))
    {
        html! {
            p {
                "Accelerator at its best: " (best.tooltip) ". "
                span.note {
                    "A device is compared with the fastest trustworthy CPU point of the same problem (any variant, any worker count), not with serial."
                }
            } "\n"
        }
        .render_to(out);
    }
    if left_out > 0 || flagged > 0 {
        html! {
            p.note {
                "Headlines and heatmap cells come only from verified points on at most "
                (view.cores) " workers with at least " (MIN_SAMPLES) " samples and no self-check flag; "
                (left_out) " point" (plural(left_out)) " with a speedup "
                (if left_out == 1 { "was" } else { "were" }) " left out"
                @if flagged > 0 {
                    " (" (flagged) " flagged: see " a href="#flags" { "Flagged points" } ")"
                }
                "."
            } "\n"
        }
        .render_to(out);
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn params_suffix(p: &Point) -> Markup {
    let params = p.params_label();
    html! { @if !params.is_empty() { ", " (params) } }
}

/// The id of the section of `p`'s problem on its suite page.
pub(super) fn problem_anchor(view: &ReportView<'_>, p: &Point) -> String {
    let params = p.params_label();
    view.suites
        .iter()
        .find(|s| s.name == p.suite)
        .and_then(|s| {
            s.problems
                .iter()
                .find(|q| q.size == p.size && q.params == params)
        })
        .map_or_else(|| "top".to_string(), |q| q.anchor.clone())
}

fn heatmap(out: &mut String, view: &ReportView<'_>) -> Result<(), ReportError> {
    let columns: Vec<&str> = view
        .variants
        .iter()
        .copied()
        .filter(|v| *v != BASELINE_VARIANT)
        .collect();
    if columns.is_empty() || view.suites.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = view
        .suites
        .iter()
        .map(|s| {
            if s.name == s.workload {
                s.name.to_string()
            } else {
                format!("{} ({})", s.name, s.workload)
            }
        })
        .collect();
    let mut top = 1.0f64;
    let cells: Vec<Vec<HeatCell>> = view
        .suites
        .iter()
        .map(|s| {
            columns
                .iter()
                .map(|v| heat_cell(view, s, v, &mut top))
                .collect()
        })
        .collect();
    let hrefs: Vec<Option<String>> = view.suites.iter().map(|s| Some(s.file.clone())).collect();
    let column_names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let cores = view.cores as f64;
    let mut chart = HeatmapChart::new(
        "Best verified speedup per suite and variant",
        &rows,
        &column_names,
        &cells,
        ColorScale::Diverging {
            lo: 0.25,
            center: 1.0,
            hi: cores.max(2.0).max(top.min(4.0 * cores)),
            log: true,
        },
    );
    chart.row_header = "suite (workload)";
    chart.column_header = "variant";
    chart.scale_label = "speedup vs baseline (×): orange slower, blue faster";
    chart.scale_format = |v| format!("{}×", tick((v * 100.0).round() / 100.0));
    chart.row_hrefs = &hrefs;
    let svg = chart.render()?;
    html! { h2 #heatmap { "Best speedup per suite and variant" } "\n" }.render_to(out);
    super::figure(
        out,
        &svg,
        &format!(
            "Each cell: the highest verified speedup of a variant over the suite's baseline at any size, parameters and worker count, with that worker count, from points that may be a headline (verified, at most {} workers, at least {} samples, no self-check flag). OpenCL cells (\"vs CPU\") compare the device with the fastest trustworthy CPU point of the same problem, any variant and worker count: above 1× the device wins. Click a suite or a cell to open its page. Grey: no trustworthy speedup (the cell says why).",
            view.cores, MIN_SAMPLES
        ),
    );
    Ok(())
}

/// The heatmap's cell of suite `s` and variant `v`: its best verified speedup, or why it has
/// none; raises `top` to the highest value shown.
fn heat_cell(
    view: &ReportView<'_>,
    s: &crate::view::SuiteView<'_>,
    v: &str,
    top: &mut f64,
) -> HeatCell {
    let of_variant: Vec<&Point> = s
        .points
        .iter()
        .copied()
        .filter(|p| p.variant == *v)
        .collect();
    if of_variant.is_empty() {
        return HeatCell::default();
    }
    if of_variant.iter().all(|p| p.model == ExecutionModel::Opencl)
        && let Some(cell) = device_cell(view, s, v)
    {
        *top = top.max(cell.value.unwrap_or(1.0));
        return cell;
    }
    match best_speedup(of_variant.iter().copied()) {
        Some(best) => {
            let b = best.point;
            let speedup = best.speedup();
            *top = top.max(speedup);
            HeatCell {
                value: Some(speedup),
                text: format!(
                    "{}\n{} worker{}",
                    format::ratio(speedup),
                    b.workers,
                    plural(b.workers as usize)
                ),
                href: Some(format!("{}#{}", s.file, problem_anchor(view, b))),
                tooltip: format!(
                    "{} · {}: {} at {} worker{}, {}{}",
                    s.name,
                    v,
                    speedup_with_ci(b),
                    b.workers,
                    plural(b.workers as usize),
                    view.size_label(b),
                    {
                        let p = b.params_label();
                        if p.is_empty() { p } else { format!(", {p}") }
                    }
                ),
            }
        }
        None => no_speedup_cell(s, v, &of_variant),
    }
}

/// A cell without a trustworthy speedup: says why (the most common status, or why its
/// verified points may not be shown).
fn no_speedup_cell(s: &crate::view::SuiteView<'_>, v: &str, of_variant: &[&Point]) -> HeatCell {
    let counts = status_counts(of_variant.iter().copied());
    let (status, _) = counts
        .iter()
        .copied()
        .max_by_key(|(_, c)| *c)
        .unwrap_or((Status::Skipped, 0));
    let why = of_variant
        .iter()
        .filter(|p| p.status == Status::Ok && p.derived.speedup.is_some())
        .filter_map(|p| not_headline_because(p))
        .next();
    HeatCell {
        value: None,
        text: match (status, why) {
            (Status::ExpectedIncorrect, _) => "by design".into(),
            (Status::Ok, Some("flagged by a self-check")) => "flagged".into(),
            (Status::Ok, Some("too few samples")) => "few samples".into(),
            (Status::Ok, Some("oversubscribed")) => "oversubscribed".into(),
            (Status::Ok, _) => "no baseline".into(),
            (s, _) => s.to_string(),
        },
        href: Some(s.file.clone()),
        tooltip: format!(
            "{} · {v}: no trustworthy verified speedup{}",
            s.name,
            why.map_or(String::new(), |w| format!(" ({w})"))
        ),
    }
}

/// The OpenCL cell of the heatmap: the device against the fastest trustworthy CPU point of the
/// same problem (not against serial: a device slower than rayon is no win), best problem shown.
fn device_cell(view: &ReportView<'_>, s: &crate::view::SuiteView<'_>, v: &str) -> Option<HeatCell> {
    let mut best: Option<(f64, &Point, &Point)> = None;
    for q in &s.problems {
        let cpu = q
            .points
            .iter()
            .copied()
            .filter(|p| p.model != ExecutionModel::Opencl && headline_eligible(p))
            .min_by(|a, b| {
                a.median()
                    .map_or(f64::INFINITY, |m| m.0)
                    .total_cmp(&b.median().map_or(f64::INFINITY, |m| m.0))
            });
        let dev = q
            .points
            .iter()
            .copied()
            .filter(|p| p.variant == v && headline_eligible(p))
            .min_by(|a, b| {
                a.median()
                    .map_or(f64::INFINITY, |m| m.0)
                    .total_cmp(&b.median().map_or(f64::INFINITY, |m| m.0))
            });
        if let (Some(c), Some(d)) = (cpu, dev)
            && let (Some(cm), Some(dm)) = (c.median(), d.median())
            && dm.0 > 0.0
        {
            let ratio = cm.0 / dm.0;
            if best.is_none_or(|(r, _, _)| ratio > r) {
                best = Some((ratio, c, d));
            }
        }
    }
    let (ratio, c, d) = best?;
    let device = view
        .results
        .machine
        .accelerators
        .first()
        .cloned()
        .unwrap_or_else(|| "an OpenCL device".into());
    Some(HeatCell {
        value: Some(ratio),
        text: format!("{}\nvs CPU", format::ratio(ratio)),
        href: Some(format!("{}#{}", s.file, problem_anchor(view, d))),
        tooltip: format!(
            "{} · {v} on {device}: {} the time of the fastest CPU point ({} at {} worker{}), {}",
            s.name,
            format::ratio(ratio),
            c.variant,
            c.workers,
            plural(c.workers as usize),
            view.size_label(d)
        ),
    })
}

/// Every point a self-check flagged, with its flags: shown, never a headline.
fn flags_section(out: &mut String, view: &ReportView<'_>) {
    let flagged: Vec<&Point> = view
        .results
        .points
        .iter()
        .filter(|p| !p.derived.flags.is_empty())
        .collect();
    if flagged.is_empty() {
        return;
    }
    // A summarized site lists the first ones (each suite page shows its own).
    let listed = if view.summarized() {
        MAX_LISTED_FLAGS
    } else {
        usize::MAX
    };
    let more = flagged.len().saturating_sub(listed);
    html! {
        h2 #flags { "Flagged points (" (flagged.len()) ")" } "\n"
        p.note {
            "Points that failed a self-check. They are shown on their pages with a ⚑ badge and never become a headline or a heatmap colour."
        } "\n"
        details {
            summary { "Every flagged point" } "\n"
            ul.attention {
                "\n"
                @for p in flagged.iter().take(listed) {
                    li {
                        a href={ (view.suite_file(&p.suite).unwrap_or("index.html")) "#" (problem_anchor(view, p)) } { (p.suite) }
                        " " (view.size_label(p)) " · " (super::point_label(p)) ": " (super::flag_badges(p))
                    } "\n"
                }
                @if more > 0 {
                    li {
                        "… and " (crate::format::grouped(more as u64))
                        " more, on their suites' pages (their flags are in results.json)"
                    } "\n"
                }
            } "\n"
        } "\n"
    }
    .render_to(out);
}

/// The flagged points a summarized site lists on its overview.
const MAX_LISTED_FLAGS: usize = 200;

fn suites_table(out: &mut String, view: &ReportView<'_>) {
    let mut rows: Vec<Markup> = Vec::new();
    for s in &view.suites {
        let mut sizes: Vec<String> = Vec::new();
        for p in &s.points {
            let l = view.size_label(p);
            if !sizes.contains(&l) {
                sizes.push(l);
            }
        }
        let statuses = status_counts(s.points.iter().copied());
        let best = best_speedup(s.points.iter().copied());
        rows.push(html! {
            tr {
                td.wrap { a href=(s.file) { (s.name) } }
                td { (s.workload) }
                td.wrap { (sizes.join(", ")) }
                td {
                    @for (i, v) in crate::view::variants_of(&s.points).into_iter().enumerate() {
                        @if i > 0 { " " }
                        (variant_cell(view, v))
                    }
                }
                td.num { (s.points.len()) }
                td {
                    @for (i, (st, c)) in statuses.iter().enumerate() {
                        @if i > 0 { " · " }
                        (c) " " (status_badge(*st))
                    }
                }
                td {
                    @match &best {
                        None => "–",
                        Some(best) => {
                            @let b = best.point;
                            strong { (format::ratio(best.speedup())) } " " (b.variant) " · "
                            (b.workers) " worker" (plural(b.workers as usize)) " · "
                            (view.size_label(b)) (params_suffix(b))
                            @if !best.ties.is_empty() {
                                " " span.note {
                                    "(a tie with " (best.ties.len()) " other" (plural(best.ties.len())) ")"
                                }
                            }
                        }
                    }
                }
            } "\n"
        });
    }
    html! {
        h2 #suites { "Suites" } "\n"
        div.scroll { table {
            "\n"
            thead { tr {
                th { "suite" } th { "workload" } th { "sizes" } th { "variants" } th.num { "points" }
                th { "status" } th { "best verified speedup" }
            } } "\n"
            tbody { "\n" @for r in &rows { (r) } } "\n"
        } } "\n"
    }
    .render_to(out);
}

/// "How this was measured": for this run, the answers a careful reader asks for first.
fn how_measured(out: &mut String, view: &ReportView<'_>) {
    let mut items = String::new();
    how_measured_items(&mut items, view);
    html! {
        h2 #method { "How this was measured" } "\n"
        dl.defs.callout { "\n" (PreEscaped(items)) } "\n"
    }
    .render_to(out);
}

/// The definitions of "How this was measured".
fn how_measured_items(out: &mut String, view: &ReportView<'_>) {
    baseline_item(out, view);
    samples_items(out, view);
    varied_item(out, view);
    bounds_item(out, view);
    left_out_item(out, view);
}

/// "Baseline": what speedups divide, with each suite's absolute baseline times.
fn baseline_item(out: &mut String, view: &ReportView<'_>) {
    let mut baselines: Vec<Markup> = Vec::new();
    for s in &view.suites {
        let times: Vec<String> = s
            .problems
            .iter()
            .filter_map(|q| {
                let b = q
                    .points
                    .iter()
                    .find(|p| p.variant == BASELINE_VARIANT && p.status == Status::Ok)?;
                Some(format!(
                    "{} at {}",
                    b.median()?,
                    crate::view::size_label(q.size, q.n)
                ))
            })
            .take(4)
            .collect();
        if !times.is_empty() {
            baselines.push(html! { (s.name) ": " (times.join(", ")) });
        }
    }
    html! {
        dt { "Baseline" }
        dd {
            "Speedups divide the " em { (names::SERIAL) }
            " variant's median time at the same suite, size and parameters (the same variant at one worker where a suite has none) by the point's. Absolute baseline times per iteration: "
            @if baselines.is_empty() { "none measured" }
            @for (i, b) in baselines.iter().enumerate() { @if i > 0 { "; " } (b) }
            "."
        } "\n"
    }
    .render_to(out);
}

/// "Samples" (repetitions and samples per point) and "Intervals".
fn samples_items(out: &mut String, view: &ReportView<'_>) {
    let r = view.results;
    let mut ns: Vec<usize> = r
        .points
        .iter()
        .filter_map(|p| p.measurement.as_ref().map(|m| m.stats.n))
        .collect();
    ns.sort_unstable();
    let few = ns.iter().filter(|n| **n < MIN_SAMPLES).count();
    if !ns.is_empty() {
        html! {
            dt { "Samples" }
            dd {
                (repetitions_sentence(r)) " Samples per point: " (ns[0]) " to " (ns[ns.len() - 1])
                " (median " (ns[ns.len() / 2]) "). "
                @if few > 0 {
                    (few) " point" (plural(few)) " had fewer than " (MIN_SAMPLES)
                    ": they print no interval and never become a headline."
                }
            } "\n"
        }
        .render_to(out);
    }
    html! { dt { "Intervals" } dd { (intervals_sentence(r)) } "\n" }.render_to(out);
}

/// "What varied": variants, worker counts, problems and parameters.
fn varied_item(out: &mut String, view: &ReportView<'_>) {
    let r = view.results;
    let mut workers: Vec<u32> = r.points.iter().map(|p| p.workers).collect();
    workers.sort_unstable();
    workers.dedup();
    let mut params: Vec<&str> = Vec::new();
    for p in &r.points {
        for k in p.params.keys() {
            if !params.contains(&k.as_str()) {
                params.push(k);
            }
        }
    }
    let sizes: usize = view.suites.iter().map(|s| s.problems.len()).sum();
    html! {
        dt { "What varied" }
        dd {
            (view.variants.len()) " variant" (plural(view.variants.len())) ", worker counts "
            (workers.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(", "))
            " (" (view.cores) " logical cores: more is oversubscribed), " (sizes) " problem"
            (plural(sizes)) " (size × parameters)"
            @if !params.is_empty() { ", parameters " (params.join(", ")) }
            @if r.config.quick { "; --quick shrank every size and budget (labels give the n that ran)" }
            "."
        } "\n"
    }
    .render_to(out);
}

/// "Bounds": what the machine's calibration gives each point, where the run had one.
fn bounds_item(out: &mut String, view: &ReportView<'_>) {
    let r = view.results;
    let bounded: Vec<(&Point, crate::view::PointBound)> = r
        .points
        .iter()
        .filter_map(|p| Some((p, crate::view::bound_of(p)?)))
        .collect();
    match &r.machine.calibration {
        Some(c) => {
            let serial: Vec<String> = bounded
                .iter()
                .filter(|(p, _)| p.variant == BASELINE_VARIANT)
                .take(6)
                .map(|(p, b)| {
                    format!(
                        "{} {} {}",
                        p.suite,
                        view.size_label(p),
                        format::percent_short(b.fraction)
                    )
                })
                .collect();
            html! {
                dt { "Bounds" }
                dd {
                    "Each workload declares what a unit of its work costs (bytes streamed, FP64 multiplies and adds, integer hashes); with this machine's "
                    a href="#calibration" { "calibration" } " (measured " (c.measured_at) ", ISA " (c.isa)
                    ") that gives every CPU point the throughput the machine allows at its worker count and working set, and its "
                    em { "% of bound" } ". " (bounded.len()) " point" (plural(bounded.len())) " got a bound"
                    @if !serial.is_empty() { "; serial: " (serial.join(", ")) }
                    ". A point above " (format!("{:.0}", parbench_schema::calibration::ABOVE_BOUND * 100.0))
                    "% of its bound is flagged as a measurement error. Accelerator points have none (the calibration measures the CPU)."
                } "\n"
            }
            .render_to(out);
        }
        None => html! {
            dt { "Bounds" }
            dd {
                "This run had no calibration of the machine (`parbench calibrate`), so no point is measured against the machine's limits."
            } "\n"
        }
        .render_to(out),
    }
}

/// "Left out, and why": points without a speedup or kept out of headlines.
fn left_out_item(out: &mut String, view: &ReportView<'_>) {
    let r = view.results;
    let over = r.points.iter().filter(|p| p.oversubscribed).count();
    let flagged = r
        .points
        .iter()
        .filter(|p| !p.derived.flags.is_empty())
        .count();
    let not_ok = r.points.iter().filter(|p| p.status != Status::Ok).count();
    html! {
        dt { "Left out, and why" }
        dd {
            (not_ok) " point" (plural(not_ok))
            " not verified (wrong, failed, skipped or incorrect by design: no speedup; see "
            a href="#status" { "Status" } "); " (over) " oversubscribed point" (plural(over))
            " (measured and drawn hollow, left out of headlines and of every fit: the models assume a core per worker); "
            (flagged)
            " flagged by a self-check (shown, never a headline); efficiency and Karp-Flatt of accelerator points (one device is not one worker)."
        } "\n"
    }
    .render_to(out);
}

/// The machine's calibrated limits, where the run had them.
fn calibration(out: &mut String, view: &ReportView<'_>) {
    let Some(c) = &view.results.machine.calibration else {
        return;
    };
    html! {
        h2 #calibration { "Machine limits (calibration)" } "\n"
        p.note {
            "Measured by `parbench calibrate` on " (c.measured_at) " (" (c.build_profile)
            " build, ISA " (c.isa) ", " (c.cores) " cores, " (format!("{:.1}", c.seconds))
            " s); each figure is the best of a few short trials."
        } "\n"
    }
    .render_to(out);
    let mut sets: Vec<u64> = c.bandwidth.iter().map(|b| b.working_set_bytes).collect();
    sets.sort_unstable();
    sets.dedup();
    let mut threads: Vec<u32> = c.bandwidth.iter().map(|b| b.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    let kinds = [
        parbench_schema::calibration::BandwidthKind::Read,
        parbench_schema::calibration::BandwidthKind::Write,
        parbench_schema::calibration::BandwidthKind::Copy,
    ];
    html! {
        div.scroll { table {
            "\n"
            thead { tr {
                th { "bandwidth" }
                @for ws in &sets { th.num { (format::bytes(*ws as f64)) } }
            } } "\n"
            tbody {
                "\n"
                @for kind in kinds {
                    @for t in &threads {
                        tr {
                            td { (kind.name()) " · " (t) " thread" (plural(*t as usize)) }
                            @for ws in &sets {
                                @let v = c.bandwidth.iter().find(|b| {
                                    b.kind == kind && b.threads == *t && b.working_set_bytes == *ws
                                });
                                td.num { (v.map_or("–".into(), |b| format::si(b.bytes_per_s, "B/s"))) }
                            }
                        } "\n"
                    }
                }
            } "\n"
        } } "\n"
    }
    .render_to(out);
    let opt = |v: Option<f64>| v.map_or("not measured".to_string(), |v| Nanos(v).to_string());
    let rows: Vec<(&str, String)> = vec![
        (
            "FP64 multiply+add peak",
            format!(
                "{} per core, {} on {} cores",
                format::si(c.fp64_flops_per_core, "FLOP/s"),
                format::si(c.fp64_flops_all_cores, "FLOP/s"),
                c.cores
            ),
        ),
        (
            "32-bit hash peak",
            format!(
                "{} per core, {} on {} cores",
                format::si(c.hash32_per_core, "hashes/s"),
                format::si(c.hash32_all_cores, "hashes/s"),
                c.cores
            ),
        ),
        (
            "atomic fetch_add",
            format!(
                "{} uncontended, {} contended by {} threads",
                Nanos(c.atomic_uncontended_ns),
                Nanos(c.atomic_contended_ns),
                c.cores
            ),
        ),
        ("cache-line transfer", opt(c.cache_line_transfer_ns)),
        ("thread spawn + join", Nanos(c.thread_spawn_ns).to_string()),
        ("process spawn + wait", opt(c.process_spawn_ns)),
        ("pipe round trip", opt(c.pipe_round_trip_ns)),
    ];
    html! {
        dl.kv { "\n" @for (k, v) in &rows { dt { (k) } dd { (v) } "\n" } } "\n"
    }
    .render_to(out);
}

fn how_to_read(out: &mut String, view: &ReportView<'_>) {
    let cores = view.cores;
    html! {
        h2 #reading { "How to read this report" } "\n"
        dl.defs.callout {
            "\n"
            dt { "time (median)" }
            dd { "Wall-clock time of one iteration of the workload: the median of the samples (a sample times a batch of back-to-back iterations and divides). Error bars and intervals are 95% intervals for a rerun (see How this was measured)." } "\n"
            dt { "speedup" }
            dd { "The baseline's median divided by the variant's median at the same suite, size and parameters. The baseline is the " em { (names::SERIAL) } " variant, or the same variant at one worker where a suite has none. Only points whose answer matched the serial reference get a speedup." } "\n"
            dt { "efficiency" }
            dd { "Speedup per worker: 100% means perfect scaling." } "\n"
            dt { "Karp-Flatt serial fraction" }
            dd { "(1/speedup − 1/p) / (1 − 1/p) at p workers: the share of the work that behaves as if it were serial at that worker count; growing with p points to parallel overhead." } "\n"
            dt { "Amdahl fit" }
            dd { "The serial fraction f of Amdahl's law, speedup(p) = 1 / (f + (1 − f)/p), fitted by least squares to a variant's speedups on at most " (cores) " workers (the logical cores), with a 95% interval; 1/f bounds the speedup any number of workers can reach. With fewer than 3 distinct worker counts the report says the fit is not meaningful instead of printing a number." } "\n"
            dt { "oversubscribed" }
            dd { "More workers than the machine's " (cores) " logical cores: measured on purpose, drawn hollow (and shaded), never fitted." } "\n"
            dt { "throughput" }
            dd { "Work per second at the median time, in the workload's own unit." } "\n"
            dt { "phases" }
            dd { "Time components a variant reports for itself (compute, exchange, start-up, IPC, transfers, kernel), shown as stacked bars where present." } "\n"
        } "\n"
    }
    .render_to(out);
}

fn machine(out: &mut String, view: &ReportView<'_>) {
    let m = &view.results.machine;
    html! { h2 #machine { "Machine" } "\n" }.render_to(out);
    let mem = m
        .memory_bytes
        .map(|b| format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64))
        .unwrap_or_else(|| "unknown".into());
    let rows: Vec<(&str, String)> = vec![
        ("hostname", m.hostname.clone()),
        ("fingerprint id", m.id.clone()),
        ("CPU", m.cpu_model.clone()),
        (
            "logical / physical cores",
            format!(
                "{} / {}",
                m.logical_cores,
                m.physical_cores.map_or("unknown".into(), |c| c.to_string())
            ),
        ),
        ("memory", mem),
        (
            "OS / kernel / arch",
            format!("{} / {} / {}", m.os, m.kernel, m.arch),
        ),
        (
            "CPU features used",
            if m.cpu_features.is_empty() {
                "none detected".into()
            } else {
                m.cpu_features.join(", ")
            },
        ),
        (
            "compiler / profile",
            format!("{} / {}", m.rustc, m.build_profile),
        ),
        (
            "load average at start",
            m.load_average.map_or("unknown".into(), |l| {
                format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2])
            }),
        ),
        (
            "CPU governor / MHz",
            format!(
                "{} / {}",
                m.cpu_governor.as_deref().unwrap_or("unknown"),
                m.cpu_mhz.map_or("unknown".into(), |f| format!("{f:.0}"))
            ),
        ),
        (
            "git commit",
            match (&m.git_commit, m.git_dirty) {
                (Some(c), Some(true)) => format!("{c} (with uncommitted changes)"),
                (Some(c), _) => c.clone(),
                (None, _) => "not in a git checkout".into(),
            },
        ),
        (
            "accelerators",
            if m.accelerators.is_empty() {
                "none used".into()
            } else {
                m.accelerators.join("; ")
            },
        ),
    ];
    html! {
        dl.kv { "\n" @for (k, v) in &rows { dt { (k) } dd { (v) } "\n" } } "\n"
    }
    .render_to(out);
}

fn config(out: &mut String, view: &ReportView<'_>) {
    let c = &view.results.config;
    html! {
        h2 #config { "Config" } "\n"
        p.note {
            (c.path) " · sha256 " (c.sha256)
            @if c.quick { " · " strong { "--quick" } " (shrunk sizes and budgets)" }
            @if !c.suite_filter.is_empty() { " · suites: " (c.suite_filter.join(", ")) }
            @if !c.variant_filter.is_empty() { " · variants: " (c.variant_filter.join(", ")) }
        } "\n"
        pre { (c.text) } "\n"
    }
    .render_to(out);
}
