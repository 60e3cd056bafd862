//! The few Open MPI calls a rank makes, loaded at run time from the library the build found
//! (`PARBENCH_MPI_LIB`), behind a safe [`Mpi`] handle. Only a rank process loads MPI: parbench
//! itself never links it. The handles (`MPI_COMM_WORLD`, `MPI_DOUBLE`, `MPI_SUM`, …) are Open MPI's
//! ABI: addresses of its predefined objects (`ompi_mpi_comm_world`, …), as `mpi.h` defines them.
//! Open MPI's default error handler aborts the job on any error, so a call that returns
//! returned `MPI_SUCCESS`; the codes are still checked.

use std::ffi::{c_char, c_int, c_void};

type Handle = *mut c_void;

/// `MPI_PROC_NULL` in Open MPI: a send or receive with it does nothing.
const PROC_NULL: c_int = -2;

struct Api {
    init: unsafe extern "C" fn(*mut c_int, *mut *mut *mut c_char) -> c_int,
    finalize: unsafe extern "C" fn() -> c_int,
    comm_rank: unsafe extern "C" fn(Handle, *mut c_int) -> c_int,
    comm_size: unsafe extern "C" fn(Handle, *mut c_int) -> c_int,
    barrier: unsafe extern "C" fn(Handle) -> c_int,
    bcast: unsafe extern "C" fn(*mut c_void, c_int, Handle, c_int, Handle) -> c_int,
    reduce: unsafe extern "C" fn(
        *const c_void,
        *mut c_void,
        c_int,
        Handle,
        Handle,
        c_int,
        Handle,
    ) -> c_int,
    gather: unsafe extern "C" fn(
        *const c_void,
        c_int,
        Handle,
        *mut c_void,
        c_int,
        Handle,
        c_int,
        Handle,
    ) -> c_int,
    scatterv: unsafe extern "C" fn(
        *const c_void,
        *const c_int,
        *const c_int,
        Handle,
        *mut c_void,
        c_int,
        Handle,
        c_int,
        Handle,
    ) -> c_int,
    gatherv: unsafe extern "C" fn(
        *const c_void,
        c_int,
        Handle,
        *mut c_void,
        *const c_int,
        *const c_int,
        Handle,
        c_int,
        Handle,
    ) -> c_int,
    sendrecv: unsafe extern "C" fn(
        *const c_void,
        c_int,
        Handle,
        c_int,
        c_int,
        *mut c_void,
        c_int,
        Handle,
        c_int,
        c_int,
        Handle,
        *mut c_void,
    ) -> c_int,
    abort: unsafe extern "C" fn(Handle, c_int) -> c_int,
    comm_world: Handle,
    double: Handle,
    uint64: Handle,
    byte: Handle,
    sum: Handle,
}

