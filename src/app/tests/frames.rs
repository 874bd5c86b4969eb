//! Frame times while switching between a level of 20,000 areas and the Berlin levels: the
//! UI thread must not read or project geometry itself (that runs as a job), nor read and decode
//! base-map tiles (a loader thread does, here from a folder of noisy PNG tiles that take a few
//! milliseconds each to decode). Ignored in the
//! normal run (it builds a large level); `cargo test --release --lib frame_times -- --ignored
//! --nocapture` prints the worst frame.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::super::command::Command;
use super::{harness, sample_app};

#[test]
#[ignore = "measurement: run with --ignored --nocapture"]
fn frame_times_while_switching_levels() {
    let (dir, mut app) = sample_app();
    // 20,000 squares of 100 m on a grid south of Berlin, as one more level.
    let geojson = dir.path().join("bloecke.geojson");
    let mut features = String::new();
    for n in 0..20_000usize {
        let (row, col) = (n / 125, n % 125);
        let (x0, y0) = (13.2 + col as f64 * 0.0015, 52.35 + row as f64 * 0.001);
        let (x1, y1) = (x0 + 0.0015, y0 + 0.001);
        if n > 0 {
            features.push(',');
        }
        let _ = write!(
            features,
            r#"{{"type":"Feature","properties":{{"id":"{n:05}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
        );
    }
    std::fs::write(
        &geojson,
        format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#),
    )
    .unwrap();
    quartier_core::import::geometry::import_geometry(
        &mut app.state.atlas,
        &quartier_core::import::geometry::GeometryImport {
            level: "Block".into(),
            file: geojson,
            key_column: "id".into(),
            name_column: None,
            parent_level: None,
            parent_key_column: None,
            crs: None,
            new_level: false,
        },
        &quartier_core::NoProgress,
    )
    .unwrap();
    app.state.reload().unwrap();
    // A tile folder over Berlin and the blocks, zoom 8 to 13, as gdal2tiles writes it.
    let tiles = dir.path().join("kacheln");
    let mut tile_count = 0;
    let mut noise = 0x2545_f491_u32;
    for zoom in 8..=13u32 {
        let n = f64::from(1u32 << zoom);
        let x_of = |lon: f64| ((lon + 180.0) / 360.0 * n) as u32;
        let y_of = |lat: f64| {
            let r = lat.to_radians();
            ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32
        };
        for x in x_of(13.0)..=x_of(13.8) {
            for y in y_of(52.7)..=y_of(52.3) {
                let image = image::RgbImage::from_fn(256, 256, |_, _| {
                    noise ^= noise << 13;
                    noise ^= noise >> 17;
                    noise ^= noise << 5;
                    image::Rgb([200 + (noise % 40) as u8, 200, 190 + (noise % 50) as u8])
                });
                let file = tiles.join(format!("{zoom}/{x}/{y}.png"));
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                image.save(&file).unwrap();
                tile_count += 1;
            }
        }
    }
    app.base_settings = super::super::basemap::BaseMapSettings {
        source: super::super::basemap::BaseMapSource::TileFolder(tiles),
        offline: true,
    };
    // What a level change did on the UI thread before it became a job.
    let t = Instant::now();
    let shapes = super::super::map::LevelShapes::load(&app.state.atlas, "Block").unwrap();
    let load = t.elapsed();
    drop(shapes);
    let mut h = harness(app);
    let levels = h.state().state.info.levels.len();
    let mut worst = Duration::ZERO;
    let mut frames = 0;
    let mut in_flight = 0;
    for round in 0..3 {
        for level in 0..levels {
            h.state_mut().commands.push(Command::ChooseLevel(level));
            // Frames until the level's map is there.
            let started = Instant::now();
            loop {
                let t = Instant::now();
                h.step();
                worst = worst.max(t.elapsed());
                frames += 1;
                in_flight = in_flight.max(h.state().base_map.as_ref().map_or(0, |b| b.loading()));
                let app = h.state();
                if app.geometry.as_ref().is_some_and(|g| g.level == app.state.level_name()) {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "round {round}, level {level}"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            // A few frames of the finished map (the first draw builds its meshes).
            for _ in 0..3 {
                let t = Instant::now();
                h.step();
                worst = worst.max(t.elapsed());
                frames += 1;
            }
        }
    }
    assert!(h.state().base_map.is_some(), "the tile folder opened");
    assert!(in_flight > 0, "tiles were asked of the loader thread");
    println!(
        "Frame times switching between {levels} levels (one of 20,000 areas) over a base map of {tile_count} local tiles \
         (up to {in_flight} being decoded off the UI thread), {frames} frames: worst {:.1} ms (target < 50 ms); \
         reading and projecting the 20,000 outlines, now a job: {:.1} ms",
        worst.as_secs_f64() * 1e3,
        load.as_secs_f64() * 1e3
    );
}
