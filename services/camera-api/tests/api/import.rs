//! Bulk import and export of cameras: dry runs, all-or-nothing and per-row
//! imports, idempotence by name and by external id, and an export that an
//! import takes back without a change and without a password.

use camera_api::auth::Role;
use serde_json::{Value, json};

use crate::support::{CANARY, TestApp, canary_url, send};

async fn import(app: &TestApp, query: &str, content_type: &str, body: String) -> Value {
    let response = send(
        app.client
            .post(app.url(&format!("/api/cameras/import{query}")))
            .header("content-type", content_type)
            .body(body),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()
}

fn outcomes(report: &Value) -> Vec<String> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["outcome"].as_str().unwrap().to_owned())
        .collect()
}

async fn camera_named(app: &TestApp, name: &str) -> Option<Value> {
    let list = app
        .get(&format!("/api/cameras?q={}", name.replace(' ', "%20")))
        .await
        .json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|camera| camera["name"] == name)
        .cloned()
}

#[tokio::test]
async fn a_dry_run_reports_every_row_then_the_import_keeps_all_or_the_good_ones() {
    let app = TestApp::spawn().await;
    app.create_camera("Gate 1").await;
    let csv = format!(
        "name,stream_url,location,max_readers,groups,recording,retention\n\
         Gate 1,,North fence,4,,,\n\
         Gate 2,{},,,yard;dock,continuous,30d\n\
         Gate 3,rtsp://127.0.2.12/s,,1,,,\n",
        canary_url("127.0.2.11")
    );

    let report = import(&app, "?dry_run=true", "text/csv", csv.clone()).await;
    assert_eq!(outcomes(&report), ["updated", "created", "error"]);
    assert_eq!(report["applied"], false);
    assert_eq!(report["rows"][2]["errors"][0]["field"], "max_readers");
    assert_eq!(
        report["rows"][1]["camera_id"],
        Value::Null,
        "nothing was made"
    );
    assert!(camera_named(&app, "Gate 2").await.is_none());
    assert_eq!(
        camera_named(&app, "Gate 1").await.unwrap()["location"],
        Value::Null
    );

    // All or nothing (the default): one bad row keeps every row out.
    let report = import(&app, "", "text/csv", csv.clone()).await;
    assert_eq!(
        (report["applied"].clone(), report["errors"].clone()),
        (json!(false), json!(1))
    );
    assert!(camera_named(&app, "Gate 2").await.is_none());

    // Per row: the good ones are kept.
    let report = import(&app, "?atomic=false", "text/csv", csv.clone()).await;
    assert_eq!(report["applied"], true);
    assert_eq!(outcomes(&report), ["updated", "created", "error"]);
    let gate1 = camera_named(&app, "Gate 1").await.unwrap();
    assert_eq!(
        (&gate1["location"], &gate1["max_readers"]),
        (&json!("North fence"), &json!(4))
    );
    let gate2 = camera_named(&app, "Gate 2").await.unwrap();
    assert_eq!(gate2["groups"], json!(["dock", "yard"]));
    assert_eq!(gate2["recording"]["retention"], "30d");
    assert_eq!(
        gate2["stream_url"],
        "rtsp://admin:***@127.0.2.11:554/stream1"
    );
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'camera.import'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 1, "only the import that kept something");

    // The same file again changes nothing it already did.
    let report = import(&app, "?atomic=false", "text/csv", csv).await;
    assert_eq!(outcomes(&report), ["unchanged", "unchanged", "error"]);
}

