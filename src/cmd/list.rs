//! `parbench list`: by default a short overview that fits 100 columns (each workload with the
//! variants that run here, and what this machine lacks, with why); with `--full` the workload x
//! variant matrix with the reason for every empty cell, then every workload with its sizes,
//! parameters and variants, and for each variant whether this machine can run it and, if not,
//! why.

use crate::Outcome;
use crate::cli::{ListArgs, ListFormat};
use parbench_suites::Registry;
use parbench_suites::matrix::{Cell, Matrix};
use parbench_suites::opencl::{self, Inventory};
use parbench_suites::workload::Availability;
use serde_json::json;

/// The short mark of a matrix cell in the table.
fn mark(cell: &Cell) -> &'static str {
    match cell {
        Cell::Runs {
            expected_incorrect: false,
        } => "yes",
        Cell::Runs {
            expected_incorrect: true,
        } => "racy",
        Cell::Unavailable { .. } => "no",
        Cell::NotApplicable { .. } => "-",
        Cell::NotImplemented => "?",
    }
}

/// The width the default listing fits in.
const COLUMNS: usize = 100;

/// `text` wrapped at word boundaries into lines of at most [`COLUMNS`] characters, the first
/// starting with `first`, the others with `indent` spaces (a word longer than a line is cut).
fn wrap(first: &str, text: &str, indent: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if !empty && len + 1 + word.chars().count() > COLUMNS {
            lines.push(std::mem::replace(&mut line, " ".repeat(indent)));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    lines.push(line);
    lines
        .into_iter()
        .map(|l| match l.char_indices().nth(COLUMNS) {
            Some((cut, _)) => format!("{}…", &l[..cut - 3]),
            None => l,
        })
        .collect()
}

/// The default listing: each workload with the variants that run here, and what this machine
/// lacks (grouped by reason), in at most [`COLUMNS`] columns.
fn print_overview(matrix: &Matrix) {
    let width = matrix
        .rows
        .iter()
        .map(|r| r.workload.len())
        .max()
        .unwrap_or(0)
        .max("WORKLOAD".len());
    outln!(
        "{:<width$}  VARIANTS THAT RUN HERE (* incorrect by design: measured, never ranked)",
        "WORKLOAD"
    );
    let mut missing: Vec<(String, Vec<&str>, Vec<&str>)> = Vec::new();
    for row in &matrix.rows {
        let mut runs = Vec::new();
        for (col, cell) in matrix.columns.iter().zip(&row.cells) {
            match cell {
                Cell::Runs { expected_incorrect } => runs.push(format!(
                    "{col}{}",
                    if *expected_incorrect { "*" } else { "" }
                )),
                Cell::Unavailable { reason } => {
                    match missing.iter_mut().find(|(r, _, _)| r == reason) {
                        Some((_, variants, workloads)) => {
                            if !variants.contains(col) {
                                variants.push(col);
                            }
                            if !workloads.contains(&row.workload) {
                                workloads.push(row.workload);
                            }
                        }
                        None => missing.push((reason.clone(), vec![col], vec![row.workload])),
                    }
                }
                _ => {}
            }
        }
        let first = format!("{:<width$}  ", row.workload);
        let runs = if runs.is_empty() {
            "(none here)".to_string()
        } else {
            runs.join(" ")
        };
        for line in wrap(&first, &runs, width + 2) {
            outln!("{line}");
        }
    }
    if !missing.is_empty() {
        outln!();
        outln!("Not available on this machine:");
        for (reason, variants, workloads) in &missing {
            let head = format!("  {} ({}): ", variants.join(", "), workloads.join(", "));
            for line in wrap(&head, reason, 4) {
                outln!("{line}");
            }
        }
    }
    outln!();
    for line in wrap(
        "",
        "`parbench list --full`: the whole workload x variant matrix with why each cell is empty, every variant's description, sizes and parameters. `--devices`: the OpenCL devices. `--format json`: all of it.",
        0,
    ) {
        outln!("{line}");
    }
}

/// Prints the matrix, its legend, and why each empty cell is empty (variants sharing a reason
/// are listed together).
fn print_matrix(matrix: &Matrix) {
    let mut rows = vec![
        std::iter::once("WORKLOAD")
            .chain(matrix.columns.iter().copied())
            .map(String::from)
            .collect::<Vec<_>>(),
    ];
    for row in &matrix.rows {
        rows.push(
            std::iter::once(row.workload.to_string())
                .chain(row.cells.iter().map(|c| mark(c).to_string()))
                .collect(),
        );
    }
    crate::summary::print_rows(&rows);
    outln!(
        "yes: runs here; racy: runs, incorrect by design (lost updates), never ranked; -: does not apply to the workload; no: not available on this machine"
    );
    outln!();
    outln!("Why cells are empty:");
    for row in &matrix.rows {
        let mut reasons: Vec<(String, Vec<&str>)> = Vec::new();
        for (col, cell) in matrix.columns.iter().zip(&row.cells) {
            let Some(reason) = cell.reason() else {
                continue;
            };
            let reason = match cell {
                Cell::Unavailable { .. } => format!("not on this machine: {reason}"),
                _ => reason.to_string(),
            };
            match reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, cols)) => cols.push(col),
                None => reasons.push((reason, vec![col])),
            }
        }
        for (reason, cols) in reasons {
            outln!("  {} x {}: {reason}", row.workload, cols.join(", "));
        }
    }
    outln!();
}

