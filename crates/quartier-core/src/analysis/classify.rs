//! Map classification: class boundaries for a choropleth.
//!
//! Every method returns `edges`: the lower bound of class 1, the boundaries between classes and
//! the upper bound of the last class. Classes are half-open intervals `[a, b)`; the last one is
//! closed, so the maximum falls into it (the KECK convention). Missing, suppressed and "x"
//! values form their own class "k. A.", never class 1.
//!
//! Methods:
//! - equal interval: k classes of equal width from minimum to maximum (KECK default, k = 6);
//! - quantile: edges at the quantiles i/k, defined as numpy's default ("linear", Hyndman–Fan
//!   type 7): position `p·(n − 1)` in the sorted values, interpolated;
//! - natural breaks: the exact optimal Fisher–Jenks partition (least squared deviation from the
//!   class means), via Ckmeans.1d.dp (the `ckmeans` crate); a class starts at its smallest value;
//! - standard deviation: edges at mean ± j·width·sd (population sd), the mean being an edge;
//! - pretty: R's `pretty()` steps of 1, 2 or 5 × 10^m covering the range in about k classes;
//! - manual: the given inner boundaries;
//! - box plot: edges at Q1 − 3·IQR, Q1 − 1.5·IQR, Q1, median, Q3, Q3 + 1.5·IQR, Q3 + 3·IQR
//!   (those inside the data range), quartiles as above;
//! - diverging: classes of equal width symmetric around a centre (the reference value or 0);
//!   with an even k the centre is an edge.

use crate::store::MergedRole;
use std::collections::HashMap;

use serde::Serialize;

use super::stats::mean_and_population_sd;
use crate::numbers::format_german;
use crate::{Error, Result};

/// A classification method with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "method")]
pub enum Method {
    /// Equal-width classes from minimum to maximum.
    EqualInterval,
    /// Equal-count classes (quantiles, numpy's linear definition).
    Quantile,
    /// Exact Fisher–Jenks natural breaks.
    Jenks,
    /// Steps of `width` standard deviations around the mean.
    StdDev {
        /// Class width in standard deviations (often 1 or 0.5).
        width: f64,
    },
    /// Round steps of 1, 2 or 5 × 10^m.
    Pretty,
    /// The given inner boundaries, ascending.
    Manual {
        /// Inner boundaries.
        breaks: Vec<f64>,
    },
    /// Box-plot classes with 1.5 × and 3 × IQR fences.
    BoxPlot,
    /// Equal-width classes symmetric around `center`.
    Diverging {
        /// The centre, e.g. the reference value or 0.
        center: f64,
    },
    /// One class per category of a categorical indicator (Stadtteiltyp, a saved class
    /// label); chosen by [`classify_series`] for such an indicator, whatever was asked.
    Categories,
}

impl Method {
    /// The method's German name, as legends and captions state it.
    pub fn name_de(&self) -> String {
        match self {
            Method::EqualInterval => "gleiche Intervalle".into(),
            Method::Quantile => "Quantile".into(),
            Method::Jenks => "natürliche Unterbrechungen (Jenks)".into(),
            Method::StdDev { width } => format!("Standardabweichung ({} σ)", format_german(*width, 1)),
            Method::Pretty => "runde Grenzen".into(),
            Method::Manual { .. } => "eigene Grenzen".into(),
            Method::BoxPlot => "Boxplot (Ausreißer)".into(),
            Method::Diverging { center } => format!("Abweichung von {}", format_german(*center, 2)),
            Method::Categories => "Kategorien".into(),
        }
    }
}

/// The classes of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classes {
    /// Lower bound of class 1, inner boundaries, upper bound of the last class.
    pub edges: Vec<f64>,
    /// German legend labels, one per class (`15,49 < 22,07`).
    pub labels: Vec<String>,
    /// Values per class.
    pub counts: Vec<usize>,
}

impl Classes {
    /// The number of classes.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no classes.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The class (0-based) of a value: `[a, b)`, the last class closed; values outside the
    /// edges fall into the nearest end class.
    ///
    /// ```
    /// use quartier_core::analysis::classify::{classify, Method};
    /// let c = classify(&[0.0, 5.0, 10.0], &Method::EqualInterval, 2, 1).unwrap();
    /// assert_eq!((c.class_of(4.99), c.class_of(5.0), c.class_of(10.0)), (0, 1, 1));
    /// ```
    pub fn class_of(&self, value: f64) -> usize {
        let inner = &self.edges[1..self.edges.len().saturating_sub(1)];
        inner.partition_point(|e| *e <= value)
    }
}

