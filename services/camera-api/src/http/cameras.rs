//! `/api/cameras`: thin handlers over `crate::cameras`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Authorized, Operator, Viewer};
use super::extract::{JsonBody, Params};
use super::problem::{ApiError, Problem};
use crate::auth::Principal;
use crate::cameras::{
    self, Camera, CameraPatch, Cursor, Expected, ListFilter, Listed, NewCameraInput, Provisioning,
    RecordingView, Sort,
};
use crate::mediamtx::PathName;
use crate::validation::FieldErrors;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cameras, create_camera))
        .routes(routes!(get_camera, update_camera, delete_camera))
}

/// A camera as the API shows it: the stream URL's password is always masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct CameraView<'a> {
    pub id: i64,
    pub name: &'a str,
    /// The password, if any, reads `***`.
    #[schema(example = "rtsp://admin:***@192.0.2.10:554/stream1")]
    pub stream_url: &'a str,
    /// The second, low-resolution stream, if any; its password reads `***`.
    #[schema(example = "rtsp://admin:***@192.0.2.10:554/stream2")]
    pub sub_stream_url: Option<&'a str>,
    pub location: Option<&'a str>,
    pub enabled: bool,
    /// Whether MediaMTX pulls the stream only while someone watches; a
    /// recording camera is pulled all the time whatever this says.
    pub on_demand: bool,
    /// 0 means no limit.
    pub max_readers: i32,
    /// Users and tokens limited to groups see the camera when they share one.
    pub groups: Vec<&'a str>,
    pub recording: RecordingView,
    /// Its id in another system, if any.
    pub external_id: Option<&'a str>,
    /// Labels a MediaMTX node must carry to serve it; `{}` for none.
    #[schema(value_type = crate::validation::LabelsSchema)]
    pub node_labels: crate::validation::Labels,
    /// The MediaMTX path, `cam_<id>`.
    #[schema(value_type = String, example = "cam_42")]
    pub path: Link,
    /// Where the console plays the camera over HLS, through the edge (GET,
    /// with a video token as `Authorization: Bearer`; docs/video-access.md).
    #[schema(value_type = String, example = "/hls/cam_42/index.m3u8")]
    pub hls_url: Link,
    /// Its WebRTC (WHEP) endpoint, through the edge: POST an SDP offer
    /// (`application/sdp`) with a video token as `Authorization: Bearer`;
    /// the answer's `Location` is the session, to PATCH (trickle ICE) or
    /// DELETE. The media itself goes to MediaMTX's ICE port, 8189 UDP or TCP.
    #[schema(value_type = String, example = "/webrtc/cam_42/whep")]
    pub webrtc_url: Link,
    /// Where the sub-stream plays (null without one): the console's grid
    /// plays it, full screen plays the main stream.
    pub sub_stream: Option<StreamView>,
    #[serde(serialize_with = "crate::timestamps::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::timestamps::serialize")]
    pub updated_at: DateTime<Utc>,
    /// Where MediaMTX stands for this camera.
    pub provisioning: Provisioning,
}

/// Where one of a camera's streams plays: its MediaMTX path and the edge's
/// URLs for it (as `path`, `hls_url` and `webrtc_url` of the camera are for
/// its main stream).
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamView {
    #[schema(value_type = String, example = "cam_42_sub")]
    pub path: Link,
    #[schema(value_type = String, example = "/hls/cam_42_sub/index.m3u8")]
    pub hls_url: Link,
    #[schema(value_type = String, example = "/webrtc/cam_42_sub/whep")]
    pub webrtc_url: Link,
}

impl StreamView {
    fn of(path: PathName) -> Self {
        Self {
            path: Link::Path(path),
            hls_url: Link::Hls(path),
            webrtc_url: Link::Webrtc(path),
        }
    }
}

