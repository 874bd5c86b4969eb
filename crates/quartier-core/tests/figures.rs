//! Print figures on the Berlin sample atlas, read back as a reader would: the PNG's pixels at
//! known places (an area's interior point projected with proj4rs, the scale bar measured
//! against the map's own extent), the PDF's text through poppler's pdftotext, and what the
//! suppression hides, against `suppress`'s report.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;
use geo::InteriorPoint;
use quartier_core::analysis::chart::age_structure;
use quartier_core::analysis::classify::{classify_series, Method};
use quartier_core::analysis::suppress::{suppress, HiddenCells, SuppressRequest};
use quartier_core::export::INTERNAL_MARKING;
use quartier_core::figure::chart::{chart_figure, ChartKind, ChartRequest};
use quartier_core::figure::map::{map_figure, ClassStyle, MapFigure, MapRequest};
use quartier_core::figure::palette::{self, SchemeKind};
use quartier_core::figure::{write_figure, Page, Rgb};
use quartier_core::{Atlas, NoProgress};

const DPI: f64 = 150.0;

fn request(indicator: &str, method: Method, intern: bool) -> MapRequest {
    MapRequest {
        indicator: indicator.into(),
        level: "Planungsraum".into(),
        period: "2020".into(),
        style: ClassStyle {
            method,
            classes: 6,
            scheme: None,
            reversed: false,
        },
        page: Page::default(),
        labels: false,
        pois: Vec::new(),
        columns: None,
        intern,
    }
}

/// The map as a PNG, read back.
fn rendered(map: &MapFigure, dir: &Path, name: &str) -> image::RgbImage {
    let out = dir.join(name);
    let file = write_figure(&map.figure, &out, DPI).unwrap();
    let png = image::open(&out).unwrap().to_rgb8();
    assert_eq!(file.pixels, Some([png.width(), png.height()]));
    png
}

fn px(mm: f64) -> f64 {
    mm / 25.4 * DPI
}

/// Where the map puts its areas: the pixel box of the class-coloured pixels in the frame and
/// the areas' extent in ETRS89 / UTM 33 metres (proj4rs, independent of the figure code).
struct Placement {
    left: f64,
    top: f64,
    px_per_m_x: f64,
    px_per_m_y: f64,
    x_min: f64,
    y_max: f64,
    utm: proj4rs::Proj,
    wgs84: proj4rs::Proj,
}

