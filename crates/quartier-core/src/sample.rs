//! Builds the shipped Berlin sample atlas from the sources in `sample_data/`.
//!
//! Reproducible: the repository carries the source files, not the atlas. The build
//! uses the same importers as a user, writes to a temporary file and renames it at the
//! end, so an interrupted build leaves nothing behind.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::import::geometry::{import_geometry, GeometryImport};
use crate::import::metadata::{import_metadata, MetadataImport};
use crate::import::pois::{import_pois, PoiImport};
use crate::import::values::{import_values, ValuesImport};
use crate::model::ValueStatus;
use crate::progress::{check_cancel, NoProgress, Progress};
use crate::{Atlas, Error, Result};

/// MSS editions in the sample atlas.
pub const MSS_EDITIONS: [&str; 4] = ["2013", "2015", "2017", "2019"];
/// Population periods in the sample atlas.
pub const POPULATION_PERIODS: [&str; 2] = ["2018", "2020"];
/// The method's minimum population for a valid Planungsraum.
pub const MSS_MIN_INHABITANTS: f64 = 300.0;

/// MSS file columns and the indicator keys the atlas gives them (editions differ: s2 and d2
/// end in 2017).
pub const MSS_COLUMNS: &[(&str, &str)] = &[
    ("inhabitants", "ew_mss"),
    ("s1_percentage_unemployed", "s1"),
    ("s2_percentage_long_term_unemployed", "s2"),
    ("s3_percentage_transfer_payments_recipients", "s3"),
    ("s4_percentage_transfer_payments_recipients_below_15_years", "s4"),
    ("d1_percentage_unemployed", "d1"),
    ("d2_percentage_long_term_unemployed", "d2"),
    ("d3_percentage_transfer_payments_recipients", "d3"),
    ("d4_percentage_transfer_payments_recipients_below_15_years", "d4"),
];
const POPULATION_T2_COLUMNS: &[(&str, &str)] = &[
    ("inhabitants", "ew"),
    ("inhabitants_female", "ew_w"),
    ("inhabitants_age_below_6", "ew_u6"),
    ("inhabitants_age_6_15", "ew_6_15"),
    ("inhabitants_age_15_18", "ew_15_18"),
    ("inhabitants_age_18_27", "ew_18_27"),
    ("inhabitants_age_27_45", "ew_27_45"),
    ("inhabitants_age_45_55", "ew_45_55"),
    ("inhabitants_age_55_65", "ew_55_65"),
    ("inhabitants_age_above_65", "ew_65plus"),
    ("inhabitants_foreigners", "ew_ausl"),
    ("inhabitants_age_below_6_percentage", "anteil_u6"),
    ("inhabitants_age_above_65_percentage", "anteil_65plus"),
    ("inhabitants_foreigners_percentage", "anteil_ausl"),
];
const POPULATION_T1_COLUMNS: &[(&str, &str)] = &[
    ("inhabitants_with_migration_background", "ew_mh"),
    ("inhabitants_with_migration_background_percentage", "anteil_mh"),
];

/// What the build produced.
#[derive(Debug, Clone, Serialize)]
pub struct SampleSummary {
    /// The atlas file.
    pub file: String,
    /// Areas per level.
    pub levels: Vec<(String, usize)>,
    /// Values written.
    pub values: usize,
    /// POIs per category.
    pub pois: Vec<(String, usize)>,
    /// Planungsraum values marked as excluded (fewer than 300 inhabitants).
    pub excluded_small_areas: usize,
    /// Source files left out because they repeat another edition's file byte for byte.
    pub duplicate_sources: Vec<String>,
}

