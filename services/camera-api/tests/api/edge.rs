//! The edge, for real: HAProxy with `haproxy/haproxy.cfg` in front of the
//! service and a real MediaMTX's HLS and WebRTC (WHEP) servers (pulling a
//! live GStreamer test camera), driven with curl over TLS, as a browser would. MediaMTX asks the
//! service's hook before every read (`authMethod: http`).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use camera_api::auth::Role;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

use crate::stack_files::self_signed_pem;
use crate::support::camera::{TestCamera, closed_port_url};
use crate::support::fault_proxy::FaultProxy;
use crate::support::{MediaMtx, TestApp, eventually, free_port};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The service and the real MediaMTX it provisions, which asks the service's
/// hook before every read.
struct Stack {
    app: TestApp,
}

impl Stack {
    async fn start(extra: &[(&str, &str)]) -> Stack {
        let app = TestApp::spawn_with(|vars| {
            vars.extend(
                extra
                    .iter()
                    .map(|(key, value)| (key.to_string(), value.to_string())),
            );
        })
        .await;
        Stack { app }
    }

    /// A video token of a new viewer limited to `groups`.
    async fn video_token(&self, groups: Option<&[&str]>) -> String {
        let viewer = self.app.client_as(Role::Viewer, groups).await;
        let response = crate::support::send(viewer.post(self.app.url("/api/video-tokens"))).await;
        assert_eq!(response.status, 200, "{}", response.text);
        response.json()["token"].as_str().unwrap().to_owned()
    }

    fn hls_server(&self) -> String {
        self.app.mediamtx.hls_addr()
    }

    /// Creates a camera through `edge` and waits until its path is
    /// provisioned; returns its id.
    async fn add_camera(&self, edge: &Edge, name: &str, stream_url: &str) -> Value {
        let body = json!({"name": name, "stream_url": stream_url});
        let created = edge.post_json("/api/cameras", &body).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let id = serde_json::from_slice::<Value>(&created.body).unwrap()["id"].clone();
        self.provisioned(&id).await;
        id
    }

    /// Waits until the service has provisioned the camera's path.
    async fn provisioned(&self, id: &Value) {
        let path = format!("cam_{id}");
        let found = eventually(Duration::from_secs(10), || async {
            self.app.mediamtx.path_config(&path).await.is_some()
        })
        .await;
        assert!(found, "{path} was not provisioned");
    }
}

/// A running HAProxy; killed on drop.
struct Edge {
    child: Child,
    dir: PathBuf,
    https: String,
    http: String,
    log: Arc<Mutex<Vec<u8>>>,
    /// Sent as `Authorization: Bearer` unless a request says otherwise.
    token: String,
}

struct Reply {
    status: u16,
    http_version: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A problem+json body with this status and type; returns it.
    fn problem(&self, status: u16, kind: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let problem: Value = serde_json::from_slice(&self.body).expect("JSON problem");
        assert_eq!(problem["status"], status);
        assert_eq!(problem["type"], format!("urn:camplane:problem:{kind}"));
        problem
    }

    /// [`Self::problem`], carrying the request id the edge sent in
    /// `X-Request-Id`.
    fn problem_with_id(&self, status: u16, kind: &str) -> Value {
        let problem = self.problem(status, kind);
        let id = self.header("x-request-id").expect("a request id");
        assert_eq!(problem["request_id"], id, "{problem}");
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().to_string(), id);
        problem
    }
}

impl Edge {
    /// `rate` is HAP_API_RATE, `login_rate` HAP_LOGIN_RATE.
    async fn start(stack: &Stack, rate: u32, login_rate: u32) -> Edge {
        Self::start_with(stack, rate, login_rate, &[]).await
    }

    /// With `env` overriding the stack's settings (HAP_API_SERVER, say).
    async fn start_with(stack: &Stack, rate: u32, login_rate: u32, env: &[(&str, &str)]) -> Edge {
        let (api, hls) = (stack.app.base.as_str(), stack.hls_server());
        let dir = std::env::temp_dir().join(format!("camplane-edge-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let pem = self_signed_pem(&dir);
        // No node registered: empty maps, which camera-api may fill (a test
        // of nodes points both at its own directory).
        for map in ["hls.map", "webrtc.map", "playback.map"] {
            std::fs::write(dir.join(map), "").unwrap();
        }
        // A free port can be taken between probing and binding: retry.
        for _ in 0..3 {
            let (https_port, http_port) = (free_port(), free_port());
            let mut child = Command::new("haproxy")
                .arg("-f")
                .arg(format!("{REPO}/haproxy/haproxy.cfg"))
                .arg("-db")
                .env("HAP_HTTP_BIND", format!("127.0.0.1:{http_port}"))
                .env("HAP_HTTPS_BIND", format!("127.0.0.1:{https_port}"))
                .env("HAP_HTTPS_PORT", https_port.to_string())
                .env("HAP_CERT", &pem)
                .env("HAP_LUA", format!("{REPO}/haproxy/problem.lua"))
                .env("HAP_API_SERVER", api.trim_start_matches("http://"))
                .env("HAP_API_TIMEOUT", "30s")
                .env("HAP_HLS_SERVER", &hls)
                .env("HAP_HLS_TIMEOUT", "45s")
                .env("HAP_WEBRTC_SERVER", stack.app.mediamtx.webrtc_addr())
                .env(
                    "HAP_PLAYBACK_SERVER",
                    stack
                        .app
                        .mediamtx
                        .playback_url()
                        .trim_start_matches("http://"),
                )
                .env("HAP_API_RATE", rate.to_string())
                .env("HAP_LOGIN_RATE", login_rate.to_string())
                .env("HAP_MAX_BODY", "65536")
                .env("HAP_RETRY_AFTER", "5")
                .env("HAP_MAPS_DIR", &dir)
                .env("HAP_RUNTIME", dir.join("admin.sock"))
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .expect("haproxy is installed (scripts/install-deps.sh)");
            let log = Arc::new(Mutex::new(Vec::new()));
            for stream in [
                Box::new(child.stdout.take().unwrap())
                    as Box<dyn tokio::io::AsyncRead + Send + Unpin>,
                Box::new(child.stderr.take().unwrap()),
            ] {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut stream = stream;
                    let mut buf = [0u8; 4096];
                    while let Ok(n @ 1..) = stream.read(&mut buf).await {
                        log.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                });
            }
            let https = format!("https://127.0.0.1:{https_port}");
            let listening = eventually(Duration::from_secs(5), || async {
                tokio::net::TcpStream::connect(("127.0.0.1", https_port))
                    .await
                    .is_ok()
            })
            .await;
            if listening && child.try_wait().unwrap().is_none() {
                return Edge {
                    child,
                    dir,
                    https,
                    http: format!("http://127.0.0.1:{http_port}"),
                    log,
                    token: stack.app.token.clone(),
                };
            }
            let _ = child.kill().await;
            eprintln!(
                "haproxy did not start:\n{}",
                String::from_utf8_lossy(&log.lock().unwrap())
            );
        }
        panic!("haproxy did not start three times in a row");
    }

    fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }

