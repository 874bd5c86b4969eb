//! Areas too small to report: a check per level against a rule such as "at least 1,000
//! residents" (the Bundesagentur für Arbeit's limit for small-area figures), "at least 50
//! children of an age group" (the KECK experience) or "10,000 residents per Sozialraum".
//!
//! A rule is a condition in the formula language of [`super::compute`] (`ew >= 1000`,
//! `ew_u6 >= 50 AND ew >= 1000`), evaluated on the areas of one level and period; the
//! presets ([`PRESETS`]) name the usual ones with the atlas's keys filled in by the planner.

use serde::Serialize;

use super::compute::{evaluate, parse};
use crate::model::ValueStatus;
use crate::{Atlas, Error, Result};

/// The usual rules: name, condition with the sample's keys, where it comes from.
pub const PRESETS: [(&str, &str, &str); 3] = [
    (
        "ba",
        "ew >= 1000",
        "Bundesagentur für Arbeit: kleinräumige Zahlen nur für Gebiete ab 1.000 Einwohnern",
    ),
    (
        "keck",
        "ew_u6 >= 50",
        "KECK: mindestens 50 Kinder einer Altersgruppe je Gebiet, um über sie etwas zu sagen",
    ),
    (
        "sozialraum",
        "ew >= 10000",
        "Sozialraum: 10.000 bis 15.000 Einwohner empfohlen",
    ),
];

/// One area against the rule.
#[derive(Debug, Clone, Serialize)]
pub struct AreaSize {
    /// The area key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The value of the rule's first indicator (e.g. the residents), where known.
    pub value: Option<f64>,
    /// Whether the area meets the rule; `None` where it cannot be told (input missing or
    /// secret).
    pub meets: Option<bool>,
    /// Why it cannot be told.
    pub reason: Option<String>,
}

/// The check of a level.
#[derive(Debug, Clone, Serialize)]
pub struct SizeCheck {
    /// The level.
    pub level: String,
    /// The period.
    pub period: String,
    /// The rule as given (a preset's name is replaced by its condition).
    pub rule: String,
    /// Where the rule comes from, for a preset.
    pub source: Option<String>,
    /// The indicator whose value is shown.
    pub shown_indicator: Option<String>,
    /// Every area, in key order.
    pub areas: Vec<AreaSize>,
    /// Keys of the areas that do not meet the rule.
    pub too_small: Vec<String>,
    /// Keys of the areas for which it cannot be told.
    pub unknown: Vec<String>,
}

/// Checks the areas of `level` in `period` (default: the latest period in which the rule's
/// indicators have values there) against `rule`, a condition or a preset's name.
pub fn check_sizes(atlas: &Atlas, level: &str, period: Option<&str>, rule: &str) -> Result<SizeCheck> {
    let (condition, source) = match PRESETS.iter().find(|(name, _, _)| *name == rule.trim()) {
        Some((_, condition, source)) => (condition.to_string(), Some(source.to_string())),
        None => (rule.trim().to_string(), None),
    };
    let formula = parse(atlas, &condition)?;
    let level = atlas.level(level)?;
    let period = match period {
        Some(p) => atlas.period(p)?,
        None => {
            let mut latest = None;
            for p in atlas.periods()? {
                let mut all = !formula.inputs.is_empty();
                for key in &formula.inputs {
                    let meta = atlas.indicator(key)?;
                    all &= atlas
                        .column(meta.id, level.id, p.id)?
                        .status
                        .contains(&Some(ValueStatus::Ok));
                }
                if all {
                    latest = Some(p);
                }
            }
            latest.ok_or_else(|| {
                Error::Invalid(format!(
                    "Regel „{condition}“: auf Ebene „{}“ gibt es keinen Zeitraum, in dem {} Werte hat",
                    level.name,
                    formula.inputs.join(", ")
                ))
            })?
        }
    };
    let series = evaluate(atlas, &formula, level.id, &period)?;
    let shown_indicator = formula.inputs.first().cloned();
    let shown = match &shown_indicator {
        Some(key) => Some(atlas.column(atlas.indicator(key)?.id, level.id, period.id)?),
        None => None,
    };
    let areas = atlas.level_areas(level.id)?;
    let mut out = Vec::new();
    for (i, (area, computed)) in areas.iter().zip(&series.values).enumerate() {
        let value = shown
            .as_ref()
            .filter(|c| c.status[i] == Some(ValueStatus::Ok))
            .map(|c| c.numbers[i]);
        let (meets, reason) = match computed.value.number() {
            Some(v) if v == 0.0 || v == 1.0 => (Some(v == 1.0), None),
            Some(v) => {
                return Err(Error::Invalid(format!(
                    "Regel „{condition}“ ist keine Bedingung (ergibt {v} statt wahr oder falsch); z. B. „ew >= 1000“"
                )))
            }
            None => (None, computed.value.note.clone()),
        };
        out.push(AreaSize {
            key: area.key.to_string(),
            name: area.name.to_string(),
            value,
            meets,
            reason,
        });
    }
    Ok(SizeCheck {
        level: level.name,
        period: period.label,
        rule: condition,
        source,
        shown_indicator,
        too_small: out
            .iter()
            .filter(|a| a.meets == Some(false))
            .map(|a| a.key.clone())
            .collect(),
        unknown: out
            .iter()
            .filter(|a| a.meets.is_none())
            .map(|a| a.key.clone())
            .collect(),
        areas: out,
    })
}

