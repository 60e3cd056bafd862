//! Output-tree checks: the report written into a temporary directory from fixture results has
//! exactly the expected files, every page is self-contained and safe (CSP, no script, no inline
//! style, no network), every link resolves inside the directory, user-supplied markup renders
//! as text in every format, and the CSV files parse back to what was written.

mod fixture;
mod rules;

use parbench_analysis::results_io::ResultsFile;
use parbench_reports::{Format, write_reports};
use parbench_schema::results::{RunResults, Status};
use std::collections::BTreeSet;
use std::path::Path;

/// Parses RFC 4180 CSV (quoted fields with doubled quotes and line breaks).
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
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
    assert!(!quoted, "unterminated quoted field");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `href="…"` values of a page.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

fn render(results: &RunResults) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let written = write_reports(results, dir.path(), &Format::ALL).unwrap();
    let mut names: Vec<String> = written
        .iter()
        .map(|p| {
            assert_eq!(p.parent(), Some(dir.path()), "{} is outside", p.display());
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    (dir, names)
}

#[test]
fn the_site_has_every_file_and_every_page_is_self_contained() {
    let results = fixture::every_workload_shared();
    let (dir, names) = render(results);
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(on_disk, names.iter().cloned().collect(), "no stray files");
    for f in [
        "index.html",
        "results.json",
        "results.csv",
        "samples.csv",
        "summary.md",
        "suite-pi.html",
        "suite-square.html",
        "suite-counter.html",
        "suite-histogram.html",
        "suite-particles.html",
        "suite-stencil.html",
        "suite-mandelbrot.html",
        "suite-matmul.html",
        "suite-contention.html",
    ] {
        assert!(names.contains(&f.to_string()), "{f} missing from {names:?}");
    }
    let suites: BTreeSet<&str> = results.points.iter().map(|p| p.suite.as_str()).collect();
    let pages: Vec<&String> = names.iter().filter(|n| n.ends_with(".html")).collect();
    assert_eq!(pages.len(), suites.len() + 1, "index and a page per suite");

    let csp = parbench_reports::html::content_security_policy();
    for page in &pages {
        let html = read(dir.path(), page);
        assert!(
            html.contains(&format!(
                "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
            )),
            "{page}: CSP"
        );
        assert!(!html.contains("<script"), "{page}: script");
        assert!(!html.contains(" style="), "{page}: inline style attribute");
        let without_namespaces = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !without_namespaces.contains("http://") && !without_namespaces.contains("https://"),
            "{page}: network"
        );
        assert_eq!(
            html.matches("<style>").count(),
            1,
            "{page}: one style block"
        );
        // Every link stays in the directory and its anchor exists.
        for href in hrefs(&html) {
            if href.starts_with("data:") {
                continue;
            }
            let (file, anchor) = href.split_once('#').unwrap_or((&href, ""));
            let file = if file.is_empty() { page.as_str() } else { file };
            assert!(
                parbench_reports::escape::is_safe_file_name(file),
                "{page}: link to {href}"
            );
            let target = dir.path().join(file);
            assert!(target.exists(), "{page}: broken link {href}");
            if !anchor.is_empty() {
                let text = std::fs::read_to_string(&target).unwrap();
                assert!(
                    text.contains(&format!("id=\"{anchor}\"")),
                    "{page}: no #{anchor} in {file}"
                );
            }
        }
    }

    // The overview links every suite page and names every status.
    let index = read(dir.path(), "index.html");
    for page in pages.iter().filter(|p| p.starts_with("suite-")) {
        assert!(
            index.contains(&format!("href=\"{page}\"")),
            "index links {page}"
        );
    }
    for s in ["wrong", "failed", "skipped", "expected-incorrect"] {
        assert!(
            index.contains(&format!("status-{s}")),
            "{s} on the overview"
        );
    }
    assert!(index.contains("panicked while timing: index out of bounds"));
    assert!(index.contains("no OpenCL platform found"));
    assert!(index.contains("Best speedup per suite and variant"));
}

