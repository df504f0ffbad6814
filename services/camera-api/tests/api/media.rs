//! Probes, snapshots and status against real RTSP cameras (GStreamer), with
//! the real ffmpeg and ffprobe.

use std::time::{Duration, Instant};

use camera_api::auth::Role;
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::camera::{OddServer, TestCamera, closed_port_url};
use crate::support::{CANARY, MediaMtx, TestApp, TestDatabase, assert_no_canary, eventually};

async fn add_camera(app: &TestApp, name: &str, url: &str) -> i64 {
    let response = app
        .post_json("/api/cameras", &json!({"name": name, "stream_url": url}))
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.json()["id"].as_i64().unwrap()
}

async fn probe_url(app: &TestApp, url: &str) -> Value {
    let response = app
        .post_json("/api/probe", &json!({"stream_url": url}))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()
}

/// Width and height from a JPEG's start-of-frame marker.
fn jpeg_size(jpeg: &[u8]) -> (u16, u16) {
    let mut at = 2;
    while at + 9 < jpeg.len() {
        let (marker, length) = (
            jpeg[at + 1],
            u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]) as usize,
        );
        if (0xC0..=0xC2).contains(&marker) {
            let height = u16::from_be_bytes([jpeg[at + 5], jpeg[at + 6]]);
            let width = u16::from_be_bytes([jpeg[at + 7], jpeg[at + 8]]);
            return (width, height);
        }
        at += 2 + length;
    }
    panic!("no frame header in the JPEG")
}

fn is_whole_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9])
}

#[tokio::test]
async fn a_live_camera_probes_as_h264_with_its_size() {
    let camera = TestCamera::start().await;
    let app = TestApp::spawn().await;
    let id = add_camera(&app, "Gate", &camera.url("cam1")).await;

    let response = app
        .post_json(&format!("/api/cameras/{id}/probe"), &json!({}))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let probe = response.json();
    assert_eq!(probe["ok"], true, "{probe}");
    assert_eq!(probe["video"]["codec"], "h264");
    assert_eq!(
        (
            probe["video"]["width"].as_u64(),
            probe["video"]["height"].as_u64()
        ),
        (Some(640), Some(360))
    );
    assert_eq!(probe["video"]["frame_rate"], 25.0);
    assert_eq!(probe["audio"], Value::Null);
    assert!(probe["rtt_ms"].as_u64().unwrap() < 5000);

    let with_audio = probe_url(&app, &camera.url("cam3")).await;
    assert_eq!(with_audio["audio"]["codec"], "aac", "{with_audio}");
    assert_eq!(
        with_audio["video"]["width"], 640,
        "the audio track doesn't hide the video size"
    );

    let status = app.get(&format!("/api/cameras/{id}/status")).await.json();
    assert_eq!(
        status["probe"]["ok"], true,
        "the last probe is kept: {status}"
    );
    app.media.assert_none_running().await;
}

