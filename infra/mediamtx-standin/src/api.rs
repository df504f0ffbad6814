//! The v3 control API routes, with MediaMTX's status codes and messages
//! (`internal/api`): `{"status":"error","error":…}` bodies, 0-based pages,
//! plain-text 404s for routes that don't exist.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::auth::{self, AuthAction};
use crate::{Peer, RecordedRequest, Shared};
use crate::{conf, hls};

type Reply = Result<Response, Refusal>;

pub fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new()
        .route("/v3/info", get(info))
        .route("/v3/config/paths/list", get(list_configs))
        .route("/v3/config/paths/get/{*name}", get(get_config))
        .route("/v3/config/paths/add/{*name}", post(add_config))
        .route("/v3/config/paths/patch/{*name}", patch(patch_config))
        .route("/v3/config/paths/replace/{*name}", post(replace_config))
        .route("/v3/config/paths/delete/{*name}", delete(delete_config))
        .route("/v3/paths/list", get(list_paths))
        .route("/v3/paths/get/{*name}", get(get_path));
    // MediaMTX registers these only while its HLS server runs.
    if shared.options.hls_addr.is_some() {
        router = router
            .route("/v3/hlssessions/list", get(list_hls_sessions))
            .route("/v3/hlssessions/get/{id}", get(get_hls_session))
            .route("/v3/hlssessions/kick/{id}", post(kick_hls_session));
    }
    router
        .fallback(|| async { (StatusCode::NOT_FOUND, "404 page not found") })
        .layer(middleware::from_fn_with_state(shared.clone(), faults))
        .layer(middleware::from_fn_with_state(shared.clone(), record))
        .with_state(shared)
}

/// MediaMTX's error answer: `{"status":"error","error":…}`.
pub struct Refusal {
    status: StatusCode,
    message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = json!({"status": "error", "error": self.message});
        (self.status, axum::Json(body)).into_response()
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

fn ok() -> Reply {
    Ok(axum::Json(json!({"status": "ok"})).into_response())
}

/// Every request is recorded first, so a test sees what reached MediaMTX
/// even when a fault answered it.
async fn record(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 10 << 20)
        .await
        .unwrap_or_default();
    shared.state().requests.push(RecordedRequest {
        method: parts.method.to_string(),
        path: percent_decode_str(parts.uri.path())
            .decode_utf8_lossy()
            .into_owned(),
        query: parts.uri.query().map(str::to_owned),
        body: serde_json::from_slice(&bytes).ok(),
    });
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Authentication (action `api`), then the switches a test has thrown.
async fn faults(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<Peer>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |peer| peer.0.ip());
    // `middlewareAuth`: no path, no protocol, no session, the raw query.
    let access = auth::Request {
        action: AuthAction::Api,
        path: "",
        query: request.uri().query().unwrap_or_default(),
        protocol: "",
        id: None,
        user_agent: "",
        headers: request.headers(),
        ip,
    };
    if let Err(refusal) = auth::authenticate(&shared, access).await {
        return refusal;
    }
    let (delay, failure) = {
        let state = shared.state();
        let write_failure = state
            .write_failure
            .filter(|_| crate::is_config_write(request.method().as_str(), request.uri().path()));
        (state.delay, state.failure.or(write_failure))
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(status) = failure {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return error(status, "stand-in fault: the test asked for this status").into_response();
    }
    next.run(request).await
}

async fn info(State(shared): State<Arc<Shared>>) -> Reply {
    let started = shared.state().started;
    Ok(
        axum::Json(json!({"version": crate::VERSION, "started": started.to_rfc3339()}))
            .into_response(),
    )
}

/// `paginate.go`: `itemsPerPage` (default 100) and a 0-based `page`.
fn paginate(query: &HashMap<String, String>, items: Vec<Value>) -> Reply {
    let number = |key: &str, default: usize| -> Result<usize, Refusal> {
        match query.get(key) {
            None => Ok(default),
            Some(text) => text.parse().map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    format!("strconv.ParseUint: parsing \"{text}\": invalid syntax"),
                )
            }),
        }
    };
    let per_page = number("itemsPerPage", 100)?;
    if per_page == 0 {
        return Err(error(StatusCode::BAD_REQUEST, "invalid items per page"));
    }
    let page = number("page", 0)?;
    let item_count = items.len();
    let page_items: Vec<Value> = items
        .into_iter()
        .skip(page.saturating_mul(per_page))
        .take(per_page)
        .collect();
    let body = json!({"itemCount": item_count, "pageCount": item_count.div_ceil(per_page), "items": page_items});
    Ok(axum::Json(body).into_response())
}

