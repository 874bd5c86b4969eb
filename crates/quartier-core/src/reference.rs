//! The reference value of a level (the "Gesamtstadt" row), by each indicator's declared
//! aggregation rule: counts summed, shares recomputed from summed numerator and denominator,
//! weighted means only where declared. It is the aggregation of
//! [`crate::analysis::aggregate`] to the whole municipality: over every area of the level, so
//! an area without a value makes a sum "k. A." rather than an undercount.
//!
//! Where the statistical office publishes its own total (the "Hamburg" row of the Stadtteil
//! table), that **official reference** is stored per indicator, level and period
//! (`import values --reference-row`, `import reference`) and takes the place of the computed
//! one, labelled as such; the computed value is kept beside it when the two differ (four
//! merged rows and one area without values make Hamburg's computed reference "k. A.", and a
//! difference is a quality signal).

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
    /// Computed, not computable from the areas' values, or no rule to compute it by.
    pub status: ReferenceStatus,
    /// With an official reference: the value computed from the areas, when it differs from
    /// the official one (`None` when equal or not computable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computed: Option<f64>,
}

/// Whether there is a reference value, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceStatus {
    /// Computed by the indicator's rule.
    Computed,
    /// The official value published for the municipality (imported), not computed.
    Official,
    /// The rule exists, but values of areas are missing or secret: "k. A.".
    NotComputable,
    /// The indicator has no aggregation rule (or a rule that cannot be applied, such as a
    /// quotient without numerator): "keine Regel", never "–", which official tables read as
    /// zero.
    NoRule,
}

/// What a reference without a rule shows.
pub const NO_RULE: &str = "keine Regel";

impl ReferenceValue {
    /// The value in German notation with `decimals`; "k. A." when it cannot be computed from
    /// the areas' values, [`NO_RULE`] when there is no rule (the reason is in `method`).
    pub fn display_de(&self, decimals: usize) -> String {
        match (self.status, self.value) {
            (ReferenceStatus::NoRule, _) => NO_RULE.to_string(),
            (_, value) => crate::numbers::format_german_or_no_data(value, decimals),
        }
    }
}

/// The reference value of `indicator` over all areas of a level at one period.
pub fn reference_value(
    atlas: &Atlas,
    indicator: &IndicatorMeta,
    level_id: i64,
    period_id: i64,
) -> Result<ReferenceValue> {
    let computed = computed_reference(atlas, indicator, level_id, period_id)?;
    let Some((official, source)) = atlas.official_reference(indicator.id, level_id, period_id)? else {
        return Ok(computed);
    };
    let Some(value) = official.number() else {
        return Ok(computed);
    };
    let differs = computed
        .value
        .filter(|c| (c - value).abs() > 1e-9 * value.abs().max(1.0));
    Ok(ReferenceValue {
        value: Some(value),
        method: format!("amtlicher Wert ({source})"),
        areas_used: computed.areas_used,
        status: ReferenceStatus::Official,
        computed: differs,
    })
}

/// The reference computed from the areas' values by the indicator's rule.
fn computed_reference(
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
                status: ReferenceStatus::NoRule,
                computed: None,
            })
        }
    };
    let members: Vec<usize> = (0..atlas.level_areas(level_id)?.len()).collect();
    let combined = inputs.combine(&members, false);
    Ok(ReferenceValue {
        status: if combined.value.is_some() {
            ReferenceStatus::Computed
        } else {
            ReferenceStatus::NotComputable
        },
        value: combined.value,
        method: combined.note,
        areas_used: combined.used,
        computed: None,
    })
}
