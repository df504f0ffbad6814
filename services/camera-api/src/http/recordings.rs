//! `/api/cameras/{id}/recordings`, `/api/recordings/storage`, exports:
//! thin handlers over `crate::recordings`.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::AppState;
use super::audit::time;
use super::auth::{Admin, Authorized, Operator, Viewer};
use super::cameras::camera_id;
use super::extract::{JsonBody, Params};
use super::problem::{ApiError, Problem};
use crate::nodes;
use crate::recordings::{
    self, AskedRange, Deleted, Export, ExportInput, Recordings, StorageReport,
};
use crate::validation::FieldErrors;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_recordings, delete_recordings))
        .routes(routes!(storage))
        .routes(routes!(request_export))
        .routes(routes!(get_export, delete_export))
        .routes(routes!(export_file))
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
    let asked = asked(range.since.as_deref(), range.until.as_deref())?;
    let mediamtx = nodes::client_for_camera(&state.db, &state.mediamtx, id).await?;
    let listed = recordings::list(
        &state.db,
        &mediamtx,
        &state.config.recordings,
        &state.storage,
        &auth.principal,
        id,
        asked,
    )
    .await?;
    Ok(Json(listed))
}

/// `since` and `until` as RFC 3339 times, each checked.
fn asked(since: Option<&str>, until: Option<&str>) -> Result<AskedRange, ApiError> {
    let mut errors = FieldErrors::default();
    let since = errors.check("since", time(since));
    let until = errors.check("until", time(until));
    errors.into_result().map_err(ApiError::invalid)?;
    Ok(AskedRange {
        since: since.flatten(),
        until: until.flatten(),
    })
}

/// Query of `DELETE /api/cameras/{id}/recordings`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DeleteParams {
    /// From this time (RFC 3339).
    #[param(value_type = String, format = DateTime)]
    since: Option<String>,
    /// Up to this time (RFC 3339).
    #[param(value_type = String, format = DateTime)]
    until: Option<String>,
}

/// Delete a camera's recordings over a range: every segment file that lies
/// wholly within `since`..`until`, except the one being written. Audited
/// (`recording.delete`).
#[utoipa::path(
    delete, path = "/api/cameras/{id}/recordings", tag = "recordings",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    params(("id" = i64, Path, description = "Camera id"), DeleteParams),
    responses(
        (status = 200, description = "What was deleted", body = Deleted),
        (status = 404, description = "No such camera", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or bad range", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_recordings(
    State(state): State<AppState>,
    auth: Authorized<Admin>,
    Path(id): Path<String>,
    Params(range): Params<DeleteParams>,
) -> Result<Json<Deleted>, ApiError> {
    let id = camera_id(&id)?;
    let asked = asked(range.since.as_deref(), range.until.as_deref())?;
    let deleted = recordings::delete_range(
        &state.db,
        &state.config.recordings,
        &auth.principal,
        id,
        asked,
    )
    .await?;
    Ok(Json(deleted))
}

/// The recordings disk as this replica last scanned it (every
/// `CAMPLANE_RECORDINGS_CHECK`): totals, free space and its floor, and the
/// recordings of each camera you see.
#[utoipa::path(
    get, path = "/api/recordings/storage", tag = "recordings",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    responses(
        (status = 200, description = "The last scan", body = StorageReport),
        (status = 503, description = "Not scanned yet (just started)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn storage(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
) -> Result<Json<StorageReport>, ApiError> {
    Ok(Json(recordings::report(&state.storage, &auth.principal)?))
}

/// Export a range of a camera's recordings as one MP4 file. It is made in
/// the background: poll the export (`Location`) until its `state` is
/// `ready`, then download it from `download_url`. Only you can see and
/// download it, until `expires_at`. Audited (`recording.export`).
#[utoipa::path(
    post, path = "/api/cameras/{id}/exports", tag = "recordings",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    params(("id" = i64, Path, description = "Camera id")),
    request_body = ExportInput,
    responses(
        (status = 202, description = "Requested; being made", body = Export,
         headers(("Location" = String, description = "The export"))),
        (status = 404, description = "No such camera", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The camera is disabled: MediaMTX plays only enabled cameras' recordings", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad range (`end`)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn request_export(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ExportInput>,
) -> Result<Response, ApiError> {
    let id = camera_id(&id)?;
    let mediamtx = nodes::client_for_camera(&state.db, &state.mediamtx, id).await?;
    let export = recordings::request(
        &state.db,
        &mediamtx,
        &state.config.recordings,
        &state.tasks,
        &auth.principal,
        id,
        input,
    )
    .await?;
    let location = HeaderValue::try_from(format!("/api/exports/{}", export.id))
        .expect("a UUID is a valid header value");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(export),
    )
        .into_response())
}

/// An export you requested.
#[utoipa::path(
    get, path = "/api/exports/{id}", tag = "recordings",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    params(("id" = String, Path, format = "uuid", description = "Export id")),
    responses(
        (status = 200, description = "The export", body = Export),
        (status = 404, description = "No such export of yours (or it expired)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_export(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
    Path(id): Path<String>,
) -> Result<Json<Export>, ApiError> {
    let export = recordings::status(&state.db, &auth.principal, export_id(&id)?).await?;
    Ok(Json(export))
}

/// Download an export you requested, once ready.
#[utoipa::path(
    get, path = "/api/exports/{id}/file", tag = "recordings",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    params(("id" = String, Path, format = "uuid", description = "Export id")),
    responses(
        (status = 200, description = "The MP4 file, as an attachment", content_type = "video/mp4", body = Vec<u8>),
        (status = 404, description = "No such export of yours (or it expired)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Still being made (`export-pending`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "It failed (`export-failed`; `detail` says why)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn export_file(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let export = recordings::download(
        &state.db,
        &state.config.recordings,
        &auth.principal,
        export_id(&id)?,
    )
    .await?;
    let disposition =
        HeaderValue::try_from(format!("attachment; filename=\"{}\"", export.filename))
            .expect("the file name holds only safe characters");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("video/mp4")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_LENGTH, HeaderValue::from(export.bytes)),
        ],
        Body::from_stream(file_stream(export.file)),
    )
        .into_response())
}

/// A file's bytes as a body, read as they are sent.
fn file_stream(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> {
    use tokio::io::AsyncReadExt;
    futures::stream::try_unfold(file, |mut file| async move {
        let mut chunk = vec![0; 64 * 1024];
        let read = file.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        chunk.truncate(read);
        Ok(Some((bytes::Bytes::from(chunk), file)))
    })
}

/// Delete an export (and its file): yours, or any as an admin.
#[utoipa::path(
    delete, path = "/api/exports/{id}", tag = "recordings",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    params(("id" = String, Path, format = "uuid", description = "Export id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such export of yours", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_export(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    recordings::forget(
        &state.db,
        &state.config.recordings,
        &auth.principal,
        export_id(&id)?,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An id that is no UUID names no export.
fn export_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found("no export with that id"))
}
