//! Zipped shapefiles as cadastre offices deliver them: a round trip in EPSG:25832 checked
//! against an independent inverse UTM, encodings, and every kind of broken delivery.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::*;
use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::{Atlas, Error, NoProgress};

const PRJ_UTM32: &str = r#"PROJCS["ETRS_1989_UTM_Zone_32N",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",9.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

/// Inverse transverse Mercator by Krüger's n-series (Karney 2011, to n³), written here
/// independently of proj4rs: UTM zone 32N on GRS80 → (lon, lat) in degrees.
fn utm32_to_lon_lat(e: f64, n: f64) -> (f64, f64) {
    let a = 6_378_137.0;
    let f: f64 = 1.0 / 298.257_222_101;
    let k0 = 0.9996;
    let nn = f / (2.0 - f);
    let big_a = a / (1.0 + nn) * (1.0 + nn * nn / 4.0 + nn.powi(4) / 64.0);
    let beta = [
        nn / 2.0 - 2.0 * nn * nn / 3.0 + 37.0 * nn.powi(3) / 96.0,
        nn * nn / 48.0 + nn.powi(3) / 15.0,
        17.0 * nn.powi(3) / 480.0,
    ];
    let delta = [
        2.0 * nn - 2.0 * nn * nn / 3.0 - 2.0 * nn.powi(3),
        7.0 * nn * nn / 3.0 - 8.0 * nn.powi(3) / 5.0,
        56.0 * nn.powi(3) / 15.0,
    ];
    let xi = n / (k0 * big_a);
    let eta = (e - 500_000.0) / (k0 * big_a);
    let (mut xi_p, mut eta_p) = (xi, eta);
    for (j, b) in beta.iter().enumerate() {
        let k = 2.0 * (j as f64 + 1.0);
        xi_p -= b * (k * xi).sin() * (k * eta).cosh();
        eta_p -= b * (k * xi).cos() * (k * eta).sinh();
    }
    let chi = (xi_p.sin() / eta_p.cosh()).asin();
    let mut phi = chi;
    for (j, d) in delta.iter().enumerate() {
        phi += d * (2.0 * (j as f64 + 1.0) * chi).sin();
    }
    let lambda = 9f64.to_radians() + (eta_p.sinh() / xi_p.cos()).atan();
    (lambda.to_degrees(), phi.to_degrees())
}

struct Feature {
    key: &'static str,
    name: &'static str,
    rings: Vec<Vec<(f64, f64)>>,
}

fn square(x: f64, y: f64, size: f64) -> Vec<(f64, f64)> {
    // Clockwise, as ESRI writes outer rings.
    vec![(x, y), (x, y + size), (x + size, y + size), (x + size, y), (x, y)]
}