#[tokio::test]
async fn a_sub_stream_is_probed_with_its_camera_and_shown_in_its_status() {
    let camera = TestCamera::start().await;
    let app = TestApp::spawn().await;
    let body = json!({"name": "Gate", "stream_url": camera.url("cam1"),
                      "sub_stream_url": camera.url("small")});
    let response = app.post_json("/api/cameras", &body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    let id = response.json()["id"].as_i64().unwrap();

    let response = app
        .post_json(&format!("/api/cameras/{id}/probe"), &json!({}))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let probe = response.json();
    let size = |video: &Value| (video["width"].as_u64(), video["height"].as_u64());
    assert_eq!(size(&probe["video"]), (Some(640), Some(360)), "{probe}");
    assert_eq!(probe["sub_stream"]["ok"], true, "{probe}");
    assert_eq!(size(&probe["sub_stream"]["video"]), (Some(320), Some(180)));

    let status = app.get(&format!("/api/cameras/{id}/status")).await.json();
    let sub = &status["sub_stream"];
    assert_eq!(sub["path"], format!("cam_{id}_sub"), "{status}");
    assert_eq!(sub["state"], "idle", "on demand, nobody watching: {status}");
    assert_eq!(size(&sub["probe"]["video"]), (Some(320), Some(180)));
    let fleet = app
        .get(&format!("/api/cameras/status?ids={id}"))
        .await
        .json();
    assert_eq!(
        fleet["items"][0]["sub_stream"]["path"],
        format!("cam_{id}_sub")
    );

    // Without one, there is none to show.
    app.patch_json(
        &format!("/api/cameras/{id}"),
        &json!({"sub_stream_url": null}),
        None,
    )
    .await;
    let probe = app
        .post_json(&format!("/api/cameras/{id}/probe"), &json!({}))
        .await
        .json();
    assert_eq!(probe["sub_stream"], Value::Null, "{probe}");
    let status = app.get(&format!("/api/cameras/{id}/status")).await.json();
    assert_eq!(status["sub_stream"], Value::Null, "{status}");
    app.media.assert_none_running().await;
}

#[tokio::test]
async fn each_failure_has_its_own_code() {
    let camera = TestCamera::start().await;
    let silent = OddServer::silent().await;
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_PROBE_TIMEOUT".into(), "2s".into());
    })
    .await;

    let wrong_password = camera.secure_url(TestCamera::USER, "wrong");
    assert_eq!(probe_url(&app, &wrong_password).await["code"], "AUTH");
    let right_password = camera.secure_url(TestCamera::USER, TestCamera::PASSWORD);
    assert_eq!(probe_url(&app, &right_password).await["ok"], true);
    // Credentials on a missing mount: ffmpeg echoes the URL, password and all.
    let missing = camera
        .secure_url(TestCamera::USER, CANARY)
        .replace("/secure", "/nope");
    let not_found = probe_url(&app, &missing).await;
    assert_eq!(
        (not_found["ok"].clone(), not_found["code"].clone()),
        (json!(false), json!("NOT_FOUND"))
    );
    assert_eq!(
        probe_url(&app, &closed_port_url()).await["code"],
        "UNREACHABLE"
    );

    let started = Instant::now();
    let hung = probe_url(&app, &silent.url("cam1")).await;
    assert_eq!(hung["code"], "TIMEOUT", "{hung}");
    assert!(
        started.elapsed() < Duration::from_millis(3500),
        "a hung socket is cut at the deadline"
    );
    app.media.assert_none_running().await;
}

