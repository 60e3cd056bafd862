//! A suite's page: at a glance (the best variant per problem), what went wrong, time against
//! size when sizes vary, and per problem (size x parameters) time, speedup with the Amdahl fit,
//! efficiency and throughput against workers, the raw-sample distributions, the sections that
//! apply (phases, metrics, …) and a statistics table of every point.

use super::{
    Page, Section, attention_list, figure, nav, or_dash, page_foot, page_head, status_badge,
    variant_cell,
};
use crate::format;
use crate::output::ReportError;
use crate::plot::{
    BoxPlotChart, BoxRow, Curve, HALF_WIDTH, Series, SizeChart, WorkersChart, XY, percent_tick,
    si_unit, signed_percent_tick, time_unit,
};
use crate::view::{
    MIN_SAMPLES, Problem, amdahl_of, efficiency, enough_samples, headline_eligible,
    karp_flatt_shown, overlap, speedup_interval, status_counts, variants_of,
};
use maud::{Markup, PreEscaped, Render, html};
use parbench_analysis::derived::BASELINE_VARIANT;
use parbench_schema::Nanos;
use parbench_schema::results::{Point, Status, StopReason};

pub(super) fn render(
    page: &Page<'_>,
    sections: &[Box<dyn Section>],
) -> Result<String, ReportError> {
    let (view, suite) = (page.view, page.suite);
    let mut out = page_head(&format!(
        "{} · parbench report {}",
        suite.name, view.results.run_id
    ));
    nav(&mut out, view, Some(&suite.file));
    let variants = variants_of(&suite.points);
    let mut models: Vec<String> = Vec::new();
    for p in &suite.points {
        let m = format!("{} / {}", p.model, p.sync);
        if !models.contains(&m) {
            models.push(m);
        }
    }
    let statuses = status_counts(suite.points.iter().copied());
    html! {
        h1 #top { (suite.name) } "\n"
        p.sub {
            "Workload " strong { (suite.workload) } " · " (suite.points.len()) " points ("
            @for (i, (s, c)) in statuses.iter().enumerate() {
                @if i > 0 { " · " }
                (c) " " (status_badge(*s))
            }
            ") · " (suite.problems.len()) " problem" @if suite.problems.len() != 1 { "s" }
            " (size × parameters) · execution model / synchronization: " (models.join(", "))
            " · run " (view.results.run_id) " on " (view.results.machine.cpu_model)
            " (" (view.cores) " logical cores)"
        } "\n"
        p {
            "Variants: "
            @for (i, v) in variants.iter().enumerate() {
                @if i > 0 { " · " }
                (variant_cell(view, v))
            }
            " " span.note { "(each keeps its colour in every chart)" }
        } "\n"
    }
    .render_to(&mut out);

    super::summary_note(&mut out, view);
    glance(&mut out, page);
    // The answers across problems (crossover, fits, heatmaps) come before the problems' details.
    let mut body = String::new();
    if suite.points.iter().any(|p| p.status != Status::Ok) {
        html! { h2 #attention { "Needs attention" } "\n" }.render_to(&mut body);
        attention_list(&mut body, &suite.points, false);
    }
    size_sweeps(&mut body, page)?;
    for s in sections {
        s.suite(page, &mut body)?;
    }
    for q in &suite.problems {
        problem(&mut body, page, q, sections)?;
    }
    let toc = super::headings(&body);
    if toc.len() > 1 {
        html! {
            h2 #contents { "Contents" } "\n"
            ul.toc {
                "\n"
                @for (id, text) in &toc {
                    li { a href={ "#" (id) } { (text) } } "\n"
                }
            } "\n"
        }
        .render_to(&mut out);
    }
    out.push_str(&super::with_top_links(&body));
    page_foot(&mut out, view.results);
    Ok(out)
}

/// One row per problem: the fastest trustworthy variant (ties named), how well it scales and
/// how close it is to the machine's bound.
fn glance(out: &mut String, page: &Page<'_>) {
    let view = page.view;
    let mut rows: Vec<Markup> = Vec::new();
    let mut left_out = 0;
    for q in &page.suite.problems {
        let eligible: Vec<&Point> = q
            .points
            .iter()
            .copied()
            .filter(|p| headline_eligible(p))
            .collect();
        left_out += q
            .points
            .iter()
            .filter(|p| p.status == Status::Ok && p.measurement.is_some())
            .count()
            - eligible.len();
        let fastest = eligible.iter().copied().min_by(|a, b| {
            a.median()
                .unwrap_or(Nanos(f64::INFINITY))
                .0
                .total_cmp(&b.median().unwrap_or(Nanos(f64::INFINITY)).0)
        });
        let link = html! { a href={ "#" (q.anchor) } { (q.title()) } };
        let Some(p) = fastest else {
            rows.push(html! {
                tr { td { (link) } td colspan="7" { "no trustworthy verified measurement" } }
            });
            continue;
        };
        let fit = match amdahl_of(&q.points, &p.variant) {
            Some(Ok(f)) => format!(
                "f = {} (95% CI {} – {})",
                format::percent(f.serial_fraction),
                format::percent(f.ci[0]),
                format::percent(f.ci[1])
            ),
            Some(Err(_)) => "not meaningful (see the problem)".into(),
            None => "–".into(),
        };
        // Ties: other trustworthy points whose time interval overlaps the fastest's.
        let ci = |p: &Point| {
            p.measurement
                .as_ref()
                .map(|m| [m.stats.ci_low.0, m.stats.ci_high.0])
        };
        let ties: Vec<String> = eligible
            .iter()
            .copied()
            .filter(|o| !std::ptr::eq(*o, p) && o.variant != p.variant)
            .filter(|o| matches!((ci(p), ci(o)), (Some(a), Some(b)) if overlap(a, b)))
            .map(|o| format!("{} · {}w", o.variant, o.workers))
            .collect();
        let more = ties.len().saturating_sub(4);
        rows.push(html! {
            tr {
                td { (link) }
                td {
                    (variant_cell(view, &p.variant))
                    @if !ties.is_empty() {
                        " " span.note {
                            "tie with " (ties[..ties.len().min(4)].join(", "))
                            @if more > 0 { " and " (more) " more" }
                            " (intervals overlap)"
                        }
                    }
                }
                td.num { (p.workers) }
                td.num { (or_dash(p.median().map(|m| m.to_string()))) }
                td.num { (speedup_text(p)) }
                td.num { (or_dash(efficiency(p).map(format::percent))) }
                td.num { (or_dash(bound_text(p))) }
                td { (fit) }
            }
        });
    }
    html! {
        h2 #glance { "At a glance" } "\n"
        div.scroll { table {
            "\n"
            thead { tr {
                th { "problem" } th { "fastest trustworthy variant" } th.num { "workers" }
                th.num { "median" } th.num { "speedup (95% CI)" } th.num { "efficiency" }
                th.num { "of bound" } th { "Amdahl serial fraction" }
            } } "\n"
            tbody { "\n" @for r in &rows { (r) "\n" } } "\n"
        } } "\n"
        p.note {
            "Only points that are verified, on at most " (view.cores) " workers, with at least "
            (MIN_SAMPLES) " samples and no self-check flag compete"
            @if left_out > 0 {
                " (" (left_out) " measured point" @if left_out != 1 { "s" } " left out)"
            }
            ". A tie: the fastest's 95% interval overlaps another's."
        } "\n"
    }
    .render_to(out);
}

/// `62% of 12.3 GB/s (copy bandwidth at 1 core)`-style text of a point's bound.
fn bound_text(p: &Point) -> Option<String> {
    let b = crate::view::bound_of(p)?;
    Some(format::percent_short(b.fraction))
}

fn speedup_text(p: &Point) -> String {
    match (p.derived.speedup, speedup_interval(p)) {
        (Some(s), Some([lo, hi])) if lo != hi => {
            format!("{} ({:.2}–{:.2})", format::ratio(s), lo, hi)
        }
        (Some(s), _) => format::ratio(s),
        (None, _) => "–".into(),
    }
}

fn ok_measured<'a>(points: &[&'a Point]) -> Vec<&'a Point> {
    points
        .iter()
        .copied()
        .filter(|p| p.status == Status::Ok && p.measurement.is_some())
        .collect()
}