/// Why loading Open MPI or one of its calls failed.
#[derive(Debug, thiserror::Error)]
pub enum MpiError {
    /// The library could not be loaded.
    #[error("cannot load Open MPI from {library}: {source}")]
    Load {
        /// The path loaded (`PARBENCH_MPI_LIB`).
        library: String,
        /// The dynamic loader's error.
        #[source]
        source: libloading::Error,
    },
    /// The library lacks a function or object parbench calls.
    #[error("Open MPI lacks a symbol: {0}")]
    Symbol(#[source] libloading::Error),
    /// An MPI call returned an error code.
    #[error("{call} failed with MPI error code {code}")]
    Call {
        /// The MPI function (`MPI_Bcast`).
        call: &'static str,
        /// The code it returned.
        code: c_int,
    },
    /// A buffer has more elements than MPI's `int` counts can describe.
    #[error("{len} elements exceed MPI's int count")]
    Count {
        /// The number of elements.
        len: usize,
    },
    /// The buffers or block lengths given to a collective do not fit each other.
    #[error("{call}: {problem}")]
    Buffers {
        /// The collective (`gather`, `scatterv`, `gatherv`).
        call: &'static str,
        /// What does not fit (`receive buffer too small`).
        problem: &'static str,
    },
    /// A stencil grid has fewer interior rows than there are ranks.
    #[error("a {n} x {n} grid has {interior} interior rows, fewer than the {ranks} ranks")]
    TooFewRows {
        /// The grid's side.
        n: usize,
        /// Its interior rows.
        interior: usize,
        /// The ranks of the job.
        ranks: usize,
    },
}

/// An initialized MPI library (`MPI_Init` done; `MPI_Finalize` on [`Mpi::finalize`]).
pub(crate) struct Mpi {
    api: Api,
    rank: usize,
    size: usize,
}

fn check(call: &'static str, code: c_int) -> Result<(), MpiError> {
    if code == 0 {
        Ok(())
    } else {
        Err(MpiError::Call { call, code })
    }
}

fn count(len: usize) -> Result<c_int, MpiError> {
    c_int::try_from(len).map_err(|_| MpiError::Count { len })
}

fn counts(lens: &[usize]) -> Result<(Vec<c_int>, Vec<c_int>), MpiError> {
    let mut displs = Vec::with_capacity(lens.len());
    let mut at = 0usize;
    for &l in lens {
        displs.push(count(at)?);
        at += l;
    }
    let counts = lens.iter().map(|&l| count(l)).collect::<Result<_, _>>()?;
    Ok((counts, displs))
}

impl Mpi {
    /// Loads `library` (with its symbols global: Open MPI's plugins need them) and calls
    /// `MPI_Init`.
    pub(crate) fn init(library: &str) -> Result<Mpi, MpiError> {
        // SAFETY: loading Open MPI runs its library constructors, which have no preconditions;
        // RTLD_GLOBAL lets the components it loads later resolve its symbols.
        let lib = unsafe {
            libloading::os::unix::Library::open(
                Some(library),
                libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL,
            )
        }
        .map_err(|source| MpiError::Load {
            library: library.to_string(),
            source,
        })?;
        // The library stays loaded for the rest of the process (MPI cannot be unloaded).
        let lib: &'static libloading::os::unix::Library = Box::leak(Box::new(lib));
        macro_rules! func {
            ($name:literal) => {
                // SAFETY: the symbol is the Open MPI function of that name; the field's type is
                // its C prototype from Open MPI 4's mpi.h.
                *unsafe { lib.get($name) }.map_err(MpiError::Symbol)?
            };
        }
        macro_rules! object {
            ($name:literal) => {{
                // SAFETY: the symbol is one of Open MPI's predefined objects; only its address is
                // taken (that address is the handle mpi.h's macros stand for).
                let s = unsafe { lib.get::<*mut c_void>($name) };
                *s.map_err(MpiError::Symbol)?
            }};
        }
        let api = Api {
            init: func!(b"MPI_Init\0"),
            finalize: func!(b"MPI_Finalize\0"),
            comm_rank: func!(b"MPI_Comm_rank\0"),
            comm_size: func!(b"MPI_Comm_size\0"),
            barrier: func!(b"MPI_Barrier\0"),
            bcast: func!(b"MPI_Bcast\0"),
            reduce: func!(b"MPI_Reduce\0"),
            gather: func!(b"MPI_Gather\0"),
            scatterv: func!(b"MPI_Scatterv\0"),
            gatherv: func!(b"MPI_Gatherv\0"),
            sendrecv: func!(b"MPI_Sendrecv\0"),
            abort: func!(b"MPI_Abort\0"),
            comm_world: object!(b"ompi_mpi_comm_world\0"),
            double: object!(b"ompi_mpi_double\0"),
            uint64: object!(b"ompi_mpi_uint64_t\0"),
            byte: object!(b"ompi_mpi_byte\0"),
            sum: object!(b"ompi_mpi_op_sum\0"),
        };
        // SAFETY: MPI_Init accepts null argc/argv; it is called once per process.
        check("MPI_Init", unsafe {
            (api.init)(std::ptr::null_mut(), std::ptr::null_mut())
        })?;
        let (mut rank, mut size) = (0, 0);
        // SAFETY: MPI is initialized; both out-pointers are valid ints.
        unsafe {
            check("MPI_Comm_rank", (api.comm_rank)(api.comm_world, &mut rank))?;
            check("MPI_Comm_size", (api.comm_size)(api.comm_world, &mut size))?;
        }
        Ok(Mpi {
            api,
            rank: rank as usize,
            size: size as usize,
        })
    }

