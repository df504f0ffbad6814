//! `GET /api/cameras/{id}/snapshot`: a JPEG of the camera, with HTTP caching.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Authorized, Viewer};
use super::cameras::{camera_id, int_in};
use super::extract::Params;
use super::problem::{ApiError, Problem};
use crate::auth::video;
use crate::cameras;
use crate::media::{Served, SnapshotRequest};
use crate::nodes;
use crate::validation::FieldErrors;

/// Set on a fallback image: why a fresh one could not be had.
pub const SNAPSHOT_ERROR: HeaderName = HeaderName::from_static("camplane-snapshot-error");

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(snapshot))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SnapshotParams {
    /// Scale to this width (16 to 1920), keeping the aspect ratio.
    #[param(value_type = Option<u32>, minimum = 16, maximum = 1920)]
    width: Option<String>,
    /// Seconds: a cached image this young is served as is (default 5).
    #[param(value_type = Option<u32>, minimum = 0, maximum = 3600)]
    max_age: Option<String>,
    /// `last`: when no fresh image can be had, send the last good one
    /// (with its `Age`) instead of an error.
    fallback: Option<String>,
}

impl SnapshotParams {
    fn validate(self) -> Result<(Option<u32>, Duration, bool), ApiError> {
        let mut errors = FieldErrors::default();
        let width = errors.check(
            "width",
            self.width
                .as_deref()
                .map(|w| int_in(Some(w), 0, 16, 1920))
                .transpose(),
        );
        let max_age = errors.check("max_age", int_in(self.max_age.as_deref(), 5, 0, 3600));
        let fallback = errors.check(
            "fallback",
            match self.fallback.as_deref() {
                None => Ok(false),
                Some("last") => Ok(true),
                Some(_) => Err("the only fallback is `last`".to_owned()),
            },
        );
        errors.into_result().map_err(ApiError::invalid)?;
        let width = width
            .flatten()
            .map(|w| u32::try_from(w).expect("checked range"));
        let max_age = Duration::from_secs(max_age.unwrap_or(5).unsigned_abs());
        Ok((width, max_age, fallback.unwrap_or(false)))
    }
}

/// A still image of the camera. Read from MediaMTX's re-stream when
/// `MEDIAMTX_RTSP_URL` is set (the camera keeps one session however many
/// viewers), else from the camera. Concurrent requests share one ffmpeg.
#[utoipa::path(
    get, path = "/api/cameras/{id}/snapshot", tag = "status",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    params(("id" = i64, Path, description = "Camera id"), SnapshotParams,
        ("If-None-Match" = Option<String>, Header, description = "ETag of an image you have")),
    responses(
        (status = 200, description = "The image", content_type = "image/jpeg", body = Vec<u8>,
            headers(("ETag" = String), ("Last-Modified" = String), ("Cache-Control" = String),
                ("Age" = Option<u64>, description = "Seconds since the image was taken, when it was not taken for this request"),
                ("Camplane-Snapshot-Error" = Option<String>, description = "On a `fallback=last` image: the code of the failed fresh attempt"))),
        (status = 304, description = "The image you have is still current"),
        (status = 404, description = "No such camera", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The camera could not be read; `code` says why (AUTH, NOT_FOUND, UNREACHABLE, BAD_STREAM, FFMPEG_EXIT)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many probes and snapshots are queued, or none could start in time to answer within CAMPLANE_REQUEST_TIMEOUT (`busy`); see Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "The camera did not answer within CAMPLANE_SNAPSHOT_TIMEOUT (`code` TIMEOUT)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn snapshot(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    Path(id): Path<String>,
    Params(params): Params<SnapshotParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = camera_id(&id)?;
    let (width, max_age, fallback) = params.validate()?;
    // The hot path of a mosaic's posters: a young image is served without
    // touching the database (a deleted or changed camera's images are
    // dropped on every replica as the change is announced), unless the
    // principal is limited to groups.
    let seen = match auth.principal.groups {
        None => None,
        Some(_) => Some(cameras::get_seen_by(&state.db, &auth.principal, id).await?),
    };
    if let Some(served) = state.media.fresh(id, width, max_age) {
        return Ok(image_response(&served, max_age, &headers));
    }
    let camera = match seen {
        Some(camera) => camera,
        None => cameras::get(&state.db, id).await?,
    };
    let (pass, node) = match state.media.reads_restream() {
        true => (
            Some(video::issue_media_pass(&state.db, &camera.path()).await?),
            nodes::restream_of_camera(&state.db, id).await?,
        ),
        false => (None, None),
    };
    let key = &state.config.secret_key;
    let request = SnapshotRequest {
        camera_id: id,
        source: state
            .media
            .snapshot_source(&camera, key, pass.as_ref(), node.as_ref())?,
        width,
        max_age,
        fallback,
    };
    let served = state.media.snapshot(request).await?;
    Ok(image_response(&served, max_age, &headers))
}

fn image_response(served: &Served, max_age: Duration, request: &HeaderMap) -> Response {
    let image = &served.image;
    let etag = HeaderValue::from_str(&image.etag).expect("digits and quotes");
    let age = image.age().as_secs();
    // A fallback is stale by definition: always ask again.
    let cache_control = match served.failure {
        Some(_) => "no-cache".to_owned(),
        None => format!("private, max-age={}", max_age.as_secs().saturating_sub(age)),
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, etag.clone());
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&cache_control).expect("ascii"),
    );
    let modified = image
        .taken_at
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    headers.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_str(&modified).expect("ascii"),
    );
    if served.cached {
        headers.insert(header::AGE, HeaderValue::from(age));
    }
    if let Some(failure) = &served.failure {
        headers.insert(
            SNAPSHOT_ERROR,
            HeaderValue::from_static(failure.code.as_str()),
        );
    }
    let matches = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| tag.trim() == "*" || tag.trim() == image.etag);
    if matches {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    (StatusCode::OK, headers, image.jpeg.clone()).into_response()
}
