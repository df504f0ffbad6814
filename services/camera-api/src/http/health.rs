//! Liveness and readiness, for HAProxy, compose and orchestrators.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
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

/// The service can serve requests: PostgreSQL answers. MediaMTX is checked
/// and reported too, but is not required: the registry works without it.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready; `checks` says which dependency failed", body = Problem, content_type = "application/problem+json"),
    ))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let mut checks = BTreeMap::new();
    let mediamtx = match tokio::time::timeout(Duration::from_secs(1), state.mediamtx.info()).await {
        Ok(Ok(info)) => format!("ok ({})", info.version),
        Ok(Err(err)) => err.to_string(),
        Err(_) => "did not answer within 1 s".to_owned(),
    };
    checks.insert("mediamtx".to_owned(), mediamtx);
    let database = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query_scalar!("SELECT 1 AS \"one!\"").fetch_one(&state.db),
    )
    .await;
    match database {
        Ok(Ok(_)) => {
            checks.insert("database".to_owned(), "ok".to_owned());
            Ok(Json(Health {
                status: "ok",
                checks,
            }))
        }
        failed => {
            let reason = match failed {
                Err(_) => "timed out after 2 s".to_owned(),
                Ok(Err(err)) => crate::db::Error::from(err).to_string(),
                Ok(Ok(_)) => unreachable!(),
            };
            checks.insert("database".to_owned(), reason.clone());
            Err(ApiError::unavailable(
                format!("database: {reason}"),
                anyhow::anyhow!("readiness: database {reason}"),
            )
            .with_checks(checks))
        }
    }
}
