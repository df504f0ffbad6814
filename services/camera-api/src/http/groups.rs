//! `/api/groups`: the camera groups you see, with how many cameras each has.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Authorized, Viewer};
use super::problem::{ApiError, Problem};
use crate::cameras;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_groups))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupCount {
    /// A group, or a level above groups: `site-2` for `site-2.dock`.
    #[schema(example = "site-2")]
    pub name: String,
    /// Cameras in it or in a group under it, each once.
    pub cameras: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupCounts {
    /// By name; a dot in a name makes a level of the tree.
    pub groups: Vec<GroupCount>,
    /// Cameras in no group.
    pub ungrouped: i64,
}

/// The groups of the cameras you see, as a tree (`site-2.dock` is under
/// `site-2`), with how many cameras each holds; filter the camera list by
/// one with `GET /api/cameras?group=`.
#[utoipa::path(
    get, path = "/api/groups", tag = "cameras",
    security(("token" = ["viewer"]), ("session" = ["viewer"])),
    responses(
        (status = 200, description = "Every group level with its camera count", body = GroupCounts),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_groups(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
) -> Result<Json<GroupCounts>, ApiError> {
    let (groups, ungrouped) = cameras::count_by_group(&state.db, &auth.principal).await?;
    Ok(Json(GroupCounts {
        groups: groups
            .into_iter()
            .map(|(name, cameras)| GroupCount { name, cameras })
            .collect(),
        ungrouped,
    }))
}
