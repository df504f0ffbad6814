//! Camera passwords at rest: sealed in the database, absent from a dump,
//! sealed at start-up when an older version left them in the clear, opened
//! only with the right key, and re-sealed by `camera-api rotate-key` without
//! losing one.

use std::collections::HashMap;
use std::process::ExitStatus;
use std::time::Duration;

use camera_api::config::Config;
use camera_api::secrets::{Sealed, SecretKey};
use serde_json::json;

use crate::events::EventStream;
use crate::support::camera::{OddServer, TestCamera};
use crate::support::{
    CANARY, MediaMtx, TestApp, TestDatabase, assert_no_canary, canary_url, logs, new_secret_key,
};

/// The last migration before passwords were sealed.
const BEFORE_SEALING: i64 = 20261125000004;

/// Runs the real binary with `env` (and nothing else but `PATH`); returns
/// how it ended and what it printed (log and errors).
async fn camera_api(args: &[&str], env: &HashMap<String, String>) -> (ExitStatus, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_camera-api"))
        .args(args)
        .env_clear()
        .envs(env)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .await
        .unwrap();
    let text =
        String::from_utf8_lossy(&[output.stdout.as_slice(), &output.stderr].concat()).into_owned();
    assert_no_canary("camera-api's output", &text);
    (output.status, text)
}

