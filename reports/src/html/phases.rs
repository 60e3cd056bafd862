//! The time phases section: where a variant reports its own time components (compute and
//! exchange, start-up and IPC, build and transfers and kernel), a stacked bar per point with the
//! measured mean time marked, and a table of every phase. Renders nothing where no point has
//! phases.

use super::{Page, Section, figure, variant_cell};
use crate::escape::html as esc;
use crate::format;
use crate::output::ReportError;
use crate::palette::phase_color;
use crate::plot::{Bar, StackedBarChart, time_unit};
use crate::view::Problem;
use parbench_schema::results::Point;
use std::fmt::Write as _;

pub(super) struct Phases;

impl Section for Phases {
    fn problem(
        &self,
        page: &Page<'_>,
        problem: &Problem<'_>,
        out: &mut String,
    ) -> Result<(), ReportError> {
        let with: Vec<&Point> = problem
            .points
            .iter()
            .copied()
            .filter(|p| !p.phases.is_empty())
            .collect();
        if with.is_empty() {
            return Ok(());
        }
        let max = with
            .iter()
            .map(|p| {
                let sum: f64 = p.phases.iter().map(|ph| ph.mean.0).sum();
                sum.max(p.measurement.as_ref().map_or(0.0, |m| m.stats.mean.0))
            })
            .fold(0.0, f64::max);
        let unit = time_unit(max);
        let bars: Vec<Bar> = with
            .iter()
            .map(|p| Bar {
                label: format!(
                    "{} · {} worker{}{}",
                    p.variant,
                    p.workers,
                    if p.workers == 1 { "" } else { "s" },
                    if p.oversubscribed { " (over)" } else { "" }
                ),
                segments: p
                    .phases
                    .iter()
                    .map(|ph| (ph.name.clone(), ph.mean.0 / unit.ns))
                    .collect(),
                marker: p.measurement.as_ref().map(|m| m.stats.mean.0 / unit.ns),
            })
            .collect();
        let value_label = format!("mean time per iteration ({})", unit.name);
        let mut chart = StackedBarChart::new(
            "Where the time goes (phases reported by each variant)",
            &value_label,
            &bars,
            phase_color,
        );
        chart.marker_label = "measured mean time per iteration";
        out.push_str("<h3>Time phases</h3>\n");
        figure(
            out,
            &chart.render()?,
            "Mean time per phase, stacked; the black tick marks the measured mean iteration time, so a gap between the bar and the tick is time no phase accounts for.",
        );
        let mut names: Vec<&str> = Vec::new();
        for p in &with {
            for ph in &p.phases {
                if !names.contains(&ph.name.as_str()) {
                    names.push(&ph.name);
                }
            }
        }
        out.push_str("<details><summary>Phase times of every point</summary>\n<div class=\"scroll\"><table>\n<thead><tr><th>variant</th><th class=\"num\">workers</th>");
        for n in &names {
            let _ = write!(
                out,
                "<th class=\"num\">{}{}</th>",
                super::swatch(&crate::palette::hex(phase_color(n))),
                esc(n)
            );
        }
        out.push_str("<th class=\"num\">measured mean</th></tr></thead>\n<tbody>\n");
        for p in &with {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td>",
                variant_cell(page.view, &p.variant),
                p.workers
            );
            for n in &names {
                let cell = p.phases.iter().find(|ph| ph.name == *n).map_or_else(
                    || "–".to_string(),
                    |ph| format!("{} ({})", ph.mean, format::percent(ph.share)),
                );
                let _ = write!(out, "<td class=\"num\">{cell}</td>");
            }
            let _ = writeln!(
                out,
                "<td class=\"num\">{}</td></tr>",
                p.measurement
                    .as_ref()
                    .map_or_else(|| "–".to_string(), |m| m.stats.mean.to_string())
            );
        }
        out.push_str("</tbody>\n</table></div>\n<p class=\"note\">Mean time per iteration of each phase and its share of the mean iteration; medians per phase are in results.json.</p>\n</details>\n");
        Ok(())
    }
}
