//! Frame times while switching between a level of 20,000 areas and the Berlin levels: the
//! UI thread must not read or project geometry itself (that runs as a job). Ignored in the
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
        },
        &quartier_core::NoProgress,
    )
    .unwrap();
    app.state.reload().unwrap();
    // What a level change did on the UI thread before it became a job.
    let t = Instant::now();
    let shapes = super::super::map::LevelShapes::load(&app.state.atlas, "Block").unwrap();
    let load = t.elapsed();
    drop(shapes);
    let mut h = harness(app);
    let levels = h.state().state.info.levels.len();
    let mut worst = Duration::ZERO;
    let mut frames = 0;
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
    println!(
        "Frame times switching between {levels} levels (one of 20,000 areas), {frames} frames: worst {:.1} ms (target < 50 ms); \
         reading and projecting the 20,000 outlines, now a job: {:.1} ms",
        worst.as_secs_f64() * 1e3,
        load.as_secs_f64() * 1e3
    );
}