fn has_size_sweep(page: &Page<'_>) -> bool {
    let mut ns: Vec<u64> = ok_measured(&page.suite.points)
        .iter()
        .map(|p| p.n)
        .collect();
    ns.sort_unstable();
    ns.dedup();
    ns.len() > 1
}

/// Per variant, the worker count drawn in the time-vs-size chart: the largest that does not
/// oversubscribe the machine, else the smallest measured.
fn size_sweep_workers(points: &[&Point], variant: &str, cores: u32) -> Option<u32> {
    let w: Vec<u32> = points
        .iter()
        .filter(|p| p.variant == variant)
        .map(|p| p.workers)
        .collect();
    w.iter()
        .copied()
        .filter(|w| *w <= cores)
        .max()
        .or_else(|| w.iter().copied().min())
}

/// Time against problem size, one chart per parameter set, when sizes vary.
fn size_sweeps(out: &mut String, page: &Page<'_>) -> Result<(), ReportError> {
    if !has_size_sweep(page) {
        return Ok(());
    }
    let view = page.view;
    let measured = ok_measured(&page.suite.points);
    let mut param_sets: Vec<String> = Vec::new();
    for p in &measured {
        let l = p.params_label();
        if !param_sets.contains(&l) {
            param_sets.push(l);
        }
    }
    html! { h2 #sizes { "Time vs size" } "\n" }.render_to(out);
    super::grid(out, |out| {
        for params in &param_sets {
            let pts: Vec<&Point> = measured
                .iter()
                .copied()
                .filter(|p| p.params_label() == *params)
                .collect();
            let mut series = Vec::new();
            for v in variants_of(&pts) {
                let Some(w) = size_sweep_workers(&pts, v, view.cores) else {
                    continue;
                };
                let mut xy: Vec<XY> = pts
                    .iter()
                    .filter(|p| p.variant == v && p.workers == w)
                    .filter_map(|p| {
                        let m = p.measurement.as_ref()?;
                        Some(XY {
                            x: p.n as f64,
                            y: m.stats.median.0,
                            interval: Some((m.stats.ci_low.0, m.stats.ci_high.0)),
                            hollow: p.oversubscribed,
                        })
                    })
                    .collect();
                xy.sort_by(|a, b| a.x.total_cmp(&b.x));
                // Sizes that ran at the same n (--quick shrank them alike) are one point.
                xy.dedup_by(|a, b| a.x == b.x);
                series.push(Series::new(
                    format!("{v} ({w} worker{})", if w == 1 { "" } else { "s" }),
                    view.palette.color(v),
                    xy,
                ));
            }
            let title = if params.is_empty() {
                "Median time vs problem size".to_string()
            } else {
                format!("Median time vs problem size · {params}")
            };
            let mut chart = SizeChart::new(
                &title,
                "problem size n (log scale)",
                "median time per iteration (log scale)",
                &series,
            );
            chart.y_format = |ns| Nanos(ns).to_string();
            figure(
                out,
                &chart.render()?,
                "Each variant at its largest worker count within the logical cores; error bars: 95% rerun intervals. Where two lines cross, the faster choice changes with the problem size.",
            );
        }
        Ok(())
    })?;
    // Say which configured sizes ran at the same n.
    let mut by_n: Vec<(u64, Vec<&str>)> = Vec::new();
    for p in &measured {
        match by_n.iter_mut().find(|(n, _)| *n == p.n) {
            Some((_, labels)) if !labels.contains(&p.size.as_str()) => labels.push(&p.size),
            Some(_) => {}
            None => by_n.push((p.n, vec![&p.size])),
        }
    }
    for (n, labels) in by_n.iter().filter(|(_, l)| l.len() > 1) {
        html! {
            p.note {
                "Sizes " (labels.join(", ")) " all ran at n = " (format::grouped(*n))
                " (--quick shrank them alike): drawn once."
            } "\n"
        }
        .render_to(out);
    }
    Ok(())
}

/// Every point (any status) of the problem `points` belong to.
fn points_of_problem<'a>(
    page: &'a Page<'_>,
    points: &[&Point],
) -> impl Iterator<Item = &'a Point> + 'a {
    let key = points.first().map(|p| (p.size.clone(), p.params_label()));
    page.suite.points.iter().copied().filter(move |p| {
        key.as_ref()
            .is_some_and(|(size, params)| p.size == *size && p.params_label() == *params)
    })
}