/// One region of a regionalisation: areas of the finer level merged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    /// Its key: the members' keys joined by "+" (a single area keeps its key).
    pub key: String,
    /// Its name: the members' names joined by " + ".
    pub name: String,
    /// The keys of the member areas.
    pub members: Vec<String>,
    /// The summed value of the rule's first indicator.
    pub value: Option<f64>,
    /// Whether it meets the rule.
    pub meets: bool,
    /// Why it does not, where it could not be merged further.
    pub reason: Option<String>,
    /// Whether its members lie in different parent areas: merged across a parent's border
    /// because the parent alone is too small (for the planner to review).
    pub crosses_parent: bool,
}

/// A proposed merge of the small areas of a level into a new level that meets a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regionalisation {
    /// The finer level.
    pub level: String,
    /// The period whose values were summed.
    pub period: String,
    /// The rule.
    pub rule: String,
    /// The name of the new level.
    pub new_level: String,
    /// The regions, in key order.
    pub regions: Vec<Region>,
    /// How many areas the finer level has.
    pub areas: usize,
    /// How many regions merge two or more areas.
    pub merged: usize,
    /// Keys of the regions that still do not meet the rule.
    pub unresolved: Vec<String>,
    /// Keys of the regions merged across a parent's border.
    pub crossing: Vec<String>,
    /// Whether the new level was stored.
    pub saved: bool,
}

