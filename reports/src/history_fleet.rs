//! The cross-machine page of a history site (`machines.html`): every machine's fingerprint and
//! calibration, and each point measured on more than one machine with every machine's latest
//! verified figure side by side (median, interval, the run's own speedup, and the time relative
//! to the first machine). Kept apart from the trend pages of `history.rs`.

use crate::escape::html as esc;
use crate::format::{ratio, si};
use crate::html::page_head;
use crate::output::OutputFile;
use parbench_history::{HistorySite, MachineInfo};
use parbench_schema::calibration::{BandwidthKind, Calibration};
use std::fmt::Write as _;

/// The name of the cross-machine page.
pub const MACHINES_PAGE: &str = "machines.html";

/// The index's paragraph pointing at the cross-machine page (none when only one machine).
pub fn index_link(site: &HistorySite) -> String {
    if site.machines.len() < 2 {
        return String::new();
    }
    format!(
        "<h2 id=\"across\">Across machines</h2>\n<p><a href=\"{}\">{} machines side by side</a>: {} point{} measured on more than one, with each machine's fingerprint and calibration.</p>\n",
        esc(MACHINES_PAGE),
        site.machines.len(),
        site.cross.len(),
        if site.cross.len() == 1 { "" } else { "s" }
    )
}

/// Copy bandwidth on all cores at the largest working set probed (memory, not cache).
fn memory_copy(c: &Calibration) -> Option<f64> {
    c.bandwidth
        .iter()
        .filter(|b| b.kind == BandwidthKind::Copy && b.threads == c.cores && b.bytes_per_s > 0.0)
        .max_by_key(|b| b.working_set_bytes)
        .map(|b| b.bytes_per_s)
}

/// One machine's fingerprint and calibration cells.
fn machine_row(out: &mut String, m: &MachineInfo) {
    let f = m.fingerprint.as_ref();
    let cores = match f.and_then(|f| f.physical_cores) {
        Some(p) => format!("{} ({p} physical)", m.logical_cores),
        None => m.logical_cores.to_string(),
    };
    let memory = f
        .and_then(|f| f.memory_bytes)
        .map(|b| crate::format::metric(b as f64, "B"))
        .unwrap_or_else(|| "–".into());
    let system = f
        .map(|f| format!("{} {} ({}), {}", f.os, f.kernel, f.arch, f.rustc))
        .unwrap_or_else(|| "–".into());
    let calibration = match f.and_then(|f| f.calibration.as_ref()) {
        Some(c) => format!(
            "{} · FP64 {} per core, {} all cores · copy {} · thread spawn {} <span class=\"note\">(measured {})</span>",
            esc(&c.isa),
            esc(&si(c.fp64_flops_per_core, "FLOP/s")),
            esc(&si(c.fp64_flops_all_cores, "FLOP/s")),
            esc(&memory_copy(c).map_or_else(|| "–".into(), |b| si(b, "B/s"))),
            esc(&parbench_schema::Nanos(c.thread_spawn_ns).to_string()),
            esc(&c.measured_at)
        ),
        None => "<span class=\"note\">not recorded (run <code>parbench calibrate</code> before <code>parbench run</code>)</span>".into(),
    };
    let _ = writeln!(
        out,
        "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
        esc(&m.hostname),
        esc(&m.id),
        esc(&m.cpu_model),
        esc(&cores),
        esc(&memory),
        esc(&system),
        m.runs,
        calibration
    );
}