/// Builds one series per variant from the points that have a value.
fn series_by_variant(
    page: &Page<'_>,
    points: &[&Point],
    value: impl Fn(&Point) -> Option<(f64, Option<(f64, f64)>)>,
    skip_baseline: bool,
) -> Vec<Series> {
    let mut out = Vec::new();
    for v in variants_of(points) {
        if skip_baseline && v == BASELINE_VARIANT {
            continue;
        }
        let mut xy: Vec<XY> = points
            .iter()
            .filter(|p| p.variant == v)
            .filter_map(|p| {
                let (y, interval) = value(p)?;
                Some(XY {
                    x: p.workers as f64,
                    y,
                    interval,
                    hollow: p.oversubscribed,
                })
            })
            .collect();
        if xy.is_empty() {
            continue;
        }
        xy.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut s = Series::new(v, page.view.palette.color(v), xy);
        s.breaks = points_of_problem(page, points)
            .filter(|p| p.variant == v && p.status != Status::Ok)
            .map(|p| p.workers as f64)
            .collect();
        // A variant that only ever runs on one worker (serial, an accelerator) is a level, not a
        // curve.
        s.baseline = page
            .suite
            .points
            .iter()
            .filter(|p| p.variant == v)
            .all(|p| p.workers == 1);
        out.push(s);
    }
    out
}

