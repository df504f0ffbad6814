//! Saved views: personal ones are their owner's alone, shared ones are
//! everyone's to open and their owner's (or an admin's) to change, and no
//! view tells a reader of a camera outside its groups.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Response, TestApp, send};
use camera_api::auth::Role;

/// A request as `client`, with `body` as JSON and `If-Match` when given.
async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    method: Method,
    path: &str,
    body: Option<&Value>,
    if_match: Option<&str>,
) -> Response {
    let mut request = client.request(method, app.url(path));
    if let Some(body) = body {
        request = request.json(body);
    }
    if let Some(version) = if_match {
        request = request.header("if-match", version);
    }
    send(request).await
}

async fn save(app: &TestApp, client: &reqwest::Client, body: Value) -> Value {
    let saved = call(app, client, Method::POST, "/api/views", Some(&body), None).await;
    assert_eq!(saved.status, 201, "{}", saved.text);
    assert_eq!(
        saved.header("etag"),
        Some(format!("\"{}\"", saved.json()["version"]).as_str())
    );
    saved.json()
}

/// The names of the views `client` lists, in order.
async fn listed(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let list = call(app, client, Method::GET, "/api/views", None, None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.json()["items"].as_array().unwrap().clone()
}

fn names(views: &[Value]) -> Vec<&str> {
    views
        .iter()
        .map(|view| view["name"].as_str().unwrap())
        .collect()
}

async fn camera_in(app: &TestApp, name: &str, groups: &[&str]) -> i64 {
    let body = json!({"name": name, "stream_url": "rtsp://127.0.2.30/", "groups": groups});
    let created = app.post_json("/api/cameras", &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.json()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn personal_views_are_their_owners_and_shared_ones_are_everyones_to_open() {
    let app = TestApp::spawn().await;
    let dock = app.create_camera("Dock").await["id"].as_i64().unwrap();
    let ann = app.client_as(Role::Operator, None).await;
    let bob = app.client_as(Role::Operator, None).await;
    let vera = app.client_as(Role::Viewer, None).await;

    let mine = save(
        &app,
        &ann,
        json!({"name": "Ann's corner", "layout": "1", "tiles": [dock]}),
    )
    .await;
    assert_eq!(mine["shared"], false);
    assert_eq!(mine["editable"], true);
    let wall = save(
        &app,
        &ann,
        json!({"name": "Dock wall", "layout": "2+8", "tiles": [dock, null, dock], "shared": true}),
    )
    .await;
    assert_eq!(wall["tiles"], json!([dock, null, dock]));
    assert!(wall["owner"].as_str().unwrap().starts_with("token:"));

    assert_eq!(
        names(&listed(&app, &ann).await),
        ["Ann's corner", "Dock wall"]
    );
    let seen_by_bob = listed(&app, &bob).await;
    assert_eq!(names(&seen_by_bob), ["Dock wall"]);
    assert_eq!(seen_by_bob[0]["editable"], false);
    assert_eq!(seen_by_bob[0]["tiles"], json!([dock, null, dock]));

    // Bob may open Ann's shared view, not change it; her personal one is
    // not there for him at all.
    let rename = json!({"name": "Bob's now"});
    let wall_path = format!("/api/views/{}", wall["id"]);
    let mine_path = format!("/api/views/{}", mine["id"]);
    let refused = call(&app, &bob, Method::PATCH, &wall_path, Some(&rename), None).await;
    assert_eq!(
        refused.problem(403)["type"],
        "urn:camplane:problem:forbidden"
    );
    let refused = call(&app, &bob, Method::DELETE, &wall_path, None, None).await;
    refused.problem(403);
    for method in [Method::PATCH, Method::DELETE] {
        let missing = call(&app, &bob, method, &mine_path, Some(&rename), None).await;
        missing.problem(404);
    }

    // A viewer keeps personal views and sees the shared ones, but shares none.
    save(&app, &vera, json!({"name": "Night", "layout": "4"})).await;
    assert_eq!(names(&listed(&app, &vera).await), ["Dock wall", "Night"]);
    let share = json!({"name": "Everyone's night", "layout": "4", "shared": true});
    let refused = call(&app, &vera, Method::POST, "/api/views", Some(&share), None).await;
    refused.problem(403);
    let vera_views = listed(&app, &vera).await;
    let night = format!("/api/views/{}", vera_views[1]["id"]);
    let share = json!({"shared": true});
    let refused = call(&app, &vera, Method::PATCH, &night, Some(&share), None).await;
    refused.problem(403);

    // An admin changes and deletes shared views of others, never sees
    // their personal ones.
    let admin_sees = listed(&app, &app.client).await;
    assert_eq!(names(&admin_sees), ["Dock wall"]);
    assert_eq!(admin_sees[0]["editable"], true);
    let renamed = app
        .patch_json(&wall_path, &json!({"name": "Yard wall"}), None)
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.json()["owner"], wall["owner"], "the owner stays");
    assert_eq!(app.patch_json(&mine_path, &rename, None).await.status, 404);
    assert_eq!(app.delete(&wall_path, None).await.status, 204);
    assert_eq!(names(&listed(&app, &bob).await), Vec::<&str>::new());
}

#[tokio::test]
async fn a_reader_limited_to_groups_sees_empty_tiles_where_cameras_are_not_its_own() {
    let app = TestApp::spawn().await;
    let lobby = camera_in(&app, "Lobby", &["lobby"]).await;
    let vault = camera_in(&app, "Vault", &["vault"]).await;
    let gone = camera_in(&app, "Gone", &["lobby"]).await;
    let wall = save(
        &app,
        &app.client,
        json!({"name": "Whole site", "layout": "4", "tiles": [lobby, vault, null, gone], "shared": true}),
    )
    .await;
    assert_eq!(wall["tiles"], json!([lobby, vault, null, gone]));

    let guard = app.client_as(Role::Operator, Some(&["lobby"])).await;
    let seen = listed(&app, &guard).await;
    assert_eq!(seen[0]["tiles"], json!([lobby, null, null, gone]));
    assert!(!seen[0].to_string().contains("Vault"));

    // Naming a camera outside its groups is naming one that isn't there.
    for tiles in [json!([vault]), json!([lobby, 999_999])] {
        let body = json!({"name": "Try", "layout": "4", "tiles": tiles});
        let refused = call(&app, &guard, Method::POST, "/api/views", Some(&body), None).await;
        let problem = refused.problem(422);
        assert_eq!(problem["errors"][0]["field"], "tiles", "{problem}");
    }

    // A deleted camera leaves its tile empty, the view otherwise as it was.
    let deleted = app.delete(&format!("/api/cameras/{gone}"), None).await;
    assert_eq!(deleted.status, 204);
    let seen = listed(&app, &app.client).await;
    assert_eq!(seen[0]["tiles"], json!([lobby, vault, null, null]));
    assert_eq!(seen[0]["version"], wall["version"]);
}

#[tokio::test]
async fn names_are_unique_per_owner_and_among_shared_views_and_owners_have_a_limit() {
    let app = TestApp::spawn().await;
    let ann = app.client_as(Role::Operator, None).await;
    let bob = app.client_as(Role::Operator, None).await;
    save(&app, &ann, json!({"name": "Gate", "layout": "1"})).await;
    let body = json!({"name": "GATE", "layout": "4"});
    let taken = call(&app, &ann, Method::POST, "/api/views", Some(&body), None).await;
    let problem = taken.problem(409);
    assert_eq!(problem["type"], "urn:camplane:problem:conflict");
    assert_eq!(problem["errors"][0]["field"], "name");
    // Another owner's personal name is no clash; a shared one is, for sharing.
    let bobs = save(&app, &bob, json!({"name": "gate", "layout": "1"})).await;
    save(
        &app,
        &ann,
        json!({"name": "Yard", "layout": "1", "shared": true}),
    )
    .await;
    let share = json!({"name": "yard", "shared": true});
    let path = format!("/api/views/{}", bobs["id"]);
    let taken = call(&app, &bob, Method::PATCH, &path, Some(&share), None).await;
    assert!(
        taken.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("shared")
    );

    // The limit, reached by rows a restore could have written.
    let owner: i64 = sqlx::query_scalar("SELECT owner_token_id FROM views WHERE id = $1")
        .bind(bobs["id"].as_i64().unwrap())
        .fetch_one(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO views (owner_token_id, name, layout)
         SELECT $1, 'Bulk ' || n, '1' FROM generate_series(2, 200) AS n",
    )
    .bind(owner)
    .execute(&app.db)
    .await
    .unwrap();
    let body = json!({"name": "One more", "layout": "1"});
    let refused = call(&app, &bob, Method::POST, "/api/views", Some(&body), None).await;
    assert_eq!(
        refused.problem(409)["type"],
        "urn:camplane:problem:too-many-views"
    );
    // Others still save theirs.
    save(&app, &ann, body).await;
}

#[tokio::test]
async fn changes_made_to_a_stale_version_are_refused_and_shared_views_are_audited() {
    let app = TestApp::spawn().await;
    let dock = app.create_camera("Dock").await["id"].as_i64().unwrap();
    let view = save(
        &app,
        &app.client,
        json!({"name": "Shift", "layout": "4", "tiles": [dock], "shared": true}),
    )
    .await;
    let path = format!("/api/views/{}", view["id"]);
    let first = format!("\"{}\"", view["version"]);
    let moved = json!({"layout": "1+5", "tiles": [null, dock]});
    let changed = app.patch_json(&path, &moved, Some(&first)).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let second = changed.header("etag").unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(changed.json()["tiles"], json!([null, dock]));

    let stale = app
        .patch_json(&path, &json!({"name": "Mine"}), Some(&first))
        .await;
    stale.problem(412);
    assert_eq!(stale.header("etag"), Some(second.as_str()));
    // The layout must still hold the tiles it keeps.
    let shrunk = app
        .patch_json(&path, &json!({"layout": "1"}), Some(&second))
        .await;
    assert_eq!(shrunk.problem(422)["errors"][0]["field"], "tiles");
    app.delete(&path, Some(&first)).await.problem(412);
    assert_eq!(app.delete(&path, Some(&second)).await.status, 204);
    app.delete(&path, None).await.problem(404);

    // A personal view's life is nobody else's business.
    let own = save(&app, &app.client, json!({"name": "Own", "layout": "1"})).await;
    let own_path = format!("/api/views/{}", own["id"]);
    assert_eq!(app.delete(&own_path, None).await.status, 204);
    let audit = app.get("/api/audit?limit=10").await.json();
    let entries: Vec<(&str, &str)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"].as_str().unwrap().starts_with("view."))
        .map(|entry| {
            (
                entry["action"].as_str().unwrap(),
                entry["details"]["view"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("view.delete", "Shift"),
            ("view.update", "Shift"),
            ("view.create", "Shift")
        ]
    );
    let update = &audit["items"].as_array().unwrap()[1];
    assert_eq!(
        update["details"]["changes"]["layout"],
        json!({"from": "4", "to": "1+5"})
    );
}
