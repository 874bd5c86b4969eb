//! `quartier compute` end to end, the Rhein-Sieg way: counts for two quarters imported, a
//! share computed from them, then one count imported again and the share recomputed
//! without anyone asking.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fails, json, ok, s};

/// The share of `key` on Bezirk `area` in `period`, read from the atlas file.
fn stored(atlas: &std::path::Path, key: &str, area: &str, period: &str) -> Option<f64> {
    let atlas = quartier_core::Atlas::open(atlas).unwrap();
    let meta = atlas.indicator(key).unwrap();
    let level = atlas.level("Bezirk").unwrap();
    let period = atlas.period(period).unwrap();
    let area = atlas
        .level_areas(level.id)
        .unwrap()
        .iter()
        .find(|a| a.key.as_ref() == area)
        .unwrap()
        .id;
    atlas
        .values(meta.id, level.id, period.id)
        .unwrap()
        .get(&area)
        .and_then(|v| v.number())
}

fn import_quarter(atlas: &str, file: &std::path::Path, period: &str) -> serde_json::Value {
    json(&[
        "import",
        "values",
        atlas,
        "--file",
        s(file),
        "--level",
        "Bezirk",
        "--key-column",
        "bezirk",
        "--period",
        period,
        "--columns",
        "kinder_u15,kinder_sgb2",
    ])
}

#[test]
fn a_share_of_quarterly_counts_is_computed_and_kept_current() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::sample_copy(dir.path());
    let a = s(&path);
    let q1 = dir.path().join("q1.csv");
    let q2 = dir.path().join("q2.csv");
    let rows = |shift: i64| {
        let mut text = String::from("bezirk;kinder_u15;kinder_sgb2\n");
        for b in 1..=12 {
            text.push_str(&format!("{b:02};{};{}\n", 4000 + 100 * b + shift, 500 + 10 * b + shift));
        }
        text
    };
    std::fs::write(&q1, rows(0)).unwrap();
    std::fs::write(&q2, rows(7)).unwrap();
    import_quarter(a, &q1, "2020 Q1");
    import_quarter(a, &q2, "2020 Q2");

    // Quarters are dated at their end, sorted by date and spaced by it on the time axis.
    {
        let atlas = quartier_core::Atlas::open(&path).unwrap();
        let periods = atlas.periods().unwrap();
        let at = |label: &str| periods.iter().position(|p| p.label == label).unwrap();
        assert!(at("2019") < at("2020 Q1") && at("2020 Q1") < at("2020 Q2") && at("2020 Q2") < at("2020"));
        assert_eq!(periods[at("2020 Q2")].date.as_deref(), Some("2020-06-30"));
        let series =
            quartier_core::analysis::chart::time_series(&atlas, "kinder_u15", "Bezirk", &["01".into()], "Berlin")
                .unwrap();
        assert_eq!(series.periods, ["2020 Q1", "2020 Q2"]);
        let step = series.positions[1] - series.positions[0];
        assert!((step - 91.0 / 366.0).abs() < 1e-9, "{:?}", series.positions);
    }
    let change = json(&[
        "compute",
        a,
        "--key",
        "zuwachs_u15",
        "--formula",
        "change(kinder_u15, 1)",
        "--levels",
        "Bezirk",
        "--check",
    ]);
    let second = change["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["period"] == "2020 Q2")
        .unwrap();
    assert_eq!(
        second["compared"][0],
        "kinder_u15: 2020 Q1 (31.03.2020) → 2020 Q2 (30.06.2020)"
    );
    assert_eq!(second["values"][0]["value"], 7.0);

    // A trial run stores nothing; the same without --check stores.
    let share = |extra: &[&str]| {
        let mut args = vec![
            "compute",
            a,
            "--key",
            "sgb2_quote_u15",
            "--name",
            "SGB-II-Quote unter 15",
            "--formula",
            "kinder_sgb2 / kinder_u15 * 100",
            "--unit",
            "%",
            "--kind",
            "share",
            "--levels",
            "Bezirk",
        ];
        args.extend_from_slice(extra);
        json(&args)
    };
    let trial = share(&["--check"]);
    assert_eq!(trial["saved"], false);
    assert_eq!(trial["series"].as_array().unwrap().len(), 2, "two quarters: {trial}");
    let info = ok(&["info", a]);
    assert!(!info.contains("sgb2_quote_u15"), "nothing stored by --check");

    let computed = share(&[]);
    assert_eq!(computed["saved"], true);
    assert_eq!(computed["aggregation"], "ratio_of_sums");
    assert_eq!(computed["inputs"], serde_json::json!(["kinder_sgb2", "kinder_u15"]));
    let by_hand = |children: f64, poor: f64| poor / children * 100.0;
    let q2_mitte = stored(&path, "sgb2_quote_u15", "01", "2020 Q2").unwrap();
    assert!((q2_mitte - by_hand(4107.0, 517.0)).abs() < 1e-12, "{q2_mitte}");

    // Q2 is corrected: the import recomputes the share in the same step.
    std::fs::write(&q2, rows(7).replace("01;4107;517", "01;4107;800")).unwrap();
    let again = import_quarter(a, &q2, "2020 Q2");
    assert_eq!(again["recomputed"], serde_json::json!(["sgb2_quote_u15"]));
    let corrected = stored(&path, "sgb2_quote_u15", "01", "2020 Q2").unwrap();
    assert!((corrected - by_hand(4107.0, 800.0)).abs() < 1e-12, "{corrected}");
    let q1_mitte = stored(&path, "sgb2_quote_u15", "01", "2020 Q1").unwrap();
    assert!(
        (q1_mitte - by_hand(4100.0, 510.0)).abs() < 1e-12,
        "Q1 unchanged: {q1_mitte}"
    );

    // Nothing is stale now; a change outside an import is caught by --refresh.
    assert_eq!(
        json(&["compute", a, "--refresh"]),
        serde_json::json!({"recomputed": []})
    );
    {
        let mut atlas = quartier_core::Atlas::open(&path).unwrap();
        let corrected = quartier_core::StoredValue {
            value: Some(600.0),
            text: None,
            status: quartier_core::model::ValueStatus::Ok,
            note: None,
            flag: None,
        };
        atlas
            .set_value("kinder_sgb2", "Bezirk", "2020 Q1", "01", Some(corrected))
            .unwrap();
    }
    let refreshed = json(&["compute", a, "--refresh", "--key", "sgb2_quote_u15"]);
    assert_eq!(refreshed["recomputed"][0]["key"], "sgb2_quote_u15");
    let q1_mitte = stored(&path, "sgb2_quote_u15", "01", "2020 Q1").unwrap();
    assert!((q1_mitte - by_hand(4100.0, 600.0)).abs() < 1e-12, "{q1_mitte}");

    // Errors are German and name the formula.
    let err = fails(
        &["compute", a, "--key", "x", "--formula", "kinder_sgb2 / kinder_u16"],
        1,
    );
    assert!(
        err.contains("Formel „kinder_sgb2 / kinder_u16“") && err.contains("kinder_u15"),
        "{err}"
    );
    let err = fails(&["compute", a, "--refresh", "--key", "ew"], 1);
    assert!(err.contains("kein berechneter Indikator"), "{err}");
}