#[tokio::test]
async fn a_masked_password_is_probed_with_the_stored_one() {
    let camera = TestCamera::start().await;
    let app = TestApp::spawn().await;
    let id = add_camera(
        &app,
        "Secure",
        &camera.secure_url(TestCamera::USER, TestCamera::PASSWORD),
    )
    .await;
    let masked = app.get(&format!("/api/cameras/{id}")).await.json()["stream_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(masked.contains(":***@"));

    let response = app
        .post_json(
            "/api/probe",
            &json!({"stream_url": masked, "camera_id": id}),
        )
        .await;
    assert_eq!(response.json()["ok"], true, "{}", response.text);
    let response = app
        .post_json("/api/probe", &json!({"stream_url": masked}))
        .await;
    assert_eq!(response.invalid_fields(), ["stream_url"]);
    let response = app
        .post_json("/api/probe", &json!({"stream_url": "file:///etc/passwd"}))
        .await;
    assert_eq!(
        response.invalid_fields(),
        ["stream_url"],
        "only rtsp:// reaches ffmpeg"
    );
}

/// `***` stands for the stored password at the camera's own server only:
/// anyone who may edit a camera could otherwise have its password sent to a
/// server of their choosing, by a probe or by an edit.
#[tokio::test]
async fn the_stored_password_is_never_sent_to_another_server() {
    let camera = TestCamera::start().await;
    let elsewhere = TestCamera::start().await;
    let app = TestApp::spawn().await;
    let secure = camera.secure_url(TestCamera::USER, TestCamera::PASSWORD);
    let id = add_camera(&app, "Secure", &secure).await;
    let operator = app.client_as(Role::Operator, None).await;
    let masked_at = |url: &str| url.replace(&format!(":{}@", TestCamera::PASSWORD), ":***@");
    let harvest = masked_at(&elsewhere.secure_url(TestCamera::USER, TestCamera::PASSWORD));
    let probes_before = app.media.starts("ffprobe");

    let probe = crate::support::send(
        operator
            .post(app.url("/api/probe"))
            .json(&json!({"stream_url": harvest, "camera_id": id})),
    )
    .await;
    assert_eq!(probe.invalid_fields(), ["stream_url"]);
    assert!(probe.text.contains("own address"), "{}", probe.text);
    assert_eq!(
        app.media.starts("ffprobe"),
        probes_before,
        "nothing was sent"
    );

    let edit = app
        .patch_json(
            &format!("/api/cameras/{id}"),
            &json!({"stream_url": harvest}),
            None,
        )
        .await;
    assert_eq!(edit.invalid_fields(), ["stream_url"]);
    let stored = app.get(&format!("/api/cameras/{id}")).await.json();
    assert_eq!(
        stored["stream_url"],
        masked_at(&secure),
        "the camera is unchanged"
    );

    // At the camera's own address the mask still works, and it is audited.
    let own = masked_at(&secure).replace("/secure", "/cam1");
    let probe = crate::support::send(
        operator
            .post(app.url("/api/probe"))
            .json(&json!({"stream_url": own, "camera_id": id})),
    )
    .await;
    assert_eq!(probe.json()["ok"], true, "{}", probe.text);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'camera.probe_with_stored_password' \
         AND details->>'camera_id' = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

/// As in production: ffmpeg reads the camera's path from MediaMTX's RTSP
/// server, never opening a session of its own on the camera, with a
/// one-time pass the service's hook accepts for that path only, for that
/// one read: what `ps` shows of its command line opens nothing afterwards.
#[tokio::test]
async fn snapshots_read_through_mediamtx_with_a_pass_spent_by_the_read() {
    let camera = TestCamera::start().await;
    let mediamtx = MediaMtx::start().await;
    let rtsp = mediamtx.rtsp_url();
    let app = TestApp::spawn_in(mediamtx, TestDatabase::create().await, |vars| {
        vars.insert("MEDIAMTX_RTSP_URL".into(), rtsp);
    })
    .await;
    let secure = camera.secure_url(TestCamera::USER, TestCamera::PASSWORD);
    let id = add_camera(&app, "Through MediaMTX", &secure).await;
    let other = add_camera(&app, "Other", &camera.url("cam1")).await;
    let snapshot = app.get(&format!("/api/cameras/{id}/snapshot")).await;
    assert_eq!(snapshot.status, 200, "{}", snapshot.text);
    assert_eq!(jpeg_size(&snapshot.body), (640, 360));
    let args = app.media.last_args("ffmpeg");
    let source = args
        .iter()
        .find(|arg| arg.ends_with(&format!("/cam_{id}")))
        .unwrap_or_else(|| panic!("ffmpeg read MediaMTX's path: {args:?}"));
    let command_line = args.join(" ");
    assert_no_canary("ffmpeg's command line", &command_line);
    let (user, password) = app.mediamtx.service_login();
    assert!(
        !command_line.contains(password),
        "the service login: {command_line}"
    );
    assert!(
        !command_line.contains(TestCamera::PASSWORD),
        "{command_line}"
    );

    // What ps showed, tried again: on the same path, and on another.
    assert_eq!(
        probe_url(&app, source).await["code"],
        "AUTH",
        "a spent pass"
    );
    let elsewhere = source.replace(&format!("/cam_{id}"), &format!("/cam_{other}"));
    assert_eq!(probe_url(&app, &elsewhere).await["code"], "AUTH");
    let service = format!("{}/cam_{id}", app.mediamtx.rtsp_url()).replacen(
        "rtsp://",
        &format!("rtsp://{user}:{password}@"),
        1,
    );
    assert_eq!(
        probe_url(&app, &service).await["code"],
        "AUTH",
        "the service login reads no video"
    );
}

/// MediaMTX decodes a source's escapes as Go's `url.Parse` does, ffprobe and
/// ffmpeg as their own URL code does: a password written with escapes
/// opens the camera through all of them alike, and a bare `%` (which
/// MediaMTX would refuse) is refused up front.
#[tokio::test]
async fn an_escaped_password_opens_the_camera_through_ffprobe_and_mediamtx_alike() {
    let camera = TestCamera::start().await;
    let app = TestApp::spawn().await;
    // %50 is "P": the camera's password, CanaryPw7f3a, written another way.
    let escaped = camera
        .secure_url(TestCamera::USER, "x")
        .replace(":x@", ":Canary%50w7f3a@");
    assert_eq!(probe_url(&app, &escaped).await["ok"], true);
    let id = add_camera(&app, "Escaped", &escaped).await;
    app.patch_json(
        &format!("/api/cameras/{id}"),
        &json!({"on_demand": false}),
        None,
    )
    .await;
    let live = eventually(Duration::from_secs(15), || async {
        app.get(&format!("/api/cameras/{id}/status")).await.json()["state"] == "live"
    })
    .await;
    assert!(live, "MediaMTX opened the camera with the decoded password");

    let bare = escaped.replace("%50", "%P");
    let refused = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Bare percent", "stream_url": bare}),
        )
        .await;
    assert_eq!(refused.invalid_fields(), ["stream_url"]);
}

#[tokio::test]
async fn snapshots_are_jpegs_cached_and_revalidated() {
    let camera = TestCamera::start().await;
    let app = TestApp::spawn().await;
    let id = add_camera(&app, "Yard", &camera.url("cam1")).await;
    let url = format!("/api/cameras/{id}/snapshot");

    let first = app.get(&url).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.header("content-type"), Some("image/jpeg"));
    assert!(is_whole_jpeg(&first.body));
    assert_eq!(jpeg_size(&first.body), (640, 360));
    let etag = first.header("etag").unwrap().to_owned();
    assert!(first.header("last-modified").is_some() && first.header("cache-control").is_some());
    assert_eq!(first.header("age"), None, "taken for this request");

    let second = app.get(&url).await;
    assert_eq!(
        second.header("etag"),
        Some(etag.as_str()),
        "served from the cache"
    );
    assert!(second.header("age").is_some());
    assert_eq!(app.media.starts("ffmpeg"), 1);

    let revalidated = app
        .send(
            app.request(reqwest::Method::GET, &url)
                .header("if-none-match", &etag),
        )
        .await;
    assert_eq!(revalidated.status, 304);
    assert!(revalidated.body.is_empty());

    let small = app.get(&format!("{url}?width=320")).await;
    assert_eq!(
        jpeg_size(&small.body),
        (320, 180),
        "scaled with the aspect kept"
    );
    for bad in ["width=8", "width=4000", "max_age=-1", "fallback=first"] {
        let response = app.get(&format!("{url}?{bad}")).await;
        assert_eq!(response.status, 422, "{bad}");
    }
    app.media.assert_none_running().await;
}

