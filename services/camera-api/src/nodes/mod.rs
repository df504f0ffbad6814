//! MediaMTX nodes: the servers cameras are placed on, registered by admins.
//! With none registered, the one MediaMTX of the settings
//! (`MEDIAMTX_API_URL`) serves every camera, as it did before nodes.
//!
//! This file holds what a valid node is; `store` is the SQL, `placement`
//! decides which node serves which camera.

pub mod placement;
mod store;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::ToSchema;

use crate::validation::{FieldError, FieldErrors, LabelsSchema};
use crate::{db, mediamtx};

pub use crate::validation::Labels;
pub use store::{
    NewCameraInputs, NodeHealthReport, Placed, PlacementInputs, apply_moves, create, delete,
    forget_disabled, list, load_targets, names_of_cameras, new_camera_inputs, node_of_camera,
    placement_inputs, record_health, routes, update,
};

/// Announces a node added, changed or deleted (payload: its id): the
/// leading replica places cameras again at once.
pub const CHANGED_CHANNEL: &str = "camplane_nodes";

const NAME_MAX: usize = 100;

/// A node as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Node {
    pub id: i64,
    #[schema(example = "mtx-north-1")]
    pub name: String,
    #[serde(flatten)]
    pub addresses: Addresses,
    /// The most cameras placed on it.
    #[schema(example = 300)]
    pub max_cameras: i32,
    /// The most viewers it should serve at once: kept for operators' and
    /// tools' planning; placement counts cameras.
    #[schema(example = 1000)]
    pub max_readers: i32,
    #[schema(value_type = LabelsSchema)]
    pub labels: Labels,
    /// Takes no camera, and gives up those it has (before maintenance).
    pub draining: bool,
    /// Cameras placed on it now.
    pub cameras: i64,
    pub health: NodeHealth,
    /// Send it back in `If-Match` (as `"<version>"`) to change or delete
    /// this version only.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where a node is reached. camera-api uses the control API, the playback
/// server and RTSP (snapshots); the edge sends viewers to HLS and WebRTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Addresses {
    #[schema(example = "http://10.0.0.11:9997")]
    pub api_url: String,
    #[schema(example = "http://10.0.0.11:9996")]
    pub playback_url: String,
    #[schema(example = "rtsp://10.0.0.11:8554")]
    pub rtsp_url: String,
    #[schema(example = "http://10.0.0.11:8888")]
    pub hls_url: String,
    #[schema(example = "http://10.0.0.11:8889")]
    pub webrtc_url: String,
}

/// What the leading replica last saw of a node.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NodeHealth {
    /// `up`: its API answers; `down`: it does not (its cameras move after
    /// `CAMPLANE_NODE_FAILOVER_AFTER`); `unknown`: not checked yet.
    #[schema(example = "up")]
    pub state: NodeHealthState,
    /// Since when it has been up, or down, without a break.
    pub since: Option<DateTime<Utc>>,
    pub checked_at: Option<DateTime<Utc>>,
    /// When its MediaMTX started (a change means it restarted).
    pub mediamtx_started: Option<DateTime<Utc>>,
    /// Why it is down.
    pub error: Option<String>,
    /// Whether the last reconcile pass left it holding exactly the paths
    /// of its cameras.
    pub converged: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NodeHealthState {
    Up,
    Down,
    Unknown,
}

