//! Composite indices after the OECD/JRC *Handbook on Constructing Composite Indicators*
//! (2008): normalisation, polarity and weights, arithmetic or geometric aggregation, missing
//! data by exclusion or available cases, the usual checks (correlations, Cronbach's alpha,
//! first principal component), and an uncertainty analysis by Monte Carlo over weights,
//! normalisation and aggregation with per-area rank intervals and the share of rank variance
//! each choice explains.
//!
//! Direction: a higher index is **more favourable**. `KEY:+` (high is favourable) enters as
//! it is, `KEY:-` (high is unfavourable, the default for neutral indicators) with its sign
//! turned; rank 1 is the most favourable area.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::classify::quantile_sorted;
use super::stats::{correlation, mean_and_population_sd, ranks_descending, SeededRng};
use super::{area_ids, derived_values, IndicatorChoice, MinPopulation};
use crate::model::{IndicatorKind, Polarity, ValueStatus};
use crate::progress::map_parallel;
use crate::store::{DerivedRun, DerivedSeries, IndicatorUpdate};
use crate::{Atlas, Error, Progress, Result};

/// How indicator values are made comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// (x − mean) / sd over the areas (population sd).
    Z,
    /// (x − min) / (max − min), 0 to 1.
    MinMax,
    /// Rank 1…n (ties share the mean rank).
    Rank,
    /// Percentile rank 0…100.
    Percentile,
    /// (x − reference) / |reference|, the reference being the Gesamtstadt value.
    Reference,
    /// (x − target) / |target|, targets given per indicator.
    Target,
}

impl Normalisation {
    /// Every normalisation, in command-line order.
    pub const ALL: [Normalisation; 6] = [
        Normalisation::Z,
        Normalisation::MinMax,
        Normalisation::Rank,
        Normalisation::Percentile,
        Normalisation::Reference,
        Normalisation::Target,
    ];

    /// Parses `z`, `minmax`, `rank`, `percentile`, `reference`, `target` (and German words).
    pub fn parse(text: &str) -> Result<Self> {
        Ok(match text.trim().to_lowercase().as_str() {
            "z" | "zscore" | "z-score" | "z-wert" => Normalisation::Z,
            "minmax" | "min-max" => Normalisation::MinMax,
            "rank" | "rang" => Normalisation::Rank,
            "percentile" | "perzentil" => Normalisation::Percentile,
            "reference" | "referenz" | "distance-to-reference" => Normalisation::Reference,
            "target" | "ziel" | "zielwert" | "distance-to-target" => Normalisation::Target,
            other => {
                return Err(Error::Invalid(format!(
                    "Normierung „{other}“ unbekannt (z, minmax, rank, percentile, reference, target)"
                )))
            }
        })
    }

    /// German description for reports.
    pub fn describe_de(self) -> &'static str {
        match self {
            Normalisation::Z => "z-Wert (Abweichung vom Mittel in Standardabweichungen)",
            Normalisation::MinMax => "Min-Max (0 = schlechtestes, 1 = bestes Gebiet)",
            Normalisation::Rank => "Rang",
            Normalisation::Percentile => "Perzentilrang (0–100)",
            Normalisation::Reference => "Abstand zum Gesamtstadtwert, relativ",
            Normalisation::Target => "Abstand zum Zielwert, relativ",
        }
    }
}

/// How the normalised indicators are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Weighted arithmetic mean.
    Arithmetic,
    /// Weighted geometric mean of the normalised values rescaled to 1…100.
    Geometric,
}

impl Aggregation {
    /// Parses `arithmetic` or `geometric` (and German words).
    pub fn parse(text: &str) -> Result<Self> {
        Ok(match text.trim().to_lowercase().as_str() {
            "arithmetic" | "arithmetisch" | "linear" => Aggregation::Arithmetic,
            "geometric" | "geometrisch" => Aggregation::Geometric,
            other => {
                return Err(Error::Invalid(format!(
                    "Aggregation „{other}“ unbekannt (arithmetic, geometric)"
                )))
            }
        })
    }

    /// What the choice means for compensation between indicators (German).
    pub fn compensability_de(self) -> &'static str {
        match self {
            Aggregation::Arithmetic => {
                "Arithmetisches Mittel: voll kompensatorisch. Ein schlechter Wert wird durch einen \
                 gleich großen guten Wert in einem anderen Indikator vollständig ausgeglichen; die \
                 Gewichte sind Austauschraten zwischen den Indikatoren."
            }
            Aggregation::Geometric => {
                "Geometrisches Mittel: teilweise kompensatorisch. Schwächen wiegen schwerer als \
                 gleich große Stärken; ein Gebiet mit ausgeglichenen Werten steht besser da als eines \
                 mit Extremen. Dazu werden die normierten Werte je Indikator auf 1–100 skaliert."
            }
        }
    }
}