/// Builds the sample atlas at `out` from `source_dir` (the `sample_data/` folder).
/// Refuses to overwrite an existing file unless `overwrite` is set.
pub fn build_sample_atlas(
    source_dir: &Path,
    out: &Path,
    overwrite: bool,
    progress: &dyn Progress,
) -> Result<SampleSummary> {
    if out.exists() && !overwrite {
        return Err(Error::AlreadyExists {
            path: out.to_path_buf(),
        });
    }
    let required = source_dir.join("indikatoren.csv");
    if !required.exists() {
        return Err(Error::Invalid(format!(
            "{} enthält die Quellen des Beispielatlas nicht (indikatoren.csv fehlt)",
            source_dir.display()
        )));
    }
    let tmp = out.with_extension(format!("quartier.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = build_into(source_dir, &tmp, progress);
    match result {
        Ok(mut summary) => {
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(PathBuf::from(format!("{}{suffix}", out.display())));
            }
            std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))?;
            summary.file = out.display().to_string();
            Ok(summary)
        }
        Err(e) => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(PathBuf::from(format!("{}{suffix}", tmp.display())));
            }
            Err(e)
        }
    }
}

fn build_into(dir: &Path, path: &Path, progress: &dyn Progress) -> Result<SampleSummary> {
    let mut atlas = Atlas::create(path, "Berlin (Beispielatlas)", Some("11000000"))?;
    // The attribution the sources require (sample_data/README.md), shown under every map
    // and table of the sample atlas.
    let mut properties = atlas.properties()?;
    properties.attribution = "Amt für Statistik Berlin-Brandenburg, SenSBW und SenBJF Berlin (CC BY 3.0 DE / \
        dl-de/by-2-0) über open-lifeworlds (CC BY 4.0); © OpenStreetMap-Mitwirkende (ODbL)"
        .into();
    atlas.set_properties(&properties)?;
    let quiet = NoProgress;
    let step = |f: f32, s: &str| -> Result<()> {
        progress.report(f, s);
        check_cancel(progress)
    };

    step(0.0, "Ebenen werden importiert")?;
    let level_counts = import_levels(&mut atlas, dir, progress)?;

    step(0.35, "Metadaten")?;
    import_metadata(
        &mut atlas,
        &MetadataImport {
            file: dir.join("indikatoren.csv"),
            sheet: None,
        },
    )?;

    let mut values = 0;
    let mut duplicate_sources = Vec::new();
    let mut seen: Vec<(Vec<u8>, String)> = Vec::new();
    // Newest first: of two identical files the later edition's is the genuine one (the 2017
    // copy lacks s2, which the 2017 edition still had).
    for (i, edition) in MSS_EDITIONS.iter().rev().enumerate() {
        step(0.4 + 0.08 * i as f32, &format!("MSS {edition}"))?;
        for (suffix, level) in [("1", "Planungsraum"), ("2", "Bezirksregion"), ("3", "Bezirk")] {
            let name = format!("berlin-lor-monitoring-social-urban-development-{edition}-00-2-{suffix}.csv");
            let file = dir.join("mss").join(&name);
            // The published 2017 Bezirksregion file is a byte-for-byte copy of 2019's: a
            // delivery error, whose values would pass for 2017's. Such a copy is left out.
            let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            if let Some((_, first)) = seen.iter().find(|(b, _)| *b == bytes) {
                duplicate_sources.push(format!("{name} (gleich {first})"));
                continue;
            }
            seen.push((bytes, name));
            values += import_mapped(&mut atlas, &file, level, edition, MSS_COLUMNS)?;
        }
    }
    let excluded = mark_small_planning_areas(&mut atlas)?;

    for (i, year) in POPULATION_PERIODS.iter().enumerate() {
        step(0.75 + 0.05 * i as f32, &format!("Einwohner {year}"))?;
        for (table, columns) in [("t2", POPULATION_T2_COLUMNS), ("t1", POPULATION_T1_COLUMNS)] {
            let file = dir
                .join("population")
                .join(format!("berlin-lor-population-{year}-02-{table}-planning-areas.csv"));
            values += import_mapped(&mut atlas, &file, "Planungsraum", year, columns)?;
        }
    }

    step(0.85, "Einrichtungen")?;
    let mut pois = Vec::new();
    for (category, file, name) in [
        ("Kita", "kitas-2022-epsg25833.geojson", Some("e_name")),
        ("Schule", "schulen-2023-epsg25833.geojson", Some("name")),
        ("Spielplatz", "playgrounds-osm.geojson", None),
    ] {
        let s = import_pois(
            &mut atlas,
            &PoiImport {
                file: dir.join("poi").join(file),
                category: category.into(),
                name_column: name.map(str::to_string),
                ..Default::default()
            },
            &quiet,
        )?;
        pois.push((category.to_string(), s.pois_imported));
    }
    atlas.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    progress.report(1.0, "Beispielatlas fertig");
    Ok(SampleSummary {
        file: path.display().to_string(),
        levels: level_counts,
        values,
        pois,
        excluded_small_areas: excluded,
        duplicate_sources,
    })
}

