//! Bookmarks and stories, kept in the atlas. A bookmark (*Lesezeichen*) is a saved view of
//! the workbench ([`BookmarkView`]: level, period, indicators, classes, map extent,
//! selection, panes) with the planner's interpretation text and images; a story is an
//! ordered list of bookmarks with a title and an introduction. A bookmark can be in several
//! stories. Every write is one transaction with a line in the audit log.

use rusqlite::{params, OptionalExtension as _};
use serde::{Deserialize, Serialize};

use super::{log, Presentation};
use crate::figure::chart::ChartKind;
use crate::{Atlas, Error, Result};

/// What a bookmark shows: everything needed to restore the view. Fields the app does not
/// know yet take their defaults, so older bookmarks open in newer versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct BookmarkView {
    /// Level name.
    pub level: String,
    /// Period label.
    pub period: String,
    /// Indicator keys: the first is mapped, the others are the table's added columns.
    pub indicators: Vec<String>,
    /// Classes and colours; `None`: the indicator's saved default on the level (or the
    /// KECK standard of six equal intervals).
    pub presentation: Option<Presentation>,
    /// The map's visible extent: west, south, east, north in degrees (WGS 84); `None`: the
    /// whole level.
    pub extent: Option<[f64; 4]>,
    /// Selected area keys.
    pub areas: Vec<String>,
    /// The diagram's kind.
    pub diagram: Option<ChartKind>,
    /// The scatter's second indicator (x axis).
    pub second_indicator: Option<String>,
    /// An indicator drawn as columns on the map.
    pub column_indicator: Option<String>,
    /// The panes open: `map`, `table`, `diagram`.
    pub panes: Vec<String>,
    /// The app's pane layout (its own format; the engine keeps it as it is).
    pub layout: Option<serde_json::Value>,
    /// The pane shown alone, if one was maximised.
    pub maximised: Option<String>,
}

/// A saved bookmark.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bookmark {
    /// Its name (unique in the atlas).
    pub name: String,
    /// The view.
    pub view: BookmarkView,
    /// The interpretation text: Markdown with headings, bold, lists and links
    /// ([`crate::story::text`]).
    pub text: String,
    /// Who saved it.
    pub author: String,
    /// When it was first saved (UTC, ISO 8601).
    pub created: String,
    /// When it was last changed.
    pub updated: String,
    /// Released for publication.
    pub public: bool,
    /// The names of its images, in order.
    pub images: Vec<String>,
}

/// An image of a bookmark, as PNG.
#[derive(Debug, Clone, PartialEq)]
pub struct BookmarkImage {
    /// Its name (the file name it came from).
    pub name: String,
    /// The PNG bytes.
    pub png: Vec<u8>,
}

impl BookmarkImage {
    /// An image from PNG bytes; anything else is refused, naming the file.
    pub fn new(name: &str, png: Vec<u8>) -> Result<Self> {
        if resvg::tiny_skia::Pixmap::decode_png(&png).is_err() {
            return Err(Error::Invalid(format!(
                "{name}: kein lesbares PNG-Bild; Bilder bitte als PNG speichern"
            )));
        }
        Ok(BookmarkImage {
            name: name.to_string(),
            png,
        })
    }
}

/// A saved story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    /// Its title (unique in the atlas).
    pub name: String,
    /// The introduction (Markdown, as a bookmark's text).
    pub intro: String,
    /// The bookmarks' names, in order.
    pub bookmarks: Vec<String>,
    /// Who saved it.
    pub author: String,
    /// When it was first saved.
    pub created: String,
    /// When it was last changed.
    pub updated: String,
    /// Released for publication.
    pub public: bool,
}

/// Everything of a bookmark, for undo: what it is, its images, and where it stands in which
/// stories. [`Atlas::put_bookmark`] writes it back as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct BookmarkState {
    /// The bookmark.
    pub bookmark: Bookmark,
    /// Its images.
    pub images: Vec<BookmarkImage>,
    /// The stories it is in, with its position in each.
    pub stories: Vec<(String, usize)>,
}

fn missing_bookmark(name: &str) -> Error {
    Error::Invalid(format!("Lesezeichen „{name}“ gibt es in diesem Atlas nicht"))
}

fn missing_story(name: &str) -> Error {
    Error::Invalid(format!("Story „{name}“ gibt es in diesem Atlas nicht"))
}

