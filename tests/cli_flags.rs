//! Every flag of the CLI is passed by a test (STYLE § 8): the flags that `tests/cli.rs` does not
//! reach are exercised here, each with an assertion on what it changes, and
//! `every_flag_is_passed_by_a_test` walks the clap tree so that a new flag without a test fails.
//! The two contract defects of issue 11 (a preset with own indicator lists; status only) are
//! tested here as well.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{json, quartier, repo, s, sample_atlas, sample_copy};

/// A usage or input error: exit code 1, the German message on stderr.
fn fails(args: &[&str]) -> String {
    common::fails(args, 1)
}

use serde_json::Value;

fn area<'a>(areas: &'a Value, key: &str) -> &'a Value {
    areas.as_array().unwrap().iter().find(|a| a["key"] == key).unwrap()
}

#[test]
fn every_flag_is_passed_by_a_test() {
    let tests: String = std::fs::read_dir(repo().join("tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let mut untested = Vec::new();
    let mut stack = vec![(
        String::from("quartier"),
        quartier_cli_german::command::<quartier::cli::Cli>(),
    )];
    while let Some((path, cmd)) = stack.pop() {
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long() {
                if !["help", "version"].contains(&long) && !tests.contains(&format!("\"--{long}\"")) {
                    untested.push(format!("{path} --{long}"));
                }
            }
        }
        for sub in cmd.get_subcommands() {
            let name = sub.get_name().to_string();
            if !tests.contains(&format!("\"{name}\"")) {
                untested.push(format!("{path} {name}"));
            }
            stack.push((format!("{path} {name}"), sub.clone()));
        }
    }
    assert!(untested.is_empty(), "flags and verbs no test passes: {untested:?}");
}

#[test]
fn usage_errors_are_german_and_exit_1() {
    let err = fails(&["import", "values", "x.quartier", "--levle", "3"]);
    assert!(err.contains("Unbekannte Option „--levle“"), "{err}");
    assert!(err.contains("meinten Sie „--level“?"), "{err}");
    assert!(err.contains("Aufruf: quartier import values"), "{err}");
    let err = fails(&[
        "index",
        "a",
        "--level",
        "L",
        "--period",
        "P",
        "--indicators",
        "s1",
        "--normalise",
        "gauss",
    ]);
    assert!(
        err.contains("Ungültiger Wert „gauss“ für --normalise") && err.contains("minmax"),
        "{err}"
    );
    let err = fails(&[
        "hotspots",
        "a",
        "--indicator",
        "s1",
        "--level",
        "L",
        "--period",
        "P",
        "--seed",
        "x",
    ]);
    assert!(err.contains("„x“ für --seed <SEED>: keine ganze Zahl"), "{err}");
    let err = fails(&["statu"]);
    assert!(err.contains("Unbekannter Befehl „statu“"), "{err}");
    let err = fails(&["new", "x.quartier"]);
    assert!(err.contains("Es fehlt: --name <NAME>"), "{err}");
    for english in ["error:", "Usage:", "tip:", "For more information"] {
        assert!(!err.contains(english), "{english} in {err}");
    }
    // Help is German too, with defaults and choices in its own words.
    let out = quartier(&["classify", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for german in [
        "Aufruf:",
        "Argumente:",
        "Optionen:",
        "möglich: equal-interval",
        "Standard: 6",
        "Diese Hilfe zeigen",
    ] {
        assert!(help.contains(german), "{german} missing in {help}");
    }
    for english in ["Usage:", "Options:", "[OPTIONS]", "[default:", "Print help"] {
        assert!(!help.contains(english), "{english} in {help}");
    }
}

#[test]
fn version_names_the_commit() {
    let out = quartier(&["--version"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("quartier {} (", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(text.trim_end().ends_with(')'), "{text}");
}

#[test]
fn open_names_a_missing_atlas_in_german() {
    let err = fails(&["open", "/gibt/es/nicht.quartier"]);
    assert!(err.contains("nicht.quartier"), "{err}");
    assert!(err.starts_with("Fehler: Atlas"), "{err}");
}

#[test]
fn sample_force_replaces_an_existing_atlas() {
    let dir = tempfile::tempdir().unwrap();
    let copy = sample_copy(dir.path());
    assert!(fails(&["sample", "--out", s(&copy)]).contains("existiert bereits"));
    let rebuilt = json(&["sample", "--out", s(&copy), "--force"]);
    assert_eq!(rebuilt["levels"][2], serde_json::json!(["Planungsraum", 448]));
}

#[test]
fn import_flags_decimal_match_by_sheet_parent_key_and_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("t.quartier");
    let a = s(&atlas);
    json(&["new", a, "--name", "Berlin"]);
    let geo = repo().join("sample_data/geometry");
    json(&[
        "import",
        "geometry",
        a,
        "--level",
        "Bezirk",
        "--file",
        s(&geo.join("berlin-lor-districts.geojson")),
        "--key-column",
        "id",
        "--name-column",
        "name",
    ]);
    // --parent-key-column: the Bezirk key is the first two digits of a Bezirksregion's key.
    let mut regions: Value = serde_json::from_str(
        &std::fs::read_to_string(geo.join("berlin-lor-district-regions-until-2020.geojson")).unwrap(),
    )
    .unwrap();
    for f in regions["features"].as_array_mut().unwrap() {
        let bezirk = f["properties"]["id"].as_str().unwrap()[..2].to_string();
        f["properties"]["bezirk"] = Value::String(bezirk);
    }
    let regions_file = dir.path().join("bzr.geojson");
    std::fs::write(&regions_file, regions.to_string()).unwrap();
    let g = json(&[
        "import",
        "geometry",
        a,
        "--level",
        "Bezirksregion",
        "--file",
        s(&regions_file),
        "--key-column",
        "id",
        "--parent-level",
        "Bezirk",
        "--parent-key-column",
        "bezirk",
    ]);
    assert_eq!(g["parent_method"], "key_column");
    assert_eq!(g["without_parent"], serde_json::json!([]));

    // --match-by name and --decimal: "1.234" is 1234 with a decimal comma, 1.234 with a point.
    let csv = dir.path().join("werte.csv");
    std::fs::write(&csv, "bezirk;wert\nMitte;1.234\nPankow;2.500\n").unwrap();
    let import = |decimal: &str, period: &str| {
        json(&[
            "import",
            "values",
            a,
            "--file",
            s(&csv),
            "--level",
            "Bezirk",
            "--key-column",
            "bezirk",
            "--match-by",
            "name",
            "--period",
            period,
            "--decimal",
            decimal,
            "--skip-unmatched",
        ])
    };
    assert_eq!(import("comma", "2019")["decimal_separator"], "Comma");
    assert_eq!(import("point", "2020")["decimal_separator"], "Point");
    let value = |period: &str| {
        let r = json(&[
            "rank",
            a,
            "--indicator",
            "wert",
            "--level",
            "Bezirk",
            "--period",
            period,
        ]);
        area(&r["areas"], "01")["value"].as_f64().unwrap()
    };
    assert_eq!((value("2019"), value("2020")), (1234.0, 1.234));

    // --sheet: the exported workbook's sheet "Werte" comes back with the same numbers. Matched
    // by name: the export's reference row has no key, and the importer does not yet recognise
    // it as a total row by its name "… (Referenz)" (left for the import issue).
    let xlsx = dir.path().join("werte.xlsx");
    let table = dir.path().join("werte-tabelle.csv");
    for (format, out) in [("xlsx", &xlsx), ("csv", &table)] {
        json(&[
            "export",
            "values",
            a,
            "--level",
            "Bezirk",
            "--period",
            "2019",
            "--format",
            format,
            "--out",
            s(out),
        ]);
    }
    let header = std::fs::read_to_string(&table).unwrap();
    let header = header
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_string();
    let column = header.split(';').nth(2).unwrap().trim_matches('"').to_string();
    let back = json(&[
        "import",
        "values",
        a,
        "--file",
        s(&xlsx),
        "--sheet",
        "Werte",
        "--level",
        "Bezirk",
        "--key-column",
        "Name",
        "--match-by",
        "name",
        "--period",
        "2019",
        "--columns",
        &format!("{column}=wert_kopie"),
        "--skip-unmatched",
    ]);
    assert_eq!(back["indicators"], serde_json::json!(["wert_kopie"]));
    let r = json(&[
        "rank",
        a,
        "--indicator",
        "wert_kopie",
        "--level",
        "Bezirk",
        "--period",
        "2019",
    ]);
    assert_eq!(area(&r["areas"], "01")["value"], 1234.0);

    // POIs from a table with --x-column/--y-column and --capacity-column.
    let pois = dir.path().join("kitas.csv");
    std::fs::write(
        &pois,
        "name;x;y;plaetze\nKita Mitte;13,4050;52,5200;80\nKita Pankow;13,4100;52,5700;\n",
    )
    .unwrap();
    let p = json(&[
        "import",
        "pois",
        a,
        "--file",
        s(&pois),
        "--category",
        "Kita",
        "--x-column",
        "x",
        "--y-column",
        "y",
        "--crs",
        "EPSG:4326",
        "--name-column",
        "name",
        "--capacity-column",
        "plaetze",
    ]);
    assert_eq!(
        (p["pois_imported"].as_u64(), p["with_capacity"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(p["capacity_column"], "plaetze");
}

#[test]
fn aggregate_partial_unweighted_mean_and_save_suffix() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let a = s(&atlas);
    let base = [
        "aggregate",
        a,
        "--from-level",
        "Planungsraum",
        "--to-level",
        "Bezirk",
        "--period",
        "2019",
        "--indicators",
        "s1",
    ];
    let strict = json(&base);
    let partial = json(
        &[
            &base[..],
            &[
                "--allow-partial",
                "--unweighted-mean",
                "--save",
                "--save-suffix",
                "_agg",
            ],
        ]
        .concat(),
    );
    // Some Planungsräume lack s1 (under 300 inhabitants): strict refuses the share of their
    // Bezirk, partial gives it over the areas that have it, and says how many.
    let gaps: Vec<&Value> = strict["indicators"][0]["areas"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["value"].is_null())
        .collect();
    assert!(!gaps.is_empty(), "{strict}");
    let r = json(&[
        "rank",
        a,
        "--indicator",
        "s1_agg",
        "--level",
        "Bezirk",
        "--period",
        "2019",
    ]);
    for gap in gaps {
        let key = gap["key"].as_str().unwrap();
        let partial_area = area(&partial["indicators"][0]["areas"], key);
        assert!(partial_area["value"].as_f64().is_some(), "{partial_area}");
        assert!(partial_area["used"].as_u64() < partial_area["total"].as_u64());
        assert_eq!(
            area(&r["areas"], key)["value"],
            partial_area["value"],
            "saved as s1_agg"
        );
    }
    for x in partial["indicators"][0]["areas"].as_array().unwrap() {
        assert!(
            x["alternative"]["label"].as_str().unwrap().contains("ungewichtet"),
            "{x}"
        );
    }
    assert!(strict["indicators"][0]["areas"][0].get("alternative").is_none());
    assert_eq!(partial["saved"], serde_json::json!(["s1_agg"]));
}

#[test]
fn rank_ascending_reverses_the_order() {
    let a = s(sample_atlas());
    let base = ["rank", a, "--indicator", "s1", "--level", "Bezirk", "--period", "2019"];
    let down = json(&base);
    let up = json(&[&base[..], &["--ascending"]].concat());
    let first = |r: &Value| r["areas"][0]["value"].as_f64().unwrap();
    let values: Vec<f64> = down["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["value"].as_f64().unwrap())
        .collect();
    assert_eq!(first(&down), values.iter().copied().fold(f64::MIN, f64::max));
    assert_eq!(first(&up), values.iter().copied().fold(f64::MAX, f64::min));
}

#[test]
fn hotspots_seed_and_significance() {
    let a = s(sample_atlas());
    let base = [
        "hotspots",
        a,
        "--indicator",
        "s1",
        "--level",
        "Planungsraum",
        "--period",
        "2019",
        "--permutations",
        "99",
    ];
    let run =
        |seed: &str, significance: &str| json(&[&base[..], &["--seed", seed, "--significance", significance]].concat());
    let p = |r: &Value| -> Vec<f64> {
        r["areas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["p"].as_f64().unwrap())
            .collect()
    };
    let loose = run("7", "0.05");
    assert_eq!(p(&loose), p(&run("7", "0.05")), "same seed, same p-values");
    assert_ne!(p(&loose), p(&run("8", "0.05")), "another seed, other p-values");
    let strict = run("7", "0.01");
    let significant = |r: &Value| {
        r["areas"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["class"] != "not_significant")
            .count()
    };
    assert!(
        significant(&strict) < significant(&loose),
        "{} vs {}",
        significant(&strict),
        significant(&loose)
    );
    assert!(strict["areas"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["class"] == "not_significant" || x["p"].as_f64().unwrap() <= 0.01));
}

#[test]
fn classify_stddev_width_and_diverging_center() {
    let a = s(sample_atlas());
    let base = [
        "classify",
        a,
        "--indicator",
        "s1",
        "--level",
        "Bezirksregion",
        "--period",
        "2019",
    ];
    let breaks = |r: &Value| -> Vec<f64> {
        r["breaks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_f64().unwrap())
            .collect()
    };
    let half = json(&[&base[..], &["--method", "stddev", "--width", "0.5", "--classes", "4"]].concat());
    let b = breaks(&half);
    let inner: Vec<f64> = b[1..b.len() - 1].windows(2).map(|w| w[1] - w[0]).collect();
    let full = json(&[&base[..], &["--method", "stddev", "--width", "1", "--classes", "4"]].concat());
    let f = breaks(&full);
    let full_step = f[2] - f[1];
    assert!(
        inner.iter().all(|d| (d - full_step / 2.0).abs() < 1e-9),
        "{b:?} vs {f:?}"
    );
    let diverging = json(
        &[
            &base[..],
            &["--method", "diverging", "--classes", "4", "--center", "10"],
        ]
        .concat(),
    );
    let d = breaks(&diverging);
    assert!((d[2] - 10.0).abs() < 1e-9, "centre 10 is the middle break: {d:?}");
    assert!(((d[2] - d[1]) - (d[3] - d[2])).abs() < 1e-9, "symmetric: {d:?}");
    let reference = json(
        &[
            &base[..],
            &["--method", "diverging", "--classes", "4", "--center", "reference"],
        ]
        .concat(),
    );
    let r = json(&[
        "rank",
        a,
        "--indicator",
        "s1",
        "--level",
        "Bezirksregion",
        "--period",
        "2019",
    ]);
    assert!((breaks(&reference)[2] - r["reference"].as_f64().unwrap()).abs() < 1e-9);
    assert!(
        fails(&[&base[..], &["--method", "diverging", "--center", "Mitte"]].concat())
            .contains("„reference“ oder eine Zahl")
    );
}

#[test]
fn index_aggregation_missing_targets_and_uncertainty_settings() {
    let a = s(sample_atlas());
    let base = [
        "index",
        a,
        "--level",
        "Bezirksregion",
        "--period",
        "2019",
        "--indicators",
        "s1:-,s3:-,s4:-",
    ];
    let geometric = json(&[&base[..], &["--aggregate", "geometric"]].concat());
    assert_eq!(geometric["aggregation"], "geometric");
    assert!(geometric["compensability"]
        .as_str()
        .unwrap()
        .starts_with("Geometrisches Mittel"));
    let available = json(&[&base[..], &["--missing", "available", "--min-coverage", "0.5"]].concat());
    assert_eq!(available["missing"]["min_coverage"], 0.5);
    let target = json(&[&base[..], &["--normalise", "target", "--targets", "s1=5,s3=10,s4=20"]].concat());
    // Distance to target, relative: an area at 10 % s1 is (10 − 5) / 5 = 1 above its target.
    assert!(
        target["normalisation_note"].as_str().unwrap().contains("Ziel"),
        "{}",
        target["normalisation_note"]
    );
    let mc = json(
        &[
            &base[..],
            &[
                "--uncertainty",
                "20",
                "--uncertainty-normalise",
                "z,rank",
                "--uncertainty-aggregate",
                "arithmetic",
                "--weight-range",
                "0.1",
                "--seed",
                "3",
            ],
        ]
        .concat(),
    );
    let u = &mc["uncertainty"];
    assert_eq!(
        (u["runs"].as_u64(), u["weight_range"].as_f64(), u["seed"].as_u64()),
        (Some(20), Some(0.1), Some(3))
    );
    assert_eq!(u["normalisations"].as_array().unwrap().len(), 2);
    assert_eq!(u["aggregations"].as_array().unwrap().len(), 1);
}

#[test]
fn distance_radii_categories_grid_catchment_outside_and_residential_mask() {
    let a = s(sample_atlas());
    let base = [
        "distance",
        a,
        "--category",
        "Kita",
        "--level",
        "Planungsraum",
        "--population-indicator",
        "ew_u6",
        "--period",
        "2020",
        "--grid-cell",
        "500",
    ];
    let radii = json(&[&base[..], &["--radius", "250,750"]].concat());
    let within = &radii["areas"][0]["within"];
    assert_eq!(within.as_array().unwrap().len(), 2);
    assert!(within[0].as_f64() <= within[1].as_f64());
    // Kitas and schools together are nearer than Kitas alone.
    let both = json(&[&base[..], &["--categories", "Schule"]].concat());
    assert!(both["overall_mean"].as_f64() < radii["overall_mean"].as_f64());
    assert_eq!(both["request"]["categories"], serde_json::json!(["Kita", "Schule"]));
    // A wider catchment reaches more places per child.
    let supply = |catchment: &str| {
        json(
            &[
                &base[..],
                &[
                    "--supply-attribute",
                    "capacity",
                    "--demand-indicator",
                    "ew_u6",
                    "--catchment",
                    catchment,
                ],
            ]
            .concat(),
        )
    };
    assert_eq!(supply("800")["request"]["supply"]["catchment"], 800.0);
    let excluded = json(&[&base[..], &["--outside", "exclude"]].concat());
    assert!(!excluded["request"]["keep_outside"].as_bool().unwrap());
    // --residential: origins only on a mask; a square around Mitte moves Mitte's origins there.
    let dir = tempfile::tempdir().unwrap();
    let mask = dir.path().join("wohnen.geojson");
    std::fs::write(
        &mask,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[13.39,52.51],[13.42,52.51],[13.42,52.53],[13.39,52.53],[13.39,52.51]]]}}]}"#,
    )
    .unwrap();
    let masked = json(
        &[
            &base[..],
            &["--residential", s(&mask), "--residential-crs", "EPSG:4326"],
        ]
        .concat(),
    );
    assert!(masked["origin_count"].as_u64() < radii["origin_count"].as_u64());
    let moved = masked["areas"]
        .as_array()
        .unwrap()
        .iter()
        .zip(radii["areas"].as_array().unwrap())
        .filter(|(m, r)| m["mean"] != r["mean"])
        .count();
    assert!(moved > 0, "the mask moves the origins of the areas it covers");
}

#[test]
fn distance_on_a_network_writes_isochrones() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("netz.quartier");
    let a = s(&atlas);
    json(&["new", a, "--name", "Netzdorf"]);
    // One square area of about 1.1 × 1.1 km in Mitte, a street grid every 0.002°, one Kita.
    let (x0, y0, x1, y1) = (13.40, 52.51, 13.416, 52.52);
    let area_file = dir.path().join("gebiet.geojson");
    std::fs::write(
        &area_file,
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"1","name":"Quadrat"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}]}}"#
        ),
    )
    .unwrap();
    json(&[
        "import",
        "geometry",
        a,
        "--level",
        "Gebiet",
        "--file",
        s(&area_file),
        "--key-column",
        "id",
    ]);
    let mut lines = Vec::new();
    for i in 0..=8 {
        let x = x0 + 0.002 * i as f64;
        lines.push(format!(r#"{{"type":"Feature","properties":{{}},"geometry":{{"type":"LineString","coordinates":[[{x},{y0}],[{x},{y1}]]}}}}"#));
    }
    for j in 0..=5 {
        let y = y0 + 0.002 * j as f64;
        for i in 0..8 {
            let (xa, xb) = (x0 + 0.002 * i as f64, x0 + 0.002 * (i + 1) as f64);
            lines.push(format!(r#"{{"type":"Feature","properties":{{}},"geometry":{{"type":"LineString","coordinates":[[{xa},{y}],[{xb},{y}]]}}}}"#));
        }
    }
    // Vertical lines must share the horizontal ones' ends: split them at every grid row.
    let lines: Vec<String> = lines
        .into_iter()
        .flat_map(|l| {
            if l.contains(&format!("[{y0}],")) || !l.contains(&format!("{y1}]]")) {
                return vec![l];
            }
            let x: f64 = l.split("[[").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
            (0..5)
                .map(|j| {
                    let (ya, yb) = (y0 + 0.002 * j as f64, y0 + 0.002 * (j + 1) as f64);
                    format!(r#"{{"type":"Feature","properties":{{}},"geometry":{{"type":"LineString","coordinates":[[{x},{ya}],[{x},{yb}]]}}}}"#)
                })
                .collect()
        })
        .collect();
    let network = dir.path().join("netz.geojson");
    std::fs::write(
        &network,
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, lines.join(",")),
    )
    .unwrap();
    let n = json(&["import", "network", a, "--file", s(&network)]);
    assert_eq!(n["components"], 1, "{n}");
    let values = dir.path().join("ew.csv");
    std::fs::write(&values, "id;ew\n1;500\n").unwrap();
    json(&[
        "import",
        "values",
        a,
        "--file",
        s(&values),
        "--level",
        "Gebiet",
        "--key-column",
        "id",
        "--period",
        "2020",
    ]);
    let kita = dir.path().join("kita.csv");
    std::fs::write(&kita, "name;lon;lat\nEck-Kita;13,400;52,510\n").unwrap();
    json(&["import", "pois", a, "--file", s(&kita), "--category", "Kita"]);
    let iso = dir.path().join("isochronen.geojson");
    let r = json(&[
        "distance",
        a,
        "--category",
        "Kita",
        "--level",
        "Gebiet",
        "--population-indicator",
        "ew",
        "--period",
        "2020",
        "--network",
        "--isochrones",
        s(&iso),
        "--isochrone-radius",
        "300",
    ]);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&iso).unwrap()).unwrap();
    assert_eq!(written["type"], "FeatureCollection");
    assert_eq!(written, r["isochrones"]);
    // Walking on the grid is longer than the straight line from the corner.
    let straight = json(&[
        "distance",
        a,
        "--category",
        "Kita",
        "--level",
        "Gebiet",
        "--population-indicator",
        "ew",
        "--period",
        "2020",
    ]);
    assert!(area(&r["areas"], "1")["mean"].as_f64() > area(&straight["areas"], "1")["mean"].as_f64());
}

/// An atlas whose MSS indicators carry other names than the preset's (`alo` for `s1` …).
fn renamed_mss_atlas(dir: &Path) -> PathBuf {
    let atlas = dir.join("umbenannt.quartier");
    let a = s(&atlas);
    json(&["new", a, "--name", "Berlin"]);
    let sample = repo().join("sample_data");
    json(&[
        "import",
        "geometry",
        a,
        "--level",
        "Bezirksregion",
        "--file",
        s(&sample.join("geometry/berlin-lor-district-regions-until-2020.geojson")),
        "--key-column",
        "id",
    ]);
    let columns = "inhabitants=ew_mss,s1_percentage_unemployed=alo,s3_percentage_transfer_payments_recipients=transfer,\
                   s4_percentage_transfer_payments_recipients_below_15_years=kinder,\
                   d1_percentage_unemployed=dalo,d3_percentage_transfer_payments_recipients=dtransfer,d4_percentage_transfer_payments_recipients_below_15_years=dkinder";
    let mss = sample.join("mss/berlin-lor-monitoring-social-urban-development-2019-00-2-2.csv");
    json(&[
        "import",
        "values",
        a,
        "--level",
        "Bezirksregion",
        "--file",
        s(&mss),
        "--key-column",
        "id",
        "--period",
        "2019",
        "--columns",
        columns,
    ]);
    atlas
}

#[test]
fn a_preset_with_own_indicator_lists_keeps_its_method() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = renamed_mss_atlas(dir.path());
    let a = s(&atlas);
    let base = [
        "status-dynamics",
        a,
        "--level",
        "Bezirksregion",
        "--period",
        "2019",
        "--preset",
        "berlin-mss",
    ];
    assert!(fails(&base).contains("„s1“"));
    let own = json(
        &[
            &base[..],
            &[
                "--status",
                "alo,transfer,kinder",
                "--dynamics",
                "dalo,dtransfer,dkinder",
            ],
        ]
        .concat(),
    );
    let mapped = json(
        &[
            &base[..],
            &["--map", "s1=alo,s3=transfer,s4=kinder,d1=dalo,d3=dtransfer,d4=dkinder"],
        ]
        .concat(),
    );
    assert_eq!(own["preset"], "berlin-mss");
    assert_eq!(
        own["status_indicators"],
        serde_json::json!(["alo", "transfer", "kinder"])
    );
    assert_eq!(own["areas"], mapped["areas"]);
    assert_eq!(own["excluded"], mapped["excluded"]);
    // The preset's method stays: its thresholds, and its minimum population on ew_mss.
    assert_eq!(own["thresholds"]["status"], serde_json::json!([-1.0, 1.0, 1.5]));
    assert!(own["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["reason"].as_str().unwrap().contains("Einwohnern")));
    // Own class boundaries for the dynamics.
    let narrow = json(
        &[
            &base[..],
            &[
                "--status",
                "alo,transfer,kinder",
                "--dynamics",
                "dalo,dtransfer,dkinder",
                "--dynamics-thresholds",
                "-0.5,0.5",
            ],
        ]
        .concat(),
    );
    assert_eq!(narrow["thresholds"]["dynamics"], serde_json::json!([-0.5, 0.5]));
    let stable = |r: &Value| r["dynamics_counts"][1].as_u64().unwrap();
    assert!(stable(&narrow) < stable(&own));
}

#[test]
fn status_only_classifies_one_period_without_dynamics() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = renamed_mss_atlas(dir.path());
    let a = s(&atlas);
    let base = [
        "status-dynamics",
        a,
        "--level",
        "Bezirksregion",
        "--period",
        "2019",
        "--status",
        "alo:-,transfer:-,kinder:-",
    ];
    let only = json(&[&base[..], &["--status-only"]].concat());
    for absent in ["dynamics_indicators", "dynamics_counts", "matrix"] {
        assert!(only.get(absent).is_none(), "{absent}");
    }
    let first = &only["areas"][0];
    assert!(first.get("dynamics_index").is_none() && first.get("dynamics_class").is_none());
    assert_eq!(
        first["code"],
        first["status_class"]
            .as_str()
            .map(|c| match c {
                "hoch" => "1",
                "mittel" => "2",
                "niedrig" => "3",
                _ => "4",
            })
            .unwrap()
    );
    let counts: u64 = only["status_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(counts, only["valid_areas"].as_u64().unwrap());
    // Where every area has its dynamics too, the status classes equal those of a full run.
    let full = json(&[&base[..], &["--dynamics", "dalo:-,dtransfer:-,dkinder:-"]].concat());
    if full["valid_areas"] == only["valid_areas"] {
        assert_eq!(full["status_counts"], only["status_counts"]);
    }
    assert!(fails(&[&base[..], &["--status-only", "--dynamics", "dalo"]].concat()).contains("schließen sich aus"));
    // Saved: status index, class and code, no dynamics.
    let saved = json(&[&base[..], &["--status-only", "--save"]].concat());
    assert_eq!(
        saved["saved"],
        serde_json::json!(["sd_status_index", "sd_status_class", "sd_code"])
    );
}

/// `import values --dash missing`: a lone dash is read as "fehlt", and the report says so
/// (the default, "nichts vorhanden" = 0, is tested in the engine's sign tests).
#[test]
fn dash_missing_reads_a_dash_as_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let csv = dir.path().join("strich.csv");
    std::fs::write(&csv, "id;neu\n01;–\n02;5\n").unwrap();
    let args = |dash: &'static str| {
        vec![
            "import",
            "values",
            s(&atlas),
            "--file",
            s(&csv),
            "--level",
            "Bezirk",
            "--key-column",
            "id",
            "--period",
            "2020",
            "--dash",
            dash,
        ]
    };
    let zero = json(&args("zero"));
    assert_eq!(zero["values_by_status"]["ok"], 2);
    assert_eq!(zero["signs"]["–"], 1);
    let missing = json(&args("missing"));
    assert_eq!(missing["values_by_status"]["missing"], 1);
    assert_eq!(missing["dash"], "missing");
    assert_eq!(missing["changes"]["changed"], 1, "0 became fehlt");
}

