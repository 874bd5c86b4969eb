//! Suppression on linked tables (areas × indicators with a declared sum between indicators):
//! the linear-programming intervals against enumeration over whole numbers, a hand example
//! where protecting each indicator along the hierarchy is not enough, and the information
//! loss against the optimal pattern found by brute force on tiny tables.
#![allow(clippy::unwrap_used)]

mod common;

use quartier_core::analysis::linked::{protect_linked, LinkedTable, SumEquation};
use quartier_core::analysis::suppress::{
    attacker_bounds, protect_hierarchy, suppress, Cell, Hidden, Reason, SuppressRequest, SuppressionRules,
};

/// A linked table: `areas` areas (0 is the whole, the others its parts) × `groups` indicators
/// (the last one the total of the others). Cell of area `a` and indicator `g`: `a * groups + g`.
struct Table {
    areas: usize,
    groups: usize,
    cells: Vec<Cell>,
}

impl Table {
    fn from_leaves(leaves: &[Vec<u64>]) -> Table {
        let parts = leaves[0].len();
        let groups = parts + 1;
        let areas = leaves.len() + 1;
        let mut value = vec![0.0; areas * groups];
        for (k, row) in leaves.iter().enumerate() {
            let a = k + 1;
            for (g, &v) in row.iter().enumerate() {
                value[a * groups + g] = v as f64;
                value[a * groups + parts] += v as f64;
                value[g] += v as f64;
                value[parts] += v as f64;
            }
        }
        Table {
            areas,
            groups,
            cells: value.into_iter().map(Cell::Value).collect(),
        }
    }

    fn cell(&self, area: usize, group: usize) -> usize {
        area * self.groups + group
    }

    /// Whole = Σ parts per indicator (the hierarchy), total = Σ groups per area (the relation).
    fn equations(&self) -> Vec<SumEquation> {
        let mut eqs: Vec<SumEquation> = (0..self.groups)
            .map(|g| SumEquation {
                total: self.cell(0, g),
                parts: (1..self.areas).map(|a| self.cell(a, g)).collect(),
            })
            .collect();
        eqs.extend((0..self.areas).map(|a| SumEquation {
            total: self.cell(a, self.groups - 1),
            parts: (0..self.groups - 1).map(|g| self.cell(a, g)).collect(),
        }));
        eqs
    }

    /// Per indicator, the hierarchy protection as the atlas does it today, laid side by side.
    fn protect_each_indicator(&self, rules: &SuppressionRules) -> Vec<Option<Hidden>> {
        let parent: Vec<Option<usize>> = (0..self.areas).map(|a| (a > 0).then_some(0)).collect();
        let mut hidden = vec![None; self.cells.len()];
        for g in 0..self.groups {
            let column: Vec<Cell> = (0..self.areas).map(|a| self.cells[self.cell(a, g)]).collect();
            for (a, h) in protect_hierarchy(&parent, &column, rules).into_iter().enumerate() {
                hidden[self.cell(a, g)] = h;
            }
        }
        hidden
    }

    fn value(&self, i: usize) -> f64 {
        match self.cells[i] {
            Cell::Value(v) => v,
            _ => 0.0,
        }
    }

    /// The exact range of every cell over whole numbers: every hidden cell of a part area ×
    /// part indicator takes every value up to the grand total, the other hidden cells follow
    /// as sums, and an assignment counts when every published cell matches. `None` when
    /// there are too many assignments.
    fn enumerated(&self, hidden: &[Option<Hidden>]) -> Option<Vec<(f64, f64)>> {
        let parts = self.groups - 1;
        let free: Vec<usize> = (1..self.areas)
            .flat_map(|a| (0..parts).map(move |g| (a, g)))
            .map(|(a, g)| self.cell(a, g))
            .filter(|&i| hidden[i].is_some())
            .collect();
        let cap = self.value(self.cell(0, parts)) as u64;
        if (cap + 1).checked_pow(free.len() as u32)? > 500_000 {
            return None;
        }
        let caps = vec![cap; free.len()];
        let n = self.cells.len();
        let mut bounds = vec![(f64::INFINITY, f64::NEG_INFINITY); n];
        let mut choice = vec![0u64; free.len()];
        loop {
            let mut v: Vec<f64> = (0..n).map(|i| self.value(i)).collect();
            for (k, &i) in free.iter().enumerate() {
                v[i] = choice[k] as f64;
            }
            for a in 1..self.areas {
                v[self.cell(a, parts)] = (0..parts).map(|g| v[self.cell(a, g)]).sum();
            }
            for g in 0..self.groups {
                v[self.cell(0, g)] = (1..self.areas).map(|a| v[self.cell(a, g)]).sum();
            }
            let consistent = (0..n).all(|i| hidden[i].is_some() || (v[i] - self.value(i)).abs() < 1e-9);
            if consistent {
                common::widen(&mut bounds, &v);
            }
            if !common::next_assignment(&mut choice, &caps) {
                return Some(bounds);
            }
        }
    }

