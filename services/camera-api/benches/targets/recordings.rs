//! Recordings (issue 19): what listing a day of recordings costs for 100
//! cameras, each day holding 144 spans (a segment every ten minutes), read
//! by the real MediaMTX playback server from real segment files.

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use futures::StreamExt;
use serde_json::json;

use crate::Row;
use crate::load::{median, ms};
use crate::service::ServiceProcess;
use crate::support::camera::TestCamera;
use crate::support::{TestApp, eventually};

const CAMERAS: usize = 100;
const SPANS_A_DAY: i64 = 144;
const IN_FLIGHT: usize = 16;

pub async fn day_of_100_cameras(app: &TestApp, service: &ServiceProcess, rows: &mut Vec<Row>) {
    let camera = TestCamera::start().await;
    let segment = one_segment(app, service, &camera).await;
    let ids = add_cameras(service, &camera).await;
    let provisioned = eventually(Duration::from_secs(60), || async {
        let paths = app.mediamtx.camera_paths().await;
        ids.iter().all(|id| paths.contains(&format!("cam_{id}")))
    })
    .await;
    assert!(provisioned, "the cameras were not provisioned");
    // The same segment under the names MediaMTX gives a segment every ten
    // minutes over the last day (the first five minutes into it, so it is
    // still within the day the list asks for a while later).
    let now = Utc::now();
    for id in &ids {
        let dir = app.mediamtx.recordings_dir().join(format!("cam_{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        for n in 0..SPANS_A_DAY {
            let start = now - TimeDelta::minutes(10 * (SPANS_A_DAY - n) - 5);
            let name = start.format("%Y-%m-%d_%H-%M-%S-%6fZ.mp4").to_string();
            std::fs::write(dir.join(name), &segment).unwrap();
        }
    }
    let list = |id: i64| async move {
        let started = Instant::now();
        let response = service.get(&format!("/api/cameras/{id}/recordings")).await;
        assert_eq!(response.status, 200, "{}", response.text);
        let spans = response.json()["spans"].as_array().map_or(0, Vec::len);
        assert_eq!(spans as i64, SPANS_A_DAY, "{}", response.text);
        started.elapsed()
    };

    let started = Instant::now();
    let mut each = Vec::new();
    for id in &ids {
        each.push(list(*id).await);
    }
    let one_by_one = started.elapsed();
    rows.push(Row::reported(
        format!(
            "a day of recordings ({SPANS_A_DAY} spans) listed for each of {CAMERAS} cameras, \
             one after another: in all; median per camera"
        ),
        format!(
            "{:.2} s; {:.0} ms",
            one_by_one.as_secs_f64(),
            ms(median(&mut each))
        ),
    ));
    let started = Instant::now();
    futures::stream::iter(ids.iter().map(|id| list(*id)))
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let together = started.elapsed();
    rows.push(Row::new(
        format!(
            "the same {CAMERAS} days, {IN_FLIGHT} requests at a time (a 100-tile timeline): in all"
        ),
        format!("{:.2} s", together.as_secs_f64()),
        "≤ 2 s",
        together <= Duration::from_secs(2),
    ));
}

/// A complete segment of `camera`, recorded by MediaMTX.
async fn one_segment(app: &TestApp, service: &ServiceProcess, camera: &TestCamera) -> Vec<u8> {
    let response = service
        .post_json(
            "/api/cameras",
            &json!({"name": "Recorder", "stream_url": camera.url("cam1"),
                    "recording": {"mode": "continuous"}}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    let id = response.json()["id"].as_i64().unwrap();
    let dir = app.mediamtx.recordings_dir().join(format!("cam_{id}"));
    let files = || {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
            .unwrap_or_default();
        files.sort();
        files
    };
    // The first is complete once a second one has started.
    let recorded = eventually(Duration::from_secs(30), || async { files().len() >= 2 }).await;
    assert!(recorded, "MediaMTX recorded nothing");
    let segment = std::fs::read(&files()[0]).unwrap();
    // It records no more: the rest of the suite has the machine to itself.
    let response = service.delete(&format!("/api/cameras/{id}")).await;
    assert_eq!(response.status, 204, "{}", response.text);
    segment
}

async fn add_cameras(service: &ServiceProcess, camera: &TestCamera) -> Vec<i64> {
    futures::stream::iter(0..CAMERAS)
        .map(|n| async move {
            let response = service
                .post_json(
                    "/api/cameras",
                    &json!({"name": format!("Timeline {n}"), "stream_url": camera.url("cam1")}),
                )
                .await;
            assert_eq!(response.status, 201, "{}", response.text);
            response.json()["id"].as_i64().unwrap()
        })
        .buffer_unordered(8)
        .collect()
        .await
}
