//! Faults the service must survive as a process, not just as a task.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::events::EventStream;
use crate::support::postgres::PgServer;
use crate::support::{Response, TestApp, assert_no_canary, canary_url, eventually};

#[tokio::test]
async fn a_service_killed_mid_pass_leaves_mediamtx_converging_after_restart() {
    let mut app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_RECONCILE_INTERVAL".into(), "10m".into());
        // Write by write through the API, so a pass can be cut in the middle.
        vars.remove("MEDIAMTX_CONFIG_FILE");
    })
    .await;
    // Only the separate process below reconciles until it is killed.
    app.stop().await.unwrap();
    app.insert_cameras(300).await;
    let faults = app.mediamtx.faults();
    // Slow enough that a pass of 300 writes takes seconds.
    faults.set_delay(Duration::from_millis(3));

    // Verbose, so a leaked password has every chance to show.
    let mut env = app.env().clone();
    env.insert("CAMPLANE_LOG".into(), "debug".into());
    let mut service = app.spawn_process(&env).await;
    let midway = eventually(Duration::from_secs(60), || async {
        faults.writes().len() >= 100
    })
    .await;
    service.kill().await;
    let output = service.output();
    assert!(midway, "the pass never got going: {output}");
    let written = faults.writes().len();
    assert!(
        written < 300,
        "killed in the middle of the pass ({written} writes)"
    );
    assert_no_canary("the killed service's output", &output);

    faults.set_delay(Duration::ZERO);
    app.start_again().await;
    let converged = eventually(Duration::from_secs(20), || async {
        app.mediamtx.camera_paths().await.len() == 300
    })
    .await;
    assert!(converged, "every path is there after the restart");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM cameras ORDER BY id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let mut expected: Vec<String> = ids.iter().map(|id| format!("cam_{id}")).collect();
    let mut paths = app.mediamtx.camera_paths().await;
    expected.sort();
    paths.sort();
    assert_eq!(
        paths, expected,
        "exactly the cameras' paths: none missing, duplicated or orphaned"
    );
    let all_ready = eventually(Duration::from_secs(10), || async {
        let ready: i64 =
            sqlx::query_scalar("SELECT count(*) FROM camera_provisioning WHERE state = 'ready'")
                .fetch_one(&app.db)
                .await
                .unwrap();
        ready == 300
    })
    .await;
    assert!(all_ready, "and every camera says so");
}

/// One write a client made while the database came and went.
struct Attempt {
    write: Write,
    started: Instant,
    took: Duration,
    response: Response,
}

enum Write {
    Create(String),
    /// Sets the writer's own camera's `max_readers` (which MediaMTX sees).
    Patch(i64),
}

