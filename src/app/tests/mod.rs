//! The app driven by its accessible labels (egui_kittest), on the Berlin sample atlas: what a
//! planner clicks, and what the state shows afterwards.
#![allow(clippy::unwrap_used)]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;

use super::command::Command;
use super::state::{MapLayer, Mode, Workbench};
use super::QuartierApp;

mod categories;
mod dialogs;
mod frames;
mod manage;
mod outside;
mod publish;
mod shell;
mod stories;

fn sample_app() -> (tempfile::TempDir, QuartierApp) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    quartier_core::sample::build_sample_atlas(&data, &path, false, &quartier_core::NoProgress).unwrap();
    let state = Workbench::new(quartier_core::Atlas::open(&path).unwrap()).unwrap();
    (dir, QuartierApp::new(state, None))
}

/// The app in a test window, with the map's geometry built (it is built off the UI thread).
fn harness(app: QuartierApp) -> Harness<'static, QuartierApp> {
    // Jobs, previews and map tiles finish on their own threads and ask for a repaint
    // whenever they are done, which on a loaded machine lands in the middle of a settling
    // run: more steps than kittest's default of 4, still few enough to catch a repaint loop.
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .with_max_steps(12)
        .build_ui_state(|ui, app: &mut QuartierApp| app.show(ui), app);
    wait_for_jobs(&mut h);
    h
}

use eframe::egui;

/// Chooses an indicator as a planner does: types into the search field, clicks the result.
fn choose_indicator(h: &mut Harness<'static, QuartierApp>, search: &str, label: &str) {
    h.get_by_label("Suchen").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Suchen").type_text(search);
    h.run();
    h.get_by_label(label).click();
    h.run();
}

#[test]
fn a_planner_chooses_indicator_and_period_and_selects_an_area_in_the_table() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    // The three panes are there.
    for title in ["Karte", "Tabelle", "Diagramm"] {
        assert!(h.query_by_label(title).is_some(), "pane {title}");
    }
    choose_indicator(&mut h, "unter 6", "Anteil unter 6-Jährige [%]");
    assert_eq!(h.state().state.choice.indicator.as_deref(), Some("anteil_u6"));
    assert_eq!(h.state().state.choice.period.as_deref(), Some("2020"));
    h.get_by_label("2018").click();
    h.run();
    assert_eq!(h.state().state.choice.period.as_deref(), Some("2018"));
    // The period slider moves through the same periods.
    h.get_by_role_and_label(egui::accesskit::Role::Slider, "Zeitraum")
        .set_value_accesskit(1.0);
    h.run();
    assert_eq!(h.state().state.choice.period.as_deref(), Some("2020"));
    h.get_by_role_and_label(egui::accesskit::Role::Slider, "Zeitraum")
        .set_value_accesskit(0.0);
    h.run();
    assert_eq!(h.state().state.choice.period.as_deref(), Some("2018"));
    assert_eq!(h.state().state.shown.classified.as_ref().unwrap().period, "2018");
    // The first row of the table (sorted by key) is selected by a click on its key and is
    // then drawn highlighted on the map.
    h.get_by_label("01011101").click();
    h.run();
    let w = &h.state().state;
    assert!(w.selection.contains("01011101"), "{:?}", w.selection);
    assert!(super::map::is_highlighted(w, "01011101"));
    assert!(!super::map::is_highlighted(w, "01011102"));
    assert!(h.query_by_label("Auswahl: 1 Gebiete").is_some(), "status bar");
}

#[test]
fn simple_mode_offers_curated_indicators_and_hides_the_diagram() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    assert!(
        h.query_by_label("Einwohner [Personen]").is_some(),
        "expert: every indicator"
    );
    h.get_by_label("Einfach").click();
    h.run();
    assert_eq!(h.state().state.view.mode, Mode::Simple);
    assert!(h.query_by_label("Diagramm").is_none(), "map and table only");
    assert!(
        h.query_by_label("Einwohner [Personen]").is_none(),
        "counts are not offered"
    );
    assert!(h.query_by_label("Anteil unter 6-Jährige [%]").is_some());
    let shown = h.state().state.choice.indicator.clone().unwrap();
    let info = h.state().state.info.indicators.iter().find(|i| i.key == shown).unwrap();
    assert!(matches!(info.kind.as_str(), "share" | "rate_per_1000"), "{shown}");
    h.get_by_label("Experte").click();
    h.run();
    assert_eq!(h.state().state.view.mode, Mode::Expert);
    assert!(h.query_by_label("Diagramm").is_some());
}

