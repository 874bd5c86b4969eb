//! The atlas lifecycle in the window: a new atlas with its first-steps guide, close, the
//! recent list (missing files marked), open by typed path, a damaged file that leaves the
//! app usable.

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;

use super::super::shell::Shell;
use eframe::egui;

fn shell_harness(shell: Shell) -> Harness<'static, Shell> {
    Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .with_max_steps(12)
        .build_ui_state(|ui, shell: &mut Shell| shell.show(ui), shell)
}

/// Types into the field labelled `label` (replacing what is there).
fn type_into(h: &mut Harness<'static, Shell>, label: &str, text: &str) {
    h.get_by_label(label).click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label(label).type_text(text);
    h.run();
}

fn open_menu_entry(h: &mut Harness<'static, Shell>, entry: &str) {
    h.get_by_label("Datei").click();
    h.run();
    h.get_by_label(entry).click();
    h.run();
}

#[test]
fn a_new_atlas_opens_with_a_guide_closes_and_comes_back_from_the_recent_list() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut h = shell_harness(Shell::new(data.path().to_path_buf(), true));
    h.run();
    // The start page on first run: nothing recent yet.
    assert!(h.query_by_label("noch keine").is_some());
    h.get_by_label("Neuer Atlas …").click();
    h.run();
    type_into(&mut h, "Name der Kommune", "Solingen");
    type_into(&mut h, "Gemeindeschlüssel (AGS, 8 Ziffern, optional)", "05122000");
    let path = files.path().join("solingen");
    type_into(&mut h, "Speichern unter", path.to_str().unwrap());
    h.get_by_label("Anlegen").click();
    h.run();
    h.run();
    let file = files.path().join("solingen.quartier");
    assert!(file.is_file(), "saved with the .quartier ending");
    {
        let app = h.state().app.as_ref().expect("the new atlas is open");
        assert_eq!(app.state.info.name, "Solingen");
        assert_eq!(app.state.atlas.meta().unwrap().ags.as_deref(), Some("05122000"));
    }
    assert_eq!(h.state().title(), "Quartier – Solingen (solingen.quartier)");
    // The empty atlas says what to do first, and the button opens the geometry import.
    assert!(h.query_by_label_contains("Erster Schritt").is_some());
    h.get_by_label("Geometrie importieren …").click();
    h.run();
    assert!(h.query_by_label_contains("Importieren: Geometrie").is_some());

    // A bad AGS is refused in German, and nothing is created.
    open_menu_entry(&mut h, "Neuer Atlas …");
    type_into(&mut h, "Name der Kommune", "Fehler");
    type_into(&mut h, "Gemeindeschlüssel (AGS, 8 Ziffern, optional)", "123");
    type_into(
        &mut h,
        "Speichern unter",
        files.path().join("fehler.quartier").to_str().unwrap(),
    );
    h.get_by_label("Anlegen").click();
    h.run();
    assert!(h.query_by_label_contains("der AGS hat 8 Ziffern").is_some());
    assert!(!files.path().join("fehler.quartier").exists());
    assert_eq!(
        h.state().app.as_ref().unwrap().state.info.name,
        "Solingen",
        "still open"
    );
    h.state_mut().new_dialog.open = false;

    // Close: the start page lists it; a click opens it again.
    open_menu_entry(&mut h, "Atlas schließen");
    assert!(h.state().app.is_none());
    assert_eq!(h.state().title(), "Quartier");
    h.get_by_label("solingen.quartier").click();
    h.run();
    assert_eq!(h.state().app.as_ref().unwrap().state.info.name, "Solingen");

    // A second atlas opened by its typed path; then its file disappears: marked as missing.
    let other = files.path().join("herford.quartier");
    drop(quartier_core::Atlas::create(&other, "Herford", None).unwrap());
    open_menu_entry(&mut h, "Öffnen …");
    type_into(&mut h, "Atlasdatei", other.to_str().unwrap());
    h.get_by_label("Öffnen").click();
    h.run();
    assert_eq!(h.state().app.as_ref().unwrap().state.info.name, "Herford");
    open_menu_entry(&mut h, "Atlas schließen");
    std::fs::remove_file(&other).unwrap();
    h.run();
    let missing = h.get_by_label("herford.quartier (fehlt)");
    assert!(
        missing.accesskit_node().is_disabled(),
        "a missing atlas cannot be chosen"
    );
    // The list survives a restart, newest first.
    let again = Shell::new(data.path().to_path_buf(), true);
    let names: Vec<String> = again
        .recent
        .atlases
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["herford.quartier", "solingen.quartier"]);
    assert_eq!(
        again.recent.last_existing().unwrap().file_name().unwrap(),
        "solingen.quartier",
        "`quartier` without arguments opens the newest atlas that still exists"
    );
}

#[test]
fn a_damaged_file_leaves_the_app_usable_with_a_german_message() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("gut.quartier");
    drop(quartier_core::Atlas::create(&good, "Gut", None).unwrap());
    let bad = files.path().join("kaputt.quartier");
    std::fs::write(
        &bad,
        "das ist keine Datenbank, nur Text in einer Datei mit passender Endung",
    )
    .unwrap();
    let mut shell = Shell::new(data.path().to_path_buf(), false);
    shell.open_atlas(&good).unwrap();
    let mut h = shell_harness(shell);
    h.run();
    open_menu_entry(&mut h, "Öffnen …");
    type_into(&mut h, "Atlasdatei", bad.to_str().unwrap());
    h.get_by_label("Öffnen").click();
    h.run();
    assert!(h.query_by_label_contains("ist keine Quartier-Atlasdatei").is_some());
    assert_eq!(
        h.state().app.as_ref().unwrap().state.info.name,
        "Gut",
        "the open atlas stays"
    );
    h.state_mut().open_dialog.open = false;
    // On the start page, too.
    open_menu_entry(&mut h, "Atlas schließen");
    h.state_mut().error = None;
    let newer = files.path().join("neuer.quartier");
    drop(quartier_core::Atlas::create(&newer, "Neu", None).unwrap());
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    h.state_mut().open_dialog.open = true;
    h.run();
    type_into(&mut h, "Atlasdatei", newer.to_str().unwrap());
    h.get_by_label("Öffnen").click();
    h.run();
    assert!(h.query_by_label_contains("neueren Quartier-Version").is_some());
    assert!(h.state().app.is_none());
}
