//! History trend pages: an `index.html` of machines, branches, suites and detected steps, and one
//! page per (machine, branch, suite) charting each point's median and interval per commit with
//! its change-points (the cross-machine page is `history_fleet.rs`). Self-contained like every
//! report page; reads only the history crate's data model.

use crate::escape::slug;
use crate::html::page;
use crate::output::{OutputFile, ReportError};
use crate::plot::PlotError;
use maud::{Markup, PreEscaped, html};
use parbench_history::{HistorySite, TrendSeries};
use parbench_schema::Nanos;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// The page of one (machine, branch, suite).
pub fn page_name(machine_id: &str, branch: &str, suite: &str) -> String {
    let short: String = machine_id.chars().take(8).collect();
    format!(
        "trend-{}-{}-{}.html",
        slug(&short),
        slug(branch),
        slug(suite)
    )
}

/// A time unit that keeps the axis numbers readable.
fn unit_for(max_ns: f64) -> (f64, &'static str) {
    if max_ns < 1e3 {
        (1.0, "ns")
    } else if max_ns < 1e6 {
        (1e3, "µs")
    } else if max_ns < 1e9 {
        (1e6, "ms")
    } else {
        (1e9, "s")
    }
}

/// The trend chart of one series: median and interval per commit, the segment levels between
/// change-points (dashed) and a red line where each step happened.
pub fn trend_chart(s: &TrendSeries, width: u32, height: u32) -> Result<String, PlotError> {
    let title = format!("{}: time per iteration by commit", s.key);
    let err = |e: &dyn std::fmt::Display| PlotError {
        title: title.clone(),
        message: e.to_string(),
    };
    let n = s.points.len();
    let (scale, unit, lo, hi) = trend_axis(s);
    let labels: Vec<String> = s
        .points
        .iter()
        .map(|p| p.label.chars().take(8).collect())
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5).max(0.5), lo..hi)
            .map_err(|e| err(&e))?;
        let label_of = |x: &f64| -> String {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc("commit (oldest first)")
            .y_desc(format!("median time per iteration ({unit})"))
            .x_labels(n.clamp(2, 8))
            .x_label_formatter(&label_of)
            .y_label_formatter(&|y| parbench_schema::duration::three_significant(*y))
            .axis_desc_style(("sans-serif", 14))
            .label_style(("sans-serif", 12))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| err(&e))?;
        draw_segment_levels(&mut chart, s, scale, &err)?;
        draw_change_points(&mut chart, s, (lo, hi), &err)?;
        draw_medians(&mut chart, s, scale, &err)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 12))
            .draw()
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}

/// The time unit of a trend chart's axis (its size in ns and name) and the axis' ends in it:
/// every median and interval with a margin.
fn trend_axis(s: &TrendSeries) -> (f64, &'static str, f64, f64) {
    let max_ns = s
        .points
        .iter()
        .map(|p| p.ci_high.0.max(p.median.0))
        .fold(0.0f64, f64::max);
    let min_ns = s
        .points
        .iter()
        .map(|p| p.ci_low.0.min(p.median.0))
        .fold(f64::INFINITY, f64::min);
    let (scale, unit) = unit_for(max_ns);
    let (lo, hi) = if min_ns.is_finite() && max_ns > 0.0 {
        let pad = ((max_ns - min_ns) * 0.15).max(max_ns * 0.02);
        (((min_ns - pad) / scale).max(0.0), (max_ns + pad) / scale)
    } else {
        (0.0, 1.0)
    };
    (scale, unit, lo, hi)
}

/// The chart a trend is drawn on: commits across, time up.
type TrendChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Turns a drawing error into the chart's error.
type ErrFn<'a> = dyn Fn(&dyn std::fmt::Display) -> PlotError + 'a;

