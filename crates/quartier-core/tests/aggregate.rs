//! Aggregation to coarser levels and the reference row, on the Berlin sample atlas, checked
//! against sums computed straight from the source CSV.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::*;
use quartier_core::analysis::aggregate::{aggregate, save_aggregation, AggregateRequest};
use quartier_core::model::ValueStatus;
use quartier_core::reference::reference_value;
use quartier_core::sample::build_sample_atlas;
use quartier_core::table::read_table;
use quartier_core::{Error, NoProgress};

/// Per Bezirk (first two key digits): Σ inhabitants and Σ inhabitants under 6, from the CSV.
fn population_by_bezirk() -> BTreeMap<String, (f64, f64)> {
    let t = read_table(
        &sample_data().join("population/berlin-lor-population-2020-02-t2-planning-areas.csv"),
        None,
    )
    .unwrap();
    let col = |name: &str| t.headers.iter().position(|h| h == name).unwrap();
    let (id, ew, u6) = (col("id"), col("inhabitants"), col("inhabitants_age_below_6"));
    let mut out: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for r in &t.rows {
        let key = format!("{:0>8}", r.cells[id].as_text().trim());
        let e = out.entry(key[..2].to_string()).or_default();
        e.0 += r.cells[ew].as_text().trim().parse::<f64>().unwrap();
        e.1 += r.cells[u6].as_text().trim().parse::<f64>().unwrap();
    }
    out
}

