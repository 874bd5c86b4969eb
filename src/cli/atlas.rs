//! The atlas itself: `new`, `sample`, `info` and `open`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use quartier_core::info::{atlas_info, AtlasInfo};
use quartier_core::sample::SampleSummary;
use quartier_core::Atlas;
use serde::Serialize;

use super::common::{emit, open, stderr_progress};
use super::Verb;

/// `quartier new`
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Atlasdatei (.quartier)
    pub atlas: PathBuf,
    /// Name der Kommune
    #[arg(long)]
    pub name: String,
    /// Amtlicher Gemeindeschlüssel (8 Ziffern)
    #[arg(long)]
    pub ags: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `new --json`: `{file, name, ags, schema_version}`.
#[derive(Debug, Serialize)]
pub struct NewOutput {
    /// The atlas file.
    pub file: String,
    /// The municipality's name.
    pub name: String,
    /// Its AGS, if given.
    pub ags: Option<String>,
    /// The schema version of the new file.
    pub schema_version: i64,
}

impl Verb for NewArgs {
    fn run(self) -> Result<()> {
        let atlas = Atlas::create(&self.atlas, &self.name, self.ags.as_deref())?;
        let output = NewOutput {
            file: self.atlas.display().to_string(),
            name: self.name.trim().to_string(),
            ags: self.ags,
            schema_version: atlas.schema_version()?,
        };
        emit(self.json, &output, |o| {
            println!("Atlas „{}“ angelegt: {}", o.name, o.file)
        })
    }
}

/// `quartier sample`
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Zieldatei
    #[arg(long)]
    pub out: PathBuf,
    /// Vorhandene Datei ersetzen
    #[arg(long)]
    pub force: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for SampleArgs {
    fn run(self) -> Result<()> {
        let dir = crate::paths::sample_data_dir().context(
            "Die Quellen des Beispielatlas (sample_data/) wurden nicht gefunden; QUARTIER_SAMPLE_DATA setzen",
        )?;
        let summary =
            quartier_core::sample::build_sample_atlas(&dir, &self.out, self.force, &stderr_progress(!self.json))?;
        emit(self.json, &summary, print_sample)
    }
}

fn print_sample(s: &SampleSummary) {
    println!("Beispielatlas gebaut: {}", s.file);
    for (l, n) in &s.levels {
        println!("  {l}: {n} Gebiete");
    }
    println!(
        "  {} Werte, davon {} als „x“ markiert (unter 300 Einwohnern)",
        s.values, s.excluded_small_areas
    );
    for d in &s.duplicate_sources {
        println!("  ausgelassen, da Kopie einer anderen Ausgabe: {d}");
    }
    for (c, n) in &s.pois {
        println!("  {c}: {n} Einrichtungen");
    }
}

/// `quartier info`
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for InfoArgs {
    fn run(self) -> Result<()> {
        let info = atlas_info(&open(&self.atlas)?)?;
        emit(self.json, &info, print_info)
    }
}

/// `quartier open` (handled by `main`, which starts the app).
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Gleich diese Story im Vollbild präsentieren (z. B. am Rechner im Sitzungssaal)
    #[arg(long)]
    pub present: Option<String>,
}

fn print_info(info: &AtlasInfo) {
    println!(
        "{} ({}){}",
        info.name,
        info.file,
        info.ags.as_ref().map(|a| format!(", AGS {a}")).unwrap_or_default()
    );
    println!("\nEbenen:");
    for l in &info.levels {
        println!(
            "  {:<24} {:>6} Gebiete ({} mit Geometrie){}",
            l.name,
            l.areas,
            l.areas_with_geometry,
            l.parent
                .as_ref()
                .map(|p| format!(", gehört zu „{p}“"))
                .unwrap_or_default()
        );
    }
    println!("\nZeiträume: {}", info.periods.join(", "));
    println!("\nIndikatoren:");
    for i in &info.indicators {
        let cov: Vec<String> = i
            .coverage
            .iter()
            .map(|c| format!("{} {}: {}/{}", c.level, c.period, c.values_ok, c.areas))
            .collect();
        println!(
            "  {:<12} {}{} – {}",
            i.key,
            i.name,
            if i.unit.is_empty() {
                String::new()
            } else {
                format!(" [{}]", i.unit)
            },
            if cov.is_empty() {
                "keine Werte".into()
            } else {
                cov.join("; ")
            }
        );
    }
    println!("\nEinrichtungen:");
    if info.poi_categories.is_empty() {
        println!("  keine");
    }
    for c in &info.poi_categories {
        println!("  {:<24} {:>6}", c.name, c.count);
    }
}
