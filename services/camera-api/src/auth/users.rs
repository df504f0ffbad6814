//! Console users. Changing a user's password, role, groups or state ends
//! their sessions and video credentials, so the change holds at once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;

use super::{Error, Principal, Result, Role, act_as, passwords};
use crate::audit;
use crate::groups::parse_groups;
use crate::secrets::Secret;
use crate::validation::FieldErrors;

const USERNAME_MAX: usize = 64;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// `null`: every camera; otherwise only cameras sharing one of these groups.
    #[schema(required = true)]
    pub groups: Option<Vec<String>>,
    /// A disabled user can't log in, and their sessions have ended.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[schema(required = true)]
    pub last_login_at: Option<DateTime<Utc>>,
}

/// Body of `POST /api/users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    /// 1 to 64 letters, digits, `.`, `_`, `-` or `@`; unique ignoring case.
    #[schema(example = "alice", pattern = r"^[A-Za-z0-9._@-]{1,64}$")]
    pub username: String,
    /// 12 to 1,024 characters.
    #[schema(format = Password, min_length = 12, max_length = 1024)]
    pub password: String,
    pub role: Role,
    /// Limit the user to cameras in these groups; leave out for every camera.
    #[serde(default)]
    pub groups: Option<Vec<String>>,
}

/// Body of `PATCH /api/users/{id}`: only the fields sent change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    #[schema(format = Password, min_length = 12, max_length = 1024)]
    pub password: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    /// `null` gives the user every camera.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub groups: Option<Option<Vec<String>>>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

fn present<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<Vec<String>>>, D::Error> {
    Option::<Vec<String>>::deserialize(deserializer).map(Some)
}

pub fn parse_username(raw: &str) -> Result<String, String> {
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    match raw.len() {
        0 => Err("must not be empty".into()),
        n if n > USERNAME_MAX => Err(format!("must be at most {USERNAME_MAX} characters")),
        _ if !raw.chars().all(valid) => {
            Err("may hold only letters, digits, '.', '_', '-' and '@'".into())
        }
        _ => Ok(raw.to_owned()),
    }
}

fn optional_groups(raw: Option<&[String]>) -> Result<Option<Vec<String>>, String> {
    raw.map(parse_groups).transpose()
}

pub async fn list(db: &PgPool) -> Result<Vec<User>> {
    Ok(sqlx::query_as!(
        User,
        r#"SELECT id, username, role AS "role: _", groups, disabled, created_at, updated_at,
                  last_login_at
           FROM users ORDER BY lower(username)"#
    )
    .fetch_all(db)
    .await?)
}

pub(super) async fn fetch(conn: &mut sqlx::PgConnection, id: i64) -> Result<User> {
    sqlx::query_as!(
        User,
        r#"SELECT id, username, role AS "role: _", groups, disabled, created_at, updated_at,
                  last_login_at
           FROM users WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::NotFound("user"))
}

