//! Suppression: small counts, shares of them, and secondary suppression along the hierarchy,
//! checked by brute force (linear algebra over every published equation) on generated
//! hierarchies and on the Berlin sample atlas.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};

use common::*;
use quartier_core::analysis::classify::{classify_series, Method, SMALL_AREA_LABEL};
use quartier_core::analysis::suppress::{
    attacker_bounds, protect_hierarchy, suppress, Cell, Hidden, Reason, SuppressRequest, SuppressionRules,
};
use quartier_core::analysis::MinPopulation;
use quartier_core::sample::build_sample_atlas;
use quartier_core::store::IndicatorUpdate;
use quartier_core::NoProgress;

/// The cells an attacker can compute exactly: every node with children publishes
/// node = Σ children; the unknowns are `unknown`. A cell is recoverable when its unit vector
/// lies in the row space of the equations restricted to the unknown cells.
fn recoverable(parent: &[Option<usize>], unknown: &HashSet<usize>) -> Vec<usize> {
    let columns: Vec<usize> = {
        let mut c: Vec<usize> = unknown.iter().copied().collect();
        c.sort_unstable();
        c
    };
    let col_of: HashMap<usize, usize> = columns.iter().enumerate().map(|(j, &i)| (i, j)).collect();
    let m = columns.len();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = p {
            children.entry(*p).or_default().push(i);
        }
    }
    for (node, kids) in &children {
        let mut row = vec![0.0; m];
        if let Some(&j) = col_of.get(node) {
            row[j] = 1.0;
        }
        for k in kids {
            if let Some(&j) = col_of.get(k) {
                row[j] -= 1.0;
            }
        }
        if row.iter().any(|v| *v != 0.0) {
            rows.push(row);
        }
    }
    // Reduced row echelon form.
    let mut pivots: Vec<(usize, Vec<f64>)> = Vec::new();
    for mut row in rows {
        for (pc, prow) in &pivots {
            let f = row[*pc];
            if f != 0.0 {
                row.iter_mut().zip(prow).for_each(|(a, b)| *a -= f * b);
            }
        }
        if let Some(pc) = row.iter().position(|v| v.abs() > 1e-9) {
            let f = row[pc];
            row.iter_mut().for_each(|v| *v /= f);
            for (_, prow) in pivots.iter_mut() {
                let g = prow[pc];
                if g != 0.0 {
                    prow.iter_mut().zip(&row).for_each(|(a, b)| *a -= g * b);
                }
            }
            pivots.push((pc, row));
        }
    }
    // e_j is in the row space when reducing it against the pivots leaves nothing.
    (0..m)
        .filter(|&j| {
            let mut e = vec![0.0; m];
            e[j] = 1.0;
            for (pc, prow) in &pivots {
                let f = e[*pc];
                if f != 0.0 {
                    e.iter_mut().zip(prow).for_each(|(a, b)| *a -= f * b);
                }
            }
            e.iter().all(|v| v.abs() < 1e-9)
        })
        .map(|j| columns[j])
        .collect()
}

/// A generated hierarchy: root → regions → districts → blocks, with skewed block counts and
/// consistent sums; some blocks already "k. A." or missing in the source.
fn generated(seed: u64) -> (Vec<Option<usize>>, Vec<Cell>) {
    let mut state = seed;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let mut parent = vec![None];
    let mut level_of = vec![0];
    let mut frontier = vec![0usize];
    for level in 1..=3 {
        let mut next_frontier = Vec::new();
        for &p in &frontier {
            for _ in 0..1 + next(if level == 3 { 6 } else { 4 }) {
                parent.push(Some(p));
                level_of.push(level);
                next_frontier.push(parent.len() - 1);
            }
        }
        frontier = next_frontier;
    }
    let n = parent.len();
    let mut value = vec![0.0; n];
    let mut cells = vec![Cell::Unknown; n];
    for &leaf in &frontier {
        value[leaf] = match next(10) {
            0..=3 => next(6) as f64,
            4..=7 => 4.0 + next(40) as f64,
            _ => 50.0 + next(500) as f64,
        };
        cells[leaf] = match next(40) {
            0 => Cell::Suppressed,
            1 => Cell::Unknown,
            _ => Cell::Value(value[leaf]),
        };
    }
    for i in (1..n).rev() {
        if let Some(p) = parent[i] {
            value[p] += value[i];
        }
    }
    for i in 0..n {
        if level_of[i] < 3 {
            cells[i] = Cell::Value(value[i]);
        }
    }
    (parent, cells)
}