/// `import geometry --new-level`: a level that is "Bezirk" in the plural is refused with the
/// existing level named, and made when confirmed.
#[test]
fn new_level_confirms_a_level_close_to_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let districts = repo().join("sample_data/geometry/berlin-lor-districts.geojson");
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "import",
            "geometry",
            s(&atlas),
            "--level",
            "Bezirke",
            "--file",
            s(&districts),
            "--key-column",
            "id",
        ];
        a.extend(extra);
        a
    };
    let e = fails(&args(&[]));
    assert!(e.contains("„Bezirk“") && e.contains("--new-level"), "{e}");
    let made = json(&args(&["--new-level"]));
    assert_eq!(made["level_created"], true);
}

/// `import metadata --template`: an empty sheet with every column, and the explanation on a
/// second sheet; the template imports again (nothing in it, nothing changes).
#[test]
fn template_writes_an_empty_explained_metadata_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let template = dir.path().join("vorlage.xlsx");
    let written = json(&["import", "metadata", s(&atlas), "--template", s(&template)]);
    let columns: Vec<&str> = written["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(columns[0], "Schlüssel");
    assert!(columns.contains(&"Aggregation") && columns.contains(&"Geheimhaltungsschwelle"));
    let help = quartier_core::table::read_table(&template, Some("Erläuterung")).unwrap();
    assert_eq!(
        help.headers,
        ["Spalte", "auch erkannt als", "Inhalt und erlaubte Werte"]
    );
    let explained: Vec<String> = help.rows.iter().map(|r| r.cells[0].as_text()).collect();
    for c in &columns {
        assert!(explained.iter().any(|e| e == c), "{c} is explained");
    }
    let e = fails(&[
        "import",
        "metadata",
        s(&atlas),
        "--template",
        s(&dir.path().join("vorlage.csv")),
    ]);
    assert!(e.contains(".xlsx"), "{e}");
}

