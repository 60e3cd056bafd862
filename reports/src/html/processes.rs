//! The worker-processes section: where a problem has `processes` points, its iteration time
//! per worker count with the processes variants split into start-up / IPC / compute / teardown
//! beside the whole iteration of the thread-based variants, the peak resident memory each point
//! needed, and a table of start-up and per-task IPC costs. On the overview: those costs for every
//! processes point of the run, beside threads at the same worker count.

use super::{Page, Section, figure, mean_time_figure, or_dash, variant_cell};
use crate::format;
use crate::output::ReportError;
use crate::palette::{phase_color, variant_color};
use crate::plot::{Bar, StackedBarChart};
use crate::view::{Problem, ReportView};
use maud::{Markup, Render, html};
use parbench_schema::Nanos;
use parbench_schema::results::{ExecutionModel, Point, Status};
use parbench_schema::variant::names;
use plotters::style::RGBColor;

pub(super) struct Processes;

/// Phases a processes variant reports, in stacking order.
const PHASES: [&str; 4] = ["startup", "ipc", "compute", "teardown"];
/// What the phases leave of a processes iteration.
const REST: &str = "rest (waiting for the slowest worker, parent work)";
/// The single segment of a thread-based variant's bar.
const WHOLE: &str = "whole iteration (threads, rayon, serial)";

/// Metric names (docs/results-schema.md).
const SPAWN_TO_READY: &str = "spawn_to_ready_ns";
const IPC_PER_TASK: &str = "ipc_per_task_ns";
const TASKS: &str = "tasks_per_iteration";
const IPC_BYTES: &str = "ipc_bytes_per_iteration";
const WORKERS_PEAK_RSS: &str = "workers_peak_rss_bytes";
const PEAK_RSS: &str = "peak_rss_bytes";

fn segment_color(name: &str) -> RGBColor {
    match name {
        WHOLE => RGBColor(90, 90, 90),
        REST => phase_color("other"),
        n => phase_color(n),
    }
}

fn metric(p: &Point, name: &str) -> Option<f64> {
    p.metrics.get(name).map(|m| m.value)
}

fn phase_mean(p: &Point, name: &str) -> Option<f64> {
    p.phases
        .iter()
        .find(|ph| ph.name == name)
        .map(|ph| ph.mean.0)
}

fn is_processes(p: &Point) -> bool {
    p.model == ExecutionModel::Processes
}

/// Verified, measured points, ordered by workers (then as measured).
fn verified<'a>(points: &[&'a Point]) -> Vec<&'a Point> {
    let mut ok: Vec<&Point> = points
        .iter()
        .copied()
        .filter(|p| p.status == Status::Ok && p.measurement.is_some())
        .collect();
    ok.sort_by_key(|p| p.workers);
    ok
}

/// `processes-spawn · 2 workers`, marked when oversubscribed.
fn bar_label(p: &Point) -> String {
    format!(
        "{} · {} worker{}{}",
        p.variant,
        p.workers,
        if p.workers == 1 { "" } else { "s" },
        if p.oversubscribed { " (over)" } else { "" }
    )
}

/// One bar per point, in `unit` (ns per unit): processes split into their phases and the rest
/// of the iteration, the others whole. The marker is the measured mean iteration.
fn time_bars(points: &[&Point], unit_ns: f64) -> Vec<Bar> {
    points
        .iter()
        .filter_map(|p| {
            let mean = p.measurement.as_ref()?.stats.mean.0;
            let segments = if is_processes(p) {
                let mut segs: Vec<(String, f64)> = PHASES
                    .iter()
                    .filter_map(|n| phase_mean(p, n).map(|v| (n.to_string(), v / unit_ns)))
                    .collect();
                let sum: f64 = segs.iter().map(|(_, v)| v).sum();
                if mean / unit_ns > sum {
                    segs.push((REST.to_string(), mean / unit_ns - sum));
                }
                segs
            } else {
                vec![(WHOLE.to_string(), mean / unit_ns)]
            };
            Some(Bar {
                label: bar_label(p),
                segments,
                marker: Some(mean / unit_ns),
            })
        })
        .collect()
}