#[test]
fn no_suppressed_cell_is_recoverable_on_generated_hierarchies() {
    let rules = SuppressionRules::default();
    let (mut secondary_total, mut naive_leaks) = (0, 0);
    for seed in 1..=300 {
        let (parent, cells) = generated(seed);
        let hidden = protect_hierarchy(&parent, &cells, &rules);
        for (i, cell) in cells.iter().enumerate() {
            if let Cell::Value(v) = cell {
                if rules.is_small(*v) {
                    assert_eq!(
                        hidden[i].map(|h| h.reason),
                        Some(Reason::Primary),
                        "seed {seed}, cell {i}"
                    );
                }
            }
        }
        let unknown: HashSet<usize> = (0..cells.len())
            .filter(|&i| hidden[i].is_some() || cells[i] == Cell::Unknown)
            .collect();
        let leaks = recoverable(&parent, &unknown);
        assert!(leaks.is_empty(), "seed {seed}: recoverable cells {leaks:?}");
        secondary_total += hidden
            .iter()
            .flatten()
            .filter(|h| h.reason == Reason::Secondary)
            .count();
        // The check can fail: primary suppression alone leaks.
        let primary_only: HashSet<usize> = (0..cells.len())
            .filter(|&i| match cells[i] {
                Cell::Value(v) => rules.is_small(v),
                Cell::Suppressed | Cell::Unknown => true,
            })
            .collect();
        naive_leaks += recoverable(&parent, &primary_only).len();
    }
    assert!(
        secondary_total > 100,
        "the generated cases need secondary suppression: {secondary_total}"
    );
    assert!(naive_leaks > 100, "primary suppression alone must leak: {naive_leaks}");
}

#[test]
fn no_small_count_is_narrowed_down_to_the_threshold_on_generated_hierarchies() {
    let rules = SuppressionRules::default();
    let mut narrowed_before = 0;
    for seed in 1..=300 {
        let (parent, cells) = generated(seed);
        let hidden = protect_hierarchy(&parent, &cells, &rules);
        let bounds = attacker_bounds(&parent, &cells, &hidden);
        for (i, h) in hidden.iter().enumerate() {
            if h.is_some_and(|h| h.reason == Reason::Primary) {
                assert!(
                    bounds[i].1 > 3.0,
                    "seed {seed}: cell {i} known to lie in {:?}",
                    bounds[i]
                );
            }
        }
        // Without the narrowing step (exact recovery prevented only), some would be.
        narrowed_before += exposed_without_narrowing(&parent, &cells, &rules);
    }
    assert!(
        narrowed_before > 10,
        "the generated cases need the narrowing step: {narrowed_before}"
    );
}

