//! The HTML site: `index.html` (the overview) and one page per suite, self-contained (inline
//! CSS and SVG, no scripts, no network, a Content-Security-Policy pinned to the inline style's
//! hash). Parts that only some results need (phases, metrics, and the processes, OpenCL and
//! contention views) are `Section`s in their own modules, listed in `sections()`.

mod contention;
mod index;
mod metrics;
mod mpi;
mod opencl;
mod phases;
mod processes;
mod scalability;
mod suite;

// HTML is written with maud: markup checked at compile time, and every `(value)` interpolated
// is escaped unless wrapped in `PreEscaped` (only the style sheet, plotters' SVG and fragments
// maud itself rendered are). Chosen over askama (templates in files, more build time) because
// the pages are assembled from many small Rust functions, which stay functions here.
use crate::output::{Exporter, OutputFile, ReportError};
use crate::view::{ReportView, SuiteView};
use maud::{DOCTYPE, Markup, PreEscaped, Render, html};
use parbench_schema::results::{FlagKind, Point, RunResults, Status};
use parbench_schema::variant::names;

pub use crate::view::Problem;

const STYLE: &str = r#"
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #dadce0; --bg-alt: #f6f8fa; --ok: #1e7d32; --bad: #b3261e; --warn: #8a5a00; --link: #0b57d0; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 20px 24px 40px; line-height: 1.45; }
a { color: var(--link); }
nav.top { font-size: 0.88rem; margin: 0 0 18px; padding: 6px 0 8px; border-bottom: 1px solid var(--line); color: var(--muted); position: sticky; top: 0; background: #fff; z-index: 2; }
nav.top a { margin-right: 12px; white-space: nowrap; }
nav.top strong { margin-right: 12px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; overflow-wrap: break-word; }
h2 { font-size: 1.3rem; margin: 36px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; overflow-wrap: break-word; }
h3 { font-size: 1.08rem; margin: 22px 0 8px; }
p.sub { color: var(--muted); margin: 0 0 16px; }
.lead { font-size: 1.02rem; max-width: 60rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.84rem; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; }
th { background: var(--bg-alt); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.wrap { overflow-wrap: break-word; }
.v { white-space: nowrap; }
table.stats { font-size: 0.76rem; }
table.stats td, table.stats th { padding: 3px 4px; }
table.stats td .status-expected-incorrect { white-space: normal; }
tr.notes td { border-bottom: 1px solid var(--line); padding-top: 0; color: var(--muted); font-size: 0.78rem; }
tr.has-notes td { border-bottom: none; }
tr.over td { background: #fbf6ea; }
.scroll { overflow-x: auto; }
.status-ok { color: var(--ok); font-weight: 600; }
.status-wrong, .status-failed { color: var(--bad); font-weight: 600; }
.status-skipped, .status-expected-incorrect { color: var(--warn); font-weight: 600; }
.badges { margin: 8px 0 12px; }
.badges > span { display: inline-block; margin: 0 10px 6px 0; padding: 2px 12px; border-radius: 12px; background: var(--bg-alt); border: 1px solid var(--line); }
.swatch { margin-right: 6px; vertical-align: baseline; }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
figure.chart { margin: 0 0 12px; max-width: 100%; width: fit-content; }
.chart svg { max-width: 100%; height: auto; display: block; }
figure.chart svg { border: 1px solid var(--line); border-radius: 4px; }
figure.chart figcaption { color: var(--muted); font-size: 0.82rem; margin-top: 4px; }
pre { background: var(--bg-alt); border: 1px solid var(--line); padding: 12px; overflow-x: auto; font-size: 0.82rem; }
.note { color: var(--muted); font-size: 0.85rem; }
.callout { background: var(--bg-alt); border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; margin: 12px 0; }
ul.attention li { margin-bottom: 4px; overflow-wrap: break-word; }
ul.toc { columns: 2; font-size: 0.9rem; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 0.9rem; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: break-word; }
dl.defs dt { font-weight: 600; margin-top: 6px; }
dl.defs dd { margin: 0 0 0 16px; }
.flag { display: inline-block; padding: 0 6px; border-radius: 8px; background: #fdecea; color: var(--bad); border: 1px solid #f3b8b3; font-size: 0.78rem; font-weight: 600; white-space: nowrap; }
nav.toc { font-size: 0.88rem; margin: 8px 0 12px; line-height: 1.7; }
details { margin: 8px 0 12px; }
details > summary { cursor: pointer; color: var(--link); font-weight: 600; margin: 6px 0; }
a.top-link { float: right; font-size: 0.8rem; font-weight: normal; margin-left: 12px; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.82rem; border-top: 1px solid var(--line); padding-top: 8px; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } ul.toc { columns: 1; } }
@media print { body { max-width: none; padding: 0; font-size: 11pt; } nav.top { display: none; } .grid { grid-template-columns: 1fr; } figure.chart, tr { break-inside: avoid; } h2, h3 { break-after: avoid; } a { color: inherit; } .scroll { overflow: visible; } table, table.stats { font-size: 7.5pt; } th, td, table.stats td, table.stats th { padding: 2px 3px; } td.num, th.num { white-space: normal; } .v, .flag { white-space: nowrap; } td, th, h1, h2, dl.kv dd, ul.attention li, td.wrap { overflow-wrap: break-word; word-break: normal; hyphens: manual; } a.top-link { display: none; } }
"#;

/// The Content-Security-Policy of every page: nothing may load or run; only the inline style
/// block, pinned by its hash, applies.
pub fn content_security_policy() -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(STYLE.as_bytes());
    format!(
        "default-src 'none'; style-src 'sha256-{}'; img-src data:; base-uri 'none'; form-action 'none'",
        base64(&hash)
    )
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Opens a page: doctype, CSP, title and the shared style (the body follows).
pub fn page_head(title: &str) -> String {
    html! {
        (DOCTYPE) "\n"
        // The elements maud would close are closed by `page_foot`.
        (PreEscaped("<html lang=\"en\">\n<head>\n"))
        meta charset="utf-8"; "\n"
        meta http-equiv="Content-Security-Policy" content=(content_security_policy()); "\n"
        meta name="viewport" content="width=device-width, initial-scale=1"; "\n"
        meta name="referrer" content="no-referrer"; "\n"
        link rel="icon" href="data:,"; "\n"
        title { (title) } "\n"
        style { (PreEscaped(STYLE)) } "\n"
        (PreEscaped("</head>\n<body>\n"))
    }
    .into_string()
}

/// A whole page that needs no report navigation (the history site's): [`page_head`], `body`
/// and the closing tags, with control characters made visible by [`crate::escape::document`].
pub(crate) fn page(title: &str, body: Markup) -> String {
    let mut out = page_head(title);
    body.render_to(&mut out);
    out.push_str("</body>\n</html>\n");
    crate::escape::document(out)
}

/// Closes a page with a footer naming its source.
pub(crate) fn page_foot(out: &mut String, results: &RunResults) {
    html! {
        footer {
            "Generated by parbench " (results.parbench_version) " from results.json (schema version "
            (results.schema_version) ", run " (results.run_id)
            "). The raw samples of every point are in results.json and samples.csv."
        } "\n"
        (PreEscaped("</body>\n</html>\n"))
    }
    .render_to(out);
}

/// The navigation bar: the overview and every suite page; `current` is not linked. With more
/// than [`crate::view::MAX_NAV_SUITES`] suites, a suite page names its own suite only.
pub(crate) fn nav(out: &mut String, view: &ReportView<'_>, current: Option<&str>) {
    let many = view.suites.len() > crate::view::MAX_NAV_SUITES;
    html! {
        nav.top aria-label="pages" {
            @if current.is_none() {
                strong { "Overview" }
            } @else {
                a href="index.html" { "Overview" }
            }
            @if many {
                " " (view.suites.len()) " suites (listed on the overview)"
                @if let Some(s) = view.suites.iter().find(|s| current == Some(s.file.as_str())) {
                    " · " strong { (s.name) }
                }
            } @else {
                " Suites: "
                @for s in &view.suites {
                    @if current == Some(s.file.as_str()) {
                        strong { (s.name) }
                    } @else {
                        a href=(s.file) { (s.name) }
                    }
                }
            }
        } "\n"
    }
    .render_to(out);
}

/// The note of a summarized site (see [`crate::view::MAX_DRAWN_POINTS`]), empty otherwise.
pub(crate) fn summary_note(out: &mut String, view: &ReportView<'_>) {
    if view.summarized() {
        html! {
            p.callout {
                "This run has " (crate::format::grouped(view.results.points.len() as u64))
                " points, more than " (crate::format::grouped(crate::view::MAX_DRAWN_POINTS as u64))
                ": the report summarizes. Suite pages show every point in their tables and the charts across problems, but no charts per problem; every figure and raw sample is in results.csv and samples.csv."
            } "\n"
        }
        .render_to(out);
    }
}

/// A status word, coloured.
pub(crate) fn status_badge(status: Status) -> Markup {
    html! { span class={ "status-" (status) } { (status) } }
}

/// A small square in a variant's colour.
pub(crate) fn swatch(hex: &str) -> Markup {
    html! {
        svg.swatch width="10" height="10" aria-hidden="true" {
            rect width="10" height="10" rx="2" fill=(hex) {}
        }
    }
}

/// A flag kind's short name.
pub(crate) fn flag_name(kind: FlagKind) -> &'static str {
    match kind {
        FlagKind::OneWorkerOffSerial => "1 worker ≠ serial",
        FlagKind::Superlinear => "superlinear",
        FlagKind::Disturbed => "disturbed",
        FlagKind::FewSamples => "few samples",
        FlagKind::AboveBound => "above bound",
    }
}

/// The self-check flags of a point as badges (the message in the tooltip and after the badge),
/// empty when it has none.
pub(crate) fn flag_badges(p: &Point) -> Markup {
    html! {
        @for (i, f) in p.derived.flags.iter().enumerate() {
            @if i > 0 { " " }
            span.flag title=(f.message) { "⚑ " (flag_name(f.kind)) } " " (f.message)
        }
    }
}

/// A variant name with its colour swatch.
pub(crate) fn variant_cell(view: &ReportView<'_>, variant: &str) -> Markup {
    html! { span.v { (swatch(&view.palette.hex(variant))) (variant) } }
}

/// An embedded chart with its caption. The SVG comes from plotters, which escapes the text it
/// draws (labels, titles, legends: `<`, `>`, `&`, quotes); control characters, which it lets
/// through, are made visible by [`crate::escape::document`] over the whole page.
/// A stacked bar chart of `points`' mean time per iteration, in a unit that fits the longest,
/// with the measured mean as each bar's marker, as a captioned figure.
pub(crate) fn mean_time_figure(
    out: &mut String,
    points: &[&Point],
    bars: fn(&[&Point], f64) -> Vec<crate::plot::Bar>,
    color: fn(&str) -> plotters::style::RGBColor,
    title: &str,
    caption: &str,
) -> Result<(), ReportError> {
    let max = points
        .iter()
        .filter_map(|p| p.measurement.as_ref().map(|m| m.stats.mean.0))
        .fold(0.0, f64::max);
    let unit = crate::plot::time_unit(max);
    let bars = bars(points, unit.ns);
    let value_label = format!("mean time per iteration ({})", unit.name);
    let mut chart = crate::plot::StackedBarChart::new(title, &value_label, &bars, color);
    chart.marker_label = "measured mean time per iteration";
    figure(out, &chart.render()?, caption);
    Ok(())
}

pub(crate) fn figure(out: &mut String, svg: &str, caption: &str) {
    html! {
        figure.chart { (PreEscaped(svg)) figcaption { (caption) } } "\n"
    }
    .render_to(out);
}

/// `<div class="grid">` around what `inner` writes (markup from maud and plotters).
pub(crate) fn grid(
    out: &mut String,
    inner: impl FnOnce(&mut String) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut body = String::new();
    inner(&mut body)?;
    html! { div.grid { "\n" (PreEscaped(body)) } "\n" }.render_to(out);
    Ok(())
}

/// A `<details>` block, folded under `summary`, around what `inner` writes.
pub(crate) fn folded(
    out: &mut String,
    summary: &str,
    inner: impl FnOnce(&mut String) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut body = String::new();
    inner(&mut body)?;
    html! { details { summary { (summary) } "\n" (PreEscaped(body)) } "\n" }.render_to(out);
    Ok(())
}

pub(crate) fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "–".into())
}

