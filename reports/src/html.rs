//! The HTML report: a self-contained `index.html` (inline CSS and SVG, no scripts, no network,
//! a restrictive Content-Security-Policy) with the run's status, per-suite speedup charts, every
//! point, the machine fingerprint and the config.

use crate::escape::html as esc;
use crate::palette::{variant_color, variant_hex};
use crate::plot::{Series, WorkersChart, XY};
use crate::{Exporter, OutputFile, ReportError, format};
use parbench_harness::results::{Point, RunResults, Status};
use std::collections::BTreeMap;
use std::fmt::Write as _;

const STYLE: &str = r#"
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #dadce0; --bg-alt: #f6f8fa; --ok: #1e7d32; --bad: #b3261e; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 24px; line-height: 1.45; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1.08rem; margin: 20px 0 6px; }
p.sub { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; font-size: 0.86rem; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg-alt); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.over td { background: #fbf6ea; }
.status-ok { color: var(--ok); font-weight: 600; }
.status-wrong, .status-failed { color: var(--bad); font-weight: 600; }
.status-skipped, .status-expected-incorrect { color: var(--warn); font-weight: 600; }
.badges span { display: inline-block; margin-right: 12px; padding: 2px 10px; border-radius: 12px; background: var(--bg-alt); border: 1px solid var(--line); }
.swatch { margin-right: 6px; vertical-align: baseline; }
.chart svg { max-width: 100%; height: auto; display: block; }
pre { background: var(--bg-alt); border: 1px solid var(--line); padding: 12px; overflow-x: auto; font-size: 0.82rem; }
.note { color: var(--muted); font-size: 0.85rem; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 0.9rem; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; }
@media print { body { max-width: none; padding: 0; } .chart { break-inside: avoid; } }
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

/// Opens a page: doctype, CSP, title and the shared style.
pub fn page_head(title: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        content_security_policy(),
        esc(title)
    )
}

#[derive(Debug, Default)]
pub struct HtmlExporter;

impl Exporter for HtmlExporter {
    fn render(&self, results: &RunResults) -> Result<Vec<OutputFile>, ReportError> {
        Ok(vec![OutputFile {
            name: "index.html".into(),
            contents: render_index(results)?,
        }])
    }
}

fn status_cell(p: &Point) -> String {
    let s = p.status.to_string();
    format!("<span class=\"status-{s}\">{s}</span>")
}

fn fmt_opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "–".into())
}

/// (suite, size, parameters): the points one chart compares.
type GroupKey = (String, String, String);

/// Groups points by (suite, size, params) in run order.
fn groups(results: &RunResults) -> Vec<(GroupKey, Vec<&Point>)> {
    let mut order: Vec<GroupKey> = Vec::new();
    let mut map: BTreeMap<GroupKey, Vec<&Point>> = BTreeMap::new();
    for p in &results.points {
        let k = (p.suite.clone(), p.size.clone(), p.params_label());
        if !map.contains_key(&k) {
            order.push(k.clone());
        }
        map.entry(k).or_default().push(p);
    }
    order
        .into_iter()
        .map(|k| {
            let v = map.remove(&k).unwrap_or_default();
            (k, v)
        })
        .collect()
}

fn speedup_series(points: &[&Point]) -> Vec<Series> {
    let mut by_variant: Vec<(String, Vec<XY>)> = Vec::new();
    for p in points {
        let (Some(s), true) = (p.derived.speedup, p.status == Status::Ok) else {
            continue;
        };
        let xy = XY {
            x: p.workers as f64,
            y: s,
            interval: p.derived.speedup_ci.map(|[a, b]| (a, b)),
            hollow: p.oversubscribed,
        };
        match by_variant.iter_mut().find(|(v, _)| *v == p.variant) {
            Some((_, v)) => v.push(xy),
            None => by_variant.push((p.variant.clone(), vec![xy])),
        }
    }
    by_variant
        .into_iter()
        .map(|(v, points)| Series {
            color: variant_color(&v),
            label: v,
            points,
        })
        .collect()
}