#[test]
fn status_and_dynamics_run_from_the_dialog_and_show_their_legend() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Status und Dynamik …").click();
    h.run();
    assert_eq!(h.state().status_dialog.period, "2019", "newest MSS edition");
    h.get_by_label("Berechnen").click();
    // The job runs on its own thread; step until its result has arrived.
    let started = std::time::Instant::now();
    while h.state().job.is_some() || h.state().state.shown.status_dynamics.is_none() {
        assert!(started.elapsed().as_secs() < 60, "status/dynamics did not finish");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.run();
    let w = &h.state().state;
    assert_eq!(w.choice.layer, MapLayer::StatusDynamics);
    let r = w.shown.status_dynamics.as_ref().unwrap();
    // The published MSS 2019 distribution.
    assert_eq!(
        (r.valid_areas, r.status_counts, r.dynamics_counts),
        (436, [67, 283, 47, 39], Some([46, 357, 33]))
    );
    // The matrix legend is on the map, with its labels and counts.
    for label in ["Status/Dynamik 2019", "sehr niedrig", "negativ", "436 gültige Gebiete"] {
        assert!(h.query_by_label(label).is_some(), "legend: {label}");
    }
    let cell = r.matrix.unwrap()[0][1].to_string();
    assert!(h.query_by_label(&cell).is_some(), "count of hoch/stabil");
}

#[test]
fn the_table_takes_columns_filters_sorts_and_copies_for_excel() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    choose_indicator(&mut h, "unter 6", "Anteil unter 6-Jährige [%]");
    h.get_by_label("Spalte hinzufügen").click();
    h.run();
    h.get_by_label("Ausländeranteil").click();
    h.run();
    let columns: Vec<String> = h
        .state()
        .state
        .shown
        .table
        .as_ref()
        .unwrap()
        .columns
        .iter()
        .map(|c| c.indicator.key.clone())
        .collect();
    assert_eq!(columns, ["anteil_u6", "anteil_ausl"]);
    // Sort by the under-6 share, highest first: the first visible row has the largest value.
    h.get_by_label("Anteil unter 6-Jährige").click();
    h.run();
    let rows = h.state().table.visible_rows(&h.state().state);
    let t = h.state().state.shown.table.clone().unwrap();
    let first = t.rows[rows[0]].cells[0].number().unwrap();
    assert!(t.rows.iter().filter_map(|r| r.cells[0].number()).all(|v| v <= first));
    // Filter by name, then copy what is shown.
    h.get_by_label("Filter").click();
    h.run();
    h.get_by_label("Filter").type_text("Stüler");
    h.run();
    assert_eq!(h.state().table.visible_rows(&h.state().state).len(), 1);
    h.get_by_label("Kopieren").click();
    h.step();
    let copied = h
        .output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap();
    let lines: Vec<&str> = copied.lines().collect();
    assert_eq!(lines.len(), 3, "header, Gesamtstadt, one row: {copied}");
    assert!(lines[2].starts_with("01011101\tStülerstraße\t"), "{copied}");
}

#[test]
fn kitas_on_the_map_with_their_card_and_a_second_indicator_as_columns() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    // The atlas opens on a share (Ausländeranteil); show a count, the share goes on top.
    assert_eq!(h.state().state.choice.indicator.as_deref(), Some("anteil_ausl"));
    choose_indicator(&mut h, "Einwohner", "Einwohner [Personen]");
    h.get_by_label("Kita (2880)").click();
    h.run();
    let layer = &h.state().state.shown.poi_layers[0];
    assert!(layer.shown);
    assert_eq!(layer.points.as_ref().map(Vec::len), Some(2880));
    // The info card shows name, address and places of a Kita.
    let kita = layer
        .points
        .as_ref()
        .unwrap()
        .iter()
        .find(|p| p.capacity.is_some())
        .unwrap()
        .clone();
    h.state_mut().state.session.poi_card = Some(super::map::PinnedPoi {
        category: "Kita".into(),
        poi: kita.clone(),
    });
    h.run();
    assert!(h.query_by_label(&kita.name).is_some());
    let places = format!(
        "Plätze: {}",
        quartier_core::numbers::format_german(kita.capacity.unwrap(), 0)
    );
    assert!(h.query_by_label(&places).is_some(), "{places}");
    // Every attribute of the source file shows, under its source name: the Kita's feature
    // read from the shipped GeoJSON.
    let source: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/poi/kitas-2022-epsg25833.geojson"),
        )
        .unwrap(),
    )
    .unwrap();
    let feature = source["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["e_name"] == kita.name.as_str())
        .unwrap();
    for key in ["e_tel", "t_name", "t_art", "e_art"] {
        let value = feature["properties"][key].as_str().unwrap();
        assert!(h.query_by_label(key).is_some(), "{key}");
        assert!(h.query_by_label(value).is_some(), "{key} = {value}");
    }
    // The category's card shows two fields only, in the chosen order, and remembers it.
    h.state_mut().commands.push(Command::SetPoiCardLayout {
        category: "Kita".into(),
        fields: Some(vec!["t_name".into(), "e_tel".into()]),
    });
    h.run();
    h.run();
    assert!(h.query_by_label("t_art").is_none(), "not in the layout");
    assert!(h.query_by_label("t_name").is_some() && h.query_by_label("e_tel").is_some());
    assert_eq!(
        h.state().state.view.poi_cards["Kita"],
        ["t_name", "e_tel"],
        "kept in the view remembered per atlas"
    );
    h.state_mut().commands.push(Command::ShowPoiCard(None));
    h.run();
    // Columns: the foreigners' share over the areas.
    h.get_by_label("Säulen (zweiter Indikator)").click();
    h.run();
    h.get_all_by_label("Ausländeranteil").last().unwrap().click();
    h.run();
    let w = &h.state().state;
    assert_eq!(w.choice.column_indicator.as_deref(), Some("anteil_ausl"));
    assert!(w.shown.column_values.len() > 400, "{}", w.shown.column_values.len());
}

