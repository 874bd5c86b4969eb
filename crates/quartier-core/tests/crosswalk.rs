//! Areal interpolation (Verschneidung): onto a level that nests it must equal plain
//! aggregation; onto a hexagon grid over Berlin it must preserve the totals; on two
//! rectangles astride the UTM central meridian (whose halves are mirror images, so the area
//! shares are exactly one half) it must give the hand-computed values, by area and by
//! residents at address points.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use quartier_core::analysis::aggregate::{aggregate, AggregateRequest};
use quartier_core::analysis::crosswalk::{crosswalk, save_crosswalk, CrosswalkRequest, CrosswalkWeight};
use quartier_core::import::values::{import_values, ValuesImport};
use quartier_core::model::{AggregationRule, IndicatorKind, ValueFlag, ValueStatus};
use quartier_core::store::IndicatorUpdate;
use quartier_core::{Atlas, NoProgress};

fn request(from: &str, to: &str, period: &str, indicators: &[&str], weight: CrosswalkWeight) -> CrosswalkRequest {
    CrosswalkRequest {
        from_level: from.into(),
        to_level: to.into(),
        period: period.into(),
        indicators: indicators.iter().map(|s| s.to_string()).collect(),
        weight,
    }
}

/// The sum with Neumaier's compensation: the test's own additions must not add more rounding
/// than the 1e-9 it checks.
fn exact_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for v in values {
        let t = sum + v;
        compensation += if sum.abs() >= v.abs() {
            (sum - t) + v
        } else {
            (v - t) + sum
        };
        sum = t;
    }
    sum + compensation
}

/// Indicator key → target key → value.
fn values_of(
    result: &quartier_core::analysis::crosswalk::Crosswalk,
) -> BTreeMap<String, BTreeMap<String, Option<f64>>> {
    result
        .indicators
        .iter()
        .map(|i| {
            (
                i.key.clone(),
                i.areas.iter().map(|a| (a.key.clone(), a.combined.value)).collect(),
            )
        })
        .collect()
}

