//! The value table behind the table pane, the clipboard and the export files, on the Berlin
//! sample atlas.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use quartier_core::export::{value_table, ExportFormat, TableCell};
use quartier_core::model::ValueStatus;
use quartier_core::sample::build_sample_atlas;
use quartier_core::{Atlas, NoProgress};

#[test]
fn chosen_columns_in_order_with_reference_row_and_not_applicable_marks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let atlas = Atlas::open(&path).unwrap();
    let keys = vec!["s1".to_string(), "ew_mss".to_string()];
    let t = value_table(&atlas, "Planungsraum", "2019", Some(&keys)).unwrap();
    assert_eq!(
        t.header()[2..],
        [
            "Arbeitslosigkeit (SGB II und III) (%)",
            "Einwohner (MSS-Bezugsgröße) (Personen)"
        ]
    );
    assert_eq!(t.rows.len(), 448);
    // Areas under 300 inhabitants carry "x" for s1 in the MSS, not a number.
    let small = t
        .rows
        .iter()
        .filter(|r| r.cells[0] == TableCell::Status(ValueStatus::NotApplicable))
        .count();
    assert!(small > 0);
    assert!(t.rows.iter().filter(|r| r.cells[0].number().is_none()).count() >= small);
    // Clipboard text: header, reference row, then the chosen rows in the order asked.
    let tsv = t.to_tsv(&[1, 0]);
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(
        lines[1].starts_with("\tBerlin (Beispielatlas) (Referenz)\t"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with(&format!("{}\t", t.rows[1].key)));
    assert!(lines[3].starts_with("01011101\tStülerstraße\t"));
    let s1 = t.rows[0].cells[0].number().unwrap();
    assert!(
        lines[3].contains(&quartier_core::numbers::format_german(s1, 2)),
        "{}",
        lines[3]
    );
    // An unknown indicator is an error naming it.
    let e = value_table(&atlas, "Planungsraum", "2019", Some(&["gibt_es_nicht".to_string()])).unwrap_err();
    assert!(e.to_string().contains("gibt_es_nicht"), "{e}");
    // The file has the same columns.
    let out = dir.path().join("auswahl.csv");
    let summary = t.write(ExportFormat::Csv, &out).unwrap();
    assert_eq!(summary.indicators, keys);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text
        .lines()
        .next()
        .unwrap()
        .contains("Arbeitslosigkeit (SGB II und III) (%);Einwohner"));
}

#[test]
fn atlas_properties_are_stored_undone_and_the_attribution_goes_with_the_table() {
    use calamine::{open_workbook, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = Atlas::open(&path).unwrap();
    let original = atlas.properties().unwrap();
    assert!(
        original.attribution.contains("OpenStreetMap"),
        "the sample names its sources"
    );
    let mut changed = original.clone();
    changed.name = "Berlin (Test)".into();
    changed.ags = None;
    changed.suppression.threshold = 5;
    changed.attribution = "Statistikstelle der Stadt, eigene Erhebung 2026".into();
    let before = atlas.set_properties(&changed).unwrap();
    assert_eq!(before, original, "what was there before, for undo");
    let stored = atlas.properties().unwrap();
    assert_eq!(stored, changed);
    assert_eq!(
        atlas.suppression_rules().unwrap().threshold,
        5,
        "the suppression default follows"
    );
    // A bad AGS or an empty name is refused and changes nothing.
    let mut bad = changed.clone();
    bad.ags = Some("1100".into());
    assert!(atlas
        .set_properties(&bad)
        .unwrap_err()
        .to_string()
        .contains("8 Ziffern"));
    bad = changed.clone();
    bad.name = "  ".into();
    assert!(atlas.set_properties(&bad).is_err());
    assert_eq!(atlas.properties().unwrap(), changed);
    // The XLSX export names the source on its notes sheet.
    let out = dir.path().join("tabelle.xlsx");
    value_table(&atlas, "Bezirk", "2019", None)
        .unwrap()
        .write(ExportFormat::Xlsx, &out)
        .unwrap();
    let mut book: Xlsx<_> = open_workbook(&out).unwrap();
    let notes = book.worksheet_range("Hinweise").unwrap();
    let cells: Vec<String> = notes.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(
        cells.contains(&"Quelle: Statistikstelle der Stadt, eigene Erhebung 2026".to_string()),
        "{cells:?}"
    );
    // Undo puts everything back.
    atlas.set_properties(&before).unwrap();
    assert_eq!(atlas.properties().unwrap(), original);
}
