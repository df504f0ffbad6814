//! Snapshots (issue 5): a cold snapshot through the API costs at most 1.1×
//! the same ffmpeg run directly; a cached snapshot's p99 stays under 5 ms
//! with 64 concurrent clients; 50 concurrent cold requests start one ffmpeg.

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::json;

use crate::Row;
use crate::load::{against_healthz, median, ms};
use crate::service::ServiceProcess;
use crate::support::TestApp;
use crate::support::camera::TestCamera;

const COLD_RUNS: usize = 15;

pub async fn snapshots(app: &TestApp, service: &ServiceProcess, rows: &mut Vec<Row>) {
    let camera = TestCamera::start().await;
    let response = service
        .post_json(
            "/api/cameras",
            &json!({"name": "Bench", "stream_url": camera.url("cam1")}),
        )
        .await;
    let id = response.json()["id"].as_i64().expect("camera created");

    // 1. Cold snapshot: API vs ffmpeg directly, alternating, medians.
    let ffmpeg_args = [
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-skip_frame",
        "nokey",
        "-rtsp_transport",
        "tcp",
        "-timeout",
        "8000000",
        "-probesize",
        "5000",
        "-analyzeduration",
        "0",
        "-i",
        &camera.url("cam1"),
        "-an",
        "-frames:v",
        "1",
        "-f",
        "image2pipe",
        "-c:v",
        "mjpeg",
        "-q:v",
        "4",
        "pipe:1",
    ];
    let (mut direct, mut api) = (Vec::new(), Vec::new());
    for _ in 0..COLD_RUNS {
        let started = Instant::now();
        let output = tokio::process::Command::new("ffmpeg")
            .args(ffmpeg_args)
            .output()
            .await
            .expect("ffmpeg runs");
        assert!(output.status.success());
        direct.push(started.elapsed());
        let started = Instant::now();
        let response = service
            .get(&format!("/api/cameras/{id}/snapshot?max_age=0"))
            .await;
        assert_eq!(response.status, 200);
        api.push(started.elapsed());
    }
    let ratio = median(&mut api).as_secs_f64() / median(&mut direct).as_secs_f64();
    rows.push(Row::new(
        "cold snapshot, API / ffmpeg directly on the same camera (medians)",
        format!(
            "{ratio:.2} ({:.0} ms / {:.0} ms)",
            ms(median(&mut api)),
            ms(median(&mut direct))
        ),
        "≤ 1.1",
        ratio <= 1.1,
    ));

    // 2. Cached snapshot p99 under 64 clients, beside /healthz under the same load.
    let snapshot_url = format!("/api/cameras/{id}/snapshot?max_age=3600");
    assert_eq!(service.get(&snapshot_url).await.status, 200);
    let (cached, health) = against_healthz(service, &snapshot_url).await;
    rows.push(Row::new(
        "cached snapshot p99, 64 connections",
        format!(
            "{:.2} ms (healthz {:.2} ms, ratio {:.2})",
            ms(cached.p99),
            ms(health.p99),
            cached.p99.as_secs_f64() / health.p99.as_secs_f64()
        ),
        "≤ 5 ms",
        cached.p99 <= Duration::from_millis(5),
    ));
    rows.push(Row::reported(
        "cached snapshot throughput / healthz",
        format!(
            "{:.2} ({:.0} / {:.0} req/s)",
            cached.rate / health.rate,
            cached.rate,
            health.rate
        ),
    ));

    // 3. Fifty concurrent cold requests: one ffmpeg.
    let before = app.media.starts("ffmpeg");
    let url = format!("/api/cameras/{id}/snapshot?max_age=0&width=320");
    let answers = join_all((0..50).map(|_| service.get(&url))).await;
    let ok = answers
        .iter()
        .filter(|response| response.status == 200)
        .count();
    let started = app.media.starts("ffmpeg") - before;
    rows.push(Row::new(
        "50 concurrent cold snapshots: ffmpeg started, answered 200",
        format!("{started} started, {ok}/50 answered"),
        "1 started, 50 answered",
        started == 1 && ok == 50,
    ));
    app.media.assert_none_running().await;
}
