//! How long rendering a report takes: every output format of a 1,000-point results file (50 raw
//! samples per point, built programmatically by the test fixture), in memory and written to a
//! directory. The target is under a second.
//!
//! `cargo bench -p parbench-reports --bench render`

use parbench_test_support::fixture;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use parbench_reports::{Format, render_all, write_reports};
use std::hint::black_box;
use std::time::Duration;

fn render(c: &mut Criterion) {
    let results = fixture::synthetic(1000);
    assert_eq!(results.points.len(), 1000);
    let mut group = c.benchmark_group("render_1000_points");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("all_formats_in_memory", |b| {
        b.iter(|| render_all(black_box(&results), &Format::ALL).unwrap())
    });
    group.bench_function("html_site_in_memory", |b| {
        b.iter(|| render_all(black_box(&results), &[Format::Html]).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    group.bench_function("all_formats_written_to_disk", |b| {
        b.iter(|| write_reports(black_box(&results), dir.path(), &Format::ALL).unwrap())
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
