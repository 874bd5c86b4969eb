//! Crosswalk benchmark: Berlin's 448 Planungsräume onto square grids over the city (1 km and
//! 250 m cells), by area share, with GeoPandas in the same run as the peer.
//!
//! `cargo bench -p quartier-core --bench crosswalk`
//!
//! Ours: `crosswalk` for the residents (ew) through the engine, reading geometry and values
//! from the atlas, intersecting in ETRS89 / UTM 33. Peer: `peer_crosswalk.py`, GeoPandas'
//! `overlay` (intersection) in EPSG:25833 and a weighted group sum: the usual areal
//! interpolation of a GIS analyst. Both print the median of five runs; the benchmark prints
//! the ratio and the largest difference per cell (ours drops slivers narrower than 2 m on
//! average and keeps totals exact; GeoPandas keeps every piece).

#[allow(dead_code)] // each benchmark uses some of the shared helpers
mod common;

use quartier_core::analysis::crosswalk::{crosswalk, CrosswalkRequest, CrosswalkWeight};
use quartier_core::{Atlas, NoProgress};

use common::{import_areas, median_ms};

/// A grid of squares of about `cell` metres over the bounding box, as GeoJSON (`id`, `name`).
fn square_grid(bbox: [f64; 4], cell: f64) -> (String, usize) {
    let [min_x, min_y, max_x, max_y] = bbox;
    let latitude = ((min_y + max_y) / 2.0).to_radians();
    let (dx, dy) = (cell / (111_320.0 * latitude.cos()), cell / 110_540.0);
    let (columns, rows) = (
        ((max_x - min_x) / dx).ceil() as usize,
        ((max_y - min_y) / dy).ceil() as usize,
    );
    let mut features = Vec::with_capacity(columns * rows);
    for r in 0..rows {
        for c in 0..columns {
            let (x0, y0) = (min_x + c as f64 * dx, min_y + r as f64 * dy);
            let (x1, y1) = (min_x + (c + 1) as f64 * dx, min_y + (r + 1) as f64 * dy);
            features.push(format!(
                r#"{{"type":"Feature","properties":{{"id":"Z{r:04}{c:04}","name":"Zelle {r}/{c}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
            ));
        }
    }
    let n = features.len();
    (
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")),
        n,
    )
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("berlin.quartier");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data");
    quartier_core::sample::build_sample_atlas(&data, &path, false, &NoProgress).expect("sample atlas");
    let mut atlas = Atlas::open(&path).expect("atlas");
    let level = atlas.level("Planungsraum").expect("level");
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for (_, g) in atlas.area_geometries(level.id).expect("geometry") {
        if let Some(b) = quartier_core::geometry::bbox(&g) {
            bbox = [
                bbox[0].min(b[0]),
                bbox[1].min(b[1]),
                bbox[2].max(b[2]),
                bbox[3].max(b[3]),
            ];
        }
    }
    // The sources with their 2020 residents, for the peer.
    let sources = dir.path().join("planungsraeume.geojson");
    quartier_core::gis::export_geojson(&atlas, "Planungsraum", &["2020".to_string()], true, &sources).expect("export");
    println!("Crosswalk: 448 Planungsräume → square grid, residents 2020 by area share");
    for cell in [1000.0, 250.0] {
        let name = format!("Raster {cell} m");
        let grid = dir.path().join(format!("raster_{cell}.geojson"));
        let (text, cells) = square_grid(bbox, cell);
        std::fs::write(&grid, text).expect("grid");
        import_areas(&mut atlas, &name, &grid);
        let request = CrosswalkRequest {
            from_level: "Planungsraum".into(),
            to_level: name.clone(),
            period: "2020".into(),
            indicators: vec!["ew".into()],
            weight: CrosswalkWeight::Area,
        };
        let mut result = None;
        let ours = median_ms(|| result = Some(crosswalk(&atlas, &request, &NoProgress).expect("crosswalk")));
        let result = result.expect("ran");
        let values: std::collections::BTreeMap<String, f64> = result.indicators[0]
            .areas
            .iter()
            .map(|a| (a.key.clone(), a.combined.value.unwrap_or(0.0)))
            .collect();
        let total: f64 = values.values().sum();
        println!("  {cells} cells of {cell} m: Quartier {ours:>9.1} ms (total {total:.3})");
        let Some(peer) = common::run_peer(
            "peer_crosswalk.py",
            &[sources.display().to_string(), grid.display().to_string()],
            "geopandas",
        ) else {
            continue;
        };
        let theirs = peer["ms"].as_f64().unwrap_or(f64::NAN);
        let by_cell = peer["values"].as_object().cloned().unwrap_or_default();
        let largest = values
            .iter()
            .map(|(k, v)| (v - by_cell.get(k).and_then(|x| x.as_f64()).unwrap_or(0.0)).abs())
            .fold(0.0, f64::max);
        println!(
            "  {cells} cells of {cell} m: GeoPandas {theirs:>8.1} ms (total {:.3}), ratio {:.2}, largest difference per cell {largest:.3} residents",
            peer["total"].as_f64().unwrap_or(f64::NAN),
            ours / theirs
        );
    }
}
