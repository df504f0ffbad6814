//! MP4 exports of a range of a camera's recordings: requested through the
//! API (audited), made in the background from MediaMTX's playback server
//! into `CAMPLANE_EXPORTS_DIR`, downloadable by whoever asked until they
//! expire.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Error, ExportSettings, Result, Settings};
use crate::auth::{Principal, PrincipalKind, Role};
use crate::cameras::{self, format_retention};
use crate::tasks::Tasks;
use crate::validation::FieldError;
use crate::{audit, auth, mediamtx};

/// The longest a download from MediaMTX may take; a pending export older
/// than this was interrupted (its replica stopped) and is failed.
const DEADLINE: Duration = Duration::from_secs(15 * 60);

/// `POST /api/cameras/{id}/exports`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportInput {
    /// From this time (RFC 3339).
    pub start: DateTime<Utc>,
    /// Up to this time (RFC 3339): after `start`, not in the future, at most
    /// `CAMPLANE_EXPORT_MAX` (default 1 h) after `start`.
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportState {
    /// Being made.
    Pending,
    /// Downloadable at `download_url`.
    Ready,
    /// Not made; `detail` says why.
    Failed,
}

impl ExportState {
    fn parse(text: &str) -> Self {
        match text {
            "ready" => Self::Ready,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Export {
    #[schema(value_type = String, format = "uuid")]
    pub id: Uuid,
    pub camera_id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub state: ExportState,
    /// Why it failed.
    pub detail: Option<String>,
    /// The file's size, once ready.
    pub bytes: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// When the file and this export are deleted.
    pub expires_at: DateTime<Utc>,
    #[schema(example = "/api/exports/5f0c…/file")]
    pub download_url: String,
}

/// A ready export's file, to stream.
pub struct ExportFile {
    pub file: tokio::fs::File,
    pub bytes: u64,
    /// `<camera name>-<start>.mp4`, safe in `Content-Disposition`.
    pub filename: String,
}

struct Row {
    id: Uuid,
    camera_id: i64,
    camera_name: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    state: String,
    detail: Option<String>,
    bytes: Option<i64>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl From<Row> for Export {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            camera_id: row.camera_id,
            start: row.starts_at,
            end: row.ends_at,
            state: ExportState::parse(&row.state),
            detail: row.detail,
            bytes: row.bytes,
            created_at: row.created_at,
            expires_at: row.expires_at,
            download_url: format!("/api/exports/{}/file", row.id),
        }
    }
}

/// Who an export belongs to: a user, or an API token.
fn owner(by: &Principal) -> (Option<i64>, Option<i64>) {
    match by.kind {
        PrincipalKind::User { id, .. } => (Some(id), None),
        PrincipalKind::Token { id, .. } => (None, Some(id)),
    }
}

/// Requests an export of camera `id` over `input`'s range for `by`, who
/// must see the camera (audited), and starts making it.
pub async fn request(
    db: &PgPool,
    mediamtx: &mediamtx::Client,
    settings: &Settings,
    tasks: &Tasks,
    by: &Principal,
    id: i64,
    input: ExportInput,
) -> Result<Export> {
    let now = Utc::now();
    check_range(input.start, input.end, now, settings.exports.max)?;
    let camera = cameras::get_seen_by(db, by, id).await?;
    if !camera.enabled {
        return Err(Error::CameraDisabled);
    }
    let (user_id, token_id) = owner(by);
    let expires_at = now + TimeDelta::from_std(settings.exports.ttl).unwrap_or(TimeDelta::MAX);
    let export_id = Uuid::new_v4();
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    let row = sqlx::query_as!(
        Row,
        r#"INSERT INTO recording_exports
               (id, camera_id, user_id, api_token_id, starts_at, ends_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           RETURNING id, camera_id, $8::text AS "camera_name!", starts_at, ends_at, state,
                     detail, bytes, created_at, expires_at"#,
        export_id,
        id,
        user_id,
        token_id,
        input.start,
        input.end,
        expires_at,
        camera.name,
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record_about(
        &mut *tx,
        "recording.export",
        Some(id),
        serde_json::json!({
            "camera_id": id,
            "export_id": export_id,
            "start": input.start,
            "end": input.end,
        }),
    )
    .await?;
    tx.commit().await?;
    tasks.spawn(make(
        db.clone(),
        mediamtx.clone(),
        settings.clone(),
        export_id,
        camera.path(),
        input.start,
        input.end,
    ));
    Ok(row.into())
}

fn check_range(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
    longest: Duration,
) -> Result<()> {
    let refused = |message: String| Err(Error::Invalid(vec![FieldError::new("end", message)]));
    if end <= start {
        return refused("must be after start".to_owned());
    }
    if end > now {
        return refused("must not be in the future".to_owned());
    }
    if end - start > TimeDelta::from_std(longest).unwrap_or(TimeDelta::MAX) {
        return refused(format!(
            "must be at most {} after start",
            format_retention(longest)
        ));
    }
    Ok(())
}

/// Makes export `id`'s file from MediaMTX and records how it went; an
/// export deleted meanwhile leaves no file behind.
async fn make(
    db: PgPool,
    mediamtx: mediamtx::Client,
    settings: Settings,
    id: Uuid,
    path: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) {
    let length = (end - start).to_std().unwrap_or_default();
    let made = fetch(&mediamtx, &settings, id, &path, start, length).await;
    let settings = settings.exports;
    let (state, detail, bytes) = match &made {
        Ok(bytes) => ("ready", None, i64::try_from(*bytes).ok()),
        Err(detail) => ("failed", Some(detail.clone()), None),
    };
    let updated = sqlx::query!(
        "UPDATE recording_exports SET state = $2, detail = $3, bytes = $4
         WHERE id = $1 AND state = 'pending'",
        id,
        state,
        detail,
        bytes,
    )
    .execute(&db)
    .await;
    match updated {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => remove_files(&settings.dir, id).await,
        Err(err) => {
            tracing::warn!(export = %id, error = %err, "could not record an export's outcome");
            remove_files(&settings.dir, id).await;
        }
    }
}

/// Downloads `length` of `path` from `start` into `<id>.mp4` (written as
/// `<id>.mp4.part` until whole); its size, or why it failed.
async fn fetch(
    mediamtx: &mediamtx::Client,
    settings: &Settings,
    id: Uuid,
    path: &str,
    start: DateTime<Utc>,
    length: Duration,
) -> Result<u64, String> {
    let dir = &settings.exports.dir;
    let response = match mediamtx
        .download_recording(path, start, length, DEADLINE)
        .await
    {
        Ok(response) => response,
        // It refuses a path that never recorded (it has no directory to
        // read) as it refuses one it does not have.
        Err(mediamtx::Error::Rejected { status, .. })
            if status == 404 || (status == 400 && !settings.dir.join(path).exists()) =>
        {
            return Err(format!(
                "nothing was recorded between {} and {}",
                start.to_rfc3339_opts(SecondsFormat::Secs, true),
                (start + TimeDelta::from_std(length).unwrap_or_default())
                    .to_rfc3339_opts(SecondsFormat::Secs, true)
            ));
        }
        // Its message may name files on its disk: the log has it, the
        // client a summary.
        Err(err) => {
            tracing::warn!(export = %id, error = %err, "MediaMTX did not serve an export");
            return Err(format!(
                "MediaMTX's playback server failed ({}); request the export again",
                err.kind()
            ));
        }
    };
    let part = file_path(dir, id).with_extension("mp4.part");
    let written = write(response, dir, &part).await;
    match written {
        Ok(bytes) => {
            tokio::fs::rename(&part, file_path(dir, id))
                .await
                .map_err(|err| format!("could not keep the file: {err}"))?;
            Ok(bytes)
        }
        Err(detail) => {
            let _ = tokio::fs::remove_file(&part).await;
            Err(detail)
        }
    }
}

async fn write(mut response: reqwest::Response, dir: &Path, part: &Path) -> Result<u64, String> {
    let stored = |err: std::io::Error| format!("could not write the file: {err}");
    tokio::fs::create_dir_all(dir).await.map_err(stored)?;
    let mut file = tokio::fs::File::create(part).await.map_err(stored)?;
    let mut bytes = 0;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| format!("MediaMTX's playback server stopped sending: {err}"))?
    {
        file.write_all(&chunk).await.map_err(stored)?;
        bytes += chunk.len() as u64;
    }
    file.sync_all().await.map_err(stored)?;
    Ok(bytes)
}

fn file_path(dir: &Path, id: Uuid) -> PathBuf {
    dir.join(format!("{id}.mp4"))
}

async fn remove_files(dir: &Path, id: Uuid) {
    let file = file_path(dir, id);
    for path in [file.with_extension("mp4.part"), file] {
        let _ = tokio::fs::remove_file(path).await;
    }
}

/// Export `id`, if `by` asked for it (anyone else is told there is none).
async fn find(db: &PgPool, by: &Principal, id: Uuid) -> Result<Row> {
    let (user_id, token_id) = owner(by);
    sqlx::query_as!(
        Row,
        r#"SELECT e.id, e.camera_id, c.name AS camera_name, e.starts_at, e.ends_at, e.state,
                  e.detail, e.bytes, e.created_at, e.expires_at
           FROM recording_exports e JOIN cameras c ON c.id = e.camera_id
           WHERE e.id = $1 AND e.expires_at > now()
             AND (e.user_id = $2 OR e.api_token_id = $3)"#,
        id,
        user_id,
        token_id,
    )
    .fetch_optional(db)
    .await?
    .ok_or(Error::ExportNotFound)
}

/// Export `id` as `by`, who asked for it, sees it.
pub async fn status(db: &PgPool, by: &Principal, id: Uuid) -> Result<Export> {
    Ok(find(db, by, id).await?.into())
}

/// Export `id`'s file, for `by`, who asked for it.
pub async fn download(
    db: &PgPool,
    settings: &Settings,
    by: &Principal,
    id: Uuid,
) -> Result<ExportFile> {
    let row = find(db, by, id).await?;
    match ExportState::parse(&row.state) {
        ExportState::Pending => return Err(Error::ExportPending),
        ExportState::Failed => return Err(Error::ExportFailed(row.detail.unwrap_or_default())),
        ExportState::Ready => {}
    }
    let file = tokio::fs::File::open(file_path(&settings.exports.dir, id)).await?;
    let bytes = file.metadata().await?.len();
    Ok(ExportFile {
        file,
        bytes,
        filename: filename(&row.camera_name, row.starts_at),
    })
}

/// Deletes export `id` and its file, for `by`: who asked for it, or an
/// admin.
pub async fn forget(db: &PgPool, settings: &Settings, by: &Principal, id: Uuid) -> Result<()> {
    let (user_id, token_id) = owner(by);
    let deleted = sqlx::query!(
        "DELETE FROM recording_exports
         WHERE id = $1 AND (user_id = $2 OR api_token_id = $3 OR $4)",
        id,
        user_id,
        token_id,
        by.has(Role::Admin),
    )
    .execute(db)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::ExportNotFound);
    }
    remove_files(&settings.exports.dir, id).await;
    Ok(())
}

/// Runs for the life of the process: every `settings.check`, deletes the
/// exports that expired (their files too) and fails those whose making was
/// interrupted. Runs on every replica; deleting twice is harmless.
pub async fn expire_exports(db: PgPool, settings: Settings) {
    let mut ticks = tokio::time::interval(settings.check);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(err) = expire(&db, &settings.exports).await {
            tracing::warn!(error = %err, "could not delete expired exports");
        }
    }
}

