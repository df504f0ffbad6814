//! A client for MediaMTX's v3 control API.
//!
//! MediaMTX returns camera passwords in clear inside `source` (config GETs are
//! not redacted), so no response body is ever logged, and error messages
//! taken from its bodies are masked before they go anywhere.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::TryStreamExt as _;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Serialize};
use tokio_util::io::{StreamReader, SyncIoBridge};
use url::Url;

use crate::redact;
use crate::secrets::Secret;

/// Items per page of a list; MediaMTX's default is 100. MediaMTX builds
/// and sorts the whole list for every page it serves (for path
/// configurations, from a copy of its whole configuration: 20 pages of
/// 1,000 at 20,000 paths kept it busy for seconds), so one page holding
/// every item is its cheapest answer. How a page is read: `Reading`.
const PAGE_SIZE: usize = 100_000;

/// The path that carries camera `id`'s main stream. Camplane owns these
/// and its sub-stream paths, and no other: see `camera_of_path`.
pub fn path_name(id: i64) -> String {
    PathName::main(id).to_string()
}

/// The path of a camera's sub-stream. It is always pulled on demand and
/// never recorded: recordings are of the main stream.
pub fn sub_path_name(id: i64) -> String {
    PathName::sub(id).to_string()
}

/// A camera's path, written where it goes rather than kept as a `String`:
/// a page of the camera list writes several for each camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathName {
    camera: i64,
    sub: bool,
}

impl PathName {
    pub fn main(camera: i64) -> Self {
        Self { camera, sub: false }
    }

    pub fn sub(camera: i64) -> Self {
        Self { camera, sub: true }
    }
}

impl std::fmt::Display for PathName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let suffix = if self.sub { "_sub" } else { "" };
        write!(f, "cam_{}{suffix}", self.camera)
    }
}

/// The camera a path carries: `cam_<digits>` (its main stream) or
/// `cam_<digits>_sub`; any other name is not Camplane's.
pub fn camera_of_path(path: &str) -> Option<i64> {
    let digits = path.strip_prefix("cam_")?;
    let digits = digits.strip_suffix("_sub").unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("MediaMTX is unreachable: {0}")]
    Unreachable(String),
    #[error("MediaMTX did not answer within {0:?}")]
    Timeout(Duration),
    #[error("MediaMTX rejected the credentials of its API user (401)")]
    Unauthorized,
    /// MediaMTX answered with an error; `message` is its own, masked.
    #[error("MediaMTX answered {status}: {message}")]
    Rejected { status: u16, message: String },
    #[error("MediaMTX sent a response Camplane does not understand: {0}")]
    Decode(String),
}

impl Error {
    /// A short label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unreachable(_) => "unreachable",
            Self::Timeout(_) => "timeout",
            Self::Unauthorized => "unauthorized",
            Self::Rejected { .. } => "rejected",
            Self::Decode(_) => "decode",
        }
    }

    /// Whether the failure says nothing about the request itself, so the same
    /// call may succeed later.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable(_) | Self::Timeout(_) | Self::Unauthorized | Self::Decode(_) => true,
            Self::Rejected { status, .. } => *status >= 500,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
pub struct Settings {
    pub api_url: Url,
    /// Its playback server, which lists and serves recordings.
    pub playback_url: Url,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub timeout: Duration,
}

/// Cheap to clone: every request's state holds one.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Arc<Url>,
    playback: Arc<Url>,
    credentials: Option<Arc<(String, Secret)>>,
    timeout: Duration,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Info {
    pub version: String,
    pub started: DateTime<Utc>,
}

/// A path's configuration as MediaMTX reports it (merged with its
/// defaults). Only the fields Camplane owns are read; the rest is ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PathConfig {
    pub name: String,
    pub source: String,
    pub source_on_demand: bool,
    pub source_on_demand_start_timeout: String,
    pub source_on_demand_close_after: String,
    pub max_readers: i64,
    pub rtsp_transport: String,
    pub record: bool,
    pub record_path: String,
    pub record_format: String,
    pub record_segment_duration: String,
    pub record_delete_after: String,
}

