//! Every importer fed mutated real inputs through the CLI (issue 14): no panic, no abort,
//! exit 0 or exit 1 with a German message, and after every failure an atlas whose content
//! is unchanged.
//!
//! `cargo test --test fuzz_imports` runs 40 mutations per importer. The long run, for an hour:
//! `QUARTIER_FUZZ_SECONDS=3600 cargo test --release --test fuzz_imports -- --nocapture`
//! (a finding is written to `target/fuzz-findings/` and fails the test).
//!
//! The mutations are the ones that broke importers before: bytes flipped, ranges cut out or
//! doubled, the file truncated, and tokens inserted that readers stumble on (quotes,
//! separators, line breaks, signs of official statistics, huge and non-finite numbers,
//! invalid UTF-8). For XLSX the sheet's XML inside the zip is mutated, so that the reader
//! gets past the zip. The random generator is a seeded xorshift: every run is reproducible.
#![allow(clippy::unwrap_used)]

mod common;

use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use common::{ok, repo, s};

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&[u8]] = &[
    b"\"",
    b";",
    b",",
    b"\n",
    b"\r\n",
    b"\t",
    b"-",
    b"\xe2\x80\x93",
    b".",
    b"\xe2\x80\xa6",
    b"/",
    b"x",
    b"(12)",
    b"7p",
    b"999999999999999999999",
    b"-1e309",
    b"NaN",
    b"inf",
    b"\xff\xfe",
    b"\0",
    b"[",
    b"]",
    b"{",
    b"}",
    b"null",
    b"\"coordinates\":null",
    b"<c r=\"XFD1048577\"><v>1</v></c>",
    b"<",
    b"&amp;",
    b"A99999999999",
    b"1e-320",
];

/// One mutation of `input`.
fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.is_empty() {
            out.extend_from_slice(TOKENS[rng.below(TOKENS.len())]);
            continue;
        }
        let at = rng.below(out.len());
        match rng.below(6) {
            0 => out[at] ^= 1 << rng.below(8),
            1 => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                out.drain(at..end);
            }
            2 => {
                let end = (at + 1 + rng.below(256)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            3 => out.truncate(at),
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
        }
    }
    out
}

/// The atlas's content as one number: every table the importers write, row by row.
fn digest(atlas: &Path) -> u64 {
    let conn = rusqlite::Connection::open_with_flags(atlas, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for query in [
        "SELECT id, name, parent_level_id FROM spatial_level ORDER BY id",
        "SELECT id, level_id, key, name, parent_area_id, length(geometry) FROM area ORDER BY id",
        "SELECT id, key, name, kind, aggregation, numerator, denominator, decimals FROM indicator ORDER BY id",
        "SELECT id, label FROM period ORDER BY id",
        "SELECT indicator_id, period_id, level_id, hex(data) FROM value_series ORDER BY id",
        "SELECT id, category_id, name, lon, lat, attributes FROM poi ORDER BY id",
        "SELECT name FROM poi_category ORDER BY id",
        "SELECT indicator_id, level_id, period_id, value FROM official_reference ORDER BY 1, 2, 3",
    ] {
        let mut stmt = conn.prepare(query).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for c in 0..columns {
                format!("{:?}", row.get_ref(c).unwrap()).hash(&mut hasher);
            }
        }
    }
    hasher.finish()
}

/// English that the readers' libraries would write; none of it may reach the planner.
const ENGLISH: &[&str] = &[
    "error",
    "invalid",
    "expected",
    "failed",
    "EOF",
    "at line",
    "No such",
    "Could not",
    "unexpected",
    "while parsing",
    "panicked",
    "called `",
    "stream did not",
    "Zip",
    "Xlsx",
    "deserializ",
    "overflow",
];