/// `import values --reference-row`: the named total row becomes the official reference of
/// the level; `info --json` says so per level and period, `rank` deviates from it.
#[test]
fn reference_row_makes_the_official_reference() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let csv = dir.path().join("summe.csv");
    let mut text = String::from("id;zaehlung\n");
    for n in 1..=12 {
        text.push_str(&format!("{n:02};{}\n", 10 * n));
    }
    text.push_str("Berlin;800\n");
    std::fs::write(&csv, text).unwrap();
    let v = json(&[
        "import",
        "values",
        s(&atlas),
        "--file",
        s(&csv),
        "--level",
        "Bezirk",
        "--key-column",
        "id",
        "--period",
        "2020",
        "--reference-row",
        "Berlin",
    ]);
    assert_eq!(v["reference_row"]["line"], 14);
    assert_eq!(v["rows_imported"], 12);
    let info = json(&["info", s(&atlas)]);
    let coverage = &info["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "zaehlung")
        .unwrap()["coverage"][0];
    assert_eq!(coverage["reference"]["official"], true);
    let rank = json(&[
        "rank",
        s(&atlas),
        "--indicator",
        "zaehlung",
        "--level",
        "Bezirk",
        "--period",
        "2020",
    ]);
    assert_eq!(rank["reference"], 800.0);
    assert_eq!(rank["reference_status"], "official");
}