/// The label of the "k. A." class (missing, suppressed, not applicable).
pub const NO_DATA_LABEL: &str = crate::numbers::NO_DATA;

/// The legend label of areas left out by a minimum population rule.
pub const SMALL_AREA_LABEL: &str = "zu wenige Einwohner";

/// The label of a member whose value is its combined area's ("enthalten in „Moorburg und
/// Altenwerder“"), followed by that name: no class of its own, and not "k. A.".
pub const COVERED_LABEL: &str = "enthalten in";

/// The label of a combined area that stands in for nothing in this series (its members have
/// values, or it has none): no class, not drawn, not "k. A.".
pub const IDLE_COMBINED_LABEL: &str = "zusammengefasst, hier ohne eigenen Wert";

/// Quantile `p` (0–1) of sorted values, numpy's default definition (linear, type 7).
///
/// ```
/// use quartier_core::analysis::classify::quantile_sorted;
/// assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
/// ```
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let pos = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// R's `pretty()` step for a range split into about `k` classes: 1, 2 or 5 × 10^m.
fn pretty_step(range: f64, k: usize) -> f64 {
    let raw = range / k as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let residual = raw / magnitude;
    // The raw step's leading digits decide the nice factor: below 1.5 → 1, below 3 → 2,
    // below 7 → 5, else 10 (R's `pretty` leans to the smaller steps the same way).
    let nice = if residual < 1.5 {
        1.0
    } else if residual < 3.0 {
        2.0
    } else if residual < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Classifies the numeric values of a series into at most `k` classes. `decimals` formats the
/// labels. Values must be finite; missing values are not passed in (they are "k. A.").
pub fn classify(values: &[f64], method: &Method, k: usize, decimals: usize) -> Result<Classes> {
    if values.is_empty() {
        return Err(Error::Invalid(
            "Keine Werte zum Klassifizieren (alle fehlen oder sind k. A.)".into(),
        ));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::Invalid("Werte müssen endliche Zahlen sein".into()));
    }
    if !(1..=20).contains(&k) && !matches!(method, Method::Manual { .. } | Method::StdDev { .. } | Method::BoxPlot) {
        return Err(Error::Invalid(format!(
            "Klassenanzahl {k} nicht möglich: 1 bis 20 Klassen"
        )));
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
    let inner: Vec<f64> = if min == max {
        Vec::new()
    } else {
        match method {
            Method::EqualInterval => (1..k).map(|i| min + (max - min) * i as f64 / k as f64).collect(),
            Method::Quantile => (1..k).map(|i| quantile_sorted(&sorted, i as f64 / k as f64)).collect(),
            Method::Jenks => {
                let clusters = ckmeans::ckmeans(&sorted, k.min(255) as u8)
                    .map_err(|e| Error::Invalid(format!("Natürliche Unterbrechungen nicht berechenbar: {e}")))?;
                clusters.iter().skip(1).filter_map(|c| c.first().copied()).collect()
            }
            Method::StdDev { width } => {
                if !(width.is_finite() && *width > 0.0) {
                    return Err(Error::Invalid(format!(
                        "Klassenbreite {width} Standardabweichungen: muss größer als 0 sein"
                    )));
                }
                let (mean, sd) = mean_and_population_sd(&sorted).unwrap_or((min, 0.0));
                let step = width * sd;
                let below = ((mean - min) / step).ceil() as i64;
                let above = ((max - mean) / step).ceil() as i64;
                if below + above > 40 {
                    return Err(Error::Invalid(format!(
                        "{width} Standardabweichungen ergeben über 40 Klassen; größere Breite wählen"
                    )));
                }
                (-below..=above).map(|j| mean + j as f64 * step).collect()
            }
            Method::Pretty => {
                let step = pretty_step(max - min, k);
                let first = (min / step).floor() as i64 + 1;
                let last = (max / step).ceil() as i64 - 1;
                (first..=last).map(|j| j as f64 * step).collect()
            }
            Method::Manual { breaks } => {
                if breaks.is_empty() || breaks.windows(2).any(|w| w[0] >= w[1]) || breaks.iter().any(|b| !b.is_finite())
                {
                    return Err(Error::Invalid(format!(
                        "Manuelle Klassengrenzen müssen aufsteigen: {breaks:?}"
                    )));
                }
                breaks.clone()
            }
            Method::Categories => {
                return Err(Error::Invalid(
                    "Kategorien gibt es nur bei kategorialen Indikatoren; Zahlen werden in Klassen eingeteilt".into(),
                ))
            }
            Method::BoxPlot => {
                let (q1, median, q3) = (
                    quantile_sorted(&sorted, 0.25),
                    quantile_sorted(&sorted, 0.5),
                    quantile_sorted(&sorted, 0.75),
                );
                let iqr = q3 - q1;
                vec![
                    q1 - 3.0 * iqr,
                    q1 - 1.5 * iqr,
                    q1,
                    median,
                    q3,
                    q3 + 1.5 * iqr,
                    q3 + 3.0 * iqr,
                ]
            }
            Method::Diverging { center } => {
                let half = (max - center).abs().max((center - min).abs());
                let lo = center - half;
                (1..k).map(|i| lo + 2.0 * half * i as f64 / k as f64).collect()
            }
        }
    };
    // Outer edges: the data range; manual and diverging boundaries outside it widen it, so
    // the legend shows them. Inner boundaries lie above the lower edge and at most at the upper
    // one (a class may hold only the maximum, as a Jenks class of one outlier does).
    let (lower, upper) = match method {
        Method::Diverging { center } => {
            let half = (max - center).abs().max((center - min).abs());
            (center - half, center + half)
        }
        Method::Manual { .. } => (
            inner.first().map_or(min, |b| b.min(min)),
            inner.last().map_or(max, |b| b.max(max)),
        ),
        _ => (min, max),
    };
    // Only boundaries taken from the data (a Jenks class start, a quantile among ties) may
    // open a class of the maximum alone; computed steps that touch it do not.
    let from_data = matches!(method, Method::Jenks | Method::Quantile);
    let mut edges = vec![lower];
    for b in inner {
        if b > lower && (b < upper || (from_data && b == upper)) && edges.last().is_none_or(|l| b > *l) {
            edges.push(b);
        }
    }
    edges.push(upper);
    let n_classes = edges.len() - 1;
    let mut classes = Classes {
        labels: (0..n_classes)
            .map(|i| {
                let (a, b) = (format_german(edges[i], decimals), format_german(edges[i + 1], decimals));
                if a == b {
                    a
                } else {
                    format!("{a} < {b}")
                }
            })
            .collect(),
        counts: vec![0; n_classes],
        edges,
    };
    for v in values {
        let c = classes.class_of(*v);
        classes.counts[c] += 1;
    }
    Ok(classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sse(sorted: &[f64], edges: &[f64]) -> f64 {
        let c = Classes {
            edges: edges.to_vec(),
            labels: vec![String::new(); edges.len() - 1],
            counts: vec![],
        };
        let mut groups: Vec<Vec<f64>> = vec![Vec::new(); c.len()];
        for v in sorted {
            groups[c.class_of(*v)].push(*v);
        }
        groups
            .iter()
            .filter(|g| !g.is_empty())
            .map(|g| {
                let m = g.iter().sum::<f64>() / g.len() as f64;
                g.iter().map(|v| (v - m).powi(2)).sum::<f64>()
            })
            .sum()
    }

    /// Every way to cut sorted values into k non-empty runs: the brute-force optimum.
    fn brute_force_best_sse(sorted: &[f64], k: usize) -> f64 {
        fn go(sorted: &[f64], k: usize) -> f64 {
            if k == 1 {
                let m = sorted.iter().sum::<f64>() / sorted.len() as f64;
                return sorted.iter().map(|v| (v - m).powi(2)).sum();
            }
            (1..=sorted.len() - (k - 1))
                .map(|cut| go(&sorted[..cut], 1) + go(&sorted[cut..], k - 1))
                .fold(f64::INFINITY, f64::min)
        }
        go(sorted, k)
    }

    #[test]
    fn jenks_is_the_exact_optimum_on_random_data() {
        // A small linear congruential generator keeps the test reproducible without a dependency.
        let mut state: u64 = 42;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        for round in 0..40 {
            let n = 8 + round % 7;
            let k = 2 + round % 4;
            let mut values: Vec<f64> = (0..n).map(|_| (next() * 100.0).round() / 4.0).collect();
            let c = classify(&values, &Method::Jenks, k, 2).unwrap();
            values.sort_by(f64::total_cmp);
            let distinct = {
                let mut d = values.clone();
                d.dedup();
                d.len()
            };
            let best = brute_force_best_sse(&values, k.min(distinct));
            assert!(
                (sse(&values, &c.edges) - best).abs() < 1e-9,
                "round {round}: {values:?} k={k} edges {:?}",
                c.edges
            );
        }
    }

    #[test]
    fn equal_interval_is_half_open_with_the_last_class_closed() {
        let c = classify(&[0.0, 1.0, 2.0, 3.0, 6.0], &Method::EqualInterval, 3, 1).unwrap();
        assert_eq!(c.edges, [0.0, 2.0, 4.0, 6.0]);
        assert_eq!(c.counts, [2, 2, 1]);
        assert_eq!(c.labels, ["0,0 < 2,0", "2,0 < 4,0", "4,0 < 6,0"]);
    }

    #[test]
    fn quantiles_follow_numpys_linear_definition() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        let c = classify(&values, &Method::Quantile, 4, 2).unwrap();
        // numpy.percentile(range(1, 11), [25, 50, 75]) = 3.25, 5.5, 7.75
        assert_eq!(c.edges, [1.0, 3.25, 5.5, 7.75, 10.0]);
        assert_eq!(c.counts, [3, 2, 2, 3]);
    }

    #[test]
    fn pretty_matches_r() {
        // R: pretty(c(1.3, 97.2), 5) = 0 20 40 60 80 100
        let c = classify(&[1.3, 50.0, 97.2], &Method::Pretty, 5, 0).unwrap();
        assert_eq!(c.edges, [1.3, 20.0, 40.0, 60.0, 80.0, 97.2]);
    }

    #[test]
    fn stddev_boxplot_manual_and_diverging() {
        let values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]; // mean 5, sd 2
        let c = classify(&values, &Method::StdDev { width: 1.0 }, 0, 1).unwrap();
        assert_eq!(c.edges, [2.0, 3.0, 5.0, 7.0, 9.0]);
        let c = classify(&values, &Method::Manual { breaks: vec![4.5, 6.0] }, 0, 1).unwrap();
        assert_eq!(
            (c.edges.clone(), c.counts.clone()),
            (vec![2.0, 4.5, 6.0, 9.0], vec![4, 2, 2])
        );
        assert!(classify(&values, &Method::Manual { breaks: vec![6.0, 4.5] }, 0, 1).is_err());
        let mut with_outlier = values.to_vec();
        with_outlier.push(30.0);
        let c = classify(&with_outlier, &Method::BoxPlot, 0, 1).unwrap();
        // Q1 4, median 5, Q3 7, IQR 3: fences 11.5 and 16 lie below the outlier 30.
        assert_eq!(c.edges, [2.0, 4.0, 5.0, 7.0, 11.5, 16.0, 30.0]);
        assert_eq!(c.counts.last(), Some(&1));
        let c = classify(&[-1.0, 0.5, 3.0], &Method::Diverging { center: 0.0 }, 4, 1).unwrap();
        assert_eq!(c.edges, [-3.0, -1.5, 0.0, 1.5, 3.0]);
    }

    #[test]
    fn one_value_is_one_class_and_no_values_is_an_error() {
        let c = classify(&[4.0, 4.0], &Method::Jenks, 5, 0).unwrap();
        assert_eq!((c.len(), c.counts.clone()), (1, vec![2]));
        assert!(classify(&[], &Method::EqualInterval, 6, 1).is_err());
    }
}

