//! Print figures benchmark, with the peer in the same run.
//!
//! `cargo bench -p quartier-core --bench figures`
//!
//! A generated level of 20,000 blocks (160 × 125 over about 24 × 19 km around Berlin, 40
//! vertices each, 800,000 vertices) with one indicator: the A4 map at 300 dpi as PNG
//! (target < 3 s), as SVG and as PDF; the map of the 448 Berlin Planungsräume; the
//! Gebietsbericht of three areas (target < 1 s) and the whole book of 448 Quartiersprofile
//! (target < 30 s, stretch < 10 s).
//!
//! Peer: `peer_figures.py` draws the same choropleth with GeoPandas and matplotlib (projected
//! to ETRS89 / UTM 33, six quantile classes, YlOrRd, A4 at 300 dpi, saved as PNG), timed
//! without reading the file, as ours is timed from the atlas.

#[allow(dead_code)]
mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use quartier_core::analysis::classify::Method;
use quartier_core::figure::map::{map_figure, ClassStyle, MapRequest};
use quartier_core::figure::{write_figure, Page};
use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::import::values::{import_values, ValuesImport};
use quartier_core::report::area::{area_report, write_area_report, AreaReportRequest};
use quartier_core::report::profiles::{write_profiles, ProfilesRequest};
use quartier_core::{Atlas, NoProgress};