fn put_images(tx: &rusqlite::Connection, bookmark_id: i64, images: &[BookmarkImage]) -> Result<()> {
    for (position, image) in images.iter().enumerate() {
        tx.execute(
            "INSERT INTO bookmark_image(bookmark_id, position, name, png) VALUES (?1, ?2, ?3, ?4)",
            params![bookmark_id, position as i64 + 1, image.name, image.png],
        )?;
    }
    Ok(())
}

fn checked_name(name: &str, what: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid(format!("{what} braucht einen Namen")));
    }
    Ok(name.to_string())
}

impl Atlas {
    fn bookmark_id(&self, name: &str) -> Result<i64> {
        self.conn
            .query_row("SELECT id FROM bookmark WHERE name = ?1", [name], |r| r.get(0))
            .optional()?
            .ok_or_else(|| missing_bookmark(name))
    }

    fn story_id(&self, name: &str) -> Result<i64> {
        self.conn
            .query_row("SELECT id FROM story WHERE name = ?1", [name], |r| r.get(0))
            .optional()?
            .ok_or_else(|| missing_story(name))
    }

    /// Saves a bookmark under `name`, replacing the view and text of one of the same name
    /// (stories that contain it keep it); returns whether it replaced one. The public flag
    /// and the images of a replaced bookmark stay.
    pub fn save_bookmark(&mut self, name: &str, view: &BookmarkView, text: &str, author: &str) -> Result<bool> {
        let name = checked_name(name, "Ein Lesezeichen")?;
        let before = self.bookmark_state(&name)?;
        let existed = before.is_some();
        let mut state = before.unwrap_or_else(|| BookmarkState {
            bookmark: Bookmark {
                name: name.clone(),
                view: BookmarkView::default(),
                text: String::new(),
                author: String::new(),
                created: String::new(),
                updated: String::new(),
                public: false,
                images: Vec::new(),
            },
            images: Vec::new(),
            stories: Vec::new(),
        });
        state.bookmark.view = view.clone();
        state.bookmark.text = text.trim().to_string();
        state.bookmark.author = author.to_string();
        self.put_bookmark(&name, Some(&state))?;
        Ok(existed)
    }

    /// The saved bookmarks, by name.
    pub fn bookmarks(&self) -> Result<Vec<Bookmark>> {
        let mut stmt = self.conn.prepare(
            "SELECT b.name, b.view, b.text, b.author, b.created, b.updated, b.public, \
             (SELECT group_concat(name, char(31)) FROM (SELECT name FROM bookmark_image i \
              WHERE i.bookmark_id = b.id ORDER BY position)) \
             FROM bookmark b ORDER BY b.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                Bookmark {
                    name: String::new(),
                    view: BookmarkView::default(),
                    text: r.get(2)?,
                    author: r.get(3)?,
                    created: r.get(4)?,
                    updated: r.get(5)?,
                    public: r.get(6)?,
                    images: r
                        .get::<_, Option<String>>(7)?
                        .map(|n| n.split('\u{1f}').map(str::to_string).collect())
                        .unwrap_or_default(),
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (name, json, mut bookmark) = row?;
            bookmark.view = serde_json::from_str(&json).map_err(|e| {
                Error::Invalid(format!(
                    "Lesezeichen „{name}“ ist beschädigt und lässt sich nicht lesen ({e})"
                ))
            })?;
            bookmark.name = name;
            out.push(bookmark);
        }
        Ok(out)
    }

    /// One bookmark by name.
    pub fn bookmark(&self, name: &str) -> Result<Bookmark> {
        self.bookmarks()?
            .into_iter()
            .find(|b| b.name == name)
            .ok_or_else(|| missing_bookmark(name))
    }

    /// Deletes a bookmark; it leaves the stories that contained it. Returns those stories.
    pub fn delete_bookmark(&mut self, name: &str) -> Result<Vec<String>> {
        let before = self.put_bookmark(name, None)?.ok_or_else(|| missing_bookmark(name))?;
        let mut stories: Vec<String> = before.stories.into_iter().map(|(s, _)| s).collect();
        stories.dedup();
        Ok(stories)
    }