/// One area's class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaClass {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// The value, if it is a number.
    pub value: Option<f64>,
    /// Class number 1…k, or `None` for "k. A." and areas below the minimum population.
    pub class: Option<usize>,
    /// The class's legend label, or "k. A.".
    pub label: String,
}

/// A classified series of the atlas.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesClasses {
    /// Indicator key.
    pub indicator: String,
    /// Level.
    pub level: String,
    /// Period.
    pub period: String,
    /// Method and parameters.
    pub method: Method,
    /// Class edges: lower bound of class 1, inner boundaries, upper bound of the last class.
    pub breaks: Vec<f64>,
    /// Legend labels, one per class.
    pub labels: Vec<String>,
    /// Areas per class.
    pub counts: Vec<usize>,
    /// Areas in the "k. A." class (missing, suppressed, not applicable).
    pub no_data: usize,
    /// Areas left out by the minimum population rule (no class, label [`SMALL_AREA_LABEL`]).
    pub small_areas: usize,
    /// Per area, in key order.
    pub areas: Vec<AreaClass>,
    /// Keys saved (empty unless saved).
    pub saved: Vec<String>,
}

/// Classifies an indicator of the atlas at one level and period. Areas without a number are
/// the "k. A." class. Labels use the indicator's decimals. With a minimum population rule,
/// smaller areas take no part in the breaks and get no class (label [`SMALL_AREA_LABEL`]).
pub fn classify_series(
    atlas: &crate::Atlas,
    indicator: &str,
    level: &str,
    period: &str,
    method: &Method,
    k: usize,
    min_population: Option<&crate::analysis::MinPopulation>,
) -> Result<SeriesClasses> {
    let everything = crate::analysis::suppress::HiddenCells::internal();
    classify_published(atlas, indicator, level, period, method, k, min_population, &everything)
}

