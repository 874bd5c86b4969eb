//! `quartier import geometry|values|pois|metadata|addresses|network`: files into the atlas.
//! Each import is one transaction; a failed one writes nothing and lists its problems.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use quartier_core::import::addresses::{import_addresses, AddressImport, AddressImportSummary};
use quartier_core::import::geometry::{import_geometry, GeometryImport, GeometryImportSummary};
use quartier_core::import::metadata::{import_metadata, write_template, MetadataImport, MetadataImportSummary};
use quartier_core::import::network::{import_network, NetworkImport, NetworkImportSummary};
use quartier_core::import::pois::{import_pois, PoiImport, PoiImportSummary};
use quartier_core::import::reference::{import_reference, ReferenceImport};
use quartier_core::import::values::{
    import_values, LongForm, MatchBy, UnmatchedPolicy, ValuesImport, ValuesImportSummary,
};
use quartier_core::numbers::{describe_sign, DashMeaning, DecimalSeparator};

use super::common::{emit, open, stderr_progress};
use super::Verb;

/// Runs an import, or with `--check` its dry run: the same checks and the same report, in a
/// transaction that is rolled back, so nothing is written.
fn run_import<T>(
    atlas: &mut quartier_core::Atlas,
    check: bool,
    work: impl FnOnce(&mut quartier_core::Atlas) -> quartier_core::Result<T>,
) -> Result<T> {
    if !check {
        return Ok(work(atlas)?);
    }
    let summary = atlas.trial(work)?;
    eprintln!("Probelauf (--check): geprüft, nichts wurde geschrieben.");
    Ok(summary)
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
    /// Amtliche Referenzwerte (die veröffentlichte Summenzeile) aus einer eigenen Datei.
    Reference(ReferenceArgs),
    /// Signiertes Datenpaket eines anderen Atlas (Kreis ↔ Gemeinde); überschreibt nichts ohne --prefer package.
    Package(super::exchange::PackageImportArgs),
}

/// `quartier import reference`
#[derive(Debug, Args)]
pub struct ReferenceArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// .csv, .xlsx, .xls oder .ods
    #[arg(long)]
    pub file: PathBuf,
    /// Ebene, deren Referenz die Werte sind
    #[arg(long)]
    pub level: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Name der Zeile mit den amtlichen Werten, z. B. Hamburg
    #[arg(long)]
    pub row: String,
    /// Tabellenblatt
    #[arg(long)]
    pub sheet: Option<String>,
    /// Probelauf: prüfen und denselben Bericht geben, nichts schreiben
    #[arg(long)]
    pub check: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for ReferenceArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let request = ReferenceImport {
            file: self.file.clone(),
            level: self.level.clone(),
            period: self.period.clone(),
            row: self.row.clone(),
            sheet: self.sheet.clone(),
        };
        let summary = run_import(&mut atlas, self.check, |a| import_reference(a, &request))?;
        emit(self.json, &summary, |s| {
            println!(
                "{}, Zeile {}: {} amtliche Referenzwerte für Ebene „{}“, Zeitraum {}",
                s.file,
                s.line,
                s.values.len(),
                s.level,
                s.period
            );
            for v in &s.values {
                println!("  {}: {}", v.indicator, v.value);
            }
            if !s.skipped_columns.is_empty() {
                println!(
                    "  Ohne passenden Indikator (nicht übernommen): {}",
                    s.skipped_columns.join(", ")
                );
            }
        })
    }
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
    /// Probelauf: prüfen und denselben Bericht geben, nichts schreiben
    #[arg(long)]
    pub check: bool,
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
    /// Probelauf: prüfen und denselben Bericht geben, nichts schreiben
    #[arg(long)]
    pub check: bool,
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
    /// Eine neue Ebene anlegen, auch wenn eine gleichnamige (Schreibweise, Mehrzahl) oder
    /// eine mit denselben Flächen besteht
    #[arg(long)]
    pub new_level: bool,
    /// Probelauf: prüfen und denselben Bericht geben, nichts schreiben
    #[arg(long)]
    pub check: bool,
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