/// A message without what it quotes („…“): the quoted text is the user's file (a mutated
/// `.prj` may say "GEOFCS"), not the program's words.
fn unquoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut depth = 0usize;
    for c in message.chars() {
        match c {
            '„' => depth += 1,
            '“' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// One importer under test: its input, how a mutated copy is made, and its command line.
struct Target {
    name: &'static str,
    input: Vec<u8>,
    extension: &'static str,
    /// Mutates the input (XLSX: the sheet inside the zip).
    mutate: fn(&[u8], &mut Rng) -> Vec<u8>,
    args: fn(atlas: &str, file: &str) -> Vec<String>,
}

fn words(text: &str) -> Vec<String> {
    text.split(' ').map(str::to_string).collect()
}

/// The entries of a zip, each passed through `change` (entry index, name, bytes), packed again.
fn rezip(input: &[u8], mut change: impl FnMut(usize, &str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut from = zip::ZipArchive::new(std::io::Cursor::new(input)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..from.len() {
        let mut entry = from.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let bytes = change(i, &name, bytes);
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Mutates the first worksheet of an XLSX (and now and then its shared texts).
fn mutate_xlsx(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    rezip(input, |_, name, bytes| {
        if name == "xl/worksheets/sheet1.xml" || (name == "xl/sharedStrings.xml" && rng.below(3) == 0) {
            mutate(&bytes, rng)
        } else {
            bytes
        }
    })
}

/// Mutates one part of a zipped shapefile (shapes, index, attributes or projection).
fn mutate_shapefile_zip(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let parts = zip::ZipArchive::new(std::io::Cursor::new(input)).unwrap().len();
    let victim = rng.below(parts);
    rezip(
        input,
        |i, _, bytes| if i == victim { mutate(&bytes, rng) } else { bytes },
    )
}

/// The twelve Berlin Bezirke as a zipped shapefile in WGS84, written with the shapefile crate.
fn bezirke_shapefile(dir: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(repo().join("sample_data/geometry/berlin-lor-districts.geojson")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let stem = dir.join("bezirke");
    {
        let shape_writer = shapefile::ShapeWriter::with_shx(
            std::fs::File::create(stem.with_extension("shp")).unwrap(),
            std::fs::File::create(stem.with_extension("shx")).unwrap(),
        );
        let table = dbase::TableWriterBuilder::new()
            .add_character_field(dbase::FieldName::try_from("id").unwrap(), 10)
            .add_character_field(dbase::FieldName::try_from("name").unwrap(), 60)
            .build_with_dest(std::fs::File::create(stem.with_extension("dbf")).unwrap());
        let mut writer = shapefile::Writer::new(shape_writer, table);
        for f in json["features"].as_array().unwrap() {
            let polygons: Vec<Vec<Vec<Vec<f64>>>> = match f["geometry"]["type"].as_str().unwrap() {
                "Polygon" => vec![serde_json::from_value(f["geometry"]["coordinates"].clone()).unwrap()],
                _ => serde_json::from_value(f["geometry"]["coordinates"].clone()).unwrap(),
            };
            let rings = polygons
                .iter()
                .flat_map(|p| p.iter().enumerate())
                .map(|(i, ring)| {
                    let mut points: Vec<shapefile::Point> =
                        ring.iter().map(|c| shapefile::Point::new(c[0], c[1])).collect();
                    // ESRI order: outer rings clockwise, holes counter-clockwise.
                    points.reverse();
                    if i == 0 {
                        shapefile::PolygonRing::Outer(points)
                    } else {
                        shapefile::PolygonRing::Inner(points)
                    }
                })
                .collect();
            let mut record = dbase::Record::default();
            let text = |v: &serde_json::Value| dbase::FieldValue::Character(v.as_str().map(str::to_string));
            record.insert("id".into(), text(&f["properties"]["id"]));
            record.insert("name".into(), text(&f["properties"]["name"]));
            writer
                .write_shape_and_record(&shapefile::Polygon::with_rings(rings), &record)
                .unwrap();
        }
    }
    std::fs::write(stem.with_extension("prj"), r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]"#).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for ext in ["shp", "shx", "dbf", "prj"] {
        zip.start_file(format!("bezirke.{ext}"), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(stem.with_extension(ext)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn targets(dir: &Path, atlas: &Path) -> Vec<Target> {
    let sample = repo().join("sample_data");
    let xlsx = dir.join("bezirke.xlsx");
    ok(&[
        "export",
        "values",
        s(atlas),
        "--level",
        "Bezirk",
        "--period",
        "2019",
        "--format",
        "xlsx",
        "--out",
        s(&xlsx),
    ]);
    vec![
        Target {
            name: "values-csv",
            input: std::fs::read(sample.join("population/berlin-lor-population-2020-02-t2-planning-areas.csv"))
                .unwrap(),
            extension: "csv",
            mutate,
            args: |a, f| {
                words(&format!(
                    "import values {a} --file {f} --level Planungsraum --key-column id --period 2031"
                ))
            },
        },
        Target {
            name: "values-xlsx",
            input: std::fs::read(&xlsx).unwrap(),
            extension: "xlsx",
            mutate: mutate_xlsx,
            args: |a, f| {
                words(&format!(
                    "import values {a} --file {f} --level Bezirk --key-column Schlüssel --period 2031 --skip-unmatched"
                ))
            },
        },
        Target {
            name: "geometry-geojson",
            input: std::fs::read(sample.join("geometry/berlin-lor-districts.geojson")).unwrap(),
            extension: "geojson",
            mutate,
            args: |a, f| {
                words(&format!(
                    "import geometry {a} --file {f} --level Prüfebene --key-column id --new-level"
                ))
            },
        },
        Target {
            name: "geometry-shapefile",
            input: bezirke_shapefile(dir),
            extension: "zip",
            mutate: mutate_shapefile_zip,
            args: |a, f| {
                words(&format!(
                    "import geometry {a} --file {f} --level Prüfebene --key-column id --new-level"
                ))
            },
        },
        Target {
            name: "pois-geojson",
            input: std::fs::read(sample.join("poi/playgrounds-osm.geojson")).unwrap(),
            extension: "geojson",
            mutate,
            args: |a, f| words(&format!("import pois {a} --file {f} --category Prüfung")),
        },
        Target {
            name: "metadata-csv",
            input: std::fs::read(sample.join("indikatoren.csv")).unwrap(),
            extension: "csv",
            mutate,
            args: |a, f| words(&format!("import metadata {a} --file {f}")),
        },
    ]
}

/// Runs `rounds` mutations of every target from `seed` on with the binary `quartier`;
/// returns the number of runs.
fn campaign(dir: &Path, quartier: &Path, pristine: &Path, rounds: usize, seed: u64) -> usize {
    let atlas = dir.join("atlas.quartier");
    std::fs::copy(pristine, &atlas).unwrap();
    let before = digest(&atlas);
    let targets = targets(dir, &atlas);
    let mut runs = 0;
    for (t, target) in targets.iter().enumerate() {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (t as u64 + 1));
        for round in 0..rounds {
            let input = (target.mutate)(&target.input, &mut rng);
            let file = dir.join(format!("eingabe.{}", target.extension));
            std::fs::write(&file, &input).unwrap();
            let args = (target.args)(s(&atlas), s(&file));
            let out = std::process::Command::new(quartier).args(&args).output().unwrap();
            runs += 1;
            let stderr = String::from_utf8_lossy(&out.stderr);
            let finding = match out.status.code() {
                Some(0) => {
                    // A success may change the atlas: start the next round from the original.
                    std::fs::copy(pristine, &atlas).unwrap();
                    let _ = std::fs::remove_file(atlas.with_extension("quartier-wal"));
                    None
                }
                Some(1) => {
                    let message: String = stderr
                        .lines()
                        .filter(|l| !l.starts_with('['))
                        .collect::<Vec<_>>()
                        .join("\n");
                    if !message.starts_with("Fehler:") {
                        Some(format!("exit 1 without a German error: {message}"))
                    } else if let Some(word) = ENGLISH.iter().find(|w| unquoted(&message).contains(*w)) {
                        Some(format!("English „{word}“ in: {message}"))
                    } else if message.len() > 20_000 {
                        Some(format!("message of {} bytes", message.len()))
                    } else if digest(&atlas) != before {
                        Some(format!("the atlas changed although the import failed: {message}"))
                    } else {
                        None
                    }
                }
                code => Some(format!("exit {code:?} (panic or abort): {stderr}")),
            };
            if let Some(finding) = finding {
                let findings = repo().join("target/fuzz-findings");
                std::fs::create_dir_all(&findings).unwrap();
                let kept = findings.join(format!("{}-{seed}-{round}.{}", target.name, target.extension));
                std::fs::write(&kept, &input).unwrap();
                panic!(
                    "{} (seed {seed}, round {round}, input kept in {}): {finding}\nargs: {args:?}",
                    target.name,
                    kept.display()
                );
            }
        }
    }
    runs
}

fn pristine_atlas(dir: &Path) -> PathBuf {
    let atlas = dir.join("beispiel.quartier");
    ok(&["sample", "--out", s(&atlas)]);
    atlas
}

#[test]
fn mutated_inputs_give_success_or_a_german_error_and_leave_the_atlas_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = pristine_atlas(dir.path());
    let seconds: u64 = std::env::var("QUARTIER_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if seconds == 0 {
        let runs = campaign(dir.path(), Path::new(env!("CARGO_BIN_EXE_quartier")), &pristine, 40, 1);
        assert_eq!(runs, 240);
        return;
    }
    // The long run uses its own copy of the binary: a build in the meantime must not pull
    // it away under a running campaign.
    let quartier = dir.path().join("quartier");
    std::fs::copy(env!("CARGO_BIN_EXE_quartier"), &quartier).unwrap();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let (mut seed, mut runs) = (1u64, 0);
    while std::time::Instant::now() < until {
        runs += campaign(dir.path(), &quartier, &pristine, 20, seed);
        seed += 1;
        println!(
            "{runs} Eingaben, {} s",
            seconds - until.saturating_duration_since(std::time::Instant::now()).as_secs()
        );
    }
}
