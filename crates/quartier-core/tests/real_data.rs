//! Import → store round trips on the real Berlin and Hamburg open data.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use geo::{Contains, Distance, Haversine, MultiPolygon, Point};
use quartier_core::import::pois::{import_pois, PoiImport};
use quartier_core::import::values::{import_values, MatchBy, UnmatchedPolicy, ValuesImport};
use quartier_core::model::ValueStatus;
use quartier_core::{Error, NoProgress};

fn distance_to_boundary_m(p: Point<f64>, g: &MultiPolygon<f64>) -> f64 {
    use geo::ClosestPoint;
    match g.closest_point(&p) {
        geo::Closest::Intersection(q) | geo::Closest::SinglePoint(q) => Haversine.distance(p, q),
        geo::Closest::Indeterminate => f64::MAX,
    }
}

#[test]
fn kitas_2022_in_epsg25833_land_in_their_own_bezirk() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    let data = realdata();
    import_level(
        &mut atlas,
        "Bezirk",
        data.join("berlin/geometry/berlin-lor-districts.geojson"),
        None,
    );
    let summary = import_pois(
        &mut atlas,
        &PoiImport {
            file: data.join("berlin/poi/kitas-2022-epsg25833.geojson"),
            category: "Kita".into(),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(summary.crs, "EPSG:25833");
    assert_eq!(summary.pois_imported, 2880);
    assert_eq!(summary.capacity_column.as_deref(), Some("e_platz"));

    let level = atlas.level("Bezirk").unwrap();
    let bezirke = atlas.area_geometries(level.id).unwrap();
    assert_eq!(bezirke.len(), 12);
    let kitas = atlas.pois("Kita").unwrap();
    let (mut same, mut on_border) = (0, 0);
    for k in &kitas {
        let p = Point::new(k.lon, k.lat);
        let found = bezirke.iter().find(|(_, g)| g.contains(&p));
        let bezirk = match found {
            Some((a, _)) => a.key.clone(),
            None => {
                let (a, d) = bezirke
                    .iter()
                    .map(|(a, g)| (a, distance_to_boundary_m(p, g)))
                    .min_by(|x, y| x.1.total_cmp(&y.1))
                    .unwrap();
                assert!(d < 50.0, "Kita {} lies {d:.0} m outside Berlin's Bezirke", k.name);
                on_border += 1;
                a.key.clone()
            }
        };
        let stated = k.attributes["e_bez_nr"].as_str().unwrap().to_string();
        if *bezirk == *stated {
            same += 1;
        }
    }
    assert!(on_border <= 10, "{on_border} Kitas only within 50 m of the border");
    let share = same as f64 / kitas.len() as f64;
    assert!(share >= 0.99, "only {:.2} % in their stated Bezirk", share * 100.0);
}

fn hamburg(file: &str) -> (quartier_core::import::values::ValuesImportSummary, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Hamburg");
    let data = realdata().join("hamburg");
    import_level(
        &mut atlas,
        "Stadtteil",
        data.join("hamburg-district-regions.geojson"),
        None,
    );
    let opts = ValuesImport {
        file: data.join(file),
        level: "Stadtteil".into(),
        key_column: "Stadtgebiet".into(),
        period: Some("2014".into()),
        match_by: MatchBy::Name,
        ..Default::default()
    };
    // Without --skip-unmatched the merged rows stop the import and nothing is written.
    let err = import_values(&mut atlas, &opts, &NoProgress).unwrap_err();
    let Error::Import(report) = err else {
        panic!("expected an import report")
    };
    assert_eq!(report.problems.len(), 4, "{report}");
    assert!(report
        .problems
        .iter()
        .all(|p| p.reason.contains("zusammengefasste Gebiete")));
    assert!(value_dump(&atlas).is_empty());

    let summary = import_values(
        &mut atlas,
        &ValuesImport {
            unmatched: UnmatchedPolicy::Skip,
            ..opts
        },
        &NoProgress,
    )
    .unwrap();
    (summary, value_dump(&atlas))
}

#[test]
fn hamburg_stadtteil_profile_csv_and_xlsx_import_alike_with_totals_and_merged_rows_reported() {
    let (csv, csv_values) = hamburg("Daten_fuer_die_Stadtteilprofile_2014.csv");
    let (xlsx, xlsx_values) = hamburg("Daten_fuer_die_Stadtteilprofile_2014.xlsx");
    for s in [&csv, &xlsx] {
        assert_eq!(s.rows_read, 107);
        assert_eq!(s.rows_imported, 95);
        let merged: Vec<&str> = s.merged_rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(
            merged,
            [
                "Kleiner Grasbrook und Steinwerder",
                "Waltershof und Finkenwerder",
                "Neuland und Gut Moor",
                "Moorburg und Altenwerder"
            ]
        );
        let totals: Vec<&str> = s.total_rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(
            totals,
            [
                "Hamburg-Mitte",
                "Altona",
                "Eimsbüttel",
                "Hamburg-Nord",
                "Wandsbek",
                "Bergedorf",
                "Harburg",
                "Hamburg"
            ]
        );
        assert!(s.unmatched.is_empty());
        assert!(s.values_by_status.suppressed > 0, "the '.' cells are suppressed values");
        assert!(s.categorical.is_empty());
    }
    assert_eq!(csv.decimal_separator, quartier_core::numbers::DecimalSeparator::Comma);
    // Spot checks against the file: space thousands, decimal comma, a negative balance, "." markers.
    let find = |dump: &[String], ind: &str, area: &str| {
        dump.iter()
            .find(|l| l.contains(&format!("|{ind}|2014|{area}|")))
            .cloned()
            .unwrap()
    };
    let altstadt = "0101";
    assert!(find(&csv_values, "Bevölkerung", altstadt).contains("Some(1675.0)"));
    assert!(find(&csv_values, "anteil_unter_18_jaehrigen", altstadt).contains("Some(9.7)"));
    assert!(find(&csv_values, "Wanderungssaldo", altstadt).contains("Some(-23.0)"));
    assert!(find(&csv_values, "preise_fuer_grundstuecke_eur_m2", altstadt).contains("Suppressed"));
    // Eimsbüttel the Stadtteil (56 097), not Eimsbüttel the Bezirk (252 340).
    let eimsbuettel = csv_values
        .iter()
        .find(|l| l.starts_with("Stadtteil|Bevölkerung|2014|") && l.contains("56097"))
        .is_some();
    assert!(eimsbuettel);
    // The XLSX holds the same numbers; the CSV rounds some columns (area in km² to one decimal),
    // so the two agree within the CSV's rounding, and their statuses agree exactly.
    let parse = |dump: &[String]| -> Vec<(String, Option<f64>, String)> {
        dump.iter()
            .map(|l| {
                let p: Vec<&str> = l.split('|').collect();
                let v = p[4]
                    .trim_start_matches("Some(")
                    .trim_end_matches(')')
                    .parse::<f64>()
                    .ok();
                (format!("{}|{}", p[3], p[1]), v, p[6].to_string())
            })
            .collect()
    };
    let (a, b) = (parse(&csv_values), parse(&xlsx_values));
    assert_eq!(a.len(), b.len());
    let mut compared = 0;
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.0, y.0);
        // Official notation: the CSV's "-" ("nichts vorhanden") is the XLSX's 0.
        assert_eq!(x.2, y.2, "{}", x.0);
        if let (Some(u), Some(v)) = (x.1, y.1) {
            assert!((u - v).abs() <= 0.5, "{}: CSV {u} vs XLSX {v}", x.0);
            compared += 1;
        }
    }
    assert!(compared > 6000);
}

