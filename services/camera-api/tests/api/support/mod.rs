//! The test harness: a real service on a port-0 listener, a fresh database
//! per test, and every log line and response checked for a canary password.

pub mod camera;
pub mod database;
pub mod fault_proxy;
pub mod mediamtx;
pub mod postgres;
pub mod processes;
pub mod proxy;
pub mod service;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, LazyLock, Mutex, Once};

use camera_api::auth::Role;
use camera_api::auth::tokens::NewApiTokenInput;
use camera_api::config::{Config, LogFormat};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use database::TestDatabase;
pub use mediamtx::{MediaMtx, eventually};

/// The password every test camera URL carries. No response body or log line
/// of the whole suite may contain it.
pub const CANARY: &str = "CanaryPw7f3a";

/// A fresh `CAMPLANE_SECRET_KEY`: 32 random bytes in base64.
pub fn new_secret_key() -> String {
    use base64::Engine;
    use chacha20poly1305::aead::Generate;
    base64::engine::general_purpose::STANDARD.encode(chacha20poly1305::Key::generate())
}

/// A camera URL whose password is the canary.
pub fn canary_url(host: &str) -> String {
    format!("rtsp://admin:{CANARY}@{host}:554/stream1")
}

static LOGS: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(Arc::default);

#[derive(Clone)]
struct CapturedLogs;

impl Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        if std::env::var_os("TEST_LOG").is_some() {
            std::io::stderr().write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything logged so far by any test in this process, at debug level and
/// above: verbose on purpose, so a leaked password has every chance to show.
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

fn capture_logs() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let subscriber = camera_api::telemetry::subscriber(
            "debug,camera_api=trace,hyper=info,h2=info,reqwest=info,tower=info",
            LogFormat::Json,
            || CapturedLogs,
            false,
        );
        tracing::subscriber::set_global_default(subscriber)
            .expect("one subscriber per test process");
    });
}

/// A port nothing listens on right now, for programs that can't be handed
/// a bound socket; one that lost the race to another process fails to start.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn assert_no_canary(what: &str, text: &str) {
    assert!(
        !text.contains(CANARY),
        "the canary password leaked into {what}:\n{text}"
    );
}

pub struct TestApp {
    pub base: String,
    /// The service's Prometheus endpoint (its own listener).
    pub metrics_url: String,
    /// Sends an admin's API token with every request.
    pub client: reqwest::Client,
    /// That token, for clients of other processes (the real binary).
    pub token: String,
    /// Sends no credentials.
    pub anonymous: reqwest::Client,
    /// A pool on the test's database, for asserting what was stored.
    pub db: PgPool,
    /// The real MediaMTX this service provisions; each test has its own.
    pub mediamtx: Arc<MediaMtx>,
    /// This replica's slot among the services MediaMTX's auth hook asks.
    hook_slot: Option<usize>,
    /// The ffmpeg/ffprobe this service runs, traced (see `processes`).
    pub media: Arc<processes::MediaTools>,
    vars: HashMap<String, String>,
    server: Option<(oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>)>,
    // Last, so it is dropped after the server and pool that use it.
    _database: TestDatabase,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the service; `configure` may set or override environment
    /// variables (for example to point it somewhere unusual).
    pub async fn spawn_with(configure: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
        Self::spawn_on(MediaMtx::start().await, configure).await
    }

    /// For tests that stop PostgreSQL: the database is on the test's own
    /// server.
    pub async fn spawn_on_postgres(server: &postgres::PgServer) -> TestApp {
        let database = TestDatabase::create_on(&server.url()).await;
        Self::spawn_in(MediaMtx::start().await, database, |_| {}).await
    }

    async fn spawn_on(
        mediamtx: MediaMtx,
        configure: impl FnOnce(&mut HashMap<String, String>),
    ) -> TestApp {
        Self::spawn_in(mediamtx, TestDatabase::create().await, configure).await
    }

