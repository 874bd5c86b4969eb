//! Simplification for the web (the bundle's borders): Berlin's 448 Planungsräume and
//! Hamburg's 181 Stadtteile, with mapshaper in the same run as the peer.
//!
//! `cargo bench -p quartier-core --bench simplify` (peer: `npm install -g mapshaper`, or
//! `QUARTIER_MAPSHAPER=/path/to/mapshaper`)
//!
//! Ours: `topology::simplify_shared` at the bundle's tolerance (1.5 m), on the areas as the
//! atlas stores them. Peer: mapshaper, the tool web cartographers simplify shared borders
//! with, `-simplify dp interval=1.5` (Douglas–Peucker with the same tolerance in metres,
//! shared borders kept shared). mapshaper's time is a whole run minus a run that reads and
//! writes the same file without simplifying, so that Node's start and the file's parsing
//! are left out; both are medians of five runs.

#[allow(dead_code)] // each benchmark uses some of the shared helpers
mod common;

use std::path::Path;
use std::process::Command;

use geo::CoordsIter;
use quartier_core::publish::WEB_TOLERANCE_M;
use quartier_core::topology::simplify_shared;
use quartier_core::Atlas;

use common::{import_areas, median_ms};

/// The areas of a GeoJSON file as an atlas stores them, and that as GeoJSON for the peer.
fn stored_areas(dir: &Path, file: &Path) -> (Vec<geo::MultiPolygon<f64>>, std::path::PathBuf) {
    let mut atlas = Atlas::create(&dir.join("bench.quartier"), "Bench", None).expect("atlas");
    import_areas(&mut atlas, "Ebene", file);
    let level = atlas.level("Ebene").expect("level");
    let geometries: Vec<geo::MultiPolygon<f64>> = atlas
        .area_geometries(level.id)
        .expect("geometry")
        .into_iter()
        .map(|(_, g)| g)
        .collect();
    let features: Vec<geojson::Feature> = geometries
        .iter()
        .map(|g| geojson::Feature::from(geojson::Geometry::from(g)))
        .collect();
    let path = dir.join("areas.geojson");
    let collection = geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    };
    std::fs::write(&path, collection.to_string()).expect("write");
    drop(atlas);
    std::fs::remove_file(dir.join("bench.quartier")).ok();
    (geometries, path)
}

/// mapshaper's simplification time and the points it keeps, or why it did not run.
fn mapshaper(input: &Path, dir: &Path) -> Result<(f64, usize), String> {
    let program = std::env::var("QUARTIER_MAPSHAPER").unwrap_or_else(|_| "mapshaper".into());
    let output = dir.join("mapshaper.geojson");
    let run = |simplify: bool| -> Result<(), String> {
        let mut command = Command::new(&program);
        command.arg("-i").arg(input);
        if simplify {
            command.args(["-simplify", "dp", &format!("interval={WEB_TOLERANCE_M}")]);
        }
        command.arg("-o").arg(&output).arg("force");
        let out = command
            .output()
            .map_err(|e| format!("{program} not found ({e}); npm install -g mapshaper"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    };
    run(true)?;
    let mut failure = None;
    let whole = median_ms(|| failure = run(true).err().or(failure.take()));
    let plain = median_ms(|| failure = run(false).err().or(failure.take()));
    if let Some(e) = failure {
        return Err(e);
    }
    run(true)?;
    // mapshaper writes a GeometryCollection when the features have no properties.
    let text = std::fs::read_to_string(&output).map_err(|e| e.to_string())?;
    let geometry = geo::Geometry::<f64>::try_from(text.parse::<geojson::GeoJson>().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    Ok(((whole - plain).max(0.0), geometry.coords_count()))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cases = [
        (
            "Berlin, 448 Planungsräume",
            root.join("sample_data/geometry/berlin-lor-planning-areas-until-2020.geojson"),
        ),
        (
            "Hamburg, 181 Stadtteile",
            root.join("../shared/realdata/hamburg/hamburg-quarters.geojson"),
        ),
    ];
    println!("Simplification for the web, tolerance {WEB_TOLERANCE_M} m (median of 5 runs)");
    for (name, file) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        let (geometries, input) = stored_areas(dir.path(), &file);
        let mut result = None;
        let ours = median_ms(|| result = Some(simplify_shared(&geometries, WEB_TOLERANCE_M)));
        let result = result.expect("ran");
        println!("{name}: {} points stored", result.vertices_before);
        println!(
            "  Quartier   {ours:8.1} ms  {:7} points ({:.0} %)",
            result.vertices_after,
            100.0 * result.vertices_after as f64 / result.vertices_before as f64
        );
        match mapshaper(&input, dir.path()) {
            Ok((peer, points)) => {
                println!(
                    "  mapshaper  {peer:8.1} ms  {points:7} points ({:.0} %)",
                    100.0 * points as f64 / result.vertices_before as f64
                );
                println!(
                    "  ratio (Quartier / mapshaper): time {:.2}, points {:.2}",
                    ours / peer,
                    result.vertices_after as f64 / points as f64
                );
            }
            Err(e) => println!("  Peer not run: {e}"),
        }
    }
}
