//! `quartier index`: a composite index with normalisation, weights, checks and uncertainty.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use quartier_core::analysis::index::{
    composite_index, save_composite_index, Aggregation, IndexConfig, IndexResult, MissingPolicy, Normalisation,
    Uncertainty,
};
use quartier_core::numbers::{format_german, DecimalSeparator};

use crate::cli::common::{emit, indicator_choices, invalid, keys, open, stderr_progress, MinPopulationArgs};
use crate::cli::Verb;

/// `quartier index`
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ebene
    #[arg(long)]
    pub level: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Indikatoren, je SCHLÜSSEL[:+|-][:GEWICHT] (+ = hoch ist günstig; ohne Gewicht: gleich)
    #[arg(long, value_delimiter = ',', required = true)]
    pub indicators: Vec<String>,
    /// Normierung: z, minmax, rank, percentile, reference (Gesamtstadtwert), target (--targets)
    #[arg(long, value_enum, ignore_case = true, default_value = "z")]
    pub normalise: NormaliseArg,
    /// Aggregation: arithmetic oder geometric
    #[arg(long, value_enum, ignore_case = true, default_value = "arithmetic")]
    pub aggregate: AggregateArg,
    /// Die Gewichte sind Budgetpunkte (zusammen 100)
    #[arg(long)]
    pub budget: bool,
    /// Zielwerte für --normalise target: SCHLÜSSEL=WERT,…
    #[arg(long, value_delimiter = ',')]
    pub targets: Vec<String>,
    /// Fehlende Werte: exclude (Gebiet ohne Index) oder available (über die vorhandenen)
    #[arg(long, value_enum, ignore_case = true, default_value = "exclude")]
    pub missing: MissingArg,
    /// Mindestanteil vorhandener Indikatoren bei --missing available (0–1)
    #[arg(long, default_value_t = 0.75)]
    pub min_coverage: f64,
    /// Mindesteinwohnerzahl
    #[command(flatten)]
    pub population: MinPopulationArgs,
    /// Von Hand ausgeschlossene Gebiete (Schlüssel)
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Unsicherheitsanalyse mit N Monte-Carlo-Läufen
    #[arg(long)]
    pub uncertainty: Option<usize>,
    /// Spanne der Gewichte in der Unsicherheitsanalyse (0,25 = ± 25 %)
    #[arg(long, default_value_t = 0.25)]
    pub weight_range: f64,
    /// Normierungen der Unsicherheitsanalyse (Standard: die gewählte, z, minmax, rank)
    #[arg(long, value_enum, ignore_case = true, value_delimiter = ',')]
    pub uncertainty_normalise: Vec<NormaliseArg>,
    /// Aggregationen der Unsicherheitsanalyse (Standard: arithmetic, geometric)
    #[arg(long, value_enum, ignore_case = true, value_delimiter = ',')]
    pub uncertainty_aggregate: Vec<AggregateArg>,
    /// Startwert des Zufallsgenerators (gleicher Wert, gleiches Ergebnis)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Als abgeleitete Indikatoren KEY, KEY_rank (…) speichern
    #[arg(long)]
    pub save: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `--normalise` (German names as aliases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NormaliseArg {
    /// z-Wert
    #[value(alias = "zscore", alias = "z-score", alias = "z-wert")]
    Z,
    /// Min-Max (0–1)
    #[value(alias = "min-max")]
    Minmax,
    /// Rang
    #[value(alias = "rang")]
    Rank,
    /// Perzentilrang
    #[value(alias = "perzentil")]
    Percentile,
    /// Abstand zum Gesamtstadtwert
    #[value(alias = "referenz", alias = "distance-to-reference")]
    Reference,
    /// Abstand zum Zielwert (--targets)
    #[value(alias = "ziel", alias = "zielwert", alias = "distance-to-target")]
    Target,
}

impl From<NormaliseArg> for Normalisation {
    fn from(arg: NormaliseArg) -> Self {
        match arg {
            NormaliseArg::Z => Normalisation::Z,
            NormaliseArg::Minmax => Normalisation::MinMax,
            NormaliseArg::Rank => Normalisation::Rank,
            NormaliseArg::Percentile => Normalisation::Percentile,
            NormaliseArg::Reference => Normalisation::Reference,
            NormaliseArg::Target => Normalisation::Target,
        }
    }
}

/// `--aggregate`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AggregateArg {
    /// Arithmetisches Mittel (voll kompensatorisch)
    #[value(alias = "arithmetisch", alias = "linear")]
    Arithmetic,
    /// Geometrisches Mittel (teilweise kompensatorisch)
    #[value(alias = "geometrisch")]
    Geometric,
}

impl From<AggregateArg> for Aggregation {
    fn from(arg: AggregateArg) -> Self {
        match arg {
            AggregateArg::Arithmetic => Aggregation::Arithmetic,
            AggregateArg::Geometric => Aggregation::Geometric,
        }
    }
}

/// `--missing`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MissingArg {
    /// Gebiet ohne Index
    #[value(alias = "ausschließen")]
    Exclude,
    /// Über die vorhandenen Indikatoren (--min-coverage)
    #[value(alias = "vorhandene")]
    Available,
}

