//! 1,000 concurrent public requests for one indicator's values: the Quartier server against
//! Python's threading `http.server` serving the same file from the same bundle (a static
//! file server, the floor of what serving can cost), on 127.0.0.1 in the same run. Prints
//! p50 and p99 of both and the ratio. `cargo bench -p quartier-server --bench serve`.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use quartier_server::{bind, Config, Store};

const REQUESTS: usize = 1000;

/// p50 and p99 of a burst of `REQUESTS` concurrent GETs of `url`, in milliseconds: on new
/// connections (each request its own, as from a thousand browsers), then on open connections
/// kept by a pooling client (as a load balancer or CDN in front of the server keeps them).
fn measure(runtime: &tokio::runtime::Runtime, url: &str) -> [(f64, f64); 2] {
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(REQUESTS)
            .build()
            .unwrap();
        // Warm up.
        client.get(url).send().await.unwrap().bytes().await.unwrap();
        let burst = || async {
            let tasks: Vec<_> = (0..REQUESTS)
                .map(|_| {
                    let client = client.clone();
                    let url = url.to_string();
                    tokio::spawn(async move {
                        let start = Instant::now();
                        let response = client.get(&url).send().await.unwrap();
                        assert!(response.status().is_success(), "{}", response.status());
                        response.bytes().await.unwrap();
                        start.elapsed()
                    })
                })
                .collect();
            let mut times = Vec::with_capacity(REQUESTS);
            for t in tasks {
                times.push(t.await.unwrap());
            }
            percentiles(times)
        };
        // The first burst opens the pool's connections, the second reuses them.
        burst().await;
        let open = burst().await;
        [new_connections_burst(url).await, open]
    })
}

/// p50 and p99 in milliseconds of `REQUESTS` concurrent GETs of `url`, each on a new
/// connection that the server closes after its answer: a lean load generator in the manner
/// of `ab` or `wrk` (connect, one request, read to the end), so that the figure is the
/// server's and the kernel's, not a client library's (reqwest's connection setup alone
/// added 60–80 ms to p99 here).
async fn new_connections_burst(url: &str) -> (f64, f64) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let tasks: Vec<_> = (0..REQUESTS)
        .map(|_| {
            let host = host.to_string();
            let request = request.clone();
            tokio::spawn(async move {
                let start = Instant::now();
                let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
                stream.set_nodelay(true).unwrap();
                stream.write_all(request.as_bytes()).await.unwrap();
                let mut answer = Vec::new();
                stream.read_to_end(&mut answer).await.unwrap();
                let elapsed = start.elapsed();
                let status_line = answer.split(|b| *b == b'\r').next().unwrap();
                assert!(
                    status_line.ends_with(b" 200 OK"),
                    "{}",
                    String::from_utf8_lossy(status_line)
                );
                // The whole JSON of 448 areas arrived, not a cut-off answer.
                assert!(
                    answer.ends_with(b"}") || answer.ends_with(b"]"),
                    "unvollständige Antwort"
                );
                elapsed
            })
        })
        .collect();
    let mut times = Vec::with_capacity(REQUESTS);
    for t in tasks {
        times.push(t.await.unwrap());
    }
    percentiles(times)
}

/// p50 and p99 of `times`, in milliseconds.
fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(times[times.len() / 2]), ms(times[times.len() * 99 / 100]))
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let atlas_path = dir.path().join("berlin.quartier");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data");
    quartier_core::sample::build_sample_atlas(&sample, &atlas_path, false, &quartier_core::NoProgress).unwrap();
    let mut atlas = quartier_core::Atlas::open(&atlas_path).unwrap();
    atlas
        .release_indicators(&["ew_6_15".into()], &["Planungsraum".into()], false, "Bench")
        .unwrap();
    let bundle = dir.path().join("buendel");
    quartier_core::publish::write_bundle(&atlas, &bundle, &quartier_core::NoProgress).unwrap();

    let data = dir.path().join("server");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: data,
        store: None,
        store_options: Default::default(),
        max_upload_bytes: 1 << 20,
        max_failed_logins: 5,
    };
    let store = Store::open(&config).unwrap();
    runtime.block_on(async {
        store.add_municipality("berlin", "Berlin").await.unwrap();
        let manifest_text = std::fs::read_to_string(bundle.join("manifest.json")).unwrap();
        let manifest: quartier_server::Manifest = serde_json::from_str(&manifest_text).unwrap();
        for f in &manifest.files {
            let bytes = std::fs::read(bundle.join(&f.path)).unwrap();
            store.put_blob("berlin", &f.sha256, bytes.into()).await.unwrap();
        }
        store.activate("berlin", &manifest_text).await.unwrap();
    });
    drop(store);
    // The server on a runtime of its own, as in its own process (like the peer); the client
    // on `runtime`.
    let server_runtime = tokio::runtime::Runtime::new().unwrap();
    let (address, server) = server_runtime.block_on(bind(&config)).unwrap();
    server_runtime.spawn(server);
    let ours = measure(
        &runtime,
        &format!("http://{address}/berlin/api/values?indicator=ew_6_15&level=Planungsraum&period=2020"),
    );

    // The peer: the same file from Python's threading static file server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Python's threading static file server, with a listen queue long enough for the burst
    // (its default of 5 would drop connections).
    let script = format!(
        "import http.server, functools\n\
         class S(http.server.ThreadingHTTPServer):\n    request_queue_size = 2048\n\
         h = functools.partial(http.server.SimpleHTTPRequestHandler, directory='.')\n\
         h.log_message = lambda *a: None\n\
         S(('127.0.0.1', {port}), h).serve_forever()"
    );
    let mut python = std::process::Command::new("python3")
        .args(["-c", &script])
        .current_dir(&bundle)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "http.server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let peer = measure(
        &runtime,
        &format!("http://127.0.0.1:{port}/values/ew_6_15/planungsraum/2020.json"),
    );
    let _ = python.kill();
    let _ = python.wait();
    println!("{REQUESTS} gleichzeitige Anfragen nach den Werten eines Indikators (448 Planungsräume):");
    for (i, burst) in ["neue Verbindungen", "offene Verbindungen"].iter().enumerate() {
        println!("  {burst}:");
        println!(
            "    Quartier-Server:      p50 {:.1} ms, p99 {:.1} ms",
            ours[i].0, ours[i].1
        );
        println!(
            "    Python http.server:   p50 {:.1} ms, p99 {:.1} ms",
            peer[i].0, peer[i].1
        );
        println!("    Verhältnis (p99):     {:.2}", ours[i].1 / peer[i].1);
    }
}
