//! The figures behind the diagrams: a scatter of two indicators with its regression line,
//! an indicator over all periods for chosen areas and the reference, and the age structure
//! of a group of areas against the whole municipality. Computed here so that the app only
//! draws; "k. A." values (suppressed, missing) never enter a figure.

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::aggregate::RuleInputs;
use crate::analysis::suppress::HiddenCells;
use crate::model::IndicatorKind;
use crate::reference::reference_value;
use crate::{Atlas, Result, StoredValue};

/// Least-squares line `y = intercept + slope · x` and Pearson's r.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Regression {
    /// Slope.
    pub slope: f64,
    /// Intercept.
    pub intercept: f64,
    /// Pearson correlation.
    pub r: f64,
    /// Number of points.
    pub n: usize,
}

/// Ordinary least squares of `y` on `x`; `None` with fewer than three points or when `x` or
/// `y` does not vary.
///
/// ```
/// let r = quartier_core::analysis::chart::linear_regression(&[1.0, 2.0, 3.0], &[3.0, 5.0, 7.0]).unwrap();
/// assert_eq!((r.slope, r.intercept, r.r, r.n), (2.0, 1.0, 1.0, 3));
/// ```
pub fn linear_regression(x: &[f64], y: &[f64]) -> Option<Regression> {
    if x.len() != y.len() || x.len() < 3 {
        return None;
    }
    let r = super::stats::correlation(x, y)?;
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let slope = super::stats::least_squares_slope(x, y)?;
    Some(Regression {
        slope,
        intercept: my - slope * mx,
        r,
        n: x.len(),
    })
}

/// One area in a scatter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScatterPoint {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// Value of the x indicator.
    pub x: f64,
    /// Value of the y indicator.
    pub y: f64,
}

/// Two indicators of one level and period against each other.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scatter {
    /// Areas with both values.
    pub points: Vec<ScatterPoint>,
    /// Areas left out because one value is "k. A.".
    pub left_out: usize,
    /// The regression of y on x, when defined.
    pub regression: Option<Regression>,
}

fn numbers(atlas: &Atlas, indicator: &str, level_id: i64, period_id: i64) -> Result<HashMap<i64, f64>> {
    let meta = atlas.indicator(indicator)?;
    let values = atlas.values(meta.id, level_id, period_id)?;
    Ok(values
        .iter()
        .filter_map(|(id, v)| v.number().map(|n| (*id, n)))
        .collect())
}

/// The scatter of `y` over `x` on a level at one period.
pub fn scatter(atlas: &Atlas, x: &str, y: &str, level: &str, period: &str) -> Result<Scatter> {
    let level = atlas.level(level)?;
    let period = atlas.period(period)?;
    let xs = numbers(atlas, x, level.id, period.id)?;
    let ys = numbers(atlas, y, level.id, period.id)?;
    let areas = atlas.areas(level.id)?;
    let mut points = Vec::new();
    for a in &areas {
        if let (Some(x), Some(y)) = (xs.get(&a.id), ys.get(&a.id)) {
            points.push(ScatterPoint {
                key: a.key.to_string(),
                name: a.name.to_string(),
                x: *x,
                y: *y,
            });
        }
    }
    let (x, y): (Vec<f64>, Vec<f64>) = points.iter().map(|p| (p.x, p.y)).unzip();
    Ok(Scatter {
        left_out: areas.len() - points.len(),
        regression: linear_regression(&x, &y),
        points,
    })
}

/// One line of a time series chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesLine {
    /// Area key, or empty for the reference.
    pub key: String,
    /// Area name, or the reference's label.
    pub name: String,
    /// One value per period of [`TimeSeries::periods`], `None` for "k. A.".
    pub values: Vec<Option<f64>>,
}

/// An indicator over all its periods on a level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeSeries {
    /// Periods with values on the level, in the atlas's order.
    pub periods: Vec<String>,
    /// Where each period sits on the time axis: its date as a year with fraction, the end of
    /// a year on the whole number (31.12.2020 → 2020.0, 30.06.2020 → 2019.5), so that
    /// quarters and months are spaced by date; the positions 0, 1, 2 … when a period has no
    /// date.
    pub positions: Vec<f64>,
    /// The reference (whole municipality, by the indicator's aggregation rule).
    pub reference: SeriesLine,
    /// One line per requested area, in the order asked.
    pub areas: Vec<SeriesLine>,
}

