//! Criterion benches of every built-in workload: its serial kernel and one parallel variant (at
//! as many workers as this machine has logical cores), run through the same `Workload` API
//! parbench uses and verified against the reference before they are timed. The `square` group
//! also times a plain copy loop over arrays of the same size: the bandwidth the serial kernel
//! should approach (it moves the same bytes).
//!
//! `cargo bench` (at the workspace root, or `-p parbench-suites`) runs all, in a couple of
//! minutes; `cargo bench -- pi` runs one group. Throughput is per second of each workload's unit of work (elements are
//! samples, increments, values, particle-steps, cell-updates, pixels or FLOP; bytes for square).

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use parbench_schema::variant::names;
use parbench_suites::workload::{Workload, verify};
use parbench_suites::workloads::{
    counter, histogram, mandelbrot, matmul, particles, pi, square, stencil,
};
use std::time::Duration;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g
}

/// Benches `serial` and `parallel` (at every core) of workload `w` at size `size`.
fn variants(g: &mut BenchmarkGroup<'_, WallTime>, w: &dyn Workload, size: &str, parallel: &str) {
    let info = w.info();
    let problem = info.problem(size, 1).expect("the size exists");
    let reference = w.reference(&problem).expect("reference");
    let work = w.work(&problem) as u64;
    g.throughput(if info.work_unit == "B" {
        Throughput::Bytes(work)
    } else {
        Throughput::Elements(work)
    });
    for (variant, workers) in [(names::SERIAL, 1), (parallel, cores())] {
        let mut e = w.prepare(&problem, variant, workers).expect("prepare");
        e.run().expect("first run");
        if let Err(m) = verify(&reference, &e.answer()) {
            panic!("{} {variant} computes a wrong answer: {m}", info.name);
        }
        g.bench_function(
            BenchmarkId::new(variant, format!("{size}/w{workers}")),
            |b| b.iter(|| e.run().expect("run")),
        );
    }
}

/// A plain copy loop: one read and one write per element, like `square`.
#[inline(never)]
fn copy_loop(x: &[f64], y: &mut [f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y = *x;
    }
}

fn square(c: &mut Criterion) {
    let mut g = group(c, "square");
    let n = square::Square.info().size("M").expect("M").n as usize;
    let x = square::input(n, 1);
    let mut y = vec![0.0; n];
    g.throughput(Throughput::Bytes((n * 16) as u64));
    g.bench_function(BenchmarkId::new("copy-loop", "M"), |b| {
        b.iter(|| copy_loop(&x, &mut y))
    });
    variants(&mut g, &square::Square, "M", names::THREADS);
    g.finish();
}

fn pi(c: &mut Criterion) {
    let mut g = group(c, "pi");
    variants(&mut g, &pi::Pi, "S", names::RAYON);
    g.finish();
}

fn counter(c: &mut Criterion) {
    let mut g = group(c, "counter");
    variants(&mut g, &counter::Counter, "S", names::ATOMIC);
    g.finish();
}

fn histogram(c: &mut Criterion) {
    let mut g = group(c, "histogram");
    variants(&mut g, &histogram::Histogram, "S", names::ATOMIC);
    g.finish();
}

fn particles(c: &mut Criterion) {
    let mut g = group(c, "particles");
    variants(&mut g, &particles::Particles, "S", names::RAYON);
    g.finish();
}

fn stencil(c: &mut Criterion) {
    let mut g = group(c, "stencil");
    variants(&mut g, &stencil::Stencil, "S", names::THREADS);
    g.finish();
}

fn mandelbrot(c: &mut Criterion) {
    let mut g = group(c, "mandelbrot");
    variants(&mut g, &mandelbrot::Mandelbrot, "S", names::RAYON);
    g.finish();
}

fn matmul(c: &mut Criterion) {
    let mut g = group(c, "matmul");
    variants(&mut g, &matmul::Matmul, "M", names::RAYON);
    g.finish();
}

criterion_group!(
    benches, square, pi, counter, histogram, particles, stencil, mandelbrot, matmul
);
criterion_main!(benches);
