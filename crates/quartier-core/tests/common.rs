//! Shared helpers for the engine's integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::{Atlas, NoProgress};

/// `../shared/realdata` beside the repository (CI clones it there).
pub fn realdata() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/realdata");
    assert!(
        p.join("berlin").exists(),
        "real data expected at {} (shared/ beside the repository)",
        p.display()
    );
    p
}

/// The repository's sample_data folder.
pub fn sample_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data")
}

/// The Berlin sample atlas, built into a temporary folder (kept alive by the returned guard).
pub fn sample_atlas() -> (tempfile::TempDir, Atlas) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("berlin.quartier");
    quartier_core::sample::build_sample_atlas(&sample_data(), &path, false, &NoProgress).unwrap();
    let atlas = Atlas::open(&path).unwrap();
    (dir, atlas)
}

/// A new atlas with the twelve Berlin Bezirke as level "Bezirk".
#[allow(dead_code)]
pub fn berlin_bezirke() -> (tempfile::TempDir, Atlas) {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = new_atlas(dir.path(), "Berlin");
    import_level(
        &mut atlas,
        "Bezirk",
        sample_data().join("geometry/berlin-lor-districts.geojson"),
        None,
    );
    (dir, atlas)
}

/// Declares indicators as counts that are summed (what a metadata sheet would say).
#[allow(dead_code)]
pub fn declare_counts(atlas: &mut Atlas, keys: &[&str]) {
    for key in keys {
        atlas
            .update_indicator(
                key,
                &quartier_core::store::IndicatorUpdate {
                    kind: Some(quartier_core::model::IndicatorKind::Count),
                    aggregation: Some(quartier_core::model::AggregationRule::Sum),
                    ..Default::default()
                },
            )
            .unwrap();
    }
}

pub fn new_atlas(dir: &Path, name: &str) -> Atlas {
    Atlas::create(&dir.join("test.quartier"), name, None).unwrap()
}

