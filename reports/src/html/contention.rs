//! The contention section, for points that count their operations per worker (the contention
//! suite): how evenly the workers shared the operations (Jain's index over the whole point and
//! within an iteration, the per-worker spread, starvation) and how long one operation took
//! (sampled latency percentiles), against workers; and per suite, heatmaps of throughput over
//! workers × each swept parameter (work inside the critical section, …), one per variant.

use super::{Page, Section, figure, variant_cell};
use crate::format;
use crate::output::ReportError;
use crate::plot::{
    ColorScale, HALF_WIDTH, HeatCell, HeatmapChart, Series, WorkersChart, XY, time_unit,
};
use crate::view::{Problem, variants_of};
use maud::{Render, html};
use parbench_schema::Nanos;
use parbench_schema::operations::{
    LatencySummary, Operations, PERCENTILES, STARVATION_SHARE, percentile_label,
};
use parbench_schema::params::ParamValue;
use parbench_schema::results::{Point, Status};
use parbench_schema::variant::names;

pub(super) struct Contention;

fn counted<'a>(points: &[&'a Point]) -> Vec<(&'a Point, &'a Operations)> {
    points
        .iter()
        .copied()
        .filter(|p| p.status == Status::Ok)
        .filter_map(|p| Some((p, p.operations.as_ref()?)))
        .collect()
}

/// One series per variant of `value` against workers.
fn series(
    page: &Page<'_>,
    points: &[(&Point, &Operations)],
    value: impl Fn(&Operations) -> Option<f64>,
) -> Vec<Series> {
    let ps: Vec<&Point> = points.iter().map(|(p, _)| *p).collect();
    variants_of(&ps)
        .into_iter()
        .filter_map(|v| {
            let mut xy: Vec<XY> = points
                .iter()
                .filter(|(p, _)| p.variant == v)
                .filter_map(|(p, o)| {
                    Some(XY {
                        x: p.workers as f64,
                        y: value(o)?,
                        interval: None,
                        hollow: p.oversubscribed,
                    })
                })
                .collect();
            if xy.is_empty() {
                return None;
            }
            xy.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut s = Series::new(v, page.view.palette.color(v), xy);
            s.baseline = points
                .iter()
                .filter(|(p, _)| p.variant == v)
                .all(|(p, _)| p.workers == 1);
            Some(s)
        })
        .collect()
}

/// A latency figure, or "< resolution" when the clock cannot resolve it.
fn latency_text(value: Option<Nanos>, l: &LatencySummary) -> String {
    match value {
        None => "–".into(),
        Some(v) if l.resolution_ns.0 > 0.0 && v.0 < l.resolution_ns.0 => {
            format!("&lt; {}", l.resolution_ns)
        }
        Some(v) => v.to_string(),
    }
}

