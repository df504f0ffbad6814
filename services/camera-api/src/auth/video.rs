//! Video access through MediaMTX's HTTP auth hook (`authMethod: http`):
//! MediaMTX asks before serving any read, and Camplane answers from the same
//! principals and camera groups as the API. Players hold a video token that
//! lives minutes and is only as good as the user or API token behind it;
//! Camplane's own reads and MediaMTX API calls use MediaMTX's service
//! credentials. Why a hook and not JWTs: docs/video-access.md.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::{Principal, PrincipalKind, Result, bearer};
use crate::config::Secret;

/// A credential for MediaMTX: send as `Authorization: Bearer <token>` on
/// every playlist request (never in a URL, which lands in access logs).
#[derive(Debug, Serialize, ToSchema)]
pub struct VideoToken {
    #[schema(example = "cpv_Zk1…")]
    pub token: String,
    /// Get a new one before this.
    pub expires_at: DateTime<Utc>,
}

pub async fn issue(db: &PgPool, principal: &Principal, lifetime: Duration) -> Result<VideoToken> {
    let (user_id, api_token_id) = match principal.kind {
        PrincipalKind::User { id, .. } => (Some(id), None),
        PrincipalKind::Token { id, .. } => (None, Some(id)),
    };
    let token = bearer::generate("cpv_");
    let mut tx = db.begin().await?;
    // Expired tokens go as new ones come; nothing else needs to sweep.
    sqlx::query!("DELETE FROM video_tokens WHERE expires_at < now()")
        .execute(&mut *tx)
        .await?;
    let expires_at = sqlx::query_scalar!(
        r#"INSERT INTO video_tokens (token_hash, user_id, api_token_id, expires_at)
           VALUES ($1, $2, $3, now() + make_interval(secs => $4))
           RETURNING expires_at"#,
        bearer::hash(&token),
        user_id,
        api_token_id,
        lifetime.as_secs_f64(),
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(VideoToken { token, expires_at })
}

/// What MediaMTX sends its auth hook (`internal/auth/manager.go`).
#[derive(Deserialize, ToSchema)]
pub struct HookRequest {
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub password: String,
    /// The Bearer token, or else the password.
    #[serde(default)]
    pub token: String,
    /// `publish`, `read`, `playback`, `api`, `metrics` or `pprof`.
    pub action: String,
    #[serde(default)]
    pub path: String,
    /// `rtsp`, `rtmp`, `hls`, `webrtc`, `srt`, `moq`, or empty.
    #[serde(default)]
    pub protocol: String,
}

impl std::fmt::Debug for HookRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookRequest")
            .field("ip", &self.ip)
            .field("user", &self.user)
            .field("action", &self.action)
            .field("path", &self.path)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

/// Who MediaMTX itself knows as Camplane: the credentials of
/// `MEDIAMTX_API_USER`/`MEDIAMTX_API_PASS`.
#[derive(Debug, Clone)]
pub struct ServiceAccount {
    pub user: String,
    pub password: Secret,
}

/// Why a hook request was refused; for the log, never for the caller.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing usable was sent: MediaMTX asks the client for credentials.
    NoCredentials,
    /// Expired, revoked, never issued, or the camera does not exist.
    UnknownTokenOrCamera,
    NotACamera,
    CameraNotVisible,
    ActionNotAllowed,
}

/// Decides a hook request: `Ok(())` lets MediaMTX serve it.
pub async fn authorize(
    db: &PgPool,
    service: Option<&ServiceAccount>,
    request: &HookRequest,
) -> Result<Result<(), Refusal>> {
    if let Some(service) = service
        && is_service(service, request)
    {
        // Camplane's own API calls, its snapshots and probes through the
        // re-stream, and the Prometheus scrape; never publishing.
        return Ok(match request.action.as_str() {
            "api" | "metrics" | "read" => Ok(()),
            _ => Err(Refusal::ActionNotAllowed),
        });
    }
    if request.token.is_empty() {
        return Ok(Err(Refusal::NoCredentials));
    }
    if request.action != "read" {
        return Ok(Err(Refusal::ActionNotAllowed));
    }
    let Some(camera_id) = request
        .path
        .strip_prefix("cam_")
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<i64>().ok())
    else {
        return Ok(Err(Refusal::NotACamera));
    };
    // One statement: the token is live, its user or API token may still act,
    // and the camera exists and shares a group with it (or it has no limit).
    let visible = sqlx::query_scalar!(
        r#"SELECT (u.id IS NOT NULL AND u.groups IS NULL)
                  OR (t.id IS NOT NULL AND t.groups IS NULL)
                  OR coalesce(u.groups, t.groups) && c.groups AS "visible!"
           FROM video_tokens v
           JOIN cameras c ON c.id = $2
           LEFT JOIN users u ON u.id = v.user_id AND NOT u.disabled
           LEFT JOIN api_tokens t ON t.id = v.api_token_id AND t.revoked_at IS NULL
                AND (t.expires_at IS NULL OR t.expires_at > now())
           WHERE v.token_hash = $1 AND v.expires_at > now()
             AND (u.id IS NOT NULL OR t.id IS NOT NULL)"#,
        bearer::hash(&request.token),
        camera_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(match visible {
        None => Err(Refusal::UnknownTokenOrCamera),
        Some(false) => Err(Refusal::CameraNotVisible),
        Some(true) => Ok(()),
    })
}

fn is_service(service: &ServiceAccount, request: &HookRequest) -> bool {
    let user = service.user.as_bytes().ct_eq(request.user.as_bytes());
    let password = service
        .password
        .expose()
        .as_bytes()
        .ct_eq(request.password.as_bytes());
    !service.user.is_empty() && bool::from(user & password)
}
