//! Another process writes while the app is open: the app notices, shows the new values,
//! keeps what the planner looks at and her own edit, and cuts the undo history there.

use egui_kittest::kittest::Queryable;

use super::super::command::{Command, OpenDialog};
use super::{choose_indicator, harness, sample_app, wait_for_jobs};
use eframe::egui;

#[test]
fn an_import_by_another_process_and_an_edit_in_the_app_both_stay() {
    let (dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    choose_indicator(&mut h, "Einwohner", "Einwohner [Personen]");
    h.get_by_label("01011101").click();
    h.run();
    // The planner edits one value in the app (with undo).
    h.state_mut()
        .commands
        .push(Command::Open(OpenDialog::Value("01011102".into())));
    h.run();
    h.get_by_label("Wert").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Wert").type_text("999");
    h.run();
    h.get_by_label("Speichern").click();
    wait_for_jobs(&mut h);
    assert!(h.state().history.next_undo().is_some());

    // Meanwhile another process imports a table with a new value for another area.
    let csv = dir.path().join("nachlieferung.csv");
    std::fs::write(&csv, "id;ew\n01011103;4242\n").unwrap();
    let mut other = quartier_core::Atlas::open(&dir.path().join("berlin.quartier")).unwrap();
    quartier_core::import::values::import_values(
        &mut other,
        &quartier_core::import::values::ValuesImport {
            file: csv,
            level: "Planungsraum".into(),
            key_column: "id".into(),
            period: Some("2020".into()),
            unmatched: quartier_core::import::values::UnmatchedPolicy::Skip,
            ..Default::default()
        },
        &quartier_core::NoProgress,
    )
    .unwrap();

    // The next check (twice a second) notices it.
    h.state_mut().changes_checked = f64::NEG_INFINITY;
    h.run();
    let value = |h: &egui_kittest::Harness<'static, super::super::QuartierApp>, key: &str| {
        let t = h.state().state.shown.table.clone().unwrap();
        t.rows.iter().find(|r| r.key == key).unwrap().cells[0].number()
    };
    assert_eq!(
        value(&h, "01011103"),
        Some(4242.0),
        "the other process's value is shown"
    );
    assert_eq!(value(&h, "01011102"), Some(999.0), "the planner's edit is not lost");
    let w = &h.state().state;
    assert_eq!(w.choice.indicator.as_deref(), Some("ew"), "the view stays");
    assert!(w.selection.contains("01011101"), "the selection stays");
    let notice = w.session.notice.clone().unwrap_or_default();
    assert!(notice.contains("von einem anderen Vorgang geändert"), "{notice}");
    assert!(notice.contains("nicht mehr rückgängig"), "{notice}");
    assert!(
        h.state().history.next_undo().is_none(),
        "undo could put back a replaced value"
    );
    // Both values are in the file, read by a third connection.
    let third = quartier_core::Atlas::open(&dir.path().join("berlin.quartier")).unwrap();
    let level = third.level("Planungsraum").unwrap();
    let period = third.period("2020").unwrap();
    let ew = third.indicator("ew").unwrap();
    let stored = third.values(ew.id, level.id, period.id).unwrap();
    let id = |key: &str| {
        third
            .areas(level.id)
            .unwrap()
            .iter()
            .find(|a| &*a.key == key)
            .unwrap()
            .id
    };
    assert_eq!(stored[&id("01011102")].number(), Some(999.0));
    assert_eq!(stored[&id("01011103")].number(), Some(4242.0));
    // Nothing changed elsewhere since: no second reload.
    h.state_mut().state.session.notice = None;
    h.state_mut().changes_checked = f64::NEG_INFINITY;
    h.run();
    assert!(h.state().state.session.notice.is_none());
}

#[test]
fn a_second_run_of_the_same_kind_is_refused_while_the_first_runs() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    let request = super::super::dialogs::StatusDynamicsRequest {
        preset: quartier_core::analysis::status_dynamics::Preset::BerlinMss,
        level: "Planungsraum".into(),
        period: "2019".into(),
        compare_period: None,
        mapping: Default::default(),
        thresholds: Default::default(),
        save: false,
    };
    let run = || Command::Run(super::super::command::Work::StatusDynamics(request.clone()));
    h.state_mut().commands.extend([run(), run()]);
    h.step();
    let notice = h.state().state.session.notice.clone().unwrap_or_default();
    assert!(notice.contains("„Status und Dynamik berechnen“ läuft noch"), "{notice}");
    assert!(h.state().job.is_some(), "the first run goes on");
    wait_for_jobs(&mut h);
    assert!(h.state().state.shown.status_dynamics.is_some(), "and brings its result");
}

/// Another process holds the write lock (a long import): the planner's edit and two quick
/// undos wait their turn off the UI thread, the window keeps drawing and says it is saving,
/// and when the lock is released they are written in order.
#[test]
fn edits_and_undos_wait_for_a_locked_atlas_without_freezing_the_window() {
    let (dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    choose_indicator(&mut h, "Einwohner", "Einwohner [Personen]");
    let value = |h: &egui_kittest::Harness<'static, super::super::QuartierApp>, key: &str| {
        let t = h.state().state.shown.table.clone().unwrap();
        t.rows.iter().find(|r| r.key == key).unwrap().cells[0].number()
    };
    let original = value(&h, "01011101");
    let edit = |area: &str, number: f64| {
        Command::Edit(super::super::edit::Edit::Value {
            indicator: "ew".into(),
            level: "Planungsraum".into(),
            period: "2020".into(),
            area: area.into(),
            before: None,
            after: Some(quartier_core::StoredValue {
                value: Some(number),
                text: None,
                status: quartier_core::model::ValueStatus::Ok,
                note: None,
                flag: None,
            }),
        })
    };

    let lock = rusqlite::Connection::open(dir.path().join("berlin.quartier")).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    h.state_mut().commands.push(edit("01011101", 1111.0));
    h.state_mut().commands.push(edit("01011101", 2222.0));
    h.state_mut().commands.extend([Command::Undo, Command::Undo]);
    let started = std::time::Instant::now();
    for _ in 0..20 {
        h.step();
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "20 frames took {:?} while the atlas was locked",
        started.elapsed()
    );
    assert!(h.state().history.is_busy());
    assert!(h.query_by_label("Änderung wird gespeichert …").is_some());
    assert_eq!(value(&h, "01011101"), original, "nothing written yet");

    lock.execute_batch("COMMIT").unwrap();
    wait_for_jobs(&mut h);
    assert_eq!(value(&h, "01011101"), original, "both edits written, then both undone");
    assert!(h.state().history.next_undo().is_none());
    let redo = h.state().history.next_redo().map(|e| e.describe()).unwrap_or_default();
    assert!(redo.contains("01011101"), "{redo}");
    h.state_mut().commands.push(Command::Redo);
    wait_for_jobs(&mut h);
    assert_eq!(value(&h, "01011101"), Some(1111.0), "the first edit again");
    assert!(
        h.state()
            .state
            .session
            .notice
            .as_deref()
            .unwrap_or_default()
            .starts_with("Wiederholt"),
        "{:?}",
        h.state().state.session.notice
    );
}
