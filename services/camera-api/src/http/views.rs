//! `/api/views`: thin handlers over `crate::views`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Authorized, Viewer};
use super::cameras::{etag, expected_version};
use super::extract::JsonBody;
use super::problem::{ApiError, Problem};
use super::users::row_id;
use crate::views::{self, NewViewInput, View, ViewPatch};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_views, create_view))
        .routes(routes!(update_view, delete_view))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViewList {
    /// The caller's own views and every shared one, by name.
    pub items: Vec<View>,
}

fn view_response(status: StatusCode, view: &View) -> Response {
    (status, [(header::ETAG, etag(view.version))], Json(view)).into_response()
}

/// List the saved views the caller sees: its own, personal or shared, and
/// every shared view. Tiles of cameras the caller can't see read `null`.
#[utoipa::path(
    get, path = "/api/views", tag = "views",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    responses(
        (status = 200, description = "The views", body = ViewList),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_views(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
) -> Result<Json<ViewList>, ApiError> {
    Ok(Json(ViewList {
        items: views::list(&state.db, &auth.principal).await?,
    }))
}

/// Save a view. Anyone signed in may keep personal views; sharing one
/// takes an operator or an admin.
#[utoipa::path(
    post, path = "/api/views", tag = "views",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    request_body = NewViewInput,
    responses(
        (status = 201, description = "Saved", body = View,
            headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 403, description = "A viewer asked to share it (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken among the caller's views or the shared ones (`conflict`), or the caller keeps the most views allowed (`too-many-views`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, among them a tile naming a camera the caller can't see", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_view(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    JsonBody(input): JsonBody<NewViewInput>,
) -> Result<Response, ApiError> {
    let view = views::create(&state.db, &auth.principal, input).await?;
    tracing::info!(view_id = view.id, shared = view.shared, "view saved");
    Ok(view_response(StatusCode::CREATED, &view))
}

/// Change some fields of a view: its owner may, and an admin a shared
/// one. Send `If-Match` with its `version` to change only what you read.
#[utoipa::path(
    patch, path = "/api/views/{id}", tag = "views",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    params(
        ("id" = i64, Path, description = "View id"),
        ("If-Match" = Option<String>, Header, description = "The version being edited, as `\"<version>\"`"),
    ),
    request_body = ViewPatch,
    responses(
        (status = 200, description = "The changed view", body = View,
            headers(("ETag" = String, description = "New version"))),
        (status = 403, description = "A shared view of someone else, and the caller is not an admin; or a viewer asked to share it (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such view among those the caller sees", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken among the owner's views or the shared ones", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The view changed since that version", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_view(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(patch): JsonBody<ViewPatch>,
) -> Result<Response, ApiError> {
    let id = row_id(&id, "view")?;
    let view = views::update(
        &state.db,
        &auth.principal,
        id,
        patch,
        expected_version(&headers),
    )
    .await?;
    tracing::info!(view_id = id, version = view.version, "view updated");
    Ok(view_response(StatusCode::OK, &view))
}

/// Delete a view: its owner may, and an admin a shared one.
#[utoipa::path(
    delete, path = "/api/views/{id}", tag = "views",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    params(
        ("id" = i64, Path, description = "View id"),
        ("If-Match" = Option<String>, Header, description = "The version being deleted, as `\"<version>\"`"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "A shared view of someone else, and the caller is not an admin (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such view among those the caller sees", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The view changed since that version", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_view(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = row_id(&id, "view")?;
    views::delete(&state.db, &auth.principal, id, expected_version(&headers)).await?;
    tracing::info!(view_id = id, "view deleted");
    Ok(StatusCode::NO_CONTENT)
}