/// Small counts an attacker narrows down to the threshold when only exact recovery is
/// prevented: each primary cell's siblings hidden by the old rule alone.
fn exposed_without_narrowing(parent: &[Option<usize>], cells: &[Cell], rules: &SuppressionRules) -> usize {
    let hidden = protect_hierarchy(parent, cells, rules);
    // Take back every secondary cell added for narrowing: those that protect a primary cell
    // whose equation already had two unknowns without them.
    let mut old = hidden.clone();
    for i in 0..cells.len() {
        if let Some(Hidden {
            reason: Reason::Secondary,
            protects: Some(p),
            within: Some(eq),
        }) = hidden[i]
        {
            let unknowns = std::iter::once(eq)
                .chain((0..cells.len()).filter(|&c| parent[c] == Some(eq)))
                .filter(|&c| c != i && (hidden[c].is_some() || cells[c] == Cell::Unknown))
                .count();
            if unknowns >= 2 && hidden[p].is_some_and(|h| h.reason == Reason::Primary) {
                old[i] = None;
            }
        }
    }
    let bounds = attacker_bounds(parent, cells, &old);
    (0..cells.len())
        .filter(|&i| old[i].is_some_and(|h| h.reason == Reason::Primary) && bounds[i].1 <= 3.0)
        .count()
}

/// A tiny table: a published root, 2 to 4 children, each with 0 to 3 children of its own;
/// leaf counts from 0 to 7, so that small counts are common.
fn tiny(seed: u64) -> (Vec<Option<usize>>, Vec<Cell>) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut parent = vec![None];
    let mut leaves = Vec::new();
    for _ in 0..2 + next(3) {
        parent.push(Some(0));
        let child = parent.len() - 1;
        let grandchildren = next(4);
        if grandchildren == 0 {
            leaves.push(child);
        }
        for _ in 0..grandchildren {
            parent.push(Some(child));
            leaves.push(parent.len() - 1);
        }
    }
    let mut value = vec![0.0; parent.len()];
    for &leaf in &leaves {
        value[leaf] = next(8) as f64;
    }
    for i in (1..parent.len()).rev() {
        if let Some(p) = parent[i] {
            value[p] += value[i];
        }
    }
    (parent, value.into_iter().map(Cell::Value).collect())
}

/// The exact range of every hidden cell by enumeration: each hidden leaf takes every whole
/// number up to its nearest published ancestor, the hidden inner cells follow as sums, and
/// an assignment counts when every published sum holds. `None` when there are too many.
fn enumerated_bounds(parent: &[Option<usize>], cells: &[Cell], hidden: &[Option<Hidden>]) -> Option<Vec<(f64, f64)>> {
    let n = cells.len();
    let has_children = |i: usize| (0..n).any(|c| parent[c] == Some(i));
    let value = |i: usize| match cells[i] {
        Cell::Value(v) => v,
        _ => 0.0,
    };
    let free: Vec<usize> = (0..n).filter(|&i| hidden[i].is_some() && !has_children(i)).collect();
    let cap = |i: usize| {
        let mut a = parent[i];
        while let Some(p) = a {
            if hidden[p].is_none() {
                return value(p) as u64;
            }
            a = parent[p];
        }
        40
    };
    let caps: Vec<u64> = free.iter().map(|&i| cap(i)).collect();
    if caps.iter().map(|c| c + 1).product::<u64>() > 200_000 {
        return None;
    }
    let mut bounds = vec![(f64::INFINITY, f64::NEG_INFINITY); n];
    let mut choice = vec![0u64; free.len()];
    loop {
        let mut v: Vec<f64> = (0..n)
            .map(|i| if hidden[i].is_some() { 0.0 } else { value(i) })
            .collect();
        for (k, &i) in free.iter().enumerate() {
            v[i] = choice[k] as f64;
        }
        // Hidden inner cells as sums of their children, deepest first (children have higher indices).
        for i in (0..n).rev() {
            if hidden[i].is_some() && has_children(i) {
                v[i] = (0..n).filter(|&c| parent[c] == Some(i)).map(|c| v[c]).sum();
            }
        }
        let consistent = (0..n)
            .filter(|&i| has_children(i))
            .all(|i| ((0..n).filter(|&c| parent[c] == Some(i)).map(|c| v[c]).sum::<f64>() - v[i]).abs() < 1e-9);
        if consistent {
            common::widen(&mut bounds, &v);
        }
        if !common::next_assignment(&mut choice, &caps) {
            return Some(bounds);
        }
    }
}

