//! The workbench state on the sample atlas, without a window.
#![allow(clippy::unwrap_used)]
use super::*;

fn sample() -> (tempfile::TempDir, Workbench) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    quartier_core::sample::build_sample_atlas(&data, &path, false, &quartier_core::NoProgress).unwrap();
    let state = Workbench::new(Atlas::open(&path).unwrap()).unwrap();
    (dir, state)
}

#[test]
fn the_engine_classifies_what_is_chosen_and_the_selection_is_shared() {
    let (_dir, mut w) = sample();
    assert_eq!(w.level_name(), "Planungsraum");
    w.choose_indicator("anteil_u6");
    assert_eq!(w.choice.period.as_deref(), Some("2020"), "the newest period");
    let c = w.shown.classified.clone().unwrap();
    assert_eq!(
        (c.indicator.as_str(), c.period.as_str(), c.labels.len()),
        ("anteil_u6", "2020", 5)
    );
    assert_eq!(c.areas.len(), 448);
    assert!(w.shown.reference.as_ref().unwrap().value.is_some(), "Gesamtstadt row");
    assert_eq!(
        (w.format(Some(5.4321)), w.format(None)),
        ("5,4".to_string(), "k. A.".to_string())
    );
    w.choose_period("2018");
    assert_eq!(w.shown.classified.as_ref().unwrap().period, "2018");
    // A level without this indicator switches to one that has values there.
    w.choose_level(0);
    assert_eq!(w.level_name(), "Bezirk");
    assert!(w.indicators_on_level().iter().all(|i| i.key != "anteil_u6"));
    assert!(w.choice.indicator.is_some() && w.shown.classified.is_some());
    // Diverging around the Gesamtstadt value: its class edge is the reference value.
    w.choose_level(2);
    w.choose_indicator("anteil_u6");
    w.choice.method = METHODS
        .iter()
        .position(|m| m.1 == MethodChoice::DivergingReference)
        .unwrap();
    w.choice.classes = 6;
    w.refresh();
    let reference = w.shown.reference.as_ref().unwrap().value.unwrap();
    let c = w.shown.classified.clone().unwrap();
    assert!(w.is_diverging());
    let below = c
        .areas
        .iter()
        .filter(|a| a.value.is_some_and(|v| v < reference))
        .count();
    let low_classes = c.labels.len() / 2;
    assert_eq!(c.counts[..low_classes].iter().sum::<usize>(), below, "{:?}", c.labels);
    // Own breaks in German notation; a bad one is named.
    w.choice.method = METHODS.iter().position(|m| m.1 == MethodChoice::Manual).unwrap();
    w.choice.manual_breaks = "4; 5,5; 7".into();
    w.refresh();
    assert_eq!(w.shown.classified.as_ref().unwrap().labels.len(), 4);
    w.choice.manual_breaks = "4; fünf".into();
    w.refresh();
    assert!(w.session.error.as_deref().unwrap().contains("fünf"));
    w.choice.method = 1;
    w.choice.classes = 5;
    w.choose_level(0);
    // One selection: click selects, click again clears, extend adds.
    w.selection.click("01", false);
    w.selection.click("02", true);
    assert_eq!(w.selection.len(), 2);
    w.selection.click("02", true);
    w.selection.click("01", false);
    assert!(w.selection.is_empty());
}
