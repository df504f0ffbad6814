//! `GET /api/events`: camera changes as Server-Sent Events.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::future;
use futures::stream::{self, Stream, StreamExt};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Authorized, Credential, Viewer};
use super::cameras::CameraView;
use crate::auth::Principal;
use crate::events::{Change, Event, Op, Subscription};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// Camera changes as they happen, from every replica (Server-Sent Events).
///
/// - `event: camera`, data `{"op": "created"|"updated"|"deleted", "id", "camera"}`
///   (`camera` as `GET /api/cameras/{id}` shows it; null when deleted);
/// - `event: status`, data: the camera's status, after each camera event;
/// - `event: reset`, data `{}`: changes may have been missed; reload.
///
/// Reconnect with `Last-Event-ID` (browsers do) to receive what was missed.
#[utoipa::path(
    get, path = "/api/events", tag = "status",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    params(("Last-Event-ID" = Option<String>, Header, description = "Id of the last event received")),
    responses((status = 200, description = "An endless event stream; the schema is that of each event", content_type = "text/event-stream", body = StreamEvent))
)]
async fn events(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    // Right after start-up (or a database outage) the stream isn't fed yet.
    state.events.listening(Duration::from_secs(5)).await;
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok());
    let Subscription { missed, receiver } = state.events.subscribe(last_event_id);
    // A subscriber that falls too far behind is dropped; its browser
    // reconnects with Last-Event-ID and gets a replay or a reset.
    let live = stream::unfold(receiver, |mut receiver| async move {
        let event = receiver.recv().await.ok()?;
        Some((event, receiver))
    });
    let closed = state.events.closed();
    let credential = Credential::of(&headers).expect("authorized requests carry one");
    let revoked = access_changes(state, credential, auth.principal.clone());
    let stream = stream::iter(missed)
        .chain(live)
        .filter(move |event| std::future::ready(visible(&auth.principal, event)))
        .flat_map(|event| stream::iter(to_sse(&event)))
        .map(Ok)
        .take_until(future::select(Box::pin(closed), Box::pin(revoked)));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// How often an open stream's credential is looked up again. With the
/// principals each replica remembers for 2 s, a revocation ends the stream
/// within about 4 s, on every replica, as it ends HLS sessions.
const ACCESS_RECHECK: Duration = Duration::from_secs(2);

/// Resolves when `credential` no longer opens anything (revoked, expired,
/// logged out, user disabled or deleted) or its holder's role or groups
/// changed: the stream then ends, and a browser reconnects to be judged
/// anew (a holder that lost access gets its 401). A database that can't
/// answer ends nothing: the check runs again.
async fn access_changes(state: AppState, credential: Credential, granted: Principal) {
    loop {
        tokio::time::sleep(ACCESS_RECHECK).await;
        match credential.holder(&state).await {
            Ok(Some(found)) if found.principal == granted => {}
            Ok(_) => return,
            Err(err) => tracing::debug!(error = %err, "could not recheck an event stream's access"),
        }
    }
}

/// One event of the stream, field by field as it is sent.
#[derive(Debug, ToSchema)]
pub struct StreamEvent {
    /// `<replica>-<sequence>`: send the last one back as `Last-Event-ID`.
    #[schema(example = "3f2a9c1e-42")]
    id: String,
    event: EventKind,
    /// A JSON document; the operation's description gives it for each kind.
    #[schema(example = r#"{"op":"updated","id":42,"camera":{"id":42}}"#)]
    data: String,
}

#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
enum EventKind {
    Camera,
    Status,
    Reset,
}

impl From<StreamEvent> for SseEvent {
    fn from(event: StreamEvent) -> Self {
        let kind = match event.event {
            EventKind::Camera => "camera",
            EventKind::Status => "status",
            EventKind::Reset => "reset",
        };
        SseEvent::default()
            .id(event.id)
            .event(kind)
            .data(event.data)
    }
}

/// A principal limited to groups hears only of its cameras (and of
/// deletions, which carry nothing but an id).
fn visible(principal: &Principal, event: &Event) -> bool {
    match &event.change {
        Change::Camera {
            camera: Some(camera),
            ..
        } => principal.sees(camera.groups()),
        _ => true,
    }
}

fn to_sse(event: &Arc<Event>) -> Vec<SseEvent> {
    let message = |kind: EventKind, data: serde_json::Value| {
        SseEvent::from(StreamEvent {
            id: event.id.clone(),
            event: kind,
            data: data.to_string(),
        })
    };
    match &event.change {
        Change::Reset => vec![message(EventKind::Reset, json!({}))],
        Change::Camera {
            op,
            id,
            camera,
            status,
            ..
        } => {
            let op = match op {
                Op::Created => "created",
                Op::Updated => "updated",
                Op::Deleted => "deleted",
            };
            let camera = camera.as_deref().map(CameraView::from);
            let mut messages = vec![message(
                EventKind::Camera,
                json!({"op": op, "id": id, "camera": camera}),
            )];
            if let Some(status) = status {
                messages.push(message(EventKind::Status, json!(status)));
            }
            messages
        }
    }
}
