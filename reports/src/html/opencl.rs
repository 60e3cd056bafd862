//! The OpenCL section: where an accelerator's time goes (program build, copies to the device,
//! kernel, copies back, host overhead) per size, and its time against the CPU over a size sweep
//! with the crossover marked (from `RunResults::crossovers`, or computed from the points for
//! files written before they were stored). On the overview, every crossover of the run.
//! Renders nothing where no point ran on OpenCL.

use super::{Page, Section, figure, variant_cell};
use crate::format;
use crate::output::ReportError;
use crate::palette::phase_color;
use crate::plot::{Bar, HALF_WIDTH, Series, SizeChart, SizeMarker, StackedBarChart, XY, time_unit};
use crate::view::ReportView;
use maud::{Markup, Render, html};
use parbench_schema::Nanos;
use parbench_schema::crossover::{Crossover, Measure, Outcome};
use parbench_schema::results::{ExecutionModel, Point, Status};
use plotters::style::RGBColor;
use std::fmt::Write as _;

pub(super) struct Opencl;

/// The metrics OpenCL points carry, shown in this section's table (the generic metrics table
/// leaves them out).
pub(super) const METRICS: [&str; 5] = [
    "build_cold_ns",
    "build_warm_ns",
    "first_run_ns",
    "opencl_startup_ns",
    "work_group_size",
];

/// The device-side phases, in drawing order; the rest of an iteration is host overhead.
const DEVICE_PHASES: [&str; 3] = ["h2d", "kernel", "d2h"];
/// Colour of the kernel-only time series (the end-to-end series has the variant's colour).
const KERNEL_ONLY: RGBColor = RGBColor(238, 51, 119);

fn is_opencl(p: &Point) -> bool {
    p.model == ExecutionModel::Opencl
}

fn measured(p: &Point) -> bool {
    p.status == Status::Ok && p.measurement.is_some()
}

fn metric(p: &Point, name: &str) -> Option<f64> {
    p.metrics.get(name).map(|m| m.value)
}

fn phase(p: &Point, name: &str) -> Option<f64> {
    p.phases
        .iter()
        .find(|ph| ph.name == name)
        .map(|ph| ph.median.0)
}

/// End-to-end median minus the device phases' medians (never negative): enqueueing, waiting,
/// the host's share of each copy.
fn host_overhead(p: &Point) -> f64 {
    let median = p.median().map_or(0.0, |m| m.0);
    let device: f64 = DEVICE_PHASES.iter().filter_map(|n| phase(p, n)).sum();
    (median - device).max(0.0)
}

fn bar_label(p: &Point) -> String {
    let params = p.params_label();
    format!(
        "size {} · {}{}",
        p.size,
        p.variant,
        if params.is_empty() {
            String::new()
        } else {
            format!(" · {params}")
        }
    )
}

