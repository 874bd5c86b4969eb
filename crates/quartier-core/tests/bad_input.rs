//! Issue 14: inputs that were accepted although wrong (exit 0) are refused or warned about,
//! each with a German message that names the problem, and the atlas stays unchanged.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::{Atlas, Error, NoProgress};

fn geojson(dir: &Path, name: &str, rings: &[&[(f64, f64)]]) -> PathBuf {
    let features: Vec<String> = rings
        .iter()
        .enumerate()
        .map(|(i, ring)| {
            let coords: Vec<String> = ring.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
            format!(
                r#"{{"type":"Feature","properties":{{"id":"{}"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
                i + 1,
                coords.join(",")
            )
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")),
    )
    .unwrap();
    path
}

fn import(
    atlas: &mut Atlas,
    level: &str,
    file: PathBuf,
    parent: Option<&str>,
) -> quartier_core::Result<quartier_core::import::geometry::GeometryImportSummary> {
    import_geometry(
        atlas,
        &GeometryImport {
            level: level.into(),
            file,
            key_column: "id".into(),
            parent_level: parent.map(str::to_string),
            new_level: true,
            ..Default::default()
        },
        &NoProgress,
    )
}

fn problem(e: Error) -> String {
    match e {
        Error::Import(report) => report
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// A triangle across the antimeridian reported 510,064,390.8 km² (the rest of the sphere); a
/// polygon around the whole world reported 0.0 km².
#[test]
fn areas_across_the_antimeridian_or_around_the_world_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Welt");
    let triangle = geojson(
        dir.path(),
        "datumsgrenze.geojson",
        &[&[(179.0, 0.0), (-179.0, 1.0), (-179.0, -1.0), (179.0, 0.0)]],
    );
    let e = problem(import(&mut atlas, "Ebene", triangle, None).unwrap_err());
    assert!(e.contains("Datumsgrenze") && e.contains("358° Länge"), "{e}");
    let world = geojson(
        dir.path(),
        "welt.geojson",
        &[&[
            (-180.0, -90.0),
            (180.0, -90.0),
            (180.0, 90.0),
            (-180.0, 90.0),
            (-180.0, -90.0),
        ]],
    );
    let e = problem(import(&mut atlas, "Ebene", world, None).unwrap_err());
    assert!(e.contains("360° Länge"), "{e}");
    assert!(atlas.levels().unwrap().is_empty());
}

/// Areas outside Germany import (a planner may hold a twin town), with a warning that names them.
#[test]
fn areas_outside_germany_are_imported_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Partnerstadt");
    let file = geojson(
        dir.path(),
        "zwei.geojson",
        &[
            &[(13.40, 52.50), (13.41, 52.50), (13.41, 52.51), (13.40, 52.50)],
            &[(30.50, 50.45), (30.51, 50.45), (30.51, 50.46), (30.50, 50.45)],
        ],
    );
    let s = import(&mut atlas, "Ebene", file, None).unwrap();
    assert_eq!(s.areas_created, 2);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(
        s.warnings[0].starts_with("1 von 2 Flächen liegen außerhalb Deutschlands (2 bei 30,5"),
        "{}",
        s.warnings[0]
    );
}

/// `--level Bezirk --parent-level Planungsraum` after Planungsraum → Bezirk made a loop of
/// levels, and `suppress` then walked Bezirk → Planungsraum → Bezirksregion.
#[test]
fn a_level_cannot_become_its_own_ancestor() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    let geometry = sample_data().join("geometry");
    import(
        &mut atlas,
        "Bezirk",
        geometry.join("berlin-lor-districts.geojson"),
        None,
    )
    .unwrap();
    import(
        &mut atlas,
        "Bezirksregion",
        geometry.join("berlin-lor-district-regions-until-2020.geojson"),
        Some("Bezirk"),
    )
    .unwrap();
    import(
        &mut atlas,
        "Planungsraum",
        geometry.join("berlin-lor-planning-areas-until-2020.geojson"),
        Some("Bezirksregion"),
    )
    .unwrap();
    let before = atlas.levels().unwrap();
    let e = import(
        &mut atlas,
        "Bezirk",
        geometry.join("berlin-lor-districts.geojson"),
        Some("Planungsraum"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("Kreis von Ebenen (Bezirk → Planungsraum → Bezirksregion → Bezirk)"),
        "{e}"
    );
    let e = import(
        &mut atlas,
        "Bezirk",
        geometry.join("berlin-lor-districts.geojson"),
        Some("Bezirk"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("nicht ihre eigene übergeordnete Ebene"), "{e}");
    assert_eq!(atlas.levels().unwrap(), before);
}
