//! Bookmarks, stories and the presentation, driven as a planner does: save the view, change
//! everything, open the bookmark and find the view again; arrange a story by dragging;
//! present it with the keys a presenter remote sends.

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;

use super::super::command::Command;
use super::super::panes::{self, Pane};
use super::super::QuartierApp;
use super::{choose_indicator, harness, sample_app, wait_for_jobs};
use eframe::egui;

/// Types into the text field labelled `label`, replacing what it holds.
fn type_into(h: &mut Harness<'static, QuartierApp>, label: &str, text: &str) {
    h.get_by_label(label).click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label(label).type_text(text);
    h.run();
}

#[test]
fn a_bookmark_restores_level_period_indicator_classes_selection_layout_and_extent() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    // The view to keep: Anteil unter 6-Jährige, 2018, Jenks with 4 classes in Blues, two
    // areas selected, the diagram closed, the map zoomed in.
    choose_indicator(&mut h, "unter 6", "Anteil unter 6-Jährige [%]");
    h.get_by_label("2018").click();
    h.run();
    h.state_mut().commands.push(Command::SetClassification {
        method: 2,
        classes: 4,
        manual_breaks: String::new(),
    });
    h.state_mut().commands.push(Command::SetScheme {
        scheme: Some("Blues".into()),
        reversed: true,
    });
    h.run();
    h.get_by_label("01011101").click();
    h.run();
    h.get_by_label("01011102").click_modifiers(egui::Modifiers::COMMAND);
    h.run();
    h.state_mut().commands.push(Command::ShowPane(Pane::Diagram, false));
    h.state_mut().view.zoom = 4.0;
    h.run();
    let extent = h.state().view.shown_extent.unwrap();
    let kept = h.state().state.choice.clone();
    assert_eq!(h.state().state.selection.len(), 2);

    h.get_by_label("Lesezeichen").click();
    h.run();
    h.get_by_label_contains("Lesezeichen speichern").click();
    h.run();
    type_into(&mut h, "Name des Lesezeichens", "Kleinkinder Mitte");
    type_into(&mut h, "Einschätzung", "**Viele** Kleinkinder in Mitte.");
    h.get_by_label("Speichern").click();
    wait_for_jobs(&mut h);
    let saved = h.state().state.atlas.bookmark("Kleinkinder Mitte").unwrap();
    assert_eq!(saved.text, "**Viele** Kleinkinder in Mitte.");
    assert_eq!(saved.view.areas, vec!["01011101", "01011102"]);
    assert_eq!(saved.view.panes, vec!["map", "table"]);

    // Change everything.
    h.state_mut().commands.push(Command::ChooseLevel(0));
    h.state_mut().commands.push(Command::ResetLayout);
    h.run();
    choose_indicator(&mut h, "Arbeitslos", "Arbeitslosigkeit (SGB II und III) [%]");
    h.state_mut().view.zoom = 1.0;
    wait_for_jobs(&mut h);
    assert_ne!(h.state().state.choice, kept);
    assert!(panes::is_open(&h.state().layout, Pane::Diagram));

    // Open the bookmark from the menu.
    h.get_by_label("Lesezeichen").click();
    h.run();
    h.get_by_label("Öffnen").hover();
    h.run();
    h.get_by_label("Kleinkinder Mitte").click();
    h.run();
    // The level changed: its map is built off the UI thread, then shows the saved extent.
    wait_for_jobs(&mut h);
    let app = h.state();
    let w = &app.state;
    assert_eq!(w.level_name(), "Planungsraum");
    assert_eq!(w.choice.indicator.as_deref(), Some("anteil_u6"));
    assert_eq!(w.choice.period.as_deref(), Some("2018"));
    assert_eq!((w.choice.method, w.choice.classes), (kept.method, kept.classes));
    assert_eq!((w.choice.scheme.as_deref(), w.choice.reversed), (Some("Blues"), true));
    assert_eq!(
        w.shown.classified.as_ref().unwrap().labels.len(),
        4,
        "the map shows 4 classes"
    );
    assert_eq!(
        w.selection.iter().cloned().collect::<Vec<_>>(),
        vec!["01011101", "01011102"]
    );
    assert!(!panes::is_open(&app.layout, Pane::Diagram), "the layout as saved");
    assert!(panes::is_open(&app.layout, Pane::Table));
    let shown = app.view.shown_extent.unwrap();
    for (a, b) in shown.iter().zip(extent) {
        assert!((a - b).abs() < 1e-3, "extent {shown:?} against {extent:?}");
    }
    assert!(w.session.notice.as_deref().unwrap().contains("Kleinkinder Mitte"));
}

