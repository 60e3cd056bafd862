//! The MPI section: where a problem has `mpi` points, a stacked bar per rank count splitting the
//! iteration into compute and communication (time inside MPI calls), beside the `threads`
//! points' own phases (compute and halo exchange, where they report them), and a table of the
//! communication share and the job's launch cost. On the overview: the launch cost of every MPI
//! job beside the start-up of a worker process and a thread's spawn.

use super::{Page, Section, mean_time_figure, or_dash, variant_cell};
use crate::ReportError;
use crate::palette::phase_color;
use crate::plot::Bar;
use crate::view::{Problem, ReportView};
use maud::{Markup, Render as _, html};
use parbench_schema::Nanos;
use parbench_schema::results::{ExecutionModel, Point, Status};
use parbench_schema::variant::names;
use plotters::style::RGBColor;

pub(super) struct Mpi;

/// Metric names (docs/results-schema.md).
const LAUNCH: &str = "mpi_launch_ns";
const SHARE: &str = "mpi_communication_share";
const HOSTS: &str = "mpi_hosts";
const SPAWN_TO_READY: &str = "spawn_to_ready_ns";
/// What the phases leave of an iteration.
const REST: &str = "rest (not split by the variant)";

fn segment_color(name: &str) -> RGBColor {
    match name {
        "communication" => phase_color("exchange"),
        REST => phase_color("other"),
        n => phase_color(n),
    }
}

fn metric(p: &Point, name: &str) -> Option<f64> {
    p.metrics.get(name).map(|m| m.value)
}

fn is_mpi(p: &Point) -> bool {
    p.model == ExecutionModel::Mpi
}

fn ns(v: Option<f64>) -> String {
    or_dash(v.map(|v| Nanos(v).to_string()))
}

/// Verified, measured MPI and threads points, by rank/worker count then variant.
fn compared<'a>(points: &[&'a Point]) -> Vec<&'a Point> {
    let mut ok: Vec<&Point> = points
        .iter()
        .copied()
        .filter(|p| p.status == Status::Ok && p.measurement.is_some())
        .filter(|p| is_mpi(p) || p.variant == names::THREADS)
        .collect();
    ok.sort_by(|a, b| a.workers.cmp(&b.workers).then(a.variant.cmp(&b.variant)));
    ok
}

/// The communication share: the mpi metric, or the threads variant's halo exchange share.
fn share_of(p: &Point) -> Option<f64> {
    metric(p, SHARE).or_else(|| {
        let total: f64 = p.phases.iter().map(|ph| ph.mean.0).sum();
        let comm = p
            .phases
            .iter()
            .find(|ph| ph.name == "exchange")
            .map(|ph| ph.mean.0)?;
        (total > 0.0).then(|| comm / total)
    })
}

fn bar_label(p: &Point) -> String {
    let what = if is_mpi(p) { "rank" } else { "thread" };
    format!(
        "{} · {} {what}{}{}",
        p.variant,
        p.workers,
        if p.workers == 1 { "" } else { "s" },
        if p.oversubscribed { " (over)" } else { "" }
    )
}

/// One bar per point: its phases (mean per iteration), the rest of the mean iteration, and the
/// mean as the marker.
fn bars(points: &[&Point], unit_ns: f64) -> Vec<Bar> {
    points
        .iter()
        .filter_map(|p| {
            let mean = p.measurement.as_ref()?.stats.mean.0;
            let mut segments: Vec<(String, f64)> = p
                .phases
                .iter()
                .map(|ph| (ph.name.clone(), ph.mean.0 / unit_ns))
                .collect();
            let sum: f64 = segments.iter().map(|(_, v)| v).sum();
            if mean / unit_ns > sum * 1.001 {
                segments.push((REST.to_string(), mean / unit_ns - sum));
            }
            Some(Bar {
                label: bar_label(p),
                segments,
                marker: Some(mean / unit_ns),
            })
        })
        .collect()
}

