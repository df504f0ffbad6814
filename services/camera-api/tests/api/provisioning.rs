//! MediaMTX provisioning: the reconciler against a real MediaMTX, with
//! faults injected in front of its API or done to its process.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TestApp, canary_url, eventually};

async fn provisioning_state(app: &TestApp, id: i64) -> String {
    app.get(&format!("/api/cameras/{id}")).await.json()["provisioning"]["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn ready_cameras(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM camera_provisioning WHERE state = 'ready'")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn force_pass(app: &TestApp) -> Value {
    let response = app.post_json("/api/reconcile", &json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()
}

#[tokio::test]
async fn create_update_and_delete_reach_mediamtx_with_the_right_body() {
    let app = TestApp::spawn().await;
    let mtx = &app.mediamtx;
    let camera = app.create_camera("Dock").await;
    assert_eq!(
        camera["provisioning"]["state"], "ready",
        "MediaMTX answered within the wait"
    );
    assert_eq!(camera["provisioning"]["attempts"], 0);
    let path = camera["path"].as_str().unwrap().to_owned();
    let id = camera["id"].as_i64().unwrap();

    let writes = mtx.writes_to(&path);
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].0, format!("POST /v3/config/paths/replace/{path}"));
    assert_eq!(
        writes[0].1,
        Some(json!({
            "source": canary_url("127.0.2.10"),
            "sourceOnDemand": true,
            "sourceOnDemandStartTimeout": "10s",
            "sourceOnDemandCloseAfter": "10s",
            "maxReaders": 0,
            "rtspTransport": "tcp",
            // Recording off, and what was recorded kept for the default
            // retention (7 days), in the test's short segments.
            "record": false,
            "recordPath": format!(
                "{}/%path/%Y-%m-%d_%H-%M-%S-%f%z",
                mtx.recordings_dir().display()
            ),
            "recordFormat": "fmp4",
            "recordSegmentDuration": "2s",
            "recordDeleteAfter": "604800s",
        }))
    );
    assert_eq!(
        mtx.path_config(&path).await.unwrap()["source"],
        canary_url("127.0.2.10")
    );

    let updated = app
        .patch_json(
            &format!("/api/cameras/{id}"),
            &json!({"max_readers": 4, "on_demand": false}),
            None,
        )
        .await
        .json();
    assert_eq!(updated["provisioning"]["state"], "ready", "{updated}");
    let writes = mtx.writes_to(&path);
    assert_eq!(writes.len(), 2);
    assert_eq!(writes[1].1.as_ref().unwrap()["maxReaders"], 4);
    assert_eq!(writes[1].1.as_ref().unwrap()["sourceOnDemand"], false);
    // A recording policy is hot-reloaded by MediaMTX, like any write.
    let updated = app
        .patch_json(
            &format!("/api/cameras/{id}"),
            &json!({"recording": {"retention": "36h", "mode": "continuous"}}),
            None,
        )
        .await
        .json();
    assert_eq!(updated["provisioning"]["state"], "ready", "{updated}");
    let writes = mtx.writes_to(&path);
    assert_eq!(writes.len(), 3);
    let written = writes[2].1.clone().unwrap();
    assert_eq!(
        (&written["record"], &written["recordDeleteAfter"]),
        (&json!(true), &json!("129600s"))
    );
    app.patch_json(
        &format!("/api/cameras/{id}"),
        &json!({"recording": {"mode": "off"}}),
        None,
    )
    .await;

    // An unchanged camera costs no write, however many passes run: every
    // write would drop the path's viewers.
    for _ in 0..3 {
        let report = force_pass(&app).await;
        assert_eq!(report["unchanged"], 1, "{report}");
        assert_eq!(report["added"], json!([]));
    }
    // A patch that changes nothing doesn't write either.
    app.patch_json(
        &format!("/api/cameras/{id}"),
        &json!({"max_readers": 4}),
        None,
    )
    .await;
    assert_eq!(mtx.writes_to(&path).len(), 4);

    // Disabled: the path goes. Enabled again: it comes back.
    let disabled = app.disable_camera(id).await;
    assert_eq!(disabled["provisioning"]["state"], "ready");
    assert!(mtx.path_config(&path).await.is_none());
    assert_eq!(
        mtx.writes_to(&path).last().unwrap().0,
        format!("DELETE /v3/config/paths/delete/{path}")
    );
    app.patch_json(
        &format!("/api/cameras/{id}"),
        &json!({"enabled": true}),
        None,
    )
    .await;
    assert!(mtx.path_config(&path).await.is_some());

    assert_eq!(
        app.delete(&format!("/api/cameras/{id}"), None).await.status,
        204
    );
    assert!(
        eventually(Duration::from_secs(2), || async {
            mtx.path_config(&path).await.is_none()
        })
        .await,
        "the deleted camera's path is removed at once"
    );
    assert_eq!(mtx.writes_to(&path).len(), 7);
}

