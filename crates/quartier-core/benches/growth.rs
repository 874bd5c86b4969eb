//! Growth benchmark: every importer at a base size, 10× and 100×, printing the time and the
//! factor per tenfold input (1 would be free, 10 linear, 100 quadratic), with the Python peer
//! (`peer_growth.py`, standard library, linear by construction) on the same files.
//!
//! `cargo bench -p quartier-core --bench growth`
//!
//! Cases, from issue 14's reproducers: one polygon ring of 10k / 100k / 1M vertices
//! ("Koordinaten werden umgerechnet" took 0.47 / 4.0 / 44.7 s for 10k / 30k / 100k);
//! `import values --create-missing` with 10k / 100k / 1M new keys; a population table whose
//! rows repeat (5k / 50k / 500k rows, refused as duplicates); and 10k / 100k / 1M POIs.

#[allow(dead_code)] // the comparison helpers are for the analysis benches
mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use quartier_core::import::addresses::{import_addresses, AddressImport};
use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::import::network::{import_network, NetworkImport};
use quartier_core::import::pois::{import_pois, PoiImport};
use quartier_core::import::values::{import_values, UnmatchedPolicy, ValuesImport};
use quartier_core::{Atlas, NoProgress};

/// One importer with its input sizes, its input generator and the peer's kind of input.
struct Case {
    title: &'static str,
    sizes: [usize; 3],
    peer_kind: &'static str,
    make: fn(&Path, usize) -> PathBuf,
    import: fn(&mut Atlas, &Path) -> quartier_core::Result<()>,
    /// Needs the real Hamburg files beside the repository.
    hamburg: bool,
}

/// A refusal of duplicate rows is this case's success.
fn refused_as_duplicates(
    outcome: quartier_core::Result<quartier_core::import::values::ValuesImportSummary>,
) -> quartier_core::Result<()> {
    match outcome {
        Err(quartier_core::Error::Import(_)) => Ok(()),
        Err(e) => Err(e),
        Ok(_) => Err(quartier_core::Error::Invalid(
            "doppelte Gebiete wurden angenommen".into(),
        )),
    }
}

