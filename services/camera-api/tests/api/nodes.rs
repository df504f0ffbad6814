//! Several MediaMTX nodes: registration, placement, failover and return,
//! draining, against three real MediaMTX processes.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{self, MediaMtx, TestApp, eventually, loads};

/// Three more MediaMTX processes, whose API logins camera-api's hook
/// answers, as the one of the settings does.
async fn start_nodes(app: &TestApp) -> Vec<MediaMtx> {
    let nodes = futures::future::join_all((0..3).map(|_| MediaMtx::start())).await;
    for node in &nodes {
        node.add_hook(app.url("/api/mediamtx/auth"));
    }
    nodes
}

async fn register(app: &TestApp, name: &str, node: &MediaMtx, max_cameras: i64) -> i64 {
    register_at(app, name, node, max_cameras, "north").await
}

/// Registers `node` with the label `site`.
async fn register_at(
    app: &TestApp,
    name: &str,
    node: &MediaMtx,
    max_cameras: i64,
    site: &str,
) -> i64 {
    let response = app
        .post_json(
            "/api/nodes",
            &node.as_node(
                name,
                json!({"max_cameras": max_cameras, "labels": {"site": site}}),
            ),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.json()["id"].as_i64().unwrap()
}

/// Which node serves each camera, as stored.
async fn placements(app: &TestApp) -> BTreeMap<i64, i64> {
    support::placements(&app.db).await
}

/// The camera paths a node should hold: those of the cameras placed on it.
fn expected_paths(placed: &BTreeMap<i64, i64>, node: i64) -> BTreeSet<String> {
    placed
        .iter()
        .filter(|(_, on)| **on == node)
        .map(|(camera, _)| format!("cam_{camera}"))
        .collect()
}

/// Whether every node in `nodes` holds exactly the paths of its cameras,
/// and every one of `cameras` is placed on one of them.
async fn converged(app: &TestApp, nodes: &[(i64, &MediaMtx)], cameras: &[i64]) -> bool {
    let placed = placements(app).await;
    let ids: BTreeSet<i64> = nodes.iter().map(|(id, _)| *id).collect();
    if !cameras
        .iter()
        .all(|camera| placed.get(camera).is_some_and(|node| ids.contains(node)))
    {
        return false;
    }
    for (id, node) in nodes {
        let held: BTreeSet<String> = node.camera_paths().await.into_iter().collect();
        if held != expected_paths(&placed, *id) {
            return false;
        }
    }
    true
}

async fn node_json(app: &TestApp, id: i64) -> Value {
    let list = app.get("/api/nodes").await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|node| node["id"] == id)
        .cloned()
        .expect("listed")
}

