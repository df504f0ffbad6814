//! The HTTP layer in-process: requests go through the real router with
//! `oneshot`, with no socket, no PostgreSQL and no MediaMTX. What these
//! tests judge (credentials, roles, CSRF, request shapes) is decided before
//! anything real is asked, so the database pool is closed: a request that
//! gets as far as needing it is a 503, and a 503 shows it got past every
//! check under test. Credentials are judged from the
//! principals this replica remembers, seeded here as a lookup leaves them.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

use super::AppState;
use super::auth::{CSRF_HEADER, SESSION_COOKIE};
use crate::auth::recent::{Found, Recent};
use crate::auth::{Principal, PrincipalKind, Role};
use crate::config::Config;

const CSRF: &str = "csrf-of-the-session";
const CANARY: &str = "Canary-Pass-7";

struct InProcess {
    router: Router,
    principals: Arc<Recent>,
    openapi: Value,
}

impl InProcess {
    async fn new() -> Self {
        let config = Config::from_lookup(|name| {
            let value = match name {
                "DATABASE_URL" => "postgres://nobody@127.0.0.1:1/nowhere",
                "MEDIAMTX_API_URL" => "http://127.0.0.1:1",
                "CAMPLANE_SECRET_KEY" => "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                "CAMPLANE_FFMPEG" | "CAMPLANE_FFPROBE" => "false",
                _ => return None,
            };
            Some(value.to_owned())
        })
        .expect("a valid configuration");
        let db = crate::db::pool(&config.database_url).expect("a lazy pool");
        // Closed, it refuses at once: a 503 without a wait for a connection.
        db.close().await;
        let principals = Arc::new(Recent::default());
        let state = AppState::new(super::Shared {
            mediamtx: crate::mediamtx::Client::new(&config.mediamtx),
            media: crate::media::Media::new(config.media.clone(), config.request_timeout),
            config: Arc::new(config),
            db,
            events: Arc::default(),
            principals: principals.clone(),
            pages: Arc::default(),
            catalog: Arc::default(),
            storage: Arc::default(),
            tasks: crate::tasks::Tasks::default(),
        });
        let openapi = serde_json::to_value(super::openapi()).expect("a JSON document");
        Self {
            router: super::app(state),
            principals,
            openapi,
        }
    }

    /// A bearer token held by a principal of `role`, remembered as a fresh
    /// lookup leaves it (again before each request: remembered principals
    /// are fresh for a moment only).
    fn token(&self, role: Role) -> String {
        let token = format!("cpl_{}", role.as_str());
        self.principals.insert(
            &token,
            Found {
                principal: principal(
                    role,
                    PrincipalKind::Token {
                        id: 1,
                        name: "t".into(),
                    },
                ),
                csrf_token: None,
                expires_at: None,
            },
        );
        token
    }

    /// A console session's cookie, remembered the same way.
    fn session(&self, role: Role) -> String {
        let cookie = format!("session-of-{}", role.as_str());
        self.principals.insert(
            &cookie,
            Found {
                principal: principal(
                    role,
                    PrincipalKind::User {
                        id: 1,
                        username: role.as_str().into(),
                    },
                ),
                csrf_token: Some(CSRF.into()),
                expires_at: None,
            },
        );
        format!("{SESSION_COOKIE}={cookie}")
    }

    async fn status(&self, request: Request<Body>) -> StatusCode {
        let response = self.router.clone().oneshot(request).await.expect("served");
        response.status()
    }

    /// The status and the problem document of a refusal.
    async fn problem(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.expect("served");
        let status = response.status();
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        assert_eq!(
            content_type.as_ref().and_then(|value| value.to_str().ok()),
            Some(super::PROBLEM_JSON),
            "{status}: {}",
            String::from_utf8_lossy(&body)
        );
        let problem: Value = serde_json::from_slice(&body).expect("a JSON problem");
        assert_eq!(problem["status"], status.as_u16(), "{problem}");
        (status, problem)
    }

    /// As an admin with a bearer token, `body` as JSON.
    fn as_admin(&self, method: Method, uri: &str, body: Option<&Value>) -> Request<Body> {
        let request = Request::builder().method(method).uri(uri).header(
            header::AUTHORIZATION,
            format!("Bearer {}", self.token(Role::Admin)),
        );
        match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .expect("a request")
    }

