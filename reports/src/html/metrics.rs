//! The metrics section: the workload-specific figures points carry (an estimate's error, lost
//! updates, fairness, latency percentiles, memory), one column per metric. Renders nothing where
//! no point has metrics.

use super::{Page, Section, variant_cell};
use crate::escape::html as esc;
use crate::format;
use crate::output::ReportError;
use crate::view::Problem;
use parbench_schema::results::Point;
use std::fmt::Write as _;

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
        out.push_str("<details><summary>Workload metrics</summary>\n<div class=\"scroll\"><table>\n<thead><tr><th>variant</th><th class=\"num\">workers</th><th>status</th>");
        for n in &names {
            let _ = write!(out, "<th class=\"num\">{}</th>", esc(n));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for p in &with {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td>",
                variant_cell(page.view, &p.variant),
                p.workers,
                super::status_badge(p.status)
            );
            for n in &names {
                let v = p.metrics.get(*n).map_or_else(
                    || "–".to_string(),
                    |m| {
                        if *n == "lost_updates" && p.n > 0 {
                            // A share of the n updates means something; 1.2819e6 does not.
                            esc(&format!(
                                "{} of n ({})",
                                format::percent(m.value / p.n as f64),
                                format::grouped(m.value.max(0.0).round() as u64)
                            ))
                        } else {
                            esc(&format::metric(m.value, &m.unit))
                        }
                    },
                );
                let _ = write!(out, "<td class=\"num\">{v}</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n</details>\n");
        Ok(())
    }
}
