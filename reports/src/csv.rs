//! `results.csv`: one row per point, for spreadsheets and data frames. Fixed columns first
//! (identity, status, statistics in ns, throughput, derived figures: the fields of [`ResultRow`],
//! whose names are the header), then one column per parameter, phase and metric that occurs in
//! the run. Written by the `csv` crate (quoting per RFC 4180); every text cell goes through
//! [`Text`], which neutralises spreadsheet formulas.

use crate::escape::csv_text;
use crate::output::{CsvError, Exporter, OutputFile, ReportError};
use parbench_schema::results::{Point, RunResults, StopReason};
use serde::{Serialize, Serializer};

/// Writes `results.csv` (see the module documentation).
#[derive(Debug, Default)]
pub struct CsvExporter;

/// A text cell: written as it is, except text a spreadsheet would run as a formula, which gets
/// a leading `'` (see [`csv_text`]).
#[derive(Debug, Default, Clone)]
pub struct Text<S>(pub S);

impl<S: AsRef<str>> Serialize for Text<S> {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.serialize_str(&csv_text(self.0.as_ref()))
    }
}

/// The fixed columns of `results.csv`, in order; a field's name is its column's name. Empty
/// cells (`None`) where a point has no measurement.
#[derive(Debug, Default, Serialize)]
pub struct ResultRow<'a> {
    /// Suite name from the config.
    pub suite: Text<&'a str>,
    /// The workload the suite runs.
    pub workload: Text<&'a str>,
    /// Size label.
    pub size: Text<&'a str>,
    /// The problem size the label stands for.
    pub n: u64,
    /// Parameters the variant reads, `k=v,k=v`.
    pub params: Text<String>,
    /// Variant name.
    pub variant: Text<&'a str>,
    /// Execution model (`serial`, `threads`, `rayon`, `processes`, …).
    pub model: Text<String>,
    /// Synchronization kind (`none`, `mutex`, `atomic`, …).
    pub sync: Text<String>,
    /// Threads, processes or ranks used.
    pub workers: u32,
    /// More workers than logical cores.
    pub oversubscribed: bool,
    /// `ok`, `wrong`, `failed`, `skipped` or `expected-incorrect`.
    pub status: Text<String>,
    /// Why, for every status but `ok` (empty for `ok`).
    pub reason: Text<&'a str>,
    /// Samples taken over all repetitions.
    pub samples: Option<usize>,
    /// Iterations per sample.
    pub iters_per_sample: Option<u64>,
    /// Median time per iteration, ns.
    pub median_ns: Option<f64>,
    /// Mean time per iteration, ns.
    pub mean_ns: Option<f64>,
    /// Sample standard deviation, ns.
    pub stddev_ns: Option<f64>,
    /// Median absolute deviation (× 1.4826), ns.
    pub mad_ns: Option<f64>,
    /// Fastest sample, ns.
    pub min_ns: Option<f64>,
    /// Slowest sample, ns.
    pub max_ns: Option<f64>,
    /// Coefficient of variation (stddev / mean), a fraction.
    pub cv: Option<f64>,
    /// Lower end of the rerun interval of the median, ns.
    pub ci_low_ns: Option<f64>,
    /// Upper end of that interval, ns.
    pub ci_high_ns: Option<f64>,
    /// Confidence level of the interval (0.95).
    pub ci_level: Option<f64>,
    /// Low outliers, mild and severe (Tukey fences).
    pub outliers_low: Option<usize>,
    /// High outliers, mild and severe.
    pub outliers_high: Option<usize>,
    /// `target-ci`, `budget` or `max-samples`.
    pub stop_reason: Option<&'static str>,
    /// The first (cold) iteration, ns.
    pub first_iteration_ns: Option<f64>,
    /// Work per second at the median.
    pub throughput: Option<f64>,
    /// Unit of `throughput` (`B/s`, `samples/s`, …).
    pub throughput_unit: Text<&'a str>,
    /// What the speedup is against (`serial`, `<variant> at 1 worker`); empty without one.
    pub baseline: Text<&'a str>,
    /// Baseline median / this median.
    pub speedup: Option<f64>,
    /// Lower end of the speedup's 95% interval.
    pub speedup_ci_low: Option<f64>,
    /// Upper end of the speedup's 95% interval.
    pub speedup_ci_high: Option<f64>,
    /// Speedup / workers (empty for OpenCL points).
    pub efficiency: Option<f64>,
    /// Karp-Flatt serial fraction.
    pub karp_flatt: Option<f64>,
    /// Hex digest of every answer produced while timing.
    pub checksum: Text<&'a str>,
    /// The point's warnings, joined with `; `.
    pub warnings: Text<String>,
}