/// Alternates creating cameras and editing `camera` until `stop` is set.
async fn write_until(app: &TestApp, writer: usize, camera: i64, stop: &AtomicBool) -> Vec<Attempt> {
    let mut attempts = Vec::new();
    for n in 1.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let (write, request) = if n % 2 == 0 {
            let name = format!("Writer {writer} camera {n}");
            let body = json!({"name": name, "stream_url": canary_url("127.0.2.20")});
            (
                Write::Create(name),
                app.request(Method::POST, "/api/cameras").json(&body),
            )
        } else {
            let max_readers = 2 + n % 999;
            (
                Write::Patch(max_readers),
                app.request(Method::PATCH, &format!("/api/cameras/{camera}"))
                    .json(&json!({"max_readers": max_readers})),
            )
        };
        let started = Instant::now();
        let response = app.send(request).await;
        attempts.push(Attempt {
            write,
            started,
            took: started.elapsed(),
            response,
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    attempts
}

/// What still differs between the database and MediaMTX, or `None` once
/// every enabled camera has its path with its current settings, no other
/// camera path exists, and every camera says it is provisioned.
async fn provisioning_mismatch(app: &TestApp) -> Option<String> {
    let cameras: Vec<(i64, bool, i32, String)> = sqlx::query_as(
        "SELECT c.id, c.enabled, c.max_readers, p.state FROM cameras c \
         JOIN camera_provisioning p ON p.camera_id = c.id ORDER BY c.id",
    )
    .fetch_all(&app.db)
    .await
    .ok()?;
    if let Some((id, _, _, state)) = cameras.iter().find(|camera| camera.3 != "ready") {
        return Some(format!("camera {id} is {state}"));
    }
    let mut paths = app.mediamtx.path_configs().await;
    for (id, _, max_readers, _) in cameras.iter().filter(|camera| camera.1) {
        let seen = paths
            .remove(&format!("cam_{id}"))
            .map(|config| config["maxReaders"].clone());
        if seen != Some(json!(max_readers)) {
            return Some(format!(
                "cam_{id}: maxReaders {seen:?}, camera has {max_readers}"
            ));
        }
    }
    (!paths.is_empty()).then(|| format!("paths of no enabled camera: {:?}", paths.keys()))
}

/// Waits (at most 20 s) for MediaMTX to match the database.
async fn assert_converges(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut mismatch = provisioning_mismatch(app).await;
    while mismatch.is_some() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        mismatch = provisioning_mismatch(app).await;
    }
    assert_eq!(mismatch, None, "MediaMTX converges on the registry");
}

/// PostgreSQL itself stopped (not a cut connection: sessions are ended and
/// the port refuses) while eight clients create and edit cameras, then
/// started again on the same port and data.
#[tokio::test]
async fn postgres_stopped_under_writes_is_a_fast_503_and_nothing_is_lost_or_half_done() {
    let mut postgres = PgServer::start().await;
    let app = TestApp::spawn_on_postgres(&postgres).await;
    let mut own_cameras = Vec::new();
    for writer in 0..8 {
        let camera = app.create_camera(&format!("Writer {writer}")).await;
        own_cameras.push(camera["id"].as_i64().unwrap());
    }

    let stop = AtomicBool::new(false);
    let writers = futures::future::join_all(
        own_cameras
            .iter()
            .enumerate()
            .map(|(writer, camera)| write_until(&app, writer, *camera, &stop)),
    );
    let outage = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        postgres.stop().await;
        let stopped = Instant::now();
        let ready = app.get("/readyz").await;
        assert_eq!(app.get("/healthz").await.status, 200, "still alive");
        tokio::time::sleep(Duration::from_secs(4)).await;
        postgres.start_again().await;
        let restarted = Instant::now();
        let recovered = eventually(Duration::from_secs(15), || async {
            app.get("/readyz").await.status == 200
        })
        .await;
        let recovery = restarted.elapsed();
        // Clients keep writing for a while on the recovered service.
        tokio::time::sleep(Duration::from_secs(2)).await;
        stop.store(true, Ordering::Relaxed);
        (stopped, restarted, ready, recovered, recovery)
    };
    let (attempts, (stopped, restarted, ready, recovered, recovery)) =
        tokio::join!(writers, outage);

    let problem = ready.problem(503);
    let reason = problem["checks"]["database"].as_str().unwrap();
    assert!(
        reason.starts_with("unreachable"),
        "readyz says why: {reason}"
    );
    assert!(recovered, "ready again by itself after the restart");
    println!("ready again {recovery:?} after PostgreSQL restarted");

    let all: Vec<&Attempt> = attempts.iter().flatten().collect();
    let failed: Vec<&&Attempt> = all.iter().filter(|a| a.response.status >= 300).collect();
    for attempt in &failed {
        attempt.response.problem(503);
        assert!(attempt.response.header("retry-after").is_some());
        assert!(
            attempt.took < Duration::from_secs(5),
            "failed fast, not after {:?}",
            attempt.took
        );
    }
    let succeeded = |from: Instant, to: Instant| {
        all.iter()
            .filter(|a| a.response.status < 300 && a.started >= from && a.started < to)
            .count()
    };
    let far_future = Instant::now() + Duration::from_secs(3600);
    let (before, after) = (
        succeeded(stopped - Duration::from_secs(3600), stopped),
        succeeded(restarted, far_future),
    );
    println!(
        "{} writes: {before} succeeded before the outage, {} failed, {after} succeeded after",
        all.len(),
        failed.len()
    );
    assert!(before > 0 && after > 0 && !failed.is_empty());

    // Nothing half-done: a camera never exists without its provisioning row.
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cameras c LEFT JOIN camera_provisioning p ON p.camera_id = c.id \
         WHERE p.camera_id IS NULL",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "cameras without provisioning state");
    let stored: HashMap<String, (i64, i32)> =
        sqlx::query_as::<_, (String, i64, i32)>("SELECT name, id, max_readers FROM cameras")
            .fetch_all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|(name, id, max_readers)| (name, (id, max_readers)))
            .collect();
    let mut committed_but_failed = 0;
    for attempt in &all {
        let Write::Create(name) = &attempt.write else {
            continue;
        };
        if attempt.response.status == 201 {
            let id = attempt.response.json()["id"].as_i64().unwrap();
            assert_eq!(stored.get(name).map(|c| c.0), Some(id), "{name} was lost");
        } else if stored.contains_key(name) {
            // Committed, but the acknowledgement died with the server.
            committed_but_failed += 1;
        }
    }
    assert!(
        committed_but_failed <= 1,
        "{committed_but_failed} creates answered 503 yet were stored"
    );
    // Each edit that got a 200 stands, unless a later one that failed was
    // committed all the same (its answer lost with the connection).
    for (writer, attempts) in attempts.iter().enumerate() {
        let mut possible = vec![0];
        for attempt in attempts {
            if let Write::Patch(max_readers) = attempt.write {
                if attempt.response.status == 200 {
                    possible = vec![max_readers];
                } else {
                    possible.push(max_readers);
                }
            }
        }
        let stored = stored[&format!("Writer {writer}")].1;
        assert!(
            possible.contains(&i64::from(stored)),
            "writer {writer}'s camera has max_readers {stored}, expected one of {possible:?}"
        );
    }

    // An outage is logged as one (WARN), not as a bug (ERROR): an alert on
    // ERROR lines must not fire for every client of a restarting database.
    let outage_lines: Vec<serde_json::Value> = crate::support::logs()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|line: &serde_json::Value| {
            let fields = &line["fields"];
            fields["status"] == 503
                && fields["message"]
                    .as_str()
                    .is_some_and(|message| message.starts_with("request failed"))
        })
        .collect();
    assert!(!outage_lines.is_empty(), "the 503s are logged");
    assert!(
        outage_lines.iter().all(|line| line["level"] == "WARN"),
        "{outage_lines:?}"
    );

    // The reconciler and the event feed recovered too.
    assert_converges(&app).await;
    let mut events = EventStream::open(&app, None).await;
    let camera = app.create_camera("After the outage").await;
    let id = camera["id"].as_i64().unwrap();
    assert_eq!(events.camera_event(id).await.data["op"], "created");
}

