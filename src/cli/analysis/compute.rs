//! `quartier compute`: an indicator computed by a formula over other indicators, and the
//! refresh of computed indicators after their inputs changed.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use quartier_core::analysis::compute::{compute, refresh, stale, ComputeOutcome, ComputeRequest};
use quartier_core::model::IndicatorKind;

use crate::cli::common::{emit, open};
use crate::cli::Verb;

/// `quartier compute`
#[derive(Debug, Args)]
pub struct ComputeArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Schlüssel des berechneten Indikators (mit --refresh: nur diesen neu berechnen)
    #[arg(long)]
    pub key: Option<String>,
    /// Bezeichnung
    #[arg(long)]
    pub name: Option<String>,
    /// Formel über andere Indikatoren, z. B. "ew_u6 / ew * 100" oder "change(ew, 1)"
    #[arg(long)]
    pub formula: Option<String>,
    /// Einheit (z. B. %)
    #[arg(long)]
    pub unit: Option<String>,
    /// Art: share, rate, ratio oder count (ohne: aus der Formel)
    #[arg(long)]
    pub kind: Option<String>,
    /// Ebenen, mit Komma getrennt (ohne: jede Ebene, auf der die Eingänge Werte haben)
    #[arg(long, value_delimiter = ',')]
    pub levels: Vec<String>,
    /// Nur rechnen und zeigen, nichts speichern
    #[arg(long)]
    pub check: bool,
    /// Berechnete Indikatoren neu berechnen, deren Eingänge sich geändert haben (mit --key: diesen)
    #[arg(long)]
    pub refresh: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for ComputeArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        if self.refresh {
            if self.formula.is_some() {
                bail!("--refresh rechnet mit den gespeicherten Formeln; --formula gehört zu einem neuen Indikator");
            }
            let refreshed = Refreshed {
                recomputed: refresh(&mut atlas, self.key.as_deref())?,
            };
            return emit(self.json, &refreshed, |r| {
                if r.recomputed.is_empty() {
                    println!("Alle berechneten Indikatoren sind aktuell.");
                }
                for outcome in &r.recomputed {
                    println!("neu berechnet: {} = {}", outcome.key, outcome.formula);
                }
            });
        }
        let (Some(key), Some(formula)) = (self.key, self.formula) else {
            bail!("compute braucht --key und --formula (oder --refresh)");
        };
        let kind = match self.kind.as_deref() {
            None => None,
            Some(k) => Some(
                IndicatorKind::parse(k)
                    .filter(|k| !matches!(k, IndicatorKind::Categorical | IndicatorKind::Unspecified))
                    .ok_or_else(|| {
                        anyhow::anyhow!("Unbekannte Art „{k}“ für --kind; möglich: share, rate, ratio, count")
                    })?,
            ),
        };
        let request = ComputeRequest {
            name: self.name.unwrap_or_else(|| key.clone()),
            key,
            formula,
            unit: self.unit,
            kind,
            levels: self.levels,
        };
        let outcome = compute(&mut atlas, &request, self.check)?;
        let decimals = atlas.indicator(&outcome.key).map_or(1, |m| m.decimals.max(0) as usize);
        let still_stale = if outcome.saved { stale(&atlas)? } else { Vec::new() };
        emit(self.json, &outcome, |o| print_outcome(o, decimals))?;
        for s in still_stale {
            eprintln!(
                "Hinweis: „{}“ ({}) ist veraltet: quartier compute ATLAS --refresh",
                s.key, s.formula
            );
        }
        Ok(())
    }
}

/// What `--refresh` recomputed.
#[derive(serde::Serialize)]
struct Refreshed {
    recomputed: Vec<ComputeOutcome>,
}

fn print_outcome(o: &ComputeOutcome, decimals: usize) {
    println!(
        "{} = {}  (Eingänge: {}; Aggregation: {})",
        o.key,
        o.formula,
        o.inputs.join(", "),
        o.aggregation_de
    );
    if !o.helpers.is_empty() {
        println!(
            "  Summen im Zähler oder Nenner als eigene Anzahlen{}: {}",
            if o.saved { "" } else { " (würden angelegt)" },
            o.helpers.join(", ")
        );
    }
    for s in &o.series {
        let shown: Vec<String> = s
            .values
            .iter()
            .take(5)
            .map(|v| format!("{}: {}", v.key, v.value.display_de(decimals)))
            .collect();
        println!(
            "  {} {}: {} Gebiete{}  {}{}",
            s.level,
            s.period,
            s.values.len(),
            if s.compared.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.compared.join("; "))
            },
            shown.join(", "),
            if s.values.len() > 5 { ", …" } else { "" }
        );
    }
    println!(
        "{}",
        if o.saved {
            "gespeichert (mit Formel; nach einem Import der Eingänge neu berechnet)"
        } else {
            "Probelauf (--check): nichts gespeichert"
        }
    );
}
