//! Console sessions: a login checks the password (throttled per username
//! and client address, and more loosely per username from everywhere),
//! then hands out a random cookie value of which only the hash is stored, so
//! a logout or an admin's change ends the session on every replica at once.

use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use super::users::{self, User};
use super::{Error, Principal, Result, act_as, bearer, passwords};
use crate::audit;
use crate::secrets::Secret;
use crate::validation::{FieldError, FieldErrors};

/// How long a login lasts, whatever the activity: a console left open
/// overnight asks again in the morning.
pub const LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Failed logins a username gets from one address before each further one
/// from there must wait twice as long as the last, up to the cap: guessing
/// from one address is hopeless, and the user, from their own address, is
/// not held up by it.
const FREE_FAILURES: i32 = 5;
const MAX_BLOCK_SECS: f64 = 15.0 * 60.0;
/// The same across every address, far looser: only a crowd of addresses
/// guessing one username gets this far, and the cap is short because this
/// block holds the real user too. Slows such a crowd to one guess a minute.
const FREE_FAILURES_EVERYWHERE: i32 = 50;
const MAX_BLOCK_SECS_EVERYWHERE: f64 = 60.0;

/// Body of `POST /api/session`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
}

impl std::fmt::Debug for LoginInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginInput")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Body of `PUT /api/session/password`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(format = Password)]
    pub current_password: String,
    /// 12 to 1,024 characters.
    #[schema(format = Password)]
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

/// A logged-in session, as the service knows it.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Checks the credentials and opens a session; returns it with the cookie
/// value, which exists nowhere else.
pub async fn login(
    db: &PgPool,
    input: LoginInput,
    ip: Option<IpAddr>,
) -> Result<(Session, String)> {
    // No user can have it, and PostgreSQL would refuse some (a NUL) in the
    // lookup and the audit entry of a failed login.
    users::parse_username(&input.username)
        .map_err(|reason| Error::Invalid(vec![FieldError::new("username", reason)]))?;
    let key = input.username.to_lowercase();
    let address = counted_address(ip);
    refuse_while_blocked(db, &key, address.as_deref()).await?;
    let stored = sqlx::query!(
        "SELECT id, password_hash FROM users WHERE lower(username) = $1 AND NOT disabled",
        key
    )
    .fetch_optional(db)
    .await?;
    let id = stored.as_ref().map(|row| row.id);
    let verified = passwords::verify(
        Secret::new(input.password),
        stored.map(|row| row.password_hash),
    )
    .await;
    let Some(id) = id.filter(|_| verified) else {
        failed(db, "auth.login_failed", &key, &input.username, ip).await?;
        return Err(Error::LoginFailed);
    };
    let cookie = bearer::generate("cps_");
    let csrf_token = bearer::generate("");
    let mut tx = db.begin().await?;
    forgive(&mut tx, &key, address.as_deref()).await?;
    // Expired sessions go as new ones come; nothing else needs to sweep.
    sqlx::query!("DELETE FROM sessions WHERE expires_at < now()")
        .execute(&mut *tx)
        .await?;
    let expires_at = sqlx::query_scalar!(
        r#"INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)
           VALUES ($1, $2, $3, now() + make_interval(secs => $4))
           RETURNING expires_at"#,
        bearer::hash(&cookie),
        id,
        csrf_token,
        LIFETIME.as_secs_f64(),
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!("UPDATE users SET last_login_at = now() WHERE id = $1", id)
        .execute(&mut *tx)
        .await?;
    let user = users::fetch(&mut tx, id).await?;
    act_as(&mut tx, &user.username).await?;
    audit::record(&mut *tx, "auth.login", serde_json::json!({"ip": ip})).await?;
    tx.commit().await?;
    Ok((
        Session {
            user,
            csrf_token,
            expires_at,
        },
        cookie,
    ))
}

/// What a client's failures count against: its address as the edge saw it
/// (see `http::session`), and for IPv6 its /64, which one host usually holds
/// whole and could otherwise spend on a fresh address for every guess.
fn counted_address(ip: Option<IpAddr>) -> Option<String> {
    Some(match ip?.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !(u128::MAX >> 64);
            format!("{}/64", Ipv6Addr::from(prefix))
        }
    })
}

/// Refuses while either limit holds, with the longer wait.
async fn refuse_while_blocked(db: &PgPool, key: &str, address: Option<&str>) -> Result<()> {
    let secs = sqlx::query_scalar!(
        r#"SELECT ceil(extract(epoch FROM greatest(
             (SELECT blocked_until FROM login_throttle WHERE username = $1),
             (SELECT blocked_until FROM login_throttle_by_address
              WHERE username = $1 AND address IS NOT DISTINCT FROM $2::text::inet)
           ) - now()))::bigint"#,
        key,
        address,
    )
    .fetch_one(db)
    .await?;
    match secs {
        Some(secs) if secs > 0 => Err(Error::Throttled {
            retry_after_secs: secs.unsigned_abs(),
        }),
        _ => Ok(()),
    }
}