/// What a lone dash means on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DashArg {
    /// nichts vorhanden: genau null (amtliche Zeichenerklärung, Standard)
    Zero,
    /// keine Angabe: fehlt (manche kommunalen Dateien)
    Missing,
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
    /// Was ein einzelner Strich („–“, „-“) bedeutet: zero = nichts vorhanden (0), missing = fehlt
    #[arg(long, value_enum, default_value = "zero")]
    pub dash: DashArg,
    /// Mit --create-missing: das Anlegen von mehr als fünf Gebieten bestätigen
    #[arg(long)]
    pub yes: bool,
    /// Name einer Summenzeile, deren Werte die amtliche Referenz der Ebene werden (z. B. Hamburg)
    #[arg(long)]
    pub reference_row: Option<String>,
    /// Zeilen für mehrere Gebiete („A und B“) als zusammengefasstes Gebiet anlegen, das für seine Teile steht
    #[arg(long)]
    pub merge_rows: bool,
    /// Probelauf: prüfen und denselben Bericht geben, nichts schreiben
    #[arg(long)]
    pub check: bool,
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
    /// Probelauf: prüfen und denselben Bericht geben, nichts schreiben
    #[arg(long)]
    pub check: bool,
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
    #[arg(long, required_unless_present = "template")]
    pub file: Option<PathBuf>,
    /// Schreibt ein leeres Metadatenblatt mit allen Spalten und einem erklärenden zweiten Blatt (.xlsx)
    #[arg(long, conflicts_with = "file")]
    pub template: Option<PathBuf>,
    /// Tabellenblatt
    #[arg(long)]
    pub sheet: Option<String>,
    /// Probelauf: prüfen und denselben Bericht geben, nichts schreiben
    #[arg(long)]
    pub check: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl GeometryArgs {
    /// The engine's request.
    fn resolve(&self) -> GeometryImport {
        GeometryImport {
            level: self.level.clone(),
            file: self.file.clone(),
            key_column: self.key_column.clone(),
            name_column: self.name_column.clone(),
            parent_level: self.parent_level.clone(),
            parent_key_column: self.parent_key_column.clone(),
            crs: self.crs.clone(),
            new_level: self.new_level,
        }
    }
}

impl Verb for GeometryArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let (request, progress) = (self.resolve(), stderr_progress(!self.json));
        let mut summary = run_import(&mut atlas, self.check, |a| import_geometry(a, &request, &progress))?;
        if !self.check {
            summary.recomputed = recompute_stale(&mut atlas)?;
        }
        emit(self.json, &summary, print_geometry)
    }
}

fn print_geometry(s: &GeometryImportSummary) {
    println!(
        "{}: {} Flächen auf Ebene „{}“ ({} neu, {} ersetzt), Bezugssystem {} ({}), Gesamtfläche {} km²",
        s.file,
        s.areas_read,
        s.level,
        s.areas_created,
        s.areas_updated,
        s.crs,
        s.crs_source,
        quartier_core::numbers::format_german(s.total_area_km2, 1)
    );
    for warning in &s.warnings {
        println!("  Achtung: {warning}");
    }
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
    print_recomputed(&s.recomputed);
}

impl ValuesArgs {
    /// The engine's request.
    fn resolve(&self) -> ValuesImport {
        let long = self.long.then(|| LongForm {
            indicator_column: self.indicator_column.clone().unwrap_or_default(),
            period_column: self.period_column.clone().unwrap_or_default(),
            value_column: self.value_column.clone().unwrap_or_default(),
        });
        ValuesImport {
            file: self.file.clone(),
            level: self.level.clone(),
            key_column: self.key_column.clone(),
            name_column: self.name_column.clone(),
            period: self.period.clone(),
            sheet: self.sheet.clone(),
            columns: self.columns.clone(),
            long,
            unmatched: if self.skip_unmatched {
                UnmatchedPolicy::Skip
            } else if self.create_missing {
                UnmatchedPolicy::CreateMissing
            } else {
                UnmatchedPolicy::Abort
            },
            match_by: match self.match_by {
                MatchArg::Key => MatchBy::Key,
                MatchArg::Name => MatchBy::Name,
            },
            decimal: self.decimal.map(|d| match d {
                DecimalArg::Comma => DecimalSeparator::Comma,
                DecimalArg::Point => DecimalSeparator::Point,
            }),
            dash: match self.dash {
                DashArg::Zero => DashMeaning::Zero,
                DashArg::Missing => DashMeaning::Missing,
            },
            confirm_create: self.yes,
            reference_row: self.reference_row.clone(),
            merge_rows: self.merge_rows,
        }
    }
}

