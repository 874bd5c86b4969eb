//! Coordinate reference systems: recognising them from `.prj` texts, GeoJSON and
//! user input, and transforming coordinates to WGS84.
//!
//! Recognition never guesses silently: a `.prj` that maps to none of the supported
//! systems is an error. DHDN Gauss-Krüger `.prj` files from ESRI software carry no
//! TOWGS84; they are mapped to EPSG:31466–31469, whose definitions include the
//! datum shift (otherwise points land about 180 m off).

use proj4rs::Proj;

use crate::{Error, Result};

/// EPSG codes this build transforms, with their German description.
pub const SUPPORTED: &[(u16, &str)] = &[
    (4326, "WGS 84 geographisch"),
    (4258, "ETRS89 geographisch"),
    (4314, "DHDN geographisch"),
    (3857, "WGS 84 / Pseudo-Mercator (Web-Karten)"),
    (25832, "ETRS89 / UTM Zone 32N"),
    (25833, "ETRS89 / UTM Zone 33N"),
    (32632, "WGS 84 / UTM Zone 32N"),
    (32633, "WGS 84 / UTM Zone 33N"),
    (31466, "DHDN / Gauß-Krüger Zone 2"),
    (31467, "DHDN / Gauß-Krüger Zone 3"),
    (31468, "DHDN / Gauß-Krüger Zone 4"),
    (31469, "DHDN / Gauß-Krüger Zone 5"),
];