impl<'a> ResultRow<'a> {
    /// The fixed columns of one point.
    pub fn of(p: &'a Point) -> ResultRow<'a> {
        let m = p.measurement.as_ref();
        let s = m.map(|m| &m.stats);
        let d = &p.derived;
        ResultRow {
            suite: Text(&p.suite),
            workload: Text(&p.workload),
            size: Text(&p.size),
            n: p.n,
            params: Text(p.params_label()),
            variant: Text(&p.variant),
            model: Text(p.model.to_string()),
            sync: Text(p.sync.to_string()),
            workers: p.workers,
            oversubscribed: p.oversubscribed,
            status: Text(p.status.to_string()),
            reason: Text(p.reason.as_deref().unwrap_or_default()),
            samples: s.map(|s| s.n),
            iters_per_sample: m.map(|m| m.iters_per_sample),
            median_ns: s.map(|s| s.median.0),
            mean_ns: s.map(|s| s.mean.0),
            stddev_ns: s.map(|s| s.stddev.0),
            mad_ns: s.map(|s| s.mad.0),
            min_ns: s.map(|s| s.min.0),
            max_ns: s.map(|s| s.max.0),
            cv: s.map(|s| s.cv),
            ci_low_ns: s.map(|s| s.ci_low.0),
            ci_high_ns: s.map(|s| s.ci_high.0),
            ci_level: s.map(|s| s.ci_level),
            outliers_low: s.map(|s| s.outliers.low_mild + s.outliers.low_severe),
            outliers_high: s.map(|s| s.outliers.high_mild + s.outliers.high_severe),
            stop_reason: m.map(|m| match m.stop_reason {
                StopReason::TargetCi => "target-ci",
                StopReason::Budget => "budget",
                StopReason::MaxSamples => "max-samples",
            }),
            first_iteration_ns: m.map(|m| m.first_iteration_ns.0),
            throughput: p.throughput.as_ref().map(|t| t.value),
            throughput_unit: Text(p.throughput.as_ref().map_or("", |t| t.unit.as_str())),
            baseline: Text(d.baseline.as_deref().unwrap_or_default()),
            speedup: d.speedup,
            speedup_ci_low: d.speedup_ci.map(|c| c[0]),
            speedup_ci_high: d.speedup_ci.map(|c| c[1]),
            efficiency: d.efficiency,
            karp_flatt: d.karp_flatt,
            checksum: Text(m.map_or("", |m| m.checksum.as_str())),
            warnings: Text(p.warnings.join("; ")),
        }
    }
}

/// A cell of the varying part of a row (one column per parameter, phase and metric of the run):
/// a number, or text; empty where a point does not have it.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Cell {
    Number(Option<f64>),
    Text(Option<Text<String>>),
}

/// The header of a file whose rows are `T` (the names of its fields, in order), as the `csv`
/// crate writes it before the first row.
pub(crate) fn header_of<T: Serialize + Default>() -> Result<::csv::StringRecord, ::csv::Error> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.serialize(T::default())?;
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    let mut r = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    let header = r.records().next().transpose()?;
    Ok(header.unwrap_or_default())
}

/// A CSV writer into memory with the header written: `T`'s fields, then `extra` columns. Rows
/// are then written with `serialize` (headers off: the header is already there).
pub(crate) fn writer_with_header<T: Serialize + Default>(
    extra: impl IntoIterator<Item = String>,
) -> Result<::csv::Writer<Vec<u8>>, ::csv::Error> {
    let mut header = header_of::<T>()?;
    for name in extra {
        header.push_field(&csv_text(&name));
    }
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(&header)?;
    Ok(w)
}

/// The text written so far.
pub(crate) fn finish(w: ::csv::Writer<Vec<u8>>) -> Result<String, ::csv::Error> {
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    // Every cell is a Rust string: the bytes are UTF-8.
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 cells is UTF-8"))
}

/// Names in order of first appearance across points.
fn union<'a>(points: &'a [Point], names: impl Fn(&'a Point) -> Vec<&'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for p in points {
        for n in names(p) {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

fn render(results: &RunResults) -> Result<String, ::csv::Error> {
    let points = &results.points;
    let params = union(points, |p| p.params.keys().map(String::as_str).collect());
    let phases = union(points, |p| {
        p.phases.iter().map(|ph| ph.name.as_str()).collect()
    });
    let metrics = union(points, |p| p.metrics.keys().map(String::as_str).collect());
    let varying = params
        .iter()
        .map(|n| format!("param:{n}"))
        .chain(phases.iter().map(|n| format!("phase:{n}:mean_ns")))
        .chain(
            metrics
                .iter()
                .flat_map(|n| [format!("metric:{n}"), format!("metric:{n}:unit")]),
        );
    let mut w = writer_with_header::<ResultRow>(varying)?;
    for p in points {
        let mut cells = Vec::new();
        for n in &params {
            cells.push(Cell::Text(p.params.get(*n).map(|v| Text(v.to_string()))));
        }
        for n in &phases {
            let phase = p.phases.iter().find(|ph| ph.name == *n);
            cells.push(Cell::Number(phase.map(|ph| ph.mean.0)));
        }
        for n in &metrics {
            let metric = p.metrics.get(*n);
            cells.push(Cell::Number(metric.map(|m| m.value)));
            cells.push(Cell::Text(metric.map(|m| Text(m.unit.clone()))));
        }
        w.serialize((ResultRow::of(p), cells))?;
    }
    finish(w)
}

impl Exporter for CsvExporter {
    fn render(&self, results: &RunResults) -> Result<Vec<OutputFile>, ReportError> {
        let contents = render(results).map_err(|source| CsvError {
            file: "results.csv",
            source,
        })?;
        Ok(vec![OutputFile {
            name: "results.csv".into(),
            contents,
        }])
    }
}