/// A stream's path, or where it plays through the edge: written straight
/// into the response, as a page holds up to six for each of its cameras.
#[derive(Debug, Clone, Copy)]
pub enum Link {
    Path(PathName),
    Hls(PathName),
    Webrtc(PathName),
}

impl std::fmt::Display for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Path(path) => write!(f, "{path}"),
            Self::Hls(path) => write!(f, "/hls/{path}/index.m3u8"),
            Self::Webrtc(path) => write!(f, "/webrtc/{path}/whep"),
        }
    }
}

/// Room for the longest link, `/webrtc/cam_<19 digits>_sub/whep`.
const LINK_MAX: usize = 64;

impl Serialize for Link {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Formatted first, then written once: through `collect_str` each
        // piece of the format was escaped for JSON on its own.
        let mut text = [0u8; LINK_MAX];
        let mut rest = &mut text[..];
        std::io::Write::write_fmt(&mut rest, format_args!("{self}")).expect("a link fits");
        let len = LINK_MAX - rest.len();
        serializer.serialize_str(std::str::from_utf8(&text[..len]).expect("a link is ASCII"))
    }
}

impl<'a> From<&'a Listed> for CameraView<'a> {
    fn from(camera: &'a Listed) -> Self {
        let main = StreamView::of(camera.path());
        Self {
            id: camera.id,
            name: camera.name(),
            stream_url: camera.stream_url(),
            sub_stream_url: camera.sub_stream_url(),
            location: camera.location(),
            enabled: camera.enabled,
            on_demand: camera.on_demand,
            max_readers: camera.max_readers,
            groups: camera.groups().collect(),
            recording: RecordingView::from(&camera.recording()),
            external_id: camera.external_id(),
            node_labels: camera.node_labels(),
            hls_url: main.hls_url,
            webrtc_url: main.webrtc_url,
            path: main.path,
            sub_stream: camera.sub_path().map(StreamView::of),
            created_at: camera.created_at(),
            updated_at: camera.updated_at(),
            provisioning: camera.provisioning(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CameraList<'a> {
    pub items: Vec<CameraView<'a>>,
    /// How many cameras match the filters, across all pages: exact when
    /// `total_exact`, else at least this many (so `offset + limit < total`
    /// while more follow). With `count=true` they are all counted; without,
    /// it is what the page shows: all of them on the last page of a list
    /// read by `offset`, else one more than the page reaches.
    pub total: i64,
    /// Whether `total` is the exact count.
    pub total_exact: bool,
    pub limit: i64,
    /// 0 for a page asked for by `cursor`.
    pub offset: i64,
    /// Pass it as `cursor` (with the same `sort`) for the page after this
    /// one; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of `GET /api/cameras`. Values arrive as text and are validated here,
/// so a bad one is a 422 that names the parameter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// How many cameras to skip (default 0). Each skipped camera is read, so
    /// for deep pages follow `next_cursor` instead.
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
    /// Start after the last camera of an earlier page: its `next_cursor`,
    /// as it was given, with the same `sort` (the other filters may change).
    /// Not with `offset`. Costs the same however deep the page.
    cursor: Option<String>,
    /// Case-insensitive substring of the name, location or a group (no
    /// control characters: none of them has any); one or two letters or
    /// digits match the start of the name instead.
    q: Option<String>,
    /// Only enabled (`true`) or disabled (`false`) cameras.
    #[param(value_type = Option<bool>)]
    enabled: Option<String>,
    // No `example` on filters: the API explorer fills it in as a value.
    /// Only these cameras: comma-separated ids such as `1,2,3`, at most 500
    /// (the page size then defaults to 500).
    ids: Option<String>,
    /// Only cameras in this group or a group under it (`site-2` takes
    /// `site-2.dock`); `GET /api/groups` lists them with their counts.
    group: Option<String>,
    /// Order: `id` (default), `name`, `location`, `created_at` or
    /// `updated_at`; a leading `-` reverses it (`-created_at`: newest
    /// first). Ties go by id.
    sort: Option<String>,
    /// `true` counts every matching camera for `total`; without it
    /// (`false`, the default) `total` only says how far the list reaches
    /// from this page.
    #[param(value_type = Option<bool>)]
    count: Option<String>,
}

/// At most this many ids in one `ids` list.
const IDS_MAX: usize = 500;

fn parse_ids(raw: &str) -> Result<Vec<i64>, String> {
    let ids: Option<Vec<i64>> = raw
        .split(',')
        .map(|id| id.trim().parse().ok().filter(|id: &i64| *id > 0))
        .collect();
    match ids {
        Some(ids) if ids.len() > IDS_MAX => Err(format!("at most {IDS_MAX} ids")),
        Some(ids) => Ok(ids),
        None => Err("must be camera ids separated by commas, e.g. 1,2,3".to_owned()),
    }
}

impl ListParams {
    pub(super) fn into_filter(self, by: &Principal) -> Result<ListFilter, ApiError> {
        let mut errors = FieldErrors::default();
        let ids = errors.check("ids", self.ids.as_deref().map(parse_ids).transpose());
        let default_limit = if self.ids.is_some() {
            IDS_MAX as i64
        } else {
            50
        };
        let limit = errors.check(
            "limit",
            int_in(self.limit.as_deref(), default_limit, 1, 500),
        );
        let offset = errors.check("offset", int_in(self.offset.as_deref(), 0, 0, i64::MAX));
        let enabled = errors.check(
            "enabled",
            self.enabled
                .as_deref()
                .map(|raw| boolean(Some(raw)))
                .transpose(),
        );
        let count = errors.check("count", boolean(self.count.as_deref()));
        let sort = errors.check(
            "sort",
            match self.sort.as_deref() {
                None => Ok(Sort::default()),
                Some(raw) => Sort::parse(raw).ok_or_else(|| {
                    "must be id, name, location, created_at or updated_at, optionally with a leading -"
                        .to_owned()
                }),
            },
        );
        let cursor = match (self.cursor.as_deref(), sort) {
            (Some(_), _) if offset.is_some_and(|offset| offset > 0) => {
                errors.push("offset", "must not be given with cursor");
                None
            }
            (Some(raw), Some(sort)) => errors.check("cursor", Cursor::parse(raw, sort)),
            _ => None,
        };
        let query = errors.check(
            "q",
            match self.q.as_deref().map(str::trim) {
                // PostgreSQL can't even compare text holding a NUL.
                Some(q) if q.chars().any(char::is_control) => {
                    Err("must not contain control characters".to_owned())
                }
                q => Ok(q.filter(|q| !q.is_empty()).map(str::to_owned)),
            },
        );
        let group = errors.check(
            "group",
            self.group
                .as_deref()
                .map(|group| {
                    crate::groups::parse_groups(&[group.to_owned()])
                        .map(|mut parsed| parsed.remove(0))
                })
                .transpose(),
        );
        errors.into_result().map_err(ApiError::invalid)?;
        Ok(ListFilter {
            limit: limit.unwrap_or_default(),
            offset: offset.unwrap_or_default(),
            query: query.flatten(),
            enabled: enabled.flatten(),
            ids: ids.flatten(),
            groups: by.groups.clone(),
            group: group.flatten(),
            sort: sort.unwrap_or_default(),
            cursor,
            count: count.unwrap_or_default(),
        })
    }
}

/// A boolean query parameter, false when absent.
fn boolean(raw: Option<&str>) -> Result<bool, String> {
    match raw {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err("must be true or false".to_owned()),
    }
}

pub(super) fn int_in(raw: Option<&str>, default: i64, min: i64, max: i64) -> Result<i64, String> {
    let Some(raw) = raw else { return Ok(default) };
    match raw.parse::<i64>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        _ if max == i64::MAX => Err(format!("must be a whole number of at least {min}")),
        _ => Err(format!("must be a whole number from {min} to {max}")),
    }
}

/// The camera's version as a strong entity tag.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::try_from(format!("\"{version}\"")).expect("digits are a valid header value")
}

