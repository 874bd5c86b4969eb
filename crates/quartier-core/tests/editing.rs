//! Single edits the workbench makes and undoes: one value, and an indicator's metadata.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use quartier_core::model::ValueStatus;
use quartier_core::store::IndicatorUpdate;
use quartier_core::{Atlas, Error, StoredValue};

fn sample() -> (tempfile::TempDir, Atlas) {
    sample_atlas()
}

fn value_of(atlas: &Atlas, key: &str) -> Option<StoredValue> {
    stored(atlas, "ew", "Planungsraum", "2020", key)
}

#[test]
fn a_value_is_set_and_set_back_with_a_line_in_the_audit_log() {
    let (_dir, mut atlas) = sample();
    let original = value_of(&atlas, "01011101").unwrap();
    assert_eq!(original.value, Some(3419.0));
    let suppressed = StoredValue {
        value: None,
        text: None,
        status: ValueStatus::Suppressed,
        note: Some("von Hand".into()),
        flag: None,
    };
    let before = atlas
        .set_value("ew", "Planungsraum", "2020", "01011101", Some(suppressed.clone()))
        .unwrap();
    assert_eq!(before.as_ref(), Some(&original));
    assert_eq!(value_of(&atlas, "01011101"), Some(suppressed));
    let log = atlas.audit_log().unwrap();
    let last = log.first().unwrap();
    assert_eq!(last.1, "set_value");
    assert!(
        last.2.contains("01011101") && last.2.contains("3419 → k. A."),
        "{}",
        last.2
    );
    // Undo: the returned value goes back.
    atlas
        .set_value("ew", "Planungsraum", "2020", "01011101", before)
        .unwrap();
    assert_eq!(value_of(&atlas, "01011101"), Some(original));
    // Bad edits are refused with German messages.
    let e = atlas
        .set_value("ew", "Planungsraum", "2020", "99999999", None)
        .unwrap_err();
    assert!(
        matches!(e, Error::NotFound { .. }) && e.to_string().contains("99999999"),
        "{e}"
    );
    let no_number = StoredValue {
        value: None,
        text: None,
        status: ValueStatus::Ok,
        note: None,
        flag: None,
    };
    let e = atlas
        .set_value("ew", "Planungsraum", "2020", "01011101", Some(no_number))
        .unwrap_err();
    assert!(e.to_string().contains("braucht eine Zahl"), "{e}");
}

#[test]
fn metadata_changes_are_undone_by_the_full_update_of_before() {
    let (_dir, mut atlas) = sample();
    let original = atlas.indicator("anteil_u6").unwrap();
    let before = IndicatorUpdate::everything_of(&original);
    atlas
        .update_indicator(
            "anteil_u6",
            &IndicatorUpdate {
                name: Some("Kinder unter 6 (Anteil)".into()),
                decimals: Some(2),
                denominator: Some(String::new()),
                ..Default::default()
            },
        )
        .unwrap();
    let changed = atlas.indicator("anteil_u6").unwrap();
    assert_eq!(
        (changed.name.as_str(), changed.decimals, changed.denominator.as_deref()),
        ("Kinder unter 6 (Anteil)", 2, None)
    );
    atlas.update_indicator("anteil_u6", &before).unwrap();
    assert_eq!(atlas.indicator("anteil_u6").unwrap(), original);
}