/// Body of `POST /api/nodes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNodeInput {
    #[schema(example = "mtx-north-1")]
    pub name: String,
    /// Its control API (v3), `http://` or `https://`, without credentials:
    /// every node is called with the service login (`MEDIAMTX_API_USER`).
    #[schema(example = "http://10.0.0.11:9997")]
    pub api_url: String,
    /// Default: the API's host, port 9996.
    #[serde(default)]
    pub playback_url: Option<String>,
    /// Default: `rtsp://` the API's host, port 8554.
    #[serde(default)]
    pub rtsp_url: Option<String>,
    /// Default: the API's host, port 8888.
    #[serde(default)]
    pub hls_url: Option<String>,
    /// Default: the API's host, port 8889.
    #[serde(default)]
    pub webrtc_url: Option<String>,
    /// Default 300.
    #[serde(default)]
    pub max_cameras: Option<i32>,
    /// Default 1000.
    #[serde(default)]
    pub max_readers: Option<i32>,
    /// Default none. Keys: lower-case letters, digits, `.`, `_`, `-`;
    /// values: letters, digits, `.`, `_`, `-`; up to 63 characters each,
    /// 16 labels.
    #[serde(default)]
    #[schema(value_type = LabelsSchema)]
    pub labels: Labels,
    #[serde(default)]
    pub draining: bool,
}

/// Body of `PATCH /api/nodes/{id}`: only the fields sent change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodePatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub api_url: Option<String>,
    #[serde(default)]
    pub playback_url: Option<String>,
    #[serde(default)]
    pub rtsp_url: Option<String>,
    #[serde(default)]
    pub hls_url: Option<String>,
    #[serde(default)]
    pub webrtc_url: Option<String>,
    #[serde(default)]
    pub max_cameras: Option<i32>,
    #[serde(default)]
    pub max_readers: Option<i32>,
    #[serde(default)]
    #[schema(value_type = Option<LabelsSchema>)]
    pub labels: Option<Labels>,
    #[serde(default)]
    pub draining: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("no node with that id")]
    NotFound,
    #[error("a node already has that name")]
    NameTaken,
    #[error("a node already has that api_url")]
    ApiUrlTaken,
    #[error(
        "the node still serves {cameras} camera(s); drain it (PATCH `draining: true`) and delete it once it serves none"
    )]
    InUse { cameras: i64 },
    #[error("the node was changed by someone else (now version {current})")]
    Stale { current: i64 },
    #[error(transparent)]
    Database(#[from] db::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        if db::violates(&err, "nodes_name") {
            Self::NameTaken
        } else if db::violates(&err, "nodes_api_url") {
            Self::ApiUrlTaken
        } else {
            Self::Database(err.into())
        }
    }
}

/// A MediaMTX that Camplane converges and reads: a registered node, or,
/// with none registered, the one of the settings (`node` is `None`).
#[derive(Clone)]
pub struct Target {
    pub node: Option<i64>,
    pub name: String,
    pub client: mediamtx::Client,
    /// A node whose last health check went unanswered: passes leave it be
    /// rather than wait for it, until it answers again.
    pub silent: bool,
}

/// Every MediaMTX serving cameras now. `default` is the client of the
/// settings; registered nodes are reached with its login and timeout.
pub async fn targets(db: &sqlx::PgPool, default: &mediamtx::Client) -> sqlx::Result<Vec<Target>> {
    let nodes = load_targets(db).await?;
    if nodes.is_empty() {
        return Ok(vec![the_default(default)]);
    }
    Ok(nodes
        .into_iter()
        .filter_map(|node| {
            let api = Url::parse(&node.addresses.api_url);
            let playback = Url::parse(&node.addresses.playback_url);
            match (api, playback) {
                (Ok(api), Ok(playback)) => Some(Target {
                    silent: node.silent,
                    node: Some(node.id),
                    name: node.name,
                    client: default.for_node(&api, &playback),
                }),
                _ => {
                    tracing::warn!(
                        node_id = node.id,
                        "a node's stored address is not a URL; skipped"
                    );
                    None
                }
            }
        })
        .collect())
}

/// A client of every MediaMTX serving cameras now; the one of the settings
/// when the nodes can't be read.
pub async fn servers(db: &sqlx::PgPool, default: &mediamtx::Client) -> Vec<mediamtx::Client> {
    targets_or_default(db, default)
        .await
        .into_iter()
        .map(|target| target.client)
        .collect()
}

