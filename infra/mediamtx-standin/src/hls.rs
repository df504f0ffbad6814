//! MediaMTX's HLS server (`internal/servers/hls`), far enough for a browser
//! and an edge proxy to meet the same contract: the cookie-check redirect,
//! per-viewer sessions bound to the client address, one muxer per path shared
//! by every viewer, the reader limit (the muxer is a hidden reader), the
//! on-demand start timeout and the 500/404/401 answers with their messages.
//! Viewers authenticate on the player page and on the request that creates
//! their session; queries are rewritten as Go's `net/url` rewrites them.
//!
//! The muxer is `ffmpeg -c copy` from the path's RTSP source into fMP4 HLS in
//! a temporary directory. It is killed when idle, when the path's
//! configuration changes, when its source ends, and when the stand-in stops.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::auth::{self, AuthAction};
use crate::conf::{self, Overrides};
use crate::query::Values;
use crate::{Peer, Runtime, Shared, Track, random_u64};

/// `sessionCloseAfter`: a viewer that asks nothing for this long is gone.
const SESSION_CLOSE_AFTER: Duration = Duration::from_secs(30);
/// MediaMTX retries a failed static source every 5 s; one second keeps tests short.
const SOURCE_RETRY_PAUSE: Duration = Duration::from_secs(1);

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// The muxers, by path name.
#[derive(Default)]
pub(crate) struct Muxers(Mutex<HashMap<String, Arc<Muxer>>>);

impl Muxers {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Muxer>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Kills every ffmpeg: the stand-in stopped.
    pub(crate) fn close_all(&self) {
        let closed: Vec<Arc<Muxer>> = self.lock().drain().map(|(_, muxer)| muxer).collect();
        for muxer in closed {
            muxer.kill();
        }
    }

    pub(crate) fn running(&self) -> Vec<String> {
        let mut names: Vec<String> = self.lock().keys().cloned().collect();
        names.sort();
        names
    }

    /// `/v3/hlssessions/list`: every muxer's viewers, oldest first.
    pub(crate) fn sessions(&self) -> Vec<Value> {
        let mut sessions: Vec<(DateTime<Utc>, Value)> = self
            .lock()
            .iter()
            .flat_map(|(name, muxer)| {
                let inner = muxer.inner();
                inner
                    .sessions
                    .values()
                    .map(|session| (session.created, session.api_item(name)))
                    .collect::<Vec<_>>()
            })
            .collect();
        sessions.sort_by_key(|(created, _)| *created);
        sessions.into_iter().map(|(_, item)| item).collect()
    }

    /// `/v3/hlssessions/get/{id}`, by the canonical UUID.
    pub(crate) fn session(&self, id: &str) -> Option<Value> {
        self.lock().iter().find_map(|(name, muxer)| {
            let inner = muxer.inner();
            let session = inner.sessions.values().find(|session| session.id == id)?;
            Some(session.api_item(name))
        })
    }
}

/// `/v3/hlssessions/kick/{id}`: the viewer's secret stops working at once,
/// and the path loses the reader (`close2`); the muxer keeps running for
/// the others, and for this viewer's next index.m3u8, which is a new
/// session. False when no muxer has it.
pub(crate) fn kick(shared: &Shared, id: &str) -> bool {
    let muxers: Vec<(String, Arc<Muxer>)> = shared
        .hls
        .lock()
        .iter()
        .map(|(name, muxer)| (name.clone(), muxer.clone()))
        .collect();
    for (name, muxer) in muxers {
        let kicked = {
            let mut inner = muxer.inner();
            let before = inner.sessions.len();
            inner.sessions.retain(|_, session| session.id != id);
            inner.sessions.len() < before
        };
        if kicked {
            if muxer.inner().ready {
                publish_runtime(shared, &name, &muxer);
            }
            return true;
        }
    }
    false
}

pub(crate) struct Muxer {
    /// The configuration it was started for; a change closes it, as a
    /// MediaMTX path is recreated on any non-hot-reloadable change.
    conf: Overrides,
    source: String,
    transport: String,
    start_timeout: Duration,
    dir: PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    child: Option<Child>,
    spawned: Instant,
    last_request: Instant,
    sessions: HashMap<String, Session>,
    ready: bool,
    tracks: Vec<Track>,
}

