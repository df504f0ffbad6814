//! A MediaMTX stand-in: the v3 control API that Camplane drives, written
//! from MediaMTX's published contract and the behaviour read from its source
//! (config paths CRUD with strict decoding, merged defaults, 0-based pages,
//! runtime paths, `/v3/info`), plus switches a test can throw: stop, restart
//! (which forgets every path, as MediaMTX does), slow down, fail.
//!
//! With `Options::hls_addr` it also serves MediaMTX's HLS contract on a second
//! listener (`hls.rs`), remuxing each path's RTSP source with ffmpeg: a
//! development aid so a local run shows real video without MediaMTX.
//!
//! Authentication is MediaMTX's `internal` method with one API user, or its
//! `http` method, where a hook the test runs decides (`auth.rs`).
//!
//! It shares no code or types with Camplane's client on purpose: a
//! misunderstanding of the contract in one must not be mirrored by the other.

mod api;
mod auth;
mod conf;
mod hls;
mod query;

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

pub use auth::{AuthAction, AuthHttp};

/// The MediaMTX release whose behaviour this stand-in follows.
pub const VERSION: &str = "v1.20.1";

/// MediaMTX's bound on the random pause before it refuses credentials that
/// were supplied and rejected (`internal/auth/log_and_delay_error.go`).
pub const AUTH_FAILURE_PAUSE: Duration = Duration::from_secs(4);

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Where to listen; port 0 picks a free one.
    pub addr: Option<SocketAddr>,
    /// `authMethod: internal` with one user: when set, every API request
    /// needs these credentials (action `api`). Ignored under `auth_http`.
    pub api_credentials: Option<(String, String)>,
    /// `authMethod: http`: every authentication is a POST to this hook. It replaces internal auth entirely, so
    /// `api_credentials` no longer applies: MediaMTX has no mixed mode
    /// (#4659), an excluded action is simply not authenticated.
    pub auth_http: Option<AuthHttp>,
    /// `readTimeout`, which MediaMTX also puts on each hook call; `None` is
    /// its 10 s default.
    pub read_timeout: Option<Duration>,
    /// The bound of the random pause before refusing credentials that were
    /// supplied and rejected; a refusal that asks for credentials is never
    /// delayed. MediaMTX's is [`AUTH_FAILURE_PAUSE`]; zero, the default,
    /// answers at once so tests stay fast.
    pub auth_failure_pause: Duration,
    /// When set, also serve HLS (`hlsAddress`) here; port 0 picks a free one.
    pub hls_addr: Option<SocketAddr>,
    /// `hlsTrustedProxies`: peers whose `X-Forwarded-For` names the viewer.
    pub hls_trusted_proxies: Vec<IpAddr>,
    /// `hlsMuxerCloseAfter`; MediaMTX's default is 60 s.
    pub hls_muxer_close_after: Option<Duration>,
}

/// One request as it reached the stand-in, before any fault was applied.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Percent-decoded.
    pub path: String,
    pub query: Option<String>,
    /// The body, when it was JSON.
    pub body: Option<Value>,
}

/// What a path's source is doing, as `/v3/paths/*` reports it.
#[derive(Clone, Debug, Default)]
pub struct Runtime {
    pub available: bool,
    pub readers: usize,
    pub inbound_bytes: u64,
    pub tracks: Vec<Track>,
}

#[derive(Clone, Debug)]
pub struct Track {
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub profile: String,
}

pub(crate) struct Shared {
    options: Options,
    state: Mutex<State>,
    hls: hls::Muxers,
    /// MediaMTX's path manager, one goroutine: it authenticates every path
    /// access (a hook call included) and answers `/v3/paths/*`, so a slow
    /// hook stalls both, and a hook that calls those routes waits on itself.
    path_manager: tokio::sync::Mutex<()>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(crate) struct State {
    paths: BTreeMap<String, conf::Overrides>,
    runtime: HashMap<String, Runtime>,
    started: DateTime<Utc>,
    requests: Vec<RecordedRequest>,
    delay: Duration,
    failure: Option<u16>,
    write_failure: Option<u16>,
}

impl State {
    fn new() -> State {
        State {
            paths: BTreeMap::new(),
            runtime: HashMap::new(),
            started: Utc::now(),
            requests: Vec::new(),
            delay: Duration::ZERO,
            failure: None,
            write_failure: None,
        }
    }

