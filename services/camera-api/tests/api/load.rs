//! Load on the real binary for a minute, as production would see it: no
//! `5xx`, no error in its log, and memory that stops growing once warm.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::support::{TestApp, assert_no_canary, eventually};

const CLIENTS: usize = 64;
// Enough that every page and status call does real work; MediaMTX's cost
// per write grows with its path count (make bench measures fleet sizes).
const CAMERAS: i64 = 300;
const LOAD: Duration = Duration::from_secs(60);

/// A small deterministic generator (xorshift64*): each client's mix is
/// different, and the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    /// Requests that did not get the answer a valid request deserves.
    failures: Vec<String>,
}

/// Sends requests one after another until `until`, three in four reads:
/// pages of the list, single cameras and statuses; the rest edits, and
/// cameras created and deleted again.
async fn client(
    http: &reqwest::Client,
    base: &str,
    ids: &[i64],
    n: usize,
    until: Instant,
) -> Tally {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (n as u64 + 1));
    let mut tally = Tally::default();
    let mut created = 0;
    while Instant::now() < until {
        let id = ids[rng.below(ids.len() as u64) as usize];
        let mut requests = match rng.below(100) {
            0..35 => vec![(
                Method::GET,
                format!("/api/cameras?limit=50&offset={}", rng.below(20) * 50),
                None,
                200,
            )],
            35..55 => vec![(Method::GET, format!("/api/cameras/{id}"), None, 200)],
            55..70 => {
                let some: Vec<String> = (0..10)
                    .map(|_| ids[rng.below(ids.len() as u64) as usize].to_string())
                    .collect();
                let path = format!("/api/cameras/status?ids={}", some.join(","));
                vec![(Method::GET, path, None, 200)]
            }
            70..75 => vec![(Method::GET, format!("/api/cameras/{id}/status"), None, 200)],
            75..95 => {
                let body = json!({"location": format!("Aisle {}", rng.below(1000))});
                vec![(Method::PATCH, format!("/api/cameras/{id}"), Some(body), 200)]
            }
            _ => {
                created += 1;
                let body = json!({
                    "name": format!("Load {n}-{created}"),
                    "stream_url": "rtsp://127.0.2.40:554/load",
                });
                vec![(Method::POST, "/api/cameras".to_owned(), Some(body), 201)]
            }
        };
        while let Some((method, path, body, expected)) = requests.pop() {
            let mut request = http.request(method.clone(), format!("{base}{path}"));
            if let Some(body) = body {
                request = request.json(&body);
            }
            let started = Instant::now();
            let (status, text) = match request.send().await {
                Ok(response) => (
                    response.status().as_u16(),
                    response.text().await.unwrap_or_default(),
                ),
                Err(err) => (0, err.to_string()),
            };
            tally.latencies.push(started.elapsed());
            assert_no_canary("a response body", &text);
            if status != expected {
                tally
                    .failures
                    .push(format!("{method} {path}: {status} {text}"));
            } else if method == Method::POST {
                // What this client creates, it deletes again.
                let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["id"].clone();
                requests.push((Method::DELETE, format!("/api/cameras/{id}"), None, 204));
            }
        }
    }
    tally
}

/// The median of the resident-memory samples taken in `[from, to)`.
fn median_rss(samples: &[(Duration, u64)], from: Duration, to: Duration) -> u64 {
    let mut window: Vec<u64> = samples
        .iter()
        .filter(|(at, _)| (from..to).contains(at))
        .map(|(_, rss)| *rss)
        .collect();
    window.sort_unstable();
    window[window.len() / 2]
}

// A minute of load is not a unit test: `make test` runs it as a step of its
// own, after the others (`cargo test … -- --ignored`), with its length said.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak: make test runs it in its own step"]
async fn sixty_four_clients_for_a_minute_no_5xx_no_errors_memory_flat() {
    let mut app = TestApp::spawn().await;
    // Only the binary serves, and reconciles, from here on.
    app.stop().await.unwrap();
    app.insert_cameras(CAMERAS).await;
    let mut service = app.spawn_process(app.env()).await;
    let base = service.base_url().to_owned();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM cameras ORDER BY id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let provisioned = eventually(Duration::from_secs(30), || async {
        app.mediamtx.camera_paths().await.len() == ids.len()
    })
    .await;
    assert!(provisioned, "the start-up pass provisions every camera");

    let mut auth = reqwest::header::HeaderMap::new();
    auth.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {}", app.token).try_into().unwrap(),
    );
    let http = reqwest::Client::builder()
        .no_proxy()
        .default_headers(auth)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    let until = started + LOAD;
    let sampling = async {
        let mut samples = Vec::new();
        while Instant::now() < until {
            samples.push((started.elapsed(), service.rss_kib()));
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        samples
    };
    let clients =
        futures::future::join_all((0..CLIENTS).map(|n| client(&http, &base, &ids, n, until)));
    let (samples, tallies) = tokio::join!(sampling, clients);
    let rss_at_end = service.rss_kib();
    let log = service.log_lines();
    service.kill().await;

    let mut latencies: Vec<Duration> = tallies.iter().flat_map(|t| t.latencies.clone()).collect();
    latencies.sort_unstable();
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    let percentile = |p: usize| latencies[latencies.len() * p / 100];
    println!(
        "{} requests in {LOAD:?} ({:.0}/s), p50 {:?}, p99 {:?}, max {:?}; {} failed",
        latencies.len(),
        latencies.len() as f64 / LOAD.as_secs_f64(),
        percentile(50),
        percentile(99),
        latencies.last().unwrap(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} requests failed, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let errors: Vec<&serde_json::Value> =
        log.iter().filter(|line| line["level"] == "ERROR").collect();
    assert!(errors.is_empty(), "errors logged: {errors:?}");

    // Warm by 20 s: the pool has all its connections, each its statement
    // cache, the allocator its arenas for 64 requests at once. What still
    // grows after that grows with requests served, i.e. leaks. Medians of
    // 10 s windows, so one large response in flight doesn't decide.
    let warm = median_rss(&samples, Duration::from_secs(20), Duration::from_secs(30));
    let late = median_rss(&samples, LOAD - Duration::from_secs(10), LOAD);
    let peak = samples.iter().map(|(_, rss)| *rss).max().unwrap();
    println!(
        "resident memory: {} KiB warm, {late} KiB in the last 10 s, {peak} KiB at most, {rss_at_end} KiB at the end",
        warm
    );
    // The margin allows for allocator noise (glibc keeps freed memory in
    // per-thread arenas, and which thread serves what varies; a run here
    // moved by 1-2 MiB). It is coarse: between the two windows a debug build
    // serves about 8,000 requests, so it catches leaks from about a
    // kilobyte per request (a lost body, a request's state kept forever),
    // not a few bytes.
    let allowed = (warm / 5).max(10 * 1024);
    assert!(
        late <= warm + allowed,
        "memory grew from {warm} KiB to {late} KiB (allowed: +{allowed} KiB)"
    );
}
