//! A real MediaMTX of a test's own: the binary `scripts/mediamtx.sh` builds
//! (the version compose.yaml runs), started with the project's mediamtx.yml
//! and free ports, asking the test's service through its auth hook as in
//! production. The service reaches its API through a [`FaultProxy`], which
//! records requests and injects slowness and errors; outages are real
//! (SIGKILL, SIGSTOP, restart, a configuration reload).
//!
//! Observations go through MediaMTX's own v3 API with plain JSON, never
//! through the service's client, so a bug there can't hide itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::fault_proxy::{FaultProxy, HOOK_PATH, RecordedRequest};
use super::free_port;

/// The service's own login at MediaMTX (`MEDIAMTX_API_USER`/`_PASS`): the
/// hook lets it use the API and read streams.
pub const SERVICE_USER: &str = "camplane";

/// The test's own login at MediaMTX's API, which the proxy's hook allows
/// itself, so observing MediaMTX works while the service is down.
const OBSERVER_USER: &str = "test-observer";

pub struct MediaMtx {
    dir: PathBuf,
    ports: Ports,
    password: String,
    observer_password: String,
    proxy: FaultProxy,
    process: Mutex<Option<Child>>,
    http: reqwest::Client,
}

#[derive(Clone, Copy)]
struct Ports {
    api: u16,
    rtsp: u16,
    hls: u16,
    metrics: u16,
    /// Its playback server (recordings).
    playback: u16,
    /// WHEP (HTTP).
    webrtc: u16,
    /// WebRTC's media: UDP, and TCP on the same number, as in production.
    ice: u16,
}

impl Ports {
    fn new() -> Ports {
        Ports {
            api: free_port(),
            rtsp: free_port(),
            hls: free_port(),
            metrics: free_port(),
            playback: free_port(),
            webrtc: free_port(),
            ice: free_ice_port(),
        }
    }
}

