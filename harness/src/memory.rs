//! Resident memory of this process, for the memory figures of a point: current and peak RSS
//! (`VmRSS`, `VmHWM` in `/proc/self/status`) and a reset of the peak (writing `5` to
//! `/proc/self/clear_refs`) so the peak *during one point* can be read. Linux only; elsewhere
//! every figure is `None`, never a guess.

/// `VmRSS` and `VmHWM` of this process, in bytes.
fn status_fields() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|kib| kib * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// This process's resident set size now, in bytes.
pub fn current_rss() -> Option<u64> {
    status_fields().map(|(rss, _)| rss)
}

/// The peak resident set size since start (or since the last reset), in bytes.
pub fn peak_rss() -> Option<u64> {
    status_fields().map(|(_, hwm)| hwm)
}

/// The growth of this process's peak RSS over a stretch of work (one point).
#[derive(Debug, Clone, Copy)]
pub struct PeakWindow {
    start_rss: u64,
}

impl PeakWindow {
    /// Resets the peak to the current RSS and remembers that level. `None` when the kernel does
    /// not allow the reset (then no peak of the window can be known).
    pub fn start() -> Option<PeakWindow> {
        std::fs::write("/proc/self/clear_refs", "5").ok()?;
        let (rss, hwm) = status_fields()?;
        // After a reset VmHWM equals VmRSS (give or take pages touched in between).
        (hwm <= rss + (1 << 20)).then_some(PeakWindow { start_rss: rss })
    }

    /// Bytes by which the peak RSS since [`start`](Self::start) exceeds the RSS at the start:
    /// the extra resident memory the window needed (pages the allocator reused from earlier
    /// frees and that stayed resident are not counted).
    pub fn growth(&self) -> Option<u64> {
        peak_rss().map(|hwm| hwm.saturating_sub(self.start_rss))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_sees_memory_touched_inside_it() {
        let Some(w) = PeakWindow::start() else {
            eprintln!("skipped: /proc/self/clear_refs is not available here");
            return;
        };
        let mut v = vec![0u8; 64 << 20];
        // Touch every page so it becomes resident.
        for i in (0..v.len()).step_by(4096) {
            v[i] = 1;
        }
        std::hint::black_box(&v);
        let grew = w.growth().unwrap();
        drop(v);
        // Other tests run concurrently in this process, so only a lower bound holds.
        assert!(grew >= 60 << 20, "grew {grew}");
        assert!(current_rss().unwrap() > 0);
    }
}
