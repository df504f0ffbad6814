//! `/api/cameras/{id}/recordings`: thin handlers over `crate::recordings`.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::audit::time;
use super::auth::{Authorized, Viewer};
use super::cameras::camera_id;
use super::extract::Params;
use super::problem::{ApiError, Problem};
use crate::recordings::{self, Recordings};
use crate::validation::FieldErrors;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_recordings))
}

/// Query of `GET /api/cameras/{id}/recordings`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RangeParams {
    /// From this time (RFC 3339); default a day before `until`. At most 31
    /// days before `until`.
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<String>,
    /// Up to this time (RFC 3339); default now.
    #[param(value_type = Option<String>, format = DateTime)]
    until: Option<String>,
}

/// What a camera recorded over a range: the spans that play without a
/// break, and the gaps. Play a span through the edge with
/// `GET /playback/get?path=cam_<id>&start=<RFC 3339>&duration=<seconds>`
/// and a video token as `Authorization: Bearer` (docs/recording.md).
#[utoipa::path(
    get, path = "/api/cameras/{id}/recordings", tag = "recordings",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    params(("id" = i64, Path, description = "Camera id"), RangeParams),
    responses(
        (status = 200, description = "Spans and gaps, oldest first", body = Recordings),
        (status = 404, description = "No such camera", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The camera is disabled: MediaMTX plays only enabled cameras' recordings", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "MediaMTX or the database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_recordings(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    Path(id): Path<String>,
    Params(range): Params<RangeParams>,
) -> Result<Json<Recordings>, ApiError> {
    let id = camera_id(&id)?;
    let mut errors = FieldErrors::default();
    let since = errors.check("since", time(range.since.as_deref()));
    let until = errors.check("until", time(range.until.as_deref()));
    errors.into_result().map_err(ApiError::invalid)?;
    let listed = recordings::list(
        &state.db,
        &state.mediamtx,
        &state.config.recordings,
        &auth.principal,
        id,
        since.flatten(),
        until.flatten(),
    )
    .await?;
    Ok(Json(listed))
}
