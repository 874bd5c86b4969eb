//! The command line: typed arguments (clap), then one function per verb that calls the engine.
//!
//! Exit codes: 0 success, 1 bad input (German message on stderr), 2 internal error.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use quartier_core::analysis::access::{
    distance, save_distance, Decay, DistanceRequest, DistanceResult, OriginKind, PlannedPoi, SupplyRequest,
};
use quartier_core::analysis::aggregate::{aggregate, save_aggregation, AggregateRequest};
use quartier_core::analysis::classify::{classify_series, save_classes, Method, NO_DATA_LABEL, SMALL_AREA_LABEL};
use quartier_core::analysis::index::{
    composite_index, save_composite_index, Aggregation, IndexConfig, IndexResult, MissingPolicy, Normalisation,
    Uncertainty,
};
use quartier_core::analysis::lisa::{lisa, save_lisa, LisaClass, LisaRequest};
use quartier_core::analysis::ranking::{rank, save_ranking};
use quartier_core::analysis::status_dynamics::{
    save_status_dynamics, status_dynamics, DynamicsSource, Preset, StatusClass, StatusDynamicsConfig,
    StatusDynamicsResult, Thresholds,
};
use quartier_core::analysis::suppress::{suppress, Reason, SuppressRequest, SuppressionReport};
use quartier_core::analysis::{IndicatorChoice, MinPopulation};
use quartier_core::export::{export_values, ExportFormat};
use quartier_core::import::addresses::{import_addresses, AddressImport};
use quartier_core::import::geometry::{import_geometry, read_polygons, GeometryImport};
use quartier_core::import::metadata::{import_metadata, MetadataImport};
use quartier_core::import::network::{import_network, NetworkImport};
use quartier_core::import::pois::{import_pois, read_pois, PoiImport};
use quartier_core::import::values::{import_values, LongForm, MatchBy, UnmatchedPolicy, ValuesImport};
use quartier_core::numbers::DecimalSeparator;
use quartier_core::progress::ProgressFn;
use quartier_core::{info::atlas_info, Atlas};

/// Quartier: Werkbank für kleinräumiges Monitoring. Ohne Befehl öffnet sich die App.
#[derive(Debug, Parser)]
#[command(name = "quartier", version, about)]
pub struct Cli {
    /// Der Befehl; ohne Befehl startet die App mit dem Beispielatlas.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Legt einen neuen, leeren Atlas an.
    New {
        /// Atlasdatei (.quartier)
        atlas: PathBuf,
        /// Name der Kommune
        #[arg(long)]
        name: String,
        /// Amtlicher Gemeindeschlüssel (8 Ziffern)
        #[arg(long)]
        ags: Option<String>,
        /// Ausgabe als JSON
        #[arg(long)]
        json: bool,
    },
    /// Baut den Beispielatlas Berlin aus sample_data/.
    Sample {
        /// Zieldatei
        #[arg(long)]
        out: PathBuf,
        /// Vorhandene Datei ersetzen
        #[arg(long)]
        force: bool,
        /// Ausgabe als JSON
        #[arg(long)]
        json: bool,
    },
    /// Importiert Geometrie, Werte, Einrichtungen oder Metadaten.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Zeigt Ebenen, Indikatoren mit Zeiträumen und Abdeckung, Einrichtungen.
    Info {
        /// Atlasdatei
        atlas: PathBuf,
        /// Ausgabe als JSON
        #[arg(long)]
        json: bool,
    },
    /// Exportiert Tabellen.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Aggregiert Indikatoren auf eine gröbere Ebene oder die Gesamtstadt (nach ihrer Regel).
    Aggregate(AggregateArgs),
    /// Klassen für eine Karte (gleiche Intervalle, Quantile, natürliche Unterbrechungen …).
    Classify(ClassifyArgs),
    /// Zusammengesetzter Index mit Normierung, Gewichten, Prüfungen und Unsicherheitsanalyse.
    Index(IndexArgs),
    /// Erreichbarkeit: Entfernung zur nächsten Einrichtung, Anteile im Umkreis, Versorgungsquote (2SFCA).
    Distance(DistanceArgs),
    /// Rangfolge der Gebiete mit Abweichung vom Gesamtstadtwert.
    Rank(RankArgs),
    /// Räumliche Cluster: Moran's I und LISA-Klassen (Hotspots, Coldspots, Ausreißer).
    Hotspots(HotspotArgs),
    /// Geheimhaltung: welche Werte „k. A.“ werden müssen und warum (primär, abgeleitet, sekundär).
    Suppress(SuppressArgs),
    /// Status- und Dynamikindex je Gebiet mit 4 × 3-Klassen (Berlin MSS, Hamburg RISE, Solingen).
    StatusDynamics(StatusDynamicsArgs),
    /// Öffnet die App mit einem Atlas.
    Open {
        /// Atlasdatei
        atlas: PathBuf,
    },
}

/// `quartier import …`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Flächen einer Ebene aus GeoJSON oder (gezipptem) Shapefile.
    Geometry(GeometryArgs),
    /// Indikatorwerte aus CSV oder XLSX.
    Values(ValuesArgs),
    /// Einrichtungen (POIs) aus GeoJSON, CSV oder XLSX.
    Pois(PoiArgs),
    /// Indikator-Metadaten aus einem Metadatenblatt.
    Metadata(MetadataArgs),
    /// Adresspunkte mit Einwohnern (intern, für Entfernungen; ersetzt frühere).
    Addresses(AddressArgs),
    /// Straßennetz (Linien) für Fußwege; ersetzt ein früheres.
    Network(NetworkArgs),
}

/// `quartier import network`
#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// .geojson mit Linien oder .zip mit einem Linien-Shapefile
    #[arg(long)]
    pub file: PathBuf,
    /// Bezugssystem, wenn die Datei keines nennt, z. B. EPSG:25833
    #[arg(long)]
    pub crs: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier import addresses`
#[derive(Debug, Args)]
pub struct AddressArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// .csv, .xlsx oder .geojson
    #[arg(long)]
    pub file: PathBuf,
    /// Spalte mit x bzw. Länge
    #[arg(long, requires = "y_column")]
    pub x_column: Option<String>,
    /// Spalte mit y bzw. Breite
    #[arg(long, requires = "x_column")]
    pub y_column: Option<String>,
    /// Bezugssystem der Koordinaten, z. B. EPSG:25832
    #[arg(long)]
    pub crs: Option<String>,
    /// Spalte mit den Einwohnern je Adresse
    #[arg(long)]
    pub residents_column: String,
    /// Spalten mit Einwohnern je Altersgruppe
    #[arg(long, value_delimiter = ',')]
    pub age_columns: Vec<String>,
    /// Tabellenblatt
    #[arg(long)]
    pub sheet: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier import geometry`
#[derive(Debug, Args)]
pub struct GeometryArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ebene (wird angelegt, wenn neu)
    #[arg(long)]
    pub level: String,
    /// .geojson, .zip (ein Shapefile) oder .shp
    #[arg(long)]
    pub file: PathBuf,
    /// Attribut mit dem Gebietsschlüssel
    #[arg(long)]
    pub key_column: String,
    /// Attribut mit dem Gebietsnamen
    #[arg(long)]
    pub name_column: Option<String>,
    /// Übergeordnete Ebene
    #[arg(long)]
    pub parent_level: Option<String>,
    /// Attribut mit dem Schlüssel des übergeordneten Gebiets (sonst Punkt-in-Polygon)
    #[arg(long, requires = "parent_level")]
    pub parent_key_column: Option<String>,
    /// Bezugssystem, z. B. EPSG:25832 (sonst aus .prj bzw. GeoJSON)
    #[arg(long)]
    pub crs: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// Match mode on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MatchArg {
    /// über den Gebietsschlüssel
    Key,
    /// über den Gebietsnamen
    Name,
}

