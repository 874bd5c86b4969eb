//! Status and dynamics classification of areas, as the Berlin "Monitoring Soziale
//! Stadtentwicklung" (MSS), Hamburg's RISE Sozialmonitoring and Solingen do it.
//!
//! The method (MSS, as officially documented):
//!
//! 1. Only valid areas take part: areas below a minimum population and areas excluded by
//!    hand are left out of every mean and standard deviation, and so are areas with a
//!    missing, suppressed or not applicable input value (each reported with its reason).
//! 2. Each indicator is z-standardised over the valid areas, unweighted, with the population
//!    standard deviation (divided by n). An indicator where high is favourable enters with a
//!    negative sign; optional weights multiply the z-values.
//! 3. The sum of the status z-values is standardised again the same way: the status index.
//!    The same for the dynamics indicators gives the dynamics index. A higher index means
//!    more disadvantage.
//! 4. Classes: status **hoch** if index < −1, **mittel** if −1 ≤ index ≤ +1, **niedrig** if
//!    +1 < index ≤ +1.5, **sehr niedrig** if index > +1.5; dynamics **positiv** if index < −1,
//!    **stabil** if −1 ≤ index ≤ +1, **negativ** if index > +1 (thresholds editable). The
//!    combined code is the status number and the dynamics sign, e.g. `2+/-`.
//!
//! Dynamics come either from given change indicators (MSS: d1, d3, d4, changes in
//! percentage points) or are computed as the difference of the status indicators between
//! a comparison period and the period (Solingen, RISE).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use super::stats::{mean_and_population_sd, population_z_scores};
use crate::analysis::{area_ids, derived_values, IndicatorChoice, MinPopulation};
use crate::model::{IndicatorKind, Polarity, ValueStatus};
use crate::progress::{check_cancel, Progress};
use crate::store::{Column, DerivedRun, DerivedSeries, IndicatorUpdate};
use crate::{Atlas, Error, Result};

/// Where the dynamics come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "from")]
pub enum DynamicsSource {
    /// Given change indicators (MSS: d1, d3, d4).
    Indicators {
        /// The change indicators.
        indicators: Vec<IndicatorChoice>,
    },
    /// The change of each status indicator from `compare_period` to the period.
    ChangeOfStatus {
        /// The earlier period.
        compare_period: String,
    },
    /// No dynamics: the four status classes only (a municipality with one period, such as
    /// Hamburg's 2014 Stadtteil-Profile).
    StatusOnly,
}

/// Class boundaries of the indices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    /// hoch < a ≤ mittel ≤ b < niedrig ≤ c < sehr niedrig (MSS: −1, +1, +1.5).
    pub status: [f64; 3],
    /// positiv < a ≤ stabil ≤ b < negativ (MSS: −1, +1).
    pub dynamics: [f64; 2],
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            status: [-1.0, 1.0, 1.5],
            dynamics: [-1.0, 1.0],
        }
    }
}

/// A complete run description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusDynamicsConfig {
    /// The spatial level of the areas.
    pub level: String,
    /// The period of the status (and of the change indicators).
    pub period: String,
    /// The preset this came from, if any.
    pub preset: Option<String>,
    /// The status indicators.
    pub status: Vec<IndicatorChoice>,
    /// The dynamics.
    pub dynamics: DynamicsSource,
    /// Minimum population, if any.
    pub min_population: Option<MinPopulation>,
    /// Area keys excluded by hand (outliers).
    pub exclude: Vec<String>,
    /// Class boundaries.
    pub thresholds: Thresholds,
}

/// Status class; higher index = more disadvantage = lower status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum StatusClass {
    /// Index below the first threshold (class 1).
    #[serde(rename = "hoch")]
    High,
    /// Between the first and the second threshold (class 2).
    #[serde(rename = "mittel")]
    Medium,
    /// Between the second and the third threshold (class 3).
    #[serde(rename = "niedrig")]
    Low,
    /// Above the third threshold (class 4).
    #[serde(rename = "sehr niedrig")]
    VeryLow,
}

impl StatusClass {
    /// All classes, 1 to 4.
    pub const ALL: [StatusClass; 4] = [
        StatusClass::High,
        StatusClass::Medium,
        StatusClass::Low,
        StatusClass::VeryLow,
    ];

    /// The class number 1–4.
    pub fn number(self) -> usize {
        self as usize + 1
    }

    /// German label.
    pub fn label_de(self) -> &'static str {
        ["hoch", "mittel", "niedrig", "sehr niedrig"][self as usize]
    }
}