/// The sample's three levels, coarse to fine: Bezirk → Bezirksregion → Planungsraum.
const LEVELS: [(&str, &str, Option<&str>); 3] = [
    ("Bezirk", "berlin-lor-districts.geojson", None),
    (
        "Bezirksregion",
        "berlin-lor-district-regions-until-2020.geojson",
        Some("Bezirk"),
    ),
    (
        "Planungsraum",
        "berlin-lor-planning-areas-until-2020.geojson",
        Some("Bezirksregion"),
    ),
];

/// Imports the three Berlin levels from `source_dir/geometry` (parents by point-in-polygon);
/// returns the areas per level. Used by the sample build and the import benchmark.
pub fn import_levels(atlas: &mut Atlas, source_dir: &Path, progress: &dyn Progress) -> Result<Vec<(String, usize)>> {
    let mut level_counts = Vec::new();
    for (i, (level, file, parent)) in LEVELS.iter().enumerate() {
        progress.report(0.05 + 0.1 * i as f32, &format!("Geometrie: {level}"));
        check_cancel(progress)?;
        let s = import_geometry(
            atlas,
            &GeometryImport {
                level: level.to_string(),
                file: source_dir.join("geometry").join(file),
                key_column: "id".into(),
                name_column: Some("name".into()),
                parent_level: parent.map(str::to_string),
                ..Default::default()
            },
            &NoProgress,
        )?;
        level_counts.push((level.to_string(), s.areas_read));
    }
    Ok(level_counts)
}

/// Imports the mapped columns that the file has (editions differ: s2/d2 end in 2017).
fn import_mapped(atlas: &mut Atlas, file: &Path, level: &str, period: &str, mapping: &[(&str, &str)]) -> Result<usize> {
    let header = crate::table::read_table(file, None)?.headers;
    let columns = mapping
        .iter()
        .filter(|(src, _)| header.iter().any(|h| h == src))
        .map(|(s, k)| format!("{s}={k}"))
        .collect();
    let s = import_values(
        atlas,
        &ValuesImport {
            file: file.to_path_buf(),
            level: level.into(),
            key_column: "id".into(),
            name_column: Some("name".into()).filter(|_| header.iter().any(|h| h == "name")),
            period: Some(period.into()),
            columns,
            ..Default::default()
        },
        &NoProgress,
    )?;
    Ok(s.values_written)
}

/// The MSS files carry zeros for Planungsräume under 300 inhabitants; those zeros are not
/// values, so they are stored as "not applicable" with a note.
fn mark_small_planning_areas(atlas: &mut Atlas) -> Result<usize> {
    let level = atlas.level("Planungsraum")?;
    let ew = atlas.indicator("ew_mss")?;
    let mut marked = 0;
    for edition in MSS_EDITIONS {
        let period = atlas.period(edition)?;
        let small: Vec<i64> = atlas
            .values(ew.id, level.id, period.id)?
            .iter()
            .filter(|(_, v)| v.value.is_some_and(|x| x < MSS_MIN_INHABITANTS))
            .map(|(id, _)| *id)
            .collect();
        for key in ["s1", "s2", "s3", "s4", "d1", "d2", "d3", "d4"] {
            let Ok(ind) = atlas.indicator(key) else { continue };
            marked += atlas.set_value_status(
                ind.id,
                period.id,
                &small,
                ValueStatus::NotApplicable,
                "unter 300 Einwohnern: vom MSS-Verfahren ausgeschlossen",
            )?;
        }
    }
    Ok(marked)
}