/// Path configurations by name. A sorted list rather than a map: MediaMTX
/// lists them in order, and a B-tree built in order is left half empty
/// (20,000 configurations took 12 MB as a `BTreeMap`, 7 MB as this).
#[derive(Debug, Clone, Default)]
pub struct PathConfigs(Vec<PathConfig>);

impl PathConfigs {
    pub fn get(&self, name: &str) -> Option<&PathConfig> {
        let found = self
            .0
            .binary_search_by(|config| config.name.as_str().cmp(name));
        found.ok().map(|at| &self.0[at])
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|config| config.name.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<PathConfig> for PathConfigs {
    /// Names are unique in MediaMTX; were one twice, its first would count.
    fn from_iter<I: IntoIterator<Item = PathConfig>>(configs: I) -> Self {
        let mut configs: Vec<PathConfig> = configs.into_iter().collect();
        // Stable, and one look over a list MediaMTX already sorted.
        configs.sort_by(|a, b| a.name.cmp(&b.name));
        configs.dedup_by(|later, earlier| later.name == earlier.name);
        configs.shrink_to_fit();
        Self(configs)
    }
}

/// The fields Camplane sets on a path. Sent whole with `replace`, so every
/// other field keeps following MediaMTX's `pathDefaults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathSpec {
    pub source: String,
    pub source_on_demand: bool,
    pub source_on_demand_start_timeout: String,
    pub source_on_demand_close_after: String,
    pub max_readers: i64,
    pub rtsp_transport: String,
    pub record: bool,
    pub record_path: String,
    pub record_format: String,
    pub record_segment_duration: String,
    pub record_delete_after: String,
}

impl From<&PathConfig> for PathSpec {
    fn from(config: &PathConfig) -> Self {
        Self {
            source: config.source.clone(),
            source_on_demand: config.source_on_demand,
            source_on_demand_start_timeout: config.source_on_demand_start_timeout.clone(),
            source_on_demand_close_after: config.source_on_demand_close_after.clone(),
            max_readers: config.max_readers,
            rtsp_transport: config.rtsp_transport.clone(),
            record: config.record,
            record_path: config.record_path.clone(),
            record_format: config.record_format.clone(),
            record_segment_duration: config.record_segment_duration.clone(),
            record_delete_after: config.record_delete_after.clone(),
        }
    }
}

/// A stretch of recording the playback server plays without a break.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RecordedSpan {
    pub start: DateTime<Utc>,
    /// Seconds.
    pub duration: f64,
}

/// A path's runtime state (`/v3/paths/*`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PathState {
    pub name: String,
    /// `available` on v1.16+; older versions only have `ready`.
    available: Option<bool>,
    ready: bool,
    available_time: Option<DateTime<Utc>>,
    ready_time: Option<DateTime<Utc>>,
    pub readers: Vec<Reader>,
    inbound_bytes: Option<u64>,
    bytes_received: u64,
    pub tracks2: Vec<Track>,
    pub tracks: Vec<String>,
}

impl PathState {
    /// The camera is being received and can be read.
    pub fn is_available(&self) -> bool {
        self.available.unwrap_or(self.ready)
    }

    pub fn available_since(&self) -> Option<DateTime<Utc>> {
        self.available_time.or(self.ready_time)
    }

