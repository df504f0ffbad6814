//! Snapshots: one JPEG grabbed with ffmpeg, cached briefly, and fetched once
//! however many clients ask at the same time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::future::{BoxFuture, FutureExt, Shared, WeakShared};

use super::process;
use super::{Code, Error, Failure, Media};

/// Images kept in memory; the oldest goes first beyond this.
const CACHE_LIMIT: usize = 2048;

/// A camera's picture at one width (`None` = as the camera sends it).
type Key = (i64, Option<u32>);

#[derive(Debug)]
pub struct Image {
    pub jpeg: Bytes,
    pub taken_at: DateTime<Utc>,
    taken: Instant,
    pub etag: String,
}

impl Image {
    pub fn age(&self) -> Duration {
        self.taken.elapsed()
    }
}

pub struct SnapshotRequest {
    pub camera_id: i64,
    /// Where to read from (see `Media::snapshot_source`).
    pub source: String,
    pub width: Option<u32>,
    /// A cached image this young is good enough.
    pub max_age: Duration,
    /// On failure, answer with the last good image instead.
    pub fallback: bool,
}

/// What to send back.
pub struct Served {
    pub image: Arc<Image>,
    /// From the cache rather than grabbed for this request.
    pub cached: bool,
    /// Why a fresh image could not be had, when this is the fallback.
    pub failure: Option<Failure>,
}

type GrabFuture = BoxFuture<'static, Result<Arc<Image>, Error>>;
type Grab = Shared<GrabFuture>;

#[derive(Default)]
pub struct Store {
    images: Mutex<HashMap<Key, Arc<Image>>>,
    /// Counts `forget`s, so a grab that was running while its camera was
    /// forgotten doesn't put the old camera's picture back.
    forgets: AtomicU64,
    /// Weak, so a grab whose clients all went away is dropped, and its
    /// ffmpeg killed, rather than kept alive by this map.
    in_flight: Mutex<HashMap<Key, WeakShared<GrabFuture>>>,
}

impl Store {
    fn cached(&self, key: Key) -> Option<Arc<Image>> {
        self.images.lock().expect("not poisoned").get(&key).cloned()
    }

    fn keep(&self, key: Key, image: Arc<Image>) {
        let mut images = self.images.lock().expect("not poisoned");
        images.insert(key, image);
        if images.len() > CACHE_LIMIT {
            let oldest = images
                .iter()
                .max_by_key(|(_, image)| image.age())
                .map(|(key, _)| *key);
            oldest.map(|key| images.remove(&key));
        }
    }
}

impl Media {
    /// Drops every image of `camera_id`: it was deleted or changed.
    pub fn forget(&self, camera_id: i64) {
        let store = &self.inner.snapshots;
        store.forgets.fetch_add(1, Ordering::SeqCst);
        let mut images = store.images.lock().expect("not poisoned");
        images.retain(|(id, _), _| *id != camera_id);
    }

    /// Drops every image: changes may have been missed.
    pub fn forget_all(&self) {
        let store = &self.inner.snapshots;
        store.forgets.fetch_add(1, Ordering::SeqCst);
        store.images.lock().expect("not poisoned").clear();
    }

    /// A cached image young enough, if there is one: no database, no ffmpeg.
    pub fn fresh(&self, camera_id: i64, width: Option<u32>, max_age: Duration) -> Option<Served> {
        let image = self
            .inner
            .snapshots
            .cached((camera_id, width))
            .filter(|image| image.age() <= max_age)?;
        Some(Served {
            image,
            cached: true,
            failure: None,
        })
    }

    pub async fn snapshot(&self, request: SnapshotRequest) -> Result<Served, Error> {
        let key = (request.camera_id, request.width);
        let store = &self.inner.snapshots;
        if let Some(served) = self.fresh(request.camera_id, request.width, request.max_age) {
            return Ok(served);
        }
        let forgets = store.forgets.load(Ordering::SeqCst);
        match self.grab(key, request.source).await {
            Ok(image) => {
                if store.forgets.load(Ordering::SeqCst) == forgets {
                    store.keep(key, image.clone());
                }
                Ok(Served {
                    image,
                    cached: false,
                    failure: None,
                })
            }
            Err(error) => {
                let last = || {
                    store
                        .cached(key)
                        .or_else(|| store.cached((request.camera_id, None)))
                };
                match (&error, request.fallback.then(last).flatten()) {
                    (Error::Failed(failure), Some(image)) => Ok(Served {
                        image,
                        cached: true,
                        failure: Some(failure.clone()),
                    }),
                    _ => Err(error),
                }
            }
        }
    }

