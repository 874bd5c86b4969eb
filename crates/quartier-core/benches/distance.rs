//! Accessibility benchmark on a generated municipality of 30 × 30 km with 20,000 areas,
//! 500,000 origins and 5,000 POIs, with a peer in the same run.
//!
//! `cargo bench -p quartier-core --bench distance`
//!
//! Targets: nearest POI for all origins < 1 s; per-area aggregation < 200 ms; a 100 m grid
//! over the 900 km² < 2 s; 2SFCA with a 1 km catchment < 3 s; walking distances on a street
//! grid of about 100,000 edges < 5 s.
//!
//! Peer: `peer_access.py` (scipy `cKDTree` for the nearest POI, numpy for the per-area
//! weighted mean, geopandas `sjoin_nearest` for the same join), on the same points; it prints
//! its times and results, and this bench the ratio and the largest difference (< 1 cm).

#[allow(dead_code)] // each benchmark uses some of the shared helpers
mod common;

use std::fmt::Write as _;
use std::time::Instant;

use geo::{polygon, MultiPolygon};
use quartier_core::analysis::distance::{summarise, two_step_fca, Decay};
use quartier_core::analysis::network::{Network, SNAP_TOLERANCE};
use quartier_core::analysis::origins::{grid_origins, nearest_distances, Origin, PoiIndex};

const SIDE: f64 = 30_000.0;
const COLUMNS: usize = 160;
const ROWS: usize = 125;
const ORIGINS: usize = 500_000;
const POIS: usize = 5_000;
/// A UTM-like offset, so that coordinates have realistic magnitudes.
const X0: f64 = 370_000.0;
const Y0: f64 = 5_800_000.0;

fn seconds<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}

