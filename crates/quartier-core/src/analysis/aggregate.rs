//! Aggregation of an indicator from a level to a coarser level or to the whole municipality,
//! by the indicator's declared rule:
//!
//! - **sum** (counts): the sum of the parts; a missing or suppressed part makes the result
//!   missing, always (a partial sum is an undercount);
//! - **ratio of sums** (shares, rates): Σ numerator / Σ denominator × 100 (share) or × 1,000
//!   (rate), never the mean of the parts' shares;
//! - **weighted mean by X**: Σ value·X / Σ X, only where declared;
//! - **not aggregable** and undeclared rules refuse, with the reason.
//!
//! Parts with status "x" (not applicable) take no part. With `allow_partial`, ratios and
//! weighted means use the parts that have values and report the coverage; sums never do.
//! The reference row (Gesamtstadt) is the same aggregation over all areas of a level
//! ([`crate::reference`]).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use crate::model::{AggregationRule, IndicatorKind, IndicatorMeta, ValueStatus};
use crate::progress::{check_cancel, Progress};
use crate::store::{Column, MergedArea};
use crate::{Atlas, Error, Result, StoredValue};

/// An indicator's inputs at one level and period, loaded once for all groups.
pub(crate) struct RuleInputs {
    rule: AggregationRule,
    /// Method text, e.g. "Σ ew_u6 / Σ ew".
    method: String,
    values: Arc<Column>,
    numerator: Arc<Column>,
    denominator: Arc<Column>,
    weights: Arc<Column>,
    factor: f64,
    /// The level's combined areas ("A und B"), which stand in for their members where the
    /// members have no value.
    merged: Arc<Vec<MergedArea>>,
}

impl RuleInputs {
    /// Loads what the rule needs; `Err(reason)` inside `Ok` when the rule refuses.
    pub(crate) fn load(
        atlas: &Atlas,
        indicator: &IndicatorMeta,
        level_id: i64,
        period_id: i64,
    ) -> Result<std::result::Result<Self, String>> {
        let values_of = |key: &str| -> Result<Arc<Column>> {
            let meta = atlas.indicator(key)?;
            atlas.column(meta.id, level_id, period_id)
        };
        let areas = atlas.level_areas(level_id)?.len();
        // The inputs a rule does not use, one shared empty column.
        let unused = Arc::new(Column::empty(areas));
        let empty = || Arc::clone(&unused);
        let (method, numerator, denominator, weights) = match &indicator.aggregation {
            AggregationRule::Sum => ("Summe der Gebiete".to_string(), empty(), empty(), empty()),
            AggregationRule::RatioOfSums => {
                let (Some(nk), Some(dk)) = (&indicator.numerator, &indicator.denominator) else {
                    return Ok(Err("Quotient der Summen: Zähler oder Nenner nicht angegeben".into()));
                };
                (format!("Σ {nk} / Σ {dk}"), values_of(nk)?, values_of(dk)?, empty())
            }
            AggregationRule::WeightedMean(by) => (
                format!("mit „{by}“ gewichtetes Mittel"),
                empty(),
                empty(),
                values_of(by)?,
            ),
            AggregationRule::NotAggregable => return Ok(Err("nicht aggregierbar".into())),
            AggregationRule::Unspecified => return Ok(Err("keine Aggregationsregel festgelegt".into())),
        };
        Ok(Ok(RuleInputs {
            rule: indicator.aggregation.clone(),
            method,
            values: atlas.column(indicator.id, level_id, period_id)?,
            numerator,
            denominator,
            weights,
            factor: match indicator.kind {
                IndicatorKind::Share => 100.0,
                IndicatorKind::RatePer1000 => 1000.0,
                _ => 1.0,
            },
            merged: atlas.merged_areas(level_id)?,
        }))
    }

    /// The column that decides whether a combined area stands in for its members: the one
    /// the rule sums on top.
    pub(crate) fn deciding(&self) -> &Column {
        match self.rule {
            AggregationRule::RatioOfSums => &self.numerator,
            _ => &self.values,
        }
    }

    /// The level's combined areas.
    pub(crate) fn merged(&self) -> &[MergedArea] {
        &self.merged
    }

    /// Whether the indicator itself has any stored value at the level and period.
    pub(crate) fn has_values(&self) -> bool {
        !self.values.is_empty()
    }