impl Verb for ValuesArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let (request, progress) = (self.resolve(), stderr_progress(!self.json));
        let mut summary = run_import(&mut atlas, self.check, |a| import_values(a, &request, &progress))?;
        if !self.check {
            summary.recomputed = quartier_core::analysis::compute::refresh_dependents(&mut atlas, &summary.indicators)?
                .into_iter()
                .map(|o| o.key)
                .collect();
        }
        emit(self.json, &summary, print_values)
    }
}

fn print_values(s: &ValuesImportSummary) {
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
        } else if s.indicators_created.len() == s.indicators.len() {
            "alle".into()
        } else {
            s.indicators_created.join(", ")
        }
    );
    if !s.categorical.is_empty() {
        println!("  kategorial (Text): {}", s.categorical.join(", "));
    }
    print_recomputed(&s.recomputed);
    if !s.keys_from_headings.is_empty() {
        println!("  Kurze Schlüssel für lange Spaltenüberschriften (die Überschrift ist der Name):");
        for k in &s.keys_from_headings {
            println!("    {} ← „{}“", k.key, k.heading);
        }
    }
    if s.keys_padded > 0 {
        println!("  {} Schlüssel mit führenden Nullen ergänzt", s.keys_padded);
    }
    let c = &s.changes;
    println!(
        "  Gegenüber dem Atlas: {} neu, {} unverändert, {} geändert",
        c.new, c.unchanged, c.changed
    );
    for change in &c.largest {
        println!(
            "    {} · {} · {}: {} → {}",
            change.indicator, change.period, change.area, change.before, change.after
        );
    }
    for warning in &s.warnings {
        println!("  Achtung: {warning}");
    }
    if let Some(r) = &s.reference_row {
        println!(
            "  Amtliche Referenz der Ebene aus Zeile {} („{}“): {} Werte",
            r.line, r.name, r.values
        );
    }
    if !s.signs.is_empty() {
        println!("  Zeichen:");
        for (sign, n) in &s.signs {
            println!("    {n} × „{sign}“: {}", describe_sign(sign, s.dash));
        }
    }
    for (title, rows) in [
        ("Summenzeilen (nicht importiert)", &s.total_rows),
        ("Zusammengefasste Gebiete (nicht importiert)", &s.merged_rows),
        (
            "Gleichnamige Gebiete einer feineren Ebene (nicht importiert)",
            &s.namesakes,
        ),
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
    if !s.combined_areas_created.is_empty() {
        println!("  Zusammengefasste Gebiete angelegt (stehen für ihre Teile, wo diese keinen Wert haben):");
        for c in &s.combined_areas_created {
            println!(
                "    Zeile {}: {} „{}“ aus {}",
                c.line,
                c.key,
                c.name,
                c.members.join(", ")
            );
        }
    }
}

impl NetworkArgs {
    /// The engine's request.
    fn resolve(&self) -> NetworkImport {
        NetworkImport {
            file: self.file.clone(),
            crs: self.crs.clone(),
        }
    }
}

impl Verb for NetworkArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let (request, progress) = (self.resolve(), stderr_progress(!self.json));
        let summary = run_import(&mut atlas, self.check, |a| import_network(a, &request, &progress))?;
        emit(self.json, &summary, print_network)
    }
}