/// `import values --merge-rows`: a row for two Bezirke ("01+02") becomes a combined area that
/// stands in for them; the city total through it is the sum of all rows, and `--check`
/// reports the same without creating it.
#[test]
fn merge_rows_makes_a_combined_area_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let csv = dir.path().join("zusammen.csv");
    let mut text = String::from("id;zaehlung\n01+02;30\n");
    for n in 3..=12 {
        text.push_str(&format!("{n:02};{}\n", 10 * n));
    }
    std::fs::write(&csv, text).unwrap();
    let base = [
        "import",
        "values",
        s(&atlas),
        "--file",
        s(&csv),
        "--level",
        "Bezirk",
        "--key-column",
        "id",
        "--period",
        "2020",
    ];
    // Without the flag the row is refused, and the message names the flag that helps.
    let err = fails(&base);
    assert!(err.contains("--merge-rows"), "{err}");
    let checked = json(&[&base[..], &["--merge-rows", "--check"]].concat());
    assert_eq!(checked["combined_areas_created"][0]["key"], "01+02");
    let v = json(&[&base[..], &["--merge-rows"]].concat());
    assert_eq!(v["rows_imported"], 11);
    assert_eq!(
        v["combined_areas_created"][0]["members"],
        serde_json::json!(["01", "02"])
    );
    let meta = dir.path().join("meta.csv");
    std::fs::write(&meta, "Schlüssel;Name;Art;Aggregation\nzaehlung;Zählung;Anzahl;Summe\n").unwrap();
    json(&["import", "metadata", s(&atlas), "--file", s(&meta)]);
    let city = json(&[
        "aggregate",
        s(&atlas),
        "--from-level",
        "Bezirk",
        "--period",
        "2020",
        "--indicators",
        "zaehlung",
    ]);
    let expected = 30.0 + (3..=12).map(|n| 10.0 * n as f64).sum::<f64>();
    assert_eq!(city["indicators"][0]["areas"][0]["value"].as_f64(), Some(expected));
    assert_eq!(city["indicators"][0]["areas"][0]["used"], 11);
}

