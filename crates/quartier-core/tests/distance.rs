//! Accessibility: the spatial index against brute force, 2SFCA against a hand computation,
//! grid origins, weighted quantiles, and the Berlin Kitas with the children under 6.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::*;
use geo::{polygon, MultiPolygon};
use quartier_core::analysis::distance::{
    distance, gaussian_weight, save_distance, summarise, two_step_fca, two_step_fca_from_pairs, Decay, DistanceRequest,
    OriginKind, PlannedPoi, SupplyRequest,
};
use quartier_core::analysis::origins::{
    centroid_origins, grid_origins, grid_origins_masked, nearest_distances, Origin, PoiIndex, PolygonIndex,
};
use quartier_core::sample::build_sample_atlas;
use quartier_core::{Atlas, Error, NoProgress};

fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn the_index_finds_the_same_nearest_distance_as_brute_force() {
    for seed in 1..=20 {
        let mut next = lcg(seed);
        let pois: Vec<[f64; 2]> = (0..1 + (seed as usize * 7) % 60)
            .map(|_| [next() * 10_000.0, next() * 10_000.0])
            .collect();
        let origins: Vec<Origin> = (0..500)
            .map(|_| Origin {
                x: next() * 12_000.0 - 1_000.0,
                y: next() * 12_000.0 - 1_000.0,
                weight: 1.0,
                area: 0,
            })
            .collect();
        let fast = nearest_distances(&origins, &PoiIndex::new(&pois)).unwrap();
        for (o, d) in origins.iter().zip(&fast) {
            let brute = pois
                .iter()
                .map(|p| ((p[0] - o.x).powi(2) + (p[1] - o.y).powi(2)).sqrt())
                .fold(f64::INFINITY, f64::min);
            assert_eq!(*d, brute, "seed {seed}");
        }
    }
}

#[test]
fn two_step_floating_catchment_matches_the_hand_computation() {
    // Three origins on a line, two Kitas with overlapping catchments of 1 km.
    let origins = [(0.0, 10.0), (800.0, 20.0), (2_000.0, 30.0)]
        .iter()
        .map(|&(x, w)| Origin {
            x,
            y: 0.0,
            weight: w,
            area: 0,
        })
        .collect::<Vec<_>>();
    let pois = [[400.0, 0.0], [1_500.0, 0.0]];
    let supply = [15.0, 10.0];
    // Step 1: P1 serves A and B (demand 30) → 0.5; P2 serves B and C (demand 50) → 0.2.
    // Step 2: A 0.5, B 0.5 + 0.2, C 0.2.
    let a = two_step_fca(&origins, &pois, &supply, 1_000.0, Decay::None).unwrap();
    let expected = [0.5, 0.7, 0.2];
    for (x, e) in a.iter().zip(expected) {
        assert!((x - e).abs() < 1e-12, "{a:?}");
    }
    // Gaussian decay, by the formula: w(d) = (exp(−½(d/r)²) − exp(−½)) / (1 − exp(−½)).
    let w = |d: f64| ((-0.5 * (d / 1000.0f64).powi(2)).exp() - (-0.5f64).exp()) / (1.0 - (-0.5f64).exp());
    assert!((gaussian_weight(400.0, 1000.0) - w(400.0)).abs() < 1e-15);
    assert_eq!(
        (gaussian_weight(0.0, 1000.0), gaussian_weight(1000.0, 1000.0)),
        (1.0, 0.0)
    );
    let r1 = 15.0 / (10.0 * w(400.0) + 20.0 * w(400.0));
    let r2 = 10.0 / (20.0 * w(700.0) + 30.0 * w(500.0));
    let g = two_step_fca(&origins, &pois, &supply, 1_000.0, Decay::Gaussian).unwrap();
    let expected = [r1 * w(400.0), r1 * w(400.0) + r2 * w(700.0), r2 * w(500.0)];
    for (x, e) in g.iter().zip(expected) {
        assert!((x - e).abs() < 1e-12, "{g:?} vs {expected:?}");
    }
    // From precomputed pairs (as the street network delivers them) the result is the same.
    let pairs: Vec<(usize, usize, f64)> = origins
        .iter()
        .enumerate()
        .flat_map(|(i, o)| pois.iter().enumerate().map(move |(j, p)| (i, j, (p[0] - o.x).abs())))
        .filter(|p| p.2 <= 1_000.0)
        .collect();
    assert_eq!(
        two_step_fca_from_pairs(&origins, &supply, &pairs, 1_000.0, Decay::Gaussian),
        g
    );
    // Every place is counted once: Σ demand × accessibility = Σ supply reached.
    for acc in [&a, &g] {
        let total: f64 = origins.iter().zip(acc.iter()).map(|(o, x)| o.weight * x).sum();
        assert!((total - 25.0).abs() < 1e-9);
    }
}

