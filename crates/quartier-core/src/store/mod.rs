//! The atlas file: one SQLite database per municipality.
//!
//! [`Atlas`] opens, creates and migrates files and answers the queries every other
//! module needs. Writes happen in one transaction per user action.

mod cache;
mod manage;
mod profiles;
mod release;
pub mod schema;
mod series;
mod stories;

pub use cache::{merged_roles, Column, MergedArea, MergedRole, Series};
pub use manage::{AtlasProperties, Presentation, Removal};
pub use profiles::{AreaText, ProfileSection, ProfileTemplate, DEFAULT_TEMPLATE};
pub use release::{ReleaseChange, ReleasedPoiCategory};
pub use stories::{Bookmark, BookmarkImage, BookmarkState, BookmarkView, Story};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::model::{AggregationRule, IndicatorKind, IndicatorMeta, Level, Period, Polarity};
use crate::{Error, Result};
use schema::{APPLICATION_ID, LATEST_VERSION, MIGRATIONS};

/// An open atlas file.
pub struct Atlas {
    /// The connection. Reads may use it directly; every write goes through [`Atlas::write`].
    pub(crate) conn: Connection,
    path: PathBuf,
    /// Opened for reading only (the file or its folder is write-protected).
    read_only: bool,
    /// Series and area lists read so far ([`cache`]).
    cache: std::cell::RefCell<cache::SeriesCache>,
}

/// Name and identity of the municipality an atlas describes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AtlasMeta {
    /// Display name, e.g. "Berlin".
    pub name: String,
    /// Amtlicher Gemeindeschlüssel, 8 digits, if given.
    pub ags: Option<String>,
    /// When the file was created (UTC, ISO 8601).
    pub created: String,
    /// The attribution shown under every map and table the atlas produces (sources,
    /// licences: "Amt für Statistik Berlin-Brandenburg, dl-de/by-2-0"); empty if not set.
    pub attribution: String,
}

/// One area's identity (no geometry).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AreaRef {
    /// Row id.
    pub id: i64,
    /// Normalised key; shared (`Arc<str>`), so results that name areas copy a pointer, not
    /// the text.
    pub key: std::sync::Arc<str>,
    /// Display name, shared like the key.
    pub name: std::sync::Arc<str>,
    /// The area it belongs to on the parent level.
    pub parent_area_id: Option<i64>,
}

/// A point of interest as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Poi {
    /// Display name.
    pub name: String,
    /// Postal address as one line.
    pub address: String,
    /// WGS84 longitude in degrees.
    pub lon: f64,
    /// WGS84 latitude in degrees.
    pub lat: f64,
    /// Places or another capacity, where known.
    pub capacity: Option<f64>,
    /// All attributes of the source, as JSON.
    pub attributes: serde_json::Value,
}

/// An address point with its residents (internal data: used for distances, never published).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AddressPoint {
    /// WGS84 longitude in degrees.
    pub lon: f64,
    /// WGS84 latitude in degrees.
    pub lat: f64,
    /// Residents at the address.
    pub residents: f64,
    /// Residents by group (age columns), by column name.
    pub groups: BTreeMap<String, f64>,
}

/// Changes to an indicator's metadata; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndicatorUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New topic path.
    pub topic: Option<String>,
    /// New unit.
    pub unit: Option<String>,
    /// New decimals.
    pub decimals: Option<i64>,
    /// New kind.
    pub kind: Option<IndicatorKind>,
    /// New numerator key (empty string clears it).
    pub numerator: Option<String>,
    /// New denominator key (empty string clears it).
    pub denominator: Option<String>,
    /// New aggregation rule.
    pub aggregation: Option<AggregationRule>,
    /// New polarity.
    pub polarity: Option<Polarity>,
    /// New description.
    pub description: Option<String>,
    /// New source.
    pub source: Option<String>,
    /// New suppression threshold; `Some(None)` returns to the atlas default.
    pub suppression_threshold: Option<Option<i64>>,
    /// New declared parts (empty clears them).
    pub sum_of: Option<Vec<String>>,
    /// New formula of a computed indicator (empty clears it).
    pub formula: Option<String>,
}

impl IndicatorUpdate {
    /// An update that sets every field to the indicator's current metadata (what an editor
    /// keeps to undo a change).
    pub fn everything_of(meta: &IndicatorMeta) -> Self {
        IndicatorUpdate {
            name: Some(meta.name.clone()),
            topic: Some(meta.topic.clone()),
            unit: Some(meta.unit.clone()),
            decimals: Some(meta.decimals),
            kind: Some(meta.kind),
            numerator: Some(meta.numerator.clone().unwrap_or_default()),
            denominator: Some(meta.denominator.clone().unwrap_or_default()),
            aggregation: Some(meta.aggregation.clone()),
            polarity: Some(meta.polarity),
            description: Some(meta.description.clone()),
            source: Some(meta.source.clone()),
            suppression_threshold: Some(meta.suppression_threshold),
            sum_of: Some(meta.sum_of.clone()),
            formula: Some(meta.formula.clone().unwrap_or_default()),
        }
    }
}

/// How a set of derived indicators was computed: stored as one `derived_run` row per
/// indicator, so every figure can be explained and recomputed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DerivedRun {
    /// The method, e.g. `status_dynamics`.
    pub method: String,
    /// The parameters as given (level, period, thresholds …).
    pub parameters: serde_json::Value,
    /// The input indicator keys.
    pub inputs: Vec<String>,
}

/// One derived indicator with its metadata and its values at one level and period.
#[derive(Debug, Clone)]
pub struct DerivedSeries {
    /// The indicator key; an existing indicator of that key is overwritten at this level and period.
    pub key: String,
    /// Its metadata (name, unit, decimals, kind, topic, description …).
    pub meta: IndicatorUpdate,
    /// Area id → value.
    pub values: BTreeMap<i64, crate::StoredValue>,
}

