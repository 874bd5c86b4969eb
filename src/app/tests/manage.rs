//! *Atlas verwalten*: each deletion says what will be lost before it happens, and renaming a
//! level can be undone. Counts are checked against the source files.

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;

use super::super::QuartierApp;
use super::{harness, sample_app, wait_for_jobs};
use eframe::egui;

fn features(file: &str) -> usize {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(file);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["features"].as_array().unwrap().len()
}

/// German thousands: 2880 → "2.880".
fn german(n: usize) -> String {
    quartier_core::numbers::format_german(n as f64, 0)
}

fn open_manage(h: &mut Harness<'static, QuartierApp>) {
    h.get_by_label("Datei").click();
    h.run();
    h.get_by_label("Atlas verwalten …").click();
    h.run();
}

fn choose(h: &mut Harness<'static, QuartierApp>, combo: &str, entry: &str) {
    h.get_by_label(combo).click();
    h.run();
    // The entry in the opened list (a period label is also a button in the sidebar).
    h.get_all_by_label(entry).last().unwrap().click();
    h.run();
}

#[test]
fn deletions_are_confirmed_with_what_goes_and_renaming_a_level_is_undone() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    open_manage(&mut h);

    // POIs: the confirmation names as many as the source file has features; Abbrechen keeps them.
    choose(&mut h, "Einrichtungsart", "Spielplatz");
    h.get_by_label("Einrichtungen löschen …").click();
    h.run();
    let playgrounds = features("poi/playgrounds-osm.geojson");
    let expected = format!(
        "Wird gelöscht: Einrichtungen „Spielplatz“: {} Einrichtungen",
        german(playgrounds)
    );
    assert!(h.query_by_label(&expected).is_some(), "{expected}");
    h.get_by_label("Abbrechen").click();
    h.run();
    assert!(h.query_by_label(&expected).is_none());
    let has_playgrounds = |h: &Harness<'static, QuartierApp>| {
        h.state()
            .state
            .info
            .poi_categories
            .iter()
            .any(|c| c.name == "Spielplatz")
    };
    assert!(has_playgrounds(&h));
    h.get_by_label("Einrichtungen löschen …").click();
    h.run();
    h.get_by_label("Endgültig löschen").click();
    wait_for_jobs(&mut h);
    assert!(!has_playgrounds(&h));
    let notice = h.state().state.session.notice.clone().unwrap_or_default();
    assert!(notice.starts_with("Gelöscht: Einrichtungen „Spielplatz“"), "{notice}");

    // One period of the shown indicator: as many values as the 2018 table has rows; the
    // other period stays.
    super::choose_indicator(&mut h, "Einwohner", "Einwohner [Personen]");
    open_manage(&mut h);
    choose(&mut h, "Zeitraum wählen", "2018");
    h.get_by_label("Indikator löschen …").click();
    h.run();
    let table = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data/population/berlin-lor-population-2018-02-t1-planning-areas.csv");
    let rows = std::fs::read_to_string(table).unwrap().lines().skip(1).count();
    let expected =
        format!("Wird gelöscht: Indikator „Einwohner“ (ew), Zeitraum 2018: 1 Zeitraum, 1 Ebene, {rows} Werte");
    assert!(h.query_by_label(&expected).is_some(), "{expected}");
    h.get_by_label("Endgültig löschen").click();
    wait_for_jobs(&mut h);
    let periods = &h
        .state()
        .state
        .info
        .indicators
        .iter()
        .find(|i| i.key == "ew")
        .unwrap()
        .periods;
    assert_eq!(periods, &["2020"]);

    // Rename a level, undo it.
    open_manage(&mut h);
    choose(&mut h, "Ebene wählen", "Bezirk");
    h.get_by_label("Neuer Name").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Neuer Name").type_text("Bezirke");
    h.run();
    h.get_by_label("Umbenennen").click();
    wait_for_jobs(&mut h);
    let levels = |h: &Harness<'static, QuartierApp>| -> Vec<String> {
        h.state().state.info.levels.iter().map(|l| l.name.clone()).collect()
    };
    assert_eq!(levels(&h)[0], "Bezirke");
    h.state_mut().manage_dialog.open = false;
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for_jobs(&mut h);
    assert_eq!(levels(&h)[0], "Bezirk", "undone");

    // A level with its areas: as many as its geometry file has features.
    open_manage(&mut h);
    choose(&mut h, "Ebene wählen", "Bezirk");
    h.get_by_label("Ebene löschen …").click();
    h.run();
    let districts = features("geometry/berlin-lor-districts.geojson");
    assert!(h
        .query_by_label_contains(&format!("Wird gelöscht: Ebene „Bezirk“: {districts} Gebiete"))
        .is_some());
    assert!(h
        .query_by_label_contains("„Bezirksregion“ verliert die übergeordnete Ebene")
        .is_some());
    h.get_by_label("Endgültig löschen").click();
    wait_for_jobs(&mut h);
    assert_eq!(levels(&h), ["Bezirksregion", "Planungsraum"]);
}

#[test]
fn atlas_properties_are_edited_with_undo_and_the_table_names_the_source() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    assert!(h
        .query_by_label_contains("Quelle: Amt für Statistik Berlin-Brandenburg")
        .is_some());
    h.get_by_label("Datei").click();
    h.run();
    h.get_by_label("Atlas-Eigenschaften …").click();
    h.run();
    for (field, text) in [
        ("Name der Kommune", "Berlin (Schulung)"),
        (
            "Namensnennung (unter jeder Karte und Tabelle)",
            "Statistikstelle, eigene Erhebung",
        ),
    ] {
        h.get_by_label(field).click();
        h.run();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.get_by_label(field).type_text(text);
        h.run();
    }
    h.get_by_label("Übernehmen").click();
    wait_for_jobs(&mut h);
    assert_eq!(h.state().state.info.name, "Berlin (Schulung)");
    assert!(h.query_by_label("Quelle: Statistikstelle, eigene Erhebung").is_some());
    assert_eq!(
        h.state().state.atlas.properties().unwrap().ags.as_deref(),
        Some("11000000"),
        "unchanged"
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for_jobs(&mut h);
    assert_eq!(h.state().state.info.name, "Berlin (Beispielatlas)", "undone");
    assert!(h
        .query_by_label_contains("Quelle: Amt für Statistik Berlin-Brandenburg")
        .is_some());
}