impl Section for Opencl {
    fn suite(&self, page: &Page<'_>, out: &mut String) -> Result<(), ReportError> {
        let all: Vec<&Point> = page
            .suite
            .points
            .iter()
            .copied()
            .filter(|p| is_opencl(p))
            .collect();
        if all.is_empty() {
            return Ok(());
        }
        html! { h2 #opencl { "OpenCL: what the device costs" } "\n" }.render_to(out);
        for a in &page.view.results.machine.accelerators {
            html! { p.sub { (a) } "\n" }.render_to(out);
        }
        let ok: Vec<&Point> = all.iter().copied().filter(|p| measured(p)).collect();
        if ok.is_empty() {
            let reason = all
                .iter()
                .map(|p| crate::view::reason_of(p))
                .next()
                .unwrap_or_default();
            html! { p { "No OpenCL point was measured and verified: " (reason) } "\n" }
                .render_to(out);
            return Ok(());
        }
        costs(page, &ok, out)?;
        let found = page.view.crossovers();
        let mine: Vec<&Crossover> = found
            .iter()
            .filter(|c| c.suite == page.suite.name)
            .collect();
        sweeps(page, &mine, out)?;
        Ok(())
    }

    fn overview(&self, view: &ReportView<'_>, out: &mut String) -> Result<(), ReportError> {
        /// The sizes a crossover compared, and the configured sizes `--quick` merged into one n.
        fn sizes_text(view: &ReportView<'_>, c: &Crossover) -> String {
            let mut labels: Vec<(&str, u64)> = Vec::new();
            let suite = view.suites.iter().find(|s| s.name == c.suite);
            for p in suite.iter().flat_map(|s| s.points.iter()) {
                if !labels.iter().any(|(l, _)| *l == p.size) {
                    labels.push((&p.size, p.n));
                }
            }
            let mut ns: Vec<u64> = labels.iter().map(|(_, n)| *n).collect();
            ns.sort_unstable();
            ns.dedup();
            if labels.len() > ns.len() {
                format!(
                    "{} ({} configured: {} ran at an n another size ran at, under --quick)",
                    c.sizes.len(),
                    labels.len(),
                    labels.len() - ns.len()
                )
            } else {
                c.sizes.len().to_string()
            }
        }
        let found = view.crossovers();
        if found.is_empty() {
            return Ok(());
        }
        html! {
            h2 #opencl-crossover { "OpenCL against the CPU: crossovers" } "\n"
            p.note {
                "Over each size sweep, the smallest problem size from which the OpenCL variant is faster than the best CPU point (any variant, any worker count) at the same size, and stays faster at every larger size; 95% interval from the bootstrap intervals of the time ratios at the neighbouring sizes."
            } "\n"
            div.scroll { table {
                "\n"
                thead { tr {
                    th { "suite" } th { "OpenCL variant" } th { "compared on" } th { "sizes" }
                    th { "crossover" }
                } } "\n"
                tbody {
                    "\n"
                    @for c in found.iter() {
                        tr {
                            td {
                                @match view.suite_file(&c.suite) {
                                    Some(f) => a href={ (f) "#opencl" } { (c.suite) },
                                    None => (c.suite),
                                }
                            }
                            td { (variant_cell(view, &c.variant)) (params_suffix(c)) }
                            td { (c.measure) }
                            td.num { (sizes_text(view, c)) }
                            td { (c.summary()) }
                        } "\n"
                    }
                } "\n"
            } } "\n"
        }
        .render_to(out);
        Ok(())
    }
}

fn params_suffix(c: &Crossover) -> Markup {
    let p = c.params_label();
    html! { @if !p.is_empty() { " · " (p) } }
}

/// The stacked bars and the table of every measured OpenCL point of the suite.
fn costs(page: &Page<'_>, ok: &[&Point], out: &mut String) -> Result<(), ReportError> {
    cost_charts(ok, out)?;
    costs_table(page, ok, out);
    Ok(())
}

/// The stacked bars of one call's phases: with the program's build, then in steady state.
fn cost_charts(ok: &[&Point], out: &mut String) -> Result<(), ReportError> {
    let with_build: Vec<Bar> = ok
        .iter()
        .map(|p| {
            let mut segments = vec![(
                "build".to_string(),
                metric(p, "build_warm_ns").unwrap_or(0.0),
            )];
            segments.extend(
                DEVICE_PHASES
                    .iter()
                    .map(|n| (n.to_string(), phase(p, n).unwrap_or(0.0))),
            );
            segments.push(("other".to_string(), host_overhead(p)));
            Bar {
                label: bar_label(p),
                segments,
                marker: None,
            }
        })
        .collect();
    let (bars, unit) = scale_to_time_unit(with_build);
    let axis = format!("time ({unit})");
    let chart = StackedBarChart::new(
        "One call with the program built: warm build, copies, kernel",
        &axis,
        &bars,
        phase_color,
    );
    html! { h3 { "Where one call's time goes" } "\n" }.render_to(out);
    figure(
        out,
        &chart.render()?,
        "build: the program's warm build (binary cache warm) and first launch, paid once per process; h2d: copies to the device (and buffer resets); kernel: device time from OpenCL profiling events; d2h: copies back; other: the rest of the end-to-end median (enqueueing, waiting). Medians per iteration.",
    );
    let steady: Vec<Bar> = ok
        .iter()
        .map(|p| Bar {
            label: bar_label(p),
            segments: DEVICE_PHASES
                .iter()
                .map(|n| (n.to_string(), phase(p, n).unwrap_or(0.0)))
                .chain(std::iter::once(("other".to_string(), host_overhead(p))))
                .collect(),
            marker: p.median().map(|m| m.0),
        })
        .collect();
    let (bars, unit) = scale_to_time_unit(steady);
    let axis = format!("median time per iteration ({unit})");
    let mut chart = StackedBarChart::new(
        "Every further call: copies, kernel, host overhead",
        &axis,
        &bars,
        phase_color,
    );
    chart.marker_label = "measured median per iteration (end to end)";
    figure(
        out,
        &chart.render()?,
        "Steady state, no build: the phases of each iteration as medians; other is the end-to-end median (the tick) minus the device's copies and kernel.",
    );
    Ok(())
}

/// The table of every measured OpenCL point's phases, builds and work-group size.
fn costs_table(page: &Page<'_>, ok: &[&Point], out: &mut String) {
    let time = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |ns| Nanos(ns).to_string());
    html! {
        div.scroll { table {
            "\n"
            thead { tr {
                th { "size" } th { "variant" } th.num { "end to end" } th.num { "h2d" }
                th.num { "kernel" } th.num { "d2h" } th.num { "other" } th.num { "kernel share" }
                th.num { "build cold" } th.num { "build warm" } th.num { "first run" }
                th.num { "work-group" }
            } } "\n"
            tbody {
                "\n"
                @for p in ok.iter() {
                    @let median = p.median().map_or(0.0, |m| m.0);
                    @let params = p.params_label();
                    tr {
                        td { (p.size) }
                        td { (variant_cell(page.view, &p.variant)) @if !params.is_empty() { " · " (params) } }
                        td.num { (time(Some(median))) }
                        td.num { (time(phase(p, "h2d"))) }
                        td.num { (time(phase(p, "kernel"))) }
                        td.num { (time(phase(p, "d2h"))) }
                        td.num { (time(Some(host_overhead(p)))) }
                        td.num {
                            (phase(p, "kernel")
                                .filter(|_| median > 0.0)
                                .map_or_else(|| "–".to_string(), |k| format::percent(k / median)))
                        }
                        td.num { (time(metric(p, "build_cold_ns"))) }
                        td.num { (time(metric(p, "build_warm_ns"))) }
                        td.num { (time(metric(p, "first_run_ns"))) }
                        td.num {
                            (metric(p, "work_group_size").map_or_else(|| "–".to_string(), |w| format!("{w:.0}")))
                        }
                    } "\n"
                }
            } "\n"
        } } "\n"
    }
    .render_to(out);
    if let Some(startup) = ok.iter().find_map(|p| metric(p, "opencl_startup_ns")) {
        html! {
            p.note {
                "build cold: building and first launching the program as a source the platform has never compiled (no binary cache); build warm: the same once the platform's cache holds it; first run: the first iteration after the build, the untimed one that is verified before timing (first touches of the buffers, any lazy compilation). None of these enter the medians. Once per process, before any program: "
                (Nanos(startup))
                " of OpenCL start-up (listing platforms, the context, the compiler's first run)."
            } "\n"
        }
        .render_to(out);
    }
}