#[test]
fn counts_sum_and_shares_are_ratios_of_sums_by_hierarchy_or_key_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = quartier_core::Atlas::open(&path).unwrap();
    let expected = population_by_bezirk();

    let request = AggregateRequest {
        from_level: "Planungsraum".into(),
        to_level: Some("Bezirk".into()),
        period: "2020".into(),
        indicators: vec!["ew".into(), "anteil_u6".into()],
        ..Default::default()
    };
    let by_hierarchy = aggregate(&atlas, &request).unwrap();
    assert_eq!(by_hierarchy.grouping, "Gebietshierarchie");
    assert!(by_hierarchy.unassigned.is_empty(), "{:?}", by_hierarchy.unassigned);
    let ew = &by_hierarchy.indicators[0];
    let share = &by_hierarchy.indicators[1];
    assert_eq!((ew.rule.as_str(), share.rule.as_str()), ("sum", "ratio_of_sums"));
    assert_eq!(ew.areas.len(), 12);
    for (area, pct) in ew.areas.iter().zip(&share.areas) {
        let (sum, u6) = expected[&area.key];
        assert_eq!(area.combined.value, Some(sum), "{}", area.key);
        // The share of under-6-year-olds is Σ under 6 / Σ inhabitants, not the mean of shares.
        assert!(
            (pct.combined.value.unwrap() - u6 / sum * 100.0).abs() < 1e-9,
            "{}",
            area.key
        );
        assert_eq!(pct.combined.used, pct.combined.total);
    }

    // The same by the first two key digits, without the parent links.
    let by_prefix = aggregate(
        &atlas,
        &AggregateRequest {
            key_prefix: Some(2),
            ..request.clone()
        },
    )
    .unwrap();
    assert_eq!(by_prefix.grouping, "Schlüsselpräfix 2");
    assert_eq!(by_prefix.indicators, by_hierarchy.indicators);
    assert!(
        by_hierarchy.indicators[1].areas[0].alternative.is_none(),
        "only when asked"
    );

    // The unweighted mean of the Planungsräume' shares is a labelled alternative, and differs.
    let with_mean = aggregate(
        &atlas,
        &AggregateRequest {
            unweighted_mean: true,
            ..request.clone()
        },
    )
    .unwrap();
    let mitte = &with_mean.indicators[1].areas[0];
    let alt = mitte.alternative.as_ref().unwrap();
    assert!(alt.label.contains("nicht die Referenz"), "{}", alt.label);
    let shares: Vec<f64> = {
        let level = atlas.level("Planungsraum").unwrap();
        let period = atlas.period("2020").unwrap();
        let values = atlas
            .values(atlas.indicator("anteil_u6").unwrap().id, level.id, period.id)
            .unwrap();
        atlas
            .areas(level.id)
            .unwrap()
            .iter()
            .filter(|a| a.key.starts_with(&mitte.key))
            .filter_map(|a| values[&a.id].value)
            .collect()
    };
    assert!((alt.value.unwrap() - shares.iter().sum::<f64>() / shares.len() as f64).abs() < 1e-9);
    assert!((alt.value.unwrap() - mitte.combined.value.unwrap()).abs() > 0.01);

    // The reference row is the same aggregation over the whole city.
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2020").unwrap();
    let total: f64 = expected.values().map(|(e, _)| e).sum();
    let r = reference_value(&atlas, &atlas.indicator("ew").unwrap(), level.id, period.id).unwrap();
    assert_eq!(r.value, Some(total));
    let city = aggregate(
        &atlas,
        &AggregateRequest {
            to_level: None,
            ..request.clone()
        },
    )
    .unwrap();
    assert_eq!(city.indicators[0].areas[0].combined.value, Some(total));

    // A suppressed part: the Bezirk's sum is "k. A." (also with partial coverage allowed);
    // the ratio with partial coverage uses the other parts and says how many.
    let mitte_first = atlas
        .areas(level.id)
        .unwrap()
        .into_iter()
        .find(|a| a.key.starts_with("01"))
        .unwrap();
    for key in ["ew", "ew_u6"] {
        let id = atlas.indicator(key).unwrap().id;
        atlas
            .set_value_status(id, period.id, &[mitte_first.id], ValueStatus::Suppressed, "k. A.")
            .unwrap();
    }
    let strict = aggregate(&atlas, &request).unwrap();
    let mitte =
        |a: &quartier_core::analysis::aggregate::Aggregation, i: usize| a.indicators[i].areas[0].combined.clone();
    assert_eq!(mitte(&strict, 0).value, None);
    assert!(
        mitte(&strict, 0).note.contains("1 Werte fehlen"),
        "{}",
        mitte(&strict, 0).note
    );
    assert_eq!(mitte(&strict, 1).value, None);
    assert!(
        strict.indicators[0].areas[1].combined.value.is_some(),
        "other Bezirke unaffected"
    );
    let partial = aggregate(
        &atlas,
        &AggregateRequest {
            allow_partial: true,
            ..request.clone()
        },
    )
    .unwrap();
    assert_eq!(mitte(&partial, 0).value, None, "a partial sum is an undercount");
    let share = mitte(&partial, 1);
    assert!(share.value.is_some());
    assert_eq!(share.used + 1, share.total);
    assert!(share.note.contains("über"), "{}", share.note);

    // Refusals.
    let err = aggregate(
        &atlas,
        &AggregateRequest {
            indicators: vec!["mss_code".into()],
            ..request.clone()
        },
    );
    assert!(matches!(err, Err(Error::NotFound { .. })), "{err:?}");
    atlas
        .update_indicator(
            "ew_w",
            &quartier_core::store::IndicatorUpdate {
                aggregation: Some(quartier_core::model::AggregationRule::NotAggregable),
                ..Default::default()
            },
        )
        .unwrap();
    let err = aggregate(
        &atlas,
        &AggregateRequest {
            indicators: vec!["ew_w".into()],
            ..request.clone()
        },
    );
    assert!(matches!(err, Err(Error::Invalid(m)) if m.contains("nicht aggregierbar")));
    let same = aggregate(
        &atlas,
        &AggregateRequest {
            to_level: Some("Planungsraum".into()),
            ..request
        },
    );
    assert!(matches!(same, Err(Error::Invalid(m)) if m.contains("gleich")));
}

