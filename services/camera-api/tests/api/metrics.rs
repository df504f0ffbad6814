//! Prometheus metrics on their own listener.

use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn metrics_cover_requests_reconciles_mediamtx_and_the_fleet() {
    let app = TestApp::spawn().await;
    let camera = app.create_camera("Dock").await;
    let id = camera["id"].as_i64().unwrap();
    assert_eq!(
        app.post_json("/api/reconcile", &json!({})).await.status,
        200
    );
    let disabled = app.create_camera("Off").await;
    let off = format!("/api/cameras/{}", disabled["id"]);
    app.patch_json(&off, &json!({"enabled": false}), None).await;
    app.get(&format!("/api/cameras/{id}/status")).await;

    let response = app.client.get(&app.metrics_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    for expected in [
        r#"camplane_http_requests_total{method="POST",route="/api/cameras",status="201"}"#,
        r#"camplane_http_request_duration_seconds_bucket{method="GET",route="/api/cameras/{id}/status""#,
        r#"camplane_reconcile_passes_total{result="ok"}"#,
        "camplane_reconcile_last_success_timestamp_seconds",
        r#"camplane_mediamtx_request_duration_seconds_bucket{operation="config/paths/replace""#,
        r#"camplane_cameras{state="idle"} 1"#,
        r#"camplane_cameras{state="disabled"} 1"#,
        r#"camplane_cameras{state="live"} 0"#,
        r#"camplane_cameras_provisioning{state="ready"}"#,
        r#"camplane_db_connections{state="in_use"}"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
    assert_eq!(
        app.get("/metrics").await.status,
        404,
        "never on the API listener"
    );
}

#[tokio::test]
async fn log_lines_carry_the_request_id_and_the_camera_id() {
    let app = TestApp::spawn().await;
    let id = app.create_camera("Dock").await["id"].as_i64().unwrap();
    let request_id = uuid::Uuid::new_v4().to_string();
    let response = app
        .client
        .get(format!("{}/api/cameras/{id}", app.base))
        .header("x-request-id", &request_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let logs = crate::support::logs();
    let line: serde_json::Value = logs
        .lines()
        .filter(|line| line.contains(&request_id))
        .filter_map(|line| serde_json::from_str(line).ok())
        .find(|line: &serde_json::Value| line["fields"]["message"] == "request")
        .unwrap_or_else(|| panic!("no request line for {request_id}"));
    assert_eq!(line["span"]["request_id"], request_id.as_str());
    assert_eq!(line["span"]["camera_id"], id);
    assert_eq!(line["fields"]["route"], "/api/cameras/{id}");
}

/// The fleet's gauges count every camera, read a chunk at a time.
#[tokio::test]
async fn fleet_gauges_count_every_camera_past_a_chunk() {
    let app = TestApp::spawn().await;
    let fleet = camera_api::status::CHUNK as i64 + 7;
    app.insert_cameras(fleet).await;
    let response = app.client.get(&app.metrics_url).send().await.unwrap();
    let text = response.text().await.unwrap();
    let sum = |gauge: &str| -> i64 {
        text.lines()
            .filter(|line| line.starts_with(&format!("{gauge}{{")))
            .map(|line| line.rsplit(' ').next().unwrap().parse::<i64>().unwrap())
            .sum()
    };
    assert_eq!(sum("camplane_cameras"), fleet, "{text}");
    assert_eq!(sum("camplane_cameras_provisioning"), fleet, "{text}");
}