/// A snapshot's status and ETag, a cached one welcome however old.
async fn snapshot(app: &TestApp, id: i64) -> (u16, Option<String>) {
    let response = app
        .get(&format!("/api/cameras/{id}/snapshot?max_age=3600"))
        .await;
    (response.status, response.header("etag").map(str::to_owned))
}

/// A cached picture outlives neither its camera nor the camera's address,
/// on the replica that made the change and on the others.
#[tokio::test]
async fn a_deleted_or_moved_cameras_snapshot_leaves_every_replicas_cache() {
    let camera = TestCamera::start().await;
    let app = TestApp::spawn().await;
    let other = app.spawn_replica().await;
    let moved = add_camera(&app, "Moved", &camera.url("cam1")).await;
    let deleted = add_camera(&app, "Deleted", &camera.url("cam1")).await;
    let mut cached = Vec::new();
    for replica in [&app, &other] {
        for id in [moved, deleted] {
            let (status, etag) = snapshot(replica, id).await;
            assert_eq!(status, 200);
            assert_eq!(snapshot(replica, id).await, (200, etag.clone()), "cached");
            cached.push(etag);
        }
    }

    let response = app.delete(&format!("/api/cameras/{deleted}"), None).await;
    assert_eq!(response.status, 204, "{}", response.text);
    let url = camera.url("cam2");
    let response = app
        .patch_json(
            &format!("/api/cameras/{moved}"),
            &json!({"stream_url": url}),
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    for (index, replica) in [&app, &other].into_iter().enumerate() {
        let gone = eventually(Duration::from_secs(1), || async {
            snapshot(replica, deleted).await.0 == 404
        })
        .await;
        assert!(
            gone,
            "replica {index} still serves the deleted camera's picture"
        );
        let fresh = eventually(Duration::from_secs(1), || async {
            snapshot(replica, moved).await.1 != cached[2 * index]
        })
        .await;
        assert!(
            fresh,
            "replica {index} still serves the old address's picture"
        );
    }
}

#[tokio::test]
async fn fifty_concurrent_requests_start_one_ffmpeg() {
    let camera = TestCamera::start().await;
    let app = TestApp::spawn().await;
    let id = add_camera(&app, "Busy", &camera.url("cam1")).await;
    let url = format!("/api/cameras/{id}/snapshot?max_age=0");
    let responses = join_all((0..50).map(|_| app.get(&url))).await;
    assert!(
        responses
            .iter()
            .all(|r| r.status == 200 && is_whole_jpeg(&r.body))
    );
    assert_eq!(app.media.starts("ffmpeg"), 1, "one grab served all fifty");
    app.media.assert_none_running().await;
}

#[tokio::test]
async fn a_full_queue_is_503_with_retry_after() {
    let silent = OddServer::silent().await;
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_FFMPEG_MAX".into(), "1".into());
        vars.insert("CAMPLANE_FFMPEG_QUEUE".into(), "1".into());
        vars.insert("CAMPLANE_SNAPSHOT_TIMEOUT".into(), "2s".into());
    })
    .await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(add_camera(&app, &format!("Hung {n}"), &silent.url(&format!("s{n}"))).await);
    }
    let app = &app;
    let requests = ids
        .iter()
        .map(|id| async move { app.get(&format!("/api/cameras/{id}/snapshot")).await });
    let mut statuses: Vec<(u16, Option<String>)> = join_all(requests)
        .await
        .into_iter()
        .map(|r| (r.status, r.header("retry-after").map(str::to_owned)))
        .collect();
    statuses.sort();
    assert_eq!(statuses[0], (503, Some("1".to_owned())), "{statuses:?}");
    assert_eq!(
        (statuses[1].0, statuses[2].0),
        (504, 504),
        "one ran, one waited: {statuses:?}"
    );
    app.media.assert_none_running().await;
}