    pub fn inbound_bytes(&self) -> u64 {
        self.inbound_bytes.unwrap_or(self.bytes_received)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Reader {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Track {
    pub codec: String,
    #[serde(default)]
    pub codec_props: serde_json::Value,
}

/// How a list's pages are read.
#[derive(Clone, Copy)]
enum Reading {
    /// Whole, then parsed on the spot: fastest for the small items a
    /// request waits on (running paths, sessions; a few hundred bytes each).
    Whole,
    /// Parsed as the body arrives, off the async workers: for path
    /// configurations, whose 20,000 would be 46 MB held at once.
    Streamed,
}

/// One page's items added to `items`; its page count.
fn parse_page<'de, R: serde_json::de::Read<'de>, T: Deserialize<'de>>(
    mut json: serde_json::Deserializer<R>,
    items: &mut Vec<T>,
) -> serde_json::Result<usize> {
    let page_count = PageOf(items).deserialize(&mut json)?;
    json.end()?;
    Ok(page_count)
}

/// One page of a list (`{"itemCount", "pageCount", "items": [...]}`): its
/// items are added one at a time as they are parsed, never as a list of
/// their own; its page count is the result.
struct PageOf<'a, T>(&'a mut Vec<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for PageOf<'_, T> {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for PageOf<'_, T> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a page of a MediaMTX list")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<usize, M::Error> {
        let mut page_count = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
            match key.as_ref() {
                "pageCount" => page_count = Some(map.next_value()?),
                "items" => map.next_value_seed(ItemsOf(&mut *self.0))?,
                _ => map.next_value::<IgnoredAny>().map(drop)?,
            }
        }
        page_count.ok_or_else(|| serde::de::Error::missing_field("pageCount"))
    }
}

