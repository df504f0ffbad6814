//! Several MediaMTX nodes at a site's size (issue 20): 10,000 cameras placed
//! on three real MediaMTX nodes until each holds exactly its cameras' paths,
//! then one node SIGKILLed until the other two hold every camera; with the
//! nodes' configuration files in `CAMPLANE_NODE_CONFIG_DIR`, as when they
//! share a host or a volume with camera-api (one reload per node for
//! thousands of paths), and, where `CAMPLANE_BENCH_NODES_API=1`, through
//! their APIs alone (a reload per path: tens of minutes). A database and a
//! service process of their own: registering nodes changes where every
//! camera of a fleet goes, which the other parts measure on one MediaMTX.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::json;

use crate::Row;
use crate::service::ServiceProcess;
use crate::support::{MediaMtx, TestApp, loads, placements};

const FLEET: i64 = 10_000;
/// How long to wait before calling a measurement missed by far.
const GIVE_UP: Duration = Duration::from_secs(900);
/// Listing 3,000 paths costs a node; asked once a second, not faster.
const POLL: Duration = Duration::from_secs(1);

pub async fn ten_thousand_on_three(rows: &mut Vec<Row>) {
    let through_api = std::env::var("CAMPLANE_BENCH_NODES_API").is_ok_and(|set| set == "1");
    let node_dir = std::env::temp_dir().join(format!("camplane-nodes-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&node_dir).expect("a node directory");
    let mut app = TestApp::spawn_with(|vars| {
        // Production's pass interval, storage check and failover time.
        vars.remove("CAMPLANE_RECONCILE_INTERVAL");
        vars.remove("CAMPLANE_RECORDINGS_CHECK");
        vars.remove("CAMPLANE_NODE_FAILOVER_AFTER");
        if !through_api {
            vars.insert(
                "CAMPLANE_NODE_CONFIG_DIR".into(),
                node_dir.to_string_lossy().into_owned(),
            );
        }
    })
    .await;
    let how = match through_api {
        true => "through the nodes' APIs",
        false => "through the nodes' files",
    };
    app.stop().await.expect("the in-process service stops");
    let service = ServiceProcess::start(&app).await;
    let nodes = join_all((0..3).map(|_| MediaMtx::start())).await;
    let mut ids = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        node.add_hook(service.url("/api/mediamtx/auth"));
        let file = node.config_file();
        std::os::unix::fs::symlink(file.parent().unwrap(), node_dir.join(format!("mtx-{n}")))
            .expect("a node's directory in the node directory");
        let registered = service
            .post_json(
                "/api/nodes",
                &node.as_node(&format!("mtx-{n}"), json!({"max_cameras": FLEET})),
            )
            .await;
        assert_eq!(registered.status, 201, "{}", registered.text);
        ids.push(registered.json()["id"].as_i64().unwrap());
    }

    app.insert_cameras(FLEET).await;
    let started = Instant::now();
    let all: Vec<(i64, &MediaMtx)> = ids.iter().copied().zip(nodes.iter()).collect();
    let placed = until_converged(&app, &all).await;
    let elapsed = started.elapsed();
    let loads = loads(&placed);
    rows.push(Row::reported(
        format!("{FLEET} cameras added to three nodes ({how}): until all are placed and every node holds exactly its paths"),
        match placed.len() as i64 == FLEET {
            true => format!("{:.1} s ({loads:?} cameras per node)", elapsed.as_secs_f64()),
            false => format!("{} placed and converged after {} s", placed.len(), GIVE_UP.as_secs()),
        },
    ));

    let (killed, survivors) = all.split_first().expect("three nodes");
    let on_killed = loads.get(&killed.0).copied().unwrap_or(0);
    killed.1.stop().await;
    let started = Instant::now();
    let placed = until_converged(&app, survivors).await;
    let elapsed = started.elapsed();
    rows.push(Row::reported(
        format!("one of the three nodes SIGKILLed with its {on_killed} cameras ({how}): until the other two hold every camera (CAMPLANE_NODE_FAILOVER_AFTER 15 s included)"),
        match placed.len() as i64 == FLEET {
            true => format!("{:.1} s", elapsed.as_secs_f64()),
            false => format!("{} placed and converged after {} s", placed.len(), GIVE_UP.as_secs()),
        },
    ));
    let _ = std::fs::remove_dir_all(&node_dir);
}

/// Polls until every camera is placed on one of `nodes` and each of them
/// holds exactly the paths of its cameras, or GIVE_UP; returns the
/// placements that were converged at the end.
async fn until_converged(app: &TestApp, nodes: &[(i64, &MediaMtx)]) -> BTreeMap<i64, i64> {
    let deadline = Instant::now() + GIVE_UP;
    loop {
        let placed = placements(&app.db).await;
        let mut converged = BTreeMap::new();
        for (id, node) in nodes {
            let held: BTreeSet<String> = node.camera_paths().await.into_iter().collect();
            let expected: BTreeMap<String, i64> = placed
                .iter()
                .filter(|(_, on)| *on == id)
                .map(|(camera, _)| (format!("cam_{camera}"), *camera))
                .collect();
            converged.extend(
                expected
                    .iter()
                    .filter(|(path, _)| held.contains(*path))
                    .map(|(_, camera)| (*camera, *id)),
            );
        }
        if converged.len() as i64 == FLEET || Instant::now() >= deadline {
            return converged;
        }
        tokio::time::sleep(POLL).await;
    }
}
