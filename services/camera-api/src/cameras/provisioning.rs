//! Where MediaMTX stands for each camera (the `camera_provisioning` table),
//! and the wait for it after a write. Every write of that table is here:
//! camera writes start it over, the reconciler records what MediaMTX did.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;

use super::Result;

/// Where MediaMTX stands for a camera.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ToSchema)]
pub struct Provisioning {
    pub state: ProvisioningState,
    /// Why the last attempt failed, in plain words.
    pub detail: Option<String>,
    /// Failed attempts since the last success.
    pub attempts: i32,
    #[serde(serialize_with = "crate::timestamps::serialize")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProvisioningState {
    /// A change waits to be applied to MediaMTX.
    Pending,
    /// MediaMTX matches the camera.
    Ready,
    /// The last attempt failed (see `detail`); it is retried with backoff.
    Error,
    /// The camera was disabled; its path is being removed from MediaMTX.
    Deleting,
}

impl ProvisioningState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ready => "ready",
            Self::Error => "error",
            Self::Deleting => "deleting",
        }
    }

    pub(super) fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Ready, Self::Error, Self::Deleting]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// Waits (at most `limit`) until MediaMTX has answered for `version` of the
/// camera, so a write's response can say how provisioning went; a slow or
/// absent MediaMTX leaves it `pending`, never failing the write.
pub async fn wait_for_provisioning(
    db: &PgPool,
    id: i64,
    version: i64,
    limit: Duration,
) -> Result<()> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut pause = Duration::from_millis(2);
    loop {
        // Settled once MediaMTX converged, refused, or failed an attempt;
        // a camera gone or edited again is someone else's wait.
        let settled = sqlx::query_scalar!(
            r#"SELECT p.state IN ('ready', 'error') OR p.attempts > 0 AS "settled!"
               FROM camera_provisioning p JOIN cameras c ON c.id = p.camera_id
               WHERE c.id = $1 AND c.version = $2"#,
            id,
            version
        )
        .fetch_optional(db)
        .await?
        .unwrap_or(true);
        if settled || tokio::time::Instant::now() + pause > deadline {
            return Ok(());
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// What one attempt means for a camera's provisioning state.
#[derive(Debug)]
pub enum ProvisioningOutcome {
    /// MediaMTX matches this version of the camera.
    Converged,
    /// MediaMTX refused the camera's path; an operator must act.
    Rejected(String),
    /// MediaMTX could not be reached or failed; retried with backoff.
    Retrying(String),
}

/// A new camera waits for its first attempt.
pub(super) async fn start(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO camera_provisioning (camera_id) VALUES ($1)",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An edited camera waits again, with a clean slate: for its path, or for
/// its path's removal once disabled.
pub(super) async fn start_over(
    conn: &mut PgConnection,
    id: i64,
    enabled: bool,
) -> sqlx::Result<()> {
    let state = if enabled {
        ProvisioningState::Pending
    } else {
        ProvisioningState::Deleting
    };
    sqlx::query!(
        r#"UPDATE camera_provisioning
           SET state = $2, detail = NULL, attempts = 0, updated_at = now()
           WHERE camera_id = $1"#,
        id,
        state.as_str(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores the reconciler's outcomes (camera id: the version attempted and
/// what came of it); one that is about an older version of a camera than
/// the stored one is dropped (a newer edit is on its way).
pub async fn record_outcomes(
    db: &PgPool,
    outcomes: &HashMap<i64, (i64, ProvisioningOutcome)>,
) -> sqlx::Result<()> {
    let mut ids = Vec::new();
    let mut versions = Vec::new();
    let mut kinds = Vec::new();
    let mut details = Vec::new();
    for (id, (version, outcome)) in outcomes {
        let (kind, detail) = match outcome {
            ProvisioningOutcome::Converged => ("converged", None),
            ProvisioningOutcome::Rejected(detail) => ("rejected", Some(detail.clone())),
            ProvisioningOutcome::Retrying(detail) => ("retrying", Some(detail.clone())),
        };
        ids.push(*id);
        versions.push(*version);
        kinds.push(kind);
        details.push(detail);
    }
    sqlx::query!(
        r#"UPDATE camera_provisioning p
           SET state = CASE u.kind
                   WHEN 'converged' THEN 'ready'
                   WHEN 'rejected' THEN 'error'
                   ELSE CASE WHEN c.enabled THEN 'pending' ELSE 'deleting' END
               END,
               detail = u.detail,
               attempts = CASE WHEN u.kind = 'converged' THEN 0 ELSE p.attempts + 1 END,
               applied_version = CASE WHEN u.kind = 'converged' THEN u.version ELSE p.applied_version END,
               updated_at = now()
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS u(id, version, kind, detail),
                cameras c
           WHERE p.camera_id = u.id AND c.id = u.id AND c.version = u.version
             AND NOT (u.kind = 'converged' AND p.state = 'ready' AND p.applied_version = u.version)"#,
        &ids,
        &versions,
        &kinds as &[&str],
        &details as &[Option<String>],
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Tells cameras still waiting for MediaMTX (those placed on `node`, or
/// every one) why they wait.
pub async fn note_waiting(db: &PgPool, node: Option<i64>, detail: &str) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE camera_provisioning
           SET detail = $1, attempts = attempts + 1, updated_at = now()
           WHERE state IN ('pending', 'deleting')
             AND ($2::bigint IS NULL
                  OR camera_id IN (SELECT camera_id FROM camera_placements WHERE node_id = $2))"#,
        detail,
        node,
    )
    .execute(db)
    .await?;
    Ok(())
}
