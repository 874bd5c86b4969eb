//! Exchange files for GIS: a level's areas with one column per indicator and period, as
//! GeoJSON or in a GeoPackage (with a point layer per POI category), so that QGIS opens the
//! atlas directly.
//!
//! What leaves the laptop is suppressed like every table ([`ValueTable::protect`]), unless the
//! export is marked internal. A column holds numbers only: a cell without a number (suppressed
//! "k. A.", missing "…", not applicable "x") is NULL there, and a companion column
//! `<column>_zeichen` says which sign it was, so that no GIS guesses a text type for a column of
//! numbers and no "k. A." is lost.
//!
//! The GeoPackage follows OGC 12-128r18 (written as version 1.3, which GDAL 3.6 reads without a warning): `application_id` "GPKG",
//! `user_version` 10300, the tables `gpkg_spatial_ref_sys` (with the required rows for
//! undefined cartesian and geographic systems and EPSG:4326), `gpkg_contents`,
//! `gpkg_geometry_columns`, geometries as GeoPackage binary (header with envelope, then WKB),
//! and an R-tree spatial index per layer registered in `gpkg_extensions`.

use std::path::Path;

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::export::{value_table, write_via_temporary, write_whole, TableCell, ValueTable, INTERNAL_MARKING};
use crate::{Atlas, Error, Result};

/// One numeric column of a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerColumn {
    /// Column name: `<indicator key>_<period>`.
    pub name: String,
    /// Indicator key.
    pub indicator: String,
    /// Period label.
    pub period: String,
}

/// A level's areas with their values, as written to a GIS file.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Layer (level) name.
    pub name: String,
    /// Numeric columns.
    pub columns: Vec<LayerColumn>,
    /// Per column whether it has signs (a `_zeichen` companion).
    pub with_signs: Vec<bool>,
    /// One feature per area.
    pub features: Vec<Feature>,
    /// Cells hidden by suppression.
    pub suppressed_cells: usize,
}

/// One area of a layer.
#[derive(Debug, Clone)]
pub struct Feature {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// Outline in WGS 84.
    pub geometry: geo::MultiPolygon<f64>,
    /// One cell per column of the layer.
    pub cells: Vec<TableCell>,
}

/// Writes one column of a GeoParquet row group.
type ColumnWrite<'a> = Box<dyn FnMut(&mut parquet::file::writer::SerializedColumnWriter<'_>) -> Result<()> + 'a>;

/// What a GIS export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct GisExportSummary {
    /// The output file.
    pub file: String,
    /// Per layer: name, features, numeric columns.
    pub layers: Vec<LayerSummary>,
    /// Cells written as NULL with the sign "k. A." by suppression (0 with `intern`).
    pub suppressed_cells: usize,
    /// Written for internal use, unsuppressed and marked.
    pub intern: bool,
}

/// One layer of a GIS export.
#[derive(Debug, Clone, Serialize)]
pub struct LayerSummary {
    /// Layer name.
    pub name: String,
    /// Features written.
    pub features: usize,
    /// Numeric columns (`<indicator>_<period>`).
    pub columns: Vec<String>,
}

/// The companion column of a numeric column, holding the sign of a cell without a number.
pub fn sign_column(name: &str) -> String {
    format!("{name}_zeichen")
}

