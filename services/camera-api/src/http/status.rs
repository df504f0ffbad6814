//! Camera status and probes: thin handlers over `crate::status` and
//! `crate::media`.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Authorized, Operator, Viewer};
use super::cameras::{ListParams, camera_id};
use super::extract::{JsonBody, Params};
use super::problem::{ApiError, Problem};
use crate::cameras::{self, Cursor, ListFilter, Listed, StreamUrl};
use crate::media::Probe;
use crate::status::{self, CameraStatus};
use crate::validation::FieldError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_statuses))
        .routes(routes!(camera_status))
        .routes(routes!(probe_camera))
        .routes(routes!(probe_url))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusList {
    pub items: Vec<CameraStatus>,
    /// How many cameras match the filters, across all pages: as in the
    /// camera list, exact when `total_exact` (always with `state`, which
    /// reads every matching camera), else at least this many.
    pub total: i64,
    pub total_exact: bool,
    /// The `cursor` of the next page, as in the camera list (never with
    /// `state`, which pages by `offset` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The status filter of `GET /api/cameras/status`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StateParam {
    /// Only cameras in this state (`live`, `idle`, `offline`, `disabled` or
    /// `error`); paging then applies to the cameras in that state.
    #[param(value_type = Option<crate::status::State>)]
    state: Option<String>,
}