/// The dash of official tables is zero: Curslack's migration balance is "-" in the CSV and 0
/// in the XLSX, and Bergedorf's sum of its Stadtteile is then the published Bezirk total
/// (829, the Bezirk row of the same table) instead of "k. A.". With `--dash missing` the same
/// cell is missing and the sum cannot be given.
#[test]
fn the_dash_is_zero_so_csv_and_xlsx_agree_and_bergedorf_sums_to_its_published_829() {
    use quartier_core::analysis::aggregate::{aggregate, AggregateRequest};
    use quartier_core::model::ValueFlag;
    use quartier_core::numbers::DashMeaning;
    let data = realdata().join("hamburg");
    let bergedorf_sum = |file: &str, dash: DashMeaning| {
        let dir = tempfile::tempdir().unwrap();
        let mut atlas = new_atlas(dir.path(), "Hamburg");
        import_level(&mut atlas, "Bezirk", data.join("hamburg-districts.geojson"), None);
        import_level(
            &mut atlas,
            "Stadtteil",
            data.join("hamburg-district-regions.geojson"),
            Some("Bezirk"),
        );
        let summary = import_values(
            &mut atlas,
            &ValuesImport {
                file: data.join(file),
                level: "Stadtteil".into(),
                key_column: "Stadtgebiet".into(),
                period: Some("2014".into()),
                match_by: MatchBy::Name,
                unmatched: UnmatchedPolicy::Skip,
                columns: vec!["Wanderungssaldo".into()],
                dash,
                ..Default::default()
            },
            &NoProgress,
        )
        .unwrap();
        declare_counts(&mut atlas, &["Wanderungssaldo"]);
        let curslack = stored(&atlas, "Wanderungssaldo", "Stadtteil", "2014", "0603");
        let result = aggregate(
            &atlas,
            &AggregateRequest {
                from_level: "Stadtteil".into(),
                to_level: Some("Bezirk".into()),
                period: "2014".into(),
                indicators: vec!["Wanderungssaldo".into()],
                ..Default::default()
            },
        )
        .unwrap();
        let bergedorf = result.indicators[0]
            .areas
            .iter()
            .find(|a| a.name == "Bergedorf")
            .unwrap()
            .combined
            .value;
        (summary, curslack, bergedorf)
    };
    let (csv, curslack, sum) = bergedorf_sum("Daten_fuer_die_Stadtteilprofile_2014.csv", DashMeaning::Zero);
    let curslack = curslack.unwrap();
    assert_eq!(
        (curslack.number(), curslack.flag),
        (Some(0.0), Some(ValueFlag::Nothing))
    );
    assert_eq!(csv.signs.get("–"), Some(&1), "{:?}", csv.signs);
    assert_eq!(sum, Some(829.0), "the published Bergedorf total");
    let (_, curslack, sum) = bergedorf_sum("Daten_fuer_die_Stadtteilprofile_2014.xlsx", DashMeaning::Zero);
    assert_eq!(curslack.unwrap().number(), Some(0.0));
    assert_eq!(sum, Some(829.0));
    let (csv, curslack, sum) = bergedorf_sum("Daten_fuer_die_Stadtteilprofile_2014.csv", DashMeaning::Missing);
    assert_eq!(curslack.unwrap().status, quartier_core::model::ValueStatus::Missing);
    assert_eq!(csv.dash, DashMeaning::Missing);
    assert_eq!(sum, None, "a sum over a missing part is not given");
}

