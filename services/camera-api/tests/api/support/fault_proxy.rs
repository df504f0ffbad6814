//! A small HTTP proxy in front of the real MediaMTX's API, through which the
//! service under test talks to it. It records what the service asked, and a
//! test can make it slow, make it answer errors, or cut it (with MediaMTX
//! killed behind it) so the service meets a refused connection. Everything
//! else is MediaMTX's own answer.
//!
//! It also carries MediaMTX's auth hook calls to the service (`/hook`): the
//! real MediaMTX must be configured before the service's port is known. The
//! test's own observer login it allows itself, for the API only.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// Where MediaMTX's `authHTTPAddress` points, on the proxy's own listener.
pub const HOOK_PATH: &str = "/hook";

/// One request as it reached the proxy, before any fault was applied.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Percent-decoded.
    pub path: String,
    /// The body, when it was JSON.
    pub body: Option<Value>,
}

impl RecordedRequest {
    /// `/v3/config/*` requests other than reads (a session kick is a POST
    /// too, but changes no configuration).
    pub fn is_config_write(&self) -> bool {
        self.method != "GET" && self.path.starts_with("/v3/config/")
    }
}

#[derive(Default)]
struct Faults {
    delay: Duration,
    fail_requests: Option<u16>,
    fail_writes: Option<u16>,
    requests: Vec<RecordedRequest>,
    /// The services (replicas) that answer hook calls: a call is allowed
    /// when one of them allows it.
    hooks: Vec<String>,
}

struct Shared {
    upstream: String,
    observer: (String, String),
    faults: Mutex<Faults>,
    http: reqwest::Client,
}

impl Shared {
    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    running: Mutex<Option<(oneshot::Sender<()>, JoinHandle<()>)>>,
}

impl FaultProxy {
    /// A proxy to MediaMTX's API on `api_port`, on a free port; the hook
    /// allows `observer` (user, password) to use the API.
    pub async fn start(api_port: u16, observer: (String, String)) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = FaultProxy {
            addr: listener.local_addr().unwrap(),
            shared: Arc::new(Shared {
                upstream: format!("http://127.0.0.1:{api_port}"),
                observer,
                faults: Mutex::default(),
                http: reqwest::Client::builder()
                    .no_proxy()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap(),
            }),
            running: Mutex::new(None),
        };
        proxy.serve(listener);
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds a service (its `/api/mediamtx/auth`) that may answer MediaMTX's
    /// hook calls, and returns its slot. With none, every call is refused.
    pub fn add_hook(&self, url: String) -> usize {
        let mut faults = self.shared.faults();
        faults.hooks.push(url);
        faults.hooks.len() - 1
    }

    /// Moves a service's slot to its new address (after a restart).
    pub fn set_hook(&self, slot: usize, url: String) {
        self.shared.faults().hooks[slot] = url;
    }

    /// Every API request waits this long before it is forwarded.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.faults().delay = delay;
    }

    /// Answers every API request with this status and MediaMTX's error body,
    /// without asking MediaMTX, until called with `None`.
    pub fn fail_requests(&self, status: Option<u16>) {
        self.shared.faults().fail_requests = status;
    }

    /// The same for configuration writes only.
    pub fn fail_writes(&self, status: Option<u16>) {
        self.shared.faults().fail_writes = status;
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.faults().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.shared.faults().requests.clear();
    }

    /// The configuration writes received so far.
    pub fn writes(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(RecordedRequest::is_config_write)
            .collect()
    }

    /// Stops listening and drops every open connection, mid-request too.
    pub async fn cut(&self) {
        let running = self.running.lock().unwrap().take();
        if let Some((stop, task)) = running {
            let _ = stop.send(());
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("re-binding the proxy's port");
        self.serve(listener);
    }

    fn serve(&self, listener: TcpListener) {
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(self.shared.clone());
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, app, stopped));
        *self.running.lock().unwrap() = Some((stop, task));
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some((_, task)) = self.running.get_mut().unwrap().take() {
            task.abort();
        }
    }
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);

    if path == HOOK_PATH {
        if is_observer(&shared.observer, &body) {
            return http::StatusCode::OK.into_response();
        }
        // Replicas share one database, so any of them allows what one does;
        // a refusal is passed on only when none allows, since a stopped
        // one's port may have been taken by another test's process.
        let hooks = shared.faults().hooks.clone();
        let mut refused = None;
        for hook in hooks {
            let call = shared
                .http
                .post(hook)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            match call.send().await {
                Ok(answer) if answer.status().is_success() => {
                    return answer.status().into_response();
                }
                Ok(answer) => refused = Some(answer.status()),
                Err(_) => {}
            }
        }
        return match refused {
            Some(status) => status.into_response(),
            None => (http::StatusCode::SERVICE_UNAVAILABLE, "no service answers").into_response(),
        };
    }
    let target = {
        let recorded = RecordedRequest {
            method: parts.method.to_string(),
            path: percent_decode(&path),
            body: serde_json::from_slice(&body).ok(),
        };
        let (delay, failure) = {
            let mut faults = shared.faults();
            let failure = faults
                .fail_requests
                .or(faults.fail_writes.filter(|_| recorded.is_config_write()));
            faults.requests.push(recorded);
            (faults.delay, failure)
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if let Some(status) = failure {
            return mediamtx_error(status);
        }
        let mut target = format!("{}{path}", shared.upstream);
        if let Some(query) = &query {
            target.push('?');
            target.push_str(query);
        }
        target
    };

    let mut upstream = shared.http.request(parts.method, target).body(body);
    for (name, value) in &parts.headers {
        if name != http::header::HOST && name != http::header::CONTENT_LENGTH {
            upstream = upstream.header(name, value);
        }
    }
    match upstream.send().await {
        Ok(answer) => {
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                if name != http::header::TRANSFER_ENCODING && name != http::header::CONNECTION {
                    response = response.header(name, value);
                }
            }
            let body = answer.bytes().await.unwrap_or_else(|_| Bytes::new());
            response.body(Body::from(body)).unwrap()
        }
        // MediaMTX is gone or frozen behind a proxy that still listens: the
        // closest the proxy can come to a refused connection is to answer
        // nothing useful, as a gateway would.
        Err(_) => (http::StatusCode::BAD_GATEWAY, "MediaMTX did not answer").into_response(),
    }
}

/// Whether a hook call is the observer using the API.
fn is_observer((user, password): &(String, String), body: &[u8]) -> bool {
    let Ok(call) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    call["action"] == "api"
        && call["user"] == user.as_str()
        && call["password"] == password.as_str()
}

/// MediaMTX's error shape.
fn mediamtx_error(status: u16) -> Response {
    let body = serde_json::json!({"status": "error", "error": "injected by the test"});
    (
        http::StatusCode::from_u16(status).unwrap(),
        axum::Json(body),
    )
        .into_response()
}

fn percent_decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

/// Connections live in a `JoinSet` owned by this loop, so ending the loop
/// (cut, or abort on drop) closes them all at once.
async fn accept_loop(listener: TcpListener, app: axum::Router, mut stopped: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let service = TowerToHyperService::new(app.clone());
                connections.spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}
