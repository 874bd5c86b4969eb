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