#[tokio::test]
async fn cameras_spread_over_nodes_fail_over_and_come_back_gradually() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_NODE_FAILOVER_AFTER".into(), "3s".into());
        vars.insert("CAMPLANE_NODE_SETTLE".into(), "3s".into());
    })
    .await;
    let mtx = start_nodes(&app).await;
    let mut ids = Vec::new();
    for (n, node) in mtx.iter().enumerate() {
        ids.push(register(&app, &format!("mtx-{n}"), node, 5).await);
    }
    let mut cameras = Vec::new();
    for n in 0..9 {
        let camera = app.create_camera(&format!("Yard {n}")).await;
        assert_eq!(camera["provisioning"]["state"], "ready", "{camera}");
        cameras.push(camera["id"].as_i64().unwrap());
    }
    let all: Vec<(i64, &MediaMtx)> = ids.iter().copied().zip(mtx.iter()).collect();
    assert!(
        eventually(Duration::from_secs(10), || converged(&app, &all, &cameras)).await,
        "each node holds exactly its cameras: {:?}",
        placements(&app).await
    );
    assert_eq!(
        loads(&placements(&app).await)
            .into_values()
            .collect::<Vec<_>>(),
        [3, 3, 3],
        "spread evenly"
    );
    assert!(
        app.mediamtx.camera_paths().await.is_empty(),
        "the MediaMTX of the settings serves nothing once nodes are registered"
    );
    let up = || async { node_json(&app, ids[1]).await["health"]["state"] == "up" };
    assert!(
        eventually(Duration::from_secs(5), up).await,
        "checked and up"
    );
    let listed = node_json(&app, ids[1]).await;
    assert_eq!(listed["cameras"], 3);
    assert_eq!(listed["labels"], json!({"site": "north"}));
    assert!(listed["health"]["mediamtx_started"].is_string(), "{listed}");
    let placed = placements(&app).await;
    let status = app
        .get(&format!("/api/cameras/{}/status", cameras[0]))
        .await
        .json();
    let serving = node_json(&app, placed[&cameras[0]]).await;
    assert_eq!(status["node"], serving["name"], "a camera shows its node");

    // Node 1 stops answering (frozen: a partition, its paths kept).
    let before = placements(&app).await;
    let on_frozen = expected_paths(&before, ids[1]);
    mtx[1].freeze();
    let survivors = [all[0], all[2]];
    assert!(
        eventually(Duration::from_secs(15), || converged(
            &app, &survivors, &cameras
        ))
        .await,
        "the frozen node's cameras moved to the others: {:?}",
        placements(&app).await
    );
    let failed_over = placements(&app).await;
    for (camera, node) in &before {
        if *node != ids[1] {
            assert_eq!(
                failed_over[camera], *node,
                "camera {camera} did not need to move"
            );
        }
    }
    let listed = node_json(&app, ids[1]).await;
    assert_eq!(listed["health"]["state"], "down", "{listed}");
    let audit = app.get("/api/audit?action=node.failover").await;
    assert!(audit.text.contains("node.failover"), "{}", audit.text);

    // Back: the stale paths go, and cameras come back a few at a time
    // without any moving twice.
    mtx[1].thaw();
    let mut moves: BTreeMap<i64, usize> = BTreeMap::new();
    let mut last = failed_over.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while loads(&last).values().copied().collect::<Vec<_>>() != [3, 3, 3] {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not rebalanced: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = placements(&app).await;
        for (camera, node) in &now {
            if last.get(camera) != Some(node) {
                *moves.entry(*camera).or_default() += 1;
            }
        }
        last = now;
    }
    assert!(moves.values().all(|times| *times == 1), "{moves:?}");
    assert!(
        eventually(Duration::from_secs(10), || converged(&app, &all, &cameras)).await,
        "every node holds exactly its cameras again"
    );
    let stale: Vec<String> = on_frozen
        .difference(&expected_paths(&last, ids[1]))
        .cloned()
        .collect();
    let held = mtx[1].camera_paths().await;
    assert!(stale.iter().all(|path| !held.contains(path)), "{held:?}");
}

