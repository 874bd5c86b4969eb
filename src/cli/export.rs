//! `quartier export values`: tables out of the atlas. Room for the later exports (GeoPackage,
//! GeoParquet) as further variants of [`ExportCommand`].

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use quartier_core::export::{export_values, ExportFormat, ValuesExportSummary};

use super::common::{emit, open};
use super::Verb;

/// `quartier export …`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Wertetabelle einer Ebene und eines Zeitraums.
    Values(ValuesExportArgs),
}

impl Verb for ExportCommand {
    fn run(self) -> Result<()> {
        match self {
            ExportCommand::Values(a) => a.run(),
        }
    }
}

/// `quartier export values`
#[derive(Debug, Args)]
pub struct ValuesExportArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ebene
    #[arg(long)]
    pub level: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Format
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// Zieldatei
    #[arg(long)]
    pub out: PathBuf,
    /// Für den Dienstgebrauch: ohne Geheimhaltung, dafür als intern gekennzeichnet
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// Export format on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// CSV für Excel (Semikolon, Dezimalkomma)
    Csv,
    /// Excel-Arbeitsmappe
    Xlsx,
}

impl From<FormatArg> for ExportFormat {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Csv => ExportFormat::Csv,
            FormatArg::Xlsx => ExportFormat::Xlsx,
        }
    }
}

impl Verb for ValuesExportArgs {
    fn run(self) -> Result<()> {
        let atlas = open(&self.atlas)?;
        let summary = export_values(
            &atlas,
            &self.level,
            &self.period,
            self.format.into(),
            &self.out,
            self.intern,
        )?;
        emit(self.json, &summary, |s: &ValuesExportSummary| {
            println!(
                "{}: {} Gebiete, {} Indikatoren, Ebene „{}“, Zeitraum {}; {}",
                s.file,
                s.areas,
                s.indicators.len(),
                s.level,
                s.period,
                if s.intern {
                    quartier_core::export::INTERNAL_MARKING.to_string()
                } else {
                    format!("{} Zellen geheim gehalten (k. A.)", s.suppressed_cells)
                }
            )
        })
    }
}