#[test]
fn grid_origins_spread_residents_and_quantiles_are_weighted() {
    let square = MultiPolygon(vec![polygon![
        (x: 0.0, y: 0.0), (x: 1000.0, y: 0.0), (x: 1000.0, y: 1000.0), (x: 0.0, y: 1000.0), (x: 0.0, y: 0.0)
    ]]);
    let tiny = MultiPolygon(vec![polygon![
        (x: 2010.0, y: 10.0), (x: 2040.0, y: 10.0), (x: 2040.0, y: 40.0), (x: 2010.0, y: 40.0), (x: 2010.0, y: 10.0)
    ]]);
    let origins = grid_origins(
        &[square.clone(), tiny.clone(), square.clone()],
        &[Some(500.0), Some(7.0), Some(0.0)],
        100.0,
    )
    .unwrap();
    let first: Vec<&Origin> = origins.iter().filter(|o| o.area == 0).collect();
    assert_eq!(first.len(), 100);
    assert!(first.iter().all(|o| o.weight == 5.0));
    assert!(first.iter().any(|o| (o.x, o.y) == (50.0, 50.0)));
    let small: Vec<&Origin> = origins.iter().filter(|o| o.area == 1).collect();
    assert_eq!(small.len(), 1, "too small for a cell centre: its interior point");
    assert_eq!(small[0].weight, 7.0);
    assert!(origins.iter().all(|o| o.area != 2), "no residents, no origins");
    assert_eq!(
        centroid_origins(std::slice::from_ref(&square), &[Some(3.0)])[0].weight,
        3.0
    );
    // Cell centres on the shared edge of two areas (x = 1050 lies on neither side's
    // interior for areas split at 1050): each belongs to exactly one area.
    let left = MultiPolygon(vec![polygon![
        (x: 0.0, y: 0.0), (x: 1050.0, y: 0.0), (x: 1050.0, y: 1000.0), (x: 0.0, y: 1000.0), (x: 0.0, y: 0.0)
    ]]);
    let right = MultiPolygon(vec![polygon![
        (x: 1050.0, y: 0.0), (x: 2000.0, y: 0.0), (x: 2000.0, y: 1000.0), (x: 1050.0, y: 1000.0), (x: 1050.0, y: 0.0)
    ]]);
    let split = grid_origins(&[left, right], &[Some(1.0), Some(1.0)], 100.0).unwrap();
    assert_eq!(split.len(), 200, "every centre of the 2 km × 1 km block once");

    // Residential land use on the western half of the first square only: its residents live
    // there; the other square has none and keeps all its cells.
    let housing = MultiPolygon(vec![polygon![
        (x: 0.0, y: 0.0), (x: 500.0, y: 0.0), (x: 500.0, y: 1000.0), (x: 0.0, y: 1000.0), (x: 0.0, y: 0.0)
    ]]);
    let far = MultiPolygon(vec![polygon![
        (x: 5000.0, y: 0.0), (x: 6000.0, y: 0.0), (x: 6000.0, y: 1000.0), (x: 5000.0, y: 1000.0), (x: 5000.0, y: 0.0)
    ]]);
    let mask = PolygonIndex::new(vec![housing]);
    let masked = grid_origins_masked(&[square.clone(), far], &[Some(500.0), Some(100.0)], 100.0, Some(&mask)).unwrap();
    let west: Vec<&Origin> = masked.iter().filter(|o| o.area == 0).collect();
    assert_eq!(west.len(), 50);
    assert!(west.iter().all(|o| o.x < 500.0 && o.weight == 10.0));
    assert_eq!(masked.iter().filter(|o| o.area == 1).count(), 100);

    // Four origins: 10 people at 100 m, 30 at 200 m, 40 at 300 m, 20 at 900 m.
    let o = |w: f64| Origin {
        x: 0.0,
        y: 0.0,
        weight: w,
        area: 0,
    };
    let s = summarise(
        &[o(10.0), o(30.0), o(40.0), o(20.0)],
        &[100.0, 200.0, 300.0, 900.0],
        2,
        &[250.0, 1000.0],
    );
    let a = s[0].as_ref().unwrap();
    assert!((a.mean - (1000.0 + 6000.0 + 12000.0 + 18000.0) / 100.0).abs() < 1e-9);
    assert_eq!((a.median, a.p90), (300.0, 900.0));
    assert_eq!(a.within, [40.0, 100.0]);
    assert!(s[1].is_none(), "an area without origins has no distances");
}

