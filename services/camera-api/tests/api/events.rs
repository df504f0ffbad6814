//! `GET /api/events`: Server-Sent Events fed by PostgreSQL LISTEN/NOTIFY.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::TestApp;

/// A minimal SSE client: enough to read `id`, `event` and `data` lines.
pub(crate) struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

#[derive(Debug)]
pub(crate) struct Message {
    pub id: String,
    pub kind: String,
    pub data: Value,
}

impl EventStream {
    pub(crate) async fn open(app: &TestApp, last_event_id: Option<&str>) -> EventStream {
        let mut request = app.client.get(app.url("/api/events"));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    pub(crate) async fn next(&mut self) -> Message {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|line| line.strip_prefix(name))
                        .map(|value| value.trim_start().to_owned())
                };
                // Keep-alive comments carry no event.
                if let Some(kind) = field("event:") {
                    let data = serde_json::from_str(&field("data:").unwrap_or_default()).unwrap();
                    return Message {
                        id: field("id:").unwrap_or_default(),
                        kind,
                        data,
                    };
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next `camera` event about camera `id`.
    pub(crate) async fn camera_event(&mut self, id: i64) -> Message {
        loop {
            let message = self.next().await;
            if message.kind == "camera" && message.data["id"] == id {
                return message;
            }
        }
    }
}

#[tokio::test]
async fn camera_writes_stream_as_events_with_status() {
    let app = TestApp::spawn().await;
    let mut events = EventStream::open(&app, None).await;
    let camera = app.create_camera("Dock").await;
    let id = camera["id"].as_i64().unwrap();

    let created = events.camera_event(id).await;
    assert_eq!(created.data["op"], "created");
    assert_eq!(created.data["camera"]["name"], "Dock");
    assert!(
        created.data["camera"]["stream_url"]
            .as_str()
            .unwrap()
            .contains(":***@"),
        "passwords stay masked"
    );
    let status = events.next().await;
    assert_eq!(
        (status.kind.as_str(), status.data["id"].as_i64()),
        ("status", Some(id))
    );

    app.patch_json(
        &format!("/api/cameras/{id}"),
        &json!({"name": "Dock 2"}),
        None,
    )
    .await;
    let updated = loop {
        let message = events.camera_event(id).await;
        if message.data["camera"]["name"] == "Dock 2" {
            break message;
        }
    };
    assert_eq!(updated.data["op"], "updated");

    assert_eq!(
        app.delete(&format!("/api/cameras/{id}"), None).await.status,
        204
    );
    let deleted = events.camera_event(id).await;
    assert_eq!(
        (deleted.data["op"].clone(), deleted.data["camera"].clone()),
        (json!("deleted"), Value::Null)
    );
}

#[tokio::test]
async fn every_replica_streams_every_replicas_writes() {
    let first = TestApp::spawn().await;
    let second = first.spawn_replica().await;
    let mut events = EventStream::open(&second, None).await;
    let camera = first.create_camera("Written on the first").await;
    let created = events.camera_event(camera["id"].as_i64().unwrap()).await;
    assert_eq!(created.data["op"], "created");
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_replays_what_was_missed() {
    let app = TestApp::spawn().await;
    let mut events = EventStream::open(&app, None).await;
    let first = app.create_camera("First").await;
    let seen = events.camera_event(first["id"].as_i64().unwrap()).await;
    drop(events);

    let second = app.create_camera("Second").await;
    // Let the announcement reach the hub before reconnecting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut resumed = EventStream::open(&app, Some(&seen.id)).await;
    let missed = resumed.camera_event(second["id"].as_i64().unwrap()).await;
    assert_eq!(missed.data["op"], "created");

    let mut unknown = EventStream::open(&app, Some("someone-else-42")).await;
    assert_eq!(
        unknown.next().await.kind,
        "reset",
        "an id this replica never issued means: reload"
    );
}

async fn open(request: reqwest::RequestBuilder) -> reqwest::Response {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response
}

/// Whether the stream `response` carries ends (the server closes it) within
/// `limit`, keep-alives and events meanwhile notwithstanding.
async fn ends_within(mut response: reqwest::Response, limit: Duration) -> bool {
    tokio::time::timeout(limit, async {
        while let Ok(Some(_)) = response.chunk().await {}
    })
    .await
    .is_ok()
}

/// An open stream stops once its holder may no longer see what it carries,
/// within seconds and on whichever replica serves it: a revoked token, a
/// disabled user, a user moved to other groups. Others stay open.
#[tokio::test]
async fn streams_end_when_their_holder_loses_access_on_every_replica() {
    let app = TestApp::spawn().await;
    let other = app.spawn_replica().await;
    let token = app
        .post_json("/api/tokens", &json!({"name": "wall", "role": "viewer"}))
        .await
        .json();
    let mut users = Vec::new();
    for name in ["disabled", "moved"] {
        let body = json!({"username": name, "password": "correct horse battery",
                          "role": "viewer", "groups": ["lobby"]});
        let user = app.post_json("/api/users", &body).await.json();
        let login = app
            .anonymous
            .post(app.url("/api/session"))
            .json(&json!({"username": name, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        let cookie = login.headers()["set-cookie"].to_str().unwrap();
        users.push((
            user["id"].clone(),
            cookie.split(';').next().unwrap().to_owned(),
        ));
    }
    let bearer = token["token"].as_str().unwrap();
    let events = |replica: &TestApp| replica.anonymous.get(replica.url("/api/events"));
    let by_token = open(events(&other).bearer_auth(bearer)).await;
    let by_disabled = open(events(&app).header("cookie", &users[0].1)).await;
    let by_moved = open(events(&other).header("cookie", &users[1].1)).await;
    let by_admin = open(other.client.get(other.url("/api/events"))).await;

    let revoked = app
        .delete(&format!("/api/tokens/{}", token["id"]), None)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    let disabled = app
        .patch_json(
            &format!("/api/users/{}", users[0].0),
            &json!({"disabled": true}),
            None,
        )
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    let moved = app
        .patch_json(
            &format!("/api/users/{}", users[1].0),
            &json!({"groups": ["vault"]}),
            None,
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);

    let limit = Duration::from_secs(6);
    let (token_ended, disabled_ended, moved_ended, admin_ended) = tokio::join!(
        ends_within(by_token, limit),
        ends_within(by_disabled, limit),
        ends_within(by_moved, limit),
        ends_within(by_admin, limit),
    );
    assert!(
        token_ended,
        "the revoked token's stream (on the other replica)"
    );
    assert!(disabled_ended, "the disabled user's stream");
    assert!(
        moved_ended,
        "the moved user's stream (on the other replica)"
    );
    assert!(!admin_ended, "an admin's stream stays open");
}