    /// One request with curl (TLS not verified: the certificate is
    /// self-signed; HTTP/2 offered through ALPN).
    async fn curl(&self, args: &[&str], url: &str) -> Reply {
        self.curl_as(Some(&self.token), args, url).await
    }

    async fn curl_as(&self, token: Option<&str>, args: &[&str], url: &str) -> Reply {
        let headers = self.dir.join(format!("headers-{}", uuid::Uuid::new_v4()));
        let authorization = token.map(|token| format!("Authorization: Bearer {token}"));
        let output = Command::new("curl")
            .args(["-sS", "-k", "--http2", "--max-time", "60", "-D"])
            .arg(&headers)
            .args(
                authorization
                    .iter()
                    .flat_map(|header| ["-H", header.as_str()]),
            )
            .args(["-w", "\n%{http_code} %{http_version} %{url_effective}"])
            .args(args)
            .arg(url)
            .kill_on_drop(true)
            .output()
            .await
            .expect("curl is installed");
        assert!(
            output.status.success(),
            "curl {args:?} {url}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = output.stdout;
        let split = stdout.iter().rposition(|&b| b == b'\n').unwrap();
        let trailer = String::from_utf8_lossy(&stdout[split + 1..]).into_owned();
        let mut fields = trailer.split(' ');
        let status = fields.next().unwrap().parse().unwrap();
        let http_version = fields.next().unwrap().to_owned();
        let url = fields.next().unwrap_or_default().to_owned();
        // With -L the file holds every response's headers: keep the last.
        let raw = std::fs::read_to_string(&headers).unwrap_or_default();
        let last = raw
            .rsplit("\r\n\r\n")
            .find(|block| !block.trim().is_empty())
            .unwrap_or("");
        let headers = last
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(key, value)| (key.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        Reply {
            status,
            http_version,
            url,
            headers,
            body: stdout[..split].to_vec(),
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.curl(&[], &format!("{}{path}", self.https)).await
    }

    /// Follows MediaMTX's cookie-check redirect, as hls.js does, with a
    /// video token.
    async fn get_following(&self, video_token: &str, path: &str) -> Reply {
        self.curl_as(Some(video_token), &["-L"], &format!("{}{path}", self.https))
            .await
    }

    async fn post_json(&self, path: &str, body: &Value) -> Reply {
        let body = body.to_string();
        let args = [
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "--data-binary",
            &body,
        ];
        self.curl(&args, &format!("{}{path}", self.https)).await
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The URL of a playlist line, relative to the playlist's URL.
fn child_url(playlist_url: &str, line: &str) -> String {
    let base = &playlist_url[..playlist_url.rfind('/').unwrap() + 1];
    format!("{base}{line}")
}

fn first_uri(playlist: &str) -> &str {
    playlist
        .lines()
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .unwrap_or_else(|| panic!("no URI in\n{playlist}"))
}

#[tokio::test]
async fn the_edge_serves_the_api_and_live_video_over_http2() {
    let camera = TestCamera::start().await;
    let stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 1000, 1000).await;

    // A camera created through the edge, over HTTP/2.
    let created = edge
        .post_json(
            "/api/cameras",
            &json!({"name": "Lobby", "stream_url": camera.url("cam1")}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.http_version, "2", "ALPN must pick h2");
    let request_id = created
        .header("x-request-id")
        .expect("a request id")
        .to_owned();
    let camera_json: Value = serde_json::from_slice(&created.body).unwrap();
    let id = camera_json["id"].clone();
    let hls_url = format!("/hls/cam_{id}/index.m3u8");
    if let Some(advertised) = camera_json["hls_url"].as_str() {
        assert_eq!(advertised, hls_url);
    }
    stack.provisioned(&id).await;

    // Playlist, media playlist and a segment, through the cookie-check
    // redirect, whose Location stays under /hls/.
    let first = edge.get(&hls_url).await;
    assert_eq!(first.status, 302);
    assert_eq!(
        first.header("location"),
        Some(format!("/hls/cam_{id}/index.m3u8?cookieCheck=1").as_str())
    );
    let video = stack.video_token(None).await;
    let multivariant = edge.get_following(&video, &hls_url).await;
    assert_eq!(multivariant.status, 200, "{}", multivariant.text());
    assert!(
        multivariant.url.contains("cookieCheck=1"),
        "{}",
        multivariant.url
    );
    let media_url = child_url(&multivariant.url, first_uri(&multivariant.text()));
    // Past the session-creating playlist, the session secret in the URL
    // (bound to the viewer's address) is the credential.
    let media = edge.curl_as(None, &[], &media_url).await;
    assert_eq!(media.status, 200, "{}", media.text());
    let segment_url = child_url(&media_url, first_uri(&media.text()));
    let segment = edge.curl_as(None, &[], &segment_url).await;
    assert_eq!(segment.status, 200);
    assert!(
        segment.body.len() > 1000,
        "a segment of {} bytes",
        segment.body.len()
    );

    // Video follows the API's permissions: no credential, an API token (not
    // a video token), or a viewer limited to other groups get nothing.
    let elsewhere = stack.video_token(Some(&["vault"])).await;
    let url = format!("{}{hls_url}", edge.https);
    for token in [None, Some(edge.token.as_str()), Some(elsewhere.as_str())] {
        let refused = edge.curl_as(token, &["-L"], &url).await;
        assert_eq!(refused.status, 401, "{token:?}: {}", refused.text());
        // MediaMTX asks for Basic credentials; a browser would pop up a
        // login box, so the edge drops the challenge.
        assert_eq!(refused.header("www-authenticate"), None, "{token:?}");
    }
    let lobby_viewer = stack.video_token(Some(&["lobby"])).await;
    let patched = edge
        .curl(
            &[
                "-X",
                "PATCH",
                "-H",
                "content-type: application/json",
                "--data-binary",
                r#"{"groups":["lobby"]}"#,
            ],
            &format!("{}/api/cameras/{id}", edge.https),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    let allowed = edge.get_following(&lobby_viewer, &hls_url).await;
    assert_eq!(allowed.status, 200, "{}", allowed.text());
    // Revoking the viewer's token ends the session it is already playing,
    // though MediaMTX asks only when a session starts.
    let media_url = child_url(&allowed.url, first_uri(&allowed.text()));
    assert_eq!(edge.curl_as(None, &[], &media_url).await.status, 200);
    let token: i64 = sqlx::query_scalar("SELECT id FROM api_tokens WHERE groups = '{lobby}'")
        .fetch_one(&stack.app.db)
        .await
        .unwrap();
    let revoked = stack
        .app
        .delete(&format!("/api/tokens/{token}"), None)
        .await;
    assert_eq!(revoked.status, 204);
    let ended = eventually(Duration::from_secs(15), || async {
        edge.curl_as(None, &[], &media_url).await.status == 401
    })
    .await;
    assert!(ended, "the revoked viewer's session still plays");
    // MediaMTX's hook is for MediaMTX, not for the world.
    for path in ["/api/mediamtx/auth", "/API/MediaMTX/auth"] {
        edge.get(path).await.problem(404, "not-found");
    }

    // MediaMTX's other faces are not reachable, and only cam_<digits> streams.
    for path in ["/v3/config/paths/list", "/metrics", "/debug/pprof/"] {
        assert_eq!(edge.get(path).await.status, 404, "{path}");
    }
    let traversal = format!("{}/hls/cam_{id}/../../v3/config/paths/list", edge.https);
    assert_eq!(edge.curl(&["--path-as-is"], &traversal).await.status, 404);
    edge.get("/hls/lobby/index.m3u8")
        .await
        .problem(404, "stream-unavailable");
    edge.get("/hls/cam_1x/index.m3u8")
        .await
        .problem(404, "stream-unavailable");

    // Plain HTTP redirects to HTTPS, keeping path and query.
    let plain = edge
        .curl(
            &["--http1.1"],
            &format!("{}/api/cameras?limit=1", edge.http),
        )
        .await;
    assert_eq!(plain.status, 301);
    assert_eq!(
        plain.header("location"),
        Some(format!("{}/api/cameras?limit=1", edge.https).as_str())
    );

    // An oversized body is refused at the edge.
    let big = "x".repeat(70_000);
    let refused = edge
        .curl(
            &[
                "-X",
                "POST",
                "-H",
                "content-type: application/json",
                "--data-binary",
                &big,
            ],
            &format!("{}/api/cameras", edge.https),
        )
        .await;
    refused.problem(413, "payload-too-large");

    // The access log and the service's log carry the request id the client saw.
    assert!(
        edge.log().contains(&format!("id={request_id}")),
        "{}",
        edge.log()
    );
    assert!(
        crate::support::logs().contains(&request_id),
        "the service did not log {request_id}"
    );
}

#[tokio::test]
async fn api_bursts_from_one_address_get_429_problems() {
    let stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 5, 1000).await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..12 {
        let reply = edge.get("/api/cameras").await;
        statuses.push(reply.status);
        if reply.status == 429 {
            limited = Some(reply);
        }
    }
    assert_eq!(&statuses[..5], [200; 5], "{statuses:?}");
    let limited = limited.unwrap_or_else(|| panic!("no 429 in {statuses:?}"));
    limited.problem(429, "rate-limited");
    assert_eq!(limited.header("retry-after"), Some("5"));
    // The limit is the API's: the console and health are not counted.
    assert_ne!(edge.get("/healthz").await.status, 429);
}

#[tokio::test]
async fn login_attempts_from_one_address_are_limited_whatever_the_username() {
    let stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 1000, 4).await;
    let mut replies = Vec::new();
    for n in 0..6 {
        let guess = json!({"username": format!("sprayed-{n}"), "password": "Winter2026!!"});
        replies.push(edge.post_json("/api/session", &guess).await);
    }
    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    // Each username failed once only: the service's own limit never applies.
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429]);
    let limited = replies[4].problem(429, "rate-limited");
    assert!(
        limited["detail"].as_str().unwrap().contains("login"),
        "{limited}"
    );
    assert_eq!(replies[4].header("retry-after"), Some("60"));
    // Only logins count: the address's other requests go on.
    assert_eq!(edge.get("/api/cameras").await.status, 200);
}

#[tokio::test]
async fn an_offline_camera_is_a_404_the_console_can_show() {
    // MediaMTX waits sourceOnDemandStartTimeout for the camera; keep it short.
    let stack = Stack::start(&[("CAMPLANE_SOURCE_START_TIMEOUT", "2s")]).await;
    let edge = Edge::start(&stack, 1000, 1000).await;
    let created = edge
        .post_json(
            "/api/cameras",
            &json!({"name": "Gone", "stream_url": closed_port_url()}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = serde_json::from_slice::<Value>(&created.body).unwrap()["id"].clone();
    stack.provisioned(&id).await;

    let video = stack.video_token(None).await;
    let reply = edge
        .get_following(&video, &format!("/hls/cam_{id}/index.m3u8"))
        .await;
    reply.problem(404, "stream-unavailable");
}

/// MediaMTX answers the first playlist once its muxer has two segments, and
/// segments start on keyframes: a camera with a 10 s GOP takes 20 s or more
/// to its first playlist. The edge waits for it (HAP_HLS_TIMEOUT) instead of
/// giving up.
#[tokio::test]
async fn a_camera_with_a_long_gop_plays_through_the_edge() {
    let camera = TestCamera::start().await;
    let stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 1000, 1000).await;
    let id = stack
        .add_camera(&edge, "Slow keyframes", &camera.url("cam2"))
        .await;
    let video = stack.video_token(None).await;
    let started = std::time::Instant::now();
    let playlist = edge
        .get_following(&video, &format!("/hls/cam_{id}/index.m3u8"))
        .await;
    let waited = started.elapsed();
    assert_eq!(playlist.status, 200, "{}", playlist.text());
    assert!(playlist.text().starts_with("#EXTM3U"));
    assert!(
        waited >= Duration::from_secs(15),
        "two 10 s segments before the first playlist, not {waited:?}"
    );
    println!("first playlist of a 10 s GOP camera after {waited:?}");
}

/// An MJPEG-only camera: MediaMTX can't build an HLS muxer for it, nor a
/// WebRTC track. That is not "at capacity" (retrying won't help): the edge
/// says what it is, over either.
#[tokio::test]
async fn a_camera_hls_and_webrtc_cannot_carry_is_a_415_that_says_so() {
    let camera = TestCamera::start().await;
    let stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 1000, 1000).await;
    let id = stack
        .add_camera(&edge, "Old MJPEG", &camera.url("mjpeg"))
        .await;
    let video = stack.video_token(None).await;
    let reply = edge
        .get_following(&video, &format!("/hls/cam_{id}/index.m3u8"))
        .await;
    let problem = reply.problem(415, "stream-unplayable");
    assert!(
        problem["detail"].as_str().unwrap().contains("MJPEG"),
        "{problem}"
    );
    let reply = edge
        .whep(
            Some(&video),
            &format!("/webrtc/cam_{id}/whep"),
            &whep_offer(),
        )
        .await;
    let problem = reply.problem_with_id(415, "stream-unplayable");
    assert!(
        problem["detail"].as_str().unwrap().contains("WebRTC"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_camera_at_its_reader_limit_is_a_503_with_retry_after() {
    let camera = TestCamera::start().await;
    let stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 1000, 1000).await;
    let create = |name: &str, max_readers: u32| json!({"name": name, "stream_url": camera.url("cam1"), "max_readers": max_readers});

    // Two slots: the first viewer's session plus the muxer (a hidden reader).
    let two = edge.post_json("/api/cameras", &create("Two", 2)).await;
    assert_eq!(two.status, 201, "{}", two.text());
    let id = serde_json::from_slice::<Value>(&two.body).unwrap()["id"].clone();
    stack.provisioned(&id).await;
    let url = format!("/hls/cam_{id}/index.m3u8");
    let video = stack.video_token(None).await;
    assert_eq!(edge.get_following(&video, &url).await.status, 200);
    let full = edge.get_following(&video, &url).await;
    full.problem(503, "at-capacity");
    assert_eq!(full.header("retry-after"), Some("5"));

    // One slot could never be watched (the muxer is a reader too): refused.
    let one = edge.post_json("/api/cameras", &create("One", 1)).await;
    assert_eq!(one.status, 422, "{}", one.text());
}

/// Over HTTP/2, a refusal the edge decides on before it has read the body
/// still reaches the client: answered while the upload was still coming,
/// HAProxy reset the stream (RST_STREAM CANCEL) and the client lost the
/// answer with it.
#[tokio::test]
async fn refusals_reach_an_http2_client_that_is_still_uploading() {
    let stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 1000, 1000).await;
    // Far more than HAProxy buffers or the HTTP/2 window lets through before
    // the edge decides.
    let upload = edge.dir.join("upload");
    std::fs::write(&upload, vec![b'x'; 4 << 20]).unwrap();
    let upload = format!("@{}", upload.display());
    for (path, status, kind) in [
        ("/api/cameras", 413, "payload-too-large"),
        ("/api/mediamtx/auth", 404, "not-found"),
        ("/hls/lobby/index.m3u8", 404, "stream-unavailable"),
        ("/hls/cam_1/index.m3u8", 405, "method-not-allowed"),
    ] {
        let args = [
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "--data-binary",
            &upload,
        ];
        let reply = edge.curl(&args, &format!("{}{path}", edge.https)).await;
        assert_eq!(reply.http_version, "2", "{path}");
        reply.problem_with_id(status, kind);
        if status == 405 {
            assert_eq!(reply.header("allow"), Some("GET, HEAD"));
        }
    }
}

/// Stands in for camera-api where the real one can't be made to misbehave:
/// passes the edge's health check, answers `/api/garbled` with something
/// that isn't HTTP, and never answers anything else.
struct BrokenUpstream {
    addr: String,
    acceptor: tokio::task::JoinHandle<()>,
}

impl BrokenUpstream {
    async fn start() -> BrokenUpstream {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let acceptor = tokio::spawn(async move {
            // Dropped with the acceptor, so held connections end with it.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut conn, _)) = listener.accept().await {
                connections.spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut buf).await {
                            Ok(n @ 1..) => head.extend_from_slice(&buf[..n]),
                            _ => return,
                        }
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    if head.starts_with("GET /readyz ") {
                        let ready =
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                        let _ = conn.write_all(ready).await;
                    } else if head.starts_with("GET /api/garbled ") {
                        let _ = conn.write_all(b"this is not HTTP\r\n\r\n").await;
                    } else {
                        std::future::pending::<()>().await;
                    }
                });
            }
        });
        BrokenUpstream { addr, acceptor }
    }
}