fn print_network(s: &NetworkImportSummary) {
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

impl AddressArgs {
    /// The engine's request.
    fn resolve(&self) -> AddressImport {
        AddressImport {
            file: self.file.clone(),
            x_column: self.x_column.clone(),
            y_column: self.y_column.clone(),
            crs: self.crs.clone(),
            residents_column: self.residents_column.clone(),
            age_columns: self.age_columns.clone(),
            sheet: self.sheet.clone(),
        }
    }
}

impl Verb for AddressArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let (request, progress) = (self.resolve(), stderr_progress(!self.json));
        let summary = run_import(&mut atlas, self.check, |a| import_addresses(a, &request, &progress))?;
        emit(self.json, &summary, print_addresses)
    }
}

fn print_addresses(s: &AddressImportSummary) {
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

impl PoiArgs {
    /// The engine's request.
    fn resolve(&self) -> PoiImport {
        PoiImport {
            file: self.file.clone(),
            category: self.category.clone(),
            x_column: self.x_column.clone(),
            y_column: self.y_column.clone(),
            crs: self.crs.clone(),
            name_column: self.name_column.clone(),
            capacity_column: self.capacity_column.clone(),
            sheet: self.sheet.clone(),
            ..Default::default()
        }
    }
}

impl Verb for PoiArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let (request, progress) = (self.resolve(), stderr_progress(!self.json));
        let mut summary = run_import(&mut atlas, self.check, |a| import_pois(a, &request, &progress))?;
        if !self.check {
            summary.recomputed = recompute_stale(&mut atlas)?;
        }
        emit(self.json, &summary, print_pois)
    }
}

/// Computed indicators whose inputs an import changed besides values (geometry, POIs),
/// recomputed in a transaction of their own: their keys.
fn recompute_stale(atlas: &mut quartier_core::Atlas) -> Result<Vec<String>> {
    Ok(quartier_core::analysis::compute::refresh(atlas, None)?
        .into_iter()
        .map(|o| o.key)
        .collect())
}

fn print_recomputed(recomputed: &[String]) {
    if !recomputed.is_empty() {
        println!("  berechnete Indikatoren neu berechnet: {}", recomputed.join(", "));
    }
}

fn print_pois(s: &PoiImportSummary) {
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
    print_recomputed(&s.recomputed);
}

impl MetadataArgs {
    /// The engine's request.
    fn resolve(&self) -> MetadataImport {
        MetadataImport {
            file: self.file.clone().unwrap_or_default(),
            sheet: self.sheet.clone(),
        }
    }
}

impl Verb for MetadataArgs {
    fn run(self) -> Result<()> {
        if let Some(template) = &self.template {
            write_template(template)?;
            let written = TemplateWritten {
                template: template.display().to_string(),
                columns: quartier_core::import::metadata::COLUMNS
                    .iter()
                    .map(|c| c.0.to_string())
                    .collect(),
            };
            return emit(self.json, &written, |w| {
                println!(
                    "Leeres Metadatenblatt geschrieben: {} ({} Spalten, Erläuterung auf dem zweiten Blatt)",
                    w.template,
                    w.columns.len()
                )
            });
        }
        let mut atlas = open(&self.atlas)?;
        let request = self.resolve();
        let summary = run_import(&mut atlas, self.check, |a| import_metadata(a, &request))?;
        emit(self.json, &summary, print_metadata)
    }
}

/// What `import metadata --template` wrote.
#[derive(serde::Serialize)]
struct TemplateWritten {
    template: String,
    columns: Vec<String>,
}

fn print_metadata(s: &MetadataImportSummary) {
    println!(
        "{}: Metadaten für {} Indikatoren ({} neu)",
        s.file,
        s.indicators.len(),
        s.created.len()
    );
    for warning in &s.warnings {
        println!("  Achtung: {warning}");
    }
}

impl Verb for ImportCommand {
    fn run(self) -> Result<()> {
        match self {
            ImportCommand::Geometry(a) => a.run(),
            ImportCommand::Values(a) => a.run(),
            ImportCommand::Pois(a) => a.run(),
            ImportCommand::Metadata(a) => a.run(),
            ImportCommand::Addresses(a) => a.run(),
            ImportCommand::Network(a) => a.run(),
            ImportCommand::Reference(a) => a.run(),
            ImportCommand::Package(a) => a.run(),
        }
    }
}
