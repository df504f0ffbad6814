//! Everything HTTP: routing, OpenAPI, errors as problem documents.

mod cameras;
mod extract;
mod health;
mod problem;
mod reconcile;
mod request_log;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use sqlx::PgPool;
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
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

/// The routes and the OpenAPI document they describe, built together so the
/// document can't drift from what is served.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(cameras::router())
        .merge(reconcile::router())
        .split_for_parts()
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

pub fn app(state: AppState) -> Router {
    let (routes, openapi) = routes();
    routes
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        .fallback(|| async { ApiError::not_found("no such resource") })
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
        ))
        .with_state(state)
}