    /// Joins the grab already running for `key`, or starts one.
    fn grab(&self, key: Key, source: String) -> Grab {
        let mut in_flight = self.inner.snapshots.in_flight.lock().expect("not poisoned");
        if let Some(running) = in_flight.get(&key).and_then(WeakShared::upgrade) {
            return running;
        }
        in_flight.retain(|_, grab| grab.upgrade().is_some());
        let media = self.clone();
        let grab = async move {
            let result = media.grab_now(key, &source).await;
            media
                .inner
                .snapshots
                .in_flight
                .lock()
                .expect("not poisoned")
                .remove(&key);
            result
        }
        .boxed()
        .shared();
        in_flight.insert(key, grab.downgrade().expect("not yet polled"));
        grab
    }

    async fn grab_now(&self, (camera_id, width): Key, source: &str) -> Result<Arc<Image>, Error> {
        let _slot = self.inner.limiter.acquire(self.inner.snapshot_wait).await?;
        let started = Instant::now();
        let result = self.grab_with_ffmpeg(camera_id, width, source).await;
        let code = result.as_ref().err().map(|failure| failure.code);
        let outcome = code.map_or("OK", Code::as_str);
        crate::metrics::media_outcome("ffmpeg", outcome, started.elapsed());
        Ok(result?)
    }

    async fn grab_with_ffmpeg(
        &self,
        camera_id: i64,
        width: Option<u32>,
        source: &str,
    ) -> Result<Arc<Image>, Failure> {
        let settings = &self.inner.settings;
        let output = process::run(
            &settings.ffmpeg,
            &args(source, width, settings.snapshot_timeout),
            settings.snapshot_timeout,
        )
        .await?;
        // Exit status 0 is not success: a camera that dies mid-frame leaves
        // ffmpeg exiting cleanly with a truncated image or none.
        if !is_complete_jpeg(&output.stdout) {
            let failure = match output.status.success() {
                true => Failure::new(Code::BadStream, "the camera sent no complete picture"),
                false => Failure::from_stderr(&output.stderr),
            };
            return Err(failure);
        }
        let taken_at = Utc::now();
        let etag = format!(
            "\"{camera_id}-{}-{}\"",
            width.unwrap_or(0),
            taken_at.timestamp_micros()
        );
        Ok(Arc::new(Image {
            jpeg: Bytes::from(output.stdout),
            taken_at,
            taken: Instant::now(),
            etag,
        }))
    }
}

fn args(source: &str, width: Option<u32>, timeout: Duration) -> Vec<String> {
    let mut args: Vec<String> = ["-nostdin", "-hide_banner", "-loglevel", "error"]
        .map(str::to_owned)
        .to_vec();
    // A reader that joins a running stream mid-GOP gets P-frames first;
    // decoding those gives a grey or black picture, so decode keyframes only.
    args.extend(["-skip_frame", "nokey"].map(str::to_owned));
    args.extend(process::input_args(source, timeout));
    args.extend(["-an", "-frames:v", "1"].map(str::to_owned));
    if let Some(width) = width {
        // -2: the height that keeps the aspect ratio, rounded to even.
        args.extend(["-vf".to_owned(), format!("scale={width}:-2")]);
    }
    args.extend(["-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "4", "pipe:1"].map(str::to_owned));
    args
}

fn is_complete_jpeg(bytes: &[u8]) -> bool {
    bytes.len() > 4 && bytes.starts_with(&[0xFF, 0xD8, 0xFF]) && bytes.ends_with(&[0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_jpegs_count() {
        assert!(is_complete_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0xFF, 0xD9]));
        assert!(
            !is_complete_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            "truncated"
        );
        assert!(!is_complete_jpeg(b""));
    }

    #[test]
    fn the_source_is_one_argument_and_scaling_keeps_the_aspect() {
        let hostile = "rtsp://h/s -f image2 /etc/passwd";
        let args = args(hostile, Some(320), Duration::from_secs(8));
        assert!(
            args.contains(&hostile.to_owned()),
            "passed whole, never split or interpreted"
        );
        assert!(args.windows(2).any(|pair| pair == ["-vf", "scale=320:-2"]));
        assert!(args.windows(2).any(|pair| pair == ["-timeout", "8000000"]));
    }
}
