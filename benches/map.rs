//! Map pane and start-up benchmark.
//!
//! `cargo bench --bench map`
//!
//! - A generated level of 20,000 areas (160 × 125 blocks over 30 × 30 km, 40 vertices each,
//!   800,000 vertices in all; Berlin's 448 Planungsräume have 156 vertices on average): the
//!   first build of the map's draw data (reading the geometry from the atlas and
//!   triangulating it; target < 500 ms) and the CPU time of one frame of the map pane (the
//!   pane's UI code and egui's tessellation of its shapes; target < 4 ms), fitted to the
//!   pane and zoomed in.
//! - The sample atlas (Berlin): the start-up time from opening the atlas to the first frame
//!   of the whole window (state, layout, map geometry, tessellation; target < 1 s). Window
//!   and GL set-up are not included: they depend on the display, not on Quartier.
//!
//! Peer: `peer_map.py` draws the same 20,000 polygons with matplotlib (a `PolyCollection`
//! on the Agg canvas at the same size), first and again, as a desktop GIS's renderer would.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use eframe::egui;
use quartier::app::map::{map_ui, MapGeometry, View};
use quartier::app::state::Workbench;
use quartier::app::QuartierApp;
use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::import::values::{import_values, UnmatchedPolicy, ValuesImport};
use quartier_core::{Atlas, NoProgress};

const COLUMNS: usize = 160;
const ROWS: usize = 125;
const VERTICES: usize = 40;
const SCREEN: [f32; 2] = [1280.0, 800.0];

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let geojson = dir.path().join("bloecke.geojson");
    let csv = dir.path().join("werte.csv");
    write_blocks(&geojson, &csv)?;
    let path = dir.path().join("gross.quartier");
    let mut atlas = Atlas::create(&path, "Großstadt (generiert)", None)?;
    let started = Instant::now();
    import_geometry(
        &mut atlas,
        &GeometryImport {
            level: "Baublock".into(),
            file: geojson.clone(),
            key_column: "id".into(),
            name_column: Some("name".into()),
            ..Default::default()
        },
        &NoProgress,
    )?;
    import_values(
        &mut atlas,
        &ValuesImport {
            file: csv,
            level: "Baublock".into(),
            key_column: "id".into(),
            period: Some("2024".into()),
            unmatched: UnmatchedPolicy::Abort,
            ..Default::default()
        },
        &NoProgress,
    )?;
    println!(
        "Vorbereitung: {} Flächen mit je {VERTICES} Punkten importiert in {:.1} s",
        COLUMNS * ROWS,
        started.elapsed().as_secs_f64()
    );

    // First build: read, simplify and triangulate for the first view, three times.
    let mut builds = Vec::new();
    let mut geometry = None;
    let pane = egui::vec2(SCREEN[0] - 16.0, SCREEN[1] - 16.0);
    for _ in 0..3 {
        let t = Instant::now();
        let g = MapGeometry::build(&atlas, "Baublock")?;
        std::hint::black_box(g.detail(g.fit_scale(pane)));
        builds.push(t.elapsed().as_secs_f64() * 1000.0);
        geometry = Some(g);
    }
    let geometry = geometry.ok_or_else(|| anyhow::anyhow!("keine Geometrie"))?;
    let detail = geometry.detail(geometry.fit_scale(pane));
    let triangles: usize = detail.areas.iter().map(|a| a.indices.len() / 3).sum();
    let points: usize = detail.areas.iter().flat_map(|a| a.rings.iter()).map(Vec::len).sum();
    println!(
        "Erster Aufbau (Lesen, Vereinfachen, Triangulieren; {} Flächen, {points} Punkte, {triangles} Dreiecke): {} ms (Ziel < 500 ms)",
        geometry.areas.len(),
        list(&builds)
    );
    let t = Instant::now();
    let zoomed = geometry.detail(geometry.fit_scale(pane) * 8.0);
    println!(
        "Neue Zoomstufe (8-fach, {} Punkte): {:.0} ms, einmal je Stufe",
        zoomed
            .areas
            .iter()
            .flat_map(|a| a.rings.iter())
            .map(Vec::len)
            .sum::<usize>(),
        t.elapsed().as_secs_f64() * 1000.0
    );

    let mut state = Workbench::new(Atlas::open(&path)?)?;
    state.choose_indicator("kinder");
    let ctx = egui::Context::default();
    let mut report = String::new();
    for (label, zoom) in [
        ("ganze Ebene", 1.0),
        ("2-fach vergrößert", 2.0),
        ("4-fach vergrößert", 4.0),
        ("8-fach vergrößert", 8.0),
    ] {
        let mut view = View {
            zoom,
            ..View::default()
        };
        // The commands a frame pushes (none without pointer input) are dropped each frame.
        let mut commands = Vec::new();
        let (ui_ms, tessellate_ms) = frames(&ctx, 60, |ui| {
            map_ui(ui, &mut state, &geometry, &mut view, None, &mut commands);
            commands.clear();
        });
        writeln!(
            report,
            "Bild der Karte ({label}): UI {:.2} ms + Tessellierung {:.2} ms = {:.2} ms (Median aus 60; Ziel < 4 ms)",
            ui_ms,
            tessellate_ms,
            ui_ms + tessellate_ms
        )?;
    }
    print!("{report}");

    startup()?;
    peer(&geojson);
    Ok(())
}