    /// Combines the parts `members` (positions in the loaded level's areas in key order,
    /// [`Atlas::level_areas`]).
    pub(crate) fn combine(&self, members: &[usize], allow_partial: bool) -> Combined {
        let members: Vec<(usize, f64)> = self.standing_in(members).iter().map(|&i| (i, 1.0)).collect();
        self.combine_weighted(&members, allow_partial)
    }

    /// Combines parts that enter with a weight each (position, weight): whole parts with 1,
    /// pieces of split areas with their share ([`super::crosswalk`]). Counts, numerators,
    /// denominators and the weights of a weighted mean are multiplied by the weight; a
    /// weight of 1 leaves every number as it is. Combined areas are the caller's to resolve.
    pub(crate) fn combine_weighted(&self, members: &[(usize, f64)], allow_partial: bool) -> Combined {
        let ok = |m: &Column, i: usize| m.number(i);
        let not_applicable = |m: &Column, i: usize| m.status[i] == Some(ValueStatus::NotApplicable);
        // One loop per rule (the rule is chosen once, not per part): each part is skipped
        // (`None`, "x"), a gap (`Some(None)`), or adds (top, bottom).
        let (top, bottom, used, gaps, skipped) = match &self.rule {
            AggregationRule::Sum => tally(members, |i, w| {
                (!not_applicable(&self.values, i)).then(|| ok(&self.values, i).map(|v| (v * w, 0.0)))
            }),
            AggregationRule::RatioOfSums => tally(members, |i, w| {
                (!not_applicable(&self.numerator, i) && !not_applicable(&self.denominator, i)).then(|| {
                    ok(&self.numerator, i)
                        .zip(ok(&self.denominator, i))
                        .map(|(n, d)| (n * w, d * w))
                })
            }),
            AggregationRule::WeightedMean(_) => tally(members, |i, w| {
                (!not_applicable(&self.values, i)).then(|| {
                    ok(&self.values, i)
                        .zip(ok(&self.weights, i))
                        .map(|(v, x)| (v * x * w, x * w))
                })
            }),
            AggregationRule::NotAggregable | AggregationRule::Unspecified => tally(members, |_, _| Some(None)),
        };
        let total = members.len() - skipped;
        let none = |note: String| Combined {
            value: None,
            used,
            total,
            note,
        };
        let partial_ok = allow_partial && !matches!(self.rule, AggregationRule::Sum) && used > 0;
        if gaps > 0 && !partial_ok {
            return none(match self.rule {
                AggregationRule::Sum => format!("Summe nicht berechenbar: {gaps} Werte fehlen oder sind geheim"),
                AggregationRule::RatioOfSums => format!("{}: {gaps} Teilgebiete ohne Zähler oder Nenner", self.method),
                _ => format!("{} nicht berechenbar: {gaps} Werte oder Gewichte fehlen", self.method),
            });
        }
        if used == 0 {
            return none("keine Werte".into());
        }
        let value = match self.rule {
            AggregationRule::Sum => top,
            _ if bottom == 0.0 => return none(format!("{}: Nenner ist 0", self.method)),
            AggregationRule::RatioOfSums => top / bottom * self.factor,
            _ => top / bottom,
        };
        Combined {
            value: Some(value),
            used,
            total,
            note: if gaps > 0 {
                format!("{} über {used} von {total} Teilgebieten", self.method)
            } else {
                self.method.clone()
            },
        }
    }
}

impl RuleInputs {
    /// The parts with combined areas in place of their members where the combined area has
    /// a cell for this rule (its members then have none, [`MergedArea`]) and all its members
    /// are parts; every other combined area is left out, so that it is neither a gap nor
    /// counted twice. A combined area whose members fall into different groups stands in
    /// for none of them: their gaps stay gaps.
    fn standing_in<'a>(&self, parts: &'a [usize]) -> std::borrow::Cow<'a, [usize]> {
        if self.merged.is_empty() {
            return std::borrow::Cow::Borrowed(parts);
        }
        let deciding = self.deciding();
        let inside: HashSet<usize> = parts.iter().copied().collect();
        let mut leave_out: HashSet<usize> = HashSet::new();
        let mut add = Vec::new();
        for m in self.merged.iter() {
            let all_members = m.members.iter().all(|p| inside.contains(p));
            if deciding.status[m.combined].is_some() && all_members {
                leave_out.extend(m.members.iter().copied());
                if !inside.contains(&m.combined) {
                    add.push(m.combined);
                }
            } else {
                leave_out.insert(m.combined);
            }
        }
        std::borrow::Cow::Owned(
            parts
                .iter()
                .copied()
                .filter(|p| !leave_out.contains(p))
                .chain(add)
                .collect(),
        )
    }
}