const CASES: &[Case] = &[
    Case {
        title: "Ein Polygon-Ring (Ecken)",
        sizes: [10_000, 100_000, 1_000_000],
        peer_kind: "ring",
        make: ring_file,
        import: |atlas, file| {
            import_geometry(
                atlas,
                &GeometryImport {
                    level: "Ring".into(),
                    file: file.to_path_buf(),
                    key_column: "id".into(),
                    ..Default::default()
                },
                &NoProgress,
            )
            .map(|_| ())
        },
        hamburg: false,
    },
    Case {
        title: "Werte mit --create-missing (neue Schlüssel)",
        sizes: [10_000, 100_000, 1_000_000],
        peer_kind: "table",
        make: new_keys_file,
        import: |atlas, file| {
            import_values(
                atlas,
                &ValuesImport {
                    file: file.to_path_buf(),
                    level: "Gebiet".into(),
                    key_column: "id".into(),
                    period: Some("2024".into()),
                    unmatched: UnmatchedPolicy::CreateMissing,
                    confirm_create: true,
                    ..Default::default()
                },
                &NoProgress,
            )
            .map(|_| ())
        },
        hamburg: false,
    },
    Case {
        title: "Einwohnertabelle wiederholt (Zeilen, als doppelt abgelehnt)",
        sizes: [5_000, 50_000, 500_000],
        peer_kind: "table",
        make: repeated_population_file,
        import: |atlas, file| {
            refused_as_duplicates(import_values(
                atlas,
                &ValuesImport {
                    file: file.to_path_buf(),
                    level: "Planungsraum".into(),
                    key_column: "id".into(),
                    period: Some("2020".into()),
                    ..Default::default()
                },
                &NoProgress,
            ))
        },
        hamburg: false,
    },
    Case {
        title: "Hamburger Stadtteil-Profile wiederholt (Zeilen, über Namen, als doppelt abgelehnt)",
        sizes: [1_070, 10_700, 107_000],
        peer_kind: "table",
        make: repeated_hamburg_file,
        import: |atlas, file| {
            refused_as_duplicates(import_values(
                atlas,
                &ValuesImport {
                    file: file.to_path_buf(),
                    level: "Stadtteil".into(),
                    key_column: "Stadtgebiet".into(),
                    match_by: quartier_core::import::values::MatchBy::Name,
                    period: Some("2014".into()),
                    ..Default::default()
                },
                &NoProgress,
            ))
        },
        hamburg: true,
    },
    Case {
        title: "Einrichtungen (Punkte)",
        sizes: [10_000, 100_000, 1_000_000],
        peer_kind: "table",
        make: pois_file,
        import: |atlas, file| {
            import_pois(
                atlas,
                &PoiImport {
                    file: file.to_path_buf(),
                    category: "Punkt".into(),
                    ..Default::default()
                },
                &NoProgress,
            )
            .map(|_| ())
        },
        hamburg: false,
    },
    Case {
        title: "Adressen mit Einwohnern (Punkte)",
        sizes: [10_000, 100_000, 1_000_000],
        peer_kind: "table",
        make: addresses_file,
        import: |atlas, file| {
            import_addresses(
                atlas,
                &AddressImport {
                    file: file.to_path_buf(),
                    residents_column: "ew".into(),
                    ..Default::default()
                },
                &NoProgress,
            )
            .map(|_| ())
        },
        hamburg: false,
    },
    Case {
        title: "Straßennetz (Linien eines Gitters)",
        sizes: [1_000, 10_000, 100_000],
        peer_kind: "lines",
        make: network_file,
        import: |atlas, file| {
            import_network(
                atlas,
                &NetworkImport {
                    file: file.to_path_buf(),
                    ..Default::default()
                },
                &NoProgress,
            )
            .map(|_| ())
        },
        hamburg: false,
    },
];

