//! Composite indices: hand-computed normalisations and aggregations, the checks, missing
//! data, the Monte Carlo uncertainty analysis, and the MSS status index as a special case on
//! the real Berlin data.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::*;
use quartier_core::analysis::index::{
    composite_index, save_composite_index, Aggregation, IndexConfig, IndexResult, MissingPolicy, Normalisation,
    Uncertainty,
};
use quartier_core::analysis::status_dynamics::{status_dynamics, Preset};
use quartier_core::analysis::{IndicatorChoice, MinPopulation};
use quartier_core::import::values::{import_values, UnmatchedPolicy, ValuesImport};
use quartier_core::progress::ProgressFn;
use quartier_core::sample::build_sample_atlas;
use quartier_core::{Atlas, Error, NoProgress};

/// Five Quartiere: x (high is favourable), y (high is unfavourable); E has no y ("…":
/// not available; "–" would be zero).
fn small_atlas(dir: &std::path::Path) -> Atlas {
    let mut atlas = new_atlas(dir, "Teststadt");
    atlas.create_level("Quartier", None).unwrap();
    let csv = dir.join("werte.csv");
    std::fs::write(
        &csv,
        "id;name;x;y\nA;Alpha;10;8\nB;Beta;20;2\nC;Gamma;30;4\nD;Delta;40;0\nE;Epsilon;25;…\n",
    )
    .unwrap();
    import_values(
        &mut atlas,
        &ValuesImport {
            file: csv,
            level: "Quartier".into(),
            key_column: "id".into(),
            name_column: Some("name".into()),
            period: Some("2024".into()),
            unmatched: UnmatchedPolicy::CreateMissing,
            confirm_create: true,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    atlas
}

fn config(specs: &[&str], normalisation: Normalisation, aggregation: Aggregation) -> IndexConfig {
    IndexConfig {
        level: "Quartier".into(),
        period: "2024".into(),
        indicators: specs.iter().map(|s| IndicatorChoice::parse(s).unwrap()).collect(),
        budget: false,
        normalisation,
        aggregation,
        targets: BTreeMap::new(),
        missing: MissingPolicy::Exclude,
        min_population: None,
        exclude: vec![],
        uncertainty: None,
    }
}

fn by_key(r: &IndexResult) -> BTreeMap<String, (f64, usize)> {
    r.areas.iter().map(|a| (a.key.clone(), (a.index, a.rank))).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn normalisations_and_aggregations_match_hand_computation() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = small_atlas(dir.path());
    // Min-max of x (10…40) and of −y (−8…0): A 0|0, B ⅓|¾, C ⅔|½, D 1|1.
    let r = composite_index(
        &atlas,
        &config(&["x:+", "y:-"], Normalisation::MinMax, Aggregation::Arithmetic),
        &NoProgress,
    )
    .unwrap();
    let m = by_key(&r);
    assert_eq!(r.excluded.len(), 1);
    assert_eq!(
        (r.excluded[0].key.as_str(), r.excluded[0].reason.as_str()),
        ("E", "Werte fehlen: y fehlt")
    );
    for (key, index, rank) in [
        ("A", 0.0, 4),
        ("B", (1.0 / 3.0 + 0.75) / 2.0, 3),
        ("C", (2.0 / 3.0 + 0.5) / 2.0, 2),
        ("D", 1.0, 1),
    ] {
        assert!(close(m[key].0, index), "{key}: {} vs {index}", m[key].0);
        assert_eq!(m[key].1, rank, "{key}");
    }
    assert_eq!(r.areas[0].key, "D", "sorted by rank");
    assert_eq!(r.weighting, "gleich");
    assert!(r.compensability.contains("voll kompensatorisch"));

    // Weights 3 : 1.
    let w = composite_index(
        &atlas,
        &config(&["x:+:3", "y:-:1"], Normalisation::MinMax, Aggregation::Arithmetic),
        &NoProgress,
    )
    .unwrap();
    assert!(close(by_key(&w)["B"].0, (3.0 / 3.0 + 0.75) / 4.0));
    assert_eq!(
        (w.weighting.as_str(), w.indicators[0].weight_share),
        ("vorgegeben", 0.75)
    );

    // Geometric: min-max rescaled to 1…100, then the weighted geometric mean.
    let g = composite_index(
        &atlas,
        &config(&["x:+", "y:-"], Normalisation::MinMax, Aggregation::Geometric),
        &NoProgress,
    )
    .unwrap();
    let gm = by_key(&g);
    assert!(close(gm["A"].0, 1.0) && close(gm["D"].0, 100.0));
    assert!(close(gm["B"].0, (34.0f64 * 75.25).sqrt()), "{}", gm["B"].0);
    assert!(close(gm["C"].0, (67.0f64 * 50.5).sqrt()));
    assert!(g.compensability.contains("teilweise kompensatorisch"));

    // z-scores: with two indicators the index is their mean.
    let z = composite_index(
        &atlas,
        &config(&["x:+", "y:-"], Normalisation::Z, Aggregation::Arithmetic),
        &NoProgress,
    )
    .unwrap();
    let zx = [
        -1.3416407864998738,
        -0.4472135954999579,
        0.4472135954999579,
        1.3416407864998738,
    ];
    // −y = −8, −2, −4, 0: mean −3.5, population sd √(59/4 − ...) computed here.
    let yo = [-8.0, -2.0, -4.0, 0.0];
    let mean = yo.iter().sum::<f64>() / 4.0;
    let sd = (yo.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 4.0).sqrt();
    for (i, key) in ["A", "B", "C", "D"].iter().enumerate() {
        assert!(close(by_key(&z)[*key].0, (zx[i] + (yo[i] - mean) / sd) / 2.0), "{key}");
    }

    // Percentile ranks and ranks: B and C tie in the mean of the percentile ranks.
    let p = composite_index(
        &atlas,
        &config(&["x:+", "y:-"], Normalisation::Percentile, Aggregation::Arithmetic),
        &NoProgress,
    )
    .unwrap();
    let pm = by_key(&p);
    // x percentiles 0, 33⅓, 66⅔, 100; −y ranks: A 1, C 2, B 3, D 4 → 0, 66⅔, 33⅓, 100.
    assert!(close(pm["B"].0, 50.0) && close(pm["C"].0, 50.0));
    assert_eq!((pm["B"].1, pm["C"].1, pm["A"].1), (2, 2, 4), "ties share the best rank");

    // Distance to a target.
    let mut t = config(&["x:+", "y:-"], Normalisation::Target, Aggregation::Arithmetic);
    assert!(
        matches!(composite_index(&atlas, &t, &NoProgress), Err(Error::Invalid(m)) if m.contains("Zielwert für „x“"))
    );
    t.targets = BTreeMap::from([("x".to_string(), 20.0), ("y".to_string(), 2.0)]);
    let tm = by_key(&composite_index(&atlas, &t, &NoProgress).unwrap());
    // A: x (10 − 20)/20 = −0.5; y oriented (−8 − −2)/2 = −3 → −1.75.
    assert!(close(tm["A"].0, -1.75), "{}", tm["A"].0);

    // Available cases: E enters with x alone (min-max 0.5) when half the indicators suffice.
    let mut available = config(&["x:+", "y:-"], Normalisation::MinMax, Aggregation::Arithmetic);
    available.missing = MissingPolicy::Available { min_coverage: 0.5 };
    let a = composite_index(&atlas, &available, &NoProgress).unwrap();
    let e = a.areas.iter().find(|x| x.key == "E").unwrap();
    assert_eq!((e.used, e.total), (1, 2));
    assert!(close(e.index, 0.5));
    assert!(a.excluded.is_empty());
    available.missing = MissingPolicy::Available { min_coverage: 0.75 };
    assert_eq!(
        composite_index(&atlas, &available, &NoProgress).unwrap().excluded.len(),
        1
    );

    // Budget allocation must add up to 100 points.
    let mut budget = config(&["x:+:60", "y:-:30"], Normalisation::MinMax, Aggregation::Arithmetic);
    budget.budget = true;
    assert!(
        matches!(composite_index(&atlas, &budget, &NoProgress), Err(Error::Invalid(m)) if m.contains("100 Punkte"))
    );
    budget.indicators[1].weight = 40.0;
    assert_eq!(
        composite_index(&atlas, &budget, &NoProgress).unwrap().weighting,
        "Budget (Punkte)"
    );
    // One indicator is no index.
    assert!(composite_index(
        &atlas,
        &config(&["x:+"], Normalisation::Z, Aggregation::Arithmetic),
        &NoProgress
    )
    .is_err());
}

#[test]
fn checks_report_correlation_alpha_and_the_first_component() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = small_atlas(dir.path());
    let r = composite_index(
        &atlas,
        &config(&["x:+", "y:-"], Normalisation::Z, Aggregation::Arithmetic),
        &NoProgress,
    )
    .unwrap();
    let (x, y) = ([10.0, 20.0, 30.0, 40.0], [-8.0, -2.0, -4.0, 0.0]);
    let corr = quartier_core::analysis::stats::correlation(&x, &y).unwrap();
    assert_eq!(r.checks.complete_areas, 4);
    assert!(close(r.checks.correlation[0][1].unwrap(), corr));
    // Two items: the first component carries (1 + |r|) / 2, standardised alpha is 2r / (1 + r).
    assert!(close(r.checks.first_component_share.unwrap(), (1.0 + corr.abs()) / 2.0));
    assert!(close(r.checks.cronbach_alpha.unwrap(), 2.0 * corr / (1.0 + corr)));
    assert!(!r.checks.notes.is_empty());
}

#[test]
fn monte_carlo_rank_intervals_are_reproducible_and_name_the_driving_choice() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = small_atlas(dir.path());
    let mut c = config(&["x:+", "y:-"], Normalisation::MinMax, Aggregation::Arithmetic);
    // No variation: every interval is the rank itself.
    c.uncertainty = Some(Uncertainty {
        runs: 50,
        weight_range: 0.0,
        normalisations: vec![Normalisation::MinMax],
        aggregations: vec![Aggregation::Arithmetic],
        seed: 1,
    });
    let fixed = composite_index(&atlas, &c, &NoProgress).unwrap();
    for a in &fixed.areas {
        assert_eq!(
            (a.rank_p05, a.rank_median, a.rank_p95),
            (Some(a.rank as f64), Some(a.rank as f64), Some(a.rank as f64))
        );
    }
    // Weights ± 90 %: B and C swap places in some runs; A and D never move.
    c.uncertainty = Some(Uncertainty {
        runs: 400,
        weight_range: 0.9,
        normalisations: vec![Normalisation::MinMax, Normalisation::Z, Normalisation::Rank],
        aggregations: vec![Aggregation::Arithmetic, Aggregation::Geometric],
        seed: 7,
    });
    // Progress reaches the end; a cancel stops the runs.
    let reports = std::cell::RefCell::new(Vec::new());
    let watched = ProgressFn {
        callback: |f: f32, stage: &str| reports.borrow_mut().push((f, stage.to_string())),
        cancel: None,
    };
    composite_index(&atlas, &c, &watched).unwrap();
    assert_eq!(
        reports.borrow().last().unwrap(),
        &(1.0, "Unsicherheitsanalyse".to_string())
    );
    let stop = std::sync::atomic::AtomicBool::new(true);
    let cancelled = ProgressFn {
        callback: |_: f32, _: &str| {},
        cancel: Some(&stop),
    };
    assert!(matches!(composite_index(&atlas, &c, &cancelled), Err(Error::Cancelled)));
    let mc = composite_index(&atlas, &c, &NoProgress).unwrap();
    let again = composite_index(&atlas, &c, &NoProgress).unwrap();
    assert_eq!(mc, again, "the same seed gives the same result");
    let area = |k: &str| mc.areas.iter().find(|a| a.key == k).unwrap().clone();
    assert_eq!((area("A").rank_p05, area("A").rank_p95), (Some(4.0), Some(4.0)));
    assert_eq!((area("D").rank_p05, area("D").rank_p95), (Some(1.0), Some(1.0)));
    assert!(area("B").rank_p95.unwrap() - area("B").rank_p05.unwrap() >= 1.0);
    let u = mc.uncertainty.as_ref().unwrap();
    assert_eq!(u.sensitivity.len(), 4, "normalisation, aggregation, two weights");
    assert!(u.sensitivity.iter().all(|s| (0.0..=1.0 + 1e-9).contains(&s.share)));
    assert!(u.sensitivity[0].share >= u.sensitivity[3].share);
    let other_seed = composite_index(
        &atlas,
        &IndexConfig {
            uncertainty: Some(Uncertainty {
                seed: 8,
                ..u.settings.clone()
            }),
            ..c.clone()
        },
        &NoProgress,
    )
    .unwrap();
    assert_ne!(other_seed.uncertainty, mc.uncertainty);
}

