//! MediaMTX's authentication (`internal/auth`): credentials read from the
//! HTTP request as `internal/protocols/httpp/credentials.go` reads them, the
//! `internal` method (one user, for the API) and the `http` method, where a
//! hook decides every authentication.

use std::fmt;
use std::io;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde::Serialize;
use serde_json::json;

use crate::{Options, Shared};

/// MediaMTX's default `readTimeout`.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// `authMethod: http` (`authHTTPAddress`, `authHTTPExclude`).
#[derive(Clone, Debug)]
pub struct AuthHttp {
    /// The hook, an `http://` URL (the stand-in has no TLS client, so no
    /// `https://` and no `authHTTPFingerprint`).
    pub address: String,
    /// Actions that skip the hook and are allowed. MediaMTX's entries are
    /// permissions that may also name a path; the stand-in takes the action
    /// alone, which is an entry with an empty path (any path). Empty, as
    /// MediaMTX's default has been since v1.20.1 (#6103).
    pub exclude: Vec<AuthAction>,
}

/// `internal/conf/auth_action.go`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthAction {
    Publish,
    Read,
    Playback,
    Api,
    Metrics,
    Pprof,
}

impl AuthAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthAction::Publish => "publish",
            AuthAction::Read => "read",
            AuthAction::Playback => "playback",
            AuthAction::Api => "api",
            AuthAction::Metrics => "metrics",
            AuthAction::Pprof => "pprof",
        }
    }
}

impl fmt::Display for AuthAction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for AuthAction {
    type Err = String;

    fn from_str(text: &str) -> Result<AuthAction, String> {
        [
            AuthAction::Publish,
            AuthAction::Read,
            AuthAction::Playback,
            AuthAction::Api,
            AuthAction::Metrics,
            AuthAction::Pprof,
        ]
        .into_iter()
        .find(|action| action.as_str() == text)
        .ok_or_else(|| format!("invalid auth action: '{text}'"))
    }
}

/// MediaMTX refuses to start on these (`internal/conf/conf.go`).
pub(crate) fn validate(options: &Options) -> io::Result<()> {
    let Some(hook) = &options.auth_http else {
        return Ok(());
    };
    let invalid = |message: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    if hook.address.is_empty() {
        return invalid("'authHTTPAddress' is empty");
    }
    if !hook.address.starts_with("http://") {
        return invalid("the stand-in's 'authHTTPAddress' must be an http:// URL");
    }
    Ok(())
}

/// One authentication, as `auth.Request` carries it.
pub(crate) struct Request<'a> {
    pub action: AuthAction,
    pub path: &'a str,
    pub query: &'a str,
    /// `""` for the API.
    pub protocol: &'static str,
    /// The session's UUID where MediaMTX has one.
    pub id: Option<String>,
    pub user_agent: &'a str,
    /// The credentials come from here, never from cookies.
    pub headers: &'a HeaderMap,
    pub ip: IpAddr,
}

#[derive(Default)]
struct Credentials {
    user: String,
    pass: String,
    token: String,
}

/// `httpp.Credentials`: the first `Bearer` header is `user:pass` when it
/// splits into exactly two parts, a token otherwise; failing that, Basic.
fn credentials(headers: &HeaderMap) -> Credentials {
    for value in headers.get_all(header::AUTHORIZATION) {
        let Some(bearer) = value
            .to_str()
            .ok()
            .and_then(|text| text.strip_prefix("Bearer "))
        else {
            continue;
        };
        let parts: Vec<&str> = bearer.split(':').collect();
        return match parts[..] {
            [user, pass] => Credentials {
                user: user.to_owned(),
                pass: pass.to_owned(),
                token: String::new(),
            },
            _ => Credentials {
                token: bearer.to_owned(),
                ..Credentials::default()
            },
        };
    }
    basic(headers).unwrap_or_default()
}

/// Go's `Request.BasicAuth`: the first `Authorization` header only.
fn basic(headers: &HeaderMap) -> Option<Credentials> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let prefix = value.get(..6)?;
    if !prefix.eq_ignore_ascii_case(b"Basic ") {
        return None;
    }
    let decoded = String::from_utf8(BASE64_STANDARD.decode(&value[6..]).ok()?).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some(Credentials {
        user: user.to_owned(),
        pass: pass.to_owned(),
        token: String::new(),
    })
}

/// The hook's body, fields in MediaMTX's order (`manager.go`).
#[derive(Serialize)]
struct HookRequest<'a> {
    ip: String,
    user: &'a str,
    password: &'a str,
    token: &'a str,
    action: &'static str,
    path: &'a str,
    protocol: &'static str,
    id: Option<&'a str>,
    query: &'a str,
    #[serde(rename = "userAgent")]
    user_agent: &'a str,
}

