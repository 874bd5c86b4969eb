//! Status and dynamics on the real Berlin MSS tables in `../shared/realdata/berlin/mss`, all
//! five editions; the 2019 edition against its published distribution.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use common::*;
use quartier_core::analysis::status_dynamics::{
    save_status_dynamics, status_dynamics, DynamicsSource, Preset, StatusDynamicsConfig, Thresholds,
};
use quartier_core::analysis::IndicatorChoice;
use quartier_core::import::values::{import_values, UnmatchedPolicy, ValuesImport};
use quartier_core::model::ValueStatus;
use quartier_core::sample::MSS_COLUMNS;
use quartier_core::table::read_table;
use quartier_core::{Atlas, Error, NoProgress};

fn mss_file(year: &str) -> PathBuf {
    realdata().join(format!(
        "berlin/mss/berlin-lor-monitoring-social-urban-development-{year}-00-2-1.csv"
    ))
}

/// The edition's rows straight from the CSV: key → column → number.
fn raw_rows(year: &str) -> BTreeMap<String, HashMap<String, f64>> {
    let table = read_table(&mss_file(year), None).unwrap();
    table
        .rows
        .iter()
        .map(|r| {
            let key = format!("{:0>8}", r.cells[0].as_text().trim());
            let values = table
                .headers
                .iter()
                .zip(&r.cells)
                .filter_map(|(h, c)| Some((h.clone(), c.as_text().trim().parse::<f64>().ok()?)))
                .collect();
            (key, values)
        })
        .collect()
}

/// Old LOR (448 Planungsräume, from the corrected sample copy) with the editions 2013–2019,
/// and the new LOR of 2021 as a level without geometry.
fn atlas_with_all_editions(dir: &std::path::Path) -> Atlas {
    let mut atlas = new_atlas(dir, "Berlin");
    import_level(
        &mut atlas,
        "Planungsraum",
        sample_data().join("geometry/berlin-lor-planning-areas-until-2020.geojson"),
        None,
    );
    atlas.create_level("Planungsraum 2021", None).unwrap();
    for year in ["2013", "2015", "2017", "2019", "2021"] {
        let header = read_table(&mss_file(year), None).unwrap().headers;
        import_values(
            &mut atlas,
            &ValuesImport {
                file: mss_file(year),
                level: if year == "2021" {
                    "Planungsraum 2021"
                } else {
                    "Planungsraum"
                }
                .into(),
                key_column: "id".into(),
                name_column: Some("name".into()),
                period: Some(year.into()),
                columns: MSS_COLUMNS
                    .iter()
                    .filter(|(c, _)| header.iter().any(|h| h == c))
                    .map(|(c, k)| format!("{c}={k}"))
                    .collect(),
                unmatched: if year == "2021" {
                    UnmatchedPolicy::CreateMissing
                } else {
                    UnmatchedPolicy::Abort
                },
                confirm_create: true,
                ..Default::default()
            },
            &NoProgress,
        )
        .unwrap();
    }
    atlas
}

/// Population z-scores, written out plainly as the reference.
fn z(values: &[f64]) -> Vec<f64> {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
    values.iter().map(|v| (v - mean) / sd).collect()
}

#[test]
fn berlin_mss_reproduces_the_published_2019_distribution_and_every_edition() {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = atlas_with_all_editions(dir.path());
    let none = HashMap::new();

    // 2019: published over 436 valid areas, outliers 10010203 and 04041239 excluded by hand.
    let config = Preset::BerlinMss
        .config(&atlas, "Planungsraum", "2019", None, &none)
        .unwrap();
    assert_eq!(config.exclude, ["10010203", "04041239"]);
    let r = status_dynamics(&atlas, &config).unwrap();
    assert_eq!(r.valid_areas, 436);
    assert_eq!(r.status_counts, [67, 283, 47, 39]);
    assert_eq!(r.dynamics_counts, Some([46, 357, 33]));
    assert_eq!(r.matrix.unwrap().iter().flatten().sum::<usize>(), 436);
    assert_eq!(r.status_indicators, ["s1", "s3", "s4"]);
    assert_eq!(r.dynamics_indicators, ["d1", "d3", "d4"]);
    let reason = |key: &str| r.excluded.iter().find(|e| &*e.key == key).map(|e| e.reason.clone());
    assert!(reason("10010203").unwrap().contains("von Hand"));
    assert!(reason("01011102").unwrap().contains("unter 300 Einwohnern"));

    // Every edition against the method written out on the CSV itself.
    for (year, level, has_s2) in [
        ("2013", "Planungsraum", true),
        ("2015", "Planungsraum", true),
        ("2017", "Planungsraum", true),
        ("2019", "Planungsraum", false),
        ("2021", "Planungsraum 2021", false),
    ] {
        let config = Preset::BerlinMss.config(&atlas, level, year, None, &none).unwrap();
        let r = status_dynamics(&atlas, &config).unwrap();
        assert_eq!(r.status_indicators.contains(&"s2".to_string()), has_s2, "{year}");
        assert_eq!(r.dynamics_indicators.contains(&"d2".to_string()), has_s2, "{year}");

        let rows = raw_rows(year);
        let valid: Vec<(&String, &HashMap<String, f64>)> = rows
            .iter()
            .filter(|(k, v)| v["inhabitants"] >= 300.0 && !config.exclude.contains(k))
            .collect();
        let got: Vec<&str> = r.areas.iter().map(|a| a.key.as_ref()).collect();
        let expected: Vec<&str> = valid.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(got, expected, "{year}: valid areas");

        let index = |prefix: char| -> Vec<f64> {
            let columns: Vec<&String> = valid[0].1.keys().filter(|c| c.starts_with(prefix)).collect();
            let mut sum = vec![0.0; valid.len()];
            for c in columns {
                let column: Vec<f64> = valid.iter().map(|(_, v)| v[c]).collect();
                for (s, z) in sum.iter_mut().zip(z(&column)) {
                    *s += z;
                }
            }
            z(&sum)
        };
        let (status, dynamics) = (index('s'), index('d'));
        for (i, a) in r.areas.iter().enumerate() {
            assert!((a.status_index - status[i]).abs() < 1e-9, "{year} {}", a.key);
            assert!(
                (a.dynamics_index.unwrap() - dynamics[i]).abs() < 1e-9,
                "{year} {}",
                a.key
            );
        }
        let total: usize = r.status_counts.iter().sum();
        assert_eq!(total, valid.len());
    }

    // Saved as derived indicators with their run record; excluded areas are "x" with the reason.
    let r = save_status_dynamics(&mut atlas, &config, &quartier_core::NoProgress).unwrap();
    assert_eq!(
        r.saved,
        [
            "mss_status_index",
            "mss_dynamics_index",
            "mss_status_class",
            "mss_dynamics_class",
            "mss_code"
        ]
    );
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2019").unwrap();
    let areas: HashMap<std::sync::Arc<str>, i64> = atlas
        .areas(level.id)
        .unwrap()
        .into_iter()
        .map(|a| (a.key, a.id))
        .collect();
    let codes = atlas
        .values(atlas.indicator("mss_code").unwrap().id, level.id, period.id)
        .unwrap();
    let stored_code = |key: &str| codes[&areas[key]].clone();
    let first = &r.areas[0];
    assert_eq!(stored_code(&first.key).text.as_deref(), Some(first.code));
    assert_eq!(stored_code("10010203").status, ValueStatus::NotApplicable);
    assert!(stored_code("10010203").note.unwrap().contains("von Hand"));
    let index = atlas
        .values(atlas.indicator("mss_status_index").unwrap().id, level.id, period.id)
        .unwrap();
    assert_eq!(index[&areas[&first.key]].value, Some(first.status_index));
    let (run, _) = atlas.derived_run("mss_status_index").unwrap().unwrap();
    assert_eq!(run.method, "status_dynamics");
    assert_eq!(run.inputs, ["s1", "s3", "s4", "d1", "d3", "d4", "ew_mss"]);
    assert_eq!(run.parameters["preset"], "berlin-mss");
}

