//! Who may do what. Principals are console users (a session cookie) and API
//! tokens (`Authorization: Bearer`); each has a role and, optionally, the
//! camera groups it is limited to. Video is authorised the same way through
//! MediaMTX's auth hook (`video`).

mod bearer;
mod passwords;
pub mod recent;
pub mod sessions;
pub mod tokens;
pub mod users;
pub mod video;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db;
use crate::secrets::Secret;
use crate::validation::FieldError;

#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a video token opens MediaMTX (`CAMPLANE_VIDEO_TOKEN_TTL`).
    pub video_token_lifetime: Duration,
    /// The first admin, created at start-up when there are no users
    /// (`CAMPLANE_INITIAL_ADMIN`, `CAMPLANE_INITIAL_ADMIN_PASSWORD`).
    pub initial_admin: Option<(String, Secret)>,
}

/// What a principal may do; each role includes the ones below it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema, sqlx::Type,
)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum Role {
    /// Live view, snapshots, and reading cameras and their status.
    Viewer,
    /// Also adds, edits and deletes cameras, probes them and forces reconciles.
    Operator,
    /// Everything, users, API tokens and the audit log included.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Operator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub role: Role,
    /// `None`: every camera. Otherwise only cameras sharing one of these.
    pub groups: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    User { id: i64, username: String },
    Token { id: i64, name: String },
}

impl PrincipalKind {
    /// See `Principal::actor`.
    pub fn actor(&self) -> String {
        match self {
            Self::User { username, .. } => username.clone(),
            Self::Token { id, name } => format!("token:{name}#{id}"),
        }
    }
}

impl Principal {
    /// How the audit log names this principal: a username, or
    /// `token:<name>#<id>` (usernames can't hold a colon).
    pub fn actor(&self) -> String {
        self.kind.actor()
    }

    pub fn has(&self, role: Role) -> bool {
        self.role >= role
    }

    /// Whether a camera in `camera_groups` is visible to this principal.
    /// Queries decide it with `camplane_sees`, the same rule in SQL
    /// (migrations/20261203000020_visibility.sql): change both together;
    /// tests/api/visibility.rs checks that they agree.
    pub fn sees<S: AsRef<str>>(&self, camera_groups: impl IntoIterator<Item = S>) -> bool {
        limit_sees(self.groups.as_deref(), camera_groups)
    }
}

/// `Principal::sees` for a principal limited to `limit` (`None`: no limit).
pub fn limit_sees<S: AsRef<str>>(
    limit: Option<&[String]>,
    camera_groups: impl IntoIterator<Item = S>,
) -> bool {
    match limit {
        None => true,
        Some(limit) => camera_groups
            .into_iter()
            .any(|group| limit.iter().any(|own| own == group.as_ref())),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("credentials are required")]
    Unauthenticated,
    #[error("wrong username or password")]
    LoginFailed,
    #[error("too many failed logins for this username; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("this needs the {needed} role; you have {has}", needed = needed.as_str(), has = has.as_str())]
    Forbidden { needed: Role, has: Role },
    #[error("a write made with the session cookie needs its X-CSRF-Token header")]
    Csrf,
    #[error("only a user logged in to the console has a password to change; an API token has none")]
    NotAUser,
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("another user already has that username")]
    UsernameTaken,
    #[error("this would leave no enabled admin; make another user admin first")]
    LastAdmin,
    #[error(transparent)]
    Database(#[from] db::Error),
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        if db::violates(&err, "users_username_key") {
            Self::UsernameTaken
        } else {
            Self::Database(err.into())
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Makes the audit trigger of this transaction's camera writes name `actor`.
pub async fn act_as(conn: &mut sqlx::PgConnection, actor: &str) -> Result<(), db::Error> {
    sqlx::query!("SELECT set_config('camplane.actor', $1, true)", actor)
        .fetch_one(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, groups: Option<&[&str]>) -> Principal {
        Principal {
            kind: PrincipalKind::User {
                id: 1,
                username: "alice".into(),
            },
            role,
            groups: groups.map(|groups| groups.iter().map(|g| g.to_string()).collect()),
        }
    }

    #[test]
    fn roles_include_the_ones_below() {
        let operator = principal(Role::Operator, None);
        assert!(operator.has(Role::Viewer) && operator.has(Role::Operator));
        assert!(!operator.has(Role::Admin));
        assert!(principal(Role::Admin, None).has(Role::Operator));
        assert!(!principal(Role::Viewer, None).has(Role::Operator));
    }

    #[test]
    fn groups_limit_which_cameras_are_seen() {
        let everyone = principal(Role::Viewer, None);
        assert!(everyone.sees([] as [&str; 0]));
        let lobby = principal(Role::Viewer, Some(&["lobby", "dock"]));
        assert!(lobby.sees(["dock"]));
        assert!(!lobby.sees(["vault"]));
        // A camera in no group is for unrestricted principals only.
        assert!(!lobby.sees([] as [&str; 0]));
        assert_eq!(
            principal(Role::Viewer, None).actor(),
            "alice",
            "a user acts under their name"
        );
    }
}
