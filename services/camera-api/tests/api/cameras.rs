use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TestApp, canary_url, eventually};

/// The stored URL as MediaMTX gets it: its password opened with the key.
async fn stored_url(app: &TestApp, id: i64) -> String {
    let camera = camera_api::cameras::get(&app.db, id).await.unwrap();
    let url = camera.source_url(&app.config().secret_key).unwrap();
    url.expose().to_owned()
}

#[tokio::test]
async fn create_returns_the_camera_with_location_etag_and_defaults() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "  Loading dock ", "stream_url": canary_url("127.0.2.10")}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    let camera = response.json();
    let id = camera["id"].as_i64().unwrap();
    assert_eq!(
        response.header("location"),
        Some(format!("/api/cameras/{id}").as_str())
    );
    assert_eq!(response.header("etag"), Some("\"1\""));
    assert_eq!(camera["name"], "Loading dock");
    assert_eq!(
        camera["stream_url"],
        "rtsp://admin:***@127.0.2.10:554/stream1"
    );
    assert_eq!(camera["location"], Value::Null);
    assert_eq!(camera["enabled"], true);
    assert_eq!(camera["on_demand"], true);
    assert_eq!(camera["max_readers"], 0);
    assert_eq!(camera["path"], format!("cam_{id}"));
    assert_eq!(camera["hls_url"], format!("/hls/cam_{id}/index.m3u8"));
    assert_eq!(camera["webrtc_url"], format!("/webrtc/cam_{id}/whep"));
    assert!(camera["created_at"].is_string() && camera["updated_at"].is_string());
    // The full URL is kept for MediaMTX.
    assert_eq!(stored_url(&app, id).await, canary_url("127.0.2.10"));

    let fetched = app.get(&format!("/api/cameras/{id}")).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.header("etag"), Some("\"1\""));
    assert_eq!(fetched.json(), camera);
}

#[tokio::test]
async fn create_takes_every_optional_field() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Gate", "stream_url": "rtsp://cam.example/live", "location": "North fence",
                    "enabled": false, "on_demand": false, "max_readers": 1000}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    let camera = response.json();
    assert_eq!(camera["stream_url"], "rtsp://cam.example/live");
    assert_eq!(camera["location"], "North fence");
    assert_eq!(camera["enabled"], false);
    assert_eq!(camera["on_demand"], false);
    assert_eq!(camera["max_readers"], 1000);
}

#[tokio::test]
async fn names_are_unique_regardless_of_case() {
    let app = TestApp::spawn().await;
    app.create_camera("Lobby").await;
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "LOBBY ", "stream_url": "rtsp://h/"}),
        )
        .await;
    let problem = response.problem(409);
    assert_eq!(problem["errors"][0]["field"], "name");

    let other = app.create_camera("Garage").await;
    let response = app
        .patch_json(
            &format!("/api/cameras/{}", other["id"]),
            &json!({"name": "lobby"}),
            None,
        )
        .await;
    response.problem(409);
}

/// Two names that look the same are the same name: composed to NFC before
/// they are stored or compared, and invisible formatting (which could make
/// one name pass for another) refused in names and locations alike.
#[tokio::test]
async fn look_alike_names_are_one_name_and_invisible_characters_are_refused() {
    let app = TestApp::spawn().await;
    let app = &app;
    let create = |name: &str, location: &str| {
        let body = json!({"name": name, "location": location, "stream_url": "rtsp://h/"});
        async move { app.post_json("/api/cameras", &body).await }
    };
    let composed = create("Cafe\u{301} door", "Re\u{301}ception").await;
    assert_eq!(composed.status, 201, "{}", composed.text);
    assert_eq!(composed.json()["name"], "Caf\u{e9} door");
    assert_eq!(composed.json()["location"], "R\u{e9}ception");
    create("CAF\u{c9} DOOR", "").await.problem(409);
    for hidden in [
        "Gate\u{202e}etag",
        "Ga\u{200b}te",
        "\u{2066}Gate\u{2069}",
        "Gate\u{feff}",
    ] {
        assert_eq!(
            create(hidden, "").await.invalid_fields(),
            ["name"],
            "{hidden:?}"
        );
        assert_eq!(
            create("Gate", hidden).await.invalid_fields(),
            ["location"],
            "{hidden:?}"
        );
    }
}