#[test]
fn the_attacker_bounds_are_the_exact_ranges_and_the_loss_is_measured_against_the_optimum() {
    let rules = SuppressionRules::default();
    let (mut checked, mut compared, mut ours, mut best) = (0, 0, (0usize, 0.0), (0usize, 0.0));
    for seed in 1..=400 {
        let (parent, cells) = tiny(seed);
        let hidden = protect_hierarchy(&parent, &cells, &rules);
        let Some(exact) = enumerated_bounds(&parent, &cells, &hidden) else {
            continue;
        };
        let bounds = attacker_bounds(&parent, &cells, &hidden);
        for i in (0..cells.len()).filter(|&i| hidden[i].is_some()) {
            if bounds[i].1.is_infinite() {
                // Unbounded (a hidden root): the enumeration reaches its own cap.
                assert_eq!(bounds[i].0, exact[i].0, "seed {seed}: cell {i}");
                assert!(exact[i].1 >= 40.0, "seed {seed}: cell {i}: {:?}", exact[i]);
            } else {
                assert_eq!(bounds[i], exact[i], "seed {seed}: cell {i}, {cells:?} {hidden:?}");
            }
        }
        checked += 1;
        // Valid: no hidden cell exactly known, no small count known to be at most 3.
        let valid = |h: &[Option<Hidden>]| {
            let b = attacker_bounds(&parent, &cells, h);
            (0..cells.len()).all(|i| match h[i] {
                None => true,
                Some(x) => b[i].0 < b[i].1 && (x.reason != Reason::Primary || b[i].1 > 3.0),
            })
        };
        assert!(valid(&hidden), "seed {seed}");
        let value = |i: usize| match cells[i] {
            Cell::Value(v) => v,
            _ => 0.0,
        };
        let secondary: Vec<usize> = (0..cells.len())
            .filter(|&i| hidden[i].is_some_and(|h| h.reason == Reason::Secondary))
            .collect();
        // The optimum: the fewest (then smallest) published cells to add to the primary ones.
        let candidates: Vec<usize> = (0..cells.len())
            .filter(|&i| hidden[i].is_none_or(|h| h.reason == Reason::Secondary))
            .collect();
        if candidates.len() > 11 {
            continue;
        }
        compared += 1;
        ours.0 += secondary.len();
        ours.1 += secondary.iter().map(|&i| value(i)).sum::<f64>();
        let primary: Vec<Option<Hidden>> = hidden
            .iter()
            .map(|h| h.filter(|h| h.reason == Reason::Primary))
            .collect();
        let optimum = common::optimal_pattern(&primary, &candidates, value, valid);
        let optimum = optimum.unwrap_or((0, 0.0));
        assert!(secondary.len() >= optimum.0, "seed {seed}: fewer than the optimum?");
        best.0 += optimum.0;
        best.1 += optimum.1;
    }
    assert!(checked > 300, "{checked}");
    println!(
        "Informationsverlust (sekundär geheim gehaltene Zellen) auf {compared} von {checked} kleinen Tabellen: \
         {} Zellen mit Summe {} gegen das Optimum {} Zellen mit Summe {} (Faktor {:.2} bzw. {:.2})",
        ours.0,
        ours.1,
        best.0,
        best.1,
        ours.0 as f64 / best.0.max(1) as f64,
        ours.1 / best.1.max(1.0)
    );
    assert!(ours.0 as f64 <= 1.6 * best.0 as f64, "{ours:?} against {best:?}");
}

