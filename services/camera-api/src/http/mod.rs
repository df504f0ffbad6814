//! Everything HTTP: routing, OpenAPI, errors as problem documents.

mod audit;
mod auth;
mod cameras;
mod events;
mod extract;
mod groups;
mod headers;
mod health;
mod import;
mod nodes;
mod pages;
mod problem;
mod reconcile;
mod recordings;
mod request_log;
mod session;
mod snapshots;
mod status;
#[cfg(test)]
mod tests;
mod tokens;
mod users;
mod video;
mod views;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use sqlx::PgPool;
use tower_http::services::{ServeDir, ServeFile};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

pub use problem::{ApiError, PROBLEM_JSON, Problem};
pub use request_log::REQUEST_ID;

use crate::config::Config;

/// Shared by every handler, behind one `Arc`: axum clones the state for
/// each extractor and middleware of every request, and cloning (then
/// dropping) each of a dozen shared parts every time took 3 % of the
/// service's CPU serving the camera list (perf, `make bench`).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub config: Arc<Config>,
    pub db: PgPool,
    pub mediamtx: crate::mediamtx::Client,
    pub media: crate::media::Media,
    pub events: Arc<crate::events::Hub>,
    pub principals: Arc<crate::auth::recent::Recent>,
    pub pages: Arc<pages::Pages>,
    /// The camera list in memory, which its pages are read from.
    pub catalog: Arc<crate::cameras::Catalog>,
    /// The recordings disk as this replica last scanned it.
    pub storage: Arc<crate::recordings::Storage>,
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
        (name = "recordings", description = "What cameras recorded, playing and exporting it, and the recordings disk"),
        (name = "audit", description = "Who changed what, and when"),
        (name = "access", description = "Logins, users, API tokens and video access"),
        (name = "views", description = "Saved layouts of the live view, personal or shared"),
        (name = "nodes", description = "The MediaMTX servers cameras are placed on"),
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
        .merge(import::router())
        .merge(groups::router())
        .merge(cameras::router())
        .merge(status::router())
        .merge(snapshots::router())
        .merge(events::router())
        .merge(reconcile::router())
        .merge(recordings::router())
        .merge(audit::router())
        .merge(session::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(video::router())
        .merge(views::router())
        .merge(nodes::router())
        .split_for_parts();
    document_common_errors(&mut openapi);
    (router, openapi)
}

/// Every operation that needs credentials can answer 401 and 403, every
/// one with a body 400, 413, 415 and 422, and every operation can run out
/// of time (503); said once here rather than in each handler's list (a
/// handler lists its own where it has more to say).
fn document_common_errors(openapi: &mut utoipa::openapi::OpenApi) {
    use std::collections::btree_map::Entry;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    const TIMED_OUT: &str = "the request runs past CAMPLANE_REQUEST_TIMEOUT (`unavailable`)";
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
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let responses = &mut operation.responses.responses;
            if operation.request_body.is_some() {
                for (status, description) in [
                    ("400", "The body is not valid JSON (`malformed-request`)"),
                    ("413", "The body is over 64 KiB (`payload-too-large`)"),
                    (
                        "415",
                        "The body is not application/json (`unsupported-media-type`)",
                    ),
                    (
                        "422",
                        "A field is invalid; `errors` lists each (`validation`)",
                    ),
                ] {
                    responses
                        .entry(status.into())
                        .or_insert_with(|| problem(description).into());
                }
            }
            match responses.entry("503".into()) {
                Entry::Occupied(mut listed) => {
                    if let RefOr::T(response) = listed.get_mut() {
                        response
                            .description
                            .push_str(&format!(". Also when {TIMED_OUT}"));
                    }
                }
                Entry::Vacant(missing) => {
                    missing.insert(problem(&format!("When {TIMED_OUT}; see Retry-After")).into());
                }
            }
            let open = operation.security.as_ref().is_some_and(|security| {
                security.iter().all(|requirement| {
                    serde_json::to_value(requirement)
                        .is_ok_and(|value| value == serde_json::json!({}))
                })
            });
            if open {
                continue;
            }
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
        // Outermost first. The time limit is innermost, so its answer gets
        // the CORS and security headers and the request id like any other.
        .layer((
            middleware::from_fn(request_log::log_request),
            DefaultBodyLimit::max(extract::BODY_LIMIT),
            middleware::map_response(headers::security),
            cors,
            middleware::from_fn_with_state(state.config.request_timeout, time_limit),
            middleware::from_fn_with_state(state.clone(), auth::forget_after_writes),
        ))
        .with_state(state)
}

/// Bounds every request, so a stuck one can't hold up a graceful shutdown
/// (a stream's body is not bounded: only the wait for its headers).
///
/// A request out of time is `503 unavailable` with `Retry-After`, as when
/// the database is down: the service gave up on its own work, most likely
/// a stuck dependency. Not `408`, which says the client was slow to send
/// its request (the edge answers that itself), and not `504`, which is the
/// edge's answer when camera-api does not answer at all.
async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::unavailable(
            format!(
                "the request did not finish within {:.1} s; retry shortly",
                limit.as_secs_f64()
            ),
            anyhow::anyhow!("the request timed out after {limit:?}"),
        )
        .into_response(),
    }
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