#[test]
fn the_mss_status_index_is_a_special_case_on_the_berlin_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = Atlas::open(&path).unwrap();
    let mss = Preset::BerlinMss
        .config(&atlas, "Planungsraum", "2019", None, &Default::default())
        .unwrap();
    let status = status_dynamics(&atlas, &mss).unwrap();
    // The same indicators, all unfavourable, z-scores, equal weights, arithmetic mean, the
    // same valid areas: the index is −sd(Σz)/3 × the MSS status index, so the order reverses.
    let config = IndexConfig {
        level: "Planungsraum".into(),
        period: "2019".into(),
        indicators: ["s1:-", "s3:-", "s4:-"]
            .iter()
            .map(|s| IndicatorChoice::parse(s).unwrap())
            .collect(),
        budget: false,
        normalisation: Normalisation::Z,
        aggregation: Aggregation::Arithmetic,
        targets: BTreeMap::new(),
        missing: MissingPolicy::Exclude,
        min_population: Some(MinPopulation {
            indicator: "ew_mss".into(),
            minimum: 300.0,
        }),
        exclude: mss.exclude.clone(),
        uncertainty: None,
    };
    let index = composite_index(&atlas, &config, &NoProgress).unwrap();
    assert_eq!(index.areas.len(), status.valid_areas);
    assert_eq!(index.areas.len(), 436);
    let status_of: BTreeMap<&str, f64> = status.areas.iter().map(|a| (a.key.as_ref(), a.status_index)).collect();
    let factor = index.areas[0].index / status_of[index.areas[0].key.as_str()];
    assert!(factor < 0.0);
    for a in &index.areas {
        assert!((a.index - factor * status_of[a.key.as_str()]).abs() < 1e-9, "{}", a.key);
    }
    // Transfer recipients and child poverty go together: alpha is high, one component dominates.
    assert!(index.checks.cronbach_alpha.unwrap() > 0.8, "{:?}", index.checks);
    assert!(index.checks.first_component_share.unwrap() > 0.7);

    // Only the aggregation varies, with fixed weights: it explains all the rank variance.
    let aggregation_only = IndexConfig {
        uncertainty: Some(Uncertainty {
            runs: 100,
            weight_range: 0.0,
            normalisations: vec![Normalisation::Z],
            aggregations: vec![Aggregation::Arithmetic, Aggregation::Geometric],
            seed: 3,
        }),
        ..config.clone()
    };
    let u = composite_index(&atlas, &aggregation_only, &NoProgress)
        .unwrap()
        .uncertainty
        .unwrap();
    assert_eq!(u.sensitivity.len(), 1);
    assert_eq!(u.sensitivity[0].factor, "Aggregation");
    assert!(close(u.sensitivity[0].share, 1.0), "{:?}", u.sensitivity);
    assert!(u.mean_interval_width > 0.0);

    // With uncertainty, saved: the index, its rank and the rank interval per area.
    let with_mc = IndexConfig {
        uncertainty: Some(Uncertainty {
            runs: 200,
            weight_range: 0.25,
            normalisations: vec![Normalisation::Z, Normalisation::MinMax, Normalisation::Rank],
            aggregations: vec![Aggregation::Arithmetic, Aggregation::Geometric],
            seed: 1,
        }),
        ..config
    };
    let saved = save_composite_index(&mut atlas, &with_mc, "sozialindex", &NoProgress).unwrap();
    assert_eq!(
        saved.saved,
        [
            "sozialindex",
            "sozialindex_rank",
            "sozialindex_rank_median",
            "sozialindex_rank_p05",
            "sozialindex_rank_p95"
        ]
    );
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2019").unwrap();
    let ranks = atlas
        .values(atlas.indicator("sozialindex_rank").unwrap().id, level.id, period.id)
        .unwrap();
    let ok = ranks.values().filter(|v| v.value.is_some()).count();
    assert_eq!(ok, 436);
    let (run, _) = atlas.derived_run("sozialindex_rank_p95").unwrap().unwrap();
    assert_eq!(run.method, "composite_index");
    assert_eq!(run.inputs, ["s1", "s3", "s4"]);
    for a in &saved.areas {
        assert!(a.rank_p05.unwrap() <= a.rank_median.unwrap() && a.rank_median.unwrap() <= a.rank_p95.unwrap());
    }
    assert!(matches!(
        save_composite_index(&mut atlas, &with_mc, "s1", &NoProgress),
        Err(Error::Invalid(m)) if m.contains("Eingangsindikator")
    ));
}