pub fn import_level(atlas: &mut Atlas, level: &str, file: PathBuf, parent: Option<&str>) {
    import_geometry(
        atlas,
        &GeometryImport {
            level: level.into(),
            file,
            key_column: "id".into(),
            name_column: Some("name".into()),
            parent_level: parent.map(str::to_string),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
}

/// Imports the values of a semicolon CSV with the area key in column `id` for `period`.
pub fn import_csv(atlas: &mut Atlas, file: PathBuf, level: &str, period: &str) {
    quartier_core::import::values::import_values(
        atlas,
        &quartier_core::import::values::ValuesImport {
            file,
            level: level.into(),
            key_column: "id".into(),
            period: Some(period.into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
}

/// Every value of the atlas as sorted text lines: the atlas's content, for before/after comparisons.
pub fn value_dump(atlas: &Atlas) -> Vec<String> {
    let mut out = Vec::new();
    for level in atlas.levels().unwrap() {
        let areas = atlas.areas(level.id).unwrap();
        for ind in atlas.indicators().unwrap() {
            for p in atlas.periods().unwrap() {
                let values = atlas.values(ind.id, level.id, p.id).unwrap();
                for a in &areas {
                    if let Some(v) = values.get(&a.id) {
                        out.push(format!(
                            "{}|{}|{}|{}|{:?}|{:?}|{:?}",
                            level.name, ind.key, p.label, a.key, v.value, v.text, v.status
                        ));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// The stored value of one area (by key) of an indicator at a level and period.
pub fn stored(
    atlas: &Atlas,
    indicator: &str,
    level: &str,
    period: &str,
    key: &str,
) -> Option<quartier_core::StoredValue> {
    let meta = atlas.indicator(indicator).unwrap();
    let level = atlas.level(level).unwrap();
    let period = atlas.period(period).unwrap();
    let area = atlas
        .level_areas(level.id)
        .unwrap()
        .iter()
        .find(|a| &*a.key == key)
        .cloned()
        .unwrap();
    atlas
        .values(meta.id, level.id, period.id)
        .unwrap()
        .get(&area.id)
        .cloned()
}

/// Cancels as soon as the engine reports a stage containing `phase`; remembers the stages.
pub struct CancelIn<'a> {
    phase: &'a str,
    /// Whether the phase was reported (and the sink cancels from then on).
    pub hit: std::cell::Cell<bool>,
    /// Every stage reported, for messages.
    pub stages: std::cell::RefCell<Vec<String>>,
}

impl<'a> CancelIn<'a> {
    pub fn new(phase: &'a str) -> Self {
        CancelIn {
            phase,
            hit: std::cell::Cell::new(false),
            stages: Default::default(),
        }
    }
}

impl quartier_core::progress::Progress for CancelIn<'_> {
    fn report(&self, _fraction: f32, stage: &str) {
        self.stages.borrow_mut().push(stage.to_string());
        if stage.contains(self.phase) {
            self.hit.set(true);
        }
    }
    fn is_cancelled(&self) -> bool {
        self.hit.get()
    }
}

/// A workbook with one sheet: `id`, `ew` and the row `01`, `5`.
pub fn small_workbook(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "id").unwrap();
    sheet.write_string(0, 1, "ew").unwrap();
    sheet.write_string(1, 0, "01").unwrap();
    sheet.write_number(1, 1, 5.0).unwrap();
    book.save(&path).unwrap();
    path
}

/// A copy of the zip (XLSX) `from` at `to` with the text of entry `entry` passed through `change`.
pub fn rewrite_zip_entry(from: &Path, to: &Path, entry: &str, change: impl Fn(&str) -> String) {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        if name == entry {
            bytes = change(&String::from_utf8(bytes).unwrap()).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}

/// The text of a PDF as poppler's `pdftotext -layout` reads it (pages separated by form
/// feeds); `.ci/run` installs poppler-utils.
#[allow(dead_code)]
pub fn pdf_text(path: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; .ci/run installs it)");
    String::from_utf8(out.stdout).unwrap()
}

/// The age groups of the Berlin sample, youngest first; together they are the residents.
#[allow(dead_code)]
pub const BERLIN_AGE_GROUPS: [&str; 8] = [
    "ew_u6",
    "ew_6_15",
    "ew_15_18",
    "ew_18_27",
    "ew_27_45",
    "ew_45_55",
    "ew_55_65",
    "ew_65plus",
];

/// For enumerations: the next assignment of whole numbers `choice[k]` in `0..=caps[k]`,
/// counting like an odometer; `false` after the last one.
#[allow(dead_code)]
pub fn next_assignment(choice: &mut [u64], caps: &[u64]) -> bool {
    for k in 0..choice.len() {
        if choice[k] < caps[k] {
            choice[k] += 1;
            return true;
        }
        choice[k] = 0;
    }
    false
}

/// For enumerations: widens each cell's (least, greatest) by an assignment's values.
#[allow(dead_code)]
pub fn widen(bounds: &mut [(f64, f64)], values: &[f64]) {
    for (b, v) in bounds.iter_mut().zip(values) {
        *b = (b.0.min(*v), b.1.max(*v));
    }
}

/// The optimal suppression pattern by trying every subset of `candidates` on top of
/// `primary`: the fewest cells, then the smallest sum of `value`, for which `valid` holds;
/// (cells, sum), `None` when no subset is valid.
#[allow(dead_code)]
pub fn optimal_pattern(
    primary: &[Option<quartier_core::analysis::suppress::Hidden>],
    candidates: &[usize],
    value: impl Fn(usize) -> f64,
    valid: impl Fn(&[Option<quartier_core::analysis::suppress::Hidden>]) -> bool,
) -> Option<(usize, f64)> {
    use quartier_core::analysis::suppress::{Hidden, Reason};
    let mut optimum: Option<(usize, f64)> = None;
    for mask in 0u32..1 << candidates.len() {
        let chosen: Vec<usize> = (0..candidates.len())
            .filter(|k| mask & (1 << k) != 0)
            .map(|k| candidates[k])
            .collect();
        let cost = (chosen.len(), chosen.iter().map(|&c| value(c)).sum::<f64>());
        if optimum.is_some_and(|o| cost >= o) {
            continue;
        }
        let mut hidden = primary.to_vec();
        for &c in &chosen {
            hidden[c] = Some(Hidden {
                reason: Reason::Secondary,
                protects: None,
                within: None,
            });
        }
        if valid(&hidden) {
            optimum = Some(cost);
        }
    }
    optimum
}
