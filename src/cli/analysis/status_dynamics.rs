//! `quartier status-dynamics`: status and dynamics indices with 4 × 3 classes, from a preset
//! (Berlin MSS, Hamburg RISE, Solingen) or the user's own indicators, or status only.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use quartier_core::analysis::status_dynamics::{
    save_status_dynamics, status_dynamics, DynamicsSource, OwnIndicators, Preset, StatusClass, StatusDynamicsConfig,
    StatusDynamicsResult, Thresholds,
};
use quartier_core::analysis::MinPopulation;
use quartier_core::Atlas;

use crate::cli::common::{emit, indicator_choices, invalid, keys, open, MinPopulationArgs};
use crate::cli::Verb;

/// `quartier status-dynamics`
#[derive(Debug, Args)]
pub struct StatusDynamicsArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ebene der Gebiete
    #[arg(long)]
    pub level: String,
    /// Zeitraum (Ausgabe), z. B. 2019
    #[arg(long)]
    pub period: String,
    /// Vorlage mit Indikatoren und Methode (Schwellen, Mindesteinwohnerzahl, Ausschlüsse)
    #[arg(long, value_enum)]
    pub preset: Option<PresetArg>,
    /// Statusindikatoren, je SCHLÜSSEL[:+|-][:GEWICHT] (+ = hoch ist günstig)
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// Dynamikindikatoren (Veränderungen), je SCHLÜSSEL[:+|-][:GEWICHT]
    #[arg(long, value_delimiter = ',')]
    pub dynamics: Vec<String>,
    /// Dynamik als Veränderung der Statusindikatoren seit diesem Zeitraum
    #[arg(long, conflicts_with = "dynamics")]
    pub compare_period: Option<String>,
    /// Nur die vier Statusklassen, ohne Dynamik (z. B. bei nur einem Zeitraum)
    #[arg(long, conflicts_with_all = ["dynamics", "compare_period", "dynamics_thresholds"])]
    pub status_only: bool,
    /// Mindesteinwohnerzahl
    #[command(flatten)]
    pub population: MinPopulationArgs,
    /// Von Hand ausgeschlossene Gebiete (Schlüssel)
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Indikatoren einer Vorlage zuordnen: VORLAGE=ATLAS, z. B. anteil_sgb2=sgb2_quote
    #[arg(long = "map", value_delimiter = ',')]
    pub mapping: Vec<String>,
    /// Statusgrenzen a,b,c (Standard -1,1,1.5)
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub status_thresholds: Vec<f64>,
    /// Dynamikgrenzen a,b (Standard -1,1)
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub dynamics_thresholds: Vec<f64>,
    /// Ergebnis als abgeleitete Indikatoren speichern
    #[arg(long)]
    pub save: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `--preset`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// Monitoring Soziale Stadtentwicklung Berlin
    BerlinMss,
    /// Sozialmonitoring Integrierte Stadtteilentwicklung Hamburg
    HamburgRise,
    /// Sozialraummonitoring Solingen
    Solingen,
}

impl From<PresetArg> for Preset {
    fn from(arg: PresetArg) -> Self {
        match arg {
            PresetArg::BerlinMss => Preset::BerlinMss,
            PresetArg::HamburgRise => Preset::HamburgRise,
            PresetArg::Solingen => Preset::Solingen,
        }
    }
}

impl StatusDynamicsArgs {
    /// The dynamics the flags ask for, `None` where they leave it to a preset.
    fn own_dynamics(&self) -> Result<Option<DynamicsSource>> {
        Ok(if self.status_only {
            Some(DynamicsSource::StatusOnly)
        } else if !self.dynamics.is_empty() {
            Some(DynamicsSource::Indicators {
                indicators: indicator_choices(&self.dynamics)?,
            })
        } else {
            self.compare_period.as_ref().map(|p| DynamicsSource::ChangeOfStatus {
                compare_period: p.clone(),
            })
        })
    }