#[tokio::test]
async fn draining_empties_a_node_which_can_then_be_deleted() {
    let app = TestApp::spawn().await;
    let mtx = start_nodes(&app).await;
    let first = register(&app, "mtx-a", &mtx[0], 10).await;
    let camera = app.create_camera("Gate").await;
    let id = camera["id"].as_i64().unwrap();
    assert_eq!(placements(&app).await.get(&id), Some(&first));

    let refused = app.delete(&format!("/api/nodes/{first}"), None).await;
    let problem = refused.problem(409);
    assert_eq!(problem["type"], "urn:camplane:problem:node-in-use");

    let second = register(&app, "mtx-b", &mtx[1], 10).await;
    let drained = app
        .patch_json(
            &format!("/api/nodes/{first}"),
            &json!({"draining": true}),
            None,
        )
        .await;
    assert_eq!(drained.status, 200, "{}", drained.text);
    let only_second = [(first, &mtx[0]), (second, &mtx[1])];
    let gate = [id];
    let moved = || async {
        placements(&app).await.get(&id) == Some(&second)
            && converged(&app, &only_second, &gate).await
    };
    assert!(
        eventually(Duration::from_secs(10), moved).await,
        "the camera moved off the draining node, whose path went: {:?}",
        placements(&app).await
    );
    let deleted = app.delete(&format!("/api/nodes/{first}"), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
}

#[tokio::test]
async fn a_camera_goes_only_to_nodes_with_the_labels_it_asks_for() {
    let app = TestApp::spawn().await;
    let mtx = start_nodes(&app).await;
    let north = register_at(&app, "mtx-north", &mtx[0], 10, "north").await;
    let south = register_at(&app, "mtx-south", &mtx[1], 10, "south").await;
    let nodes = [(north, &mtx[0]), (south, &mtx[1])];
    let create = |name: &'static str, labels: Value| {
        let app = &app;
        async move {
            let body =
                json!({"name": name, "stream_url": "rtsp://127.0.2.10/s", "node_labels": labels});
            let response = app.post_json("/api/cameras", &body).await;
            assert_eq!(response.status, 201, "{}", response.text);
            response.json()
        }
    };
    let mut southern = Vec::new();
    for name in ["South 1", "South 2", "South 3"] {
        let camera = create(name, json!({"site": "south"})).await;
        assert_eq!(camera["node_labels"], json!({"site": "south"}));
        southern.push(camera["id"].as_i64().unwrap());
    }
    assert!(
        eventually(Duration::from_secs(10), || converged(
            &app, &nodes, &southern
        ))
        .await,
        "placed: {:?}",
        placements(&app).await
    );
    let placed = placements(&app).await;
    assert!(
        southern.iter().all(|camera| placed[camera] == south),
        "every southern camera on the southern node, though the northern one is emptier: {placed:?}"
    );

    // A site no node has: no node, and the camera says why.
    let lost = create("Nowhere", json!({"site": "west"})).await;
    let lost_id = lost["id"].as_i64().unwrap();
    let stranded = || async {
        let camera = app.get(&format!("/api/cameras/{lost_id}")).await.json();
        camera["provisioning"]["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("carries its labels"))
    };
    assert!(
        eventually(Duration::from_secs(10), stranded).await,
        "{}",
        app.get(&format!("/api/cameras/{lost_id}")).await.text
    );
    assert_eq!(placements(&app).await.get(&lost_id), None);

    // Its labels changed to the north: it is placed there, and a southern
    // camera relabelled moves north with its path.
    for id in [lost_id, southern[0]] {
        let moved = app
            .patch_json(
                &format!("/api/cameras/{id}"),
                &json!({"node_labels": {"site": "north"}}),
                None,
            )
            .await;
        assert_eq!(moved.status, 200, "{}", moved.text);
    }
    let all = [lost_id, southern[0], southern[1], southern[2]];
    let relabelled = || async {
        let placed = placements(&app).await;
        placed.get(&lost_id) == Some(&north)
            && placed.get(&southern[0]) == Some(&north)
            && converged(&app, &nodes, &all).await
    };
    assert!(
        eventually(Duration::from_secs(15), relabelled).await,
        "placed: {:?}",
        placements(&app).await
    );
    assert_eq!(
        placements(&app).await[&southern[1]],
        south,
        "the others stay"
    );

    let bad = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Bad", "stream_url": "rtsp://127.0.2.10/s", "node_labels": {"Site": "x y"}}),
        )
        .await;
    assert_eq!(bad.invalid_fields(), ["node_labels"]);
}