#[test]
fn suite_pages_show_every_chart_the_data_supports() {
    let (dir, _) = render(fixture::every_workload_shared());
    let pi = read(dir.path(), "suite-pi.html");
    for title in [
        "Time vs workers",
        "Speedup vs workers",
        "Parallel efficiency vs workers",
        "Throughput vs workers",
        "Distribution of raw samples",
        "Median time vs problem size",
        "Amdahl fits",
        "Statistics",
        "Where the time goes",
        "Workload metrics",
    ] {
        assert!(pi.contains(title), "pi page lacks {title}");
    }
    // Fitted on 1, 2, 4 and 8 workers of the 8-core fixture machine: a number with an interval.
    assert!(pi.contains("serial fraction f"));
    assert!(pi.contains("dashed, in a variant&apos;s colour: its Amdahl fit"));
    assert!(pi.contains("oversubscribed (&gt; 8 cores)"));
    assert!(pi.contains("hollow: oversubscribed point"));
    // Only one worker count verified: no fit, said plainly.
    let xss = read(dir.path(), "suite-_img_src_x_onerror_alert_1__.html");
    assert!(xss.contains("Not meaningful for"));
    assert!(xss.contains("1 distinct worker count"));
    // The throughput axis carries the workload's unit; the wrong point is crossed out.
    let hist = read(dir.path(), "suite-histogram.html");
    assert!(hist.contains("throughput (GB/s)"));
    assert!(hist.contains("wrong answer (measured, never ranked)"));
    assert!(hist.contains("after timing: 3 of 16 values differ"));
    // Phases of every model render as stacked bars.
    let square = read(dir.path(), "suite-square.html");
    for phase in ["startup", "ipc", "h2d", "kernel", "d2h"] {
        assert!(square.contains(&format!(">\n{phase}\n<")), "phase {phase}");
    }
    let stencil = read(dir.path(), "suite-stencil.html");
    assert!(stencil.contains(">\nexchange\n<"));
    // The OpenCL section: one call with the build, steady state, the table, the size sweep
    // against the CPU with the crossover marked; the overview lists the crossovers.
    for part in [
        "OpenCL: what the device costs",
        "One call with the program built: warm build, copies, kernel",
        "Every further call: copies, kernel, host overhead",
        "build warm",
        "of OpenCL start-up",
        "OpenCL against the CPU over the size sweep",
        "opencl end to end",
        "opencl kernel only",
        "crossover, end to end: n ≈",
    ] {
        assert!(square.contains(part), "square page lacks {part}");
    }
    assert!(!stencil.contains("OpenCL: what the device costs"));
    let matmul = read(dir.path(), "suite-matmul.html");
    assert!(matmul.contains("No OpenCL point was measured and verified: unavailable"));
    let index = read(dir.path(), "index.html");
    assert!(index.contains("OpenCL against the CPU: crossovers"));
    assert!(index.contains("faster from n ≈"));
    let summary = read(dir.path(), "summary.md");
    assert!(summary.contains("## OpenCL against the CPU (crossover)"));
    // No speedup is printed for the wrong point, and expected-incorrect is never ranked.
    let counter = read(dir.path(), "suite-counter.html");
    assert!(counter.contains("incorrect by design; measured, never ranked"));
    assert!(counter.contains("lost_updates"));
    let summary = read(dir.path(), "summary.md");
    assert!(summary.contains("| counter | unsync |") || summary.contains("by design"));
}

#[test]
fn markup_in_user_input_renders_as_text_in_every_format() {
    let results = fixture::every_workload_shared();
    let (dir, names) = render(results);
    let raw = fixture::XSS;
    let escaped_html = "&lt;img src=x onerror=alert(1)&gt;";
    for name in &names {
        let text = read(dir.path(), name);
        if name.ends_with(".html") || name.ends_with(".md") {
            assert!(!text.contains(raw), "{name} holds raw markup");
            assert!(!text.contains("<script>alert"), "{name} holds a raw script");
            assert!(
                !text.contains("<b>boom"),
                "{name} holds raw markup from a reason"
            );
            assert!(
                !text.contains("<svg onload"),
                "{name} holds a raw phase name"
            );
        }
        if name == "index.html" || name == "summary.md" || name.starts_with("suite-_img") {
            assert!(
                text.contains(escaped_html),
                "{name} shows the suite name as text"
            );
        }
    }
    // JSON and CSV hold it as plain data that parses back to the same text.
    let json = RunResults::load(&dir.path().join("results.json")).unwrap();
    assert!(json.points.iter().any(|p| p.suite == raw));
    let csv = parse_csv(&read(dir.path(), "results.csv"));
    assert!(csv.iter().any(|row| row[0] == raw));
    let reason = csv
        .iter()
        .find(|row| row[0] == raw && row[10] == "failed")
        .map(|row| row[11].clone());
    assert_eq!(
        reason.as_deref(),
        Some("<b>boom</b> & \"quotes\" <script>alert(2)</script>")
    );
}