fn fairness(
    out: &mut String,
    page: &Page<'_>,
    points: &[(&Point, &Operations)],
) -> Result<(), ReportError> {
    let view = page.view;
    html! { h3 { "Fairness: how the workers shared the operations" } "\n" }.render_to(out);
    let total = series(page, points, |o| Some(o.fairness.jain));
    // Many primitives: the charts come by family, folded (the table below has every figure).
    let many = total.len() > super::MAX_SERIES_PER_CHART;
    let charts = |out: &mut String| -> Result<(), ReportError> {
        let mut chart = WorkersChart::new(
            "Fairness over the whole point (Jain's index)",
            "Jain's index of operations per worker",
            &total,
            view.cores,
        );
        chart.reference = Some((1.0, "perfectly fair (1)"));
        super::workers_figures(
            out,
            &chart,
            "Jain's index (Σx)² / (n·Σx²) of the operations each worker completed over every observed iteration: 1 when all did the same, 1/n when one did everything.",
        )?;
        let per_iteration = series(page, points, |o| o.per_iteration.jain_median);
        let mut chart = WorkersChart::new(
            "Fairness within an iteration (median Jain's index)",
            "median over iterations of Jain's index",
            &per_iteration,
            view.cores,
        );
        chart.reference = Some((1.0, "perfectly fair (1)"));
        super::workers_figures(
            out,
            &chart,
            "The same index per iteration, median over iterations: with more workers than cores, some workers barely run within an iteration and catch up in others, which the total hides.",
        )?;
        Ok(())
    };
    if many {
        super::folded(out, "Fairness charts, by family of primitives", charts)?;
    } else {
        super::grid(out, charts)?;
    }
    html! {
        details {
            summary { "Fairness of every point" } "\n"
            div.scroll { table {
                "\n"
                thead { tr {
                    th { "variant" } th.num { "workers" }
                    th.num { "operations per worker" br; "min – max (mean)" }
                    th.num { "std. dev." br; "(CV)" } th.num { "Jain's" br; "index" }
                    th { "starved" br; "workers" }
                    th.num { "per iteration: Jain" br; "median (lowest)" }
                    th.num { "iterations with" br; "a starved worker" }
                } } "\n"
                tbody {
                    "\n"
                    @for (p, o) in points {
                        @let f = &o.fairness;
                        @let it = &o.per_iteration;
                        tr class=[p.oversubscribed.then_some("over")] {
                            td { (variant_cell(view, &p.variant)) }
                            td.num { (p.workers) @if p.oversubscribed { "*" } }
                            td.num {
                                (format::grouped(f.min)) " – " (format::grouped(f.max)) br;
                                span.note { "(" (format::grouped(f.mean.round() as u64)) ")" }
                            }
                            td.num {
                                (format::grouped(f.stddev.round() as u64)) br;
                                span.note { "(" (format::percent(f.cv())) ")" }
                            }
                            td.num { (format!("{:.3}", f.jain)) }
                            td {
                                @if f.starved.is_empty() {
                                    "none"
                                } @else {
                                    strong { (f.starved.len()) } br;
                                    span.note {
                                        "(worker "
                                        (f.starved.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(", "))
                                        ")"
                                    }
                                }
                            }
                            td.num {
                                @match (it.jain_median, it.jain_min) {
                                    (Some(m), Some(lo)) => (format!("{m:.3} ({lo:.3})")),
                                    _ => "–",
                                }
                            }
                            td.num { (it.starved_iterations) " of " (it.iterations) }
                        } "\n"
                    }
                } "\n"
            } } "\n"
            p.note {
                "* oversubscribed. Counts cover every iteration the engine ran for the point (warm-up and samples). A worker is "
                em { "starved" } " when it completed less than "
                (format!("{:.0}", STARVATION_SHARE * 100.0))
                "% of its fair share (the total divided by the workers)."
            } "\n"
        } "\n"
    }
    .render_to(out);
    Ok(())
}