/// Dynamics class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DynamicsClass {
    /// Improving (index below the first threshold).
    #[serde(rename = "positiv")]
    Positive,
    /// Stable.
    #[serde(rename = "stabil")]
    Stable,
    /// Worsening.
    #[serde(rename = "negativ")]
    Negative,
}

impl DynamicsClass {
    /// All classes.
    pub const ALL: [DynamicsClass; 3] = [DynamicsClass::Positive, DynamicsClass::Stable, DynamicsClass::Negative];

    /// The sign used in the combined code: `+`, `+/-`, `-`.
    pub fn sign(self) -> &'static str {
        ["+", "+/-", "-"][self as usize]
    }

    /// German label.
    pub fn label_de(self) -> &'static str {
        ["positiv", "stabil", "negativ"][self as usize]
    }
}

/// The result for one valid area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaResult {
    /// Area key (shared with the atlas's area list).
    pub key: Arc<str>,
    /// Area name (shared like the key).
    pub name: Arc<str>,
    /// Status index (standardised sum of status z-values).
    pub status_index: f64,
    /// Dynamics index; `None`, and left out of the JSON, in a status-only run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamics_index: Option<f64>,
    /// Status class.
    pub status_class: StatusClass,
    /// Dynamics class; `None`, and left out of the JSON, in a status-only run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamics_class: Option<DynamicsClass>,
    /// Combined code, e.g. `2+/-`; the status number alone (`2`) in a status-only run.
    pub code: &'static str,
}

/// An area that took no part, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExcludedArea {
    /// Area key (shared with the atlas's area list).
    pub key: Arc<str>,
    /// Area name (shared like the key).
    pub name: Arc<str>,
    /// Why, in German.
    pub reason: String,
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusDynamicsResult {
    /// The level.
    pub level: String,
    /// The period.
    pub period: String,
    /// The comparison period of computed dynamics.
    pub compare_period: Option<String>,
    /// The preset, if any.
    pub preset: Option<String>,
    /// Status indicator keys used.
    pub status_indicators: Vec<String>,
    /// Dynamics indicator keys used (for computed dynamics: `Δ key`); left out of the JSON in
    /// a status-only run, where there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dynamics_indicators: Vec<String>,
    /// Number of valid areas.
    pub valid_areas: usize,
    /// Per valid area, in key order.
    pub areas: Vec<AreaResult>,
    /// Areas left out, in key order.
    pub excluded: Vec<ExcludedArea>,
    /// Areas per status class (hoch, mittel, niedrig, sehr niedrig).
    pub status_counts: [usize; 4],
    /// Areas per dynamics class (positiv, stabil, negativ); `None` in a status-only run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamics_counts: Option<[usize; 3]>,
    /// The 4 × 3 matrix: rows status classes, columns dynamics classes; `None` in a
    /// status-only run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matrix: Option<[[usize; 3]; 4]>,
    /// The thresholds used.
    pub thresholds: Thresholds,
    /// Derived indicator keys written (with `save`).
    pub saved: Vec<String>,
}

/// A named preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Berlin, Monitoring Soziale Stadtentwicklung.
    BerlinMss,
    /// Hamburg, RISE Sozialmonitoring.
    HamburgRise,
    /// Solingen, Sozialraummonitoring.
    Solingen,
}

/// One indicator a preset needs: its default key, what it means, whether high is good.
#[derive(Debug, Clone, Copy)]
pub struct PresetIndicator {
    /// The key the preset looks for (mappable to another key).
    pub key: &'static str,
    /// What it is, in German, for the mapping dialog.
    pub meaning: &'static str,
    /// True where a high value is favourable.
    pub higher_is_better: bool,
    /// Only used where the atlas has values at the level and period (MSS s2/d2 until 2017).
    pub optional: bool,
}

const fn need(key: &'static str, meaning: &'static str) -> PresetIndicator {
    PresetIndicator {
        key,
        meaning,
        higher_is_better: false,
        optional: false,
    }
}

const fn optional(key: &'static str, meaning: &'static str) -> PresetIndicator {
    PresetIndicator {
        key,
        meaning,
        higher_is_better: false,
        optional: true,
    }
}

