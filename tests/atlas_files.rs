//! The atlas file under stress: several writers at once, damaged, write-protected and
//! not-a-file paths, an old schema migrated with a copy kept. Each case through the binary,
//! as a planner (or a script of hers) meets it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fails, ok, quartier, repo, s};
use std::collections::BTreeMap;
use std::path::Path;

/// An atlas with Berlin's 448 Planungsräume (geometry from the shipped sample data).
fn planning_areas(dir: &Path) -> std::path::PathBuf {
    let atlas = dir.join("berlin.quartier");
    ok(&["new", s(&atlas), "--name", "Berlin"]);
    ok(&[
        "import",
        "geometry",
        s(&atlas),
        "--level",
        "Planungsraum",
        "--file",
        s(&repo().join("sample_data/geometry/berlin-lor-planning-areas-until-2020.geojson")),
        "--key-column",
        "id",
        "--name-column",
        "name",
    ]);
    atlas
}

#[test]
fn eight_imports_at_once_all_succeed_and_every_value_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = planning_areas(dir.path());
    // The 2020 age table of the Planungsräume, split into eight files of one column each
    // (the real values, so the check below compares against the source file).
    let source = std::fs::read_to_string(
        repo().join("sample_data/population/berlin-lor-population-2020-02-t2-planning-areas.csv"),
    )
    .unwrap();
    let mut lines = source.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let columns = [
        "inhabitants_age_below_6",
        "inhabitants_age_6_15",
        "inhabitants_age_15_18",
        "inhabitants_age_18_27",
        "inhabitants_age_27_45",
        "inhabitants_age_45_55",
        "inhabitants_age_55_65",
        "inhabitants_age_above_65",
    ];
    let mut expected: BTreeMap<&str, BTreeMap<String, f64>> = BTreeMap::new();
    let mut files = Vec::new();
    for column in columns {
        let at = header.iter().position(|h| *h == column).unwrap();
        let mut text = format!("id;{column}\n");
        for row in &rows {
            text.push_str(&format!("{};{}\n", row[0], row[at]));
            expected
                .entry(column)
                .or_default()
                .insert(row[0].to_string(), row[at].parse().unwrap());
        }
        let file = dir.path().join(format!("{column}.csv"));
        std::fs::write(&file, text).unwrap();
        files.push(file);
    }
    // All eight start together as separate processes; each must wait for the others'
    // write lock, not fail.
    let running: Vec<_> = files
        .iter()
        .map(|file| {
            std::process::Command::new(env!("CARGO_BIN_EXE_quartier"))
                .args([
                    "import",
                    "values",
                    s(&atlas),
                    "--file",
                    s(file),
                    "--level",
                    "Planungsraum",
                    "--key-column",
                    "id",
                    "--period",
                    "2020",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in running {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "an import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let atlas = quartier_core::Atlas::open(&atlas).unwrap();
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2020").unwrap();
    let areas = atlas.areas(level.id).unwrap();
    for column in columns {
        let meta = atlas.indicator(column).unwrap();
        let stored = atlas.values(meta.id, level.id, period.id).unwrap();
        assert_eq!(stored.len(), rows.len(), "{column}: every row arrived");
        for area in &areas {
            assert_eq!(
                stored[&area.id].value,
                Some(expected[column][&*area.key]),
                "{column} {}",
                area.key
            );
        }
    }
}

/// A fresh, empty atlas (closed again) and its path.
fn empty_atlas(dir: &Path, name: &str) -> std::path::PathBuf {
    let atlas = dir.join(name);
    ok(&["new", s(&atlas), "--name", "Test"]);
    atlas
}

#[test]
fn damaged_atlas_files_get_a_german_message_and_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();

    // The atlas's application id, but none of its tables.
    let no_tables = dir.path().join("ohne-tabellen.quartier");
    let conn = rusqlite::Connection::open(&no_tables).unwrap();
    conn.execute_batch("PRAGMA application_id = 1364350034; PRAGMA user_version = 4; CREATE TABLE x(a);")
        .unwrap();
    drop(conn);
    let err = fails(&["info", s(&no_tables)], 1);
    assert!(
        err.contains("beschädigt") && err.contains("Tabelle fehlt: atlas_meta"),
        "{err}"
    );

    // A current schema whose user_version was lowered: the migration cannot run, and the
    // file stays exactly as it was (no copy left beside it either).
    for lowered in [1, 2] {
        let atlas = empty_atlas(dir.path(), &format!("version-{lowered}.quartier"));
        let conn = rusqlite::Connection::open(&atlas).unwrap();
        conn.pragma_update(None, "user_version", lowered).unwrap();
        drop(conn);
        let before = std::fs::read(&atlas).unwrap();
        let err = fails(&["info", s(&atlas)], 1);
        assert!(
            err.contains("beschädigt") && err.contains(&format!("Schemaversion {lowered}")),
            "{err}"
        );
        assert!(!err.contains("SQL logic error"), "{err}");
        assert_eq!(std::fs::read(&atlas).unwrap(), before, "unchanged");
        let backup = quartier_core::store::migration_backup_path(&atlas, lowered);
        assert!(!backup.exists(), "no copy of a file that was not migrated");
    }

    // Pages overwritten in the middle of a real atlas.
    let atlas = planning_areas(dir.path());
    let mut bytes = std::fs::read(&atlas).unwrap();
    let page = 4096;
    let end = bytes.len() - page;
    for b in &mut bytes[2 * page..end] {
        *b = 0xA5;
    }
    std::fs::write(&atlas, bytes).unwrap();
    let err = fails(&["info", s(&atlas)], 1);
    assert!(err.contains("beschädigt"), "{err}");
    assert!(!err.contains("malformed"), "no English from SQLite: {err}");
}

#[test]
fn a_write_protected_atlas_opens_for_reading_and_refuses_writes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let atlas = planning_areas(dir.path());
    let values = dir.path().join("werte.csv");
    std::fs::write(&values, "id;ew\n01011101;3419\n").unwrap();
    let import = [
        "import",
        "values",
        s(&atlas),
        "--file",
        s(&values),
        "--level",
        "Planungsraum",
        "--key-column",
        "id",
        "--period",
        "2020",
        "--skip-unmatched",
    ];

    // The file write-protected.
    std::fs::set_permissions(&atlas, std::fs::Permissions::from_mode(0o444)).unwrap();
    let info = ok(&["info", s(&atlas)]);
    assert!(info.contains("Planungsraum"), "{info}");
    let err = fails(&import, 1);
    assert!(
        err.contains("schreibgeschützt") && err.contains("nichts geändert"),
        "{err}"
    );
    assert!(!err.contains("readonly"), "no English from SQLite: {err}");
    for suffix in ["-wal", "-shm"] {
        let stray = dir.path().join(format!("berlin.quartier{suffix}"));
        assert!(!stray.exists(), "no {suffix} file beside a write-protected atlas");
    }

    // The folder write-protected (the file itself writable): readable, not "no atlas".
    std::fs::set_permissions(&atlas, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let info = quartier(&["info", s(&atlas)]);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(info.status.success(), "{}", String::from_utf8_lossy(&info.stderr));
    assert!(!String::from_utf8_lossy(&info.stderr).contains("keine Quartier-Atlasdatei"));
}

#[test]
fn a_fifo_or_a_folder_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.quartier");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(["info", s(&fifo)])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("a FIFO as the atlas blocks");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
    let err = fails(&["info", s(dir.path())], 1);
    assert!(err.contains("keine Datei"), "{err}");
}

#[test]
fn an_old_atlas_is_migrated_with_a_copy_of_the_old_file_kept_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("alt.quartier");
    quartier_core::Atlas::create_at_version(&atlas, "Alt", None, 3).unwrap();
    ok(&["info", s(&atlas)]);
    let backup = quartier_core::store::migration_backup_path(&atlas, 3);
    assert_eq!(backup.file_name().unwrap(), "alt.schema3-sicherung.quartier");
    let version = |p: &Path| -> i64 {
        rusqlite::Connection::open(p)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&backup), 3, "the copy is the old file");
    assert_eq!(
        version(&atlas),
        quartier_core::store::schema::LATEST_VERSION,
        "the atlas is migrated"
    );
    // The copy opens (and would be migrated in turn) like any atlas.
    let copy = dir.path().join("kopie.quartier");
    std::fs::copy(&backup, &copy).unwrap();
    ok(&["info", s(&copy)]);
}

