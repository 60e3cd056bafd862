//! Snapshot tests (insta) of every exporter on a small fixture, with timings and the figures
//! derived from them filtered out, so a snapshot changes when the output's shape or wording
//! changes, not when a synthetic number moves. SVG bodies are filtered too (the plot module
//! has its own tests; the browser test checks they render).

mod fixture;

use parbench_reports::output::Exporter;
use parbench_reports::{csv::CsvExporter, html::HtmlExporter};
use parbench_reports::{markdown::MarkdownExporter, samples::SamplesExporter};

/// Filters for human-readable outputs: durations, ranges, ratios, percentages, throughputs.
fn text_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"<svg[\s\S]*?</svg>", "[svg]"),
        (r"<style>[\s\S]*?</style>", "<style>[style]</style>"),
        (r"sha256-[A-Za-z0-9+/=]+", "sha256-[hash of the style]"),
        (
            r"\d+(\.\d+)?(–| – )\d+(\.\d+)? ?(ns|µs|ms|s)\b",
            "[time range]",
        ),
        (r"\d+(\.\d+)? (ns|µs|ms|s)\b", "[time]"),
        (r"\d+(\.\d+)? [kMGT]?[^\s<|/]+/s\b", "[throughput]"),
        (r"\d+\.\d+×", "[ratio]"),
        (r"\(\d+\.\d+–\d+\.\d+\)", "([ratio range])"),
        (r"\d+\.\d+%", "[percent]"),
        (r"\d\.\d+e-?\d+", "[number]"),
    ]
}

fn render(exporter: &dyn Exporter, name: &str) -> String {
    exporter
        .render(&fixture::small())
        .unwrap()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name} not rendered"))
        .contents
}

/// Replaces the values of timing columns (and the columns derived from them) of a CSV.
fn redact_csv(text: &str, columns: &[&str]) -> String {
    let rows = site_csv::parse(text);
    let header = rows[0].clone();
    let redact: Vec<bool> = header
        .iter()
        .map(|h| h.ends_with("_ns") || h == "ns" || columns.contains(&h.as_str()))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let fields: Vec<String> = row
            .iter()
            .zip(&redact)
            .map(|(f, r)| {
                if i > 0 && *r && !f.is_empty() {
                    "[t]".to_string()
                } else {
                    parbench_reports::escape::csv_field(f)
                }
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

mod site_csv {
    /// RFC 4180 parsing, as the output-tree test does.
    pub(super) fn parse(text: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut row = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') if field.is_empty() => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\n') => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => field.push(c),
            }
        }
        rows
    }
}

const DERIVED: [&str; 8] = [
    "cv",
    "throughput",
    "speedup",
    "speedup_ci_low",
    "speedup_ci_high",
    "efficiency",
    "karp_flatt",
    "checksum",
];

#[test]
fn results_csv() {
    let csv = redact_csv(&render(&CsvExporter, "results.csv"), &DERIVED);
    insta::assert_snapshot!(csv);
}

#[test]
fn samples_csv() {
    let csv = redact_csv(&render(&SamplesExporter, "samples.csv"), &[]);
    insta::assert_snapshot!(csv);
}

#[test]
fn summary_md() {
    insta::with_settings!({ filters => text_filters() }, {
        insta::assert_snapshot!(render(&MarkdownExporter, "summary.md"));
    });
}

#[test]
fn index_html() {
    insta::with_settings!({ filters => text_filters() }, {
        insta::assert_snapshot!(render(&HtmlExporter, "index.html"));
    });
}

#[test]
fn suite_html() {
    insta::with_settings!({ filters => text_filters() }, {
        insta::assert_snapshot!(render(&HtmlExporter, "suite-pi.html"));
    });
}
