//! `/api/users`: console users, for admins.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Admin, Authorized};
use super::extract::JsonBody;
use super::problem::{ApiError, Problem};
use crate::auth::users::{self, NewUserInput, User, UserPatch};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user, delete_user))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<User>,
}

/// A path id that can't name a row is a 404, like a row that isn't there.
pub fn row_id(raw: &str, what: &'static str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found(format!("no {what} with that id")))
}

/// List users, by username.
#[utoipa::path(
    get, path = "/api/users", tag = "access",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    responses(
        (status = 200, description = "Every user", body = UserList),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_users(
    State(state): State<AppState>,
    _auth: Authorized<Admin>,
) -> Result<Json<UserList>, ApiError> {
    Ok(Json(UserList {
        items: users::list(&state.db).await?,
    }))
}

/// Add a user.
#[utoipa::path(
    post, path = "/api/users", tag = "access",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    request_body = NewUserInput,
    responses(
        (status = 201, description = "Created", body = User),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or no X-CSRF-Token with the cookie", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    auth: Authorized<Admin>,
    JsonBody(input): JsonBody<NewUserInput>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let user = users::create(&state.db, &auth.principal.actor(), input).await?;
    tracing::info!(
        user = user.username,
        role = user.role.as_str(),
        "user created"
    );
    Ok((StatusCode::CREATED, Json(user)))
}

/// Change a user's password, role, groups or state. Any change ends the
/// user's sessions and video tokens.
#[utoipa::path(
    patch, path = "/api/users/{id}", tag = "access",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The user", body = User),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or no X-CSRF-Token with the cookie", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It would leave no enabled admin (`last-admin`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_user(
    State(state): State<AppState>,
    auth: Authorized<Admin>,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<UserPatch>,
) -> Result<Json<User>, ApiError> {
    let id = row_id(&id, "user")?;
    let user = users::update(&state.db, &auth.principal.actor(), id, patch).await?;
    tracing::info!(user = user.username, "user updated");
    Ok(Json(user))
}

/// Delete a user; their sessions end.
#[utoipa::path(
    delete, path = "/api/users/{id}", tag = "access",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or no X-CSRF-Token with the cookie", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is the last enabled admin (`last-admin`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_user(
    State(state): State<AppState>,
    auth: Authorized<Admin>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    users::delete(&state.db, &auth.principal.actor(), row_id(&id, "user")?).await?;
    tracing::info!(user_id = id, "user deleted");
    Ok(StatusCode::NO_CONTENT)
}