/// The layer of `level`: every area with geometry, and per period (all periods with values
/// there when `periods` is empty) one column per indicator with values. Suppressed unless
/// `intern`.
pub fn level_layer(atlas: &Atlas, level: &str, periods: &[String], intern: bool) -> Result<Layer> {
    let level = atlas.level(level)?;
    let periods: Vec<String> = if periods.is_empty() {
        atlas.periods()?.into_iter().map(|p| p.label).collect()
    } else {
        periods.to_vec()
    };
    let mut tables: Vec<ValueTable> = Vec::new();
    for period in &periods {
        let table = match value_table(atlas, &level.name, period, None) {
            Ok(t) => t,
            // A period without values at this level gives no columns.
            Err(Error::Invalid(_)) => continue,
            Err(e) => return Err(e),
        };
        tables.push(if intern {
            table.mark_internal()
        } else {
            table.protect(atlas)?
        });
    }
    let columns: Vec<LayerColumn> = tables
        .iter()
        .flat_map(|t| {
            t.columns.iter().map(|c| LayerColumn {
                name: format!("{}_{}", c.indicator.key, t.period),
                indicator: c.indicator.key.clone(),
                period: t.period.clone(),
            })
        })
        .collect();
    let rows_by_key: Vec<std::collections::HashMap<&str, usize>> = tables
        .iter()
        .map(|t| t.rows.iter().enumerate().map(|(i, r)| (r.key.as_str(), i)).collect())
        .collect();
    let merged = atlas.merged_areas(level.id)?;
    let listed = atlas.level_areas(level.id)?;
    let combined: std::collections::HashSet<i64> = merged.iter().map(|m| listed[m.combined].id).collect();
    let mut features = Vec::new();
    for (area, geometry) in atlas.area_geometries(level.id)? {
        let mut cells = Vec::with_capacity(columns.len());
        let mut in_any = false;
        for (t, rows) in tables.iter().zip(&rows_by_key) {
            match rows.get(area.key.as_ref()) {
                Some(&r) => {
                    in_any = true;
                    cells.extend(t.rows[r].cells.iter().cloned());
                }
                None => cells.extend(t.columns.iter().map(|_| TableCell::Empty)),
            }
        }
        // A combined area is a feature only where it stands in for its members.
        if combined.contains(&area.id) && !in_any {
            continue;
        }
        features.push(Feature {
            key: area.key.to_string(),
            name: area.name.to_string(),
            geometry,
            cells,
        });
    }
    let with_signs = (0..columns.len())
        .map(|c| {
            features
                .iter()
                .any(|f| matches!(f.cells[c], TableCell::Status(_) | TableCell::Flagged(..)))
        })
        .collect();
    Ok(Layer {
        name: level.name,
        columns,
        with_signs,
        features,
        suppressed_cells: tables.iter().map(|t| t.suppressed_cells).sum(),
    })
}

/// The number and the sign of a cell for a GIS column.
fn number_and_sign(cell: &TableCell) -> (Option<f64>, Option<String>) {
    match cell {
        TableCell::Number(v) => (Some(*v), None),
        TableCell::Flagged(v, flag) => (Some(*v), Some(flag.write("").trim().to_string())),
        TableCell::Status(s) => (None, Some(s.display_de().to_string())),
        TableCell::Text(t) => (None, Some(t.clone())),
        TableCell::Empty => (None, None),
    }
}

/// Writes one level as a GeoJSON FeatureCollection (RFC 7946, WGS84): `schluessel`, `name`,
/// the numeric columns and their sign columns; internal files carry the marking in a
/// top-level `hinweis`.
pub fn export_geojson(
    atlas: &Atlas,
    level: &str,
    periods: &[String],
    intern: bool,
    out: &Path,
) -> Result<GisExportSummary> {
    let layer = level_layer(atlas, level, periods, intern)?;
    let features: Vec<serde_json::Value> = layer
        .features
        .iter()
        .map(
            |Feature {
                 key,
                 name,
                 geometry,
                 cells,
             }| {
                let mut properties = serde_json::Map::new();
                properties.insert("schluessel".into(), key.clone().into());
                properties.insert("name".into(), name.clone().into());
                for ((column, signs), cell) in layer.columns.iter().zip(&layer.with_signs).zip(cells) {
                    let (number, sign) = number_and_sign(cell);
                    properties.insert(column.name.clone(), number.map_or(serde_json::Value::Null, Into::into));
                    if *signs {
                        properties.insert(
                            sign_column(&column.name),
                            sign.map_or(serde_json::Value::Null, Into::into),
                        );
                    }
                }
                serde_json::json!({
                    "type": "Feature",
                    "properties": properties,
                    "geometry": serde_json::to_value(geojson::Geometry::from(geometry)).unwrap_or_default(),
                })
            },
        )
        .collect();
    let mut collection = serde_json::json!({"type": "FeatureCollection", "name": layer.name, "features": features});
    if intern {
        collection["hinweis"] = INTERNAL_MARKING.into();
    }
    let text = serde_json::to_string(&collection).map_err(|e| Error::Internal(e.to_string()))?;
    write_whole(out, text.as_bytes())?;
    Ok(GisExportSummary {
        file: out.display().to_string(),
        layers: vec![summary_of(&layer)],
        suppressed_cells: layer.suppressed_cells,
        intern,
    })
}