/// `GROWTH_CHILD=CASE:FILE:ATLAS`: runs one import in this process and prints its time and
/// the process's peak memory (VmHWM), so that each measurement has its own peak.
fn main() {
    if let Ok(spec) = std::env::var("GROWTH_CHILD") {
        let mut parts = spec.splitn(3, ':');
        let (Some(case), Some(file), Some(atlas)) = (parts.next(), parts.next(), parts.next()) else {
            panic!("GROWTH_CHILD=CASE:FILE:ATLAS");
        };
        let case = &CASES[case.parse::<usize>().expect("case")];
        let mut atlas = base_atlas(Path::new(atlas));
        let t = Instant::now();
        let outcome = (case.import)(&mut atlas, Path::new(file));
        let seconds = t.elapsed().as_secs_f64();
        match outcome {
            Ok(()) => println!("{seconds} {}", peak_kib()),
            Err(e) => println!("Fehler {e}"),
        }
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    println!("Wachstum je Verzehnfachung der Eingabe (10 = linear, 100 = quadratisch); Spitze: größter Arbeitsspeicher des Imports\n");
    for (i, case) in CASES.iter().enumerate() {
        if case.hamburg && !hamburg_dir().exists() {
            continue;
        }
        run_case(dir.path(), i, case);
    }
}

/// The peak resident memory of this process in KiB (Linux), 0 where unknown.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// Runs one importer at each size in a child process on a fresh atlas and prints a table.
fn run_case(dir: &Path, index: usize, case: &Case) {
    println!("{}", case.title);
    println!(
        "  {:>10} | {:>9} | {:>7} | {:>9} | {:>9} | {:>7} | {:>8}",
        "Größe", "Quartier", "Faktor", "Spitze", "Peer", "Faktor", "Q/Peer"
    );
    let (mut last, mut last_peer) = (None::<f64>, None::<f64>);
    for &n in &case.sizes {
        let file = (case.make)(dir, n);
        let path = dir.join(format!("growth-{n}.quartier"));
        let _ = std::fs::remove_file(&path);
        let child = std::process::Command::new(std::env::current_exe().expect("exe"))
            .env("GROWTH_CHILD", format!("{index}:{}:{}", file.display(), path.display()))
            .output()
            .expect("child");
        let answer = String::from_utf8_lossy(&child.stdout).trim().to_string();
        let mut numbers = answer.split_whitespace().map(|x| x.parse::<f64>());
        let (Some(Ok(ours)), Some(Ok(peak))) = (numbers.next(), numbers.next()) else {
            println!("  {n:>10} | {answer} {}", String::from_utf8_lossy(&child.stderr));
            continue;
        };
        let db = dir.join(format!("peer-{n}.sqlite"));
        let _ = std::fs::remove_file(&db);
        let peer = common::run_peer(
            "peer_growth.py",
            &[
                case.peer_kind.to_string(),
                file.display().to_string(),
                db.display().to_string(),
            ],
            "",
        )
        .and_then(|p| p["seconds"].as_f64());
        let factor = |now: f64, before: Option<f64>| before.map_or("–".to_string(), |b| format!("{:.1}", now / b));
        let mut line = String::new();
        let _ = write!(
            line,
            "  {n:>10} | {:>7.3} s | {:>7} | {:>5.0} MiB",
            ours,
            factor(ours, last),
            peak / 1024.0
        );
        match peer {
            Some(p) => {
                let _ = write!(
                    line,
                    " | {:>7.3} s | {:>7} | {:>8.2}",
                    p,
                    factor(p, last_peer),
                    ours / p
                );
            }
            None => line.push_str(" |         – |       – |        –"),
        }
        println!("{line}");
        last = Some(ours);
        last_peer = peer;
        let _ = std::fs::remove_file(&file);
    }
    println!();
}

/// An atlas with the sample's Planungsraum level (for the population table).
fn base_atlas(path: &Path) -> Atlas {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data");
    let mut atlas = Atlas::create(path, "Wachstum", None).expect("create");
    import_geometry(
        &mut atlas,
        &GeometryImport {
            level: "Planungsraum".into(),
            file: sample.join("geometry/berlin-lor-planning-areas-until-2020.geojson"),
            key_column: "id".into(),
            ..Default::default()
        },
        &NoProgress,
    )
    .expect("Planungsräume");
    atlas.create_level("Gebiet", None).expect("level");
    if hamburg_dir().exists() {
        import_geometry(
            &mut atlas,
            &GeometryImport {
                level: "Stadtteil".into(),
                file: hamburg_dir().join("hamburg-district-regions.geojson"),
                key_column: "id".into(),
                name_column: Some("name".into()),
                ..Default::default()
            },
            &NoProgress,
        )
        .expect("Stadtteile");
    }
    atlas
}

/// The real Hamburg files beside the repository (`../shared/realdata/hamburg`).
fn hamburg_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/realdata/hamburg")
}

/// Hamburg's Stadtteil profile table (107 rows with totals and merged rows), repeated to `n`
/// rows, the header once.
fn repeated_hamburg_file(dir: &Path, n: usize) -> PathBuf {
    let text =
        std::fs::read_to_string(hamburg_dir().join("Daten_fuer_die_Stadtteilprofile_2014.csv")).expect("Hamburg");
    let mut lines = text.lines();
    let mut out = lines.next().expect("header").to_string() + "\n";
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    for i in 0..n {
        out.push_str(rows[i % rows.len()]);
        out.push('\n');
    }
    let path = dir.join(format!("hamburg-{n}.csv"));
    std::fs::write(&path, out).expect("write");
    path
}