/// A sub-stream is a path of its own, `cam_<id>_sub`: always on demand and
/// never recorded, there while the camera is enabled and has one.
#[tokio::test]
async fn a_sub_stream_is_an_on_demand_path_of_its_own_that_comes_and_goes() {
    let app = TestApp::spawn().await;
    let mtx = &app.mediamtx;
    let body = json!({"name": "Dock", "stream_url": canary_url("127.0.2.10"),
                      "sub_stream_url": "rtsp://admin:***@127.0.2.10:554/stream2",
                      "on_demand": false, "max_readers": 6,
                      "recording": {"mode": "continuous"}});
    let response = app.post_json("/api/cameras", &body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    let camera = response.json();
    assert_eq!(camera["provisioning"]["state"], "ready", "{camera}");
    let id = camera["id"].as_i64().unwrap();
    let (main, sub) = (format!("cam_{id}"), format!("cam_{id}_sub"));
    let config = mtx.path_config(&sub).await.expect("the sub-stream's path");
    assert_eq!(
        config["source"],
        canary_url("127.0.2.10").replace("stream1", "stream2")
    );
    assert_eq!(
        (
            &config["sourceOnDemand"],
            &config["record"],
            &config["maxReaders"]
        ),
        (&json!(true), &json!(false), &json!(6))
    );
    let config = mtx.path_config(&main).await.unwrap();
    assert_eq!(
        (&config["sourceOnDemand"], &config["record"]),
        (&json!(false), &json!(true)),
        "the main path records"
    );
    for _ in 0..2 {
        let report = force_pass(&app).await;
        assert_eq!(report["unchanged"], 1, "{report}");
    }
    assert_eq!(
        mtx.writes_to(&sub).len(),
        1,
        "an unchanged path is not written"
    );

    let camera_url = format!("/api/cameras/{id}");
    let app = &app;
    let patch = |body: Value| {
        let camera_url = camera_url.clone();
        async move {
            let camera = app.patch_json(&camera_url, &body, None).await.json();
            assert_eq!(camera["provisioning"]["state"], "ready", "{camera}");
        }
    };
    patch(json!({"enabled": false})).await;
    assert_eq!(mtx.camera_paths().await, Vec::<String>::new());
    patch(json!({"enabled": true})).await;
    assert_eq!(mtx.camera_paths().await, [main.clone(), sub.clone()]);
    patch(json!({"sub_stream_url": null})).await;
    assert_eq!(mtx.camera_paths().await, std::slice::from_ref(&main));
    patch(json!({"sub_stream_url": "rtsp://127.0.2.10/low"})).await;
    assert_eq!(
        mtx.path_config(&sub).await.unwrap()["source"],
        "rtsp://127.0.2.10/low"
    );

    assert_eq!(app.delete(&camera_url, None).await.status, 204);
    let gone = eventually(Duration::from_secs(2), || async {
        mtx.camera_paths().await.is_empty()
    })
    .await;
    assert!(gone, "a deleted camera's paths are both removed at once");
}

/// Many sub-streams at once go through the configuration file with their
/// cameras.
#[tokio::test]
async fn sub_streams_go_through_mediamtxs_configuration_file_too() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_RECONCILE_INTERVAL".into(), "10m".into());
    })
    .await;
    // The leader's first pass done, so the cameras below meet one pass.
    force_pass(&app).await;
    app.insert_cameras(15).await;
    let key = app.config().secret_key;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM cameras ORDER BY id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    for id in &ids {
        sqlx::query(
            "UPDATE cameras SET sub_stream_url = 'rtsp://admin:***@127.0.2.1/low',
                    sub_password_sealed = $2, sub_password_key_id = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(key.seal(*id, crate::support::CANARY).bytes)
        .bind(key.id())
        .execute(&app.db)
        .await
        .unwrap();
    }
    let report = force_pass(&app).await;
    assert_eq!(report["added"].as_array().unwrap().len(), 30, "{report}");
    assert!(
        app.mediamtx.faults().writes().is_empty(),
        "not one write through the API"
    );
    let config = app
        .mediamtx
        .path_config(&format!("cam_{}_sub", ids[0]))
        .await
        .unwrap();
    assert_eq!(
        (&config["source"], &config["sourceOnDemand"]),
        (
            &json!(format!(
                "rtsp://admin:{}@127.0.2.1/low",
                crate::support::CANARY
            )),
            &json!(true)
        )
    );
    assert_eq!(ready_cameras(&app).await, 15);
}

