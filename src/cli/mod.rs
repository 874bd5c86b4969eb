//! The command line: one room per family of verbs, and in each the same three steps in the
//! same order: typed arguments (clap derive, [`clap::ValueEnum`] for every closed set) → one
//! `resolve` into the engine's request → run the engine and print text or `--json` (the JSON
//! types are the engine's results, or live beside the verb).
//!
//! | room | verbs |
//! |---|---|
//! | [`atlas`] | `new`, `sample`, `info`, `open` |
//! | [`import`] | `import geometry|values|pois|metadata|addresses|network` |
//! | [`analysis`] | `aggregate`, `crosswalk`, `compute`, `check-sizes`, `regionalise`, `query`, `suppress`, `classify`, `status-dynamics`, `index`, `rank`, `hotspots` |
//! | [`distance`] | `distance` |
//! | [`export`] | `export values|geopackage|geojson|geoparquet` |
//! | [`manage`] | `delete indicator|level|pois`, `rename level` |
//! | [`report`] | `report area|profiles|template|text` |
//! | [`story`] | `bookmark add|list`, `story add|list|export` |
//! | [`publish`] | `release`, `publish` |
//! | [`exchange`] | `export package`, `import package` |
//!
//! The verb still to come gets a room of its own beside these: `compute`. To add a verb: its `…Args` with a [`Verb`] impl in its room,
//! one variant in [`Command`], one arm in [`run`], a test that passes each of its flags
//! (`tests/cli_flags.rs` checks that), and its JSON in the README.
//!
//! Exit codes: 0 success, 1 bad input (German message on stderr), 2 internal error.
//! Usage errors are in German too ([`german`]).

pub mod analysis;
pub mod atlas;
pub mod common;
pub mod distance;
pub mod exchange;
pub mod export;
pub mod import;
pub mod manage;
pub mod publish;
pub mod report;
pub mod story;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// One verb: typed arguments that resolve themselves into an engine request, run it and print.
pub trait Verb {
    /// Runs the verb; `Ok(())` is exit code 0.
    fn run(self) -> Result<()>;
}

