//! Issue 14: inputs that were accepted although wrong (exit 0) are refused or warned about,
//! each with a German message that names the problem, and the atlas stays unchanged.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::{Atlas, Error, NoProgress};

fn geojson(dir: &Path, name: &str, rings: &[&[(f64, f64)]]) -> PathBuf {
    let features: Vec<String> = rings
        .iter()
        .enumerate()
        .map(|(i, ring)| {
            let coords: Vec<String> = ring.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
            format!(
                r#"{{"type":"Feature","properties":{{"id":"{}"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
                i + 1,
                coords.join(",")
            )
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")),
    )
    .unwrap();
    path
}

fn import(
    atlas: &mut Atlas,
    level: &str,
    file: PathBuf,
    parent: Option<&str>,
) -> quartier_core::Result<quartier_core::import::geometry::GeometryImportSummary> {
    import_geometry(
        atlas,
        &GeometryImport {
            level: level.into(),
            file,
            key_column: "id".into(),
            parent_level: parent.map(str::to_string),
            new_level: true,
            ..Default::default()
        },
        &NoProgress,
    )
}

fn problem(e: Error) -> String {
    match e {
        Error::Import(report) => report
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// A triangle across the antimeridian reported 510,064,390.8 km² (the rest of the sphere); a
/// polygon around the whole world reported 0.0 km².
#[test]
fn areas_across_the_antimeridian_or_around_the_world_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Welt");
    let triangle = geojson(
        dir.path(),
        "datumsgrenze.geojson",
        &[&[(179.0, 0.0), (-179.0, 1.0), (-179.0, -1.0), (179.0, 0.0)]],
    );
    let e = problem(import(&mut atlas, "Ebene", triangle, None).unwrap_err());
    assert!(e.contains("Datumsgrenze") && e.contains("358° Länge"), "{e}");
    let world = geojson(
        dir.path(),
        "welt.geojson",
        &[&[
            (-180.0, -90.0),
            (180.0, -90.0),
            (180.0, 90.0),
            (-180.0, 90.0),
            (-180.0, -90.0),
        ]],
    );
    let e = problem(import(&mut atlas, "Ebene", world, None).unwrap_err());
    assert!(e.contains("360° Länge"), "{e}");
    assert!(atlas.levels().unwrap().is_empty());
}

/// Areas outside Germany import (a planner may hold a twin town), with a warning that names them.
#[test]
fn areas_outside_germany_are_imported_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Partnerstadt");
    let file = geojson(
        dir.path(),
        "zwei.geojson",
        &[
            &[(13.40, 52.50), (13.41, 52.50), (13.41, 52.51), (13.40, 52.50)],
            &[(30.50, 50.45), (30.51, 50.45), (30.51, 50.46), (30.50, 50.45)],
        ],
    );
    let s = import(&mut atlas, "Ebene", file, None).unwrap();
    assert_eq!(s.areas_created, 2);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(
        s.warnings[0].starts_with("1 von 2 Flächen liegen außerhalb Deutschlands (2 bei 30,5"),
        "{}",
        s.warnings[0]
    );
}

/// `--level Bezirk --parent-level Planungsraum` after Planungsraum → Bezirk made a loop of
/// levels, and `suppress` then walked Bezirk → Planungsraum → Bezirksregion.
#[test]
fn a_level_cannot_become_its_own_ancestor() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    let geometry = sample_data().join("geometry");
    import(
        &mut atlas,
        "Bezirk",
        geometry.join("berlin-lor-districts.geojson"),
        None,
    )
    .unwrap();
    import(
        &mut atlas,
        "Bezirksregion",
        geometry.join("berlin-lor-district-regions-until-2020.geojson"),
        Some("Bezirk"),
    )
    .unwrap();
    import(
        &mut atlas,
        "Planungsraum",
        geometry.join("berlin-lor-planning-areas-until-2020.geojson"),
        Some("Bezirksregion"),
    )
    .unwrap();
    let before = atlas.levels().unwrap();
    let e = import(
        &mut atlas,
        "Bezirk",
        geometry.join("berlin-lor-districts.geojson"),
        Some("Planungsraum"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("Kreis von Ebenen (Bezirk → Planungsraum → Bezirksregion → Bezirk)"),
        "{e}"
    );
    let e = import(
        &mut atlas,
        "Bezirk",
        geometry.join("berlin-lor-districts.geojson"),
        Some("Bezirk"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("nicht ihre eigene übergeordnete Ebene"), "{e}");
    assert_eq!(atlas.levels().unwrap(), before);
}

/// Limits with the limit stated: a cell beyond Excel's 32,767 characters, a heading of 300
/// characters (the 1 MB heading of an unused POI column made a 2.87 GB atlas), and a
/// shapefile's `.prj` that unpacks beyond 64 KiB (zip entries were read whole into memory).
#[test]
fn oversized_cells_headings_and_zip_entries_are_refused_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let cell = dir.path().join("zelle.csv");
    std::fs::write(&cell, format!("id;name\n1;{}\n", "x".repeat(40_000))).unwrap();
    let e = problem(quartier_core::table::read_table(&cell, None).unwrap_err());
    assert!(e.contains("40.000 Zeichen; erlaubt sind 32.767"), "{e}");
    assert!(e.len() < 400, "the value is quoted shortly: {e}");

    let heading = dir.path().join("kopf.csv");
    std::fs::write(&heading, format!("name;lon;lat;{}\nKita;13,4;52,5;\n", "H".repeat(300))).unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    let e = problem(
        quartier_core::import::pois::import_pois(
            &mut atlas,
            &quartier_core::import::pois::PoiImport {
                file: heading,
                category: "Kita".into(),
                ..Default::default()
            },
            &NoProgress,
        )
        .unwrap_err(),
    );
    assert!(e.contains("300 Zeichen lang; erlaubt sind 256"), "{e}");
    assert!(atlas.poi_categories().unwrap().is_empty());

    let zip_path = dir.path().join("gross.zip");
    {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("gebiete.shp", options).unwrap();
        zip.write_all(&[0u8; 100]).unwrap();
        zip.start_file("gebiete.dbf", options).unwrap();
        zip.write_all(&[0u8; 100]).unwrap();
        zip.start_file("gebiete.prj", options).unwrap();
        zip.write_all(&vec![b' '; 100 << 10]).unwrap();
        zip.finish().unwrap();
    }
    let e = problem(import(&mut atlas, "Ebene", zip_path, None).unwrap_err());
    assert!(e.contains("gebiete.prj ist größer als 64 KiB"), "{e}");
}

/// An XLSX sheet padded with blanks until it unpacks beyond 512 MiB was read and parsed in
/// memory; it is refused while unpacking, before the spreadsheet reader sees it.
#[test]
fn an_xlsx_sheet_that_unpacks_beyond_the_limit_is_refused() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let good = small_workbook(dir.path(), "gut.xlsx");
    let padded = dir.path().join("aufgeblasen.xlsx");
    {
        let mut from = zip::ZipArchive::new(std::fs::File::open(&good).unwrap()).unwrap();
        let mut to = zip::ZipWriter::new(std::fs::File::create(&padded).unwrap());
        let options = zip::write::SimpleFileOptions::default().large_file(true);
        for i in 0..from.len() {
            let mut entry = from.by_index(i).unwrap();
            let name = entry.name().unwrap().to_string();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            to.start_file(name.clone(), options).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                let text = String::from_utf8(bytes).unwrap();
                let (head, tail) = text.split_at(text.find("<sheetData>").unwrap());
                to.write_all(head.as_bytes()).unwrap();
                let blanks = vec![b' '; 1 << 20];
                for _ in 0..520 {
                    to.write_all(&blanks).unwrap();
                }
                to.write_all(tail.as_bytes()).unwrap();
            } else {
                to.write_all(&bytes).unwrap();
            }
        }
        to.finish().unwrap();
    }
    assert!(std::fs::metadata(&padded).unwrap().len() < 4 << 20, "small on disk");
    let e = quartier_core::table::read_table(&padded, None).unwrap_err().to_string();
    assert!(
        e.contains("xl/worksheets/sheet1.xml") && e.contains("höchstens 512 MiB"),
        "{e}"
    );
    assert_eq!(quartier_core::table::read_table(&good, None).unwrap().rows.len(), 1);
}

