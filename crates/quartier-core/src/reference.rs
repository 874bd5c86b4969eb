//! The reference value of a level (the "Gesamtstadt" row), by each indicator's declared
//! aggregation rule: counts summed, shares recomputed from summed numerator and denominator,
//! weighted means only where declared. It is the aggregation of
//! [`crate::analysis::aggregate`] to the whole municipality: over every area of the level, so
//! an area without a value makes a sum "k. A." rather than an undercount.

use serde::Serialize;

use crate::analysis::aggregate::RuleInputs;
use crate::model::IndicatorMeta;
use crate::{Atlas, Result};

/// A reference value with how it was obtained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceValue {
    /// The value, or `None` when it cannot be computed honestly.
    pub value: Option<f64>,
    /// How it was computed, or why not (German).
    pub method: String,
    /// Areas whose values entered.
    pub areas_used: usize,
}

/// The reference value of `indicator` over all areas of a level at one period.
pub fn reference_value(
    atlas: &Atlas,
    indicator: &IndicatorMeta,
    level_id: i64,
    period_id: i64,
) -> Result<ReferenceValue> {
    let inputs = match RuleInputs::load(atlas, indicator, level_id, period_id)? {
        Ok(inputs) => inputs,
        Err(reason) => {
            return Ok(ReferenceValue {
                value: None,
                method: reason,
                areas_used: 0,
            })
        }
    };
    let members: Vec<usize> = (0..atlas.level_areas(level_id)?.len()).collect();
    let combined = inputs.combine(&members, false);
    Ok(ReferenceValue {
        value: combined.value,
        method: combined.note,
        areas_used: combined.used,
    })
}