impl Section for Mpi {
    fn problem(
        &self,
        page: &Page<'_>,
        problem: &Problem<'_>,
        out: &mut String,
    ) -> Result<(), ReportError> {
        if !problem.points.iter().any(|p| is_mpi(p)) {
            return Ok(());
        }
        html! { h3 { "MPI ranks: compute and communication" } "\n" }.render_to(out);
        let ok = compared(&problem.points);
        if !ok.iter().any(|p| is_mpi(p)) {
            html! { p.note { "No mpi point of this problem verified; the reasons are listed below." } "\n" }
                .render_to(out);
            return Ok(());
        }
        mean_time_figure(
            out,
            &ok,
            bars,
            segment_color,
            "Time per iteration by rank count: compute vs communication",
            "mpi: each rank's time inside MPI calls (communication, the closing barrier included: waiting for a slower rank counts) and the rest (compute), averaged over the ranks; the sample is rank 0's time between the opening and closing barriers. threads: its own phases where the variant reports them (stencil: compute and halo exchange).",
        )?;
        html! {
            div.scroll { table {
                "\n"
                thead { tr {
                    th { "variant" } th.num { "ranks / threads" } th.num { "median" }
                    th.num { "communication share" } th.num { "launch cost" } th.num { "hosts" }
                } } "\n"
                tbody {
                    "\n"
                    @for p in &ok {
                        tr {
                            td { (variant_cell(page.view, &p.variant)) }
                            td.num { (p.workers) }
                            td.num { (ns(p.median().map(|m| m.0))) }
                            td.num { (or_dash(share_of(p).map(|s| format!("{:.1}%", s * 100.0)))) }
                            td.num { (ns(metric(p, LAUNCH))) }
                            td.num { (or_dash(metric(p, HOSTS).map(|h| format!("{h:.0}")))) }
                        } "\n"
                    }
                }
            } } "\n"
            p.note {
                "Communication share: time in MPI calls over the ranks' whole iteration (median over the timed iterations); for threads, the halo exchange's share where the variant reports it. Launch cost: mpirun's start until every rank is ready, once per point, outside the timed region."
            } "\n"
        }
        .render_to(out);
        Ok(())
    }

