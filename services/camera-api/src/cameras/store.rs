//! The SQL of cameras: every read and write of the `cameras` table.

use sqlx::PgPool;

use chrono::{DateTime, Utc};

use super::input::{MASK_ELSEWHERE, check_groups_change, check_reach};
use super::model::{Fields, SubStream};
use super::provisioning::{self, Provisioning, ProvisioningState};
use super::{
    Camera, CameraPatch, Error, NewCameraInput, RecordingPolicy, Result, StoredUrl, StreamUrl,
};
use crate::auth::{self, Principal};
use crate::secrets::{Sealed, SecretKey};
use crate::validation::{FieldError, Labels};
use crate::{audit, db};

/// The channel that tells the reconciler a camera changed (payload: its id).
pub const CHANGED_CHANNEL: &str = "camplane_cameras";

/// Reads one camera with its provisioning state.
async fn fetch(conn: &mut sqlx::PgConnection, id: i64) -> Result<Camera> {
    let statement = format!(
        "SELECT {LISTED_COLUMNS}
         FROM cameras c JOIN camera_provisioning p ON p.camera_id = c.id
         WHERE c.id = $1"
    );
    sqlx::query_as::<_, ListRow>(sqlx::AssertSqlSafe(statement))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(Error::NotFound)?
        .into_camera()
}

/// How many cameras `by` sees in each group, a group counting the cameras
/// of the groups under it (`site-2` those of `site-2.dock` too) once each;
/// and how many have no group.
pub async fn count_by_group(db: &PgPool, by: &Principal) -> Result<(Vec<(String, i64)>, i64)> {
    let counts = sqlx::query!(
        r#"SELECT prefix AS "name!", count(DISTINCT c.id) AS "cameras!"
           FROM cameras c
           CROSS JOIN unnest(c.groups) g
           CROSS JOIN LATERAL (
               SELECT array_to_string((string_to_array(g, '.'))[1:n], '.') AS prefix
               FROM generate_series(1, cardinality(string_to_array(g, '.'))) n) p
           WHERE camplane_sees($1, c.groups)
           GROUP BY prefix ORDER BY prefix"#,
        by.groups.as_deref(),
    )
    .fetch_all(db)
    .await?;
    let ungrouped = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM cameras
           WHERE cardinality(groups) = 0 AND camplane_sees($1, groups)"#,
        by.groups.as_deref(),
    )
    .fetch_one(db)
    .await?;
    Ok((
        counts
            .into_iter()
            .map(|row| (row.name, row.cameras))
            .collect(),
        ungrouped,
    ))
}

/// The camera a bulk import row names: the one with its external id, or
/// else the one with its name among those `by` sees.
pub(super) async fn find_for_import(
    conn: &mut sqlx::PgConnection,
    by: &Principal,
    external_id: Option<&str>,
    name: Option<&str>,
) -> Result<Option<i64>> {
    if let Some(external_id) = external_id.map(str::trim).filter(|id| !id.is_empty()) {
        let found =
            sqlx::query_scalar!("SELECT id FROM cameras WHERE external_id = $1", external_id)
                .fetch_optional(conn)
                .await?;
        return Ok(found);
    }
    // As it would be stored; a name that can't be is a new camera's, whose
    // validation says why.
    let Some(name) = name.and_then(|name| crate::validation::parse_label(name, 100).ok()) else {
        return Ok(None);
    };
    let found = sqlx::query_scalar!(
        r#"SELECT id FROM cameras
           WHERE lower(name COLLATE "und-x-icu") = lower($1 COLLATE "und-x-icu")
             AND camplane_sees($2, groups)"#,
        name,
        by.groups.as_deref(),
    )
    .fetch_optional(conn)
    .await?;
    Ok(found)
}

/// The camera, locked until the caller's transaction ends; one `by` can't
/// see is not there.
pub(super) async fn lock_and_fetch(
    conn: &mut sqlx::PgConnection,
    by: &Principal,
    id: i64,
) -> Result<Camera> {
    lock(conn, by, id).await?;
    fetch(conn, id).await
}