fn supported_list() -> String {
    SUPPORTED
        .iter()
        .map(|(c, _)| format!("EPSG:{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown(source_name: &str, detail: impl Into<String>) -> Error {
    Error::UnknownCrs {
        source_name: source_name.to_string(),
        detail: detail.into(),
        supported: supported_list(),
    }
}

/// Parses `EPSG:25833`, `epsg:25833`, `25833`, `urn:ogc:def:crs:EPSG::25833` or the CRS84 URN.
///
/// ```
/// use quartier_core::crs::parse_epsg;
/// assert_eq!(parse_epsg("urn:ogc:def:crs:EPSG::25833", "x").unwrap(), 25833);
/// assert_eq!(parse_epsg("urn:ogc:def:crs:OGC:1.3:CRS84", "x").unwrap(), 4326);
/// assert!(parse_epsg("EPSG:2056", "x").is_err());
/// ```
pub fn parse_epsg(text: &str, source_name: &str) -> Result<u16> {
    let t = text.trim();
    let lower = t.to_lowercase();
    if lower.ends_with("crs84") || lower == "wgs84" {
        return Ok(4326);
    }
    let digits: String = lower
        .rsplit(':')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    let code: u16 = digits
        .parse()
        .map_err(|_| unknown(source_name, format!("„{t}“ ist kein EPSG-Code")))?;
    if SUPPORTED.iter().any(|(c, _)| *c == code) {
        Ok(code)
    } else {
        Err(unknown(source_name, format!("EPSG:{code} wird nicht unterstützt")))
    }
}

/// Recognises the CRS of an ESRI or OGC `.prj` (WKT1) text.
///
/// Order: the EPSG authority of the outermost definition, then well-known names, then the
/// projection parameters (Transverse Mercator with central meridian, false easting and
/// scale factor; the ellipsoid tells ETRS89 from DHDN).
pub fn crs_from_prj(text: &str, source_name: &str) -> Result<u16> {
    let t = text.trim();
    if t.is_empty() {
        return Err(unknown(source_name, "die .prj-Datei ist leer"));
    }
    // The outermost AUTHORITY is the last one in the text.
    if let Some(pos) = t.rfind("AUTHORITY[\"EPSG\",") {
        let rest = &t[pos + 17..];
        let code: String = rest
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if let Ok(code) = code.parse::<u16>() {
            if SUPPORTED.iter().any(|(c, _)| *c == code) {
                return Ok(code);
            }
        }
    }
    let compact: String = t.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let first_name = t.split('"').nth(1).unwrap_or("").to_string();
    let name: String = first_name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let is_projected = t.to_uppercase().starts_with("PROJCS");
    if is_projected {
        for (needle, code) in [
            ("etrs1989utmzone32n", 25832),
            ("etrs89utmzone32n", 25832),
            ("etrs1989utmzone33n", 25833),
            ("etrs89utmzone33n", 25833),
            ("wgs1984utmzone32n", 32632),
            ("wgs84utmzone32n", 32632),
            ("wgs1984utmzone33n", 32633),
            ("wgs84utmzone33n", 32633),
            ("webmercator", 3857),
            ("pseudomercator", 3857),
            ("popularvisualisation", 3857),
        ] {
            if name.contains(needle) {
                return Ok(code);
            }
        }
        if name.contains("dhdn") || name.contains("gauss") || name.contains("gk") {
            for zone in 2..=5u16 {
                let z = zone.to_string();
                if name.ends_with(&format!("zone{z}"))
                    || name.ends_with(&format!("gk{z}"))
                    || name.ends_with(&format!("streifen{z}"))
                {
                    return Ok(31464 + zone);
                }
            }
        }
        return crs_from_parameters(t, &compact, source_name);
    }
    if compact.starts_with("geogcs") {
        if compact.contains("deutscheshauptdreiecksnetz") || name.contains("dhdn") {
            return Ok(4314);
        }
        if name.contains("etrs") || compact.contains("europeanterrestrialreferencesystem1989") {
            return Ok(4258);
        }
        if name.contains("wgs1984") || name.contains("wgs84") {
            return Ok(4326);
        }
    }
    Err(unknown(
        source_name,
        format!("„{}“", t.chars().take(120).collect::<String>()),
    ))
}

fn wkt_parameter(text: &str, name: &str) -> Option<f64> {
    let lower = text.to_lowercase();
    let pos = lower.find(&format!("parameter[\"{name}\""))?;
    let rest = &text[pos..];
    let value = rest.split(',').nth(1)?;
    value.trim().trim_end_matches(']').trim().parse().ok()
}

fn crs_from_parameters(text: &str, compact: &str, source_name: &str) -> Result<u16> {
    let transverse = compact.contains("transversemercator") || compact.contains("gausskruger");
    let cm = wkt_parameter(text, "central_meridian");
    let fe = wkt_parameter(text, "false_easting");
    let k = wkt_parameter(text, "scale_factor").unwrap_or(1.0);
    let bessel = compact.contains("bessel");
    let grs80 = compact.contains("grs1980") || compact.contains("grs80");
    let wgs84 = compact.contains("wgs1984") || compact.contains("wgs84");
    if let (true, Some(cm), Some(fe)) = (transverse, cm, fe) {
        let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
        if near(k, 0.9996) && near(fe, 500_000.0) {
            let zone_code = |base: u16| {
                if near(cm, 9.0) {
                    Some(base + 32)
                } else if near(cm, 15.0) {
                    Some(base + 33)
                } else {
                    None
                }
            };
            let code = if grs80 {
                zone_code(25800)
            } else if wgs84 {
                zone_code(32600)
            } else {
                None
            };
            if let Some(code) = code {
                return Ok(code);
            }
        }
        if near(k, 1.0) && bessel {
            for zone in 2..=5u16 {
                if near(cm, f64::from(zone) * 3.0) && near(fe, f64::from(zone) * 1_000_000.0 + 500_000.0) {
                    return Ok(31464 + zone);
                }
            }
        }
        return Err(unknown(
            source_name,
            format!("Transversale Mercator-Projektion mit Mittelmeridian {cm}°, False Easting {fe} und Maßstab {k} passt zu keinem unterstützten System"),
        ));
    }
    Err(unknown(
        source_name,
        format!("„{}“", text.chars().take(120).collect::<String>()),
    ))
}

/// Transforms coordinates of one CRS to WGS84 longitude/latitude in degrees.
pub struct ToWgs84 {
    epsg: u16,
    source: Option<Proj>,
    target: Proj,
}

impl std::fmt::Debug for ToWgs84 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ToWgs84(EPSG:{})", self.epsg)
    }
}