#[test]
fn csv_files_have_one_row_per_point_and_per_sample() {
    let results = fixture::every_workload_shared();
    let (dir, _) = render(results);
    let rows = parse_csv(&read(dir.path(), "results.csv"));
    assert_eq!(rows.len(), results.points.len() + 1);
    let header = &rows[0];
    assert!(rows.iter().all(|r| r.len() == header.len()), "rectangular");
    for col in [
        "suite",
        "median_ns",
        "ci_low_ns",
        "speedup",
        "param:bins",
        "phase:compute:mean_ns",
        "metric:lost_updates",
    ] {
        assert!(header.iter().any(|h| h == col), "{col} column");
    }
    let median = header.iter().position(|h| h == "median_ns").unwrap();
    let status = header.iter().position(|h| h == "status").unwrap();
    for (row, p) in rows[1..].iter().zip(results.points.iter()) {
        assert_eq!(row[status], p.status.to_string());
        match &p.measurement {
            Some(m) => assert_eq!(row[median].parse::<f64>().unwrap(), m.stats.median.0),
            None => assert_eq!(row[median], ""),
        }
    }
    let samples = parse_csv(&read(dir.path(), "samples.csv"));
    let total: usize = results
        .points
        .iter()
        .filter_map(|p| p.measurement.as_ref())
        .map(|m| m.samples_ns.len())
        .sum();
    assert_eq!(samples.len(), total + 1);
    assert!(samples.iter().all(|r| r.len() == 13));
    let first = results.points[0].measurement.as_ref().unwrap();
    assert_eq!(
        samples[1][11].parse::<f64>().unwrap(),
        first.samples_ns[0].0
    );
    assert!(results.points.iter().any(|p| p.status == Status::Skipped));
}

#[test]
fn file_names_from_suite_names_stay_inside_and_never_collide() {
    let mut results = fixture::small();
    let names = ["../../etc/passwd", "a/b", "a_b", "..", "/", "CON"];
    for (p, name) in results.points.iter_mut().zip(names.iter().cycle()) {
        p.suite = name.to_string();
    }
    let (dir, files) = render(&results);
    let pages: Vec<&String> = files.iter().filter(|f| f.starts_with("suite-")).collect();
    let distinct: BTreeSet<&str> = results.points.iter().map(|p| p.suite.as_str()).collect();
    assert_eq!(pages.len(), distinct.len(), "{pages:?}");
    for f in &files {
        assert!(parbench_reports::escape::is_safe_file_name(f), "{f}");
    }
    assert!(!dir.path().parent().unwrap().join("etc").exists());
}

/// Issue 13's rules on the fixture, with a few points given too few samples: no headline from
/// an oversubscribed, flagged or under-sampled point, no interval from fewer than the minimum
/// samples, Karp-Flatt only where meaningful, size labels from the n that ran, distinct colours.
#[test]
fn the_fixture_report_keeps_the_rules() {
    let mut results = fixture::every_workload_shared().clone();
    let mut few = 0;
    for p in results.points.iter_mut().filter(|p| {
        p.status == Status::Ok && p.variant == "threads" && (p.workers == 2 || p.suite == "pi")
    }) {
        if let Some(m) = p.measurement.as_mut() {
            m.stats.n = 3;
            few += 1;
        }
    }
    assert!(few > 3, "the fixture has points to under-sample");
    assert!(
        results.points.iter().any(|p| !p.derived.flags.is_empty()),
        "the fixture has flagged points"
    );
    let (dir, _) = render(&results);
    let violations = rules::check_site(dir.path(), &results);
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    let suite = read(dir.path(), "suite-pi.html");
    assert!(
        suite.contains("no interval or CV"),
        "an under-sampled point says why it has no interval"
    );
    // The rules can fail: a row printing an interval from 3 samples, a Karp-Flatt of 885% and a
    // size no point ran are each caught.
    let at = suite
        .find("<table class=\"stats\">")
        .expect("a statistics table");
    let bad = suite[at..].replacen(
        "<tbody>",
        "<tbody>\n<tr><td>x</td><td class=\"num\">2</td><td>ok</td><td>1 ms</td><td>1.0–1.1 ms</td><td>0.0%</td><td>3 × 1</td><td>0/0</td><td>1.8× (1.7–1.9)</td><td>90%</td><td>885.0%</td><td>–</td><td>–</td></tr>\n<p>n = 7</p>",
        1,
    );
    let bad = format!("{}{bad}", &suite[..at]);
    std::fs::write(dir.path().join("suite-pi.html"), bad).unwrap();
    let caught = rules::check_site(dir.path(), &results);
    for what in ["an interval from 3 samples", "Karp-Flatt 885.0%", "n = 7"] {
        assert!(
            caught.iter().any(|v| v.contains(what)),
            "{what} not caught: {caught:?}"
        );
    }
}
