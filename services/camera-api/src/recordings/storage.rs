//! Keeping the recordings disk within bounds: every `check` the recordings
//! directory is scanned (bytes, segments, oldest and newest per camera, the
//! filesystem's free space), and whole segment files are deleted where a
//! camera is over its storage budget, where the disk is under its free-space
//! floor, and where MediaMTX no longer deletes a camera's expired segments
//! because it has no path for it (disabled or deleted cameras). The last
//! scan is kept for the API and the metrics.
//!
//! Every replica scans and deletes: each deletion is of a file chosen from
//! what is on disk, so two replicas deleting the same file is harmless (the
//! second finds it gone).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use super::{AskedRange, Error, Result, Settings};
use crate::auth::Principal;
use crate::cameras::{self, RecordingPolicy};
use crate::validation::FieldError;
use crate::{audit, auth};

/// One segment file: MediaMTX names it by its start; its last write is its
/// end.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    path: PathBuf,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    bytes: u64,
}

/// The segment files of one camera's directory, oldest first.
#[derive(Debug, Clone)]
struct CameraFiles {
    camera_id: i64,
    segments: Vec<Segment>,
}

/// What the registry says of a camera whose directory was scanned.
#[derive(Debug, Clone)]
struct Registered {
    enabled: bool,
    policy: RecordingPolicy,
    groups: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Reason {
    /// The camera was over its storage budget.
    Budget,
    /// The disk was under its free-space floor.
    LowSpace,
    /// Older than its camera's retention, and MediaMTX has no path to
    /// delete it by.
    Retention,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Budget => "budget",
            Self::LowSpace => "low_space",
            Self::Retention => "retention",
        }
    }
}

/// The filesystem the recordings are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Disk {
    free_bytes: u64,
    total_bytes: u64,
}

impl Disk {
    /// Free space as unprivileged processes (MediaMTX) see it, on the
    /// filesystem `dir` is (or will be, once MediaMTX records into it) on.
    fn of(dir: &Path) -> std::io::Result<Self> {
        use std::os::unix::ffi::OsStrExt;
        let dir = dir.ancestors().find(|at| at.exists()).unwrap_or(dir);
        let path = std::ffi::CString::new(dir.as_os_str().as_bytes())
            .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidInput, err))?;
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `path` is a valid C string and `stat` a writable statvfs.
        if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let block = stat.f_frsize as u64;
        Ok(Self {
            free_bytes: stat.f_bavail as u64 * block,
            total_bytes: stat.f_blocks as u64 * block,
        })
    }

    /// The floor: `percent` of the filesystem.
    fn floor(&self, percent: u8) -> u64 {
        (u128::from(self.total_bytes) * u128::from(percent) / 100) as u64
    }
}

/// One camera's recordings on disk, as of the last scan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CameraStorage {
    pub camera_id: i64,
    pub bytes: u64,
    pub segments: usize,
    /// The oldest segment's start.
    pub oldest: Option<DateTime<Utc>>,
    /// The newest segment's start.
    pub newest: Option<DateTime<Utc>>,
    pub storage_budget_bytes: Option<i64>,
    pub over_budget: bool,
}

/// The recordings disk as of the last scan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StorageReport {
    /// When the scan ran.
    pub scanned_at: DateTime<Utc>,
    /// Bytes of the recordings listed (all cameras', also those not shown).
    pub total_bytes: u64,
    /// The filesystem's free bytes.
    pub free_bytes: u64,
    /// The filesystem's size.
    pub filesystem_bytes: u64,
    /// The free space under which the oldest recordings are deleted
    /// (`CAMPLANE_RECORDINGS_MIN_FREE` of the filesystem).
    pub floor_bytes: u64,
    /// Whether free space was under the floor at the scan.
    pub low_space: bool,
    /// The oldest recording's start, of any camera.
    pub oldest: Option<DateTime<Utc>>,
    /// The cameras you see that have recordings on disk, by id.
    pub cameras: Vec<CameraStorage>,
}

/// A scan's result, with the registry's groups to show each camera only
/// to who sees it.
#[derive(Debug, Clone)]
struct Scan {
    report: StorageReport,
    /// The groups of each camera found on disk that the registry holds (one
    /// missing is no longer there, and shown to unlimited principals only).
    groups: HashMap<i64, Vec<String>>,
}