    /// `internal/defs/api_path.go`: every configured path exists at runtime;
    /// a static source shows its handler stub even while the camera is down.
    fn runtime_path(&self, name: &str, overrides: &conf::Overrides) -> Value {
        let runtime = self.runtime.get(name).cloned().unwrap_or_default();
        let source = match overrides.get("source").and_then(Value::as_str) {
            None | Some("publisher") => Value::Null,
            Some(url) => json!({"type": source_type(url), "id": ""}),
        };
        let live = runtime.available;
        let tracks: Vec<&Track> = if live {
            runtime.tracks.iter().collect()
        } else {
            Vec::new()
        };
        let bytes = if live { runtime.inbound_bytes } else { 0 };
        let since = live.then(|| self.started.to_rfc3339());
        json!({
            "name": name,
            "confName": name,
            "source": source,
            "ready": live,
            "readyTime": since,
            "available": live,
            "availableTime": since,
            "online": !source.is_null(),
            "onlineTime": since,
            "tracks": tracks.iter().map(|track| track.codec.clone()).collect::<Vec<_>>(),
            "tracks2": tracks.iter().map(|track| json!({
                "codec": track.codec,
                "codecProps": {"width": track.width, "height": track.height, "profile": track.profile, "level": "3.1"},
            })).collect::<Vec<_>>(),
            "readers": (0..runtime.readers).map(|n| json!({"type": "hlsSession", "id": format!("00000000-0000-4000-8000-{n:012}")})).collect::<Vec<_>>(),
            "inboundBytes": bytes,
            "outboundBytes": 0,
            "inboundFramesInError": 0,
            "bytesReceived": bytes,
            "bytesSent": 0,
        })
    }
}

fn source_type(url: &str) -> &'static str {
    match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("rtmp" | "rtmps") => "rtmpSource",
        Some("http" | "https") => "hlsSource",
        Some("srt") => "srtSource",
        Some("udp+mpegts") => "mpegtsSource",
        Some("udp+rtp") => "rtpSource",
        Some("whep" | "wheps") => "webRTCSource",
        _ => "rtspSource",
    }
}

/// The API listener, and the HLS listener with its muxer sweeper when on.
struct Running {
    stops: Vec<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

/// A running stand-in. Dropping it stops serving, closes every connection
/// and kills every ffmpeg it started.
pub struct StandIn {
    shared: Arc<Shared>,
    addr: SocketAddr,
    hls_addr: Option<SocketAddr>,
    running: Mutex<Option<Running>>,
}

impl StandIn {
    pub async fn start() -> io::Result<StandIn> {
        StandIn::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> io::Result<StandIn> {
        let listener = TcpListener::bind(
            options
                .addr
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0))),
        )
        .await?;
        let addr = listener.local_addr()?;
        let hls_listener = match options.hls_addr {
            Some(hls_addr) => Some(TcpListener::bind(hls_addr).await?),
            None => None,
        };
        let hls_addr = match &hls_listener {
            Some(listener) => Some(listener.local_addr()?),
            None => None,
        };
        auth::validate(&options)?;
        let shared = Arc::new(Shared {
            options,
            state: Mutex::new(State::new()),
            hls: hls::Muxers::default(),
            path_manager: tokio::sync::Mutex::new(()),
        });
        let stand_in = StandIn {
            shared,
            addr,
            hls_addr,
            running: Mutex::new(None),
        };
        stand_in.serve(listener, hls_listener);
        Ok(stand_in)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The HLS server's base URL (`http://127.0.0.1:PORT`), when it is on.
    pub fn hls_url(&self) -> Option<String> {
        self.hls_addr.map(|addr| format!("http://{addr}"))
    }

    /// Paths whose HLS muxer (an ffmpeg) is running.
    pub fn hls_muxers(&self) -> Vec<String> {
        self.shared.hls.running()
    }

    fn serve(&self, listener: TcpListener, hls_listener: Option<TcpListener>) {
        let mut running = Running {
            stops: Vec::new(),
            tasks: Vec::new(),
        };
        let (stop, stopped) = oneshot::channel();
        let app = api::router(self.shared.clone());
        running
            .tasks
            .push(tokio::spawn(accept_loop(listener, app, stopped)));
        running.stops.push(stop);
        if let Some(hls_listener) = hls_listener {
            let (stop, stopped) = oneshot::channel();
            let app = hls::router(self.shared.clone());
            running
                .tasks
                .push(tokio::spawn(accept_loop(hls_listener, app, stopped)));
            running.stops.push(stop);
            running
                .tasks
                .push(tokio::spawn(hls::sweep_loop(self.shared.clone())));
        }
        *self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(running);
    }

