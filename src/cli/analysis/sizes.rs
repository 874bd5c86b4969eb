//! `quartier check-sizes`: which areas of a level are too small to report by a rule;
//! `quartier regionalise`: a proposal to merge them into a new level that meets it.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use quartier_core::analysis::sizes::{
    check_sizes, regionalise, save_regionalisation, Regionalisation, SizeCheck, PRESETS,
};
use quartier_core::numbers::format_german;

use crate::cli::common::{emit, open};
use crate::cli::Verb;

/// `ATLAS --level L --rule R [--period P]`, shared by `check-sizes` and `regionalise`.
#[derive(Debug, Args)]
pub struct SizeRuleArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ebene (bei regionalise: die feine Ebene, deren Gebiete zusammengelegt werden)
    #[arg(long)]
    pub level: String,
    /// Bedingung, z. B. "ew>=1000", oder eine Vorgabe: ba (1.000 Einwohner), keck (50 Kinder), sozialraum (10.000 Einwohner)
    #[arg(long)]
    pub rule: String,
    /// Zeitraum (ohne: der letzte, in dem die Regel Werte hat)
    #[arg(long)]
    pub period: Option<String>,
}

/// `quartier check-sizes`
#[derive(Debug, Args)]
pub struct CheckSizesArgs {
    /// Atlas, Ebene, Regel und Zeitraum
    #[command(flatten)]
    pub size: SizeRuleArgs,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for CheckSizesArgs {
    fn run(self) -> Result<()> {
        let s = &self.size;
        let atlas = open(&s.atlas)?;
        let check = check_sizes(&atlas, &s.level, s.period.as_deref(), &s.rule)?;
        emit(self.json, &check, print_check)
    }
}

fn print_check(c: &SizeCheck) {
    println!(
        "Ebene „{}“, {}: Regel „{}“{}",
        c.level,
        c.period,
        c.rule,
        c.source.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
    );
    let meeting = c.areas.len() - c.too_small.len() - c.unknown.len();
    println!(
        "  {} von {} Gebieten erfüllen sie, {} zu klein, {} unbekannt",
        meeting,
        c.areas.len(),
        c.too_small.len(),
        c.unknown.len()
    );
    for a in c.areas.iter().filter(|a| a.meets != Some(true)) {
        let value = a.value.map(|v| format_german(v, 0)).unwrap_or_else(|| "k. A.".into());
        let what = match a.meets {
            Some(false) => "zu klein".to_string(),
            _ => format!("unbekannt: {}", a.reason.clone().unwrap_or_default()),
        };
        println!(
            "  {:<10} {:<36} {} {:>8}  {what}",
            a.key,
            a.name,
            c.shown_indicator.as_deref().unwrap_or(""),
            value
        );
    }
    if c.source.is_none() {
        let presets: Vec<String> = PRESETS
            .iter()
            .map(|(name, rule, _)| format!("{name} ({rule})"))
            .collect();
        println!("  Vorgaben: {}", presets.join(", "));
    }
}

/// `quartier regionalise`
#[derive(Debug, Args)]
pub struct RegionaliseArgs {
    /// Atlas, feine Ebene, Regel (über Anzahlen) und Zeitraum
    #[command(flatten)]
    pub size: SizeRuleArgs,
    /// Name der neuen Ebene
    #[arg(long)]
    pub new_level: String,
    /// Nur vorschlagen, nichts speichern
    #[arg(long)]
    pub check: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for RegionaliseArgs {
    fn run(self) -> Result<()> {
        let s = &self.size;
        let mut atlas = open(&s.atlas)?;
        let mut proposal = regionalise(&atlas, &s.level, s.period.as_deref(), &s.rule, &self.new_level)?;
        if !self.check {
            save_regionalisation(&mut atlas, &mut proposal)?;
        }
        emit(self.json, &proposal, print_regionalisation)
    }
}

fn print_regionalisation(r: &Regionalisation) {
    println!(
        "Ebene „{}“ ({} Gebiete), {}: Regel „{}“ → {} Gebiete, davon {} zusammengelegt",
        r.level,
        r.areas,
        r.period,
        r.rule,
        r.regions.len(),
        r.merged
    );
    for region in r.regions.iter().filter(|x| x.members.len() > 1 || !x.meets) {
        println!(
            "  {:<40} {:>8}  {}{}",
            region.name,
            region
                .value
                .map(|v| format_german(v, 0))
                .unwrap_or_else(|| "k. A.".into()),
            if region.meets { "erfüllt" } else { "erfüllt nicht" },
            region.reason.as_ref().map(|x| format!(" ({x})")).unwrap_or_default()
        );
    }
    println!(
        "{}",
        if r.saved {
            format!("gespeichert als Ebene „{}“", r.new_level)
        } else {
            "Vorschlag (--check): nichts gespeichert".to_string()
        }
    );
}