const MSS_STATUS: &[PresetIndicator] = &[
    need("s1", "Anteil Arbeitslose (SGB II und III)"),
    optional("s2", "Anteil Langzeitarbeitslose (bis 2017)"),
    need("s3", "Anteil Transferbeziehende (SGB II und XII)"),
    need("s4", "Anteil Transferbeziehende unter 15 Jahren"),
];
const MSS_DYNAMICS: &[PresetIndicator] = &[
    need("d1", "Veränderung Arbeitslose (Prozentpunkte)"),
    optional("d2", "Veränderung Langzeitarbeitslose (bis 2017)"),
    need("d3", "Veränderung Transferbeziehende"),
    need("d4", "Veränderung Transferbeziehende unter 15 Jahren"),
];
const RISE_STATUS: &[PresetIndicator] = &[
    need(
        "rise_kinder_mh",
        "Anteil Kinder und Jugendliche mit Migrationshintergrund",
    ),
    need("rise_kinder_alleinerziehende", "Anteil Kinder von Alleinerziehenden"),
    need("rise_sgb2", "Anteil SGB-II-Empfängerinnen und -Empfänger"),
    need("rise_arbeitslose", "Anteil Arbeitslose (SGB II und III)"),
    need(
        "rise_kinder_mindestsicherung",
        "Anteil Kinder und Jugendliche in Mindestsicherung",
    ),
    need("rise_mindestsicherung_alter", "Anteil Mindestsicherung im Alter"),
    need(
        "rise_schulabschluss",
        "Anteil Schulentlassene ohne oder mit erstem allgemeinbildenden Schulabschluss",
    ),
];
const SOLINGEN_STATUS: &[PresetIndicator] = &[
    need("anteil_auslaender", "Anteil Ausländerinnen und Ausländer"),
    need("anteil_migranten", "Anteil Migrantinnen und Migranten"),
    need(
        "anteil_migranten_u15",
        "Anteil Migrantinnen und Migranten unter 15 Jahren",
    ),
    need("anteil_sgb2", "Anteil SGB-II-Empfängerinnen und -Empfänger"),
    need(
        "anteil_sgb2_u15",
        "Anteil SGB-II-Empfängerinnen und -Empfänger unter 15 Jahren",
    ),
    need("anteil_alleinerziehende_hh", "Anteil Alleinerziehenden-Haushalte"),
    need(
        "anteil_alleinerziehende_bg",
        "Anteil Alleinerziehenden-Bedarfsgemeinschaften",
    ),
    PresetIndicator {
        key: "anteil_wohndauer_5j",
        meaning: "Anteil Personen mit Wohndauer über 5 Jahre an derselben Adresse",
        higher_is_better: true,
        optional: false,
    },
    need("wanderungsanteil", "Wanderungsanteil (Zu- und Fortzüge je Einwohner)"),
];