/// The median level of each segment between change-points (dashed, grey).
fn draw_segment_levels(
    chart: &mut TrendChart<'_, '_>,
    s: &TrendSeries,
    scale: f64,
    err: &ErrFn<'_>,
) -> Result<(), PlotError> {
    let grey = RGBColor(120, 120, 120);
    let n = s.points.len();
    let mut bounds = vec![0usize];
    bounds.extend(s.change_points.iter().map(|c| c.index));
    bounds.push(n);
    for w in bounds.windows(2) {
        let seg: Vec<f64> = s.points[w[0]..w[1]].iter().map(|p| p.median.0).collect();
        if seg.is_empty() {
            continue;
        }
        let level = parbench_analysis::stats::median(&seg) / scale;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(w[0] as f64 - 0.4, level), (w[1] as f64 - 0.6, level)],
                5,
                4,
                grey.stroke_width(1),
            ))
            .map_err(|e| err(&e))?;
    }
    Ok(())
}

/// A red dashed line between the commits where each step happened.
fn draw_change_points(
    chart: &mut TrendChart<'_, '_>,
    s: &TrendSeries,
    (lo, hi): (f64, f64),
    err: &ErrFn<'_>,
) -> Result<(), PlotError> {
    let red = RGBColor(213, 94, 0);
    for (i, c) in s.change_points.iter().enumerate() {
        let x = c.index as f64 - 0.5;
        let series = chart
            .draw_series(DashedLineSeries::new(
                vec![(x, lo), (x, hi)],
                6,
                4,
                red.stroke_width(2),
            ))
            .map_err(|e| err(&e))?;
        if i == 0 {
            series.label("change-point").legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], red.stroke_width(2))
            });
        }
    }
    Ok(())
}

