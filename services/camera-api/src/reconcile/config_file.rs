//! Many paths at once, through MediaMTX's configuration file.
//!
//! MediaMTX reloads its whole configuration on every API write, at a cost
//! that grows with the paths it holds (about 0.1 ms per path on the machine
//! of docs/benchmarks.md): adding 10,000 paths one write at a time takes over
//! an hour. It also reloads its configuration file whenever the file
//! changes, in one go: 10,000 paths in about three seconds. So when a pass
//! has many writes to make, and Camplane may write that file
//! (`MEDIAMTX_CONFIG_FILE`), the reconciler rewrites the file's `paths:`
//! section with every camera's path and lets MediaMTX reload it.
//!
//! The file then holds camera passwords, as MediaMTX's memory does: it is
//! written with mode 0600, and belongs on a volume only camera-api and
//! MediaMTX share (compose.yaml keeps it in memory, on a tmpfs).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::mediamtx::PathSpec;

/// MediaMTX's watcher ignores changes within a second of the last one it
/// acted on (`internal/confwatcher`), so writes are spaced further apart.
const WATCHER_QUIET: Duration = Duration::from_millis(1100);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading or writing MediaMTX's configuration file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub struct ConfigFile {
    path: PathBuf,
    last_write: Mutex<Option<Instant>>,
}

impl ConfigFile {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            last_write: Mutex::new(None),
        }
    }

    /// Replaces the file's `paths:` section with `paths`, keeping every
    /// other setting as it is in the file. MediaMTX notices the new file by
    /// itself; the caller watches its API for the result.
    pub async fn write_paths(&self, paths: &BTreeMap<String, PathSpec>) -> Result<(), Error> {
        let mut last_write = self.last_write.lock().await;
        if let Some(at) = *last_write {
            tokio::time::sleep_until(at + WATCHER_QUIET).await;
        }
        let io = |source| Error::Io {
            path: self.path.clone(),
            source,
        };
        let current = tokio::fs::read_to_string(&self.path).await.map_err(io)?;
        let text = render(&current, paths);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || replace(&path, &text))
            .await
            .map_err(|join| io(std::io::Error::other(join)))?
            .map_err(io)?;
        *last_write = Some(Instant::now());
        Ok(())
    }
}

/// The file with its top-level `paths:` key (and everything after it, which
/// is that key's value) replaced by `paths`. JSON is YAML's flow style, so
/// each path is one line of JSON, escaped as serde_json escapes it.
fn render(current: &str, paths: &BTreeMap<String, PathSpec>) -> String {
    let kept = match current
        .match_indices("paths:")
        .find(|(at, _)| *at == 0 || current.as_bytes()[at - 1] == b'\n')
    {
        Some((at, _)) => &current[..at],
        None => current,
    };
    let mut text = kept.to_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if paths.is_empty() {
        text.push_str("paths: {}\n");
        return text;
    }
    text.push_str("paths:\n");
    for (name, spec) in paths {
        let spec = serde_json::to_string(spec).expect("a path spec serializes");
        text.push_str(&format!("  {name}: {spec}\n"));
    }
    text
}

/// Writes a new file beside the old one and renames it over it, so MediaMTX
/// never reads half a file.
fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    let temporary = path.with_extension("camplane-new");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(source: &str) -> PathSpec {
        PathSpec {
            source: source.to_owned(),
            source_on_demand: true,
            source_on_demand_start_timeout: "10s".to_owned(),
            source_on_demand_close_after: "10s".to_owned(),
            max_readers: 0,
            rtsp_transport: "tcp".to_owned(),
            record: false,
            record_path: "./r/%path/%s-%f".to_owned(),
            record_format: "fmp4".to_owned(),
            record_segment_duration: "60s".to_owned(),
            record_delete_after: "600s".to_owned(),
        }
    }

    #[test]
    fn only_the_top_level_paths_section_is_replaced() {
        let current =
            "api: yes\npathDefaults:\n  source: publisher\n# paths: a comment\npaths:\n  old: {}\n";
        let paths = BTreeMap::from([("cam_1".to_owned(), spec("rtsp://u:p\"w@h/s"))]);
        let text = render(current, &paths);
        assert_eq!(
            text,
            "api: yes\npathDefaults:\n  source: publisher\n# paths: a comment\npaths:\n  \
             cam_1: {\"source\":\"rtsp://u:p\\\"w@h/s\",\"sourceOnDemand\":true,\
             \"sourceOnDemandStartTimeout\":\"10s\",\"sourceOnDemandCloseAfter\":\"10s\",\
             \"maxReaders\":0,\"rtspTransport\":\"tcp\",\"record\":false,\
             \"recordPath\":\"./r/%path/%s-%f\",\"recordFormat\":\"fmp4\",\
             \"recordSegmentDuration\":\"60s\",\"recordDeleteAfter\":\"600s\"}\n"
        );
        assert_eq!(
            render(&text, &BTreeMap::new()),
            "api: yes\npathDefaults:\n  source: publisher\n# paths: a comment\npaths: {}\n"
        );
    }

    #[test]
    fn a_file_without_paths_gets_them_appended() {
        assert_eq!(
            render("api: yes", &BTreeMap::new()),
            "api: yes\npaths: {}\n"
        );
    }
}