/// Writes a shapefile into `dir` and zips the parts that are named in `parts`.
fn zipped_shapefile(dir: &Path, features: &[Feature], parts: &[&str], prj: Option<&str>, cpg: Option<&str>) -> PathBuf {
    let stem = dir.join("gebiete");
    {
        let shp = std::fs::File::create(stem.with_extension("shp")).unwrap();
        let shx = std::fs::File::create(stem.with_extension("shx")).unwrap();
        let dbf = std::fs::File::create(stem.with_extension("dbf")).unwrap();
        let shape_writer = shapefile::ShapeWriter::with_shx(shp, shx);
        let table =
            dbase::TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(encoding_rs::WINDOWS_1252))
                .add_character_field(dbase::FieldName::try_from("SCHLUESSEL").unwrap(), 10)
                .add_character_field(dbase::FieldName::try_from("NAME").unwrap(), 40)
                .build_with_dest(dbf);
        let mut writer = shapefile::Writer::new(shape_writer, table);
        for f in features {
            let rings = f
                .rings
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let pts = r.iter().map(|(x, y)| shapefile::Point::new(*x, *y)).collect();
                    if i == 0 {
                        shapefile::PolygonRing::Outer(pts)
                    } else {
                        shapefile::PolygonRing::Inner(pts)
                    }
                })
                .collect();
            let mut record = dbase::Record::default();
            record.insert("SCHLUESSEL".into(), dbase::FieldValue::Character(Some(f.key.into())));
            record.insert("NAME".into(), dbase::FieldValue::Character(Some(f.name.into())));
            writer
                .write_shape_and_record(&shapefile::Polygon::with_rings(rings), &record)
                .unwrap();
        }
    }
    if let Some(p) = prj {
        std::fs::write(stem.with_extension("prj"), p).unwrap();
    }
    if let Some(c) = cpg {
        std::fs::write(stem.with_extension("cpg"), c).unwrap();
    }
    let zip_path = dir.join("gebiete.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for ext in parts {
        let file = stem.with_extension(ext);
        if file.exists() {
            zip.start_file(
                format!("Lieferung/gebiete.{ext}"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            zip.write_all(&std::fs::read(file).unwrap()).unwrap();
        }
    }
    zip.finish().unwrap();
    zip_path
}

fn import(
    atlas: &mut Atlas,
    file: PathBuf,
    crs: Option<&str>,
) -> quartier_core::Result<quartier_core::import::geometry::GeometryImportSummary> {
    import_geometry(
        atlas,
        &GeometryImport {
            level: "Stadtteil".into(),
            file,
            key_column: "SCHLUESSEL".into(),
            name_column: Some("NAME".into()),
            crs: crs.map(str::to_string),
            ..Default::default()
        },
        &NoProgress,
    )
}

fn three_areas() -> Vec<Feature> {
    let (x0, y0) = (356_000.0, 5_645_000.0); // Köln, UTM 32
    let mut with_hole = square(x0 + 2_000.0, y0, 1_000.0);
    with_hole.reverse();
    vec![
        Feature {
            key: "001",
            name: "Köpenick-Süd",
            rings: vec![square(x0, y0, 1_000.0)],
        },
        Feature {
            key: "002",
            name: "Straße am Gürtel",
            rings: vec![square(x0 + 1_000.0, y0, 1_000.0)],
        },
        Feature {
            key: "003",
            name: "Weiß",
            rings: vec![square(x0 + 2_000.0, y0, 1_000.0), {
                let mut hole = square(x0 + 2_400.0, y0 + 400.0, 200.0);
                hole.reverse();
                hole
            }],
        },
    ]
}

const ALL: &[&str] = &["shp", "shx", "dbf", "prj", "cpg"];

#[test]
fn utm32_shapefile_round_trip_within_one_centimetre() {
    let dir = tempfile::tempdir().unwrap();
    let features = three_areas();
    let zip = zipped_shapefile(dir.path(), &features, ALL, Some(PRJ_UTM32), Some("1252"));
    let mut atlas = new_atlas(dir.path(), "Köln");
    let s = import(&mut atlas, zip, None).unwrap();
    assert_eq!((s.crs.as_str(), s.crs_source.as_str()), ("EPSG:25832", ".prj-Datei"));
    assert_eq!(s.areas_created, 3);
    assert!(
        (s.total_area_km2 - 2.96).abs() < 0.01,
        "3 km² less a 0.04 km² hole, on the ellipsoid: {}",
        s.total_area_km2
    );
    let level = atlas.level("Stadtteil").unwrap();
    let areas = atlas.area_geometries(level.id).unwrap();
    let names: Vec<&str> = areas.iter().map(|(a, _)| a.name.as_ref()).collect();
    assert_eq!(names, ["Köpenick-Süd", "Straße am Gürtel", "Weiß"]);
    let mut checked = 0;
    for ((_, g), f) in areas.iter().zip(&features) {
        assert_eq!(g.0.len(), 1);
        assert_eq!(g.0[0].interiors().len(), f.rings.len() - 1);
        let stored: Vec<geo::Coord<f64>> = g.0[0].exterior().0.clone();
        for (x, y) in &f.rings[0] {
            let (lon, lat) = utm32_to_lon_lat(*x, *y);
            let nearest = stored
                .iter()
                .map(|c| {
                    let dx = (c.x - lon).to_radians() * 6_378_137.0 * lat.to_radians().cos();
                    let dy = (c.y - lat).to_radians() * 6_378_137.0;
                    (dx * dx + dy * dy).sqrt()
                })
                .fold(f64::MAX, f64::min);
            assert!(
                nearest < 0.01,
                "({x}, {y}) lands {nearest:.4} m from the independent result"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 15);
}

#[test]
fn cp1252_attributes_read_right_without_a_cpg() {
    let dir = tempfile::tempdir().unwrap();
    let zip = zipped_shapefile(
        dir.path(),
        &three_areas(),
        &["shp", "shx", "dbf", "prj"],
        Some(PRJ_UTM32),
        None,
    );
    let mut atlas = new_atlas(dir.path(), "Köln");
    let s = import(&mut atlas, zip, None).unwrap();
    assert_eq!(s.encoding.as_deref(), Some("windows-1252"));
    let level = atlas.level("Stadtteil").unwrap();
    assert_eq!(atlas.areas(level.id).unwrap()[0].name.as_ref(), "Köpenick-Süd");
}

#[test]
fn broken_deliveries_give_german_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Köln");
    let check = |atlas: &Atlas| assert!(atlas.levels().unwrap().is_empty(), "nothing may be written");

    let corrupt = dir.path().join("kaputt.zip");
    std::fs::write(&corrupt, b"PK\x03\x04 das ist kein zip").unwrap();
    let e = import(&mut atlas, corrupt, None).unwrap_err().to_string();
    assert!(e.contains("kaputt.zip") && e.contains("keine lesbare ZIP-Datei"), "{e}");
    check(&atlas);

    let sub = |name: &str| {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let no_dbf = zipped_shapefile(&sub("a"), &three_areas(), &["shp", "shx", "prj"], Some(PRJ_UTM32), None);
    let e = import(&mut atlas, no_dbf, None).unwrap_err().to_string();
    assert!(e.contains(".dbf-Datei (Attributtabelle) fehlt"), "{e}");
    check(&atlas);

    let no_prj = zipped_shapefile(&sub("b"), &three_areas(), &["shp", "shx", "dbf"], None, None);
    let e = import(&mut atlas, no_prj.clone(), None).unwrap_err().to_string();
    assert!(e.contains(".prj-Datei fehlt") && e.contains("--crs"), "{e}");
    check(&atlas);
    assert_eq!(
        import(&mut atlas, no_prj, Some("EPSG:25832")).unwrap().crs_source,
        "--crs"
    );

    let unknown = zipped_shapefile(
        &sub("c"),
        &three_areas(),
        ALL,
        Some(
            r#"PROJCS["Lambert_Conformal_Conic_Lokal",GEOGCS["GCS_ETRS_1989"],PROJECTION["Lambert_Conformal_Conic"]]"#,
        ),
        None,
    );
    let mut fresh = Atlas::create(&dir.path().join("zwei.quartier"), "Köln", None).unwrap();
    let e = import(&mut fresh, unknown, None).unwrap_err();
    assert!(matches!(e, Error::UnknownCrs { .. }), "{e}");
    assert!(fresh.levels().unwrap().is_empty());

    // A bow-tie, an empty ring and a duplicate key: all three reported at once.
    let (x0, y0) = (356_000.0, 5_645_000.0);
    let bad = vec![
        Feature {
            key: "001",
            name: "Gut",
            rings: vec![square(x0, y0, 1_000.0)],
        },
        Feature {
            key: "002",
            name: "Schleife",
            rings: vec![vec![
                (x0, y0),
                (x0 + 1_000.0, y0 + 1_000.0),
                (x0 + 1_000.0, y0),
                (x0, y0 + 1_000.0),
                (x0, y0),
            ]],
        },
        Feature {
            key: "001",
            name: "Doppelt",
            rings: vec![square(x0 + 5_000.0, y0, 1_000.0)],
        },
    ];
    let zip = zipped_shapefile(&sub("d"), &bad, ALL, Some(PRJ_UTM32), None);
    let Error::Import(report) = import(&mut fresh, zip, None).unwrap_err() else {
        panic!("expected a report")
    };
    let reasons: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].contains("Zeile 2") && reasons[0].contains("ungültige Geometrie"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("Zeile 3") && reasons[1].contains("Schlüssel doppelt"),
        "{reasons:?}"
    );
    assert!(fresh.levels().unwrap().is_empty());
}

#[test]
fn dhdn_gauss_krueger_prj_without_towgs84_gets_the_datum_shift() {
    // The same three squares, delivered in GK zone 3 with ESRI's .prj (no TOWGS84):
    // after import they must lie where proj's EPSG:31467 (with the Potsdam shift) puts them.
    let dir = tempfile::tempdir().unwrap();
    let prj = r#"PROJCS["DHDN_3_Degree_Gauss_Zone_3",GEOGCS["GCS_Deutsches_Hauptdreiecksnetz",DATUM["D_Deutsches_Hauptdreiecksnetz",SPHEROID["Bessel_1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",3500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",9.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    let f = vec![Feature {
        key: "1",
        name: "A",
        rings: vec![square(3_560_000.0, 5_646_000.0, 500.0)],
    }];
    let zip = zipped_shapefile(dir.path(), &f, ALL, Some(prj), None);
    let mut atlas = new_atlas(dir.path(), "Köln");
    let s = import(&mut atlas, zip, None).unwrap();
    assert_eq!(s.crs, "EPSG:31467");
    let level = atlas.level("Stadtteil").unwrap();
    let (_, g) = &atlas.area_geometries(level.id).unwrap()[0];
    let first = g.0[0].exterior().0.iter().map(|c| (c.x, c.y)).collect::<Vec<_>>();
    let t = quartier_core::crs::ToWgs84::new(31467).unwrap();
    let expected = t.lon_lat(3_560_000.0, 5_646_000.0).unwrap();
    assert!(first
        .iter()
        .any(|c| (c.0 - expected.0).abs() < 1e-9 && (c.1 - expected.1).abs() < 1e-9));
    // And that is about 100+ m from reading the same numbers on Bessel without the shift.
    let no_shift = proj4rs::Proj::from_proj_string(
        "+proj=tmerc +lat_0=0 +lon_0=9 +k=1 +x_0=3500000 +y_0=0 +ellps=bessel +units=m",
    )
    .unwrap();
    let mut p = (3_560_000.0, 5_646_000.0, 0.0);
    proj4rs::transform::transform(&no_shift, &proj4rs::Proj::from_epsg_code(4326).unwrap(), &mut p).unwrap();
    let d = ((p.0.to_degrees() - expected.0) * 68_000.0).hypot((p.1.to_degrees() - expected.1) * 111_000.0);
    assert!(d > 80.0, "datum shift only {d:.0} m");
}

