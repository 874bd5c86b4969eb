//! The reference value of a level (the "Gesamtstadt" row), by each indicator's
//! declared aggregation rule: counts summed, shares recomputed from summed numerator
//! and denominator, weighted means only where declared.

use serde::Serialize;

use crate::model::{AggregationRule, IndicatorKind, IndicatorMeta, ValueStatus};
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

fn none(method: impl Into<String>) -> ReferenceValue {
    ReferenceValue {
        value: None,
        method: method.into(),
        areas_used: 0,
    }
}

/// The reference value of `indicator` over all areas of a level at one period.
pub fn reference_value(
    atlas: &Atlas,
    indicator: &IndicatorMeta,
    level_id: i64,
    period_id: i64,
) -> Result<ReferenceValue> {
    let values = |i: &IndicatorMeta| atlas.values(i.id, level_id, period_id);
    match &indicator.aggregation {
        AggregationRule::Sum => {
            let v = values(indicator)?;
            if v.is_empty() {
                return Ok(none("keine Werte"));
            }
            let incomplete = v
                .values()
                .filter(|x| x.status != ValueStatus::Ok && x.status != ValueStatus::NotApplicable)
                .count();
            if incomplete > 0 {
                return Ok(none(format!(
                    "Summe nicht berechenbar: {incomplete} Werte fehlen oder sind geheim"
                )));
            }
            let sum: f64 = v.values().filter_map(|x| x.value).sum();
            Ok(ReferenceValue {
                value: Some(sum),
                method: "Summe der Gebiete".into(),
                areas_used: v.len(),
            })
        }
        AggregationRule::RatioOfSums => {
            let (Some(nk), Some(dk)) = (&indicator.numerator, &indicator.denominator) else {
                return Ok(none("Quotient der Summen: Zähler oder Nenner nicht angegeben"));
            };
            let (num, den) = (atlas.indicator(nk)?, atlas.indicator(dk)?);
            let (nv, dv) = (values(&num)?, values(&den)?);
            let complete = |m: &std::collections::HashMap<i64, crate::StoredValue>| {
                m.values()
                    .all(|x| x.status == ValueStatus::Ok || x.status == ValueStatus::NotApplicable)
            };
            if nv.is_empty() || dv.is_empty() || !complete(&nv) || !complete(&dv) {
                return Ok(none(format!(
                    "Quotient der Summen: Werte von „{nk}“ oder „{dk}“ fehlen"
                )));
            }
            let n: f64 = nv.values().filter_map(|x| x.value).sum();
            let d: f64 = dv.values().filter_map(|x| x.value).sum();
            let factor = match indicator.kind {
                IndicatorKind::Share => 100.0,
                IndicatorKind::RatePer1000 => 1000.0,
                _ => 1.0,
            };
            if d == 0.0 {
                return Ok(none("Quotient der Summen: Nenner ist 0"));
            }
            Ok(ReferenceValue {
                value: Some(n / d * factor),
                method: format!("Σ {nk} / Σ {dk}"),
                areas_used: nv.len(),
            })
        }
        AggregationRule::WeightedMean(by) => {
            let weight = atlas.indicator(by)?;
            let (v, w) = (values(indicator)?, values(&weight)?);
            let mut blocked = 0;
            let (mut sum, mut wsum, mut used) = (0.0, 0.0, 0);
            for (area, x) in &v {
                match (x.status, x.value, w.get(area).and_then(|y| y.value)) {
                    (ValueStatus::NotApplicable, _, _) => {}
                    (ValueStatus::Ok, Some(val), Some(wt)) => {
                        sum += val * wt;
                        wsum += wt;
                        used += 1;
                    }
                    _ => blocked += 1,
                }
            }
            if blocked > 0 || wsum == 0.0 {
                return Ok(none(format!(
                    "gewichtetes Mittel nicht berechenbar: {blocked} Werte oder Gewichte fehlen"
                )));
            }
            Ok(ReferenceValue {
                value: Some(sum / wsum),
                method: format!("mit „{by}“ gewichtetes Mittel"),
                areas_used: used,
            })
        }
        AggregationRule::NotAggregable => Ok(none("nicht aggregierbar")),
        AggregationRule::Unspecified => Ok(none("keine Aggregationsregel festgelegt")),
    }
}