    /// On a database the test prepared (e.g. migrated only part of the way).
    pub async fn spawn_in(
        mediamtx: MediaMtx,
        database: TestDatabase,
        configure: impl FnOnce(&mut HashMap<String, String>),
    ) -> TestApp {
        capture_logs();
        let mediamtx = Arc::new(mediamtx);
        let media = Arc::new(processes::MediaTools::install());
        let (mediamtx_user, mediamtx_pass) = mediamtx.service_login();
        let mut vars = HashMap::from([
            ("DATABASE_URL".to_owned(), database.url().to_owned()),
            ("CAMPLANE_FFMPEG".to_owned(), media.path("ffmpeg")),
            ("CAMPLANE_FFPROBE".to_owned(), media.path("ffprobe")),
            ("MEDIAMTX_API_URL".to_owned(), mediamtx.api_url()),
            ("MEDIAMTX_PLAYBACK_URL".to_owned(), mediamtx.playback_url()),
            (
                "CAMPLANE_RECORDINGS_DIR".to_owned(),
                mediamtx.recordings_dir().display().to_string(),
            ),
            // Short segments: a recording shows within seconds, and a short
            // retention deletes within seconds.
            ("CAMPLANE_RECORDING_SEGMENT".to_owned(), "2s".to_owned()),
            // The disk checked every second: budgets and floors act within
            // one.
            ("CAMPLANE_RECORDINGS_CHECK".to_owned(), "1s".to_owned()),
            (
                "CAMPLANE_EXPORTS_DIR".to_owned(),
                mediamtx.exports_dir().display().to_string(),
            ),
            ("MEDIAMTX_API_USER".to_owned(), mediamtx_user.to_owned()),
            ("MEDIAMTX_API_PASS".to_owned(), mediamtx_pass.to_owned()),
            (
                "MEDIAMTX_CONFIG_FILE".to_owned(),
                mediamtx.config_file().display().to_string(),
            ),
            // Fast enough that tests never wait long for a periodic pass.
            ("CAMPLANE_RECONCILE_INTERVAL".to_owned(), "2s".to_owned()),
            ("CAMPLANE_SECRET_KEY".to_owned(), new_secret_key()),
        ]);
        configure(&mut vars);
        Self::launch(vars, mediamtx, media, database).await
    }

    /// A second replica: same database and MediaMTX, its own port.
    pub async fn spawn_replica(&self) -> TestApp {
        let database = TestDatabase::borrow(&self._database);
        Self::launch(
            self.vars.clone(),
            self.mediamtx.clone(),
            self.media.clone(),
            database,
        )
        .await
    }

    async fn launch(
        vars: HashMap<String, String>,
        mediamtx: Arc<MediaMtx>,
        media: Arc<processes::MediaTools>,
        database: TestDatabase,
    ) -> TestApp {
        let db = PgPool::connect_lazy(&vars["DATABASE_URL"]).expect("test pool");
        let anonymous = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut app = TestApp {
            base: String::new(),
            metrics_url: String::new(),
            client: anonymous.clone(),
            token: String::new(),
            anonymous,
            db,
            mediamtx,
            hook_slot: None,
            media,
            vars,
            server: None,
            _database: database,
        };
        app.start().await;
        app.token = app.new_token(Role::Admin, None).await;
        app.client = client_with_token(&app.token);
        app
    }

    /// A new API token of `role`, limited to `groups` if given.
    pub async fn new_token(&self, role: Role, groups: Option<&[&str]>) -> String {
        let input = NewApiTokenInput {
            name: format!("test {}", role.as_str()),
            role,
            groups: groups.map(|groups| groups.iter().map(|g| g.to_string()).collect()),
            expires_at: None,
        };
        camera_api::auth::tokens::create(&self.db, "test", input)
            .await
            .expect("token created")
            .token
    }

    /// A client that acts with a new token of `role`.
    pub async fn client_as(&self, role: Role, groups: Option<&[&str]>) -> reqwest::Client {
        client_with_token(&self.new_token(role, groups).await)
    }

    pub fn config(&self) -> Config {
        Config::from_lookup(|name| self.vars.get(name).cloned()).expect("valid test config")
    }