#[tokio::test]
async fn list_pages_filters_and_orders_by_id() {
    let app = TestApp::spawn().await;
    for (name, location, enabled) in [
        ("Front door", Some("Building A"), true),
        ("Back door", Some("Building B"), false),
        ("Parking", None, true),
        ("Roof", Some("building a, top"), true),
    ] {
        let response = app
            .post_json(
                "/api/cameras",
                &json!({"name": name, "stream_url": "rtsp://h/", "location": location, "enabled": enabled}),
            )
            .await;
        assert_eq!(response.status, 201);
    }
    let all = app.get("/api/cameras").await.json();
    assert_eq!(names(&all), ["Front door", "Back door", "Parking", "Roof"]);
    assert_eq!(
        (
            all["total"].as_i64(),
            all["limit"].as_i64(),
            all["offset"].as_i64()
        ),
        (Some(4), Some(50), Some(0))
    );

    let page = app.get("/api/cameras?limit=2&offset=1").await.json();
    assert_eq!(names(&page), ["Back door", "Parking"]);
    assert_eq!(page["total"], 4);

    let past_end = app.get("/api/cameras?offset=10").await.json();
    assert_eq!(names(&past_end), Vec::<String>::new());
    assert_eq!(past_end["total"], 4);

    // q matches name or location, case-insensitively.
    let door = app.get("/api/cameras?q=DOOR").await.json();
    assert_eq!(names(&door), ["Front door", "Back door"]);
    let building_a = app.get("/api/cameras?q=Building%20A").await.json();
    assert_eq!(names(&building_a), ["Front door", "Roof"]);
    // Characters with meaning in LIKE patterns are matched literally.
    assert_eq!(app.get("/api/cameras?q=%25").await.json()["total"], 0);

    let enabled = app.get("/api/cameras?enabled=true&q=door").await.json();
    assert_eq!(names(&enabled), ["Front door"]);
    assert_eq!(
        app.get("/api/cameras?enabled=false").await.json()["total"],
        1
    );
}

async fn listed_names(app: &TestApp, query: &str) -> Vec<String> {
    names(&app.get(&format!("/api/cameras?{query}")).await.json())
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_sorts_by_a_column_either_way_with_ties_by_id() {
    let app = TestApp::spawn().await;
    for (name, location) in [
        ("beta", Some("Yard")),
        ("Alpha", None),
        ("gamma", Some("yard")),
        ("Delta", Some("Atrium")),
    ] {
        let response = app
            .post_json(
                "/api/cameras",
                &json!({"name": name, "stream_url": "rtsp://h/", "location": location}),
            )
            .await;
        assert_eq!(response.status, 201);
    }
    // Case does not decide the order; unset locations come last either way;
    // equal locations keep id order; paging follows the sort.
    for (query, names) in [
        ("sort=name", ["Alpha", "beta", "Delta", "gamma"].as_slice()),
        ("sort=-name", &["gamma", "Delta", "beta", "Alpha"]),
        ("sort=location", &["Delta", "beta", "gamma", "Alpha"]),
        ("sort=-location", &["beta", "gamma", "Delta", "Alpha"]),
        ("sort=-id", &["Delta", "gamma", "Alpha", "beta"]),
        ("sort=-created_at&limit=2&offset=1", &["gamma", "Alpha"]),
    ] {
        assert_eq!(listed_names(&app, query).await, names, "{query}");
    }
}

#[tokio::test]
async fn patch_changes_only_the_fields_sent_and_null_clears_location() {
    let app = TestApp::spawn().await;
    let created = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Dock", "stream_url": canary_url("127.0.2.10"), "location": "Bay 3"}),
        )
        .await
        .json();
    let path = format!("/api/cameras/{}", created["id"]);

    let response = app
        .patch_json(&path, &json!({"max_readers": 4, "on_demand": false}), None)
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("etag"), Some("\"2\""));
    let camera = response.json();
    assert_eq!(
        (
            camera["max_readers"].as_i64(),
            camera["on_demand"].as_bool()
        ),
        (Some(4), Some(false))
    );
    assert_eq!(camera["name"], "Dock");
    assert_eq!(camera["location"], "Bay 3");

    let camera = app
        .patch_json(&path, &json!({"location": null}), None)
        .await
        .json();
    assert_eq!(camera["location"], Value::Null);

    // Fields that can't be empty can't be nulled.
    let response = app
        .patch_json(&path, &json!({"name": null, "enabled": null}), None)
        .await;
    assert_eq!(response.invalid_fields(), ["name", "enabled"]);
    app.patch_json(&path, &json!({"nickname": "x"}), None)
        .await
        .problem(422);

    // A patch that changes nothing keeps the version (and so the ETag).
    let before = app.get(&path).await;
    let same = app.patch_json(&path, &json!({"name": "Dock"}), None).await;
    assert_eq!(same.header("etag"), before.header("etag"));
}