#[test]
fn the_smallest_sibling_protects_a_lonely_small_count_and_the_parent_closes_a_single_child() {
    // Root (published) → A, B; A → a1 = 2, a2 = 40, a3 = 9; B → b1 = 7 (only child).
    let parent = [None, Some(0), Some(0), Some(1), Some(1), Some(1), Some(2)];
    let cells = [51.0, 51.0, 7.0, 2.0, 40.0, 9.0, 7.0].map(Cell::Value);
    let hidden = protect_hierarchy(&parent, &cells, &SuppressionRules::default());
    let reasons: Vec<Option<Reason>> = hidden.iter().map(|h| h.map(|h| h.reason)).collect();
    assert_eq!(
        reasons,
        [
            None,
            None,
            None,
            Some(Reason::Primary),
            None,
            Some(Reason::Secondary),
            None
        ]
    );
    assert_eq!(hidden[5].unwrap().protects, Some(3));
    assert_eq!(hidden[5].unwrap().within, Some(1));

    // A single child of 2: child and parent are the same number, and the parent's siblings
    // must then protect the parent in turn.
    let cells = [51.0, 49.0, 2.0, 20.0, 20.0, 9.0, 2.0].map(Cell::Value);
    let hidden = protect_hierarchy(&parent, &cells, &SuppressionRules::default());
    let unknown: HashSet<usize> = (0..7).filter(|&i| hidden[i].is_some()).collect();
    assert!(unknown.contains(&6) && unknown.contains(&2), "{unknown:?}");
    assert!(recoverable(&parent, &unknown).is_empty());

    // Zero is published unless configured.
    let zero = [Cell::Value(5.0), Cell::Value(0.0), Cell::Value(5.0)];
    let parent = [None, Some(0), Some(0)];
    assert!(protect_hierarchy(&parent, &zero, &SuppressionRules::default())[1].is_none());
    let strict = SuppressionRules {
        threshold: 3,
        suppress_zero: true,
    };
    let hidden = protect_hierarchy(&parent, &zero, &strict);
    assert_eq!(hidden[1].map(|h| h.reason), Some(Reason::Primary));
    assert_eq!(hidden[2].map(|h| h.reason), Some(Reason::Secondary));
}

/// Parent index per node, and the node index of each (level name, area key).
type Hierarchy = (Vec<Option<usize>>, HashMap<(String, String), usize>);

/// The Berlin sample's hierarchy (Planungsraum → Bezirksregion → Bezirk → Gesamtstadt) as
/// parent indices, and the index of each (level, key).
fn sample_hierarchy(atlas: &quartier_core::Atlas) -> Hierarchy {
    let mut index = HashMap::new();
    let mut ids = HashMap::new();
    let mut parent_ids = Vec::new();
    for level in ["Planungsraum", "Bezirksregion", "Bezirk"] {
        for a in atlas.areas(atlas.level(level).unwrap().id).unwrap() {
            index.insert((level.to_string(), a.key.to_string()), parent_ids.len());
            ids.insert(a.id, parent_ids.len());
            parent_ids.push(a.parent_area_id);
        }
    }
    let root = parent_ids.len();
    index.insert(("Gesamtstadt".to_string(), String::new()), root);
    let mut parent: Vec<Option<usize>> = parent_ids
        .iter()
        .map(|p| Some(p.and_then(|p| ids.get(&p).copied()).unwrap_or(root)))
        .collect();
    parent.push(None);
    (parent, index)
}

