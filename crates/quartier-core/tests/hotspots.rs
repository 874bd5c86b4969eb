//! Ranking with ties and deviations from the reference; queen contiguity, Moran's I and
//! LISA cluster classes, on grids with known answers and on the Berlin Planungsräume.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use geo::{polygon, MultiPolygon};
use quartier_core::analysis::classify::{save_classes, Method, SMALL_AREA_LABEL};
use quartier_core::analysis::hotspots::{lisa, local_moran, queen_contiguity, save_lisa, LisaClass, LisaRequest};
use quartier_core::analysis::rank::{rank, save_ranking};
use quartier_core::analysis::MinPopulation;
use quartier_core::import::values::{import_values, UnmatchedPolicy, ValuesImport};
use quartier_core::sample::build_sample_atlas;
use quartier_core::{Atlas, Error, NoProgress};

/// A `cols` × `rows` grid of unit squares, row by row.
fn grid(cols: usize, rows: usize) -> Vec<MultiPolygon<f64>> {
    let mut cells = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            let (x, y) = (c as f64, r as f64);
            cells.push(MultiPolygon(vec![polygon![
                (x: x, y: y),
                (x: x + 1.0, y: y),
                (x: x + 1.0, y: y + 1.0),
                (x: x, y: y + 1.0),
                (x: x, y: y),
            ]]));
        }
    }
    cells
}

#[test]
fn queen_neighbours_share_an_edge_or_a_corner() {
    let n = queen_contiguity(&grid(3, 3));
    let counts: Vec<usize> = n.iter().map(Vec::len).collect();
    assert_eq!(counts, [3, 5, 3, 5, 8, 5, 3, 5, 3]);
    assert_eq!(n[0], [1, 3, 4]);
    // A square away from the others has no neighbour.
    let mut cells = grid(2, 1);
    cells.push(MultiPolygon(vec![
        polygon![(x: 5.0, y: 5.0), (x: 6.0, y: 5.0), (x: 6.0, y: 6.0), (x: 5.0, y: 5.0)],
    ]));
    assert_eq!(queen_contiguity(&cells)[2], Vec::<usize>::new());
}

#[test]
fn morans_i_matches_the_textbook_formula_and_permutations_are_seeded() {
    let cells = grid(10, 10);
    let neighbours = queen_contiguity(&cells);
    // Left half high, right half low, with some texture.
    let values: Vec<f64> = (0..100)
        .map(|i| {
            let (c, r) = (i % 10, i / 10);
            (if c < 5 { 20.0 } else { 5.0 }) + ((c * 7 + r * 3) % 5) as f64
        })
        .collect();
    let m = local_moran(&values, &neighbours, 999, 42, &NoProgress).unwrap();
    // I = n / S0 · Σᵢ Σⱼ wᵢⱼ (xᵢ − x̄)(xⱼ − x̄) / Σ (xᵢ − x̄)², wᵢⱼ = 1 / |N(i)|.
    let mean = values.iter().sum::<f64>() / 100.0;
    let dev: Vec<f64> = values.iter().map(|v| v - mean).collect();
    let mut num = 0.0;
    for (i, nb) in neighbours.iter().enumerate() {
        for &j in nb {
            num += dev[i] * dev[j] / nb.len() as f64;
        }
    }
    let expected = num / dev.iter().map(|d| d * d).sum::<f64>();
    assert!((m.moran_i - expected).abs() < 1e-12, "{} vs {expected}", m.moran_i);
    assert!(m.moran_i > 0.5);
    assert_eq!(m.moran_p, 0.001, "no permutation reaches a clear split");
    // Local I sums to n − 1 over n times the global I with row-standardised weights.
    let sum: f64 = m.local_i.iter().sum();
    assert!((sum / 99.0 - m.moran_i).abs() < 1e-9);
    // Deep inside each half: significant high-high and low-low.
    let class = |i: usize| LisaClass::of(m.z[i], m.lag[i], m.p[i], true, 0.05);
    assert_eq!(class(5 * 10 + 1), LisaClass::HighHigh);
    assert_eq!(class(5 * 10 + 8), LisaClass::LowLow);
    assert!(m.p.iter().all(|p| *p >= 0.001 && *p <= 0.501));

    let again = local_moran(&values, &neighbours, 999, 42, &NoProgress).unwrap();
    assert_eq!(again, m);
    let other = local_moran(&values, &neighbours, 999, 43, &NoProgress).unwrap();
    assert_ne!(other.p, m.p);

    // A random pattern shows no clear autocorrelation.
    let mut state = 9u64;
    let noise: Vec<f64> = (0..100)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (state >> 33) as f64
        })
        .collect();
    let r = local_moran(&noise, &neighbours, 999, 1, &NoProgress).unwrap();
    assert!(r.moran_i.abs() < 0.2 && r.moran_p > 0.01, "{} {}", r.moran_i, r.moran_p);
    assert!(local_moran(&[1.0; 5], &queen_contiguity(&grid(5, 1)), 99, 1, &NoProgress).is_err());
}