#[tokio::test]
async fn a_leading_replica_killed_mid_pass_hands_the_nodes_to_the_other_within_seconds() {
    let mut app = TestApp::spawn().await;
    let mtx = start_nodes(&app).await;
    let mut ids = Vec::new();
    for (n, node) in mtx.iter().enumerate() {
        ids.push(register(&app, &format!("mtx-{n}"), node, 100).await);
    }
    // From here only the two processes below reconcile.
    app.stop().await.unwrap();
    app.insert_cameras(150).await;
    let cameras: Vec<i64> = sqlx::query_scalar("SELECT id FROM cameras")
        .fetch_all(&app.db)
        .await
        .unwrap();
    // Slow nodes, so the first pass over 150 cameras takes seconds.
    for node in &mtx {
        node.faults().set_delay(Duration::from_millis(15));
    }
    let writes = || {
        mtx.iter()
            .map(|node| node.faults().writes().len())
            .sum::<usize>()
    };

    let mut leader = app.spawn_process_for(app.env(), &mtx).await;
    leader.output_containing("this instance now leads").await;
    let follower = app.spawn_process_for(app.env(), &mtx).await;
    let midway = eventually(Duration::from_secs(60), || async { writes() >= 30 }).await;
    leader.kill().await;
    let killed_at = std::time::Instant::now();
    assert!(midway, "the pass never got going: {}", leader.output());
    assert!(
        writes() < 150,
        "killed in the middle of the pass ({} writes)",
        writes()
    );
    assert!(
        !follower.output().contains("this instance now leads"),
        "the second replica followed while the first led"
    );

    let took_over = eventually(Duration::from_secs(5), || async {
        follower.output().contains("this instance now leads")
    })
    .await;
    assert!(
        took_over,
        "the survivor leads within 5 s of the kill:\n{}",
        follower.output()
    );
    eprintln!("the survivor led {:?} after the kill", killed_at.elapsed());

    for node in &mtx {
        node.faults().set_delay(Duration::ZERO);
    }
    let nodes: Vec<(i64, &MediaMtx)> = ids.iter().copied().zip(mtx.iter()).collect();
    assert!(
        eventually(Duration::from_secs(30), || converged(
            &app, &nodes, &cameras
        ))
        .await,
        "every camera on exactly one node, each node holding exactly its cameras: {:?}",
        loads(&placements(&app).await)
    );
    let spread = loads(&placements(&app).await);
    assert!(
        spread.values().all(|&load| (40..=60).contains(&load)),
        "spread over the three nodes: {spread:?}"
    );
}

#[tokio::test]
async fn a_node_whose_file_camplane_may_write_takes_many_paths_in_one_reload() {
    // The node directory holds each node's directory under its name, as a
    // volume of the node's would be mounted there.
    let node_dir = std::env::temp_dir().join(format!("camplane-nodes-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&node_dir).unwrap();
    let app = TestApp::spawn_with(|vars| {
        vars.insert(
            "CAMPLANE_NODE_CONFIG_DIR".into(),
            node_dir.to_string_lossy().into_owned(),
        );
    })
    .await;
    let mtx = start_nodes(&app).await;
    let with_file = &mtx[0];
    let file = with_file.config_file();
    std::os::unix::fs::symlink(file.parent().unwrap(), node_dir.join("mtx-file")).unwrap();
    let id = register(&app, "mtx-file", with_file, 500).await;
    app.insert_cameras(200).await;
    let cameras: Vec<i64> = sqlx::query_scalar("SELECT id FROM cameras")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let forced = app.post_json("/api/reconcile", &json!({})).await;
    assert_eq!(forced.status, 200, "{}", forced.text);
    let only = [(id, with_file)];
    assert!(
        eventually(Duration::from_secs(30), || converged(&app, &only, &cameras)).await,
        "placed: {}",
        placements(&app).await.len()
    );
    let writes = with_file.faults().writes().len();
    assert!(
        writes < 20,
        "200 paths through the node's file, not the API ({writes} API writes)"
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.contains(&format!("cam_{}:", cameras[0])),
        "the file holds the paths"
    );
    std::fs::remove_dir_all(&node_dir).unwrap();
}

#[tokio::test]
async fn nodes_are_for_admins_and_bad_fields_are_named() {
    let app = TestApp::spawn().await;
    let operator = app.client_as(camera_api::auth::Role::Operator, None).await;
    let listed = operator.get(app.url("/api/nodes")).send().await.unwrap();
    assert_eq!(listed.status(), 403);

    let bad = app
        .post_json(
            "/api/nodes",
            &json!({"name": "", "api_url": "http://user:secret@10.0.0.1:9997", "max_cameras": 0}),
        )
        .await;
    assert_eq!(bad.invalid_fields(), ["name", "api_url", "max_cameras"]);
    assert!(!bad.text.contains("secret"), "{}", bad.text);

    let made = app
        .post_json(
            "/api/nodes",
            &json!({"name": "mtx", "api_url": "http://10.0.0.1:9997"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(made.json()["rtsp_url"], "rtsp://10.0.0.1:8554");
    let twin = app
        .post_json(
            "/api/nodes",
            &json!({"name": "MTX", "api_url": "http://10.0.0.2:9997"}),
        )
        .await;
    assert_eq!(twin.problem(409)["type"], "urn:camplane:problem:conflict");
}