#[tokio::test]
async fn a_camera_that_goes_down_gets_an_error_or_its_last_image() {
    let mut camera = TestCamera::start().await;
    let app = TestApp::spawn().await;
    let id = add_camera(&app, "Dock", &camera.url("cam1")).await;
    let url = format!("/api/cameras/{id}/snapshot?max_age=0");
    let good = app.get(&url).await;
    assert_eq!(good.status, 200);

    camera.kill().await;
    let failed = app.get(&url).await;
    let problem = failed.problem(502);
    assert_eq!(problem["code"], "UNREACHABLE", "{problem}");

    let fallback = app.get(&format!("{url}&fallback=last")).await;
    assert_eq!(fallback.status, 200);
    assert_eq!(fallback.body, good.body, "the last good image");
    assert!(fallback.header("age").is_some());
    assert_eq!(
        fallback.header("camplane-snapshot-error"),
        Some("UNREACHABLE")
    );
    app.media.assert_none_running().await;
}

#[tokio::test]
async fn a_camera_killed_mid_snapshot_is_an_error_not_a_broken_image() {
    // A 10 s GOP and another viewer attached: the grab waits for the next
    // keyframe, and the camera dies while it waits.
    let mut camera = TestCamera::start_with_gop(250).await;
    let mut viewer = tokio::process::Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-v",
            "quiet",
            "-rtsp_transport",
            "tcp",
            "-i",
            &camera.url("cam1"),
            "-c",
            "copy",
            "-f",
            "null",
            "-",
        ])
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let app = TestApp::spawn().await;
    let id = add_camera(&app, "Flaky", &camera.url("cam1")).await;
    let url = format!("/api/cameras/{id}/snapshot");
    let snapshot = app.get(&url);
    let kill = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        camera.kill().await;
    };
    let (response, ()) = tokio::join!(snapshot, kill);
    assert!(
        response.status == 502 || response.status == 504,
        "{} {}",
        response.status,
        response.text
    );
    assert_ne!(response.header("content-type"), Some("image/jpeg"));
    let _ = viewer.kill().await;
    app.media.assert_none_running().await;
}

#[tokio::test]
async fn a_silent_camera_times_out_within_the_deadline() {
    let silent = OddServer::silent().await;
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_SNAPSHOT_TIMEOUT".into(), "2s".into());
    })
    .await;
    let id = add_camera(&app, "Silent", &silent.url("cam1")).await;
    let started = Instant::now();
    let response = app.get(&format!("/api/cameras/{id}/snapshot")).await;
    assert_eq!(response.problem(504)["code"], "TIMEOUT");
    assert!(started.elapsed() < Duration::from_millis(3500));
    app.media.assert_none_running().await;
}