/// A page's `items`.
struct ItemsOf<'a, T>(&'a mut Vec<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ItemsOf<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ItemsOf<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of items")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut items: S) -> Result<(), S::Error> {
        while let Some(item) = items.next_element()? {
            self.0.push(item);
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

impl Client {
    pub fn new(settings: &Settings) -> Self {
        // Credentials travel in the Authorization header, never in URLs that
        // could end up in an error message.
        let without_credentials = |url: &Url| {
            let mut url = url.clone();
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2).min(settings.timeout))
            .no_proxy()
            .build()
            .expect("a client with these settings builds");
        let credentials = settings.user.clone().map(|user| {
            Arc::new((
                user,
                settings.password.clone().unwrap_or_else(|| Secret::new("")),
            ))
        });
        Self {
            http,
            base: Arc::new(without_credentials(&settings.api_url)),
            playback: Arc::new(without_credentials(&settings.playback_url)),
            credentials,
            timeout: settings.timeout,
        }
    }

    /// The same client (connections, login, timeout) for another MediaMTX:
    /// a node registered beside the one of the settings.
    pub fn for_node(&self, api_url: &Url, playback_url: &Url) -> Self {
        Self {
            base: Arc::new(api_url.clone()),
            playback: Arc::new(playback_url.clone()),
            ..self.clone()
        }
    }

    pub async fn info(&self) -> Result<Info> {
        self.fetch(self.request(Method::GET, "/v3/info")).await
    }

    /// Every path's configuration.
    pub async fn list_path_configs(&self) -> Result<PathConfigs> {
        let listed = self.list_all("/v3/config/paths/list", Reading::Streamed);
        Ok(PathConfigs::from_iter(listed.await?))
    }

    /// `None` when MediaMTX has no such path.
    pub async fn get_path_config(&self, name: &str) -> Result<Option<PathConfig>> {
        let request = self.request(Method::GET, &format!("/v3/config/paths/get/{name}"));
        optional(self.fetch(request).await)
    }

    /// Creates or replaces the path (MediaMTX's idempotent upsert).
    pub async fn replace_path_config(&self, name: &str, spec: &PathSpec) -> Result<()> {
        let request = self.request(Method::POST, &format!("/v3/config/paths/replace/{name}"));
        self.execute(request.json(spec)).await
    }

    /// Deletes the path; one that is already gone counts as deleted.
    pub async fn delete_path_config(&self, name: &str) -> Result<()> {
        let request = self.request(Method::DELETE, &format!("/v3/config/paths/delete/{name}"));
        optional(self.execute(request).await).map(|_| ())
    }

    pub async fn list_paths(&self) -> Result<Vec<PathState>> {
        self.list_all("/v3/paths/list", Reading::Whole).await
    }

    pub async fn get_path(&self, name: &str) -> Result<Option<PathState>> {
        optional(
            self.fetch(self.request(Method::GET, &format!("/v3/paths/get/{name}")))
                .await,
        )
    }

    /// The ids of the HLS sessions MediaMTX is serving.
    pub async fn list_hls_sessions(&self) -> Result<Vec<uuid::Uuid>> {
        let sessions: Vec<Session> = self
            .list_all("/v3/hlssessions/list", Reading::Whole)
            .await?;
        Ok(sessions.into_iter().map(|session| session.id).collect())
    }

    /// Ends an HLS session; one that is already gone counts as ended.
    pub async fn kick_hls_session(&self, id: uuid::Uuid) -> Result<()> {
        let request = self.request(Method::POST, &format!("/v3/hlssessions/kick/{id}"));
        optional(self.execute(request).await).map(|_| ())
    }

    /// The ids of the WebRTC sessions MediaMTX is serving (WHEP readers;
    /// publishers too, though the hook lets none in); none when its WebRTC
    /// server is off (MediaMTX then has no such route: a 404).
    pub async fn list_webrtc_sessions(&self) -> Result<Vec<uuid::Uuid>> {
        let sessions: Option<Vec<Session>> = optional(
            self.list_all("/v3/webrtcsessions/list", Reading::Whole)
                .await,
        )?;
        Ok(sessions
            .unwrap_or_default()
            .into_iter()
            .map(|session| session.id)
            .collect())
    }

    /// Ends a WebRTC session (MediaMTX closes its peer connection); one that
    /// is already gone counts as ended.
    pub async fn kick_webrtc_session(&self, id: uuid::Uuid) -> Result<()> {
        let request = self.request(Method::POST, &format!("/v3/webrtcsessions/kick/{id}"));
        optional(self.execute(request).await).map(|_| ())
    }

    /// Every item of a list, page by page.
    async fn list_all<T>(&self, path: &str, reading: Reading) -> Result<Vec<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let mut items = Vec::new();
        let mut page = 0;
        loop {
            let request = self
                .request(Method::GET, path)
                .query(&[("page", page), ("itemsPerPage", PAGE_SIZE)]);
            let response = self.send(request).await?;
            let page_count = match reading {
                Reading::Whole => {
                    let body = response
                        .bytes()
                        .await
                        .map_err(|err| self.transport_error(&err))?;
                    parse_page(serde_json::Deserializer::from_slice(&body), &mut items)
                        .map_err(|err| Error::Decode(err.to_string()))?
                }
                Reading::Streamed => {
                    let chunks = futures::stream::try_unfold(response, |mut body| async {
                        Ok::<_, reqwest::Error>(body.chunk().await?.map(|chunk| (chunk, body)))
                    })
                    .map_err(std::io::Error::other);
                    let body = SyncIoBridge::new(StreamReader::new(Box::pin(chunks)));
                    let parsed;
                    (items, parsed) = tokio::task::spawn_blocking(move || {
                        let json =
                            serde_json::Deserializer::from_reader(std::io::BufReader::new(body));
                        let page_count = parse_page(json, &mut items);
                        (items, page_count)
                    })
                    .await
                    .unwrap_or_else(|panicked| {
                        (Vec::new(), Err(serde::de::Error::custom(panicked)))
                    });
                    parsed.map_err(|err| self.body_error(err))?
                }
            };
            page += 1;
            if page >= page_count {
                return Ok(items);
            }
        }
    }

    /// The recorded spans of `path` between `start` and `end`, clipped to
    /// them: contiguous segments are one span. None recorded is no error.
    pub async fn list_recordings(
        &self,
        path: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<RecordedSpan>> {
        let request = self
            .request_to(&self.playback, Method::GET, "/list")
            .query(&[
                ("path", path),
                ("start", &start.to_rfc3339_opts(SecondsFormat::Micros, true)),
                ("end", &end.to_rfc3339_opts(SecondsFormat::Micros, true)),
            ]);
        match self.fetch(request).await {
            Err(Error::Rejected { status: 404, .. }) => Ok(Vec::new()),
            listed => listed,
        }
    }

    /// `duration` of `path`'s recording from `start`, as one MP4 file: the
    /// response, to stream where it goes. Not bound by the client's timeout
    /// (a long range takes a while); `deadline` bounds it.
    pub async fn download_recording(
        &self,
        path: &str,
        start: DateTime<Utc>,
        duration: Duration,
        deadline: Duration,
    ) -> Result<reqwest::Response> {
        let request = self
            .request_to(&self.playback, Method::GET, "/get")
            .timeout(deadline)
            .query(&[
                ("path", path),
                ("start", &start.to_rfc3339_opts(SecondsFormat::Micros, true)),
                ("duration", &duration.as_secs_f64().to_string()),
                ("format", "mp4"),
            ]);
        self.send(request).await
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.request_to(&self.base, method, path)
    }

    fn request_to(&self, base: &Url, method: Method, path: &str) -> RequestBuilder {
        let mut url = base.clone();
        url.set_path(path);
        let request = self.http.request(method, url).timeout(self.timeout);
        match self.credentials.as_deref() {
            Some((user, password)) => request.basic_auth(user, Some(password.expose())),
            None => request,
        }
    }

    async fn fetch<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        let response = self.send(request).await?;
        let body = response
            .bytes()
            .await
            .map_err(|err| self.transport_error(&err))?;
        serde_json::from_slice(&body).map_err(|err| Error::Decode(err.to_string()))
    }

    async fn execute(&self, request: RequestBuilder) -> Result<()> {
        self.send(request).await.map(|_| ())
    }

    async fn send(&self, request: RequestBuilder) -> Result<reqwest::Response> {
        let (request, operation) = match request.build() {
            Ok(built) => {
                let operation = operation(built.url().path());
                (
                    RequestBuilder::from_parts(self.http.clone(), built),
                    operation,
                )
            }
            Err(err) => return Err(self.transport_error(&err)),
        };
        let started = std::time::Instant::now();
        let result = self.send_now(request).await;
        crate::metrics::mediamtx_call(
            operation,
            started.elapsed(),
            result.as_ref().err().map(Error::kind),
        );
        result
    }

    async fn send_now(&self, request: RequestBuilder) -> Result<reqwest::Response> {
        let response = request
            .send()
            .await
            .map_err(|err| self.transport_error(&err))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if status == StatusCode::UNAUTHORIZED {
            return Err(Error::Unauthorized);
        }
        let body = response.bytes().await.unwrap_or_default();
        let message = serde_json::from_slice::<ErrorBody>(&body)
            .map(|body| body.error)
            .unwrap_or_else(|_| {
                String::from_utf8_lossy(&body)
                    .trim()
                    .chars()
                    .take(200)
                    .collect()
            });
        Err(Error::Rejected {
            status: status.as_u16(),
            message: redact::credentials(&message),
        })
    }

    /// A list's body that broke off (a transport error) or does not parse.
    fn body_error(&self, err: serde_json::Error) -> Error {
        if !err.is_io() {
            return Error::Decode(err.to_string());
        }
        let err = std::io::Error::from(err);
        match err.get_ref().and_then(|inner| inner.downcast_ref()) {
            Some(transport) => self.transport_error(transport),
            None => Error::Unreachable(redact::credentials(&err.to_string())),
        }
    }

    fn transport_error(&self, err: &reqwest::Error) -> Error {
        if err.is_timeout() {
            return Error::Timeout(self.timeout);
        }
        // The innermost cause says what happened ("Connection refused").
        let mut cause: &dyn std::error::Error = err;
        while let Some(source) = cause.source() {
            cause = source;
        }
        Error::Unreachable(redact::credentials(&cause.to_string()))
    }
}