impl Drop for BrokenUpstream {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

/// What HAProxy answers by itself is a problem document with the request
/// id, like every other answer: a URL too long, a request it can't take, a
/// service that answers garbage, too late, or not at all.
#[tokio::test]
async fn the_edges_own_errors_are_problems_with_the_request_id() {
    let stack = Stack::start(&[]).await;
    let upstream = BrokenUpstream::start().await;
    let edge = Edge::start_with(
        &stack,
        1000,
        1000,
        &[
            ("HAP_API_SERVER", upstream.addr.as_str()),
            ("HAP_API_TIMEOUT", "1s"),
        ],
    )
    .await;

    let long = format!("{}/api/cameras?name={}", edge.https, "a".repeat(9000));
    edge.curl(&[], &long)
        .await
        .problem_with_id(414, "uri-too-long");
    // Over HTTP/2 a Host with a space gets to HAProxy, which refuses it.
    let url = format!("{}/api/cameras", edge.https);
    edge.curl(&["-H", "Host: a b"], &url)
        .await
        .problem_with_id(400, "malformed-request");
    let garbled = edge.get("/api/garbled").await;
    garbled.problem_with_id(502, "unavailable");
    assert_eq!(garbled.header("retry-after"), Some("5"));
    let started = std::time::Instant::now();
    let late = edge.get("/api/cameras").await;
    late.problem_with_id(504, "unavailable");
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(10),
        "the 504 came after {waited:?}, not after HAP_API_TIMEOUT (1 s)"
    );
    assert_eq!(late.header("retry-after"), Some("5"));