#[tokio::test]
async fn cameras_created_while_mediamtx_is_down_are_pending_then_ready() {
    let app = TestApp::spawn().await;
    app.mediamtx.stop().await;

    for n in 0..50 {
        let response = app
            .post_json(
                "/api/cameras",
                &json!({"name": format!("Cam {n}"), "stream_url": canary_url("127.0.2.7")}),
            )
            .await;
        assert_eq!(
            response.status, 201,
            "an unavailable MediaMTX never fails a camera write"
        );
        let camera = response.json();
        assert_eq!(camera["provisioning"]["state"], "pending");
    }
    let camera = app.get("/api/cameras/1").await.json();
    let detail = camera["provisioning"]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(
        detail.contains("unreachable"),
        "the operator is told why: {camera}"
    );
    let pending: i64 =
        sqlx::query_scalar("SELECT count(*) FROM camera_provisioning WHERE state = 'pending'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(pending, 50);

    app.mediamtx.start_again().await;
    let back = Instant::now();
    let all_ready = eventually(Duration::from_secs(2), || async {
        ready_cameras(&app).await == 50
    })
    .await;
    assert!(
        all_ready,
        "all ready within one reconcile interval (2 s) of MediaMTX's return"
    );
    println!("converged {:?} after MediaMTX came back", back.elapsed());
    let paths = app.mediamtx.camera_paths().await;
    assert_eq!(paths.len(), 50, "exactly one path per camera");
    let camera = app.get("/api/cameras/1").await.json();
    assert_eq!(camera["provisioning"]["detail"], Value::Null);
}

#[tokio::test]
async fn a_mediamtx_restart_is_detected_and_every_path_restored() {
    // A long interval: only restart detection can explain a quick recovery.
    // (Fleet sizes are `make bench`'s: every write costs MediaMTX time in
    // proportion to the paths it has.)
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_RECONCILE_INTERVAL".into(), "10m".into());
        // Through the API: paths MediaMTX's file doesn't hold, so a restart
        // loses them all.
        vars.remove("MEDIAMTX_CONFIG_FILE");
    })
    .await;
    // The leader's first pass done, so the cameras below meet one pass.
    force_pass(&app).await;
    app.insert_cameras(200).await;
    let report = force_pass(&app).await;
    assert_eq!(report["added"].as_array().unwrap().len(), 200);

    app.mediamtx.restart().await;
    assert!(
        app.mediamtx.camera_paths().await.is_empty(),
        "the restart lost every path"
    );
    let restarted = Instant::now();
    let restored = eventually(Duration::from_secs(15), || async {
        app.mediamtx.camera_paths().await.len() == 200
    })
    .await;
    assert!(restored, "every path back within 15 s");
    println!(
        "200 paths restored {:?} after the restart",
        restarted.elapsed()
    );
    let info_calls = app
        .mediamtx
        .faults()
        .requests()
        .iter()
        .filter(|r| r.path == "/v3/info")
        .count();
    assert!(info_calls > 0, "the restart was noticed through /v3/info");
}