/// The OpenCL platforms and devices, which one the OpenCL variants use by default, or why
/// there are none.
fn print_devices() {
    outln!("OpenCL: {}", opencl::build_info());
    let platforms = match opencl::inventory() {
        Inventory::NotBuilt { .. } => return,
        Inventory::Unavailable { reason } => {
            outln!("No OpenCL device: {reason}");
            return;
        }
        Inventory::Platforms { platforms } => platforms,
    };
    let chosen = opencl::selected().ok().map(|d| d.index);
    let mut rows = vec![
        [
            "DEVICE",
            "PLATFORM",
            "NAME",
            "TYPE",
            "COMPUTE UNITS",
            "GLOBAL MEMORY",
            "LOCAL MEMORY",
            "MAX WORK-GROUP",
            "FP64",
            "DRIVER",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for p in platforms {
        for d in &p.devices {
            rows.push(vec![
                format!(
                    "{}{}",
                    d.index,
                    if chosen == Some(d.index) { "*" } else { "" }
                ),
                format!("{} {}", p.index, p.name),
                d.name.clone(),
                d.kind.clone(),
                d.compute_units.to_string(),
                opencl::bytes(d.global_memory_bytes),
                opencl::bytes(d.local_memory_bytes),
                d.max_work_group_size.to_string(),
                if d.fp64 { "yes" } else { "no" }.to_string(),
                d.driver_version.clone(),
            ]);
        }
    }
    crate::summary::print_rows(&rows);
    for p in platforms {
        outln!(
            "platform {}: {} ({}), {}",
            p.index,
            p.name,
            p.vendor,
            p.version
        );
        if let Some(e) = &p.error {
            outln!("  {e}");
        }
    }
    outln!(
        "* the device OpenCL variants use unless `opencl-device` / `opencl-platform` ([defaults] of a config) or --opencl-device / --opencl-platform pick another"
    );
}

fn devices_json() -> serde_json::Value {
    json!({
        "built_with_opencl": opencl::BUILT_WITH_OPENCL,
        "build": opencl::build_info(),
        "inventory": opencl::inventory(),
        "default_device": opencl::selected().ok().map(|d| d.index),
        "unavailable_reason": opencl::selected().err().map(|e| e.to_string()),
    })
}

pub(crate) fn list(args: ListArgs) -> anyhow::Result<Outcome> {
    if args.devices {
        match args.format {
            ListFormat::Json => outln!("{}", serde_json::to_string_pretty(&devices_json())?),
            ListFormat::Table => print_devices(),
        }
        return Ok(Outcome::Success);
    }
    let registry = Registry::builtin();
    let matrix = Matrix::of(&registry);
    match args.format {
        ListFormat::Json => {
            let v = workloads_json(&registry, &matrix);
            outln!("{}", serde_json::to_string_pretty(&v)?);
        }
        ListFormat::Table if !args.full => print_overview(&matrix),
        ListFormat::Table => {
            print_matrix(&matrix);
            print_variants(&registry);
            outln!();
            print_workloads(&registry);
            outln!(
                "command suites: any external program, swept over workers and sizes (`command = [...]` in a [[suite]]; see configs/command.toml)"
            );
            outln!();
            print_devices();
        }
    }
    Ok(Outcome::Success)
}

/// Every workload with its sizes, parameters, variants and matrix row, as JSON.
fn workloads_json(registry: &Registry, matrix: &Matrix) -> Vec<serde_json::Value> {
    registry
        .iter()
        .zip(&matrix.rows)
        .map(|(w, row)| {
            let info = w.info();
            json!({
                "workload": info.name,
                "description": info.description,
                "size_meaning": info.size_meaning,
                "work_unit": info.work_unit,
                "sizes": info.sizes.iter().map(|s| json!({"label": s.label, "n": s.n})).collect::<Vec<_>>(),
                "default_sizes": info.default_sizes,
                "params": info.params.iter().map(|p| json!({"name": p.name, "description": p.description, "default": p.default, "kind": format!("{:?}", p.kind)})).collect::<Vec<_>>(),
                "variants": w.variants().iter().map(|v| json!({
                    "name": v.name,
                    "model": v.model,
                    "sync": v.sync,
                    "description": v.description,
                    "expected_incorrect": v.expected_incorrect,
                    "available": v.is_available(),
                    "reason": match &v.availability { Availability::Available => None, Availability::Unavailable { reason } => Some(reason.clone()) },
                })).collect::<Vec<_>>(),
                "not_applicable": w.not_applicable().iter().map(|n| json!({"variant": n.variant, "reason": n.reason})).collect::<Vec<_>>(),
                "matrix": matrix.columns.iter().zip(&row.cells).map(|(c, cell)| json!({"variant": c, "state": cell.state(), "reason": cell.reason()})).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// A table of every workload's variants: model, synchronisation, availability.
fn print_variants(registry: &Registry) {
    let mut rows = vec![
        [
            "WORKLOAD",
            "VARIANT",
            "MODEL",
            "SYNC",
            "AVAILABLE",
            "DESCRIPTION",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for w in registry.iter() {
        let info = w.info();
        for v in w.variants() {
            let (avail, desc) = match &v.availability {
                Availability::Available if v.expected_incorrect => (
                    "yes".to_string(),
                    format!("{} (incorrect by design)", v.description),
                ),
                Availability::Available => ("yes".to_string(), v.description.to_string()),
                Availability::Unavailable { reason } => ("no".to_string(), reason.clone()),
            };
            rows.push(vec![
                info.name.to_string(),
                v.name.to_string(),
                v.model.to_string(),
                v.sync.to_string(),
                avail,
                desc,
            ]);
        }
    }
    crate::summary::print_rows(&rows);
}

/// Each workload's description, sizes and parameters.
fn print_workloads(registry: &Registry) {
    for w in registry.iter() {
        let info = w.info();
        let sizes: Vec<String> = info
            .sizes
            .iter()
            .map(|s| format!("{}={}", s.label, s.n))
            .collect();
        outln!(
            "{}: {}; n = {} ({}); throughput in {}/s",
            info.name,
            info.description,
            info.size_meaning,
            sizes.join(", "),
            info.work_unit
        );
        for p in &info.params {
            outln!(
                "    param {} (default {}): {}",
                p.name,
                p.default,
                p.description
            );
        }
    }
}