/// The last scan, shared by the storage task, the API and the scrape.
#[derive(Debug, Default)]
pub struct Storage {
    last: RwLock<Option<Arc<Scan>>>,
}

impl Storage {
    fn last(&self) -> Option<Arc<Scan>> {
        self.last.read().expect("not poisoned").clone()
    }

    fn keep(&self, scan: Scan) {
        *self.last.write().expect("not poisoned") = Some(Arc::new(scan));
    }

    /// Bytes camera `id` had on disk at the last scan; `None` before one.
    pub fn stored_bytes(&self, id: i64) -> Option<u64> {
        let scan = self.last()?;
        let cameras = &scan.report.cameras;
        Some(
            cameras
                .binary_search_by_key(&id, |camera| camera.camera_id)
                .map_or(0, |found| cameras[found].bytes),
        )
    }

    /// The Prometheus gauges of the last scan (the scrape sets them, so
    /// each service shows its own).
    pub fn gauges(&self) {
        if let Some(scan) = self.last() {
            let report = &scan.report;
            // With nothing recorded, nothing is older than the scan.
            let oldest = report.oldest.unwrap_or(report.scanned_at);
            crate::metrics::recordings_storage(
                report.total_bytes,
                report.free_bytes,
                report.low_space,
                oldest.timestamp(),
            );
        }
    }
}

/// The last scan as `by` may see it: only its cameras.
pub fn report(storage: &Storage, by: &Principal) -> Result<StorageReport> {
    let scan = storage.last().ok_or(Error::NotScannedYet)?;
    let mut report = scan.report.clone();
    report
        .cameras
        .retain(|camera| match scan.groups.get(&camera.camera_id) {
            Some(groups) => by.sees(groups),
            None => by.groups.is_none(),
        });
    Ok(report)
}

/// Runs for the life of the process: a scan, and its deletions, every
/// `settings.check`.
pub async fn keep_within_bounds(db: PgPool, settings: Settings, storage: Arc<Storage>) {
    let mut ticks = tokio::time::interval(settings.check);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match check(&db, &settings).await {
            Ok(scan) => storage.keep(scan),
            Err(err) => tracing::warn!(
                error = format!("{err:#}"),
                dir = %settings.dir.display(),
                "could not check the recordings disk"
            ),
        }
    }
}

async fn check(db: &PgPool, settings: &Settings) -> anyhow::Result<Scan> {
    // The disk first, then the registry of only the cameras found there: a
    // fleet of 100,000 cameras, few of them recording, was read whole (and
    // its groups kept) every check. A camera deleted in between is one no
    // longer in the registry, as one deleted before.
    let dir = settings.dir.clone();
    let files = tokio::task::spawn_blocking(move || scan_dir(&dir)).await??;
    let found: Vec<i64> = files.iter().map(|camera| camera.camera_id).collect();
    let registry = registry(db, &found).await?;
    let settings = settings.clone();
    let scan = tokio::task::spawn_blocking(move || {
        let disk = Disk::of(&settings.dir)?;
        let now = Utc::now();
        let plan = Plan {
            registry: &registry,
            defaults: &settings.defaults,
            segment: settings.segment,
            min_free_percent: settings.min_free_percent,
            now,
        };
        let chosen: Vec<(Reason, &Segment)> = plan
            .deletions(&files, disk)
            .into_iter()
            .map(|d| (d.reason, &files[d.camera].segments[d.segment]))
            .collect();
        let gone = delete(&chosen);
        let mut files = files;
        for camera in &mut files {
            camera
                .segments
                .retain(|segment| !gone.contains(&segment.path));
        }
        let disk = Disk::of(&settings.dir)?;
        anyhow::Ok(summarize(
            &files,
            &registry,
            disk,
            settings.min_free_percent,
            now,
        ))
    })
    .await??;
    Ok(scan)
}

