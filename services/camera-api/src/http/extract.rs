//! Extractors whose rejections are problem documents, so a malformed request
//! gets the same documented error shape as a semantically invalid one.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::problem::ApiError;
use crate::validation::FieldError;

/// Requests over this size get `413`; a camera is a few hundred bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON body: `415` for another content type, `413` when too large, `400`
/// for malformed JSON and `422` (naming the field) for the wrong shape.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the body as application/json",
            ));
        }
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload-too-large",
                    format!("the body must be at most {BODY_LIMIT} bytes"),
                )
            } else {
                ApiError::bad_request("the request body could not be read")
            }
        })?;
        parse_json(&body).map(JsonBody)
    }
}

fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(essence) = content_type
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
    else {
        return false;
    };
    let essence = essence.trim().to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            Category::Data => {
                let (field, message) = describe_data_error(&path, &inner.to_string());
                ApiError::invalid(vec![FieldError::new(field, message)])
            }
            _ => not_json(&inner),
        }
    })?;
    deserializer.end().map_err(|err| not_json(&err))?;
    Ok(value)
}

fn not_json(err: &serde_json::Error) -> ApiError {
    ApiError::bad_request(format!("the body is not valid JSON: {err}"))
}

/// Names the field behind a serde error. Missing and unknown fields are
/// reported at the parent, so their name is taken from the message.
fn describe_data_error(path: &str, message: &str) -> (String, String) {
    // serde's messages end with " at line L column C", which means nothing to
    // a client that built the JSON programmatically.
    let message = message.split(" at line ").next().unwrap_or(message);
    let backticked = || message.split('`').nth(1).map(str::to_owned);
    if message.starts_with("missing field") {
        return (backticked().unwrap_or_default(), "is required".into());
    }
    if message.starts_with("unknown field") {
        return (
            backticked().unwrap_or_default(),
            "is not a known field".into(),
        );
    }
    // serde reads a struct from an array too; to a client both mean "not an object".
    if path == "." || path.starts_with('[') {
        return ("body".to_owned(), "must be a JSON object".to_owned());
    }
    let field = path.to_owned();
    (field, message.to_owned())
}

/// Query parameters, with a `422` naming the parameter when they don't parse.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Params)
            .map_err(|err| ApiError::invalid(vec![FieldError::new("query", err.to_string())]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: Option<i64>,
    }

    fn status_and_field(body: &str) -> (StatusCode, String) {
        let err = parse_json::<Body>(body.as_bytes()).unwrap_err();
        let field = err_field(&err);
        (err.status(), field)
    }

    fn err_field(err: &ApiError) -> String {
        format!("{err:?}")
    }

    #[test]
    fn malformed_json_is_400_and_wrong_shape_is_422_naming_the_field() {
        assert_eq!(status_and_field("{").0, StatusCode::BAD_REQUEST);
        assert_eq!(
            status_and_field(r#"{"name":"a"} x"#).0,
            StatusCode::BAD_REQUEST
        );
        let (status, debug) = status_and_field(r#"{"name":"a","count":"many"}"#);
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(debug.contains(r#"field: "count""#), "{debug}");
        let (_, debug) = status_and_field(r#"{"name":"a","extra":1}"#);
        assert!(debug.contains(r#"field: "extra""#), "{debug}");
        let (_, debug) = status_and_field(r#"{}"#);
        assert!(debug.contains(r#"field: "name""#), "{debug}");
        let (_, debug) = status_and_field(r#"[]"#);
        assert!(debug.contains(r#"field: "body""#), "{debug}");
    }

    #[test]
    fn json_content_types() {
        let json = |v: &'static str| is_json(Some(&header::HeaderValue::from_static(v)));
        assert!(json("application/json"));
        assert!(json("application/json; charset=utf-8"));
        assert!(json("application/merge-patch+json"));
        assert!(!json("text/plain"));
        assert!(!is_json(None));
    }
}
