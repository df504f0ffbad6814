//! `authMethod: http` as MediaMTX v1.20.1 does it (`internal/auth/manager.go`,
//! `../shared/notes/mediamtx.md` §5): what reaches the hook, and what the
//! client sees when the hook says no.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use mediamtx_standin::{AuthAction, AuthHttp, Options, StandIn};
use serde_json::{Value, json};
use support::Camera;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// One call to the hook.
#[derive(Clone, Debug)]
struct Call {
    body: Value,
    content_type: String,
    peer: SocketAddr,
}

type Rule = Arc<dyn Fn(&Value) -> StatusCode + Send + Sync>;

#[derive(Clone)]
struct HookState {
    calls: Arc<Mutex<Vec<Call>>>,
    rule: Rule,
    gate: Arc<Semaphore>,
}

/// An auth hook on a free port that records every call and answers by
/// `rule`; `/slow` answers only after 5 s, `/held` holds reads until
/// `release`.
struct Hook {
    addr: SocketAddr,
    calls: Arc<Mutex<Vec<Call>>>,
    gate: Arc<Semaphore>,
    server: JoinHandle<()>,
}

impl Hook {
    async fn start(rule: impl Fn(&Value) -> StatusCode + Send + Sync + 'static) -> Hook {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let gate = Arc::new(Semaphore::new(0));
        let state = HookState {
            calls: calls.clone(),
            rule: Arc::new(rule),
            gate: gate.clone(),
        };
        let app = axum::Router::new()
            .route("/auth", post(answer))
            .route("/held", post(held))
            .route(
                "/slow",
                post(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    StatusCode::OK
                }),
            )
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, service).await.unwrap();
        });
        Hook {
            addr,
            calls,
            gate,
            server,
        }
    }

    fn release(&self) {
        self.gate.add_permits(1);
    }

    fn url(&self) -> String {
        format!("http://{}/auth", self.addr)
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    fn bodies(&self) -> Vec<Value> {
        self.calls().into_iter().map(|call| call.body).collect()
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(
    State(state): State<HookState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let status = (state.rule)(&body);
    state.calls.lock().unwrap().push(Call {
        content_type: headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body,
        peer,
    });
    status
}

async fn held(
    State(state): State<HookState>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let status = answer(State(state.clone()), peer, headers, body).await;
    let last = state.calls.lock().unwrap().last().cloned();
    if last.is_some_and(|call| call.body["action"] == "read") {
        state.gate.acquire().await.unwrap().forget();
    }
    status
}

/// Allows only the user `camplane` with the password `pw`.
fn camplane_only(body: &Value) -> StatusCode {
    if body["user"] == "camplane" && body["password"] == "pw" {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
}

async fn stand_in(address: String, options: Options) -> StandIn {
    StandIn::start_with(Options {
        auth_http: Some(AuthHttp {
            address,
            exclude: Vec::new(),
        }),
        ..options
    })
    .await
    .unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn status_and_body(request: reqwest::RequestBuilder) -> (u16, HeaderMap, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

fn refusal() -> Value {
    json!({"status": "error", "error": "authentication error"})
}

#[tokio::test]
async fn api_requests_ask_the_hook_on_a_new_connection_each_time() {
    let hook = Hook::start(camplane_only).await;
    let stand_in = stand_in(hook.url(), Options::default()).await;
    let url = format!("{}/v3/config/paths/list?page=0", stand_in.api_url());

    for _ in 0..2 {
        let (status, _, _) =
            status_and_body(http().get(&url).basic_auth("camplane", Some("pw"))).await;
        assert_eq!(status, 200);
    }

    let calls = hook.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[0].body,
        json!({
            "ip": "127.0.0.1",
            "user": "camplane",
            "password": "pw",
            // The password stands in for a missing bearer token.
            "token": "pw",
            "action": "api",
            "path": "",
            "protocol": "",
            "id": null,
            "query": "page=0",
            "userAgent": "",
        })
    );
    assert_eq!(calls[0].content_type, "application/json");
    assert_ne!(calls[0].peer, calls[1].peer, "no keep-alive to the hook");
}

#[tokio::test]
async fn a_refusal_challenges_only_a_client_that_sent_no_credentials() {
    let hook = Hook::start(camplane_only).await;
    let stand_in = stand_in(hook.url(), Options::default()).await;
    let url = format!("{}/v3/info", stand_in.api_url());

    let (status, headers, body) = status_and_body(http().get(&url)).await;
    assert_eq!((status, body), (401, refusal()));
    assert_eq!(headers["www-authenticate"], "Basic realm=\"mediamtx\"");
    // The hook is asked even with nothing to go on.
    assert_eq!(hook.bodies()[0]["user"], "");
    assert_eq!(hook.bodies()[0]["token"], "");

    let (status, headers, body) =
        status_and_body(http().get(&url).basic_auth("camplane", Some("no"))).await;
    assert_eq!((status, body), (401, refusal()));
    assert!(!headers.contains_key("www-authenticate"));

    // A bearer token is a credential too.
    let (status, headers, _) = status_and_body(http().get(&url).bearer_auth("t0k3n")).await;
    assert_eq!(status, 401);
    assert!(!headers.contains_key("www-authenticate"));
    let last = hook.bodies().pop().unwrap();
    assert_eq!(
        (&last["user"], &last["password"], &last["token"]),
        (&json!(""), &json!(""), &json!("t0k3n"))
    );

    // `Bearer user:pass` carries a user and a password.
    let (status, _, _) = status_and_body(http().get(&url).bearer_auth("camplane:pw")).await;
    assert_eq!(status, 200);

    // Unknown routes are authenticated before they are looked up.
    let (status, _, _) = status_and_body(http().get(format!("{url}/nope"))).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn only_supplied_credentials_are_refused_after_a_pause() {
    let hook = Hook::start(camplane_only).await;
    let slow = stand_in(
        hook.url(),
        Options {
            auth_failure_pause: Duration::from_secs(10),
            ..Options::default()
        },
    )
    .await;
    let started = Instant::now();
    let (status, _, _) = status_and_body(http().get(format!("{}/v3/info", slow.api_url()))).await;
    assert_eq!(status, 401);
    assert!(started.elapsed() < Duration::from_secs(1));

    // Random below the bound: three refusals can't all be instant.
    let bound = Duration::from_millis(600);
    let paused = stand_in(
        hook.url(),
        Options {
            auth_failure_pause: bound,
            ..Options::default()
        },
    )
    .await;
    let mut total = Duration::ZERO;
    for _ in 0..3 {
        let started = Instant::now();
        let request = http()
            .get(format!("{}/v3/info", paused.api_url()))
            .basic_auth("camplane", Some("no"));
        assert_eq!(status_and_body(request).await.0, 401);
        let elapsed = started.elapsed();
        assert!(elapsed < bound + Duration::from_millis(500), "{elapsed:?}");
        total += elapsed;
    }
    assert!(total > Duration::from_millis(30), "{total:?}");
}

#[tokio::test]
async fn a_hook_that_is_down_or_too_slow_denies() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let down = stand_in(format!("http://{closed}/auth"), Options::default()).await;
    let request = http()
        .get(format!("{}/v3/info", down.api_url()))
        .basic_auth("camplane", Some("pw"));
    assert_eq!(status_and_body(request).await.0, 401);

    let hook = Hook::start(camplane_only).await;
    let slow = stand_in(
        format!("http://{}/slow", hook.addr),
        Options {
            read_timeout: Some(Duration::from_millis(300)),
            ..Options::default()
        },
    )
    .await;
    let started = Instant::now();
    let request = http()
        .get(format!("{}/v3/info", slow.api_url()))
        .basic_auth("camplane", Some("pw"));
    assert_eq!(status_and_body(request).await.0, 401);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn excluded_actions_skip_the_hook_and_internal_users_are_ignored() {
    let hook = Hook::start(|_| StatusCode::FORBIDDEN).await;
    let excluded = StandIn::start_with(Options {
        auth_http: Some(AuthHttp {
            address: hook.url(),
            exclude: vec![AuthAction::Api],
        }),
        ..Options::default()
    })
    .await
    .unwrap();
    let (status, _, _) =
        status_and_body(http().get(format!("{}/v3/info", excluded.api_url()))).await;
    assert_eq!(status, 200);
    assert!(hook.calls().is_empty());

    // No mixed mode: internal credentials neither admit nor are required.
    let allow_all = Hook::start(|_| StatusCode::OK).await;
    let mixed = stand_in(
        allow_all.url(),
        Options {
            api_credentials: Some(("camplane".into(), "pw".into())),
            ..Options::default()
        },
    )
    .await;
    let (status, _, _) = status_and_body(http().get(format!("{}/v3/info", mixed.api_url()))).await;
    assert_eq!(status, 200);
    let refusing = stand_in(
        hook.url(),
        Options {
            api_credentials: Some(("camplane".into(), "pw".into())),
            ..Options::default()
        },
    )
    .await;
    let request = http()
        .get(format!("{}/v3/info", refusing.api_url()))
        .basic_auth("camplane", Some("pw"));
    assert_eq!(status_and_body(request).await.0, 401);
}

#[tokio::test]
async fn an_address_the_stand_in_cannot_call_stops_the_start() {
    for address in ["", "https://hook.example/auth"] {
        let started = StandIn::start_with(Options {
            auth_http: Some(AuthHttp {
                address: address.into(),
                exclude: Vec::new(),
            }),
            ..Options::default()
        })
        .await;
        assert!(started.is_err(), "{address:?}");
    }
}

/// Allows the bearer token `t0k3n` or the user `viewer` with `pw`.
fn viewers(body: &Value) -> StatusCode {
    let user = body["user"] == "viewer" && body["password"] == "pw";
    if body["token"] == "t0k3n" || user {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    }
}

/// HLS on, behind the hook; returns the HLS base URL.
async fn hls_stand_in(hook: &Hook) -> (StandIn, String) {
    let stand_in = stand_in(
        hook.url(),
        Options {
            hls_addr: Some("127.0.0.1:0".parse().unwrap()),
            ..Options::default()
        },
    )
    .await;
    let base = stand_in.hls_url().expect("HLS is on");
    (stand_in, base)
}

#[tokio::test]
async fn hls_asks_the_hook_when_the_session_is_created_with_the_query_re_encoded() {
    let hook = Hook::start(viewers).await;
    let (stand_in, base) = hls_stand_in(&hook).await;
    // A publisher path with nobody publishing: once allowed, 404.
    stand_in.seed_path("cam_1", json!({}));

    // Step 1: Go re-encodes the query, keys sorted; nobody is asked.
    let (status, headers, _) =
        status_and_body(http().get(format!("{base}/cam_1/index.m3u8?z=1&token=abc"))).await;
    assert_eq!(status, 302);
    assert_eq!(
        headers["location"],
        "/cam_1/index.m3u8?cookieCheck=1&token=abc&z=1"
    );
    assert!(hook.calls().is_empty());

    // Step 2 with a bearer token: it arrives as `token`, not user/pass.
    let step2 = format!("{base}/cam_1/index.m3u8?z=1&cookieCheck=1&token=abc&a=b%20c");
    let request = http()
        .get(&step2)
        .bearer_auth("t0k3n")
        .header("user-agent", "player/1.0");
    let (status, _, body) = status_and_body(request).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"status": "error", "error": "no stream is available on path 'cam_1'"})
        )
    );
    let mut call = hook.bodies().pop().unwrap();
    let id = call["id"].take();
    assert_eq!(
        call,
        json!({
            "ip": "127.0.0.1",
            "user": "",
            "password": "",
            "token": "t0k3n",
            "action": "read",
            "path": "cam_1",
            "protocol": "hls",
            "id": null,
            // Sorted, cookieCheck gone, the space re-escaped.
            "query": "a=b+c&token=abc&z=1",
            "userAgent": "player/1.0",
        })
    );
    let id = id.as_str().expect("a session id").to_owned();
    assert_eq!(id.len(), 36, "{id}");

    // `Bearer user:pass`: a user and a password; each session its own id.
    let (status, _, _) = status_and_body(http().get(&step2).bearer_auth("viewer:pw")).await;
    assert_eq!(status, 404);
    let call = hook.bodies().pop().unwrap();
    assert_eq!(
        (&call["user"], &call["password"], &call["token"]),
        (&json!("viewer"), &json!("pw"), &json!("pw"))
    );
    assert_ne!(call["id"], json!(id));

    // Refused: a challenge only without credentials.
    let (status, headers, body) = status_and_body(http().get(&step2)).await;
    assert_eq!((status, body), (401, refusal()));
    assert_eq!(headers["www-authenticate"], "Basic realm=\"mediamtx\"");
    let (status, headers, _) = status_and_body(http().get(&step2).bearer_auth("stale")).await;
    assert_eq!(status, 401);
    assert!(!headers.contains_key("www-authenticate"));

    // An unconfigured path, and a child without a session: nobody asked.
    let calls = hook.calls().len();
    let (status, _, _) =
        status_and_body(http().get(format!("{base}/lobby/index.m3u8?cookieCheck=1"))).await;
    assert_eq!(status, 500);
    let (status, _, body) = status_and_body(
        http()
            .get(format!("{base}/cam_1/stream.m3u8?session=nope"))
            .bearer_auth("t0k3n"),
    )
    .await;
    assert_eq!((status, body), (401, refusal()));
    assert_eq!(hook.calls().len(), calls);
}

#[tokio::test]
async fn the_player_page_is_authenticated_with_the_raw_query() {
    let hook = Hook::start(viewers).await;
    let (stand_in, base) = hls_stand_in(&hook).await;
    stand_in.seed_path("cam_1", json!({}));

    let (status, headers, _) = status_and_body(http().get(format!("{base}/cam_1?b=2&a=1"))).await;
    assert_eq!(status, 302);
    assert_eq!(headers["location"], "/cam_1/?b=2&a=1");
    assert!(hook.calls().is_empty());

    let request = http()
        .get(format!("{base}/cam_1/?b=2&a=1"))
        .basic_auth("viewer", Some("pw"))
        .header("user-agent", "browser/1.0");
    let (status, headers, _) = status_and_body(request).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html");
    let call = hook.bodies().pop().unwrap();
    assert_eq!(
        (
            &call["action"],
            &call["protocol"],
            &call["path"],
            &call["query"]
        ),
        (
            &json!("read"),
            &json!("hls"),
            &json!("cam_1"),
            &json!("b=2&a=1")
        )
    );
    // `FindPathConf` carries neither a session nor the user agent.
    assert_eq!(
        (&call["id"], &call["userAgent"]),
        (&Value::Null, &json!(""))
    );

    let request = http()
        .get(format!("{base}/cam_1/"))
        .basic_auth("viewer", Some("no"));
    let (status, headers, body) = status_and_body(request).await;
    assert_eq!((status, body), (401, refusal()));
    assert!(!headers.contains_key("www-authenticate"));

    let calls = hook.calls().len();
    let (status, _, _) = status_and_body(http().get(format!("{base}/lobby/"))).await;
    assert_eq!(status, 500);
    assert_eq!(hook.calls().len(), calls);
}

#[tokio::test]
async fn child_playlists_and_segments_ride_on_the_session_alone() {
    let camera = Camera::start().await;
    let hook = Hook::start(viewers).await;
    let (stand_in, base) = hls_stand_in(&hook).await;
    stand_in.seed_path(
        "cam_1",
        json!({"source": camera.url("cam1"), "sourceOnDemand": true, "rtspTransport": "tcp"}),
    );

    let request = http()
        .get(format!("{base}/cam_1/index.m3u8?cookieCheck=1"))
        .bearer_auth("t0k3n");
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let playlist = response.text().await.unwrap();
    let child = playlist.lines().last().unwrap().to_owned();
    assert!(child.contains("session="), "{playlist}");

    // No credentials from here on: the session secret and the address do.
    let response = http()
        .get(format!("{base}/cam_1/{child}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let media = response.text().await.unwrap();
    let segment = media
        .lines()
        .find(|line| !line.starts_with('#') && !line.is_empty())
        .expect("a segment");
    let response = http()
        .get(format!("{base}/cam_1/{segment}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(hook.calls().len(), 1);
}

#[tokio::test]
async fn a_read_waiting_on_the_hook_stalls_the_runtime_api_as_mediamtx_does() {
    let hook = Hook::start(|_| StatusCode::OK).await;
    let stand_in = stand_in(
        format!("http://{}/held", hook.addr),
        Options {
            hls_addr: Some("127.0.0.1:0".parse().unwrap()),
            ..Options::default()
        },
    )
    .await;
    stand_in.seed_path("cam_1", json!({}));
    let step2 = format!(
        "{}/cam_1/index.m3u8?cookieCheck=1",
        stand_in.hls_url().unwrap()
    );
    let viewer = tokio::spawn(async move { http().get(step2).send().await.unwrap().status() });
    let reached = async {
        while !hook.bodies().iter().any(|body| body["action"] == "read") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), reached)
        .await
        .expect("the read reaches the hook");

    // The path manager is busy: runtime state waits, configuration doesn't.
    let api = stand_in.api_url();
    let runtime = http().get(format!("{api}/v3/paths/list")).send();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), runtime)
            .await
            .is_err()
    );
    let (status, _, _) = status_and_body(http().get(format!("{api}/v3/config/paths/list"))).await;
    assert_eq!(status, 200);

    hook.release();
    assert_eq!(viewer.await.unwrap(), 404);
    let (status, _, _) = status_and_body(http().get(format!("{api}/v3/paths/get/cam_1"))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_api_names_an_hls_session_by_the_id_the_hook_was_sent() {
    let camera = Camera::start().await;
    let hook = Hook::start(viewers).await;
    let (stand_in, base) = hls_stand_in(&hook).await;
    stand_in.seed_path(
        "cam_1",
        json!({"source": camera.url("cam1"), "sourceOnDemand": true, "rtspTransport": "tcp"}),
    );
    let api = stand_in.api_url();
    let open = || async {
        let request = http()
            .get(format!("{base}/cam_1/index.m3u8?cookieCheck=1&token=abc"))
            .basic_auth("viewer", Some("pw"))
            .header("user-agent", "player/1.0");
        let (status, _, body) = status_and_body(request).await;
        assert_eq!(status, 200, "{body}");
        let playlist = body.as_str().unwrap().to_owned();
        format!("{base}/cam_1/{}", playlist.lines().last().unwrap())
    };

    let child = open().await;
    let hooked = hook.bodies().pop().unwrap();
    let id = hooked["id"].clone();
    // The API is authenticated too (action `api`), by the same hook.
    let (status, _, body) = status_and_body(http().get(format!("{api}/v3/hlssessions/list"))).await;
    assert_eq!((status, body), (401, refusal()));
    let (status, _, list) = status_and_body(
        http()
            .get(format!("{api}/v3/hlssessions/list"))
            .bearer_auth("t0k3n"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["itemCount"], 1, "{list}");
    let item = &list["items"][0];
    assert_eq!(
        (
            &item["id"],
            &item["path"],
            &item["query"],
            &item["user"],
            &item["userAgent"]
        ),
        (
            &id,
            &json!("cam_1"),
            &hooked["query"],
            &json!("viewer"),
            &json!("player/1.0")
        )
    );
    assert_eq!(hooked["query"], "token=abc");

    let kick = format!("{api}/v3/hlssessions/kick/{}", id.as_str().unwrap());
    let (status, _, body) = status_and_body(http().post(&kick).bearer_auth("t0k3n")).await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    let (status, _, body) = status_and_body(http().get(&child)).await;
    assert_eq!((status, body), (401, refusal()));

    // Coming back is a new session, and a new question to the hook.
    let calls = hook.calls().len();
    open().await;
    let again = hook.bodies();
    assert_eq!(again.len(), calls + 1);
    let (_, _, list) = status_and_body(
        http()
            .get(format!("{api}/v3/hlssessions/list"))
            .bearer_auth("t0k3n"),
    )
    .await;
    assert_eq!(list["items"][0]["id"], again.last().unwrap()["id"]);
    assert_ne!(list["items"][0]["id"], id);
}
