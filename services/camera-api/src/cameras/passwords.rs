//! Camera passwords as a whole: checked and sealed at start-up, re-sealed
//! under a new key by `camera-api rotate-key`. Each runs in one transaction,
//! so a failure (a wrong key, a crash) changes nothing and loses nothing.

use sqlx::{PgConnection, PgPool};

use super::{Error, Result, StreamUrl};
use crate::db::LEADER_LOCK;
use crate::secrets::{self, Sealed, SecretKey};
use crate::{audit, db};

/// Run after the migrations, before serving. Refuses a key that is not the
/// one the stored passwords are sealed with, then seals any password still
/// stored in the clear (rows from before encryption), and has PostgreSQL
/// check that none is left. Returns how many it sealed.
pub async fn seal_stored(db: &PgPool, key: &SecretKey) -> Result<usize> {
    let mut tx = db.begin().await?;
    check_key(&mut tx, key).await?;
    // Locked, so replicas starting together seal each row once.
    let clear = sqlx::query!(
        r#"SELECT id, stream_url FROM cameras
           WHERE password_sealed IS NULL AND stream_url ~ '^rtsps?://[^/@]*@'
           ORDER BY id FOR UPDATE"#
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut resealed = Resealed::default();
    for row in clear {
        let url = StreamUrl::parse(&row.stream_url).map_err(|reason| {
            db::Error::Corrupt(format!("camera {}: stream_url {reason}", row.id))
        })?;
        if let (masked, Some(password)) = url.split_password() {
            let sealed = key.seal(row.id, password.expose());
            resealed.push(row.id, masked.expose().to_owned(), Some(sealed), None);
        }
    }
    let sealed = resealed.store(&mut tx).await?;
    // Done here, not in a migration: a migration runs before the service
    // could seal these rows. A no-op once the constraint is valid.
    let validated: bool = sqlx::query_scalar!(
        r#"SELECT convalidated AS "validated!" FROM pg_constraint
           WHERE conname = 'cameras_password_sealed'"#
    )
    .fetch_one(&mut *tx)
    .await?;
    if !validated {
        sqlx::query("ALTER TABLE cameras VALIDATE CONSTRAINT cameras_password_sealed")
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(sealed)
}

/// Refuses to run with a key other than the one passwords are sealed with:
/// every camera would fail to open, and new ones would be sealed under a
/// second key.
async fn check_key(conn: &mut PgConnection, key: &SecretKey) -> Result<()> {
    let other = sqlx::query!(
        r#"SELECT id, coalesce(nullif(password_key_id, $1), sub_password_key_id) AS "key_id!"
           FROM cameras
           WHERE password_key_id <> $1 OR sub_password_key_id <> $1 ORDER BY id LIMIT 1"#,
        key.id()
    )
    .fetch_optional(conn)
    .await?;
    match other {
        Some(row) => Err(secrets::Error::OtherKey {
            camera_id: row.id,
            sealed_with: row.key_id,
            configured: key.id().to_owned(),
        }
        .into()),
        None => Ok(()),
    }
}

/// Re-seals every camera password from `old` to `new`, all or none: one
/// password that `old` can't open aborts the whole rotation. Afterwards only
/// `new` opens them. Returns how many it re-sealed.
///
/// Refused while a service runs on the database: it would go on sealing new
/// passwords under `old`, leaving two keys in use.
pub async fn rotate_key(db: &PgPool, old: &SecretKey, new: &SecretKey) -> Result<usize> {
    let mut tx = db.begin().await?;
    // A running service always has a leader, which holds this lock.
    let alone: bool = sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_xact_lock($1) AS "alone!""#,
        LEADER_LOCK
    )
    .fetch_one(&mut *tx)
    .await?;
    if !alone {
        return Err(Error::InUse);
    }
    let rows = sqlx::query!(
        r#"SELECT id, stream_url, password_sealed, password_key_id,
                  sub_password_sealed, sub_password_key_id
           FROM cameras
           WHERE password_sealed IS NOT NULL OR sub_password_sealed IS NOT NULL
           ORDER BY id FOR UPDATE"#
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut resealed = Resealed::default();
    for row in rows {
        let reseal = |bytes: Option<Vec<u8>>, key_id: Option<String>| -> Result<Option<Sealed>> {
            let (Some(bytes), Some(key_id)) = (bytes, key_id) else {
                return Ok(None);
            };
            let password = old.open(row.id, &Sealed { key_id, bytes })?;
            Ok(Some(new.seal(row.id, password.expose())))
        };
        let main = reseal(row.password_sealed, row.password_key_id)?;
        let sub = reseal(row.sub_password_sealed, row.sub_password_key_id)?;
        resealed.push(row.id, row.stream_url, main, sub);
    }
    let count = resealed.store(&mut tx).await?;
    sqlx::query_scalar!("SELECT set_config('camplane.actor', 'camera-api rotate-key', true)")
        .fetch_one(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        "secrets.rotate_key",
        serde_json::json!({"from_key": old.id(), "to_key": new.id(), "cameras": count}),
    )
    .await?;
    tx.commit().await?;
    Ok(count)
}

/// Rows to write back with their masked URL and newly sealed passwords:
/// the main URL's and the sub-stream's (`None` keeps what is stored).
#[derive(Default)]
struct Resealed {
    ids: Vec<i64>,
    urls: Vec<String>,
    sealed: Vec<Option<Sealed>>,
    sub_sealed: Vec<Option<Sealed>>,
}

impl Resealed {
    fn push(&mut self, id: i64, masked_url: String, sealed: Option<Sealed>, sub: Option<Sealed>) {
        self.ids.push(id);
        self.urls.push(masked_url);
        self.sealed.push(sealed);
        self.sub_sealed.push(sub);
    }

    /// One statement for them all; the camera's version stays, as nothing
    /// a client sees or sets has changed.
    async fn store(self, conn: &mut PgConnection) -> Result<usize> {
        let bytes = |all: &[Option<Sealed>]| -> Vec<Option<Vec<u8>>> {
            all.iter()
                .map(|s| s.as_ref().map(|s| s.bytes.clone()))
                .collect()
        };
        let key_ids = |all: &[Option<Sealed>]| -> Vec<Option<String>> {
            all.iter()
                .map(|s| s.as_ref().map(|s| s.key_id.clone()))
                .collect()
        };
        sqlx::query!(
            r#"UPDATE cameras c
               SET stream_url = u.url,
                   password_sealed = coalesce(u.sealed, c.password_sealed),
                   password_key_id = coalesce(u.key_id, c.password_key_id),
                   sub_password_sealed = coalesce(u.sub_sealed, c.sub_password_sealed),
                   sub_password_key_id = coalesce(u.sub_key_id, c.sub_password_key_id)
               FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::text[], $5::bytea[], $6::text[])
                    AS u(id, url, sealed, key_id, sub_sealed, sub_key_id)
               WHERE c.id = u.id"#,
            &self.ids,
            &self.urls,
            &bytes(&self.sealed) as &[Option<Vec<u8>>],
            &key_ids(&self.sealed) as &[Option<String>],
            &bytes(&self.sub_sealed) as &[Option<Vec<u8>>],
            &key_ids(&self.sub_sealed) as &[Option<String>],
        )
        .execute(conn)
        .await
        .map_err(Error::from)?;
        Ok(self.ids.len())
    }
}