    drop(upstream);
    let gone = eventually(Duration::from_secs(15), || async {
        edge.get("/api/cameras").await.status == 503
    })
    .await;
    assert!(gone, "no 503 once the service is gone");
    let unavailable = edge.get("/api/cameras").await;
    unavailable.problem_with_id(503, "unavailable");
    assert_eq!(unavailable.header("retry-after"), Some("5"));
}

/// A restarted camera-api serves through the edge within 2 s of listening
/// again (the health check took up to 10 s to notice); while it is gone,
/// requests get a 503 problem, at once once HAProxy has marked it down.
#[tokio::test]
async fn a_restarted_service_is_back_behind_the_edge_within_two_seconds() {
    let mut stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 1000, 1000).await;
    assert_eq!(edge.get("/api/cameras").await.status, 200);

    stack.app.stop().await.expect("clean shutdown");
    let marked_down = eventually(Duration::from_secs(20), || async {
        edge.log().contains("Server camera_api/api is DOWN")
    })
    .await;
    assert!(marked_down, "{}", edge.log());
    let started = std::time::Instant::now();
    edge.get("/api/cameras")
        .await
        .problem_with_id(503, "unavailable");
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_millis(500),
        "a 503 after {waited:?} with the service marked down"
    );

    let address = stack.app.base.clone();
    stack.app.start_again().await;
    assert_eq!(stack.app.base, address, "the service came back elsewhere");
    let listening = std::time::Instant::now();
    let back = eventually(Duration::from_secs(10), || async {
        edge.get("/api/cameras").await.status == 200
    })
    .await;
    let waited = listening.elapsed();
    assert!(back, "the edge never served the restarted service");
    assert!(
        waited < Duration::from_secs(2),
        "the edge served the restarted service {waited:?} after it listened"
    );
}

