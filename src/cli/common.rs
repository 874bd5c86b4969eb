//! What every verb shares: the typed arguments that several verbs flatten in, the user error,
//! opening the atlas, progress on stderr, and printing a result as text or JSON.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use quartier_core::analysis::{IndicatorChoice, MinPopulation};
use quartier_core::progress::ProgressFn;
use quartier_core::Atlas;

/// `ATLAS --indicator I --level L --period P`, shared by the verbs on one series.
#[derive(Debug, Args)]
pub struct SeriesArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Indikator
    #[arg(long)]
    pub indicator: String,
    /// Ebene
    #[arg(long)]
    pub level: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
}

/// `--min-population N --population-indicator I`, shared by the verbs that apply the rule.
#[derive(Debug, Args)]
pub struct MinPopulationArgs {
    /// Gebiete mit weniger Einwohnern nehmen nicht teil (z. B. 300; Arbeitsagentur-Daten 1000)
    #[arg(long)]
    pub min_population: Option<f64>,
    /// Indikator mit der Einwohnerzahl für --min-population
    #[arg(long)]
    pub population_indicator: Option<String>,
}

impl MinPopulationArgs {
    /// The rule, when both flags are given; one without the other is an error.
    pub fn rule(&self) -> Result<Option<MinPopulation>> {
        match (self.min_population, &self.population_indicator) {
            (Some(minimum), Some(indicator)) => Ok(Some(MinPopulation {
                indicator: indicator.clone(),
                minimum,
            })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(invalid("--min-population braucht --population-indicator")),
            (None, Some(_)) => Err(invalid("--population-indicator braucht --min-population")),
        }
    }
}

/// A user error (exit code 1) with a German message.
pub fn invalid(message: impl Into<String>) -> anyhow::Error {
    quartier_core::Error::Invalid(message.into()).into()
}

/// `KEY[:+|-][:WEIGHT]` lists (status, dynamics, index), blanks skipped.
pub fn indicator_choices(specs: &[String]) -> Result<Vec<IndicatorChoice>> {
    Ok(specs
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| IndicatorChoice::parse(s))
        .collect::<quartier_core::Result<_>>()?)
}

/// Trimmed area keys, blanks skipped.
pub fn keys(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect()
}

/// Opens an atlas file, naming it in the error.
pub fn open(atlas: &Path) -> Result<Atlas> {
    Atlas::open(atlas).with_context(|| format!("Atlas {} öffnen", atlas.display()))
}

/// Progress on stderr, one line per stage, for interactive use (off with `--json`).
pub fn stderr_progress(enabled: bool) -> ProgressFn<'static, impl Fn(f32, &str)> {
    let last = std::cell::RefCell::new(String::new());
    ProgressFn {
        callback: move |fraction: f32, stage: &str| {
            if enabled && *last.borrow() != stage {
                eprintln!("[{:>3} %] {stage}", (fraction * 100.0).round() as i32);
                *last.borrow_mut() = stage.to_string();
            }
        },
        cancel: None,
    }
}

/// Prints a verb's result: pretty JSON with `--json`, otherwise the verb's German text.
pub fn emit<T: serde::Serialize>(json: bool, result: &T, text: impl FnOnce(&T)) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(result)?);
    } else {
        text(result);
    }
    Ok(())
}
