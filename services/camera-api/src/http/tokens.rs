//! `/api/tokens`: API tokens for OpenAPI clients, for admins.

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
use super::users::row_id;
use crate::auth::tokens::{self, ApiToken, NewApiToken, NewApiTokenInput};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenList {
    pub items: Vec<ApiToken>,
}

/// List API tokens, newest first, revoked ones included. Secrets are never
/// shown again.
#[utoipa::path(
    get, path = "/api/tokens", tag = "access",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    responses(
        (status = 200, description = "Every token", body = ApiTokenList),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_tokens(
    State(state): State<AppState>,
    _auth: Authorized<Admin>,
) -> Result<Json<ApiTokenList>, ApiError> {
    Ok(Json(ApiTokenList {
        items: tokens::list(&state.db).await?,
    }))
}

/// Make an API token. The response is the only place its secret appears:
/// store it now.
#[utoipa::path(
    post, path = "/api/tokens", tag = "access",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    request_body = NewApiTokenInput,
    responses(
        (status = 201, description = "Created; `token` is shown this once", body = NewApiToken),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or no X-CSRF-Token with the cookie", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_token(
    State(state): State<AppState>,
    auth: Authorized<Admin>,
    JsonBody(input): JsonBody<NewApiTokenInput>,
) -> Result<(StatusCode, Json<NewApiToken>), ApiError> {
    let token = tokens::create(&state.db, &auth.principal.actor(), input).await?;
    tracing::info!(
        token_id = token.token_info.id,
        role = token.token_info.role.as_str(),
        "API token created"
    );
    Ok((StatusCode::CREATED, Json(token)))
}

/// Revoke an API token: it stops working at once, and so do the video
/// tokens issued to it. It stays listed, with `revoked_at`.
#[utoipa::path(
    delete, path = "/api/tokens/{id}", tag = "access",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or no X-CSRF-Token with the cookie", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    auth: Authorized<Admin>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = row_id(&id, "token")?;
    tokens::revoke(&state.db, &auth.principal.actor(), id).await?;
    tracing::info!(token_id = id, "API token revoked");
    Ok(StatusCode::NO_CONTENT)
}
