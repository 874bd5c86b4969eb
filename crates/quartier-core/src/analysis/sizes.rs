//! Areas too small to report: a check per level against a rule such as "at least 1,000
//! residents" (the Bundesagentur für Arbeit's limit for small-area figures), "at least 50
//! children of an age group" (the KECK experience) or "10,000 residents per Sozialraum".
//!
//! A rule is a condition in the formula language of [`super::compute`] (`ew >= 1000`,
//! `ew_u6 >= 50 AND ew >= 1000`), evaluated on the areas of one level and period; the
//! presets ([`PRESETS`]) name the usual ones with the atlas's keys filled in by the planner.

use serde::Serialize;

use super::compute::{evaluate, parse};
use crate::model::ValueStatus;
use crate::{Atlas, Error, Result};

/// The usual rules: name, condition with the sample's keys, where it comes from.
pub const PRESETS: [(&str, &str, &str); 3] = [
    (
        "ba",
        "ew >= 1000",
        "Bundesagentur für Arbeit: kleinräumige Zahlen nur für Gebiete ab 1.000 Einwohnern",
    ),
    (
        "keck",
        "ew_u6 >= 50",
        "KECK: mindestens 50 Kinder einer Altersgruppe je Gebiet, um über sie etwas zu sagen",
    ),
    (
        "sozialraum",
        "ew >= 10000",
        "Sozialraum: 10.000 bis 15.000 Einwohner empfohlen",
    ),
];

/// One area against the rule.
#[derive(Debug, Clone, Serialize)]
pub struct AreaSize {
    /// The area key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The value of the rule's first indicator (e.g. the residents), where known.
    pub value: Option<f64>,
    /// Whether the area meets the rule; `None` where it cannot be told (input missing or
    /// secret).
    pub meets: Option<bool>,
    /// Why it cannot be told.
    pub reason: Option<String>,
}

/// The check of a level.
#[derive(Debug, Clone, Serialize)]
pub struct SizeCheck {
    /// The level.
    pub level: String,
    /// The period.
    pub period: String,
    /// The rule as given (a preset's name is replaced by its condition).
    pub rule: String,
    /// Where the rule comes from, for a preset.
    pub source: Option<String>,
    /// The indicator whose value is shown.
    pub shown_indicator: Option<String>,
    /// Every area, in key order.
    pub areas: Vec<AreaSize>,
    /// Keys of the areas that do not meet the rule.
    pub too_small: Vec<String>,
    /// Keys of the areas for which it cannot be told.
    pub unknown: Vec<String>,
}

/// Checks the areas of `level` in `period` (default: the latest period in which the rule's
/// indicators have values there) against `rule`, a condition or a preset's name.
pub fn check_sizes(atlas: &Atlas, level: &str, period: Option<&str>, rule: &str) -> Result<SizeCheck> {
    let (condition, source) = match PRESETS.iter().find(|(name, _, _)| *name == rule.trim()) {
        Some((_, condition, source)) => (condition.to_string(), Some(source.to_string())),
        None => (rule.trim().to_string(), None),
    };
    let formula = parse(atlas, &condition)?;
    let level = atlas.level(level)?;
    let period = match period {
        Some(p) => atlas.period(p)?,
        None => {
            let mut latest = None;
            for p in atlas.periods()? {
                let mut all = !formula.inputs.is_empty();
                for key in &formula.inputs {
                    let meta = atlas.indicator(key)?;
                    all &= atlas
                        .column(meta.id, level.id, p.id)?
                        .status
                        .contains(&Some(ValueStatus::Ok));
                }
                if all {
                    latest = Some(p);
                }
            }
            latest.ok_or_else(|| {
                Error::Invalid(format!(
                    "Regel „{condition}“: auf Ebene „{}“ gibt es keinen Zeitraum, in dem {} Werte hat",
                    level.name,
                    formula.inputs.join(", ")
                ))
            })?
        }
    };
    let series = evaluate(atlas, &formula, level.id, &period)?;
    let shown_indicator = formula.inputs.first().cloned();
    let shown = match &shown_indicator {
        Some(key) => Some(atlas.column(atlas.indicator(key)?.id, level.id, period.id)?),
        None => None,
    };
    let areas = atlas.level_areas(level.id)?;
    let mut out = Vec::new();
    for (i, (area, computed)) in areas.iter().zip(&series.values).enumerate() {
        let value = shown
            .as_ref()
            .filter(|c| c.status[i] == Some(ValueStatus::Ok))
            .map(|c| c.numbers[i]);
        let (meets, reason) = match computed.value.number() {
            Some(v) if v == 0.0 || v == 1.0 => (Some(v == 1.0), None),
            Some(v) => {
                return Err(Error::Invalid(format!(
                    "Regel „{condition}“ ist keine Bedingung (ergibt {v} statt wahr oder falsch); z. B. „ew >= 1000“"
                )))
            }
            None => (None, computed.value.note.clone()),
        };
        out.push(AreaSize {
            key: area.key.to_string(),
            name: area.name.to_string(),
            value,
            meets,
            reason,
        });
    }
    Ok(SizeCheck {
        level: level.name,
        period: period.label,
        rule: condition,
        source,
        shown_indicator,
        too_small: out
            .iter()
            .filter(|a| a.meets == Some(false))
            .map(|a| a.key.clone())
            .collect(),
        unknown: out
            .iter()
            .filter(|a| a.meets.is_none())
            .map(|a| a.key.clone())
            .collect(),
        areas: out,
    })
}
