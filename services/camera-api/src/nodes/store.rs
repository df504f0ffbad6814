//! The SQL of nodes: the `nodes`, `node_health` and `camera_placements`
//! tables.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::placement::{CameraSlot, Health as Seen, Move, NodeSlot, Why};
use super::{
    Addresses, Error, Fields, NewNodeInput, Node, NodeHealth, NodeHealthState, NodePatch, Result,
    labels_from_json,
};
use crate::audit;
use crate::auth::{self, Principal};
use crate::cameras::Expected;

/// Every node, by name, with its health and how many cameras it serves.
pub async fn list(db: &PgPool) -> Result<Vec<Node>> {
    read(db, None).await
}

async fn read(db: impl sqlx::PgExecutor<'_>, only: Option<i64>) -> Result<Vec<Node>> {
    let rows = sqlx::query!(
        r#"SELECT n.id, n.name, n.api_url, n.playback_url, n.rtsp_url, n.hls_url, n.webrtc_url,
                  n.max_cameras, n.max_readers, n.labels, n.draining, n.version,
                  n.created_at, n.updated_at,
                  (SELECT count(*) FROM camera_placements p WHERE p.node_id = n.id) AS "cameras!",
                  h.checked_at AS "checked_at?", h.reachable AS "reachable?", h.since AS "since?",
                  h.mediamtx_started, h.error, h.converged AS "converged?"
           FROM nodes n LEFT JOIN node_health h ON h.node_id = n.id
           WHERE $1::bigint IS NULL OR n.id = $1
           ORDER BY lower(n.name COLLATE "und-x-icu"), n.id"#,
        only
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Node {
                labels: labels_from_json(|| format!("node {}: labels", row.id), row.labels)?,
                id: row.id,
                name: row.name,
                addresses: Addresses {
                    api_url: row.api_url,
                    playback_url: row.playback_url,
                    rtsp_url: row.rtsp_url,
                    hls_url: row.hls_url,
                    webrtc_url: row.webrtc_url,
                },
                max_cameras: row.max_cameras,
                max_readers: row.max_readers,
                draining: row.draining,
                cameras: row.cameras,
                health: NodeHealth {
                    state: match row.reachable {
                        Some(true) => NodeHealthState::Up,
                        Some(false) => NodeHealthState::Down,
                        None => NodeHealthState::Unknown,
                    },
                    since: row.since,
                    checked_at: row.checked_at,
                    mediamtx_started: row.mediamtx_started,
                    error: row.error,
                    converged: row.converged.unwrap_or(false),
                },
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect()
}

async fn read_one(conn: &mut sqlx::PgConnection, id: i64) -> Result<Node> {
    read(conn, Some(id)).await?.pop().ok_or(Error::NotFound)
}

/// What the audit log shows of a node.
fn audited(id: i64, fields: &Fields) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "name": fields.name,
        "api_url": fields.addresses.api_url,
        "max_cameras": fields.max_cameras,
        "labels": fields.labels,
        "draining": fields.draining,
    })
}

