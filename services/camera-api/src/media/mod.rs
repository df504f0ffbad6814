//! Talking to cameras with ffprobe and ffmpeg: probes (is it there, what
//! does it send) and snapshots (one JPEG), bounded in time and in number.

mod probe;
mod process;
mod snapshot;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, SemaphorePermit};

use url::Url;
use utoipa::ToSchema;

pub use probe::{Audio, Probe, Video};
pub use snapshot::{Image, Served, SnapshotRequest};

use crate::cameras::{Camera, StreamUrl};
use crate::secrets::Secret;
use crate::secrets::{self, SecretKey};

#[derive(Debug, Clone)]
pub struct Settings {
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
    pub probe_timeout: Duration,
    pub snapshot_timeout: Duration,
    /// Processes that may run at once, across all cameras.
    pub max_processes: usize,
    /// Requests that may wait for a process slot; beyond that, `Busy`.
    pub queue: usize,
    /// MediaMTX's RTSP server: snapshots read `<this>/cam_<id>` instead of
    /// opening one more session on the camera.
    pub rtsp_url: Option<Url>,
}

/// Why a camera could not be read, stable for clients to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    /// The camera refused the credentials (RTSP 401/403).
    Auth,
    /// The camera has no such stream (RTSP 404).
    NotFound,
    /// Nothing answers at that address (refused, no route, unknown host).
    Unreachable,
    /// The camera did not answer in time.
    Timeout,
    /// The camera answered but sent no decodable video.
    BadStream,
    /// ffmpeg failed some other way; `detail` has its reason, cleaned: no
    /// URL, and of an RTSP server's answer only the status code.
    FfmpegExit,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "AUTH",
            Self::NotFound => "NOT_FOUND",
            Self::Unreachable => "UNREACHABLE",
            Self::Timeout => "TIMEOUT",
            Self::BadStream => "BAD_STREAM",
            Self::FfmpegExit => "FFMPEG_EXIT",
        }
    }
}

/// A failed read of a camera: a code and what happened, passwords masked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Failure {
    pub code: Code,
    pub detail: String,
}

impl Failure {
    fn new(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }

    fn timeout(after: Duration) -> Self {
        Self::new(
            Code::Timeout,
            format!("no answer within {:.1} s", after.as_secs_f64()),
        )
    }

    fn ffmpeg_exit(detail: impl Into<String>) -> Self {
        Self::new(Code::FfmpegExit, detail)
    }

    /// Reads ffmpeg's stderr (rig notes §4) for the reason it failed.
    fn from_stderr(stderr: &str) -> Self {
        const RULES: &[(&[&str], Code, &str)] = &[
            (
                &["401 Unauthorized", "403 Forbidden"],
                Code::Auth,
                "the camera refused the user name or password",
            ),
            (
                &["404 Not Found"],
                Code::NotFound,
                "the camera has no stream at that path",
            ),
            (
                &[
                    "Connection refused",
                    "No route to host",
                    "Network is unreachable",
                    "Name or service not known",
                    "Temporary failure in name resolution",
                    "Cannot assign requested address",
                ],
                Code::Unreachable,
                "nothing answers at the camera's address",
            ),
            (
                &["timed out"],
                Code::Timeout,
                "the camera did not answer in time",
            ),
        ];
        let found = RULES
            .iter()
            .find(|(needles, _, _)| needles.iter().any(|needle| stderr.contains(needle)));
        match found {
            Some((_, code, words)) => Self::new(*code, *words),
            None if stderr.is_empty() => Self::new(Code::BadStream, "the camera sent no video"),
            None => Self::ffmpeg_exit(cleaned_reason(stderr)),
        }
    }
}

/// The longest reason passed on from ffmpeg.
const REASON_MAX: usize = 160;