/// `variant · w workers` of a point.
pub(crate) fn point_label(p: &Point) -> Markup {
    html! {
        (p.variant) " · " (p.workers) " worker" @if p.workers != 1 { "s" }
    }
}

/// Writes the points that are not `ok` grouped by status and reason: each reason once, with
/// the points it applies to.
pub(crate) fn attention_list(out: &mut String, points: &[&Point], with_suite: bool) {
    let groups = crate::view::status_groups(points.iter().copied());
    if groups.is_empty() {
        return;
    }
    html! {
        ul.attention {
            "\n"
            @for g in &groups {
                li {
                    (status_badge(g.status)) " " (g.reason)
                    @match g.status {
                        Status::ExpectedIncorrect => {
                            " " span.note { "(incorrect by design; measured, never ranked)" }
                        }
                        Status::Wrong => {
                            " " span.note { "(no speedup is reported for a wrong answer)" }
                        }
                        _ => {}
                    }
                    " "
                    span.note {
                        "(" (g.points.len()) " point" @if g.points.len() != 1 { "s" } ": "
                        @for (i, p) in g.points.iter().enumerate() {
                            @if i > 0 { "; " }
                            @if with_suite { strong { (p.suite) } " " }
                            (crate::view::size_label(&p.size, p.n)) " · " (point_label(p))
                            @let params = p.params_label();
                            @if !params.is_empty() { " · " (params) }
                        }
                        ")"
                    }
                } "\n"
            }
        } "\n"
    }
    .render_to(out);
}

