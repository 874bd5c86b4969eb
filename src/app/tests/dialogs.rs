//! The app's dialogs driven by their accessible labels: import, editing with undo, the
//! analyses, the settings and "Speichern unter".
#![allow(clippy::unwrap_used)]

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;

use super::super::command::{Command, OpenDialog};
use super::super::QuartierApp;
use super::{choose_indicator, harness, sample_app, wait_for_jobs};
use eframe::egui;

#[test]
fn values_are_previewed_checked_and_then_imported_from_the_dialog() {
    let (dir, app) = sample_app();
    let csv = dir.path().join("kinder.csv");
    std::fs::write(&csv, "id;name;kinder_neu\n01011101;Stülerstraße;12\n01011102;Großer Tiergarten;1x\n01011103;Lützowstraße;5\n01011104;Körnerstraße;9\n").unwrap();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Datei").click();
    h.run();
    h.get_by_label("Werte importieren …").click();
    h.run();
    h.get_by_label("Dateipfad").click();
    h.run();
    h.get_by_label("Dateipfad").type_text(&csv.display().to_string());
    h.run();
    h.get_by_label("Vorschau").click();
    // The preview is read off the UI thread, whose repaint request may land in any frame:
    // step frame by frame until it is taken, then let the new rows lay themselves out.
    let started = std::time::Instant::now();
    while h.state().import_dialog.preview.is_none() {
        assert!(started.elapsed().as_secs() < 30, "preview not read");
        std::thread::sleep(std::time::Duration::from_millis(10));
        h.step();
    }
    std::thread::sleep(std::time::Duration::from_millis(50));
    h.run_steps(8);
    let preview = h.state().import_dialog.preview.clone().unwrap();
    assert_eq!(preview.headers, ["id", "name", "kinder_neu"]);
    assert_eq!(h.state().import_dialog.key_column, "id", "guessed");
    assert!(
        h.query_all_by_label("Großer Tiergarten").count() >= 2,
        "first rows shown beside the table"
    );
    h.get_by_label("Zeitraum (z. B. 2024)").click();
    h.run();
    h.get_by_label("Zeitraum (z. B. 2024)").type_text("2030");
    h.run();
    // The dry run finds the bad value and names line, column and value; nothing is written.
    h.get_by_label("Prüfen").click();
    wait_for_jobs(&mut h);
    assert!(h.query_by_label("1 Problem – nichts wurde geschrieben").is_some());
    match &h.state().import_dialog.outcome {
        Some(Ok(super::super::import::ImportOutcome::Problems(p))) => {
            assert_eq!((p[0].row, p[0].value.as_deref()), (Some(3), Some("1x")), "{p:?}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        h.query_all_by_label("1x").count(),
        2,
        "in the preview and in the problem list"
    );
    assert!(h.state().state.atlas.indicator("kinder_neu").is_err());
    // Fixed file: checked, then imported.
    std::fs::write(&csv, "id;name;kinder_neu\n01011101;Stülerstraße;12\n01011102;Großer Tiergarten;1\n01011103;Lützowstraße;5\n01011104;Körnerstraße;9\n").unwrap();
    h.get_by_label("Prüfen").click();
    wait_for_jobs(&mut h);
    assert!(h.query_by_label("Geprüft: keine Probleme").is_some());
    assert!(
        h.state().state.atlas.indicator("kinder_neu").is_err(),
        "a dry run writes nothing"
    );
    h.get_by_label("Importieren").click();
    wait_for_jobs(&mut h);
    assert!(h.state().state.atlas.indicator("kinder_neu").is_ok());
    assert!(
        h.state().state.info.indicators.iter().any(|i| i.key == "kinder_neu"),
        "overview read again"
    );
}

#[test]
fn values_and_metadata_are_edited_with_undo_and_redo() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Einwohner [Personen]").click();
    h.run();
    let value = |h: &Harness<'static, QuartierApp>| {
        let t = h.state().state.shown.table.clone().unwrap();
        t.rows.iter().find(|r| r.key == "01011101").unwrap().cells[0].clone()
    };
    let original = value(&h);
    assert_eq!(original.number(), Some(3419.0));
    // Edit the value: the dialog takes German notation.
    h.state_mut()
        .commands
        .push(Command::Open(OpenDialog::Value("01011101".into())));
    h.run();
    h.get_by_label("Wert").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Wert").type_text("3.500");
    h.run();
    h.get_by_label("Speichern").click();
    wait_for_jobs(&mut h);
    assert_eq!(value(&h).number(), Some(3500.0));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for_jobs(&mut h);
    assert_eq!(value(&h), original, "undone");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Y);
    wait_for_jobs(&mut h);
    assert_eq!(value(&h).number(), Some(3500.0), "redone");
    // Metadata: rename the indicator; the list shows the new name; undo brings the old one.
    h.get_by_label("Bearbeiten").click();
    h.run();
    h.get_by_label("Indikator bearbeiten …").click();
    h.run();
    h.get_by_label("Bezeichnung").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Bezeichnung").type_text("Bevölkerung");
    h.run();
    h.get_by_label("Speichern").click();
    wait_for_jobs(&mut h);
    assert!(h.query_by_label("Bevölkerung [Personen]").is_some());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for_jobs(&mut h);
    assert!(h.query_by_label("Einwohner [Personen]").is_some());
    assert_eq!(h.state().state.atlas.indicator("ew").unwrap().name, "Einwohner");

    // A declared sum: the residents are the sum of their age groups; tick two of them.
    let name_of = |h: &Harness<'static, QuartierApp>, key: &str| {
        let name = h.state().state.atlas.indicator(key).unwrap().name;
        format!("{name} ({key})")
    };
    let (under_6, six_to_15) = (name_of(&h, "ew_u6"), name_of(&h, "ew_6_15"));
    h.get_by_label("Bearbeiten").click();
    h.run();
    h.get_by_label("Indikator bearbeiten …").click();
    h.run();
    h.get_by_label("Summe aus: keine").click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, &six_to_15)
        .click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, &under_6)
        .click();
    h.run();
    assert!(
        h.query_by_label("Summe aus: ew_u6, ew_6_15").is_some(),
        "the heading names the parts"
    );
    h.get_by_label("Speichern").click();
    wait_for_jobs(&mut h);
    // Stored in the atlas's order of indicators, not in the order of the clicks.
    assert_eq!(
        h.state().state.atlas.indicator("ew").unwrap().sum_of,
        ["ew_u6", "ew_6_15"]
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for_jobs(&mut h);
    assert!(
        h.state().state.atlas.indicator("ew").unwrap().sum_of.is_empty(),
        "undone"
    );
}