#[test]
fn dynamics_computed_from_two_periods_and_polarity_flip_the_sign() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = atlas_with_all_editions(dir.path());
    let base = StatusDynamicsConfig {
        level: "Planungsraum".into(),
        period: "2019".into(),
        preset: None,
        status: vec![IndicatorChoice::new("s1"), IndicatorChoice::new("s3")],
        dynamics: DynamicsSource::ChangeOfStatus {
            compare_period: "2017".into(),
        },
        min_population: None,
        exclude: vec![],
        thresholds: Thresholds::default(),
    };
    // Without a population rule, the zero rows of small areas in the 2017 file are real zeros
    // to the method; the atlas stores them as numbers, so they take part.
    let r = status_dynamics(&atlas, &base).unwrap();
    let rows19 = raw_rows("2019");
    let rows17 = raw_rows("2017");
    let keys: Vec<&String> = rows19.keys().filter(|k| rows17.contains_key(*k)).collect();
    assert_eq!(r.valid_areas, keys.len());
    let change = |col: &str| -> Vec<f64> { keys.iter().map(|k| rows19[*k][col] - rows17[*k][col]).collect() };
    let mut sum = vec![0.0; keys.len()];
    for col in ["s1_percentage_unemployed", "s3_percentage_transfer_payments_recipients"] {
        for (s, z) in sum.iter_mut().zip(z(&change(col))) {
            *s += z;
        }
    }
    let expected = z(&sum);
    for (a, e) in r.areas.iter().zip(&expected) {
        assert!((a.dynamics_index.unwrap() - e).abs() < 1e-9, "{}", a.key);
    }
    assert_eq!(r.dynamics_indicators, ["Δ s1", "Δ s3"]);

    // Declaring both as "high is favourable" mirrors both indices.
    let mut flipped = base.clone();
    flipped.status = vec![
        IndicatorChoice::parse("s1:+").unwrap(),
        IndicatorChoice::parse("s3:+").unwrap(),
    ];
    let f = status_dynamics(&atlas, &flipped).unwrap();
    for (a, b) in r.areas.iter().zip(&f.areas) {
        assert!((a.status_index + b.status_index).abs() < 1e-9);
        assert!((a.dynamics_index.unwrap() + b.dynamics_index.unwrap()).abs() < 1e-9);
    }

    // Bad requests are German errors, not results.
    let mut same = base.clone();
    same.dynamics = DynamicsSource::ChangeOfStatus {
        compare_period: "2019".into(),
    };
    assert!(matches!(status_dynamics(&atlas, &same), Err(Error::Invalid(m)) if m.contains("gleich")));
    let mut unknown = base.clone();
    unknown.exclude = vec!["99999999".into()];
    assert!(matches!(status_dynamics(&atlas, &unknown), Err(Error::Invalid(m)) if m.contains("99999999")));
    let mut bad = base;
    bad.thresholds.status = [1.0, -1.0, 1.5];
    assert!(matches!(status_dynamics(&atlas, &bad), Err(Error::Invalid(m)) if m.contains("aufsteigen")));
    let err = Preset::Solingen
        .config(&atlas, "Planungsraum", "2019", Some("2017"), &HashMap::new())
        .unwrap_err();
    assert!(err.to_string().contains("anteil_wohndauer_5j"), "{err}");
}