/// One of each kind of camera write, at once, while MediaMTX misbehaves:
/// each must succeed without waiting for MediaMTX beyond the provisioning
/// wait (2 s). `existing` are cameras to edit, disable and delete.
async fn write_through_fault(app: &TestApp, fault: &str, existing: [i64; 3]) {
    let [edited, disabled, deleted] = existing;
    let create = |n: usize| {
        let body = json!({"name": format!("{fault} {n}"), "stream_url": canary_url("127.0.2.30")});
        app.request(Method::POST, "/api/cameras").json(&body)
    };
    let patch = |id: i64, body: serde_json::Value| {
        app.request(Method::PATCH, &format!("/api/cameras/{id}"))
            .json(&body)
    };
    let requests = [
        (201, create(1)),
        (201, create(2)),
        (
            200,
            patch(edited, json!({"max_readers": 7, "location": fault})),
        ),
        (200, patch(disabled, json!({"enabled": false}))),
        (
            204,
            app.request(Method::DELETE, &format!("/api/cameras/{deleted}")),
        ),
    ];
    let started = Instant::now();
    let responses =
        futures::future::join_all(requests.into_iter().map(|(expected, request)| async move {
            let response = app.send(request).await;
            (expected, response, started.elapsed())
        }))
        .await;
    for (expected, response, took) in responses {
        assert_eq!(
            response.status, expected,
            "MediaMTX {fault}: {}",
            response.text
        );
        assert!(
            took < Duration::from_secs(3),
            "MediaMTX {fault}: answered after {took:?}, not within the 2 s provisioning wait"
        );
        if expected != 204 {
            let state = &response.json()["provisioning"]["state"];
            assert!(
                state == "pending" || state == "deleting",
                "MediaMTX {fault}: {state}"
            );
        }
    }
}

