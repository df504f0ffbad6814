//! Recording and playback with the real MediaMTX recording a GStreamer test
//! camera: the policy reaches the path, spans are listed within a segment,
//! the playback server serves them only to who may see the camera, and a
//! short retention deletes old segments.

use std::path::{Path, PathBuf};
use std::time::Duration;

use camera_api::auth::Role;
use serde_json::{Value, json};

use crate::support::camera::TestCamera;
use crate::support::{TestApp, eventually, send};

async fn recording_camera(app: &TestApp, camera: &TestCamera, recording: Value) -> i64 {
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Yard", "stream_url": camera.url("cam1"), "recording": recording}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.json()["id"].as_i64().unwrap()
}

async fn recordings(app: &TestApp, id: i64) -> Value {
    let response = app.get(&format!("/api/cameras/{id}/recordings")).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()
}

/// The segment files of camera `id`, oldest first (names sort by time).
fn segments(app: &TestApp, id: i64) -> Vec<PathBuf> {
    let dir = app.mediamtx.recordings_dir().join(format!("cam_{id}"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

async fn video_token(app: &TestApp, client: &reqwest::Client) -> String {
    let response = send(client.post(app.url("/api/video-tokens"))).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()["token"].as_str().unwrap().to_owned()
}

fn seconds(value: &Value) -> f64 {
    value.as_f64().unwrap()
}

#[tokio::test]
async fn a_recording_camera_is_recorded_and_its_spans_are_listed_within_a_segment() {
    let app = TestApp::spawn().await;
    let camera = TestCamera::start().await;
    let id = recording_camera(
        &app,
        &camera,
        json!({"mode": "continuous", "retention": "1h", "storage_budget_bytes": 50_000_000}),
    )
    .await;
    let shown = app.get(&format!("/api/cameras/{id}")).await.json();
    assert_eq!(
        shown["recording"],
        json!({"mode": "continuous", "retention": "1h", "retention_seconds": 3600,
               "storage_budget_bytes": 50_000_000})
    );

    // The reconciler owns the recording fields of the path; a recording
    // camera is pulled all the time, as MediaMTX records only what it reads.
    let config = app
        .mediamtx
        .path_config(&format!("cam_{id}"))
        .await
        .unwrap();
    assert_eq!(config["record"], true);
    assert_eq!(config["sourceOnDemand"], false);
    assert_eq!(config["recordFormat"], "fmp4");
    assert_eq!(config["recordDeleteAfter"], "1h0m0s");
    let record_path = config["recordPath"].as_str().unwrap();
    assert!(
        record_path.starts_with(app.mediamtx.recordings_dir().to_str().unwrap()),
        "{record_path}"
    );

    // Within one segment (2 s here) and the camera's start, a span shows.
    let listed = eventually(Duration::from_secs(20), || async {
        let listed = recordings(&app, id).await;
        listed["spans"]
            .as_array()
            .is_some_and(|spans| spans.len() == 1)
            && seconds(&listed["recorded_seconds"]) >= 3.0
    })
    .await;
    let body = recordings(&app, id).await;
    assert!(listed, "no span listed: {body}");
    assert!(!segments(&app, id).is_empty());
    // One span, and the day before it is a gap.
    let span = &body["spans"][0];
    assert_eq!(body["gaps"][0]["end"], span["start"], "{body}");
    assert_eq!(body["gaps"][0]["start"], body["since"], "{body}");

    // Turned off, it records no more; what it recorded stays.
    let response = app
        .patch_json(
            &format!("/api/cameras/{id}"),
            &json!({"recording": {"mode": "off"}}),
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json()["recording"]["retention"], "1h");
    let stopped = eventually(Duration::from_secs(10), || async {
        app.mediamtx
            .path_config(&format!("cam_{id}"))
            .await
            .is_some_and(|config| config["record"] == false && config["sourceOnDemand"] == true)
    })
    .await;
    assert!(stopped, "the path still records");
    assert!(
        !recordings(&app, id).await["spans"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_playback_server_serves_a_recording_only_to_who_may_see_the_camera() {
    let app = TestApp::spawn().await;
    let camera = TestCamera::start().await;
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Vault", "stream_url": camera.url("cam1"), "groups": ["vault"],
                    "recording": {"mode": "continuous"}}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    let id = response.json()["id"].as_i64().unwrap();
    let recorded = eventually(Duration::from_secs(20), || async {
        seconds(&recordings(&app, id).await["recorded_seconds"]) >= 4.0
    })
    .await;
    assert!(recorded, "nothing recorded: {}", recordings(&app, id).await);
    let span = recordings(&app, id).await["spans"][0].clone();
    let get = |token: Option<String>| {
        let request = reqwest::Client::new()
            .get(format!("{}/get", app.mediamtx.playback_url()))
            .query(&[
                ("path", format!("cam_{id}")),
                ("start", span["start"].as_str().unwrap().to_owned()),
                ("duration", "3".to_owned()),
                ("format", "mp4".to_owned()),
            ]);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    };

    let vault_viewer = app.client_as(Role::Viewer, Some(&["vault"])).await;
    let allowed = send(get(Some(video_token(&app, &vault_viewer).await))).await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    assert_eq!(allowed.header("content-type"), Some("video/mp4"));
    let file = tempfile_with(&allowed.body);
    let duration = ffprobe_duration(file.path());
    // Cut at keyframes: within a GOP (1 s) of what was asked.
    assert!((duration - 3.0).abs() <= 1.0, "{duration} s");

    let lobby_viewer = app.client_as(Role::Viewer, Some(&["lobby"])).await;
    let refused = send(get(Some(video_token(&app, &lobby_viewer).await))).await;
    assert_eq!(refused.status, 401);
    assert_eq!(send(get(None)).await.status, 401);
    // The camera's list through the API is refused to them too.
    let response = send(lobby_viewer.get(app.url(&format!("/api/cameras/{id}/recordings")))).await;
    assert_eq!(response.status, 404);
}

#[tokio::test]
async fn a_short_retention_deletes_old_segments() {
    let app = TestApp::spawn().await;
    let camera = TestCamera::start().await;
    let id = recording_camera(
        &app,
        &camera,
        json!({"mode": "continuous", "retention": "10s"}),
    )
    .await;
    let first = eventually(Duration::from_secs(20), || async {
        segments(&app, id).len() >= 2
    })
    .await;
    assert!(first, "no segments: {:?}", segments(&app, id));
    let oldest = segments(&app, id)[0].clone();
    // MediaMTX deletes what ended more than the retention ago, every half
    // retention.
    let deleted = eventually(Duration::from_secs(40), || async { !oldest.exists() }).await;
    assert!(deleted, "{} is still there", oldest.display());
    let body = recordings(&app, id).await;
    let start =
        chrono::DateTime::parse_from_rfc3339(body["spans"][0]["start"].as_str().unwrap()).unwrap();
    let age = chrono::Utc::now().signed_duration_since(start);
    assert!(
        age.num_seconds() <= 30,
        "the oldest span is {age} old: {body}"
    );
}

#[tokio::test]
async fn bad_policies_and_ranges_are_refused_and_a_disabled_camera_has_none_to_play() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Gate", "stream_url": "rtsp://127.0.2.41/",
                    "recording": {"mode": "motion", "retention": "1y", "storage_budget_bytes": 0,
                                  "quality": "high"}}),
        )
        .await;
    assert_eq!(response.status, 422, "{}", response.text);
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Gate", "stream_url": "rtsp://127.0.2.41/",
                    "recording": {"mode": "motion", "retention": "1y", "storage_budget_bytes": 0}}),
        )
        .await;
    assert_eq!(
        response.invalid_fields(),
        [
            "recording.mode",
            "recording.retention",
            "recording.storage_budget_bytes"
        ]
    );
    // Left out, the settings' defaults apply.
    let created = app.create_camera("Gate").await;
    assert_eq!(created["recording"]["mode"], "off");
    assert_eq!(created["recording"]["retention"], "7d");
    let id = created["id"].as_i64().unwrap();

    let path = format!("/api/cameras/{id}/recordings");
    for query in [
        "?since=yesterday",
        "?since=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z",
        "?since=2026-01-01T00:00:00Z&until=2026-12-01T00:00:00Z",
    ] {
        let response = app.get(&format!("{path}{query}")).await;
        assert_eq!(response.status, 422, "{query}: {}", response.text);
    }
    let response = app
        .patch_json(
            &format!("/api/cameras/{id}"),
            &json!({"enabled": false}),
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let response = app.get(&path).await;
    assert_eq!(
        response.problem(409)["type"],
        "urn:camplane:problem:camera-disabled"
    );
    assert_eq!(app.get("/api/cameras/999999/recordings").await.status, 404);
}

struct TempFile(PathBuf);

impl TempFile {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn tempfile_with(bytes: &[u8]) -> TempFile {
    let path = std::env::temp_dir().join(format!("camplane-export-{}.mp4", uuid::Uuid::new_v4()));
    std::fs::write(&path, bytes).unwrap();
    TempFile(path)
}

/// The container's duration as ffprobe reads it.
fn ffprobe_duration(file: &Path) -> f64 {
    let output = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap()
}
