//! Quartier's desktop app and command line, as a library: the binary (`main.rs`) dispatches
//! to it, and the benchmarks measure the map's draw data through it.

pub mod app;
pub mod cli;
pub mod paths;