fn summary_of(layer: &Layer) -> LayerSummary {
    LayerSummary {
        name: layer.name.clone(),
        features: layer.features.len(),
        columns: layer.columns.iter().map(|c| c.name.clone()).collect(),
    }
}

/// A GeoPackage geometry: the binary header (magic "GP", version 0, flags for little endian
/// and an [minx, maxx, miny, maxy] envelope, the SRS id) followed by the WKB.
pub fn gpkg_geometry(wkb: &[u8], srs_id: i32, envelope: [f64; 4]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 32 + wkb.len());
    out.extend_from_slice(b"GP");
    out.push(0); // version 1
    out.push(0b0000_0011); // envelope [minx, maxx, miny, maxy], little endian
    out.extend_from_slice(&srs_id.to_le_bytes());
    for v in envelope {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(wkb);
    out
}

/// A table name for a layer: letters, digits and underscores.
fn table_name(name: &str) -> String {
    let plain: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    if plain.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("_{plain}")
    } else {
        plain
    }
}

/// Writes levels (all when `levels` is empty) and every POI category as layers of one
/// GeoPackage. Suppressed unless `intern`; an internal file says so in the description of
/// every layer.
pub fn export_geopackage(
    atlas: &Atlas,
    levels: &[String],
    periods: &[String],
    intern: bool,
    out: &Path,
) -> Result<GisExportSummary> {
    let levels: Vec<String> = if levels.is_empty() {
        atlas.levels()?.into_iter().map(|l| l.name).collect()
    } else {
        levels.to_vec()
    };
    let layers = levels
        .iter()
        .map(|l| level_layer(atlas, l, periods, intern))
        .collect::<Result<Vec<_>>>()?;
    write_via_temporary(out, |tmp| write_geopackage(atlas, &layers, intern, tmp))?;
    let mut summaries: Vec<LayerSummary> = layers.iter().map(summary_of).collect();
    for (category, n) in atlas.poi_categories()? {
        summaries.push(LayerSummary {
            name: format!("Einrichtungen {category}"),
            features: n as usize,
            columns: Vec::new(),
        });
    }
    Ok(GisExportSummary {
        file: out.display().to_string(),
        layers: summaries,
        suppressed_cells: layers.iter().map(|l| l.suppressed_cells).sum(),
        intern,
    })
}