fn kita_request() -> DistanceRequest {
    DistanceRequest {
        categories: vec!["Kita".into()],
        level: "Planungsraum".into(),
        period: Some("2020".into()),
        population_indicator: Some("ew_u6".into()),
        origins: OriginKind::Grid {
            cell: 100.0,
            residential: None,
        },
        radii: vec![300.0, 500.0, 1000.0],
        keep_outside: true,
        network: false,
        isochrones: None,
        supply: Some(SupplyRequest {
            attribute: "capacity".into(),
            demand_indicator: None,
            catchment: 1000.0,
            decay: Decay::Gaussian,
        }),
        scenario: vec![],
    }
}

/// Places per 100 children per Bezirk (first two key digits), weighted by the children.
fn supply_by_bezirk(areas: &[quartier_core::analysis::distance::AreaAccess]) -> Vec<(String, f64)> {
    let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for a in areas {
        if let (Some(s), Some(n)) = (a.supply_per_100, a.residents) {
            let e = sums.entry(a.key[..2].to_string()).or_default();
            e.0 += s * n;
            e.1 += n;
        }
    }
    let mut v: Vec<(String, f64)> = sums.into_iter().map(|(k, (s, n))| (k, s / n)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v
}

#[test]
fn berlin_kitas_for_children_under_six_by_grid_and_by_centroid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = Atlas::open(&path).unwrap();
    let grid = distance(&atlas, &kita_request(), &NoProgress).unwrap();
    assert!(grid.method.contains("UTM Zone 33N"), "{}", grid.method);
    assert_eq!((grid.pois_used, grid.pois_without_supply), (2880, 0));
    // A city of Kitas: a few hundred metres on average.
    let mean = grid.overall_mean.unwrap();
    assert!((150.0..600.0).contains(&mean), "{mean}");
    assert!(grid.origin_count > 50_000, "{}", grid.origin_count);
    // Planungsräume without children under 6 have no distance ("k. A."), not 0.
    assert_eq!(grid.no_residents.len(), 4, "{:?}", grid.no_residents);
    let empty = grid.areas.iter().find(|a| a.key == grid.no_residents[0]).unwrap();
    assert_eq!((empty.mean, empty.supply_per_100), (None, None));
    for a in grid.areas.iter().filter(|a| a.mean.is_some()) {
        let (m, p90) = (a.median.unwrap(), a.p90.unwrap());
        assert!(m <= p90 && a.within[0].unwrap() <= a.within[2].unwrap(), "{}", a.key);
    }
    // Every place of a Kita reached by someone is counted once in the supply.
    let reached_places: f64 = grid
        .areas
        .iter()
        .filter_map(|a| Some(a.supply_per_100? / 100.0 * a.residents?))
        .sum();
    let all_places: f64 = atlas.pois("Kita").unwrap().iter().filter_map(|p| p.capacity).sum();
    assert!(
        reached_places <= all_places + 1e-6 && reached_places > 0.95 * all_places,
        "{reached_places} of {all_places}"
    );
    assert_eq!(
        grid.areas.iter().map(|a| a.pois_in_area).sum::<usize>() + grid.pois_outside.len(),
        2880
    );

    // The crude centroid origins agree on the extremes of the Bezirk ranking.
    let centroids = distance(
        &atlas,
        &DistanceRequest {
            origins: OriginKind::Centroids,
            ..kita_request()
        },
        &NoProgress,
    )
    .unwrap();
    // Measured: the worst supplied Bezirk is Spandau (05) either way; the best is Pankow (03)
    // on the grid and Friedrichshain-Kreuzberg (02) by centroids, and each method's best is in
    // the other's top three. Centroids of large areas sit far from where people live
    // (Treptow-Köpenick, 09, falls from 5th to 11th), which is why the grid is the default.
    let (g, c) = (supply_by_bezirk(&grid.areas), supply_by_bezirk(&centroids.areas));
    assert_eq!(g.len(), 12);
    assert_eq!(g[11].0, c[11].0, "worst supplied Bezirk: {g:?} vs {c:?}");
    let top3 = |v: &[(String, f64)]| v[..3].iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert!(
        top3(&c).contains(&g[0].0) && top3(&g).contains(&c[0].0),
        "{g:?} vs {c:?}"
    );

    // Scenario: a planned Kita with 80 places in the Planungsraum with the longest way.
    let farthest = grid
        .areas
        .iter()
        .filter(|a| a.residents.unwrap_or(0.0) > 100.0)
        .max_by(|a, b| a.mean.unwrap().total_cmp(&b.mean.unwrap()))
        .unwrap()
        .clone();
    let geometry = atlas
        .area_geometries(atlas.level("Planungsraum").unwrap().id)
        .unwrap()
        .into_iter()
        .find(|(a, _)| *a.key == *farthest.key)
        .unwrap()
        .1;
    let inside = geo::InteriorPoint::interior_point(&geometry).unwrap();
    let scenario = distance(
        &atlas,
        &DistanceRequest {
            scenario: vec![PlannedPoi {
                name: "Neue Kita".into(),
                lon: inside.x(),
                lat: inside.y(),
                capacity: Some(80.0),
            }],
            ..kita_request()
        },
        &NoProgress,
    )
    .unwrap();
    let after = scenario.areas.iter().find(|a| a.key == farthest.key).unwrap();
    assert!(
        after.mean.unwrap() < 0.9 * farthest.mean.unwrap(),
        "{:?} vs {:?}",
        after.mean,
        farthest.mean
    );
    // A new Kita never lengthens anybody's way.
    for (a, b) in scenario.areas.iter().zip(&grid.areas) {
        assert!(a.mean.unwrap_or(0.0) <= b.mean.unwrap_or(0.0) + 1e-9, "{}", a.key);
    }
    assert!(after.supply_per_100.unwrap() > farthest.supply_per_100.unwrap_or(0.0));
    assert_eq!(
        scenario.baseline.as_ref().unwrap(),
        &grid.areas,
        "the baseline is the run without the plan"
    );
    assert_eq!(scenario.pois_used, 2881);

    // Saved as derived indicators with their run; scenarios are not stored.
    let saved = save_distance(&mut atlas, &kita_request(), &NoProgress).unwrap();
    assert_eq!(
        saved.saved,
        [
            "kita_dist_mean",
            "kita_dist_median",
            "kita_dist_p90",
            "kita_within_300",
            "kita_within_500",
            "kita_within_1000",
            "kita_count",
            "kita_supply"
        ]
    );
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2020").unwrap();
    let stored = atlas
        .values(atlas.indicator("kita_dist_mean").unwrap().id, level.id, period.id)
        .unwrap();
    assert_eq!(stored.values().filter(|v| v.value.is_some()).count(), 444);
    assert_eq!(atlas.derived_run("kita_supply").unwrap().unwrap().0.method, "distance");
    assert!(matches!(
        save_distance(&mut atlas, &DistanceRequest { scenario: scenario.request.scenario.clone(), ..kita_request() }, &NoProgress),
        Err(Error::Invalid(m)) if m.contains("nicht gespeichert")
    ));

    // Bad input, in German.
    let bad = |r: DistanceRequest| distance(&atlas, &r, &NoProgress).unwrap_err().to_string();
    assert!(bad(DistanceRequest {
        categories: vec!["Bad".into()],
        ..kita_request()
    })
    .contains("Bad"));
    let unknown_supply = bad(DistanceRequest {
        supply: Some(SupplyRequest {
            attribute: "betten".into(),
            demand_indicator: None,
            catchment: 1000.0,
            decay: Decay::None,
        }),
        ..kita_request()
    });
    assert!(
        unknown_supply.contains("„betten“") && unknown_supply.contains("capacity"),
        "{unknown_supply}"
    );
    assert!(bad(DistanceRequest {
        radii: vec![-5.0],
        ..kita_request()
    })
    .contains("Radien"));
    assert!(bad(DistanceRequest {
        population_indicator: Some("s1".into()),
        ..kita_request()
    })
    .contains("keine Werte"));
    assert!(bad(DistanceRequest {
        population_indicator: None,
        ..kita_request()
    })
    .contains("--population-indicator"));
    assert!(bad(DistanceRequest {
        origins: OriginKind::Addresses { group: None },
        ..kita_request()
    })
    .contains("import addresses"));
}

