//! Walking distances on a street network: a river with one bridge, where the straight line
//! and the network differ in a known way; unconnected lines; bad files.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use quartier_core::analysis::distance::{distance, DistanceRequest, OriginKind};
use quartier_core::crs::Metric;
use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::import::network::{import_network, NetworkImport};
use quartier_core::import::pois::{import_pois, PoiImport};
use quartier_core::import::values::{import_values, UnmatchedPolicy, ValuesImport};
use quartier_core::{Atlas, Error, NoProgress};

/// Metres east and north of a point in Berlin, as (lon, lat).
fn at(metric: &Metric, dx: f64, dy: f64) -> (f64, f64) {
    metric.unproject(390_000.0 + dx, 5_819_000.0 + dy).unwrap()
}

fn line(metric: &Metric, points: &[(f64, f64)]) -> String {
    let coords: Vec<String> = points
        .iter()
        .map(|&(x, y)| {
            let (lon, lat) = at(metric, x, y);
            format!("[{lon:.10},{lat:.10}]")
        })
        .collect();
    format!(
        r#"{{"type":"Feature","properties":{{}},"geometry":{{"type":"LineString","coordinates":[{}]}}}}"#,
        coords.join(",")
    )
}

fn square(metric: &Metric, key: &str, cx: f64, cy: f64) -> String {
    let ring: Vec<String> = [
        (-50.0, -50.0),
        (50.0, -50.0),
        (50.0, 50.0),
        (-50.0, 50.0),
        (-50.0, -50.0),
    ]
    .iter()
    .map(|&(dx, dy)| {
        let (lon, lat) = at(metric, cx + dx, cy + dy);
        format!("[{lon:.10},{lat:.10}]")
    })
    .collect();
    format!(
        r#"{{"type":"Feature","properties":{{"id":"{key}"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        ring.join(",")
    )
}