/// The points of one problem that are not `ok`, in one line: their reasons are listed once in
/// the page's "Needs attention".
pub(crate) fn attention_brief(out: &mut String, points: &[&Point]) {
    let not_ok: Vec<&&Point> = points.iter().filter(|p| p.status != Status::Ok).collect();
    if not_ok.is_empty() {
        return;
    }
    html! {
        p.note {
            "Not verified, failed or skipped here: "
            @for (i, p) in not_ok.iter().enumerate() {
                @if i > 0 { ", " }
                (point_label(p)) " (" (status_badge(p.status)) ")"
            }
            ". Reasons: " a href="#attention" { "Needs attention" } "."
        } "\n"
    }
    .render_to(out);
}

/// The `<h2>` headings of a page body as (id, text): a heading's own id, else the id of the
/// `<section>` it opens.
pub(crate) fn headings(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = body;
    let mut offset = 0;
    while let Some(i) = rest.find("<h2") {
        let at = offset + i;
        let after = &body[at..];
        let Some(close) = after.find("</h2>") else {
            break;
        };
        let tag_end = after.find('>').unwrap_or(0);
        let tag = &after[..tag_end];
        let id = match tag.find("id=\"") {
            Some(j) => tag[j + 4..].split('"').next().map(str::to_string),
            None => body[..at]
                .rfind("<section id=\"")
                .filter(|k| body[*k..at].matches('>').count() == 1)
                .and_then(|k| body[k + 13..].split('"').next().map(str::to_string)),
        };
        let inner = &after[tag_end + 1..close];
        let mut text = String::new();
        let mut in_tag = false;
        for c in inner.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        if let Some(id) = id {
            out.push((id, text.trim().to_string()));
        }
        offset = at + close + 5;
        rest = &body[offset..];
    }
    out
}