#[test]
fn a_composite_index_with_rank_intervals_and_a_suppression_preview() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    // The MSS indicators are further down the list: search for them.
    h.get_by_label("Suchen").click();
    h.run();
    h.get_by_label("Suchen").type_text("Arbeitslos");
    h.run();
    h.get_by_label("Arbeitslosigkeit (SGB II und III) [%]").click();
    h.run();
    assert_eq!(h.state().state.choice.period.as_deref(), Some("2019"));
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Zusammengesetzter Index …").click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "Arbeitslosigkeit (SGB II und III)")
        .click();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "Transferbezug (SGB II und XII)")
        .click();
    h.get_by_role_and_label(
        egui::accesskit::Role::CheckBox,
        "Kinderarmut (Transferbezug unter 15 Jahren)",
    )
    .click();
    h.run();
    h.get_by_label("Speichern als (Schlüssel, leer: nicht speichern)")
        .click();
    h.run();
    // An imported indicator's key is refused while it is typed, before any run.
    h.get_by_label("Speichern als (Schlüssel, leer: nicht speichern)")
        .type_text("ew");
    h.run();
    assert!(h
        .query_by_label_contains("„ew“ (Einwohner) ist ein importierter Indikator und wird nicht überschrieben")
        .is_some());
    assert!(h.get_by_label("Berechnen").accesskit_node().is_disabled());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Speichern als (Schlüssel, leer: nicht speichern)")
        .type_text("sozialindex");
    h.run();
    h.get_by_label("Berechnen").click();
    wait_for_jobs(&mut h);
    let w = &h.state().state;
    assert_eq!(
        w.choice.indicator.as_deref(),
        Some("sozialindex"),
        "the saved index is shown"
    );
    assert!(w
        .shown
        .classified
        .as_ref()
        .is_some_and(|c| c.areas.iter().filter(|a| a.value.is_some()).count() > 400));
    match &h.state().analyses.result {
        Some(super::super::analyses::AnalysisOutput::Index(r)) => {
            let u = r.uncertainty.as_ref().unwrap();
            assert_eq!(u.settings.runs, 500);
            assert!(r
                .areas
                .iter()
                .all(|a| a.rank_p05 <= a.rank_median && a.rank_median <= a.rank_p95));
            // The three MSS status shares agree closely.
            assert!(r.checks.cronbach_alpha.unwrap() > 0.8, "{:?}", r.checks.cronbach_alpha);
        }
        other => panic!("{other:?}"),
    }
    assert!(h.query_by_label("Index: Ergebnis").is_some());
    // The suppression preview changes nothing and lists what it would hide.
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Geheimhaltung prüfen …").click();
    h.run();
    h.get_by_label("Prüfen").click();
    wait_for_jobs(&mut h);
    match &h.state().analyses.result {
        Some(super::super::analyses::AnalysisOutput::Suppression(r)) => assert_eq!(r.level, "Planungsraum"),
        other => panic!("{other:?}"),
    }
    assert!(h.query_by_label("Geheimhaltung: Ergebnis").is_some());
}