/// The import dialog's preview reads a zipped shapefile's attribute table only: the same
/// columns and first records as the import reads, the record count from the table, the
/// coordinate system from the .prj; a zip whose .shp is damaged still previews (the import
/// then names the damage).
#[test]
fn the_preview_reads_the_attribute_table_without_the_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let features: Vec<Feature> = ["Mitte", "Nord", "Süd"]
        .iter()
        .enumerate()
        .map(|(i, name)| Feature {
            key: ["01", "02", "03"][i],
            name,
            rings: vec![square(500_000.0 + i as f64 * 1000.0, 5_700_000.0, 900.0)],
        })
        .collect();
    let zip = zipped_shapefile(
        dir.path(),
        &features,
        &["shp", "shx", "dbf", "prj"],
        Some(PRJ_UTM32),
        None,
    );
    let p = quartier_core::import::preview::preview_file(&zip, 2).unwrap();
    assert_eq!(p.headers, ["SCHLUESSEL", "NAME"]);
    assert_eq!(p.rows, [["01", "Mitte"], ["02", "Nord"]]);
    assert_eq!(p.total_rows, 3);
    assert_eq!(p.crs.as_deref(), Some("EPSG:25832 (.prj-Datei)"));
    assert_eq!(
        p.encoding.as_deref(),
        Some("windows-1252"),
        "no .cpg, not UTF-8: what German offices write"
    );

    // The same shapefile with its .shp cut short: the preview does not read it.
    let stem = dir.path().join("gebiete");
    let shp = std::fs::read(stem.with_extension("shp")).unwrap();
    std::fs::write(stem.with_extension("shp"), &shp[..120]).unwrap();
    let zip = zipped_shapefile_parts_only(dir.path(), &["shp", "shx", "dbf", "prj"]);
    let p = quartier_core::import::preview::preview_file(&zip, 5).unwrap();
    assert_eq!(p.rows.len(), 3);
    let mut atlas = new_atlas(dir.path(), "vorschau");
    let e = import_geometry(
        &mut atlas,
        &GeometryImport {
            level: "Stadtteil".into(),
            file: zip,
            key_column: "SCHLUESSEL".into(),
            name_column: Some("NAME".into()),
            parent_level: None,
            parent_key_column: None,
            crs: None,
            new_level: false,
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("teile.zip: Fläche 1 nicht lesbar"), "{e}");
    assert!(
        e.contains("endet vorzeitig") && !e.contains("failed to fill"),
        "German, not the reader's English: {e}"
    );
}

