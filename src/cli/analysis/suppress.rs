//! `quartier suppress`: which values must become "k. A." and why.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use quartier_core::analysis::suppress::{suppress, Reason, SuppressRequest, SuppressionReport};
use quartier_core::Atlas;

use crate::cli::common::{emit, invalid, open, MinPopulationArgs};
use crate::cli::Verb;

/// `quartier suppress`
#[derive(Debug, Args)]
pub struct SuppressArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Feinste Ebene (ihre übergeordneten Gebiete bis zur Gesamtstadt werden mitgeprüft)
    #[arg(long)]
    pub level: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Fallzahlen von 1 bis T werden „k. A.“ (Standard: Vorgabe des Atlas, sonst 3)
    #[arg(long, allow_hyphen_values = true)]
    pub threshold: Option<i64>,
    /// Auch 0 wird „k. A.“
    #[arg(long)]
    pub suppress_zero: bool,
    /// Indikatoren (ohne Angabe: alle mit Werten auf der Ebene)
    #[arg(long, value_delimiter = ',')]
    pub indicators: Vec<String>,
    /// Mindesteinwohnerzahl
    #[command(flatten)]
    pub population: MinPopulationArgs,
    /// --threshold und --suppress-zero als Vorgabe des Atlas speichern
    #[arg(long)]
    pub set_default: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl SuppressArgs {
    /// The engine's request: the atlas's rules with the flags applied.
    fn resolve(&self, atlas: &Atlas) -> Result<SuppressRequest> {
        let mut rules = atlas.suppression_rules()?;
        if let Some(t) = self.threshold {
            if t < 0 {
                return Err(invalid(format!("--threshold muss 0 oder größer sein, nicht {t}")));
            }
            rules.threshold = t;
        }
        rules.suppress_zero |= self.suppress_zero;
        Ok(SuppressRequest {
            level: self.level.clone(),
            period: self.period.clone(),
            indicators: self.indicators.clone(),
            rules: Some(rules),
            min_population: self.population.rule()?,
        })
    }
}

impl Verb for SuppressArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let request = self.resolve(&atlas)?;
        let report = suppress(&atlas, &request, &quartier_core::NoProgress)?;
        // Only a run that succeeded changes the atlas's default.
        if let (true, Some(rules)) = (self.set_default, &request.rules) {
            atlas.set_suppression_rules(rules)?;
        }
        emit(self.json, &report, print_suppression)
    }
}

fn print_suppression(r: &SuppressionReport) {
    println!(
        "Geheimhaltung „{}“, {} (Ebenen {}; Fallzahlen {} bis {} werden „k. A.“):",
        r.level,
        r.period,
        r.levels.join(" → "),
        if r.rules.suppress_zero { 0 } else { 1 },
        r.rules.threshold
    );
    for ind in &r.indicators {
        println!(
            "  {:<14} Schwelle {}: {} primär, {} abgeleitet, {} sekundär, {} schon in der Quelle",
            ind.key, ind.threshold, ind.primary, ind.derived, ind.secondary, ind.source
        );
    }
    for cell in &r.cells {
        let reason = match cell.reason {
            Reason::Source => "Quelle",
            Reason::Primary => "primär",
            Reason::Derived => "abgeleitet",
            Reason::Secondary => "sekundär",
        };
        println!(
            "    {:<14} {:<14} {:<10} {:<30} {:<10} {}",
            cell.indicator, cell.level, cell.key, cell.name, reason, cell.detail
        );
    }
    for n in &r.not_checked {
        println!("  nicht geprüft: {}: {}", n.key, n.reason);
    }
    for a in &r.small_areas {
        println!("  kleines Gebiet: {} {}: {}", a.key, a.name, a.reason);
    }
}
