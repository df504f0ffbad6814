//! Recording and playback with the real MediaMTX recording a GStreamer test
//! camera: the policy reaches the path, spans are listed within a segment,
//! the playback server serves them only to who may see the camera, a short
//! retention deletes old segments; the disk is kept within budgets and its
//! floor, exports are made and kept for their requester only, and
//! recordings are deleted on request.

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

/// Turns camera `id`'s recording off and waits until MediaMTX records it no
/// more; the camera as the API answered.
async fn stop_recording(app: &TestApp, id: i64) -> Value {
    let response = app
        .patch_json(
            &format!("/api/cameras/{id}"),
            &json!({"recording": {"mode": "off"}}),
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let stopped = eventually(Duration::from_secs(10), || async {
        app.mediamtx
            .path_config(&format!("cam_{id}"))
            .await
            .is_some_and(|config| config["record"] == false)
    })
    .await;
    assert!(stopped, "the path still records");
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

/// A service (with the settings `env` adds) with a test camera registered,
/// recording by `recording`; the camera's id.
async fn recording_service(env: &[(&str, &str)], recording: Value) -> (TestApp, TestCamera, i64) {
    let app = TestApp::spawn_with(|vars| {
        for (name, value) in env {
            vars.insert((*name).to_owned(), (*value).to_owned());
        }
    })
    .await;
    let camera = TestCamera::start().await;
    let id = recording_camera(&app, &camera, recording).await;
    (app, camera, id)
}

/// Waits (up to 30 s) until camera `id` has at least `count` segment files,
/// and returns them, oldest first.
async fn recorded_segments(app: &TestApp, id: i64, count: usize) -> Vec<PathBuf> {
    let recorded = eventually(Duration::from_secs(30), || async {
        segments(app, id).len() >= count
    })
    .await;
    let files = segments(app, id);
    assert!(recorded, "not {count} segments: {files:?}");
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
    // A busy playback server may answer 503 (retry shortly) meanwhile.
    let listed = eventually(Duration::from_secs(20), || async {
        let response = app.get(&format!("/api/cameras/{id}/recordings")).await;
        response.status == 200 && {
            let listed = response.json();
            listed["spans"]
                .as_array()
                .is_some_and(|spans| spans.len() == 1)
                && seconds(&listed["recorded_seconds"]) >= 3.0
        }
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
    let stopped = stop_recording(&app, id).await;
    assert_eq!(stopped["recording"]["retention"], "1h");
    let config = app
        .mediamtx
        .path_config(&format!("cam_{id}"))
        .await
        .unwrap();
    assert_eq!(config["sourceOnDemand"], true, "pulled on demand again");
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
    app.disable_camera(id).await;
    let response = app.get(&path).await;
    assert_eq!(
        response.problem(409)["type"],
        "urn:camplane:problem:camera-disabled"
    );
    assert_eq!(app.get("/api/cameras/999999/recordings").await.status, 404);
}

/// The sizes of `files`.
fn bytes_of(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|file| std::fs::metadata(file).ok())
        .map(|meta| meta.len())
        .sum()
}

async fn metrics(app: &TestApp) -> String {
    let response = app.client.get(&app.metrics_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Segments were counted as deleted for `reason` (in this process: the
/// counter is shared by the tests' services).
async fn assert_deleted_for(app: &TestApp, reason: &str) {
    let text = metrics(app).await;
    let counter = format!("camplane_recordings_deleted_segments_total{{reason=\"{reason}\"}}");
    assert!(text.contains(&counter), "no {counter} in:\n{text}");
}

#[tokio::test]
async fn a_camera_over_its_storage_budget_keeps_its_budget_and_the_segment_being_written() {
    const BUDGET: u64 = 200_000;
    let (app, _camera, id) = recording_service(
        &[],
        json!({"mode": "continuous", "storage_budget_bytes": BUDGET}),
    )
    .await;
    let first = recorded_segments(&app, id, 1).await[0].clone();
    // The retention is a week: only the budget deletes it.
    let cut = eventually(Duration::from_secs(60), || async { !first.exists() }).await;
    assert!(
        cut,
        "{} is still there: {} bytes in {:?}",
        first.display(),
        bytes_of(&segments(&app, id)),
        segments(&app, id)
    );
    // Everything but the segment being written fits the budget (checked
    // again while a new segment has started and the disk was not yet
    // checked since).
    let within = eventually(Duration::from_secs(10), || async {
        let files = segments(&app, id);
        files.len() >= 2 && bytes_of(&files[..files.len() - 1]) <= BUDGET
    })
    .await;
    let files = segments(&app, id);
    assert!(within, "{} bytes in {files:?}", bytes_of(&files));
    assert_deleted_for(&app, "budget").await;
}

#[tokio::test]
async fn under_the_free_space_floor_old_segments_go_and_the_alert_is_raised() {
    // No filesystem has all of itself free: always under the floor.
    let (app, _camera, id) = recording_service(
        &[("CAMPLANE_RECORDINGS_MIN_FREE", "100")],
        json!({"mode": "continuous"}),
    )
    .await;
    let first = recorded_segments(&app, id, 1).await[0].clone();
    let cut = eventually(Duration::from_secs(30), || async { !first.exists() }).await;
    assert!(cut, "{} is still there", first.display());
    // Only the segment being written is left (and, for a moment, the next).
    assert!(segments(&app, id).len() <= 2, "{:?}", segments(&app, id));

    let alerted = eventually(Duration::from_secs(10), || async {
        let text = metrics(&app).await;
        text.contains("camplane_recordings_low_space 1")
            && text.contains(r#"camplane_recordings_deleted_segments_total{reason="low_space"}"#)
            && text.contains("camplane_recordings_free_bytes")
    })
    .await;
    assert!(alerted, "{}", metrics(&app).await);
    let storage = app.get("/api/recordings/storage").await;
    assert_eq!(storage.status, 200, "{}", storage.text);
    let storage = storage.json();
    assert_eq!(storage["low_space"], true, "{storage}");
    assert_eq!(
        storage["floor_bytes"], storage["filesystem_bytes"],
        "{storage}"
    );
}

#[tokio::test]
async fn a_disabled_cameras_segments_go_when_older_than_its_retention() {
    let (app, _camera, id) =
        recording_service(&[], json!({"mode": "continuous", "retention": "10s"})).await;
    recorded_segments(&app, id, 2).await;
    app.disable_camera(id).await;
    let unprovisioned = eventually(Duration::from_secs(10), || async {
        app.mediamtx
            .path_config(&format!("cam_{id}"))
            .await
            .is_none()
    })
    .await;
    assert!(unprovisioned, "MediaMTX still has the path");
    // MediaMTX has no path to expire them by: the service deletes them,
    // the last one too, once it ended more than the retention ago.
    let emptied = eventually(Duration::from_secs(40), || async {
        segments(&app, id).is_empty()
    })
    .await;
    assert!(emptied, "{:?}", segments(&app, id));
    assert_deleted_for(&app, "retention").await;
}

#[tokio::test]
async fn the_storage_report_matches_the_files_and_shows_each_principal_its_cameras() {
    let app = TestApp::spawn().await;
    let camera = TestCamera::start().await;
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Yard", "stream_url": camera.url("cam1"), "groups": ["yard"],
                    "recording": {"mode": "continuous", "storage_budget_bytes": 1_000_000_000}}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    let id = response.json()["id"].as_i64().unwrap();
    recorded_segments(&app, id, 2).await;
    // Stopped, its files stay as they are for the comparison.
    stop_recording(&app, id).await;

    let entry = |report: &Value| {
        report["cameras"]
            .as_array()
            .unwrap()
            .iter()
            .find(|camera| camera["camera_id"] == id)
            .cloned()
    };
    let matches = eventually(Duration::from_secs(15), || async {
        let report = app.get("/api/recordings/storage").await.json();
        let files = segments(&app, id);
        entry(&report).is_some_and(|camera| {
            camera["bytes"] == bytes_of(&files) && camera["segments"] == files.len()
        })
    })
    .await;
    let report = app.get("/api/recordings/storage").await.json();
    let files = segments(&app, id);
    assert!(
        matches,
        "{report} vs {} bytes in {files:?}",
        bytes_of(&files)
    );
    let shown = entry(&report).unwrap();
    let start_of = |file: &Path| {
        let name = file.file_name().unwrap().to_str().unwrap();
        camera_api::recordings::segment_start(name).unwrap()
    };
    let time = |value: &Value| {
        chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    assert_eq!(time(&shown["oldest"]), start_of(&files[0]), "{shown}");
    assert_eq!(
        time(&shown["newest"]),
        start_of(files.last().unwrap()),
        "{shown}"
    );
    assert_eq!(shown["storage_budget_bytes"], 1_000_000_000);
    assert_eq!(shown["over_budget"], false);
    assert!(report["total_bytes"].as_u64().unwrap() >= bytes_of(&files));
    assert!(report["free_bytes"].as_u64().unwrap() > 0, "{report}");
    assert!(report["filesystem_bytes"].as_u64() >= report["free_bytes"].as_u64());
    assert_eq!(report["low_space"], false);
    assert_eq!(time(&report["oldest"]), start_of(&files[0]));
    let listed = recordings(&app, id).await;
    assert_eq!(listed["stored_bytes"], bytes_of(&files), "{listed}");

    // Limited to groups, an operator sees its cameras only; a viewer none.
    let yard = app.client_as(Role::Operator, Some(&["yard"])).await;
    let report = send(yard.get(app.url("/api/recordings/storage")))
        .await
        .json();
    assert!(entry(&report).is_some(), "{report}");
    let lobby = app.client_as(Role::Operator, Some(&["lobby"])).await;
    let report = send(lobby.get(app.url("/api/recordings/storage")))
        .await
        .json();
    assert_eq!(report["cameras"], json!([]), "{report}");
    let viewer = app.client_as(Role::Viewer, None).await;
    assert_eq!(
        send(viewer.get(app.url("/api/recordings/storage")))
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn an_export_is_an_mp4_of_the_range_for_its_requester_only_until_it_expires() {
    let (app, _camera, id) = recording_service(
        &[("CAMPLANE_EXPORT_TTL", "20s")],
        json!({"mode": "continuous"}),
    )
    .await;
    // Asked while MediaMTX starts a segment, the list may be refused for a
    // moment on a busy machine (409 not-provisioned): asked again.
    let listed = || async {
        let response = app.get(&format!("/api/cameras/{id}/recordings")).await;
        (response.status == 200).then(|| response.json())
    };
    let span = std::sync::Mutex::new(None);
    let recorded = eventually(Duration::from_secs(30), || async {
        let list = listed().await;
        let enough = list
            .as_ref()
            .is_some_and(|list| seconds(&list["recorded_seconds"]) >= 6.0);
        if enough {
            *span.lock().unwrap() = list.map(|list| list["spans"][0].clone());
        }
        enough
    })
    .await;
    assert!(recorded, "nothing recorded: {:?}", listed().await);
    let span = span.into_inner().unwrap().unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(span["start"].as_str().unwrap()).unwrap()
        + chrono::TimeDelta::seconds(1);
    let end = start + chrono::TimeDelta::seconds(3);
    let range = json!({"start": start.to_rfc3339(), "end": end.to_rfc3339()});

    let requester = app.client_as(Role::Operator, None).await;
    let path = format!("/api/cameras/{id}/exports");
    let response = send(requester.post(app.url(&path)).json(&range)).await;
    assert_eq!(response.status, 202, "{}", response.text);
    let export = response.json();
    let location = response.header("location").unwrap().to_owned();
    assert_eq!(
        location,
        format!("/api/exports/{}", export["id"].as_str().unwrap())
    );
    assert_eq!(export["camera_id"], id);
    assert!(
        export["state"] == "pending" || export["state"] == "ready",
        "{export}"
    );
    let file_url = export["download_url"].as_str().unwrap().to_owned();
    assert_eq!(file_url, format!("{location}/file"));

    let ready = eventually(Duration::from_secs(30), || async {
        send(requester.get(app.url(&location))).await.json()["state"] == "ready"
    })
    .await;
    let shown = send(requester.get(app.url(&location))).await.json();
    assert!(ready, "{shown}");
    let download = send(requester.get(app.url(&file_url))).await;
    assert_eq!(download.status, 200, "{}", download.text);
    assert_eq!(download.header("content-type"), Some("video/mp4"));
    let disposition = download.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"Yard-"),
        "{disposition}"
    );
    assert_eq!(shown["bytes"], download.body.len());
    let file = tempfile_with(&download.body);
    let duration = ffprobe_duration(file.path());
    // Cut at keyframes: within a GOP (1 s) of what was asked.
    assert!((duration - 3.0).abs() <= 1.0, "{duration} s");

    // Anyone else, an admin included, is told there is no such export.
    for other in [
        app.client_as(Role::Operator, None).await,
        app.client.clone(),
    ] {
        assert_eq!(send(other.get(app.url(&location))).await.status, 404);
        assert_eq!(send(other.get(app.url(&file_url))).await.status, 404);
    }
    let other = app.client_as(Role::Operator, None).await;
    assert_eq!(send(other.delete(app.url(&location))).await.status, 404);

    let audit = app.get("/api/audit?action=recording.export").await.json();
    let entry = &audit["items"][0];
    assert_eq!(entry["camera_id"], id, "{audit}");
    assert_eq!(entry["details"]["export_id"], export["id"], "{audit}");
    assert!(
        entry["actor"].as_str().unwrap().starts_with("token:"),
        "{audit}"
    );

    // Expired, it and its file are gone.
    let stored = app
        .mediamtx
        .exports_dir()
        .join(format!("{}.mp4", export["id"].as_str().unwrap()));
    assert!(stored.exists());
    let expired = eventually(Duration::from_secs(30), || async {
        send(requester.get(app.url(&location))).await.status == 404 && !stored.exists()
    })
    .await;
    assert!(expired, "{} is still there", stored.display());
}

#[tokio::test]
async fn an_export_of_nothing_recorded_fails_and_bad_ranges_are_refused() {
    let app = TestApp::spawn().await;
    let created = app.create_camera("Gate").await;
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/cameras/{id}/exports");
    let now = chrono::Utc::now();
    let ago = |seconds: i64| (now - chrono::TimeDelta::seconds(seconds)).to_rfc3339();
    for range in [
        json!({"start": ago(60), "end": ago(60)}),
        json!({"start": ago(60), "end": (now + chrono::TimeDelta::hours(1)).to_rfc3339()}),
        json!({"start": ago(7300), "end": ago(60)}),
    ] {
        let response = app.post_json(&path, &range).await;
        assert_eq!(response.invalid_fields(), ["end"], "{range}");
    }
    let viewer = app.client_as(Role::Viewer, None).await;
    let range = json!({"start": ago(60), "end": ago(30)});
    assert_eq!(
        send(viewer.post(app.url(&path)).json(&range)).await.status,
        403
    );

    let response = app.post_json(&path, &range).await;
    assert_eq!(response.status, 202, "{}", response.text);
    let location = response.header("location").unwrap().to_owned();
    let failed = eventually(Duration::from_secs(20), || async {
        app.get(&location).await.json()["state"] == "failed"
    })
    .await;
    let export = app.get(&location).await.json();
    assert!(failed, "{export}");
    assert!(
        export["detail"]
            .as_str()
            .unwrap()
            .contains("nothing was recorded"),
        "{export}"
    );
    let file = app.get(&format!("{location}/file")).await;
    assert_eq!(
        file.problem(410)["type"],
        "urn:camplane:problem:export-failed"
    );
    assert_eq!(app.delete(&location, None).await.status, 204);
    assert_eq!(app.get(&location).await.status, 404);
}

#[tokio::test]
async fn recordings_are_deleted_over_a_range_by_an_admin_only_and_audited() {
    let (app, _camera, id) = recording_service(&[], json!({"mode": "continuous"})).await;
    let before = recorded_segments(&app, id, 3).await;
    let since = (chrono::Utc::now() - chrono::TimeDelta::hours(1)).to_rfc3339();
    let until = chrono::Utc::now().to_rfc3339();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("since", &since)
        .append_pair("until", &until)
        .finish();
    let path = format!("/api/cameras/{id}/recordings?{query}");

    let operator = app.client_as(Role::Operator, None).await;
    assert_eq!(send(operator.delete(app.url(&path))).await.status, 403);
    assert!(before[0].exists());
    let response = app
        .delete(
            &format!(
                "/api/cameras/{id}/recordings?{}",
                &query[..query.find('&').unwrap()]
            ),
            None,
        )
        .await;
    assert_eq!(response.invalid_fields(), ["until"]);

    let response = app.delete(&path, None).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let deleted = response.json();
    let count = deleted["deleted_segments"].as_u64().unwrap();
    assert!(count >= 2, "{deleted}");
    assert!(deleted["deleted_bytes"].as_u64().unwrap() > 0, "{deleted}");
    assert!(!before[0].exists());
    // The one being written stays.
    assert!(before.last().unwrap().exists());

    let audit = app.get("/api/audit?action=recording.delete").await.json();
    assert_eq!(audit["items"][0]["camera_id"], id, "{audit}");
    let details = &audit["items"][0]["details"];
    assert_eq!(details["deleted_segments"], count, "{audit}");
    assert_eq!(
        details["deleted_bytes"], deleted["deleted_bytes"],
        "{audit}"
    );
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