/// `indicator` over every period that has values on `level`, for the areas `keys` and the
/// reference value of the whole municipality.
pub fn time_series(
    atlas: &Atlas,
    indicator: &str,
    level: &str,
    keys: &[String],
    reference_name: &str,
) -> Result<TimeSeries> {
    let meta = atlas.indicator(indicator)?;
    let level = atlas.level(level)?;
    let areas = atlas.areas(level.id)?;
    let ids: HashMap<&str, (i64, &str)> = areas
        .iter()
        .map(|a| (a.key.as_ref(), (a.id, a.name.as_ref())))
        .collect();
    let mut periods = Vec::new();
    let mut reference = Vec::new();
    let mut lines: Vec<SeriesLine> = keys
        .iter()
        .filter_map(|k| ids.get(k.as_str()).map(|(_, name)| (k, name)))
        .map(|(k, name)| SeriesLine {
            key: k.clone(),
            name: name.to_string(),
            values: Vec::new(),
        })
        .collect();
    let mut dates = Vec::new();
    for period in atlas.periods()? {
        let values = atlas.values(meta.id, level.id, period.id)?;
        if values.is_empty() {
            continue;
        }
        periods.push(period.label.clone());
        dates.push(period.date.as_deref().and_then(year_position));
        reference.push(reference_value(atlas, &meta, level.id, period.id)?.value);
        for line in &mut lines {
            let id = ids.get(line.key.as_str()).map(|(id, _)| *id);
            line.values
                .push(id.and_then(|id| values.get(&id)).and_then(StoredValue::number));
        }
    }
    let positions = if dates.iter().all(Option::is_some) {
        dates.into_iter().flatten().collect()
    } else {
        (0..periods.len()).map(|i| i as f64).collect()
    };
    Ok(TimeSeries {
        periods,
        positions,
        reference: SeriesLine {
            key: String::new(),
            name: reference_name.to_string(),
            values: reference,
        },
        areas: lines,
    })
}

/// An ISO date as a position on a time axis in years, the end of a year on the whole number:
/// `2020-12-31` → 2020.0, `2020-06-30` → about 2019.5.
///
/// ```
/// use quartier_core::analysis::chart::year_position;
/// assert_eq!(year_position("2020-12-31"), Some(2020.0));
/// assert!((year_position("2020-06-30").unwrap() - 2019.497).abs() < 1e-3);
/// ```
pub fn year_position(date: &str) -> Option<f64> {
    let year: u32 = date.get(..4)?.parse().ok()?;
    let month: u32 = date.get(5..7)?.parse().ok()?;
    let day: u32 = date.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&month) {
        return None;
    }
    let days = |m: u32| crate::model::days_in_month(year, m);
    let days_in_year: u32 = (1..=12).map(days).sum();
    let day_of_year: u32 = (1..month).map(days).sum::<u32>() + day;
    Some(f64::from(year) + (f64::from(day_of_year) - f64::from(days_in_year)) / f64::from(days_in_year))
}

/// One age band of an age structure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgeBand {
    /// The count indicator of the band.
    pub indicator: String,
    /// Its label, e.g. "6 bis unter 15".
    pub label: String,
    /// First year of age in the band.
    pub from: u32,
    /// Share of the band in the group's population over all bands, in percent.
    pub group_share: Option<f64>,
    /// The same share for the whole municipality.
    pub reference_share: Option<f64>,
    /// Left out of both shares because a count in it is suppressed ("k. A.").
    pub suppressed: bool,
}

/// The age structure of a group of areas against the whole municipality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgeStructure {
    /// Bands from the youngest to the oldest.
    pub bands: Vec<AgeBand>,
    /// Residents of the group over all bands, when every band is known.
    pub group_total: Option<f64>,
}