impl Preset {
    /// Every preset with its command-line name.
    pub const ALL: [(Preset, &'static str); 3] = [
        (Preset::BerlinMss, "berlin-mss"),
        (Preset::HamburgRise, "hamburg-rise"),
        (Preset::Solingen, "solingen"),
    ];

    /// Parses the command-line name.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .find(|(_, n)| *n == name.trim())
            .map(|(p, _)| *p)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(_, n)| *n).collect();
                Error::Invalid(format!("Vorlage „{name}“ unbekannt; vorhanden: {}", names.join(", ")))
            })
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(p, _)| *p == self).map_or("", |(_, n)| n)
    }

    /// Key prefix of the derived indicators this preset saves.
    fn save_prefix(self) -> &'static str {
        match self {
            Preset::BerlinMss => "mss",
            Preset::HamburgRise => "rise",
            Preset::Solingen => "solingen",
        }
    }

    /// The status indicators the preset needs.
    pub fn status_indicators(self) -> &'static [PresetIndicator] {
        match self {
            Preset::BerlinMss => MSS_STATUS,
            Preset::HamburgRise => RISE_STATUS,
            Preset::Solingen => SOLINGEN_STATUS,
        }
    }

    /// Given change indicators (MSS), or `None` where the dynamics are the change of the status
    /// indicators between two periods.
    pub fn dynamics_indicators(self) -> Option<&'static [PresetIndicator]> {
        match self {
            Preset::BerlinMss => Some(MSS_DYNAMICS),
            Preset::HamburgRise | Preset::Solingen => None,
        }
    }

    /// Years between the comparison period and the period where the preset fixes them
    /// (RISE: three years); Solingen leaves the choice to the user.
    fn dynamics_years(self) -> Option<i32> {
        match self {
            Preset::HamburgRise => Some(3),
            Preset::BerlinMss | Preset::Solingen => None,
        }
    }

    /// The population rule: default population key and minimum.
    fn min_population(self) -> Option<(&'static str, f64)> {
        match self {
            Preset::BerlinMss => Some(("ew_mss", 300.0)),
            Preset::HamburgRise => Some(("ew", 300.0)),
            Preset::Solingen => None,
        }
    }

    /// Areas the published edition excludes by hand as outliers. Only the 2019 edition's list
    /// is published with its distribution; other editions take `--exclude`.
    fn excluded_by_hand(self, period: &str) -> &'static [&'static str] {
        match (self, period.trim()) {
            (Preset::BerlinMss, "2019") => &["10010203", "04041239"],
            _ => &[],
        }
    }

    /// Builds a run configuration for an atlas. `mapping` maps a preset key to the atlas's
    /// key; a needed indicator that the atlas lacks is an error that lists every missing
    /// indicator with its meaning, so the user can map them.
    pub fn config(
        self,
        atlas: &Atlas,
        level: &str,
        period: &str,
        compare_period: Option<&str>,
        mapping: &HashMap<String, String>,
    ) -> Result<StatusDynamicsConfig> {
        self.config_with(atlas, level, period, compare_period, mapping, OwnIndicators::default())
    }

    /// Like [`Preset::config`], with the user's own indicators in place of the preset's: the
    /// preset's indicators that are replaced are not looked up (so an atlas without them can
    /// still use the preset's method: thresholds, minimum population, exclusions).
    pub fn config_with(
        self,
        atlas: &Atlas,
        level: &str,
        period: &str,
        compare_period: Option<&str>,
        mapping: &HashMap<String, String>,
        own: OwnIndicators,
    ) -> Result<StatusDynamicsConfig> {
        let level_ref = atlas.level(level)?;
        let period_ref = atlas.period(period)?;
        let mapped = |k: &str| mapping.get(k).cloned().unwrap_or_else(|| k.to_string());
        let mut missing = Vec::new();
        let mut choose = |list: &[PresetIndicator]| -> Result<Vec<IndicatorChoice>> {
            let mut out = Vec::new();
            for p in list {
                let key = mapped(p.key);
                let has_values = match atlas.indicator(&key) {
                    Ok(meta) => !atlas.values(meta.id, level_ref.id, period_ref.id)?.is_empty(),
                    Err(Error::NotFound { .. }) => false,
                    Err(e) => return Err(e),
                };
                if has_values {
                    out.push(IndicatorChoice {
                        key,
                        polarity: Some(if p.higher_is_better {
                            Polarity::HigherIsBetter
                        } else {
                            Polarity::HigherIsWorse
                        }),
                        weight: 1.0,
                    });
                } else if !p.optional {
                    missing.push(*p);
                }
            }
            Ok(out)
        };
        let status = match own.status {
            Some(list) => list,
            None => choose(self.status_indicators())?,
        };
        let given_dynamics = match (own.dynamics, self.dynamics_indicators()) {
            (Some(dynamics), _) => Some(dynamics),
            (None, Some(list)) => Some(DynamicsSource::Indicators {
                indicators: choose(list)?,
            }),
            (None, None) => None,
        };
        if let Some(first) = missing.first() {
            return Err(Error::Invalid(format!(
                "Die Vorlage „{}“ braucht Indikatoren, die auf Ebene „{level}“ für {period} fehlen: {}. \
                 Mit --map VORLAGE=ATLAS zuordnen (z. B. --map {}=mein_schluessel) oder mit --status/--dynamics eigene wählen.",
                self.name(),
                missing
                    .iter()
                    .map(|p| format!("„{}“ ({})", p.key, p.meaning))
                    .collect::<Vec<_>>()
                    .join(", "),
                first.key
            )));
        }
        let dynamics = match given_dynamics {
            Some(dynamics) => dynamics,
            None => {
                let compare = match (compare_period, self.dynamics_years()) {
                    (Some(c), _) => c.trim().to_string(),
                    (None, Some(years)) => years_before(atlas, period, years)?,
                    (None, None) => {
                        return Err(Error::Invalid(format!(
                            "Die Vorlage „{}“ berechnet die Dynamik als Veränderung zwischen zwei Zeiträumen: --compare-period angeben (z. B. 2010)",
                            self.name()
                        )))
                    }
                };
                DynamicsSource::ChangeOfStatus {
                    compare_period: compare,
                }
            }
        };
        Ok(StatusDynamicsConfig {
            level: level.to_string(),
            period: period.to_string(),
            preset: Some(self.name().to_string()),
            status,
            dynamics,
            min_population: self.min_population().map(|(k, minimum)| MinPopulation {
                indicator: mapped(k),
                minimum,
            }),
            // The published outliers are keys of the finest level; other levels have none.
            exclude: {
                let keys: HashSet<String> = atlas
                    .areas(level_ref.id)?
                    .into_iter()
                    .map(|a| a.key.to_string())
                    .collect();
                self.excluded_by_hand(period)
                    .iter()
                    .filter(|k| keys.contains(**k))
                    .map(|k| k.to_string())
                    .collect()
            },
            thresholds: Thresholds::default(),
        })
    }
}