/// A WHEP offer as a browser makes one, by hand: receive one H.264 video
/// track. Enough for MediaMTX to answer; nothing will ever connect to its
/// ICE port (the browser tests, frontend/e2e/webrtc.test.mjs, play media).
fn whep_offer() -> String {
    let fingerprint = (0..32)
        .map(|byte| format!("{:02X}", byte * 7 % 256))
        .collect::<Vec<_>>()
        .join(":");
    [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        &format!("a=fingerprint:sha-256 {fingerprint}"),
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:camplane",
        "a=ice-pwd:camplanecamplanecamplane",
        "a=setup:actpass",
        "a=mid:0",
        "a=recvonly",
        "a=rtcp-mux",
        "a=rtpmap:96 H264/90000",
        "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
        "",
    ]
    .join("\r\n")
}

impl Edge {
    /// POSTs `offer` to `path` as `application/sdp`, with `token` as Bearer.
    async fn whep(&self, token: Option<&str>, path: &str, offer: &str) -> Reply {
        let args = [
            "-X",
            "POST",
            "-H",
            "content-type: application/sdp",
            "--data-binary",
            offer,
        ];
        self.curl_as(token, &args, &format!("{}{path}", self.https))
            .await
    }
}

/// WebRTC's handshake goes through the edge under the same rules as HLS:
/// a video token that may read the camera gets an answer naming MediaMTX's
/// ICE port (UDP and TCP) at the announced address, and a session resource
/// under /webrtc/; anything else is refused with a problem document.
#[tokio::test]
async fn whep_offers_go_through_the_edge_with_a_video_token_only() {
    let camera = TestCamera::start().await;
    let stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 1000, 1000).await;
    let id = stack.add_camera(&edge, "Lobby", &camera.url("cam1")).await;
    let whep = format!("/webrtc/cam_{id}/whep");
    let advertised = edge.get(&format!("/api/cameras/{id}")).await;
    let advertised: Value = serde_json::from_slice(&advertised.body).unwrap();
    assert_eq!(advertised["webrtc_url"], whep.as_str());
    let video = stack.video_token(None).await;

    let answer = edge.whep(Some(&video), &whep, &whep_offer()).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    assert_eq!(answer.http_version, "2");
    assert_eq!(answer.header("content-type"), Some("application/sdp"));
    let sdp = answer.text();
    assert!(sdp.contains("a=setup:"), "{sdp}");
    for transport in ["udp", "tcp"] {
        assert!(
            sdp.lines().any(|line| line.starts_with("a=candidate:")
                && line.contains(&format!(" {transport} "))
                && line.contains(" 127.0.0.1 ")),
            "no {transport} candidate at 127.0.0.1 in\n{sdp}"
        );
    }
    // Only the announced address: none of this machine's interfaces.
    assert!(
        sdp.lines()
            .filter(|line| line.starts_with("a=candidate:"))
            .all(|line| line.contains(" 127.0.0.1 ")),
        "{sdp}"
    );
    let location = answer.header("location").expect("a session resource");
    let secret = location
        .strip_prefix(&format!("{whep}/"))
        .unwrap_or_else(|| panic!("{location} is not under {whep}/"));
    uuid::Uuid::parse_str(secret).expect("a UUID");
    // The hook saw the session (its id is MediaMTX's session id), so a
    // revocation can end it.
    let session: uuid::Uuid = answer.header("id").unwrap().parse().unwrap();
    let recorded: Option<i64> =
        sqlx::query_scalar("SELECT camera_id FROM video_sessions WHERE id = $1")
            .bind(session)
            .fetch_optional(&stack.app.db)
            .await
            .unwrap();
    assert_eq!(recorded, id.as_i64());

    // The session resource: trickle ICE and hang-up reach MediaMTX.
    let resource = format!("{}{location}", edge.https);
    let ended = edge.curl_as(None, &["-X", "DELETE"], &resource).await;
    assert_eq!(ended.status, 200, "{}", ended.text());
    let patch = [
        "-X",
        "PATCH",
        "-H",
        "content-type: application/trickle-ice-sdpfrag",
        "--data-binary",
        "a=ice-ufrag:camplane\r\na=ice-pwd:camplanecamplanecamplane\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n",
    ];
    edge.curl_as(None, &patch, &resource)
        .await
        .problem_with_id(404, "not-found");

    // No credential, an API token (not a video token), or a viewer limited
    // to other groups: 401, with no Basic challenge a browser would show.
    let elsewhere = stack.video_token(Some(&["vault"])).await;
    for token in [None, Some(edge.token.as_str()), Some(elsewhere.as_str())] {
        let refused = edge.whep(token, &whep, &whep_offer()).await;
        refused.problem_with_id(401, "unauthenticated");
        assert!(
            !refused
                .header("www-authenticate")
                .is_some_and(|challenge| challenge.starts_with("Basic")),
            "{token:?}"
        );
    }

    // Only cameras' WHEP endpoints: not MediaMTX's page, scripts, WHIP or API.
    for path in [
        format!("/webrtc/cam_{id}/"),
        format!("/webrtc/cam_{id}/reader.js"),
        format!("/webrtc/cam_{id}/whip"),
        "/webrtc/lobby/whep".to_owned(),
        "/webrtc/v3/webrtcsessions/list".to_owned(),
        "/webrtc/".to_owned(),
    ] {
        edge.whep(Some(&video), &path, &whep_offer())
            .await
            .problem_with_id(404, "stream-unavailable");
    }
    let traversal = format!(
        "{}/webrtc/cam_{id}/whep/../../v3/webrtcsessions/list",
        edge.https
    );
    assert_eq!(edge.curl(&["--path-as-is"], &traversal).await.status, 404);
    let get = edge.get(&whep).await;
    get.problem_with_id(405, "method-not-allowed");
    assert_eq!(get.header("allow"), Some("POST, OPTIONS"));
    let get = edge.get(location).await;
    get.problem_with_id(405, "method-not-allowed");
    assert_eq!(get.header("allow"), Some("PATCH, DELETE, OPTIONS"));
    // Not an offer: MediaMTX's 400, as a problem.
    let args = [
        "-X",
        "POST",
        "-H",
        "content-type: text/plain",
        "--data-binary",
        "hello",
    ];
    edge.curl_as(Some(&video), &args, &format!("{}{whep}", edge.https))
        .await
        .problem_with_id(400, "malformed-request");
    // A camera that isn't provisioned is offline, as for HLS.
    edge.whep(Some(&video), "/webrtc/cam_999999/whep", &whep_offer())
        .await
        .problem_with_id(404, "stream-unavailable");

    // Revoking a viewer's token kicks its WebRTC session, as its HLS ones.
    // This session never connects, so MediaMTX would drop it after
    // webrtcHandshakeTimeout (10 s) anyway: what shows the kick is the
    // service's call, within one check (5 s) of the revocation.
    let viewer = stack.video_token(None).await;
    let answer = edge.whep(Some(&viewer), &whep, &whep_offer()).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let session: uuid::Uuid = answer.header("id").unwrap().parse().unwrap();
    let kicked = revoking_kicks(&stack, session, stack.app.mediamtx.faults(), "webrtc", 9).await;
    assert!(kicked, "the revoked viewer's WebRTC session was not kicked");
}

