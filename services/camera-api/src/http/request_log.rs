//! Request ids and the one log line per request.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUEST_ID: &str = "x-request-id";

/// Keeps the edge's request id (HAProxy sets one) so a request can be followed
/// from the access log into ours; makes one up when there is none. Logs the
/// route template, never the raw path or query, which could carry secrets.
pub async fn log_request(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_safe_id(id))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let id_header = HeaderValue::try_from(request_id.as_str()).expect("checked by is_safe_id");
    req.headers_mut().insert(REQUEST_ID, id_header.clone());

    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        camera_id = tracing::field::Empty,
        // Filled in by `auth::Authorized` once it knows who is asking.
        actor = tracing::field::Empty
    );
    if let Some(id) = camera_id(&route, req.uri().path()) {
        span.record("camera_id", id);
    }
    let mut response = next.run(req).instrument(span.clone()).await;
    response.headers_mut().insert(REQUEST_ID, id_header);
    crate::metrics::http_request(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    macro_rules! request_line {
        ($level:expr) => {
            tracing::event!($level, %method, route, status, latency_ms, "request")
        };
    }
    span.in_scope(|| {
        // MediaMTX asks the hook for every playlist and segment a player
        // fetches: one line each would drown the log. Refusals stay visible.
        if route == HOOK_ROUTE && response.status().is_success() {
            request_line!(tracing::Level::DEBUG);
        } else {
            request_line!(tracing::Level::INFO);
        }
    });
    response
}

const HOOK_ROUTE: &str = "/api/mediamtx/auth";

/// The camera a request is about, so every line it logs can be found by
/// camera: the path segment under the route's `{id}`.
fn camera_id(route: &str, path: &str) -> Option<i64> {
    let position = route.split('/').position(|segment| segment == "{id}")?;
    route
        .starts_with("/api/cameras/")
        .then(|| path.split('/').nth(position)?.parse().ok())
        .flatten()
}

/// Ids end up in log lines: only short, plain tokens are taken from outside.
fn is_safe_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_request_ids_are_kept() {
        assert!(super::is_safe_id("2f1c-abc.def:1"));
        assert!(!super::is_safe_id(""));
        assert!(!super::is_safe_id("a b"));
        assert!(!super::is_safe_id("a\nfake log line"));
        assert!(!super::is_safe_id(&"a".repeat(129)));
    }

    #[test]
    fn the_camera_id_comes_from_the_id_segment_of_a_camera_route() {
        let id = |route, path| super::camera_id(route, path);
        assert_eq!(id("/api/cameras/{id}", "/api/cameras/42"), Some(42));
        assert_eq!(
            id("/api/cameras/{id}/snapshot", "/api/cameras/7/snapshot"),
            Some(7)
        );
        assert_eq!(id("/api/cameras/{id}", "/api/cameras/abc"), None);
        assert_eq!(id("/api/cameras", "/api/cameras"), None);
        assert_eq!(id("(unmatched)", "/api/cameras/42"), None);
    }
}
