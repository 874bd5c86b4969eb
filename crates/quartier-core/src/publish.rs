//! The public bundle: what the municipality released, written as files a web server (or any
//! static host) serves as they are. [`plan`] says what will leave the laptop before anything
//! is written (indicators × levels × periods with their suppressed cells, POI categories
//! and attributes, stories, and warnings); [`write_bundle`] writes it.
//!
//! The bundle (a folder):
//! - `manifest.json`: format, version (one more than the bundle it replaces), atlas, time,
//!   and every other file with its size and SHA-256;
//! - `atlas.json`: name, AGS, attribution, the public levels and the periods;
//! - `indicators.json`: the released indicators with their metadata and where they are
//!   released;
//! - `levels/<level>.geojson`: the areas of each public level (WGS 84), simplified for the
//!   web with shared borders kept shared (no gaps, no overlaps; [`crate::topology`]);
//! - `values/<indicator>/<level>/<period>.json`: per area key the value or `null` with its
//!   status, suppressed as every output is, and its map class; the classes (method, legend
//!   labels, colours) as every exported map has them by default, over the published numbers;
//! - `pois/<category>.geojson`: released categories, name and location and the released
//!   attributes only;
//! - `stories/<story>.json` and their maps as SVG: public stories whose indicators are all
//!   released on their levels.
//!
//! Nothing else enters: no unreleased indicator, no internal level, no unreleased POI
//! attribute, no address point, no bookmark outside a public story.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::Digest as _;

use crate::analysis::suppress::{HiddenCache, HiddenCells};
use crate::export::{value_table, TableCell};
use crate::figure::map::{ClassStyle, Colouring};
use crate::progress::{check_cancel, Progress};
use crate::{Atlas, Error, Result};

/// The bundle format's name and version, in `manifest.json`.
pub const FORMAT: &str = "quartier-bundle";
/// The version of the format.
pub const FORMAT_VERSION: u32 = 1;

/// A released indicator on one level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedSeries {
    /// Indicator key.
    pub indicator: String,
    /// Level name.
    pub level: String,
    /// Periods with values there.
    pub periods: Vec<String>,
    /// Cells hidden by the suppression, over all periods.
    pub suppressed_cells: usize,
}

/// A released POI category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedPois {
    /// The category.
    pub category: String,
    /// Its POIs.
    pub pois: usize,
    /// The attributes published besides name and location.
    pub attributes: Vec<String>,
}

/// What will leave the laptop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishPlan {
    /// The released series.
    pub series: Vec<PlannedSeries>,
    /// The public levels (with at least one released indicator).
    pub levels: Vec<String>,
    /// The released POI categories.
    pub poi_categories: Vec<PlannedPois>,
    /// The public stories that are published.
    pub stories: Vec<String>,
    /// What the planner should look at before publishing, in German.
    pub warnings: Vec<String>,
}

/// What [`write_bundle`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BundleSummary {
    /// The folder.
    pub dir: String,
    /// The bundle's version.
    pub version: u64,
    /// Files written (the manifest included).
    pub files: usize,
    /// Their size in bytes.
    pub bytes: u64,
    /// What it holds.
    pub plan: PublishPlan,
}

/// One file of the bundle in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ManifestFile {
    /// Its path in the bundle, with `/`.
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// SHA-256 of its content, hex.
    pub sha256: String,
}

/// Whether `path` stays inside a bundle: relative, forward slashes, plain names (what the
/// server accepts in a manifest, and what `publish --server` reads from the bundle folder).
pub fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 300
        && !path.starts_with('/')
        && path.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        })
}