/// A camera's sub-stream is its own path, `cam_<id>_sub`, played through
/// the edge over HLS and WebRTC as the main one is, by who may see the
/// camera only; no other suffix passes, and recordings stay the main
/// stream's.
#[tokio::test]
async fn a_sub_stream_plays_through_the_edge_as_its_camera_does() {
    let camera = TestCamera::start().await;
    let stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 1000, 1000).await;
    let body = json!({"name": "Lobby", "stream_url": camera.url("cam1"),
                      "sub_stream_url": camera.url("small")});
    let created = edge.post_json("/api/cameras", &body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created: Value = serde_json::from_slice(&created.body).unwrap();
    let id = created["id"].clone();
    let sub = format!("cam_{id}_sub");
    assert_eq!(created["sub_stream"]["path"], sub.as_str());
    stack.provisioned(&id).await;
    let provisioned = eventually(Duration::from_secs(10), || async {
        stack.app.mediamtx.path_config(&sub).await.is_some()
    })
    .await;
    assert!(provisioned, "{sub} was not provisioned");
    let video = stack.video_token(None).await;

    let playlist = edge
        .get_following(&video, &format!("/hls/cam_{id}_sub/index.m3u8"))
        .await;
    assert_eq!(playlist.status, 200, "{}", playlist.text());
    assert!(playlist.text().starts_with("#EXTM3U"));
    let whep = format!("/webrtc/cam_{id}_sub/whep");
    let answer = edge.whep(Some(&video), &whep, &whep_offer()).await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let location = answer.header("location").expect("a session resource");
    assert!(location.starts_with(&format!("{whep}/")), "{location}");
    let ended = edge
        .curl_as(
            None,
            &["-X", "DELETE"],
            &format!("{}{location}", edge.https),
        )
        .await;
    assert_eq!(ended.status, 200, "{}", ended.text());

    let elsewhere = stack.video_token(Some(&["vault"])).await;
    edge.whep(Some(&elsewhere), &whep, &whep_offer())
        .await
        .problem_with_id(401, "unauthenticated");

    for odd in ["subx", "sub_sub", "SUB"] {
        edge.get_following(&video, &format!("/hls/cam_{id}_{odd}/index.m3u8"))
            .await
            .problem(404, "stream-unavailable");
        edge.whep(
            Some(&video),
            &format!("/webrtc/cam_{id}_{odd}/whep"),
            &whep_offer(),
        )
        .await
        .problem_with_id(404, "stream-unavailable");
    }
    edge.get(&format!(
        "/playback/get?path=cam_{id}_sub&start=2026-12-01T00:00:00Z&duration=1"
    ))
    .await
    .problem_with_id(404, "not-found");
}