/// " Meinten Sie „a“, „b“ oder „c“?": the three indicator keys closest to `wanted` (by key
/// or display name, Jaro-Winkler on lower case); empty when there are none.
pub(crate) fn did_you_mean(wanted: &str, indicators: &[IndicatorMeta]) -> String {
    let lower = wanted.to_lowercase();
    let mut scored: Vec<(f64, &str)> = indicators
        .iter()
        .map(|i| {
            let by_key = strsim::jaro_winkler(&lower, &i.key.to_lowercase());
            let by_name = strsim::jaro_winkler(&lower, &i.name.to_lowercase());
            (by_key.max(by_name), i.key.as_str())
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let best: Vec<String> = scored.iter().take(3).map(|(_, k)| format!("„{k}“")).collect();
    match best.as_slice() {
        [] => String::new(),
        [one] => format!(" Meinten Sie {one}?"),
        [init @ .., last] => format!(" Meinten Sie {} oder {last}?", init.join(", ")),
    }
}

/// "Vorhanden: „a“, „b“" for a not-found message.
pub(crate) fn existing_names<I: IntoIterator<Item = String>>(names: I) -> String {
    format!("Vorhanden: {}", list_names(names))
}

fn list_names<I: IntoIterator<Item = String>>(names: I) -> String {
    let v: Vec<String> = names.into_iter().map(|n| format!("„{n}“")).collect();
    if v.is_empty() {
        "keine".into()
    } else {
        v.join(", ")
    }
}

impl Atlas {
    /// Creates a new, empty atlas. Refuses to overwrite an existing file.
    pub fn create(path: &Path, name: &str, ags: Option<&str>) -> Result<Self> {
        Self::create_at_version(path, name, ags, LATEST_VERSION)
    }

    /// Creates an atlas at an older schema version. Only for migration tests and fixtures.
    #[doc(hidden)]
    pub fn create_at_version(path: &Path, name: &str, ags: Option<&str>, version: i64) -> Result<Self> {
        if path.exists() {
            return Err(Error::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        if name.trim().is_empty() {
            return Err(Error::Invalid("Der Name des Atlas darf nicht leer sein".into()));
        }
        if let Some(ags) = ags {
            check_ags(ags)?;
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "cache_size", -65_536)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        migrate(&tx, 0, version)?;
        tx.execute("INSERT INTO atlas_meta(key, value) VALUES ('name', ?1)", [name.trim()])?;
        if let Some(ags) = ags {
            tx.execute("INSERT INTO atlas_meta(key, value) VALUES ('ags', ?1)", [ags])?;
        }
        tx.execute(
            "INSERT INTO atlas_meta(key, value) VALUES ('created', strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
            [],
        )?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        Ok(Atlas {
            conn,
            path: path.to_path_buf(),
            read_only: false,
            cache: Default::default(),
        })
    }

    /// Opens an atlas, migrating an older file to the current schema in one transaction
    /// (after a copy of the old file is kept beside it, [`migration_backup_path`]).
    ///
    /// A write-protected file, or a file in a write-protected folder, opens for reading:
    /// every write is then refused with [`Error::ReadOnly`], and no `-wal`/`-shm` files are
    /// left behind. Anything that is not a regular file (a folder, a FIFO, a device) is
    /// refused before it is read, so a FIFO cannot block.
    pub fn open(path: &Path) -> Result<Self> {
        let not_atlas = || Error::NotAnAtlas {
            path: path.to_path_buf(),
        };
        let metadata = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if !metadata.is_file() {
            return Err(Error::NotAFile {
                path: path.to_path_buf(),
            });
        }
        let mut header = [0u8; 16];
        {
            use std::io::Read;
            let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let n = f.read(&mut header).map_err(|e| Error::io(path, e))?;
            if n < 16 || &header != b"SQLite format 3\0" {
                return Err(not_atlas());
            }
        }
        let read_only = is_write_protected(path, &metadata);
        let mut conn = if read_only {
            // `immutable`: SQLite neither locks nor creates -wal/-shm beside a file it may
            // not write (an atlas closed cleanly has its journal folded back into the file).
            let uri = format!("file:{}?immutable=1", uri_path(path));
            Connection::open_with_flags(
                uri,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?
        } else {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?
        };
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let app_id: i64 =
            conn.pragma_query_value(None, "application_id", |r| r.get(0))
                .map_err(|e| match Error::from(e) {
                    damaged @ (Error::Damaged(_) | Error::Busy) => damaged,
                    _ => not_atlas(),
                })?;
        if app_id != APPLICATION_ID {
            return Err(not_atlas());
        }
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > LATEST_VERSION {
            return Err(Error::NewerSchema {
                path: path.to_path_buf(),
                found: version,
                supported: LATEST_VERSION,
            });
        }
        if version < 1 {
            return Err(not_atlas());
        }
        if !read_only {
            conn.pragma_update(None, "foreign_keys", "ON")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        // 64 MB page cache: imports of millions of values stay in memory until commit.
        conn.pragma_update(None, "cache_size", -65_536)?;
        if version < LATEST_VERSION {
            if read_only {
                return Err(Error::ReadOnly(format!(
                    "{} hat die ältere Schemaversion {version} und müsste dafür umgeschrieben werden",
                    path.display()
                )));
            }
            migrate_file(&mut conn, path)?;
        }
        // The schema this build expects must be there: a file with the atlas's id but
        // without its tables (or with tables from another program) is damaged, not empty.
        conn.query_row("SELECT count(*) FROM atlas_meta", [], |r| r.get::<_, i64>(0))
            .map_err(|e| {
                Error::Damaged(format!(
                    "{}: die Tabellen des Atlas fehlen ({})",
                    path.display(),
                    sqlite_reason(&e)
                ))
            })?;
        Ok(Atlas {
            conn,
            path: path.to_path_buf(),
            read_only,
            cache: Default::default(),
        })
    }

    /// Whether the atlas was opened for reading only (see [`Atlas::open`]).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// How long a write waits for another writer before it gives up with [`Error::Busy`]
    /// (default [`BUSY_TIMEOUT`]).
    pub fn set_busy_timeout(&self, wait: std::time::Duration) -> Result<()> {
        Ok(self.conn.busy_timeout(wait)?)
    }

    /// Runs `work` as one transaction: everything it writes is kept when it succeeds and
    /// nothing when it fails (the engine's writes inside it are savepoints).
    pub(crate) fn atomically<T>(&mut self, work: impl FnOnce(&mut Atlas) -> Result<T>) -> Result<T> {
        self.refuse_if_read_only()?;
        let outer = self.conn.is_autocommit();
        self.conn.execute_batch(if outer {
            "BEGIN IMMEDIATE"
        } else {
            "SAVEPOINT gemeinsam"
        })?;
        let outcome = work(self);
        self.cache.get_mut().clear();
        let end = match (&outcome, outer) {
            (Ok(_), true) => "COMMIT",
            (Ok(_), false) => "RELEASE gemeinsam",
            (Err(_), true) => "ROLLBACK",
            (Err(_), false) => "ROLLBACK TO gemeinsam; RELEASE gemeinsam",
        };
        self.conn.execute_batch(end)?;
        outcome
    }

    /// Runs `work` (an import, say) and then undoes everything it wrote: the dry run behind
    /// "Prüfen" in the import dialogs, which shows the summary or the problems before
    /// anything is stored. Every write of the engine is a savepoint, so they nest in this one.
    pub fn trial<T>(&mut self, work: impl FnOnce(&mut Atlas) -> Result<T>) -> Result<T> {
        self.refuse_if_read_only()?;
        // Like every write, the dry run takes the write lock at once (waiting for another
        // writer), so what it reads cannot change under it.
        let outer = self.conn.is_autocommit();
        self.conn.execute_batch(if outer {
            "BEGIN IMMEDIATE"
        } else {
            "SAVEPOINT probelauf"
        })?;
        let outcome = work(self);
        self.cache.get_mut().clear();
        self.conn.execute_batch(if outer {
            "ROLLBACK"
        } else {
            "ROLLBACK TO probelauf; RELEASE probelauf"
        })?;
        outcome
    }

    /// Starts a write and forgets the series read so far: the one door through which the
    /// engine changes the file. Outside a transaction it is `BEGIN IMMEDIATE`: the write lock
    /// is taken before anything is read, so concurrent writers wait for each other (up to
    /// the busy timeout) instead of failing when a read transaction cannot be upgraded.
    /// Inside one (a dry run, [`Atlas::trial`]) it is a savepoint.
    pub(crate) fn write(&mut self) -> Result<Write<'_>> {
        self.refuse_if_read_only()?;
        self.cache.get_mut().clear();
        Ok(if self.conn.is_autocommit() {
            Write::Outer(self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
        } else {
            Write::Nested(self.conn.savepoint()?)
        })
    }

    fn refuse_if_read_only(&self) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly(format!("{} ist schreibgeschützt", self.path.display())));
        }
        Ok(())
    }

    /// Empties the in-memory series when another connection changed the file.
    fn check_cache(&self) -> Result<()> {
        // Prepared once per connection: this runs before every cached read.
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        self.cache.borrow_mut().check_version(version);
        Ok(())
    }

    /// Whether another connection (another process, a colleague's script, a job of the app)
    /// committed a change to the file since the last call; the first call only notes the
    /// version. The series read so far are forgotten when it did.
    pub fn changed_elsewhere(&self) -> Result<bool> {
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        let mut cache = self.cache.borrow_mut();
        cache.check_version(version);
        let changed = cache.announced_version.is_some_and(|seen| seen != version);
        cache.announced_version = Some(version);
        Ok(changed)
    }

    /// The file this atlas lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The time now, UTC, ISO 8601 (as the atlas stamps its rows).
    pub fn now_utc(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("SELECT strftime('%Y-%m-%dT%H:%M:%SZ','now')", [], |r| r.get(0))?)
    }

    /// Adds an indicator with all its metadata unless one of that key exists; returns
    /// whether it was added.
    pub fn add_indicator(&mut self, meta: &crate::model::IndicatorMeta) -> Result<bool> {
        if self.indicator(&meta.key).is_ok() {
            return Ok(false);
        }
        let tx = self.write()?;
        let (id, _) = ensure_indicator(&tx, &meta.key, meta.kind)?;
        apply_indicator_update(&tx, id, &IndicatorUpdate::everything_of(meta))?;
        log(&tx, "indicator", &format!("Indikator „{}“ angelegt", meta.key))?;
        tx.commit()?;
        Ok(true)
    }

    /// Adds a period unless it exists; returns whether it was added.
    pub fn add_period(&mut self, label: &str) -> Result<bool> {
        if self.period(label).is_ok() {
            return Ok(false);
        }
        let tx = self.write()?;
        ensure_period(&tx, label)?;
        tx.commit()?;
        Ok(true)
    }

    /// A value of the atlas's own settings (`atlas_meta`).
    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM atlas_meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// The settings whose key starts with `prefix`, by key.
    pub(crate) fn settings_with(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, value FROM atlas_meta WHERE key LIKE ?1 ORDER BY key")?;
        let rows = stmt.query_map([format!("{prefix}%")], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets a value of the atlas's own settings, with a line in the audit log.
    pub(crate) fn set_setting(&mut self, key: &str, value: &str, what: &str) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO atlas_meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        log(&tx, "settings", what)?;
        tx.commit()?;
        Ok(())
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Name, AGS and creation time.
    pub fn meta(&self) -> Result<AtlasMeta> {
        let mut stmt = self.conn.prepare_cached("SELECT key, value FROM atlas_meta")?;
        let map: HashMap<String, String> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(AtlasMeta {
            name: map.get("name").cloned().unwrap_or_default(),
            ags: map.get("ags").cloned(),
            created: map.get("created").cloned().unwrap_or_default(),
            attribution: map.get("attribution").cloned().unwrap_or_default(),
        })
    }

    /// The atlas's default suppression rules (threshold 3, zero not suppressed, unless set).
    pub fn suppression_rules(&self) -> Result<crate::model::SuppressionRules> {
        let get = |key: &str| -> Result<Option<String>> {
            Ok(self
                .conn
                .query_row("SELECT value FROM atlas_meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?)
        };
        let mut rules = crate::model::SuppressionRules::default();
        if let Some(t) = get("suppression_threshold")?.and_then(|t| t.parse().ok()) {
            rules.threshold = t;
        }
        if let Some(z) = get("suppress_zero")? {
            rules.suppress_zero = z == "1";
        }
        Ok(rules)
    }

    /// Stores the atlas's default suppression rules.
    pub fn set_suppression_rules(&mut self, rules: &crate::model::SuppressionRules) -> Result<()> {
        if rules.threshold < 0 {
            return Err(Error::Invalid(format!(
                "Die Geheimhaltungsschwelle muss 0 oder größer sein, nicht {}",
                rules.threshold
            )));
        }
        let tx = self.write()?;
        for (key, value) in [
            ("suppression_threshold", rules.threshold.to_string()),
            ("suppress_zero", if rules.suppress_zero { "1" } else { "0" }.to_string()),
        ] {
            tx.execute(
                "INSERT INTO atlas_meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
        }
        log(
            &tx,
            "suppression_rules",
            &format!(
                "Geheimhaltung: Werte 1 bis {}{} werden „k. A.“",
                rules.threshold,
                if rules.suppress_zero { " und 0" } else { "" }
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// All spatial levels, coarse to fine.
    pub fn levels(&self) -> Result<Vec<Level>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, parent_level_id, sort_order FROM spatial_level ORDER BY sort_order, id",
        )?;
        let levels = stmt
            .query_map([], |r| {
                Ok(Level {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    parent_level_id: r.get(2)?,
                    sort_order: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(levels)
    }

    /// A level by name (case-insensitive), or a German error listing the levels.
    pub fn level(&self, name: &str) -> Result<Level> {
        let levels = self.levels()?;
        levels
            .iter()
            .find(|l| l.name == name)
            .or_else(|| {
                levels
                    .iter()
                    .find(|l| l.name.to_lowercase() == name.trim().to_lowercase())
            })
            .cloned()
            .ok_or_else(|| Error::NotFound {
                kind: "Ebene",
                name: name.to_string(),
                available: existing_names(levels.into_iter().map(|l| l.name)),
            })
    }

    /// The areas of a level, by key.
    pub fn areas(&self, level_id: i64) -> Result<Vec<AreaRef>> {
        Ok(self.level_areas(level_id)?.as_ref().clone())
    }

    /// The areas of a level in key order, shared from the in-memory cache ([`cache`]).
    pub fn level_areas(&self, level_id: i64) -> Result<std::sync::Arc<Vec<AreaRef>>> {
        Ok(self.cached_level(level_id)?.0)
    }

    /// The combined areas of a level with their members ([`MergedArea`]), as positions in
    /// [`Atlas::level_areas`].
    pub fn merged_areas(&self, level_id: i64) -> Result<std::sync::Arc<Vec<MergedArea>>> {
        self.cached_level(level_id)?;
        Ok(self
            .cache
            .borrow()
            .areas
            .get(&level_id)
            .map(|l| l.merged.clone())
            .unwrap_or_default())
    }

    /// The areas of a level and each area id's position in that order.
    fn cached_level(&self, level_id: i64) -> Result<(std::sync::Arc<Vec<AreaRef>>, std::sync::Arc<cache::Positions>)> {
        self.check_cache()?;
        if let Some(l) = self.cache.borrow().areas.get(&level_id) {
            return Ok((l.areas.clone(), l.position.clone()));
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, key, name, parent_area_id FROM area WHERE level_id = ?1 ORDER BY key")?;
        let areas = std::sync::Arc::new(
            stmt.query_map([level_id], |r| {
                Ok(AreaRef {
                    id: r.get(0)?,
                    key: r.get::<_, String>(1)?.into(),
                    name: r.get::<_, String>(2)?.into(),
                    parent_area_id: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        );
        let position = std::sync::Arc::new(cache::Positions::new(&areas));
        let merged = std::sync::Arc::new(read_merged_areas(&self.conn, level_id, &position)?);
        self.cache.borrow_mut().areas.insert(
            level_id,
            cache::LevelAreas {
                areas: areas.clone(),
                position: std::sync::Arc::clone(&position),
                merged,
            },
        );
        Ok((areas, position))
    }

    /// One series as columns aligned to [`Atlas::level_areas`]: numbers (NaN where none) and
    /// statuses, read straight from the stored series and kept in memory like
    /// [`Atlas::values`]. What the analyses compute on.
    pub fn column(&self, indicator_id: i64, level_id: i64, period_id: i64) -> Result<std::sync::Arc<Column>> {
        let (areas, position) = self.cached_level(level_id)?;
        let key = (indicator_id, level_id, period_id);
        if let Some(column) = self.cache.borrow().columns.get(&key) {
            return Ok(column.clone());
        }
        let column = std::sync::Arc::new(match series_bytes(&self.conn, indicator_id, period_id, level_id)? {
            Some(bytes) => {
                let mut column = series::decode_column(&bytes, &position, areas.len())?;
                cache::mask_merged_column(&mut column, &self.merged_areas(level_id)?);
                column
            }
            None => Column::empty(areas.len()),
        });
        self.cache.borrow_mut().columns.insert(key, column.clone());
        Ok(column)
    }

    /// The geometries of a level, each with its area's position in [`Atlas::level_areas`]
    /// (the order of columns): (positions, geometries), areas without geometry left out.
    pub fn positioned_geometries(&self, level_id: i64) -> Result<(Vec<usize>, Vec<geo::MultiPolygon<f64>>)> {
        let areas = self.level_areas(level_id)?;
        let position: HashMap<i64, usize> = areas.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        Ok(self
            .area_geometries(level_id)?
            .into_iter()
            .filter_map(|(a, g)| Some((*position.get(&a.id)?, g)))
            .unzip())
    }

    /// The areas of a level with their geometry (areas without geometry are left out).
    pub fn area_geometries(&self, level_id: i64) -> Result<Vec<(AreaRef, geo::MultiPolygon<f64>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, key, name, parent_area_id, geometry FROM area WHERE level_id = ?1 AND geometry IS NOT NULL ORDER BY key",
        )?;
        let rows = stmt
            .query_map([level_id], |r| {
                Ok((
                    AreaRef {
                        id: r.get(0)?,
                        key: r.get::<_, String>(1)?.into(),
                        name: r.get::<_, String>(2)?.into(),
                        parent_area_id: r.get(3)?,
                    },
                    r.get::<_, Vec<u8>>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(a, wkb)| Ok((a, crate::geometry::from_wkb(&wkb)?)))
            .collect()
    }

    /// All indicators with metadata, by topic and key.
    pub fn indicators(&self) -> Result<Vec<IndicatorMeta>> {
        Ok(self.cached_indicators()?.as_ref().clone())
    }

    /// The indicators' metadata, read once and kept until the next write ([`cache`]).
    fn cached_indicators(&self) -> Result<std::sync::Arc<Vec<IndicatorMeta>>> {
        self.check_cache()?;
        if let Some(all) = &self.cache.borrow().indicators {
            return Ok(all.clone());
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, key, name, topic, unit, decimals, kind, numerator, denominator, aggregation, polarity, description, source,
                    suppression_threshold, sum_of, formula
             FROM indicator ORDER BY topic, id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(IndicatorMeta {
                    id: r.get(0)?,
                    key: r.get(1)?,
                    name: r.get(2)?,
                    topic: r.get(3)?,
                    unit: r.get(4)?,
                    decimals: r.get(5)?,
                    kind: IndicatorKind::parse(&r.get::<_, String>(6)?).unwrap_or(IndicatorKind::Unspecified),
                    numerator: r.get(7)?,
                    denominator: r.get(8)?,
                    aggregation: AggregationRule::parse(&r.get::<_, String>(9)?)
                        .unwrap_or(AggregationRule::Unspecified),
                    polarity: Polarity::parse(&r.get::<_, String>(10)?).unwrap_or(Polarity::Neutral),
                    description: r.get(11)?,
                    source: r.get(12)?,
                    suppression_threshold: r.get(13)?,
                    sum_of: r
                        .get::<_, Option<String>>(14)?
                        .map(|s| key_list(&s))
                        .unwrap_or_default(),
                    formula: r.get(15)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let rows = std::sync::Arc::new(rows);
        self.cache.borrow_mut().indicators = Some(rows.clone());
        Ok(rows)
    }

    /// One indicator by key, or a German error.
    ///
    /// The indicator is found by its key or its display name, case-insensitively, so nobody
    /// has to type "Anteil der Leistungsempfänger/-innen nach SGB II in % (Dez 2013)" exactly;
    /// an unknown one is answered with the three closest keys ("Meinten Sie …?").
    pub fn indicator(&self, key_or_name: &str) -> Result<IndicatorMeta> {
        let all = self.cached_indicators()?;
        let wanted = key_or_name.trim();
        if let Some(exact) = all.iter().find(|i| i.key == wanted) {
            return Ok(exact.clone());
        }
        let lower = wanted.to_lowercase();
        for same in [
            |i: &IndicatorMeta, l: &str| i.key.to_lowercase() == l,
            |i: &IndicatorMeta, l: &str| i.name.to_lowercase() == l,
        ] {
            let found: Vec<&IndicatorMeta> = all.iter().filter(|i| same(i, &lower)).collect();
            match found[..] {
                [one] => return Ok(one.clone()),
                [] => {}
                ref several => {
                    return Err(Error::Invalid(format!(
                        "„{wanted}“ passt zu {} Indikatoren ({}); bitte den Schlüssel angeben",
                        several.len(),
                        list_names(several.iter().map(|i| i.key.clone()))
                    )))
                }
            }
        }
        Err(Error::NotFound {
            kind: "Indikator",
            name: wanted.to_string(),
            available: format!(
                "Vorhanden sind {} Indikatoren.{}",
                all.len(),
                did_you_mean(wanted, &all)
            ),
        })
    }

    /// Changes an indicator's metadata in one transaction.
    pub fn update_indicator(&mut self, key: &str, update: &IndicatorUpdate) -> Result<IndicatorMeta> {
        let current = self.indicator(key)?;
        if let Some(parts) = update.sum_of.as_ref().filter(|p| !p.is_empty()) {
            self.check_declared_sum(&current, update.kind.unwrap_or(current.kind), parts)?;
        }
        let tx = self.write()?;
        apply_indicator_update(&tx, current.id, update)?;
        log(&tx, "indicator_metadata", &format!("Metadaten von „{key}“ geändert"))?;
        tx.commit()?;
        self.indicator(key)
    }

    /// Checks that `parts` can be declared as the parts of `total` (of kind `kind` after the
    /// update): the total and every part are counts, every part exists, and none is the total.
    fn check_declared_sum(&self, total: &IndicatorMeta, kind: IndicatorKind, parts: &[String]) -> Result<()> {
        if kind != IndicatorKind::Count {
            return Err(Error::Invalid(format!(
                "„{}“ ist keine Anzahl; nur eine Anzahl kann die Summe anderer Anzahlen sein",
                total.key
            )));
        }
        for part in parts {
            if part == &total.key {
                return Err(Error::Invalid(format!(
                    "„{part}“ ist nicht Teil seiner selbst (Summe aus: {})",
                    parts.join(", ")
                )));
            }
            let meta = self.indicator(part)?;
            if meta.kind != IndicatorKind::Count {
                return Err(Error::Invalid(format!(
                    "„{part}“ ist keine Anzahl; eine Summe verbindet nur Anzahlen"
                )));
            }
        }
        Ok(())
    }

    /// All periods, by date then label.
    pub fn periods(&self) -> Result<Vec<Period>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, label, date FROM period ORDER BY date IS NULL, date, label")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Period {
                    id: r.get(0)?,
                    label: r.get(1)?,
                    date: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// One period by label, or a German error.
    pub fn period(&self, label: &str) -> Result<Period> {
        let all = self.periods()?;
        all.iter()
            .find(|p| p.label == label.trim())
            .cloned()
            .ok_or_else(|| Error::NotFound {
                kind: "Zeitraum",
                name: label.to_string(),
                available: existing_names(all.into_iter().map(|p| p.label)),
            })
    }

    /// POI categories with their counts.
    pub fn poi_categories(&self) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.name, COUNT(p.id) FROM poi_category c LEFT JOIN poi p ON p.category_id = c.id GROUP BY c.id ORDER BY c.name",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The POIs of a category.
    pub fn pois(&self, category: &str) -> Result<Vec<Poi>> {
        let mut stmt = self.conn.prepare(
            "SELECT p.name, p.address, p.lon, p.lat, p.capacity, p.attributes FROM poi p
             JOIN poi_category c ON c.id = p.category_id WHERE c.name = ?1 ORDER BY p.id",
        )?;
        let rows = stmt
            .query_map([category], |r| {
                Ok(Poi {
                    name: r.get(0)?,
                    address: r.get(1)?,
                    lon: r.get(2)?,
                    lat: r.get(3)?,
                    capacity: r.get(4)?,
                    attributes: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or(serde_json::Value::Null),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if rows.is_empty() && !self.poi_categories()?.iter().any(|(c, _)| c == category) {
            return Err(Error::NotFound {
                kind: "POI-Kategorie",
                name: category.to_string(),
                available: existing_names(self.poi_categories()?.into_iter().map(|c| c.0)),
            });
        }
        Ok(rows)
    }

    /// Values of one indicator at one level and period: area id → value and status.
    ///
    /// Read once and then answered from memory until the next write ([`cache`]); the series is
    /// shared, not copied.
    pub fn values(&self, indicator_id: i64, level_id: i64, period_id: i64) -> Result<std::sync::Arc<Series>> {
        self.check_cache()?;
        let key = (indicator_id, level_id, period_id);
        if let Some(series) = self.cache.borrow().series.get(&key) {
            return Ok(series.clone());
        }
        let mut series = read_series(&self.conn, indicator_id, period_id, level_id)?
            .into_iter()
            .collect::<Series>();
        let merged = self.merged_areas(level_id)?;
        if !merged.is_empty() {
            cache::mask_merged_series(&mut series, &self.level_areas(level_id)?, &merged);
        }
        let series = std::sync::Arc::new(series);
        self.cache.borrow_mut().series.insert(key, series.clone());
        Ok(series)
    }

    /// Sets or removes (`None`) one stored value, in one transaction with a line in the audit
    /// log, and returns the value it replaced, so that an editor can undo the change.
    pub fn set_value(
        &mut self,
        indicator: &str,
        level: &str,
        period: &str,
        area_key: &str,
        value: Option<crate::StoredValue>,
    ) -> Result<Option<crate::StoredValue>> {
        let meta = self.indicator(indicator)?;
        let level = self.level(level)?;
        let period = self.period(period)?;
        let areas = self.areas(level.id)?;
        let area = areas
            .iter()
            .find(|a| &*a.key == area_key)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                kind: "Gebiet",
                name: format!("{area_key} (Ebene {})", level.name),
                available: format!(
                    "Vorhanden: {} Gebiete, z. B. {}",
                    areas.len(),
                    areas
                        .iter()
                        .take(5)
                        .map(|a| a.key.as_ref())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        if let Some(v) = &value {
            if v.status == crate::model::ValueStatus::Ok
                && meta.kind != IndicatorKind::Categorical
                && v.value.is_none_or(|x| !x.is_finite())
            {
                return Err(Error::Invalid(format!(
                    "„{}“, {} {}: ein Wert mit Status „ok“ braucht eine Zahl",
                    meta.key, area.key, period.label
                )));
            }
        }
        let tx = self.write()?;
        let mut series = read_series(&tx, meta.id, period.id, level.id)?;
        let before = match &value {
            Some(v) => series.insert(area.id, v.clone()),
            None => series.remove(&area.id),
        };
        write_series(&tx, meta.id, period.id, level.id, &series)?;
        let shown = |v: &Option<crate::StoredValue>| match v {
            Some(v) => match (v.status, v.value, &v.text) {
                (crate::model::ValueStatus::Ok, Some(x), _) => x.to_string(),
                (crate::model::ValueStatus::Ok, None, Some(t)) => t.clone(),
                (status, _, _) => status.display_de().to_string(),
            },
            None => "leer".to_string(),
        };
        log(
            &tx,
            "set_value",
            &format!(
                "{} · {} {} · {}: {} → {}",
                meta.key,
                level.name,
                area.key,
                period.label,
                shown(&before),
                shown(&value)
            ),
        )?;
        tx.commit()?;
        Ok(before)
    }

    /// Writes several values of one series (by area id) over what is stored, in one
    /// transaction with one line in the audit log.
    pub(crate) fn merge_values(
        &mut self,
        indicator_id: i64,
        level_id: i64,
        period_id: i64,
        values: BTreeMap<i64, crate::StoredValue>,
        what: &str,
    ) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let tx = self.write()?;
        let mut series = read_series(&tx, indicator_id, period_id, level_id)?;
        let n = values.len();
        series.extend(values);
        write_series(&tx, indicator_id, period_id, level_id, &series)?;
        log(&tx, "merge_values", &format!("{what}: {n} Werte"))?;
        tx.commit()?;
        Ok(())
    }

    /// Sets the status of stored values (e.g. marks areas excluded by a method), in one transaction.
    /// Returns how many values changed.
    pub fn set_value_status(
        &mut self,
        indicator_id: i64,
        period_id: i64,
        area_ids: &[i64],
        status: crate::model::ValueStatus,
        note: &str,
    ) -> Result<usize> {
        let tx = self.write()?;
        let mut changed = 0;
        let levels: Vec<i64> = {
            let mut stmt =
                tx.prepare("SELECT level_id FROM value_series WHERE indicator_id = ?1 AND period_id = ?2")?;
            let ids = stmt
                .query_map(params![indicator_id, period_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            ids
        };
        for level in levels {
            let mut series = read_series(&tx, indicator_id, period_id, level)?;
            for area in area_ids {
                if let Some(v) = series.get_mut(area) {
                    v.status = status;
                    v.note = Some(note.to_string());
                    if status != crate::model::ValueStatus::Ok {
                        v.value = None;
                    }
                    changed += 1;
                }
            }
            write_series(&tx, indicator_id, period_id, level, &series)?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Creates a level of merged areas (a regionalisation) in one transaction: `regions` are
    /// (name, member area ids of a finer level), each stored as the union of its members with
    /// their common parent; `counts` are (indicator id, value per region) written for
    /// `period_id`. Refuses an existing name.
    pub fn create_regions_level(
        &mut self,
        name: &str,
        parent_level_id: Option<i64>,
        regions: &[(String, Vec<i64>)],
        period_id: i64,
        counts: &[(i64, Vec<Option<f64>>)],
    ) -> Result<Level> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Invalid("Der Name der Ebene darf nicht leer sein".into()));
        }
        if self.levels()?.iter().any(|l| l.name == name) {
            return Err(Error::Invalid(format!("Die Ebene „{name}“ gibt es schon")));
        }
        let tx = self.write()?;
        let level_id = insert_level(&tx, name, parent_level_id)?;
        let mut ids = Vec::with_capacity(regions.len());
        for (region, members) in regions {
            ids.push(insert_combined_area(&tx, level_id, region, members)?.0);
        }
        for (indicator_id, values) in counts {
            let series: BTreeMap<i64, crate::StoredValue> = ids
                .iter()
                .zip(values)
                .filter_map(|(id, v)| {
                    v.map(|v| {
                        (
                            *id,
                            crate::StoredValue {
                                value: Some(v),
                                text: None,
                                status: crate::model::ValueStatus::Ok,
                                note: None,
                                flag: None,
                            },
                        )
                    })
                })
                .collect();
            write_series(&tx, *indicator_id, period_id, level_id, &series)?;
        }
        log(
            &tx,
            "regionalise",
            &format!(
                "Ebene „{name}“ aus {} zusammengelegten Gebieten angelegt",
                regions.len()
            ),
        )?;
        tx.commit()?;
        self.level(name)
    }

    /// Creates an empty level without geometry, for tables whose areas have no boundaries
    /// (values imported with `--create-missing` fill it). Refuses an existing name.
    pub fn create_level(&mut self, name: &str, parent: Option<&str>) -> Result<Level> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Invalid("Der Name der Ebene darf nicht leer sein".into()));
        }
        if self.levels()?.iter().any(|l| l.name == name) {
            return Err(Error::Invalid(format!("Die Ebene „{name}“ gibt es schon")));
        }
        let parent_id = parent.map(|p| self.level(p)).transpose()?.map(|l| l.id);
        let tx = self.write()?;
        insert_level(&tx, name, parent_id)?;
        log(&tx, "create_level", &format!("Ebene „{name}“ angelegt"))?;
        tx.commit()?;
        self.level(name)
    }

    /// Stores derived indicators at one level and period, each with its `derived_run` record,
    /// in one transaction, and returns their keys. The series of these indicators at this
    /// level and period are replaced whole; other levels and periods stay.
    pub fn save_derived(
        &mut self,
        level_id: i64,
        period_id: i64,
        run: &DerivedRun,
        outputs: &[DerivedSeries],
    ) -> Result<Vec<String>> {
        let tx = self.write()?;
        let parameters = serde_json::to_string(&run.parameters).unwrap_or_else(|_| "{}".into());
        let inputs = serde_json::to_string(&run.inputs).unwrap_or_else(|_| "[]".into());
        for out in outputs {
            let kind = out.meta.kind.unwrap_or(IndicatorKind::Unspecified);
            let (id, _) = ensure_indicator(&tx, &out.key, kind)?;
            apply_indicator_update(&tx, id, &out.meta)?;
            write_series(&tx, id, period_id, level_id, &out.values)?;
            tx.execute(
                "INSERT INTO derived_run(indicator_id, method, parameters, inputs) VALUES (?1, ?2, ?3, ?4)",
                params![id, run.method, parameters, inputs],
            )?;
        }
        log(
            &tx,
            &run.method,
            &format!(
                "abgeleitete Indikatoren {} aus {}",
                list_names(outputs.iter().map(|o| o.key.clone())),
                list_names(run.inputs.iter().cloned())
            ),
        )?;
        tx.commit()?;
        Ok(outputs.iter().map(|o| o.key.clone()).collect())
    }

    /// Stores a computed indicator in one transaction: its metadata (with the formula), its
    /// series at each (level, period) in `cells`, replaced whole, and one `derived_run`
    /// record. Other levels and periods of the indicator are removed: the formula defines it,
    /// and what it no longer yields would otherwise stay behind as stale numbers.
    pub fn save_computed(
        &mut self,
        key: &str,
        meta: &IndicatorUpdate,
        run: &DerivedRun,
        cells: &[(i64, i64, BTreeMap<i64, crate::StoredValue>)],
    ) -> Result<()> {
        let tx = self.write()?;
        let kind = meta.kind.unwrap_or(IndicatorKind::Unspecified);
        let (id, _) = ensure_indicator(&tx, key, kind)?;
        apply_indicator_update(&tx, id, meta)?;
        tx.execute("DELETE FROM value_series WHERE indicator_id = ?1", [id])?;
        for (level_id, period_id, values) in cells {
            write_series(&tx, id, *period_id, *level_id, values)?;
        }
        tx.execute(
            "INSERT INTO derived_run(indicator_id, method, parameters, inputs) VALUES (?1, ?2, ?3, ?4)",
            params![
                id,
                run.method,
                serde_json::to_string(&run.parameters).unwrap_or_else(|_| "{}".into()),
                serde_json::to_string(&run.inputs).unwrap_or_else(|_| "[]".into())
            ],
        )?;
        log(
            &tx,
            &run.method,
            &format!(
                "berechneter Indikator „{key}“ = {} aus {}",
                meta.formula.as_deref().unwrap_or_default(),
                list_names(run.inputs.iter().cloned())
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether an indicator has no stored values at all.
    pub fn indicator_is_empty(&self, indicator_id: i64) -> Result<bool> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM value_series WHERE indicator_id = ?1",
            [indicator_id],
            |r| r.get(0),
        )?;
        Ok(n == 0)
    }

    /// The newest `derived_run` record of an indicator: (method, parameters, inputs, time).
    pub fn derived_run(&self, indicator_key: &str) -> Result<Option<(DerivedRun, String)>> {
        let row = self
            .conn
            .query_row(
                "SELECT r.method, r.parameters, r.inputs, r.created FROM derived_run r
                 JOIN indicator i ON i.id = r.indicator_id WHERE i.key = ?1 ORDER BY r.id DESC LIMIT 1",
                [indicator_key],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.map(|(method, parameters, inputs, created)| {
            (
                DerivedRun {
                    method,
                    parameters: serde_json::from_str(&parameters).unwrap_or_default(),
                    inputs: serde_json::from_str(&inputs).unwrap_or_default(),
                },
                created,
            )
        }))
    }

    /// All address points.
    pub fn address_points(&self) -> Result<Vec<AddressPoint>> {
        let mut stmt = self
            .conn
            .prepare("SELECT lon, lat, residents, groups FROM address_point ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AddressPoint {
                    lon: r.get(0)?,
                    lat: r.get(1)?,
                    residents: r.get(2)?,
                    groups: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The street network's lines in WGS84 (empty without `import network`).
    pub fn network_lines(&self) -> Result<Vec<geo::LineString<f64>>> {
        let mut stmt = self.conn.prepare("SELECT geometry FROM network_line ORDER BY id")?;
        let blobs = stmt
            .query_map([], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        blobs.iter().map(|b| crate::geometry::line_from_wkb(b)).collect()
    }

    /// The official reference value of an indicator on a level at a period (the published
    /// total of the municipality), with where it came from.
    pub fn official_reference(
        &self,
        indicator_id: i64,
        level_id: i64,
        period_id: i64,
    ) -> Result<Option<(crate::StoredValue, String)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT value, status, flag, source FROM official_reference
                 WHERE indicator_id = ?1 AND level_id = ?2 AND period_id = ?3",
            )?
            .query_row(params![indicator_id, level_id, period_id], |r| {
                Ok((
                    crate::StoredValue {
                        value: r.get(0)?,
                        text: None,
                        status: crate::model::ValueStatus::from_code(r.get(1)?),
                        note: None,
                        flag: r
                            .get::<_, Option<String>>(2)?
                            .and_then(|f| f.chars().next())
                            .and_then(crate::model::ValueFlag::from_code),
                    },
                    r.get::<_, String>(3)?,
                ))
            })
            .optional()?)
    }

    /// The audit log, newest first: (time, action, detail).
    pub fn audit_log(&self) -> Result<Vec<(String, String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT time, action, detail FROM audit_log ORDER BY id DESC")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// Stores an official reference value inside the caller's transaction (replacing one there).
pub(crate) fn write_official_reference(
    tx: &Connection,
    indicator_id: i64,
    level_id: i64,
    period_id: i64,
    value: &crate::StoredValue,
    source: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO official_reference(indicator_id, level_id, period_id, value, status, flag, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(indicator_id, level_id, period_id) DO UPDATE SET value = excluded.value,
         status = excluded.status, flag = excluded.flag, source = excluded.source",
    )?
    .execute(params![
        indicator_id,
        level_id,
        period_id,
        value.value,
        value.status.code(),
        value.flag.map(|f| f.code().to_string()),
        source
    ])?;
    Ok(())
}

/// Writes one line to the audit log inside the caller's transaction.
/// Creates the combined area of `members` (area ids of one level) named `name`, or finds it
/// when it exists: key the members' keys joined by "+" in key order, parent their common
/// parent, geometry the union of theirs when every member has one. Returns its id, the
/// members' keys, and whether it was created.
pub(crate) fn insert_combined_area(
    tx: &Connection,
    level_id: i64,
    name: &str,
    members: &[i64],
) -> Result<(i64, Vec<String>, bool)> {
    let mut read = tx.prepare_cached("SELECT key, parent_area_id, geometry FROM area WHERE id = ?1")?;
    let mut parts = Vec::with_capacity(members.len());
    for &id in members {
        let (key, parent, wkb) = read.query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
            ))
        })?;
        parts.push((key, parent, wkb));
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    let keys: Vec<String> = parts.iter().map(|p| p.0.clone()).collect();
    let key = keys.join("+");
    if let Some(id) = tx
        .query_row(
            "SELECT id FROM area WHERE level_id = ?1 AND key = ?2",
            params![level_id, key],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
    {
        return Ok((id, keys, false));
    }
    let parent = parts[0].1.filter(|p| parts.iter().all(|q| q.1 == Some(*p)));
    let geometries: Option<Vec<geo::MultiPolygon<f64>>> = parts
        .iter()
        .map(|p| p.2.as_deref().map(crate::geometry::from_wkb).transpose())
        .collect::<Result<Option<Vec<_>>>>()?;
    let (wkb, area_m2, b) = match geometries {
        Some(g) => {
            let union = crate::geometry::oriented(&geo::unary_union(g.iter()));
            (
                Some(crate::geometry::to_wkb(&union)?),
                Some(crate::geometry::area_m2(&union)),
                crate::geometry::bbox(&union).map(|b| b.map(Some)).unwrap_or([None; 4]),
            )
        }
        None => (None, None, [None; 4]),
    };
    tx.execute(
        "INSERT INTO area(level_id, key, name, parent_area_id, geometry, area_m2, min_lon, min_lat, max_lon, max_lat)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![level_id, key, name, parent, wkb, area_m2, b[0], b[1], b[2], b[3]],
    )?;
    let id = tx.last_insert_rowid();
    let mut member = tx.prepare_cached("INSERT INTO area_member(combined_area_id, member_area_id) VALUES (?1, ?2)")?;
    for &m in members {
        member.execute([id, m])?;
    }
    Ok((id, keys, true))
}

/// The combined areas of a level and their members, as positions.
fn read_merged_areas(conn: &Connection, level_id: i64, position: &cache::Positions) -> Result<Vec<MergedArea>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.combined_area_id, m.member_area_id FROM area_member m JOIN area a ON a.id = m.combined_area_id
         WHERE a.level_id = ?1 ORDER BY m.combined_area_id",
    )?;
    let mut merged: Vec<MergedArea> = Vec::new();
    let rows = stmt.query_map([level_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (combined, member) = row?;
        let (Some(combined), Some(member)) = (position.get(combined), position.get(member)) else {
            continue;
        };
        match merged.last_mut() {
            Some(m) if m.combined == combined => m.members.push(member),
            _ => merged.push(MergedArea {
                combined,
                members: vec![member],
            }),
        }
    }
    Ok(merged)
}

pub(crate) fn log(tx: &Connection, action: &str, detail: &str) -> Result<()> {
    log_by(tx, action, detail, "")
}

/// A line in the audit log naming who acted (releases).
pub(crate) fn log_by(tx: &Connection, action: &str, detail: &str, who: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log(action, detail, who) VALUES (?1, ?2, ?3)",
        params![action, detail, who],
    )?;
    Ok(())
}

/// Inserts a new level after the existing ones; returns its id.
pub(crate) fn insert_level(tx: &Connection, name: &str, parent_level_id: Option<i64>) -> Result<i64> {
    let order: i64 = tx.query_row("SELECT COALESCE(MAX(sort_order), -1) + 1 FROM spatial_level", [], |r| {
        r.get(0)
    })?;
    tx.execute(
        "INSERT INTO spatial_level(name, parent_level_id, sort_order) VALUES (?1, ?2, ?3)",
        params![name, parent_level_id, order],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Finds or creates a period by label.
pub(crate) fn ensure_period(tx: &Connection, label: &str) -> Result<i64> {
    let label = label.trim();
    if label.is_empty() {
        return Err(Error::Invalid(
            "Der Zeitraum darf nicht leer sein (z. B. --period 2019)".into(),
        ));
    }
    if let Some(id) = tx
        .query_row("SELECT id FROM period WHERE label = ?1", [label], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    tx.execute(
        "INSERT INTO period(label, date) VALUES (?1, ?2)",
        params![label, crate::model::period_date(label)],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Finds or creates an indicator by key; returns (id, created).
pub(crate) fn ensure_indicator(tx: &Connection, key: &str, kind: IndicatorKind) -> Result<(i64, bool)> {
    if let Some(id) = tx
        .query_row("SELECT id FROM indicator WHERE key = ?1", [key], |r| r.get(0))
        .optional()?
    {
        return Ok((id, false));
    }
    tx.execute(
        "INSERT INTO indicator(key, name, kind, decimals) VALUES (?1, ?1, ?2, ?3)",
        params![
            key,
            kind.as_str(),
            if kind == IndicatorKind::Categorical { 0 } else { 1 }
        ],
    )?;
    Ok((tx.last_insert_rowid(), true))
}

/// The keys of a comma-separated list ("ew_0_6, ew_6_15"), trimmed, without empty ones.
pub fn key_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

pub(crate) fn apply_indicator_update(tx: &Connection, id: i64, u: &IndicatorUpdate) -> Result<()> {
    let opt = |s: &Option<String>| {
        s.as_ref().map(|v| {
            if v.trim().is_empty() {
                None
            } else {
                Some(v.trim().to_string())
            }
        })
    };
    let sets: Vec<(&str, rusqlite::types::Value)> = [
        ("name", u.name.clone().map(Into::into)),
        ("topic", u.topic.clone().map(Into::into)),
        ("unit", u.unit.clone().map(Into::into)),
        ("decimals", u.decimals.map(Into::into)),
        ("kind", u.kind.map(|k| k.as_str().to_string().into())),
        (
            "numerator",
            opt(&u.numerator).map(|v| v.map_or(rusqlite::types::Value::Null, Into::into)),
        ),
        (
            "denominator",
            opt(&u.denominator).map(|v| v.map_or(rusqlite::types::Value::Null, Into::into)),
        ),
        ("aggregation", u.aggregation.as_ref().map(|a| a.to_stored().into())),
        ("polarity", u.polarity.map(|p| p.as_str().to_string().into())),
        ("description", u.description.clone().map(Into::into)),
        ("source", u.source.clone().map(Into::into)),
        (
            "suppression_threshold",
            u.suppression_threshold
                .map(|t| t.map_or(rusqlite::types::Value::Null, Into::into)),
        ),
        (
            "formula",
            opt(&u.formula).map(|v| v.map_or(rusqlite::types::Value::Null, Into::into)),
        ),
        (
            "sum_of",
            u.sum_of.as_ref().map(|parts| {
                if parts.is_empty() {
                    rusqlite::types::Value::Null
                } else {
                    parts.join(",").into()
                }
            }),
        ),
    ]
    .into_iter()
    .filter_map(|(c, v)| v.map(|v| (c, v)))
    .collect();
    for (column, value) in sets {
        tx.execute(
            &format!("UPDATE indicator SET {column} = ?1 WHERE id = ?2"),
            params![value, id],
        )?;
    }
    Ok(())
}

/// Reads one series (empty when there is none).
pub(crate) fn read_series(
    conn: &Connection,
    indicator_id: i64,
    period_id: i64,
    level_id: i64,
) -> Result<BTreeMap<i64, crate::StoredValue>> {
    match series_bytes(conn, indicator_id, period_id, level_id)? {
        Some(bytes) => series::decode(&bytes),
        None => Ok(BTreeMap::new()),
    }
}

/// The stored blob of one series, `None` when it has no values.
fn series_bytes(conn: &Connection, indicator_id: i64, period_id: i64, level_id: i64) -> Result<Option<Vec<u8>>> {
    let mut stmt = conn
        .prepare_cached("SELECT data FROM value_series WHERE indicator_id = ?1 AND period_id = ?2 AND level_id = ?3")?;
    Ok(stmt
        .query_row(params![indicator_id, period_id, level_id], |r| r.get::<_, Vec<u8>>(0))
        .optional()?)
}

/// Writes one series with its counts (an empty series is removed).
pub(crate) fn write_series(
    tx: &Connection,
    indicator_id: i64,
    period_id: i64,
    level_id: i64,
    values: &BTreeMap<i64, crate::StoredValue>,
) -> Result<()> {
    if values.is_empty() {
        tx.execute(
            "DELETE FROM value_series WHERE indicator_id = ?1 AND period_id = ?2 AND level_id = ?3",
            params![indicator_id, period_id, level_id],
        )?;
        return Ok(());
    }
    let (ok, total) = series::counts(values);
    tx.prepare_cached(
        "INSERT INTO value_series(indicator_id, period_id, level_id, values_ok, values_total, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(indicator_id, period_id, level_id) DO UPDATE SET values_ok = excluded.values_ok,
         values_total = excluded.values_total, data = excluded.data",
    )?
    .execute(params![indicator_id, period_id, level_id, ok, total, series::encode(values)])?;
    Ok(())
}

/// An AGS has eight digits.
pub(crate) fn check_ags(ags: &str) -> Result<()> {
    if ags.len() != 8 || !ags.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::Invalid(format!(
            "Gemeindeschlüssel „{ags}“ ungültig: der AGS hat 8 Ziffern, z. B. 11000000 für Berlin"
        )));
    }
    Ok(())
}

/// How long a write waits for another writer before it gives up.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A write in progress (see [`Atlas::write`]): the outermost one is an immediate
/// transaction, a write inside a dry run a savepoint. Dropped without [`Write::commit`], it
/// rolls back.
pub(crate) enum Write<'a> {
    Outer(rusqlite::Transaction<'a>),
    Nested(rusqlite::Savepoint<'a>),
}

impl std::ops::Deref for Write<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Write::Outer(t) => t,
            Write::Nested(s) => s,
        }
    }
}

impl Write<'_> {
    /// Makes the write permanent (or, inside a dry run, part of what is rolled back).
    pub(crate) fn commit(self) -> Result<()> {
        match self {
            Write::Outer(t) => t.commit()?,
            Write::Nested(s) => s.commit()?,
        }
        Ok(())
    }
}

/// Where [`Atlas::open`] keeps the copy of an atlas before migrating it from schema
/// `version`: beside it, `NAME.schema3-sicherung.quartier`.
pub fn migration_backup_path(path: &Path, version: i64) -> PathBuf {
    let stem = path.file_stem().map_or_else(|| "atlas".into(), |s| s.to_string_lossy());
    path.with_file_name(format!("{stem}.schema{version}-sicherung.quartier"))
}

/// Migrates an opened atlas to the newest schema: under the write lock (a second process
/// opening the same old file waits and then finds it migrated), after a consistent copy of
/// the old file is written beside it (`VACUUM INTO`, which includes what is still in the
/// write-ahead log). A file whose version does not match its tables is damaged; it stays as
/// it was.
fn migrate_file(conn: &mut Connection, path: &Path) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version >= LATEST_VERSION {
        return Ok(());
    }
    let backup = migration_backup_path(path, version);
    let made_backup = !backup.exists();
    if made_backup {
        // VACUUM cannot run inside a transaction: copy through a second connection, which
        // sees the committed state that this transaction (which has written nothing) sees.
        let copy = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        copy.execute("VACUUM INTO ?1", [backup.to_string_lossy()])
            .map_err(|e| Error::io(&backup, std::io::Error::other(sqlite_reason(&e))))?;
    }
    // The tables every version has, then the migration and its line in the audit log: any of
    // them failing means the file's content does not match its version.
    let migrated = tx
        .query_row("SELECT count(*) FROM atlas_meta", [], |r| r.get::<_, i64>(0))
        .map_err(Error::from)
        .and_then(|_| migrate(&tx, version, LATEST_VERSION))
        .and_then(|()| {
            tx.pragma_update(None, "user_version", LATEST_VERSION)?;
            tx.execute(
                "INSERT INTO audit_log(action, detail) VALUES ('migration', ?1)",
                [format!(
                    "Schemaversion {version} → {LATEST_VERSION}; Sicherung: {}",
                    backup.display()
                )],
            )?;
            Ok(())
        });
    migrated.map_err(|e| {
        // Nothing was migrated: a copy of the unchanged file would only confuse.
        if made_backup {
            let _ = std::fs::remove_file(&backup);
        }
        Error::Damaged(format!(
            "die Datei nennt Schemaversion {version}, ihr Inhalt passt aber nicht dazu ({}); die Datei wurde nicht verändert",
            match &e {
                Error::Sqlite(s) => sqlite_reason(s),
                other => other.to_string(),
            }
        ))
    })?;
    tx.commit()?;
    Ok(())
}

/// Whether the file, or the folder it is in, is write-protected (by its permission bits:
/// root may write anyway, but a planner's write protection is meant to hold).
fn is_write_protected(path: &Path, metadata: &std::fs::Metadata) -> bool {
    if metadata.permissions().readonly() {
        return true;
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::metadata(folder).is_ok_and(|m| m.permissions().readonly())
}

/// A path for an SQLite `file:` URI (`?` and `#` escaped).
fn uri_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    absolute
        .to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23")
}

/// What SQLite said, in German where we know the code, for messages about damaged files.
pub(crate) fn sqlite_reason(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    let detail = match e {
        rusqlite::Error::SqliteFailure(_, Some(detail)) => Some(detail.as_str()),
        rusqlite::Error::SqlInputError { msg, .. } => Some(msg.as_str()),
        _ => None,
    };
    if let Some(detail) = detail {
        if let Some(table) = detail.strip_prefix("no such table: ") {
            return format!("Tabelle fehlt: {table}");
        }
        if let Some(column) = detail.strip_prefix("no such column: ") {
            return format!("Spalte fehlt: {column}");
        }
        if let Some(what) = detail.strip_suffix(" already exists") {
            return format!(
                "{} schon vorhanden",
                what.replace("table ", "Tabelle ").replace("index ", "Index ")
            );
        }
        if detail.starts_with("duplicate column") {
            return "Spalte schon vorhanden".into();
        }
    }
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt) => "Datenbankseiten beschädigt".into(),
        Some(ErrorCode::NotADatabase) => "keine SQLite-Datenbank".into(),
        _ => "unbekannter Datenbankfehler".into(),
    }
}

/// Runs the migrations from schema version `from` to `to` inside the caller's transaction.
fn migrate(tx: &Connection, from: i64, to: i64) -> Result<()> {
    for version in from..to {
        tx.execute_batch(MIGRATIONS[version as usize])?;
        if version + 1 == 2 {
            convert_value_rows(tx)?;
        }
        if version + 1 == 11 {
            redate_periods(tx)?;
        }
    }
    Ok(())
}

/// Schema 10 → 11: periods within the year ("2020 Q2", "06/2021") were dated at 31 December;
/// they get the end of their quarter, half year or month.
fn redate_periods(tx: &Connection) -> Result<()> {
    let labels: Vec<(i64, String)> = tx
        .prepare("SELECT id, label FROM period")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, label) in labels {
        if let Some(date) = crate::model::period_date(&label) {
            tx.execute("UPDATE period SET date = ?1 WHERE id = ?2", params![date, id])?;
        }
    }
    Ok(())
}

/// Schema 1 → 2: the per-value rows become one series per indicator, period and level.
fn convert_value_rows(tx: &Connection) -> Result<()> {
    let rows = {
        let mut stmt = tx.prepare(
            "SELECT v.indicator_id, v.period_id, a.level_id, v.area_id, v.value, v.text_value, v.status, v.note
             FROM value v JOIN area a ON a.id = v.area_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    (r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?),
                    r.get::<_, i64>(3)?,
                    crate::StoredValue {
                        value: r.get(4)?,
                        text: r.get(5)?,
                        status: crate::model::ValueStatus::from_code(r.get(6)?),
                        note: r.get(7)?,
                        flag: None,
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    let mut grouped: BTreeMap<(i64, i64, i64), BTreeMap<i64, crate::StoredValue>> = BTreeMap::new();
    for (key, area, value) in rows {
        grouped.entry(key).or_default().insert(area, value);
    }
    for ((indicator, period, level), values) in &grouped {
        write_series(tx, *indicator, *period, *level, values)?;
    }
    tx.execute_batch("DROP TABLE value;")?;
    Ok(())
}