#[test]
fn the_diagram_and_the_map_shown_are_exported_as_the_engine_draws_them_suppressed() {
    use super::super::diagram_export::{figure, FigureKind};
    let (dir, mut app) = sample_app();
    let w = &mut app.state;
    w.choose_indicator("anteil_u6");
    let svg = figure(w, FigureKind::Diagram, false).unwrap().svg;
    let bars = w
        .shown
        .classified
        .as_ref()
        .unwrap()
        .areas
        .iter()
        .filter(|a| a.value.is_some())
        .count();
    // One rect per bar, plus the white background.
    assert_eq!(svg.matches("<rect ").count(), bars + 1);
    assert!(
        svg.contains("Berlin (Beispielatlas) (Gesamtstadt): 5,9"),
        "reference line labelled"
    );
    w.view.diagram = super::super::state::DiagramKind::Scatter;
    w.choice.second_indicator = Some("anteil_ausl".into());
    w.prepare_diagram();
    let svg = figure(w, FigureKind::Diagram, false).unwrap().svg;
    let points = match w.diagram_data().unwrap() {
        super::super::state::DiagramData::Scatter(s) => s.points.len(),
        _ => 0,
    };
    assert_eq!(svg.matches("<circle ").count(), points);
    assert!(svg.contains("r = "), "regression in the subtitle");
    // The age structure of an area with three children aged 6 to 15: on screen as it is,
    // exported as "k. A." unless internal.
    w.view.diagram = super::super::state::DiagramKind::AgeStructure;
    w.selection.set(["04061757".to_string()].into());
    let public = figure(w, FigureKind::Diagram, false).unwrap().svg;
    assert!(public.contains("6 bis unter 15: k. A."), "suppressed in the export");
    let internal = figure(w, FigureKind::Diagram, true).unwrap().svg;
    assert!(!internal.contains("k. A.") && internal.contains(quartier_core::export::INTERNAL_MARKING));
    // Through the save dialog: a PDF of the map.
    let path = dir.path().join("karte.pdf");
    let mut save = super::super::save::SaveDialog::default();
    save.open_for(
        super::super::save::Export::Figure(FigureKind::Map, quartier_core::figure::FigureFormat::Pdf),
        w,
    );
    save.path = path.display().to_string();
    save.write_for_test(w).unwrap();
    assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF"));
    assert!(w.session.notice.as_deref().unwrap().contains("Karte nach"));
}

