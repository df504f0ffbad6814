//! The edge's routes to MediaMTX nodes. HAProxy sends a camera's `/hls`,
//! `/webrtc` and `/playback` requests to the node that serves it through
//! three maps, path name → `address@port`, which the leading replica keeps
//! current: written to files HAProxy loads when it starts, and replaced
//! whole, atomically, through HAProxy's runtime API, so a moved camera is
//! followed without a reload or a dropped connection. A camera not in the
//! maps (no node registered) goes to the MediaMTX of the edge's settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;
use url::Url;

use crate::mediamtx::{path_name, sub_path_name};

/// How long one runtime command may take.
const RUNTIME_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Where the maps are written (`CAMPLANE_EDGE_MAPS_DIR`): the same
    /// absolute path HAProxy reads them from, as HAProxy names a map by
    /// its file. `None`: no routes to nodes.
    pub maps_dir: Option<PathBuf>,
    /// HAProxy's runtime API (`CAMPLANE_EDGE_RUNTIME`): a Unix socket path
    /// or `host:port`. `None`: the files only, read at HAProxy's next start.
    pub runtime: Option<String>,
}

/// One map per server kind: what HAProxy routes with it.
const MAPS: [(&str, Kind); 3] = [
    ("hls.map", Kind::Hls),
    ("webrtc.map", Kind::WebRtc),
    ("playback.map", Kind::Playback),
];

#[derive(Debug, Clone, Copy)]
enum Kind {
    Hls,
    WebRtc,
    Playback,
}

/// A placed camera and where its node's servers are.
#[derive(Debug, Clone)]
pub struct Route {
    pub camera: i64,
    pub hls_url: String,
    pub webrtc_url: String,
    pub playback_url: String,
}

impl Route {
    fn url(&self, kind: Kind) -> &str {
        match kind {
            Kind::Hls => &self.hls_url,
            Kind::WebRtc => &self.webrtc_url,
            Kind::Playback => &self.playback_url,
        }
    }
}

/// Each map's entries, by file name.
type Maps = BTreeMap<&'static str, BTreeMap<String, String>>;

#[derive(Clone, Default)]
pub struct Edge {
    settings: Arc<Settings>,
    /// What HAProxy was last given; `None` until it took a whole set.
    published: Arc<Mutex<Option<Maps>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("writing the edge's map {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("HAProxy's runtime API: {0}")]
    Runtime(String),
}

impl Edge {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings: Arc::new(settings),
            published: Arc::default(),
        }
    }

    /// Whether the edge routes to nodes at all (it has maps).
    pub fn routes_to_nodes(&self) -> bool {
        self.settings.maps_dir.is_some()
    }

    /// Creates the map files HAProxy needs to start, empty, where missing.
    pub fn prepare(&self) -> Result<(), Error> {
        let Some(dir) = &self.settings.maps_dir else {
            return Ok(());
        };
        std::fs::create_dir_all(dir).map_err(|source| Error::File {
            path: dir.clone(),
            source,
        })?;
        for (name, _) in MAPS {
            let path = dir.join(name);
            if !path.exists() {
                write_file(&path, "")?;
            }
        }
        Ok(())
    }

    /// Routes every placed camera to its node (`routes`), if that changed
    /// since the last time. Failures are logged and tried again at the
    /// next call.
    pub async fn follow(&self, routes: &[Route]) {
        let Some(dir) = &self.settings.maps_dir else {
            return;
        };
        let maps = maps(routes).await;
        let mut published = self.published.lock().await;
        if published.as_ref() == Some(&maps) {
            return;
        }
        match self.publish(dir, &maps).await {
            Ok(()) => {
                tracing::info!(
                    cameras = routes.len(),
                    "the edge follows the cameras to their nodes"
                );
                *published = Some(maps);
            }
            Err(err) => {
                tracing::warn!(error = %err, "the edge's routes could not be updated; trying again at the next pass");
                *published = None;
            }
        }
    }

    async fn publish(&self, dir: &Path, maps: &Maps) -> Result<(), Error> {
        for (name, entries) in maps {
            let path = dir.join(name);
            write_file(&path, &render(entries))?;
            if let Some(runtime) = &self.settings.runtime {
                replace_at_runtime(runtime, &path, entries).await?;
            }
        }
        Ok(())
    }
}