#[tokio::test]
async fn the_masked_password_sent_back_keeps_the_stored_one() {
    let app = TestApp::spawn().await;
    let created = app.create_camera("Dock").await;
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/cameras/{id}");

    // The console sends the URL back as shown, with another stream path.
    let response = app
        .patch_json(
            &path,
            &json!({"stream_url": "rtsp://admin:***@127.0.2.10:554/stream2"}),
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json()["stream_url"],
        "rtsp://admin:***@127.0.2.10:554/stream2"
    );
    assert_eq!(
        stored_url(&app, id).await,
        canary_url("127.0.2.10").replace("stream1", "stream2")
    );

    // At another server the mask stands for nothing: the password must be typed.
    let moved = app
        .patch_json(
            &path,
            &json!({"stream_url": "rtsp://admin:***@127.0.2.99:554/stream1"}),
            None,
        )
        .await;
    assert_eq!(moved.invalid_fields(), ["stream_url"]);

    // A new password replaces it.
    app.patch_json(
        &path,
        &json!({"stream_url": "rtsp://admin:n3w@127.0.2.99:554/stream1"}),
        None,
    )
    .await;
    assert_eq!(
        stored_url(&app, id).await,
        "rtsp://admin:n3w@127.0.2.99:554/stream1"
    );

    // The mask means nothing for a camera with no stored password.
    let open = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Open", "stream_url": "rtsp://127.0.2.5/live"}),
        )
        .await
        .json();
    let response = app
        .patch_json(
            &format!("/api/cameras/{}", open["id"]),
            &json!({"stream_url": "rtsp://u:***@127.0.2.5/live"}),
            None,
        )
        .await;
    assert_eq!(response.invalid_fields(), ["stream_url"]);
}

/// The sub-stream's URL, as MediaMTX gets it.
async fn stored_sub_url(app: &TestApp, id: i64) -> Option<String> {
    let camera = camera_api::cameras::get(&app.db, id).await.unwrap();
    let url = camera.sub_source_url(&app.config().secret_key)?.unwrap();
    Some(url.expose().to_owned())
}