/// What to do with areas that lack some indicators.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "policy")]
pub enum MissingPolicy {
    /// Areas with any gap get no index.
    Exclude,
    /// The index over the indicators an area has, weights rescaled, when at least this share
    /// (0–1) of the indicators is there.
    Available {
        /// Minimum share of indicators.
        min_coverage: f64,
    },
}

/// The Monte Carlo uncertainty analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uncertainty {
    /// Number of runs.
    pub runs: usize,
    /// Each weight varies by up to ± this share (0.25: ± 25 %).
    pub weight_range: f64,
    /// Normalisations drawn from.
    pub normalisations: Vec<Normalisation>,
    /// Aggregations drawn from.
    pub aggregations: Vec<Aggregation>,
    /// Seed; the same seed gives the same result.
    pub seed: u64,
}

/// A composite index run.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexConfig {
    /// Level.
    pub level: String,
    /// Period.
    pub period: String,
    /// Indicators with polarity and weight.
    pub indicators: Vec<IndicatorChoice>,
    /// The weights are budget points that must add up to 100 (budget allocation).
    pub budget: bool,
    /// Normalisation.
    pub normalisation: Normalisation,
    /// Aggregation.
    pub aggregation: Aggregation,
    /// Target values per indicator key, for [`Normalisation::Target`].
    pub targets: BTreeMap<String, f64>,
    /// Missing data.
    pub missing: MissingPolicy,
    /// Areas below a minimum population take no part.
    pub min_population: Option<MinPopulation>,
    /// Area keys excluded by hand (outliers).
    pub exclude: Vec<String>,
    /// The uncertainty analysis, if wanted.
    pub uncertainty: Option<Uncertainty>,
}

/// An input indicator as used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexIndicator {
    /// Key.
    pub key: String,
    /// `+` (high is favourable) or `-`.
    pub polarity: String,
    /// Weight as given.
    pub weight: f64,
    /// Weight as a share of all weights.
    pub weight_share: f64,
    /// Reference or target value, for those normalisations.
    pub reference: Option<f64>,
}

/// One area's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexArea {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// The index (higher = more favourable).
    pub index: f64,
    /// Rank, 1 = most favourable; ties share the best rank.
    pub rank: usize,
    /// Indicators that entered.
    pub used: usize,
    /// Indicators asked for.
    pub total: usize,
    /// Median rank over the Monte Carlo runs.
    pub rank_median: Option<f64>,
    /// 5 % quantile of the rank.
    pub rank_p05: Option<f64>,
    /// 95 % quantile of the rank.
    pub rank_p95: Option<f64>,
}

/// An area without index, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexExcluded {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// Why (German).
    pub reason: String,
}

/// The statistical checks of the inputs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexChecks {
    /// Areas with all indicators, on which the checks run.
    pub complete_areas: usize,
    /// Pearson correlations of the oriented indicators (row and column order as `indicators`).
    pub correlation: Vec<Vec<Option<f64>>>,
    /// Cronbach's alpha of the standardised oriented indicators.
    pub cronbach_alpha: Option<f64>,
    /// Share of the variance on the first principal component (of the correlation matrix).
    pub first_component_share: Option<f64>,
    /// What the figures say (German).
    pub notes: Vec<String>,
}

/// How much of the rank variance one choice explains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// "Normierung", "Aggregation" or "Gewicht KEY".
    pub factor: String,
    /// First-order share of the rank variance, summed over areas (0–1).
    pub share: f64,
}

/// The uncertainty result beyond the per-area ranks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncertaintyResult {
    /// The settings.
    #[serde(flatten)]
    pub settings: Uncertainty,
    /// Per choice, largest first.
    pub sensitivity: Vec<Sensitivity>,
    /// Mean width of the 5–95 % rank interval.
    pub mean_interval_width: f64,
}