/// A viewer (`session.go`). The map holding it is keyed by its secret,
/// which only the viewer knows; the API names it by `id`, the UUID the
/// auth hook was sent.
struct Session {
    id: String,
    created: DateTime<Utc>,
    /// The client address (a trusted proxy's `X-Forwarded-For` included)
    /// with the connection's port, as `httpp.RemoteAddr` joins them. Child
    /// requests must come from the same address, on any port.
    remote_addr: SocketAddr,
    /// The index.m3u8 query without `cookieCheck`, as the hook saw it.
    query: String,
    user: String,
    user_agent: String,
    last_request: Instant,
    /// Response bytes sent to this viewer, index.m3u8 included.
    outbound_bytes: u64,
}

impl Session {
    /// `defs.APIHLSSession`; the stand-in has no CDN sessions.
    fn api_item(&self, path: &str) -> Value {
        json!({
            "id": self.id,
            "created": go_time(self.created),
            "remoteAddr": self.remote_addr.to_string(),
            "path": path,
            "query": self.query,
            "user": self.user,
            "userAgent": self.user_agent,
            "isCDN": false,
            "outboundBytes": self.outbound_bytes,
        })
    }
}

/// Go's `time.Time` in JSON: RFC 3339 with nanoseconds, trailing zeros
/// trimmed; MediaMTX in a container runs in UTC, hence `Z`.
fn go_time(time: DateTime<Utc>) -> String {
    let text = time.format("%Y-%m-%dT%H:%M:%S%.9f").to_string();
    format!("{}Z", text.trim_end_matches('0').trim_end_matches('.'))
}

impl Muxer {
    fn start(name: &str, conf: Overrides) -> std::io::Result<Arc<Muxer>> {
        let resolved = conf::resolve(name, &conf);
        let text = |key: &str| resolved[key].as_str().unwrap_or_default().to_owned();
        let start_timeout = conf::parse_duration(&text("sourceOnDemandStartTimeout"))
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(10));
        let dir = std::env::temp_dir().join(format!(
            "mediamtx-standin-{}-{}",
            std::process::id(),
            random_hex()
        ));
        std::fs::create_dir_all(&dir)?;
        let muxer = Arc::new(Muxer {
            conf,
            source: text("source"),
            transport: text("rtspTransport"),
            start_timeout,
            dir,
            inner: Mutex::new(Inner {
                child: None,
                spawned: Instant::now(),
                last_request: Instant::now(),
                sessions: HashMap::new(),
                ready: false,
                tracks: Vec::new(),
            }),
        });
        muxer.spawn()?;
        Ok(muxer)
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn spawn(&self) -> std::io::Result<()> {
        let mut command = Command::new("ffmpeg");
        command.args(["-nostdin", "-v", "error"]);
        if self.source.starts_with("rtsp") {
            let transport = if self.transport == "udp" {
                "udp"
            } else {
                "tcp"
            };
            // `-timeout` (µs) bounds connect and reads: without it ffmpeg
            // hangs for ever on a camera that accepts TCP and never answers.
            let micros = self.start_timeout.as_micros().max(1_000_000).to_string();
            command.args(["-rtsp_transport", transport, "-timeout", &micros]);
        }
        command
            .args(["-i", &self.source, "-c", "copy", "-f", "hls"])
            .args(["-hls_time", "1", "-hls_list_size", "6"])
            .args(["-hls_flags", "delete_segments+independent_segments"])
            .args([
                "-hls_segment_type",
                "fmp4",
                "-hls_fmp4_init_filename",
                "init.mp4",
            ])
            .arg(self.dir.join("stream.m3u8"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.join("ffmpeg.log"))?)
            .kill_on_drop(true);
        let child = command.spawn()?;
        let mut inner = self.inner();
        inner.child = Some(child);
        inner.spawned = Instant::now();
        Ok(())
    }

    fn kill(&self) {
        if let Some(mut child) = self.inner().child.take() {
            let _ = child.start_kill();
        }
    }

    /// ffmpeg has exited (the source refused, ended or stalled).
    fn exited(&self) -> bool {
        let mut inner = self.inner();
        match inner.child.as_mut() {
            Some(child) => !matches!(child.try_wait(), Ok(None)),
            None => true,
        }
    }

