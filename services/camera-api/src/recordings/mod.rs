//! Recordings: MediaMTX records each camera whose policy says so (fMP4
//! segments under `dir`, named by their start), deletes what is older than
//! the camera's retention, and plays them back through its playback server.
//! This module reads that inventory for the API (`spans`), keeps the disk
//! within budgets (`storage`) and makes MP4 exports of a range (`exports`).

mod error;
mod spans;

use std::path::PathBuf;
use std::time::Duration;

pub use error::{Error, Result};
pub use spans::{Recordings, Span, list};

use crate::cameras::RecordingPolicy;

#[derive(Debug, Clone)]
pub struct Settings {
    /// The policy of a new camera whose client names none
    /// (`CAMPLANE_RECORDING_DEFAULT`, `CAMPLANE_RECORDING_RETENTION`).
    pub defaults: RecordingPolicy,
    /// Where MediaMTX writes recordings and camera-api reads them: the same
    /// directory at the same absolute path in both (`CAMPLANE_RECORDINGS_DIR`).
    pub dir: PathBuf,
    /// MediaMTX's segment length (`CAMPLANE_RECORDING_SEGMENT`): the unit in
    /// which recordings are deleted.
    pub segment: Duration,
    /// The longest range one request may list.
    pub max_listed: Duration,
}

impl Settings {
    /// MediaMTX's `recordPath`: a directory per path, a file per segment
    /// named by its start with its UTC offset, so the name alone says when
    /// it began whatever MediaMTX's time zone.
    pub fn record_path(&self) -> String {
        format!("{}/%path/%Y-%m-%d_%H-%M-%S-%f%z", self.dir.display())
    }
}