/// The cameras of `ids` the registry holds, by id.
async fn registry(db: &PgPool, ids: &[i64]) -> Result<HashMap<i64, Registered>> {
    let rows = sqlx::query!(
        "SELECT id, enabled, recording, retention_seconds, storage_budget_bytes, groups
         FROM cameras WHERE id = ANY($1)",
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let policy = RecordingPolicy::from_columns(
                &row.recording,
                row.retention_seconds,
                row.storage_budget_bytes,
            )?;
            let registered = Registered {
                enabled: row.enabled,
                policy,
                groups: row.groups,
            };
            Some((row.id, registered))
        })
        .collect())
}

/// The segment files of every `cam_<id>` directory under `dir`. A file that
/// is not a segment (its name says no start) is left alone.
fn scan_dir(dir: &Path) -> std::io::Result<Vec<CameraFiles>> {
    let mut cameras = Vec::new();
    for entry in entries(dir)? {
        let Some(camera_id) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.strip_prefix("cam_"))
            .and_then(|id| id.parse::<i64>().ok())
        else {
            continue;
        };
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let segments = camera_segments(&entry.path())?;
        cameras.push(CameraFiles {
            camera_id,
            segments,
        });
    }
    cameras.sort_by_key(|camera| camera.camera_id);
    Ok(cameras)
}

/// Camera directory `dir`'s segments, oldest first.
fn camera_segments(dir: &Path) -> std::io::Result<Vec<Segment>> {
    let mut segments = Vec::new();
    for entry in entries(dir)? {
        let Some(start) = entry.file_name().to_str().and_then(segment_start) else {
            continue;
        };
        // Deleted meanwhile (by MediaMTX, or another replica): not there.
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let end = meta.modified().map(DateTime::<Utc>::from).unwrap_or(start);
        segments.push(Segment {
            path: entry.path(),
            start,
            end: end.max(start),
            bytes: meta.len(),
        });
    }
    segments.sort_by_key(|segment| segment.start);
    Ok(segments)
}

/// What directory `dir` holds; nothing while it does not exist (MediaMTX
/// makes each with its first segment).
fn entries(dir: &Path) -> std::io::Result<Vec<std::fs::DirEntry>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.collect(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(err),
    }
}

/// The start MediaMTX wrote into a segment's name
/// (`%Y-%m-%d_%H-%M-%S-%f%z.mp4`: `2026-12-04_12-00-00-123456Z.mp4`, or
/// `…-123456+0100.mp4`).
pub fn segment_start(name: &str) -> Option<DateTime<Utc>> {
    let stem = name.strip_suffix(".mp4")?;
    let (local, offset) = match stem.strip_suffix('Z') {
        Some(local) => (local, 0),
        None => {
            let split = stem.len().checked_sub(5)?;
            let (local, zone) = (stem.get(..split)?, stem.get(split..)?);
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits = &zone[1..];
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let hours: i32 = digits[..2].parse().ok()?;
            let minutes: i32 = digits[2..].parse().ok()?;
            (local, sign * (hours * 3600 + minutes * 60))
        }
    };
    // The fraction follows the seconds after a dash; chrono reads it after
    // a dot.
    let (whole, fraction) = local.rsplit_once('-')?;
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let local =
        NaiveDateTime::parse_from_str(&format!("{whole}.{fraction}"), "%Y-%m-%d_%H-%M-%S%.f")
            .ok()?;
    let zone = FixedOffset::east_opt(offset)?;
    Some(local.and_local_timezone(zone).single()?.with_timezone(&Utc))
}

/// A segment chosen for deletion: `camera`'s index in the scan, and the
/// segment's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Deletion {
    camera: usize,
    segment: usize,
    reason: Reason,
}

/// What decides the deletions of one scan.
struct Plan<'a> {
    registry: &'a HashMap<i64, Registered>,
    defaults: &'a RecordingPolicy,
    segment: Duration,
    min_free_percent: u8,
    now: DateTime<Utc>,
}

