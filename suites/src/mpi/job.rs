//! What the ranks of an MPI job compute: the [`JobSpec`] parbench hands every rank on its
//! command line (a plain type of [`crate::hooks`], re-exported here), the per-workload jobs built from a problem ([`pi`], [`square`], [`stencil`]),
//! and, in the rank processes, their code on top of the kernels (`crate::kernels`).

pub use crate::hooks::{JobKind, JobSpec, RankFault};
use crate::workload::{Problem, WorkloadError};
use serde::{Deserialize, Serialize};

impl RankFault {
    /// The fault [`super::FAULT_ENV`] asks for, if any.
    pub fn from_env() -> Result<Option<RankFault>, WorkloadError> {
        let Some(v) = std::env::var_os(super::FAULT_ENV) else {
            return Ok(None);
        };
        let v = v.to_string_lossy();
        let bad = || {
            WorkloadError::new(format!(
                "{}: expected crash:RANK, hang:RANK or wrong:RANK, found `{v}`",
                super::FAULT_ENV
            ))
        };
        let (kind, rank) = v.split_once(':').ok_or_else(bad)?;
        let rank: usize = rank.parse().map_err(|_| bad())?;
        Ok(Some(match kind {
            "crash" => RankFault::Crash(rank),
            "hang" => RankFault::Hang(rank),
            "wrong" => RankFault::Wrong(rank),
            _ => return Err(bad()),
        }))
    }
}

/// `pi`'s MPI job.
pub fn pi(problem: &Problem) -> Result<JobSpec, WorkloadError> {
    Ok(JobSpec {
        kind: JobKind::Pi,
        n: problem.n,
        seed: problem.seed,
        steps: 0,
        fault: None,
    })
}

/// `square`'s MPI job.
pub fn square(problem: &Problem) -> Result<JobSpec, WorkloadError> {
    i32::try_from(problem.n).map_err(|_| {
        WorkloadError::new(format!(
            "square's mpi variant scatters at most {} elements (MPI's int counts), found {}",
            i32::MAX,
            problem.n
        ))
    })?;
    Ok(JobSpec {
        kind: JobKind::Square,
        n: problem.n,
        seed: problem.seed,
        steps: 0,
        fault: None,
    })
}

/// `stencil`'s MPI job.
pub fn stencil(problem: &Problem) -> Result<JobSpec, WorkloadError> {
    let steps = problem
        .int(crate::kernels::stencil::STEPS)?
        .clamp(1, u32::MAX as i64) as u32;
    if problem.n < 3 || problem.n > 1 << 20 {
        return Err(WorkloadError::new(format!(
            "stencil's mpi variant needs a grid side from 3 to {}, found {}",
            1 << 20,
            problem.n
        )));
    }
    Ok(JobSpec {
        kind: JobKind::Stencil,
        n: problem.n,
        seed: problem.seed,
        steps,
        fault: None,
    })
}

/// An answer as rank 0 sends it: exact integers, or f64 values as the hex of their
/// little-endian bytes (bit-exact, compact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub enum WireAnswer {
    /// Integer results (counts), sent as they are.
    Exact(Vec<u64>),
    /// f64 results, 16 hex digits per value (see [`WireAnswer::from_f64`]).
    F64Hex(String),
}

impl WireAnswer {
    /// `values` as hex.
    pub fn from_f64(values: &[f64]) -> WireAnswer {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = Vec::with_capacity(values.len() * 16);
        for v in values {
            for b in v.to_le_bytes() {
                s.push(HEX[(b >> 4) as usize]);
                s.push(HEX[(b & 15) as usize]);
            }
        }
        WireAnswer::F64Hex(String::from_utf8(s).expect("hex digits"))
    }

    /// The f64 values of an [`F64Hex`](WireAnswer::F64Hex) answer.
    pub fn decode_f64(hex: &str) -> Result<Vec<f64>, DecodeError> {
        let b = hex.as_bytes();
        if !b.len().is_multiple_of(16) {
            return Err(DecodeError::Length(b.len()));
        }
        let digit = |c: u8| -> Result<u8, DecodeError> {
            (c as char)
                .to_digit(16)
                .map(|d| d as u8)
                .ok_or(DecodeError::Digit(c as char))
        };
        b.chunks_exact(16)
            .map(|chunk| {
                let mut bytes = [0u8; 8];
                for (i, pair) in chunk.chunks_exact(2).enumerate() {
                    bytes[i] = digit(pair[0])? << 4 | digit(pair[1])?;
                }
                Ok(f64::from_le_bytes(bytes))
            })
            .collect()
    }
}

/// Why an [`F64Hex`](WireAnswer::F64Hex) answer is not one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// The number of hex digits is not a multiple of 16.
    #[error("{0} hex digits are not whole f64 values")]
    Length(usize),
    /// A character is not a hex digit.
    #[error("`{0}` is not a hex digit")]
    Digit(char),
}