#[test]
fn distance_to_kitas_from_the_dialog_is_saved_and_shown() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Bezirk (12)").click();
    h.run();
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Entfernung zu Einrichtungen …").click();
    h.run();
    h.get_by_label("Gebietsmittelpunkte (grob)").click();
    h.get_by_label("Ergebnis als Indikatoren speichern").click();
    h.run();
    h.get_by_label("Berechnen").click();
    wait_for_jobs(&mut h);
    let w = &h.state().state;
    match &h.state().analyses.result {
        Some(super::super::analyses::AnalysisOutput::Distance(r)) => {
            assert_eq!(r.areas.len(), 12);
            assert!(r.pois_used > 2000, "{}", r.pois_used);
            assert!(!r.saved.is_empty());
            assert_eq!(
                w.choice.indicator.as_deref(),
                Some(r.saved[0].as_str()),
                "the first saved measure is shown"
            );
        }
        other => panic!("{other:?} {:?}", h.state().analyses.message),
    }
    assert_eq!(w.level_name(), "Bezirk");
    assert!(w
        .shown
        .classified
        .as_ref()
        .is_some_and(|c| c.areas.iter().all(|a| a.value.is_some())));
}

#[test]
fn a_computed_indicator_is_written_with_errors_as_you_type_and_a_live_preview() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Berechneter Indikator …").click();
    h.run();
    h.get_by_label("Neuer Schlüssel").click();
    h.get_by_label("Neuer Schlüssel").type_text("quote_u6");
    h.get_by_label("Bezeichnung").click();
    h.get_by_label("Bezeichnung").type_text("Anteil unter 6");
    h.get_by_label("Formel").click();
    h.get_by_label("Formel").type_text("ew_u7 / ew * 100");
    h.run();
    // A typo is named as the planner types, with the likely key.
    let error = h.state().analyses.formula_error().unwrap().to_string();
    assert!(error.contains("„ew_u7“") && error.contains("ew_u6"), "{error}");
    assert!(h.get_by_label("Berechnen und speichern").accesskit_node().is_disabled());
    h.get_by_label("Formel").click();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Formel").type_text("ew_u6 / ew * 100");
    h.run();
    assert_eq!(h.state().analyses.formula_error(), None);
    // The preview shows the first area with the value by hand from its stored counts.
    let w = &h.state().state;
    assert_eq!(w.level_name(), "Planungsraum");
    let (level, period) = (
        w.atlas.level("Planungsraum").unwrap(),
        w.atlas.period(w.choice.period.as_deref().unwrap()).unwrap(),
    );
    let first = w.atlas.level_areas(level.id).unwrap()[0].clone();
    let count = |key: &str| {
        let meta = w.atlas.indicator(key).unwrap();
        w.atlas.values(meta.id, level.id, period.id).unwrap()[&first.id]
            .number()
            .unwrap()
    };
    let by_hand = quartier_core::numbers::format_german(count("ew_u6") / count("ew") * 100.0, 2);
    assert!(
        h.query_by_label(&by_hand).is_some(),
        "{by_hand} for {} in the preview",
        first.name
    );
    h.get_by_label("Berechnen und speichern").click();
    wait_for_jobs(&mut h);
    let w = &h.state().state;
    assert_eq!(
        w.choice.indicator.as_deref(),
        Some("quote_u6"),
        "{:?}",
        h.state().analyses.message
    );
    let meta = w.atlas.indicator("quote_u6").unwrap();
    assert_eq!(meta.formula.as_deref(), Some("ew_u6 / ew * 100"));
    assert_eq!(meta.name, "Anteil unter 6");
}

#[test]
fn english_can_be_chosen_in_the_settings() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Datei").click();
    h.run();
    h.get_by_label("Einstellungen …").click();
    h.run();
    h.get_by_label("English").click();
    h.get_by_label("Übernehmen").click();
    h.run();
    for label in [
        "File",
        "Edit",
        "Analysis",
        "Map",
        "Table",
        "Chart",
        "Level",
        "Indicators",
    ] {
        assert!(h.query_by_label(label).is_some(), "{label}");
    }
    assert!(h.query_by_label("Datei").is_none());
    assert!(h.query_by_label("Level: Planungsraum").is_some(), "status bar");
    // The dialogs too.
    h.get_by_label("Analysis").click();
    h.run();
    h.get_by_label("Status and dynamics …").click();
    h.run();
    for label in ["Preset", "Calculate", "Save result as indicators", "Map indicators"] {
        assert!(h.query_by_label(label).is_some(), "{label}");
    }
    super::super::i18n::set_english(false);
}