fn write_geopackage(atlas: &Atlas, layers: &[Layer], intern: bool, path: &Path) -> Result<()> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "application_id", 0x4750_4B47_i32)?;
    conn.pragma_update(None, "user_version", 10300)?;
    let tx = conn.transaction()?;
    tx.execute_batch(
        r#"
        CREATE TABLE gpkg_spatial_ref_sys (
            srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
            organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
        CREATE TABLE gpkg_contents (
            table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
            description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
            CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
        CREATE TABLE gpkg_geometry_columns (
            table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
            srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
            CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
            CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
            CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
        CREATE TABLE gpkg_extensions (
            table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
            scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
        INSERT INTO gpkg_spatial_ref_sys VALUES
            ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
            ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
            ('WGS 84 geodetic', 4326, 'EPSG', 4326,
             'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]',
             'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
        "#,
    )?;
    let description = |what: &str| {
        if intern {
            format!("{what} – {INTERNAL_MARKING}")
        } else {
            format!("{what} – geheim gehaltene Zellen sind NULL, ihr Zeichen „k. A.“ steht in <Spalte>_zeichen")
        }
    };
    let mut used_names = std::collections::HashSet::new();
    for layer in layers {
        let table = unique(&table_name(&layer.name), &mut used_names);
        let mut columns = vec!["schluessel TEXT".to_string(), "name TEXT".to_string()];
        for (c, signs) in layer.columns.iter().zip(&layer.with_signs) {
            columns.push(format!("\"{}\" REAL", c.name));
            if *signs {
                columns.push(format!("\"{}\" TEXT", sign_column(&c.name)));
            }
        }
        let extent = create_feature_table(
            &tx,
            &table,
            "MULTIPOLYGON",
            &columns,
            &description(&format!("Ebene {}", layer.name)),
        )?;
        let placeholders = (0..columns.len() + 1)
            .map(|i| format!("?{}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let names: Vec<String> = std::iter::once("geom".to_string())
            .chain(
                columns
                    .iter()
                    .map(|c| c.split_whitespace().next().unwrap_or_default().to_string()),
            )
            .collect();
        let mut insert = tx.prepare(&format!(
            "INSERT INTO \"{table}\" ({}) VALUES ({placeholders})",
            names.join(", ")
        ))?;
        let mut bounds = extent;
        for Feature {
            key,
            name,
            geometry,
            cells,
        } in &layer.features
        {
            let envelope = crate::geometry::bbox(geometry).unwrap_or_default();
            bounds = [
                bounds[0].min(envelope[0]),
                bounds[1].min(envelope[1]),
                bounds[2].max(envelope[2]),
                bounds[3].max(envelope[3]),
            ];
            let blob = gpkg_geometry(
                &crate::geometry::to_wkb(geometry)?,
                4326,
                [envelope[0], envelope[2], envelope[1], envelope[3]],
            );
            let mut values: Vec<rusqlite::types::Value> = vec![blob.into(), key.clone().into(), name.clone().into()];
            for (cell, signs) in cells.iter().zip(&layer.with_signs) {
                let (number, sign) = number_and_sign(cell);
                values.push(number.map_or(rusqlite::types::Value::Null, Into::into));
                if *signs {
                    values.push(sign.map_or(rusqlite::types::Value::Null, Into::into));
                }
            }
            insert.execute(rusqlite::params_from_iter(values))?;
        }
        finish_feature_table(&tx, &table, bounds)?;
    }
    for (category, _) in atlas.poi_categories()? {
        let table = unique(&table_name(&format!("einrichtungen_{category}")), &mut used_names);
        let columns = vec![
            "name TEXT".to_string(),
            "adresse TEXT".to_string(),
            "plaetze REAL".to_string(),
            "attribute TEXT".to_string(),
        ];
        let extent = create_feature_table(
            &tx,
            &table,
            "POINT",
            &columns,
            &description(&format!("Einrichtungen {category}")),
        )?;
        let mut insert = tx.prepare(&format!(
            "INSERT INTO \"{table}\" (geom, name, adresse, plaetze, attribute) VALUES (?1, ?2, ?3, ?4, ?5)"
        ))?;
        let mut bounds = extent;
        for poi in atlas.pois(&category)? {
            bounds = [
                bounds[0].min(poi.lon),
                bounds[1].min(poi.lat),
                bounds[2].max(poi.lon),
                bounds[3].max(poi.lat),
            ];
            let point = geo::Point::new(poi.lon, poi.lat);
            let mut wkb = Vec::new();
            wkb::writer::write_geometry(
                &mut wkb,
                &point,
                &wkb::writer::WriteOptions {
                    endianness: wkb::Endianness::LittleEndian,
                },
            )
            .map_err(|_| Error::Internal("Punkt nicht schreibbar".into()))?;
            let blob = gpkg_geometry(&wkb, 4326, [poi.lon, poi.lon, poi.lat, poi.lat]);
            insert.execute(params![
                blob,
                poi.name,
                poi.address,
                poi.capacity,
                poi.attributes.to_string()
            ])?;
        }
        finish_feature_table(&tx, &table, bounds)?;
    }
    tx.commit()?;
    Ok(())
}

/// `name`, or with a number appended where it is taken.
fn unique(name: &str, used: &mut std::collections::HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 2;
    while !used.insert(candidate.to_lowercase()) {
        candidate = format!("{name}_{n}");
        n += 1;
    }
    candidate
}

/// Creates a feature table with its `gpkg_contents` and `gpkg_geometry_columns` rows and its
/// R-tree; returns an empty extent to grow.
fn create_feature_table(
    tx: &Connection,
    table: &str,
    geometry_type: &str,
    columns: &[String],
    description: &str,
) -> Result<[f64; 4]> {
    tx.execute_batch(&format!(
        "CREATE TABLE \"{table}\" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom {geometry_type}, {});",
        columns.join(", ")
    ))?;
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?1, 'features', ?1, ?2, 4326)",
        params![table, description],
    )?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, 4326, 0, 0)",
        params![table, geometry_type],
    )?;
    Ok([f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY])
}

/// Fills the R-tree from the envelopes in the geometry headers and sets the layer's extent.
fn finish_feature_table(tx: &Connection, table: &str, bounds: [f64; 4]) -> Result<()> {
    let rtree = format!("rtree_{table}_geom");
    tx.execute_batch(&format!(
        "CREATE VIRTUAL TABLE \"{rtree}\" USING rtree(id, minx, maxx, miny, maxy);"
    ))?;
    // The envelope sits at bytes 9–40 of each geometry (after magic, version, flags, srs id).
    let mut select = tx.prepare(&format!("SELECT fid, geom FROM \"{table}\""))?;
    let mut insert = tx.prepare(&format!("INSERT INTO \"{rtree}\" VALUES (?1, ?2, ?3, ?4, ?5)"))?;
    let rows = select.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
    for row in rows {
        let (fid, blob) = row?;
        let at = |i: usize| {
            blob.get(8 + 8 * i..16 + 8 * i)
                .and_then(|b| b.try_into().ok())
                .map_or(0.0, f64::from_le_bytes)
        };
        insert.execute(params![fid, at(0), at(1), at(2), at(3)])?;
    }
    tx.execute(
        "INSERT INTO gpkg_extensions VALUES (?1, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        params![table],
    )?;
    if bounds[0].is_finite() {
        tx.execute(
            "UPDATE gpkg_contents SET min_x = ?2, min_y = ?3, max_x = ?4, max_y = ?5 WHERE table_name = ?1",
            params![table, bounds[0], bounds[1], bounds[2], bounds[3]],
        )?;
    }
    Ok(())
}

/// Writes one level as GeoParquet 1.1 (one row per area: `schluessel`, `name`, `geometry` as
/// WKB, the numeric columns and their sign columns; the `geo` key of the file metadata
/// describes the geometry column, lon/lat in WGS 84 = OGC:CRS84). DuckDB's spatial extension,
/// GDAL, GeoPandas and Apache Sedona read it directly: the way many municipalities' atlases go
/// to one distributed analysis. Suppressed unless `intern` (then the metadata key `hinweis`
/// carries the marking).
pub fn export_geoparquet(
    atlas: &Atlas,
    level: &str,
    periods: &[String],
    intern: bool,
    out: &Path,
) -> Result<GisExportSummary> {
    use parquet::basic::{LogicalType, Repetition, Type as Physical};
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType};
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::types::Type;
    use std::sync::Arc;

    let layer = level_layer(atlas, level, periods, intern)?;
    let parquet_error = |e: parquet::errors::ParquetError| {
        Error::Internal(format!(
            "GeoParquet nicht schreibbar ({})",
            match e {
                parquet::errors::ParquetError::External(_) => "Ein-/Ausgabefehler",
                _ => "Aufbau der Datei",
            }
        ))
    };
    let text_field = |name: &str, repetition: Repetition| {
        Type::primitive_type_builder(name, Physical::BYTE_ARRAY)
            .with_repetition(repetition)
            .with_logical_type(Some(LogicalType::String))
            .build()
            .map(Arc::new)
    };
    let mut fields = vec![
        text_field("schluessel", Repetition::REQUIRED).map_err(parquet_error)?,
        text_field("name", Repetition::REQUIRED).map_err(parquet_error)?,
        Arc::new(
            Type::primitive_type_builder("geometry", Physical::BYTE_ARRAY)
                .with_repetition(Repetition::REQUIRED)
                .build()
                .map_err(parquet_error)?,
        ),
    ];
    for (column, signs) in layer.columns.iter().zip(&layer.with_signs) {
        fields.push(Arc::new(
            Type::primitive_type_builder(&column.name, Physical::DOUBLE)
                .with_repetition(Repetition::OPTIONAL)
                .build()
                .map_err(parquet_error)?,
        ));
        if *signs {
            fields.push(text_field(&sign_column(&column.name), Repetition::OPTIONAL).map_err(parquet_error)?);
        }
    }
    let schema = Arc::new(
        Type::group_type_builder("quartier")
            .with_fields(fields)
            .build()
            .map_err(parquet_error)?,
    );
    let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    let mut geometries = Vec::with_capacity(layer.features.len());
    for Feature { geometry, .. } in &layer.features {
        if let Some(b) = crate::geometry::bbox(geometry) {
            bbox = [
                bbox[0].min(b[0]),
                bbox[1].min(b[1]),
                bbox[2].max(b[2]),
                bbox[3].max(b[3]),
            ];
        }
        geometries.push(ByteArray::from(crate::geometry::to_wkb(geometry)?));
    }
    let geo = serde_json::json!({
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {"geometry": {
            "encoding": "WKB",
            "geometry_types": ["MultiPolygon"],
            "bbox": if bbox[0].is_finite() { serde_json::json!(bbox) } else { serde_json::Value::Null },
        }},
    });
    let mut metadata = vec![KeyValue::new("geo".to_string(), geo.to_string())];
    if intern {
        metadata.push(KeyValue::new("hinweis".to_string(), INTERNAL_MARKING.to_string()));
    }
    let properties = Arc::new(
        WriterProperties::builder()
            .set_key_value_metadata(Some(metadata))
            .build(),
    );
    write_via_temporary(out, |tmp| -> Result<()> {
        let file = std::fs::File::create(tmp).map_err(|e| Error::io(tmp, e))?;
        let mut writer = SerializedFileWriter::new(file, schema, properties).map_err(parquet_error)?;
        let mut group = writer.next_row_group().map_err(parquet_error)?;
        let texts = |f: fn(&Feature) -> &str| -> Vec<ByteArray> {
            layer.features.iter().map(|x| ByteArray::from(f(x))).collect()
        };
        let mut columns: Vec<ColumnWrite<'_>> = Vec::new();
        let keys = texts(|f| &f.key);
        let names = texts(|f| &f.name);
        columns.push(Box::new(move |w| {
            w.typed::<ByteArrayType>()
                .write_batch(&keys, None, None)
                .map(|_| ())
                .map_err(parquet_error)
        }));
        columns.push(Box::new(move |w| {
            w.typed::<ByteArrayType>()
                .write_batch(&names, None, None)
                .map(|_| ())
                .map_err(parquet_error)
        }));
        columns.push(Box::new(move |w| {
            w.typed::<ByteArrayType>()
                .write_batch(&geometries, None, None)
                .map(|_| ())
                .map_err(parquet_error)
        }));
        for (c, signs) in layer.with_signs.iter().enumerate() {
            let cells: Vec<(Option<f64>, Option<String>)> =
                layer.features.iter().map(|f| number_and_sign(&f.cells[c])).collect();
            let numbers: Vec<f64> = cells.iter().filter_map(|(n, _)| *n).collect();
            let defined: Vec<i16> = cells.iter().map(|(n, _)| i16::from(n.is_some())).collect();
            columns.push(Box::new(move |w| {
                w.typed::<DoubleType>()
                    .write_batch(&numbers, Some(&defined), None)
                    .map(|_| ())
                    .map_err(parquet_error)
            }));
            if *signs {
                let texts: Vec<ByteArray> = cells
                    .iter()
                    .filter_map(|(_, s)| s.as_deref().map(ByteArray::from))
                    .collect();
                let defined: Vec<i16> = cells.iter().map(|(_, s)| i16::from(s.is_some())).collect();
                columns.push(Box::new(move |w| {
                    w.typed::<ByteArrayType>()
                        .write_batch(&texts, Some(&defined), None)
                        .map(|_| ())
                        .map_err(parquet_error)
                }));
            }
        }
        for mut write in columns {
            let mut column = group
                .next_column()
                .map_err(parquet_error)?
                .ok_or_else(|| Error::Internal("GeoParquet: Spalten und Aufbau passen nicht".into()))?;
            write(&mut column)?;
            column.close().map_err(parquet_error)?;
        }
        group.close().map_err(parquet_error)?;
        writer.close().map_err(parquet_error)?;
        Ok(())
    })?;
    Ok(GisExportSummary {
        file: out.display().to_string(),
        layers: vec![summary_of(&layer)],
        suppressed_cells: layer.suppressed_cells,
        intern,
    })
}
