//! Analyses on stored values: the catalogue. Each analysis is one module with a request type,
//! a function that computes (`aggregate`, `suppress`, `classify_series`, `status_dynamics`,
//! `composite_index`, `rank`, `lisa`, `distance`) and, where results can be kept, a `save_…`
//! twin that stores them as derived indicators with a `derived_run` record
//! ([`crate::store::DerivedRun`]). Module names are the CLI's verbs.
//!
//! | module | CLI verb | what it computes |
//! |---|---|---|
//! | [`aggregate`] | `aggregate` | an indicator on a coarser level or the whole municipality, by its rule |
//! | [`suppress`] | `suppress` | primary, derived and secondary suppression along the area hierarchy |
//! | [`linked`] | – (with `suppress`) | suppression on linked tables (declared sums between indicators), exact intervals by linear programming |
//! | [`classify`] | `classify` | map classes (equal interval, quantile, exact Jenks, standard deviation, pretty, manual, box plot, diverging) |
//! | [`status_dynamics`] | `status-dynamics` | status and dynamics indices and their 4 × 3 classes (Berlin MSS, Hamburg RISE, Solingen) |
//! | [`index`] | `index` | composite indices (OECD/JRC) with checks and Monte Carlo uncertainty |
//! | [`rank`] | `rank` | ranks with ties and deviations from the reference value |
//! | [`hotspots`] | `hotspots` | queen contiguity, Moran's I and LISA cluster classes |
//! | [`distance`] | `distance` | nearest POI, shares within radii, 2SFCA supply, scenarios, isochrones |
//! | [`compute`] | `compute` | computed indicators: a formula over other indicators (polars expressions), kept current by refresh |
//! | [`crosswalk`] | `crosswalk` | areal interpolation onto areas that do not nest, by area or residents at addresses, with a quality figure |
//! | [`query`] | `query` | read-only SQL over a view of the values (polars SQL), suppressed unless internal |
//! | [`sizes`] | `check-sizes` | areas too small to report by a rule (BA 1,000 residents, KECK 50 children, Sozialraum 10,000) |
//! | [`chart`] | – (diagrams) | the figures behind the diagrams (scatter with regression, time series, age structure) |
//!
//! Lower layers that the analyses share, never the other way round:
//! - [`origins`]: where people live as points in metres, and the POI and polygon indices;
//! - [`network`]: walking distances on a street network (multi-source Dijkstra);
//! - [`stats`]: z-scores, ranks, correlation, a seeded generator.
//!
//! To add an analysis: a module here (request, result with `Serialize`, compute and `save_…`),
//! a row in this table, a verb in `src/cli/analysis.rs` and, for the app, a variant of
//! `app::command::Command`.
//!
//! Shared inputs live here: [`IndicatorChoice`] (key, polarity, weight) and
//! [`MinPopulation`] (the minimum population rule).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::model::{Polarity, ValueStatus};
use crate::{Atlas, Error, Result, StoredValue};

pub mod aggregate;
pub mod chart;
pub mod classify;
pub mod compute;
pub mod crosswalk;
pub mod distance;
pub mod hotspots;
pub mod index;
pub mod linked;
pub mod network;
pub mod origins;
pub mod query;
pub mod rank;
pub mod sizes;
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
        let areas = atlas.level_areas(level_id)?;
        Ok(self
            .reasons(atlas, level_id, period_id)?
            .into_iter()
            .zip(areas.iter())
            .filter_map(|(reason, area)| reason.map(|r| (area.id, r)))
            .collect())
    }

    /// Like [`MinPopulation::small_areas`], aligned to the level's areas in key order
    /// ([`Atlas::level_areas`]): the reason for each area that falls under the rule.
    pub fn reasons(&self, atlas: &Atlas, level_id: i64, period_id: i64) -> Result<Vec<Option<String>>> {
        let meta = atlas.indicator(&self.indicator)?;
        let population = atlas.column(meta.id, level_id, period_id)?;
        // "unter 300 Einwohnern (212 laut „ew“)": the parts around the number are the same
        // for every area, so they are put together once.
        let before = format!("unter {} Einwohnern (", crate::numbers::format_german(self.minimum, 0));
        let after = format!(" laut „{}“)", self.indicator);
        let missing = format!("Einwohnerzahl „{}“ fehlt", self.indicator);
        Ok((0..population.numbers.len())
            .map(|i| match population.number(i) {
                Some(p) if p < self.minimum => {
                    let number = crate::numbers::format_german(p, 0);
                    let mut reason = String::with_capacity(before.len() + number.len() + after.len());
                    reason.push_str(&before);
                    reason.push_str(&number);
                    reason.push_str(&after);
                    Some(reason)
                }
                Some(_) => None,
                None => Some(missing.clone()),
            })
            .collect())
    }
}

/// One input indicator with its direction and weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorChoice {
    /// The indicator key in the atlas.
    pub key: String,
    /// Whether high is good; `None` takes the indicator's declared polarity (neutral counts
    /// as "higher is worse", the usual reading of social indicators).
    pub polarity: Option<Polarity>,
    /// Weight of its z-value in the sum (1 for the MSS).
    pub weight: f64,
}

