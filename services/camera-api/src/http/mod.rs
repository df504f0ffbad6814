//! Everything HTTP: routing, OpenAPI, errors as problem documents.

mod audit;
mod cameras;
mod events;
mod extract;
mod headers;
mod health;
mod problem;
mod reconcile;
mod request_log;
mod snapshots;
mod status;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::any;
use sqlx::PgPool;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

pub use problem::{ApiError, PROBLEM_JSON, Problem};
pub use request_log::REQUEST_ID;

use crate::config::Config;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: PgPool,
    pub mediamtx: crate::mediamtx::Client,
    pub media: crate::media::Media,
    pub events: Arc<crate::events::Hub>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Camplane camera API",
        description = "Manage the cameras of a video-management system. Errors are RFC 9457 \
                       `application/problem+json` documents; see docs/errors.md."
    ),
    tags(
        (name = "cameras", description = "The camera registry"),
        (name = "provisioning", description = "Keeping MediaMTX converged on the registry"),
        (name = "status", description = "Whether cameras are live, probes and snapshots"),
        (name = "health", description = "Liveness and readiness"),
        (name = "audit", description = "Who changed what, and when"),
    )
)]
struct ApiDoc;

/// The routes and the OpenAPI document they describe, built together so the
/// document can't drift from what is served.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(cameras::router())
        .merge(status::router())
        .merge(snapshots::router())
        .merge(events::router())
        .merge(reconcile::router())
        .merge(audit::router())
        .split_for_parts()
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

pub fn app(state: AppState) -> Router {
    let cors = headers::cors(&state.config.cors_origins);
    let (routes, openapi) = routes();
    let routes = routes
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        // Unknown API paths are problems, not the console's index page.
        .route(
            "/api/{*rest}",
            any(|| async { ApiError::not_found("no such resource") }),
        );
    with_console(routes, &state.config.console_dir)
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "this resource does not support that method",
            )
        })
        .layer((
            middleware::from_fn(request_log::log_request),
            DefaultBodyLimit::max(extract::BODY_LIMIT),
            // Bounds every request, so a stuck one can't hold up a graceful shutdown.
            TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)),
            middleware::map_response(headers::security),
            cors,
        ))
        .with_state(state)
}

/// Serves the built console at `/`; paths it doesn't know get its index
/// page, so the console's own routes survive a reload.
fn with_console(routes: Router<AppState>, dir: &Path) -> Router<AppState> {
    let index = dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(dir = %dir.display(), "no console build found; `/` answers 404 (build it with `npm run build` in frontend/)");
        return routes
            .fallback(|| async { ApiError::not_found("the console is not built on this server") });
    }
    routes.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
}
