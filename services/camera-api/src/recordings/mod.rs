//! Recordings: MediaMTX records each camera whose policy says so (fMP4
//! segments under `dir`, named by their start), deletes what is older than
//! the camera's retention, and plays them back through its playback server.
//! This module reads that inventory for the API (`spans`), keeps the disk
//! within budgets (`storage`) and makes MP4 exports of a range (`exports`).

mod error;
mod exports;
mod spans;
mod storage;

use std::path::PathBuf;
use std::time::Duration;

pub use error::{Error, Result};
pub use exports::{
    Export, ExportFile, ExportInput, ExportState, download, expire_exports, forget, request, status,
};
pub use spans::{AskedRange, Recordings, Span, list};
pub use storage::{
    CameraStorage, Deleted, Storage, StorageReport, delete_range, keep_within_bounds, report,
    segment_start,
};

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
    /// How often the disk is scanned and kept within bounds
    /// (`CAMPLANE_RECORDINGS_CHECK`).
    pub check: Duration,
    /// The free space, in percent of the filesystem, under which the oldest
    /// recordings are deleted (`CAMPLANE_RECORDINGS_MIN_FREE`).
    pub min_free_percent: u8,
    pub exports: ExportSettings,
}

/// MP4 exports of a range of recordings.
#[derive(Debug, Clone)]
pub struct ExportSettings {
    /// Where the files are made and kept until they expire
    /// (`CAMPLANE_EXPORTS_DIR`); shared by the replicas, like `dir`.
    pub dir: PathBuf,
    /// The longest range one export may cover (`CAMPLANE_EXPORT_MAX`).
    pub max: Duration,
    /// How long an export is kept (`CAMPLANE_EXPORT_TTL`).
    pub ttl: Duration,
}

impl Settings {
    /// MediaMTX's `recordPath`: a directory per path, a file per segment
    /// named by its start with its UTC offset, so the name alone says when
    /// it began whatever MediaMTX's time zone.
    pub fn record_path(&self) -> String {
        format!("{}/%path/%Y-%m-%d_%H-%M-%S-%f%z", self.dir.display())
    }
}
