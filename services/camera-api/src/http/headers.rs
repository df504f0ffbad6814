//! What every response tells the browser: which other origins may call the
//! API (CORS) and how to treat our pages (security headers).

use axum::http::Method;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::REQUEST_ID;

/// The console's scripts and styles are files of its own origin (Vite emits
/// no inline script), so scripts from anywhere else, inline or injected,
/// don't run. hls.js feeds video through `blob:` URLs and may run its demuxer
/// in a `blob:` worker; Swagger UI styles elements inline, which is harmless
/// without inline scripts.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; \
     worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// Set on every response unless a handler set its own.
pub async fn security(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        // frame-ancestors for browsers that predate it.
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// Browsers on the configured origins may call the API; any other origin
/// gets no CORS headers, so its scripts can't read the answers. Cookies are
/// not shared across origins: such clients authenticate with tokens.
pub fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .map(|origin| HeaderValue::from_str(origin).expect("config checked the origin"))
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            HeaderName::from_static(REQUEST_ID),
        ])
}
