//! `quartier export values|geopackage|geojson|geoparquet|map|chart`: tables, GIS files and
//! print figures out of the atlas, each suppressed unless `--intern`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use quartier_core::export::{export_values, CsvNotation, ExportFormat, ValuesExportSummary};
use quartier_core::gis::{export_geojson, export_geopackage, export_geoparquet, GisExportSummary};

use quartier_core::figure::chart::{chart_figure, ChartKind, ChartRequest};
use quartier_core::figure::map::{map_figure, ClassStyle, MapRequest};
use quartier_core::figure::{write_figure, FigureFile, FigureFormat, Page, Paper};
use quartier_core::numbers::format_german;
use serde::Serialize;

use super::analysis::classify::ClassesArgs;
use super::common::{emit, open, SeriesArgs};
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
    /// Karte für den Druck (PNG, SVG, PDF) mit Legende, Maßstabsleiste und Nordpfeil
    Map(MapExportArgs),
    /// Diagramm für den Druck (PNG, SVG, PDF)
    Chart(ChartExportArgs),
    /// Signiertes Datenpaket für Kreis oder Gemeinde (Metadaten, Geometrie, Werte)
    Package(super::exchange::PackageExportArgs),
}

/// `quartier export map`
#[derive(Debug, Args)]
pub struct MapExportArgs {
    /// Atlas, Indikator, Ebene und Zeitraum
    #[command(flatten)]
    pub series: SeriesArgs,
    /// Verfahren und Klassen
    #[command(flatten)]
    pub classing: ClassesArgs,
    /// Farbschema (ColorBrewer-Name, z. B. YlOrRd, Blues, RdBu)
    #[arg(long)]
    pub scheme: Option<String>,
    /// Farben umkehren
    #[arg(long)]
    pub reversed: bool,
    /// Zieldatei (.png, .svg, .pdf)
    #[arg(long)]
    pub out: PathBuf,
    /// Auflösung für PNG
    #[arg(long, default_value_t = 300.0)]
    pub dpi: f64,
    /// Papierformat
    #[arg(long, value_enum, default_value = "a4")]
    pub size: PaperArg,
    /// Querformat
    #[arg(long)]
    pub landscape: bool,
    /// Gebietsnamen eintragen, wo sie hineinpassen
    #[arg(long)]
    pub labels: bool,
    /// Einrichtungsarten als Punkte (z. B. Kita,Schule)
    #[arg(long, value_delimiter = ',')]
    pub pois: Vec<String>,
    /// Zweiter Indikator als Säulen über den Gebieten
    #[arg(long)]
    pub columns: Option<String>,
    /// Für den Dienstgebrauch: ohne Geheimhaltung, dafür als intern gekennzeichnet
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// Paper on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PaperArg {
    /// 210 × 297 mm
    A4,
    /// 297 × 420 mm
    A3,
}

/// `quartier export chart`
#[derive(Debug, Args)]
pub struct ChartExportArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Art des Diagramms
    #[arg(long, value_enum)]
    pub kind: ChartKindArg,
    /// Indikatoren: einer (bar, line), zwei (scatter: gezeigt, verglichen mit), beliebig viele (spine); age findet die Altersgruppen selbst
    #[arg(long, value_delimiter = ',')]
    pub indicators: Vec<String>,
    /// Ebene
    #[arg(long)]
    pub level: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Gebiete (Schlüssel): hervorgehoben (scatter), Linien (line), Gruppe (age), Punkte (spine, 1 bis 6)
    #[arg(long, value_delimiter = ',')]
    pub areas: Vec<String>,
    /// Verfahren und Klassen der Balkenfarben
    #[command(flatten)]
    pub classing: ClassesArgs,
    /// Zieldatei (.png, .svg, .pdf)
    #[arg(long)]
    pub out: PathBuf,
    /// Auflösung für PNG
    #[arg(long, default_value_t = 300.0)]
    pub dpi: f64,
    /// Für den Dienstgebrauch: ohne Geheimhaltung, dafür als intern gekennzeichnet
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// Chart kinds on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChartKindArg {
    /// Balken aller Gebiete, absteigend, in den Klassenfarben
    Bar,
    /// Streudiagramm zweier Indikatoren mit Regressionsgerade
    Scatter,
    /// Zeitreihe der Gebiete und der Gesamtstadt
    Line,
    /// Altersstruktur der Gebiete gegen die Gesamtstadt
    Age,
    /// Gebietsprofil: je Indikator die Lage der Gebiete in der Spannweite der Ebene
    Spine,
}