/// Features in a GeoJSON file, counted by hand (independent of the importer).
fn features(path: &Path) -> usize {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["features"].as_array().unwrap().len()
}

#[test]
fn deleting_and_renaming_say_what_goes_and_need_yes() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = planning_areas(dir.path());
    let a = s(&atlas);
    let population = |year: &str| {
        repo().join(format!(
            "sample_data/population/berlin-lor-population-{year}-02-t1-planning-areas.csv"
        ))
    };
    for year in ["2018", "2020"] {
        ok(&[
            "import",
            "values",
            a,
            "--file",
            s(&population(year)),
            "--level",
            "Planungsraum",
            "--key-column",
            "id",
            "--period",
            year,
            "--columns",
            "inhabitants=ew",
            "--skip-unmatched",
        ]);
    }
    let kitas = repo().join("sample_data/poi/kitas-2022-epsg25833.geojson");
    ok(&["import", "pois", a, "--file", s(&kitas), "--category", "Kita"]);
    // Rows of a table with a header line, counted by hand.
    let rows = |year: &str| {
        std::fs::read_to_string(population(year))
            .unwrap()
            .lines()
            .skip(1)
            .count()
    };
    let info = |a: &str| -> serde_json::Value { common::json(&["info", a]) };
    // Imported without metadata: counts without decimals, and no rule for a reference, so
    // the deviations are "x" (not meaningful), never "k. A." (secret) or "–" (zero).
    let ranked = ok(&[
        "rank",
        a,
        "--indicator",
        "ew",
        "--level",
        "Planungsraum",
        "--period",
        "2020",
    ]);
    assert!(ranked.contains("Gesamtstadt: keine Regel"), "{ranked}");
    assert!(ranked.contains("Index x") && !ranked.contains("k. A."), "{ranked}");
    assert!(!ranked.contains(",0 "), "a count shows without decimals: {ranked}");
    let before = info(a);

    // Without --yes: what would go, exit 1 with the hint, nothing changed.
    let out = quartier(&["delete", "indicator", a, "--indicator", "ew", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["deleted"], false);
    assert_eq!(plan["periods"], 2);
    assert_eq!(plan["values"], rows("2018") + rows("2020"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mit --yes wiederholen"));
    assert_eq!(info(a), before, "nothing changed without --yes");

    // One period only: the other stays.
    let gone = common::json(&[
        "delete",
        "indicator",
        a,
        "--indicator",
        "ew",
        "--period",
        "2018",
        "--level",
        "Planungsraum",
        "--yes",
    ]);
    assert_eq!(gone["deleted"], true);
    assert_eq!(gone["values"], rows("2018"));
    let text = ok(&["info", a]);
    assert!(
        text.contains("Planungsraum 2020: 448/448") && !text.contains("Planungsraum 2018"),
        "{text}"
    );

    // POIs: as many as the source file has features.
    let gone = common::json(&["delete", "pois", a, "--category", "Kita", "--yes"]);
    assert_eq!(gone["pois"], features(&kitas));
    assert_eq!(
        gone["summary"],
        format!("Einrichtungen „Kita“: {} Einrichtungen", {
            let n = features(&kitas);
            format!("{}.{:03}", n / 1000, n % 1000)
        })
    );

    // Rename, then a name that exists is refused.
    let renamed = common::json(&["rename", "level", a, "--level", "Planungsraum", "--to", "PLR"]);
    assert_eq!(renamed["renamed_to"], "PLR");
    let err = fails(&["rename", "level", a, "--level", "PLR", "--to", " "], 1);
    assert!(err.contains("darf nicht leer sein"), "{err}");

    // The level with its areas and values.
    let gone = common::json(&["delete", "level", a, "--level", "PLR", "--yes"]);
    let geometry = repo().join("sample_data/geometry/berlin-lor-planning-areas-until-2020.geojson");
    assert_eq!(gone["areas"], features(&geometry));
    assert_eq!(gone["values"], rows("2020"));
    let after = info(a);
    assert_eq!(after["levels"].as_array().unwrap().len(), 0, "{after}");
    // The audit log has a line for each.
    let conn = rusqlite::Connection::open(&atlas).unwrap();
    let actions: Vec<String> = conn
        .prepare("SELECT action FROM audit_log WHERE action LIKE 'delete%' OR action LIKE 'rename%' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        actions,
        ["delete_indicator", "delete_pois", "rename_level", "delete_level"]
    );
}