/// MediaMTX slow (seconds per call), then answering 500, then frozen
/// (SIGSTOP), then gone (SIGKILL): camera writes of every kind still
/// succeed, and once MediaMTX is back it converges on exactly the registry.
#[tokio::test]
async fn camera_writes_succeed_while_mediamtx_is_slow_failing_or_gone_and_then_converge() {
    let app = TestApp::spawn().await;
    let mut existing = Vec::new();
    for n in 0..12 {
        existing.push(
            app.create_camera(&format!("Existing {n}")).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let faults = app.mediamtx.faults();

    faults.set_delay(Duration::from_secs(4));
    write_through_fault(&app, "slow", [existing[0], existing[1], existing[2]]).await;
    faults.set_delay(Duration::ZERO);
    faults.fail_requests(Some(500));
    write_through_fault(&app, "failing", [existing[3], existing[4], existing[5]]).await;
    faults.fail_requests(None);
    app.mediamtx.freeze();
    write_through_fault(&app, "frozen", [existing[6], existing[7], existing[8]]).await;
    app.mediamtx.thaw();
    app.mediamtx.stop().await;
    write_through_fault(&app, "gone", [existing[9], existing[10], existing[11]]).await;

    // Back, with the memory of a fresh process: no paths at all.
    app.mediamtx.start_again().await;
    assert_converges(&app).await;
    let cameras = app.get("/api/cameras").await.json();
    assert_eq!(cameras["total"], 12 + 8 - 4, "every write stands");
}

/// Review item 16.10: a request out of time was an empty `408`, without
/// the headers every other answer has.
#[tokio::test]
async fn a_request_out_of_time_is_a_problem_with_the_usual_headers() {
    const ORIGIN: &str = "https://vms.example.com";
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_REQUEST_TIMEOUT".into(), "2s".into());
        vars.insert("CAMPLANE_PROBE_TIMEOUT".into(), "500ms".into());
        vars.insert("CAMPLANE_SNAPSHOT_TIMEOUT".into(), "500ms".into());
        vars.insert("CAMPLANE_CORS_ORIGINS".into(), ORIGIN.into());
    })
    .await;
    // A forced pass waits for the reconciler, which waits for MediaMTX.
    app.mediamtx.faults().set_delay(Duration::from_secs(10));
    let started = Instant::now();
    let response = app
        .send(
            app.request(Method::POST, "/api/reconcile")
                .header("x-request-id", "slow-pass-1")
                .header("origin", ORIGIN),
        )
        .await;
    let waited = started.elapsed();
    app.mediamtx.faults().set_delay(Duration::ZERO);

    let problem = response.problem(503);
    assert_eq!(problem["type"], "urn:camplane:problem:unavailable");
    assert!(
        problem["detail"].as_str().unwrap().contains("2.0 s"),
        "{problem}"
    );
    assert_eq!(response.header("retry-after"), Some("2"));
    assert_eq!(response.header("x-request-id"), Some("slow-pass-1"));
    for header in [
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
        "x-frame-options",
    ] {
        assert!(response.header(header).is_some(), "no {header}");
    }
    assert_eq!(response.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(
        (Duration::from_secs(2)..Duration::from_millis(3500)).contains(&waited),
        "answered after {waited:?}, not at CAMPLANE_REQUEST_TIMEOUT (2 s)"
    );
}
