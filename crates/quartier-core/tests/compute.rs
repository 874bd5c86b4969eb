//! Computed indicators on the Berlin sample: each formula function against a hand
//! computation from the stored inputs (or an independent reference: planar areas in UTM,
//! POIs counted by a plain point-in-polygon test, a golden file from pandas), status
//! propagation, errors that name the formula, the aggregation of a computed share, and
//! the refresh after an input changes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use geo::{Area, Contains, MapCoords};
use quartier_core::analysis::compute::{compute, parse, refresh, refresh_dependents, stale, ComputeRequest};
use quartier_core::model::{AggregationRule, IndicatorKind, ValueStatus};
use quartier_core::Atlas;

/// Area key → number (None where the input has none) of an indicator's stored series.
fn input(atlas: &Atlas, key: &str, level: &str, period: &str) -> BTreeMap<String, Option<f64>> {
    let meta = atlas.indicator(key).unwrap();
    let level = atlas.level(level).unwrap();
    let period = atlas.period(period).unwrap();
    let column = atlas.column(meta.id, level.id, period.id).unwrap();
    atlas
        .level_areas(level.id)
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let ok = column.status[i] == Some(ValueStatus::Ok);
            (a.key.to_string(), ok.then_some(column.numbers[i]))
        })
        .collect()
}

/// The formula's values on the Planungsräume in `period`, without storing: area key → value.
fn preview(atlas: &mut Atlas, formula: &str, period: &str) -> BTreeMap<String, quartier_core::StoredValue> {
    let outcome = compute(
        atlas,
        &ComputeRequest {
            key: "probe".into(),
            name: "Probe".into(),
            formula: formula.into(),
            levels: vec!["Planungsraum".into()],
            ..Default::default()
        },
        true,
    )
    .unwrap();
    let series = outcome.series.iter().find(|s| s.period == period).unwrap();
    series.values.iter().map(|v| (v.key.clone(), v.value.clone())).collect()
}

/// Sets the 2020 value of `ew_u6` in the first Planungsraum (as the app's value editor does)
/// and returns that area's key.
fn set_first_under_6(atlas: &mut Atlas, value: Option<f64>, status: ValueStatus) -> String {
    let level = atlas.level("Planungsraum").unwrap();
    let area = atlas.level_areas(level.id).unwrap()[0].key.to_string();
    let cell = quartier_core::StoredValue {
        value,
        text: None,
        status,
        note: None,
        flag: None,
    };
    atlas
        .set_value("ew_u6", "Planungsraum", "2020", &area, Some(cell))
        .unwrap();
    area
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs().max(1.0)
}

