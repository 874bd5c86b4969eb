//! `quartier export values|geopackage|geojson|geoparquet`: tables and GIS files out of the atlas, each
//! suppressed unless `--intern`. Room for the later exports (maps, charts) as
//! further variants of [`ExportCommand`].

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use quartier_core::export::{export_values, CsvNotation, ExportFormat, ValuesExportSummary};
use quartier_core::gis::{export_geojson, export_geopackage, export_geoparquet, GisExportSummary};

use super::common::{emit, open};
use super::Verb;

/// `quartier export …`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Wertetabelle einer Ebene und eines Zeitraums.
    Values(ValuesExportArgs),
    /// GeoPackage für QGIS: eine Schicht je Ebene (Flächen mit einer Spalte je Indikator und Zeitraum), eine je Einrichtungsart
    Geopackage(GeopackageArgs),
    /// GeoJSON einer Ebene mit einer Spalte je Indikator und Zeitraum
    Geojson(LevelGisArgs),
    /// GeoParquet einer Ebene (für DuckDB, GDAL, GeoPandas, Sedona) mit einer Spalte je Indikator und Zeitraum
    Geoparquet(LevelGisArgs),
}

/// `quartier export geopackage`
#[derive(Debug, Args)]
pub struct GeopackageArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Zieldatei (.gpkg)
    #[arg(long)]
    pub out: PathBuf,
    /// Ebenen (ohne Angabe: alle)
    #[arg(long, value_delimiter = ',')]
    pub levels: Vec<String>,
    /// Zeiträume (ohne Angabe: alle mit Werten)
    #[arg(long, value_delimiter = ',')]
    pub periods: Vec<String>,
    /// Für den Dienstgebrauch: ohne Geheimhaltung, dafür als intern gekennzeichnet
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier export geojson|geoparquet`
#[derive(Debug, Args)]
pub struct LevelGisArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ebene
    #[arg(long)]
    pub level: String,
    /// Zieldatei (.geojson, .parquet)
    #[arg(long)]
    pub out: PathBuf,
    /// Zeiträume (ohne Angabe: alle mit Werten)
    #[arg(long, value_delimiter = ',')]
    pub periods: Vec<String>,
    /// Für den Dienstgebrauch: ohne Geheimhaltung, dafür als intern gekennzeichnet
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

fn print_gis(s: &GisExportSummary) {
    println!(
        "{}: {}",
        s.file,
        if s.intern {
            quartier_core::export::INTERNAL_MARKING.to_string()
        } else {
            format!("{} Zellen geheim gehalten (k. A.)", s.suppressed_cells)
        }
    );
    for layer in &s.layers {
        println!(
            "  {}: {} Objekte, {} Wertespalten",
            layer.name,
            layer.features,
            layer.columns.len()
        );
    }
}

impl Verb for GeopackageArgs {
    fn run(self) -> Result<()> {
        let atlas = open(&self.atlas)?;
        let summary = export_geopackage(&atlas, &self.levels, &self.periods, self.intern, &self.out)?;
        emit(self.json, &summary, print_gis)
    }
}

impl LevelGisArgs {
    fn run_with(
        self,
        write: fn(
            &quartier_core::Atlas,
            &str,
            &[String],
            bool,
            &std::path::Path,
        ) -> quartier_core::Result<GisExportSummary>,
    ) -> Result<()> {
        let atlas = open(&self.atlas)?;
        let summary = write(&atlas, &self.level, &self.periods, self.intern, &self.out)?;
        emit(self.json, &summary, print_gis)
    }
}

impl Verb for ExportCommand {
    fn run(self) -> Result<()> {
        match self {
            ExportCommand::Values(a) => a.run(),
            ExportCommand::Geopackage(a) => a.run(),
            ExportCommand::Geojson(a) => a.run_with(export_geojson),
            ExportCommand::Geoparquet(a) => a.run_with(export_geoparquet),
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
    /// Zahlen im CSV: german (Semikolon, Dezimalkomma, für deutsches Excel) oder international (Komma, Dezimalpunkt)
    #[arg(long, value_enum, default_value = "german")]
    pub notation: NotationArg,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// CSV notation on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NotationArg {
    /// Semikolon, Dezimalkomma, UTF-8 mit BOM
    German,
    /// Komma, Dezimalpunkt, UTF-8 ohne BOM
    International,
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
            match self.notation {
                NotationArg::German => CsvNotation::German,
                NotationArg::International => CsvNotation::International,
            },
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