/// The user's own indicators for a preset run ([`Preset::config_with`]); `None` keeps the
/// preset's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnIndicators {
    /// Status indicators in place of the preset's.
    pub status: Option<Vec<IndicatorChoice>>,
    /// Dynamics in place of the preset's (own change indicators, or status only).
    pub dynamics: Option<DynamicsSource>,
}

/// The period whose label is `years` years before `period` (labels read as years).
fn years_before(atlas: &Atlas, period: &str, years: i32) -> Result<String> {
    let year: i32 = crate::model::period_date(period)
        .and_then(|d| d.get(..4).and_then(|y| y.parse().ok()))
        .ok_or_else(|| Error::Invalid(format!("Zeitraum „{period}“ nennt kein Jahr; --compare-period angeben")))?;
    let wanted = year - years;
    atlas
        .periods()?
        .into_iter()
        .find(|p| {
            p.date
                .as_deref()
                .and_then(|d| d.get(..4))
                .and_then(|y| y.parse::<i32>().ok())
                == Some(wanted)
        })
        .map(|p| p.label)
        .ok_or_else(|| {
            Error::Invalid(format!(
                "Für die Dynamik über {years} Jahre fehlt der Zeitraum {wanted}; --compare-period angeben"
            ))
        })
}

/// One input column: values aligned to the level's areas, direction and weight.
struct Input {
    label: String,
    column: Arc<Column>,
    sign: f64,
    weight: f64,
}

/// Why area `i` of a column cannot take part, or `None` when it has a number.
fn status_word(column: &Column, i: usize) -> Option<&'static str> {
    if column.number(i).is_some() {
        return None;
    }
    Some(match column.status[i] {
        None | Some(ValueStatus::Missing) => "fehlt",
        Some(ValueStatus::Ok) => "keine Zahl",
        Some(ValueStatus::Suppressed) => "k. A.",
        Some(ValueStatus::NotApplicable) => "x (nicht sinnvoll)",
    })
}

/// The change of a column from `before` to `now`, keeping `now`'s cells where either lacks
/// a number (a missing earlier number makes the change missing, or takes the earlier status).
fn change(now: &Column, before: &Column) -> Column {
    let mut out = Column::empty(now.numbers.len());
    for i in 0..now.numbers.len() {
        match (now.number(i), before.number(i)) {
            (Some(x), Some(y)) => {
                out.numbers[i] = x - y;
                out.status[i] = Some(ValueStatus::Ok);
            }
            (Some(_), None) => {
                out.status[i] = Some(match before.status[i] {
                    None | Some(ValueStatus::Ok) => ValueStatus::Missing,
                    Some(other) => other,
                })
            }
            (None, _) => out.status[i] = now.status[i],
        }
    }
    out
}

/// The standardised sum of the standardised inputs over the valid areas (positions in the
/// level's area order): `z(Σ sign · weight · z(x))`, population standard deviations.
fn index_over(inputs: &[Input], valid: &[usize]) -> Result<Vec<f64>> {
    let mut sum = vec![0.0; valid.len()];
    // Each input's valid numbers gathered once into one contiguous run, then summed in order.
    let mut x = Vec::with_capacity(valid.len());
    for input in inputs {
        x.clear();
        x.extend(valid.iter().map(|&i| input.column.numbers[i]));
        let (mean, sd) = mean_and_population_sd(&x).unwrap_or((0.0, 0.0));
        if sd == 0.0 || !sd.is_finite() {
            return Err(Error::Invalid(format!(
                "Indikator „{}“ streut über die {} gültigen Gebiete nicht (alle Werte gleich)",
                input.label,
                valid.len()
            )));
        }
        let factor = input.sign * input.weight / sd;
        for (s, v) in sum.iter_mut().zip(&x) {
            *s += factor * (v - mean);
        }
    }
    population_z_scores(&sum).ok_or_else(|| Error::Invalid("Die Indexsumme streut nicht".into()))
}