#[test]
fn each_formula_function_matches_a_hand_computation() {
    let (_dir, mut atlas) = common::sample_atlas();
    let u6 = input(&atlas, "ew_u6", "Planungsraum", "2020");
    let ew = input(&atlas, "ew", "Planungsraum", "2020");
    let old_18 = input(&atlas, "ew_65plus", "Planungsraum", "2018");
    let old_20 = input(&atlas, "ew_65plus", "Planungsraum", "2020");

    // Arithmetic over the row's own inputs.
    let share = preview(&mut atlas, "ew_u6 / ew * 100", "2020");
    let mut checked = 0;
    for (key, v) in &share {
        if let (Some(a), Some(b)) = (u6[key], ew[key]) {
            if b > 0.0 {
                assert!(close(v.number().unwrap(), a / b * 100.0, 1e-12), "{key}");
                checked += 1;
            }
        }
    }
    assert!(checked > 400, "{checked}");

    // change, change_pct and trend between 2018 and 2020.
    let change = preview(&mut atlas, "change(ew_65plus, 1)", "2020");
    let change_pct = preview(&mut atlas, "change_pct(ew_65plus, 1)", "2020");
    let trend = preview(&mut atlas, "trend(ew_65plus, 2018, 2020)", "2020");
    let mut compared = 0;
    for (key, v) in &change {
        if let (Some(a), Some(b)) = (old_18.get(key).copied().flatten(), old_20[key]) {
            assert_eq!(v.number(), Some(b - a), "{key}");
            assert!(close(trend[key].number().unwrap(), (b - a) / 2.0, 1e-12), "{key}");
            if a > 0.0 {
                assert!(
                    close(change_pct[key].number().unwrap(), (b - a) / a * 100.0, 1e-12),
                    "{key}"
                );
            }
            compared += 1;
        }
    }
    assert!(compared > 400, "{compared}");

    // area_km2 against the planar area in UTM zone 33 (an independent computation).
    let areas = preview(&mut atlas, "area_km2()", "2020");
    let level = atlas.level("Planungsraum").unwrap();
    let metric = quartier_core::crs::Metric::for_longitude(13.4).unwrap();
    let geometries = atlas.area_geometries(level.id).unwrap();
    for (area, geometry) in &geometries {
        let planar = geometry.map_coords(|c| {
            let (x, y) = metric.project(c.x, c.y).unwrap();
            geo::coord! { x: x, y: y }
        });
        let km2 = planar.unsigned_area() / 1e6;
        assert!(
            close(areas[area.key.as_ref()].number().unwrap(), km2, 5e-3),
            "{}",
            area.key
        );
    }
    let berlin: f64 = areas.values().filter_map(|v| v.number()).sum();
    assert!((berlin - 891.1).abs() < 2.0, "Berlin hat 891 km², nicht {berlin}");

    // count_pois and sum_pois against a plain point-in-polygon test over all areas.
    let counted = preview(&mut atlas, "count_pois('Kita')", "2020");
    let places = preview(&mut atlas, "sum_pois('Kita', 'plaetze')", "2020");
    let kitas = atlas.pois("Kita").unwrap();
    let mut total = 0.0;
    for (area, geometry) in geometries.iter().take(60) {
        let inside: Vec<_> = kitas
            .iter()
            .filter(|p| geometry.contains(&geo::point! { x: p.lon, y: p.lat }))
            .collect();
        assert_eq!(
            counted[area.key.as_ref()].number(),
            Some(inside.len() as f64),
            "{}",
            area.key
        );
        if inside.iter().all(|p| p.capacity.is_some()) {
            let sum: f64 = inside.iter().filter_map(|p| p.capacity).sum();
            assert_eq!(places[area.key.as_ref()].number(), Some(sum), "{}", area.key);
        } else {
            assert_eq!(places[area.key.as_ref()].status, ValueStatus::Missing);
        }
        total += inside.len() as f64;
    }
    assert!(total > 100.0, "{total}");

    // reference(x): a count's reference is the sum over the areas.
    let relative = preview(&mut atlas, "ew_u6 / reference(ew_u6) * 100", "2020");
    let sum: f64 = u6.values().flatten().sum();
    let (key, a) = u6.iter().find_map(|(k, v)| v.map(|v| (k, v))).unwrap();
    assert!(close(relative[key].number().unwrap(), a / sum * 100.0, 1e-12));
}

#[test]
fn the_old_age_ratio_equals_pandas() {
    let (_dir, mut atlas) = common::sample_atlas();
    let ours = preview(
        &mut atlas,
        "ew_65plus / (ew_18_27 + ew_27_45 + ew_45_55 + ew_55_65) * 100",
        "2020",
    );
    let golden = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/altenquotient_berlin_2020.csv"),
    )
    .unwrap();
    let mut n = 0;
    for line in golden.lines().skip(1) {
        let (key, value) = line.split_once(',').unwrap();
        let value: f64 = value.parse().unwrap();
        assert!(
            close(ours[key].number().unwrap(), value, 1e-9),
            "{key}: {:?} vs {value}",
            ours[key]
        );
        n += 1;
    }
    assert_eq!(n, 448);
    assert_eq!(ours.len(), 448);
}