/// Path by path, MediaMTX reloads its configuration for every write, at a
/// cost that grows with its paths; through its configuration file, a
/// thousand paths take one reload. The file keeps them across a restart,
/// and a MediaMTX redeployed with the shipped file gets them back in one.
#[tokio::test]
async fn many_paths_go_through_mediamtxs_configuration_file_in_one_reload() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_RECONCILE_INTERVAL".into(), "10m".into());
    })
    .await;
    // The leader's first pass done, so the cameras below meet one pass.
    force_pass(&app).await;
    app.insert_cameras(1000).await;
    let started = Instant::now();
    let report = force_pass(&app).await;
    assert_eq!(report["added"].as_array().unwrap().len(), 1000, "{report}");
    println!("1,000 paths added in {:?}", started.elapsed());
    assert!(
        app.mediamtx.faults().writes().is_empty(),
        "not one write through the API"
    );
    let file = std::fs::read_to_string(app.mediamtx.config_file()).unwrap();
    assert!(file.contains("\n  cam_1: {"), "the file holds the paths");
    let config = app.mediamtx.path_config("cam_1").await.unwrap();
    assert_eq!(
        config["source"],
        canary_url("127.0.2.1").replace(":554/stream1", ":554/s1")
    );
    assert_eq!(
        ready_cameras(&app).await,
        1000,
        "every camera says it is provisioned"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(app.mediamtx.config_file())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "only its owner may read camera passwords");

    // A plain restart: MediaMTX reads the file, every path is there at once.
    app.mediamtx.restart().await;
    assert_eq!(app.mediamtx.camera_paths().await.len(), 1000);

    // Redeployed with the file as shipped: empty, and restored in one reload.
    app.mediamtx.restart_empty().await;
    assert!(app.mediamtx.camera_paths().await.is_empty());
    let restarted = Instant::now();
    let restored = eventually(Duration::from_secs(15), || async {
        app.mediamtx.camera_paths().await.len() == 1000
    })
    .await;
    assert!(
        restored,
        "every path back within 15 s:\n{}",
        app.mediamtx.log()
    );
    println!(
        "1,000 paths restored {:?} after the restart",
        restarted.elapsed()
    );
    assert!(app.mediamtx.faults().writes().is_empty());
}

/// Cameras added one after another while MediaMTX is slow to answer (as
/// it is at thousands of paths, where each API write is a reload) pile up
/// and go through the configuration file together, not one reload each.
#[tokio::test]
async fn cameras_that_arrive_while_others_are_written_go_through_the_file_together() {
    const CAMERAS: usize = 25;
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_RECONCILE_INTERVAL".into(), "10m".into());
    })
    .await;
    force_pass(&app).await;
    app.mediamtx.faults().set_delay(Duration::from_millis(400));
    app.mediamtx.faults().clear_requests();
    let created = futures::future::join_all((0..CAMERAS).map(|n| {
        let camera = json!({"name": format!("Trickle {n}"), "stream_url": canary_url("127.0.2.9")});
        let app = &app;
        async move { app.post_json("/api/cameras", &camera).await }
    }))
    .await;
    assert!(created.iter().all(|response| response.status == 201));
    let provisioned = eventually(Duration::from_secs(30), || async {
        ready_cameras(&app).await == CAMERAS as i64
    })
    .await;
    assert!(provisioned, "every camera provisioned");
    let api_writes = app.mediamtx.faults().writes().len();
    assert!(
        api_writes < CAMERAS / 2,
        "most cameras went through the file: {api_writes} API writes for {CAMERAS} cameras"
    );
    assert_eq!(app.mediamtx.camera_paths().await.len(), CAMERAS);
}

#[tokio::test]
async fn a_configuration_reload_that_drops_every_path_is_repaired_at_once() {
    // A long interval: only the leader's watch can explain a quick repair.
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_RECONCILE_INTERVAL".into(), "10m".into());
    })
    .await;
    let camera = app.create_camera("Dock").await;
    let path = camera["path"].as_str().unwrap().to_owned();
    force_pass(&app).await;
    let started = app.mediamtx.info().await["started"].clone();
    let writes = app.mediamtx.writes_to(&path).len();

    // MediaMTX re-reads its file and forgets what the API made.
    app.mediamtx.reload_configuration().await;
    let repaired = eventually(Duration::from_secs(5), || async {
        app.mediamtx.writes_to(&path).len() > writes
            && app.mediamtx.path_config(&path).await.is_some()
    })
    .await;
    assert!(
        repaired,
        "the path is back within seconds:\n{}",
        app.mediamtx.log()
    );
    assert_eq!(
        app.mediamtx.info().await["started"],
        started,
        "a reload, not a restart: `started` did not change"
    );
    assert!(
        app.mediamtx
            .log()
            .contains("reloading configuration (file changed)")
    );
}