/// Each commit's interval (a bar) and median (a dot), the medians joined by a line.
fn draw_medians(
    chart: &mut TrendChart<'_, '_>,
    s: &TrendSeries,
    scale: f64,
    err: &ErrFn<'_>,
) -> Result<(), PlotError> {
    let blue = RGBColor(0, 114, 178);
    chart
        .draw_series(s.points.iter().enumerate().map(|(i, p)| {
            PathElement::new(
                vec![
                    (i as f64, p.ci_low.0 / scale),
                    (i as f64, p.ci_high.0 / scale),
                ],
                blue.stroke_width(1),
            )
        }))
        .map_err(|e| err(&e))?;
    chart
        .draw_series(LineSeries::new(
            s.points
                .iter()
                .enumerate()
                .map(|(i, p)| (i as f64, p.median.0 / scale)),
            blue.stroke_width(2),
        ))
        .map_err(|e| err(&e))?
        .label("median (bars: 95% interval)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], blue.stroke_width(2)));
    chart
        .draw_series(
            s.points
                .iter()
                .enumerate()
                .map(|(i, p)| Circle::new((i as f64, p.median.0 / scale), 3, blue.filled())),
        )
        .map_err(|e| err(&e))?;
    Ok(())
}

fn change(ratio: f64) -> String {
    format!("{:+.1}%", (ratio - 1.0) * 100.0)
}

type PageKey = (String, String, String);

fn pages(site: &HistorySite) -> BTreeMap<PageKey, Vec<&TrendSeries>> {
    let mut map: BTreeMap<PageKey, Vec<&TrendSeries>> = BTreeMap::new();
    for s in &site.series {
        map.entry((s.machine_id.clone(), s.branch.clone(), s.key.suite.clone()))
            .or_default()
            .push(s);
    }
    map
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A trend point's commit, or its label when no commit is known.
fn commit_of(p: &parbench_history::TrendPoint) -> &str {
    p.commit.as_deref().unwrap_or(&p.label)
}

fn series_section(s: &TrendSeries) -> Result<Markup, ReportError> {
    let svg = trend_chart(s, 900, 380)?;
    let key = s.key.to_string();
    Ok(html! {
        h3 id=(slug(&key)) {
            (key) " "
            span.note {
                "(" (s.workload) " / " (s.model) ", " (s.points.len()) " commit"
                (plural(s.points.len())) ")"
            }
        } "\n"
        div.chart { (PreEscaped(svg)) } "\n"
        @if s.change_points.is_empty() {
            p.note { "No step detected." } "\n"
        } @else {
            table {
                "\n"
                thead { tr {
                    th { "step at commit" } th { "first run" } th { "before" } th { "after" }
                    th { "change" } th { "note" }
                } } "\n"
                tbody {
                    "\n"
                    @for c in &s.change_points {
                        @let p = &s.points[c.index];
                        @let prev = &s.points[c.index.saturating_sub(1)];
                        tr {
                            td { code { (commit_of(p)) } }
                            td { (p.started_at) }
                            td.num { (Nanos(c.before)) }
                            td.num { (Nanos(c.after)) }
                            td.num { strong { (change(c.ratio)) } }
                            td.note {
                                @if prev.n != p.n {
                                    "problem size changed: n " (prev.n) " → " (p.n)
                                }
                            }
                        } "\n"
                    }
                } "\n"
            } "\n"
        }
        details {
            summary { "Every commit" } "\n"
            table {
                "\n"
                thead { tr {
                    th { "commit" } th { "first run" } th { "runs" } th { "n" } th { "median" }
                    th { "95% interval" }
                } } "\n"
                tbody {
                    "\n"
                    @for p in &s.points {
                        tr {
                            td { code { (commit_of(p)) } }
                            td { (p.started_at) }
                            td.num { (p.runs) }
                            td.num { (p.n) }
                            td.num { (p.median) }
                            td.num { (p.ci_low) " – " (p.ci_high) }
                        } "\n"
                    }
                } "\n"
            } "\n"
        } "\n"
    })
}

/// The index: detected steps (newest first), every series, every machine.
fn index_page(
    site: &HistorySite,
    pages: &BTreeMap<PageKey, Vec<&TrendSeries>>,
    machines: &BTreeMap<&str, &parbench_history::MachineInfo>,
) -> String {
    let body = html! {
        h1 { "parbench history" } "\n"
        p.sub {
            (site.runs) " run" (plural(site.runs)) " on " (site.machines.len()) " machine"
            (plural(site.machines.len())) " · database " (site.database) " · generated "
            (site.generated_at)
        } "\n"
        h2 #steps { "Detected steps" } "\n"
        (steps_table(site))
        h2 #series { "Series" } "\n"
        (series_table(pages, machines))
        h2 #machines { "Machines" } "\n"
        (machines_table(site))
        (crate::history_fleet::index_link(site))
        p.note {
            "Each series is one point (suite, size, variant, workers, parameters) on one machine fingerprint and branch; runs of the same commit are pooled (median of their medians, interval from the lowest to the highest bound). Only verified (" code { "ok" } ") points are charted. "
            (site.method)
        } "\n"
        p.note {
            "The same data, for machines: " a href="history.json" { "history.json" } "."
        } "\n"
    };
    page("parbench history", body)
}

/// The detected steps of every series, newest first (or a sentence saying there are none).
fn steps_table(site: &HistorySite) -> Markup {
    // Steps first: what a reader comes for.
    let mut steps: Vec<(&TrendSeries, &parbench_analysis::changepoint::ChangePoint)> = site
        .series
        .iter()
        .flat_map(|s| s.change_points.iter().map(move |c| (s, c)))
        .collect();
    steps.sort_by(|a, b| {
        b.0.points[b.1.index]
            .started_at
            .cmp(&a.0.points[a.1.index].started_at)
    });
    html! {
    @if steps.is_empty() {
        p { "No step detected in any series." } "\n"
    } @else {
        table {
            "\n"
            thead { tr {
                th { "point" } th { "machine" } th { "branch" } th { "commit" }
                th { "first run" } th { "change" }
            } } "\n"
            tbody {
                "\n"
                @for (s, c) in &steps {
                    @let p = &s.points[c.index];
                    @let key = s.key.to_string();
                    tr {
                        td {
                            a href={
                                (page_name(&s.machine_id, &s.branch, &s.key.suite)) "#"
                                (slug(&key))
                            } { (key) }
                        }
                        td { (s.hostname) }
                        td { (s.branch) }
                        td { code { (commit_of(p)) } }
                        td { (p.started_at) }
                        td.num { strong { (change(c.ratio)) } }
                    } "\n"
                }
            } "\n"
        } "\n"
    }
    }
}

/// One row per trend page: its series, commits, latest commit and steps.
fn series_table(
    pages: &BTreeMap<PageKey, Vec<&TrendSeries>>,
    machines: &BTreeMap<&str, &parbench_history::MachineInfo>,
) -> Markup {
    html! {
    table {
        "\n"
        thead { tr {
            th { "machine" } th { "branch" } th { "suite" } th { "points" } th { "commits" }
            th { "latest" } th { "steps" }
        } } "\n"
        tbody {
            "\n"
            @for ((machine, branch, suite), series) in pages {
                @let commits = series.iter().map(|s| s.points.len()).max().unwrap_or(0);
                @let latest = series
                    .iter()
                    .filter_map(|s| s.points.last())
                    .max_by(|a, b| a.started_at.cmp(&b.started_at))
                    .map(|p| p.label.as_str())
                    .unwrap_or_default();
                tr {
                    td { (host_of(machines, machine)) " " span.note { (machine) } }
                    td { (branch) }
                    td { a href=(page_name(machine, branch, suite)) { (suite) } }
                    td.num { (series.len()) }
                    td.num { (commits) }
                    td { code { (latest) } }
                    td.num { (series.iter().map(|s| s.change_points.len()).sum::<usize>()) }
                } "\n"
            }
        } "\n"
    } "\n"
    }
}

/// Every machine fingerprint with its runs.
fn machines_table(site: &HistorySite) -> Markup {
    html! {
    table {
        "\n"
        thead { tr {
            th { "fingerprint id" } th { "host" } th { "CPU" } th { "logical cores" }
            th { "runs" } th { "first" } th { "last" }
        } } "\n"
        tbody {
            "\n"
            @for m in &site.machines {
                tr {
                    td { code { (m.id) } }
                    td { (m.hostname) }
                    td { (m.cpu_model) }
                    td.num { (m.logical_cores) }
                    td.num { (m.runs) }
                    td { (m.first) }
                    td { (m.last) }
                } "\n"
            }
        } "\n"
    } "\n"
    }
}

/// The host name of a machine fingerprint id (the id itself when the machine is not listed).
fn host_of<'a>(
    machines: &BTreeMap<&str, &'a parbench_history::MachineInfo>,
    machine: &'a str,
) -> &'a str {
    machines
        .get(machine)
        .map_or(machine, |m| m.hostname.as_str())
}