/// `targets`, or the MediaMTX of the settings when the nodes can't be read:
/// for readers, which would rather show something.
async fn targets_or_default(db: &sqlx::PgPool, default: &mediamtx::Client) -> Vec<Target> {
    targets(db, default).await.unwrap_or_else(|err| {
        tracing::debug!(error = %err, "nodes unreadable; asking the MediaMTX of the settings");
        vec![the_default(default)]
    })
}

fn the_default(default: &mediamtx::Client) -> Target {
    Target {
        node: None,
        name: "MEDIAMTX_API_URL".into(),
        client: default.clone(),
        silent: false,
    }
}

/// The MediaMTX that serves camera `id` (its recordings, its re-stream):
/// its node's, or, placed on none, the one of the settings (`default`).
pub async fn client_for_camera(
    db: &sqlx::PgPool,
    default: &mediamtx::Client,
    id: i64,
) -> Result<mediamtx::Client, db::Error> {
    let node = node_of_camera(db, id).await?;
    let parsed = node.as_ref().and_then(|node| {
        Some((
            Url::parse(&node.api_url).ok()?,
            Url::parse(&node.playback_url).ok()?,
        ))
    });
    Ok(match parsed {
        Some((api, playback)) => default.for_node(&api, &playback),
        None => default.clone(),
    })
}

/// Where camera `id`'s re-stream is read over RTSP when it is placed on a
/// node; `None`: the MediaMTX of the settings (`MEDIAMTX_RTSP_URL`).
pub async fn restream_of_camera(db: &sqlx::PgPool, id: i64) -> Result<Option<Url>, db::Error> {
    let node = node_of_camera(db, id).await?;
    Ok(node.and_then(|node| Url::parse(&node.rtsp_url).ok()))
}

/// Every path the MediaMTX servers hold now, by name, or `None` when none
/// answered. A path on two nodes (a camera moving) counts where it is
/// available.
pub async fn runtime_paths(
    db: &sqlx::PgPool,
    default: &mediamtx::Client,
) -> Option<HashMap<String, mediamtx::PathState>> {
    let targets = targets_or_default(db, default).await;
    let answers =
        futures::future::join_all(targets.iter().map(|target| target.client.list_paths())).await;
    let mut paths: Option<HashMap<String, mediamtx::PathState>> = None;
    for (target, answer) in targets.iter().zip(answers) {
        match answer {
            Ok(listed) => {
                let paths = paths.get_or_insert_with(HashMap::new);
                for path in listed {
                    let known = paths
                        .get(&path.name)
                        .is_some_and(|seen| seen.is_available());
                    if !known {
                        paths.insert(path.name.clone(), path);
                    }
                }
            }
            Err(err) => {
                tracing::debug!(mediamtx = target.name, error = %err, "MediaMTX runtime unavailable for status");
            }
        }
    }
    paths
}

/// A node's fields once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    name: String,
    addresses: Addresses,
    max_cameras: i32,
    max_readers: i32,
    labels: Labels,
    draining: bool,
}

fn parse_name(raw: &str) -> Result<String, String> {
    crate::validation::parse_label(raw, NAME_MAX)
}

/// An address of a node: an absolute URL of one of `schemes`, with a host,
/// and nothing a caller could hide in it (credentials, a query).
fn parse_address(raw: &str, schemes: &[&str]) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|err| format!("is not a URL ({err})"))?;
    if !schemes.contains(&url.scheme()) {
        return Err(format!("must start with {}://", schemes.join(":// or ")));
    }
    if url.host().is_none() {
        return Err("must name a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "must not carry credentials: nodes are called with the service login (MEDIAMTX_API_USER)"
                .into(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or a fragment".into());
    }
    Ok(url)
}

const HTTP: &[&str] = &["http", "https"];
const RTSP: &[&str] = &["rtsp", "rtsps"];

/// `api`'s host with another scheme and port: MediaMTX's default for a
/// server the caller did not name.
fn beside(api: &Url, scheme: &str, port: u16) -> String {
    let host = match api.host() {
        Some(url::Host::Ipv6(address)) => format!("[{address}]"),
        Some(host) => host.to_string(),
        None => String::new(),
    };
    format!("{scheme}://{host}:{port}")
}

fn check_size(value: i32) -> Result<i32, String> {
    if value > 0 {
        Ok(value)
    } else {
        Err("must be a positive whole number".into())
    }
}

/// Collects the checked addresses, each named by its field.
struct AddressFields<'a> {
    api_url: &'a str,
    playback_url: Option<&'a str>,
    rtsp_url: Option<&'a str>,
    hls_url: Option<&'a str>,
    webrtc_url: Option<&'a str>,
}