    /// gohlslib serves the playlist once the first segment exists.
    fn has_content(&self) -> bool {
        std::fs::read_to_string(self.dir.join("stream.m3u8"))
            .is_ok_and(|playlist| playlist.contains("#EXTINF"))
    }

    fn touch(&self) {
        self.inner().last_request = Instant::now();
    }

    /// `responseWriterCounter`: what a viewer was sent counts towards its
    /// `outboundBytes`, whatever the status.
    fn count(&self, secret: &str, response: Response) -> Response {
        let bytes = response.body().size_hint().exact().unwrap_or(0);
        if let Some(session) = self.inner().sessions.get_mut(secret) {
            session.outbound_bytes += bytes;
        }
        response
    }
}

impl Drop for Muxer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// MediaMTX's error body.
fn refuse(status: StatusCode, message: &str) -> Response {
    let body = json!({"status": "error", "error": message});
    (status, axum::Json(body)).into_response()
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("OPTIONS, GET"),
        );
        headers.insert(
            "access-control-allow-headers",
            HeaderValue::from_static("Authorization, Range"),
        );
        return response;
    }
    if request.method() != Method::GET {
        return (StatusCode::NOT_FOUND, "404 page not found").into_response();
    }
    let peer = request
        .extensions()
        .get::<Peer>()
        .map_or(SocketAddr::from(([127, 0, 0, 1], 0)), |peer| peer.0);
    // Go sees an IPv4 client as IPv4 even when it came over IPv6.
    let ip = client_ip(
        peer.ip(),
        request.headers(),
        &shared.options.hls_trusted_proxies,
    )
    .to_canonical();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let path = request.uri().path().trim_start_matches('/').to_owned();
    let Some((name, file)) = path.rsplit_once('/') else {
        // `/{path}` → the player page `/{path}/`, keeping the query.
        let location = match query.as_str() {
            "" => format!("/{path}/"),
            query => format!("/{path}/?{query}"),
        };
        return redirect(&location, None);
    };
    let headers = request.headers();
    match file {
        "index.m3u8" => {
            let remote_addr = SocketAddr::new(ip, peer.port());
            multivariant(&shared, name, &query, remote_addr, headers).await
        }
        "" => page(&shared, name, &query, ip, headers).await,
        _ => child(&shared, name, file, &query, ip).await,
    }
}

/// `FindPathConf`: an unconfigured path is refused before anyone is asked,
/// and the hook gets the raw query, no session and no user agent.
async fn page(
    shared: &Shared,
    name: &str,
    query: &str,
    ip: IpAddr,
    headers: &HeaderMap,
) -> Response {
    if !shared.state().paths.contains_key(name) {
        return not_configured(name);
    }
    let access = auth::Request {
        action: AuthAction::Read,
        path: name,
        query,
        protocol: "hls",
        id: None,
        user_agent: "",
        headers,
        ip,
    };
    if let Err(refusal) = auth::authenticate(shared, access).await {
        return refusal;
    }
    ([(header::CONTENT_TYPE, "text/html")], PAGE).into_response()
}

const PAGE: &str =
    "<!DOCTYPE html><html><body><video id=\"video\" muted autoplay></video></body></html>";

fn redirect(location: &str, cookie: Option<&'static str>) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, location);
    }
    if let Some(cookie) = cookie {
        headers.insert(header::SET_COOKIE, HeaderValue::from_static(cookie));
    }
    response
}

fn not_configured(name: &str) -> Response {
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!("path '{name}' is not configured"),
    )
}

/// Gin's `ClientIP` with `hlsTrustedProxies`: `X-Forwarded-For` counts only
/// when the peer is a trusted proxy, read from the right, skipping proxies.
fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| item.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

