//! `/api/nodes`: the MediaMTX nodes cameras are placed on, for admins.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Admin, Authorized};
use super::cameras::{etag, expected_version};
use super::extract::JsonBody;
use super::problem::{ApiError, Problem};
use super::users::row_id;
use crate::nodes::{self, NewNodeInput, Node, NodePatch};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_nodes, create_node))
        .routes(routes!(update_node, delete_node))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NodeList {
    /// Every registered node, by name. Empty: the MediaMTX of the service's
    /// settings (`MEDIAMTX_API_URL`) serves every camera.
    pub items: Vec<Node>,
}

fn node_response(status: StatusCode, node: &Node) -> Response {
    (status, [(header::ETAG, etag(node.version))], Json(node)).into_response()
}

/// List the MediaMTX nodes with their health and how many cameras each
/// serves.
#[utoipa::path(
    get, path = "/api/nodes", tag = "nodes",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    responses(
        (status = 200, description = "The nodes", body = NodeList),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_nodes(
    State(state): State<AppState>,
    _auth: Authorized<Admin>,
) -> Result<Json<NodeList>, ApiError> {
    Ok(Json(NodeList {
        items: nodes::list(&state.db).await?,
    }))
}

/// Register a MediaMTX node. From the first one on, cameras are placed on
/// registered nodes only: register the MediaMTX that serves them today
/// first (see docs/nodes.md).
#[utoipa::path(
    post, path = "/api/nodes", tag = "nodes",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    request_body = NewNodeInput,
    responses(
        (status = 201, description = "Registered; cameras are placed on it from the next pass", body = Node,
            headers(("ETag" = String, description = "Version, for If-Match"))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another node has that name or API address (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_node(
    State(state): State<AppState>,
    auth: Authorized<Admin>,
    JsonBody(input): JsonBody<NewNodeInput>,
) -> Result<Response, ApiError> {
    let node = nodes::create(&state.db, &auth.principal, input).await?;
    tracing::info!(node_id = node.id, "node registered");
    Ok(node_response(StatusCode::CREATED, &node))
}

/// Change some fields of a node: `draining: true` moves its cameras to
/// other nodes (before maintenance), `false` lets it take cameras again.
#[utoipa::path(
    patch, path = "/api/nodes/{id}", tag = "nodes",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    params(
        ("id" = i64, Path, description = "Node id"),
        ("If-Match" = Option<String>, Header, description = "The version being edited, as `\"<version>\"`"),
    ),
    request_body = NodePatch,
    responses(
        (status = 200, description = "The changed node", body = Node,
            headers(("ETag" = String, description = "New version"))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such node", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another node has that name or API address (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The node changed since that version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_node(
    State(state): State<AppState>,
    auth: Authorized<Admin>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(patch): JsonBody<NodePatch>,
) -> Result<Response, ApiError> {
    let id = row_id(&id, "node")?;
    let node = nodes::update(
        &state.db,
        &auth.principal,
        id,
        patch,
        expected_version(&headers),
    )
    .await?;
    tracing::info!(node_id = id, version = node.version, "node updated");
    Ok(node_response(StatusCode::OK, &node))
}

/// Delete a node that serves no camera (drain it first).
#[utoipa::path(
    delete, path = "/api/nodes/{id}", tag = "nodes",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    params(
        ("id" = i64, Path, description = "Node id"),
        ("If-Match" = Option<String>, Header, description = "The version being deleted, as `\"<version>\"`"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such node", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It still serves cameras (`node-in-use`): drain it and wait until it serves none", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The node changed since that version", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_node(
    State(state): State<AppState>,
    auth: Authorized<Admin>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = row_id(&id, "node")?;
    nodes::delete(&state.db, &auth.principal, id, expected_version(&headers)).await?;
    tracing::info!(node_id = id, "node deleted");
    Ok(StatusCode::NO_CONTENT)
}