/// Adds a "back to top" link to every `<h2>` of a page body.
pub(crate) fn with_top_links(body: &str) -> String {
    body.replace(
        "</h2>",
        "<a class=\"top-link\" href=\"#top\">↑ top</a></h2>",
    )
}

/// The family of a variant, for small multiples: synchronization primitives that compete with
/// each other share one.
pub(crate) fn family(variant: &str) -> &'static str {
    match variant {
        names::MUTEX
        | names::PARKING_LOT
        | names::PARKING_LOT_FAIR
        | names::RWLOCK
        | names::PARKING_LOT_RWLOCK
        | names::SPIN => "locks",
        names::ATOMIC | names::CAS | names::UNSYNC => "lock-free",
        names::SHARDED | names::SHARDED_UNPADDED => "sharded",
        names::CHANNEL | names::PROCESSES_POOL | names::PROCESSES_SPAWN => "message passing",
        names::THREADS | names::RAYON => "threads and pools",
        v if v.starts_with(names::OPENCL) => "accelerators",
        _ => "other",
    }
}

/// More series than one chart shows legibly: split into [`family`] charts.
pub(crate) const MAX_SERIES_PER_CHART: usize = 6;

/// Splits `series` into families (in order of first appearance), each with the baseline series
/// (`serial`, a common reference) drawn in every family; `None` when they fit in one chart.
pub(crate) fn small_multiples(
    series: &[crate::plot::Series],
) -> Option<Vec<(&'static str, Vec<crate::plot::Series>)>> {
    if series.len() <= MAX_SERIES_PER_CHART {
        return None;
    }
    let reference: Vec<&crate::plot::Series> = series
        .iter()
        .filter(|s| s.label == parbench_analysis::derived::BASELINE_VARIANT)
        .collect();
    let mut out: Vec<(&'static str, Vec<crate::plot::Series>)> = Vec::new();
    for s in series
        .iter()
        .filter(|s| s.label != parbench_analysis::derived::BASELINE_VARIANT)
    {
        let f = family(&s.label);
        match out.iter_mut().find(|(g, _)| *g == f) {
            Some((_, v)) => v.push(s.clone()),
            None => {
                let mut v: Vec<crate::plot::Series> =
                    reference.iter().map(|r| (*r).clone()).collect();
                v.push(s.clone());
                out.push((f, v));
            }
        }
    }
    Some(out)
}

/// Renders `template` (a chart of many series) as it is, or, with more series than one chart
/// shows legibly, as one chart per family of variants (each with the baseline as a common
/// reference, curves kept with their series), in a grid with `caption` once below.
pub(crate) fn workers_figures(
    out: &mut String,
    template: &crate::plot::WorkersChart<'_>,
    caption: &str,
) -> Result<(), ReportError> {
    let Some(families) = small_multiples(template.series) else {
        figure(out, &template.render()?, caption);
        return Ok(());
    };
    grid(out, |out| {
        for (family, series) in &families {
            let curves: Vec<crate::plot::Curve> = template
                .curves
                .iter()
                .filter(|c| {
                    series
                        .iter()
                        .any(|s| c.label.starts_with(&format!("{}:", s.label)))
                })
                .cloned()
                .collect();
            let title = format!("{} · {family}", template.title);
            let chart = crate::plot::WorkersChart {
                title: &title,
                series,
                curves: &curves,
                width: crate::plot::HALF_WIDTH,
                ..template.clone()
            };
            figure(
                out,
                &chart.render()?,
                &format!("{family}, with serial as the common reference."),
            );
        }
        Ok(())
    })?;
    html! { p.note { (caption) } "\n" }.render_to(out);
    Ok(())
}

/// A suite page being rendered, as sections see it.
pub(crate) struct Page<'a> {
    pub view: &'a ReportView<'a>,
    pub suite: &'a SuiteView<'a>,
}