#[test]
fn status_propagates_with_its_reason() {
    let (_dir, mut atlas) = common::sample_atlas();
    // A zero denominator is "nicht sinnvoll", never infinity.
    let zero = preview(&mut atlas, "ew_u6 / (ew - ew)", "2020");
    let v = zero.values().next().unwrap();
    assert_eq!(v.status, ValueStatus::NotApplicable);
    assert!(v.note.as_deref().unwrap().contains("Division durch 0"), "{v:?}");
    // No earlier period: missing, with the reason naming the periods.
    let none = preview(&mut atlas, "change(ew, 5)", "2020");
    let v = none.values().next().unwrap();
    assert_eq!(v.status, ValueStatus::Missing);
    assert!(v.note.as_deref().unwrap().contains("5 Perioden vor 2020"), "{v:?}");
    // A secret input makes the result secret and names the input.
    let area = set_first_under_6(&mut atlas, None, ValueStatus::Suppressed);
    let share = preview(&mut atlas, "ew_u6 / ew * 100", "2020");
    let v = &share[&area];
    assert_eq!(v.status, ValueStatus::Suppressed);
    assert!(
        v.note.as_deref().unwrap().contains("„ew_u6“ ist geheim gehalten"),
        "{v:?}"
    );
}

#[test]
fn formula_errors_name_the_formula() {
    let (_dir, mut atlas) = common::sample_atlas();
    let err = |atlas: &Atlas, f: &str| parse(atlas, f).unwrap_err().to_string();
    let typo = err(&atlas, "ew_u7 / ew");
    assert!(
        typo.contains("Formel „ew_u7 / ew“") && typo.contains("„ew_u6“"),
        "{typo}"
    );
    let unknown = err(&atlas, "wurzel(ew)");
    assert!(unknown.contains("unbekannte Funktion „wurzel“"), "{unknown}");
    let open = err(&atlas, "ew /");
    assert!(open.contains("Formel „ew /“"), "{open}");
    let arguments = err(&atlas, "change(ew)");
    assert!(
        arguments.contains("change erwartet change(indikator, perioden_zurück)"),
        "{arguments}"
    );
    // Cycles: a from ew, b from a, then a from b.
    let mut request = ComputeRequest {
        key: "a".into(),
        name: "A".into(),
        formula: "ew * 2".into(),
        ..Default::default()
    };
    compute(&mut atlas, &request, false).unwrap();
    request.key = "b".into();
    request.formula = "a * 2".into();
    compute(&mut atlas, &request, false).unwrap();
    request.key = "a".into();
    request.formula = "b / 2".into();
    let cycle = compute(&mut atlas, &request, false).unwrap_err().to_string();
    assert!(cycle.contains("Kreis") && cycle.contains("„b“"), "{cycle}");
    // An imported indicator is not overwritten by a formula.
    request.key = "ew_u6".into();
    request.formula = "ew / 2".into();
    let imported = compute(&mut atlas, &request, false).unwrap_err().to_string();
    assert!(imported.contains("importierter Indikator"), "{imported}");
}