impl IndicatorChoice {
    /// An indicator with its declared polarity and weight 1.
    pub fn new(key: &str) -> Self {
        IndicatorChoice {
            key: key.to_string(),
            polarity: None,
            weight: 1.0,
        }
    }

    /// Parses `KEY`, `KEY:+` (high is favourable), `KEY:-` (high is unfavourable) and
    /// `KEY:±:WEIGHT` (German or English decimals).
    ///
    /// ```
    /// use quartier_core::analysis::IndicatorChoice;
    /// use quartier_core::model::Polarity;
    /// let c = IndicatorChoice::parse("wohndauer:+:0,5").unwrap();
    /// assert_eq!((c.key.as_str(), c.polarity, c.weight), ("wohndauer", Some(Polarity::HigherIsBetter), 0.5));
    /// assert!(IndicatorChoice::parse("s1:?").is_err());
    /// ```
    pub fn parse(spec: &str) -> Result<Self> {
        let mut parts = spec.split(':').map(str::trim);
        let key = parts.next().unwrap_or("").to_string();
        if key.is_empty() {
            return Err(Error::Invalid(format!("Indikatorangabe „{spec}“ ohne Schlüssel")));
        }
        let polarity = match parts.next() {
            None | Some("") => None,
            Some("+") => Some(Polarity::HigherIsBetter),
            Some("-") => Some(Polarity::HigherIsWorse),
            Some(other) => {
                return Err(Error::Invalid(format!(
                "Indikatorangabe „{spec}“: Richtung „{other}“ unbekannt (+ = hoch ist günstig, - = hoch ist ungünstig)"
            )))
            }
        };
        let weight = match parts.next() {
            None | Some("") => 1.0,
            Some(w) => w
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|w| w.is_finite() && *w > 0.0)
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "Indikatorangabe „{spec}“: Gewicht „{w}“ ist keine positive Zahl"
                    ))
                })?,
        };
        if parts.next().is_some() {
            return Err(Error::Invalid(format!(
                "Indikatorangabe „{spec}“: erwartet SCHLÜSSEL[:+|-][:GEWICHT]"
            )));
        }
        Ok(IndicatorChoice { key, polarity, weight })
    }

    /// +1 where high is unfavourable (or neutral, the usual reading of social indicators),
    /// −1 where high is favourable.
    pub fn unfavourable_sign(&self, declared: Polarity) -> f64 {
        match self.polarity.unwrap_or(declared) {
            Polarity::HigherIsBetter => -1.0,
            Polarity::HigherIsWorse | Polarity::Neutral => 1.0,
        }
    }
}

/// The stored values of one derived indicator from per-area results by area key: computed
/// areas get their number or class text with status ok; areas left out get "x" with the
/// reason as note. Keys not in `ids` are skipped.
pub(crate) fn derived_values<'a>(
    ids: &HashMap<String, i64>,
    computed: impl IntoIterator<Item = (&'a str, Option<f64>, Option<String>)>,
    left_out: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<i64, StoredValue> {
    let mut values = BTreeMap::new();
    for (key, value, text) in computed {
        if let Some(id) = ids.get(key) {
            values.insert(
                *id,
                StoredValue {
                    value,
                    text,
                    status: ValueStatus::Ok,
                    note: None,
                    flag: None,
                },
            );
        }
    }
    for (key, reason) in left_out {
        if let Some(id) = ids.get(key) {
            values.insert(
                *id,
                StoredValue {
                    value: None,
                    text: None,
                    status: ValueStatus::NotApplicable,
                    note: Some(reason.to_string()),
                    flag: None,
                },
            );
        }
    }
    values
}

/// Area key → id of a level, for saving derived values.
/// Whether an analysis run by `method` may save its result under indicator `key`: a new key,
/// or one that an earlier run of the same method saved. An imported indicator, or one that
/// another method derived, is never overwritten; the error says why and what to do.
///
/// The app's dialogs ask this while the key is typed, before the run.
pub fn check_save_key(atlas: &Atlas, key: &str, method: &str) -> Result<()> {
    let Ok(existing) = atlas.indicator(key) else {
        return Ok(());
    };
    match atlas.derived_run(key)? {
        Some((run, _)) if run.method == method => Ok(()),
        Some((run, _)) => Err(Error::Invalid(format!(
            "„{key}“ ({}) wurde mit „{}“ berechnet und wird nicht überschrieben; bitte einen neuen Schlüssel wählen",
            existing.name, run.method
        ))),
        None => Err(Error::Invalid(format!(
            "„{key}“ ({}) ist ein importierter Indikator und wird nicht überschrieben; bitte einen neuen Schlüssel wählen",
            existing.name
        ))),
    }
}

pub(crate) fn area_ids(atlas: &Atlas, level_id: i64) -> Result<HashMap<String, i64>> {
    Ok(atlas
        .areas(level_id)?
        .into_iter()
        .map(|a| (a.key.to_string(), a.id))
        .collect())
}