/// The cross-machine page, when the history holds more than one machine.
pub fn machines_page(site: &HistorySite) -> Option<OutputFile> {
    if site.machines.len() < 2 {
        return None;
    }
    let mut page = page_head("parbench history: across machines");
    let _ = writeln!(
        page,
        "<p class=\"note\"><a href=\"index.html\">← all series</a></p>\n<h1>Across machines</h1>\n<p class=\"sub\">{} machines · database {} · generated {}</p>",
        site.machines.len(),
        esc(&site.database),
        esc(&site.generated_at)
    );
    page.push_str("<h2 id=\"fingerprints\">Machines</h2>\n<table>\n<thead><tr><th>host</th><th>fingerprint id</th><th>CPU</th><th>logical cores</th><th>memory</th><th>system</th><th>runs</th><th>calibration</th></tr></thead>\n<tbody>\n");
    for m in &site.machines {
        machine_row(&mut page, m);
    }
    page.push_str("</tbody>\n</table>\n");

    page.push_str("<h2 id=\"points\">Points side by side</h2>\n");
    if site.cross.is_empty() {
        page.push_str(
            "<p>No point was measured on more than one machine (with the filters given).</p>\n",
        );
    } else {
        // Columns: the machines that appear in any cross point, in the site's machine order.
        let columns: Vec<&MachineInfo> = site
            .machines
            .iter()
            .filter(|m| {
                site.cross
                    .iter()
                    .any(|c| c.machines.iter().any(|f| f.machine_id == m.id))
            })
            .collect();
        page.push_str("<table>\n<thead><tr><th>point</th><th>workload / model</th>");
        for m in &columns {
            let _ = write!(
                page,
                "<th>{} <span class=\"note\">{}</span></th>",
                esc(&m.hostname),
                esc(&m.id.chars().take(8).collect::<String>())
            );
        }
        page.push_str("</tr></thead>\n<tbody>\n");
        for c in &site.cross {
            let _ = write!(
                page,
                "<tr><td><code>{}</code>{}</td><td>{} / {}</td>",
                esc(&c.key.to_string()),
                if c.key.params.is_empty() {
                    String::new()
                } else {
                    format!(" <span class=\"note\">{}</span>", esc(&c.key.params))
                },
                esc(&c.workload),
                esc(&c.model)
            );
            let first = c.machines.first().map(|f| f.median.0);
            for m in &columns {
                match c.machines.iter().find(|f| f.machine_id == m.id) {
                    Some(f) => {
                        let speedup = f
                            .speedup
                            .map(|s| format!(" · speedup {}", ratio(s)))
                            .unwrap_or_default();
                        let relative = match first {
                            Some(base)
                                if base > 0.0 && f.machine_id != c.machines[0].machine_id =>
                            {
                                format!(
                                    " · {} of {}",
                                    ratio(f.median.0 / base),
                                    esc(&c.machines[0].hostname)
                                )
                            }
                            _ => String::new(),
                        };
                        let _ = write!(
                            page,
                            "<td class=\"num\"><strong>{}</strong> <span class=\"note\">({} – {}){}{}<br>n {} · <code>{}</code> · {}</span></td>",
                            f.median,
                            f.ci_low,
                            f.ci_high,
                            esc(&speedup),
                            relative,
                            f.n,
                            esc(&f.label),
                            esc(&f.branch)
                        );
                    }
                    None => page.push_str("<td class=\"num\">–</td>"),
                }
            }
            page.push_str("</tr>\n");
        }
        page.push_str("</tbody>\n</table>\n");
    }
    page.push_str("<p class=\"note\">Each cell is that machine's latest verified (<code>ok</code>) run of the point: its median time per iteration with the 95% interval, the run's own speedup over its baseline where it had one, and its time relative to the first machine's. The commit and branch of that run are shown under it; figures from different commits compare code as well as machines.</p>\n</body>\n</html>\n");
    Some(OutputFile {
        name: MACHINES_PAGE.into(),
        contents: page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parbench_history::{CrossPoint, MachineFigure};
    use parbench_schema::Nanos;
    use parbench_schema::results::PointKey;

    fn machine(id: &str, host: &str) -> MachineInfo {
        MachineInfo {
            id: id.into(),
            hostname: host.into(),
            cpu_model: "CPU <x>".into(),
            logical_cores: 4,
            runs: 1,
            first: "a".into(),
            last: "b".into(),
            fingerprint: None,
        }
    }

    fn figure(id: &str, host: &str, median: f64, speedup: Option<f64>) -> MachineFigure {
        MachineFigure {
            machine_id: id.into(),
            hostname: host.into(),
            branch: "main".into(),
            label: "c1".into(),
            started_at: "t".into(),
            n: 1000,
            median: Nanos(median),
            ci_low: Nanos(median * 0.9),
            ci_high: Nanos(median * 1.1),
            speedup,
        }
    }

    #[test]
    fn machines_side_by_side_escaped() {
        let site = HistorySite {
            database: "postgres://u:***@h/db".into(),
            generated_at: "now".into(),
            runs: 2,
            machines: vec![machine("aaaa1111", "ci-<a>"), machine("bbbb2222", "lab&b")],
            series: vec![],
            cross: vec![CrossPoint {
                key: PointKey {
                    suite: "pi".into(),
                    size: "S".into(),
                    variant: "rayon<script>".into(),
                    workers: 2,
                    params: String::new(),
                },
                workload: "pi".into(),
                model: "rayon".into(),
                machines: vec![
                    figure("aaaa1111", "ci-<a>", 1000.0, Some(1.9)),
                    figure("bbbb2222", "lab&b", 2000.0, None),
                ],
            }],
            method: "m".into(),
        };
        let page = machines_page(&site).unwrap();
        assert_eq!(page.name, MACHINES_PAGE);
        let html = &page.contents;
        assert!(html.contains("ci-&lt;a&gt;") && html.contains("lab&amp;b"));
        assert!(!html.contains("<script"));
        assert!(html.contains("speedup 1.90×"));
        assert!(html.contains("2.00× of ci-&lt;a&gt;"));
        assert!(html.contains("not recorded"));
        assert!(index_link(&site).contains(MACHINES_PAGE));
        let mut one = site.clone();
        one.machines.truncate(1);
        assert!(machines_page(&one).is_none());
        assert!(index_link(&one).is_empty());
    }
}
