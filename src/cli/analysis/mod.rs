//! The analysis verbs, one file each, named like the engine's module
//! ([`quartier_core::analysis`]) and the verb.

pub mod aggregate;
pub mod classify;
pub mod compute;
pub mod crosswalk;
pub mod hotspots;
pub mod index;
pub mod query;
pub mod rank;
pub mod sizes;
pub mod status_dynamics;
pub mod suppress;
