//! Analyses on stored values. Each reads series from the atlas, computes, and can store its
//! results as derived indicators with a `derived_run` record ([`crate::store::DerivedRun`]).
//!
//! - [`status_dynamics`]: status and dynamics indices and their 4 × 3 classes (Berlin MSS,
//!   Hamburg RISE, Solingen), with presets.
//! - [`aggregate`]: an indicator to a coarser level or the whole municipality by its rule.
//! - [`classify`]: map classes (equal interval, quantile, exact Jenks, standard deviation,
//!   pretty, manual, box plot, diverging) with German legend labels and the "k. A." class.
//! - [`stats`]: the shared statistics (population z-scores).

pub mod aggregate;
pub mod classify;
pub mod stats;
pub mod status_dynamics;