#[test]
fn check_sizes_lists_the_areas_below_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::sample_copy(dir.path());
    let a = s(&path);
    let check = json(&[
        "check-sizes",
        a,
        "--level",
        "Planungsraum",
        "--rule",
        "ew>=1000",
        "--period",
        "2020",
    ]);
    assert_eq!(check["too_small"].as_array().unwrap().len(), 18);
    let text = ok(&["check-sizes", a, "--level", "Planungsraum", "--rule", "sozialraum"]);
    assert!(
        text.contains("Regel „ew >= 10000“") && text.contains("10.000 bis 15.000"),
        "{text}"
    );
    let err = fails(
        &["check-sizes", a, "--level", "Planungsraum", "--rule", "ew>=tausend"],
        1,
    );
    assert!(err.contains("Formel „ew>=tausend“"), "{err}");

    // A proposal first, then stored as a level that check-sizes finds clean.
    let regionalise = |extra: &[&str]| {
        let mut args = vec![
            "regionalise",
            a,
            "--level",
            "Planungsraum",
            "--rule",
            "ba",
            "--new-level",
            "Sozialräume",
            "--period",
            "2020",
        ];
        args.extend_from_slice(extra);
        json(&args)
    };
    let proposal = regionalise(&["--check"]);
    assert_eq!(proposal["saved"], false);
    assert!(!ok(&["info", a]).contains("Sozialräume"));
    let saved = regionalise(&[]);
    assert_eq!(saved["saved"], true);
    assert_eq!(saved["regions"], proposal["regions"]);
    let clean = json(&["check-sizes", a, "--level", "Sozialräume", "--rule", "ba"]);
    assert_eq!(clean["too_small"], serde_json::json!([]));
    let again = fails(
        &[
            "regionalise",
            a,
            "--level",
            "Planungsraum",
            "--rule",
            "ba",
            "--new-level",
            "Sozialräume",
        ],
        1,
    );
    assert!(again.contains("gibt es schon"), "{again}");
}

