//! Values import: what the parser reports per cell, in wide and long form.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use quartier_core::import::values::{import_values, LongForm, ValuesImport};
use quartier_core::model::{IndicatorKind, ValueStatus};
use quartier_core::{Error, NoProgress};

#[test]
fn long_form_reports_a_value_given_twice_with_both_lines() {
    let (dir, mut atlas) = berlin_bezirke();
    let file = dir.path().join("lang.csv");
    std::fs::write(
        &file,
        "id;ind;jahr;wert\n01;ew;2020;100\n02;ew;2020;200\n01;ew;2021;110\n01;ew;2020;105\n",
    )
    .unwrap();
    let before = value_dump(&atlas);
    let err = import_values(
        &mut atlas,
        &ValuesImport {
            file,
            level: "Bezirk".into(),
            key_column: "id".into(),
            long: Some(LongForm {
                indicator_column: "ind".into(),
                period_column: "jahr".into(),
                value_column: "wert".into(),
            }),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap_err();
    let Error::Import(report) = err else {
        panic!("expected an import report, got {err}")
    };
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].row, Some(5));
    assert!(
        report.problems[0].reason.contains("„ew“") && report.problems[0].reason.contains("schon in Zeile 2"),
        "{}",
        report.problems[0].reason
    );
    assert_eq!(value_dump(&atlas), before);
}