#[cfg(parbench_mpi)]
pub(crate) use ranks::{CommTimer, RankJob, build};

#[cfg(parbench_mpi)]
mod ranks {
    use super::{JobKind, JobSpec, RankFault, WireAnswer};
    use crate::exec::split_even;
    use crate::mpi::ffi::{Mpi, MpiError};
    use std::time::{Duration, Instant};

    /// Time spent inside MPI calls during an iteration.
    #[derive(Debug, Default)]
    pub(crate) struct CommTimer(pub(crate) Duration);

    impl CommTimer {
        pub(crate) fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
            let t = Instant::now();
            let r = f();
            self.0 += t.elapsed();
            r
        }
    }

    /// One rank's part of a job.
    pub(crate) trait RankJob {
        /// One iteration; returns the digest (meaningful on rank 0).
        fn iterate(&mut self, mpi: &Mpi, comm: &mut CommTimer) -> Result<u64, MpiError>;
        /// Collective: the whole answer, on rank 0 (`None` elsewhere).
        fn answer(&mut self, mpi: &Mpi) -> Result<Option<WireAnswer>, MpiError>;
    }

    fn wrong_here(spec: &JobSpec, mpi: &Mpi) -> bool {
        spec.fault == Some(RankFault::Wrong(mpi.rank()))
    }

    /// Sets up this rank's part of `spec` (untimed: inputs, buffers).
    pub(crate) fn build(spec: &JobSpec, mpi: &Mpi) -> Result<Box<dyn RankJob>, MpiError> {
        let (rank, size) = (mpi.rank(), mpi.size());
        let wrong = wrong_here(spec, mpi);
        Ok(match spec.kind {
            JobKind::Pi => {
                let r = split_even(spec.n as usize, size)[rank].clone();
                Box::new(PiRank {
                    seed: spec.seed,
                    range: r.start as u64..r.end as u64,
                    wrong,
                    hits: 0,
                })
            }
            JobKind::Square => {
                let n = spec.n as usize;
                let lens: Vec<usize> = split_even(n, size).iter().map(|r| r.len()).collect();
                let (x, y) = if rank == 0 {
                    (crate::kernels::square::input(n, spec.seed), vec![0.0; n])
                } else {
                    (Vec::new(), Vec::new())
                };
                Box::new(SquareRank {
                    local_x: vec![0.0; lens[rank]],
                    local_y: vec![0.0; lens[rank]],
                    lens,
                    x,
                    y,
                    wrong,
                })
            }
            JobKind::Stencil => {
                let n = spec.n as usize;
                let interior = n - 2;
                if interior < size {
                    return Err(MpiError::TooFewRows {
                        n,
                        interior,
                        ranks: size,
                    });
                }
                let strips = split_even(interior, size);
                let mine = strips[rank].clone();
                let (start, h) = (mine.start + 1, mine.len());
                let grid = crate::kernels::stencil::initial_grid(n, spec.seed);
                let init = grid[(start - 1) * n..(start + h + 1) * n].to_vec();
                Box::new(StencilRank {
                    n,
                    h,
                    steps: spec.steps,
                    lens: strips.iter().map(|s| s.len() * n).collect(),
                    edges: (grid[..n].to_vec(), grid[(n - 1) * n..].to_vec()),
                    cur: init.clone(),
                    next: init.clone(),
                    init,
                    up: rank.checked_sub(1),
                    down: (rank + 1 < size).then_some(rank + 1),
                    wrong,
                })
            }
        })
    }

    struct PiRank {
        seed: u64,
        range: std::ops::Range<u64>,
        wrong: bool,
        hits: u64,
    }

    impl RankJob for PiRank {
        fn iterate(&mut self, mpi: &Mpi, comm: &mut CommTimer) -> Result<u64, MpiError> {
            let mut local =
                crate::kernels::pi::count_hits(self.seed, self.range.start, self.range.end);
            if self.wrong {
                local += 1;
            }
            self.hits = comm.time(|| mpi.reduce_sum_u64(local))?;
            Ok(self.hits)
        }

        fn answer(&mut self, mpi: &Mpi) -> Result<Option<WireAnswer>, MpiError> {
            Ok((mpi.rank() == 0).then(|| WireAnswer::Exact(vec![self.hits])))
        }
    }

    struct SquareRank {
        lens: Vec<usize>,
        /// The whole input and output, on rank 0 only.
        x: Vec<f64>,
        y: Vec<f64>,
        local_x: Vec<f64>,
        local_y: Vec<f64>,
        wrong: bool,
    }

    impl RankJob for SquareRank {
        fn iterate(&mut self, mpi: &Mpi, comm: &mut CommTimer) -> Result<u64, MpiError> {
            comm.time(|| mpi.scatterv_f64(&self.x, &self.lens, &mut self.local_x))?;
            crate::kernels::square::square_into(&self.local_x, &mut self.local_y);
            if self.wrong && !self.local_y.is_empty() {
                self.local_y[0] += 1.0;
            }
            comm.time(|| mpi.gatherv_f64(&self.local_y, &self.lens, &mut self.y))?;
            let digest = self.y.first().map_or(0, |v| v.to_bits())
                ^ self.y.last().map_or(0, |v| v.to_bits().rotate_left(17));
            Ok(digest)
        }

        fn answer(&mut self, mpi: &Mpi) -> Result<Option<WireAnswer>, MpiError> {
            Ok((mpi.rank() == 0).then(|| WireAnswer::from_f64(&self.y)))
        }
    }

    struct StencilRank {
        n: usize,
        /// Rows this rank owns.
        h: usize,
        steps: u32,
        /// Values each rank owns (for gathering the grid).
        lens: Vec<usize>,
        /// The grid's fixed top and bottom rows.
        edges: (Vec<f64>, Vec<f64>),
        /// This rank's rows with a halo row above and below, at the start of an iteration.
        init: Vec<f64>,
        cur: Vec<f64>,
        next: Vec<f64>,
        up: Option<usize>,
        down: Option<usize>,
        wrong: bool,
    }

    impl StencilRank {
        /// Sends this rank's first row up and last row down; receives the halos.
        fn exchange(&mut self, mpi: &Mpi) -> Result<(), MpiError> {
            let (n, h) = (self.n, self.h);
            // Upward: my first row to `up`, `down`'s first row into my bottom halo.
            let (rows, bottom) = self.cur.split_at_mut((h + 1) * n);
            mpi.sendrecv_f64(&rows[n..2 * n], self.up, bottom, self.down)?;
            // Downward: my last row to `down`, `up`'s last row into my top halo.
            let (top, rows) = self.cur.split_at_mut(n);
            mpi.sendrecv_f64(&rows[(h - 1) * n..h * n], self.down, top, self.up)
        }
    }

    impl RankJob for StencilRank {
        fn iterate(&mut self, mpi: &Mpi, comm: &mut CommTimer) -> Result<u64, MpiError> {
            let (n, h) = (self.n, self.h);
            self.cur.copy_from_slice(&self.init);
            self.next.copy_from_slice(&self.init);
            if self.wrong {
                self.cur[n + n / 2] += 1.0;
            }
            for _ in 0..self.steps {
                let t = std::time::Instant::now();
                let r = self.exchange(mpi);
                comm.0 += t.elapsed();
                r?;
                crate::kernels::stencil::sweep_rows(&self.cur, &mut self.next[n..(h + 1) * n], n);
                std::mem::swap(&mut self.cur, &mut self.next);
            }
            Ok(self.cur[n..(h + 1) * n]
                .iter()
                .fold(0u64, |d, v| d.rotate_left(5) ^ v.to_bits()))
        }

        fn answer(&mut self, mpi: &Mpi) -> Result<Option<WireAnswer>, MpiError> {
            let (n, h) = (self.n, self.h);
            let mut grid = if mpi.rank() == 0 {
                vec![0.0; n * n]
            } else {
                Vec::new()
            };
            let interior: &mut [f64] = if mpi.rank() == 0 {
                &mut grid[n..(n - 1) * n]
            } else {
                &mut []
            };
            mpi.gatherv_f64(&self.cur[n..(h + 1) * n], &self.lens, interior)?;
            if mpi.rank() != 0 {
                return Ok(None);
            }
            grid[..n].copy_from_slice(&self.edges.0);
            grid[(n - 1) * n..].copy_from_slice(&self.edges.1);
            Ok(Some(WireAnswer::from_f64(&grid)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f64_values_travel_bit_exactly() {
        let v = [0.1, -0.0, f64::MAX, 1e-310, std::f64::consts::PI];
        let WireAnswer::F64Hex(hex) = WireAnswer::from_f64(&v) else {
            unreachable!()
        };
        let back = WireAnswer::decode_f64(&hex).unwrap();
        assert!(v.iter().zip(&back).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(WireAnswer::decode_f64("abc"), Err(DecodeError::Length(3)));
        assert_eq!(
            WireAnswer::decode_f64("zz00000000000000"),
            Err(DecodeError::Digit('z'))
        );
    }

    #[test]
    fn specs_round_trip_and_faults_parse() {
        let p = Problem::new("t", 64, 3)
            .with_param("steps", parbench_schema::params::ParamValue::Int(5));
        let s = stencil(&p).unwrap();
        assert_eq!(s.steps, 5);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<JobSpec>(&json).unwrap(), s);
        assert!(
            stencil(
                &Problem::new("t", 2, 3)
                    .with_param("steps", parbench_schema::params::ParamValue::Int(5))
            )
            .is_err()
        );
    }
}
