//! The rules a report must keep to tell the truth at a glance (issue 13), checked on a rendered
//! site and the results it came from: no headline or heatmap colour from an oversubscribed,
//! flagged or under-sampled point; no interval printed from fewer than the minimum samples; no
//! Karp-Flatt outside [0, 1] or beyond the cores; every size label the n that ran; no two
//! variant colours of one chart closer than the palette's least perceptual distance. Shared by
//! the fixture test (`reports/tests/site.rs`) and the real `--quick` runs (`tests/report_rules.rs`).

use parbench_reports::palette::{MIN_DELTA_E, RGBColor, delta_e};
use parbench_reports::view::{
    MIN_SAMPLES, ReportView, best_speedup, enough_samples, headline_eligible,
};
use parbench_schema::results::{Point, RunResults, Status};
use std::collections::BTreeSet;
use std::path::Path;

/// The text of an HTML fragment, tags dropped.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").trim().to_string()
}

/// The cells (as text) of every row of every `table.stats` of a page.
fn stats_rows(html: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for table in html.split("<table class=\"stats\">").skip(1) {
        let body = &table[..table.find("</table>").unwrap_or(table.len())];
        for row in body.split("<tr").skip(1) {
            if row.starts_with(" class=\"notes") {
                continue;
            }
            let row = &row[..row.find("</tr>").unwrap_or(row.len())];
            if row.contains("<th") {
                continue;
            }
            let cells: Vec<String> = row
                .split("<td")
                .skip(1)
                .map(|c| {
                    let c = &c[c.find('>').map_or(0, |i| i + 1)..];
                    text(&c[..c.find("</td>").unwrap_or(c.len())])
                })
                .collect();
            rows.push(cells);
        }
    }
    rows
}

/// Numbers after `n = ` in a page's text: exact (`1,000,000`) or abbreviated (`312k`,
/// `3.12M`, with the relative precision its digits carry).
fn size_labels(html: &str) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for part in html.split("n = ").skip(1) {
        let number: String = part
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
            .collect();
        let digits = number.replace(',', "");
        let Ok(v) = digits.trim_end_matches('.').parse::<f64>() else {
            continue;
        };
        let scale = match part[number.len()..].chars().next() {
            Some('k') => 1e3,
            Some('M') => 1e6,
            Some('G') => 1e9,
            _ => 1.0,
        };
        // Three significant digits where abbreviated: within half a unit of the last.
        let tolerance = if scale > 1.0 { 0.006 } else { 0.0 };
        out.push((v * scale, tolerance));
    }
    out
}

fn parse_hex(h: &str) -> Option<RGBColor> {
    let h = h.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let v = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some(RGBColor(v(0)?, v(2)?, v(4)?))
}

/// Every rule violation of the site in `dir` rendered from `results`, as readable lines.
#[expect(
    clippy::too_many_lines,
    reason = "the report rules, one check after another, each with its message"
)]
pub fn check_site(dir: &Path, results: &RunResults) -> Vec<String> {
    let mut violations = Vec::new();
    let view = ReportView::new(results);
    let untrustworthy = |p: &Point| {
        p.oversubscribed
            || !p.derived.flags.is_empty()
            || !enough_samples(p)
            || p.status != Status::Ok
    };

    // Headlines: the run's best, each suite's best and every heatmap cell.
    if let Some(b) = best_speedup(&results.points) {
        if untrustworthy(b.point) || !headline_eligible(b.point) {
            violations.push(format!("the run's headline is {}", b.point.key()));
        }
        let index = std::fs::read_to_string(dir.join("index.html")).unwrap_or_default();
        let ratio = parbench_reports::format::ratio(b.speedup());
        if !index.contains(&format!(
            "Best verified speedup of the run: <strong>{ratio}"
        )) {
            violations.push(format!("index.html does not headline {ratio}"));
        }
    }
    for s in &view.suites {
        for v in &view.variants {
            let of: Vec<&Point> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.variant == *v)
                .collect();
            if let Some(b) = best_speedup(of.iter().copied())
                && untrustworthy(b.point)
            {
                violations.push(format!("heatmap cell from {}", b.point.key()));
            }
        }
    }

    let ns: BTreeSet<u64> = results.points.iter().map(|p| p.n).collect();
    let colours: Vec<RGBColor> = view
        .variants
        .iter()
        .map(|v| view.palette.color(v))
        .collect();
    let pages: Vec<String> = std::iter::once("index.html".to_string())
        .chain(view.suites.iter().map(|s| s.file.clone()))
        .collect();
    for page in &pages {
        let Ok(html) = std::fs::read_to_string(dir.join(page)) else {
            violations.push(format!("{page} missing"));
            continue;
        };
        // Intervals and Karp-Flatt in the statistics tables.
        for row in stats_rows(&html) {
            if row.len() < 11 {
                continue;
            }
            let samples: usize = row[6]
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(usize::MAX);
            if samples < MIN_SAMPLES && (row[4] != "–" || row[5] != "–" || row[8].contains('('))
            {
                violations.push(format!(
                    "{page}: an interval from {samples} samples: {row:?}"
                ));
            }
            let workers: u32 = row[1].trim_end_matches('*').parse().unwrap_or(0);
            let kf = &row[10];
            if kf != "–" {
                let v: f64 = kf.trim_end_matches('%').parse().unwrap_or(f64::NAN);
                if !(0.0..=100.0).contains(&v) || workers > view.cores || workers < 2 {
                    violations.push(format!("{page}: Karp-Flatt {kf} at {workers} workers"));
                }
            }
        }
        // Size labels: the n that ran (the config's own text, in <pre>, aside).
        let mut labelled = String::new();
        for (i, part) in html.split("<pre>").enumerate() {
            labelled.push_str(if i == 0 {
                part
            } else {
                part.split_once("</pre>").map_or("", |(_, rest)| rest)
            });
        }
        for (n, tolerance) in size_labels(&labelled) {
            if !ns
                .iter()
                .any(|m| (*m as f64 - n).abs() <= tolerance * n.max(1.0))
            {
                violations.push(format!("{page}: a size label n = {n} that no point ran"));
            }
        }
        // Colours of one chart.
        for svg in html.split("<svg").skip(1) {
            let svg = &svg[..svg.find("</svg>").unwrap_or(svg.len())];
            let mut used: Vec<RGBColor> = Vec::new();
            for part in svg.split('#').skip(1) {
                if let Some(c) = parse_hex(&format!("#{}", &part[..part.len().min(6)]))
                    && colours.contains(&c)
                    && !used.contains(&c)
                {
                    used.push(c);
                }
            }
            for (i, a) in used.iter().enumerate() {
                for b in &used[i + 1..] {
                    if delta_e(*a, *b) < MIN_DELTA_E {
                        violations.push(format!(
                            "{page}: two variant colours of one chart differ by ΔE {:.1}",
                            delta_e(*a, *b)
                        ));
                    }
                }
            }
        }
    }
    violations
}