    /// Stops listening and drops every open connection, mid-request too:
    /// what a client sees when MediaMTX dies.
    pub async fn stop(&self) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(Running { stops, tasks }) = running {
            for stop in stops {
                let _ = stop.send(());
            }
            for task in tasks {
                task.abort();
                let _ = task.await;
            }
        }
        self.shared.hls.close_all();
    }

    /// Serves again on the same port with the memory of a fresh process: no
    /// paths and a new `started`. Recorded requests and fault switches stay.
    pub async fn start_again(&self) -> io::Result<()> {
        {
            let mut state = self.shared.state();
            state.paths.clear();
            state.runtime.clear();
            state.started = Utc::now();
        }
        let listener = TcpListener::bind(self.addr).await?;
        let hls_listener = match self.hls_addr {
            Some(addr) => Some(TcpListener::bind(addr).await?),
            None => None,
        };
        self.serve(listener, hls_listener);
        Ok(())
    }

    pub async fn restart(&self) -> io::Result<()> {
        self.stop().await;
        self.start_again().await
    }

    /// Every request waits this long before it is answered.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.state().delay = delay;
    }

    /// Answers every API request with this status (and MediaMTX's error
    /// body) until called with `None`.
    pub fn fail_requests(&self, status: Option<u16>) {
        self.shared.state().failure = status;
    }

    /// Answers configuration writes (not reads, nor a session kick) with
    /// this status: MediaMTX refusing a path, as a newer release might
    /// refuse a field.
    pub fn fail_writes(&self, status: Option<u16>) {
        self.shared.state().write_failure = status;
    }

    /// How many paths are configured: cheap to poll, unlike `path_configs`.
    pub fn path_count(&self) -> usize {
        self.shared.state().paths.len()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.shared.state().requests.clear();
    }

    /// The requests that change configuration.
    pub fn writes(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|request| is_config_write(&request.method, &request.path))
            .collect()
    }

    /// Stored overrides per path, as sent (durations normalised).
    pub fn path_configs(&self) -> BTreeMap<String, Value> {
        let state = self.shared.state();
        state
            .paths
            .iter()
            .map(|(name, overrides)| (name.clone(), Value::Object(overrides.clone())))
            .collect()
    }

    /// Sets a path's configuration behind the API's back, as an operator
    /// editing MediaMTX by hand would. Nothing is recorded.
    pub fn seed_path(&self, name: &str, config: Value) {
        let body = serde_json::to_vec(&config).expect("JSON");
        let overrides = conf::decode(&body).expect("a valid path configuration");
        self.shared.state().paths.insert(name.to_owned(), overrides);
    }

    pub fn set_runtime(&self, name: &str, runtime: Runtime) {
        self.shared.state().runtime.insert(name.to_owned(), runtime);
    }

    pub fn started(&self) -> DateTime<Utc> {
        self.shared.state().started
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Some(running) = self
            .running
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
        {
            for task in running.tasks {
                task.abort();
            }
        }
        self.shared.hls.close_all();
    }
}

/// `/v3/config/*` requests other than reads; a session kick is a POST too,
/// but changes no configuration.
pub(crate) fn is_config_write(method: &str, path: &str) -> bool {
    method != "GET" && path.starts_with("/v3/config/")
}

/// The peer address of a connection, set by the accept loop: HLS binds
/// sessions to it and the auth hook is told it.
#[derive(Clone, Copy)]
pub(crate) struct Peer(pub SocketAddr);

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Random enough for a test double's secrets, names and pauses.
pub(crate) fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.finish()
}

/// Connections live in a `JoinSet` owned by this loop, so ending the loop
/// (stop, or abort on drop) closes them all at once.
async fn accept_loop(listener: TcpListener, app: axum::Router, mut stopped: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let app = app.clone().layer(axum::Extension(Peer(peer)));
                let service = TowerToHyperService::new(app);
                connections.spawn(async move {
                    let connection = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, "stand-in connection ended");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}