/// The maps for `routes`: each camera's path names (its main stream's and
/// its sub-stream's) to its node's servers.
/// A host that doesn't resolve leaves its cameras to the edge's default.
async fn maps(routes: &[Route]) -> Maps {
    let mut resolved: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut maps: Maps = MAPS
        .iter()
        .map(|(name, _)| (*name, BTreeMap::new()))
        .collect();
    for route in routes {
        for (name, kind) in MAPS {
            let url = route.url(kind);
            if !resolved.contains_key(url) {
                resolved.insert(url.to_owned(), address(url).await);
            }
            if let Some(Some(address)) = resolved.get(url)
                && let Some(map) = maps.get_mut(name)
            {
                for path in [path_name(route.camera), sub_path_name(route.camera)] {
                    map.insert(path, address.clone());
                }
            }
        }
    }
    maps
}

/// `ip@port` of a server URL, as HAProxy's `set-dst` and `set-dst-port`
/// take them.
async fn address(url: &str) -> Option<String> {
    let parsed = Url::parse(url).ok()?;
    let host = parsed
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = parsed.port_or_known_default()?;
    let found = tokio::net::lookup_host((host.as_str(), port)).await;
    match found.map(|mut addresses| addresses.next()) {
        Ok(Some(address)) => Some(format!("{}@{}", address.ip(), address.port())),
        _ => {
            tracing::warn!(
                host,
                "a node's host does not resolve; the edge can't route to it"
            );
            None
        }
    }
}

fn render(entries: &BTreeMap<String, String>) -> String {
    entries
        .iter()
        .map(|(key, value)| format!("{key} {value}\n"))
        .collect()
}

/// Writes beside, then renames: HAProxy never reads half a file.
fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    let partial = path.with_extension("map.partial");
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|source| Error::File {
            path: path.to_owned(),
            source,
        })
}

/// Replaces a map's whole content in one step: a new version is prepared,
/// filled and committed, so HAProxy never routes by half of it.
async fn replace_at_runtime(
    runtime: &str,
    path: &Path,
    entries: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let map = path.display();
    let prepared = command(runtime, &format!("prepare map {map}\n")).await?;
    let version = prepared
        .trim()
        .strip_prefix("New version created: ")
        .ok_or_else(|| Error::Runtime(format!("prepare map: {}", prepared.trim())))?;
    if !entries.is_empty() {
        let added = command(
            runtime,
            &format!("add map @{version} {map} <<\n{}\n", render(entries)),
        )
        .await?;
        if !added.trim().is_empty() {
            return Err(Error::Runtime(format!("add map: {}", added.trim())));
        }
    }
    let committed = command(runtime, &format!("commit map @{version} {map}\n")).await?;
    if !committed.trim().is_empty() {
        return Err(Error::Runtime(format!("commit map: {}", committed.trim())));
    }
    Ok(())
}

/// Sends one command (HAProxy answers, then closes the connection).
async fn command(runtime: &str, text: &str) -> Result<String, Error> {
    let exchange = async {
        if runtime.starts_with('/') {
            exchange(tokio::net::UnixStream::connect(runtime).await?, text).await
        } else {
            exchange(tokio::net::TcpStream::connect(runtime).await?, text).await
        }
    };
    match tokio::time::timeout(RUNTIME_TIMEOUT, exchange).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(err)) => Err(Error::Runtime(format!("{runtime}: {err}"))),
        Err(_) => Err(Error::Runtime(format!(
            "{runtime}: no answer within {RUNTIME_TIMEOUT:?}"
        ))),
    }
}

async fn exchange(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    text: &str,
) -> std::io::Result<String> {
    stream.write_all(text.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_camera_is_routed_to_its_nodes_servers() {
        let routes = [Route {
            camera: 7,
            hls_url: "http://127.0.0.1:8888/".into(),
            webrtc_url: "http://[::1]:8889".into(),
            playback_url: "http://does-not-resolve.invalid:9996".into(),
        }];
        let maps = maps(&routes).await;
        assert_eq!(
            render(&maps["hls.map"]),
            "cam_7 127.0.0.1@8888\ncam_7_sub 127.0.0.1@8888\n"
        );
        assert_eq!(
            render(&maps["webrtc.map"]),
            "cam_7 ::1@8889\ncam_7_sub ::1@8889\n"
        );
        assert!(
            maps["playback.map"].is_empty(),
            "left to the edge's default"
        );
    }
}