impl ToWgs84 {
    /// Prepares the transformation from `epsg` (one of [`SUPPORTED`]).
    pub fn new(epsg: u16) -> Result<Self> {
        let internal =
            |_: proj4rs::errors::Error| Error::Invalid(format!("Transformation EPSG:{epsg} nicht verfügbar"));
        let target = Proj::from_epsg_code(4326).map_err(internal)?;
        let source = if epsg == 4326 {
            None
        } else {
            Some(Proj::from_epsg_code(epsg).map_err(internal)?)
        };
        Ok(ToWgs84 { epsg, source, target })
    }

    /// The source EPSG code.
    pub fn epsg(&self) -> u16 {
        self.epsg
    }

    /// Transforms one coordinate pair (x/easting or longitude first) to `(lon, lat)` in degrees.
    pub fn lon_lat(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        let Some(source) = &self.source else {
            return Ok((x, y));
        };
        let mut p = if source.is_latlong() {
            (x.to_radians(), y.to_radians(), 0.0)
        } else {
            (x, y, 0.0)
        };
        proj4rs::transform::transform(source, &self.target, &mut p).map_err(|_| {
            Error::Invalid(format!(
                "Koordinate ({x}, {y}) lässt sich aus EPSG:{} nicht umrechnen (außerhalb des Gültigkeitsbereichs?)",
                self.epsg
            ))
        })?;
        Ok((p.0.to_degrees(), p.1.to_degrees()))
    }
}

/// The metric projection for distances and grids: ETRS89 / UTM in the zone of the
/// municipality (Germany: 32 west of 12° E, 33 east of it), as DESIGN § 8 prescribes.
pub struct Metric {
    zone: u8,
    wgs84: Proj,
    utm: Proj,
}

impl std::fmt::Debug for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Metric(UTM {})", self.zone)
    }
}

impl Metric {
    /// The UTM zone of a longitude in degrees.
    ///
    /// ```
    /// assert_eq!(quartier_core::crs::Metric::zone_of(13.4), 33); // Berlin
    /// assert_eq!(quartier_core::crs::Metric::zone_of(10.0), 32); // Hamburg
    /// ```
    pub fn zone_of(lon: f64) -> u8 {
        (((lon + 180.0) / 6.0).floor() as i64 + 1).clamp(1, 60) as u8
    }

    /// The projection for a municipality centred at `lon` degrees.
    pub fn for_longitude(lon: f64) -> Result<Self> {
        let zone = Self::zone_of(lon);
        let internal = |_: proj4rs::errors::Error| Error::Invalid(format!("UTM-Zone {zone} nicht verfügbar"));
        Ok(Metric {
            zone,
            wgs84: Proj::from_epsg_code(4326).map_err(internal)?,
            utm: Proj::from_proj_string(&format!("+proj=utm +zone={zone} +ellps=GRS80 +units=m +no_defs"))
                .map_err(internal)?,
        })
    }

