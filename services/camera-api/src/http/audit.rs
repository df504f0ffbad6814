//! `/api/audit`: read the audit log.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Admin, Authorized};
use super::cameras::int_in;
use super::extract::Params;
use super::problem::{ApiError, Problem};
use crate::audit::{self, Entry, Filter};
use crate::validation::FieldErrors;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<Entry>,
    /// How many entries match the filters, across all pages.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Query of `GET /api/audit`, validated here so a bad value is a 422 naming
/// the parameter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditParams {
    /// Only this action, e.g. `camera.update`.
    action: Option<String>,
    /// Only entries about this camera.
    #[param(value_type = Option<i64>, minimum = 1)]
    camera_id: Option<String>,
    /// Only entries at or after this time (RFC 3339, e.g.
    /// `2026-11-25T00:00:00Z`).
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<String>,
    /// Only entries before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    until: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// How many entries to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
}

pub(super) fn time(raw: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    raw.map(|raw| {
        DateTime::parse_from_rfc3339(raw)
            .map(|time| time.with_timezone(&Utc))
            .map_err(|_| "must be an RFC 3339 time, e.g. 2026-11-25T08:00:00Z".to_owned())
    })
    .transpose()
}

impl AuditParams {
    fn into_filter(self) -> Result<Filter, ApiError> {
        let mut errors = FieldErrors::default();
        let camera_id = errors.check(
            "camera_id",
            self.camera_id
                .as_deref()
                .map(|raw| int_in(Some(raw), 0, 1, i64::MAX))
                .transpose(),
        );
        let since = errors.check("since", time(self.since.as_deref()));
        let until = errors.check("until", time(self.until.as_deref()));
        let limit = errors.check("limit", int_in(self.limit.as_deref(), 50, 1, 500));
        let offset = errors.check("offset", int_in(self.offset.as_deref(), 0, 0, i64::MAX));
        errors.into_result().map_err(ApiError::invalid)?;
        Ok(Filter {
            action: self.action.filter(|action| !action.is_empty()),
            camera_id: camera_id.flatten(),
            since: since.flatten(),
            until: until.flatten(),
            limit: limit.unwrap_or_default(),
            offset: offset.unwrap_or_default(),
        })
    }
}

/// The audit log, newest first: camera creates, updates (with what changed,
/// secrets masked) and deletes, and forced reconciles.
#[utoipa::path(
    get, path = "/api/audit", tag = "audit",
    security(("token" = ["admin"]), ("session" = ["admin"])),
    params(AuditParams),
    responses(
        (status = 200, description = "One page of entries, newest first", body = AuditList),
        (status = 422, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_audit(
    State(state): State<AppState>,
    _auth: Authorized<Admin>,
    Params(params): Params<AuditParams>,
) -> Result<Json<AuditList>, ApiError> {
    let filter = params.into_filter()?;
    let page = audit::list(&state.db, &filter).await?;
    Ok(Json(AuditList {
        items: page.items,
        total: page.total,
        limit: filter.limit,
        offset: filter.offset,
    }))
}
