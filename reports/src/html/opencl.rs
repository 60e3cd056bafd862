//! The OpenCL section: where an accelerator's time goes (program build, copies to the device,
//! kernel, copies back, host overhead) per size, and its time against the CPU over a size sweep
//! with the crossover marked (from `RunResults::crossovers`, or computed from the points for
//! files written before they were stored). On the overview, every crossover of the run.
//! Renders nothing where no point ran on OpenCL.

use super::{Page, Section, figure, variant_cell};
use crate::escape::html as esc;
use crate::format;
use crate::output::ReportError;
use crate::palette::phase_color;
use crate::plot::{Bar, HALF_WIDTH, Series, SizeChart, SizeMarker, StackedBarChart, XY, time_unit};
use crate::view::ReportView;
use parbench_analysis::crossover;
use parbench_schema::Nanos;
use parbench_schema::crossover::{Crossover, Measure, Outcome};
use parbench_schema::results::{ExecutionModel, Point, Status};
use plotters::style::RGBColor;
use std::borrow::Cow;
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

/// The crossovers stored with the run, or computed from its points (older files).
fn crossovers<'a>(view: &'a ReportView<'_>) -> Cow<'a, [Crossover]> {
    if view.results.crossovers.is_empty() {
        Cow::Owned(crossover::find_all(&view.results.points, 0))
    } else {
        Cow::Borrowed(&view.results.crossovers)
    }
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
        out.push_str("<h2 id=\"opencl\">OpenCL: what the device costs</h2>\n");
        for a in &page.view.results.machine.accelerators {
            let _ = writeln!(out, "<p class=\"sub\">{}</p>", esc(a));
        }
        let ok: Vec<&Point> = all.iter().copied().filter(|p| measured(p)).collect();
        if ok.is_empty() {
            let reason = all
                .iter()
                .map(|p| crate::view::reason_of(p))
                .next()
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<p>No OpenCL point was measured and verified: {}</p>",
                esc(&reason)
            );
            return Ok(());
        }
        costs(page, &ok, out)?;
        let found = crossovers(page.view);
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
            for p in view.results.points.iter().filter(|p| p.suite == c.suite) {
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
        let found = crossovers(view);
        if found.is_empty() {
            return Ok(());
        }
        out.push_str("<h2 id=\"opencl-crossover\">OpenCL against the CPU: crossovers</h2>\n<p class=\"note\">Over each size sweep, the smallest problem size from which the OpenCL variant is faster than the best CPU point (any variant, any worker count) at the same size, and stays faster at every larger size; 95% interval from the bootstrap intervals of the time ratios at the neighbouring sizes.</p>\n<div class=\"scroll\"><table>\n<thead><tr><th>suite</th><th>OpenCL variant</th><th>compared on</th><th>sizes</th><th>crossover</th></tr></thead>\n<tbody>\n");
        for c in found.iter() {
            let suite = match view.suite_file(&c.suite) {
                Some(f) => format!("<a href=\"{}#opencl\">{}</a>", esc(f), esc(&c.suite)),
                None => esc(&c.suite),
            };
            let _ = writeln!(
                out,
                "<tr><td>{suite}</td><td>{}{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                variant_cell(view, &c.variant),
                params_suffix(c),
                c.measure,
                sizes_text(view, c),
                esc(&c.summary())
            );
        }
        out.push_str("</tbody>\n</table></div>\n");
        Ok(())
    }
}

fn params_suffix(c: &Crossover) -> String {
    let p = c.params_label();
    if p.is_empty() {
        String::new()
    } else {
        format!(" · {}", esc(&p))
    }
}