fn problem(
    out: &mut String,
    page: &Page<'_>,
    q: &Problem<'_>,
    sections: &[Box<dyn Section>],
) -> Result<(), ReportError> {
    // With many problems a page would run to tens of thousands of pixels: each problem then
    // shows its answer in one line and folds its charts and tables (a link to the section
    // still lands on its heading).
    let fold = page.suite.problems.len() > FOLD_PROBLEMS_ABOVE;
    let details = |out: &mut String| -> Result<(), ReportError> {
        let ok = ok_measured(&q.points);
        let summarized = page.view.summarized();
        if ok.is_empty() {
            html! { p { "No point of this problem was measured and verified." } "\n" }
                .render_to(out);
        } else if summarized {
            fits_table(out, page, q);
        } else {
            if variants_of(&ok).len() > super::MAX_SERIES_PER_CHART {
                // Many variants: speedup by families, each against serial; the other charts
                // folded.
                speedup_chart(out, page, q, &ok)?;
                super::folded(
                    out,
                    "Time, efficiency and throughput against workers",
                    |out| {
                        super::grid(out, |out| {
                            time_chart(out, page, q, &ok)?;
                            efficiency_chart(out, page, &ok)?;
                            throughput_chart(out, page, &ok)
                        })
                    },
                )?;
            } else {
                super::grid(out, |out| {
                    time_chart(out, page, q, &ok)?;
                    speedup_chart(out, page, q, &ok)?;
                    efficiency_chart(out, page, &ok)?;
                    throughput_chart(out, page, &ok)
                })?;
            }
            fits_table(out, page, q);
        }
        if !summarized {
            for s in sections {
                s.problem(page, q, out)?;
            }
            samples_chart(out, page, q)?;
        }
        stats_table(out, page, q);
        super::attention_brief(out, &q.points);
        Ok(())
    };
    let mut body = String::new();
    if fold {
        problem_summary(&mut body, q);
        super::folded(&mut body, "Charts and tables of this problem", details)?;
    } else {
        details(&mut body)?;
    }
    html! {
        section id=(q.anchor) { "\n" h2 { (q.title()) } "\n" (PreEscaped(body)) } "\n"
    }
    .render_to(out);
    Ok(())
}

/// Above this many problems a suite page folds each problem's charts and tables.
const FOLD_PROBLEMS_ABOVE: usize = 3;

/// One line: the fastest trustworthy point of a problem and its speedup.
fn problem_summary(out: &mut String, q: &Problem<'_>) {
    let fastest = q
        .points
        .iter()
        .copied()
        .filter(|p| headline_eligible(p))
        .min_by(|a, b| {
            a.median()
                .map_or(f64::INFINITY, |m| m.0)
                .total_cmp(&b.median().map_or(f64::INFINITY, |m| m.0))
        });
    match fastest {
        Some(p) => html! {
            p {
                "Fastest trustworthy: " strong { (p.variant) } " at " (p.workers) " worker"
                @if p.workers != 1 { "s" } ", " (or_dash(p.median().map(|m| m.to_string())))
                " (" (speedup_text(p)) " vs the baseline)"
                @if let Some(b) = bound_text(p) { ", " (b) " of the machine's bound" }
                "."
            } "\n"
        }
        .render_to(out),
        None => html! { p { "No trustworthy verified measurement." } "\n" }.render_to(out),
    }
}