#[test]
fn integer_typed_seven_digit_keys_join_eight_digit_keys() {
    // The MSS 2019 table as Excel saves it after reading the keys as numbers: 1011101 for 01011101.
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    import_level(
        &mut atlas,
        "Planungsraum",
        sample_data().join("geometry/berlin-lor-planning-areas-until-2020.geojson"),
        None,
    );
    let text = std::fs::read_to_string(
        realdata().join("berlin/mss/berlin-lor-monitoring-social-urban-development-2019-00-2-1.csv"),
    )
    .unwrap();
    let mut stripped = 0;
    let body: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i > 0 && l.starts_with('0') {
                stripped += 1;
                l[1..].to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    let csv = dir.path().join("mss-2019-zahlen.csv");
    std::fs::write(&csv, body.join("\n")).unwrap();
    let s = import_values(
        &mut atlas,
        &ValuesImport {
            file: csv,
            level: "Planungsraum".into(),
            key_column: "id".into(),
            name_column: Some("name".into()),
            period: Some("2019".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(s.rows_imported, 447);
    assert_eq!(s.keys_padded, stripped);
    assert!(stripped > 250, "Bezirke 01–09 lose their leading zero: {stripped}");
    let ind = atlas.indicator("s1_percentage_unemployed").unwrap();
    let level = atlas.level("Planungsraum").unwrap();
    let values = atlas
        .values(ind.id, level.id, atlas.period("2019").unwrap().id)
        .unwrap();
    let area = atlas
        .areas(level.id)
        .unwrap()
        .into_iter()
        .find(|a| &*a.key == "01011101")
        .unwrap();
    assert_eq!(values[&area.id].value, Some(2.7978));
    assert_eq!(values[&area.id].status, ValueStatus::Ok);
}

#[test]
fn one_bad_row_among_many_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    import_level(
        &mut atlas,
        "Planungsraum",
        sample_data().join("geometry/berlin-lor-planning-areas-until-2020.geojson"),
        None,
    );
    let mss = |y: &str| {
        realdata().join(format!(
            "berlin/mss/berlin-lor-monitoring-social-urban-development-{y}-00-2-1.csv"
        ))
    };
    let opts = |file| ValuesImport {
        file,
        level: "Planungsraum".into(),
        key_column: "id".into(),
        name_column: Some("name".into()),
        period: Some("2019".into()),
        ..Default::default()
    };
    import_values(&mut atlas, &opts(mss("2019")), &NoProgress).unwrap();
    let before = value_dump(&atlas);
    let log_before = atlas.audit_log().unwrap().len();
    assert_eq!(before.len(), 447 * 7);

    // The 2017 edition with one damaged cell on line 201: re-importing as 2019 must fail whole.
    let text = std::fs::read_to_string(mss("2017")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[200].split(',').map(str::to_string).collect();
    cells[3] = "12.3x".into();
    lines[200] = cells.join(",");
    let bad = dir.path().join("mss-kaputt.csv");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let err = import_values(&mut atlas, &opts(bad), &NoProgress).unwrap_err();
    let Error::Import(report) = err else {
        panic!("expected an import report")
    };
    assert_eq!(report.problems.len(), 1, "{report}");
    let p = &report.problems[0];
    assert_eq!(p.row, Some(201));
    assert_eq!(p.column.as_deref(), Some("s1_percentage_unemployed"));
    assert!(
        report.to_string().contains("mss-kaputt.csv") && report.to_string().contains("keine Zahl"),
        "{report}"
    );
    assert_eq!(value_dump(&atlas), before);
    assert_eq!(atlas.audit_log().unwrap().len(), log_before);

    // The same period re-imported from a good file replaces exactly those values.
    let s = import_values(&mut atlas, &opts(mss("2017")), &NoProgress).unwrap();
    assert!(s.periods_added.is_empty());
    let after = value_dump(&atlas);
    assert_eq!(after.len(), before.len() + 447 * 2, "2017 adds s2 and d2");
}

/// Defect: importing the Bezirk totals of the Hamburg table by name dropped them as
/// Summenzeilen and imported the four Stadtteile that share a Bezirk's name (Eimsbüttel,
/// Wandsbek, Bergedorf, Harburg) into those Bezirke. A total of finer rows under a Bezirk's
/// name is the Bezirk's own row; the namesakes are reported, never imported into the Bezirk.
/// Reference: the Bezirk rows of the published table (Bevölkerung).
#[test]
fn a_total_row_that_shares_its_name_with_an_area_is_that_levels_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Hamburg");
    let data = realdata().join("hamburg");
    import_level(&mut atlas, "Bezirk", data.join("hamburg-districts.geojson"), None);
    import_level(
        &mut atlas,
        "Stadtteil",
        data.join("hamburg-district-regions.geojson"),
        Some("Bezirk"),
    );
    for file in [
        "Daten_fuer_die_Stadtteilprofile_2014.csv",
        "Daten_fuer_die_Stadtteilprofile_2014.xlsx",
    ] {
        let s = import_values(
            &mut atlas,
            &ValuesImport {
                file: data.join(file),
                level: "Bezirk".into(),
                key_column: "Stadtgebiet".into(),
                period: Some("2014".into()),
                match_by: MatchBy::Name,
                unmatched: UnmatchedPolicy::Skip,
                columns: vec!["Bevölkerung".into()],
                ..Default::default()
            },
            &NoProgress,
        )
        .unwrap();
        assert_eq!(s.rows_imported, 7, "{file}: the seven Bezirk rows");
        let namesakes: Vec<&str> = s.namesakes.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(namesakes, ["Eimsbüttel", "Wandsbek", "Bergedorf", "Harburg"], "{file}");
        // The published Bezirk populations (the Bezirk rows, lines 101–107 of the CSV).
        for (key, published) in [
            ("01", 289_876.0),
            ("02", 259_897.0),
            ("03", 252_340.0),
            ("04", 291_293.0),
            ("05", 417_225.0),
            ("06", 122_815.0),
            ("07", 155_548.0),
        ] {
            let v = stored(&atlas, "Bevölkerung", "Bezirk", "2014", key).unwrap();
            assert_eq!(v.number(), Some(published), "{file}: Bezirk {key}");
        }
    }
    // At Stadtteil level the same rows are totals and the namesakes are the Stadtteile.
    let s = import_values(
        &mut atlas,
        &ValuesImport {
            file: data.join("Daten_fuer_die_Stadtteilprofile_2014.csv"),
            level: "Stadtteil".into(),
            key_column: "Stadtgebiet".into(),
            period: Some("2014".into()),
            match_by: MatchBy::Name,
            unmatched: UnmatchedPolicy::Skip,
            columns: vec!["Bevölkerung".into()],
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert!(s.namesakes.is_empty());
    assert_eq!(s.rows_imported, 95);
    let eimsbuettel = atlas
        .areas(atlas.level("Stadtteil").unwrap().id)
        .unwrap()
        .into_iter()
        .find(|a| &*a.name == "Eimsbüttel")
        .unwrap();
    let v = stored(&atlas, "Bevölkerung", "Stadtteil", "2014", &eimsbuettel.key).unwrap();
    assert_eq!(v.number(), Some(56_097.0));
}

/// Hamburg's published table has its own total for the city; because four merged rows and
/// one area have no values, the computed reference of the Stadtteile is "k. A.". Imported as
/// the official reference (`--reference-row Hamburg`, or from a separate file), the reference
/// row shows the published value, labelled, with the computed one beside it where it differs.
#[test]
fn the_published_city_total_becomes_the_official_reference() {
    use quartier_core::export::{export_values, ExportFormat};
    use quartier_core::import::reference::{import_reference, ReferenceImport};
    use quartier_core::reference::{reference_value, ReferenceStatus};
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Hamburg");
    let data = realdata().join("hamburg");
    import_level(
        &mut atlas,
        "Stadtteil",
        data.join("hamburg-district-regions.geojson"),
        None,
    );
    let s = import_values(
        &mut atlas,
        &ValuesImport {
            file: data.join("Daten_fuer_die_Stadtteilprofile_2014.csv"),
            level: "Stadtteil".into(),
            key_column: "Stadtgebiet".into(),
            period: Some("2014".into()),
            match_by: MatchBy::Name,
            unmatched: UnmatchedPolicy::Skip,
            columns: vec!["Bevölkerung".into(), "Geburten".into()],
            reference_row: Some("Hamburg".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let r = s.reference_row.unwrap();
    assert_eq!((r.line, r.name.as_str(), r.values), (108, "Hamburg", 2));
    assert!(
        !s.total_rows.iter().any(|t| t.key == "Hamburg"),
        "the reference row is no total row"
    );
    declare_counts(&mut atlas, &["Bevölkerung", "Geburten"]);
    let level = atlas.level("Stadtteil").unwrap();
    let period = atlas.period("2014").unwrap();
    let population = reference_value(&atlas, &atlas.indicator("Bevölkerung").unwrap(), level.id, period.id).unwrap();
    assert_eq!(population.status, ReferenceStatus::Official);
    assert_eq!(population.value, Some(1_788_994.0), "line 108 of the CSV");
    assert!(population.method.contains("Zeile 108"), "{}", population.method);
    assert_eq!(population.computed, None, "the computed one is k. A. (merged rows)");

    // From a separate file, for another period: the same row, and a difference shows.
    let totals = dir.path().join("summen.csv");
    std::fs::write(&totals, "Gebiet;Bevölkerung;Unbekannt\nHamburg;1 800 000;7\n").unwrap();
    let sum: f64 = atlas
        .values(atlas.indicator("Bevölkerung").unwrap().id, level.id, period.id)
        .unwrap()
        .values()
        .filter_map(|v| v.number())
        .sum();
    let o = import_reference(
        &mut atlas,
        &ReferenceImport {
            file: totals,
            level: "Stadtteil".into(),
            period: "2014".into(),
            row: "hamburg".into(),
            sheet: None,
        },
    )
    .unwrap();
    assert_eq!(o.values.len(), 1);
    assert_eq!(o.skipped_columns, ["Unbekannt"]);
    let population = reference_value(&atlas, &atlas.indicator("Bevölkerung").unwrap(), level.id, period.id).unwrap();
    assert_eq!(population.value, Some(1_800_000.0));
    assert!(sum < 1_788_994.0, "the Stadtteile without the merged rows: {sum}");

    // The export labels the official reference.
    let out = dir.path().join("tabelle.csv");
    export_values(
        &atlas,
        "Stadtteil",
        "2014",
        ExportFormat::Csv,
        Default::default(),
        &out,
        false,
    )
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let reference_line = text.lines().nth(1).unwrap();
    assert!(
        reference_line.contains("Hamburg (Referenz, amtlich)") && reference_line.contains("1800000"),
        "{reference_line}"
    );
}

/// Hamburg's table has four rows that stand for two Stadtteile each ("Moorburg und
/// Altenwerder"). Imported with `--merge-rows`, each becomes a combined area of the level:
/// the members' union on the map, counted once in the Bezirk sums and the city's reference.
/// The sums through them are the Bezirk totals the statistical office published in the same
/// table (lines 101–107), which without them were "k. A.".
#[test]
fn merged_rows_become_combined_areas_and_the_bezirk_sums_match_the_published_totals() {
    use quartier_core::analysis::aggregate::{aggregate, AggregateRequest};
    use quartier_core::reference::{reference_value, ReferenceStatus};
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Hamburg");
    let data = realdata().join("hamburg");
    import_level(&mut atlas, "Bezirk", data.join("hamburg-districts.geojson"), None);
    quartier_core::import::geometry::import_geometry(
        &mut atlas,
        &quartier_core::import::geometry::GeometryImport {
            level: "Stadtteil".into(),
            file: data.join("hamburg-district-regions.geojson"),
            key_column: "id".into(),
            name_column: Some("name".into()),
            parent_level: Some("Bezirk".into()),
            parent_key_column: Some("district_id".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let columns = vec!["Bevölkerung".to_string(), "Geburten".to_string()];
    let opts = ValuesImport {
        file: data.join("Daten_fuer_die_Stadtteilprofile_2014.csv"),
        level: "Stadtteil".into(),
        key_column: "Stadtgebiet".into(),
        period: Some("2014".into()),
        match_by: MatchBy::Name,
        columns: columns.clone(),
        merge_rows: true,
        ..Default::default()
    };
    let s = import_values(&mut atlas, &opts, &NoProgress).unwrap();
    assert!(s.merged_rows.is_empty() && s.unmatched.is_empty());
    assert_eq!(s.rows_imported, 99, "95 Stadtteile and 4 combined areas");
    let created: Vec<(&str, &str)> = s
        .combined_areas_created
        .iter()
        .map(|c| (c.key.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(
        created,
        [
            ("0117+0118", "Kleiner Grasbrook und Steinwerder"),
            ("0119+0120", "Waltershof und Finkenwerder"),
            ("0702+0703", "Neuland und Gut Moor"),
            ("0711+0712", "Moorburg und Altenwerder")
        ]
    );
    declare_counts(&mut atlas, &["Bevölkerung", "Geburten"]);

    // The combined area is one area of the level, with the members' union as geometry.
    let level = atlas.level("Stadtteil").unwrap();
    let areas = atlas.areas(level.id).unwrap();
    assert_eq!(areas.len(), 104 + 4);
    let geometries = atlas.area_geometries(level.id).unwrap();
    let area_of =
        |key: &str| quartier_core::geometry::area_m2(&geometries.iter().find(|(a, _)| &*a.key == key).unwrap().1);
    let union = area_of("0711+0712");
    let parts = area_of("0711") + area_of("0712");
    assert!((union - parts).abs() < 1e-3 * parts, "{union} vs {parts}");
    let moorburg = areas.iter().find(|a| &*a.key == "0711+0712").unwrap();
    let harburg = atlas.areas(atlas.level("Bezirk").unwrap().id).unwrap();
    let harburg = harburg.iter().find(|a| &*a.name == "Harburg").unwrap();
    assert_eq!(moorburg.parent_area_id, Some(harburg.id), "the members' common Bezirk");
    assert_eq!(
        stored(&atlas, "Bevölkerung", "Stadtteil", "2014", "0711+0712")
            .unwrap()
            .number(),
        Some(732.0)
    );

    // Aggregated through the combined areas, the Bezirk sums are the published totals. Harburg
    // holds two combined areas and was "k. A." without them. Hamburg-Mitte stays "k. A.":
    // Neuwerk has no row (and the published Mitte total is 6,777 above its rows' sum, so no
    // sum of rows could give it).
    let published = [
        ("Altona", 259_897.0),
        ("Eimsbüttel", 252_340.0),
        ("Hamburg-Nord", 291_293.0),
        ("Wandsbek", 417_225.0),
        ("Bergedorf", 122_815.0),
        ("Harburg", 155_548.0),
    ];
    let by_bezirk = |atlas: &quartier_core::Atlas| {
        let result = aggregate(
            atlas,
            &AggregateRequest {
                from_level: "Stadtteil".into(),
                to_level: Some("Bezirk".into()),
                period: "2014".into(),
                indicators: vec!["Bevölkerung".into()],
                ..Default::default()
            },
        )
        .unwrap();
        result.indicators[0]
            .areas
            .iter()
            .map(|a| (a.name.clone(), a.combined.clone()))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let sums = by_bezirk(&atlas);
    for (bezirk, total) in published {
        assert_eq!(sums[bezirk].value, Some(total), "{bezirk}: {}", sums[bezirk].note);
    }
    assert_eq!(sums["Hamburg-Mitte"].value, None);
    assert!(
        sums["Hamburg-Mitte"].note.contains("1 Werte fehlen"),
        "{}",
        sums["Hamburg-Mitte"].note
    );
    let population = atlas.indicator("Bevölkerung").unwrap();
    let period = atlas.period("2014").unwrap();
    let reference = reference_value(&atlas, &population, level.id, period.id).unwrap();
    assert_eq!(reference.status, ReferenceStatus::NotComputable, "Neuwerk");

    // On the map the members are no "k. A." of their own: only Neuwerk is.
    let classes = quartier_core::analysis::classify::classify_series(
        &atlas,
        "Bevölkerung",
        "Stadtteil",
        "2014",
        &quartier_core::analysis::classify::Method::Quantile,
        5,
        None,
    )
    .unwrap();
    assert_eq!(classes.no_data, 1);
    assert_eq!(classes.counts.iter().sum::<usize>(), 95 + 4);
    let moorburg_alone = classes.areas.iter().find(|a| a.key == "0711").unwrap();
    assert_eq!(moorburg_alone.label, "enthalten in „Moorburg und Altenwerder“");

    // A later delivery with the members' own values: they carry the detail, the combined
    // area steps back (nothing counted twice), and the sum stays the published one.
    let single = dir.path().join("einzeln.csv");
    std::fs::write(&single, "Stadtgebiet;Bevölkerung\nMoorburg;700\nAltenwerder;32\n").unwrap();
    import_values(
        &mut atlas,
        &ValuesImport {
            file: single,
            columns: vec!["Bevölkerung".into()],
            merge_rows: false,
            ..opts.clone()
        },
        &NoProgress,
    )
    .unwrap();
    let values = atlas.values(population.id, level.id, period.id).unwrap();
    assert!(
        !values.contains_key(&moorburg.id),
        "the combined area's value steps back"
    );
    assert_eq!(values.len(), 95 + 3 + 2);
    let column = atlas.column(population.id, level.id, period.id).unwrap();
    let position = areas.iter().position(|a| a.id == moorburg.id).unwrap();
    assert_eq!(column.status[position], None);
    assert_eq!(by_bezirk(&atlas)["Harburg"].value, Some(155_548.0));

    // Importing again finds the combined areas by name: nothing created twice.
    let again = import_values(&mut atlas, &opts, &NoProgress).unwrap();
    assert!(again.combined_areas_created.is_empty());
    assert_eq!(atlas.areas(level.id).unwrap().len(), 108);
}

/// The sweep-line validity check that replaced geo's quadratic one agrees with geo on every
/// real outline: all areas of Berlin's and Hamburg's levels are valid by both (the Planungsräume from
/// the sample, whose copy in realdata has a known duplicate key).
#[test]
fn real_outlines_are_valid_by_the_sweep_and_by_geo() {
    use geo::Validation;
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Prüfung");
    let data = realdata();
    let files = [
        (
            "Bezirksregion",
            data.join("berlin/geometry/berlin-lor-district-regions-until-2020.geojson"),
        ),
        (
            "Planungsraum",
            sample_data().join("geometry/berlin-lor-planning-areas-until-2020.geojson"),
        ),
        ("Ortsteil", data.join("hamburg/hamburg-quarters.geojson")),
    ];
    let mut polygons = 0;
    for (level, file) in files {
        import_level(&mut atlas, level, file, None);
        let l = atlas.level(level).unwrap();
        for (area, g) in atlas.area_geometries(l.id).unwrap() {
            for p in &g.0 {
                assert_eq!(quartier_core::geometry::polygon_problem(p), None, "{}", area.key);
                assert!(p.is_valid(), "{}: {:?}", area.key, p.validation_errors());
                polygons += 1;
            }
        }
    }
    assert!(polygons > 700, "{polygons}");
}