/// The outcome of [`composite_index`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexResult {
    /// Level.
    pub level: String,
    /// Period.
    pub period: String,
    /// "hoch = günstig".
    pub direction: String,
    /// The indicators as used.
    pub indicators: Vec<IndexIndicator>,
    /// "gleich", "vorgegeben" or "Budget (Punkte)".
    pub weighting: String,
    /// Normalisation.
    pub normalisation: Normalisation,
    /// Its description.
    pub normalisation_note: String,
    /// Aggregation.
    pub aggregation: Aggregation,
    /// What the aggregation means for compensation.
    pub compensability: String,
    /// Missing data policy.
    pub missing: MissingPolicy,
    /// Per area, by rank.
    pub areas: Vec<IndexArea>,
    /// Areas without index.
    pub excluded: Vec<IndexExcluded>,
    /// Checks of the inputs.
    pub checks: IndexChecks,
    /// Monte Carlo result, if run.
    pub uncertainty: Option<UncertaintyResult>,
    /// Keys saved (empty unless saved).
    pub saved: Vec<String>,
}

/// Normalised values: one column per indicator, one row per taking-part area; NaN = missing.
fn normalise(
    columns: &[Vec<f64>],
    how: Normalisation,
    references: &[Option<f64>],
    keys: &[String],
) -> Result<Vec<Vec<f64>>> {
    columns
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let present: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
            let (mean, sd) = mean_and_population_sd(&present).unwrap_or((0.0, 0.0));
            let (min, max) = present
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let constant = || Error::Invalid(format!("„{}“ hat in allen Gebieten denselben Wert", keys[i]));
            Ok(match how {
                Normalisation::Z => {
                    if sd == 0.0 {
                        return Err(constant());
                    }
                    col.iter().map(|v| (v - mean) / sd).collect()
                }
                Normalisation::MinMax => {
                    if max == min {
                        return Err(constant());
                    }
                    col.iter().map(|v| (v - min) / (max - min)).collect()
                }
                Normalisation::Rank | Normalisation::Percentile => {
                    let ranks = mean_ranks_ascending(col);
                    let n = present.len() as f64;
                    if how == Normalisation::Rank {
                        ranks
                    } else if n < 2.0 {
                        return Err(constant());
                    } else {
                        ranks.iter().map(|r| (r - 1.0) / (n - 1.0) * 100.0).collect()
                    }
                }
                Normalisation::Reference | Normalisation::Target => {
                    let r = references[i].filter(|r| *r != 0.0).ok_or_else(|| {
                        Error::Invalid(format!(
                            "„{}“: {} ist 0 oder fehlt; andere Normierung wählen",
                            keys[i],
                            if how == Normalisation::Target {
                                "der Zielwert"
                            } else {
                                "der Gesamtstadtwert"
                            }
                        ))
                    })?;
                    // Oriented columns carry the sign; so does the reference.
                    col.iter().map(|v| (v - r) / r.abs()).collect()
                }
            })
        })
        .collect()
}

/// Ascending ranks 1…n with ties sharing the mean rank; NaN stays NaN.
fn mean_ranks_ascending(col: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..col.len()).filter(|&i| !col[i].is_nan()).collect();
    order.sort_by(|&a, &b| col[a].total_cmp(&col[b]));
    let mut ranks = vec![f64::NAN; col.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && col[order[end]] == col[order[start]] {
            end += 1;
        }
        let mean_rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = mean_rank;
        }
        start = end;
    }
    ranks
}

/// Rescales each column to 1…100 for the geometric mean.
fn rescale_for_geometric(columns: &[Vec<f64>]) -> Vec<Vec<f64>> {
    columns
        .iter()
        .map(|col| {
            let (min, max) = col
                .iter()
                .filter(|v| !v.is_nan())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            col.iter()
                .map(|v| {
                    if max > min {
                        1.0 + 99.0 * (v - min) / (max - min)
                    } else {
                        50.5
                    }
                })
                .collect()
        })
        .collect()
}

/// The index per area from normalised columns (geometric: already rescaled) and weights;
/// missing values drop out with their weight.
fn combine(columns: &[Vec<f64>], weights: &[f64], how: Aggregation, out: &mut Vec<f64>) {
    let rows = columns.first().map_or(0, Vec::len);
    out.clear();
    out.extend((0..rows).map(|r| {
        let (mut acc, mut wsum) = (0.0, 0.0);
        for (col, w) in columns.iter().zip(weights) {
            let v = col[r];
            if v.is_nan() {
                continue;
            }
            acc += match how {
                Aggregation::Arithmetic => w * v,
                Aggregation::Geometric => w * v.ln(),
            };
            wsum += w;
        }
        match how {
            Aggregation::Arithmetic => acc / wsum,
            Aggregation::Geometric => (acc / wsum).exp(),
        }
    }));
}

