//! Variant identifiers: the one place parbench's variant names are spelled. A [`VariantId`]
//! names one way of computing a workload (`serial`, `rayon`, `processes-pool`, …); the names
//! parbench's own workloads and backends offer are defined here once, as [`names`] constants (for
//! `match` patterns on a `&str`) and as [`VariantId`] associated constants. Other code compares
//! against these constants; only the config parser turns user text into a `VariantId`.
//!
//! A `VariantId` is serialized as its bare name (serde-transparent), so the results file reads
//! the same as when the field was a string.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Defines the known variant names once: a `&str` constant in [`names`] and a [`VariantId`]
/// associated constant of the same name for each, and the list [`VariantId::KNOWN`].
macro_rules! known_variants {
    ($($(#[doc = $doc:literal])* $id:ident = $text:literal,)*) => {
        /// The names of parbench's own variants, as `&str` (usable as `match` patterns).
        pub mod names {
            $($(#[doc = $doc])* pub const $id: &str = $text;)*
        }

        impl VariantId {
            $($(#[doc = $doc])* pub const $id: VariantId = VariantId::from_static(names::$id);)*

            /// Every name defined here, in definition order.
            pub const KNOWN: &'static [&'static str] = &[$(names::$id),*];
        }
    };
}

known_variants! {
    /// One thread: the baseline every speedup is measured against.
    SERIAL = "serial",
    /// Scoped threads, one per worker.
    THREADS = "threads",
    /// A rayon pool.
    RAYON = "rayon",
    /// Shared state behind `std::sync::Mutex`.
    MUTEX = "mutex",
    /// Shared state behind `parking_lot::Mutex`.
    PARKING_LOT = "parking_lot",
    /// `parking_lot::FairMutex` (the contention suite).
    PARKING_LOT_FAIR = "parking_lot_fair",
    /// Shared state behind `std::sync::RwLock`.
    RWLOCK = "rwlock",
    /// `parking_lot::RwLock` (the contention suite).
    PARKING_LOT_RWLOCK = "parking_lot_rwlock",
    /// A test-and-test-and-set spin lock (the contention suite).
    SPIN = "spin",
    /// Atomic read-modify-write (`fetch_add`).
    ATOMIC = "atomic",
    /// A compare-and-swap loop (the contention suite).
    CAS = "cas",
    /// A cache-padded slot per worker, combined at the end.
    SHARDED = "sharded",
    /// Adjacent, unpadded slots per worker: false sharing (the contention suite).
    SHARDED_UNPADDED = "sharded_unpadded",
    /// Workers send their work over a channel.
    CHANNEL = "channel",
    /// Racy load-then-store that loses updates: incorrect by design.
    UNSYNC = "unsync",
    /// A worker process started per task (the processes backend).
    PROCESSES_SPAWN = "processes-spawn",
    /// A pool of worker processes (the processes backend).
    PROCESSES_POOL = "processes-pool",
    /// An OpenCL kernel on one device (the OpenCL backend).
    OPENCL = "opencl",
    /// An OpenCL kernel using work-group local memory (the OpenCL backend).
    OPENCL_LOCAL = "opencl-local",
    /// MPI ranks (the MPI backend).
    MPI = "mpi",
    /// An external program (the command workload).
    COMMAND = "command",
}

/// The name of one variant of a workload, as configs, results files and reports spell it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VariantId(Cow<'static, str>);

impl VariantId {
    /// The identifier spelled `name`, without allocating.
    pub const fn from_static(name: &'static str) -> Self {
        VariantId(Cow::Borrowed(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the [`SERIAL`](Self::SERIAL) baseline.
    pub fn is_serial(&self) -> bool {
        self.as_str() == names::SERIAL
    }
}

impl fmt::Display for VariantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl Deref for VariantId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for VariantId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for VariantId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<String> for VariantId {
    fn from(name: String) -> Self {
        VariantId(Cow::Owned(name))
    }
}

impl From<&str> for VariantId {
    fn from(name: &str) -> Self {
        VariantId(Cow::Owned(name.to_owned()))
    }
}

impl From<&String> for VariantId {
    fn from(name: &String) -> Self {
        VariantId(Cow::Owned(name.clone()))
    }
}

impl From<VariantId> for String {
    fn from(id: VariantId) -> Self {
        id.0.into_owned()
    }
}

impl FromStr for VariantId {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(s.into())
    }
}

impl PartialEq<str> for VariantId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for VariantId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for VariantId {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<VariantId> for str {
    fn eq(&self, other: &VariantId) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<VariantId> for &str {
    fn eq(&self, other: &VariantId) -> bool {
        *self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer};

    #[test]
    fn deserializes_from_its_bare_name() {
        let de: StrDeserializer<'_, Error> = "processes-pool".into_deserializer();
        assert_eq!(
            VariantId::deserialize(de).unwrap(),
            VariantId::PROCESSES_POOL
        );
    }

    #[test]
    fn compares_with_names_and_displays_them() {
        let owned = VariantId::from("serial".to_string());
        assert_eq!(owned, VariantId::SERIAL);
        assert!(owned.is_serial());
        assert_eq!(VariantId::RAYON, names::RAYON);
        assert_eq!(format!("{:>7}", VariantId::MPI), "    mpi");
        assert_eq!(VariantId::OPENCL_LOCAL.as_str(), "opencl-local");
    }

    #[test]
    fn known_names_are_distinct() {
        let mut names = VariantId::KNOWN.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VariantId::KNOWN.len());
    }
}
