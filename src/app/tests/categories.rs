//! A categorical indicator on the map: one legend entry per category with its number of
//! areas, qualitative colours, the category text in the table.

use std::collections::BTreeMap;

use super::{choose_indicator, harness, sample_app};

#[test]
fn a_categorical_indicator_has_a_legend_entry_per_category_with_its_count() {
    let (dir, app) = sample_app();
    // Bezirkszugehörigkeit of each Planungsraum, from the shipped geometry: the first two
    // digits of a Planungsraum key are its Bezirk's key. Counted by hand for the check.
    let geo = |file: &str| -> serde_json::Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample_data/geometry")
            .join(file);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let districts: BTreeMap<String, String> = geo("berlin-lor-districts.geojson")["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["id"].as_str().unwrap().to_string(),
                f["properties"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut csv = String::from("id;bezirk\n");
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for f in geo("berlin-lor-planning-areas-until-2020.geojson")["features"]
        .as_array()
        .unwrap()
    {
        let key = f["properties"]["id"].as_str().unwrap();
        let name = &districts[&key[..2]];
        csv.push_str(&format!("{key};{name}\n"));
        *expected.entry(name.clone()).or_default() += 1;
    }
    let file = dir.path().join("bezirke.csv");
    std::fs::write(&file, csv).unwrap();
    let mut h = harness(app);
    h.run();
    {
        let w = &mut h.state_mut().state;
        quartier_core::import::values::import_values(
            &mut w.atlas,
            &quartier_core::import::values::ValuesImport {
                file,
                level: "Planungsraum".into(),
                key_column: "id".into(),
                period: Some("2020".into()),
                ..Default::default()
            },
            &quartier_core::NoProgress,
        )
        .unwrap();
        w.reload().unwrap();
    }
    h.run();
    choose_indicator(&mut h, "bezirk", "bezirk");
    let w = &h.state().state;
    assert!(w.is_categorical(), "the categories are the classes");
    let rows = super::super::map::layers::legend_rows(w);
    assert_eq!(
        rows.len(),
        expected.len() + 1,
        "one entry per Bezirk, then k. A.: {rows:?}"
    );
    for (name, count) in &expected {
        assert!(
            rows.iter().any(|(_, label)| *label == format!("{name}  ({count})")),
            "{name} ({count}) in {rows:?}"
        );
    }
    // Twelve categories, twelve different colours.
    let colours: std::collections::HashSet<_> = rows[..expected.len()].iter().map(|(c, _)| *c).collect();
    assert_eq!(colours.len(), expected.len());
    // The table shows the text.
    let table = w.shown.table.as_ref().unwrap();
    let row = table.rows.iter().find(|r| r.key == "01011101").unwrap();
    assert_eq!(row.cells[0].display_de(0), "Mitte");
}

#[test]
fn a_colour_scheme_is_chosen_reversed_and_saved_as_the_default_the_next_planner_sees() {
    use egui_kittest::kittest::Queryable;
    let (dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    choose_indicator(&mut h, "unter 6", "Anteil unter 6-Jährige [%]");
    h.state_mut()
        .commands
        .push(super::super::command::Command::SetClassification {
            method: 2,
            classes: 7,
            manual_breaks: String::new(),
        });
    h.run();
    h.get_by_label("Farben").click();
    h.run();
    h.get_by_label("Blues (farbenblind-sicher)").click();
    h.run();
    h.get_by_label("umkehren").click();
    h.run();
    let w = &h.state().state;
    assert_eq!((w.choice.scheme.as_deref(), w.choice.reversed), (Some("Blues"), true));
    // Reversed Blues: the lowest of seven classes is ColorBrewer's darkest blue.
    assert_eq!(w.class_colour(1, 7), eframe::egui::Color32::from_rgb(8, 48, 107));
    h.get_by_label("Als Standard für diese Ebene speichern").click();
    h.run();
    assert!(h
        .state()
        .state
        .session
        .notice
        .as_deref()
        .unwrap_or("")
        .contains("als Standard gespeichert"));
    // A choice made afterwards survives a reload (after an import, say): the saved default
    // applies when the indicator or level changes, not on every reload.
    h.state_mut().commands.push(super::super::command::Command::SetScheme {
        scheme: Some("Greens".into()),
        reversed: false,
    });
    h.run();
    h.state_mut().state.reload().unwrap();
    assert_eq!(h.state().state.choice.scheme.as_deref(), Some("Greens"));

    // A colleague opens the atlas: the same classification and colours.
    let atlas = quartier_core::Atlas::open(&dir.path().join("berlin.quartier")).unwrap();
    let mut other = super::super::state::Workbench::new(atlas).unwrap();
    other.choose_indicator("anteil_u6");
    assert_eq!(other.choice.method, 2, "Jenks");
    assert_eq!(other.choice.classes, 7);
    assert_eq!(
        (other.choice.scheme.as_deref(), other.choice.reversed),
        (Some("Blues"), true)
    );
    assert_eq!(other.shown.classified.as_ref().unwrap().labels.len(), 7);
}