/// What leaves the laptop is suppressed (issue 15 § 0): `export values` writes the counts of
/// 1 to 3 persons of the source table as "k. A.", with a note that states the rule, and never
/// one of them as a number; `--intern` writes them and marks the file. The source table is the
/// reference: every Planungsraum with 1–3 inhabitants aged 15 to 18 there.
#[test]
fn exported_tables_are_suppressed_unless_marked_internal() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let source = std::fs::read_to_string(
        repo().join("sample_data/population/berlin-lor-population-2020-02-t2-planning-areas.csv"),
    )
    .unwrap();
    let header: Vec<&str> = source.lines().next().unwrap().split(',').collect();
    // (source column, the indicator's heading in the export)
    let pairs = [
        ("inhabitants_age_15_18", "Einwohner 15 bis unter 18"),
        ("inhabitants_age_below_6", "Einwohner unter 6"),
        ("inhabitants_age_6_15", "Einwohner 6 bis unter 15"),
        ("inhabitants_age_18_27", "Einwohner 18 bis unter 27"),
    ];
    let mut small: Vec<(String, String, &str)> = Vec::new();
    for (source_column, heading) in pairs {
        let column = header.iter().position(|h| *h == source_column).unwrap();
        small.extend(
            source
                .lines()
                .skip(1)
                .map(|l| l.split(',').collect::<Vec<_>>())
                .filter(|c| matches!(c[column], "1" | "2" | "3"))
                .map(|c| (format!("{:0>8}", c[0]), c[column].to_string(), heading)),
        );
    }
    assert!(small.len() >= 3, "the sample has small counts: {small:?}");
    let export = |out: &Path, intern: bool| {
        let mut args = vec![
            "export",
            "values",
            s(&atlas),
            "--level",
            "Planungsraum",
            "--period",
            "2020",
            "--format",
            "csv",
            "--out",
            s(out),
        ];
        if intern {
            args.push("--intern");
        }
        let summary = json(&args);
        let text = String::from_utf8(std::fs::read(out).unwrap()[3..].to_vec()).unwrap();
        (summary, text)
    };
    let (summary, text) = export(&dir.path().join("oeffentlich.csv"), false);
    assert_eq!(summary["intern"], false);
    assert!(summary["suppressed_cells"].as_u64().unwrap() >= small.len() as u64);
    let columns: Vec<&str> = text.lines().next().unwrap().split(';').collect();
    let col = |heading: &str| columns.iter().position(|h| h.starts_with(heading)).unwrap();
    for (key, _, heading) in &small {
        let row = text.lines().find(|l| l.starts_with(&format!("{key};"))).unwrap();
        assert_eq!(row.split(';').nth(col(heading)), Some("k. A."), "{heading}: {row}");
    }
    // No count column shows 1, 2 or 3 anywhere.
    let count_columns: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, h)| h.contains("(Personen)"))
        .map(|(i, _)| i)
        .collect();
    for row in text.lines().skip(2).filter(|l| !l.starts_with("Hinweis")) {
        let cells: Vec<&str> = row.split(';').collect();
        for &c in &count_columns {
            assert!(!matches!(cells[c], "1" | "2" | "3"), "{row}");
        }
    }
    let note = text
        .lines()
        .find(|l| l.starts_with("Hinweis: k. A. = geheim gehalten"))
        .unwrap();
    assert!(note.contains("Fallzahlen von 1 bis 3"), "{note}");
    assert!(!text.contains("Dienstgebrauch"));

    let (summary, text) = export(&dir.path().join("intern.csv"), true);
    assert_eq!(
        (summary["intern"].as_bool(), summary["suppressed_cells"].as_u64()),
        (Some(true), Some(0))
    );
    for (key, value, heading) in &small {
        let row = text.lines().find(|l| l.starts_with(&format!("{key};"))).unwrap();
        assert_eq!(
            row.split(';').nth(col(heading)),
            Some(value.as_str()),
            "{heading}: {row}"
        );
    }
    assert!(text.contains("Hinweis: Nur für den Dienstgebrauch – enthält nicht geheimgehaltene Fallzahlen"));

    // The workbook carries the marking too, as a row under the table.
    let xlsx = dir.path().join("intern.xlsx");
    json(&[
        "export",
        "values",
        s(&atlas),
        "--level",
        "Planungsraum",
        "--period",
        "2020",
        "--format",
        "xlsx",
        "--out",
        s(&xlsx),
        "--intern",
    ]);
    let sheet = quartier_core::table::read_table(&xlsx, None).unwrap();
    assert!(sheet
        .rows
        .iter()
        .any(|r| r.cells[0].as_text().starts_with("Hinweis: Nur für den Dienstgebrauch")));

    // The note rows do not stop the table from being imported again.
    let again = json(&[
        "import",
        "values",
        s(&atlas),
        "--file",
        s(&dir.path().join("intern.csv")),
        "--level",
        "Planungsraum",
        "--key-column",
        "Schlüssel",
        "--period",
        "2099",
        "--skip-unmatched",
        "--check",
    ]);
    assert_eq!(again["rows_imported"], 448);
}

