//! Who is asking, and may they: every handler but the health checks, the
//! login and MediaMTX's hook takes an `Authorized<Role>` argument, and its
//! OpenAPI `security` names the same role (the table-driven test in
//! tests/api/access.rs holds the two together).

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::AppState;
use super::problem::ApiError;
use crate::auth::recent::Found;
use crate::auth::{self, Principal, Role, sessions, tokens};

pub const SESSION_COOKIE: &str = "camplane_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A role a handler requires, as a type: `Authorized<Operator>`.
pub trait Requirement {
    const ROLE: Role;
}

pub struct Viewer;
pub struct Operator;
pub struct Admin;

impl Requirement for Viewer {
    const ROLE: Role = Role::Viewer;
}
impl Requirement for Operator {
    const ROLE: Role = Role::Operator;
}
impl Requirement for Admin {
    const ROLE: Role = Role::Admin;
}

/// The principal of a request that has at least role `R`.
pub struct Authorized<R> {
    pub principal: Principal,
    role: PhantomData<R>,
}

impl<R: Requirement> FromRequestParts<AppState> for Authorized<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = authenticate(parts, state).await?;
        tracing::Span::current().record("actor", principal.actor());
        if !principal.has(R::ROLE) {
            return Err(auth::Error::Forbidden {
                needed: R::ROLE,
                has: principal.role,
            }
            .into());
        }
        Ok(Self {
            principal,
            role: PhantomData,
        })
    }
}

/// For routes that aren't handlers of ours (the API documentation). A
/// browser that opens one without a session is sent to the console's login,
/// which sends it back; anything else gets the problem document.
pub async fn require<R: Requirement>(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let (mut parts, body) = request.into_parts();
    match Authorized::<R>::from_request_parts(&mut parts, &state).await {
        Ok(_) => Ok(next.run(Request::from_parts(parts, body)).await),
        Err(refused) if refused.status() == StatusCode::UNAUTHORIZED && wants_a_page(&parts) => {
            let back = parts.uri.path_and_query().map_or("/", |path| path.as_str());
            let login = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", back)
                .finish();
            Ok(Redirect::to(&format!("/login?{login}")).into_response())
        }
        Err(refused) => Err(refused),
    }
}

/// A browser navigating (not a script fetching): it asks for HTML first.
fn wants_a_page(parts: &Parts) -> bool {
    parts.method == Method::GET
        && parts
            .headers
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.starts_with("text/html"))
}

/// What a request proves itself with. A bearer token wins over a cookie:
/// an API client that happens to hold one shouldn't be judged by the other.
#[derive(Clone)]
pub enum Credential {
    Token(String),
    Session(String),
}

impl Credential {
    pub fn of(headers: &HeaderMap) -> Option<Self> {
        match bearer(headers) {
            Some(token) => Some(Self::Token(token.to_owned())),
            None => session_cookie(headers).map(|cookie| Self::Session(cookie.to_owned())),
        }
    }

    /// Who holds it now (recently looked up ones come from memory, at most
    /// a couple of seconds old); `None` once it opens nothing (revoked,
    /// expired, logged out, the user disabled or deleted).
    pub async fn holder(&self, state: &AppState) -> Result<Option<Found>, auth::Error> {
        let recent = &state.principals;
        let (key, found) = match self {
            Self::Token(token) => {
                if let Some(found) = recent.get(token) {
                    return Ok(Some(found));
                }
                let found = tokens::find(&state.db, token)
                    .await?
                    .map(|(principal, expires_at)| Found {
                        principal,
                        csrf_token: None,
                        expires_at,
                    });
                (token, found)
            }
            Self::Session(cookie) => {
                if let Some(found) = recent.get(cookie) {
                    return Ok(Some(found));
                }
                let found = sessions::find(&state.db, cookie)
                    .await?
                    .map(|(principal, session)| Found {
                        principal,
                        csrf_token: Some(session.csrf_token),
                        expires_at: Some(session.expires_at),
                    });
                (cookie, found)
            }
        };
        if let Some(found) = &found {
            recent.insert(key, found.clone());
        }
        Ok(found)
    }
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let credential = Credential::of(&parts.headers).ok_or(auth::Error::Unauthenticated)?;
    let found = credential
        .holder(state)
        .await?
        .ok_or(auth::Error::Unauthenticated)?;
    // SameSite=Strict already keeps other sites' requests cookie-less; the
    // header is the second lock, for browsers or proxies that don't honour it.
    let by_cookie = matches!(credential, Credential::Session(_));
    if by_cookie
        && !parts.method.is_safe()
        && csrf_header(&parts.headers) != found.csrf_token.as_deref()
    {
        return Err(auth::Error::Csrf.into());
    }
    Ok(found.principal)
}

/// After a successful write made with credentials, this replica forgets
/// what it remembered, before it answers: the principals (whatever the
/// write changed, a user, a token, a session, a password, the client's next
/// request is judged anew) and the camera list pages (the next list shows
/// what this answer shows). Every replica also forgets on PostgreSQL's
/// announcement of the change; this closes the moment before the
/// announcement arrives here, for every endpoint, present and future.
pub async fn forget_after_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let write = !request.method().is_safe() && Credential::of(request.headers()).is_some();
    let response = next.run(request).await;
    if write && response.status().is_success() {
        state.principals.clear();
        state.events.changed();
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get(CSRF_HEADER)?.to_str().ok()
}

/// `Secure` always: browsers accept it from http://localhost too, and a
/// session must never travel in the clear.
pub fn set_session_cookie(value: &str, max_age_secs: u64) -> HeaderValue {
    HeaderValue::try_from(format!(
        "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=Strict"
    ))
    .expect("a session token is a valid cookie value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_read_from_their_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer cpl_abc"),
        );
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; camplane_session=cps_xyz"),
        );
        assert_eq!(bearer(&headers), Some("cpl_abc"));
        assert_eq!(session_cookie(&headers), Some("cps_xyz"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic eDp5"),
        );
        assert_eq!(bearer(&headers), None);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("camplane_session="),
        );
        assert_eq!(session_cookie(&headers), None);
    }
}