/// Proposes a merge of adjacent areas of `level` (sharing at least a corner, within the same
/// parent area) until every region meets `rule`, whose indicators must be counts that add
/// up. The neediest region (the smallest by the rule's first indicator) merges first, with
/// the neighbour whose centre is nearest (which keeps regions compact). A region whose
/// parent holds no other neighbour (a parent too small on its own, such as Forst Grunewald,
/// alone in its Bezirksregion) merges across the parent's border and is named in
/// `crossing`; a region without any neighbour stays as it is and is named in `unresolved`.
pub fn regionalise(
    atlas: &Atlas,
    level: &str,
    period: Option<&str>,
    rule: &str,
    new_level: &str,
) -> Result<Regionalisation> {
    let check = check_sizes(atlas, level, period, rule)?;
    let formula = parse(atlas, &check.rule)?;
    if !formula.calls.is_empty() {
        return Err(Error::Invalid(format!(
            "Regel „{}“: zum Zusammenlegen nur Anzahlen und Rechenzeichen, keine Funktionen",
            check.rule
        )));
    }
    if atlas.levels()?.iter().any(|l| l.name == new_level.trim()) {
        return Err(Error::Invalid(format!(
            "Die Ebene „{}“ gibt es schon",
            new_level.trim()
        )));
    }
    let level_meta = atlas.level(level)?;
    let areas = atlas.level_areas(level_meta.id)?;
    let n = areas.len();
    let inputs = rule_counts(atlas, &formula, &check.rule, level_meta.id, &check.period)?;
    let (neighbours, centre) = neighbours_and_centres(atlas, level_meta.id, n)?;
    // Regions: members, summed inputs, neighbours, centre (mean of the members').
    struct Draft {
        members: Vec<usize>,
        sums: Vec<Option<f64>>,
        neighbours: std::collections::BTreeSet<usize>,
        parent: Option<i64>,
        crosses_parent: bool,
        /// Whether the summed inputs meet the rule (`None`: an input is unknown).
        meets: Option<bool>,
    }
    let mut regions: Vec<Option<Draft>> = (0..n)
        .map(|i| {
            Some(Draft {
                members: vec![i],
                sums: inputs.iter().map(|(_, v)| v[i]).collect(),
                neighbours: neighbours[i].clone(),
                parent: areas[i].parent_area_id,
                crosses_parent: false,
                // The single areas as the check above evaluated them, all in one go.
                meets: check.areas[i].meets,
            })
        })
        .collect();
    let meets = |sums: &[Option<f64>]| -> Result<Option<bool>> {
        if sums.iter().any(Option::is_none) {
            return Ok(None);
        }
        let columns = inputs
            .iter()
            .zip(sums)
            .map(|((key, _), v)| (key.clone(), vec![*v]))
            .collect();
        Ok(super::compute::evaluate_columns(&formula, 1, columns)?[0].map(|v| v == 1.0))
    };
    let centre_of = |members: &[usize]| -> Option<(f64, f64)> {
        let points: Vec<(f64, f64)> = members.iter().filter_map(|m| centre[*m]).collect();
        (!points.is_empty()).then(|| {
            let k = points.len() as f64;
            (
                points.iter().map(|p| p.0).sum::<f64>() / k,
                points.iter().map(|p| p.1).sum::<f64>() / k,
            )
        })
    };
    let mut stuck: std::collections::BTreeMap<usize, String> = Default::default();
    loop {
        // The neediest failing region that can still merge.
        let mut neediest: Option<(usize, f64)> = None;
        for (r, draft) in regions.iter().enumerate() {
            let Some(d) = draft else { continue };
            if stuck.contains_key(&r) || d.meets != Some(false) {
                continue;
            }
            let size = d.sums[0].unwrap_or(0.0);
            if neediest.is_none_or(|(_, s)| size < s) {
                neediest = Some((r, size));
            }
        }
        let Some((r, _)) = neediest else { break };
        let Some(d) = regions[r].as_ref() else { break };
        let here = centre_of(&d.members);
        let same_parent = |o: &usize| {
            regions[*o]
                .as_ref()
                .is_some_and(|x| !x.crosses_parent && !d.crosses_parent && x.parent == d.parent)
        };
        let mut candidates: Vec<usize> = d.neighbours.iter().copied().filter(same_parent).collect();
        let across = candidates.is_empty();
        if across {
            candidates = d.neighbours.iter().copied().filter(|o| regions[*o].is_some()).collect();
        }
        let nearest = candidates.into_iter().min_by(|a, b| {
            let distance = |o: usize| match (here, regions[o].as_ref().and_then(|x| centre_of(&x.members))) {
                (Some(p), Some(q)) => (p.0 - q.0).hypot(p.1 - q.1),
                _ => f64::INFINITY,
            };
            distance(*a).total_cmp(&distance(*b))
        });
        let Some(other) = nearest else {
            stuck.insert(r, "grenzt an kein anderes Gebiet".to_string());
            continue;
        };
        // Merge `other` into `r`; every region that neighboured `other` now neighbours `r`.
        let Some(absorbed) = regions[other].take() else { break };
        for o in &absorbed.neighbours {
            if let Some(x) = regions[*o].as_mut() {
                x.neighbours.remove(&other);
                if *o != r {
                    x.neighbours.insert(r);
                }
            }
        }
        if let Some(d) = regions[r].as_mut() {
            d.members.extend(absorbed.members);
            d.members.sort_unstable();
            for (s, t) in d.sums.iter_mut().zip(absorbed.sums) {
                *s = s.zip(t).map(|(a, b)| a + b);
            }
            d.neighbours.extend(absorbed.neighbours.into_iter().filter(|o| *o != r));
            d.neighbours.remove(&other);
            d.neighbours.remove(&r);
            d.crosses_parent |= across || absorbed.crosses_parent;
            // Only the merged region is evaluated again.
            d.meets = meets(&d.sums)?;
        }
        stuck.retain(|k, _| *k != other);
    }
    let out = regions
        .iter()
        .enumerate()
        .filter_map(|(r, draft)| {
            let d = draft.as_ref()?;
            let reason = match d.meets {
                Some(true) => None,
                None => Some("Eingang fehlt oder ist geheim".to_string()),
                Some(false) => stuck.get(&r).cloned(),
            };
            Some(region(
                &areas,
                &d.members,
                d.sums[0],
                d.meets == Some(true),
                reason,
                d.crosses_parent,
            ))
        })
        .collect();
    let like = Regionalisation {
        level: check.level,
        period: check.period,
        rule: check.rule,
        new_level: new_level.trim().to_string(),
        regions: Vec::new(),
        areas: n,
        merged: 0,
        unresolved: Vec::new(),
        crossing: Vec::new(),
        saved: false,
    };
    Ok(proposal_of(&like, n, out))
}

