//! Video access: video tokens for players, and the hook MediaMTX asks
//! before serving any read (`authMethod: http`, `authHTTPAddress` pointing
//! here, reachable by MediaMTX only: the edge refuses `/api/mediamtx/`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Authorized, Viewer};
use super::extract::JsonBody;
use super::problem::{ApiError, Problem};
use crate::auth::video::{self, HookRequest, ServiceAccount, VideoToken};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_video_token))
        .routes(routes!(mediamtx_auth))
}

/// A short-lived credential for HLS (`CAMPLANE_VIDEO_TOKEN_TTL`, 5 minutes
/// by default) opening every camera the caller may see. Players send it as
/// `Authorization: Bearer <token>` on playlist requests, never in a URL.
#[utoipa::path(
    post, path = "/api/video-tokens", tag = "access",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    responses(
        (status = 200, description = "A video token", body = VideoToken),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No X-CSRF-Token with the cookie", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn issue_video_token(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
) -> Result<Json<VideoToken>, ApiError> {
    let lifetime = state.config.access.video_token_lifetime;
    Ok(Json(
        video::issue(&state.db, &auth.principal, lifetime).await?,
    ))
}

/// MediaMTX's authentication hook. It carries its own credentials (a video
/// token, or MediaMTX's service login): any 2xx lets MediaMTX serve the
/// request, anything else refuses it.
#[utoipa::path(
    post, path = "/api/mediamtx/auth", tag = "access",
    security(()),
    request_body = HookRequest,
    responses(
        (status = 204, description = "Allowed"),
        (status = 401, description = "Refused", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a MediaMTX authentication request", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable (MediaMTX refuses)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn mediamtx_auth(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<HookRequest>,
) -> Result<StatusCode, ApiError> {
    let settings = &state.config.mediamtx;
    let service = settings
        .user
        .clone()
        .zip(settings.password.clone())
        .map(|(user, password)| ServiceAccount { user, password });
    match video::authorize(&state.db, service.as_ref(), &request).await? {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(refusal) => {
            tracing::info!(
                ?refusal,
                action = request.action,
                path = request.path,
                protocol = request.protocol,
                ip = request.ip,
                "MediaMTX access refused"
            );
            Err(crate::auth::Error::Unauthenticated.into())
        }
    }
}
