//! The types of parbench's results file (`results.json`, documented in
//! `docs/results-schema.md`): the run, its points and their measurements, the machine and its
//! calibration, and the figures stored beside the points (crossovers, scalability fits,
//! operations, interference). Plain data with serde; it depends on nothing else of parbench.
//! Computing these figures is `parbench-analysis`; measuring them is `parbench-harness`.

#![warn(missing_docs)]

pub mod calibration;
pub mod crossover;
pub mod duration;
pub mod fit;
pub mod interference;
pub mod machine;
pub mod operations;
pub mod params;
pub mod results;
pub mod variant;

pub use duration::Nanos;
pub use variant::VariantId;
