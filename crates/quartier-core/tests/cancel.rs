//! *Abbrechen* in every long operation: each is cancelled in the middle of a named phase (the
//! sink answers "cancelled" right after the engine reports that phase), ends with
//! `Error::Cancelled`, and leaves the atlas exactly as it was.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::*;
use quartier_core::analysis::aggregate::{save_aggregation, AggregateRequest};
use quartier_core::analysis::distance::{save_distance, DistanceRequest, OriginKind};
use quartier_core::analysis::index::{
    save_composite_index, Aggregation, IndexConfig, MissingPolicy, Normalisation, Uncertainty,
};
use quartier_core::analysis::status_dynamics::{save_status_dynamics, Preset};
use quartier_core::analysis::suppress::{suppress, SuppressRequest};
use quartier_core::analysis::IndicatorChoice;
use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::import::values::{import_values, ValuesImport};
use quartier_core::progress::Progress;
use quartier_core::{Atlas, Error};

/// Everything a write could change, read through a separate connection: the overview, the
/// audit log, and every stored series.
fn fingerprint(atlas: &Atlas) -> String {
    let info = serde_json::to_string(&quartier_core::info::atlas_info(atlas).unwrap()).unwrap();
    let conn = rusqlite::Connection::open(atlas.path()).unwrap();
    let log: i64 = conn
        .query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    let series: String = conn
        .query_row(
            "SELECT group_concat(indicator_id || ':' || period_id || ':' || level_id || ':' || hex(data), ';') FROM value_series",
            [],
            |r| r.get::<_, Option<String>>(0),
        )
        .unwrap()
        .unwrap_or_default();
    let pois: i64 = conn.query_row("SELECT COUNT(*) FROM poi", [], |r| r.get(0)).unwrap();
    format!("{info}|{log}|{pois}|{}", series.len()) + &series
}

/// Runs `work` with a sink that cancels in `phase`; asserts it was cancelled there and
/// changed nothing.
fn cancelled_in<T>(
    atlas: &mut Atlas,
    phase: &str,
    work: impl FnOnce(&mut Atlas, &dyn Progress) -> quartier_core::Result<T>,
) {
    let before = fingerprint(atlas);
    let sink = CancelIn::new(phase);
    let outcome = work(atlas, &sink);
    let what = match &outcome {
        Ok(_) => "finished".to_string(),
        Err(e) => e.to_string(),
    };
    assert!(
        matches!(outcome, Err(Error::Cancelled)),
        "not cancelled in „{phase}“ (stages: {:?}): {what}",
        sink.stages.borrow()
    );
    assert!(
        sink.hit.get(),
        "the phase „{phase}“ was reported: {:?}",
        sink.stages.borrow()
    );
    assert_eq!(
        fingerprint(atlas),
        before,
        "nothing written when cancelled in „{phase}“"
    );
}

#[test]
fn every_long_operation_stops_when_cancelled_and_writes_nothing() {
    let (dir, mut atlas) = sample_atlas();

    // Status/dynamics (MSS on the Planungsräume), cancelled while computing and before saving.
    let config = Preset::BerlinMss
        .config(&atlas, "Planungsraum", "2019", None, &HashMap::new())
        .unwrap();
    for phase in ["Indizes und Klassen", "Speichern"] {
        cancelled_in(&mut atlas, phase, |a, p| save_status_dynamics(a, &config, p));
    }

    // Aggregation to the Bezirksregionen.
    let request = AggregateRequest {
        from_level: "Planungsraum".into(),
        to_level: Some("Bezirksregion".into()),
        period: "2020".into(),
        indicators: vec!["ew".into(), "anteil_u6".into()],
        ..Default::default()
    };
    for phase in ["Zusammenfassen", "Speichern"] {
        cancelled_in(&mut atlas, phase, |a, p| save_aggregation(a, &request, Some("_agg"), p));
    }

    // The suppression check, between indicators.
    let request = SuppressRequest {
        level: "Planungsraum".into(),
        period: "2020".into(),
        ..Default::default()
    };
    cancelled_in(&mut atlas, "prüfen", |a, p| suppress(a, &request, p));

    // Distance to Kitas: each phase, from a grid of homes and from centroids.
    let distance = DistanceRequest {
        categories: vec!["Kita".into()],
        level: "Planungsraum".into(),
        period: Some("2020".into()),
        population_indicator: Some("ew_u6".into()),
        origins: OriginKind::Grid {
            cell: 100.0,
            residential: None,
        },
        radii: vec![300.0, 500.0],
        keep_outside: true,
        network: false,
        isochrones: None,
        supply: None,
        scenario: vec![],
    };
    for phase in [
        "Wohnorte verteilen",
        "Nächste Einrichtung",
        "Erreichbare Einrichtungen",
        "Speichern",
    ] {
        cancelled_in(&mut atlas, phase, |a, p| save_distance(a, &distance, p));
    }
    let centroids = DistanceRequest {
        origins: OriginKind::Centroids,
        ..distance.clone()
    };
    cancelled_in(&mut atlas, "Nächste Einrichtung", |a, p| {
        save_distance(a, &centroids, p)
    });

    // A composite index with its Monte Carlo ranks.
    let index = IndexConfig {
        level: "Planungsraum".into(),
        period: "2019".into(),
        indicators: ["s1:-:1", "s3:-:1", "s4:-:1"]
            .iter()
            .map(|s| IndicatorChoice::parse(s).unwrap())
            .collect(),
        budget: false,
        normalisation: Normalisation::Z,
        aggregation: Aggregation::Arithmetic,
        targets: Default::default(),
        missing: MissingPolicy::Exclude,
        min_population: None,
        exclude: vec![],
        uncertainty: Some(Uncertainty {
            runs: 200,
            weight_range: 0.25,
            normalisations: vec![Normalisation::Z],
            aggregations: vec![Aggregation::Arithmetic],
            seed: 1,
        }),
    };
    for phase in ["Unsicherheitsanalyse", "Speichern"] {
        cancelled_in(&mut atlas, phase, |a, p| {
            save_composite_index(a, &index, "sozialindex", p)
        });
    }

    // An import of the 2020 age table.
    let file = sample_data().join("population/berlin-lor-population-2020-02-t2-planning-areas.csv");
    let import = ValuesImport {
        file,
        level: "Planungsraum".into(),
        key_column: "id".into(),
        period: Some("2021".into()),
        ..Default::default()
    };
    for phase in [
        "Schlüssel werden zugeordnet",
        "Werte werden geprüft",
        "Werte werden gespeichert",
    ] {
        cancelled_in(&mut atlas, phase, |a, p| import_values(a, &import, p));
    }

    // An import of geometry as a new level (the same areas as "Bezirksregion", confirmed),
    // also inside its write.
    let geometry = GeometryImport {
        level: "Bezirksregion neu".into(),
        file: sample_data().join("geometry/berlin-lor-district-regions-until-2020.geojson"),
        key_column: "id".into(),
        name_column: Some("name".into()),
        parent_level: Some("Bezirk".into()),
        parent_key_column: None,
        crs: None,
        new_level: true,
    };
    for phase in [
        "Koordinaten werden umgerechnet",
        "Übergeordnete Gebiete",
        "Flächen werden gespeichert",
    ] {
        cancelled_in(&mut atlas, phase, |a, p| import_geometry(a, &geometry, p));
    }
    drop(dir);
}