/// One bar per point with a memory figure, in MiB, coloured by variant.
fn memory_bars(points: &[&Point]) -> Vec<Bar> {
    points
        .iter()
        .filter_map(|p| {
            let bytes = metric(p, PEAK_RSS)?;
            Some(Bar {
                label: bar_label(p),
                segments: vec![(p.variant.to_string(), bytes / (1u64 << 20) as f64)],
                marker: None,
            })
        })
        .collect()
}

fn ns(v: Option<f64>) -> String {
    or_dash(v.map(|v| Nanos(v).to_string()))
}

fn bytes(v: Option<f64>) -> String {
    or_dash(v.map(format::bytes))
}

/// The median of the `threads` point at `p`'s worker count, if verified.
fn threads_median(points: &[&Point], p: &Point) -> Option<f64> {
    points
        .iter()
        .find(|q| q.variant == names::THREADS && q.workers == p.workers && q.status == Status::Ok)
        .and_then(|q| q.median())
        .map(|m| m.0)
}

impl Section for Processes {
    fn problem(
        &self,
        page: &Page<'_>,
        problem: &Problem<'_>,
        out: &mut String,
    ) -> Result<(), ReportError> {
        if !problem.points.iter().any(|p| is_processes(p)) {
            return Ok(());
        }
        html! { h3 { "Worker processes beside threads" } "\n" }.render_to(out);
        let ok = verified(&problem.points);
        if !ok.iter().any(|p| is_processes(p)) {
            html! { p.note { "No processes point of this problem verified; the reasons are listed below." } "\n" }.render_to(out);
            return Ok(());
        }
        mean_time_figure(
            out,
            &ok,
            time_bars,
            segment_color,
            "Time per iteration: processes split into their costs, threads whole",
            "processes-spawn starts and ends a process per task inside every iteration (start-up, teardown); processes-pool starts its processes once, outside the timed region. Start-up, IPC, compute and teardown are per worker (summed over its tasks, averaged over workers, who run in parallel); the rest is waiting for the slowest worker and parbench's own coordination.",
        )?;
        let mem = memory_bars(&ok);
        if !mem.is_empty() {
            let chart = StackedBarChart::new(
                "Peak resident memory each point needed",
                "peak resident memory (MiB)",
                &mem,
                variant_color,
            );
            figure(
                out,
                &chart.render()?,
                "The growth of parbench's own peak RSS during the point (inputs, outputs, stacks, buffers) plus, for processes, the peak of all workers together; shared-memory pages are counted once.",
            );
        }
        html! {
            div.scroll { table {
                "\n"
                thead { tr {
                    th { "variant" } th.num { "workers" } th.num { "median" }
                    th.num { "vs threads" } th.num { "spawn to ready" } th.num { "IPC per task" }
                    th.num { "tasks" } th.num { "IPC bytes" } th.num { "workers' memory" }
                    th.num { "peak memory" }
                } } "\n"
                tbody {
                    "\n"
                    @for p in &ok {
                        @let median = p.median().map(|m| m.0);
                        tr {
                            td { (variant_cell(page.view, &p.variant)) }
                            td.num { (p.workers) }
                            td.num { (ns(median)) }
                            td.num {
                                @match (median, threads_median(&ok, p)) {
                                    (Some(a), Some(b)) if b > 0.0 && p.variant != names::THREADS => {
                                        (format!("{:.2}×", a / b))
                                    }
                                    _ => "–",
                                }
                            }
                            td.num { (ns(metric(p, SPAWN_TO_READY))) }
                            td.num { (ns(metric(p, IPC_PER_TASK))) }
                            td.num { (or_dash(metric(p, TASKS).map(|t| format!("{t:.0}")))) }
                            td.num { (bytes(metric(p, IPC_BYTES))) }
                            td.num { (bytes(metric(p, WORKERS_PEAK_RSS))) }
                            td.num { (bytes(metric(p, PEAK_RSS))) }
                        } "\n"
                    }
                } "\n"
            } } "\n"
            p.note {
                "vs threads: this median over the threads median at the same worker count. Spawn to ready: starting one worker process until its ready frame (median; processes-pool pays it once, outside the timed region). IPC per task: a task's round trip minus the worker's compute time (median). IPC bytes: payload through the pipes per iteration. Workers' memory: the peak of all workers together; peak memory: everything the point needed, parbench's own growth included. The workload metrics below list the rest (compute per task, the pool's start-up)."
            } "\n"
        }
        .render_to(out);
        Ok(())
    }