impl AddressFields<'_> {
    fn check(&self, errors: &mut FieldErrors) -> Option<Addresses> {
        let api = errors.check("api_url", parse_address(self.api_url, HTTP))?;
        let mut field = |name: &str, raw: Option<&str>, schemes: &[&str], port: u16| {
            let raw = raw.map_or_else(|| beside(&api, schemes[0], port), str::to_owned);
            errors
                .check(name, parse_address(&raw, schemes))
                .map(|url| url.to_string())
        };
        Some(Addresses {
            playback_url: field("playback_url", self.playback_url, HTTP, 9996)?,
            rtsp_url: field("rtsp_url", self.rtsp_url, RTSP, 8554)?,
            hls_url: field("hls_url", self.hls_url, HTTP, 8888)?,
            webrtc_url: field("webrtc_url", self.webrtc_url, HTTP, 8889)?,
            api_url: api.to_string(),
        })
    }
}

impl NewNodeInput {
    fn validate(self) -> Result<Fields> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", parse_name(&self.name));
        let addresses = AddressFields {
            api_url: &self.api_url,
            playback_url: self.playback_url.as_deref(),
            rtsp_url: self.rtsp_url.as_deref(),
            hls_url: self.hls_url.as_deref(),
            webrtc_url: self.webrtc_url.as_deref(),
        }
        .check(&mut errors);
        let max_cameras = errors.check("max_cameras", check_size(self.max_cameras.unwrap_or(300)));
        let max_readers = errors.check("max_readers", check_size(self.max_readers.unwrap_or(1000)));
        errors.check("labels", crate::validation::check_labels(&self.labels));
        errors.into_result().map_err(Error::Invalid)?;
        Ok(Fields {
            name: name.unwrap_or_default(),
            addresses: addresses.expect("checked"),
            max_cameras: max_cameras.unwrap_or_default(),
            max_readers: max_readers.unwrap_or_default(),
            labels: self.labels,
            draining: self.draining,
        })
    }
}

impl NodePatch {
    /// The fields `current` has once this patch is applied, all checked.
    /// An address left out keeps its value, even when the API's moves.
    fn apply_to(self, current: &Fields) -> Result<Fields> {
        let mut errors = FieldErrors::default();
        let name = self
            .name
            .map(|name| errors.check("name", parse_name(&name)));
        let kept = &current.addresses;
        let addresses = AddressFields {
            api_url: self.api_url.as_deref().unwrap_or(&kept.api_url),
            playback_url: Some(self.playback_url.as_deref().unwrap_or(&kept.playback_url)),
            rtsp_url: Some(self.rtsp_url.as_deref().unwrap_or(&kept.rtsp_url)),
            hls_url: Some(self.hls_url.as_deref().unwrap_or(&kept.hls_url)),
            webrtc_url: Some(self.webrtc_url.as_deref().unwrap_or(&kept.webrtc_url)),
        }
        .check(&mut errors);
        let max_cameras = self
            .max_cameras
            .map(|n| errors.check("max_cameras", check_size(n)));
        let max_readers = self
            .max_readers
            .map(|n| errors.check("max_readers", check_size(n)));
        if let Some(labels) = &self.labels {
            errors.check("labels", crate::validation::check_labels(labels));
        }
        errors.into_result().map_err(Error::Invalid)?;
        Ok(Fields {
            name: name.flatten().unwrap_or_else(|| current.name.clone()),
            addresses: addresses.expect("checked"),
            max_cameras: max_cameras.flatten().unwrap_or(current.max_cameras),
            max_readers: max_readers.flatten().unwrap_or(current.max_readers),
            labels: self.labels.unwrap_or_else(|| current.labels.clone()),
            draining: self.draining.unwrap_or(current.draining),
        })
    }
}