/// `If-Match` as the registry understands it: `*`, or a list of entity tags.
/// A tag this service never issued can't match, so the write is refused.
pub(super) fn expected_version(headers: &HeaderMap) -> Option<Expected> {
    let values: Vec<&str> = headers
        .get_all(header::IF_MATCH)
        .iter()
        .map(|value| value.to_str().unwrap_or(""))
        .collect();
    if values.is_empty() {
        return None;
    }
    if values.iter().any(|value| value.trim() == "*") {
        return Some(Expected::Any);
    }
    let versions = values
        .iter()
        .flat_map(|value| value.split(','))
        .filter_map(|tag| {
            tag.trim()
                .strip_prefix('"')?
                .strip_suffix('"')?
                .parse()
                .ok()
        })
        .collect();
    Some(Expected::OneOf(versions))
}

/// Ids are positive integers; anything else can't name a camera, so it is a
/// 404 like any other missing camera.
pub(super) fn camera_id(raw: &str) -> Result<i64, ApiError> {
    super::users::row_id(raw, "camera")
}

fn camera_response(status: StatusCode, camera: &Camera) -> Response {
    (
        status,
        [(header::ETAG, etag(camera.version))],
        Json(CameraView::from(&Listed::from(camera))),
    )
        .into_response()
}

/// List cameras: one page, by `offset` or `cursor`, in the order `sort`
/// names (id by default).
#[utoipa::path(
    get, path = "/api/cameras", tag = "cameras",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    params(ListParams),
    responses(
        (status = 200, description = "One page of cameras", body = CameraList),
        (status = 422, description = "A query parameter is invalid, `errors` names it: among them a `cursor` that is not one this API gave out, or was made for another `sort` (start again without it), or a `cursor` with an `offset`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_cameras(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    Params(params): Params<ListParams>,
) -> Result<Response, ApiError> {
    let filter = params.into_filter(&auth.principal)?;
    // Taken before reading, so a change during the read makes the page stale.
    let version = state.events.version();
    if let Some(page) = version.and_then(|version| state.pages.get(&filter, version)) {
        return Ok(json_page(page));
    }
    // Written out while the catalog holds the page, rather than copied out.
    let page = state
        .catalog
        .page(&state.db, version, &filter, |page| {
            let page = CameraList {
                items: page.items.into_iter().map(CameraView::from).collect(),
                total: page.total,
                total_exact: page.total_exact,
                limit: filter.limit,
                offset: filter.offset,
                next_cursor: page.next_cursor.as_ref().map(Cursor::encode),
            };
            // About 1 KiB a camera: written without growing (and copying) it.
            let mut body = Vec::with_capacity(1024 * page.items.len() + 256);
            serde_json::to_writer(&mut body, &page).expect("a camera list serializes");
            Bytes::from(body)
        })
        .await?;
    if let Some(version) = version {
        state.pages.insert(filter, version, page.clone());
    }
    Ok(json_page(page))
}

fn json_page(page: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], page).into_response()
}