    /// This process's rank in `MPI_COMM_WORLD`.
    pub(crate) fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn barrier(&self) -> Result<(), MpiError> {
        // SAFETY: MPI is initialized; the communicator is MPI_COMM_WORLD.
        check("MPI_Barrier", unsafe {
            (self.api.barrier)(self.api.comm_world)
        })
    }

    /// Broadcasts `bytes` from rank 0 (every rank passes a buffer of the same length).
    pub(crate) fn bcast_bytes(&self, bytes: &mut [u8]) -> Result<(), MpiError> {
        let n = count(bytes.len())?;
        // SAFETY: the buffer holds `n` bytes on every rank (the caller's contract: equal lengths).
        check("MPI_Bcast", unsafe {
            (self.api.bcast)(
                bytes.as_mut_ptr().cast(),
                n,
                self.api.byte,
                0,
                self.api.comm_world,
            )
        })
    }

    /// The sum of every rank's `value`, on rank 0 (other ranks get 0).
    pub(crate) fn reduce_sum_u64(&self, value: u64) -> Result<u64, MpiError> {
        let mut out = 0u64;
        // SAFETY: one u64 sent from and received into valid locals.
        check("MPI_Reduce", unsafe {
            (self.api.reduce)(
                (&value as *const u64).cast(),
                (&mut out as *mut u64).cast(),
                1,
                self.api.uint64,
                self.api.sum,
                0,
                self.api.comm_world,
            )
        })?;
        Ok(out)
    }

    /// Gathers `send` (the same length on every rank) into `recv` on rank 0 (rank order);
    /// `recv` must hold `size * send.len()` values on rank 0 and is ignored elsewhere.
    pub(crate) fn gather_f64(&self, send: &[f64], recv: &mut [f64]) -> Result<(), MpiError> {
        self.gather(send, recv, self.api.double)
    }

    /// [`gather_f64`](Self::gather_f64) for bytes.
    pub(crate) fn gather_bytes(&self, send: &[u8], recv: &mut [u8]) -> Result<(), MpiError> {
        self.gather(send, recv, self.api.byte)
    }

    /// `datatype` must be the MPI type of `T` (double for f64, byte for u8).
    fn gather<T: Copy>(
        &self,
        send: &[T],
        recv: &mut [T],
        datatype: Handle,
    ) -> Result<(), MpiError> {
        let n = count(send.len())?;
        if self.rank == 0 && recv.len() < send.len() * self.size {
            return Err(MpiError::Buffers {
                call: "gather",
                problem: "receive buffer too small",
            });
        }
        // SAFETY: `send` holds `n` values of the datatype; on rank 0 `recv` holds `size * n`
        // (checked above), elsewhere it is not read.
        check("MPI_Gather", unsafe {
            (self.api.gather)(
                send.as_ptr().cast(),
                n,
                datatype,
                recv.as_mut_ptr().cast(),
                n,
                datatype,
                0,
                self.api.comm_world,
            )
        })
    }