async fn multivariant(
    shared: &Arc<Shared>,
    name: &str,
    query: &str,
    remote_addr: SocketAddr,
    headers: &HeaderMap,
) -> Response {
    let ip = remote_addr.ip();
    // Go's `url.Values` rewrites the query in both steps.
    let mut values = Values::parse(query);
    // Step 1: no auth and no path check, just the cookie check.
    if values.get("cookieCheck") != Some(b"1") {
        values.set("cookieCheck", "1");
        return redirect(
            &format!("/{name}/index.m3u8?{}", values.encode()),
            Some("cookieCheck=1; Secure; SameSite=None; Partitioned; HttpOnly"),
        );
    }
    values.remove("cookieCheck");
    let Some(conf) = shared.state().paths.get(name).cloned() else {
        return not_configured(name);
    };
    let resolved = conf::resolve(name, &conf);
    let on_demand = resolved["sourceOnDemand"] == Value::Bool(true);
    let max_readers = resolved["maxReaders"].as_u64().unwrap_or(0) as usize;
    let source = resolved["source"].as_str().unwrap_or_default();

    // `AddReader`: configuration, then authentication, then the stream.
    // The hook is sent the session's own id, the one the API lists.
    let id = uuid_like();
    let session_query = values.encode();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let access = auth::Request {
        action: AuthAction::Read,
        path: name,
        query: &session_query,
        protocol: "hls",
        id: Some(id.clone()),
        user_agent,
        headers,
        ip,
    };
    let user = match auth::authenticate(shared, access).await {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
    if source == "publisher" || source == "redirect" {
        return no_stream(name);
    }

    // Step 2: the session is a reader (AddReader), then the muxer adds
    // itself as a hidden one (`session.go`).
    let secret = uuid_like();
    let muxer = {
        let mut muxers = shared.hls.lock();
        let existing = muxers.get(name).filter(|muxer| muxer.conf == conf).cloned();
        let readers = existing
            .as_ref()
            .map_or(0, |muxer| muxer.inner().sessions.len() + 1);
        if max_readers > 0 && readers >= max_readers {
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "maximum reader count reached",
            );
        }
        if existing.is_none() && max_readers == 1 {
            // The viewer took the only slot; the muxer gets none.
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "muxer instance not available",
            );
        }
        let muxer = match existing {
            Some(muxer) => muxer,
            None => match Muxer::start(name, conf) {
                Ok(muxer) => {
                    muxers.insert(name.to_owned(), muxer.clone());
                    muxer
                }
                Err(error) => {
                    tracing::warn!(%error, "stand-in: cannot start ffmpeg");
                    return refuse(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "muxer instance not available",
                    );
                }
            },
        };
        muxer.inner().sessions.insert(
            secret.clone(),
            Session {
                id,
                created: Utc::now(),
                remote_addr,
                query: session_query,
                user,
                user_agent: user_agent.to_owned(),
                last_request: Instant::now(),
                outbound_bytes: 0,
            },
        );
        muxer
    };

    if !wait_for_content(&muxer, on_demand).await {
        muxer.inner().sessions.remove(&secret);
        let mut muxers = shared.hls.lock();
        if muxers.get(name).is_some_and(|m| Arc::ptr_eq(m, &muxer)) && !muxer.inner().ready {
            muxers.remove(name);
        }
        return match on_demand {
            true => refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("source of path '{name}' has timed out"),
            ),
            false => no_stream(name),
        };
    }
    if muxer.inner().tracks.is_empty() {
        let tracks = probe(&muxer.dir.join("init.mp4")).await;
        muxer.inner().tracks = tracks;
    }
    publish_runtime(shared, name, &muxer);

    values.set("session", &secret);
    let child_query = values.encode();
    let resolution = muxer
        .inner()
        .tracks
        .iter()
        .find(|track| track.width > 0)
        .map(|track| format!(",RESOLUTION={}x{}", track.width, track.height))
        .unwrap_or_default();
    let playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n\n\
         #EXT-X-STREAM-INF:BANDWIDTH=1000000{resolution}\nstream.m3u8?{child_query}\n"
    );
    muxer.count(&secret, playlist_response(playlist))
}

fn no_stream(name: &str) -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        &format!("no stream is available on path '{name}'"),
    )
}

