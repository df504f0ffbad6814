//! Liveness and readiness, for HAProxy, compose and orchestrators.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use sqlx::{Connection, PgConnection, PgPool};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::problem::{ApiError, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Each dependency and how it answered.
    pub checks: BTreeMap<String, String>,
}

/// The process is up. Never touches a dependency, so a slow database can't
/// get a healthy process restarted.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The process is up", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        checks: BTreeMap::new(),
    })
}

/// The service can serve requests: PostgreSQL answers and every background
/// task runs. MediaMTX is checked and reported too, but is not required:
/// the registry works without it.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready; `checks` says which dependency failed, or which background task is down", body = Problem, content_type = "application/problem+json"),
    ))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let mut checks = BTreeMap::new();
    let mediamtx = match tokio::time::timeout(Duration::from_secs(1), state.mediamtx.info()).await {
        Ok(Ok(info)) => format!("ok ({})", info.version),
        Ok(Err(err)) => err.to_string(),
        Err(_) => "did not answer within 1 s".to_owned(),
    };
    checks.insert("mediamtx".to_owned(), mediamtx);
    let down = state.tasks.down();
    if !down.is_empty() {
        let reason = format!("down, restarting: {}", down.join(", "));
        checks.insert("tasks".to_owned(), reason.clone());
        return Err(ApiError::unavailable(
            format!("background tasks {reason}"),
            anyhow::anyhow!("readiness: background tasks {reason}"),
        )
        .with_checks(checks));
    }
    checks.insert("tasks".to_owned(), "ok".to_owned());
    let database = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query_scalar!("SELECT 1 AS \"one!\"").fetch_one(&state.db),
    )
    .await;
    let pool_failure = match database {
        Ok(Ok(_)) => {
            checks.insert("database".to_owned(), "ok".to_owned());
            return Ok(Json(Health {
                status: "ok",
                checks,
            }));
        }
        Ok(Err(err)) => crate::db::Error::from(err).to_string(),
        Err(_) => "no pooled connection answered within 2 s (pool exhausted?)".to_owned(),
    };
    let reason = database_failure(&state.db, pool_failure).await;
    checks.insert("database".to_owned(), reason.clone());
    Err(ApiError::unavailable(
        format!("database: {reason}"),
        anyhow::anyhow!("readiness: database {reason}"),
    )
    .with_checks(checks))
}

/// Why the pool could not answer. It retries refused connections until it
/// times out, so its own error hides the cause; a connection of our own
/// tells an operator whether the server is down, refusing or starting.
/// When that connects, the pool's failure is the story.
async fn database_failure(db: &PgPool, pool_failure: String) -> String {
    let connect_options = db.connect_options();
    let attempt = tokio::time::timeout(
        Duration::from_secs(1),
        PgConnection::connect_with(&connect_options),
    )
    .await;
    match attempt {
        Err(_) => "unreachable: no answer within 1 s".to_owned(),
        Ok(Err(err)) => format!("unreachable: {err}"),
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            pool_failure
        }
    }
}