fn latency(
    out: &mut String,
    page: &Page<'_>,
    points: &[(&Point, &Operations)],
) -> Result<(), ReportError> {
    let with: Vec<(&Point, &Operations)> = points
        .iter()
        .copied()
        .filter(|(_, o)| o.latency.is_some())
        .collect();
    if with.is_empty() {
        return Ok(());
    }
    let view = page.view;
    html! { h3 { "Latency of one operation (sampled)" } "\n" }.render_to(out);
    let many = {
        let ps: Vec<&Point> = with.iter().map(|(p, _)| *p).collect();
        variants_of(&ps).len() > super::MAX_SERIES_PER_CHART
    };
    let charts = |out: &mut String| -> Result<(), ReportError> {
        let max = with
            .iter()
            .filter_map(|(_, o)| o.latency.as_ref()?.percentile(0.99))
            .map(|n| n.0)
            .fold(1.0, f64::max);
        let unit = time_unit(max);
        for (q, title) in [
            (0.5, "Median latency (p50) vs workers"),
            (0.99, "Tail latency (p99) vs workers"),
        ] {
            let s = series(page, &with, |o| {
                let l = o.latency.as_ref()?;
                let v = l.percentile(q)?.0.max(l.resolution_ns.0).max(1.0);
                Some(v / unit.ns)
            });
            let y_label = format!("{} latency ({})", percentile_label(q), unit.name);
            let mut chart = WorkersChart::new(title, &y_label, &s, view.cores);
            chart.log_y = true;
            chart.width = HALF_WIDTH;
            super::workers_figures(
                out,
                &chart,
                "Time of the shared part of an operation (lock, critical section, unlock; a CAS loop; a fetch_add; a channel send), clock cost subtracted; values the clock cannot resolve are drawn at its resolution.",
            )?;
        }
        Ok(())
    };
    if many {
        super::folded(out, "Latency charts, by family of primitives", charts)?;
    } else {
        super::grid(out, charts)?;
    }
    let clock = with
        .iter()
        .filter_map(|(_, o)| o.latency.as_ref())
        .map(|l| (l.clock_overhead_ns, l.resolution_ns))
        .next();
    html! {
        details {
            summary { "Latency percentiles of every point" } "\n"
            div.scroll { table {
                "\n"
                thead { tr {
                    th { "variant" } th.num { "workers" } th.num { "samples (every k-th op)" }
                    @for q in PERCENTILES { th.num { (percentile_label(q)) } }
                    th.num { "max" } th.num { "est. sampling overhead" }
                } } "\n"
                tbody {
                    "\n"
                    @for (p, o) in &with {
                        @let l = o.latency.as_ref().expect("filtered");
                        tr class=[p.oversubscribed.then_some("over")] {
                            td { (variant_cell(view, &p.variant)) }
                            td.num { (p.workers) @if p.oversubscribed { "*" } }
                            td.num { (format::grouped(l.samples)) " (k = " (l.every) ")" }
                            @for q in PERCENTILES { td.num { (latency_text(l.percentile(q), l)) } }
                            td.num { (latency_text(l.max, l)) }
                            td.num { (l.sampling_overhead.map_or("–".into(), format::percent)) }
                        } "\n"
                    }
                } "\n"
            } } "\n"
            p.note {
                "Each worker times every k-th operation (two clock reads); the figures come from a histogram with 1/64 relative precision, with the median cost of timing an empty interval ("
                (clock.map_or("–".into(), |c| c.0.to_string()))
                ") subtracted; the clock's step is "
                (clock.map_or("–".into(), |c| c.1.to_string()))
                ". A percentile is shown once at least ten samples lie beyond it (p99.9: 10,000 samples). The overhead estimate is two clock reads every k operations against a worker's mean time per operation."
            } "\n"
        } "\n"
    }
    .render_to(out);
    Ok(())
}