fn time_chart(
    out: &mut String,
    page: &Page<'_>,
    q: &Problem<'_>,
    ok: &[&Point],
) -> Result<(), ReportError> {
    let max = ok
        .iter()
        .filter_map(|p| p.measurement.as_ref().map(|m| m.stats.ci_high.0))
        .fold(0.0, f64::max);
    let unit = time_unit(max);
    let series = series_by_variant(
        page,
        ok,
        |p| {
            let m = p.measurement.as_ref()?;
            Some((
                m.stats.median.0 / unit.ns,
                Some((m.stats.ci_low.0 / unit.ns, m.stats.ci_high.0 / unit.ns)),
            ))
        },
        false,
    );
    // Wrong answers measured after timing: shown where they were, crossed out.
    let crosses: Vec<(f64, f64)> = q
        .points
        .iter()
        .filter(|p| p.status == Status::Wrong)
        .filter_map(|p| Some((p.workers as f64, p.median()?.0 / unit.ns)))
        .collect();
    let y_label = format!("median time per iteration ({})", unit.name);
    let mut chart = WorkersChart::new("Time vs workers", &y_label, &series, page.view.cores);
    chart.width = HALF_WIDTH;
    chart.log_y = true;
    chart.crosses = &crosses;
    figure(
        out,
        &chart.render()?,
        "Lower is better. Error bars: 95% rerun intervals. A dashed level: a variant that runs on one worker only. Red crosses: measured, but the answer was wrong. The axis turns logarithmic when times span more than 10×.",
    );
    Ok(())
}

fn speedup_chart(
    out: &mut String,
    page: &Page<'_>,
    q: &Problem<'_>,
    ok: &[&Point],
) -> Result<(), ReportError> {
    let series = series_by_variant(
        page,
        ok,
        |p| {
            Some((
                p.derived.speedup?,
                p.derived.speedup_ci.map(|[a, b]| (a, b)),
            ))
        },
        true,
    );
    if series.is_empty() {
        return Ok(());
    }
    // The fit is drawn over the worker counts it was fitted on (up to the logical cores).
    let max_workers = ok
        .iter()
        .map(|p| p.workers)
        .filter(|w| *w <= page.view.cores)
        .max()
        .unwrap_or(1)
        .max(2) as f64;
    let mut curves = Vec::new();
    for s in &series {
        if let Some(Ok(fit)) = amdahl_of(&q.points, &s.label) {
            let steps = 48;
            let points = (0..=steps)
                .map(|i| {
                    let p = 1.0 + (max_workers - 1.0) * i as f64 / steps as f64;
                    (p, fit.speedup(p))
                })
                .collect();
            curves.push(Curve {
                label: format!(
                    "{}: Amdahl fit, f = {}",
                    s.label,
                    format::percent(fit.serial_fraction)
                ),
                color: s.color,
                points,
            });
        }
    }
    let mut chart = WorkersChart::new(
        "Speedup vs workers",
        "speedup vs baseline (×)",
        &series,
        page.view.cores,
    );
    chart.ideal = true;
    chart.log_y = true;
    chart.curves = &curves;
    chart.curve_legend = Some("dashed, in a variant's colour: its Amdahl fit");
    super::workers_figures(
        out,
        &chart,
        "Higher is better; the grey diagonal is perfect scaling. Dashed curves: Amdahl's law fitted to each variant (see the table below). Error bars: 95% rerun intervals of the speedup (paired by round).",
    )?;
    Ok(())
}

fn efficiency_chart(out: &mut String, page: &Page<'_>, ok: &[&Point]) -> Result<(), ReportError> {
    let series = series_by_variant(page, ok, |p| Some((efficiency(p)?, None)), true);
    if series.is_empty() {
        return Ok(());
    }
    let mut chart = WorkersChart::new(
        "Parallel efficiency vs workers",
        "efficiency (speedup per worker)",
        &series,
        page.view.cores,
    );
    chart.reference = Some((1.0, "ideal (100%)"));
    chart.log_y = true;
    chart.y_format = percent_tick;
    figure(
        out,
        &chart.render()?,
        "100% means every added worker pays off fully; the drop shows parallel overhead and serial parts.",
    );
    Ok(())
}