#[test]
fn table_and_diagram_are_saved_through_the_save_as_dialog() {
    let (dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    choose_indicator(&mut h, "unter 6", "Anteil unter 6-Jährige [%]");
    let save_as = |h: &mut Harness<'static, QuartierApp>, menu_item: &str, path: &std::path::Path| {
        h.get_all_by_label("Exportieren")
            .find(|n| n.rect().top() < 200.0)
            .unwrap()
            .click();
        h.run();
        h.get_by_label(menu_item).click();
        h.run();
        assert!(
            h.state().save_dialog.path.contains("Quartier-Export"),
            "suggested in the export folder"
        );
        h.state_mut().save_dialog.path = path.display().to_string();
        h.run();
        h.get_by_label("Speichern").click();
        h.run();
    };
    let xlsx = dir.path().join("ausgabe/tabelle.xlsx");
    save_as(&mut h, "Als Excel-Datei (XLSX) …", &xlsx);
    let back = quartier_core::table::read_table(&xlsx, None).unwrap();
    assert_eq!(back.rows.len(), 449, "reference row and 448 areas");
    assert!(
        back.headers.iter().any(|c| c.starts_with("Anteil unter 6-Jährige")),
        "{:?}",
        back.headers
    );
    assert!(!h.state().save_dialog.open);
    // The diagram's "Exportieren" is the lower one (the table's sits at the top).
    h.get_all_by_label("Exportieren")
        .find(|n| n.rect().top() > 200.0)
        .unwrap()
        .click();
    h.run();
    h.get_by_label("Als SVG (Vektor, zum Weiterbearbeiten) …").click();
    h.run();
    let svg = dir.path().join("ausgabe/balken.svg");
    h.state_mut().save_dialog.path = svg.display().to_string();
    h.run();
    h.get_by_label("Speichern").click();
    h.run();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg ") && text.contains("Anteil unter 6-Jährige"));
    // The PNG is rendered at 300 dpi (170 mm wide: 2008 pixels), not cut from the screen.
    h.get_all_by_label("Exportieren")
        .find(|n| n.rect().top() > 200.0)
        .unwrap()
        .click();
    h.run();
    h.get_by_label("Als PNG (300 dpi) …").click();
    h.run();
    let png = dir.path().join("ausgabe/balken.png");
    h.state_mut().save_dialog.path = png.display().to_string();
    h.run();
    h.get_by_label("Speichern").click();
    h.run();
    let image = image::open(&png).unwrap();
    assert_eq!(image.width(), 2008);
}

#[test]
fn status_thresholds_are_editable_in_the_dialog() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Status und Dynamik …").click();
    h.run();
    h.get_by_label("Klassengrenzen").click();
    h.run();
    // Wrong order is refused in the dialog.
    h.state_mut().status_dialog.thresholds.status = [1.0, -1.0, 1.5];
    h.get_by_label("Berechnen").click();
    h.run();
    assert!(h
        .query_by_label("Die Klassengrenzen müssen von links nach rechts steigen")
        .is_some());
    assert!(h.state().job.is_none());
    // A stricter "hoch" boundary: fewer areas of high status than the published 67.
    h.state_mut().status_dialog.thresholds.status = [-1.5, 1.0, 1.5];
    h.get_by_label("Berechnen").click();
    wait_for_jobs(&mut h);
    let r = h.state().state.shown.status_dynamics.clone().unwrap();
    assert_eq!(r.thresholds.status, [-1.5, 1.0, 1.5]);
    assert!(r.status_counts[0] < 67, "{:?}", r.status_counts);
    assert_eq!(r.status_counts.iter().sum::<usize>(), 436);
}