impl Placement {
    fn measure(png: &image::RgbImage, map: &MapFigure, fills: &[Rgb], atlas: &Atlas) -> Self {
        let [fx, fy, fw, fh] = map.summary.frame_mm;
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
        for y in px(fy) as u32 + 2..px(fy + fh) as u32 - 2 {
            for x in px(fx) as u32 + 2..px(fx + fw) as u32 - 2 {
                // A fill colour; grey only with grey neighbours (not the edge of a letter).
                let p = png.get_pixel(x, y).0;
                let fill = fills.iter().any(|c| c.0 == p)
                    && (p != palette::NO_DATA.0
                        || [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                            .iter()
                            .all(|&(u, v)| png.get_pixel(u, v).0 == p));
                if fill {
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                }
            }
        }
        let wgs84 = proj4rs::Proj::from_epsg_code(4326).unwrap();
        let utm = proj4rs::Proj::from_proj_string("+proj=utm +zone=33 +ellps=GRS80 +units=m +no_defs").unwrap();
        let level = atlas.level("Planungsraum").unwrap();
        let (mut ex0, mut ey0, mut ex1, mut ey1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (_, g) in atlas.area_geometries(level.id).unwrap() {
            for polygon in &g {
                for c in polygon.exterior().coords() {
                    let mut p = (c.x.to_radians(), c.y.to_radians(), 0.0);
                    proj4rs::transform::transform(&wgs84, &utm, &mut p).unwrap();
                    (ex0, ey0, ex1, ey1) = (ex0.min(p.0), ey0.min(p.1), ex1.max(p.0), ey1.max(p.1));
                }
            }
        }
        Placement {
            left: f64::from(x0),
            top: f64::from(y0),
            px_per_m_x: f64::from(x1 - x0 + 1) / (ex1 - ex0),
            px_per_m_y: f64::from(y1 - y0 + 1) / (ey1 - ey0),
            x_min: ex0,
            y_max: ey1,
            utm,
            wgs84,
        }
    }

    /// The pixel of a point in degrees.
    fn pixel(&self, lon: f64, lat: f64) -> (u32, u32) {
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        proj4rs::transform::transform(&self.wgs84, &self.utm, &mut p).unwrap();
        (
            (self.left + (p.0 - self.x_min) * self.px_per_m_x).round() as u32,
            (self.top + (self.y_max - p.1) * self.px_per_m_y).round() as u32,
        )
    }
}

/// The interior point of an area, in degrees.
fn interior(atlas: &Atlas, key: &str) -> (f64, f64) {
    let level = atlas.level("Planungsraum").unwrap();
    let (_, g) = atlas
        .area_geometries(level.id)
        .unwrap()
        .into_iter()
        .find(|(a, _)| &*a.key == key)
        .unwrap();
    let p = g.interior_point().unwrap();
    (p.x(), p.y())
}

fn class_colours(k: usize) -> Vec<Rgb> {
    let scheme = palette::scheme(SchemeKind::Sequential, None);
    (1..=k).map(|c| scheme.class_colour(c, k, false, false)).collect()
}

#[test]
fn the_map_png_has_each_area_in_its_class_colour_and_a_true_scale_bar() {
    let (dir, atlas) = sample_atlas();
    let map = map_figure(&atlas, &request("anteil_u6", Method::Quantile, false)).unwrap();
    let png = rendered(&map, dir.path(), "karte.png");
    // A4 portrait at 150 dpi.
    assert_eq!(png.dimensions(), (1240, 1754));
    let colours = class_colours(6);
    let mut fills = colours.clone();
    fills.push(palette::NO_DATA);
    let at = Placement::measure(&png, &map, &fills, &atlas);
    // The map keeps the aspect: one scale across and down.
    assert!(
        (at.px_per_m_x / at.px_per_m_y - 1.0).abs() < 0.01,
        "{} vs {}",
        at.px_per_m_x,
        at.px_per_m_y
    );

    // Areas in their class colour at their interior point (classes from the engine's
    // classification, colours from ColorBrewer's YlOrRd).
    let classes = classify_series(&atlas, "anteil_u6", "Planungsraum", "2020", &Method::Quantile, 6, None).unwrap();
    // One area of each class, the largest of its class (its interior point far from borders).
    let level = atlas.level("Planungsraum").unwrap();
    let geometries = atlas.area_geometries(level.id).unwrap();
    for class in 1..=6 {
        let area = classes
            .areas
            .iter()
            .filter(|a| a.class == Some(class))
            .max_by(|a, b| {
                let size = |key: &str| {
                    let (_, g) = geometries.iter().find(|(r, _)| &*r.key == key).unwrap();
                    quartier_core::geometry::area_m2(g)
                };
                size(&a.key).total_cmp(&size(&b.key))
            })
            .unwrap();
        let (lon, lat) = interior(&atlas, &area.key);
        let (x, y) = at.pixel(lon, lat);
        let expected = colours[class - 1];
        assert_eq!(
            png.get_pixel(x, y).0,
            expected.0,
            "{} ({}) at ({x}, {y})",
            area.key,
            area.name
        );
    }

    // The scale bar: its measured length over its stated length is the map's scale.
    let [bx, by] = map.summary.scale_bar_at_mm;
    let row = px(by + 0.7).round() as u32;
    let dark: Vec<u32> = (px(bx - 2.0) as u32..px(bx + map.summary.scale_bar_mm + 3.0) as u32)
        .filter(|&x| {
            let [r, g, b] = png.get_pixel(x, row).0;
            u32::from(r) + u32::from(g) + u32::from(b) < 600
        })
        .collect();
    let bar_px = f64::from(dark.last().unwrap() - dark.first().unwrap() + 1);
    let bar_px_per_m = bar_px / map.summary.scale_bar_m;
    let ratio = bar_px_per_m / at.px_per_m_x;
    assert!(
        (ratio - 1.0).abs() < 0.02,
        "scale bar {bar_px} px for {} m: ratio {ratio}",
        map.summary.scale_bar_m
    );
    // The bar's label states the length it has.
    assert_eq!(map.summary.scale_bar_m, 10_000.0);
    assert!(map.figure.svg.contains(">10 km</text>"));
    // The stated scale: 1 : n means n metres of ground per metre of paper.
    let n = 1.0 / (at.px_per_m_x / DPI * 0.0254);
    assert!(
        (map.summary.scale / n - 1.0).abs() < 0.02,
        "{} vs {n}",
        map.summary.scale
    );
}

#[test]
fn a_map_hides_what_suppression_hides_unless_it_is_marked_internal() {
    let (dir, atlas) = sample_atlas();
    let report = suppress(
        &atlas,
        &SuppressRequest {
            level: "Planungsraum".into(),
            period: "2020".into(),
            indicators: vec!["ew_6_15".into()],
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let hidden: Vec<&str> = report
        .cells
        .iter()
        .filter(|c| c.level == "Planungsraum")
        .map(|c| c.key.as_str())
        .collect();
    // Two counts of 3 and the two cells that protect them.
    assert_eq!(hidden.len(), 4, "{hidden:?}");
    assert!(hidden.contains(&"04061757"), "Forst Grunewald, 3 children");

    let public = map_figure(&atlas, &request("ew_6_15", Method::EqualInterval, false)).unwrap();
    assert_eq!(public.summary.suppressed_cells, 4);
    let k_a = public
        .summary
        .classes
        .iter()
        .find(|(l, _)| l.starts_with("k. A."))
        .unwrap();
    assert_eq!(k_a.1, 4, "{:?}", public.summary.classes);
    assert!(public.figure.svg.contains("geheim gehalten (Datenschutz)"));
    assert!(!public.figure.svg.contains(INTERNAL_MARKING));

    let internal = map_figure(&atlas, &request("ew_6_15", Method::EqualInterval, true)).unwrap();
    assert_eq!(internal.summary.suppressed_cells, 0);
    assert!(internal.summary.classes.iter().all(|(l, _)| !l.starts_with("k. A.")));
    assert!(internal.figure.svg.contains(INTERNAL_MARKING));

    // On the page: Forst Grunewald is grey, and in its class colour only when internal.
    let colours = class_colours(6);
    let mut fills = colours.clone();
    fills.push(palette::NO_DATA);
    let (lon, lat) = interior(&atlas, "04061757");
    let png = rendered(&public, dir.path(), "oeffentlich.png");
    let (x, y) = Placement::measure(&png, &public, &fills, &atlas).pixel(lon, lat);
    assert_eq!(png.get_pixel(x, y).0, palette::NO_DATA.0);
    let png = rendered(&internal, dir.path(), "intern.png");
    let (x, y) = Placement::measure(&png, &internal, &fills, &atlas).pixel(lon, lat);
    assert_eq!(png.get_pixel(x, y).0, colours[0].0, "3 children: the lowest class");
}

#[test]
fn the_map_pdf_is_an_a4_page_whose_text_a_reader_finds() {
    let (dir, atlas) = sample_atlas();
    let map = map_figure(&atlas, &request("ew_6_15", Method::EqualInterval, false)).unwrap();
    let out = dir.path().join("karte.pdf");
    write_figure(&map.figure, &out, DPI).unwrap();
    let info = std::process::Command::new("pdfinfo").arg(&out).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");
    let text = std::process::Command::new("pdftotext")
        .arg(&out)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    for expected in [
        "Berlin (Beispielatlas), Planungsraum – Einwohner 6 bis unter 15 Jahre, 2020",
        "Quelle: Amt für Statistik Berlin-Brandenburg",
        "Stand: 31.12.2020",
        "k. A. (ohne Wert oder geheim gehalten) (4)",
        "10 km",
        "1 : 250.000",
    ] {
        assert!(text.contains(expected), "„{expected}“ missing in:\n{text}");
    }
}

#[test]
fn charts_leave_out_suppressed_cells_and_say_so() {
    let (_dir, atlas) = sample_atlas();
    let chart = |kind, indicators: &[&str], areas: &[&str], intern| {
        chart_figure(
            &atlas,
            &ChartRequest {
                kind,
                indicators: indicators.iter().map(|s| s.to_string()).collect(),
                level: "Planungsraum".into(),
                period: "2020".into(),
                areas: areas.iter().map(|s| s.to_string()).collect(),
                style: ClassStyle::default(),
                intern,
            },
        )
        .unwrap()
    };
    // Age structure of Forst Grunewald: 3 children aged 6 to 15 and 3 aged 15 to 18.
    let public = chart(ChartKind::Age, &[], &["04061757"], false);
    assert!(public.figure.svg.contains("6 bis unter 15: k. A."));
    assert!(public.figure.svg.contains("15 bis unter 18: k. A."));
    assert!(public.figure.svg.contains("2 geheim gehalten"));
    let internal = chart(ChartKind::Age, &[], &["04061757"], true);
    assert!(!internal.figure.svg.contains(": k. A."));
    assert!(internal.figure.svg.contains(INTERNAL_MARKING));

    // The shares shown are of the bands shown, computed by hand from the stored counts.
    let ages = common::BERLIN_AGE_GROUPS;
    let keys: Vec<String> = ages.iter().map(|s| s.to_string()).collect();
    let hidden = HiddenCells::compute(&atlas, "Planungsraum", "2020", &keys).unwrap();
    let a = age_structure(&atlas, "Planungsraum", "2020", &["04061757".to_string()], &hidden).unwrap();
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2020").unwrap();
    let area = atlas
        .areas(level.id)
        .unwrap()
        .into_iter()
        .find(|a| &*a.key == "04061757")
        .unwrap();
    let count = |key: &str| {
        let meta = atlas.indicator(key).unwrap();
        atlas.values(meta.id, level.id, period.id).unwrap()[&area.id]
            .number()
            .unwrap()
    };
    let shown: Vec<&str> = ages
        .iter()
        .copied()
        .filter(|k| !["ew_6_15", "ew_15_18"].contains(k))
        .collect();
    let total: f64 = shown.iter().map(|k| count(k)).sum();
    for band in &a.bands {
        if shown.contains(&band.indicator.as_str()) {
            let expected = count(&band.indicator) / total * 100.0;
            assert!(
                (band.group_share.unwrap() - expected).abs() < 1e-9,
                "{}",
                band.indicator
            );
        } else {
            assert!(band.suppressed && band.group_share.is_none() && band.reference_share.is_none());
        }
    }

    // Bars: every area with a published value, none of the hidden ones.
    let bars = chart(ChartKind::Bar, &["ew_6_15"], &[], false);
    let published = classify_series(
        &atlas,
        "ew_6_15",
        "Planungsraum",
        "2020",
        &Method::EqualInterval,
        6,
        None,
    )
    .unwrap()
    .areas
    .iter()
    .filter(|a| a.value.is_some())
    .count();
    assert_eq!(bars.summary.marks, published - 4);
    // One rect per bar besides the white background.
    assert_eq!(bars.figure.svg.matches("<rect ").count(), bars.summary.marks + 1);
    assert!(bars.figure.svg.contains("Berlin (Beispielatlas) (Gesamtstadt): "));
}
