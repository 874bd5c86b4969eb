//! The signs of official statistics (the *Zeichenerklärung* of the statistical offices): one
//! check per sign on import, the report that counts them, `--dash missing`, and the same
//! signs written back by the export.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use quartier_core::export::{export_values, ExportFormat};
use quartier_core::import::values::{import_values, ValuesImport};
use quartier_core::model::{ValueFlag, ValueStatus};
use quartier_core::numbers::DashMeaning;
use quartier_core::NoProgress;

/// Keys of the twelve Berlin Bezirke, one sign each; the expectation is the table of the
/// issue (and DESIGN § 3), written out by hand.
type Expected = (&'static str, &'static str, ValueStatus, Option<f64>, Option<ValueFlag>);
const CELLS: [Expected; 12] = [
    ("01", "–", ValueStatus::Ok, Some(0.0), Some(ValueFlag::Nothing)),
    ("02", "-", ValueStatus::Ok, Some(0.0), Some(ValueFlag::Nothing)),
    ("03", "0", ValueStatus::Ok, Some(0.0), None),
    ("04", ".", ValueStatus::Suppressed, None, None),
    ("05", "...", ValueStatus::Missing, None, None),
    ("06", "…", ValueStatus::Missing, None, None),
    ("07", "/", ValueStatus::Suppressed, None, None),
    ("08", "x", ValueStatus::NotApplicable, None, None),
    (
        "09",
        "(1.234)",
        ValueStatus::Ok,
        Some(1234.0),
        Some(ValueFlag::Uncertain),
    ),
    (
        "10",
        "12,5 p",
        ValueStatus::Ok,
        Some(12.5),
        Some(ValueFlag::Provisional),
    ),
    ("11", "7r", ValueStatus::Ok, Some(7.0), Some(ValueFlag::Revised)),
    (
        "12",
        "1.500 s",
        ValueStatus::Ok,
        Some(1500.0),
        Some(ValueFlag::Estimated),
    ),
];

fn import(
    dash: DashMeaning,
) -> (
    tempfile::TempDir,
    quartier_core::Atlas,
    quartier_core::import::values::ValuesImportSummary,
) {
    let (dir, mut atlas) = berlin_bezirke();
    let csv = dir.path().join("zeichen.csv");
    let mut text = String::from("id;wert\n");
    for (key, cell, ..) in CELLS {
        text.push_str(&format!("{key};{cell}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let summary = import_values(
        &mut atlas,
        &ValuesImport {
            file: csv,
            level: "Bezirk".into(),
            key_column: "id".into(),
            period: Some("2020".into()),
            dash,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    (dir, atlas, summary)
}

#[test]
fn every_sign_of_the_zeichenerklaerung_is_read_as_official_tables_mean_it() {
    let (_dir, atlas, summary) = import(DashMeaning::Zero);
    for (key, cell, status, value, flag) in CELLS {
        let v = stored(&atlas, "wert", "Bezirk", "2020", key).unwrap();
        assert_eq!((v.status, v.number(), v.flag), (status, value, flag), "„{cell}“");
        assert!(
            v.status != ValueStatus::Ok || v.value.is_some(),
            "„{cell}“: a number is there"
        );
    }
    // The report counts each sign it met.
    let signs: Vec<(&str, usize)> = summary.signs.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    assert_eq!(
        signs,
        [
            ("( )", 1),
            (".", 1),
            ("/", 1),
            ("p", 1),
            ("r", 1),
            ("s", 1),
            ("x", 1),
            ("–", 2),
            ("…", 2)
        ]
    );
}

#[test]
fn dash_missing_reads_a_dash_as_no_data_for_files_that_use_it_so() {
    let (_dir, atlas, summary) = import(DashMeaning::Missing);
    for key in ["01", "02"] {
        let v = stored(&atlas, "wert", "Bezirk", "2020", key).unwrap();
        assert_eq!((v.status, v.number()), (ValueStatus::Missing, None), "{key}");
    }
    assert_eq!(summary.signs.get("–"), Some(&2));
    assert_eq!(
        quartier_core::numbers::describe_sign("–", summary.dash),
        "als fehlend gelesen (--dash missing)"
    );
}

#[test]
fn the_export_writes_the_same_signs_back() {
    let (dir, atlas, _) = import(DashMeaning::Zero);
    let out = dir.path().join("export.csv");
    export_values(
        &atlas,
        "Bezirk",
        "2020",
        ExportFormat::Csv,
        Default::default(),
        &out,
        false,
    )
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let written: std::collections::BTreeMap<String, String> = text
        .lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            (f[0].to_string(), f[2].to_string())
        })
        .collect();
    let expected = [
        ("01", "–"),
        ("02", "–"),
        ("04", "k. A."),
        ("05", "…"),
        ("07", "k. A."),
        ("08", "x"),
        ("09", "(1234"),
        ("10", "12"),
    ];
    for (key, start) in expected {
        assert!(written[key].starts_with(start), "{key}: {}", written[key]);
    }
    assert!(written["10"].ends_with(" p"), "{}", written["10"]);
    assert!(written["11"].ends_with(" r"), "{}", written["11"]);
    assert!(
        written["12"].starts_with("1500") && written["12"].ends_with(" s"),
        "{}",
        written["12"]
    );
    assert!(written["09"].ends_with(')'), "{}", written["09"]);
    assert!(!text.contains("fehlt"), "no word where official tables have a sign");
}