/// The counts of a merge rule per area of the level, in key order: (key, value or `None`
/// where missing or secret). Refused unless every input adds up when areas merge.
fn rule_counts(
    atlas: &Atlas,
    formula: &super::compute::Formula,
    rule: &str,
    level_id: i64,
    period: &str,
) -> Result<Vec<(String, Vec<Option<f64>>)>> {
    let period_meta = atlas.period(period)?;
    let n = atlas.level_areas(level_id)?.len();
    let mut inputs = Vec::new();
    for key in &formula.inputs {
        let meta = atlas.indicator(key)?;
        if meta.aggregation != crate::model::AggregationRule::Sum {
            return Err(Error::Invalid(format!(
                "Regel „{rule}“: „{key}“ ist keine Anzahl, die sich beim Zusammenlegen summiert (Aggregation: {})",
                meta.aggregation.describe_de()
            )));
        }
        let column = atlas.column(meta.id, level_id, period_meta.id)?;
        let values = (0..n)
            .map(|i| (column.status[i] == Some(ValueStatus::Ok)).then(|| column.numbers[i]))
            .collect();
        inputs.push((key.clone(), values));
    }
    Ok(inputs)
}

/// Per area of the level (key order): its neighbours (sharing at least a corner) and the
/// interior point of its geometry.
#[allow(clippy::type_complexity)]
fn neighbours_and_centres(
    atlas: &Atlas,
    level_id: i64,
    n: usize,
) -> Result<(Vec<std::collections::BTreeSet<usize>>, Vec<Option<(f64, f64)>>)> {
    let (owners, geometries) = atlas.positioned_geometries(level_id)?;
    let mut neighbours: Vec<std::collections::BTreeSet<usize>> = vec![Default::default(); n];
    for (k, list) in super::hotspots::queen_contiguity(&geometries).into_iter().enumerate() {
        neighbours[owners[k]].extend(list.into_iter().map(|j| owners[j]));
    }
    let mut centre: Vec<Option<(f64, f64)>> = vec![None; n];
    for (k, g) in geometries.iter().enumerate() {
        centre[owners[k]] = crate::geometry::interior_point(g).map(|p| (p.x(), p.y()));
    }
    Ok((neighbours, centre))
}

/// A proposal as the planner adjusted it, evaluated again: `groups` are the regions as lists
/// of member keys (areas of the level in no group stay single regions). Each region gets its
/// summed counts and verdict; a region whose members do not hang together (by shared borders
/// or corners) or lie in different parent areas is named for review (`reason`, `crossing`).
pub fn evaluate_regions(atlas: &Atlas, proposal: &Regionalisation, groups: &[Vec<String>]) -> Result<Regionalisation> {
    let formula = parse(atlas, &proposal.rule)?;
    let level = atlas.level(&proposal.level)?;
    let areas = atlas.level_areas(level.id)?;
    let n = areas.len();
    let position: std::collections::HashMap<&str, usize> =
        areas.iter().enumerate().map(|(i, a)| (a.key.as_ref(), i)).collect();
    let mut placed = vec![false; n];
    let mut members_of: Vec<Vec<usize>> = Vec::new();
    for group in groups {
        let mut members = Vec::new();
        for key in group {
            let Some(&i) = position.get(key.as_str()) else {
                return Err(Error::Invalid(format!(
                    "Gebiet „{key}“ gibt es auf Ebene „{}“ nicht",
                    proposal.level
                )));
            };
            if std::mem::replace(&mut placed[i], true) {
                return Err(Error::Invalid(format!("Gebiet „{key}“ steht in zwei Regionen")));
            }
            members.push(i);
        }
        if !members.is_empty() {
            members_of.push(members);
        }
    }
    members_of.extend((0..n).filter(|i| !placed[*i]).map(|i| vec![i]));
    let inputs = rule_counts(atlas, &formula, &proposal.rule, level.id, &proposal.period)?;
    let (neighbours, _) = neighbours_and_centres(atlas, level.id, n)?;
    let sums: Vec<Vec<Option<f64>>> = members_of
        .iter()
        .map(|members| {
            inputs
                .iter()
                .map(|(_, v)| members.iter().try_fold(0.0, |acc, m| v[*m].map(|x| acc + x)))
                .collect()
        })
        .collect();
    // All regions in one evaluation: one row each, `None` where an input is unknown.
    let columns = inputs
        .iter()
        .enumerate()
        .map(|(k, (key, _))| (key.clone(), sums.iter().map(|s| s[k]).collect()))
        .collect();
    let verdicts = super::compute::evaluate_columns(&formula, members_of.len(), columns)?;
    let mut out = Vec::new();
    for ((members, sums), verdict) in members_of.iter().zip(&sums).zip(verdicts) {
        let meets = if sums.iter().any(Option::is_none) {
            None
        } else {
            verdict.map(|v| v == 1.0)
        };
        let connected = hangs_together(members, &neighbours);
        let parents: std::collections::BTreeSet<Option<i64>> =
            members.iter().map(|m| areas[*m].parent_area_id).collect();
        let reason = match (connected, meets) {
            (false, _) => Some("Teile hängen nicht zusammen".to_string()),
            (true, None) => Some("Eingang fehlt oder ist geheim".to_string()),
            (true, Some(false)) => Some("erfüllt die Regel nicht".to_string()),
            (true, Some(true)) => None,
        };
        out.push(region(
            &areas,
            members,
            sums[0],
            meets == Some(true),
            reason,
            parents.len() > 1,
        ));
    }
    Ok(proposal_of(proposal, n, out))
}