fn points_table(out: &mut String, points: &[&Point], with_suite: bool) {
    out.push_str("<table>\n<thead><tr>");
    if with_suite {
        out.push_str("<th>suite</th><th>size</th>");
    }
    out.push_str("<th>variant</th><th>model / sync</th><th>workers</th><th>median</th><th>95% CI</th><th>speedup</th><th>efficiency</th><th>throughput</th><th>status</th><th>notes</th></tr></thead>\n<tbody>\n");
    for p in points {
        let m = p.measurement.as_ref();
        let ci = m
            .map(|m| format!("{} – {}", m.stats.ci_low, m.stats.ci_high))
            .unwrap_or_else(|| "–".into());
        let mut notes: Vec<String> = Vec::new();
        if let Some(r) = &p.reason {
            notes.push(esc(r));
        }
        if p.oversubscribed {
            notes.push("oversubscribed".into());
        }
        for w in &p.warnings {
            if !w.starts_with("oversubscribed") {
                notes.push(esc(w));
            }
        }
        for (k, v) in &p.metrics {
            notes.push(format!(
                "{}: {}",
                esc(k),
                esc(format!("{:.6} {}", v.value, v.unit).trim_end())
            ));
        }
        let _ = write!(
            out,
            "<tr{}>",
            if p.oversubscribed {
                " class=\"over\""
            } else {
                ""
            }
        );
        if with_suite {
            let _ = write!(out, "<td>{}</td><td>{}</td>", esc(&p.suite), esc(&p.size));
        }
        let _ = writeln!(
            out,
            "<td><svg class=\"swatch\" width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" rx=\"2\" fill=\"{}\"/></svg>{}</td><td>{} / {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"note\">{}</td></tr>",
            variant_hex(&p.variant),
            esc(&p.variant),
            p.model,
            p.sync,
            p.workers,
            m.map(|m| m.stats.median.to_string())
                .unwrap_or_else(|| "–".into()),
            ci,
            fmt_opt(p.derived.speedup, format::ratio),
            fmt_opt(p.derived.efficiency, format::percent),
            p.throughput
                .as_ref()
                .map(|t| format::throughput(t.value, &t.unit))
                .unwrap_or_else(|| "–".into()),
            status_cell(p),
            notes.join("<br>")
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Renders `index.html`.
pub fn render_index(results: &RunResults) -> Result<String, ReportError> {
    let mut out = page_head(&format!("parbench report {}", results.run_id));
    let m = &results.machine;
    let _ = writeln!(out, "<h1>parbench report</h1>");
    let _ = writeln!(
        out,
        "<p class=\"sub\">Run {} on {} ({} logical cores) · started {} · {} · parbench {}</p>",
        esc(&results.run_id),
        esc(&m.cpu_model),
        m.logical_cores,
        esc(&results.started_at),
        match &results.finished_at {
            Some(f) if results.complete => format!("finished {}", esc(f)),
            _ => "<strong>incomplete (interrupted or still running)</strong>".into(),
        },
        esc(&results.parbench_version)
    );

    // Status.
    out.push_str("<h2 id=\"status\">Status</h2>\n<p class=\"badges\">");
    for s in [
        Status::Ok,
        Status::Wrong,
        Status::Failed,
        Status::Skipped,
        Status::ExpectedIncorrect,
    ] {
        let _ = write!(
            out,
            "<span class=\"status-{s}\">{s}: {}</span>",
            results.count(s)
        );
    }
    out.push_str("</p>\n");
    let problems: Vec<&Point> = results
        .points
        .iter()
        .filter(|p| p.status != Status::Ok)
        .collect();
    if !problems.is_empty() {
        out.push_str("<ul>\n");
        for p in problems {
            let _ = writeln!(
                out,
                "<li>{} <strong>{}</strong> {} w{}: {}{}</li>",
                status_cell(p),
                esc(&p.suite),
                esc(&p.variant),
                p.workers,
                esc(p.reason.as_deref().unwrap_or("")),
                if p.status == Status::ExpectedIncorrect {
                    " (incorrect by design; never ranked)"
                } else {
                    ""
                }
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<p class=\"note\">Speedup is the serial median divided by the variant's median at the same workload, size and parameters; efficiency is speedup per worker. Only points whose answer matched the serial reference get either. Shaded rows and hollow markers are oversubscribed (more workers than logical cores). Error bars are bootstrap 95% intervals.</p>\n");

    // Suites.
    out.push_str("<h2 id=\"suites\">Suites</h2>\n");
    for ((suite, size, params), points) in groups(results) {
        let title = if params.is_empty() {
            format!("{suite} · size {size}")
        } else {
            format!("{suite} · size {size} · {params}")
        };
        let n = points.first().map(|p| p.n).unwrap_or(0);
        let _ = writeln!(
            out,
            "<h3>{} <span class=\"note\">(n = {n}, workload {})</span></h3>",
            esc(&title),
            esc(&points[0].workload)
        );
        let series = speedup_series(&points);
        if series.iter().any(|s| !s.points.is_empty()) {
            let svg = WorkersChart {
                title: &format!("{title}: speedup vs workers"),
                y_label: "speedup over serial (×)",
                series: &series,
                cores: m.logical_cores,
                ideal: true,
                width: 900,
                height: 440,
            }
            .render()?;
            let _ = writeln!(out, "<div class=\"chart\">{svg}</div>");
        }
        points_table(&mut out, &points, false);
    }

    // Machine.
    out.push_str("<h2 id=\"machine\">Machine</h2>\n<dl class=\"kv\">\n");
    let mem = m
        .memory_bytes
        .map(|b| format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64))
        .unwrap_or_else(|| "unknown".into());
    let rows: Vec<(&str, String)> = vec![
        ("host", m.hostname.clone()),
        ("fingerprint id", m.id.clone()),
        ("CPU", m.cpu_model.clone()),
        (
            "logical / physical cores",
            format!(
                "{} / {}",
                m.logical_cores,
                m.physical_cores.map_or("unknown".into(), |c| c.to_string())
            ),
        ),
        ("memory", mem),
        (
            "OS / kernel / arch",
            format!("{} / {} / {}", m.os, m.kernel, m.arch),
        ),
        (
            "CPU features used",
            if m.cpu_features.is_empty() {
                "none detected".into()
            } else {
                m.cpu_features.join(", ")
            },
        ),
        (
            "compiler / profile",
            format!("{} / {}", m.rustc, m.build_profile),
        ),
        (
            "load average at start",
            m.load_average.map_or("unknown".into(), |l| {
                format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2])
            }),
        ),
        (
            "CPU governor / MHz",
            format!(
                "{} / {}",
                m.cpu_governor.as_deref().unwrap_or("unknown"),
                m.cpu_mhz.map_or("unknown".into(), |f| format!("{f:.0}"))
            ),
        ),
        (
            "git commit",
            match (&m.git_commit, m.git_dirty) {
                (Some(c), Some(true)) => format!("{c} (with uncommitted changes)"),
                (Some(c), _) => c.clone(),
                (None, _) => "not in a git checkout".into(),
            },
        ),
        (
            "accelerators",
            if m.accelerators.is_empty() {
                "none used".into()
            } else {
                m.accelerators.join("; ")
            },
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    }
    out.push_str("</dl>\n");

    // Config.
    let c = &results.config;
    let _ = writeln!(
        out,
        "<h2 id=\"config\">Config</h2>\n<p class=\"note\">{} · sha256 {}{}{}{}</p>\n<pre>{}</pre>",
        esc(&c.path),
        esc(&c.sha256),
        if c.quick {
            " · <strong>--quick</strong> (shrunk sizes and budgets)"
        } else {
            ""
        },
        if c.suite_filter.is_empty() {
            String::new()
        } else {
            format!(" · suites: {}", esc(&c.suite_filter.join(", ")))
        },
        if c.variant_filter.is_empty() {
            String::new()
        } else {
            format!(" · variants: {}", esc(&c.variant_filter.join(", ")))
        },
        esc(&c.text)
    );

    // Every point.
    out.push_str("<h2 id=\"points\">Every point</h2>\n");
    let all: Vec<&Point> = results.points.iter().collect();
    points_table(&mut out, &all, true);
    out.push_str("<p class=\"note\">Generated by parbench from results.json (schema version ");
    let _ = write!(out, "{}", results.schema_version);
    out.push_str("); the raw samples of every point are in that file.</p>\n</body>\n</html>\n");
    Ok(out)
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
}