#[test]
fn address_points_carry_their_residents_to_the_nearest_kita() {
    use quartier_core::crs::Metric;
    use quartier_core::import::addresses::{import_addresses, AddressImport};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = Atlas::open(&path).unwrap();
    let level = atlas.level("Planungsraum").unwrap();
    let geometries = atlas.area_geometries(level.id).unwrap();
    let metric = Metric::for_longitude(13.4).unwrap();
    let centre_of = |key: &str| {
        let g = &geometries.iter().find(|(a, _)| &*a.key == key).unwrap().1;
        let p = geo::InteriorPoint::interior_point(g).unwrap();
        metric.project(p.x(), p.y()).unwrap()
    };
    let (x1, y1) = centre_of("01011101");
    let (x2, y2) = centre_of("12214421");
    let (xo, yo) = metric.project(14.3, 52.35).unwrap(); // Brandenburg, outside Berlin
    let rows = [
        (x1, y1, 10.0, 2.0),
        (x1 + 30.0, y1, 4.0, 0.0),
        (x1, y1 + 40.0, 6.0, 1.0),
        (x2, y2, 20.0, 5.0),
        (xo, yo, 3.0, 1.0),
    ];
    let mut csv = String::from("x;y;ew;unter_6\n");
    for (x, y, ew, u6) in rows {
        csv += &format!("{x:.2};{y:.2};{ew};{u6}\n");
    }
    let file = dir.path().join("adressen.csv");
    std::fs::write(&file, &csv).unwrap();
    let import = AddressImport {
        file: file.clone(),
        x_column: Some("x".into()),
        y_column: Some("y".into()),
        crs: Some("EPSG:25833".into()),
        residents_column: "ew".into(),
        age_columns: vec!["unter_6".into()],
        sheet: None,
    };
    // A bad file reports every bad cell with its line and writes nothing.
    let bad = dir.path().join("kaputt.csv");
    std::fs::write(
        &bad,
        "x;y;ew;unter_6\n390000;5819000;drei;1\n390100;5819000;;1\n390200;5819000;4;-2\n",
    )
    .unwrap();
    let Err(Error::Import(report)) = import_addresses(
        &mut atlas,
        &AddressImport {
            file: bad,
            ..import.clone()
        },
        &NoProgress,
    ) else {
        panic!("expected a report")
    };
    let located: Vec<(Option<usize>, Option<&str>)> =
        report.problems.iter().map(|p| (p.row, p.column.as_deref())).collect();
    assert_eq!(
        located,
        [(Some(2), Some("ew")), (Some(3), Some("ew")), (Some(4), Some("unter_6"))]
    );
    assert!(atlas.address_points().unwrap().is_empty());

    let summary = import_addresses(&mut atlas, &import, &NoProgress).unwrap();
    assert_eq!((summary.addresses, summary.residents), (5, 43.0));
    assert_eq!(summary.groups["unter_6"], 9.0);

    let request = DistanceRequest {
        origins: OriginKind::Addresses { group: None },
        population_indicator: None,
        ..kita_request()
    };
    let r = distance(&atlas, &request, &NoProgress).unwrap();
    assert_eq!((r.origin_count, r.addresses_outside), (4, 1), "{}", r.origin_note);
    // By hand: the nearest Kita of each address, in the same projection.
    let kitas: Vec<(f64, f64)> = atlas
        .pois("Kita")
        .unwrap()
        .iter()
        .map(|p| metric.project(p.lon, p.lat).unwrap())
        .collect();
    let nearest = |x: f64, y: f64| {
        kitas
            .iter()
            .map(|(a, b)| ((a - x).powi(2) + (b - y).powi(2)).sqrt())
            .fold(f64::INFINITY, f64::min)
    };
    let expected = (10.0 * nearest(x1, y1) + 4.0 * nearest(x1 + 30.0, y1) + 6.0 * nearest(x1, y1 + 40.0)) / 20.0;
    let area = r.areas.iter().find(|a| a.key == "01011101").unwrap();
    assert_eq!(area.residents, Some(20.0));
    assert!(
        (area.mean.unwrap() - expected).abs() < 0.01,
        "{:?} vs {expected}",
        area.mean
    );
    let other = r.areas.iter().find(|a| a.key == "12214421").unwrap();
    assert!((other.mean.unwrap() - nearest(x2, y2)).abs() < 0.01);
    assert_eq!(
        r.areas.iter().filter(|a| a.mean.is_some()).count(),
        2,
        "areas without addresses are k. A."
    );

    // Address points need no period, except to save.
    let timeless = DistanceRequest {
        period: None,
        ..request.clone()
    };
    assert_eq!(distance(&atlas, &timeless, &NoProgress).unwrap().areas, r.areas);
    let err = save_distance(&mut atlas, &timeless, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("--period"), "{err}");

    // Children under 6 only: the address without children drops out.
    let children = distance(
        &atlas,
        &DistanceRequest {
            origins: OriginKind::Addresses {
                group: Some("unter_6".into()),
            },
            ..request.clone()
        },
        &NoProgress,
    )
    .unwrap();
    let area = children.areas.iter().find(|a| a.key == "01011101").unwrap();
    assert_eq!(area.residents, Some(3.0));
    let err = distance(
        &atlas,
        &DistanceRequest {
            origins: OriginKind::Addresses {
                group: Some("ue65".into()),
            },
            ..request
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("„ue65“") && err.contains("„unter_6“"), "{err}");
}