    /// Whether no small count is known to be at most the threshold, by linear programming.
    fn protected(&self, hidden: &[Option<Hidden>], rules: &SuppressionRules) -> bool {
        let equations = self.equations();
        let table = LinkedTable::new(&self.cells, &equations);
        (0..self.cells.len()).all(|i| match hidden[i] {
            Some(h) if h.reason == Reason::Primary => table
                .interval(i, hidden)
                .is_some_and(|(_, high)| high > rules.threshold as f64),
            _ => true,
        })
    }
}

/// Tiny tables: 2 or 3 part areas × 2 or 3 part indicators, counts from 0 to 5.
fn tiny(seed: u64) -> Table {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let areas = 2 + next(2) as usize;
    let parts = 2 + next(2) as usize;
    let leaves: Vec<Vec<u64>> = (0..areas).map(|_| (0..parts).map(|_| next(6)).collect()).collect();
    Table::from_leaves(&leaves)
}

#[test]
fn a_small_count_safe_along_the_hierarchy_is_recomputed_through_the_declared_sum_until_linked_protection() {
    // Area 1: 2 children aged 0–5, 10 aged 6–14, 12 in all; area 2: 5, 7, 12.
    let table = Table::from_leaves(&[vec![2, 10], vec![5, 7]]);
    let rules = SuppressionRules::default();
    let mut hidden = table.protect_each_indicator(&rules);
    let small = table.cell(1, 0);
    assert_eq!(hidden[small].map(|h| h.reason), Some(Reason::Primary));
    // Along the hierarchy alone the 2 is safe: its sibling is hidden, the interval is 0..7.
    let parent = [None, Some(0), Some(0)];
    let column: Vec<Cell> = (0..3).map(|a| table.cells[table.cell(a, 0)]).collect();
    let column_hidden: Vec<Option<Hidden>> = (0..3).map(|a| hidden[table.cell(a, 0)]).collect();
    assert_eq!(attacker_bounds(&parent, &column, &column_hidden)[1], (0.0, 7.0));
    // But area 1's total (12) and its 6–14-year-olds (10) are published: 12 − 10 = 2.
    let eqs = table.equations();
    assert_eq!(
        LinkedTable::new(&table.cells, &eqs).interval(small, &hidden),
        Some((2.0, 2.0))
    );
    assert!(!table.protected(&hidden, &rules));

    let outcome = protect_linked(&LinkedTable::new(&table.cells, &eqs), &mut hidden, &rules);
    assert!(!outcome.added.is_empty() && outcome.unprotectable.is_empty() && outcome.contradictory.is_empty());
    assert!(table.protected(&hidden, &rules));
    // By hand, over whole numbers: the 2 can now be as large as the enumeration says, above 3.
    let exact = table.enumerated(&hidden).unwrap();
    assert_eq!(
        LinkedTable::new(&table.cells, &eqs).interval(small, &hidden),
        Some(exact[small])
    );
    assert!(exact[small].1 > 3.0, "{:?}", exact[small]);
}