/// Classifies like [`classify_series`] what may leave the laptop: the `hidden` cells are
/// "k. A." and take no part in the breaks, so neither a class nor a class boundary tells
/// anything about them (the classes of every exported map and chart).
#[allow(clippy::too_many_arguments)]
pub fn classify_published(
    atlas: &crate::Atlas,
    indicator: &str,
    level: &str,
    period: &str,
    method: &Method,
    k: usize,
    min_population: Option<&crate::analysis::MinPopulation>,
    hidden: &crate::analysis::suppress::HiddenCells,
) -> Result<SeriesClasses> {
    let meta = atlas.indicator(indicator)?;
    if meta.kind == crate::model::IndicatorKind::Categorical {
        return categories_series(atlas, &meta, level, period);
    }
    let level = atlas.level(level)?;
    let period = atlas.period(period)?;
    let values = atlas.values(meta.id, level.id, period.id)?;
    let areas = atlas.areas(level.id)?;
    let hidden_ids: std::collections::HashSet<i64> = areas
        .iter()
        .filter(|a| hidden.hides(&meta.key, &a.key))
        .map(|a| a.id)
        .collect();
    let small = match min_population {
        Some(rule) => rule.small_areas(atlas, level.id, period.id)?,
        None => Default::default(),
    };
    let number = |id: &i64| {
        values
            .get(id)
            .filter(|_| !hidden_ids.contains(id))
            .and_then(crate::StoredValue::number)
    };
    let roles = crate::store::merged_roles(&atlas.merged_areas(level.id)?, |i| values.contains_key(&areas[i].id));
    let names: Vec<std::sync::Arc<str>> = areas.iter().map(|a| a.name.clone()).collect();
    let numbers: Vec<f64> = areas
        .iter()
        .filter(|a| !small.contains_key(&a.id))
        .filter_map(|a| number(&a.id))
        .collect();
    let classes = classify(&numbers, method, k, meta.decimals.max(0) as usize).map_err(|e| match e {
        Error::Invalid(m) => Error::Invalid(format!(
            "„{indicator}“ auf Ebene „{}“, {}: {m}",
            level.name, period.label
        )),
        other => other,
    })?;
    let areas: Vec<AreaClass> = areas
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let value = number(&a.id);
            let is_small = small.contains_key(&a.id);
            let class = value.filter(|_| !is_small).map(|v| classes.class_of(v));
            AreaClass {
                key: a.key.to_string(),
                name: a.name.to_string(),
                value,
                class: class.map(|c| c + 1),
                label: match (class, roles.get(&i)) {
                    (Some(c), _) => classes.labels[c].clone(),
                    (None, _) if is_small => SMALL_AREA_LABEL.to_string(),
                    (None, Some(MergedRole::CoveredBy(c))) => format!("{COVERED_LABEL} „{}“", names[*c]),
                    (None, Some(MergedRole::Idle)) => IDLE_COMBINED_LABEL.to_string(),
                    (None, None) => NO_DATA_LABEL.to_string(),
                },
            }
        })
        .collect();
    Ok(SeriesClasses {
        indicator: meta.key,
        level: level.name,
        period: period.label,
        method: method.clone(),
        no_data: areas.iter().filter(|a| a.label == NO_DATA_LABEL).count(),
        small_areas: areas.iter().filter(|a| a.label == SMALL_AREA_LABEL).count(),
        breaks: classes.edges,
        labels: classes.labels,
        counts: classes.counts,
        areas,
        saved: Vec::new(),
    })
}