#[tokio::test]
async fn a_sub_stream_is_stored_as_the_main_url_is_and_null_removes_it() {
    let app = TestApp::spawn().await;
    // `***` in the sub-stream's URL stands for the main URL's password.
    let body = json!({"name": "Dock", "stream_url": canary_url("127.0.2.10"),
                      "sub_stream_url": "rtsp://admin:***@127.0.2.10/stream2"});
    let response = app.post_json("/api/cameras", &body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    let created = response.json();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        created["sub_stream_url"],
        "rtsp://admin:***@127.0.2.10/stream2"
    );
    assert_eq!(
        created["sub_stream"],
        json!({"path": format!("cam_{id}_sub"),
               "hls_url": format!("/hls/cam_{id}_sub/index.m3u8"),
               "webrtc_url": format!("/webrtc/cam_{id}_sub/whep")})
    );
    let sub = canary_url("127.0.2.10").replace(":554/stream1", "/stream2");
    assert_eq!(
        stored_sub_url(&app, id).await.as_deref(),
        Some(sub.as_str())
    );
    let stored: (Option<String>, bool) = sqlx::query_as(
        "SELECT sub_stream_url, sub_password_sealed IS NOT NULL FROM cameras WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        stored,
        (Some("rtsp://admin:***@127.0.2.10/stream2".to_owned()), true),
        "masked, its password sealed apart"
    );

    let path = format!("/api/cameras/{id}");
    // Its own password, typed, is kept by the mask from then on, also when
    // the main URL's changes.
    app.patch_json(
        &path,
        &json!({"sub_stream_url": "rtsp://viewer:s3cond@127.0.2.11/low"}),
        None,
    )
    .await;
    let response = app
        .patch_json(
            &path,
            &json!({"stream_url": "rtsp://admin:n3w@127.0.2.10/stream1",
                    "sub_stream_url": "rtsp://viewer:***@127.0.2.11/lower"}),
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.json()["sub_stream_url"],
        "rtsp://viewer:***@127.0.2.11/lower"
    );
    assert_eq!(
        stored_sub_url(&app, id).await.as_deref(),
        Some("rtsp://viewer:s3cond@127.0.2.11/lower")
    );
    // Nowhere else: a server neither URL names gets no stored password.
    for elsewhere in ["rtsp://viewer:***@127.0.2.99/low", "http://127.0.2.11/low"] {
        let refused = app
            .patch_json(&path, &json!({"sub_stream_url": elsewhere}), None)
            .await;
        assert_eq!(refused.invalid_fields(), ["sub_stream_url"], "{elsewhere}");
    }
    // A new camera's mask with no password to stand for is refused too.
    let refused = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Open", "stream_url": "rtsp://127.0.2.5/live",
                    "sub_stream_url": "rtsp://u:***@127.0.2.5/low"}),
        )
        .await;
    assert_eq!(refused.invalid_fields(), ["sub_stream_url"]);

    let cleared = app
        .patch_json(&path, &json!({"sub_stream_url": null}), None)
        .await
        .json();
    assert_eq!(
        (&cleared["sub_stream_url"], &cleared["sub_stream"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(stored_sub_url(&app, id).await, None);
}

#[tokio::test]
async fn a_stale_if_match_never_overwrites() {
    let app = TestApp::spawn().await;
    let created = app.create_camera("Dock").await;
    let path = format!("/api/cameras/{}", created["id"]);

    // Two operators load version 1; the first saves.
    let first = app
        .patch_json(&path, &json!({"location": "Bay 1"}), Some("\"1\""))
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("etag"), Some("\"2\""));

    // The second is refused and told the current version.
    let second = app
        .patch_json(&path, &json!({"location": "Bay 2"}), Some("\"1\""))
        .await;
    second.problem(412);
    assert_eq!(second.header("etag"), Some("\"2\""));
    assert_eq!(app.get(&path).await.json()["location"], "Bay 1");

    for never_matches in ["W/\"2\"", "garbage"] {
        app.patch_json(&path, &json!({"location": "Bay 3"}), Some(never_matches))
            .await
            .problem(412);
    }
    assert_eq!(
        app.patch_json(&path, &json!({"location": "Bay 3"}), Some("\"9\", \"2\""))
            .await
            .status,
        200
    );
    assert_eq!(
        app.patch_json(&path, &json!({"location": "Bay 4"}), Some("*"))
            .await
            .status,
        200
    );

    app.delete(&path, Some("\"1\"")).await.problem(412);
    assert_eq!(
        app.get(&path).await.status,
        200,
        "a stale delete deletes nothing"
    );
    let current = app.get(&path).await;
    assert_eq!(app.delete(&path, current.header("etag")).await.status, 204);
}

#[tokio::test]
async fn delete_removes_the_camera() {
    let app = TestApp::spawn().await;
    let created = app.create_camera("Dock").await;
    let path = format!("/api/cameras/{}", created["id"]);
    let response = app.delete(&path, None).await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
    app.get(&path).await.problem(404);
    app.delete(&path, None).await.problem(404);
    app.patch_json(&path, &json!({"name": "x"}), None)
        .await
        .problem(404);
}

#[tokio::test]
async fn a_restart_loses_nothing() {
    let mut app = TestApp::spawn().await;
    let created = app.create_camera("Dock").await;
    app.restart().await;
    let fetched = app.get(&format!("/api/cameras/{}", created["id"])).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json(), created);
}

#[tokio::test]
async fn concurrent_creates_with_one_name_store_exactly_one() {
    let app = TestApp::spawn().await;
    let bodies: Vec<Value> = (0..8)
        .map(|i| json!({"name": if i % 2 == 0 { "Twin" } else { "TWIN" }, "stream_url": "rtsp://h/"}))
        .collect();
    let attempts = bodies
        .iter()
        .map(|body| app.post_json("/api/cameras", body));
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
}

