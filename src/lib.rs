//! Quartier's desktop app and command line, as a library: the binary (`main.rs`) dispatches
//! to it, and the benchmarks measure the map's draw data through it.

/// The version as `quartier --version` and the about dialog show it: the package version and
/// the git commit it was built from (see `build.rs`).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("QUARTIER_GIT_COMMIT"), ")");

pub mod app;
pub mod cli;
pub mod paths;