/// Resolves the index arguments into a run configuration.
impl IndexArgs {
    /// The run configuration.
    fn resolve(&self) -> Result<IndexConfig> {
        let a = self;
        let normalisation = Normalisation::from(a.normalise);
        let aggregation = Aggregation::from(a.aggregate);
        let mut targets = std::collections::BTreeMap::new();
        for t in a.targets.iter().filter(|t| !t.trim().is_empty()) {
            let (key, value) = t
                .split_once('=')
                .ok_or_else(|| invalid(format!("--targets „{t}“: erwartet SCHLÜSSEL=WERT")))?;
            let value = quartier_core::numbers::parse_number(value.trim(), DecimalSeparator::Point)
                .ok_or_else(|| invalid(format!("--targets „{t}“: „{value}“ ist keine Zahl")))?;
            targets.insert(key.trim().to_string(), value);
        }
        let missing = match a.missing {
            MissingArg::Exclude => MissingPolicy::Exclude,
            MissingArg::Available => MissingPolicy::Available {
                min_coverage: a.min_coverage,
            },
        };
        let uncertainty = match a.uncertainty {
            None => None,
            Some(runs) => {
                let normalisations = if a.uncertainty_normalise.is_empty() {
                    let mut v = vec![normalisation];
                    for n in [Normalisation::Z, Normalisation::MinMax, Normalisation::Rank] {
                        if !v.contains(&n) {
                            v.push(n);
                        }
                    }
                    v
                } else {
                    a.uncertainty_normalise
                        .iter()
                        .map(|n| Normalisation::from(*n))
                        .collect()
                };
                let aggregations = if a.uncertainty_aggregate.is_empty() {
                    vec![Aggregation::Arithmetic, Aggregation::Geometric]
                } else {
                    a.uncertainty_aggregate.iter().map(|n| Aggregation::from(*n)).collect()
                };
                Some(Uncertainty {
                    runs,
                    weight_range: a.weight_range,
                    normalisations,
                    aggregations,
                    seed: a.seed,
                })
            }
        };
        Ok(IndexConfig {
            level: a.level.clone(),
            period: a.period.clone(),
            indicators: indicator_choices(&a.indicators)?,
            budget: a.budget,
            normalisation,
            aggregation,
            targets,
            missing,
            min_population: a.population.rule()?,
            exclude: keys(&a.exclude),
            uncertainty,
        })
    }
}

impl Verb for IndexArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let config = self.resolve()?;
        let progress = stderr_progress(!self.json);
        let result = match &self.save {
            Some(key) => save_composite_index(&mut atlas, &config, key, &progress)?,
            None => composite_index(&atlas, &config, &progress)?,
        };
        emit(self.json, &result, print_index)
    }
}

fn print_index(r: &IndexResult) {
    println!(
        "Index auf Ebene „{}“, {} ({}; {}; Gewichte {}):",
        r.level, r.period, r.normalisation_note, r.direction, r.weighting
    );
    for i in &r.indicators {
        println!(
            "  {:<14} {}  Gewicht {} ({} %)",
            i.key,
            i.polarity,
            format_german(i.weight, 2),
            format_german(i.weight_share * 100.0, 1)
        );
    }
    println!("  {}", r.compensability);
    println!();
    for a in &r.areas {
        let interval = match (a.rank_p05, a.rank_median, a.rank_p95) {
            (Some(lo), Some(med), Some(hi)) => format!(
                "  Median {} [{} – {}]",
                format_german(med, 0),
                format_german(lo, 0),
                format_german(hi, 0)
            ),
            _ => String::new(),
        };
        let coverage = if a.used < a.total {
            format!("  ({} von {} Indikatoren)", a.used, a.total)
        } else {
            String::new()
        };
        println!(
            "  {:>4}. {:<10} {:<32} {:>10}{interval}{coverage}",
            a.rank,
            a.key,
            a.name,
            format_german(a.index, 3)
        );
    }
    for e in &r.excluded {
        println!("  ohne Index: {} {}: {}", e.key, e.name, e.reason);
    }
    println!("\nPrüfungen über {} vollständige Gebiete:", r.checks.complete_areas);
    if let Some(a) = r.checks.cronbach_alpha {
        println!("  Cronbachs Alpha (standardisiert): {}", format_german(a, 2));
    }
    if let Some(p) = r.checks.first_component_share {
        println!("  Erste Hauptkomponente: {} % der Varianz", format_german(p * 100.0, 1));
    }
    for n in &r.checks.notes {
        println!("  {n}");
    }
    if let Some(u) = &r.uncertainty {
        println!(
            "\nUnsicherheit: {} Läufe (Startwert {}), Gewichte ± {} %, mittlere Breite des 5–95-%-Rangintervalls {} Ränge",
            u.settings.runs,
            u.settings.seed,
            format_german(u.settings.weight_range * 100.0, 0),
            format_german(u.mean_interval_width, 1)
        );
        for s in &u.sensitivity {
            println!(
                "  {:<24} erklärt {} % der Rangvarianz",
                s.factor,
                format_german(s.share * 100.0, 1)
            );
        }
    }
    if !r.saved.is_empty() {
        println!("\nGespeichert als {}", r.saved.join(", "));
    }
}