#[tokio::test]
async fn an_external_id_follows_a_renamed_camera_and_is_unique() {
    let app = TestApp::spawn().await;
    let rows = |name: &str| {
        json!([{"name": name, "stream_url": "rtsp://127.0.2.20/s", "external_id": "ASSET-1"}])
            .to_string()
    };
    let report = import(&app, "", "application/json", rows("Dock")).await;
    assert_eq!(outcomes(&report), ["created"]);
    let id = report["rows"][0]["camera_id"].clone();
    let report = import(&app, "", "application/json", rows("Dock west")).await;
    assert_eq!(outcomes(&report), ["updated"]);
    assert_eq!(report["rows"][0]["camera_id"], id);
    assert_eq!(
        app.get(&format!("/api/cameras/{id}")).await.json()["name"],
        "Dock west"
    );

    let taken = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Other", "stream_url": "rtsp://127.0.2.21/s", "external_id": "ASSET-1"}),
        )
        .await;
    assert_eq!(taken.problem(409)["errors"][0]["field"], "external_id");
    // A camera the importer can't see is not found by its external id, nor
    // may it take that id.
    let limited = app.client_as(Role::Operator, Some(&["yard"])).await;
    let response = send(
        limited
            .post(app.url("/api/cameras/import"))
            .header("content-type", "application/json")
            .body(
                json!([{"name": "Mine", "stream_url": "rtsp://127.0.2.22/s",
                        "external_id": "ASSET-1", "groups": ["yard"]}])
                .to_string(),
            ),
    )
    .await;
    let report = response.json();
    assert_eq!(outcomes(&report), ["error"]);
    assert_eq!(report["rows"][0]["errors"][0]["field"], "external_id");
}

#[tokio::test]
async fn an_export_is_what_an_import_takes_back_unchanged_with_passwords_masked() {
    let app = TestApp::spawn().await;
    let lobby = app.create_camera("Lobby").await;
    // Its sub-stream, with the main URL's password.
    let sub = app
        .patch_json(
            &format!("/api/cameras/{}", lobby["id"]),
            &json!({"sub_stream_url": "rtsp://admin:***@127.0.2.10:554/stream2"}),
            None,
        )
        .await;
    assert_eq!(sub.status, 200, "{}", sub.text);
    let response = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Roof, north", "stream_url": "rtsp://127.0.2.30/s",
                    "location": "Roof", "groups": ["roof", "site-2"], "enabled": false,
                    "recording": {"mode": "continuous", "storage_budget_bytes": 1000000},
                    "external_id": "R-1"}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text);

    for format in ["csv", "json"] {
        // `send` fails the test if the canary password is anywhere in it.
        let export = app
            .get(&format!("/api/cameras/export?format={format}"))
            .await;
        assert_eq!(export.status, 200, "{}", export.text);
        assert!(!export.text.contains(CANARY));
        assert!(export.text.contains("***"));
        assert!(
            export
                .text
                .contains("rtsp://admin:***@127.0.2.10:554/stream2"),
            "{format}: the sub-stream, masked: {}",
            export.text
        );
        let content_type = match format {
            "csv" => "text/csv",
            _ => "application/json",
        };
        assert!(
            export
                .header("content-type")
                .unwrap()
                .starts_with(content_type)
        );
        let report = import(&app, "?dry_run=true", content_type, export.text.clone()).await;
        assert_eq!(
            outcomes(&report),
            ["unchanged", "unchanged"],
            "{format}: {report}"
        );
    }
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'camera.export'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn imports_refuse_what_is_not_rows_of_cameras_and_need_an_operator() {
    let app = TestApp::spawn().await;
    let post = |client: &reqwest::Client, content_type: &str, body: &str| {
        client
            .post(app.url("/api/cameras/import"))
            .header("content-type", content_type)
            .body(body.to_owned())
    };
    let response = send(post(&app.client, "text/plain", "name\nGate\n")).await;
    response.problem(415);
    for (content_type, body) in [
        ("text/csv", "name,colour\nGate,red\n"),
        ("text/csv", "name\n"),
        ("application/json", "{\"name\": \"Gate\"}"),
    ] {
        let response = send(post(&app.client, content_type, body)).await;
        assert_eq!(response.invalid_fields(), ["body"], "{body}");
    }
    let response = send(
        app.client
            .post(app.url("/api/cameras/import?dry_run=maybe"))
            .header("content-type", "text/csv")
            .body("name\nGate\n"),
    )
    .await;
    assert_eq!(response.invalid_fields(), ["dry_run"]);
    let viewer = app.client_as(Role::Viewer, None).await;
    let response = send(post(
        &viewer,
        "text/csv",
        "name,stream_url\nGate,rtsp://h/\n",
    ))
    .await;
    response.problem(403);
    // Larger than one camera's body limit, within the import's.
    let many: String = (0..2_000)
        .map(|n| format!("Camera {n},rtsp://127.0.3.1/{n}\n"))
        .collect();
    let response = send(post(
        &app.client,
        "text/csv",
        &format!("name,stream_url\n{many}"),
    ))
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.json()["created"], 2_000);
}