impl Plan<'_> {
    /// What to delete of `files` on `disk`: first what is over a camera's
    /// budget, then what MediaMTX no longer expires, then, while the disk
    /// would still be under its floor, the oldest of any camera (those over
    /// their budget were already cut down first).
    fn deletions(&self, files: &[CameraFiles], disk: Disk) -> Vec<Deletion> {
        let mut chosen = Chosen::default();
        for (index, camera) in files.iter().enumerate() {
            let registered = self.registry.get(&camera.camera_id);
            let writable = self.deletable(camera, registered);
            if let Some(budget) = registered.and_then(|r| r.policy.storage_budget_bytes) {
                let budget = u64::try_from(budget).unwrap_or(0);
                let mut bytes: u64 = camera.segments.iter().map(|s| s.bytes).sum();
                for segment in 0..writable {
                    if bytes <= budget {
                        break;
                    }
                    bytes -= camera.segments[segment].bytes;
                    chosen.take(index, segment, Reason::Budget);
                }
            }
            // MediaMTX expires the segments of the paths it has: enabled
            // cameras'.
            let retention = match registered {
                Some(registered) if registered.enabled => None,
                Some(registered) => Some(registered.policy.retention),
                None => Some(self.defaults.retention),
            };
            if let Some(retention) = retention {
                let expired = self.now - TimeDelta::from_std(retention).unwrap_or(TimeDelta::MAX);
                for segment in 0..writable {
                    if camera.segments[segment].end < expired {
                        chosen.take(index, segment, Reason::Retention);
                    }
                }
            }
        }
        let floor = disk.floor(self.min_free_percent);
        let freed: u64 = chosen
            .0
            .iter()
            .map(|d| files[d.camera].segments[d.segment].bytes)
            .sum();
        let mut free = disk.free_bytes.saturating_add(freed);
        if free >= floor {
            return chosen.0;
        }
        let mut oldest_first: Vec<(DateTime<Utc>, usize, usize)> = files
            .iter()
            .enumerate()
            .flat_map(|(index, camera)| {
                let writable = self.deletable(camera, self.registry.get(&camera.camera_id));
                camera.segments[..writable]
                    .iter()
                    .enumerate()
                    .map(move |(segment, s)| (s.start, index, segment))
            })
            .filter(|(_, camera, segment)| !chosen.has(*camera, *segment))
            .collect();
        oldest_first.sort();
        for (_, camera, segment) in oldest_first {
            if free >= floor {
                break;
            }
            free = free.saturating_add(files[camera].segments[segment].bytes);
            chosen.take(camera, segment, Reason::LowSpace);
        }
        chosen.0
    }

    fn deletable(&self, camera: &CameraFiles, registered: Option<&Registered>) -> usize {
        let records = registered.is_some_and(|r| r.enabled && r.policy.records());
        deletable(&camera.segments, records, self.segment, self.now)
    }
}

/// The deletions chosen so far; a segment is deleted for its first reason.
#[derive(Default)]
struct Chosen(Vec<Deletion>);

impl Chosen {
    fn has(&self, camera: usize, segment: usize) -> bool {
        self.0
            .iter()
            .any(|d| d.camera == camera && d.segment == segment)
    }

    fn take(&mut self, camera: usize, segment: usize, reason: Reason) {
        if !self.has(camera, segment) {
            self.0.push(Deletion {
                camera,
                segment,
                reason,
            });
        }
    }
}

/// How many of a camera's `segments` (oldest first), from the oldest, may
/// be deleted: all but the newest while it may still be written (its camera
/// `records`, or it was written within the last two segment lengths).
fn deletable(segments: &[Segment], records: bool, length: Duration, now: DateTime<Utc>) -> usize {
    let Some(newest) = segments.last() else {
        return 0;
    };
    let lately = now - TimeDelta::from_std(length * 2).unwrap_or(TimeDelta::MAX);
    if records || newest.end >= lately {
        segments.len() - 1
    } else {
        segments.len()
    }
}

/// Deletes the files of `segments`, counts them by reason, and returns the
/// paths gone (one already gone was deleted by someone else: MediaMTX,
/// another replica; it counts for nothing).
fn delete(segments: &[(Reason, &Segment)]) -> HashSet<PathBuf> {
    let mut counted: BTreeMap<Reason, (u64, u64)> = BTreeMap::new();
    let mut gone = HashSet::new();
    for (reason, segment) in segments {
        match std::fs::remove_file(&segment.path) {
            Ok(()) => {
                let count = counted.entry(*reason).or_default();
                count.0 += 1;
                count.1 += segment.bytes;
                gone.insert(segment.path.clone());
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                gone.insert(segment.path.clone());
            }
            Err(err) => tracing::warn!(
                file = %segment.path.display(),
                error = %err,
                "could not delete a recording segment"
            ),
        }
    }
    for (reason, (segments, bytes)) in counted {
        tracing::info!(
            reason = reason.as_str(),
            segments,
            bytes,
            "deleted recording segments"
        );
        crate::metrics::recordings_deleted(reason.as_str(), segments, bytes);
    }
    gone
}