/// Tells the leading replica to place cameras again now, not at its next
/// pass.
async fn replace_soon(conn: &mut sqlx::PgConnection, id: i64) -> Result<()> {
    sqlx::query!(
        "SELECT pg_notify($1, $2)",
        super::CHANGED_CHANNEL,
        id.to_string()
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn create(db: &PgPool, by: &Principal, input: NewNodeInput) -> Result<Node> {
    let fields = input.validate()?;
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO nodes (name, api_url, playback_url, rtsp_url, hls_url, webrtc_url,
                              max_cameras, max_readers, labels, draining)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"#,
        fields.name,
        fields.addresses.api_url,
        fields.addresses.playback_url,
        fields.addresses.rtsp_url,
        fields.addresses.hls_url,
        fields.addresses.webrtc_url,
        fields.max_cameras,
        fields.max_readers,
        serde_json::to_value(&fields.labels).unwrap_or_default(),
        fields.draining,
    )
    .fetch_one(&mut *tx)
    .await?;
    let node = audited(id, &fields);
    audit::record(&mut *tx, "node.create", serde_json::json!({"node": node})).await?;
    replace_soon(&mut tx, id).await?;
    let node = read_one(&mut tx, id).await?;
    tx.commit().await?;
    Ok(node)
}

/// Locks node `id` for a read-modify-write at version `expected`.
async fn lock(
    conn: &mut sqlx::PgConnection,
    id: i64,
    expected: Option<&Expected>,
) -> Result<Fields> {
    let row = sqlx::query!(
        r#"SELECT name, api_url, playback_url, rtsp_url, hls_url, webrtc_url,
                  max_cameras, max_readers, labels, draining, version
           FROM nodes WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::NotFound)?;
    if !Expected::admits(expected, row.version) {
        return Err(Error::Stale {
            current: row.version,
        });
    }
    Ok(Fields {
        labels: labels_from_json(|| format!("node {id}: labels"), row.labels)?,
        name: row.name,
        addresses: Addresses {
            api_url: row.api_url,
            playback_url: row.playback_url,
            rtsp_url: row.rtsp_url,
            hls_url: row.hls_url,
            webrtc_url: row.webrtc_url,
        },
        max_cameras: row.max_cameras,
        max_readers: row.max_readers,
        draining: row.draining,
    })
}

pub async fn update(
    db: &PgPool,
    by: &Principal,
    id: i64,
    patch: NodePatch,
    expected: Option<Expected>,
) -> Result<Node> {
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    let current = lock(&mut tx, id, expected.as_ref()).await?;
    let fields = patch.apply_to(&current)?;
    if fields == current {
        return read_one(&mut tx, id).await;
    }
    sqlx::query!(
        r#"UPDATE nodes
           SET name = $2, api_url = $3, playback_url = $4, rtsp_url = $5, hls_url = $6,
               webrtc_url = $7, max_cameras = $8, max_readers = $9, labels = $10, draining = $11,
               version = version + 1, updated_at = now()
           WHERE id = $1"#,
        id,
        fields.name,
        fields.addresses.api_url,
        fields.addresses.playback_url,
        fields.addresses.rtsp_url,
        fields.addresses.hls_url,
        fields.addresses.webrtc_url,
        fields.max_cameras,
        fields.max_readers,
        serde_json::to_value(&fields.labels).unwrap_or_default(),
        fields.draining,
    )
    .execute(&mut *tx)
    .await?;
    let (before, after) = (audited(id, &current), audited(id, &fields));
    let changes: serde_json::Map<String, serde_json::Value> = after
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(field, value)| before.get(field.as_str()) != Some(value))
        .map(|(field, value)| {
            let change = serde_json::json!({"from": before[field.as_str()], "to": value});
            (field.clone(), change)
        })
        .collect();
    audit::record(
        &mut *tx,
        "node.update",
        serde_json::json!({"node": after, "changes": changes}),
    )
    .await?;
    replace_soon(&mut tx, id).await?;
    let node = read_one(&mut tx, id).await?;
    tx.commit().await?;
    Ok(node)
}

/// Deletes a node that serves no camera: one that still does must be
/// drained first, so no camera is left without video and no path is left
/// behind on a server Camplane no longer knows.
pub async fn delete(
    db: &PgPool,
    by: &Principal,
    id: i64,
    expected: Option<Expected>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    let current = lock(&mut tx, id, expected.as_ref()).await?;
    let cameras = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM camera_placements WHERE node_id = $1"#,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    if cameras > 0 {
        return Err(Error::InUse { cameras });
    }
    sqlx::query!("DELETE FROM nodes WHERE id = $1", id)
        .execute(&mut *tx)
        .await?;
    let node = audited(id, &current);
    audit::record(&mut *tx, "node.delete", serde_json::json!({"node": node})).await?;
    replace_soon(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// A node as the reconciler needs it: where to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub id: i64,
    pub name: String,
    /// Its last health check went unanswered.
    pub silent: bool,
    pub addresses: Addresses,
}

/// Every registered node; none means the MediaMTX of the settings serves
/// every camera.
pub async fn load_targets(db: &PgPool) -> sqlx::Result<Vec<Placed>> {
    let rows = sqlx::query!(
        r#"SELECT n.id, n.name, n.api_url, n.playback_url, n.rtsp_url, n.hls_url, n.webrtc_url,
                  coalesce(NOT h.reachable, false) AS "silent!"
           FROM nodes n LEFT JOIN node_health h ON h.node_id = n.id ORDER BY n.id"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Placed {
            id: row.id,
            name: row.name,
            silent: row.silent,
            addresses: Addresses {
                api_url: row.api_url,
                playback_url: row.playback_url,
                rtsp_url: row.rtsp_url,
                hls_url: row.hls_url,
                webrtc_url: row.webrtc_url,
            },
        })
        .collect())
}

/// The servers of the node serving camera `id`, if it is placed on one.
pub async fn node_of_camera(db: &PgPool, id: i64) -> sqlx::Result<Option<Addresses>> {
    let row = sqlx::query!(
        r#"SELECT n.api_url, n.playback_url, n.rtsp_url, n.hls_url, n.webrtc_url
           FROM camera_placements p JOIN nodes n ON n.id = p.node_id
           WHERE p.camera_id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| Addresses {
        api_url: row.api_url,
        playback_url: row.playback_url,
        rtsp_url: row.rtsp_url,
        hls_url: row.hls_url,
        webrtc_url: row.webrtc_url,
    }))
}