#[tokio::test]
async fn status_tells_live_idle_offline_disabled_and_error_apart() {
    let camera = TestCamera::start().await;
    let app = TestApp::spawn().await;
    let faults = app.mediamtx.faults();
    let idle = add_camera(&app, "Idle", "rtsp://127.0.2.1/idle").await;
    let live = add_camera(&app, "Live", &camera.url("cam1")).await;
    // Always on: MediaMTX pulls it with nobody watching.
    app.patch_json(
        &format!("/api/cameras/{live}"),
        &json!({"on_demand": false}),
        None,
    )
    .await;
    let offline = add_camera(&app, "Offline", &closed_port_url()).await;
    let disabled = add_camera(&app, "Disabled", "rtsp://127.0.2.4/off").await;
    app.disable_camera(disabled).await;
    let always_on = add_camera(&app, "Always on", "rtsp://127.0.2.5/on").await;
    app.patch_json(
        &format!("/api/cameras/{always_on}"),
        &json!({"on_demand": false}),
        None,
    )
    .await;

    let received = eventually(Duration::from_secs(15), || async {
        let status = app.get(&format!("/api/cameras/{live}/status")).await.json();
        status["state"] == "live" && status["bytes_received"].as_u64() > Some(0)
    })
    .await;
    assert!(received, "MediaMTX receives the always-on camera");
    let probed = app
        .post_json(&format!("/api/cameras/{offline}/probe"), &json!({}))
        .await;
    assert_eq!(probed.json()["code"], "UNREACHABLE");

    faults.clear_requests();
    let ids = [idle, live, offline, disabled, always_on]
        .map(|id| id.to_string())
        .join(",");
    let response = app.get(&format!("/api/cameras/status?ids={ids}")).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let runtime_calls = faults
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v3/paths/"))
        .count();
    assert_eq!(runtime_calls, 1, "one MediaMTX call for all five cameras");
    let items = response.json()["items"].as_array().unwrap().clone();
    let state_of = |id: i64| items.iter().find(|s| s["id"] == id).unwrap().clone();

    assert_eq!(state_of(idle)["state"], "idle");
    let live_status = state_of(live);
    assert_eq!(live_status["state"], "live");
    assert_eq!(live_status["readers"], 0, "{live_status}");
    assert!(live_status["bytes_received"].as_u64() > Some(0));
    let track = &live_status["tracks"][0];
    assert_eq!(
        (&track["codec"], &track["width"], &track["height"]),
        (&json!("H264"), &json!(640), &json!(360)),
        "{live_status}"
    );
    let offline_status = state_of(offline);
    assert_eq!(
        (
            offline_status["state"].clone(),
            offline_status["code"].clone()
        ),
        (json!("offline"), json!("UNREACHABLE"))
    );
    assert!(offline_status["since"].is_string());
    assert_eq!(state_of(disabled)["state"], "disabled");
    assert_eq!(response.json()["total"], 5);

    // Filtered by state: paging and the total count the cameras in it.
    let offline_only = app
        .get(&format!("/api/cameras/status?state=offline&ids={ids}"))
        .await
        .json();
    let offline_ids: Vec<i64> = offline_only["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(offline_ids, [offline, always_on]);
    assert_eq!(offline_only["total"], 2);
    let second = app
        .get(&format!(
            "/api/cameras/status?state=offline&limit=1&offset=1&ids={ids}"
        ))
        .await
        .json();
    assert_eq!(second["items"][0]["id"], always_on);
    assert_eq!(second["total"], 2);
    assert_eq!(
        app.get("/api/cameras/status?state=broken")
            .await
            .invalid_fields(),
        ["state"]
    );
    assert_eq!(
        state_of(always_on)["code"],
        "NO_SOURCE",
        "an always-on camera that isn't received is offline"
    );

    faults.fail_writes(Some(400));
    let refused = add_camera(&app, "Refused", "rtsp://127.0.2.6/x").await;
    let status = app
        .get(&format!("/api/cameras/{refused}/status"))
        .await
        .json();
    assert_eq!(
        (status["state"].clone(), status["code"].clone()),
        (json!("error"), json!("PROVISIONING")),
        "{status}"
    );

    app.mediamtx.stop().await;
    let status = app.get(&format!("/api/cameras/{idle}/status")).await.json();
    assert_eq!(status["code"], "MEDIAMTX_UNREACHABLE");
    assert_eq!(
        app.get("/api/cameras/status?ids=1,x")
            .await
            .invalid_fields(),
        ["ids"]
    );
    assert_eq!(
        app.get(&format!(
            "/api/cameras/status?ids={}",
            vec!["1"; 501].join(",")
        ))
        .await
        .invalid_fields(),
        ["ids"]
    );
}

#[tokio::test]
async fn a_fleet_status_asks_mediamtx_once_past_a_thousand_paths() {
    let app = TestApp::spawn_with(|vars| {
        // No pass during the test but the one asked for: its writes would be
        // announced, and each announcement reads MediaMTX's runtime too.
        vars.insert("CAMPLANE_RECONCILE_INTERVAL".into(), "10m".into());
    })
    .await;
    let faults = app.mediamtx.faults();
    app.insert_cameras(1500).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM cameras")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let paths: Vec<(String, Value)> = ids
        .iter()
        .map(|id| {
            let config = json!({"source": "rtsp://127.0.2.1/s", "sourceOnDemand": true});
            (format!("cam_{id}"), config)
        })
        .collect();
    app.mediamtx.seed_paths_by_file(&paths).await;
    let runtime_calls = || {
        faults
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/v3/paths/"))
            .count()
    };
    // The bulk insert's announcements are published first.
    let quiet = eventually(Duration::from_secs(10), || async {
        let before = runtime_calls();
        tokio::time::sleep(Duration::from_millis(300)).await;
        runtime_calls() == before
    })
    .await;
    assert!(quiet, "the insert's announcements settle");

    faults.clear_requests();
    let response = app.get("/api/cameras/status?offset=1000&limit=500").await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(runtime_calls(), 1, "one MediaMTX call for 1,500 paths");
    let items = response.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 500);
    assert!(
        items.iter().all(|status| status["state"] == "idle"),
        "every path was found, the last ones too: {:?}",
        items.last()
    );
}