/// Waits up to the start timeout for the first segment. An on-demand source
/// that fails is retried meanwhile; any other answers "no stream" at once.
async fn wait_for_content(muxer: &Arc<Muxer>, on_demand: bool) -> bool {
    let deadline = Instant::now() + muxer.start_timeout;
    loop {
        if muxer.inner().ready || muxer.has_content() {
            muxer.inner().ready = true;
            return true;
        }
        if muxer.exited() {
            if !on_demand {
                return false;
            }
            let since = muxer.inner().spawned.elapsed();
            if since >= SOURCE_RETRY_PAUSE && muxer.spawn().is_err() {
                return false;
            }
        }
        if Instant::now() >= deadline {
            return false;
        }
        muxer.touch();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn playlist_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/vnd.apple.mpegurl"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Media playlists and segments: a valid session from the same address.
async fn child(shared: &Arc<Shared>, name: &str, file: &str, query: &str, ip: IpAddr) -> Response {
    let muxer = shared.hls.lock().get(name).cloned();
    let secret = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("session="))
        .unwrap_or_default();
    let authorised = muxer.as_ref().is_some_and(|muxer| {
        let mut inner = muxer.inner();
        match inner.sessions.get_mut(secret) {
            Some(session) if session.remote_addr.ip() == ip => {
                session.last_request = Instant::now();
                inner.last_request = Instant::now();
                true
            }
            _ => false,
        }
    });
    let Some(muxer) = muxer.filter(|_| authorised) else {
        return refuse(StatusCode::UNAUTHORIZED, "authentication error");
    };
    let response = child_file(&muxer, file, secret).await;
    muxer.count(secret, response)
}

async fn child_file(muxer: &Muxer, file: &str, secret: &str) -> Response {
    if file.contains("..") || file.contains('/') {
        return (StatusCode::NOT_FOUND, "404 page not found").into_response();
    }
    if file == "stream.m3u8" {
        let Ok(playlist) = tokio::fs::read_to_string(muxer.dir.join(file)).await else {
            return (StatusCode::NOT_FOUND, "404 page not found").into_response();
        };
        return playlist_response(with_session(&playlist, secret));
    }
    match tokio::fs::read(muxer.dir.join(file)).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "video/mp4")], Body::from(bytes)).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "404 page not found").into_response(),
    }
}