/// The content of a bundle file as its manifest lists it, refused with the reason unless it
/// is a plain file inside the bundle folder `dir` (no path out of it, no symbolic link) whose
/// size and SHA-256 are those of the manifest: so that uploading a bundle changed or
/// tampered with after it was written sends nothing else.
pub fn read_listed_file(dir: &Path, file: &ManifestFile) -> Result<Vec<u8>> {
    if !safe_path(&file.path) {
        return Err(Error::Invalid(format!(
            "Bündel {}: der Pfad „{}“ im Manifest führt aus dem Bündel hinaus oder ist kein einfacher Dateiname",
            dir.display(),
            file.path
        )));
    }
    let path = dir.join(&file.path);
    let mut inside = dir.to_path_buf();
    for part in file.path.split('/') {
        inside.push(part);
        if std::fs::symlink_metadata(&inside).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::Invalid(format!(
                "Bündel {}: „{}“ ist ein symbolischer Verweis; ein Bündel enthält nur Dateien, die `publish --out` geschrieben hat",
                dir.display(),
                file.path
            )));
        }
    }
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    if bytes.len() as u64 != file.bytes || hex(&sha2::Sha256::digest(&bytes)) != file.sha256 {
        return Err(Error::Invalid(format!(
            "Bündel {}: „{}“ wurde nach dem Schreiben verändert (Größe oder Prüfsumme passen nicht zum Manifest); bitte neu veröffentlichen (publish --out)",
            dir.display(),
            file.path
        )));
    }
    Ok(bytes)
}

/// A file name for a name a user gave: lower case ASCII, umlauts written out, anything else
/// a hyphen ("Bezirksregion" → "bezirksregion", "Kita (öffentlich)" → "kita-oeffentlich").
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().chars() {
        let piece = match c {
            'ä' => "ae".to_string(),
            'ö' => "oe".to_string(),
            'ü' => "ue".to_string(),
            'ß' => "ss".to_string(),
            c if c.is_ascii_alphanumeric() || c == '_' => c.to_string(),
            _ => "-".to_string(),
        };
        out.push_str(&piece);
    }
    let collapsed = out.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    if collapsed.is_empty() {
        "x".into()
    } else {
        collapsed
    }
}

/// Slugs unique within one folder: a second "A B" and "A-B" become "a-b-2".
#[derive(Default)]
struct Slugs(BTreeMap<String, String>);

impl Slugs {
    fn of(&mut self, name: &str) -> String {
        if let Some(s) = self.0.get(name) {
            return s.clone();
        }
        let base = slug(name);
        let taken: BTreeSet<&String> = self.0.values().collect();
        let mut candidate = base.clone();
        let mut n = 2;
        while taken.contains(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        self.0.insert(name.to_string(), candidate.clone());
        candidate
    }
}

/// The periods with values of `indicator` on `level`.
fn periods_with_values(atlas: &Atlas, indicator: &str, level: &str) -> Result<Vec<String>> {
    let meta = atlas.indicator(indicator)?;
    let level = atlas.level(level)?;
    let mut out = Vec::new();
    for period in atlas.periods()? {
        if !atlas.values(meta.id, level.id, period.id)?.is_empty() {
            out.push(period.label);
        }
    }
    Ok(out)
}

/// What will leave the laptop, and what to look at first.
pub fn plan(atlas: &Atlas) -> Result<PublishPlan> {
    Ok(plan_and_hidden(atlas)?.0)
}

/// The cells the bundle hides, per level and period: computed with every indicator released
/// on the level.
type HiddenByLevelAndPeriod = BTreeMap<(String, String), HiddenCells>;

/// The hidden cells of `level` and `period` for the indicators released there (`keys`),
/// computed the first time they are asked for.
fn hidden_at<'a>(
    hidden: &'a mut HiddenByLevelAndPeriod,
    atlas: &Atlas,
    level: &str,
    period: &str,
    keys: &[String],
) -> Result<&'a HiddenCells> {
    Ok(match hidden.entry((level.to_string(), period.to_string())) {
        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::btree_map::Entry::Vacant(e) => e.insert(HiddenCells::compute(atlas, level, period, keys)?),
    })
}

