//! Suppression on linked tables: counts bound by any set of published sums, not only the area
//! hierarchy. A declared relation between indicators ("the age groups sum to the
//! residents") adds, for every area, the equation *total = Σ parts*; together with *parent =
//! Σ children* per indicator, the table is two-dimensional, and an attacker combines both.
//!
//! On such a table bound propagation (as [`super::suppress::attacker_bounds`] does on a
//! hierarchy) can leave intervals wider than what an attacker really derives, so here every
//! bound is a linear program: the least and the greatest value a hidden count can take
//! while every published sum holds and no count is negative (`microlp`). Only the hidden
//! cells connected to a cell through shared equations enter its programs, so the programs
//! stay small. Sum tables of this kind have totally unimodular constraint matrices, so the
//! bounds of the linear program are the bounds over whole numbers (the tests check that
//! against enumeration).

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use super::suppress::{Cell, Hidden, Reason, SuppressionRules};

/// A published relation between cells: `total` = Σ `parts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumEquation {
    /// The cell of the sum.
    pub total: usize,
    /// The cells that add up to it.
    pub parts: Vec<usize>,
}

impl SumEquation {
    fn members(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.total).chain(self.parts.iter().copied())
    }
}

/// What is unknown to an attacker: hidden here, or not published at all.
fn unknown(cells: &[Cell], hidden: &[Option<Hidden>], i: usize) -> bool {
    hidden[i].is_some() || !matches!(cells[i], Cell::Value(_))
}

/// The equations each cell appears in.
fn equations_of(n: usize, equations: &[SumEquation]) -> Vec<Vec<usize>> {
    let mut of = vec![Vec::new(); n];
    for (e, eq) in equations.iter().enumerate() {
        for m in eq.members() {
            if !of[m].contains(&e) {
                of[m].push(e);
            }
        }
    }
    of
}

/// The unknown cells linked to `start` through equations with unknowns, and those equations.
fn component(
    start: usize,
    cells: &[Cell],
    hidden: &[Option<Hidden>],
    equations: &[SumEquation],
    of: &[Vec<usize>],
) -> (Vec<usize>, Vec<usize>) {
    let mut seen_cell = vec![false; cells.len()];
    let mut seen_eq = vec![false; equations.len()];
    let mut members = vec![start];
    let mut used = Vec::new();
    seen_cell[start] = true;
    let mut next = 0;
    while next < members.len() {
        let cell = members[next];
        next += 1;
        for &e in &of[cell] {
            if seen_eq[e] {
                continue;
            }
            seen_eq[e] = true;
            used.push(e);
            for m in equations[e].members() {
                if !seen_cell[m] && unknown(cells, hidden, m) {
                    seen_cell[m] = true;
                    members.push(m);
                }
            }
        }
    }
    (members, used)
}

/// A linked table: its cells, the published sums between them, and which sums each cell
/// appears in (built once).
pub struct LinkedTable<'a> {
    cells: &'a [Cell],
    equations: &'a [SumEquation],
    of: Vec<Vec<usize>>,
}

impl<'a> LinkedTable<'a> {
    /// The table of `cells` bound by `equations`.
    pub fn new(cells: &'a [Cell], equations: &'a [SumEquation]) -> Self {
        LinkedTable {
            cells,
            equations,
            of: equations_of(cells.len(), equations),
        }
    }

    /// The interval an attacker derives for cell `target` when the cells of `hidden` are not
    /// published: `Some((low, high))` (`high` infinite when nothing bounds it), the value
    /// itself for a published cell, `None` when the published figures contradict the
    /// equations (the source's sums do not add up, so the relation cannot be used against
    /// it as declared).
    pub fn interval(&self, target: usize, hidden: &[Option<Hidden>]) -> Option<(f64, f64)> {
        interval_in(target, self.cells, hidden, self.equations, &self.of)
    }
}

fn interval_in(
    target: usize,
    cells: &[Cell],
    hidden: &[Option<Hidden>],
    equations: &[SumEquation],
    of: &[Vec<usize>],
) -> Option<(f64, f64)> {
    if !unknown(cells, hidden, target) {
        let Cell::Value(v) = cells[target] else {
            return None;
        };
        return Some((v, v));
    }
    let (members, used) = component(target, cells, hidden, equations, of);
    let solve = |direction: OptimizationDirection| -> Result<f64, microlp::Error> {
        let mut problem = Problem::new(direction);
        let vars: Vec<_> = members
            .iter()
            .map(|&m| problem.add_var(if m == target { 1.0 } else { 0.0 }, (0.0, f64::INFINITY)))
            .collect();
        let var_of: std::collections::HashMap<usize, microlp::Variable> =
            members.iter().copied().zip(vars.iter().copied()).collect();
        for &e in &used {
            let eq = &equations[e];
            // total − Σ parts = 0, published cells moved to the right-hand side.
            let mut terms = Vec::new();
            let mut rhs = 0.0;
            for (cell, sign) in std::iter::once((eq.total, 1.0)).chain(eq.parts.iter().map(|&p| (p, -1.0))) {
                match var_of.get(&cell) {
                    Some(&v) => terms.push((v, sign)),
                    None => match cells[cell] {
                        Cell::Value(x) => rhs -= sign * x,
                        // Unknown cells are all in the component (every unknown of a used
                        // equation is); nothing else reaches here.
                        _ => return Err(microlp::Error::Infeasible),
                    },
                }
            }
            problem.add_constraint(terms.as_slice(), ComparisonOp::Eq, rhs);
        }
        match problem.solve()? {
            microlp::SolveOutcome::Solution(solution) => Ok(solution.objective()),
            // Only a configured time limit interrupts a solve; none is set.
            microlp::SolveOutcome::Interrupted(_) => Err(microlp::Error::Infeasible),
        }
    };
    let low = match solve(OptimizationDirection::Minimize) {
        Ok(v) => v.max(0.0),
        Err(microlp::Error::Unbounded) => 0.0,
        Err(_) => return None,
    };
    let high = match solve(OptimizationDirection::Maximize) {
        Ok(v) => v,
        Err(microlp::Error::Unbounded) => f64::INFINITY,
        Err(_) => return None,
    };
    Some((low, high))
}