    /// The fields a 422 names, in order.
    async fn invalid_fields(&self, request: Request<Body>) -> Vec<String> {
        let (status, problem) = self.problem(request).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(!problem.to_string().contains(CANARY), "{problem}");
        problem["errors"]
            .as_array()
            .expect("an errors list")
            .iter()
            .map(|error| error["field"].as_str().expect("a field").to_owned())
            .collect()
    }
}

fn principal(role: Role, kind: PrincipalKind) -> Principal {
    Principal {
        kind,
        role,
        groups: None,
    }
}

/// The role each operation's `security` names (as the scope of each scheme
/// it accepts, `token` or `session`), and those schemes; `None` for open
/// operations.
fn required_role(operation: &Value) -> Option<(Role, Vec<String>)> {
    let mut needed = Vec::new();
    let mut schemes = Vec::new();
    for requirement in operation["security"].as_array()? {
        for (scheme, scopes) in requirement.as_object().expect("an object") {
            let [role] = scopes.as_array().expect("scopes").as_slice() else {
                panic!("one role per scheme: {operation}");
            };
            needed.push(Role::parse(role.as_str().expect("a name")).expect("a role"));
            schemes.push(scheme.clone());
        }
    }
    let first = *needed.first()?;
    assert!(needed.iter().all(|role| *role == first), "{operation}");
    Some((first, schemes))
}

enum Credential {
    None,
    Token(Role),
    Session { role: Role, csrf: bool },
}

impl Credential {
    /// The OpenAPI security scheme it is.
    fn scheme(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Token(_) => "token",
            Self::Session { .. } => "session",
        }
    }
}

impl InProcess {
    fn request(&self, method: &Method, uri: &str, credential: &Credential) -> Request<Body> {
        let mut request = Request::builder().method(method.clone()).uri(uri);
        match credential {
            Credential::None => {}
            Credential::Token(role) => {
                request = request.header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", self.token(*role)),
                );
            }
            Credential::Session { role, csrf } => {
                request = request.header(header::COOKIE, self.session(*role));
                if *csrf {
                    request = request.header(CSRF_HEADER, CSRF);
                }
            }
        }
        let body = if matches!(*method, Method::POST | Method::PATCH) {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from("{}")
        } else {
            Body::empty()
        };
        request.body(body).expect("a request")
    }
}