#[test]
fn the_gebietsbericht_of_the_selection_is_shown_and_saved_suppressed() {
    let (dir, mut app) = sample_app();
    app.state.choose_indicator("anteil_u6");
    app.state
        .selection
        .set(["01011101".to_string(), "04061757".to_string()].into());
    let mut h = harness(app);
    h.run();
    h.get_by_label("Auswahl").click();
    h.run();
    h.get_by_label("Gebietsbericht …").click();
    h.run();
    // On screen, unsuppressed like the table: Forst Grunewald's 3 children aged 6 to 15.
    assert!(h
        .query_by_label("Gebietsbericht Stülerstraße, Forst Grunewald – 2020")
        .is_some());
    assert!(h.query_by_label("3.419").is_some(), "Stülerstraße's residents");
    h.get_by_label("Als Excel-Datei (XLSX) …").click();
    h.run();
    let path = dir.path().join("bericht.xlsx");
    h.state_mut().save_dialog.path = path.display().to_string();
    h.run();
    h.get_by_label("Speichern").click();
    h.run();
    let notice = h.state().state.session.notice.clone().unwrap_or_default();
    assert!(notice.contains("Zellen geheim gehalten"), "{notice}");
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let sheet = book.worksheet_range("Gebietsbericht").unwrap();
    let row = sheet
        .rows()
        .find(|r| r.get(1) == Some(&calamine::Data::String("Einwohner 6 bis unter 15 Jahre".into())))
        .unwrap();
    assert_eq!(row[5], calamine::Data::String("k. A.".into()), "the file is suppressed");
}

#[test]
fn a_profile_text_is_written_in_the_app_kept_in_the_atlas_and_undone() {
    let (_dir, mut app) = sample_app();
    app.state.choose_indicator("anteil_u6");
    app.state.selection.set(["01011101".to_string()].into());
    let mut h = harness(app);
    h.run();
    h.get_by_label("Auswahl").click();
    h.run();
    h.get_by_label("Profiltext …").click();
    h.run();
    h.get_by_label("Einschätzung").click();
    h.run();
    h.get_by_label("Einschätzung")
        .type_text("Diplomatenviertel, wenige Kinder.");
    h.run();
    h.get_by_label("Verfasst von").click();
    h.run();
    h.get_by_label("Verfasst von").type_text("JHP");
    h.run();
    h.get_by_label("Speichern").click();
    wait_for_jobs(&mut h);
    let stored = h
        .state()
        .state
        .atlas
        .area_text("Planungsraum", "01011101")
        .unwrap()
        .unwrap();
    assert_eq!(stored.text, "Diplomatenviertel, wenige Kinder.");
    assert_eq!(stored.author, "JHP");
    // Undo takes it back out of the atlas.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for_jobs(&mut h);
    assert!(h
        .state()
        .state
        .atlas
        .area_text("Planungsraum", "01011101")
        .unwrap()
        .is_none());
}