    async fn start(&mut self) {
        // Started again, it is back on its address, as a restarted service
        // is, for what knows it only by address (the edge's HAProxy); the
        // first start, or one whose port was taken meanwhile, takes any.
        let listener = match TcpListener::bind(self.base.trim_start_matches("http://")).await {
            Ok(listener) => listener,
            Err(_) => TcpListener::bind("127.0.0.1:0").await.unwrap(),
        };
        self.base = format!("http://{}", listener.local_addr().unwrap());
        let hook = self.url("/api/mediamtx/auth");
        match self.hook_slot {
            Some(slot) => self.mediamtx.move_hook(slot, hook),
            None => self.hook_slot = Some(self.mediamtx.add_hook(hook)),
        }
        let metrics = TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.metrics_url = format!("http://{}/metrics", metrics.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(camera_api::serve_with_metrics(
            self.config(),
            listener,
            Some(metrics),
            async move {
                let _ = stopped.await;
            },
        ));
        self.server = Some((stop, server));
        self.wait_until_serving().await;
    }

    async fn wait_until_serving(&self) {
        assert!(
            serving(&self.client, &self.base).await,
            "the service did not start"
        );
    }

    /// Shuts the service down gracefully and returns how `serve` ended.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        let (stop, server) = self.server.take().expect("running");
        let _ = stop.send(());
        server.await.expect("server task")
    }

    /// Ends the service abruptly, like SIGKILL: no drain, connections cut.
    pub async fn kill(&mut self) {
        let (_, server) = self.server.take().expect("running");
        server.abort();
        let _ = server.await;
    }

    /// Stops and starts the service again on the same database.
    pub async fn restart(&mut self) {
        self.stop().await.expect("clean shutdown");
        self.start().await;
    }

    /// Starts the service again after `stop` or `kill`.
    pub async fn start_again(&mut self) {
        self.start().await;
    }

    /// The real binary as a process of its own with `env` (this app's, see
    /// [`Self::env`], perhaps changed), answering MediaMTX's auth hook too.
    pub async fn spawn_process(&self, env: &HashMap<String, String>) -> service::ServiceProcess {
        self.spawn_process_for(env, &[]).await
    }

    /// As [`Self::spawn_process`], answering the auth hook of `nodes` too.
    /// The hooks are in place before it starts: a process that leads checks
    /// every MediaMTX at once, MediaMTX asks the hook whether the service's
    /// own API user may, and a node refused then is taken for down.
    pub async fn spawn_process_for(
        &self,
        env: &HashMap<String, String>,
        nodes: &[MediaMtx],
    ) -> service::ServiceProcess {
        let mediamtxs: Vec<&MediaMtx> = std::iter::once(&*self.mediamtx).chain(nodes).collect();
        let mut slots = Vec::new();
        for _ in 0..3 {
            let mut process = service::ServiceProcess::start(env);
            let hook = format!("{}/api/mediamtx/auth", process.base_url());
            // After a lost port the same slots are moved: whatever holds the
            // lost port may answer the hook, and refuse.
            if slots.is_empty() {
                slots = mediamtxs
                    .iter()
                    .map(|mediamtx| mediamtx.add_hook(hook.clone()))
                    .collect();
            } else {
                for (mediamtx, slot) in mediamtxs.iter().zip(&slots) {
                    mediamtx.move_hook(*slot, hook.clone());
                }
            }
            match process.listening().await {
                Ok(()) => return process,
                Err(service::NotListening::PortTaken) => continue,
                Err(service::NotListening::Failed(output)) => {
                    panic!("the service process did not start:\n{output}")
                }
            }
        }
        panic!("another process took the service's port three times in a row");
    }