/// Add a camera.
#[utoipa::path(
    post, path = "/api/cameras", tag = "cameras",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    request_body = NewCameraInput,
    responses(
        (status = 201, description = "Created", body = CameraView,
            headers(("Location" = String, description = "URL of the new camera"), ("ETag" = String, description = "Version, for If-Match"))),
        (status = 409, description = "Another camera you can see has that name", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_camera(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
    JsonBody(input): JsonBody<NewCameraInput>,
) -> Result<Response, ApiError> {
    let camera = cameras::create(
        &state.db,
        &state.config.secret_key,
        &auth.principal,
        input,
        state.config.recordings.defaults,
    )
    .await?;
    tracing::info!(camera_id = camera.id, "camera created");
    let mut response = camera_response(StatusCode::CREATED, &camera);
    let location = HeaderValue::try_from(format!("/api/cameras/{}", camera.id))
        .expect("digits are a valid header value");
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// Get one camera.
#[utoipa::path(
    get, path = "/api/cameras/{id}", tag = "cameras",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    params(("id" = i64, Path, description = "Camera id")),
    responses(
        (status = 200, description = "The camera", body = CameraView,
            headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 404, description = "No such camera", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_camera(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let camera = cameras::get_seen_by(&state.db, &auth.principal, camera_id(&id)?).await?;
    Ok(camera_response(StatusCode::OK, &camera))
}

/// Change some fields of a camera. Send `If-Match` with the ETag you read to
/// be sure you don't overwrite someone else's change.
#[utoipa::path(
    patch, path = "/api/cameras/{id}", tag = "cameras",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    params(
        ("id" = i64, Path, description = "Camera id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version being edited"),
    ),
    request_body = CameraPatch,
    responses(
        (status = 200, description = "The updated camera", body = CameraView,
            headers(("ETag" = String, description = "New version"))),
        (status = 404, description = "No such camera", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another camera you can see has that name", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The camera changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_camera(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(patch): JsonBody<CameraPatch>,
) -> Result<Response, ApiError> {
    let id = camera_id(&id)?;
    let camera = cameras::update(
        &state.db,
        &state.config.secret_key,
        &auth.principal,
        id,
        patch,
        expected_version(&headers),
    )
    .await?;
    tracing::info!(
        camera_id = camera.id,
        version = camera.version,
        "camera updated"
    );
    Ok(camera_response(StatusCode::OK, &camera))
}

/// Delete a camera.
#[utoipa::path(
    delete, path = "/api/cameras/{id}", tag = "cameras",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    params(
        ("id" = i64, Path, description = "Camera id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version being deleted"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such camera", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The camera changed since that ETag", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_camera(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = camera_id(&id)?;
    cameras::delete(&state.db, &auth.principal, id, expected_version(&headers)).await?;
    tracing::info!(camera_id = id, "camera deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_written_as_json_strings_up_to_the_longest_id() {
        for id in [1, 42, i64::MAX] {
            for path in [PathName::main(id), PathName::sub(id)] {
                for link in [Link::Path(path), Link::Hls(path), Link::Webrtc(path)] {
                    assert_eq!(serde_json::to_string(&link).unwrap(), format!("\"{link}\""));
                }
            }
        }
        let longest = Link::Webrtc(PathName::sub(i64::MAX));
        assert_eq!(
            serde_json::to_value(longest).unwrap(),
            "/webrtc/cam_9223372036854775807_sub/whep"
        );
    }

    fn if_match(values: &[&'static str]) -> Option<Expected> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::IF_MATCH, HeaderValue::from_static(value));
        }
        expected_version(&headers)
    }

    #[test]
    fn if_match_forms() {
        assert_eq!(if_match(&[]), None);
        assert_eq!(if_match(&["*"]), Some(Expected::Any));
        assert_eq!(if_match(&["\"3\""]), Some(Expected::OneOf(vec![3])));
        assert_eq!(
            if_match(&["\"3\", \"5\""]),
            Some(Expected::OneOf(vec![3, 5]))
        );
        // Weak tags never match under If-Match (RFC 9110 strong comparison).
        assert_eq!(if_match(&["W/\"3\""]), Some(Expected::OneOf(vec![])));
        assert_eq!(if_match(&["garbage"]), Some(Expected::OneOf(vec![])));
    }

    #[test]
    fn ids_that_cannot_name_a_camera_are_not_found() {
        for bad in ["0", "-1", "abc", "1.5", "99999999999999999999", ""] {
            assert_eq!(
                camera_id(bad).unwrap_err().status(),
                StatusCode::NOT_FOUND,
                "{bad}"
            );
        }
        assert_eq!(camera_id("42").unwrap(), 42);
    }
}