/// [`plan`], with the hidden cells it computed for the counts (so that the bundle hides the
/// same cells without computing them again).
fn plan_and_hidden(atlas: &Atlas) -> Result<(PublishPlan, HiddenByLevelAndPeriod)> {
    let released = atlas.released_indicators()?;
    let mut by_level: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, level) in &released {
        by_level.entry(level.clone()).or_default().push(key.clone());
    }
    let mut series = Vec::new();
    let mut warnings = Vec::new();
    // Hidden as the bundle hides them: with every indicator released on the level.
    let mut hidden = HiddenByLevelAndPeriod::new();
    for (key, level) in &released {
        let periods = periods_with_values(atlas, key, level)?;
        let mut suppressed = 0;
        for period in &periods {
            let cells = hidden_at(&mut hidden, atlas, level, period, &by_level[level])?;
            suppressed += cells.only(std::slice::from_ref(key)).len();
        }
        if periods.is_empty() {
            warnings.push(format!(
                "„{key}“ ist auf Ebene „{level}“ freigegeben, hat dort aber keine Werte"
            ));
        }
        series.push(PlannedSeries {
            indicator: key.clone(),
            level: level.clone(),
            periods,
            suppressed_cells: suppressed,
        });
    }
    let mut described: BTreeSet<&String> = BTreeSet::new();
    for (key, _) in &released {
        if !described.insert(key) {
            continue;
        }
        let meta = atlas.indicator(key)?;
        if meta.description.trim().is_empty() {
            warnings.push(format!(
                "„{}“ ({key}) ist freigegeben, hat aber keine Beschreibung",
                meta.name
            ));
        }
        if meta.source.trim().is_empty() {
            warnings.push(format!(
                "„{}“ ({key}) ist freigegeben, hat aber keine Quelle",
                meta.name
            ));
        }
    }
    let mut poi_categories = Vec::new();
    let counts: BTreeMap<String, i64> = atlas.poi_categories()?.into_iter().collect();
    for c in atlas.released_poi_categories()? {
        poi_categories.push(PlannedPois {
            pois: counts.get(&c.category).copied().unwrap_or(0) as usize,
            category: c.category,
            attributes: c.attributes,
        });
    }
    let mut stories = Vec::new();
    for story in atlas.stories()? {
        if !story.public {
            continue;
        }
        let unreleased = atlas.unreleased_in_story(&story)?;
        if unreleased.is_empty() {
            stories.push(story.name);
        } else {
            warnings.push(format!(
                "Story „{}“ ist öffentlich, zeigt aber nicht freigegebene Indikatoren ({}); sie wird nicht veröffentlicht",
                story.name,
                unreleased.join(", ")
            ));
        }
    }
    let plan = PublishPlan {
        series,
        levels: by_level.keys().cloned().collect(),
        poi_categories,
        stories,
        warnings,
    };
    Ok((plan, hidden))
}

/// How far a border may move when the bundle's areas are simplified for the web: 1.5 m,
/// one screen pixel at zoom 16 in Germany, two at the web atlas's closest zoom (17).
pub const WEB_TOLERANCE_M: f64 = 1.5;

/// The areas of `level` as GeoJSON features (WGS 84): `schluessel`, `name` and
/// `uebergeordnet` (the parent area's key). With `for_web`, simplified to
/// [`WEB_TOLERANCE_M`] with shared borders kept shared ([`crate::topology`]); otherwise as
/// stored (a package between authorities keeps every point).
pub(crate) fn level_features(
    atlas: &Atlas,
    level: &crate::model::Level,
    for_web: bool,
) -> Result<Vec<serde_json::Value>> {
    let parent_areas: BTreeMap<i64, String> = match level.parent_level_id {
        Some(p) => atlas
            .level_areas(p)?
            .iter()
            .map(|a| (a.id, a.key.to_string()))
            .collect(),
        None => BTreeMap::new(),
    };
    let (areas, mut geometries): (Vec<_>, Vec<_>) = atlas.area_geometries(level.id)?.into_iter().unzip();
    if for_web {
        geometries = crate::topology::simplify_shared(&geometries, WEB_TOLERANCE_M).geometries;
    }
    Ok(areas
        .iter()
        .zip(&geometries)
        .map(|(area, geometry)| {
            serde_json::json!({
                "type": "Feature",
                "properties": {
                    "schluessel": area.key.as_ref(),
                    "name": area.name.as_ref(),
                    "uebergeordnet": area.parent_area_id.and_then(|p| parent_areas.get(&p)),
                },
                "geometry": serde_json::to_value(geojson::Geometry::from(geometry)).unwrap_or_default(),
            })
        })
        .collect())
}

/// The files of the bundle, built in memory: path → bytes.
struct Files(BTreeMap<String, Vec<u8>>);

