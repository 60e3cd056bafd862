//! A small external program that really uses N threads, for command suites
//! (`configs/command.toml`, the CLI tests): `spin --threads N --work W` splits W rounds of an
//! integer hash over N scoped threads (contiguous ranges), joins them and prints
//! `checksum: <16 hex digits>`, the same for every N. Compute-bound, no shared state: it scales.
//!
//! ```sh
//! cargo build --release --example spin
//! target/release/examples/spin --threads 2 --work 200000000
//! ```
//!
//! Options for testing a harness: `--alloc-mib M` allocates M MiB and touches every page before
//! exiting (a known peak RSS), `--exit-code C` exits with status C after printing, `--sleep-ms S`
//! sleeps S ms first. `SPIN_THREADS` in the environment is used when `--threads` is absent.

use std::process::ExitCode;

/// splitmix64's finalizer: a cheap, well-mixed hash of `i`.
fn mix64(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The wrapping sum of `mix64(i)` over `range`: a sum, so any split gives the same total.
fn sum(range: std::ops::Range<u64>) -> u64 {
    range.fold(0u64, |acc, i| acc.wrapping_add(mix64(i)))
}

struct Options {
    threads: usize,
    work: u64,
    alloc_mib: usize,
    exit_code: u8,
    sleep_ms: u64,
}

fn parse() -> anyhow::Result<Options> {
    let mut o = Options {
        threads: std::env::var("SPIN_THREADS")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(1),
        work: 50_000_000,
        alloc_mib: 0,
        exit_code: 0,
        sleep_ms: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        let bad = |e: std::num::ParseIntError| anyhow::anyhow!("{flag} {value}: {e}");
        match flag.as_str() {
            "--threads" => o.threads = value.parse().map_err(bad)?,
            "--work" => o.work = value.parse().map_err(bad)?,
            "--alloc-mib" => o.alloc_mib = value.parse().map_err(bad)?,
            "--exit-code" => o.exit_code = value.parse().map_err(bad)?,
            "--sleep-ms" => o.sleep_ms = value.parse().map_err(bad)?,
            _ => anyhow::bail!("unknown option {flag}"),
        }
    }
    if o.threads == 0 {
        anyhow::bail!("--threads must be at least 1");
    }
    Ok(o)
}

fn main() -> ExitCode {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "spin: {e}\nusage: spin [--threads N] [--work W] [--alloc-mib M] [--exit-code C] [--sleep-ms S]"
            );
            return ExitCode::from(2);
        }
    };
    std::thread::sleep(std::time::Duration::from_millis(o.sleep_ms));
    let n = o.threads as u64;
    let total = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|t| {
                let range = o.work * t / n..o.work * (t + 1) / n;
                s.spawn(move || sum(range))
            })
            .collect();
        handles.into_iter().fold(0u64, |acc, h| {
            acc.wrapping_add(h.join().expect("a worker panicked"))
        })
    });
    if o.alloc_mib > 0 {
        let mut block = vec![0u8; o.alloc_mib << 20];
        for page in block.chunks_mut(4096) {
            page[0] = 1;
        }
        std::hint::black_box(&block);
    }
    println!("threads: {}", o.threads);
    println!("checksum: {total:016x}");
    ExitCode::from(o.exit_code)
}