/// Steps the harness until the app has no running job.
fn wait_for_jobs(h: &mut Harness<'static, QuartierApp>) {
    let started = std::time::Instant::now();
    h.step();
    while h.state().job.is_some()
        || h.state().import_job.is_some()
        || h.state().analysis_job.is_some()
        || h.state().manage_job.is_some()
        || h.state().report_job.is_some()
        || h.state().story_job.is_some()
        || h.state().publish_job.is_some()
        || h.state().geometry_job.is_some()
        || h.state().history.is_busy()
    {
        assert!(started.elapsed().as_secs() < 60, "job did not finish");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.run();
}

#[test]
fn the_view_is_remembered_per_atlas() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    quartier_core::sample::build_sample_atlas(&data, &path, false, &quartier_core::NoProgress).unwrap();
    let settings = super::settings::settings_path(dir.path(), &path);
    let open = || {
        let state = Workbench::new(quartier_core::Atlas::open(&path).unwrap()).unwrap();
        QuartierApp::new(state, Some(settings.clone()))
    };
    let mut app = open();
    // Close the diagram, switch to the scatter, save a group.
    let tile = app.layout.tiles.find_pane(&super::panes::Pane::Diagram).unwrap();
    app.layout.remove_recursively(tile);
    app.state.view.diagram = super::state::DiagramKind::Scatter;
    app.state.selection.set(["01011101".to_string()].into());
    app.state.save_group("Mitte Nord");
    app.save_settings();
    assert!(settings.exists());
    let again = open();
    assert!(
        !super::panes::is_open(&again.layout, super::panes::Pane::Diagram),
        "layout remembered"
    );
    assert!(super::panes::is_open(&again.layout, super::panes::Pane::Map));
    assert_eq!(again.state.view.diagram, super::state::DiagramKind::Scatter);
    assert_eq!(again.state.view.groups.len(), 1);
    // Another atlas file keeps its own view.
    let other = dir.path().join("kopie.quartier");
    std::fs::copy(&path, &other).unwrap();
    let state = Workbench::new(quartier_core::Atlas::open(&other).unwrap()).unwrap();
    let fresh = QuartierApp::new(state, Some(super::settings::settings_path(dir.path(), &other)));
    assert!(super::panes::is_open(&fresh.layout, super::panes::Pane::Diagram));
}

#[test]
fn every_registered_pane_draws_alone_closes_and_comes_back_by_command() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    choose_indicator(&mut h, "unter 6", "Anteil unter 6-Jährige [%]");
    for view in super::panes::REGISTERED {
        let pane = view.pane();
        // Alone (maximised), with its title and the way back.
        h.state_mut().commands.push(Command::Maximise(Some(pane)));
        h.run();
        assert_eq!(h.state().maximised, Some(pane), "{}", view.title());
        assert!(
            h.query_by_label(view.title()).is_some(),
            "{} shows its title",
            view.title()
        );
        h.get_by_label("Aufteilung wiederherstellen").click();
        h.run();
        assert_eq!(h.state().maximised, None);
        // Closed and reopened through the "Ansicht" menu's command.
        h.state_mut().commands.push(Command::ShowPane(pane, false));
        h.run();
        assert!(
            !super::panes::is_open(&h.state().layout, pane),
            "{} closed",
            view.title()
        );
        h.state_mut().commands.push(Command::ShowPane(pane, true));
        h.run();
        assert!(super::panes::is_open(&h.state().layout, pane), "{} back", view.title());
    }
    // The table pane pushes the row under a click as a selection command, like map and diagram.
    h.get_by_label("01011101").click();
    h.run();
    assert!(
        h.state().state.selection.contains("01011101"),
        "{:?}",
        h.state().state.selection
    );
}
