//! Where MediaMTX stands for each camera, and the wait for it after a write.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
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