/// Locks the camera for a read-modify-write and returns its version; a
/// camera `by` can't see is not there.
async fn lock(conn: &mut sqlx::PgConnection, by: &Principal, id: i64) -> Result<i64> {
    let row = sqlx::query!(
        "SELECT version, groups FROM cameras WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(conn)
    .await?
    .filter(|row| by.sees(&row.groups))
    .ok_or(Error::NotFound)?;
    Ok(row.version)
}

/// Names are unique among the cameras `by` can see, never beyond: a
/// refusal over a camera it can't see would tell it that camera's name.
/// Writes of one name queue behind each other (an advisory lock until the
/// transaction ends), so two of them can't both find the name free. Case is
/// folded by Unicode's rules (ICU), not the database's locale, which in a
/// `C` cluster leaves `É` and `é` apart.
async fn check_name_free(
    conn: &mut sqlx::PgConnection,
    by: &Principal,
    name: &str,
    id: Option<i64>,
) -> Result<()> {
    sqlx::query!(
        r#"SELECT pg_advisory_xact_lock(hashtextextended(lower($1 COLLATE "und-x-icu"), 0))"#,
        name
    )
    .execute(&mut *conn)
    .await?;
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM cameras
                           WHERE lower(name COLLATE "und-x-icu") = lower($1 COLLATE "und-x-icu")
                             AND id IS DISTINCT FROM $2
                             AND camplane_sees($3, groups)) AS "taken!""#,
        name,
        id,
        by.groups.as_deref(),
    )
    .fetch_one(conn)
    .await?;
    if taken {
        return Err(Error::NameTaken);
    }
    Ok(())
}

/// External ids are unique among all cameras (the index enforces it; this
/// names the field). Writes of one id queue behind each other, as names do.
async fn check_external_id_free(
    conn: &mut sqlx::PgConnection,
    external_id: Option<&str>,
    id: Option<i64>,
) -> Result<()> {
    let Some(external_id) = external_id else {
        return Ok(());
    };
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('external id ' || $1, 0))",
        external_id
    )
    .execute(&mut *conn)
    .await?;
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM cameras
                           WHERE external_id = $1 AND id IS DISTINCT FROM $2) AS "taken!""#,
        external_id,
        id,
    )
    .fetch_one(conn)
    .await?;
    if taken {
        return Err(Error::ExternalIdTaken);
    }
    Ok(())
}