/// `bars` in the time unit that suits the longest, with that unit's name.
fn scale_to_time_unit(bars: Vec<Bar>) -> (Vec<Bar>, &'static str) {
    let max = bars
        .iter()
        .map(|b| b.segments.iter().map(|s| s.1).sum::<f64>())
        .fold(0.0, f64::max);
    let unit = time_unit(max);
    let bars = bars
        .into_iter()
        .map(|mut b| {
            b.segments.iter_mut().for_each(|s| s.1 /= unit.ns);
            b.marker = b.marker.map(|m| m / unit.ns);
            b
        })
        .collect();
    (bars, unit.name)
}

/// Per crossover series of the suite (one OpenCL variant and parameter set): time against size
/// for the CPU variants, the OpenCL variant end to end and kernel only, crossovers marked.
fn sweeps(page: &Page<'_>, mine: &[&Crossover], out: &mut String) -> Result<(), ReportError> {
    // End-to-end and kernel-only crossovers of one series come in pairs.
    let mut groups: Vec<(&Crossover, Option<&Crossover>)> = Vec::new();
    for c in mine.iter().filter(|c| c.measure == Measure::EndToEnd) {
        let kernel = mine.iter().copied().find(|k| {
            k.measure == Measure::Kernel && k.variant == c.variant && k.params == c.params
        });
        groups.push((c, kernel));
    }
    if groups.is_empty() {
        return Ok(());
    }
    html! { h3 { "OpenCL against the CPU over the size sweep" } "\n" }.render_to(out);
    for (e2e, kernel) in groups {
        sweep(page, e2e, kernel, out)?;
    }
    Ok(())
}