/// How start-up with `env` fails (it must fail).
async fn start_up_error(env: &HashMap<String, String>) -> String {
    let config = Config::from_lookup(|name| env.get(name).cloned()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let served = tokio::time::timeout(
        Duration::from_secs(20),
        camera_api::serve_with_metrics(config, listener, None, std::future::pending()),
    )
    .await
    .expect("start-up ends by itself");
    let err = format!("{:#}", served.expect_err("start-up refused"));
    assert_no_canary("the start-up error", &err);
    err
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    id: i64,
    stream_url: String,
    password_sealed: Option<Vec<u8>>,
    password_key_id: Option<String>,
}

impl StoredRow {
    fn sealed(&self) -> Option<Sealed> {
        Some(Sealed {
            key_id: self.password_key_id.clone()?,
            bytes: self.password_sealed.clone()?,
        })
    }
}

async fn stored_rows(app: &TestApp) -> Vec<StoredRow> {
    sqlx::query_as(
        "SELECT id, stream_url, password_sealed, password_key_id FROM cameras ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn source_of(app: &TestApp, id: i64) -> Option<String> {
    let config = app.mediamtx.path_config(&format!("cam_{id}")).await?;
    Some(config["source"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn start_up_refuses_without_a_valid_key_and_never_echoes_it() {
    let mut env = HashMap::from([(
        "DATABASE_URL".to_owned(),
        "postgres://postgres@127.0.0.1:1/unused".to_owned(),
    )]);
    let (status, message) = camera_api(&["serve"], &env).await;
    assert_eq!(status.code(), Some(2), "{message}");
    assert!(
        message.contains("CAMPLANE_SECRET_KEY is required but not set"),
        "{message}"
    );

    for (bad, why) in [
        ("not base64 at all!", "is not base64"),
        ("c2l4dGVlbiBieXRlcyBsb25n", "must be 32 bytes"),
    ] {
        env.insert("CAMPLANE_SECRET_KEY".into(), bad.into());
        let (status, message) = camera_api(&["serve"], &env).await;
        assert_eq!(status.code(), Some(2), "{message}");
        assert!(
            message.contains(&format!("CAMPLANE_SECRET_KEY is invalid: {why}")),
            "{message}"
        );
        assert!(message.contains("openssl rand -base64 32"), "{message}");
        assert!(!message.contains(bad), "the key is never echoed: {message}");
    }
}

#[tokio::test]
async fn the_database_and_its_dump_hold_only_sealed_passwords() {
    let app = TestApp::spawn().await;
    let id = app.create_camera("Dock").await["id"].as_i64().unwrap();
    app.post_json(
        "/api/cameras",
        &json!({"name": "Open", "stream_url": "rtsp://127.0.2.11/live"}),
    )
    .await;

    let rows = stored_rows(&app).await;
    assert_eq!(
        rows[0].stream_url,
        "rtsp://admin:***@127.0.2.10:554/stream1"
    );
    let sealed = &rows[0].sealed().expect("the password is sealed");
    assert_eq!(sealed.key_id, app.config().secret_key.id());
    assert!(
        !sealed
            .bytes
            .windows(CANARY.len())
            .any(|w| w == CANARY.as_bytes()),
        "the ciphertext is not the password"
    );
    assert_eq!(
        (rows[1].stream_url.as_str(), rows[1].sealed().is_none()),
        ("rtsp://127.0.2.11/live", true)
    );
    // Only the key opens it, and only for its own camera.
    let key = app.config().secret_key;
    assert_eq!(key.open(id, sealed).unwrap().expose(), CANARY);
    assert!(key.open(rows[1].id, sealed).is_err());
    // Provisioning opens it, for MediaMTX's source.
    assert_eq!(source_of(&app, id).await, Some(canary_url("127.0.2.10")));

    // The database refuses a plaintext password, whoever writes it.
    let err = sqlx::query("UPDATE cameras SET stream_url = $1, password_sealed = NULL, password_key_id = NULL WHERE id = $2")
        .bind(canary_url("127.0.2.10"))
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cameras_password_sealed"), "{err}");

    let dump = tokio::process::Command::new("pg_dump")
        .args(["--no-owner", "--dbname", &app.env()["DATABASE_URL"]])
        .output()
        .await
        .expect("pg_dump (Debian's postgresql-client) runs");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(
        dump.contains("rtsp://admin:***@127.0.2.10:554/stream1"),
        "the dump holds the camera"
    );
    assert_no_canary("a pg_dump of the database", &dump);
}

#[tokio::test]
async fn passwords_left_in_the_clear_by_an_older_version_are_sealed_at_start_up() {
    let database = TestDatabase::create().await;
    let old = sqlx::PgPool::connect(database.url()).await.unwrap();
    camera_api::db::MIGRATOR
        .run_to(BEFORE_SEALING, &old)
        .await
        .unwrap();
    let urls = [
        canary_url("127.0.2.20"),
        format!("rtsps://viewer:{CANARY}%40x@cam.example/live"),
        "rtsp://127.0.2.21/open".to_owned(),
    ];
    for (n, url) in urls.iter().enumerate() {
        sqlx::query(
            r#"WITH camera AS (INSERT INTO cameras (name, stream_url) VALUES ($1, $2) RETURNING id)
               INSERT INTO camera_provisioning (camera_id) SELECT id FROM camera"#,
        )
        .bind(format!("Old {n}"))
        .bind(url)
        .execute(&old)
        .await
        .unwrap();
    }
    old.close().await;

    let app = TestApp::spawn_in(MediaMtx::start().await, database, |_| {}).await;
    let rows = stored_rows(&app).await;
    let key = app.config().secret_key;
    let masked = [
        "rtsp://admin:***@127.0.2.20:554/stream1",
        "rtsps://viewer:***@cam.example/live",
        "rtsp://127.0.2.21/open",
    ];
    for ((row, url), masked) in rows.iter().zip(&urls).zip(masked) {
        assert_eq!(row.stream_url, masked);
        let camera = camera_api::cameras::get(&app.db, row.id).await.unwrap();
        assert!(
            camera.source_url(&key).unwrap().expose() == url,
            "camera {} kept its password",
            row.id
        );
    }
    assert!(rows[2].sealed().is_none());
    let report = app.post_json("/api/reconcile", &json!({})).await.json();
    assert_eq!(report["failed"], json!([]), "{report}");
    assert_eq!(
        source_of(&app, rows[0].id).await.as_deref(),
        Some(urls[0].as_str())
    );
    // The constraint now holds for every row, old ones included.
    let validated: bool = sqlx::query_scalar(
        "SELECT convalidated FROM pg_constraint WHERE conname = 'cameras_password_sealed'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(validated);
    // Sealing changed no one's credentials, so the audit log has no update.
    let updates: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'camera.update'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(updates, 0);
}

#[tokio::test]
async fn a_wrong_key_is_refused_at_start_up_and_a_moved_password_fails_loudly() {
    let mut app = TestApp::spawn().await;
    let first = app.create_camera("Dock").await["id"].as_i64().unwrap();
    let other = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Gate", "stream_url": "rtsp://admin:gate-pw@127.0.2.30/live"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let key_id = app.config().secret_key.id().to_owned();

    // Another key: start-up stops, naming the variable and both key ids.
    app.stop().await.unwrap();
    let mut env = app.env().clone();
    env.insert("CAMPLANE_SECRET_KEY".into(), new_secret_key());
    let wrong = SecretKey::from_base64(&env["CAMPLANE_SECRET_KEY"]).unwrap();
    let err = start_up_error(&env).await;
    assert!(err.contains("CAMPLANE_SECRET_KEY"), "{err}");
    assert!(err.contains(&key_id) && err.contains(wrong.id()), "{err}");
    assert!(!err.contains(&env["CAMPLANE_SECRET_KEY"]), "{err}");
    let (status, output) = camera_api(&["migrate"], &env).await;
    assert!(!status.success());
    assert!(output.contains("CAMPLANE_SECRET_KEY"), "{output}");

    // The right key: it serves. A ciphertext moved onto another camera does
    // not open there: that camera's probe is a 500 and its provisioning an
    // error, and MediaMTX keeps its last good source (no empty password).
    app.start_again().await;
    let gate_source = source_of(&app, other).await.unwrap();
    sqlx::query(
        "UPDATE cameras SET password_sealed = (SELECT password_sealed FROM cameras WHERE id = $1) WHERE id = $2",
    )
    .bind(first)
    .bind(other)
    .execute(&app.db)
    .await
    .unwrap();
    let probe = app
        .post_json(&format!("/api/cameras/{other}/probe"), &json!({}))
        .await;
    probe.problem(500);
    let report = app.post_json("/api/reconcile", &json!({})).await.json();
    let failed = &report["failed"][0];
    assert_eq!(failed["path"], format!("cam_{other}"), "{report}");
    assert!(
        failed["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("camera {other}'s password does not decrypt")),
        "{report}"
    );
    let camera = app.get(&format!("/api/cameras/{other}")).await.json();
    assert_eq!(camera["provisioning"]["state"], "error", "{camera}");
    assert_eq!(source_of(&app, other).await, Some(gate_source));
    assert!(crate::support::logs().contains("does not decrypt with key"));
}

#[tokio::test]
async fn rotate_key_keeps_every_camera_working_and_retires_the_old_key() {
    let camera = TestCamera::start().await;
    let mut app = TestApp::spawn().await;
    let secure_url = camera.secure_url(TestCamera::USER, TestCamera::PASSWORD);
    // Its sub-stream's password is sealed apart, and rotated with the rest.
    let secure = app
        .post_json(
            "/api/cameras",
            &json!({"name": "Secure", "stream_url": secure_url, "sub_stream_url": secure_url}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.insert_cameras(50).await;
    app.post_json(
        "/api/cameras",
        &json!({"name": "Open", "stream_url": camera.url("cam1")}),
    )
    .await;
    let old = app.config().secret_key;
    let new_text = new_secret_key();
    let new = SecretKey::from_base64(&new_text).unwrap();
    let mut env = app.env().clone();
    env.insert("CAMPLANE_NEW_SECRET_KEY".into(), new_text.clone());

    // Not while a service runs: it would go on sealing with the old key.
    let (status, output) = camera_api(&["rotate-key"], &env).await;
    assert!(!status.success());
    assert!(output.contains("stop every replica"), "{output}");
    assert!(
        stored_rows(&app)
            .await
            .iter()
            .filter_map(StoredRow::sealed)
            .all(|sealed| sealed.key_id == old.id()),
        "a refused rotation changes nothing"
    );

    app.stop().await.unwrap();
    let (status, output) = camera_api(&["rotate-key"], &env).await;
    assert!(status.success(), "{output}");
    assert!(output.contains("camera passwords re-encrypted"), "{output}");

    let rows = stored_rows(&app).await;
    let sealed: Vec<(i64, Sealed)> = rows
        .iter()
        .filter_map(|row| Some((row.id, row.sealed()?)))
        .collect();
    assert_eq!(sealed.len(), 51, "every password is still there");
    for (id, sealed) in &sealed {
        assert_eq!(sealed.key_id, new.id());
        assert!(
            old.open(*id, sealed).is_err(),
            "the old key no longer opens"
        );
        // Not even under a forged key id: the ciphertext itself is new.
        let forged = Sealed {
            key_id: old.id().to_owned(),
            bytes: sealed.bytes.clone(),
        };
        assert!(old.open(*id, &forged).is_err());
        assert_eq!(new.open(*id, sealed).unwrap().expose(), CANARY);
    }
    let (sub_bytes, sub_key_id): (Vec<u8>, String) = sqlx::query_as(
        "SELECT sub_password_sealed, sub_password_key_id FROM cameras WHERE id = $1",
    )
    .bind(secure)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let sub_sealed = Sealed {
        key_id: sub_key_id,
        bytes: sub_bytes,
    };
    assert_eq!(sub_sealed.key_id, new.id());
    assert_eq!(
        new.open(secure, &sub_sealed).unwrap().expose(),
        TestCamera::PASSWORD
    );
    let err = start_up_error(app.env()).await;
    assert!(
        err.contains(&format!("is sealed with key {}", new.id())),
        "{err}"
    );

    // With the new key, and MediaMTX emptied meanwhile, every path comes
    // back with its password, and the service reads the camera with it.
    app.mediamtx.restart().await;
    app.set_env("CAMPLANE_SECRET_KEY", &new_text);
    app.start_again().await;
    let report = app.post_json("/api/reconcile", &json!({})).await.json();
    assert_eq!(report["failed"], json!([]), "{report}");
    assert_eq!(app.mediamtx.camera_paths().await.len(), 53);
    assert_eq!(source_of(&app, secure).await, Some(secure_url.clone()));
    let sub = app.mediamtx.path_config(&format!("cam_{secure}_sub")).await;
    assert_eq!(sub.unwrap()["source"], secure_url.as_str());
    for (id, _) in &sealed {
        let source = source_of(&app, *id).await.unwrap();
        assert!(
            source.contains(&format!(":{CANARY}@")),
            "camera {id}'s source has its password"
        );
    }
    let probe = app
        .post_json(&format!("/api/cameras/{secure}/probe"), &json!({}))
        .await;
    assert_eq!(probe.json()["ok"], true, "{}", probe.text);
    assert_eq!(probe.json()["sub_stream"]["ok"], true, "{}", probe.text);
    let snapshot = app
        .get(&format!("/api/cameras/{secure}/snapshot?max_age=0"))
        .await;
    assert_eq!(snapshot.status, 200, "{}", snapshot.text);

    // One audit entry for the rotation; no camera reads as changed.
    let audit = app.get("/api/audit?action=secrets.rotate_key").await.json();
    assert_eq!(audit["total"], 1, "{audit}");
    let entry = &audit["items"][0];
    assert_eq!(entry["actor"], "camera-api rotate-key");
    assert_eq!(
        entry["details"],
        json!({"from_key": old.id(), "to_key": new.id(), "cameras": 51})
    );
    let updates = app.get("/api/audit?action=camera.update").await.json();
    assert_eq!(updates["total"], 0, "{updates}");
}

/// Every printable ASCII character and some beyond, spread over passwords
/// that begin and end with a marker found nowhere else in the suite.
fn generated_passwords() -> Vec<String> {
    let printable: Vec<char> = (' '..='~').collect();
    let mut passwords: Vec<String> = printable
        .chunks(12)
        .map(|chunk| format!("Qv{}Qv", chunk.iter().collect::<String>()))
        .collect();
    passwords.push("Qvпароль密码🔑Qv".to_owned());
    passwords.push("Qve\u{301}\u{200b}\u{202e}Qv".to_owned());
    passwords
}

/// Each shape a password could take in a response or a log line: as typed,
/// as the URL carries it, and either one escaped inside a JSON string.
fn shapes_of(password: &str, url: &url::Url) -> Vec<String> {
    let mut shapes = vec![password.to_owned(), url.password().unwrap().to_owned()];
    for shape in shapes.clone() {
        let json = serde_json::to_string(&shape).unwrap();
        shapes.push(json.trim_matches('"').to_owned());
    }
    shapes
}

/// Cameras whose servers fail in ways no rule foresees, so that ffmpeg's own
/// words (which quote the URL, password and all) are all there is to go on:
/// nothing of any password reaches a probe, a stored status, a snapshot's
/// error, the event stream or a debug log line; and an RTSP server's own
/// words are not passed on either.
#[tokio::test]
async fn no_password_of_any_character_leaves_through_a_failure() {
    let not_rtsp = OddServer::answering(b"HELLO, this is no camera\r\n\r\n").await;
    let refusing = OddServer::answering(b"RTSP/1.0 461 Reflected words\r\nCSeq: 1\r\n\r\n").await;
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_PROBE_TIMEOUT".into(), "3s".into());
    })
    .await;
    let mut events = EventStream::open(&app, None).await;
    let mut seen = Vec::new();
    let passwords = generated_passwords();
    let mut urls = Vec::new();
    for (index, password) in passwords.iter().enumerate() {
        let server = [&not_rtsp, &refusing][index % 2];
        let mut url = url::Url::parse(&server.url("stream1")).unwrap();
        url.set_username("admin").unwrap();
        // The url crate leaves a `%` as it is, which would read as an escape.
        url.set_password(Some(&password.replace('%', "%25")))
            .unwrap();
        let created = app
            .post_json(
                "/api/cameras",
                &json!({"name": format!("Generated {index}"), "stream_url": url.as_str()}),
            )
            .await;
        assert_eq!(created.status, 201, "{password:?}: {}", created.text);
        let id = created.json()["id"].as_i64().unwrap();

        let probe = app
            .post_json(&format!("/api/cameras/{id}/probe"), &json!({}))
            .await;
        assert_eq!(probe.json()["code"], "FFMPEG_EXIT", "{}", probe.text);
        if index % 2 == 1 {
            assert_eq!(probe.json()["detail"], "method OPTIONS failed: RTSP 461");
        }
        let unsaved = app
            .post_json("/api/probe", &json!({"stream_url": url.as_str()}))
            .await;
        let snapshot = app.get(&format!("/api/cameras/{id}/snapshot")).await;
        snapshot.problem(502);
        let status = app.get(&format!("/api/cameras/{id}/status")).await;
        assert_eq!(status.json()["code"], "FFMPEG_EXIT", "{}", status.text);
        seen.extend([probe.text, unsaved.text, snapshot.text, status.text]);
        urls.push(url);
    }
    seen.push(app.get("/api/cameras/status").await.text);
    // What the event stream delivered meanwhile, up to a quiet second.
    while let Ok(message) = tokio::time::timeout(Duration::from_secs(1), events.next()).await {
        seen.push(message.data.to_string());
    }
    assert!(
        !seen.iter().any(|text| text.contains("Reflected words")),
        "an RTSP server's words reached a client"
    );
    // The operator's debug log keeps ffmpeg's words, masked.
    seen.push(logs());
    let seen = seen.join("\n");
    for (password, url) in passwords.iter().zip(&urls) {
        for shape in shapes_of(password, url) {
            assert!(!seen.contains(&shape), "{password:?} leaked as {shape:?}");
        }
    }
    app.media.assert_none_running().await;
}
