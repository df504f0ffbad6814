//! The SQL of saved views: every read and write of the `views` table.

use sqlx::PgPool;

use super::{
    CheckedPatch, Error, Fields, NewViewInput, Result, VIEWS_PER_OWNER, View, ViewPatch, may_edit,
};
use crate::auth::{self, Principal, PrincipalKind};
use crate::cameras::Expected;
use crate::validation::FieldError;
use crate::{audit, db};

/// The owner columns of the views `by` keeps: its user id or its token id.
fn owner_ids(by: &Principal) -> (Option<i64>, Option<i64>) {
    match by.kind {
        PrincipalKind::User { id, .. } => (Some(id), None),
        PrincipalKind::Token { id, .. } => (None, Some(id)),
    }
}

/// The owner of a row as the API names it, from its owner columns and the
/// name behind the one that is set.
fn owner_name(
    view: i64,
    user: (Option<i64>, Option<String>),
    token: (Option<i64>, Option<String>),
) -> Result<String> {
    let kind = match (user, token) {
        ((Some(id), Some(username)), _) => PrincipalKind::User { id, username },
        (_, (Some(id), Some(name))) => PrincipalKind::Token { id, name },
        _ => {
            let corrupt = format!("view {view}: its owner is neither a user nor a token");
            return Err(Error::Database(db::Error::Corrupt(corrupt)));
        }
    };
    Ok(kind.actor())
}

