//! `mandelbrot`'s kernel: the view, the escape-time iteration and row rendering.
//! Shared by the workload's own variants (`workloads::mandelbrot`) and its backends (processes, OpenCL,
//! MPI), which import it from here.

/// Name of the workload parameter that caps the escape-time iterations per pixel.
pub const MAX_ITER: &str = "max-iter";
/// Default iteration cap per pixel.
pub const DEFAULT_MAX_ITER: i64 = 500;
/// Pixels iterated together in SIMD lanes.
pub const LANES: usize = 8;

/// The rectangle of the complex plane an image covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Real part of the left edge (first column).
    pub re_min: f64,
    /// Real part of the right edge.
    pub re_max: f64,
    /// Imaginary part of the bottom edge.
    pub im_min: f64,
    /// Imaginary part of the top edge.
    pub im_max: f64,
}

/// The view every variant renders: 3.0 wide, 1.5 high, deliberately not symmetric about the
/// real axis so that two equal bands of rows cost very different amounts.
pub const VIEW: View = View {
    re_min: -2.2,
    re_max: 0.8,
    im_min: -0.3,
    im_max: 1.2,
};

/// Image height for a width: half of it (the view is twice as wide as high).
pub fn height_of(width: usize) -> usize {
    (width / 2).max(1)
}

/// The point of pixel (`px`, `py`) in a `width` x `height` image of `view`; row 0 is the top
/// (`im_max`): `re = re_min + px * ((re_max - re_min) / width)`,
/// `im = im_max - py * ((im_max - im_min) / height)`.
#[inline(always)]
pub fn pixel_c(view: &View, width: usize, height: usize, px: usize, py: usize) -> (f64, f64) {
    let dx = (view.re_max - view.re_min) / width as f64;
    let dy = (view.im_max - view.im_min) / height as f64;
    (view.re_min + px as f64 * dx, view.im_max - py as f64 * dy)
}

/// Iterations of `z <- z^2 + c` from `z = 0` before `|z|^2 > 4`, at most `max_iter`. Each
/// iteration: `x2 = x*x; y2 = y*y; if x2 + y2 > 4 stop; y = (2*x)*y + cy; x = (x2 - y2) + cx`.
#[inline(always)]
pub fn escape_time(cx: f64, cy: f64, max_iter: u32) -> u32 {
    let (mut x, mut y, mut i) = (0.0f64, 0.0f64, 0u32);
    while i < max_iter {
        if i > 0 && i.is_multiple_of(POLL_ITERS) && parbench_harness::cancel::requested() {
            break;
        }
        let (x2, y2) = (x * x, y * y);
        if x2 + y2 > 4.0 {
            break;
        }
        y = 2.0 * x * y + cy;
        x = x2 - y2 + cx;
        i += 1;
    }
    i
}

/// Escape counts of [`LANES`] pixels of one row: every lane iterates until all have escaped; an
/// escaped lane keeps its last `z` and stops counting, so each count equals [`escape_time`].
#[inline(always)]
pub(crate) fn escape_lanes(cx: &[f64; LANES], cy: f64, max_iter: u32) -> [u32; LANES] {
    let mut x = [0.0f64; LANES];
    let mut y = [0.0f64; LANES];
    let mut count = [0u32; LANES];
    // In rounds of POLL_ITERS iterations, polling for cancellation between them: one block of a
    // huge `max-iter` would otherwise run for seconds.
    let mut left = max_iter;
    while left > 0 {
        if parbench_harness::cancel::requested() {
            break;
        }
        let round = left.min(POLL_ITERS);
        left -= round;
        if !escape_round(&mut x, &mut y, &mut count, cx, cy, round) {
            break;
        }
    }
    count
}

/// Escape iterations between two polls for cancellation.
const POLL_ITERS: u32 = 1 << 16;

/// `rounds` iterations of the lanes; false once every lane escaped.
#[inline(always)]
fn escape_round(
    x: &mut [f64; LANES],
    y: &mut [f64; LANES],
    count: &mut [u32; LANES],
    cx: &[f64; LANES],
    cy: f64,
    rounds: u32,
) -> bool {
    for _ in 0..rounds {
        let mut any = false;
        for l in 0..LANES {
            let (x2, y2) = (x[l] * x[l], y[l] * y[l]);
            let inside = x2 + y2 <= 4.0;
            let ny = 2.0 * x[l] * y[l] + cy;
            let nx = x2 - y2 + cx[l];
            x[l] = if inside { nx } else { x[l] };
            y[l] = if inside { ny } else { y[l] };
            count[l] += inside as u32;
            any |= inside;
        }
        if !any {
            return false;
        }
    }
    true
}

crate::multiversion! {
    /// Renders row `py` of a `width` x `height` image into `out` (`width` counts), vectorized
    /// for this CPU.
    pub fn render_row(view: &View, width: usize, height: usize, py: usize, max_iter: u32, out: &mut [u32]) {
        render_row_inline(view, width, height, py, max_iter, out)
    }
}

#[inline(always)]
fn render_row_inline(
    view: &View,
    width: usize,
    height: usize,
    py: usize,
    max_iter: u32,
    out: &mut [u32],
) {
    let cy = pixel_c(view, width, height, 0, py).1;
    let full = width - width % LANES;
    for (b, chunk) in out[..full].chunks_exact_mut(LANES).enumerate() {
        // Cancellation (timeout, Ctrl-C) is polled per block of pixels; the row is left as is.
        if parbench_harness::cancel::requested() {
            return;
        }
        let cx: [f64; LANES] =
            std::array::from_fn(|l| pixel_c(view, width, height, b * LANES + l, py).0);
        chunk.copy_from_slice(&escape_lanes(&cx, cy, max_iter));
    }
    for (px, o) in out.iter_mut().enumerate().skip(full) {
        *o = escape_time(pixel_c(view, width, height, px, py).0, cy, max_iter);
    }
}

/// Renders rows `rows` into `out` (their counts, row after row).
pub fn render_rows(
    view: &View,
    width: usize,
    height: usize,
    rows: std::ops::Range<usize>,
    max_iter: u32,
    out: &mut [u32],
) {
    for (py, row) in rows.zip(out.chunks_exact_mut(width)) {
        render_row(view, width, height, py, max_iter, row);
    }
}
