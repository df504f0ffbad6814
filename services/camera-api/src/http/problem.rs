//! The one place where errors become HTTP responses: RFC 9457
//! `application/problem+json`, with 5xx causes logged and never sent.

use std::collections::BTreeMap;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::validation::FieldError;
use crate::{auth, cameras, db, media, mediamtx, nodes, recordings, secrets, views};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document. Every error response of the API has this shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; stable, so clients can branch on it.
    #[serde(rename = "type")]
    #[schema(example = "urn:camplane:problem:validation")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// One entry per rejected field (422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Why a camera could not be read (snapshot errors): `AUTH`,
    /// `NOT_FOUND`, `UNREACHABLE`, `TIMEOUT`, `BAD_STREAM` or `FFMPEG_EXIT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "UNREACHABLE")]
    pub code: Option<String>,
    /// Results of individual readiness checks (`/readyz` only).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, String>,
}

/// Boxed: handlers return `Result<_, ApiError>` everywhere, and the happy
/// path shouldn't pay for the error's size.
#[derive(Debug)]
pub struct ApiError(Box<Details>);

#[derive(Debug)]
struct Details {
    status: StatusCode,
    kind: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    code: Option<&'static str>,
    checks: BTreeMap<String, String>,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The cause of a 5xx, for the log only: it may hold internals.
    cause: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        Self(Box::new(Details {
            status,
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            code: None,
            checks: BTreeMap::new(),
            headers: Vec::new(),
            cause: None,
        }))
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed-request", detail)
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", detail).with_errors(errors)
    }

    pub fn unavailable(detail: impl Into<String>, cause: impl Into<anyhow::Error>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("2"))
            .with_cause(cause)
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed to handle this request; it has been logged",
        )
        .with_cause(cause)
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.push((name, value));
        self
    }

    pub fn with_checks(mut self, checks: BTreeMap<String, String>) -> Self {
        self.0.checks = checks;
        self
    }

    fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors = errors;
        self
    }

    fn with_cause(mut self, cause: impl Into<anyhow::Error>) -> Self {
        self.0.cause = Some(cause.into());
        self
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let this = *self.0;
        if let Some(cause) = &this.cause
            && this.status.is_server_error()
        {
            // `{:#}` prints the whole source chain on one line.
            let error = format!("{cause:#}");
            let status = this.status.as_u16();
            // A dependency that is down is an outage the operator already
            // sees in /readyz, not a bug: it warns, so ERROR stays for bugs.
            if this.status == StatusCode::SERVICE_UNAVAILABLE {
                tracing::warn!(status, error, "request failed: a dependency is unavailable");
            } else {
                tracing::error!(status, error, "request failed");
            }
        }
        let problem = Problem {
            kind: format!("urn:camplane:problem:{}", this.kind),
            title: this.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: this.status.as_u16(),
            detail: this.detail,
            errors: this.errors,
            code: this.code.map(str::to_owned),
            checks: this.checks,
        };
        let mut response = (
            this.status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
            serde_json::to_vec(&problem).unwrap_or_default(),
        )
            .into_response();
        for (name, value) in this.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

impl From<db::Error> for ApiError {
    fn from(err: db::Error) -> Self {
        match err {
            db::Error::Unavailable(_) => {
                Self::unavailable("the database is unavailable; retry shortly", err)
            }
            _ => Self::internal(err),
        }
    }
}

impl From<cameras::Error> for ApiError {
    fn from(err: cameras::Error) -> Self {
        use cameras::Error;
        match err {
            Error::Invalid(errors) => Self::invalid(errors),
            Error::NotFound => Self::not_found("no camera with that id"),
            Error::NameTaken => {
                let message = "another camera you can see already has this name";
                Self::new(StatusCode::CONFLICT, "conflict", message)
                    .with_errors(vec![FieldError::new("name", message)])
            }
            Error::ExternalIdTaken => {
                let message = "another camera already has this external id";
                Self::new(StatusCode::CONFLICT, "conflict", message)
                    .with_errors(vec![FieldError::new("external_id", message)])
            }
            Error::Stale { current } => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "the camera was changed since you loaded it; reload it and apply your change again",
            )
            .with_header(header::ETAG, super::cameras::etag(current)),
            Error::Database(err) => err.into(),
            Error::Secret(err) => err.into(),
            // Only `rotate-key` can meet it, never a request.
            Error::InUse => Self::internal(err),
        }
    }
}

impl From<views::Error> for ApiError {
    fn from(err: views::Error) -> Self {
        use views::Error;
        let detail = err.to_string();
        match err {
            Error::Invalid(errors) => Self::invalid(errors),
            Error::NotFound => Self::not_found(detail),
            Error::NameTaken { .. } => Self::new(StatusCode::CONFLICT, "conflict", detail.clone())
                .with_errors(vec![FieldError::new("name", detail)]),
            Error::TooMany => Self::new(StatusCode::CONFLICT, "too-many-views", detail),
            Error::SharingNeedsOperator | Error::NotEditable => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
            }
            Error::Stale { current } => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "the view was changed since you loaded it; reload it and apply your change again",
            )
            .with_header(header::ETAG, super::cameras::etag(current)),
            Error::Database(err) => err.into(),
        }
    }
}