const COLUMNS: usize = 160;
const ROWS: usize = 125;
const VERTICES: usize = 40;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let geojson = dir.path().join("bloecke.geojson");
    let atlas_path = generated(dir.path(), &geojson);
    let atlas = Atlas::open(&atlas_path).expect("open");
    let request = MapRequest {
        indicator: "kinder".into(),
        level: "Block".into(),
        period: "2024".into(),
        style: ClassStyle {
            method: Method::Quantile,
            classes: 6,
            scheme: None,
            reversed: false,
        },
        page: Page::default(),
        labels: false,
        pois: Vec::new(),
        columns: None,
        intern: false,
    };
    let mut png_times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let map = map_figure(&atlas, &request).expect("map");
        write_figure(&map.figure, &dir.path().join("karte.png"), 300.0).expect("png");
        png_times.push(t.elapsed().as_secs_f64());
    }
    let t = Instant::now();
    let map = map_figure(&atlas, &request).expect("map");
    let drawn = t.elapsed().as_secs_f64();
    let t = Instant::now();
    write_figure(&map.figure, &dir.path().join("karte.svg"), 300.0).expect("svg");
    let svg = t.elapsed().as_secs_f64();
    let t = Instant::now();
    write_figure(&map.figure, &dir.path().join("karte.pdf"), 300.0).expect("pdf");
    let pdf = t.elapsed().as_secs_f64();
    let ours = median(&mut png_times);
    println!(
        "{} Flächen mit je {VERTICES} Punkten, A4 bei 300 dpi (2480 × 3508 Pixel):",
        COLUMNS * ROWS
    );
    println!("  Quartier: Karte als PNG {ours:.2} s (Median aus 3; Ziel < 3 s); davon Zeichnen als SVG {drawn:.2} s");
    println!(
        "  Quartier: als SVG {:.2} s, als PDF {:.2} s (je mit dem Zeichnen)",
        drawn + svg,
        drawn + pdf
    );
    match common::run_peer(
        "peer_figures.py",
        &[geojson.display().to_string()],
        "geopandas matplotlib",
    ) {
        Some(peer) => {
            let theirs = peer["png_s"].as_f64().unwrap_or(f64::NAN);
            println!(
                "  GeoPandas/matplotlib: dieselbe Karte als PNG {theirs:.2} s (ohne Lesen der Datei; Lesen {:.2} s)",
                peer["read_s"].as_f64().unwrap_or(f64::NAN)
            );
            println!("  Verhältnis Quartier / GeoPandas: {:.2}", ours / theirs);
        }
        None => println!("  (Peer nicht gelaufen)"),
    }

    // The Berlin sample: 448 Planungsräume.
    let berlin = dir.path().join("berlin.quartier");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data");
    quartier_core::sample::build_sample_atlas(&data, &berlin, false, &NoProgress).expect("sample");
    let atlas = Atlas::open(&berlin).expect("open");
    let request = MapRequest {
        indicator: "anteil_u6".into(),
        level: "Planungsraum".into(),
        period: "2020".into(),
        ..request
    };
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let map = map_figure(&atlas, &request).expect("map");
        write_figure(&map.figure, &dir.path().join("berlin.png"), 300.0).expect("png");
        times.push(t.elapsed().as_secs_f64());
    }
    println!(
        "Beispielatlas Berlin, 448 Planungsräume: Karte als PNG bei 300 dpi {:.2} s (Median aus 3)",
        median(&mut times)
    );

    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let report = area_report(
            &atlas,
            &AreaReportRequest {
                map: None,
                areas: vec!["01011101".into(), "04061757".into(), "Bezirk:01".into()],
                period: "2020".into(),
                intern: false,
            },
        )
        .expect("report");
        write_area_report(&report, &dir.path().join("bericht.pdf")).expect("pdf");
        times.push(t.elapsed().as_secs_f64());
    }
    println!(
        "Gebietsbericht, 3 Gebiete, PDF: {:.2} s (Median aus 3; Ziel < 1 s)",
        median(&mut times)
    );
    let t = Instant::now();
    let book = write_profiles(
        &atlas,
        &ProfilesRequest {
            level: "Planungsraum".into(),
            period: "2020".into(),
            ..Default::default()
        },
        &dir.path().join("profile.pdf"),
        &NoProgress,
    )
    .expect("book");
    println!(
        "Quartiersprofile, ganzes Buch: {} Profile, {} Seiten in {:.1} s (Ziel < 30 s, besser < 10 s)",
        book.profiles,
        book.pages,
        t.elapsed().as_secs_f64()
    );
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// 20,000 blocks as GeoJSON (with the indicator as a property, for the peer) and the atlas.
fn generated(dir: &Path, geojson: &Path) -> std::path::PathBuf {
    let (dx, dy) = (0.0022, 0.00135);
    let mut text = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    let mut csv = String::from("id;kinder\n");
    for j in 0..ROWS {
        for i in 0..COLUMNS {
            let n = j * COLUMNS + i + 1;
            let (x0, y0) = (13.1 + i as f64 * dx, 52.35 + j as f64 * dy);
            let (w, h) = (dx * 0.97, dy * 0.97);
            // 40 vertices around the block's edge, ten on each side.
            let mut ring = Vec::new();
            for k in 0..VERTICES {
                let t = (k % 10) as f64 / 10.0;
                let (x, y) = match k / 10 {
                    0 => (x0 + w * t, y0),
                    1 => (x0 + w, y0 + h * t),
                    2 => (x0 + w * (1.0 - t), y0 + h),
                    _ => (x0, y0 + h * (1.0 - t)),
                };
                ring.push(format!("[{x:.7},{y:.7}]"));
            }
            ring.push(ring[0].clone());
            let value = ((n * 7919) % 1000) as f64 / 10.0;
            if n > 1 {
                text.push(',');
            }
            let _ = write!(
                text,
                "{{\"type\":\"Feature\",\"properties\":{{\"id\":\"{n:05}\",\"kinder\":{value}}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}}}",
                ring.join(",")
            );
            let _ = writeln!(csv, "{n:05};{}", format!("{value:.1}").replace('.', ","));
        }
    }
    text.push_str("]}");
    std::fs::write(geojson, text).expect("write geojson");
    let values = dir.join("werte.csv");
    std::fs::write(&values, csv).expect("write csv");
    let path = dir.join("bloecke.quartier");
    let mut atlas = Atlas::create(&path, "Großstadt (generiert)", None).expect("create");
    import_geometry(
        &mut atlas,
        &GeometryImport {
            level: "Block".into(),
            file: geojson.to_path_buf(),
            key_column: "id".into(),
            ..Default::default()
        },
        &NoProgress,
    )
    .expect("geometry");
    import_values(
        &mut atlas,
        &ValuesImport {
            file: values,
            level: "Block".into(),
            key_column: "id".into(),
            period: Some("2024".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .expect("values");
    path
}
