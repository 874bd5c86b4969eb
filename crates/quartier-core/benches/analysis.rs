//! Analysis benchmark on a generated level of 20,000 areas, with a peer in the same run.
//!
//! `cargo bench -p quartier-core --bench analysis`
//!
//! Measures status/dynamics (MSS method, 3 + 3 indicators, minimum population) and map
//! classification (Jenks with 7 classes, quantiles) and aggregation (a sum and a weighted mean
//! to 201 groups by key prefix) through the engine, reading from the atlas; Moran's I and LISA
//! with 999 permutations on the blocks laid out as a grid of squares.
//! Targets: each well under 100 ms; exact Jenks on 20,000 values under 1 s.
//!
//! Peer: `peer_analysis.py` (numpy for the z-score indices and the group sums, esda for
//! Moran's I and LISA on libpysal's queen lattice, mapclassify for quantiles and the
//! exact Fisher–Jenks). mapclassify's exact Fisher–Jenks is quadratic in pure Python, so the
//! peer runs it on the first `JENKS_PEER_N` values and Quartier does the same for the
//! comparison; both print their time and the largest difference of their results.

#[allow(dead_code)] // each benchmark uses some of the shared helpers
mod common;

use std::fmt::Write as _;
use std::time::Instant;

use quartier_core::analysis::aggregate::{aggregate, AggregateRequest};
use quartier_core::analysis::classify::{classify, classify_series, Method};
use quartier_core::analysis::hotspots::{lisa, LisaRequest};
use quartier_core::analysis::status_dynamics::{status_dynamics, DynamicsSource, StatusDynamicsConfig, Thresholds};
use quartier_core::analysis::{IndicatorChoice, MinPopulation};
use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::import::values::{import_values, UnmatchedPolicy, ValuesImport};
use quartier_core::model::AggregationRule;
use quartier_core::store::IndicatorUpdate;
use quartier_core::{Atlas, NoProgress};

