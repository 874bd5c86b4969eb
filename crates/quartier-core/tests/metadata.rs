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

/// The checks of a metadata sheet, all problems at once by row: a numerator that names no
/// indicator, a share aggregated by sum (how Altona's share of foreigners became 183,90 %),
/// a ratio of sums without numerator and denominator, a weight that is no indicator; and the
/// warnings: a new key close to an existing one, unknown columns (named, ignored).
#[test]
fn a_metadata_sheet_is_checked_against_itself_and_the_atlas() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Hamburg");
    let base = dir.path().join("basis.csv");
    std::fs::write(
        &base,
        "Schlüssel;Name;Art;Aggregation\neinwohner;Einwohner;Anzahl;Summe\nauslaender;Ausländer;Anzahl;Summe\n",
    )
    .unwrap();
    import_metadata(
        &mut atlas,
        &MetadataImport {
            file: base,
            sheet: None,
        },
    )
    .unwrap();
    let before = atlas.indicators().unwrap();

    let sheet = dir.path().join("blatt.csv");
    std::fs::write(
        &sheet,
        "Schlüssel;Name;Art;Zähler;Nenner;Aggregation;Bemerkung\n\
         anteil_ausl;Ausländeranteil;Anteil;auslaender;einwohnr;Quotient der Summen;\n\
         anteil_falsch;Ausländeranteil (summiert);Anteil;auslaender;einwohner;Summe;\n\
         quote_ohne;Quote;Anteil;;;Quotient der Summen;\n\
         mittel;Mittel;Verhältnis;;;gewichtetes Mittel:bewohner;\n",
    )
    .unwrap();
    let Error::Import(report) = import_metadata(
        &mut atlas,
        &MetadataImport {
            file: sheet,
            sheet: None,
        },
    )
    .unwrap_err() else {
        panic!("expected a report")
    };
    let found: Vec<(Option<usize>, String)> = report.problems.iter().map(|p| (p.row, p.reason.clone())).collect();
    assert_eq!(found.len(), 4, "{report}");
    assert_eq!(found[0].0, Some(2));
    assert!(
        found[0].1.contains("Nenner „einwohnr“ ist kein Indikator") && found[0].1.contains("„einwohner“"),
        "{}",
        found[0].1
    );
    assert_eq!(found[1].0, Some(3));
    assert!(found[1].1.contains("nicht summiert"), "{}", found[1].1);
    assert_eq!(found[2].0, Some(4));
    assert!(found[2].1.contains("braucht Zähler und Nenner"), "{}", found[2].1);
    assert_eq!(found[3].0, Some(5));
    assert!(
        found[3].1.contains("Gewicht „bewohner“ ist kein Indikator"),
        "{}",
        found[3].1
    );
    assert_eq!(atlas.indicators().unwrap(), before, "nothing written");

    let good = dir.path().join("gut.csv");
    std::fs::write(
        &good,
        "Schlüssel;Name;Art;Zähler;Nenner;Aggregation;Bemerkung\n\
         anteil_ausl;Ausländeranteil;Anteil;auslaender;einwohner;Quotient der Summen;geprüft\n\
         einwohnr;Einwohner (Tippfehler);Anzahl;;;Summe;\n",
    )
    .unwrap();
    let s = import_metadata(
        &mut atlas,
        &MetadataImport {
            file: good,
            sheet: None,
        },
    )
    .unwrap();
    assert_eq!(s.ignored_columns, ["Bemerkung"]);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("„einwohnr“ legt einen neuen") && w.contains("Meinten Sie „einwohner“")),
        "{:?}",
        s.warnings
    );
    assert!(s.warnings.iter().any(|w| w.contains("„Bemerkung“")), "{:?}", s.warnings);
}

/// Every place that takes an indicator takes its key or its display name, in any case; an
/// unknown one gets the three closest keys, not a list of all.
#[test]
fn indicators_are_found_by_key_or_name_and_unknown_ones_get_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    import_metadata(
        &mut atlas,
        &MetadataImport {
            file: sample_data().join("indikatoren.csv"),
            sheet: None,
        },
    )
    .unwrap();
    let s1 = atlas.indicator("s1").unwrap();
    assert_eq!(atlas.indicator("S1").unwrap(), s1);
    assert_eq!(atlas.indicator(&s1.name).unwrap(), s1);
    assert_eq!(atlas.indicator(&s1.name.to_uppercase()).unwrap(), s1);
    let e = atlas.indicator("anteil_u7").unwrap_err().to_string();
    assert!(e.contains("Meinten Sie") && e.contains("„anteil_u6“"), "{e}");
    assert_eq!(
        e.matches('„').count(),
        4,
        "the name asked for and three suggestions: {e}"
    );
}
