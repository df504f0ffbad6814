//! The camera list and the status of many cameras under load, and what the
//! service holds in memory.

use std::time::{Duration, Instant};

use camera_api::cameras::Sort;

use crate::Row;
use crate::load::{against_healthz, load, load_each, median, mib, ms};
use crate::provisioning::cameras;
use crate::service::{Memory, ServiceProcess};
use crate::support::TestApp;

const LIST: &str = "/api/cameras?limit=50";
const STATUS: &str = "/api/cameras/status?limit=500";
const STATUS_RUNS: usize = 20;
const MIB: u64 = 1024 * 1024;

pub async fn list(app: &TestApp, service: &ServiceProcess, rows: &mut Vec<Row>) {
    let count = cameras(app).await;
    let (list, health) = against_healthz(service, LIST).await;
    let ratio = list.rate / health.rate;
    rows.push(Row::new(
        format!("`GET {LIST}` ({count} cameras) throughput / `GET /healthz`, 64 connections"),
        format!("{ratio:.2} ({:.0} / {:.0} req/s)", list.rate, health.rate),
        "≥ 0.4",
        ratio >= 0.4,
    ));
    rows.push(Row::new(
        format!("`GET {LIST}` ({count} cameras) p99, 64 connections"),
        format!("{:.2} ms (healthz {:.2} ms)", ms(list.p99), ms(health.p99)),
        "< 5 ms",
        list.p99 < Duration::from_millis(5),
    ));
    // The rows above read pages the service keeps whole until a camera
    // changes; this is the price of a page it has to make from the catalog.
    let unkept = load_each(service, |n| {
        // Scattered over some 200,000 different pages: few are asked twice.
        let n = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16;
        let (limit, offset, sort) = (
            40 + n % 21,
            n / 21 % 1000,
            (n / 21_000) as usize % Sort::VALUES.len(),
        );
        format!(
            "/api/cameras?limit={limit}&offset={offset}&sort={}",
            Sort::VALUES[sort].0
        )
    })
    .await;
    rows.push(Row::reported(
        format!("`GET /api/cameras?limit=40…60` ({count} cameras), pages made from the catalog (offset and sort scattered, so rarely one kept whole), 64 connections: throughput / `GET /healthz`"),
        format!(
            "{:.2} ({:.0} req/s), p99 {:.2} ms",
            unkept.rate / health.rate,
            unkept.rate,
            ms(unkept.p99)
        ),
    ));
}

/// One request at a time, counting the MediaMTX runtime calls each makes.
pub async fn status(app: &TestApp, service: &ServiceProcess, rows: &mut Vec<Row>) {
    let faults = app.mediamtx.faults();
    // Every second the reconciler asks MediaMTX for one path it left in
    // place, to notice a reload that dropped them all: what is asked while
    // no status request runs is its own, not a status request's.
    let quiet_from = faults.requests().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let reconcilers: Vec<String> = faults.requests()[quiet_from..]
        .iter()
        .map(|request| request.path.clone())
        .collect();
    let runtime_calls = || {
        let requests = faults.requests();
        requests
            .iter()
            .filter(|request| {
                request.path.starts_with("/v3/paths/") && !reconcilers.contains(&request.path)
            })
            .count()
    };
    let (mut times, mut calls) = (Vec::new(), Vec::new());
    for _ in 0..STATUS_RUNS {
        let before = runtime_calls();
        let started = Instant::now();
        let response = service.get(STATUS).await;
        times.push(started.elapsed());
        calls.push(runtime_calls() - before);
        assert_eq!(response.status, 200, "{}", response.text);
        assert_eq!(response.json()["items"].as_array().map(Vec::len), Some(500));
    }
    let most_calls = calls.iter().copied().max().unwrap_or_default();
    let slowest = times.iter().copied().max().unwrap_or_default();
    let typical = median(&mut times);
    rows.push(Row::new(
        format!("`GET {STATUS}` (500 cameras): MediaMTX calls, time (median of {STATUS_RUNS})"),
        format!(
            "{most_calls} call(s), {:.1} ms (slowest {:.1} ms)",
            ms(typical),
            ms(slowest)
        ),
        "1 call, ≤ 20 ms",
        most_calls == 1 && typical <= Duration::from_millis(20),
    ));
}

/// Idle as measured at start-up; loaded: sampled while the list load above
/// runs against 10,000 cameras.
pub async fn memory(service: &ServiceProcess, idle: &Memory, rows: &mut Vec<Row>) {
    rows.push(Row::new(
        "resident memory (VmRSS), idle, no cameras",
        format!("{:.1} MiB", mib(idle.resident)),
        "≤ 25 MiB",
        idle.resident <= 25 * MIB,
    ));
    let loading = load(service, LIST);
    tokio::pin!(loading);
    let mut sampling = tokio::time::interval(Duration::from_millis(100));
    let mut most = 0;
    let loaded = loop {
        tokio::select! {
            loaded = &mut loading => break loaded,
            _ = sampling.tick() => most = most.max(service.memory().resident),
        }
    };
    rows.push(Row::new(
        "resident memory (VmRSS), 10,000 cameras, under the list load (64 connections)",
        format!(
            "{:.1} MiB at most while loaded ({:.0} req/s; peak since start, VmHWM: {:.1} MiB)",
            mib(most),
            loaded.rate,
            mib(service.memory().peak)
        ),
        "≤ 80 MiB",
        most <= 80 * MIB,
    ));
}