    /// Resolves the typed arguments into a run configuration: explicit `--status` and
    /// `--dynamics` replace a preset's indicators (which are then not looked up) and keep its
    /// method; `--status-only` drops the dynamics.
    fn resolve(&self, atlas: &Atlas) -> Result<StatusDynamicsConfig> {
        let mut mapping = HashMap::new();
        for m in &self.mapping {
            let (from, to) = m.split_once('=').ok_or_else(|| {
                invalid(format!(
                    "--map „{m}“: erwartet VORLAGE=ATLAS, z. B. anteil_sgb2=sgb2_quote"
                ))
            })?;
            mapping.insert(from.trim().to_string(), to.trim().to_string());
        }
        let own_status = (!self.status.is_empty())
            .then(|| indicator_choices(&self.status))
            .transpose()?;
        let mut config = match self.preset {
            Some(preset) => {
                // A preset whose dynamics are computed between two periods takes
                // --compare-period as its own comparison, not as a replacement.
                let preset = Preset::from(preset);
                let own_dynamics = match self.own_dynamics()? {
                    Some(DynamicsSource::ChangeOfStatus { .. }) if preset.dynamics_indicators().is_none() => None,
                    other => other,
                };
                preset.config_with(
                    atlas,
                    &self.level,
                    &self.period,
                    self.compare_period.as_deref(),
                    &mapping,
                    OwnIndicators {
                        status: own_status,
                        dynamics: own_dynamics,
                    },
                )?
            }
            None => {
                let status = own_status.ok_or_else(|| {
                    invalid("Ohne --preset sind --status und --dynamics (oder --compare-period, --status-only) nötig")
                })?;
                let dynamics = self.own_dynamics()?.ok_or_else(|| {
                    invalid("Dynamik fehlt: --dynamics J1,J2,…, --compare-period ZEITRAUM oder --status-only angeben")
                })?;
                StatusDynamicsConfig {
                    level: self.level.clone(),
                    period: self.period.clone(),
                    preset: None,
                    status,
                    dynamics,
                    min_population: None,
                    exclude: Vec::new(),
                    thresholds: Thresholds::default(),
                }
            }
        };
        match (
            self.population.min_population,
            &self.population.population_indicator,
            &mut config.min_population,
        ) {
            (None, None, _) => {}
            (Some(minimum), Some(indicator), rule) => {
                *rule = Some(MinPopulation {
                    indicator: indicator.clone(),
                    minimum,
                })
            }
            (Some(minimum), None, Some(rule)) => rule.minimum = minimum,
            (None, Some(indicator), Some(rule)) => rule.indicator = indicator.clone(),
            (Some(_), None, None) => return Err(invalid("--min-population braucht --population-indicator")),
            (None, Some(_), None) => return Err(invalid("--population-indicator braucht --min-population")),
        }
        for key in keys(&self.exclude) {
            if !config.exclude.contains(&key) {
                config.exclude.push(key);
            }
        }
        match self.status_thresholds.as_slice() {
            [] => {}
            [x, y, z] => config.thresholds.status = [*x, *y, *z],
            other => {
                return Err(invalid(format!(
                    "--status-thresholds braucht drei Grenzen a,b,c, nicht {}",
                    other.len()
                )))
            }
        }
        match self.dynamics_thresholds.as_slice() {
            [] => {}
            [x, y] => config.thresholds.dynamics = [*x, *y],
            other => {
                return Err(invalid(format!(
                    "--dynamics-thresholds braucht zwei Grenzen a,b, nicht {}",
                    other.len()
                )))
            }
        }
        Ok(config)
    }
}

impl Verb for StatusDynamicsArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let config = self.resolve(&atlas)?;
        let result = if self.save {
            save_status_dynamics(&mut atlas, &config, &quartier_core::NoProgress)?
        } else {
            status_dynamics(&atlas, &config)?
        };
        emit(self.json, &result, print_status_dynamics)
    }
}

fn print_status_dynamics(r: &StatusDynamicsResult) {
    println!(
        "Status/Dynamik{} auf Ebene „{}“, {}{}: {} gültige Gebiete, {} ausgeschlossen",
        r.preset.as_deref().map(|p| format!(" ({p})")).unwrap_or_default(),
        r.level,
        r.period,
        r.compare_period
            .as_deref()
            .map(|c| format!(" (Dynamik seit {c})"))
            .unwrap_or_default(),
        r.valid_areas,
        r.excluded.len()
    );
    println!("  Status:  {}", r.status_indicators.join(", "));
    match (&r.matrix, &r.dynamics_counts) {
        (Some(matrix), Some(dynamics_counts)) => {
            println!("  Dynamik: {}", r.dynamics_indicators.join(", "));
            println!(
                "\n  {:<16} {:>8} {:>8} {:>8} {:>8}",
                "Status \\ Dynamik", "positiv", "stabil", "negativ", "Summe"
            );
            for (class, row) in StatusClass::ALL.iter().zip(matrix) {
                println!(
                    "  {:<16} {:>8} {:>8} {:>8} {:>8}",
                    format!("{} {}", class.number(), class.label_de()),
                    row[0],
                    row[1],
                    row[2],
                    row.iter().sum::<usize>()
                );
            }
            println!(
                "  {:<16} {:>8} {:>8} {:>8} {:>8}",
                "Summe", dynamics_counts[0], dynamics_counts[1], dynamics_counts[2], r.valid_areas
            );
        }
        _ => {
            println!("  Dynamik: keine (nur Status)\n");
            for (class, n) in StatusClass::ALL.iter().zip(&r.status_counts) {
                println!("  {:<16} {:>8}", format!("{} {}", class.number(), class.label_de()), n);
            }
            println!("  {:<16} {:>8}", "Summe", r.valid_areas);
        }
    }
    if !r.excluded.is_empty() {
        println!("\n  Ausgeschlossen:");
        for e in &r.excluded {
            println!("    {} {}: {}", e.key, e.name, e.reason);
        }
    }
    if !r.saved.is_empty() {
        println!("\n  Gespeichert als {}", r.saved.join(", "));
    }
}