fn throughput_chart(out: &mut String, page: &Page<'_>, ok: &[&Point]) -> Result<(), ReportError> {
    let Some(unit) = ok
        .iter()
        .find_map(|p| p.throughput.as_ref().map(|t| t.unit.clone()))
    else {
        return Ok(());
    };
    let max = ok
        .iter()
        .filter_map(|p| p.throughput.as_ref().filter(|t| t.unit == unit))
        .map(|t| t.value)
        .fold(0.0, f64::max);
    let (scale, prefix) = si_unit(max);
    let series = series_by_variant(
        page,
        ok,
        |p| {
            let t = p.throughput.as_ref().filter(|t| t.unit == unit)?;
            Some((t.value / scale, None))
        },
        false,
    );
    // The machine's bound at each worker count (the calibrated limit of the workload's model).
    let mut bound: Vec<(f64, f64, &'static str)> = Vec::new();
    for p in ok {
        if let Some(b) = crate::view::bound_of(p).filter(|b| b.unit == unit)
            && !bound.iter().any(|(w, _, _)| *w == p.workers as f64)
        {
            bound.push((p.workers as f64, b.limit / scale, b.by));
        }
    }
    bound.sort_by(|a, b| a.0.total_cmp(&b.0));
    let curves: Vec<Curve> = if !bound.is_empty() {
        vec![Curve {
            label: format!("machine bound ({})", bound[0].2),
            color: crate::plot::BOUND,
            points: bound.iter().map(|(w, v, _)| (*w, *v)).collect(),
        }]
    } else {
        Vec::new()
    };
    let y_label = format!("throughput ({prefix}{unit})");
    let mut chart = WorkersChart::new("Throughput vs workers", &y_label, &series, page.view.cores);
    chart.log_y = true;
    chart.curves = &curves;
    figure(
        out,
        &chart.render()?,
        if curves.is_empty() {
            "Higher is better: work per second at the median time, in the workload's own unit."
        } else {
            "Higher is better: work per second at the median time, in the workload's own unit. Dashed red: the most this machine allows for the workload at each worker count (its calibrated limits and the workload's bound model); the statistics table gives each point's % of bound."
        },
    );
    Ok(())
}

fn fits_table(out: &mut String, page: &Page<'_>, q: &Problem<'_>) {
    let view = page.view;
    let mut rows: Vec<Markup> = Vec::new();
    // Fits that are not meaningful, grouped by reason: each reason said once.
    let mut not_meaningful: Vec<(String, Vec<&str>)> = Vec::new();
    for v in variants_of(&q.points) {
        match amdahl_of(&q.points, v) {
            None => {}
            Some(Ok(f)) => rows.push(html! {
                tr {
                    td { (variant_cell(view, v)) }
                    td.num { (format::percent(f.serial_fraction)) }
                    td.num { (format::percent(f.ci[0])) " – " (format::percent(f.ci[1])) }
                    td.num { (f.max_speedup().map_or("unbounded".into(), format::ratio)) }
                    td.num { (f.points) " / " (f.distinct_workers) }
                    td.num { (format!("{:.3}", f.rmse)) }
                    td {
                        @if f.at_bound {
                            "at the boundary of [0, 1]: the law describes these speedups poorly"
                        }
                    }
                }
            }),
            Some(Err(e)) => {
                let reason = e.reason;
                match not_meaningful.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, vs)) => vs.push(v),
                    None => not_meaningful.push((reason, vec![v])),
                }
            }
        }
    }
    if rows.is_empty() && not_meaningful.is_empty() {
        return;
    }
    html! {
        h3 { "Amdahl fits" } "\n"
        @if !rows.is_empty() {
            div.scroll { table {
                "\n"
                thead { tr {
                    th { "variant" } th.num { "serial fraction f" } th.num { "95% CI" }
                    th.num { "max speedup 1/f" } th.num { "points / worker counts" }
                    th.num { "RMS residual" } th { "note" }
                } } "\n"
                tbody {
                    "\n"
                    @for (i, r) in rows.iter().enumerate() { @if i > 0 { "\n" } (r) }
                    "\n"
                } "\n"
            } } "\n"
        }
        @for (reason, vs) in &not_meaningful {
            p.note {
                "Not meaningful for "
                @for (i, v) in vs.iter().enumerate() { @if i > 0 { ", " } (variant_cell(view, v)) }
                ": " (reason) "."
            } "\n"
        }
        p.note {
            "Least squares on verified speedups at up to " (view.cores)
            " workers (oversubscribed points are left out of every fit: Amdahl's law assumes a core per worker)."
        } "\n"
    }
    .render_to(out);
}