/// One entry of `/v3/hlssessions/list` or `/v3/webrtcsessions/list`; only
/// the id matters here.
#[derive(Debug, Deserialize)]
struct Session {
    id: uuid::Uuid,
}

/// The API operation a URL path names, without the path name in it:
/// `/v3/config/paths/get/cam_1` → `config/paths/get`, the playback
/// server's `/list` → `playback/list`.
fn operation(path: &str) -> &'static str {
    const OPERATIONS: &[&str] = &[
        "info",
        "config/paths/list",
        "config/paths/get",
        "config/paths/replace",
        "config/paths/delete",
        "paths/list",
        "paths/get",
        "hlssessions/list",
        "hlssessions/kick",
        "webrtcsessions/list",
        "webrtcsessions/kick",
        "playback/list",
        "playback/get",
    ];
    // The playback server's paths have no prefix of their own.
    let path = match path.strip_prefix("/v3/") {
        Some(api) => api.to_owned(),
        None => format!("playback{path}"),
    };
    OPERATIONS
        .iter()
        .find(|op| path.starts_with(*op))
        .copied()
        .unwrap_or("other")
}

/// Turns MediaMTX's 404 into `None`.
fn optional<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(Error::Rejected { status: 404, .. }) => Ok(None),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(page: &str) -> serde_json::Result<(Vec<String>, usize)> {
        let mut configs: Vec<PathConfig> = Vec::new();
        let json = serde_json::Deserializer::from_reader(page.as_bytes());
        let page_count = parse_page(json, &mut configs)?;
        let json = serde_json::Deserializer::from_slice(page.as_bytes());
        let whole = parse_page(json, &mut Vec::<PathConfig>::new())?;
        let names = configs.into_iter().map(|config| config.name).collect();
        assert_eq!(
            whole, page_count,
            "read whole or as it arrives, the same page"
        );
        Ok((names, page_count))
    }

    #[test]
    fn path_configs_are_found_by_name_in_any_order_given() {
        let config = |name: &str, source: &str| PathConfig {
            name: name.into(),
            source: source.into(),
            ..PathConfig::default()
        };
        let configs = PathConfigs::from_iter([
            config("cam_2", "b"),
            config("cam_10", "c"),
            config("cam_1", "a"),
            config("cam_2", "twice"),
            config("lobby", "d"),
        ]);
        assert_eq!(configs.len(), 4);
        assert_eq!(
            configs.names().collect::<Vec<_>>(),
            ["cam_1", "cam_10", "cam_2", "lobby"]
        );
        for (name, source) in [
            ("cam_1", "a"),
            ("cam_10", "c"),
            ("cam_2", "b"),
            ("lobby", "d"),
        ] {
            assert_eq!(
                configs.get(name).map(|c| c.source.as_str()),
                Some(source),
                "{name}"
            );
        }
        for absent in ["cam_", "cam_3", "", "zzz"] {
            assert!(configs.get(absent).is_none(), "{absent}");
        }
        assert!(PathConfigs::default().is_empty());
    }

    #[test]
    fn a_pages_items_are_read_one_by_one_whatever_the_order_of_its_keys() {
        let page = r#"{"itemCount":2,"pageCount":3,"items":[
            {"name":"cam_1","forward":[{"x":[1,2]}],"sourceOnDemand":true},{"name":"cam_2"}]}"#;
        assert_eq!(
            names_in(page).unwrap(),
            (vec!["cam_1".into(), "cam_2".into()], 3)
        );
        let page = r#"{"items":[{"name":"cam_3"}],"pageCount":1,"itemCount":1}"#;
        assert_eq!(names_in(page).unwrap(), (vec!["cam_3".into()], 1));
        for broken in [
            r#"{"itemCount":0,"items":[]}"#,
            r#"{"pageCount":1,"items":[{"name":"cam_1"}"#,
            r#"{"pageCount":1,"items":[]} {}"#,
            r#"{"pageCount":1,"items":{"name":"cam_1"}}"#,
        ] {
            assert!(names_in(broken).is_err(), "{broken}");
        }
    }
}