/// `Manager.Authenticate`, then the refusal the servers send: 401, with a
/// Basic challenge only when the client sent no credentials at all, and
/// otherwise only after a random pause (`LogAndDelayError`). Allowed, it
/// yields the user an HLS session reports: the one the client sent, or none
/// when the hook was skipped for an excluded action.
pub(crate) async fn authenticate(
    shared: &Shared,
    request: Request<'_>,
) -> Result<String, Response> {
    let options = &shared.options;
    let credentials = credentials(request.headers);
    // Reads and publishes are authenticated inside the path manager; the
    // API (and playback, metrics, pprof) on their own goroutines.
    let path_manager = match request.action {
        AuthAction::Read | AuthAction::Publish => Some(shared.path_manager.lock().await),
        _ => None,
    };
    let (allowed, token, user) = match &options.auth_http {
        Some(hook) if hook.exclude.contains(&request.action) => (true, "", ""),
        Some(hook) => {
            // `getToken`: the bearer token, or failing that the password.
            let token = match credentials.token.as_str() {
                "" => credentials.pass.as_str(),
                token => token,
            };
            let timeout = options.read_timeout.unwrap_or(READ_TIMEOUT);
            (
                ask_hook(hook, timeout, &request, &credentials, token).await,
                token,
                credentials.user.as_str(),
            )
        }
        None => {
            let allowed = match (&options.api_credentials, request.action) {
                (Some((user, pass)), AuthAction::Api) => {
                    credentials.user == *user && credentials.pass == *pass
                }
                // MediaMTX's default users may read and publish anywhere.
                _ => true,
            };
            (allowed, "", credentials.user.as_str())
        }
    };
    drop(path_manager);
    if allowed {
        return Ok(user.to_owned());
    }
    let ask_credentials =
        credentials.user.is_empty() && credentials.pass.is_empty() && token.is_empty();
    let body = json!({"status": "error", "error": "authentication error"});
    let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    if ask_credentials {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"mediamtx\""),
        );
    } else {
        pause(options.auth_failure_pause).await;
    }
    Err(response)
}

/// `authenticateHTTP` for an action that is not excluded (an excluded one
/// passes without a call): any answer but a 2xx, and any failure to get
/// one, denies.
async fn ask_hook(
    hook: &AuthHttp,
    timeout: Duration,
    request: &Request<'_>,
    credentials: &Credentials,
    token: &str,
) -> bool {
    let body = HookRequest {
        // Go prints an IPv4 client as IPv4 even when it came over IPv6.
        ip: request.ip.to_canonical().to_string(),
        user: &credentials.user,
        password: &credentials.pass,
        token,
        action: request.action.as_str(),
        path: request.path,
        protocol: request.protocol,
        id: request.id.as_deref(),
        query: request.query,
        user_agent: request.user_agent,
    };
    // A client per call, as MediaMTX makes a transport per call: the hook
    // sees a new connection every time, never a kept-alive one.
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .user_agent("Go-http-client/1.1")
        .build();
    let answer = match client {
        Ok(client) => client.post(&hook.address).json(&body).send().await,
        Err(error) => Err(error),
    };
    match answer {
        Ok(response) if response.status().is_success() => true,
        Ok(response) => {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            tracing::warn!(status, text, "stand-in: the auth hook refused");
            false
        }
        Err(error) => {
            tracing::warn!(%error, "stand-in: the auth hook failed");
            false
        }
    }
}

/// Uniform below `bound`, as MediaMTX slows brute force.
async fn pause(bound: Duration) {
    let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
    if nanos > 0 {
        tokio::time::sleep(Duration::from_nanos(crate::random_u64() % nanos)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(values: &[&'static str]) -> Credentials {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_static(value));
        }
        credentials(&headers)
    }

    fn triple(credentials: Credentials) -> (String, String, String) {
        (credentials.user, credentials.pass, credentials.token)
    }

    fn owned(user: &str, pass: &str, token: &str) -> (String, String, String) {
        (user.to_owned(), pass.to_owned(), token.to_owned())
    }

    #[test]
    fn bearer_user_pass_splits_only_into_exactly_two_parts() {
        assert_eq!(triple(from(&["Bearer u:p"])), owned("u", "p", ""));
        assert_eq!(triple(from(&["Bearer a:b:c"])), owned("", "", "a:b:c"));
        assert_eq!(triple(from(&["Bearer jwt"])), owned("", "", "jwt"));
    }

    #[test]
    fn basic_is_read_only_without_a_bearer() {
        // "u:p" in base64.
        assert_eq!(triple(from(&["basic dTpw"])), owned("u", "p", ""));
        assert_eq!(
            triple(from(&["Basic dTpw", "Bearer t"])),
            owned("", "", "t")
        );
        assert_eq!(triple(from(&["Digest x", "Basic dTpw"])), owned("", "", ""));
    }

    #[test]
    fn actions_parse_as_mediamtx_spells_them() {
        assert_eq!("api".parse(), Ok(AuthAction::Api));
        assert_eq!(
            "API".parse::<AuthAction>(),
            Err("invalid auth action: 'API'".to_owned())
        );
    }
}