#[test]
fn small_counts_of_the_berlin_population_table_are_protected_along_the_hierarchy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = quartier_core::Atlas::open(&path).unwrap();
    let request = SuppressRequest {
        level: "Planungsraum".into(),
        period: "2020".into(),
        indicators: vec!["ew_6_15".into(), "ew_u6".into(), "anteil_u6".into()],
        ..Default::default()
    };
    let report = suppress(&atlas, &request, &quartier_core::NoProgress).unwrap();
    assert_eq!(
        report.levels,
        ["Planungsraum", "Bezirksregion", "Bezirk", "Gesamtstadt"]
    );

    // Primary: exactly the Planungsräume whose count in the source CSV is 1 to 3.
    let table = quartier_core::table::read_table(
        &sample_data().join("population/berlin-lor-population-2020-02-t2-planning-areas.csv"),
        None,
    )
    .unwrap();
    let column = |name: &str| table.headers.iter().position(|h| h == name).unwrap();
    let source_counts = |name: &str| -> Vec<(String, f64)> {
        table
            .rows
            .iter()
            .map(|r| {
                (
                    format!("{:0>8}", r.cells[column("id")].as_text().trim()),
                    r.cells[column(name)].as_text().trim().parse().unwrap(),
                )
            })
            .collect()
    };
    // Also the Bezirksregionen (first six key digits) whose sum is that small.
    let small_cells = |name: &str, small: &dyn Fn(f64) -> bool| -> HashSet<(String, String)> {
        let mut cells = HashSet::new();
        let mut regions: HashMap<String, f64> = HashMap::new();
        for (key, v) in source_counts(name) {
            *regions.entry(key[..6].to_string()).or_default() += v;
            if small(v) {
                cells.insert(("Planungsraum".to_string(), key));
            }
        }
        cells.extend(
            regions
                .into_iter()
                .filter(|(_, v)| small(*v))
                .map(|(k, _)| ("Bezirksregion".to_string(), k)),
        );
        cells
    };
    let small = small_cells("inhabitants_age_6_15", &|v| (1.0..=3.0).contains(&v));
    assert_eq!(small.len(), 3, "{small:?}");
    let primary: HashSet<(String, String)> = report
        .cells
        .iter()
        .filter(|c| c.indicator == "ew_6_15" && c.reason == Reason::Primary)
        .map(|c| (c.level.clone(), c.key.clone()))
        .collect();
    assert_eq!(primary, small);
    let counts = &report.indicators[0];
    assert_eq!(
        (counts.key.as_str(), counts.threshold, counts.primary),
        ("ew_6_15", 3, 3)
    );
    assert!(counts.secondary >= 2, "{counts:?}");
    // Each secondary cell says which cell it protects: Am Treptower Park Nord (3) by its
    // smallest sibling in Alt-Treptow.
    let elsen = report
        .cells
        .iter()
        .find(|c| c.indicator == "ew_6_15" && c.key == "09010101")
        .unwrap();
    assert_eq!(elsen.reason, Reason::Secondary);
    assert!(
        elsen.detail.contains("„Am Treptower Park Nord“ (Planungsraum)") && elsen.detail.contains("„Alt-Treptow“"),
        "{}",
        elsen.detail
    );

    // No zeros under the default rules; with zero suppression the four empty areas go too.
    assert_eq!(report.indicators[1].primary, 0);
    // Derived: the share of under-6-year-olds wherever its numerator or denominator is hidden.
    let hidden_of =
        |report: &quartier_core::analysis::suppress::SuppressionReport, key: &str| -> HashSet<(String, String)> {
            report
                .cells
                .iter()
                .filter(|c| c.indicator == key)
                .map(|c| (c.level.clone(), c.key.clone()))
                .collect()
        };
    assert_eq!(hidden_of(&report, "anteil_u6"), hidden_of(&report, "ew_u6"));
    let strict = suppress(&atlas, &strict_request(&request), &quartier_core::NoProgress).unwrap();
    let small_u6 = small_cells("inhabitants_age_below_6", &|v| (0.0..=3.0).contains(&v));
    assert!(small_u6.len() >= 4, "{small_u6:?}");
    assert_eq!(strict.indicators[1].primary, small_u6.len());
    let u6 = hidden_of(&strict, "ew_u6");
    assert!(u6.len() >= 8, "{u6:?}");
    assert_eq!(hidden_of(&strict, "anteil_u6"), u6);
    assert!(strict
        .cells
        .iter()
        .filter(|c| c.indicator == "anteil_u6")
        .all(|c| c.reason == Reason::Derived && c.detail.contains("ew_u6")));

    // Brute force on the real hierarchy: nothing hidden can be recomputed.
    let (parent, index) = sample_hierarchy(&atlas);
    for (r, key) in [(&report, "ew_6_15"), (&strict, "ew_u6")] {
        let unknown: HashSet<usize> = hidden_of(r, key).iter().map(|c| index[c]).collect();
        assert!(recoverable(&parent, &unknown).is_empty(), "{key}");
    }

    // Without a stored numerator, the count implied by share × denominator is checked.
    atlas
        .update_indicator(
            "anteil_u6",
            &IndicatorUpdate {
                numerator: Some(String::new()),
                ..Default::default()
            },
        )
        .unwrap();
    let implied = suppress(
        &atlas,
        &SuppressRequest {
            indicators: vec!["anteil_u6".into()],
            ..strict_request(&request)
        },
        &quartier_core::NoProgress,
    )
    .unwrap();
    let cell = implied.cells.iter().find(|c| c.level == "Planungsraum").unwrap();
    assert!(
        cell.detail.contains("Anteil × Nenner ergibt die Fallzahl 0"),
        "{}",
        cell.detail
    );
    assert_eq!(
        hidden_of(&implied, "anteil_u6"),
        u6,
        "the implied counts are the stored ones"
    );

    // Per-indicator threshold: 0 exempts the indicator.
    atlas
        .update_indicator(
            "ew_6_15",
            &IndicatorUpdate {
                suppression_threshold: Some(Some(0)),
                ..Default::default()
            },
        )
        .unwrap();
    let exempt = suppress(&atlas, &request, &quartier_core::NoProgress).unwrap();
    assert_eq!((exempt.indicators[0].threshold, exempt.indicators[0].primary), (0, 0));
    assert!(hidden_of(&exempt, "ew_6_15").is_empty());
}