    /// Rank 0 sends `lens[r]` values of `send` (consecutive blocks) to each rank `r`, which
    /// receives its block into `recv` (of `lens[rank]` values).
    pub(crate) fn scatterv_f64(
        &self,
        send: &[f64],
        lens: &[usize],
        recv: &mut [f64],
    ) -> Result<(), MpiError> {
        let (counts, displs) = counts(lens)?;
        if lens.len() != self.size || recv.len() != lens[self.rank] {
            return Err(MpiError::Buffers {
                call: "scatterv",
                problem: "block lengths do not match the ranks",
            });
        }
        if self.rank == 0 && send.len() < lens.iter().sum() {
            return Err(MpiError::Buffers {
                call: "scatterv",
                problem: "send buffer too small",
            });
        }
        // SAFETY: counts and displacements describe blocks inside `send` on rank 0 (checked);
        // `recv` holds exactly this rank's count.
        check("MPI_Scatterv", unsafe {
            (self.api.scatterv)(
                send.as_ptr().cast(),
                counts.as_ptr(),
                displs.as_ptr(),
                self.api.double,
                recv.as_mut_ptr().cast(),
                counts[self.rank],
                self.api.double,
                0,
                self.api.comm_world,
            )
        })
    }

    /// The converse of [`scatterv_f64`](Self::scatterv_f64): every rank's `send` (of
    /// `lens[rank]` values) into consecutive blocks of `recv` on rank 0.
    pub(crate) fn gatherv_f64(
        &self,
        send: &[f64],
        lens: &[usize],
        recv: &mut [f64],
    ) -> Result<(), MpiError> {
        let (counts, displs) = counts(lens)?;
        if lens.len() != self.size || send.len() != lens[self.rank] {
            return Err(MpiError::Buffers {
                call: "gatherv",
                problem: "block lengths do not match the ranks",
            });
        }
        if self.rank == 0 && recv.len() < lens.iter().sum() {
            return Err(MpiError::Buffers {
                call: "gatherv",
                problem: "receive buffer too small",
            });
        }
        // SAFETY: `send` holds this rank's count; on rank 0 the blocks lie inside `recv`
        // (checked); elsewhere `recv` is not read.
        check("MPI_Gatherv", unsafe {
            (self.api.gatherv)(
                send.as_ptr().cast(),
                counts[self.rank],
                self.api.double,
                recv.as_mut_ptr().cast(),
                counts.as_ptr(),
                displs.as_ptr(),
                self.api.double,
                0,
                self.api.comm_world,
            )
        })
    }

    /// Sends `send` to rank `dest` and receives `recv` from rank `source` (`None`: no such
    /// neighbour, nothing sent or received).
    pub(crate) fn sendrecv_f64(
        &self,
        send: &[f64],
        dest: Option<usize>,
        recv: &mut [f64],
        source: Option<usize>,
    ) -> Result<(), MpiError> {
        let peer = |r: Option<usize>| r.map_or(PROC_NULL, |r| r as c_int);
        // SAFETY: both buffers are valid for their lengths and do not overlap (a shared and a
        // mutable borrow); MPI_STATUS_IGNORE is a null pointer.
        check("MPI_Sendrecv", unsafe {
            (self.api.sendrecv)(
                send.as_ptr().cast(),
                count(send.len())?,
                self.api.double,
                peer(dest),
                0,
                recv.as_mut_ptr().cast(),
                count(recv.len())?,
                self.api.double,
                peer(source),
                0,
                self.api.comm_world,
                std::ptr::null_mut(),
            )
        })
    }

    /// Ends the whole job with `code` (every rank, and the launcher, exit).
    pub(crate) fn abort(&self, code: i32) -> ! {
        // SAFETY: MPI is initialized; MPI_Abort does not return in Open MPI.
        unsafe {
            (self.api.abort)(self.api.comm_world, code);
        }
        std::process::exit(code)
    }

    /// `MPI_Finalize`.
    pub(crate) fn finalize(self) -> Result<(), MpiError> {
        // SAFETY: called once, after every other MPI call of this process.
        check("MPI_Finalize", unsafe { (self.api.finalize)() })
    }
}