/// One ring of `n` vertices: a wobbly circle of 5 km around Berlin's centre.
fn ring_file(dir: &Path, n: usize) -> PathBuf {
    let mut coords = String::with_capacity(n * 40);
    for i in 0..=n {
        let a = (i % n) as f64 / n as f64 * std::f64::consts::TAU;
        let r = 0.05 * (1.0 + 0.1 * (7.0 * a).sin());
        if i > 0 {
            coords.push(',');
        }
        let _ = write!(coords, "[{:.9},{:.9}]", 13.4 + r * a.cos() * 1.6, 52.5 + r * a.sin());
    }
    let path = dir.join(format!("ring-{n}.geojson"));
    std::fs::write(
        &path,
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"1"}},"geometry":{{"type":"Polygon","coordinates":[[{coords}]]}}}}]}}"#
        ),
    )
    .expect("write");
    path
}

/// `n` rows with new keys and two numbers.
fn new_keys_file(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("id;ew;ew_u6\n");
    for i in 0..n {
        let _ = writeln!(text, "K{i:07};{};{}", 1000 + i % 5000, 50 + i % 300);
    }
    let path = dir.join(format!("keys-{n}.csv"));
    std::fs::write(&path, text).expect("write");
    path
}

/// The sample's population table (448 Planungsräume), its rows repeated to `n`.
fn repeated_population_file(dir: &Path, n: usize) -> PathBuf {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../sample_data/population/berlin-lor-population-2020-02-t2-planning-areas.csv");
    let text = std::fs::read_to_string(sample).expect("population");
    let mut lines = text.lines();
    let header = lines.next().expect("header").replace(',', ";");
    let rows: Vec<String> = lines.map(|l| l.replace(',', ";")).collect();
    let mut out = header + "\n";
    for i in 0..n {
        out.push_str(&rows[i % rows.len()]);
        out.push('\n');
    }
    let path = dir.join(format!("population-{n}.csv"));
    std::fs::write(&path, out).expect("write");
    path
}

/// `n` points in Berlin with a name.
fn pois_file(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("name;lon;lat\n");
    for i in 0..n {
        let (x, y) = ((i * 7919) % 10_007, (i * 104_729) % 10_009);
        let _ = writeln!(
            text,
            "Punkt {i};{:.6};{:.6}",
            13.1 + 0.5 * x as f64 / 10_007.0,
            52.35 + 0.3 * y as f64 / 10_009.0
        );
    }
    let path = dir.join(format!("pois-{n}.csv"));
    std::fs::write(&path, text).expect("write");
    path
}

/// `n` address points in Berlin with residents.
fn addresses_file(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("adresse;lon;lat;ew\n");
    for i in 0..n {
        let (x, y) = ((i * 7919) % 10_007, (i * 104_729) % 10_009);
        let _ = writeln!(
            text,
            "Straße {i};{:.6};{:.6};{}",
            13.1 + 0.5 * x as f64 / 10_007.0,
            52.35 + 0.3 * y as f64 / 10_009.0,
            1 + i % 40
        );
    }
    let path = dir.join(format!("adressen-{n}.csv"));
    std::fs::write(&path, text).expect("write");
    path
}

/// About `n` street segments: a square grid over Berlin, each block edge one line.
fn network_file(dir: &Path, n: usize) -> PathBuf {
    let side = ((n / 2) as f64).sqrt().ceil() as usize;
    let step = 0.3 / side as f64;
    let mut features = Vec::with_capacity(2 * side * side);
    for i in 0..side {
        for j in 0..side {
            let (x, y) = (13.2 + i as f64 * step * 1.6, 52.4 + j as f64 * step);
            for (dx, dy) in [(step * 1.6, 0.0), (0.0, step)] {
                features.push(format!(
                    r#"{{"type":"Feature","properties":{{}},"geometry":{{"type":"LineString","coordinates":[[{x:.7},{y:.7}],[{:.7},{:.7}]]}}}}"#,
                    x + dx,
                    y + dy
                ));
            }
        }
    }
    let path = dir.join(format!("netz-{n}.geojson"));
    std::fs::write(
        &path,
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")),
    )
    .expect("write");
    path
}