#[test]
fn saved_aggregates_land_at_the_coarser_level_with_their_run_and_never_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = quartier_core::Atlas::open(&path).unwrap();
    let expected = population_by_bezirk();
    let request = AggregateRequest {
        from_level: "Planungsraum".into(),
        to_level: Some("Bezirk".into()),
        period: "2020".into(),
        indicators: vec!["ew".into(), "ew_u6".into(), "anteil_u6".into()],
        ..Default::default()
    };
    let saved = save_aggregation(&mut atlas, &request, None, &quartier_core::NoProgress).unwrap();
    assert_eq!(saved.saved, ["ew", "ew_u6", "anteil_u6"]);
    let bezirk = atlas.level("Bezirk").unwrap();
    let period = atlas.period("2020").unwrap();
    let stored = atlas
        .values(atlas.indicator("ew").unwrap().id, bezirk.id, period.id)
        .unwrap();
    assert_eq!(stored.len(), 12);
    for area in atlas.areas(bezirk.id).unwrap() {
        assert_eq!(stored[&area.id].value, Some(expected[&*area.key].0), "{}", area.key);
    }
    let (run, _) = atlas.derived_run("anteil_u6").unwrap().unwrap();
    assert_eq!(run.method, "aggregate");
    assert_eq!(run.parameters["from_level"], "Planungsraum");
    assert_eq!(run.parameters["grouping"], "Gebietshierarchie");

    // Now the Bezirk level holds "ew": saving under the same key again is refused.
    let again = save_aggregation(&mut atlas, &request, None, &quartier_core::NoProgress);
    assert!(matches!(again, Err(Error::Invalid(m)) if m.contains("nicht überschrieben")));
    // With a suffix the aggregates are new indicators; the share's numerator and denominator
    // point to the aggregates saved alongside.
    let suffixed = save_aggregation(&mut atlas, &request, Some("_agg"), &quartier_core::NoProgress).unwrap();
    assert_eq!(suffixed.saved, ["ew_agg", "ew_u6_agg", "anteil_u6_agg"]);
    let share = atlas.indicator("anteil_u6_agg").unwrap();
    assert_eq!(
        (share.numerator.as_deref(), share.denominator.as_deref()),
        (Some("ew_u6_agg"), Some("ew_agg"))
    );
    assert_eq!(share.kind, atlas.indicator("anteil_u6").unwrap().kind);
    // The whole-city aggregate is the reference row and is not stored.
    let city = save_aggregation(
        &mut atlas,
        &AggregateRequest {
            to_level: None,
            ..request.clone()
        },
        None,
        &quartier_core::NoProgress,
    );
    assert!(matches!(city, Err(Error::Invalid(m)) if m.contains("Referenzzeile")));
}