/// The twelve codes of the 4 × 3 classes, and the four of status alone.
const CODES: [[&str; 3]; 4] = [
    ["1+", "1+/-", "1-"],
    ["2+", "2+/-", "2-"],
    ["3+", "3+/-", "3-"],
    ["4+", "4+/-", "4-"],
];
const STATUS_CODES: [&str; 4] = ["1", "2", "3", "4"];

/// Runs the classification. Reads only; see [`save_status_dynamics`] to store the result.
pub fn status_dynamics(atlas: &Atlas, config: &StatusDynamicsConfig) -> Result<StatusDynamicsResult> {
    if config.status.is_empty() {
        return Err(Error::Invalid(
            "Keine Statusindikatoren angegeben (--status oder --preset)".into(),
        ));
    }
    let t = &config.thresholds;
    if !(t.status[0] <= t.status[1] && t.status[1] <= t.status[2] && t.dynamics[0] <= t.dynamics[1]) {
        return Err(Error::Invalid(format!(
            "Schwellenwerte müssen aufsteigen: Status {:?}, Dynamik {:?}",
            t.status, t.dynamics
        )));
    }
    let level = atlas.level(&config.level)?;
    let period = atlas.period(&config.period)?;
    let areas = atlas.level_areas(level.id)?;
    let load = |choice: &IndicatorChoice, period_id: i64| -> Result<(Arc<Column>, Polarity)> {
        let meta = atlas.indicator(&choice.key)?;
        if meta.kind == IndicatorKind::Categorical {
            return Err(Error::Invalid(format!(
                "Indikator „{}“ ist kategorial und kann nicht standardisiert werden",
                choice.key
            )));
        }
        let column = atlas.column(meta.id, level.id, period_id)?;
        if column.is_empty() {
            let label = atlas
                .periods()?
                .into_iter()
                .find(|p| p.id == period_id)
                .map(|p| p.label);
            return Err(Error::Invalid(format!(
                "Indikator „{}“ hat auf Ebene „{}“ für {} keine Werte",
                choice.key,
                level.name,
                label.unwrap_or_default()
            )));
        }
        Ok((column, meta.polarity))
    };
    let mut status_inputs = Vec::new();
    for c in &config.status {
        let (column, declared) = load(c, period.id)?;
        status_inputs.push(Input {
            label: c.key.clone(),
            column,
            sign: c.unfavourable_sign(declared),
            weight: c.weight,
        });
    }
    let (dynamics_inputs, compare_period) = match &config.dynamics {
        DynamicsSource::Indicators { indicators } => {
            if indicators.is_empty() {
                return Err(Error::Invalid(
                    "Keine Dynamikindikatoren angegeben (--dynamics oder --compare-period)".into(),
                ));
            }
            let mut inputs = Vec::new();
            for c in indicators {
                let (column, declared) = load(c, period.id)?;
                inputs.push(Input {
                    label: c.key.clone(),
                    column,
                    sign: c.unfavourable_sign(declared),
                    weight: c.weight,
                });
            }
            (inputs, None)
        }
        DynamicsSource::ChangeOfStatus { compare_period } => {
            let earlier = atlas.period(compare_period)?;
            if earlier.id == period.id {
                return Err(Error::Invalid(format!(
                    "Vergleichszeitraum und Zeitraum sind gleich ({compare_period})"
                )));
            }
            let mut inputs = Vec::new();
            for (c, now) in config.status.iter().zip(&status_inputs) {
                let (before, _) = load(c, earlier.id)?;
                // The change keeps the status indicator's direction: a rising share of
                // transfer recipients is a negative dynamic.
                inputs.push(Input {
                    label: format!("Δ {}", c.key),
                    column: Arc::new(change(&now.column, &before)),
                    sign: now.sign,
                    weight: now.weight,
                });
            }
            (inputs, Some(compare_period.clone()))
        }
        DynamicsSource::StatusOnly => (Vec::new(), None),
    };

    // Which areas take part.
    let excluded_by_hand: HashSet<&str> = config.exclude.iter().map(String::as_str).collect();
    if let Some(unknown) = config
        .exclude
        .iter()
        .find(|k| areas.binary_search_by(|a| a.key.as_ref().cmp(k.as_str())).is_err())
    {
        return Err(Error::Invalid(format!(
            "Auszuschließendes Gebiet „{unknown}“ gibt es auf Ebene „{}“ nicht",
            level.name
        )));
    }
    let mut too_small = match &config.min_population {
        Some(rule) => rule.reasons(atlas, level.id, period.id)?,
        None => vec![None; areas.len()],
    };
    let mut valid = Vec::with_capacity(areas.len());
    let mut excluded = Vec::new();
    for (i, area) in areas.iter().enumerate() {
        let reason = if excluded_by_hand.contains(area.key.as_ref()) {
            Some("von Hand ausgeschlossen (Ausreißer)".to_string())
        } else {
            too_small[i].take()
        };
        let reason = reason.or_else(|| {
            let all = || status_inputs.iter().chain(&dynamics_inputs);
            if all().all(|input| input.column.number(i).is_some()) {
                return None;
            }
            let gaps: Vec<String> = all()
                .filter_map(|input| status_word(&input.column, i).map(|w| format!("{} {w}", input.label)))
                .collect();
            Some(format!("Werte fehlen: {}", gaps.join(", ")))
        });
        match reason {
            Some(reason) => excluded.push(ExcludedArea {
                key: area.key.clone(),
                name: area.name.clone(),
                reason,
            }),
            None => valid.push(i),
        }
    }
    if valid.len() < 3 {
        return Err(Error::Invalid(format!(
            "Nur {} gültige Gebiete auf Ebene „{}“ für {}: zu wenige für eine Standardisierung",
            valid.len(),
            level.name,
            config.period
        )));
    }
    let status_index = index_over(&status_inputs, &valid)?;
    let with_dynamics = !matches!(config.dynamics, DynamicsSource::StatusOnly);
    let dynamics_index: Vec<Option<f64>> = if with_dynamics {
        index_over(&dynamics_inputs, &valid)?.into_iter().map(Some).collect()
    } else {
        vec![None; valid.len()]
    };

    let mut result_areas = Vec::with_capacity(valid.len());
    let mut status_counts = [0; 4];
    let mut dynamics_counts = [0; 3];
    let mut matrix = [[0; 3]; 4];
    for ((&i, s), d) in valid.iter().zip(&status_index).zip(&dynamics_index) {
        let area = &areas[i];
        let sc = classify_status(*s, &t.status);
        let dc = d.map(|d| classify_dynamics(d, &t.dynamics));
        status_counts[sc as usize] += 1;
        if let Some(dc) = dc {
            dynamics_counts[dc as usize] += 1;
            matrix[sc as usize][dc as usize] += 1;
        }
        result_areas.push(AreaResult {
            key: area.key.clone(),
            name: area.name.clone(),
            status_index: *s,
            dynamics_index: *d,
            status_class: sc,
            dynamics_class: dc,
            code: match dc {
                Some(dc) => CODES[sc as usize][dc as usize],
                None => STATUS_CODES[sc as usize],
            },
        });
    }
    Ok(StatusDynamicsResult {
        level: level.name,
        period: period.label,
        compare_period,
        preset: config.preset.clone(),
        status_indicators: status_inputs.iter().map(|i| i.label.clone()).collect(),
        dynamics_indicators: dynamics_inputs.iter().map(|i| i.label.clone()).collect(),
        valid_areas: result_areas.len(),
        areas: result_areas,
        excluded,
        status_counts,
        dynamics_counts: with_dynamics.then_some(dynamics_counts),
        matrix: with_dynamics.then_some(matrix),
        thresholds: config.thresholds.clone(),
        saved: Vec::new(),
    })
}