/// A port free for both UDP and TCP right now: the ICE listeners share one.
fn free_ice_port() -> u16 {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl MediaMtx {
    pub async fn start() -> MediaMtx {
        let dir = std::env::temp_dir().join(format!("camplane-mtx-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(repo().join("mediamtx.yml"), dir.join("mediamtx.yml")).unwrap();
        let observer_password = uuid::Uuid::new_v4().simple().to_string();
        let observer = (OBSERVER_USER.to_owned(), observer_password.clone());
        let mut ports = Ports::new();
        let proxy = FaultProxy::start(ports.api, observer.clone()).await;
        let mut mtx = MediaMtx {
            dir,
            ports,
            password: uuid::Uuid::new_v4().simple().to_string(),
            observer_password,
            proxy,
            process: Mutex::new(None),
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        };
        // A free port can be taken by someone else before MediaMTX binds it;
        // then other ones are tried.
        for _ in 0..3 {
            if mtx.launch().await {
                return mtx;
            }
            ports = Ports::new();
            mtx.ports = ports;
            mtx.proxy = FaultProxy::start(ports.api, observer.clone()).await;
        }
        panic!("MediaMTX did not start:\n{}", mtx.log());
    }

    /// The API as the service sees it: through the fault proxy.
    pub fn api_url(&self) -> String {
        self.proxy.url()
    }

    /// A `POST /api/nodes` body registering this MediaMTX as node `name`,
    /// every server named; `more` adds or overrides fields.
    pub fn as_node(&self, name: &str, more: Value) -> Value {
        let mut body = serde_json::json!({
            "name": name,
            "api_url": self.api_url(),
            "playback_url": self.playback_url(),
            "rtsp_url": self.rtsp_url(),
            "hls_url": format!("http://{}", self.hls_addr()),
            "webrtc_url": format!("http://{}", self.webrtc_addr()),
        });
        if let (Some(body), Value::Object(more)) = (body.as_object_mut(), more) {
            body.extend(more);
        }
        body
    }

    /// MediaMTX's API itself, for observers that must not be faulted.
    fn direct_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports.api)
    }

    /// `rtsp://127.0.0.1:PORT`: MediaMTX's RTSP server (`MEDIAMTX_RTSP_URL`).
    pub fn rtsp_url(&self) -> String {
        format!("rtsp://127.0.0.1:{}", self.ports.rtsp)
    }

    /// `127.0.0.1:PORT` of MediaMTX's HLS server.
    pub fn hls_addr(&self) -> String {
        format!("127.0.0.1:{}", self.ports.hls)
    }

    /// `http://127.0.0.1:PORT`: its playback server (`MEDIAMTX_PLAYBACK_URL`).
    pub fn playback_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports.playback)
    }

    /// Where its recordings go (`CAMPLANE_RECORDINGS_DIR`): in its own
    /// directory, removed with it.
    pub fn recordings_dir(&self) -> PathBuf {
        self.dir.join("recordings")
    }

    /// Where the test's service makes exports: beside the recordings, in
    /// this test's directory, so removed with it.
    pub fn exports_dir(&self) -> PathBuf {
        self.dir.join("exports")
    }

    /// `127.0.0.1:PORT` of MediaMTX's WebRTC (WHEP) server.
    pub fn webrtc_addr(&self) -> String {
        format!("127.0.0.1:{}", self.ports.webrtc)
    }

    /// The service's login at MediaMTX: `(MEDIAMTX_API_USER, MEDIAMTX_API_PASS)`.
    pub fn service_login(&self) -> (&str, &str) {
        (SERVICE_USER, &self.password)
    }

    /// Registers a service (its `/api/mediamtx/auth`) to answer MediaMTX's
    /// auth hook; returns its slot for [`Self::move_hook`].
    pub fn add_hook(&self, url: String) -> usize {
        self.proxy.add_hook(url)
    }

    pub fn move_hook(&self, slot: usize, url: String) {
        self.proxy.set_hook(slot, url);
    }

    /// Slowness, errors and the request log of the API as the service sees it.
    pub fn faults(&self) -> &FaultProxy {
        &self.proxy
    }

    /// Kills MediaMTX (SIGKILL) and refuses connections to its API, as a
    /// crashed MediaMTX does.
    pub async fn stop(&self) {
        self.proxy.cut().await;
        self.kill();
    }

    /// Starts a new MediaMTX process on the same ports and configuration: no
    /// paths made through the API, a new `started`.
    pub async fn start_again(&self) {
        assert!(
            self.launch().await,
            "MediaMTX did not start again:\n{}",
            self.log()
        );
        self.proxy.restore().await;
    }

    pub async fn restart(&self) {
        self.stop().await;
        self.start_again().await;
    }

    /// A restart with the configuration file as the project ships it, as
    /// after a redeploy: no paths at all, whatever Camplane had written.
    pub async fn restart_empty(&self) {
        self.stop().await;
        std::fs::copy(repo().join("mediamtx.yml"), self.config_file()).unwrap();
        self.start_again().await;
    }

    /// The configuration file it runs with, which the service may rewrite
    /// (`MEDIAMTX_CONFIG_FILE`).
    pub fn config_file(&self) -> PathBuf {
        self.dir.join("mediamtx.yml")
    }

    /// Freezes the process (SIGSTOP): its sockets accept but nothing answers.
    pub fn freeze(&self) {
        self.signal(libc::SIGSTOP);
    }

    pub fn thaw(&self) {
        self.signal(libc::SIGCONT);
    }

    /// Rewrites its configuration file, which MediaMTX watches: it reloads
    /// the file and forgets every path made through the API, without a new
    /// `started`.
    pub async fn reload_configuration(&self) {
        let file = self.config_file();
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str("\n# reloaded by a test\n");
        std::fs::write(&file, text).unwrap();
    }

    /// Writes `paths` (name, configuration) into its configuration file and
    /// waits until MediaMTX has reloaded it: thousands of paths in one
    /// reload, where the API would take one reload per path. Like any reload,
    /// it drops the paths made through the API.
    pub async fn seed_paths_by_file(&self, paths: &[(String, Value)]) {
        let file = self.config_file();
        let text = std::fs::read_to_string(&file).unwrap();
        let mut block = String::from("paths:\n");
        for (name, config) in paths {
            // JSON is YAML's flow style.
            block.push_str(&format!("  {name}: {config}\n"));
        }
        assert!(
            text.contains("\npaths: {}"),
            "mediamtx.yml ends with `paths: {{}}`"
        );
        std::fs::write(&file, text.replace("\npaths: {}", &format!("\n{block}"))).unwrap();
        let loaded = eventually(Duration::from_secs(30), || async {
            self.path_names().await.len() == paths.len()
        })
        .await;
        assert!(loaded, "MediaMTX did not load the paths:\n{}", self.log());
    }

    /// What MediaMTX printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("mediamtx.log")).unwrap_or_default()
    }

    /// Starts the process; false if it exits before its API listens (e.g. a
    /// port was taken).
    async fn launch(&self) -> bool {
        // The log is kept across restarts: only this launch's lines count.
        let logged_before = self.log().len();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("mediamtx.log"))
            .unwrap();
        let loopback = |port: u16| format!("127.0.0.1:{port}");
        let hook = format!("{}{HOOK_PATH}", self.proxy.url());
        let child = Command::new(binary())
            .arg("mediamtx.yml")
            .current_dir(&self.dir)
            .env("MTX_APIADDRESS", loopback(self.ports.api))
            .env("MTX_RTSPADDRESS", loopback(self.ports.rtsp))
            .env("MTX_HLSADDRESS", loopback(self.ports.hls))
            .env("MTX_METRICSADDRESS", loopback(self.ports.metrics))
            .env("MTX_PLAYBACKADDRESS", loopback(self.ports.playback))
            .env("MTX_WEBRTCADDRESS", loopback(self.ports.webrtc))
            .env("MTX_WEBRTCLOCALUDPADDRESS", loopback(self.ports.ice))
            .env("MTX_WEBRTCLOCALTCPADDRESS", loopback(self.ports.ice))
            // Browsers in tests reach MediaMTX on the loopback address.
            .env("MTX_WEBRTCADDITIONALHOSTS", "127.0.0.1")
            .env("MTX_AUTHHTTPADDRESS", hook)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("starting MediaMTX");
        *self.process.lock().unwrap() = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let exited = self
                .process
                .lock()
                .unwrap()
                .as_mut()
                .is_some_and(|child| child.try_wait().unwrap().is_some());
            if exited {
                *self.process.lock().unwrap() = None;
                return false;
            }
            // Its own word, not an answer on the port: whatever else took
            // the port while this one failed to bind it answers too (tests
            // beside this one start MediaMTX, HAProxy and services on free
            // ports). The API is the last listener it starts.
            let started = format!(
                "[API] started with listener on {} ",
                loopback(self.ports.api)
            );
            if self
                .log()
                .get(logged_before..)
                .is_some_and(|new| new.contains(&started))
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    fn kill(&self) {
        if let Some(mut child) = self.process.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn signal(&self, signal: libc::c_int) {
        let process = self.process.lock().unwrap();
        let child = process.as_ref().expect("MediaMTX is running");
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: kill(2) on our own child's pid, which is not reaped yet.
        unsafe { libc::kill(pid, signal) };
    }

    /// A GET of MediaMTX's API as the test's observer; `None` for a 404.
    async fn get(&self, path: &str) -> Option<Value> {
        let response = self
            .http
            .get(format!("{}{path}", self.direct_url()))
            .basic_auth(OBSERVER_USER, Some(&self.observer_password))
            .send()
            .await
            .expect("MediaMTX answers");
        match response.status().as_u16() {
            200 => Some(response.json().await.unwrap()),
            404 => None,
            other => {
                let log = self.log();
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                panic!(
                    "MediaMTX answered {other} to GET {path}: {}\nthe end of its log:\n{}",
                    response.text().await.unwrap_or_default(),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            }
        }
    }

    pub async fn info(&self) -> Value {
        self.get("/v3/info").await.unwrap()
    }

    pub async fn path_config(&self, name: &str) -> Option<Value> {
        self.get(&format!("/v3/config/paths/get/{name}")).await
    }

    /// Every configured path, by name.
    pub async fn path_configs(&self) -> BTreeMap<String, Value> {
        let list = self
            .get("/v3/config/paths/list?itemsPerPage=100000")
            .await
            .unwrap();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| (item["name"].as_str().unwrap().to_owned(), item.clone()))
            .collect()
    }

    pub async fn path_names(&self) -> Vec<String> {
        self.path_configs().await.into_keys().collect()
    }

    pub async fn camera_paths(&self) -> Vec<String> {
        self.path_names()
            .await
            .into_iter()
            .filter(|name| name.starts_with("cam_"))
            .collect()
    }

    /// Adds a path as someone other than Camplane would.
    pub async fn add_path(&self, name: &str, config: Value) {
        self.write_path("add", name, config).await;
    }

    /// Replaces a path's configuration behind Camplane's back.
    pub async fn replace_path(&self, name: &str, config: Value) {
        self.write_path("replace", name, config).await;
    }

    async fn write_path(&self, how: &str, name: &str, config: Value) {
        let response = self
            .http
            .post(format!(
                "{}/v3/config/paths/{how}/{name}",
                self.direct_url()
            ))
            .basic_auth(OBSERVER_USER, Some(&self.observer_password))
            .json(&config)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(
            status,
            200,
            "{how} {name}: {}",
            response.text().await.unwrap()
        );
    }

    /// Configuration writes (POST/PATCH/DELETE) the service sent for one path.
    pub fn writes_to(&self, name: &str) -> Vec<(String, Option<Value>)> {
        let suffix = format!("/{name}");
        self.proxy
            .writes()
            .into_iter()
            .filter(|request| request.path.ends_with(&suffix))
            .map(
                |RecordedRequest {
                     method, path, body, ..
                 }| (format!("{method} {path}"), body),
            )
            .collect()
    }
}

impl Drop for MediaMtx {
    fn drop(&mut self) {
        // SIGKILL ends a frozen process too.
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The MediaMTX binary, built (once per machine, then cached) by
/// `scripts/mediamtx.sh`.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let output = Command::new(repo().join("scripts/mediamtx.sh"))
            .stderr(Stdio::inherit())
            .output()
            .expect("running scripts/mediamtx.sh");
        assert!(
            output.status.success(),
            "scripts/mediamtx.sh could not provide MediaMTX"
        );
        PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
    })
}

/// Polls `check` until it holds or `limit` passes; returns whether it held.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
