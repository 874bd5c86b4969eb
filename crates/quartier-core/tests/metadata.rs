//! Indicator metadata: from a metadata sheet, and editable later, each change logged.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use quartier_core::import::metadata::{import_metadata, MetadataImport};
use quartier_core::model::{AggregationRule, IndicatorKind, Polarity};
use quartier_core::store::IndicatorUpdate;
use quartier_core::Error;

#[test]
fn the_sample_sheet_sets_metadata_and_edits_stick() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    let s = import_metadata(
        &mut atlas,
        &MetadataImport {
            file: sample_data().join("indikatoren.csv"),
            sheet: None,
        },
    )
    .unwrap();
    assert_eq!(s.created.len(), 25);
    let s1 = atlas.indicator("s1").unwrap();
    assert_eq!((s1.unit.as_str(), s1.decimals, s1.kind), ("%", 2, IndicatorKind::Share));
    assert_eq!(s1.aggregation, AggregationRule::WeightedMean("ew_mss".into()));
    assert_eq!(s1.polarity, Polarity::HigherIsWorse);
    let u6 = atlas.indicator("anteil_u6").unwrap();
    assert_eq!(
        (u6.numerator.as_deref(), u6.denominator.as_deref()),
        (Some("ew_u6"), Some("ew"))
    );
    assert_eq!(u6.aggregation, AggregationRule::RatioOfSums);

    let edited = atlas
        .update_indicator(
            "s1",
            &IndicatorUpdate {
                name: Some("Arbeitslosenanteil".into()),
                decimals: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        (edited.name.as_str(), edited.decimals, edited.unit.as_str()),
        ("Arbeitslosenanteil", 1, "%")
    );
    assert!(atlas.audit_log().unwrap()[0].2.contains("„s1“"));
    assert!(matches!(
        atlas.update_indicator("s9", &IndicatorUpdate::default()),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn a_sheet_with_bad_entries_reports_them_all_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    let sheet = dir.path().join("meta.csv");
    std::fs::write(
        &sheet,
        "key;name;decimals;kind;polarity;Geheimhaltungsschwelle\na;A;zwei;Anteil;+;\nb;B;1;Prozentsatz;+;5\nc;C;1;Anzahl;oben;drei\n",
    )
    .unwrap();
    let Err(Error::Import(report)) = import_metadata(
        &mut atlas,
        &MetadataImport {
            file: sheet.clone(),
            sheet: None,
        },
    ) else {
        panic!("expected a report")
    };
    let where_: Vec<(Option<usize>, Option<&str>)> =
        report.problems.iter().map(|p| (p.row, p.column.as_deref())).collect();
    assert_eq!(
        where_,
        [
            (Some(2), Some("decimals")),
            (Some(3), Some("kind")),
            (Some(4), Some("polarity")),
            (Some(4), Some("Geheimhaltungsschwelle"))
        ]
    );
    assert!(atlas.indicators().unwrap().is_empty());

    // Corrected, the thresholds stick: a number, or empty for the atlas default.
    std::fs::write(
        &sheet,
        "key;name;kind;Geheimhaltungsschwelle\na;A;Anzahl;\nb;B;Anzahl;5\nc;C;Anzahl;0\n",
    )
    .unwrap();
    import_metadata(
        &mut atlas,
        &MetadataImport {
            file: sheet,
            sheet: None,
        },
    )
    .unwrap();
    let thresholds: Vec<Option<i64>> = ["a", "b", "c"]
        .iter()
        .map(|k| atlas.indicator(k).unwrap().suppression_threshold)
        .collect();
    assert_eq!(thresholds, [None, Some(5), Some(0)]);
}