    fn overview(&self, view: &ReportView<'_>, out: &mut String) -> Result<(), ReportError> {
        let mut rows: Vec<Markup> = Vec::new();
        for s in &view.suites {
            for q in &s.problems {
                let ok = verified(&q.points);
                for p in ok.iter().filter(|p| is_processes(p)) {
                    let threads = ok
                        .iter()
                        .find(|t| t.variant == names::THREADS && t.workers == p.workers);
                    rows.push(html! {
                        tr {
                            td { a href={ (s.file) "#" (q.anchor) } { (s.name) } " · " (q.title()) }
                            td { (variant_cell(view, &p.variant)) }
                            td.num { (p.workers) }
                            td.num { (ns(p.median().map(|m| m.0))) }
                            td.num { (ns(threads.and_then(|t| t.median()).map(|m| m.0))) }
                            td.num { (ns(metric(p, SPAWN_TO_READY))) }
                            td.num { (ns(metric(p, IPC_PER_TASK))) }
                            td.num { (bytes(metric(p, PEAK_RSS))) }
                            td.num { (bytes(threads.and_then(|t| metric(t, PEAK_RSS)))) }
                        } "\n"
                    });
                }
            }
        }
        if rows.is_empty() {
            return Ok(());
        }
        html! {
            h2 #processes { "Worker processes" } "\n"
            p.note {
                "What processes cost beside threads on the same work at the same worker count: the start-up of one process (spawn to ready), the IPC cost of one task, and the peak memory each point needed. Each suite page splits the iteration time into start-up, IPC, compute and teardown."
            } "\n"
            div.scroll { table {
                "\n"
                thead { tr {
                    th { "problem" } th { "variant" } th.num { "workers" } th.num { "median" }
                    th.num { "threads median" } th.num { "spawn to ready" }
                    th.num { "IPC per task" } th.num { "peak memory" }
                    th.num { "threads peak memory" }
                } } "\n"
                tbody { "\n" @for r in &rows { (r) } } "\n"
            } } "\n"
        }
        .render_to(out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parbench_schema::results::{Metric, Phase, RunResults};

    fn point(variant: &str, model: ExecutionModel, workers: u32, mean: f64) -> Point {
        let mut p: Point = serde_json::from_value(serde_json::json!({
            "suite": "pi<script>", "workload": "pi", "size": "S", "n": 10, "variant": variant,
            "model": model, "sync": "message", "workers": workers, "status": "ok",
            "oversubscribed": false,
            "measurement": {
                "samples_ns": [mean], "iters_per_sample": 1,
                "stats": {"n": 1, "mean": mean, "median": mean, "stddev": 0.0, "mad": 0.0,
                    "min": mean, "max": mean, "cv": 0.0, "ci_low": mean, "ci_high": mean,
                    "ci_level": 0.95, "outliers": {"low_severe": 0, "low_mild": 0, "high_mild": 0, "high_severe": 0}},
                "warmup_iters": 1, "warmup_ns": 1.0, "first_iteration_ns": mean,
                "timer_resolution_ns": 20.0, "stop_reason": "budget", "checksum": "0"
            }
        }))
        .unwrap();
        let m = |value: f64, unit: &str| Metric {
            value,
            unit: unit.into(),
        };
        p.metrics
            .insert(PEAK_RSS.into(), m(4e6 * workers as f64, "B"));
        if model == ExecutionModel::Processes {
            for (name, share) in [("startup", 0.3), ("ipc", 0.1), ("compute", 0.5)] {
                p.phases.push(Phase {
                    name: name.into(),
                    median: Nanos(share * mean),
                    mean: Nanos(share * mean),
                    share,
                    samples_ns: vec![],
                });
            }
            p.metrics.insert(SPAWN_TO_READY.into(), m(1.2e6, "ns"));
            p.metrics.insert(IPC_PER_TASK.into(), m(2.5e4, "ns"));
        }
        p
    }

    fn results(points: Vec<Point>) -> RunResults {
        let mut r: RunResults = serde_json::from_value(serde_json::json!({
            "schema_version": 1, "parbench_version": "t", "run_id": "r", "started_at": "s",
            "complete": true,
            "config": {"path": "p", "sha256": "h", "text": "", "quick": false},
            "machine": {"id": "0123456789abcdef", "hostname": "h", "cpu_model": "c",
                "logical_cores": 4, "os": "o", "kernel": "k", "arch": "x86_64",
                "rustc": "rustc", "build_profile": "release"},
            "points": []
        }))
        .unwrap();
        r.points = points;
        r
    }

    #[test]
    fn processes_bars_stack_their_phases_and_the_rest_threads_stay_whole() {
        let p = point("processes-spawn", ExecutionModel::Processes, 2, 1e6);
        let t = point("threads", ExecutionModel::Threads, 2, 4e5);
        let bars = time_bars(&[&p, &t], 1e3);
        let names: Vec<&str> = bars[0].segments.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["startup", "ipc", "compute", REST]);
        let total: f64 = bars[0].segments.iter().map(|(_, v)| v).sum();
        assert!((total - 1000.0).abs() < 1e-6, "{total}");
        assert_eq!(bars[0].marker, Some(1000.0));
        assert_eq!(bars[1].segments, vec![(WHOLE.to_string(), 400.0)]);
        assert_eq!(bars[0].label, "processes-spawn · 2 workers");
    }

    #[test]
    fn renders_on_the_suite_page_and_the_overview_escaped_and_only_with_processes() {
        use crate::output::Exporter;
        let threads_only = results(vec![point("threads", ExecutionModel::Threads, 1, 4e5)]);
        let files = super::super::HtmlExporter.render(&threads_only).unwrap();
        assert!(
            files
                .iter()
                .all(|f| !f.contents.contains("Worker processes"))
        );

        let r = results(vec![
            point("threads", ExecutionModel::Threads, 1, 4e5),
            point("processes-spawn", ExecutionModel::Processes, 1, 1e6),
            point("processes-pool", ExecutionModel::Processes, 1, 5e5),
        ]);
        let files = super::super::HtmlExporter.render(&r).unwrap();
        let index = &files
            .iter()
            .find(|f| f.name == "index.html")
            .unwrap()
            .contents;
        assert!(index.contains("id=\"processes\""));
        assert!(index.contains("1.20 ms"), "spawn to ready in the overview");
        let suite = files.iter().find(|f| f.name.starts_with("suite-")).unwrap();
        let html = &suite.contents;
        assert!(html.contains("Worker processes beside threads"));
        assert!(html.contains("pi&lt;script&gt;") || !html.contains("pi<script>"));
        assert!(!html.contains("pi<script>"));
        assert!(html.contains("2.50×"));
        assert!(html.contains("Peak resident memory each point needed"));
        assert!(html.contains("25.0 µs"), "IPC per task");
    }
}
