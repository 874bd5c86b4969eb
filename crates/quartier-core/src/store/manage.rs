//! Managing what an atlas holds: its properties (name, AGS, default suppression, attribution);
//! deleting an indicator (or some of its series), a level with its areas and values, a POI
//! category; renaming a level. Each deletion is planned first
//! ([`Removal`]: what will be lost, in numbers and in a German sentence for the
//! confirmation), and carried out in one transaction with a line in the audit log.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{list_names, log, Atlas};
use crate::numbers::format_german;
use crate::{Error, Result};

/// What *Atlas-Eigenschaften* sets, all at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AtlasProperties {
    /// The municipality's name (not empty).
    pub name: String,
    /// Its AGS (8 digits), or none.
    pub ags: Option<String>,
    /// The default suppression rules.
    pub suppression: crate::model::SuppressionRules,
    /// Sources and licences shown under every map and table; empty for none.
    pub attribution: String,
}

/// How an indicator is shown on one level by default, saved in the atlas so that the next
/// planner who opens it sees the same map: the classification and the colour scheme.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Presentation {
    /// The classification method, by its stable name (`quantile`, `jenks`, `manual` …).
    pub method: String,
    /// The number of classes.
    pub classes: usize,
    /// Own breaks (for `manual`), German notation as typed.
    #[serde(default)]
    pub manual_breaks: String,
    /// The colour scheme's name (ColorBrewer: `YlOrRd`, `RdBu` …); empty: the default.
    #[serde(default)]
    pub scheme: String,
    /// Colours in reverse order.
    #[serde(default)]
    pub reversed: bool,
}

impl Presentation {
    /// The stable method names, in menu order (the app's list and the CLI's `--method` of
    /// a bookmark).
    pub const METHODS: [&'static str; 9] = [
        "equal-interval",
        "quantile",
        "jenks",
        "stddev",
        "pretty",
        "boxplot",
        "manual",
        "diverging-reference",
        "diverging-zero",
    ];

    /// The engine's method for this presentation; `reference` is the Gesamtstadt value a
    /// diverging classification around it needs. German errors for unreadable breaks.
    pub fn method(&self, reference: Option<f64>) -> Result<crate::analysis::classify::Method> {
        use crate::analysis::classify::Method;
        Ok(match self.method.as_str() {
            "equal-interval" => Method::EqualInterval,
            "quantile" => Method::Quantile,
            "jenks" => Method::Jenks,
            "stddev" => Method::StdDev { width: 1.0 },
            "pretty" => Method::Pretty,
            "boxplot" => Method::BoxPlot,
            "manual" => {
                let breaks = self
                    .manual_breaks
                    .split(';')
                    .map(str::trim)
                    .filter(|b| !b.is_empty())
                    .map(|b| {
                        crate::numbers::parse_number(b, crate::numbers::DecimalSeparator::Comma)
                            .ok_or_else(|| Error::Invalid(format!("Grenze „{b}“ ist keine Zahl (z. B. 5; 10,5; 20)")))
                    })
                    .collect::<Result<Vec<f64>>>()?;
                if breaks.is_empty() {
                    return Err(Error::Invalid(
                        "Eigene Grenzen eingeben, durch Semikolon getrennt (z. B. 5; 10,5; 20)".into(),
                    ));
                }
                Method::Manual { breaks }
            }
            "diverging-reference" => Method::Diverging {
                center: reference
                    .ok_or_else(|| Error::Invalid("Ohne Gesamtstadt-Wert gibt es keine Abweichung von ihm".into()))?,
            },
            "diverging-zero" => Method::Diverging { center: 0.0 },
            other => {
                return Err(Error::Invalid(format!(
                    "Klassifikation „{other}“ unbekannt; möglich: {}",
                    Self::METHODS.join(", ")
                )))
            }
        })
    }