/// One crossover series' chart and ratio table.
fn sweep(
    page: &Page<'_>,
    e2e: &Crossover,
    kernel: Option<&Crossover>,
    out: &mut String,
) -> Result<(), ReportError> {
    let view = page.view;
    let mut series = cpu_series(page, &e2e.params);
    series.push(Series::new(
        format!("{} end to end", e2e.variant),
        view.palette.color(&e2e.variant),
        accel_series(e2e),
    ));
    if let Some(k) = kernel {
        series.push(Series::new(
            format!("{} kernel only", k.variant),
            KERNEL_ONLY,
            accel_series(k),
        ));
    }
    let markers = crossover_markers(view, e2e, kernel);
    let title = format!("{}{} vs the CPU", e2e.variant, {
        let p = e2e.params_label();
        if p.is_empty() { p } else { format!(" · {p}") }
    });
    let mut chart = SizeChart::new(
        &title,
        "problem size n (log scale)",
        "median time per iteration (log scale)",
        &series,
    );
    chart.y_format = |ns| Nanos(ns).to_string();
    chart.markers = &markers;
    chart.width = HALF_WIDTH * 2 - 80;
    let caption = sweep_caption(e2e, kernel, !markers.is_empty());
    figure(out, &chart.render()?, &caption);
    ratio_table(e2e, kernel, out);
    Ok(())
}

/// Each CPU variant of the suite at its best worker count per size, among the points whose
/// parameters match the accelerator's `accel_params`.
fn cpu_series(
    page: &Page<'_>,
    accel_params: &std::collections::BTreeMap<String, parbench_schema::params::ParamValue>,
) -> Vec<Series> {
    let view = page.view;
    let mut series = Vec::new();
    // Each CPU variant at its best worker count per size.
    let cpu: Vec<&Point> = page
        .suite
        .points
        .iter()
        .copied()
        .filter(|p| !is_opencl(p) && measured(p))
        .filter(|p| {
            p.params
                .iter()
                .all(|(k, v)| accel_params.get(k).is_none_or(|a| a == v))
        })
        .collect();
    let mut cpu_variants: Vec<&str> = Vec::new();
    for p in &cpu {
        if !cpu_variants.contains(&p.variant.as_str()) {
            cpu_variants.push(&p.variant);
        }
    }
    for v in cpu_variants {
        let mut best: Vec<(u64, f64, (f64, f64))> = Vec::new();
        for p in cpu.iter().filter(|p| p.variant == v) {
            let m = p.measurement.as_ref().expect("measured");
            let entry = (p.n, m.stats.median.0, (m.stats.ci_low.0, m.stats.ci_high.0));
            match best.iter_mut().find(|b| b.0 == p.n) {
                Some(b) if b.1 > entry.1 => *b = entry,
                Some(_) => {}
                None => best.push(entry),
            }
        }
        best.sort_by_key(|b| b.0);
        series.push(Series::new(
            format!("{v} (best worker count)"),
            view.palette.color(v),
            best.into_iter()
                .map(|(n, y, ci)| XY {
                    x: n as f64,
                    y,
                    interval: Some(ci),
                    hollow: false,
                })
                .collect(),
        ));
    }
    series
}