fn samples_chart(out: &mut String, page: &Page<'_>, q: &Problem<'_>) -> Result<(), ReportError> {
    let measured: Vec<&Point> = q
        .points
        .iter()
        .copied()
        .filter(|p| {
            p.measurement
                .as_ref()
                .is_some_and(|m| !m.samples_ns.is_empty() && m.stats.median.0 > 0.0)
        })
        .collect();
    if measured.is_empty() {
        return Ok(());
    }
    let rows: Vec<BoxRow> = measured
        .iter()
        .map(|p| {
            let m = p.measurement.as_ref().expect("filtered");
            let median = m.stats.median.0;
            let mut label = format!(
                "{} · {} worker{}",
                p.variant,
                p.workers,
                if p.workers == 1 { "" } else { "s" }
            );
            if p.oversubscribed {
                label.push_str(" (over)");
            }
            match p.status {
                Status::Ok => {}
                Status::ExpectedIncorrect => label.push_str(" [by design]"),
                s => label.push_str(&format!(" [{s}]")),
            }
            label.push_str(&format!(" · {}", m.stats.median));
            BoxRow {
                label,
                color: page.view.palette.color(&p.variant),
                values: m.samples_ns.iter().map(|s| s.0 / median - 1.0).collect(),
                hollow: p.oversubscribed,
                muted: p.status != Status::Ok,
            }
        })
        .collect();
    let mut chart = BoxPlotChart::new(
        "Distribution of raw samples around each point's median",
        "sample time relative to the point's median",
        &rows,
    );
    chart.value_format = signed_percent_tick;
    super::folded(
        out,
        &format!("Raw samples of every point ({})", rows.len()),
        |out| {
            figure(
                out,
                &chart.render()?,
                "One row per measured point (its median after the label): every sample, as its difference from that median. Wide boxes, long whiskers or many outliers mean a noisy measurement: compare medians with care. Outliers far beyond the whiskers are counted at the axis's edge (n ▸) instead of stretching it.",
            );
            Ok(())
        },
    )?;
    Ok(())
}

/// `lo – hi` of two times, the unit written once where they share it.
fn time_range(lo: Nanos, hi: Nanos) -> String {
    let (a, b) = (lo.to_string(), hi.to_string());
    match (a.rsplit_once(' '), b.rsplit_once(' ')) {
        (Some((av, au)), Some((bv, bu))) if au == bu => format!("{av}–{bv} {bu}"),
        _ => format!("{a} – {b}"),
    }
}

fn stats_table(out: &mut String, page: &Page<'_>, q: &Problem<'_>) {
    let view = page.view;
    let mut few = false;
    let mut kf_hidden = false;
    let mut rows: Vec<Markup> = Vec::new();
    for p in &q.points {
        few |= p.measurement.is_some() && !enough_samples(p);
        let kf = karp_flatt_shown(p, view.cores);
        kf_hidden |= kf.is_none() && p.derived.karp_flatt.is_some();
        rows.push(stats_row(view, p, kf));
    }
    let bounds = q.points.iter().any(|p| crate::view::bound_of(p).is_some());
    html! {
        details {
            summary { "Statistics of every point (" (q.points.len()) ")" } "\n"
            div.scroll { table.stats {
                "\n"
                thead { tr {
                    th { "variant" } th.num { "workers" } th { "status" } th.num { "median" }
                    th.num { "95% CI" } th.num { "CV" } th.num { "samples × iters" }
                    th.num { "outliers lo/hi" } th.num { "speedup (95% CI)" }
                    th.num { "efficiency" } th.num { "Karp-Flatt" } th.num { "throughput" }
                    th.num { "of bound" }
                } } "\n"
                tbody { "\n" @for r in &rows { (r) } } "\n"
            } } "\n"
            p.note {
                "* oversubscribed (more workers than logical cores). Times are per iteration; outliers are counted with Tukey's fences and never dropped. The mean, standard deviation, MAD, min, max and every sample are in results.csv and samples.csv."
                @if few {
                    " Below " (MIN_SAMPLES) " samples a bootstrap interval only restates the few values, so none is printed."
                }
                @if kf_hidden {
                    " Karp-Flatt is shown only at 2 to " (view.cores) " workers (a core per worker) and where it lies between 0% and 100%; elsewhere (superlinear speedup, overhead beyond the parallel gain, oversubscription, a device) it is not a serial fraction of anything."
                }
                @if bounds {
                    " Of bound: throughput as a share of what this machine's calibrated limits allow for the point (see the bound column's tooltip in the throughput chart and How this was measured on the overview)."
                }
            } "\n"
        } "\n"
    }
    .render_to(out);
}