    /// Classes and colours of this presentation, for maps and charts.
    pub fn class_style(&self, reference: Option<f64>) -> Result<crate::figure::map::ClassStyle> {
        Ok(crate::figure::map::ClassStyle {
            method: self.method(reference)?,
            classes: self.classes,
            scheme: Some(self.scheme.clone()).filter(|s| !s.is_empty()),
            reversed: self.reversed,
        })
    }
}

fn presentation_key(indicator_id: i64, level_id: i64) -> String {
    format!("presentation/{indicator_id}/{level_id}")
}

/// What a deletion removes (or removed), for the confirmation and `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// What is deleted, in German: `Indikator „Anteil SGB II“ (sgb2)`.
    pub what: String,
    /// Periods with values that go.
    pub periods: usize,
    /// Levels with values that go.
    pub levels: usize,
    /// Stored values (cells) that go.
    pub values: usize,
    /// Areas that go (deleting a level).
    pub areas: usize,
    /// POIs that go (deleting a category).
    pub pois: usize,
    /// Derived indicators computed from what goes: they keep their values but can no longer
    /// be recomputed.
    pub dependents: Vec<String>,
    /// Finer levels that lose their parent level (deleting a level).
    pub orphaned_levels: Vec<String>,
    /// The whole in one German sentence, for the confirmation.
    pub summary: String,
}

impl Removal {
    fn new(what: String) -> Self {
        Removal {
            what,
            periods: 0,
            levels: 0,
            values: 0,
            areas: 0,
            pois: 0,
            dependents: Vec::new(),
            orphaned_levels: Vec::new(),
            summary: String::new(),
        }
    }

    /// Puts the sentence together: "Indikator „Anteil SGB II“: 3 Zeiträume, 1.344 Werte,
    /// 2 abgeleitete Indikatoren hängen davon ab („a“, „b“)".
    fn summarise(mut self) -> Self {
        let count = |n: usize, one: &str, many: &str| {
            format!("{} {}", format_german(n as f64, 0), if n == 1 { one } else { many })
        };
        let mut parts = Vec::new();
        if self.areas > 0 {
            parts.push(count(self.areas, "Gebiet", "Gebiete"));
        }
        if self.pois > 0 {
            parts.push(count(self.pois, "Einrichtung", "Einrichtungen"));
        }
        if self.periods > 0 {
            parts.push(count(self.periods, "Zeitraum", "Zeiträume"));
        }
        if self.levels > 0 {
            parts.push(count(self.levels, "Ebene", "Ebenen"));
        }
        if self.values > 0 || parts.is_empty() {
            parts.push(count(self.values, "Wert", "Werte"));
        }
        if !self.dependents.is_empty() {
            parts.push(format!(
                "{} {} davon ab ({})",
                count(
                    self.dependents.len(),
                    "abgeleiteter Indikator",
                    "abgeleitete Indikatoren"
                ),
                if self.dependents.len() == 1 {
                    "hängt"
                } else {
                    "hängen"
                },
                list_names(self.dependents.iter().cloned())
            ));
        }
        if !self.orphaned_levels.is_empty() {
            parts.push(format!(
                "{} verliert die übergeordnete Ebene",
                list_names(self.orphaned_levels.iter().cloned())
            ));
        }
        self.summary = format!("{}: {}", self.what, parts.join(", "));
        self
    }
}

/// Counts the value series matched by `filter` (an SQL condition on `value_series s`).
fn count_series(conn: &Connection, filter: &str, params: impl rusqlite::Params) -> Result<(usize, usize, usize)> {
    let sql = format!(
        "SELECT COUNT(DISTINCT s.period_id), COUNT(DISTINCT s.level_id), COALESCE(SUM(s.values_total), 0)
         FROM value_series s WHERE {filter}"
    );
    Ok(conn.query_row(&sql, params, |r| {
        Ok((
            r.get::<_, i64>(0)? as usize,
            r.get::<_, i64>(1)? as usize,
            r.get::<_, i64>(2)? as usize,
        ))
    })?)
}