fn collection(features: &[String]) -> String {
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

#[test]
fn a_river_with_one_bridge_makes_the_way_long() {
    let dir = tempfile::tempdir().unwrap();
    let metric = Metric::for_longitude(13.4).unwrap();
    let mut atlas: Atlas = new_atlas(dir.path(), "Flussstadt");
    // Two squares: Süd around (0, 0) on the south bank, Nord around (0, 200) on the north bank.
    let areas = dir.path().join("gebiete.geojson");
    std::fs::write(
        &areas,
        collection(&[square(&metric, "S", 0.0, 0.0), square(&metric, "N", 0.0, 200.0)]),
    )
    .unwrap();
    import_geometry(
        &mut atlas,
        &GeometryImport {
            level: "Quartier".into(),
            file: areas,
            key_column: "id".into(),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let values = dir.path().join("ew.csv");
    std::fs::write(&values, "id;ew\nS;100\nN;50\n").unwrap();
    import_values(
        &mut atlas,
        &ValuesImport {
            file: values,
            level: "Quartier".into(),
            key_column: "id".into(),
            period: Some("2024".into()),
            unmatched: UnmatchedPolicy::Skip,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    // The Kita stands 10 m north of the north bank's street, at x = 0.
    let (lon, lat) = at(&metric, 0.0, 210.0);
    let kita = dir.path().join("kita.csv");
    std::fs::write(
        &kita,
        format!("name;lon;lat;plaetze\nKita am Fluss;{lon:.10};{lat:.10};20\n"),
    )
    .unwrap();
    import_pois(
        &mut atlas,
        &PoiImport {
            file: kita,
            category: "Kita".into(),
            capacity_column: Some("plaetze".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    // Streets along both banks (y = 0 and y = 200), split at the only bridge at x = 1000;
    // a path far away that connects to nothing.
    let streets = dir.path().join("strassen.geojson");
    std::fs::write(
        &streets,
        collection(&[
            line(&metric, &[(0.0, 0.0), (500.0, 0.0), (1000.0, 0.0)]),
            line(&metric, &[(1000.0, 0.0), (2000.0, 0.0)]),
            line(&metric, &[(0.0, 200.0), (1000.0, 200.0)]),
            line(&metric, &[(1000.0, 200.0), (2000.0, 200.0)]),
            line(&metric, &[(1000.0, 0.0), (1000.0, 200.0)]),
            line(&metric, &[(5000.0, 5000.0), (5100.0, 5000.0)]),
        ]),
    )
    .unwrap();
    let summary = import_network(
        &mut atlas,
        &NetworkImport {
            file: streets,
            crs: None,
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(
        (summary.lines, summary.components, summary.unconnected_lines),
        (6, 2, 1)
    );
    assert!((summary.length_km - 4.2).abs() < 0.001, "{}", summary.length_km);

    let request = DistanceRequest {
        categories: vec!["Kita".into()],
        level: "Quartier".into(),
        period: Some("2024".into()),
        population_indicator: Some("ew".into()),
        origins: OriginKind::Centroids,
        radii: vec![500.0],
        keep_outside: true,
        network: false,
        isochrones: None,
        supply: None,
        scenario: vec![],
    };
    // Abbrechen in each phase of the walk on the network, the isochrones included.
    for phase in [
        "Straßennetz aufbauen",
        "Nächste Einrichtung",
        "Erreichbare Einrichtungen",
        "Isochronen",
    ] {
        let sink = CancelIn::new(phase);
        let on_foot = DistanceRequest {
            network: true,
            isochrones: Some(500.0),
            ..request.clone()
        };
        let outcome = distance(&atlas, &on_foot, &sink);
        assert!(
            matches!(outcome, Err(Error::Cancelled)),
            "{phase}: {:?}",
            sink.stages.borrow()
        );
        assert!(sink.hit.get(), "{phase} reported: {:?}", sink.stages.borrow());
    }
    let by_air = distance(&atlas, &request, &NoProgress).unwrap();
    let by_foot = distance(
        &atlas,
        &DistanceRequest {
            network: true,
            ..request.clone()
        },
        &NoProgress,
    )
    .unwrap();
    let mean = |r: &quartier_core::analysis::distance::DistanceResult, key: &str| {
        r.areas.iter().find(|a| a.key == key).unwrap().mean.unwrap()
    };
    // South: 210 m across the river; on foot 1,000 m to the bridge, 200 m over it, 1,000 m
    // back and 10 m to the door.
    assert!((mean(&by_air, "S") - 210.0).abs() < 0.01, "{}", mean(&by_air, "S"));
    assert!((mean(&by_foot, "S") - 2210.0).abs() < 0.01, "{}", mean(&by_foot, "S"));
    // North: on the same street, 10 m either way.
    assert!((mean(&by_foot, "N") - 10.0).abs() < 0.01, "{}", mean(&by_foot, "N"));
    assert!(
        by_foot.method.contains("Straßennetz") && by_foot.method.contains("1 nicht angebundene"),
        "{}",
        by_foot.method
    );

    // Within 500 m: the whole south bank by air, nobody on foot.
    let south =
        |r: &quartier_core::analysis::distance::DistanceResult| r.areas.iter().find(|a| a.key == "S").unwrap().clone();
    assert_eq!(
        (south(&by_air).within[0], south(&by_foot).within[0]),
        (Some(100.0), Some(0.0))
    );
    assert_eq!(
        (south(&by_air).reachable[0], south(&by_foot).reachable[0]),
        (Some(1.0), Some(0.0))
    );

    // 20 places: by air both banks (150 residents) share them, 13⅓ per 100; on foot only the
    // north bank (50) reaches the Kita within 1 km: 40 per 100 there, 0 on the south bank.
    let with_places = DistanceRequest {
        supply: Some(quartier_core::analysis::distance::SupplyRequest {
            attribute: "capacity".into(),
            demand_indicator: None,
            catchment: 1000.0,
            decay: quartier_core::analysis::distance::Decay::None,
        }),
        ..request.clone()
    };
    let air_supply = distance(&atlas, &with_places, &NoProgress).unwrap();
    let foot_supply = distance(
        &atlas,
        &DistanceRequest {
            network: true,
            ..with_places.clone()
        },
        &NoProgress,
    )
    .unwrap();
    let per_100 = |r: &quartier_core::analysis::distance::DistanceResult, key: &str| {
        r.areas.iter().find(|a| a.key == key).unwrap().supply_per_100.unwrap()
    };
    assert!(
        (per_100(&air_supply, "S") - 40.0 / 3.0).abs() < 1e-9 && (per_100(&air_supply, "N") - 40.0 / 3.0).abs() < 1e-9
    );
    assert!(
        (per_100(&foot_supply, "N") - 40.0).abs() < 1e-9,
        "{}",
        per_100(&foot_supply, "N")
    );
    assert_eq!(per_100(&foot_supply, "S"), 0.0);

    // The 500 m isochrone of the Kita covers the north bank, not the south bank.
    let iso = distance(
        &atlas,
        &DistanceRequest {
            network: true,
            isochrones: Some(500.0),
            ..request.clone()
        },
        &NoProgress,
    )
    .unwrap()
    .isochrones
    .unwrap();
    assert_eq!(iso["features"][0]["geometry"]["type"], "MultiPolygon");
    let ring: Vec<geo::Coord<f64>> = iso["features"][0]["geometry"]["coordinates"][0][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| geo::Coord {
            x: c[0].as_f64().unwrap(),
            y: c[1].as_f64().unwrap(),
        })
        .collect();
    let polygon = geo::Polygon::new(geo::LineString(ring), vec![]);
    use geo::Contains;
    // 490 m along the north street (10 m are the way from the door), 50 m wide either side.
    let (nx, ny) = at(&metric, 450.0, 230.0);
    let (sx, sy) = at(&metric, 0.0, 0.0);
    let (beyond_x, beyond_y) = at(&metric, 600.0, 200.0);
    assert!(
        !polygon.contains(&geo::Point::new(beyond_x, beyond_y)),
        "beyond 500 m on foot"
    );
    assert!(polygon.contains(&geo::Point::new(nx, ny)), "north bank inside");
    assert!(!polygon.contains(&geo::Point::new(sx, sy)), "south bank outside");
    assert!(distance(
        &atlas,
        &DistanceRequest {
            isochrones: Some(500.0),
            ..request.clone()
        },
        &NoProgress
    )
    .is_err());

    // Bad files: not lines, and unknown formats.
    let points = dir.path().join("punkte.geojson");
    std::fs::write(&points, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[13.4,52.5]}}]}"#).unwrap();
    let err = import_network(
        &mut atlas,
        &NetworkImport {
            file: points,
            crs: None,
        },
        &NoProgress,
    );
    assert!(matches!(err, Err(Error::Import(r)) if r.problems[0].reason.contains("keine Linie")));
    let err = import_network(
        &mut atlas,
        &NetworkImport {
            file: dir.path().join("netz.txt"),
            crs: None,
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains(".txt"), "{err}");
    assert_eq!(
        atlas.network_lines().unwrap().len(),
        6,
        "a failed import keeps the network"
    );

    // A file in UTM read as if it were Gauß-Krüger lands far away: a wrong CRS, refused.
    let utm = dir.path().join("utm.geojson");
    std::fs::write(
        &utm,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[390000,5819000],[391000,5819000]]}}]}"#,
    )
    .unwrap();
    let err = import_network(
        &mut atlas,
        &NetworkImport {
            file: utm.clone(),
            crs: Some("EPSG:31468".into()),
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("Bezugssystem"), "{err}");
    let right = import_network(
        &mut atlas,
        &NetworkImport {
            file: utm,
            crs: Some("EPSG:25833".into()),
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!((right.lines, right.outside_atlas), (1, 0));
}