fn strict_request(request: &SuppressRequest) -> SuppressRequest {
    SuppressRequest {
        rules: Some(SuppressionRules {
            threshold: 3,
            suppress_zero: true,
        }),
        ..request.clone()
    }
}

#[test]
fn atlas_rules_apply_by_default_and_small_areas_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let mut atlas = quartier_core::Atlas::open(&path).unwrap();
    assert_eq!(atlas.suppression_rules().unwrap(), SuppressionRules::default());
    let rules = SuppressionRules {
        threshold: 10,
        suppress_zero: false,
    };
    atlas.set_suppression_rules(&rules).unwrap();
    assert_eq!(atlas.suppression_rules().unwrap(), rules);
    let report = suppress(
        &atlas,
        &SuppressRequest {
            level: "Planungsraum".into(),
            period: "2020".into(),
            indicators: vec!["ew_15_18".into(), "s1".into()],
            min_population: Some(MinPopulation {
                indicator: "ew".into(),
                minimum: 300.0,
            }),
            ..Default::default()
        },
        &quartier_core::NoProgress,
    )
    .unwrap();
    assert_eq!(report.rules.threshold, 10);
    assert!(report.cells.iter().filter(|c| c.reason == Reason::Primary).all(|c| {
        let v = c.value.unwrap();
        (1.0..=10.0).contains(&v)
    }));
    assert!(report.indicators[0].primary > 1);
    assert!(
        report.not_checked.iter().any(|n| n.key == "s1"),
        "{:?}",
        report.not_checked
    );
    assert!(!report.small_areas.is_empty());
    assert!(report
        .small_areas
        .iter()
        .all(|a| a.reason.contains("unter 300 Einwohnern")));
    // The same rule leaves those areas out of map classes.
    let rule = MinPopulation {
        indicator: "ew".into(),
        minimum: 300.0,
    };
    let classes = classify_series(
        &atlas,
        "anteil_u6",
        "Planungsraum",
        "2020",
        &Method::Quantile,
        5,
        Some(&rule),
    )
    .unwrap();
    assert_eq!(classes.small_areas, report.small_areas.len());
    assert_eq!(
        classes.counts.iter().sum::<usize>() + classes.small_areas + classes.no_data,
        448
    );
    for small in &report.small_areas {
        let area = classes.areas.iter().find(|a| a.key == small.key).unwrap();
        assert_eq!((area.class, area.label.as_str()), (None, SMALL_AREA_LABEL));
    }
    let all = classify_series(&atlas, "anteil_u6", "Planungsraum", "2020", &Method::Quantile, 5, None).unwrap();
    assert_ne!(all.breaks, classes.breaks, "small areas no longer shape the breaks");
    assert!(matches!(
        atlas.set_suppression_rules(&SuppressionRules {
            threshold: -1,
            suppress_zero: false
        }),
        Err(quartier_core::Error::Invalid(_))
    ));
}