#[test]
fn the_book_of_profiles_of_the_shown_level_is_set_as_a_job() {
    let (dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Bezirk (12)").click();
    h.run();
    h.get_by_label("Datei").click();
    h.run();
    h.get_by_label("Quartiersprofile …").click();
    h.run();
    let path = dir.path().join("bezirke.pdf");
    h.state_mut().save_dialog.path = path.display().to_string();
    h.run();
    h.get_by_label("Speichern").click();
    wait_for_jobs(&mut h);
    let notice = h.state().state.session.notice.clone().unwrap_or_default();
    assert!(
        notice.contains("12 Profile"),
        "{notice} {:?}",
        h.state().state.session.error
    );
    assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF"));
}

#[test]
fn small_areas_are_shown_on_the_map_merged_adjusted_and_saved_as_a_level() {
    use super::super::state::MapLayer;
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.state_mut().commands.push(Command::ChooseIndicator("ew".into()));
    h.state_mut().commands.push(Command::ChoosePeriod("2020".into()));
    h.run();
    assert_eq!(h.state().state.level_name(), "Planungsraum");
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Gebietsgrößen prüfen …").click();
    h.run();
    // The BA preset, then the check: 18 Planungsräume below 1,000 residents, red on the map.
    h.get_by_label("ba").click();
    h.run();
    h.get_by_label("Prüfen").click();
    wait_for_jobs(&mut h);
    let w = &h.state().state;
    assert_eq!(w.choice.layer, MapLayer::Sizes, "{:?}", h.state().analyses.message);
    let check = w.shown.sizes.as_ref().unwrap().check.clone().unwrap();
    assert_eq!((check.rule.as_str(), check.too_small.len()), ("ew >= 1000", 18));
    assert!(h
        .query_by_label("18 von 448 Gebieten zu klein, bei 0 lässt es sich nicht sagen.")
        .is_some());
    let colours = crate::app::sizes::sizes_colour(w.shown.sizes.as_ref().unwrap());
    assert_eq!(colours[check.too_small[0].as_str()], crate::app::sizes::TOO_SMALL);
    // Clicking a small area in the list selects it on the map.
    let first = check
        .areas
        .iter()
        .find(|a| a.key == check.too_small[0])
        .unwrap()
        .name
        .clone();
    h.get_by_role_and_label(egui::accesskit::Role::Link, &first).click();
    h.run();
    assert!(h.state().state.selection.iter().any(|k| *k == check.too_small[0]));

    // The proposal: every region meets the rule but the one across a parent's border.
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Gebietsgrößen prüfen …").click();
    h.run();
    h.get_by_label("Zusammenlegen vorschlagen").click();
    wait_for_jobs(&mut h);
    let proposal = h.state().state.shown.sizes.as_ref().unwrap().proposal.clone().unwrap();
    assert_eq!(proposal.new_level, "Sozialräume");
    assert!(
        proposal.unresolved.is_empty() && proposal.crossing.len() == 1,
        "{proposal:?}"
    );
    // Taking a small area out of its region: it is red again; undo brings the region back.
    let small = check.too_small[0].clone();
    h.state_mut().commands.push(Command::ClearSelection);
    h.state_mut().commands.push(Command::Click {
        key: small.clone(),
        extend: false,
    });
    h.run();
    h.get_by_label("Auswahl herauslösen").click();
    h.run();
    let adjusted = h.state().state.shown.sizes.as_ref().unwrap().proposal.clone().unwrap();
    assert!(adjusted.unresolved.contains(&small), "{:?}", adjusted.unresolved);
    assert_eq!(adjusted.regions.len(), proposal.regions.len() + 1);
    h.get_by_label("Rückgängig").click();
    h.run();
    assert_eq!(
        h.state().state.shown.sizes.as_ref().unwrap().proposal.as_ref(),
        Some(&proposal)
    );
    // Saved: the new level is shown, with the rule's counts summed.
    h.get_by_label("Als Ebene speichern").click();
    wait_for_jobs(&mut h);
    let w = &h.state().state;
    assert_eq!(w.level_name(), "Sozialräume", "{:?}", h.state().analyses.message);
    assert_eq!(w.choice.layer, MapLayer::Choropleth);
    let level = w.atlas.level("Sozialräume").unwrap();
    assert_eq!(w.atlas.level_areas(level.id).unwrap().len(), proposal.regions.len());
}

#[test]
fn a_query_runs_in_its_pane_and_is_exported_suppressed() {
    use super::super::panes::Pane;
    let (dir, app) = sample_app();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Abfrage (SQL) …").click();
    h.run();
    assert!(super::super::panes::is_open(&h.state().layout, Pane::Query));
    h.state_mut().state.session.query.sql =
        "SELECT key, name, ew_6_15 FROM werte WHERE ebene = 'Planungsraum' AND periode = '2020' AND ew_6_15 > 0 ORDER BY ew_6_15 LIMIT 3"
            .into();
    h.run();
    h.get_by_label("Ausführen").click();
    h.run();
    let result = h.state().state.session.query.result.clone().unwrap();
    assert_eq!(result.columns, ["key", "name", "ew_6_15"]);
    assert!(result.intern, "the pane shows what the workbench shows");
    // The smallest counts are 1 to 3: shown internally, in German notation.
    let smallest = result.display_de(0, 2);
    assert!(["1", "2", "3"].contains(&smallest.as_str()), "{smallest}");
    assert!(h.query_by_label(&result.display_de(0, 1)).is_some());
    // Exported: run again over the protected values, the small count as k. A.
    h.get_by_label("Exportieren (CSV) …").click();
    h.run();
    let out = dir.path().join("abfrage.csv");
    let app = h.state_mut();
    assert!(app.save_dialog.open, "the save dialog is open for the query");
    app.save_dialog.path = out.display().to_string();
    app.save_dialog.write_for_test(&mut app.state).unwrap();
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.contains("k. A.") && csv.contains("Geheimhaltung"), "{csv}");
    // An error is named in the pane, in German.
    h.state_mut().state.session.query.sql = "SELECT * FROM gebiete".into();
    h.run();
    h.get_by_label("Ausführen").click();
    h.run();
    let error = h.state().state.session.query.error.clone().unwrap();
    assert!(error.contains("unbekannte Tabelle „gebiete“"), "{error}");
}