/// A column that no POI fills is not stored with every POI (a 1 MB heading on an unused
/// column made the atlas grow by 2.87 GB); the filled ones are.
#[test]
fn empty_poi_attributes_are_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    let file = dir.path().join("kitas.csv");
    std::fs::write(
        &file,
        "name;lon;lat;Notiz;Träger\nKita A;13,40;52,50;;AWO\nKita B;13,41;52,51;;\n",
    )
    .unwrap();
    quartier_core::import::pois::import_pois(
        &mut atlas,
        &quartier_core::import::pois::PoiImport {
            file,
            category: "Kita".into(),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let pois = atlas.pois("Kita").unwrap();
    assert_eq!(pois.len(), 2);
    assert!(
        pois.iter().all(|p| p.attributes.get("Notiz").is_none()),
        "{:?}",
        pois[0].attributes
    );
    assert_eq!(pois[0].attributes["Träger"], "AWO");
    assert!(pois[1].attributes.get("Träger").is_none());
}

/// The small workbook with its sheet XML changed by `change`.
fn xlsx_with_sheet(dir: &Path, name: &str, change: impl Fn(&str) -> String) -> PathBuf {
    let good = small_workbook(dir, "vorlage.xlsx");
    let out = dir.join(name);
    rewrite_zip_entry(&good, &out, "xl/worksheets/sheet1.xml", change);
    out
}

/// Cell references beyond the sheet's limits made the spreadsheet reader allocate without
/// bound (A99999999999, XFD1048577) or overflow (a reference with 22 digits, found by the
/// fuzz test: "attempt to multiply with overflow" inside the reader). Each is refused.
#[test]
fn cell_references_beyond_the_sheet_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (n, reference) in [
        "A99999999999",
        "XFD1048577",
        "E8999999999999999999999",
        "XFDA1",
        "999999999999999999999I5",
    ]
    .iter()
    .enumerate()
    {
        let file = xlsx_with_sheet(dir.path(), &format!("weit{n}.xlsx"), |xml| {
            xml.replace("r=\"B2\"", &format!("r=\"{reference}\""))
        });
        let e = quartier_core::table::read_table(&file, None).unwrap_err().to_string();
        assert!(
            e.contains(&format!("Zellbezug „{reference}“ liegt außerhalb")),
            "{reference}: {e}"
        );
    }
    // A row number beyond the sheet (a fuzz finding: the reader overflowed on it as well).
    let far_row = xlsx_with_sheet(dir.path(), "zeile.xlsx", |xml| {
        xml.replace("<row r=\"2\"", "<row r=\"10999999999999999999999\"")
    });
    let e = quartier_core::table::read_table(&far_row, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("„10999999999999999999999“ liegt außerhalb"), "{e}");
    let untouched = xlsx_with_sheet(dir.path(), "gut.xlsx", str::to_string);
    assert_eq!(
        quartier_core::table::read_table(&untouched, None).unwrap().rows.len(),
        1
    );
}

/// The same problem on hundreds of rows (here a header one field short, found by the fuzz
/// test: 447 rows made a 24 KB message) is shown five times and then counted.
#[test]
fn a_problem_on_every_row_is_shown_a_few_times_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("verschoben.csv");
    let mut text = String::from("id;ew\n");
    for n in 1..=300 {
        text.push_str(&format!("{n:02};{n};{n}\n"));
    }
    std::fs::write(&file, text).unwrap();
    let e = quartier_core::table::read_table(&file, None).unwrap_err();
    let Error::Import(report) = &e else { panic!("{e}") };
    assert_eq!(report.problems.len(), 300, "all of them in the report (and in --json)");
    let message = e.to_string();
    assert_eq!(message.lines().count(), 1 + 5 + 2, "{message}");
    assert!(
        message.contains("… und 295 weitere: 3 Felder, aber nur 2 Spaltenüberschriften"),
        "{message}"
    );
    assert!(message.contains("(alle 300 mit --json)"), "{message}");
}
