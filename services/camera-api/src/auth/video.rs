//! Video access through MediaMTX's HTTP auth hook (`authMethod: http`):
//! MediaMTX asks before serving any read, and Camplane answers from the same
//! principals and camera groups as the API. Players hold a video token that
//! lives minutes and is only as good as the user or API token behind it;
//! Camplane's own reads use one-time media passes, its MediaMTX API calls
//! MediaMTX's service credentials. Why a hook and not JWTs: docs/video-access.md.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Principal, PrincipalKind, Result, bearer};
use crate::mediamtx;
use crate::secrets::Secret;

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

/// What a media pass starts with: MediaMTX checks one RTSP read twice
/// (at DESCRIBE, then at the first SETUP, under another id).
const MEDIA_PASS_CHECKS: i32 = 2;
/// Long enough for ffmpeg to connect; a pass is used within milliseconds.
const MEDIA_PASS_LIFETIME: Duration = Duration::from_secs(30);
const MEDIA_PASS_PREFIX: &str = "cpp_";

/// A one-time pass for Camplane's own read of `path` through MediaMTX's
/// re-stream. It goes into ffmpeg's command line, where `ps` shows it to
/// any local user; by the time anyone could copy it, the read it was made
/// for has used it up, and it opens no other path.
pub async fn issue_media_pass(db: &PgPool, path: &str) -> Result<Secret> {
    let pass = bearer::generate(MEDIA_PASS_PREFIX);
    let mut tx = db.begin().await?;
    sqlx::query!("DELETE FROM media_passes WHERE expires_at < now()")
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        r#"INSERT INTO media_passes (pass_hash, path, checks_left, expires_at)
           VALUES ($1, $2, $3, now() + make_interval(secs => $4))"#,
        bearer::hash(&pass),
        path,
        MEDIA_PASS_CHECKS,
        MEDIA_PASS_LIFETIME.as_secs_f64(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Secret::new(pass))
}

/// Spends one check of a pass for `path`; false when it is unknown, spent,
/// expired or made for another path.
async fn spend_media_pass(db: &PgPool, pass: &str, path: &str) -> Result<bool> {
    let spent = sqlx::query!(
        "UPDATE media_passes SET checks_left = checks_left - 1
         WHERE pass_hash = $1 AND path = $2 AND checks_left > 0 AND expires_at > now()",
        bearer::hash(pass),
        path,
    )
    .execute(db)
    .await?;
    Ok(spent.rows_affected() == 1)
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
    /// The session this authenticates (a UUID), when there is one.
    #[serde(default)]
    pub id: Option<String>,
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
        // Camplane's own API calls, its listing and export of recordings
        // (over HTTP, the login in a header), and the Prometheus scrape;
        // never live video: ffmpeg's reads go with media passes, as a
        // command line is no place for this login.
        return Ok(match request.action.as_str() {
            "api" | "metrics" | "playback" => Ok(()),
            _ => Err(Refusal::ActionNotAllowed),
        });
    }
    if request.token.starts_with(MEDIA_PASS_PREFIX) {
        let spent =
            request.action == "read" && spend_media_pass(db, &request.token, &request.path).await?;
        return Ok(if spent {
            Ok(())
        } else {
            Err(Refusal::UnknownTokenOrCamera)
        });
    }
    if request.token.is_empty() {
        return Ok(Err(Refusal::NoCredentials));
    }
    // Playing back a recording is seeing the camera, as live video is.
    if !matches!(request.action.as_str(), "read" | "playback") {
        return Ok(Err(Refusal::ActionNotAllowed));
    }
    // A camera's sub-stream (`cam_<id>_sub`) is seen as the camera is.
    let Some(camera_id) = mediamtx::camera_of_path(&request.path) else {
        return Ok(Err(Refusal::NotACamera));
    };
    // One statement: the token is live, its user or API token may still act,
    // and the camera exists and shares a group with it (or it has no limit).
    let grant = sqlx::query!(
        r#"SELECT camplane_sees(CASE WHEN u.id IS NOT NULL THEN u.groups ELSE t.groups END,
                                  c.groups) AS "visible!",
                  v.user_id, v.api_token_id
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
    let Some(grant) = grant else {
        return Ok(Err(Refusal::UnknownTokenOrCamera));
    };
    if !grant.visible {
        return Ok(Err(Refusal::CameraNotVisible));
    }
    // Remembered so the session can be ended if the grant goes away.
    if let Some(session) = request.id.as_deref().and_then(|id| id.parse::<Uuid>().ok()) {
        sqlx::query!(
            "INSERT INTO video_sessions (id, user_id, api_token_id, camera_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
            session,
            grant.user_id,
            grant.api_token_id,
            camera_id,
        )
        .execute(db)
        .await?;
    }
    Ok(Ok(()))
}

