//! Faults the service must survive as a process, not just as a task.

use std::process::Stdio;
use std::time::Duration;

use crate::support::{TestApp, assert_no_canary, eventually};

#[tokio::test]
async fn a_service_killed_mid_pass_leaves_mediamtx_converging_after_restart() {
    let mut app = TestApp::spawn_with_stand_in(|vars| {
        vars.insert("CAMPLANE_RECONCILE_INTERVAL".into(), "10m".into());
    })
    .await;
    // Only the separate process below reconciles until it is killed.
    app.stop().await.unwrap();
    app.insert_cameras(1000).await;
    let stand_in = app.mediamtx.stand_in();
    // Slow enough that a pass of 1,000 writes takes seconds.
    stand_in.set_delay(Duration::from_millis(3));

    // Output goes to a file: an undrained pipe would fill up and stall the service.
    let log_path =
        std::env::temp_dir().join(format!("camplane-killed-{}.log", uuid::Uuid::new_v4()));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut service = tokio::process::Command::new(env!("CARGO_BIN_EXE_camera-api"))
        .env_clear()
        .envs(app.env())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CAMPLANE_LISTEN", "127.0.0.1:0")
        .env("CAMPLANE_LOG", "debug")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let midway = eventually(Duration::from_secs(60), || async {
        stand_in.writes().len() >= 200
    })
    .await;
    service.start_kill().unwrap(); // SIGKILL
    service.wait().await.unwrap();
    let output = std::fs::read_to_string(&log_path).unwrap();
    std::fs::remove_file(&log_path).unwrap();
    assert!(midway, "the pass never got going: {output}");
    let written = stand_in.writes().len();
    assert!(
        written < 1000,
        "killed in the middle of the pass ({written} writes)"
    );
    assert_no_canary("the killed service's output", &output);

    stand_in.set_delay(Duration::ZERO);
    app.start_again().await;
    let converged = eventually(Duration::from_secs(20), || async {
        app.mediamtx.camera_paths().await.len() == 1000
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
        ready == 1000
    })
    .await;
    assert!(all_ready, "and every camera says so");
}
