//! One module per subcommand.

pub(crate) mod ab;
pub(crate) mod calibrate;
pub(crate) mod compare;
pub(crate) mod export;
pub(crate) mod history;
pub(crate) mod import;
pub(crate) mod list;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod validate;
pub(crate) mod worker;

use parbench_harness::config::{Config, ConfigSource};
use parbench_harness::fingerprint::logical_cores;
use std::path::Path;

/// The config compiled into the binary.
pub(crate) const DEFAULT_CONFIG: &str = include_str!("../../configs/default.toml");
pub(crate) const DEFAULT_CONFIG_PATH: &str = "<embedded configs/default.toml>";

/// Reads and parses a config file, or the embedded default.
pub(crate) fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    let source = match path {
        Some(p) => ConfigSource::read(p)?,
        None => ConfigSource::new(DEFAULT_CONFIG_PATH, DEFAULT_CONFIG),
    };
    Ok(Config::parse(source, logical_cores())?)
}
