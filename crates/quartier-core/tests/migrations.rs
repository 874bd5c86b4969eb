//! Files written by schema version 1 open after every later migration.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use quartier_core::store::schema::LATEST_VERSION;
use quartier_core::{info::atlas_info, Atlas, Error};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/atlas_v1.quartier");

/// Writes the committed v1 fixture (run once with `--ignored`; kept in git).
#[test]
#[ignore]
fn write_v1_fixture() {
    let path = Path::new(FIXTURE);
    let _ = std::fs::remove_file(path);
    drop(Atlas::create_at_version(path, "Musterstadt", Some("05366004"), 1).unwrap());
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "INSERT INTO spatial_level(id, name, sort_order) VALUES (1, 'Stadtteil', 0);
         INSERT INTO area(id, level_id, key, name) VALUES (1, 1, '001', 'Altstadt'), (2, 1, '002', 'Nord');
         INSERT INTO indicator(id, key, name, unit, kind, aggregation) VALUES (1, 'ew', 'Einwohner', 'Personen', 'count', 'sum');
         INSERT INTO period(id, label, date) VALUES (1, '2019', '2019-12-31');
         INSERT INTO value(indicator_id, period_id, area_id, value, status) VALUES (1, 1, 1, 1200, 0), (1, 1, 2, NULL, 3);
         INSERT INTO poi_category(id, name) VALUES (1, 'Kita');
         INSERT INTO poi(category_id, name, lon, lat) VALUES (1, 'Kita Sonnenschein', 6.9, 50.9);
         PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;",
    )
    .unwrap();
}

#[test]
fn a_version_1_file_opens_after_all_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("alt.quartier");
    std::fs::copy(FIXTURE, &copy).unwrap();
    let version: i64 = rusqlite::Connection::open(&copy)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1, "the fixture must stay at version 1");
    let atlas = Atlas::open(&copy).unwrap();
    assert_eq!(atlas.schema_version().unwrap(), LATEST_VERSION);
    let info = atlas_info(&atlas).unwrap();
    assert_eq!(info.name, "Musterstadt");
    assert_eq!(info.levels[0].areas, 2);
    let ew = info.indicators.iter().find(|i| i.key == "ew").unwrap();
    assert_eq!(ew.periods, ["2019"]);
    assert_eq!(
        (ew.coverage[0].values, ew.coverage[0].values_ok),
        (2, 1),
        "the migration fills the coverage summary"
    );
    assert_eq!(info.poi_categories[0].count, 1);
    assert!(
        atlas.address_points().unwrap().is_empty(),
        "version 3 adds the address table"
    );
    assert!(atlas
        .audit_log()
        .unwrap()
        .iter()
        .any(|(_, a, d)| a == "migration" && d.contains("1 → ")));
}

#[test]
fn a_newer_file_and_a_foreign_file_are_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("neu.quartier");
    std::fs::copy(FIXTURE, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let before = std::fs::read(&newer).unwrap();
    let err = Atlas::open(&newer).err().unwrap();
    assert!(matches!(err, Error::NewerSchema { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("neueren Quartier-Version"));
    assert_eq!(std::fs::read(&newer).unwrap(), before);

    let foreign = dir.path().join("fremd.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t(x);")
        .unwrap();
    assert!(matches!(Atlas::open(&foreign), Err(Error::NotAnAtlas { .. })));
    let text = dir.path().join("text.quartier");
    std::fs::write(&text, "kein Atlas").unwrap();
    assert!(matches!(Atlas::open(&text), Err(Error::NotAnAtlas { .. })));
}

#[test]
fn periods_within_the_year_are_dated_anew_by_the_migration_to_version_11() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v10.quartier");
    drop(Atlas::create_at_version(&path, "Musterstadt", None, 10).unwrap());
    // Version 10 dated every label at 31 December.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "INSERT INTO period(label, date) VALUES ('2019', '2019-12-31'), ('2020 Q2', '2020-12-31'),
             ('06/2021', '2021-12-31'), ('Frühjahr', NULL);",
        )
        .unwrap();
    let atlas = Atlas::open(&path).unwrap();
    assert_eq!(atlas.schema_version().unwrap(), LATEST_VERSION);
    let dated: Vec<(String, Option<String>)> = atlas
        .periods()
        .unwrap()
        .into_iter()
        .map(|p| (p.label, p.date))
        .collect();
    assert_eq!(
        dated,
        [
            ("2019".to_string(), Some("2019-12-31".to_string())),
            ("2020 Q2".to_string(), Some("2020-06-30".to_string())),
            ("06/2021".to_string(), Some("2021-06-30".to_string())),
            ("Frühjahr".to_string(), None),
        ]
    );
}