/// Indicators whose newest derivation used indicator `key` as an input (other than itself).
fn dependents_of(conn: &Connection, key: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT i.key FROM derived_run r JOIN indicator i ON i.id = r.indicator_id, json_each(r.inputs) j
         WHERE j.value = ?1 AND i.key <> ?1 ORDER BY i.key",
    )?;
    let keys = stmt
        .query_map([key], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(keys)
}

impl Atlas {
    /// The atlas's properties as stored.
    pub fn properties(&self) -> Result<AtlasProperties> {
        let meta = self.meta()?;
        Ok(AtlasProperties {
            name: meta.name,
            ags: meta.ags,
            suppression: self.suppression_rules()?,
            attribution: meta.attribution,
        })
    }

    /// Sets the properties in one transaction with a line in the audit log; what was there
    /// before is returned (for undo).
    pub fn set_properties(&mut self, new: &AtlasProperties) -> Result<AtlasProperties> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(Error::Invalid("Der Name des Atlas darf nicht leer sein".into()));
        }
        let ags = new.ags.as_deref().map(str::trim).filter(|a| !a.is_empty());
        if let Some(ags) = ags {
            super::check_ags(ags)?;
        }
        if new.suppression.threshold < 0 {
            return Err(Error::Invalid(format!(
                "Die Geheimhaltungsschwelle muss 0 oder größer sein, nicht {}",
                new.suppression.threshold
            )));
        }
        let before = self.properties()?;
        let tx = self.write()?;
        let set = |key: &str, value: &str| -> Result<()> {
            tx.execute(
                "INSERT INTO atlas_meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        };
        set("name", name)?;
        match ags {
            Some(ags) => set("ags", ags)?,
            None => {
                tx.execute("DELETE FROM atlas_meta WHERE key = 'ags'", [])?;
            }
        }
        set("suppression_threshold", &new.suppression.threshold.to_string())?;
        set("suppress_zero", if new.suppression.suppress_zero { "1" } else { "0" })?;
        set("attribution", new.attribution.trim())?;
        log(
            &tx,
            "properties",
            &format!(
                "Name „{name}“, AGS {}, Geheimhaltung bis {}{}, Namensnennung „{}“",
                ags.unwrap_or("–"),
                new.suppression.threshold,
                if new.suppression.suppress_zero { " und 0" } else { "" },
                new.attribution.trim()
            ),
        )?;
        tx.commit()?;
        Ok(before)
    }

    /// The saved default presentation of `indicator` on `level`, if any.
    pub fn presentation(&self, indicator: &str, level: &str) -> Result<Option<Presentation>> {
        let (Ok(meta), Ok(level)) = (self.indicator(indicator), self.level(level)) else {
            return Ok(None);
        };
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM atlas_meta WHERE key = ?1",
                [presentation_key(meta.id, level.id)],
                |r| r.get(0),
            )
            .optional()?;
        // A presentation this build cannot read is ignored: it is a default, not data.
        Ok(stored.and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Saves (or with `None` removes) the default presentation of `indicator` on `level`.
    pub fn set_presentation(
        &mut self,
        indicator: &str,
        level: &str,
        presentation: Option<&Presentation>,
    ) -> Result<()> {
        let meta = self.indicator(indicator)?;
        let level = self.level(level)?;
        let key = presentation_key(meta.id, level.id);
        let tx = self.write()?;
        match presentation {
            Some(p) => {
                let json = serde_json::to_string(p).map_err(|e| Error::Internal(e.to_string()))?;
                tx.execute(
                    "INSERT INTO atlas_meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    params![key, json],
                )?;
                log(
                    &tx,
                    "presentation",
                    &format!(
                        "Darstellung von „{}“ auf Ebene „{}“: {}, {} Klassen, Farben {}{}",
                        meta.key,
                        level.name,
                        p.method,
                        p.classes,
                        if p.scheme.is_empty() {
                            "Standard"
                        } else {
                            p.scheme.as_str()
                        },
                        if p.reversed { " (umgekehrt)" } else { "" }
                    ),
                )?;
            }
            None => {
                tx.execute("DELETE FROM atlas_meta WHERE key = ?1", [key])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// What deleting indicator `key` would remove: all of it, or only its series of one
    /// period and/or one level.
    pub fn plan_delete_indicator(&self, key: &str, period: Option<&str>, level: Option<&str>) -> Result<Removal> {
        let meta = self.indicator(key)?;
        let period = period.map(|p| self.period(p)).transpose()?;
        let level = level.map(|l| self.level(l)).transpose()?;
        let mut what = format!("Indikator „{}“ ({})", meta.name, meta.key);
        if let Some(p) = &period {
            what.push_str(&format!(", Zeitraum {}", p.label));
        }
        if let Some(l) = &level {
            what.push_str(&format!(", Ebene „{}“", l.name));
        }
        let (periods, levels, values) = count_series(
            &self.conn,
            "s.indicator_id = ?1 AND (?2 IS NULL OR s.period_id = ?2) AND (?3 IS NULL OR s.level_id = ?3)",
            params![meta.id, period.as_ref().map(|p| p.id), level.as_ref().map(|l| l.id)],
        )?;
        if (period.is_some() || level.is_some()) && values == 0 {
            return Err(Error::Invalid(format!("{what}: dafür sind keine Werte gespeichert")));
        }
        let mut removal = Removal::new(what);
        removal.periods = periods;
        removal.levels = levels;
        removal.values = values;
        removal.dependents = dependents_of(&self.conn, &meta.key)?;
        Ok(removal.summarise())
    }

    /// Deletes indicator `key` with all its values and metadata, or (with a period and/or a
    /// level) only those series, keeping the indicator. Returns what went.
    pub fn delete_indicator(&mut self, key: &str, period: Option<&str>, level: Option<&str>) -> Result<Removal> {
        let removal = self.plan_delete_indicator(key, period, level)?;
        let id = self.indicator(key)?.id;
        let period_id = period.map(|p| self.period(p)).transpose()?.map(|p| p.id);
        let level_id = level.map(|l| self.level(l)).transpose()?.map(|l| l.id);
        let tx = self.write()?;
        tx.execute(
            "DELETE FROM value_series WHERE indicator_id = ?1 AND (?2 IS NULL OR period_id = ?2) AND (?3 IS NULL OR level_id = ?3)",
            params![id, period_id, level_id],
        )?;
        tx.execute(
            "DELETE FROM official_reference WHERE indicator_id = ?1 AND (?2 IS NULL OR period_id = ?2) AND (?3 IS NULL OR level_id = ?3)",
            params![id, period_id, level_id],
        )?;
        if period_id.is_none() && level_id.is_none() {
            tx.execute(
                "DELETE FROM atlas_meta WHERE key LIKE ?1",
                [format!("presentation/{id}/%")],
            )?;
            tx.execute("DELETE FROM derived_run WHERE indicator_id = ?1", [id])?;
            tx.execute("DELETE FROM indicator WHERE id = ?1", [id])?;
        }
        log(&tx, "delete_indicator", &format!("gelöscht: {}", removal.summary))?;
        tx.commit()?;
        Ok(removal)
    }

    /// What deleting level `name` would remove: its areas and every value stored on it.
    pub fn plan_delete_level(&self, name: &str) -> Result<Removal> {
        let level = self.level(name)?;
        let mut removal = Removal::new(format!("Ebene „{}“", level.name));
        let (periods, _, values) = count_series(&self.conn, "s.level_id = ?1", [level.id])?;
        removal.periods = periods;
        removal.values = values;
        removal.areas = self
            .conn
            .query_row("SELECT COUNT(*) FROM area WHERE level_id = ?1", [level.id], |r| {
                r.get::<_, i64>(0)
            })? as usize;
        removal.orphaned_levels = self
            .levels()?
            .into_iter()
            .filter(|l| l.parent_level_id == Some(level.id))
            .map(|l| l.name)
            .collect();
        Ok(removal.summarise())
    }

    /// Deletes level `name` with its areas and their values. Finer levels stay, without a
    /// parent level; their areas lose the link to the deleted areas.
    pub fn delete_level(&mut self, name: &str) -> Result<Removal> {
        let removal = self.plan_delete_level(name)?;
        let id = self.level(name)?.id;
        let tx = self.write()?;
        tx.execute("DELETE FROM value_series WHERE level_id = ?1", [id])?;
        tx.execute("DELETE FROM official_reference WHERE level_id = ?1", [id])?;
        tx.execute(
            "DELETE FROM atlas_meta WHERE key LIKE ?1",
            [format!("presentation/%/{id}")],
        )?;
        tx.execute(
            "UPDATE area SET parent_area_id = NULL WHERE parent_area_id IN (SELECT id FROM area WHERE level_id = ?1)",
            [id],
        )?;
        tx.execute(
            "UPDATE spatial_level SET parent_level_id = NULL WHERE parent_level_id = ?1",
            [id],
        )?;
        tx.execute("DELETE FROM area WHERE level_id = ?1", [id])?;
        tx.execute("DELETE FROM spatial_level WHERE id = ?1", [id])?;
        log(&tx, "delete_level", &format!("gelöscht: {}", removal.summary))?;
        tx.commit()?;
        Ok(removal)
    }

    /// What deleting POI category `name` would remove.
    pub fn plan_delete_pois(&self, name: &str) -> Result<Removal> {
        let (id, name) = self.poi_category_id(name)?;
        let mut removal = Removal::new(format!("Einrichtungen „{name}“"));
        removal.pois = self
            .conn
            .query_row("SELECT COUNT(*) FROM poi WHERE category_id = ?1", [id], |r| {
                r.get::<_, i64>(0)
            })? as usize;
        Ok(removal.summarise())
    }

    /// Deletes POI category `name` with its POIs.
    pub fn delete_pois(&mut self, name: &str) -> Result<Removal> {
        let removal = self.plan_delete_pois(name)?;
        let (id, _) = self.poi_category_id(name)?;
        let tx = self.write()?;
        tx.execute("DELETE FROM poi WHERE category_id = ?1", [id])?;
        tx.execute("DELETE FROM poi_category WHERE id = ?1", [id])?;
        log(&tx, "delete_pois", &format!("gelöscht: {}", removal.summary))?;
        tx.commit()?;
        Ok(removal)
    }

    /// Renames level `name` to `to` (unique, not empty).
    pub fn rename_level(&mut self, name: &str, to: &str) -> Result<()> {
        let level = self.level(name)?;
        let to = to.trim();
        if to.is_empty() {
            return Err(Error::Invalid("Der neue Name der Ebene darf nicht leer sein".into()));
        }
        if self.levels()?.iter().any(|l| l.name == to && l.id != level.id) {
            return Err(Error::Invalid(format!("Die Ebene „{to}“ gibt es schon")));
        }
        let tx = self.write()?;
        tx.execute(
            "UPDATE spatial_level SET name = ?1 WHERE id = ?2",
            params![to, level.id],
        )?;
        log(
            &tx,
            "rename_level",
            &format!("Ebene „{}“ heißt jetzt „{to}“", level.name),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The id and exact name of a POI category (case-insensitive match as a fallback).
    fn poi_category_id(&self, name: &str) -> Result<(i64, String)> {
        let exact: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT id, name FROM poi_category WHERE name = ?1 OR lower(name) = lower(?1) ORDER BY name = ?1 DESC LIMIT 1",
                [name.trim()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        exact.ok_or_else(|| Error::NotFound {
            kind: "Einrichtungsart",
            name: name.to_string(),
            available: super::existing_names(self.poi_categories().unwrap_or_default().into_iter().map(|(n, _)| n)),
        })
    }
}
