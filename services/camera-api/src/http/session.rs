//! `/api/session`: console login and logout with a session cookie.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Authorized, Viewer, session_cookie, set_session_cookie};
use super::extract::JsonBody;
use super::problem::{ApiError, Problem};
use crate::auth::sessions::{self, LIFETIME, LoginInput, PasswordChange};
use crate::auth::users::User;
use crate::auth::{self, PrincipalKind};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_session, login, logout))
        .routes(routes!(change_password))
}

/// The logged-in user, and the token that every write made with the
/// session cookie must carry in `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

impl From<sessions::Session> for Session {
    fn from(session: sessions::Session) -> Self {
        Self {
            user: session.user,
            csrf_token: session.csrf_token,
            expires_at: session.expires_at,
        }
    }
}

/// Log in. Sets the `camplane_session` cookie (`HttpOnly`, `Secure`,
/// `SameSite=Strict`, 12 hours). After five failures for a username from
/// one address each further attempt from there waits twice as long as the
/// last (up to 15 minutes); after 50 from all addresses together, every
/// address waits (up to a minute).
#[utoipa::path(
    post, path = "/api/session", tag = "access",
    request_body = LoginInput,
    security(()),
    responses(
        (status = 200, description = "Logged in", body = Session,
            headers(("Set-Cookie" = String, description = "The session cookie"))),
        (status = 401, description = "Wrong username or password (`login-failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing, or the username is not one a user can have (control characters, too long, other than letters, digits, `.`, `_`, `-`, `@`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures for this username from this address, or from all addresses; see Retry-After (`too-many-attempts`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<LoginInput>,
) -> Result<Response, ApiError> {
    let (session, cookie) = sessions::login(&state.db, input, client_ip(&headers)).await?;
    tracing::info!(user = session.user.username, "logged in");
    let cookie = set_session_cookie(&cookie, LIFETIME.as_secs());
    Ok(([(header::SET_COOKIE, cookie)], Json(Session::from(session))).into_response())
}

/// The client's address as the edge saw it, for the audit log and the login
/// limits: HAProxy replaces `X-Forwarded-For` with the address it was
/// connected from, so only a client that can reach the service past the
/// edge could pick its own.
fn client_ip(headers: &HeaderMap) -> Option<std::net::IpAddr> {
    headers
        .get("x-forwarded-for")?
        .to_str()
        .ok()?
        .rsplit(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The session of this cookie.
#[utoipa::path(
    get, path = "/api/session", tag = "access",
    security(("session" = ["viewer"])),
    responses(
        (status = 200, description = "The session", body = Session),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_session(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Session>, ApiError> {
    let cookie = session_cookie(&headers).ok_or(crate::auth::Error::Unauthenticated)?;
    let (_, session) = sessions::find(&state.db, cookie)
        .await?
        .ok_or(crate::auth::Error::Unauthenticated)?;
    Ok(Json(session.into()))
}

/// Log out: the session ends on the server, and the cookie is cleared.
#[utoipa::path(
    delete, path = "/api/session", tag = "access",
    security(("session" = ["viewer"])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The X-CSRF-Token header is missing or wrong", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn logout(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(cookie) = session_cookie(&headers) {
        sessions::logout(&state.db, cookie, &auth.principal.actor()).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, set_session_cookie("", 0))],
    )
        .into_response())
}

/// Change your own password, giving the current one. Every other session
/// of yours ends; this one stays. A wrong current password counts toward
/// the same limits as a failed login from your address. API tokens have no
/// password (`403 not-a-user`).
#[utoipa::path(
    put, path = "/api/session/password", tag = "access",
    request_body = PasswordChange,
    security(("session" = ["viewer"])),
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The X-CSRF-Token header is missing or wrong (`csrf`), or the credential is an API token (`not-a-user`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`current_password` is wrong or `new_password` too short or long; `errors` says which", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures for this username from this address, or from all addresses; see Retry-After (`too-many-attempts`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    auth: Authorized<Viewer>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let cookie = match (&auth.principal.kind, session_cookie(&headers)) {
        (PrincipalKind::User { .. }, Some(cookie)) => cookie,
        _ => return Err(auth::Error::NotAUser.into()),
    };
    sessions::change_password(&state.db, cookie, input, client_ip(&headers)).await?;
    // The request's span names the user (`actor`).
    tracing::info!("password changed");
    Ok(StatusCode::NO_CONTENT)
}