/// Secondary suppression on a linked table, starting from `hidden` (for example the result
/// of [`super::suppress::protect_hierarchy`] per indicator, laid side by side): while a small
/// count (a primary suppression) has an interval whose upper end is at most the threshold,
/// or that is a single value, another published cell is hidden: of one of its equations, or
/// of an equation of the hidden cells linked to it. Each candidate is tried (a linear
/// program): the smallest one whose hiding lifts the upper end above the threshold wins,
/// else the one that lifts it most, else the largest. Returns the
/// cells it hid, in order, and the equations found contradictory (their cells are left as
/// they are; the caller reports them).
pub fn protect_linked(
    table: &LinkedTable<'_>,
    hidden: &mut [Option<Hidden>],
    rules: &SuppressionRules,
) -> LinkedOutcome {
    let (cells, equations, of) = (table.cells, table.equations, &table.of);
    let mut outcome = LinkedOutcome::default();
    let threshold = rules.threshold as f64;
    let value = |i: usize| match cells[i] {
        Cell::Value(v) => v,
        _ => f64::INFINITY,
    };
    'search: for _ in 0..cells.len() {
        for i in 0..cells.len() {
            if !matches!(hidden[i], Some(h) if h.reason == Reason::Primary) {
                continue;
            }
            let Some((low, high)) = interval_in(i, cells, hidden, equations, of) else {
                if !outcome.contradictory.contains(&i) {
                    outcome.contradictory.push(i);
                }
                continue;
            };
            let exposed = high <= threshold + 1e-9 || high - low < 1e-9;
            if !exposed {
                continue;
            }
            // The published cells of its own equations first, then of the equations of the
            // hidden cells linked to it (there the figures leak); each tried by its effect.
            let published_in = |eqs: &[usize], hidden: &[Option<Hidden>]| -> Vec<(usize, usize)> {
                let mut list: Vec<(usize, usize)> = eqs
                    .iter()
                    .flat_map(|&e| equations[e].members().map(move |m| (m, e)))
                    .filter(|&(m, _)| !unknown(cells, hidden, m))
                    .collect();
                list.sort_by(|a, b| value(a.0).total_cmp(&value(b.0)).then(a.0.cmp(&b.0)));
                list.dedup_by_key(|c| c.0);
                list
            };
            let own = published_in(&of[i], hidden);
            let linked = published_in(&component(i, cells, hidden, equations, of).1, hidden);
            // The smallest cell whose hiding lifts the upper end above the threshold; else the
            // one that lifts it most; else the largest.
            let mut best: Option<((usize, usize), f64)> = None;
            let mut enough = None;
            for &(c, e) in own.iter().chain(linked.iter().filter(|x| !own.contains(x))) {
                let before = hidden[c];
                hidden[c] = Some(Hidden {
                    reason: Reason::Secondary,
                    protects: None,
                    within: None,
                });
                let lifted = interval_in(i, cells, hidden, equations, of);
                hidden[c] = before;
                let Some((low_now, high_now)) = lifted else { continue };
                if high_now > threshold + 1e-9 && high_now - low_now > 1e-9 {
                    enough = Some((c, e));
                    break;
                }
                if best.is_none_or(|(_, h)| high_now > h + 1e-9) {
                    best = Some(((c, e), high_now));
                }
            }
            let fallback = || {
                own.iter()
                    .chain(linked.iter())
                    .copied()
                    .max_by(|a, b| value(a.0).total_cmp(&value(b.0)).then(b.0.cmp(&a.0)))
            };
            let improving = best.filter(|(_, h)| *h > high + 1e-9).map(|(c, _)| c);
            let Some((chosen, within)) = enough.or(improving).or_else(fallback) else {
                outcome.unprotectable.push(i);
                continue;
            };
            hidden[chosen] = Some(Hidden {
                reason: Reason::Secondary,
                protects: Some(i),
                within: Some(within),
            });
            outcome.added.push(chosen);
            continue 'search;
        }
        break;
    }
    outcome.unprotectable.sort_unstable();
    outcome.unprotectable.dedup();
    outcome
}

/// What [`protect_linked`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkedOutcome {
    /// Cells hidden in addition, in order.
    pub added: Vec<usize>,
    /// Small counts whose equations contradict the published figures.
    pub contradictory: Vec<usize>,
    /// Small counts left narrow because every cell of their equations is hidden already.
    pub unprotectable: Vec<usize>,
}
