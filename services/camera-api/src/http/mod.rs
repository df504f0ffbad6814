//! Everything HTTP: routing, OpenAPI, errors as problem documents.

mod audit;
mod auth;
mod cameras;
mod events;
mod extract;
mod headers;
mod health;
mod pages;
mod problem;
mod reconcile;
mod request_log;
mod session;
mod snapshots;
mod status;
mod tokens;
mod users;
mod video;

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
    pub principals: Arc<crate::auth::recent::Recent>,
    pub pages: Arc<pages::Pages>,
    pub tasks: crate::tasks::Tasks,
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
        (name = "access", description = "Logins, users, API tokens and video access"),
    ),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

/// Each operation's `security` names the role it needs as the scope of
/// either scheme (OpenAPI 3.1 allows role names there).
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`cpl_…`) made by an admin: `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                auth::SESSION_COOKIE,
                "The console's session cookie, from `POST /api/session`. Writes made with it \
                 must send the session's `csrf_token` in `X-CSRF-Token`.",
            ))),
        );
    }
}

/// The routes and the OpenAPI document they describe, built together so the
/// document can't drift from what is served.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(cameras::router())
        .merge(status::router())
        .merge(snapshots::router())
        .merge(events::router())
        .merge(reconcile::router())
        .merge(audit::router())
        .merge(session::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(video::router())
        .split_for_parts();
    document_access_errors(&mut openapi);
    (router, openapi)
}

/// Every operation that needs credentials can answer 401 and 403; said once
/// here rather than in each handler's list.
fn document_access_errors(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    for item in openapi.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let open = operation.security.as_ref().is_some_and(|security| {
                security.iter().all(|requirement| {
                    serde_json::to_value(requirement)
                        .is_ok_and(|value| value == serde_json::json!({}))
                })
            });
            if open {
                continue;
            }
            let responses = &mut operation.responses.responses;
            responses.entry("401".into()).or_insert_with(|| {
                problem("No credentials, or unknown, expired or revoked ones (`unauthenticated`)")
                    .into()
            });
            responses.entry("403".into()).or_insert_with(|| {
                problem("The role is too small (`forbidden`), or a cookie-authenticated write lacks X-CSRF-Token (`csrf`)").into()
            });
        }
    }
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

pub fn app(state: AppState) -> Router {
    let cors = headers::cors(&state.config.cors_origins);
    let (routes, openapi) = routes();
    let routes = routes
        .merge(
            Router::from(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
                .route_layer(middleware::from_fn_with_state(
                    state.clone(),
                    auth::require::<auth::Viewer>,
                )),
        )
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