/// Review item 16.10: a read waiting for a process slot must give up in
/// time to answer within the request timeout, as `busy`, not run into it.
#[tokio::test]
async fn a_queued_read_is_busy_before_the_request_timeout() {
    let silent = OddServer::silent().await;
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_REQUEST_TIMEOUT".into(), "3s".into());
        vars.insert("CAMPLANE_SNAPSHOT_TIMEOUT".into(), "1s".into());
        vars.insert("CAMPLANE_PROBE_TIMEOUT".into(), "1s".into());
        vars.insert("CAMPLANE_FFMPEG_MAX".into(), "1".into());
        vars.insert("CAMPLANE_FFMPEG_QUEUE".into(), "8".into());
    })
    .await;
    let id = add_camera(&app, "Hung", &silent.url("s")).await;
    let app = &app;
    let timed = |request: reqwest::RequestBuilder| async move {
        let started = Instant::now();
        (app.send(request).await, started.elapsed())
    };
    let snapshot = |width: u32| {
        timed(app.request(
            Method::GET,
            &format!("/api/cameras/{id}/snapshot?width={width}"),
        ))
    };
    let queue_behind = async {
        let first_runs = eventually(Duration::from_secs(2), || async {
            !app.media.running().is_empty()
        });
        assert!(first_runs.await, "the first snapshot runs");
        // Each width is a grab of its own; the probe waits for the same slot.
        join_all([
            snapshot(32),
            snapshot(48),
            timed(app.request(Method::POST, &format!("/api/cameras/{id}/probe"))),
        ])
        .await
    };
    let ((ran, _), queued) = tokio::join!(snapshot(16), queue_behind);
    for (response, waited) in &queued {
        let problem = response.problem(503);
        assert_eq!(problem["type"], "urn:camplane:problem:busy", "{problem}");
        assert_eq!(response.header("retry-after"), Some("1"));
        assert!(
            *waited < Duration::from_millis(2500),
            "busy after {waited:?}, too close to the request timeout (3 s)"
        );
    }
    assert_eq!(ran.problem(504)["code"], "TIMEOUT");
    app.media.assert_none_running().await;
}

/// An RTSP server that answers OPTIONS and then redirects DESCRIBE to
/// `location`, as a camera (or anything posing as one) may.
async fn redirecting_server(location: String) -> (u16, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let location = location.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0; 8192];
                while let Ok(read) = socket.read(&mut buffer).await {
                    let request = String::from_utf8_lossy(&buffer[..read]).into_owned();
                    let Some(cseq) = request.lines().find_map(|line| line.strip_prefix("CSeq:"))
                    else {
                        return;
                    };
                    let answer = if request.starts_with("OPTIONS") {
                        format!(
                            "RTSP/1.0 200 OK\r\nCSeq:{cseq}\r\nPublic: DESCRIBE, SETUP, PLAY\r\n\r\n"
                        )
                    } else {
                        format!("RTSP/1.0 302 Moved\r\nCSeq:{cseq}\r\nLocation: {location}\r\n\r\n")
                    };
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, task)
}