/// What `export map` and `export chart` print.
#[derive(Debug, Serialize)]
struct FigureExport<S: Serialize> {
    #[serde(flatten)]
    file: FigureFile,
    #[serde(flatten)]
    shows: S,
}

fn print_figure(file: &FigureFile, title: &str, suppressed: usize, intern: bool) {
    let size = match file.pixels {
        Some([w, h]) => format!("{w} × {h} Pixel bei {} dpi", format_german(file.dpi.unwrap_or(0.0), 0)),
        None => format!(
            "{} × {} mm",
            format_german(file.size_mm[0], 0),
            format_german(file.size_mm[1], 0)
        ),
    };
    println!("{}: {title} ({size})", file.file);
    if intern {
        println!("  {}", quartier_core::export::INTERNAL_MARKING);
    } else {
        println!("  {suppressed} Zellen geheim gehalten (k. A.)");
    }
}

impl Verb for MapExportArgs {
    fn run(self) -> Result<()> {
        FigureFormat::from_path(&self.out)?;
        let s = &self.series;
        let atlas = open(&s.atlas)?;
        let method = self.classing.resolve(&atlas, &s.indicator, &s.level, &s.period)?;
        let request = MapRequest {
            indicator: s.indicator.clone(),
            level: s.level.clone(),
            period: s.period.clone(),
            style: ClassStyle {
                method,
                classes: self.classing.classes,
                scheme: self.scheme.clone(),
                reversed: self.reversed,
            },
            page: Page {
                paper: match self.size {
                    PaperArg::A4 => Paper::A4,
                    PaperArg::A3 => Paper::A3,
                },
                landscape: self.landscape,
            },
            labels: self.labels,
            pois: self.pois.clone(),
            columns: self.columns.clone(),
            intern: self.intern,
        };
        let map = map_figure(&atlas, &request)?;
        let file = write_figure(&map.figure, &self.out, self.dpi)?;
        let result = FigureExport {
            file,
            shows: map.summary,
        };
        emit(self.json, &result, |r| {
            print_figure(&r.file, &r.shows.title, r.shows.suppressed_cells, r.shows.intern);
            println!(
                "  {} Gebiete, {} ohne Klasse; Maßstab 1 : {}",
                r.shows.areas,
                r.shows.no_class,
                format_german(r.shows.scale, 0)
            );
        })
    }
}

impl Verb for ChartExportArgs {
    fn run(self) -> Result<()> {
        FigureFormat::from_path(&self.out)?;
        let atlas = open(&self.atlas)?;
        let first = self.indicators.first().cloned().unwrap_or_default();
        let method = if first.is_empty() {
            quartier_core::analysis::classify::Method::EqualInterval
        } else {
            self.classing.resolve(&atlas, &first, &self.level, &self.period)?
        };
        let request = ChartRequest {
            kind: match self.kind {
                ChartKindArg::Bar => ChartKind::Bar,
                ChartKindArg::Scatter => ChartKind::Scatter,
                ChartKindArg::Line => ChartKind::Line,
                ChartKindArg::Age => ChartKind::Age,
                ChartKindArg::Spine => ChartKind::Spine,
            },
            indicators: self.indicators.clone(),
            level: self.level.clone(),
            period: self.period.clone(),
            areas: self.areas.clone(),
            style: ClassStyle {
                method,
                classes: self.classing.classes,
                scheme: None,
                reversed: false,
            },
            intern: self.intern,
        };
        let chart = chart_figure(&atlas, &request)?;
        let file = write_figure(&chart.figure, &self.out, self.dpi)?;
        let result = FigureExport {
            file,
            shows: chart.summary,
        };
        emit(self.json, &result, |r| {
            print_figure(&r.file, &r.shows.title, r.shows.suppressed_cells, r.shows.intern);
            println!(
                "  {} Elemente gezeichnet, {} Werte k. A.",
                r.shows.marks, r.shows.left_out
            );
        })
    }
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
            ExportCommand::Map(a) => a.run(),
            ExportCommand::Chart(a) => a.run(),
            ExportCommand::Package(a) => a.run(),
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