#[test]
fn a_computed_share_aggregates_as_the_ratio_of_sums() {
    let (_dir, mut atlas) = common::sample_atlas();
    let outcome = compute(
        &mut atlas,
        &ComputeRequest {
            key: "quote_u6".into(),
            name: "Anteil unter 6".into(),
            formula: "ew_u6 / ew * 100".into(),
            unit: Some("%".into()),
            ..Default::default()
        },
        false,
    )
    .unwrap();
    assert!(outcome.saved);
    let meta = atlas.indicator("quote_u6").unwrap();
    assert_eq!(meta.kind, IndicatorKind::Share);
    assert_eq!(meta.aggregation, AggregationRule::RatioOfSums);
    assert_eq!(
        (meta.numerator.as_deref(), meta.denominator.as_deref()),
        (Some("ew_u6"), Some("ew"))
    );
    assert_eq!(meta.formula.as_deref(), Some("ew_u6 / ew * 100"));
    // × 1,000 makes a rate per 1,000, no factor a ratio; both aggregate as ratio of sums.
    for (formula, kind) in [
        ("ew_ausl / ew * 1000", IndicatorKind::RatePer1000),
        ("1000 * ew_ausl / ew", IndicatorKind::RatePer1000),
        ("ew_ausl / ew", IndicatorKind::Ratio),
    ] {
        let request = ComputeRequest {
            key: "rate_probe".into(),
            formula: formula.into(),
            ..Default::default()
        };
        compute(&mut atlas, &request, false).unwrap();
        let meta = atlas.indicator("rate_probe").unwrap();
        assert_eq!(
            (meta.kind, meta.aggregation),
            (kind, AggregationRule::RatioOfSums),
            "{formula}"
        );
    }
    let (run, _) = atlas.derived_run("quote_u6").unwrap().unwrap();
    assert_eq!(run.method, "formel");
    assert_eq!(run.inputs, ["ew", "ew_u6"]);

    let result = quartier_core::analysis::aggregate::aggregate(
        &atlas,
        &quartier_core::analysis::aggregate::AggregateRequest {
            from_level: "Planungsraum".into(),
            to_level: Some("Bezirk".into()),
            period: "2020".into(),
            indicators: vec!["quote_u6".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let u6 = input(&atlas, "ew_u6", "Planungsraum", "2020");
    let ew = input(&atlas, "ew", "Planungsraum", "2020");
    let shares = input(&atlas, "quote_u6", "Planungsraum", "2020");
    let mitte = &result.indicators[0]
        .areas
        .iter()
        .find(|a| a.key == "01")
        .unwrap()
        .combined;
    let parts: Vec<&String> = u6.keys().filter(|k| k.starts_with("01")).collect();
    let ratio =
        parts.iter().map(|k| u6[*k].unwrap()).sum::<f64>() / parts.iter().map(|k| ew[*k].unwrap()).sum::<f64>() * 100.0;
    let mean = parts.iter().filter_map(|k| shares[*k]).sum::<f64>() / parts.len() as f64;
    assert!(close(mitte.value.unwrap(), ratio, 1e-12), "{mitte:?} vs {ratio}");
    assert!((mitte.value.unwrap() - mean).abs() > 1e-6, "the mean of shares differs");
}

#[test]
fn a_changed_input_makes_the_computed_indicator_stale_until_refreshed() {
    let (_dir, mut atlas) = common::sample_atlas();
    let request = ComputeRequest {
        key: "quote_u6".into(),
        name: "Anteil unter 6".into(),
        formula: "ew_u6 / ew * 100".into(),
        levels: vec!["Planungsraum".into()],
        ..Default::default()
    };
    compute(&mut atlas, &request, false).unwrap();
    assert!(stale(&atlas).unwrap().is_empty());
    let level = atlas.level("Planungsraum").unwrap();
    let first = atlas.level_areas(level.id).unwrap()[0].key.to_string();
    let ew = input(&atlas, "ew", "Planungsraum", "2020")[&first].unwrap();
    let area = set_first_under_6(&mut atlas, Some(100.0), ValueStatus::Ok);
    let stale_now = stale(&atlas).unwrap();
    assert_eq!(stale_now.len(), 1);
    assert_eq!(stale_now[0].key, "quote_u6");
    // Another indicator's change does not touch it.
    assert!(refresh_dependents(&mut atlas, &["ew_w".into()]).unwrap().is_empty());
    let done = refresh_dependents(&mut atlas, &["ew_u6".into()]).unwrap();
    assert_eq!(done.len(), 1);
    let share = input(&atlas, "quote_u6", "Planungsraum", "2020")[&area].unwrap();
    assert!(close(share, 100.0 / ew * 100.0, 1e-12), "{share}");
    assert!(stale(&atlas).unwrap().is_empty());
    assert_eq!(refresh(&mut atlas, None).unwrap().len(), 0, "nothing left to refresh");
}

#[test]
fn areas_below_a_thousand_residents_are_those_of_the_source_file() {
    let (_dir, atlas) = common::sample_atlas();
    let check = quartier_core::analysis::sizes::check_sizes(&atlas, "Planungsraum", Some("2020"), "ba").unwrap();
    assert_eq!(check.rule, "ew >= 1000");
    // The independent reference: the published CSV itself.
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../sample_data/population/berlin-lor-population-2020-02-t1-planning-areas.csv"),
    )
    .unwrap();
    let mut expected: Vec<String> = source
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[5].parse::<f64>().unwrap() < 1000.0).then(|| cells[0].to_string())
        })
        .collect();
    expected.sort();
    assert_eq!(check.too_small, expected);
    assert_eq!(expected.len(), 18);
    assert!(check.unknown.is_empty());
    let small = check.areas.iter().find(|a| a.key == expected[0]).unwrap();
    assert!(small.value.unwrap() < 1000.0 && small.meets == Some(false));
    // Without a period: the latest with values; a rule that is no condition is refused.
    let latest = quartier_core::analysis::sizes::check_sizes(&atlas, "Planungsraum", None, "ew_u6 >= 50").unwrap();
    assert_eq!(latest.period, "2020");
    let wrong = quartier_core::analysis::sizes::check_sizes(&atlas, "Planungsraum", None, "ew / 2").unwrap_err();
    assert!(wrong.to_string().contains("keine Bedingung"), "{wrong}");
}

