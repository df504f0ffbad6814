//! The audit log records every camera change and forced reconcile, masks
//! secrets, can't be rewritten, and can be filtered and paged.

use serde_json::{Value, json};

use crate::support::{CANARY, TestApp, assert_no_canary};

async fn entries(app: &TestApp, query: &str) -> Value {
    let response = app.get(&format!("/api/audit?{query}")).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_no_canary("the audit log", &response.text);
    response.json()
}

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn camera_changes_and_forced_reconciles_are_recorded_with_secrets_masked() {
    let app = TestApp::spawn().await;
    let id = app.create_camera("Dock").await["id"].as_i64().unwrap();
    let path = format!("/api/cameras/{id}");
    // A new name and a new password, same user and address.
    let patch = json!({
        "name": "Loading dock",
        "stream_url": format!("rtsp://admin:{CANARY}x@127.0.2.10:554/stream1"),
    });
    assert_eq!(app.patch_json(&path, &patch, None).await.status, 200);
    // A patch that changes nothing is not an entry.
    let unchanged = app
        .patch_json(&path, &json!({"name": "Loading dock"}), None)
        .await;
    assert_eq!(unchanged.status, 200);
    // A refused write is not an entry either.
    let clash = app
        .post_json(
            "/api/cameras",
            &json!({"name": "loading DOCK", "stream_url": "rtsp://h/"}),
        )
        .await;
    assert_eq!(clash.status, 409);
    assert_eq!(
        app.post_json("/api/reconcile", &json!({})).await.status,
        200
    );
    assert_eq!(app.delete(&path, None).await.status, 204);

    let page = entries(&app, "").await;
    assert_eq!(
        actions(&page),
        [
            "camera.delete",
            "reconcile.force",
            "camera.update",
            "camera.create",
            "token.create",
        ],
        "newest first: {page}"
    );
    assert_eq!(page["total"], 5);
    let [deleted, forced, updated, created, _] = page["items"].as_array().unwrap().as_slice()
    else {
        unreachable!()
    };
    // The test's admin token acted.
    for entry in [deleted, forced, updated, created] {
        assert_eq!(entry["actor"], "token:test admin#1");
        assert!(entry["at"].as_str().is_some());
    }
    assert_eq!(created["camera_id"], id);
    assert_eq!(created["details"]["after"]["name"], "Dock");
    assert_eq!(
        created["details"]["after"]["stream_url"],
        "rtsp://***@127.0.2.10:554/stream1"
    );
    assert_eq!(
        updated["details"]["changes"],
        json!({"name": {"from": "Dock", "to": "Loading dock"}, "credentials": "changed"})
    );
    assert_eq!(forced["camera_id"], Value::Null);
    assert_eq!(deleted["details"]["before"]["name"], "Loading dock");
}

#[tokio::test]
async fn the_log_filters_and_pages() {
    let app = TestApp::spawn().await;
    let first = app.create_camera("One").await["id"].as_i64().unwrap();
    let second = app.create_camera("Two").await["id"].as_i64().unwrap();
    app.disable_camera(second).await;

    let about_second = entries(&app, &format!("camera_id={second}")).await;
    assert_eq!(actions(&about_second), ["camera.update", "camera.create"]);
    let creates = entries(&app, "action=camera.create").await;
    assert_eq!(creates["total"], 2);
    assert_eq!(creates["items"][1]["camera_id"], first);
    let paged = entries(&app, "limit=1&offset=1").await;
    assert_eq!(
        (actions(&paged), paged["total"].as_i64()),
        (vec!["camera.create".to_owned()], Some(4))
    );
    assert_eq!(
        entries(&app, "since=2000-01-01T00:00:00Z").await["total"],
        4
    );
    assert_eq!(
        entries(&app, "until=2000-01-01T00:00:00Z").await["total"],
        0
    );

    for (query, field) in [
        ("since=yesterday", "since"),
        ("camera_id=0", "camera_id"),
        ("limit=501", "limit"),
    ] {
        let response = app.get(&format!("/api/audit?{query}")).await;
        assert_eq!(response.status, 422, "{query}");
        assert_eq!(response.json()["errors"][0]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn entries_cannot_be_changed_or_removed() {
    let app = TestApp::spawn().await;
    app.create_camera("Dock").await;
    for statement in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let err = sqlx::query(statement).execute(&app.db).await.unwrap_err();
        assert!(
            err.to_string().contains("append-only"),
            "{statement}: {err}"
        );
    }
    assert_eq!(entries(&app, "action=camera.create").await["total"], 1);
}