    /// The projection for the municipality these geometries (in degrees) make up: the zone of
    /// the mean of their bounding boxes' centres.
    pub fn for_geometries<'a>(geometries: impl IntoIterator<Item = &'a geo::MultiPolygon<f64>>) -> Result<Self> {
        use geo::BoundingRect;
        let (sum, n) = geometries
            .into_iter()
            .filter_map(|g| g.bounding_rect())
            .fold((0.0, 0usize), |(sum, n), r| {
                (sum + (r.min().x + r.max().x) / 2.0, n + 1)
            });
        Self::for_longitude(if n == 0 { 0.0 } else { sum / n as f64 })
    }

    /// How distances are measured, for reports (German).
    pub fn describe_de(&self) -> String {
        let epsg = match self.zone {
            32 => " (EPSG:25832)".to_string(),
            33 => " (EPSG:25833)".to_string(),
            _ => String::new(),
        };
        format!("Luftlinie, eben in ETRS89 / UTM Zone {}N{epsg}", self.zone)
    }

    /// (lon, lat) in degrees → (easting, northing) in metres.
    pub fn project(&self, lon: f64, lat: f64) -> Result<(f64, f64)> {
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        proj4rs::transform::transform(&self.wgs84, &self.utm, &mut p).map_err(|_| {
            Error::Invalid(format!(
                "Koordinate ({lon}, {lat}) lässt sich nicht nach UTM umrechnen (außerhalb des Gültigkeitsbereichs?)"
            ))
        })?;
        Ok((p.0, p.1))
    }

    /// (easting, northing) in metres → (lon, lat) in degrees.
    pub fn unproject(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        let mut p = (x, y, 0.0);
        proj4rs::transform::transform(&self.utm, &self.wgs84, &mut p)
            .map_err(|_| Error::Invalid(format!("UTM-Koordinate ({x}, {y}) lässt sich nicht zurückrechnen")))?;
        Ok((p.0.to_degrees(), p.1.to_degrees()))
    }

    /// A multipolygon in degrees, projected.
    pub fn project_polygons(&self, g: &geo::MultiPolygon<f64>) -> Result<geo::MultiPolygon<f64>> {
        use geo::MapCoords;
        g.try_map_coords(|c| {
            let (x, y) = self.project(c.x, c.y)?;
            Ok(geo::coord! { x: x, y: y })
        })
    }
}

/// Whether coordinates in `epsg` are degrees of longitude and latitude (not metres).
pub fn is_geographic(epsg: u16) -> bool {
    matches!(epsg, 4326 | 4258 | 4314)
}

/// The extent of Germany with a margin of about 50 km (lon min, lat min, lon max, lat max):
/// areas outside it are not a German municipality's, usually a wrong coordinate system.
pub const GERMANY_EXTENT: [f64; 4] = [5.2, 46.8, 15.8, 55.5];