#[test]
fn regionalising_the_berlin_planungsraeume_leaves_none_below_a_thousand_and_every_region_connected() {
    use geo::Intersects;
    use quartier_core::analysis::sizes::{check_sizes, regionalise, save_regionalisation};
    let (_dir, mut atlas) = common::sample_atlas();
    let mut proposal = regionalise(&atlas, "Planungsraum", Some("2020"), "ew >= 1000", "Sozialräume").unwrap();
    assert_eq!(proposal.areas, 448);
    // Every merged region holds at least one of the 18 small areas.
    assert!((1..=18).contains(&proposal.merged), "{}", proposal.merged);
    assert!(proposal.unresolved.is_empty(), "{:?}", proposal.unresolved);
    // Forst Grunewald (62 residents) is alone in its Bezirksregion: it merges across.
    assert_eq!(proposal.crossing.len(), 1, "{:?}", proposal.crossing);
    assert!(proposal.crossing[0].contains("04061757"), "{:?}", proposal.crossing);
    save_regionalisation(&mut atlas, &mut proposal).unwrap();

    // No region below the rule, checked on the stored level.
    let check = check_sizes(&atlas, "Sozialräume", Some("2020"), "ew >= 1000").unwrap();
    assert!(check.too_small.is_empty() && check.unknown.is_empty(), "{check:?}");
    assert_eq!(check.areas.len(), proposal.regions.len());
    // The residents add up to the same total.
    let total = |level: &str| -> f64 { input(&atlas, "ew", level, "2020").values().flatten().sum() };
    assert_eq!(total("Sozialräume"), total("Planungsraum"));

    // Every region is connected (its members touch, by geometry) and, unless named as
    // crossing, within one parent.
    let fine = atlas.level("Planungsraum").unwrap();
    let geometries: BTreeMap<String, (Option<i64>, geo::MultiPolygon<f64>)> = atlas
        .area_geometries(fine.id)
        .unwrap()
        .into_iter()
        .map(|(a, g)| (a.key.to_string(), (a.parent_area_id, g)))
        .collect();
    for region in proposal.regions.iter().filter(|r| r.members.len() > 1) {
        let parents: std::collections::BTreeSet<_> = region.members.iter().map(|m| geometries[m].0).collect();
        assert_eq!(parents.len() > 1, region.crosses_parent, "{}", region.name);
        let mut reached = vec![region.members[0].clone()];
        let mut frontier = reached.clone();
        while let Some(next) = frontier.pop() {
            for m in &region.members {
                if !reached.contains(m) && geometries[&next].1.intersects(&geometries[m].1) {
                    reached.push(m.clone());
                    frontier.push(m.clone());
                }
            }
        }
        assert_eq!(reached.len(), region.members.len(), "{} is not connected", region.name);
    }
    // The new level's geometry covers the same area.
    let sozial = atlas.level("Sozialräume").unwrap();
    let area = |level: i64| -> f64 {
        atlas
            .area_geometries(level)
            .unwrap()
            .iter()
            .map(|(_, g)| quartier_core::geometry::area_m2(g))
            .sum()
    };
    assert!(
        close(area(sozial.id), area(fine.id), 1e-3),
        "{} vs {}",
        area(sozial.id),
        area(fine.id)
    );
}