/// Sorts parameter values numerically where they are numbers.
fn value_order(a: &ParamValue, b: &ParamValue) -> std::cmp::Ordering {
    let num = |v: &ParamValue| match v {
        ParamValue::Int(i) => Some(*i as f64),
        ParamValue::Float(f) => Some(*f),
        _ => None,
    };
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Heatmaps of throughput over workers × `param`, one per variant, for one group of points
/// that differ only in `param` (and workers).
fn heatmaps(
    out: &mut String,
    page: &Page<'_>,
    param: &str,
    group: &[&Point],
) -> Result<(), ReportError> {
    let mut values: Vec<&ParamValue> = Vec::new();
    for p in group {
        if let Some(v) = p.params.get(param)
            && !values.contains(&v)
        {
            values.push(v);
        }
    }
    values.sort_by(|a, b| value_order(a, b));
    let mut workers: Vec<u32> = group.iter().map(|p| p.workers).collect();
    workers.sort_unstable();
    workers.dedup();
    let throughputs: Vec<f64> = group
        .iter()
        .filter_map(|p| p.throughput.as_ref().map(|t| t.value))
        .filter(|v| *v > 0.0)
        .collect();
    if throughputs.is_empty() {
        return Ok(());
    }
    let columns: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    let rows: Vec<String> = workers
        .iter()
        .map(|w| {
            if *w > page.view.cores {
                format!("{w} (over)")
            } else {
                w.to_string()
            }
        })
        .collect();
    let scale_label = "throughput ÷ throughput at the fewest workers (same parameter)";
    super::grid(out, |out| {
        for v in variants_of(group) {
            if group.iter().all(|p| p.variant == v && p.workers == 1) || v == names::SERIAL {
                continue;
            }
            let cells: Vec<Vec<HeatCell>> = workers
                .iter()
                .map(|w| {
                    values
                        .iter()
                        .map(|value| {
                            let point = group.iter().find(|p| {
                                p.variant == v && p.workers == *w && p.params.get(param) == Some(value)
                            });
                            // Normalized by the same primitive at its fewest workers and the same
                            // parameter: the colour shows scaling, not how much work-inside costs.
                            let base = group
                                .iter()
                                .filter(|p| p.variant == v && p.params.get(param) == Some(value))
                                .min_by_key(|p| p.workers)
                                .and_then(|p| p.throughput.as_ref())
                                .map(|t| t.value)
                                .filter(|b| *b > 0.0);
                            match (point.and_then(|p| p.throughput.as_ref()), base) {
                                (Some(t), Some(b)) => HeatCell {
                                    value: Some(t.value / b),
                                    text: format::ratio(t.value / b),
                                    href: None,
                                    tooltip: format!(
                                        "{v} · {w} workers · {param} = {value}: {} ({} its throughput at its fewest workers)",
                                        format::throughput(t.value, &t.unit),
                                        format::ratio(t.value / b)
                                    ),
                                },
                                _ => HeatCell::default(),
                            }
                        })
                        .collect()
                })
                .collect();
            let title = format!("{v}: throughput scaling");
            let mut chart = HeatmapChart::new(
                &title,
                &rows,
                &columns,
                &cells,
                ColorScale::Diverging {
                    lo: 0.25,
                    center: 1.0,
                    hi: (page.view.cores as f64).max(2.0),
                    log: true,
                },
            );
            chart.row_header = "workers";
            chart.column_header = param;
            chart.scale_label = scale_label;
            chart.scale_format = |v| format!("{}×", crate::plot::tick((v * 100.0).round() / 100.0));
            chart.empty_label = "not measured or not verified";
            chart.max_width = HALF_WIDTH;
            figure(
                out,
                &chart.render()?,
                &format!(
                    "{v}: throughput at each worker count (rows) and {param} (columns), divided by its throughput at the fewest workers with the same {param}: blue scales up, orange slows down (absolute figures in the tooltips and the tables)."
                ),
            );
        }
        Ok(())
    })
}

impl Section for Contention {
    fn problem(
        &self,
        page: &Page<'_>,
        problem: &Problem<'_>,
        out: &mut String,
    ) -> Result<(), ReportError> {
        let points = counted(&problem.points);
        if points.is_empty() {
            return Ok(());
        }
        fairness(out, page, &points)?;
        latency(out, page, &points)
    }

    fn suite(&self, page: &Page<'_>, out: &mut String) -> Result<(), ReportError> {
        let points: Vec<&Point> = counted(&page.suite.points)
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| p.throughput.is_some())
            .collect();
        if points.is_empty() {
            return Ok(());
        }
        let mut swept: Vec<&str> = Vec::new();
        for p in &points {
            for (k, v) in &p.params {
                if !swept.contains(&k.as_str()) && points.iter().any(|q| q.params.get(k) != Some(v))
                {
                    swept.push(k);
                }
            }
        }
        for param in swept {
            // Points that differ only in `param`: the same size and other parameters.
            let mut groups: Vec<(String, Vec<&Point>)> = Vec::new();
            for p in &points {
                let rest: Vec<String> = p
                    .params
                    .iter()
                    .filter(|(k, _)| k.as_str() != param)
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let key = format!(
                    "size {}{}",
                    p.size,
                    if rest.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", rest.join(", "))
                    }
                );
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, g)) => g.push(p),
                    None => groups.push((key, vec![p])),
                }
            }
            for (key, group) in groups {
                let mut distinct: Vec<&ParamValue> = Vec::new();
                for p in &group {
                    if let Some(v) = p.params.get(param)
                        && !distinct.contains(&v)
                    {
                        distinct.push(v);
                    }
                }
                if distinct.len() < 2 {
                    continue;
                }
                html! {
                    h2 { "Throughput over workers × " (param) " " span.note { "(" (key) ")" } } "\n"
                }
                .render_to(out);
                heatmaps(out, page, param, &group)?;
            }
        }
        Ok(())
    }
}