/// Wakes the reconciler; delivered only if the transaction commits.
async fn notify_changed(conn: &mut sqlx::PgConnection, id: i64) -> Result<()> {
    sqlx::query!("SELECT pg_notify($1, $2)", CHANGED_CHANNEL, id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The SQL half of `cameras::create`.
pub(super) async fn create(
    db: &PgPool,
    key: &SecretKey,
    by: &Principal,
    input: NewCameraInput,
    recording: RecordingPolicy,
) -> Result<Camera> {
    let fields = input.validate(recording)?;
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    let id = insert(&mut tx, key, by, fields).await?;
    let camera = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(camera)
}

/// Adds a camera of `fields` for `by` in the caller's transaction (which
/// has said who acts); returns its id.
pub(super) async fn insert(
    conn: &mut sqlx::PgConnection,
    key: &SecretKey,
    by: &Principal,
    fields: Fields,
) -> Result<i64> {
    check_groups_change(by, &[], &fields.groups)?;
    check_reach(by, &fields.groups)?;
    check_name_free(conn, by, &fields.name, None).await?;
    check_external_id_free(conn, fields.external_id.as_deref(), None).await?;
    // The id first: it is the associated data of the sealed password, and
    // one INSERT (not an INSERT and an UPDATE) is one audit entry.
    let id =
        sqlx::query_scalar!(r#"SELECT nextval(pg_get_serial_sequence('cameras', 'id')) AS "id!""#)
            .fetch_one(&mut *conn)
            .await?;
    let sealed = fields.password.map(|password| password.seal(id, key));
    let sub = SubColumns::of(fields.sub_stream, id, key);
    sqlx::query!(
        r#"INSERT INTO cameras (id, name, stream_url, password_sealed, password_key_id,
                                location, enabled, on_demand, max_readers, groups,
                                recording, retention_seconds, storage_budget_bytes, external_id,
                                sub_stream_url, sub_password_sealed, sub_password_key_id, node_labels)
           OVERRIDING SYSTEM VALUE
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"#,
        id,
        fields.name,
        fields.stream_url.expose(),
        sealed.as_ref().map(|sealed| sealed.bytes.as_slice()),
        sealed.as_ref().map(|sealed| sealed.key_id.as_str()),
        fields.location,
        fields.enabled,
        fields.on_demand,
        fields.max_readers,
        &fields.groups,
        fields.recording.mode.as_str(),
        fields.recording.retention_seconds(),
        fields.recording.storage_budget_bytes,
        fields.external_id,
        sub.url,
        sub.sealed.as_ref().map(|sealed| sealed.bytes.as_slice()),
        sub.sealed.as_ref().map(|sealed| sealed.key_id.as_str()),
        labels_json(&fields.node_labels),
    )
    .execute(&mut *conn)
    .await?;
    provisioning::start(conn, id).await?;
    notify_changed(conn, id).await?;
    Ok(id)
}

pub async fn get(db: &PgPool, id: i64) -> Result<Camera> {
    fetch(&mut *db.acquire().await?, id).await
}

/// `url`, which carries the mask, with camera `id`'s stored password in its
/// place, for a probe by `by`; audited, as the password is used on someone's
/// request. Refused unless `url` names the camera's own server.
pub async fn unmask_for_probe(
    db: &PgPool,
    key: &SecretKey,
    by: &Principal,
    id: i64,
    url: StreamUrl,
) -> Result<StreamUrl> {
    let camera = get_seen_by(db, by, id).await?;
    let stored = camera.source_url(key)?;
    if !url.same_endpoint(&stored) {
        return Err(Error::Invalid(vec![FieldError::new(
            "stream_url",
            MASK_ELSEWHERE,
        )]));
    }
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    audit::record(
        &mut *tx,
        "camera.probe_with_stored_password",
        serde_json::json!({"camera_id": id, "address": url.masked()}),
    )
    .await?;
    tx.commit().await?;
    Ok(url.unmask_with(&stored))
}

/// The camera, if `by` may see it: one it can't is not there.
pub async fn get_seen_by(db: &PgPool, by: &Principal, id: i64) -> Result<Camera> {
    Some(get(db, id).await?)
        .filter(|camera| by.sees(&camera.groups))
        .ok_or(Error::NotFound)
}

/// What `ListRow` reads of a camera `c` and its provisioning `p`.
const LISTED_COLUMNS: &str = "c.id, c.name, c.stream_url, c.password_sealed, c.password_key_id,
       c.sub_stream_url, c.sub_password_sealed, c.sub_password_key_id,
       c.location, c.enabled, c.on_demand, c.max_readers, c.groups,
       c.recording, c.retention_seconds, c.storage_budget_bytes, c.external_id,
       c.node_labels, c.version, c.created_at, c.updated_at,
       p.state AS provisioning_state, p.detail AS provisioning_detail,
       p.attempts AS provisioning_attempts, p.updated_at AS provisioning_updated_at";

/// Every camera, each handed to `each` as it is read (a fleet is not held
/// twice) after `count` is told how many there are, and the horizon to read
/// changes from next (`changed_since`).
pub(super) async fn read_all(
    db: &PgPool,
    count: impl FnOnce(usize),
    mut each: impl FnMut(Camera),
) -> Result<String> {
    let mut tx = db.begin().await?;
    let horizon = snapshot_horizon(&mut tx).await?;
    let cameras = sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM cameras"#)
        .fetch_one(&mut *tx)
        .await?;
    count(usize::try_from(cameras).unwrap_or_default());
    let statement = format!(
        "SELECT {LISTED_COLUMNS}
         FROM cameras c JOIN camera_provisioning p ON p.camera_id = c.id"
    );
    let mut rows = sqlx::query_as::<_, ListRow>(sqlx::AssertSqlSafe(statement)).fetch(&mut *tx);
    while let Some(row) = futures::TryStreamExt::try_next(&mut rows).await? {
        each(row.into_camera()?);
        // Rows arrive thousands per read, so without this the task would
        // keep its worker for tens of milliseconds: requests queued there
        // would wait that long.
        tokio::task::coop::consume_budget().await;
    }
    Ok(horizon)
}

/// What changed since `horizon`: each camera written (or whose provisioning
/// was) by a transaction the read that gave `horizon` could not see, handed
/// to `each` as it is read (a change to every camera, as a MediaMTX restart
/// makes, is not held twice); and the ids of those deleted, and the horizon
/// to read from next. A camera may come again that did not change since;
/// reading it twice is harmless.
pub(super) async fn changed_since(
    db: &PgPool,
    horizon: &str,
    mut each: impl FnMut(Camera),
) -> Result<(Vec<i64>, String)> {
    let mut tx = db.begin().await?;
    db::plan_each_run(&mut tx).await?;
    let next = snapshot_horizon(&mut tx).await?;
    let statement = format!(
        "SELECT {LISTED_COLUMNS}
         FROM cameras c JOIN camera_provisioning p ON p.camera_id = c.id
         WHERE c.id IN (SELECT id FROM cameras WHERE written_by >= $1::text::xid8
                        UNION SELECT camera_id FROM camera_provisioning
                              WHERE written_by >= $1::text::xid8)"
    );
    let mut rows = sqlx::query_as::<_, ListRow>(sqlx::AssertSqlSafe(statement))
        .bind(horizon)
        .fetch(&mut *tx);
    while let Some(row) = futures::TryStreamExt::try_next(&mut rows).await? {
        each(row.into_camera()?);
        tokio::task::coop::consume_budget().await;
    }
    drop(rows);
    let deleted = sqlx::query_scalar!(
        r#"SELECT camera_id AS "camera_id!" FROM camera_deletions
           WHERE written_by >= $1::text::xid8"#,
        horizon
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok((deleted, next))
}

/// Begins the one snapshot a catalog read sees, and says the oldest
/// transaction it can't see: whatever that one or a later one writes is
/// new to this read.
async fn snapshot_horizon(tx: &mut sqlx::PgConnection) -> Result<String> {
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let horizon = sqlx::query_scalar!(
        r#"SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS "horizon!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(horizon)
}

/// Which cameras `by_id` reads.
#[derive(Debug, Default)]
pub struct ById<'a> {
    /// Only those after this id.
    pub after: Option<i64>,
    pub limit: i64,
    /// Only these.
    pub ids: Option<&'a [i64]>,
    /// Only those a principal limited to these groups sees.
    pub groups: Option<&'a [String]>,
}

/// Cameras in id order: for the service's own readers (the changed
/// cameras of an event, the fleet's gauges, an export). The API's list is
/// the catalog's.
pub async fn by_id(db: &PgPool, which: &ById<'_>) -> Result<Vec<Camera>> {
    // Each id condition is an index condition, on both tables: PostgreSQL
    // merges the two in id order, and without `p.camera_id > $1` it read the
    // provisioning rows from the first camera on for every page (reading
    // 100,000 cameras page by page took 2 s). `ids` or not are two
    // statements, so neither is planned for the other.
    let ids = match which.ids {
        Some(_) => "c.id = ANY($2)",
        None => "$2::int8[] IS NULL",
    };
    let statement = format!(
        "SELECT {LISTED_COLUMNS}
         FROM cameras c JOIN camera_provisioning p ON p.camera_id = c.id
         WHERE c.id > $1 AND p.camera_id > $1 AND {ids}
           AND camplane_sees($3, c.groups)
         ORDER BY c.id
         LIMIT $4"
    );
    sqlx::query_as::<_, ListRow>(sqlx::AssertSqlSafe(statement))
        .bind(which.after.unwrap_or(i64::MIN))
        .bind(which.ids)
        .bind(which.groups)
        .bind(which.limit)
        .fetch_all(db)
        .await?
        .into_iter()
        .map(ListRow::into_camera)
        .collect()
}

/// A camera as `LISTED_COLUMNS` reads it.
#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    name: String,
    stream_url: String,
    password_sealed: Option<Vec<u8>>,
    password_key_id: Option<String>,
    sub_stream_url: Option<String>,
    sub_password_sealed: Option<Vec<u8>>,
    sub_password_key_id: Option<String>,
    location: Option<String>,
    enabled: bool,
    on_demand: bool,
    max_readers: i32,
    groups: Vec<String>,
    recording: String,
    retention_seconds: i64,
    storage_budget_bytes: Option<i64>,
    external_id: Option<String>,
    node_labels: serde_json::Value,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    provisioning_state: String,
    provisioning_detail: Option<String>,
    provisioning_attempts: i32,
    provisioning_updated_at: DateTime<Utc>,
}

impl ListRow {
    fn into_camera(self) -> Result<Camera> {
        let row = self;
        let corrupt = |what: String| {
            Error::Database(db::Error::Corrupt(format!("camera {}: {what}", row.id)))
        };
        let state = ProvisioningState::parse(&row.provisioning_state)
            .ok_or_else(|| corrupt(format!("provisioning state {:?}", row.provisioning_state)))?;
        let stream_url =
            StoredUrl::from_columns(&row.stream_url, row.password_sealed, row.password_key_id)
                .map_err(|reason| corrupt(format!("stream_url {reason}")))?;
        let sub_stream_url = row
            .sub_stream_url
            .map(|url| {
                StoredUrl::from_columns(&url, row.sub_password_sealed, row.sub_password_key_id)
            })
            .transpose()
            .map_err(|reason| corrupt(format!("sub_stream_url {reason}")))?;
        let recording = RecordingPolicy::from_columns(
            &row.recording,
            row.retention_seconds,
            row.storage_budget_bytes,
        )
        .ok_or_else(|| corrupt(format!("recording {:?}", row.recording)))?;
        let node_labels = serde_json::from_value(row.node_labels)
            .map_err(|err| corrupt(format!("node_labels: {err}")))?;
        Ok(Camera {
            id: row.id,
            name: row.name,
            stream_url,
            sub_stream_url,
            location: row.location,
            enabled: row.enabled,
            on_demand: row.on_demand,
            max_readers: row.max_readers,
            groups: row.groups,
            recording,
            external_id: row.external_id,
            node_labels,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            provisioning: Provisioning {
                state,
                detail: row.provisioning_detail,
                attempts: row.provisioning_attempts,
                updated_at: row.provisioning_updated_at,
            },
        })
    }
}

/// The SQL half of `cameras::update`.
pub(super) async fn update(
    db: &PgPool,
    key: &SecretKey,
    by: &Principal,
    id: i64,
    patch: CameraPatch,
    expected: Option<Expected>,
) -> Result<Camera> {
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    check_version(lock(&mut tx, by, id).await?, expected)?;
    let current = fetch(&mut tx, id).await?;
    let fields = patch.apply_to(&current)?;
    if !rewrite(&mut tx, key, by, &current, fields).await? {
        return Ok(current);
    }
    let camera = fetch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(camera)
}

/// Rewrites `current` (locked by the caller's transaction) as `fields` for
/// `by`; false, writing nothing, when they are what it already is.
pub(super) async fn rewrite(
    conn: &mut sqlx::PgConnection,
    key: &SecretKey,
    by: &Principal,
    current: &Camera,
    fields: Fields,
) -> Result<bool> {
    check_groups_change(by, &current.groups, &fields.groups)?;
    check_reach(by, &fields.groups)?;
    let fields = fields.reusing_sealed_password(current, key);
    if fields == Fields::from(current) {
        return Ok(false);
    }
    let id = current.id;
    if fields.name != current.name {
        check_name_free(conn, by, &fields.name, Some(id)).await?;
    }
    if fields.external_id != current.external_id {
        check_external_id_free(conn, fields.external_id.as_deref(), Some(id)).await?;
    }
    let sealed = fields.password.map(|password| password.seal(id, key));
    let sub = SubColumns::of(fields.sub_stream, id, key);
    sqlx::query!(
        r#"UPDATE cameras
           SET name = $2, stream_url = $3, password_sealed = $4, password_key_id = $5,
               location = $6, enabled = $7, on_demand = $8, max_readers = $9, groups = $10,
               recording = $11, retention_seconds = $12, storage_budget_bytes = $13,
               external_id = $14, sub_stream_url = $15, sub_password_sealed = $16,
               sub_password_key_id = $17, node_labels = $18, version = version + 1,
               updated_at = now()
           WHERE id = $1"#,
        id,
        fields.name,
        fields.stream_url.expose(),
        sealed.as_ref().map(|sealed| sealed.bytes.as_slice()),
        sealed.as_ref().map(|sealed| sealed.key_id.as_str()),
        fields.location,
        fields.enabled,
        fields.on_demand,
        fields.max_readers,
        &fields.groups,
        fields.recording.mode.as_str(),
        fields.recording.retention_seconds(),
        fields.recording.storage_budget_bytes,
        fields.external_id,
        sub.url,
        sub.sealed.as_ref().map(|sealed| sealed.bytes.as_slice()),
        sub.sealed.as_ref().map(|sealed| sealed.key_id.as_str()),
        labels_json(&fields.node_labels),
    )
    .execute(&mut *conn)
    .await?;
    if fields.node_labels != current.node_labels {
        // Placed again, by the reconciler, when its node lacks a label it
        // now asks for; a node that still fits keeps it.
        sqlx::query!(
            r#"DELETE FROM camera_placements p USING nodes n
               WHERE p.camera_id = $1 AND n.id = p.node_id AND NOT n.labels @> $2"#,
            id,
            labels_json(&fields.node_labels),
        )
        .execute(&mut *conn)
        .await?;
    }
    provisioning::start_over(conn, id, fields.enabled).await?;
    notify_changed(conn, id).await?;
    Ok(true)
}

fn labels_json(labels: &Labels) -> serde_json::Value {
    serde_json::to_value(labels).expect("a map of strings serializes")
}

/// A sub-stream as its columns hold it: the masked URL, the sealed password.
struct SubColumns {
    url: Option<String>,
    sealed: Option<Sealed>,
}

impl SubColumns {
    fn of(sub_stream: Option<SubStream>, camera_id: i64, key: &SecretKey) -> Self {
        let Some(sub) = sub_stream else {
            return Self {
                url: None,
                sealed: None,
            };
        };
        Self {
            url: Some(sub.url.expose().to_owned()),
            sealed: sub.password.map(|password| password.seal(camera_id, key)),
        }
    }
}

/// Deletes the camera. Its MediaMTX path goes with the reconciler's next
/// look at it: a `cam_<id>` path without a camera is an orphan.
pub async fn delete(
    db: &PgPool,
    by: &Principal,
    id: i64,
    expected: Option<Expected>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    check_version(lock(&mut tx, by, id).await?, expected)?;
    sqlx::query!("DELETE FROM cameras WHERE id = $1", id)
        .execute(&mut *tx)
        .await?;
    notify_changed(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// What a client's `If-Match` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// `*`: any version, as long as the camera exists.
    Any,
    OneOf(Vec<i64>),
}

impl Expected {
    /// Whether a write to the row at version `current` may go ahead.
    pub fn admits(expected: Option<&Expected>, current: i64) -> bool {
        match expected {
            Some(Expected::OneOf(versions)) => versions.contains(&current),
            Some(Expected::Any) | None => true,
        }
    }
}

fn check_version(current: i64, expected: Option<Expected>) -> Result<()> {
    if Expected::admits(expected.as_ref(), current) {
        Ok(())
    } else {
        Err(Error::Stale { current })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_goes_ahead_unless_if_match_names_other_versions() {
        assert!(check_version(4, None).is_ok());
        assert!(check_version(4, Some(Expected::Any)).is_ok());
        assert!(check_version(4, Some(Expected::OneOf(vec![3, 4]))).is_ok());
        for stale in [vec![3], vec![]] {
            assert!(matches!(
                check_version(4, Some(Expected::OneOf(stale))),
                Err(Error::Stale { current: 4 })
            ));
        }
    }
}
