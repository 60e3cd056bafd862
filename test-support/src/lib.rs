//! What parbench's tests share across crates, used only as a dev-dependency: synthetic results
//! files built in code ([`fixture`]: test data, not measurements) and the rules a rendered report
//! must keep ([`rules`]). Helpers of the binary's CLI tests alone stay in `tests/common/mod.rs`.

#![deny(missing_docs)]

pub mod fixture;
pub mod rules;