fn checked_name(name: &str) -> Result<&str, Refusal> {
    let name = name.trim_start_matches('/');
    if conf::valid_name(name) {
        Ok(name)
    } else {
        Err(error(StatusCode::BAD_REQUEST, "invalid name"))
    }
}

fn decoded(body: &Bytes) -> Result<conf::Overrides, Refusal> {
    conf::decode(body).map_err(|message| error(StatusCode::BAD_REQUEST, message))
}

fn validated(overrides: conf::Overrides) -> Result<conf::Overrides, Refusal> {
    conf::validate(&overrides).map_err(|message| error(StatusCode::BAD_REQUEST, message))?;
    Ok(overrides)
}

async fn list_configs(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let items = shared
        .state()
        .paths
        .iter()
        .map(|(name, overrides)| conf::resolve(name, overrides))
        .collect();
    paginate(&query, items)
}

async fn get_config(State(shared): State<Arc<Shared>>, Path(name): Path<String>) -> Reply {
    let name = checked_name(&name)?;
    match shared.state().paths.get(name) {
        Some(overrides) => Ok(axum::Json(conf::resolve(name, overrides)).into_response()),
        None => Err(error(StatusCode::NOT_FOUND, "path configuration not found")),
    }
}

async fn add_config(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    body: Bytes,
) -> Reply {
    let name = checked_name(&name)?;
    let overrides = validated(decoded(&body)?)?;
    let mut state = shared.state();
    if state.paths.contains_key(name) {
        return Err(error(StatusCode::BAD_REQUEST, "path already exists"));
    }
    state.paths.insert(name.to_owned(), overrides);
    ok()
}

async fn patch_config(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    body: Bytes,
) -> Reply {
    let name = checked_name(&name)?;
    let changes = decoded(&body)?;
    let mut state = shared.state();
    let Some(current) = state.paths.get(name) else {
        return Err(error(StatusCode::NOT_FOUND, "path not found"));
    };
    let mut merged = current.clone();
    merged.extend(changes);
    let merged = validated(merged)?;
    state.paths.insert(name.to_owned(), merged);
    ok()
}

/// The upsert: the stored overrides are swapped wholesale.
async fn replace_config(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    body: Bytes,
) -> Reply {
    let name = checked_name(&name)?;
    let overrides = validated(decoded(&body)?)?;
    shared.state().paths.insert(name.to_owned(), overrides);
    ok()
}

async fn delete_config(State(shared): State<Arc<Shared>>, Path(name): Path<String>) -> Reply {
    let name = checked_name(&name)?;
    let mut state = shared.state();
    if state.paths.remove(name).is_none() {
        return Err(error(StatusCode::NOT_FOUND, "path not found"));
    }
    state.runtime.remove(name);
    ok()
}

async fn list_paths(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let _path_manager = shared.path_manager.lock().await;
    let state = shared.state();
    let items = state
        .paths
        .iter()
        .map(|(name, overrides)| state.runtime_path(name, overrides))
        .collect();
    drop(state);
    paginate(&query, items)
}

async fn get_path(State(shared): State<Arc<Shared>>, Path(name): Path<String>) -> Reply {
    let name = checked_name(&name)?;
    let _path_manager = shared.path_manager.lock().await;
    let state = shared.state();
    match state.paths.get(name) {
        Some(overrides) => Ok(axum::Json(state.runtime_path(name, overrides)).into_response()),
        None => Err(error(StatusCode::NOT_FOUND, "path not found")),
    }
}

/// `api_hls.go`: every session, paginated like the other lists.
async fn list_hls_sessions(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    paginate(&query, shared.hls.sessions())
}

/// An id that is no UUID is a 400 with `uuid.Parse`'s message; a UUID no
/// muxer has is a 404.
fn session_id(id: &str) -> Result<String, Refusal> {
    hls::parse_uuid(id).map_err(|message| error(StatusCode::BAD_REQUEST, message))
}

fn session_not_found() -> Refusal {
    error(StatusCode::NOT_FOUND, "session not found")
}

async fn get_hls_session(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Reply {
    let id = session_id(&id)?;
    match shared.hls.session(&id) {
        Some(item) => Ok(axum::Json(item).into_response()),
        None => Err(session_not_found()),
    }
}

async fn kick_hls_session(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Reply {
    let id = session_id(&id)?;
    if !hls::kick(&shared, &id) {
        return Err(session_not_found());
    }
    ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_paths_start_unavailable() {
        let state = crate::State::new();
        let overrides =
            conf::decode(br#"{"source": "rtsp://h/s", "sourceOnDemand": true}"#).unwrap();
        let path = state.runtime_path("cam_1", &overrides);
        assert_eq!(path["available"], false);
        assert_eq!(path["source"]["type"], "rtspSource");
        assert_eq!(path["tracks2"], json!([]));
    }
}