#[test]
fn wide_form_text_columns_become_categorical_and_stray_text_is_reported_per_cell() {
    let (dir, mut atlas) = berlin_bezirke();
    let good = dir.path().join("breit.csv");
    std::fs::write(
        &good,
        "id;typ;quote;ew\n01;Innenstadt;12,5;k. A.\n02;Stadtrand;–;1 234\n03;Stadtrand;7,25;x\n",
    )
    .unwrap();
    let s = import_values(
        &mut atlas,
        &ValuesImport {
            file: good,
            level: "Bezirk".into(),
            key_column: "id".into(),
            period: Some("2020".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(s.categorical, ["typ"]);
    assert_eq!(s.values_written, 9);
    assert_eq!(
        (
            s.values_by_status.ok,
            s.values_by_status.missing,
            s.values_by_status.suppressed,
            s.values_by_status.not_applicable
        ),
        (7, 0, 1, 1),
        "„–“ is nichts vorhanden: the number 0"
    );
    assert_eq!(atlas.indicator("typ").unwrap().kind, IndicatorKind::Categorical);
    let level = atlas.level("Bezirk").unwrap();
    let period = atlas.period("2020").unwrap();
    let areas = atlas.areas(level.id).unwrap();
    let id_of = |key: &str| areas.iter().find(|a| &*a.key == key).unwrap().id;
    let ew = atlas
        .values(atlas.indicator("ew").unwrap().id, level.id, period.id)
        .unwrap();
    assert_eq!(ew[&id_of("02")].value, Some(1234.0));
    assert_eq!(ew[&id_of("01")].status, ValueStatus::Suppressed);
    assert_eq!(ew[&id_of("01")].note.as_deref(), Some("k. A."));
    assert_eq!(ew[&id_of("03")].status, ValueStatus::NotApplicable);
    let quote = atlas
        .values(atlas.indicator("quote").unwrap().id, level.id, period.id)
        .unwrap();
    assert_eq!(quote[&id_of("03")].value, Some(7.25));
    assert_eq!(
        (quote[&id_of("02")].number(), quote[&id_of("02")].flag),
        (Some(0.0), Some(quartier_core::model::ValueFlag::Nothing))
    );
    let typ = atlas
        .values(atlas.indicator("typ").unwrap().id, level.id, period.id)
        .unwrap();
    assert_eq!(typ[&id_of("02")].text.as_deref(), Some("Stadtrand"));

    // Text in two numeric columns: each cell reported with its line and column, nothing written.
    let bad = dir.path().join("falsch.csv");
    std::fs::write(&bad, "id;quote;ew\n01;12,5;100\n02;zwölf;200\n03;7,25;viele\n").unwrap();
    let before = value_dump(&atlas);
    let err = import_values(
        &mut atlas,
        &ValuesImport {
            file: bad,
            level: "Bezirk".into(),
            key_column: "id".into(),
            period: Some("2021".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap_err();
    let Error::Import(report) = err else {
        panic!("expected an import report, got {err}")
    };
    let cells: Vec<(Option<usize>, Option<&str>, Option<&str>)> = report
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_deref(), p.value.as_deref()))
        .collect();
    assert_eq!(
        cells,
        [
            (Some(3), Some("quote"), Some("zwölf")),
            (Some(4), Some("ew"), Some("viele"))
        ]
    );
    assert_eq!(value_dump(&atlas), before);
}

#[test]
fn create_missing_keeps_every_row_when_one_count_column_sums_by_chance() {
    // MSS 2021 (new LOR): 537 Planungsräume, inhabitants the only count column. Some areas'
    // inhabitants equal the sum of a run of earlier rows; they are areas, not totals.
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    atlas.create_level("Planungsraum 2021", None).unwrap();
    let s = import_values(
        &mut atlas,
        &ValuesImport {
            file: realdata().join("berlin/mss/berlin-lor-monitoring-social-urban-development-2021-00-2-1.csv"),
            level: "Planungsraum 2021".into(),
            key_column: "id".into(),
            name_column: Some("name".into()),
            period: Some("2021".into()),
            unmatched: quartier_core::import::values::UnmatchedPolicy::CreateMissing,
            confirm_create: true,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert!(s.total_rows.is_empty(), "{:?}", s.total_rows);
    assert_eq!((s.rows_read, s.rows_imported, s.areas_created.len()), (536, 536, 536));
}

#[test]
fn new_indicators_show_values_as_written_and_the_reference_row_says_when_there_is_no_rule() {
    let (dir, mut atlas) = berlin_bezirke();
    let file = dir.path().join("werte.csv");
    // Counts and a share with two decimals; one count missing in the last row.
    std::fs::write(
        &file,
        "id;einwohner;anteil;kinder\n01;385000;12,5;41200\n02;290000;9,75;30100\n03;410000;11;\n",
    )
    .unwrap();
    import_values(
        &mut atlas,
        &ValuesImport {
            file,
            level: "Bezirk".into(),
            key_column: "id".into(),
            period: Some("2020".into()),
            unmatched: quartier_core::import::values::UnmatchedPolicy::Skip,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let decimals = |key: &str| atlas.indicator(key).unwrap().decimals;
    assert_eq!(
        (decimals("einwohner"), decimals("anteil"), decimals("kinder")),
        (0, 2, 0)
    );
    let table = quartier_core::export::value_table(&atlas, "Bezirk", "2020", None).unwrap();
    let cell = |key: &str, column: usize| {
        let row = table.rows.iter().find(|r| r.key == key).unwrap();
        row.cells[column].display_de(table.columns[column].decimals())
    };
    assert_eq!(cell("01", 0), "385.000", "a count without decimals");
    assert_eq!(cell("02", 1), "9,75", "not rounded to one decimal");
    // No rule yet: "keine Regel", not "k. A." and never "–".
    let reference = &table.columns[0].reference;
    assert_eq!(reference.status, quartier_core::reference::ReferenceStatus::NoRule);
    assert_eq!(reference.display_de(0), "keine Regel");
    // With a rule: the sum over the twelve Bezirke is "k. A." while nine have no value.
    for key in ["einwohner", "kinder"] {
        atlas
            .update_indicator(
                key,
                &quartier_core::store::IndicatorUpdate {
                    aggregation: Some(quartier_core::model::AggregationRule::Sum),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    let table = quartier_core::export::value_table(&atlas, "Bezirk", "2020", None).unwrap();
    let reference = &table.columns[0].reference;
    assert_eq!(
        reference.status,
        quartier_core::reference::ReferenceStatus::NotComputable
    );
    assert_eq!(reference.display_de(0), "k. A.");
    // On a level of just these three areas the sum is the hand sum, in German notation.
    atlas.create_level("Drei", None).unwrap();
    let three = dir.path().join("drei.csv");
    std::fs::write(&three, "id;einwohner\n01;385000\n02;290000\n03;410000\n").unwrap();
    import_values(
        &mut atlas,
        &ValuesImport {
            file: three,
            level: "Drei".into(),
            key_column: "id".into(),
            period: Some("2020".into()),
            unmatched: quartier_core::import::values::UnmatchedPolicy::CreateMissing,
            confirm_create: true,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let table = quartier_core::export::value_table(&atlas, "Drei", "2020", Some(&["einwohner".into()])).unwrap();
    let reference = &table.columns[0].reference;
    assert_eq!(reference.value, Some(385_000.0 + 290_000.0 + 410_000.0));
    assert_eq!(reference.display_de(table.columns[0].decimals()), "1.085.000");
}

/// Defect: with `--columns` naming one count column (or a count and a share) the total row
/// was not recognised and the import aborted with "Gebiet doppelt"; with two count columns
/// it worked. The evidence is every numeric column of the file, whatever is imported.
#[test]
fn total_row_detection_does_not_depend_on_the_chosen_columns() {
    let (dir, mut atlas) = berlin_bezirke();
    let csv = dir.path().join("bezirke.csv");
    // "Pankow" at the end is the total of the three rows above (a coarser area that shares
    // its name with one of them, as Hamburg's Bezirk rows do).
    std::fs::write(
        &csv,
        "Name;Einwohner;Kinder;Anteil Kinder\n\
         Mitte;100;10;10,0\n\
         Friedrichshain-Kreuzberg;200;30;15,0\n\
         Pankow;250;35;14,0\n\
         Pankow;550;75;13,6\n",
    )
    .unwrap();
    for columns in [
        vec![],
        vec!["Einwohner"],
        vec!["Einwohner", "Anteil Kinder"],
        vec!["Anteil Kinder"],
    ] {
        let s = import_values(
            &mut atlas,
            &ValuesImport {
                file: csv.clone(),
                level: "Bezirk".into(),
                key_column: "Name".into(),
                period: Some("2020".into()),
                match_by: quartier_core::import::values::MatchBy::Name,
                columns: columns.iter().map(|c| c.to_string()).collect(),
                ..Default::default()
            },
            &NoProgress,
        )
        .unwrap_or_else(|e| panic!("--columns {columns:?}: {e}"));
        let totals: Vec<usize> = s.total_rows.iter().map(|r| r.line).collect();
        assert_eq!(totals, [5], "--columns {columns:?}");
        assert_eq!(s.rows_imported, 3, "--columns {columns:?}");
    }
    let pankow = stored(&atlas, "Einwohner", "Bezirk", "2020", "03").unwrap();
    assert_eq!(pankow.number(), Some(250.0), "the area's row, not the total");
}

/// The same guard from the other side: a sum in one count column with the second count
/// column empty in that row is no evidence (an empty cell was taken as agreement).
#[test]
fn an_empty_second_count_column_is_no_evidence_of_a_total() {
    let (dir, mut atlas) = berlin_bezirke();
    let csv = dir.path().join("bezirke.csv");
    std::fs::write(
        &csv,
        "Name;Einwohner;Kinder\n\
         Mitte;100;10\n\
         Friedrichshain-Kreuzberg;200;30\n\
         Pankow;250;35\n\
         Pankow;550;\n",
    )
    .unwrap();
    let e = import_values(
        &mut atlas,
        &ValuesImport {
            file: csv,
            level: "Bezirk".into(),
            key_column: "Name".into(),
            period: Some("2020".into()),
            match_by: quartier_core::import::values::MatchBy::Name,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("Zeile 5") && e.contains("Gebiet doppelt"), "{e}");
}

fn hamburg_stadtteile() -> (tempfile::TempDir, quartier_core::Atlas) {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Hamburg");
    import_level(
        &mut atlas,
        "Stadtteil",
        realdata().join("hamburg/hamburg-district-regions.geojson"),
        None,
    );
    (dir, atlas)
}

fn hamburg_profile() -> std::path::PathBuf {
    realdata().join("hamburg/Daten_fuer_die_Stadtteilprofile_2014.csv")
}

/// Defect: `--key-column Bevölkerung --skip-unmatched` imported 0 values from 0 of 107 rows
/// with exit code 0 and created 68 empty indicators.
#[test]
fn an_import_in_which_no_row_matches_is_an_error_and_creates_no_indicator() {
    let (_dir, mut atlas) = hamburg_stadtteile();
    let before = (value_dump(&atlas), atlas.indicators().unwrap().len());
    let e = import_values(
        &mut atlas,
        &ValuesImport {
            file: hamburg_profile(),
            level: "Stadtteil".into(),
            key_column: "Bevölkerung".into(),
            period: Some("2014".into()),
            unmatched: quartier_core::import::values::UnmatchedPolicy::Skip,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("keine Zeile passt") && e.contains("0 von 107 Zeilen") && e.contains("„Bevölkerung“"),
        "{e}"
    );
    assert!(e.contains("„0101“"), "the level's keys as examples: {e}");
    assert_eq!((value_dump(&atlas), atlas.indicators().unwrap().len()), before);
    assert_eq!(before.1, 0);
}

/// Defect: an unmatched name told the user to use `--create-missing`; following the hint
/// with a name-keyed table created 96 nameless areas without geometry. Now the hint names
/// `--match-by name`, creating from names is refused, and creating more than a handful of
/// areas needs `--yes`.
#[test]
fn hints_for_unmatched_rows_do_not_lead_to_damage() {
    let (dir, mut atlas) = hamburg_stadtteile();
    let by_key = ValuesImport {
        file: hamburg_profile(),
        level: "Stadtteil".into(),
        key_column: "Stadtgebiet".into(),
        period: Some("2014".into()),
        ..Default::default()
    };
    let e = import_values(&mut atlas, &by_key, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("--match-by name"), "{e}");
    assert!(
        !e.contains("--create-missing"),
        "no hint that creates areas from names: {e}"
    );
    // The merged rows' hint names what helps.
    let by_name = ValuesImport {
        match_by: quartier_core::import::values::MatchBy::Name,
        ..by_key.clone()
    };
    let e = import_values(&mut atlas, &by_name, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Moorburg und Altenwerder") && e.contains("--merge-rows") && e.contains("anlegen hilft nicht"),
        "{e}"
    );
    // Creating areas from names is refused outright.
    let e = import_values(
        &mut atlas,
        &ValuesImport {
            unmatched: quartier_core::import::values::UnmatchedPolicy::CreateMissing,
            confirm_create: true,
            ..by_name
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("nur über Schlüssel"), "{e}");
    // By key, many new keys: listed, nothing created without confirmation.
    let csv = dir.path().join("neu.csv");
    let mut text = String::from("id;name;ew\n");
    for n in 0..8 {
        text.push_str(&format!("99{n:02};Neu {n};{}\n", 100 + n));
    }
    std::fs::write(&csv, text).unwrap();
    let create = ValuesImport {
        file: csv,
        level: "Stadtteil".into(),
        key_column: "id".into(),
        name_column: Some("name".into()),
        period: Some("2014".into()),
        unmatched: quartier_core::import::values::UnmatchedPolicy::CreateMissing,
        ..Default::default()
    };
    let e = import_values(&mut atlas, &create, &NoProgress).unwrap_err().to_string();
    assert!(
        e.contains("8 Gebiete ohne Geometrie") && e.contains("Zeile 2: 9900 Neu 0") && e.contains("--yes"),
        "{e}"
    );
    assert_eq!(atlas.areas(atlas.level("Stadtteil").unwrap().id).unwrap().len(), 104);
    let s = import_values(
        &mut atlas,
        &ValuesImport {
            confirm_create: true,
            ..create
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(s.areas_created.len(), 8);
}

/// Re-importing says what changed (new, unchanged, changed, the largest changes, also in the
/// audit log), and a period far from the atlas's periods is warned about.
#[test]
fn a_reimport_reports_its_changes_and_a_far_period_is_warned() {
    let (dir, mut atlas) = berlin_bezirke();
    let csv = dir.path().join("ew.csv");
    let import = |atlas: &mut quartier_core::Atlas, text: &str, period: &str| {
        std::fs::write(&csv, text).unwrap();
        import_values(
            atlas,
            &ValuesImport {
                file: csv.clone(),
                level: "Bezirk".into(),
                key_column: "id".into(),
                period: Some(period.into()),
                ..Default::default()
            },
            &NoProgress,
        )
        .unwrap()
    };
    for year in 2013..=2020 {
        import(&mut atlas, "id;ew\n01;100\n02;200\n", &year.to_string());
    }
    let s = import(&mut atlas, "id;ew\n01;100\n02;260\n03;5\n04;.\n", "2020");
    assert_eq!((s.changes.new, s.changes.unchanged, s.changes.changed), (2, 1, 1));
    let largest: Vec<(&str, &str, &str, Option<f64>)> = s
        .changes
        .largest
        .iter()
        .map(|c| (c.area.as_str(), c.before.as_str(), c.after.as_str(), c.difference))
        .collect();
    assert_eq!(largest, [("02", "200", "260", Some(60.0))]);
    let s = import(&mut atlas, "id;ew\n01;k. A.\n02;250\n", "2020");
    let largest: Vec<(&str, &str, &str)> = s
        .changes
        .largest
        .iter()
        .map(|c| (c.area.as_str(), c.before.as_str(), c.after.as_str()))
        .collect();
    assert_eq!(largest, [("02", "260", "250"), ("01", "100", "k. A.")], "numbers first");
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let log = atlas.audit_log().unwrap()[0].2.clone();
    assert!(log.contains("0 neu, 0 unverändert, 2 geändert"), "{log}");
    let s = import(&mut atlas, "id;ew\n01;100\n", "2041");
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(
        s.warnings[0].contains("„2041“") && s.warnings[0].contains("2013–2020"),
        "{}",
        s.warnings[0]
    );
}

/// Defect: in XLSX, date cells became serial numbers ("43830") and a long form's period
/// column got that as its label; a value right of the last heading was cut off silently
/// (the CSV reports it). Dates become periods, extra cells are reported with row and column.
#[test]
fn excel_dates_become_periods_and_cells_beyond_the_header_are_reported() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let (dir, mut atlas) = berlin_bezirke();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let write = |path: &std::path::Path, extra: bool| {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["Gebiet", "Merkmal", "Stichtag", "Wert"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        for (r, (key, day, value)) in [("01", 31, 384_172.0), ("02", 31, 290_386.0), ("01", 30, 385_000.0)]
            .iter()
            .enumerate()
        {
            let row = r as u32 + 1;
            sheet.write_string(row, 0, *key).unwrap();
            sheet.write_string(row, 1, "ew").unwrap();
            let month = if *day == 31 { 12 } else { 6 };
            let when = ExcelDateTime::from_ymd(2019, month, *day).unwrap();
            sheet.write_datetime_with_format(row, 2, &when, &date).unwrap();
            sheet.write_number(row, 3, *value).unwrap();
        }
        if extra {
            sheet.write_string(2, 5, "Fußnote 1").unwrap();
        }
        book.save(path).unwrap();
    };
    let long = ValuesImport {
        level: "Bezirk".into(),
        key_column: "Gebiet".into(),
        long: Some(LongForm {
            indicator_column: "Merkmal".into(),
            period_column: "Stichtag".into(),
            value_column: "Wert".into(),
        }),
        ..Default::default()
    };
    let good = dir.path().join("lang.xlsx");
    write(&good, false);
    let s = import_values(
        &mut atlas,
        &ValuesImport {
            file: good,
            ..long.clone()
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(s.periods, ["31.12.2019", "30.06.2019"]);
    let v = stored(&atlas, "ew", "Bezirk", "31.12.2019", "01").unwrap();
    assert_eq!(v.number(), Some(384_172.0));

    let before = value_dump(&atlas);
    let bad = dir.path().join("fussnote.xlsx");
    write(&bad, true);
    let e = import_values(&mut atlas, &ValuesImport { file: bad, ..long }, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Zeile 3") && e.contains("Spalte F") && e.contains("Fußnote 1") && e.contains("„Wert“, Spalte D"),
        "{e}"
    );
    assert_eq!(value_dump(&atlas), before, "nothing written");
}

/// Defect: `import geometry --level Ortsteile` where *Ortsteil* exists created a second level
/// with the same 181 areas. A name that differs only by spelling or plural, or a level with
/// exactly the areas of an existing one, needs `--new-level`.
#[test]
fn a_second_level_by_typo_needs_confirmation() {
    use quartier_core::import::geometry::{import_geometry, GeometryImport};
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Hamburg");
    let quarters = realdata().join("hamburg/hamburg-quarters.geojson");
    import_level(&mut atlas, "Ortsteil", quarters.clone(), None);
    let import = |atlas: &mut quartier_core::Atlas, level: &str, new_level: bool| {
        import_geometry(
            atlas,
            &GeometryImport {
                level: level.into(),
                file: quarters.clone(),
                key_column: "id".into(),
                name_column: Some("name".into()),
                new_level,
                ..Default::default()
            },
            &NoProgress,
        )
    };
    let e = import(&mut atlas, "Ortsteile", false).unwrap_err().to_string();
    assert!(
        e.contains("„Ortsteil“") && e.contains("Mehrzahl") && e.contains("--new-level"),
        "{e}"
    );
    let e = import(&mut atlas, "Quartiere", false).unwrap_err().to_string();
    assert!(e.contains("„Ortsteil“") && e.contains("alle 181 Flächen"), "{e}");
    assert_eq!(atlas.levels().unwrap().len(), 1, "nothing created");
    // The same spelling imports into the existing level; confirmed, a second level is made.
    let s = import(&mut atlas, "ortsteil", false).unwrap();
    assert!(!s.level_created);
    let s = import(&mut atlas, "Quartiere", true).unwrap();
    assert!(s.level_created);
    assert_eq!(atlas.levels().unwrap().len(), 2);
    // A different level (other areas, other name) needs nothing.
    let s = import_geometry(
        &mut atlas,
        &GeometryImport {
            level: "Bezirk".into(),
            file: realdata().join("hamburg/hamburg-districts.geojson"),
            key_column: "id".into(),
            name_column: Some("name".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert!(s.level_created);
}

/// Long headings get short, unique keys (shown in the report); the heading is the display
/// name, by which the indicator is found too; a re-import finds the same keys.
#[test]
fn long_headings_get_short_keys_and_stay_the_names() {
    let (_dir, mut atlas) = hamburg_stadtteile();
    let heading = "Anteil der Leistungs-empfänger/-innen nach SGB II in % (Dez 2013)";
    let import = ValuesImport {
        file: hamburg_profile(),
        level: "Stadtteil".into(),
        key_column: "Stadtgebiet".into(),
        period: Some("2014".into()),
        match_by: quartier_core::import::values::MatchBy::Name,
        unmatched: quartier_core::import::values::UnmatchedPolicy::Skip,
        ..Default::default()
    };
    let s = import_values(&mut atlas, &import, &NoProgress).unwrap();
    let made = s.keys_from_headings.iter().find(|k| k.heading == heading).unwrap();
    assert_eq!(made.key, "anteil_leistungs_empfaenger");
    assert!(s.keys_from_headings.iter().all(|k| k.key.len() <= 32));
    let keys: std::collections::BTreeSet<&str> = s.indicators.iter().map(String::as_str).collect();
    assert_eq!(keys.len(), s.indicators.len(), "unique");
    let meta = atlas.indicator(heading).unwrap();
    assert_eq!(
        (meta.key.as_str(), meta.name.as_str()),
        ("anteil_leistungs_empfaenger", heading)
    );
    assert_eq!(
        atlas.indicator("Bevölkerung").unwrap().key,
        "Bevölkerung",
        "a one-word heading stays the key"
    );
    let again = import_values(&mut atlas, &import, &NoProgress).unwrap();
    assert!(again.indicators_created.is_empty() && again.keys_from_headings.is_empty());
    assert_eq!(again.indicators, s.indicators);
    assert_eq!(again.changes.changed, 0);
}

/// An official reference that differs from the one computed from the areas keeps the
/// computed one beside it (a quality signal), and `info` says the level has an official one.
#[test]
fn an_official_reference_that_differs_keeps_the_computed_one_beside_it() {
    use quartier_core::reference::{reference_value, ReferenceStatus};
    let (dir, mut atlas) = berlin_bezirke();
    let csv = dir.path().join("ew.csv");
    let mut text = String::from("id;ew\n");
    for n in 1..=12 {
        text.push_str(&format!("{n:02};{}\n", 100 * n));
    }
    text.push_str("Berlin;7900\n"); // 7.800 from the Bezirke, 7.900 published
    std::fs::write(&csv, text).unwrap();
    import_values(
        &mut atlas,
        &ValuesImport {
            file: csv,
            level: "Bezirk".into(),
            key_column: "id".into(),
            period: Some("2020".into()),
            reference_row: Some("Berlin".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    declare_counts(&mut atlas, &["ew"]);
    let level = atlas.level("Bezirk").unwrap();
    let period = atlas.period("2020").unwrap();
    let r = reference_value(&atlas, &atlas.indicator("ew").unwrap(), level.id, period.id).unwrap();
    assert_eq!(
        (r.status, r.value, r.computed),
        (ReferenceStatus::Official, Some(7900.0), Some(7800.0))
    );
    let info = quartier_core::info::atlas_info(&atlas).unwrap();
    let coverage = &info.indicators.iter().find(|i| i.key == "ew").unwrap().coverage[0];
    assert!(coverage.reference.as_ref().is_some_and(|r| r.official));
}

/// Issue 14's crash: a legal XLSX with one cell at XFD1048576 made the spreadsheet reader
/// allocate 512 GiB and abort; a `uniqueCount="4294967295"` in the shared strings asked for
/// 103 GB. Both are refused before the reader opens the file, with the limit stated.
#[test]
fn a_sheet_reaching_xfd1048576_or_a_forged_string_count_is_refused_not_a_crash() {
    use rust_xlsxwriter::Workbook;
    let (dir, mut atlas) = berlin_bezirke();
    let far = dir.path().join("weit.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "id").unwrap();
    sheet.write_string(0, 1, "ew").unwrap();
    sheet.write_string(1, 0, "01").unwrap();
    sheet.write_number(1, 1, 5.0).unwrap();
    sheet.write_number(1_048_575, 16_383, 1.0).unwrap();
    book.save(&far).unwrap();
    let started = std::time::Instant::now();
    let e = import_values(
        &mut atlas,
        &ValuesImport {
            file: far,
            level: "Bezirk".into(),
            key_column: "id".into(),
            period: Some("2020".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("XFD1048576") && e.contains("20.000.000 Zellen"), "{e}");
    assert!(started.elapsed().as_secs() < 10);

    // A workbook whose shared-strings table announces 4.294.967.295 entries.
    let good = small_workbook(dir.path(), "gut.xlsx");
    let forged = dir.path().join("gefaelscht.xlsx");
    rewrite_zip_entry(&good, &forged, "xl/sharedStrings.xml", |text| {
        let count = text.split("uniqueCount=\"").nth(1).unwrap().split('"').next().unwrap();
        text.replace(&format!("uniqueCount=\"{count}\""), "uniqueCount=\"4294967295\"")
    });
    let e = quartier_core::table::read_table(&forged, None).unwrap_err().to_string();
    assert!(e.contains("4294967295 Einträge") && e.contains("beschädigt"), "{e}");
    // The untouched file reads.
    assert_eq!(quartier_core::table::read_table(&good, None).unwrap().rows.len(), 1);
}