/// The scan's report, and each camera's groups to show it by.
fn summarize(
    files: &[CameraFiles],
    registry: &HashMap<i64, Registered>,
    disk: Disk,
    min_free_percent: u8,
    now: DateTime<Utc>,
) -> Scan {
    let cameras: Vec<CameraStorage> = files
        .iter()
        .filter(|camera| !camera.segments.is_empty())
        .map(|camera| {
            let bytes = camera.segments.iter().map(|s| s.bytes).sum();
            let budget = registry
                .get(&camera.camera_id)
                .and_then(|r| r.policy.storage_budget_bytes);
            CameraStorage {
                camera_id: camera.camera_id,
                bytes,
                segments: camera.segments.len(),
                oldest: camera.segments.first().map(|s| s.start),
                newest: camera.segments.last().map(|s| s.start),
                storage_budget_bytes: budget,
                over_budget: budget
                    .is_some_and(|budget| bytes > u64::try_from(budget).unwrap_or(0)),
            }
        })
        .collect();
    let floor = disk.floor(min_free_percent);
    Scan {
        report: StorageReport {
            scanned_at: now,
            total_bytes: cameras.iter().map(|camera| camera.bytes).sum(),
            free_bytes: disk.free_bytes,
            filesystem_bytes: disk.total_bytes,
            floor_bytes: floor,
            low_space: disk.free_bytes < floor,
            oldest: cameras.iter().filter_map(|camera| camera.oldest).min(),
            cameras,
        },
        groups: registry
            .iter()
            .map(|(id, registered)| (*id, registered.groups.clone()))
            .collect(),
    }
}

/// What `DELETE /api/cameras/{id}/recordings` deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    pub deleted_segments: u64,
    pub deleted_bytes: u64,
}