/// The name of the node serving each of `ids` that is placed.
pub async fn names_of_cameras(db: &PgPool, ids: &[i64]) -> sqlx::Result<BTreeMap<i64, String>> {
    let rows = sqlx::query!(
        r#"SELECT p.camera_id, n.name
           FROM camera_placements p JOIN nodes n ON n.id = p.node_id
           WHERE p.camera_id = ANY($1)"#,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.camera_id, row.name))
        .collect())
}

/// Every placed camera with its node's servers, for the edge.
pub async fn routes(db: &PgPool) -> sqlx::Result<Vec<crate::edge::Route>> {
    let rows = sqlx::query!(
        r#"SELECT p.camera_id, n.hls_url, n.webrtc_url, n.playback_url
           FROM camera_placements p JOIN nodes n ON n.id = p.node_id
           ORDER BY p.camera_id"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| crate::edge::Route {
            camera: row.camera_id,
            hls_url: row.hls_url,
            webrtc_url: row.webrtc_url,
            playback_url: row.playback_url,
        })
        .collect())
}

/// What a health check or a pass found of a node.
#[derive(Debug, Clone)]
pub struct NodeHealthReport {
    node: i64,
    /// Known after a check.
    answer: Option<std::result::Result<DateTime<Utc>, String>>,
    /// Known after a pass.
    converged: Option<bool>,
}

impl NodeHealthReport {
    pub fn checked(node: i64, answer: &crate::mediamtx::Result<crate::mediamtx::Info>) -> Self {
        Self {
            node,
            answer: Some(
                answer
                    .as_ref()
                    .map(|info| info.started)
                    .map_err(ToString::to_string),
            ),
            converged: None,
        }
    }

    pub fn converged(node: i64, converged: bool) -> Self {
        Self {
            node,
            answer: None,
            converged: Some(converged),
        }
    }
}

/// Stores what checks and passes found; `since` moves only when a node's
/// reachability changes.
pub async fn record_health(db: &PgPool, reports: &[NodeHealthReport]) -> sqlx::Result<()> {
    for report in reports {
        if let Some(converged) = report.converged {
            sqlx::query!(
                "UPDATE node_health SET converged = $2 WHERE node_id = $1",
                report.node,
                converged
            )
            .execute(db)
            .await?;
        }
        let Some(answer) = &report.answer else {
            continue;
        };
        let (started, error) = match answer {
            Ok(started) => (Some(*started), None),
            Err(error) => (None, Some(error.as_str())),
        };
        sqlx::query!(
            r#"INSERT INTO node_health (node_id, checked_at, reachable, since, mediamtx_started, error)
               VALUES ($1, now(), $2, now(), $3, $4)
               ON CONFLICT (node_id) DO UPDATE SET
                   checked_at = now(),
                   since = CASE WHEN node_health.reachable = $2 THEN node_health.since ELSE now() END,
                   reachable = $2,
                   mediamtx_started = coalesce($3, node_health.mediamtx_started),
                   error = $4,
                   converged = node_health.converged AND $2"#,
            report.node,
            answer.is_ok(),
            started,
            error,
        )
        .execute(db)
        .await?;
    }
    Ok(())
}

/// What placement decides on: nodes with their health, enabled cameras
/// with their node.
pub struct PlacementInputs {
    pub nodes: Vec<NodeSlot>,
    pub cameras: Vec<CameraSlot>,
    pub now: DateTime<Utc>,
}