/// Reads an age band from an indicator name: "unter 6 Jahren", "6 bis unter 15 Jahre",
/// "65 Jahre und älter". Returns the first year, the first year after the band (none for
/// the open band) and a short label.
///
/// ```
/// use quartier_core::analysis::chart::age_band;
/// assert_eq!(age_band("Einwohner unter 6 Jahren"), Some((0, Some(6), "unter 6".to_string())));
/// assert_eq!(age_band("Einwohner 6 bis unter 15 Jahre"), Some((6, Some(15), "6 bis unter 15".to_string())));
/// assert_eq!(age_band("Einwohner 65 Jahre und älter"), Some((65, None, "65 und älter".to_string())));
/// assert_eq!(age_band("Einwohnerinnen"), None);
/// ```
pub fn age_band(name: &str) -> Option<(u32, Option<u32>, String)> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let number = |w: &str| w.trim_end_matches('-').parse::<u32>().ok();
    for (i, w) in words.iter().enumerate() {
        let next = |k: usize| words.get(i + k).copied().unwrap_or("");
        if *w == "unter" && i > 0 && number(words[i - 1]).is_none() {
            if let Some(to) = number(next(1)) {
                return Some((0, Some(to), format!("unter {to}")));
            }
        }
        if let Some(from) = number(w) {
            if next(1) == "bis" && next(2) == "unter" {
                if let Some(to) = number(next(3)) {
                    return Some((from, Some(to), format!("{from} bis unter {to}")));
                }
            }
            if next(1).starts_with("Jahr") && next(2) == "und" && (next(3) == "älter" || next(3) == "mehr") {
                return Some((from, None, format!("{from} und älter")));
            }
        }
    }
    None
}

/// The age structure of the areas `keys` (summed) and of the whole level, from the count
/// indicators whose names are age bands and that have values on the level at the period.
/// Only bands that follow each other without gap or overlap from age 0 are used (a
/// "unter 18" beside "unter 6" and "6 bis unter 18" is left out). Empty when the atlas has
/// no such bands.
///
/// A band with a `hidden` count in one of the areas or in the whole municipality is
/// "k. A." on both sides, and the shares are then of the bands shown, so no share gives the
/// hidden count away (pass [`HiddenCells::internal`] on screen).
pub fn age_structure(
    atlas: &Atlas,
    level: &str,
    period: &str,
    keys: &[String],
    hidden: &HiddenCells,
) -> Result<AgeStructure> {
    let level = atlas.level(level)?;
    let period = atlas.period(period)?;
    let areas = atlas.level_areas(level.id)?;
    let all: Vec<usize> = (0..areas.len()).collect();
    let group: Vec<usize> = (0..areas.len())
        .filter(|&i| keys.iter().any(|k| **k == *areas[i].key))
        .collect();
    let mut candidates = Vec::new();
    for meta in atlas.indicators()? {
        if meta.kind != IndicatorKind::Count {
            continue;
        }
        let Some((from, to, label)) = age_band(&meta.name) else {
            continue;
        };
        let Ok(inputs) = RuleInputs::load(atlas, &meta, level.id, period.id)? else {
            continue;
        };
        if !inputs.has_values() {
            continue;
        }
        let group_count = if group.is_empty() {
            None
        } else {
            inputs.combine(&group, false).value
        };
        let suppressed =
            hidden.hides_reference(&meta.key) || group.iter().any(|&i| hidden.hides(&meta.key, &areas[i].key));
        let band = AgeBand {
            group_share: group_count.filter(|_| !suppressed),
            reference_share: inputs.combine(&all, false).value.filter(|_| !suppressed),
            indicator: meta.key,
            label,
            from,
            suppressed,
        };
        candidates.push((to, band));
    }
    // The chain of bands from age 0, each starting where the previous one ends.
    candidates.sort_by_key(|(to, b)| (b.from, to.unwrap_or(u32::MAX)));
    let mut bands: Vec<AgeBand> = Vec::new();
    let mut next_start = Some(0);
    for (to, band) in candidates {
        if Some(band.from) == next_start {
            next_start = to;
            bands.push(band);
        }
    }
    // Counts so far; turned into shares of the totals below.
    let total = |count: fn(&AgeBand) -> Option<f64>| {
        bands
            .iter()
            .filter(|b| !b.suppressed)
            .map(count)
            .sum::<Option<f64>>()
            .filter(|t| *t > 0.0)
    };
    let group_total = total(|b| b.group_share);
    let reference_total = total(|b| b.reference_share);
    let share = |v: Option<f64>, t: Option<f64>| Some(v? / t? * 100.0);
    for b in &mut bands {
        b.group_share = share(b.group_share, group_total);
        b.reference_share = share(b.reference_share, reference_total);
    }
    Ok(AgeStructure { bands, group_total })
}