/// Decimal separator on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DecimalArg {
    /// 1.234,5
    Comma,
    /// 1234.5
    Point,
}

/// `quartier import values`
#[derive(Debug, Args)]
pub struct ValuesArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// .csv, .xlsx, .xls oder .ods
    #[arg(long)]
    pub file: PathBuf,
    /// Ebene der Gebiete
    #[arg(long)]
    pub level: String,
    /// Spalte mit dem Gebietsschlüssel (oder -namen, mit --match-by name)
    #[arg(long)]
    pub key_column: String,
    /// Spalte mit dem Gebietsnamen
    #[arg(long)]
    pub name_column: Option<String>,
    /// Zeitraum der Tabelle, z. B. 2019 oder 31.12.2019 (lange Form: aus --period-column)
    #[arg(long, required_unless_present = "long")]
    pub period: Option<String>,
    /// Tabellenblatt
    #[arg(long)]
    pub sheet: Option<String>,
    /// Nur diese Spalten, je SPALTE oder SPALTE=INDIKATOR
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Lange Form: Gebiet, Indikator, Zeitraum, Wert je Zeile
    #[arg(long, requires_all = ["indicator_column", "period_column", "value_column"])]
    pub long: bool,
    /// Lange Form: Spalte mit dem Indikatorschlüssel
    #[arg(long)]
    pub indicator_column: Option<String>,
    /// Lange Form: Spalte mit dem Zeitraum
    #[arg(long)]
    pub period_column: Option<String>,
    /// Lange Form: Spalte mit dem Wert
    #[arg(long)]
    pub value_column: Option<String>,
    /// Zeilen ohne passendes Gebiet überspringen und melden
    #[arg(long, conflicts_with = "create_missing")]
    pub skip_unmatched: bool,
    /// Für Zeilen ohne passendes Gebiet Gebiete ohne Geometrie anlegen
    #[arg(long)]
    pub create_missing: bool,
    /// Zuordnung über Schlüssel (Standard) oder Namen
    #[arg(long, value_enum, default_value = "key")]
    pub match_by: MatchArg,
    /// Dezimaltrennzeichen erzwingen (sonst erkannt)
    #[arg(long, value_enum)]
    pub decimal: Option<DecimalArg>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier import pois`
#[derive(Debug, Args)]
pub struct PoiArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// .geojson, .csv oder .xlsx
    #[arg(long)]
    pub file: PathBuf,
    /// Kategorie, z. B. Kita (eine vorhandene Kategorie wird ersetzt)
    #[arg(long)]
    pub category: String,
    /// Spalte mit x bzw. Länge
    #[arg(long, requires = "y_column")]
    pub x_column: Option<String>,
    /// Spalte mit y bzw. Breite
    #[arg(long, requires = "x_column")]
    pub y_column: Option<String>,
    /// Bezugssystem der Koordinaten, z. B. EPSG:25833
    #[arg(long)]
    pub crs: Option<String>,
    /// Spalte mit dem Namen
    #[arg(long)]
    pub name_column: Option<String>,
    /// Spalte mit der Kapazität (Plätze)
    #[arg(long)]
    pub capacity_column: Option<String>,
    /// Tabellenblatt
    #[arg(long)]
    pub sheet: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier import metadata`
#[derive(Debug, Args)]
pub struct MetadataArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Metadatenblatt (.csv oder .xlsx)
    #[arg(long)]
    pub file: PathBuf,
    /// Tabellenblatt
    #[arg(long)]
    pub sheet: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier aggregate`
#[derive(Debug, Args)]
pub struct AggregateArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Feinere Ebene
    #[arg(long)]
    pub from_level: String,
    /// Gröbere Ebene (ohne Angabe: Gesamtstadt)
    #[arg(long)]
    pub to_level: Option<String>,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Indikatoren (ohne Angabe: alle mit Werten auf der feineren Ebene)
    #[arg(long, value_delimiter = ',')]
    pub indicators: Vec<String>,
    /// Über die ersten N Zeichen des Schlüssels gruppieren statt über die Gebietshierarchie
    #[arg(long)]
    pub key_prefix: Option<usize>,
    /// Anteile und gewichtete Mittel auch bei Lücken, mit Angabe der Abdeckung
    #[arg(long)]
    pub allow_partial: bool,
    /// Zum Vergleich auch das ungewichtete Mittel der Teilgebiete zeigen (nie die Referenz)
    #[arg(long)]
    pub unweighted_mean: bool,
    /// Ergebnisse auf der gröberen Ebene als abgeleitete Werte speichern
    #[arg(long)]
    pub save: bool,
    /// Beim Speichern an den Schlüssel anhängen (z. B. _agg), statt unter dem eigenen zu speichern
    #[arg(long, requires = "save")]
    pub save_suffix: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier classify`
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Atlas, Indikator, Ebene und Zeitraum
    #[command(flatten)]
    pub series: SeriesArgs,
    /// Verfahren
    #[arg(long, value_enum, default_value = "equal-interval")]
    pub method: MethodArg,
    /// Klassenanzahl (KECK-Standard: 6)
    #[arg(long, default_value_t = 6)]
    pub classes: usize,
    /// Manuelle Klassengrenzen a,b,… (mit --method manual)
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub breaks: Vec<f64>,
    /// Klassenbreite in Standardabweichungen (mit --method stddev)
    #[arg(long, default_value_t = 1.0)]
    pub width: f64,
    /// Mitte divergierender Klassen: „reference“ (Gesamtstadtwert) oder eine Zahl (mit --method diverging)
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    pub center: String,
    /// Mindesteinwohnerzahl
    #[command(flatten)]
    pub population: MinPopulationArgs,
    /// Klassen als INDIKATOR_class speichern
    #[arg(long)]
    pub save: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// Classification methods on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    /// Gleiche Intervalle vom Minimum zum Maximum
    EqualInterval,
    /// Quantile (gleich viele Gebiete je Klasse)
    Quantile,
    /// Natürliche Unterbrechungen (exaktes Fisher–Jenks)
    Jenks,
    /// Standardabweichung um den Mittelwert
    Stddev,
    /// Runde Grenzen
    Pretty,
    /// Eigene Grenzen (--breaks)
    Manual,
    /// Boxplot mit 1,5- und 3-fachem Quartilsabstand
    Boxplot,
    /// Symmetrisch um eine Mitte (--center)
    Diverging,
}

/// Resolves the classification arguments into an engine method.
fn classify_method(atlas: &Atlas, a: &ClassifyArgs) -> Result<Method> {
    Ok(match a.method {
        MethodArg::EqualInterval => Method::EqualInterval,
        MethodArg::Quantile => Method::Quantile,
        MethodArg::Jenks => Method::Jenks,
        MethodArg::Stddev => Method::StdDev { width: a.width },
        MethodArg::Pretty => Method::Pretty,
        MethodArg::Boxplot => Method::BoxPlot,
        MethodArg::Manual => {
            if a.breaks.is_empty() {
                return Err(invalid("--method manual braucht --breaks a,b,…"));
            }
            Method::Manual {
                breaks: a.breaks.clone(),
            }
        }
        MethodArg::Diverging => {
            let center = if a.center.trim() == "reference" {
                let meta = atlas.indicator(&a.series.indicator)?;
                let level = atlas.level(&a.series.level)?;
                let period = atlas.period(&a.series.period)?;
                let r = quartier_core::reference::reference_value(atlas, &meta, level.id, period.id)?;
                r.value.ok_or_else(|| {
                    invalid(format!(
                        "Kein Gesamtstadtwert für „{}“: {}",
                        a.series.indicator, r.method
                    ))
                })?
            } else {
                a.center
                    .trim()
                    .replace(',', ".")
                    .parse::<f64>()
                    .map_err(|_| invalid(format!("--center „{}“: „reference“ oder eine Zahl angeben", a.center)))?
            };
            Method::Diverging { center }
        }
    })
}