impl Files {
    fn json(&mut self, path: String, value: &impl Serialize) -> Result<()> {
        let bytes = serde_json::to_vec(value).map_err(|e| Error::Internal(e.to_string()))?;
        self.0.insert(path, bytes);
        Ok(())
    }
}

/// The version of the bundle in `dir`, if there is one.
fn existing_version(dir: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    manifest.get("version")?.as_u64()
}

/// Writes the bundle of everything released into `dir` (replacing a bundle there as a
/// whole: the new one is written beside it and takes its place only when complete).
pub fn write_bundle(atlas: &Atlas, dir: &Path, progress: &dyn Progress) -> Result<BundleSummary> {
    if dir.exists()
        && !dir.join("manifest.json").exists()
        && std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
    {
        return Err(Error::Invalid(format!(
            "{}: der Ordner ist nicht leer und enthält kein Bündel; bitte einen leeren oder neuen Ordner wählen",
            dir.display()
        )));
    }
    progress.report(0.0, "Freigaben lesen");
    let (plan, mut hidden) = plan_and_hidden(atlas)?;
    if plan.series.is_empty() {
        return Err(Error::Invalid(
            "Nichts freigegeben: erst Indikatoren je Ebene freigeben (quartier release … --indicators … --levels …)"
                .into(),
        ));
    }
    let meta = atlas.meta()?;
    let mut files = Files(BTreeMap::new());
    let mut level_slugs = Slugs::default();
    let mut indicator_slugs = Slugs::default();
    let mut period_slugs = Slugs::default();

    // Levels: geometry and names.
    let levels = atlas.levels()?;
    let mut level_list = Vec::new();
    for (i, name) in plan.levels.iter().enumerate() {
        check_cancel(progress)?;
        progress.report(
            0.05 + 0.25 * i as f32 / plan.levels.len() as f32,
            &format!("Ebene „{name}“"),
        );
        let level = atlas.level(name)?;
        let features = level_features(atlas, &level, true)?;
        let path = format!("levels/{}.geojson", level_slugs.of(name));
        files.json(
            path.clone(),
            &serde_json::json!({"type": "FeatureCollection", "name": name, "features": features}),
        )?;
        let parent = level
            .parent_level_id
            .and_then(|p| levels.iter().find(|l| l.id == p))
            .map(|l| l.name.clone())
            .filter(|p| plan.levels.contains(p));
        level_list.push(serde_json::json!({"name": name, "parent": parent, "areas": features.len(), "file": path}));
    }

    // Values: one table per level and period with every indicator released there, protected
    // once, so the hidden cells are those of `plan`; one file per indicator.
    let mut index: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    let mut by_level: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for s in &plan.series {
        by_level.entry(s.level.as_str()).or_default().push(s.indicator.clone());
    }
    let mut periods_used: BTreeSet<String> = BTreeSet::new();
    let count = by_level.len();
    for (i, (level, keys)) in by_level.iter().enumerate() {
        check_cancel(progress)?;
        progress.report(
            0.3 + 0.4 * i as f32 / count as f32,
            &format!("Werte auf Ebene „{level}“"),
        );
        let mut periods: BTreeSet<String> = BTreeSet::new();
        for s in plan.series.iter().filter(|s| s.level == *level) {
            periods.extend(s.periods.iter().cloned());
        }
        for period in &periods {
            let hidden = hidden_at(&mut hidden, atlas, level, period, keys)?;
            let table = value_table(atlas, level, period, Some(keys))?.protect_with(hidden);
            for (c, column) in table.columns.iter().enumerate() {
                let key = &column.indicator.key;
                if !plan
                    .series
                    .iter()
                    .any(|s| &s.indicator == key && s.level == *level && s.periods.contains(period))
                {
                    continue;
                }
                // The map's classes as every exported map has them by default, over the
                // published numbers only; none where nothing is left to classify.
                let colouring = match Colouring::new(atlas, (key, level, period), &ClassStyle::default(), hidden) {
                    Ok(c) => Some(c),
                    Err(Error::Invalid(_)) => None,
                    Err(other) => return Err(other),
                };
                let class_of: BTreeMap<&str, usize> = colouring
                    .iter()
                    .flat_map(|c| c.classes.areas.iter())
                    .filter_map(|a| Some((a.key.as_str(), a.class?)))
                    .collect();
                let values: Vec<serde_json::Value> = table
                    .rows
                    .iter()
                    .map(|row| {
                        let (value, status, text) = cell_json(&row.cells[c]);
                        let mut cell = serde_json::json!({"key": row.key, "value": value, "status": status});
                        if let Some(t) = text {
                            cell["text"] = t.into();
                        }
                        if let Some(class) = class_of.get(row.key.as_str()) {
                            cell["class"] = (*class).into();
                        }
                        cell
                    })
                    .collect();
                let classes = colouring.map(|c| {
                    serde_json::json!({
                        "method": c.classes.method.name_de(),
                        "labels": c.classes.labels,
                        "colours": c.colours.iter().map(|rgb| rgb.hex()).collect::<Vec<_>>(),
                    })
                });
                let path = format!(
                    "values/{}/{}/{}.json",
                    indicator_slugs.of(key),
                    level_slugs.of(level),
                    period_slugs.of(period)
                );
                files.json(
                    path.clone(),
                    &serde_json::json!({
                        "indicator": key,
                        "level": level,
                        "period": period,
                        "decimals": column.decimals(),
                        "classes": classes,
                        "values": values,
                    }),
                )?;
                periods_used.insert(period.clone());
                index
                    .entry(key.clone())
                    .or_default()
                    .push(serde_json::json!({"level": level, "period": period, "file": path}));
            }
        }
    }

    // Indicators with their metadata.
    let mut indicators = Vec::new();
    for (key, series) in &index {
        let m = atlas.indicator(key)?;
        indicators.push(serde_json::json!({
            "key": m.key, "name": m.name, "topic": m.topic, "unit": m.unit, "kind": m.kind,
            "decimals": m.decimals, "polarity": m.polarity, "description": m.description,
            "source": m.source, "series": series,
        }));
    }
    files.json("indicators.json".into(), &indicators)?;
    let periods: Vec<serde_json::Value> = atlas
        .periods()?
        .into_iter()
        .filter(|p| periods_used.contains(&p.label))
        .map(|p| serde_json::json!({"label": p.label, "date": p.date}))
        .collect();

    // POIs: name, location and the released attributes.
    let mut poi_slugs = Slugs::default();
    let mut poi_list = Vec::new();
    for c in &plan.poi_categories {
        check_cancel(progress)?;
        let features: Vec<serde_json::Value> = atlas
            .pois(&c.category)?
            .iter()
            .map(|p| {
                let mut properties = serde_json::Map::new();
                properties.insert("name".into(), p.name.clone().into());
                for attribute in &c.attributes {
                    let value = match attribute.as_str() {
                        "address" => Some(serde_json::Value::from(p.address.clone())),
                        "capacity" => p.capacity.map(Into::into),
                        other => p.attributes.get(other).cloned(),
                    };
                    if let Some(v) = value {
                        properties.insert(attribute.clone(), v);
                    }
                }
                let round = |v: f64| (v * 1e5).round() / 1e5;
                serde_json::json!({
                    "type": "Feature",
                    "properties": properties,
                    "geometry": {"type": "Point", "coordinates": [round(p.lon), round(p.lat)]},
                })
            })
            .collect();
        let path = format!("pois/{}.geojson", poi_slugs.of(&c.category));
        files.json(
            path.clone(),
            &serde_json::json!({"type": "FeatureCollection", "name": c.category, "features": features}),
        )?;
        poi_list.push(serde_json::json!({
            "category": c.category, "pois": features.len(), "attributes": c.attributes, "file": path,
        }));
    }

    // Public stories, their maps suppressed.
    let mut story_slugs = Slugs::default();
    let mut story_list = Vec::new();
    let mut cache = HiddenCache::new(atlas, false);
    for (i, name) in plan.stories.iter().enumerate() {
        check_cancel(progress)?;
        progress.report(
            0.7 + 0.2 * i as f32 / plan.stories.len().max(1) as f32,
            &format!("Story „{name}“"),
        );
        let story = atlas.story(name)?;
        let s = story_slugs.of(name);
        let mut slides = Vec::new();
        for (n, bookmark) in story.bookmarks.iter().enumerate() {
            let slide = crate::story::slide(atlas, bookmark, false, &mut cache)?;
            let view = atlas.bookmark(bookmark)?.view;
            let figure = match &slide.map {
                Some(map) => {
                    let path = format!("stories/{s}/{}.svg", n + 1);
                    files.0.insert(path.clone(), map.svg.clone().into_bytes());
                    Some(path)
                }
                None => None,
            };
            let mut images = Vec::new();
            for (i, image) in slide.images.iter().enumerate() {
                let path = format!("stories/{s}/{}-{}.png", n + 1, i + 1);
                files.0.insert(path.clone(), image.png.clone());
                images.push(serde_json::json!({"name": image.name, "file": path}));
            }
            slides.push(serde_json::json!({
                "title": slide.title, "text": slide.text,
                "blocks": crate::story::text::parse(&slide.text), "caption": slide.caption,
                "level": view.level, "period": view.period, "indicators": view.indicators,
                "map": figure, "images": images,
            }));
        }
        let path = format!("stories/{s}.json");
        files.json(
            path.clone(),
            &serde_json::json!({
                "name": story.name, "intro": story.intro,
                "intro_blocks": crate::story::text::parse(&story.intro), "slides": slides,
            }),
        )?;
        story_list.push(serde_json::json!({"name": story.name, "slides": story.bookmarks.len(), "file": path}));
    }
    files.json(
        "atlas.json".into(),
        &serde_json::json!({
            "name": meta.name, "ags": meta.ags, "attribution": meta.attribution,
            "levels": level_list, "periods": periods, "pois": poi_list, "stories": story_list,
        }),
    )?;

    check_cancel(progress)?;
    progress.report(0.9, "Schreiben");
    let version = existing_version(dir).map_or(1, |v| v + 1);
    let listed: Vec<ManifestFile> = files
        .0
        .iter()
        .map(|(path, bytes)| ManifestFile {
            path: path.clone(),
            bytes: bytes.len() as u64,
            sha256: hex(&sha2::Sha256::digest(bytes)),
        })
        .collect();
    let created: String = atlas.now_utc()?;
    files.json(
        "manifest.json".into(),
        &serde_json::json!({
            "format": FORMAT, "format_version": FORMAT_VERSION, "version": version,
            "atlas": meta.name, "ags": meta.ags, "created": created,
            "generator": format!("Quartier {}", env!("CARGO_PKG_VERSION")),
            "files": listed,
        }),
    )?;
    let bytes = files.0.values().map(|b| b.len() as u64).sum();
    let count = files.0.len();
    replace_folder(dir, &files.0)?;
    Ok(BundleSummary {
        dir: dir.display().to_string(),
        version,
        files: count,
        bytes,
        plan,
    })
}

