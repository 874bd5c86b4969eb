//! The figures behind the diagrams, on the Berlin sample atlas: scatter with regression,
//! time series with the reference, and age structure against the whole city.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use quartier_core::analysis::chart::{age_structure, linear_regression, scatter, time_series};
use quartier_core::analysis::suppress::HiddenCells;
use quartier_core::model::ValueStatus;
use quartier_core::reference::reference_value;
use quartier_core::Atlas;

fn sample() -> (tempfile::TempDir, Atlas) {
    sample_atlas()
}

#[test]
fn regression_satisfies_the_normal_equations() {
    let x = [1.0, 2.0, 4.0, 7.0, 8.0];
    let y = [2.0, 1.0, 5.0, 6.0, 9.5];
    let r = linear_regression(&x, &y).unwrap();
    let residuals: Vec<f64> = x.iter().zip(&y).map(|(a, b)| b - (r.intercept + r.slope * a)).collect();
    assert!(residuals.iter().sum::<f64>().abs() < 1e-12);
    assert!(residuals.iter().zip(&x).map(|(e, a)| e * a).sum::<f64>().abs() < 1e-12);
    assert!(
        linear_regression(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_none(),
        "x does not vary"
    );
    assert!(linear_regression(&[1.0, 2.0], &[1.0, 2.0]).is_none(), "two points");
}

#[test]
fn berlin_unemployment_against_transfer_recipients() {
    let (_dir, atlas) = sample();
    let s = scatter(&atlas, "s1", "s3", "Planungsraum", "2019").unwrap();
    // Areas under 300 inhabitants carry "x" in the MSS and are left out, not plotted as 0.
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2019").unwrap();
    let s1 = atlas
        .values(atlas.indicator("s1").unwrap().id, level.id, period.id)
        .unwrap();
    let not_ok = s1.values().filter(|v| v.status != ValueStatus::Ok).count();
    assert!(not_ok > 0);
    assert_eq!(s.points.len() + s.left_out, 448);
    assert_eq!(s.left_out, not_ok + (448 - s1.len()));
    assert!(s.points.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
    // Unemployment and transfer receipt go together strongly in Berlin.
    let r = s.regression.unwrap();
    assert!(r.r > 0.8 && r.slope > 0.0, "{r:?}");
    assert_eq!(r.n, s.points.len());
}

#[test]
fn time_series_has_every_period_and_the_reference_by_the_rule() {
    let (_dir, atlas) = sample();
    let keys = vec!["01011101".to_string(), "unknown".to_string()];
    let t = time_series(&atlas, "s1", "Planungsraum", &keys, "Berlin").unwrap();
    assert_eq!(t.periods, ["2013", "2015", "2017", "2019"]);
    assert_eq!(t.areas.len(), 1, "an unknown key gives no line");
    assert_eq!(t.areas[0].values.len(), 4);
    assert!(t.areas[0].values.iter().all(Option::is_some));
    let meta = atlas.indicator("s1").unwrap();
    let level = atlas.level("Planungsraum").unwrap();
    for (i, p) in t.periods.iter().enumerate() {
        let expected = reference_value(&atlas, &meta, level.id, atlas.period(p).unwrap().id).unwrap();
        assert_eq!(t.reference.values[i], expected.value);
    }
    assert_eq!(t.reference.name, "Berlin");
}

#[test]
fn age_structure_of_an_area_against_the_city() {
    let (_dir, atlas) = sample();
    let key = "01011101".to_string();
    let a = age_structure(
        &atlas,
        "Planungsraum",
        "2020",
        std::slice::from_ref(&key),
        &HiddenCells::internal(),
    )
    .unwrap();
    let labels: Vec<&str> = a.bands.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "unter 6",
            "6 bis unter 15",
            "15 bis unter 18",
            "18 bis unter 27",
            "27 bis unter 45",
            "45 bis unter 55",
            "55 bis unter 65",
            "65 und älter"
        ]
    );
    let sum =
        |f: fn(&quartier_core::analysis::chart::AgeBand) -> Option<f64>| a.bands.iter().filter_map(f).sum::<f64>();
    assert!((sum(|b| b.group_share) - 100.0).abs() < 1e-9);
    assert!((sum(|b| b.reference_share) - 100.0).abs() < 1e-9);
    // The bands add up to the area's inhabitants.
    let ew = stored(&atlas, "ew", "Planungsraum", "2020", &key).and_then(|v| v.value);
    assert_eq!(a.group_total, ew);
    // Without a selection only the city is shown.
    let city = age_structure(&atlas, "Planungsraum", "2020", &[], &HiddenCells::internal()).unwrap();
    assert!(city
        .bands
        .iter()
        .all(|b| b.group_share.is_none() && b.reference_share.is_some()));
}