/// Adds up the parts: (Σ top, Σ bottom, parts used, gaps, parts skipped), where `part` says
/// for each member and its weight whether it is skipped (`None`), a gap (`Some(None)`) or
/// adds its pair.
fn tally(
    members: &[(usize, f64)],
    part: impl Fn(usize, f64) -> Option<Option<(f64, f64)>>,
) -> (f64, f64, usize, usize, usize) {
    let (mut top, mut bottom, mut used, mut gaps, mut skipped) = (0.0, 0.0, 0, 0, 0);
    for &(i, w) in members {
        match part(i, w) {
            None => skipped += 1,
            Some(Some((t, b))) => {
                top += t;
                bottom += b;
                used += 1;
            }
            Some(None) => gaps += 1,
        }
    }
    (top, bottom, used, gaps, skipped)
}

/// One combined value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Combined {
    /// The value, or `None` when it cannot be computed honestly.
    pub value: Option<f64>,
    /// Parts whose values entered.
    pub used: usize,
    /// Parts that count (all but those with "x").
    pub total: usize,
    /// How it was computed, or why not (German).
    pub note: String,
}

impl Combined {
    /// The value as stored: the number with status ok, or missing; the note says how it was
    /// computed or why not; `flag` is a sign of official statistics ("s" for estimated).
    pub(crate) fn stored(&self, flag: Option<crate::model::ValueFlag>) -> StoredValue {
        StoredValue {
            value: self.value,
            text: None,
            status: if self.value.is_some() {
                ValueStatus::Ok
            } else {
                ValueStatus::Missing
            },
            note: Some(self.note.clone()),
            flag: self.value.and(flag),
        }
    }
}

/// Where derived values on another level come from, for the metadata of a copy under a
/// new key.
pub(crate) struct DerivedOrigin {
    /// Appended to the name in brackets: "aggregiert", "übertragen".
    pub(crate) name_suffix: &'static str,
    /// Put before the indicator's description.
    pub(crate) description: String,
}

/// One indicator's values for the areas of another level (by area key), with their origin.
pub(crate) struct LevelSeries {
    /// The indicator key.
    pub(crate) key: String,
    /// Area key → value.
    pub(crate) values: Vec<(String, StoredValue)>,
    /// Where they come from, for the metadata of a copy under a new key.
    pub(crate) origin: DerivedOrigin,
}

/// Stores series computed for `level` and `period` as derived values with the run's record,
/// in one transaction ([`derived_series`]: own keys unless imported values are there, or
/// `KEY_suffix`); returns the keys stored. Values of area keys the level lacks are dropped.
pub(crate) fn save_on_level(
    atlas: &mut Atlas,
    level: &str,
    period: &str,
    series: &[LevelSeries],
    key_suffix: Option<&str>,
    run: &crate::store::DerivedRun,
) -> Result<Vec<String>> {
    let level = atlas.level(level)?;
    let period = atlas.period(period)?;
    let ids: HashMap<String, i64> = atlas
        .areas(level.id)?
        .into_iter()
        .map(|a| (a.key.to_string(), a.id))
        .collect();
    let together: Vec<&str> = series.iter().map(|s| s.key.as_str()).collect();
    let outputs = series
        .iter()
        .map(|s| {
            let values = s
                .values
                .iter()
                .filter_map(|(key, value)| Some((*ids.get(key)?, value.clone())))
                .collect();
            derived_series(atlas, &level, &period, &s.key, key_suffix, &together, values, &s.origin)
        })
        .collect::<Result<Vec<_>>>()?;
    atlas.save_derived(level.id, period.id, run, &outputs)
}