/// Three bookmarks on different indicators and levels, in the story "Ausschuss".
fn story_app() -> (tempfile::TempDir, QuartierApp) {
    let (dir, mut app) = sample_app();
    let atlas = &mut app.state.atlas;
    for (name, level, indicator, period) in [
        ("Kinderarmut", "Planungsraum", "s4", "2019"),
        ("Ältere", "Bezirksregion", "anteil_65plus", "2020"),
        ("Arbeitslosigkeit", "Bezirk", "s1", "2019"),
    ] {
        let view = quartier_core::store::BookmarkView {
            level: level.into(),
            period: period.into(),
            indicators: vec![indicator.into()],
            panes: vec!["map".into(), "table".into()],
            ..Default::default()
        };
        atlas
            .save_bookmark(name, &view, &format!("## {name}\n\nText zu **{name}**."), "A. Planerin")
            .unwrap();
    }
    // The first has an image.
    let mut state = atlas.bookmark_state("Kinderarmut").unwrap().unwrap();
    let icon = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/icon.png")).unwrap();
    state.images = vec![quartier_core::store::BookmarkImage::new("icon.png", icon).unwrap()];
    atlas.put_bookmark("Kinderarmut", Some(&state)).unwrap();
    atlas
        .save_story(
            "Ausschuss",
            "Für den Jugendhilfeausschuss.",
            &["Kinderarmut".into(), "Ältere".into(), "Arbeitslosigkeit".into()],
            "A. Planerin",
        )
        .unwrap();
    (dir, app)
}

#[test]
fn a_story_of_three_bookmarks_is_presented_with_the_arrow_keys_and_esc_goes_back() {
    let (_dir, app) = story_app();
    let mut h = harness(app);
    h.run();
    let before = h.state().state.choice.clone();
    h.get_by_label("Lesezeichen").click();
    h.run();
    h.get_by_label("Präsentieren").hover();
    h.run();
    h.get_by_label("Ausschuss").click();
    h.run();
    assert_eq!(h.state().presentation.as_ref().unwrap().slide, 0);
    assert!(
        h.query_by_label("Für den Jugendhilfeausschuss.").is_some(),
        "the title slide"
    );
    assert!(h.query_by_label("1 / 4").is_some());
    for (key, slide, indicator, level) in [
        (egui::Key::ArrowRight, 1, "s4", "Planungsraum"),
        (egui::Key::PageDown, 2, "anteil_65plus", "Bezirksregion"),
        (egui::Key::ArrowRight, 3, "s1", "Bezirk"),
        (egui::Key::ArrowRight, 3, "s1", "Bezirk"),
        (egui::Key::ArrowLeft, 2, "anteil_65plus", "Bezirksregion"),
        (egui::Key::PageUp, 1, "s4", "Planungsraum"),
    ] {
        h.key_press(key);
        wait_for_jobs(&mut h);
        let app = h.state();
        assert_eq!(app.presentation.as_ref().unwrap().slide, slide, "{key:?}");
        assert_eq!(app.state.choice.indicator.as_deref(), Some(indicator));
        assert_eq!(app.state.level_name(), level);
        assert!(h.query_by_label(&format!("{} / 4", slide + 1)).is_some());
        let images = app.presentation.as_ref().unwrap().images.len();
        assert_eq!(
            images,
            usize::from(slide == 1),
            "the image of the first bookmark on its slide"
        );
    }
    // The slide: its title, its text (bold as bold), the live map with its legend, the
    // source and date.
    assert!(h.query_by_label("Text zu ").is_some());
    assert!(h
        .query_by_label("Quelle: SenSBW Berlin, MSS, via open-lifeworlds (CC BY 4.0); Stand: 31.12.2019")
        .is_some());
    h.key_press(egui::Key::Escape);
    wait_for_jobs(&mut h);
    assert!(h.state().presentation.is_none());
    assert_eq!(
        h.state().state.choice.indicator,
        before.indicator,
        "the view from before"
    );
    assert_eq!(h.state().state.level_name(), "Planungsraum");
}