/// `export geopackage` and `export geojson` (issue 15 § 4): one layer per level with a column per
/// indicator and period, a point layer per POI category, read back with SQLite and with GDAL
/// (`ogrinfo`, an independent reader; installed by `.ci/run`), values checked against the
/// source table; small counts NULL with the sign "k. A." unless `--intern`.
#[test]
fn geopackage_and_geojson_open_in_gis_with_suppressed_values() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let gpkg = dir.path().join("atlas.gpkg");
    let summary = json(&[
        "export",
        "geopackage",
        s(&atlas),
        "--out",
        s(&gpkg),
        "--levels",
        "Bezirk,Planungsraum",
        "--periods",
        "2020",
    ]);
    let layers = summary["layers"].as_array().unwrap();
    assert_eq!(layers[0]["name"], "Bezirk");
    assert_eq!(layers[1]["features"], 448);
    assert!(layers
        .iter()
        .any(|l| l["name"] == "Einrichtungen Kita" && l["features"].as_u64().unwrap() > 1000));
    assert!(summary["suppressed_cells"].as_u64().unwrap() > 0);

    let conn = rusqlite::Connection::open(&gpkg).unwrap();
    let one = |sql: &str| -> rusqlite::types::Value { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        one("PRAGMA application_id"),
        rusqlite::types::Value::Integer(0x4750_4B47)
    );
    assert_eq!(
        one("SELECT COUNT(*) FROM Planungsraum"),
        rusqlite::types::Value::Integer(448)
    );
    assert_eq!(
        one("SELECT COUNT(*) FROM rtree_Planungsraum_geom"),
        rusqlite::types::Value::Integer(448)
    );
    assert_eq!(
        one("SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = 'Planungsraum'"),
        rusqlite::types::Value::Text("MULTIPOLYGON".into())
    );
    assert_eq!(
        one("SELECT substr(geom, 1, 2) FROM Planungsraum LIMIT 1"),
        rusqlite::types::Value::Blob(b"GP".to_vec())
    );
    // The source table: Stülerstraße (01011101) has 3,419 inhabitants; 04061757 has 3 aged 15 to 18.
    assert_eq!(
        one("SELECT ew_2020 FROM Planungsraum WHERE schluessel = '01011101'"),
        rusqlite::types::Value::Real(3419.0)
    );
    assert_eq!(
        one("SELECT ew_15_18_2020 FROM Planungsraum WHERE schluessel = '04061757'"),
        rusqlite::types::Value::Null
    );
    assert_eq!(
        one("SELECT ew_15_18_2020_zeichen FROM Planungsraum WHERE schluessel = '04061757'"),
        rusqlite::types::Value::Text("k. A.".into())
    );

    // GDAL reads the same: the layer, its count, its spatial index, its columns.
    let ogr = std::process::Command::new("ogrinfo")
        .args(["-so", s(&gpkg), "Planungsraum"])
        .output()
        .expect("ogrinfo (gdal-bin) is needed; .ci/run installs it");
    let text = String::from_utf8_lossy(&ogr.stdout);
    assert!(
        text.contains("Feature Count: 448") && text.contains("ew_15_18_2020_zeichen: String"),
        "{text}"
    );
    assert!(
        !String::from_utf8_lossy(&ogr.stderr).contains("Warning"),
        "{}",
        String::from_utf8_lossy(&ogr.stderr)
    );
    let index = std::process::Command::new("ogrinfo")
        .args([s(&gpkg), "-sql", "SELECT HasSpatialIndex('Planungsraum','geom')"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&index.stdout).contains("= 1"));

    let internal = dir.path().join("intern.gpkg");
    json(&[
        "export",
        "geopackage",
        s(&atlas),
        "--out",
        s(&internal),
        "--levels",
        "Planungsraum",
        "--periods",
        "2020",
        "--intern",
    ]);
    let conn = rusqlite::Connection::open(&internal).unwrap();
    let value: f64 = conn
        .query_row(
            "SELECT ew_15_18_2020 FROM Planungsraum WHERE schluessel = '04061757'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(value, 3.0);
    let description: String = conn
        .query_row(
            "SELECT description FROM gpkg_contents WHERE table_name = 'Planungsraum'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(description.contains("Nur für den Dienstgebrauch"), "{description}");

    let geojson_file = dir.path().join("planungsraeume.geojson");
    let summary = json(&[
        "export",
        "geojson",
        s(&atlas),
        "--level",
        "Planungsraum",
        "--out",
        s(&geojson_file),
        "--periods",
        "2020",
    ]);
    assert_eq!(summary["layers"][0]["features"], 448);
    let collection: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&geojson_file).unwrap()).unwrap();
    let feature = |key: &str| {
        collection["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["schluessel"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(feature("01011101")["properties"]["ew_2020"], 3419.0);
    assert_eq!(
        feature("04061757")["properties"]["ew_15_18_2020"],
        serde_json::Value::Null
    );
    assert_eq!(feature("04061757")["properties"]["ew_15_18_2020_zeichen"], "k. A.");
    let ogr = std::process::Command::new("ogrinfo")
        .args(["-so", "-al", s(&geojson_file)])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&ogr.stdout).contains("Feature Count: 448"));
}

