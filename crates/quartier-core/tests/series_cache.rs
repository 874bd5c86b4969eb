//! The one data path: series are read once and then kept in memory, and every way the file
//! can change (an edit, an import, a rolled-back dry run, a write by another connection) is
//! seen by the next read. Each test reads first, so that the cache is warm when the file
//! changes.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::*;
use quartier_core::import::values::{import_values, ValuesImport};
use quartier_core::model::ValueStatus;
use quartier_core::{Atlas, NoProgress, StoredValue};

fn ew(atlas: &Atlas, key: &str) -> Option<f64> {
    stored(atlas, "ew", "Planungsraum", "2020", key).and_then(|v| v.value)
}

fn set(atlas: &mut Atlas, value: f64) {
    atlas
        .set_value(
            "ew",
            "Planungsraum",
            "2020",
            "01011101",
            Some(StoredValue {
                value: Some(value),
                text: None,
                status: ValueStatus::Ok,
                note: None,
                flag: None,
            }),
        )
        .unwrap();
}

#[test]
fn a_series_is_read_once_and_shared() {
    let (_dir, atlas) = sample_atlas();
    let meta = atlas.indicator("ew").unwrap();
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2020").unwrap();
    let first = atlas.values(meta.id, level.id, period.id).unwrap();
    let second = atlas.values(meta.id, level.id, period.id).unwrap();
    assert!(Arc::ptr_eq(&first, &second), "the second read is answered from memory");
    assert_eq!(first.len(), 448);
    let areas = atlas.level_areas(level.id).unwrap();
    assert!(Arc::ptr_eq(&areas, &atlas.level_areas(level.id).unwrap()));
}

#[test]
fn an_edit_and_an_import_are_seen_by_the_next_read() {
    let (dir, mut atlas) = sample_atlas();
    assert_eq!(ew(&atlas, "01011101"), Some(3419.0));
    set(&mut atlas, 3500.0);
    assert_eq!(ew(&atlas, "01011101"), Some(3500.0));
    let csv = dir.path().join("ew.csv");
    std::fs::write(&csv, "id;ew\n01011101;3600\n").unwrap();
    import_values(
        &mut atlas,
        &ValuesImport {
            file: csv,
            level: "Planungsraum".into(),
            key_column: "id".into(),
            period: Some("2020".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(ew(&atlas, "01011101"), Some(3600.0));
}

#[test]
fn a_dry_run_leaves_nothing_stale() {
    let (_dir, mut atlas) = sample_atlas();
    assert_eq!(ew(&atlas, "01011101"), Some(3419.0));
    let seen_inside = atlas
        .trial(|a| {
            set(a, 1.0);
            Ok(ew(a, "01011101"))
        })
        .unwrap();
    assert_eq!(seen_inside, Some(1.0), "the dry run sees its own write");
    assert_eq!(
        ew(&atlas, "01011101"),
        Some(3419.0),
        "and after the rollback the old value"
    );
}

#[test]
fn a_write_by_another_connection_is_seen() {
    let (_dir, atlas) = sample_atlas();
    assert_eq!(ew(&atlas, "01011101"), Some(3419.0));
    let mut other = Atlas::open(atlas.path()).unwrap();
    set(&mut other, 4000.0);
    assert_eq!(ew(&atlas, "01011101"), Some(4000.0));
}