/// What a point's row of the statistics table notes: flags, too few samples, why it failed,
/// warnings and why sampling stopped.
fn point_notes(p: &Point) -> Vec<Markup> {
    let m = p.measurement.as_ref();
    let enough = enough_samples(p);
    let mut notes: Vec<Markup> = Vec::new();
    if !p.derived.flags.is_empty() {
        notes.push(super::flag_badges(p));
    }
    if let Some(m) = m.filter(|_| !enough) {
        notes.push(html! {
            "only " (m.stats.n) " sample" @if m.stats.n != 1 { "s" }
            ": no interval or CV (fewer than " (MIN_SAMPLES) "), never a headline"
        });
    }
    if p.status != Status::Ok {
        notes.push(html! { (crate::view::reason_of(p)) });
    }
    for w in &p.warnings {
        notes.push(html! { (w) });
    }
    match m.map(|m| m.stop_reason) {
        Some(StopReason::Budget) => notes.push(html! { "sampling stopped on the time budget" }),
        Some(StopReason::MaxSamples) => notes.push(html! { "sampling stopped at max-samples" }),
        _ => {}
    }
    notes
}

/// A point's row of the statistics table (`kf`: its Karp-Flatt fraction where shown), with a
/// row of notes under it where it has any.
fn stats_row(view: &crate::view::ReportView<'_>, p: &Point, kf: Option<f64>) -> Markup {
    const COLUMNS: usize = 13;
    let m = p.measurement.as_ref();
    let s = m.map(|m| &m.stats).filter(|_| enough_samples(p));
    let notes = point_notes(p);
    let mut classes: Vec<&str> = Vec::new();
    if p.oversubscribed {
        classes.push("over");
    }
    if !notes.is_empty() {
        classes.push("has-notes");
    }
    let class = (!classes.is_empty()).then(|| classes.join(" "));
    html! {
        tr class=[class] {
            td { (variant_cell(view, &p.variant)) }
            td.num { (p.workers) @if p.oversubscribed { "*" } }
            td { (status_badge(p.status)) }
            td.num { (or_dash(m.map(|m| m.stats.median.to_string()))) }
            td.num { (or_dash(s.map(|s| time_range(s.ci_low, s.ci_high)))) }
            td.num { (or_dash(s.map(|s| format::percent(s.cv)))) }
            td.num { (or_dash(m.map(|m| format!("{} × {}", m.stats.n, m.iters_per_sample)))) }
            td.num {
                (or_dash(m.map(|m| {
                    let o = m.stats.outliers;
                    format!("{}/{}", o.low_mild + o.low_severe, o.high_mild + o.high_severe)
                })))
            }
            td.num { (speedup_text(p)) }
            td.num { (or_dash(efficiency(p).map(format::percent))) }
            td.num { (or_dash(kf.map(format::percent))) }
            td.num {
                (or_dash(p.throughput.as_ref().map(|t| format::throughput(t.value, &t.unit))))
            }
            td.num { (or_dash(bound_text(p))) }
        } "\n"
        @if !notes.is_empty() {
            tr class={ "notes" @if p.oversubscribed { " over" } } {
                td {}
                td colspan=(COLUMNS - 1) class="wrap" {
                    @for (i, n) in notes.iter().enumerate() { @if i > 0 { " · " } (n) }
                }
            } "\n"
        }
    }
}