/// `quartier status-dynamics`
#[derive(Debug, Args)]
pub struct StatusDynamicsArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ebene der Gebiete
    #[arg(long)]
    pub level: String,
    /// Zeitraum (Ausgabe), z. B. 2019
    #[arg(long)]
    pub period: String,
    /// Vorlage: berlin-mss, hamburg-rise oder solingen
    #[arg(long)]
    pub preset: Option<String>,
    /// Statusindikatoren, je SCHLÜSSEL[:+|-][:GEWICHT] (+ = hoch ist günstig)
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// Dynamikindikatoren (Veränderungen), je SCHLÜSSEL[:+|-][:GEWICHT]
    #[arg(long, value_delimiter = ',')]
    pub dynamics: Vec<String>,
    /// Dynamik als Veränderung der Statusindikatoren seit diesem Zeitraum
    #[arg(long)]
    pub compare_period: Option<String>,
    /// Mindesteinwohnerzahl
    #[command(flatten)]
    pub population: MinPopulationArgs,
    /// Von Hand ausgeschlossene Gebiete (Schlüssel)
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Indikatoren einer Vorlage zuordnen: VORLAGE=ATLAS, z. B. anteil_sgb2=sgb2_quote
    #[arg(long = "map", value_delimiter = ',')]
    pub mapping: Vec<String>,
    /// Statusgrenzen a,b,c (Standard -1,1,1.5)
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub status_thresholds: Vec<f64>,
    /// Dynamikgrenzen a,b (Standard -1,1)
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub dynamics_thresholds: Vec<f64>,
    /// Ergebnis als abgeleitete Indikatoren speichern
    #[arg(long)]
    pub save: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier index`
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ebene
    #[arg(long)]
    pub level: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Indikatoren, je SCHLÜSSEL[:+|-][:GEWICHT] (+ = hoch ist günstig; ohne Gewicht: gleich)
    #[arg(long, value_delimiter = ',', required = true)]
    pub indicators: Vec<String>,
    /// Normierung: z, minmax, rank, percentile, reference (Gesamtstadtwert), target (--targets)
    #[arg(long, default_value = "z")]
    pub normalise: String,
    /// Aggregation: arithmetic oder geometric
    #[arg(long, default_value = "arithmetic")]
    pub aggregate: String,
    /// Die Gewichte sind Budgetpunkte (zusammen 100)
    #[arg(long)]
    pub budget: bool,
    /// Zielwerte für --normalise target: SCHLÜSSEL=WERT,…
    #[arg(long, value_delimiter = ',')]
    pub targets: Vec<String>,
    /// Fehlende Werte: exclude (Gebiet ohne Index) oder available (über die vorhandenen)
    #[arg(long, default_value = "exclude")]
    pub missing: String,
    /// Mindestanteil vorhandener Indikatoren bei --missing available (0–1)
    #[arg(long, default_value_t = 0.75)]
    pub min_coverage: f64,
    /// Mindesteinwohnerzahl
    #[command(flatten)]
    pub population: MinPopulationArgs,
    /// Von Hand ausgeschlossene Gebiete (Schlüssel)
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Unsicherheitsanalyse mit N Monte-Carlo-Läufen
    #[arg(long)]
    pub uncertainty: Option<usize>,
    /// Spanne der Gewichte in der Unsicherheitsanalyse (0,25 = ± 25 %)
    #[arg(long, default_value_t = 0.25)]
    pub weight_range: f64,
    /// Normierungen der Unsicherheitsanalyse (Standard: die gewählte, z, minmax, rank)
    #[arg(long, value_delimiter = ',')]
    pub uncertainty_normalise: Vec<String>,
    /// Aggregationen der Unsicherheitsanalyse (Standard: arithmetic, geometric)
    #[arg(long, value_delimiter = ',')]
    pub uncertainty_aggregate: Vec<String>,
    /// Startwert des Zufallsgenerators (gleicher Wert, gleiches Ergebnis)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Als abgeleitete Indikatoren KEY, KEY_rank (…) speichern
    #[arg(long)]
    pub save: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// Resolves the index arguments into a run configuration.
fn index_config(a: &IndexArgs) -> Result<IndexConfig> {
    let normalisation = Normalisation::parse(&a.normalise)?;
    let aggregation = Aggregation::parse(&a.aggregate)?;
    let mut targets = std::collections::BTreeMap::new();
    for t in a.targets.iter().filter(|t| !t.trim().is_empty()) {
        let (key, value) = t
            .split_once('=')
            .ok_or_else(|| invalid(format!("--targets „{t}“: erwartet SCHLÜSSEL=WERT")))?;
        let value = quartier_core::numbers::parse_number(value.trim(), DecimalSeparator::Point)
            .ok_or_else(|| invalid(format!("--targets „{t}“: „{value}“ ist keine Zahl")))?;
        targets.insert(key.trim().to_string(), value);
    }
    let missing = match a.missing.trim() {
        "exclude" | "ausschließen" => MissingPolicy::Exclude,
        "available" | "vorhandene" => MissingPolicy::Available {
            min_coverage: a.min_coverage,
        },
        other => return Err(invalid(format!("--missing „{other}“ unbekannt (exclude, available)"))),
    };
    let uncertainty = match a.uncertainty {
        None => None,
        Some(runs) => {
            let normalisations = if a.uncertainty_normalise.is_empty() {
                let mut v = vec![normalisation];
                for n in [Normalisation::Z, Normalisation::MinMax, Normalisation::Rank] {
                    if !v.contains(&n) {
                        v.push(n);
                    }
                }
                v
            } else {
                a.uncertainty_normalise
                    .iter()
                    .map(|n| Normalisation::parse(n))
                    .collect::<quartier_core::Result<_>>()?
            };
            let aggregations = if a.uncertainty_aggregate.is_empty() {
                vec![Aggregation::Arithmetic, Aggregation::Geometric]
            } else {
                a.uncertainty_aggregate
                    .iter()
                    .map(|n| Aggregation::parse(n))
                    .collect::<quartier_core::Result<_>>()?
            };
            Some(Uncertainty {
                runs,
                weight_range: a.weight_range,
                normalisations,
                aggregations,
                seed: a.seed,
            })
        }
    };
    Ok(IndexConfig {
        level: a.level.clone(),
        period: a.period.clone(),
        indicators: a
            .indicators
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| IndicatorChoice::parse(s))
            .collect::<quartier_core::Result<_>>()?,
        budget: a.budget,
        normalisation,
        aggregation,
        targets,
        missing,
        min_population: a.population.rule()?,
        exclude: a
            .exclude
            .iter()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect(),
        uncertainty,
    })
}

fn print_index(r: &IndexResult) {
    let de = |v: f64, d: usize| quartier_core::numbers::format_german(v, d);
    println!(
        "Index auf Ebene „{}“, {} ({}; {}; Gewichte {}):",
        r.level, r.period, r.normalisation_note, r.direction, r.weighting
    );
    for i in &r.indicators {
        println!(
            "  {:<14} {}  Gewicht {} ({} %)",
            i.key,
            i.polarity,
            de(i.weight, 2),
            de(i.weight_share * 100.0, 1)
        );
    }
    println!("  {}", r.compensability);
    println!();
    for a in &r.areas {
        let interval = match (a.rank_p05, a.rank_median, a.rank_p95) {
            (Some(lo), Some(med), Some(hi)) => format!("  Median {} [{} – {}]", de(med, 0), de(lo, 0), de(hi, 0)),
            _ => String::new(),
        };
        let coverage = if a.used < a.total {
            format!("  ({} von {} Indikatoren)", a.used, a.total)
        } else {
            String::new()
        };
        println!(
            "  {:>4}. {:<10} {:<32} {:>10}{interval}{coverage}",
            a.rank,
            a.key,
            a.name,
            de(a.index, 3)
        );
    }
    for e in &r.excluded {
        println!("  ohne Index: {} {}: {}", e.key, e.name, e.reason);
    }
    println!("\nPrüfungen über {} vollständige Gebiete:", r.checks.complete_areas);
    if let Some(a) = r.checks.cronbach_alpha {
        println!("  Cronbachs Alpha (standardisiert): {}", de(a, 2));
    }
    if let Some(p) = r.checks.first_component_share {
        println!("  Erste Hauptkomponente: {} % der Varianz", de(p * 100.0, 1));
    }
    for n in &r.checks.notes {
        println!("  {n}");
    }
    if let Some(u) = &r.uncertainty {
        println!(
            "\nUnsicherheit: {} Läufe (Startwert {}), Gewichte ± {} %, mittlere Breite des 5–95-%-Rangintervalls {} Ränge",
            u.settings.runs,
            u.settings.seed,
            de(u.settings.weight_range * 100.0, 0),
            de(u.mean_interval_width, 1)
        );
        for s in &u.sensitivity {
            println!(
                "  {:<24} erklärt {} % der Rangvarianz",
                s.factor,
                de(s.share * 100.0, 1)
            );
        }
    }
    if !r.saved.is_empty() {
        println!("\nGespeichert als {}", r.saved.join(", "));
    }
}

/// `quartier distance`
#[derive(Debug, Args)]
pub struct DistanceArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// POI-Kategorie, z. B. Kita (mehrfach möglich)
    #[arg(long)]
    pub category: Vec<String>,
    /// Weitere Kategorien (zusammen ausgewertet)
    #[arg(long, value_delimiter = ',')]
    pub categories: Vec<String>,
    /// Ebene der Gebiete (mit Flächen)
    #[arg(long)]
    pub level: String,
    /// Wohnorte: grid (Raster in den Flächen), centroids (ein Punkt je Fläche, grob) oder addresses (Adresspunkte aus import addresses)
    #[arg(long, default_value = "grid")]
    pub origins: String,
    /// Mit --origins addresses: eine Altersgruppe der Adressen statt aller Einwohner
    #[arg(long)]
    pub address_group: Option<String>,
    /// Rasterweite in Metern für --origins grid
    #[arg(long, default_value_t = 100.0)]
    pub grid_cell: f64,
    /// Mit --origins grid: nur Rasterzellen auf diesen Wohnbauflächen (GeoJSON oder Shapefile)
    #[arg(long)]
    pub residential: Option<PathBuf>,
    /// Bezugssystem der Wohnbauflächen, wenn die Datei keines nennt
    #[arg(long, requires = "residential")]
    pub residential_crs: Option<String>,
    /// Indikator mit den Einwohnern je Gebiet (z. B. ew_u6 für Kinder unter 6)
    #[arg(long)]
    pub population_indicator: Option<String>,
    /// Zeitraum der Einwohnerzahlen (mit Adresspunkten nur zum Speichern nötig)
    #[arg(long)]
    pub period: Option<String>,
    /// Radien in Metern
    #[arg(long, value_delimiter = ',', default_value = "300,500,1000")]
    pub radius: Vec<f64>,
    /// Entfernungen im Straßennetz (braucht import network)
    #[arg(long)]
    pub network: bool,
    /// Mit --network: Isochronen je Einrichtung als GeoJSON in diese Datei schreiben
    #[arg(long, requires = "network")]
    pub isochrones: Option<PathBuf>,
    /// Fußweg der Isochronen in Metern
    #[arg(long, default_value_t = 500.0)]
    pub isochrone_radius: f64,
    /// Angebot je Einrichtung für die Versorgungsquote: capacity oder ein Attribut
    #[arg(long)]
    pub supply_attribute: Option<String>,
    /// Nachfrage je Gebiet (Standard: die Einwohner der Entfernungen; mit Adresspunkten eine Altersgruppe)
    #[arg(long)]
    pub demand_indicator: Option<String>,
    /// Einzugsradius der Versorgungsquote in Metern
    #[arg(long, default_value_t = 1000.0)]
    pub catchment: f64,
    /// Entfernungsgewichtung im Einzugsbereich: none oder gaussian
    #[arg(long, default_value = "none")]
    pub decay: String,
    /// Geplante Einrichtungen (GeoJSON/CSV/XLSX) als Szenario, nicht gespeichert
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Einrichtungen außerhalb aller Gebiete: keep (mitrechnen) oder exclude
    #[arg(long, default_value = "keep")]
    pub outside: String,
    /// Ergebnisse als abgeleitete Indikatoren speichern
    #[arg(long)]
    pub save: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

fn distance_request(atlas: &Atlas, a: &DistanceArgs) -> Result<DistanceRequest> {
    let categories: Vec<String> = a
        .category
        .iter()
        .chain(&a.categories)
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if categories.is_empty() {
        return Err(invalid("Keine Kategorie angegeben: --category NAME"));
    }
    let origins = match a.origins.trim() {
        "grid" | "raster" => OriginKind::Grid {
            cell: a.grid_cell,
            residential: a
                .residential
                .as_ref()
                .map(|f| read_polygons(f, a.residential_crs.as_deref()))
                .transpose()?,
        },
        "centroids" | "schwerpunkte" => OriginKind::Centroids,
        "addresses" | "adressen" => OriginKind::Addresses {
            group: a.address_group.clone(),
        },
        other => {
            return Err(invalid(format!(
                "--origins „{other}“ unbekannt (grid, centroids, addresses)"
            )))
        }
    };
    if a.residential.is_some() && !matches!(origins, OriginKind::Grid { .. }) {
        return Err(invalid("--residential gilt nur mit --origins grid"));
    }
    if a.address_group.is_some() && !matches!(origins, OriginKind::Addresses { .. }) {
        return Err(invalid("--address-group gilt nur mit --origins addresses"));
    }
    let population_indicator = a.population_indicator.clone();
    let decay = match a.decay.trim() {
        "none" | "keine" => Decay::None,
        "gaussian" | "gauss" => Decay::Gaussian,
        other => return Err(invalid(format!("--decay „{other}“ unbekannt (none, gaussian)"))),
    };
    let keep_outside = match a.outside.trim() {
        "keep" => true,
        "exclude" => false,
        other => return Err(invalid(format!("--outside „{other}“ unbekannt (keep, exclude)"))),
    };
    let supply = match (&a.supply_attribute, &a.demand_indicator) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(invalid(
                "--demand-indicator braucht --supply-attribute (z. B. capacity)",
            ))
        }
        (Some(attribute), demand) => Some(SupplyRequest {
            attribute: attribute.clone(),
            demand_indicator: demand.clone(),
            catchment: a.catchment,
            decay,
        }),
    };
    let scenario = match &a.scenario {
        None => Vec::new(),
        Some(file) => read_pois(
            atlas,
            &PoiImport {
                file: file.clone(),
                category: "Szenario".into(),
                ..Default::default()
            },
        )?
        .pois
        .into_iter()
        .map(|p| PlannedPoi {
            name: if p.name.is_empty() { "geplant".into() } else { p.name },
            lon: p.lon,
            lat: p.lat,
            capacity: p.capacity,
        })
        .collect(),
    };
    Ok(DistanceRequest {
        categories,
        level: a.level.clone(),
        period: a.period.clone(),
        population_indicator,
        origins,
        radii: a.radius.clone(),
        keep_outside,
        network: a.network,
        isochrones: a.isochrones.as_ref().map(|_| a.isochrone_radius),
        supply,
        scenario,
    })
}

fn print_distance(r: &DistanceResult) {
    let de = |v: Option<f64>, d: usize| v.map_or("k. A.".to_string(), |v| quartier_core::numbers::format_german(v, d));
    println!(
        "Erreichbarkeit „{}“ auf Ebene „{}“{} ({}; {}; {} Wohnorte, {} Einrichtungen):",
        r.request.categories.join(", "),
        r.request.level,
        r.request.period.as_ref().map_or(String::new(), |p| format!(", {p}")),
        r.method,
        r.origin_note,
        r.origin_count,
        r.pois_used
    );
    println!(
        "  Gesamtstadt: im Mittel {} m zur nächsten Einrichtung",
        de(r.overall_mean, 0)
    );
    let radii: Vec<String> = r.request.radii.iter().map(|x| format!("≤ {x:.0} m")).collect();
    println!(
        "  {:<10} {:<30} {:>8} {:>8} {:>8}  {}  {}",
        "Schlüssel",
        "Name",
        "Mittel",
        "Median",
        "90 %",
        radii.join(" / "),
        if r.request.supply.is_some() { "je 100" } else { "" }
    );
    for (i, a) in r.areas.iter().enumerate() {
        let within: Vec<String> = a.within.iter().map(|w| format!("{} %", de(*w, 0))).collect();
        let change = match &r.baseline {
            Some(b) => match (a.mean, b[i].mean) {
                (Some(now), Some(before)) if (now - before).abs() > 0.5 => {
                    format!("  (vorher {} m)", de(Some(before), 0))
                }
                _ => String::new(),
            },
            None => String::new(),
        };
        println!(
            "  {:<10} {:<30} {:>8} {:>8} {:>8}  {}  {}{change}",
            a.key,
            a.name,
            de(a.mean, 0),
            de(a.median, 0),
            de(a.p90, 0),
            within.join(" / "),
            if r.request.supply.is_some() {
                de(a.supply_per_100, 1)
            } else {
                String::new()
            }
        );
    }
    if !r.no_residents.is_empty() {
        println!("  ohne Einwohner (k. A.): {}", r.no_residents.join(", "));
    }
    if !r.pois_outside.is_empty() {
        println!(
            "  {} Einrichtungen außerhalb aller Gebiete ({}): {}",
            r.pois_outside.len(),
            if r.request.keep_outside {
                "mitgerechnet"
            } else {
                "ausgelassen"
            },
            r.pois_outside.iter().take(10).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    if !r.saved.is_empty() {
        println!("  gespeichert als {}", r.saved.join(", "));
    }
}

/// `quartier rank`
#[derive(Debug, Args)]
pub struct RankArgs {
    /// Atlas, Indikator, Ebene und Zeitraum
    #[command(flatten)]
    pub series: SeriesArgs,
    /// Rang 1 für den niedrigsten Wert
    #[arg(long)]
    pub ascending: bool,
    /// Rang und Verhältnis zur Gesamtstadt als INDIKATOR_rank und INDIKATOR_ref100 speichern
    #[arg(long)]
    pub save: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier hotspots`