/// A part of a suite page (or of the overview) that only some results need: time phases,
/// workload metrics, and the views of the processes, OpenCL and contention issues. Each lives in
/// its own module under `html/` and is listed in [`sections`]; it writes nothing when the points
/// do not carry what it shows. To add one: write `html/<name>.rs` with a unit struct that
/// implements the methods it needs (charts from [`crate::plot`], colours from
/// [`crate::palette`], markup with maud's `html!`, which escapes every value it interpolates),
/// and list it in [`sections`].
pub(crate) trait Section {
    /// Its part of one problem (one size and parameter set) of a suite page, after the charts.
    fn problem(
        &self,
        _page: &Page<'_>,
        _problem: &Problem<'_>,
        _out: &mut String,
    ) -> Result<(), ReportError> {
        Ok(())
    }

    /// Its part of a suite page after every problem (views across sizes or parameters).
    fn suite(&self, _page: &Page<'_>, _out: &mut String) -> Result<(), ReportError> {
        Ok(())
    }

    /// Its part of the overview page.
    fn overview(&self, _view: &ReportView<'_>, _out: &mut String) -> Result<(), ReportError> {
        Ok(())
    }
}

/// Every section, in page order.
pub(crate) fn sections() -> Vec<Box<dyn Section>> {
    vec![
        Box::new(phases::Phases),
        Box::new(processes::Processes),
        Box::new(mpi::Mpi),
        Box::new(scalability::Scalability),
        Box::new(contention::Contention),
        Box::new(metrics::Metrics),
        Box::new(opencl::Opencl),
    ]
}

/// Writes the HTML site: `index.html` and one self-contained page per suite.
#[derive(Debug, Default)]
pub struct HtmlExporter;

impl Exporter for HtmlExporter {
    fn render(&self, results: &RunResults) -> Result<Vec<OutputFile>, ReportError> {
        let mut files = Vec::new();
        self.render_each(results, &mut |file| {
            files.push(file);
            Ok(())
        })?;
        Ok(files)
    }

    /// The overview, then each suite page, one at a time.
    fn render_each(
        &self,
        results: &RunResults,
        emit: &mut dyn FnMut(OutputFile) -> Result<(), ReportError>,
    ) -> Result<(), ReportError> {
        let view = ReportView::new(results);
        let sections = sections();
        let page = |name: String, contents: String| OutputFile {
            name,
            contents: crate::escape::document(contents),
        };
        emit(page("index.html".into(), index::render(&view, &sections)?))?;
        for s in &view.suites {
            let contents = suite::render(
                &Page {
                    view: &view,
                    suite: s,
                },
                &sections,
            )?;
            emit(page(s.file.clone(), contents))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn csp_forbids_scripts_and_network() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none'"));
        assert!(!csp.contains("script-src"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn style_has_no_external_references() {
        assert!(!STYLE.contains("url("));
        assert!(!STYLE.contains("@import"));
    }
}