#[test]
fn the_shown_indicator_is_moved_onto_another_level_from_the_dialog() {
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    h.state_mut().commands.push(Command::ChooseIndicator("ew".into()));
    h.state_mut().commands.push(Command::ChoosePeriod("2020".into()));
    h.run();
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Auf andere Gebietsgliederung übertragen …").click();
    h.run();
    // Onto the Bezirksregionen, which the Planungsräume nest in: every value exact.
    h.state_mut().analyses.set_crosswalk_target_for_test("Bezirksregion");
    h.get_by_label("Ergebnis als Indikatoren speichern").click();
    h.run();
    h.get_by_label("Übertragen").click();
    wait_for_jobs(&mut h);
    let w = &h.state().state;
    assert_eq!(w.level_name(), "Bezirksregion", "{:?}", h.state().analyses.message);
    assert_eq!(w.choice.indicator.as_deref(), Some("ew"));
    let Some(super::super::analyses::AnalysisOutput::Crosswalk(r)) = &h.state().analyses.result else {
        panic!("{:?}", h.state().analyses.message)
    };
    assert_eq!(r.saved, ["ew"]);
    assert!(r.quality.iter().all(|q| q.from_split == 0.0));
    let level = w.atlas.level("Bezirksregion").unwrap();
    let period = w.atlas.period("2020").unwrap();
    let meta = w.atlas.indicator("ew").unwrap();
    let total: f64 = w
        .atlas
        .values(meta.id, level.id, period.id)
        .unwrap()
        .values()
        .filter_map(|v| v.number())
        .sum();
    assert_eq!(total, 3_769_962.0, "Berlin's residents, as on the Planungsräume");
    assert!(h
        .query_by_label("Güte je Zielgebiet: Anteil aus geteilten Quellgebieten (0 % = genau)")
        .is_some());
}

#[test]
fn stale_computed_indicators_are_updated_with_one_click() {
    use quartier_core::analysis::compute::{compute, ComputeRequest};
    let (_dir, app) = sample_app();
    let mut h = harness(app);
    {
        let atlas = &mut h.state_mut().state.atlas;
        let request = ComputeRequest {
            key: "quote_u6".into(),
            name: "Anteil unter 6".into(),
            formula: "ew_u6 / ew * 100".into(),
            levels: vec!["Planungsraum".into()],
            ..Default::default()
        };
        compute(atlas, &request, false).unwrap();
        // A value edited by hand: the share is stale.
        let cell = quartier_core::StoredValue {
            value: Some(500.0),
            text: None,
            status: quartier_core::model::ValueStatus::Ok,
            note: None,
            flag: None,
        };
        atlas
            .set_value("ew_u6", "Planungsraum", "2020", "01011101", Some(cell))
            .unwrap();
        assert_eq!(quartier_core::analysis::compute::stale(atlas).unwrap().len(), 1);
    }
    h.run();
    h.get_by_label("Analyse").click();
    h.run();
    h.get_by_label("Berechnete Indikatoren aktualisieren").click();
    wait_for_jobs(&mut h);
    match &h.state().analyses.result {
        Some(super::super::analyses::AnalysisOutput::Refreshed(keys)) => assert_eq!(keys, &["quote_u6"]),
        other => panic!("{other:?} {:?}", h.state().analyses.message),
    }
    assert!(h.query_by_label("Neu berechnet: quote_u6").is_some());
    assert!(quartier_core::analysis::compute::stale(&h.state().state.atlas)
        .unwrap()
        .is_empty());
}