#[derive(Debug, Args)]
pub struct HotspotArgs {
    /// Atlas, Indikator, Ebene (mit Flächen) und Zeitraum
    #[command(flatten)]
    pub series: SeriesArgs,
    /// Zahl der Permutationen
    #[arg(long, default_value_t = 999)]
    pub permutations: usize,
    /// Startwert des Zufallsgenerators
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Signifikanzniveau
    #[arg(long, default_value_t = 0.05)]
    pub significance: f64,
    /// Klassen und p-Werte als INDIKATOR_lisa und INDIKATOR_lisa_p speichern
    #[arg(long)]
    pub save: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier suppress`
#[derive(Debug, Args)]
pub struct SuppressArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Feinste Ebene (ihre übergeordneten Gebiete bis zur Gesamtstadt werden mitgeprüft)
    #[arg(long)]
    pub level: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Fallzahlen von 1 bis T werden „k. A.“ (Standard: Vorgabe des Atlas, sonst 3)
    #[arg(long, allow_hyphen_values = true)]
    pub threshold: Option<i64>,
    /// Auch 0 wird „k. A.“
    #[arg(long)]
    pub suppress_zero: bool,
    /// Indikatoren (ohne Angabe: alle mit Werten auf der Ebene)
    #[arg(long, value_delimiter = ',')]
    pub indicators: Vec<String>,
    /// Mindesteinwohnerzahl
    #[command(flatten)]
    pub population: MinPopulationArgs,
    /// --threshold und --suppress-zero als Vorgabe des Atlas speichern
    #[arg(long)]
    pub set_default: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

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
    fn rule(&self) -> Result<Option<MinPopulation>> {
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
fn invalid(message: impl Into<String>) -> anyhow::Error {
    quartier_core::Error::Invalid(message.into()).into()
}

/// Resolves the typed arguments into a run configuration (the second stage of parsing).
fn status_dynamics_config(atlas: &Atlas, a: &StatusDynamicsArgs) -> Result<StatusDynamicsConfig> {
    let parse_list = |specs: &[String]| -> Result<Vec<IndicatorChoice>> {
        Ok(specs
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| IndicatorChoice::parse(s))
            .collect::<quartier_core::Result<_>>()?)
    };
    let mut mapping = std::collections::HashMap::new();
    for m in &a.mapping {
        let (from, to) = m.split_once('=').ok_or_else(|| {
            invalid(format!(
                "--map „{m}“: erwartet VORLAGE=ATLAS, z. B. anteil_sgb2=sgb2_quote"
            ))
        })?;
        mapping.insert(from.trim().to_string(), to.trim().to_string());
    }
    let mut config = match &a.preset {
        Some(name) => Preset::parse(name)?.config(atlas, &a.level, &a.period, a.compare_period.as_deref(), &mapping)?,
        None => {
            if a.status.is_empty() {
                return Err(invalid(
                    "Ohne --preset sind --status und --dynamics (oder --compare-period) nötig".to_string(),
                ));
            }
            let dynamics = match (&a.compare_period, a.dynamics.is_empty()) {
                (Some(p), true) => DynamicsSource::ChangeOfStatus {
                    compare_period: p.clone(),
                },
                (None, false) => DynamicsSource::Indicators {
                    indicators: parse_list(&a.dynamics)?,
                },
                (Some(_), false) => {
                    return Err(invalid(
                        "--dynamics und --compare-period schließen sich aus".to_string(),
                    ))
                }
                (None, true) => {
                    return Err(invalid(
                        "Dynamik fehlt: --dynamics J1,J2,… oder --compare-period ZEITRAUM angeben".to_string(),
                    ))
                }
            };
            StatusDynamicsConfig {
                level: a.level.clone(),
                period: a.period.clone(),
                preset: None,
                status: Vec::new(),
                dynamics,
                min_population: None,
                exclude: Vec::new(),
                thresholds: Thresholds::default(),
            }
        }
    };
    if !a.status.is_empty() {
        config.status = parse_list(&a.status)?;
    }
    if a.preset.is_some() && !a.dynamics.is_empty() {
        config.dynamics = DynamicsSource::Indicators {
            indicators: parse_list(&a.dynamics)?,
        };
    }
    match (
        a.population.min_population,
        &a.population.population_indicator,
        &mut config.min_population,
    ) {
        (None, None, _) => {}
        (Some(minimum), Some(indicator), rule) => {
            *rule = Some(MinPopulation {
                indicator: indicator.clone(),
                minimum,
            })
        }
        (Some(minimum), None, Some(rule)) => rule.minimum = minimum,
        (None, Some(indicator), Some(rule)) => rule.indicator = indicator.clone(),
        (Some(_), None, None) => return Err(invalid("--min-population braucht --population-indicator".to_string())),
        (None, Some(_), None) => return Err(invalid("--population-indicator braucht --min-population".to_string())),
    }
    for key in &a.exclude {
        if !key.trim().is_empty() && !config.exclude.contains(&key.trim().to_string()) {
            config.exclude.push(key.trim().to_string());
        }
    }
    match a.status_thresholds.as_slice() {
        [] => {}
        [x, y, z] => config.thresholds.status = [*x, *y, *z],
        other => {
            return Err(invalid(format!(
                "--status-thresholds braucht drei Grenzen a,b,c, nicht {}",
                other.len()
            )))
        }
    }
    match a.dynamics_thresholds.as_slice() {
        [] => {}
        [x, y] => config.thresholds.dynamics = [*x, *y],
        other => {
            return Err(invalid(format!(
                "--dynamics-thresholds braucht zwei Grenzen a,b, nicht {}",
                other.len()
            )))
        }
    }
    Ok(config)
}

fn print_suppression(r: &SuppressionReport) {
    println!(
        "Geheimhaltung „{}“, {} (Ebenen {}; Fallzahlen {} bis {} werden „k. A.“):",
        r.level,
        r.period,
        r.levels.join(" → "),
        if r.rules.suppress_zero { 0 } else { 1 },
        r.rules.threshold
    );
    for ind in &r.indicators {
        println!(
            "  {:<14} Schwelle {}: {} primär, {} abgeleitet, {} sekundär, {} schon in der Quelle",
            ind.key, ind.threshold, ind.primary, ind.derived, ind.secondary, ind.source
        );
    }
    for cell in &r.cells {
        let reason = match cell.reason {
            Reason::Source => "Quelle",
            Reason::Primary => "primär",
            Reason::Derived => "abgeleitet",
            Reason::Secondary => "sekundär",
        };
        println!(
            "    {:<14} {:<14} {:<10} {:<30} {:<10} {}",
            cell.indicator, cell.level, cell.key, cell.name, reason, cell.detail
        );
    }
    for n in &r.not_checked {
        println!("  nicht geprüft: {}: {}", n.key, n.reason);
    }
    for a in &r.small_areas {
        println!("  kleines Gebiet: {} {}: {}", a.key, a.name, a.reason);
    }
}

fn print_status_dynamics(r: &StatusDynamicsResult) {
    println!(
        "Status/Dynamik{} auf Ebene „{}“, {}{}: {} gültige Gebiete, {} ausgeschlossen",
        r.preset.as_deref().map(|p| format!(" ({p})")).unwrap_or_default(),
        r.level,
        r.period,
        r.compare_period
            .as_deref()
            .map(|c| format!(" (Dynamik seit {c})"))
            .unwrap_or_default(),
        r.valid_areas,
        r.excluded.len()
    );
    println!("  Status:  {}", r.status_indicators.join(", "));
    println!("  Dynamik: {}", r.dynamics_indicators.join(", "));
    println!(
        "\n  {:<16} {:>8} {:>8} {:>8} {:>8}",
        "Status \\ Dynamik", "positiv", "stabil", "negativ", "Summe"
    );
    for (class, row) in StatusClass::ALL.iter().zip(&r.matrix) {
        println!(
            "  {:<16} {:>8} {:>8} {:>8} {:>8}",
            format!("{} {}", class.number(), class.label_de()),
            row[0],
            row[1],
            row[2],
            row.iter().sum::<usize>()
        );
    }
    println!(
        "  {:<16} {:>8} {:>8} {:>8} {:>8}",
        "Summe", r.dynamics_counts[0], r.dynamics_counts[1], r.dynamics_counts[2], r.valid_areas
    );
    if !r.excluded.is_empty() {
        println!("\n  Ausgeschlossen:");
        for e in &r.excluded {
            println!("    {} {}: {}", e.key, e.name, e.reason);
        }
    }
    if !r.saved.is_empty() {
        println!("\n  Gespeichert als {}", r.saved.join(", "));
    }
}

/// `quartier export …`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Wertetabelle einer Ebene und eines Zeitraums.
    Values {
        /// Atlasdatei
        atlas: PathBuf,
        /// Ebene
        #[arg(long)]
        level: String,
        /// Zeitraum
        #[arg(long)]
        period: String,
        /// Format
        #[arg(long, value_enum)]
        format: FormatArg,
        /// Zieldatei
        #[arg(long)]
        out: PathBuf,
        /// Ausgabe als JSON
        #[arg(long)]
        json: bool,
    },
}

/// Export format on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// CSV für Excel (Semikolon, Dezimalkomma)
    Csv,
    /// Excel-Arbeitsmappe
    Xlsx,
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn open(atlas: &std::path::Path) -> Result<Atlas> {
    Atlas::open(atlas).with_context(|| format!("Atlas {} öffnen", atlas.display()))
}

/// Progress on stderr, one line per stage, for interactive use.
fn stderr_progress(enabled: bool) -> ProgressFn<'static, impl Fn(f32, &str)> {
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

/// Runs one verb. `Ok(())` is exit code 0.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::New { atlas, name, ags, json } => {
            let a = Atlas::create(&atlas, &name, ags.as_deref())?;
            if json {
                print_json(
                    &serde_json::json!({ "file": atlas.display().to_string(), "name": name.trim(), "ags": ags, "schema_version": a.schema_version()? }),
                )?;
            } else {
                println!("Atlas „{}“ angelegt: {}", name.trim(), atlas.display());
            }
        }
        Command::Sample { out, force, json } => {
            let dir = crate::paths::sample_data_dir().context(
                "Die Quellen des Beispielatlas (sample_data/) wurden nicht gefunden; QUARTIER_SAMPLE_DATA setzen",
            )?;
            let s = quartier_core::sample::build_sample_atlas(&dir, &out, force, &stderr_progress(!json))?;
            if json {
                print_json(&s)?;
            } else {
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
        }
        Command::Import(ImportCommand::Geometry(a)) => {
            let mut atlas = open(&a.atlas)?;
            let s = import_geometry(
                &mut atlas,
                &GeometryImport {
                    level: a.level,
                    file: a.file,
                    key_column: a.key_column,
                    name_column: a.name_column,
                    parent_level: a.parent_level,
                    parent_key_column: a.parent_key_column,
                    crs: a.crs,
                },
                &stderr_progress(!a.json),
            )?;
            if a.json {
                print_json(&s)?;
            } else {
                println!(
                    "{}: {} Flächen auf Ebene „{}“ ({} neu, {} ersetzt), Bezugssystem {} ({}), Gesamtfläche {:.1} km²",
                    s.file,
                    s.areas_read,
                    s.level,
                    s.areas_created,
                    s.areas_updated,
                    s.crs,
                    s.crs_source,
                    s.total_area_km2
                );
                if s.keys_padded > 0 {
                    println!("  {} Schlüssel mit führenden Nullen ergänzt", s.keys_padded);
                }
                if let Some(p) = &s.parent_level {
                    println!(
                        "  übergeordnete Ebene „{p}“; ohne übergeordnetes Gebiet: {}",
                        if s.without_parent.is_empty() {
                            "keine".into()
                        } else {
                            s.without_parent.join(", ")
                        }
                    );
                }
            }
        }
        Command::Import(ImportCommand::Values(a)) => {
            let mut atlas = open(&a.atlas)?;
            let long = a.long.then(|| LongForm {
                indicator_column: a.indicator_column.clone().unwrap_or_default(),
                period_column: a.period_column.clone().unwrap_or_default(),
                value_column: a.value_column.clone().unwrap_or_default(),
            });
            let s = import_values(
                &mut atlas,
                &ValuesImport {
                    file: a.file,
                    level: a.level,
                    key_column: a.key_column,
                    name_column: a.name_column,
                    period: a.period,
                    sheet: a.sheet,
                    columns: a.columns,
                    long,
                    unmatched: if a.skip_unmatched {
                        UnmatchedPolicy::Skip
                    } else if a.create_missing {
                        UnmatchedPolicy::CreateMissing
                    } else {
                        UnmatchedPolicy::Abort
                    },
                    match_by: match a.match_by {
                        MatchArg::Key => MatchBy::Key,
                        MatchArg::Name => MatchBy::Name,
                    },
                    decimal: a.decimal.map(|d| match d {
                        DecimalArg::Comma => DecimalSeparator::Comma,
                        DecimalArg::Point => DecimalSeparator::Point,
                    }),
                },
                &stderr_progress(!a.json),
            )?;
            if a.json {
                print_json(&s)?;
            } else {
                let st = &s.values_by_status;
                println!(
                    "{}: {} Werte aus {} von {} Zeilen auf Ebene „{}“, Zeitraum {} ({} Zahlen, {} fehlend, {} geheim/k. A., {} nicht sinnvoll)",
                    s.file, s.values_written, s.rows_imported, s.rows_read, s.level, s.periods.join(", "), st.ok, st.missing, st.suppressed, st.not_applicable
                );
                println!(
                    "  Indikatoren: {} (neu: {})",
                    s.indicators.join(", "),
                    if s.indicators_created.is_empty() {
                        "keine".into()
                    } else {
                        s.indicators_created.join(", ")
                    }
                );
                if !s.categorical.is_empty() {
                    println!("  kategorial (Text): {}", s.categorical.join(", "));
                }
                if s.keys_padded > 0 {
                    println!("  {} Schlüssel mit führenden Nullen ergänzt", s.keys_padded);
                }
                for (title, rows) in [
                    ("Summenzeilen (nicht importiert)", &s.total_rows),
                    ("Zusammengefasste Gebiete (nicht importiert)", &s.merged_rows),
                    ("Ohne passendes Gebiet (übersprungen)", &s.unmatched),
                ] {
                    if !rows.is_empty() {
                        println!("  {title}:");
                        for r in rows {
                            println!("    Zeile {}: „{}“ – {}", r.line, r.key, r.reason);
                        }
                    }
                }
                if !s.areas_created.is_empty() {
                    println!("  Gebiete ohne Geometrie angelegt: {}", s.areas_created.join(", "));
                }
            }
        }
        Command::Import(ImportCommand::Network(a)) => {
            let mut atlas = open(&a.atlas)?;
            let s = import_network(
                &mut atlas,
                &NetworkImport {
                    file: a.file,
                    crs: a.crs,
                },
                &stderr_progress(!a.json),
            )?;
            if a.json {
                print_json(&s)?;
            } else {
                println!(
                    "{}: {} Linien, {} km ({}), {} Knoten, {} zusammenhängende Teile, {} frühere ersetzt",
                    s.file,
                    s.lines,
                    quartier_core::numbers::format_german(s.length_km, 1),
                    s.crs,
                    s.nodes,
                    s.components,
                    s.replaced
                );
                if s.unconnected_lines > 0 {
                    println!(
                        "  {} Linien hängen nicht am Hauptnetz und werden für Entfernungen nicht benutzt",
                        s.unconnected_lines
                    );
                }
            }
        }
        Command::Import(ImportCommand::Addresses(a)) => {
            let mut atlas = open(&a.atlas)?;
            let s = import_addresses(
                &mut atlas,
                &AddressImport {
                    file: a.file,
                    x_column: a.x_column,
                    y_column: a.y_column,
                    crs: a.crs,
                    residents_column: a.residents_column,
                    age_columns: a.age_columns,
                    sheet: a.sheet,
                },
                &stderr_progress(!a.json),
            )?;
            if a.json {
                print_json(&s)?;
            } else {
                println!(
                    "{}: {} Adressen mit {} Einwohnern ({}), {} frühere ersetzt",
                    s.file,
                    s.addresses,
                    quartier_core::numbers::format_german(s.residents, 0),
                    s.crs,
                    s.replaced
                );
                for (g, n) in &s.groups {
                    println!("  {g}: {}", quartier_core::numbers::format_german(*n, 0));
                }
                if !s.outside_atlas.is_empty() {
                    println!(
                        "  {} Adressen liegen außerhalb der Gebiete des Atlas",
                        s.outside_atlas.len()
                    );
                }
            }
        }
        Command::Import(ImportCommand::Pois(a)) => {
            let mut atlas = open(&a.atlas)?;
            let s = import_pois(
                &mut atlas,
                &PoiImport {
                    file: a.file,
                    category: a.category,
                    x_column: a.x_column,
                    y_column: a.y_column,
                    crs: a.crs,
                    name_column: a.name_column,
                    capacity_column: a.capacity_column,
                    sheet: a.sheet,
                    ..Default::default()
                },
                &stderr_progress(!a.json),
            )?;
            if a.json {
                print_json(&s)?;
            } else {
                println!(
                    "{}: {} Einrichtungen der Kategorie „{}“ ({}), {} mit Kapazität, {} ersetzt",
                    s.file, s.pois_imported, s.category, s.crs, s.with_capacity, s.pois_replaced
                );
                if !s.outside_atlas.is_empty() {
                    println!(
                        "  {} außerhalb der Gebiete des Atlas: {}",
                        s.outside_atlas.len(),
                        s.outside_atlas.join(", ")
                    );
                }
            }
        }
        Command::Import(ImportCommand::Metadata(a)) => {
            let mut atlas = open(&a.atlas)?;
            let s = import_metadata(
                &mut atlas,
                &MetadataImport {
                    file: a.file,
                    sheet: a.sheet,
                },
            )?;
            if a.json {
                print_json(&s)?;
            } else {
                println!(
                    "{}: Metadaten für {} Indikatoren ({} neu)",
                    s.file,
                    s.indicators.len(),
                    s.created.len()
                );
            }
        }
        Command::Info { atlas, json } => {
            let atlas = open(&atlas)?;
            let info = atlas_info(&atlas)?;
            if json {
                print_json(&info)?;
            } else {
                print_info(&info);
            }
        }
        Command::Export(ExportCommand::Values {
            atlas,
            level,
            period,
            format,
            out,
            json,
        }) => {
            let atlas = open(&atlas)?;
            let format = match format {
                FormatArg::Csv => ExportFormat::Csv,
                FormatArg::Xlsx => ExportFormat::Xlsx,
            };
            let s = export_values(&atlas, &level, &period, format, &out)?;
            if json {
                print_json(&s)?;
            } else {
                println!(
                    "{}: {} Gebiete, {} Indikatoren, Ebene „{}“, Zeitraum {}",
                    s.file,
                    s.areas,
                    s.indicators.len(),
                    s.level,
                    s.period
                );
            }
        }
        Command::Aggregate(a) => {
            let mut atlas = open(&a.atlas)?;
            let request = AggregateRequest {
                from_level: a.from_level,
                to_level: a.to_level,
                period: a.period,
                indicators: a.indicators,
                key_prefix: a.key_prefix,
                allow_partial: a.allow_partial,
                unweighted_mean: a.unweighted_mean,
            };
            let r = if a.save {
                save_aggregation(&mut atlas, &request, a.save_suffix.as_deref())?
            } else {
                aggregate(&atlas, &request)?
            };
            if a.json {
                print_json(&r)?;
            } else {
                println!("„{}“ → „{}“, {} ({}):", r.from_level, r.to_level, r.period, r.grouping);
                for ind in &r.indicators {
                    println!("  {} ({})", ind.key, ind.rule);
                    for area in &ind.areas {
                        let value = area
                            .combined
                            .value
                            .map_or("k. A.".to_string(), |v| quartier_core::numbers::format_german(v, 2));
                        println!(
                            "    {:<10} {:<32} {:>14}  {} von {} Teilgebieten; {}",
                            area.key, area.name, value, area.combined.used, area.combined.total, area.combined.note
                        );
                        if let Some(alt) = &area.alternative {
                            println!(
                                "    {:<10} {:<32} {:>14}  {}",
                                "",
                                "",
                                alt.value
                                    .map_or("k. A.".to_string(), |v| quartier_core::numbers::format_german(v, 2)),
                                alt.label
                            );
                        }
                    }
                }
                for refused in &r.refused {
                    println!("  nicht aggregiert: {}: {}", refused.key, refused.reason);
                }
                if !r.unassigned.is_empty() {
                    println!("  ohne übergeordnetes Gebiet: {}", r.unassigned.join(", "));
                }
                if !r.saved.is_empty() {
                    println!("  gespeichert als {}", r.saved.join(", "));
                }
            }
        }
        Command::Classify(a) => {
            let mut atlas = open(&a.series.atlas)?;
            let method = classify_method(&atlas, &a)?;
            let min_population = a.population.rule()?;
            let c = if a.save {
                save_classes(
                    &mut atlas,
                    &a.series.indicator,
                    &a.series.level,
                    &a.series.period,
                    &method,
                    a.classes,
                    min_population.as_ref(),
                )?
            } else {
                classify_series(
                    &atlas,
                    &a.series.indicator,
                    &a.series.level,
                    &a.series.period,
                    &method,
                    a.classes,
                    min_population.as_ref(),
                )?
            };
            if a.json {
                print_json(&c)?;
            } else {
                println!("„{}“ auf Ebene „{}“, {}:", c.indicator, c.level, c.period);
                for (label, n) in c.labels.iter().zip(&c.counts) {
                    println!("  {label:<28} {n:>6} Gebiete");
                }
                println!("  {:<28} {:>6} Gebiete", NO_DATA_LABEL, c.no_data);
                if c.small_areas > 0 {
                    println!("  {:<28} {:>6} Gebiete", SMALL_AREA_LABEL, c.small_areas);
                }
                if !c.saved.is_empty() {
                    println!("  gespeichert als {}", c.saved.join(", "));
                }
            }
        }
        Command::Distance(a) => {
            let mut atlas = open(&a.atlas)?;
            let request = distance_request(&atlas, &a)?;
            let progress = stderr_progress(!a.json);
            let r = if a.save {
                save_distance(&mut atlas, &request, &progress)?
            } else {
                distance(&atlas, &request, &progress)?
            };
            if let (Some(file), Some(iso)) = (&a.isochrones, &r.isochrones) {
                std::fs::write(file, serde_json::to_string(iso)?).map_err(|e| quartier_core::Error::Io {
                    path: file.clone(),
                    source: e,
                })?;
            }
            if a.json {
                print_json(&r)?;
            } else {
                print_distance(&r);
            }
        }
        Command::Rank(a) => {
            let mut atlas = open(&a.series.atlas)?;
            let r = if a.save {
                save_ranking(
                    &mut atlas,
                    &a.series.indicator,
                    &a.series.level,
                    &a.series.period,
                    a.ascending,
                )?
            } else {
                rank(
                    &atlas,
                    &a.series.indicator,
                    &a.series.level,
                    &a.series.period,
                    a.ascending,
                )?
            };
            if a.json {
                print_json(&r)?;
            } else {
                let de = |v: Option<f64>, d: usize| {
                    v.map_or("k. A.".to_string(), |v| quartier_core::numbers::format_german(v, d))
                };
                println!("„{}“ auf Ebene „{}“, {} ({}):", r.indicator, r.level, r.period, r.order);
                println!("  Gesamtstadt: {} ({})", de(r.reference, 2), r.reference_method);
                for x in &r.areas {
                    println!(
                        "  {:>4}. {:<10} {:<32} {:>12} {:>+10} {:>8} %  Index {}",
                        x.rank,
                        x.key,
                        x.name,
                        de(Some(x.value), 2),
                        de(x.deviation, 2),
                        de(x.deviation_percent, 1),
                        de(x.index, 1)
                    );
                }
                if !r.without_value.is_empty() {
                    println!("  ohne Wert: {}", r.without_value.join(", "));
                }
                if !r.saved.is_empty() {
                    println!("  gespeichert als {}", r.saved.join(", "));
                }
            }
        }
        Command::Hotspots(a) => {
            let mut atlas = open(&a.series.atlas)?;
            let request = LisaRequest {
                indicator: a.series.indicator,
                level: a.series.level,
                period: a.series.period,
                permutations: a.permutations,
                seed: a.seed,
                significance: a.significance,
            };
            let progress = stderr_progress(!a.json);
            let r = if a.save {
                save_lisa(&mut atlas, &request, &progress)?
            } else {
                lisa(&atlas, &request, &progress)?
            };
            if a.json {
                print_json(&r)?;
            } else {
                let de = |v: f64, d: usize| quartier_core::numbers::format_german(v, d);
                println!(
                    "„{}“ auf Ebene „{}“, {}: Moran's I = {} (Erwartung {}, p = {}), {} Gebiete mit im Mittel {} Nachbarn",
                    r.request.indicator,
                    r.request.level,
                    r.request.period,
                    de(r.moran_i, 3),
                    de(r.moran_expected, 3),
                    de(r.moran_p, 3),
                    r.areas.len(),
                    de(r.mean_neighbours, 1)
                );
                for (label, n) in &r.counts {
                    println!("  {label:<28} {n:>6}");
                }
                for x in r.areas.iter().filter(|x| !matches!(x.class, LisaClass::NotSignificant)) {
                    println!("    {:<10} {:<32} {:<28} p = {}", x.key, x.name, x.label, de(x.p, 3));
                }
                for (key, why) in &r.left_out {
                    println!("  nicht berücksichtigt: {key} ({why})");
                }
                if !r.saved.is_empty() {
                    println!("  gespeichert als {}", r.saved.join(", "));
                }
            }
        }
        Command::Index(a) => {
            let mut atlas = open(&a.atlas)?;
            let config = index_config(&a)?;
            let result = match &a.save {
                Some(key) => save_composite_index(&mut atlas, &config, key, &stderr_progress(!a.json))?,
                None => composite_index(&atlas, &config, &stderr_progress(!a.json))?,
            };
            if a.json {
                print_json(&result)?;
            } else {
                print_index(&result);
            }
        }
        Command::Suppress(a) => {
            let mut atlas = open(&a.atlas)?;
            let mut rules = atlas.suppression_rules()?;
            if let Some(t) = a.threshold {
                if t < 0 {
                    return Err(invalid(format!("--threshold muss 0 oder größer sein, nicht {t}")));
                }
                rules.threshold = t;
            }
            rules.suppress_zero |= a.suppress_zero;
            if a.set_default {
                atlas.set_suppression_rules(&rules)?;
            }
            let report = suppress(
                &atlas,
                &SuppressRequest {
                    level: a.level,
                    period: a.period,
                    indicators: a.indicators,
                    rules: Some(rules),
                    min_population: a.population.rule()?,
                },
            )?;
            if a.json {
                print_json(&report)?;
            } else {
                print_suppression(&report);
            }
        }
        Command::StatusDynamics(a) => {
            let mut atlas = open(&a.atlas)?;
            let config = status_dynamics_config(&atlas, &a)?;
            let result = if a.save {
                save_status_dynamics(&mut atlas, &config)?
            } else {
                status_dynamics(&atlas, &config)?
            };
            if a.json {
                print_json(&result)?;
            } else {
                print_status_dynamics(&result);
            }
        }
        Command::Open { .. } => unreachable!("handled by main"),
    }
    Ok(())
}

fn print_info(info: &quartier_core::info::AtlasInfo) {
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