    /// The images of a bookmark, in order.
    pub fn bookmark_images(&self, bookmark: &str) -> Result<Vec<BookmarkImage>> {
        let id = self.bookmark_id(bookmark)?;
        let mut stmt = self
            .conn
            .prepare("SELECT name, png FROM bookmark_image WHERE bookmark_id = ?1 ORDER BY position")?;
        let rows = stmt.query_map([id], |r| {
            Ok(BookmarkImage {
                name: r.get(0)?,
                png: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets a bookmark's public flag.
    pub fn set_bookmark_public(&mut self, name: &str, public: bool) -> Result<()> {
        let id = self.bookmark_id(name)?;
        let tx = self.write()?;
        tx.execute("UPDATE bookmark SET public = ?2 WHERE id = ?1", params![id, public])?;
        log(
            &tx,
            "bookmark",
            &format!("Lesezeichen „{name}“ {}", if public { "öffentlich" } else { "intern" }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Saves a story: its introduction and its bookmarks in this order, replacing one of
    /// the same name (its public flag stays). Every bookmark must exist. Returns whether it
    /// replaced one.
    pub fn save_story(&mut self, name: &str, intro: &str, bookmarks: &[String], author: &str) -> Result<bool> {
        let name = checked_name(name, "Eine Story")?;
        let before = self.story(&name).ok();
        let existed = before.is_some();
        let story = Story {
            name: name.clone(),
            intro: intro.trim().to_string(),
            bookmarks: bookmarks.iter().map(|b| b.trim().to_string()).collect(),
            author: author.to_string(),
            created: before.as_ref().map(|b| b.created.clone()).unwrap_or_default(),
            updated: String::new(),
            public: before.is_some_and(|b| b.public),
        };
        self.put_story(&name, Some(&story))?;
        Ok(existed)
    }

    /// The saved stories, by name.
    pub fn stories(&self) -> Result<Vec<Story>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.name, s.intro, s.author, s.created, s.updated, s.public, \
             (SELECT group_concat(name, char(31)) FROM (SELECT b.name FROM story_bookmark sb \
              JOIN bookmark b ON b.id = sb.bookmark_id WHERE sb.story_id = s.id ORDER BY sb.position)) \
             FROM story s ORDER BY s.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Story {
                name: r.get(0)?,
                intro: r.get(1)?,
                author: r.get(2)?,
                created: r.get(3)?,
                updated: r.get(4)?,
                public: r.get(5)?,
                bookmarks: r
                    .get::<_, Option<String>>(6)?
                    .map(|n| n.split('\u{1f}').map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One story by name.
    pub fn story(&self, name: &str) -> Result<Story> {
        self.stories()?
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| missing_story(name))
    }

    /// Copies a story under a new name (the same bookmarks, not copies of them).
    pub fn duplicate_story(&mut self, name: &str, new_name: &str) -> Result<()> {
        let story = self.story(name)?;
        let new_name = checked_name(new_name, "Eine Story")?;
        if self.story_id(&new_name).is_ok() {
            return Err(Error::Invalid(format!("Eine Story „{new_name}“ gibt es schon")));
        }
        let copy = Story {
            name: new_name.clone(),
            created: String::new(),
            public: false,
            ..story
        };
        self.put_story(&new_name, Some(&copy))?;
        Ok(())
    }

    /// Deletes a story (its bookmarks stay).
    pub fn delete_story(&mut self, name: &str) -> Result<()> {
        self.put_story(name, None)?.ok_or_else(|| missing_story(name))?;
        Ok(())
    }

    /// Sets a story's public flag.
    pub fn set_story_public(&mut self, name: &str, public: bool) -> Result<()> {
        let id = self.story_id(name)?;
        let tx = self.write()?;
        tx.execute("UPDATE story SET public = ?2 WHERE id = ?1", params![id, public])?;
        log(
            &tx,
            "story",
            &format!("Story „{name}“ {}", if public { "öffentlich" } else { "intern" }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A bookmark with its images and its places in stories; `None` when there is none of
    /// that name.
    pub fn bookmark_state(&self, name: &str) -> Result<Option<BookmarkState>> {
        let Ok(id) = self.bookmark_id(name) else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(
            "SELECT s.name, (SELECT COUNT(*) FROM story_bookmark o WHERE o.story_id = sb.story_id \
             AND o.position < sb.position) FROM story_bookmark sb JOIN story s ON s.id = sb.story_id \
             WHERE sb.bookmark_id = ?1 ORDER BY s.name, sb.position",
        )?;
        let stories = stmt
            .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(BookmarkState {
            bookmark: self.bookmark(name)?,
            images: self.bookmark_images(name)?,
            stories,
        }))
    }

    /// Makes the bookmark `name` exactly `state` (`None`: no bookmark of that name), in one
    /// transaction; returns what it was. A state that was in stories goes back to its places
    /// in those that still exist. This is how the app saves, changes and deletes bookmarks,
    /// so that each of these can be undone by putting back what it returned.
    pub fn put_bookmark(&mut self, name: &str, state: Option<&BookmarkState>) -> Result<Option<BookmarkState>> {
        let before = self.bookmark_state(name)?;
        if before.is_none() && state.is_none() {
            return Ok(None);
        }
        if let Some(state) = state {
            checked_name(&state.bookmark.name, "Ein Lesezeichen")?;
            if state.bookmark.name != name && self.bookmark_id(&state.bookmark.name).is_ok() {
                return Err(Error::Invalid(format!(
                    "Ein Lesezeichen „{}“ gibt es schon",
                    state.bookmark.name
                )));
            }
        }
        let tx = self.write()?;
        let old_id: Option<i64> = tx
            .query_row("SELECT id FROM bookmark WHERE name = ?1", [name], |r| r.get(0))
            .optional()?;
        match (old_id, state) {
            (Some(id), Some(state)) => {
                let b = &state.bookmark;
                let json = serde_json::to_string(&b.view).map_err(|e| Error::Internal(e.to_string()))?;
                tx.execute(
                    "UPDATE bookmark SET name = ?2, view = ?3, text = ?4, author = ?5, public = ?6, \
                     updated = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1",
                    params![id, b.name, json, b.text, b.author, b.public],
                )?;
                tx.execute("DELETE FROM bookmark_image WHERE bookmark_id = ?1", [id])?;
                put_images(&tx, id, &state.images)?;
            }
            (Some(id), None) => {
                tx.execute("DELETE FROM bookmark WHERE id = ?1", [id])?;
            }
            (None, Some(state)) => {
                let b = &state.bookmark;
                let json = serde_json::to_string(&b.view).map_err(|e| Error::Internal(e.to_string()))?;
                tx.execute(
                    "INSERT INTO bookmark(name, view, text, author, public, created, updated) VALUES \
                     (?1, ?2, ?3, ?4, ?5, COALESCE(NULLIF(?6, ''), strftime('%Y-%m-%dT%H:%M:%SZ','now')), \
                     strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                    params![b.name, json, b.text, b.author, b.public, b.created],
                )?;
                let id = tx.last_insert_rowid();
                put_images(&tx, id, &state.images)?;
                for (story, position) in &state.stories {
                    let story_id: Option<i64> = tx
                        .query_row("SELECT id FROM story WHERE name = ?1", [story], |r| r.get(0))
                        .optional()?;
                    let Some(story_id) = story_id else { continue };
                    // Make room at the position: the others after it move one on.
                    let mut ids: Vec<i64> = {
                        let mut stmt =
                            tx.prepare("SELECT bookmark_id FROM story_bookmark WHERE story_id = ?1 ORDER BY position")?;
                        let rows = stmt.query_map([story_id], |r| r.get(0))?;
                        rows.collect::<rusqlite::Result<_>>()?
                    };
                    ids.insert((*position).min(ids.len()), id);
                    tx.execute("DELETE FROM story_bookmark WHERE story_id = ?1", [story_id])?;
                    for (p, b) in ids.iter().enumerate() {
                        tx.execute(
                            "INSERT INTO story_bookmark(story_id, position, bookmark_id) VALUES (?1, ?2, ?3)",
                            params![story_id, p as i64, b],
                        )?;
                    }
                }
            }
            (None, None) => {}
        }
        let what = match (&before, state) {
            (None, Some(s)) => format!("Lesezeichen „{}“ angelegt", s.bookmark.name),
            (Some(_), None) => format!("Lesezeichen „{name}“ gelöscht"),
            _ => format!("Lesezeichen „{name}“ geändert"),
        };
        log(&tx, "bookmark", &what)?;
        tx.commit()?;
        Ok(before)
    }

    /// Makes the story `name` exactly `story` (`None`: no story of that name), in one
    /// transaction; returns what it was (for undo, as [`Atlas::put_bookmark`]).
    pub fn put_story(&mut self, name: &str, story: Option<&Story>) -> Result<Option<Story>> {
        let before = self.story(name).ok();
        if before.is_none() && story.is_none() {
            return Ok(None);
        }
        let ids = match story {
            Some(s) => {
                checked_name(&s.name, "Eine Story")?;
                if s.name != name && self.story_id(&s.name).is_ok() {
                    return Err(Error::Invalid(format!("Eine Story „{}“ gibt es schon", s.name)));
                }
                s.bookmarks
                    .iter()
                    .map(|b| self.bookmark_id(b))
                    .collect::<Result<Vec<i64>>>()?
            }
            None => Vec::new(),
        };
        let tx = self.write()?;
        tx.execute("DELETE FROM story WHERE name = ?1", [name])?;
        if let Some(s) = story {
            tx.execute(
                "INSERT INTO story(name, intro, author, public, created, updated) VALUES \
                 (?1, ?2, ?3, ?4, COALESCE(NULLIF(?5, ''), strftime('%Y-%m-%dT%H:%M:%SZ','now')), \
                 strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                params![s.name, s.intro, s.author, s.public, s.created],
            )?;
            let story_id = tx.last_insert_rowid();
            for (position, id) in ids.iter().enumerate() {
                tx.execute(
                    "INSERT INTO story_bookmark(story_id, position, bookmark_id) VALUES (?1, ?2, ?3)",
                    params![story_id, position as i64, id],
                )?;
            }
        }
        let what = match (&before, story) {
            (None, Some(s)) => format!("Story „{}“ angelegt ({} Lesezeichen)", s.name, s.bookmarks.len()),
            (Some(_), Some(s)) => format!("Story „{name}“ geändert ({} Lesezeichen)", s.bookmarks.len()),
            (_, None) => format!("Story „{name}“ gelöscht"),
        };
        log(&tx, "story", &what)?;
        tx.commit()?;
        Ok(before)
    }

    /// The indicators a story shows that are not released for publication on the level
    /// its bookmark shows them, by key.
    pub fn unreleased_in_story(&self, story: &Story) -> Result<Vec<String>> {
        let mut keys: Vec<String> = Vec::new();
        let all: std::collections::HashMap<String, Bookmark> =
            self.bookmarks()?.into_iter().map(|b| (b.name.clone(), b)).collect();
        for name in &story.bookmarks {
            let view = &all.get(name).ok_or_else(|| missing_bookmark(name))?.view;
            let shown = view
                .indicators
                .iter()
                .chain(view.second_indicator.iter())
                .chain(view.column_indicator.iter());
            for key in shown {
                if !keys.contains(key) && !self.is_released(key, &view.level)? {
                    keys.push(key.clone());
                }
            }
        }
        Ok(keys)
    }

    /// What a view refers to that the atlas no longer has, in German ("Indikator „sgb2“
    /// gibt es nicht mehr"); empty when everything is there.
    pub fn missing_in_view(&self, view: &BookmarkView) -> Result<Vec<String>> {
        let mut missing = Vec::new();
        let level = self.level(&view.level).ok();
        if level.is_none() {
            missing.push(format!("Ebene „{}“ gibt es nicht mehr", view.level));
        }
        for key in view
            .indicators
            .iter()
            .chain(view.second_indicator.iter())
            .chain(view.column_indicator.iter())
        {
            if self.indicator(key).is_err() {
                missing.push(format!("Indikator „{key}“ gibt es nicht mehr"));
            }
        }
        if !view.period.is_empty() && self.period(&view.period).is_err() {
            missing.push(format!("Zeitraum „{}“ gibt es nicht mehr", view.period));
        }
        if let Some(level) = level {
            let areas = self.level_areas(level.id)?;
            let gone: Vec<&String> = view
                .areas
                .iter()
                .filter(|k| !areas.iter().any(|a| *a.key == ***k))
                .collect();
            if !gone.is_empty() {
                missing.push(format!(
                    "{} ausgewählte Gebiete gibt es nicht mehr ({})",
                    gone.len(),
                    gone.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        Ok(missing)
    }
}