impl From<nodes::Error> for ApiError {
    fn from(err: nodes::Error) -> Self {
        use nodes::Error;
        let detail = err.to_string();
        match err {
            Error::Invalid(errors) => Self::invalid(errors),
            Error::NotFound => Self::not_found(detail),
            Error::NameTaken => Self::new(StatusCode::CONFLICT, "conflict", detail.clone())
                .with_errors(vec![FieldError::new("name", detail)]),
            Error::ApiUrlTaken => Self::new(StatusCode::CONFLICT, "conflict", detail.clone())
                .with_errors(vec![FieldError::new("api_url", detail)]),
            Error::InUse { .. } => Self::new(StatusCode::CONFLICT, "node-in-use", detail),
            Error::Stale { current } => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "the node was changed since you loaded it; reload it and apply your change again",
            )
            .with_header(header::ETAG, super::cameras::etag(current)),
            Error::Database(err) => err.into(),
        }
    }
}

impl From<auth::Error> for ApiError {
    fn from(err: auth::Error) -> Self {
        use auth::Error;
        let detail = err.to_string();
        match err {
            Error::Unauthenticated => Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "log in, or send an API token as Authorization: Bearer <token>",
            )
            .with_header(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"camplane\""),
            ),
            Error::LoginFailed => Self::new(StatusCode::UNAUTHORIZED, "login-failed", detail),
            Error::Throttled { retry_after_secs } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts", detail)
                    .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs))
            }
            Error::Forbidden { .. } => Self::new(StatusCode::FORBIDDEN, "forbidden", detail),
            Error::Csrf => Self::new(StatusCode::FORBIDDEN, "csrf", detail),
            Error::NotAUser => Self::new(StatusCode::FORBIDDEN, "not-a-user", detail),
            Error::Invalid(errors) => Self::invalid(errors),
            Error::NotFound(_) => Self::not_found(detail),
            Error::UsernameTaken => Self::new(StatusCode::CONFLICT, "conflict", detail.clone())
                .with_errors(vec![FieldError::new("username", detail)]),
            Error::LastAdmin => Self::new(StatusCode::CONFLICT, "last-admin", detail),
            Error::Database(err) => err.into(),
        }
    }
}

impl From<recordings::Error> for ApiError {
    fn from(err: recordings::Error) -> Self {
        use recordings::Error;
        match err {
            Error::Invalid(errors) => Self::invalid(errors),
            Error::Camera(err) => err.into(),
            Error::CameraDisabled => {
                Self::new(StatusCode::CONFLICT, "camera-disabled", err.to_string())
            }
            Error::Playback(ref cause) if cause.is_transient() => Self::unavailable(
                "MediaMTX's playback server is unavailable; retry shortly",
                err,
            ),
            // It refuses a path it does not have: not provisioned yet.
            Error::Playback(mediamtx::Error::Rejected { status: 400, .. }) => Self::new(
                StatusCode::CONFLICT,
                "not-provisioned",
                "MediaMTX does not have this camera yet; retry once it is provisioned",
            ),
            Error::Playback(_) => Self::internal(err),
            Error::ExportNotFound => Self::not_found(err.to_string()),
            Error::ExportPending => {
                Self::new(StatusCode::CONFLICT, "export-pending", err.to_string())
                    .with_header(header::RETRY_AFTER, HeaderValue::from_static("2"))
            }
            Error::ExportFailed(_) => Self::new(StatusCode::GONE, "export-failed", err.to_string()),
            Error::NotScannedYet => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                err.to_string(),
            )
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("2")),
            Error::Storage(_) => Self::internal(err),
            Error::Database(err) => err.into(),
        }
    }
}

/// A stored password that does not open is the server's fault, never the
/// client's; the log says which camera and key.
impl From<secrets::Error> for ApiError {
    fn from(err: secrets::Error) -> Self {
        Self::internal(err)
    }
}

impl From<media::Error> for ApiError {
    fn from(err: media::Error) -> Self {
        match err {
            media::Error::Busy => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", err.to_string())
                    .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
            }
            media::Error::Failed(failure) => {
                let status = match failure.code {
                    media::Code::Timeout => StatusCode::GATEWAY_TIMEOUT,
                    _ => StatusCode::BAD_GATEWAY,
                };
                let mut problem = Self::new(status, "camera-unreadable", failure.detail);
                problem.0.code = Some(failure.code.as_str());
                problem
            }
        }
    }
}
