//! The load generator every throughput and latency figure comes from.

use std::time::{Duration, Instant};

use futures::future::join_all;

use crate::service::ServiceProcess;

pub const CLIENTS: usize = 64;
const LOAD: Duration = Duration::from_secs(5);

pub struct Load {
    pub p95: Duration,
    pub p99: Duration,
    /// Requests per second.
    pub rate: f64,
}

/// `CLIENTS` concurrent loops requesting `path` for `LOAD`.
pub async fn load(service: &ServiceProcess, path: &str) -> Load {
    load_each(service, |_| path.to_owned()).await
}

/// `CLIENTS` concurrent loops for `LOAD`, each request to the path
/// `path_of` gives for its number (counted per client from 0).
pub async fn load_each(service: &ServiceProcess, path_of: impl Fn(usize) -> String) -> Load {
    load_each_as(service, service.client(), path_of).await
}

/// `load_each` with the credentials of `client`.
pub async fn load_each_as(
    service: &ServiceProcess,
    credentials: &reqwest::Client,
    path_of: impl Fn(usize) -> String,
) -> Load {
    let deadline = Instant::now() + LOAD;
    let path_of = &path_of;
    let clients = (0..CLIENTS).map(|client| async move {
        let mut latencies = Vec::new();
        while Instant::now() < deadline {
            let path = path_of(client * 1_000_000 + latencies.len());
            let started = Instant::now();
            assert_eq!(service.fetch_as(credentials, &path).await, 200, "{path}");
            latencies.push(started.elapsed());
        }
        latencies
    });
    let mut latencies: Vec<Duration> = join_all(clients).await.into_iter().flatten().collect();
    latencies.sort();
    Load {
        p95: latencies[latencies.len() * 95 / 100],
        p99: latencies[latencies.len() * 99 / 100],
        rate: latencies.len() as f64 / LOAD.as_secs_f64(),
    }
}

/// `path` under load, and `/healthz` under the same load just before it:
/// the baseline for its ratios.
pub async fn against_healthz(service: &ServiceProcess, path: &str) -> (Load, Load) {
    let health = load(service, "/healthz").await;
    (load(service, path).await, health)
}

pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