/// The accelerator's end-to-end (or kernel-only) time at each size of a crossover series.
fn accel_series(c: &Crossover) -> Vec<XY> {
    c.sizes
        .iter()
        .map(|s| XY {
            x: s.n as f64,
            y: s.accelerator_ns.0,
            interval: None,
            hollow: false,
        })
        .collect()
}

/// The crossovers of a series as vertical markers (the kernel-only one dashed).
fn crossover_markers(
    view: &ReportView<'_>,
    e2e: &Crossover,
    kernel: Option<&Crossover>,
) -> Vec<SizeMarker> {
    let mut markers = Vec::new();
    for (c, dashed) in std::iter::once((e2e, false)).chain(kernel.map(|k| (k, true))) {
        if let Outcome::Found { n, low, high, .. } = c.outcome {
            markers.push(SizeMarker {
                label: format!(
                    "crossover, {}: n ≈ {}",
                    c.measure,
                    format::si(n, "").trim_end()
                ),
                x: n,
                interval: Some((Some(low), high)),
                color: if dashed {
                    KERNEL_ONLY
                } else {
                    view.palette.color(&c.variant)
                },
                dashed,
            });
        }
    }
    markers
}

/// The caption of a series' chart: both crossovers' summaries and their notes.
fn sweep_caption(e2e: &Crossover, kernel: Option<&Crossover>, has_markers: bool) -> String {
    let mut caption = format!("End to end: {}.", e2e.summary());
    if let Some(k) = kernel {
        let _ = write!(caption, " Kernel only: {}.", k.summary());
    }
    if has_markers {
        caption.push_str(" Vertical line: the crossover; shaded: its 95% interval.");
    }
    caption.push_str(" Error bars: 95% rerun intervals of the CPU medians.");
    for n in e2e
        .notes
        .iter()
        .chain(kernel.iter().flat_map(|k| k.notes.iter()))
    {
        let _ = write!(caption, " Note: {n}.");
    }
    caption
}

fn ratio_table(e2e: &Crossover, kernel: Option<&Crossover>, out: &mut String) {
    let ratio = |r: f64, ci: [f64; 2]| {
        let sig = parbench_schema::duration::three_significant;
        format!("{}× ({}–{})", sig(r), sig(ci[0]), sig(ci[1]))
    };
    html! {
        div.scroll { table {
            "\n"
            thead { tr {
                th { "size" } th.num { "n" } th { "best CPU point" } th.num { "its median" }
                th.num { "OpenCL end to end" } th.num { "ratio (95% CI)" }
                th.num { "OpenCL kernel" } th.num { "ratio (95% CI)" }
            } } "\n"
            tbody {
                "\n"
                @for s in &e2e.sizes {
                    @let k = kernel.and_then(|k| k.sizes.iter().find(|x| x.n == s.n));
                    tr {
                        td { (s.size) }
                        td.num { (format::grouped(s.n)) }
                        td { (s.cpu_variant) " · " (s.cpu_workers) " worker" @if s.cpu_workers != 1 { "s" } }
                        td.num { (s.cpu_ns) }
                        td.num { (s.accelerator_ns) }
                        td.num { (ratio(s.ratio, s.ratio_ci)) }
                        td.num { (k.map_or_else(|| "–".to_string(), |k| k.accelerator_ns.to_string())) }
                        td.num { (k.map_or_else(|| "–".to_string(), |k| ratio(k.ratio, k.ratio_ci))) }
                    } "\n"
                }
            } "\n"
        } } "\n"
        p.note { "ratio: OpenCL time / best CPU time at that size; below 1 the device is faster." } "\n"
    }
    .render_to(out);
}