#[test]
fn an_adjusted_proposal_is_evaluated_again_region_by_region() {
    use quartier_core::analysis::sizes::{evaluate_regions, regionalise};
    let (_dir, atlas) = common::sample_atlas();
    let proposal = regionalise(&atlas, "Planungsraum", Some("2020"), "ew >= 1000", "Sozialräume").unwrap();
    let groups = |p: &quartier_core::analysis::sizes::Regionalisation| -> Vec<Vec<String>> {
        p.regions.iter().map(|r| r.members.clone()).collect()
    };
    // Unchanged groups give the same proposal.
    let same = evaluate_regions(&atlas, &proposal, &groups(&proposal)).unwrap();
    let keys = |p: &quartier_core::analysis::sizes::Regionalisation| -> Vec<(String, Option<f64>, bool)> {
        p.regions.iter().map(|r| (r.key.clone(), r.value, r.meets)).collect()
    };
    assert_eq!(keys(&same), keys(&proposal));
    let ew = input(&atlas, "ew", "Planungsraum", "2020");
    // A merged region taken apart: its members are single again, the small one fails.
    let merged = proposal
        .regions
        .iter()
        .find(|r| r.members.len() == 2 && !r.crosses_parent)
        .unwrap();
    let mut apart: Vec<Vec<String>> = groups(&proposal).into_iter().filter(|g| g != &merged.members).collect();
    apart.push(vec![merged.members[0].clone()]);
    let split = evaluate_regions(&atlas, &proposal, &apart).unwrap();
    assert_eq!(split.regions.len(), proposal.regions.len() + 1);
    let small = merged.members.iter().find(|m| ew[*m].unwrap() < 1000.0).unwrap();
    let alone = split.regions.iter().find(|r| r.key == *small).unwrap();
    assert_eq!((alone.value, alone.meets), (ew[small], false));
    assert_eq!(alone.reason.as_deref(), Some("erfüllt die Regel nicht"));
    assert!(split.unresolved.contains(small));
    // Two areas far apart in one region: summed, but named for review.
    let (a, b) = ("01011101".to_string(), "12214424".to_string());
    let far: Vec<Vec<String>> = vec![vec![a.clone(), b.clone()]];
    let evaluated = evaluate_regions(&atlas, &proposal, &far).unwrap();
    let region = evaluated
        .regions
        .iter()
        .find(|r| r.members == [a.clone(), b.clone()])
        .unwrap();
    assert_eq!(region.value, Some(ew[&a].unwrap() + ew[&b].unwrap()));
    assert_eq!(region.reason.as_deref(), Some("Teile hängen nicht zusammen"));
    assert!(region.crosses_parent);
    assert_eq!(evaluated.regions.len(), 448 - 1, "every other area single");
    // Keys that do not exist, or an area in two regions, are refused in German.
    let error = evaluate_regions(&atlas, &proposal, &[vec!["999".into()]])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("Gebiet „999“ gibt es auf Ebene „Planungsraum“ nicht"),
        "{error}"
    );
    let error = evaluate_regions(&atlas, &proposal, &[vec![a.clone()], vec![a.clone()]])
        .unwrap_err()
        .to_string();
    assert!(error.contains("in zwei Regionen"), "{error}");
}

#[test]
fn new_pois_make_a_poi_count_stale_until_refreshed() {
    use quartier_core::import::pois::{import_pois, PoiImport};
    let (dir, mut atlas) = common::sample_atlas();
    let request = ComputeRequest {
        key: "kitas".into(),
        name: "Kitas im Gebiet".into(),
        formula: "count_pois('Kita')".into(),
        levels: vec!["Bezirk".into()],
        ..Default::default()
    };
    compute(&mut atlas, &request, false).unwrap();
    assert!(stale(&atlas).unwrap().is_empty());
    let before: f64 = input(&atlas, "kitas", "Bezirk", "2020").values().flatten().sum();
    // The Kitas imported again as two new ones in Mitte: the count is stale.
    let file = dir.path().join("kitas.csv");
    std::fs::write(&file, "name;lon;lat\nKita A;13,40;52,52\nKita B;13,39;52,52\n").unwrap();
    import_pois(
        &mut atlas,
        &PoiImport {
            file,
            category: "Kita".into(),
            x_column: Some("lon".into()),
            y_column: Some("lat".into()),
            crs: Some("EPSG:4326".into()),
            name_column: Some("name".into()),
            ..Default::default()
        },
        &quartier_core::NoProgress,
    )
    .unwrap();
    let now = stale(&atlas).unwrap();
    assert_eq!(now.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), ["kitas"]);
    refresh(&mut atlas, None).unwrap();
    let after: f64 = input(&atlas, "kitas", "Bezirk", "2020").values().flatten().sum();
    assert!(before > 1000.0, "{before}");
    assert_eq!(after, 2.0);
    assert!(stale(&atlas).unwrap().is_empty());
}