/// Largest eigenvalue of a symmetric positive semi-definite matrix by power iteration.
fn largest_eigenvalue(m: &[Vec<f64>]) -> Option<f64> {
    let k = m.len();
    let mut v = vec![1.0 / (k as f64).sqrt(); k];
    let mut lambda = 0.0;
    for _ in 0..1000 {
        let w: Vec<f64> = (0..k).map(|i| (0..k).map(|j| m[i][j] * v[j]).sum()).collect();
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return None;
        }
        let next: Vec<f64> = w.iter().map(|x| x / norm).collect();
        let converged = (norm - lambda).abs() < 1e-12 * norm.max(1.0);
        lambda = norm;
        v = next;
        if converged {
            break;
        }
    }
    Some(lambda)
}

fn checks(oriented: &[Vec<f64>], keys: &[String]) -> IndexChecks {
    let k = oriented.len();
    let rows = oriented.first().map_or(0, Vec::len);
    let complete: Vec<usize> = (0..rows).filter(|&r| oriented.iter().all(|c| !c[r].is_nan())).collect();
    let cols: Vec<Vec<f64>> = oriented
        .iter()
        .map(|c| complete.iter().map(|&r| c[r]).collect())
        .collect();
    let correlation: Vec<Vec<Option<f64>>> = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| {
                    if i == j {
                        Some(1.0)
                    } else {
                        correlation(&cols[i], &cols[j])
                    }
                })
                .collect()
        })
        .collect();
    let full = correlation.iter().all(|row| row.iter().all(Option::is_some));
    let matrix: Vec<Vec<f64>> = correlation
        .iter()
        .map(|r| r.iter().map(|v| v.unwrap_or(0.0)).collect())
        .collect();
    // Standardised alpha: k·r̄ / (1 + (k − 1)·r̄), r̄ the mean inter-item correlation.
    let cronbach_alpha = (full && k >= 2).then(|| {
        let pairs = (k * (k - 1)) as f64;
        let mean_r = (0..k)
            .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| matrix[i][j])
            .sum::<f64>()
            / pairs;
        k as f64 * mean_r / (1.0 + (k as f64 - 1.0) * mean_r)
    });
    let first_component_share = if full && k >= 1 {
        largest_eigenvalue(&matrix).map(|l| l / k as f64)
    } else {
        None
    };
    let mut notes = Vec::new();
    for i in 0..k {
        for j in i + 1..k {
            if let Some(r) = correlation[i][j] {
                if r < -0.3 {
                    notes.push(format!(
                        "„{}“ und „{}“ hängen nach der Ausrichtung negativ zusammen (r = {}): sie heben sich im Index teilweise auf",
                        keys[i],
                        keys[j],
                        crate::numbers::format_german(r, 2)
                    ));
                } else if r > 0.9 {
                    notes.push(format!(
                        "„{}“ und „{}“ sind fast gleich (r = {}): der Inhalt zählt doppelt",
                        keys[i],
                        keys[j],
                        crate::numbers::format_german(r, 2)
                    ));
                }
            }
        }
    }
    if let Some(a) = cronbach_alpha {
        notes.push(if a >= 0.7 {
            format!(
                "Cronbachs Alpha {}: die Indikatoren messen Verwandtes",
                crate::numbers::format_german(a, 2)
            )
        } else {
            format!(
                "Cronbachs Alpha {} unter 0,7: die Indikatoren messen Verschiedenes; ein Gesamtindex verdeckt das",
                crate::numbers::format_german(a, 2)
            )
        });
    }
    IndexChecks {
        complete_areas: complete.len(),
        correlation,
        cronbach_alpha,
        first_component_share,
        notes,
    }
}