#[tokio::test]
async fn orphans_are_removed_and_foreign_paths_left_alone() {
    let app = TestApp::spawn().await;
    let mtx = &app.mediamtx;
    let camera = app.create_camera("Dock").await;
    mtx.add_path(
        "cam_999",
        json!({"source": "rtsp://127.0.2.99/orphan", "sourceOnDemand": true}),
    )
    .await;
    mtx.add_path(
        "lobby",
        json!({"source": "rtsp://127.0.2.50/lobby", "sourceOnDemand": true}),
    )
    .await;
    mtx.add_path("cam_7_backup", json!({})).await;
    // A sub-stream's path without its camera is an orphan too; other
    // suffixes are not Camplane's.
    mtx.add_path("cam_999_sub", json!({})).await;
    mtx.add_path("cam_7_subx", json!({})).await;
    mtx.add_path("cam_7_sub_sub", json!({})).await;

    // A periodic pass may beat the forced one to it; either way it goes once.
    let report = force_pass(&app).await;
    assert!(report["failed"].as_array().unwrap().is_empty(), "{report}");
    let deletes: Vec<_> = mtx
        .writes_to("cam_999")
        .into_iter()
        .filter(|(request, _)| request.starts_with("DELETE"))
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    let mut names = mtx.path_names().await;
    names.sort();
    assert_eq!(
        names,
        [
            camera["path"].as_str().unwrap(),
            "cam_7_backup",
            "cam_7_sub_sub",
            "cam_7_subx",
            "lobby"
        ]
    );
    assert!(
        mtx.writes_to("lobby").is_empty(),
        "Camplane never writes a path it does not own"
    );
}

/// A pass leaves out the cameras that want no path, have none and are
/// settled (most of a large fleet may be disabled); a path of one that
/// comes back all the same is seen, and removed.
#[tokio::test]
async fn a_disabled_cameras_path_that_comes_back_is_removed() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_RECONCILE_INTERVAL".into(), "10m".into());
    })
    .await;
    let camera = app.create_camera("Dock").await;
    let id = camera["id"].as_i64().unwrap();
    let path = camera["path"].as_str().unwrap();
    app.disable_camera(id).await;
    let settled = eventually(Duration::from_secs(5), || async {
        provisioning_state(&app, id).await == "ready"
            && !app
                .mediamtx
                .path_names()
                .await
                .iter()
                .any(|name| name == path)
    })
    .await;
    assert!(settled, "the disabled camera's path is removed");
    let report = force_pass(&app).await;
    assert_eq!(report["unchanged"], 1, "counted, though left out: {report}");

    app.mediamtx
        .add_path(
            path,
            json!({"source": "rtsp://127.0.2.66/back", "sourceOnDemand": true}),
        )
        .await;
    let report = force_pass(&app).await;
    assert!(report["failed"].as_array().unwrap().is_empty(), "{report}");
    assert!(
        !app.mediamtx
            .path_names()
            .await
            .iter()
            .any(|name| name == path),
        "{report}"
    );
    assert_eq!(provisioning_state(&app, id).await, "ready");
}

#[tokio::test]
async fn mediamtx_drift_is_repaired() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_RECONCILE_INTERVAL".into(), "10m".into());
    })
    .await;
    let camera = app.create_camera("Dock").await;
    let path = camera["path"].as_str().unwrap();
    app.mediamtx.faults().clear_requests();
    // Someone edits the path behind Camplane's back.
    app.mediamtx
        .replace_path(
            path,
            json!({"source": "rtsp://127.0.2.66/hijacked", "sourceOnDemand": true}),
        )
        .await;
    // The forced pass finds the drift, unless a pass still queued from the
    // camera's creation got there first: either way, one write repairs it.
    let report = force_pass(&app).await;
    assert!(report["failed"].as_array().unwrap().is_empty(), "{report}");
    assert_eq!(
        app.mediamtx.path_config(path).await.unwrap()["source"],
        canary_url("127.0.2.10")
    );
    let repairs = app.mediamtx.writes_to(path);
    assert_eq!(repairs.len(), 1, "exactly one write: {repairs:?}");
    assert!(repairs[0].0.starts_with("POST /v3/config/paths/replace/"));
}