pub async fn create(db: &PgPool, actor: &str, input: NewUserInput) -> Result<User> {
    let mut errors = FieldErrors::default();
    let username = errors.check("username", parse_username(&input.username));
    errors.check("password", passwords::check(&input.password));
    let groups = errors.check("groups", optional_groups(input.groups.as_deref()));
    errors.into_result().map_err(Error::Invalid)?;
    let hash = passwords::hash(Secret::new(input.password)).await;
    let groups = groups.flatten();
    let mut tx = db.begin().await?;
    act_as(&mut tx, actor).await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO users (username, password_hash, role, groups) VALUES ($1, $2, $3, $4)
         RETURNING id",
        username,
        hash,
        input.role.as_str(),
        groups.as_deref(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let user = fetch(&mut tx, id).await?;
    audit::record(
        &mut *tx,
        "user.create",
        serde_json::json!({"user": view(&user)}),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// What the audit log shows of a user: never the hash.
fn view(user: &User) -> serde_json::Value {
    serde_json::json!({
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "groups": user.groups,
        "disabled": user.disabled,
    })
}

pub async fn update(db: &PgPool, actor: &str, id: i64, patch: UserPatch) -> Result<User> {
    let mut errors = FieldErrors::default();
    if let Some(password) = &patch.password {
        errors.check("password", passwords::check(password));
    }
    // Outer `None`: groups not sent; `Some(None)`: sent and invalid.
    let new_groups = patch
        .groups
        .as_ref()
        .map(|groups| errors.check("groups", optional_groups(groups.as_deref())));
    errors.into_result().map_err(Error::Invalid)?;
    let hash = match patch.password {
        Some(password) => Some(passwords::hash(Secret::new(password)).await),
        None => None,
    };
    let mut tx = db.begin().await?;
    act_as(&mut tx, actor).await?;
    lock_admins(&mut tx).await?;
    let before = fetch(&mut tx, id).await?;
    let role = patch.role.unwrap_or(before.role);
    let disabled = patch.disabled.unwrap_or(before.disabled);
    let groups = match new_groups {
        Some(Some(groups)) => groups,
        _ => before.groups.clone(),
    };
    let was_admin = before.role == Role::Admin && !before.disabled;
    let changes_access =
        role != before.role || disabled != before.disabled || groups != before.groups;
    if !changes_access && hash.is_none() {
        return Ok(before);
    }
    sqlx::query!(
        "UPDATE users SET password_hash = coalesce($2, password_hash), role = $3, groups = $4,
                          disabled = $5, updated_at = now()
         WHERE id = $1",
        id,
        hash,
        role.as_str(),
        groups.as_deref(),
        disabled,
    )
    .execute(&mut *tx)
    .await?;
    if was_admin {
        ensure_an_admin_remains(&mut tx).await?;
    }
    end_sessions(&mut tx, id).await?;
    let after = fetch(&mut tx, id).await?;
    let mut changes = serde_json::Map::new();
    let (old, new) = (view(&before), view(&after));
    for field in ["role", "groups", "disabled"] {
        if old[field] != new[field] {
            changes.insert(
                field.into(),
                serde_json::json!({"from": old[field], "to": new[field]}),
            );
        }
    }
    if hash.is_some() {
        changes.insert("password".into(), "changed".into());
    }
    audit::record(
        &mut *tx,
        "user.update",
        serde_json::json!({"user": {"id": id, "username": after.username}, "changes": changes}),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn delete(db: &PgPool, actor: &str, id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    act_as(&mut tx, actor).await?;
    lock_admins(&mut tx).await?;
    let user = fetch(&mut tx, id).await?;
    sqlx::query!("DELETE FROM users WHERE id = $1", id)
        .execute(&mut *tx)
        .await?;
    if user.role == Role::Admin && !user.disabled {
        ensure_an_admin_remains(&mut tx).await?;
    }
    audit::record(
        &mut *tx,
        "user.delete",
        serde_json::json!({"user": view(&user)}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Serialises changes to admins, so two concurrent demotions can't each see
/// the other admin still there.
async fn lock_admins(conn: &mut sqlx::PgConnection) -> Result<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('camplane.users.admins'))")
        .execute(conn)
        .await?;
    Ok(())
}

async fn ensure_an_admin_remains(conn: &mut sqlx::PgConnection) -> Result<()> {
    let admins = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM users WHERE role = 'admin' AND NOT disabled"#
    )
    .fetch_one(conn)
    .await?;
    if admins == 0 {
        return Err(Error::LastAdmin);
    }
    Ok(())
}

async fn end_sessions(conn: &mut sqlx::PgConnection, user_id: i64) -> Result<()> {
    sqlx::query!("DELETE FROM sessions WHERE user_id = $1", user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM video_tokens WHERE user_id = $1", user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The first admin, for a fresh installation: `camera-api create-admin`, or
/// `CAMPLANE_INITIAL_ADMIN_PASSWORD` at start-up. Does nothing (`Ok(None)`)
/// once any user exists, so the variable can't reset a password later.
pub async fn create_first_admin(
    db: &PgPool,
    username: &str,
    password: Secret,
) -> Result<Option<User>> {
    let mut tx = db.begin().await?;
    lock_admins(&mut tx).await?;
    let any = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users) AS "any!""#)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    if any {
        return Ok(None);
    }
    let input = NewUserInput {
        username: username.to_owned(),
        password: password.expose().to_owned(),
        role: Role::Admin,
        groups: None,
    };
    // Racing replicas: the unique username makes the second one fail, which
    // is fine since the first one won.
    match create(db, "camera-api", input).await {
        Ok(user) => Ok(Some(user)),
        Err(Error::UsernameTaken) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The principal behind a user id, if it may still act.
pub(super) fn principal(
    id: i64,
    username: String,
    role: &str,
    groups: Option<Vec<String>>,
) -> Option<Principal> {
    Some(Principal {
        kind: super::PrincipalKind::User { id, username },
        role: Role::parse(role)?,
        groups,
    })
}