#[test]
fn crosswalk_moves_counts_onto_another_level_and_saves_them_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::sample_copy(dir.path());
    let a = s(&path);
    fn crosswalk<'a>(a: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "crosswalk",
            a,
            "--from-level",
            "Planungsraum",
            "--to-level",
            "Bezirksregion",
            "--period",
            "2020",
            "--indicators",
            "ew,ew_u6,anteil_u6",
        ];
        args.extend_from_slice(extra);
        args
    }
    let moved = json(&crosswalk(a, &["--weight", "area"]));
    assert_eq!(moved["weight"], "area");
    assert_eq!(moved["quality"].as_array().unwrap().len(), 138);
    let aggregated = json(&[
        "aggregate",
        a,
        "--from-level",
        "Planungsraum",
        "--to-level",
        "Bezirksregion",
        "--period",
        "2020",
        "--indicators",
        "ew,ew_u6,anteil_u6",
    ]);
    for (ours, theirs) in moved["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .zip(aggregated["indicators"].as_array().unwrap())
    {
        for (x, y) in ours["areas"]
            .as_array()
            .unwrap()
            .iter()
            .zip(theirs["areas"].as_array().unwrap())
        {
            let (x, y) = (x["value"].as_f64().unwrap(), y["value"].as_f64().unwrap());
            assert!((x - y).abs() < 1e-6 * y.max(1.0), "{ours} {x} {y}");
        }
    }
    // Human output: the quality table, German numbers with the indicator's decimals.
    let text = ok(&crosswalk(a, &[]));
    assert!(
        text.contains("verteilt nach Flächenanteil") && text.contains("aus geteilt"),
        "{text}"
    );
    assert!(text.contains("Brunnenstraße Nord"), "{text}");
    // By addresses without any: the German way out.
    let err = fails(&crosswalk(a, &["--weight", "addresses"]), 1);
    assert!(
        err.contains("keine Adresspunkte") && err.contains("--weight area"),
        "{err}"
    );
    let err = fails(&crosswalk(a, &["--weight", "volumen"]), 1);
    assert!(err.contains("--weight „volumen“ unbekannt"), "{err}");
    // Saved once under the own key; a second time only under a suffix.
    let saved = json(&crosswalk(a, &["--save"]));
    assert_eq!(saved["saved"], serde_json::json!(["ew", "ew_u6", "anteil_u6"]));
    let err = fails(&crosswalk(a, &["--save"]), 1);
    assert!(err.contains("schon Werte"), "{err}");
    let copy = json(&crosswalk(a, &["--save", "--save-suffix", "_neu"]));
    assert_eq!(
        copy["saved"],
        serde_json::json!(["ew_neu", "ew_u6_neu", "anteil_u6_neu"])
    );
    let info = ok(&["info", a]);
    assert!(info.contains("Einwohner (übertragen)"), "{info}");
}

#[test]
fn query_reads_the_protected_values_and_writes_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::sample_copy(dir.path());
    let a = s(&path);
    let sql = "SELECT key, name, ew FROM werte WHERE ebene = 'Planungsraum' AND periode = '2020' ORDER BY ew LIMIT 3";
    let result = json(&["query", a, "--sql", sql]);
    assert_eq!(result["columns"], serde_json::json!(["key", "name", "ew"]));
    assert_eq!(result["rows"][0][1], "Messegelände");
    assert_eq!(result["intern"], false);
    // The smallest count is hidden in the protected view and shown with --intern, marked.
    let small =
        "SELECT key, ew_6_15 FROM werte WHERE ebene = 'Planungsraum' AND periode = '2020' AND ew_6_15 BETWEEN 1 AND 3";
    let protected = json(&["query", a, "--sql", small]);
    assert_eq!(protected["rows"], serde_json::json!([]));
    let internal = json(&["query", a, "--sql", small, "--intern"]);
    assert!(!internal["rows"].as_array().unwrap().is_empty());
    // CSV in German notation, with the table printed as well.
    let out = dir.path().join("abfrage.csv");
    let text = ok(&["query", a, "--sql", sql, "--out", s(&out)]);
    assert!(text.contains("Messegelände") && text.contains("geschrieben"), "{text}");
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.contains("key;name;ew") && csv.contains("Geheimhaltung"), "{csv}");
    let err = fails(&["query", a, "--sql", "DROP TABLE werte"], 1);
    assert!(err.contains("nur eine Abfrage mit SELECT"), "{err}");
}