#[test]
fn a_ratio_over_a_sum_of_counts_aggregates_as_the_ratio_of_sums() {
    use quartier_core::analysis::aggregate::{aggregate, AggregateRequest};
    let (_dir, mut atlas) = common::sample_atlas();
    let bands = ["ew_18_27", "ew_27_45", "ew_45_55", "ew_55_65"];
    let outcome = compute(
        &mut atlas,
        &ComputeRequest {
            key: "altenquotient".into(),
            name: "Altenquotient".into(),
            formula: format!("ew_65plus / ({}) * 100", bands.join(" + ")),
            levels: vec!["Planungsraum".into()],
            ..Default::default()
        },
        false,
    )
    .unwrap();
    // The denominator, a sum of counts, is a computed count of its own.
    assert_eq!(outcome.helpers, ["altenquotient_nenner"]);
    assert_eq!(outcome.aggregation, "ratio_of_sums");
    let meta = atlas.indicator("altenquotient").unwrap();
    assert_eq!(
        (meta.kind, meta.numerator.as_deref(), meta.denominator.as_deref()),
        (IndicatorKind::Share, Some("ew_65plus"), Some("altenquotient_nenner"))
    );
    let helper = atlas.indicator("altenquotient_nenner").unwrap();
    assert_eq!(
        (helper.kind, helper.aggregation.clone()),
        (IndicatorKind::Count, AggregationRule::Sum)
    );
    assert_eq!(helper.name, "Nenner von „Altenquotient“");
    let columns: Vec<BTreeMap<String, Option<f64>>> =
        bands.iter().map(|b| input(&atlas, b, "Planungsraum", "2020")).collect();
    let old = input(&atlas, "ew_65plus", "Planungsraum", "2020");
    let denominator = input(&atlas, "altenquotient_nenner", "Planungsraum", "2020");
    for (key, d) in &denominator {
        let by_hand: f64 = columns.iter().map(|c| c[key].unwrap()).sum();
        assert_eq!(d.unwrap(), by_hand, "{key}");
    }
    // The Bezirk value is Σ 65+ / Σ 18–65 × 100 over its Planungsräume (the first two digits
    // of the key name the Bezirk), never the mean of the quotients.
    let aggregated = aggregate(
        &atlas,
        &AggregateRequest {
            from_level: "Planungsraum".into(),
            to_level: Some("Bezirk".into()),
            period: "2020".into(),
            indicators: vec!["altenquotient".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let quotients = input(&atlas, "altenquotient", "Planungsraum", "2020");
    for area in &aggregated.indicators[0].areas {
        let inside = |k: &&String| k.starts_with(&area.key);
        let top: f64 = old.keys().filter(inside).map(|k| old[k].unwrap()).sum();
        let bottom: f64 = denominator.keys().filter(inside).map(|k| denominator[k].unwrap()).sum();
        assert!(
            close(area.combined.value.unwrap(), top / bottom * 100.0, 1e-12),
            "{area:?}"
        );
        let parts: Vec<f64> = quotients
            .iter()
            .filter(|(k, _)| inside(k))
            .map(|(_, v)| v.unwrap())
            .collect();
        let mean = parts.iter().sum::<f64>() / parts.len() as f64;
        assert!((area.combined.value.unwrap() - mean).abs() > 1e-6, "{}", area.name);
    }
    assert_eq!(aggregated.indicators[0].areas.len(), 12);
    // A ratio over a sum of non-counts keeps no rule.
    let shares = compute(
        &mut atlas,
        &ComputeRequest {
            key: "probe".into(),
            formula: "ew_u6 / (anteil_u6 + anteil_65plus)".into(),
            levels: vec!["Planungsraum".into()],
            ..Default::default()
        },
        true,
    )
    .unwrap();
    assert_eq!(
        (shares.aggregation.as_str(), shares.helpers.len()),
        ("not_aggregable", 0)
    );
}