/// Paused time: the event stream's wait for change announcements (none
/// come here) passes at once.
#[tokio::test(start_paused = true)]
async fn every_operation_needs_the_role_its_document_names_and_a_csrf_token_for_cookie_writes() {
    let app = InProcess::new().await;
    let mut open = Vec::new();
    let mut checked = 0;
    for (path, item) in app.openapi["paths"].as_object().expect("paths") {
        let uri = path.replace("{id}", "999999");
        for (method, operation) in item.as_object().expect("operations") {
            let method: Method = method.to_uppercase().parse().expect("a method");
            let Some((needed, schemes)) = required_role(operation) else {
                open.push(format!("{method} {path}"));
                continue;
            };
            let anonymous = app.request(&method, &uri, &Credential::None);
            let (status, problem) = app.problem(anonymous).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_eq!(problem["type"], "urn:camplane:problem:unauthenticated");
            for role in Role::ALL {
                for credential in [
                    Credential::Token(role),
                    Credential::Session { role, csrf: true },
                ] {
                    // A scheme the operation doesn't name is not judged here.
                    if !schemes.iter().any(|scheme| *scheme == credential.scheme()) {
                        continue;
                    }
                    let request = app.request(&method, &uri, &credential);
                    let by = format!("as a {} by {}", role.as_str(), credential.scheme());
                    if role < needed {
                        let (status, problem) = app.problem(request).await;
                        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path} {by}");
                        assert_eq!(problem["type"], "urn:camplane:problem:forbidden");
                    } else {
                        let status = app.status(request).await;
                        assert!(
                            status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                            "{method} {path} refused {by} ({status})"
                        );
                    }
                }
            }
            if !method.is_safe() {
                let session = Credential::Session {
                    role: Role::Admin,
                    csrf: false,
                };
                let (status, problem) = app.problem(app.request(&method, &uri, &session)).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
                assert_eq!(
                    problem["type"], "urn:camplane:problem:csrf",
                    "{method} {path}"
                );
            }
            checked += 1;
        }
    }
    open.sort();
    assert_eq!(
        open,
        [
            "GET /healthz",
            "GET /readyz",
            "POST /api/mediamtx/auth",
            "POST /api/session",
        ],
        "only health checks, the login and MediaMTX's hook (which carries its own \
         credentials) are open"
    );
    assert!(checked >= 20, "{checked} operations checked");
    // The document and its explorer need credentials too.
    for uri in ["/api/openapi.json", "/api/docs/"] {
        let request = app.request(&Method::GET, uri, &Credential::None);
        assert_eq!(app.status(request).await, StatusCode::UNAUTHORIZED, "{uri}");
        let request = app.request(&Method::GET, uri, &Credential::Token(Role::Viewer));
        assert_eq!(app.status(request).await, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn invalid_camera_fields_are_422_problems_naming_each_field() {
    let app = InProcess::new().await;
    let long_url = format!("rtsp://h/{}", "a".repeat(2048));
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"name": "", "stream_url": "rtsp://h/"}), vec!["name"]),
        (
            json!({"name": "TLS", "stream_url": "rtsps://h/"}),
            vec!["stream_url"],
        ),
        (
            json!({"name": "   ", "stream_url": "rtsp://h/"}),
            vec!["name"],
        ),
        (
            json!({"name": "x".repeat(101), "stream_url": "rtsp://h/"}),
            vec!["name"],
        ),
        (
            json!({"name": "a", "stream_url": "http://h/"}),
            vec!["stream_url"],
        ),
        (
            json!({"name": "a", "stream_url": "file:///etc/passwd"}),
            vec!["stream_url"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp:///nohost"}),
            vec!["stream_url"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp://h/a b"}),
            vec!["stream_url"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp://h/a\nb"}),
            vec!["stream_url"],
        ),
        (
            json!({"name": "a", "stream_url": long_url}),
            vec!["stream_url"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp://admin:***@h/"}),
            vec!["stream_url"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp://h/", "location": "l".repeat(201)}),
            vec!["location"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp://h/", "location": "Bay\u{0}3"}),
            vec!["location"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp://h/", "max_readers": 1001}),
            vec!["max_readers"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp://h/", "max_readers": -1}),
            vec!["max_readers"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp://h/", "max_readers": "many"}),
            vec!["max_readers"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp://h/", "enabled": "yes"}),
            vec!["enabled"],
        ),
        (
            json!({"name": "a", "stream_url": "rtsp://h/", "colour": "red"}),
            vec!["colour"],
        ),
        (json!({"stream_url": "rtsp://h/"}), vec!["name"]),
        (json!([1, 2]), vec!["body"]),
        // Every bad field is reported at once, and the password never echoed.
        (
            json!({"name": "", "stream_url": format!("rtsp://admin:{CANARY}@h/a b"), "max_readers": 5000}),
            vec!["name", "stream_url", "max_readers"],
        ),
    ];
    for (body, fields) in cases {
        let request = app.as_admin(Method::POST, "/api/cameras", Some(&body));
        assert_eq!(app.invalid_fields(request).await, fields, "for {body}");
    }
}

#[tokio::test]
async fn malformed_oversized_and_non_json_bodies_get_their_own_status() {
    let app = InProcess::new().await;
    let post = |body: Vec<u8>, content_type: Option<&str>| {
        let mut request = app.as_admin(Method::POST, "/api/cameras", None);
        *request.body_mut() = Body::from(body);
        if let Some(content_type) = content_type {
            let value = content_type.parse().expect("a header value");
            request.headers_mut().insert(header::CONTENT_TYPE, value);
        }
        request
    };
    let huge = json!({"name": "a", "stream_url": "rtsp://h/", "location": "x".repeat(70_000)});
    for (request, status, kind) in [
        (
            post(b"{\"name\": ".to_vec(), Some("application/json")),
            400,
            "malformed-request",
        ),
        (
            post(Vec::new(), Some("application/json")),
            400,
            "malformed-request",
        ),
        (
            post(
                b"name=a".to_vec(),
                Some("application/x-www-form-urlencoded"),
            ),
            415,
            "unsupported-media-type",
        ),
        (post(b"{}".to_vec(), None), 415, "unsupported-media-type"),
        (
            post(huge.to_string().into_bytes(), Some("application/json")),
            413,
            "payload-too-large",
        ),
    ] {
        let (answered, problem) = app.problem(request).await;
        assert_eq!(answered.as_u16(), status, "{problem}");
        assert_eq!(problem["type"], format!("urn:camplane:problem:{kind}"));
    }
}

#[tokio::test]
async fn ids_that_are_not_positive_integers_name_no_camera() {
    let app = InProcess::new().await;
    for id in ["0", "-1", "abc", "1.5", "99999999999999999999999"] {
        let path = format!("/api/cameras/{id}");
        let patch = json!({"name": "x"});
        for request in [
            app.as_admin(Method::GET, &path, None),
            app.as_admin(Method::PATCH, &path, Some(&patch)),
            app.as_admin(Method::DELETE, &path, None),
        ] {
            let (status, _) = app.problem(request).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
    }
    let (status, _) = app
        .problem(app.as_admin(Method::GET, "/api/nothing-here", None))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .problem(app.as_admin(Method::PUT, "/api/cameras", None))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn bad_list_parameters_are_422_naming_the_parameter() {
    let app = InProcess::new().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("enabled=maybe", "enabled"),
        ("sort=color", "sort"),
        ("sort=--name", "sort"),
        ("q=a%00b", "q"),
    ] {
        let request = app.as_admin(Method::GET, &format!("/api/cameras?{query}"), None);
        assert_eq!(app.invalid_fields(request).await, [field], "{query}");
    }
    // The largest page is allowed: it gets as far as the (absent) database.
    let request = app.as_admin(Method::GET, "/api/cameras?limit=500", None);
    assert_eq!(app.status(request).await, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_browser_opening_the_api_explorer_without_a_session_is_sent_to_log_in_and_back() {
    let app = InProcess::new().await;
    let page = |uri: &str| {
        Request::get(uri)
            .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
            .body(Body::empty())
            .expect("a request")
    };
    let response = app
        .router
        .clone()
        .oneshot(page("/api/docs/"))
        .await
        .expect("served");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/login?next=%2Fapi%2Fdocs%2F"
    );
    // A script (no HTML asked for) gets the problem, as before.
    let fetch = app.request(&Method::GET, "/api/docs/", &Credential::None);
    assert_eq!(app.status(fetch).await, StatusCode::UNAUTHORIZED);
    // With a session, the page itself.
    let mut signed_in = page("/api/docs/");
    let cookie = app.session(Role::Viewer).parse().expect("a cookie");
    signed_in.headers_mut().insert(header::COOKIE, cookie);
    assert_eq!(app.status(signed_in).await, StatusCode::OK);
}

#[tokio::test]
async fn invalid_views_are_refused_before_the_database_is_asked() {
    let app = InProcess::new().await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"name": "Night", "layout": "3x3"}), vec!["layout"]),
        (
            json!({"name": "Night", "layout": "1", "tiles": [1, 2]}),
            vec!["tiles"],
        ),
        (
            json!({"name": "Night", "layout": "4", "tiles": [0]}),
            vec!["tiles"],
        ),
        (
            json!({"name": "Night", "layout": "4", "tiles": ["lobby"]}),
            vec!["tiles[0]"],
        ),
        (
            json!({"name": " ", "layout": "2+8", "shared": "yes"}),
            vec!["shared"],
        ),
        (
            json!({"name": "x".repeat(101), "layout": "16"}),
            vec!["name"],
        ),
        (json!({"layout": "4"}), vec!["name"]),
    ];
    for (body, fields) in cases {
        let request = app.as_admin(Method::POST, "/api/views", Some(&body));
        assert_eq!(app.invalid_fields(request).await, fields, "for {body}");
    }
    let patch = json!({"tiles": vec![1; 17]});
    let request = app.as_admin(Method::PATCH, "/api/views/1", Some(&patch));
    assert_eq!(app.invalid_fields(request).await, ["tiles"]);

    // A viewer keeps views of its own but shares none.
    let shared = json!({"name": "Night", "layout": "4", "shared": true});
    let mut request = app.request(
        &Method::POST,
        "/api/views",
        &Credential::Token(Role::Viewer),
    );
    *request.body_mut() = Body::from(shared.to_string());
    let (status, problem) = app.problem(request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["type"], "urn:camplane:problem:forbidden");
}