/// Quartier: Werkbank für kleinräumiges Monitoring. Ohne Befehl öffnet sich die App.
#[derive(Debug, Parser)]
#[command(name = "quartier", version = crate::VERSION, about)]
pub struct Cli {
    /// Der Befehl; ohne Befehl startet die App mit dem Beispielatlas.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Legt einen neuen, leeren Atlas an.
    New(atlas::NewArgs),
    /// Baut den Beispielatlas Berlin aus sample_data/.
    Sample(atlas::SampleArgs),
    /// Importiert Geometrie, Werte, Einrichtungen oder Metadaten.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Zeigt Ebenen, Indikatoren mit Zeiträumen und Abdeckung, Einrichtungen.
    Info(atlas::InfoArgs),
    /// Exportiert Tabellen, GIS-Dateien, Karten und Diagramme.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Erstellt Berichte: den Gebietsbericht als PDF, DOCX oder XLSX.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Aggregiert Indikatoren auf eine gröbere Ebene oder die Gesamtstadt (nach ihrer Regel).
    Aggregate(analysis::aggregate::AggregateArgs),
    /// Klassen für eine Karte (gleiche Intervalle, Quantile, natürliche Unterbrechungen …).
    Classify(analysis::classify::ClassifyArgs),
    /// Zusammengesetzter Index mit Normierung, Gewichten, Prüfungen und Unsicherheitsanalyse.
    Index(analysis::index::IndexArgs),
    /// Erreichbarkeit: Entfernung zur nächsten Einrichtung, Anteile im Umkreis, Versorgungsquote (2SFCA).
    Distance(distance::DistanceArgs),
    /// Berechneter Indikator aus einer Formel über andere (z. B. "ew_65plus / ew * 100"); --refresh rechnet veraltete neu.
    Compute(analysis::compute::ComputeArgs),
    /// Überträgt Indikatoren auf Gebiete, die nicht aufgehen (Verschneidung nach Fläche oder Adressen).
    Crosswalk(analysis::crosswalk::CrosswalkArgs),
    /// Abfrage in SQL über die Werte (Sicht „werte“, nur lesend, geheim gehalten außer mit --intern).
    Query(analysis::query::QueryArgs),
    /// Zu kleine Gebiete: welche Gebiete einer Ebene eine Regel wie „ew>=1000“ nicht erfüllen.
    CheckSizes(analysis::sizes::CheckSizesArgs),
    /// Schlägt vor, zu kleine Gebiete mit Nachbarn im selben übergeordneten Gebiet zu einer neuen Ebene zusammenzulegen.
    Regionalise(analysis::sizes::RegionaliseArgs),
    /// Rangfolge der Gebiete mit Abweichung vom Gesamtstadtwert.
    Rank(analysis::rank::RankArgs),
    /// Räumliche Cluster: Moran's I und LISA-Klassen (Hotspots, Coldspots, Ausreißer).
    Hotspots(analysis::hotspots::HotspotArgs),
    /// Geheimhaltung: welche Werte „k. A.“ werden müssen und warum (primär, abgeleitet, sekundär).
    Suppress(analysis::suppress::SuppressArgs),
    /// Status- und Dynamikindex je Gebiet mit 4 × 3-Klassen (Berlin MSS, Hamburg RISE, Solingen).
    StatusDynamics(analysis::status_dynamics::StatusDynamicsArgs),
    /// Löscht einen Indikator, eine Ebene oder eine Einrichtungsart (erst mit --yes).
    #[command(subcommand)]
    Delete(manage::DeleteCommand),
    /// Benennt eine Ebene um.
    #[command(subcommand)]
    Rename(manage::RenameCommand),
    /// Lesezeichen: eine Ansicht (Ebene, Indikator, Zeitraum, Klassen, Auswahl) mit Einschätzungstext.
    #[command(subcommand)]
    Bookmark(story::BookmarkCommand),
    /// Storys: Lesezeichen in Reihenfolge mit Einleitung; als Handout (PDF, PowerPoint).
    #[command(subcommand)]
    Story(story::StoryCommand),
    /// Freigabe zur Veröffentlichung: Indikatoren je Ebene, Einrichtungsarten mit Merkmalen, Storys.
    Release(publish::ReleaseArgs),
    /// Das öffentliche Bündel schreiben (mit --check nur zeigen, was den Rechner verließe).
    Publish(publish::PublishArgs),
    /// Öffnet die App mit einem Atlas.
    Open(atlas::OpenArgs),
}

/// Runs one headless verb. `open` starts the app and is `main`'s.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::New(a) => a.run(),
        Command::Sample(a) => a.run(),
        Command::Import(a) => a.run(),
        Command::Info(a) => a.run(),
        Command::Export(a) => a.run(),
        Command::Report(a) => a.run(),
        Command::Aggregate(a) => a.run(),
        Command::Classify(a) => a.run(),
        Command::Index(a) => a.run(),
        Command::Distance(a) => a.run(),
        Command::Compute(a) => a.run(),
        Command::Crosswalk(a) => a.run(),
        Command::Query(a) => a.run(),
        Command::CheckSizes(a) => a.run(),
        Command::Regionalise(a) => a.run(),
        Command::Rank(a) => a.run(),
        Command::Hotspots(a) => a.run(),
        Command::Suppress(a) => a.run(),
        Command::StatusDynamics(a) => a.run(),
        Command::Delete(a) => a.run(),
        Command::Rename(a) => a.run(),
        Command::Bookmark(a) => a.run(),
        Command::Story(a) => a.run(),
        Command::Release(a) => a.run(),
        Command::Publish(a) => a.run(),
        Command::Open(a) => crate::app::run(a.atlas, a.present),
    }
}
