//! Release for publication: what may leave the laptop for the public web atlas. An indicator
//! is released per level, a POI category as a whole with the attributes named (name and
//! location are what a released category shows; address, places, website … only when
//! released), a story with its bookmarks. Internal levels are never released. Every release
//! and every withdrawal (`unrelease`) is one transaction with a line in the audit log naming
//! who did it.

use rusqlite::{params, OptionalExtension as _};
use serde::Serialize;

use super::{log_by, Atlas};
use crate::{Error, Result};

/// What a release changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseChange {
    /// Released (`true`) or withdrawn.
    pub released: bool,
    /// What, in German ("s4 auf Planungsraum").
    pub items: Vec<String>,
    /// Items that already were as asked.
    pub unchanged: Vec<String>,
}

impl ReleaseChange {
    /// Notes one item: changed, or already as asked.
    fn note(&mut self, what: String, changed: bool) {
        if changed {
            self.items.push(what);
        } else {
            self.unchanged.push(what);
        }
    }
}

/// A released POI category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleasedPoiCategory {
    /// Its name.
    pub category: String,
    /// Its released attributes (besides the name and the location).
    pub attributes: Vec<String>,
}

/// The line in the audit log for a release that changed something.
fn log_change(tx: &rusqlite::Connection, change: &ReleaseChange, who: &str) -> Result<()> {
    if change.items.is_empty() {
        return Ok(());
    }
    let what = if change.released {
        "Freigegeben"
    } else {
        "Freigabe zurückgenommen"
    };
    log_by(tx, "release", &format!("{what}: {}", change.items.join(", ")), who)
}