/// A table cell as open data: the number (or `null`), its status (`ok`, `suppressed`,
/// `missing`, `not_applicable`) and the class text of a categorical indicator.
pub(crate) fn cell_json(cell: &TableCell) -> (Option<f64>, String, Option<String>) {
    match cell {
        TableCell::Number(v) | TableCell::Flagged(v, _) => (Some(*v), "ok".to_string(), None),
        TableCell::Text(t) => (None, "ok".to_string(), Some(t.clone())),
        TableCell::Status(s) => (
            None,
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            None,
        ),
        TableCell::Empty => (None, "missing".to_string(), None),
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `files` into a new folder beside `dir` and then puts it in `dir`'s place: a
/// reader sees the old bundle or the new one, never a mixture.
fn replace_folder(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let name = dir
        .file_name()
        .map_or("buendel".into(), |n| n.to_string_lossy().to_string());
    let fresh: PathBuf = parent.join(format!(".{name}.neu-{}", std::process::id()));
    let old: PathBuf = parent.join(format!(".{name}.alt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    for (path, bytes) in files {
        let target = fresh.join(path);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        std::fs::write(&target, bytes).map_err(|e| Error::io(&target, e))?;
    }
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
    }
    if let Err(e) = std::fs::rename(&fresh, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(Error::io(dir, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}