    fn overview(&self, view: &ReportView<'_>, out: &mut String) -> Result<(), ReportError> {
        let mut spawn: Vec<f64> = Vec::new();
        let mut rows: Vec<Markup> = Vec::new();
        for s in &view.suites {
            for q in &s.problems {
                for p in q.points.iter().filter(|p| p.status == Status::Ok) {
                    if p.model == ExecutionModel::Processes
                        && let Some(v) = metric(p, SPAWN_TO_READY)
                    {
                        spawn.push(v);
                    }
                    if !is_mpi(p) {
                        continue;
                    }
                    rows.push(html! {
                        tr {
                            td { a href={ (s.file) "#" (q.anchor) } { (s.name) } " · " (q.title()) }
                            td.num { (p.workers) }
                            td.num { (ns(metric(p, LAUNCH))) }
                            td.num { (or_dash(metric(p, SHARE).map(|s| format!("{:.1}%", s * 100.0)))) }
                        } "\n"
                    });
                }
            }
        }
        if rows.is_empty() {
            return Ok(());
        }
        spawn.sort_by(f64::total_cmp);
        let process = spawn.get(spawn.len() / 2).copied();
        let thread = view
            .results
            .machine
            .calibration
            .as_ref()
            .map(|c| c.thread_spawn_ns);
        html! {
            h2 #mpi { "MPI ranks" } "\n"
            p.note {
                "Start-up costs side by side: an MPI job (mpirun until every rank is ready, per point below) against starting one worker process (" (ns(process)) ", median of this run's processes points) and spawning and joining one thread (" (ns(thread)) ", this machine's calibration)."
            } "\n"
            div.scroll { table {
                "\n"
                thead { tr {
                    th { "problem" } th.num { "ranks" } th.num { "launch cost" } th.num { "communication share" }
                } } "\n"
                tbody { "\n" @for r in &rows { (r) } }
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

    fn point(variant: &str, model: &str, workers: u32, mean: f64, phases: &[(&str, f64)]) -> Point {
        let mut p: Point = serde_json::from_value(serde_json::json!({
            "suite": "stencil<b>", "workload": "stencil", "size": "S", "n": 10, "variant": variant,
            "model": model, "sync": "message", "workers": workers, "status": "ok",
            "oversubscribed": workers > 2,
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
        for (name, share) in phases {
            p.phases.push(Phase {
                name: (*name).into(),
                median: Nanos(share * mean),
                mean: Nanos(share * mean),
                share: *share,
                samples_ns: vec![],
            });
        }
        if model == "mpi" {
            let m = |value: f64, unit: &str| Metric {
                value,
                unit: unit.into(),
            };
            p.metrics.insert(LAUNCH.into(), m(3.5e8, "ns"));
            p.metrics.insert(SHARE.into(), m(0.25, ""));
        }
        p
    }

    fn results(points: Vec<Point>) -> RunResults {
        let mut r: RunResults = serde_json::from_value(serde_json::json!({
            "schema_version": 1, "parbench_version": "t", "run_id": "r", "started_at": "s",
            "complete": true,
            "config": {"path": "p", "sha256": "h", "text": "", "quick": false},
            "machine": serde_json::to_value(parbench_analysis::test_support::machine()).unwrap(),
            "points": []
        }))
        .unwrap();
        r.points = points;
        r
    }

    #[test]
    fn bars_split_compute_and_communication_per_rank_count() {
        let m2 = point(
            "mpi",
            "mpi",
            2,
            1e6,
            &[("compute", 0.75), ("communication", 0.25)],
        );
        let t2 = point(
            "threads",
            "threads",
            2,
            8e5,
            &[("compute", 0.5), ("exchange", 0.25)],
        );
        let b = bars(&[&m2, &t2], 1e3);
        let names: Vec<&str> = b[0].segments.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["compute", "communication"]);
        assert_eq!(b[0].label, "mpi · 2 ranks");
        let names: Vec<&str> = b[1].segments.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["compute", "exchange", REST]);
        assert_eq!(segment_color("communication"), phase_color("exchange"));
    }

    #[test]
    fn renders_only_with_mpi_points_escaped_with_the_launch_cost_on_the_overview() {
        use crate::Exporter;
        let threads_only = results(vec![point("threads", "threads", 2, 4e5, &[])]);
        let files = super::super::HtmlExporter.render(&threads_only).unwrap();
        assert!(files.iter().all(|f| !f.contents.contains("MPI ranks")));
        let r = results(vec![
            point(
                "threads",
                "threads",
                2,
                4e5,
                &[("compute", 0.8), ("exchange", 0.2)],
            ),
            point(
                "mpi",
                "mpi",
                2,
                5e5,
                &[("compute", 0.75), ("communication", 0.25)],
            ),
            point(
                "mpi",
                "mpi",
                4,
                6e5,
                &[("compute", 0.5), ("communication", 0.5)],
            ),
        ]);
        let files = super::super::HtmlExporter.render(&r).unwrap();
        let index = files.iter().find(|f| f.name == "index.html").unwrap();
        assert!(index.contents.contains("<h2 id=\"mpi\">MPI ranks"));
        assert!(index.contents.contains("stencil&lt;b&gt;"));
        assert!(!index.contents.contains("stencil<b>"));
        assert!(
            index.contents.contains("350 ms") || index.contents.contains("350.0 ms"),
            "launch cost shown"
        );
        let suite = files
            .iter()
            .find(|f| f.name != "index.html" && f.contents.contains("compute vs communication"))
            .expect("a suite page with the MPI chart");
        assert!(suite.contents.contains("25.0%"));
        assert!(suite.contents.contains("mpi · 4 ranks (over)"));
    }
}