/// The series of `key` computed for another level, ready to store: under the indicator's own
/// key, which is refused when the level already holds values of it for that period (imported
/// figures are never overwritten), or with `key_suffix` under `KEY_suffix`, with the
/// indicator's metadata; numerator and denominator then point to their copies when those are
/// stored `together`.
#[allow(clippy::too_many_arguments)]
fn derived_series(
    atlas: &Atlas,
    level: &crate::model::Level,
    period: &crate::model::Period,
    key: &str,
    key_suffix: Option<&str>,
    together: &[&str],
    values: std::collections::BTreeMap<i64, StoredValue>,
    origin: &DerivedOrigin,
) -> Result<crate::store::DerivedSeries> {
    let suffix = key_suffix.map(str::trim).filter(|s| !s.is_empty());
    let meta = atlas.indicator(key)?;
    let stored_key = format!("{key}{}", suffix.unwrap_or(""));
    if let Ok(existing) = atlas.indicator(&stored_key) {
        if !atlas.values(existing.id, level.id, period.id)?.is_empty() && suffix.is_none() {
            return Err(Error::Invalid(format!(
                "„{stored_key}“ hat auf Ebene „{}“ für {} schon Werte; sie werden nicht überschrieben. \
                 Mit einem Schlüsselzusatz (z. B. --save-suffix _agg) unter neuem Schlüssel speichern",
                level.name, period.label
            )));
        }
    }
    let with_suffix = |part: &Option<String>| match (part, suffix) {
        (Some(k), Some(s)) if together.contains(&k.as_str()) => format!("{k}{s}"),
        _ => String::new(),
    };
    let update = match suffix {
        None => crate::store::IndicatorUpdate::default(),
        Some(_) => crate::store::IndicatorUpdate {
            name: Some(format!("{} ({})", meta.name, origin.name_suffix)),
            topic: Some(meta.topic.clone()),
            unit: Some(meta.unit.clone()),
            decimals: Some(meta.decimals),
            kind: Some(meta.kind),
            numerator: Some(with_suffix(&meta.numerator)),
            denominator: Some(with_suffix(&meta.denominator)),
            aggregation: Some(meta.aggregation.clone()),
            polarity: Some(meta.polarity),
            description: Some(format!("{} {}", origin.description, meta.description)),
            source: Some(meta.source.clone()),
            ..Default::default()
        },
    };
    Ok(crate::store::DerivedSeries {
        key: stored_key,
        meta: update,
        values,
    })
}

/// What to aggregate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AggregateRequest {
    /// The finer level.
    pub from_level: String,
    /// The coarser level; `None` for the whole municipality.
    pub to_level: Option<String>,
    /// The period.
    pub period: String,
    /// Indicator keys; empty: every indicator with values at the finer level.
    pub indicators: Vec<String>,
    /// Group by the first N characters of the key instead of the parent links (e.g. 3-digit
    /// Ortsteil keys whose first digit is the Bezirk: 1).
    pub key_prefix: Option<usize>,
    /// Ratios and weighted means over the parts that have values, with the coverage stated.
    pub allow_partial: bool,
    /// Also give the unweighted mean of the parts, labelled as an alternative (never the
    /// reference).
    pub unweighted_mean: bool,
}

/// One aggregated area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AggregatedArea {
    /// Key of the coarser area.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The value, coverage and method.
    #[serde(flatten)]
    pub combined: Combined,
    /// The unweighted mean of the parts' values, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Alternative>,
}

/// A labelled alternative to the rule's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    /// What it is (German).
    pub label: String,
    /// The value, `None` without any part value.
    pub value: Option<f64>,
}

/// The label of the unweighted mean of areas.
pub const UNWEIGHTED_MEAN_LABEL: &str = "ungewichtetes Mittel der Gebiete (nur zum Vergleich, nicht die Referenz)";

impl RuleInputs {
    /// The unweighted mean of the members' own values (status ok), as a labelled alternative.
    pub(crate) fn unweighted_mean(&self, members: &[usize]) -> Alternative {
        let values: Vec<f64> = self
            .standing_in(members)
            .iter()
            .filter_map(|&i| self.values.number(i))
            .collect();
        Alternative {
            label: UNWEIGHTED_MEAN_LABEL.into(),
            value: (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64),
        }
    }
}

/// One indicator's aggregation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AggregatedIndicator {
    /// Indicator key.
    pub key: String,
    /// The rule, as stored.
    pub rule: String,
    /// Per coarser area, in key order.
    pub areas: Vec<AggregatedArea>,
}

/// An indicator that was not aggregated, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refused {
    /// Indicator key.
    pub key: String,
    /// Why, in German.
    pub reason: String,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregation {
    /// The finer level.
    pub from_level: String,
    /// The coarser level, or "Gesamtstadt".
    pub to_level: String,
    /// The period.
    pub period: String,
    /// How parts were grouped: "Gebietshierarchie", "Schlüsselpräfix N", "Gesamtstadt".
    pub grouping: String,
    /// Aggregated indicators.
    pub indicators: Vec<AggregatedIndicator>,
    /// Indicators refused (not aggregable, no rule, no values).
    pub refused: Vec<Refused>,
    /// Keys of finer areas that belong to no coarser area.
    pub unassigned: Vec<String>,
    /// Keys under which the aggregates were stored (empty unless saved).
    pub saved: Vec<String>,
}