/// gohlslib propagates the session query into every child URL.
fn with_session(playlist: &str, secret: &str) -> String {
    playlist
        .lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else if line.starts_with('#') {
                line.replace(
                    "URI=\"init.mp4\"",
                    &format!("URI=\"init.mp4?session={secret}\""),
                )
            } else {
                format!("{line}?session={secret}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The codecs of the stream, read from the init segment, for `/v3/paths`.
async fn probe(init: &Path) -> Vec<Track> {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-of", "json"])
        .arg(init)
        .kill_on_drop(true)
        .output()
        .await;
    let Ok(output) = output else {
        return Vec::new();
    };
    let Ok(parsed) = serde_json::from_slice::<Value>(&output.stdout) else {
        return Vec::new();
    };
    parsed["streams"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|stream| Track {
            codec: match stream["codec_name"].as_str().unwrap_or_default() {
                "h264" => "H264".to_owned(),
                "hevc" => "H265".to_owned(),
                "aac" => "MPEG-4 Audio".to_owned(),
                "opus" => "Opus".to_owned(),
                other => other.to_uppercase(),
            },
            width: stream["width"].as_u64().unwrap_or(0) as u32,
            height: stream["height"].as_u64().unwrap_or(0) as u32,
            profile: stream["profile"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

fn publish_runtime(shared: &Shared, name: &str, muxer: &Muxer) {
    let runtime = {
        let inner = muxer.inner();
        Runtime {
            available: inner.ready,
            readers: inner.sessions.len(),
            inbound_bytes: dir_bytes(&muxer.dir),
            tracks: inner.tracks.clone(),
        }
    };
    shared.state().runtime.insert(name.to_owned(), runtime);
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.metadata().ok())
        .map(|metadata| metadata.len())
        .sum()
}

/// Runs while the HLS listener does: closes idle muxers (`hlsMuxerCloseAfter`),
/// muxers whose path changed or whose source ended, expires sessions, and
/// keeps `/v3/paths` in step.
pub(crate) async fn sweep_loop(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        sweep(&shared);
    }
}

fn sweep(shared: &Arc<Shared>) {
    let close_after = shared
        .options
        .hls_muxer_close_after
        .unwrap_or(Duration::from_secs(60));
    let configs = shared.state().paths.clone();
    let mut closed = Vec::new();
    let mut open = Vec::new();
    {
        let mut muxers = shared.hls.lock();
        muxers.retain(|name, muxer| {
            let (idle, ready) = {
                let mut inner = muxer.inner();
                inner
                    .sessions
                    .retain(|_, session| session.last_request.elapsed() < SESSION_CLOSE_AFTER);
                (inner.last_request.elapsed() >= close_after, inner.ready)
            };
            let changed = configs.get(name) != Some(&muxer.conf);
            let source_ended = ready && muxer.exited();
            let keep = !(idle || changed || source_ended);
            if keep {
                open.push((name.clone(), muxer.clone()));
            } else {
                closed.push((name.clone(), muxer.clone()));
            }
            keep
        });
    }
    for (name, muxer) in closed {
        muxer.kill();
        shared.state().runtime.remove(&name);
    }
    for (name, muxer) in open {
        if muxer.inner().ready {
            publish_runtime(shared, &name, &muxer);
        }
    }
}

fn random_hex() -> String {
    format!("{:016x}", random_u64())
}

/// MediaMTX's session secrets are UUIDs.
fn uuid_like() -> String {
    let (a, b) = (random_u64(), random_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// google/uuid v1.6.0's `Parse`, which MediaMTX runs on a session id from
/// the API: the four spellings it takes, as the canonical lowercase form the
/// stand-in stores, or its error message.
pub(crate) fn parse_uuid(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let hyphenated = match bytes.len() {
        36 => bytes,
        45 => {
            if !bytes[..9].eq_ignore_ascii_case(b"urn:uuid:") {
                let prefix = String::from_utf8_lossy(&bytes[..9]);
                return Err(format!("invalid urn prefix: {prefix:?}"));
            }
            &bytes[9..]
        }
        // `{…}`: the braces themselves are never checked.
        38 => &bytes[1..],
        32 => return hex_uuid(bytes).ok_or_else(|| "invalid UUID format".to_owned()),
        length => return Err(format!("invalid UUID length: {length}")),
    };
    if [8, 13, 18, 23].iter().any(|&at| hyphenated[at] != b'-') {
        return Err("invalid UUID format".to_owned());
    }
    let digits: Vec<u8> = hyphenated[..36]
        .iter()
        .enumerate()
        .filter(|(at, _)| ![8, 13, 18, 23].contains(at))
        .map(|(_, &byte)| byte)
        .collect();
    hex_uuid(&digits).ok_or_else(|| "invalid UUID format".to_owned())
}

/// 32 hex digits as `8-4-4-4-12` lowercase.
fn hex_uuid(digits: &[u8]) -> Option<String> {
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let lower = String::from_utf8(digits.to_ascii_lowercase()).ok()?;
    Some(format!(
        "{}-{}-{}-{}-{}",
        &lower[..8],
        &lower[8..12],
        &lower[12..16],
        &lower[16..20],
        &lower[20..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_parse_as_google_uuid_parses_them() {
        let id = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f00112233";
        let canonical = Ok(id.to_owned());
        assert_eq!(parse_uuid(id), canonical);
        assert_eq!(parse_uuid(&id.to_uppercase()), canonical);
        assert_eq!(parse_uuid(&format!("URN:uuid:{id}")), canonical);
        assert_eq!(parse_uuid(&format!("{{{id}}}")), canonical);
        assert_eq!(parse_uuid(&id.replace('-', "")), canonical);
        assert_eq!(parse_uuid("nope"), Err("invalid UUID length: 4".to_owned()));
        assert_eq!(
            parse_uuid(&id.replace('-', "_")),
            Err("invalid UUID format".to_owned())
        );
        assert_eq!(
            parse_uuid(&format!("urn:uuix:{id}")),
            Err("invalid urn prefix: \"urn:uuix:\"".to_owned())
        );
    }

    #[test]
    fn times_print_as_go_prints_them() {
        let time = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.120Z")
            .unwrap()
            .to_utc();
        assert_eq!(go_time(time), "2026-01-02T03:04:05.12Z");
        let whole = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .to_utc();
        assert_eq!(go_time(whole), "2026-01-02T03:04:05Z");
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.7"),
        );
        assert_eq!(client_ip(proxy, &headers, &[]), proxy);
        assert_eq!(
            client_ip(proxy, &headers, &[proxy]),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn child_urls_carry_the_session() {
        let playlist = "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:1.0,\nstream3.m4s\n";
        let rewritten = with_session(playlist, "s1");
        assert!(rewritten.contains("URI=\"init.mp4?session=s1\""));
        assert!(rewritten.contains("\nstream3.m4s?session=s1\n"));
    }
}