/// Median CPU times of `n` frames (after two warm-up frames): the UI pass and egui's
/// tessellation of what it drew.
fn frames(ctx: &egui::Context, n: usize, mut draw: impl FnMut(&mut egui::Ui)) -> (f64, f64) {
    let mut ui_times = Vec::new();
    let mut tessellate_times = Vec::new();
    for i in 0..n + 2 {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SCREEN.into())),
            ..Default::default()
        };
        let t = Instant::now();
        let output = ctx.run_ui(input, |ui| {
            egui::CentralPanel::default().show(ui, |ui| draw(ui));
        });
        let ui_time = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        let tessellate_time = t.elapsed().as_secs_f64() * 1000.0;
        std::hint::black_box(primitives);
        if i >= 2 {
            ui_times.push(ui_time);
            tessellate_times.push(tessellate_time);
        }
    }
    (median(&mut ui_times), median(&mut tessellate_times))
}

/// Opening the sample atlas up to the first tessellated frame of the whole window.
fn startup() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("berlin.quartier");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    quartier_core::sample::build_sample_atlas(&data, &path, false, &NoProgress)?;
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let state = Workbench::new(Atlas::open(&path)?)?;
        let mut app = QuartierApp::new(state, None);
        let ctx = egui::Context::default();
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SCREEN.into())),
            ..Default::default()
        };
        let output = ctx.run_ui(input, |ui| app.show(ui));
        std::hint::black_box(ctx.tessellate(output.shapes, output.pixels_per_point));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "Start bis zum ersten Bild (Beispielatlas Berlin, ohne Fenster und GL): {} ms (Ziel < 1000 ms)",
        list(&times)
    );
    Ok(())
}

/// Runs the matplotlib peer on the same polygons, if Python and matplotlib are there.
fn peer(geojson: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer_map.py");
    let output = Command::new("python3").arg(&script).arg(geojson).output();
    match output {
        Ok(o) if o.status.success() => {
            print!("Vergleich (matplotlib): {}", String::from_utf8_lossy(&o.stdout));
        }
        Ok(o) => println!(
            "Vergleich (matplotlib) nicht gelaufen: {} (pip install matplotlib)",
            String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("")
        ),
        Err(e) => println!("Vergleich (matplotlib) nicht gelaufen: python3: {e}"),
    }
}

/// 160 × 125 blocks, each a ring of 40 points on a wobbly circle inside its cell, near
/// Berlin's latitude; and one count per block.
fn write_blocks(geojson: &Path, csv: &Path) -> anyhow::Result<()> {
    let (lon0, lat0): (f64, f64) = (13.1, 52.35);
    let (width, height) = (30_000.0 / (111_320.0 * lat0.to_radians().cos()), 30_000.0 / 110_574.0);
    let (cw, ch) = (width / COLUMNS as f64, height / ROWS as f64);
    let mut features = Vec::with_capacity(COLUMNS * ROWS);
    let mut values = String::from("id;kinder\n");
    let mut seed = 7_u64;
    let mut random = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for r in 0..ROWS {
        for c in 0..COLUMNS {
            let (cx, cy) = (lon0 + (c as f64 + 0.5) * cw, lat0 + (r as f64 + 0.5) * ch);
            let mut ring: Vec<[f64; 2]> = (0..VERTICES)
                .map(|i| {
                    let a = i as f64 / VERTICES as f64 * std::f64::consts::TAU;
                    let k = 0.40 + 0.08 * random();
                    [cx + k * cw * a.cos(), cy + k * ch * a.sin()]
                })
                .collect();
            ring.push(ring[0]);
            let key = format!("{:05}", r * COLUMNS + c);
            features.push(serde_json::json!({
                "type": "Feature",
                "properties": { "id": key, "name": format!("Block {key}") },
                "geometry": { "type": "Polygon", "coordinates": [ring] }
            }));
            writeln!(values, "{key};{}", (random() * 120.0).round() as i64)?;
        }
    }
    let collection = serde_json::json!({ "type": "FeatureCollection", "features": features });
    std::fs::write(geojson, serde_json::to_vec(&collection)?)?;
    std::fs::write(csv, values)?;
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn list(values: &[f64]) -> String {
    values.iter().map(|v| format!("{v:.0}")).collect::<Vec<_>>().join(" / ")
}