/// Deletes camera `id`'s segments that lie wholly within `since`..`until`
/// (both required; never the segment being written), for `by` (audited).
pub async fn delete_range(
    db: &PgPool,
    settings: &Settings,
    by: &Principal,
    id: i64,
    asked: AskedRange,
) -> Result<Deleted> {
    let missing = |field| FieldError::new(field, "is required");
    let (since, until) = match (asked.since, asked.until) {
        (Some(since), Some(until)) if since < until => (since, until),
        (Some(_), Some(_)) => {
            return Err(Error::Invalid(vec![FieldError::new(
                "since",
                "must be before until",
            )]));
        }
        (since, until) => {
            let errors = [("since", since), ("until", until)]
                .into_iter()
                .filter(|(_, given)| given.is_none())
                .map(|(field, _)| missing(field))
                .collect();
            return Err(Error::Invalid(errors));
        }
    };
    let camera = cameras::get_seen_by(db, by, id).await?;
    let records = camera.enabled && camera.recording.records();
    let (dir, length) = (settings.dir.join(camera.path()), settings.segment);
    let deleted = tokio::task::spawn_blocking(move || {
        let segments = camera_segments(&dir)?;
        let writable = deletable(&segments, records, length, Utc::now());
        let mut deleted = Deleted {
            deleted_segments: 0,
            deleted_bytes: 0,
        };
        for segment in &segments[..writable] {
            if segment.start < since || segment.end > until {
                continue;
            }
            match std::fs::remove_file(&segment.path) {
                Ok(()) => {
                    deleted.deleted_segments += 1;
                    deleted.deleted_bytes += segment.bytes;
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
        Ok(deleted)
    })
    .await
    .map_err(|err| Error::Storage(std::io::Error::other(err)))?
    .map_err(Error::Storage)?;
    let mut tx = db.begin().await?;
    auth::act_as(&mut tx, &by.actor()).await?;
    audit::record_about(
        &mut *tx,
        "recording.delete",
        Some(id),
        serde_json::json!({
            "camera_id": id,
            "since": since,
            "until": until,
            "deleted_segments": deleted.deleted_segments,
            "deleted_bytes": deleted.deleted_bytes,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cameras::RecordingMode;

    const SEGMENT: Duration = Duration::from_secs(10);

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + second, 0).unwrap()
    }

    /// Camera `id`'s segments starting at `starts`, each `SEGMENT` long and
    /// `bytes` big.
    fn camera(id: i64, starts: &[i64], bytes: u64) -> CameraFiles {
        CameraFiles {
            camera_id: id,
            segments: starts
                .iter()
                .map(|start| Segment {
                    path: PathBuf::from(format!("cam_{id}/{start}.mp4")),
                    start: at(*start),
                    end: at(*start + 10),
                    bytes,
                })
                .collect(),
        }
    }

    fn policy(mode: RecordingMode, retention: u64, budget: Option<i64>) -> RecordingPolicy {
        RecordingPolicy {
            mode,
            retention: Duration::from_secs(retention),
            storage_budget_bytes: budget,
        }
    }

    fn registered(enabled: bool, policy: RecordingPolicy) -> Registered {
        Registered {
            enabled,
            policy,
            groups: Vec::new(),
        }
    }

    const ROOMY: Disk = Disk {
        free_bytes: 900,
        total_bytes: 1_000,
    };

    /// (camera id, segment start) of what `plan` deletes, by reason.
    fn planned(
        registry: &HashMap<i64, Registered>,
        files: &[CameraFiles],
        disk: Disk,
        now: i64,
    ) -> Vec<(i64, i64, Reason)> {
        let defaults = policy(RecordingMode::Off, 3600, None);
        let plan = Plan {
            registry,
            defaults: &defaults,
            segment: SEGMENT,
            min_free_percent: 10,
            now: at(now),
        };
        let mut deleted: Vec<(i64, i64, Reason)> = plan
            .deletions(files, disk)
            .into_iter()
            .map(|d| {
                let segment = &files[d.camera].segments[d.segment];
                (
                    files[d.camera].camera_id,
                    segment.start.timestamp() - 1_800_000_000,
                    d.reason,
                )
            })
            .collect();
        deleted.sort();
        deleted
    }

    #[test]
    fn a_recordings_directory_not_made_yet_is_an_empty_one() {
        let missing =
            std::env::temp_dir().join(format!("camplane-no-such-{}", uuid::Uuid::new_v4()));
        assert!(scan_dir(&missing).unwrap().is_empty());
        let disk = Disk::of(&missing.join("cam_1")).unwrap();
        assert!(disk.total_bytes > 0 && disk.free_bytes <= disk.total_bytes);
    }

    #[test]
    fn a_segment_start_is_read_from_its_name() {
        let utc = segment_start("2026-12-04_12-00-00-123456Z.mp4").unwrap();
        assert_eq!(utc.to_rfc3339(), "2026-12-04T12:00:00.123456+00:00");
        let east = segment_start("2026-12-04_13-30-00-000001+0130.mp4").unwrap();
        assert_eq!(east.to_rfc3339(), "2026-12-04T12:00:00.000001+00:00");
        let west = segment_start("2026-12-04_07-00-00-5-0500.mp4").unwrap();
        assert_eq!(west.to_rfc3339(), "2026-12-04T12:00:00.500+00:00");
        for other in [
            "2026-12-04_12-00-00-123456Z.mp4.part",
            "2026-12-04_12-00-00Z.mp4",
            "2026-12-04_12-00-00-123456.mp4",
            "2026-12-04_12-00-00-123456+01x0.mp4",
            "notes.mp4",
            "Z.mp4",
            ".mp4",
        ] {
            assert_eq!(segment_start(other), None, "{other}");
        }
    }

    #[test]
    fn a_camera_over_its_budget_loses_its_oldest_segments_but_not_the_one_being_written() {
        let recording = policy(RecordingMode::Continuous, 3600, Some(250));
        let registry = HashMap::from([(1, registered(true, recording))]);
        let files = [camera(1, &[0, 10, 20, 30, 40], 100)];
        assert_eq!(
            planned(&registry, &files, ROOMY, 50),
            [
                (1, 0, Reason::Budget),
                (1, 10, Reason::Budget),
                (1, 20, Reason::Budget)
            ]
        );
        // Its newest alone over the budget is kept while it may be written.
        let files = [camera(1, &[0], 1_000)];
        assert_eq!(planned(&registry, &files, ROOMY, 3000), []);
        let within = [camera(1, &[0, 10], 100)];
        assert_eq!(planned(&registry, &within, ROOMY, 50), []);
    }

    #[test]
    fn under_the_floor_the_oldest_of_any_camera_go_until_above_it() {
        let unbudgeted = policy(RecordingMode::Continuous, 3600, None);
        let registry = HashMap::from([
            (1, registered(true, unbudgeted)),
            (2, registered(true, unbudgeted)),
        ]);
        let files = [camera(1, &[0, 20, 40], 30), camera(2, &[10, 30, 50], 30)];
        // The floor is 100 bytes; 40 free: two 30-byte segments lift it
        // above, so two go, the oldest of either camera.
        let low = Disk {
            free_bytes: 40,
            total_bytes: 1_000,
        };
        assert_eq!(
            planned(&registry, &files, low, 60),
            [(1, 0, Reason::LowSpace), (2, 10, Reason::LowSpace)]
        );
        // However low, the segments being written stay.
        let full = Disk {
            free_bytes: 0,
            total_bytes: 1_000_000,
        };
        assert_eq!(planned(&registry, &files, full, 60).len(), 4);
    }

    #[test]
    fn budget_deletions_count_towards_the_floor() {
        let budgeted = policy(RecordingMode::Continuous, 3600, Some(60));
        let unbudgeted = policy(RecordingMode::Continuous, 3600, None);
        let registry = HashMap::from([
            (1, registered(true, unbudgeted)),
            (2, registered(true, budgeted)),
        ]);
        let files = [camera(1, &[0, 20], 50), camera(2, &[10, 30, 50], 50)];
        let low = Disk {
            free_bytes: 20,
            total_bytes: 1_000,
        };
        // The budget frees 100 of the 80 needed: camera 1's older segment
        // stays though it is the oldest.
        assert_eq!(
            planned(&registry, &files, low, 60),
            [(2, 10, Reason::Budget), (2, 30, Reason::Budget)]
        );
    }

    #[test]
    fn cameras_without_a_path_lose_what_is_older_than_their_retention() {
        let disabled = policy(RecordingMode::Continuous, 100, None);
        let enabled = policy(RecordingMode::Continuous, 100, None);
        let registry = HashMap::from([
            (1, registered(false, disabled)),
            (2, registered(true, enabled)),
        ]);
        // Camera 3 is no longer in the registry: the default retention
        // (an hour) applies.
        let files = [
            camera(1, &[0, 100, 200], 10),
            camera(2, &[0, 100, 200], 10),
            camera(3, &[0, 3000, 3700], 10),
        ];
        assert_eq!(
            planned(&registry, &files, ROOMY, 3700),
            [
                (1, 0, Reason::Retention),
                (1, 100, Reason::Retention),
                (1, 200, Reason::Retention),
                (3, 0, Reason::Retention),
            ]
        );
    }

    #[test]
    fn the_newest_segment_is_kept_while_it_may_be_written() {
        let files = camera(1, &[0, 10], 1).segments;
        assert_eq!(deletable(&files, true, SEGMENT, at(1000)), 1);
        assert_eq!(deletable(&files, false, SEGMENT, at(25)), 1);
        assert_eq!(deletable(&files, false, SEGMENT, at(41)), 2);
        assert_eq!(deletable(&[], false, SEGMENT, at(41)), 0);
    }

    #[test]
    fn the_floor_is_a_share_of_the_filesystem() {
        let disk = Disk {
            free_bytes: 0,
            total_bytes: 1_000,
        };
        assert_eq!(disk.floor(5), 50);
        assert_eq!(disk.floor(100), 1_000);
        assert_eq!(disk.floor(0), 0);
    }
}
