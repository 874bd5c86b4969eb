//! `quartier aggregate`: an indicator on a coarser level or the whole municipality, by its rule.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use quartier_core::analysis::aggregate::{aggregate, save_aggregation, AggregateRequest, Aggregation};
use quartier_core::numbers::format_german_or_no_data;

use crate::cli::common::{emit, open};
use crate::cli::Verb;

/// `quartier aggregate`
#[derive(Debug, Args)]
pub struct AggregateArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Feinere Ebene
    #[arg(long)]
    pub from_level: String,
    /// Gröbere Ebene (ohne Angabe: Gesamtstadt)
    #[arg(long)]
    pub to_level: Option<String>,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Indikatoren (ohne Angabe: alle mit Werten auf der feineren Ebene)
    #[arg(long, value_delimiter = ',')]
    pub indicators: Vec<String>,
    /// Über die ersten N Zeichen des Schlüssels gruppieren statt über die Gebietshierarchie
    #[arg(long)]
    pub key_prefix: Option<usize>,
    /// Anteile und gewichtete Mittel auch bei Lücken, mit Angabe der Abdeckung
    #[arg(long)]
    pub allow_partial: bool,
    /// Zum Vergleich auch das ungewichtete Mittel der Teilgebiete zeigen (nie die Referenz)
    #[arg(long)]
    pub unweighted_mean: bool,
    /// Ergebnisse auf der gröberen Ebene als abgeleitete Werte speichern
    #[arg(long)]
    pub save: bool,
    /// Beim Speichern an den Schlüssel anhängen (z. B. _agg), statt unter dem eigenen zu speichern
    #[arg(long, requires = "save")]
    pub save_suffix: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl AggregateArgs {
    /// The engine's request.
    fn resolve(&self) -> AggregateRequest {
        AggregateRequest {
            from_level: self.from_level.clone(),
            to_level: self.to_level.clone(),
            period: self.period.clone(),
            indicators: self.indicators.clone(),
            key_prefix: self.key_prefix,
            allow_partial: self.allow_partial,
            unweighted_mean: self.unweighted_mean,
        }
    }
}

impl Verb for AggregateArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let request = self.resolve();
        let result = if self.save {
            save_aggregation(
                &mut atlas,
                &request,
                self.save_suffix.as_deref(),
                &quartier_core::NoProgress,
            )?
        } else {
            aggregate(&atlas, &request)?
        };
        emit(self.json, &result, print_aggregation)
    }
}

fn print_aggregation(r: &Aggregation) {
    println!("„{}“ → „{}“, {} ({}):", r.from_level, r.to_level, r.period, r.grouping);
    for ind in &r.indicators {
        println!("  {} ({})", ind.key, ind.rule);
        for area in &ind.areas {
            let value = format_german_or_no_data(area.combined.value, 2);
            println!(
                "    {:<10} {:<32} {:>14}  {} von {} Teilgebieten; {}",
                area.key, area.name, value, area.combined.used, area.combined.total, area.combined.note
            );
            if let Some(alt) = &area.alternative {
                println!(
                    "    {:<10} {:<32} {:>14}  {}",
                    "",
                    "",
                    format_german_or_no_data(alt.value, 2),
                    alt.label
                );
            }
        }
    }
    for refused in &r.refused {
        println!("  nicht aggregiert: {}: {}", refused.key, refused.reason);
    }
    if !r.unassigned.is_empty() {
        println!("  ohne übergeordnetes Gebiet: {}", r.unassigned.join(", "));
    }
    if !r.saved.is_empty() {
        println!("  gespeichert als {}", r.saved.join(", "));
    }
}
