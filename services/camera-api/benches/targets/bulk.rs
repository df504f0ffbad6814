//! Bulk import (issue 21): 10,000 cameras of CSV through the API in at most
//! 30 s, then how long until MediaMTX has every one of them.

use std::time::{Duration, Instant};

use crate::Row;
use crate::service::ServiceProcess;
use crate::support::{TestApp, eventually};

const ROWS: usize = 10_000;
const GIVE_UP: Duration = Duration::from_secs(180);

pub async fn import(app: &TestApp, service: &ServiceProcess, rows: &mut Vec<Row>) {
    let mut csv = String::from("name,stream_url,location,groups,external_id\n");
    for n in 0..ROWS {
        csv.push_str(&format!(
            "Imported {n},rtsp://192.0.2.{}:554/stream{n},\"Site {}, pole {n}\",site-{},IMP-{n}\n",
            n % 250 + 1,
            n % 40,
            n % 40
        ));
    }
    let paths_before = app.mediamtx.camera_paths().await.len();
    let started = Instant::now();
    let response = service
        .client()
        .post(service.url("/api/cameras/import"))
        .header("content-type", "text/csv")
        .body(csv)
        .timeout(Duration::from_secs(120))
        .send()
        .await
        .expect("the import answers");
    let status = response.status().as_u16();
    let report: serde_json::Value = response.json().await.expect("a JSON report");
    let took = started.elapsed();
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], ROWS, "{}", report["rows"][0]);
    rows.push(Row::new(
        format!("bulk import of {ROWS} cameras (CSV, one request, all or nothing)"),
        format!("{:.1} s", took.as_secs_f64()),
        "≤ 30 s",
        took <= Duration::from_secs(30),
    ));
    let provisioned = eventually(GIVE_UP, || async {
        app.mediamtx.camera_paths().await.len() >= paths_before + ROWS
    })
    .await;
    let measured = match provisioned {
        true => format!("{:.1} s", started.elapsed().as_secs_f64()),
        false => format!("not all after {} s", GIVE_UP.as_secs()),
    };
    rows.push(Row::reported(
        format!("… until MediaMTX has all {ROWS} new paths (from the import's start)"),
        measured,
    ));
}
