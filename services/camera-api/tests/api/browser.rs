//! What the service tells browsers: the console is served with headers that
//! keep injected scripts and framing out, and only configured origins may
//! call the API from their pages.

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::support::TestApp;

const TRUSTED: &str = "https://vms.example.com";

/// A built console: just an index page, in a directory the test removes.
struct Console(std::path::PathBuf);

impl Console {
    fn build() -> Console {
        let dir = std::env::temp_dir().join(format!("camplane-console-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("index.html"),
            "<!doctype html><title>Camplane</title>",
        )
        .unwrap();
        Console(dir)
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn spawn() -> (TestApp, Console) {
    let console = Console::build();
    let dir = console.0.display().to_string();
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CAMPLANE_CONSOLE_DIR".into(), dir);
        vars.insert(
            "CAMPLANE_CORS_ORIGINS".into(),
            format!("{TRUSTED}, http://10.0.0.5:8080"),
        );
    })
    .await;
    (app, console)
}

async fn request(app: &TestApp, method: Method, path: &str, headers: &[(&str, &str)]) -> HeaderMap {
    let mut request = app.client.request(method, format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.headers().clone()
}

#[tokio::test]
async fn the_console_and_the_api_carry_security_headers() {
    let (app, _console) = spawn().await;
    for path in ["/", "/live?layout=4", "/api/cameras", "/healthz"] {
        let headers = request(&app, Method::GET, path, &[]).await;
        let csp = headers["content-security-policy"].to_str().unwrap();
        for directive in [
            "script-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    }
}

#[tokio::test]
async fn only_configured_origins_may_call_the_api_from_a_browser() {
    let (app, _console) = spawn().await;
    let allowed = |headers: &HeaderMap| headers.get("access-control-allow-origin").cloned();

    let headers = request(&app, Method::GET, "/api/cameras", &[("origin", TRUSTED)]).await;
    assert_eq!(allowed(&headers), Some(HeaderValue::from_static(TRUSTED)));
    let exposed = headers["access-control-expose-headers"].to_str().unwrap();
    assert!(
        exposed.contains("etag") && exposed.contains("x-request-id"),
        "{exposed}"
    );

    // A preflight for a conditional write from the trusted origin.
    let preflight = request(
        &app,
        Method::OPTIONS,
        "/api/cameras/1",
        &[
            ("origin", TRUSTED),
            ("access-control-request-method", "PATCH"),
            ("access-control-request-headers", "content-type, if-match"),
        ],
    )
    .await;
    assert_eq!(allowed(&preflight), Some(HeaderValue::from_static(TRUSTED)));
    assert!(
        preflight["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("PATCH"),
        "{preflight:?}"
    );

    // Any other origin, including a look-alike, gets no CORS headers: its
    // scripts can't read the answer.
    for origin in [
        "https://evil.example",
        "https://vms.example.com.evil.example",
        "null",
    ] {
        let headers = request(&app, Method::GET, "/api/cameras", &[("origin", origin)]).await;
        assert_eq!(allowed(&headers), None, "{origin}");
    }
}