/// Plausibility of WGS84 coordinates for a German municipality: inside the world, and not
/// obviously projected metres.
pub fn looks_like_lon_lat(x: f64, y: f64) -> bool {
    (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESRI_GK3: &str = r#"PROJCS["DHDN_3_Degree_Gauss_Zone_3",GEOGCS["GCS_Deutsches_Hauptdreiecksnetz",DATUM["D_Deutsches_Hauptdreiecksnetz",SPHEROID["Bessel_1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",3500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",9.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    const ESRI_UTM32: &str = r#"PROJCS["ETRS_1989_UTM_Zone_32N",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",9.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    const OGC_GK4_BY_PARAMS: &str = r#"PROJCS["Lokales System",GEOGCS["DHDN",DATUM["Deutsches_Hauptdreiecksnetz",SPHEROID["Bessel 1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",12],PARAMETER["scale_factor",1],PARAMETER["false_easting",4500000],PARAMETER["false_northing",0],UNIT["metre",1]]"#;

    #[test]
    fn recognises_esri_and_ogc_prj_texts() {
        assert_eq!(crs_from_prj(ESRI_GK3, "t.prj").unwrap(), 31467);
        assert_eq!(crs_from_prj(ESRI_UTM32, "t.prj").unwrap(), 25832);
        assert_eq!(crs_from_prj(OGC_GK4_BY_PARAMS, "t.prj").unwrap(), 31468);
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(crs_from_prj(wgs, "t.prj").unwrap(), 4326);
        let merc = r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Mercator_Auxiliary_Sphere"]]"#;
        assert_eq!(crs_from_prj(merc, "t.prj").unwrap(), 3857);
    }

    #[test]
    fn unknown_prj_is_an_error_not_a_guess() {
        let swiss = r#"PROJCS["CH1903+_LV95",GEOGCS["GCS_CH1903+",DATUM["D_CH1903+",SPHEROID["Bessel_1841",6377397.155,299.1528128]]],PROJECTION["Hotine_Oblique_Mercator_Azimuth_Center"],PARAMETER["False_Easting",2600000.0]]"#;
        let err = crs_from_prj(swiss, "kreis.prj").unwrap_err().to_string();
        assert!(err.contains("kreis.prj") && err.contains("nicht erkannt"), "{err}");
    }

    #[test]
    fn metric_projection_matches_epsg_25833_and_round_trips() {
        // Brandenburger Tor: ETRS89 / UTM 33N 389,950 / 5,819,650 (about).
        let m = Metric::for_longitude(13.4).unwrap();
        let (x, y) = m.project(13.377_704, 52.516_275).unwrap();
        let epsg = ToWgs84::new(25833).unwrap();
        let (lon, lat) = epsg.lon_lat(x, y).unwrap();
        assert!((lon - 13.377_704).abs() < 1e-7 && (lat - 52.516_275).abs() < 1e-7);
        assert!(
            (389_000.0..391_000.0).contains(&x) && (5_819_000.0..5_821_000.0).contains(&y),
            "{x} {y}"
        );
        let (lon2, lat2) = m.unproject(x, y).unwrap();
        assert!((lon2 - 13.377_704).abs() < 1e-9 && (lat2 - 52.516_275).abs() < 1e-9);
        assert!(m.describe_de().contains("EPSG:25833"));
    }

    #[test]
    fn dhdn_includes_the_datum_shift() {
        // Brandenburger Tor in WGS84, taken to DHDN GK zone 4 and back through our path.
        let (lon0, lat0): (f64, f64) = (13.377_704, 52.516_275);
        let wgs = Proj::from_epsg_code(4326).unwrap();
        let gk4 = Proj::from_epsg_code(31468).unwrap();
        let mut p = (lon0.to_radians(), lat0.to_radians(), 0.0);
        proj4rs::transform::transform(&wgs, &gk4, &mut p).unwrap();
        // 1.378° east of the zone's 12° meridian at 52.5° N is about 93.4 km: R ≈ 4 593 400, H ≈ 5 821 200.
        assert!(
            (p.0 - 4_593_400.0).abs() < 1_000.0 && (p.1 - 5_821_200.0).abs() < 1_000.0,
            "GK4 {p:?}"
        );
        let (lon, lat) = ToWgs84::new(31468).unwrap().lon_lat(p.0, p.1).unwrap();
        assert!((lon - lon0).abs() < 1e-8 && (lat - lat0).abs() < 1e-8);
        // The same GK coordinates read without the Potsdam datum shift land far away:
        // that is the error an ESRI .prj without TOWGS84 would cause.
        let no_shift = Proj::from_proj_string(
            "+proj=tmerc +lat_0=0 +lon_0=12 +k=1 +x_0=4500000 +y_0=0 +ellps=bessel +units=m +no_defs",
        )
        .unwrap();
        let mut q = (p.0, p.1, 0.0);
        proj4rs::transform::transform(&no_shift, &wgs, &mut q).unwrap();
        let dx = (q.0.to_degrees() - lon0) * 111_320.0 * lat0.to_radians().cos();
        let dy = (q.1.to_degrees() - lat0) * 111_320.0;
        assert!((dx * dx + dy * dy).sqrt() > 100.0, "datum shift missing? {dx} {dy}");
    }

    #[test]
    fn utm33_to_wgs84() {
        let t = ToWgs84::new(25833).unwrap();
        // Kita F.A.I.R.play, Albrechtstr. 20, Berlin: stated lat/lon 52.52251, 13.38439.
        let (lon, lat) = t.lon_lat(390_387.4, 5_820_383.1).unwrap();
        assert!(
            (lon - 13.38439).abs() < 0.0003 && (lat - 52.52251).abs() < 0.0003,
            "{lon} {lat}"
        );
    }
}