/// ffprobe follows a redirect to any host with the credentials it was
/// given; the probe refuses one to another server (code `REDIRECTED`), and
/// that server is never contacted. (One within the camera's own server is
/// let through: `media::relay`'s unit test.)
#[tokio::test]
async fn a_probe_never_follows_a_redirect_to_another_server() {
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_port = elsewhere.local_addr().unwrap().port();
    let contacted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = contacted.clone();
    let watching = tokio::spawn(async move {
        while let Ok((_socket, _)) = elsewhere.accept().await {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let (port, server) =
        redirecting_server(format!("rtsp://127.0.0.1:{elsewhere_port}/stolen")).await;
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_PROBE_TIMEOUT".into(), "3s".into());
    })
    .await;
    let url = format!("rtsp://admin:{CANARY}@127.0.0.1:{port}/stream1");
    let probe = probe_url(&app, &url).await;
    assert_eq!(probe["code"], "REDIRECTED", "{probe}");
    assert!(
        probe["detail"]
            .as_str()
            .unwrap()
            .contains("does not follow"),
        "{probe}"
    );
    let id = add_camera(&app, "Redirecting", &url).await;
    let saved = app
        .post_json(&format!("/api/cameras/{id}/probe"), &json!({}))
        .await;
    assert_eq!(saved.json()["code"], "REDIRECTED");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !contacted.load(std::sync::atomic::Ordering::SeqCst),
        "the other server was contacted"
    );

    watching.abort();
    server.abort();
    app.media.assert_none_running().await;
}

#[tokio::test]
async fn a_status_since_moves_when_the_state_changes_and_only_then() {
    let app = TestApp::spawn().await;
    let body = json!({
        "name": "Yard", "stream_url": "rtsp://127.0.2.41/",
        "sub_stream_url": "rtsp://127.0.2.41/sub", "enabled": false,
    });
    let id = app.post_json("/api/cameras", &body).await.json()["id"].clone();
    let status_path = format!("/api/cameras/{id}/status");
    let status = app.get(&status_path).await.json();
    assert_eq!(status["state"], "disabled", "{status}");
    let disabled_since = status["since"].as_str().expect("a since").to_owned();
    let sub_since = status["sub_stream"]["since"]
        .as_str()
        .expect("the sub-stream's since")
        .to_owned();

    // An edit that leaves it disabled is no change of state.
    let path = format!("/api/cameras/{id}");
    let renamed = app
        .patch_json(&path, &json!({"name": "Back yard"}), None)
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let status = app.get(&status_path).await.json();
    assert_eq!(status["since"], disabled_since.as_str(), "{status}");
    assert_eq!(
        status["sub_stream"]["since"],
        sub_since.as_str(),
        "{status}"
    );

    let enabled = app.patch_json(&path, &json!({"enabled": true}), None).await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    let status = app.get(&status_path).await.json();
    assert_ne!(status["state"], "disabled", "{status}");
    let since = status["since"].as_str().expect("a since");
    assert!(
        since > disabled_since.as_str(),
        "{since} after {disabled_since}"
    );
    let sub_moved = status["sub_stream"]["since"].as_str().expect("a since");
    assert!(
        sub_moved > sub_since.as_str(),
        "{sub_moved} after {sub_since}"
    );
}

/// The cameras in a state are found across the whole fleet, a chunk at a
/// time, and paged afterwards.
#[tokio::test]
async fn cameras_in_a_state_are_found_past_a_chunk() {
    let app = TestApp::spawn().await;
    app.insert_cameras(camera_api::status::CHUNK as i64 * 2 + 7)
        .await;
    sqlx::query("UPDATE cameras SET enabled = false WHERE id % 2 = 0")
        .execute(&app.db)
        .await
        .unwrap();
    let disabled: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM cameras WHERE NOT enabled ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let page = app
        .get(&format!(
            "/api/cameras/status?state=disabled&limit=4&offset={}",
            disabled.len() - 2
        ))
        .await
        .json();
    assert_eq!(page["total"], disabled.len(), "{page}");
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|status| status["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, disabled[disabled.len() - 2..]);
}