#[test]
fn a_story_is_reordered_by_dragging_duplicated_and_undone() {
    let (_dir, app) = story_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Lesezeichen").click();
    h.run();
    h.get_by_label("Lesezeichen und Storys …").click();
    h.run();
    h.get_by_label("Ausschuss").click();
    h.run();
    // Drag the third slide onto the first.
    let from = h.get_by_label("☰ 3. Arbeitslosigkeit").rect().center();
    let to = h.get_by_label("☰ 1. Kinderarmut").rect().center();
    h.hover_at(from);
    h.run();
    h.drag_at(from);
    h.run();
    for i in 1..=10 {
        h.hover_at(from + (to - from) * (i as f32 / 10.0));
        h.run();
    }
    h.drop_at(to);
    h.run();
    assert!(
        h.query_by_label("☰ 1. Arbeitslosigkeit").is_some(),
        "moved to the front"
    );
    h.get_by_label("Story speichern").click();
    wait_for_jobs(&mut h);
    let order = h.state().state.atlas.story("Ausschuss").unwrap().bookmarks;
    assert_eq!(order, vec!["Arbeitslosigkeit", "Kinderarmut", "Ältere"]);
    // Duplicate under the suggested name.
    h.get_by_label("Duplizieren").click();
    wait_for_jobs(&mut h);
    let copy = h.state().state.atlas.story("Ausschuss (Kopie)").unwrap();
    assert_eq!(copy.bookmarks, order);
    // Undo both: no copy, the old order.
    h.state_mut().commands.push(Command::Undo);
    wait_for_jobs(&mut h);
    h.state_mut().commands.push(Command::Undo);
    wait_for_jobs(&mut h);
    assert!(h.state().state.atlas.story("Ausschuss (Kopie)").is_err());
    assert_eq!(
        h.state().state.atlas.story("Ausschuss").unwrap().bookmarks,
        vec!["Kinderarmut", "Ältere", "Arbeitslosigkeit"]
    );
}

#[test]
fn the_presentation_shows_what_may_be_published_and_the_workbench_everything_again() {
    let (_dir, mut app) = sample_app();
    let view = quartier_core::store::BookmarkView {
        level: "Planungsraum".into(),
        period: "2020".into(),
        indicators: vec!["ew_6_15".into()],
        panes: vec!["map".into()],
        ..Default::default()
    };
    let atlas = &mut app.state.atlas;
    atlas.save_bookmark("Kinder", &view, "", "").unwrap();
    atlas.save_story("Öffentlich", "", &["Kinder".into()], "").unwrap();
    let mut h = harness(app);
    h.run();
    h.state_mut().commands.push(Command::Present("Öffentlich".into()));
    h.run();
    h.key_press(egui::Key::ArrowRight);
    wait_for_jobs(&mut h);
    let value = |h: &Harness<'static, QuartierApp>, key: &str| {
        let classes = h.state().state.shown.classified.clone().unwrap();
        classes.areas.iter().find(|a| a.key == key).unwrap().value
    };
    // Forst Grunewald has 3 children of 6 to 15: "k. A." on the projected map, like the
    // three other cells `suppress` hides with it.
    assert_eq!(h.state().state.shown.hidden_cells, 4);
    assert_eq!(value(&h, "04061757"), None);
    assert!(h
        .query_by_label_contains("k. A. = geheim gehalten (Datenschutz), 4 Zellen")
        .is_some());
    h.key_press(egui::Key::Escape);
    wait_for_jobs(&mut h);
    h.state_mut().commands.push(Command::OpenBookmark("Kinder".into()));
    wait_for_jobs(&mut h);
    assert_eq!(value(&h, "04061757"), Some(3.0), "the workbench shows everything");
    assert_eq!(h.state().state.shown.hidden_cells, 0);
}
