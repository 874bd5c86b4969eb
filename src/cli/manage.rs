//! Managing what an atlas holds: `delete indicator|level|pois` and `rename level`.
//!
//! A deletion without `--yes` only says what it would remove and exits with 1 and a hint to
//! repeat it with `--yes`; with `--yes` it removes that in one transaction (audit log).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use quartier_core::store::Removal;
use serde::Serialize;

use super::common::{emit, invalid, open};
use super::Verb;

/// `quartier delete …`
#[derive(Debug, Subcommand)]
pub enum DeleteCommand {
    /// Löscht einen Indikator mit allen Werten, oder nur einen Zeitraum bzw. eine Ebene davon.
    Indicator(DeleteIndicatorArgs),
    /// Löscht eine Ebene mit ihren Gebieten und deren Werten.
    Level(DeleteLevelArgs),
    /// Löscht eine Einrichtungsart mit ihren Einrichtungen.
    Pois(DeletePoisArgs),
}

/// `quartier rename …`
#[derive(Debug, Subcommand)]
pub enum RenameCommand {
    /// Benennt eine Ebene um.
    Level(RenameLevelArgs),
}

/// What every deletion takes besides its target.
#[derive(Debug, Args)]
pub struct Confirm {
    /// Wirklich löschen (ohne: nur anzeigen, was gelöscht würde)
    #[arg(long)]
    pub yes: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier delete indicator`
#[derive(Debug, Args)]
pub struct DeleteIndicatorArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Schlüssel des Indikators
    #[arg(long)]
    pub indicator: String,
    /// Nur diesen Zeitraum löschen
    #[arg(long)]
    pub period: Option<String>,
    /// Nur auf dieser Ebene löschen
    #[arg(long)]
    pub level: Option<String>,
    #[command(flatten)]
    pub confirm: Confirm,
}

/// `quartier delete level`
#[derive(Debug, Args)]
pub struct DeleteLevelArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Name der Ebene
    #[arg(long)]
    pub level: String,
    #[command(flatten)]
    pub confirm: Confirm,
}

/// `quartier delete pois`
#[derive(Debug, Args)]
pub struct DeletePoisArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Einrichtungsart, z. B. Kita
    #[arg(long)]
    pub category: String,
    #[command(flatten)]
    pub confirm: Confirm,
}

/// `quartier rename level`
#[derive(Debug, Args)]
pub struct RenameLevelArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Bisheriger Name der Ebene
    #[arg(long)]
    pub level: String,
    /// Neuer Name
    #[arg(long)]
    pub to: String,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `delete … --json`: the [`Removal`] with `deleted` (false without `--yes`).
#[derive(Debug, Serialize)]
pub struct DeleteOutput {
    /// Whether it was deleted (`--yes`) or only planned.
    pub deleted: bool,
    /// What goes (or went).
    #[serde(flatten)]
    pub removal: Removal,
}

/// Plans, and with `--yes` carries out, one deletion.
fn delete(
    confirm: &Confirm,
    plan: impl FnOnce() -> quartier_core::Result<Removal>,
    carry_out: impl FnOnce() -> quartier_core::Result<Removal>,
) -> Result<()> {
    let output = if confirm.yes {
        DeleteOutput {
            deleted: true,
            removal: carry_out()?,
        }
    } else {
        DeleteOutput {
            deleted: false,
            removal: plan()?,
        }
    };
    emit(confirm.json, &output, |o| {
        if o.deleted {
            println!("Gelöscht – {}", o.removal.summary);
        } else {
            println!("Würde löschen – {}", o.removal.summary);
        }
    })?;
    if !output.deleted {
        return Err(invalid(
            "Nichts gelöscht. Zum Löschen denselben Befehl mit --yes wiederholen.",
        ));
    }
    Ok(())
}

impl Verb for DeleteCommand {
    fn run(self) -> Result<()> {
        match self {
            DeleteCommand::Indicator(a) => {
                let mut atlas = open(&a.atlas)?;
                let (key, period, level) = (&a.indicator, a.period.as_deref(), a.level.as_deref());
                let plan = atlas.plan_delete_indicator(key, period, level);
                delete(&a.confirm, || plan, || atlas.delete_indicator(key, period, level))
            }
            DeleteCommand::Level(a) => {
                let mut atlas = open(&a.atlas)?;
                let plan = atlas.plan_delete_level(&a.level);
                delete(&a.confirm, || plan, || atlas.delete_level(&a.level))
            }
            DeleteCommand::Pois(a) => {
                let mut atlas = open(&a.atlas)?;
                let plan = atlas.plan_delete_pois(&a.category);
                delete(&a.confirm, || plan, || atlas.delete_pois(&a.category))
            }
        }
    }
}

/// `rename level --json`: `{level, renamed_to}`.
#[derive(Debug, Serialize)]
pub struct RenameOutput {
    /// The old name.
    pub level: String,
    /// The new name.
    pub renamed_to: String,
}

impl Verb for RenameCommand {
    fn run(self) -> Result<()> {
        match self {
            RenameCommand::Level(a) => {
                let mut atlas = open(&a.atlas)?;
                let old = atlas.level(&a.level)?.name;
                atlas.rename_level(&old, &a.to)?;
                let output = RenameOutput {
                    level: old,
                    renamed_to: a.to.trim().to_string(),
                };
                emit(a.json, &output, |o| {
                    println!("Ebene „{}“ heißt jetzt „{}“", o.level, o.renamed_to)
                })
            }
        }
    }
}
