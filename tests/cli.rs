//! End-to-end tests of the `quartier` binary: the CLI contract, its JSON and its exit codes.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

#[test]
fn a_planner_builds_an_atlas_from_files_and_exports_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("berlin.quartier");
    let a = s(&atlas);
    let created = json(&["new", a, "--name", "Berlin", "--ags", "11000000"]);
    assert_eq!(created["schema_version"], quartier_core::store::schema::LATEST_VERSION);

    let geo = repo().join("sample_data/geometry");
    let g = json(&[
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
    assert_eq!(g["areas_created"], 12);
    assert!(
        (g["total_area_km2"].as_f64().unwrap() - 891.0).abs() < 5.0,
        "Berlin is about 891 km²: {}",
        g["total_area_km2"]
    );
    let g = json(&[
        "import",
        "geometry",
        a,
        "--level",
        "Bezirksregion",
        "--file",
        s(&geo.join("berlin-lor-district-regions-until-2020.geojson")),
        "--key-column",
        "id",
        "--name-column",
        "name",
        "--parent-level",
        "Bezirk",
    ]);
    assert_eq!(g["parent_method"], "point_in_polygon");
    assert_eq!(g["without_parent"].as_array().unwrap().len(), 0);

    // Wide form, two editions: the second adds a period; importing the first again replaces it.
    let mss = |y: &str| {
        repo().join(format!(
            "sample_data/mss/berlin-lor-monitoring-social-urban-development-{y}-00-2-3.csv"
        ))
    };
    let cols = "inhabitants=ew_mss,s1_percentage_unemployed=s1,s3_percentage_transfer_payments_recipients=s3";
    let v = json(&[
        "import",
        "values",
        a,
        "--file",
        s(&mss("2019")),
        "--level",
        "Bezirk",
        "--key-column",
        "id",
        "--name-column",
        "name",
        "--period",
        "2019",
        "--columns",
        cols,
    ]);
    assert_eq!(v["values_written"], 36);
    assert_eq!(v["periods_added"], serde_json::json!(["2019"]));
    assert_eq!(v["decimal_separator"], "Point");
    let v = json(&[
        "import",
        "values",
        a,
        "--file",
        s(&mss("2017")),
        "--level",
        "Bezirk",
        "--key-column",
        "id",
        "--period",
        "2017",
        "--columns",
        cols,
    ]);
    assert_eq!(v["periods_added"], serde_json::json!(["2017"]));
    let v = json(&[
        "import",
        "values",
        a,
        "--file",
        s(&mss("2019")),
        "--level",
        "Bezirk",
        "--key-column",
        "id",
        "--period",
        "2019",
        "--columns",
        cols,
    ]);
    assert_eq!(v["periods_added"], serde_json::json!([]));
    assert_eq!(v["indicators_created"], serde_json::json!([]));

    // Metadata sheet, then POIs from a CSV with lat/lon.
    let meta = dir.path().join("meta.csv");
    std::fs::write(&meta, "Schlüssel;Name;Einheit;Nachkommastellen;Art;Aggregation;Polarität\new_mss;Einwohner;Personen;0;Anzahl;Summe;neutral\ns1;Arbeitslosigkeit;%;2;Anteil;gewichtetes Mittel:ew_mss;-\n").unwrap();
    let m = json(&["import", "metadata", a, "--file", s(&meta)]);
    assert_eq!(m["indicators"], serde_json::json!(["ew_mss", "s1"]));
    let kitas = repo().join("../shared/realdata/berlin/poi/berlin-daycare-centers-2025-09.csv");
    let p = json(&["import", "pois", a, "--file", s(&kitas), "--category", "Kita"]);
    assert_eq!(p["crs"], "EPSG:4326");
    assert_eq!(p["capacity_column"], "places");
    assert!(p["pois_imported"].as_u64().unwrap() > 2800);

    let info = json(&["info", a]);
    assert_eq!(info["name"], "Berlin");
    assert_eq!(info["ags"], "11000000");
    assert_eq!(info["levels"][0]["name"], "Bezirk");
    assert_eq!(info["levels"][1]["parent"], "Bezirk");
    assert_eq!(info["levels"][1]["areas"], 138);
    assert_eq!(info["periods"], serde_json::json!(["2017", "2019"]));
    let s1 = info["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "s1")
        .unwrap();
    assert_eq!(s1["name"], "Arbeitslosigkeit");
    assert_eq!(s1["coverage"][0]["values_ok"], 12);
    assert_eq!(s1["coverage"][0]["share_ok"], 1.0);
    assert_eq!(info["poi_categories"][0]["name"], "Kita");
    assert!(ok(&["info", a]).contains("Bezirksregion"));

    // CSV for German Excel: BOM, semicolons, decimal comma, reference row on top.
    let out = dir.path().join("bezirke.csv");
    let e = json(&[
        "export",
        "values",
        a,
        "--level",
        "Bezirk",
        "--period",
        "2019",
        "--format",
        "csv",
        "--out",
        s(&out),
    ]);
    assert_eq!(e["areas"], 12);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 14, "header, reference row, 12 Bezirke");
    assert!(lines[0].starts_with("Schlüssel;Name;"), "{}", lines[0]);
    assert!(lines[1].starts_with(";Berlin (Referenz);"), "{}", lines[1]);
    let mitte = lines.iter().find(|l| l.starts_with("01;Mitte;")).unwrap();
    assert!(mitte.contains(','), "decimal comma: {mitte}");
    // The reference population is the sum of the Bezirke.
    let header: Vec<&str> = lines[0].split(';').collect();
    let col = header.iter().position(|h| h.starts_with("Einwohner")).unwrap();
    let sum: f64 = lines[2..]
        .iter()
        .map(|l| l.split(';').nth(col).unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(lines[1].split(';').nth(col).unwrap().parse::<f64>().unwrap(), sum);

    let xlsx = dir.path().join("bezirke.xlsx");
    json(&[
        "export",
        "values",
        a,
        "--level",
        "Bezirk",
        "--period",
        "2019",
        "--format",
        "xlsx",
        "--out",
        s(&xlsx),
    ]);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
}

#[test]
fn long_form_categorical_columns_and_created_areas() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("a.quartier");
    let a = s(&atlas);
    ok(&["new", a, "--name", "Musterstadt"]);
    let geo = repo().join("sample_data/geometry/berlin-lor-districts.geojson");
    ok(&[
        "import",
        "geometry",
        a,
        "--level",
        "Bezirk",
        "--file",
        s(&geo),
        "--key-column",
        "id",
        "--name-column",
        "name",
    ]);
    let long = dir.path().join("lang.csv");
    std::fs::write(&long, "Gebiet;Merkmal;Jahr;Wert\n1;kitas;2022;12\n1;kitas;2023;14\n2;kitas;2022;k. A.\n2;kitas;2023;…\n3;kitas;2023;1.234\n").unwrap();
    let v = json(&[
        "import",
        "values",
        a,
        "--file",
        s(&long),
        "--level",
        "Bezirk",
        "--key-column",
        "Gebiet",
        "--long",
        "--indicator-column",
        "Merkmal",
        "--period-column",
        "Jahr",
        "--value-column",
        "Wert",
    ]);
    assert_eq!(v["periods"], serde_json::json!(["2022", "2023"]));
    assert_eq!(
        v["values_by_status"],
        serde_json::json!({"ok": 3, "missing": 1, "suppressed": 1, "not_applicable": 0})
    );
    assert_eq!(v["keys_padded"], 5);
    // Long form with an unknown area on two rows creates it once.
    let more = dir.path().join("neu.csv");
    std::fs::write(&more, "Gebiet;Merkmal;Jahr;Wert\n77;kitas;2022;1\n77;kitas;2023;2\n").unwrap();
    let v = json(&[
        "import",
        "values",
        a,
        "--file",
        s(&more),
        "--level",
        "Bezirk",
        "--key-column",
        "Gebiet",
        "--long",
        "--indicator-column",
        "Merkmal",
        "--period-column",
        "Jahr",
        "--value-column",
        "Wert",
        "--create-missing",
    ]);
    assert_eq!(v["areas_created"], serde_json::json!(["77"]));
    assert_eq!(v["values_written"], 2);

    let wide = dir.path().join("typ.csv");
    std::fs::write(
        &wide,
        "id;name;Typ;Fläche\n01;Mitte;innerstädtisch;39,5\n99;Neubaugebiet;Stadtrand;3,2\n",
    )
    .unwrap();
    let err = fails(
        &[
            "import",
            "values",
            a,
            "--file",
            s(&wide),
            "--level",
            "Bezirk",
            "--key-column",
            "id",
            "--period",
            "2024",
        ],
        1,
    );
    assert!(
        err.contains("Zeile 3") && err.contains("„99“") && err.contains("--skip-unmatched"),
        "{err}"
    );
    let v = json(&[
        "import",
        "values",
        a,
        "--file",
        s(&wide),
        "--level",
        "Bezirk",
        "--key-column",
        "id",
        "--name-column",
        "name",
        "--period",
        "2024",
        "--create-missing",
    ]);
    assert_eq!(v["categorical"], serde_json::json!(["Typ"]));
    assert_eq!(v["areas_created"], serde_json::json!(["99"]));
    let info = json(&["info", a]);
    assert_eq!(info["levels"][0]["areas"], 14);
    assert_eq!(info["levels"][0]["areas_with_geometry"], 12);
}

#[test]
fn bad_input_exits_1_with_a_german_message_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("a.quartier");
    let a = s(&atlas);
    ok(&["new", a, "--name", "Berlin"]);
    let err = fails(&["new", a, "--name", "Berlin"], 1);
    assert!(err.contains("existiert bereits"), "{err}");
    assert!(fails(
        &["new", s(&dir.path().join("b.quartier")), "--name", "X", "--ags", "123"],
        1
    )
    .contains("8 Ziffern"));
    assert!(fails(&["info", a, "--gibtsnicht"], 1).contains("--gibtsnicht"));

    let geo = repo().join("sample_data/geometry/berlin-lor-districts.geojson");
    ok(&[
        "import",
        "geometry",
        a,
        "--level",
        "Bezirk",
        "--file",
        s(&geo),
        "--key-column",
        "id",
        "--name-column",
        "name",
    ]);
    let before = ok(&["info", a, "--json"]);

    let bad = dir.path().join("werte.csv");
    std::fs::write(&bad, "id;ew;quote\n01;1.000;12,5\n02;zwölf;3,1\n03;900;abc\n01;5;1\n").unwrap();
    let out = quartier(&[
        "import",
        "values",
        a,
        "--file",
        s(&bad),
        "--level",
        "Bezirk",
        "--key-column",
        "id",
        "--period",
        "2020",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["error"], "import_failed");
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(
        (
            problems[0]["row"].as_u64(),
            problems[0]["column"].as_str(),
            problems[0]["value"].as_str()
        ),
        (Some(3), Some("ew"), Some("zwölf"))
    );
    assert_eq!(problems[1]["column"], "quote");
    assert!(problems[2]["reason"].as_str().unwrap().contains("doppelt"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("werte.csv") && stderr.contains("unverändert"),
        "{stderr}"
    );
    assert_eq!(ok(&["info", a, "--json"]), before);

    let err = fails(
        &[
            "import",
            "values",
            a,
            "--file",
            s(&bad),
            "--level",
            "Quartier",
            "--key-column",
            "id",
            "--period",
            "2020",
        ],
        1,
    );
    assert!(err.contains("Ebene „Quartier“") && err.contains("„Bezirk“"), "{err}");
    let err = fails(
        &[
            "import",
            "values",
            a,
            "--file",
            s(&bad),
            "--level",
            "Bezirk",
            "--key-column",
            "Schluessel",
            "--period",
            "2020",
        ],
        1,
    );
    assert!(err.contains("Spalte „Schluessel“") && err.contains("„id“"), "{err}");
    let err = fails(
        &[
            "export",
            "values",
            a,
            "--level",
            "Bezirk",
            "--period",
            "1999",
            "--format",
            "csv",
            "--out",
            s(&dir.path().join("x.csv")),
        ],
        1,
    );
    assert!(err.contains("Zeitraum „1999“"), "{err}");
    let err = fails(
        &[
            "import",
            "geometry",
            a,
            "--level",
            "X",
            "--file",
            s(&geo),
            "--key-column",
            "id",
            "--crs",
            "EPSG:2056",
        ],
        1,
    );
    assert!(err.contains("EPSG:2056 wird nicht unterstützt"), "{err}");

    let not_atlas = dir.path().join("notizen.quartier");
    std::fs::write(&not_atlas, "Das ist eine Notiz.").unwrap();
    assert!(fails(&["info", s(&not_atlas)], 1).contains("keine Quartier-Atlasdatei"));
    assert!(fails(&["info", s(&dir.path().join("fehlt.quartier"))], 1).contains("fehlt.quartier"));
    assert_eq!(ok(&["info", a, "--json"]), before);
}

#[test]
fn the_sample_atlas_builds_from_the_shipped_sources() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("beispiel.quartier");
    let a = s(&atlas);
    let built = json(&["sample", "--out", a]);
    assert_eq!(
        built["levels"],
        serde_json::json!([["Bezirk", 12], ["Bezirksregion", 138], ["Planungsraum", 448]])
    );
    assert_eq!(
        built["pois"],
        serde_json::json!([["Kita", 2880], ["Schule", 902], ["Spielplatz", 886]])
    );
    assert!(fails(&["sample", "--out", a], 1).contains("existiert bereits"));
    let info = json(&["info", a]);
    assert_eq!(
        info["periods"],
        serde_json::json!(["2013", "2015", "2017", "2018", "2019", "2020"])
    );
    let ind = |k: &str| {
        info["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == k)
            .unwrap()
            .clone()
    };
    for k in ["s1", "s3", "s4", "d1", "d3", "d4"] {
        assert_eq!(
            ind(k)["periods"],
            serde_json::json!(["2013", "2015", "2017", "2019"]),
            "{k}"
        );
        let levels: std::collections::BTreeSet<String> = ind(k)["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["level"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(levels.len(), 3, "{k} at all three levels");
    }
    assert_eq!(ind("s2")["periods"], serde_json::json!(["2013", "2015", "2017"]));
    assert_eq!(ind("s1")["unit"], "%");
    assert_eq!(ind("ew_u6")["periods"], serde_json::json!(["2018", "2020"]));
    // Planungsräume under 300 inhabitants carry no MSS value (the files have zeros there).
    let plr2019 = ind("s1")["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["level"] == "Planungsraum" && c["period"] == "2019")
        .unwrap()
        .clone();
    assert_eq!(plr2019["values"], 447);
    assert!(plr2019["values_ok"].as_i64().unwrap() < 447);
    let out = dir.path().join("plr.csv");
    ok(&[
        "export",
        "values",
        a,
        "--level",
        "Planungsraum",
        "--period",
        "2019",
        "--format",
        "csv",
        "--out",
        s(&out),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let tiergarten = text.lines().find(|l| l.starts_with("01011102;")).unwrap();
    assert!(
        tiergarten.contains(";x;"),
        "Großer Tiergarten (196 inhabitants) is excluded: {tiergarten}"
    );

    // Suppression: the report names each cell and why; the threshold can become the default.
    let base = ["suppress", a, "--level", "Planungsraum", "--period", "2020"];
    let r = json(&[&base[..], &["--indicators", "ew_6_15,anteil_u6", "--suppress-zero"]].concat());
    assert_eq!(
        r["levels"],
        serde_json::json!(["Planungsraum", "Bezirksregion", "Bezirk", "Gesamtstadt"])
    );
    assert_eq!(r["rules"], serde_json::json!({"threshold": 3, "suppress_zero": true}));
    let cells = r["cells"].as_array().unwrap();
    let reasons: std::collections::BTreeSet<&str> = cells.iter().map(|c| c["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["derived", "primary", "secondary"].into());
    let forst = cells
        .iter()
        .find(|c| c["indicator"] == "ew_6_15" && c["key"] == "04061757")
        .unwrap();
    assert_eq!(
        (forst["value"].as_f64(), forst["reason"].as_str()),
        (Some(3.0), Some("primary"))
    );
    assert!(cells.iter().all(|c| !c["detail"].as_str().unwrap().is_empty()));
    assert_eq!(r["indicators"][0]["key"], "ew_6_15");
    ok(&[&base[..], &["--threshold", "5", "--set-default"]].concat());
    let r = json(&[&base[..], &["--indicators", "ew_6_15"]].concat());
    assert_eq!(r["rules"]["threshold"], 5);
    let err = fails(&[&base[..], &["--threshold", "-2"]].concat(), 1);
    assert!(err.contains("0 oder größer"), "{err}");

    // Accessibility of Kitas for children under 6, with a planned Kita as a scenario.
    let dist = [
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
        "--origins",
        "centroids",
    ];
    let plan = dir.path().join("plan.csv");
    std::fs::write(&plan, "name;lon;lat;plaetze\nNeue Kita;13.4050;52.5200;80\n").unwrap();
    let r = json(
        &[
            &dist[..],
            &[
                "--supply-attribute",
                "capacity",
                "--decay",
                "gaussian",
                "--scenario",
                s(&plan),
            ],
        ]
        .concat(),
    );
    for field in [
        "request",
        "method",
        "origin_note",
        "origin_count",
        "pois_used",
        "pois_outside",
        "areas",
        "overall_mean",
        "no_residents",
        "baseline",
        "saved",
    ] {
        assert!(r.get(field).is_some(), "{field}");
    }
    assert_eq!(r["pois_used"], 2881);
    assert_eq!(r["request"]["scenario"][0]["capacity"], 80.0);
    let first = &r["areas"][0];
    for field in [
        "key",
        "name",
        "residents",
        "mean",
        "median",
        "p90",
        "within",
        "pois_in_area",
        "reachable",
        "supply_per_100",
    ] {
        assert!(first.get(field).is_some(), "{field}");
    }
    assert_eq!(first["within"].as_array().unwrap().len(), 3);
    let saved = json(&[&dist[..], &["--save"]].concat());
    assert_eq!(saved["saved"][0], "kita_dist_mean");
    // Address points with residents as origins.
    let addresses = dir.path().join("adressen.csv");
    std::fs::write(
        &addresses,
        "lon;lat;bewohner;u6\n13,4050;52,5200;12;2\n13,3000;52,4500;7;0\n",
    )
    .unwrap();
    let imported = json(&[
        "import",
        "addresses",
        a,
        "--file",
        s(&addresses),
        "--residents-column",
        "bewohner",
        "--age-columns",
        "u6",
    ]);
    assert_eq!(
        (imported["addresses"].as_u64(), imported["residents"].as_f64()),
        (Some(2), Some(19.0))
    );
    assert_eq!(imported["groups"]["u6"], 2.0);
    let by_address = json(&[
        "distance",
        a,
        "--category",
        "Kita",
        "--level",
        "Planungsraum",
        "--period",
        "2020",
        "--origins",
        "addresses",
        "--address-group",
        "u6",
    ]);
    assert_eq!(by_address["origin_count"], 1, "{}", by_address["origin_note"]);
    let err = fails(
        &[
            "import",
            "addresses",
            a,
            "--file",
            s(&addresses),
            "--residents-column",
            "fehlt",
        ],
        1,
    );
    assert!(err.contains("fehlt"), "{err}");
    let err = fails(&[&dist[..], &["--network"]].concat(), 1);
    assert!(err.contains("import network"), "{err}");
    let err = fails(&[&dist[..], &["--category", "Bad"]].concat(), 1);
    assert!(err.contains("Bad"), "{err}");

    // Ranking against the Gesamtstadt, and hot spots with their classes, saved.
    let ranked = json(&[
        "rank",
        a,
        "--indicator",
        "anteil_u6",
        "--level",
        "Planungsraum",
        "--period",
        "2020",
    ]);
    assert_eq!(ranked["areas"][0]["rank"], 1);
    assert!(ranked["reference"].as_f64().unwrap() > 0.0);
    for field in [
        "key",
        "name",
        "value",
        "rank",
        "deviation",
        "deviation_percent",
        "index",
    ] {
        assert!(ranked["areas"][0].get(field).is_some(), "{field}");
    }
    let hot = json(&[
        "hotspots",
        a,
        "--indicator",
        "s1",
        "--level",
        "Planungsraum",
        "--period",
        "2019",
        "--permutations",
        "199",
        "--save",
    ]);
    assert!(hot["moran_i"].as_f64().unwrap() > 0.3);
    assert_eq!(hot["permutations"], 199);
    assert_eq!(hot["saved"], serde_json::json!(["s1_lisa", "s1_lisa_p"]));
    let classes: std::collections::BTreeSet<&str> = hot["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["class"].as_str().unwrap())
        .collect();
    assert!(
        classes.contains("high-high") && classes.contains("low-low"),
        "{classes:?}"
    );
    let err = fails(
        &[
            "hotspots",
            a,
            "--indicator",
            "s1",
            "--level",
            "Planungsraum",
            "--period",
            "2019",
            "--permutations",
            "5",
        ],
        1,
    );
    assert!(err.contains("99 Permutationen"), "{err}");
    let small = json(
        &[
            &base[..],
            &[
                "--min-population",
                "300",
                "--population-indicator",
                "ew",
                "--indicators",
                "ew",
            ],
        ]
        .concat(),
    );
    assert!(small["small_areas"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["key"] == "01011102"));
}

#[test]
fn status_dynamics_classifies_bezirksregionen_and_saves_derived_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("berlin.quartier");
    let a = s(&atlas);
    ok(&["new", a, "--name", "Berlin"]);
    let sample = repo().join("sample_data");
    let geo = sample.join("geometry/berlin-lor-district-regions-until-2020.geojson");
    ok(&[
        "import",
        "geometry",
        a,
        "--level",
        "Bezirksregion",
        "--file",
        s(&geo),
        "--key-column",
        "id",
    ]);
    for year in ["2015", "2019"] {
        let mss = sample.join(format!(
            "mss/berlin-lor-monitoring-social-urban-development-{year}-00-2-2.csv"
        ));
        ok(&[
            "import",
            "values",
            a,
            "--level",
            "Bezirksregion",
            "--file",
            s(&mss),
            "--key-column",
            "id",
            "--name-column",
            "name",
            "--period",
            year,
            "--columns",
            "inhabitants=ew,s1_percentage_unemployed=s1,s3_percentage_transfer_payments_recipients=s3,d1_percentage_unemployed=d1,d3_percentage_transfer_payments_recipients=d3",
        ]);
    }

    let base = ["status-dynamics", a, "--level", "Bezirksregion", "--period", "2019"];
    let args = [
        &base[..],
        &["--status", "s1,s3", "--dynamics", "d1,d3", "--exclude", "010111"],
    ]
    .concat();
    let r = json(&args);
    let areas = r["areas"].as_array().unwrap();
    assert_eq!(areas.len() + r["excluded"].as_array().unwrap().len(), 138);
    assert_eq!(r["excluded"][0]["key"], "010111");
    assert!(r["excluded"][0]["reason"].as_str().unwrap().contains("von Hand"));
    for area in areas {
        assert!(area["key"].is_string() && area["status_index"].is_f64() && area["dynamics_index"].is_f64());
        let status = area["status_class"].as_str().unwrap();
        assert!(
            ["hoch", "mittel", "niedrig", "sehr niedrig"].contains(&status),
            "{status}"
        );
        let dynamics = area["dynamics_class"].as_str().unwrap();
        assert!(["positiv", "stabil", "negativ"].contains(&dynamics), "{dynamics}");
        let index = area["status_index"].as_f64().unwrap();
        assert_eq!(status == "hoch", index < -1.0);
        assert_eq!(status == "sehr niedrig", index > 1.5);
    }
    let counts: Vec<u64> = r["status_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), areas.len() as u64);

    // Dynamics from the change 2015 → 2019, saved as derived indicators with a population rule.
    let args = [
        &base[..],
        &[
            "--status",
            "s1,s3",
            "--compare-period",
            "2015",
            "--min-population",
            "300",
            "--population-indicator",
            "ew",
            "--save",
        ],
    ]
    .concat();
    let r = json(&args);
    assert_eq!(r["compare_period"], "2015");
    assert_eq!(r["dynamics_indicators"], serde_json::json!(["Δ s1", "Δ s3"]));
    assert_eq!(r["saved"][0], "sd_status_index");
    let info = json(&["info", a]);
    let saved: Vec<&str> = info["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["key"].as_str())
        .filter(|k| k.starts_with("sd_"))
        .collect();
    assert_eq!(saved.len(), 5, "{saved:?}");

    // Bad input: German message, exit code 1.
    let err = fails(
        &[
            &base[..],
            &["--status", "s1", "--dynamics", "d1", "--status-thresholds", "1,-1,2"],
        ]
        .concat(),
        1,
    );
    assert!(err.contains("aufsteigen"), "{err}");
    let err = fails(&[&base[..], &["--status", "s1:?"]].concat(), 1);
    assert!(err.contains("Dynamik fehlt") || err.contains("Richtung"), "{err}");
    let err = fails(&[&base[..], &["--preset", "berlin-mss"]].concat(), 1);
    assert!(err.contains("s4") && err.contains("--map"), "{err}");
    let err = fails(&[&base[..], &["--status", "s9", "--dynamics", "d1"]].concat(), 1);
    assert!(err.contains("s9"), "{err}");

    // A composite index over the same Bezirksregionen, with rank intervals, saved.
    let index = [
        "index",
        a,
        "--level",
        "Bezirksregion",
        "--period",
        "2019",
        "--indicators",
        "s1:-:2,s3:-:1,d1:-:1",
    ];
    let r = json(
        &[
            &index[..],
            &["--normalise", "minmax", "--uncertainty", "100", "--save", "sozialindex"],
        ]
        .concat(),
    );
    for field in [
        "level",
        "period",
        "direction",
        "indicators",
        "weighting",
        "normalisation",
        "aggregation",
        "compensability",
        "missing",
        "areas",
        "excluded",
        "checks",
        "uncertainty",
        "saved",
    ] {
        assert!(r.get(field).is_some(), "{field}");
    }
    assert_eq!(r["normalisation"], "min_max");
    assert_eq!(r["indicators"][0]["weight_share"], 0.5);
    let areas = r["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 138);
    assert_eq!(areas[0]["rank"], 1);
    assert!(areas
        .iter()
        .all(|x| x["rank_p05"].as_f64().unwrap() <= x["rank_p95"].as_f64().unwrap()));
    assert_eq!(r["uncertainty"]["runs"], 100);
    assert!(!r["uncertainty"]["sensitivity"].as_array().unwrap().is_empty());
    assert_eq!(r["saved"][0], "sozialindex");
    let again = json(&[&index[..], &["--normalise", "minmax", "--uncertainty", "100"]].concat());
    assert_eq!(again["areas"], r["areas"], "seeded: the same result twice");
    let err = fails(&[&index[..], &["--normalise", "log"]].concat(), 1);
    assert!(err.contains("Ungültiger Wert „log“ für --normalise"), "{err}");
    let err = fails(&[&index[..], &["--budget"]].concat(), 1);
    assert!(err.contains("100 Punkte"), "{err}");
    // Saving again under its own key replaces the earlier index; saving onto an imported
    // indicator, or onto one that another method derived, is refused as aggregate refuses it.
    json(&[&index[..], &["--save", "sozialindex"]].concat());
    let err = fails(&[&index[..], &["--save", "ew"]].concat(), 1);
    assert!(
        err.contains("„ew“") && err.contains("importierter Indikator") && err.contains("nicht überschrieben"),
        "{err}"
    );
    let err = fails(&[&index[..], &["--save", "sd_status_index"]].concat(), 1);
    assert!(err.contains("mit „status_dynamics“ berechnet"), "{err}");
}

#[test]
fn classify_gives_breaks_labels_and_a_k_a_class_per_area() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("berlin.quartier");
    let a = s(&atlas);
    ok(&["new", a, "--name", "Berlin"]);
    let geo = repo().join("sample_data/geometry/berlin-lor-districts.geojson");
    ok(&[
        "import",
        "geometry",
        a,
        "--level",
        "Bezirk",
        "--file",
        s(&geo),
        "--key-column",
        "id",
        "--name-column",
        "name",
    ]);
    let csv = dir.path().join("quote.csv");
    std::fs::write(
        &csv,
        "id;quote\n01;10,0\n02;12,5\n03;k. A.\n04;20,0\n05;21,0\n06;…\n07;30,0\n08;31,5\n09;40,0\n10;41,0\n11;44,0\n12;50,0\n",
    )
    .unwrap();
    ok(&[
        "import",
        "values",
        a,
        "--level",
        "Bezirk",
        "--file",
        s(&csv),
        "--key-column",
        "id",
        "--period",
        "2020",
    ]);

    let base = [
        "classify",
        a,
        "--indicator",
        "quote",
        "--level",
        "Bezirk",
        "--period",
        "2020",
    ];
    let c = json(&[&base[..], &["--method", "equal-interval", "--classes", "4"]].concat());
    assert_eq!(c["breaks"], serde_json::json!([10.0, 20.0, 30.0, 40.0, 50.0]));
    assert_eq!(c["labels"][0], "10,0 < 20,0");
    assert_eq!(c["counts"], serde_json::json!([2, 2, 2, 4]));
    assert_eq!(c["no_data"], 2);
    let areas = c["areas"].as_array().unwrap();
    let class_of = |key: &str| areas.iter().find(|x| x["key"] == key).unwrap()["class"].clone();
    assert_eq!(
        class_of("03"),
        serde_json::Value::Null,
        "k. A. is its own class, never class 1"
    );
    assert_eq!(areas.iter().find(|x| x["key"] == "06").unwrap()["label"], "k. A.");
    assert_eq!(class_of("04"), 2, "[20, 30) holds 20");
    assert_eq!(class_of("12"), 4, "the last class is closed");

    let j = json(&[&base[..], &["--method", "jenks", "--classes", "3"]].concat());
    // The exact optimum for 10 12.5 | 20 21 | 30 31.5 ... has its breaks at class starts.
    assert_eq!(j["breaks"].as_array().unwrap().len(), 4);
    let m = json(&[&base[..], &["--method", "manual", "--breaks", "25,45"]].concat());
    assert_eq!(m["counts"], serde_json::json!([4, 5, 1]));

    let err = fails(&[&base[..], &["--method", "manual"]].concat(), 1);
    assert!(err.contains("--breaks"), "{err}");
    let err = fails(&[&base[..], &["--method", "manual", "--breaks", "30,20"]].concat(), 1);
    assert!(err.contains("aufsteigen"), "{err}");
    let err = fails(
        &[
            "classify",
            a,
            "--indicator",
            "quote",
            "--level",
            "Bezirk",
            "--period",
            "1999",
        ],
        1,
    );
    assert!(err.contains("1999"), "{err}");
}

#[test]
fn aggregate_without_parent_links_asks_for_a_key_prefix_and_then_sums() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("berlin.quartier");
    let a = s(&atlas);
    ok(&["new", a, "--name", "Berlin"]);
    let geo = repo().join("sample_data/geometry");
    for (level, file) in [
        ("Bezirk", "berlin-lor-districts.geojson"),
        ("Bezirksregion", "berlin-lor-district-regions-until-2020.geojson"),
    ] {
        let f = geo.join(file);
        ok(&[
            "import",
            "geometry",
            a,
            "--level",
            level,
            "--file",
            s(&f),
            "--key-column",
            "id",
            "--name-column",
            "name",
        ]);
    }
    let mss = repo().join("sample_data/mss/berlin-lor-monitoring-social-urban-development-2019-00-2-2.csv");
    ok(&[
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
        "inhabitants=ew",
    ]);
    let base = [
        "aggregate",
        a,
        "--from-level",
        "Bezirksregion",
        "--to-level",
        "Bezirk",
        "--period",
        "2019",
    ];
    // No metadata yet: the rule is undeclared, and the areas have no parent links.
    let err = fails(&base, 1);
    assert!(err.contains("--key-prefix"), "{err}");
    let meta = dir.path().join("meta.csv");
    std::fs::write(&meta, "Schlüssel;Name;Art;Aggregation\new;Einwohner;Anzahl;Summe\n").unwrap();
    ok(&["import", "metadata", a, "--file", s(&meta)]);
    let r = json(&[&base[..], &["--key-prefix", "2"]].concat());
    assert_eq!(r["grouping"], "Schlüsselpräfix 2");
    let areas = r["indicators"][0]["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 12);
    assert_eq!(r["indicators"][0]["rule"], "sum");
    let total: f64 = areas.iter().map(|x| x["value"].as_f64().unwrap()).sum();
    let city = json(&["aggregate", a, "--from-level", "Bezirksregion", "--period", "2019"]);
    assert_eq!(city["to_level"], "Gesamtstadt");
    assert_eq!(city["indicators"][0]["areas"][0]["value"].as_f64().unwrap(), total);
    assert_eq!(areas[0]["used"], areas[0]["total"]);

    // Saved, the sums are Bezirk values that classify reads like any other.
    let saved = json(&[&base[..], &["--key-prefix", "2", "--save"]].concat());
    assert_eq!(saved["saved"], serde_json::json!(["ew"]));
    let classes = json(&[
        "classify",
        a,
        "--indicator",
        "ew",
        "--level",
        "Bezirk",
        "--period",
        "2019",
        "--method",
        "quantile",
        "--classes",
        "4",
    ]);
    let stored: f64 = classes["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["value"].as_f64().unwrap())
        .sum();
    assert_eq!(stored, total);
    let again = fails(&[&base[..], &["--key-prefix", "2", "--save"]].concat(), 1);
    assert!(again.contains("nicht überschrieben"), "{again}");
}

/// `--check` on every import verb: the same report as the import (JSON compared field by
/// field), and the atlas file unchanged (its bytes, and `info`).
#[test]
fn check_runs_every_import_as_a_dry_run_with_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("probe.quartier");
    let a = s(&atlas);
    ok(&["new", a, "--name", "Berlin"]);
    let data = repo().join("sample_data");
    let districts = data.join("geometry/berlin-lor-districts.geojson");
    let mss = data.join("mss/berlin-lor-monitoring-social-urban-development-2019-00-2-3.csv");
    let kitas = data.join("poi/kitas-2022-epsg25833.geojson");
    let metadata = data.join("indikatoren.csv");
    let net = dir.path().join("netz.geojson");
    std::fs::write(
        &net,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[13.40,52.52],[13.41,52.52],[13.42,52.53]]}}]}"#,
    )
    .unwrap();
    let addresses = dir.path().join("adressen.csv");
    std::fs::write(&addresses, "x;y;ew\n13,40;52,52;12\n13,41;52,52;7\n").unwrap();
    let verbs: Vec<Vec<&str>> = vec![
        vec![
            "geometry",
            a,
            "--level",
            "Bezirk",
            "--file",
            s(&districts),
            "--key-column",
            "id",
            "--name-column",
            "name",
        ],
        vec![
            "values",
            a,
            "--level",
            "Bezirk",
            "--file",
            s(&mss),
            "--key-column",
            "id",
            "--period",
            "2019",
            "--columns",
            "inhabitants=ew_mss",
        ],
        vec!["metadata", a, "--file", s(&metadata)],
        vec![
            "pois",
            a,
            "--file",
            s(&kitas),
            "--category",
            "Kita",
            "--capacity-column",
            "e_platz",
        ],
        vec!["network", a, "--file", s(&net)],
        vec![
            "addresses",
            a,
            "--file",
            s(&addresses),
            "--x-column",
            "x",
            "--y-column",
            "y",
            "--crs",
            "EPSG:4326",
            "--residents-column",
            "ew",
        ],
    ];
    for verb in verbs {
        let before = std::fs::read(&atlas).unwrap();
        let info = json(&["info", a]);
        let with = |extra: &[&'static str]| -> Vec<&str> {
            let mut args = vec!["import"];
            args.extend(verb.iter().copied());
            args.extend(extra);
            args
        };
        let checked = json(&with(&["--check"]));
        assert_eq!(
            std::fs::read(&atlas).unwrap(),
            before,
            "{}: the file is unchanged",
            verb[0]
        );
        assert_eq!(json(&["info", a]), info, "{}", verb[0]);
        let done = json(&with(&[]));
        assert_eq!(checked, done, "{}: the same report", verb[0]);
        if !matches!(verb[0], "network" | "addresses") {
            // (`info` does not list address points and the street network.)
            assert_ne!(json(&["info", a]), info, "{}: the import itself writes", verb[0]);
        }
    }
}
