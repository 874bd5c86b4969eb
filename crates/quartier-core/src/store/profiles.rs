//! What the Quartiersprofile keep in the atlas: each area's interpretation text (written by
//! the planner, printed in the area's profile) and the saved profile templates (sections of
//! indicators, in order). Both are written in one transaction with a line in the audit log.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension as _};
use serde::{Deserialize, Serialize};

use super::log;
use crate::model::IndicatorKind;
use crate::{Atlas, Error, Result};

/// An area's interpretation text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaText {
    /// The text (paragraphs separated by blank lines).
    pub text: String,
    /// Who wrote it last.
    pub author: String,
    /// When (UTC, ISO 8601).
    pub updated: String,
}

/// A section of a profile: a title and its indicators, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileSection {
    /// The section's title ("Bevölkerung", "Soziale Lage").
    pub title: String,
    /// Indicator keys, in order.
    pub indicators: Vec<String>,
}

/// A profile template: which indicators a Quartiersprofil shows, in which sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileTemplate {
    /// Its name.
    pub name: String,
    /// Its sections.
    pub sections: Vec<ProfileSection>,
}

/// The name of the template built from the atlas's topics when none is named.
pub const DEFAULT_TEMPLATE: &str = "Standard (nach Themen)";

impl Atlas {
    fn area_id(&self, level: &str, key: &str) -> Result<i64> {
        let level = self.level(level)?;
        self.level_areas(level.id)?
            .iter()
            .find(|a| *a.key == *key)
            .map(|a| a.id)
            .ok_or_else(|| Error::Invalid(format!("Gebiet „{key}“ gibt es auf Ebene „{}“ nicht", level.name)))
    }

    /// The interpretation text of the area `key` on `level`, if one was written.
    pub fn area_text(&self, level: &str, key: &str) -> Result<Option<AreaText>> {
        let id = self.area_id(level, key)?;
        Ok(self
            .conn
            .query_row(
                "SELECT text, author, updated FROM area_text WHERE area_id = ?1",
                [id],
                |r| {
                    Ok(AreaText {
                        text: r.get(0)?,
                        author: r.get(1)?,
                        updated: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// The interpretation texts of a level's areas, by area id.
    pub fn area_texts(&self, level_id: i64) -> Result<HashMap<i64, String>> {
        let mut stmt = self.conn.prepare(
            "SELECT t.area_id, t.text FROM area_text t JOIN area a ON a.id = t.area_id WHERE a.level_id = ?1",
        )?;
        let rows = stmt.query_map([level_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets (or, with an empty text, removes) the interpretation text of an area; returns
    /// the text it had.
    pub fn set_area_text(&mut self, level: &str, key: &str, text: &str, author: &str) -> Result<Option<String>> {
        let id = self.area_id(level, key)?;
        let before = self.area_text(level, key)?.map(|t| t.text);
        let text = text.trim();
        let tx = self.write()?;
        if text.is_empty() {
            tx.execute("DELETE FROM area_text WHERE area_id = ?1", [id])?;
        } else {
            tx.execute(
                "INSERT INTO area_text(area_id, text, author) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(area_id) DO UPDATE SET text = excluded.text, author = excluded.author, \
                 updated = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
                params![id, text, author],
            )?;
        }
        log(
            &tx,
            "area_text",
            &format!(
                "Profiltext von „{key}“ ({level}) {}",
                if text.is_empty() { "gelöscht" } else { "gespeichert" }
            ),
        )?;
        tx.commit()?;
        Ok(before)
    }

    /// The saved profile templates, by name.
    pub fn profile_templates(&self) -> Result<Vec<ProfileTemplate>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, sections FROM profile_template ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (name, sections) = row?;
            let sections = serde_json::from_str(&sections).map_err(|e| {
                Error::Invalid(format!(
                    "Profilvorlage „{name}“ ist nicht lesbar ({e}); bitte neu speichern"
                ))
            })?;
            out.push(ProfileTemplate { name, sections });
        }
        Ok(out)
    }

    /// The template `name`, or with `None` the default: one section per topic with the
    /// topic's indicators that have values on `level` (in `period` where one is given), in
    /// the atlas's order.
    pub fn profile_template(&self, name: Option<&str>, level: &str, period: Option<&str>) -> Result<ProfileTemplate> {
        if let Some(name) = name.filter(|n| *n != DEFAULT_TEMPLATE) {
            let saved = self.profile_templates()?;
            return saved.iter().find(|t| t.name == name).cloned().ok_or_else(|| {
                let names: Vec<String> = saved.iter().map(|t| format!("„{}“", t.name)).collect();
                Error::Invalid(format!(
                    "Profilvorlage „{name}“ gibt es nicht; gespeichert sind: {}",
                    if names.is_empty() {
                        "keine".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
            });
        }
        let level = self.level(level)?;
        let periods = match period {
            Some(p) => vec![self.period(p)?],
            None => self.periods()?,
        };
        let mut sections: Vec<ProfileSection> = Vec::new();
        for m in self.indicators()? {
            if m.kind == IndicatorKind::Categorical {
                continue;
            }
            let mut has = false;
            for p in &periods {
                has |= !self.values(m.id, level.id, p.id)?.is_empty();
            }
            if !has {
                continue;
            }
            let title = if m.topic.trim().is_empty() {
                "Weitere Indikatoren".to_string()
            } else {
                m.topic.clone()
            };
            match sections.iter_mut().find(|s| s.title == title) {
                Some(s) => s.indicators.push(m.key.clone()),
                None => sections.push(ProfileSection {
                    title,
                    indicators: vec![m.key.clone()],
                }),
            }
        }
        Ok(ProfileTemplate {
            name: DEFAULT_TEMPLATE.to_string(),
            sections,
        })
    }

    /// Saves a template under its name (replacing one of the same name); every indicator
    /// must exist.
    pub fn save_profile_template(&mut self, template: &ProfileTemplate) -> Result<()> {
        let name = template.name.trim();
        if name.is_empty() || name == DEFAULT_TEMPLATE {
            return Err(Error::Invalid(format!(
                "Eine Profilvorlage braucht einen eigenen Namen (nicht leer, nicht „{DEFAULT_TEMPLATE}“)"
            )));
        }
        if template.sections.is_empty() {
            return Err(Error::Invalid(format!("Profilvorlage „{name}“ hat keine Abschnitte")));
        }
        for section in &template.sections {
            for key in &section.indicators {
                self.indicator(key).map_err(|_| {
                    Error::Invalid(format!(
                        "Profilvorlage „{name}“, Abschnitt „{}“: Indikator „{key}“ gibt es nicht",
                        section.title
                    ))
                })?;
            }
        }
        let json = serde_json::to_string(&template.sections).map_err(|e| Error::Internal(e.to_string()))?;
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO profile_template(name, sections) VALUES (?1, ?2) \
             ON CONFLICT(name) DO UPDATE SET sections = excluded.sections",
            params![name, json],
        )?;
        log(
            &tx,
            "profile_template",
            &format!(
                "Profilvorlage „{name}“ mit {} Abschnitten gespeichert",
                template.sections.len()
            ),
        )?;
        tx.commit()?;
        Ok(())
    }
}