#[tokio::test]
async fn refusals_show_in_plain_words_and_failures_are_retried() {
    let app = TestApp::spawn().await;
    let faults = app.mediamtx.faults();

    faults.fail_writes(Some(400));
    let camera = app.create_camera("Refused").await;
    assert_eq!(camera["provisioning"]["state"], "error", "{camera}");
    let detail = camera["provisioning"]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("MediaMTX refused the path (400)"),
        "{detail}"
    );

    faults.fail_writes(None);
    faults.fail_requests(Some(500));
    let failing = app.create_camera("Failing").await;
    assert_eq!(
        failing["provisioning"]["state"], "pending",
        "a 500 is retried, not final: {failing}"
    );
    assert!(failing["provisioning"]["attempts"].as_i64().unwrap() >= 1);

    faults.fail_requests(None);
    let recovered = eventually(Duration::from_secs(8), || async {
        provisioning_state(&app, camera["id"].as_i64().unwrap()).await == "ready"
            && provisioning_state(&app, failing["id"].as_i64().unwrap()).await == "ready"
    })
    .await;
    assert!(
        recovered,
        "both converge once MediaMTX behaves, by backoff retries alone"
    );
}

#[tokio::test]
async fn a_slow_mediamtx_leaves_writes_pending_but_never_failed() {
    let app = TestApp::spawn().await;
    app.mediamtx.faults().set_delay(Duration::from_secs(3));
    let started = Instant::now();
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Slow", "stream_url": canary_url("127.0.2.8")}),
        )
        .await;
    assert_eq!(response.status, 201);
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "answered after the ~2 s wait"
    );
    let camera = response.json();
    assert_eq!(camera["provisioning"]["state"], "pending");
    app.mediamtx.faults().set_delay(Duration::ZERO);
    let id = camera["id"].as_i64().unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            provisioning_state(&app, id).await == "ready"
        })
        .await
    );
}

#[tokio::test]
async fn readiness_reports_mediamtx_without_depending_on_it() {
    let app = TestApp::spawn().await;
    let ready = app.get("/readyz").await.json();
    assert!(
        ready["checks"]["mediamtx"]
            .as_str()
            .unwrap()
            .starts_with("ok"),
        "{ready}"
    );
    app.mediamtx.stop().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200, "the registry works without MediaMTX");
    assert!(
        ready.json()["checks"]["mediamtx"]
            .as_str()
            .unwrap()
            .contains("unreachable")
    );
}

async fn lock_holders(app: &TestApp) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = \
         (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn two_replicas_reconcile_one_at_a_time_and_the_survivor_takes_over() {
    let mut first = TestApp::spawn().await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            lock_holders(&first).await.len() == 1
        })
        .await
    );
    let second = first.spawn_replica().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let holders = lock_holders(&first).await;
    assert_eq!(holders.len(), 1, "one reconciler at a time");

    // Writes through either replica are provisioned by the leader.
    let a = first.create_camera("Via first").await;
    let b = second.create_camera("Via second").await;
    assert_eq!(
        (
            a["provisioning"]["state"].as_str(),
            b["provisioning"]["state"].as_str()
        ),
        (Some("ready"), Some("ready"))
    );

    first.kill().await;
    let took_over = eventually(Duration::from_secs(5), || async {
        let now = lock_holders(&second).await;
        now.len() == 1 && now != holders
    })
    .await;
    assert!(took_over, "the survivor takes the lock");
    let c = second.create_camera("After failover").await;
    assert_eq!(c["provisioning"]["state"], "ready");
    let mut paths = second.mediamtx.camera_paths().await;
    paths.sort();
    assert_eq!(paths.len(), 3, "no duplicate or missing path: {paths:?}");
}