/// Whether the members form one piece through their neighbours.
fn hangs_together(members: &[usize], neighbours: &[std::collections::BTreeSet<usize>]) -> bool {
    let inside: std::collections::HashSet<usize> = members.iter().copied().collect();
    let mut seen = std::collections::HashSet::from([members[0]]);
    let mut stack = vec![members[0]];
    while let Some(m) = stack.pop() {
        for o in &neighbours[m] {
            if inside.contains(o) && seen.insert(*o) {
                stack.push(*o);
            }
        }
    }
    seen.len() == inside.len()
}

/// One region of member positions: key and name from the members in key order.
fn region(
    areas: &[crate::store::AreaRef],
    members: &[usize],
    value: Option<f64>,
    meets: bool,
    reason: Option<String>,
    crosses_parent: bool,
) -> Region {
    let mut members: Vec<&crate::store::AreaRef> = members.iter().map(|m| &areas[*m]).collect();
    members.sort_by(|a, b| a.key.cmp(&b.key));
    Region {
        key: members.iter().map(|a| a.key.to_string()).collect::<Vec<_>>().join("+"),
        name: members
            .iter()
            .map(|a| a.name.to_string())
            .collect::<Vec<_>>()
            .join(" + "),
        members: members.iter().map(|a| a.key.to_string()).collect(),
        value,
        meets,
        reason,
        crosses_parent,
    }
}

/// The proposal with these regions (sorted by key) and its counts.
fn proposal_of(like: &Regionalisation, areas: usize, mut regions: Vec<Region>) -> Regionalisation {
    regions.sort_by(|a, b| a.key.cmp(&b.key));
    Regionalisation {
        level: like.level.clone(),
        period: like.period.clone(),
        rule: like.rule.clone(),
        new_level: like.new_level.clone(),
        merged: regions.iter().filter(|r| r.members.len() > 1).count(),
        unresolved: regions.iter().filter(|r| !r.meets).map(|r| r.key.clone()).collect(),
        crossing: regions
            .iter()
            .filter(|r| r.crosses_parent)
            .map(|r| r.key.clone())
            .collect(),
        areas,
        regions,
        saved: false,
    }
}

/// Stores a proposal as a new level under the finer level's parent level: one area per
/// region (the union of its members, within their parent), with the rule's counts summed
/// for the period, in one transaction.
pub fn save_regionalisation(atlas: &mut Atlas, proposal: &mut Regionalisation) -> Result<()> {
    let level = atlas.level(&proposal.level)?;
    let period = atlas.period(&proposal.period)?;
    let areas = atlas.level_areas(level.id)?;
    let id_of: std::collections::HashMap<&str, i64> = areas.iter().map(|a| (a.key.as_ref(), a.id)).collect();
    let regions: Vec<(String, Vec<i64>)> = proposal
        .regions
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                r.members
                    .iter()
                    .filter_map(|m| id_of.get(m.as_str()).copied())
                    .collect(),
            )
        })
        .collect();
    let formula = parse(atlas, &proposal.rule)?;
    let mut sums = Vec::new();
    for key in &formula.inputs {
        let meta = atlas.indicator(key)?;
        let column = atlas.column(meta.id, level.id, period.id)?;
        let position: std::collections::HashMap<i64, usize> =
            areas.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        let per_region: Vec<Option<f64>> = regions
            .iter()
            .map(|(_, members)| {
                members.iter().try_fold(0.0, |acc, m| {
                    let i = position[m];
                    (column.status[i] == Some(ValueStatus::Ok)).then(|| acc + column.numbers[i])
                })
            })
            .collect();
        sums.push((meta.id, per_region));
    }
    atlas.create_regions_level(&proposal.new_level, level.parent_level_id, &regions, period.id, &sums)?;
    proposal.saved = true;
    Ok(())
}
