//! Provisioning speed: cameras created through the API reach MediaMTX, and a
//! MediaMTX that restarted empty gets every path back.

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::json;

use crate::Row;
use crate::load::CLIENTS;
use crate::service::ServiceProcess;
use crate::support::{TestApp, canary_url, eventually};

const CREATED: usize = 1_000;
/// Cameras in the database when MediaMTX restarts.
const RESTORED: [usize; 3] = [1_000, 5_000, 10_000];
/// How long to wait before calling a target missed by far.
const GIVE_UP: Duration = Duration::from_secs(60);

/// 1,000 cameras created by 64 concurrent clients, until every one is
/// `ready` and has its path on the real MediaMTX.
pub async fn create_through_api(app: &TestApp, service: &ServiceProcess, rows: &mut Vec<Row>) {
    let total = cameras(app).await + CREATED;
    let started = Instant::now();
    join_all((0..CLIENTS).map(|client| async move {
        for n in (client..CREATED).step_by(CLIENTS) {
            let camera = json!({
                "name": format!("Created {n}"),
                "stream_url": canary_url(&format!("127.0.2.{}", n % 250 + 1)),
            });
            let response = service.post_json("/api/cameras", &camera).await;
            assert_eq!(response.status, 201, "{}", response.text);
        }
    }))
    .await;
    let answered = started.elapsed();
    let ready = eventually(GIVE_UP, || converged(app, total)).await;
    let elapsed = started.elapsed();
    rows.push(Row::new(
        "create 1,000 cameras through the API (64 connections) until all `ready` on the real MediaMTX",
        if ready {
            format!(
                "{:.2} s (all created after {:.2} s)",
                elapsed.as_secs_f64(),
                answered.as_secs_f64()
            )
        } else {
            format!("not all ready after {} s", GIVE_UP.as_secs())
        },
        "≤ 3 s",
        ready && elapsed <= Duration::from_secs(3),
    ));
}

/// For 1,000, 5,000 and 10,000 cameras: what one API write costs MediaMTX
/// at that many paths (each write reloads its whole configuration), and how
/// long a MediaMTX restarted empty (as redeployed, with the shipped
/// configuration file) takes until every path is back.
pub async fn restore_after_restart(app: &TestApp, service: &ServiceProcess, rows: &mut Vec<Row>) {
    for fleet in RESTORED {
        // The fleet is at least what earlier benchmarks created.
        let fleet = fleet.max(cameras(app).await);
        let added = fleet - cameras(app).await;
        app.insert_cameras(added as i64).await;
        let started = Instant::now();
        let response = service.post_json("/api/reconcile", &json!({})).await;
        assert_eq!(response.status, 200, "{}", response.text);
        let pass = started.elapsed();
        let report = response.json();
        assert_eq!(
            report["added"].as_array().map(Vec::len),
            Some(added),
            "{report}"
        );
        assert!(converged(app, fleet).await, "every camera provisioned");
        if added > 0 {
            rows.push(Row::reported(
                format!("forced reconcile pass adding {added} paths (one file reload)"),
                format!("{:.2} s", pass.as_secs_f64()),
            ));
        }

        let mediamtx = &app.mediamtx;
        let name = mediamtx.camera_paths().await.remove(0);
        let config = mediamtx.path_config(&name).await.unwrap();
        let started = Instant::now();
        mediamtx.replace_path(&name, config).await;
        rows.push(Row::reported(
            format!("one API write on a MediaMTX holding {fleet} paths"),
            format!("{:.0} ms", started.elapsed().as_secs_f64() * 1000.0),
        ));

        mediamtx.restart_empty().await;
        let restarted = Instant::now();
        let restored = eventually(GIVE_UP, || async {
            mediamtx.camera_paths().await.len() == fleet
        })
        .await;
        let elapsed = restarted.elapsed();
        let measured = if restored {
            format!("{:.2} s", elapsed.as_secs_f64())
        } else {
            format!(
                "{} of {fleet} paths after {} s",
                mediamtx.camera_paths().await.len(),
                GIVE_UP.as_secs()
            )
        };
        let what =
            format!("MediaMTX restarted empty with {fleet} cameras: until every path is back");
        rows.push(Row::new(
            what,
            measured,
            "≤ 10 s",
            restored && elapsed <= Duration::from_secs(10),
        ));
    }
}

pub async fn cameras(app: &TestApp) -> usize {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM cameras")
        .fetch_one(&app.db)
        .await
        .unwrap();
    count as usize
}

/// Every one of `cameras` is `ready`, with exactly one path each.
async fn converged(app: &TestApp, cameras: usize) -> bool {
    let ready: i64 =
        sqlx::query_scalar("SELECT count(*) FROM camera_provisioning WHERE state = 'ready'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    ready as usize == cameras && app.mediamtx.camera_paths().await.len() == cameras
}