/// Counts a failure against the username from this address and against
/// the username from everywhere; past each limit's free failures, each
/// further one blocks for twice as long as the last, up to that limit's cap.
async fn failed(
    db: &PgPool,
    action: &str,
    key: &str,
    typed: &str,
    ip: Option<IpAddr>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        r#"INSERT INTO login_throttle_by_address AS t (username, address, failures)
           VALUES ($1, $2::text::inet, 1)
           ON CONFLICT (username, address) DO UPDATE SET failures = t.failures + 1,
             blocked_until = login_blocked_until(t.failures + 1, $3, $4)"#,
        key,
        counted_address(ip),
        FREE_FAILURES,
        MAX_BLOCK_SECS,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"INSERT INTO login_throttle AS t (username, failures) VALUES ($1, 1)
           ON CONFLICT (username) DO UPDATE SET failures = t.failures + 1,
             blocked_until = login_blocked_until(t.failures + 1, $2, $3)"#,
        key,
        FREE_FAILURES_EVERYWHERE,
        MAX_BLOCK_SECS_EVERYWHERE,
    )
    .execute(&mut *tx)
    .await?;
    let username: String = typed.chars().take(64).collect();
    audit::record(
        &mut *tx,
        action,
        serde_json::json!({"username": username, "ip": ip}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A right password clears the count of its address, and the count across
/// addresses too: that one only ever grows otherwise, and would end up
/// blocking the user for their own typos. Other addresses' counts stay.
async fn forgive(conn: &mut sqlx::PgConnection, key: &str, address: Option<&str>) -> Result<()> {
    sqlx::query!(
        r#"DELETE FROM login_throttle_by_address
           WHERE username = $1 AND address IS NOT DISTINCT FROM $2::text::inet"#,
        key,
        address,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("DELETE FROM login_throttle WHERE username = $1", key)
        .execute(conn)
        .await?;
    Ok(())
}

/// The session behind a cookie value, if it is still open.
pub async fn find(db: &PgPool, cookie: &str) -> Result<Option<(Principal, Session)>> {
    let row = sqlx::query!(
        r#"SELECT u.id, u.username, u.role, u.groups, u.disabled, u.created_at, u.updated_at,
                  u.last_login_at, s.csrf_token, s.expires_at
           FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled"#,
        bearer::hash(cookie)
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let Some(principal) =
        users::principal(row.id, row.username.clone(), &row.role, row.groups.clone())
    else {
        return Ok(None);
    };
    let session = Session {
        user: User {
            id: row.id,
            username: row.username,
            role: principal.role,
            groups: row.groups,
            disabled: row.disabled,
            created_at: row.created_at,
            updated_at: row.updated_at,
            last_login_at: row.last_login_at,
        },
        csrf_token: row.csrf_token,
        expires_at: row.expires_at,
    };
    Ok(Some((principal, session)))
}

pub async fn logout(db: &PgPool, cookie: &str, actor: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    let ended = sqlx::query!(
        "DELETE FROM sessions WHERE token_hash = $1",
        bearer::hash(cookie)
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if ended > 0 {
        act_as(&mut tx, actor).await?;
        audit::record(&mut *tx, "auth.logout", serde_json::json!({})).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Changes the password of the session's user. The current password proves
/// it is them, not someone at a console left open, and a wrong one counts
/// toward the same limits as a failed login from the same address. Every
/// other session of theirs ends (a password changed because it leaked must
/// lock the other holder out); this one stays.
pub async fn change_password(
    db: &PgPool,
    cookie: &str,
    input: PasswordChange,
    ip: Option<IpAddr>,
) -> Result<()> {
    let mut errors = FieldErrors::default();
    errors.check("new_password", passwords::check(&input.new_password));
    errors.into_result().map_err(Error::Invalid)?;
    let session = bearer::hash(cookie);
    let user = sqlx::query!(
        r#"SELECT u.id, u.username, u.password_hash
           FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled"#,
        session
    )
    .fetch_optional(db)
    .await?
    .ok_or(Error::Unauthenticated)?;
    let key = user.username.to_lowercase();
    let address = counted_address(ip);
    refuse_while_blocked(db, &key, address.as_deref()).await?;
    let current = Secret::new(input.current_password);
    if !passwords::verify(current, Some(user.password_hash)).await {
        failed(db, "auth.password_change_failed", &key, &user.username, ip).await?;
        return Err(Error::Invalid(vec![FieldError::new(
            "current_password",
            "is not your current password",
        )]));
    }
    let hash = passwords::hash(Secret::new(input.new_password)).await;
    let mut tx = db.begin().await?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
        user.id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    let ended = sqlx::query!(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
        user.id,
        session
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    forgive(&mut tx, &key, address.as_deref()).await?;
    act_as(&mut tx, &user.username).await?;
    audit::record(
        &mut *tx,
        "user.password_change",
        serde_json::json!({
            "user": {"id": user.id, "username": user.username},
            "other_sessions_ended": ended,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_count_per_ipv4_address_and_per_ipv6_slash_64() {
        let counted = |ip: &str| counted_address(Some(ip.parse().unwrap()));
        assert_eq!(counted("203.0.113.7").as_deref(), Some("203.0.113.7"));
        assert_eq!(
            counted("::ffff:203.0.113.7").as_deref(),
            Some("203.0.113.7"),
            "an IPv4 client seen over IPv6 is the same client"
        );
        assert_eq!(
            counted("2001:db8:1:2:aaaa::1"),
            counted("2001:db8:1:2:bbbb::2")
        );
        assert_eq!(
            counted("2001:db8:1:2::1").as_deref(),
            Some("2001:db8:1:2::/64")
        );
        assert_ne!(counted("2001:db8:1:2::1"), counted("2001:db8:1:3::1"));
        assert_eq!(counted_address(None), None);
    }
}
