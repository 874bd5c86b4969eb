//! `quartier release` and `quartier publish`: release indicators per level, POI categories
//! with their attributes, stories (or withdraw them with `--unrelease`), each logged with who
//! did it; see what will leave the laptop (`publish --check`) and write the public bundle.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use quartier_core::publish::{plan, write_bundle, PublishPlan};
use quartier_core::store::ReleaseChange;

use super::common::{emit, invalid, keys, open, stderr_progress};
use super::Verb;

/// `quartier release`
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Indikatoren (mit --levels)
    #[arg(long, value_delimiter = ',')]
    pub indicators: Vec<String>,
    /// Ebenen, auf denen die Indikatoren freigegeben werden
    #[arg(long, value_delimiter = ',')]
    pub levels: Vec<String>,
    /// Einrichtungsart (Name und Lage werden veröffentlicht, weitere Merkmale mit --attributes)
    #[arg(long)]
    pub poi_category: Option<String>,
    /// Merkmale der Einrichtungsart, die veröffentlicht werden (z. B. address,capacity,website)
    #[arg(long, value_delimiter = ',')]
    pub attributes: Vec<String>,
    /// Story (mit ihren Lesezeichen)
    #[arg(long)]
    pub story: Option<String>,
    /// Ebene als intern kennzeichnen: sie wird nie veröffentlicht (mit --unrelease: nicht mehr intern)
    #[arg(long)]
    pub internal_level: Option<String>,
    /// Freigabe zurücknehmen
    #[arg(long)]
    pub unrelease: bool,
    /// Wer freigibt (für das Protokoll; ohne Angabe der Benutzername)
    #[arg(long)]
    pub by: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier publish`
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Zielordner des Bündels (ein vorhandenes Bündel dort wird als Ganzes ersetzt)
    #[arg(long, required_unless_present = "check")]
    pub out: Option<PathBuf>,
    /// Nur zeigen, was den Rechner verlassen würde; nichts schreiben
    #[arg(long)]
    pub check: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// The user who acts: `--by`, else the login name.
fn who(by: &Option<String>) -> String {
    by.clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_default()
}

impl Verb for ReleaseArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let who = who(&self.by);
        let chosen = [
            !self.indicators.is_empty() || !self.levels.is_empty(),
            self.poi_category.is_some(),
            self.story.is_some(),
            self.internal_level.is_some(),
        ];
        if chosen.iter().filter(|c| **c).count() != 1 {
            return Err(invalid(
                "Genau eines freigeben: --indicators … --levels …, --poi-category …, --story … oder --internal-level …",
            ));
        }
        let change: ReleaseChange = if let Some(category) = &self.poi_category {
            atlas.release_poi_category(category, &keys(&self.attributes), self.unrelease, &who)?
        } else if let Some(story) = &self.story {
            atlas.release_story(story, self.unrelease, &who)?
        } else if let Some(level) = &self.internal_level {
            atlas.set_level_internal(level, !self.unrelease, &who)?;
            ReleaseChange {
                released: self.unrelease,
                items: vec![format!(
                    "Ebene {level} {}",
                    if self.unrelease { "nicht mehr intern" } else { "intern" }
                )],
                unchanged: Vec::new(),
            }
        } else {
            if !self.attributes.is_empty() {
                return Err(invalid("--attributes gehört zu --poi-category"));
            }
            atlas.release_indicators(&keys(&self.indicators), &keys(&self.levels), self.unrelease, &who)?
        };
        emit(self.json, &change, |c| {
            let verb = if c.released { "Freigegeben" } else { "Zurückgenommen" };
            if c.items.is_empty() {
                println!("Nichts geändert (schon so): {}", c.unchanged.join(", "));
            } else {
                println!("{verb}: {}", c.items.join(", "));
            }
        })
    }
}

fn print_plan(p: &PublishPlan) {
    println!("Was den Rechner verlässt:");
    for s in &p.series {
        println!(
            "  {} auf {}: {} ({} Zellen geheim gehalten)",
            s.indicator,
            s.level,
            if s.periods.is_empty() {
                "keine Werte".to_string()
            } else {
                s.periods.join(", ")
            },
            s.suppressed_cells
        );
    }
    for c in &p.poi_categories {
        println!(
            "  Einrichtungen {} ({}): Name und Lage{}",
            c.category,
            c.pois,
            if c.attributes.is_empty() {
                String::new()
            } else {
                format!(", {}", c.attributes.join(", "))
            }
        );
    }
    for s in &p.stories {
        println!("  Story {s}");
    }
    for w in &p.warnings {
        println!("Achtung: {w}");
    }
}

impl Verb for PublishArgs {
    fn run(self) -> Result<()> {
        let atlas = open(&self.atlas)?;
        match (&self.out, self.check) {
            (_, true) => emit(self.json, &plan(&atlas)?, print_plan),
            (Some(out), false) => {
                let written = write_bundle(&atlas, out, &stderr_progress(!self.json))?;
                emit(self.json, &written, |w| {
                    print_plan(&w.plan);
                    println!(
                        "Bündel Version {} nach {}: {} Dateien, {} Bytes",
                        w.version, w.dir, w.files, w.bytes
                    );
                })
            }
            (None, false) => Err(invalid("--out ORDNER angeben (oder --check)")),
        }
    }
}
