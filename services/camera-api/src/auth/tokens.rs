//! API tokens for OpenAPI clients: made by an admin, shown once, stored as a
//! hash, with a role, optional camera groups and expiry; revoked, never
//! deleted, so the audit log's `token:<name>#<id>` keeps meaning something.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;

use super::{Error, Principal, PrincipalKind, Result, Role, act_as, bearer};
use crate::audit;
use crate::groups::parse_groups;
use crate::validation::FieldErrors;

const NAME_MAX: usize = 100;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    /// What the token is for, e.g. `nightly export`.
    pub name: String,
    pub role: Role,
    /// `null`: every camera; otherwise only cameras sharing one of these groups.
    #[schema(required = true)]
    pub groups: Option<Vec<String>>,
    /// The admin who made it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// `null`: never expires.
    #[schema(required = true)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute.
    #[schema(required = true)]
    pub last_used_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Body of `POST /api/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiTokenInput {
    #[schema(example = "nightly export")]
    pub name: String,
    pub role: Role,
    /// Limit the token to cameras in these groups; leave out for every camera.
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    /// When it stops working; leave out for never.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new token: the only time its secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewApiToken {
    #[serde(flatten)]
    pub token_info: ApiToken,
    /// Send as `Authorization: Bearer <token>`. It can't be shown again.
    #[schema(example = "cpl_3q2v…")]
    pub token: String,
}

fn parse_name(raw: &str) -> Result<String, String> {
    crate::validation::parse_label(raw, NAME_MAX)
}

pub async fn create(db: &PgPool, actor: &str, input: NewApiTokenInput) -> Result<NewApiToken> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", parse_name(&input.name));
    let groups = errors.check(
        "groups",
        input.groups.as_deref().map(parse_groups).transpose(),
    );
    if input.expires_at.is_some_and(|at| at <= Utc::now()) {
        errors.push("expires_at", "must be in the future");
    }
    errors.into_result().map_err(Error::Invalid)?;
    let token = bearer::generate("cpl_");
    let groups = groups.flatten();
    let mut tx = db.begin().await?;
    act_as(&mut tx, actor).await?;
    let token_info = sqlx::query_as!(
        ApiToken,
        r#"INSERT INTO api_tokens (name, token_hash, role, groups, created_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING id, name, role AS "role: _", groups, created_by, created_at, expires_at,
                     last_used_at, revoked_at"#,
        name,
        bearer::hash(&token),
        input.role.as_str(),
        groups.as_deref(),
        actor,
        input.expires_at,
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        "token.create",
        serde_json::json!({"token": view(&token_info)}),
    )
    .await?;
    tx.commit().await?;
    Ok(NewApiToken { token_info, token })
}

fn view(token: &ApiToken) -> serde_json::Value {
    serde_json::json!({
        "id": token.id,
        "name": token.name,
        "role": token.role,
        "groups": token.groups,
        "expires_at": token.expires_at,
    })
}

pub async fn list(db: &PgPool) -> Result<Vec<ApiToken>> {
    Ok(sqlx::query_as!(
        ApiToken,
        r#"SELECT id, name, role AS "role: _", groups, created_by, created_at, expires_at,
                  last_used_at, revoked_at
           FROM api_tokens ORDER BY id DESC"#
    )
    .fetch_all(db)
    .await?)
}

/// Revokes the token and the video credentials issued to it; revoking a
/// revoked token changes nothing.
pub async fn revoke(db: &PgPool, actor: &str, id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    act_as(&mut tx, actor).await?;
    let token = sqlx::query_as!(
        ApiToken,
        r#"UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
           RETURNING id, name, role AS "role: _", groups, created_by, created_at, expires_at,
                     last_used_at, revoked_at"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound("token"))?;
    sqlx::query!("DELETE FROM video_tokens WHERE api_token_id = $1", id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        "token.revoke",
        serde_json::json!({"token": view(&token)}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The principal behind a bearer token, if it is live, and when the token
/// expires.
pub async fn find(db: &PgPool, token: &str) -> Result<Option<(Principal, Option<DateTime<Utc>>)>> {
    let row = sqlx::query!(
        r#"SELECT id, name, role AS "role: Role", groups, expires_at,
                  last_used_at IS NULL OR last_used_at < now() - interval '1 minute' AS "stale!"
           FROM api_tokens
           WHERE token_hash = $1 AND revoked_at IS NULL
             AND (expires_at IS NULL OR expires_at > now())"#,
        bearer::hash(token)
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    // Once a minute is precise enough to tell an unused token, and keeps a
    // busy client from writing a row per request.
    if row.stale {
        sqlx::query!(
            "UPDATE api_tokens SET last_used_at = now() WHERE id = $1",
            row.id
        )
        .execute(db)
        .await?;
    }
    let principal = Principal {
        kind: PrincipalKind::Token {
            id: row.id,
            name: row.name,
        },
        role: row.role,
        groups: row.groups,
    };
    Ok(Some((principal, row.expires_at)))
}