#[test]
fn the_linear_programs_give_the_exact_ranges_over_whole_numbers() {
    let rules = SuppressionRules::default();
    let mut checked = 0;
    for seed in 1..=300 {
        let table = tiny(seed);
        let mut hidden = table.protect_each_indicator(&rules);
        let equations = table.equations();
        protect_linked(&LinkedTable::new(&table.cells, &equations), &mut hidden, &rules);
        let Some(exact) = table.enumerated(&hidden) else {
            continue;
        };
        let equations = table.equations();
        let linked = LinkedTable::new(&table.cells, &equations);
        for i in (0..table.cells.len()).filter(|&i| hidden[i].is_some()) {
            let lp = linked.interval(i, &hidden).unwrap();
            assert!(
                (lp.0 - exact[i].0).abs() < 1e-6,
                "seed {seed}, cell {i}: {lp:?} {:?}",
                exact[i]
            );
            if lp.1.is_finite() {
                assert!(
                    (lp.1 - exact[i].1).abs() < 1e-6,
                    "seed {seed}, cell {i}: {lp:?} {:?}",
                    exact[i]
                );
            } else {
                // Unbounded (the grand total hidden): the enumeration reaches its own cap.
                assert!(
                    exact[i].1 >= table.value(table.cell(0, table.groups - 1)),
                    "seed {seed}, cell {i}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn linked_protection_leaves_no_small_count_narrow_and_its_loss_is_measured_against_the_optimum() {
    let rules = SuppressionRules::default();
    let (mut tables, mut compared, mut ours, mut best) = (0, 0, (0usize, 0.0), (0usize, 0.0));
    for seed in 1..=300 {
        let table = tiny(seed);
        let eqs = table.equations();
        let mut hidden = table.protect_each_indicator(&rules);
        let outcome = protect_linked(&LinkedTable::new(&table.cells, &eqs), &mut hidden, &rules);
        assert!(outcome.contradictory.is_empty(), "seed {seed}");
        if outcome.unprotectable.is_empty() {
            assert!(table.protected(&hidden, &rules), "seed {seed}");
            // And by enumeration, independent of the linear programs (which caps every count
            // at the grand total, so only where that is published).
            let grand = table.cell(0, table.groups - 1);
            if let Some(exact) = table.enumerated(&hidden).filter(|_| hidden[grand].is_none()) {
                for i in (0..table.cells.len()).filter(|&i| hidden[i].is_some_and(|h| h.reason == Reason::Primary)) {
                    assert!(exact[i].1 > 3.0, "seed {seed}, cell {i}: {:?}", exact[i]);
                }
            }
        }
        tables += 1;
        // The optimum: the fewest (then smallest) published cells to hide besides the small
        // counts so that every small count is protected.
        let primary: Vec<Option<Hidden>> = hidden
            .iter()
            .map(|h| h.filter(|h| h.reason == Reason::Primary))
            .collect();
        let candidates: Vec<usize> = (0..table.cells.len()).filter(|&i| primary[i].is_none()).collect();
        if candidates.len() > 12 || primary.iter().all(Option::is_none) {
            continue;
        }
        let optimum = common::optimal_pattern(
            &primary,
            &candidates,
            |c| table.value(c),
            |h| table.protected(h, &rules),
        );
        let Some(optimum) = optimum else { continue };
        let secondary: Vec<usize> = (0..table.cells.len())
            .filter(|&i| hidden[i].is_some() && primary[i].is_none())
            .collect();
        assert!(secondary.len() >= optimum.0, "seed {seed}: fewer than the optimum?");
        compared += 1;
        ours.0 += secondary.len();
        ours.1 += secondary.iter().map(|&i| table.value(i)).sum::<f64>();
        best.0 += optimum.0;
        best.1 += optimum.1;
    }
    println!(
        "Informationsverlust auf verknüpften Tabellen ({compared} von {tables} kleinen Tabellen): \
         {} Zellen mit Summe {} gegen das Optimum {} Zellen mit Summe {} (Faktor {:.2} bzw. {:.2})",
        ours.0,
        ours.1,
        best.0,
        best.1,
        ours.0 as f64 / best.0.max(1) as f64,
        ours.1 / best.1.max(1.0)
    );
    assert!(compared > 50, "{compared}");
    assert!(ours.0 as f64 <= 2.0 * best.0 as f64, "{ours:?} against {best:?}");
}

#[test]
fn the_berlin_age_groups_declared_as_summing_to_the_residents_protect_every_small_count() {
    let (dir, mut atlas) = common::sample_atlas();
    let mut keys: Vec<String> = common::BERLIN_AGE_GROUPS.iter().map(|k| k.to_string()).collect();
    keys.push("ew".into());
    let request = SuppressRequest {
        level: "Planungsraum".into(),
        period: "2020".into(),
        indicators: keys.clone(),
        ..Default::default()
    };
    let before = suppress(&atlas, &request, &quartier_core::NoProgress).unwrap();

    // The metadata sheet declares the sum; a part that is no indicator is refused by row.
    let sheet = dir.path().join("summen.csv");
    std::fs::write(
        &sheet,
        "Schlüssel;Summe aus\new;ew_u6,ew_6_15,ew_15_18,ew_18_27,ew_27_45,ew_45_55,ew_55_65,ew_65plus\n",
    )
    .unwrap();
    let bad = dir.path().join("falsch.csv");
    std::fs::write(&bad, "Schlüssel;Summe aus\new;ew_u6,ew_6_14\n").unwrap();
    let refused = quartier_core::import::metadata::import_metadata(
        &mut atlas,
        &quartier_core::import::metadata::MetadataImport { file: bad, sheet: None },
    )
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("Zeile 2") && refused.contains("„ew_6_14“ ist kein Indikator"),
        "{refused}"
    );
    quartier_core::import::metadata::import_metadata(
        &mut atlas,
        &quartier_core::import::metadata::MetadataImport {
            file: sheet,
            sheet: None,
        },
    )
    .unwrap();
    assert_eq!(
        atlas.indicator("ew").unwrap().sum_of,
        common::BERLIN_AGE_GROUPS.to_vec()
    );

    let after = suppress(&atlas, &request, &quartier_core::NoProgress).unwrap();
    let secondary = |r: &quartier_core::analysis::suppress::SuppressionReport| {
        r.cells.iter().filter(|c| c.reason == Reason::Secondary).count()
    };
    println!(
        "Berlin, Planungsräume 2020, Altersgruppen und Einwohner: {} kleine Fallzahlen, sekundär geheim gehalten \
         ohne erklärte Summe {}, mit {}",
        after.cells.iter().filter(|c| c.reason == Reason::Primary).count(),
        secondary(&before),
        secondary(&after)
    );
    // The data have small age groups whose hierarchy protection the declared sum undoes.
    assert!(
        secondary(&after) > secondary(&before),
        "{} ≤ {}",
        secondary(&after),
        secondary(&before)
    );
    assert!(after.not_checked.is_empty(), "{:?}", after.not_checked);
    // Every small count: its interval, from every published sum, reaches above 3.
    let primary: Vec<_> = after.cells.iter().filter(|c| c.reason == Reason::Primary).collect();
    assert!(!primary.is_empty());
    for c in &primary {
        let upper = c.interval.unwrap()[1];
        assert!(
            upper.is_none_or(|u| u > 3.0),
            "{} {} {:?}",
            c.indicator,
            c.key,
            c.interval
        );
    }
    // Independently, from the report alone: no area row has a single hidden cell, which the
    // residents minus the other age groups would give back.
    let hidden_in_row = |level: &str, key: &str| {
        after
            .cells
            .iter()
            .filter(|c| c.level == level && c.key == key && keys.contains(&c.indicator))
            .count()
    };
    for c in &primary {
        assert!(
            hidden_in_row(&c.level, &c.key) >= 2,
            "{} {} alone in its row",
            c.indicator,
            c.key
        );
    }
    // The added cells say why.
    assert!(after
        .cells
        .iter()
        .any(|c| c.detail.contains("in einer erklärten Summe von Indikatoren")));
}

#[test]
fn an_edited_declared_sum_is_checked_like_the_sheet() {
    let (_dir, mut atlas) = common::sample_atlas();
    let declare = |atlas: &mut quartier_core::Atlas, total: &str, parts: &[&str]| {
        let update = quartier_core::store::IndicatorUpdate {
            sum_of: Some(parts.iter().map(|p| p.to_string()).collect()),
            ..Default::default()
        };
        atlas.update_indicator(total, &update).map_err(|e| e.to_string())
    };
    let typo = declare(&mut atlas, "ew", &["ew_u6", "ew_6_14"]).unwrap_err();
    assert!(typo.contains("„ew_6_14“") && typo.contains("ew_6_15"), "{typo}");
    let share = declare(&mut atlas, "ew", &["ew_u6", "s1"]).unwrap_err();
    assert!(share.contains("„s1“ ist keine Anzahl"), "{share}");
    let total_share = declare(&mut atlas, "s1", &["ew_u6"]).unwrap_err();
    assert!(total_share.contains("„s1“ ist keine Anzahl"), "{total_share}");
    let itself = declare(&mut atlas, "ew", &["ew_u6", "ew"]).unwrap_err();
    assert!(itself.contains("nicht Teil seiner selbst"), "{itself}");
    assert!(atlas.indicator("ew").unwrap().sum_of.is_empty(), "nothing stored");
    let stored = declare(&mut atlas, "ew", &common::BERLIN_AGE_GROUPS).unwrap();
    assert_eq!(stored.sum_of, common::BERLIN_AGE_GROUPS.to_vec());
    // An empty list clears the declaration.
    assert!(declare(&mut atlas, "ew", &[]).unwrap().sum_of.is_empty());
}
