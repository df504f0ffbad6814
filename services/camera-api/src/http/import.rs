//! `/api/cameras/import` and `/api/cameras/export`: a site's cameras as one
//! CSV or JSON file, thin handlers over `crate::cameras`.

use axum::Json;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Authorized, Operator, Viewer};
use super::extract::Params;
use super::problem::{ApiError, Problem};
use crate::cameras::{self, Format, ImportOptions, ImportReport};
use crate::validation::FieldErrors;

/// 20,000 cameras of CSV fit in about 4 MiB; the edge allows the same.
pub const IMPORT_BODY_LIMIT: usize = 16 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_cameras))
        .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT))
        .routes(routes!(export_cameras))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportParams {
    /// `true`: validate every row and report, write nothing (default `false`).
    #[param(value_type = Option<bool>)]
    dry_run: Option<String>,
    /// `true` (the default): all rows are kept or, if any has an error, none.
    /// `false`: the good rows are kept and the others reported.
    #[param(value_type = Option<bool>)]
    atomic: Option<String>,
}

fn boolean(raw: Option<&str>, default: bool) -> Result<bool, String> {
    match raw {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err("must be true or false".to_owned()),
    }
}

/// Create or update many cameras from CSV (`text/csv`, a header row naming
/// the columns: name, stream_url, location, enabled, on_demand, max_readers,
/// groups separated by `;`, recording, retention, storage_budget_bytes,
/// external_id) or JSON (`application/json`, an array of camera objects as
/// `POST /api/cameras` takes, with `external_id`). A row updates the camera
/// with its `external_id`, else the one with its name, and creates one
/// otherwise; empty cells keep a camera's values (or take the defaults).
/// Importing the same file again changes nothing. At most 20,000 rows.
#[utoipa::path(
    post, path = "/api/cameras/import", tag = "cameras",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    params(ImportParams),
    request_body(content = String, content_type = "text/csv",
        description = "CSV, or application/json: an array of cameras"),
    responses(
        (status = 200, description = "Each row's outcome; `applied` says whether anything was kept", body = ImportReport),
        (status = 413, description = "Over 16 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither CSV nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not rows of cameras (field `body`), or a bad parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn import_cameras(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
    Params(params): Params<ImportParams>,
    request: Request,
) -> Result<Json<ImportReport>, ApiError> {
    let mut errors = FieldErrors::default();
    let dry_run = errors.check("dry_run", boolean(params.dry_run.as_deref(), false));
    let atomic = errors.check("atomic", boolean(params.atomic.as_deref(), true));
    errors.into_result().map_err(ApiError::invalid)?;
    let format = body_format(request.headers().get(header::CONTENT_TYPE))?;
    let body = Bytes::from_request(request, &state)
        .await
        .map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                format!("an import must be at most {IMPORT_BODY_LIMIT} bytes; split it"),
            ),
            _ => ApiError::bad_request("the request body could not be read"),
        })?;
    let options = ImportOptions {
        dry_run: dry_run.unwrap_or_default(),
        atomic: atomic.unwrap_or(true),
    };
    let report = cameras::import(
        &state.db,
        &state.config.secret_key,
        &auth.principal,
        &body,
        format,
        options,
        state.config.recordings.defaults,
    )
    .await?;
    tracing::info!(
        created = report.created,
        updated = report.updated,
        refused = report.errors,
        applied = report.applied,
        "cameras imported"
    );
    Ok(Json(report))
}

fn body_format(content_type: Option<&HeaderValue>) -> Result<Format, ApiError> {
    let essence = content_type
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("text/csv") => Ok(Format::Csv),
        Some("application/json") => Ok(Format::Json),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "send the cameras as text/csv or application/json",
        )),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportParams {
    /// `csv` (the default) or `json`.
    format: Option<String>,
}

/// Every camera you see, as a file `POST /api/cameras/import` takes back:
/// passwords masked (`***`, which keeps a camera's stored password when
/// imported again). Audited.
#[utoipa::path(
    get, path = "/api/cameras/export", tag = "cameras",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    params(ExportParams),
    responses(
        (status = 200, description = "The cameras, as an attachment",
            content((String = "text/csv"), (String = "application/json"))),
        (status = 422, description = "An unknown format", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn export_cameras(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    Params(params): Params<ExportParams>,
) -> Result<Response, ApiError> {
    let (format, content_type, extension) = match params.format.as_deref() {
        None | Some("csv") => (Format::Csv, "text/csv; charset=utf-8", "csv"),
        Some("json") => (Format::Json, "application/json", "json"),
        Some(_) => {
            return Err(ApiError::invalid(vec![crate::validation::FieldError::new(
                "format",
                "must be csv or json",
            )]));
        }
    };
    let file = cameras::export(&state.db, &auth.principal, format).await?;
    let disposition = format!("attachment; filename=\"cameras.{extension}\"");
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file,
    )
        .into_response())
}
