//! `/api/reconcile`: force a pass and see what it changed.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Authorized, Operator};
use super::problem::{ApiError, Problem};
use crate::reconcile::{self, Report};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(force_pass))
}

/// Long enough for a pass over ten thousand cameras.
const PASS_WAIT: Duration = Duration::from_secs(30);

/// Run a reconcile pass now: compare every camera with MediaMTX, correct
/// what differs, and report it. Whichever replica receives the request, the
/// one that leads runs the pass.
#[utoipa::path(
    post, path = "/api/reconcile", tag = "provisioning",
    security(("token" = ["operator"]), ("session" = ["operator"])),
    responses(
        (status = 200, description = "The pass ran; `error` is set if it could not reach MediaMTX", body = Report),
        (status = 503, description = "No reconciler answered in time, or the database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn force_pass(
    State(state): State<AppState>,
    auth: Authorized<Operator>,
) -> Result<Json<Report>, ApiError> {
    let report = reconcile::force_pass(&state.db, &auth.principal, PASS_WAIT).await?;
    report.map(Json).ok_or_else(|| {
        ApiError::unavailable(
            "no reconciler finished a pass within 30 s",
            anyhow::anyhow!("forced reconcile pass timed out"),
        )
    })
}
