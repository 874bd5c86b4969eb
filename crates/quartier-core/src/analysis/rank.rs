//! Ranking of areas with ties, and each area's deviation from the reference value (the
//! Gesamtstadt value by the indicator's aggregation rule): absolute, in percent, and as an
//! index with the reference = 100.

use serde::Serialize;

use super::stats::ranks_descending;
use crate::model::IndicatorKind;
use crate::{Atlas, Error, Result};

/// One area's rank and deviation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedArea {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// The value.
    pub value: f64,
    /// Rank; equal values share the best rank of their group ("1, 2, 2, 4").
    pub rank: usize,
    /// Value − reference.
    pub deviation: Option<f64>,
    /// (Value − reference) / reference × 100.
    pub deviation_percent: Option<f64>,
    /// Value / reference × 100 (reference = 100).
    pub index: Option<f64>,
}

/// The outcome of [`rank`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// Indicator key.
    pub indicator: String,
    /// Level.
    pub level: String,
    /// Period.
    pub period: String,
    /// "Rang 1 = höchster Wert" or "Rang 1 = niedrigster Wert".
    pub order: String,
    /// The reference value, if it can be computed.
    pub reference: Option<f64>,
    /// How the reference was computed, or why not.
    pub reference_method: String,
    /// Computed, not computable ("k. A."), or no rule ("keine Regel").
    pub reference_status: crate::reference::ReferenceStatus,
    /// The indicator's decimals, for showing values.
    pub decimals: usize,
    /// Ranked areas, by rank then key.
    pub areas: Vec<RankedArea>,
    /// Areas without a value ("k. A.", missing, "x"), by key.
    pub without_value: Vec<String>,
    /// Keys saved (empty unless saved).
    pub saved: Vec<String>,
}

/// Ranks the areas of a level by an indicator; `ascending` gives rank 1 to the lowest value.
pub fn rank(atlas: &Atlas, indicator: &str, level: &str, period: &str, ascending: bool) -> Result<Ranking> {
    let meta = atlas.indicator(indicator)?;
    if meta.kind == IndicatorKind::Categorical {
        return Err(Error::Invalid(format!(
            "Indikator „{indicator}“ ist kategorial und hat keine Rangfolge"
        )));
    }
    let level = atlas.level(level)?;
    let period = atlas.period(period)?;
    let values = atlas.values(meta.id, level.id, period.id)?;
    if values.is_empty() {
        return Err(Error::Invalid(format!(
            "Indikator „{indicator}“ hat auf Ebene „{}“ für {} keine Werte",
            level.name, period.label
        )));
    }
    let reference = crate::reference::reference_value(atlas, &meta, level.id, period.id)?;
    let mut with_value = Vec::new();
    let mut without_value = Vec::new();
    for a in atlas.areas(level.id)? {
        match values.get(&a.id).and_then(crate::StoredValue::number) {
            Some(v) => with_value.push((a, v)),
            None => without_value.push(a.key.to_string()),
        }
    }
    let sign = if ascending { -1.0 } else { 1.0 };
    let ranks = ranks_descending(&with_value.iter().map(|(_, v)| sign * v).collect::<Vec<_>>());
    let r = reference.value;
    let mut areas: Vec<RankedArea> = with_value
        .into_iter()
        .zip(ranks)
        .map(|((a, value), rank)| RankedArea {
            key: a.key.to_string(),
            name: a.name.to_string(),
            value,
            rank: rank.unwrap_or(0),
            deviation: r.map(|r| value - r),
            deviation_percent: r.filter(|r| *r != 0.0).map(|r| (value - r) / r * 100.0),
            index: r.filter(|r| *r != 0.0).map(|r| value / r * 100.0),
        })
        .collect();
    areas.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.key.cmp(&b.key)));
    Ok(Ranking {
        indicator: meta.key,
        level: level.name,
        period: period.label,
        order: if ascending {
            "Rang 1 = niedrigster Wert"
        } else {
            "Rang 1 = höchster Wert"
        }
        .into(),
        reference: reference.value,
        reference_method: reference.method,
        reference_status: reference.status,
        decimals: meta.decimals.max(0) as usize,
        areas,
        without_value,
        saved: Vec::new(),
    })
}

/// Ranks like [`rank`] and stores `INDICATOR_rank` and, when the reference exists,
/// `INDICATOR_ref100` (value / Gesamtstadt × 100), each with a `derived_run` record.
pub fn save_ranking(atlas: &mut Atlas, indicator: &str, level: &str, period: &str, ascending: bool) -> Result<Ranking> {
    let mut result = rank(atlas, indicator, level, period, ascending)?;
    let level_ref = atlas.level(level)?;
    let period_ref = atlas.period(period)?;
    let ids = super::area_ids(atlas, level_ref.id)?;
    let left_out = || result.without_value.iter().map(|k| (k.as_str(), "kein Wert"));
    let meta = |name: String, decimals: i64, description: String| crate::store::IndicatorUpdate {
        name: Some(name),
        topic: Some("Abgeleitet/Rangfolgen".into()),
        unit: Some(String::new()),
        decimals: Some(decimals),
        kind: Some(IndicatorKind::Ratio),
        aggregation: Some(crate::model::AggregationRule::NotAggregable),
        description: Some(description),
        ..Default::default()
    };
    let mut outputs = vec![crate::store::DerivedSeries {
        key: format!("{}_rank", result.indicator),
        meta: meta(
            format!("Rang nach {}", result.indicator),
            0,
            format!("{}; gleiche Werte teilen den besten Rang", result.order),
        ),
        values: super::derived_values(
            &ids,
            result.areas.iter().map(|a| (a.key.as_str(), Some(a.rank as f64), None)),
            left_out(),
        ),
    }];
    if result.reference.is_some() {
        outputs.push(crate::store::DerivedSeries {
            key: format!("{}_ref100", result.indicator),
            meta: meta(
                format!("{} im Verhältnis zur Gesamtstadt (= 100)", result.indicator),
                1,
                format!("Wert / Gesamtstadtwert × 100; Gesamtstadt: {}", result.reference_method),
            ),
            values: super::derived_values(
                &ids,
                result.areas.iter().map(|a| (a.key.as_str(), a.index, None)),
                left_out(),
            ),
        });
    }
    let run = crate::store::DerivedRun {
        method: "rank".into(),
        parameters: serde_json::json!({
            "level": result.level,
            "period": result.period,
            "order": result.order,
            "reference": result.reference,
            "reference_method": result.reference_method,
        }),
        inputs: vec![result.indicator.clone()],
    };
    result.saved = atlas.save_derived(level_ref.id, period_ref.id, &run, &outputs)?;
    Ok(result)
}
