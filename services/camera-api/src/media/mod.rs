//! Talking to cameras with ffprobe and ffmpeg: probes (is it there, what
//! does it send) and snapshots (one JPEG), bounded in time and in number.

mod probe;
mod process;
mod relay;
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
    /// Requests that may wait for a process slot; beyond that, `Busy`. A
    /// request waits only as long as still lets it answer within the
    /// request timeout (see `longest_wait`); then it is `Busy` too.
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
    /// The camera redirected to another server, which Camplane does not
    /// follow (the credentials would go along).
    Redirected,
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
            Self::Redirected => "REDIRECTED",
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

    /// Reads ffmpeg's stderr for the reason it failed: the phrases are the
    /// ones ffmpeg prints for RTSP refusals and socket errors.
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

/// What a request does besides its process, in the worst case that is
/// still normal: the database before and after, and sending the answer.
const ANSWER_MARGIN: Duration = Duration::from_secs(1);
/// How much shorter than the request timeout a process's deadline must be
/// for a request to run it at all: a process ends at most `GRACE` after its
/// deadline, and the request still has to answer.
pub const HEADROOM: Duration = process::GRACE.saturating_add(ANSWER_MARGIN);

/// How long a request that runs a process for up to `runs_for` may wait for
/// a slot and still answer within `request_timeout`; `None` if it couldn't
/// even without waiting.
pub fn longest_wait(request_timeout: Duration, runs_for: Duration) -> Option<Duration> {
    request_timeout.checked_sub(runs_for.saturating_add(HEADROOM))
}

/// Bounds the ffmpeg/ffprobe processes across the service: a fixed number
/// run, a bounded number wait for a bounded time, the rest are refused at
/// once.
struct Limiter {
    max: usize,
    running: Semaphore,
    waiting: AtomicUsize,
    queue: usize,
}

impl Limiter {
    /// A slot, waiting at most `wait` for one (so that the request can still
    /// answer in time: a late answer would be the request timeout's).
    async fn acquire(&self, wait: Duration) -> Result<Slot<'_>, Error> {
        if let Ok(permit) = self.running.try_acquire() {
            return Ok(self.slot(permit));
        }
        let waiting = Waiting::join(self).ok_or(Error::Busy)?;
        let permit = tokio::time::timeout(wait, self.running.acquire()).await;
        drop(waiting);
        let permit = permit.map_err(|_| Error::Busy)?;
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

/// A place in the queue. Left on drop, so a request that stops waiting
/// early (its client went away, or the request timed out) frees it too.
struct Waiting<'a>(&'a Limiter);

impl<'a> Waiting<'a> {
    fn join(limiter: &'a Limiter) -> Option<Self> {
        if limiter.waiting.fetch_add(1, Ordering::SeqCst) >= limiter.queue {
            limiter.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        limiter.report();
        Some(Self(limiter))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
        self.0.report();
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
    /// How long a probe, and a snapshot, may wait for a slot.
    probe_wait: Duration,
    snapshot_wait: Duration,
    snapshots: snapshot::Store,
}

impl Media {
    /// `request_timeout` is how long the HTTP layer lets a request run
    /// (config makes sure both processes' deadlines fit in it).
    pub fn new(settings: Settings, request_timeout: Duration) -> Self {
        let wait = |runs_for| longest_wait(request_timeout, runs_for).unwrap_or_default();
        let limiter = Limiter {
            max: settings.max_processes,
            running: Semaphore::new(settings.max_processes),
            waiting: AtomicUsize::new(0),
            queue: settings.queue,
        };
        Self {
            inner: Arc::new(Inner {
                probe_wait: wait(settings.probe_timeout),
                snapshot_wait: wait(settings.snapshot_timeout),
                settings,
                limiter,
                snapshots: snapshot::Store::default(),
            }),
        }
    }

    /// Probes `url` now. A camera that can't be read is a `Probe` with
    /// `ok: false`, not an error: that is what a probe is for.
    pub async fn probe(&self, url: &StreamUrl) -> Result<Probe, Error> {
        let _slot = self.inner.limiter.acquire(self.inner.probe_wait).await?;
        let probe = self.probe_refusing_redirects(url).await;
        let elapsed = Duration::from_millis(probe.rtt_ms);
        let outcome = probe.code.map_or("OK", Code::as_str);
        crate::metrics::media_outcome("ffprobe", outcome, elapsed);
        Ok(probe)
    }

    /// ffprobe on `url`; a plain `rtsp://` camera through a relay that
    /// refuses a redirect to another server (see `relay`).
    async fn probe_refusing_redirects(&self, url: &StreamUrl) -> Probe {
        let settings = &self.inner.settings;
        let started = std::time::Instant::now();
        let relay = match url.plain_endpoint() {
            None => None,
            Some((host, port)) => {
                let camera = relay::Endpoint { host, port };
                match relay::Relay::start(camera, settings.probe_timeout).await {
                    Ok(relay) => Some(relay),
                    Err(failure) => return Probe::failed(failure, started.elapsed()),
                }
            }
        };
        let source = match &relay {
            Some(relay) => url.expose_via_loopback(relay.port()),
            None => url.expose().to_owned(),
        };
        let probe = probe::run(&settings.ffprobe, &source, settings.probe_timeout).await;
        if relay.as_ref().is_some_and(relay::Relay::refused_a_redirect) {
            let failure = Failure::new(
                Code::Redirected,
                "the camera redirected to another server, which Camplane does not follow \
                 (the credentials would go along): enter the address it redirects to",
            );
            return Probe::failed(failure, started.elapsed());
        }
        probe
    }

    /// Whether snapshots read MediaMTX's re-stream (with a media pass)
    /// rather than the camera.
    pub fn reads_restream(&self) -> bool {
        self.inner.settings.rtsp_url.is_some()
    }

    /// Where snapshots of `camera` are read from: MediaMTX's re-stream with
    /// `pass` when there is one (on `node`, the RTSP server of the camera's
    /// node, if it has one), else the camera itself, its password opened.
    pub fn snapshot_source(
        &self,
        camera: &Camera,
        key: &SecretKey,
        pass: Option<&Secret>,
        node: Option<&Url>,
    ) -> Result<String, secrets::Error> {
        let restream = node.or(self.inner.settings.rtsp_url.as_ref());
        let (Some(base), Some(pass)) = (restream, pass) else {
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

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn limiter(max: usize, queue: usize) -> Limiter {
        Limiter {
            max,
            running: Semaphore::new(max),
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    #[tokio::test]
    async fn a_wait_for_a_slot_ends_in_busy_and_leaves_the_queue() {
        let limiter = limiter(1, 1);
        let _running = limiter.acquire(Duration::ZERO).await.unwrap();
        let started = Instant::now();
        let waited = limiter.acquire(Duration::from_millis(50)).await;
        assert!(matches!(waited, Err(Error::Busy)));
        assert!(started.elapsed() >= Duration::from_millis(50));
        // A waiter whose request goes away (its client left, or it ran out
        // of time) must not keep its place in the queue for ever.
        let gone = tokio::time::timeout(
            Duration::from_millis(10),
            limiter.acquire(Duration::from_secs(60)),
        )
        .await;
        assert!(gone.is_err());
        assert_eq!(limiter.waiting.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_process_must_leave_room_to_answer_within_the_request_timeout() {
        let secs = Duration::from_secs;
        assert_eq!(
            longest_wait(secs(30), secs(8)),
            Some(secs(30) - secs(8) - HEADROOM)
        );
        assert_eq!(longest_wait(secs(9), secs(8)), None);
    }
}