pub async fn placement_inputs(db: &PgPool) -> Result<PlacementInputs> {
    let mut tx = db.begin().await?;
    // One snapshot of nodes, health and cameras, and the database's clock
    // (health times are its own).
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let now = sqlx::query_scalar!(r#"SELECT now() AS "now!""#)
        .fetch_one(&mut *tx)
        .await?;
    let nodes = node_slots(&mut tx).await?;
    let cameras = sqlx::query!(
        r#"SELECT c.id, c.recording, c.node_labels,
                  p.node_id AS "node_id?", p.placed_at AS "placed_at?"
           FROM cameras c LEFT JOIN camera_placements p ON p.camera_id = c.id
           WHERE c.enabled ORDER BY c.id"#
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|row| {
        Ok(CameraSlot {
            wants: labels_from_json(
                || format!("camera {}: node_labels", row.id),
                row.node_labels,
            )?,
            id: row.id,
            node: row.node_id,
            placed_at: row.placed_at,
            recording: row.recording != "off",
        })
    })
    .collect::<Result<Vec<_>>>()?;
    tx.commit().await?;
    Ok(PlacementInputs {
        nodes,
        cameras,
        now,
    })
}

/// What placing one camera without a node decides on: the nodes, how many
/// cameras each has, and the camera; `None` when it is disabled, gone or
/// already placed.
pub struct NewCameraInputs {
    pub nodes: Vec<NodeSlot>,
    pub loads: HashMap<i64, usize>,
    pub camera: CameraSlot,
    pub now: DateTime<Utc>,
}

pub async fn new_camera_inputs(db: &PgPool, id: i64) -> Result<Option<NewCameraInputs>> {
    let mut tx = db.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let camera = sqlx::query!(
        r#"SELECT c.recording, c.node_labels FROM cameras c
           WHERE c.id = $1 AND c.enabled
             AND NOT EXISTS (SELECT FROM camera_placements p WHERE p.camera_id = c.id)"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(camera) = camera else {
        return Ok(None);
    };
    let now = sqlx::query_scalar!(r#"SELECT now() AS "now!""#)
        .fetch_one(&mut *tx)
        .await?;
    let nodes = node_slots(&mut tx).await?;
    let loads = sqlx::query!(
        r#"SELECT node_id, count(*) AS "cameras!" FROM camera_placements GROUP BY node_id"#
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|row| {
        (
            row.node_id,
            usize::try_from(row.cameras).unwrap_or(usize::MAX),
        )
    })
    .collect();
    tx.commit().await?;
    Ok(Some(NewCameraInputs {
        nodes,
        loads,
        camera: CameraSlot {
            wants: labels_from_json(|| format!("camera {id}: node_labels"), camera.node_labels)?,
            id,
            node: None,
            placed_at: None,
            recording: camera.recording != "off",
        },
        now,
    }))
}

async fn node_slots(conn: &mut sqlx::PgConnection) -> Result<Vec<NodeSlot>> {
    sqlx::query!(
        r#"SELECT n.id, n.max_cameras, n.labels, n.draining,
                  h.reachable AS "reachable?", h.since AS "since?"
           FROM nodes n LEFT JOIN node_health h ON h.node_id = n.id ORDER BY n.id"#
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| {
        Ok(NodeSlot {
            labels: labels_from_json(|| format!("node {}: labels", row.id), row.labels)?,
            id: row.id,
            max_cameras: usize::try_from(row.max_cameras).unwrap_or(0),
            draining: row.draining,
            health: match (row.reachable, row.since) {
                (Some(true), Some(since)) => Seen::Up { since },
                (Some(false), Some(since)) => Seen::Down { since },
                _ => Seen::Unknown,
            },
        })
    })
    .collect()
}

/// Forgets the places of cameras that are no longer enabled (a full
/// placement's first step; it reads every placement).
pub async fn forget_disabled(db: &PgPool) -> Result<()> {
    sqlx::query!(
        r#"DELETE FROM camera_placements p USING cameras c
           WHERE c.id = p.camera_id AND NOT c.enabled"#
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Makes `moves` (placement's plan). A move is made only if the camera is
/// still where the plan found it, so a plan made from an older read changes
/// nothing it did not see. Failovers and evictions are on record, per node.
pub async fn apply_moves(db: &PgPool, moves: &[Move]) -> Result<usize> {
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, "camplane").await?;
    let mut made = 0;
    let mut on_record: BTreeMap<(i64, &str), BTreeMap<String, usize>> = BTreeMap::new();
    for step in moves {
        let done = match step.to {
            Some(to) => sqlx::query!(
                r#"INSERT INTO camera_placements (camera_id, node_id)
                   SELECT $1, $2 FROM cameras c
                   WHERE c.id = $1 AND c.enabled
                     AND ((SELECT node_id FROM camera_placements WHERE camera_id = $1)
                          IS NOT DISTINCT FROM $3)
                   ON CONFLICT (camera_id) DO UPDATE SET node_id = $2, placed_at = now()"#,
                step.camera,
                to,
                step.from,
            )
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            None => sqlx::query!(
                "DELETE FROM camera_placements WHERE camera_id = $1 AND node_id = $2",
                step.camera,
                step.from,
            )
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        };
        made += usize::try_from(done).unwrap_or(0);
        if done > 0
            && let (Some(from), Why::Failover | Why::Evicted) = (step.from, step.why)
        {
            let to = step
                .to
                .map_or_else(|| "none".to_owned(), |id| id.to_string());
            *on_record
                .entry((from, step.why.as_str()))
                .or_default()
                .entry(to)
                .or_default() += 1;
        }
    }
    for ((from, why), to) in on_record {
        let moved: usize = to.values().sum();
        let name = sqlx::query_scalar!("SELECT name FROM nodes WHERE id = $1", from)
            .fetch_optional(&mut *tx)
            .await?;
        let node = serde_json::json!({"id": from, "name": name});
        audit::record(
            &mut *tx,
            "node.failover",
            serde_json::json!({"node": node, "why": why, "cameras": moved, "to": to}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(made)
}
