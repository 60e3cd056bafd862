//! Snapshot tests (insta) of every exporter on a small fixture, with timings and the figures
//! derived from them filtered out, so a snapshot changes when the output's shape or wording
//! changes, not when a synthetic number moves. SVG bodies are filtered too (the plot module
//! has its own tests; the browser test checks they render).

use parbench_test_support::fixture;

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

/// Replaces the values of timing columns (and the columns derived from them) of a CSV: read
/// and written again with the `csv` crate.
fn redact_csv(text: &str, columns: &[&str]) -> String {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let redact: Vec<bool> = header
        .iter()
        .map(|h| h.ends_with("_ns") || h == "ns" || columns.contains(&h))
        .collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        assert_eq!(row.len(), header.len(), "rectangular");
        let fields = row
            .iter()
            .zip(&redact)
            .map(|(f, r)| if *r && !f.is_empty() { "[t]" } else { f });
        writer.write_record(fields).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
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