    /// The environment the service runs with, e.g. to start the real binary
    /// as a separate process.
    pub fn env(&self) -> &HashMap<String, String> {
        &self.vars
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Sends a request and checks the response for the canary.
    pub async fn send(&self, request: RequestBuilder) -> Response {
        send(request).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn patch_json(&self, path: &str, body: &Value, if_match: Option<&str>) -> Response {
        let mut request = self.request(Method::PATCH, path).json(body);
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        self.send(request).await
    }

    pub async fn delete(&self, path: &str, if_match: Option<&str>) -> Response {
        let mut request = self.request(Method::DELETE, path);
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        self.send(request).await
    }

    /// Inserts cameras (with the canary password) straight into the
    /// database, as a restore or a bulk import would, without waking the
    /// reconciler.
    pub async fn insert_cameras(&self, count: i64) {
        // Sealed as the service stores passwords: the camera id is part of
        // the seal, so the ids come first.
        let key = self.config().secret_key;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT nextval(pg_get_serial_sequence('cameras', 'id')) FROM generate_series(1, $1)",
        )
        .bind(count)
        .fetch_all(&self.db)
        .await
        .unwrap();
        let sealed: Vec<Vec<u8>> = ids.iter().map(|id| key.seal(*id, CANARY).bytes).collect();
        sqlx::query(
            r#"WITH inserted AS (
                   INSERT INTO cameras (id, name, stream_url, password_sealed, password_key_id)
                   OVERRIDING SYSTEM VALUE
                   SELECT id, 'Bulk ' || id, 'rtsp://admin:***@127.0.2.' || (n % 250) || ':554/s' || n,
                          sealed, $3
                   FROM unnest($1::bigint[], $2::bytea[]) WITH ORDINALITY AS u(id, sealed, n)
                   RETURNING id)
               INSERT INTO camera_provisioning (camera_id) SELECT id FROM inserted"#,
        )
        .bind(&ids)
        .bind(&sealed)
        .bind(key.id())
        .execute(&self.db)
        .await
        .unwrap();
    }

    /// Changes a setting for the next `start_again` or `restart`.
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_owned(), value.to_owned());
    }

    /// Creates a camera with the canary password and returns its JSON.
    pub async fn create_camera(&self, name: &str) -> Value {
        let response = self
            .post_json(
                "/api/cameras",
                &serde_json::json!({"name": name, "stream_url": canary_url("127.0.2.10")}),
            )
            .await;
        assert_eq!(response.status, 201, "{}", response.text);
        response.json()
    }

    /// Disables camera `id` and returns its JSON.
    pub async fn disable_camera(&self, id: i64) -> Value {
        let response = self
            .patch_json(
                &format!("/api/cameras/{id}"),
                &serde_json::json!({"enabled": false}),
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
        response.json()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((stop, server)) = self.server.take() {
            let _ = stop.send(());
            server.abort();
        }
        if !std::thread::panicking() {
            assert_no_canary("the service's logs", &logs());
        }
    }
}

/// A client that sends `token` as `Authorization: Bearer` on every request.
pub fn client_with_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let mut value = reqwest::header::HeaderValue::try_from(format!("Bearer {token}")).unwrap();
    value.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::Client::builder()
        .no_proxy()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Whether the service at `base` answers `/healthz` within five seconds.
pub async fn serving(client: &reqwest::Client, base: &str) -> bool {
    for _ in 0..200 {
        if let Ok(response) = client.get(format!("{base}/healthz")).send().await
            && response.status().is_success()
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    false
}

/// Sends a request to any service under test (this process's or a separate
/// one) and checks the response for the canary.
pub async fn send(request: RequestBuilder) -> Response {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("response body").to_vec();
    let text = String::from_utf8_lossy(&body).into_owned();
    assert_no_canary("a response body", &text);
    assert_no_canary("response headers", &format!("{headers:?}"));
    Response {
        status,
        headers,
        body,
        text,
    }
}

pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
    pub text: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        let problem = self.json();
        assert_eq!(problem["status"], status);
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .starts_with("urn:camplane:problem:")
        );
        assert!(problem["title"].is_string() && problem["detail"].is_string());
        problem
    }

    /// The fields a 422 problem names.
    pub fn invalid_fields(&self) -> Vec<String> {
        let problem = self.problem(422);
        problem["errors"]
            .as_array()
            .expect("errors list")
            .iter()
            .map(|error| error["field"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Which node serves each camera, as stored (`camera_placements`).
pub async fn placements(db: &PgPool) -> BTreeMap<i64, i64> {
    sqlx::query_as::<_, (i64, i64)>("SELECT camera_id, node_id FROM camera_placements")
        .fetch_all(db)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// How many cameras each node serves in `placed`.
pub fn loads(placed: &BTreeMap<i64, i64>) -> BTreeMap<i64, usize> {
    let mut loads = BTreeMap::new();
    for node in placed.values() {
        *loads.entry(*node).or_default() += 1;
    }
    loads
}