/// How much camera `id` recorded, and when that began.
async fn recorded_seconds(edge: &Edge, id: &Value) -> (f64, String) {
    let listed = edge.get(&format!("/api/cameras/{id}/recordings")).await;
    let listed: Value = serde_json::from_slice(&listed.body).unwrap_or_default();
    (
        listed["recorded_seconds"].as_f64().unwrap_or(0.0),
        listed["spans"][0]["start"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// A recording plays through the edge with a video token of someone who
/// sees the camera, and nothing else of the playback server is reachable.
#[tokio::test]
async fn recordings_play_through_the_edge_for_who_may_see_the_camera_only() {
    let camera = TestCamera::start().await;
    let stack = Stack::start(&[]).await;
    let edge = Edge::start(&stack, 1000, 1000).await;
    let body = json!({"name": "Dock", "stream_url": camera.url("cam1"), "groups": ["dock"],
                      "recording": {"mode": "continuous"}});
    let created = edge.post_json("/api/cameras", &body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = serde_json::from_slice::<Value>(&created.body).unwrap()["id"].clone();
    let recorded = eventually(Duration::from_secs(20), || async {
        recorded_seconds(&edge, &id).await.0 >= 3.0
    })
    .await;
    assert!(recorded, "nothing recorded");
    let start = recorded_seconds(&edge, &id).await.1;
    let get = format!("/playback/get?path=cam_{id}&start={start}&duration=2");

    let dock = stack.video_token(Some(&["dock"])).await;
    let reply = edge
        .curl_as(Some(&dock), &[], &format!("{}{get}", edge.https))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("video/mp4"));
    assert!(reply.body.len() > 1000);

    let lobby = stack.video_token(Some(&["lobby"])).await;
    let reply = edge
        .curl_as(Some(&lobby), &[], &format!("{}{get}", edge.https))
        .await;
    reply.problem_with_id(401, "unauthenticated");
    let reply = edge
        .curl_as(None, &[], &format!("{}{get}", edge.https))
        .await;
    reply.problem_with_id(401, "unauthenticated");
    let early = format!("/playback/get?path=cam_{id}&start=2001-01-01T00:00:00Z&duration=2");
    let reply = edge
        .curl_as(Some(&dock), &[], &format!("{}{early}", edge.https))
        .await;
    reply.problem_with_id(404, "no-recording");
    // A camera that never recorded has no directory for MediaMTX to read.
    let quiet = stack.add_camera(&edge, "Quiet", &camera.url("cam1")).await;
    let never = format!("/playback/get?path=cam_{quiet}&start={start}&duration=2");
    let everyone = stack.video_token(None).await;
    let reply = edge
        .curl_as(Some(&everyone), &[], &format!("{}{never}", edge.https))
        .await;
    reply.problem_with_id(404, "no-recording");

    // Only /get, of one camera named plainly once.
    for path in [
        format!("/playback/list?path=cam_{id}"),
        "/playback/get?path=other&start=2026-01-01T00:00:00Z&duration=1".to_owned(),
        format!("/playback/get?pa%74h=other&path=cam_{id}&start={start}&duration=1"),
        format!("/playback/get?path=cam_{id}&path=other&start={start}&duration=1"),
        "/playback/".to_owned(),
    ] {
        let reply = edge
            .curl_as(Some(&dock), &[], &format!("{}{path}", edge.https))
            .await;
        reply.problem_with_id(404, "not-found");
    }
    let reply = edge
        .curl_as(
            Some(&dock),
            &["-X", "DELETE"],
            &format!("{}{get}", edge.https),
        )
        .await;
    reply.problem_with_id(405, "method-not-allowed");
}

/// Revokes the API token behind video `session` and waits at most
/// `seconds` for the service to kick it (`kind`: `hls` or `webrtc`) on the
/// MediaMTX behind `faults`; whether it did.
async fn revoking_kicks(
    stack: &Stack,
    session: uuid::Uuid,
    faults: &FaultProxy,
    kind: &str,
    seconds: u64,
) -> bool {
    let token: i64 = sqlx::query_scalar("SELECT api_token_id FROM video_sessions WHERE id = $1")
        .bind(session)
        .fetch_one(&stack.app.db)
        .await
        .unwrap();
    let revoked = stack
        .app
        .delete(&format!("/api/tokens/{token}"), None)
        .await;
    assert_eq!(revoked.status, 204);
    let kick = format!("/v3/{kind}sessions/kick/{session}");
    eventually(Duration::from_secs(seconds), || async {
        faults
            .requests()
            .iter()
            .any(|request| request.method == "POST" && request.path == kick)
    })
    .await
}

/// Whether `path` is on `node` and its HLS plays through `edge`.
async fn plays_from(edge: &Edge, video: &str, path: &str, node: &MediaMtx) -> bool {
    if node.path_config(path).await.is_none() {
        return false;
    }
    let reply = edge
        .get_following(video, &format!("/hls/{path}/index.m3u8"))
        .await;
    reply.status == 200
}

/// With MediaMTX nodes registered, live video goes to the node serving the
/// camera, and follows it to another node without a reload of HAProxy.
#[tokio::test]
async fn live_video_follows_a_camera_to_its_node() {
    let camera = TestCamera::start().await;
    let maps = std::env::temp_dir().join(format!("camplane-maps-{}", uuid::Uuid::new_v4()));
    let runtime = maps.join("admin.sock");
    let (maps_dir, runtime_path) = (maps.display().to_string(), runtime.display().to_string());
    // Snapshots read re-streams; none is served where the settings say, so
    // a snapshot can only come from the camera's node.
    let nowhere = format!("rtsp://127.0.0.1:{}", free_port());
    let stack = Stack::start(&[
        ("CAMPLANE_EDGE_MAPS_DIR", &maps_dir),
        ("CAMPLANE_EDGE_RUNTIME", &runtime_path),
        ("MEDIAMTX_RTSP_URL", &nowhere),
    ])
    .await;
    let edge = Edge::start_with(
        &stack,
        1000,
        1000,
        &[("HAP_MAPS_DIR", &maps_dir), ("HAP_RUNTIME", &runtime_path)],
    )
    .await;
    let nodes = [MediaMtx::start().await, MediaMtx::start().await];
    let mut ids = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        node.add_hook(stack.app.url("/api/mediamtx/auth"));
        let registered = stack
            .app
            .post_json(
                "/api/nodes",
                &node.as_node(&format!("node-{n}"), json!({"draining": n == 1})),
            )
            .await;
        assert_eq!(registered.status, 201, "{}", registered.text);
        ids.push(registered.json()["id"].as_i64().unwrap());
    }
    let created = edge
        .post_json(
            "/api/cameras",
            &json!({"name": "Pier", "stream_url": camera.url("cam1")}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = serde_json::from_slice::<Value>(&created.body).unwrap()["id"].clone();
    let path = format!("cam_{id}");
    let video = stack.video_token(None).await;
    assert!(
        eventually(Duration::from_secs(20), || plays_from(
            &edge, &video, &path, &nodes[0]
        ))
        .await,
        "plays from node 0 through the edge:\n{}",
        edge.log()
    );
    assert!(
        stack.app.mediamtx.path_config(&path).await.is_none(),
        "not on the default"
    );
    let snapshot = stack.app.get(&format!("/api/cameras/{id}/snapshot")).await;
    assert_eq!(
        snapshot.status, 200,
        "read from the node's re-stream: {}",
        snapshot.text
    );

    // Node 1 takes cameras, node 0 drains: the camera moves, and the edge
    // with it.
    for (id, draining) in [(ids[1], false), (ids[0], true)] {
        let changed = stack
            .app
            .patch_json(
                &format!("/api/nodes/{id}"),
                &json!({"draining": draining}),
                None,
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.text);
    }
    assert!(
        eventually(Duration::from_secs(20), || async {
            nodes[0].path_config(&path).await.is_none()
                && plays_from(&edge, &video, &path, &nodes[1]).await
        })
        .await,
        "plays from node 1 through the same HAProxy:\n{}",
        edge.log()
    );
    let map = std::fs::read_to_string(maps.join("hls.map")).unwrap();
    assert!(map.contains(&format!("{path} 127.0.0.1@")), "{map}");

    // The viewer's access revoked, its session on the node ends.
    let session: uuid::Uuid = sqlx::query_scalar(
        "SELECT id FROM video_sessions WHERE camera_id = $1 ORDER BY started_at DESC LIMIT 1",
    )
    .bind(id.as_i64().unwrap())
    .fetch_one(&stack.app.db)
    .await
    .unwrap();
    let kicked = revoking_kicks(&stack, session, nodes[1].faults(), "hls", 12).await;
    assert!(
        kicked,
        "the revoked viewer's session on the node was not kicked"
    );
}
