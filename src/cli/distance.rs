//! `quartier distance`: accessibility of POIs (engine: [`quartier_core::analysis::distance`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use quartier_core::analysis::distance::{
    distance, save_distance, Decay, DistanceRequest, DistanceResult, OriginKind, PlannedPoi, SupplyRequest,
};
use quartier_core::import::geometry::read_polygons;
use quartier_core::import::pois::{read_pois, PoiImport};
use quartier_core::numbers::format_german_or_no_data;
use quartier_core::Atlas;

use super::common::{emit, invalid, open, stderr_progress};
use super::Verb;

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
    #[arg(long, value_enum, default_value = "grid")]
    pub origins: OriginsArg,
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
    #[arg(long, value_enum, default_value = "none")]
    pub decay: DecayArg,
    /// Geplante Einrichtungen (GeoJSON/CSV/XLSX) als Szenario, nicht gespeichert
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Einrichtungen außerhalb aller Gebiete: keep (mitrechnen) oder exclude
    #[arg(long, value_enum, default_value = "keep")]
    pub outside: OutsideArg,
    /// Ergebnisse als abgeleitete Indikatoren speichern
    #[arg(long)]
    pub save: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `--origins`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OriginsArg {
    /// Raster in den Flächen, Einwohner gleich verteilt
    #[value(alias = "raster")]
    Grid,
    /// Ein Punkt je Fläche (grob)
    #[value(alias = "schwerpunkte")]
    Centroids,
    /// Adresspunkte aus import addresses
    #[value(alias = "adressen")]
    Addresses,
}

/// `--decay`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecayArg {
    /// Keine Gewichtung im Einzugsbereich
    #[value(alias = "keine")]
    None,
    /// Gauß-Abnahme nach Dai (2010)
    #[value(alias = "gauss")]
    Gaussian,
}

/// `--outside`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutsideArg {
    /// Einrichtungen außerhalb aller Gebiete mitrechnen
    Keep,
    /// Auslassen
    Exclude,
}

impl DistanceArgs {
    /// The engine's request: categories gathered, origins read, the scenario's planned POIs read.
    fn resolve(&self, atlas: &Atlas) -> Result<DistanceRequest> {
        let a = self;
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
        let origins = match a.origins {
            OriginsArg::Grid => OriginKind::Grid {
                cell: a.grid_cell,
                residential: a
                    .residential
                    .as_ref()
                    .map(|f| read_polygons(f, a.residential_crs.as_deref()))
                    .transpose()?,
            },
            OriginsArg::Centroids => OriginKind::Centroids,
            OriginsArg::Addresses => OriginKind::Addresses {
                group: a.address_group.clone(),
            },
        };
        if a.residential.is_some() && !matches!(origins, OriginKind::Grid { .. }) {
            return Err(invalid("--residential gilt nur mit --origins grid"));
        }
        if a.address_group.is_some() && !matches!(origins, OriginKind::Addresses { .. }) {
            return Err(invalid("--address-group gilt nur mit --origins addresses"));
        }
        let population_indicator = a.population_indicator.clone();
        let decay = match a.decay {
            DecayArg::None => Decay::None,
            DecayArg::Gaussian => Decay::Gaussian,
        };
        let keep_outside = a.outside == OutsideArg::Keep;
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
}

impl Verb for DistanceArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let request = self.resolve(&atlas)?;
        let progress = stderr_progress(!self.json);
        let result = if self.save {
            save_distance(&mut atlas, &request, &progress)?
        } else {
            distance(&atlas, &request, &progress)?
        };
        if let (Some(file), Some(isochrones)) = (&self.isochrones, &result.isochrones) {
            std::fs::write(file, serde_json::to_string(isochrones)?).map_err(|e| quartier_core::Error::io(file, e))?;
        }
        emit(self.json, &result, print_distance)
    }
}

fn print_distance(r: &DistanceResult) {
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
        format_german_or_no_data(r.overall_mean, 0)
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
        let within: Vec<String> = a
            .within
            .iter()
            .map(|w| format!("{} %", format_german_or_no_data(*w, 0)))
            .collect();
        let change = match &r.baseline {
            Some(b) => match (a.mean, b[i].mean) {
                (Some(now), Some(before)) if (now - before).abs() > 0.5 => {
                    format!("  (vorher {} m)", format_german_or_no_data(Some(before), 0))
                }
                _ => String::new(),
            },
            None => String::new(),
        };
        println!(
            "  {:<10} {:<30} {:>8} {:>8} {:>8}  {}  {}{change}",
            a.key,
            a.name,
            format_german_or_no_data(a.mean, 0),
            format_german_or_no_data(a.median, 0),
            format_german_or_no_data(a.p90, 0),
            within.join(" / "),
            if r.request.supply.is_some() {
                format_german_or_no_data(a.supply_per_100, 1)
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