/// The views `by` sees (its own and the shared ones), by name, or just
/// view `only`. A tile whose camera `by` can't see, or which no longer
/// exists, reads as empty.
async fn read(
    db: impl sqlx::PgExecutor<'_>,
    by: &Principal,
    only: Option<i64>,
) -> Result<Vec<View>> {
    let (user_id, token_id) = owner_ids(by);
    let rows = sqlx::query!(
        r#"SELECT v.id, v.name, v.layout, v.shared, v.version, v.created_at, v.updated_at,
                  v.owner_user_id, u.username AS "owner_username?",
                  v.owner_token_id, t.name AS "owner_token_name?",
                  ARRAY(SELECT c.id
                        FROM unnest(v.tiles) WITH ORDINALITY AS tile(camera_id, n)
                        LEFT JOIN cameras c
                               ON c.id = tile.camera_id AND camplane_sees($3, c.groups)
                        ORDER BY tile.n) AS "tiles!: Vec<Option<i64>>"
           FROM views v
           LEFT JOIN users u ON u.id = v.owner_user_id
           LEFT JOIN api_tokens t ON t.id = v.owner_token_id
           WHERE (v.shared OR v.owner_user_id = $1 OR v.owner_token_id = $2)
             AND ($4::bigint IS NULL OR v.id = $4)
           ORDER BY lower(v.name COLLATE "und-x-icu"), v.id"#,
        user_id,
        token_id,
        by.groups.as_deref(),
        only,
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            let owned = (row.owner_user_id, row.owner_token_id) == (user_id, token_id);
            Ok(View {
                owner: owner_name(
                    row.id,
                    (row.owner_user_id, row.owner_username),
                    (row.owner_token_id, row.owner_token_name),
                )?,
                editable: may_edit(by, owned, row.shared),
                id: row.id,
                name: row.name,
                layout: row.layout,
                tiles: row.tiles,
                shared: row.shared,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect()
}

pub async fn list(db: &PgPool, by: &Principal) -> Result<Vec<View>> {
    read(db, by, None).await
}

async fn read_one(conn: &mut sqlx::PgConnection, by: &Principal, id: i64) -> Result<View> {
    read(conn, by, Some(id)).await?.pop().ok_or(Error::NotFound)
}

/// Refuses tiles naming cameras `by` can't see (or that don't exist: to
/// `by` the two are one), naming them.
async fn check_cameras(
    conn: &mut sqlx::PgConnection,
    by: &Principal,
    tiles: &[Option<i64>],
) -> Result<()> {
    let ids: Vec<i64> = tiles.iter().flatten().copied().collect();
    if ids.is_empty() {
        return Ok(());
    }
    let unknown = sqlx::query_scalar!(
        r#"SELECT coalesce(array_agg(DISTINCT wanted.id ORDER BY wanted.id), '{}')
                  AS "unknown!"
           FROM unnest($1::bigint[]) AS wanted(id)
           WHERE NOT EXISTS (SELECT 1 FROM cameras c
                             WHERE c.id = wanted.id AND camplane_sees($2, c.groups))"#,
        &ids,
        by.groups.as_deref(),
    )
    .fetch_one(conn)
    .await?;
    if unknown.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = unknown.iter().map(i64::to_string).collect();
    Err(Error::Invalid(vec![FieldError::new(
        "tiles",
        format!("no camera you can see has the id {}", listed.join(", ")),
    )]))
}

/// What the audit log shows of a view.
fn audited(id: i64, fields: &Fields, owner: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "name": fields.name,
        "layout": fields.layout,
        "tiles": fields.tiles,
        "shared": fields.shared,
        "owner": owner,
    })
}

/// Creates a view kept by `by`.
pub async fn create(db: &PgPool, by: &Principal, input: NewViewInput) -> Result<View> {
    let fields = input.validate(by)?;
    let (user_id, token_id) = owner_ids(by);
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    // One owner's creates queue here, so two can't both pass the limit.
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('camplane.views.' || $1, 0))",
        by.actor()
    )
    .execute(&mut *tx)
    .await?;
    let kept = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM views
           WHERE owner_user_id = $1 OR owner_token_id = $2"#,
        user_id,
        token_id,
    )
    .fetch_one(&mut *tx)
    .await?;
    if kept >= VIEWS_PER_OWNER {
        return Err(Error::TooMany);
    }
    check_cameras(&mut tx, by, &fields.tiles).await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO views (owner_user_id, owner_token_id, name, layout, tiles, shared)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"#,
        user_id,
        token_id,
        fields.name,
        fields.layout,
        &fields.tiles as &[Option<i64>],
        fields.shared,
    )
    .fetch_one(&mut *tx)
    .await?;
    // Personal views are their owner's business; shared ones are what
    // everyone watches, so who changed them is on record.
    if fields.shared {
        let view = audited(id, &fields, &by.actor());
        audit::record(&mut *tx, "view.create", serde_json::json!({"view": view})).await?;
    }
    let view = read_one(&mut tx, by, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// A view locked for a read-modify-write, as stored.
struct Locked {
    fields: Fields,
    owner: String,
}

/// Locks view `id` for a change by `by`: one it can't see is not there,
/// one it sees but may not change is refused, and so is a version other
/// than `expected`.
async fn lock(
    conn: &mut sqlx::PgConnection,
    by: &Principal,
    id: i64,
    expected: Option<&Expected>,
) -> Result<Locked> {
    let row = sqlx::query!(
        r#"SELECT v.name, v.layout, v.tiles AS "tiles: Vec<Option<i64>>", v.shared, v.version,
                  v.owner_user_id, u.username AS "owner_username?",
                  v.owner_token_id, t.name AS "owner_token_name?"
           FROM views v
           LEFT JOIN users u ON u.id = v.owner_user_id
           LEFT JOIN api_tokens t ON t.id = v.owner_token_id
           WHERE v.id = $1
           FOR UPDATE OF v"#,
        id
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::NotFound)?;
    let owned = (row.owner_user_id, row.owner_token_id) == owner_ids(by);
    if !owned && !row.shared {
        return Err(Error::NotFound);
    }
    if !may_edit(by, owned, row.shared) {
        return Err(Error::NotEditable);
    }
    if !Expected::admits(expected, row.version) {
        return Err(Error::Stale {
            current: row.version,
        });
    }
    Ok(Locked {
        owner: owner_name(
            id,
            (row.owner_user_id, row.owner_username),
            (row.owner_token_id, row.owner_token_name),
        )?,
        fields: Fields {
            name: row.name,
            layout: row.layout,
            tiles: row.tiles,
            shared: row.shared,
        },
    })
}

/// Changes the fields `patch` names, if `by` may.
pub async fn update(
    db: &PgPool,
    by: &Principal,
    id: i64,
    patch: ViewPatch,
    expected: Option<Expected>,
) -> Result<View> {
    let patch: CheckedPatch = patch.validate()?;
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    let current = lock(&mut tx, by, id, expected.as_ref()).await?;
    let fields = patch.apply_to(&current.fields, by)?;
    if fields == current.fields {
        return read_one(&mut tx, by, id).await;
    }
    if fields.tiles != current.fields.tiles {
        check_cameras(&mut tx, by, &fields.tiles).await?;
    }
    sqlx::query!(
        r#"UPDATE views
           SET name = $2, layout = $3, tiles = $4, shared = $5,
               version = version + 1, updated_at = now()
           WHERE id = $1"#,
        id,
        fields.name,
        fields.layout,
        &fields.tiles as &[Option<i64>],
        fields.shared,
    )
    .execute(&mut *tx)
    .await?;
    if current.fields.shared || fields.shared {
        let (before, after) = (
            audited(id, &current.fields, &current.owner),
            audited(id, &fields, &current.owner),
        );
        let mut changes = serde_json::Map::new();
        for field in ["name", "layout", "tiles", "shared"] {
            if before[field] != after[field] {
                changes.insert(
                    field.into(),
                    serde_json::json!({"from": before[field], "to": after[field]}),
                );
            }
        }
        audit::record(
            &mut *tx,
            "view.update",
            serde_json::json!({"view": after, "changes": changes}),
        )
        .await?;
    }
    let view = read_one(&mut tx, by, id).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn delete(
    db: &PgPool,
    by: &Principal,
    id: i64,
    expected: Option<Expected>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    let current = lock(&mut tx, by, id, expected.as_ref()).await?;
    sqlx::query!("DELETE FROM views WHERE id = $1", id)
        .execute(&mut *tx)
        .await?;
    if current.fields.shared {
        let view = audited(id, &current.fields, &current.owner);
        audit::record(&mut *tx, "view.delete", serde_json::json!({"view": view})).await?;
    }
    tx.commit().await?;
    Ok(())
}
