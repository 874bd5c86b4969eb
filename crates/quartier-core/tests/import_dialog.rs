//! What the import dialogs rely on: a preview of the file with what was detected, and a dry
//! run that reports the import's summary or its problems and leaves the atlas unchanged.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use quartier_core::import::preview::preview_file;
use quartier_core::import::values::{import_values, UnmatchedPolicy, ValuesImport};
use quartier_core::sample::build_sample_atlas;
use quartier_core::{Atlas, Error, NoProgress};

#[test]
fn previews_name_columns_first_rows_and_what_was_detected() {
    let csv = sample_data().join("population/berlin-lor-population-2020-02-t1-planning-areas.csv");
    let p = preview_file(&csv, 5).unwrap();
    assert_eq!(&p.headers[..3], ["id", "district_id", "forecast_area_id"]);
    assert_eq!(p.rows.len(), 5);
    assert_eq!(&p.rows[0][..2], ["01011101", "01"]);
    assert_eq!(p.total_rows, 448);
    assert_eq!(p.decimal.as_deref(), Some("Punkt (1234.5)"));
    assert!(p.encoding.is_some() && p.crs.is_none());

    let kitas = sample_data().join("poi/kitas-2022-epsg25833.geojson");
    let p = preview_file(&kitas, 3).unwrap();
    assert!(p.crs.as_deref().unwrap().starts_with("EPSG:25833"), "{:?}", p.crs);
    assert_eq!(p.rows.len(), 3);
    assert!(p.total_rows > 2000);
    assert!(!p.headers.is_empty());

    let quarters = realdata().join("hamburg/hamburg-quarters.geojson");
    let p = preview_file(&quarters, 2).unwrap();
    assert!(p.crs.as_deref().unwrap().starts_with("EPSG:4326"), "{:?}", p.crs);
}

/// A large CSV: the preview parses only its start (a defect far down does not stop it; the
/// dry run and the import find that) and counts the rows of the whole file in a stream,
/// compared with a count of the lines written.
#[test]
fn a_large_csv_is_previewed_from_its_start_and_its_rows_counted() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("gross.csv");
    let mut text = String::from("Schlüssel;Einwohner;Anteil\n");
    let rows = 60_000;
    for i in 0..rows {
        text.push_str(&format!("{i:08};{};{},5\n", 1000 + i % 977, i % 90));
        if i == 10 {
            text.push('\n'); // a blank line is not a row
        }
        if i == 50_000 {
            text.push_str("00050000b;1;2;überzählig\n"); // an extra field far down
        }
    }
    std::fs::write(&csv, &text).unwrap();
    assert!(text.len() > 1_000_000, "larger than what the preview reads");
    let p = preview_file(&csv, 5).unwrap();
    assert_eq!(p.headers, ["Schlüssel", "Einwohner", "Anteil"]);
    assert_eq!(p.rows[1], ["00000001", "1001", "1,5"]);
    let written = text.lines().filter(|l| !l.trim().is_empty()).count() - 1;
    assert_eq!(written, rows + 1);
    assert_eq!(p.total_rows, written);
    assert_eq!(p.decimal.as_deref(), Some("Komma (1.234,5)"));
    assert_eq!(p.encoding.as_deref(), Some("UTF-8"));
    // The whole file, read by the import, is refused at the defect with its line.
    let e = quartier_core::table::read_table(&csv, None).unwrap_err().to_string();
    assert!(e.contains("überzählig"), "{e}");
}

#[test]
fn a_dry_run_reports_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = Atlas::open(&path).unwrap();
    let periods_before = atlas.periods().unwrap().len();
    let indicators_before = atlas.indicators().unwrap().len();
    let csv = dir.path().join("neu.csv");
    std::fs::write(&csv, "id;kinder_neu\n01011101;12\n01011102;7\n").unwrap();
    let import = ValuesImport {
        file: csv.clone(),
        level: "Planungsraum".into(),
        key_column: "id".into(),
        period: Some("2030".into()),
        unmatched: UnmatchedPolicy::Abort,
        ..Default::default()
    };
    let summary = atlas.trial(|a| import_values(a, &import, &NoProgress)).unwrap();
    assert_eq!(summary.values_written, 2);
    assert_eq!(summary.indicators_created, ["kinder_neu"]);
    assert_eq!(summary.periods_added, ["2030"]);
    // Nothing stayed.
    assert_eq!(atlas.periods().unwrap().len(), periods_before);
    assert_eq!(atlas.indicators().unwrap().len(), indicators_before);
    assert!(atlas.indicator("kinder_neu").is_err());
    // A file with problems: the report names line, column and value, and nothing stays.
    std::fs::write(
        &csv,
        "id;kinder_neu\n01011101;12\n01011102;1x\n01011103;5\n01011104;9\n",
    )
    .unwrap();
    let e = atlas.trial(|a| import_values(a, &import, &NoProgress)).unwrap_err();
    match &e {
        Error::Import(report) => {
            let p = &report.problems[0];
            assert_eq!((p.row, p.value.as_deref()), (Some(3), Some("1x")), "{p:?}");
        }
        other => panic!("{other}"),
    }
    assert!(atlas.indicator("kinder_neu").is_err());
    // The real import after the dry run writes.
    std::fs::write(&csv, "id;kinder_neu\n01011101;12\n01011102;7\n").unwrap();
    import_values(&mut atlas, &import, &NoProgress).unwrap();
    assert!(atlas.indicator("kinder_neu").is_ok());
}