/// Labels as stored (a JSON object of strings); `whose` names the column's
/// row for the error.
fn labels_from_json(whose: impl FnOnce() -> String, value: serde_json::Value) -> Result<Labels> {
    serde_json::from_value::<Labels>(value)
        .map_err(|err| Error::Database(db::Error::Corrupt(format!("{}: {err}", whose()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(api_url: &str) -> NewNodeInput {
        NewNodeInput {
            name: " mtx-1 ".into(),
            api_url: api_url.into(),
            playback_url: None,
            rtsp_url: None,
            hls_url: None,
            webrtc_url: None,
            max_cameras: None,
            max_readers: None,
            labels: Labels::new(),
            draining: false,
        }
    }

    fn invalid_fields<T: std::fmt::Debug>(result: Result<T>) -> Vec<String> {
        match result {
            Err(Error::Invalid(errors)) => errors.into_iter().map(|error| error.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn servers_not_named_are_mediamtx_defaults_beside_the_api() {
        let fields = input("http://10.0.0.11:9997").validate().unwrap();
        assert_eq!(fields.name, "mtx-1");
        assert_eq!(fields.addresses.rtsp_url, "rtsp://10.0.0.11:8554");
        assert_eq!(fields.addresses.playback_url, "http://10.0.0.11:9996/");
        assert_eq!(fields.addresses.hls_url, "http://10.0.0.11:8888/");
        assert_eq!(fields.addresses.webrtc_url, "http://10.0.0.11:8889/");
        assert_eq!((fields.max_cameras, fields.max_readers), (300, 1000));
        let v6 = input("http://[fd00::1]:9997").validate().unwrap();
        assert_eq!(v6.addresses.rtsp_url, "rtsp://[fd00::1]:8554");
    }

    #[test]
    fn addresses_carry_no_credentials_and_have_the_right_scheme() {
        assert_eq!(
            invalid_fields(input("http://admin:pw@10.0.0.11:9997").validate()),
            ["api_url"]
        );
        assert_eq!(
            invalid_fields(input("rtsp://10.0.0.11:9997").validate()),
            ["api_url"]
        );
        assert_eq!(
            invalid_fields(input("http://10.0.0.11:9997/?x=1").validate()),
            ["api_url"]
        );
        let mut wrong = input("http://10.0.0.11:9997");
        wrong.rtsp_url = Some("http://10.0.0.11:8554".into());
        wrong.max_cameras = Some(0);
        wrong.labels.insert("Site".into(), "north".into());
        assert_eq!(
            invalid_fields(wrong.validate()),
            ["rtsp_url", "max_cameras", "labels"]
        );
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let current = input("http://10.0.0.11:9997").validate().unwrap();
        let patch = NodePatch {
            api_url: Some("http://10.0.0.12:9997".into()),
            draining: Some(true),
            ..NodePatch::default()
        };
        let patched = patch.apply_to(&current).unwrap();
        assert_eq!(patched.addresses.api_url, "http://10.0.0.12:9997/");
        assert_eq!(patched.addresses.rtsp_url, current.addresses.rtsp_url);
        assert!(patched.draining);
        let bad = NodePatch {
            max_readers: Some(-1),
            ..NodePatch::default()
        };
        assert_eq!(invalid_fields(bad.apply_to(&current)), ["max_readers"]);
    }
}
