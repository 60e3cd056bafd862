//! `parbench list`: every workload with its sizes, parameters and variants, and for each variant
//! whether this machine can run it and, if not, why.

use crate::Outcome;
use crate::cli::{ListArgs, ListFormat};
use parbench_suites::Registry;
use parbench_suites::workload::Availability;
use serde_json::json;

pub(crate) fn list(args: ListArgs) -> anyhow::Result<Outcome> {
    let registry = Registry::builtin();
    match args.format {
        ListFormat::Json => {
            let v: Vec<_> = registry
                .iter()
                .map(|w| {
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
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        ListFormat::Table => {
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
            println!();
            for w in registry.iter() {
                let info = w.info();
                let sizes: Vec<String> = info
                    .sizes
                    .iter()
                    .map(|s| format!("{}={}", s.label, s.n))
                    .collect();
                println!(
                    "{}: {}; n = {} ({}); throughput in {}/s",
                    info.name,
                    info.description,
                    info.size_meaning,
                    sizes.join(", "),
                    info.work_unit
                );
                for p in &info.params {
                    println!(
                        "    param {} (default {}): {}",
                        p.name, p.default, p.description
                    );
                }
            }
        }
    }
    Ok(Outcome::Success)
}