/// The stacked bars and the table of every measured OpenCL point of the suite.
fn costs(page: &Page<'_>, ok: &[&Point], out: &mut String) -> Result<(), ReportError> {
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
    let scale = |bars: Vec<Bar>| -> (Vec<Bar>, &'static str) {
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
    };
    let (bars, unit) = scale(with_build);
    let axis = format!("time ({unit})");
    let chart = StackedBarChart::new(
        "One call with the program built: warm build, copies, kernel",
        &axis,
        &bars,
        phase_color,
    );
    out.push_str("<h3>Where one call's time goes</h3>\n");
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
    let (bars, unit) = scale(steady);
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

    out.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>size</th><th>variant</th><th class=\"num\">end to end</th><th class=\"num\">h2d</th><th class=\"num\">kernel</th><th class=\"num\">d2h</th><th class=\"num\">other</th><th class=\"num\">kernel share</th><th class=\"num\">build cold</th><th class=\"num\">build warm</th><th class=\"num\">first run</th><th class=\"num\">work-group</th></tr></thead>\n<tbody>\n");
    let time = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |ns| Nanos(ns).to_string());
    for p in ok {
        let median = p.median().map_or(0.0, |m| m.0);
        let params = p.params_label();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&p.size),
            variant_cell(page.view, &p.variant),
            if params.is_empty() {
                String::new()
            } else {
                format!(" · {}", esc(&params))
            },
            time(Some(median)),
            time(phase(p, "h2d")),
            time(phase(p, "kernel")),
            time(phase(p, "d2h")),
            time(Some(host_overhead(p))),
            phase(p, "kernel")
                .filter(|_| median > 0.0)
                .map_or_else(|| "–".to_string(), |k| format::percent(k / median)),
            time(metric(p, "build_cold_ns")),
            time(metric(p, "build_warm_ns")),
            time(metric(p, "first_run_ns")),
            metric(p, "work_group_size").map_or_else(|| "–".to_string(), |w| format!("{w:.0}")),
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
    if let Some(startup) = ok.iter().find_map(|p| metric(p, "opencl_startup_ns")) {
        let _ = writeln!(
            out,
            "<p class=\"note\">build cold: building and first launching the program as a source the platform has never compiled (no binary cache); build warm: the same once the platform's cache holds it; first run: the first iteration after the build, the untimed one that is verified before timing (first touches of the buffers, any lazy compilation). None of these enter the medians. Once per process, before any program: {} of OpenCL start-up (listing platforms, the context, the compiler's first run).</p>",
            Nanos(startup)
        );
    }
    Ok(())
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
    out.push_str("<h3>OpenCL against the CPU over the size sweep</h3>\n");
    let view = page.view;
    for (e2e, kernel) in groups {
        let accel_params = &e2e.params;
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
        let accel_series = |c: &Crossover| -> Vec<XY> {
            c.sizes
                .iter()
                .map(|s| XY {
                    x: s.n as f64,
                    y: s.accelerator_ns.0,
                    interval: None,
                    hollow: false,
                })
                .collect()
        };
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
        let mut caption = format!("End to end: {}.", e2e.summary());
        if let Some(k) = kernel {
            let _ = write!(caption, " Kernel only: {}.", k.summary());
        }
        if !markers.is_empty() {
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
        figure(out, &chart.render()?, &caption);
        ratio_table(e2e, kernel, out);
    }
    Ok(())
}

fn ratio_table(e2e: &Crossover, kernel: Option<&Crossover>, out: &mut String) {
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>size</th><th class=\"num\">n</th><th>best CPU point</th><th class=\"num\">its median</th><th class=\"num\">OpenCL end to end</th><th class=\"num\">ratio (95% CI)</th><th class=\"num\">OpenCL kernel</th><th class=\"num\">ratio (95% CI)</th></tr></thead>\n<tbody>\n");
    let ratio = |r: f64, ci: [f64; 2]| {
        let sig = parbench_schema::duration::three_significant;
        format!("{}× ({}–{})", sig(r), sig(ci[0]), sig(ci[1]))
    };
    for s in &e2e.sizes {
        let k = kernel.and_then(|k| k.sizes.iter().find(|x| x.n == s.n));
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{} · {} worker{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&s.size),
            format::grouped(s.n),
            esc(&s.cpu_variant),
            s.cpu_workers,
            if s.cpu_workers == 1 { "" } else { "s" },
            s.cpu_ns,
            s.accelerator_ns,
            ratio(s.ratio, s.ratio_ci),
            k.map_or_else(|| "–".to_string(), |k| k.accelerator_ns.to_string()),
            k.map_or_else(|| "–".to_string(), |k| ratio(k.ratio, k.ratio_ci)),
        );
    }
    out.push_str("</tbody>\n</table></div>\n<p class=\"note\">ratio: OpenCL time / best CPU time at that size; below 1 the device is faster.</p>\n");
}
