//! The audit log: who did what, and when. Camera changes are recorded by a
//! database trigger in the same transaction as the change (see the
//! migration); the service records the actions that change no row, such as
//! a forced reconcile. Entries are never updated or deleted.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use crate::db;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who acted; `anonymous` until the API requires credentials, and
    /// `camera-api rotate-key` for a key rotation.
    pub actor: String,
    /// `camera.create`, `camera.update`, `camera.delete`, `reconcile.force`,
    /// `camera.probe_with_stored_password` (a probe that used a camera's
    /// stored password: the camera and the masked address),
    /// `recording.export` (an export requested: the camera, the range and
    /// the export's id), `recording.delete` (recordings deleted: the camera,
    /// the range, how many segments and bytes), or
    /// `secrets.rotate_key` (by `camera-api rotate-key`: the key ids and how
    /// many passwords were re-sealed), or `view.create`, `view.update`,
    /// `view.delete` (a shared saved view: the view, and for an update
    /// `changes`; personal views are not recorded), `node.create`,
    /// `node.update`, `node.delete` (a MediaMTX node: the node, and for an
    /// update `changes`), or `node.failover` (by `camplane`: cameras moved
    /// off a node, `why` `failover` when it stopped answering or `evicted`
    /// when draining, shrunk or relabelled, how many, and to which node ids).
    #[schema(example = "camera.update")]
    pub action: String,
    pub camera_id: Option<i64>,
    /// What changed: `after` for a create, `before` for a delete, `changes`
    /// (`{field: {from, to}}`) for an update. Stream URLs show no user or
    /// password; a new password reads `"credentials": "changed"`.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Debug, Default)]
pub struct Filter {
    pub action: Option<String>,
    pub camera_id: Option<i64>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
    pub offset: i64,
}

pub struct Page {
    pub items: Vec<Entry>,
    pub total: i64,
}

/// Newest first.
pub async fn list(db: &PgPool, filter: &Filter) -> Result<Page, db::Error> {
    let mut tx = db.begin().await?;
    // One snapshot for both statements, so `total` agrees with `items`.
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let items = sqlx::query_as!(
        Entry,
        r#"SELECT id, at, actor, action, camera_id, details FROM audit_log
           WHERE ($1::text IS NULL OR action = $1)
             AND ($2::bigint IS NULL OR camera_id = $2)
             AND ($3::timestamptz IS NULL OR at >= $3)
             AND ($4::timestamptz IS NULL OR at < $4)
           ORDER BY id DESC
           LIMIT $5 OFFSET $6"#,
        filter.action,
        filter.camera_id,
        filter.since,
        filter.until,
        filter.limit,
        filter.offset,
    )
    .fetch_all(&mut *tx)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM audit_log
           WHERE ($1::text IS NULL OR action = $1)
             AND ($2::bigint IS NULL OR camera_id = $2)
             AND ($3::timestamptz IS NULL OR at >= $3)
             AND ($4::timestamptz IS NULL OR at < $4)"#,
        filter.action,
        filter.camera_id,
        filter.since,
        filter.until,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Page { items, total })
}

/// Records an action that changes no camera row (on a pool, or inside the
/// transaction whose work it records).
pub async fn record(
    db: impl sqlx::PgExecutor<'_>,
    action: &str,
    details: serde_json::Value,
) -> Result<(), db::Error> {
    record_about(db, action, None, details).await
}

/// `record`, for an action about camera `camera_id` (found by the audit
/// log's camera filter).
pub async fn record_about(
    db: impl sqlx::PgExecutor<'_>,
    action: &str,
    camera_id: Option<i64>,
    details: serde_json::Value,
) -> Result<(), db::Error> {
    sqlx::query!(
        "INSERT INTO audit_log (actor, action, camera_id, details)
         VALUES (audit_actor(), $1, $2, $3)",
        action,
        camera_id,
        details,
    )
    .execute(db)
    .await?;
    Ok(())
}
