//! `quartier report area`: the Gebietsbericht of 1 to 6 areas as PDF, DOCX or XLSX,
//! suppressed unless `--intern`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use quartier_core::report::area::{area_report, write_area_report, AreaReportRequest, AreaReportSummary};

use super::common::{emit, open};
use super::Verb;

/// `quartier report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Gebietsbericht: 1 bis 6 Gebiete nebeneinander mit allen Indikatoren, Index, Lage und Trend
    Area(AreaReportArgs),
}

/// `quartier report area`
#[derive(Debug, Args)]
pub struct AreaReportArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Gebiete (Schlüssel, beliebige Ebenen; EBENE:SCHLÜSSEL, wo ein Schlüssel auf mehreren Ebenen vorkommt)
    #[arg(long, value_delimiter = ',', required = true)]
    pub areas: Vec<String>,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Zieldatei (.pdf, .docx, .xlsx)
    #[arg(long)]
    pub out: PathBuf,
    /// Für den Dienstgebrauch: ohne Geheimhaltung, dafür auf jeder Seite als intern gekennzeichnet
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for ReportCommand {
    fn run(self) -> Result<()> {
        match self {
            ReportCommand::Area(a) => a.run(),
        }
    }
}

impl Verb for AreaReportArgs {
    fn run(self) -> Result<()> {
        let atlas = open(&self.atlas)?;
        let report = area_report(
            &atlas,
            &AreaReportRequest {
                areas: self.areas.clone(),
                period: self.period.clone(),
                intern: self.intern,
            },
        )?;
        let summary = write_area_report(&report, &self.out)?;
        emit(self.json, &summary, |s: &AreaReportSummary| {
            println!("{}: {} ({} Indikatoren)", s.file, s.title, s.indicators);
            if s.intern {
                println!("  {}", quartier_core::export::INTERNAL_MARKING);
            } else {
                println!("  {} Zellen geheim gehalten (k. A.)", s.suppressed_cells);
            }
        })
    }
}