/// `export geoparquet` (issue 15 § 4): read back with pyarrow (an independent reader; `.ci/run`
/// installs it): one row per Planungsraum, the `geo` metadata of GeoParquet 1.1 with the WKB
/// geometry column, the source table's value, and a small count NULL with its sign.
#[test]
fn geoparquet_reads_back_with_pyarrow() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let file = dir.path().join("planungsraeume.parquet");
    let summary = json(&[
        "export",
        "geoparquet",
        s(&atlas),
        "--level",
        "Planungsraum",
        "--periods",
        "2020",
        "--out",
        s(&file),
    ]);
    assert_eq!(summary["layers"][0]["features"], 448);
    let script = r#"
import json, sys
import pyarrow.parquet as pq
table = pq.read_table(sys.argv[1])
geo = json.loads(pq.read_metadata(sys.argv[1]).metadata[b"geo"])
d = table.to_pydict()
row = lambda key: d["schluessel"].index(key)
print(json.dumps({
    "rows": table.num_rows,
    "geo": geo,
    "ew": d["ew_2020"][row("01011101")],
    "small": d["ew_15_18_2020"][row("04061757")],
    "sign": d["ew_15_18_2020_zeichen"][row("04061757")],
    "wkb": list(d["geometry"][0][:5]),
}))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, s(&file)])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "pyarrow is needed (.ci/run installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(read["rows"], 448);
    assert_eq!(read["geo"]["version"], "1.1.0");
    assert_eq!(read["geo"]["columns"]["geometry"]["encoding"], "WKB");
    assert_eq!(read["ew"], 3419.0);
    assert_eq!(read["small"], serde_json::Value::Null);
    assert_eq!(read["sign"], "k. A.");
    assert_eq!(
        read["wkb"],
        serde_json::json!([1, 6, 0, 0, 0]),
        "little-endian WKB MultiPolygon"
    );
}

/// `export values --notation international`: comma-separated with decimal points, the same
/// numbers as the German CSV (parsed each by its own rules).
#[test]
fn csv_in_international_notation_has_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let write = |notation: &str| {
        let out = dir.path().join(format!("{notation}.csv"));
        json(&[
            "export",
            "values",
            s(&atlas),
            "--level",
            "Bezirk",
            "--period",
            "2019",
            "--format",
            "csv",
            "--notation",
            notation,
            "--out",
            s(&out),
        ]);
        std::fs::read(&out).unwrap()
    };
    let german = write("german");
    let international = write("international");
    assert!(german.starts_with(b"\xEF\xBB\xBF") && !international.starts_with(b"\xEF\xBB\xBF"));
    // No field of this table holds a delimiter, so splitting the lines is parsing them.
    let parse = |bytes: &[u8], delimiter: char, number: &dyn Fn(&str) -> Option<f64>| -> Vec<Vec<Option<f64>>> {
        std::str::from_utf8(bytes)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(delimiter).skip(2).map(number).collect())
            .collect()
    };
    let g = parse(&german[3..], ';', &|t| {
        t.replace('.', "").replace(',', ".").parse().ok()
    });
    let i = parse(&international, ',', &|t| t.parse().ok());
    assert_eq!(g.len(), 13);
    assert_eq!(g, i);
    assert!(
        i[1].iter().any(|v| v.is_some_and(|x| x.fract() != 0.0)),
        "decimals present: {:?}",
        i[1]
    );
}

