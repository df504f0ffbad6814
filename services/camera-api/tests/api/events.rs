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