/// Zips the parts already written beside `gebiete` in `dir`.
fn zipped_shapefile_parts_only(dir: &Path, parts: &[&str]) -> PathBuf {
    let stem = dir.join("gebiete");
    let zip_path = dir.join("teile.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for ext in parts {
        zip.start_file(format!("gebiete.{ext}"), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(stem.with_extension(ext)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();
    zip_path
}

/// Issue 14: a shapefile whose first record length is damaged (`.shp` bytes 104–107 set to
/// 0x3FFFFFFF) made the reader stop after one shape: 1 area instead of 3, exit 0. The counts
/// of `.shp` and `.dbf` must agree.
#[test]
fn a_damaged_record_length_is_refused_instead_of_importing_one_area() {
    let dir = tempfile::tempdir().unwrap();
    zipped_shapefile(dir.path(), &three_areas(), ALL, Some(PRJ_UTM32), None);
    let shp = dir.path().join("gebiete.shp");
    let mut bytes = std::fs::read(&shp).unwrap();
    bytes[104..108].copy_from_slice(&0x3FFF_FFFFu32.to_be_bytes());
    std::fs::write(&shp, bytes).unwrap();
    std::fs::remove_file(dir.path().join("gebiete.shx")).unwrap();
    let mut atlas = new_atlas(dir.path(), "Köln");
    let e = import(&mut atlas, shp, None).unwrap_err().to_string();
    assert!(
        e.contains("gebiete.shp") && (e.contains("3 Datensätze") || e.contains("beschädigt")),
        "{e}"
    );
    assert!(atlas.levels().unwrap().is_empty());
}

/// Issue 14: longitudes and latitudes under a UTM `.prj` were read as metres (a point near
/// the equator) and gave a negative total area. Degrees in a projected system are refused.
#[test]
fn degrees_under_a_utm_prj_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let features = vec![Feature {
        key: "001",
        name: "Mitte",
        rings: vec![square(13.40, 52.50, 0.01)],
    }];
    let zip = zipped_shapefile(dir.path(), &features, ALL, Some(PRJ_UTM32), None);
    let mut atlas = new_atlas(dir.path(), "Berlin");
    let e = import(&mut atlas, zip.clone(), None).unwrap_err().to_string();
    assert!(
        e.contains("Längen- und Breitengraden") && e.contains("EPSG:25832") && e.contains("--crs EPSG:4326"),
        "{e}"
    );
    assert!(atlas.levels().unwrap().is_empty());
    let s = import(&mut atlas, zip, Some("EPSG:4326")).unwrap();
    assert!((s.total_area_km2 - 0.75).abs() < 0.05, "{}", s.total_area_km2);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}
