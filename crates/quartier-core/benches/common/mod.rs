//! What the benchmarks share: timing, running the Python peer script and reading its JSON.

/// Imports the areas of a GeoJSON file with their key in `id` and name in `name` as `level`.
pub fn import_areas(atlas: &mut quartier_core::Atlas, level: &str, file: &std::path::Path) {
    quartier_core::import::geometry::import_geometry(
        atlas,
        &quartier_core::import::geometry::GeometryImport {
            level: level.into(),
            file: file.to_path_buf(),
            key_column: "id".into(),
            name_column: Some("name".into()),
            ..Default::default()
        },
        &quartier_core::NoProgress,
    )
    .expect("areas import");
}

/// Runs per measurement; the benchmarks print the median.
pub const RUNS: usize = 5;

/// The median time of [`RUNS`] runs of `f`, in milliseconds.
pub fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

/// Runs `benches/SCRIPT` with `args` and returns its JSON, or prints why the peer did not run
/// (no python3, a failure, or a missing package with the pip line) and returns `None`.
pub fn run_peer(script: &str, args: &[String], packages: &str) -> Option<serde_json::Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches")
        .join(script);
    let peer: serde_json::Value = match std::process::Command::new("python3").arg(&path).args(args).output() {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).unwrap_or_default(),
        Ok(o) => {
            println!("  Peer failed: {}", String::from_utf8_lossy(&o.stderr));
            return None;
        }
        Err(e) => {
            println!("  Peer not run (python3 missing: {e})");
            return None;
        }
    };
    if let Some(missing) = peer["missing"].as_str() {
        println!("  Peer not run: {missing} (pip install {packages})");
        return None;
    }
    Some(peer)
}

/// A JSON array of numbers (null as NaN).
pub fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
        .unwrap_or_default()
}

/// The largest absolute difference of two equally long series (NaN pairs skipped);
/// infinite when the lengths differ.
pub fn largest_difference(a: &[f64], b: &[f64]) -> f64 {
    if a.len() != b.len() {
        return f64::INFINITY;
    }
    a.iter()
        .zip(b)
        .filter(|(x, y)| !(x.is_nan() && y.is_nan()))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}