/// ffmpeg's last words, cut to a reason any viewer may read: no URL (it may
/// carry a password, and says nothing the caller does not know), no
/// addresses of ffmpeg's internals (`[tcp @ 0x…]`), and of an RTSP server's
/// answer only its status code, since the rest of its status line is
/// whatever that server chose to send.
fn cleaned_reason(stderr: &str) -> String {
    // An RTSP server's refusal is the most telling line; ffmpeg's summary
    // that follows it only says "4XX".
    let refusal = stderr.lines().find(|line| {
        line.split_once("failed: ").is_some_and(|(_, status)| {
            status.len() >= 3 && status.as_bytes()[..3].iter().all(u8::is_ascii_digit)
        })
    });
    let last = || stderr.lines().rev().find(|line| !line.trim().is_empty());
    let line = refusal.or_else(last).unwrap_or("");
    let mut words = Vec::new();
    for word in line.split_whitespace() {
        if word.starts_with('[') || word.starts_with("0x") || word == "@" {
            continue;
        }
        if word.ends_with(']') && words.is_empty() {
            continue;
        }
        if let Some(scheme_end) = word.find("://") {
            let scheme = &word[..scheme_end];
            let colon = if word.ends_with(':') { ":" } else { "" };
            words.push(format!("<{scheme} URL>{colon}"));
            continue;
        }
        words.push(word.to_owned());
        let status_follows = words.len() >= 2 && words[words.len() - 2] == "failed:";
        if status_follows && word.len() == 3 && word.bytes().all(|b| b.is_ascii_digit()) {
            words.insert(words.len() - 1, "RTSP".to_owned());
            break;
        }
    }
    let mut reason: String = words
        .join(" ")
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if reason.len() > REASON_MAX {
        reason.truncate(REASON_MAX);
        reason.push('…');
    }
    if reason.is_empty() {
        "ffmpeg could not read the stream".to_owned()
    } else {
        reason
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("too many camera reads are waiting; retry shortly")]
    Busy,
    #[error(transparent)]
    Failed(#[from] Failure),
}

/// Bounds the ffmpeg/ffprobe processes across the service: a fixed number
/// run, a bounded number wait, the rest are refused at once.
struct Limiter {
    max: usize,
    running: Semaphore,
    waiting: AtomicUsize,
    queue: usize,
}

impl Limiter {
    async fn acquire(&self) -> Result<Slot<'_>, Error> {
        if let Ok(permit) = self.running.try_acquire() {
            return Ok(self.slot(permit));
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Error::Busy);
        }
        self.report();
        let permit = self.running.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        Ok(self.slot(permit.expect("the semaphore is never closed")))
    }

    fn slot<'a>(&'a self, permit: SemaphorePermit<'a>) -> Slot<'a> {
        let slot = Slot {
            permit: Some(permit),
            limiter: self,
        };
        self.report();
        slot
    }

    fn report(&self) {
        let running = self.max - self.running.available_permits();
        crate::metrics::media_processes(running, self.waiting.load(Ordering::SeqCst));
    }
}

/// A process slot; freeing it updates the gauges.
struct Slot<'a> {
    permit: Option<SemaphorePermit<'a>>,
    limiter: &'a Limiter,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        drop(self.permit.take());
        self.limiter.report();
    }
}

/// Cheap to clone; one per service.
#[derive(Clone)]
pub struct Media {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    limiter: Limiter,
    snapshots: snapshot::Store,
}

impl Media {
    pub fn new(settings: Settings) -> Self {
        let limiter = Limiter {
            max: settings.max_processes,
            running: Semaphore::new(settings.max_processes),
            waiting: AtomicUsize::new(0),
            queue: settings.queue,
        };
        Self {
            inner: Arc::new(Inner {
                settings,
                limiter,
                snapshots: snapshot::Store::default(),
            }),
        }
    }

    /// Probes `url` now. A camera that can't be read is a `Probe` with
    /// `ok: false`, not an error: that is what a probe is for.
    pub async fn probe(&self, url: &StreamUrl) -> Result<Probe, Error> {
        let _slot = self.inner.limiter.acquire().await?;
        let settings = &self.inner.settings;
        let probe = probe::run(&settings.ffprobe, url.expose(), settings.probe_timeout).await;
        let elapsed = Duration::from_millis(probe.rtt_ms);
        let outcome = probe.code.map_or("OK", Code::as_str);
        crate::metrics::media_outcome("ffprobe", outcome, elapsed);
        Ok(probe)
    }

    /// Whether snapshots read MediaMTX's re-stream (with a media pass)
    /// rather than the camera.
    pub fn reads_restream(&self) -> bool {
        self.inner.settings.rtsp_url.is_some()
    }

    /// Where snapshots of `camera` are read from: MediaMTX's re-stream with
    /// `pass` when there is one, else the camera itself, its password
    /// opened.
    pub fn snapshot_source(
        &self,
        camera: &Camera,
        key: &SecretKey,
        pass: Option<&Secret>,
    ) -> Result<String, secrets::Error> {
        let (Some(base), Some(pass)) = (&self.inner.settings.rtsp_url, pass) else {
            return Ok(camera.source_url(key)?.expose().to_owned());
        };
        let mut url = base.clone();
        // Only fails for URLs without a host, which config refuses. The
        // user is for MediaMTX's log; the pass alone decides.
        let _ = url.set_username("camplane");
        let _ = url.set_password(Some(pass.expose()));
        Ok(format!(
            "{}/{}",
            url.as_str().trim_end_matches('/'),
            camera.path()
        ))
    }
}