/// The status of many cameras at once: those in `ids`, or else one page of
/// the camera list (same filters and order as `GET /api/cameras`, plus
/// `state`). Asks MediaMTX once, however many cameras.
#[utoipa::path(
    get, path = "/api/cameras/status", tag = "status",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    params(ListParams, StateParam),
    responses(
        (status = 200, description = "Status of each camera found, ordered by id", body = StatusList),
        (status = 422, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_statuses(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    Params(params): Params<ListParams>,
    Params(wanted): Params<StateParam>,
) -> Result<Json<StatusList>, ApiError> {
    let mut filter = params.into_filter(&auth.principal)?;
    let wanted = match wanted.state.as_deref() {
        None => None,
        Some(raw) => Some(status::State::parse(raw).ok_or_else(|| {
            ApiError::invalid(vec![FieldError::new(
                "state",
                "must be live, idle, offline, disabled or error",
            )])
        })?),
    };
    let version = state.events.version();
    let Some(wanted) = wanted else {
        let (cameras, total, total_exact, next_cursor) = listed(&state, version, &filter).await?;
        let items = status::of_cameras(&state.db, &state.mediamtx, &cameras).await?;
        return Ok(Json(StatusList {
            items,
            total,
            total_exact,
            next_cursor: next_cursor.as_ref().map(Cursor::encode),
        }));
    };
    // A state is known only once derived, so every camera the filter keeps
    // is derived, a chunk at a time (still one MediaMTX call), and the page
    // is cut from those in the state.
    let skip = usize::try_from(filter.offset).unwrap_or(usize::MAX);
    let take = usize::try_from(filter.limit).unwrap_or(usize::MAX);
    filter.limit = status::CHUNK as i64;
    filter.offset = 0;
    // Counted below, from every camera derived.
    filter.count = false;
    let paths = status::RuntimePaths::now(&state.db, &state.mediamtx).await;
    let (mut total, mut items) = (0, Vec::new());
    loop {
        let (cameras, _, _, next_cursor) = listed(&state, version, &filter).await?;
        for status in status::of_cameras_in(&state.db, &paths, &cameras).await? {
            if status.state == wanted {
                if total >= skip && items.len() < take {
                    items.push(status);
                }
                total += 1;
            }
        }
        match next_cursor {
            Some(cursor) => filter.cursor = Some(cursor),
            None => break,
        }
    }
    Ok(Json(StatusList {
        items,
        total: total as i64,
        total_exact: true,
        next_cursor: None,
    }))
}

/// The page `filter` selects, as of the hub's `version`: copied out of the
/// catalog, as a status waits on MediaMTX.
async fn listed(
    state: &AppState,
    version: Option<u64>,
    filter: &ListFilter,
) -> Result<(Vec<Listed>, i64, bool, Option<Cursor>), ApiError> {
    let page = state.catalog.page(&state.db, version, filter, |page| {
        let items: Vec<Listed> = page.items.into_iter().cloned().collect();
        (items, page.total, page.total_exact, page.next_cursor)
    });
    Ok(page.await?)
}

/// Whether a camera is live, idle, offline, disabled or in error, and why.
#[utoipa::path(
    get, path = "/api/cameras/{id}/status", tag = "status",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    params(("id" = i64, Path, description = "Camera id")),
    responses(
        (status = 200, description = "The camera's status", body = CameraStatus),
        (status = 404, description = "No such camera", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn camera_status(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    Path(id): Path<String>,
) -> Result<Json<CameraStatus>, ApiError> {
    let camera = cameras::get_seen_by(&state.db, &auth.principal, camera_id(&id)?).await?;
    let mut statuses =
        status::of_cameras(&state.db, &state.mediamtx, &[Listed::from(&camera)]).await?;
    Ok(Json(statuses.remove(0)))
}

/// A camera's probe: its main stream's, and its sub-stream's beside it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CameraProbe {
    #[serde(flatten)]
    pub probe: Probe,
    /// The sub-stream's probe, made at the same time (null without one).
    pub sub_stream: Option<Probe>,
}

/// Probe the camera now with ffprobe, its sub-stream too. A stream that
/// can't be read is a `200` with `ok: false` and a `code`; the result is
/// kept and shown in the camera's status.
#[utoipa::path(
    post, path = "/api/cameras/{id}/probe", tag = "status",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    params(("id" = i64, Path, description = "Camera id")),
    responses(
        (status = 200, description = "The probe's outcome", body = CameraProbe),
        (status = 404, description = "No such camera", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many probes and snapshots are queued, or none could start in time to answer within CAMPLANE_REQUEST_TIMEOUT (`busy`), or the database is unavailable; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn probe_camera(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
    Path(id): Path<String>,
) -> Result<Json<CameraProbe>, ApiError> {
    let camera = cameras::get_seen_by(&state.db, &auth.principal, camera_id(&id)?).await?;
    let key = &state.config.secret_key;
    let url = camera.source_url(key)?;
    let sub_url = camera.sub_source_url(key).transpose()?;
    // Side by side: each takes its own ffmpeg slot.
    let (probe, sub_stream) = tokio::join!(state.media.probe(&url), async {
        match &sub_url {
            Some(sub_url) => state.media.probe(sub_url).await.map(Some),
            None => Ok(None),
        }
    });
    let (probe, sub_stream) = (probe?, sub_stream?);
    status::record_probe(&state.db, camera.id, &probe, sub_stream.as_ref()).await?;
    tracing::info!(camera_id = camera.id, ok = probe.ok, code = ?probe.code, rtt_ms = probe.rtt_ms, sub_ok = sub_stream.as_ref().map(|sub| sub.ok), "camera probed");
    Ok(Json(CameraProbe { probe, sub_stream }))
}

/// Body of `POST /api/probe`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeInput {
    /// The URL to try, as it would be saved.
    #[schema(schema_with = cameras::stream_url_schema)]
    pub stream_url: String,
    /// When editing a camera: a `***` password in `stream_url` means this
    /// camera's stored one.
    pub camera_id: Option<i64>,
}

/// Probe a stream URL that is not saved yet ("Test connection").
#[utoipa::path(
    post, path = "/api/probe", tag = "status",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    request_body = ProbeInput,
    responses(
        (status = 200, description = "The probe's outcome", body = Probe),
        (status = 404, description = "`camera_id` names no camera", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The URL is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many probes and snapshots are queued, or none could start in time to answer within CAMPLANE_REQUEST_TIMEOUT (`busy`); see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn probe_url(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
    JsonBody(input): JsonBody<ProbeInput>,
) -> Result<Json<Probe>, ApiError> {
    let invalid = |message: String| ApiError::invalid(vec![FieldError::new("stream_url", message)]);
    let mut url = StreamUrl::parse_input(&input.stream_url).map_err(invalid)?;
    if url.has_password_mask() {
        let Some(id) = input.camera_id else {
            return Err(invalid(
                "the password is masked: type it, or send camera_id to use the stored one".into(),
            ));
        };
        let key = &state.config.secret_key;
        url = cameras::unmask_for_probe(&state.db, key, &auth.principal, id, url).await?;
    }
    Ok(Json(state.media.probe(&url).await?))
}