/// Pages are kept until a camera changes (`http::pages`): what is kept
/// must never hide a change from the client that made it, from clients of
/// another replica, or one made in the database directly.
#[tokio::test]
async fn a_kept_page_never_hides_a_change() {
    let app = TestApp::spawn().await;
    let other = app.spawn_replica().await;
    let id = app.create_camera("First").await["id"].as_i64().unwrap();
    let renamed_everywhere = |name: &'static str| {
        let (app, other) = (&app, &other);
        async move {
            eventually(Duration::from_secs(2), || async {
                listed_names(app, "").await == [name] && listed_names(other, "").await == [name]
            })
            .await
        }
    };
    assert!(renamed_everywhere("First").await);

    let renamed = app
        .patch_json(
            &format!("/api/cameras/{id}"),
            &json!({"name": "Second"}),
            None,
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(listed_names(&app, "").await, ["Second"], "at once here");
    assert!(
        renamed_everywhere("Second").await,
        "soon on the other replica"
    );

    sqlx::query("UPDATE cameras SET name = 'Third' WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    assert!(renamed_everywhere("Third").await, "written in SQL");

    let other_camera = other.create_camera("Fourth").await["id"].as_i64().unwrap();
    assert_eq!(listed_names(&other, "").await, ["Third", "Fourth"]);
    assert_eq!(
        other
            .delete(&format!("/api/cameras/{other_camera}"), None)
            .await
            .status,
        204
    );
    assert_eq!(listed_names(&other, "").await, ["Third"]);
    assert!(renamed_everywhere("Third").await);
}

#[tokio::test]
async fn groups_are_counted_as_a_tree_and_filter_the_list() {
    let app = TestApp::spawn().await;
    for (name, groups) in [
        ("Dock 1", vec!["site-2.dock"]),
        ("Dock 2", vec!["site-2.dock", "site-2.yard"]),
        ("Yard", vec!["site-2.yard"]),
        ("Lobby", vec!["lobby"]),
        ("Spare", vec![]),
    ] {
        let response = app
            .post_json(
                "/api/cameras",
                &json!({"name": name, "stream_url": "rtsp://127.0.2.60/", "groups": groups}),
            )
            .await;
        assert_eq!(response.status, 201, "{}", response.text);
    }
    let counts = app.get("/api/groups").await.json();
    assert_eq!(
        counts,
        json!({"ungrouped": 1, "groups": [
            {"name": "lobby", "cameras": 1},
            {"name": "site-2", "cameras": 3},
            {"name": "site-2.dock", "cameras": 2},
            {"name": "site-2.yard", "cameras": 2},
        ]})
    );
    let names = |list: Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|camera| camera["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(app.get("/api/cameras?group=site-2&sort=name").await.json()),
        ["Dock 1", "Dock 2", "Yard"]
    );
    assert_eq!(
        names(
            app.get("/api/cameras?group=site-2.dock&sort=name")
                .await
                .json()
        ),
        ["Dock 1", "Dock 2"]
    );
    // Not a prefix of a name: `site` is no level of `site-2`.
    assert!(names(app.get("/api/cameras?group=site").await.json()).is_empty());
    assert_eq!(
        app.get("/api/cameras?group=no%20spaces")
            .await
            .invalid_fields(),
        ["group"]
    );
    // A viewer limited to the dock counts and lists only what it sees.
    let dock = app
        .client_as(camera_api::auth::Role::Viewer, Some(&["site-2.dock"]))
        .await;
    let counts = crate::support::send(dock.get(app.url("/api/groups")))
        .await
        .json();
    assert_eq!(
        counts["groups"],
        json!([
            {"name": "site-2", "cameras": 2},
            {"name": "site-2.dock", "cameras": 2},
            {"name": "site-2.yard", "cameras": 1},
        ])
    );
    assert_eq!(counts["ungrouped"], 0);
}

#[tokio::test]
async fn the_search_finds_a_camera_by_its_group_too() {
    let app = TestApp::spawn().await;
    for (name, groups) in [("Gate", vec!["site-2.dock"]), ("Lobby", vec!["hq"])] {
        let response = app
            .post_json(
                "/api/cameras",
                &json!({"name": name, "stream_url": "rtsp://127.0.2.61/", "groups": groups}),
            )
            .await;
        assert_eq!(response.status, 201, "{}", response.text);
    }
    let found = app.get("/api/cameras?q=DOCK").await.json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["items"][0]["name"], "Gate");
    // The name still matches as before.
    let found = app.get("/api/cameras?q=lobby").await.json();
    assert_eq!(found["items"][0]["name"], "Lobby");
}