async fn expire(db: &PgPool, settings: &ExportSettings) -> Result<()> {
    let expired =
        sqlx::query_scalar!("DELETE FROM recording_exports WHERE expires_at <= now() RETURNING id")
            .fetch_all(db)
            .await?;
    for id in expired {
        remove_files(&settings.dir, id).await;
    }
    let interrupted = format!(
        "interrupted: not made within {}; request it again",
        format_retention(DEADLINE)
    );
    sqlx::query!(
        "UPDATE recording_exports SET state = 'failed', detail = $1
         WHERE state = 'pending' AND created_at < now() - make_interval(secs => $2)",
        interrupted,
        DEADLINE.as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// `<camera name>-<start>.mp4` with only letters, digits, `-` and `_` in
/// the name (anything else one `_`), so it needs no quoting in a header and
/// is a valid file name everywhere.
fn filename(camera: &str, start: DateTime<Utc>) -> String {
    let mut name = String::new();
    for c in camera.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            name.push(c);
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    let name: String = name.trim_matches('_').chars().take(64).collect();
    let name = if name.is_empty() { "camera" } else { &name };
    format!("{name}-{}.mp4", start.format("%Y%m%dT%H%M%SZ"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + second, 0).unwrap()
    }

    #[test]
    fn a_file_name_keeps_only_safe_characters() {
        let start = DateTime::parse_from_rfc3339("2026-12-04T12:00:05Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(filename("Yard cam", start), "Yard_cam-20261204T120005Z.mp4");
        assert_eq!(
            filename("../\"Hall\"; rm -rf é", start),
            "Hall_rm_-rf-20261204T120005Z.mp4"
        );
        assert_eq!(filename("ééé", start), "camera-20261204T120005Z.mp4");
        assert_eq!(filename(&"x".repeat(200), start).len(), 64 + 21);
    }

    #[test]
    fn a_range_runs_forward_in_the_past_and_not_too_long() {
        let hour = Duration::from_secs(3600);
        assert!(check_range(at(0), at(3600), at(4000), hour).is_ok());
        for (start, end) in [(10, 10), (20, 10), (0, 4001), (0, 3601)] {
            let refused = check_range(at(start), at(end), at(4000), hour);
            assert!(
                matches!(&refused, Err(Error::Invalid(errors)) if errors[0].field == "end"),
                "{start}..{end}: {refused:?}"
            );
        }
    }
}