/// The classes of a categorical indicator: one per category, in natural order (by a leading
/// number where every category has one, "1 hoch" before "2 mittel" before "10 …", otherwise
/// alphabetically), with the number of areas in each. Areas without a category are "k. A.".
fn categories_series(
    atlas: &crate::Atlas,
    meta: &crate::model::IndicatorMeta,
    level: &str,
    period: &str,
) -> Result<SeriesClasses> {
    let level = atlas.level(level)?;
    let period = atlas.period(period)?;
    let values = atlas.values(meta.id, level.id, period.id)?;
    let areas = atlas.areas(level.id)?;
    let text_of = |id: &i64| {
        values
            .get(id)
            .filter(|v| v.status == crate::model::ValueStatus::Ok)
            .and_then(|v| v.text.clone())
            .filter(|t| !t.trim().is_empty())
    };
    let mut categories: Vec<String> = areas.iter().filter_map(|a| text_of(&a.id)).collect();
    categories.sort();
    categories.dedup();
    let leading_number = |t: &str| -> Option<u64> {
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    if categories.iter().all(|c| leading_number(c).is_some()) {
        categories.sort_by_key(|c| (leading_number(c), c.clone()));
    } else {
        categories.sort_by_key(|c| c.to_lowercase());
    }
    if categories.is_empty() {
        return Err(Error::Invalid(format!(
            "„{}“ hat auf Ebene „{}“ für {} keine Kategorien",
            meta.key, level.name, period.label
        )));
    }
    let position: HashMap<&str, usize> = categories.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
    let mut counts = vec![0; categories.len()];
    let areas: Vec<AreaClass> = areas
        .iter()
        .map(|a| {
            let text = text_of(&a.id);
            let class = text.as_deref().and_then(|t| position.get(t).copied());
            if let Some(c) = class {
                counts[c] += 1;
            }
            AreaClass {
                key: a.key.to_string(),
                name: a.name.to_string(),
                value: None,
                class: class.map(|c| c + 1),
                label: text.unwrap_or_else(|| NO_DATA_LABEL.to_string()),
            }
        })
        .collect();
    Ok(SeriesClasses {
        indicator: meta.key.clone(),
        level: level.name,
        period: period.label,
        method: Method::Categories,
        breaks: Vec::new(),
        no_data: areas.iter().filter(|a| a.class.is_none()).count(),
        small_areas: 0,
        labels: categories,
        counts,
        areas,
        saved: Vec::new(),
    })
}

/// Classifies like [`classify_series`] and stores each area's class label as the categorical
/// indicator `INDICATOR_class` (areas without class are "x" with "k. A." or the minimum
/// population reason), with a `derived_run` record holding the method, breaks and labels.
pub fn save_classes(
    atlas: &mut crate::Atlas,
    indicator: &str,
    level: &str,
    period: &str,
    method: &Method,
    k: usize,
    min_population: Option<&crate::analysis::MinPopulation>,
) -> Result<SeriesClasses> {
    let mut result = classify_series(atlas, indicator, level, period, method, k, min_population)?;
    let level_ref = atlas.level(level)?;
    let period_ref = atlas.period(period)?;
    let ids = super::area_ids(atlas, level_ref.id)?;
    let values = super::derived_values(
        &ids,
        result.areas.iter().filter(|a| a.class.is_some()).map(|a| {
            (
                a.key.as_str(),
                None,
                Some(format!("{} {}", a.class.unwrap_or(0), a.label)),
            )
        }),
        result
            .areas
            .iter()
            .filter(|a| a.class.is_none())
            .map(|a| (a.key.as_str(), a.label.as_str())),
    );
    let key = format!("{}_class", result.indicator);
    let outputs = [crate::store::DerivedSeries {
        key: key.clone(),
        meta: crate::store::IndicatorUpdate {
            name: Some(format!("Kartenklasse von {}", result.indicator)),
            topic: Some("Abgeleitet/Kartenklassen".into()),
            unit: Some(String::new()),
            decimals: Some(0),
            kind: Some(crate::model::IndicatorKind::Categorical),
            aggregation: Some(crate::model::AggregationRule::NotAggregable),
            description: Some(format!(
                "Klassen von „{}“ auf Ebene „{}“, {}: {}",
                result.indicator,
                result.level,
                result.period,
                result.labels.join("; ")
            )),
            ..Default::default()
        },
        values,
    }];
    let run = crate::store::DerivedRun {
        method: "classify".into(),
        parameters: serde_json::json!({
            "level": result.level,
            "period": result.period,
            "method": result.method,
            "classes": k,
            "breaks": result.breaks,
            "labels": result.labels,
            "min_population": min_population,
        }),
        inputs: vec![result.indicator.clone()],
    };
    result.saved = atlas.save_derived(level_ref.id, period_ref.id, &run, &outputs)?;
    Ok(result)
}