/// `export map` and `export chart` (issue 15 § 3): paper, orientation, resolution, labels,
/// scheme, the classes and every chart kind, each checked in what it changes.
#[test]
fn figure_exports_take_paper_resolution_labels_scheme_and_every_chart_kind() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let a = s(&atlas);
    let map = |out: &str, extra: &[&str]| {
        let out = dir.path().join(out);
        let mut args = vec![
            "export",
            "map",
            a,
            "--indicator",
            "s1",
            "--level",
            "Bezirksregion",
            "--period",
            "2019",
            "--out",
            s(&out),
        ];
        args.extend_from_slice(extra);
        (json(&args), out)
    };
    // A3 landscape at 100 dpi: 420 × 297 mm.
    let (big, _) = map("a3.png", &["--size", "a3", "--landscape", "--dpi", "100"]);
    assert_eq!(big["size_mm"], serde_json::json!([420.0, 297.0]));
    assert_eq!(big["pixels"], serde_json::json!([1654, 1169]));
    // Labels: area names in the SVG; without, none.
    let (_, labelled) = map("namen.svg", &["--labels"]);
    let (_, plain) = map("ohne.svg", &[]);
    let (labelled, plain) = (
        std::fs::read_to_string(labelled).unwrap(),
        std::fs::read_to_string(plain).unwrap(),
    );
    assert!(labelled.contains(">Zehlendorf Nord<") || labelled.contains(">Grunewald<"));
    assert!(!plain.contains(">Grunewald<"));
    // Scheme and reversal: ColorBrewer Blues, darkest class first when reversed.
    let (_, blues) = map(
        "blau.svg",
        &["--scheme", "Blues", "--method", "quantile", "--classes", "4"],
    );
    let (_, reversed) = map(
        "blau-um.svg",
        &[
            "--scheme",
            "Blues",
            "--reversed",
            "--method",
            "quantile",
            "--classes",
            "4",
        ],
    );
    let first_fill = |path: &Path| {
        let svg = std::fs::read_to_string(path).unwrap();
        let legend = svg.rfind("in Klammern: Zahl der Gebiete").unwrap();
        let at = svg[legend..].find("fill=\"#").unwrap() + legend + 6;
        svg[at..at + 7].to_string()
    };
    assert_eq!(first_fill(&blues), "#f7fbff", "ColorBrewer Blues, lightest");
    assert_eq!(first_fill(&reversed), "#08306b", "ColorBrewer Blues, darkest");
    // Facilities as symbols (every Kita of the atlas, one dot each) and columns.
    let (_, overlay) = map("ueberlagert.svg", &["--pois", "Kita", "--columns", "s3"]);
    let svg = std::fs::read_to_string(overlay).unwrap();
    assert!(svg.contains("Kita (2.880)") && svg.contains("Säulen: Transferbezug"));
    assert_eq!(
        svg.matches("<circle").count(),
        2880 + 1,
        "2,880 Kitas and the legend dot"
    );
    // An unknown extension is refused in German.
    let err = fails(&[
        "export",
        "map",
        a,
        "--indicator",
        "anteil_u6",
        "--level",
        "Bezirk",
        "--period",
        "2020",
        "--out",
        "karte.tif",
    ]);
    assert!(err.contains("unbekanntes Bildformat „.tif“"), "{err}");

    // Every chart kind; the spine with two areas, the line and the age structure with one.
    for (kind, indicators, areas, period) in [
        ("bar", "s1", "", "2019"),
        ("scatter", "s3,s1", "01011101", "2019"),
        ("line", "s1", "01011101", "2019"),
        ("age", "", "01011101", "2020"),
        (
            "spine",
            "anteil_u6,anteil_65plus,anteil_ausl",
            "01011101,01011102",
            "2020",
        ),
    ] {
        let out = dir.path().join(format!("{kind}.png"));
        let mut args = vec![
            "export",
            "chart",
            a,
            "--kind",
            kind,
            "--level",
            "Planungsraum",
            "--period",
            period,
            "--out",
            s(&out),
            "--dpi",
            "96",
        ];
        if !indicators.is_empty() {
            args.extend(["--indicators", indicators]);
        }
        if !areas.is_empty() {
            args.extend(["--areas", areas]);
        }
        if kind == "bar" {
            args.extend(["--method", "jenks", "--classes", "5"]);
        }
        let r = json(&args);
        assert!(r["marks"].as_u64().unwrap() > 0, "{kind}: {r}");
        assert_eq!(r["dpi"], 96.0);
        let png = std::fs::read(&out).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{kind}");
    }
    // The spine has one row per indicator; the internal chart says so on the page.
    let out = dir.path().join("profil.svg");
    let r = json(&[
        "export",
        "chart",
        a,
        "--kind",
        "spine",
        "--indicators",
        "anteil_u6,anteil_65plus",
        "--level",
        "Planungsraum",
        "--period",
        "2020",
        "--areas",
        "04061757",
        "--out",
        s(&out),
        "--intern",
    ]);
    assert_eq!(r["marks"], 2);
    assert_eq!(r["intern"], true);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("Nur für den Dienstgebrauch"));
}

/// `report profiles|template|text` (issue 15 § 2): a saved template, a text from a file and
/// one from the command line, the book for two areas, internal.
#[test]
fn profiles_take_a_saved_template_texts_and_chosen_areas() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample_copy(dir.path());
    let a = s(&atlas);
    let saved = json(&[
        "report",
        "template",
        a,
        "--name",
        "Kurz",
        "--section",
        "Kinder=ew_u6,anteil_u6",
        "--section",
        "Alter=anteil_65plus",
    ]);
    assert_eq!(saved["templates"][0]["name"], "Kurz");
    assert_eq!(saved["templates"][0]["sections"][0]["indicators"][1], "anteil_u6");
    let file = dir.path().join("text.txt");
    std::fs::write(&file, "Text aus der Datei.").unwrap();
    quartier(&[
        "report",
        "text",
        a,
        "--level",
        "Planungsraum",
        "--area",
        "01011101",
        "--text-file",
        s(&file),
        "--author",
        "JHP",
    ]);
    quartier(&[
        "report",
        "text",
        a,
        "--level",
        "Planungsraum",
        "--area",
        "01011102",
        "--text",
        "Park und Regierungsviertel.",
    ]);
    let out = dir.path().join("buch.pdf");
    let r = json(&[
        "report",
        "profiles",
        a,
        "--level",
        "Planungsraum",
        "--period",
        "2020",
        "--areas",
        "01011101,01011102",
        "--template",
        "Kurz",
        "--out",
        s(&out),
        "--intern",
    ]);
    assert_eq!(r["profiles"], 2);
    assert_eq!(r["template"], "Kurz");
    assert_eq!(r["intern"], true);
    let text = std::process::Command::new("pdftotext")
        .arg(&out)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Text aus der Datei.") && text.contains("Park und Regierungsviertel."));
    assert!(text.contains("Nur für den Dienstgebrauch"));
    assert!(
        !text.contains("Einwohnerinnen (Personen)"),
        "only the template's indicators"
    );
    let err = fails(&["report", "template", a, "--section", "Ohne Namen=ew"]);
    assert!(err.contains("braucht --name"), "{err}");
}