/// The indicators loaded with their rule's inputs, and those refused.
pub(crate) type LoadedRules = (Vec<(IndicatorMeta, RuleInputs)>, Vec<Refused>);

/// The indicators to combine from a level and period, each with its rule's inputs: the keys
/// asked for, or (none asked for) every indicator with values there that is not categorical.
/// Those whose rule refuses, or without values, come back with the reason; when every key
/// asked for is refused, that is the error ("„ew“ wird nicht `verb`: …").
pub(crate) fn load_rules(
    atlas: &Atlas,
    asked: &[String],
    level: &crate::model::Level,
    period: &crate::model::Period,
    verb: &str,
) -> Result<LoadedRules> {
    let keys: Vec<String> = if asked.is_empty() {
        let mut keys = Vec::new();
        for meta in atlas.indicators()? {
            if meta.kind != IndicatorKind::Categorical && !atlas.values(meta.id, level.id, period.id)?.is_empty() {
                keys.push(meta.key);
            }
        }
        keys
    } else {
        asked.to_vec()
    };
    let mut loaded = Vec::new();
    let mut refused = Vec::new();
    for key in keys {
        let meta = atlas.indicator(&key)?;
        match RuleInputs::load(atlas, &meta, level.id, period.id)? {
            Err(reason) => refused.push(Refused { key, reason }),
            Ok(inputs) if !inputs.has_values() && !matches!(meta.aggregation, AggregationRule::RatioOfSums) => refused
                .push(Refused {
                    key,
                    reason: format!("keine Werte auf Ebene „{}“ für {}", level.name, period.label),
                }),
            Ok(inputs) => loaded.push((meta, inputs)),
        }
    }
    if !asked.is_empty() && loaded.is_empty() {
        if let Some(r) = refused.first() {
            return Err(Error::Invalid(format!("„{}“ wird nicht {verb}: {}", r.key, r.reason)));
        }
    }
    Ok((loaded, refused))
}

/// Aggregates indicators from a finer level to a coarser one (or the whole municipality).
pub fn aggregate(atlas: &Atlas, request: &AggregateRequest) -> Result<Aggregation> {
    let from = atlas.level(&request.from_level)?;
    let period = atlas.period(&request.period)?;
    let parts = atlas.level_areas(from.id)?;
    // Group the finer areas: (coarser key, name) → member positions in `parts`.
    let mut groups: Vec<(String, String, Vec<usize>)> = Vec::new();
    let mut unassigned = Vec::new();
    let (to_name, grouping) = match &request.to_level {
        None => {
            groups.push((String::new(), atlas.meta()?.name, (0..parts.len()).collect()));
            ("Gesamtstadt".to_string(), "Gesamtstadt".to_string())
        }
        Some(to_level) => {
            let to = atlas.level(to_level)?;
            if to.id == from.id {
                return Err(Error::Invalid(format!(
                    "Von- und Nach-Ebene sind gleich („{}“)",
                    to.name
                )));
            }
            let coarse = atlas.level_areas(to.id)?;
            let index_of: HashMap<i64, usize> = coarse.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
            groups = coarse
                .iter()
                .map(|a| (a.key.to_string(), a.name.to_string(), Vec::new()))
                .collect();
            let grouping = match request.key_prefix {
                Some(n) => {
                    // Both lists are in key order (bytewise, as SQLite's BINARY collation
                    // sorts), so the parts whose key begins with a coarser key of n bytes
                    // stand together: two binary searches per coarser area find them. A part
                    // whose key is shorter than n, or whose prefix is no coarser key, stays
                    // unassigned.
                    let mut assigned = vec![false; parts.len()];
                    for (group, c) in groups.iter_mut().zip(coarse.iter()) {
                        if c.key.len() != n {
                            continue;
                        }
                        let start = parts.partition_point(|p| *p.key < *c.key);
                        let len = parts[start..].partition_point(|p| p.key.starts_with(&*c.key));
                        group.2.extend(start..start + len);
                        assigned[start..start + len].fill(true);
                    }
                    unassigned.extend(
                        parts
                            .iter()
                            .zip(&assigned)
                            .filter(|(_, &assigned)| !assigned)
                            .map(|(a, _)| a.key.to_string()),
                    );
                    format!("Schlüsselpräfix {n}")
                }
                None => {
                    // Walk the parent links up until an area of the coarser level.
                    let mut parent: HashMap<i64, Option<i64>> = HashMap::new();
                    for level in atlas.levels()? {
                        for a in atlas.level_areas(level.id)?.iter() {
                            parent.insert(a.id, a.parent_area_id);
                        }
                    }
                    for (position, a) in parts.iter().enumerate() {
                        let mut at = a.parent_area_id;
                        let mut steps = 0;
                        while let Some(id) = at {
                            if index_of.contains_key(&id) || steps > 16 {
                                break;
                            }
                            at = parent.get(&id).copied().flatten();
                            steps += 1;
                        }
                        match at.and_then(|id| index_of.get(&id)) {
                            Some(i) => groups[*i].2.push(position),
                            None => unassigned.push(a.key.to_string()),
                        }
                    }
                    if unassigned.len() == parts.len() && !parts.is_empty() {
                        return Err(Error::Invalid(format!(
                            "Die Gebiete der Ebene „{}“ sind keinem Gebiet der Ebene „{}“ zugeordnet; \
                             beim Geometrie-Import --parent-level angeben oder mit --key-prefix N über den Schlüssel gruppieren",
                            from.name, to.name
                        )));
                    }
                    "Gebietshierarchie".to_string()
                }
            };
            (to.name, grouping)
        }
    };
    let (loaded, refused) = load_rules(atlas, &request.indicators, &from, &period, "aggregiert")?;
    let indicators = loaded
        .into_iter()
        .map(|(meta, inputs)| AggregatedIndicator {
            rule: meta.aggregation.to_stored(),
            areas: groups
                .iter()
                .map(|(k, name, members)| AggregatedArea {
                    key: k.clone(),
                    name: name.clone(),
                    combined: inputs.combine(members, request.allow_partial),
                    alternative: request.unweighted_mean.then(|| inputs.unweighted_mean(members)),
                })
                .collect(),
            key: meta.key,
        })
        .collect();
    Ok(Aggregation {
        from_level: from.name,
        to_level: to_name,
        period: period.label,
        grouping,
        indicators,
        refused,
        unassigned,
        saved: Vec::new(),
    })
}