/// Computes the index. Reads only; see [`save_composite_index`] to store it. The Monte Carlo
/// runs report to `progress` and stop when it cancels.
pub fn composite_index(atlas: &Atlas, config: &IndexConfig, progress: &dyn Progress) -> Result<IndexResult> {
    if config.indicators.len() < 2 {
        return Err(Error::Invalid(
            "Ein Index braucht mindestens zwei Indikatoren (--indicators I1:+:w1,I2:-:w2,…)".into(),
        ));
    }
    let level = atlas.level(&config.level)?;
    let period = atlas.period(&config.period)?;
    let areas = atlas.areas(level.id)?;
    let keys: Vec<String> = config.indicators.iter().map(|c| c.key.clone()).collect();
    if let Some(dup) = keys.iter().enumerate().find(|(i, k)| keys[..*i].contains(k)) {
        return Err(Error::Invalid(format!("Indikator „{}“ ist doppelt angegeben", dup.1)));
    }
    let weight_sum: f64 = config.indicators.iter().map(|c| c.weight).sum();
    if config.budget && (weight_sum - 100.0).abs() > 1e-9 {
        return Err(Error::Invalid(format!(
            "Budget-Gewichte müssen zusammen 100 Punkte ergeben, nicht {}",
            crate::numbers::format_german(weight_sum, 2)
        )));
    }
    if let MissingPolicy::Available { min_coverage } = config.missing {
        if !(0.0..=1.0).contains(&min_coverage) {
            return Err(Error::Invalid(format!(
                "Mindestabdeckung muss zwischen 0 und 1 liegen, nicht {min_coverage}"
            )));
        }
    }
    // Load and orient: favourable values high.
    let mut series = Vec::new();
    let mut signs = Vec::new();
    let mut references = Vec::new();
    for c in &config.indicators {
        let meta = atlas.indicator(&c.key)?;
        if meta.kind == IndicatorKind::Categorical {
            return Err(Error::Invalid(format!("Indikator „{}“ ist kategorial", c.key)));
        }
        let values = atlas.values(meta.id, level.id, period.id)?;
        if values.is_empty() {
            return Err(Error::Invalid(format!(
                "Indikator „{}“ hat auf Ebene „{}“ für {} keine Werte",
                c.key, level.name, period.label
            )));
        }
        let sign = -c.unfavourable_sign(meta.polarity);
        let reference =
            match config.normalisation {
                Normalisation::Reference => crate::reference::reference_value(atlas, &meta, level.id, period.id)?.value,
                Normalisation::Target => Some(*config.targets.get(&c.key).ok_or_else(|| {
                    Error::Invalid(format!("Zielwert für „{}“ fehlt (--targets {}=WERT)", c.key, c.key))
                })?),
                _ => None,
            };
        references.push(reference);
        signs.push(sign);
        series.push(values);
    }
    // Which areas take part.
    let small = match &config.min_population {
        Some(rule) => rule.small_areas(atlas, level.id, period.id)?,
        None => Default::default(),
    };
    let k = keys.len();
    let mut excluded = Vec::new();
    let mut taking_part = Vec::new();
    if let Some(unknown) = config.exclude.iter().find(|k| !areas.iter().any(|a| *a.key == **k)) {
        return Err(Error::Invalid(format!(
            "Auszuschließendes Gebiet „{unknown}“ gibt es auf Ebene „{}“ nicht",
            level.name
        )));
    }
    for a in &areas {
        let by_hand = config
            .exclude
            .iter()
            .any(|k| **k == *a.key)
            .then(|| "von Hand ausgeschlossen".to_string());
        if let Some(reason) = by_hand.or_else(|| small.get(&a.id).cloned()) {
            excluded.push(IndexExcluded {
                key: a.key.to_string(),
                name: a.name.to_string(),
                reason,
            });
            continue;
        }
        let gaps: Vec<String> = keys
            .iter()
            .zip(&series)
            .filter_map(|(key, s)| {
                let v = s.get(&a.id);
                match v {
                    Some(v) if v.status == ValueStatus::Ok && v.value.is_some() => None,
                    Some(v) if v.status == ValueStatus::Suppressed => Some(format!("{key} k. A.")),
                    _ => Some(format!("{key} fehlt")),
                }
            })
            .collect();
        let allowed = match config.missing {
            MissingPolicy::Exclude => gaps.is_empty(),
            MissingPolicy::Available { min_coverage } => {
                gaps.len() < k && (k - gaps.len()) as f64 / k as f64 >= min_coverage - 1e-12
            }
        };
        if allowed {
            taking_part.push(a);
        } else {
            excluded.push(IndexExcluded {
                key: a.key.to_string(),
                name: a.name.to_string(),
                reason: format!("Werte fehlen: {}", gaps.join(", ")),
            });
        }
    }
    if taking_part.len() < 2 {
        return Err(Error::Invalid(format!(
            "Zu wenige Gebiete mit Werten auf Ebene „{}“ für {} ({} von {})",
            level.name,
            period.label,
            taking_part.len(),
            areas.len()
        )));
    }
    let oriented: Vec<Vec<f64>> = series
        .iter()
        .zip(&signs)
        .map(|(s, sign)| {
            taking_part
                .iter()
                .map(|a| {
                    s.get(&a.id)
                        .and_then(crate::StoredValue::number)
                        .map_or(f64::NAN, |v| v * sign)
                })
                .collect()
        })
        .collect();
    let oriented_refs: Vec<Option<f64>> = references.iter().zip(&signs).map(|(r, s)| r.map(|r| r * s)).collect();
    let weights: Vec<f64> = config.indicators.iter().map(|c| c.weight).collect();
    let index_for = |how: Normalisation, agg: Aggregation, weights: &[f64]| -> Result<Vec<f64>> {
        let mut cols = normalise(&oriented, how, &oriented_refs, &keys)?;
        if agg == Aggregation::Geometric {
            cols = rescale_for_geometric(&cols);
        }
        let mut out = Vec::new();
        combine(&cols, weights, agg, &mut out);
        Ok(out)
    };
    let index = index_for(config.normalisation, config.aggregation, &weights)?;
    let ranks = ranks_descending(&index);
    let mut result_areas: Vec<IndexArea> = taking_part
        .iter()
        .enumerate()
        .map(|(r, a)| {
            let used = oriented.iter().filter(|c| !c[r].is_nan()).count();
            IndexArea {
                key: a.key.to_string(),
                name: a.name.to_string(),
                index: index[r],
                rank: ranks[r].unwrap_or(0),
                used,
                total: k,
                rank_median: None,
                rank_p05: None,
                rank_p95: None,
            }
        })
        .collect();
    let uncertainty = match &config.uncertainty {
        Some(u) => Some(monte_carlo(
            u,
            &oriented,
            &oriented_refs,
            &keys,
            &weights,
            &mut result_areas,
            progress,
        )?),
        None => None,
    };
    result_areas.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.key.cmp(&b.key)));
    let given = config.indicators.iter().any(|c| c.weight != 1.0);
    Ok(IndexResult {
        level: level.name,
        period: period.label,
        direction: "hoch = günstig; Rang 1 = günstigstes Gebiet".into(),
        indicators: config
            .indicators
            .iter()
            .zip(&signs)
            .zip(&references)
            .map(|((c, s), r)| IndexIndicator {
                key: c.key.clone(),
                polarity: if *s > 0.0 { "+" } else { "-" }.into(),
                weight: c.weight,
                weight_share: c.weight / weight_sum,
                reference: *r,
            })
            .collect(),
        weighting: if config.budget {
            "Budget (Punkte)".into()
        } else if given {
            "vorgegeben".into()
        } else {
            "gleich".into()
        },
        normalisation: config.normalisation,
        normalisation_note: config.normalisation.describe_de().into(),
        aggregation: config.aggregation,
        compensability: config.aggregation.compensability_de().into(),
        missing: config.missing,
        areas: result_areas,
        excluded,
        checks: checks(&oriented, &keys),
        uncertainty,
        saved: Vec::new(),
    })
}

