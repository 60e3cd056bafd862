//! Where does a memory-bound figure's variation come from? Times `square`'s kernel (the one
//! every variant runs) in blocks of samples, three ways, in one process:
//!
//! - `same buffers`: one allocation, measured block after block (drift over time only);
//! - `fresh buffers`: a new allocation per block (memory placement, first touch);
//! - `fresh + huge pages`: a new 2 MiB-aligned allocation per block with `MADV_HUGEPAGE`
//!   (transparent huge pages where the kernel grants them).
//!
//! For each it prints the spread of the blocks' medians and the typical spread inside a block.
//! Run it in several processes to see the variation between processes too:
//!
//! ```sh
//! cargo run --release --example placement            # n = 2,000,000 (square S), 20 blocks
//! cargo run --release --example placement -- 16000000 12
//! ```
//! docs/variance.md quotes its figures.

use parbench_suites::workloads::square::{fill_input, square_into};
use std::time::Instant;

mod buffer {
    //! A 2 MiB-aligned f64 buffer, optionally advised to use transparent huge pages.
    use std::alloc::{Layout, alloc_zeroed, dealloc};

    pub(crate) struct Buffer {
        ptr: *mut f64,
        len: usize,
        layout: Layout,
    }

    impl Buffer {
        pub(crate) fn new(len: usize, huge: bool) -> Buffer {
            let layout = Layout::from_size_align(len * 8, 2 << 20).expect("a valid layout");
            // SAFETY: the layout has a non-zero size (len > 0 is checked by the caller).
            let ptr = unsafe { alloc_zeroed(layout) }.cast::<f64>();
            assert!(!ptr.is_null(), "allocation failed");
            if huge {
                // SAFETY: the range is the allocation just made, page-aligned (2 MiB).
                unsafe { libc::madvise(ptr.cast(), len * 8, libc::MADV_HUGEPAGE) };
            }
            Buffer { ptr, len, layout }
        }

        pub(crate) fn slice(&mut self) -> &mut [f64] {
            // SAFETY: ptr points to len zero-initialized f64 owned by self.
            unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
        }
    }

    impl Drop for Buffer {
        fn drop(&mut self) {
            // SAFETY: allocated in `new` with this layout.
            unsafe { dealloc(self.ptr.cast(), self.layout) };
        }
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Times `samples` iterations of the kernel on `x`, `y` after a short warm-up: (median ns,
/// relative spread (max-min)/median inside the block).
fn block(x: &[f64], y: &mut [f64], samples: usize) -> (f64, f64) {
    for _ in 0..3 {
        square_into(x, y);
    }
    let mut t: Vec<f64> = (0..samples)
        .map(|_| {
            let s = Instant::now();
            square_into(x, y);
            std::hint::black_box(&y);
            s.elapsed().as_nanos() as f64
        })
        .collect();
    let m = median(&mut t);
    (m, (t[t.len() - 1] - t[0]) / m)
}

fn summarize(name: &str, blocks: &[(f64, f64)]) {
    let mut medians: Vec<f64> = blocks.iter().map(|b| b.0).collect();
    let mut inside: Vec<f64> = blocks.iter().map(|b| b.1).collect();
    let mean = medians.iter().sum::<f64>() / medians.len() as f64;
    let sd = (medians.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (medians.len() - 1) as f64)
        .sqrt();
    let mid = median(&mut medians);
    println!(
        "{name:<20} block medians {:>8.1} .. {:>8.1} µs (median {:>8.1}, CV {:>5.1}%)   typical spread inside a block {:>5.1}%",
        medians[0] / 1e3,
        medians[medians.len() - 1] / 1e3,
        mid / 1e3,
        100.0 * sd / mean,
        100.0 * median(&mut inside)
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let blocks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    assert!(n > 0 && blocks >= 2);
    let samples = 15;
    println!(
        "square kernel, n = {n} ({} MiB per array), {blocks} blocks of {samples} samples",
        (n * 8) >> 20
    );

    let mut x = buffer::Buffer::new(n, false);
    let mut y = buffer::Buffer::new(n, false);
    fill_input(x.slice(), 1);
    let same: Vec<(f64, f64)> = (0..blocks)
        .map(|_| block(x.slice(), y.slice(), samples))
        .collect();
    drop((x, y));
    summarize("same buffers", &same);

    for (name, huge) in [("fresh buffers", false), ("fresh + huge pages", true)] {
        let results: Vec<(f64, f64)> = (0..blocks)
            .map(|_| {
                let mut x = buffer::Buffer::new(n, huge);
                let mut y = buffer::Buffer::new(n, huge);
                fill_input(x.slice(), 1);
                block(x.slice(), y.slice(), samples)
            })
            .collect();
        summarize(name, &results);
    }
    if let Ok(thp) = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled") {
        println!("transparent huge pages: {}", thp.trim());
    }
}