/// How often running sessions are checked against their grants.
const SESSION_CHECK: Duration = Duration::from_secs(5);

/// Ends the sessions MediaMTX is serving to viewers who may no longer see
/// the camera (user disabled or deleted, token revoked or expired, groups
/// changed, camera gone): MediaMTX asks only when a session starts, and a
/// player left open would otherwise play on. Runs on every replica; kicking
/// twice is harmless. `servers` names the MediaMTX servers (every node) at
/// each check.
pub async fn end_revoked_sessions<F, Servers>(db: PgPool, servers: F)
where
    F: Fn() -> Servers,
    Servers: Future<Output = Vec<mediamtx::Client>>,
{
    let mut ticks = tokio::time::interval(SESSION_CHECK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match check_sessions(&db, &servers().await).await {
            Ok(0) => {}
            Ok(ended) => tracing::info!(
                sessions = ended,
                "ended video sessions whose access was revoked"
            ),
            Err(err) => tracing::warn!(
                error = format!("{err:#}"),
                "could not check running video sessions"
            ),
        }
    }
}

async fn check_sessions(db: &PgPool, servers: &[mediamtx::Client]) -> anyhow::Result<usize> {
    // Nothing to check costs no MediaMTX call.
    let any = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM video_sessions) AS "any!""#)
        .fetch_one(db)
        .await?;
    if !any {
        return Ok(0);
    }
    // A viewer may play over HLS or WebRTC; the hook's `id` is the session's
    // id in either list. Each session, with the server and whether WebRTC.
    let mut sessions: Vec<(Uuid, &mediamtx::Client, bool)> = Vec::new();
    let mut every_server_answered = true;
    for server in servers {
        let listed = async {
            let hls = server.list_hls_sessions().await?;
            let webrtc = server.list_webrtc_sessions().await?;
            Ok::<_, mediamtx::Error>((hls, webrtc))
        };
        match listed.await {
            Ok((hls, webrtc)) => {
                sessions.extend(hls.into_iter().map(|id| (id, server, false)));
                sessions.extend(webrtc.into_iter().map(|id| (id, server, true)));
            }
            Err(err) => {
                tracing::debug!(error = %err, "a MediaMTX did not list its video sessions");
                every_server_answered = false;
            }
        }
    }
    let running: Vec<Uuid> = sessions.iter().map(|(id, _, _)| *id).collect();
    // A session just let in may not be listed yet; older ones are over. A
    // server that did not answer may still serve its own.
    if every_server_answered {
        sqlx::query!(
            "DELETE FROM video_sessions
             WHERE NOT (id = ANY($1)) AND started_at < now() - interval '1 minute'",
            &running
        )
        .execute(db)
        .await?;
    }
    let revoked = sqlx::query_scalar!(
        r#"SELECT s.id AS "id!" FROM video_sessions s
           LEFT JOIN users u ON u.id = s.user_id AND NOT u.disabled
           LEFT JOIN api_tokens t ON t.id = s.api_token_id AND t.revoked_at IS NULL
                AND (t.expires_at IS NULL OR t.expires_at > now())
           LEFT JOIN cameras c ON c.id = s.camera_id
           WHERE s.id = ANY($1)
             AND NOT coalesce(c.id IS NOT NULL AND (u.id IS NOT NULL OR t.id IS NOT NULL)
                   AND camplane_sees(CASE WHEN u.id IS NOT NULL THEN u.groups ELSE t.groups END,
                                     c.groups), false)"#,
        &running
    )
    .fetch_all(db)
    .await?;
    for id in &revoked {
        for (_, server, webrtc) in sessions.iter().filter(|(running, _, _)| running == id) {
            match webrtc {
                true => server.kick_webrtc_session(*id).await?,
                false => server.kick_hls_session(*id).await?,
            }
        }
        sqlx::query!("DELETE FROM video_sessions WHERE id = $1", id)
            .execute(db)
            .await?;
    }
    Ok(revoked.len())
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