#[test]
fn onto_a_nesting_level_it_equals_aggregation() {
    let (_dir, atlas) = common::sample_atlas();
    let keys = ["ew", "ew_u6", "ew_65plus", "anteil_u6", "anteil_65plus"];
    let result = crosswalk(
        &atlas,
        &request("Planungsraum", "Bezirksregion", "2020", &keys, CrosswalkWeight::Area),
        &NoProgress,
    )
    .unwrap();
    let aggregated = aggregate(
        &atlas,
        &AggregateRequest {
            from_level: "Planungsraum".into(),
            to_level: Some("Bezirksregion".into()),
            period: "2020".into(),
            indicators: keys.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(result.refused.is_empty(), "{:?}", result.refused);
    assert_eq!(result.indicators.len(), keys.len());
    let mut compared = 0;
    for (ours, theirs) in result.indicators.iter().zip(&aggregated.indicators) {
        assert_eq!(ours.key, theirs.key);
        assert_eq!(ours.areas.len(), theirs.areas.len(), "{}", ours.key);
        for (a, b) in ours.areas.iter().zip(&theirs.areas) {
            assert_eq!(a.key, b.key);
            let (x, y) = (a.combined.value.unwrap(), b.combined.value.unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                "{} {}: {x} ≠ {y}",
                ours.key,
                a.key
            );
            assert!(!a.estimated, "{} {}: whole sources, not an estimate", ours.key, a.key);
            compared += 1;
        }
    }
    assert_eq!(compared, keys.len() * 138, "every Bezirksregion with a value");
    // Every Bezirksregion is a union of whole Planungsräume: nothing came from a split one.
    for q in &result.quality {
        assert_eq!((q.split_sources, q.from_split), (0, 0.0), "{q:?}");
        assert!(q.sources >= 1 && q.covered > 0.999, "{q:?}");
    }
    assert!(result.uncovered.is_empty(), "{:?}", result.uncovered);
}

/// A grid of pointy-top hexagons with `size` degrees of longitude per column over the bounding
/// box, as GeoJSON with `id` and `name`. Neighbours share their vertices exactly, so the grid
/// tiles the plane in degrees and, vertex by vertex, in UTM too.
fn hexagon_grid(bbox: [f64; 4], size: f64) -> String {
    let [min_x, min_y, max_x, max_y] = bbox;
    // Half the width and the vertex radius; rows 1.5 radii apart, odd rows shifted by half.
    let (half, r) = (size / 2.0, size * 0.6);
    let rows = ((max_y - min_y) / (1.5 * r)).ceil() as i64 + 2;
    let cols = ((max_x - min_x) / size).ceil() as i64 + 2;
    let mut features = Vec::new();
    for row in 0..rows {
        let y = min_y + (row - 1) as f64 * 1.5 * r;
        for col in 0..cols {
            let x = min_x + (col - 1) as f64 * size + if row % 2 == 1 { half } else { 0.0 };
            let ring = [
                (x, y + r),
                (x + half, y + r / 2.0),
                (x + half, y - r / 2.0),
                (x, y - r),
                (x - half, y - r / 2.0),
                (x - half, y + r / 2.0),
                (x, y + r),
            ];
            let coords: Vec<String> = ring.iter().map(|(a, b)| format!("[{a},{b}]")).collect();
            features.push(format!(
                r#"{{"type":"Feature","properties":{{"id":"H{row:03}{col:03}","name":"Sechseck {row}/{col}"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
                coords.join(",")
            ));
        }
    }
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

#[test]
fn onto_a_hexagon_grid_the_totals_are_preserved() {
    let (dir, mut atlas) = common::sample_atlas();
    let level = atlas.level("Planungsraum").unwrap();
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for (_, g) in atlas.area_geometries(level.id).unwrap() {
        let b = quartier_core::geometry::bbox(&g).unwrap();
        bbox = [
            bbox[0].min(b[0]),
            bbox[1].min(b[1]),
            bbox[2].max(b[2]),
            bbox[3].max(b[3]),
        ];
    }
    let file = dir.path().join("sechsecke.geojson");
    std::fs::write(&file, hexagon_grid(bbox, 0.02)).unwrap();
    common::import_level(&mut atlas, "Sechseck", file, None);
    let keys = ["ew", "ew_u6", "ew_65plus", "anteil_u6"];
    let result = crosswalk(
        &atlas,
        &request("Planungsraum", "Sechseck", "2020", &keys, CrosswalkWeight::Area),
        &NoProgress,
    )
    .unwrap();
    assert!(
        result.uncovered.is_empty(),
        "the grid covers Berlin: {:?}",
        result.uncovered
    );
    let source_total = |atlas: &Atlas, key: &str| -> f64 {
        let meta = atlas.indicator(key).unwrap();
        let period = atlas.period("2020").unwrap();
        exact_sum(
            atlas
                .values(meta.id, level.id, period.id)
                .unwrap()
                .values()
                .filter_map(|v| v.number()),
        )
    };
    // To 1e-9 persons (the sums of the test compensated, so that only the interpolation's
    // rounding is measured).
    let values = values_of(&result);
    for key in ["ew", "ew_u6", "ew_65plus"] {
        let ours = exact_sum(values[key].values().map(|v| v.unwrap_or(0.0)));
        let theirs = source_total(&atlas, key);
        assert!(theirs > 1e5, "{key}: {theirs}");
        assert!(
            (ours - theirs).abs() <= 1e-9,
            "{key}: {ours} after interpolation, {theirs} before (difference {})",
            ours - theirs
        );
    }
    // Shares come from the interpolated numerator and denominator, never from averaging.
    for (hexagon, share) in &values["anteil_u6"] {
        let (u6, ew) = (values["ew_u6"][hexagon], values["ew"][hexagon]);
        match (share, u6, ew) {
            (Some(s), Some(u6), Some(ew)) => assert!((s - u6 / ew * 100.0).abs() < 1e-9, "{hexagon}"),
            (None, _, ew) => assert!(ew.is_none_or(|e| e == 0.0), "{hexagon}: no share with {ew:?} residents"),
            other => panic!("{hexagon}: {other:?}"),
        }
    }
    // The grid cuts across Planungsräume: most hexagons rest on split sources.
    let split = result.quality.iter().filter(|q| q.from_split > 0.5).count();
    assert!(split * 2 > result.quality.len(), "{split} of {}", result.quality.len());
    assert!(result.indicators[0].areas.iter().any(|a| a.estimated));

    // Saved: on the grid level, estimates signed "s", the run recorded; twice is refused.
    let saved = save_crosswalk(
        &mut atlas,
        &request("Planungsraum", "Sechseck", "2020", &["ew"], CrosswalkWeight::Area),
        None,
        &NoProgress,
    )
    .unwrap();
    assert_eq!(saved.saved, ["ew"]);
    let stored: Vec<quartier_core::StoredValue> = {
        let hex = atlas.level("Sechseck").unwrap();
        let meta = atlas.indicator("ew").unwrap();
        let period = atlas.period("2020").unwrap();
        atlas
            .values(meta.id, hex.id, period.id)
            .unwrap()
            .values()
            .cloned()
            .collect()
    };
    let total = exact_sum(stored.iter().filter_map(|v| v.number()));
    assert!((total - source_total(&atlas, "ew")).abs() <= 1e-9, "{total}");
    assert!(stored.iter().any(|v| v.flag == Some(ValueFlag::Estimated)));
    let again = save_crosswalk(
        &mut atlas,
        &request("Planungsraum", "Sechseck", "2020", &["ew"], CrosswalkWeight::Area),
        None,
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(again.contains("schon Werte"), "{again}");
}

/// Two source rectangles, A astride the central meridian of UTM zone 33 (15° E) and B east
/// of it, and two targets split at 15° E: T1 is A's western half, T2 its eastern half and B.
/// Every rectangle has a vertex at each of the meridians 14.99, 15.0, 15.01 and 15.03 that it
/// spans, so that the projected edges (straight in UTM, not along the parallels) coincide.
fn rectangles(dir: &Path) -> Atlas {
    let rect = |id: &str, xs: &[f64]| {
        let mut ring: Vec<String> = xs.iter().map(|x| format!("[{x},52.0]")).collect();
        ring.extend(xs.iter().rev().map(|x| format!("[{x},52.01]")));
        ring.push(format!("[{},52.0]", xs[0]));
        format!(
            r#"{{"type":"Feature","properties":{{"id":"{id}","name":"{id}"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
            ring.join(",")
        )
    };
    let collection =
        |features: &[String]| format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","));
    let mut atlas = common::new_atlas(dir, "Rechtecke");
    let sources = dir.join("alt.geojson");
    std::fs::write(
        &sources,
        collection(&[rect("A", &[14.99, 15.0, 15.01]), rect("B", &[15.01, 15.03])]),
    )
    .unwrap();
    common::import_level(&mut atlas, "Alt", sources, None);
    let targets = dir.join("neu.geojson");
    std::fs::write(
        &targets,
        collection(&[rect("T1", &[14.99, 15.0]), rect("T2", &[15.0, 15.01, 15.03])]),
    )
    .unwrap();
    common::import_level(&mut atlas, "Neu", targets, None);
    let csv = dir.join("werte.csv");
    std::fs::write(&csv, "id;ew;kinder;anteil\nA;100;10;10\nB;50;20;40\n").unwrap();
    import_values(
        &mut atlas,
        &ValuesImport {
            file: csv,
            level: "Alt".into(),
            key_column: "id".into(),
            period: Some("2024".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    common::declare_counts(&mut atlas, &["ew", "kinder"]);
    atlas
        .update_indicator(
            "anteil",
            &IndicatorUpdate {
                kind: Some(IndicatorKind::Share),
                numerator: Some("kinder".into()),
                denominator: Some("ew".into()),
                aggregation: Some(AggregationRule::RatioOfSums),
                ..Default::default()
            },
        )
        .unwrap();
    atlas
}

fn addresses(atlas: &mut Atlas, dir: &Path, rows: &str) {
    use quartier_core::import::addresses::{import_addresses, AddressImport};
    let file = dir.join("adressen.csv");
    std::fs::write(&file, format!("x;y;ew\n{rows}")).unwrap();
    import_addresses(
        atlas,
        &AddressImport {
            file,
            x_column: Some("x".into()),
            y_column: Some("y".into()),
            crs: Some("EPSG:4326".into()),
            residents_column: "ew".into(),
            age_columns: Vec::new(),
            sheet: None,
        },
        &NoProgress,
    )
    .unwrap();
}

fn close(got: Option<f64>, want: f64) {
    let got = got.unwrap();
    assert!((got - want).abs() < 1e-6, "{got} ≠ {want}");
}

#[test]
fn a_split_source_is_shared_by_area_and_by_residents_at_addresses_as_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = rectangles(dir.path());
    let keys = ["ew", "kinder", "anteil"];
    // By area: A splits one half each way, B goes whole to T2.
    let by_area = crosswalk(
        &atlas,
        &request("Alt", "Neu", "2024", &keys, CrosswalkWeight::Area),
        &NoProgress,
    )
    .unwrap();
    let v = values_of(&by_area);
    close(v["ew"]["T1"], 50.0);
    close(v["ew"]["T2"], 50.0 + 50.0);
    close(v["kinder"]["T1"], 5.0);
    close(v["kinder"]["T2"], 5.0 + 20.0);
    close(v["anteil"]["T1"], 10.0);
    close(v["anteil"]["T2"], 25.0 / 100.0 * 100.0);
    let q: BTreeMap<&str, _> = by_area.quality.iter().map(|q| (q.key.as_str(), q)).collect();
    assert_eq!((q["T1"].sources, q["T1"].split_sources), (1, 1));
    assert_eq!((q["T2"].sources, q["T2"].split_sources), (2, 1));
    close(Some(q["T1"].from_split), 1.0);
    // T2 is half of A (split) and all of B, which is twice as large: a third from the split.
    close(Some(q["T2"].from_split), 1.0 / 3.0);
    close(Some(q["T2"].covered), 1.0);

    // By residents at addresses: 30 in A's western half, 90 in its eastern half, 40 in B.
    addresses(
        &mut atlas,
        dir.path(),
        "14,995;52,005;30\n15,005;52,005;90\n15,02;52,005;40\n",
    );
    let by_people = crosswalk(
        &atlas,
        &request("Alt", "Neu", "2024", &keys, CrosswalkWeight::Addresses),
        &NoProgress,
    )
    .unwrap();
    let v = values_of(&by_people);
    close(v["ew"]["T1"], 25.0);
    close(v["ew"]["T2"], 75.0 + 50.0);
    close(v["kinder"]["T2"], 7.5 + 20.0);
    close(v["anteil"]["T2"], 27.5 / 125.0 * 100.0);
    assert!(by_people.area_fallback.is_empty());
    let q: BTreeMap<&str, _> = by_people.quality.iter().map(|q| (q.key.as_str(), q)).collect();
    // T2's 130 residents at addresses: 90 from split A, 40 from whole B.
    close(Some(q["T2"].from_split), 90.0 / 130.0);

    // B without residents at its addresses: split by area, and named.
    addresses(&mut atlas, dir.path(), "14,995;52,005;30\n15,005;52,005;90\n");
    let fallback = crosswalk(
        &atlas,
        &request("Alt", "Neu", "2024", &keys, CrosswalkWeight::Addresses),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(fallback.area_fallback, ["B"]);
    close(values_of(&fallback)["ew"]["T2"], 75.0 + 50.0);
}

#[test]
fn gaps_secrets_and_refusals_are_honest() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = rectangles(dir.path());
    // A secret count in A: both targets it feeds lose the count; the share too.
    let secret = quartier_core::StoredValue {
        value: None,
        text: None,
        status: ValueStatus::Suppressed,
        note: None,
        flag: None,
    };
    atlas.set_value("kinder", "Alt", "2024", "A", Some(secret)).unwrap();
    let result = crosswalk(
        &atlas,
        &request("Alt", "Neu", "2024", &["kinder", "anteil", "ew"], CrosswalkWeight::Area),
        &NoProgress,
    )
    .unwrap();
    let v = values_of(&result);
    assert_eq!((v["kinder"]["T1"], v["kinder"]["T2"]), (None, None));
    assert_eq!(v["anteil"]["T2"], None);
    close(v["ew"]["T2"], 100.0);
    let note = &result.indicators[0].areas[1].combined.note;
    assert!(note.contains("geheim"), "{note}");

    // Not aggregable: refused with the reason, named in the error when asked for alone.
    atlas
        .update_indicator(
            "ew",
            &IndicatorUpdate {
                aggregation: Some(AggregationRule::NotAggregable),
                ..Default::default()
            },
        )
        .unwrap();
    let error = crosswalk(
        &atlas,
        &request("Alt", "Neu", "2024", &["ew"], CrosswalkWeight::Area),
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("„ew“ wird nicht übertragen: nicht aggregierbar"),
        "{error}"
    );
    // Addresses asked for without any: says what to do.
    let error = crosswalk(
        &atlas,
        &request("Alt", "Neu", "2024", &["kinder"], CrosswalkWeight::Addresses),
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("keine Adresspunkte") && error.contains("--weight area"),
        "{error}"
    );
}
