//! `quartier crosswalk`: indicators moved onto areas that do not nest (Verschneidung), by area
//! or by residents at address points, with a quality figure per target area.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use quartier_core::analysis::crosswalk::{crosswalk, save_crosswalk, Crosswalk, CrosswalkRequest, CrosswalkWeight};
use quartier_core::model::ValueFlag;
use quartier_core::numbers::format_german;

use crate::cli::common::{emit, open, stderr_progress};
use crate::cli::Verb;

/// `quartier crosswalk`
#[derive(Debug, Args)]
pub struct CrosswalkArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Quellebene (deren Werte übertragen werden)
    #[arg(long)]
    pub from_level: String,
    /// Zielebene (muss nicht in der Quellebene aufgehen)
    #[arg(long)]
    pub to_level: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Indikatoren (ohne Angabe: alle mit Werten auf der Quellebene)
    #[arg(long, value_delimiter = ',')]
    pub indicators: Vec<String>,
    /// Verteilen nach Fläche (area) oder nach Einwohnern an Adresspunkten (addresses)
    #[arg(long, default_value = "area")]
    pub weight: String,
    /// Ergebnisse auf der Zielebene als abgeleitete Werte speichern (Schätzwerte mit „s“)
    #[arg(long)]
    pub save: bool,
    /// Beim Speichern an den Schlüssel anhängen (z. B. _neu), statt unter dem eigenen zu speichern
    #[arg(long, requires = "save")]
    pub save_suffix: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl CrosswalkArgs {
    /// The engine's request.
    fn resolve(&self) -> Result<CrosswalkRequest> {
        // An input error of the planner (exit code 1), as the engine's are.
        let weight = CrosswalkWeight::parse(&self.weight).ok_or_else(|| {
            quartier_core::Error::Invalid(format!(
                "--weight „{}“ unbekannt: area (nach Fläche) oder addresses (nach Einwohnern an Adresspunkten)",
                self.weight
            ))
        })?;
        Ok(CrosswalkRequest {
            from_level: self.from_level.clone(),
            to_level: self.to_level.clone(),
            period: self.period.clone(),
            indicators: self.indicators.clone(),
            weight,
        })
    }
}

impl Verb for CrosswalkArgs {
    fn run(self) -> Result<()> {
        let request = self.resolve()?;
        let mut atlas = open(&self.atlas)?;
        let progress = stderr_progress(!self.json);
        let result = if self.save {
            save_crosswalk(&mut atlas, &request, self.save_suffix.as_deref(), &progress)?
        } else {
            crosswalk(&atlas, &request, &progress)?
        };
        emit(self.json, &result, print_crosswalk)
    }
}

fn print_crosswalk(r: &Crosswalk) {
    println!(
        "„{}“ → „{}“, {}, verteilt nach {}:",
        r.from_level, r.to_level, r.period, r.weight_de
    );
    println!(
        "  {:<10} {:<32} {:>7} {:>8} {:>10}",
        "Schlüssel", "Name", "Quellen", "geteilt", "aus geteilt"
    );
    for q in &r.quality {
        println!(
            "  {:<10} {:<32} {:>7} {:>8} {:>9} %",
            q.key,
            q.name,
            q.sources,
            q.split_sources,
            format_german(q.from_split * 100.0, 1)
        );
    }
    for ind in &r.indicators {
        let decimals = &ind.decimals;
        println!("  {} ({})", ind.key, ind.rule);
        for area in &ind.areas {
            let value = match area.combined.value {
                Some(v) if area.estimated => ValueFlag::Estimated.write(&format_german(v, *decimals)),
                Some(v) => format_german(v, *decimals),
                None => "…".into(),
            };
            println!(
                "    {:<10} {:<32} {:>14}  {}",
                area.key, area.name, value, area.combined.note
            );
        }
    }
    for refused in &r.refused {
        println!("  nicht übertragen: {}: {}", refused.key, refused.reason);
    }
    for u in &r.uncovered {
        println!(
            "  nur zu {} % von Zielgebieten bedeckt (der Rest geht verloren): {} {}",
            format_german(u.covered * 100.0, 1),
            u.key,
            u.name
        );
    }
    if !r.area_fallback.is_empty() {
        println!(
            "  ohne Einwohner an Adresspunkten, nach Fläche verteilt: {}",
            r.area_fallback.join(", ")
        );
    }
    if !r.without_geometry.is_empty() {
        println!("  ohne Geometrie, nicht verteilt: {}", r.without_geometry.join(", "));
    }
    if !r.saved.is_empty() {
        println!("  gespeichert als {}", r.saved.join(", "));
    }
    println!("  „s“ = geschätzt: der Wert stützt sich auf geteilte Quellgebiete.");
}
