//! The cross-machine page of a history site (`machines.html`): every machine's fingerprint and
//! calibration, and each point measured on more than one machine with every machine's latest
//! verified figure side by side (median, interval, the run's own speedup, and the time relative
//! to the first machine). Kept apart from the trend pages of `history.rs`.

use crate::format::{ratio, si};
use crate::html::page;
use crate::output::OutputFile;
use maud::{Markup, html};
use parbench_history::{CrossPoint, HistorySite, MachineFigure, MachineInfo};
use parbench_schema::calibration::{BandwidthKind, Calibration};

/// The name of the cross-machine page.
pub const MACHINES_PAGE: &str = "machines.html";

/// The index's paragraph pointing at the cross-machine page (none when only one machine).
pub fn index_link(site: &HistorySite) -> Markup {
    if site.machines.len() < 2 {
        return html! {};
    }
    html! {
        h2 #across { "Across machines" } "\n"
        p {
            a href=(MACHINES_PAGE) { (site.machines.len()) " machines side by side" } ": "
            (site.cross.len()) " point" @if site.cross.len() != 1 { "s" }
            " measured on more than one, with each machine's fingerprint and calibration."
        } "\n"
    }
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
fn machine_row(m: &MachineInfo) -> Markup {
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
        Some(c) => html! {
            (c.isa) " · FP64 " (si(c.fp64_flops_per_core, "FLOP/s")) " per core, "
            (si(c.fp64_flops_all_cores, "FLOP/s")) " all cores · copy "
            (memory_copy(c).map_or_else(|| "–".into(), |b| si(b, "B/s"))) " · thread spawn "
            (parbench_schema::Nanos(c.thread_spawn_ns)) " "
            span.note { "(measured " (c.measured_at) ")" }
        },
        None => html! {
            span.note {
                "not recorded (run " code { "parbench calibrate" } " before "
                code { "parbench run" } ")"
            }
        },
    };
    html! {
        tr {
            td { (m.hostname) }
            td { code { (m.id) } }
            td { (m.cpu_model) }
            td.num { (cores) }
            td.num { (memory) }
            td { (system) }
            td.num { (m.runs) }
            td { (calibration) }
        } "\n"
    }
}

/// One machine's cell of a cross point: its median, interval, own speedup and time relative
/// to the first machine, with the commit and branch of the run.
fn figure_cell(c: &CrossPoint, f: &MachineFigure) -> Markup {
    let first = &c.machines[0];
    let relative = (first.median.0 > 0.0 && f.machine_id != first.machine_id)
        .then(|| ratio(f.median.0 / first.median.0));
    html! {
        td.num {
            strong { (f.median) } " "
            span.note {
                "(" (f.ci_low) " – " (f.ci_high) ")"
                @if let Some(s) = f.speedup { " · speedup " (ratio(s)) }
                @if let Some(r) = relative { " · " (r) " of " (first.hostname) }
                br;
                "n " (f.n) " · " code { (f.label) } " · " (f.branch)
            }
        }
    }
}

/// The table of points measured on more than one machine, one column per machine.
fn cross_table(site: &HistorySite) -> Markup {
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
    html! {
        table {
            "\n"
            thead { tr {
                th { "point" } th { "workload / model" }
                @for m in &columns {
                    th { (m.hostname) " " span.note { (m.id.chars().take(8).collect::<String>()) } }
                }
            } } "\n"
            tbody {
                "\n"
                @for c in &site.cross {
                    tr {
                        td {
                            code { (c.key) }
                            @if !c.key.params.is_empty() { " " span.note { (c.key.params) } }
                        }
                        td { (c.workload) " / " (c.model) }
                        @for m in &columns {
                            @match c.machines.iter().find(|f| f.machine_id == m.id) {
                                Some(f) => (figure_cell(c, f)),
                                None => td.num { "–" },
                            }
                        }
                    } "\n"
                }
            } "\n"
        } "\n"
    }
}

/// The cross-machine page, when the history holds more than one machine.
pub fn machines_page(site: &HistorySite) -> Option<OutputFile> {
    if site.machines.len() < 2 {
        return None;
    }
    let body = html! {
        p.note { a href="index.html" { "← all series" } } "\n"
        h1 { "Across machines" } "\n"
        p.sub {
            (site.machines.len()) " machines · database " (site.database) " · generated "
            (site.generated_at)
        } "\n"
        h2 #fingerprints { "Machines" } "\n"
        table {
            "\n"
            thead { tr {
                th { "host" } th { "fingerprint id" } th { "CPU" } th { "logical cores" }
                th { "memory" } th { "system" } th { "runs" } th { "calibration" }
            } } "\n"
            tbody {
                "\n"
                @for m in &site.machines { (machine_row(m)) }
            } "\n"
        } "\n"
        h2 #points { "Points side by side" } "\n"
        @if site.cross.is_empty() {
            p { "No point was measured on more than one machine (with the filters given)." } "\n"
        } @else {
            (cross_table(site))
        }
        p.note {
            "Each cell is that machine's latest verified (" code { "ok" } ") run of the point: its median time per iteration with the 95% interval, the run's own speedup over its baseline where it had one, and its time relative to the first machine's. The commit and branch of that run are shown under it; figures from different commits compare code as well as machines."
        } "\n"
    };
    Some(OutputFile {
        name: MACHINES_PAGE.into(),
        contents: page("parbench history: across machines", body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
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
            machines: vec![
                machine("aaaa1111", "ci-<a>"),
                machine("bbbb2222", "lab&b"),
                machine("cccc3333", "<script>alert(1)</script>"),
            ],
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
                    figure("cccc3333", "<script>alert(1)</script>", 500.0, Some(4.0)),
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
        // The machine name as text in the fingerprint table, the column head and nowhere as markup.
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
        assert!(html.contains(&format!("<tr><td>{escaped}</td>")), "{html}");
        assert!(html.contains(&format!("<th>{escaped} <span")), "{html}");
        assert!(html.contains("0.50× of ci-&lt;a&gt;"));
        assert!(index_link(&site).into_string().contains(MACHINES_PAGE));
        assert!(
            index_link(&site)
                .into_string()
                .contains("3 machines side by side")
        );
        let mut one = site.clone();
        one.machines.truncate(1);
        assert!(machines_page(&one).is_none());
        assert!(index_link(&one).into_string().is_empty());
    }
}
