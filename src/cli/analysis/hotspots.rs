//! `quartier hotspots`: Moran's I and LISA cluster classes (engine: [`quartier_core::analysis::hotspots`]).

use anyhow::Result;
use clap::Args;
use quartier_core::analysis::hotspots::{lisa, save_lisa, LisaClass, LisaRequest, LisaResult};
use quartier_core::numbers::format_german;

use crate::cli::common::{emit, open, stderr_progress, SeriesArgs};
use crate::cli::Verb;

/// `quartier hotspots`
#[derive(Debug, Args)]
pub struct HotspotArgs {
    /// Atlas, Indikator, Ebene (mit Flächen) und Zeitraum
    #[command(flatten)]
    pub series: SeriesArgs,
    /// Zahl der Permutationen
    #[arg(long, default_value_t = 999)]
    pub permutations: usize,
    /// Startwert des Zufallsgenerators
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Signifikanzniveau
    #[arg(long, default_value_t = 0.05)]
    pub significance: f64,
    /// Klassen und p-Werte als INDIKATOR_lisa und INDIKATOR_lisa_p speichern
    #[arg(long)]
    pub save: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl HotspotArgs {
    /// The engine's request.
    fn resolve(&self) -> LisaRequest {
        LisaRequest {
            indicator: self.series.indicator.clone(),
            level: self.series.level.clone(),
            period: self.series.period.clone(),
            permutations: self.permutations,
            seed: self.seed,
            significance: self.significance,
        }
    }
}

impl Verb for HotspotArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.series.atlas)?;
        let request = self.resolve();
        let progress = stderr_progress(!self.json);
        let result = if self.save {
            save_lisa(&mut atlas, &request, &progress)?
        } else {
            lisa(&atlas, &request, &progress)?
        };
        emit(self.json, &result, print_hotspots)
    }
}

fn print_hotspots(r: &LisaResult) {
    println!(
        "„{}“ auf Ebene „{}“, {}: Moran's I = {} (Erwartung {}, p = {}), {} Gebiete mit im Mittel {} Nachbarn",
        r.request.indicator,
        r.request.level,
        r.request.period,
        format_german(r.moran_i, 3),
        format_german(r.moran_expected, 3),
        format_german(r.moran_p, 3),
        r.areas.len(),
        format_german(r.mean_neighbours, 1)
    );
    for (label, n) in &r.counts {
        println!("  {label:<28} {n:>6}");
    }
    for x in r.areas.iter().filter(|x| !matches!(x.class, LisaClass::NotSignificant)) {
        println!(
            "    {:<10} {:<32} {:<28} p = {}",
            x.key,
            x.name,
            x.label,
            format_german(x.p, 3)
        );
    }
    for (key, why) in &r.left_out {
        println!("  nicht berücksichtigt: {key} ({why})");
    }
    if !r.saved.is_empty() {
        println!("  gespeichert als {}", r.saved.join(", "));
    }
}
