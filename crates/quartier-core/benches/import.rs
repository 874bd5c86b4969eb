//! Import and open/info benchmark, with a peer in the same run.
//!
//! `cargo bench -p quartier-core --bench import`
//!
//! 1. Real: the 448 Berlin Planungsräume (sample_data) with the MSS editions 2013–2019 at all
//!    three levels.
//! 2. Synthetic: 20,000 polygons, 50 indicators × 10 periods (10 million values), generated here.
//!    Targets: import under 5 s, opening the atlas and `info` under 200 ms.
//!
//! Peer: `peer_load.py` (Python stdlib csv + sqlite3) loads the same synthetic files into a plain
//! SQLite schema without validation, as the floor of a hand-written loader.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::import::values::{import_values, ValuesImport};
use quartier_core::info::atlas_info;
use quartier_core::{Atlas, NoProgress};

const AREAS_X: usize = 160;
const AREAS_Y: usize = 125; // 20,000 areas
const INDICATORS: usize = 50;
const PERIODS: usize = 10;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    real_berlin(dir.path());
    synthetic(dir.path());
}

fn real_berlin(dir: &Path) {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data");
    let path = dir.join("berlin.quartier");
    let t = Instant::now();
    let mut atlas = Atlas::create(&path, "Berlin", Some("11000000")).expect("create");
    quartier_core::sample::import_levels(&mut atlas, &sample, &NoProgress).expect("geometry");
    let t_geo = t.elapsed();
    let mut values = 0;
    for year in ["2013", "2015", "2017", "2019"] {
        for (suffix, level) in [("1", "Planungsraum"), ("2", "Bezirksregion"), ("3", "Bezirk")] {
            let s = import_values(
                &mut atlas,
                &ValuesImport {
                    file: sample.join(format!(
                        "mss/berlin-lor-monitoring-social-urban-development-{year}-00-2-{suffix}.csv"
                    )),
                    level: level.into(),
                    key_column: "id".into(),
                    name_column: Some("name".into()),
                    period: Some(year.into()),
                    ..Default::default()
                },
                &NoProgress,
            )
            .expect("values");
            values += s.values_written;
        }
    }
    println!(
        "Berlin, real data: 598 areas on 3 levels (448 Planungsräume), 4 MSS editions × 3 levels, {values} values"
    );
    println!(
        "  geometry import (with point-in-polygon parents): {:>8.1} ms",
        t_geo.as_secs_f64() * 1e3
    );
    println!(
        "  total import:                                    {:>8.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}

fn synthetic(dir: &Path) {
    // 20,000 squares of 150 m in a 24 × 18.75 km block around Berlin, keys 00001…20000.
    let geojson = dir.join("gross.geojson");
    let mut text = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    let (dx, dy) = (0.0022, 0.00135);
    for j in 0..AREAS_Y {
        for i in 0..AREAS_X {
            let n = j * AREAS_X + i + 1;
            let (x, y) = (13.1 + i as f64 * dx, 52.35 + j as f64 * dy);
            if n > 1 {
                text.push(',');
            }
            let _ = write!(
                text,
                "{{\"type\":\"Feature\",\"properties\":{{\"id\":\"{n:05}\",\"name\":\"Block {n}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}}}}",
                x2 = x + dx * 0.98,
                y2 = y + dy * 0.98
            );
        }
    }
    text.push_str("]}");
    std::fs::write(&geojson, text).expect("write geojson");
    let mut csvs = Vec::new();
    for p in 0..PERIODS {
        let path = dir.join(format!("werte_{}.csv", 2011 + p));
        let mut t = String::from("id;name");
        for k in 0..INDICATORS {
            let _ = write!(t, ";ind{k:02}");
        }
        t.push('\n');
        for n in 1..=AREAS_X * AREAS_Y {
            let _ = write!(t, "{n:05};Block {n}");
            for k in 0..INDICATORS {
                let v = ((n * 7919 + k * 104_729 + p * 13) % 100_000) as f64 / 100.0;
                let _ = write!(t, ";{}", format!("{v:.2}").replace('.', ","));
            }
            t.push('\n');
        }
        std::fs::write(&path, t).expect("write csv");
        csvs.push(path);
    }
    let values_total = AREAS_X * AREAS_Y * INDICATORS * PERIODS;

    let path = dir.join("gross.quartier");
    let t = Instant::now();
    let mut atlas = Atlas::create(&path, "Groß", None).expect("create");
    import_geometry(
        &mut atlas,
        &GeometryImport {
            level: "Block".into(),
            file: geojson.clone(),
            key_column: "id".into(),
            name_column: Some("name".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .expect("geometry");
    let t_geo = t.elapsed().as_secs_f64();
    for (p, csv) in csvs.iter().enumerate() {
        import_values(
            &mut atlas,
            &ValuesImport {
                file: csv.clone(),
                level: "Block".into(),
                key_column: "id".into(),
                name_column: Some("name".into()),
                period: Some((2011 + p).to_string()),
                ..Default::default()
            },
            &NoProgress,
        )
        .expect("values");
    }
    let t_import = t.elapsed().as_secs_f64();
    drop(atlas);
    let t = Instant::now();
    let atlas = Atlas::open(&path).expect("open");
    let t_open = t.elapsed().as_secs_f64();
    let info = atlas_info(&atlas).expect("info");
    let t_info = t.elapsed().as_secs_f64();
    assert_eq!(info.indicators.len(), INDICATORS);
    assert_eq!(info.levels[0].areas as usize, AREAS_X * AREAS_Y);

    println!("\nSynthetic: {} polygons, {INDICATORS} indicators × {PERIODS} periods = {values_total} values (targets: import < 5 s, open < 200 ms)", AREAS_X * AREAS_Y);
    println!("  Quartier geometry import:       {:>8.2} s", t_geo);
    println!("  Quartier total import:          {:>8.2} s", t_import);
    println!("  Quartier open:                  {:>8.1} ms", t_open * 1e3);
    println!("  Quartier open + info:           {:>8.1} ms", t_info * 1e3);

    let peer_db = dir.join("peer.sqlite");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer_load.py");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(&script).arg(&peer_db).arg(&geojson).args(&csvs);
    match cmd.output() {
        Ok(out) if out.status.success() => {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            let (g, total, inf) = (
                v["geometry_s"].as_f64().unwrap_or(f64::NAN),
                v["total_s"].as_f64().unwrap_or(f64::NAN),
                v["info_s"].as_f64().unwrap_or(f64::NAN),
            );
            println!("  Peer (Python csv + sqlite3, no validation):");
            println!(
                "    geometry load:                {:>8.2} s   (Quartier / peer: {:.2})",
                g,
                t_geo / g
            );
            println!(
                "    total load:                   {:>8.2} s   (Quartier / peer: {:.2})",
                total,
                t_import / total
            );
            println!(
                "    open + per-indicator counts:  {:>8.1} ms  (Quartier / peer: {:.3})",
                inf * 1e3,
                t_info / inf
            );
        }
        Ok(out) => println!("  Peer failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => println!("  Peer not run (python3 missing: {e})"),
    }
}
