//! *Datei → Veröffentlichen …*: releases with undo, the plan on screen, the bundle as a job.

use eframe::egui;
use egui_kittest::kittest::Queryable;

use super::super::command::Command;
use super::super::edit::{Edit, Released};
use super::{harness, sample_app, wait_for_jobs};

#[test]
fn releases_are_undone_and_the_bundle_is_written_from_the_window() {
    let (dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Datei").click();
    h.run();
    h.get_by_label("Veröffentlichen …").click();
    h.run();
    assert!(h.query_by_label("Noch nichts freigegeben.").is_some());
    for level in ["Bezirksregion", "Planungsraum"] {
        h.state_mut().commands.push(Command::Edit(Edit::Release {
            what: Released::Indicator {
                key: "s4".into(),
                level: level.into(),
            },
            release: true,
            who: "A. Planerin".into(),
        }));
        wait_for_jobs(&mut h);
    }
    assert_eq!(h.state().state.atlas.released_indicators().unwrap().len(), 2);
    // The plan on screen: the series with its periods.
    assert!(h.query_by_label("2013, 2015, 2017, 2019").is_some());
    h.state_mut().commands.push(Command::Undo);
    wait_for_jobs(&mut h);
    assert_eq!(
        h.state().state.atlas.released_indicators().unwrap(),
        vec![("s4".to_string(), "Bezirksregion".to_string())]
    );
    let out = dir.path().join("web");
    h.get_by_label("Zielordner").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Zielordner").type_text(out.to_str().unwrap());
    h.run();
    h.get_by_label("Bündel schreiben").click();
    // The job starts after this frame and repaints while it runs: step, then wait for it.
    h.step();
    wait_for_jobs(&mut h);
    assert!(
        out.join("manifest.json").exists(),
        "{:?} {:?}",
        h.state().state.session.error,
        h.state().state.session.notice
    );
    assert!(out.join("values/s4/bezirksregion/2019.json").exists());
    assert!(
        !out.join("values/s4/planungsraum").exists(),
        "the undone release is not published"
    );
    let notice = h.state().state.session.notice.clone().unwrap_or_default();
    assert!(notice.starts_with("Bündel Version 1 nach"), "{notice}");
}