/// One Monte Carlo run's draws.
struct Draw {
    normalisation: usize,
    aggregation: usize,
    multipliers: Vec<f64>,
}

fn monte_carlo(
    u: &Uncertainty,
    oriented: &[Vec<f64>],
    references: &[Option<f64>],
    keys: &[String],
    weights: &[f64],
    areas: &mut [IndexArea],
    progress: &dyn Progress,
) -> Result<UncertaintyResult> {
    if u.runs < 10 {
        return Err(Error::Invalid(format!(
            "Für die Unsicherheitsanalyse sind mindestens 10 Läufe nötig, nicht {}",
            u.runs
        )));
    }
    if !(0.0..1.0).contains(&u.weight_range) {
        return Err(Error::Invalid(format!(
            "Die Gewichtsspanne muss zwischen 0 und 1 liegen (0,25 = ± 25 %), nicht {}",
            u.weight_range
        )));
    }
    if u.normalisations.is_empty() || u.aggregations.is_empty() {
        return Err(Error::Invalid(
            "Die Unsicherheitsanalyse braucht Normierungen und Aggregationen".into(),
        ));
    }
    // Every normalised and rescaled matrix once; runs only reweight and recombine.
    let mut prepared: HashMap<(usize, usize), Vec<Vec<f64>>> = HashMap::new();
    for (ni, &n) in u.normalisations.iter().enumerate() {
        let cols = normalise(oriented, n, references, keys)?;
        for (ai, &a) in u.aggregations.iter().enumerate() {
            let c = if a == Aggregation::Geometric {
                rescale_for_geometric(&cols)
            } else {
                cols.clone()
            };
            prepared.insert((ni, ai), c);
        }
    }
    let draws: Vec<Draw> = (0..u.runs)
        .map(|run| {
            let mut rng = SeededRng::new(u.seed ^ (run as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            Draw {
                normalisation: rng.below(u.normalisations.len()),
                aggregation: rng.below(u.aggregations.len()),
                multipliers: weights
                    .iter()
                    .map(|_| 1.0 + u.weight_range * (2.0 * rng.next_f64() - 1.0))
                    .collect(),
            }
        })
        .collect();
    let n_areas = areas.len();
    // ranks[run][area], computed on all cores.
    let ranks: Vec<Vec<u32>> = map_parallel(&draws, progress, "Unsicherheitsanalyse", |_, d| {
        let w: Vec<f64> = weights.iter().zip(&d.multipliers).map(|(w, m)| w * m).collect();
        let mut index = Vec::with_capacity(n_areas);
        combine(
            &prepared[&(d.normalisation, d.aggregation)],
            &w,
            u.aggregations[d.aggregation],
            &mut index,
        );
        ranks_descending(&index)
            .into_iter()
            .map(|r| r.unwrap_or(0) as u32)
            .collect()
    })?;
    let mut widths = 0.0;
    for (a, area) in areas.iter_mut().enumerate() {
        let mut r: Vec<f64> = ranks.iter().map(|run| f64::from(run[a])).collect();
        r.sort_by(f64::total_cmp);
        area.rank_median = Some(quantile_sorted(&r, 0.5));
        area.rank_p05 = Some(quantile_sorted(&r, 0.05));
        area.rank_p95 = Some(quantile_sorted(&r, 0.95));
        widths += quantile_sorted(&r, 0.95) - quantile_sorted(&r, 0.05);
    }
    // First-order sensitivity: variance of the conditional mean rank given one choice,
    // over the total rank variance, summed over areas. Weights are binned into quintiles of
    // their multiplier.
    let mut factors: Vec<(String, Vec<usize>)> = Vec::new();
    if u.normalisations.len() > 1 {
        factors.push(("Normierung".into(), draws.iter().map(|d| d.normalisation).collect()));
    }
    if u.aggregations.len() > 1 {
        factors.push(("Aggregation".into(), draws.iter().map(|d| d.aggregation).collect()));
    }
    if u.weight_range > 0.0 {
        for (i, key) in keys.iter().enumerate() {
            let bins = draws
                .iter()
                .map(|d| (((d.multipliers[i] - (1.0 - u.weight_range)) / (2.0 * u.weight_range) * 5.0) as usize).min(4))
                .collect();
            factors.push((format!("Gewicht {key}"), bins));
        }
    }
    let mut total_variance = 0.0;
    let mut explained = vec![0.0; factors.len()];
    for a in 0..n_areas {
        let r: Vec<f64> = ranks.iter().map(|run| f64::from(run[a])).collect();
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        total_variance += r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / r.len() as f64;
        for (f, (_, levels)) in factors.iter().enumerate() {
            let mut sums: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
            for (x, l) in r.iter().zip(levels) {
                let e = sums.entry(*l).or_default();
                e.0 += x;
                e.1 += 1;
            }
            explained[f] += sums
                .values()
                .map(|(s, n)| *n as f64 * (s / *n as f64 - mean).powi(2))
                .sum::<f64>()
                / r.len() as f64;
        }
    }
    let mut sensitivity: Vec<Sensitivity> = factors
        .into_iter()
        .zip(explained)
        .map(|((factor, _), e)| Sensitivity {
            factor,
            share: if total_variance > 0.0 { e / total_variance } else { 0.0 },
        })
        .collect();
    sensitivity.sort_by(|a, b| b.share.total_cmp(&a.share));
    Ok(UncertaintyResult {
        settings: u.clone(),
        sensitivity,
        mean_interval_width: widths / n_areas.max(1) as f64,
    })
}

/// Computes the index and stores it as derived indicators `KEY` (index) and `KEY_rank`, with
/// the Monte Carlo `KEY_rank_median`, `KEY_rank_p05` and `KEY_rank_p95` when run; areas
/// without index are "x" there. Each gets a `derived_run` record.
pub fn save_composite_index(
    atlas: &mut Atlas,
    config: &IndexConfig,
    key: &str,
    progress: &dyn Progress,
) -> Result<IndexResult> {
    let key = key.trim();
    if key.is_empty() || key.contains(char::is_whitespace) {
        return Err(Error::Invalid(format!(
            "Schlüssel „{key}“ für den Index ist ungültig (keine Leerzeichen)"
        )));
    }
    if config.indicators.iter().any(|c| c.key == key) {
        return Err(Error::Invalid(format!(
            "Der Index darf nicht unter dem Eingangsindikator „{key}“ gespeichert werden"
        )));
    }
    let saved_keys = [
        key.to_string(),
        format!("{key}_rank"),
        format!("{key}_rank_median"),
        format!("{key}_rank_p05"),
        format!("{key}_rank_p95"),
    ];
    for k in &saved_keys {
        super::check_save_key(atlas, k, "composite_index")?;
    }
    let mut result = composite_index(atlas, config, progress)?;
    let level = atlas.level(&config.level)?;
    let period = atlas.period(&config.period)?;
    let ids = area_ids(atlas, level.id)?;
    let column = |pick: &dyn Fn(&IndexArea) -> Option<f64>| {
        derived_values(
            &ids,
            result.areas.iter().map(|a| (a.key.as_str(), pick(a), None)),
            result.excluded.iter().map(|e| (e.key.as_str(), e.reason.as_str())),
        )
    };
    let inputs = result
        .indicators
        .iter()
        .map(|i| format!("{}:{}:{}", i.key, i.polarity, i.weight))
        .collect::<Vec<_>>();
    let description = format!(
        "Zusammengesetzter Index aus {} ({}, {}, Gewichte {}). Hoch = günstig.",
        inputs.join(", "),
        result.normalisation_note,
        match result.aggregation {
            Aggregation::Arithmetic => "arithmetisches Mittel",
            Aggregation::Geometric => "geometrisches Mittel",
        },
        result.weighting
    );
    let meta = |name: String, kind: IndicatorKind, decimals: i64, polarity: Polarity| IndicatorUpdate {
        name: Some(name),
        topic: Some("Abgeleitet/Index".into()),
        unit: Some(String::new()),
        decimals: Some(decimals),
        kind: Some(kind),
        aggregation: Some(crate::model::AggregationRule::NotAggregable),
        polarity: Some(polarity),
        description: Some(description.clone()),
        ..Default::default()
    };
    let mut outputs = vec![
        DerivedSeries {
            key: key.to_string(),
            meta: meta(
                format!("Index {key}"),
                IndicatorKind::Ratio,
                3,
                Polarity::HigherIsBetter,
            ),
            values: column(&|a| Some(a.index)),
        },
        DerivedSeries {
            key: format!("{key}_rank"),
            meta: meta(
                format!("Rang im Index {key}"),
                IndicatorKind::Ratio,
                0,
                Polarity::HigherIsWorse,
            ),
            values: column(&|a| Some(a.rank as f64)),
        },
    ];
    if result.uncertainty.is_some() {
        for (suffix, name, pick) in [
            (
                "rank_median",
                "Medianrang",
                (|a: &IndexArea| a.rank_median) as fn(&IndexArea) -> Option<f64>,
            ),
            ("rank_p05", "Rang, 5-%-Quantil", |a: &IndexArea| a.rank_p05),
            ("rank_p95", "Rang, 95-%-Quantil", |a: &IndexArea| a.rank_p95),
        ] {
            outputs.push(DerivedSeries {
                key: format!("{key}_{suffix}"),
                meta: meta(
                    format!("{name} im Index {key} (Monte Carlo)"),
                    IndicatorKind::Ratio,
                    1,
                    Polarity::HigherIsWorse,
                ),
                values: column(&pick),
            });
        }
    }
    let run = DerivedRun {
        method: "composite_index".into(),
        parameters: serde_json::json!({
            "level": result.level,
            "period": result.period,
            "indicators": result.indicators,
            "weighting": result.weighting,
            "normalisation": result.normalisation,
            "aggregation": result.aggregation,
            "missing": result.missing,
            "min_population": config.min_population,
            "exclude": config.exclude,
            "targets": config.targets,
            "uncertainty": config.uncertainty,
        }),
        inputs: config.indicators.iter().map(|c| c.key.clone()).collect(),
    };
    progress.report(0.95, "Speichern");
    crate::progress::check_cancel(progress)?;
    result.saved = atlas.save_derived(level.id, period.id, &run, &outputs)?;
    Ok(result)
}