/// Defect: an indicator declared as a count whose values have decimals (an area in km²) had
/// 1,3 and 2,7 suppressed as case counts 1 and 3. The import now warns, and suppression
/// applies to whole counts only.
#[test]
fn a_count_with_decimals_is_warned_at_import_and_not_taken_for_case_counts() {
    use quartier_core::import::values::{import_values, ValuesImport};
    let (dir, mut atlas) = berlin_bezirke();
    let csv = dir.path().join("flaeche.csv");
    std::fs::write(&csv, "id;flaeche;kinder\n01;1,3;2\n02;2,7;40\n03;10,5;3\n").unwrap();
    let import = ValuesImport {
        file: csv,
        level: "Bezirk".into(),
        key_column: "id".into(),
        period: Some("2020".into()),
        ..Default::default()
    };
    let first = import_values(&mut atlas, &import, &NoProgress).unwrap();
    assert!(first.warnings.is_empty(), "no kind declared yet: {:?}", first.warnings);
    declare_counts(&mut atlas, &["flaeche", "kinder"]);
    let again = import_values(&mut atlas, &import, &NoProgress).unwrap();
    assert_eq!(again.warnings.len(), 1, "{:?}", again.warnings);
    assert!(
        again.warnings[0].contains("„flaeche“") && again.warnings[0].contains("1,3 in Zeile 2"),
        "{}",
        again.warnings[0]
    );
    assert_eq!(
        (again.changes.new, again.changes.unchanged, again.changes.changed),
        (0, 6, 0)
    );
    let report = suppress(
        &atlas,
        &SuppressRequest {
            level: "Bezirk".into(),
            period: "2020".into(),
            indicators: vec!["flaeche".into(), "kinder".into()],
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let primary = |key: &str| report.indicators.iter().find(|i| i.key == key).unwrap().primary;
    assert_eq!(primary("flaeche"), 0, "1,3 and 2,7 are no case counts");
    assert_eq!(primary("kinder"), 2, "2 and 3 children are");
}

#[test]
fn the_report_gives_each_hidden_count_the_interval_an_attacker_derives() {
    let (_dir, atlas) = sample_atlas();
    let request = SuppressRequest {
        level: "Planungsraum".into(),
        period: "2020".into(),
        indicators: vec!["ew_6_15".into(), "ew_u6".into()],
        ..Default::default()
    };
    let report = suppress(&atlas, &request, &NoProgress).unwrap();
    let primary: Vec<_> = report.cells.iter().filter(|c| c.reason == Reason::Primary).collect();
    assert!(!primary.is_empty());
    for c in report.cells.iter().filter(|c| c.value.is_some()) {
        let [low, high] = c.interval.unwrap();
        let (low, value) = (low.unwrap(), c.value.unwrap());
        // The true value lies in it, and it is no narrower than the protection asks.
        assert!(low <= value && high.is_none_or(|h| value <= h), "{c:?}");
        if c.reason == Reason::Primary {
            assert!(high.is_none_or(|h| h > 3.0), "{c:?}");
        }
        assert!(high.is_none_or(|h| h > low), "recoverable: {c:?}");
    }
}