const AREAS: usize = 20_000;
/// The blocks lie on a grid of this many columns (row by row), for the neighbourhoods.
const GRID_COLUMNS: usize = 125;
const JENKS_PEER_N: usize = 2_000;
use common::{median_ms, RUNS};

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A reproducible table: population and six shares per area (linear congruential generator).
    let mut state: u64 = 7;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    let csv = dir.path().join("bloecke.csv");
    let mut text = String::from("id;ew;s1;s2;s3;d1;d2;d3;welle\n");
    for n in 1..=AREAS {
        let ew = (next() * 3000.0).round();
        let _ = write!(text, "{n:05};{ew}");
        for scale in [15.0, 8.0, 30.0] {
            let _ = write!(text, ";{:.4}", next() * next() * scale);
        }
        for _ in 0..3 {
            let _ = write!(text, ";{:.4}", (next() - 0.5) * 4.0);
        }
        // A smooth wave over the grid plus noise: spatially clustered, for Moran's I.
        let (row, col) = ((n - 1) / GRID_COLUMNS, (n - 1) % GRID_COLUMNS);
        let _ = write!(
            text,
            ";{:.4}",
            (row as f64 / 12.0).sin() + (col as f64 / 9.0).cos() + next() - 0.5
        );
        text.push('\n');
    }
    std::fs::write(&csv, &text).expect("write csv");

    let path = dir.path().join("bench.quartier");
    let mut atlas = Atlas::create(&path, "Bench", None).expect("atlas");
    atlas.create_level("Block", None).expect("level");
    import_values(
        &mut atlas,
        &ValuesImport {
            file: csv.clone(),
            level: "Block".into(),
            key_column: "id".into(),
            period: Some("2020".into()),
            unmatched: UnmatchedPolicy::CreateMissing,
            decimal: Some(quartier_core::numbers::DecimalSeparator::Point),
            ..Default::default()
        },
        &NoProgress,
    )
    .expect("values");

    // Square blocks on a grid, for Moran's I with queen contiguity.
    let geojson = dir.path().join("bloecke.geojson");
    let mut features = Vec::with_capacity(AREAS);
    for n in 1..=AREAS {
        let (row, col) = ((n - 1) / GRID_COLUMNS, (n - 1) % GRID_COLUMNS);
        let (x0, y0) = (13.0 + col as f64 * 0.001, 52.3 + row as f64 * 0.001);
        let (x1, y1) = (13.0 + (col + 1) as f64 * 0.001, 52.3 + (row + 1) as f64 * 0.001);
        features.push(format!(
            r#"{{"type":"Feature","properties":{{"id":"{n:05}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
        ));
    }
    std::fs::write(
        &geojson,
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")),
    )
    .expect("write geojson");
    import_geometry(
        &mut atlas,
        &GeometryImport {
            level: "Block".into(),
            file: geojson,
            key_column: "id".into(),
            name_column: None,
            parent_level: None,
            parent_key_column: None,
            crs: None,
            new_level: false,
        },
        &NoProgress,
    )
    .expect("geometry");

    // A coarser level of 201 groups keyed by the first three digits, for the aggregation.
    let groups_csv = dir.path().join("gruppen.csv");
    let mut groups = String::from("id;flaeche\n");
    for g in 0..=AREAS / 100 {
        let _ = writeln!(groups, "{g:03};1");
    }
    std::fs::write(&groups_csv, &groups).expect("write groups");
    atlas.create_level("Gruppe", None).expect("level");
    import_values(
        &mut atlas,
        &ValuesImport {
            file: groups_csv,
            level: "Gruppe".into(),
            key_column: "id".into(),
            period: Some("2020".into()),
            unmatched: UnmatchedPolicy::CreateMissing,
            ..Default::default()
        },
        &NoProgress,
    )
    .expect("groups");
    atlas
        .update_indicator(
            "ew",
            &IndicatorUpdate {
                aggregation: Some(AggregationRule::Sum),
                ..Default::default()
            },
        )
        .expect("rule");
    atlas
        .update_indicator(
            "s1",
            &IndicatorUpdate {
                aggregation: Some(AggregationRule::WeightedMean("ew".into())),
                ..Default::default()
            },
        )
        .expect("rule");

    let choices = |keys: [&str; 3]| keys.iter().map(|k| IndicatorChoice::new(k)).collect::<Vec<_>>();
    let config = StatusDynamicsConfig {
        level: "Block".into(),
        period: "2020".into(),
        preset: None,
        status: choices(["s1", "s2", "s3"]),
        dynamics: DynamicsSource::Indicators {
            indicators: choices(["d1", "d2", "d3"]),
        },
        min_population: Some(MinPopulation {
            indicator: "ew".into(),
            minimum: 300.0,
        }),
        exclude: vec![],
        thresholds: Thresholds::default(),
    };
    // Three legs, each from a freshly opened atlas: load (the series the analysis reads, into
    // the atlas's one data path), compute (the analysis with those series in memory), and
    // end-to-end (open, load and compute, as a planner's first click does).
    let fresh = || Atlas::open(&path).expect("open");
    // Both analyses read columns (`Atlas::column`): the load leg reads what they read.
    let load = |atlas: &Atlas, keys: &[&str]| {
        let level = atlas.level("Block").expect("level");
        let period = atlas.period("2020").expect("period");
        atlas.level_areas(level.id).expect("areas");
        for key in keys {
            let meta = atlas.indicator(key).expect("indicator");
            atlas.column(meta.id, level.id, period.id).expect("column");
        }
    };
    let t_open = median_ms(|| {
        fresh();
    });
    let t_areas = median_ms(|| {
        let atlas = fresh();
        let level = atlas.level("Block").expect("level");
        atlas.level_areas(level.id).expect("areas");
    }) - t_open;
    let legs = |keys: &[&str], run: &dyn Fn(&Atlas)| -> [f64; 3] {
        let t_load = median_ms(|| load(&fresh(), keys));
        let warm = fresh();
        run(&warm);
        let t_compute = median_ms(|| run(&warm));
        let t_end_to_end = median_ms(|| run(&fresh()));
        [t_load, t_compute, t_end_to_end]
    };
    let sd = status_dynamics(&atlas, &config).expect("status/dynamics");
    let sd_legs = legs(&["s1", "s2", "s3", "d1", "d2", "d3", "ew"], &|a| {
        status_dynamics(a, &config).expect("status/dynamics");
    });
    let t_sd = sd_legs[2];
    let t_jenks = median_ms(|| {
        classify_series(&atlas, "s1", "Block", "2020", &Method::Jenks, 7, None).expect("jenks");
    });
    let t_quantile = median_ms(|| {
        classify_series(&atlas, "s1", "Block", "2020", &Method::Quantile, 7, None).expect("quantile");
    });
    let aggregate_request = AggregateRequest {
        from_level: "Block".into(),
        to_level: Some("Gruppe".into()),
        period: "2020".into(),
        indicators: vec!["ew".into(), "s1".into()],
        key_prefix: Some(3),
        allow_partial: false,
        unweighted_mean: false,
    };
    let aggregation = aggregate(&atlas, &aggregate_request).expect("aggregate");
    let aggregate_legs = legs(&["ew", "s1"], &|a| {
        aggregate(a, &aggregate_request).expect("aggregate");
    });
    let t_aggregate = aggregate_legs[2];
    let lisa_request = LisaRequest {
        indicator: "welle".into(),
        level: "Block".into(),
        period: "2020".into(),
        permutations: 999,
        seed: 1,
        significance: 0.05,
    };
    let t = Instant::now();
    let hotspots = lisa(&atlas, &lisa_request, &NoProgress).expect("lisa");
    let t_lisa = t.elapsed().as_secs_f64() * 1e3;
    let s1: Vec<f64> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(';').nth(2)?.parse().ok())
        .collect();
    let sub = &s1[..JENKS_PEER_N];
    let mut jenks_sub = None;
    let t_jenks_sub = median_ms(|| jenks_sub = Some(classify(sub, &Method::Jenks, 7, 4).expect("jenks")));

    println!(
        "Generated level: {AREAS} areas (median of {RUNS} runs; targets: each < 100 ms, exact Jenks on 20,000 < 1 s)"
    );
    println!("  open the atlas: {t_open:.1} ms; read the level's {AREAS} areas: {t_areas:.1} ms");
    println!(
        "  status/dynamics, 3 + 3 indicators, {} valid areas:  {t_sd:>8.1} ms end-to-end (load {:.1} ms, compute {:.1} ms)",
        sd.valid_areas, sd_legs[0], sd_legs[1]
    );
    println!("  classify Jenks (exact), 7 classes, {AREAS} values:   {t_jenks:>8.1} ms");
    println!("  classify quantiles, 7 classes:                       {t_quantile:>8.1} ms");
    println!(
        "  aggregate ew and s1 (weighted by ew), {} groups:   {t_aggregate:>8.1} ms end-to-end (load {:.1} ms, compute {:.1} ms)",
        aggregation.indicators[0].areas.len(),
        aggregate_legs[0],
        aggregate_legs[1]
    );
    println!(
        "  Moran's I and LISA, queen, 999 permutations (one run): {t_lisa:>8.1} ms (Moran's I {:.6})",
        hotspots.moran_i
    );
    println!("  Jenks on the first {JENKS_PEER_N} values (for the peer):    {t_jenks_sub:>8.1} ms");

    let Some(peer) = common::run_peer(
        "peer_analysis.py",
        &[
            csv.display().to_string(),
            JENKS_PEER_N.to_string(),
            GRID_COLUMNS.to_string(),
        ],
        "numpy mapclassify esda libpysal",
    ) else {
        return;
    };
    let (floats, max_diff) = (common::floats, common::largest_difference);
    let ours_status: Vec<f64> = sd.areas.iter().map(|a| a.status_index).collect();
    let ours_dynamics: Vec<f64> = sd.areas.iter().filter_map(|a| a.dynamics_index).collect();
    // mapclassify's bins are class upper bounds; ours are edges, so compare the inner ones:
    // our class start is the smallest value of a class, theirs the largest of the class below.
    let jenks_edges = jenks_sub.expect("ran").edges;
    let peer_jenks = floats(&peer["jenks_bins"]);
    let mut sorted = sub.to_vec();
    sorted.sort_by(f64::total_cmp);
    // Sum of squared deviations from the class means: the quantity Fisher–Jenks minimises.
    // `starts` are the sorted positions where classes begin.
    let sse = |starts: &[usize]| -> f64 {
        let mut bounds = starts.to_vec();
        bounds.push(sorted.len());
        bounds
            .windows(2)
            .map(|w| {
                let class = &sorted[w[0]..w[1]];
                let mean = class.iter().sum::<f64>() / class.len().max(1) as f64;
                class.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
            })
            .sum()
    };
    let ours_starts: Vec<usize> = std::iter::once(0)
        .chain(
            jenks_edges[1..jenks_edges.len() - 1]
                .iter()
                .map(|e| sorted.partition_point(|v| v < e)),
        )
        .collect();
    // mapclassify's bins are class upper bounds (closed): a class starts after the bound below.
    let peer_starts: Vec<usize> = std::iter::once(0)
        .chain(
            peer_jenks[..peer_jenks.len() - 1]
                .iter()
                .map(|b| sorted.partition_point(|v| v <= b)),
        )
        .collect();
    let peer_quantiles = floats(&peer["quantile_bins"]);
    let quantiles = classify(&s1, &Method::Quantile, 7, 4).expect("quantiles").edges;
    let p = |k: &str| peer[k].as_f64().unwrap_or(f64::NAN) * 1e3;
    let ours_aggregates: Vec<f64> = aggregation
        .indicators
        .iter()
        .flat_map(|i| i.areas.iter().map(|a| a.combined.value.unwrap_or(f64::NAN)))
        .collect();
    let peer_aggregates: Vec<f64> = floats(&peer["group_sum"])
        .into_iter()
        .chain(floats(&peer["group_weighted_mean"]))
        .collect();
    println!("  Peer (numpy on arrays for compute; pandas reading the same values for load and end-to-end; mapclassify FisherJenks and Quantiles):");
    let leg_line = |name: &str, ours: [f64; 3], peer_key: &str| {
        let peer = [
            p("pandas_load_s"),
            p(&format!("{peer_key}_s")),
            p(&format!("{peer_key}_end_to_end_s")),
        ];
        println!(
            "    {name:<16} load {:.1} ms vs {:.1} ms ({:.2}), compute {:.2} ms vs {:.2} ms ({:.2}), end-to-end {:.1} ms vs {:.1} ms ({:.2})",
            ours[0], peer[0], ours[0] / peer[0], ours[1], peer[1], ours[1] / peer[1], ours[2], peer[2], ours[2] / peer[2]
        );
    };
    leg_line("status/dynamics:", sd_legs, "status_dynamics");
    println!(
        "      largest index difference {:.1e}",
        max_diff(&ours_status, &floats(&peer["status_index"]))
            .max(max_diff(&ours_dynamics, &floats(&peer["dynamics_index"])))
    );
    leg_line("aggregation:", aggregate_legs, "aggregate");
    println!(
        "      largest value difference {:.1e}",
        max_diff(&ours_aggregates, &peer_aggregates)
    );
    match peer["moran_i"].as_f64() {
        Some(peer_i) => println!(
            "    Moran/LISA:       {:>8.1} ms (esda Moran + Moran_Local, 999 permutations; Quartier / peer: {:.2}); Moran's I difference {:.1e}",
            p("lisa_s"),
            t_lisa / p("lisa_s"),
            (hotspots.moran_i - peer_i).abs()
        ),
        None => println!("    Moran/LISA: esda missing (pip install esda libpysal)"),
    }
    println!(
        "    quantiles:        {:>8.1} ms (Quartier / peer: {:.2}); largest break difference {:.1e}",
        p("quantile_s"),
        t_quantile / p("quantile_s"),
        max_diff(
            &quantiles[1..quantiles.len() - 1],
            &peer_quantiles[..peer_quantiles.len() - 1]
        )
    );
    println!(
        "    exact Jenks on {JENKS_PEER_N}: {:>8.1} ms (Quartier / peer: {:.4}); within-class squared deviation Quartier {:.4}, peer {:.4}",
        p("jenks_s"),
        t_jenks_sub / p("jenks_s"),
        sse(&ours_starts),
        sse(&peer_starts)
    );
}