/// Aggregates and stores the results at the coarser level as derived values, each
/// indicator with a `derived_run` record (method `aggregate`, levels, period, grouping).
///
/// Without `key_suffix` the aggregates go under the indicator's own key, which is refused
/// when the coarser level already holds values of it for that period (imported figures are
/// never overwritten); with a suffix (e.g. `_agg`) they go under `KEY_agg`, with the
/// indicator's metadata. Saving the whole-municipality aggregate is refused: that is the
/// reference row, computed on demand.
pub fn save_aggregation(
    atlas: &mut Atlas,
    request: &AggregateRequest,
    key_suffix: Option<&str>,
    progress: &dyn Progress,
) -> Result<Aggregation> {
    let Some(to_level) = &request.to_level else {
        return Err(Error::Invalid(
            "Die Gesamtstadt-Aggregation ist die Referenzzeile und wird nicht gespeichert; \
             zum Speichern eine gröbere Ebene angeben (--to-level)"
                .into(),
        ));
    };
    progress.report(0.1, "Zusammenfassen");
    let mut result = aggregate(atlas, request)?;
    check_cancel(progress)?;
    let series: Vec<LevelSeries> = result
        .indicators
        .iter()
        .map(|ind| LevelSeries {
            key: ind.key.clone(),
            values: ind
                .areas
                .iter()
                .map(|a| (a.key.clone(), a.combined.stored(None)))
                .collect(),
            origin: DerivedOrigin {
                name_suffix: "aggregiert",
                description: format!("Aus Ebene „{}“ aggregiert ({}).", result.from_level, ind.rule),
            },
        })
        .collect();
    let run = crate::store::DerivedRun {
        method: "aggregate".into(),
        parameters: serde_json::json!({
            "from_level": result.from_level,
            "to_level": result.to_level,
            "period": result.period,
            "grouping": result.grouping,
            "allow_partial": request.allow_partial,
        }),
        inputs: result.indicators.iter().map(|i| i.key.clone()).collect(),
    };
    progress.report(0.8, "Speichern");
    check_cancel(progress)?;
    result.saved = save_on_level(atlas, to_level, &request.period, &series, key_suffix, &run)?;
    Ok(result)
}
