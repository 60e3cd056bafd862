//! The metrics section: the workload-specific figures points carry (an estimate's error, lost
//! updates, fairness, latency percentiles, memory), one column per metric. Renders nothing where
//! no point has metrics.

use super::{Page, Section, variant_cell};
use crate::format;
use crate::output::ReportError;
use crate::view::Problem;
use maud::{Render, html};
use parbench_schema::results::Point;

pub(super) struct Metrics;

impl Section for Metrics {
    fn problem(
        &self,
        page: &Page<'_>,
        problem: &Problem<'_>,
        out: &mut String,
    ) -> Result<(), ReportError> {
        // Metrics a dedicated section tabulates (the OpenCL build times) are left to it.
        // The bound figures have their own column in the statistics table.
        let shown =
            |k: &str| !super::opencl::METRICS.contains(&k) && !crate::view::is_bound_metric(k);
        let with: Vec<&Point> = problem
            .points
            .iter()
            .copied()
            .filter(|p| p.metrics.keys().any(|k| shown(k)))
            .collect();
        if with.is_empty() {
            return Ok(());
        }
        let mut names: Vec<&str> = Vec::new();
        for p in &with {
            for k in p.metrics.keys().filter(|k| shown(k)) {
                if !names.contains(&k.as_str()) {
                    names.push(k);
                }
            }
        }
        let cell = |p: &Point, n: &str| {
            p.metrics.get(n).map_or_else(
                || "–".to_string(),
                |m| {
                    if n == "lost_updates" && p.n > 0 {
                        // A share of the n updates means something; 1.2819e6 does not.
                        format!(
                            "{} of n ({})",
                            format::percent(m.value / p.n as f64),
                            format::grouped(m.value.max(0.0).round() as u64)
                        )
                    } else {
                        format::metric(m.value, &m.unit)
                    }
                },
            )
        };
        html! {
            details {
                summary { "Workload metrics" } "\n"
                div.scroll { table {
                    "\n"
                    thead { tr {
                        th { "variant" } th.num { "workers" } th { "status" }
                        @for n in &names { th.num { (n) } }
                    } } "\n"
                    tbody {
                        "\n"
                        @for p in &with {
                            tr {
                                td { (variant_cell(page.view, &p.variant)) }
                                td.num { (p.workers) }
                                td { (super::status_badge(p.status)) }
                                @for n in &names { td.num { (cell(p, n)) } }
                            } "\n"
                        }
                    } "\n"
                } } "\n"
            } "\n"
        }
        .render_to(out);
        Ok(())
    }
}
