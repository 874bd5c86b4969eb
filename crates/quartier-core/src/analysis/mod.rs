//! Analyses on stored values. Each reads series from the atlas, computes, and can store its
//! results as derived indicators with a `derived_run` record ([`crate::store::DerivedRun`]).
//!
//! - [`status_dynamics`]: status and dynamics indices and their 4 × 3 classes (Berlin MSS,
//!   Hamburg RISE, Solingen), with presets.
//! - [`aggregate`]: an indicator to a coarser level or the whole municipality by its rule.
//! - [`classify`]: map classes (equal interval, quantile, exact Jenks, standard deviation,
//!   pretty, manual, box plot, diverging) with German legend labels and the "k. A." class.
//! - [`stats`]: the shared statistics (population z-scores).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Atlas, Result};

pub mod aggregate;
pub mod classify;
pub mod stats;
pub mod status_dynamics;
pub mod suppress;

/// A minimum population rule: areas with fewer inhabitants (Berlin MSS: 300; employment-agency
/// data often 1,000) are flagged and take no part in indices and classifications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinPopulation {
    /// The population indicator (at the same level and period).
    pub indicator: String,
    /// Areas with fewer inhabitants are left out.
    pub minimum: f64,
}

impl MinPopulation {
    /// The areas of a level that fall under the rule, area id → reason (German). An area
    /// without a population figure falls under it too: its size is unknown.
    pub fn small_areas(&self, atlas: &Atlas, level_id: i64, period_id: i64) -> Result<BTreeMap<i64, String>> {
        let meta = atlas.indicator(&self.indicator)?;
        let population = atlas.values(meta.id, level_id, period_id)?;
        let mut small = BTreeMap::new();
        for area in atlas.areas(level_id)? {
            let reason = match population.get(&area.id).and_then(|v| v.value) {
                Some(p) if p < self.minimum => format!(
                    "unter {} Einwohnern ({} laut „{}“)",
                    crate::numbers::format_german(self.minimum, 0),
                    crate::numbers::format_german(p, 0),
                    self.indicator
                ),
                Some(_) => continue,
                None => format!("Einwohnerzahl „{}“ fehlt", self.indicator),
            };
            small.insert(area.id, reason);
        }
        Ok(small)
    }
}