/// Merged rows by key ("A+B", `--merge-rows`): a combined area stands in for its members in
/// a sum and in a ratio of sums (numerator and denominator both from the combined row), and
/// in the reference over the whole level. A combined area whose members lie in two Bezirke
/// stands in for neither: their Bezirk sums stay "k. A." rather than guessing a split.
#[test]
fn combined_areas_stand_in_for_their_members_in_sums_ratios_and_the_reference() {
    use quartier_core::import::values::{import_values, ValuesImport};
    use quartier_core::reference::ReferenceStatus;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = quartier_core::Atlas::open(&path).unwrap();
    let expected = population_by_bezirk();
    let level = atlas.level("Planungsraum").unwrap();
    let p2020 = atlas.period("2020").unwrap();
    let areas = atlas.areas(level.id).unwrap();
    let of = |key: &str| {
        let v = |k: &str| {
            let id = atlas.indicator(k).unwrap().id;
            atlas.values(id, level.id, p2020.id).unwrap()[&areas.iter().find(|a| &*a.key == key).unwrap().id]
                .number()
                .unwrap()
        };
        (v("ew"), v("ew_u6"))
    };
    // A and B in Bezirk 01; C in Bezirk 03, D in Bezirk 04.
    let in_bezirk = |b: &'static str| {
        areas
            .iter()
            .filter(move |a| a.key.starts_with(b))
            .map(|a| a.key.to_string())
    };
    let (a, b) = {
        let mut first = in_bezirk("01");
        (first.next().unwrap(), first.next().unwrap())
    };
    let (c, d) = (in_bezirk("03").next().unwrap(), in_bezirk("04").next().unwrap());
    let mut csv = String::from("Schlüssel;ew;ew_u6\n");
    for area in areas.iter().map(|a| a.key.to_string()) {
        if ![&a, &b, &c, &d].contains(&&area) {
            let (ew, u6) = of(&area);
            csv.push_str(&format!("{area};{ew};{u6}\n"));
        }
    }
    for (x, y) in [(&a, &b), (&c, &d)] {
        let ((ew_x, u6_x), (ew_y, u6_y)) = (of(x), of(y));
        csv.push_str(&format!("{x}+{y};{};{}\n", ew_x + ew_y, u6_x + u6_y));
    }
    let file = dir.path().join("2021.csv");
    std::fs::write(&file, csv).unwrap();
    let s = import_values(
        &mut atlas,
        &ValuesImport {
            file,
            level: "Planungsraum".into(),
            key_column: "Schlüssel".into(),
            period: Some("2021".into()),
            merge_rows: true,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(s.combined_areas_created.len(), 2);
    assert_eq!(s.combined_areas_created[0].members, [a.clone(), b.clone()]);

    let result = aggregate(
        &atlas,
        &AggregateRequest {
            from_level: "Planungsraum".into(),
            to_level: Some("Bezirk".into()),
            period: "2021".into(),
            indicators: vec!["ew".into(), "anteil_u6".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let (ew, share) = (&result.indicators[0], &result.indicators[1]);
    for (sum, pct) in ew.areas.iter().zip(&share.areas) {
        let (total, u6) = expected[&sum.key];
        match sum.key.as_str() {
            "03" | "04" => {
                assert_eq!(sum.combined.value, None, "{}: split members are no sum", sum.key);
                assert_eq!(pct.combined.value, None);
            }
            _ => {
                assert_eq!(sum.combined.value, Some(total), "{}: {}", sum.key, sum.combined.note);
                let p = pct.combined.value.unwrap();
                assert!((p - u6 / total * 100.0).abs() < 1e-9, "{}: {p}", sum.key);
            }
        }
    }
    // Bezirk 01 counts the combined area once in place of its two members.
    let bezirk_01 = ew.areas.iter().find(|x| x.key == "01").unwrap();
    assert_eq!(bezirk_01.combined.used, in_bezirk("01").count() - 1);

    // Over the whole level both combined areas stand in: the reference is the full sum.
    let total: f64 = expected.values().map(|(ew, _)| ew).sum();
    let p2021 = atlas.period("2021").unwrap();
    let reference = reference_value(&atlas, &atlas.indicator("ew").unwrap(), level.id, p2021.id).unwrap();
    assert_eq!(
        (reference.status, reference.value),
        (ReferenceStatus::Computed, Some(total))
    );
    assert_eq!(reference.areas_used, areas.len() - 2);
    let share_reference = reference_value(&atlas, &atlas.indicator("anteil_u6").unwrap(), level.id, p2021.id).unwrap();
    let u6: f64 = expected.values().map(|(_, u6)| u6).sum();
    assert!((share_reference.value.unwrap() - u6 / total * 100.0).abs() < 1e-9);

    // In 2020 the members have their own values: the combined areas take no part, and the
    // table has no row for them.
    let reference_2020 = reference_value(&atlas, &atlas.indicator("ew").unwrap(), level.id, p2020.id).unwrap();
    assert_eq!(reference_2020.value, Some(total));
    let table = quartier_core::export::value_table(&atlas, "Planungsraum", "2020", Some(&["ew".to_string()])).unwrap();
    assert_eq!(table.rows.len(), areas.len());
    let table = quartier_core::export::value_table(&atlas, "Planungsraum", "2021", Some(&["ew".to_string()])).unwrap();
    assert_eq!(table.rows.len(), areas.len() + 2);
}