fn main() {
    let mut state: u64 = 11;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (w, h) = (SIDE / COLUMNS as f64, SIDE / ROWS as f64);
    let areas: Vec<MultiPolygon<f64>> = (0..COLUMNS * ROWS)
        .map(|i| {
            let (x, y) = (X0 + (i % COLUMNS) as f64 * w, Y0 + (i / COLUMNS) as f64 * h);
            MultiPolygon(vec![polygon![
                (x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + h), (x: x, y: y + h), (x: x, y: y)
            ]])
        })
        .collect();
    let origins: Vec<Origin> = (0..ORIGINS)
        .map(|_| {
            let (x, y) = (next() * SIDE, next() * SIDE);
            let area = ((y / h) as usize).min(ROWS - 1) * COLUMNS + ((x / w) as usize).min(COLUMNS - 1);
            Origin {
                x: X0 + x,
                y: Y0 + y,
                weight: 1.0 + (next() * 4.0).floor(),
                area,
            }
        })
        .collect();
    let pois: Vec<[f64; 2]> = (0..POIS).map(|_| [X0 + next() * SIDE, Y0 + next() * SIDE]).collect();
    let capacity: Vec<f64> = (0..POIS).map(|_| 20.0 + (next() * 100.0).floor()).collect();
    let residents: Vec<Option<f64>> = (0..areas.len()).map(|_| Some(1.0 + (next() * 200.0).floor())).collect();

    let (distances, t_nearest) = seconds(|| {
        let index = PoiIndex::new(&pois);
        nearest_distances(&origins, &index).expect("nearest")
    });
    let (summary, t_summary) = seconds(|| summarise(&origins, &distances, areas.len(), &[300.0, 500.0, 1000.0]));
    let (grid, t_grid) = seconds(|| grid_origins(&areas, &residents, 100.0).expect("grid"));
    let (supply, t_2sfca) =
        seconds(|| two_step_fca(&origins, &pois, &capacity, 1000.0, Decay::Gaussian).expect("2sfca"));
    // A street grid over the municipality: 224 × 224 crossings, about 100,000 edges.
    let n = 224;
    let step = SIDE / (n - 1) as f64;
    let mut streets = Vec::new();
    for i in 0..n {
        for j in 0..n - 1 {
            let (a, b) = (i as f64 * step, j as f64 * step);
            streets.push(geo::LineString::from(vec![(X0 + b, Y0 + a), (X0 + b + step, Y0 + a)]));
            streets.push(geo::LineString::from(vec![(X0 + a, Y0 + b), (X0 + a, Y0 + b + step)]));
        }
    }
    let ((network, walked), t_network) = seconds(|| {
        let built = Network::build(&streets, SNAP_TOLERANCE);
        let d = built
            .network
            .nearest_source_distances(&pois, &origins)
            .expect("network");
        (built, d)
    });
    let detour = walked.iter().zip(&distances).map(|(w, d)| w / d.max(1.0)).sum::<f64>() / walked.len() as f64;

    println!(
        "Generated municipality: 30 × 30 km, {} areas, {ORIGINS} origins, {POIS} POIs (one run each)",
        areas.len()
    );
    println!(
        "  nearest POI for every origin (index included):  {:>8.0} ms (target < 1,000 ms)",
        t_nearest * 1e3
    );
    println!(
        "  per-area mean/median/p90 and shares in 3 radii:   {:>8.0} ms (target < 200 ms)",
        t_summary * 1e3
    );
    println!(
        "  100 m grid over 900 km² ({} cells):           {:>8.0} ms (target < 2,000 ms)",
        grid.len(),
        t_grid * 1e3
    );
    println!(
        "  2SFCA, 1 km catchment, Gaussian decay:            {:>8.0} ms (target < 3,000 ms); mean access {:.4}",
        t_2sfca * 1e3,
        supply.iter().sum::<f64>() / supply.len() as f64
    );

    println!(
        "  walking distances, {} street edges (graph included): {:>5.0} ms (target < 5,000 ms); mean detour factor {detour:.2}",
        streets.len(),
        t_network * 1e3
    );
    drop(network);

    // The peer reads the same points.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from("x,y,weight,area\n");
    for o in &origins {
        let _ = writeln!(text, "{},{},{},{}", o.x, o.y, o.weight, o.area);
    }
    std::fs::write(dir.path().join("origins.csv"), &text).expect("write");
    let mut text = String::from("x,y\n");
    for p in &pois {
        let _ = writeln!(text, "{},{}", p[0], p[1]);
    }
    std::fs::write(dir.path().join("pois.csv"), &text).expect("write");
    let Some(peer) = common::run_peer(
        "peer_access.py",
        &[dir.path().display().to_string(), areas.len().to_string()],
        "numpy scipy geopandas",
    ) else {
        return;
    };
    let (floats, largest) = (common::floats, common::largest_difference);
    let ours_means: Vec<f64> = summary
        .iter()
        .map(|s| s.as_ref().map_or(f64::NAN, |s| s.mean))
        .collect();
    let p = |k: &str| peer[k].as_f64().unwrap_or(f64::NAN);
    println!("  Peer (scipy cKDTree, numpy, geopandas sjoin_nearest):");
    println!(
        "    nearest (cKDTree, tree included): {:>8.0} ms (Quartier / peer: {:.2}); largest distance difference {:.1e} m",
        p("kdtree_s") * 1e3,
        t_nearest / p("kdtree_s"),
        largest(&distances, &floats(&peer["distances"]))
    );
    println!(
        "    per-area weighted mean (numpy):   {:>8.0} ms (Quartier's summary does more: median, p90, radii); largest difference {:.1e} m",
        p("aggregate_s") * 1e3,
        largest(&ours_means, &floats(&peer["area_means"]))
    );
    match peer["sjoin_s"].as_f64() {
        Some(s) => println!(
            "    geopandas sjoin_nearest:          {:>8.0} ms (Quartier / peer: {:.2}); largest distance difference {:.1e} m",
            s * 1e3,
            t_nearest / s,
            p("sjoin_max_difference")
        ),
        None => println!("    geopandas sjoin_nearest: not run (geopandas missing)"),
    }
}
