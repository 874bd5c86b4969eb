//! The query pane's SQL over the view `werte`, against the stored values read directly: the
//! issue's example (the highest shares first), a sum per level, the suppression of the view
//! (no count from 1 to 3 comes out unless internal), and the refusals of anything but one
//! read-only SELECT on the view.
#![allow(clippy::unwrap_used)]

mod common;

use quartier_core::analysis::query::{query, QueryCell};
use quartier_core::model::ValueStatus;
use quartier_core::Atlas;

/// (key, number) of an indicator's stored values on a level and period.
fn stored(atlas: &Atlas, key: &str, level: &str, period: &str) -> Vec<(String, f64)> {
    let meta = atlas.indicator(key).unwrap();
    let level = atlas.level(level).unwrap();
    let period = atlas.period(period).unwrap();
    let column = atlas.column(meta.id, level.id, period.id).unwrap();
    atlas
        .level_areas(level.id)
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(i, _)| column.status[*i] == Some(ValueStatus::Ok))
        .map(|(i, a)| (a.key.to_string(), column.numbers[i]))
        .collect()
}

fn number(cell: &QueryCell) -> f64 {
    match cell {
        QueryCell::Number(v) => *v,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_highest_shares_come_first_and_sums_match_the_stored_values() {
    let (_dir, atlas) = common::sample_atlas();
    let result = query(
        &atlas,
        "SELECT key, name, anteil_u6 FROM werte WHERE ebene = 'Planungsraum' AND periode = '2020' \
         ORDER BY anteil_u6 DESC LIMIT 5",
        true,
    )
    .unwrap();
    assert_eq!(result.columns, ["key", "name", "anteil_u6"]);
    let mut by_hand = stored(&atlas, "anteil_u6", "Planungsraum", "2020");
    by_hand.sort_by(|a, b| b.1.total_cmp(&a.1));
    let ours: Vec<(String, f64)> = result
        .rows
        .iter()
        .map(|r| match &r[0] {
            QueryCell::Text(k) => (k.clone(), number(&r[2])),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ours, by_hand[..5]);
    // The share's decimals (1) in German notation.
    assert_eq!(result.decimals[2], 1);
    assert!(result.display_de(0, 2).contains(','), "{}", result.display_de(0, 2));

    let sums = query(
        &atlas,
        "SELECT ebene, SUM(ew) AS einwohner, COUNT(*) AS gebiete FROM werte WHERE periode = '2020' \
         GROUP BY ebene ORDER BY ebene",
        true,
    )
    .unwrap();
    let planungsraum = sums
        .rows
        .iter()
        .find(|r| r[0] == QueryCell::Text("Planungsraum".into()))
        .unwrap();
    let total: f64 = stored(&atlas, "ew", "Planungsraum", "2020")
        .iter()
        .map(|(_, v)| v)
        .sum();
    assert_eq!(number(&planungsraum[1]), total);
    assert_eq!(number(&planungsraum[2]), 448.0);
    assert_eq!(sums.display_de(0, 1).contains('.'), number(&sums.rows[0][1]) >= 1000.0);
}

#[test]
fn the_view_is_suppressed_unless_internal() {
    let (dir, atlas) = common::sample_atlas();
    // A count of the sample with values from 1 to 3 on the Planungsräume in 2020.
    let (key, by_hand) = atlas
        .indicators()
        .unwrap()
        .into_iter()
        .filter(|i| i.kind == quartier_core::model::IndicatorKind::Count)
        .map(|i| {
            let n = stored(&atlas, &i.key, "Planungsraum", "2020")
                .into_iter()
                .filter(|(_, v)| (1.0..=3.0).contains(v))
                .count();
            (i.key, n)
        })
        .max_by_key(|(_, n)| *n)
        .unwrap();
    let small = format!(
        "SELECT key, {key} FROM werte WHERE ebene = 'Planungsraum' AND periode = '2020' AND {key} BETWEEN 1 AND 3"
    );
    let small = small.as_str();
    let internal = query(&atlas, small, true).unwrap();
    assert!(by_hand > 0);
    assert_eq!(internal.rows.len(), by_hand);
    assert!(internal.intern);
    let protected = query(&atlas, small, false).unwrap();
    assert!(protected.rows.is_empty(), "{:?}", protected.rows);
    assert!(protected.suppressed_cells >= by_hand, "{}", protected.suppressed_cells);
    // The same cells the table export hides.
    let table = quartier_core::export::value_table(&atlas, "Planungsraum", "2020", Some(std::slice::from_ref(&key)))
        .unwrap()
        .protect(&atlas)
        .unwrap();
    let all = query(
        &atlas,
        &format!("SELECT key, {key} FROM werte WHERE ebene = 'Planungsraum' AND periode = '2020'"),
        false,
    )
    .unwrap();
    let hidden_in_query = all.rows.iter().filter(|r| r[1] == QueryCell::Null).count();
    let hidden_in_table = table
        .rows
        .iter()
        .filter(|r| {
            matches!(
                r.cells[0],
                quartier_core::export::TableCell::Status(_) | quartier_core::export::TableCell::Empty
            )
        })
        .count();
    assert_eq!(hidden_in_query, hidden_in_table);
    // Written as CSV in German notation with the protection note.
    let out = dir.path().join("abfrage.csv");
    all.write_csv(&out).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains(&format!("key;{key}")) && text.contains(";k. A."),
        "{}",
        &text[..200]
    );
    assert!(text.contains("geheim") || text.contains("Geheimhaltung"), "{text}");
}

#[test]
fn only_one_select_on_the_view_is_allowed() {
    let (_dir, atlas) = common::sample_atlas();
    let refused = |sql: &str| query(&atlas, sql, true).unwrap_err().to_string();
    let e = refused("DELETE FROM werte");
    assert!(e.contains("nur eine Abfrage mit SELECT"), "{e}");
    let e = refused("SELECT * FROM read_csv('/etc/passwd')");
    assert!(e.contains("Tabellenfunktionen"), "{e}");
    let e = refused("SELECT * FROM area");
    assert!(e.contains("unbekannte Tabelle „area“"), "{e}");
    let e = refused("SELECT key FROM werte; SELECT name FROM werte");
    assert!(e.contains("nur eine Abfrage"), "{e}");
    let e = refused("SELECT key, FROM werte WHERE");
    assert!(e.starts_with("Abfrage „SELECT key, FROM werte WHERE“:"), "{e}");
    let e = refused("SELECT key, gibtsnicht FROM werte");
    assert!(e.contains("unbekannte Spalte „gibtsnicht“"), "{e}");
    // WITH names are tables of their own.
    let with = query(
        &atlas,
        "WITH bezirke AS (SELECT key, s1 FROM werte WHERE ebene = 'Bezirk' AND periode = '2019') \
         SELECT COUNT(*) AS n FROM bezirke",
        true,
    )
    .unwrap();
    assert_eq!(with.rows[0][0], QueryCell::Number(12.0));
}