#[test]
fn ranks_share_ties_and_deviations_refer_to_the_gesamtstadt() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Teststadt");
    atlas.create_level("Quartier", None).unwrap();
    let csv = dir.path().join("werte.csv");
    std::fs::write(&csv, "id;ew;kinder\nA;100;5\nB;200;7\nC;300;5\nD;400;1\nE;50;k. A.\n").unwrap();
    import_values(
        &mut atlas,
        &ValuesImport {
            file: csv,
            level: "Quartier".into(),
            key_column: "id".into(),
            period: Some("2024".into()),
            unmatched: UnmatchedPolicy::CreateMissing,
            confirm_create: true,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let r = rank(&atlas, "kinder", "Quartier", "2024", false).unwrap();
    let ranks: Vec<(&str, usize)> = r.areas.iter().map(|a| (a.key.as_str(), a.rank)).collect();
    assert_eq!(ranks, [("B", 1), ("A", 2), ("C", 2), ("D", 4)]);
    assert_eq!(r.without_value, ["E"]);
    // No aggregation rule declared: no reference, no deviation; the reason is given.
    assert_eq!(r.reference, None);
    assert!(
        r.reference_method.contains("Aggregationsregel"),
        "{}",
        r.reference_method
    );
    let up = rank(&atlas, "kinder", "Quartier", "2024", true).unwrap();
    assert_eq!(up.areas[0].key, "D");
    assert!(matches!(
        rank(&atlas, "kinder", "Quartier", "1999", false),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn berlin_unemployment_clusters_and_the_ranking_against_the_city() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = Atlas::open(&path).unwrap();

    // The under-6 share against the Gesamtstadt share (Σ under 6 / Σ inhabitants).
    let r = rank(&atlas, "anteil_u6", "Planungsraum", "2020", false).unwrap();
    let reference = r.reference.unwrap();
    assert!((4.0..8.0).contains(&reference), "{reference}");
    assert_eq!(r.areas.len() + r.without_value.len(), 448);
    for a in &r.areas {
        assert!((a.index.unwrap() - a.value / reference * 100.0).abs() < 1e-9);
        assert!((a.deviation_percent.unwrap() - (a.index.unwrap() - 100.0)).abs() < 1e-9);
    }
    assert!(r
        .areas
        .windows(2)
        .all(|w| w[0].value >= w[1].value && w[0].rank <= w[1].rank));

    // Saved: the rank and the ratio to the city as derived indicators; map classes likewise.
    let saved = save_ranking(&mut atlas, "anteil_u6", "Planungsraum", "2020", false).unwrap();
    assert_eq!(saved.saved, ["anteil_u6_rank", "anteil_u6_ref100"]);
    let plr = atlas.level("Planungsraum").unwrap();
    let y2020 = atlas.period("2020").unwrap();
    let stored = |atlas: &Atlas, key: &str| {
        atlas
            .values(atlas.indicator(key).unwrap().id, plr.id, y2020.id)
            .unwrap()
    };
    let ranks = stored(&atlas, "anteil_u6_rank");
    let first = atlas
        .areas(plr.id)
        .unwrap()
        .into_iter()
        .find(|a| *a.key == *r.areas[0].key)
        .unwrap();
    assert_eq!(ranks[&first.id].value, Some(1.0));
    assert_eq!(atlas.derived_run("anteil_u6_ref100").unwrap().unwrap().0.method, "rank");
    let rule = MinPopulation {
        indicator: "ew".into(),
        minimum: 300.0,
    };
    let classes = save_classes(
        &mut atlas,
        "anteil_u6",
        "Planungsraum",
        "2020",
        &Method::Jenks,
        5,
        Some(&rule),
    )
    .unwrap();
    let labels = stored(&atlas, "anteil_u6_class");
    for (i, label) in classes.labels.iter().enumerate() {
        let n = labels
            .values()
            .filter(|v| v.text.as_deref() == Some(&format!("{} {label}", i + 1)))
            .count();
        assert_eq!(n, classes.counts[i], "{label}");
    }
    let small = labels
        .values()
        .filter(|v| v.note.as_deref() == Some(SMALL_AREA_LABEL))
        .count();
    assert_eq!(small, classes.small_areas);
    assert_eq!(
        atlas.derived_run("anteil_u6_class").unwrap().unwrap().0.parameters["breaks"],
        serde_json::json!(classes.breaks)
    );

    let request = LisaRequest {
        indicator: "s1".into(),
        level: "Planungsraum".into(),
        period: "2019".into(),
        permutations: 999,
        seed: 1,
        significance: 0.05,
    };
    let l = lisa(&atlas, &request, &NoProgress).unwrap();
    // Moran's I as PySAL computes it for the same 438 Planungsräume (esda 2.9.0 `Moran` with
    // libpysal `Queen.from_dataframe` on the shipped GeoJSON, transform "r"): 0.3941624757658621.
    assert!((l.moran_i - 0.394_162_475_765_862_1).abs() < 1e-12, "{}", l.moran_i);
    assert_eq!(l.areas.len(), 438);
    assert!(l.moran_p <= 0.001);
    assert!((4.0..8.0).contains(&l.mean_neighbours), "{}", l.mean_neighbours);
    let class_of = |key: &str| l.areas.iter().find(|a| a.key == key).map(|a| a.class);
    // esda with its own random numbers finds 52 high-high and 62 low-low areas at 5 %.
    let (hh, ll) = (l.counts["hoch–hoch (Hotspot)"], l.counts["niedrig–niedrig (Coldspot)"]);
    assert!((45..=60).contains(&hh) && (55..=70).contains(&ll), "{:?}", l.counts);
    // Areas without a value (under 300 inhabitants) are left out and named.
    assert!(l.left_out.iter().any(|(k, why)| k == "01011102" && why == "kein Wert"));
    assert_eq!(class_of("01011102"), None);

    let saved = save_lisa(&mut atlas, &request, &NoProgress).unwrap();
    assert_eq!(saved.saved, ["s1_lisa", "s1_lisa_p"]);
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2019").unwrap();
    let stored = atlas
        .values(atlas.indicator("s1_lisa").unwrap().id, level.id, period.id)
        .unwrap();
    let hot = stored
        .values()
        .filter(|v| v.text.as_deref() == Some("hoch–hoch (Hotspot)"))
        .count();
    assert_eq!(hot, l.counts["hoch–hoch (Hotspot)"]);
    assert_eq!(atlas.derived_run("s1_lisa").unwrap().unwrap().0.method, "lisa");
}