/// The status class of an index: `< a` hoch, `a ..= b` mittel, `(b, c]` niedrig, `> c` sehr niedrig.
///
/// ```
/// use quartier_core::analysis::status_dynamics::{classify_status, StatusClass};
/// let t = [-1.0, 1.0, 1.5];
/// assert_eq!(classify_status(-1.0, &t), StatusClass::Medium);
/// assert_eq!(classify_status(1.5, &t), StatusClass::Low);
/// assert_eq!(classify_status(1.51, &t), StatusClass::VeryLow);
/// ```
pub fn classify_status(index: f64, t: &[f64; 3]) -> StatusClass {
    if index < t[0] {
        StatusClass::High
    } else if index <= t[1] {
        StatusClass::Medium
    } else if index <= t[2] {
        StatusClass::Low
    } else {
        StatusClass::VeryLow
    }
}

/// The dynamics class: `< a` positiv, `a ..= b` stabil, `> b` negativ.
pub fn classify_dynamics(index: f64, t: &[f64; 2]) -> DynamicsClass {
    if index < t[0] {
        DynamicsClass::Positive
    } else if index <= t[1] {
        DynamicsClass::Stable
    } else {
        DynamicsClass::Negative
    }
}

/// Runs the classification and stores five derived indicators at the level and period:
/// `PREFIX_status_index`, `PREFIX_dynamics_index`, `PREFIX_status_class`,
/// `PREFIX_dynamics_class` and `PREFIX_code` (prefix `mss`, `rise`, `solingen`, or `sd` for
/// own indicator sets), each with its `derived_run` record. Excluded areas get "x" with the
/// reason as note.
pub fn save_status_dynamics(
    atlas: &mut Atlas,
    config: &StatusDynamicsConfig,
    progress: &dyn Progress,
) -> Result<StatusDynamicsResult> {
    progress.report(0.1, "Indizes und Klassen berechnen");
    let mut result = status_dynamics(atlas, config)?;
    check_cancel(progress)?;
    let level = atlas.level(&config.level)?;
    let period = atlas.period(&config.period)?;
    let ids = area_ids(atlas, level.id)?;
    let prefix = config
        .preset
        .as_deref()
        .and_then(|p| Preset::parse(p).ok())
        .map_or("sd", Preset::save_prefix);
    let title = config
        .preset
        .as_deref()
        .map_or("Status/Dynamik".to_string(), |p| format!("Status/Dynamik ({p})"));
    type Extract = fn(&AreaResult) -> (Option<f64>, Option<String>);
    let outputs: [(&str, &str, IndicatorKind, i64, Extract); 5] = [
        ("status_index", "Statusindex", IndicatorKind::Ratio, 2, |r| {
            (Some(r.status_index), None)
        }),
        ("dynamics_index", "Dynamikindex", IndicatorKind::Ratio, 2, |r| {
            (r.dynamics_index, None)
        }),
        ("status_class", "Statusklasse", IndicatorKind::Categorical, 0, |r| {
            (
                None,
                Some(format!("{} {}", r.status_class.number(), r.status_class.label_de())),
            )
        }),
        ("dynamics_class", "Dynamikklasse", IndicatorKind::Categorical, 0, |r| {
            (None, r.dynamics_class.map(|c| c.label_de().to_string()))
        }),
        ("code", "Status/Dynamik-Gruppe", IndicatorKind::Categorical, 0, |r| {
            (None, Some(r.code.to_string()))
        }),
    ];
    let mut series = Vec::new();
    let with_dynamics = result.dynamics_counts.is_some();
    for (suffix, name, kind, decimals, extract) in outputs {
        if suffix.starts_with("dynamics") && !with_dynamics {
            continue; // a status-only run stores no dynamics
        }
        let values = derived_values(
            &ids,
            result.areas.iter().map(|r| {
                let (value, text) = extract(r);
                (r.key.as_ref(), value, text)
            }),
            result.excluded.iter().map(|e| (e.key.as_ref(), e.reason.as_str())),
        );
        series.push(DerivedSeries {
            key: format!("{prefix}_{suffix}"),
            meta: IndicatorUpdate {
                name: Some(format!("{name} ({title})")),
                topic: Some(format!("Abgeleitet/{title}")),
                unit: Some(if kind == IndicatorKind::Ratio { "z".into() } else { String::new() }),
                decimals: Some(decimals),
                kind: Some(kind),
                aggregation: Some(crate::model::AggregationRule::NotAggregable),
                polarity: Some(if kind == IndicatorKind::Ratio {
                    Polarity::HigherIsWorse
                } else {
                    Polarity::Neutral
                }),
                description: Some(format!(
                    "{name}: Summe der z-standardisierten Indikatoren {}, erneut z-standardisiert über {} gültige Gebiete \
                     (Populationsstandardabweichung). Höher = größere Benachteiligung.",
                    if suffix.starts_with("dynamics") {
                        result.dynamics_indicators.join(", ")
                    } else {
                        result.status_indicators.join(", ")
                    },
                    result.valid_areas
                )),
                ..Default::default()
            },
            values,
        });
    }
    let run = DerivedRun {
        method: "status_dynamics".into(),
        parameters: serde_json::to_value(config).unwrap_or_default(),
        inputs: config
            .status
            .iter()
            .map(|c| c.key.clone())
            .chain(match &config.dynamics {
                DynamicsSource::Indicators { indicators } => indicators.iter().map(|c| c.key.clone()).collect(),
                DynamicsSource::ChangeOfStatus { .. } | DynamicsSource::StatusOnly => Vec::new(),
            })
            .chain(config.min_population.iter().map(|m| m.indicator.clone()))
            .collect(),
    };
    progress.report(0.8, "Speichern");
    check_cancel(progress)?;
    result.saved = atlas.save_derived(level.id, period.id, &run, &series)?;
    Ok(result)
}