/// Renders the history site: `index.html`, one trend page per (machine, branch, suite), and
/// `history.json` with the same data for machines.
pub fn render_site(site: &HistorySite) -> Result<Vec<OutputFile>, ReportError> {
    let mut files = Vec::new();
    let pages = pages(site);
    let machines: BTreeMap<&str, &parbench_history::MachineInfo> =
        site.machines.iter().map(|m| (m.id.as_str(), m)).collect();
    files.push(OutputFile {
        name: "index.html".into(),
        contents: index_page(site, &pages, &machines),
    });

    for ((machine, branch, suite), series) in &pages {
        let host = host_of(&machines, machine);
        let cpu = series.first().map_or("", |s| s.cpu_model.as_str());
        let sections = series
            .iter()
            .map(|s| series_section(s))
            .collect::<Result<Vec<Markup>, ReportError>>()?;
        let body = html! {
            p.note { a href="index.html" { "← all series" } } "\n"
            h1 { (suite) " " span.note { "history" } } "\n"
            p.sub {
                "machine " (host) " (" (cpu) ", fingerprint " (machine) ") · branch " (branch)
            } "\n"
            @for section in sections { (section) }
            p.note { (site.method) } "\n"
        };
        files.push(OutputFile {
            name: page_name(machine, branch, suite),
            contents: page(
                &format!("parbench history: {suite} on {host} ({branch})"),
                body,
            ),
        });
    }
    files.extend(crate::history_fleet::machines_page(site));
    let mut json = serde_json::to_string_pretty(site).expect("history serializes");
    json.push('\n');
    files.push(OutputFile {
        name: "history.json".into(),
        contents: json,
    });
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parbench_analysis::changepoint::ChangePoint;
    use parbench_history::{MachineInfo, TrendPoint};
    use parbench_schema::results::PointKey;

    const XSS: &str = "<script>alert(1)</script>";
    const XSS_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";

    fn site() -> HistorySite {
        let points: Vec<TrendPoint> = (0..12)
            .map(|i| {
                let m = if i < 7 { 1.0e6 } else { 1.2e6 };
                TrendPoint {
                    commit: Some(format!("{i:040x}")),
                    label: format!("{i:010x}"),
                    started_at: format!("2026-01-{:02}T00:00:00Z", i + 1),
                    runs: 1,
                    n: 1000,
                    median: Nanos(m),
                    ci_low: Nanos(m * 0.98),
                    ci_high: Nanos(m * 1.02),
                }
            })
            .collect();
        HistorySite {
            database: "h.db".into(),
            generated_at: "now".into(),
            runs: 12,
            machines: vec![MachineInfo {
                id: "abcdef0123456789".into(),
                hostname: "ci-<1>".into(),
                cpu_model: "CPU".into(),
                logical_cores: 2,
                runs: 12,
                first: "a".into(),
                last: "b".into(),
                fingerprint: None,
            }],
            series: vec![TrendSeries {
                machine_id: "abcdef0123456789".into(),
                hostname: "ci-<1>".into(),
                cpu_model: "CPU".into(),
                branch: "main".into(),
                key: PointKey {
                    suite: XSS.into(),
                    size: "S".into(),
                    variant: "serial".into(),
                    workers: 1,
                    params: String::new(),
                },
                workload: "pi".into(),
                model: "serial".into(),
                points,
                change_points: vec![ChangePoint {
                    index: 7,
                    before: 1.0e6,
                    after: 1.2e6,
                    ratio: 1.2,
                }],
            }],
            cross: vec![],
            method: "method".into(),
        }
    }

    #[test]
    fn pages_chart_the_step_and_escape_names() {
        let files = render_site(&site()).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.contains(&"index.html") && names.contains(&"history.json"));
        let page = files.iter().find(|f| f.name.starts_with("trend-")).unwrap();
        assert_eq!(
            page.name,
            "trend-abcdef01-main-_script_alert_1___script_.html"
        );
        assert!(page.contents.contains("Content-Security-Policy"));
        assert!(page.contents.contains("<svg"));
        assert!(page.contents.contains("change-point"));
        assert!(page.contents.contains("+20.0%"));
        assert!(!page.contents.contains("<script"));
        assert!(page.contents.contains(&format!("<h1>{XSS_ESCAPED} ")));
        assert!(page.contents.contains(&format!(
            "<title>parbench history: {XSS_ESCAPED} on ci-&lt;1&gt;"
        )));
        let index = &files[0].contents;
        assert!(index.contains("Detected steps"));
        assert!(index.contains(&format!("<code>{:040x}</code>", 7)));
        assert!(index.contains("ci-&lt;1&gt;"));
        assert!(index.contains(&format!(">{XSS_ESCAPED}</a>")), "{index}");
        assert!(!index.contains("<script"));
    }
}