impl Atlas {
    /// Marks a level internal (never published) or not; releases on it are withdrawn.
    pub fn set_level_internal(&mut self, level: &str, internal: bool, who: &str) -> Result<()> {
        let level = self.level(level)?;
        let tx = self.write()?;
        tx.execute(
            "UPDATE spatial_level SET internal = ?2 WHERE id = ?1",
            params![level.id, internal],
        )?;
        if internal {
            tx.execute("DELETE FROM indicator_release WHERE level_id = ?1", [level.id])?;
        }
        log_by(
            &tx,
            "release",
            &format!(
                "Ebene „{}“ {}",
                level.name,
                if internal {
                    "intern (nie veröffentlicht)"
                } else {
                    "nicht mehr intern"
                }
            ),
            who,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The levels marked internal.
    pub fn internal_levels(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM spatial_level WHERE internal = 1 ORDER BY sort_order, id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Releases `indicators` on `levels` (or withdraws them with `unrelease`).
    pub fn release_indicators(
        &mut self,
        indicators: &[String],
        levels: &[String],
        unrelease: bool,
        who: &str,
    ) -> Result<ReleaseChange> {
        if indicators.is_empty() || levels.is_empty() {
            return Err(Error::Invalid(
                "Freigabe braucht Indikatoren und Ebenen (--indicators … --levels …)".into(),
            ));
        }
        let metas = indicators
            .iter()
            .map(|k| self.indicator(k))
            .collect::<Result<Vec<_>>>()?;
        let levels = levels.iter().map(|l| self.level(l)).collect::<Result<Vec<_>>>()?;
        let internal = self.internal_levels()?;
        if !unrelease {
            if let Some(l) = levels.iter().find(|l| internal.contains(&l.name)) {
                return Err(Error::Invalid(format!(
                    "Ebene „{}“ ist intern und wird nie veröffentlicht",
                    l.name
                )));
            }
        }
        let mut change = ReleaseChange {
            released: !unrelease,
            items: Vec::new(),
            unchanged: Vec::new(),
        };
        let tx = self.write()?;
        for meta in &metas {
            for level in &levels {
                let what = format!("{} auf {}", meta.key, level.name);
                let n = if unrelease {
                    tx.execute(
                        "DELETE FROM indicator_release WHERE indicator_id = ?1 AND level_id = ?2",
                        params![meta.id, level.id],
                    )?
                } else {
                    tx.execute(
                        "INSERT OR IGNORE INTO indicator_release(indicator_id, level_id) VALUES (?1, ?2)",
                        params![meta.id, level.id],
                    )?
                };
                change.note(what, n > 0);
            }
        }
        log_change(&tx, &change, who)?;
        tx.commit()?;
        Ok(change)
    }

    /// The released indicators with their levels: (indicator key, level name), ordered.
    pub fn released_indicators(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT i.key, l.name FROM indicator_release r JOIN indicator i ON i.id = r.indicator_id \
             JOIN spatial_level l ON l.id = r.level_id WHERE l.internal = 0 ORDER BY i.key, l.sort_order, l.id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether `indicator` is released on `level`.
    pub fn is_released(&self, indicator: &str, level: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM indicator_release r JOIN indicator i ON i.id = r.indicator_id \
                 JOIN spatial_level l ON l.id = r.level_id WHERE i.key = ?1 AND l.name = ?2 AND l.internal = 0",
                params![indicator, level],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Releases a POI category with the attributes named (or, with `unrelease`, withdraws
    /// those attributes; without attributes, the whole category).
    pub fn release_poi_category(
        &mut self,
        category: &str,
        attributes: &[String],
        unrelease: bool,
        who: &str,
    ) -> Result<ReleaseChange> {
        let id: i64 = self
            .conn
            .query_row("SELECT id FROM poi_category WHERE name = ?1", [category], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound {
                kind: "POI-Kategorie",
                name: category.to_string(),
                available: super::existing_names(self.poi_categories().unwrap_or_default().into_iter().map(|c| c.0)),
            })?;
        let known = self.poi_attributes(category)?;
        if let Some(unknown) = attributes.iter().find(|a| !known.contains(a)) {
            return Err(Error::Invalid(format!(
                "Einrichtungsart „{category}“ hat kein Merkmal „{unknown}“; vorhanden: {}",
                known.join(", ")
            )));
        }
        let mut change = ReleaseChange {
            released: !unrelease,
            items: Vec::new(),
            unchanged: Vec::new(),
        };
        let tx = self.write()?;
        if unrelease && attributes.is_empty() {
            let n = tx.execute("UPDATE poi_category SET public = 0 WHERE id = ?1 AND public = 1", [id])?;
            tx.execute("DELETE FROM poi_attribute_release WHERE category_id = ?1", [id])?;
            change.note(format!("Einrichtungsart {category}"), n > 0);
        } else {
            if !unrelease {
                let n = tx.execute("UPDATE poi_category SET public = 1 WHERE id = ?1 AND public = 0", [id])?;
                change.note(format!("Einrichtungsart {category}"), n > 0);
            }
            for attribute in attributes {
                let what = format!("{category}: {attribute}");
                let n = if unrelease {
                    tx.execute(
                        "DELETE FROM poi_attribute_release WHERE category_id = ?1 AND attribute = ?2",
                        params![id, attribute],
                    )?
                } else {
                    tx.execute(
                        "INSERT OR IGNORE INTO poi_attribute_release(category_id, attribute) VALUES (?1, ?2)",
                        params![id, attribute],
                    )?
                };
                change.note(what, n > 0);
            }
        }
        log_change(&tx, &change, who)?;
        tx.commit()?;
        Ok(change)
    }

    /// The attributes the POIs of a category have: address and capacity where any has
    /// them, then the source's attributes, by name.
    pub fn poi_attributes(&self, category: &str) -> Result<Vec<String>> {
        let pois = self.pois(category)?;
        let mut out: Vec<String> = Vec::new();
        if pois.iter().any(|p| !p.address.is_empty()) {
            out.push("address".into());
        }
        if pois.iter().any(|p| p.capacity.is_some()) {
            out.push("capacity".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for poi in &pois {
            if let Some(map) = poi.attributes.as_object() {
                names.extend(map.keys().cloned());
            }
        }
        for name in names {
            if !out.contains(&name) {
                out.push(name);
            }
        }
        Ok(out)
    }

    /// The released POI categories with their released attributes.
    pub fn released_poi_categories(&self) -> Result<Vec<ReleasedPoiCategory>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.name, (SELECT group_concat(attribute, char(31)) FROM (SELECT attribute FROM \
             poi_attribute_release a WHERE a.category_id = c.id ORDER BY attribute)) \
             FROM poi_category c WHERE c.public = 1 ORDER BY c.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ReleasedPoiCategory {
                category: r.get(0)?,
                attributes: r
                    .get::<_, Option<String>>(1)?
                    .map(|a| a.split('\u{1f}').map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Releases a story and its bookmarks (or withdraws the story's release; its bookmarks
    /// keep theirs, they may be in other stories).
    pub fn release_story(&mut self, name: &str, unrelease: bool, who: &str) -> Result<ReleaseChange> {
        let mut story = self.story(name)?;
        let mut change = ReleaseChange {
            released: !unrelease,
            items: Vec::new(),
            unchanged: Vec::new(),
        };
        change.note(format!("Story {name}"), story.public == unrelease);
        story.public = !unrelease;
        let mut bookmarks = Vec::new();
        if !unrelease {
            for b in &story.bookmarks {
                let mut state = self
                    .bookmark_state(b)?
                    .ok_or_else(|| Error::Invalid(format!("Lesezeichen „{b}“ gibt es in diesem Atlas nicht")))?;
                change.note(format!("Lesezeichen {b}"), !state.bookmark.public);
                if !state.bookmark.public {
                    state.bookmark.public = true;
                    bookmarks.push(state);
                }
            }
        }
        // One transaction for the story, its bookmarks and the line in the log.
        self.atomically(|atlas| {
            for state in &bookmarks {
                atlas.put_bookmark(&state.bookmark.name, Some(state))?;
            }
            atlas.put_story(name, Some(&story))?;
            let tx = atlas.write()?;
            log_change(&tx, &change, who)?;
            tx.commit()?;
            Ok(())
        })?;
        Ok(change)
    }
}
